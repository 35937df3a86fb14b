//! Extraction after import (metadata, text, image renditions), the record of what it found,
//! `reindex`, and the text index: loaded on first use, checked against the catalog, saved by
//! [`Vault::flush`].

use std::collections::HashSet;
use std::fs;
use std::path::PathBuf;

use serde_json::json;

use crate::catalog::Catalog;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::items::Item;
use crate::keys::VaultKey;
use crate::notice::{Notice, NoticeKey};
use crate::progress::Progress;
use crate::storage::durable;
use crate::storage::layout::Layout;
use crate::storage::names::is_hex_name;

use super::Vault;

/// What extraction recorded for an item.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExtractionRecord {
    /// `done` or `failed`.
    pub status: String,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub error: Option<String>,
    pub text_bytes: u64,
    pub extracted_at: String,
}

impl Vault {
    /// Loads the text index now rather than at the first search (about a second for 200 MiB
    /// of text): a front end calls it once the vault is open, so typing in a search box
    /// answers at once.
    pub fn load_text_index(&mut self) -> Result<()> {
        self.texts().map(|_| ())
    }

    /// The text index, loaded (and checked against the catalog) on first use.
    pub(crate) fn texts(&mut self) -> Result<&mut Catalog> {
        self.load_texts(true)
    }

    /// Loads the text index; with `check`, warns about items whose text it lacks (not wanted
    /// by `reindex`, which is about to fix exactly that).
    fn load_texts(&mut self, check: bool) -> Result<&mut Catalog> {
        if self.texts.is_none() {
            let (texts, warnings) = open_texts(&self.layout, &self.key, Vec::new());
            self.warnings.extend(warnings);
            if !check {
                self.texts = Some(texts);
                return Ok(self.texts.as_mut().expect("just loaded"));
            }
            let never: i64 = self
                .catalog
                .db
                .prepare_cached(
                    "SELECT count(*) FROM items i WHERE i.purged_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM extractions e WHERE e.item_id = i.id)",
                )?
                .query_row([], |r| r.get(0))?;
            if never > 0 {
                self.warnings.push(format!(
                    "{never} item(s) were imported by an older version and never had their metadata and text extracted; run `dossier reindex`"
                ));
            }
            let mut missing = missing_text(&self.catalog, &texts)?;
            // Items another device imported: their text is in that device's text index (its
            // files sync with the vault), OCR included. Copied, not extracted again.
            if !missing.is_empty() {
                let (changed, warnings) = copy_texts(&self.layout, &self.key, &texts, &mut missing);
                self.warnings.extend(warnings);
                self.texts_dirty |= changed;
            }
            if !missing.is_empty() {
                self.warnings.push(format!(
                    "the extracted text of {} item(s) is not in the search index; run `dossier reindex`",
                    missing.len()
                ));
            }
            self.texts = Some(texts);
        }
        Ok(self.texts.as_mut().expect("loaded above"))
    }

    /// Saves the text index if it changed. Call after a batch of imports (the CLI does after
    /// every command). If it is not called, nothing is lost: the next open notices the missing
    /// text and `reindex` rebuilds it from the evidence.
    pub fn flush(&mut self) -> Result<()> {
        if self.state_dirty {
            self.save_device_state();
        }
        self.snapshot_if_due();
        if !self.texts_dirty || self.read_only.is_some() {
            return Ok(());
        }
        let now = self.now().unix_timestamp();
        let _ = durable::ensure_dir_private(&self.layout.root.join("texts"));
        durable::ensure_dir_private(&self.layout.texts()).map_err(Error::io(
            "cannot create the text index folder",
            &self.layout.root,
        ))?;
        if let Some(texts) = self.texts.as_mut() {
            texts.save(&self.layout, &self.recipient, now)?;
        }
        self.texts_dirty = false;
        Ok(())
    }

    /// Extracts metadata and text again from every item's bytes (after an upgrade, or to
    /// rebuild a lost text index). Returns how many items were processed.
    pub fn reindex(&mut self, progress: &dyn Progress) -> Result<usize> {
        self.load_texts(false)?;
        let items: Vec<Item> = self
            .catalog
            .items(true)?
            .into_iter()
            .filter(|i| i.purged_at.is_none())
            .collect();
        let mut done = 0;
        // One item at a time: memory is one item's, whatever the vault's size.
        for item in items
            .iter()
            .filter(|i| i.size <= crate::extract::MAX_EXTRACT_BYTES)
        {
            if progress.is_cancelled() {
                self.flush()?;
                return Err(Error::Cancelled);
            }
            progress.start(&item.name, item.size);
            if let Err(e) = self.extract_item(item) {
                self.warnings
                    .push(format!("{} ({}): {e}", item.id, item.name));
            }
            progress.finish();
            done += 1;
        }
        self.commit(|cat, now| {
            custody::append(
                &cat.db,
                now,
                Action::Edit,
                None,
                &json!({ "reindex": done }),
            )
        })?;
        self.flush()?;
        Ok(done)
    }

    /// What extraction found for an item: status, metadata, error.
    pub fn extraction(&self, id: &str) -> Result<Option<ExtractionRecord>> {
        let item = self.catalog.item(id)?;
        let row = self.catalog.db.prepare_cached(
            "SELECT status, metadata, error, text_bytes, extracted_at FROM extractions WHERE item_id = ?1")?.query_row([&item.id],
            |r| {
                let metadata: String = r.get(1)?;
                Ok(ExtractionRecord {
                    status: r.get(0)?,
                    metadata: serde_json::from_str(&metadata).unwrap_or_default(),
                    error: r.get(2)?,
                    text_bytes: r.get::<_, i64>(3)? as u64,
                    extracted_at: r.get(4)?,
                })
            },
        );
        match row {
            Ok(r) => Ok(Some(r)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The extracted text of an item, if extraction found any.
    /// The text extracted from an item at import (documents, e-mails), if any.
    pub fn item_text(&mut self, id: &str) -> Result<Option<String>> {
        let texts = self.texts()?;
        crate::textindex::get(&texts.db, id)
    }

    /// Extracts metadata, text and image renditions from a stored item and records them. Reads
    /// the blob back (authenticated, hash-checked). Renditions the item already has are kept.
    pub(super) fn extract_item(&mut self, item: &Item) -> Result<()> {
        let mut problems = self.extract_items(std::slice::from_ref(item), &mut |_| None)?;
        match problems.pop() {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }

    /// [`Vault::extract_item`] for several items, recorded in one change (one journal
    /// segment): what a batch import needs. An item whose bytes cannot be read back is left
    /// pending (and reported in the result); the others are recorded.
    /// `held` gives the bytes of an item still in memory from its import (then they are not
    /// decrypted again).
    pub(super) fn extract_items(
        &mut self,
        items: &[Item],
        held: &mut dyn FnMut(&Item) -> Option<Vec<u8>>,
    ) -> Result<Vec<(String, Error)>> {
        let parsed = self.parse_items(items, held)?;
        if parsed.found.is_empty() {
            return Ok(parsed.problems);
        }
        if let Err(e) = self.commit(|cat, now| record_parsed(&cat.db, &parsed, now)) {
            self.discard_parsed(&parsed);
            return Err(e);
        }
        self.finish_parsed(parsed)
    }

    /// Parses items (in the worker) and writes their renditions to `tmp/`: nothing is
    /// recorded yet. The caller records them in a change ([`record_parsed`]) and then calls
    /// [`Vault::finish_parsed`], or [`Vault::discard_parsed`] if the change failed.
    pub(super) fn parse_items(
        &mut self,
        items: &[Item],
        held: &mut dyn FnMut(&Item) -> Option<Vec<u8>>,
    ) -> Result<Parsed> {
        self.texts()?;
        let mut parsed = Parsed::default();
        for item in items {
            let bytes = match held(item).map_or_else(|| self.read_item(item), Ok) {
                Ok(b) => b,
                Err(e) => {
                    parsed.problems.push((item.id.clone(), e));
                    continue;
                }
            };
            let mut extraction = self.parser.extract(&bytes, &item.name);
            drop(bytes);
            let has: (Option<String>, Option<String>) = self.catalog.renditions(&item.id);
            if has.0.is_some() {
                extraction.thumbnail = None;
            }
            if has.1.is_some() {
                extraction.preview = None;
            }
            // Renditions show the evidence, so they are stored like it: encrypted, padded
            // blobs with random names, written to tmp/ and named by the commit before they
            // are placed.
            let mut derived: Vec<(&'static str, String)> = Vec::new();
            for (kind, rendition) in [
                ("thumbnail", &extraction.thumbnail),
                ("preview", &extraction.preview),
            ] {
                let Some(r) = rendition else { continue };
                let mut id = [0u8; 16];
                getrandom::fill(&mut id).expect("the operating system's random source failed");
                let name_on_disk = hex::encode(id);
                let derived_tmp = self.layout.tmp_blob(&name_on_disk);
                let label = PathBuf::from(format!("{kind} of {}", item.name));
                let written = self.write_blob(
                    &mut r.jpeg.as_slice(),
                    &label,
                    r.jpeg.len() as u64,
                    &id,
                    &derived_tmp,
                    &crate::progress::Silent,
                );
                if let Err(e) = written {
                    let _ = fs::remove_file(&derived_tmp);
                    for (_, b) in &derived {
                        let _ = fs::remove_file(self.layout.tmp_blob(b));
                    }
                    self.discard_parsed(&parsed);
                    return Err(e);
                }
                derived.push((kind, name_on_disk));
            }
            let named = |kind: &str| {
                derived
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map(|(_, b)| b.clone())
            };
            let (thumbnail, preview) = (named("thumbnail"), named("preview"));
            parsed.derived.extend(derived.into_iter().map(|(_, b)| b));
            parsed.found.push(ParsedItem {
                id: item.id.clone(),
                extraction,
                thumbnail,
                preview,
            });
        }
        Ok(parsed)
    }

    /// Removes the renditions of a parse whose change was not recorded.
    pub(super) fn discard_parsed(&self, parsed: &Parsed) {
        for b in &parsed.derived {
            let _ = fs::remove_file(self.layout.tmp_blob(b));
        }
    }

    /// After the change that recorded a parse: its renditions placed, its texts indexed.
    /// Returns the items that could not be read.
    pub(super) fn finish_parsed(&mut self, parsed: Parsed) -> Result<Vec<(String, Error)>> {
        // Named by a published segment: if placing fails, the next open completes it.
        for b in &parsed.derived {
            self.place_blob(&self.layout.tmp_blob(b), b)?;
        }
        // One transaction: FTS5 writes its pending index out at every commit, so without it
        // each item's text cost a flush of its own.
        let texts = &self.texts()?.db;
        let tx = texts.unchecked_transaction()?;
        for p in &parsed.found {
            if let Some(text) = &p.extraction.text {
                crate::textindex::put(texts, &p.id, text)?;
            } else {
                crate::textindex::remove(texts, &p.id)?;
            }
        }
        tx.commit()?;
        self.texts_dirty = true;
        Ok(parsed.problems)
    }

    /// Gives every one of `items` that has no search entry yet its entry, from what the
    /// catalog holds: new items are indexed with their extraction, and this covers those whose
    /// extraction failed or did not run. The search index is derived (never logged), so this
    /// writes no journal segment.
    pub(super) fn ensure_searchable(&mut self, items: &[Item]) {
        for item in items {
            let indexed = self
                .catalog
                .db
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM search_keys WHERE kind = 'item' AND id = ?1)",
                )
                .and_then(|mut s| s.query_row([&item.id], |r| r.get::<_, bool>(0)));
            if indexed.is_ok_and(|indexed| !indexed)
                && let Err(e) = crate::search::index_item(&self.catalog.db, &item.id)
            {
                self.warnings
                    .push(format!("{}: could not be added to search: {e}", item.name));
            }
        }
    }

    /// Records, at open, that extractions a previous process *of this device* started never
    /// finished (the parser may have crashed it). Not retried automatically: `reindex`
    /// retries. A pending extraction of an item another device imported is that device's,
    /// and may simply not have synced yet: marking it failed here made a conflict on every
    /// device when its result arrived (the Syncthing test caught it).
    pub(super) fn fail_unfinished_extractions(&mut self) {
        let device = crate::custody::this_device(&self.catalog.db).unwrap_or_default();
        let mine: Vec<String> = self
            .catalog
            .db
            .prepare(
                "SELECT x.item_id FROM extractions x WHERE x.status = 'pending'
                 AND EXISTS (SELECT 1 FROM custody c WHERE c.item = x.item_id
                             AND c.action IN ('import', 'receive') AND c.device = ?1)",
            )
            .and_then(|mut s| {
                s.query_map([&device], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap_or_default();
        if mine.is_empty() {
            return;
        }
        // Their search entries were to come with their extraction.
        let unfinished: Vec<Item> = mine
            .iter()
            .filter_map(|id| self.catalog.item(id).ok())
            .collect();
        self.ensure_searchable(&unfinished);
        let marked = self.commit(|cat, _| {
            let mut mark = cat.db.prepare_cached(
                "UPDATE extractions SET status = 'failed', error = 'extraction did not finish: the process stopped during it (a parser may have crashed on this file)' WHERE status = 'pending' AND item_id = ?1")?;
            for id in &mine {
                mark.execute([id])?;
            }
            Ok(())
        });
        let pending = mine.len();
        match marked {
            Ok(_) => self.raise(Notice::new(
                NoticeKey::ExtractionUnfinished,
                &[&pending],
                format!("metadata extraction of {pending} item(s) did not finish last time; they are stored, and `dossier reindex` retries"),
            )),
            Err(e) => self.warnings.push(format!("could not record unfinished extractions: {e}")),
        }
    }
}

/// What parsing found for items, their renditions written to `tmp/`, not yet recorded.
#[derive(Default)]
pub(super) struct Parsed {
    pub(super) found: Vec<ParsedItem>,
    /// Blob names of the renditions in `tmp/`.
    derived: Vec<String>,
    /// Items whose bytes could not be read (left pending).
    problems: Vec<(String, Error)>,
}

pub(super) struct ParsedItem {
    pub(super) id: String,
    extraction: crate::extract::Extraction,
    thumbnail: Option<String>,
    preview: Option<String>,
}

/// Records a parse in the current change: each item's extraction, its media type as the
/// parser found it, and then its search entry (which holds both).
pub(super) fn record_parsed(db: &rusqlite::Connection, parsed: &Parsed, now: &str) -> Result<()> {
    for p in &parsed.found {
        record_extraction(
            db,
            &p.id,
            &p.extraction,
            p.thumbnail.as_deref(),
            p.preview.as_deref(),
            now,
        )?;
        db.prepare_cached(
            "UPDATE items SET media_type = ?2 WHERE id = ?1 AND media_type IS NOT ?2",
        )?
        .execute(rusqlite::params![p.id, p.extraction.media_type])?;
    }
    // Written last, together (see `record_new_items`).
    for p in &parsed.found {
        crate::search::index_item(db, &p.id)?;
    }
    Ok(())
}

pub(crate) fn record_extraction(
    db: &rusqlite::Connection,
    id: &str,
    e: &crate::extract::Extraction,
    thumbnail: Option<&str>,
    preview: Option<&str>,
    now: &str,
) -> Result<()> {
    db.prepare_cached("INSERT INTO extractions (item_id, status, metadata, error, text_bytes, extracted_at, thumbnail, preview)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (item_id) DO UPDATE SET status = excluded.status, metadata = excluded.metadata,
             error = excluded.error, text_bytes = excluded.text_bytes,
             extracted_at = excluded.extracted_at, thumbnail = coalesce(excluded.thumbnail, thumbnail),
             preview = coalesce(excluded.preview, preview)")?.execute(rusqlite::params![
            id,
            if e.error.is_some() { "failed" } else { "done" },
            serde_json::Value::Object(e.metadata.clone()).to_string(),
            e.error,
            e.text.as_ref().map_or(0, |t| t.len() as i64),
            now,
            thumbnail,
            preview
        ])?;
    Ok(())
}

/// Marks an item's extraction as started and not finished.
pub(super) fn record_pending(db: &rusqlite::Connection, id: &str, now: &str) -> Result<()> {
    db.prepare_cached("INSERT INTO extractions (item_id, status, metadata, extracted_at) VALUES (?1, 'pending', '{}', ?2)
         ON CONFLICT (item_id) DO UPDATE SET status = 'pending', extracted_at = excluded.extracted_at")?.execute(rusqlite::params![id, now])?;
    Ok(())
}

/// Opens the text index, or starts an empty one. It is derived data: damage is a warning
/// (and `reindex` rebuilds it), never a reason to stop.
fn open_texts(
    layout: &Layout,
    key: &VaultKey,
    mut warnings: Vec<String>,
) -> (Catalog, Vec<String>) {
    let dir = layout.texts();
    let has_files = fs::read_dir(&dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if has_files {
        match Catalog::load_family(layout, &key.identity, &crate::catalog::snapshot::TEXTS) {
            Ok((texts, w)) => {
                warnings.extend(w.into_iter().map(|w| format!("text index: {w}")));
                return (texts, warnings);
            }
            Err(e) => warnings.push(format!(
                "the text index could not be read ({e}); run `dossier reindex`"
            )),
        }
    }
    (
        Catalog::create_texts().expect("an empty in-memory database can always be created"),
        warnings,
    )
}

/// The items with extracted text that the text index lacks.
fn missing_text(catalog: &Catalog, texts: &Catalog) -> Result<HashSet<String>> {
    let indexed = crate::textindex::indexed(&texts.db)?;
    let mut stmt = catalog.db.prepare(
        "SELECT e.item_id FROM extractions e JOIN items i ON i.id = e.item_id
         WHERE e.text_bytes > 0 AND i.purged_at IS NULL",
    )?;
    let with_text: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(with_text
        .into_iter()
        .filter(|id| !indexed.contains(id))
        .collect())
}

/// Copies into `texts` the texts of `missing` items that other devices' text indexes hold,
/// removing each copied one from `missing`. Returns whether `texts` changed, and a warning per
/// text index that could not be read (the items stay missing: `reindex` extracts them).
///
/// A device's text index is read again only when its files changed, or an item is missing
/// that it was not asked for last time (recorded in `texts`: its file names and what it
/// lacked): an item it cannot provide would otherwise cost a decryption of the whole other
/// index at every first search, and an item's record can arrive after the text index that
/// holds its text.
fn copy_texts(
    layout: &Layout,
    key: &VaultKey,
    texts: &Catalog,
    missing: &mut HashSet<String>,
) -> (bool, Vec<String>) {
    let mut warnings = Vec::new();
    let mut changed = false;
    let Some(own) = layout.device.as_deref() else {
        return (changed, warnings);
    };
    let others: Vec<String> = fs::read_dir(layout.root.join("texts"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|d| d != own && is_hex_name(d, 32))
        .collect();
    for device in others {
        if missing.is_empty() {
            break;
        }
        let theirs = Layout {
            root: layout.root.clone(),
            device: Some(device.clone()),
        };
        let mut files: Vec<String> = fs::read_dir(theirs.texts())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let files = files.join(",");
        let record = format!("copied_texts_of:{device}");
        // What this index was last asked for and lacked, with its file names then.
        let lacked = texts.info(&record).ok().flatten().unwrap_or_default();
        if let Some((then, ids)) = lacked.split_once('\n')
            && then == files
        {
            let ids: HashSet<&str> = ids.split(',').collect();
            if missing.iter().all(|id| ids.contains(id.as_str())) {
                continue;
            }
        }
        let other =
            match Catalog::load_family(&theirs, &key.identity, &crate::catalog::snapshot::TEXTS) {
                Ok((other, _)) => other,
                Err(e) => {
                    warnings.push(format!(
                        "the text index of device {} could not be read: {e}",
                        &device[..8]
                    ));
                    continue;
                }
            };
        // One transaction: FTS5 writes its pending index out at every commit.
        let copy = || -> Result<Vec<String>> {
            let tx = texts.db.unchecked_transaction()?;
            let mut found = Vec::new();
            for id in missing.iter() {
                if let Some(text) = crate::textindex::get(&other.db, id)? {
                    crate::textindex::put(&texts.db, id, &text)?;
                    found.push(id.clone());
                }
            }
            let got: HashSet<&String> = found.iter().collect();
            let mut lacking: Vec<&str> = missing
                .iter()
                .filter(|id| !got.contains(id))
                .map(String::as_str)
                .collect();
            lacking.sort();
            texts.set_info(&record, &format!("{files}\n{}", lacking.join(",")))?;
            tx.commit()?;
            Ok(found)
        };
        match copy() {
            Ok(found) => {
                changed = true;
                for id in &found {
                    missing.remove(id);
                }
            }
            Err(e) => warnings.push(format!(
                "the texts of device {}'s items could not be copied: {e}",
                &device[..8]
            )),
        }
    }
    (changed, warnings)
}
