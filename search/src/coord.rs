//! Two transforms of a query's score, applied as documents are scored (no second pass over
//! the postings):
//!
//! - the coordination bonus: the inner score plus a constant. Wrapped around each part of a
//!   query (one per concept the buyer typed), it makes a supplier matching more of the parts
//!   rank above one matching fewer, in proportion to how telling each part is;
//! - saturation: `x·s/(x+s)`, which grows like `x` for small scores and never passes `s`.
//!   Wrapped around one way of saying a concept, it keeps one phrase repeated in a name,
//!   keywords and statement from outscoring several different ways of saying the thing.

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// `x·s/(x+s)`: the saturated value of a score `x` with ceiling `s`.
pub(crate) fn saturate(x: Score, s: Score) -> Score {
    if x <= 0.0 {
        0.0
    } else {
        x * s / (x + s)
    }
}

#[derive(Clone, Copy, Debug)]
enum Transform {
    Plus(Score),
    Saturate(Score),
}

impl Transform {
    fn apply(self, x: Score) -> Score {
        match self {
            Self::Plus(b) => x + b,
            Self::Saturate(s) => saturate(x, s),
        }
    }
}

/// Matches what `query` matches; scores a transform of its score.
pub(crate) struct TransformQuery {
    query: Box<dyn Query>,
    transform: Transform,
}

/// The inner query's score plus `bonus`.
pub(crate) struct PlusConstQuery;

impl PlusConstQuery {
    pub(crate) fn new(query: Box<dyn Query>, bonus: Score) -> TransformQuery {
        TransformQuery {
            query,
            transform: Transform::Plus(bonus),
        }
    }
}

/// The inner query's score, saturated at `ceiling`.
pub(crate) struct SaturateQuery;

impl SaturateQuery {
    pub(crate) fn new(query: Box<dyn Query>, ceiling: Score) -> TransformQuery {
        TransformQuery {
            query,
            transform: Transform::Saturate(ceiling),
        }
    }
}

impl Clone for TransformQuery {
    fn clone(&self) -> Self {
        Self {
            query: self.query.box_clone(),
            transform: self.transform,
        }
    }
}

impl fmt::Debug for TransformQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}({:?})", self.transform, self.query)
    }
}

impl Query for TransformQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self.query.weight(enable_scoring)?;
        if enable_scoring.is_scoring_enabled() {
            Ok(Box::new(TransformWeight {
                inner,
                transform: self.transform,
            }))
        } else {
            Ok(inner)
        }
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct TransformWeight {
    inner: Box<dyn Weight>,
    transform: Transform,
}

impl Weight for TransformWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        // The inner query is scored unboosted, transformed, then boosted: a boost scales
        // the transformed score (a synonym's saturated match counts for less).
        Ok(Box::new(TransformScorer {
            inner: self.inner.scorer(reader, 1.0)?,
            transform: self.transform,
            boost,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let value = self.transform.apply(inner.value());
        let mut e = Explanation::new_with_string(format!("{:?}", self.transform), value);
        e.add_detail(inner);
        Ok(e)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.inner.count(reader)
    }
}

struct TransformScorer {
    inner: Box<dyn Scorer>,
    transform: Transform,
    boost: Score,
}

impl DocSet for TransformScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> tantivy::SeekDangerResult {
        self.inner.seek_danger(target)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for TransformScorer {
    fn score(&mut self) -> Score {
        let x = self.inner.score();
        self.boost * self.transform.apply(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index, IndexWriter};

    #[test]
    fn a_document_matching_more_parts_gets_more_bonuses() {
        let mut b = Schema::builder();
        let body = b.add_text_field("body", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut w: IndexWriter = index.writer(15_000_000).expect("writer");
        w.add_document(doc!(body => "apple apple apple apple"))
            .expect("add");
        w.add_document(doc!(body => "apple pear")).expect("add");
        w.commit().expect("commit");
        let term = |t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(body, t),
                IndexRecordOption::WithFreqs,
            ))
        };
        let part = |t: &str| -> (Occur, Box<dyn Query>) {
            (Occur::Should, Box::new(PlusConstQuery::new(term(t), 10.0)))
        };
        let q = BooleanQuery::new(vec![part("apple"), part("pear")]);
        let searcher = index.reader().expect("reader").searcher();
        let top = searcher
            .search(&q, &TopDocs::with_limit(2).order_by_score())
            .expect("search");
        assert_eq!(top[0].1.doc_id, 1, "both parts beat one part said often");
        assert!(top[0].0 - top[1].0 > 9.0, "{top:?}");
    }

    #[test]
    fn saturation_grows_like_the_score_then_levels_off() {
        assert_eq!(saturate(0.0, 3.0), 0.0);
        assert!((saturate(0.1, 3.0) - 0.1).abs() < 0.01);
        assert!((saturate(3.0, 3.0) - 1.5).abs() < 1e-6);
        assert!(saturate(1000.0, 3.0) < 3.0);
        assert!(saturate(2.0, 3.0) < saturate(4.0, 3.0));
    }
}
