//! Per-segment, in-memory copies of the columns every search reads for every
//! matching document (facet values, flags, the default sort key).
//!
//! Reading a tantivy fast-field column costs a bit-unpacking and, for optional
//! or multi-valued columns, an index lookup per document; at 100k+ matches that
//! was a third of the query time. A segment never changes once written (deletes
//! are applied by tantivy before documents reach a collector), so the decoded
//! values can be kept per segment id and shared by every query: a plain array
//! read per document instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

use crate::schema::{
    F_ACCRED, F_CPV_PREFIX, F_ID, F_LAT, F_LEGAL_FORM, F_LON, F_SERVICE_RADIUS, F_SIZE, F_SOCIAL,
    F_UPDATED, F_VERIFIED,
};

/// CPV prefixes are indexed at every level from the division (2 digits) to the
/// full significant code (8): one [`Csr`] per level, so a search counts only the
/// levels it shows (the divisions, and the level under a CPV filter).
pub(crate) const CPV_LEVELS: std::ops::RangeInclusive<usize> = 2..=8;

/// "No value" in a single-valued ordinal array.
pub(crate) const NONE: u32 = u32::MAX;

pub(crate) const VERIFIED: u8 = 1;
pub(crate) const SOCIAL: u8 = 2;

/// Multi-valued ordinals in CSR form: the values of doc `d` are
/// `vals[off[d]..off[d + 1]]`. Ordinals are stored as `u16` when they fit.
#[derive(Debug)]
pub(crate) enum Csr {
    Small { off: Vec<u32>, vals: Vec<u16> },
    Large { off: Vec<u32>, vals: Vec<u32> },
}

impl Csr {
    fn build(col: Option<&StrColumn>, max_doc: DocId) -> Self {
        let mut one = Self::build_grouped(col, max_doc, 1, |_| Some(0));
        one.pop().unwrap_or(Csr::Small {
            off: vec![0; max_doc as usize + 1],
            vals: Vec::new(),
        })
    }

    /// One [`Csr`] per group, in one pass over the column: `group_of` names the
    /// group of an ordinal (`None` leaves it out).
    fn build_grouped(
        col: Option<&StrColumn>,
        max_doc: DocId,
        groups: usize,
        group_of: impl Fn(u64) -> Option<usize>,
    ) -> Vec<Self> {
        let small = col.is_none_or(|c| c.num_terms() <= usize::from(u16::MAX));
        let mut offs: Vec<Vec<u32>> = (0..groups)
            .map(|_| {
                let mut off = Vec::with_capacity(max_doc as usize + 1);
                off.push(0u32);
                off
            })
            .collect();
        let mut vals: Vec<Vec<u32>> = vec![Vec::new(); groups];
        for doc in 0..max_doc {
            if let Some(c) = col {
                for o in c.term_ords(doc) {
                    if let Some(g) = group_of(o).filter(|g| *g < groups) {
                        vals[g].push(o as u32);
                    }
                }
            }
            for (off, v) in offs.iter_mut().zip(&vals) {
                off.push(v.len() as u32);
            }
        }
        offs.into_iter()
            .zip(vals)
            .map(|(off, vals)| {
                if small {
                    Csr::Small {
                        off,
                        vals: vals.into_iter().map(|v| v as u16).collect(),
                    }
                } else {
                    Csr::Large { off, vals }
                }
            })
            .collect()
    }

    /// Adds one to `counts[o]` for every ordinal of `doc`.
    #[inline]
    pub(crate) fn count(&self, doc: DocId, counts: &mut [u32]) {
        let d = doc as usize;
        match self {
            Csr::Small { off, vals } => {
                for &o in &vals[off[d] as usize..off[d + 1] as usize] {
                    counts[usize::from(o)] += 1;
                }
            }
            Csr::Large { off, vals } => {
                for &o in &vals[off[d] as usize..off[d + 1] as usize] {
                    counts[o as usize] += 1;
                }
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Csr::Small { off, vals } => off.len() * 4 + vals.len() * 2,
            Csr::Large { off, vals } => off.len() * 4 + vals.len() * 4,
        }
    }
}

/// The decoded columns of one segment.
#[derive(Debug)]
pub(crate) struct SegFacets {
    /// Legal form ordinal per doc (`NONE` when absent).
    pub legal: Vec<u32>,
    /// SME size ordinal per doc (`NONE` when absent).
    pub size: Vec<u32>,
    /// `VERIFIED | SOCIAL` bits per doc.
    pub flags: Vec<u8>,
    /// `updated_at` per doc (`i64::MIN` when absent).
    pub updated: Vec<i64>,
    /// Latitude and longitude per doc (NaN when unknown).
    pub lat: Vec<f64>,
    pub lon: Vec<f64>,
    /// The service radius that applies, km (NaN when only outcodes are named).
    pub radius: Vec<f64>,
    /// The supplier's id per doc: the tie-break of every ordering.
    pub ids: Vec<i64>,
    /// CPV prefix ordinals by level: `cpv[0]` holds the divisions (2 digits),
    /// `cpv[i]` the prefixes of `2 + i` digits.
    pub cpv: Vec<Csr>,
    pub accred: Csr,
}

fn single_ords(col: Option<&StrColumn>, max_doc: DocId) -> Vec<u32> {
    match col {
        Some(c) => {
            let ords = c.ords();
            (0..max_doc)
                .map(|d| ords.first(d).map_or(NONE, |o| o as u32))
                .collect()
        }
        None => vec![NONE; max_doc as usize],
    }
}

impl SegFacets {
    pub(crate) fn build(reader: &SegmentReader) -> tantivy::Result<Self> {
        let ff = reader.fast_fields();
        let max_doc = reader.max_doc();
        let verified = ff.bool(F_VERIFIED)?;
        let social = ff.bool(F_SOCIAL)?;
        let updated_col = ff.i64(F_UPDATED)?;
        let flags = (0..max_doc)
            .map(|d| {
                let mut f = 0;
                if verified.first(d) == Some(true) {
                    f |= VERIFIED;
                }
                if social.first(d) == Some(true) {
                    f |= SOCIAL;
                }
                f
            })
            .collect();
        let updated = (0..max_doc)
            .map(|d| updated_col.first(d).unwrap_or(i64::MIN))
            .collect();
        let coords = |name: &str| -> tantivy::Result<Vec<f64>> {
            let col = ff.f64(name)?;
            Ok((0..max_doc)
                .map(|d| col.first(d).unwrap_or(f64::NAN))
                .collect())
        };
        let cpv_col = ff.str(F_CPV_PREFIX)?;
        // The level of every prefix ordinal (its length in digits).
        let mut level_of = Vec::new();
        if let Some(c) = cpv_col.as_ref() {
            let mut s = String::new();
            for ord in 0..c.num_terms() as u64 {
                level_of.push(if c.ord_to_str(ord, &mut s)? {
                    s.len()
                } else {
                    0
                });
            }
        }
        let first = *CPV_LEVELS.start();
        let cpv = Csr::build_grouped(cpv_col.as_ref(), max_doc, CPV_LEVELS.count(), |o| {
            let level = *level_of.get(o as usize)?;
            CPV_LEVELS.contains(&level).then(|| level - first)
        });
        Ok(Self {
            legal: single_ords(ff.str(F_LEGAL_FORM)?.as_ref(), max_doc),
            size: single_ords(ff.str(F_SIZE)?.as_ref(), max_doc),
            flags,
            updated,
            lat: coords(F_LAT)?,
            lon: coords(F_LON)?,
            radius: coords(F_SERVICE_RADIUS)?,
            ids: {
                let col = ff.i64(F_ID)?;
                (0..max_doc)
                    .map(|d| col.first(d).unwrap_or(i64::MAX))
                    .collect()
            },
            cpv,
            accred: Csr::build(ff.str(F_ACCRED)?.as_ref(), max_doc),
        })
    }

    /// The CPV prefixes of `level` digits (2 to 8).
    pub(crate) fn cpv_level(&self, level: usize) -> Option<&Csr> {
        self.cpv.get(level.checked_sub(*CPV_LEVELS.start())?)
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.legal.len() * 4
            + self.size.len() * 4
            + self.flags.len()
            + self.updated.len() * 8
            + self.lat.len() * 8
            + self.lon.len() * 8
            + self.radius.len() * 8
            + self.ids.len() * 8
            + self.cpv.iter().map(Csr::heap_bytes).sum::<usize>()
            + self.accred.heap_bytes()
    }
}

/// Segment id → decoded columns, shared by every query.
#[derive(Debug, Default)]
pub(crate) struct FacetCache {
    map: Mutex<HashMap<SegmentId, Arc<SegFacets>>>,
}

impl FacetCache {
    /// The decoded columns of `reader`'s segment, built on first use.
    pub(crate) fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegFacets>> {
        let id = reader.segment_id();
        if let Some(s) = self.lock().get(&id) {
            return Ok(Arc::clone(s));
        }
        // Built outside the lock so other segments' queries are not held up;
        // two racing builders produce identical data and the first one wins.
        let built = Arc::new(SegFacets::build(reader)?);
        Ok(Arc::clone(self.lock().entry(id).or_insert(built)))
    }

    /// Drops segments the searcher no longer has and builds the missing ones.
    pub(crate) fn sync(&self, searcher: &Searcher) -> tantivy::Result<()> {
        let live: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(SegmentReader::segment_id)
            .collect();
        self.lock().retain(|id, _| live.contains(id));
        for r in searcher.segment_readers() {
            self.get(r)?;
        }
        Ok(())
    }

    /// Bytes held (diagnostics).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.lock().values().map(|s| s.heap_bytes()).sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegFacets>>> {
        // The map is only ever left consistent, so a poisoned lock is still usable.
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
