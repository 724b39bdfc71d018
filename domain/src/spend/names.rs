//! Payee names as councils print them, normalised for matching.
//!
//! The same supplier appears as `STANLEY BROS TIPPERS LTD` one year and `Stanley
//! Brothers (Tippers) Ltd` the next, as `(DD) Water Plus - 4206400451`, `J Smith T/A
//! Smith Plumbing`, `OXFORD COMMUNITY WORK AGENCY L` (cut at 30 characters) or `GREATER
//! MANCHESTER COMBINED AUTH...`. Normalising makes those spellings meet:
//!
//! - case, accents and punctuation go; `&` and `+` become `and`; apostrophes join
//!   (`Children's` → `childrens`); runs of single letters join (`C.I.C.` → `cic`);
//! - spellings are unified: `Bros` → `brothers`, `Co-op`/`Co-operative`/`Coop` →
//!   `cooperative`, `Svcs` → `services`, …;
//! - a leading `The` goes, and trailing legal-form words (`Ltd`, `Limited`, `PLC`, `LLP`,
//!   `CIC`, `CIO`, `Co-operative`, `Society`, …) are stripped but remembered as
//!   [`FormHints`], so `X Ltd` and `X CIC` are not taken for one another;
//! - payment references go: a `(DD)` prefix, ` - 4206400451` after a dash, `A/C 1234`;
//! - `T/A` / `trading as` gives two names, the legal and the trading one;
//! - `...` and a fragment of a cut-off legal word (`… AGENCY L`) mark truncation.

use serde::{Deserialize, Serialize};

/// Which kinds of legal-form word a name ended in, as bit flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FormHints(u8);

impl FormHints {
    /// `Ltd`, `Limited`, `PLC`, `LLP`, `Inc`.
    pub const COMPANY: Self = Self(1);
    /// `CIC`, `Community Interest Company`.
    pub const CIC: Self = Self(2);
    /// `Co-operative`, `Society`, `Community Benefit Society`.
    pub const MUTUAL: Self = Self(4);
    /// `CIO`, `Charitable Incorporated Organisation`.
    pub const CHARITY: Self = Self(8);

    /// No legal-form word.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when two names may be the same organisation as far as their legal-form words
    /// say: either says nothing, or they share a kind (`X Co-operative Ltd` and `X Ltd`).
    /// `X Ltd` and `X CIC` are two companies, often a charity and its trading arm.
    #[must_use]
    pub const fn compatible(self, other: Self) -> bool {
        self.is_empty() || other.is_empty() || self.0 & other.0 != 0
    }

    const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// A name reduced to the words that identify it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NameKey {
    /// Normalised words separated by single spaces, e.g. `stanley brothers tippers`.
    pub words: String,
    /// The legal-form words stripped from the end.
    pub forms: FormHints,
}

impl NameKey {
    /// The key of a registered name (no payment references to strip).
    #[must_use]
    pub fn of(name: &str) -> Self {
        let tokens = tokens(name);
        let (words, forms) = strip_forms(tokens);
        Self {
            words: words.join(" "),
            forms,
        }
    }

    /// The words without spaces: `Eco Build` and `Ecobuild` meet.
    #[must_use]
    pub fn compact(&self) -> String {
        self.words.replace(' ', "")
    }

    /// The individual words.
    pub fn word_iter(&self) -> impl Iterator<Item = &str> {
        self.words.split(' ').filter(|w| !w.is_empty())
    }

    /// True when nothing identifying is left.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// A payee as printed, reduced for matching.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayeeName {
    /// The legal name's key (before `T/A`).
    pub legal: NameKey,
    /// The trading name's key (after `T/A`), when there is one.
    pub trading: Option<NameKey>,
    /// A payment or account reference printed with the name (`4206400451`).
    pub reference: Option<String>,
    /// The name was cut off (`...`, or a fragment of a legal-form word at the end).
    pub truncated: bool,
    /// The name is as long as fixed-width ledgers cut names (28 characters or more), so
    /// it may be cut even without a sign of it.
    pub may_be_cut: bool,
    /// The legal name's words before legal-form words were stripped, for comparing the
    /// start of a cut-off name (`… ENERGY SOCIE`) with registered names.
    pub legal_words_unstripped: String,
}

impl PayeeName {
    /// Reads a payee as a council printed it.
    #[must_use]
    pub fn parse(raw: &str) -> Self {
        let mut s = raw.trim().to_owned();
        let mut truncated = false;
        for ellipsis in ["...", "\u{2026}", ".."] {
            if let Some(rest) = s.strip_suffix(ellipsis) {
                s = rest.trim_end().to_owned();
                truncated = true;
                break;
            }
        }
        let s = strip_payment_prefix(&s);
        let (s, reference) = strip_reference(s);
        let (legal, trading) = split_trading_as(&s);
        let mut legal_tokens = tokens(legal);
        // Fixed-width ledgers cut names at 30-40 characters, often inside "Limited".
        if raw.trim().chars().count() >= 24 || truncated {
            if let Some(last) = legal_tokens.last() {
                if legal_tokens.len() > 1 && is_cut_form_word(last) {
                    legal_tokens.pop();
                    truncated = true;
                }
            }
        }
        let legal_words_unstripped = legal_tokens.join(" ");
        let (words, forms) = strip_forms(legal_tokens);
        let trading = trading.map(NameKey::of).filter(|k| !k.is_empty());
        Self {
            legal: NameKey {
                words: words.join(" "),
                forms,
            },
            trading,
            reference,
            may_be_cut: truncated || raw.trim().chars().count() >= 28,
            truncated,
            legal_words_unstripped,
        }
    }

    /// The keys to look up: the legal name, then the trading name.
    pub fn keys(&self) -> impl Iterator<Item = &NameKey> {
        std::iter::once(&self.legal)
            .chain(self.trading.as_ref())
            .filter(|k| !k.is_empty())
    }
}

/// The key under which a buyer's decision about a payee is remembered: the payee's
/// normalised legal name, and ` t/a ` and the trading name when there is one. Stable
/// across the spellings normalisation joins, so a decision carries over to later files.
#[must_use]
pub fn alias_key(raw: &str) -> String {
    let payee = PayeeName::parse(raw);
    match &payee.trading {
        Some(t) => format!("{} t/a {}", payee.legal.words, t.words),
        None => payee.legal.words,
    }
}

/// A name's normalised words with its legal-form words kept (`the` and all): the form
/// a cut-off payee name is compared with.
#[must_use]
pub fn unstripped_words(name: &str) -> String {
    tokens(name).join(" ")
}

/// True for the placeholders councils print instead of a private person's name.
#[must_use]
pub fn is_redacted(payee: &str) -> bool {
    const CONTAINS: [&str; 12] = [
        "redacted",
        "personal data",
        "personal information",
        "personal details",
        "data protection",
        "withheld",
        "private individual",
        "not disclosed",
        "undisclosed",
        "name removed",
        "name suppressed",
        "individual payee",
    ];
    const EXACT: [&str; 8] = [
        "individual",
        "private",
        "confidential",
        "personal",
        "sensitive",
        "anonymised",
        "anonymous",
        "private person",
    ];
    let words: String = tokens(payee).join(" ");
    CONTAINS.iter().any(|p| words.contains(p)) || EXACT.contains(&words.as_str())
}

/// Folds the accented Latin letters found in UK names to ASCII.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ŵ' => 'w',
        'ŷ' => 'y',
        _ => c,
    }
}

/// Lowercase words with spelling unified and single letters joined.
fn tokens(name: &str) -> Vec<String> {
    let mut text = String::with_capacity(name.len() + 8);
    for c in name.chars().flat_map(char::to_lowercase).map(fold) {
        match c {
            '&' | '+' => text.push_str(" and "),
            '\'' | '\u{2019}' | '\u{2018}' | '`' => {}
            c if c.is_alphanumeric() => text.push(c),
            _ => text.push(' '),
        }
    }
    let mut out: Vec<String> = Vec::new();
    let mut letters = String::new();
    for word in text.split_whitespace() {
        let single_letter = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
        if single_letter {
            letters.push_str(word);
            continue;
        }
        if !letters.is_empty() {
            out.push(std::mem::take(&mut letters));
        }
        out.push(word.to_owned());
    }
    if !letters.is_empty() {
        out.push(letters);
    }
    unify_spelling(out)
}

/// One spelling for words councils abbreviate differently.
fn unify_spelling(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut iter = words.into_iter().peekable();
    while let Some(word) = iter.next() {
        // "co op", "co operative" (from "Co-op", "Co-operative").
        if word == "co" {
            if let Some(next) = iter.peek() {
                if matches!(next.as_str(), "op" | "operative" | "operatives" | "ops") {
                    iter.next();
                    out.push("cooperative".to_owned());
                    continue;
                }
            }
        }
        let unified = match word.as_str() {
            "coop" | "coops" | "cooperatives" => "cooperative",
            "bros" | "bro" => "brothers",
            "svcs" | "svc" | "srvs" | "servs" => "services",
            "assoc" | "assn" | "asscn" => "association",
            "mgmt" | "mgt" => "management",
            "intl" => "international",
            "grp" => "group",
            "soc" => "society",
            "dept" => "department",
            "univ" => "university",
            "center" => "centre",
            "engs" => "engineers",
            "eng" | "engg" => "engineering",
            "contr" | "contrs" => "contractors",
            "dev" => "development",
            "mkt" | "mkts" => "markets",
            "comm" => "community",
            "ctr" => "centre",
            "ltd" | "limited" | "ltd." => "ltd",
            _ => {
                out.push(word);
                continue;
            }
        };
        out.push(unified.to_owned());
    }
    out
}

/// Legal-form endings, longest first, with the kind each signals.
const FORM_ENDINGS: &[(&[&str], FormHints)] = &[
    (&["community", "interest", "company", "ltd"], FormHints::CIC),
    (&["community", "interest", "company"], FormHints::CIC),
    (
        &["charitable", "incorporated", "organisation"],
        FormHints::CHARITY,
    ),
    (&["community", "benefit", "society"], FormHints::MUTUAL),
    (
        &["industrial", "and", "provident", "society"],
        FormHints::MUTUAL,
    ),
    (&["public", "limited", "company"], FormHints::COMPANY),
    (&["limited", "liability", "partnership"], FormHints::COMPANY),
    (&["cooperative", "society"], FormHints::MUTUAL),
    (&["ltd"], FormHints::COMPANY),
    (&["plc"], FormHints::COMPANY),
    (&["llp"], FormHints::COMPANY),
    (&["lp"], FormHints::COMPANY),
    (&["inc"], FormHints::COMPANY),
    (&["llc"], FormHints::COMPANY),
    (&["cic"], FormHints::CIC),
    (&["cio"], FormHints::CHARITY),
    (&["cbs"], FormHints::MUTUAL),
    (&["cooperative"], FormHints::MUTUAL),
    (&["society"], FormHints::MUTUAL),
];

/// Strips a leading `the` and the legal-form words at the end, remembering their kind.
/// Nothing is stripped that would leave the name empty (`The Co-operative`).
fn strip_forms(mut words: Vec<String>) -> (Vec<String>, FormHints) {
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    let mut forms = FormHints::default();
    'strip: loop {
        for (ending, kind) in FORM_ENDINGS {
            let n = ending.len();
            if words.len() > n
                && words[words.len() - n..]
                    .iter()
                    .zip(ending.iter())
                    .all(|(w, e)| w == e)
            {
                words.truncate(words.len() - n);
                forms = forms.with(*kind);
                continue 'strip;
            }
        }
        break;
    }
    (words, forms)
}

/// A fragment of `Limited`/`Ltd`/`PLC`/`LLP` left by a fixed-width cut.
fn is_cut_form_word(word: &str) -> bool {
    matches!(
        word,
        "l" | "li" | "lim" | "limi" | "limit" | "limite" | "lt" | "pl" | "ll"
    )
}

/// Drops a payment-method prefix such as `(DD)`, `(BACS)` or `DD -`.
fn strip_payment_prefix(s: &str) -> &str {
    const METHODS: [&str; 9] = [
        "dd", "d/d", "bacs", "chaps", "so", "s/o", "fp", "chq", "cheque",
    ];
    let trimmed = s.trim_start();
    if let Some(rest) = trimmed.strip_prefix('(') {
        if let Some((inside, after)) = rest.split_once(')') {
            if METHODS.contains(&inside.trim().to_ascii_lowercase().as_str()) {
                return after.trim_start();
            }
        }
    }
    if let Some((head, rest)) = trimmed.split_once(['-', ':']) {
        if METHODS.contains(&head.trim().to_ascii_lowercase().as_str()) {
            return rest.trim_start();
        }
    }
    trimmed
}

/// Separates a payment or account reference from the name: ` - 4206400451`, `(A/C
/// 1234)`, `A/C NO 1234`, or a long number at the end. Numbers inside or at the start of
/// a name (`170 Community Project`, `Unit 4 Ltd`) stay.
fn strip_reference(s: &str) -> (String, Option<String>) {
    let has_digit = |t: &str| t.chars().any(|c| c.is_ascii_digit());
    // "Name - 4206400451", "Name - A/C 1234".
    if let Some(i) = s.rfind(" - ").or_else(|| s.rfind(" -")) {
        let (name, tail) = (&s[..i], s[i..].trim_start_matches([' ', '-']));
        if has_digit(tail) && !name.trim().is_empty() && tail.split_whitespace().count() <= 4 {
            return (name.trim().to_owned(), Some(clean_reference(tail)));
        }
    }
    // "Name (A/C 1234)" or "Name (Ref 55)".
    if let Some(open) = s.rfind('(') {
        let tail = &s[open..];
        if tail.ends_with(')') && has_digit(tail) && open > 0 {
            let inner = &tail[1..tail.len() - 1];
            return (s[..open].trim().to_owned(), Some(clean_reference(inner)));
        }
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    // "Name A/C 1234", "Name Acc No 1234", "Name Ref 1234".
    const MARKERS: [&str; 8] = [
        "a/c", "acc", "account", "ref", "ref:", "a/c:", "acct", "a/c no",
    ];
    if let Some(pos) = words
        .iter()
        .position(|w| MARKERS.contains(&w.to_ascii_lowercase().as_str()))
    {
        if pos > 0 && words[pos..].iter().any(|w| has_digit(w)) {
            return (
                words[..pos].join(" "),
                Some(clean_reference(&words[pos..].join(" "))),
            );
        }
    }
    // "EDF ENERGY 123456789": a long number at the end is an account, not a name.
    if let [head @ .., last] = words.as_slice() {
        let digits = last.chars().filter(char::is_ascii_digit).count();
        if !head.is_empty() && digits >= 6 && digits * 10 >= last.len() * 8 {
            return (head.join(" "), Some((*last).to_owned()));
        }
    }
    (s.trim().to_owned(), None)
}

fn clean_reference(tail: &str) -> String {
    let lower = tail.to_ascii_lowercase();
    let mut rest = tail.trim();
    for marker in [
        "a/c no",
        "a/c",
        "acc no",
        "account no",
        "account",
        "acct",
        "acc",
        "ref:",
        "ref",
        "no",
    ] {
        if lower.trim_start().starts_with(marker) {
            rest = rest[marker.len().min(rest.len())..].trim_start_matches([' ', ':', '.']);
            break;
        }
    }
    rest.trim().to_owned()
}

/// Splits `Legal T/A Trading` (also `t/as`, `trading as`, `t.a.`); the trading part is
/// `None` when there is none.
fn split_trading_as(s: &str) -> (&str, Option<&str>) {
    let lower = s.to_ascii_lowercase();
    for marker in [
        " t/a ",
        " t/as ",
        " t / a ",
        " trading as ",
        " t.a. ",
        " ta ",
        " t/a. ",
    ] {
        if let Some(i) = lower.find(marker) {
            let legal = s[..i].trim();
            let trading = s[i + marker.len()..].trim();
            if !legal.is_empty() && !trading.is_empty() {
                return (legal, Some(trading));
            }
        }
    }
    (s, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> String {
        PayeeName::parse(raw).legal.words
    }

    #[test]
    fn case_punctuation_and_legal_suffixes_do_not_matter() {
        for (raw, expected) in [
            ("ACME LTD", "acme"),
            ("Acme Limited", "acme"),
            ("Acme Ltd.", "acme"),
            ("ACME PLC", "acme"),
            ("Acme LLP", "acme"),
            ("Acme C.I.C.", "acme"),
            ("Acme CIC", "acme"),
            ("Acme Community Interest Company", "acme"),
            ("Acme CIO", "acme"),
            ("The Acme Group Ltd", "acme group"),
            ("THE ACME", "acme"),
            ("Acme Co-operative Ltd", "acme"),
            ("Acme Co-op", "acme"),
            ("Acme Cooperative", "acme"),
            ("ACME COOP", "acme"),
            ("Acme Co-operative Society Limited", "acme"),
            ("Acme Community Benefit Society", "acme"),
        ] {
            assert_eq!(key(raw), expected, "{raw}");
        }
    }

    #[test]
    fn the_legal_form_is_remembered_so_a_cic_is_not_a_ltd() {
        let ltd = PayeeName::parse("Acme Ltd").legal.forms;
        let cic = PayeeName::parse("Acme CIC").legal.forms;
        let coop_ltd = NameKey::of("Acme Co-operative Ltd").forms;
        let bare = PayeeName::parse("ACME").legal.forms;
        assert!(!ltd.compatible(cic));
        assert!(ltd.compatible(coop_ltd));
        assert!(bare.compatible(cic));
        assert!(!NameKey::of("Acme Co-op").forms.compatible(ltd));
    }

    #[test]
    fn ampersands_apostrophes_and_initials_are_unified() {
        assert_eq!(key("B&Q PLC"), "b and q");
        assert_eq!(key("B & Q"), "b and q");
        assert_eq!(key("Smith + Sons"), "smith and sons");
        assert_eq!(key("CHILDREN'S SOCIETY"), "childrens");
        assert_eq!(key("J.P. Morgan"), "jp morgan");
        assert_eq!(key("J P MORGAN"), "jp morgan");
        assert_eq!(key("Café Nero"), "cafe nero");
    }

    #[test]
    fn a_brothers_firm_spelt_two_ways_meets() {
        assert_eq!(key("STANLEY BROS TIPPERS LTD"), "stanley brothers tippers");
        assert_eq!(
            key("Stanley Brothers (Tippers) Ltd"),
            "stanley brothers tippers"
        );
    }

    #[test]
    fn references_after_a_dash_and_account_numbers_are_set_aside() {
        let p = PayeeName::parse("Water Plus - 4206400451");
        assert_eq!(p.legal.words, "water plus");
        assert_eq!(p.reference.as_deref(), Some("4206400451"));
        let p = PayeeName::parse("BRITISH GAS - A/C 8500 1234");
        assert_eq!(p.legal.words, "british gas");
        assert_eq!(p.reference.as_deref(), Some("8500 1234"));
        let p = PayeeName::parse("EDF ENERGY 671234567");
        assert_eq!(p.legal.words, "edf energy");
        let p = PayeeName::parse("Anglian Water (A/C 99887766)");
        assert_eq!(p.legal.words, "anglian water");
        assert_eq!(key("Coca-Cola Ltd"), "coca cola");
        assert_eq!(key("170 Community Project"), "170 community project");
        assert_eq!(
            key("Unit 4 Business Software Ltd"),
            "unit 4 business software"
        );
        assert_eq!(key("Rolls-Royce PLC"), "rolls royce");
    }

    #[test]
    fn payment_method_prefixes_go() {
        assert_eq!(key("(DD) Water Plus"), "water plus");
        assert_eq!(key("(BACS) ACME LTD"), "acme");
        assert_eq!(key("DD - Water Plus"), "water plus");
        assert_eq!(key("(Tippers) Ltd"), "tippers");
    }

    #[test]
    fn trading_as_gives_the_legal_and_the_trading_name() {
        for raw in [
            "J Smith T/A Smith Plumbing",
            "J SMITH T/A SMITH PLUMBING LTD",
            "J Smith trading as Smith Plumbing",
            "J Smith t/as Smith Plumbing",
        ] {
            let p = PayeeName::parse(raw);
            assert_eq!(p.legal.words, "j smith", "{raw}");
            assert_eq!(
                p.trading.map(|t| t.words).as_deref(),
                Some("smith plumbing"),
                "{raw}"
            );
        }
        assert_eq!(
            alias_key("J SMITH T/A SMITH PLUMBING"),
            "j smith t/a smith plumbing"
        );
        assert_eq!(PayeeName::parse("Tatas Ltd").trading, None);
    }

    #[test]
    fn truncation_is_noticed() {
        let p = PayeeName::parse("OXFORD COMMUNITY WORK AGENCY L");
        assert_eq!(p.legal.words, "oxford community work agency");
        assert!(p.truncated);
        let p = PayeeName::parse("GREATER MANCHESTER COMBINED AUTH...");
        assert_eq!(p.legal.words, "greater manchester combined auth");
        assert!(p.truncated);
        let p = PayeeName::parse("Smith Bros…");
        assert!(p.truncated);
        // A short name ending in a letter is an initial, not a cut.
        let p = PayeeName::parse("ACME L");
        assert!(!p.truncated);
        assert_eq!(p.legal.words, "acme l");
    }

    #[test]
    fn redacted_payees_are_recognised_and_real_names_are_not() {
        for raw in [
            "REDACTED PERSONAL DATA",
            "Personal Information",
            "Redacted",
            "Personal Data",
            "Withheld",
            "NAME WITHHELD",
            "Private Individual",
            "Individual",
            "Confidential",
            "Redacted - Personal Data",
            "Data Protection Act - name removed",
        ] {
            assert!(is_redacted(raw), "{raw}");
        }
        for raw in [
            "Confidential Shredding Ltd",
            "Private Hire Partners",
            "Acme Ltd",
            "",
        ] {
            assert!(!is_redacted(raw), "{raw}");
        }
    }

    #[test]
    fn eco_build_and_ecobuild_meet_in_the_compact_key() {
        assert_eq!(
            NameKey::of("Eco Build Ltd").compact(),
            NameKey::of("ECOBUILD").compact()
        );
    }

    #[test]
    fn a_name_of_only_legal_words_keeps_them() {
        assert_eq!(key("The Co-operative"), "cooperative");
        assert_eq!(key("Limited"), "ltd");
    }
}
