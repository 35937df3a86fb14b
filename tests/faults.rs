//! I/O faults mid-import (ENOSPC/EIO injected with strace on every write, fsync, link and
//! rename the import makes): the import fails with a clear error, or succeeds completely; the
//! vault keeps verifying with every earlier item.

mod common;

use common::*;
use std::collections::BTreeMap;

/// How often each syscall of interest runs during one clean import.
fn syscall_counts(f: &Fixture, src: &str) -> BTreeMap<String, usize> {
    let counts = f.dir.join("counts.txt");
    let mut cmd = f.std_cmd(&["import", "--allow-duplicate", src]);
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let out = std::process::Command::new("strace")
        .args(["-f", "-qq", "-c", "-o"])
        .arg(&counts)
        .arg(program)
        .args(args)
        .env("TMPDIR", &f.tmpdir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = &mut cmd;
    let text = std::fs::read_to_string(&counts).unwrap();
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if let (Some(name), Some(calls)) = (cols.last(), cols.get(3))
            && [
                "write",
                "fsync",
                "linkat",
                "rename",
                "renameat",
                "renameat2",
                "utimensat",
            ]
            .contains(name)
        {
            map.insert(name.to_string(), calls.parse().unwrap_or(0));
        }
    }
    map
}

#[test]
fn enospc_and_eio_mid_import_fail_cleanly_and_keep_the_vault_whole() {
    if !have_tool("strace", "-V") {
        return;
    }
    let f = Fixture::new("faults");
    let earlier: Vec<_> = (0..3)
        .map(|i| f.file(&format!("earlier {i}.pdf"), &noise(150_000, 40 + i)))
        .collect();
    let earlier_refs: Vec<&std::path::Path> = earlier.iter().map(|p| p.as_path()).collect();
    let earlier_ids = f.import(&earlier_refs);

    let probe = f.file("probe", &noise(300_000, 99));
    let counts = syscall_counts(&f, probe.to_str().unwrap());
    assert!(
        counts.get("fsync").copied().unwrap_or(0) >= 3,
        "imports fsync: {counts:?}"
    );
    let (mut failed, mut succeeded) = (0, 0);
    for (syscall, &n) in &counts {
        for errno in ["ENOSPC", "EIO"] {
            for k in 1..=n {
                let bytes = noise(300_000, 1_000 + failed + succeeded);
                let src = f.file("incoming.pdf", &bytes);
                let sha = sha256_hex(&bytes);
                let out = strace_run(
                    &f,
                    &format!("inject={syscall}:error={errno}:when={k}"),
                    &["import", src.to_str().unwrap()],
                );
                let err = stderr(&out);
                let listed = f.list_json();
                let stored = listed.iter().any(|e| e["sha256"] == sha.as_str());
                let case = format!("{errno} on {syscall} #{k}");
                if out.status.success() {
                    succeeded += 1;
                    assert!(
                        stored,
                        "{case}: reported success but the item is not stored"
                    );
                } else {
                    failed += 1;
                    let says = if errno == "ENOSPC" {
                        "No space left on device"
                    } else {
                        "Input/output error"
                    };
                    // strace counts `when=K` per thread: the K-th write of the main thread fails
                    // too, and that can be the very line on stderr that names the cause. Then
                    // only the summary line is left to say the import failed.
                    let cause_lost =
                        err.contains("were not imported") && !err.contains("importing");
                    assert!(
                        err.contains(says) || cause_lost,
                        "{case}: the error says what happened: {err}"
                    );
                    assert!(!err.contains("panicked"), "{case}: no panic: {err}");
                    assert!(
                        !stored || err.contains("cannot write to standard output"),
                        "{case}: a failed import left an item behind: {err}"
                    );
                }
                let verify = f.run(&["verify", "--json"]);
                assert_eq!(
                    verify.status.code(),
                    Some(0),
                    "{case}: the vault must still verify clean: {}",
                    stdout(&verify)
                );
                for id in &earlier_ids {
                    assert!(
                        listed.iter().any(|e| e["id"] == id.as_str()),
                        "{case}: earlier item {id} lost"
                    );
                }
                if stored {
                    let id = listed.iter().find(|e| e["sha256"] == sha.as_str()).unwrap()["id"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    f.ok(&["delete", &id]);
                    f.ok(&["purge", &id]);
                }
            }
        }
    }
    eprintln!(
        "fault injection: {failed} imports failed cleanly, {succeeded} succeeded despite the fault; counts {counts:?}"
    );
    assert!(failed > 5, "the injections must actually hit the import");
    f.assert_tmpdir_empty();
    f.cleanup();
}

#[test]
fn a_failed_catalog_save_keeps_the_previous_state() {
    if !have_tool("strace", "-V") {
        return;
    }
    let f = Fixture::new("editfault");
    let id = f.import(&[&f.file("a.txt", b"a")]).remove(0);
    let out = strace_run(
        &f,
        "inject=fsync:error=ENOSPC:when=1",
        &["edit", &id, "--note", "new note"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let shown: serde_json::Value = serde_json::from_str(&f.ok(&["show", &id, "--json"])).unwrap();
    assert_eq!(shown["notes"], "", "the edit did not happen");
    f.ok(&["verify"]);
    f.cleanup();
}

fn strace_run(f: &Fixture, inject: &str, args: &[&str]) -> std::process::Output {
    let cmd = f.std_cmd(args);
    std::process::Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "-e"])
        .arg(inject)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env("TMPDIR", &f.tmpdir)
        .output()
        .unwrap()
}

/// Whatever fails during a passphrase change, exactly one passphrase opens the vault, and the
/// command's answer says which: success means the new one.
#[test]
fn a_failing_passphrase_change_never_locks_the_user_out() {
    if !have_tool("strace", "-V") {
        return;
    }
    let f = Fixture::new("rekeyfault");
    f.import(&[&f.file("a.txt", b"a")]);
    let old = f.dir.join("old");
    std::fs::copy(&f.pass, &old).unwrap();
    let mut current = old.clone();
    for (k, syscall) in (1..=4).flat_map(|k| ["fsync", "write", "rename"].map(|s| (k, s))) {
        let new = f.dir.join(format!("new-{syscall}-{k}"));
        std::fs::write(&new, format!("new passphrase number {syscall} {k}\n")).unwrap();
        std::fs::copy(&current, &f.pass).unwrap();
        let out = strace_run(
            &f,
            &format!("inject={syscall}:error=ENOSPC:when={k}"),
            &[
                "passphrase",
                "change",
                "--new-passphrase-file",
                new.to_str().unwrap(),
                "--kdf-work-factor",
                TEST_WORK_FACTOR,
            ],
        );
        let expected = if out.status.success() { &new } else { &current };
        std::fs::copy(expected, &f.pass).unwrap();
        let opened = f.run(&["list"]);
        assert!(
            opened.status.success(),
            "ENOSPC on {syscall} #{k}: the passphrase the command's answer implies must open the vault ({}): {}",
            if out.status.success() { "new" } else { "old" },
            stderr(&opened)
        );
        current = expected.clone();
    }
    f.cleanup();
}

/// An extract that cannot be recorded in the custody log leaves no copy behind.
#[test]
fn an_extract_that_cannot_be_logged_leaves_no_copy() {
    if !have_tool("strace", "-V") {
        return;
    }
    let f = Fixture::new("extractfault");
    let bytes = noise(200_000, 5);
    let id = f.import(&[&f.file("a.pdf", &bytes)]).remove(0);
    for k in 1..=6 {
        let out_path = f.dir.join(format!("copy-{k}.pdf"));
        let out = strace_run(
            &f,
            &format!("inject=fsync:error=EIO:when={k}"),
            &["extract", &id, "--out", out_path.to_str().unwrap()],
        );
        if out.status.success() {
            assert_eq!(
                std::fs::read(&out_path).unwrap(),
                bytes,
                "fsync #{k}: a reported copy is exact"
            );
            let log = f.ok(&["log", "--json"]);
            assert!(
                log.contains(out_path.to_str().unwrap()),
                "fsync #{k}: and it is logged"
            );
        } else {
            assert!(
                !out_path.exists(),
                "fsync #{k}: a failed extract leaves no copy: {}",
                stderr(&out)
            );
            let partials: Vec<_> = std::fs::read_dir(&f.dir)
                .unwrap()
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
                .collect();
            assert!(partials.is_empty(), "fsync #{k}: no partial file left");
        }
    }
    f.ok(&["verify"]);
    f.cleanup();
}

/// FAT and exFAT (most USB sticks) refuse hard links with EPERM: a copy must still arrive,
/// whole and under its name, by the no-replace rename fallback, with no partial file left.
#[test]
fn a_copy_reaches_a_filesystem_without_hard_links() {
    if !have_tool("strace", "-V") {
        return;
    }
    let f = Fixture::new("nolinks");
    let data = noise(300_000, 9);
    let id = f.import(&[&f.file("scan.pdf", &data)]).remove(0);
    let out_dir = f.dir.join("stick");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("copy.pdf");
    // The first link after opening is the copy's own publication.
    let r = strace_run(
        &f,
        "inject=linkat:error=EPERM:when=1",
        &["extract", &id, "--out", out.to_str().unwrap()],
    );
    assert!(r.status.success(), "{}", stderr(&r));
    assert_eq!(std::fs::read(&out).unwrap(), data);
    let names: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "only the copy, no partial file: {names:?}");
    f.cleanup();
}
