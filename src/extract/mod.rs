//! Metadata and text extraction for imported evidence. Extraction never fails an import: each
//! extractor runs on the decrypted bytes in memory, under size and decompression caps and
//! `catch_unwind`, and what goes wrong is recorded next to the item. Nothing is written
//! anywhere by this module. The vault never calls these parsers itself: they run in the
//! sandboxed parser worker ([`crate::worker`]), which holds no key, so a parser that crashes,
//! hangs or is subverted costs one item's extraction and nothing else.
//!
//! | content | what is extracted | crate |
//! |---|---|---|
//! | any | media type from the bytes | infer |
//! | JPEG/TIFF/HEIF/PNG/WebP photos | date taken, camera, GPS, orientation; a thumbnail | kamadak-exif, image |
//! | e-mail (RFC 5322 `.eml`) | From/To/Cc/Date/Subject (RFC 2047 decoded), body text, attachments | mail-parser |
//! | PDF | page count, text (ToUnicode maps, so Cyrillic in CID fonts too); the first page as a picture | pdf-extract, lopdf, pdftoppm |
//! | images, PDFs without a text layer | machine-recognised text with per-page confidence (a separate pass, [`ocr`]) | tesseract |
//! | DOCX, ODT | text | zip, quick-xml |
//! | plain text | text, in UTF-8, UTF-16, CP1251, KOI8-R … (detected) | encoding_rs, chardetng |

mod bounds;
mod email;
pub mod ocr;
mod office;
mod pages;
mod photo;
mod text;
pub mod thumbnail;
pub(crate) mod tool;

use serde::Serialize;

/// Files larger than this are stored and verified like any other, but not parsed.
pub const MAX_EXTRACT_BYTES: u64 = 64 << 20;
/// Extracted text beyond this many bytes is cut (and the cut recorded).
pub const MAX_TEXT_BYTES: usize = 8 << 20;

/// What extraction found out about one item.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Extraction {
    /// The media type from the content (may refine the import-time guess, e.g. e-mail).
    pub media_type: String,
    /// Structured metadata (EXIF, e-mail headers, page count…), a JSON object.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Searchable text, if any.
    #[serde(skip)]
    pub text: Option<String>,
    /// A small JPEG of an image, with EXIF orientation applied.
    #[serde(skip)]
    pub thumbnail: Option<thumbnail::Thumbnail>,
    /// A larger JPEG of an image for viewing, with EXIF orientation applied and no EXIF.
    #[serde(skip)]
    pub preview: Option<thumbnail::Thumbnail>,
    /// What went wrong, if something did. The item is stored regardless.
    pub error: Option<String>,
}

/// Searchable lines from extracted metadata ("camera: …", "from: …").
pub fn metadata_text(metadata: &serde_json::Map<String, serde_json::Value>) -> String {
    {
        let mut out = Vec::new();
        for (k, v) in metadata.iter().filter(|(k, _)| k.as_str() != OCR_KEY) {
            match v {
                serde_json::Value::String(s) => out.push(format!("{k}: {s}")),
                serde_json::Value::Array(a) => {
                    let parts: Vec<String> = a
                        .iter()
                        .map(|x| {
                            x.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| x.to_string())
                        })
                        .collect();
                    out.push(format!("{k}: {}", parts.join(", ")));
                }
                other => out.push(format!("{k}: {other}")),
            }
        }
        out.join("\n")
    }
}

/// The media type of `bytes`, from their content (and, for e-mail and plain text, their
/// shape). `name` only breaks ties that the content cannot (an `.eml` that starts oddly).
pub fn media_type(bytes: &[u8], name: &str) -> String {
    if let Some(t) = infer::get(bytes) {
        if t.mime_type() == "application/zip"
            && let Some(office) = office::zip_media_type(bytes)
        {
            return office;
        }
        return t.mime_type().to_string();
    }
    if bytes.is_empty() {
        return "application/x-empty".into();
    }
    if email::looks_like_email(bytes)
        || name.to_ascii_lowercase().ends_with(".eml") && text::is_text(bytes)
    {
        return "message/rfc822".into();
    }
    if text::is_text(bytes) {
        return "text/plain".into();
    }
    "application/octet-stream".into()
}

/// A first guess at the media type from the first bytes of a file, made in the vault process
/// before extraction runs (and for files too large to parse). It only compares signatures and
/// checks UTF-8: no archive, e-mail or legacy encoding is parsed here. Extraction, in the
/// worker, refines it.
pub fn sniff(head: &[u8], name: &str) -> String {
    if let Some(t) = infer::get(head) {
        return t.mime_type().to_string();
    }
    if head.is_empty() {
        return "application/x-empty".into();
    }
    let utf8 = std::str::from_utf8(head).is_ok() || text::valid_utf8_but_cut(head);
    if utf8 && (email::looks_like_email(head) || name.to_ascii_lowercase().ends_with(".eml")) {
        return "message/rfc822".into();
    }
    if utf8 {
        return "text/plain".into();
    }
    "application/octet-stream".into()
}

/// Extracts what can be extracted from an item's bytes. Never panics, never fails. Call it
/// in the parser worker only ([`crate::worker::Parser::extract`]).
pub fn extract(bytes: &[u8], name: &str) -> Extraction {
    let media_type =
        guarded(|| media_type(bytes, name)).unwrap_or_else(|_| "application/octet-stream".into());
    extract_as(bytes, &media_type)
}

/// The attachments of an e-mail as (file name, bytes); `Err` if the parser crashed.
pub fn email_attachments(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    guarded(|| email::attachments(bytes))
        .map_err(|_| "the e-mail parser crashed on this message".to_string())
}

/// [`extract`] with the media type decided by the caller (the fuzz targets use it to reach
/// each parser with arbitrary bytes).
pub fn extract_as(bytes: &[u8], media_type: &str) -> Extraction {
    let media_type = media_type.to_string();
    if bytes.len() as u64 > MAX_EXTRACT_BYTES {
        return Extraction {
            media_type,
            error: Some(format!(
                "not parsed: larger than {} MiB",
                MAX_EXTRACT_BYTES >> 20
            )),
            ..Default::default()
        };
    }
    let mt = media_type.clone();
    let result = guarded(|| run(bytes, &mt));
    let mut extraction = match result {
        Ok(e) => e,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            Extraction {
                error: Some(format!("the {mt} parser crashed: {what}")),
                ..Default::default()
            }
        }
    };
    extraction.media_type = media_type;
    if let Some(t) = &mut extraction.text {
        if t.len() > MAX_TEXT_BYTES {
            let mut cut = MAX_TEXT_BYTES;
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            t.truncate(cut);
            extraction
                .metadata
                .insert("text_truncated_at_bytes".into(), cut.into());
        }
        if t.trim().is_empty() {
            extraction.text = None;
        }
    }
    let pages = extraction.metadata.get("pages").and_then(|p| p.as_u64());
    // An image this process could not decode within its limits (a size bomb) is not handed
    // to Tesseract either.
    let undecodable = extraction.media_type.starts_with("image/")
        && extraction.metadata.contains_key("thumbnail_error");
    if extraction.error.is_none()
        && !undecodable
        && ocr::wanted(&extraction.media_type, extraction.text.as_deref(), pages)
    {
        extraction
            .metadata
            .insert(OCR_KEY.into(), serde_json::json!({ "status": "queued" }));
    }
    extraction
}

/// The metadata key under which OCR records its state: `{"status": "queued"}` until the OCR
/// pass ran, then `done` (engine, languages, pages with confidence, where its text begins
/// in the item's text) or `failed` (error).
pub const OCR_KEY: &str = "ocr";

thread_local! {
    /// Set while a parser runs on this thread.
    static EXTRACTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Third-party parsers panic on malformed input (fuzzing found pdf-extract doing so within
/// seconds). Those panics are caught and recorded as the item's extraction error; the process
/// hook must not also print them (a panic message can quote the document, and a backtrace on
/// a normal import alarms the user). Every other panic still reaches the previous hook.
fn quiet_panics_while_extracting() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !EXTRACTING.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs a third-party parser on this thread: its panics are caught, and not printed.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    quiet_panics_while_extracting();
    EXTRACTING.with(|e| e.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    EXTRACTING.with(|e| e.set(false));
    result
}

fn run(bytes: &[u8], media_type: &str) -> Extraction {
    let mut e = Extraction::default();
    let outcome: Result<(), String> = match media_type {
        t if t.starts_with("image/") => {
            let exif = photo::exif(bytes, &mut e.metadata);
            match thumbnail::make(bytes) {
                Ok((t, p)) => {
                    e.thumbnail = Some(t);
                    e.preview = Some(p);
                }
                Err(err) => {
                    e.metadata.insert("thumbnail_error".into(), err.into());
                }
            }
            exif
        }
        "message/rfc822" => email::extract(bytes, &mut e),
        "application/pdf" => bounds::pdf_streams(bytes).and_then(|()| pdf(bytes, &mut e)),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            if let Some(day) = office::created(bytes, "docProps/core.xml", b"created") {
                e.metadata.insert("created".into(), day.into());
            }
            office::text(bytes, "word/document.xml", b"p").map(|t| e.text = Some(t))
        }
        "application/vnd.oasis.opendocument.text" => {
            if let Some(day) = office::created(bytes, "meta.xml", b"creation-date") {
                e.metadata.insert("created".into(), day.into());
            }
            office::text(bytes, "content.xml", b"p").map(|t| e.text = Some(t))
        }
        "text/plain" => text::decode(bytes).map(|(t, encoding)| {
            e.metadata.insert("encoding".into(), encoding.into());
            e.text = Some(t);
        }),
        _ => Ok(()),
    };
    if let Err(err) = outcome {
        e.error = Some(err);
    }
    e
}

/// PDF parsing recurses on nested objects: it runs on a thread with a large stack (address
/// space only; pages are touched as used), so moderately deep nesting still parses. Deeper
/// nesting overflows it and ends the worker, which records why.
pub(crate) const PDF_STACK: usize = 64 << 20;

fn pdf(bytes: &[u8], e: &mut Extraction) -> Result<(), String> {
    let outcome = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(PDF_STACK)
            .spawn_scoped(s, || {
                let mut local = Extraction::default();
                let r = guarded(|| pdf_on_this_thread(bytes, &mut local));
                (r, local)
            })
            .map(|h| h.join())
    });
    match outcome {
        Ok(Ok((Ok(result), local))) => {
            e.metadata.extend(local.metadata);
            e.text = local.text;
            first_page_pictures(bytes, e);
            result
        }
        Ok(Ok((Err(_), _))) | Ok(Err(_)) => Err("the PDF parser crashed on this file".into()),
        Err(err) => Err(format!("the PDF parser could not be started: {err}")),
    }
}

/// The first page as the item's thumbnail and preview, so a court decision shows as it looks.
/// Without pdftoppm a PDF simply has no picture.
fn first_page_pictures(bytes: &[u8], e: &mut Extraction) {
    if !pages::available() {
        return;
    }
    match page_pictures(bytes, 1) {
        Ok((t, p)) => {
            e.thumbnail = Some(t);
            e.preview = Some(p);
        }
        Err(err) => {
            e.metadata.insert("thumbnail_error".into(), err.into());
        }
    }
}

/// Page `page` of a PDF as a preview JPEG (for an item page that shows more than page 1).
pub fn render_page(bytes: &[u8], page: u32) -> Result<thumbnail::Thumbnail, String> {
    page_pictures(bytes, page).map(|(_, preview)| preview)
}

/// Page `page` of a PDF drawn by pdftoppm, as a thumbnail and a preview.
fn page_pictures(
    bytes: &[u8],
    page: u32,
) -> Result<(thumbnail::Thumbnail, thumbnail::Thumbnail), String> {
    pages::require()?;
    let png = pages::render_png(bytes, page, thumbnail::PREVIEW_SIDE)?;
    guarded(|| thumbnail::make(&png))
        .unwrap_or_else(|_| Err("the page picture could not be decoded".into()))
}

/// The number of pages of a PDF (0 if it cannot be read).
pub fn pdf_pages(bytes: &[u8]) -> u32 {
    if bounds::pdf_streams(bytes).is_err() {
        return 0;
    }
    guarded(|| {
        lopdf::Document::load_mem(bytes)
            .map(|d| d.get_pages().len() as u32)
            .unwrap_or(0)
    })
    .unwrap_or(0)
}

/// The day in a PDF's `/CreationDate` (`D:20250314120000+01'00'`), as `YYYY-MM-DD`.
fn pdf_created(doc: &lopdf::Document) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let (_, info) = doc.dereference(info).ok()?;
    let created = info.as_dict().ok()?.get(b"CreationDate").ok()?;
    let (_, created) = doc.dereference(created).ok()?;
    let text = created.as_str().ok()?;
    let digits = text.strip_prefix(b"D:").unwrap_or(text);
    let day = digits.get(..8)?;
    day.iter().all(u8::is_ascii_digit).then(|| {
        let d = String::from_utf8_lossy(day);
        format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8])
    })
}

fn pdf_on_this_thread(bytes: &[u8], e: &mut Extraction) -> Result<(), String> {
    // The page count comes from lopdf directly: it survives PDFs whose text cannot be read.
    match lopdf::Document::load_mem(bytes) {
        Ok(doc) => {
            e.metadata
                .insert("pages".into(), doc.get_pages().len().into());
            if let Some(created) = pdf_created(&doc) {
                e.metadata.insert("created".into(), created.into());
            }
        }
        Err(err) => return Err(format!("not a readable PDF: {err}")),
    }
    let text = pdf_extract::extract_text_from_mem(bytes)
        .map_err(|err| format!("PDF text could not be extracted: {err}"))?;
    e.text = Some(text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_never_panics_and_is_recorded() {
        let mut junk = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n".to_vec();
        junk.extend((0..5000u32).map(|i| (i * 7919 % 251) as u8));
        let e = extract(&junk, "x.pdf");
        assert_eq!(e.media_type, "application/pdf");
        assert!(e.error.is_some(), "a broken PDF records an error");
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend([0u8; 100]);
        let e = extract(&zip, "x.docx");
        assert!(e.text.is_none());
        let e = extract(
            b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff",
            "x.jpg",
        );
        assert_eq!(e.media_type, "image/jpeg");
    }
}
