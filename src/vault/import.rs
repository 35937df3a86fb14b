//! Importing evidence: from a file, a reader (a received bundle) or an e-mail's attachments,
//! all through one path that streams into a blob, commits the item and then places the blob.

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::items::Item;
use crate::progress::Progress;
use crate::storage::names::random_hex;

use super::batch::Source;
use super::extraction::{record_extraction, record_pending};
use super::{Vault, absolute};

/// Options for [`Vault::import`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Where the evidence came from; defaults to the path it was imported from.
    pub source: Option<String>,
    pub notes: Option<String>,
    /// Store a second copy even when the same bytes are already in the vault.
    pub allow_duplicate: bool,
    /// Refuse (and store nothing) unless the bytes hash to this SHA-256: a received item
    /// must be what its sender listed.
    pub expect_sha256: Option<String>,
    /// Merged into the `import` custody entry (a received item's origin and sender custody).
    pub custody_extra: Option<serde_json::Value>,
}

/// The result of importing one file.
#[derive(Debug, Clone)]
pub enum Imported {
    /// Stored as a new item.
    New(Item),
    /// The same bytes (same SHA-256) are already in the vault as this item; nothing was stored.
    Duplicate(Item),
}

impl Imported {
    pub fn item(&self) -> &Item {
        match self {
            Imported::New(i) | Imported::Duplicate(i) => i,
        }
    }
}

impl Vault {
    /// Imports one file as evidence, bit-exact. On success the item is durable; on any error
    /// nothing of it remains and every earlier item is untouched.
    pub fn import(
        &mut self,
        path: &Path,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> Result<Imported> {
        if let Some(notice) = &self.read_only {
            return Err(Error::ReadOnly(notice.clone()));
        }
        let (mut src, len) = open_source(path)?;
        let name = item_name(path);
        let source = options.source.clone().unwrap_or_else(|| absolute(path));
        self.import_stream(&name, len, &mut src, path, source, options, progress)
    }

    /// Imports `len` bytes from a reader (a received bundle's entry) as an item named `name`.
    pub(crate) fn import_reader(
        &mut self,
        name: &str,
        len: u64,
        src: &mut (dyn std::io::Read + Send),
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> Result<Imported> {
        let source = options.source.clone().unwrap_or_else(|| name.to_string());
        self.import_stream(name, len, src, Path::new(name), source, options, progress)
    }

    /// Imports the attachments of an e-mail item as items of their own, each related to the
    /// e-mail (`attachment`). Returns each attachment's name and outcome, in the order they
    /// appear in the message: one that cannot be stored is reported and the rest go on.
    pub fn import_attachments(
        &mut self,
        email: &str,
        progress: &dyn Progress,
    ) -> Result<Vec<(String, Result<Imported>)>> {
        let email = self.catalog.item(email)?;
        let bytes = self.read_item(&email)?;
        let attachments = self.parser.attachments(&bytes).map_err(|e| {
            Error::Invalid(format!(
                "{}: the attachments could not be read: {e}",
                email.name
            ))
        })?;
        // One batch import: the attachments' small files share packs, and a batch's items,
        // their relation to the e-mail and what the parser found are one journal segment
        // (not two segments and one file per attachment).
        let source = format!("attachment of item {} ({})", email.id, email.name);
        let options = ImportOptions {
            source: Some(source),
            ..Default::default()
        };
        // Each attachment's outcome is found by its label, so labels are made unique (two
        // attachments may share a name, and outcomes arrive out of order: a duplicate as soon
        // as it is seen, a new item when its batch is durable).
        let mut at: HashMap<PathBuf, usize> = HashMap::new();
        let mut names = Vec::with_capacity(attachments.len());
        let mut sources = Vec::with_capacity(attachments.len());
        for (i, (name, data)) in attachments.into_iter().enumerate() {
            let mut label = PathBuf::from(format!("{} › {name}", email.name));
            for n in 2.. {
                if !at.contains_key(&label) {
                    break;
                }
                label = PathBuf::from(format!("{} › {name} ({n})", email.name));
            }
            at.insert(label.clone(), i);
            names.push(name.clone());
            sources.push(Source::Bytes { name, label, data });
        }
        let mut out: Vec<Option<Result<Imported>>> = names.iter().map(|_| None).collect();
        self.import_sources(
            sources,
            &options,
            Some((&email.id, "attachment")),
            progress,
            &mut |label, result| {
                if let Some(&i) = at.get(label) {
                    out[i] = Some(result);
                }
            },
        )?;
        // Already in the vault on their own: still record where else they came from.
        let duplicates: Vec<String> = out
            .iter()
            .flatten()
            .filter_map(|r| match r {
                Ok(Imported::Duplicate(existing)) => Some(existing.id.clone()),
                _ => None,
            })
            .collect();
        self.relate_all(&email.id, &duplicates, "attachment")?;
        Ok(names
            .into_iter()
            .zip(out)
            .map(|(name, r)| {
                // Every source is reported unless the import stopped, which returned above.
                let r = r.unwrap_or_else(|| Err(Error::Invalid("it was not imported".into())));
                (name, r)
            })
            .collect())
    }

    /// Relates each of `children` to `parent`, in one change; a relation that is new gets a
    /// custody entry.
    fn relate_all(&mut self, parent: &str, children: &[String], relation: &str) -> Result<()> {
        if children.is_empty() {
            return Ok(());
        }
        self.commit(|cat, now| {
            for child in children {
                let added = cat.db.prepare_cached(
                    "INSERT OR IGNORE INTO item_relations (parent_id, child_id, relation) VALUES (?1, ?2, ?3)")?.execute(rusqlite::params![parent, child, relation],
                )?;
                if added > 0 {
                    custody::append(&cat.db, now, Action::Link, Some(child), &json!({ "link": relation, "parent_id": parent }))?;
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    /// The one import path: stream into a blob, extract metadata from the blob just written,
    /// commit the item with its metadata, publish the blob.
    #[allow(clippy::too_many_arguments)]
    fn import_stream(
        &mut self,
        name: &str,
        len: u64,
        src: &mut (dyn std::io::Read + Send),
        path: &Path,
        source: String,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> Result<Imported> {
        if let Some(notice) = &self.read_only {
            return Err(Error::ReadOnly(notice.clone()));
        }
        // Loaded before the commit, so its consistency check does not count this item.
        self.texts()?;
        let mut blob_id = [0u8; 16];
        getrandom::fill(&mut blob_id).expect("the operating system's random source failed");
        let blob = hex::encode(blob_id);
        let tmp = self.layout.tmp_blob(&blob);
        progress.start(name, len);
        let written = match self.write_blob(src, path, len, &blob_id, &tmp, progress) {
            Ok(w) => w,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let sha256 = hex::encode(written.sha256);
        if let Some(expected) = &options.expect_sha256
            && *expected != sha256
        {
            let _ = fs::remove_file(&tmp);
            progress.finish();
            return Err(Error::Integrity {
                id: "-".into(),
                name: name.into(),
                problem: format!("its SHA-256 is {sha256}, the sender listed {expected}"),
            });
        }

        if !options.allow_duplicate
            && let Some(existing) = self
                .catalog
                .items_by_sha256(&sha256)?
                .into_iter()
                .find(|i| i.deleted_at.is_none())
        {
            let _ = fs::remove_file(&tmp);
            progress.finish();
            return Ok(Imported::Duplicate(existing));
        }

        // The evidence is committed first, its extraction marked pending: a parser that takes
        // the whole process down (stack overflow, out of memory) must not cost the evidence.
        // A pending extraction found at the next open is recorded as failed.
        let too_big = len > crate::extract::MAX_EXTRACT_BYTES;
        let mut item = Item {
            id: self.new_item_id()?,
            name: name.to_string(),
            size: len,
            media_type: crate::extract::sniff(&written.head, name),
            sha256,
            imported_at: String::new(),
            source: Some(source),
            notes: options.notes.clone().unwrap_or_default(),
            deleted_at: None,
            deleted_reason: None,
            purged_at: None,
            blob: blob.clone(),
        };
        let committed = self.commit(|cat, now| {
            item.imported_at = now.to_string();
            record_new_items(cat, [&item], options, now, &|_| false)
        });
        let ((), generation_file) = match committed {
            Ok(c) => c,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        if let Err(e) = self.place_blob(&tmp, &blob) {
            // Withdraw the segment that names the blob, so the import leaves no trace.
            // If even that fails, the blob stays in tmp/ and the next open completes it.
            let withdrawn = generation_file
                .as_deref()
                .is_some_and(|p| crate::storage::journal::withdraw(p).is_ok());
            if withdrawn {
                let _ = fs::remove_file(self.layout.blob(&blob));
                let _ = fs::remove_file(&tmp);
            }
            return Err(self.reload_after(e));
        }
        progress.finish();
        // The item is stored. Extraction can only add to it now; its failure is a warning.
        if !too_big && let Err(e) = self.extract_item(&item) {
            self.warnings.push(format!(
                "{}: metadata extraction did not complete: {e}",
                item.name
            ));
        }
        self.ensure_searchable(std::slice::from_ref(&item));
        Ok(Imported::New(self.catalog.item(&item.id)?))
    }

    pub(super) fn new_item_id(&self) -> Result<String> {
        loop {
            let id = random_hex(8);
            if !self.catalog.id_exists(&id)? {
                return Ok(id);
            }
        }
    }
}

/// Relates a new item to the item it came from (an e-mail's attachment), in the change that
/// records it: its `import` custody entry names its source.
pub(super) fn relate_new(
    db: &rusqlite::Connection,
    parent: &str,
    child: &str,
    relation: &str,
) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO item_relations (parent_id, child_id, relation) VALUES (?1, ?2, ?3)",
    )?
    .execute(rusqlite::params![parent, child, relation])?;
    Ok(())
}

/// Records new items in a change: their rows, their extractions marked pending (or skipped
/// when too large to parse; or neither when `parsed` says the same change records them),
/// their `import` custody entries and their search entries. `imported_at` is set.
pub(super) fn record_new_items<'a>(
    cat: &crate::catalog::Catalog,
    items: impl IntoIterator<Item = &'a Item> + Clone,
    options: &ImportOptions,
    now: &str,
    parsed: &dyn Fn(&str) -> bool,
) -> Result<()> {
    for item in items.clone() {
        record_new_item(cat, item, options, now, parsed(&item.id))?;
    }
    // An item that will be parsed gets its search entry with what the parser finds (one
    // full-text write instead of a write and a rewrite; see `Vault::ensure_searchable` for
    // when parsing does not happen). The others' go last: the full-text index flushes what it
    // holds at every statement that opens a savepoint (the capture triggers do).
    for item in items {
        if item.size > crate::extract::MAX_EXTRACT_BYTES {
            crate::search::index_item(&cat.db, &item.id)?;
        }
    }
    Ok(())
}

fn record_new_item(
    cat: &crate::catalog::Catalog,
    item: &Item,
    options: &ImportOptions,
    now: &str,
    parsed: bool,
) -> Result<()> {
    cat.insert_item(item)?;
    if item.size > crate::extract::MAX_EXTRACT_BYTES {
        let skipped = crate::extract::Extraction {
            media_type: item.media_type.clone(),
            error: Some(format!(
                "not parsed: larger than {} MiB",
                crate::extract::MAX_EXTRACT_BYTES >> 20
            )),
            ..Default::default()
        };
        record_extraction(&cat.db, &item.id, &skipped, None, None, now)?;
    } else if !parsed {
        record_pending(&cat.db, &item.id, now)?;
    }
    custody::append(
        &cat.db,
        now,
        Action::Import,
        Some(&item.id),
        &import_detail(item, options.custody_extra.as_ref()),
    )?;
    Ok(())
}

/// The name an item imported from `path` gets: its file name.
pub(super) fn item_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Opens a file to read as evidence: errors name the path, and only regular files qualify.
pub(super) fn open_source(path: &Path) -> Result<(File, u64)> {
    let source_err = |cause| Error::Source {
        path: path.to_path_buf(),
        cause,
    };
    let file = File::open(path).map_err(source_err)?;
    let meta = file.metadata().map_err(source_err)?;
    if meta.is_dir() {
        return Err(Error::NotAFile {
            path: path.into(),
            kind: "a folder",
        });
    }
    if !meta.is_file() {
        return Err(Error::NotAFile {
            path: path.into(),
            kind: "a device, pipe or socket",
        });
    }
    Ok((file, meta.len()))
}

/// SHA-256 of a file outside the vault, streamed.
pub fn hash_file(path: &Path, progress: &dyn Progress) -> Result<String> {
    let (mut f, len) = open_source(path)?;
    let source_err = |cause| Error::Source {
        path: path.to_path_buf(),
        cause,
    };
    progress.start(&path.display().to_string(), len);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        let n = std::io::Read::read(&mut f, &mut buf).map_err(source_err)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        done += n as u64;
        progress.position(done);
    }
    progress.finish();
    Ok(hex::encode(h.finalize()))
}

/// The `import` custody entry: name, size, hash and source, plus whatever the caller adds.
fn import_detail(item: &Item, extra: Option<&serde_json::Value>) -> serde_json::Value {
    let mut detail = json!({ "name": item.name, "size": item.size, "sha256": item.sha256,
                             "source": item.source });
    if let (Some(map), Some(serde_json::Value::Object(more))) = (detail.as_object_mut(), extra) {
        map.extend(more.clone());
    }
    detail
}
