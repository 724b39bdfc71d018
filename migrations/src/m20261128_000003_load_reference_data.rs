//! Loads the CPV 2008 vocabulary and the UK outcode centroids shipped in `data/`, so a fresh
//! install works offline. Sources and licences are in the README.

use crate::ident::n;
use sea_orm_migration::prelude::*;
use std::collections::BTreeMap;

const CPV_JSON: &str = include_str!("../../data/cpv-2008-en.json");
const OUTCODES_CSV: &str = include_str!("../../data/uk-outcodes.csv");
const BATCH: usize = 500;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000003_load_reference_data"
    }
}

/// Depth in the CPV tree from the digits: `XX000000` division (1) … finer than category (5).
fn cpv_level(code: &str) -> i16 {
    let significant = code.trim_end_matches('0').len().max(2);
    match significant {
        2 => 1,
        3 => 2,
        4 => 3,
        5 => 4,
        _ => 5,
    }
}

/// The nearest existing ancestor: zero the last significant digit until a listed code appears.
fn cpv_parent(code: &str, known: &BTreeMap<String, (char, String)>) -> Option<String> {
    let mut digits: Vec<u8> = code.bytes().collect();
    loop {
        let last = digits.iter().rposition(|d| *d != b'0')?;
        if last < 2 {
            return None;
        }
        digits[last] = b'0';
        let candidate = String::from_utf8_lossy(&digits).into_owned();
        if known.contains_key(&candidate) {
            return Some(candidate);
        }
    }
}

fn parse_cpv() -> Result<BTreeMap<String, (char, String)>, DbErr> {
    let raw: BTreeMap<String, String> = serde_json::from_str(CPV_JSON)
        .map_err(|e| DbErr::Migration(format!("data/cpv-2008-en.json is not valid: {e}")))?;
    let mut out = BTreeMap::new();
    for (full, label) in raw {
        let (code, check) = full
            .split_once('-')
            .ok_or_else(|| DbErr::Migration(format!("CPV code without check digit: {full}")))?;
        let check = check
            .chars()
            .next()
            .ok_or_else(|| DbErr::Migration(format!("CPV code without check digit: {full}")))?;
        out.insert(code.to_owned(), (check, label));
    }
    Ok(out)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let cpv = parse_cpv()?;
        let rows: Vec<_> = cpv
            .iter()
            .map(|(code, (check, label))| {
                (
                    code.clone(),
                    check.to_string(),
                    label.clone(),
                    cpv_level(code),
                    cpv_parent(code, &cpv),
                )
            })
            .collect();
        for chunk in rows.chunks(BATCH) {
            let mut insert = Query::insert();
            insert.into_table(n("cpv_codes")).columns([
                n("code"),
                n("check_digit"),
                n("label"),
                n("level"),
                n("parent_code"),
            ]);
            for (code, check, label, level, parent) in chunk {
                insert.values_panic([
                    code.clone().into(),
                    check.clone().into(),
                    label.clone().into(),
                    (*level).into(),
                    parent.clone().into(),
                ]);
            }
            db.execute(&insert).await?;
        }

        let mut reader = csv::Reader::from_reader(OUTCODES_CSV.as_bytes());
        let mut records = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| DbErr::Migration(format!("data/uk-outcodes.csv: {e}")))?;
            let field = |i: usize| rec.get(i).unwrap_or("").trim().to_owned();
            let lat: f64 = field(1)
                .parse()
                .map_err(|e| DbErr::Migration(format!("outcode {} latitude: {e}", field(0))))?;
            let lon: f64 = field(2)
                .parse()
                .map_err(|e| DbErr::Migration(format!("outcode {} longitude: {e}", field(0))))?;
            records.push((
                field(0).to_uppercase(),
                lat,
                lon,
                field(3),
                field(4),
                field(5),
            ));
        }
        for chunk in records.chunks(BATCH) {
            let mut insert = Query::insert();
            insert.into_table(n("outcodes")).columns([
                n("outcode"),
                n("latitude"),
                n("longitude"),
                n("town"),
                n("county"),
                n("country"),
            ]);
            for (code, lat, lon, town, county, country) in chunk {
                insert.values_panic([
                    code.clone().into(),
                    (*lat).into(),
                    (*lon).into(),
                    town.clone().into(),
                    county.clone().into(),
                    country.clone().into(),
                ]);
            }
            db.execute(&insert).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute(&Query::delete().from_table(n("outcodes")).to_owned())
            .await?;
        db.execute(&Query::delete().from_table(n("cpv_codes")).to_owned())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cpv_code_below_a_division_has_a_listed_parent() {
        let cpv = parse_cpv().expect("shipped CPV list parses");
        assert_eq!(cpv.len(), 9454);
        for code in cpv.keys() {
            let parent = cpv_parent(code, &cpv);
            assert_eq!(parent.is_none(), cpv_level(code) == 1, "code {code}");
        }
    }

    #[test]
    fn cpv_levels_follow_the_digits() {
        assert_eq!(cpv_level("45000000"), 1);
        assert_eq!(cpv_level("45100000"), 2);
        assert_eq!(cpv_level("45110000"), 3);
        assert_eq!(cpv_level("45111000"), 4);
        assert_eq!(cpv_level("45111200"), 5);
    }
}
