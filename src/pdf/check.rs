//! `verify-pdf`: checks a signed dossier without the vault, as a recipient would. The
//! signature must cover the whole file (an update appended after signing is reported, the
//! defence against incremental-saving attacks), the CMS must verify, the signer must chain to
//! a root, optionally pinned by fingerprint, and every embedded annex must match the SHA-256
//! the signed manifest lists.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, Object};
use sha2::{Digest, Sha256};

use crate::signer::{colon_hex, fingerprint, signed_as};

/// The name of the machine-readable annex list embedded in every dossier.
pub const MANIFEST_NAME: &str = "dossier-manifest.json";

/// One annex as the signed manifest lists it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ManifestAnnex {
    pub number: u32,
    /// The embedded file's name, or empty if the original was left out.
    pub file: String,
    pub title: String,
    pub sha256: String,
    pub size: u64,
    /// Set when the attached file is a copy without location and camera metadata (a
    /// publishable submission): its own SHA-256 and size. `sha256` stays the original's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<ManifestCopy>,
    /// The time-stamp that covers the original (by its SHA-256), if the sender's vault has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_stamp: Option<ManifestStampRef>,
}

/// Which of the manifest's time-stamps covers an annex, and its salt in that statement.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ManifestStampRef {
    /// `T1`, `T2`, … as [`ManifestStamp::id`].
    pub id: String,
    /// Hex: the statement holds SHA-256 of the text `<salt><sha256>`.
    pub salt: String,
}

/// An RFC 3161 token attached to the dossier, with the statement it covers
/// ([`crate::timestamp::statement`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ManifestStamp {
    pub id: String,
    /// The attached statement's file name.
    pub statement: String,
    /// The attached token's file name (DER, `.tsr`).
    pub token: String,
    /// The token's time and authority, as the sender's vault read them.
    pub time: String,
    pub authority: String,
}

/// An attached copy of an annex, stripped of metadata.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ManifestCopy {
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Manifest {
    pub format: String,
    pub title: String,
    pub annexes: Vec<ManifestAnnex>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_stamps: Vec<ManifestStamp>,
}

pub const MANIFEST_FORMAT: &str = "dossier-manifest 1";
/// The same with annexes attached as stripped copies (`copy`): a version-1 reader would call
/// them changed, so it is told the format is new instead.
pub const MANIFEST_FORMAT_COPIES: &str = "dossier-manifest 2";
/// The same with time-stamps (`time_stamps`, and their files attached): older readers would
/// call the token and statement files unlisted.
pub const MANIFEST_FORMAT_STAMPS: &str = "dossier-manifest 3";

/// What became of one annex.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AnnexCheck {
    pub number: u32,
    pub file: String,
    pub title: String,
    pub sha256: String,
    /// `ok`, `ok-copy` (the attached copy without metadata is the one the signed list
    /// names), `changed`, `missing` (listed but not embedded), `not-included` (left out by
    /// the sender) or `unlisted` (embedded but not in the manifest).
    pub status: &'static str,
    /// The RFC 3161 time-stamp that proves the original (its SHA-256) existed no later than
    /// its time, when the dossier carries one that holds.
    pub time_stamp: Option<crate::timestamp::Stamp>,
}

/// Everything `verify-pdf` found.
#[derive(Debug, Clone, serde::Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PdfReport {
    pub signed: bool,
    pub covers_whole_file: bool,
    pub signature_valid: bool,
    pub signer: Option<String>,
    /// SHA-256 of the root certificate (or the signer's, when it has no root in the file).
    pub fingerprint: Option<String>,
    /// None when no fingerprint was given to compare with.
    pub fingerprint_matches: Option<bool>,
    /// The time the signer's computer claimed (`/M`): its clock, nothing more.
    pub signed_at: Option<String>,
    /// The RFC 3161 time-stamp over the signature (PAdES B-T), if it carries one that holds:
    /// the signature existed no later than its time, by the word of the authority it names.
    pub time_stamp: Option<crate::timestamp::Stamp>,
    pub annexes: Vec<AnnexCheck>,
    /// Every failure, in words. Empty means the document verified.
    pub problems: Vec<String>,
}

impl PdfReport {
    /// Nothing failed (the signer may still be unknown: see [`PdfReport::verified`]).
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Nothing failed and the signer's root matched the fingerprint the recipient gave. Without
    /// a pinned fingerprint anyone could have made the certificate, so this is the answer
    /// that counts.
    pub fn verified(&self) -> bool {
        self.ok() && self.fingerprint_matches == Some(true)
    }
}

/// Verifies `bytes` (a whole PDF). `pinned` is the expected SHA-256 of the root certificate.
///
/// The parse runs here, on a thread with a deep stack, with panics caught and reported as a
/// problem; but a hostile file can still exhaust stack or memory. For a file from outside use
/// [`crate::worker::verify_pdf`], which parses it in the sandboxed worker first.
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

/// A PDF date (`D:20261130001903Z`, `D:20261130011903+01'00'`) as people read it:
/// `2026-11-30 00:19:03 UTC`, `2026-11-30 01:19:03 +01:00`. Anything else is kept as it is.
fn readable_pdf_date(raw: &str) -> String {
    let s = raw.strip_prefix("D:").unwrap_or(raw);
    let digits = s
        .get(..14)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
    let Some(d) = digits else {
        return raw.to_string();
    };
    let zone = match &s[14..] {
        "" | "Z" | "Z00'00'" | "Z00'00" => "UTC".to_string(),
        z if z.starts_with(['+', '-']) => {
            let z = z.replace('\'', "");
            match (z.get(..3), z.get(3..5).or(Some("00"))) {
                (Some(h), Some(m)) if z[1..].bytes().all(|b| b.is_ascii_digit()) => {
                    format!("{h}:{m}")
                }
                _ => return raw.to_string(),
            }
        }
        _ => return raw.to_string(),
    };
    format!(
        "{}-{}-{} {}:{}:{} {zone}",
        &d[..4],
        &d[4..6],
        &d[6..8],
        &d[8..10],
        &d[10..12],
        &d[12..14]
    )
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
        .map(|m| readable_pdf_date(&String::from_utf8_lossy(m)));
    let range: Vec<i64> = sig
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map(|a| a.iter().filter_map(|o| o.as_i64().ok()).collect())
        .unwrap_or_default();
    let fits = |v: i64| usize::try_from(v).ok();
    let (a, b, c) = match range[..] {
        [0, a, b, c] => match (fits(a), fits(b), fits(c)) {
            (Some(a), Some(b), Some(c))
                if a > 0
                    && b > a.saturating_add(1)
                    && b.checked_add(c).is_some_and(|end| end <= bytes.len()) =>
            {
                (a, b, c)
            }
            _ => {
                r.problems.push(format!(
                    "the signature's /ByteRange {range:?} does not fit the file"
                ));
                return;
            }
        },
        _ => {
            r.problems
                .push("the signature's /ByteRange is malformed".into());
            return;
        }
    };
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
            // "Name, Organisation", as the dossier's verification page says it; any other
            // certificate's subject as it stands.
            let subject = v.signer.tbs_certificate.subject.to_string();
            let named = signed_as(&subject);
            r.signer = Some(if named.is_empty() { subject } else { named });
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
            match v.stamp {
                Some(Ok(stamp)) => r.time_stamp = Some(stamp),
                Some(Err(e)) => r
                    .problems
                    .push(format!("the signature's time-stamp does not hold: {e}")),
                None => {}
            }
        }
        Err(e) => r.problems.push(format!("the signature is not valid: {e}")),
    }
}

/// The SHA-256 of each embedded file, by name. Dossier never compresses attachments, so a
/// filtered one is refused rather than inflated (a small stream can inflate to gigabytes).
/// The name tree is walked with a visited set and a node limit: a crafted loop must not hang.
fn embedded_files(doc: &Document) -> Result<Attached, String> {
    const MAX_NODES: usize = 10_000;
    let mut out = BTreeMap::new();
    let mut manifest = None;
    let mut stamps = BTreeMap::new();
    let Ok(names) = doc
        .catalog()
        .and_then(|c| c.get(b"Names"))
        .and_then(|n| resolve(doc, n).as_dict())
        .and_then(|n| n.get(b"EmbeddedFiles"))
    else {
        return Ok((BTreeMap::new(), None, BTreeMap::new()));
    };
    let mut seen = std::collections::HashSet::new();
    let mut nodes = vec![names];
    let mut visited = 0usize;
    while let Some(node) = nodes.pop() {
        if let Object::Reference(id) = node
            && !seen.insert(*id)
        {
            continue;
        }
        visited += 1;
        if visited > MAX_NODES {
            return Err("the list of attached files is too large or loops".into());
        }
        let Ok(node) = resolve(doc, node).as_dict() else {
            continue;
        };
        if let Ok(kids) = node.get(b"Kids").and_then(Object::as_array) {
            nodes.extend(kids.iter());
        }
        let Ok(pairs) = node.get(b"Names").and_then(Object::as_array) else {
            continue;
        };
        for pair in pairs.chunks(2) {
            let [key, spec] = pair else { continue };
            let spec = resolve(doc, spec).as_dict().map_err(|e| e.to_string())?;
            // `/F`, the ASCII name the signed manifest lists (`/UF` is the real name, which
            // may be Cyrillic; both are the same in older exports).
            let name = spec
                .get(b"F")
                .or_else(|_| spec.get(b"UF"))
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
            if stream.dict.has(b"Filter") {
                return Err(format!(
                    "the attached file {name} is compressed, which a Dossier export never is"
                ));
            }
            if name == MANIFEST_NAME {
                manifest = Some(stream.content.clone());
            } else if is_stamp_file(&name) && stream.content.len() <= MAX_STAMP_FILE {
                stamps.insert(name.clone(), stream.content.clone());
            }
            let hash = hex::encode(Sha256::digest(&stream.content));
            if out.insert(name.clone(), hash).is_some() {
                return Err(format!("two attached files are named {name}"));
            }
        }
    }
    Ok((out, manifest, stamps))
}

/// Attached files' SHA-256 by name, the manifest's bytes if it is among them, and the bytes
/// of time-stamp statements and tokens by name.
type Attached = (
    BTreeMap<String, String>,
    Option<Vec<u8>>,
    BTreeMap<String, Vec<u8>>,
);

/// A statement holds 65 bytes an item, 1,024 items at most; a token a few KiB.
const MAX_STAMP_FILE: usize = 1 << 20;

fn is_stamp_file(name: &str) -> bool {
    name.starts_with('T') && (name.ends_with("_statement.txt") || name.ends_with("_token.tsr"))
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

fn check_annexes(doc: &Document, r: &mut PdfReport) {
    let (mut files, manifest, stamp_files) = match embedded_files(doc) {
        Ok(f) => f,
        Err(e) => {
            r.problems.push(e);
            return;
        }
    };
    files.remove(MANIFEST_NAME);
    let Some(manifest) = manifest else {
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
    let known = [
        MANIFEST_FORMAT,
        MANIFEST_FORMAT_COPIES,
        MANIFEST_FORMAT_STAMPS,
    ];
    if !known.contains(&manifest.format.as_str()) {
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
            match (files.remove(&a.file), &a.copy) {
                (None, _) => "missing",
                (Some(sha256), None) if sha256 == a.sha256 => "ok",
                (Some(sha256), Some(copy)) if sha256 == copy.sha256 => "ok-copy",
                (Some(_), _) => "changed",
            }
        };
        if matches!(status, "missing" | "changed") {
            r.problems
                .push(format!("annex {} ({}) is {status}", a.number, a.title));
        }
        let time_stamp = a.time_stamp.as_ref().and_then(|at| {
            match stamp_of(&manifest, at, &a.sha256, &stamp_files) {
                Ok(stamp) => Some(stamp),
                Err(e) => {
                    r.problems.push(format!(
                        "annex {} ({}): its time-stamp {} does not hold: {e}",
                        a.number, a.title, at.id
                    ));
                    None
                }
            }
        });
        r.annexes.push(AnnexCheck {
            number: a.number,
            file: a.file.clone(),
            title: a.title.clone(),
            sha256: a.sha256.clone(),
            status,
            time_stamp,
        });
    }
    for s in &manifest.time_stamps {
        files.remove(&s.statement);
        files.remove(&s.token);
    }
    for (file, sha256) in files {
        r.problems.push(format!(
            "{file} is attached but not in the signed annex list"
        ));
        r.annexes.push(AnnexCheck {
            number: 0,
            title: String::new(),
            sha256,
            file,
            status: "unlisted",
            time_stamp: None,
        });
    }
}

/// Checks the time-stamp `at` names for an annex whose original has `sha256`: the token
/// covers the attached statement, and the statement commits to the annex with its salt.
fn stamp_of(
    manifest: &Manifest,
    at: &ManifestStampRef,
    sha256: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<crate::timestamp::Stamp, String> {
    let listed = manifest
        .time_stamps
        .iter()
        .find(|s| s.id == at.id)
        .ok_or("it is not in the manifest's list of time-stamps")?;
    let statement = files
        .get(&listed.statement)
        .ok_or_else(|| format!("{} is not attached", listed.statement))?;
    let token = files
        .get(&listed.token)
        .ok_or_else(|| format!("{} is not attached", listed.token))?;
    let stamp = crate::timestamp::check(token, &Sha256::digest(statement).into())?;
    let statement = std::str::from_utf8(statement).map_err(|_| "the statement is not text")?;
    if !crate::timestamp::statement_names(statement, &at.salt, sha256) {
        return Err("the statement does not name this annex's SHA-256".into());
    }
    Ok(stamp)
}

#[cfg(test)]
mod tests {
    use super::readable_pdf_date;

    #[test]
    fn signing_times_read_as_people_write_them() {
        assert_eq!(
            readable_pdf_date("D:20261130001903Z"),
            "2026-11-30 00:19:03 UTC"
        );
        assert_eq!(
            readable_pdf_date("D:20261130011903+01'00'"),
            "2026-11-30 01:19:03 +01:00"
        );
        for odd in [
            "",
            "D:2026",
            "yesterday",
            "D:20261130001903+é",
            "D:20261130001903+0x",
        ] {
            assert_eq!(readable_pdf_date(odd), odd, "kept as it is");
        }
    }
}
