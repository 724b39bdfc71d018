//! Running a search: analyse the words, search strictly, relax when few suppliers match
//! every word, then count facets and fill the page.

use std::sync::Arc;

use tantivy::collector::{Count, TopDocs};
use tantivy::schema::Value;
use tantivy::{Searcher, TantivyDocument, Term};

use crate::analysis::{analyse, Analysed, Stats};
use crate::collector::{split_cpv, Cand, Fruit, Ranked, SupplierCollector};
use crate::explain::{reasons, snippet};
use crate::index::{Result, SupplierIndex};
use crate::model::{Facets, Hit, IndexQuery, SearchResults, SortOrder, SupplierDoc};
use crate::query::{build, coordination_bonus, text_query, word_in, Matching};
use crate::schema::Fields;

const MAX_LIMIT: usize = 1000;
/// A strict search finding fewer suppliers than this is relaxed: a buyer should see a
/// page of suppliers doing most of what was asked rather than two doing all of it.
const RELAX_BELOW: u64 = 10;

/// Term statistics from the searcher.
struct IndexStats<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
}

impl Stats for IndexStats<'_> {
    fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    fn text_df(&self, stem: &str) -> tantivy::Result<u64> {
        self.searcher
            .doc_freq(&Term::from_field_text(self.fields.text, stem))
    }

    fn cpv_df(&self, prefix: &str) -> tantivy::Result<u64> {
        self.searcher
            .doc_freq(&Term::from_field_text(self.fields.cpv_prefix, prefix))
    }
}

/// No filter but (possibly) a point to measure distances from.
fn unfiltered(q: &IndexQuery) -> bool {
    q.cpv.as_deref().is_none_or(|c| c.trim().is_empty())
        && q.cpv_branch.as_deref().is_none_or(|c| c.trim().is_empty())
        && q.serves.is_none()
        && q.can_take_gbp.is_none()
        && q.within_km.is_none()
        && q.legal_forms.is_empty()
        && q.sizes.is_empty()
        && q.accreditations.is_empty()
        && q.accreditations_valid_on.is_none()
        && !q.verified_only
        && !q.social_economy_only
        && q.min_capacity_gbp.is_none()
        && q.outcodes.is_empty()
        && q.among.is_none()
}

impl SupplierIndex {
    fn analysed(&self, searcher: &Searcher, q: &IndexQuery) -> Result<Analysed> {
        let Some(text) = q.text.as_deref().filter(|t| !t.trim().is_empty()) else {
            return Ok(Analysed::default());
        };
        let stats = IndexStats {
            searcher,
            fields: &self.fields,
        };
        Ok(analyse(&self.vocabulary(), &stats, text)?)
    }

    /// How many suppliers match every filter (no facets, no page), as [`Self::search`]
    /// counts them (relaxed the same way): cheap enough to call once per filter to find
    /// which one emptied a result set.
    ///
    /// # Errors
    /// [`crate::SearchError::InvalidCpv`] or index errors.
    pub fn count(&self, q: &IndexQuery) -> Result<u64> {
        let searcher = self.reader.searcher();
        let analysed = self.analysed(&searcher, q)?;
        let strict = self.count_with(&searcher, q, &analysed, Matching::Strict)?;
        if strict < RELAX_BELOW && analysed.relaxable() {
            return self.count_with(&searcher, q, &analysed, Matching::Relaxed);
        }
        Ok(strict)
    }

    fn count_with(
        &self,
        searcher: &Searcher,
        q: &IndexQuery,
        analysed: &Analysed,
        matching: Matching,
    ) -> Result<u64> {
        let text = text_query(&self.fields, &self.vocabulary(), analysed, matching);
        let (query, mut plan) = build(&self.fields, q, text, true)?;
        if plan.within_km.is_none() && plan.valid_on.is_none() && plan.serves.is_none() {
            return Ok(searcher.search(&query, &Count)? as u64);
        }
        plan.top_k = 0;
        plan.facets = false;
        let collector = SupplierCollector {
            plan: Arc::new(plan),
            scoring: false,
            cache: Arc::clone(&self.cache),
        };
        Ok(searcher.search(&query, &collector)?.total)
    }

    /// Runs a search: total, the requested page of hits and facet counts.
    ///
    /// # Errors
    /// [`crate::SearchError::InvalidCpv`] or index errors.
    pub fn search(&self, q: &IndexQuery) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let analysed = self.analysed(&searcher, q)?;
        let mut res = self.run(&searcher, q, &analysed, Matching::Strict)?;
        res.total_all_words = res.total;
        if res.total < RELAX_BELOW && analysed.relaxable() {
            let mut relaxed = self.run(&searcher, q, &analysed, Matching::Relaxed)?;
            if relaxed.total > res.total {
                relaxed.relaxed = true;
                relaxed.total_all_words = res.total;
                res = relaxed;
            }
        }
        Ok(res)
    }

    fn run(
        &self,
        searcher: &Searcher,
        q: &IndexQuery,
        analysed: &Analysed,
        matching: Matching,
    ) -> Result<SearchResults> {
        let text = text_query(&self.fields, &self.vocabulary(), analysed, matching);
        let (query, mut plan) = build(&self.fields, q, text, false)?;
        let limit = q.limit.min(MAX_LIMIT);
        plan.top_k = q.offset.saturating_add(limit);
        plan.facets = true;
        if plan.sort == SortOrder::Distance && plan.near.is_none() {
            plan.sort = SortOrder::Relevance;
        }
        let cpv_prefix = plan.cpv_prefix.clone();
        let scoring = !analysed.is_empty() && plan.sort == SortOrder::Relevance;
        // One plain word and no filter: the top-k can be found by Block-WAND, which skips
        // the blocks that cannot reach the current k-th score, and the total and facets by
        // an unscored pass (which reads no term frequencies).
        let plain = analysed
            .single_plain_word()
            .map(|(stem, weight)| (stem, coordination_bonus(weight)))
            .filter(|_| scoring && matching == Matching::Strict && plan.top_k > 0 && unfiltered(q));
        let top_k = plan.top_k;
        if plain.is_some() {
            plan.top_k = 0;
        }
        let collector = SupplierCollector {
            plan: Arc::new(plan.clone()),
            scoring: scoring && plain.is_none(),
            cache: Arc::clone(&self.cache),
        };
        let mut fruit = searcher.search(&query, &collector)?;
        if let Some((stem, bonus)) = plain {
            match self.top_by_wand(searcher, stem, bonus, top_k)? {
                Some(top) => fruit.top = top,
                None => {
                    // A tie at the page boundary: the general pass orders it by id.
                    plan.top_k = top_k;
                    plan.facets = false;
                    let collector = SupplierCollector {
                        plan: Arc::new(plan),
                        scoring: true,
                        cache: Arc::clone(&self.cache),
                    };
                    fruit.top = searcher.search(&query, &collector)?.top;
                }
            }
        }
        self.results(searcher, q, analysed, fruit, &cpv_prefix, scoring, limit)
    }

    /// The top `k` for one stem by Block-WAND, ordered by score then supplier id, scored as
    /// the general path scores them; `None`
    /// when the k-th score is tied with a supplier outside the page (which one belongs on
    /// the page is then decided by id, which WAND does not know).
    fn top_by_wand(
        &self,
        searcher: &Searcher,
        stem: &str,
        bonus: f32,
        k: usize,
    ) -> Result<Option<Vec<Ranked>>> {
        let term = word_in(self.fields.text, stem);
        let top = searcher.search(&*term, &TopDocs::with_limit(k + 1).order_by_score())?;
        if top.len() > k && top[k].0 >= top[k - 1].0 {
            return Ok(None);
        }
        let mut ranked = Vec::with_capacity(k);
        for (bm25, doc) in top.into_iter().take(k) {
            // The score the general path gives: BM25 plus the concept's bonus.
            let score = bm25 + bonus;
            let seg = self.cache.get(searcher.segment_reader(doc.segment_ord))?;
            ranked.push(Ranked {
                cand: Cand {
                    key: -f64::from(score),
                    id: seg.ids[doc.doc_id as usize],
                    doc,
                    score,
                    distance_km: None,
                },
                name_key: None,
            });
        }
        ranked.sort_by_key(|r| r.cand);
        Ok(Some(ranked))
    }

    #[expect(clippy::too_many_arguments, reason = "one private step of `run`")]
    fn results(
        &self,
        searcher: &Searcher,
        q: &IndexQuery,
        analysed: &Analysed,
        fruit: Fruit,
        cpv_prefix: &str,
        scoring: bool,
        limit: usize,
    ) -> Result<SearchResults> {
        let (cpv_division, cpv_children) = split_cpv(fruit.cpv_prefix, cpv_prefix);
        let facets = Facets {
            legal_form: fruit.legal_form.into_iter().collect(),
            size: fruit.size.into_iter().collect(),
            accreditations: fruit.accreditations.into_iter().collect(),
            verified: [(false, fruit.verified[0]), (true, fruit.verified[1])]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .collect(),
            social_economy: [(false, fruit.social[0]), (true, fruit.social[1])]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .collect(),
            cpv_division,
            cpv_children,
        };
        let vocabulary = self.vocabulary();
        let near = q.near.filter(|(a, b)| a.is_finite() && b.is_finite());
        let mut hits = Vec::new();
        for r in fruit.top.into_iter().skip(q.offset).take(limit) {
            let stored: TantivyDocument = searcher.doc(r.cand.doc)?;
            let doc: SupplierDoc = match stored
                .get_first(self.fields.doc_json)
                .and_then(|v| v.as_bytes())
            {
                Some(bytes) => serde_json::from_slice(bytes)?,
                None => continue,
            };
            let (why, marks) = reasons(&doc, analysed, &vocabulary);
            let distance_km = r.cand.distance_km.or_else(|| {
                // The Block-WAND pass reads no fast fields: use the stored location.
                let (lat, lon) = doc.lat.zip(doc.lon)?;
                let (nlat, nlon) = near?;
                (lat.is_finite() && lon.is_finite())
                    .then(|| domain::haversine_km(nlat, nlon, lat, lon))
            });
            hits.push(Hit {
                id: doc.id,
                snippet_html: snippet(&doc.capability_statement, &marks, self.fields.text),
                distance_km,
                name: doc.name,
                score: if scoring { r.cand.score } else { 0.0 },
                reasons: why,
            });
        }
        Ok(SearchResults {
            total: fruit.total,
            hits,
            facets,
            relaxed: false,
            total_all_words: fruit.total,
        })
    }
}
