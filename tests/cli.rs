//! The CLI contract of issue #3, end to end through the real binary.

mod common;

use common::*;
use std::path::Path;

/// Hostile and awkward inputs: all are evidence and must come back bit-exact.
fn hostile_files(f: &Fixture) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]);
    let truncated_jpeg = [
        &b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xdb\0\x43\0"[..],
        &noise(300, 3),
    ]
    .concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("bomb 100000x100000.png", png),
        ("truncated.jpg", truncated_jpeg),
        ("random bytes.pdf", noise(70_000, 7)),
        ("empty", Vec::new()),
        (
            "Решение суда «№ 2-15» (копия).txt",
            "Ерімбетов Ғалымжан — әғқңөұүһі\n".repeat(50).into_bytes(),
        ),
        ("exactly 64 KiB", noise(65_536 - 32, 11)),
        ("three chunks", noise(3 * 4 * 1024 * 1024 + 17, 13)),
    ];
    cases.into_iter().map(|(n, b)| (f.file(n, &b), b)).collect()
}

#[test]
fn hostile_files_import_and_extract_bit_exact() {
    let f = Fixture::new("hostile");
    let files = hostile_files(&f);
    let paths: Vec<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
    let ids = f.import(&paths);
    assert_eq!(ids.len(), files.len(), "one id per imported file");

    let listed = f.list_json();
    for ((path, bytes), id) in files.iter().zip(&ids) {
        let entry = listed
            .iter()
            .find(|e| e["id"] == id.as_str())
            .expect("listed");
        assert_eq!(entry["name"], path.file_name().unwrap().to_str().unwrap());
        assert_eq!(entry["size"], bytes.len() as u64);
        assert_eq!(entry["sha256"], sha256_hex(bytes));

        let out = f.dir.join(format!("out-{id}"));
        f.ok(&["extract", id, "--out", out.to_str().unwrap()]);
        assert_eq!(
            &std::fs::read(&out).unwrap(),
            bytes,
            "{} must come back bit-exact",
            path.display()
        );
    }
    let types: Vec<&str> = listed
        .iter()
        .map(|e| e["media_type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"image/png") && types.contains(&"image/jpeg"),
        "content-based types: {types:?}"
    );
    f.ok(&["verify"]);
    f.assert_tmpdir_empty();
    f.cleanup();
}

#[test]
fn options_may_come_after_the_arguments() {
    let f = Fixture::new("order");
    let p = f.file("a.txt", b"hello");
    let out = assert_cmd::Command::cargo_bin("dossier")
        .unwrap()
        .arg("import")
        .arg(&p)
        .arg("--vault")
        .arg(&f.vault)
        .arg("--passphrase-file")
        .arg(&f.pass)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim().len(), 16, "prints the new id");
    f.cleanup();
}

#[test]
fn wrong_passphrase_is_named_and_changes_no_byte() {
    let f = Fixture::new("wrongpass");
    f.import(&[&f.file("a.txt", b"evidence")]);
    let before = f.vault_files();
    std::fs::write(&f.pass, "not the passphrase\n").unwrap();
    for args in [
        &["list"][..],
        &["import", f.files.join("a.txt").to_str().unwrap()],
        &["verify"],
    ] {
        let out = f.run(args);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("wrong passphrase"),
            "says why: {}",
            stderr(&out)
        );
    }
    assert_eq!(
        before,
        f.vault_files(),
        "a failed unlock must not touch the vault"
    );
    f.assert_tmpdir_empty();
    f.cleanup();
}

#[test]
fn bad_sources_are_named_and_nothing_is_lost() {
    let f = Fixture::new("badsrc");
    let good = f.file("good.txt", b"kept");
    let id = f.import(&[&good]).remove(0);
    let missing = f.files.join("no such file.pdf");
    let folder = f.files.join("a folder");
    std::fs::create_dir(&folder).unwrap();
    let not_dir = good.join("child"); // ENOTDIR: unreadable path
    for (path, says) in [
        (&missing, "cannot read"),
        (&folder, "not a regular file"),
        (&not_dir, "cannot read"),
    ] {
        let out = f.run(&["import", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let err = stderr(&out);
        assert!(
            err.contains(&path.display().to_string()) && err.contains(says),
            "names the path and the problem: {err}"
        );
    }
    // A batch with a bad file stores the good ones and says what failed.
    let other = f.file("other.txt", b"also kept");
    let out = f.run(&["import", missing.to_str().unwrap(), other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out).lines().count(), 1, "the good file was stored");
    let listed = f.list_json();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|e| e["id"] == id.as_str()));
    f.ok(&["verify"]);
    f.cleanup();
}

#[test]
fn missing_vault_and_unknown_format_are_refused_before_the_passphrase() {
    let f = Fixture::empty("notvault");
    let out = f.run(&["list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a Dossier vault"),
        "{}",
        stderr(&out)
    );
    f.ok(&["init", "--kdf-work-factor", TEST_WORK_FACTOR]);
    std::fs::write(f.vault.join("DOSSIER"), "dossier vault\nformat 99\n").unwrap();
    let out = f.run(&["list"]);
    assert!(stderr(&out).contains("format \"99\""), "{}", stderr(&out));
    f.cleanup();
}

#[test]
fn init_refuses_a_used_folder_and_a_weak_passphrase() {
    let f = Fixture::new("reinit");
    let out = f.run(&["init", "--kdf-work-factor", TEST_WORK_FACTOR]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    let g = Fixture::empty("weak");
    std::fs::write(&g.pass, "short\n").unwrap();
    let out = g.run(&["init", "--kdf-work-factor", TEST_WORK_FACTOR]);
    assert!(
        stderr(&out).contains("fewer than 8 characters"),
        "{}",
        stderr(&out)
    );
    assert!(
        !g.vault.exists(),
        "nothing created for a rejected passphrase"
    );
    f.cleanup();
    g.cleanup();
}

#[test]
fn verify_catches_a_flipped_byte_and_a_deleted_blob() {
    let f = Fixture::new("tamper");
    let a = f.file("Приговор.pdf", &noise(200_000, 1));
    let b = f.file("photo.jpg", &noise(90_000, 2));
    let c = f.file("untouched.txt", b"fine");
    let ids = f.import(&[&a, &b, &c]);
    f.ok(&["verify"]);

    let mut blobs: Vec<_> = f
        .vault_files()
        .into_iter()
        .filter(|(p, _)| p.starts_with(f.vault.join("blobs")))
        .collect();
    assert_eq!(blobs.len(), 3);
    // Find which blob is which by trying: flip a byte in the middle of the first one.
    let (flip_path, mut bytes) = blobs.remove(0);
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&flip_path, &bytes).unwrap();
    let (gone_path, _) = blobs.remove(0);
    std::fs::remove_file(&gone_path).unwrap();

    let out = f.run(&["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1), "problems give exit 1");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<(&str, &str)> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i["status"].as_str().unwrap()))
        .collect();
    let count = |s| statuses.iter().filter(|(_, st)| *st == s).count();
    assert_eq!(
        (count("CHANGED"), count("MISSING"), count("OK")),
        (1, 1, 1),
        "{statuses:?}"
    );
    assert!(statuses.iter().all(|(id, _)| ids.contains(&id.to_string())));

    let human = f.run(&["verify"]);
    assert_eq!(human.status.code(), Some(1));
    let text = stdout(&human);
    for status in ["CHANGED", "MISSING"] {
        let item = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["status"] == status)
            .unwrap();
        let line = text.lines().find(|l| l.starts_with(status)).unwrap();
        let (id, name) = (item["id"].as_str().unwrap(), item["name"].as_str().unwrap());
        assert!(
            line.contains(id) && line.contains(name),
            "names the item by id and name: {line}"
        );
    }

    // An unknown file is reported too.
    std::fs::write(f.vault.join("blobs").join("stray"), b"x").unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&f.run(&["verify", "--json"]).stdout).unwrap();
    assert_eq!(report["unknown_files"], serde_json::json!(["blobs/stray"]));
    f.cleanup();
}

#[test]
fn check_file_finds_items_by_content_not_name() {
    let f = Fixture::new("checkfile");
    let original = f.file("заявление.docx", &noise(5_000, 5));
    let id = f.import(&[&original]).remove(0);
    let renamed = f.file("renamed copy", &noise(5_000, 5));
    let out = f.run(&["check-file", renamed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains(&id) && stdout(&out).contains("заявление.docx"),
        "{}",
        stdout(&out)
    );
    let other = f.file("other", &noise(5_000, 6));
    let out = f.run(&["check-file", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("not in the vault"));
    f.cleanup();
}

#[test]
fn duplicates_are_flagged_not_stored_twice() {
    let f = Fixture::new("dups");
    let a = f.file("a.bin", &noise(10_000, 9));
    let b = f.file("b.bin", &noise(10_000, 9));
    let first = f.import(&[&a]).remove(0);
    let out = f.run(&["import", b.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(stdout(&out).trim(), first, "the existing id is printed");
    assert!(stderr(&out).contains("already in the vault"));
    assert_eq!(f.list_json().len(), 1);
    f.cleanup();
}

#[test]
fn custody_log_is_chained_and_records_every_action() {
    let f = Fixture::new("custody");
    let id = f.import(&[&f.file("x.txt", b"x")]).remove(0);
    f.ok(&[
        "edit",
        &id,
        "--note",
        "received from the client on 3 May",
        "--name",
        "x-renamed.txt",
    ]);
    f.ok(&[
        "extract",
        &id,
        "--out",
        f.dir.join("x-out").to_str().unwrap(),
    ]);
    f.ok(&["verify"]);
    f.ok(&["delete", &id, "--reason", "duplicate of the court copy"]);
    assert!(
        f.list_json().iter().any(|e| e["status"] == "deleted"),
        "a tombstone, not a removal"
    );
    assert!(
        f.ok(&["list"]).trim().is_empty(),
        "deleted items are hidden by default"
    );
    f.ok(&["verify"]); // deleted items' bytes are still verified
    f.ok(&["purge", &id]);
    let log: Vec<serde_json::Value> = serde_json::from_str(&f.ok(&["log", "--json"])).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "create", "import", "edit", "export", "verify", "delete", "verify", "purge"
        ]
    );
    for pair in log.windows(2) {
        assert_eq!(
            pair[1]["prev_hash"], pair[0]["hash"],
            "each entry commits to the one before"
        );
    }
    let item_log: Vec<serde_json::Value> =
        serde_json::from_str(&f.ok(&["log", "--json", "--item", &id])).unwrap();
    assert_eq!(item_log.len(), 5);
    // Purged: no bytes to extract, nothing left on disk, verify clean.
    let out = f.run(&[
        "extract",
        &id,
        "--out",
        f.dir.join("gone").to_str().unwrap(),
    ]);
    assert!(stderr(&out).contains("was purged"), "{}", stderr(&out));
    assert!(
        !f.vault_files()
            .iter()
            .any(|(p, _)| p.starts_with(f.vault.join("blobs")))
    );
    f.ok(&["verify"]);
    f.cleanup();
}

#[test]
fn purge_requires_delete_and_extract_never_overwrites() {
    let f = Fixture::new("purge");
    let id = f.import(&[&f.file("x.txt", b"x")]).remove(0);
    let out = f.run(&["purge", &id]);
    assert!(
        stderr(&out).contains("must be deleted before"),
        "{}",
        stderr(&out)
    );
    let existing = f.file("exists", b"precious");
    let out = f.run(&["extract", &id, "--out", existing.to_str().unwrap()]);
    assert!(stderr(&out).contains("already exists"));
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");
    let out = f.run(&["show", "ffff"]);
    assert!(stderr(&out).contains("no item with id"), "{}", stderr(&out));
    f.cleanup();
}

#[test]
fn a_second_process_gets_a_clear_error() {
    let f = Fixture::new("lock");
    let held = dossier::Vault::open(
        &f.vault,
        &dossier::SecretString::from(PASSPHRASE.to_string()),
    )
    .unwrap();
    let out = f.run(&["list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("open in another Dossier process"),
        "{}",
        stderr(&out)
    );
    drop(held);
    f.ok(&["list"]);
    f.cleanup();
}

/// A process that lets go of the vault a moment after another starts (a killed import whose
/// parser worker was just starting) does not make the second one fail.
#[test]
fn a_lock_let_go_of_at_once_is_waited_for() {
    let f = Fixture::new("lock-wait");
    let held = dossier::Vault::open(
        &f.vault,
        &dossier::SecretString::from(PASSPHRASE.to_string()),
    )
    .unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(held);
    });
    let out = f.std_cmd(&["list"]).output().unwrap();
    release.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    f.cleanup();
}

#[test]
fn passphrase_change_rewraps_only_the_key_slot() {
    let f = Fixture::new("rekey");
    f.import(&[&f.file("x.txt", b"x")]);
    let before: Vec<_> = f
        .vault_files()
        .into_iter()
        .filter(|(p, _)| p.starts_with(f.vault.join("blobs")))
        .collect();
    let new = f.dir.join("newpass");
    std::fs::write(&new, "a different long passphrase\n").unwrap();
    f.ok(&[
        "passphrase",
        "change",
        "--new-passphrase-file",
        new.to_str().unwrap(),
        "--kdf-work-factor",
        TEST_WORK_FACTOR,
    ]);
    let after: Vec<_> = f
        .vault_files()
        .into_iter()
        .filter(|(p, _)| p.starts_with(f.vault.join("blobs")))
        .collect();
    assert_eq!(before, after, "evidence is not re-encrypted");
    assert!(
        stderr(&f.run(&["list"])).contains("wrong passphrase"),
        "the old passphrase no longer opens it"
    );
    std::fs::copy(&new, &f.pass).unwrap();
    assert_eq!(f.list_json().len(), 1);
    f.cleanup();
}

#[test]
fn explicit_work_factor_is_recorded_in_the_slot() {
    let f = Fixture::new("kdf");
    let slot = std::fs::read(f.vault.join("keys/passphrase.age")).unwrap();
    let text = String::from_utf8_lossy(&slot);
    let stanza = text
        .lines()
        .find(|l| l.starts_with("-> scrypt "))
        .expect("scrypt stanza");
    assert!(
        stanza.ends_with(" 10"),
        "work factor as requested: {stanza}"
    );
    f.cleanup();
}

/// `tools/recover.py` with the stock age CLI restores everything without our code.
#[test]
fn recover_py_restores_every_original_without_dossier() {
    if !have_tool("age", "--version") {
        return;
    }
    let f = Fixture::new("recover");
    let files = hostile_files(&f);
    let paths: Vec<&Path> = files.iter().map(|(p, _)| p.as_path()).collect();
    let ids = f.import(&paths);
    f.ok(&["delete", &ids[0]]);
    let identity = f.dir.join("identity.txt");
    f.ok(&["identity", "export", "--out", identity.to_str().unwrap()]);
    let out_dir = f.dir.join("recovered");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/recover.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&f.vault)
        .arg(&identity)
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "recover.py failed: {}", stderr(&out));
    for (i, (path, bytes)) in files.iter().enumerate() {
        let name = path.file_name().unwrap();
        let restored = if i == 0 {
            out_dir.join("deleted").join(name)
        } else {
            out_dir.join("files").join(name)
        };
        assert_eq!(
            &std::fs::read(&restored).unwrap(),
            bytes,
            "{} restored bit-exact",
            restored.display()
        );
    }
    let sums = std::process::Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&out_dir)
        .output()
        .unwrap();
    assert!(
        sums.status.success(),
        "SHA256SUMS checks: {}",
        stdout(&sums)
    );
    f.cleanup();
}

/// A crash must not write keys or evidence into a core file: the CLI sets RLIMIT_CORE to 0
/// before it reads any secret. The passphrase "file" is a FIFO, so the process waits on it
/// while we read its limits.
#[test]
fn core_dumps_are_disabled_before_the_passphrase_is_read() {
    let f = Fixture::new("coredump");
    let fifo = f.dir.join("pass.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dossier"))
        .args(["list", "--vault"])
        .arg(&f.vault)
        .arg("--passphrase-file")
        .arg(&fifo)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let limits_path = format!("/proc/{}/limits", child.id());
    let mut core_line = String::new();
    for _ in 0..200 {
        let limits = std::fs::read_to_string(&limits_path).unwrap_or_default();
        core_line = limits
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .unwrap_or("")
            .to_string();
        // The soft limit is often 0 already; the hard limit drops to 0 only by our call.
        if core_line.split_whitespace().nth(5) == Some("0") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Let the process finish: give it the passphrase through the FIFO.
    std::fs::write(&fifo, format!("{PASSPHRASE}\n")).unwrap();
    assert!(child.wait().unwrap().success());
    let fields: Vec<&str> = core_line.split_whitespace().collect();
    assert_eq!(
        fields.get(4..6),
        Some(&["0", "0"][..]),
        "soft and hard core limits are 0: {core_line:?}"
    );
    f.cleanup();
}

/// A failed `init` leaves nothing behind, and never touches a folder that was not empty.
#[test]
fn a_failed_init_cleans_up_after_itself_only() {
    let f = Fixture::empty("initfail");
    // A work factor the core refuses (above its maximum) fails after the folder exists.
    // The CLI's own range check would catch it first, so go through the library.
    let r = dossier::Vault::create(
        &f.vault,
        &dossier::SecretString::from(PASSPHRASE.to_string()),
        &dossier::CreateOptions { work_factor: 30 },
    );
    assert!(r.is_err());
    assert!(!f.vault.exists(), "the half-made vault folder was removed");
    // An existing empty folder stays, empty.
    std::fs::create_dir(&f.vault).unwrap();
    let r = dossier::Vault::create(
        &f.vault,
        &dossier::SecretString::from(PASSPHRASE.to_string()),
        &dossier::CreateOptions { work_factor: 30 },
    );
    assert!(r.is_err());
    assert!(f.vault.is_dir() && std::fs::read_dir(&f.vault).unwrap().next().is_none());
    // A folder with something in it is refused and left exactly as it was.
    std::fs::write(f.vault.join("precious.txt"), b"mine").unwrap();
    let out = f.run(&["init", "--kdf-work-factor", TEST_WORK_FACTOR]);
    assert!(stderr(&out).contains("already exists"));
    assert_eq!(
        std::fs::read(f.vault.join("precious.txt")).unwrap(),
        b"mine"
    );
    assert_eq!(std::fs::read_dir(&f.vault).unwrap().count(), 1);
    f.cleanup();
}

/// Names that a careless recovery would mangle, overwrite or fail on.
#[test]
fn recover_py_handles_awkward_names_and_refuses_a_used_folder() {
    if !have_tool("age", "--version") {
        return;
    }
    let f = Fixture::new("recovernames");
    // 250 bytes: fits a file system, but not with a " (id)" suffix or a partial-file prefix.
    let long = format!("{}.pdf", "Д".repeat(123));
    let names = ["SHA256SUMS", "deleted", "files", long.as_str(), "same.txt"];
    for (i, n) in names.iter().enumerate() {
        f.import(&[&f.file(n, &noise(100 + i, i as u64))]);
    }
    // A second item with the same name, from another folder.
    std::fs::create_dir(f.files.join("other")).unwrap();
    let twin = f.files.join("other").join("same.txt");
    std::fs::write(&twin, b"the other same.txt").unwrap();
    f.import(&[&twin]);
    let identity = f.dir.join("identity.txt");
    f.ok(&["identity", "export", "--out", identity.to_str().unwrap()]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/recover.py");
    let out_dir = f.dir.join("out");
    let run = |dir: &Path| {
        std::process::Command::new("python3")
            .arg(&script)
            .arg(&f.vault)
            .arg(&identity)
            .arg(dir)
            .output()
            .unwrap()
    };
    let out = run(&out_dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let restored: Vec<String> = std::fs::read_dir(out_dir.join("files"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(restored.len(), 6, "every item restored: {restored:?}");
    assert!(
        restored
            .iter()
            .any(|n| n.ends_with(".pdf") && n.len() <= 255),
        "the long name was shortened, keeping its extension"
    );
    let sums = std::process::Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&out_dir)
        .output()
        .unwrap();
    assert!(sums.status.success(), "{}", stdout(&sums));
    assert_eq!(stdout(&sums).lines().count(), 6);
    let again = run(&out_dir);
    assert_eq!(again.status.code(), Some(2), "a used folder is refused");
    f.cleanup();
}

/// Re-importing a file whose item was deleted by mistake stores it again instead of pointing
/// at the deleted item (which a later purge would destroy).
#[test]
fn a_deleted_item_does_not_count_as_a_duplicate() {
    let f = Fixture::new("dupdeleted");
    let p = f.file("letter.txt", b"important");
    let first = f.import(&[&p]).remove(0);
    f.ok(&["delete", &first]);
    let second = f.import(&[&p]).remove(0);
    assert_ne!(first, second);
    assert_eq!(
        f.list_json()
            .iter()
            .filter(|i| i["status"] == "active")
            .count(),
        1
    );
    f.cleanup();
}
