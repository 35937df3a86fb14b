//! Thumbnails of images, made in memory and stored only encrypted. Decoding runs under
//! explicit limits, so a decompression bomb (a small file that claims a huge image) is refused
//! from its header, before any pixel buffer is allocated.
//!
//! A rendition's length must not tell which photo it shows: the same photo imported into two
//! vaults gave byte-identical previews, so someone holding the photo could predict the sizes
//! of two blobs on disk. Every thumbnail is therefore at most [`THUMBNAIL_MAX_BYTES`] (all in
//! the smallest padding class) and every preview exactly [`PREVIEW_BYTES`] (JPEG comment
//! segments fill it up; quality, then size, step down for a photo that does not fit).

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 320;
/// Longest side of a preview (what an item page shows), in pixels.
pub const PREVIEW_SIDE: u32 = 1600;
/// Every thumbnail fits the smallest padding class (64 KiB, less the blob header).
pub const THUMBNAIL_MAX_BYTES: usize = 60 * 1024;
/// Every preview is exactly this long, so all previews share one size class on disk.
pub const PREVIEW_BYTES: usize = 480 * 1024;
/// Largest image side we decode at all.
const MAX_SIDE: u32 = 12_000;
/// Largest allocation a decoder may make (a 12,000 × 5,000 RGBA photo is 240 MB).
const MAX_ALLOC: u64 = 256 << 20;

/// A JPEG rendition of an image and its size. JPEGs written here carry no EXIF: no GPS, no
/// camera serial, whatever the original holds.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// A thumbnail and a preview of an image, from one decode.
pub fn make(bytes: &[u8]) -> Result<(Thumbnail, Thumbnail), String> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("image: {e}"))?;
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("image could not be decoded: {e}"))?;
    let (w, h) = decoder.dimensions();
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!(
            "image claims {w}×{h} pixels; no thumbnail above {MAX_SIDE} on a side"
        ));
    }
    // from_decoder does not hold the decoded buffer to max_alloc: check it here.
    if decoder.total_bytes() > MAX_ALLOC {
        return Err(format!(
            "image needs {} MiB decoded; the limit is {} MiB",
            decoder.total_bytes() >> 20,
            MAX_ALLOC >> 20
        ));
    }
    let orientation = decoder
        .orientation()
        .map_err(|e| format!("image orientation: {e}"))?;
    let mut img = DynamicImage::from_decoder(decoder)
        .map_err(|e| format!("image could not be decoded: {e}"))?;
    img.apply_orientation(orientation);
    let thumbnail = rendition(&img, THUMBNAIL_SIDE, THUMBNAIL_MAX_BYTES)?;
    let mut preview = rendition(&img, PREVIEW_SIDE, PREVIEW_BYTES - 4)?;
    pad_jpeg(&mut preview.jpeg, PREVIEW_BYTES);
    Ok((thumbnail, preview))
}

/// The image scaled down (never up) to fit `side`, as a JPEG of at most `max_bytes`: quality
/// steps down from 80 to 40, then the picture shrinks, until it fits.
fn rendition(img: &DynamicImage, side: u32, max_bytes: usize) -> Result<Thumbnail, String> {
    let mut side = side;
    loop {
        let small = if img.width() > side || img.height() > side {
            img.thumbnail(side, side)
        } else {
            img.clone()
        }
        .to_rgb8();
        for quality in [80, 70, 60, 50, 40] {
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, quality)
                .encode_image(&small)
                .map_err(|e| format!("thumbnail could not be encoded: {e}"))?;
            if jpeg.len() <= max_bytes {
                return Ok(Thumbnail {
                    width: small.width(),
                    height: small.height(),
                    jpeg,
                });
            }
        }
        if side < 32 {
            return Err("no rendition small enough could be made".into());
        }
        side = side * 3 / 4;
    }
}

/// Fills a JPEG up to exactly `len` bytes with comment (COM) segments after its start
/// marker; decoders skip them. `len - jpeg.len()` must be 0 or at least 4.
fn pad_jpeg(jpeg: &mut Vec<u8>, len: usize) {
    let mut missing = len.saturating_sub(jpeg.len());
    let mut segments = Vec::with_capacity(missing);
    while missing > 0 {
        // A segment is 2 marker bytes + a 16-bit length that counts itself: 4..=65537 bytes.
        let mut seg = missing.min(65_537);
        if (1..4).contains(&(missing - seg)) {
            seg -= 4;
        }
        let field = (seg - 2) as u16;
        segments.extend([0xff, 0xfe]);
        segments.extend(field.to_be_bytes());
        segments.resize(segments.len() + seg - 4, 0);
        missing -= seg;
    }
    jpeg.splice(2..2, segments);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(seed: u32, w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let v = (x.wrapping_mul(seed) ^ y.wrapping_mul(seed.rotate_left(7))) as u8;
            image::Rgb([v, v.wrapping_mul(3), v ^ (x as u8)])
        });
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        png
    }

    #[test]
    fn renditions_have_lengths_that_say_nothing_of_the_photo() {
        // A flat picture, a noisy one (compresses badly), a tiny one.
        let flat = make(&photo(0, 2000, 1500)).unwrap();
        let noisy = make(&photo(2654435761, 2000, 1500)).unwrap();
        let tiny = make(&photo(7, 40, 30)).unwrap();
        for (t, p) in [&flat, &noisy, &tiny] {
            assert!(t.jpeg.len() <= THUMBNAIL_MAX_BYTES, "{}", t.jpeg.len());
            assert_eq!(p.jpeg.len(), PREVIEW_BYTES, "every preview is one length");
            // Still a JPEG that decodes to the size it claims.
            let back = image::load_from_memory(&p.jpeg).unwrap();
            assert_eq!((back.width(), back.height()), (p.width, p.height));
        }
        assert_eq!(
            crate::storage::padding::padded_len(flat.0.jpeg.len() as u64 + 32),
            crate::storage::padding::padded_len(noisy.0.jpeg.len() as u64 + 32),
            "thumbnails share the smallest padding class"
        );
    }

    #[test]
    fn padding_is_exact_for_every_gap() {
        for gap in [0, 4, 5, 65_537, 65_538, 65_540, 65_541, 200_003] {
            let mut jpeg = vec![0xff, 0xd8, 0xff, 0xd9];
            pad_jpeg(&mut jpeg, 4 + gap);
            assert_eq!(jpeg.len(), 4 + gap, "gap {gap}");
            assert_eq!(&jpeg[..2], &[0xff, 0xd8]);
            assert_eq!(&jpeg[jpeg.len() - 2..], &[0xff, 0xd9]);
        }
    }
}
