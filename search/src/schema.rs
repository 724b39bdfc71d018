//! The tantivy schema and the conversion of a [`SupplierDoc`] into a tantivy document.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};
use tantivy::tokenizer::TokenStream;
use tantivy::TantivyDocument;

use domain::registry::Capacity;

use crate::model::SupplierDoc;
use crate::tokens::{is_stop, Analyzers, LABEL_FILLER, RAW_TOKENIZER};
use crate::vocabulary::significant;

/// Field handles, resolved once.
#[derive(Clone, Debug)]
pub(crate) struct Fields {
    pub id: Field,
    pub doc_json: Field,
    /// Every searchable text as stems, each part repeated by its weight (name 3, trading
    /// name and keywords 2, CPV labels, statement and past contracts 1): one BM25 term
    /// scorer per word weighs every field at once (BM25F by repetition), where a field each
    /// would need six.
    pub text: Field,
    /// Pairs of consecutive stems (`solar_pv`) and of stems one word apart
    /// (`solar__panel`), weighted like `text`: a phrase is a few term lookups instead of a
    /// walk over positions.
    pub shingles: Field,
    /// Every searchable text, lower-cased but not stemmed: the target of fuzzy terms.
    pub all_raw: Field,
    pub cpv_prefix: Field,
    /// The significant digits of each declared code (not its prefixes): for "a declared
    /// code is an ancestor of this one".
    pub cpv_code: Field,
    /// The prefixes of every declared code as words, for BM25: a code the query names
    /// scores more for a supplier who declared few codes (a specialist) than for one
    /// declaring many.
    pub cpv_tokens: Field,
    pub legal_form: Field,
    pub size: Field,
    pub social_economy: Field,
    pub verified: Field,
    pub accreditation: Field,
    pub accred_exp: Field,
    pub lat: Field,
    pub lon: Field,
    pub outcode: Field,
    /// Grid cells holding the supplier's location, one per [`GEO_LEVELS`] level.
    pub geo_cell: Field,
    pub max_value: Field,
    /// The capacity rule's figure (`i64::MAX` when neither figure is stated).
    pub capacity: Field,
    /// Named service outcodes.
    pub service_outcode: Field,
    /// The service radius that applies (absent when only outcodes are named).
    pub service_radius: Field,
    pub updated_at: Field,
    pub name_sort: Field,
}

pub(crate) const F_CPV_PREFIX: &str = "cpv_prefix";
pub(crate) const F_LEGAL_FORM: &str = "legal_form";
pub(crate) const F_SIZE: &str = "size";
pub(crate) const F_SOCIAL: &str = "social_economy";
pub(crate) const F_VERIFIED: &str = "verified";
pub(crate) const F_ACCRED: &str = "accreditation";
pub(crate) const F_ACCRED_EXP: &str = "accred_exp";
pub(crate) const F_LAT: &str = "lat";
pub(crate) const F_LON: &str = "lon";
pub(crate) const F_UPDATED: &str = "updated_at";
pub(crate) const F_NAME_SORT: &str = "name_sort";
pub(crate) const F_ID: &str = "id";
pub(crate) const F_TEXT: &str = "text";
pub(crate) const F_SERVICE_OUTCODE: &str = "service_outcode";
pub(crate) const F_SERVICE_RADIUS: &str = "service_radius";
pub(crate) const F_CAPACITY: &str = "capacity";

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Stems and shingles are made once in `to_document`; tantivy only splits on spaces.
    let pre_analysed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PRE_ANALYSED_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let raw = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(RAW_TOKENIZER)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let keyword_fast = STRING | FAST;
    let fields = Fields {
        id: b.add_i64_field(F_ID, INDEXED | STORED | FAST),
        doc_json: b.add_bytes_field("doc_json", STORED),
        text: b.add_text_field(F_TEXT, pre_analysed.clone()),
        shingles: b.add_text_field("shingles", pre_analysed),
        all_raw: b.add_text_field("all_raw", raw),
        cpv_prefix: b.add_text_field(F_CPV_PREFIX, keyword_fast.clone()),
        cpv_code: b.add_text_field("cpv_code", STRING),
        cpv_tokens: b.add_text_field(
            "cpv_tokens",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(RAW_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        legal_form: b.add_text_field(F_LEGAL_FORM, keyword_fast.clone()),
        size: b.add_text_field(F_SIZE, keyword_fast.clone()),
        social_economy: b.add_bool_field(F_SOCIAL, INDEXED | FAST),
        verified: b.add_bool_field(F_VERIFIED, INDEXED | FAST),
        accreditation: b.add_text_field(F_ACCRED, keyword_fast.clone()),
        accred_exp: b.add_u64_field(F_ACCRED_EXP, FAST),
        lat: b.add_f64_field(F_LAT, NumericOptions::default().set_fast()),
        lon: b.add_f64_field(F_LON, NumericOptions::default().set_fast()),
        outcode: b.add_text_field("outcode", STRING),
        geo_cell: b.add_text_field("geo_cell", STRING),
        max_value: b.add_i64_field("max_contract_value_gbp", FAST),
        capacity: b.add_i64_field(F_CAPACITY, FAST),
        service_outcode: b.add_text_field(F_SERVICE_OUTCODE, keyword_fast.clone()),
        service_radius: b.add_f64_field(F_SERVICE_RADIUS, NumericOptions::default().set_fast()),
        updated_at: b.add_i64_field(F_UPDATED, FAST),
        name_sort: b.add_text_field(F_NAME_SORT, keyword_fast),
    };
    (b.build(), fields)
}

/// Cell sizes in degrees (latitude, longitude) of the location grid, finest
/// first; about 5.5, 22 and 88 km square at British latitudes. A radius search
/// narrows its candidates to the few cells its bounding box covers, at the
/// finest level where they are few, so the inverted index does the coarse work.
pub(crate) const GEO_LEVELS: [(f64, f64); 3] = [(0.05, 0.08), (0.2, 0.32), (0.8, 1.28)];

/// The `(row, column)` of the grid cell holding a point at `level`: the one
/// rule both indexing and radius queries use.
pub(crate) fn geo_cell_index(level: usize, lat: f64, lon: f64) -> (i64, i64) {
    let (dlat, dlon) = GEO_LEVELS[level];
    ((lat / dlat).floor() as i64, (lon / dlon).floor() as i64)
}

/// The term naming cell `(row, column)` at `level`.
pub(crate) fn geo_cell_at(level: usize, row: i64, col: i64) -> String {
    format!("{level}:{row}:{col}")
}

/// 32-bit FNV-1a: a stable, dependency-free hash naming an accreditation kind
/// inside the packed `accred_exp` column.
pub(crate) fn kind_hash(kind: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in kind.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Packs an accreditation as `kind_hash << 32 | expiry`, where a missing expiry
/// is `u32::MAX` and past-epoch days are offset so that the order is preserved.
pub(crate) fn pack_accreditation(kind: &str, expiry: Option<i32>) -> u64 {
    let exp = expiry.map_or(u32::MAX, day_key);
    (u64::from(kind_hash(kind)) << 32) | u64::from(exp)
}

pub(crate) fn day_key(day: i32) -> u32 {
    // Shift i32 into u32 monotonically and keep u32::MAX for "never expires".
    (day.wrapping_sub(i32::MIN) as u32).min(u32::MAX - 1)
}

pub(crate) fn normalise_slug(s: &str) -> String {
    s.trim().to_lowercase()
}

pub(crate) fn normalise_outcode(s: &str) -> String {
    s.trim().to_uppercase()
}

/// Sort key for names: case-insensitive, leading spaces ignored.
pub(crate) fn name_sort_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The text and shingle fields hold stems made by [`Analyzers`]: tantivy splits them on
/// spaces only.
pub(crate) const PRE_ANALYSED_TOKENIZER: &str = "whitespace";

/// How many times each part of a supplier's text counts in `text` and `shingles`.
const NAME_WEIGHT: usize = 3;
const TRADING_NAME_WEIGHT: usize = 2;
const KEYWORDS_WEIGHT: usize = 2;
const CPV_LABELS_WEIGHT: usize = 1;
const STATEMENT_WEIGHT: usize = 1;
const CONTRACTS_WEIGHT: usize = 1;

/// Joins two stems next to each other into a shingle (stems never hold `_`: the
/// tokenizer splits on it).
const NEXT_TO: &str = "_";
/// Joins two stems with one word between them.
const ONE_APART: &str = "__";

/// The shingle of two stems next to each other.
pub(crate) fn bigram(a: &str, b: &str) -> String {
    format!("{a}{NEXT_TO}{b}")
}

/// The shingle of two stems with one word between them.
pub(crate) fn skip_bigram(a: &str, b: &str) -> String {
    format!("{a}{ONE_APART}{b}")
}

/// Buffers reused from one text to the next, so indexing allocates per batch rather
/// than per word.
#[derive(Default)]
pub(crate) struct Scratch {
    stems: String,
    spans: Vec<(usize, usize, bool)>,
    text: String,
    shingles: String,
}

/// Adds one text's stems (stop words left out, and for CPV labels the words every label
/// has) and shingles (stop words kept: "meals on wheels"), `weight` times over. No shingle
/// spans two texts: a keyword's last word and the next keyword's first are no phrase.
fn add_text(
    an: &mut Analyzers,
    scratch: &mut Scratch,
    text: &str,
    weight: usize,
    label: bool,
    stems_out: &mut String,
    shingles_out: &mut String,
) {
    let Scratch {
        stems,
        spans,
        text: words,
        shingles,
    } = scratch;
    stems.clear();
    spans.clear();
    words.clear();
    shingles.clear();
    let mut raw = an.raw.token_stream(text);
    let mut stem = an.stem.token_stream(text);
    while let (Some(r), Some(t)) = (raw.next(), stem.next()) {
        let filler = is_stop(&r.text) || (label && LABEL_FILLER.contains(&r.text.as_str()));
        let start = stems.len();
        stems.push_str(&t.text);
        spans.push((start, stems.len(), filler));
    }
    for (i, &(start, end, filler)) in spans.iter().enumerate() {
        let a = &stems[start..end];
        if !filler {
            words.push_str(a);
            words.push(' ');
        }
        if let Some(&(s, e, _)) = spans.get(i + 1) {
            push_pair(shingles, a, NEXT_TO, &stems[s..e]);
        }
        // CPV labels are terse: their words one apart are not the same phrase.
        if let Some(&(s, e, _)) = spans.get(i + 2).filter(|_| !label) {
            push_pair(shingles, a, ONE_APART, &stems[s..e]);
        }
    }
    for _ in 0..weight {
        stems_out.push_str(words);
        shingles_out.push_str(shingles);
    }
}

fn push_pair(out: &mut String, a: &str, joint: &str, b: &str) {
    out.push_str(a);
    out.push_str(joint);
    out.push_str(b);
    out.push(' ');
}

pub(crate) fn to_document(
    f: &Fields,
    an: &mut Analyzers,
    scratch: &mut Scratch,
    doc: &SupplierDoc,
) -> serde_json::Result<TantivyDocument> {
    let mut d = TantivyDocument::default();
    let (mut stems, mut shingles) = (String::new(), String::new());
    let mut add = |text: &str, weight: usize, label: bool| {
        add_text(an, scratch, text, weight, label, &mut stems, &mut shingles);
    };
    add(&doc.name, NAME_WEIGHT, false);
    add(&doc.trading_name, TRADING_NAME_WEIGHT, false);
    for k in &doc.keywords {
        add(k, KEYWORDS_WEIGHT, false);
    }
    for l in &doc.cpv_labels {
        add(l, CPV_LABELS_WEIGHT, true);
    }
    add(&doc.capability_statement, STATEMENT_WEIGHT, false);
    add(&doc.contracts_text, CONTRACTS_WEIGHT, false);
    d.add_text(f.text, &stems);
    d.add_text(f.shingles, &shingles);
    d.add_i64(f.id, doc.id);
    d.add_bytes(f.doc_json, &serde_json::to_vec(doc)?);
    d.add_text(f.all_raw, &doc.name);
    d.add_text(f.all_raw, &doc.trading_name);
    d.add_text(f.all_raw, &doc.capability_statement);
    d.add_text(f.all_raw, &doc.contracts_text);
    for k in &doc.keywords {
        d.add_text(f.all_raw, k);
    }
    for l in &doc.cpv_labels {
        d.add_text(f.all_raw, l);
    }
    let mut declared: Vec<String> = doc.cpv.iter().filter_map(|c| significant(c)).collect();
    declared.sort_unstable();
    declared.dedup();
    let mut prefixes: Vec<&str> = Vec::new();
    let mut tokens = String::new();
    for sig in &declared {
        for len in 2..=sig.len() {
            prefixes.push(&sig[..len]);
            tokens.push_str(&sig[..len]);
            tokens.push(' ');
        }
        d.add_text(f.cpv_code, sig);
    }
    d.add_text(f.cpv_tokens, &tokens);
    prefixes.sort_unstable();
    prefixes.dedup();
    for p in prefixes {
        d.add_text(f.cpv_prefix, p);
    }
    if !doc.legal_form.trim().is_empty() {
        d.add_text(f.legal_form, normalise_slug(&doc.legal_form));
    }
    if let Some(size) = doc.size.as_deref().filter(|s| !s.trim().is_empty()) {
        d.add_text(f.size, normalise_slug(size));
    }
    d.add_bool(f.social_economy, doc.social_economy);
    d.add_bool(f.verified, doc.verified);
    let mut kinds: Vec<String> = Vec::new();
    for (kind, expiry) in &doc.accreditations {
        let kind = normalise_slug(kind);
        d.add_u64(f.accred_exp, pack_accreditation(&kind, *expiry));
        kinds.push(kind);
    }
    kinds.sort_unstable();
    kinds.dedup();
    for k in kinds {
        d.add_text(f.accreditation, k);
    }
    if let (Some(lat), Some(lon)) = (doc.lat, doc.lon) {
        if lat.is_finite() && lon.is_finite() {
            d.add_f64(f.lat, lat);
            d.add_f64(f.lon, lon);
            for level in 0..GEO_LEVELS.len() {
                let (row, col) = geo_cell_index(level, lat, lon);
                d.add_text(f.geo_cell, geo_cell_at(level, row, col));
            }
        }
    }
    if let Some(oc) = doc.outcode.as_deref().filter(|s| !s.trim().is_empty()) {
        d.add_text(f.outcode, normalise_outcode(oc));
    }
    if let Some(v) = doc.max_contract_value_gbp {
        d.add_i64(f.max_value, v);
    }
    d.add_i64(f.capacity, capacity_key(doc.capacity()));
    let mut service: Vec<String> = doc
        .service_outcodes
        .iter()
        .map(|o| normalise_outcode(o))
        .filter(|o| !o.is_empty())
        .collect();
    service.sort_unstable();
    service.dedup();
    for o in service {
        d.add_text(f.service_outcode, o);
    }
    if let Some((_, r)) = doc.service_area().reach() {
        d.add_f64(f.service_radius, r);
    }
    d.add_i64(f.updated_at, doc.updated_at);
    d.add_text(f.name_sort, name_sort_key(&doc.name));
    Ok(d)
}

/// The capacity as one comparable number: "not stated" takes any value.
pub(crate) fn capacity_key(c: Capacity) -> i64 {
    c.limit()
        .map_or(i64::MAX, |g| i64::try_from(g.pounds()).unwrap_or(i64::MAX))
}
