//! The procurement thesaurus: the different words buyers and suppliers use for one service
//! ("tree surgeon", "arboriculture", "arborist"), abbreviations ("BSL", "British Sign
//! Language") and trade names ("Portakabin", "portable cabins"), with the CPV codes that
//! name it.
//!
//! It is data, kept in `search/data/thesaurus.tsv` (see `search/data/README.md` for how to
//! extend it), and it is applied when a query is analysed, never when suppliers are
//! indexed: editing it needs a restart, not a reindex.

use std::fmt;

use domain::CpvCode;

/// The thesaurus shipped with the engine.
pub const BUILTIN_TSV: &str = include_str!("../data/thesaurus.tsv");

/// A line of the thesaurus that cannot be used, with its line number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("thesaurus line {line}: {reason}")]
pub struct ThesaurusError {
    pub line: usize,
    pub reason: String,
}

/// One line: terms that mean the same thing to a buyer, and the CPV codes for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymGroup {
    /// The terms as written, lower case. For a one-way line the first term is the one
    /// that is expanded.
    pub terms: Vec<String>,
    /// `a > b | c`: a query for `a` also finds `b` and `c`, but not the other way round.
    pub one_way: bool,
    /// CPV codes for what the terms name (8 digits each).
    pub cpv: Vec<CpvCode>,
    /// Where the line comes from (`cpv`, `notices`, `trade`, `abbreviation`, …).
    pub source: String,
    /// The line in the file, for error messages.
    pub line: usize,
}

/// The whole thesaurus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thesaurus {
    groups: Vec<SynonymGroup>,
}

impl Thesaurus {
    /// The thesaurus shipped in `search/data/thesaurus.tsv`.
    ///
    /// # Errors
    /// Only if the shipped file is malformed (a unit test proves it is not).
    pub fn builtin() -> Result<Self, ThesaurusError> {
        Self::parse(BUILTIN_TSV)
    }

    /// Parses the tab-separated format: `terms<TAB>cpv codes<TAB>source`, terms separated
    /// by `|` (or `a > b | c` for one way), codes by spaces; `#` starts a comment line.
    ///
    /// # Errors
    /// A [`ThesaurusError`] naming the first bad line: a missing source, a group of one term
    /// without CPV codes, an empty term, a malformed CPV code.
    pub fn parse(text: &str) -> Result<Self, ThesaurusError> {
        let mut groups = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = raw.trim_end_matches('\r');
            if content.trim().is_empty() || content.trim_start().starts_with('#') {
                continue;
            }
            let err = |reason: String| ThesaurusError { line, reason };
            let mut columns = content.split('\t');
            let terms_col = columns.next().unwrap_or_default();
            let cpv_col = columns.next().unwrap_or_default();
            let source = columns.next().unwrap_or_default().trim().to_lowercase();
            if columns.next().is_some() {
                return Err(err("more than three tab-separated columns".into()));
            }
            if source.is_empty() {
                return Err(err(
                    "no source: say where the line comes from in the third column".into(),
                ));
            }
            let (one_way, parts): (bool, Vec<&str>) = match terms_col.split_once('>') {
                Some((head, rest)) => {
                    let mut parts = vec![head];
                    parts.extend(rest.split('|'));
                    (true, parts)
                }
                None => (false, terms_col.split('|').collect()),
            };
            let mut terms: Vec<String> = Vec::with_capacity(parts.len());
            for part in parts {
                let term = normalise(part);
                if term.is_empty() {
                    return Err(err(format!("an empty term in {terms_col:?}")));
                }
                if term.contains('>') {
                    return Err(err("only one \">\" is allowed in a line".into()));
                }
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
            let mut cpv = Vec::new();
            for code in cpv_col.split_whitespace() {
                let parsed =
                    CpvCode::parse(code).map_err(|e| err(format!("CPV code {code:?}: {e}")))?;
                if !cpv.contains(&parsed) {
                    cpv.push(parsed);
                }
            }
            if terms.len() < 2 && cpv.is_empty() {
                return Err(err(
                    "a line needs two terms, or one term and its CPV codes".into()
                ));
            }
            groups.push(SynonymGroup {
                terms,
                one_way,
                cpv,
                source,
                line,
            });
        }
        Ok(Self { groups })
    }

    /// Adds the lines of `other` (a site's own additions) after these.
    pub fn extend(&mut self, other: Thesaurus) {
        self.groups.extend(other.groups);
    }

    /// The lines, in file order.
    #[must_use]
    pub fn groups(&self) -> &[SynonymGroup] {
        &self.groups
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

impl fmt::Display for SynonymGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = if self.one_way { " > " } else { " | " };
        match self.terms.split_first() {
            Some((head, rest)) if self.one_way => write!(f, "{head}{sep}{}", rest.join(" | ")),
            _ => f.write_str(&self.terms.join(" | ")),
        }
    }
}

/// Lower case, single spaces.
fn normalise(term: &str) -> String {
    term.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_terms_one_way_terms_and_codes_are_read() {
        let t = Thesaurus::parse(
            "# comment\n\
             tree surgeon | Arborist |  arboriculture\t77211400 77211500\tbuyers\n\
             \n\
             meals on wheels > home delivered meals | housebound\t55521100\tnotices\n\
             school meals\t55524000\tcpv\n",
        )
        .expect("valid thesaurus");
        assert_eq!(t.len(), 3);
        let g = &t.groups()[0];
        assert_eq!(g.terms, ["tree surgeon", "arborist", "arboriculture"]);
        assert!(!g.one_way);
        assert_eq!(g.cpv.len(), 2);
        assert_eq!((g.source.as_str(), g.line), ("buyers", 2));
        let g = &t.groups()[1];
        assert!(g.one_way);
        assert_eq!(g.terms[0], "meals on wheels");
        assert_eq!(
            g.to_string(),
            "meals on wheels > home delivered meals | housebound"
        );
        assert_eq!(t.groups()[2].terms, ["school meals"]);
    }

    #[test]
    fn a_bad_line_is_refused_with_its_number() {
        let bad = [
            ("a | b\t\t\n", 1, "no source"),
            ("# x\na\t\tcpv\n", 2, "two terms"),
            ("a | | b\t\tcpv\n", 1, "empty term"),
            ("a | b\t7721140\tcpv\n", 1, "CPV code"),
            ("a > b > c\t\tcpv\n", 1, "only one"),
            ("a | b\t\tcpv\textra\n", 1, "three"),
        ];
        for (text, line, reason) in bad {
            let e = Thesaurus::parse(text).expect_err(text);
            assert_eq!(e.line, line, "{text:?}");
            assert!(e.reason.contains(reason), "{text:?}: {}", e.reason);
        }
    }

    #[test]
    fn the_shipped_thesaurus_parses_and_has_a_few_hundred_lines() {
        let t = Thesaurus::builtin().expect("the shipped thesaurus parses");
        assert!(t.len() >= 250, "{} lines", t.len());
        assert!(t.groups().iter().all(|g| !g.source.is_empty()));
    }
}
