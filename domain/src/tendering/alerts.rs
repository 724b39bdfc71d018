//! Opportunity alerts: who is told about which lot, and when the daily digest goes.
//!
//! Who is eligible is the lot planner's rule, [`super::rules::eligibility`], unchanged, so
//! an alert and the supplier's opportunities page always agree. What is added here:
//! * a lot is matched only when at least one of its lines has a CPV code (lines without
//!   one cannot be judged, exactly as the planner leaves them out); a lot of no judgeable
//!   line would otherwise "match" every supplier;
//! * a tender not divided into lots is one lot of all its lines, numbered
//!   [`WHOLE_TENDER`].

use super::model::TenderLine;
use super::rules;
use crate::registry::SupplierSnapshot;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

/// The lot number of a tender that is not divided into lots.
pub const WHOLE_TENDER: i64 = 0;

/// The hour (UTC) the daily digest goes out.
pub const DIGEST_HOUR_UTC: u32 = 7;

slug_enum! {
    /// How a user hears about new lots they can bid for.
    AlertMode, "alert setting" {
        /// One e-mail per tender as soon as it is published (the default).
        Immediate => "immediate", "At once, one e-mail per tender";
        /// One e-mail a day listing the day's new lots.
        Daily => "daily", "A daily digest";
        Off => "off", "No e-mails";
    }
}

#[expect(
    clippy::derivable_impls,
    reason = "slug_enum! derives a fixed set of traits; Default is not one of them"
)]
impl Default for AlertMode {
    fn default() -> Self {
        Self::Immediate
    }
}

/// An open lot as the matcher sees it: its judgeable lines.
#[derive(Debug, Clone)]
pub struct OpenLot {
    /// The lot's id, or [`WHOLE_TENDER`].
    pub lot_id: i64,
    pub lines: Vec<TenderLine>,
}

impl OpenLot {
    /// A lot with lines to judge; `None` when it has none (it matches nobody).
    #[must_use]
    pub fn new(lot_id: i64, lines: Vec<TenderLine>) -> Option<Self> {
        (!lines.is_empty()).then_some(Self { lot_id, lines })
    }
}

/// Every (supplier id, lot id) pair where the supplier is eligible for the lot, in the
/// order the suppliers come.
pub fn eligible_pairs<'a>(
    suppliers: impl IntoIterator<Item = &'a SupplierSnapshot>,
    lots: &[OpenLot],
) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for s in suppliers {
        for lot in lots {
            if rules::is_eligible(s, &lot.lines) {
                out.push((s.id, lot.lot_id));
            }
        }
    }
    out
}

/// The day whose digest is the next to go after `now`, and when it goes.
#[must_use]
pub fn next_digest(now: DateTime<Utc>) -> (NaiveDate, DateTime<Utc>) {
    let today = now.date_naive();
    let at = |d: NaiveDate| {
        d.and_time(NaiveTime::from_hms_opt(DIGEST_HOUR_UTC, 0, 0).unwrap_or(NaiveTime::MIN))
            .and_utc()
    };
    if now < at(today) {
        (today, at(today))
    } else {
        let tomorrow = today + Duration::days(1);
        (tomorrow, at(tomorrow))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpv::CpvCode;
    use crate::text::Gbp;

    fn supplier(id: i64, cpv: &str) -> SupplierSnapshot {
        crate::tendering::rules::tests::supplier(id, &[cpv])
    }

    fn line(id: i64, cpv: &str, value: u64) -> TenderLine {
        TenderLine {
            id,
            cpv: CpvCode::parse(cpv).expect("a valid code"),
            value_gbp: Gbp::new(value),
            delivery: None,
        }
    }

    #[test]
    fn a_lot_without_judgeable_lines_matches_nobody() {
        assert!(OpenLot::new(5, Vec::new()).is_none());
    }

    #[test]
    fn each_supplier_is_paired_with_the_lots_whose_every_line_it_covers() {
        let mowers = supplier(1, "77314000");
        let cleaners = supplier(2, "90911200");
        let lots = vec![
            OpenLot::new(10, vec![line(1, "77314000", 1_000)]).expect("lines"),
            OpenLot::new(11, vec![line(2, "90911200", 1_000)]).expect("lines"),
            OpenLot::new(
                12,
                vec![line(3, "77314000", 1_000), line(4, "90911200", 1_000)],
            )
            .expect("lines"),
        ];
        assert_eq!(
            eligible_pairs([&mowers, &cleaners], &lots),
            vec![(1, 10), (2, 11)]
        );
    }

    #[test]
    fn an_unpublished_supplier_is_never_paired() {
        let mut draft = supplier(3, "77314000");
        draft.published = false;
        let lots = vec![OpenLot::new(10, vec![line(1, "77314000", 1)]).expect("lines")];
        assert!(eligible_pairs([&draft], &lots).is_empty());
    }

    #[test]
    fn before_seven_the_digest_is_today_after_it_tomorrow() {
        let early = "2026-12-02T06:59:00Z".parse().expect("time");
        let late = "2026-12-02T07:00:00Z".parse().expect("time");
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day");
        assert_eq!(next_digest(early).0, day("2026-12-02"));
        assert_eq!(next_digest(late).0, day("2026-12-03"));
        assert_eq!(
            next_digest(late).1,
            "2026-12-03T07:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("time")
        );
    }
}
