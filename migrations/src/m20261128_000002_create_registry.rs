//! The supplier registry: one profile per supplier organisation plus its identifiers, CPV
//! capabilities, service area, accreditations and past contracts; and the reference tables
//! (CPV vocabulary, UK outcodes) that profiles, tenders and spend analysis all resolve against.

use crate::ident::{fk_cascade, fk_set_null, index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000002_create_registry"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("cpv_codes"))
                // eight digits, without the check digit
                .col(string_len(n("code"), 8).primary_key())
                .col(string_len(n("check_digit"), 1))
                .col(string_len(n("label"), 400))
                // 1 division .. 5 finer
                .col(small_integer(n("level")))
                .col(string_len_null(n("parent_code"), 8))
                .to_owned(),
        )
        .await?;
        m.create_index(index("cpv_codes", &["parent_code"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("outcodes"))
                .col(string_len(n("outcode"), 4).primary_key())
                .col(double(n("latitude")))
                .col(double(n("longitude")))
                .col(string_len(n("town"), 100).default(""))
                .col(string_len(n("county"), 100).default(""))
                .col(string_len(n("country"), 40).default(""))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(n("supplier_profiles"))
                .col(big_integer(n("organisation_id")).primary_key())
                .col(string_len(n("legal_name"), 200))
                .col(string_len(n("trading_name"), 200).default(""))
                .col(string_len(n("legal_form"), 40))
                .col(string_len(n("vat_number"), 20).default(""))
                .col(integer_null(n("year_founded")))
                .col(string_len(n("website"), 300).default(""))
                .col(string_len(n("email"), 254).default(""))
                .col(string_len(n("phone"), 40).default(""))
                .col(string_len(n("address_line1"), 200).default(""))
                .col(string_len(n("address_line2"), 200).default(""))
                .col(string_len(n("town"), 100).default(""))
                .col(string_len_null(n("postcode"), 10))
                .col(string_len_null(n("outcode"), 4))
                .col(double_null(n("latitude")))
                .col(double_null(n("longitude")))
                .col(text(n("operating_address")).default(""))
                .col(integer_null(n("service_radius_km")))
                .col(integer_null(n("employees")))
                .col(big_integer_null(n("turnover_gbp")))
                // derived from employees and turnover, stored so search can filter on it
                .col(string_len_null(n("size_class"), 8))
                .col(boolean(n("social_economy")).default(false))
                .col(string_len_null(n("ownership_model"), 32))
                .col(small_integer_null(n("local_staff_pct")))
                .col(small_integer_null(n("local_spend_pct")))
                .col(text(n("capability_statement")).default(""))
                // comma-separated, lower case
                .col(text(n("keywords")).default(""))
                .col(big_integer_null(n("max_contract_value_gbp")))
                .col(big_integer_null(n("min_contract_value_gbp")))
                .col(small_integer(n("completeness")).default(0))
                .col(boolean(n("published")).default(false))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("updated_at")))
                .foreign_key(&mut fk_cascade(
                    "supplier_profiles",
                    "organisation_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("supplier_profiles", &["outcode"], false))
            .await?;
        m.create_index(index("supplier_profiles", &["legal_form"], false))
            .await?;
        m.create_index(index(
            "supplier_profiles",
            &["latitude", "longitude"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(n("supplier_identifiers"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("organisation_id")))
                // org-id scheme prefix, e.g. GB-COH
                .col(string_len(n("scheme"), 16))
                .col(string_len(n("identifier"), 32))
                .col(timestamp_with_time_zone_null(n("verified_at")))
                .col(big_integer_null(n("verified_by")))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_cascade(
                    "supplier_identifiers",
                    "organisation_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null(
                    "supplier_identifiers",
                    "verified_by",
                    "users",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "supplier_identifiers",
            &["scheme", "identifier"],
            true,
        ))
        .await?;
        m.create_index(index("supplier_identifiers", &["organisation_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("supplier_cpv"))
                .col(big_integer(n("organisation_id")))
                .col(string_len(n("cpv_code"), 8))
                .primary_key(Index::create().col(n("organisation_id")).col(n("cpv_code")))
                .foreign_key(&mut fk_cascade(
                    "supplier_cpv",
                    "organisation_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("supplier_cpv", &["cpv_code"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("supplier_service_outcodes"))
                .col(big_integer(n("organisation_id")))
                .col(string_len(n("outcode"), 4))
                .primary_key(Index::create().col(n("organisation_id")).col(n("outcode")))
                .foreign_key(&mut fk_cascade(
                    "supplier_service_outcodes",
                    "organisation_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(n("supplier_accreditations"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("organisation_id")))
                .col(string_len(n("kind"), 32))
                .col(string_len(n("reference"), 100).default(""))
                .col(date_null(n("expires_on")))
                .foreign_key(&mut fk_cascade(
                    "supplier_accreditations",
                    "organisation_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "supplier_accreditations",
            &["organisation_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(n("supplier_contracts"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("organisation_id")))
                .col(string_len(n("buyer_name"), 200))
                .col(big_integer_null(n("value_gbp")))
                .col(integer_null(n("year")))
                .col(text(n("description")).default(""))
                .foreign_key(&mut fk_cascade(
                    "supplier_contracts",
                    "organisation_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("supplier_contracts", &["organisation_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "supplier_contracts",
            "supplier_accreditations",
            "supplier_service_outcodes",
            "supplier_cpv",
            "supplier_identifiers",
            "supplier_profiles",
            "outcodes",
            "cpv_codes",
        ] {
            m.drop_table(Table::drop().table(n(t)).to_owned()).await?;
        }
        Ok(())
    }
}
