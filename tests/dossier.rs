//! Signed PDF dossiers (issue #5), checked with the tools a recipient has: poppler's pdfsig,
//! pdftotext, pdffonts, pdfdetach and pdfimages, qpdf, NSS's certutil, MuPDF's mutool and
//! pyHanko. The suite's `scripts/test` installs them (pyHanko into target/pyhanko); a missing
//! tool fails the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

fn tool(name: &str) -> PathBuf {
    if name == "pyhanko" {
        return pyhanko();
    }
    let p = Path::new("/usr/bin").join(name);
    assert!(
        p.exists(),
        "{name} is missing: run scripts/test, which installs poppler-utils, qpdf, libnss3-tools and mupdf-tools"
    );
    p
}

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(tool(name)).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

struct Case {
    id: String,
    /// (item id, original bytes, name).
    items: Vec<(String, Vec<u8>, &'static str)>,
}

const TEXT: &str =
    "Постановление о задержании\nДело № 2-1547/2031\nҚазақ тілі: әғқңөұүһі ӘҒҚҢӨҰҮҺІ\n";

fn email() -> Vec<u8> {
    b"From: =?UTF-8?B?0JDQu9C40Y8=?= <aliya@example.org>\r\nTo: court@example.org\r\nSubject: Complaint about the arrest\r\nDate: Tue, 13 Mar 2031 08:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy brother was taken from his home without a warrant.\r\n".to_vec()
}

/// An invented case shaped like the real ones.
fn case(f: &Fixture) -> Case {
    // The vault signs in the lawyer's name, given once (validators show it).
    f.ok(&[
        "signer",
        "show",
        "--name",
        "Әлия Жұмабаева",
        "--org",
        "Test Chambers",
    ]);
    let files: Vec<(&'static str, Vec<u8>)> = vec![
        ("арест_фото.jpg", photo_with_exif(640, 400)),
        ("Постановление.txt", TEXT.as_bytes().to_vec()),
        ("complaint.eml", email()),
        // Larger than any rendition (a preview is 480 KiB), so the biggest blob is its own.
        ("scan.bin", noise(700_000, 5)),
    ];
    let paths: Vec<PathBuf> = files.iter().map(|(n, b)| f.file(n, b)).collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let ids = f.import(&refs);
    let items: Vec<(String, Vec<u8>, &str)> = ids
        .into_iter()
        .zip(files)
        .map(|(id, (n, b))| (id, b, n))
        .collect();
    let notes = format!(
        "Ерлан Жұмабаев was arrested after his sister's asylum in Belgium.\n## arrest\nKNB officers took him at night without a warrant [item:{}].\n## category ii\nHe is held for his sister's work [item:{}].\n## criterion b\nNo offence is named [item:{}].\n## remedies\nThe appeal was rejected on 2 May 2031.",
        items[0].0, items[2].0, items[1].0
    );
    let id = f
        .ok(&[
            "case",
            "add",
            "--title",
            "Жұмабаев Ерлан v. Kazakhstan",
            "--number",
            "№ 2-1547/2031",
            "--jurisdiction",
            "Алматинский городской суд",
            "--court",
            "Almaty City Court",
            "--charge",
            "Art. 174(2) CC RK=incitement of discord",
            "--notes",
            &notes,
        ])
        .trim()
        .to_string();
    let detainee = f
        .ok(&[
            "person",
            "add",
            "--name",
            "Жұмабаев Ерлан Серікұлы",
            "--alias",
            "Zhumabayev Yerlan",
            "--born",
            "1990-05-02",
            "--nationality",
            "Kazakhstan",
        ])
        .trim()
        .to_string();
    let lawyer = f
        .ok(&[
            "person",
            "add",
            "--name",
            "Әлия Жұмабаева",
            "--nationality",
            "Belgium",
            "--notes",
            "Brussels",
        ])
        .trim()
        .to_string();
    f.ok(&[
        "link", "--case", &id, "--person", &detainee, "--role", "detainee",
    ]);
    f.ok(&[
        "link", "--case", &id, "--person", &lawyer, "--role", "lawyer",
    ]);
    f.ok(&["link", "--case", &id, "--item", &items[3].0]);
    f.ok(&[
        "event",
        "add",
        "--case",
        &id,
        "--date",
        "2031-03-12",
        "--title",
        "Арест дома ночью",
        "--kind",
        "arrest",
        "--place",
        "Алматы",
        "--item",
        &items[0].0,
        "--person",
        &detainee,
    ]);
    f.ok(&[
        "event",
        "add",
        "--case",
        &id,
        "--date",
        "~2031-04",
        "--title",
        "Transfer to SIZO-1",
        "--kind",
        "transfer",
        "--item",
        &items[1].0,
    ]);
    f.ok(&[
        "event",
        "add",
        "--case",
        &id,
        "--title",
        "Complaint to the court",
        "--kind",
        "communication",
        "--item",
        &items[2].0,
    ]);
    Case { id, items }
}

fn export(f: &Fixture, c: &Case, name: &str, extra: &[&str]) -> PathBuf {
    let out = f.dir.join(name);
    let out_s = out.display().to_string();
    let mut args = vec![
        "export",
        "--case",
        &c.id,
        "--out",
        &out_s,
        "--signer-name",
        "Әлия Жұмабаева",
    ];
    args.extend(extra);
    f.ok(&args);
    out
}

/// The command failed and said `needle`.
fn failed_saying(o: &Output, needle: &str) {
    assert!(
        !o.status.success() && text(o).contains(needle),
        "{}",
        text(o)
    );
}

fn fingerprint(f: &Fixture) -> String {
    f.ok(&["signer", "show"]).trim().to_string()
}

#[test]
fn a_wgad_dossier_verifies_with_the_recipients_tools() {
    let f = Fixture::new("dossier-wgad");
    let c = case(&f);
    let pdf = export(&f, &c, "wgad.pdf", &["--template", "wgad"]);
    let p = pdf.to_str().unwrap();
    f.assert_tmpdir_empty();

    let sig = text(&run("pdfsig", &[p]));
    assert!(sig.contains("Signature is Valid."), "{sig}");
    assert!(sig.contains("Total document signed"), "{sig}");
    assert!(sig.contains("ETSI.CAdES.detached"), "{sig}");

    // Pin the exported root in a private NSS database: pdfsig must then trust the signer.
    let pem = f.dir.join("root.pem");
    f.ok(&["signer", "export", "--out", pem.to_str().unwrap()]);
    let nss = f.dir.join("nss");
    std::fs::create_dir_all(&nss).unwrap();
    let db = format!("sql:{}", nss.display());
    assert!(
        run("certutil", &["-N", "-d", &db, "--empty-password"])
            .status
            .success()
    );
    assert!(
        run(
            "certutil",
            &[
                "-A",
                "-d",
                &db,
                "-n",
                "dossier",
                "-t",
                "CT,C,C",
                "-i",
                pem.to_str().unwrap()
            ]
        )
        .status
        .success()
    );
    let trusted = text(&run("pdfsig", &["-nssdir", &db, p]));
    assert!(trusted.contains("Certificate is Trusted."), "{trusted}");

    let hanko = run(
        "pyhanko",
        &[
            "sign",
            "validate",
            "--trust",
            pem.to_str().unwrap(),
            "--trust-replace",
            p,
        ],
    );
    assert!(
        hanko.status.success() && text(&hanko).contains("INTACT:TRUSTED,UNTOUCHED"),
        "{}",
        text(&hanko)
    );
    // pyHanko shows the signing certificate's fingerprint: the document prints it too, next
    // to the root's, so a recipient comparing what pyHanko says finds it.
    let pretty = text(&run("pyhanko", &["sign", "validate", "--pretty-print", p]));
    let leaf = pretty
        .lines()
        .find_map(|l| l.trim().strip_prefix("Certificate SHA256 fingerprint: "))
        .unwrap_or_else(|| panic!("pyHanko names no fingerprint: {pretty}"))
        .trim()
        .to_uppercase();
    let printed: String = String::from_utf8(run("pdftotext", &[p, "-"]).stdout)
        .unwrap()
        .split_whitespace()
        .collect::<String>()
        .replace(':', "");
    assert!(
        printed.contains(&leaf),
        "the document prints the fingerprint pyHanko shows ({leaf})"
    );

    // MuPDF, a third independent implementation: the digest holds (it does not know the
    // self-made root, which it says separately).
    let mu = text(&run("mutool", &["sign", "-v", p]));
    assert!(
        mu.contains("The document is unchanged since signing."),
        "{mu}"
    );

    let check = run("qpdf", &["--check", p]);
    assert!(
        check.status.success() && text(&check).contains("No syntax or stream encoding errors"),
        "{}",
        text(&check)
    );

    let fonts = text(&run("pdffonts", &[p]));
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 2, "{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "every font embedded, subset, with a Unicode map: {row}"
        );
    }

    let words = String::from_utf8(run("pdftotext", &[p, "-"]).stdout).unwrap();
    for needle in [
        "Жұмабаев Ерлан Серікұлы",
        "Әлия Жұмабаева",
        "№ 2-1547/2031",
        "Алматинский городской суд",
        "Арест дома ночью",
        "Transfer to SIZO-1",
        "about April 2031",
        "Complaint to the court",
        "Category II",
        "Annex 3",
    ] {
        assert!(words.contains(needle), "pdftotext lacks {needle:?}");
    }
    for (_, bytes, _) in &c.items {
        assert!(
            words.contains(&sha256_hex(bytes)),
            "pdftotext lacks an annex's SHA-256"
        );
    }
    assert!(
        words.contains(&fingerprint(&f)),
        "the verification page prints the fingerprint"
    );

    // Every annex comes back bit-exact, under an ASCII name.
    let out = f.dir.join("detached");
    std::fs::create_dir_all(&out).unwrap();
    assert!(
        run("pdfdetach", &["-saveall", "-o", out.to_str().unwrap(), p])
            .status
            .success()
    );
    let mut got: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| sha256_hex(&std::fs::read(e.path()).unwrap()))
        .collect();
    got.sort();
    for (_, bytes, _) in &c.items {
        assert!(
            got.contains(&sha256_hex(bytes)),
            "an annex did not come back bit-exact"
        );
    }
    assert_eq!(got.len(), c.items.len() + 1, "the annexes and the manifest");

    let ok = f
        .cmd(&["verify-pdf", p, "--fingerprint", &fingerprint(&f)])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        text(&ok).matches(": OK ").count() >= 4 || text(&ok).matches("OK").count() >= 5,
        "{}",
        text(&ok)
    );
    let wrong = f
        .cmd(&["verify-pdf", p, "--fingerprint", &"AB".repeat(32)])
        .output()
        .unwrap();
    failed_saying(&wrong, "DOES NOT MATCH");

    let log = f.ok(&["log"]);
    assert!(
        log.contains("keygen") && log.contains("dossier"),
        "making the signer and the export are logged: {log}"
    );
    f.cleanup();
}

/// Appends a real incremental update (a new annotation object) after the signature.
fn append_update(bytes: &[u8]) -> Vec<u8> {
    let tail = String::from_utf8_lossy(&bytes[bytes.len() - 600..]).into_owned();
    let after = |key: &str| -> u64 {
        let at = tail.rfind(key).unwrap() + key.len();
        tail[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .unwrap()
    };
    let size = after("/Size");
    let root = after("/Root");
    let prev = after("startxref");
    let mut out = bytes.to_vec();
    let obj_at = out.len();
    out.extend(format!("{size} 0 obj\n<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (added later) >>\nendobj\n").as_bytes());
    let xref_at = out.len();
    out.extend(format!("xref\n0 1\n0000000000 65535 f\r\n{size} 1\n{obj_at:010} 00000 n\r\ntrailer\n<< /Size {} /Root {root} 0 R /Prev {prev} >>\nstartxref\n{xref_at}\n%%EOF\n", size + 1).as_bytes());
    out
}

#[test]
fn a_changed_byte_or_an_appended_update_is_caught() {
    let f = Fixture::new("dossier-tamper");
    let c = case(&f);
    let pdf = export(&f, &c, "generic.pdf", &["--template", "generic"]);
    let bytes = std::fs::read(&pdf).unwrap();

    // One byte inside an embedded annex (the noise file, inside the signed range).
    let at = bytes
        .windows(64)
        .position(|w| w == &c.items[3].1[1000..1064])
        .unwrap();
    let mut changed = bytes.clone();
    changed[at] ^= 0x01;
    let bad = f.dir.join("changed.pdf");
    std::fs::write(&bad, &changed).unwrap();
    let sig = text(&run("pdfsig", &[bad.to_str().unwrap()]));
    assert!(!sig.contains("Signature is Valid."), "{sig}");
    let mu = text(&run("mutool", &["sign", "-v", bad.to_str().unwrap()]));
    assert!(
        mu.contains("Signature invalidated by change to document"),
        "{mu}"
    );
    let v = f
        .cmd(&["verify-pdf", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!v.status.success(), "{}", text(&v));
    assert!(text(&v).contains("have changed"), "{}", text(&v));

    // One byte of the visible page content (near the start of the file).
    let mut early = bytes.clone();
    early[2000] ^= 0x20;
    let bad2 = f.dir.join("early.pdf");
    std::fs::write(&bad2, &early).unwrap();
    assert!(
        !f.cmd(&["verify-pdf", bad2.to_str().unwrap()])
            .output()
            .unwrap()
            .status
            .success()
    );

    let appended = f.dir.join("appended.pdf");
    std::fs::write(&appended, append_update(&bytes)).unwrap();
    let sig = text(&run("pdfsig", &[appended.to_str().unwrap()]));
    assert!(
        sig.contains("Not total document signed"),
        "the appended update is a valid PDF update: {sig}"
    );
    let mu = text(&run("mutool", &["sign", "-v", appended.to_str().unwrap()]));
    assert!(mu.contains("there have been edits since signing"), "{mu}");
    let v = f
        .cmd(&["verify-pdf", appended.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!v.status.success(), "{}", text(&v));
    assert!(text(&v).contains("added after signing"), "{}", text(&v));

    let junk = f.file("junk.pdf", b"%PDF-1.7\nnot really");
    let v = f
        .cmd(&["verify-pdf", junk.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        !v.status.success() && !text(&v).contains("panicked"),
        "{}",
        text(&v)
    );
    f.cleanup();
}

#[test]
fn templates_and_languages() {
    let f = Fixture::new("dossier-templates");
    let c = case(&f);
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "pace",
            "en",
            &[
                "Parliamentary Assembly",
                "Resolution 1900 (2012)",
                "(b) Detention for purely political reasons",
                "Annex 2",
            ],
        ),
        (
            "ep",
            "fr",
            &[
                "Parlement européen",
                "peuvent être publiées",
                "Chronologie",
                "Pétitionnaire",
            ],
        ),
        (
            "wgad",
            "ru",
            &[
                "Рабочая группа ООН",
                "Хронология",
                "Перечень приложений",
                "12 марта 2031",
                "около апреля",
                // Labels of e-mails, sizes and roles speak the dossier's language too.
                "Тема",
                "13 марта 2031 08:00",
                "байт)",
                "задержанный",
            ],
        ),
        (
            "generic",
            "en",
            &["Case dossier", "Chronology", "List of annexes"],
        ),
        (
            "wgad",
            "es",
            &[
                "Grupo de Trabajo de las Naciones Unidas",
                "IV. Por qué la detención es arbitraria",
                "Cronología",
                "12 de marzo de 2031",
                "hacia abril de 2031",
                "Lista de anexos",
                "Cómo verificar este documento",
            ],
        ),
    ];
    // A body that does not take the dossier's language: the user hears it first.
    for (template, lang, refused) in [
        ("wgad", "ru", true),
        ("ep", "ru", true),
        ("generic", "ru", false),
        ("wgad", "fr", false),
        ("wgad", "es", false),
        ("pace", "es", true),
    ] {
        let o = f.run(&[
            "export",
            "--case",
            &c.id,
            "--template",
            template,
            "--lang",
            lang,
            "--preview",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stderr(&o).contains("may be refused or wait for translation"),
            refused,
            "{template} {lang}: {}",
            stderr(&o)
        );
    }
    for (template, lang, needles) in cases {
        let name = format!("{template}-{lang}.pdf");
        let pdf = export(&f, &c, &name, &["--template", template, "--lang", lang]);
        let words =
            String::from_utf8(run("pdftotext", &[pdf.to_str().unwrap(), "-"]).stdout).unwrap();
        for n in needles {
            assert!(words.contains(n), "{name}: pdftotext lacks {n:?}");
        }
        if lang != "en" {
            for english in [
                "Subject",
                "detainee",
                "Annex 1",
                "2031-03-13T",
                "Chronology",
            ] {
                assert!(
                    !words.contains(english),
                    "{name}: English {english:?} in {words}"
                );
            }
        }
        // One way of writing dates per dossier: the signing date as the others are.
        let iso_signed = words
            .match_indices(" UTC")
            .any(|(i, _)| i >= 10 && words.as_bytes()[i - 3] == b'-');
        assert!(!iso_signed, "{name}: the signing date is written as ISO");
        if template == "generic" {
            let cover = &words[..words.find("Contents").unwrap_or(words.len())];
            // (The running footer, "Case dossier · title", is not a heading.)
            assert_eq!(
                cover.lines().filter(|l| l.trim() == "Case dossier").count(),
                1,
                "the generic cover says what it is once: {cover}"
            );
        }
        // A filing carries no instruction to the user of this tool (completeness problems
        // are reported by the CLI and the app, below).
        // Nor any path of the sender's computer, in the text or anywhere in the file
        // (attachment names, metadata), streams decompressed by qpdf.
        let expanded = f.dir.join(format!("{name}.qdf"));
        let q = run(
            "qpdf",
            &[
                "--qdf",
                "--object-streams=disable",
                pdf.to_str().unwrap(),
                expanded.to_str().unwrap(),
            ],
        );
        assert!(
            q.status.code().is_some_and(|c| c == 0 || c == 3),
            "{}",
            text(&q)
        );
        let home = f.dir.display().to_string();
        assert!(
            !contains(&std::fs::read(&expanded).unwrap(), home.as_bytes()),
            "{name}: the dossier carries the path {home}"
        );
        for tool_text in [
            "[item:",
            "## ",
            "NOT IN THE REGISTER",
            "НЕТ В РЕЕСТРЕ",
            "ABSENT DU REGISTRE",
            "cite items",
            "add a section",
            "case notes",
        ] {
            assert!(
                !words.contains(tool_text),
                "{name}: the filing prints the tool's instruction {tool_text:?}"
            );
        }
        let sig = text(&run("pdfsig", &[pdf.to_str().unwrap()]));
        assert!(sig.contains("Signature is Valid."), "{name}: {sig}");
        // An attachment keeps its real name (/UF), Cyrillic and all.
        let listed = text(&run("pdfdetach", &["-list", pdf.to_str().unwrap()]));
        assert!(listed.contains("_Постановление.txt"), "{name}: {listed}");
    }
    f.cleanup();
}

/// The submitting source is the person given the role "source", not the first person listed
/// with a lawyer-like role; the CLI says whom it named when several could be meant, and lists
/// what the filing lacks (a point without evidence) instead of printing it in the PDF.
#[test]
fn the_source_is_who_has_the_role_and_gaps_are_told_to_the_user() {
    let f = Fixture::new("dossier-source");
    let c = case(&f);
    let sister = f
        .ok(&[
            "person",
            "add",
            "--name",
            "Айгерим Жұмабаева",
            "--notes",
            "Gent",
        ])
        .trim()
        .to_string();
    f.ok(&[
        "link", "--case", &c.id, "--person", &sister, "--role", "source",
    ]);
    for (template, petitioner_label) in [("wgad", "VI. Submitting source"), ("ep", "Petitioner")] {
        let out = f.dir.join(format!("source-{template}.pdf"));
        let o = f.run(&[
            "export",
            "--signer-name",
            "Әлия Жұмабаева",
            "--case",
            &c.id,
            "--template",
            template,
            "--lang",
            "en",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let said = text(&o);
        assert!(
            said.contains("named Айгерим Жұмабаева (source) as the submitting source")
                && said.contains("Әлия Жұмабаева (lawyer)"),
            "{template}: the CLI names its choice and the other candidate: {said}"
        );
        let words =
            String::from_utf8(run("pdftotext", &[out.to_str().unwrap(), "-"]).stdout).unwrap();
        // The section (after its entry in the contents) up to its signature line.
        let at = words
            .rfind(petitioner_label)
            .unwrap_or_else(|| panic!("{template}: no {petitioner_label:?} in {words}"));
        let section = &words[at..];
        let section = &section[..section.find("Signature").unwrap_or(section.len())];
        assert!(
            section.contains("Айгерим Жұмабаева") && !section.contains("Әлия"),
            "{template}: {petitioner_label} names the sister: {section:?}"
        );
        if template == "wgad" {
            let cover = &words[..words.find("Contents").unwrap_or(words.len())];
            let by = &cover[cover.find("Submitted by").expect("cover names the source")..];
            assert!(
                by.chars().take(60).collect::<String>().contains("Айгерим"),
                "the cover names the sister: {by:?}"
            );
        }
    }
    // The case's "## remedies" section cites nothing: the CLI says so; the PDF does not.
    let out = f.dir.join("gaps.pdf");
    let o = f.run(&[
        "export",
        "--signer-name",
        "Әлия Жұмабаева",
        "--case",
        &c.id,
        "--template",
        "pace",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("missing:"),
        "the CLI lists what the filing lacks: {}",
        text(&o)
    );
    f.cleanup();
}

/// A European Parliament petition may be published: its pictures go as copies without their
/// location and camera data (the original's SHA-256 stays in the signed list, next to the
/// copy's), captions leave them out, and `verify-pdf` checks the copy; `--keep-metadata`
/// attaches the original as it is.
#[test]
fn a_petition_that_may_be_published_carries_no_location() {
    let f = Fixture::new("dossier-ep-privacy");
    let c = case(&f);
    let (photo_id, photo, _) = &c.items[0];
    assert!(
        has_exif(photo),
        "the fixture photo has EXIF (with a GPS position)"
    );
    let pdf = export(
        &f,
        &c,
        "petition.pdf",
        &["--template", "ep", "--lang", "en"],
    );
    let words = String::from_utf8(run("pdftotext", &[pdf.to_str().unwrap(), "-"]).stdout).unwrap();
    assert!(
        !words.contains("43.258333") && !words.contains("Canon"),
        "no position or camera in the text"
    );
    assert!(
        words.contains("a copy without location and camera data"),
        "{words}"
    );
    let out = f.dir.join("detached");
    std::fs::create_dir_all(&out).unwrap();
    let d = run(
        "pdfdetach",
        &[
            "-saveall",
            "-o",
            out.to_str().unwrap(),
            pdf.to_str().unwrap(),
        ],
    );
    assert!(d.status.success(), "{}", text(&d));
    let copy_path = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".jpg"))
        .expect("the photo is attached");
    let copy = std::fs::read(&copy_path).unwrap();
    assert!(!has_exif(&copy), "the attached copy has no EXIF");
    // exiftool reads every metadata format there is; CI installs it (scripts/test).
    let exiftool = have_tool("exiftool", "-ver");
    assert!(
        exiftool || std::env::var_os("CI").is_none(),
        "exiftool is missing (apt install libimage-exiftool-perl)"
    );
    if exiftool {
        let original = f.dir.join("original.jpg");
        std::fs::write(&original, photo).unwrap();
        let seen = text(&run("exiftool", &["-a", "-G1", original.to_str().unwrap()]));
        assert!(
            seen.contains("GPS"),
            "exiftool sees the original's position: {seen}"
        );
        let tags = text(&run(
            "exiftool",
            &["-a", "-G1", copy_path.to_str().unwrap()],
        ));
        assert!(!tags.contains("GPS"), "exiftool finds no GPS tag: {tags}");
        assert!(!tags.contains("Canon"), "{tags}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("dossier-manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "dossier-manifest 2");
    let listed = manifest["annexes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["sha256"] == sha256_hex(photo))
        .expect("the original's SHA-256 is listed");
    assert_eq!(listed["copy"]["sha256"], sha256_hex(&copy));
    let fp = fingerprint(&f);
    let v = f
        .cmd(&["verify-pdf", pdf.to_str().unwrap(), "--fingerprint", &fp])
        .output()
        .unwrap();
    assert!(
        v.status.success() && text(&v).contains("OK-COPY"),
        "{}",
        text(&v)
    );
    let sig = text(&run("pdfsig", &[pdf.to_str().unwrap()]));
    assert!(sig.contains("Signature is Valid."), "{sig}");

    // Kept on request: the original, EXIF and all.
    let kept = export(
        &f,
        &c,
        "petition-kept.pdf",
        &["--template", "ep", "--keep-metadata"],
    );
    let out = f.dir.join("detached-kept");
    std::fs::create_dir_all(&out).unwrap();
    run(
        "pdfdetach",
        &[
            "-saveall",
            "-o",
            out.to_str().unwrap(),
            kept.to_str().unwrap(),
        ],
    );
    let original = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read(e.path()).unwrap())
        .find(|b| sha256_hex(b) == sha256_hex(photo));
    assert!(original.is_some(), "--keep-metadata attaches the original");
    let _ = photo_id;
    f.cleanup();
}

/// The notes' opening text and their `## summary` both reach the dossier, and the Assembly's
/// `## request` never becomes the European Parliament's.
#[test]
fn no_notes_text_is_dropped_or_sent_to_the_wrong_body() {
    let f = Fixture::new("dossier-notes");
    let notes = "Opening paragraph written first.\n## summary\nThe summary written later.\n\
                 ## request\nRecognise him as a political prisoner under Resolution 1900.";
    let case = f
        .ok(&["case", "add", "--title", "Notes case", "--notes", notes])
        .trim()
        .to_string();
    let words_of = |template: &str| {
        let out = f.dir.join(format!("{template}.pdf"));
        let o = f.run(&[
            "export",
            "--signer-name",
            "Әлия Жұмабаева",
            "--case",
            &case,
            "--template",
            template,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let words =
            String::from_utf8(run("pdftotext", &[out.to_str().unwrap(), "-"]).stdout).unwrap();
        (
            words.split_whitespace().collect::<Vec<_>>().join(" "),
            text(&o),
        )
    };
    let exported: Vec<(&str, (String, String))> = ["generic", "pace", "ep"]
        .into_iter()
        .map(|t| (t, words_of(t)))
        .collect();
    for (template, (words, _)) in &exported {
        assert!(
            words.contains("Opening paragraph written first.")
                && words.contains("The summary written later."),
            "{template}: both the opening text and the summary: {words}"
        );
    }
    let (pace, _) = &exported[1].1;
    assert!(
        pace.contains("political prisoner under Resolution 1900"),
        "{pace}"
    );
    let (ep, said) = &exported[2].1;
    assert!(
        !ep.contains("political prisoner"),
        "the petition does not ask the Parliament for the Assembly's request: {ep}"
    );
    assert!(
        said.contains("submission set") && said.contains("\"ep request\""),
        "the CLI names the field to fill: {said}"
    );
    f.cleanup();
}

fn has_exif(jpeg: &[u8]) -> bool {
    contains(jpeg, b"Exif\0\0")
}

#[test]
fn originals_can_be_left_out_and_photo_metadata_hidden() {
    let f = Fixture::new("dossier-options");
    let c = case(&f);
    assert!(has_exif(&c.items[0].1), "the fixture photo carries EXIF");

    let full = export(&f, &c, "full.pdf", &["--template", "generic"]);
    let words = String::from_utf8(run("pdftotext", &[full.to_str().unwrap(), "-"]).stdout).unwrap();
    assert!(
        words.contains("Canon EOS 5D") && words.contains("43.258333"),
        "captions show camera and GPS by default"
    );
    // The inline picture is a re-encoded rendition: no EXIF even by default.
    let imgs = f.dir.join("imgs");
    std::fs::create_dir_all(&imgs).unwrap();
    assert!(
        run(
            "pdfimages",
            &[
                "-j",
                full.to_str().unwrap(),
                &format!("{}/i", imgs.display())
            ]
        )
        .status
        .success()
    );
    let jpegs: Vec<Vec<u8>> = std::fs::read_dir(&imgs)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    assert!(!jpegs.is_empty(), "the photo is shown inline");
    assert!(
        jpegs.iter().all(|j| !has_exif(j)),
        "inline pictures carry no EXIF"
    );

    let stripped = export(
        &f,
        &c,
        "stripped.pdf",
        &["--template", "generic", "--strip-exif"],
    );
    let words =
        String::from_utf8(run("pdftotext", &[stripped.to_str().unwrap(), "-"]).stdout).unwrap();
    assert!(
        !words.contains("Canon") && !words.contains("43.258333"),
        "--strip-exif hides camera and GPS"
    );

    let bare = export(
        &f,
        &c,
        "bare.pdf",
        &["--template", "generic", "--no-originals"],
    );
    let list = text(&run("pdfdetach", &["-list", bare.to_str().unwrap()]));
    assert!(
        list.contains("1 embedded files") && list.contains("dossier-manifest.json"),
        "{list}"
    );
    let bytes = std::fs::read(&bare).unwrap();
    assert!(
        !contains(&bytes, &c.items[3].1[..4096]),
        "no original bytes in the file"
    );
    let fp = fingerprint(&f);
    let v = f
        .cmd(&["verify-pdf", bare.to_str().unwrap(), "--fingerprint", &fp])
        .output()
        .unwrap();
    assert!(
        v.status.success() && text(&v).contains("NOT-INCLUDED"),
        "{}",
        text(&v)
    );
    // Without the fingerprint the file is intact but the signer unknown: not a success.
    let unpinned = f
        .cmd(&["verify-pdf", bare.to_str().unwrap()])
        .output()
        .unwrap();
    failed_saying(&unpinned, "SIGNER NOT VERIFIED");
    f.cleanup();
}

#[test]
fn odd_titles_and_bad_citations() {
    let f = Fixture::new("dossier-odd");
    let c = case(&f);
    // Arabic and an emoji: no bundled font has them; they print as '?' and the export works.
    let odd = f
        .ok(&[
            "case",
            "add",
            "--title",
            "Ahmed أحمد 😀 v. State",
            "--notes",
            "See [item:zzzz9999].",
        ])
        .trim()
        .to_string();
    let out = f.dir.join("odd.pdf");
    let export_odd = || {
        f.run(&[
            "export",
            "--signer-name",
            "Әлия Жұмабаева",
            "--case",
            &odd,
            "--template",
            "generic",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let r = export_odd();
    assert!(
        !r.status.success(),
        "a citation that names no item stops the export"
    );
    assert!(stderr(&r).contains("[item:zzzz9999]"), "{}", stderr(&r));
    assert!(!out.exists());
    f.ok(&[
        "case",
        "edit",
        &odd,
        "--notes",
        &format!("See [item:{}].", &c.items[1].0[..6].to_uppercase()),
    ]);
    let r = export_odd();
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(stderr(&r).contains("printed as '?'"), "{}", stderr(&r));
    let words = String::from_utf8(run("pdftotext", &[out.to_str().unwrap(), "-"]).stdout).unwrap();
    assert!(
        words.contains("See A1."),
        "an upper-case prefix cites like the CLI resolves ids: {words}"
    );
    let sig = text(&run("pdfsig", &[out.to_str().unwrap()]));
    assert!(sig.contains("Signature is Valid."), "{sig}");
    f.cleanup();
}

#[test]
fn a_damaged_annex_stops_the_export_and_leaves_no_file() {
    let f = Fixture::new("dossier-damaged");
    let c = case(&f);
    // Damage the biggest blob (the noise file's) inside its encrypted payload.
    let (path, bytes) = f
        .vault_files()
        .into_iter()
        .filter(|(p, _)| p.to_string_lossy().contains("/blobs/"))
        .max_by_key(|(_, b)| b.len())
        .unwrap();
    let mut bytes = bytes;
    let n = bytes.len();
    bytes[n / 2] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let out = f.dir.join("never.pdf");
    let r = f.run(&[
        "export",
        "--signer-name",
        "Әлия Жұмабаева",
        "--case",
        &c.id,
        "--template",
        "generic",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!r.status.success());
    assert!(
        stderr(&r).contains("scan.bin") && stderr(&r).contains("integrity"),
        "{}",
        stderr(&r)
    );
    assert!(!out.exists(), "no dossier with a damaged annex");
    let left: Vec<_> = std::fs::read_dir(&f.dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(left.is_empty(), "the partial file is removed: {left:?}");
    let again = f.run(&[
        "export",
        "--signer-name",
        "Әлия Жұмабаева",
        "--case",
        &c.id,
        "--template",
        "generic",
        "--out",
        f.dir.join("wgad.pdf").to_str().unwrap(),
        "--item",
        "nonexistent",
    ]);
    assert!(
        !again.status.success() && stderr(&again).contains("nonexistent"),
        "{}",
        stderr(&again)
    );
    f.cleanup();
}

/// Ctrl-C (or SIGTERM) during an export stops it at the next chunk and removes the partial
/// file: no plaintext of the annexes stays in the destination folder.
#[test]
fn an_interrupted_export_leaves_no_plaintext_behind() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let f = Fixture::new("dossier-interrupt");
    let big = f.file("recording.bin", &noise(256 << 20, 11));
    let id = f.import(&[&big]).remove(0);
    std::fs::remove_file(&big).unwrap();
    let case = f
        .ok(&["case", "add", "--title", "Interrupted"])
        .trim()
        .to_string();
    f.ok(&["link", "--case", &case, "--item", &id]);
    let dest = f.dir.join("out");
    std::fs::create_dir_all(&dest).unwrap();
    let out = dest.join("d.pdf");
    let mut child = f
        .std_cmd(&[
            "export",
            "--signer-name",
            "Әлия Жұмабаева",
            "--case",
            &case,
            "--template",
            "generic",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let partial_size = || {
        std::fs::read_dir(&dest)
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with(".partial"))
            .map(|e| e.metadata().unwrap().len())
    };
    while partial_size().is_none_or(|n| n < 8 << 20) {
        assert!(
            started.elapsed().as_secs() < 60,
            "the export never got going"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the export finished before it could be interrupted"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let done = child.wait_with_output().unwrap();
    assert!(!done.status.success());
    assert!(stderr(&done).contains("cancelled"), "{}", stderr(&done));
    let left: Vec<_> = std::fs::read_dir(&dest)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "nothing may stay in the destination: {left:?}"
    );
    f.assert_tmpdir_empty();
    f.cleanup();
}
