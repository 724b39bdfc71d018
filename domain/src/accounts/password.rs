//! Choosing a new password (sign-up, password reset, accepting an invitation): the
//! length rules of [`check_password`], and no password that attackers try first.
//!
//! NCSC and NIST SP 800-63B (and OWASP ASVS 2.1.7) ask for new passwords to be checked
//! against passwords known from breaches rather than for composition rules. People
//! meet composition rules by decorating a common password (`Password123!`), so the
//! check sees through the usual decorations: capitals, digits and symbols added at either
//! end, separators inside (`pass word`), common letter swaps (`p@ssw0rd`) and a word
//! typed twice (`qwertyqwerty`). Only whole passwords are compared, never words inside a
//! longer one, so passphrases of common words stay allowed.
//!
//! The list is passed in as text (like the CPV list): the server loads the shipped
//! `data/common-passwords.txt` once at start-up, and a browser build never carries it.

use std::collections::HashSet;

use thiserror::Error;

use crate::text::{check_password, PasswordError};

/// The product's name, which people put in passwords for it.
const SERVICE_NAME: &str = "anchorlink";

/// Shortest word of a user's email or organisation name that their password may not be
/// built on; shorter ones ("co", "ltd", "org") are not personal.
const MIN_PERSONAL_WORD_CHARS: usize = 4;

/// Passwords that attackers try first, lowercased, for exact look-ups.
#[derive(Debug, Clone, Default)]
pub struct CommonPasswords {
    passwords: HashSet<String>,
}

impl CommonPasswords {
    /// Reads a list with one password a line. Lines starting with `#` are comments;
    /// surrounding spaces and blank lines are ignored; entries are lowercased, since
    /// the check ignores case.
    #[must_use]
    pub fn from_text(text: &str) -> Self {
        let passwords = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_lowercase)
            .collect();
        Self { passwords }
    }

    /// Number of distinct passwords in the list.
    #[must_use]
    pub fn len(&self) -> usize {
        self.passwords.len()
    }

    /// True for an empty list (nothing is refused for being common).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.passwords.is_empty()
    }

    /// True when the password is on the list, allowing for the decorations described in
    /// the module documentation.
    #[must_use]
    pub fn is_common(&self, password: &str) -> bool {
        variants(password)
            .iter()
            .any(|v| self.passwords.contains(v.as_str()))
    }
}

/// Why a new password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NewPasswordError {
    /// Too short, too long or trivially repetitive: the message says which.
    #[error(transparent)]
    Rule(#[from] PasswordError),
    #[error(
        "this password is on a list of common passwords that attackers try first (capitals, \
         numbers or symbols added to it do not change that); choose another, such as three \
         or four unrelated words"
    )]
    Common,
    #[error(
        "this password is built on your email address, your organisation's name or the name \
         of this site, which attackers try first; choose another, such as three or four \
         unrelated words"
    )]
    Personal,
}

/// Checks a new password: the rules of [`check_password`], then that it is not a common
/// password nor built on the site's name.
///
/// # Errors
/// [`NewPasswordError::Rule`] for a password too short, too long or repetitive;
/// [`NewPasswordError::Common`] for one on the list; [`NewPasswordError::Personal`] for
/// one built on the site's name.
pub fn check(password: &str, common: &CommonPasswords) -> Result<(), NewPasswordError> {
    check_with_context(password, common, &[])
}

/// As [`check`], also refusing a password built on what the site knows about the user:
/// pass their email address and organisation name (`["jo@coop.example", "Preston
/// Grounds Co-op"]`), which are the first guesses of an attacker who knows them.
///
/// # Errors
/// As [`check`].
pub fn check_with_context(
    password: &str,
    common: &CommonPasswords,
    personal: &[&str],
) -> Result<(), NewPasswordError> {
    check_password(password)?;
    let variants = variants(password);
    if variants
        .iter()
        .any(|v| common.passwords.contains(v.as_str()))
    {
        return Err(NewPasswordError::Common);
    }
    let personal = personal_words(personal);
    if variants.iter().any(|v| personal.contains(v)) {
        return Err(NewPasswordError::Personal);
    }
    Ok(())
}

/// Letters swapped for look-alike digits and symbols ("p@ssw0rd").
fn undo_swaps(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            other => other,
        })
        .collect()
}

/// Without the separators people put between words ("pass word", "pass-word").
fn without_separators(s: &str) -> String {
    s.chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '_' | '.' | ',')))
        .collect()
}

/// The word a password repeats ("qwertyqwerty" → "qwerty"), if it is one repeated.
fn repeated_unit(s: &str) -> Option<&str> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let n = chars.len();
    (1..=n / 2)
        .filter(|unit| n.is_multiple_of(*unit))
        .find(|&unit| (unit..n).all(|i| chars[i].1 == chars[i % unit].1))
        .map(|unit| &s[..chars[unit].0])
}

/// The forms a decorated password may hide: lowercased, with digits and symbols
/// trimmed from either or both ends, separators removed, swapped letters restored, and a
/// repeated word reduced to one.
fn variants(password: &str) -> Vec<String> {
    let lower = password.to_lowercase();
    let not_letter = |c: char| !c.is_alphabetic();
    let mut bases: Vec<String> = Vec::new();
    for s in [lower.clone(), undo_swaps(&lower)] {
        bases.extend([
            s.trim_end_matches(|c: char| !c.is_alphanumeric())
                .to_owned(),
            s.trim_end_matches(not_letter).to_owned(),
            s.trim_start_matches(not_letter).to_owned(),
            s.trim_matches(not_letter).to_owned(),
            s,
        ]);
    }
    // Swaps inside the word once its decorations are gone: "P@ssw0rd2024!".
    let cores: Vec<String> = bases.iter().map(|b| undo_swaps(b)).collect();
    bases.extend(cores);
    let mut out: Vec<String> = Vec::new();
    for base in bases {
        let joined = without_separators(&base);
        for candidate in [base, joined] {
            if let Some(unit) = repeated_unit(&candidate) {
                out.push(unit.to_owned());
            }
            out.push(candidate);
        }
    }
    out.retain(|v| !v.is_empty());
    out.sort_unstable();
    out.dedup();
    out
}

/// The site's name and the words of what the user gave: each whole (without
/// separators), an email's part before the @, and each word of at least
/// [`MIN_PERSONAL_WORD_CHARS`] characters.
fn personal_words(context: &[&str]) -> HashSet<String> {
    let mut words = HashSet::from([SERVICE_NAME.to_owned()]);
    for text in context {
        let lower = text.trim().to_lowercase();
        let alphanumeric = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect();
        words.insert(alphanumeric(&lower));
        if let Some((local, _)) = lower.split_once('@') {
            words.insert(alphanumeric(local));
        }
        words.extend(
            lower
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= MIN_PERSONAL_WORD_CHARS)
                .map(str::to_owned),
        );
    }
    words.retain(|w| w.chars().count() >= MIN_PERSONAL_WORD_CHARS);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list shipped with the project, as the server loads it.
    fn shipped() -> CommonPasswords {
        CommonPasswords::from_text(include_str!("../../../data/common-passwords.txt"))
    }

    fn small() -> CommonPasswords {
        CommonPasswords::from_text(
            "# a comment\r\npassword\r\n\r\n  Qwerty  \nletmein\niloveyou\nsunflower\n",
        )
    }

    #[test]
    fn the_list_skips_comments_and_blank_lines_and_ignores_case() {
        let list = small();
        assert_eq!(list.len(), 5);
        assert!(list.is_common("QWERTY"));
        assert!(!list.is_common("# a comment"));
    }

    #[test]
    fn the_shipped_list_holds_tens_of_thousands_of_passwords() {
        let list = shipped();
        assert!(
            (40_000..=60_000).contains(&list.len()),
            "{} passwords",
            list.len()
        );
        for password in ["123456", "password", "qwerty", "iloveyou", "trustno1"] {
            assert!(list.is_common(password), "{password}");
        }
    }

    #[test]
    fn a_long_password_on_the_list_is_refused_whatever_its_capitals() {
        let list = shipped();
        for password in [
            "qwerty123456",
            "LeaveMeAlone",
            "ADMINISTRATOR",
            "1qaz2wsx3edc",
        ] {
            assert_eq!(
                check(password, &list),
                Err(NewPasswordError::Common),
                "{password}"
            );
        }
    }

    #[test]
    fn a_common_password_with_numbers_and_symbols_added_is_refused() {
        let list = shipped();
        for password in [
            "Password123!",
            "password2024!!",
            "!!Password2024",
            "2024Password!",
            "Letmein12345",
            "iloveyou.1234",
            "Sunflower1990?",
        ] {
            assert_eq!(
                check(password, &list),
                Err(NewPasswordError::Common),
                "{password}"
            );
        }
    }

    #[test]
    fn a_common_password_with_letters_swapped_spaced_or_doubled_is_refused() {
        let list = shipped();
        for password in [
            "P@ssw0rd2024!",
            "P4ssw0rd1234",
            "pass word 1234",
            "i-love-you-1234",
            "passwordpassword",
            "QwertyQwerty",
        ] {
            assert_eq!(
                check(password, &list),
                Err(NewPasswordError::Common),
                "{password}"
            );
        }
    }

    #[test]
    fn passphrases_of_common_words_are_allowed() {
        let list = shipped();
        for password in [
            "correct horse battery",
            "sunflower garden 2019",
            "Preston allotment kettle",
            "yellow-lorry-river-42",
            "x7#Rk2!qLm9vTz",
        ] {
            assert_eq!(check(password, &list), Ok(()), "{password}");
        }
    }

    #[test]
    fn the_length_rules_come_first() {
        let list = shipped();
        assert_eq!(
            check("password", &list),
            Err(NewPasswordError::Rule(PasswordError::TooShort))
        );
        assert_eq!(
            check("123456789012", &list),
            Err(NewPasswordError::Rule(PasswordError::AllDigits))
        );
        assert_eq!(
            NewPasswordError::from(PasswordError::TooShort).to_string(),
            "use at least 12 characters"
        );
    }

    #[test]
    fn without_a_list_only_the_rules_and_the_site_name_apply() {
        let none = CommonPasswords::default();
        assert!(none.is_empty());
        assert_eq!(check("Password123!", &none), Ok(()));
        assert_eq!(
            check("Anchorlink2025!", &none),
            Err(NewPasswordError::Personal)
        );
    }

    #[test]
    fn a_password_built_on_the_users_email_or_organisation_is_refused() {
        let list = small();
        let me = ["jo.bloggs@prestongrounds.example", "Preston Grounds Co-op"];
        for password in [
            "jo.bloggs2024!",
            "JoBloggs12345",
            "PrestonGrounds1!",
            "prestongroundscoop",
            "Bloggs123456789",
        ] {
            assert_eq!(
                check_with_context(password, &list, &me),
                Err(NewPasswordError::Personal),
                "{password}"
            );
        }
        // Their words inside a longer passphrase are fine.
        assert_eq!(
            check_with_context("preston blue kettle march", &list, &me),
            Ok(())
        );
    }

    #[test]
    fn the_refusal_says_why_and_what_to_do() {
        let message = NewPasswordError::Common.to_string();
        assert!(message.contains("list of common passwords"), "{message}");
        assert!(
            message.contains("three or four unrelated words"),
            "{message}"
        );
    }

    #[test]
    fn a_repeated_word_is_recognised_only_when_it_repeats_exactly() {
        assert_eq!(repeated_unit("abcabcabc"), Some("abc"));
        assert_eq!(repeated_unit("éaéa"), Some("éa"));
        assert_eq!(repeated_unit("abcabcab"), None);
        assert_eq!(repeated_unit("a"), None);
        assert_eq!(repeated_unit(""), None);
    }
}
