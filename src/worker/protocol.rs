//! The pipe protocol between the vault process and its parser worker. Both directions carry
//! messages of one shape:
//!
//! ```text
//! "DSW1"  u32 LE header length (≤ 1 MiB)  header: JSON {"body": …, "parts": [len, …]}
//! then each part's bytes, exactly as long as the header said (≤ 8 parts, ≤ the reader's cap)
//! ```
//!
//! Bulk bytes (the document, extracted text, JPEG renditions) travel as parts, not inside the
//! JSON, so nothing is escaped or copied twice. The vault process reads the worker's answers
//! as it reads any hostile input: lengths are checked against caps *before* anything is
//! allocated, and a malformed message ends the worker, never the vault process.

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::extract::ocr::OcrPage;

const MAGIC: &[u8; 4] = b"DSW1";
/// The JSON header is small (metadata, names, page confidences).
const MAX_HEADER: u32 = 1 << 20;
const MAX_PARTS: usize = 8;

/// What the vault process asks the worker to do with the bytes in part 0.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Media type, metadata, text, and (images, PDFs) a thumbnail and a preview.
    Extract { name: String },
    /// Machine-recognised text of an image or a scanned PDF.
    Ocr {
        media_type: String,
        /// Tesseract's language list, e.g. `rus+kaz+eng`.
        languages: String,
        max_pages: u32,
    },
    /// The attachments of an e-mail: names and sizes in the answer, contents one after the
    /// other in one part (an e-mail may carry far more attachments than a message has parts).
    Attachments,
    /// Parse a PDF the way `verify-pdf` does, to learn whether that is safe to do.
    CheckPdf,
    /// Renders one page of a PDF as a JPEG preview (pages count from 1).
    RenderPage { page: u32 },
    /// Test-only: tries what the sandbox must forbid and reports what happened.
    Probe,
}

/// The worker's answer. Parts follow as described per variant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Response {
    /// Parts: the text (if `text`), the thumbnail JPEG, the preview JPEG (each if its size is
    /// given).
    Extracted {
        media_type: String,
        metadata: serde_json::Map<String, serde_json::Value>,
        error: Option<String>,
        text: bool,
        thumbnail: Option<(u32, u32)>,
        preview: Option<(u32, u32)>,
    },
    /// Part 0: the recognised text (UTF-8), pages in order.
    Recognised {
        engine: String,
        pages: Vec<OcrPage>,
        error: Option<String>,
    },
    /// The contents, in this order and of these sizes, are the one part.
    Attachments {
        names: Vec<String>,
        sizes: Vec<u64>,
    },
    PdfChecked {
        problem: Option<String>,
    },
    /// Part 0: the JPEG (if `size`).
    Page {
        size: Option<(u32, u32)>,
        error: Option<String>,
    },
    Probe(Probe),
}

/// What the sandbox let a worker do, in words ([`super::Parser::probe`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Probe {
    /// What happened when the worker tried to create a file.
    pub create_file: String,
    /// What happened when it tried to list its working folder (the user's, not the system's).
    pub read_files: String,
    /// What happened when it tried to open a network socket.
    pub open_socket: String,
    /// What happened when it tried to connect to a TCP port on this machine.
    pub connect_tcp: String,
    /// Its environment, as `NAME=value` lines.
    pub environment: Vec<String>,
    pub pid: u32,
    /// How far Landlock is enforced (`FullyEnforced` on Linux 6.12 and later).
    pub landlock: String,
}

#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    body: &'a T,
    parts: Vec<u64>,
}

#[derive(Deserialize)]
struct EnvelopeIn<T> {
    body: T,
    parts: Vec<u64>,
}

/// Writes one message and flushes it.
pub fn write<T: Serialize>(w: &mut impl Write, body: &T, parts: &[&[u8]]) -> io::Result<()> {
    let header = serde_json::to_vec(&EnvelopeOut {
        body,
        parts: parts.iter().map(|p| p.len() as u64).collect(),
    })?;
    let len = u32::try_from(header.len())
        .ok()
        .filter(|&l| l <= MAX_HEADER)
        .ok_or_else(|| io::Error::other("message header too large"))?;
    w.write_all(MAGIC)?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&header)?;
    for p in parts {
        w.write_all(p)?;
    }
    w.flush()
}

/// Why a message could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The stream ended cleanly before a message began.
    Closed,
    Io(io::Error),
    Malformed(String),
}

/// Reads one message whose parts add up to at most `max_total` bytes.
pub fn read<T: DeserializeOwned>(
    r: &mut impl Read,
    max_total: u64,
) -> Result<(T, Vec<Vec<u8>>), ReadError> {
    let mut magic = [0u8; 4];
    match r.read(&mut magic[..1]) {
        Ok(0) => return Err(ReadError::Closed),
        Ok(_) => {}
        Err(e) => return Err(ReadError::Io(e)),
    }
    r.read_exact(&mut magic[1..]).map_err(ReadError::Io)?;
    if &magic != MAGIC {
        return Err(ReadError::Malformed("bad magic".into()));
    }
    let mut len = [0u8; 4];
    r.read_exact(&mut len).map_err(ReadError::Io)?;
    let len = u32::from_le_bytes(len);
    if len > MAX_HEADER {
        return Err(ReadError::Malformed(format!("header of {len} bytes")));
    }
    let mut header = vec![0u8; len as usize];
    r.read_exact(&mut header).map_err(ReadError::Io)?;
    let envelope: EnvelopeIn<T> = serde_json::from_slice(&header)
        .map_err(|e| ReadError::Malformed(format!("header: {e}")))?;
    if envelope.parts.len() > MAX_PARTS {
        return Err(ReadError::Malformed(format!(
            "{} parts",
            envelope.parts.len()
        )));
    }
    let total = (envelope.parts.iter()).try_fold(0u64, |a, &p| a.checked_add(p));
    if total.is_none_or(|t| t > max_total) {
        return Err(ReadError::Malformed("parts larger than allowed".into()));
    }
    let mut parts = Vec::with_capacity(envelope.parts.len());
    for &p in &envelope.parts {
        let mut buf = Vec::new();
        r.by_ref()
            .take(p)
            .read_to_end(&mut buf)
            .map_err(ReadError::Io)?;
        if buf.len() as u64 != p {
            return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        parts.push(buf);
    }
    Ok((envelope.body, parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_round_trips_with_its_parts() {
        let mut wire = Vec::new();
        let req = Request::Extract {
            name: "решение.pdf".into(),
        };
        write(&mut wire, &req, &[b"%PDF-1.7", b""]).unwrap();
        let (back, parts): (Request, _) = read(&mut wire.as_slice(), 100).unwrap();
        assert_eq!(back, req);
        assert_eq!(parts, vec![b"%PDF-1.7".to_vec(), Vec::new()]);
    }

    #[test]
    fn lying_lengths_are_refused_before_allocation() {
        let mut wire = Vec::new();
        write(&mut wire, &Request::Probe, &[&[0u8; 64]]).unwrap();
        // A cap below the part's length: refused from the header alone.
        assert!(matches!(
            read::<Request>(&mut wire.as_slice(), 63),
            Err(ReadError::Malformed(_))
        ));
        // A header that claims 4 GiB.
        let mut huge = b"DSW1".to_vec();
        huge.extend(u32::MAX.to_le_bytes());
        assert!(matches!(
            read::<Request>(&mut huge.as_slice(), 1 << 30),
            Err(ReadError::Malformed(_))
        ));
        // A part cut short by a worker that died mid-answer.
        wire.truncate(wire.len() - 1);
        assert!(matches!(
            read::<Request>(&mut wire.as_slice(), 100),
            Err(ReadError::Io(_))
        ));
        assert!(matches!(
            read::<Request>(&mut [].as_slice(), 100),
            Err(ReadError::Closed)
        ));
    }
}
