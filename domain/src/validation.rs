//! Field-by-field validation errors for forms.
//!
//! A form is checked in one pass and every problem is reported next to its field, so the
//! user fixes everything at once instead of one error per submit. The map is keyed by the
//! form field's name so the page can look the message up directly.

use std::collections::btree_map;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Messages keyed by form field name; at most one message per field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, String>);

/// `message` with its first letter in upper case.
fn sentence(message: String) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => message,
    }
}

impl FieldErrors {
    /// An empty set of errors.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` for `field`.
    ///
    /// The first message wins: checks run from the most basic ("enter an email address")
    /// to the most specific, and the basic one is the one the user needs to see.
    /// Messages are shown as sentences, so the first letter is made upper case.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| sentence(message.into()));
    }

    /// True when no field has an error.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields have an error.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The message for `field`, if it has one.
    #[must_use]
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// True when `field` has an error.
    #[must_use]
    pub fn contains(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Adds every error of `other`, keeping messages already recorded here.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, message) in other.0 {
            self.add(field, message);
        }
    }

    /// `Ok(ok)` when there are no errors, otherwise `Err(self)`.
    ///
    /// # Errors
    /// Returns `self` when at least one field has an error.
    pub fn into_result<T>(self, ok: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(ok)
        } else {
            Err(self)
        }
    }

    /// Iterates over `(field, message)` pairs in field-name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }

    /// The underlying map, e.g. to hand to a serialiser that wants a plain map.
    #[must_use]
    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (field, message) in &self.0 {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{field}: {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

impl IntoIterator for FieldErrors {
    type Item = (String, String);
    type IntoIter = btree_map::IntoIter<String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a FieldErrors {
    type Item = (&'a String, &'a String);
    type IntoIter = btree_map::Iter<'a, String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<F: Into<String>, M: Into<String>> FromIterator<(F, M)> for FieldErrors {
    fn from_iter<I: IntoIterator<Item = (F, M)>>(iter: I) -> Self {
        let mut errors = Self::new();
        for (field, message) in iter {
            errors.add(field, message);
        }
        errors
    }
}

/// Unwraps `result`, or records its error under `field` and returns `None`.
///
/// Lets a form handler parse every field in sequence and still report all failures:
///
/// ```text
/// let mut errors = FieldErrors::new();
/// let email = collect(&mut errors, "email", Email::parse(&form.email));
/// let postcode = collect(&mut errors, "postcode", Postcode::parse(&form.postcode));
/// let (email, postcode) = errors.into_result((email, postcode))?;
/// ```
pub fn collect<T, E: fmt::Display>(
    errors: &mut FieldErrors,
    field: &str,
    result: Result<T, E>,
) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            errors.add(field, error.to_string());
            None
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
    fn first_message_for_a_field_is_kept() {
        let mut errors = FieldErrors::new();
        errors.add("email", "enter an email address");
        errors.add("email", "something more specific");
        assert_eq!(errors.get("email"), Some("Enter an email address"));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn messages_read_as_sentences() {
        let mut errors = FieldErrors::new();
        errors.add("postcode", "we do not know where ZZ9 is");
        errors.add("name", "Already capitalised");
        assert_eq!(errors.get("postcode"), Some("We do not know where ZZ9 is"));
        assert_eq!(errors.get("name"), Some("Already capitalised"));
    }

    #[test]
    fn empty_errors_turn_into_ok() {
        assert_eq!(FieldErrors::new().into_result(7), Ok(7));
    }

    #[test]
    fn any_error_turns_into_err() {
        let mut errors = FieldErrors::new();
        errors.add("name", "enter a name");
        let result = errors.clone().into_result(());
        assert_eq!(result, Err(errors));
    }

    #[test]
    fn merge_keeps_existing_messages_and_adds_new_fields() {
        let mut a = FieldErrors::new();
        a.add("x", "first");
        let b: FieldErrors = [("x", "second"), ("y", "other")].into_iter().collect();
        a.merge(b);
        assert_eq!(a.get("x"), Some("First"));
        assert_eq!(a.get("y"), Some("Other"));
    }

    #[test]
    fn collect_records_the_error_under_the_field_name() {
        let mut errors = FieldErrors::new();
        let ok: Option<u8> = collect(&mut errors, "a", Ok::<u8, String>(1));
        let bad: Option<u8> = collect(&mut errors, "b", Err::<u8, _>("too big"));
        assert_eq!(ok, Some(1));
        assert_eq!(bad, None);
        assert_eq!(errors.get("b"), Some("Too big"));
        assert!(!errors.contains("a"));
    }

    #[test]
    fn field_errors_serialise_as_a_plain_object() {
        let mut errors = FieldErrors::new();
        errors.add("email", "bad");
        let json = serde_json::to_string(&errors).unwrap();
        assert_eq!(json, r#"{"email":"Bad"}"#);
        let back: FieldErrors = serde_json::from_str(&json).unwrap();
        assert_eq!(back, errors);
    }

    #[test]
    fn iteration_is_in_field_name_order() {
        let errors: FieldErrors = [("b", "2"), ("a", "1")].into_iter().collect();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["a", "b"]);
        assert_eq!(errors.to_string(), "a: 1; b: 2");
    }
}
