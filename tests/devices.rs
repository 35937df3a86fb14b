//! One vault on many devices (vault format 2): two folders united as a sync engine unites them
//! lose nothing and show what was changed on both; a vault that went back says so and can be
//! made whole from a backup; sync-engine debris is reported, never read; a format-1 vault made
//! by the previous version is migrated in place, and a migration cut short leaves a vault.

mod common;

use std::path::Path;

use common::devices::{Device, copy_tree, only_device_segments, unite};
use common::*;

#[test]
fn two_devices_united_by_a_sync_folder_lose_nothing_and_show_conflicts() {
    let f = Fixture::new("two-devices");
    let laptop = Device::new(&f, &f.vault, "laptop");
    let first = laptop.import(&f, "court decision.pdf", &noise(20_000, 1));
    laptop.ok(&f, &["edit", &first, "--note", "original in the safe"]);
    // The office desktop gets a copy of the folder (its first sync).
    let office_folder = f.dir.join("office-vault");
    copy_tree(&f.vault, &office_folder);
    let office = Device::new(&f, &office_folder, "office");
    assert_eq!(office.ids(&f), laptop.ids(&f));

    // Both work while apart: three imports each, and both edit the same note.
    let mut acknowledged = vec![first.clone()];
    for i in 0..3 {
        acknowledged.push(laptop.import(
            &f,
            &format!("laptop {i}.txt"),
            format!("L{i}").as_bytes(),
        ));
        acknowledged.push(office.import(
            &f,
            &format!("office {i}.txt"),
            format!("O{i}").as_bytes(),
        ));
    }
    laptop.ok(
        &f,
        &["edit", &first, "--note", "given to the lawyer in Geneva"],
    );
    office.ok(&f, &["edit", &first, "--note", "scanned again at 600 dpi"]);

    unite(&f.vault, &office_folder);
    acknowledged.sort();
    for d in [&laptop, &office] {
        assert_eq!(
            d.ids(&f),
            acknowledged,
            "{}: every acknowledged import is there",
            d.vault.display()
        );
        let v = d.run(&f, &["verify"]);
        assert_eq!(v.status.code(), Some(0), "{}{}", stdout(&v), stderr(&v));
        let c: Vec<serde_json::Value> =
            serde_json::from_str(&d.ok(&f, &["conflicts", "--json"])).unwrap();
        assert_eq!(c.len(), 1, "the concurrent edit is shown: {c:?}");
        assert_eq!(c[0]["field"], "notes");
        let values: Vec<&str> = c[0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_str().unwrap())
            .collect();
        assert!(
            values.contains(&"given to the lawyer in Geneva"),
            "{values:?}"
        );
        assert!(values.contains(&"scanned again at 600 dpi"), "{values:?}");
    }
    // Both show the same value in use.
    let shown = |d: &Device| {
        let v: serde_json::Value =
            serde_json::from_str(&d.ok(&f, &["show", &first, "--json"])).unwrap();
        v["notes"].as_str().unwrap().to_string()
    };
    assert_eq!(shown(&laptop), shown(&office));

    // Resolved on one device, the resolution reaches the other.
    laptop.ok(&f, &["resolve", "1", "--keep", "2"]);
    unite(&f.vault, &office_folder);
    for d in [&laptop, &office] {
        let c: Vec<serde_json::Value> =
            serde_json::from_str(&d.ok(&f, &["conflicts", "--json"])).unwrap();
        assert!(
            c.is_empty(),
            "{}: resolved everywhere: {c:?}",
            d.vault.display()
        );
    }
    assert_eq!(shown(&laptop), shown(&office));
    let log = laptop.ok(&f, &["log"]);
    assert!(
        log.contains("resolved"),
        "the resolution is in the custody log: {log}"
    );
    f.cleanup();
}

#[test]
fn a_vault_that_went_back_says_so_and_a_backup_makes_it_whole() {
    let f = Fixture::new("rollback");
    let laptop = Device::new(&f, &f.vault, "laptop");
    let a = laptop.import(&f, "a.txt", b"first");
    let backup = f.dir.join("stick");
    laptop.ok(&f, &["backup", "--to", backup.to_str().unwrap()]);
    let b = laptop.import(&f, "b.txt", b"second");
    laptop.ok(&f, &["backup", "--to", backup.to_str().unwrap()]);

    // Someone with access to the folder removes the newest journal entries and the newest
    // blob (an older copy of the folder put back does the same).
    let (_, segments) = only_device_segments(&f.vault);
    let n = segments.len();
    for s in &segments[n - 4..] {
        std::fs::remove_file(s).unwrap();
    }
    for s in std::fs::read_dir(f.vault.join("snapshots"))
        .into_iter()
        .flatten()
        .flatten()
    {
        std::fs::remove_dir_all(s.path()).unwrap();
    }
    let o = laptop.run(&f, &["list"]);
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("are missing from this vault"),
        "opening says so plainly: {}",
        stderr(&o)
    );
    assert!(
        !stdout(&o).contains(&b),
        "the item is gone from the list: {}",
        stdout(&o)
    );
    let v = laptop.run(&f, &["verify"]);
    assert_eq!(
        v.status.code(),
        Some(1),
        "verify is not green: {}",
        stdout(&v)
    );
    assert!(stdout(&v).contains("JOURNAL"), "{}", stdout(&v));

    // The backup refuses to follow the vault back, and names what it holds.
    let o = laptop.run(&f, &["backup", "--to", backup.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("this vault lacks"), "{}", stderr(&o));

    // Pulling from the backup brings back what was taken.
    laptop.ok(&f, &["pull", "--from", backup.to_str().unwrap()]);
    let ids = laptop.ids(&f);
    assert!(ids.contains(&a) && ids.contains(&b), "{ids:?}");
    let v = laptop.run(&f, &["verify"]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "whole again: {}{}",
        stdout(&v),
        stderr(&v)
    );
    f.cleanup();
}

/// A journal entry missing between two others is a notice with its kind and values, so the
/// app says it in the user's language: which entries, of which device, and that a later
/// entry of the same device names them.
#[test]
fn a_missing_entry_is_a_notice_with_its_values() {
    let f = Fixture::new("notice-missing");
    let laptop = Device::new(&f, &f.vault, "laptop");
    for name in ["a.txt", "b.txt", "c.txt"] {
        laptop.import(&f, name, name.as_bytes());
    }
    let (_, segments) = only_device_segments(&f.vault);
    let gone = &segments[segments.len() - 2];
    let seq = u64::from_str_radix(
        gone.file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end_matches(".age"),
        16,
    )
    .unwrap();
    std::fs::remove_file(gone).unwrap();
    let vault = dossier::Vault::open(
        &f.vault,
        &dossier::SecretString::from(PASSPHRASE.to_string()),
    )
    .unwrap();
    let notices = vault.notices();
    let missing = notices
        .iter()
        .find(|n| n.key == dossier::NoticeKey::MissingEntries)
        .unwrap_or_else(|| panic!("{notices:?}"));
    assert_eq!(missing.args[0], seq.to_string(), "{missing:?}");
    assert_eq!(missing.args[1], seq.to_string(), "{missing:?}");
    assert_eq!(
        missing.args[4], "later_entry",
        "a later entry of the same device names it"
    );
    assert_eq!(missing.args[5], "", "no other device");
    assert!(
        missing.text.contains("missing from this vault"),
        "{missing:?}"
    );
    assert!(
        vault.warnings().contains(&missing.text),
        "the CLI's words are among the warnings"
    );
    drop(vault);
    f.cleanup();
}

#[test]
fn an_older_copy_of_the_folder_put_back_is_noticed() {
    let f = Fixture::new("older-copy");
    let laptop = Device::new(&f, &f.vault, "laptop");
    laptop.import(&f, "a.txt", b"first");
    let old = f.dir.join("old-copy");
    copy_tree(&f.vault, &old);
    laptop.import(&f, "b.txt", b"second");
    std::fs::remove_dir_all(&f.vault).unwrap();
    copy_tree(&old, &f.vault);
    let o = laptop.run(&f, &["verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("are missing from this vault"),
        "{}",
        stderr(&o)
    );
    // It keeps saying so, even after a change made on the older copy.
    laptop.import(&f, "c.txt", b"third");
    let o = laptop.run(&f, &["verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    f.cleanup();
}

#[test]
fn sync_engine_debris_is_reported_kept_and_never_read() {
    let f = Fixture::new("debris");
    let laptop = Device::new(&f, &f.vault, "laptop");
    laptop.import(&f, "a.txt", b"first");
    let (device, _) = only_device_segments(&f.vault);
    let seg = device.join("0000000000000001.age");
    let conflict = device.join("0000000000000001.sync-conflict-20260503-101500-ABCDEF7.age");
    std::fs::write(&conflict, b"age-encryption.org/v1\nnot really").unwrap();
    std::fs::write(f.vault.join(".stfolder"), b"").unwrap();
    std::fs::copy(&seg, device.join("0000000000000001 (1).age")).unwrap();
    let o = laptop.run(&f, &["verify"]);
    let out = stdout(&o);
    assert!(out.contains("Syncthing conflict copy"), "{out}");
    assert!(out.contains("numbered copy"), "{out}");
    assert!(out.contains(".stfolder"), "{out}");
    assert_eq!(o.status.code(), Some(0), "debris is not damage: {out}");
    assert!(conflict.exists(), "never deleted");
    f.cleanup();
}

fn format_1_vector() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/format1-vault")
}

/// A copy of the committed format-1 vault, and the device ("laptop") that opens it.
fn format_1_vault(name: &str) -> (Fixture, Device) {
    let f = Fixture::empty(name);
    copy_tree(&format_1_vector(), &f.vault);
    std::fs::write(&f.pass, "format one test vector passphrase\n").unwrap();
    let laptop = Device::new(&f, &f.vault, "laptop");
    (f, laptop)
}

/// The committed format-1 vault (`tests/vectors/format1-vault`, made by the version before
/// format 2) is migrated in place: same items, register and custody log; the format-1
/// catalog is kept.
#[test]
fn the_format_1_vector_is_migrated_in_place() {
    let (f, laptop) = format_1_vault("migrate-vector");
    let o = laptop.run(&f, &["list", "--all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("moved to format 2"), "{}", stderr(&o));
    let list = stdout(&o);
    assert!(
        list.contains("decision.txt") && list.contains("letter.txt [deleted]"),
        "{list}"
    );
    assert_eq!(
        std::fs::read_to_string(f.vault.join("DOSSIER")).unwrap(),
        "dossier vault\nformat 2\n"
    );
    assert_eq!(
        std::fs::read_dir(f.vault.join("catalog")).unwrap().count(),
        8,
        "format 1 kept"
    );
    let case = laptop.ok(&f, &["case", "show", "c86aeec86344edd1"]);
    assert!(
        case.contains("Ahmetov v. Kazakhstan") && case.contains("decision.txt"),
        "{case}"
    );
    let log = laptop.ok(&f, &["log"]);
    for action in ["create", "import", "link", "edit", "delete", "migrate"] {
        assert!(log.contains(action), "{action} in the migrated log: {log}");
    }
    let v = laptop.run(&f, &["verify"]);
    assert_eq!(v.status.code(), Some(0), "{}{}", stdout(&v), stderr(&v));
    let hits = laptop.ok(&f, &["search", "конфискация"]);
    assert!(
        hits.contains("2abfa3f24acd3387"),
        "the text index came along: {hits}"
    );
    f.cleanup();
}

/// An older format-1 copy put back where this device saw the vault in format 2 opens
/// read-only, and `repair` refuses to go on with it: nothing in it is damaged, and migrating
/// it would bury everything the newer copy holds (the app offers no button for it either).
#[test]
fn an_older_format_1_copy_put_back_is_never_repaired_into_the_vault() {
    let (f, laptop) = format_1_vault("migrate-rollback");
    laptop.ok(&f, &["list"]); // migrated to format 2, seen by this device
    std::fs::remove_dir_all(&f.vault).unwrap();
    copy_tree(&format_1_vector(), &f.vault);
    let o = laptop.run(&f, &["list"]);
    assert!(stderr(&o).contains("older format-1 copy"), "{}", stderr(&o));
    let before = std::fs::read_to_string(f.vault.join("DOSSIER")).unwrap();
    let o = laptop.run(&f, &["repair", "--accept-damaged-catalog"]);
    assert_ne!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("nothing in this vault is damaged"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(f.vault.join("DOSSIER")).unwrap(),
        before,
        "not migrated"
    );
    let v = laptop.run(&f, &["verify"]);
    assert_ne!(v.status.code(), Some(0), "still flagged: {}", stdout(&v));
    f.cleanup();
}

/// A migration cut off at any write (ENOSPC on each fsync, rename and link it makes) leaves a
/// vault that opens, as format 1 or 2; the next open completes it.
#[test]
fn a_migration_cut_short_leaves_a_vault_that_opens() {
    if !have_tool("strace", "-V") {
        return;
    }
    let vector = format_1_vector();
    let mut failed = 0;
    for syscall in ["fsync", "rename", "linkat"] {
        for k in 1..=6 {
            let f = Fixture::empty(&format!("migrate-cut-{syscall}-{k}"));
            copy_tree(&vector, &f.vault);
            std::fs::write(&f.pass, "format one test vector passphrase\n").unwrap();
            let laptop = Device::new(&f, &f.vault, "laptop");
            let cmd = laptop.cmd(&f, &["list"]);
            let out = std::process::Command::new("strace")
                .args(["-f", "-qq", "-o", "/dev/null", "-e"])
                .arg(format!("inject={syscall}:error=ENOSPC:when={k}"))
                .arg(cmd.get_program())
                .args(cmd.get_args())
                .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
                .output()
                .unwrap();
            if !out.status.success() {
                failed += 1;
                let header = std::fs::read_to_string(f.vault.join("DOSSIER")).unwrap();
                assert!(
                    header == "dossier vault\nformat 1\n" || header == "dossier vault\nformat 2\n",
                    "{syscall} #{k}: {header:?}"
                );
            }
            let list = laptop.ok(&f, &["list", "--all"]);
            assert!(list.contains("decision.txt"), "{syscall} #{k}: {list}");
            let v = laptop.run(&f, &["verify"]);
            assert_eq!(
                v.status.code(),
                Some(0),
                "{syscall} #{k}: {}{}",
                stdout(&v),
                stderr(&v)
            );
            f.cleanup();
        }
    }
    assert!(failed > 3, "the faults must hit the migration ({failed})");
}

/// Search entries follow what another device changed: the office links a person to the case,
/// and the laptop, after the sync, finds the case's evidence by that person's name (an item's
/// entry names the people of its cases).
#[test]
fn a_link_made_on_another_device_finds_the_evidence_by_name() {
    let f = Fixture::new("two-devices-search");
    let laptop = Device::new(&f, &f.vault, "laptop");
    let item = laptop.import(&f, "decision.txt", "Постановление".as_bytes());
    let case = laptop
        .ok(&f, &["case", "add", "--title", "Test v. State"])
        .trim()
        .to_string();
    laptop.ok(&f, &["link", "--case", &case, "--item", &item]);
    let office_folder = f.dir.join("office-vault");
    copy_tree(&f.vault, &office_folder);
    let office = Device::new(&f, &office_folder, "office");
    let person = office
        .ok(&f, &["person", "add", "--name", "Жұмабаева Әлия"])
        .trim()
        .to_string();
    office.ok(
        &f,
        &[
            "link", "--case", &case, "--person", &person, "--role", "source",
        ],
    );
    unite(&f.vault, &office_folder);
    let hits: serde_json::Value =
        serde_json::from_str(&laptop.ok(&f, &["search", "Жумабаева", "--kind", "item", "--json"]))
            .unwrap();
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == item.as_str()),
        "{hits}"
    );
    f.cleanup();
}

/// A letter imported in the office is found by its words on the laptop after the sync,
/// without `reindex`: the laptop copies its text from the office's text index (which syncs
/// with the vault) once, and says nothing is missing.
#[test]
fn text_imported_on_another_device_is_searchable_without_reindex() {
    let f = Fixture::new("two-devices-texts");
    let laptop = Device::new(&f, &f.vault, "laptop");
    laptop.import(&f, "own.txt", "Протокол допроса, ноутбук".as_bytes());
    let office_folder = f.dir.join("office-vault");
    copy_tree(&f.vault, &office_folder);
    let office = Device::new(&f, &office_folder, "office");
    let letter = office.import(&f, "letter.txt", "Письмо из офиса о задержании".as_bytes());
    let text_folders = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir.join("texts"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    let laptops = text_folders(&f.vault);
    unite(&f.vault, &office_folder);
    let out = laptop.run(&f, &["search", "задержании", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits[0]["id"], letter.as_str(), "{hits}");
    assert!(
        hits[0]["snippet"]
            .as_str()
            .unwrap()
            .contains("[задержании]"),
        "{hits}"
    );
    assert!(
        !stderr(&out).contains("not in the search index"),
        "{}",
        stderr(&out)
    );
    // Copied into the laptop's own text index: found again with the office's files gone.
    for folder in text_folders(&f.vault) {
        if !laptops.contains(&folder) {
            std::fs::remove_dir_all(folder).unwrap();
        }
    }
    assert_eq!(text_folders(&f.vault), laptops);
    let out = laptop.run(&f, &["search", "задержании", "--json"]);
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits[0]["id"], letter.as_str(), "{hits}");
    assert!(
        !stderr(&out).contains("not in the search index"),
        "{}",
        stderr(&out)
    );
    f.cleanup();
}

#[test]
fn an_extraction_still_on_its_way_from_another_device_is_not_called_failed() {
    let f = Fixture::new("pending-elsewhere");
    let laptop = Device::new(&f, &f.vault, "laptop");
    let item = laptop.import(&f, "decision.txt", "Постановление".as_bytes());
    // The office receives the import's segment, but not yet the one with its extraction (a
    // sync engine delivers files in any order), nor a snapshot that would hold it.
    let office_folder = f.dir.join("office-vault");
    copy_tree(&f.vault, &office_folder);
    let _ = std::fs::remove_dir_all(office_folder.join("snapshots"));
    let journal = office_folder.join("journal");
    let device = std::fs::read_dir(&journal)
        .unwrap()
        .flatten()
        .next()
        .expect("the laptop's journal")
        .path();
    let newest = std::fs::read_dir(&device)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .max_by_key(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .unwrap();
    std::fs::remove_file(&newest).unwrap();
    let office = Device::new(&f, &office_folder, "office");
    assert_eq!(office.ids(&f), vec![item.clone()]);
    // Then the rest arrives: no device has a conflict over the extraction's result.
    unite(&f.vault, &office_folder);
    for d in [&laptop, &office] {
        let c: Vec<serde_json::Value> =
            serde_json::from_str(&d.ok(&f, &["conflicts", "--json"])).unwrap();
        assert!(c.is_empty(), "{}: {c:?}", d.vault.display());
        let shown = d.ok(&f, &["show", &item]);
        assert!(!shown.contains("did not finish"), "{shown}");
    }
    f.cleanup();
}
