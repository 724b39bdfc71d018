//! The lot planner: splits a tender's lines into lots so that as many local SMEs and
//! social-economy suppliers as possible can bid, within the buyer's limits, and explains
//! every lot. See the module documentation of [`crate::tendering`] for the rules and the
//! algorithm.

mod diagnose;
mod exact;
mod heuristic;
mod index;
mod pool;
mod titles;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use exact::EXACT_MAX_LINES;
pub use titles::{CpvLabels, NoLabels};

use self::index::Index;
use self::pool::{Key, Limits, Pool};
use super::lineset::LineSet;
use super::market::TenderMarket;
use super::model::{PlanConstraints, TenderLine};
use super::random::{random_instance, InstanceShape};
use crate::cpv::CpvCode;
use crate::text::Gbp;

/// How many target suppliers a lot names (the count is always complete).
pub const TARGET_IDS_SHOWN: usize = 25;

/// One lot with its evidence.
///
/// Serialises to the `lots[]` entries of `POST /api/v1/tenders/{id}/lot-plan`, plus extra
/// evidence fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lot {
    pub title: String,
    /// The lines' ids, in the tender's order.
    pub items: Vec<i64>,
    pub value_gbp: Gbp,
    /// Suppliers of any kind eligible for the lot.
    pub eligible_suppliers: u32,
    /// Of those, local SMEs and social-economy suppliers.
    pub target_suppliers: u32,
    /// Of the eligible: local ones.
    pub local: u32,
    /// Of the eligible: SMEs.
    pub sme: u32,
    /// Of the eligible: social-economy organisations.
    pub social_economy: u32,
    /// The largest capacity declared among the eligible; `None` when none declares one.
    pub largest_capacity_gbp: Option<Gbp>,
    /// Of the eligible: how many state no capacity (counted as able to take the lot).
    pub capacity_not_stated: u32,
    /// Target suppliers who can bid for this lot and no other in the plan.
    pub only_here: u32,
    /// Why the lot is this size, in a sentence or two.
    pub why: String,
    /// Up to [`TARGET_IDS_SHOWN`] target suppliers that can bid, in id order.
    pub target_supplier_ids: Vec<i64>,
}

/// A proposed split of the tender into lots.
///
/// Serialises to exactly the response of `POST /api/v1/tenders/{id}/lot-plan` (plus
/// extra evidence fields in the lots).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotPlan {
    /// In the order of their first line.
    pub lots: Vec<Lot>,
    /// Distinct target suppliers eligible for at least one lot.
    pub reach: u32,
    /// The reach with all lines in one lot.
    pub reach_single_lot: u32,
    /// The reach with one lot per line and no constraints: no plan reaches more.
    pub upper_bound: u32,
    /// True when the plan is proven best (tenders of up to [`EXACT_MAX_LINES`] lines).
    pub exact: bool,
}

/// Something that makes every plan break the constraints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Obstacle {
    /// The tender has no lines.
    NoLines,
    /// `max_lots` is 0.
    NoLotsAllowed,
    /// Even one lot of everything is below the minimum lot value.
    TotalBelowMinLotValue {
        total_gbp: Gbp,
        min_lot_value_gbp: Gbp,
    },
    /// A line has too few eligible suppliers even in a lot of its own.
    LineLacksBidders {
        line_id: i64,
        cpv: CpvCode,
        eligible: u64,
        min_bidders_per_lot: u64,
    },
    /// No two of these lines can share a lot with enough bidders, so each needs its own.
    LinesNeedSeparateLots { line_ids: Vec<i64>, max_lots: usize },
    /// Any lot holding this line that keeps enough bidders is worth less than the minimum.
    LineCannotReachMinLotValue {
        line_id: i64,
        cpv: CpvCode,
        /// The most such a lot can be worth.
        best_value_gbp: Gbp,
        min_lot_value_gbp: Gbp,
        min_bidders_per_lot: u64,
    },
    /// The exhaustive search proved that no plan meets all the constraints together,
    /// though each one alone can be met.
    NoCombination,
    /// The heuristic found no plan; one may exist (not proven either way). `closest`
    /// describes the plan it found nearest to the limits.
    NotFound { closest: Option<ClosestPlan> },
}

impl fmt::Display for Obstacle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoLines => f.write_str("the tender has no lines to put into lots"),
            Self::NoLotsAllowed => f.write_str("max_lots is 0, so no lot can be made"),
            Self::TotalBelowMinLotValue {
                total_gbp,
                min_lot_value_gbp,
            } => write!(
                f,
                "the total value {total_gbp} is below the minimum lot value {min_lot_value_gbp}"
            ),
            Self::LineLacksBidders {
                line_id,
                cpv,
                eligible,
                min_bidders_per_lot,
            } => write!(
                f,
                "line {line_id} (CPV {cpv}) has only {eligible} eligible supplier{} even on its \
                 own, below min_bidders_per_lot {min_bidders_per_lot}",
                plural(*eligible)
            ),
            Self::LinesNeedSeparateLots { line_ids, max_lots } => write!(
                f,
                "{} lines ({}) each need their own lot, because no two of them keep \
                 min_bidders_per_lot together, but max_lots is {max_lots}",
                line_ids.len(),
                join_ids(line_ids)
            ),
            Self::LineCannotReachMinLotValue {
                line_id,
                cpv,
                best_value_gbp,
                min_lot_value_gbp,
                min_bidders_per_lot,
            } => write!(
                f,
                "line {line_id} (CPV {cpv}) can only be in lots worth at most {best_value_gbp} \
                 that keep {min_bidders_per_lot} bidders, below the minimum lot value \
                 {min_lot_value_gbp}"
            ),
            Self::NoCombination => f.write_str(
                "no split of the lines meets max_lots, min_lot_value_gbp and \
                 min_bidders_per_lot together (checked exhaustively); relax one of them",
            ),
            Self::NotFound { closest } => {
                f.write_str(
                    "the planner found no split that meets max_lots, min_lot_value_gbp and \
                     min_bidders_per_lot together",
                )?;
                if let Some(c) = closest {
                    write!(
                        f,
                        "; the closest has {} lots (max_lots is {})",
                        c.lots, c.max_lots
                    )?;
                    if c.lots_below_min_value > 0 {
                        write!(
                            f,
                            " and {} lot{} below the minimum value {}",
                            c.lots_below_min_value,
                            plural(c.lots_below_min_value as u64),
                            c.min_lot_value_gbp
                        )?;
                    }
                }
                f.write_str("; relax a limit or split the lots by hand")
            }
        }
    }
}

/// The heuristic's plan nearest to the limits when it found none within them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosestPlan {
    pub lots: usize,
    pub max_lots: usize,
    pub lots_below_min_value: usize,
    pub min_lot_value_gbp: Gbp,
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value with its explanation for people, serialised as the value's fields plus
/// `"message"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explained<T> {
    #[serde(flatten)]
    pub what: T,
    pub message: String,
}

impl<T: fmt::Display> From<T> for Explained<T> {
    fn from(what: T) -> Self {
        Self {
            message: what.to_string(),
            what,
        }
    }
}

/// No plan meets the constraints, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Infeasible {
    pub obstacles: Vec<Explained<Obstacle>>,
    /// True when the obstacles prove that no plan exists (false only for
    /// [`Obstacle::NotFound`]).
    pub proven: bool,
    pub reach_single_lot: u32,
    pub upper_bound: u32,
    pub exact: bool,
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PlanOutcome {
    Plan(LotPlan),
    Infeasible(Infeasible),
}

/// A lot as the buyer edited it (the body of `PUT /api/v1/tenders/{id}/lots`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotDraft {
    /// Blank: a title is proposed from the lines.
    #[serde(default)]
    pub title: String,
    pub items: Vec<i64>,
}

/// Something wrong with a buyer's plan; the plan is still evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanWarning {
    /// `lot` is 1-based, as pages number lots.
    UnknownLine {
        lot: usize,
        line_id: i64,
    },
    LineInSeveralLots {
        line_id: i64,
        lots: Vec<usize>,
    },
    LineInNoLot {
        line_id: i64,
    },
    EmptyLot {
        lot: usize,
    },
    TooManyLots {
        lots: usize,
        max_lots: u32,
    },
    LotBelowMinValue {
        lot: usize,
        value_gbp: Gbp,
        min_lot_value_gbp: Gbp,
    },
    TooFewBidders {
        lot: usize,
        eligible: u32,
        min_bidders_per_lot: u32,
    },
    /// Procurement Act 2023 s.18: one lot needs a written reason to publish.
    SingleLotNeedsReason,
}

impl fmt::Display for PlanWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownLine { lot, line_id } => {
                write!(f, "lot {lot} lists line {line_id}, which is not in this tender")
            }
            Self::LineInSeveralLots { line_id, lots } => write!(
                f,
                "line {line_id} is in lots {}; put it in one lot only",
                lots.iter().map(usize::to_string).collect::<Vec<_>>().join(" and ")
            ),
            Self::LineInNoLot { line_id } => write!(f, "line {line_id} is not in any lot"),
            Self::EmptyLot { lot } => write!(f, "lot {lot} has no lines"),
            Self::TooManyLots { lots, max_lots } => {
                write!(f, "{lots} lots is more than the limit of {max_lots}")
            }
            Self::LotBelowMinValue {
                lot,
                value_gbp,
                min_lot_value_gbp,
            } => write!(
                f,
                "lot {lot} is worth {value_gbp}, below the minimum lot value {min_lot_value_gbp}"
            ),
            Self::TooFewBidders {
                lot,
                eligible,
                min_bidders_per_lot,
            } => write!(
                f,
                "lot {lot} has {eligible} eligible supplier{}, fewer than the {min_bidders_per_lot} \
                 wanted",
                plural(u64::from(*eligible))
            ),
            Self::SingleLotNeedsReason => f.write_str(
                "one lot: publishing needs a written reason for not dividing the tender \
                 (Procurement Act 2023, s.18)",
            ),
        }
    }
}

/// A buyer's plan with its evidence and what it breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanEvaluation {
    pub lots: Vec<Lot>,
    pub reach: u32,
    pub reach_single_lot: u32,
    pub upper_bound: u32,
    pub warnings: Vec<Explained<PlanWarning>>,
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl TenderMarket {
    /// Proposes lots: the plan with the largest reach, then the fewest lots, then the most
    /// bidders in its thinnest lot, among those meeting `constraints`. Exact up to
    /// [`EXACT_MAX_LINES`] lines, heuristic above.
    #[must_use]
    pub fn plan(&self, constraints: &PlanConstraints, labels: &dyn CpvLabels) -> PlanOutcome {
        let exact = self.lines.len() <= EXACT_MAX_LINES;
        let index = Index::new(self);
        let limits = Limits::from(constraints);
        let (upper_bound, reach_single_lot) = bounds(&index);
        let infeasible = |obstacles: Vec<Obstacle>| {
            let proven = !obstacles
                .iter()
                .any(|o| matches!(o, Obstacle::NotFound { .. }));
            PlanOutcome::Infeasible(Infeasible {
                obstacles: obstacles.into_iter().map(Explained::from).collect(),
                proven,
                reach_single_lot,
                upper_bound,
                exact,
            })
        };
        let obstacles = diagnose::before_search(self, &index, &limits);
        if !obstacles.is_empty() {
            return infeasible(obstacles);
        }
        let (key, mut lots) = match solve(self, &index, &limits, exact) {
            Ok(found) => found,
            Err(closest) => {
                let mut obstacles = diagnose::after_search(self, &index, &limits);
                if obstacles.is_empty() {
                    obstacles.push(if exact {
                        Obstacle::NoCombination
                    } else {
                        Obstacle::NotFound {
                            closest: closest.map(|c| ClosestPlan {
                                lots: c.lots,
                                max_lots: limits.max_lots,
                                lots_below_min_value: c.below_min_value,
                                min_lot_value_gbp: Gbp::new(limits.min_value),
                            }),
                        }
                    });
                }
                return infeasible(obstacles);
            }
        };
        debug_assert_eq!(index.key(&lots, &limits), Some(key));
        lots.sort_by_key(|l| l.iter().next());
        let drafts: Vec<(String, LineSet)> = lots.into_iter().map(|l| (String::new(), l)).collect();
        let (lots, reach) = self.evidence(&drafts, constraints, labels, Author::Planner { exact });
        debug_assert_eq!(u64::from(reach), key.reach);
        PlanOutcome::Plan(LotPlan {
            lots,
            reach,
            reach_single_lot,
            upper_bound,
            exact,
        })
    }

    /// Evaluates a buyer's plan: the evidence of each lot, the reach, and warnings for
    /// every constraint it breaks (unknown, repeated or missing lines, empty lots, too
    /// many lots, lots too small or with too few bidders, a single lot needing a reason).
    #[must_use]
    pub fn evaluate(
        &self,
        drafts: &[LotDraft],
        constraints: &PlanConstraints,
        labels: &dyn CpvLabels,
    ) -> PlanEvaluation {
        let mut warnings = Vec::new();
        let mut seen_in: Vec<Vec<usize>> = vec![Vec::new(); self.lines.len()];
        let mut sets = Vec::with_capacity(drafts.len());
        for (k, draft) in drafts.iter().enumerate() {
            let mut set = LineSet::EMPTY;
            for &id in &draft.items {
                match self.index_of(id) {
                    Some(i) => {
                        if !set.contains(i) {
                            seen_in[i].push(k + 1);
                        }
                        set.insert(i);
                    }
                    None => warnings.push(PlanWarning::UnknownLine {
                        lot: k + 1,
                        line_id: id,
                    }),
                }
            }
            if set.is_empty() {
                warnings.push(PlanWarning::EmptyLot { lot: k + 1 });
            }
            sets.push((draft.title.trim().to_owned(), set));
        }
        for (line, lots) in self.lines.iter().zip(&seen_in) {
            match lots.len() {
                0 => warnings.push(PlanWarning::LineInNoLot { line_id: line.id }),
                1 => {}
                _ => warnings.push(PlanWarning::LineInSeveralLots {
                    line_id: line.id,
                    lots: lots.clone(),
                }),
            }
        }
        if drafts.len() > usize::try_from(constraints.max_lots).unwrap_or(usize::MAX) {
            warnings.push(PlanWarning::TooManyLots {
                lots: drafts.len(),
                max_lots: constraints.max_lots,
            });
        }
        let (lots, reach) = self.evidence(&sets, constraints, labels, Author::Buyer);
        for (k, lot) in lots.iter().enumerate() {
            if lot.items.is_empty() {
                continue;
            }
            if lot.value_gbp < constraints.min_lot_value_gbp {
                warnings.push(PlanWarning::LotBelowMinValue {
                    lot: k + 1,
                    value_gbp: lot.value_gbp,
                    min_lot_value_gbp: constraints.min_lot_value_gbp,
                });
            }
            if lot.eligible_suppliers < constraints.min_bidders_per_lot {
                warnings.push(PlanWarning::TooFewBidders {
                    lot: k + 1,
                    eligible: lot.eligible_suppliers,
                    min_bidders_per_lot: constraints.min_bidders_per_lot,
                });
            }
        }
        if drafts.len() == 1 {
            warnings.push(PlanWarning::SingleLotNeedsReason);
        }
        let (upper_bound, reach_single_lot) = bounds(&Index::new(self));
        PlanEvaluation {
            lots,
            reach,
            reach_single_lot,
            upper_bound,
            warnings: warnings.into_iter().map(Explained::from).collect(),
        }
    }

    /// Each lot's evidence (titles proposed for blank ones) and the plan's reach.
    fn evidence(
        &self,
        lots: &[(String, LineSet)],
        constraints: &PlanConstraints,
        labels: &dyn CpvLabels,
        author: Author,
    ) -> (Vec<Lot>, u32) {
        let values: Vec<Gbp> = lots.iter().map(|(_, l)| self.value(*l)).collect();
        let mut out: Vec<Lot> = lots
            .iter()
            .zip(&values)
            .map(|((title, set), value)| Lot {
                title: title.clone(),
                items: set.iter().map(|i| self.lines[i].id).collect(),
                value_gbp: *value,
                eligible_suppliers: 0,
                target_suppliers: 0,
                local: 0,
                sme: 0,
                social_economy: 0,
                largest_capacity_gbp: None,
                capacity_not_stated: 0,
                only_here: 0,
                why: String::new(),
                target_supplier_ids: Vec::new(),
            })
            .collect();
        let mut split_gain = vec![0u32; lots.len()];
        let mut reach = 0u32;
        let mut bids_for: Vec<usize> = Vec::new();
        for e in &self.entries {
            bids_for.clear();
            bids_for.extend(
                lots.iter()
                    .zip(&values)
                    .enumerate()
                    .filter(|(_, ((_, set), value))| {
                        !set.is_empty() && set.is_subset_of(e.mask) && e.capacity.admits(**value)
                    })
                    .map(|(k, _)| k),
            );
            for &k in &bids_for {
                let lot = &mut out[k];
                lot.eligible_suppliers += 1;
                lot.local += u32::from(e.local);
                lot.sme += u32::from(e.sme);
                lot.social_economy += u32::from(e.social);
                match e.capacity.limit() {
                    None => lot.capacity_not_stated += 1,
                    Some(c) => lot.largest_capacity_gbp = lot.largest_capacity_gbp.max(Some(c)),
                }
                if e.target() {
                    lot.target_suppliers += 1;
                    lot.only_here += u32::from(bids_for.len() == 1);
                    if lot.target_supplier_ids.len() < TARGET_IDS_SHOWN {
                        lot.target_supplier_ids.push(e.id);
                    }
                }
            }
            if e.target() {
                if bids_for.is_empty() {
                    // Unreached: would a lot's lines, taken one by one, reach it?
                    for (k, (_, set)) in lots.iter().enumerate() {
                        if set
                            .intersection(e.mask)
                            .iter()
                            .any(|i| e.capacity.admits(self.lines[i].value_gbp))
                        {
                            split_gain[k] += 1;
                        }
                    }
                } else {
                    reach += 1;
                }
            }
        }
        let mut titles: Vec<String> = lots
            .iter()
            .map(|(title, set)| {
                if title.is_empty() {
                    let lines: Vec<&TenderLine> = set.iter().map(|i| &self.lines[i]).collect();
                    if lines.is_empty() {
                        String::from("Empty lot")
                    } else {
                        titles::propose(&lines, labels)
                    }
                } else {
                    title.clone()
                }
            })
            .collect();
        let proposed: Vec<bool> = lots.iter().map(|(title, _)| title.is_empty()).collect();
        titles::make_distinct(&mut titles, &proposed);
        let context = WhyContext {
            lots: lots.len(),
            constraints,
            author,
        };
        for ((lot, title), gain) in out.iter_mut().zip(titles).zip(split_gain) {
            lot.title = title;
            lot.why = why(lot, gain, &context, &self.lines);
        }
        (out, reach)
    }
}

/// Who drew the plan up, which changes what "why this size" can claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Author {
    Planner { exact: bool },
    Buyer,
}

struct WhyContext<'a> {
    lots: usize,
    constraints: &'a PlanConstraints,
    author: Author,
}

/// "Why this size": what the lot holds, who can bid, and what splitting it would change.
fn why(lot: &Lot, split_gain: u32, ctx: &WhyContext, lines: &[TenderLine]) -> String {
    let n = lot.items.len();
    if n == 0 {
        return String::from("This lot has no lines.");
    }
    let mut text = format!(
        "{n} line{} worth {}. {} supplier{} can bid, {} of them local SMEs or social-economy \
         organisations",
        plural(n as u64),
        lot.value_gbp,
        lot.eligible_suppliers,
        plural(u64::from(lot.eligible_suppliers)),
        lot.target_suppliers,
    );
    if lot.only_here > 0 {
        text.push_str(&format!(
            " ({} of whom can bid for no other lot)",
            lot.only_here
        ));
    }
    text.push('.');
    if n == 1 {
        text.push_str(" A single line: it cannot be split further.");
    } else if split_gain == 0 {
        text.push_str(
            " Splitting it would not let any more local SMEs or social-economy organisations bid.",
        );
    } else {
        let c = ctx.constraints;
        let mut limits = Vec::new();
        if ctx.lots + n - 1 > usize::try_from(c.max_lots).unwrap_or(usize::MAX) {
            limits.push(format!("the plan is limited to {} lots", c.max_lots));
        }
        let small = lot
            .items
            .iter()
            .filter_map(|id| lines.iter().find(|l| l.id == *id))
            .any(|l| l.value_gbp < c.min_lot_value_gbp);
        if small {
            limits.push(format!(
                "some of its lines are worth less than the minimum lot value {}",
                c.min_lot_value_gbp
            ));
        }
        let because = match (limits.is_empty(), ctx.author) {
            (false, _) => format!(", but {}", limits.join(" and ")),
            (true, Author::Planner { exact: true }) => {
                String::from(", but every finer split breaks a limit or reaches fewer overall")
            }
            (true, Author::Planner { exact: false }) => String::from(
                ", but the planner found no finer split within the limits that reaches more",
            ),
            (true, Author::Buyer) => String::from(" and stay within the limits"),
        };
        text.push_str(&format!(
            " Splitting it line by line would let {split_gain} more local SMEs or social-economy \
             organisations bid{because}."
        ));
    }
    if lot.capacity_not_stated > 0 {
        text.push_str(&format!(
            " {} of the suppliers who can bid have not stated their capacity.",
            lot.capacity_not_stated
        ));
    }
    text
}

/// The reach with one lot per line (no plan reaches more) and with a single lot.
fn bounds(index: &Index) -> (u32, u32) {
    let singles: Vec<LineSet> = (0..index.n()).map(LineSet::single).collect();
    let single_lot = if index.n() == 0 {
        0
    } else {
        index.reach(&[index.all()])
    };
    (count(index.reach(&singles)), count(single_lot))
}

/// Runs the search: the heuristic, then (when `exact`) the exhaustive search with the
/// heuristic's plan as the one to beat. Without a plan, the heuristic's nearest miss.
fn solve(
    market: &TenderMarket,
    index: &Index,
    limits: &Limits,
    exact: bool,
) -> Result<(Key, Vec<LineSet>), Option<heuristic::Closest>> {
    let heuristic = heuristic::best_plan(index, limits);
    if exact {
        exact::best_plan(&Pool::new(market), limits, heuristic.as_ref().ok().cloned()).ok_or(None)
    } else {
        heuristic
    }
}

/// How close the heuristic comes to the exact optimum on random 10-line tenders.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Lines per tender.
    pub lines: usize,
    pub instances: usize,
    /// Instances where some plan meets the constraints (the others are not scored).
    pub feasible: usize,
    /// Feasible instances where the heuristic reached as many as the optimum.
    pub equal_reach: usize,
    /// Feasible instances where the heuristic found the optimum's full key (reach, lots,
    /// thinnest lot).
    pub equal_key: usize,
    /// Feasible instances where the heuristic found no plan at all.
    pub missed: usize,
    /// Mean of heuristic reach / optimal reach over feasible instances (1 when both 0).
    pub mean_ratio: f64,
    pub worst_ratio: f64,
}

impl fmt::Display for QualityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "heuristic vs exact on {} random {}-line tenders ({} feasible): \
             mean reach ratio {:.4}, worst {:.4}, equal reach {}/{}, equal plan quality {}/{}, \
             no plan found {}",
            self.instances,
            self.lines,
            self.feasible,
            self.mean_ratio,
            self.worst_ratio,
            self.equal_reach,
            self.feasible,
            self.equal_key,
            self.feasible,
            self.missed
        )
    }
}

/// Runs the heuristic and the exact search on `instances` random tenders of
/// [`EXACT_MAX_LINES`] lines and 400 suppliers with tight constraints (seeds `seed`,
/// `seed + 1`, …) and compares their reach.
#[must_use]
pub fn quality_report(instances: usize, seed: u64) -> QualityReport {
    compare_with_exact(&InstanceShape::small(EXACT_MAX_LINES, 400), instances, seed)
}

/// [`quality_report`] for any shape (the exact search is run whatever the size, so keep
/// it small).
pub(crate) fn compare_with_exact(
    shape: &InstanceShape,
    instances: usize,
    seed: u64,
) -> QualityReport {
    let mut report = QualityReport {
        lines: shape.lines,
        instances,
        feasible: 0,
        equal_reach: 0,
        equal_key: 0,
        missed: 0,
        mean_ratio: 0.0,
        worst_ratio: 1.0,
    };
    let mut ratio_sum = 0.0;
    for k in 0..instances {
        let inst = random_instance(shape, seed.wrapping_add(k as u64));
        let Ok(market) = TenderMarket::new(inst.lines, inst.area, &inst.suppliers) else {
            continue;
        };
        let limits = Limits::from(&inst.constraints);
        let Some((best, _)) = exact::best_plan(&Pool::new(&market), &limits, None) else {
            continue;
        };
        report.feasible += 1;
        let ratio = match heuristic::best_plan(&Index::new(&market), &limits).ok() {
            Some((key, _)) => {
                report.equal_reach += usize::from(key.reach == best.reach);
                report.equal_key += usize::from(key == best);
                if best.reach == 0 {
                    1.0
                } else {
                    key.reach as f64 / best.reach as f64
                }
            }
            None => {
                report.missed += 1;
                if best.reach == 0 {
                    1.0
                } else {
                    0.0
                }
            }
        };
        ratio_sum += ratio;
        report.worst_ratio = report.worst_ratio.min(ratio);
    }
    if report.feasible > 0 {
        report.mean_ratio = ratio_sum / report.feasible as f64;
    }
    report
}

#[cfg(test)]
mod tests;
