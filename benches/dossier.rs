//! Dossier export figures for docs/BENCHMARKS.md: `cargo bench --bench dossier` (needs `age`,
//! `age-keygen` and GNU `time`). `-- --quick` uses 10 annexes of 10 MB for a smoke run.
//!
//! 1. A dossier with 50 annexes of 10 MB (500 MB): wall time and peak RSS of `dossier export`,
//!    against `age -d` decrypting the same 50 files to disk (and syncing them, as the export
//!    syncs its file). Goals: time within 1.5× of the reference, peak RSS under twice the
//!    largest annex plus 100 MB.
//! 2. A 300-event chronology (no annexes): wall time of `dossier export`. Goal: under 2 s.
//!
//! Medians of 3 alternating runs: machines here are shared and noisy.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;
use dossier::register::{FuzzyDate, Link, NewCase, NewEvent};
use dossier::{ImportOptions, Silent};

const ANNEX: u64 = 10_000_000;

/// Runs `dossier export` under GNU time; returns (wall time, peak RSS in KiB).
fn export(vault: &Path, pass: &Path, case: &str, out: &Path) -> (Duration, u64) {
    let _ = std::fs::remove_file(out);
    let o = Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(env!("CARGO_BIN_EXE_dossier"))
        .args(["export", "--template", "generic", "--case", case])
        .args(["--signer-name", "Bench Counsel", "--out"])
        .arg(out)
        .arg("--vault")
        .arg(vault)
        .arg("--passphrase-file")
        .arg(pass)
        .output()
        .expect("GNU time is needed (apt install time)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let last = stderr.lines().last().unwrap();
    let mut f = last.split_whitespace();
    let secs: f64 = f.next().unwrap().parse().unwrap();
    let kib: u64 = f.next().unwrap().parse().unwrap();
    (Duration::from_secs_f64(secs), kib)
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too, without `--bench`: half a gigabyte
    // of annexes is not a test, so only `cargo bench` measures.
    if !std::env::args().any(|a| a == "--bench") {
        println!("dossier bench: run it with `cargo bench --bench dossier`");
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let n: u64 = if quick { 10 } else { 50 };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-dossier");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("age")).unwrap();
    let pass = root.join("pass");
    std::fs::write(&pass, PASS).unwrap();
    let (id_file, recipient) = age_identity(&root);

    let vault_dir = root.join("vault");
    let mut vault = new_vault(&vault_dir);
    let case = vault
        .add_case(&NewCase {
            title: "Benchmark case".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    for i in 0..n {
        let src = root.join(format!("src/annex{i:02}.bin"));
        make_file(&src, ANNEX, i + 1);
        let item = vault
            .import(&src, &ImportOptions::default(), &Silent)
            .unwrap()
            .item()
            .id
            .clone();
        vault
            .link(&Link::CaseItem {
                case: case.clone(),
                item,
            })
            .unwrap();
        let enc = root.join(format!("age/annex{i:02}.age"));
        assert!(
            Command::new("age")
                .args(["-r", &recipient, "-o"])
                .arg(&enc)
                .arg(&src)
                .status()
                .unwrap()
                .success()
        );
        std::fs::remove_file(&src).unwrap();
    }
    // A second case with a 300-event chronology and no evidence.
    let long = vault
        .add_case(&NewCase {
            title: "Chronology of 300 events".into(),
            notes: "Summary of the case. ".repeat(40),
            ..Default::default()
        })
        .unwrap()
        .id;
    for i in 0..300u32 {
        let date = format!(
            "{}-{:02}-{:02}",
            2010 + i / 30,
            1 + (i / 3) % 12,
            1 + i % 28
        );
        vault
            .add_event(&NewEvent {
                case_id: Some(long.clone()),
                title: format!("Hearing no. {i} before the Almaty district court (Алматы)"),
                date: Some(FuzzyDate::parse(&date).unwrap()),
                place: "Алматы".into(),
                description: "The court refused to hear the defence witnesses; the prosecutor asked for the detention to be extended by three months.".into(),
                ..Default::default()
            })
            .unwrap();
    }
    drop(vault);

    println!("| figure | Dossier | reference | ratio |\n|---|---|---|---|");
    let out = root.join("dossier.pdf");
    let plain = root.join("plain");
    let (mut ours, mut theirs, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let (t, kib) = export(&vault_dir, &pass, &case, &out);
        ours.push(t);
        rss.push(kib);
        let _ = std::fs::remove_file(&out);
        let _ = std::fs::remove_dir_all(&plain);
        std::fs::create_dir_all(&plain).unwrap();
        theirs.push(sh(&format!(
            "for f in {age}/*.age; do age -d -i {id} -o {plain}/$(basename $f .age) $f || exit 1; done; sync {plain}/*",
            age = root.join("age").display(),
            id = id_file.display(),
            plain = plain.display()
        )));
        let _ = std::fs::remove_dir_all(&plain);
    }
    let (o, t) = (median(ours), median(theirs));
    println!(
        "| export, {n} annexes × 10 MB | {} | {} (`age -d` of the same files, to disk, synced) | {:.2} |",
        secs(o),
        secs(t),
        o.as_secs_f64() / t.as_secs_f64()
    );
    rss.sort();
    let peak = rss[rss.len() / 2] / 1024;
    let bound = 2 * ANNEX / 1_048_576 + 100;
    println!(
        "| peak RSS of that export | {peak} MiB | goal: under {bound} MiB (2 × largest annex + 100 MB) | {:.2} of the goal |",
        peak as f64 / bound as f64
    );

    let times: Vec<Duration> = (0..3)
        .map(|_| export(&vault_dir, &pass, &long, &root.join("long.pdf")).0)
        .collect();
    let t = median(times);
    println!(
        "| export, 300-event chronology | {} | goal: under 2 s | {:.2} of the goal |",
        secs(t),
        t.as_secs_f64() / 2.0
    );
    let _ = std::fs::remove_dir_all(&root);
}
