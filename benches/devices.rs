//! Figures for issue #13 (docs/BENCHMARKS.md, "One vault on many devices"), each against a
//! reference run on the same machine in the same run:
//! `cargo bench --bench devices --features bench-support` (needs `restic`: apt install restic).
//! `-- --quick` uses smaller sizes; `-- --only=edits|merge|import` runs one part.
//!
//! 1. One durable edit at 10,000 and 100,000 items (a journal segment), against what the same
//!    edit cost in format 1 (the whole catalog written as a new generation), and the bytes
//!    each writes.
//! 2. Open (scrypt 2^10 unwrap included) at 10,000 and 100,000 items.
//! 3. Merge: two folders of one vault, 5,000 edits made on each apart, united as a sync engine
//!    unites them; the first open on one of them applies the other's 5,000 segments.
//! 4. Import of a folder of small files with the CLI, against `restic backup` of it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use dossier::{ItemEdit, SecretString, Vault};

mod common;
use common::*;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-devices");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    // Device records of the bench stay in the bench folder.
    assert!(
        std::env::var_os("DOSSIER_STATE_DIR").is_some(),
        "run through cargo (it sets DOSSIER_STATE_DIR), or set it"
    );
    println!("| figure | Dossier | reference | ratio |\n|---|---|---|---|");
    // `--only=edits|merge|import` runs one part.
    let only = std::env::args().find_map(|a| a.strip_prefix("--only=").map(String::from));
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let sizes: &[usize] = if quick { &[10_000] } else { &[10_000, 100_000] };
    if run("edits") {
        for &n in sizes {
            edits_and_open(&root, n);
        }
    }
    if run("merge") {
        merge(&root, if quick { 1_000 } else { 5_000 });
    }
    if run("import") {
        import_folder(&root, if quick { 1_000 } else { 10_000 });
    }
    let _ = std::fs::remove_dir_all(&root);
}

fn pass() -> SecretString {
    SecretString::from(PASS.to_string())
}

fn edits_and_open(root: &Path, n: usize) {
    let dir = root.join(format!("vault-{n}"));
    let mut vault = new_vault(&dir);
    let ids = vault.bench_fill(n).unwrap();
    drop(vault);
    // The first open replays the one large segment the fill wrote (and then writes a
    // snapshot); the next ones load the snapshot.
    let first = timed(|| drop(Vault::open(&dir, &pass()).unwrap()));
    let mut opens = Vec::new();
    for _ in 0..5 {
        opens.push(timed(|| drop(Vault::open(&dir, &pass()).unwrap())));
    }
    let mut vault = Vault::open(&dir, &pass()).unwrap();
    let (mut edits, mut whole) = (Vec::new(), Vec::new());
    let (mut segment_bytes, mut generation_bytes) = (0, 0);
    for (i, id) in ids.iter().take(9).enumerate() {
        let edit = ItemEdit {
            notes: Some(format!("note {i}")),
            ..Default::default()
        };
        edits.push(timed(|| {
            vault.edit(id, &edit).unwrap();
        }));
        segment_bytes = vault.bench_newest_segment_size();
        whole.push(timed(|| {
            generation_bytes = vault.bench_whole_catalog_save().unwrap();
        }));
    }
    let (e, w) = (median(edits), median(whole));
    println!(
        "| one durable edit at {n} items (a journal segment of {} KiB) | {} | {} (format 1: the whole catalog, {} KiB) | **{:.2}** |",
        segment_bytes / 1024,
        ms(e),
        ms(w),
        generation_bytes / 1024,
        e.as_secs_f64() / w.as_secs_f64()
    );
    println!(
        "| open at {n} items (scrypt 2^10 included), from a snapshot | {} | first open, replaying the {n} imports as one segment: {} | |",
        ms(median(opens)),
        ms(first)
    );
    drop(vault);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each folder gets the files it lacks from the other (a sync engine's union).
fn unite(a: &Path, b: &Path) {
    for (from, to) in [(a, b), (b, a)] {
        let st = Command::new("cp")
            .args(["-a", "-n", "-r"])
            .arg(format!("{}/.", from.display()))
            .arg(to)
            .status()
            .unwrap();
        assert!(st.success());
    }
}

fn merge(root: &Path, edits: usize) {
    let a = root.join("merge-a");
    let b = root.join("merge-b");
    let mut vault = new_vault(&a);
    let ids = vault.bench_fill(1_000).unwrap();
    drop(vault);
    let st = Command::new("cp")
        .args(["-a"])
        .arg(&a)
        .arg(&b)
        .status()
        .unwrap();
    assert!(st.success());
    let work = |dir: &Path, tag: &str| {
        let mut v = Vault::open(dir, &pass()).unwrap();
        for i in 0..edits {
            let edit = ItemEdit {
                notes: Some(format!("{tag} {i}")),
                ..Default::default()
            };
            v.edit(&ids[i % ids.len()], &edit).unwrap();
        }
        v.flush().unwrap();
    };
    work(&a, "laptop");
    work(&b, "office");
    unite(&a, &b);
    // The first open applies the other device's segments (and may write a snapshot); the
    // next ones start from that snapshot.
    let first: Duration = timed(|| drop(Vault::open(&a, &pass()).unwrap()));
    let v = Vault::open(&a, &pass()).unwrap();
    let conflicts = v.conflicts().unwrap().len();
    drop(v);
    let later = timed(|| drop(Vault::open(&a, &pass()).unwrap()));
    println!(
        "| merge: first open after uniting two folders with {edits} edits each ({conflicts} conflicts shown) | {} | next open {} | |",
        ms(first),
        ms(later)
    );
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

fn import_folder(root: &Path, n: usize) {
    if !Command::new("which")
        .arg("restic")
        .output()
        .unwrap()
        .status
        .success()
    {
        println!("| import of {n} small files | (restic not installed: apt install restic) | | |");
        return;
    }
    let files = root.join("small");
    std::fs::create_dir_all(&files).unwrap();
    for i in 0..n {
        std::fs::write(
            files.join(format!("statement-{i:05}.txt")),
            format!("Statement {i}: witness account of the hearing. Показания свидетеля {i}.\n"),
        )
        .unwrap();
    }
    let pass_file = root.join("pass");
    std::fs::write(&pass_file, format!("{PASS}\n")).unwrap();
    let bin = env!("CARGO_BIN_EXE_dossier");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..3 {
        let vault = root.join(format!("import-{round}"));
        let st = Command::new(bin)
            .args(["init", "--kdf-work-factor", "10", "--passphrase-file"])
            .arg(&pass_file)
            .arg("--vault")
            .arg(&vault)
            .output()
            .unwrap();
        assert!(st.status.success());
        let mut args: Vec<PathBuf> = std::fs::read_dir(&files)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        args.sort();
        // Each tool starts with no dirty pages left by the other: the import writes 655 MiB
        // (10,000 blobs at the 64 KiB floor), and its writeback must not be charged to restic
        // or to the next round.
        nix::unistd::sync();
        ours.push(timed(|| {
            let o = Command::new(bin)
                .args(["import", "--no-ocr", "--passphrase-file"])
                .arg(&pass_file)
                .arg("--vault")
                .arg(&vault)
                .args(&args)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }));
        let repo = root.join(format!("restic-{round}"));
        let init = Command::new("restic")
            .args(["init", "-q", "-r"])
            .arg(&repo)
            .env("RESTIC_PASSWORD", PASS)
            .output()
            .unwrap();
        assert!(init.status.success());
        nix::unistd::sync();
        theirs.push(timed(|| {
            let o = Command::new("restic")
                .args(["backup", "-q", "-r"])
                .arg(&repo)
                .arg(&files)
                .env("RESTIC_PASSWORD", PASS)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }));
    }
    // Removed only now: ext4 scans recently freed inodes when it allocates new ones, and a
    // round that followed the removal of 10,000 files spent a quarter of its time there (perf:
    // `recently_deleted` under `ext4_create`), a cost of the bench, not of the import.
    for round in 0..3 {
        let _ = std::fs::remove_dir_all(root.join(format!("import-{round}")));
        let _ = std::fs::remove_dir_all(root.join(format!("restic-{round}")));
    }
    let (o, t) = (median(ours), median(theirs));
    println!(
        "| import of {n} small files, one command (each durable before its id is printed) | {} | {} (`restic backup`) | **{:.1}** |",
        secs(o),
        secs(t),
        o.as_secs_f64() / t.as_secs_f64()
    );
}
