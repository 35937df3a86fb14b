//! Content sniffing and the whole extraction path with whatever type the bytes claim.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = dossier::extract::extract(data, "evidence.bin");
});
