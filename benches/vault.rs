//! Figures for docs/BENCHMARKS.md, each against a reference run on the same machine in the same
//! run: `cargo bench --bench vault --features bench-support` (needs `age` and GNU `time`).
//! `-- --quick` uses smaller sizes for a smoke run.
//!
//! 1. Import of a 512 MiB file vs `age -r` then `sha256sum`, sequentially.
//! 2. `verify` of a 1 GiB item vs `age -d | sha256sum`.
//! 3. Peak RSS of `dossier import` for a 2 GiB file vs a 1 KiB file.
//! 4. Open (scrypt 2^10 unwrap included) of a 10,000-item vault, and one durable edit on it.
//! 5. Search and a case page on 10,000 items, 2,000 people, 5,000 events, 200 MiB of text.
//!
//! Machines here are shared and noisy: every figure is a median of several alternating runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use dossier::search::Query;
use dossier::{ImportOptions, ItemEdit, SecretString, Silent, Vault};

mod common;
use common::*;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-work");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    for tool in ["age", "age-keygen", "sha256sum"] {
        assert!(
            Command::new("which")
                .arg(tool)
                .output()
                .unwrap()
                .status
                .success(),
            "{tool} is needed (apt install age)"
        );
    }
    let rounds = if quick { 1 } else { 3 };
    // `-- --only-register` runs section 5 alone.
    let only_register = std::env::args().any(|a| a == "--only-register");
    println!("| figure | Dossier | reference | ratio |\n|---|---|---|---|");

    if !only_register {
        vault_figures(&root, quick, rounds);
    }
    register_figures(&root, quick);
    let _ = std::fs::remove_dir_all(&root);
}

fn vault_figures(root: &Path, quick: bool, rounds: usize) {
    // 1. Import vs age -r + sha256sum.
    let size: u64 = if quick { 64 << 20 } else { 512 << 20 };
    let src = root.join("source.bin");
    make_file(&src, size, 0);
    let (_, recipient) = age_identity(root);
    let mut vault = new_vault(&root.join("vault-import"));
    let opts = ImportOptions {
        allow_duplicate: true,
        ..Default::default()
    };
    let (mut ours, mut age_times, mut sha_times) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let out = root.join("ref.age");
        let _ = std::fs::remove_file(&out);
        age_times.push(sh(&format!(
            "age -r {recipient} -o {} {}",
            out.display(),
            src.display()
        )));
        sha_times.push(sh(&format!("sha256sum {} > /dev/null", src.display())));
        ours.push(timed(|| {
            vault.import(&src, &opts, &Silent).unwrap();
        }));
    }
    let (o, a, h) = (median(ours), median(age_times), median(sha_times));
    let r = a + h;
    println!(
        "| import {} MiB (hash + encrypt + fsync) | {} ({}) | {} (`age -r` {} then `sha256sum` {}, no fsync) | {:.2} |",
        size >> 20,
        secs(o),
        mib_s(size, o),
        secs(r),
        secs(a),
        secs(h),
        o.as_secs_f64() / r.as_secs_f64()
    );
    drop(vault);
    let _ = std::fs::remove_dir_all(root.join("vault-import"));

    // 2. Verify vs age -d | sha256sum.
    let size: u64 = if quick { 128 << 20 } else { 1 << 30 };
    make_file(&src, size, 0);
    let dir = root.join("vault-verify");
    let mut vault = new_vault(&dir);
    vault.import(&src, &opts, &Silent).unwrap();
    vault
        .export_identity(&root.join("vault-identity.txt"))
        .unwrap();
    let blob = walk_files(&dir.join("blobs")).pop().unwrap();
    let (mut ours, mut reference) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        reference.push(sh(&format!(
            "age -d -i {} {} | sha256sum > /dev/null",
            root.join("vault-identity.txt").display(),
            blob.display()
        )));
        ours.push(timed(|| {
            let report = vault.verify(&Silent).unwrap();
            assert!(report.is_clean());
        }));
    }
    let (o, r) = (median(ours), median(reference));
    println!(
        "| verify {} MiB | {} ({}) | {} (`age -d \\| sha256sum`) | {:.2} |",
        size >> 20,
        secs(o),
        mib_s(size, o),
        secs(r),
        o.as_secs_f64() / r.as_secs_f64()
    );
    drop(vault);
    let _ = std::fs::remove_dir_all(&dir);

    // 3. Peak memory of the CLI: big file vs 1 KiB file (same KDF cost in both).
    let big: u64 = if quick { 256 << 20 } else { 2 << 30 };
    make_file(&src, big, 0);
    let small = root.join("small.bin");
    make_file(&small, 1024, 0);
    let pass = root.join("pass");
    std::fs::write(&pass, PASS).unwrap();
    let dir = root.join("vault-rss");
    drop(new_vault(&dir));
    let rss = |file: &Path| -> u64 {
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(env!("CARGO_BIN_EXE_dossier"))
            .args(["import", "--allow-duplicate"])
            .arg(file)
            .arg("--vault")
            .arg(&dir)
            .arg("--passphrase-file")
            .arg(&pass)
            .output()
            .expect("GNU time is needed (apt install time)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let (big_kib, small_kib) = (rss(&src), rss(&small));
    println!(
        "| peak RSS, `dossier import` of {} MiB | {} MiB | {} MiB (same command, 1 KiB file) | +{} MiB |",
        big >> 20,
        big_kib / 1024,
        small_kib / 1024,
        (big_kib.saturating_sub(small_kib)) / 1024
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&src);

    // 4. Open and one durable edit on a 10,000-item vault.
    let dir = root.join("vault-10k");
    let mut vault = new_vault(&dir);
    let ids = vault.bench_fill(10_000).unwrap();
    drop(vault);
    let catalog_bytes: u64 = walk_files(&dir.join("catalog"))
        .iter()
        .map(|p| p.metadata().unwrap().len())
        .max()
        .unwrap();
    let pass = SecretString::from(PASS.to_string());
    let mut opens = Vec::new();
    for _ in 0..5 {
        opens.push(timed(|| drop(Vault::open(&dir, &pass).unwrap())));
    }
    let mut vault = Vault::open(&dir, &pass).unwrap();
    let mut edits = Vec::new();
    for (i, id) in ids.iter().take(9).enumerate() {
        let edit = ItemEdit {
            notes: Some(format!("note {i}")),
            ..Default::default()
        };
        edits.push(timed(|| {
            vault.edit(id, &edit).unwrap();
        }));
    }
    println!(
        "| open 10,000-item vault (catalog file {} KiB; scrypt 2^10 included) | {} | goal < 300 ms | |",
        catalog_bytes / 1024,
        ms(median(opens))
    );
    println!(
        "| one durable edit on it (new catalog generation, fsynced) | {} | goal < 100 ms | |",
        ms(median(edits))
    );
    drop(vault);
    let _ = std::fs::remove_dir_all(&dir);
}

fn register_figures(root: &Path, quick: bool) {
    let pass = SecretString::from(PASS.to_string());
    // 5. The register at issue #4's size.
    let text_bytes = if quick { 20 << 20 } else { 200 << 20 };
    let dir = root.join("vault-register");
    let mut vault = new_vault(&dir);
    let items = vault.bench_fill(10_000).unwrap();
    let big = vault
        .bench_fill_register(&items, 2_000, 5_000, text_bytes)
        .unwrap();
    let flush = timed(|| vault.flush().unwrap());
    let (catalog_size, text_size) = vault.bench_file_sizes();
    drop(vault);
    let open = timed(|| drop(Vault::open(&dir, &pass).unwrap()));
    let mut vault = Vault::open(&dir, &pass).unwrap();
    let queries = [
        "кала",
        "махан",
        "бекте",
        "Дело",
        "Событие алматы",
        "2-17/2031",
        "kala",
        "makhan",
        "суд",
    ];
    let first = timed(|| {
        vault
            .search(&Query {
                text: "кала".into(),
                limit: 50,
                ..Default::default()
            })
            .unwrap();
    });
    // Round-robin over the queries, five rounds; the median of all, and the slowest query's.
    let mut per_query = vec![Vec::new(); queries.len() + 1];
    let mut hits = 0;
    for _ in 0..5 {
        for (k, q) in queries.iter().enumerate() {
            per_query[k].push(timed(|| {
                hits += vault
                    .search(&Query {
                        text: (*q).into(),
                        limit: 50,
                        ..Default::default()
                    })
                    .unwrap()
                    .len()
            }));
        }
        per_query[queries.len()].push(timed(|| {
            hits += vault
                .search(&Query {
                    text: "ка".into(),
                    case: Some(big.clone()),
                    limit: 50,
                    ..Default::default()
                })
                .unwrap()
                .len()
        }));
    }
    let searches: Vec<_> = per_query.iter().flatten().copied().collect();
    let (worst, worst_query) = per_query
        .iter()
        .zip(queries.iter().copied().chain(["ка, in one case"]))
        .map(|(times, q)| (median(times.clone()), q))
        .max()
        .unwrap();
    // What the desktop app does: the library listing once after unlock, then each keystroke
    // of the search box asks for the ids of up to 2,000 items, and why the first screenful
    // (20 rows) matched; all as the JSON the webview receives.
    let mut library_json = 0;
    let library = timed(|| {
        library_json = serde_json::to_vec(&vault.library().unwrap()).unwrap().len();
    });
    let mut app_searches = Vec::new();
    let mut app_hits = 0;
    let mut app_slowest = Vec::new();
    for q in queries {
        let mut these = Vec::new();
        for _ in 0..5 {
            these.push(timed(|| {
                let found = vault
                    .search(&Query {
                        text: q.into(),
                        kind: Some("item".into()),
                        limit: 2000,
                        ids_only: true,
                        ..Default::default()
                    })
                    .unwrap();
                app_hits += found.len();
                let rows: Vec<String> = found.iter().take(20).map(|h| h.id.clone()).collect();
                std::hint::black_box(serde_json::to_vec(&found).unwrap());
                std::hint::black_box(serde_json::to_vec(&vault.why(q, &rows).unwrap()).unwrap());
            }));
        }
        app_searches.extend(these.iter().copied());
        app_slowest.push((median(these), q));
    }
    let (app_worst, app_worst_query) = app_slowest.iter().max().copied().unwrap();
    let mut pages = Vec::new();
    let mut linked = 0;
    for _ in 0..9 {
        pages.push(timed(|| {
            let v = vault.case_view(&big).unwrap();
            linked = v.people.len() + v.chronology.len() + v.undated.len() + v.items.len();
        }));
    }
    let mut edits = Vec::new();
    for (i, id) in items.iter().take(5).enumerate() {
        let edit = ItemEdit {
            notes: Some(format!("note {i}")),
            ..Default::default()
        };
        edits.push(timed(|| drop(vault.edit(id, &edit).unwrap())));
    }
    println!(
        "| search, 10,000 items + 2,000 people + 5,000 events + {} MiB text (median of {}, {} hits in all) | {} | goal < 30 ms | |",
        text_bytes >> 20,
        searches.len(),
        hits,
        ms(median(searches))
    );
    println!(
        "| search: its slowest query (\"{worst_query}\", median of 5) | {} | | |",
        ms(worst)
    );
    println!(
        "| app: search as you type (ids of up to 2,000 items + why of 20, as JSON; median of {}, {} hits in all) | {} | goal < 50 ms | |",
        app_searches.len(),
        app_hits,
        ms(median(app_searches))
    );
    println!(
        "| app: its slowest query (\"{app_worst_query}\", median of 5) | {} | | |",
        ms(app_worst)
    );
    println!(
        "| app: the library listing after unlock (10,000 rows, {} KiB of JSON) | {} | | |",
        library_json / 1024,
        ms(library)
    );
    println!(
        "| case page with {linked} linked entities | {} | goal < 50 ms | |",
        ms(median(pages))
    );
    println!(
        "| catalog file (encrypted) / one durable edit | {} KiB / {} | | |",
        catalog_size / 1024,
        ms(median(edits))
    );
    println!(
        "| text index file (encrypted) / saving it | {} MiB / {} | | |",
        text_size >> 20,
        ms(flush)
    );
    println!(
        "| open this vault (scrypt 2^10; the text index loads on first use) | {} | | |",
        ms(open)
    );
    println!(
        "| first search after opening (loads the {} MiB text index) | {} | | |",
        text_size >> 20,
        ms(first)
    );
    drop(vault);
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk_files(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
