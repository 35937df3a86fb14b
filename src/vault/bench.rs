//! Helpers for the benchmarks only (feature `bench-support`): large catalogs without real
//! imports.

use std::fs;

use serde_json::json;

use crate::custody::{self, Action};
use crate::error::Result;
use crate::items::Item;
use crate::storage::names::random_hex;

use super::Vault;

impl Vault {
    /// Benchmarks only: adds `n` catalog rows shaped like real imports (with custody entries)
    /// in one commit, without blobs, so open and edit can be timed on a large catalog without
    /// minutes of real imports. Such items verify as MISSING.
    #[doc(hidden)]
    pub fn bench_fill(&mut self, n: usize) -> Result<Vec<String>> {
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            ids.push(self.new_item_id()?);
        }
        self.commit(|cat, now| {
            for (i, id) in ids.iter().enumerate() {
                let item = Item {
                    id: id.clone(),
                    name: format!("Решение суда по делу № 2-{i}/2031 (копия, стр. 1-12).pdf"),
                    size: 1_000_000 + i as u64,
                    media_type: "application/pdf".into(),
                    sha256: random_hex(32),
                    imported_at: now.to_string(),
                    source: Some(format!(
                        "/home/lawyer/Documents/Cases/2031/client-{i}/scan-{i}.pdf"
                    )),
                    notes: String::new(),
                    deleted_at: None,
                    deleted_reason: None,
                    purged_at: None,
                    blob: random_hex(16),
                };
                cat.insert_item(&item)?;
                custody::append(
                    &cat.db,
                    now,
                    Action::Import,
                    Some(&item.id),
                    &json!({ "name": item.name, "size": item.size, "sha256": item.sha256,
                             "source": item.source }),
                )?;
            }
            Ok(())
        })?;
        Ok(ids)
    }

    /// Benchmarks only: a register the size issue #4 measures against, on top of the items
    /// `bench_fill` made: `people` people with Cyrillic names and Latin aliases, `events`
    /// dated events over 50 cases, `text_bytes` of extracted Russian-like text spread over the
    /// items, and one case with 500 linked entities. Returns that case's id.
    #[doc(hidden)]
    pub fn bench_fill_register(
        &mut self,
        items: &[String],
        people: usize,
        events: usize,
        text_bytes: usize,
    ) -> Result<String> {
        const SYLLABLES: &[&str] = &[
            "ка", "ла", "ма", "на", "ра", "са", "та", "бе", "ге", "де", "же", "зи", "ки", "ли",
            "мо", "но", "ро", "су", "ту", "хан", "бек", "ов", "ев", "ин", "әл", "қа", "ғы", "ұл",
            "үр", "өм",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let word = |next: &mut dyn FnMut(usize) -> usize| -> String {
            (0..2 + next(3))
                .map(|_| SYLLABLES[next(SYLLABLES.len())])
                .collect()
        };
        let vocabulary: Vec<String> = (0..8000).map(|_| word(&mut next)).collect();
        let case_ids: Vec<String> = (0..50).map(|_| random_hex(8)).collect();
        let person_ids: Vec<String> = (0..people).map(|_| random_hex(8)).collect();
        let event_ids: Vec<String> = (0..events).map(|_| random_hex(8)).collect();
        let big = case_ids[0].clone();
        self.commit(|cat, now| {
            let db = &cat.db;
            for (i, c) in case_ids.iter().enumerate() {
                db.execute(
                    "INSERT INTO cases (id, title, court, status, notes, created_at) VALUES (?1, ?2, 'Суд', '', '', ?3)",
                    rusqlite::params![c, format!("Дело {i}: {}", vocabulary[i]), now],
                )?;
                db.execute("INSERT INTO case_numbers (case_id, number, authority) VALUES (?1, ?2, 'Суд')", rusqlite::params![c, format!("№ 2-{i}/2031")])?;
                crate::search::index_case(db, c)?;
            }
            for (i, p) in person_ids.iter().enumerate() {
                let name = format!("{} {}", vocabulary[next(vocabulary.len())], vocabulary[next(vocabulary.len())]);
                db.execute("INSERT INTO people (id, name, nationality, notes, created_at) VALUES (?1, ?2, 'KZ', '', ?3)", rusqlite::params![p, name, now])?;
                db.execute("INSERT INTO aliases (person_id, alias) VALUES (?1, ?2)", rusqlite::params![p, crate::register::names::fold(&name)])?;
                db.execute("INSERT OR IGNORE INTO case_people (case_id, person_id, role) VALUES (?1, ?2, 'witness')", rusqlite::params![case_ids[if i < 150 { 0 } else { i % 50 }], p])?;
                crate::search::index_person(db, p)?;
            }
            for (i, e) in event_ids.iter().enumerate() {
                let case = &case_ids[if i < 150 { 0 } else { i % 50 }];
                let date = format!("20{:02}-{:02}-{:02}", 10 + i % 20, 1 + i % 12, 1 + i % 28);
                let key = crate::register::FuzzyDate::parse(&date)?.sort_key();
                db.execute(
                    "INSERT INTO events (id, case_id, title, date, date_key, place, description, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'Алматы', '', ?6)",
                    rusqlite::params![e, case, format!("Событие {}", vocabulary[next(vocabulary.len())]), date, key, now],
                )?;
                db.execute("INSERT INTO event_items (event_id, item_id) VALUES (?1, ?2)", rusqlite::params![e, items[i % items.len()]])?;
                crate::search::index_event(db, e)?;
            }
            for item in items.iter().take(200) {
                db.execute("INSERT INTO case_items (case_id, item_id) VALUES (?1, ?2)", rusqlite::params![big, item])?;
            }
            // Each item's search entry names its cases and their people (issue #15), as the
            // links made through the register would.
            crate::search::reindex_items(db, items)?;
            Ok(())
        })?;
        let per_item = text_bytes / items.len().max(1);
        for item in items {
            let mut text = String::with_capacity(per_item + 32);
            while text.len() < per_item {
                text.push_str(&vocabulary[next(vocabulary.len())]);
                text.push(' ');
            }
            crate::textindex::put(&self.texts()?.db, item, &text)?;
        }
        self.texts_dirty = true;
        Ok(big)
    }

    /// Benchmarks only: the sizes of the largest snapshot and of this device's text index.
    #[doc(hidden)]
    pub fn bench_file_sizes(&self) -> (u64, u64) {
        let largest = |dir: &std::path::Path| {
            fs::read_dir(dir)
                .map(|d| {
                    d.flatten()
                        .filter_map(|e| e.metadata().ok())
                        .filter(|m| m.is_file())
                        .map(|m| m.len())
                        .max()
                        .unwrap_or(0)
                })
                .unwrap_or(0)
        };
        let snapshots = fs::read_dir(self.layout.snapshots())
            .map(|d| d.flatten().map(|e| largest(&e.path())).max().unwrap_or(0))
            .unwrap_or(0);
        (snapshots, largest(&self.layout.texts()))
    }

    /// Benchmarks only: what one change cost in format 1 — the whole catalog written as a new
    /// generation (serialize, encrypt, fsync, link, fsync) — on this vault's state. Returns the
    /// file's size; the file lands in `catalog/` (a kept format-1 generation).
    #[doc(hidden)]
    pub fn bench_whole_catalog_save(&mut self) -> Result<u64> {
        let now = self.now().unix_timestamp();
        let path = self.catalog.save(&self.layout, &self.recipient, now)?;
        Ok(fs::metadata(&path).map(|m| m.len()).unwrap_or(0))
    }

    /// Benchmarks only: the size of this device's newest journal segment file.
    #[doc(hidden)]
    pub fn bench_newest_segment_size(&self) -> u64 {
        let Some(log) = self.catalog.log() else {
            return 0;
        };
        let device = log.device();
        let seq = log.heads().get(&device).map_or(0, |h| h.seq);
        let journal = crate::storage::journal::Journal::new(&self.layout.root);
        fs::metadata(journal.path(device, seq)).map_or(0, |m| m.len())
    }
}
