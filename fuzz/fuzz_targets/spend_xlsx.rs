//! A payments file uploaded as XLSX: the workbook reader (zip, XML, shared strings),
//! header detection and row classification.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    anchorlink_fuzz::check_spend_workbook(data);
});
