//! Arbitrary bytes as a photo: EXIF (lying lengths, broken IFDs) and the thumbnail decoder
//! under its limits (decompression bombs). Must return, never crash, hang or exhaust memory.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for media_type in ["image/jpeg", "image/png", "image/tiff", "image/webp", "image/gif"] {
        let _ = dossier::extract::extract_as(data, media_type);
    }
});
