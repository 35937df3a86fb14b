//! What a publishable submission (a European Parliament petition may be put on the web) may
//! carry of a picture: a copy without the metadata that says where and with what it was taken
//! (EXIF with its GPS position, XMP, IPTC, comments, text chunks), pixels and colour profile
//! untouched, made by `img-parts` from the file's own segments (no re-encoding).
//! A picture in another format is not attached at all: it is listed with its SHA-256.

/// JPEG segments that carry camera, place, time or editing history: APP1 (EXIF, XMP), APP3 to
/// APP13 and APP15 (IPTC in APP13, vendors' notes), and comments. APP0 (JFIF), APP2 (the ICC
/// colour profile) and APP14 (Adobe colour transform) describe the pixels and stay.
const JPEG_DROPPED: &[u8] = &[
    0xE1, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEF, 0xFE,
];

/// PNG chunks with text, EXIF or the time of the last change.
const PNG_DROPPED: &[[u8; 4]] = &[*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"];

/// A copy of `bytes` without its metadata, when its format is one this knows how to strip
/// (JPEG, PNG) and it parses; `None` otherwise (then the picture must not be attached).
pub(crate) fn without_metadata(media_type: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    let b = img_parts::Bytes::copy_from_slice(bytes);
    match media_type {
        "image/jpeg" => {
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(b).ok()?;
            for &marker in JPEG_DROPPED {
                jpeg.remove_segments_by_marker(marker);
            }
            Some(jpeg.encoder().bytes().to_vec())
        }
        "image/png" => {
            let mut png = img_parts::png::Png::from_bytes(b).ok()?;
            for kind in PNG_DROPPED {
                png.remove_chunks_by_type(*kind);
            }
            Some(png.encoder().bytes().to_vec())
        }
        _ => None,
    }
}

/// Whether a file of this type can hold where it was made (pictures, video, sound recorded
/// by a phone): in a publishable submission it is attached only as a stripped copy, or not.
pub(crate) fn may_locate(media_type: &str) -> bool {
    ["image/", "video/", "audio/"]
        .iter()
        .any(|p| media_type.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_gps() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(32, 16, |x, y| image::Rgb([x as u8 * 8, y as u8 * 16, 9]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&img)
            .unwrap();
        // An APP1 "Exif" segment with a GPS IFD pointer and a COM segment after SOI.
        let mut exif =
            b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1a\0\0\0\0\0\0"
                .to_vec();
        exif.extend_from_slice(b"GPS 43.258333 76.945");
        let mut out = plain[..2].to_vec();
        out.extend([0xFF, 0xE1]);
        out.extend(((exif.len() + 2) as u16).to_be_bytes());
        out.extend(&exif);
        out.extend([0xFF, 0xFE, 0x00, 0x0A]);
        out.extend(b"home 12");
        out.extend(&plain[2..]);
        out
    }

    #[test]
    fn a_jpeg_copy_keeps_its_pixels_and_loses_exif_and_comments() {
        let original = jpeg_with_gps();
        let copy = without_metadata("image/jpeg", &original).unwrap();
        let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(find(&original, b"Exif\0\0") && find(&original, b"GPS 43.25"));
        assert!(
            !find(&copy, b"Exif\0\0") && !find(&copy, b"GPS 43.25") && !find(&copy, b"home 12")
        );
        let a = image::load_from_memory(&original).unwrap().to_rgb8();
        let b = image::load_from_memory(&copy).unwrap().to_rgb8();
        assert_eq!(a, b, "the pixels are the same: nothing was re-encoded");
    }

    #[test]
    fn formats_it_cannot_strip_give_nothing() {
        assert!(without_metadata("image/heic", b"....ftypheic").is_none());
        assert!(without_metadata("image/jpeg", b"not a jpeg").is_none());
        assert!(
            may_locate("video/mp4") && may_locate("image/png") && !may_locate("application/pdf")
        );
    }
}
