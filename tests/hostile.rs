//! Hostile files (issue #12): a corpus made here, never committed, of files built to crash,
//! hang or exhaust a parser. Every one must import, `reindex` must complete, `verify-pdf`
//! must refuse the PDFs with an exit status (never a signal), the CLI's peak memory (its
//! parser worker included) must stay under 512 MB, and the vault must verify.

mod common;

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    common::scan::minimal_pdf(objects)
}

fn page_pdf(content: &[u8], resources: &str, extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources {resources} >>").into_bytes(),
        stream("", content),
    ];
    objects.extend(extra);
    pdf(&objects)
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< /Length {} {dict} >>\nstream\n", data.len()).into_bytes();
    s.extend(data);
    s.extend(b"\nendstream");
    s
}

fn nested_arrays(depth: usize) -> Vec<u8> {
    let inner = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    pdf(&[
        format!("<< /Type /Catalog /Pages 2 0 R /Deep {inner} >>").into_bytes(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
    ])
}

fn nested_dictionaries(depth: usize) -> Vec<u8> {
    let inner = format!("{}{}", "<< /A ".repeat(depth), ">> ".repeat(depth));
    pdf(&[
        format!("<< /Type /Catalog /Pages 2 0 R /Deep {inner} >>").into_bytes(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
    ])
}

/// A form XObject whose content draws itself.
fn self_drawing_form() -> Vec<u8> {
    page_pdf(
        b"/F0 Do",
        "<< /XObject << /F0 5 0 R >> >>",
        vec![stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /F0 5 0 R >> >>",
            b"/F0 Do",
        )],
    )
}

/// A page tree whose node lists itself among its kids.
fn page_tree_loop() -> Vec<u8> {
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_vec(),
    ])
}

/// One content stream that inflates to `inflated` bytes of spaces.
fn flate_bomb(inflated: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..inflated / chunk.len() {
        z.write_all(&chunk).unwrap();
    }
    let data = z.finish().unwrap();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
    ];
    objects.push(stream("/Filter /FlateDecode", &data));
    pdf(&objects)
}

/// A DOCX whose document.xml inflates to `inflated` bytes.
fn docx_bomb(inflated: usize) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(inflated > u32::MAX as usize);
    zip.start_file("[Content_Types].xml", deflated).unwrap();
    zip.write_all(b"<Types/>").unwrap();
    zip.start_file("word/document.xml", deflated).unwrap();
    zip.write_all(b"<w:document><w:body><w:p><w:t>").unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..inflated / chunk.len() {
        zip.write_all(&chunk).unwrap();
    }
    zip.write_all(b"</w:t></w:p></w:body></w:document>")
        .unwrap();
    zip.finish().unwrap().into_inner()
}

/// An e-mail of `depth` nested multiparts.
fn nested_email(depth: usize) -> Vec<u8> {
    let mut m = String::from(
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: nested\r\nMIME-Version: 1.0\r\n",
    );
    for i in 0..depth {
        m.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    m.push_str("Content-Type: text/plain\r\n\r\nbottom\r\n");
    for i in (0..depth).rev() {
        m.push_str(&format!("--b{i}--\r\n"));
    }
    m.into_bytes()
}

/// A PNG that claims 60000 × 60000 pixels.
fn huge_png_header() -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        c.extend(crc.sum().to_be_bytes());
        c
    };
    let mut ihdr = 60_000u32.to_be_bytes().to_vec();
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; 1 << 20]).unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &z.finish().unwrap()));
    png.extend(chunk(b"IEND", b""));
    png
}

/// The corpus, written into the fixture's files folder.
fn corpus(f: &Fixture) -> Vec<(&'static str, PathBuf)> {
    let mut files: Vec<(&'static str, Vec<u8>)> = vec![
        ("arrays-1000.pdf", nested_arrays(1_000)),
        ("arrays-10000.pdf", nested_arrays(10_000)),
        ("arrays-100000.pdf", nested_arrays(100_000)),
        ("dicts-1000.pdf", nested_dictionaries(1_000)),
        ("dicts-100000.pdf", nested_dictionaries(100_000)),
        ("self-drawing-form.pdf", self_drawing_form()),
        ("page-tree-loop.pdf", page_tree_loop()),
        ("flate-bomb.pdf", flate_bomb(1 << 30)),
        ("bomb.docx", docx_bomb(256 << 20)),
        ("nested.eml", nested_email(20_000)),
        ("huge.png", huge_png_header()),
    ];
    files.push((
        "ordinary.txt",
        "Обычное письмо, слово дыня.".as_bytes().to_vec(),
    ));
    files
        .into_iter()
        .map(|(name, bytes)| (name, f.file(name, &bytes)))
        .collect()
}

/// Runs the CLI under `/usr/bin/time` and returns its output and peak memory in MB (the
/// largest resident set of the process and the children it waited for: the parser worker
/// and the tools it starts).
fn measured(f: &Fixture, args: &[&str]) -> (Output, u64) {
    let mut cmd = std::process::Command::new("/usr/bin/time");
    let inner = f.std_cmd(args);
    cmd.arg("-f").arg("peak-kb %M").arg(inner.get_program());
    cmd.args(inner.get_args());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let kb: u64 = err
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak-kb "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in: {err}"));
    (out, kb / 1024)
}

fn assert_exited(out: &Output, what: &str) {
    assert!(
        out.status.signal().is_none(),
        "{what} died by signal {:?}: {}",
        out.status.signal(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn hostile_files_import_reindex_and_verify_pdf_refuses_them() {
    if !have_tool("/usr/bin/time", "--version") || !have_tool("tesseract", "--version") {
        return;
    }
    let f = Fixture::new("hostile");
    let files = corpus(&f);
    let paths: Vec<&Path> = files.iter().map(|(_, p)| p.as_path()).collect();
    // With OCR (the default): the PDFs without text go to Tesseract too.
    let mut args = vec!["import"];
    let strs: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(strs.iter().map(String::as_str));

    let (out, peak) = measured(&f, &args);
    assert_exited(&out, "import");
    assert!(out.status.success(), "import: {}", stderr(&out));
    eprintln!("import of the hostile corpus: peak {peak} MB");
    assert!(peak < 512, "import peaked at {peak} MB");
    let ids: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(ids.len(), files.len(), "every file is stored");

    // Each item records what happened to its extraction; the bombs are refused by their caps.
    let show = |id: &str| -> serde_json::Value {
        serde_json::from_str(&f.ok(&["show", id, "--json"])).unwrap()
    };
    for ((name, _), id) in files.iter().zip(&ids) {
        let x = &show(id)["extraction"];
        let error = x["error"].as_str().unwrap_or("");
        eprintln!("{name}: {} {error}", x["status"]);
        assert_ne!(x["status"], "pending", "{name}: extraction finished");
        match *name {
            "flate-bomb.pdf" => assert!(error.contains("inflates past"), "{name}: {error}"),
            "bomb.docx" => assert!(error.contains("inflates past"), "{name}: {error}"),
            "huge.png" => {
                let thumb = x["metadata"]["thumbnail_error"].as_str().unwrap_or("");
                assert!(thumb.contains("exceeds limit"), "{name}: {x}");
                assert!(x["metadata"]["ocr"].is_null(), "no OCR of a size bomb: {x}");
            }
            "ordinary.txt" => assert_eq!(x["status"], "done"),
            _ => {}
        }
    }
    // The ordinary file beside them was extracted and is searchable.
    assert!(f.ok(&["search", "дыня"]).contains(&ids[ids.len() - 1]));

    let (out, peak) = measured(&f, &["reindex"]);
    assert_exited(&out, "reindex");
    assert!(out.status.success(), "reindex: {}", stderr(&out));
    eprintln!("reindex of the hostile corpus: peak {peak} MB");
    assert!(peak < 512, "reindex peaked at {peak} MB");
    assert!(stderr(&out).contains(&format!("of {} items", files.len())));

    for (name, path) in files.iter().filter(|(n, _)| n.ends_with(".pdf")) {
        let (out, peak) = measured(&f, &["verify-pdf", &path.display().to_string()]);
        assert_exited(&out, &format!("verify-pdf {name}"));
        let code = out.status.code().unwrap();
        assert!(code == 1 || code == 2, "verify-pdf {name} exited {code}");
        assert!(stdout(&out).contains("FAILED"), "{name}: {}", stdout(&out));
        eprintln!("verify-pdf {name}: exit {code}, peak {peak} MB");
        assert!(peak < 512, "verify-pdf {name} peaked at {peak} MB");
    }

    let out = f.run(&["verify"]);
    assert!(out.status.success(), "verify: {}", stdout(&out));
    f.assert_tmpdir_empty();
    f.cleanup();
}
