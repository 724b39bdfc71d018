//! Common Procurement Vocabulary (CPV 2008): the codes buyers use to say what they buy
//! and suppliers use to say what they can deliver.
//!
//! A CPV code is 8 digits plus a check digit ("45000000-7"). The digits form a tree:
//! division `45000000`, group `45100000`, class `45110000`, category `45111000`, then
//! finer codes. A supplier that declares a code is taken to cover all its descendants,
//! so a buyer searching for "45111200" also finds suppliers who declared "45100000".

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a CPV code or the CPV list was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CpvError {
    #[error("enter a CPV code, like 45000000-7")]
    Empty,
    #[error("a CPV code is made of digits, like 45000000 or 45000000-7")]
    NotDigits,
    #[error("a CPV code has 8 digits before the dash, like 45000000-7 (this has {0})")]
    WrongLength(usize),
    #[error("the check digit after the dash must be a single digit, like 45000000-7")]
    InvalidCheckDigit,
    #[error("check digit does not match: the code is {0}")]
    CheckDigitMismatch(String),
    #[error("{0} is not in the CPV 2008 list")]
    Unknown(String),
    #[error("the CPV list could not be read: {0}")]
    Catalogue(String),
}

/// How deep a code sits in the CPV tree, read from its trailing zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CpvLevel {
    /// `XX000000`
    Division,
    /// `XXX00000`
    Group,
    /// `XXXX0000`
    Class,
    /// `XXXXX000`
    Category,
    /// Anything more specific.
    Finer,
}

impl CpvLevel {
    /// 0 for a division up to 4 for finer codes; used to rank broad codes first.
    #[must_use]
    pub const fn depth(self) -> u8 {
        match self {
            Self::Division => 0,
            Self::Group => 1,
            Self::Class => 2,
            Self::Category => 3,
            Self::Finer => 4,
        }
    }

    /// Lowercase English name, for explanations ("a CPV group").
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Division => "division",
            Self::Group => "group",
            Self::Class => "class",
            Self::Category => "category",
            Self::Finer => "sub-category",
        }
    }
}

/// The 8 digits of a CPV code, without the check digit.
///
/// The check digit is redundant once the code is known to be in the list, so it is not
/// stored; [`CpvCatalogue`] supplies it for display.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CpvCode(String);

impl CpvCode {
    /// Parses "45000000" or "45000000-7" (surrounding spaces ignored). Only the shape is
    /// checked; use [`CpvCatalogue::validate`] to require a code that exists.
    ///
    /// # Errors
    /// Returns a [`CpvError`] for empty input, non-digits or a wrong number of digits.
    pub fn parse(input: &str) -> Result<Self, CpvError> {
        Self::parse_with_check(input).map(|(code, _)| code)
    }

    /// Like [`CpvCode::parse`], also returning the check digit when one was typed.
    ///
    /// # Errors
    /// As [`CpvCode::parse`], plus [`CpvError::InvalidCheckDigit`] for a malformed
    /// check digit.
    pub fn parse_with_check(input: &str) -> Result<(Self, Option<char>), CpvError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(CpvError::Empty);
        }
        let (digits, check) = match s.split_once('-') {
            Some((digits, check)) => {
                let mut chars = check.trim().chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if c.is_ascii_digit() => (digits.trim(), Some(c)),
                    _ => return Err(CpvError::InvalidCheckDigit),
                }
            }
            None => (s, None),
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) || digits.is_empty() {
            return Err(CpvError::NotDigits);
        }
        if digits.len() != 8 {
            return Err(CpvError::WrongLength(digits.len()));
        }
        Ok((Self(digits.to_owned()), check))
    }

    /// The 8 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code's place in the tree.
    #[must_use]
    pub fn level(&self) -> CpvLevel {
        let zeros = self.0.len() - self.0.trim_end_matches('0').len();
        match zeros {
            6.. => CpvLevel::Division,
            5 => CpvLevel::Group,
            4 => CpvLevel::Class,
            3 => CpvLevel::Category,
            _ => CpvLevel::Finer,
        }
    }

    /// The digits that matter: trailing zeros removed, but never fewer than the two
    /// division digits ("45000000" → "45", "45100000" → "451").
    #[must_use]
    pub fn significant_prefix(&self) -> &str {
        let trimmed = self.0.trim_end_matches('0').len().max(2);
        &self.0[..trimmed]
    }

    /// True when `other` is this code or one of its descendants.
    ///
    /// This is how "a code implies all its descendants" is applied: a supplier declaring
    /// `45100000` covers a tender line for `45111200`. It also works for descendants that
    /// skip a level, which a parent-by-parent walk would need the whole list for.
    #[must_use]
    pub fn covers(&self, other: &CpvCode) -> bool {
        other.0.starts_with(self.significant_prefix())
    }

    /// True when the two codes lie on one branch of the tree: equal, or one an ancestor
    /// of the other (compared as prefixes without trailing zeros). This is what "a
    /// supplier covers a tender line" means: a supplier declaring `45000000` covers a line
    /// for `45210000`, and one declaring `45211000` covers a line for `45200000`.
    #[must_use]
    pub fn on_branch_of(&self, other: &CpvCode) -> bool {
        self.covers(other) || other.covers(self)
    }
}

impl fmt::Display for CpvCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CpvCode {
    type Error = CpvError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CpvCode> for String {
    fn from(value: CpvCode) -> Self {
        value.0
    }
}

/// One line of the CPV list, as handed to pages and APIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpvEntry {
    /// The 8 digits.
    pub code: String,
    /// The check digit.
    pub check: char,
    /// The English label, e.g. "Construction work".
    pub label: String,
}

impl CpvEntry {
    /// The code as published, e.g. "45000000-7".
    #[must_use]
    pub fn full_code(&self) -> String {
        format!("{}-{}", self.code, self.check)
    }

    /// The code's place in the tree.
    #[must_use]
    pub fn level(&self) -> CpvLevel {
        CpvCode(self.code.clone()).level()
    }
}

/// One stored line; `label_lower` is precomputed so search does not lowercase 9,454
/// labels on every keystroke.
#[derive(Debug, Clone)]
struct Stored {
    code: CpvCode,
    check: char,
    label: String,
    label_lower: String,
    level: CpvLevel,
}

impl Stored {
    fn entry(&self) -> CpvEntry {
        CpvEntry {
            code: self.code.0.clone(),
            check: self.check,
            label: self.label.clone(),
        }
    }

    fn words(&self) -> impl Iterator<Item = &str> {
        self.label_lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
    }
}

/// The whole CPV list, indexed for lookup, tree walks and search.
///
/// Built once at start-up (it is read-only) and shared.
#[derive(Debug, Clone, Default)]
pub struct CpvCatalogue {
    /// Sorted by code, so prefix queries are contiguous ranges.
    entries: Vec<Stored>,
    index: HashMap<String, usize>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
}

impl CpvCatalogue {
    /// Loads the list from the shipped JSON object `{"45000000-7": "Construction work", …}`.
    ///
    /// # Errors
    /// Returns [`CpvError::Catalogue`] when the JSON is malformed, a key is not a code with
    /// a check digit, or a code appears twice.
    pub fn from_json(json: &str) -> Result<Self, CpvError> {
        let raw: BTreeMap<String, String> =
            serde_json::from_str(json).map_err(|e| CpvError::Catalogue(e.to_string()))?;
        let mut entries = Vec::with_capacity(raw.len());
        for (key, label) in raw {
            let (code, check) = CpvCode::parse_with_check(&key)
                .map_err(|e| CpvError::Catalogue(format!("{key}: {e}")))?;
            let check =
                check.ok_or_else(|| CpvError::Catalogue(format!("{key}: no check digit")))?;
            let level = code.level();
            entries.push(Stored {
                code,
                check,
                label_lower: label.to_lowercase(),
                label,
                level,
            });
        }
        entries.sort_by(|a, b| a.code.cmp(&b.code));
        let mut index = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if index.insert(e.code.0.clone(), i).is_some() {
                return Err(CpvError::Catalogue(format!("{} appears twice", e.code)));
            }
        }
        let parent: Vec<Option<usize>> = entries
            .iter()
            .map(|e| {
                parent_code(&e.code, |c| index.contains_key(c)).and_then(|p| index.get(&p).copied())
            })
            .collect();
        let mut children = vec![Vec::new(); entries.len()];
        for (i, p) in parent.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(i);
            }
        }
        Ok(Self {
            entries,
            index,
            parent,
            children,
        })
    }

    /// Number of codes in the list.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True for an empty list.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries in code order.
    pub fn iter(&self) -> impl Iterator<Item = CpvEntry> + '_ {
        self.entries.iter().map(Stored::entry)
    }

    /// True when the code is in the list.
    #[must_use]
    pub fn contains(&self, code: &CpvCode) -> bool {
        self.index.contains_key(code.as_str())
    }

    /// The entry for `code`, if it is in the list.
    #[must_use]
    pub fn get(&self, code: &CpvCode) -> Option<CpvEntry> {
        self.index
            .get(code.as_str())
            .map(|&i| self.entries[i].entry())
    }

    /// Parses user input and requires a code that exists; a typed check digit must match.
    ///
    /// # Errors
    /// Any [`CpvCode::parse`] error, [`CpvError::Unknown`] for a well-formed code not in the
    /// list, or [`CpvError::CheckDigitMismatch`] when the check digit is wrong (usually a
    /// mistyped code).
    pub fn validate(&self, input: &str) -> Result<CpvEntry, CpvError> {
        let (code, check) = CpvCode::parse_with_check(input)?;
        let entry = self
            .get(&code)
            .ok_or_else(|| CpvError::Unknown(code.0.clone()))?;
        match check {
            Some(c) if c != entry.check => Err(CpvError::CheckDigitMismatch(entry.full_code())),
            _ => Ok(entry),
        }
    }

    /// The nearest existing ancestor of `code`; `None` for divisions.
    ///
    /// Found by zeroing the last non-zero digit (never the two division digits) until a
    /// code in the list is reached, because the list skips some levels.
    #[must_use]
    pub fn parent(&self, code: &CpvCode) -> Option<CpvEntry> {
        if let Some(&i) = self.index.get(code.as_str()) {
            return self.parent[i].map(|p| self.entries[p].entry());
        }
        let p = parent_code(code, |c| self.index.contains_key(c))?;
        self.index.get(&p).map(|&i| self.entries[i].entry())
    }

    /// All ancestors of `code`, division first, not including `code` itself.
    #[must_use]
    pub fn ancestors(&self, code: &CpvCode) -> Vec<CpvEntry> {
        let mut out = Vec::new();
        let mut current = self.parent(code);
        while let Some(entry) = current {
            current = self.parent(&CpvCode(entry.code.clone()));
            out.push(entry);
        }
        out.reverse();
        out
    }

    /// The direct children of `code` in code order (codes whose parent is `code`).
    #[must_use]
    pub fn children(&self, code: &CpvCode) -> Vec<CpvEntry> {
        self.index.get(code.as_str()).map_or_else(Vec::new, |&i| {
            self.children[i]
                .iter()
                .map(|&c| self.entries[c].entry())
                .collect()
        })
    }

    /// Every code `code` covers, except itself, in code order.
    #[must_use]
    pub fn descendants(&self, code: &CpvCode) -> Vec<CpvEntry> {
        let prefix = code.significant_prefix();
        self.prefix_range(prefix)
            .iter()
            .filter(|s| s.code != *code)
            .map(Stored::entry)
            .collect()
    }

    /// The 45 top-level divisions, in code order.
    #[must_use]
    pub fn divisions(&self) -> Vec<CpvEntry> {
        self.entries
            .iter()
            .filter(|s| s.level == CpvLevel::Division)
            .map(Stored::entry)
            .collect()
    }

    /// Finds codes for a search box.
    ///
    /// Digits (optionally "45000000-7" style) match codes starting with them, in code
    /// order. Otherwise every query word of 2+ characters must start a word of the label
    /// ("grounds maint" finds "Grounds maintenance services"); results rank an exact label
    /// match first, then broader codes, then shorter labels, then code order, so the
    /// general heading appears before its many specialisations.
    #[must_use]
    pub fn search(&self, query: &str, limit: usize) -> Vec<CpvEntry> {
        if limit == 0 {
            return Vec::new();
        }
        let q = query.trim();
        let digits = q.split_once('-').map_or(q, |(d, _)| d).trim();
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            return self
                .prefix_range(digits)
                .iter()
                .take(limit)
                .map(Stored::entry)
                .collect();
        }
        let lower = q.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 2)
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let phrase = words.join(" ");
        // Each distinct word is checked once: a query repeating a word thousands of
        // times would otherwise cost that many passes over the list.
        let mut distinct: Vec<&str> = Vec::with_capacity(words.len());
        for w in words {
            if !distinct.contains(&w) {
                distinct.push(w);
            }
        }
        let words = distinct;
        let mut hits: Vec<(bool, &Stored)> = self
            .entries
            .iter()
            .filter(|s| words.iter().all(|w| s.words().any(|lw| lw.starts_with(w))))
            .map(|s| (s.label_lower == phrase, s))
            .collect();
        hits.sort_by(|(a_exact, a), (b_exact, b)| {
            b_exact
                .cmp(a_exact)
                .then(a.level.cmp(&b.level))
                .then(a.label.len().cmp(&b.label.len()))
                .then(a.code.cmp(&b.code))
        });
        hits.into_iter()
            .take(limit)
            .map(|(_, s)| s.entry())
            .collect()
    }

    /// The contiguous run of entries whose code starts with `prefix`.
    fn prefix_range(&self, prefix: &str) -> &[Stored] {
        let start = self.entries.partition_point(|s| s.code.as_str() < prefix);
        let len = self.entries[start..]
            .iter()
            .take_while(|s| s.code.as_str().starts_with(prefix))
            .count();
        &self.entries[start..start + len]
    }
}

/// Walks up from `code` to the first ancestor for which `exists` is true.
fn parent_code(code: &CpvCode, exists: impl Fn(&str) -> bool) -> Option<String> {
    let mut digits: Vec<u8> = code.as_str().bytes().collect();
    loop {
        let last = (2..digits.len()).rev().find(|&i| digits[i] != b'0')?;
        digits[last] = b'0';
        let candidate = String::from_utf8_lossy(&digits).into_owned();
        if exists(&candidate) {
            return Some(candidate);
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test should panic with the unexpected error; `allow`, not `expect`, so it stays quiet if clippy.toml later sets allow-unwrap-in-tests"
)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn catalogue() -> &'static CpvCatalogue {
        static CAT: OnceLock<CpvCatalogue> = OnceLock::new();
        CAT.get_or_init(|| {
            CpvCatalogue::from_json(include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../data/cpv-2008-en.json"
            )))
            .unwrap()
        })
    }

    fn code(s: &str) -> CpvCode {
        CpvCode::parse(s).unwrap()
    }

    #[test]
    fn codes_on_one_branch_cover_each_other_both_ways() {
        let c = |s: &str| CpvCode::parse(s).unwrap();
        assert!(c("45000000").on_branch_of(&c("45210000")));
        assert!(c("45211000").on_branch_of(&c("45200000")));
        assert!(c("45210000").on_branch_of(&c("45210000")));
        assert!(!c("45210000").on_branch_of(&c("45220000")));
        assert!(!c("45000000").on_branch_of(&c("44000000")));
    }

    #[test]
    fn code_with_or_without_check_digit_is_accepted() {
        assert_eq!(code("45000000").as_str(), "45000000");
        assert_eq!(code(" 45000000-7 ").as_str(), "45000000");
        assert_eq!(
            CpvCode::parse_with_check("45000000-7").unwrap().1,
            Some('7')
        );
    }

    #[test]
    fn malformed_codes_get_precise_errors() {
        assert_eq!(CpvCode::parse(""), Err(CpvError::Empty));
        assert_eq!(CpvCode::parse("4500000"), Err(CpvError::WrongLength(7)));
        assert_eq!(CpvCode::parse("450000000"), Err(CpvError::WrongLength(9)));
        assert_eq!(CpvCode::parse("4500000A"), Err(CpvError::NotDigits));
        assert_eq!(
            CpvCode::parse("45000000-77"),
            Err(CpvError::InvalidCheckDigit)
        );
        assert_eq!(
            CpvCode::parse("45000000-"),
            Err(CpvError::InvalidCheckDigit)
        );
    }

    #[test]
    fn level_is_read_from_trailing_zeros() {
        assert_eq!(code("45000000").level(), CpvLevel::Division);
        assert_eq!(code("45100000").level(), CpvLevel::Group);
        assert_eq!(code("45110000").level(), CpvLevel::Class);
        assert_eq!(code("45111000").level(), CpvLevel::Category);
        assert_eq!(code("45111200").level(), CpvLevel::Finer);
    }

    #[test]
    fn significant_prefix_keeps_at_least_the_division() {
        assert_eq!(code("45000000").significant_prefix(), "45");
        assert_eq!(code("45100000").significant_prefix(), "451");
        assert_eq!(code("45111200").significant_prefix(), "451112");
        assert_eq!(code("10000000").significant_prefix(), "10");
    }

    #[test]
    fn a_code_covers_itself_and_its_descendants_only() {
        assert!(code("45000000").covers(&code("45111200")));
        assert!(code("45100000").covers(&code("45111200")));
        assert!(code("45111200").covers(&code("45111200")));
        assert!(!code("45111200").covers(&code("45100000")));
        assert!(!code("45200000").covers(&code("45111200")));
        assert!(!code("45000000").covers(&code("44000000")));
    }

    #[test]
    fn catalogue_loads_all_9454_codes() {
        assert_eq!(catalogue().len(), 9454);
        assert_eq!(catalogue().divisions().len(), 45);
    }

    #[test]
    fn known_code_validates_with_its_check_digit() {
        let entry = catalogue().validate("45000000-7").unwrap();
        assert_eq!(entry.label, "Construction work");
        assert_eq!(entry.full_code(), "45000000-7");
        assert_eq!(catalogue().validate("45000000").unwrap(), entry);
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        let err = catalogue().validate("45000000-8").unwrap_err();
        assert_eq!(err, CpvError::CheckDigitMismatch("45000000-7".into()));
        assert!(err.to_string().starts_with("check digit does not match"));
    }

    #[test]
    fn well_formed_code_not_in_the_list_is_unknown() {
        assert_eq!(
            catalogue().validate("45999999"),
            Err(CpvError::Unknown("45999999".into()))
        );
    }

    #[test]
    fn parent_walks_up_to_the_nearest_existing_code() {
        let cat = catalogue();
        assert_eq!(cat.parent(&code("45111200")).unwrap().code, "45111000");
        assert_eq!(cat.parent(&code("45111000")).unwrap().code, "45110000");
        assert_eq!(cat.parent(&code("45100000")).unwrap().code, "45000000");
        assert_eq!(cat.parent(&code("45000000")), None);
    }

    #[test]
    fn ancestors_start_at_the_division() {
        let chain: Vec<String> = catalogue()
            .ancestors(&code("45111200"))
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(chain, ["45000000", "45100000", "45110000", "45111000"]);
    }

    #[test]
    fn children_are_direct_descendants_in_code_order() {
        let cat = catalogue();
        let children = cat.children(&code("45100000"));
        assert!(!children.is_empty());
        assert!(children
            .iter()
            .all(|c| cat.parent(&code(&c.code)).unwrap().code == "45100000"));
        assert!(children.windows(2).all(|w| w[0].code < w[1].code));
        assert!(children.iter().any(|c| c.code == "45110000"));
    }

    #[test]
    fn every_non_division_code_has_a_parent_that_covers_it() {
        let cat = catalogue();
        for entry in cat.iter() {
            let c = code(&entry.code);
            match cat.parent(&c) {
                Some(p) => assert!(code(&p.code).covers(&c), "{}", entry.code),
                None => assert_eq!(c.level(), CpvLevel::Division, "{}", entry.code),
            }
        }
    }

    #[test]
    fn descendants_are_the_covered_codes() {
        let cat = catalogue();
        let d = cat.descendants(&code("45110000"));
        assert!(d.iter().any(|e| e.code == "45111200"));
        assert!(d
            .iter()
            .all(|e| e.code.starts_with("4511") && e.code != "45110000"));
    }

    #[test]
    fn search_by_words_finds_grounds_maintenance() {
        let results = catalogue().search("grounds maintenance", 10);
        assert_eq!(results.first().map(|e| e.code.as_str()), Some("77314000"));
    }

    #[test]
    fn search_matches_word_prefixes_in_any_case() {
        let results = catalogue().search("GROUNDS maint", 10);
        assert!(results.iter().any(|e| e.code == "77314000"));
        assert!(catalogue()
            .search("rounds", 50)
            .iter()
            .all(|e| e.code != "77314000"));
    }

    #[test]
    fn search_by_digits_matches_code_prefixes_in_order() {
        let results = catalogue().search("4511", 100);
        assert!(!results.is_empty());
        assert!(results.iter().all(|e| e.code.starts_with("4511")));
        assert!(results.windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(catalogue().search("45000000-7", 5)[0].code, "45000000");
    }

    #[test]
    fn search_ranks_exact_label_then_broader_codes_first() {
        let results = catalogue().search("construction work", 5);
        assert_eq!(results[0].code, "45000000");
        let results = catalogue().search("construction", 20);
        assert!(results.windows(2).all(|w| w[0].level() <= w[1].level()));
    }

    #[test]
    fn search_respects_limit_and_ignores_empty_queries() {
        assert_eq!(catalogue().search("services", 3).len(), 3);
        assert!(catalogue().search("  ", 10).is_empty());
        assert!(catalogue().search("a", 10).is_empty());
        assert!(catalogue().search("services", 0).is_empty());
    }

    #[test]
    fn a_query_repeating_a_word_is_as_quick_as_the_word_alone() {
        // Found while fuzzing: each repetition was another pass over the 9,454 codes,
        // so an 8 KB query ("se se se …") took 0.7 s of CPU in a release build.
        let long = "se ".repeat(2_700);
        let started = std::time::Instant::now();
        let results = catalogue().search(&long, 10);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "search took {:?}",
            started.elapsed()
        );
        assert_eq!(results, catalogue().search("se", 10));
    }

    #[test]
    fn malformed_catalogue_is_an_error() {
        assert!(matches!(
            CpvCatalogue::from_json("[]"),
            Err(CpvError::Catalogue(_))
        ));
        assert!(matches!(
            CpvCatalogue::from_json(r#"{"45000000": "no check digit"}"#),
            Err(CpvError::Catalogue(_))
        ));
    }

    #[test]
    fn cpv_code_round_trips_through_json() {
        let json = serde_json::to_string(&code("45000000")).unwrap();
        assert_eq!(json, r#""45000000""#);
        assert!(serde_json::from_str::<CpvCode>(r#""45""#).is_err());
    }
}
