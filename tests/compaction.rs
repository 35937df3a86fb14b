//! Compaction (vault format 2): a device removes its own old journal segments only when two of
//! its own snapshots and every other snapshot in the folder cover them; a device that receives
//! the removals before the snapshots still opens with everything; backups keep every segment
//! and still accept the vault.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::devices::{Device, copy_tree, unite};
use common::*;

/// The segment numbers of one device's journal folder.
fn seqs(vault: &Path, device: &str) -> BTreeSet<u64> {
    std::fs::read_dir(vault.join("journal").join(device))
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    u64::from_str_radix(name.strip_suffix(".age")?, 16).ok()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn devices(vault: &Path) -> BTreeSet<String> {
    std::fs::read_dir(vault.join("journal"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn people(d: &Device, f: &Fixture) -> usize {
    let v: Vec<serde_json::Value> =
        serde_json::from_str(&d.ok(f, &["person", "list", "--json"])).unwrap();
    v.len()
}

fn add_people(d: &Device, f: &Fixture, from: usize, to: usize) {
    for i in from..to {
        d.ok(f, &["person", "add", "--name", &format!("Witness {i}")]);
    }
}

#[test]
fn old_segments_go_only_when_every_snapshot_holds_them() {
    let f = Fixture::new("compaction");
    let laptop = Device::new(&f, &f.vault, "laptop");
    // More than an open replays without writing a snapshot (64): the laptop writes one.
    add_people(&laptop, &f, 0, 70);
    let laptop_id = devices(&f.vault).into_iter().next().unwrap();
    let backup = f.dir.join("backup");
    laptop.ok(&f, &["backup", "--to", backup.to_str().unwrap()]);

    // The office gets a copy, works on it (and writes its own snapshot, which holds the
    // laptop's segments only up to what the copy had), and the folders are united.
    let office_folder = f.dir.join("office-vault");
    copy_tree(&f.vault, &office_folder);
    let office = Device::new(&f, &office_folder, "office");
    add_people(&office, &f, 1000, 1070);
    unite(&f.vault, &office_folder);
    let office_id = devices(&office_folder)
        .into_iter()
        .find(|d| *d != laptop_id)
        .unwrap();
    let office_holds = seqs(&f.vault, &laptop_id).into_iter().max().unwrap();

    // The laptop goes on: its own snapshots soon cover far more, but the office's snapshot
    // holds the laptop only up to `office_holds`: nothing above that may go.
    add_people(&laptop, &f, 70, 300);
    let left = seqs(&f.vault, &laptop_id);
    let newest = *left.iter().max().unwrap();
    assert!(
        left.first().is_some_and(|&first| first > 1),
        "old segments were removed: {left:?}"
    );
    assert!(
        left.first().is_some_and(|&first| first <= office_holds + 1),
        "nothing the office's snapshot lacks was removed (it holds up to {office_holds}): \
         first left {:?}",
        left.first()
    );
    assert_eq!(
        left,
        (left.first().copied().unwrap()..=newest).collect(),
        "what is left follows on without a gap"
    );
    assert_eq!(people(&laptop, &f), 70 + 70 + 230);
    laptop.ok(&f, &["verify"]);

    // The sync engine brings the office the removals and the new segments, but not yet the
    // snapshots: the office starts from its own snapshot and has everything.
    for seq in seqs(&office_folder, &laptop_id) {
        if !left.contains(&seq) {
            std::fs::remove_file(
                office_folder
                    .join("journal")
                    .join(&laptop_id)
                    .join(format!("{seq:016x}.age")),
            )
            .unwrap();
        }
    }
    for seq in &left {
        let rel = Path::new("journal")
            .join(&laptop_id)
            .join(format!("{seq:016x}.age"));
        if !office_folder.join(&rel).exists() {
            std::fs::copy(f.vault.join(&rel), office_folder.join(&rel)).unwrap();
        }
    }
    assert_eq!(people(&office, &f), 370);
    office.ok(&f, &["verify"]);
    assert!(
        seqs(&office_folder, &office_id).contains(&1),
        "the office kept its own"
    );

    // The backup holds segments the vault no longer has: it still accepts the vault (they
    // are held by its snapshots, not lost), keeps them, and opens on its own.
    laptop.ok(&f, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(
        seqs(&backup, &laptop_id).contains(&1),
        "a backup keeps every segment"
    );
    laptop.ok(&f, &["backup", "--verify", backup.to_str().unwrap()]);
    let restored = Device::new(&f, &backup, "restored");
    assert_eq!(people(&restored, &f), 370);

    // A rollback after compaction is still noticed: the newest segment removed.
    std::fs::remove_file(
        f.vault
            .join("journal")
            .join(&laptop_id)
            .join(format!("{newest:016x}.age")),
    )
    .unwrap();
    let out = laptop.run(&f, &["verify"]);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stderr(&out).contains("missing") || stdout(&out).contains("missing"));
    f.cleanup();
}

/// kill -9 while an open writes a snapshot and compacts: the vault opens with everything and
/// verifies, whatever was removed before the kill.
#[test]
fn kill_9_during_a_compaction_leaves_a_vault_that_opens() {
    use std::os::unix::fs::MetadataExt;
    let f = Fixture::new("compaction-kill");
    let laptop = Device::new(&f, &f.vault, "laptop");
    add_people(&laptop, &f, 0, 150);
    let me = devices(&f.vault).into_iter().next().unwrap();
    let snapshots = f.vault.join("snapshots").join(&me);
    // Without its newest snapshot, the next open starts from the older one, replays more
    // than 64 segments, writes a snapshot and compacts.
    let drop_newest = || {
        let newest = std::fs::read_dir(&snapshots)
            .unwrap()
            .flatten()
            .max_by_key(|e| {
                let m = e.metadata().unwrap();
                (m.ctime(), m.ctime_nsec())
            })
            .unwrap();
        std::fs::remove_file(newest.path()).unwrap();
    };
    let started = std::time::Instant::now();
    drop_newest();
    laptop.ok(&f, &["person", "list"]);
    let window = (started.elapsed().as_millis() as u64 * 13 / 10).max(50);
    let mut killed = 0;
    for i in 0..6u64 {
        add_people(&laptop, &f, 1000 + i as usize * 70, 1070 + i as usize * 70);
        drop_newest();
        let mut child = laptop
            .cmd(&f, &["person", "list"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis((i * 41 + 7) % window));
        let _ = child.kill();
        if !child.wait().unwrap().success() {
            killed += 1;
        }
        let expected = 150 + (i as usize + 1) * 70;
        assert_eq!(people(&laptop, &f), expected, "run {i}");
        laptop.ok(&f, &["verify"]);
        let left = seqs(&f.vault, &me);
        assert_eq!(
            left,
            (*left.first().unwrap()..=*left.last().unwrap()).collect(),
            "run {i}: no hole in what is left"
        );
    }
    assert!(killed > 0, "the kills must land before the open finished");
    f.cleanup();
}
