//! Matching payees to registered suppliers.
//!
//! A wrong match is worse than a miss: it credits a local co-op with a multinational's
//! spend. So a payee is attached automatically only on strong evidence —
//!
//! 1. the buyer's own earlier decision (an alias, by payee name or creditor reference);
//! 2. an identifier printed in the file (org-id, company or charity number, VAT number);
//! 3. the normalised name or trading name equal to that of exactly one supplier, with
//!    legal-form words that do not contradict (`X Ltd` is not `X CIC`);
//! 4. a name shared by several suppliers, narrowed to one by the postcode, or a close
//!    name with the same full postcode.
//!
//! Everything else that resembles a supplier goes to review with its candidates, scored
//! by shared words weighted by their rarity in the registry (a shared `Preston` or
//! `Services` is not evidence; a shared `Eccleston` is a reason to look, never to
//! attach). The index is built once (hash maps from keys, identifiers and words to
//! suppliers), so each payee costs a few lookups whatever the size of the registry.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::names::{alias_key, is_redacted, unstripped_words, FormHints, NameKey, PayeeName};
use super::parse::PayeeIds;
use crate::registry::{parse_org_id, IdScheme, OrgIdentifier, SupplierSnapshot};
use crate::{Postcode, VatNumber};

/// How many candidates a review offers at most.
pub const MAX_CANDIDATES: usize = 5;

/// Lowest similarity worth showing the buyer as a candidate.
pub const REVIEW_THRESHOLD: f64 = 0.5;

/// What a buyer's remembered decision is keyed by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum AliasKey {
    /// [`alias_key`] of the payee name.
    Name(String),
    /// The council's own creditor or supplier reference.
    CreditorRef(String),
}

impl AliasKey {
    /// The name key for a payee as printed.
    #[must_use]
    pub fn for_payee(raw: &str) -> Self {
        Self::Name(alias_key(raw))
    }
}

/// What the buyer decided on the review screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum AliasDecision {
    /// This payee is this supplier.
    Confirmed { supplier_id: i64 },
    /// This payee is not this supplier (other candidates may still be offered).
    Rejected { supplier_id: i64 },
    /// This payee is no registered supplier: stop offering candidates.
    NotRegistered,
}

/// One remembered decision of a buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    pub key: AliasKey,
    pub decision: AliasDecision,
}

/// The evidence an automatic attachment rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMethod {
    /// The buyer confirmed this payee earlier.
    Alias,
    /// An identifier in the file is the supplier's.
    Identifier,
    /// The normalised name equals the supplier's registered name, and no other's.
    ExactName,
    /// The normalised name equals the supplier's trading name, and no other's.
    ExactTradingName,
    /// The name fits, and the postcode singles the supplier out.
    NamePostcode,
}

impl fmt::Display for MatchMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Alias => "confirmed by the buyer",
            Self::Identifier => "same identifier",
            Self::ExactName => "same name",
            Self::ExactTradingName => "same trading name",
            Self::NamePostcode => "name and postcode agree",
        })
    }
}

/// Why a supplier is offered for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The same name is registered by several suppliers.
    SharedName,
    /// Same name, but the legal-form words disagree (`X Ltd` and `X CIC`).
    OtherLegalForm,
    /// The payee's name was cut off and its start matches.
    TruncatedName,
    /// Similar names (shared rare words, small spelling differences).
    SimilarName,
    /// The identifier points at one supplier, the name at another.
    IdentifierConflict,
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SharedName => "several suppliers have this name",
            Self::OtherLegalForm => "same name, different legal form",
            Self::TruncatedName => "the name is cut off and its start matches",
            Self::SimilarName => "similar name",
            Self::IdentifierConflict => "the identifier and the name point at different suppliers",
        })
    }
}

/// A supplier offered for review.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub supplier_id: i64,
    /// 0 to 1; below any automatic attachment's confidence.
    pub confidence: f64,
    pub why: Evidence,
}

/// Why a payee is not matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedReason {
    /// A private person's name withheld by the council.
    Redacted,
    /// The row has no payee name (ledger rounding lines).
    NoName,
    /// No registered supplier resembles the payee.
    NoCandidate,
    /// The buyer said this payee is no registered supplier (or rejected every candidate).
    RejectedByBuyer,
    /// Too many suppliers share the name to offer them all.
    Ambiguous,
}

impl fmt::Display for UnmatchedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Redacted => "payee withheld (personal data)",
            Self::NoName => "no payee name",
            Self::NoCandidate => "no registered supplier resembles it",
            Self::RejectedByBuyer => "the buyer said it is not a registered supplier",
            Self::Ambiguous => "too many suppliers share the name",
        })
    }
}

/// Where a payee ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MatchOutcome {
    Attached {
        supplier_id: i64,
        confidence: f64,
        method: MatchMethod,
    },
    Review {
        /// Best first; never empty.
        candidates: Vec<Candidate>,
    },
    Unmatched {
        reason: UnmatchedReason,
    },
}

impl MatchOutcome {
    /// The supplier when attached.
    #[must_use]
    pub const fn attached(&self) -> Option<i64> {
        match self {
            Self::Attached { supplier_id, .. } => Some(*supplier_id),
            _ => None,
        }
    }
}

/// What the matcher keeps of a supplier.
#[derive(Debug, Clone)]
struct Entry {
    id: i64,
    postcode: Option<String>,
    outcode: Option<String>,
    /// Word ids of the name and trading name, deduplicated.
    words: Vec<u32>,
    /// The name and trading name's normalised words, for the character similarity.
    texts: Vec<String>,
    identifiers: Vec<OrgIdentifier>,
    /// Sum of the IDF of its words, set once the registry is indexed.
    weight: f64,
}

/// One registered key: which supplier, which of its names, with which legal-form words.
#[derive(Debug, Clone, Copy)]
struct KeyHit {
    supplier: u32,
    forms: FormHints,
    trading: bool,
}

/// Matches payees against a registry snapshot. Build once per analysis.
#[derive(Debug, Clone)]
pub struct Matcher {
    entries: Vec<Entry>,
    by_id: HashMap<i64, u32>,
    by_key: HashMap<String, Vec<KeyHit>>,
    /// Every name's words (legal-form words kept), sorted, for prefix lookups of
    /// cut-off names.
    sorted_names: Vec<(String, u32)>,
    by_identifier: HashMap<OrgIdentifier, u32>,
    by_vat: HashMap<String, u32>,
    /// Word → id; postings and document frequency per id.
    vocabulary: HashMap<String, u32>,
    postings: Vec<Vec<u32>>,
    /// The vocabulary sorted, for the words a cut-off last word may begin.
    sorted_vocabulary: Vec<(String, u32)>,
    /// Single-deletion variants → word ids, to find a word one typo away.
    deletions: HashMap<String, Vec<u32>>,
    aliases: HashMap<AliasKey, Vec<AliasDecision>>,
}

/// How many of the best candidates by shared words get the (costlier) character
/// comparison.
const SCORED_CANDIDATES: usize = 25;

/// Words shorter than this are not looked up with a typo allowance.
const MIN_TYPO_WORD: usize = 5;

/// Words longer than this are not looked up with a typo allowance either: no name has
/// such words, and the deletion variants of a word of n characters take n² of memory,
/// so a payee cell holding one long run of letters would exhaust it.
const MAX_TYPO_WORD: usize = 40;

/// True for a word that typo matching considers.
fn typo_sized(word: &str) -> bool {
    (MIN_TYPO_WORD..=MAX_TYPO_WORD).contains(&word.chars().count())
}

fn deletion_variants(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|skip| {
            chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| *c)
                .collect()
        })
        .collect()
}

fn index_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Matcher {
    /// Indexes the suppliers (pass those buyers may see, e.g. the
    /// [`SupplierSnapshot::is_searchable`] ones) and the buyer's aliases.
    #[must_use]
    pub fn new(suppliers: &[SupplierSnapshot], aliases: &[Alias]) -> Self {
        let mut m = Self {
            entries: Vec::with_capacity(suppliers.len()),
            by_id: HashMap::with_capacity(suppliers.len()),
            by_key: HashMap::with_capacity(suppliers.len() * 2),
            sorted_names: Vec::with_capacity(suppliers.len()),
            by_identifier: HashMap::new(),
            by_vat: HashMap::new(),
            vocabulary: HashMap::new(),
            postings: Vec::new(),
            sorted_vocabulary: Vec::new(),
            deletions: HashMap::new(),
            aliases: HashMap::new(),
        };
        for s in suppliers {
            m.add(s);
        }
        m.sorted_names.sort_unstable();
        let weights: Vec<f64> = m
            .entries
            .iter()
            .map(|e| e.words.iter().map(|&w| m.idf(w)).sum())
            .collect();
        for (entry, weight) in m.entries.iter_mut().zip(weights) {
            entry.weight = weight;
        }
        m.sorted_vocabulary = m
            .vocabulary
            .iter()
            .map(|(w, &id)| (w.clone(), id))
            .collect();
        m.sorted_vocabulary.sort_unstable();
        for (word, &id) in &m.vocabulary {
            if typo_sized(word) {
                for variant in deletion_variants(word) {
                    m.deletions.entry(variant).or_default().push(id);
                }
            }
        }
        for alias in aliases {
            m.aliases
                .entry(alias.key.clone())
                .or_default()
                .push(alias.decision);
        }
        m
    }

    fn add(&mut self, s: &SupplierSnapshot) {
        let index = index_u32(self.entries.len());
        let mut keys = vec![(NameKey::of(&s.name), false)];
        self.sorted_names.push((unstripped_words(&s.name), index));
        if !s.trading_name.trim().is_empty() {
            keys.push((NameKey::of(&s.trading_name), true));
            self.sorted_names
                .push((unstripped_words(&s.trading_name), index));
        }
        let mut words: Vec<u32> = Vec::new();
        let mut texts = Vec::new();
        for (key, trading) in keys.into_iter().filter(|(k, _)| !k.is_empty()) {
            let hits = self.by_key.entry(key.compact()).or_default();
            if !hits.iter().any(|h| h.supplier == index) {
                hits.push(KeyHit {
                    supplier: index,
                    forms: key.forms,
                    trading,
                });
            }
            for word in key.word_iter() {
                let next = index_u32(self.postings.len());
                let id = *self.vocabulary.entry(word.to_owned()).or_insert(next);
                if id == next {
                    self.postings.push(Vec::new());
                }
                if !words.contains(&id) {
                    words.push(id);
                    self.postings[id as usize].push(index);
                }
            }
            texts.push(key.words);
        }
        for identifier in &s.identifiers {
            self.by_identifier.insert(identifier.clone(), index);
        }
        if let Ok(vat) = VatNumber::parse(&s.vat_number) {
            self.by_vat.insert(vat.as_str().to_owned(), index);
        }
        self.by_id.insert(s.id, index);
        self.entries.push(Entry {
            id: s.id,
            postcode: s
                .postcode
                .as_deref()
                .and_then(|p| Postcode::parse(p).ok())
                .map(|p| p.as_str().to_owned()),
            outcode: s.outcode.as_ref().map(|o| o.trim().to_ascii_uppercase()),
            words,
            texts,
            identifiers: s.identifiers.clone(),
            weight: 0.0,
        });
    }

    /// Number of suppliers indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the registry is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Matches one payee as printed, with whatever identifiers the row carries.
    #[must_use]
    pub fn match_payee(&self, name: &str, ids: &PayeeIds) -> MatchOutcome {
        if is_redacted(name) {
            return MatchOutcome::Unmatched {
                reason: UnmatchedReason::Redacted,
            };
        }
        let mut rejected: HashSet<i64> = HashSet::new();
        let alias_keys = ids
            .supplier_ref
            .as_deref()
            .map(|r| AliasKey::CreditorRef(r.trim().to_owned()))
            .into_iter()
            .chain((!name.trim().is_empty()).then(|| AliasKey::for_payee(name)));
        for key in alias_keys {
            for decision in self.aliases.get(&key).into_iter().flatten() {
                match *decision {
                    AliasDecision::Confirmed { supplier_id }
                        if self.by_id.contains_key(&supplier_id) =>
                    {
                        return MatchOutcome::Attached {
                            supplier_id,
                            confidence: 1.0,
                            method: MatchMethod::Alias,
                        };
                    }
                    AliasDecision::Confirmed { .. } => {}
                    AliasDecision::Rejected { supplier_id } => {
                        rejected.insert(supplier_id);
                    }
                    AliasDecision::NotRegistered => {
                        return MatchOutcome::Unmatched {
                            reason: UnmatchedReason::RejectedByBuyer,
                        };
                    }
                }
            }
        }
        let by_identifier = self.identified(ids);
        let payee = PayeeName::parse(name);
        let name_outcome = if payee.legal.is_empty() && payee.trading.is_none() {
            None
        } else {
            Some(self.match_name(&payee, ids, &rejected))
        };
        match (by_identifier, name_outcome) {
            (Identified::One(index), name_outcome) => {
                let id = self.entries[index as usize].id;
                if rejected.contains(&id) {
                    return name_outcome.unwrap_or(MatchOutcome::Unmatched {
                        reason: UnmatchedReason::RejectedByBuyer,
                    });
                }
                MatchOutcome::Attached {
                    supplier_id: id,
                    confidence: 1.0,
                    method: MatchMethod::Identifier,
                }
            }
            (Identified::Several(indices), _) => MatchOutcome::Review {
                candidates: indices
                    .into_iter()
                    .take(MAX_CANDIDATES)
                    .map(|i| Candidate {
                        supplier_id: self.entries[i as usize].id,
                        confidence: 0.5,
                        why: Evidence::IdentifierConflict,
                    })
                    .collect(),
            },
            (
                Identified::Unknown(given),
                Some(MatchOutcome::Attached {
                    supplier_id,
                    confidence,
                    method,
                }),
            ) => {
                // The file's identifier belongs to no registered supplier: if the named
                // supplier has a different one of the same register, they are two bodies.
                let entry = &self.entries[self.by_id[&supplier_id] as usize];
                let conflict = given.iter().any(|g| {
                    entry
                        .identifiers
                        .iter()
                        .any(|e| e.scheme == g.scheme && e.id != g.id)
                });
                if conflict {
                    MatchOutcome::Review {
                        candidates: vec![Candidate {
                            supplier_id,
                            confidence: 0.5,
                            why: Evidence::IdentifierConflict,
                        }],
                    }
                } else {
                    MatchOutcome::Attached {
                        supplier_id,
                        confidence,
                        method,
                    }
                }
            }
            (_, Some(outcome)) => outcome,
            (_, None) => MatchOutcome::Unmatched {
                reason: UnmatchedReason::NoName,
            },
        }
    }

    fn identified(&self, ids: &PayeeIds) -> Identified {
        let mut given: Vec<OrgIdentifier> = Vec::new();
        if let Some(raw) = ids.identifier.as_deref() {
            given.extend(parse_org_id(raw).ok());
        }
        if let Some(raw) = ids.company_number.as_deref() {
            given.extend(OrgIdentifier::parse(IdScheme::GbCoh, raw).ok());
        }
        if let Some(raw) = ids.charity_number.as_deref() {
            given.extend(
                [IdScheme::GbChc, IdScheme::GbSc, IdScheme::GbNic]
                    .into_iter()
                    .find_map(|scheme| OrgIdentifier::parse(scheme, raw).ok()),
            );
        }
        let mut found: Vec<u32> = given
            .iter()
            .filter_map(|g| self.by_identifier.get(g).copied())
            .collect();
        if let Some(vat) = ids
            .vat_number
            .as_deref()
            .and_then(|v| VatNumber::parse(v).ok())
        {
            found.extend(self.by_vat.get(vat.as_str()).copied());
        }
        found.sort_unstable();
        found.dedup();
        match found.as_slice() {
            [] => Identified::Unknown(given),
            [one] => Identified::One(*one),
            _ => Identified::Several(found),
        }
    }

    fn match_name(
        &self,
        payee: &PayeeName,
        ids: &PayeeIds,
        rejected: &HashSet<i64>,
    ) -> MatchOutcome {
        let postcode = ids
            .postcode
            .as_deref()
            .and_then(|p| Postcode::parse(p).ok());
        let mut exact: Vec<(u32, MatchMethod)> = Vec::new();
        let mut other_form: Vec<u32> = Vec::new();
        for key in payee.keys() {
            for hit in self.by_key.get(&key.compact()).into_iter().flatten() {
                if rejected.contains(&self.entries[hit.supplier as usize].id) {
                    continue;
                }
                if hit.forms.compatible(key.forms) {
                    let method = if hit.trading {
                        MatchMethod::ExactTradingName
                    } else {
                        MatchMethod::ExactName
                    };
                    if !exact.iter().any(|(s, _)| *s == hit.supplier) {
                        exact.push((hit.supplier, method));
                    }
                } else if !other_form.contains(&hit.supplier) {
                    other_form.push(hit.supplier);
                }
            }
        }
        match exact.as_slice() {
            [(supplier, method)] => {
                return MatchOutcome::Attached {
                    supplier_id: self.entries[*supplier as usize].id,
                    confidence: if *method == MatchMethod::ExactName {
                        0.97
                    } else {
                        0.95
                    },
                    method: *method,
                };
            }
            [] => {}
            several => {
                let suppliers: Vec<u32> = several.iter().map(|(s, _)| *s).collect();
                if let Some(one) = self.single_by_postcode(&suppliers, postcode.as_ref()) {
                    return MatchOutcome::Attached {
                        supplier_id: self.entries[one as usize].id,
                        confidence: 0.95,
                        method: MatchMethod::NamePostcode,
                    };
                }
                if suppliers.len() > MAX_CANDIDATES {
                    return MatchOutcome::Unmatched {
                        reason: UnmatchedReason::Ambiguous,
                    };
                }
                return MatchOutcome::Review {
                    candidates: suppliers
                        .iter()
                        .map(|&s| Candidate {
                            supplier_id: self.entries[s as usize].id,
                            confidence: 0.8 / suppliers.len() as f64 + 0.1,
                            why: Evidence::SharedName,
                        })
                        .collect(),
                };
            }
        }
        let mut candidates: Vec<Candidate> = other_form
            .iter()
            .map(|&s| Candidate {
                supplier_id: self.entries[s as usize].id,
                confidence: 0.7,
                why: Evidence::OtherLegalForm,
            })
            .collect();
        if payee.may_be_cut {
            for s in self.prefixed(&payee.legal_words_unstripped) {
                if candidates
                    .iter()
                    .any(|c| c.supplier_id == self.entries[s as usize].id)
                {
                    continue;
                }
                push_candidate(
                    &mut candidates,
                    Candidate {
                        supplier_id: self.entries[s as usize].id,
                        confidence: 0.8,
                        why: Evidence::TruncatedName,
                    },
                );
            }
        }
        for (s, score) in self.similar(payee) {
            let entry = &self.entries[s as usize];
            // A supplier already offered on firmer evidence keeps that evidence.
            if rejected.contains(&entry.id) || candidates.iter().any(|c| c.supplier_id == entry.id)
            {
                continue;
            }
            let same_postcode = postcode
                .as_ref()
                .is_some_and(|p| entry.postcode.as_deref() == Some(p.as_str()));
            if same_postcode && score >= 0.75 {
                return MatchOutcome::Attached {
                    supplier_id: entry.id,
                    confidence: 0.9,
                    method: MatchMethod::NamePostcode,
                };
            }
            push_candidate(
                &mut candidates,
                Candidate {
                    supplier_id: entry.id,
                    confidence: (score * 0.85).min(0.85),
                    why: Evidence::SimilarName,
                },
            );
        }
        candidates.retain(|c| !rejected.contains(&c.supplier_id));
        candidates.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        candidates.truncate(MAX_CANDIDATES);
        if candidates.is_empty() {
            let reason = if rejected.is_empty() {
                UnmatchedReason::NoCandidate
            } else {
                UnmatchedReason::RejectedByBuyer
            };
            MatchOutcome::Unmatched { reason }
        } else {
            MatchOutcome::Review { candidates }
        }
    }

    /// The one supplier among `suppliers` at the payee's postcode (or, failing that,
    /// the one in its outcode).
    fn single_by_postcode(&self, suppliers: &[u32], postcode: Option<&Postcode>) -> Option<u32> {
        let postcode = postcode?;
        let outcode = postcode.outcode();
        let single = |pred: &dyn Fn(&Entry) -> bool| {
            let mut matching = suppliers
                .iter()
                .filter(|&&s| pred(&self.entries[s as usize]));
            match (matching.next(), matching.next()) {
                (Some(&one), None) => Some(one),
                _ => None,
            }
        };
        single(&|e| e.postcode.as_deref() == Some(postcode.as_str()))
            .or_else(|| single(&|e| e.outcode.as_deref() == Some(outcode.as_str())))
    }

    /// Suppliers whose name starts with the words of a cut-off payee name.
    fn prefixed(&self, words: &str) -> Vec<u32> {
        // Short stubs match too much to be worth a look.
        if words.chars().count() < 12 {
            return Vec::new();
        }
        let start = self
            .sorted_names
            .partition_point(|(n, _)| n.as_str() < words);
        let mut out: Vec<u32> = self.sorted_names[start..]
            .iter()
            .take_while(|(n, _)| n.starts_with(words))
            .filter(|(n, _)| n.len() > words.len())
            .map(|(_, s)| *s)
            .take(MAX_CANDIDATES + 1)
            .collect();
        out.dedup();
        out
    }

    /// The word ids a payee word may stand for: itself, or words one typo away (or,
    /// for the last word of a cut-off name, words it begins).
    fn word_matches(&self, word: &str, cut: bool) -> Vec<(u32, f64)> {
        if let Some(&id) = self.vocabulary.get(word) {
            return vec![(id, 1.0)];
        }
        let mut out: Vec<(u32, f64)> = Vec::new();
        if typo_sized(word) {
            let mut probe = deletion_variants(word);
            probe.push(word.to_owned());
            for variant in &probe {
                if let Some(&id) = self.vocabulary.get(variant.as_str()) {
                    out.push((id, 0.8));
                }
                for &id in self.deletions.get(variant.as_str()).into_iter().flatten() {
                    if !out.iter().any(|(o, _)| *o == id) {
                        out.push((id, 0.8));
                    }
                }
            }
        }
        if cut && word.chars().count() >= 3 && out.is_empty() {
            let start = self
                .sorted_vocabulary
                .partition_point(|(w, _)| w.as_str() < word);
            out.extend(
                self.sorted_vocabulary[start..]
                    .iter()
                    .take_while(|(w, _)| w.starts_with(word))
                    .take(50)
                    .map(|(_, id)| (*id, 0.8)),
            );
        }
        out
    }

    fn idf(&self, word: u32) -> f64 {
        let n = self.entries.len() as f64;
        let df = self.postings.get(word as usize).map_or(0, Vec::len) as f64;
        (1.0 + n / df.max(1.0)).ln()
    }

    /// Suppliers sharing rare words with the payee, with a similarity in 0..=1, best
    /// first: the share of both names' word weight (IDF) that the other covers, tempered
    /// by the character similarity of the whole names.
    fn similar(&self, payee: &PayeeName) -> Vec<(u32, f64)> {
        let n = self.entries.len().max(1) as f64;
        let unknown_weight = (1.0 + n).ln();
        // Each payee word: its weight and the registry words it may be.
        let mut payee_words: Vec<(f64, Vec<(u32, f64)>)> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        for key in payee.keys() {
            let words: Vec<&str> = key.word_iter().collect();
            for (i, word) in words.iter().enumerate() {
                let cut = payee.truncated && i + 1 == words.len();
                let matches = self.word_matches(word, cut);
                let weight = matches
                    .iter()
                    .map(|(id, _)| self.idf(*id))
                    .fold(None, |acc: Option<f64>, w| {
                        Some(acc.map_or(w, |a| a.min(w)))
                    })
                    .unwrap_or(unknown_weight);
                payee_words.push((weight, matches));
            }
            texts.push(key.words.clone());
        }
        let payee_weight: f64 = payee_words.iter().map(|(w, _)| w).sum();
        if payee_weight <= 0.0 {
            return Vec::new();
        }
        // Candidates come from the rarer words only: a word in more than 1 % of the
        // registry ("services", "community") finds too many to mean anything alone. Shared
        // weight is accumulated along the postings, so the cost is the postings' length,
        // not the registry's size.
        let common = (n * 0.01).max(50.0) as usize;
        let is_rare = |id: u32| self.postings[id as usize].len() <= common;
        // Per supplier: shared weight so far, the payee word that last added to it and
        // what it added (a payee word counts once, at its closest registry word).
        let mut shared: HashMap<u32, (f64, usize, f64)> = HashMap::new();
        for (i, (weight, matches)) in payee_words.iter().enumerate() {
            for &(id, closeness) in matches.iter().filter(|(id, _)| is_rare(*id)) {
                let gain = weight * closeness;
                for &s in &self.postings[id as usize] {
                    let slot = shared.entry(s).or_insert((0.0, usize::MAX, 0.0));
                    if slot.1 != i {
                        *slot = (slot.0 + gain, i, gain);
                    } else if gain > slot.2 {
                        *slot = (slot.0 + gain - slot.2, i, gain);
                    }
                }
            }
        }
        if shared.is_empty() {
            return Vec::new();
        }
        // Common words still count for the candidates the rare ones found.
        for (i, (weight, matches)) in payee_words.iter().enumerate() {
            let common_matches: Vec<(u32, f64)> = matches
                .iter()
                .copied()
                .filter(|(id, _)| !is_rare(*id))
                .collect();
            if common_matches.is_empty() {
                continue;
            }
            for (s, slot) in &mut shared {
                let words = &self.entries[*s as usize].words;
                let gain = common_matches
                    .iter()
                    .filter(|(id, _)| words.contains(id))
                    .map(|(_, closeness)| weight * closeness)
                    .fold(0.0, f64::max);
                if gain > 0.0 && slot.1 != i {
                    *slot = (slot.0 + gain, i, gain);
                } else if slot.1 == i && gain > slot.2 {
                    *slot = (slot.0 + gain - slot.2, i, gain);
                }
            }
        }
        let mut by_words: Vec<(u32, f64)> = shared
            .into_iter()
            .map(|(s, (weight, _, _))| {
                let entry = &self.entries[s as usize];
                let covered_payee = weight / payee_weight;
                let covered_supplier = (weight / entry.weight.max(f64::EPSILON)).min(1.0);
                (s, covered_payee.min(covered_supplier))
            })
            // Below this, even identical spelling could not lift the score to review.
            .filter(|(_, w)| 0.75 * w + 0.25 >= REVIEW_THRESHOLD)
            .collect();
        by_words.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        by_words.truncate(SCORED_CANDIDATES);
        let mut scored: Vec<(u32, f64)> = by_words
            .into_iter()
            .filter_map(|(s, words_score)| {
                let entry = &self.entries[s as usize];
                let chars = texts
                    .iter()
                    .flat_map(|t| entry.texts.iter().map(move |e| strsim::jaro_winkler(t, e)))
                    .fold(0.0, f64::max);
                let score = 0.75 * words_score + 0.25 * chars;
                (score >= REVIEW_THRESHOLD).then_some((s, score))
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(MAX_CANDIDATES);
        scored
    }
}

/// Remembers outcomes for payees already seen in a file: a council pays the same few
/// hundred payees thousands of times, so most rows are a hash lookup.
#[derive(Debug)]
pub struct MatchCache<'m> {
    matcher: &'m Matcher,
    seen: HashMap<(String, PayeeIds), MatchOutcome>,
}

impl<'m> MatchCache<'m> {
    /// Most payees remembered; past this the memory is cleared and filling starts again,
    /// so a file of any size keeps the cache bounded.
    pub const CAPACITY: usize = 100_000;

    /// An empty cache in front of `matcher`.
    #[must_use]
    pub fn new(matcher: &'m Matcher) -> Self {
        Self {
            matcher,
            seen: HashMap::new(),
        }
    }

    /// As [`Matcher::match_payee`], remembered.
    pub fn match_payee(&mut self, name: &str, ids: &PayeeIds) -> MatchOutcome {
        let key = (name.to_owned(), ids.clone());
        if let Some(outcome) = self.seen.get(&key) {
            return outcome.clone();
        }
        let outcome = self.matcher.match_payee(name, ids);
        if self.seen.len() >= Self::CAPACITY {
            self.seen.clear();
        }
        self.seen.insert(key, outcome.clone());
        outcome
    }
}

fn push_candidate(candidates: &mut Vec<Candidate>, candidate: Candidate) {
    match candidates
        .iter_mut()
        .find(|c| c.supplier_id == candidate.supplier_id)
    {
        Some(existing) if existing.confidence < candidate.confidence => *existing = candidate,
        Some(_) => {}
        None => candidates.push(candidate),
    }
}

enum Identified {
    /// No identifier in the file matched; these were given (and parsed).
    Unknown(Vec<OrgIdentifier>),
    One(u32),
    Several(Vec<u32>),
}

/// Payees not attached, grouped by normalised name: the biggest unknowns first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmatchedGroup {
    /// [`alias_key`] of the payee: the group's identity and the alias table's key.
    pub key: String,
    /// The payee as first printed.
    pub name: String,
    /// Whole pence.
    pub amount: i64,
    pub rows: u64,
    /// `None` when the payee awaits review; otherwise why it is unmatched.
    pub reason: Option<UnmatchedReason>,
}

/// Collects the payees that were not attached, grouped by normalised name.
#[derive(Debug, Clone, Default)]
pub struct UnmatchedGroups {
    groups: HashMap<String, UnmatchedGroup>,
}

impl UnmatchedGroups {
    /// Adds a payment whose payee was not attached (attached outcomes are ignored).
    pub fn add(&mut self, payee: &str, amount: i64, outcome: &MatchOutcome) {
        let reason = match outcome {
            MatchOutcome::Attached { .. } => return,
            MatchOutcome::Review { .. } => None,
            MatchOutcome::Unmatched { reason } => Some(*reason),
        };
        let key = if payee.trim().is_empty() {
            String::new()
        } else if reason == Some(UnmatchedReason::Redacted) {
            "(redacted)".to_owned()
        } else {
            alias_key(payee)
        };
        let group = self
            .groups
            .entry(key.clone())
            .or_insert_with(|| UnmatchedGroup {
                key,
                name: payee.trim().to_owned(),
                amount: 0,
                rows: 0,
                reason,
            });
        group.amount += amount;
        group.rows += 1;
    }

    /// The groups, largest amount first (then by name, so the order is stable).
    #[must_use]
    pub fn largest_first(self) -> Vec<UnmatchedGroup> {
        let mut groups: Vec<UnmatchedGroup> = self.groups.into_values().collect();
        groups.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.key.cmp(&b.key)));
        groups
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::registry::{LegalForm, SizeClass};

    pub(crate) fn supplier(id: i64, name: &str) -> SupplierSnapshot {
        SupplierSnapshot {
            id,
            name: name.to_owned(),
            legal_form: Some(LegalForm::PrivateLimitedCompany),
            size: Some(SizeClass::Micro),
            published: true,
            active: true,
            employees: Some(4),
            ..SupplierSnapshot::default()
        }
    }

    fn registry() -> Vec<SupplierSnapshot> {
        let mut s = vec![
            supplier(1, "Preston Leisure Services Ltd"),
            supplier(2, "Leisure in Preston CIC"),
            supplier(3, "Great Eccleston Community Group"),
            supplier(4, "Stanley Brothers (Tippers) Ltd"),
            supplier(5, "Ribble Valley Joinery Ltd"),
            supplier(6, "Ribble Valley Joinery Ltd"),
            supplier(7, "Acme CIC"),
            supplier(8, "Oxford Community Work Agency Ltd"),
            supplier(9, "J Smith"),
        ];
        s[4].postcode = Some("BB7 1AA".into());
        s[4].outcode = Some("BB7".into());
        s[5].postcode = Some("PR1 2HE".into());
        s[5].outcode = Some("PR1".into());
        s[8].trading_name = "Smith Plumbing".into();
        s[0].identifiers = vec![OrgIdentifier::parse(IdScheme::GbCoh, "01234567").expect("valid")];
        s[0].vat_number = "GB123456789".into();
        s
    }

    fn attached(outcome: &MatchOutcome) -> Option<i64> {
        outcome.attached()
    }

    fn none() -> PayeeIds {
        PayeeIds::default()
    }

    #[test]
    fn an_exact_normalised_name_unique_in_the_registry_attaches() {
        let m = Matcher::new(&registry(), &[]);
        assert_eq!(
            attached(&m.match_payee("STANLEY BROS TIPPERS LTD", &none())),
            Some(4)
        );
        assert_eq!(
            attached(&m.match_payee("preston leisure services limited", &none())),
            Some(1)
        );
        assert_eq!(
            attached(&m.match_payee("OXFORD COMMUNITY WORK AGENCY L", &none())),
            Some(8)
        );
    }

    #[test]
    fn a_payee_of_one_enormous_word_is_unmatched_quickly() {
        // A cell can hold up to 1 MiB. Typo matching made every deletion variant of
        // each payee word, n² bytes for a word of n letters: 900 MB and many seconds
        // for this 30 KB word, and out of memory for a longer one.
        let m = Matcher::new(&registry(), &[]);
        let payee = "stanley".repeat(4_300);
        let started = std::time::Instant::now();
        let outcome = m.match_payee(&payee, &none());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "matching took {:?}",
            started.elapsed()
        );
        assert!(
            matches!(outcome, MatchOutcome::Unmatched { .. }),
            "{outcome:?}"
        );
        // Typos in words of ordinary length are still forgiven: see
        // a_typo_finds_a_candidate_for_review_but_never_attaches.
    }

    #[test]
    fn a_trading_name_attaches_like_a_name() {
        let m = Matcher::new(&registry(), &[]);
        let outcome = m.match_payee("SMITH PLUMBING", &none());
        assert!(matches!(
            outcome,
            MatchOutcome::Attached {
                supplier_id: 9,
                method: MatchMethod::ExactTradingName,
                ..
            }
        ));
        assert_eq!(
            attached(&m.match_payee("J Smith T/A Smith Plumbing", &none())),
            Some(9)
        );
    }

    #[test]
    fn a_shared_word_is_not_evidence() {
        let m = Matcher::new(&registry(), &[]);
        let outcome = m.match_payee("Leisure in Preston CIC", &none());
        assert_eq!(attached(&outcome), Some(2));
        for payee in [
            "Great Eccleston Windows Ltd",
            "PRESTON LEISURE CENTRE",
            "LEISURE PRESTON LTD",
        ] {
            let outcome = m.match_payee(payee, &none());
            assert_eq!(attached(&outcome), None, "{payee}: {outcome:?}");
        }
    }

    #[test]
    fn a_cic_and_a_ltd_of_the_same_name_go_to_review() {
        let m = Matcher::new(&registry(), &[]);
        let MatchOutcome::Review { candidates } = m.match_payee("ACME LTD", &none()) else {
            panic!("review expected");
        };
        assert_eq!(candidates[0].supplier_id, 7);
        assert_eq!(candidates[0].why, Evidence::OtherLegalForm);
        assert_eq!(attached(&m.match_payee("ACME", &none())), Some(7));
    }

    #[test]
    fn a_name_two_suppliers_share_needs_the_postcode_or_review() {
        let m = Matcher::new(&registry(), &[]);
        let MatchOutcome::Review { candidates } = m.match_payee("RIBBLE VALLEY JOINERY", &none())
        else {
            panic!("review expected");
        };
        let mut ids: Vec<i64> = candidates.iter().map(|c| c.supplier_id).collect();
        ids.sort_unstable();
        assert_eq!(ids, [5, 6]);
        let ids = PayeeIds {
            postcode: Some("pr1 2he".into()),
            ..PayeeIds::default()
        };
        assert!(matches!(
            m.match_payee("RIBBLE VALLEY JOINERY", &ids),
            MatchOutcome::Attached {
                supplier_id: 6,
                method: MatchMethod::NamePostcode,
                ..
            }
        ));
    }

    #[test]
    fn an_identifier_attaches_whatever_the_name() {
        let m = Matcher::new(&registry(), &[]);
        for ids in [
            PayeeIds {
                company_number: Some("1234567".into()),
                ..PayeeIds::default()
            },
            PayeeIds {
                identifier: Some("GB-COH-01234567".into()),
                ..PayeeIds::default()
            },
            PayeeIds {
                vat_number: Some("123 4567 89".into()),
                ..PayeeIds::default()
            },
        ] {
            assert!(matches!(
                m.match_payee("PLS", &ids),
                MatchOutcome::Attached {
                    supplier_id: 1,
                    method: MatchMethod::Identifier,
                    ..
                }
            ));
        }
    }

    #[test]
    fn a_different_company_number_stops_a_name_match() {
        let m = Matcher::new(&registry(), &[]);
        let ids = PayeeIds {
            company_number: Some("07654321".into()),
            ..PayeeIds::default()
        };
        let outcome = m.match_payee("Preston Leisure Services Ltd", &ids);
        assert!(
            matches!(outcome, MatchOutcome::Review { .. }),
            "{outcome:?}"
        );
    }

    #[test]
    fn redacted_and_nameless_payees_are_never_matched() {
        let m = Matcher::new(&registry(), &[]);
        assert_eq!(
            m.match_payee("REDACTED PERSONAL DATA", &none()),
            MatchOutcome::Unmatched {
                reason: UnmatchedReason::Redacted
            }
        );
        assert_eq!(
            m.match_payee("", &none()),
            MatchOutcome::Unmatched {
                reason: UnmatchedReason::NoName
            }
        );
        assert_eq!(
            m.match_payee("Zebra Quantum Holdings", &none()),
            MatchOutcome::Unmatched {
                reason: UnmatchedReason::NoCandidate
            }
        );
    }

    #[test]
    fn a_typo_finds_a_candidate_for_review_but_never_attaches() {
        let m = Matcher::new(&registry(), &[]);
        let MatchOutcome::Review { candidates } =
            m.match_payee("STANELY BROTHERS TIPPERS", &none())
        else {
            panic!("review expected");
        };
        assert_eq!(candidates[0].supplier_id, 4);
        assert!(candidates[0].confidence < 0.9);
    }

    #[test]
    fn the_buyers_decisions_are_remembered() {
        let aliases = [
            Alias {
                key: AliasKey::for_payee("STANELY BROTHERS TIPPERS"),
                decision: AliasDecision::Confirmed { supplier_id: 4 },
            },
            Alias {
                key: AliasKey::for_payee("GREAT ECCLESTON WINDOWS"),
                decision: AliasDecision::NotRegistered,
            },
            Alias {
                key: AliasKey::CreditorRef("20015230".into()),
                decision: AliasDecision::Confirmed { supplier_id: 5 },
            },
            Alias {
                key: AliasKey::for_payee("RIBBLE VALLEY JOINERY"),
                decision: AliasDecision::Rejected { supplier_id: 5 },
            },
        ];
        let m = Matcher::new(&registry(), &aliases);
        assert!(matches!(
            m.match_payee("Stanely Brothers Tippers Ltd", &none()),
            MatchOutcome::Attached {
                supplier_id: 4,
                method: MatchMethod::Alias,
                ..
            }
        ));
        assert_eq!(
            m.match_payee("Great Eccleston Windows Ltd", &none()),
            MatchOutcome::Unmatched {
                reason: UnmatchedReason::RejectedByBuyer
            }
        );
        let by_ref = PayeeIds {
            supplier_ref: Some("20015230".into()),
            ..PayeeIds::default()
        };
        assert_eq!(attached(&m.match_payee("RVJ", &by_ref)), Some(5));
        // One of two namesakes rejected: the other is the only one left.
        assert_eq!(
            attached(&m.match_payee("RIBBLE VALLEY JOINERY", &none())),
            Some(6)
        );
    }

    #[test]
    fn the_cache_answers_like_the_matcher() {
        let m = Matcher::new(&registry(), &[]);
        let mut cache = MatchCache::new(&m);
        for payee in [
            "STANLEY BROS TIPPERS LTD",
            "ACME LTD",
            "Zebra",
            "STANLEY BROS TIPPERS LTD",
        ] {
            assert_eq!(
                cache.match_payee(payee, &none()),
                m.match_payee(payee, &none())
            );
        }
    }

    #[test]
    fn unmatched_payees_group_by_normalised_name_largest_first() {
        let mut groups = UnmatchedGroups::default();
        let none = MatchOutcome::Unmatched {
            reason: UnmatchedReason::NoCandidate,
        };
        groups.add("ZEBRA LTD", 1_000, &none);
        groups.add("Zebra Limited", 500, &none);
        groups.add("BIG CORP PLC", 2_000, &none);
        groups.add(
            "Attached Ltd",
            9_000,
            &MatchOutcome::Attached {
                supplier_id: 1,
                confidence: 1.0,
                method: MatchMethod::ExactName,
            },
        );
        let groups = groups.largest_first();
        assert_eq!(groups.len(), 2);
        assert_eq!(
            (groups[0].key.as_str(), groups[0].amount, groups[0].rows),
            ("big corp", 2_000, 1)
        );
        assert_eq!(
            (groups[1].name.as_str(), groups[1].amount, groups[1].rows),
            ("ZEBRA LTD", 1_500, 2)
        );
    }
}

#[cfg(test)]
mod labelled {
    //! Precision and recall on the labelled set in `testdata/matching.json`.

    use serde::Deserialize;

    use super::tests::supplier;
    use super::*;
    use crate::registry::LegalForm;

    #[derive(Deserialize)]
    struct Set {
        registry: Vec<Registered>,
        payees: Vec<Labelled>,
    }

    #[derive(Deserialize)]
    struct Registered {
        id: i64,
        name: String,
        trading_name: String,
        legal_form: LegalForm,
        postcode: String,
        company_number: String,
    }

    #[derive(Deserialize)]
    struct Labelled {
        payee: String,
        supplier_id: Option<i64>,
        #[serde(default)]
        company_number: Option<String>,
        #[serde(default)]
        postcode: Option<String>,
    }

    /// Counts for one way of reading the outcomes.
    #[derive(Debug, Default)]
    struct Score {
        /// Payees the matcher put forward (attached, or attached and reviewed).
        proposed: usize,
        /// Of those, how many had the right supplier (attached, or among the candidates).
        right: usize,
        /// Payees with a right answer in the registry.
        matchable: usize,
        /// Matchable payees whose supplier was found.
        found: usize,
    }

    impl Score {
        fn precision(&self) -> f64 {
            self.right as f64 / self.proposed.max(1) as f64
        }
        fn recall(&self) -> f64 {
            self.found as f64 / self.matchable.max(1) as f64
        }
    }

    fn snapshot(r: &Registered) -> SupplierSnapshot {
        let mut s = supplier(r.id, &r.name);
        s.trading_name.clone_from(&r.trading_name);
        s.legal_form = Some(r.legal_form);
        s.social_economy = r.legal_form.is_social_economy();
        if let Ok(p) = Postcode::parse(&r.postcode) {
            s.outcode = Some(p.outcode().to_string());
            s.postcode = Some(p.to_string());
        }
        if !r.company_number.is_empty() {
            s.identifiers = vec![
                OrgIdentifier::parse(IdScheme::GbCoh, &r.company_number).expect("valid number")
            ];
        }
        s
    }

    #[test]
    fn automatic_attachment_is_precise_and_finds_most_matchable_payees() {
        let set: Set =
            serde_json::from_str(include_str!("testdata/matching.json")).expect("valid set");
        let registry: Vec<SupplierSnapshot> = set.registry.iter().map(snapshot).collect();
        let matcher = Matcher::new(&registry, &[]);
        let (mut attach, mut surfaced) = (Score::default(), Score::default());
        let mut wrong = Vec::new();
        let mut missed = Vec::new();
        for p in &set.payees {
            let ids = PayeeIds {
                company_number: p.company_number.clone(),
                postcode: p.postcode.clone(),
                ..PayeeIds::default()
            };
            let outcome = matcher.match_payee(&p.payee, &ids);
            let offered: Vec<i64> = match &outcome {
                MatchOutcome::Attached { supplier_id, .. } => vec![*supplier_id],
                MatchOutcome::Review { candidates } => {
                    candidates.iter().map(|c| c.supplier_id).collect()
                }
                MatchOutcome::Unmatched { .. } => vec![],
            };
            let attached = outcome.attached();
            if p.supplier_id.is_some() {
                attach.matchable += 1;
                surfaced.matchable += 1;
            }
            if let Some(id) = attached {
                attach.proposed += 1;
                if p.supplier_id == Some(id) {
                    attach.right += 1;
                    attach.found += 1;
                } else {
                    wrong.push(format!(
                        "{:?} attached to {id}, labelled {:?}",
                        p.payee, p.supplier_id
                    ));
                }
            } else if p.supplier_id.is_some() {
                missed.push(format!("{:?} ({:?}) → {outcome:?}", p.payee, p.supplier_id));
            }
            if !offered.is_empty() {
                surfaced.proposed += 1;
                if p.supplier_id.is_some_and(|id| offered.contains(&id)) {
                    surfaced.right += 1;
                    surfaced.found += 1;
                }
            }
        }
        println!(
            "labelled set: {} payees, {} matchable",
            set.payees.len(),
            attach.matchable
        );
        println!(
            "automatic attachment: precision {:.3} ({}/{}), recall {:.3} ({}/{})",
            attach.precision(),
            attach.right,
            attach.proposed,
            attach.recall(),
            attach.found,
            attach.matchable
        );
        println!(
            "attach + review: precision {:.3} ({}/{}), recall {:.3} ({}/{})",
            surfaced.precision(),
            surfaced.right,
            surfaced.proposed,
            surfaced.recall(),
            surfaced.found,
            surfaced.matchable
        );
        for w in &wrong {
            println!("WRONG {w}");
        }
        for m in &missed {
            println!("not attached: {m}");
        }
        // A wrong match credits a local co-op with a multinational's spend: near zero.
        assert!(
            attach.precision() >= 0.98,
            "precision {:.3}",
            attach.precision()
        );
        assert!(attach.recall() >= 0.7, "recall {:.3}", attach.recall());
    }
}
