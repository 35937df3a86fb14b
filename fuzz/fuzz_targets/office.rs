//! Arbitrary bytes as DOCX and ODT (ZIP + XML): must return, never crash or exhaust memory.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for media_type in [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    ] {
        let _ = dossier::extract::extract_as(data, media_type);
    }
});
