//! Unit tests of the vault that need its insides: timestamps, crash recovery, damaged and
//! upgraded catalogs, the custody chain, SQLite's temporary storage.

use super::*;
use crate::items::Item;
use crate::progress::{Progress, Silent};

const PASS: &str = "correct horse battery staple";

#[test]
fn timestamps_have_a_fixed_width_so_they_sort_as_text() {
    let at = |ms: i64| {
        timestamp(
            OffsetDateTime::from_unix_timestamp(1_946_113_200).unwrap()
                + time::Duration::milliseconds(ms),
        )
    };
    assert_eq!(at(120), "2031-09-02T11:00:00.120Z");
    assert_eq!(at(0), "2031-09-02T11:00:00.000Z");
    let mut sorted = vec![at(123), at(120), at(0), at(999), at(1000)];
    sorted.sort();
    assert_eq!(sorted, [at(0), at(120), at(123), at(999), at(1000)]);
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/unit-tmp")
        .join(format!("{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn new_vault(dir: &Path) -> Vault {
    let pass = SecretString::from(PASS.to_string());
    let mut v = Vault::create(
        &dir.join("vault"),
        &pass,
        &CreateOptions { work_factor: 10 },
    )
    .unwrap();
    // Pinned clock: custody entries are reproducible.
    v.set_clock(Box::new(|| {
        OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap()
    }));
    v
}

fn reopen(dir: &Path) -> Vault {
    Vault::open(&dir.join("vault"), &SecretString::from(PASS.to_string())).unwrap()
}

fn import_bytes(v: &mut Vault, dir: &Path, name: &str, bytes: &[u8]) -> Item {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    v.import(&p, &ImportOptions::default(), &Silent)
        .unwrap()
        .item()
        .clone()
}

#[test]
fn custody_timestamps_come_from_the_injected_clock() {
    let dir = scratch("clock");
    let mut v = new_vault(&dir);
    let item = import_bytes(&mut v, &dir, "a", b"a");
    assert_eq!(item.imported_at, "2030-03-17T17:46:40.000Z");
    let log = v.custody_log(Some(&item.id)).unwrap();
    assert_eq!(log[0].at, "2030-03-17T17:46:40.000Z");
}

#[test]
fn a_damaged_journal_file_opens_read_only_until_the_user_decides() {
    let dir = scratch("damaged");
    let mut v = new_vault(&dir);
    let first = import_bytes(&mut v, &dir, "first", b"first");
    let (_, newest) = v
        .commit(|cat, now| {
            custody::append(&cat.db, now, Action::Verify, None, &json!({})).map(|_| ())
        })
        .unwrap();
    let newest = newest.expect("a change writes a segment");
    drop(v);
    // Corrupt the newest segment's last byte (its final STREAM tag).
    let mut bytes = fs::read(&newest).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    fs::write(&newest, bytes).unwrap();
    let mut v = reopen(&dir);
    let name = newest.display().to_string();
    assert!(
        v.warnings()
            .iter()
            .any(|w| w.contains(&name) && w.contains("damaged")),
        "the user is told which file: {:?}",
        v.warnings()
    );
    assert!(v.item(&first.id).is_ok(), "nothing before it is lost");
    // Read-only until the user decides: the damaged file may hold what later entries need.
    assert!(
        v.read_only()
            .is_some_and(|r| r.contains("repair --accept-damaged-catalog"))
    );
    let p = dir.join("second");
    fs::write(&p, b"second").unwrap();
    assert!(matches!(
        v.import(&p, &ImportOptions::default(), &Silent),
        Err(Error::ReadOnly(_))
    ));
    let journal_files = || walk_count(&dir.join("vault/journal"));
    let before = journal_files();
    let report = v.verify(&Silent).unwrap();
    assert!(
        report.journal_problems.iter().any(|p| p.contains(&name)),
        "verify reports it: {:?}",
        report.journal_problems
    );
    assert!(!report.is_clean());
    assert_eq!(
        journal_files(),
        before,
        "verify writes nothing while read-only"
    );

    // After the decision: writable (under a new device id, since the damaged file holds the
    // next number of the old one), and the damaged file is kept.
    assert_eq!(v.accept_damaged_catalog().unwrap(), vec![name.clone()]);
    v.import(&p, &ImportOptions::default(), &Silent).unwrap();
    assert!(newest.exists(), "a damaged journal file is never removed");
    drop(v);
    let v = reopen(&dir);
    assert!(v.read_only().is_none(), "the decision is remembered");
    let log = v.custody_log(None).unwrap();
    assert!(log.iter().any(|e| e.action == "repair"));
    assert_eq!(v.items(false).unwrap().len(), 2);
}

fn walk_count(dir: &Path) -> usize {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk_count(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn an_extraction_a_crash_interrupted_is_recorded_as_failed_at_open() {
    let dir = scratch("pending");
    let mut v = new_vault(&dir);
    let item = import_bytes(&mut v, &dir, "a.pdf", b"%PDF-1.7 not really");
    // As if the process died while a parser ran: the item committed, extraction pending.
    v.commit(|cat, _| {
        cat.db.execute(
            "UPDATE extractions SET status = 'pending' WHERE item_id = ?1",
            [&item.id],
        )?;
        Ok(())
    })
    .unwrap();
    drop(v);
    let v = reopen(&dir);
    let x = v.extraction(&item.id).unwrap().unwrap();
    assert_eq!(x.status, "failed");
    assert!(x.error.unwrap().contains("did not finish"));
    assert!(
        v.warnings().iter().any(|w| w.contains("did not finish")),
        "{:?}",
        v.warnings()
    );
    let notices = v.notices();
    let said = notices
        .iter()
        .find(|n| n.key == crate::NoticeKey::ExtractionUnfinished)
        .expect("a notice for the app");
    assert_eq!(said.args, vec!["1".to_string()]);
    assert!(v.warnings().contains(&said.text), "the CLI prints the same");
    assert!(v.item(&item.id).is_ok(), "the evidence is there");
}

#[test]
fn a_vault_a_newer_dossier_wrote_to_is_refused_not_written() {
    let dir = scratch("newer");
    let mut v = new_vault(&dir);
    v.commit(|cat, _| {
        cat.db.execute(
            "UPDATE vault_info SET value = '99' WHERE key = 'schema_version'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    drop(v);
    let r = Vault::open(&dir.join("vault"), &SecretString::from(PASS.to_string()));
    assert!(
        matches!(&r, Err(Error::UnsupportedFormat { found, .. }) if found.contains("99")),
        "{r:?}"
    );
}

/// A vault an older Dossier (schema 5) wrote moves on to the current schema only when a document date is
/// first stated, and in a segment before the one that states it: an older Dossier applies the
/// first and then refuses the vault as newer, instead of calling the second damaged.
#[test]
fn a_stated_date_moves_an_older_vault_on_in_a_segment_of_its_own() {
    let dir = scratch("schema-6");
    let mut v = new_vault(&dir);
    let item = import_bytes(&mut v, &dir, "decision.txt", b"x");
    v.commit(|cat, _| {
        cat.db.execute(
            "UPDATE vault_info SET value = '5' WHERE key = 'schema_version'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    let edit = |date: &str| ItemEdit {
        date: Some(date.into()),
        ..ItemEdit::default()
    };
    v.edit(&item.id, &edit("2025-03-14")).unwrap();
    let seq_of =
        |v: &Vault, sql: &str| -> i64 { v.catalog.db.query_row(sql, [], |r| r.get(0)).unwrap() };
    let current = crate::catalog::schema::SCHEMA_VERSION;
    let bumped = seq_of(
        &v,
        &format!(
            "SELECT max(seq) FROM _versions WHERE tbl = 'vault_info' AND value = '\"{current}\"'"
        ),
    );
    let stated = seq_of(&v, "SELECT seq FROM _rows WHERE tbl = 'item_dates'");
    assert_eq!(bumped + 1, stated, "the bump is the segment right before");
    // A second statement needs no second bump.
    v.edit(&item.id, &edit("2025-03")).unwrap();
    let bumps = seq_of(
        &v,
        &format!(
            "SELECT count(*) FROM _versions WHERE tbl = 'vault_info' AND value = '\"{current}\"'"
        ),
    );
    assert_eq!(bumps, 1);
    drop(v);
    let v = Vault::open(&dir.join("vault"), &SecretString::from(PASS.to_string())).unwrap();
    assert_eq!(
        v.catalog.info("schema_version").unwrap().as_deref(),
        Some(current.to_string().as_str())
    );
    let d = v.document_date(&item.id).unwrap().unwrap();
    assert_eq!(
        (d.date.as_str(), d.origin),
        ("2025-03", crate::dating::DateOrigin::Stated)
    );
}

#[test]
fn a_version_1_catalog_is_upgraded_with_its_items_searchable() {
    let dir = scratch("migrate");
    let mut v = new_vault(&dir);
    let item = import_bytes(&mut v, &dir, "Письмо.txt", b"x");
    // Turn the catalog back into schema 1: items and custody only.
    let tables: Vec<String> = v
        .catalog
        .db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('items', 'custody', 'vault_info') AND name NOT LIKE 'search_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    v.catalog
        .db
        .execute_batch("PRAGMA foreign_keys = OFF")
        .unwrap();
    for t in tables {
        v.catalog
            .db
            .execute_batch(&format!("DROP TABLE IF EXISTS {t}"))
            .unwrap();
    }
    v.catalog
        .db
        .execute_batch("DROP TABLE IF EXISTS search_keys")
        .unwrap();
    v.catalog
        .db
        .execute(
            "UPDATE vault_info SET value = '1' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    v.catalog.save(&v.layout, &v.recipient, 0).unwrap();
    drop(v);
    // Make it a format-1 vault, in another folder (this one's device record has seen it in
    // format 2, and would rightly refuse an older copy put back in its place).
    let old = dir.join("format-1");
    fs::rename(dir.join("vault"), &old).unwrap();
    for gone in ["journal", "snapshots", "texts"] {
        let _ = fs::remove_dir_all(old.join(gone));
    }
    fs::write(old.join("DOSSIER"), "dossier vault\nformat 1\n").unwrap();
    let mut v = Vault::open(&old, &SecretString::from(PASS.to_string())).unwrap();
    assert!(
        v.warnings().iter().any(|w| w.contains("moved to format 2")),
        "{:?}",
        v.warnings()
    );
    assert!(
        old.join("catalog").read_dir().unwrap().count() > 0,
        "format 1 is kept"
    );
    let hits = v
        .search(&crate::search::Query {
            text: "письмо".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(hits.len(), 1, "existing items are indexed by the upgrade");
    assert_eq!(hits[0].id, item.id);
    assert!(v.cases().unwrap().is_empty());
}

#[test]
fn a_crash_between_commit_and_publish_is_completed_at_open() {
    let dir = scratch("rollforward");
    let mut v = new_vault(&dir);
    let item = import_bytes(&mut v, &dir, "evidence.jpg", &[7u8; 100_000]);
    // Recreate the state right after the catalog commit: the blob still in tmp/.
    let blob = v.layout.blob(&item.blob);
    fs::rename(&blob, v.layout.tmp_blob(&item.blob)).unwrap();
    // And a leftover from an import that never committed.
    fs::write(
        v.layout.tmp().join("0123456789abcdef0123456789abcdef.age"),
        b"partial",
    )
    .unwrap();
    drop(v);
    let mut v = reopen(&dir);
    assert!(blob.exists(), "the committed import was moved into place");
    assert_eq!(
        fs::read_dir(v.layout.tmp()).unwrap().count(),
        0,
        "leftovers swept"
    );
    assert!(
        v.warnings()
            .iter()
            .any(|w| w.contains("completed an interrupted import"))
    );
    // The app says it in the user's language: the kind and the blob, once.
    let said: Vec<_> = v
        .notices()
        .into_iter()
        .filter(|n| n.key == crate::NoticeKey::InterruptedImportCompleted)
        .collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].args, vec![item.blob.clone()]);
    assert!(!said[0].standing, "something this opening did, said once");
    // Taken with the warnings: a later look (after a pull) does not say it again.
    v.take_warnings();
    assert!(v.notices().is_empty(), "{:?}", v.notices());
    let report = v.verify(&Silent).unwrap();
    assert!(report.is_clean(), "{report:?}");
}

#[test]
fn tampering_with_the_custody_log_breaks_the_chain() {
    let dir = scratch("chain");
    let mut v = new_vault(&dir);
    let item = import_bytes(&mut v, &dir, "a", b"a");
    v.delete(&item.id, Some("mistake")).unwrap();
    let update = v
        .catalog
        .db
        .execute("UPDATE custody SET detail = '{}' WHERE seq = 2", []);
    assert!(update.is_err(), "the table refuses updates");
    // An attacker with the key could drop the trigger; the chain still tells.
    v.catalog
        .db
        .execute_batch("DROP TRIGGER custody_append_only_update")
        .unwrap();
    v.catalog
        .db
        .execute(
            "UPDATE custody SET detail = '{\"name\":\"other\"}' WHERE seq = 2",
            [],
        )
        .unwrap();
    let report = v.verify(&Silent).unwrap();
    let broken = report.custody_break.clone().expect("the edit is detected");
    assert_eq!(broken.seq, 2);
    assert!(!report.is_clean());
}

#[test]
fn sqlite_keeps_temporary_data_in_memory() {
    let dir = scratch("tempstore");
    let v = new_vault(&dir);
    let store: i64 = v
        .catalog
        .db
        .query_row("PRAGMA temp_store", [], |r| r.get(0))
        .unwrap();
    assert_eq!(store, 2, "temp_store = MEMORY");
    let options: Vec<String> = v
        .catalog
        .db
        .prepare("PRAGMA compile_options")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(
        options.iter().any(|o| o == "TEMP_STORE=3"),
        "compiled so temp files are impossible: {options:?}"
    );
}

#[test]
fn cancelling_an_import_leaves_nothing() {
    /// Presses "cancel" as soon as the import starts.
    struct CancelOnStart(crate::progress::CancelFlag);
    impl Progress for CancelOnStart {
        fn start(&self, _: &str, _: u64) {
            self.0.cancel();
        }
        fn is_cancelled(&self) -> bool {
            self.0.is_set()
        }
    }
    let dir = scratch("cancel");
    let mut v = new_vault(&dir);
    let p = dir.join("big");
    fs::write(&p, vec![1u8; 9 << 20]).unwrap();
    let progress = CancelOnStart(Default::default());
    let r = v.import(&p, &ImportOptions::default(), &progress);
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(v.items(true).unwrap().is_empty());
    assert_eq!(fs::read_dir(v.layout.tmp()).unwrap().count(), 0);
}

/// A batch import cancelled part-way leaves no file of the unrecorded rest in `tmp/` (the
/// writer thread runs ahead of the catalog), and what was acknowledged stays listed.
#[test]
fn cancelling_a_many_file_import_leaves_tmp_empty() {
    /// Presses "cancel" when the writer starts the 1,200th file (after the first batch).
    struct CancelLater(std::sync::atomic::AtomicUsize, crate::progress::CancelFlag);
    impl Progress for CancelLater {
        fn start(&self, _: &str, _: u64) {
            if self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 1200 {
                self.1.cancel();
            }
        }
        fn is_cancelled(&self) -> bool {
            self.1.is_set()
        }
    }
    let dir = scratch("cancel-many");
    let mut v = new_vault(&dir);
    let src = dir.join("src");
    fs::create_dir_all(&src).unwrap();
    let paths: Vec<PathBuf> = (0..1500)
        .map(|i| {
            let p = src.join(format!("note-{i:04}.txt"));
            // Every 100th file is larger than blob::SMALL, so both ways of writing run.
            let len = if i % 100 == 7 { (1 << 20) + 5 } else { 40 };
            let mut bytes = vec![b'x'; len];
            bytes[..8].copy_from_slice(&(i as u64).to_le_bytes());
            fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    let progress = CancelLater(Default::default(), Default::default());
    let mut acknowledged = Vec::new();
    let r = v.import_many(&paths, &ImportOptions::default(), &progress, &mut |_, r| {
        if let Ok(crate::vault::import::Imported::New(item)) = r {
            acknowledged.push(item.id);
        }
    });
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(
        !acknowledged.is_empty() && acknowledged.len() < 1200,
        "a first batch was recorded, the rest not: {}",
        acknowledged.len()
    );
    assert_eq!(
        fs::read_dir(v.layout.tmp()).unwrap().count(),
        0,
        "files written ahead are removed"
    );
    let listed = v.items(false).unwrap();
    assert_eq!(listed.len(), acknowledged.len());
    drop(v);
    let mut v = reopen(&dir);
    assert_eq!(v.items(false).unwrap().len(), acknowledged.len());
    let report = v.verify(&crate::progress::Silent).unwrap();
    assert!(report.is_clean(), "{report:?}");
}

/// Every file of a many-file import, small (read whole) or large (streamed), reads back
/// bit-exact, and the one duplicate is stored once.
#[test]
fn a_many_file_import_stores_small_and_large_files_exactly() {
    let dir = scratch("many");
    let mut v = new_vault(&dir);
    let src = dir.join("src");
    fs::create_dir_all(&src).unwrap();
    let sizes = [
        0usize,
        1,
        40,
        (1 << 20) - 33,
        1 << 20,
        (1 << 20) + 1,
        3 << 20,
    ];
    let mut paths = Vec::new();
    let mut contents = Vec::new();
    for (i, len) in sizes.iter().enumerate() {
        let bytes: Vec<u8> = (0..*len).map(|k| (k * 31 + i) as u8).collect();
        let p = src.join(format!("f{i}"));
        fs::write(&p, &bytes).unwrap();
        paths.push(p);
        contents.push(bytes);
    }
    paths.push(paths[2].clone());
    let mut ids = Vec::new();
    v.import_many(
        &paths,
        &ImportOptions::default(),
        &crate::progress::Silent,
        &mut |_, r| ids.push(r.unwrap().item().id.clone()),
    )
    .unwrap();
    assert_eq!(ids.len(), sizes.len() + 1);
    assert_eq!(
        ids[2],
        ids[sizes.len()],
        "the duplicate names the first copy"
    );
    assert_eq!(v.items(false).unwrap().len(), sizes.len());
    for (id, bytes) in ids.iter().zip(&contents) {
        let item = v.item(id).unwrap();
        let mut out = Vec::new();
        v.stream_item(&item, &mut out, &crate::progress::Silent, |e| {
            Error::io("sink", "memory")(e)
        })
        .unwrap();
        assert_eq!(&out, bytes, "{}", item.name);
    }
}

/// An item recorded whose extraction never ran (the process died between the two) gets its
/// search entry at the next open, even when a snapshot already covered it (so no replay
/// re-indexes it): new items are indexed with their extraction.
#[test]
fn an_item_whose_extraction_never_ran_is_searchable_after_the_next_open() {
    let dir = scratch("unindexed");
    let mut v = new_vault(&dir);
    let item = import_bytes(&mut v, &dir, "протокол допроса.pdf", b"%PDF-1.7 not really");
    v.commit(|cat, _| {
        cat.db.execute(
            "UPDATE extractions SET status = 'pending' WHERE item_id = ?1",
            [&item.id],
        )?;
        crate::search::unindex(&cat.db, "item", &item.id)?;
        Ok(())
    })
    .unwrap();
    v.catalog.save_snapshot(&v.layout, &v.recipient).unwrap();
    drop(v);
    let mut v = reopen(&dir);
    let hits = v
        .search(&crate::search::Query {
            text: "протокол".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(hits.iter().any(|h| h.id == item.id), "{hits:?}");
}

/// A person linked to a case on another device reaches this device as a `case_people` row:
/// the entries of the case's items are written again, so they name that person.
#[test]
fn a_case_people_row_from_another_device_renames_the_case_items_entries() {
    let dir = scratch("reindex-linked");
    let mut v = new_vault(&dir);
    let item = import_bytes(&mut v, &dir, "decision.txt", b"x");
    let case = v
        .add_case(&crate::register::NewCase {
            title: "Test v. State".into(),
            ..Default::default()
        })
        .unwrap();
    v.link(&crate::register::Link::CaseItem {
        case: case.id.clone(),
        item: item.id.clone(),
    })
    .unwrap();
    // As a replay applies it: rows written, no search entry touched yet.
    v.catalog
        .db
        .execute_batch(&format!(
            "INSERT INTO people (id, name, created_at) VALUES ('p1', 'Жұмабаева Әлия', '');
             INSERT INTO case_people (case_id, person_id, role) VALUES ('{}', 'p1', 'source');",
            case.id
        ))
        .unwrap();
    let entry = |v: &Vault| -> String {
        v.catalog
            .db
            .query_row(
                "SELECT s.text FROM search s JOIN search_keys k ON k.rowid = s.rowid
                 WHERE k.kind = 'item' AND k.id = ?1",
                [&item.id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(!entry(&v).contains("Жұмабаева"));
    let key = serde_json::json!([case.id, "p1", "source"]).to_string();
    super::journal::reindex_touched(&v.catalog.db, &vec![("case_people".into(), key)]).unwrap();
    assert!(
        entry(&v).contains("Person: Жұмабаева Әлия"),
        "{}",
        entry(&v)
    );
}

#[test]
fn a_notice_raised_twice_in_one_opening_is_said_once() {
    let dir = scratch("raised-twice");
    let mut v = new_vault(&dir);
    v.take_warnings();
    let said = || {
        crate::Notice::new(
            crate::NoticeKey::DeviceRecordUnsaved,
            &[&"/state", &"read-only file system"],
            "this device's record of the vault could not be saved in /state".into(),
        )
    };
    v.raise(said());
    v.raise(said());
    assert_eq!(v.notices().len(), 1, "{:?}", v.notices());
    assert_eq!(v.take_warnings().len(), 1);
}
