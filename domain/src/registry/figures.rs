//! The registry in figures, for the public and admins: how many suppliers buyers can see,
//! by legal form, SME class, area and CPV division, how the register grew, how complete
//! the profiles are and how many carry an identifier the platform team checked.
//!
//! [`FiguresTally`] folds one supplier at a time (so the caller can stream them) and
//! [`FiguresTally::finish`] turns the counts into shares, largest first.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use super::{LegalForm, SizeClass};

/// One bar of a figure: a group and how many suppliers fall in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FigureCount {
    /// A stable key: a legal form's slug, an area (`PR`), a CPV division (`45`).
    pub key: String,
    pub label: String,
    pub suppliers: u64,
    /// Of all the suppliers buyers can see.
    pub share: f64,
}

/// Suppliers first published in a month, and the register's size at its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthCount {
    /// `2026-04`.
    pub month: String,
    pub published: u64,
    pub cumulative: u64,
}

/// What only admins see: the suppliers buyers cannot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminFigures {
    /// Profiles started but not published.
    pub draft_profiles: u64,
    /// Supplier organisations suspended by the platform team.
    pub suspended_suppliers: u64,
}

/// `GET /api/v1/figures`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistryFigures {
    /// Suppliers buyers can see (published, organisation active): every share's base.
    pub suppliers: u64,
    pub by_legal_form: Vec<FigureCount>,
    /// `unknown` until the headcount is given.
    pub by_size: Vec<FigureCount>,
    /// By postcode area (the outcode's letters: `PR`, `M`), largest first.
    pub by_area: Vec<FigureCount>,
    /// By CPV division; a supplier counts once in each division it offers, so the
    /// shares add up to more than 1.
    pub by_cpv_division: Vec<FigureCount>,
    /// By the month each visible profile was created, oldest first.
    pub growth: Vec<MonthCount>,
    /// Profiles by completeness band (`0-24`, `25-49`, `50-74`, `75-99`, `100`).
    pub completeness: Vec<FigureCount>,
    /// Mean completeness, 0 to 100.
    pub average_completeness: f64,
    /// Suppliers with at least one identifier checked by the platform team.
    pub verified: u64,
    pub verified_share: f64,
    /// For admins only; absent for everyone else.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub admin: Option<AdminFigures>,
}

/// The area of an outcode: its leading letters (`PR1` → `PR`, `M60` → `M`).
#[must_use]
pub fn postcode_area(outcode: &str) -> Option<String> {
    let letters: String = outcode
        .trim()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!letters.is_empty() && letters.len() <= 2).then_some(letters)
}

/// The completeness band of a profile (0 to 100).
#[must_use]
pub fn completeness_band(completeness: i16) -> &'static str {
    match completeness {
        i16::MIN..=24 => "0-24",
        25..=49 => "25-49",
        50..=74 => "50-74",
        75..=99 => "75-99",
        _ => "100",
    }
}

const BANDS: [&str; 5] = ["0-24", "25-49", "50-74", "75-99", "100"];

/// Counts folded one visible supplier at a time.
#[derive(Debug, Clone, Default)]
pub struct FiguresTally {
    suppliers: u64,
    legal_form: HashMap<String, u64>,
    size: HashMap<String, u64>,
    area: HashMap<String, u64>,
    month: BTreeMap<String, u64>,
    band: HashMap<&'static str, u64>,
    completeness_sum: i64,
}

/// One visible supplier as the tally reads it (the columns of its profile).
#[derive(Debug, Clone, Copy)]
pub struct SupplierFacts<'a> {
    pub legal_form: &'a str,
    pub size_class: Option<&'a str>,
    pub outcode: Option<&'a str>,
    pub completeness: i16,
    /// `2026-04`.
    pub month: &'a str,
}

#[expect(
    clippy::cast_precision_loss,
    reason = "counts of suppliers stay far below 2^53"
)]
fn share(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

fn counts(
    map: HashMap<String, u64>,
    total: u64,
    label: impl Fn(&str) -> String,
) -> Vec<FigureCount> {
    let mut out: Vec<FigureCount> = map
        .into_iter()
        .map(|(key, suppliers)| FigureCount {
            label: label(&key),
            share: share(suppliers, total),
            key,
            suppliers,
        })
        .collect();
    out.sort_by(|a, b| {
        b.suppliers
            .cmp(&a.suppliers)
            .then_with(|| a.key.cmp(&b.key))
    });
    out
}

impl FiguresTally {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one visible supplier.
    pub fn add(&mut self, s: SupplierFacts<'_>) {
        self.suppliers += 1;
        *self.legal_form.entry(s.legal_form.to_owned()).or_default() += 1;
        let size = s
            .size_class
            .filter(|c| SizeClass::from_slug(c).is_some())
            .unwrap_or("unknown");
        *self.size.entry(size.to_owned()).or_default() += 1;
        let area = s
            .outcode
            .and_then(postcode_area)
            .unwrap_or_else(|| "unknown".to_owned());
        *self.area.entry(area).or_default() += 1;
        *self.month.entry(s.month.to_owned()).or_default() += 1;
        *self
            .band
            .entry(completeness_band(s.completeness))
            .or_default() += 1;
        self.completeness_sum += i64::from(s.completeness.clamp(0, 100));
    }

    /// The figures, given the suppliers per CPV division (`(division, suppliers)`, with
    /// `division_label` naming each) and the number verified.
    #[must_use]
    pub fn finish(
        self,
        divisions: Vec<(String, u64)>,
        division_label: impl Fn(&str) -> String,
        verified: u64,
    ) -> RegistryFigures {
        let total = self.suppliers;
        let mut cumulative = 0;
        let growth = self
            .month
            .into_iter()
            .map(|(month, published)| {
                cumulative += published;
                MonthCount {
                    month,
                    published,
                    cumulative,
                }
            })
            .collect();
        let completeness = BANDS
            .iter()
            .map(|&band| {
                let n = self.band.get(band).copied().unwrap_or(0);
                FigureCount {
                    key: band.to_owned(),
                    label: if band == "100" {
                        "Complete (100%)".to_owned()
                    } else {
                        format!("{band}%")
                    },
                    suppliers: n,
                    share: share(n, total),
                }
            })
            .collect();
        #[expect(
            clippy::cast_precision_loss,
            reason = "sums of percentages stay far below 2^53"
        )]
        let average_completeness = if total == 0 {
            0.0
        } else {
            self.completeness_sum as f64 / total as f64
        };
        RegistryFigures {
            suppliers: total,
            by_legal_form: counts(self.legal_form, total, |k| {
                LegalForm::from_slug(k).map_or_else(|| k.to_owned(), |f| f.label().to_owned())
            }),
            by_size: counts(self.size, total, |k| {
                SizeClass::from_slug(k)
                    .map_or_else(|| "Not known".to_owned(), |c| c.label().to_owned())
            }),
            by_area: counts(self.area, total, |k| {
                if k == "unknown" {
                    "No postcode".to_owned()
                } else {
                    k.to_owned()
                }
            }),
            by_cpv_division: counts(divisions.into_iter().collect(), total, division_label),
            growth,
            completeness,
            average_completeness,
            verified,
            verified_share: share(verified, total),
            admin: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcode_gives_its_postcode_area() {
        assert_eq!(postcode_area("PR1").as_deref(), Some("PR"));
        assert_eq!(postcode_area("m60").as_deref(), Some("M"));
        assert_eq!(postcode_area("12"), None);
    }

    #[test]
    fn three_suppliers_give_hand_counted_figures() {
        let mut t = FiguresTally::new();
        for (form, size, outcode, completeness, month) in [
            ("worker_coop", Some("micro"), Some("PR1"), 100, "2026-01"),
            ("worker_coop", Some("small"), Some("PR2"), 60, "2026-03"),
            ("charity", None, None, 10, "2026-03"),
        ] {
            t.add(SupplierFacts {
                legal_form: form,
                size_class: size,
                outcode,
                completeness,
                month,
            });
        }
        let f = t.finish(vec![("45".to_owned(), 2)], |d| format!("division {d}"), 1);
        assert_eq!(f.suppliers, 3);
        assert_eq!(f.by_legal_form[0].key, "worker_coop");
        assert_eq!(f.by_legal_form[0].suppliers, 2);
        assert!((f.by_legal_form[0].share - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(f.by_area[0].key, "PR");
        assert_eq!(f.by_area[0].suppliers, 2);
        assert_eq!(f.by_area[1].label, "No postcode");
        assert_eq!(
            f.by_size
                .iter()
                .find(|c| c.key == "unknown")
                .map(|c| c.suppliers),
            Some(1)
        );
        assert_eq!(
            f.growth,
            [
                MonthCount {
                    month: "2026-01".into(),
                    published: 1,
                    cumulative: 1
                },
                MonthCount {
                    month: "2026-03".into(),
                    published: 2,
                    cumulative: 3
                },
            ]
        );
        let bands: Vec<u64> = f.completeness.iter().map(|c| c.suppliers).collect();
        assert_eq!(bands, [1, 0, 1, 0, 1]);
        assert!((f.average_completeness - 170.0 / 3.0).abs() < 1e-9);
        assert_eq!(f.by_cpv_division[0].label, "division 45");
        assert!((f.verified_share - 1.0 / 3.0).abs() < 1e-12);
    }
}
