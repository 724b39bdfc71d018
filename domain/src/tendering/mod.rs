//! Tendering: tenders, requirement lines, market depth and the lot planner.
