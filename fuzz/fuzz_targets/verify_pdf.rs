//! Arbitrary bytes through `verify-pdf`, which recipients run on files from anyone: it must
//! report problems, never crash the process, hang or exhaust memory.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let report = dossier::pdf::verify_pdf(data, None);
    assert!(!report.ok() || report.signature_valid);
});
