//! Words as the index sees them: the two analyzers (raw: lower case; stemmed: English
//! Snowball stems) and the short word lists the query analysis and the CPV matcher share.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, TokenStream,
};

/// The raw tokenizer registered in every tantivy index: it tokenizes the fuzzy-match field,
/// and [`Analyzers`] rebuilds its pipeline (and `en_stem`'s; a test checks they agree).
pub(crate) const RAW_TOKENIZER: &str = "default";

/// Words that say nothing about what a supplier does.
pub(crate) const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of",
    "on", "or", "the", "to", "with", "we", "our", "us", "you", "your", "they", "their", "all",
    "any", "who", "which", "that", "this", "these", "those", "can", "will", "would", "should",
];

/// Words buyers add to a query that every supplier fits ("cleaning company", "IT provider"):
/// they rank, but a supplier need not say them to be found.
pub(crate) const FILLER_WORDS: &[&str] = &[
    "service",
    "services",
    "supplier",
    "suppliers",
    "supply",
    "provider",
    "providers",
    "provision",
    "contractor",
    "contractors",
    "company",
    "companies",
    "firm",
    "firms",
    "specialist",
    "specialists",
    "business",
    "businesses",
    "local",
    "near",
    "me",
    "ltd",
    "limited",
    "uk",
    // How buyers phrase a need rather than what they need.
    "need",
    "needs",
    "needed",
    "require",
    "requires",
    "required",
    "requirement",
    "requirements",
    "provide",
    "provides",
    "providing",
    "looking",
    "seeking",
    "want",
    "wanted",
    "please",
    "quote",
    "quotes",
    "tender",
    "tenders",
    "contract",
    "contracts",
    "framework",
    "able",
];

/// Words of CPV labels that do not distinguish one code from another ("Cleaning
/// services", "Joinery work").
pub(crate) const LABEL_FILLER: &[&str] = &[
    "service",
    "services",
    "work",
    "works",
    "other",
    "miscellaneous",
    "various",
    "related",
    "associated",
    "similar",
    "except",
];

pub(crate) fn is_stop(raw: &str) -> bool {
    STOP_WORDS.contains(&raw)
}

pub(crate) fn is_filler(raw: &str) -> bool {
    FILLER_WORDS.contains(&raw)
}

/// One word: lower-cased as typed, its stem, and its position in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub raw: String,
    pub stem: String,
    pub position: usize,
}

/// The raw and stemmed analyzers, built exactly as tantivy registers `default` and
/// `en_stem` (a test checks they agree with the index's own).
#[derive(Clone)]
pub(crate) struct Analyzers {
    pub raw: TextAnalyzer,
    pub stem: TextAnalyzer,
}

impl Default for Analyzers {
    fn default() -> Self {
        let raw = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .build();
        let stem = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build();
        Self { raw, stem }
    }
}

impl Analyzers {
    /// The words of `text`, at most `limit`. Both analyzers split identically (the stemmer
    /// only rewrites tokens), so their streams are zipped.
    pub(crate) fn tokens(&mut self, text: &str, limit: usize) -> Vec<Token> {
        let mut out = Vec::new();
        let mut raw = self.raw.token_stream(text);
        let mut stem = self.stem.token_stream(text);
        while let (Some(r), Some(s)) = (raw.next(), stem.next()) {
            out.push(Token {
                raw: r.text.clone(),
                stem: s.text.clone(),
                position: r.position,
            });
            if out.len() >= limit {
                break;
            }
        }
        out
    }
}

/// Optimal-string-alignment distance (a transposition costs 1, as in tantivy's fuzzy
/// term queries) is at most `max`.
pub(crate) fn within_distance(a: &str, b: &str, max: u8) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m] <= max
}

/// The edit distance a typed word may be off by: none for short words (too many
/// neighbours), one from five letters, two from nine.
pub(crate) fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_stems_and_positions() {
        let mut a = Analyzers::default();
        let t = a.tokens("Meals on Wheels, co-operative!", 10);
        let pairs: Vec<(&str, &str, usize)> = t
            .iter()
            .map(|t| (t.raw.as_str(), t.stem.as_str(), t.position))
            .collect();
        assert_eq!(
            pairs,
            [
                ("meals", "meal", 0),
                ("on", "on", 1),
                ("wheels", "wheel", 2),
                ("co", "co", 3),
                ("operative", "oper", 4)
            ]
        );
    }

    #[test]
    fn these_analyzers_split_and_stem_like_the_index() {
        let index = tantivy::Index::create_in_ram(tantivy::schema::Schema::builder().build());
        let mut ours = Analyzers::default();
        let text = "Arboricultural contractors: crown reductions, M&E, 3G pitches and Wi-Fi";
        for (name, mine) in [(RAW_TOKENIZER, &mut ours.raw), ("en_stem", &mut ours.stem)] {
            let mut theirs = index.tokenizers().get(name).expect("registered");
            let collect = |a: &mut TextAnalyzer| {
                let mut s = a.token_stream(text);
                let mut v = Vec::new();
                while let Some(t) = s.next() {
                    v.push((t.text.clone(), t.position));
                }
                v
            };
            assert_eq!(collect(mine), collect(&mut theirs), "{name}");
        }
    }

    #[test]
    fn a_transposition_is_one_edit() {
        assert!(within_distance("repiars", "repairs", 1));
        assert!(within_distance("photovoltiac", "photovoltaic", 1));
        assert!(!within_distance("acne", "acme", 0));
        assert!(within_distance("mantenanse", "maintenance", 2));
        assert_eq!(typo_distance("acne"), 0);
        assert_eq!(typo_distance("mowng"), 1);
        assert_eq!(typo_distance("scaffoldng"), 2);
    }
}
