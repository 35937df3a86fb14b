//! Arbitrary bytes through the text/plain extractor, as an import would run it: it must return
//! (with an error recorded or not), never crash the process, hang or exhaust memory.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = dossier::extract::extract_as(data, "text/plain");
});
