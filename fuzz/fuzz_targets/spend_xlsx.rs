//! A payments file uploaded as XLSX: the workbook reader (zip, XML, shared strings),
//! header detection and row classification.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // libFuzzer's hook aborts on every panic, even one that is caught. The reader
        // catches calamine's panics on damaged workbooks and reports them as read
        // errors (a unit test in `spend::read` proves it), so those alone are let
        // unwind to that guard; any other panic still aborts and is reported.
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            if !in_calamine {
                fuzzer_hook(info);
            }
        }));
    },
    |data: &[u8]| {
        anchorlink_fuzz::check_spend_workbook(data);
    }
);
