//! `anchorlink seed`: realistic synthetic suppliers for demos and benchmarks. Real CPV codes
//! and outcodes, skewed the way real registries are (most firms micro, clustered in cities,
//! a long tail of trades), deterministic for a given random seed.

use backend::entities::{organisation, supplier_cpv, supplier_profile};
use backend::AppState;
use domain::accounts::{OrgKind, OrgStatus};
use domain::registry::{LegalForm, SizeClass};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Set, TransactionTrait,
};

/// A trade: what the supplier does, its CPV codes, and words for its statement.
struct Trade {
    noun: &'static str,
    cpv: &'static [&'static str],
    statement: &'static str,
    keywords: &'static [&'static str],
}

const TRADES: &[Trade] = &[
    Trade { noun: "Grounds Maintenance", cpv: &["77314000", "77310000", "77211400"], statement: "Grounds maintenance for parks, schools and housing estates: grass cutting, mowing, hedge trimming, tree surgery and planting.", keywords: &["grounds maintenance", "mowing", "landscaping", "tree surgery"] },
    Trade { noun: "Catering", cpv: &["55520000", "55524000", "55321000"], statement: "Fresh, locally sourced catering including school meals, hospital food and event buffets.", keywords: &["catering", "school meals", "local food"] },
    Trade { noun: "Cleaning Services", cpv: &["90910000", "90911200", "90919200"], statement: "Commercial and office cleaning, deep cleans and window cleaning for public buildings.", keywords: &["cleaning", "office cleaning", "window cleaning"] },
    Trade { noun: "Building Services", cpv: &["45000000", "45453000", "45262000"], statement: "Building repairs, refurbishment and maintenance of housing and public buildings.", keywords: &["construction", "repairs", "refurbishment"] },
    Trade { noun: "Electrical", cpv: &["45310000", "45311000", "50711000"], statement: "Electrical installation, testing and inspection, and repair of lighting and power systems.", keywords: &["electrician", "electrical installation", "testing"] },
    Trade { noun: "Plumbing and Heating", cpv: &["45330000", "45331000", "50720000"], statement: "Plumbing, heating installation and boiler servicing for social housing and schools.", keywords: &["plumbing", "heating", "boiler servicing"] },
    Trade { noun: "IT Support", cpv: &["72000000", "72250000", "72611000"], statement: "IT support, networks and managed services for small public bodies and charities.", keywords: &["it support", "networks", "managed services"] },
    Trade { noun: "Cyber Security", cpv: &["72212730", "80533100", "72590000"], statement: "Cyber security training, penetration testing and Cyber Essentials readiness.", keywords: &["cyber security", "security training", "cyber essentials"] },
    Trade { noun: "Care", cpv: &["85310000", "85311000", "85312000"], statement: "Home care, supported living and day services for older and disabled people.", keywords: &["social care", "home care", "supported living"] },
    Trade { noun: "Community Transport", cpv: &["60130000", "60112000", "60140000"], statement: "Accessible community transport, school runs and patient transport with trained drivers.", keywords: &["transport", "minibus", "accessible travel"] },
    Trade { noun: "Print and Design", cpv: &["79810000", "79822500", "22100000"], statement: "Print, graphic design and signage, printed on recycled stock.", keywords: &["printing", "graphic design", "signage"] },
    Trade { noun: "Recycling", cpv: &["90500000", "90511000", "90514000"], statement: "Waste collection and recycling, furniture reuse and clearance.", keywords: &["recycling", "waste collection", "reuse"] },
    Trade { noun: "Training", cpv: &["80500000", "80530000", "80570000"], statement: "Vocational training, apprenticeships and personal development courses.", keywords: &["training", "apprenticeships", "courses"] },
    Trade { noun: "Consulting", cpv: &["79411000", "79400000", "79419000"], statement: "Management consultancy, evaluation and community engagement for public services.", keywords: &["consultancy", "evaluation", "engagement"] },
    Trade { noun: "Security", cpv: &["79710000", "79713000", "79714000"], statement: "Manned guarding, key holding and event security with SIA-licensed staff.", keywords: &["security", "guarding", "events"] },
    Trade { noun: "Food Supply", cpv: &["15000000", "03221000", "15810000"], statement: "Local fruit, vegetables and bakery supplies delivered to schools and care homes.", keywords: &["food supply", "vegetables", "bakery"] },
    Trade { noun: "Architects", cpv: &["71200000", "71221000", "71240000"], statement: "Architectural design for community buildings, retrofit and accessible housing.", keywords: &["architecture", "design", "retrofit"] },
    Trade { noun: "Laundry", cpv: &["98310000", "98311000", "98315000"], statement: "Laundry and linen services for care homes, hotels and clinics.", keywords: &["laundry", "linen", "washing"] },
    Trade { noun: "Events", cpv: &["79952000", "79950000", "92300000"], statement: "Event management, festivals and community arts programmes.", keywords: &["events", "festivals", "arts"] },
    Trade { noun: "Furniture", cpv: &["39100000", "39130000", "39150000"], statement: "Furniture making and refurbishment for offices, schools and libraries.", keywords: &["furniture", "joinery", "refurbishment"] },
];

const FIRST: &[&str] = &[
    "Riverside",
    "Northern",
    "Green",
    "Red Rose",
    "Pennine",
    "Harbour",
    "Valley",
    "Moorland",
    "Castle",
    "Community",
    "Oak",
    "Millstone",
    "Canal",
    "Heritage",
    "Bridge",
    "Beacon",
    "Thistle",
    "Dragon",
    "Meadow",
    "Unity",
];

/// Legal forms with rough weights from UK registries: mostly companies and sole traders.
const FORMS: &[(LegalForm, u32)] = &[
    (LegalForm::PrivateLimitedCompany, 45),
    (LegalForm::SoleTrader, 15),
    (LegalForm::Cic, 10),
    (LegalForm::Charity, 8),
    (LegalForm::CompanyLimitedByGuarantee, 6),
    (LegalForm::WorkerCoop, 4),
    (LegalForm::CommunityBenefitSociety, 3),
    (LegalForm::Partnership, 3),
    (LegalForm::CooperativeSociety, 2),
    (LegalForm::Llp, 2),
    (LegalForm::ConsumerCoop, 1),
    (LegalForm::PublicBody, 1),
];

/// Letters used in the inward part of real postcodes (never C, I, K, M, O or V).
fn inward_letter(rng: &mut StdRng) -> char {
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    char::from(LETTERS[rng.gen_range(0..LETTERS.len())])
}

fn pick_form(rng: &mut StdRng) -> LegalForm {
    let total: u32 = FORMS.iter().map(|(_, w)| w).sum();
    let mut n = rng.gen_range(0..total);
    for (f, w) in FORMS {
        if n < *w {
            return *f;
        }
        n -= w;
    }
    LegalForm::PrivateLimitedCompany
}

fn suffix(form: LegalForm) -> &'static str {
    match form {
        LegalForm::WorkerCoop | LegalForm::ConsumerCoop | LegalForm::CooperativeSociety => {
            "Co-operative"
        }
        LegalForm::CommunityBenefitSociety => "Community Society",
        LegalForm::Cic => "CIC",
        LegalForm::Charity => "Trust",
        LegalForm::CompanyLimitedByGuarantee => "Partnership Ltd",
        LegalForm::PrivateLimitedCompany => "Ltd",
        LegalForm::PublicLimitedCompany => "plc",
        LegalForm::Partnership => "& Partners",
        LegalForm::Llp => "LLP",
        LegalForm::SoleTrader => "",
        LegalForm::PublicBody => "(Municipal)",
    }
}

/// Inserts `count` synthetic suppliers, in batches, with a progress bar on standard error.
///
/// # Errors
/// Database failures.
pub async fn seed(state: &AppState, count: u64, random_seed: u64) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(random_seed);
    let mut outcodes: Vec<_> = state.env.outcodes.iter().collect();
    // The table's iteration order is not fixed; sort so a seed always gives the same data.
    outcodes.sort_by(|a, b| a.outcode.as_str().cmp(b.outcode.as_str()));
    anyhow::ensure!(!outcodes.is_empty(), "the outcode table is empty");
    // Skew: the first few hundred outcodes of a seeded shuffle get most suppliers, like cities.
    let mut order: Vec<usize> = (0..outcodes.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.gen_range(0..=i));
    }
    let trades: Vec<(&Trade, Vec<String>)> = TRADES
        .iter()
        .map(|t| {
            (
                t,
                t.cpv
                    .iter()
                    .filter_map(|c| state.env.cpv.validate(c).ok().map(|e| e.code))
                    .collect(),
            )
        })
        .collect();
    let start: i64 = organisation::Entity::find()
        .select_only()
        .column_as(organisation::Column::Id.max(), "max")
        .into_tuple::<Option<i64>>()
        .one(&state.db)
        .await?
        .flatten()
        .unwrap_or(0)
        + 1;
    let bar = ProgressBar::new(count);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} seeding [{bar:40}] {pos}/{len} suppliers ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let now = chrono::Utc::now();
    let batch = 400_u64;
    let mut done = 0_u64;
    while done < count {
        let n = batch.min(count - done);
        let mut orgs = Vec::with_capacity(n as usize);
        let mut profiles = Vec::with_capacity(n as usize);
        let mut cpvs = Vec::new();
        for k in 0..n {
            let id = start + i64::try_from(done + k)?;
            // Squaring a uniform draw favours low ranks: a few busy places, a long tail.
            let r: f64 = rng.gen();
            let place = outcodes[order[((r * r) * order.len() as f64) as usize % order.len()]];
            let (trade, codes) = &trades
                [((rng.gen::<f64>().powf(1.6)) * trades.len() as f64) as usize % trades.len()];
            let form = pick_form(&mut rng);
            let town = if place.town.is_empty() {
                place.county.clone()
            } else {
                place.town.clone()
            };
            let first = if rng.gen_bool(0.5) {
                town.clone()
            } else {
                FIRST[rng.gen_range(0..FIRST.len())].to_owned()
            };
            let name = format!("{first} {} {}", trade.noun, suffix(form))
                .trim_end()
                .to_owned();
            let employees: i32 = match rng.gen_range(0..100) {
                0..=69 => rng.gen_range(1..10),
                70..=91 => rng.gen_range(10..50),
                92..=98 => rng.gen_range(50..250),
                _ => rng.gen_range(250..2000),
            };
            let turnover = i64::from(employees) * rng.gen_range(35_000..90_000);
            let size =
                SizeClass::derive(u32::try_from(employees).ok(), u64::try_from(turnover).ok());
            orgs.push(organisation::ActiveModel {
                id: Set(id),
                kind: Set(OrgKind::Supplier.slug().into()),
                name: Set(name.clone()),
                status: Set(OrgStatus::Active.slug().into()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            profiles.push(supplier_profile::ActiveModel {
                organisation_id: Set(id),
                legal_name: Set(name),
                trading_name: Set(String::new()),
                legal_form: Set(form.slug().into()),
                vat_number: Set(String::new()),
                year_founded: Set(Some(rng.gen_range(1950..2026))),
                website: Set(String::new()),
                email: Set(String::new()),
                phone: Set(String::new()),
                address_line1: Set(format!(
                    "{} {} Street",
                    rng.gen_range(1..200),
                    FIRST[rng.gen_range(0..FIRST.len())]
                )),
                address_line2: Set(String::new()),
                town: Set(town.clone()),
                postcode: Set(Some(format!(
                    "{} {}{}{}",
                    place.outcode,
                    rng.gen_range(1..10),
                    inward_letter(&mut rng),
                    inward_letter(&mut rng)
                ))),
                outcode: Set(Some(place.outcode.to_string())),
                latitude: Set(Some(place.lat)),
                longitude: Set(Some(place.lon)),
                operating_address: Set(String::new()),
                service_radius_km: Set(Some(
                    *[10, 15, 25, 40, 80].get(rng.gen_range(0..5)).unwrap_or(&25),
                )),
                employees: Set(Some(employees)),
                turnover_gbp: Set(Some(turnover)),
                size_class: Set(size.map(|s| s.slug().into())),
                social_economy: Set(form.is_social_economy()),
                ownership_model: Set(None),
                local_staff_pct: Set(Some(rng.gen_range(20..100))),
                local_spend_pct: Set(Some(rng.gen_range(10..80))),
                capability_statement: Set(format!(
                    "{} Based in {town}, serving {} and the surrounding area.",
                    trade.statement, place.county
                )),
                keywords: Set(trade.keywords.join(", ")),
                max_contract_value_gbp: Set(Some(turnover / 2)),
                min_contract_value_gbp: Set(Some(1_000)),
                completeness: Set(80),
                published: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            });
            let take = rng.gen_range(1..=codes.len().max(1));
            for code in codes.iter().take(take) {
                cpvs.push(supplier_cpv::ActiveModel {
                    organisation_id: Set(id),
                    cpv_code: Set(code.clone()),
                });
            }
        }
        let txn = state.db.begin().await?;
        organisation::Entity::insert_many(orgs).exec(&txn).await?;
        supplier_profile::Entity::insert_many(profiles)
            .exec(&txn)
            .await?;
        if !cpvs.is_empty() {
            supplier_cpv::Entity::insert_many(cpvs).exec(&txn).await?;
        }
        txn.commit().await?;
        done += n;
        bar.set_position(done);
    }
    backend::services::registry::changes::changed(
        &state.db,
        backend::services::registry::changes::EVERYTHING,
    )
    .await?;
    if state.db.get_database_backend() == DbBackend::Postgres {
        state
            .db
            .execute_unprepared("SELECT setval(pg_get_serial_sequence('organisations','id'), (SELECT MAX(id) FROM organisations))")
            .await?;
    }
    bar.finish();
    eprintln!("seeded {count} suppliers");
    Ok(())
}
