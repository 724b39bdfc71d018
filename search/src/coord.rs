//! The coordination bonus: a query whose documents score what the inner query scores plus
//! a constant, applied as documents are scored (no second pass over the postings). Wrapped
//! around each part of a query (one per concept the buyer typed), it makes a supplier
//! matching more of the parts rank above one matching fewer, in proportion to how telling
//! each part is.

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// Matches what `query` matches; scores its score plus `bonus`.
pub(crate) struct PlusConstQuery {
    query: Box<dyn Query>,
    bonus: Score,
}

impl PlusConstQuery {
    pub(crate) fn new(query: Box<dyn Query>, bonus: Score) -> Self {
        Self { query, bonus }
    }
}

impl Clone for PlusConstQuery {
    fn clone(&self) -> Self {
        Self {
            query: self.query.box_clone(),
            bonus: self.bonus,
        }
    }
}

impl fmt::Debug for PlusConstQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlusConst({:?}, {})", self.query, self.bonus)
    }
}

impl Query for PlusConstQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self.query.weight(enable_scoring)?;
        if enable_scoring.is_scoring_enabled() {
            Ok(Box::new(PlusConstWeight {
                inner,
                bonus: self.bonus,
            }))
        } else {
            Ok(inner)
        }
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct PlusConstWeight {
    inner: Box<dyn Weight>,
    bonus: Score,
}

impl Weight for PlusConstWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(PlusConstScorer {
            inner: self.inner.scorer(reader, boost)?,
            bonus: self.bonus * boost,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let mut e = Explanation::new("plus coordination bonus", inner.value() + self.bonus);
        e.add_detail(inner);
        Ok(e)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.inner.count(reader)
    }
}

struct PlusConstScorer {
    inner: Box<dyn Scorer>,
    bonus: Score,
}

impl DocSet for PlusConstScorer {
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

impl Scorer for PlusConstScorer {
    fn score(&mut self) -> Score {
        self.inner.score() + self.bonus
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
}
