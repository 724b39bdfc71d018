//! Tantivy queries from an analysed query and the filters of an [`IndexQuery`], and the
//! collector plan for what the inverted index cannot express.
//!
//! Ranking: each concept is a disjunction over every way of saying it (the buyer's words
//! and the thesaurus's, each in six weighted fields; phrases as phrases) plus the CPV
//! codes it names, and scores BM25 plus a coordination bonus in proportion to how telling
//! it is. A strict search requires every concept; a relaxed one requires concepts carrying
//! at least half the query's weight. The buyer's words standing together add a proximity
//! bonus.

use std::ops::Bound;

use domain::CpvCode;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery,
    Occur, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::analysis::{ancestor_prefix, Alternative, Analysed, Concept};
use crate::collector::{valid_on_plan, Plan};
use crate::coord::PlusConstQuery;
use crate::index::{Result, SearchError};
use crate::model::IndexQuery;
use crate::schema::{
    bigram, geo_cell_at, geo_cell_index, normalise_outcode, normalise_slug, skip_bigram, Fields,
    GEO_LEVELS,
};
use crate::vocabulary::Vocabulary;

/// A thesaurus synonym counts a little less than the buyer's own word.
const SYNONYM_FACTOR: f32 = 0.8;
/// The buyer's words scattered through a supplier's text count this much of them standing
/// together.
const SCATTERED_FACTOR: f32 = 0.5;
/// A declared CPV code the words name: BM25 over the declared codes, weighted about as
/// the same words in the keywords.
const CPV_CODE_BOOST: f32 = 1.5;
/// A declared parent of such a code counts this much of it, per unit of the code's idf.
const CPV_ANCESTOR_SCORE: f32 = 0.7;
/// Each way of saying a concept beyond the best one adds this share of its score.
const ALTERNATIVES_TIE_BREAKER: f32 = 0.3;
/// The coordination bonus of a matched concept, per unit of its weight.
const COORD_BOOST: f32 = 1.0;
/// A fuzzy match scores a constant, well under any exact match.
const FUZZY_SCORE: f32 = 0.25;
/// Words of a phrase one word apart ("solar PV panels" for "solar panels") count this
/// much of them standing next to each other.
const SKIP_FACTOR: f32 = 0.6;
/// The buyer's words standing together, when read as several concepts.
const PROXIMITY_BOOST: f32 = 0.5;
/// A relaxed search requires concepts carrying this share of the query's weight.
pub(crate) const RELAXED_COVERAGE: f32 = 0.5;
/// Most concepts whose combinations a relaxed search enumerates (2^n subsets); beyond, it
/// counts matched concepts instead.
const MAX_ENUMERATED: usize = 4;
/// Most grid cells a radius search unions (see [`GEO_LEVELS`]).
const MAX_CELLS: i64 = 16;

fn should(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Should, q)
}

fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, boost))
}

fn constant(q: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(q, score))
}

/// BM25 of one term (the text field weighs every part of a supplier's text at once).
pub(crate) fn word_in(field: Field, stem: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, stem),
        IndexRecordOption::WithFreqs,
    ))
}

/// Two stems next to each other, or one word apart (counting for less).
fn pair_in(field: Field, a: &str, b: &str) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![
        should(word_in(field, &bigram(a, b))),
        should(boosted(word_in(field, &skip_bigram(a, b)), SKIP_FACTOR)),
    ]))
}

/// A phrase: every pair of its consecutive stems.
fn phrase_in(field: Field, stems: &[String]) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        stems
            .windows(2)
            .map(|w| (Occur::Must, pair_in(field, &w[0], &w[1])))
            .collect(),
    ))
}

/// The ways one alternative is matched: a word; a phrase (a thesaurus term of several
/// words must stand together); and for the buyer's own words also the words anywhere in a
/// supplier's text, as a plain search finds them, counting for less than the phrase.
fn alternative_queries(f: &Fields, a: &Alternative) -> Vec<Box<dyn Query>> {
    let factor = if a.original { 1.0 } else { SYNONYM_FACTOR };
    if let [stem] = a.stems.as_slice() {
        return vec![boosted(word_in(f.text, stem), factor)];
    }
    let mut out = vec![boosted(phrase_in(f.shingles, &a.stems), factor)];
    let content: Vec<&String> = a.content().collect();
    if a.original && content.len() > 1 {
        let all_words = content
            .iter()
            .map(|stem| (Occur::Must, word_in(f.text, stem)))
            .collect();
        out.push(boosted(
            Box::new(BooleanQuery::new(all_words)),
            factor * SCATTERED_FACTOR,
        ));
    }
    out
}

/// What matching a concept of this weight adds to a supplier's score.
pub(crate) fn coordination_bonus(weight: f32) -> f32 {
    COORD_BOOST * weight
}

/// Every way of saying the concept in every field, the CPV codes it names, plus the
/// coordination bonus; a typo-tolerant match of the word beside it, without the bonus.
pub(crate) fn concept_query(f: &Fields, vocabulary: &Vocabulary, c: &Concept) -> Box<dyn Query> {
    // The best way of saying it counts fully, the others a little: nested synonyms
    // ("accessible vehicles" in "wheelchair accessible vehicles") must not count the same
    // words twice, but a supplier saying it several ways is more likely to mean it.
    let said: Vec<Box<dyn Query>> = c
        .alternatives
        .iter()
        .flat_map(|a| alternative_queries(f, a))
        .collect();
    let mut ways: Vec<(Occur, Box<dyn Query>)> = vec![should(Box::new(
        DisjunctionMaxQuery::with_tie_breaker(said, ALTERNATIVES_TIE_BREAKER),
    ))];
    for m in &c.codes {
        ways.push(should(boosted(
            word_in(f.cpv_tokens, &m.prefix),
            CPV_CODE_BOOST,
        )));
        if let Some(p) = ancestor_prefix(vocabulary, &m.code) {
            ways.push(should(constant(
                Box::new(TermQuery::new(
                    Term::from_field_text(f.cpv_code, &p),
                    IndexRecordOption::Basic,
                )),
                CPV_ANCESTOR_SCORE * m.idf,
            )));
        }
    }
    let matched: Box<dyn Query> = Box::new(PlusConstQuery::new(
        Box::new(BooleanQuery::new(ways)),
        coordination_bonus(c.weight),
    ));
    match &c.fuzzy {
        Some((raw, distance)) => Box::new(BooleanQuery::new(vec![
            should(matched),
            should(constant(
                Box::new(FuzzyTermQuery::new(
                    Term::from_field_text(f.all_raw, raw),
                    *distance,
                    true,
                )),
                FUZZY_SCORE,
            )),
        ])),
        None => matched,
    }
}

/// The bonus for the buyer's words standing together in a supplier's text, when they are
/// read as several concepts (one concept has its own phrase).
fn proximity_query(f: &Fields, a: &Analysed) -> Option<Box<dyn Query>> {
    if a.concepts.len() < 2 || a.proximity.len() < 2 {
        return None;
    }
    let pairs = a
        .proximity
        .windows(2)
        .map(|w| should(pair_in(f.shingles, &w[0].1, &w[1].1)))
        .collect();
    Some(boosted(Box::new(BooleanQuery::new(pairs)), PROXIMITY_BOOST))
}

/// How a search treats the words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Matching {
    /// Every concept (but filler) must match.
    Strict,
    /// Concepts carrying [`RELAXED_COVERAGE`] of the weight must match.
    Relaxed,
}

/// The scored part of a search: `None` when there are no words.
pub(crate) fn text_query(
    f: &Fields,
    vocabulary: &Vocabulary,
    a: &Analysed,
    matching: Matching,
) -> Option<Box<dyn Query>> {
    if a.is_empty() {
        return None;
    }
    let required: Vec<&Concept> = a.required().collect();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match matching {
        Matching::Strict => {
            for c in &a.concepts {
                let occur = if required.iter().any(|r| std::ptr::eq(*r, c)) {
                    Occur::Must
                } else {
                    Occur::Should
                };
                clauses.push((occur, concept_query(f, vocabulary, c)));
            }
        }
        Matching::Relaxed if required.len() > MAX_ENUMERATED => {
            // A pasted description: at least half the concepts some supplier matches, scored
            // in the same pass; words nobody uses (a description is full of them) and filler
            // only rank.
            let is_known = |c: &Concept| c.known && required.iter().any(|r| std::ptr::eq(*r, c));
            let known: Vec<Box<dyn Query>> = a
                .concepts
                .iter()
                .filter(|c| is_known(c))
                .map(|c| concept_query(f, vocabulary, c))
                .collect();
            let at_least = known.len().div_ceil(2).max(1);
            clauses.push((
                Occur::Must,
                Box::new(BooleanQuery::union_with_minimum_required_clauses(
                    known, at_least,
                )),
            ));
            for c in a.concepts.iter().filter(|c| !is_known(c)) {
                clauses.push(should(concept_query(f, vocabulary, c)));
            }
        }
        Matching::Relaxed => {
            clauses.push((
                Occur::Must,
                constant(relaxed_gate(f, vocabulary, &required), 0.0),
            ));
            for c in &a.concepts {
                clauses.push(should(concept_query(f, vocabulary, c)));
            }
        }
    }
    if let Some(p) = proximity_query(f, a) {
        clauses.push(should(p));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// Which suppliers a relaxed search of a short query (up to [`MAX_ENUMERATED`] concepts)
/// keeps: those whose matched concepts carry at least [`RELAXED_COVERAGE`] of the weight —
/// the union, over every smallest such set of concepts, of their intersection. A word no
/// supplier uses weighs most, so "submarine hull cleaning" keeps no cleaners.
fn relaxed_gate(f: &Fields, vocabulary: &Vocabulary, required: &[&Concept]) -> Box<dyn Query> {
    let concepts: Vec<&Concept> = required.to_vec();
    let total: f32 = concepts.iter().map(|c| c.weight).sum();
    let need = RELAXED_COVERAGE * total;
    let n = concepts.len();
    let mut sets: Vec<Box<dyn Query>> = Vec::new();
    for mask in 1u32..(1 << n) {
        let weight = |m: u32| -> f32 {
            (0..n)
                .filter(|i| m & (1 << i) != 0)
                .map(|i| concepts[i].weight)
                .sum()
        };
        if weight(mask) + f32::EPSILON < need {
            continue;
        }
        // Smallest: no member can be dropped.
        let minimal = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .all(|i| weight(mask & !(1 << i)) + f32::EPSILON < need);
        if !minimal {
            continue;
        }
        let all: Vec<(Occur, Box<dyn Query>)> = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| (Occur::Must, concept_query(f, vocabulary, concepts[i])))
            .collect();
        sets.push(Box::new(BooleanQuery::new(all)));
    }
    Box::new(BooleanQuery::new(sets.into_iter().map(should).collect()))
}

fn dedup(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = it.filter(|s| !s.is_empty()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn terms_query(field: Field, values: &[String]) -> Box<dyn Query> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = values
        .iter()
        .map(|v| {
            should(Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            )))
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

fn term(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn significant_of(code: &str) -> Result<String> {
    CpvCode::parse(code)
        .map(|c| c.significant_prefix().to_owned())
        .map_err(|_| SearchError::InvalidCpv(code.to_owned()))
}

/// The grid cells covering a bounding box, at the finest level where they are at most
/// [`MAX_CELLS`]; `None` when even the coarsest needs more (a radius so large that the
/// collector's own test is as cheap).
fn cells_query(
    f: &Fields,
    (lat_lo, lat_hi, lon_lo, lon_hi): (f64, f64, f64, f64),
) -> Option<Box<dyn Query>> {
    for level in 0..GEO_LEVELS.len() {
        let (row_lo, col_lo) = geo_cell_index(level, lat_lo, lon_lo);
        let (row_hi, col_hi) = geo_cell_index(level, lat_hi, lon_hi);
        let (rows, cols) = (row_lo..=row_hi, col_lo..=col_hi);
        let n = (rows.end() - rows.start() + 1) * (cols.end() - cols.start() + 1);
        if n > MAX_CELLS {
            continue;
        }
        let cells: Vec<String> = rows
            .flat_map(|r| cols.clone().map(move |c| geo_cell_at(level, r, c)))
            .collect();
        return Some(terms_query(f.geo_cell, &cells));
    }
    None
}

/// The whole query: the scored text part (if any) and every filter, with the collector's
/// plan. `all_filters_in_query` puts the disjunctive facet filters in the query (for
/// counting only).
pub(crate) fn build(
    f: &Fields,
    q: &IndexQuery,
    text: Option<Box<dyn Query>>,
    all_filters_in_query: bool,
) -> Result<(Box<dyn Query>, Plan)> {
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let filter = |q: Box<dyn Query>| -> (Occur, Box<dyn Query>) { (Occur::Must, constant(q, 0.0)) };
    if let Some(t) = text {
        must.push((Occur::Must, t));
    }
    let mut plan = Plan {
        sort: q.sort,
        ..Plan::default()
    };
    if let Some(code) = q.cpv.as_deref().filter(|c| !c.trim().is_empty()) {
        let sig = significant_of(code)?;
        must.push(filter(term(f.cpv_prefix, &sig)));
        plan.cpv_prefix = sig;
    }
    if let Some(code) = q.cpv_branch.as_deref().filter(|c| !c.trim().is_empty()) {
        // The code or a descendant (a declared code under its prefix), or an ancestor (a
        // declared code equal to one of its shorter prefixes).
        let sig = significant_of(code)?;
        let mut branch = vec![should(term(f.cpv_prefix, &sig))];
        for len in 2..sig.len() {
            branch.push(should(term(f.cpv_code, &sig[..len])));
        }
        must.push(filter(Box::new(BooleanQuery::new(branch))));
    }
    plan.near = q
        .near
        .filter(|(lat, lon)| lat.is_finite() && lon.is_finite());
    if let (Some((lat, lon)), Some(r)) = (plan.near, q.within_km) {
        let r = r.max(0.0);
        plan.within_km = Some(r);
        // A bounding box the collector tests from the cached coordinates before the exact
        // distance (cheaper than range queries over the columns).
        let dlat = r / 110.574 + 1e-6;
        let cos = lat.to_radians().cos().abs().max(1e-6);
        let dlon = (r / (111.320 * cos) + 1e-6).min(360.0);
        let bbox = (lat - dlat, lat + dlat, lon - dlon, lon + dlon);
        plan.bbox = Some(bbox);
        if let Some(cells) = cells_query(f, bbox) {
            must.push(filter(cells));
        }
    }
    if let Some(place) = q.serves.as_ref() {
        let (lat, lon) = place.centroid;
        if lat.is_finite() && lon.is_finite() {
            plan.serves = Some((normalise_outcode(&place.outcode), place.centroid));
        }
    }
    let kinds: Vec<String> = dedup(q.accreditations.iter().map(|s| normalise_slug(s)));
    for k in &kinds {
        must.push(filter(term(f.accreditation, k)));
    }
    if let Some(day) = q.accreditations_valid_on {
        plan.valid_on = Some(valid_on_plan(&kinds, day));
    }
    if let Some(min) = q.min_capacity_gbp {
        must.push(filter(Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_i64(f.max_value, min)),
            Bound::Unbounded,
        ))));
    }
    if let Some(value) = q.can_take_gbp {
        // Every supplier has the column ("not stated" is the largest value).
        must.push(filter(Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_i64(f.capacity, value)),
            Bound::Unbounded,
        ))));
    }
    if let Some(among) = &q.among {
        // One term-set lookup on the id field, however many ids (a market-depth count can
        // be thousands of suppliers); an empty set matches nothing.
        let terms = among.iter().map(|&id| Term::from_field_i64(f.id, id));
        must.push(filter(Box::new(TermSetQuery::new(terms))));
    }
    let outcodes: Vec<String> = dedup(q.outcodes.iter().map(|s| normalise_outcode(s)));
    if !outcodes.is_empty() {
        must.push(filter(terms_query(f.outcode, &outcodes)));
    }

    // Disjunctive facet filters.
    let legal: Vec<String> = dedup(q.legal_forms.iter().map(|s| normalise_slug(s)));
    let sizes: Vec<String> = dedup(q.sizes.iter().map(|s| normalise_slug(s)));
    if all_filters_in_query {
        if !legal.is_empty() {
            must.push(filter(terms_query(f.legal_form, &legal)));
        }
        if !sizes.is_empty() {
            must.push(filter(terms_query(f.size, &sizes)));
        }
        for (on, field) in [
            (q.verified_only, f.verified),
            (q.social_economy_only, f.social_economy),
        ] {
            if on {
                must.push(filter(Box::new(TermQuery::new(
                    Term::from_field_bool(field, true),
                    IndexRecordOption::Basic,
                ))));
            }
        }
    } else {
        // The collector evaluates them from the in-memory facet columns (a document may
        // fail at most one and still count, towards that facet's own counts): cheaper
        // than seeking their postings.
        plan.legal_forms = legal;
        plan.sizes = sizes;
        plan.verified_only = q.verified_only;
        plan.social_only = q.social_economy_only;
    }
    let query: Box<dyn Query> = if must.is_empty() {
        Box::new(AllQuery)
    } else {
        Box::new(BooleanQuery::new(must))
    };
    Ok((query, plan))
}
