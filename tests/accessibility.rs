//! A dossier is a tagged PDF (issue #14: PDF/UA-1 with PDF/A-3a), read here the way a
//! validator such as veraPDF starts: on qpdf's uncompressed form (`qpdf --qdf`), the catalog
//! says the file is tagged, in which language, and opens on its bookmarks with its title shown;
//! the XMP claims both standards; every piece of text and every picture on every page is marked
//! content that the structure tree owns, or an artifact; the tree has headings, paragraphs,
//! tables with header cells, figures with alternate text, links and a table of contents; the
//! signature's widget and every link annotation are in the tree; and a paragraph in another
//! script than the document's carries its own language.

mod common;

use std::process::Command;

use common::*;

/// The uncompressed file, as text (content streams included).
fn qdf(pdf: &std::path::Path) -> String {
    let out = pdf.with_extension("qdf.pdf");
    let o = Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(pdf)
        .arg(&out)
        .output()
        .expect("qpdf");
    assert!(o.status.success() || o.status.code() == Some(3), "{o:?}");
    String::from_utf8_lossy(&std::fs::read(out).unwrap()).into_owned()
}

/// The content streams of the pages, in order (qpdf labels them).
fn page_contents(qdf: &str) -> Vec<&str> {
    qdf.split("%% Contents for page ")
        .skip(1)
        .map(|s| {
            let start = s.find("stream\n").unwrap() + 7;
            let end = s.find("endstream").unwrap();
            &s[start..end]
        })
        .collect()
}

/// Operators in a content stream, each with the names given since the previous operator
/// (`/Span`, `/MCID`, `/Artifact`…). Hex strings and numbers are skipped.
fn operators(content: &str) -> Vec<(String, Vec<String>)> {
    let b = content.as_bytes();
    let (mut out, mut names, mut i) = (Vec::new(), Vec::new(), 0);
    while i < b.len() {
        let c = b[i];
        if c == b'<' && b.get(i + 1) == Some(&b'<') {
            i += 2; // a dictionary: its keys are names, read below
        } else if c == b'<' {
            while i < b.len() && b[i] != b'>' {
                i += 1;
            }
            i += 1;
        } else if c == b'/' {
            let s = i;
            i += 1;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            names.push(content[s..i].to_string());
        } else if c.is_ascii_alphabetic() || c == b'\'' || c == b'"' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'*') {
                i += 1;
            }
            i = i.max(s + 1);
            out.push((content[s..i].to_string(), std::mem::take(&mut names)));
        } else {
            i += 1;
        }
    }
    out
}

fn struct_types(qdf: &str) -> Vec<&str> {
    qdf.split("endobj")
        .filter(|o| o.contains("/Type /StructElem"))
        .filter_map(|e| e.split("/S /").nth(1))
        .filter_map(|s| s.split(|c: char| !c.is_ascii_alphanumeric()).next())
        .collect()
}

#[test]
fn a_dossier_is_tagged_for_screen_readers_in_every_part() {
    let f = Fixture::new("accessibility");
    let files = [
        f.file("арест_фото.jpg", &photo_with_exif(640, 400)),
        f.file(
            "Постановление.txt",
            "Постановление о задержании\nДело № 2-1547/2031\n".as_bytes(),
        ),
    ];
    let ids = f.import(&[files[0].as_path(), files[1].as_path()]);
    let notes = format!(
        "The detainee was arrested at night.\n## arrest\nОфицеры КНБ задержали его ночью без ордера [item:{}].\n## category ii\nHe is held for his sister's work [item:{}].",
        ids[0], ids[1]
    );
    let case = f
        .ok(&[
            "case",
            "add",
            "--title",
            "Жұмабаев v. Kazakhstan",
            "--notes",
            &notes,
        ])
        .trim()
        .to_string();
    let person = f
        .ok(&["person", "add", "--name", "Жұмабаев Ерлан"])
        .trim()
        .to_string();
    f.ok(&[
        "link", "--case", &case, "--person", &person, "--role", "detainee",
    ]);
    f.ok(&[
        "event",
        "add",
        "--case",
        &case,
        "--date",
        "2031-03-12",
        "--title",
        "Arrest at home",
        "--kind",
        "arrest",
        "--item",
        &ids[0],
    ]);

    for lang in ["en", "ru"] {
        let (pdf, _) = f.export(&case, "wgad", &format!("wgad-{lang}"), &["--lang", lang]);
        let q = qdf(&pdf);

        // The catalog: tagged, its language, its title shown, opening on the bookmarks.
        for needed in [
            "/Marked true",
            "/StructTreeRoot",
            &format!("/Lang ({lang})"),
            "/DisplayDocTitle true",
            "/PageMode /UseOutlines",
            "/Outlines",
        ] {
            assert!(q.contains(needed), "{lang}: the catalog lacks {needed}");
        }
        // The XMP claims PDF/A-3a and PDF/UA-1.
        for claim in [
            "<pdfaid:part>3</pdfaid:part>",
            "<pdfaid:conformance>A</pdfaid:conformance>",
            "<pdfuaid:part>1</pdfuaid:part>",
        ] {
            assert!(q.contains(claim), "{lang}: the XMP lacks {claim}");
        }

        // Every text and picture is marked content: owned by the tree (an MCID) or an artifact.
        let pages = page_contents(&q);
        assert!(pages.len() >= 4, "{lang}: {} pages", pages.len());
        let mut owned = 0;
        for (n, content) in pages.iter().enumerate() {
            let mut open: Vec<bool> = Vec::new(); // true: an MCID or an artifact
            for (op, names) in operators(content) {
                match op.as_str() {
                    "BDC" => open.push(names.iter().any(|n| n == "/MCID" || n == "/Artifact")),
                    "BMC" => open.push(names.iter().any(|n| n == "/Artifact")),
                    "EMC" => {
                        assert!(
                            open.pop().is_some(),
                            "{lang}: page {}: EMC without BDC",
                            n + 1
                        )
                    }
                    "TJ" | "Tj" | "'" | "\"" | "Do" => {
                        assert!(
                            open.iter().any(|&m| m),
                            "{lang}: page {}: {op} outside marked content",
                            n + 1
                        );
                        owned += 1;
                    }
                    _ => {}
                }
            }
            assert!(
                open.is_empty(),
                "{lang}: page {}: unclosed marked content",
                n + 1
            );
        }
        assert!(owned > 50, "{lang}: {owned} text and picture operators");

        // The tree has the parts a screen reader navigates by.
        let types = struct_types(&q);
        for role in [
            "H1", "H2", "P", "Table", "TR", "TH", "TD", "Figure", "Link", "TOC", "TOCI", "Form",
        ] {
            assert!(
                types.contains(&role),
                "{lang}: no {role} element in {types:?}"
            );
        }
        let figure = q
            .split("endobj")
            .find(|e| e.contains("/Type /StructElem") && e.contains("/S /Figure"))
            .unwrap();
        assert!(
            figure.contains("/Alt"),
            "{lang}: a figure without alternate text"
        );
        // Every annotation (links, the signature's widget) is in the tree and described.
        for annot in q.split("endobj").filter(|o| o.contains("/Type /Annot")) {
            assert!(annot.contains("/StructParent"), "{lang}: {annot}");
            assert!(
                annot.contains("/Contents") || annot.contains("/TU"),
                "{lang}: an annotation without a description: {annot}"
            );
        }
    }

    // In the English dossier, the Russian paragraph of the notes is marked as Russian.
    let (pdf, _) = f.export(&case, "wgad", "wgad-en", &["--lang", "en"]);
    let q = qdf(&pdf);
    assert!(
        q.split("endobj").any(|e| e.contains("/Type /StructElem")
            && e.contains("/S /P\n")
            && e.contains("/Lang (ru)")),
        "a Russian paragraph carries /Lang (ru)"
    );
    assert!(q.contains("/Lang (kk)"), "a Kazakh name carries /Lang (kk)");
    f.cleanup();
}
