//! The parts of an OCDS tender release that Anchorlink keeps, as plain Rust.
//!
//! One shape serves both directions: the importer fills it from another portal's release,
//! the exporter writes it back out, so "export an imported tender and import it again"
//! compares like with like. Field names follow OCDS where they exist (`tender.lots`,
//! `items[].relatedLot`, `tender.lotDetails`) so the mapping reads one-to-one.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::cpv::{CpvCatalogue, CpvCode};
use crate::place::{parse_place, Place, Postcode};
use crate::text::Gbp;
use crate::validation::FieldErrors;

crate::slug_enum! {
    /// `tender.status` and `tender.lots[].status`: OCDS's closed tenderStatus codelist.
    TenderStatus, "tender status" {
        Planning => "planning", "Planning";
        Planned => "planned", "Planned";
        Active => "active", "Open";
        Cancelled => "cancelled", "Cancelled";
        Unsuccessful => "unsuccessful", "Unsuccessful";
        Complete => "complete", "Complete";
        Withdrawn => "withdrawn", "Withdrawn";
    }
}

crate::slug_enum! {
    /// `tender.procurementMethod`: OCDS's closed method codelist.
    ProcurementMethod, "procurement method" {
        Open => "open", "Open procedure";
        Selective => "selective", "Selective procedure";
        Limited => "limited", "Limited procedure";
        Direct => "direct", "Direct award";
    }
}

crate::slug_enum! {
    /// `tender.mainProcurementCategory`: goods, works or services.
    ProcurementCategory, "procurement category" {
        Goods => "goods", "Goods";
        Works => "works", "Works";
        Services => "services", "Services";
    }
}

/// An ISO 4217 currency code, upper case ("GBP").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

/// Why a currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a currency is a three-letter code like GBP, not \"{0}\"")]
pub struct CurrencyError(pub String);

impl Currency {
    /// Pounds sterling, the currency of every Anchorlink tender.
    #[must_use]
    pub fn gbp() -> Self {
        Self("GBP".to_owned())
    }

    /// Parses "GBP" or "gbp" (surrounding spaces ignored).
    ///
    /// # Errors
    /// [`CurrencyError`] unless the input is three ASCII letters.
    pub fn parse(input: &str) -> Result<Self, CurrencyError> {
        let s = input.trim();
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(CurrencyError(input.to_owned()))
        }
    }

    /// The code, e.g. "GBP".
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for pounds sterling.
    #[must_use]
    pub fn is_gbp(&self) -> bool {
        self.0 == "GBP"
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0
    }
}

/// An amount of money, exact to the hundredth of its currency (pence for GBP).
///
/// Portals publish values with pence (`640436.92`), so whole pounds would lose what they
/// said, and the round trip import → export → import must give back the same figures.
/// Integers of hundredths keep every such value exactly and rule out float drift;
/// [`Money::whole_pounds`] gives the rounded figure Anchorlink's planner works in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Hundredths of the currency unit: pence for GBP, cents for EUR.
    pub minor_units: u64,
    pub currency: Currency,
}

/// Why an OCDS `amount` could not be read as money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AmountError {
    #[error("it is negative")]
    Negative,
    #[error("it is not a number")]
    NotANumber,
    #[error("it is too large to be a real amount")]
    TooLarge,
}

impl Money {
    /// `pence` pence sterling.
    #[must_use]
    pub fn gbp_pence(pence: u64) -> Self {
        Self {
            minor_units: pence,
            currency: Currency::gbp(),
        }
    }

    /// A whole-pound amount as money; `None` only beyond 184 quadrillion pounds.
    #[must_use]
    pub fn from_gbp(pounds: Gbp) -> Option<Self> {
        pounds.pounds().checked_mul(100).map(Self::gbp_pence)
    }

    /// The amount in whole pounds, rounding half a pound up; `None` for other currencies,
    /// which Anchorlink does not convert.
    #[must_use]
    pub fn whole_pounds(&self) -> Option<Gbp> {
        self.currency
            .is_gbp()
            .then(|| Gbp::new(self.minor_units / 100 + u64::from(self.minor_units % 100 >= 50)))
    }

    /// The amount as a decimal string with exactly the digits needed: "5000000",
    /// "640436.92", "0.5".
    #[must_use]
    pub fn decimal(&self) -> String {
        let (units, hundredths) = (self.minor_units / 100, self.minor_units % 100);
        match hundredths {
            0 => units.to_string(),
            h if h.is_multiple_of(10) => format!("{units}.{}", h / 10),
            h => format!("{units}.{h:02}"),
        }
    }

    /// Reads an OCDS `amount` given as a JSON number (or, as some portals do, a string
    /// holding one). The decimal digits are taken from the number's shortest text form,
    /// so `640436.92` is exactly 64,043,692 pence; more than two decimals round half up.
    ///
    /// # Errors
    /// [`AmountError`] for negative, non-numeric or absurdly large amounts.
    pub fn parse_amount(value: &serde_json::Value) -> Result<u64, AmountError> {
        match value {
            serde_json::Value::Number(n) => {
                if let Some(units) = n.as_u64() {
                    return units.checked_mul(100).ok_or(AmountError::TooLarge);
                }
                if n.as_i64().is_some() || n.as_f64().is_some_and(|f| f < 0.0) {
                    return Err(AmountError::Negative);
                }
                decimal_to_minor_units(&n.to_string())
            }
            serde_json::Value::String(s) => {
                let cleaned: String = s
                    .trim()
                    .trim_start_matches('£')
                    .chars()
                    .filter(|c| *c != ',')
                    .collect();
                if cleaned.starts_with('-') {
                    return Err(AmountError::Negative);
                }
                decimal_to_minor_units(&cleaned)
            }
            _ => Err(AmountError::NotANumber),
        }
    }

    /// The amount as a JSON number: an integer when it is whole, otherwise the shortest
    /// float that reads back as the same two decimals.
    #[must_use]
    pub fn json_amount(&self) -> serde_json::Value {
        if self.minor_units.is_multiple_of(100) {
            serde_json::Value::from(self.minor_units / 100)
        } else {
            self.decimal()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(serde_json::Value::Null, serde_json::Value::Number)
        }
    }
}

/// "640436.92", "5e6", "1.5E+3" → hundredths, rounding half up past two decimals.
fn decimal_to_minor_units(text: &str) -> Result<u64, AmountError> {
    let text = text.trim().trim_start_matches('+');
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => {
            let exponent: i32 = text[at + 1..]
                .parse()
                .map_err(|_| AmountError::NotANumber)?;
            (&text[..at], exponent)
        }
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(AmountError::NotANumber);
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    if digits.len() > 30 {
        return Err(AmountError::TooLarge);
    }
    let significand: u128 = digits.parse().map_err(|_| AmountError::NotANumber)?;
    let fraction_len = i32::try_from(fraction.len()).map_err(|_| AmountError::TooLarge)?;
    // Scale so that the result counts hundredths.
    let shift = exponent - fraction_len + 2;
    let minor = if shift >= 0 {
        let factor = 10u128
            .checked_pow(shift.unsigned_abs())
            .ok_or(AmountError::TooLarge)?;
        significand
            .checked_mul(factor)
            .ok_or(AmountError::TooLarge)?
    } else {
        let Some(divisor) = 10u128.checked_pow(shift.unsigned_abs()) else {
            return Ok(0);
        };
        let (quotient, remainder) = (significand / divisor, significand % divisor);
        quotient + u128::from(remainder * 2 >= divisor)
    };
    u64::try_from(minor).map_err(|_| AmountError::TooLarge)
}

impl fmt::Display for Money {
    /// "£640,436.92" for pounds, "1,200.50 EUR" otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = Gbp::new(self.minor_units / 100).to_string();
        let units = units.trim_start_matches('£');
        let pence = match self.minor_units % 100 {
            0 => String::new(),
            p => format!(".{p:02}"),
        };
        if self.currency.is_gbp() {
            write!(f, "£{units}{pence}")
        } else {
            write!(f, "{units}{pence} {}", self.currency)
        }
    }
}

/// An OCDS period; Sell2Wales gives lots a duration instead of dates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub duration_in_days: Option<u32>,
}

impl Period {
    /// True when nothing is known about the period.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.start.is_none() && self.end.is_none() && self.duration_in_days.is_none()
    }
}

/// A postal address as published; nothing is normalised, so it exports as it came in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    pub street_address: Option<String>,
    pub locality: Option<String>,
    /// A county, or a NUTS/ITL code such as "UKL12" (Sell2Wales writes those).
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country_name: Option<String>,
}

impl Address {
    /// An address that is only a postcode or outcode: how Anchorlink's requirement lines
    /// say where delivery happens.
    #[must_use]
    pub fn at(place: &Place) -> Self {
        Self {
            postal_code: Some(place.to_string()),
            ..Self::default()
        }
    }

    /// True when every part is missing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.street_address.is_none()
            && self.locality.is_none()
            && self.region.is_none()
            && self.postal_code.is_none()
            && self.country_name.is_none()
    }

    /// The postal code read as a UK postcode or outcode, if it is one.
    #[must_use]
    pub fn place(&self) -> Option<Place> {
        self.postal_code
            .as_deref()
            .and_then(|p| parse_place(p).ok())
    }
}

/// An organisation identifier in org-id.guide form: scheme "GB-COH", id "01234567".
///
/// Buyers are identified by many registers (`GB-GOR`, `GB-LAE`, `GB-SRS`, …), far more
/// than the registry's supplier schemes, so the scheme is kept as published.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrgId {
    pub scheme: String,
    pub id: String,
}

impl OrgId {
    /// The combined form, e.g. "GB-COH-01234567".
    #[must_use]
    pub fn org_id(&self) -> String {
        format!("{}-{}", self.scheme, self.id)
    }

    /// A buyer organisation's org-id as an admin types it: the list (`GB-LAE`, `GB-NHS`,
    /// `GB-COH`…, any org-id.guide prefix: two letters, a hyphen, letters or digits) and
    /// the code on it. Both blank clears it (`None`); one without the other, or either
    /// malformed, is refused naming the field. The list is upper-cased; a code on one of
    /// the registry's supplier registers (Companies House, the charity registers, the
    /// Mutuals Register) is normalised and checked as those are, any other is kept as
    /// typed, without spaces.
    ///
    /// # Errors
    /// Fields `identifier_scheme` and `identifier`, each with what is wrong.
    pub fn parse_buyer(scheme: &str, id: &str) -> Result<Option<Self>, FieldErrors> {
        let scheme = scheme.trim().to_ascii_uppercase();
        let id: String = id.chars().filter(|c| !c.is_whitespace()).collect();
        let mut errors = FieldErrors::new();
        if scheme.is_empty() && id.is_empty() {
            return Ok(None);
        }
        let known = crate::registry::identifier::IdScheme::from_prefix(&scheme);
        if scheme.is_empty() {
            errors.add(
                "identifier_scheme",
                "Enter the list the code is on, like GB-LAE for a council in England",
            );
        } else if !is_org_id_prefix(&scheme) {
            errors.add(
                "identifier_scheme",
                "A list is two letters, a hyphen and its code, like GB-LAE, GB-NHS or GB-COH",
            );
        }
        let id = match known {
            Some(register) if !id.is_empty() => {
                match crate::registry::identifier::OrgIdentifier::parse(register, &id) {
                    Ok(parsed) => parsed.id,
                    Err(e) => {
                        errors.add("identifier", e.to_string());
                        id
                    }
                }
            }
            _ => id,
        };
        if id.is_empty() {
            errors.add("identifier", "Enter the organisation's code on that list");
        } else if id.chars().count() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | '_'))
        {
            errors.add(
                "identifier",
                "A code is up to 64 letters, digits, hyphens, dots, slashes or underscores",
            );
        }
        errors.into_result(Some(Self { scheme, id }))
    }
}

/// `XX-ABC`: a country code, a hyphen, then the list's own letters and digits (org-id.guide).
fn is_org_id_prefix(s: &str) -> bool {
    let Some((country, list)) = s.split_once('-') else {
        return false;
    };
    country.len() == 2
        && country.chars().all(|c| c.is_ascii_uppercase())
        && (2..=16).contains(&list.len())
        && list
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.scheme, self.id)
    }
}

/// The buying organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    /// The buyer's id in the release's `parties` ("GB-CFS-18525", "org-5"); only
    /// meaningful inside one release, so it is kept just to export the same reference.
    pub party_id: Option<String>,
    pub name: Option<String>,
    pub identifier: Option<OrgId>,
    pub address: Option<Address>,
}

impl Buyer {
    /// The buyer's postcode, when its address has one that reads as a UK postcode.
    #[must_use]
    pub fn postcode(&self) -> Option<Postcode> {
        match self.address.as_ref()?.place()? {
            Place::Postcode(p) => Some(p),
            Place::Outcode(_) => None,
        }
    }
}

/// A CPV code as a classification: the code, its check digit when known, its label.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cpv {
    pub code: CpvCode,
    pub check_digit: Option<char>,
    /// The English label ("Construction work"), when the release or the CPV list gave one.
    pub label: Option<String>,
}

impl Cpv {
    /// The code without check digit or label.
    #[must_use]
    pub fn new(code: CpvCode) -> Self {
        Self {
            code,
            check_digit: None,
            label: None,
        }
    }

    /// The code with its check digit and label from the CPV list; `None` when the code
    /// is not in the list.
    #[must_use]
    pub fn from_catalogue(catalogue: &CpvCatalogue, code: &CpvCode) -> Option<Self> {
        catalogue.get(code).map(|entry| Self {
            code: code.clone(),
            check_digit: Some(entry.check),
            label: Some(entry.label),
        })
    }

    /// The id as OCDS writes it: "45000000-7" with the check digit, else "45000000".
    #[must_use]
    pub fn ocds_id(&self) -> String {
        match self.check_digit {
            Some(check) => format!("{}-{check}", self.code),
            None => self.code.to_string(),
        }
    }
}

/// A requirement line: `tender.items[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub description: Option<String>,
    /// The main CPV code (see the importer for where it is found).
    pub cpv: Option<Cpv>,
    /// Further CPV codes, without the main one and without repeats.
    pub additional_cpv: Vec<Cpv>,
    pub quantity: Option<f64>,
    pub unit_name: Option<String>,
    /// `unit.value`: the price of one unit.
    pub unit_value: Option<Money>,
    /// The estimated value of the whole line. OCDS 1.1 has no such field; Anchorlink
    /// writes it as `items[].value` (see the exporter).
    pub value: Option<Money>,
    /// `deliveryAddresses` (and the older single `deliveryAddress`).
    pub delivery_addresses: Vec<Address>,
    /// Descriptions from `deliveryLocations` / `deliveryLocation`, e.g. "Conwy,
    /// Denbighshire & Gwynedd".
    pub delivery_locations: Vec<String>,
    /// The id of the lot this line belongs to.
    pub related_lot: Option<String>,
}

impl Item {
    /// Where the line is delivered: the first delivery address whose postal code reads
    /// as a UK postcode or outcode.
    #[must_use]
    pub fn delivery_place(&self) -> Option<Place> {
        self.delivery_addresses.iter().find_map(Address::place)
    }
}

/// A lot: `tender.lots[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<TenderStatus>,
    pub value: Option<Money>,
    pub contract_period: Option<Period>,
}

/// `tender.lotDetails`: rules across lots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotDetails {
    pub maximum_lots_bid_per_supplier: Option<u32>,
    pub maximum_lots_awarded_per_supplier: Option<u32>,
    /// Why the tender is not divided into lots ("divide or explain", Procurement Act
    /// 2023 s.18), as `tender.lotDetails.noLotsDivisionRationale` of the UK extension
    /// that Find a Tender publishes.
    pub no_lots_division_rationale: Option<String>,
}

impl LotDetails {
    /// True when no rule is stated.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.maximum_lots_bid_per_supplier.is_none()
            && self.maximum_lots_awarded_per_supplier.is_none()
            && self.no_lots_division_rationale.is_none()
    }
}

/// `tender.suitability` (Contracts Finder): whether the buyer thinks the contract suits
/// small firms and voluntary, community and social enterprises.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suitability {
    pub sme: Option<bool>,
    pub vcse: Option<bool>,
}

/// The `tender` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tender {
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<TenderStatus>,
    pub value: Option<Money>,
    /// `tenderPeriod.endDate`: the deadline for bids.
    pub deadline: Option<DateTime<Utc>>,
    pub contract_period: Option<Period>,
    pub procurement_method: Option<ProcurementMethod>,
    pub main_procurement_category: Option<ProcurementCategory>,
    pub suitability: Option<Suitability>,
    pub items: Vec<Item>,
    /// Never empty after import: a tender that is not divided has one lot, as OCDS
    /// recommends (a "virtual lot").
    pub lots: Vec<Lot>,
    pub lot_details: LotDetails,
}

impl Tender {
    /// The items of lot `lot_id`, in published order.
    pub fn items_of<'a>(&'a self, lot_id: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items
            .iter()
            .filter(move |item| item.related_lot.as_deref() == Some(lot_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pence(value: serde_json::Value) -> Result<u64, AmountError> {
        Money::parse_amount(&value)
    }

    fn buyer(scheme: &str, id: &str) -> Result<Option<String>, Vec<String>> {
        OrgId::parse_buyer(scheme, id)
            .map(|o| o.map(|o| o.org_id()))
            .map_err(|e| e.iter().map(|(field, _)| field.to_owned()).collect())
    }

    #[test]
    fn a_buyer_org_id_is_any_org_id_list_and_a_code_on_it() {
        assert_eq!(buyer(" gb-lae ", "PRE"), Ok(Some("GB-LAE-PRE".into())));
        assert_eq!(buyer("GB-NHS", "RXN"), Ok(Some("GB-NHS-RXN".into())));
        assert_eq!(buyer("GB-GOR", "D1234"), Ok(Some("GB-GOR-D1234".into())));
        // a register the registry knows is normalised as for suppliers
        assert_eq!(
            buyer("GB-COH", "1234567"),
            Ok(Some("GB-COH-01234567".into()))
        );
        assert_eq!(buyer("", " "), Ok(None), "both blank clears it");
    }

    #[test]
    fn a_bad_buyer_org_id_names_each_bad_field() {
        assert_eq!(buyer("GB-LAE", ""), Err(vec!["identifier".into()]));
        assert_eq!(buyer("", "PRE"), Err(vec!["identifier_scheme".into()]));
        assert_eq!(buyer("LAE", "PRE"), Err(vec!["identifier_scheme".into()]));
        assert_eq!(buyer("GB-LAE", "P<R>E"), Err(vec!["identifier".into()]));
        assert_eq!(buyer("GB-COH", "12"), Err(vec!["identifier".into()]));
        assert_eq!(
            buyer("GB", "x".repeat(65).as_str()),
            Err(vec!["identifier".into(), "identifier_scheme".into()])
        );
    }

    #[test]
    fn float_amounts_with_pence_are_read_exactly() {
        assert_eq!(pence(json!(640_436.92)), Ok(64_043_692));
        assert_eq!(pence(json!(0.01)), Ok(1));
        assert_eq!(pence(json!(0.1)), Ok(10));
        assert_eq!(pence(json!(1_689_985.84)), Ok(168_998_584));
        assert_eq!(pence(json!(20_000_000.0)), Ok(2_000_000_000));
    }

    #[test]
    fn integer_amounts_are_whole_units() {
        assert_eq!(pence(json!(372_032)), Ok(37_203_200));
        assert_eq!(pence(json!(0)), Ok(0));
    }

    #[test]
    fn amounts_in_exponent_form_are_read() {
        assert_eq!(pence(json!(5e6)), Ok(500_000_000));
        assert_eq!(decimal_to_minor_units("1.5E+3"), Ok(150_000));
        assert_eq!(decimal_to_minor_units("2.5e-1"), Ok(25));
    }

    #[test]
    fn amounts_past_pence_round_half_up() {
        assert_eq!(pence(json!(0.005)), Ok(1));
        assert_eq!(pence(json!(0.004)), Ok(0));
        assert_eq!(pence(json!(10.125)), Ok(1013));
    }

    #[test]
    fn amounts_given_as_text_are_read() {
        assert_eq!(pence(json!("1,234.50")), Ok(123_450));
        assert_eq!(pence(json!("£250000")), Ok(25_000_000));
    }

    #[test]
    fn negative_and_nonsense_amounts_are_refused() {
        assert_eq!(pence(json!(-5)), Err(AmountError::Negative));
        assert_eq!(pence(json!(-0.5)), Err(AmountError::Negative));
        assert_eq!(pence(json!("-3")), Err(AmountError::Negative));
        assert_eq!(pence(json!("about 5k")), Err(AmountError::NotANumber));
        assert_eq!(pence(json!(".")), Err(AmountError::NotANumber));
        assert_eq!(pence(json!(true)), Err(AmountError::NotANumber));
        assert_eq!(pence(json!(1e300)), Err(AmountError::TooLarge));
        assert_eq!(pence(json!(u64::MAX)), Err(AmountError::TooLarge));
    }

    #[test]
    fn money_written_as_json_reads_back_to_the_same_pence() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            // xorshift: a spread of amounts from pennies to billions, every pence pattern.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let minor = seed % 1_000_000_000_000;
            let money = Money::gbp_pence(minor);
            assert_eq!(pence(money.json_amount()), Ok(minor), "{money}");
        }
    }

    #[test]
    fn whole_amounts_are_written_as_json_integers() {
        assert_eq!(
            Money::gbp_pence(500_000_000).json_amount(),
            json!(5_000_000)
        );
        assert_eq!(
            Money::gbp_pence(64_043_692).json_amount(),
            json!(640_436.92)
        );
    }

    #[test]
    fn whole_pounds_round_half_up_and_only_for_sterling() {
        assert_eq!(
            Money::gbp_pence(64_043_692).whole_pounds(),
            Some(Gbp::new(640_437))
        );
        assert_eq!(Money::gbp_pence(149).whole_pounds(), Some(Gbp::new(1)));
        assert_eq!(Money::gbp_pence(150).whole_pounds(), Some(Gbp::new(2)));
        let euros = Money {
            minor_units: 100,
            currency: Currency::parse("eur").expect("EUR is a currency"),
        };
        assert_eq!(euros.whole_pounds(), None);
    }

    #[test]
    fn money_reads_as_buyers_write_it() {
        assert_eq!(Money::gbp_pence(64_043_692).to_string(), "£640,436.92");
        assert_eq!(Money::gbp_pence(500_000_000).to_string(), "£5,000,000");
        let euros = Money {
            minor_units: 120_050,
            currency: Currency::parse("EUR").expect("EUR is a currency"),
        };
        assert_eq!(euros.to_string(), "1,200.50 EUR");
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert_eq!(Currency::parse(" gbp ").map(|c| c.is_gbp()), Ok(true));
        assert!(Currency::parse("£").is_err());
        assert!(Currency::parse("POUND").is_err());
    }

    #[test]
    fn cpv_ids_carry_the_check_digit_when_known() {
        let code = CpvCode::parse("45000000").expect("valid code");
        let mut cpv = Cpv::new(code);
        assert_eq!(cpv.ocds_id(), "45000000");
        cpv.check_digit = Some('7');
        assert_eq!(cpv.ocds_id(), "45000000-7");
    }

    #[test]
    fn a_buyer_postcode_is_read_from_a_squashed_postal_code() {
        let buyer = Buyer {
            address: Some(Address {
                postal_code: Some("AB154ZT".to_owned()),
                ..Address::default()
            }),
            ..Buyer::default()
        };
        assert_eq!(
            buyer.postcode().map(|p| p.to_string()),
            Some("AB15 4ZT".to_owned())
        );
    }
}
