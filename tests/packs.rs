//! Packs: the small files of one import share one age file (a tar), which the stock `age` and
//! `tar` open; verify names every item a damaged pack held; a purge rewrites the pack without
//! the purged item; a device that has a purge's entry but not yet its new pack keeps reading
//! the old one.

mod common;

use std::path::{Path, PathBuf};

use common::devices::{Device, copy_tree, unite};
use common::*;

/// Every file under `blobs/`.
fn blob_files(vault: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for fan in std::fs::read_dir(vault.join("blobs")).unwrap().flatten() {
        for f in std::fs::read_dir(fan.path()).unwrap().flatten() {
            out.push(f.path());
        }
    }
    out.sort();
    out
}

/// An item's bytes as `dossier extract` writes them, from the fixture's vault or `device`'s.
fn extracted(f: &Fixture, device: Option<&Device>, id: &str) -> Vec<u8> {
    let out = f.dir.join(format!("extracted-{id}"));
    let _ = std::fs::remove_file(&out);
    let args = ["extract", id, "--out", out.to_str().unwrap()];
    match device {
        Some(d) => d.ok(f, &args),
        None => f.ok(&args),
    };
    std::fs::read(&out).unwrap()
}

/// Five small notes (Cyrillic names and text) and one file too large to pack.
fn small_and_large(f: &Fixture) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = (0..5)
        .map(|i| {
            let bytes = format!("Протокол допроса № {i}: свидетель Жұмабаева.\n").into_bytes();
            (f.file(&format!("протокол-{i}.txt"), &bytes), bytes)
        })
        .collect();
    let large = noise(100_000, 7);
    files.push((f.file("scan.bin", &large), large));
    files
}

fn import_all(f: &Fixture, files: &[(PathBuf, Vec<u8>)]) -> Vec<String> {
    let paths: Vec<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
    f.import(&paths)
}

/// The pack among the two blob files: the smaller (five notes fit the 64 KiB floor; the
/// 100 kB scan does not).
fn the_pack(f: &Fixture) -> PathBuf {
    let files = blob_files(&f.vault);
    assert_eq!(files.len(), 2, "one pack and one blob: {files:?}");
    files
        .into_iter()
        .min_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap()
}

#[test]
fn small_files_of_one_import_share_a_pack_that_age_and_tar_open() {
    let f = Fixture::new("packs-shared");
    let files = small_and_large(&f);
    let segments = || {
        std::fs::read_dir(f.vault.join("journal"))
            .unwrap()
            .flatten()
            .map(|d| std::fs::read_dir(d.path()).unwrap().count())
            .sum::<usize>()
    };
    let before = segments();
    let ids = import_all(&f, &files);
    assert_eq!(ids.len(), 6);
    assert_eq!(
        segments(),
        before + 1,
        "one journal entry holds the batch, its pack and what the parser found"
    );
    let shown = f.ok(&["show", &ids[0]]);
    assert!(
        shown.contains("encoding:  UTF-8"),
        "what the parser found is recorded: {shown}"
    );
    assert_eq!(
        blob_files(&f.vault).len(),
        2,
        "five notes in one pack, the scan on its own"
    );
    for (id, (_, bytes)) in ids.iter().zip(&files) {
        assert_eq!(&extracted(&f, None, id), bytes, "item {id} reads back");
    }
    let report = f.ok(&["verify"]);
    assert!(
        report.contains("6 OK") || report.contains("OK: 6"),
        "{report}"
    );

    // Their text is searchable, the match marked in the item's text; the type filter holds.
    let found = f.ok(&["search", "допроса"]);
    assert!(found.contains("[допроса]"), "{found}");
    let hits = |out: &str| out.lines().filter(|l| l.starts_with("item")).count();
    assert_eq!(hits(&found), 5, "{found}");
    let typed = f.run(&["search", "допроса", "--type", "image/"]);
    assert!(stdout(&typed).trim().is_empty(), "{}", stdout(&typed));
    let typed = f.ok(&["search", "допроса", "--type", "text/"]);
    assert_eq!(hits(&typed), 5, "{typed}");

    // Without Dossier: `age -d | tar x` gives every note, named by its blob id.
    if have_tool("age", "--version") && have_tool("tar", "--version") {
        let identity = f.dir.join("identity.txt");
        f.ok(&["identity", "export", "--out", identity.to_str().unwrap()]);
        let out = f.dir.join("untarred");
        std::fs::create_dir_all(&out).unwrap();
        for blob in blob_files(&f.vault) {
            let s = std::process::Command::new("sh")
                .arg("-c")
                .arg("age -d -i \"$1\" \"$2\" | tar -x -C \"$3\" 2>/dev/null; true")
                .args(["sh", identity.to_str().unwrap()])
                .arg(&blob)
                .arg(&out)
                .status()
                .unwrap();
            assert!(s.success());
        }
        let label = std::fs::read_to_string(out.join("dossier-pack")).unwrap();
        assert!(label.starts_with("Dossier evidence pack "), "{label}");
        let mut found = 0;
        for e in std::fs::read_dir(&out).unwrap().flatten() {
            let bytes = std::fs::read(e.path()).unwrap();
            if files[..5].iter().any(|(_, b)| *b == bytes) {
                found += 1;
            }
        }
        assert_eq!(
            found, 5,
            "every note comes out of the pack with stock tools"
        );
    }
    f.cleanup();
}

#[test]
fn a_changed_or_missing_pack_names_every_item_it_held() {
    let f = Fixture::new("packs-damaged");
    let files = small_and_large(&f);
    let ids = import_all(&f, &files);
    let pack = the_pack(&f);
    let original = std::fs::read(&pack).unwrap();
    let mut flipped = original.clone();
    let n = flipped.len();
    flipped[n - 300] ^= 0x01;
    std::fs::write(&pack, &flipped).unwrap();
    let out = f.run(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report = stdout(&out);
    for id in &ids[..5] {
        assert!(
            report
                .lines()
                .any(|l| l.contains("CHANGED") && l.contains(id)),
            "{id} is named CHANGED: {report}"
        );
    }
    assert!(
        !report
            .lines()
            .any(|l| l.contains("CHANGED") && l.contains(&ids[5])),
        "the scan has its own blob: {report}"
    );
    std::fs::remove_file(&pack).unwrap();
    let report = stdout(&f.run(&["verify"]));
    for id in &ids[..5] {
        assert!(
            report
                .lines()
                .any(|l| l.contains("MISSING") && l.contains(id)),
            "{id} is named MISSING: {report}"
        );
    }
    std::fs::write(&pack, &original).unwrap();
    f.ok(&["verify"]);
    f.cleanup();
}

#[test]
fn purging_a_packed_item_rewrites_its_pack_without_it() {
    let f = Fixture::new("packs-purge");
    let files = small_and_large(&f);
    let ids = import_all(&f, &files);
    let old_pack = the_pack(&f);
    f.ok(&[
        "delete",
        &ids[0],
        "--reason",
        "privileged, returned to the client",
    ]);
    f.ok(&["purge", &ids[0]]);
    assert!(
        !old_pack.exists(),
        "the pack that held the purged note is gone"
    );
    assert_eq!(blob_files(&f.vault).len(), 2, "a new pack and the scan");
    for (id, (_, bytes)) in ids.iter().zip(&files).skip(1) {
        assert_eq!(&extracted(&f, None, id), bytes, "item {id} moved intact");
    }
    f.ok(&["verify"]);
    // The purged bytes are in no file: decrypt every blob with the stock tool and look.
    if have_tool("age", "--version") {
        let identity = f.dir.join("identity.txt");
        f.ok(&["identity", "export", "--out", identity.to_str().unwrap()]);
        for blob in blob_files(&f.vault) {
            let plain = std::process::Command::new("age")
                .args(["-d", "-i", identity.to_str().unwrap()])
                .arg(&blob)
                .output()
                .unwrap()
                .stdout;
            assert!(!plain.is_empty());
            assert!(!contains(&plain, &files[0].1), "purged bytes in {blob:?}");
            assert!(!contains(&plain, ids[0].as_bytes()));
        }
    }
    // Purging every other note leaves no pack at all.
    for id in &ids[1..5] {
        f.ok(&["delete", id]);
        f.ok(&["purge", id]);
    }
    assert_eq!(
        blob_files(&f.vault).len(),
        1,
        "only the scan's blob is left"
    );
    f.ok(&["verify"]);
    f.cleanup();
}

/// Device B receives A's purge before A's new pack (sync engines deliver files in any order):
/// B keeps reading the old pack, and removes it only once the new one is there.
#[test]
fn a_device_keeps_the_old_pack_until_the_new_one_arrives() {
    let f = Fixture::new("packs-devices");
    let files = small_and_large(&f);
    let ids = import_all(&f, &files);
    let a = Device::new(&f, &f.vault, "a");
    let b_vault = f.dir.join("vault-b");
    copy_tree(&f.vault, &b_vault);
    let b = Device::new(&f, &b_vault, "b");
    b.ok(&f, &["list"]);
    a.ok(&f, &["delete", &ids[1]]);
    a.ok(&f, &["purge", &ids[1]]);
    // Only A's journal reaches B.
    let journal = Path::new("journal");
    for dev in std::fs::read_dir(f.vault.join(journal)).unwrap().flatten() {
        let to = b_vault.join(journal).join(dev.file_name());
        std::fs::create_dir_all(&to).unwrap();
        for seg in std::fs::read_dir(dev.path()).unwrap().flatten() {
            if !to.join(seg.file_name()).exists() {
                std::fs::copy(seg.path(), to.join(seg.file_name())).unwrap();
            }
        }
    }
    let before = blob_files(&b_vault);
    let report = b.ok(&f, &["verify"]);
    assert!(report.contains("5 items: 5 OK"), "{report}");
    for (id, (_, bytes)) in ids.iter().zip(&files).skip(2).take(3) {
        assert_eq!(&extracted(&f, Some(&b), id), bytes);
    }
    assert_eq!(
        blob_files(&b_vault),
        before,
        "the old pack stays: nothing replaces it yet"
    );
    unite(&f.vault, &b_vault);
    b.ok(&f, &["verify"]);
    a.ok(&f, &["verify"]);
    assert_eq!(
        blob_files(&b_vault).len(),
        2,
        "once the new pack arrived, B removed the old one"
    );
    assert_eq!(
        blob_files(&f.vault).len(),
        2,
        "and A removed the copy it got back"
    );
    f.cleanup();
}

/// A crash after the batch's entry was written but before its pack was moved into place
/// leaves the pack in `tmp/<device>/`: the next open completes the import.
#[test]
fn a_pack_left_in_tmp_by_a_crash_is_put_in_place_at_the_next_open() {
    let f = Fixture::new("packs-crash");
    let files = small_and_large(&f);
    let ids = import_all(&f, &files);
    let pack = the_pack(&f);
    let device = std::fs::read_dir(f.vault.join("journal"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .file_name();
    let fan = pack
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    let name = format!("{fan}{}", pack.file_name().unwrap().to_str().unwrap());
    let tmp = f.vault.join("tmp").join(device).join(name);
    std::fs::rename(&pack, &tmp).unwrap();
    let out = f.run(&["verify"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stderr(&out).contains("completed an interrupted import"),
        "{}",
        stderr(&out)
    );
    assert!(pack.exists() && !tmp.exists());
    assert_eq!(extracted(&f, None, &ids[3]), files[3].1);
    f.cleanup();
}
