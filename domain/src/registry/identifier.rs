//! Organisation identifiers in org-id.guide form ("GB-COH-01234567").
//!
//! The org-id form is what OCDS and 360Giving use, so identifiers exchanged with other
//! portals match ours without translation. Numbers are checked for shape and normalised
//! (case, spaces, leading zeros) so the same organisation cannot register twice under two
//! spellings; whether the number really belongs to the organisation is for an admin to
//! verify against the register.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A register that issues organisation identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum IdScheme {
    /// Companies House (companies, CICs, LLPs; also some co-operatives).
    GbCoh,
    /// Charity Commission for England and Wales.
    GbChc,
    /// Office of the Scottish Charity Regulator.
    GbSc,
    /// Charity Commission for Northern Ireland.
    GbNic,
    /// FCA Mutuals Public Register (co-operative and community benefit societies).
    GbMpr,
}

impl IdScheme {
    /// Every scheme, in display order.
    pub const ALL: &'static [Self] = &[
        Self::GbCoh,
        Self::GbChc,
        Self::GbSc,
        Self::GbNic,
        Self::GbMpr,
    ];

    /// The org-id prefix, e.g. "GB-COH".
    #[must_use]
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::GbCoh => "GB-COH",
            Self::GbChc => "GB-CHC",
            Self::GbSc => "GB-SC",
            Self::GbNic => "GB-NIC",
            Self::GbMpr => "GB-MPR",
        }
    }

    /// The register's name.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::GbCoh => "Companies House",
            Self::GbChc => "Charity Commission for England and Wales",
            Self::GbSc => "Scottish Charity Regulator",
            Self::GbNic => "Charity Commission for Northern Ireland",
            Self::GbMpr => "FCA Mutuals Public Register",
        }
    }

    /// What a valid number looks like, worded for the form field.
    #[must_use]
    pub const fn expected(self) -> &'static str {
        match self {
            Self::GbCoh => "a Companies House number is 8 characters, like 01234567 or SC123456",
            Self::GbChc => {
                "a Charity Commission number is 6 or 7 digits, like 1234567 (or 1234567-1 for a linked charity)"
            }
            Self::GbSc => "a Scottish charity number is SC followed by 6 digits, like SC012345",
            Self::GbNic => "a Northern Ireland charity number is 6 digits, like NIC100002 or 100002",
            Self::GbMpr => {
                "a Mutuals Public Register number is up to 6 digits with an optional letter, like 12345R or IP12345R"
            }
        }
    }

    /// The scheme with this prefix, ignoring case.
    #[must_use]
    pub fn from_prefix(prefix: &str) -> Option<Self> {
        let prefix = prefix.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.prefix().eq_ignore_ascii_case(prefix))
    }
}

impl fmt::Display for IdScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

impl TryFrom<String> for IdScheme {
    type Error = IdentifierError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::from_prefix(&value).ok_or(IdentifierError::UnknownScheme(value))
    }
}

impl From<IdScheme> for String {
    fn from(value: IdScheme) -> Self {
        value.prefix().to_owned()
    }
}

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentifierError {
    #[error("enter a {} number", .0.label())]
    Empty(IdScheme),
    #[error("{}", .0.expected())]
    Invalid(IdScheme),
    #[error("an identifier starts with GB-COH, GB-CHC, GB-SC, GB-NIC or GB-MPR, like GB-COH-01234567 (not \"{0}\")")]
    UnknownScheme(String),
}

/// A normalised identifier in one register.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgIdentifier {
    pub scheme: IdScheme,
    /// The number as the register writes it, e.g. "01234567" or "SC012345".
    pub id: String,
}

impl OrgIdentifier {
    /// Parses a number typed for a given register: trimmed, uppercased, spaces removed,
    /// then checked against that register's format.
    ///
    /// # Errors
    /// [`IdentifierError::Empty`] or [`IdentifierError::Invalid`] (whose message says what
    /// the register's numbers look like).
    pub fn parse(scheme: IdScheme, raw: &str) -> Result<Self, IdentifierError> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if s.is_empty() {
            return Err(IdentifierError::Empty(scheme));
        }
        let id = match scheme {
            IdScheme::GbCoh => companies_house(&s),
            IdScheme::GbChc => charity_commission(&s),
            IdScheme::GbSc => scottish_charity(&s),
            IdScheme::GbNic => ni_charity(&s),
            IdScheme::GbMpr => mutuals_register(&s),
        };
        id.map(|id| Self { scheme, id })
            .ok_or(IdentifierError::Invalid(scheme))
    }

    /// The combined org-id form, e.g. "GB-COH-01234567".
    #[must_use]
    pub fn org_id(&self) -> String {
        self.to_string()
    }
}

/// Parses the combined form "GB-COH-01234567" (any case, spaces ignored around parts).
///
/// # Errors
/// [`IdentifierError::UnknownScheme`] when no known prefix starts the input, otherwise as
/// [`OrgIdentifier::parse`].
pub fn parse_org_id(input: &str) -> Result<OrgIdentifier, IdentifierError> {
    let s = input.trim();
    for &scheme in IdScheme::ALL {
        let prefix = scheme.prefix();
        let head = s.get(..prefix.len());
        let rest = s
            .get(prefix.len()..)
            .and_then(|r| r.trim_start().strip_prefix('-'));
        if let (Some(head), Some(rest)) = (head, rest) {
            if head.eq_ignore_ascii_case(prefix) {
                return OrgIdentifier::parse(scheme, rest);
            }
        }
    }
    Err(IdentifierError::UnknownScheme(s.to_owned()))
}

impl fmt::Display for OrgIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.scheme.prefix(), self.id)
    }
}

impl FromStr for OrgIdentifier {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_org_id(s)
    }
}

impl TryFrom<String> for OrgIdentifier {
    type Error = IdentifierError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        parse_org_id(&value)
    }
}

impl From<OrgIdentifier> for String {
    fn from(value: OrgIdentifier) -> Self {
        value.to_string()
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// 8 digits (shorter all-digit input of 6–7 digits padded, as people drop leading
/// zeros), or a two-character prefix + 6 digits. Any two-letter prefix is accepted
/// (SC, NI, OC, SO, NC, IP, SP, RS, LP, SL, FC, CE, CS, …) since Companies House adds
/// new ones; "R0" + 6 digits covers old Northern Ireland numbers.
fn companies_house(s: &str) -> Option<String> {
    if all_digits(s) && (6..=8).contains(&s.len()) {
        return Some(format!("{s:0>8}"));
    }
    if s.len() != 8 || !s.is_ascii() {
        return None;
    }
    let (prefix, digits) = s.split_at(2);
    let prefix_ok = prefix.bytes().all(|b| b.is_ascii_uppercase()) || prefix == "R0";
    (prefix_ok && all_digits(digits)).then(|| s.to_owned())
}

/// 6 or 7 digits, optionally "-N" for a linked (subsidiary) charity.
fn charity_commission(s: &str) -> Option<String> {
    let (main, sub) = match s.split_once('-') {
        Some((m, sub)) => (m, Some(sub)),
        None => (s, None),
    };
    let main_ok = all_digits(main) && (6..=7).contains(&main.len());
    let sub_ok = sub.is_none_or(|n| all_digits(n) && n.len() <= 3);
    (main_ok && sub_ok).then(|| s.to_owned())
}

/// "SC" + 6 digits; the bare 6 digits are accepted and given the prefix.
fn scottish_charity(s: &str) -> Option<String> {
    let digits = s.strip_prefix("SC").unwrap_or(s);
    (all_digits(digits) && digits.len() == 6).then(|| format!("SC{digits}"))
}

/// 6 digits, optionally typed with the "NIC" prefix, stored as digits.
fn ni_charity(s: &str) -> Option<String> {
    let digits = s.strip_prefix("NIC").unwrap_or(s);
    (all_digits(digits) && digits.len() == 6).then(|| digits.to_owned())
}

/// 1–6 digits with an optional R/C/B suffix ("12345R"), or "IP"/"RS" + digits + an
/// optional letter ("IP12345R", "RS007123").
fn mutuals_register(s: &str) -> Option<String> {
    let (prefixed, body) = match s.get(..2) {
        Some("IP" | "RS") => (true, &s[2..]),
        _ => (false, s),
    };
    let (digits, suffix) = match body.chars().last() {
        Some(c) if c.is_ascii_alphabetic() => (&body[..body.len() - 1], Some(c)),
        _ => (body, None),
    };
    let suffix_ok = match suffix {
        None => true,
        Some(c) if prefixed => c.is_ascii_uppercase(),
        Some(c) => matches!(c, 'R' | 'C' | 'B'),
    };
    (all_digits(digits) && digits.len() <= 6 && suffix_ok).then(|| s.to_owned())
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test should panic with the unexpected error; `allow`, not `expect`, so it stays quiet if clippy.toml later sets allow-unwrap-in-tests"
)]
mod tests {
    use super::*;

    fn id(scheme: IdScheme, raw: &str) -> Result<String, IdentifierError> {
        OrgIdentifier::parse(scheme, raw).map(|i| i.id)
    }

    #[test]
    fn scheme_prefixes_and_labels_match_org_id_guide() {
        assert_eq!(IdScheme::GbCoh.prefix(), "GB-COH");
        assert_eq!(IdScheme::GbMpr.label(), "FCA Mutuals Public Register");
        assert_eq!(IdScheme::from_prefix("gb-nic"), Some(IdScheme::GbNic));
        assert_eq!(IdScheme::from_prefix("GB-XYZ"), None);
    }

    #[test]
    fn companies_house_numbers_are_normalised() {
        assert_eq!(id(IdScheme::GbCoh, " 0123 4567 "), Ok("01234567".into()));
        assert_eq!(id(IdScheme::GbCoh, "1234567"), Ok("01234567".into()));
        assert_eq!(id(IdScheme::GbCoh, "123456"), Ok("00123456".into()));
        assert_eq!(id(IdScheme::GbCoh, "sc123456"), Ok("SC123456".into()));
        assert_eq!(id(IdScheme::GbCoh, "IP 012345"), Ok("IP012345".into()));
        assert_eq!(id(IdScheme::GbCoh, "R0123456"), Ok("R0123456".into()));
    }

    #[test]
    fn bad_companies_house_numbers_explain_the_format() {
        for bad in ["12345", "123456789", "SC12345", "S1234567", "SC12345X"] {
            let err = OrgIdentifier::parse(IdScheme::GbCoh, bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                "a Companies House number is 8 characters, like 01234567 or SC123456",
                "{bad}"
            );
        }
        assert_eq!(
            OrgIdentifier::parse(IdScheme::GbCoh, "  ")
                .unwrap_err()
                .to_string(),
            "enter a Companies House number"
        );
    }

    #[test]
    fn charity_numbers_follow_each_register() {
        assert_eq!(id(IdScheme::GbChc, "1234567"), Ok("1234567".into()));
        assert_eq!(id(IdScheme::GbChc, "223456-1"), Ok("223456-1".into()));
        assert!(id(IdScheme::GbChc, "12345").is_err());
        assert!(id(IdScheme::GbChc, "1234567-").is_err());
        assert_eq!(id(IdScheme::GbSc, "sc 012345"), Ok("SC012345".into()));
        assert_eq!(id(IdScheme::GbSc, "012345"), Ok("SC012345".into()));
        assert!(id(IdScheme::GbSc, "SC12345").is_err());
        assert_eq!(id(IdScheme::GbNic, "NIC100002"), Ok("100002".into()));
        assert_eq!(id(IdScheme::GbNic, "100002"), Ok("100002".into()));
        assert!(id(IdScheme::GbNic, "NIC10000").is_err());
    }

    #[test]
    fn mutuals_register_numbers_allow_suffix_letters_and_prefixes() {
        assert_eq!(id(IdScheme::GbMpr, "12345r"), Ok("12345R".into()));
        assert_eq!(id(IdScheme::GbMpr, "31062"), Ok("31062".into()));
        assert_eq!(id(IdScheme::GbMpr, "IP12345R"), Ok("IP12345R".into()));
        assert_eq!(id(IdScheme::GbMpr, "RS007123"), Ok("RS007123".into()));
        assert!(id(IdScheme::GbMpr, "12345X").is_err());
        assert!(id(IdScheme::GbMpr, "1234567").is_err());
        assert!(id(IdScheme::GbMpr, "IP").is_err());
    }

    #[test]
    fn combined_org_id_form_parses_and_displays() {
        let coh = parse_org_id("gb-coh-1234567").unwrap();
        assert_eq!(coh.scheme, IdScheme::GbCoh);
        assert_eq!(coh.to_string(), "GB-COH-01234567");
        let sc = parse_org_id("GB-SC-SC012345").unwrap();
        assert_eq!(sc.to_string(), "GB-SC-SC012345");
        assert_eq!(
            parse_org_id("GB-NIC-NIC100002").unwrap().to_string(),
            "GB-NIC-100002"
        );
        assert!(matches!(
            parse_org_id("GB-XX-1"),
            Err(IdentifierError::UnknownScheme(_))
        ));
        assert!(matches!(
            parse_org_id("GB-COH"),
            Err(IdentifierError::UnknownScheme(_))
        ));
    }

    #[test]
    fn identifier_serialises_as_its_org_id() {
        let i = OrgIdentifier::parse(IdScheme::GbChc, "1234567").unwrap();
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(json, r#""GB-CHC-1234567""#);
        assert_eq!(serde_json::from_str::<OrgIdentifier>(&json).unwrap(), i);
        assert_eq!(
            serde_json::to_string(&IdScheme::GbMpr).unwrap(),
            r#""GB-MPR""#
        );
    }
}
