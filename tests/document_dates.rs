//! Document dates (issue #14, defect 2): an item is dated by when it was issued, written,
//! taken or sent, from its own metadata or as the user states it, never by its import; and a
//! dossier's annexes say so.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use serde_json::Value;

fn show(f: &Fixture, id: &str) -> Value {
    serde_json::from_str(&f.ok(&["show", id, "--json"])).unwrap()
}

fn dated(f: &Fixture, id: &str) -> Value {
    show(f, id)["document_date"].clone()
}

fn zip_file(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(content.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A DOCX whose document properties say it was created on 14 March 2025.
fn docx() -> Vec<u8> {
    zip_file(&[
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#,
        ),
        (
            "word/document.xml",
            r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Решение суда</w:t></w:r></w:p></w:body></w:document>"#,
        ),
        (
            "docProps/core.xml",
            r#"<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dcterms:created xsi:type="dcterms:W3CDTF">2025-03-14T09:30:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-02T10:00:00Z</dcterms:modified></cp:coreProperties>"#,
        ),
    ])
}

/// An ODT whose meta.xml says it was created on 2 June 2024.
fn odt() -> Vec<u8> {
    zip_file(&[
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        (
            "content.xml",
            r#"<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>Протокол</text:p></office:text></office:body></office:document-content>"#,
        ),
        (
            "meta.xml",
            r#"<?xml version="1.0"?><office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta><meta:creation-date>2024-06-02T11:00:00</meta:creation-date></office:meta></office:document-meta>"#,
        ),
    ])
}

/// A one-page PDF whose Info dictionary gives `/CreationDate`.
fn pdf_created(creation_date: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_string(),
        format!("<< /Producer (scanner) /CreationDate ({creation_date}) >>"),
    ]
    .map(String::into_bytes);
    scan::minimal_pdf_with(&objects, "/Info 4 0 R ")
}

fn email() -> Vec<u8> {
    b"From: aliya@example.org\r\nTo: court@example.org\r\nSubject: Complaint\r\nDate: Tue, 13 Mar 2031 08:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy brother was taken.\r\n".to_vec()
}

#[test]
fn the_evidence_dates_itself_and_the_user_states_or_withdraws_a_date() {
    let f = Fixture::new("dates");
    let files = [
        f.file("photo.jpg", &photo_with_exif(64, 48)),
        f.file("complaint.eml", &email()),
        f.file("decision.docx", &docx()),
        f.file("protocol.odt", &odt()),
        f.file("scan.pdf", &pdf_created("D:20250314120000+01'00'")),
        f.file("statement.txt", "Показания свидетеля".as_bytes()),
    ];
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let ids = f.import(&refs);
    let expect = [
        ("2031-03-12", "taken"),
        ("2031-03-13", "sent"),
        ("2025-03-14", "created"),
        ("2024-06-02", "created"),
        ("2025-03-14", "created"),
    ];
    for (id, (date, origin)) in ids.iter().zip(expect) {
        let d = dated(&f, id);
        assert_eq!(
            (d["date"].as_str(), d["origin"].as_str()),
            (Some(date), Some(origin)),
            "{id}: {d}"
        );
    }
    let statement = &ids[5];
    assert_eq!(dated(&f, statement), Value::Null, "a text file has no date");
    let said = f.ok(&["show", statement]);
    assert!(
        said.contains("dated:     - (no document date"),
        "show says it is undated, not the import date: {said}"
    );

    // A date is stated with the precision the user knows; a wrong one changes nothing.
    f.ok(&["edit", statement, "--date", "~2025-03"]);
    let d = dated(&f, statement);
    assert_eq!(
        (d["date"].as_str(), d["origin"].as_str()),
        (Some("~2025-03"), Some("stated"))
    );
    let o = f.run(&["edit", statement, "--date", "March 2025"]);
    assert!(
        !o.status.success() && stderr(&o).contains("YYYY-MM-DD"),
        "{}",
        stderr(&o)
    );
    assert_eq!(dated(&f, statement)["date"], "~2025-03");
    // Day first, with dots, as Russian and French speakers write it.
    f.ok(&["edit", statement, "--date", "14.03.2025"]);
    assert_eq!(dated(&f, statement)["date"], "2025-03-14");

    // Stated beats the file's metadata; withdrawn, the metadata's date is back.
    let photo = &ids[0];
    f.ok(&["edit", photo, "--date", "2031-03-11"]);
    assert_eq!(dated(&f, photo)["origin"], "stated");
    f.ok(&["edit", photo, "--date", ""]);
    let d = dated(&f, photo);
    assert_eq!(
        (d["date"].as_str(), d["origin"].as_str()),
        (Some("2031-03-12"), Some("taken"))
    );

    // Each statement is in the custody log, from and to.
    let log: Value = serde_json::from_str(&f.ok(&["log", "--item", photo, "--json"])).unwrap();
    let changes: Vec<Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let detail: Value = serde_json::from_str(e["detail"].as_str()?).ok()?;
            detail.get("date").cloned()
        })
        .collect();
    assert_eq!(
        changes,
        [
            serde_json::json!({ "from": null, "to": "2031-03-11" }),
            serde_json::json!({ "from": "2031-03-11", "to": null }),
        ],
        "{log}"
    );
    f.ok(&["verify"]);
    f.cleanup();
}

#[test]
fn annexes_carry_their_document_dates_never_the_import_date() {
    let f = Fixture::new("dates-dossier");
    let files = [
        f.file("arrest.jpg", &photo_with_exif(64, 48)),
        f.file("decision.txt", "Постановление суда".as_bytes()),
        f.file("scan.bin", &noise(2_000, 3)),
    ];
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let ids = f.import(&refs);
    f.ok(&["edit", &ids[1], "--date", "2031-02-28"]);
    let case = f
        .ok(&["case", "add", "--title", "Test v. State"])
        .trim()
        .to_string();
    for id in &ids {
        f.ok(&["link", "--case", &case, "--item", id]);
    }
    for (lang, stated, taken, undated, import_word) in [
        (
            "en",
            "28 February 2031",
            "12 March 2031*",
            "undated",
            "imported",
        ),
        (
            "ru",
            "28 февраля 2031",
            "12 марта 2031*",
            "без даты",
            "импортирован",
        ),
    ] {
        let (out, said) = f.export(&case, "generic", lang, &["--lang", lang]);
        assert!(
            said.contains("annex 3 (scan.bin) has no document date"),
            "the user is told, before sending: {said}"
        );
        let words = pdf_words(&out);
        for expected in [stated, taken, undated] {
            assert!(words.contains(expected), "{lang}: {expected:?} in {words}");
        }
        assert!(
            !words.contains(import_word),
            "{lang}: no annex is dated by its import: {words}"
        );
        let note = if lang == "en" {
            "* Date read from the file's own metadata"
        } else {
            "* Дата взята из метаданных самого файла"
        };
        assert!(
            words.contains(note),
            "{lang}: the mark is explained: {words}"
        );
    }
    f.cleanup();
}
