//! sea-orm entities, one module per table, in the layout `sea-orm-cli generate entity`
//! produces. They describe the schema only; finders, validation and invariants live in
//! `crate::services`. Keep them in step with `migrations/`.

pub mod api_token;
pub mod audit_entry;
pub mod buyer_join_request;
pub mod cpv_code;
pub mod email_token;
pub mod form_flash;
pub mod invitation;
pub mod job;
pub mod organisation;
pub mod outcode;
pub mod registry_change;
pub mod saved_search;
pub mod session;
pub mod shortlist;
pub mod shortlist_item;
pub mod supplier_accreditation;
pub mod supplier_contract;
pub mod supplier_cpv;
pub mod supplier_identifier;
pub mod supplier_profile;
pub mod supplier_service_outcode;
pub mod user;

// tendering (issue 8)
pub mod tender;
pub mod tender_item;
pub mod tender_lot;
// spend analysis (issue 9)
pub mod spend_alias;
pub mod spend_analysis;
pub mod spend_analysis_payee;
pub mod spend_analysis_supplier;
pub mod spend_refused_row;
pub mod upload;
pub mod upload_chunk;
// abuse limits (issue 10)
pub mod rate_limit_hit;
// opportunities, interest and partners (issue 12)
pub mod lot_interest;
pub mod partner_request;
// opportunity alerts and feeds (issue 12)
pub mod alert_delivery;
pub mod alert_setting;
pub mod alert_unsubscribe_link;
pub mod lot_match;
pub mod supplier_feed_token;
