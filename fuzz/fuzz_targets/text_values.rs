//! The small text values of forms and APIs: money, email, website, VAT number, keywords.
#![no_main]

use domain::{check_password, Email, Gbp, Keywords, VatNumber, Website};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(amount) = Gbp::parse(input) {
        // Shown as "£1,200,000" and typed back, or typed as plain digits: the same sum.
        let shown = amount.to_string();
        assert_eq!(
            Gbp::parse(&shown),
            Ok(amount),
            "{input:?} shown as {shown:?}"
        );
        assert_eq!(Gbp::parse(&amount.pounds().to_string()), Ok(amount));
        if !input.contains('£') {
            assert_eq!(
                Gbp::parse(&format!("£{input}")),
                Ok(amount),
                "£ + {input:?}"
            );
        }
    }
    if let Ok(email) = Email::parse(input) {
        let text = email.as_str();
        assert_eq!(
            Email::parse(text).as_ref(),
            Ok(&email),
            "{text:?} re-parses"
        );
        assert_eq!(Email::parse(&format!(" {text}\n")).as_ref(), Ok(&email));
        assert!(!email.domain().is_empty() && text.ends_with(email.domain()));
        assert!(text.chars().count() <= domain::text::MAX_EMAIL_CHARS);
        let json = serde_json::to_string(&email).expect("an email serialises");
        assert_eq!(
            serde_json::from_str::<Email>(&json).ok().as_ref(),
            Some(&email)
        );
    }
    if let Ok(site) = Website::parse(input) {
        let text = site.as_str();
        assert!(
            text.starts_with("https://") || text.starts_with("http://"),
            "{text:?}"
        );
        assert_eq!(
            Website::parse(text).as_ref(),
            Ok(&site),
            "{text:?} re-parses"
        );
        let host = site.host();
        assert!(
            host.contains('.') && !host.contains(['/', '@', ':', ' ']),
            "host {host:?}"
        );
    }
    if let Ok(vat) = VatNumber::parse(input) {
        let text = vat.as_str();
        assert!(
            text.starts_with("GB") && matches!(text.len(), 11 | 14),
            "{text:?}"
        );
        assert!(text[2..].bytes().all(|b| b.is_ascii_digit()), "{text:?}");
        assert_eq!(VatNumber::parse(text).as_ref(), Ok(&vat));
    }
    if let Ok(keywords) = Keywords::parse(input) {
        // The form shows keywords comma-separated; saving the form again changes nothing.
        let shown = keywords.to_string();
        assert_eq!(Keywords::parse(&shown).as_ref(), Ok(&keywords), "{shown:?}");
        assert!(keywords.len() <= domain::text::MAX_KEYWORDS);
        for k in keywords.iter() {
            assert!(!k.is_empty() && k.trim() == k && !k.contains("  "), "{k:?}");
            assert!(
                k.chars().count() <= domain::text::MAX_KEYWORD_CHARS,
                "{k:?}"
            );
        }
    }
    let _ = check_password(input);
});
