//! Reading and changing items: listing, extracting a copy, image renditions, editing metadata,
//! deleting and purging.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::json;

use crate::custody::{self, Action, Entry};
use crate::dating::{self, DocumentDate};
use crate::error::{Error, Result};
use crate::items::Item;
use crate::progress::Progress;
use crate::register::dates::FuzzyDate;
use crate::storage::blob;
use crate::storage::durable;

use super::blobs::blob_id;
use super::{Vault, absolute};

/// Changes to an item's metadata. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ItemEdit {
    pub name: Option<String>,
    pub notes: Option<String>,
    pub source: Option<String>,
    /// The document date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `~` first when approximate); empty
    /// withdraws the stated date, so the one in the file's metadata (if any) is used again.
    pub date: Option<String>,
}

/// Which JPEG rendition of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition {
    /// 320 px on the longest side, for lists.
    Thumbnail,
    /// 1600 px on the longest side, for viewing.
    Preview,
}

impl Rendition {
    fn as_str(self) -> &'static str {
        match self {
            Rendition::Thumbnail => "thumbnail",
            Rendition::Preview => "preview",
        }
    }
}

impl Vault {
    /// The JPEG thumbnail of an image item, decrypted in memory, if it has one.
    pub fn thumbnail(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.rendition(id, Rendition::Thumbnail)
    }

    /// A JPEG rendition (thumbnail or preview) of an image item, decrypted in memory.
    pub fn rendition(&self, id: &str, which: Rendition) -> Result<Option<Vec<u8>>> {
        let item = self.catalog.item(id)?;
        let column = which.as_str();
        let blob: Option<String> = self
            .catalog
            .db
            .query_row(
                &format!("SELECT {column} FROM extractions WHERE item_id = ?1"),
                [&item.id],
                |r| r.get(0),
            )
            .or_else(|e| {
                if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
                    Ok(None)
                } else {
                    Err(e)
                }
            })?;
        let Some(blob) = blob.filter(|_| item.purged_at.is_none()) else {
            return Ok(None);
        };
        let path = self.layout.blob(&blob);
        let file = durable::open_read_noatime(&path)
            .map_err(Error::io("cannot read the image rendition", &path))?;
        let mut bytes = Vec::new();
        blob::read(
            file,
            &blob_id(&blob),
            &self.key.identity,
            &mut bytes,
            &crate::progress::Silent,
        )
        .map_err(|e| Error::Integrity {
            id: item.id.clone(),
            name: item.name.clone(),
            problem: format!("its {column}: {e:?}"),
        })?;
        Ok(Some(bytes))
    }

    /// Writes an image item's thumbnail or preview to `out` (never overwriting), logged as an
    /// export.
    pub fn export_rendition(&mut self, id: &str, which: Rendition, out: &Path) -> Result<Item> {
        let item = self.catalog.item(id)?;
        let jpeg = self.rendition(&item.id, which)?.ok_or_else(|| {
            Error::Invalid(format!("item {} ({}) has no thumbnail", item.id, item.name))
        })?;
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        (|| {
            let mut f = durable::create_private(out)?;
            f.write_all(&jpeg)?;
            f.sync_all()
        })()
        .map_err(|e| {
            let _ = fs::remove_file(out);
            Error::io("cannot write the image rendition", out)(e)
        })?;
        self.record_export(
            Some(&item.id),
            json!({ "what": which.as_str(), "to": absolute(out) }),
            out,
        )?;
        Ok(item)
    }

    /// Items in import order; `include_removed` adds deleted and purged ones.
    pub fn items(&self, include_removed: bool) -> Result<Vec<Item>> {
        self.catalog.items(include_removed)
    }

    /// An item by id or unique id prefix.
    pub fn item(&self, id: &str) -> Result<Item> {
        self.catalog.item(id)
    }

    /// When the item's document was issued, written, taken or sent (stated by the user, else
    /// read from its metadata), and where that date comes from; `None` when undated.
    pub fn document_date(&self, id: &str) -> Result<Option<DocumentDate>> {
        let item = self.catalog.item(id)?;
        dating::document_date(&self.catalog.db, &item.id)
    }

    /// The custody log, oldest first; with `item`, only the entries about it.
    pub fn custody_log(&self, item: Option<&str>) -> Result<Vec<Entry>> {
        custody::entries(&self.catalog.db, item)
    }

    /// Decrypts an item and writes the original to `out` (which must not exist). The file
    /// appears under `out` only after every byte authenticated and the SHA-256 matched.
    pub fn extract(&mut self, id: &str, out: &Path, progress: &dyn Progress) -> Result<Item> {
        let item = self.catalog.item(id)?;
        if item.purged_at.is_some() {
            return Err(Error::Purged {
                id: item.id,
                name: item.name,
            });
        }
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        let partial = durable::partial_path(out);
        progress.start(&item.name, item.size);
        let result = self.extract_to(&item, out, &partial, progress);
        if result.is_err() {
            let _ = fs::remove_file(&partial);
        }
        result?;
        progress.finish();
        let detail = json!({ "to": absolute(out), "sha256": item.sha256 });
        self.record_export(Some(&item.id), detail, out)?;
        Ok(item)
    }

    fn extract_to(
        &self,
        item: &Item,
        out: &Path,
        partial: &Path,
        progress: &dyn Progress,
    ) -> Result<()> {
        let out_err = Error::io("cannot write the extracted copy", out);
        let file = durable::create_private(partial)
            .map_err(Error::io("cannot write the extracted copy", partial))?;
        let mut sink = BufWriter::new(file);
        self.stream_item(
            item,
            &mut sink,
            progress,
            Error::io("cannot write the extracted copy", partial),
        )?;
        let file = sink
            .into_inner()
            .map_err(|e| e.into_error())
            .map_err(Error::io("cannot write the extracted copy", partial))?;
        file.sync_all()
            .map_err(Error::io("cannot write the extracted copy", partial))?;
        drop(file);
        durable::publish_copy(partial, out).map_err(out_err)
    }

    /// Changes an item's name, notes, source or document date. The old and new values go into
    /// the custody log.
    pub fn edit(&mut self, id: &str, edit: &ItemEdit) -> Result<Item> {
        let item = self.catalog.item(id)?;
        if let Some(name) = &edit.name
            && name.trim().is_empty()
        {
            return Err(Error::Invalid("an item's name cannot be empty".into()));
        }
        let mut changes = serde_json::Map::new();
        let mut record = |field: &str, old: Option<&str>, new: &Option<String>| {
            if let Some(new) = new
                && Some(new.as_str()) != old
            {
                changes.insert(field.into(), json!({ "from": old, "to": new }));
            }
        };
        record("name", Some(&item.name), &edit.name);
        record("notes", Some(&item.notes), &edit.notes);
        record("source", item.source.as_deref(), &edit.source);
        let date = match edit.date.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(text) => Some(Some(FuzzyDate::parse(text)?)),
        };
        if let Some(date) = &date {
            let stated = dating::stated(&self.catalog.db, &item.id)?;
            let new = date.as_ref().map(|d| d.to_string());
            if new != stated {
                changes.insert("date".into(), json!({ "from": stated, "to": new }));
            }
        }
        if changes.is_empty() {
            return Ok(item);
        }
        if changes.contains_key("date") {
            self.upgrade_schema()?;
        }
        self.commit(|cat, now| {
            cat.db.execute(
                "UPDATE items SET name = coalesce(?2, name), notes = coalesce(?3, notes),
                 source = coalesce(?4, source) WHERE id = ?1",
                rusqlite::params![item.id, edit.name, edit.notes, edit.source],
            )?;
            if let Some(date) = &date {
                dating::state(&cat.db, &item.id, date.as_ref())?;
            }
            crate::search::index_item(&cat.db, &item.id)?;
            custody::append(&cat.db, now, Action::Edit, Some(&item.id), &changes.into())
        })?;
        self.catalog.item(&item.id)
    }

    /// Marks an item deleted. Its bytes stay (and keep being verified) until [`Vault::purge`].
    pub fn delete(&mut self, id: &str, reason: Option<&str>) -> Result<Item> {
        let item = self.catalog.item(id)?;
        if item.deleted_at.is_some() {
            return Err(Error::Invalid(format!(
                "item {} ({}) is already deleted",
                item.id, item.name
            )));
        }
        self.commit(|cat, now| {
            cat.db.execute(
                "UPDATE items SET deleted_at = ?2, deleted_reason = ?3 WHERE id = ?1",
                rusqlite::params![item.id, now, reason],
            )?;
            custody::append(
                &cat.db,
                now,
                Action::Delete,
                Some(&item.id),
                &json!({ "reason": reason }),
            )
        })?;
        self.catalog.item(&item.id)
    }

    /// Removes a deleted item's bytes for good. The catalog entry and its history remain.
    pub fn purge(&mut self, id: &str) -> Result<Item> {
        self.texts()?;
        let item = self.catalog.item(id)?;
        if item.purged_at.is_some() {
            return Err(Error::Purged {
                id: item.id,
                name: item.name,
            });
        }
        if item.deleted_at.is_none() {
            return Err(Error::NotDeleted {
                id: item.id,
                name: item.name,
            });
        }
        // A packed item's pack is written again without it, in tmp/, before the change.
        let repack = self.repack_without(&item)?;
        let committed = self.commit(|cat, now| {
            if let Some(r) = &repack {
                super::packs::record_packs(&cat.db, &r.new)?;
                super::packs::retire_pack(&cat.db, &r.old)?;
            }
            cat.db.execute(
                "UPDATE items SET purged_at = ?2 WHERE id = ?1",
                rusqlite::params![item.id, now],
            )?;
            crate::search::unindex(&cat.db, "item", &item.id)?;
            // The derived metadata (GPS, e-mail headers, parser errors) goes with the bytes; the
            // rendition names stay so an interrupted purge can still remove their blobs.
            cat.db.execute(
                "UPDATE extractions SET status = 'purged', metadata = '{}', error = NULL, text_bytes = 0 WHERE item_id = ?1",
                [&item.id],
            )?;
            cat.db.execute("INSERT INTO search (search) VALUES ('optimize')", [])?;
            custody::append(
                &cat.db,
                now,
                Action::Purge,
                Some(&item.id),
                &json!({ "sha256": item.sha256 }),
            )
        });
        if let Err(e) = committed {
            if let Some(new) = repack.as_ref().and_then(|r| r.new.as_ref()) {
                let _ = fs::remove_file(&new.tmp);
            }
            return Err(e);
        }
        let texts = &self.texts()?.db;
        crate::textindex::remove(texts, &item.id)?;
        texts.execute("INSERT INTO texts (texts) VALUES ('optimize')", [])?;
        self.texts_dirty = true;
        let renditions: (Option<String>, Option<String>) = self.catalog.renditions(&item.id);
        for b in [renditions.0, renditions.1].into_iter().flatten() {
            // A leftover is removed at the next open (the item is purged in the catalog).
            let _ = fs::remove_file(self.layout.blob(&b));
        }
        let removed = match repack {
            Some(repack) => self.finish_repack(repack),
            None => self.remove_purged_file(&item.blob),
        };
        if let Err(e) = removed {
            self.warnings
                .push(format!("{e}; the next open removes them"));
        }
        self.catalog.item(&item.id)
    }
}
