//! Which CPV codes an expense category needs, for leakage.
//!
//! Council files carry expense types (`Building Repairs`, `Catering Provisions`), not CPV
//! codes. In order of trust:
//!
//! 1. a CPV column in the file: the category is that CPV division;
//! 2. otherwise the CPV codes of the registered suppliers the buyer already pays in the
//!    category (what the money actually buys);
//! 3. otherwise the category's words matched against the CPV labels ([`suggest_cpv`]).
//!
//! [`suggest_cpv`] is label-word matching written for this purpose; when the search
//! crate's query → CPV suggester is available it can take its place behind the same
//! signature.

use domain::cpv::{CpvCatalogue, CpvCode};

/// Where a category's codes came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CpvSource {
    File,
    MatchedSuppliers,
    #[default]
    LabelWords,
}

impl CpvSource {
    /// The name used in the API.
    #[must_use]
    pub const fn slug(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::MatchedSuppliers => "matched_suppliers",
            Self::LabelWords => "label_words",
        }
    }
}

/// Most codes a category is taken to need from the suppliers paid in it: a few dozen
/// covers a supplier's real range without letting one generalist claim everything.
const MAX_PAID_CODES: usize = 50;

/// The codes a category needs and where they came from (see the module documentation).
#[must_use]
pub fn category_cpv(
    cpv: &CpvCatalogue,
    division: Option<&str>,
    label: &str,
    paid_codes: Vec<CpvCode>,
) -> (Vec<CpvCode>, CpvSource) {
    if let Some(code) = division.and_then(|d| CpvCode::parse(&format!("{d}000000")).ok()) {
        return (vec![code], CpvSource::File);
    }
    if !paid_codes.is_empty() {
        let mut codes = paid_codes;
        codes.truncate(MAX_PAID_CODES);
        return (codes, CpvSource::MatchedSuppliers);
    }
    (suggest_cpv(cpv, label, 3), CpvSource::LabelWords)
}

/// Words of an expense type that say nothing about what was bought.
const NOISE: &[&str] = &[
    "and",
    "the",
    "for",
    "with",
    "other",
    "others",
    "general",
    "misc",
    "miscellaneous",
    "costs",
    "cost",
    "expenses",
    "expenditure",
    "payments",
    "payment",
    "charges",
    "fees",
    "sundry",
    "sundries",
    "various",
    "account",
    "recharge",
    "recharges",
    "budget",
    "non",
    "revenue",
    "capital",
    "items",
    "provision",
    "provisions",
    "provided",
    "services",
    "service",
    "supplies",
];

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !NOISE.contains(&w.as_str()))
        .collect()
}

/// The first five characters: a crude stem, so `repairs` meets `repair` and `catering`
/// meets `caterer`.
fn stem(word: &str) -> &str {
    word.char_indices().nth(5).map_or(word, |(i, _)| &word[..i])
}

/// Up to `limit` CPV codes (divisions, groups and classes) whose labels share the most
/// words with `label`, broader codes first among equals; none when no word is shared.
#[must_use]
pub fn suggest_cpv(cpv: &CpvCatalogue, label: &str, limit: usize) -> Vec<CpvCode> {
    let wanted: Vec<String> = words(label);
    if wanted.is_empty() {
        return Vec::new();
    }
    let stems: Vec<&str> = wanted.iter().map(|w| stem(w)).collect();
    let mut scored: Vec<(usize, usize, String)> = cpv
        .iter()
        .filter(|e| e.code.ends_with("0000"))
        .filter_map(|e| {
            let have: Vec<String> = words(&e.label);
            let score = stems
                .iter()
                .filter(|s| have.iter().any(|h| stem(h) == **s))
                .count();
            let zeros = e.code.len() - e.code.trim_end_matches('0').len();
            (score > 0).then_some((score, zeros, e.code))
        })
        .collect();
    let Some(best) = scored.iter().map(|(s, _, _)| *s).max() else {
        return Vec::new();
    };
    scored.retain(|(s, _, _)| *s == best);
    scored.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(&b.2)));
    scored
        .into_iter()
        .filter_map(|(_, _, code)| CpvCode::parse(&code).ok())
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> CpvCatalogue {
        crate::state::load_reference_data()
            .expect("shipped reference data")
            .0
    }

    #[test]
    fn an_expense_type_finds_cpv_codes_by_its_words() {
        let cpv = catalogue();
        let codes = suggest_cpv(&cpv, "Catering Provisions", 3);
        assert!(
            codes.first().map(CpvCode::as_str) == Some("55500000"),
            "canteen and catering services first, got {codes:?}"
        );
        let codes = suggest_cpv(&cpv, "Building Repairs & Maintenance", 3);
        assert!(!codes.is_empty());
    }

    #[test]
    fn an_expense_type_of_only_noise_words_finds_nothing() {
        let cpv = catalogue();
        assert!(suggest_cpv(&cpv, "Other Costs", 3).is_empty());
    }

    #[test]
    fn a_cpv_column_wins_over_the_suppliers_paid_and_the_words() {
        let cpv = catalogue();
        let paid = vec![CpvCode::parse("90910000").expect("code")];
        let (codes, source) = category_cpv(&cpv, Some("45"), "Catering", paid.clone());
        assert_eq!((codes[0].as_str(), source), ("45000000", CpvSource::File));
        let (codes, source) = category_cpv(&cpv, None, "Catering", paid);
        assert_eq!(
            (codes[0].as_str(), source),
            ("90910000", CpvSource::MatchedSuppliers)
        );
    }
}
