//! Why a supplier matched, in words a buyer reads on the results page, and the snippet of
//! its capability statement with the matched words marked.

use std::collections::{BTreeMap, HashSet};

use tantivy::snippet::SnippetGenerator;

use crate::analysis::{ancestor_prefix, Alternative, Analysed, CodeMatch};
use crate::tokens::{within_distance, Analyzers, Token};
use crate::vocabulary::{significant, Vocabulary};

const SNIPPET_CHARS: usize = 180;
/// Most "CPV: label" reasons per hit.
const MAX_LABEL_REASONS: usize = 3;
/// Words read from one field when explaining (statements are short; this bounds the work).
const MAX_TOKENS: usize = 2000;

/// Where in `tokens` the alternative's stems stand together (in order, at most one word
/// between consecutive ones), or `None`.
fn find(tokens: &[Token], a: &Alternative) -> bool {
    let Some(first) = a.stems.first() else {
        return false;
    };
    tokens.iter().enumerate().any(|(i, t)| {
        if t.stem != *first {
            return false;
        }
        let mut at = i;
        a.stems[1..].iter().all(|s| {
            match tokens[at + 1..].iter().take(2).position(|t| t.stem == *s) {
                Some(p) => {
                    at += p + 1;
                    true
                }
                None => false,
            }
        })
    })
}

/// How a field of a supplier matched the query: the matched alternatives (by concept), and
/// whether a typo-tolerant match did.
struct FieldMatch<'a> {
    alternatives: Vec<(usize, &'a Alternative)>,
    fuzzy: Vec<(usize, String)>,
}

fn match_field<'a>(tokens: &[Token], analysed: &'a Analysed) -> FieldMatch<'a> {
    let mut m = FieldMatch {
        alternatives: Vec::new(),
        fuzzy: Vec::new(),
    };
    for (ci, c) in analysed.concepts.iter().enumerate() {
        for a in &c.alternatives {
            if find(tokens, a) {
                m.alternatives.push((ci, a));
            }
        }
        if let Some((raw, distance)) = &c.fuzzy {
            if let Some(t) = tokens
                .iter()
                .find(|t| within_distance(&t.raw, raw, *distance))
            {
                m.fuzzy.push((ci, t.stem.clone()));
            }
        }
    }
    m
}

impl FieldMatch<'_> {
    fn any(&self) -> bool {
        !self.alternatives.is_empty() || !self.fuzzy.is_empty()
    }

    fn stems(&self) -> impl Iterator<Item = &String> {
        self.alternatives
            .iter()
            .flat_map(|(_, a)| a.stems.iter())
            .chain(self.fuzzy.iter().map(|(_, s)| s))
    }
}

/// A declared code of the supplier that the words' code finds (as the query does): the code
/// itself or a descendant, or the code's nearest ancestor at category level or finer.
fn declared_on_branch<'a>(
    vocabulary: &Vocabulary,
    declared: &'a [String],
    m: &CodeMatch,
) -> Option<&'a String> {
    let parent = ancestor_prefix(vocabulary, &m.code);
    declared.iter().find(|d| {
        significant(d)
            .is_some_and(|sig| sig.starts_with(&m.prefix) || parent.as_ref() == Some(&sig))
    })
}

/// The reasons shown beside a hit, and the stems to mark in its snippet.
pub(crate) fn reasons(
    doc: &crate::model::SupplierDoc,
    analysed: &Analysed,
    vocabulary: &Vocabulary,
) -> (Vec<String>, HashSet<String>) {
    let mut reasons = Vec::new();
    let mut marks = HashSet::new();
    if analysed.is_empty() {
        return (reasons, marks);
    }
    let mut an = Analyzers::default();
    let keywords = doc.keywords.join(" · ");
    let mut via_synonym: BTreeMap<usize, String> = BTreeMap::new();
    let mut via_original: HashSet<usize> = HashSet::new();
    let fields: [(&str, &str); 5] = [
        ("name", &doc.name),
        ("trading name", &doc.trading_name),
        ("keywords", &keywords),
        ("capability statement", &doc.capability_statement),
        ("past contracts", &doc.contracts_text),
    ];
    for (label, text) in fields {
        if text.is_empty() {
            continue;
        }
        let tokens = an.tokens(text, MAX_TOKENS);
        let m = match_field(&tokens, analysed);
        if !m.any() {
            continue;
        }
        reasons.push(label.to_owned());
        if label == "capability statement" {
            marks.extend(m.stems().cloned());
        }
        for (ci, a) in &m.alternatives {
            if a.original {
                via_original.insert(*ci);
            } else {
                via_synonym.entry(*ci).or_insert_with(|| a.text.clone());
            }
        }
        for (ci, _) in &m.fuzzy {
            via_original.insert(*ci);
        }
    }
    let mut labels = 0;
    for label in &doc.cpv_labels {
        if labels == MAX_LABEL_REASONS {
            break;
        }
        let tokens = an.tokens(label, MAX_TOKENS);
        if match_field(&tokens, analysed).any() {
            reasons.push(format!("CPV: {label}"));
            labels += 1;
        }
    }
    let mut offered: Vec<&String> = Vec::new();
    for c in &analysed.concepts {
        for m in &c.codes {
            if let Some(code) = declared_on_branch(vocabulary, &doc.cpv, m) {
                if offered.contains(&code) {
                    continue;
                }
                offered.push(code);
                let digits: String = code.chars().take(8).collect();
                let label = vocabulary
                    .label(&digits)
                    .map_or(m.label.as_str(), |l| l.label.as_str());
                reasons.push(format!("offers {label}, CPV {digits}"));
            }
        }
    }
    for (ci, synonym) in via_synonym {
        if !via_original.contains(&ci) {
            let typed = &analysed.concepts[ci].typed;
            reasons.push(format!("“{typed}” matched as “{synonym}”"));
        }
    }
    (reasons, marks)
}

/// A fragment of the capability statement around the marked stems, escaped, with the
/// matched words in `<mark>`; the statement's start when nothing is marked.
pub(crate) fn snippet(
    statement: &str,
    marks: &HashSet<String>,
    field: tantivy::schema::Field,
) -> String {
    if !marks.is_empty() {
        let terms: BTreeMap<String, f32> = marks.iter().map(|m| (m.clone(), 1.0)).collect();
        let generator =
            SnippetGenerator::new(terms, Analyzers::default().stem, field, SNIPPET_CHARS);
        let mut snippet = generator.snippet(statement);
        if !snippet.highlighted().is_empty() {
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            return snippet.to_html();
        }
    }
    let mut end = statement.len().min(SNIPPET_CHARS);
    while !statement.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = html_escape(&statement[..end]);
    if end < statement.len() {
        out.push('…');
    }
    out
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
