//! Which CPV codes an expense category needs, for leakage.
//!
//! Council files carry expense types (`Building Repairs`, `Catering Provisions`), not CPV
//! codes. In order of trust:
//!
//! 1. a CPV column in the file: the category is that CPV division;
//! 2. otherwise the CPV codes of the registered suppliers the buyer already pays in the
//!    category (what the money actually buys);
//! 3. otherwise the codes the search engine's vocabulary suggests for the category's
//!    words — the same suggester as "What do you do?" and `GET /api/v1/cpv/suggest`
//!    (CPV labels plus the procurement thesaurus), so a category and a supplier's
//!    description are read alike.

use anchorlink_search::Vocabulary;
use domain::cpv::CpvCode;

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

/// Most codes a category is taken to need from its words alone.
const MAX_SUGGESTED_CODES: usize = 3;

/// The codes a category needs and where they came from (see the module documentation).
#[must_use]
pub fn category_cpv(
    vocabulary: &Vocabulary,
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
    let suggested = vocabulary
        .suggest_cpv(label, MAX_SUGGESTED_CODES)
        .into_iter()
        .filter_map(|s| CpvCode::parse(&s.code).ok())
        .collect();
    (suggested, CpvSource::LabelWords)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        let cpv = crate::state::load_reference_data()
            .expect("shipped reference data")
            .0;
        Vocabulary::new(
            &cpv,
            &anchorlink_search::Thesaurus::builtin().expect("built-in thesaurus"),
        )
        .expect("vocabulary")
    }

    fn suggested(vocabulary: &Vocabulary, label: &str) -> Vec<String> {
        category_cpv(vocabulary, None, label, Vec::new())
            .0
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect()
    }

    #[test]
    fn an_expense_type_finds_cpv_codes_by_its_words() {
        let vocabulary = vocabulary();
        let codes = suggested(&vocabulary, "Catering Provisions");
        assert!(
            codes.first().is_some_and(|c| c.starts_with("555")),
            "canteen and catering services first, got {codes:?}"
        );
        let codes = suggested(&vocabulary, "Building Repairs & Maintenance");
        assert!(
            codes
                .iter()
                .any(|c| c.starts_with("45") || c.starts_with("50")),
            "construction or repair work, got {codes:?}"
        );
    }

    #[test]
    fn an_expense_type_of_only_noise_words_finds_nothing() {
        let vocabulary = vocabulary();
        assert_eq!(suggested(&vocabulary, "Other Costs"), Vec::<String>::new());
    }

    #[test]
    fn a_cpv_column_wins_over_the_suppliers_paid_and_the_words() {
        let vocabulary = vocabulary();
        let paid = vec![CpvCode::parse("90910000").expect("code")];
        let (codes, source) = category_cpv(&vocabulary, Some("45"), "Catering", paid.clone());
        assert_eq!((codes[0].as_str(), source), ("45000000", CpvSource::File));
        let (codes, source) = category_cpv(&vocabulary, None, "Catering", paid);
        assert_eq!(
            (codes[0].as_str(), source),
            ("90910000", CpvSource::MatchedSuppliers)
        );
    }
}
