//! Checking a change to a supplier profile: a [`ProfilePatch`] as a form or the REST API
//! sent it becomes [`ProfileChanges`], every value parsed into its rule-checked form, or
//! field errors naming every bad field at once.
//!
//! One parser per section of the profile (identity, contact, address, place, size, social
//! value, capabilities, capacity, identifiers), each reading only its own fields, so a
//! form that sends one step's fields is checked by exactly the rules of that step.

use super::dto::{IdentifierInput, ProfilePatch, Text, TextList};
use super::identifier::{IdScheme, OrgIdentifier};
use super::org::{LegalForm, OwnershipModel};
use crate::cpv::CpvCatalogue;
use crate::place::{parse_place, OutcodeTable};
use crate::text::{Email, Gbp, Keywords, VatNumber, Website};
use crate::validation::{collect, FieldErrors};

/// A postcode (or outcode) placed on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// As shown, e.g. `PR1 2HE` (or just `PR1`).
    pub postcode: String,
    pub outcode: String,
    pub lat: f64,
    pub lon: f64,
}

/// A checked change to a profile: `None` leaves a field as it is; `Some(None)` (or an
/// empty string, for text) clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileChanges {
    pub legal_name: Option<String>,
    pub trading_name: Option<String>,
    pub legal_form: Option<LegalForm>,
    pub vat_number: Option<String>,
    pub year_founded: Option<Option<i32>>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub town: Option<String>,
    pub operating_address: Option<String>,
    pub place: Option<Option<Located>>,
    pub service_radius_km: Option<Option<i32>>,
    /// Outcodes, upper case, without repeats.
    pub service_outcodes: Option<Vec<String>>,
    pub employees: Option<Option<i32>>,
    pub turnover_gbp: Option<Option<i64>>,
    pub ownership_model: Option<Option<OwnershipModel>>,
    pub local_staff_pct: Option<Option<i16>>,
    pub local_spend_pct: Option<Option<i16>>,
    pub capability_statement: Option<String>,
    pub keywords: Option<Keywords>,
    /// 8-digit CPV codes, without repeats; replaces the whole set.
    pub cpv: Option<Vec<String>>,
    pub max_contract_value_gbp: Option<Option<i64>>,
    pub min_contract_value_gbp: Option<Option<i64>>,
    /// Replaces the whole set of identifiers.
    pub identifiers: Option<Vec<OrgIdentifier>>,
    pub published: Option<bool>,
}

/// Most CPV codes a profile holds: a business with more is better found by its divisions.
pub const MAX_CPV_CODES: usize = 100;
/// Most postcode districts a profile names; beyond that a service radius says it better.
pub const MAX_SERVICE_OUTCODES: usize = 300;
/// Most register identifiers a profile holds (one per register is the usual case).
pub const MAX_IDENTIFIERS: usize = 10;
/// Most accreditations a profile lists.
pub const MAX_ACCREDITATIONS: usize = 50;
/// Most past contracts a profile lists.
pub const MAX_CONTRACTS: usize = 100;

/// A list longer than `max` is a field error, found before any item is read, so a request
/// costs no more than its size allows. Repeats count: a list is judged as sent.
pub fn list_within(
    errors: &mut FieldErrors,
    field: &str,
    len: usize,
    max: usize,
    what: &str,
) -> bool {
    if len > max {
        errors.add(field, format!("at most {max} {what} (there are {len})"));
        false
    } else {
        true
    }
}

/// What the parser needs besides the patch: the reference data, the year (for "year
/// founded") and the profile's current contract range (a patch may change one end).
#[derive(Debug, Clone, Copy)]
pub struct ParseContext<'a> {
    pub cpv: &'a CpvCatalogue,
    pub outcodes: &'a OutcodeTable,
    pub this_year: i32,
    pub current_min_contract_gbp: Option<i64>,
    pub current_max_contract_gbp: Option<i64>,
}

/// Checks every field of the patch.
///
/// # Errors
/// Field errors naming each bad field.
pub fn parse(patch: &ProfilePatch, ctx: &ParseContext<'_>) -> Result<ProfileChanges, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut out = ProfileChanges::default();
    identity(patch, ctx, &mut out, &mut errors);
    contact(patch, &mut out, &mut errors);
    address(patch, &mut out, &mut errors);
    place(patch, ctx, &mut out, &mut errors);
    size(patch, &mut out, &mut errors);
    social_value(patch, &mut out, &mut errors);
    capabilities(patch, ctx, &mut out, &mut errors);
    capacity(patch, ctx, &mut out, &mut errors);
    out.identifiers = patch
        .identifiers
        .as_ref()
        .filter(|list| {
            list_within(
                &mut errors,
                "identifiers",
                list.len(),
                MAX_IDENTIFIERS,
                "identifiers",
            )
        })
        .map(|list| identifiers(list, &mut errors));
    out.published = patch.published;
    errors.into_result(out)
}

fn identity(
    patch: &ProfilePatch,
    ctx: &ParseContext<'_>,
    out: &mut ProfileChanges,
    errors: &mut FieldErrors,
) {
    if let Some(t) = &patch.name {
        if t.as_str().is_empty() {
            errors.add("name", "Enter the organisation's legal name");
        } else {
            out.legal_name = limited(errors, "name", t, 200, "Legal name");
        }
    }
    if let Some(t) = &patch.trading_name {
        out.trading_name = limited(errors, "trading_name", t, 200, "Trading name");
    }
    if let Some(t) = &patch.legal_form {
        match LegalForm::from_slug(t.as_str()) {
            Some(f) => out.legal_form = Some(f),
            None => errors.add("legal_form", "Choose a legal form from the list"),
        }
    }
    if let Some(t) = &patch.vat_number {
        out.vat_number = optional(errors, "vat_number", t, VatNumber::parse)
            .map(|v| v.map(|v| v.as_str().to_owned()).unwrap_or_default());
    }
    if let Some(t) = &patch.year_founded {
        out.year_founded = whole_number(
            errors,
            "year_founded",
            t,
            1800,
            ctx.this_year,
            "Year founded",
        );
    }
}

fn contact(patch: &ProfilePatch, out: &mut ProfileChanges, errors: &mut FieldErrors) {
    if let Some(t) = &patch.website {
        out.website = optional(errors, "website", t, Website::parse)
            .map(|v| v.map(|v| v.as_str().to_owned()).unwrap_or_default());
    }
    if let Some(t) = &patch.email {
        out.email = optional(errors, "email", t, Email::parse)
            .map(|v| v.map(|v| v.as_str().to_owned()).unwrap_or_default());
    }
    if let Some(t) = &patch.phone {
        let s = t.as_str();
        let allowed = |c: char| c.is_ascii_digit() || " +()-".contains(c);
        if !s.is_empty() && (s.len() > 40 || !s.chars().all(allowed)) {
            errors.add(
                "phone",
                "Enter a telephone number using digits, spaces and + ( ) -",
            );
        } else {
            out.phone = Some(s.to_owned());
        }
    }
}

fn address(patch: &ProfilePatch, out: &mut ProfileChanges, errors: &mut FieldErrors) {
    for (field, value, slot) in [
        (
            "address_line1",
            &patch.address_line1,
            &mut out.address_line1,
        ),
        (
            "address_line2",
            &patch.address_line2,
            &mut out.address_line2,
        ),
        ("town", &patch.town, &mut out.town),
    ] {
        if let Some(t) = value {
            *slot = limited(errors, field, t, 200, "This line");
        }
    }
    if let Some(t) = &patch.operating_address {
        out.operating_address = limited(errors, "operating_address", t, 500, "Operating address");
    }
}

fn place(
    patch: &ProfilePatch,
    ctx: &ParseContext<'_>,
    out: &mut ProfileChanges,
    errors: &mut FieldErrors,
) {
    if let Some(t) = &patch.postcode {
        if t.as_str().is_empty() {
            out.place = Some(None);
        } else {
            out.place = collect(errors, "postcode", locate(ctx.outcodes, t.as_str())).map(Some);
        }
    }
    if let Some(t) = &patch.service_radius_km {
        out.service_radius_km =
            whole_number(errors, "service_radius_km", t, 0, 1500, "Service radius");
    }
    if let Some(list) = patch.service_outcodes.as_ref().filter(|l| {
        list_within(
            errors,
            "service_outcodes",
            l.0.len(),
            MAX_SERVICE_OUTCODES,
            "postcode districts",
        )
    }) {
        let mut codes: Vec<String> = Vec::new();
        for raw in &list.0 {
            let resolved = parse_place(raw)
                .map_err(|e| e.to_string())
                .and_then(|place| {
                    ctx.outcodes
                        .resolve(&place)
                        .map(|info| info.outcode.to_string())
                        .map_err(|e| e.to_string())
                });
            match resolved {
                Ok(code) if !codes.contains(&code) => codes.push(code),
                Ok(_) => {}
                Err(e) => errors.add("service_outcodes", format!("{raw}: {e}")),
            }
        }
        out.service_outcodes = Some(codes);
    }
}

fn size(patch: &ProfilePatch, out: &mut ProfileChanges, errors: &mut FieldErrors) {
    if let Some(t) = &patch.employees {
        out.employees = whole_number(errors, "employees", t, 0, 10_000_000, "Number of employees");
    }
    if let Some(t) = &patch.turnover_gbp {
        out.turnover_gbp = money(errors, "turnover_gbp", t, "Annual turnover");
    }
}

fn social_value(patch: &ProfilePatch, out: &mut ProfileChanges, errors: &mut FieldErrors) {
    if let Some(t) = &patch.ownership_model {
        match t.as_str() {
            "" => out.ownership_model = Some(None),
            slug => match OwnershipModel::from_slug(slug) {
                Some(m) => out.ownership_model = Some(Some(m)),
                None => errors.add("ownership_model", "Choose an ownership model from the list"),
            },
        }
    }
    for (field, value, slot, what) in [
        (
            "local_staff_pct",
            &patch.local_staff_pct,
            &mut out.local_staff_pct,
            "Staff living locally",
        ),
        (
            "local_spend_pct",
            &patch.local_spend_pct,
            &mut out.local_spend_pct,
            "Spend with local suppliers",
        ),
    ] {
        if let Some(t) = value {
            *slot = whole_number::<i16>(errors, field, t, 0, 100, &format!("{what} (%)"));
        }
    }
}

fn capabilities(
    patch: &ProfilePatch,
    ctx: &ParseContext<'_>,
    out: &mut ProfileChanges,
    errors: &mut FieldErrors,
) {
    if let Some(t) = &patch.capability_statement {
        out.capability_statement = limited(
            errors,
            "capability_statement",
            t,
            5000,
            "Capability statement",
        );
    }
    if let Some(TextList(list)) = &patch.keywords {
        out.keywords = collect(errors, "keywords", Keywords::from_list(list.iter()));
    }
    if let Some(TextList(list)) = patch
        .cpv
        .as_ref()
        .filter(|l| list_within(errors, "cpv", l.0.len(), MAX_CPV_CODES, "CPV codes"))
    {
        let mut codes: Vec<String> = Vec::new();
        for raw in list {
            match ctx.cpv.validate(raw) {
                Ok(entry) if !codes.contains(&entry.code) => codes.push(entry.code),
                Ok(_) => {}
                Err(e) => errors.add("cpv", format!("{raw}: {e}")),
            }
        }
        out.cpv = Some(codes);
    }
}

fn capacity(
    patch: &ProfilePatch,
    ctx: &ParseContext<'_>,
    out: &mut ProfileChanges,
    errors: &mut FieldErrors,
) {
    if let Some(t) = &patch.max_contract_value_gbp {
        out.max_contract_value_gbp = money(errors, "max_contract_value_gbp", t, "Largest contract");
    }
    if let Some(t) = &patch.min_contract_value_gbp {
        out.min_contract_value_gbp =
            money(errors, "min_contract_value_gbp", t, "Smallest contract");
    }
    let lo = out
        .min_contract_value_gbp
        .unwrap_or(ctx.current_min_contract_gbp);
    let hi = out
        .max_contract_value_gbp
        .unwrap_or(ctx.current_max_contract_gbp);
    if let (Some(lo), Some(hi)) = (lo, hi) {
        if lo > hi {
            errors.add(
                "min_contract_value_gbp",
                "The smallest contract worth bidding for is larger than the largest you can take on",
            );
        }
    }
}

fn identifiers(list: &[IdentifierInput], errors: &mut FieldErrors) -> Vec<OrgIdentifier> {
    list.iter()
        .filter_map(|IdentifierInput { scheme, id }| {
            collect(errors, "identifiers", parse_identifier(scheme, id))
        })
        .collect()
}

/// A scheme prefix (`GB-COH`) and a number, checked against that register's format.
///
/// # Errors
/// An unknown scheme or a number the register would not issue, as a message.
pub fn parse_identifier(scheme: &str, id: &str) -> Result<OrgIdentifier, String> {
    let scheme = IdScheme::from_prefix(scheme.trim())
        .ok_or_else(|| format!("{scheme}: unknown identifier scheme"))?;
    OrgIdentifier::parse(scheme, id).map_err(|e| e.to_string())
}

/// A postcode or outcode placed by the outcode table.
///
/// # Errors
/// Not a postcode, or an outcode the table does not know, as a message.
pub fn locate(table: &OutcodeTable, raw: &str) -> Result<Located, String> {
    let place = parse_place(raw).map_err(|e| e.to_string())?;
    let info = table.resolve(&place).map_err(|e| e.to_string())?;
    Ok(Located {
        postcode: place.to_string(),
        outcode: info.outcode.to_string(),
        lat: info.lat,
        lon: info.lon,
    })
}

/// Optional text with a rule: empty clears (`Some(None)`), otherwise it must parse.
fn optional<T, E: std::fmt::Display>(
    errors: &mut FieldErrors,
    field: &str,
    t: &Text,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Option<Option<T>> {
    match t.as_str() {
        "" => Some(None),
        s => collect(errors, field, parse(s)).map(Some),
    }
}

/// A whole number in `min..=max` (thousands separators allowed); empty clears.
pub fn whole_number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    errors: &mut FieldErrors,
    field: &str,
    t: &Text,
    min: T,
    max: T,
    what: &str,
) -> Option<Option<T>> {
    let s = t.as_str().replace(',', "");
    if s.is_empty() {
        return Some(None);
    }
    match s.parse::<T>() {
        Ok(v) if v >= min && v <= max => Some(Some(v)),
        _ => {
            errors.add(
                field,
                format!("{what} must be a whole number from {min} to {max}"),
            );
            None
        }
    }
}

/// An amount in pounds (`250000`, `£250k`, …); empty clears.
pub fn money(errors: &mut FieldErrors, field: &str, t: &Text, what: &str) -> Option<Option<i64>> {
    if t.as_str().is_empty() {
        return Some(None);
    }
    match Gbp::parse(t.as_str()) {
        Ok(v) => match i64::try_from(v.pounds()) {
            Ok(v) => Some(Some(v)),
            Err(_) => {
                errors.add(field, format!("{what} is too large"));
                None
            }
        },
        Err(e) => {
            errors.add(field, format!("{what}: {e}"));
            None
        }
    }
}

/// Text up to `max` characters.
pub fn limited(
    errors: &mut FieldErrors,
    field: &str,
    t: &Text,
    max: usize,
    what: &str,
) -> Option<String> {
    let s = t.as_str();
    if s.chars().count() > max {
        errors.add(field, format!("{what} must be {max} characters or fewer"));
        None
    } else {
        Some(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPV: &str = r#"{"45000000-7": "Construction work", "77314000-4": "Grounds maintenance services", "77310000-6": "Planting and maintenance services of green areas"}"#;
    const OUTCODES: &str = "outcode,latitude,longitude,town,county,country\nPR1,53.7578,-2.7008,Preston,Lancashire,England\nLS1,53.7965,-1.5478,Leeds,West Yorkshire,England\n";

    fn parse_with(
        patch: &ProfilePatch,
        min: Option<i64>,
        max: Option<i64>,
    ) -> Result<ProfileChanges, FieldErrors> {
        let cpv = CpvCatalogue::from_json(CPV).expect("cpv");
        let outcodes = OutcodeTable::from_csv(OUTCODES).expect("outcodes");
        let ctx = ParseContext {
            cpv: &cpv,
            outcodes: &outcodes,
            this_year: 2026,
            current_min_contract_gbp: min,
            current_max_contract_gbp: max,
        };
        parse(patch, &ctx)
    }

    fn text(s: &str) -> Option<Text> {
        Some(Text::from(s))
    }

    #[test]
    fn absent_fields_change_nothing() {
        assert_eq!(
            parse_with(&ProfilePatch::default(), None, None),
            Ok(ProfileChanges::default())
        );
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let patch = ProfilePatch {
            name: text(""),
            legal_form: text("guild"),
            employees: text("lots"),
            postcode: text("NOT A POSTCODE"),
            cpv: Some(TextList(vec!["99999999".into()])),
            ..ProfilePatch::default()
        };
        let errors = parse_with(&patch, None, None).expect_err("refused");
        for field in ["name", "legal_form", "employees", "postcode", "cpv"] {
            assert!(errors.contains(field), "{field} missing from {errors:?}");
        }
    }

    #[test]
    fn an_empty_value_clears_an_optional_field() {
        let patch = ProfilePatch {
            website: text(""),
            employees: text(""),
            postcode: text(""),
            ownership_model: text(""),
            ..ProfilePatch::default()
        };
        let changes = parse_with(&patch, None, None).expect("valid");
        assert_eq!(changes.website, Some(String::new()));
        assert_eq!(changes.employees, Some(None));
        assert_eq!(changes.place, Some(None));
        assert_eq!(changes.ownership_model, Some(None));
    }

    #[test]
    fn a_postcode_is_placed_by_its_outcode() {
        let patch = ProfilePatch {
            postcode: text("pr1 2he"),
            ..ProfilePatch::default()
        };
        let located = parse_with(&patch, None, None)
            .expect("valid")
            .place
            .flatten()
            .expect("placed");
        assert_eq!(
            (located.postcode.as_str(), located.outcode.as_str()),
            ("PR1 2HE", "PR1")
        );
        assert!((located.lat - 53.7578).abs() < 1e-9);
    }

    #[test]
    fn cpv_codes_and_service_outcodes_are_checked_and_kept_once() {
        let patch = ProfilePatch {
            cpv: Some(TextList(vec!["77314000-4".into(), "77314000".into()])),
            service_outcodes: Some(TextList(vec!["ls1".into(), "LS1 4AP".into()])),
            ..ProfilePatch::default()
        };
        let changes = parse_with(&patch, None, None).expect("valid");
        assert_eq!(changes.cpv, Some(vec!["77314000".to_owned()]));
        assert_eq!(changes.service_outcodes, Some(vec!["LS1".to_owned()]));
    }

    #[test]
    fn oversized_lists_are_refused_by_their_count_with_the_field_named() {
        let many = |n: usize| TextList((0..n).map(|i| format!("not a code {i}")).collect());
        let patch = ProfilePatch {
            cpv: Some(many(100_000)),
            service_outcodes: Some(many(MAX_SERVICE_OUTCODES + 1)),
            identifiers: Some(vec![IdentifierInput::default(); MAX_IDENTIFIERS + 1]),
            ..ProfilePatch::default()
        };
        let errors = parse_with(&patch, None, None).expect_err("too many");
        let message = |f: &str| errors.get(f).map(str::to_owned).unwrap_or_default();
        assert_eq!(message("cpv"), "At most 100 CPV codes (there are 100000)");
        assert_eq!(
            message("service_outcodes"),
            "At most 300 postcode districts (there are 301)"
        );
        assert_eq!(
            message("identifiers"),
            "At most 10 identifiers (there are 11)"
        );
    }

    #[test]
    fn the_smallest_contract_may_not_exceed_the_stored_largest() {
        let patch = ProfilePatch {
            min_contract_value_gbp: text("60k"),
            ..ProfilePatch::default()
        };
        assert!(parse_with(&patch, None, Some(50_000))
            .expect_err("refused")
            .contains("min_contract_value_gbp"));
        assert!(parse_with(&patch, None, Some(60_000)).is_ok());
        let both = ProfilePatch {
            max_contract_value_gbp: text("100000"),
            ..patch
        };
        assert!(
            parse_with(&both, None, Some(50_000)).is_ok(),
            "the new largest is what counts"
        );
    }

    #[test]
    fn identifiers_are_checked_against_their_register() {
        let patch = ProfilePatch {
            identifiers: Some(vec![
                IdentifierInput {
                    scheme: "GB-COH".into(),
                    id: "01234567".into(),
                },
                IdentifierInput {
                    scheme: "XX-NOPE".into(),
                    id: "1".into(),
                },
            ]),
            ..ProfilePatch::default()
        };
        let errors = parse_with(&patch, None, None).expect_err("refused");
        assert!(
            errors
                .get("identifiers")
                .is_some_and(|m| m.contains("XX-NOPE")),
            "{errors:?}"
        );
    }

    #[test]
    fn a_year_founded_in_the_future_is_refused() {
        let patch = ProfilePatch {
            year_founded: text("2031"),
            ..ProfilePatch::default()
        };
        assert!(parse_with(&patch, None, None)
            .expect_err("refused")
            .contains("year_founded"));
        let patch = ProfilePatch {
            year_founded: text("1,999"),
            ..ProfilePatch::default()
        };
        assert_eq!(
            parse_with(&patch, None, None).expect("valid").year_founded,
            Some(Some(1999))
        );
    }
}
