//! The one incremental update appended to the generated pages: the annexes as PDF/A-3
//! associated files, streamed one at a time so a 500 MB dossier never sits in memory, and a
//! PAdES signature (`ETSI.CAdES.detached`) whose byte range covers the whole file.
//!
//! Everything before the signature's `/Contents` hole is hashed as it is written; the small
//! tail after it (widget, catalog, page, xref, trailer) is laid out in memory first, so the
//! byte range is known before the signature dictionary is written and nothing is patched.
//! krilla writes a classic xref table, so the update appends a classic table (a file must
//! not mix table and stream xrefs).

use std::io::Write;

use lopdf::{Dictionary, Object, ObjectId};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::signer::Signer;

/// Bytes reserved for the DER of the CMS signature: a P-256 chain of two is about 1.5 KiB, and
/// an RFC 3161 token with its authority's chain of three RSA certificates up to 6 KiB.
const SIGNATURE_RESERVE: usize = 16384;

/// A file to embed. Its bytes come later from the `content` callback, in order.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// ASCII file name (`/F`: qpdf shows non-ASCII `/F` names as mojibake), a readable
    /// transliteration; also the key in the name tree and in the signed manifest.
    pub file_name: String,
    /// The real name (`/UF`, a text string: Cyrillic and all), what a reader saves it as.
    pub unicode_name: String,
    pub description: String,
    pub mime_type: String,
    pub size: u64,
    /// `Source` for evidence, `Data` for the manifest (PDF/A-3 `/AFRelationship`).
    pub relationship: &'static str,
}

/// Asked for an RFC 3161 token over a SHA-256 digest; `None` when there is none to give.
pub type StampFn<'a> = &'a dyn Fn(&[u8; 32]) -> Option<Vec<u8>>;

/// What the signature dictionary says.
pub struct Signing<'a> {
    pub signer: &'a Signer,
    /// PDF date, e.g. `D:20261123101500Z` (the claimed signing time: PAdES puts it in `/M`,
    /// never in the CMS).
    pub date: String,
    pub reason: String,
    /// Asked for a time-stamp token over the SHA-256 of the signature value (PAdES B-T);
    /// `None` from it leaves the signature without one.
    pub timestamp: Option<StampFn<'a>>,
}

/// Writes the base file and the update to `out`. `content(i, sink)` must write exactly
/// `attachments[i].size` bytes (it is checked).
pub fn write_signed(
    base: &[u8],
    attachments: &[Attachment],
    content: &mut dyn FnMut(usize, &mut (dyn Write + Send)) -> Result<()>,
    signing: &Signing<'_>,
    out: &mut (dyn Write + Send),
) -> Result<u64> {
    // Offsets are written in 10-digit fields (xref entries, the byte range).
    let payload: u64 = attachments.iter().map(|a| a.size).sum();
    if base.len() as u64 + payload + (1 << 24) >= 10_000_000_000 {
        return Err(Error::Invalid(
            "a dossier must stay under 10 GB: leave the largest originals out (--no-originals) or split the case".into(),
        ));
    }
    let parsed = Base::parse(base)?;
    let mut w = Hashing {
        inner: out,
        pos: 0,
        hash: Sha256::new(),
    };
    w.put(base)?;
    if !base.ends_with(b"\n") {
        w.put(b"\n")?;
    }
    let first = parsed.size;
    let mut offsets: Vec<(u32, u64)> = Vec::new();
    let mut filespecs = Vec::new();
    for (i, a) in attachments.iter().enumerate() {
        let ef = first + 2 * i as u32;
        let fs = ef + 1;
        offsets.push((ef, w.pos));
        w.put(
            format!(
                "{ef} 0 obj\n<< /Type /EmbeddedFile /Subtype {} /Length {} /Params << /Size {} /ModDate ({}) >> >>\nstream\n",
                name(&a.mime_type),
                a.size,
                a.size,
                signing.date
            )
            .as_bytes(),
        )?;
        let before = w.pos;
        content(i, &mut w)?;
        if w.pos - before != a.size {
            return Err(Error::Pdf(format!(
                "annex {} was {} bytes, expected {}",
                a.file_name,
                w.pos - before,
                a.size
            )));
        }
        w.put(b"\nendstream\nendobj\n")?;
        offsets.push((fs, w.pos));
        w.put(
            format!(
                "{fs} 0 obj\n<< /Type /Filespec /F {} /UF {} /Desc {} /AFRelationship /{} /EF << /F {ef} 0 R /UF {ef} 0 R >> >>\nendobj\n",
                literal(&a.file_name),
                text(&a.unicode_name),
                text(&a.description),
                a.relationship
            )
            .as_bytes(),
        )?;
        filespecs.push((a.file_name.clone(), fs));
    }
    let names = first + 2 * attachments.len() as u32;
    let sig = names + 1;
    let widget = sig + 1;
    // The widget's structure element (PDF/UA: every annotation is in the tag tree).
    let form_elem = widget + 1;
    let size = form_elem + 1;
    offsets.push((names, w.pos));
    filespecs.sort();
    let mut tree = format!("{names} 0 obj\n<< /Names [");
    for (file, fs) in &filespecs {
        tree.push_str(&format!(" {} {fs} 0 R", literal(file)));
    }
    tree.push_str(" ] >>\nendobj\n");
    w.put(tree.as_bytes())?;

    // The signature dictionary up to its /Contents hole.
    let sig_offset = w.pos;
    let head = |br: [u64; 3]| {
        format!(
            "{sig} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M ({}) /Reason {} /ByteRange [0 {:<10} {:<10} {:<10}] /Contents ",
            signing.date,
            text(&signing.reason),
            br[0],
            br[1],
            br[2]
        )
    };
    let head_len = head([0; 3]).len() as u64;
    let hole_start = sig_offset + head_len;
    let hole_end = hole_start + 2 + 2 * SIGNATURE_RESERVE as u64;

    // The tail after the hole, laid out now so the byte range is known.
    let mut tail = Vec::new();
    tail.extend_from_slice(b" >>\nendobj\n");
    let mut tail_objects = vec![(sig, sig_offset)];
    let mut at = |id: u32, tail: &mut Vec<u8>, body: &[u8]| {
        tail_objects.push((id, hole_end + tail.len() as u64));
        tail.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        tail.extend_from_slice(body);
        tail.extend_from_slice(b"\nendobj\n");
    };
    let struct_parent = parsed
        .structure
        .as_ref()
        .map(|t| format!(" /StructParent {}", t.next_key))
        .unwrap_or_default();
    at(
        widget,
        &mut tail,
        format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V {sig} 0 R /Rect [0 0 0 0] /F 132 /P {} {} R /TU {}{struct_parent} >>",
            parsed.page.0,
            parsed.page.1,
            text("Digital signature of this document")
        )
        .as_bytes(),
    );
    if let Some(t) = &parsed.structure {
        // A Form element for the widget under the document element, found through the
        // parent tree by the widget's /StructParent.
        at(
            form_elem,
            &mut tail,
            format!(
                "<< /Type /StructElem /S /Form /P {} {} R /K << /Type /OBJR /Obj {widget} 0 R /Pg {} {} R >> /Alt {} >>",
                t.document.0,
                t.document.1,
                parsed.page.0,
                parsed.page.1,
                text("Digital signature of this document")
            )
            .as_bytes(),
        );
        let mut document = t.document_dict.clone();
        let mut kids = match document.get(b"K") {
            Ok(Object::Array(a)) => a.clone(),
            Ok(one) => vec![one.clone()],
            Err(_) => Vec::new(),
        };
        kids.push(Object::Reference((form_elem, 0)));
        document.set("K", kids);
        at(
            t.document.0,
            &mut tail,
            &serialize(&Object::Dictionary(document)),
        );
        let mut root = t.root_dict.clone();
        let mut nums = t.nums.clone();
        nums.push(Object::Integer(t.next_key));
        nums.push(Object::Reference((form_elem, 0)));
        let mut parents = Dictionary::new();
        parents.set("Nums", nums);
        root.set("ParentTree", Object::Dictionary(parents));
        root.set("ParentTreeNextKey", t.next_key + 1);
        at(t.root.0, &mut tail, &serialize(&Object::Dictionary(root)));
    }
    let mut catalog = parsed.catalog.clone();
    let mut embedded = Dictionary::new();
    embedded.set("EmbeddedFiles", Object::Reference((names, 0)));
    catalog.set("Names", Object::Dictionary(embedded));
    catalog.set(
        "AF",
        Object::Array(
            filespecs
                .iter()
                .map(|(_, fs)| Object::Reference((*fs, 0)))
                .collect(),
        ),
    );
    // Readers open on the outline (PDF/UA: navigation by the bookmarks).
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    let mut form = Dictionary::new();
    form.set("Fields", vec![Object::Reference((widget, 0))]);
    form.set("SigFlags", 3);
    catalog.set("AcroForm", Object::Dictionary(form));
    at(
        parsed.root.0,
        &mut tail,
        &serialize(&Object::Dictionary(catalog)),
    );
    let mut page = parsed.page_dict.clone();
    let mut annots = match page.get(b"Annots") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(_) => {
            return Err(Error::Pdf(
                "the first page's /Annots is not a direct array".into(),
            ));
        }
        Err(_) => Vec::new(),
    };
    annots.push(Object::Reference((widget, 0)));
    page.set("Annots", annots);
    at(
        parsed.page.0,
        &mut tail,
        &serialize(&Object::Dictionary(page)),
    );

    offsets.extend(tail_objects);
    let xref_offset = hole_end + tail.len() as u64;
    tail.extend_from_slice(&xref_table(&mut offsets));
    let mut trailer = format!(
        "trailer\n<< /Size {size} /Root {} {} R /Prev {}",
        parsed.root.0, parsed.root.1, parsed.startxref
    );
    if let Some(info) = parsed.info {
        trailer.push_str(&format!(" /Info {} {} R", info.0, info.1));
    }
    if let Some(id) = &parsed.id {
        trailer.push_str(&format!(" /ID {}", String::from_utf8_lossy(&serialize(id))));
    }
    trailer.push_str(&format!(" >>\nstartxref\n{xref_offset}\n%%EOF\n"));
    tail.extend_from_slice(trailer.as_bytes());

    let total = hole_end + tail.len() as u64;
    let head = head([hole_start, hole_end, total - hole_end]);
    if head.len() as u64 != head_len {
        return Err(Error::Pdf(
            "the byte range does not fit its fixed-width fields".into(),
        ));
    }
    w.put(head.as_bytes())?;
    let mut digest = w.hash.clone();
    digest.update(&tail);
    let mut cms = crate::pdf::cms::sign(signing.signer, &digest.finalize().into())?;
    if let Some(stamp) = signing.timestamp {
        cms = crate::pdf::cms::add_signature_timestamp(cms, &mut |d| stamp(d))?;
    }
    if cms.len() > SIGNATURE_RESERVE {
        return Err(Error::Pdf(format!(
            "the signature is {} bytes, more than the {SIGNATURE_RESERVE} reserved",
            cms.len()
        )));
    }
    let mut hole = Vec::with_capacity(2 + 2 * SIGNATURE_RESERVE);
    hole.push(b'<');
    hole.extend_from_slice(hex::encode_upper(&cms).as_bytes());
    hole.resize(1 + 2 * SIGNATURE_RESERVE, b'0');
    hole.push(b'>');
    w.inner
        .write_all(&hole)
        .and_then(|()| w.inner.write_all(&tail))
        .map_err(|e| Error::Pdf(format!("writing: {e}")))?;
    Ok(total)
}

/// A writer that counts and hashes what passes through.
struct Hashing<'a> {
    inner: &'a mut (dyn Write + Send),
    pos: u64,
    hash: Sha256,
}

impl Hashing<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_all(bytes)
            .map_err(|e| Error::Pdf(format!("writing: {e}")))
    }
}

impl Write for Hashing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// What the update needs from the generated file.
struct Base {
    size: u32,
    root: ObjectId,
    info: Option<ObjectId>,
    id: Option<Object>,
    startxref: u64,
    catalog: Dictionary,
    page: ObjectId,
    page_dict: Dictionary,
    /// The tag tree's root, when the file is tagged.
    structure: Option<StructureRoot>,
}

/// What the update changes in a tagged file's structure tree.
struct StructureRoot {
    root: ObjectId,
    root_dict: Dictionary,
    /// The parent tree's entries (a flat `/Nums` array, as krilla writes it).
    nums: Vec<Object>,
    next_key: i64,
    /// The top element (krilla's `Document`), which gets the signature's `Form` element.
    document: ObjectId,
    document_dict: Dictionary,
}

impl StructureRoot {
    fn parse(doc: &lopdf::Document, catalog: &Dictionary) -> Result<Option<StructureRoot>> {
        let bad = |what: &str| Error::Pdf(format!("the generated PDF's structure tree {what}"));
        let Ok(root) = catalog
            .get(b"StructTreeRoot")
            .and_then(Object::as_reference)
        else {
            return Ok(None);
        };
        let root_dict = doc
            .get_object(root)
            .and_then(Object::as_dict)
            .map_err(|_| bad("is missing"))?
            .clone();
        let nums = root_dict
            .get(b"ParentTree")
            .and_then(Object::as_dict)
            .and_then(|t| t.get(b"Nums"))
            .and_then(Object::as_array)
            .map_err(|_| bad("has no flat parent tree"))?
            .clone();
        let next_key = root_dict
            .get(b"ParentTreeNextKey")
            .and_then(Object::as_i64)
            .map_err(|_| bad("has no next key"))?;
        let document = match root_dict.get(b"K") {
            Ok(Object::Array(a)) if a.len() == 1 => a[0].as_reference(),
            Ok(one) => one.as_reference(),
            Err(e) => Err(e),
        }
        .map_err(|_| bad("has no single top element"))?;
        let document_dict = doc
            .get_object(document)
            .and_then(Object::as_dict)
            .map_err(|_| bad("has a broken top element"))?
            .clone();
        Ok(Some(StructureRoot {
            root,
            root_dict,
            nums,
            next_key,
            document,
            document_dict,
        }))
    }
}

impl Base {
    fn parse(base: &[u8]) -> Result<Base> {
        let bad = |what: &str| Error::Pdf(format!("the generated PDF {what}"));
        let doc =
            lopdf::Document::load_mem(base).map_err(|e| bad(&format!("cannot be parsed: {e}")))?;
        let root = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| bad("has no /Root"))?;
        let size = doc
            .trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .map_err(|_| bad("has no /Size"))? as u32;
        let catalog = doc.catalog().map_err(|_| bad("has no catalog"))?.clone();
        for key in [&b"AF"[..], b"Names", b"AcroForm"] {
            if catalog.has(key) {
                return Err(bad(&format!(
                    "already has /{}",
                    String::from_utf8_lossy(key)
                )));
            }
        }
        let page = *doc.get_pages().get(&1).ok_or_else(|| bad("has no pages"))?;
        let page_dict = doc
            .get_object(page)
            .and_then(Object::as_dict)
            .map_err(|_| bad("has a broken first page"))?
            .clone();
        let startxref = base
            .windows(9)
            .rposition(|w| w == b"startxref")
            .and_then(|p| {
                std::str::from_utf8(&base[p + 9..])
                    .ok()?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
            .ok_or_else(|| bad("has no startxref"))?;
        let structure = StructureRoot::parse(&doc, &catalog)?;
        Ok(Base {
            structure,
            size,
            root,
            info: doc.trailer.get(b"Info").and_then(Object::as_reference).ok(),
            id: doc.trailer.get(b"ID").ok().cloned(),
            startxref,
            catalog,
            page,
            page_dict,
        })
    }
}

/// A classic xref section: the free head entry, then one subsection per run of ids.
fn xref_table(offsets: &mut [(u32, u64)]) -> Vec<u8> {
    offsets.sort();
    let mut out = b"xref\n0 1\n0000000000 65535 f\r\n".to_vec();
    let mut i = 0;
    while i < offsets.len() {
        let mut j = i + 1;
        while j < offsets.len() && offsets[j].0 == offsets[j - 1].0 + 1 {
            j += 1;
        }
        out.extend_from_slice(format!("{} {}\n", offsets[i].0, j - i).as_bytes());
        for (_, off) in &offsets[i..j] {
            out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
        }
        i = j;
    }
    out
}

/// A PDF name object (`#xx` for anything outside the regular characters).
fn name(s: &str) -> String {
    let mut out = String::from("/");
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+') {
            out.push(b as char);
        } else {
            out.push_str(&format!("#{b:02X}"));
        }
    }
    out
}

/// An ASCII literal string (callers pass ASCII; anything else is replaced).
fn literal(s: &str) -> String {
    let mut out = String::from("(");
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('_'),
        }
    }
    out.push(')');
    out
}

/// A text string: UTF-16BE with a byte-order mark, as hex.
fn text(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        out.push_str(&format!("{u:04X}"));
    }
    out.push('>');
    out
}

/// Serialises the objects a catalog or page dictionary holds (no streams).
fn serialize(o: &Object) -> Vec<u8> {
    let mut out = Vec::new();
    write_object(&mut out, o);
    out
}

fn write_object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(format!("{r}").as_bytes()),
        Object::Name(n) => out.extend_from_slice(name(&String::from_utf8_lossy(n)).as_bytes()),
        Object::String(s, _) => {
            out.push(b'<');
            out.extend_from_slice(hex::encode_upper(s).as_bytes());
            out.push(b'>');
        }
        Object::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, x);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => {
            out.extend_from_slice(b"<<");
            for (k, v) in d.iter() {
                out.push(b' ');
                out.extend_from_slice(name(&String::from_utf8_lossy(k)).as_bytes());
                out.push(b' ');
                write_object(out, v);
            }
            out.extend_from_slice(b" >>");
        }
        Object::Reference((n, g)) => out.extend_from_slice(format!("{n} {g} R").as_bytes()),
        // Catalogs and pages hold no streams directly.
        Object::Stream(_) => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_escape_what_pdf_reserves() {
        assert_eq!(name("application/pdf"), "/application#2Fpdf");
        assert_eq!(literal("a(b)\\é"), "(a\\(b\\)\\\\_)");
        assert_eq!(text("Жа"), "<FEFF04160430>");
    }

    #[test]
    fn xref_groups_consecutive_ids() {
        let mut o = vec![(7, 100), (3, 50), (8, 200)];
        let t = String::from_utf8(xref_table(&mut o)).unwrap();
        assert!(
            t.contains("3 1\n0000000050 00000 n\r\n7 2\n0000000100"),
            "{t}"
        );
    }
}
