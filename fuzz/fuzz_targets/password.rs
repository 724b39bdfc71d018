//! Choosing a new password: whatever is typed at sign-up, reset or invitation. The
//! first line is the user's email or organisation, the rest the password.
#![no_main]

use anchorlink_fuzz::common_passwords;
use domain::accounts::password::{check, check_with_context};
use domain::accounts::NewPasswordError;
use domain::check_password;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let list = common_passwords();
    let (context, password) = input.split_once('\n').unwrap_or(("", input));
    let result = check_with_context(password, list, &[context]);
    let plain = check(password, list);
    // The rules apply first and alike; a context can only refuse more.
    match check_password(password) {
        Err(rule) => {
            assert_eq!(result, Err(NewPasswordError::Rule(rule)));
            assert_eq!(plain, Err(NewPasswordError::Rule(rule)));
        }
        Ok(()) => {
            let common = list.is_common(password);
            assert_eq!(
                plain == Err(NewPasswordError::Common),
                common,
                "{password:?}"
            );
            if common {
                assert_eq!(result, Err(NewPasswordError::Common), "{password:?}");
            }
            if result.is_ok() {
                assert_eq!(plain, Ok(()), "{password:?}");
            }
        }
    }
    // Capitals never matter for ASCII passwords.
    if password.is_ascii() {
        assert_eq!(
            list.is_common(password),
            list.is_common(&password.to_ascii_uppercase()),
            "{password:?}"
        );
    }
    // A listed word decorated the usual way is still refused.
    let word: String = password.chars().filter(char::is_ascii_lowercase).collect();
    if list.is_common(&word) && !word.is_empty() {
        let mut decorated = word.clone();
        decorated[..1].make_ascii_uppercase();
        decorated.push_str("2024!");
        assert!(list.is_common(&decorated), "{decorated:?} from {word:?}");
    }
});
