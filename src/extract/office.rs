//! Text of word-processor files: DOCX (`word/document.xml`) and ODT (`content.xml`) are ZIP
//! archives of XML. Paragraph ends become new lines. The XML is inflated under a cap: a ZIP
//! bomb costs at most that much memory, and a member past the cap is not parsed at all.

use std::io::Read;

use quick_xml::events::Event;

const MAX_XML_BYTES: u64 = 32 << 20;

/// The text of `member` in the ZIP archive `bytes`, with a new line after each element whose
/// local name is `paragraph` (`w:p` in DOCX, `text:p` in ODT).
pub fn text(bytes: &[u8], member: &str, paragraph: &[u8]) -> Result<String, String> {
    let xml = member_xml(bytes, member)?;
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut out = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Text(t)) => {
                out.push_str(&t.unescape().map_err(|e| format!("bad XML text: {e}"))?)
            }
            Ok(Event::End(end)) if end.local_name().as_ref() == paragraph => out.push('\n'),
            Ok(Event::Empty(tag)) if matches!(tag.local_name().as_ref(), b"tab") => out.push('\t'),
            Ok(Event::Eof) => break,
            Err(e) => return Err(format!("{member} is not well-formed XML: {e}")),
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// The creation day (`YYYY-MM-DD`) in an office file's document properties: `dcterms:created`
/// in DOCX's `docProps/core.xml`, `meta:creation-date` in ODT's `meta.xml`. Absent, empty or
/// not a date: none.
pub fn created(bytes: &[u8], member: &str, element: &[u8]) -> Option<String> {
    let xml = member_xml(bytes, member).ok()?;
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(tag) => inside = tag.local_name().as_ref() == element,
            Event::Text(t) if inside => {
                let text = t.unescape().ok()?;
                let day = text.trim().get(..10)?;
                let b = day.as_bytes();
                let shaped = b[4] == b'-'
                    && b[7] == b'-'
                    && day.bytes().filter(u8::is_ascii_digit).count() == 8;
                return shaped.then(|| day.to_string());
            }
            Event::End(_) => inside = false,
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

/// The XML of `member` in the ZIP archive `bytes`, inflated under the cap.
fn member_xml(bytes: &[u8], member: &str) -> Result<Vec<u8>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable ZIP archive: {e}"))?;
    let file = archive
        .by_name(member)
        .map_err(|e| format!("{member} is missing: {e}"))?;
    let mut xml = Vec::new();
    file.take(MAX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|e| format!("{member} could not be read: {e}"))?;
    if xml.len() as u64 > MAX_XML_BYTES {
        return Err(format!(
            "not parsed: {member} inflates past {} MiB",
            MAX_XML_BYTES >> 20
        ));
    }
    Ok(xml)
}

/// The type of a ZIP-based office document, from its members (infer's signature heuristics
/// miss archives written by tools other than Word and LibreOffice).
pub fn zip_media_type(bytes: &[u8]) -> Option<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    if let Ok(mut m) = archive.by_name("mimetype") {
        let mut t = String::new();
        m.by_ref().take(100).read_to_string(&mut t).ok()?;
        if t.starts_with("application/vnd.oasis.opendocument.") {
            return Some(t.trim().to_string());
        }
    }
    for (member, media_type) in [
        (
            "word/document.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "ppt/presentation.xml",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
    ] {
        if archive.by_name(member).is_ok() {
            return Some(media_type.to_string());
        }
    }
    None
}
