//! UK places: postcodes, outcodes and distances.
//!
//! Locality is judged at outcode level (the part before the space, e.g. "PR1"): precise
//! enough to say "within 20 km", coarse enough that no street address has to be stored
//! or geocoded. An outcode that is not in the shipped table is an error, never guessed,
//! because a wrong location silently excludes a local supplier.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Mean Earth radius (IUGG), in km.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Why a place was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlaceError {
    #[error("enter a postcode, like PR1 2HE")]
    Empty,
    #[error("a UK postcode looks like PR1 2HE")]
    InvalidPostcode,
    #[error("the second part of a postcode is a digit and two letters, like 2HE")]
    InvalidInward,
    #[error("the first part of a postcode is 2 to 4 characters, like M1, PR1 or SW1A")]
    InvalidOutcode,
    #[error("enter a postcode like PR1 2HE, or just its first part, like PR1")]
    InvalidPlace,
    #[error("we do not know where {0} is; check the postcode")]
    UnknownOutcode(String),
    #[error("the outcode list could not be read (line {line}): {reason}")]
    Table { line: usize, reason: String },
}

/// Uppercase with all whitespace removed: how users' postcodes are compared.
fn squash(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// True for the six outward shapes A9, A99, AA9, AA99, A9A, AA9A.
fn is_outcode_shape(s: &str) -> bool {
    let shape: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                'A'
            } else if c.is_ascii_digit() {
                '9'
            } else {
                '?'
            }
        })
        .collect();
    matches!(
        shape.as_str(),
        "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
    )
}

/// The outward part of a postcode, e.g. "PR1" or "SW1A".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Outcode(String);

impl Outcode {
    /// Parses an outcode, ignoring case and spaces.
    ///
    /// # Errors
    /// [`PlaceError::Empty`] or [`PlaceError::InvalidOutcode`].
    pub fn parse(input: &str) -> Result<Self, PlaceError> {
        let s = squash(input);
        if s.is_empty() {
            return Err(PlaceError::Empty);
        }
        if !is_outcode_shape(&s) {
            return Err(PlaceError::InvalidOutcode);
        }
        Ok(Self(s))
    }

    /// The outcode, uppercase.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Outcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Outcode {
    type Error = PlaceError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Outcode> for String {
    fn from(value: Outcode) -> Self {
        value.0
    }
}

/// A full UK postcode, stored in the canonical "PR1 2HE" form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

impl Postcode {
    /// Parses a postcode typed any way ("pr12he", " PR1  2HE ").
    ///
    /// Only the shape is checked; whether the outcode exists is for [`OutcodeTable`].
    ///
    /// # Errors
    /// [`PlaceError::Empty`], [`PlaceError::InvalidPostcode`] when too short or long,
    /// [`PlaceError::InvalidInward`] or [`PlaceError::InvalidOutcode`] for the part at fault.
    pub fn parse(input: &str) -> Result<Self, PlaceError> {
        let s = squash(input);
        if s.is_empty() {
            return Err(PlaceError::Empty);
        }
        if !(5..=7).contains(&s.len()) || !s.is_ascii() {
            return Err(PlaceError::InvalidPostcode);
        }
        let (outward, inward) = s.split_at(s.len() - 3);
        let b = inward.as_bytes();
        if !(b[0].is_ascii_digit() && b[1].is_ascii_uppercase() && b[2].is_ascii_uppercase()) {
            return Err(PlaceError::InvalidInward);
        }
        if !is_outcode_shape(outward) {
            return Err(PlaceError::InvalidOutcode);
        }
        Ok(Self(format!("{outward} {inward}")))
    }

    /// The postcode as "PR1 2HE".
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward part, "PR1".
    #[must_use]
    pub fn outcode(&self) -> Outcode {
        Outcode(self.0.split(' ').next().unwrap_or_default().to_owned())
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Postcode {
    type Error = PlaceError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Postcode> for String {
    fn from(value: Postcode) -> Self {
        value.0
    }
}

/// Where a user said they are: a full postcode or just its outcode.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Place {
    Postcode(Postcode),
    Outcode(Outcode),
}

impl Place {
    /// The outcode either way, since distances are computed per outcode.
    #[must_use]
    pub fn outcode(&self) -> Outcode {
        match self {
            Self::Postcode(p) => p.outcode(),
            Self::Outcode(o) => o.clone(),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postcode(p) => p.fmt(f),
            Self::Outcode(o) => o.fmt(f),
        }
    }
}

/// Accepts a full postcode or an outcode; buyers often give only "PR1".
///
/// Four characters or fewer (ignoring spaces) can only be an outcode, five or more can
/// only be a full postcode, so the input is never ambiguous.
///
/// # Errors
/// [`PlaceError::Empty`], or the postcode/outcode error for the part at fault.
pub fn parse_place(input: &str) -> Result<Place, PlaceError> {
    let s = squash(input);
    match s.len() {
        0 => Err(PlaceError::Empty),
        1 => Err(PlaceError::InvalidPlace),
        2..=4 => Outcode::parse(&s).map(Place::Outcode),
        _ => Postcode::parse(&s).map(Place::Postcode),
    }
}

/// One row of the outcode table: the outcode's centroid and names for display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcodeInfo {
    pub outcode: Outcode,
    pub lat: f64,
    pub lon: f64,
    /// May be empty.
    pub town: String,
    /// May be empty.
    pub county: String,
    pub country: String,
}

impl OutcodeInfo {
    /// Great-circle distance between two outcode centroids, in km.
    #[must_use]
    pub fn distance_km(&self, other: &OutcodeInfo) -> f64 {
        haversine_km(self.lat, self.lon, other.lat, other.lon)
    }

    /// "Preston, Lancashire" style name; falls back to the outcode when names are empty.
    #[must_use]
    pub fn display_name(&self) -> String {
        let parts: Vec<&str> = [self.town.as_str(), self.county.as_str()]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            self.outcode.0.clone()
        } else {
            format!("{} ({})", self.outcode, parts.join(", "))
        }
    }
}

/// The shipped UK outcode table (`data/uk-outcodes.csv`), read-only after loading.
#[derive(Debug, Clone, Default)]
pub struct OutcodeTable {
    rows: HashMap<Outcode, OutcodeInfo>,
}

const OUTCODE_HEADER: [&str; 6] = [
    "outcode",
    "latitude",
    "longitude",
    "town",
    "county",
    "country",
];

impl OutcodeTable {
    /// Parses the CSV `outcode,latitude,longitude,town,county,country`.
    ///
    /// Hand-parsed (quoted fields with `""` escapes, no embedded newlines) to avoid a CSV
    /// dependency in the browser build.
    ///
    /// # Errors
    /// [`PlaceError::Table`] naming the line for a wrong header, a wrong number of fields,
    /// a bad outcode or coordinate, or a duplicate outcode.
    pub fn from_csv(csv: &str) -> Result<Self, PlaceError> {
        let mut lines = csv.lines().enumerate();
        let header = lines
            .next()
            .map(|(_, l)| split_csv_line(l.trim_start_matches('\u{feff}')))
            .transpose()
            .map_err(|reason| PlaceError::Table { line: 1, reason })?
            .unwrap_or_default();
        if header.iter().map(|h| h.trim()).ne(OUTCODE_HEADER) {
            return Err(PlaceError::Table {
                line: 1,
                reason: format!("expected header {}", OUTCODE_HEADER.join(",")),
            });
        }
        let mut rows = HashMap::new();
        for (i, line) in lines {
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let err = |reason: String| PlaceError::Table {
                line: line_no,
                reason,
            };
            let fields = split_csv_line(line).map_err(err)?;
            let [outcode, lat, lon, town, county, country]: [String; 6] = fields
                .try_into()
                .map_err(|f: Vec<String>| err(format!("expected 6 fields, found {}", f.len())))?;
            let outcode = Outcode::parse(&outcode).map_err(|e| err(format!("{outcode}: {e}")))?;
            let lat = parse_coordinate(&lat, 90.0).map_err(err)?;
            let lon = parse_coordinate(&lon, 180.0).map_err(err)?;
            let info = OutcodeInfo {
                outcode: outcode.clone(),
                lat,
                lon,
                town: town.trim().to_owned(),
                county: county.trim().to_owned(),
                country: country.trim().to_owned(),
            };
            if rows.insert(outcode.clone(), info).is_some() {
                return Err(err(format!("{outcode} appears twice")));
            }
        }
        Ok(Self { rows })
    }

    /// Number of outcodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True for an empty table.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row for `outcode`, if known.
    #[must_use]
    pub fn get(&self, outcode: &Outcode) -> Option<&OutcodeInfo> {
        self.rows.get(outcode)
    }

    /// The row for a place's outcode.
    ///
    /// # Errors
    /// [`PlaceError::UnknownOutcode`] when the outcode is not in the table.
    pub fn resolve(&self, place: &Place) -> Result<&OutcodeInfo, PlaceError> {
        let outcode = place.outcode();
        self.rows
            .get(&outcode)
            .ok_or(PlaceError::UnknownOutcode(outcode.0))
    }

    /// All rows, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &OutcodeInfo> {
        self.rows.values()
    }

    /// Outcodes whose centroid is within `km` of a point, nearest first, with distances.
    #[must_use]
    pub fn within_km(&self, lat: f64, lon: f64, km: f64) -> Vec<(&OutcodeInfo, f64)> {
        let (min_lat, max_lat, min_lon, max_lon) = bounding_box(lat, lon, km);
        let mut out: Vec<(&OutcodeInfo, f64)> = self
            .rows
            .values()
            .filter(|r| {
                (min_lat..=max_lat).contains(&r.lat) && (min_lon..=max_lon).contains(&r.lon)
            })
            .map(|r| (r, haversine_km(lat, lon, r.lat, r.lon)))
            .filter(|(_, d)| *d <= km)
            .collect();
        out.sort_by(|a, b| {
            a.1.total_cmp(&b.1)
                .then_with(|| a.0.outcode.cmp(&b.0.outcode))
        });
        out
    }
}

fn parse_coordinate(s: &str, limit: f64) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && v.abs() <= limit)
        .ok_or_else(|| format!("{s:?} is not a valid coordinate"))
}

/// Splits one CSV line; fields may be quoted, with `""` for a literal quote.
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => in_quotes = false,
            ('"', false) if field.is_empty() => in_quotes = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err("unclosed quote".to_owned());
    }
    fields.push(field);
    Ok(fields)
}

/// Great-circle distance between two points in degrees, in km.
#[must_use]
#[inline]
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().clamp(0.0, 1.0).asin()
}

/// `(min_lat, max_lat, min_lon, max_lon)` containing every point within `km` of a point.
///
/// Used as a cheap indexed `BETWEEN` pre-filter in SQL before the exact haversine check;
/// it never excludes a point that is within range. Near the poles (or for huge radii) the
/// longitude range becomes the whole world. Does not wrap across the antimeridian, which
/// the UK never needs.
#[must_use]
pub fn bounding_box(lat: f64, lon: f64, km: f64) -> (f64, f64, f64, f64) {
    let angular = km.max(0.0) / EARTH_RADIUS_KM;
    let d_lat = angular.to_degrees();
    let min_lat = (lat - d_lat).max(-90.0);
    let max_lat = (lat + d_lat).min(90.0);
    let cos_lat = lat.to_radians().cos();
    // Widest longitude reached by a circle of angular radius r at latitude φ is
    // asin(sin r / cos φ); beyond that the circle contains a pole.
    if max_lat >= 90.0 || min_lat <= -90.0 || angular.sin() >= cos_lat {
        return (min_lat, max_lat, -180.0, 180.0);
    }
    let d_lon = (angular.sin() / cos_lat).asin().to_degrees();
    (
        min_lat,
        max_lat,
        (lon - d_lon).max(-180.0),
        (lon + d_lon).min(180.0),
    )
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test should panic with the unexpected error; `allow`, not `expect`, so it stays quiet if clippy.toml later sets allow-unwrap-in-tests"
)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn table() -> &'static OutcodeTable {
        static TABLE: OnceLock<OutcodeTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            OutcodeTable::from_csv(include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../data/uk-outcodes.csv"
            )))
            .unwrap()
        })
    }

    #[test]
    fn postcode_without_space_is_accepted() {
        assert_eq!(Postcode::parse("pr12he").unwrap().as_str(), "PR1 2HE");
        assert_eq!(
            Postcode::parse("  SW1A   1aa ").unwrap().as_str(),
            "SW1A 1AA"
        );
        assert_eq!(Postcode::parse("M1 1AE").unwrap().as_str(), "M1 1AE");
    }

    #[test]
    fn postcode_gives_its_outcode() {
        assert_eq!(
            Postcode::parse("PR1 2HE").unwrap().outcode().as_str(),
            "PR1"
        );
        assert_eq!(
            Postcode::parse("EC1A1BB").unwrap().outcode().as_str(),
            "EC1A"
        );
    }

    #[test]
    fn malformed_postcodes_name_the_part_at_fault() {
        assert_eq!(Postcode::parse(""), Err(PlaceError::Empty));
        assert_eq!(Postcode::parse("PR1"), Err(PlaceError::InvalidPostcode));
        assert_eq!(Postcode::parse("PR1 2H3"), Err(PlaceError::InvalidInward));
        assert_eq!(Postcode::parse("1PR 2HE"), Err(PlaceError::InvalidOutcode));
        assert_eq!(Postcode::parse("PRR12HE"), Err(PlaceError::InvalidOutcode));
        assert_eq!(
            Postcode::parse("PR1 2HE XY"),
            Err(PlaceError::InvalidPostcode)
        );
    }

    #[test]
    fn outcode_accepts_all_six_shapes() {
        for ok in ["M1", "B33", "CR2", "DN55", "W1A", "EC1A", "pr1"] {
            assert!(Outcode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["1M", "M", "ABC", "A1B2", "AB123", "Ä1"] {
            assert!(Outcode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn place_accepts_a_postcode_or_an_outcode() {
        let full = parse_place("pr1 2he").unwrap();
        assert!(matches!(full, Place::Postcode(_)));
        assert_eq!(full.outcode().as_str(), "PR1");
        let short = parse_place(" pr1 ").unwrap();
        assert_eq!(short, Place::Outcode(Outcode::parse("PR1").unwrap()));
        assert_eq!(parse_place("P"), Err(PlaceError::InvalidPlace));
        assert_eq!(parse_place(""), Err(PlaceError::Empty));
    }

    #[test]
    fn outcode_table_loads_every_row() {
        assert_eq!(table().len(), 2848);
    }

    #[test]
    fn quoted_town_names_with_commas_are_read_whole() {
        let im1 = table().get(&Outcode::parse("IM1").unwrap()).unwrap();
        assert_eq!(im1.town, "Douglas, Braddan");
        assert_eq!(im1.country, "Isle of Man");
    }

    #[test]
    fn pr1_resolves_near_preston() {
        let info = table().resolve(&parse_place("PR1 2HE").unwrap()).unwrap();
        assert!((info.lat - 53.76).abs() < 0.02, "{}", info.lat);
        assert!((info.lon - -2.70).abs() < 0.05, "{}", info.lon);
        assert_eq!(info.town, "Preston");
    }

    #[test]
    fn unknown_outcode_is_an_error_not_a_guess() {
        let place = parse_place("ZZ9").unwrap();
        assert_eq!(
            table().resolve(&place),
            Err(PlaceError::UnknownOutcode("ZZ9".into()))
        );
    }

    #[test]
    fn bad_csv_reports_the_line() {
        let csv = "outcode,latitude,longitude,town,county,country\nPR1,53.7,-2.7,,,England\nPR2,x,-2.7,,,England\n";
        assert_eq!(
            OutcodeTable::from_csv(csv).unwrap_err(),
            PlaceError::Table {
                line: 3,
                reason: "\"x\" is not a valid coordinate".into()
            }
        );
        assert!(matches!(
            OutcodeTable::from_csv("a,b\n"),
            Err(PlaceError::Table { line: 1, .. })
        ));
        let short = "outcode,latitude,longitude,town,county,country\nPR1,53.7\n";
        assert!(matches!(
            OutcodeTable::from_csv(short),
            Err(PlaceError::Table { line: 2, .. })
        ));
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // Preston to Manchester city centre is about 45 km as the crow flies.
        let d = haversine_km(53.7578, -2.7008, 53.4808, -2.2426);
        assert!((d - 44.5).abs() < 2.0, "{d}");
        assert!(haversine_km(51.5, -0.1, 51.5, -0.1).abs() < 1e-9);
    }

    #[test]
    fn bounding_box_contains_the_whole_circle() {
        let (lat, lon, km) = (53.76, -2.70, 25.0);
        let (min_lat, max_lat, min_lon, max_lon) = bounding_box(lat, lon, km);
        assert!(min_lat < lat && lat < max_lat && min_lon < lon && lon < max_lon);
        for step in 0..360 {
            let bearing = f64::from(step).to_radians();
            // Point 25 km away on this bearing (spherical destination formula).
            let (p1, l1, r) = (lat.to_radians(), lon.to_radians(), km / EARTH_RADIUS_KM);
            let p2 = (p1.sin() * r.cos() + p1.cos() * r.sin() * bearing.cos()).asin();
            let l2 = l1 + (bearing.sin() * r.sin() * p1.cos()).atan2(r.cos() - p1.sin() * p2.sin());
            let (p2, l2) = (p2.to_degrees(), l2.to_degrees());
            assert!((min_lat - 1e-9..=max_lat + 1e-9).contains(&p2));
            assert!((min_lon - 1e-9..=max_lon + 1e-9).contains(&l2));
        }
    }

    #[test]
    fn bounding_box_near_a_pole_spans_all_longitudes() {
        let (_, max_lat, min_lon, max_lon) = bounding_box(89.9, 0.0, 50.0);
        assert_eq!((max_lat, min_lon, max_lon), (90.0, -180.0, 180.0));
    }

    #[test]
    fn within_km_lists_nearby_outcodes_nearest_first() {
        let pr1 = table().get(&Outcode::parse("PR1").unwrap()).unwrap();
        let near = table().within_km(pr1.lat, pr1.lon, 10.0);
        assert_eq!(near[0].0.outcode.as_str(), "PR1");
        assert!(near.iter().all(|(_, d)| *d <= 10.0));
        assert!(near.windows(2).all(|w| w[0].1 <= w[1].1));
        assert!(near.iter().any(|(r, _)| r.outcode.as_str() == "PR2"));
    }
}
