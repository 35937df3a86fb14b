//! Importing many files at once: in batches, each made durable as a whole. A batch's blobs
//! are written to `tmp/`, made durable together (one `syncfs`), named by one journal segment,
//! placed, made durable again, and only then acknowledged. The files read whole (up to 1 MiB)
//! are parsed before, so that segment also records what the parser found (the parser is a
//! process of its own: a hostile file cannot take the import down); larger ones are parsed
//! after, in one more segment. Per file that is a few writes instead of seven fsyncs (a folder of
//! small files: a phone dump, a scanned archive). A crash mid-batch leaves what a crash
//! mid-import leaves: the batch is either recorded (and its blobs are completed at the next
//! open) or not (and its files in `tmp/` are swept).
//!
//! Two threads share the work: a writer reads, hashes and encrypts the next files into `tmp/`
//! (all it needs is the vault's public recipient) while this thread records the previous ones
//! in the catalog and has them parsed.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Condvar, Mutex};

use crate::error::{Error, Result};
use crate::items::Item;
use crate::progress::Progress;
use crate::storage::blob::Written;
use crate::storage::durable;
use crate::storage::layout::Layout;
use crate::storage::names::random_hex;
use crate::storage::pack;

use super::blobs::BlobWriter;
use super::extraction::{Parsed, record_parsed};
use super::import::{ImportOptions, Imported, item_name, open_source, record_new_items};
use super::packs::{PackWritten, record_packs, remove_packs};
use super::{Vault, absolute};

/// A batch ends at this many files or bytes: a crash costs at most one batch's work, and
/// nothing is acknowledged later than this much work after it was read.
const BATCH_FILES: usize = 1024;
const BATCH_BYTES: u64 = 64 << 20;
/// How many bytes of small files (read whole, kept for parsing) may be in memory between the
/// writer and the catalog. Twice a batch, so the writer can fill the next batch while this
/// one is recorded; more than one batch, so a batch never waits for bytes it holds itself.
const HELD_BYTES: u64 = 2 * BATCH_BYTES;

/// The memory budget of [`HELD_BYTES`], shared by the writer (which waits for room) and the
/// catalog (which frees it as each file's bytes are parsed or dropped).
struct Budget {
    used: Mutex<u64>,
    freed: Condvar,
    stop: AtomicBool,
}

impl Budget {
    /// Waits until `n` more bytes fit (or nothing is held); `false` once the import stopped.
    fn reserve(&self, n: u64) -> bool {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && *used + n > HELD_BYTES && !self.stop.load(Ordering::Relaxed) {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += n;
        !self.stop.load(Ordering::Relaxed)
    }

    fn release(&self, n: u64) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(n);
        self.freed.notify_all();
    }

    fn stop(&self) {
        let _used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        self.stop.store(true, Ordering::Relaxed);
        self.freed.notify_all();
    }
}

/// A small file's bytes, counted in the [`Budget`] until they are dropped.
struct Held<'b> {
    data: Vec<u8>,
    counted: u64,
    budget: &'b Budget,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.budget.release(self.counted);
    }
}

/// A file the writer put in `tmp/`, not yet checked against the catalog.
struct Unrecorded<'b> {
    path: PathBuf,
    name: String,
    len: u64,
    blob: String,
    /// Its blob in `tmp/`; `None` for a file small enough to go into the batch's pack.
    tmp: Option<PathBuf>,
    written: Written,
    /// Its bytes, when small enough to have been read whole: extraction parses them
    /// without decrypting the blob again.
    data: Option<Held<'b>>,
}

/// A file written to `tmp/` and given an item, not yet recorded.
struct Staged<'b> {
    path: PathBuf,
    item: Item,
    tmp: Option<PathBuf>,
    data: Option<Held<'b>>,
}

impl Staged<'_> {
    /// Its bytes, if it was read whole (at most [`crate::storage::blob::SMALL`]).
    fn bytes(&self) -> Option<&[u8]> {
        self.data.as_ref().map(|h| &h.data[..])
    }
}

/// What a batch import reads: a file, or bytes already in memory (an e-mail's attachment,
/// which never touches the disk unencrypted).
pub(super) enum Source {
    File(PathBuf),
    Bytes {
        name: String,
        /// How messages and progress name it ("letter.eml › scan.pdf").
        label: PathBuf,
        data: Vec<u8>,
    },
}

impl Source {
    fn label(&self) -> &Path {
        match self {
            Source::File(p) => p,
            Source::Bytes { label, .. } => label,
        }
    }
}

impl Vault {
    /// Imports `paths` in batches; `done` hears of each file (its item, or why it failed) as
    /// soon as its batch is durable. A file that fails is reported and the rest go on;
    /// cancelling or a read-only vault stops the whole run (returned as the error).
    pub fn import_many(
        &mut self,
        paths: &[PathBuf],
        options: &ImportOptions,
        progress: &dyn Progress,
        done: &mut dyn FnMut(&Path, Result<Imported>),
    ) -> Result<()> {
        let sources = paths.iter().cloned().map(Source::File).collect();
        self.import_sources(sources, options, None, progress, done)
    }

    /// [`Vault::import_many`] of files or bytes; each new item is related to `parent` (an
    /// e-mail's id and the relation, `attachment`) in the segment that records it.
    pub(super) fn import_sources(
        &mut self,
        sources: Vec<Source>,
        options: &ImportOptions,
        parent: Option<(&str, &str)>,
        progress: &dyn Progress,
        done: &mut dyn FnMut(&Path, Result<Imported>),
    ) -> Result<()> {
        self.ensure_writable()?;
        // Loaded before the commit, so its consistency check does not count these items.
        self.texts()?;
        let writer = BlobWriter {
            recipient: self.recipient.clone(),
        };
        let layout = self.layout.clone();
        let budget = Budget {
            used: Mutex::new(0),
            freed: Condvar::new(),
            stop: AtomicBool::new(false),
        };
        // The writer may run a whole batch ahead; memory is bounded by the budget.
        let (tx, rx) = sync_channel::<(PathBuf, Result<Unrecorded>)>(BATCH_FILES);
        std::thread::scope(|s| {
            s.spawn(|| {
                for source in sources {
                    if budget.stop.load(Ordering::Relaxed) || progress.is_cancelled() {
                        break;
                    }
                    let label = source.label().to_path_buf();
                    let written = write_one(&writer, &layout, &budget, source, progress);
                    if let Err(std::sync::mpsc::SendError((_, Ok(w)))) = tx.send((label, written)) {
                        remove_tmp(&w.tmp);
                    }
                }
                drop(tx);
            });
            let recorded = self.record_written(&rx, options, parent, progress, done);
            // Whatever the writer had ahead was never recorded.
            budget.stop();
            for (_, w) in rx {
                if let Ok(w) = w {
                    remove_tmp(&w.tmp);
                }
            }
            recorded
        })
    }

    /// The catalog's side of [`Vault::import_many`]: takes written files in batches.
    fn record_written<'b>(
        &mut self,
        rx: &Receiver<(PathBuf, Result<Unrecorded<'b>>)>,
        options: &ImportOptions,
        parent: Option<(&str, &str)>,
        progress: &dyn Progress,
        done: &mut dyn FnMut(&Path, Result<Imported>),
    ) -> Result<()> {
        // The same bytes twice in one batch: the second waits for the next batch, where it is
        // a duplicate of the first.
        let mut carried: Option<Unrecorded<'b>> = None;
        loop {
            let mut staged: Vec<Staged<'b>> = Vec::new();
            let mut hashes: HashSet<String> = HashSet::new();
            let mut bytes = 0u64;
            while staged.len() < BATCH_FILES && bytes < BATCH_BYTES {
                let w = match carried.take() {
                    Some(w) => w,
                    None => match rx.recv() {
                        Ok((_, Ok(w))) => w,
                        Ok((_, Err(Error::Cancelled))) => {
                            self.discard(&staged);
                            return Err(Error::Cancelled);
                        }
                        Ok((path, Err(e))) => {
                            done(&path, Err(e));
                            continue;
                        }
                        // The writer is done: every file was written, or it stopped
                        // because the import was cancelled (then this batch is not
                        // recorded, and the files it never read are not silently left out).
                        Err(_) if progress.is_cancelled() => {
                            self.discard(&staged);
                            return Err(Error::Cancelled);
                        }
                        Err(_) => break,
                    },
                };
                if progress.is_cancelled() {
                    remove_tmp(&w.tmp);
                    self.discard(&staged);
                    return Err(Error::Cancelled);
                }
                let sha256 = hex::encode(w.written.sha256);
                if !options.allow_duplicate && hashes.contains(&sha256) {
                    carried = Some(w);
                    break;
                }
                let path = w.path.clone();
                match self.stage(w, sha256, options) {
                    Ok(Err(existing)) => done(&path, Ok(Imported::Duplicate(existing))),
                    Ok(Ok(s)) => {
                        bytes += s.item.size;
                        hashes.insert(s.item.sha256.clone());
                        staged.push(s);
                    }
                    Err(e) => done(&path, Err(e)),
                }
            }
            if staged.is_empty() {
                if carried.is_none() {
                    return Ok(());
                }
                continue;
            }
            // The files read whole are parsed now, so that one segment records them and what
            // the parser found. The parser runs in a process of its own: a hostile file can
            // kill the worker, not this import.
            // (A copy of each file's bytes for the parser: the pack is written from them after.)
            // Every file read whole is small enough to parse; the others are parsed after.
            let bytes: HashMap<&str, &[u8]> = staged
                .iter()
                .filter_map(|s| Some((s.item.id.as_str(), s.bytes()?)))
                .collect();
            let parseable: Vec<Item> = staged
                .iter()
                .filter(|s| bytes.contains_key(s.item.id.as_str()))
                .map(|s| s.item.clone())
                .collect();
            let parsed = self.parse_items(&parseable, &mut |i| {
                bytes.get(i.id.as_str()).map(|b| b.to_vec())
            });
            drop(bytes);
            let parsed = match parsed {
                Ok(parsed) => parsed,
                Err(e) => {
                    self.discard(&staged);
                    return Err(e);
                }
            };
            let parsed_ids: HashSet<String> = parsed.found.iter().map(|p| p.id.clone()).collect();
            let items = match self.record_batch(&mut staged, options, parent, &parsed, &parsed_ids)
            {
                Ok(items) => items,
                Err(e) => {
                    self.discard_parsed(&parsed);
                    self.discard(&staged);
                    return Err(e);
                }
            };
            for (s, item) in staged.iter().zip(&items) {
                done(&s.path, Ok(Imported::New(item.clone())));
            }
            let finished = self.finish_parsed(parsed);
            self.warn_unfinished_extractions(finished);
            // The evidence is stored: extraction only adds to it, and its failure is a warning.
            let extractable: Vec<Item> = items
                .into_iter()
                .filter(|i| i.size <= crate::extract::MAX_EXTRACT_BYTES)
                .collect();
            let unparsed: Vec<Item> = extractable
                .iter()
                .filter(|i| !parsed_ids.contains(&i.id))
                .cloned()
                .collect();
            let extracted = self.extract_items(&unparsed, &mut |_| None);
            self.warn_unfinished_extractions(extracted);
            self.ensure_searchable(&extractable);
        }
    }

    /// The evidence is stored: extraction only adds to it, so its failure is a warning.
    fn warn_unfinished_extractions(&mut self, extracted: Result<Vec<(String, Error)>>) {
        match extracted {
            Ok(problems) => {
                for (id, e) in problems {
                    self.warnings
                        .push(format!("{id}: metadata extraction did not complete: {e}"));
                }
            }
            Err(e) => self.warnings.push(format!(
                "metadata extraction of a batch did not complete: {e}"
            )),
        }
    }

    /// Gives a written file its item; a duplicate is the item already holding its bytes (and
    /// the written file is removed).
    fn stage<'b>(
        &mut self,
        w: Unrecorded<'b>,
        sha256: String,
        options: &ImportOptions,
    ) -> Result<std::result::Result<Staged<'b>, Item>> {
        let existing = if options.allow_duplicate {
            None
        } else {
            self.catalog
                .items_by_sha256(&sha256)
                .map(|found| found.into_iter().find(|i| i.deleted_at.is_none()))
                .transpose()
        };
        let id = match existing {
            Some(found) => {
                remove_tmp(&w.tmp);
                return found.map(Err);
            }
            None => self.new_item_id(),
        };
        let id = match id {
            Ok(id) => id,
            Err(e) => {
                remove_tmp(&w.tmp);
                return Err(e);
            }
        };
        let Unrecorded {
            path,
            name,
            len,
            blob,
            tmp,
            written,
            data,
        } = w;
        let item = Item {
            id,
            media_type: crate::extract::sniff(&written.head, &name),
            name,
            size: len,
            sha256,
            imported_at: String::new(),
            source: Some(options.source.clone().unwrap_or_else(|| absolute(&path))),
            notes: options.notes.clone().unwrap_or_default(),
            deleted_at: None,
            deleted_reason: None,
            purged_at: None,
            blob,
        };
        Ok(Ok(Staged {
            path,
            item,
            tmp,
            data,
        }))
    }

    /// Makes the batch's blobs durable, records the items (and what the parser found, for
    /// `parsed_ids`) in one segment, places the blobs and makes that durable: after this the
    /// batch is acknowledged. The bytes the staged files held in memory are let go.
    fn record_batch(
        &mut self,
        staged: &mut [Staged],
        options: &ImportOptions,
        parent: Option<(&str, &str)>,
        parsed: &Parsed,
        parsed_ids: &HashSet<String>,
    ) -> Result<Vec<Item>> {
        let tmp_dir = self.layout.tmp();
        let packs = self.write_packs(staged)?;
        let synced = if packs.is_empty() {
            Ok(())
        } else {
            // The tables a pack needs, named in a segment of their own first.
            self.upgrade_schema()
        }
        .and_then(|()| sync_filesystem(&tmp_dir));
        if let Err(e) = synced {
            remove_packs(&packs);
            return Err(e);
        }
        let mut items: Vec<Item> = staged.iter().map(|s| s.item.clone()).collect();
        let committed = self.commit(|cat, now| {
            for item in items.iter_mut() {
                item.imported_at = now.to_string();
            }
            record_new_items(cat, items.iter(), options, now, &|id| {
                parsed_ids.contains(id)
            })?;
            record_packs(&cat.db, &packs)?;
            if let Some((parent, relation)) = parent {
                for item in &items {
                    super::import::relate_new(&cat.db, parent, &item.id, relation)?;
                }
            }
            record_parsed(&cat.db, parsed, now)
        });
        let ((), segment) = match committed {
            Ok(c) => c,
            Err(e) => {
                remove_packs(&packs);
                return Err(e);
            }
        };
        let blob_files = staged
            .iter()
            .filter_map(|s| Some((s.tmp.as_ref()?, s.item.blob.as_str())))
            .chain(packs.iter().map(|p| (&p.tmp, p.id.as_str())));
        let placed = (|| -> std::io::Result<()> {
            for (tmp, blob) in blob_files.clone() {
                let dest = self.layout.blob(blob);
                durable::ensure_dir_private(dest.parent().expect("blob paths have a parent"))?;
                fs::hard_link(tmp, &dest)?;
            }
            Ok(())
        })()
        .map_err(Error::io("cannot store the evidence files", &tmp_dir))
        .and_then(|()| sync_filesystem(&tmp_dir));
        if let Err(e) = placed {
            // Withdraw the segment that names the blobs, so the batch leaves no trace; if even
            // that fails, the blobs stay in tmp/ and the next open completes them.
            let withdrawn = segment
                .as_deref()
                .is_some_and(|p| crate::storage::journal::withdraw(p).is_ok());
            if withdrawn {
                for (_, blob) in blob_files {
                    let _ = fs::remove_file(self.layout.blob(blob));
                }
            }
            return Err(self.reload_after(e));
        }
        remove_packs(&packs); // placed: these are the names in tmp/
        for s in staged.iter_mut() {
            remove_tmp(&s.tmp); // a leftover is swept at the next open
            s.data = None; // parsed and packed: its room in the budget goes back to the writer
        }
        Ok(items)
    }

    /// Removes a batch's files from `tmp/` (never recorded).
    fn discard(&self, staged: &[Staged]) {
        for s in staged {
            remove_tmp(&s.tmp);
        }
    }

    /// Writes the batch's small files (read whole, no blob yet) into packs in `tmp/`, up to
    /// [`pack::PACK_MAX`] each. A lone small file gets a blob of its own instead: a pack of
    /// one would hide nothing and change how it is recovered.
    fn write_packs(&self, staged: &mut [Staged]) -> Result<Vec<PackWritten>> {
        let small: Vec<usize> = (0..staged.len())
            .filter(|&i| staged[i].tmp.is_none())
            .collect();
        let writer = BlobWriter {
            recipient: self.recipient.clone(),
        };
        if let [i] = small[..] {
            let s = &mut staged[i];
            let data = s.bytes().unwrap_or_default();
            let tmp = self.layout.tmp_blob(&s.item.blob);
            let blob = super::blobs::blob_id(&s.item.blob);
            writer.write(
                &mut { data },
                &s.path,
                s.item.size,
                &blob,
                &tmp,
                &crate::progress::Silent,
            )?;
            s.tmp = Some(tmp);
            return Ok(Vec::new());
        }
        let mut packs = Vec::new();
        let sealed = (|| -> Result<()> {
            let mut builder: Option<pack::Builder> = None;
            for i in small {
                let s = &staged[i];
                let b = builder.get_or_insert_with(|| pack::Builder::new(&random_hex(16)));
                b.add(&s.item.blob, s.bytes().unwrap_or_default());
                if b.len() >= pack::PACK_MAX {
                    packs.push(self.seal_pack(builder.take().expect("just used"))?);
                }
            }
            if let Some(b) = builder.filter(|b| !b.is_empty()) {
                packs.push(self.seal_pack(b)?);
            }
            Ok(())
        })();
        if let Err(e) = sealed {
            remove_packs(&packs);
            return Err(e);
        }
        Ok(packs)
    }
}

fn remove_tmp(tmp: &Option<PathBuf>) {
    if let Some(t) = tmp {
        let _ = fs::remove_file(t);
    }
}

/// The writer's side of [`Vault::import_many`]: one file into `tmp/`, not yet durable.
fn write_one<'b>(
    writer: &BlobWriter,
    layout: &Layout,
    budget: &'b Budget,
    source: Source,
    progress: &dyn Progress,
) -> Result<Unrecorded<'b>> {
    let (path, name, mut src, len): (PathBuf, String, Box<dyn std::io::Read + Send>, u64) =
        match source {
            Source::File(path) => {
                let (src, len) = open_source(&path)?;
                let name = item_name(&path);
                (path, name, Box::new(src), len)
            }
            Source::Bytes { name, label, data } => {
                let len = data.len() as u64;
                (label, name, Box::new(std::io::Cursor::new(data)), len)
            }
        };
    let path = path.as_path();
    // A small file is kept in memory until it is parsed: room for it first.
    let counted = if len <= crate::storage::blob::SMALL {
        len
    } else {
        0
    };
    if !budget.reserve(counted) {
        budget.release(counted);
        return Err(Error::Cancelled);
    }
    let mut blob_id = [0u8; 16];
    getrandom::fill(&mut blob_id).expect("the operating system's random source failed");
    let blob = hex::encode(blob_id);
    // A small file is only read here: its bytes go into the batch's pack.
    let tmp = (len > pack::MEMBER_MAX).then(|| layout.tmp_blob(&blob));
    progress.start(&name, len);
    let written = match &tmp {
        Some(tmp) => writer.write(&mut src, path, len, &blob_id, tmp, progress),
        None => writer.read_for_pack(&mut src, path, len),
    };
    progress.finish();
    match written {
        Ok(mut written) => {
            let data = written.data.take();
            if data.is_none() {
                budget.release(counted);
            }
            Ok(Unrecorded {
                path: path.to_path_buf(),
                name,
                len,
                blob,
                tmp,
                written,
                data: data.map(|data| Held {
                    data,
                    counted,
                    budget,
                }),
            })
        }
        Err(e) => {
            budget.release(counted);
            remove_tmp(&tmp);
            Err(e)
        }
    }
}

/// Makes everything written to the file system holding `dir` durable, data and names: one
/// call for a whole batch instead of an fsync per file and folder.
fn sync_filesystem(dir: &Path) -> Result<()> {
    let folder = fs::File::open(dir).map_err(Error::io("cannot sync the vault", dir))?;
    nix::unistd::syncfs(folder)
        .map_err(|e| Error::io("cannot sync the vault", dir)(std::io::Error::from(e)))
}
