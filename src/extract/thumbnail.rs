//! Thumbnails of images, made in memory and stored only encrypted. Decoding runs under
//! explicit limits, so a decompression bomb (a small file that claims a huge image) is refused
//! from its header, before any pixel buffer is allocated.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 320;
/// Longest side of a preview (what an item page shows), in pixels.
pub const PREVIEW_SIDE: u32 = 1600;
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
    Ok((
        rendition(&img, THUMBNAIL_SIDE)?,
        rendition(&img, PREVIEW_SIDE)?,
    ))
}

/// The image scaled down (never up) to fit `side`, as a JPEG.
fn rendition(img: &DynamicImage, side: u32) -> Result<Thumbnail, String> {
    let small = if img.width() > side || img.height() > side {
        img.thumbnail(side, side)
    } else {
        img.clone()
    }
    .to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
        .encode_image(&small)
        .map_err(|e| format!("thumbnail could not be encoded: {e}"))?;
    Ok(Thumbnail {
        width: small.width(),
        height: small.height(),
        jpeg,
    })
}
