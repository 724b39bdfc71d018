//! One pass over the matching documents that applies the filters the inverted
//! index cannot express (exact radius, accreditation validity, disjunctive
//! facet filters), counts facets from fast fields and keeps the top-k.
//! Stored documents are never touched here.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use domain::haversine_km;

use crate::facet_cache::{FacetCache, SegFacets, NONE, SOCIAL, VERIFIED};
use crate::model::SortOrder;
use crate::schema::{
    day_key, kind_hash, F_ACCRED, F_ACCRED_EXP, F_CPV_PREFIX, F_LEGAL_FORM, F_NAME_SORT,
    F_SERVICE_OUTCODE, F_SIZE,
};

/// Bits naming the disjunctive facet filters in a "failed filters" mask.
pub(crate) const FAIL_LEGAL: u8 = 1;
pub(crate) const FAIL_SIZE: u8 = 2;
pub(crate) const FAIL_VERIFIED: u8 = 4;
pub(crate) const FAIL_SOCIAL: u8 = 8;

/// What the collector must do, shared by every segment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    pub sort: SortOrder,
    /// offset + limit; 0 means "count only".
    pub top_k: usize,
    pub facets: bool,
    pub near: Option<(f64, f64)>,
    pub within_km: Option<f64>,
    /// The radius's bounding box `(lat_lo, lat_hi, lon_lo, lon_hi)`: a cheap test
    /// before the exact distance.
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// Disjunctive facet filters, evaluated here (not in the query).
    pub legal_forms: Vec<String>,
    pub sizes: Vec<String>,
    pub verified_only: bool,
    pub social_only: bool,
    /// Accreditation validity: kinds (may be empty = any) valid on this day key.
    pub valid_on: Option<(Vec<u32>, u32)>,
    /// The CPV filter's significant prefix ("" when none), for the children facet.
    pub cpv_prefix: String,
    /// Only suppliers serving this place: `(outcode, centroid)`.
    pub serves: Option<(String, (f64, f64))>,
}

impl Plan {
    fn active_mask(&self) -> u8 {
        let mut m = 0;
        if !self.legal_forms.is_empty() {
            m |= FAIL_LEGAL;
        }
        if !self.sizes.is_empty() {
            m |= FAIL_SIZE;
        }
        if self.verified_only {
            m |= FAIL_VERIFIED;
        }
        if self.social_only {
            m |= FAIL_SOCIAL;
        }
        m
    }
}

/// A kept document; `key` is "smaller is better", and equal keys are ordered by the
/// supplier's id so that equal suppliers keep their order whatever segment they sit in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cand {
    pub key: f64,
    pub id: i64,
    pub doc: DocAddress,
    pub score: Score,
    pub distance_km: Option<f64>,
}

impl PartialEq for Cand {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cand {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .total_cmp(&other.key)
            .then(self.id.cmp(&other.id))
            .then(self.doc.segment_ord.cmp(&other.doc.segment_ord))
            .then(self.doc.doc_id.cmp(&other.doc.doc_id))
    }
}

/// A candidate after harvest; names resolved for the name sort.
#[derive(Clone, Debug)]
pub(crate) struct Ranked {
    pub cand: Cand,
    pub name_key: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Fruit {
    pub total: u64,
    pub top: Vec<Ranked>,
    pub legal_form: HashMap<String, u64>,
    pub size: HashMap<String, u64>,
    pub accreditations: HashMap<String, u64>,
    pub verified: [u64; 2],
    pub social: [u64; 2],
    pub cpv_prefix: HashMap<String, u64>,
}

pub(crate) struct SupplierCollector {
    pub plan: Arc<Plan>,
    pub scoring: bool,
    pub cache: Arc<FacetCache>,
}

/// A table "ordinal → accepted" for an OR filter on a string column.
fn accepted_ords(col: Option<&StrColumn>, values: &[String]) -> tantivy::Result<Vec<bool>> {
    let mut out = vec![false; col.map_or(0, |c| c.num_terms())];
    if let Some(col) = col {
        for v in values {
            if let Some(o) = col.dictionary().term_ord(v.as_bytes())? {
                out[o as usize] = true;
            }
        }
    }
    Ok(out)
}

fn accepts(table: &[bool], ord: u32) -> bool {
    ord != NONE && table.get(ord as usize).copied().unwrap_or(false)
}

fn count_vec(col: Option<&StrColumn>, facets: bool) -> Vec<u32> {
    match col {
        Some(c) if facets => vec![0; c.num_terms()],
        _ => Vec::new(),
    }
}

impl Collector for SupplierCollector {
    type Fruit = Fruit;
    type Child = SupplierSegmentCollector;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let ff = reader.fast_fields();
        let plan = Arc::clone(&self.plan);
        let legal = ff.str(F_LEGAL_FORM)?;
        let size = ff.str(F_SIZE)?;
        let accred = ff.str(F_ACCRED)?;
        let cpv = ff.str(F_CPV_PREFIX)?;
        let name_sort = if plan.sort == SortOrder::Name {
            ff.str(F_NAME_SORT)?
        } else {
            None
        };
        let accred_exp = if plan.valid_on.is_some() {
            Some(ff.u64(F_ACCRED_EXP)?)
        } else {
            None
        };
        // Map kind hashes back to this segment's accreditation ordinals, so the
        // facet can count only accreditations valid on the requested day.
        let mut hash_to_ord = HashMap::new();
        if let (Some(col), Some(_)) = (accred.as_ref(), plan.valid_on.as_ref()) {
            let mut s = String::new();
            for ord in 0..col.num_terms() as u64 {
                if col.ord_to_str(ord, &mut s)? {
                    hash_to_ord.insert(kind_hash(&s), ord);
                }
            }
        }
        let legal_ok = accepted_ords(legal.as_ref(), &plan.legal_forms)?;
        let size_ok = accepted_ords(size.as_ref(), &plan.sizes)?;
        let facets = plan.facets;
        let seg = self.cache.get(reader)?;
        // The delivery outcode's ordinal in this segment's service outcodes (if any
        // supplier here names it).
        let mut serves_ord = None;
        let service_outcodes = if let Some((outcode, _)) = plan.serves.as_ref() {
            let col = ff.str(F_SERVICE_OUTCODE)?;
            if let Some(c) = col.as_ref() {
                serves_ord = c.dictionary().term_ord(outcode.as_bytes())?;
            }
            col
        } else {
            None
        };
        Ok(SupplierSegmentCollector {
            segment_ord,
            active: plan.active_mask(),
            legal_counts: count_vec(legal.as_ref(), facets),
            size_counts: count_vec(size.as_ref(), facets),
            accred_counts: count_vec(accred.as_ref(), facets),
            cpv_counts: count_vec(cpv.as_ref(), facets),
            legal,
            size,
            accred,
            cpv,
            name_sort,
            seg,
            accred_exp,
            hash_to_ord,
            legal_ok,
            size_ok,
            verified_counts: [0; 2],
            social_counts: [0; 2],
            total: 0,
            heap: BinaryHeap::new(),
            scoring: self.scoring,
            plan,
            valid_buf: Vec::new(),
            valid_hashes: Vec::new(),
            service_outcodes,
            serves_ord,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut out = Fruit::default();
        let mut all = Vec::new();
        for f in fruits {
            out.total += f.total;
            all.extend(f.top);
            for (k, v) in f.legal_form {
                *out.legal_form.entry(k).or_default() += v;
            }
            for (k, v) in f.size {
                *out.size.entry(k).or_default() += v;
            }
            for (k, v) in f.accreditations {
                *out.accreditations.entry(k).or_default() += v;
            }
            for (k, v) in f.cpv_prefix {
                *out.cpv_prefix.entry(k).or_default() += v;
            }
            for i in 0..2 {
                out.verified[i] += f.verified[i];
                out.social[i] += f.social[i];
            }
        }
        if self.plan.sort == SortOrder::Name {
            all.sort_by(|a, b| a.name_key.cmp(&b.name_key).then(a.cand.id.cmp(&b.cand.id)));
        } else {
            all.sort_by_key(|a| a.cand);
        }
        all.truncate(self.plan.top_k);
        out.top = all;
        Ok(out)
    }
}

pub(crate) struct SupplierSegmentCollector {
    plan: Arc<Plan>,
    segment_ord: SegmentOrdinal,
    scoring: bool,
    active: u8,
    legal: Option<StrColumn>,
    size: Option<StrColumn>,
    accred: Option<StrColumn>,
    cpv: Option<StrColumn>,
    name_sort: Option<StrColumn>,
    seg: Arc<SegFacets>,
    accred_exp: Option<Column<u64>>,
    hash_to_ord: HashMap<u32, u64>,
    legal_ok: Vec<bool>,
    size_ok: Vec<bool>,
    legal_counts: Vec<u32>,
    size_counts: Vec<u32>,
    accred_counts: Vec<u32>,
    cpv_counts: Vec<u32>,
    verified_counts: [u64; 2],
    social_counts: [u64; 2],
    total: u64,
    heap: BinaryHeap<Cand>,
    valid_buf: Vec<u64>,
    valid_hashes: Vec<u32>,
    service_outcodes: Option<StrColumn>,
    serves_ord: Option<u64>,
}

impl SupplierSegmentCollector {
    /// `ServiceArea::serves` from the cached columns: a named service outcode, or the
    /// centroids within the radius that applies (stored per supplier at indexing).
    fn serves(&self, doc: DocId) -> bool {
        let Some((_, centroid)) = self.plan.serves.as_ref() else {
            return true;
        };
        if let (Some(col), Some(ord)) = (self.service_outcodes.as_ref(), self.serves_ord) {
            if col.term_ords(doc).any(|o| o == ord) {
                return true;
            }
        }
        let d = doc as usize;
        let (lat, lon, radius) = (self.seg.lat[d], self.seg.lon[d], self.seg.radius[d]);
        if lat.is_nan() || lon.is_nan() || radius.is_nan() {
            return false;
        }
        haversine_km(lat, lon, centroid.0, centroid.1) <= radius
    }

    /// Accreditation validity; fills `valid_buf` with the valid kinds' ordinals.
    fn accreditations_valid(&mut self, doc: DocId) -> bool {
        let (Some(col), Some((kinds, day))) =
            (self.accred_exp.as_ref(), self.plan.valid_on.as_ref())
        else {
            return true;
        };
        self.valid_buf.clear();
        self.valid_hashes.clear();
        for packed in col.values_for_doc(doc) {
            let exp = (packed & 0xffff_ffff) as u32;
            if exp < *day {
                continue;
            }
            let h = (packed >> 32) as u32;
            if self.valid_hashes.contains(&h) {
                continue;
            }
            self.valid_hashes.push(h);
            if let Some(&ord) = self.hash_to_ord.get(&h) {
                self.valid_buf.push(ord);
            }
        }
        if kinds.is_empty() {
            !self.valid_hashes.is_empty()
        } else {
            kinds.iter().all(|k| self.valid_hashes.contains(k))
        }
    }

    #[inline]
    fn failed_mask(&self, doc: DocId) -> u8 {
        let d = doc as usize;
        let mut fail = 0;
        if self.active & FAIL_LEGAL != 0 && !accepts(&self.legal_ok, self.seg.legal[d]) {
            fail |= FAIL_LEGAL;
        }
        if self.active & FAIL_SIZE != 0 && !accepts(&self.size_ok, self.seg.size[d]) {
            fail |= FAIL_SIZE;
        }
        let flags = self.seg.flags[d];
        if self.active & FAIL_VERIFIED != 0 && flags & VERIFIED == 0 {
            fail |= FAIL_VERIFIED;
        }
        if self.active & FAIL_SOCIAL != 0 && flags & SOCIAL == 0 {
            fail |= FAIL_SOCIAL;
        }
        fail
    }

    #[inline]
    fn count_facets(&mut self, doc: DocId, fail: u8) {
        let d = doc as usize;
        let seg = &*self.seg;
        let all = fail == 0;
        if all || fail == FAIL_LEGAL {
            let o = seg.legal[d];
            if o != NONE {
                self.legal_counts[o as usize] += 1;
            }
        }
        if all || fail == FAIL_SIZE {
            let o = seg.size[d];
            if o != NONE {
                self.size_counts[o as usize] += 1;
            }
        }
        let flags = seg.flags[d];
        if all || fail == FAIL_VERIFIED {
            self.verified_counts[usize::from(flags & VERIFIED != 0)] += 1;
        }
        if all || fail == FAIL_SOCIAL {
            self.social_counts[usize::from(flags & SOCIAL != 0)] += 1;
        }
        if !all {
            return;
        }
        if self.plan.valid_on.is_some() {
            for &o in &self.valid_buf {
                self.accred_counts[o as usize] += 1;
            }
        } else if !self.accred_counts.is_empty() {
            seg.accred.count(doc, &mut self.accred_counts);
        }
        if !self.cpv_counts.is_empty() {
            // The divisions, and the level under the CPV filter.
            if let Some(csr) = seg.cpv_level(2) {
                csr.count(doc, &mut self.cpv_counts);
            }
            if !self.plan.cpv_prefix.is_empty() {
                if let Some(csr) = seg.cpv_level(self.plan.cpv_prefix.len() + 1) {
                    csr.count(doc, &mut self.cpv_counts);
                }
            }
        }
    }

    #[inline]
    fn distance(&self, doc: DocId) -> Option<f64> {
        let near = self.plan.near?;
        let (lat, lon) = (self.seg.lat[doc as usize], self.seg.lon[doc as usize]);
        if lat.is_nan() || lon.is_nan() {
            return None;
        }
        Some(haversine_km(near.0, near.1, lat, lon))
    }

    /// Outside the radius's bounding box (or without a location when a radius is set).
    #[inline]
    fn outside_box(&self, doc: DocId) -> bool {
        let Some((lat_lo, lat_hi, lon_lo, lon_hi)) = self.plan.bbox else {
            return false;
        };
        let (lat, lon) = (self.seg.lat[doc as usize], self.seg.lon[doc as usize]);
        // NaN (no location) fails every comparison, so it is outside.
        !(lat >= lat_lo && lat <= lat_hi && lon >= lon_lo && lon <= lon_hi)
    }

    fn push(&mut self, doc: DocId, score: Score, distance_km: Option<f64>) {
        let k = self.plan.top_k;
        if k == 0 {
            return;
        }
        let key = match self.plan.sort {
            SortOrder::Relevance if self.scoring => -f64::from(score),
            SortOrder::Relevance | SortOrder::Updated => match self.seg.updated[doc as usize] {
                i64::MIN => f64::INFINITY,
                u => -(u as f64),
            },
            SortOrder::Distance => distance_km.unwrap_or(f64::INFINITY),
            SortOrder::Name => self
                .name_sort
                .as_ref()
                .and_then(|c| c.ords().first(doc))
                .map_or(f64::INFINITY, |o| o as f64),
        };
        let cand = Cand {
            key,
            id: self.seg.ids[doc as usize],
            doc: DocAddress::new(self.segment_ord, doc),
            score,
            distance_km,
        };
        if self.heap.len() < k {
            self.heap.push(cand);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if cand < *worst {
                *worst = cand;
            }
        }
    }
}

fn resolve(col: Option<&StrColumn>, counts: &[u32]) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    let Some(col) = col else { return out };
    let mut s = String::new();
    for (ord, &n) in counts.iter().enumerate() {
        if n > 0 && col.ord_to_str(ord as u64, &mut s).unwrap_or(false) {
            out.insert(s.clone(), u64::from(n));
        }
    }
    out
}

impl SegmentCollector for SupplierSegmentCollector {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.outside_box(doc) {
            return;
        }
        let distance_km = self.distance(doc);
        if let Some(r) = self.plan.within_km {
            match distance_km {
                Some(d) if d <= r => {}
                _ => return,
            }
        }
        if !self.accreditations_valid(doc) || !self.serves(doc) {
            return;
        }
        let fail = if self.active == 0 {
            0
        } else {
            self.failed_mask(doc)
        };
        if fail != 0 && fail.count_ones() > 1 {
            return;
        }
        if self.plan.facets {
            self.count_facets(doc, fail);
        }
        if fail == 0 {
            self.total += 1;
            self.push(doc, score, distance_km);
        }
    }

    fn harvest(self) -> Fruit {
        let mut top: Vec<Ranked> = self
            .heap
            .into_vec()
            .into_iter()
            .map(|cand| Ranked {
                cand,
                name_key: None,
            })
            .collect();
        if let Some(col) = self.name_sort.as_ref() {
            for r in &mut top {
                let mut s = String::new();
                if r.cand.key.is_finite()
                    && col.ord_to_str(r.cand.key as u64, &mut s).unwrap_or(false)
                {
                    r.name_key = Some(s);
                } else {
                    // Unnamed suppliers sort last.
                    r.name_key = Some("\u{10FFFF}".to_string());
                }
            }
        }
        let mut cpv_prefix = HashMap::new();
        if let Some(col) = self.cpv.as_ref() {
            let level = if self.plan.cpv_prefix.is_empty() {
                2
            } else {
                self.plan.cpv_prefix.len() + 1
            };
            let mut s = String::new();
            for (ord, &n) in self.cpv_counts.iter().enumerate() {
                if n == 0 || !col.ord_to_str(ord as u64, &mut s).unwrap_or(false) {
                    continue;
                }
                // Keep the divisions and the level below the filter.
                if s.len() == 2 || (s.len() == level && s.starts_with(&self.plan.cpv_prefix)) {
                    cpv_prefix.insert(s.clone(), u64::from(n));
                }
            }
        }
        Fruit {
            total: self.total,
            top,
            legal_form: resolve(self.legal.as_ref(), &self.legal_counts),
            size: resolve(self.size.as_ref(), &self.size_counts),
            accreditations: resolve(self.accred.as_ref(), &self.accred_counts),
            verified: self.verified_counts,
            social: self.social_counts,
            cpv_prefix,
        }
    }
}

/// Splits merged CPV prefix counts into the division and children facets.
pub(crate) fn split_cpv(
    counts: HashMap<String, u64>,
    filter_prefix: &str,
) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let level = if filter_prefix.is_empty() {
        2
    } else {
        filter_prefix.len() + 1
    };
    let mut divisions = BTreeMap::new();
    let mut children = BTreeMap::new();
    for (p, n) in counts {
        if p.len() == 2 {
            divisions.insert(p.clone(), n);
        }
        if p.len() == level && p.starts_with(filter_prefix) {
            children.insert(format!("{p:0<8}"), n);
        }
    }
    (divisions, children)
}

/// Kinds hashed for the validity check, with the day key.
pub(crate) fn valid_on_plan(kinds: &[String], day: i32) -> (Vec<u32>, u32) {
    let mut hashes: Vec<u32> = kinds.iter().map(|k| kind_hash(k)).collect();
    hashes.sort_unstable();
    hashes.dedup();
    (hashes, day_key(day))
}
