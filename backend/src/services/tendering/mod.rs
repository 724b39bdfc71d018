//! Tendering: tenders and their requirement lines, market depth, the lot planner and the
//! opportunities matched to suppliers. The rules live in `domain::tendering`; the services
//! that store tenders and read the registry through its read model
//! (`services::registry::snapshots`) go here.
