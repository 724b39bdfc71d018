//! Schema migrations for Anchorlink. This crate depends on nothing else in the workspace so
//! that the schema can be migrated (and rolled back) without building the application.

pub use sea_orm_migration::prelude::*;

mod ident;
mod m20261128_000001_create_accounts;
mod m20261128_000002_create_registry;
mod m20261128_000003_load_reference_data;
mod m20261128_000004_registry_changes;
mod m20261128_000010_shortlists;
mod m20261201_090000_jobs;
// spend analysis (issue 9)
mod m20261201_110000_spend;

// tendering (issue 8)
mod m20261201_100000_tendering;

// abuse limits, session idle timeout, token expiry and scope (issue 10)
mod m20261201_130000_account_limits;

// opportunities, interest and partners (issue 12)
mod m20261202_100000_opportunities;
// opportunity alerts and feeds (issue 12)
mod m20261202_110000_alerts;
// a buyer organisation's org-id for its OCDS exports (issue 8)
mod m20261203_100000_buyer_identifiers;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_accounts::Migration),
            Box::new(m20261128_000002_create_registry::Migration),
            Box::new(m20261128_000003_load_reference_data::Migration),
            Box::new(m20261128_000004_registry_changes::Migration),
            Box::new(m20261128_000010_shortlists::Migration),
            Box::new(m20261201_090000_jobs::Migration),
            // tendering (issue 8)
            Box::new(m20261201_100000_tendering::Migration),
            // spend analysis (issue 9)
            Box::new(m20261201_110000_spend::Migration),
            // abuse limits, session idle timeout, token expiry and scope (issue 10)
            Box::new(m20261201_130000_account_limits::Migration),
            // opportunities, interest and partners (issue 12)
            Box::new(m20261202_100000_opportunities::Migration),
            // opportunity alerts and feeds (issue 12)
            Box::new(m20261202_110000_alerts::Migration),
            // a buyer organisation's org-id for its OCDS exports (issue 8)
            Box::new(m20261203_100000_buyer_identifiers::Migration),
        ]
    }
}
