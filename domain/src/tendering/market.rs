//! The tender compiled against the registry once ([`TenderMarket`]), and market depth:
//! per line and for the whole tender, how many published suppliers could deliver it, how
//! many are local, SMEs, social economy and big enough, each with the exact supplier
//! filter that lists those suppliers.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::lineset::{LineSet, MAX_LINES};
use super::model::{DeliveryPlace, LocalArea, TenderLine};
use super::rules::{self, Capacity};
use crate::cpv::CpvCode;
use crate::place::{haversine_km, Outcode};
use crate::registry::SupplierSnapshot;
use crate::text::Gbp;

/// Why a tender cannot be compiled for planning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenderError {
    #[error("a tender can be planned with at most {max} lines (this one has {count})")]
    TooManyLines { count: usize, max: usize },
    #[error("line id {0} appears twice")]
    DuplicateLine(i64),
    #[error("line id {0} is not a line of this tender")]
    UnknownLine(i64),
}

/// One searchable supplier that can do at least one line, reduced to what the planner
/// needs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) id: i64,
    /// The lines it covers and serves.
    pub(crate) mask: LineSet,
    pub(crate) capacity: Capacity,
    pub(crate) local: bool,
    pub(crate) sme: bool,
    pub(crate) social: bool,
}

impl Entry {
    pub(crate) const fn target(&self) -> bool {
        self.local && (self.sme || self.social)
    }

    /// The capacity as a number, `u64::MAX` when not stated.
    pub(crate) fn cap(&self) -> u64 {
        self.capacity.limit().map_or(u64::MAX, Gbp::pounds)
    }
}

/// A tender's lines, its local area and every supplier that could do at least one line,
/// compiled once so market depth, planning and plan evaluation do no string or distance
/// work. Build it per request from the current registry; it owns its data.
#[derive(Debug, Clone)]
pub struct TenderMarket {
    pub(crate) lines: Vec<TenderLine>,
    pub(crate) area: LocalArea,
    /// Sorted by supplier id, one entry per id.
    pub(crate) entries: Vec<Entry>,
}

impl TenderMarket {
    /// Compiles `lines` against `suppliers` with the rules in [`super::rules`].
    ///
    /// Suppliers that are not searchable, or that cover-and-serve no line, are dropped
    /// here; a supplier id given twice counts once (the first is kept).
    ///
    /// # Errors
    /// [`TenderError::TooManyLines`] above [`MAX_LINES`] lines,
    /// [`TenderError::DuplicateLine`] when two lines share an id.
    pub fn new<'a>(
        lines: Vec<TenderLine>,
        area: LocalArea,
        suppliers: impl IntoIterator<Item = &'a SupplierSnapshot>,
    ) -> Result<Self, TenderError> {
        if lines.len() > MAX_LINES {
            return Err(TenderError::TooManyLines {
                count: lines.len(),
                max: MAX_LINES,
            });
        }
        let mut ids = HashSet::with_capacity(lines.len());
        for l in &lines {
            if !ids.insert(l.id) {
                return Err(TenderError::DuplicateLine(l.id));
            }
        }
        let mut compiler = Compiler::new(&lines, &area);
        let mut entries: Vec<Entry> = suppliers
            .into_iter()
            .filter_map(|s| compiler.entry(s))
            .collect();
        // Stable, so the first of two snapshots with one id is the one kept.
        entries.sort_by_key(|e| e.id);
        entries.dedup_by_key(|e| e.id);
        Ok(Self {
            lines,
            area,
            entries,
        })
    }

    /// The tender's lines, in the order given.
    #[must_use]
    pub fn lines(&self) -> &[TenderLine] {
        &self.lines
    }

    /// The buyer's local area.
    #[must_use]
    pub fn area(&self) -> &LocalArea {
        &self.area
    }

    /// How many searchable suppliers can do at least one line.
    #[must_use]
    pub fn capable_suppliers(&self) -> usize {
        self.entries.len()
    }

    /// The ids of the suppliers eligible for a lot of these lines, in id order (for
    /// naming them on a page or notifying them when the tender is published).
    ///
    /// # Errors
    /// [`TenderError::UnknownLine`] for an id that is not a line of this tender.
    pub fn eligible_suppliers(&self, line_ids: &[i64]) -> Result<Vec<i64>, TenderError> {
        let set = self.line_set(line_ids)?;
        if set.is_empty() {
            return Ok(Vec::new());
        }
        let value = self.value(set);
        Ok(self
            .entries
            .iter()
            .filter(|e| set.is_subset_of(e.mask) && e.capacity.admits(value))
            .map(|e| e.id)
            .collect())
    }

    pub(crate) fn index_of(&self, line_id: i64) -> Option<usize> {
        self.lines.iter().position(|l| l.id == line_id)
    }

    pub(crate) fn line_set(&self, line_ids: &[i64]) -> Result<LineSet, TenderError> {
        let mut set = LineSet::EMPTY;
        for &id in line_ids {
            set.insert(self.index_of(id).ok_or(TenderError::UnknownLine(id))?);
        }
        Ok(set)
    }

    pub(crate) fn value(&self, set: LineSet) -> Gbp {
        rules::lot_value(set.iter().map(|i| &self.lines[i]))
    }

    /// Market depth per line and for the whole tender.
    #[must_use]
    pub fn depth(&self) -> MarketDepth {
        let mut per_line = vec![Tally::default(); self.lines.len()];
        let mut total = Tally::default();
        for e in &self.entries {
            let mut takes_some = false;
            for i in e.mask.iter() {
                let takes = e.capacity.admits(self.lines[i].value_gbp);
                per_line[i].add(e, takes);
                takes_some |= takes;
            }
            total.add(e, takes_some);
        }
        let criteria: Vec<LineCriterion> = self.lines.iter().map(LineCriterion::capable).collect();
        let lines = self
            .lines
            .iter()
            .zip(per_line)
            .zip(&criteria)
            .map(|((line, tally), criterion)| LineDepth {
                line_id: line.id,
                value_gbp: line.value_gbp,
                counts: tally.counts,
                filters: DepthFilters::new(std::slice::from_ref(criterion), &self.area, line),
            })
            .collect();
        MarketDepth {
            lines,
            total: TenderDepth {
                counts: total.counts,
                filters: DepthFilters::for_tender(&criteria, &self.lines, &self.area),
            },
        }
    }
}

/// Turns snapshots into entries with the functions of [`rules`]. Suppliers share CPV
/// codes and locations (a location is an outcode centroid), so what each code covers,
/// each location's distance to each delivery place and whether a place is local are
/// worked out once and reused. A test checks the result against the rule functions.
struct Compiler<'a> {
    area: &'a LocalArea,
    /// Per CPV division (first two digits): each distinct line code and its lines.
    by_division: Vec<Vec<(CpvCode, LineSet)>>,
    /// Each distinct delivery place and its lines.
    places: Vec<(DeliveryPlace, LineSet)>,
    /// Lines without a delivery place.
    anywhere: LineSet,
    /// The lines delivered in each outcode.
    lines_at: HashMap<Outcode, LineSet>,
    /// A supplier's CPV code → the lines on its branch.
    covered_by_code: HashMap<String, LineSet>,
    /// A location → its distance to each place (NaN until needed).
    distances: HashMap<(u64, u64), Vec<f64>>,
    /// An outcode (outcode areas) or location (radius areas) → local or not.
    local_by_outcode: HashMap<String, bool>,
    local_by_location: HashMap<(u64, u64), bool>,
}

fn division(code: &CpvCode) -> usize {
    code.as_str().bytes().take(2).fold(0, |acc, b| {
        acc * 10 + usize::from(b.wrapping_sub(b'0')).min(9)
    })
}

fn location_key((lat, lon): (f64, f64)) -> (u64, u64) {
    (lat.to_bits(), lon.to_bits())
}

impl<'a> Compiler<'a> {
    fn new(lines: &[TenderLine], area: &'a LocalArea) -> Self {
        let mut by_division: Vec<Vec<(CpvCode, LineSet)>> = vec![Vec::new(); 100];
        let mut places: Vec<(DeliveryPlace, LineSet)> = Vec::new();
        let mut anywhere = LineSet::EMPTY;
        for (i, line) in lines.iter().enumerate() {
            let bucket = &mut by_division[division(&line.cpv)];
            match bucket.iter_mut().find(|(c, _)| *c == line.cpv) {
                Some((_, set)) => set.insert(i),
                None => bucket.push((line.cpv.clone(), LineSet::single(i))),
            }
            match &line.delivery {
                None => anywhere.insert(i),
                Some(p) => match places.iter_mut().find(|(q, _)| q == p) {
                    Some((_, set)) => set.insert(i),
                    None => places.push((p.clone(), LineSet::single(i))),
                },
            }
        }
        let mut lines_at: HashMap<Outcode, LineSet> = HashMap::new();
        for (place, lines) in &places {
            let at = lines_at.entry(place.outcode.clone()).or_default();
            *at = at.union(*lines);
        }
        Self {
            area,
            by_division,
            places,
            anywhere,
            lines_at,
            covered_by_code: HashMap::new(),
            distances: HashMap::new(),
            local_by_outcode: HashMap::new(),
            local_by_location: HashMap::new(),
        }
    }

    /// The lines whose code is on the branch of `code`.
    fn covered(&mut self, code: &CpvCode) -> LineSet {
        if let Some(set) = self.covered_by_code.get(code.as_str()) {
            return *set;
        }
        // Codes on one branch share their division, so only that bucket can match.
        let set = self.by_division[division(code)]
            .iter()
            .filter(|(line_code, _)| code.on_branch_of(line_code))
            .fold(LineSet::EMPTY, |acc, (_, set)| acc.union(*set));
        self.covered_by_code.insert(code.as_str().to_owned(), set);
        set
    }

    /// The lines among `covered` whose delivery place the supplier serves: the places
    /// it names, and the places within its service circle.
    fn served(&mut self, s: &SupplierSnapshot, covered: LineSet) -> LineSet {
        let mut served = covered.intersection(self.anywhere);
        for named in &s.service_outcodes {
            let Ok(outcode) = Outcode::parse(named) else {
                continue;
            };
            if let Some(lines) = self.lines_at.get(&outcode) {
                served = served.union(covered.intersection(*lines));
            }
        }
        let Some((location, radius)) = rules::service_reach(s) else {
            return served;
        };
        let places = &self.places;
        let row = self
            .distances
            .entry(location_key(location))
            .or_insert_with(|| vec![f64::NAN; places.len()]);
        for (p, (place, lines)) in places.iter().enumerate() {
            if !covered.intersects(*lines) || lines.is_subset_of(served) {
                continue;
            }
            if row[p].is_nan() {
                row[p] = haversine_km(location.0, location.1, place.lat, place.lon);
            }
            if row[p] <= radius {
                served = served.union(covered.intersection(*lines));
            }
        }
        served
    }

    fn local(&mut self, s: &SupplierSnapshot) -> bool {
        match self.area {
            LocalArea::Outcodes(_) => {
                let Some(outcode) = s.outcode.as_deref() else {
                    return false;
                };
                if let Some(&local) = self.local_by_outcode.get(outcode) {
                    return local;
                }
                let local = rules::is_local(s, self.area);
                self.local_by_outcode.insert(outcode.to_owned(), local);
                local
            }
            LocalArea::Near { .. } => {
                let Some(location) = s.location else {
                    return false;
                };
                *self
                    .local_by_location
                    .entry(location_key(location))
                    .or_insert_with(|| rules::is_local(s, self.area))
            }
        }
    }

    fn entry(&mut self, s: &SupplierSnapshot) -> Option<Entry> {
        if !s.is_searchable() {
            return None;
        }
        let covered = s
            .cpv
            .iter()
            .fold(LineSet::EMPTY, |acc, code| acc.union(self.covered(code)));
        if covered.is_empty() {
            return None;
        }
        let mask = self.served(s, covered);
        if mask.is_empty() {
            return None;
        }
        Some(Entry {
            id: s.id,
            mask,
            capacity: rules::capacity(s),
            local: self.local(s),
            sme: s.is_sme(),
            social: s.social_economy,
        })
    }
}

/// How many suppliers, of a set able to deliver, have each property.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepthCounts {
    /// Published suppliers that cover and serve (at least one line, for a tender).
    pub capable: u32,
    /// Of those, local to the buyer's area.
    pub local: u32,
    pub sme: u32,
    pub social_economy: u32,
    /// Local and (SME or social economy): the suppliers the lot planner tries to reach.
    pub target: u32,
    /// Able to take the line's value (for a tender: at least one line's). Suppliers that
    /// state no capacity count, as in the eligibility rule.
    pub can_take_value: u32,
    /// Of the capable, how many state no capacity.
    pub capacity_not_stated: u32,
    /// The largest capacity declared among the capable (`None` when nobody states one).
    pub largest_capacity_gbp: Option<Gbp>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    counts: DepthCounts,
}

impl Tally {
    fn add(&mut self, e: &Entry, takes_value: bool) {
        let c = &mut self.counts;
        c.capable += 1;
        c.local += u32::from(e.local);
        c.sme += u32::from(e.sme);
        c.social_economy += u32::from(e.social);
        c.target += u32::from(e.target());
        c.can_take_value += u32::from(takes_value);
        match e.capacity.limit() {
            None => c.capacity_not_stated += 1,
            Some(cap) => c.largest_capacity_gbp = c.largest_capacity_gbp.max(Some(cap)),
        }
    }
}

/// Market depth of one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineDepth {
    pub line_id: i64,
    pub value_gbp: Gbp,
    pub counts: DepthCounts,
    /// The supplier filter behind each count, for its link.
    pub filters: DepthFilters,
}

/// Market depth of the whole tender: distinct suppliers capable of at least one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenderDepth {
    pub counts: DepthCounts,
    pub filters: DepthFilters,
}

/// Market depth per line and for the whole tender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketDepth {
    pub lines: Vec<LineDepth>,
    pub total: TenderDepth,
}

/// One supplier filter per count of [`DepthCounts`] (the capacity-not-stated and largest
/// capacity figures have no list of their own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepthFilters {
    pub capable: SupplierFilter,
    pub local: SupplierFilter,
    pub sme: SupplierFilter,
    pub social_economy: SupplierFilter,
    pub target: SupplierFilter,
    pub can_take_value: SupplierFilter,
}

impl DepthFilters {
    fn new(criteria: &[LineCriterion], area: &LocalArea, line: &TenderLine) -> Self {
        let can_take = vec![LineCriterion {
            min_capacity_gbp: Some(line.value_gbp),
            ..criteria[0].clone()
        }];
        Self::build(criteria.to_vec(), can_take, area)
    }

    fn for_tender(criteria: &[LineCriterion], lines: &[TenderLine], area: &LocalArea) -> Self {
        let can_take = criteria
            .iter()
            .zip(lines)
            .map(|(c, l)| LineCriterion {
                min_capacity_gbp: Some(l.value_gbp),
                ..c.clone()
            })
            .collect();
        Self::build(criteria.to_vec(), can_take, area)
    }

    fn build(any_of: Vec<LineCriterion>, can_take: Vec<LineCriterion>, area: &LocalArea) -> Self {
        let with = |kind: SupplierKind, local: bool| SupplierFilter {
            any_of: any_of.clone(),
            local_to: local.then(|| area.clone()),
            kind,
        };
        Self {
            capable: with(SupplierKind::Any, false),
            local: with(SupplierKind::Any, true),
            sme: with(SupplierKind::Sme, false),
            social_economy: with(SupplierKind::SocialEconomy, false),
            target: with(SupplierKind::SmeOrSocialEconomy, true),
            can_take_value: SupplierFilter {
                any_of: can_take,
                local_to: None,
                kind: SupplierKind::Any,
            },
        }
    }
}

/// Which kinds of organisation a filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplierKind {
    Any,
    Sme,
    SocialEconomy,
    SmeOrSocialEconomy,
}

/// "Can do this line": covers its CPV code's branch, serves its delivery place, and (when
/// set) can take a contract of `min_capacity_gbp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineCriterion {
    pub line_id: i64,
    /// Matched as a branch: the code, its ancestors and its descendants.
    pub cpv: CpvCode,
    /// Matched with the *serves* rule; `None`: anywhere.
    pub delivery: Option<DeliveryPlace>,
    /// Capacity at least this; a supplier that states no capacity passes.
    pub min_capacity_gbp: Option<Gbp>,
}

impl LineCriterion {
    fn capable(line: &TenderLine) -> Self {
        Self {
            line_id: line.id,
            cpv: line.cpv.clone(),
            delivery: line.delivery.clone(),
            min_capacity_gbp: None,
        }
    }

    /// True when the supplier meets this criterion (searchability is the filter's).
    #[must_use]
    pub fn matches(&self, s: &SupplierSnapshot) -> bool {
        rules::covers_code(s, &self.cpv)
            && rules::serves(s, self.delivery.as_ref())
            && self
                .min_capacity_gbp
                .is_none_or(|min| rules::capacity(s).admits(min))
    }
}

/// The supplier search that lists exactly the suppliers behind one market-depth count:
/// searchable, meeting at least one criterion, local to `local_to` when set, and of
/// `kind`. The backend turns it into a search URL; [`SupplierFilter::matches`] is its
/// meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierFilter {
    /// One criterion for a line's figures; one per line for the whole tender's.
    pub any_of: Vec<LineCriterion>,
    pub local_to: Option<LocalArea>,
    pub kind: SupplierKind,
}

impl SupplierFilter {
    /// True when the filter lists this supplier.
    #[must_use]
    pub fn matches(&self, s: &SupplierSnapshot) -> bool {
        s.is_searchable()
            && self.any_of.iter().any(|c| c.matches(s))
            && self.local_to.as_ref().is_none_or(|a| rules::is_local(s, a))
            && match self.kind {
                SupplierKind::Any => true,
                SupplierKind::Sme => s.is_sme(),
                SupplierKind::SocialEconomy => s.social_economy,
                SupplierKind::SmeOrSocialEconomy => s.is_sme() || s.social_economy,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::SizeClass;
    use crate::tendering::random::{random_instance, InstanceShape};
    use crate::tendering::rules::tests::{line, outcode, place, supplier, PRESTON, SHEFFIELD};

    fn area() -> LocalArea {
        LocalArea::Outcodes([outcode("PR1")].into())
    }

    #[test]
    fn two_lines_with_the_same_id_are_refused() {
        let lines = vec![line(1, "77314000", 1, None), line(1, "77313000", 1, None)];
        let err = TenderMarket::new(lines, area(), []).expect_err("duplicate id");
        assert_eq!(err, TenderError::DuplicateLine(1));
    }

    #[test]
    fn more_lines_than_the_planner_handles_are_refused() {
        let lines = (0..=MAX_LINES as i64)
            .map(|i| line(i, "77314000", 1, None))
            .collect();
        let err = TenderMarket::new(lines, area(), []).expect_err("too many lines");
        assert_eq!(
            err,
            TenderError::TooManyLines {
                count: MAX_LINES + 1,
                max: MAX_LINES
            }
        );
    }

    #[test]
    fn depth_counts_each_kind_of_capable_supplier_per_line() {
        let lines = vec![
            line(10, "77314000", 50_000, None),
            line(11, "90911200", 5_000, Some(place("S1", SHEFFIELD))),
        ];
        let mut local_sme = supplier(1, &["77310000"]);
        local_sme.max_contract_value_gbp = Some(20_000);
        let mut social_far = supplier(2, &["77000000", "90900000"]);
        social_far.size = Some(SizeClass::Large);
        social_far.social_economy = true;
        social_far.outcode = Some("S1".into());
        social_far.location = Some(SHEFFIELD);
        social_far.turnover_gbp = Some(1_000_000);
        let mut hidden = supplier(3, &["77000000"]);
        hidden.published = false;
        let unrelated = supplier(4, &["45000000"]);
        let suppliers = [local_sme, social_far, hidden, unrelated];
        let market = TenderMarket::new(lines, area(), &suppliers).expect("valid tender");
        let depth = market.depth();
        let grounds = depth.lines[0].counts;
        assert_eq!(
            grounds,
            DepthCounts {
                capable: 2,
                local: 1,
                sme: 1,
                social_economy: 1,
                target: 1,
                can_take_value: 1,
                capacity_not_stated: 0,
                largest_capacity_gbp: Some(Gbp::new(500_000)),
            }
        );
        let cleaning = depth.lines[1].counts;
        assert_eq!(
            (cleaning.capable, cleaning.local, cleaning.target),
            (1, 0, 0)
        );
        assert_eq!(depth.total.counts.capable, 2);
        // Only the social-economy firm can take a line it does (£50,000 is over £20,000).
        assert_eq!(depth.total.counts.can_take_value, 1);
        assert_eq!(market.capable_suppliers(), 2);
    }

    #[test]
    fn every_depth_count_is_exactly_what_its_filter_lists() {
        for seed in 0..6 {
            let inst = random_instance(&InstanceShape::small(8, 300), seed);
            let market = TenderMarket::new(inst.lines.clone(), inst.area.clone(), &inst.suppliers)
                .expect("generated tenders are valid");
            let depth = market.depth();
            let check = |counts: &DepthCounts, filters: &DepthFilters| {
                let n = |f: &SupplierFilter| {
                    u32::try_from(inst.suppliers.iter().filter(|s| f.matches(s)).count())
                        .expect("few suppliers")
                };
                assert_eq!(counts.capable, n(&filters.capable), "seed {seed}");
                assert_eq!(counts.local, n(&filters.local), "seed {seed}");
                assert_eq!(counts.sme, n(&filters.sme), "seed {seed}");
                assert_eq!(
                    counts.social_economy,
                    n(&filters.social_economy),
                    "seed {seed}"
                );
                assert_eq!(counts.target, n(&filters.target), "seed {seed}");
                assert_eq!(
                    counts.can_take_value,
                    n(&filters.can_take_value),
                    "seed {seed}"
                );
            };
            for l in &depth.lines {
                check(&l.counts, &l.filters);
            }
            check(&depth.total.counts, &depth.total.filters);
            assert!(depth.total.counts.capable > 0, "seed {seed} has a market");
        }
    }

    #[test]
    fn compiled_entries_agree_with_the_rule_functions() {
        for seed in 0..4 {
            let inst = random_instance(&InstanceShape::small(10, 400), seed);
            let market = TenderMarket::new(inst.lines.clone(), inst.area.clone(), &inst.suppliers)
                .expect("generated tenders are valid");
            for s in &inst.suppliers {
                let entry = market.entries.iter().find(|e| e.id == s.id);
                for (i, l) in inst.lines.iter().enumerate() {
                    let can = s.is_searchable()
                        && rules::covers(s, l)
                        && rules::serves(s, l.delivery.as_ref());
                    assert_eq!(
                        entry.is_some_and(|e| e.mask.contains(i)),
                        can,
                        "seed {seed}"
                    );
                }
                if let Some(e) = entry {
                    assert_eq!(e.target(), rules::is_target(s, &inst.area));
                    assert_eq!(e.capacity, rules::capacity(s));
                }
            }
        }
    }

    #[test]
    fn eligible_suppliers_for_a_lot_are_listed_by_id() {
        let lines = vec![line(1, "77314000", 10, None), line(2, "77313000", 10, None)];
        let mut small = supplier(5, &["77300000"]);
        small.max_contract_value_gbp = Some(15);
        let suppliers = [
            supplier(9, &["77000000"]),
            small,
            supplier(7, &["77314000"]),
        ];
        let market = TenderMarket::new(lines, area(), &suppliers).expect("valid tender");
        assert_eq!(market.eligible_suppliers(&[1]), Ok(vec![5, 7, 9]));
        assert_eq!(market.eligible_suppliers(&[1, 2]), Ok(vec![9]));
        assert_eq!(
            market.eligible_suppliers(&[3]),
            Err(TenderError::UnknownLine(3))
        );
    }

    #[test]
    fn a_supplier_listed_twice_counts_once() {
        let s = supplier(1, &["77000000"]);
        let market = TenderMarket::new(
            vec![line(1, "77314000", 1, Some(place("PR1", PRESTON)))],
            area(),
            [&s, &s],
        )
        .expect("valid tender");
        assert_eq!(market.depth().lines[0].counts.capable, 1);
    }
}
