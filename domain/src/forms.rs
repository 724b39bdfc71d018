//! What a form post carries back to its page when JavaScript is off.

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a form post carries back to its page when JavaScript is off: the input as typed and
/// the errors beside each field, or a notice after success.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    pub form: String,
    pub values: BTreeMap<String, String>,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}
