//! Every integration test in one binary, one module per area: one link of the server
//! instead of ten, and `cargo test` runs them all in parallel. Each test gets a fresh
//! database through `anchorlink_tests::TestApp`.

mod auth_flows;
mod authorisation;
mod cpv_suggest;
mod index_sync;
mod jobs;
mod journeys;
mod read_model;
mod relevance;
mod seed;
mod shortlists;
mod snapshots;
// spend analysis (issue 9)
mod spend;
// registry figures (issue 9)
mod figures;
mod team_and_admin;
mod validation;
// tendering and OCDS (issue 8)
mod tendering;
// abuse limits and credentials (issue 10)
mod abuse;
// tendering: the buyer's pages (issue 8)
mod tender_pages;
// the lot planner, publish and import pages (issue 8 pages)
mod planner_pages;
// every API input checked the same way (issue 13)
mod api_input;
// operating it: metrics and request ids (issue 10)
mod operations;
// light pages (issue 13): compressed, hashed, cacheable assets
mod assets;
// opportunities, interest and partners (issue 12)
mod opportunities;
// opportunity alerts, feeds and bulk import (issue 12)
mod alerts;
// two processes on one database, kill -9 in a burst of writes (issue 10)
mod instances;
// pages answer while another router is built in the process (a Leptos flag is global)
mod concurrency;
