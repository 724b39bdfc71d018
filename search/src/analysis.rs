//! From the words a buyer typed to what they mean: *concepts*, each a thing the buyer asked
//! for with every way a supplier may say it.
//!
//! "BSL interpreters near Leeds" becomes two concepts: {BSL, British Sign Language, sign
//! language interpreting, CPV 79540000…} and {interpreters, interpreter}; "near" is a
//! filler word and "Leeds" a third concept. A run of words the thesaurus knows becomes one
//! concept with the thesaurus line's other terms and CPV codes; any words may also name a
//! CPV label exactly ("tree cutting" → 77211400). Each concept gets a weight — how telling
//! it is, from how few suppliers it matches — which ranks partial matches and decides which
//! words a relaxed search may leave out.

use domain::{CpvCode, CpvLevel};

use crate::tokens::{is_filler, is_stop, typo_distance, Token};
use crate::vocabulary::{significant, Vocabulary};

/// Most words of a query that are read (a pasted paragraph is cut).
const MAX_TOKENS: usize = 24;
/// Most concepts of a query.
const MAX_CONCEPTS: usize = 12;
/// Most CPV codes one concept adds.
const MAX_CODES: usize = 8;
/// Below this many exact matches a word gets typo tolerance (see [`Stats::fuzzy_threshold`]).
const FUZZY_MIN_DF: u64 = 1000;

/// How often words and codes occur in the index.
pub(crate) trait Stats {
    fn num_docs(&self) -> u64;
    /// Suppliers whose text has this stem (most over the text fields).
    fn text_df(&self, stem: &str) -> tantivy::Result<u64>;
    /// Suppliers with a code under this CPV prefix.
    fn cpv_df(&self, prefix: &str) -> tantivy::Result<u64>;

    /// A word matching at least this many suppliers exactly gets no typo tolerance: it is
    /// common, so a typo of it is unlikely, and fuzzy expansion of common words is costly.
    fn fuzzy_threshold(&self) -> u64 {
        (self.num_docs() / 200).max(FUZZY_MIN_DF)
    }
}

/// BM25's inverse document frequency.
pub(crate) fn idf(df: u64, n: u64) -> f32 {
    let (df, n) = (df as f32, n.max(1) as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// One way of saying a concept: a word, or a phrase (stems in order, stop words kept).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Alternative {
    pub stems: Vec<String>,
    /// As written (the query's words, or the thesaurus term).
    pub text: String,
    /// The buyer's own words rather than a synonym.
    pub original: bool,
    /// Sum of the idf of its content words (how telling a match of it is).
    pub idf: f32,
}

impl Alternative {
    /// The stems that carry meaning (no stop words).
    pub(crate) fn content(&self) -> impl Iterator<Item = &String> {
        self.stems.iter().filter(|s| !is_stop(s))
    }
}

/// A CPV code a concept names.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CodeMatch {
    /// 8 digits.
    pub code: String,
    /// Significant digits.
    pub prefix: String,
    pub label: String,
    /// How telling the code is (idf of the suppliers under it).
    pub idf: f32,
}

/// One thing the buyer asked for.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Concept {
    /// The words as typed.
    pub typed: String,
    pub alternatives: Vec<Alternative>,
    pub codes: Vec<CodeMatch>,
    /// A single mistyped-looking word: its raw form and allowed edit distance.
    pub fuzzy: Option<(String, u8)>,
    /// Filler ("services", "supplier"): ranks, never required.
    pub optional: bool,
    /// How telling the concept is: idf of its commonest way of being matched.
    pub weight: f32,
    /// Some supplier matches it (a word no supplier uses cannot tell suppliers apart).
    pub known: bool,
}

/// A query, analysed.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Analysed {
    pub concepts: Vec<Concept>,
    /// The buyer's words in order, `(position, stem)`: a bonus when they stand together in
    /// a supplier's text.
    pub proximity: Vec<(usize, String)>,
}

impl Analysed {
    pub(crate) fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }

    /// The concepts a supplier must match in a strict search.
    pub(crate) fn required(&self) -> impl Iterator<Item = &Concept> {
        let all_optional = self.concepts.iter().all(|c| c.optional);
        self.concepts
            .iter()
            .filter(move |c| all_optional || !c.optional)
    }

    /// Two or more required concepts: a search finding few suppliers may be relaxed.
    pub(crate) fn relaxable(&self) -> bool {
        self.required().count() >= 2
    }

    /// One word, said one way, without typo tolerance or CPV codes: its hits are exactly
    /// its own term's, ranked by BM25 alone. The stem and the concept's weight.
    pub(crate) fn single_plain_word(&self) -> Option<(&str, f32)> {
        match self.concepts.as_slice() {
            [c] if c.fuzzy.is_none() && c.codes.is_empty() && c.alternatives.len() == 1 => {
                match c.alternatives[0].stems.as_slice() {
                    [stem] => Some((stem.as_str(), c.weight)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Reads `text` into concepts.
///
/// # Errors
/// Index errors while reading term statistics.
pub(crate) fn analyse(
    vocabulary: &Vocabulary,
    stats: &dyn Stats,
    text: &str,
) -> tantivy::Result<Analysed> {
    let tokens = vocabulary.tokens(text, MAX_TOKENS);
    let mut concepts: Vec<Concept> = Vec::new();
    let mut i = 0;
    while i < tokens.len() && concepts.len() < MAX_CONCEPTS {
        if let Some((len, hits)) = vocabulary.phrase_at(&tokens, i) {
            // A stop word alone is never a concept, even if a thesaurus line names it.
            if !(len == 1 && is_stop(&tokens[i].raw)) {
                let words = &tokens[i..i + len];
                let original = Alternative {
                    stems: words.iter().map(|t| t.stem.clone()).collect(),
                    text: typed(words),
                    original: true,
                    idf: 0.0,
                };
                concepts.push(from_thesaurus(vocabulary, original, hits, None));
                i += len;
                continue;
            }
        }
        let t = &tokens[i];
        i += 1;
        if is_stop(&t.raw) {
            continue;
        }
        let distance = typo_distance(&t.raw);
        let original = Alternative {
            stems: vec![t.stem.clone()],
            text: t.raw.clone(),
            original: true,
            idf: 0.0,
        };
        if distance > 0 && stats.text_df(&t.stem)? == 0 {
            // A word no supplier uses that is one slip from a thesaurus term: read it as
            // that term ("photovoltiac" → photovoltaic, PV, solar panels).
            if let Some(stems) = vocabulary.correct_typo(&t.raw, distance) {
                let hits = vocabulary.terms_for(stems);
                if !hits.is_empty() {
                    let fuzzy = Some((t.raw.clone(), distance));
                    concepts.push(from_thesaurus(vocabulary, original, hits, fuzzy));
                    continue;
                }
            }
        }
        concepts.push(Concept {
            typed: t.raw.clone(),
            alternatives: vec![original],
            codes: Vec::new(),
            fuzzy: (distance > 0).then(|| (t.raw.clone(), distance)),
            optional: is_filler(&t.raw),
            weight: 0.0,
            known: false,
        });
    }
    concepts.dedup_by(|a, b| a.alternatives == b.alternatives);

    for c in &mut concepts {
        add_named_codes(vocabulary, c);
        measure(stats, c)?;
    }
    let proximity = tokens
        .iter()
        .map(|t| (t.position, t.stem.clone()))
        .collect();
    Ok(Analysed {
        concepts,
        proximity,
    })
}

/// The words as typed, joined.
fn typed(words: &[Token]) -> String {
    words
        .iter()
        .map(|t| t.raw.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A concept from the thesaurus lines a run of words names: the other terms of each line
/// (of a one-way line only when the words are its first term) and the line's CPV codes.
fn from_thesaurus(
    vocabulary: &Vocabulary,
    original: Alternative,
    hits: &[(usize, usize)],
    fuzzy: Option<(String, u8)>,
) -> Concept {
    let typed = original.text.clone();
    let optional = original.stems.iter().all(|s| is_filler(s));
    let mut alternatives = vec![original];
    let mut codes = Vec::new();
    for &(g, t) in hits {
        let group = &vocabulary.groups()[g];
        if group.one_way && t != 0 {
            continue;
        }
        for term in &group.terms {
            if alternatives.iter().all(|a| a.stems != term.stems) {
                alternatives.push(Alternative {
                    stems: term.stems.clone(),
                    text: term.text.clone(),
                    original: false,
                    idf: 0.0,
                });
            }
        }
        for code in &group.cpv {
            push_code(vocabulary, &mut codes, code);
        }
    }
    Concept {
        typed,
        alternatives,
        codes,
        fuzzy,
        optional,
        weight: 0.0,
        known: false,
    }
}

/// The codes whose labels the concept's words (or synonyms) say exactly.
fn add_named_codes(vocabulary: &Vocabulary, c: &mut Concept) {
    let named: Vec<String> = c
        .alternatives
        .iter()
        .flat_map(|a| vocabulary.codes_named_by(&a.stems))
        .map(|l| l.code.clone())
        .collect();
    for code in named {
        push_code(vocabulary, &mut c.codes, &code);
    }
    c.codes.truncate(MAX_CODES);
}

fn push_code(vocabulary: &Vocabulary, codes: &mut Vec<CodeMatch>, code: &str) {
    if codes.len() >= MAX_CODES || codes.iter().any(|m| m.code == code) {
        return;
    }
    let (Some(prefix), Some(label)) = (significant(code), vocabulary.label(code)) else {
        return;
    };
    // A whole division ("Construction work") says too little to stand for a query.
    if label.level == CpvLevel::Division {
        return;
    }
    codes.push(CodeMatch {
        code: code.to_owned(),
        prefix,
        label: label.label.clone(),
        idf: 0.0,
    });
}

/// Weights the concept and its codes, and keeps typo tolerance only for rare words.
fn measure(stats: &dyn Stats, c: &mut Concept) -> tantivy::Result<()> {
    let n = stats.num_docs();
    let mut df = 0;
    for a in &mut c.alternatives {
        let mut alt_df = u64::MAX;
        let mut alt_idf = 0.0;
        let content: Vec<String> = a.content().cloned().collect();
        for s in &content {
            let word_df = stats.text_df(s)?;
            alt_df = alt_df.min(word_df);
            alt_idf += idf(word_df, n);
        }
        a.idf = alt_idf;
        if alt_df != u64::MAX {
            df = df.max(alt_df);
        }
    }
    for m in &mut c.codes {
        let code_df = stats.cpv_df(&m.prefix)?;
        m.idf = idf(code_df, n);
        df = df.max(code_df);
    }
    c.weight = idf(df, n);
    c.known = df > 0;
    if let Some((raw, _)) = &c.fuzzy {
        // Typo tolerance for a word the index hardly knows; a corrected typo keeps it.
        let exact = match c.alternatives.first() {
            Some(a) if a.stems.len() == 1 && a.text == *raw && c.alternatives.len() == 1 => {
                stats.text_df(&a.stems[0])?
            }
            _ => 0,
        };
        if exact >= stats.fuzzy_threshold() {
            c.fuzzy = None;
        }
    }
    Ok(())
}

/// The nearest ancestor of a code a supplier may have declared instead, when it is still a
/// category (five significant digits) or finer: one declaring "Guidance and counselling
/// services" offers counselling, one declaring "Social work services" says too little.
pub(crate) fn ancestor_prefix(vocabulary: &Vocabulary, code: &str) -> Option<String> {
    let sig = CpvCode::parse(code).ok()?.significant_prefix().to_owned();
    (5..sig.len())
        .rev()
        .map(|len| format!("{:0<8}", &sig[..len]))
        .find(|candidate| vocabulary.label(candidate).is_some())
        .and_then(|c| significant(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thesaurus::Thesaurus;
    use domain::CpvCatalogue;

    /// Every word occurs in 10 of 1,000 suppliers, except the ones listed as absent.
    struct Fixed {
        absent: Vec<&'static str>,
    }

    impl Stats for Fixed {
        fn num_docs(&self) -> u64 {
            1000
        }
        fn text_df(&self, stem: &str) -> tantivy::Result<u64> {
            Ok(if self.absent.contains(&stem) { 0 } else { 10 })
        }
        fn cpv_df(&self, _: &str) -> tantivy::Result<u64> {
            Ok(5)
        }
    }

    fn vocabulary(tsv: &str) -> Vocabulary {
        Vocabulary::new(
            &CpvCatalogue::from_json(include_str!("../../data/cpv-2008-en.json"))
                .expect("CPV list"),
            &Thesaurus::parse(tsv).expect("thesaurus"),
        )
        .expect("vocabulary")
    }

    fn texts(c: &Concept) -> Vec<&str> {
        c.alternatives.iter().map(|a| a.text.as_str()).collect()
    }

    #[test]
    fn a_thesaurus_phrase_becomes_one_concept_with_its_synonyms_and_codes() {
        let v = vocabulary("tree surgeon | arborist | tree surgery\t77211400\tbuyers\n");
        let stats = Fixed { absent: vec![] };
        let a = analyse(&v, &stats, "Tree surgeons near Preston").expect("analyse");
        let names: Vec<&str> = a.concepts.iter().map(|c| c.typed.as_str()).collect();
        assert_eq!(names, ["tree surgeons", "near", "preston"]);
        assert_eq!(
            texts(&a.concepts[0]),
            ["tree surgeons", "arborist", "tree surgery"]
        );
        assert_eq!(a.concepts[0].codes[0].code, "77211400");
        assert!(a.concepts[1].optional, "near is filler");
        assert_eq!(a.required().count(), 2);
    }

    #[test]
    fn a_one_way_line_expands_only_its_first_term() {
        let v = vocabulary("meals on wheels > meals delivered | housebound\t\tbuyers\n");
        let stats = Fixed { absent: vec![] };
        let a = analyse(&v, &stats, "meals on wheels").expect("analyse");
        assert_eq!(a.concepts.len(), 1);
        assert_eq!(texts(&a.concepts[0]).len(), 3);
        let a = analyse(&v, &stats, "housebound").expect("analyse");
        assert_eq!(texts(&a.concepts[0]), ["housebound"]);
    }

    #[test]
    fn words_naming_a_cpv_label_bring_its_code() {
        let v = vocabulary("a | b\t\tbuyers\n");
        let stats = Fixed { absent: vec![] };
        let a = analyse(&v, &stats, "tree-cutting").expect("analyse");
        assert_eq!(a.concepts.len(), 2, "{a:?}");
        let a = analyse(&v, &stats, "graffiti removal").expect("analyse");
        assert!(
            a.concepts.iter().all(|c| c.codes.is_empty()),
            "words apart name no code"
        );
    }

    #[test]
    fn a_typo_of_a_thesaurus_word_is_read_as_the_word() {
        let v = vocabulary("photovoltaic | solar pv | pv\t09331200\tbuyers\n");
        let stats = Fixed {
            absent: vec!["photovoltiac"],
        };
        let a = analyse(&v, &stats, "photovoltiac").expect("analyse");
        assert_eq!(
            texts(&a.concepts[0]),
            ["photovoltiac", "photovoltaic", "solar pv", "pv"]
        );
        assert!(a.concepts[0].fuzzy.is_some());
    }

    #[test]
    fn stop_words_are_dropped_but_it_support_is_a_phrase() {
        let v = vocabulary("it support | managed it services | helpdesk\t\tbuyers\n");
        let stats = Fixed { absent: vec![] };
        let a = analyse(&v, &stats, "IT support for the school").expect("analyse");
        let names: Vec<&str> = a.concepts.iter().map(|c| c.typed.as_str()).collect();
        assert_eq!(names, ["it support", "school"]);
    }

    #[test]
    fn only_a_near_ancestor_stands_in_for_a_code() {
        let v = vocabulary("a | b\t\tbuyers\n");
        assert_eq!(ancestor_prefix(&v, "85312320").as_deref(), Some("853123"));
        assert_eq!(ancestor_prefix(&v, "77211400").as_deref(), Some("77211"));
        assert_eq!(
            ancestor_prefix(&v, "98392000"),
            None,
            "its parent is a class"
        );
        assert_eq!(ancestor_prefix(&v, "77000000"), None);
    }
}
