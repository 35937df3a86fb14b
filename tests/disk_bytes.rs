//! What a seized disk shows: these tests read every byte the vault (and TMPDIR) holds after real
//! use and look for anything that identifies the evidence or the people in it.

mod common;

use common::*;
use std::path::Path;

// Invented people and cases with the shape of the real ones (see ../shared/seeds/README.md).
const MARKERS: &[&str] = &[
    "Жұмабаева Әлия Серікқызы",
    "Zhumabayeva",
    "№ 2-1547/2031",
    "WGAD Opinion No. 77/2031",
    "әғқңөұүһі",
    "Прокуратура Алматы",
    "ZZCLIENT7Q",
];

fn evidence(f: &Fixture) -> Vec<std::path::PathBuf> {
    let letter = format!(
        "Уважаемый суд! Дело {} по обвинению {} ({}). {} — {}. Қазақ тілі: {}. {}\n",
        MARKERS[2], MARKERS[0], MARKERS[1], MARKERS[3], MARKERS[5], MARKERS[4], MARKERS[6]
    )
    .repeat(40);
    let mut jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00".to_vec();
    jpeg.extend(noise(150_000, 21));
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    png.extend(noise(20_000, 22));
    let pdf = format!(
        "%PDF-1.7\n1 0 obj << /Title ({}) >> endobj\n%%EOF\n",
        MARKERS[1]
    )
    .into_bytes();
    let mut sqlite = b"SQLite format 3\0".to_vec();
    sqlite.extend(noise(4000, 23));
    vec![
        f.file(
            &format!("Письмо {} «срочно».txt", MARKERS[0]),
            letter.as_bytes(),
        ),
        f.file("IMG_20310503_photo of detention centre.jpg", &jpeg),
        f.file("scan.png", &png),
        f.file(&format!("Appeal {}.pdf", MARKERS[1]), &pdf),
        f.file("client-notes.sqlite", &sqlite),
        f.file("UTF16 letter.txt", &utf16le(&letter)),
    ]
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Everything that must never appear in the vault or TMPDIR.
fn forbidden(f: &Fixture, sources: &[std::path::PathBuf]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for m in MARKERS {
        out.push((format!("marker {m:?} (UTF-8)"), m.as_bytes().to_vec()));
        out.push((format!("marker {m:?} (UTF-16LE)"), utf16le(m)));
    }
    for p in sources {
        let bytes = std::fs::read(p).unwrap();
        let name = p.file_name().unwrap().to_str().unwrap();
        out.push((format!("file name {name:?}"), name.as_bytes().to_vec()));
        let digest = sha256_hex(&bytes);
        out.push((
            format!("SHA-256 hex of {name}"),
            digest.clone().into_bytes(),
        ));
        out.push((
            format!("SHA-256 HEX of {name}"),
            digest.to_uppercase().into_bytes(),
        ));
        out.push((
            format!("raw SHA-256 of {name}"),
            hex::decode(&digest).unwrap(),
        ));
        // A 32-byte window from the middle of the content.
        if bytes.len() > 64 {
            let mid = bytes.len() / 2;
            out.push((format!("content of {name}"), bytes[mid..mid + 32].to_vec()));
        }
    }
    for (what, magic) in [
        ("JPEG magic", &b"\xff\xd8\xff\xe0\x00\x10JFIF"[..]),
        ("PNG magic", b"\x89PNG\r\n\x1a\n"),
        ("PDF magic", b"%PDF-1."),
        ("SQLite magic", b"SQLite format 3\0"),
    ] {
        out.push((what.into(), magic.to_vec()));
    }
    let _ = f;
    out
}

#[test]
fn a_seized_vault_reveals_no_names_contents_hashes_or_types() {
    let f = Fixture::new("seized");
    let sources = evidence(&f);
    let paths: Vec<&Path> = sources.iter().map(|p| p.as_path()).collect();
    let ids = f.import(&paths);
    let note = format!("client {} — case {}", MARKERS[0], MARKERS[2]);
    f.ok(&["edit", &ids[0], "--note", &note, "--source", MARKERS[5]]);
    f.ok(&["verify"]);
    f.ok(&["list", "--json"]);
    f.ok(&["show", &ids[1]]);
    f.ok(&["check-file", sources[2].to_str().unwrap()]);
    f.ok(&[
        "extract",
        &ids[3],
        "--out",
        f.dir.join("exported.pdf").to_str().unwrap(),
    ]);
    f.ok(&["delete", &ids[4], "--reason", MARKERS[6]]);

    let mut scanned = f.vault_files();
    for e in std::fs::read_dir(&f.tmpdir).unwrap().flatten() {
        scanned.push((e.path(), std::fs::read(e.path()).unwrap_or_default()));
    }
    assert!(scanned.len() > 5);
    for (what, needle) in forbidden(&f, &sources) {
        for (path, bytes) in &scanned {
            assert!(
                !contains(bytes, &needle),
                "{what} found in {}",
                path.display()
            );
            let rel = path
                .strip_prefix(&f.vault)
                .unwrap_or(path)
                .to_string_lossy()
                .into_owned();
            assert!(
                !contains(rel.as_bytes(), &needle),
                "{what} in a file name: {rel}"
            );
        }
    }
    f.assert_tmpdir_empty();
    f.cleanup();
}

/// Every path matches the documented layout; nothing else exists.
#[test]
fn vault_layout_has_only_random_names_and_private_modes() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let f = Fixture::new("layout");
    let a = f.file("a.txt", b"same bytes");
    let b = f.file("b.txt", b"same bytes");
    f.import(&[&a]);
    f.ok(&["import", "--allow-duplicate", b.to_str().unwrap()]);
    let mut blobs = Vec::new();
    for (path, bytes) in f.vault_files() {
        let rel = path
            .strip_prefix(&f.vault)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let parts: Vec<&str> = rel.split('/').collect();
        let hex = |s: &str, n: usize| {
            s.len() == n
                && s.bytes()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        };
        let ok = match parts.as_slice() {
            ["DOSSIER"] => bytes == b"dossier vault\nformat 2\n",
            ["keys", "passphrase.age"] => true,
            ["journal", d, n] => hex(d, 32) && n.strip_suffix(".age").is_some_and(|s| hex(s, 16)),
            ["snapshots" | "texts", d, n] => {
                hex(d, 32) && n.strip_suffix(".age").is_some_and(|s| hex(s, 32))
            }
            ["blobs", d, n] => hex(d, 2) && n.strip_suffix(".age").is_some_and(|s| hex(s, 30)),
            _ => false,
        };
        assert!(ok, "unexpected path in the vault: {rel}");
        if parts[0] != "DOSSIER" {
            assert!(
                bytes.starts_with(b"age-encryption.org/v1\n"),
                "{rel} is an age file"
            );
        }
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{rel} is private");
        if ["blobs", "journal", "snapshots", "texts"].contains(&parts[0]) {
            assert_eq!(meta.mtime(), 946_684_800, "{rel}: mtime normalised");
            blobs.push(rel);
        }
    }
    let device = std::fs::read_dir(f.vault.join("journal"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let device = device.to_str().unwrap();
    for dir in [
        "".to_string(),
        "keys".into(),
        "blobs".into(),
        "tmp".into(),
        format!("tmp/{device}"),
        "texts".into(),
        format!("texts/{device}"),
        "journal".into(),
        format!("journal/{device}"),
    ] {
        let mode = std::fs::metadata(f.vault.join(&dir))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700, "folder {dir:?} is private");
    }
    let blob_names: Vec<_> = blobs.iter().filter(|b| b.starts_with("blobs")).collect();
    assert_eq!(
        blob_names.len(),
        2,
        "identical content stored twice gets two unrelated names"
    );
    f.cleanup();
}

/// Length of an age file's plaintext, from its size: header, 16-byte nonce, 16-byte tag per
/// 64 KiB chunk (age-encryption.org/v1).
fn age_plaintext_len(bytes: &[u8]) -> u64 {
    let mac_line = bytes
        .windows(5)
        .position(|w| w == b"\n--- ")
        .expect("age header")
        + 1;
    let header_end = mac_line + bytes[mac_line..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let payload = (bytes.len() - header_end - 16) as u64;
    let chunks = payload.div_ceil(65_536 + 16).max(1);
    payload - 16 * chunks
}

#[test]
fn sizes_on_disk_reveal_only_padded_size_classes() {
    let f = Fixture::new("sizes");
    let lens = [
        0usize, 1, 1000, 60_000, 65_537, 300_000, 1_048_577, 5_000_000,
    ];
    let files: Vec<_> = lens
        .iter()
        .enumerate()
        .map(|(i, &n)| f.file(&format!("f{i}"), &noise(n, i as u64 + 1)))
        .collect();
    let paths: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    f.import(&paths);
    let mut plaintext_lens = Vec::new();
    for (path, bytes) in f.vault_files() {
        if path.to_str().unwrap().contains("/keys/") || path.ends_with("DOSSIER") {
            continue;
        }
        let p = age_plaintext_len(&bytes);
        // Journal segments have a 4 KiB floor (an edit must not cost 64 KiB); everything
        // else the 64 KiB one. Both are Padmé classes.
        let path_text = path.to_str().unwrap();
        let class = if path_text.contains("/journal/") {
            dossier::padding::padme(p.max(4096))
        } else if path_text.contains("/texts/") || path_text.contains("/snapshots/") {
            // Their size tracks the whole vault: only a power-of-two class.
            dossier::padding::coarse_len(p)
        } else {
            dossier::padding::padded_len(p)
        };
        assert_eq!(
            p,
            class,
            "{}: plaintext {p} is not a padded size class",
            path.display()
        );
        assert!(
            !lens.contains(&(bytes.len())),
            "a file has the exact size of an original"
        );
        if path.to_str().unwrap().contains("/blobs/") {
            plaintext_lens.push(p);
        }
    }
    plaintext_lens.sort();
    // 0, 1, 1000 and 60,000 bytes share one pack: the disk shows one file for the four of
    // them, in the same size class as the single 65,537-byte original.
    assert_eq!(plaintext_lens.len(), lens.len() - 3, "{plaintext_lens:?}");
    assert_eq!(plaintext_lens[0], plaintext_lens[1], "{plaintext_lens:?}");
    f.cleanup();
}
