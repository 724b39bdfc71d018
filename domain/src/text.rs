//! Small text values with rules: email addresses, passwords, websites, VAT numbers,
//! amounts of money and keyword lists.
//!
//! Each is parsed once from what the user typed, normalised (so "Bob@Example.org" and
//! "bob@example.org" are the same account) and then trusted. Error messages are written
//! to be shown next to the form field as they are.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

// ---------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------

/// The longest address SMTP can deliver to (RFC 5321 path limit minus the angle brackets).
pub const MAX_EMAIL_CHARS: usize = 254;

/// An email address, trimmed and lowercased.
///
/// Lowercasing the whole address (not only the domain) is deliberate: almost no mail
/// server treats the local part case-sensitively, and people retype their address with
/// different capitals when they sign in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("enter an email address")]
    Empty,
    #[error("an email address can be at most 254 characters")]
    TooLong,
    #[error("an email address cannot contain spaces")]
    ContainsSpace,
    #[error("an email address needs an @, like name@example.org")]
    MissingAt,
    #[error("an email address can only contain one @")]
    MultipleAt,
    #[error("the part before the @ is missing")]
    MissingLocalPart,
    #[error("the part after the @ must be a domain, like example.org")]
    InvalidDomain,
}

impl Email {
    /// Parses and normalises an email address.
    ///
    /// This is a shape check only: whether the address receives mail is proven by the
    /// confirmation email, not by ever-stricter patterns that reject real addresses.
    ///
    /// # Errors
    /// Returns an [`EmailError`] naming the first problem found.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().count() > MAX_EMAIL_CHARS {
            return Err(EmailError::TooLong);
        }
        if s.chars().any(char::is_whitespace) {
            return Err(EmailError::ContainsSpace);
        }
        let (local, domain) = match s.matches('@').count() {
            0 => return Err(EmailError::MissingAt),
            1 => s.split_once('@').ok_or(EmailError::MissingAt)?,
            _ => return Err(EmailError::MultipleAt),
        };
        if local.is_empty() {
            return Err(EmailError::MissingLocalPart);
        }
        if !is_dotted_name(domain) {
            return Err(EmailError::InvalidDomain);
        }
        Ok(Self(s))
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the @, e.g. to spot several accounts from one organisation.
    #[must_use]
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, d)| d)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

/// A host name with at least one dot, no empty labels and no spaces.
fn is_dotted_name(name: &str) -> bool {
    name.contains('.')
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !name.chars().any(char::is_whitespace)
}

// ---------------------------------------------------------------------------------------
// Password
// ---------------------------------------------------------------------------------------

/// Shortest password accepted; length is the one rule that reliably adds strength.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, so hashing cost stays bounded.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Why a password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PasswordError {
    #[error("use at least 12 characters")]
    TooShort,
    #[error("use at most 128 characters")]
    TooLong,
    #[error("use more than one different character")]
    AllSameCharacter,
    #[error("use letters or symbols as well as numbers")]
    AllDigits,
}

/// Checks a new password against the policy (NCSC style: long, not trivially guessable,
/// no forced symbol rules). Characters, not bytes, are counted so accented and non-Latin
/// passwords are treated fairly. The password is never trimmed: spaces are characters.
///
/// # Errors
/// Returns the first [`PasswordError`] that applies.
pub fn check_password(password: &str) -> Result<(), PasswordError> {
    let count = password.chars().count();
    if count < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if count > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return Err(PasswordError::AllSameCharacter);
        }
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err(PasswordError::AllDigits);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Website
// ---------------------------------------------------------------------------------------

/// A public website address, always with an `http` or `https` scheme.
///
/// People type "example.org"; storing the full URL means every page can link it safely,
/// and refusing other schemes keeps `javascript:` links off supplier profiles.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Website(String);

/// Why a website address was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WebsiteError {
    #[error("enter a website address, like example.org")]
    Empty,
    #[error("a website address cannot contain spaces")]
    ContainsSpace,
    #[error("a website address must start with http:// or https://")]
    UnsupportedScheme,
    #[error("a website address needs a domain, like example.org")]
    InvalidHost,
}

impl Website {
    /// Parses a website address, adding `https://` when no scheme was typed.
    ///
    /// # Errors
    /// Returns a [`WebsiteError`] when the scheme is not http(s) or the host is not a
    /// dotted domain name.
    pub fn parse(input: &str) -> Result<Self, WebsiteError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(WebsiteError::Empty);
        }
        if s.chars().any(char::is_whitespace) {
            return Err(WebsiteError::ContainsSpace);
        }
        let (scheme, rest) = match s.find("://") {
            Some(i) => (s[..i].to_ascii_lowercase(), &s[i + 3..]),
            None if has_non_web_scheme(s) => return Err(WebsiteError::UnsupportedScheme),
            None => ("https".to_owned(), s),
        };
        if scheme != "http" && scheme != "https" {
            return Err(WebsiteError::UnsupportedScheme);
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        // Credentials in a link ("user@host") are a phishing trick, not a website.
        if authority.contains('@') {
            return Err(WebsiteError::InvalidHost);
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
            Some(_) => return Err(WebsiteError::InvalidHost),
            None => (authority, None),
        };
        // Checked after lowercasing, since that is what is stored: "İ" lowercases to "i"
        // and a combining dot, which is no letter of a host name.
        let host = host.to_lowercase();
        let host_ok = is_dotted_name(&host)
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if !host_ok {
            return Err(WebsiteError::InvalidHost);
        }
        let mut url = format!("{scheme}://{host}");
        if let Some(port) = port {
            url.push(':');
            url.push_str(port);
        }
        if path != "/" {
            url.push_str(path);
        }
        Ok(Self(url))
    }

    /// The full URL, e.g. `https://example.org`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host name alone, for compact display.
    #[must_use]
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        let end = rest.find([':', '/', '?', '#']).unwrap_or(rest.len());
        &rest[..end]
    }
}

/// True for "mailto:x" or "javascript:y" but not "example.org:8080".
fn has_non_web_scheme(s: &str) -> bool {
    s.split_once(':').is_some_and(|(before, after)| {
        !before.is_empty()
            && before.chars().all(|c| c.is_ascii_alphabetic())
            && !after.starts_with(|c: char| c.is_ascii_digit())
    })
}

impl fmt::Display for Website {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Website {
    type Error = WebsiteError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Website> for String {
    fn from(value: Website) -> Self {
        value.0
    }
}

// ---------------------------------------------------------------------------------------
// VAT number
// ---------------------------------------------------------------------------------------

/// A UK VAT registration number, stored as `GB` + 9 digits (or 12 for a branch).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VatNumber(String);

/// Why a VAT number was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VatError {
    #[error("enter a VAT number, like GB123456789")]
    Empty,
    #[error("a VAT number is 9 digits (12 for a branch), optionally after GB, like GB123456789")]
    Invalid,
}

impl VatNumber {
    /// Parses a VAT number, ignoring spaces and an optional `GB` prefix.
    ///
    /// # Errors
    /// Returns [`VatError::Invalid`] unless 9 or 12 digits remain.
    pub fn parse(input: &str) -> Result<Self, VatError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if s.is_empty() {
            return Err(VatError::Empty);
        }
        let digits = s.strip_prefix("GB").unwrap_or(&s);
        let ok = matches!(digits.len(), 9 | 12) && digits.chars().all(|c| c.is_ascii_digit());
        if !ok {
            return Err(VatError::Invalid);
        }
        Ok(Self(format!("GB{digits}")))
    }

    /// The normalised number, e.g. `GB123456789`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for VatNumber {
    type Error = VatError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<VatNumber> for String {
    fn from(value: VatNumber) -> Self {
        value.0
    }
}

// ---------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------

/// An amount in whole pounds sterling.
///
/// Contract values, turnover and capacity are estimates in whole pounds; pence would only
/// suggest a precision nobody has. An unsigned integer rules out negative amounts and
/// float rounding.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Gbp(u64);

/// Why an amount of money was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum GbpError {
    #[error("enter an amount in pounds, like 250000 or £1.2m")]
    Empty,
    #[error("an amount cannot be negative")]
    Negative,
    #[error("write an amount in pounds, like 250000, £1,200,000, 250k or 1.2m")]
    Invalid,
    #[error("use whole pounds, without pence")]
    Pence,
    #[error("that amount is too large")]
    TooLarge,
}

impl Gbp {
    /// An amount of `pounds`.
    #[must_use]
    pub const fn new(pounds: u64) -> Self {
        Self(pounds)
    }

    /// The amount in whole pounds.
    #[must_use]
    pub const fn pounds(self) -> u64 {
        self.0
    }

    /// Parses "1200000", "1,200,000", "£1,200,000", "1200000.00", "250k" or "1.2m".
    ///
    /// # Errors
    /// Returns a [`GbpError`] for empty, negative, malformed, fractional or overflowing
    /// amounts.
    pub fn parse(input: &str) -> Result<Self, GbpError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        if s.is_empty() {
            return Err(GbpError::Empty);
        }
        if s.starts_with('-') || s.starts_with("£-") {
            return Err(GbpError::Negative);
        }
        let s = s.strip_prefix('£').unwrap_or(&s);
        let (number, multiplier): (&str, u128) = if let Some(n) = s.strip_suffix('k') {
            (n, 1_000)
        } else if let Some(n) = s.strip_suffix('m') {
            (n, 1_000_000)
        } else {
            (s, 1)
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let whole = ungroup(whole).ok_or(GbpError::Invalid)?;
        if !fraction.chars().all(|c| c.is_ascii_digit()) || fraction.len() > 9 {
            return Err(GbpError::Invalid);
        }
        if multiplier == 1 && (fraction.len() > 2 || number.ends_with('.')) {
            return Err(GbpError::Invalid);
        }
        let whole: u128 = whole.parse().map_err(|_| GbpError::TooLarge)?;
        let scale = 10u128.pow(u32::try_from(fraction.len()).map_err(|_| GbpError::Invalid)?);
        let fraction: u128 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().map_err(|_| GbpError::Invalid)?
        };
        let fraction_pounds = fraction * multiplier;
        if !fraction_pounds.is_multiple_of(scale) {
            return Err(GbpError::Pence);
        }
        let total = whole
            .checked_mul(multiplier)
            .and_then(|w| w.checked_add(fraction_pounds / scale))
            .ok_or(GbpError::TooLarge)?;
        u64::try_from(total)
            .map(Self)
            .map_err(|_| GbpError::TooLarge)
    }
}

/// Digits with optional thousands separators ("1,200,000") to plain digits; `None` when
/// the grouping is wrong ("1,20,0"), since a misplaced comma usually means a typo.
pub(crate) fn ungroup(s: &str) -> Option<String> {
    let mut groups = s.split(',');
    let first = groups.next()?;
    let digits = |g: &str| g.chars().all(|c| c.is_ascii_digit());
    if first.is_empty() || !digits(first) {
        return None;
    }
    let mut out = first.to_owned();
    let mut grouped = false;
    for g in groups {
        if g.len() != 3 || !digits(g) {
            return None;
        }
        grouped = true;
        out.push_str(g);
    }
    if grouped && first.len() > 3 {
        return None;
    }
    Some(out)
}

impl From<u64> for Gbp {
    fn from(pounds: u64) -> Self {
        Self(pounds)
    }
}

impl fmt::Display for Gbp {
    /// `£1,200,000`: the form buyers read in tender notices.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
        out.push('£');
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        f.write_str(&out)
    }
}

// ---------------------------------------------------------------------------------------
// Keywords
// ---------------------------------------------------------------------------------------

/// Longest keyword accepted, in characters.
pub const MAX_KEYWORD_CHARS: usize = 40;
/// Most keywords a profile can hold: enough to describe a business, too few to spam search.
pub const MAX_KEYWORDS: usize = 30;

/// A supplier's free keywords: trimmed, lowercased, deduplicated, in the order typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Keywords(Vec<String>);

/// Why a keyword list was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeywordsError {
    #[error("keep each keyword to 40 characters or fewer (\"{0}\" is longer)")]
    TooLong(String),
    #[error("use at most 30 keywords (there are {0})")]
    TooMany(usize),
}

impl Keywords {
    /// Splits comma-, semicolon- or line-separated input into keywords.
    ///
    /// # Errors
    /// Returns a [`KeywordsError`] when a keyword is over 40 characters or there are more
    /// than 30 distinct keywords.
    pub fn parse(input: &str) -> Result<Self, KeywordsError> {
        Self::from_list(input.split([',', ';', '\n']))
    }

    /// Builds keywords from separate items, normalising each as [`Keywords::parse`] does.
    /// The count is checked first, on the non-blank items as sent (a repeat counts), so a
    /// list of a hundred thousand items is refused before any of them is normalised.
    ///
    /// # Errors
    /// As [`Keywords::parse`].
    pub fn from_list<I, S>(items: I) -> Result<Self, KeywordsError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let items: Vec<S> = items
            .into_iter()
            .filter(|i| !i.as_ref().trim().is_empty())
            .collect();
        if items.len() > MAX_KEYWORDS {
            return Err(KeywordsError::TooMany(items.len()));
        }
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            // Collapse inner runs of spaces so "grounds   care" equals "grounds care".
            let keyword = item
                .as_ref()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if out.contains(&keyword) {
                continue;
            }
            if keyword.chars().count() > MAX_KEYWORD_CHARS {
                return Err(KeywordsError::TooLong(keyword));
            }
            out.push(keyword);
        }
        Ok(Self(out))
    }

    /// The keywords in the order typed.
    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Iterates over the keywords.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// How many keywords there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no keywords.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Keywords {
    /// Comma-separated, so the text can be put back into the form field and re-parsed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

impl TryFrom<Vec<String>> for Keywords {
    type Error = KeywordsError;
    fn try_from(value: Vec<String>) -> Result<Self, Self::Error> {
        Self::from_list(value)
    }
}

impl From<Keywords> for Vec<String> {
    fn from(value: Keywords) -> Self {
        value.0
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test should panic with the unexpected error; `allow`, not `expect`, so it stays quiet if clippy.toml later sets allow-unwrap-in-tests"
)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let email = Email::parse("  Jo.Bloggs@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "jo.bloggs@example.org");
        assert_eq!(email.domain(), "example.org");
    }

    #[test]
    fn email_problems_get_precise_errors() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        assert_eq!(Email::parse("jo.example.org"), Err(EmailError::MissingAt));
        assert_eq!(
            Email::parse("jo@x@example.org"),
            Err(EmailError::MultipleAt)
        );
        assert_eq!(
            Email::parse("@example.org"),
            Err(EmailError::MissingLocalPart)
        );
        assert_eq!(Email::parse("jo@localhost"), Err(EmailError::InvalidDomain));
        assert_eq!(Email::parse("jo@example."), Err(EmailError::InvalidDomain));
        assert_eq!(
            Email::parse("jo bloggs@example.org"),
            Err(EmailError::ContainsSpace)
        );
    }

    #[test]
    fn email_longer_than_254_characters_is_refused() {
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn email_deserialises_only_when_valid() {
        let ok: Email = serde_json::from_str(r#""A@B.CO""#).unwrap();
        assert_eq!(ok.as_str(), "a@b.co");
        assert!(serde_json::from_str::<Email>(r#""nope""#).is_err());
    }

    #[test]
    fn password_policy_accepts_a_long_passphrase() {
        assert_eq!(check_password("correct horse battery"), Ok(()));
    }

    #[test]
    fn password_policy_refuses_weak_passwords() {
        assert_eq!(check_password("short"), Err(PasswordError::TooShort));
        assert_eq!(
            check_password(&"ab".repeat(65)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            check_password("aaaaaaaaaaaaaa"),
            Err(PasswordError::AllSameCharacter)
        );
        assert_eq!(
            check_password("123456789012"),
            Err(PasswordError::AllDigits)
        );
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        // 12 characters, 24 bytes.
        assert_eq!(check_password("ééééééééééé1"), Ok(()));
        assert_eq!(check_password("éééééééééé1"), Err(PasswordError::TooShort));
    }

    #[test]
    fn website_without_scheme_gets_https() {
        let site = Website::parse("Example.org").unwrap();
        assert_eq!(site.as_str(), "https://example.org");
        assert_eq!(site.host(), "example.org");
    }

    #[test]
    fn website_keeps_path_and_port() {
        let site = Website::parse("http://coop.example.org:8080/about?x=1").unwrap();
        assert_eq!(site.as_str(), "http://coop.example.org:8080/about?x=1");
        assert_eq!(site.host(), "coop.example.org");
    }

    #[test]
    fn website_with_other_scheme_is_refused() {
        assert_eq!(
            Website::parse("ftp://example.org"),
            Err(WebsiteError::UnsupportedScheme)
        );
        assert_eq!(
            Website::parse("javascript:alert(1)"),
            Err(WebsiteError::UnsupportedScheme)
        );
        assert_eq!(
            Website::parse("mailto:a@b.org"),
            Err(WebsiteError::UnsupportedScheme)
        );
    }

    #[test]
    fn website_needs_a_dotted_host_and_no_spaces() {
        assert_eq!(
            Website::parse("https://localhost"),
            Err(WebsiteError::InvalidHost)
        );
        assert_eq!(Website::parse("https://"), Err(WebsiteError::InvalidHost));
        assert_eq!(
            Website::parse("https://user@example.org"),
            Err(WebsiteError::InvalidHost)
        );
        assert_eq!(
            Website::parse("example .org"),
            Err(WebsiteError::ContainsSpace)
        );
        assert_eq!(Website::parse(""), Err(WebsiteError::Empty));
    }

    #[test]
    fn a_website_that_is_accepted_is_stored_in_a_form_that_is_accepted_again() {
        // Found by fuzzing: "İ" lowercases to "i" and a combining dot, which was stored
        // though no host may hold it, so saving the profile again failed.
        assert_eq!(Website::parse("0.İ"), Err(WebsiteError::InvalidHost));
        let site = Website::parse("Café.Example.ORG").unwrap();
        assert_eq!(site.as_str(), "https://café.example.org");
        assert_eq!(Website::parse(site.as_str()), Ok(site));
    }

    #[test]
    fn vat_number_is_normalised_with_gb_prefix() {
        assert_eq!(
            VatNumber::parse("123 4567 89").unwrap().as_str(),
            "GB123456789"
        );
        assert_eq!(
            VatNumber::parse("gb 123456789").unwrap().as_str(),
            "GB123456789"
        );
        assert_eq!(
            VatNumber::parse("GB123456789001").unwrap().as_str(),
            "GB123456789001"
        );
    }

    #[test]
    fn vat_number_with_wrong_length_is_refused() {
        assert_eq!(VatNumber::parse("12345678"), Err(VatError::Invalid));
        assert_eq!(VatNumber::parse("GB12345678A"), Err(VatError::Invalid));
        assert_eq!(VatNumber::parse(" "), Err(VatError::Empty));
    }

    #[test]
    fn money_accepts_common_ways_of_writing_pounds() {
        for input in [
            "1200000",
            "1,200,000",
            "£1,200,000",
            "£ 1,200,000",
            "1.2m",
            "1.2M",
            "1200k",
            "1200000.00",
        ] {
            assert_eq!(Gbp::parse(input), Ok(Gbp::new(1_200_000)), "{input}");
        }
        assert_eq!(Gbp::parse("250k"), Ok(Gbp::new(250_000)));
        assert_eq!(Gbp::parse("0"), Ok(Gbp::new(0)));
    }

    #[test]
    fn money_refuses_negatives_pence_and_nonsense() {
        assert_eq!(Gbp::parse("-5"), Err(GbpError::Negative));
        assert_eq!(Gbp::parse("£-5"), Err(GbpError::Negative));
        assert_eq!(Gbp::parse("10.50"), Err(GbpError::Pence));
        assert_eq!(Gbp::parse("1.0000005m"), Err(GbpError::Pence));
        assert_eq!(Gbp::parse("10.505"), Err(GbpError::Invalid));
        assert_eq!(Gbp::parse("1,20,0"), Err(GbpError::Invalid));
        assert_eq!(Gbp::parse("lots"), Err(GbpError::Invalid));
        assert_eq!(Gbp::parse("m"), Err(GbpError::Invalid));
        assert_eq!(Gbp::parse(""), Err(GbpError::Empty));
        assert_eq!(Gbp::parse("99999999999999999999"), Err(GbpError::TooLarge));
    }

    #[test]
    fn money_displays_with_pound_sign_and_commas() {
        assert_eq!(Gbp::new(1_200_000).to_string(), "£1,200,000");
        assert_eq!(Gbp::new(999).to_string(), "£999");
        assert_eq!(Gbp::new(1000).to_string(), "£1,000");
        assert_eq!(Gbp::new(0).to_string(), "£0");
    }

    #[test]
    fn keywords_are_split_trimmed_lowercased_and_deduplicated() {
        let k = Keywords::parse(" Joinery; carpentry ,JOINERY,, Sash   Windows\nroofing").unwrap();
        assert_eq!(
            k.as_slice(),
            ["joinery", "carpentry", "sash windows", "roofing"]
        );
        assert_eq!(k.to_string(), "joinery, carpentry, sash windows, roofing");
    }

    #[test]
    fn keywords_refuse_long_words_and_long_lists() {
        let long = "x".repeat(41);
        assert_eq!(
            Keywords::parse(&long),
            Err(KeywordsError::TooLong(long.clone()))
        );
        let many: Vec<String> = (0..31).map(|i| format!("k{i}")).collect();
        assert_eq!(
            Keywords::parse(&many.join(",")),
            Err(KeywordsError::TooMany(31))
        );
        assert_eq!(
            Keywords::parse(&many[..30].join(",")).map(|k| k.len()),
            Ok(30)
        );
    }

    #[test]
    fn a_huge_keyword_list_is_refused_by_its_count_before_any_keyword_is_read() {
        // The first item alone would be refused as too long if items were read first.
        let mut huge = vec!["x".repeat(41)];
        huge.extend((0..100_000).map(|i| format!("k{i}")));
        assert_eq!(
            Keywords::from_list(&huge),
            Err(KeywordsError::TooMany(100_001))
        );
    }
}
