//! A payments file as uploaded: the CSV reader, header detection and row classification.
//!
//! An input with a NUL byte is split there: the text before it is the buyer's
//! `columns=` mapping, the bytes after it the file. The seeds (real files) have none.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match data.iter().position(|&b| b == 0) {
        Some(nul) => {
            let spec = String::from_utf8_lossy(&data[..nul]);
            anchorlink_fuzz::check_spend_file(&data[nul + 1..], Some(&spec));
        }
        None => anchorlink_fuzz::check_spend_file(data, None),
    }
});
