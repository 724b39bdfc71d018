//! `supplier_profiles` table. Schema only; behaviour lives in `crate::services`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "supplier_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: i64,
    pub legal_name: String,
    pub trading_name: String,
    pub legal_form: String,
    pub vat_number: String,
    pub year_founded: Option<i32>,
    pub website: String,
    pub email: String,
    pub phone: String,
    pub address_line1: String,
    pub address_line2: String,
    pub town: String,
    pub postcode: Option<String>,
    pub outcode: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub operating_address: String,
    pub service_radius_km: Option<i32>,
    pub employees: Option<i32>,
    pub turnover_gbp: Option<i64>,
    pub size_class: Option<String>,
    pub social_economy: bool,
    pub ownership_model: Option<String>,
    pub local_staff_pct: Option<i16>,
    pub local_spend_pct: Option<i16>,
    pub capability_statement: String,
    pub keywords: String,
    pub max_contract_value_gbp: Option<i64>,
    pub min_contract_value_gbp: Option<i64>,
    pub completeness: i16,
    pub published: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
