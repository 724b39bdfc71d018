//! The OCDS importer on whatever bytes are uploaded.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The upload endpoint reads the body as UTF-8; invalid bytes never reach the parser,
    // but lossy decoding lets every mutation exercise it.
    anchorlink_fuzz::check_ocds(&String::from_utf8_lossy(data));
});
