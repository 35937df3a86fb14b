//! Importing many files at once: in batches, each made durable as a whole. A batch's blobs
//! are written to `tmp/`, made durable together (one `syncfs`), named by one journal segment,
//! placed, made durable again, and only then acknowledged; their extraction is then recorded
//! in one more segment. Per file that is a few writes instead of seven fsyncs (a folder of
//! small files: a phone dump, a scanned archive). A crash mid-batch leaves what a crash
//! mid-import leaves: the batch is either recorded (and its blobs are completed at the next
//! open) or not (and its files in `tmp/` are swept).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::items::Item;
use crate::progress::Progress;
use crate::storage::durable;

use super::import::{ImportOptions, Imported, open_source, record_new_item};
use super::{Vault, absolute};

/// A batch ends at this many files or bytes: a crash costs at most one batch's work, and
/// nothing is acknowledged later than this much work after it was read.
const BATCH_FILES: usize = 128;
const BATCH_BYTES: u64 = 64 << 20;

/// A file written to `tmp/`, not yet recorded.
struct Staged {
    path: PathBuf,
    item: Item,
    tmp: PathBuf,
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
        self.ensure_writable()?;
        // Loaded before the commit, so its consistency check does not count these items.
        self.texts()?;
        let mut next = 0;
        while next < paths.len() {
            let mut staged: Vec<Staged> = Vec::new();
            let mut hashes: HashSet<String> = HashSet::new();
            let mut bytes = 0u64;
            while next < paths.len() && staged.len() < BATCH_FILES && bytes < BATCH_BYTES {
                let path = &paths[next];
                if progress.is_cancelled() {
                    self.discard(&staged);
                    return Err(Error::Cancelled);
                }
                match self.stage(path, options, progress) {
                    Ok(Err(existing)) => done(path, Ok(Imported::Duplicate(existing))),
                    // The same bytes twice in one batch: the second waits for the next batch,
                    // where it is a duplicate of the first.
                    Ok(Ok(s)) if !options.allow_duplicate && hashes.contains(&s.item.sha256) => {
                        let _ = fs::remove_file(&s.tmp);
                        break;
                    }
                    Ok(Ok(s)) => {
                        bytes += s.item.size;
                        hashes.insert(s.item.sha256.clone());
                        staged.push(s);
                    }
                    Err(e) => done(path, Err(e)),
                }
                next += 1;
            }
            if staged.is_empty() {
                continue;
            }
            let items = match self.record_batch(&staged, options) {
                Ok(items) => items,
                Err(e) => {
                    self.discard(&staged);
                    return Err(e);
                }
            };
            for (s, item) in staged.iter().zip(&items) {
                done(&s.path, Ok(Imported::New(item.clone())));
            }
            // The evidence is stored: extraction only adds to it, and its failure is a warning.
            let extractable: Vec<Item> = items
                .into_iter()
                .filter(|i| i.size <= crate::extract::MAX_EXTRACT_BYTES)
                .collect();
            match self.extract_items(&extractable) {
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
        Ok(())
    }

    /// Writes one file into `tmp/` (not yet durable) and checks it; a duplicate is the item
    /// already holding its bytes.
    fn stage(
        &mut self,
        path: &Path,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> Result<std::result::Result<Staged, Item>> {
        let (mut src, len) = open_source(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let mut blob_id = [0u8; 16];
        getrandom::fill(&mut blob_id).expect("the operating system's random source failed");
        let blob = hex::encode(blob_id);
        let tmp = self.layout.tmp_blob(&blob);
        progress.start(&name, len);
        let written = self.write_blob_unsynced(&mut src, path, len, &blob_id, &tmp, progress);
        progress.finish();
        let written = match written {
            Ok(w) => w,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let sha256 = hex::encode(written.sha256);
        if !options.allow_duplicate
            && let Some(existing) = self
                .catalog
                .items_by_sha256(&sha256)?
                .into_iter()
                .find(|i| i.deleted_at.is_none())
        {
            let _ = fs::remove_file(&tmp);
            return Ok(Err(existing));
        }
        let item = Item {
            id: self.new_item_id()?,
            media_type: crate::extract::sniff(&written.head, &name),
            name,
            size: len,
            sha256,
            imported_at: String::new(),
            source: Some(options.source.clone().unwrap_or_else(|| absolute(path))),
            notes: options.notes.clone().unwrap_or_default(),
            deleted_at: None,
            deleted_reason: None,
            purged_at: None,
            blob,
        };
        Ok(Ok(Staged {
            path: path.to_path_buf(),
            item,
            tmp,
        }))
    }

    /// Makes the batch's blobs durable, records the items in one segment, places the blobs
    /// and makes that durable: after this the batch is acknowledged.
    fn record_batch(&mut self, staged: &[Staged], options: &ImportOptions) -> Result<Vec<Item>> {
        let tmp_dir = self.layout.tmp();
        sync_filesystem(&tmp_dir)?;
        let mut items: Vec<Item> = staged.iter().map(|s| s.item.clone()).collect();
        let committed = self.commit(|cat, now| {
            for item in items.iter_mut() {
                item.imported_at = now.to_string();
                record_new_item(cat, item, options, now)?;
            }
            Ok(())
        });
        let ((), segment) = committed?;
        let placed = (|| -> std::io::Result<()> {
            for s in staged {
                let dest = self.layout.blob(&s.item.blob);
                durable::ensure_dir_private(dest.parent().expect("blob paths have a parent"))?;
                fs::hard_link(&s.tmp, &dest)?;
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
                for s in staged {
                    let _ = fs::remove_file(self.layout.blob(&s.item.blob));
                }
            }
            return Err(self.reload_after(e));
        }
        for s in staged {
            let _ = fs::remove_file(&s.tmp); // a leftover is swept at the next open
        }
        Ok(items)
    }

    /// Removes a batch's files from `tmp/` (never recorded).
    fn discard(&self, staged: &[Staged]) {
        for s in staged {
            let _ = fs::remove_file(&s.tmp);
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
