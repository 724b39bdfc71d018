//! What kind of organisation a supplier is: legal form, ownership, accreditations, size.
//!
//! Every enum here has a stable `snake_case` `slug` (stored in the database, used in URLs,
//! forms and JSON) and a human `label`; the slug never changes once shipped, the label may.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::identifier::IdScheme;

slug_enum! {
    /// The legal form of an organisation, as chosen at sign-up.
    LegalForm, "legal form" {
        WorkerCoop => "worker_coop", "Worker co-operative";
        ConsumerCoop => "consumer_coop", "Consumer co-operative";
        CommunityBenefitSociety => "community_benefit_society", "Community benefit society";
        CooperativeSociety => "cooperative_society", "Co-operative society";
        Cic => "cic", "Community interest company (CIC)";
        Charity => "charity", "Charity / CIO";
        CompanyLimitedByGuarantee => "company_limited_by_guarantee", "Company limited by guarantee";
        PrivateLimitedCompany => "private_limited_company", "Private limited company";
        PublicLimitedCompany => "public_limited_company", "Public limited company (plc)";
        Partnership => "partnership", "Partnership";
        Llp => "llp", "Limited liability partnership (LLP)";
        SoleTrader => "sole_trader", "Sole trader";
        PublicBody => "public_body", "Public body / municipal company";
    }
}

impl LegalForm {
    /// True for forms whose surplus is locked to members or a social purpose: co-ops,
    /// societies, CICs, charities and companies limited by guarantee. Buyers use this to
    /// count social-economy suppliers in the market check.
    #[must_use]
    pub const fn is_social_economy(self) -> bool {
        matches!(
            self,
            Self::WorkerCoop
                | Self::ConsumerCoop
                | Self::CommunityBenefitSociety
                | Self::CooperativeSociety
                | Self::Cic
                | Self::Charity
                | Self::CompanyLimitedByGuarantee
        )
    }

    /// The registers where an organisation of this form is usually found, most likely
    /// first, so the profile form can offer the right identifier field. Empty for forms
    /// with no public register (sole traders, ordinary partnerships).
    #[must_use]
    pub const fn usual_id_schemes(self) -> &'static [IdScheme] {
        match self {
            Self::WorkerCoop | Self::ConsumerCoop | Self::CooperativeSociety => {
                &[IdScheme::GbMpr, IdScheme::GbCoh]
            }
            Self::CommunityBenefitSociety => &[IdScheme::GbMpr],
            Self::Charity => &[
                IdScheme::GbChc,
                IdScheme::GbSc,
                IdScheme::GbNic,
                IdScheme::GbCoh,
            ],
            Self::Cic
            | Self::CompanyLimitedByGuarantee
            | Self::PrivateLimitedCompany
            | Self::PublicLimitedCompany
            | Self::Llp
            | Self::PublicBody => &[IdScheme::GbCoh],
            Self::Partnership | Self::SoleTrader => &[],
        }
    }
}

slug_enum! {
    /// Who owns the organisation; part of its social value.
    OwnershipModel, "ownership model" {
        WorkerOwned => "worker_owned", "Worker-owned";
        EmployeeOwnedTrust => "employee_owned_trust", "Employee ownership trust";
        MemberOwned => "member_owned", "Member-owned";
        CommunityOwned => "community_owned", "Community-owned";
        PrivatelyOwned => "privately_owned", "Privately owned";
        PubliclyOwned => "publicly_owned", "Publicly owned";
    }
}

impl OwnershipModel {
    /// True for the ownership models that keep wealth with workers, members or the
    /// community (the first four).
    #[must_use]
    pub const fn is_democratic(self) -> bool {
        matches!(
            self,
            Self::WorkerOwned | Self::EmployeeOwnedTrust | Self::MemberOwned | Self::CommunityOwned
        )
    }
}

slug_enum! {
    /// Accreditations a supplier can declare.
    AccreditationKind, "accreditation" {
        RealLivingWage => "real_living_wage", "Real Living Wage employer";
        SocialEnterpriseMark => "social_enterprise_mark", "Social Enterprise Mark";
        BCorp => "b_corp", "B Corp";
        FairTaxMark => "fair_tax_mark", "Fair Tax Mark";
        Iso9001 => "iso_9001", "ISO 9001 (quality)";
        Iso14001 => "iso_14001", "ISO 14001 (environment)";
        Iso45001 => "iso_45001", "ISO 45001 (health and safety)";
        CyberEssentials => "cyber_essentials", "Cyber Essentials";
        Chas => "chas", "CHAS";
        Constructionline => "constructionline", "Constructionline";
    }
}

/// An accreditation held by a supplier, with its expiry date if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Accreditation {
    pub kind: AccreditationKind,
    /// `None` for accreditations that do not expire (or whose date was not given).
    pub expires_on: Option<NaiveDate>,
}

impl Accreditation {
    /// True on `today` if not yet expired; the expiry day itself still counts as valid.
    /// `today` is passed in so the rule is testable and the caller picks the time zone.
    #[must_use]
    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.expires_on.is_none_or(|d| d >= today)
    }
}

slug_enum! {
    /// SME size class (UK definition as used in public procurement).
    SizeClass, "size class" {
        Micro => "micro", "Micro";
        Small => "small", "Small";
        Medium => "medium", "Medium";
        Large => "large", "Large";
    }
}

impl SizeClass {
    /// Derives the class from headcount and turnover; never typed by the user.
    ///
    /// Micro: under 10 staff and turnover up to £2m; small: under 50 and up to £10m;
    /// medium: under 250 and up to £50m; otherwise large. Without a headcount there is
    /// no class (`None`); without a turnover the headcount alone decides, so a supplier
    /// who keeps turnover private is not pushed into a larger class.
    #[must_use]
    pub fn derive(employees: Option<u32>, turnover_gbp: Option<u64>) -> Option<SizeClass> {
        let staff = employees?;
        let turnover_within = |limit: u64| turnover_gbp.is_none_or(|t| t <= limit);
        Some(if staff < 10 && turnover_within(2_000_000) {
            Self::Micro
        } else if staff < 50 && turnover_within(10_000_000) {
            Self::Small
        } else if staff < 250 && turnover_within(50_000_000) {
            Self::Medium
        } else {
            Self::Large
        })
    }

    /// True for micro, small and medium.
    #[must_use]
    pub const fn is_sme(self) -> bool {
        !matches!(self, Self::Large)
    }
}

slug_enum! {
    /// Turnover shown as a band, so profiles do not publish an exact figure.
    TurnoverBand, "turnover band" {
        UnderHundredK => "under_100k", "Under £100k";
        HundredKToFiveHundredK => "100k_500k", "£100k–£500k";
        FiveHundredKToTwoM => "500k_2m", "£500k–£2m";
        TwoMToTenM => "2m_10m", "£2m–£10m";
        TenMToFiftyM => "10m_50m", "£10m–£50m";
        OverFiftyM => "over_50m", "Over £50m";
    }
}

impl TurnoverBand {
    /// The band for a turnover in whole pounds.
    ///
    /// Below £500k a band starts at its lower figure (£100,000 is not "under £100k");
    /// from £500k up a band includes its upper figure (£2m, £10m, £50m), matching the SME
    /// thresholds so a band never straddles two size classes.
    #[must_use]
    pub const fn from_turnover(gbp: u64) -> Self {
        match gbp {
            0..=99_999 => Self::UnderHundredK,
            100_000..=499_999 => Self::HundredKToFiveHundredK,
            500_000..=2_000_000 => Self::FiveHundredKToTwoM,
            2_000_001..=10_000_000 => Self::TwoMToTenM,
            10_000_001..=50_000_000 => Self::TenMToFiftyM,
            _ => Self::OverFiftyM,
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test should panic with the unexpected error; `allow`, not `expect`, so it stays quiet if clippy.toml later sets allow-unwrap-in-tests"
)]
mod tests {
    use super::*;

    #[test]
    fn legal_form_slugs_are_exactly_the_documented_ones() {
        let slugs: Vec<&str> = LegalForm::ALL.iter().map(|f| f.slug()).collect();
        assert_eq!(
            slugs,
            [
                "worker_coop",
                "consumer_coop",
                "community_benefit_society",
                "cooperative_society",
                "cic",
                "charity",
                "company_limited_by_guarantee",
                "private_limited_company",
                "public_limited_company",
                "partnership",
                "llp",
                "sole_trader",
                "public_body",
            ]
        );
    }

    #[test]
    fn every_slug_round_trips_through_from_slug_and_serde() {
        fn check<T>(all: &[T], slug: fn(T) -> &'static str, from: fn(&str) -> Option<T>)
        where
            T: Copy + PartialEq + std::fmt::Debug + Serialize + for<'de> Deserialize<'de>,
        {
            for &v in all {
                assert_eq!(from(slug(v)), Some(v));
                let json = serde_json::to_string(&v).unwrap();
                assert_eq!(json, format!("\"{}\"", slug(v)));
                assert_eq!(serde_json::from_str::<T>(&json).unwrap(), v);
            }
        }
        check(LegalForm::ALL, LegalForm::slug, LegalForm::from_slug);
        check(
            OwnershipModel::ALL,
            OwnershipModel::slug,
            OwnershipModel::from_slug,
        );
        check(
            AccreditationKind::ALL,
            AccreditationKind::slug,
            AccreditationKind::from_slug,
        );
        check(SizeClass::ALL, SizeClass::slug, SizeClass::from_slug);
        check(
            TurnoverBand::ALL,
            TurnoverBand::slug,
            TurnoverBand::from_slug,
        );
    }

    #[test]
    fn unknown_slug_is_an_error_naming_the_kind() {
        let err = "plc".parse::<LegalForm>().unwrap_err();
        assert_eq!(err.to_string(), "\"plc\" is not a known legal form");
    }

    #[test]
    fn labels_read_as_documented() {
        assert_eq!(LegalForm::WorkerCoop.label(), "Worker co-operative");
        assert_eq!(LegalForm::Cic.label(), "Community interest company (CIC)");
        assert_eq!(LegalForm::Charity.to_string(), "Charity / CIO");
        assert_eq!(
            LegalForm::PublicBody.label(),
            "Public body / municipal company"
        );
        assert_eq!(AccreditationKind::Iso14001.slug(), "iso_14001");
    }

    #[test]
    fn social_economy_forms_are_the_mutual_and_not_for_profit_ones() {
        let social: Vec<LegalForm> = LegalForm::ALL
            .iter()
            .copied()
            .filter(|f| f.is_social_economy())
            .collect();
        assert_eq!(
            social,
            [
                LegalForm::WorkerCoop,
                LegalForm::ConsumerCoop,
                LegalForm::CommunityBenefitSociety,
                LegalForm::CooperativeSociety,
                LegalForm::Cic,
                LegalForm::Charity,
                LegalForm::CompanyLimitedByGuarantee,
            ]
        );
    }

    #[test]
    fn sme_class_boundaries_follow_the_uk_definition() {
        let m = 1_000_000;
        assert_eq!(
            SizeClass::derive(Some(9), Some(2 * m)),
            Some(SizeClass::Micro)
        );
        assert_eq!(SizeClass::derive(Some(10), Some(m)), Some(SizeClass::Small));
        assert_eq!(
            SizeClass::derive(Some(49), Some(10 * m)),
            Some(SizeClass::Small)
        );
        assert_eq!(SizeClass::derive(Some(50), None), Some(SizeClass::Medium));
        assert_eq!(
            SizeClass::derive(Some(249), Some(50 * m)),
            Some(SizeClass::Medium)
        );
        assert_eq!(
            SizeClass::derive(Some(250), Some(m)),
            Some(SizeClass::Large)
        );
        assert_eq!(
            SizeClass::derive(Some(5), Some(3 * m)),
            Some(SizeClass::Small)
        );
        assert_eq!(
            SizeClass::derive(Some(5), Some(60 * m)),
            Some(SizeClass::Large)
        );
    }

    #[test]
    fn size_class_needs_a_headcount_but_not_a_turnover() {
        assert_eq!(SizeClass::derive(None, Some(1000)), None);
        assert_eq!(SizeClass::derive(Some(3), None), Some(SizeClass::Micro));
        assert!(SizeClass::Medium.is_sme());
        assert!(!SizeClass::Large.is_sme());
    }

    #[test]
    fn turnover_bands_align_with_sme_thresholds() {
        assert_eq!(
            TurnoverBand::from_turnover(99_999),
            TurnoverBand::UnderHundredK
        );
        assert_eq!(
            TurnoverBand::from_turnover(100_000),
            TurnoverBand::HundredKToFiveHundredK
        );
        assert_eq!(
            TurnoverBand::from_turnover(2_000_000),
            TurnoverBand::FiveHundredKToTwoM
        );
        assert_eq!(
            TurnoverBand::from_turnover(2_000_001),
            TurnoverBand::TwoMToTenM
        );
        assert_eq!(
            TurnoverBand::from_turnover(50_000_000),
            TurnoverBand::TenMToFiftyM
        );
        assert_eq!(TurnoverBand::from_turnover(50_000_001).label(), "Over £50m");
    }

    #[test]
    fn accreditation_is_current_until_its_expiry_day() {
        let day = |d| NaiveDate::from_ymd_opt(2025, 6, d).unwrap();
        let a = Accreditation {
            kind: AccreditationKind::BCorp,
            expires_on: Some(day(10)),
        };
        assert!(a.is_current(day(10)));
        assert!(!a.is_current(day(11)));
        let forever = Accreditation {
            kind: AccreditationKind::Chas,
            expires_on: None,
        };
        assert!(forever.is_current(day(30)));
    }

    #[test]
    fn a_plc_is_a_company_on_companies_house_and_not_social_economy() {
        let plc = LegalForm::from_slug("public_limited_company").unwrap();
        assert_eq!(plc.label(), "Public limited company (plc)");
        assert!(!plc.is_social_economy());
        assert_eq!(plc.usual_id_schemes(), &[IdScheme::GbCoh]);
    }

    #[test]
    fn charities_are_offered_charity_registers_first() {
        assert_eq!(LegalForm::Charity.usual_id_schemes()[0], IdScheme::GbChc);
        assert!(LegalForm::SoleTrader.usual_id_schemes().is_empty());
    }
}
