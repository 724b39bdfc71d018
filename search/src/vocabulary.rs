//! What the words of a query or a description mean in procurement terms: the thesaurus,
//! compiled for matching, and the CPV labels, indexed by their words. Built once at start
//! (a few tens of milliseconds) and shared; nothing here touches the search index.
//!
//! It answers two questions: which thesaurus lines a run of words names (query
//! expansion), and which CPV codes a text names — exactly, for query expansion ("tree
//! cutting" → `77211400 Tree-cutting services`), or ranked, for "what do you do?"
//! suggestions ([`Vocabulary::suggest_cpv`]).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use domain::{CpvCatalogue, CpvCode, CpvLevel};
use serde::{Deserialize, Serialize};

use crate::thesaurus::{Thesaurus, ThesaurusError};
use crate::tokens::{is_stop, Analyzers, Token, LABEL_FILLER};

/// A thesaurus term, as words.
#[derive(Clone, Debug)]
pub(crate) struct Term {
    pub text: String,
    pub stems: Vec<String>,
}

/// A thesaurus line, compiled.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub terms: Vec<Term>,
    pub one_way: bool,
    /// 8-digit codes.
    pub cpv: Vec<String>,
}

/// One CPV code as the matcher sees it.
#[derive(Clone, Debug)]
pub(crate) struct Label {
    pub code: String,
    pub label: String,
    /// The label's distinguishing stems, sorted and unique.
    pub content: Vec<String>,
    pub level: CpvLevel,
}

/// A CPV code suggested for a description, with why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpvSuggestion {
    /// The 8 digits.
    pub code: String,
    pub label: String,
    /// Higher is better; comparable within one call only.
    pub score: f32,
    /// In words, for the person choosing: `matches “office cleaning”`.
    pub reason: String,
}

/// The thesaurus and the CPV labels, compiled for matching.
pub struct Vocabulary {
    analyzers: Mutex<Analyzers>,
    groups: Vec<Group>,
    /// Stems of a term → (group, term) that have them.
    phrases: HashMap<Vec<String>, Vec<(usize, usize)>>,
    longest_phrase: usize,
    /// Single-word terms, raw, for correcting typos in rare words.
    single_words: Vec<(String, Vec<String>)>,
    labels: Vec<Label>,
    by_code: HashMap<String, usize>,
    by_stem: HashMap<String, Vec<usize>>,
    /// Exact content → labels (and the parts of "A and B" labels).
    by_content: HashMap<Vec<String>, Vec<usize>>,
    /// How rare a stem is among CPV labels (idf).
    stem_weight: HashMap<String, f32>,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("thesaurus_lines", &self.groups.len())
            .field("cpv_labels", &self.labels.len())
            .finish_non_exhaustive()
    }
}

impl Default for Vocabulary {
    /// No thesaurus and no CPV list: queries mean only their own words.
    fn default() -> Self {
        Self::build(&CpvCatalogue::default(), &Thesaurus::default())
    }
}

/// Most codes a text can name in query expansion; beyond that the words are too general
/// to be read as a code.
const MAX_CODES_PER_TEXT: usize = 6;

impl Vocabulary {
    /// Compiles `thesaurus` and indexes the labels of `catalogue`.
    ///
    /// # Errors
    /// A [`ThesaurusError`] naming the line of a CPV code that is not in `catalogue` (when
    /// the catalogue is not empty).
    pub fn new(catalogue: &CpvCatalogue, thesaurus: &Thesaurus) -> Result<Self, ThesaurusError> {
        if !catalogue.is_empty() {
            for g in thesaurus.groups() {
                if let Some(code) = g.cpv.iter().find(|c| !catalogue.contains(c)) {
                    return Err(ThesaurusError {
                        line: g.line,
                        reason: format!("CPV code {code} is not in the CPV 2008 list"),
                    });
                }
            }
        }
        Ok(Self::build(catalogue, thesaurus))
    }

    fn build(catalogue: &CpvCatalogue, thesaurus: &Thesaurus) -> Self {
        let mut an = Analyzers::default();
        let mut groups = Vec::with_capacity(thesaurus.len());
        let mut phrases: HashMap<Vec<String>, Vec<(usize, usize)>> = HashMap::new();
        let mut single_words = Vec::new();
        let mut longest_phrase = 0;
        for (gi, g) in thesaurus.groups().iter().enumerate() {
            let mut terms = Vec::with_capacity(g.terms.len());
            for (ti, text) in g.terms.iter().enumerate() {
                let tokens = an.tokens(text, 16);
                if tokens.is_empty() {
                    continue;
                }
                let stems: Vec<String> = tokens.iter().map(|t| t.stem.clone()).collect();
                longest_phrase = longest_phrase.max(stems.len());
                if let [only] = tokens.as_slice() {
                    if !single_words.iter().any(|(w, _)| *w == only.raw) {
                        single_words.push((only.raw.clone(), stems.clone()));
                    }
                }
                phrases.entry(stems.clone()).or_default().push((gi, ti));
                terms.push(Term {
                    text: text.clone(),
                    stems,
                });
            }
            groups.push(Group {
                terms,
                one_way: g.one_way,
                cpv: g.cpv.iter().map(|c| c.as_str().to_owned()).collect(),
            });
        }

        let mut labels = Vec::with_capacity(catalogue.len());
        let mut by_code = HashMap::with_capacity(catalogue.len());
        let mut by_stem: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_content: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
        for entry in catalogue.iter() {
            let i = labels.len();
            let level = entry.level();
            let lower = entry.label.to_lowercase();
            let content = content_stems(&mut an, &lower);
            if content.is_empty() {
                continue;
            }
            for s in &content {
                by_stem.entry(s.clone()).or_default().push(i);
            }
            if level != CpvLevel::Division {
                by_content.entry(content.clone()).or_default().push(i);
            }
            // "Tree pruning and hedge trimming" also names "hedge trimming"; only for
            // classes and finer, where each part is still specific.
            if level >= CpvLevel::Class {
                for part in lower.split([',', ';']).flat_map(|p| p.split(" and ")) {
                    let part_content = content_stems(&mut an, part);
                    if part_content.len() >= 2 && part_content != content {
                        by_content.entry(part_content).or_default().push(i);
                    }
                }
            }
            by_code.insert(entry.code.clone(), i);
            labels.push(Label {
                code: entry.code,
                label: entry.label,
                content,
                level,
            });
        }
        let n = labels.len().max(1) as f32;
        let stem_weight = by_stem
            .iter()
            .map(|(s, v)| (s.clone(), (n / v.len() as f32).ln() + 1.0))
            .collect();
        Self {
            analyzers: Mutex::new(an),
            groups,
            phrases,
            longest_phrase,
            single_words,
            labels,
            by_code,
            by_stem,
            by_content,
            stem_weight,
        }
    }

    /// Words of `text` with their stems (at most `limit`).
    pub(crate) fn tokens(&self, text: &str, limit: usize) -> Vec<Token> {
        self.analyzers().tokens(text, limit)
    }

    fn analyzers(&self) -> std::sync::MutexGuard<'_, Analyzers> {
        // Analyzers hold no state between calls, so a poisoned lock is still usable.
        self.analyzers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The longest thesaurus term starting at `tokens[start]`: its length in words and the
    /// (group, term) pairs it names.
    pub(crate) fn phrase_at(
        &self,
        tokens: &[Token],
        start: usize,
    ) -> Option<(usize, &[(usize, usize)])> {
        let max = self.longest_phrase.min(tokens.len() - start);
        (1..=max).rev().find_map(|len| {
            let key: Vec<String> = tokens[start..start + len]
                .iter()
                .map(|t| t.stem.clone())
                .collect();
            self.phrases.get(&key).map(|hits| (len, hits.as_slice()))
        })
    }

    /// The single-word thesaurus term a mistyped word most likely means.
    pub(crate) fn correct_typo(&self, raw: &str, distance: u8) -> Option<&[String]> {
        self.single_words
            .iter()
            .find(|(w, _)| w.len() > 3 && crate::tokens::within_distance(raw, w, distance))
            .map(|(_, stems)| stems.as_slice())
    }

    /// The (group, term) pairs whose term is exactly these stems.
    pub(crate) fn terms_for(&self, stems: &[String]) -> &[(usize, usize)] {
        self.phrases.get(stems).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn label(&self, code: &str) -> Option<&Label> {
        self.by_code.get(code).map(|&i| &self.labels[i])
    }

    /// Codes whose label says exactly what these words say (ignoring "services", "work"
    /// and stop words): how a query's words are read as CPV codes.
    pub(crate) fn codes_named_by(&self, stems: &[String]) -> Vec<&Label> {
        // Only "services" is dropped from the words: "tree work" is not "Trees".
        let mut content: Vec<String> = stems
            .iter()
            .filter(|s| !is_stop(s) && s.as_str() != "servic")
            .cloned()
            .collect();
        content.sort_unstable();
        content.dedup();
        if content.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<&Label> = self
            .by_content
            .get(&content)
            .map(|v| v.iter().map(|&i| &self.labels[i]).collect())
            .unwrap_or_default();
        out.sort_by(|a, b| a.level.cmp(&b.level).then(a.code.cmp(&b.code)));
        out.dedup_by(|a, b| a.code == b.code);
        out.truncate(MAX_CODES_PER_TEXT);
        out
    }

    /// CPV codes a plain-language description names, best first, each with a reason: the
    /// "What do you do?" step of a supplier profile and the CPV field of a tender line.
    ///
    /// A code scores by how much of its label the description covers (rare label words
    /// count more), whether those words stand together in the description, and how
    /// specific the code is; a thesaurus line the description uses names its codes
    /// directly ("tree surgeon" → Tree-cutting services). Runs in well under a
    /// millisecond for a paragraph.
    #[must_use]
    pub fn suggest_cpv(&self, text: &str, limit: usize) -> Vec<CpvSuggestion> {
        if limit == 0 {
            return Vec::new();
        }
        let tokens = self.tokens(text, 400);
        let content: Vec<&Token> = tokens
            .iter()
            .filter(|t| !is_stop(&t.raw) && !LABEL_FILLER.contains(&t.raw.as_str()))
            .collect();
        let mut best: HashMap<usize, (f32, String)> = HashMap::new();
        let mut offer = |i: usize, score: f32, reason: String| {
            let e = best.entry(i).or_insert((f32::MIN, String::new()));
            if score > e.0 {
                *e = (score, reason);
            }
        };

        // Thesaurus lines the description uses.
        let mut i = 0;
        while i < tokens.len() {
            let Some((len, hits)) = self.phrase_at(&tokens, i) else {
                i += 1;
                continue;
            };
            let typed = words_as_typed(&tokens[i..i + len]);
            for &(g, t) in hits {
                let group = &self.groups[g];
                // A narrower term of a one-way line ("meals delivered" under "meals on
                // wheels") still names the line's codes when describing a supplier.
                let strength = if group.one_way && t != 0 { 1.8 } else { 2.0 };
                for code in &group.cpv {
                    if let Some(&li) = self.by_code.get(code) {
                        let l = &self.labels[li];
                        let reason = format!("“{typed}” is a name for {}", l.label);
                        offer(li, strength + specificity(l.level), reason);
                    }
                }
            }
            i += len;
        }

        // Labels the description covers.
        let stems: HashSet<&str> = content.iter().map(|t| t.stem.as_str()).collect();
        let mut candidates: HashSet<usize> = HashSet::new();
        for s in &stems {
            if let Some(v) = self.by_stem.get(*s) {
                candidates.extend(v.iter().copied());
            }
        }
        for li in candidates {
            let l = &self.labels[li];
            let weight = |s: &String| self.stem_weight.get(s).copied().unwrap_or(1.0);
            let total: f32 = l.content.iter().map(weight).sum();
            let matched: Vec<&String> = l
                .content
                .iter()
                .filter(|s| stems.contains(s.as_str()))
                .collect();
            let covered: f32 = matched.iter().copied().map(weight).sum();
            let coverage = covered / total.max(f32::EPSILON);
            // Most of the label's words, not one of two ("hot" is not "Hot water").
            if coverage < 0.5 || 3 * matched.len() < 2 * l.content.len() {
                continue;
            }
            let (together, typed) = span(&content, &matched);
            let score = coverage * coverage * (1.0 + 0.5 * f32::from(u8::from(together)))
                + 0.05 * covered
                + specificity(l.level) * coverage;
            offer(li, score, format!("matches “{typed}”"));
        }

        let mut out: Vec<CpvSuggestion> = best
            .into_iter()
            .map(|(li, (score, reason))| {
                let l = &self.labels[li];
                CpvSuggestion {
                    code: l.code.clone(),
                    label: l.label.clone(),
                    score,
                    reason,
                }
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.code.cmp(&b.code)));
        out.truncate(limit);
        out
    }
}

/// A small preference for specific codes over their broad headings.
fn specificity(level: CpvLevel) -> f32 {
    0.05 * f32::from(level.depth())
}

/// The distinguishing stems of a label, sorted and unique.
fn content_stems(an: &mut Analyzers, text: &str) -> Vec<String> {
    let mut v: Vec<String> = an
        .tokens(text, 64)
        .into_iter()
        .filter(|t| !is_stop(&t.raw) && !LABEL_FILLER.contains(&t.raw.as_str()))
        .map(|t| t.stem)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The words as typed, joined.
fn words_as_typed(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| t.raw.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the matched stems stand close together in the text (within a window a little
/// longer than the label), and the words of the tightest such run as typed.
fn span(content: &[&Token], matched: &[&String]) -> (bool, String) {
    let mut best: Option<(usize, usize)> = None;
    for start in 0..content.len() {
        if !matched.iter().any(|m| **m == content[start].stem) {
            continue;
        }
        let mut seen: HashSet<&str> = HashSet::new();
        for (end, t) in content.iter().enumerate().skip(start) {
            if matched.iter().any(|m| **m == t.stem) {
                seen.insert(t.stem.as_str());
            }
            if seen.len() == matched.len() {
                if best.is_none_or(|(s, e)| end - start < e - s) {
                    best = Some((start, end));
                }
                break;
            }
        }
    }
    match best {
        Some((s, e)) => {
            let words: Vec<&str> = content[s..=e].iter().map(|t| t.raw.as_str()).collect();
            (e - s < matched.len() + 2, words.join(" "))
        }
        None => (false, String::new()),
    }
}

/// 8 digits of a code, trailing zeros dropped (at least the two division digits).
pub(crate) fn significant(code: &str) -> Option<String> {
    CpvCode::parse(code)
        .ok()
        .map(|c| c.significant_prefix().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    pub(crate) fn vocabulary() -> &'static Vocabulary {
        static V: OnceLock<Vocabulary> = OnceLock::new();
        V.get_or_init(|| {
            let cat = CpvCatalogue::from_json(include_str!("../../data/cpv-2008-en.json"))
                .expect("the CPV list parses");
            Vocabulary::new(&cat, &Thesaurus::builtin().expect("thesaurus"))
                .expect("every thesaurus code is in the CPV list")
        })
    }

    fn codes(v: &[CpvSuggestion]) -> Vec<&str> {
        v.iter().map(|s| s.code.as_str()).collect()
    }

    #[test]
    fn a_query_naming_a_label_is_read_as_its_code() {
        let v = vocabulary();
        let mut an = Analyzers::default();
        let mut stems =
            |t: &str| -> Vec<String> { an.tokens(t, 10).into_iter().map(|t| t.stem).collect() };
        let mut named = |t: &str| -> Vec<String> {
            v.codes_named_by(&stems(t))
                .iter()
                .map(|l| l.code.clone())
                .collect()
        };
        assert!(named("tree cutting").contains(&"77211400".to_string()));
        assert!(named("school cleaning").contains(&"90919300".to_string()));
        assert!(named("hedge trimming").contains(&"77340000".to_string()));
        assert!(
            named("interpreting").contains(&"79540000".to_string()),
            "interpretation services"
        );
        assert!(
            named("services").is_empty(),
            "a word every label has names nothing"
        );
    }

    #[test]
    fn a_description_suggests_the_codes_it_describes_first() {
        let v = vocabulary();
        let s = v.suggest_cpv("We do office cleaning and window cleaning for schools", 5);
        assert!(codes(&s).contains(&"90919200"), "{s:?}");
        assert!(codes(&s).contains(&"90911300"), "{s:?}");
        assert!(s[0].reason.starts_with("matches “"), "{s:?}");
        let s = v.suggest_cpv("Tree surgeon covering Lancaster: crown reductions", 5);
        assert_eq!(s[0].code, "77211400", "{s:?}");
        assert!(s[0].reason.contains("tree surgeon"), "{s:?}");
        let s = v.suggest_cpv("meals on wheels for housebound people", 3);
        assert_eq!(s[0].code, "55521100", "{s:?}");
        let s = v.suggest_cpv("Hot meals delivered to housebound people every day", 3);
        assert_eq!(s[0].code, "55521100", "{s:?}");
        assert!(
            !codes(&s).contains(&"09321000"),
            "one word of two is not Hot water: {s:?}"
        );
        assert!(v.suggest_cpv("   ", 5).is_empty());
        assert!(v.suggest_cpv("cleaning", 0).is_empty());
    }

    #[test]
    fn suggestions_are_fast_enough_to_run_as_the_user_types() {
        let v = vocabulary();
        let text = "Community interest company providing grounds maintenance, grass cutting, \
                    hedge trimming, tree surgery, landscaping and winter gritting for schools, \
                    housing associations and parish councils across Lancashire.";
        let started = std::time::Instant::now();
        let runs = 50;
        for _ in 0..runs {
            assert!(!v.suggest_cpv(text, 10).is_empty());
        }
        let each = started.elapsed() / runs;
        println!("suggest_cpv: {each:?} per paragraph");
        // Generous for a debug build on a busy machine; release builds take a fraction.
        assert!(each.as_millis() < 50, "{each:?} per suggestion");
    }

    #[test]
    fn every_thesaurus_code_is_a_real_code() {
        let cat = CpvCatalogue::from_json(include_str!("../../data/cpv-2008-en.json"))
            .expect("the CPV list parses");
        let bad = Thesaurus::parse("tree surgeon\t77211499\tbuyers\n").expect("well-formed");
        let e = Vocabulary::new(&cat, &bad).expect_err("unknown code");
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("77211499"), "{}", e.reason);
    }
}
