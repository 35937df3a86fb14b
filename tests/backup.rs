//! Backups: incremental, verified, resumable after an interruption, never overwriting a newer
//! backup, revealing no more than the vault, and restorable by simply opening the copy.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push((
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

fn backup(f: &Fixture, to: &Path) -> serde_json::Value {
    serde_json::from_str(&f.ok(&["backup", "--to", to.to_str().unwrap(), "--json"])).unwrap()
}

/// The same fixture pointed at another vault folder (same passphrase file).
fn at(f: &Fixture, vault: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("dossier"))
        .args(args)
        .arg("--vault")
        .arg(vault)
        .arg("--passphrase-file")
        .arg(&f.pass)
        .env("TMPDIR", &f.tmpdir)
        .env_remove("DOSSIER_VAULT")
        .output()
        .unwrap()
}

/// Opening the backup as a vault gives back the item's original bytes.
fn assert_restores(f: &Fixture, backup: &Path, id: &str, bytes: &[u8]) {
    let out = f.dir.join(format!("restored-{id}"));
    let o = at(f, backup, &["extract", id, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read(&out).unwrap() == bytes,
        "{id} restored differently"
    );
}

#[test]
fn a_backup_is_a_verified_copy_that_opens_as_the_vault() {
    let f = Fixture::new("backup-basic");
    let a = noise(300_000, 1);
    let ids = f.import(&[&f.file("Письмо.pdf", &a), &f.file("b.txt", b"second")]);
    let to = f.dir.join("stick").join("dossier-backup");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();

    let first = backup(&f, &to);
    assert!(first["copied"].as_u64().unwrap() >= 4, "{first}");
    assert_eq!(first["resumed"], false);

    // It reveals no more than the vault: every file is byte-identical to the vault's file of
    // the same name (the vault may hold one more catalog generation: the backup entry's save
    // is mirrored, so none here).
    let vault: std::collections::BTreeMap<_, _> = tree(&f.vault).into_iter().collect();
    for (rel, bytes) in tree(&to) {
        assert!(!rel.starts_with("tmp"), "{} left in tmp/", rel.display());
        assert!(
            vault.get(&rel) == Some(&bytes),
            "{} in the backup is not the vault's file",
            rel.display()
        );
    }
    for (p, bytes) in tree(&to) {
        assert!(
            !contains(&bytes, "Письмо".as_bytes()),
            "{} names a file",
            p.display()
        );
        assert!(
            !contains(&bytes, sha256_hex(&a).as_bytes()),
            "{} holds a hash",
            p.display()
        );
    }

    // Incremental: only the new item and the new catalog generations are copied.
    f.import(&[&f.file("c.txt", b"third")]);
    let inodes = |dir: &Path| -> std::collections::BTreeMap<PathBuf, u64> {
        use std::os::unix::fs::MetadataExt;
        tree(dir)
            .into_iter()
            .filter(|(p, _)| p.starts_with("blobs"))
            .map(|(p, _)| (p.clone(), std::fs::metadata(dir.join(&p)).unwrap().ino()))
            .collect()
    };
    let before = inodes(&to);
    let second = backup(&f, &to);
    assert!(second["skipped"].as_u64().unwrap() >= 3, "{second}");
    // One new blob, the new text index and the new catalog generations; nothing rewritten.
    assert!(second["copied"].as_u64().unwrap() <= 6, "{second}");
    let after = inodes(&to);
    for (p, ino) in &before {
        assert_eq!(after.get(p), Some(ino), "{} was copied again", p.display());
    }
    assert_eq!(after.len(), before.len() + 1);
    let verified = f.run(&["backup", "--verify", to.to_str().unwrap()]);
    assert!(verified.status.success(), "{}", stdout(&verified));
    assert!(
        stdout(&verified).contains("3 items: 3 OK"),
        "{}",
        stdout(&verified)
    );

    // A purge reaches the backup; nothing else is removed.
    f.ok(&["delete", &ids[1], "--reason", "duplicate"]);
    f.ok(&["purge", &ids[1]]);
    let third = backup(&f, &to);
    assert!(third["removed"].as_u64().unwrap() >= 1, "{third}");

    // Restoring is opening the copy: same items, same bytes, and its custody log records the
    // backup that made it. (Opening it from its own folder makes it a device of its own, whose
    // entries the vault lacks: the next backup into that folder is refused.)
    assert_restores(&f, &to, &ids[0], &a);
    let log = stdout(&at(&f, &to, &["log"]));
    assert!(log.contains("backup"), "{log}");
    let o = at(&f, &to, &["verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = f.run(&["backup", "--to", to.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("holds journal entries this vault lacks"),
        "{}",
        stderr(&o)
    );
    f.assert_tmpdir_empty();
    f.cleanup();
}

#[test]
fn a_damaged_backup_file_is_found_by_verify_and_kept() {
    let f = Fixture::new("backup-damaged");
    f.import(&[&f.file("a.bin", &noise(100_000, 2))]);
    let to = f.dir.join("backup");
    backup(&f, &to);
    let blob = tree(&to)
        .into_iter()
        .find(|(p, _)| p.starts_with("blobs"))
        .unwrap()
        .0;
    let path = to.join(&blob);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let o = f.run(&["backup", "--verify", to.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("CHANGED") || stdout(&o).contains("UNREADABLE"),
        "{}",
        stdout(&o)
    );
    // An incremental run does not hide it by overwriting (same size): verify still fails,
    // and the vault's own copy is untouched.
    backup(&f, &to);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    f.ok(&["verify"]);
    f.cleanup();
}

#[test]
fn a_newer_backup_or_a_foreign_folder_is_never_overwritten() {
    let f = Fixture::new("backup-newer");
    f.import(&[&f.file("a.txt", b"first")]);
    let to = f.dir.join("backup");
    backup(&f, &to);
    // Someone worked in the backup (it is a vault): it is now ahead of this vault.
    let o = at(&f, &to, &["case", "add", "--title", "Made in the backup"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = tree(&to);
    let o = f.run(&["backup", "--to", to.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds journal entries this vault lacks"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(&to), before, "nothing in the newer backup may change");

    let other = f.dir.join("photos");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("holiday.jpg"), b"not a vault").unwrap();
    let o = f.run(&["backup", "--to", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 1);

    let inside = f.vault.join("blobs").join("backup");
    let o = f.run(&["backup", "--to", inside.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("inside it"), "{}", stderr(&o));
    f.cleanup();
}

#[test]
fn a_read_only_target_fails_clearly_and_leaves_the_vault_alone() {
    let f = Fixture::new("backup-readonly");
    f.import(&[&f.file("a.txt", b"first")]);
    let to = f.dir.join("ro");
    std::fs::create_dir_all(&to).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(to.join("probe"), b"x").is_ok() {
        eprintln!("skipped: running as root, permissions are not enforced");
        f.cleanup();
        return;
    }
    let before = tree(&f.vault);
    let o = f.run(&["backup", "--to", to.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(to.to_str().unwrap()), "{}", stderr(&o));
    assert_eq!(tree(&f.vault), before);
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o700)).unwrap();
    f.cleanup();
}

/// The disk fills (ENOSPC) or the stick is pulled (EIO) mid-copy: a clear error, the vault
/// untouched, the backup marked incomplete and not yet a vault; the next run finishes it.
#[test]
fn an_interrupted_backup_is_marked_incomplete_and_finished_by_the_next_run() {
    if !have_tool("strace", "-V") {
        return;
    }
    for (errno, when) in [("ENOSPC", 3), ("EIO", 6)] {
        let f = Fixture::new(&format!("backup-cut-{errno}"));
        let big = noise(3 << 20, 5);
        let ids = f.import(&[&f.file("video.mp4", &big), &f.file("b.txt", b"b")]);
        let to = f.dir.join("stick");
        let before = tree(&f.vault);
        let cmd = f.std_cmd(&["backup", "--to", to.to_str().unwrap()]);
        let out = std::process::Command::new("strace")
            .args(["-f", "-qq", "-o", "/dev/null", "-e"])
            .arg(format!("inject=write:error={errno}:when={when}"))
            .arg(cmd.get_program())
            .args(cmd.get_args())
            .env("TMPDIR", &f.tmpdir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{errno}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("did not finish") && err.contains(to.to_str().unwrap()),
            "{err}"
        );
        assert_eq!(tree(&f.vault), before, "{errno}: the vault must not change");
        assert!(to.join("tmp/backup-incomplete").exists());
        assert!(
            !to.join("DOSSIER").exists(),
            "an unfinished first backup is not a vault"
        );
        let o = f.run(&["backup", "--verify", to.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

        let again = backup(&f, &to);
        assert_eq!(again["resumed"], true, "{again}");
        assert!(!to.join("tmp/backup-incomplete").exists());
        let o = f.run(&["backup", "--verify", to.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stdout(&o));
        assert_restores(&f, &to, &ids[0], &big);
        f.cleanup();
    }
}
