//! `verify-pdf`: checks a signed dossier without the vault, as a recipient would. The
//! signature must cover the whole file (an update appended after signing is reported, the
//! defence against incremental-saving attacks), the CMS must verify, the signer must chain to
//! a root, optionally pinned by fingerprint, and every embedded annex must match the SHA-256
//! the signed manifest lists.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, Object};
use sha2::{Digest, Sha256};

use crate::signer::{colon_hex, fingerprint};

/// The name of the machine-readable annex list embedded in every dossier.
pub const MANIFEST_NAME: &str = "dossier-manifest.json";

/// One annex as the signed manifest lists it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ManifestAnnex {
    pub number: u32,
    /// The embedded file's name, or empty if the original was left out.
    pub file: String,
    pub title: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: String,
    pub title: String,
    pub annexes: Vec<ManifestAnnex>,
}

pub const MANIFEST_FORMAT: &str = "dossier-manifest 1";

/// What became of one annex.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnnexCheck {
    pub number: u32,
    pub file: String,
    pub title: String,
    pub sha256: String,
    /// `ok`, `changed`, `missing` (listed but not embedded), `not-included` (left out by
    /// the sender) or `unlisted` (embedded but not in the manifest).
    pub status: &'static str,
}

/// Everything `verify-pdf` found.
#[derive(Debug, Clone, serde::Serialize, Default)]
pub struct PdfReport {
    pub signed: bool,
    pub covers_whole_file: bool,
    pub signature_valid: bool,
    pub signer: Option<String>,
    /// SHA-256 of the root certificate (or the signer's, when it has no root in the file).
    pub fingerprint: Option<String>,
    /// None when no fingerprint was given to compare with.
    pub fingerprint_matches: Option<bool>,
    pub signed_at: Option<String>,
    pub annexes: Vec<AnnexCheck>,
    /// Every failure, in words. Empty means the document verified.
    pub problems: Vec<String>,
}

impl PdfReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies `bytes` (a whole PDF). `pinned` is the expected SHA-256 of the root certificate.
///
/// The file comes from outside, so the parser runs as extraction's parsers do: on a thread
/// with a deep stack, with panics caught and reported as a problem.
pub fn verify_pdf(bytes: &[u8], pinned: Option<&[u8]>) -> PdfReport {
    let outcome = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(crate::extract::PDF_STACK)
            .spawn_scoped(s, || crate::extract::guarded(|| verify_here(bytes, pinned)))
            .map(|h| h.join())
    });
    match outcome {
        Ok(Ok(Ok(report))) => report,
        _ => PdfReport {
            problems: vec!["the PDF parser failed on this file (it is malformed)".into()],
            ..PdfReport::default()
        },
    }
}

fn verify_here(bytes: &[u8], pinned: Option<&[u8]>) -> PdfReport {
    let mut report = PdfReport::default();
    let doc = match Document::load_mem(bytes) {
        Ok(d) => d,
        Err(e) => {
            report.problems.push(format!("not a readable PDF: {e}"));
            return report;
        }
    };
    check_signature(bytes, &doc, pinned, &mut report);
    check_annexes(&doc, &mut report);
    report
}

fn signature_dicts(doc: &Document) -> Vec<&Dictionary> {
    doc.objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.has(b"ByteRange") && d.has(b"Contents"))
        .collect()
}

fn check_signature(bytes: &[u8], doc: &Document, pinned: Option<&[u8]>, r: &mut PdfReport) {
    let sigs = signature_dicts(doc);
    let Some(sig) = sigs.first() else {
        r.problems.push("the document is not signed".into());
        return;
    };
    r.signed = true;
    if sigs.len() > 1 {
        r.problems.push(format!(
            "the document has {} signatures; a dossier has one",
            sigs.len()
        ));
    }
    r.signed_at = sig
        .get(b"M")
        .and_then(Object::as_str)
        .ok()
        .map(|m| String::from_utf8_lossy(m).into_owned());
    let range: Vec<i64> = sig
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map(|a| a.iter().filter_map(|o| o.as_i64().ok()).collect())
        .unwrap_or_default();
    let len = bytes.len() as i64;
    let [start, a, b, c] = range[..] else {
        r.problems
            .push("the signature's /ByteRange is malformed".into());
        return;
    };
    if start != 0 || a <= 0 || b <= a + 1 || c < 0 || b + c > len {
        r.problems.push(format!(
            "the signature's /ByteRange {range:?} does not fit the file"
        ));
        return;
    }
    let (a, b, c) = (a as usize, b as usize, c as usize);
    // The hole must be exactly one hex string: the signature and nothing else.
    let hole = &bytes[a..b];
    let contents = if hole[0] == b'<'
        && hole[hole.len() - 1] == b'>'
        && hole[1..hole.len() - 1].iter().all(u8::is_ascii_hexdigit)
    {
        hex::decode(&hole[1..hole.len() - 1]).ok()
    } else {
        None
    };
    let Some(contents) = contents else {
        r.problems
            .push("the bytes the signature leaves out are not just its /Contents".into());
        return;
    };
    r.covers_whole_file = b + c == bytes.len();
    if !r.covers_whole_file {
        r.problems.push(format!(
            "{} bytes were added after signing (an incremental update): the signature covers an earlier version, not what you see",
            bytes.len() - (b + c)
        ));
    }
    let mut h = Sha256::new();
    h.update(&bytes[..a]);
    h.update(&bytes[b..b + c]);
    match crate::pdf::cms::verify(&contents, &h.finalize().into()) {
        Ok(v) => {
            r.signature_valid = true;
            r.signer = Some(v.signer.tbs_certificate.subject.to_string());
            let anchor = v.root.as_ref().unwrap_or(&v.signer);
            r.fingerprint = fingerprint(anchor).ok();
            if let Some(pin) = pinned {
                let matches = r.fingerprint.as_deref() == Some(colon_hex(pin).as_str());
                r.fingerprint_matches = Some(matches);
                if !matches {
                    r.problems.push(format!(
                        "the signer's root fingerprint {} is not the expected {}",
                        r.fingerprint.as_deref().unwrap_or("?"),
                        colon_hex(pin)
                    ));
                }
            }
            if v.root.is_none() {
                r.problems
                    .push("the signature carries no root certificate to pin".into());
            }
        }
        Err(e) => r.problems.push(format!("the signature is not valid: {e}")),
    }
}

/// The embedded files by name, with their decoded bytes.
fn embedded_files(doc: &Document) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut out = BTreeMap::new();
    let Ok(names) = doc
        .catalog()
        .and_then(|c| c.get(b"Names"))
        .and_then(|n| resolve(doc, n).as_dict())
        .and_then(|n| n.get(b"EmbeddedFiles"))
    else {
        return Ok(out);
    };
    let mut nodes = vec![resolve(doc, names)];
    while let Some(node) = nodes.pop() {
        let Ok(node) = node.as_dict() else { continue };
        if let Ok(kids) = node.get(b"Kids").and_then(Object::as_array) {
            nodes.extend(kids.iter().map(|k| resolve(doc, k)));
        }
        let Ok(pairs) = node.get(b"Names").and_then(Object::as_array) else {
            continue;
        };
        for pair in pairs.chunks(2) {
            let [key, spec] = pair else { continue };
            let spec = resolve(doc, spec).as_dict().map_err(|e| e.to_string())?;
            let name = spec
                .get(b"UF")
                .or_else(|_| spec.get(b"F"))
                .or_else(|_| key.as_str().map(|_| key))
                .map(|o| lopdf::decode_text_string(o).unwrap_or_default())
                .unwrap_or_default();
            let stream = spec
                .get(b"EF")
                .and_then(|ef| resolve(doc, ef).as_dict())
                .and_then(|ef| ef.get(b"F"))
                .map(|s| resolve(doc, s))
                .and_then(Object::as_stream)
                .map_err(|_| format!("the attached file {name} has no data"))?;
            let data = if stream.dict.has(b"Filter") {
                stream
                    .decompressed_content()
                    .map_err(|e| format!("the attached file {name} cannot be decoded: {e}"))?
            } else {
                stream.content.clone()
            };
            out.insert(name, data);
        }
    }
    Ok(out)
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

fn check_annexes(doc: &Document, r: &mut PdfReport) {
    let mut files = match embedded_files(doc) {
        Ok(f) => f,
        Err(e) => {
            r.problems.push(e);
            return;
        }
    };
    let Some(manifest) = files.remove(MANIFEST_NAME) else {
        r.problems.push(format!(
            "no {MANIFEST_NAME}: this is not a Dossier export, annexes not checked"
        ));
        return;
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest) {
        Ok(m) => m,
        Err(e) => {
            r.problems
                .push(format!("{MANIFEST_NAME} is unreadable: {e}"));
            return;
        }
    };
    if manifest.format != MANIFEST_FORMAT {
        r.problems.push(format!(
            "{MANIFEST_NAME} has unknown format '{}'",
            manifest.format
        ));
        return;
    }
    for a in &manifest.annexes {
        let status = if a.file.is_empty() {
            "not-included"
        } else {
            match files.remove(&a.file) {
                None => "missing",
                Some(data) if hex::encode(Sha256::digest(&data)) == a.sha256 => "ok",
                Some(_) => "changed",
            }
        };
        if matches!(status, "missing" | "changed") {
            r.problems
                .push(format!("annex {} ({}) is {status}", a.number, a.title));
        }
        r.annexes.push(AnnexCheck {
            number: a.number,
            file: a.file.clone(),
            title: a.title.clone(),
            sha256: a.sha256.clone(),
            status,
        });
    }
    for (file, data) in files {
        r.problems.push(format!(
            "{file} is attached but not in the signed annex list"
        ));
        r.annexes.push(AnnexCheck {
            number: 0,
            title: String::new(),
            sha256: hex::encode(Sha256::digest(&data)),
            file,
            status: "unlisted",
        });
    }
}
