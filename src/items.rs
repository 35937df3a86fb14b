//! Items: the pieces of evidence the catalog lists, and the queries over them.

use rusqlite::params;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::error::{Error, Result};

/// One piece of evidence as the catalog knows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Item {
    pub id: String,
    /// The original file name.
    pub name: String,
    pub size: u64,
    pub media_type: String,
    /// SHA-256 of the original bytes, lowercase hex.
    pub sha256: String,
    pub imported_at: String,
    /// Where it came from (the path it was imported from, or what the user wrote).
    pub source: Option<String>,
    pub notes: String,
    pub deleted_at: Option<String>,
    pub deleted_reason: Option<String>,
    pub purged_at: Option<String>,
    #[serde(skip)]
    pub(crate) blob: String,
}

impl Item {
    /// `active`, `deleted` (tombstoned, bytes kept) or `purged` (bytes removed).
    pub fn status(&self) -> &'static str {
        if self.purged_at.is_some() {
            "purged"
        } else if self.deleted_at.is_some() {
            "deleted"
        } else {
            "active"
        }
    }
}

const ITEM_COLUMNS: &str = "id, name, size, media_type, sha256, imported_at, source, notes, \
                            blob, deleted_at, deleted_reason, purged_at";

fn item_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: r.get(0)?,
        name: r.get(1)?,
        size: r.get::<_, i64>(2)? as u64,
        media_type: r.get(3)?,
        sha256: r.get(4)?,
        imported_at: r.get(5)?,
        source: r.get(6)?,
        notes: r.get(7)?,
        blob: r.get(8)?,
        deleted_at: r.get(9)?,
        deleted_reason: r.get(10)?,
        purged_at: r.get(11)?,
    })
}

impl Catalog {
    pub fn insert_item(&self, item: &Item) -> Result<()> {
        self.db
            .prepare_cached(&format!(
                "INSERT INTO items ({ITEM_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
            ))?
            .execute(params![
                item.id,
                item.name,
                item.size as i64,
                item.media_type,
                item.sha256,
                item.imported_at,
                item.source,
                item.notes,
                item.blob,
                item.deleted_at,
                item.deleted_reason,
                item.purged_at
            ])?;
        Ok(())
    }

    /// Looks an item up by its full id or a unique prefix of at least 4 characters.
    pub fn item(&self, id: &str) -> Result<Item> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 4 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::NoSuchItem { id });
        }
        let mut stmt = self.db.prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 6"
        ))?;
        let found: Vec<Item> = stmt
            .query_map([&id], item_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        match found.len() {
            0 => Err(Error::NoSuchItem { id }),
            1 => Ok(found.into_iter().next().expect("one")),
            _ if found.iter().any(|i| i.id == id) => {
                Ok(found.into_iter().find(|i| i.id == id).expect("found"))
            }
            _ => Err(Error::AmbiguousId {
                prefix: id,
                candidates: found
                    .iter()
                    .map(|i| i.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    pub fn items(&self, include_removed: bool) -> Result<Vec<Item>> {
        let mut stmt = self.db.prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE ?1 OR deleted_at IS NULL ORDER BY imported_at, id"
        ))?;
        let rows = stmt.query_map([include_removed], item_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn items_by_sha256(&self, sha256: &str) -> Result<Vec<Item>> {
        // CAST: with `= ?1` and an ORDER BY, SQLite (built with STAT4) compiles the statement
        // again at every new value; an import asks once per file.
        let mut stmt = self.db.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE sha256 = CAST(?1 AS TEXT) ORDER BY imported_at, id"
        ))?;
        let rows = stmt.query_map([sha256], item_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn id_exists(&self, id: &str) -> Result<bool> {
        Ok(self
            .db
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM items WHERE id = ?1)")?
            .query_row([id], |r| r.get(0))?)
    }

    /// The blob names of an item's thumbnail and preview, if it has them.
    pub fn renditions(&self, item: &str) -> (Option<String>, Option<String>) {
        self.db
            .prepare_cached("SELECT thumbnail, preview FROM extractions WHERE item_id = ?1")
            .and_then(|mut s| s.query_row([item], |r| Ok((r.get(0)?, r.get(1)?))))
            .unwrap_or((None, None))
    }

    /// Where a packed item's bytes are: (pack, offset) in every pack that holds them, live
    /// ones first (two, after purges on two devices at once), then retired ones (whose file
    /// stays until the pack replacing it is here). Empty: the blob is a file of its own.
    pub fn pack_places(&self, blob: &str) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.db.prepare_cached(
            "SELECT p.pack, p.offset FROM packed p JOIN packs k ON k.id = p.pack
             WHERE p.blob = ?1 ORDER BY k.retired, p.pack",
        )?;
        let rows = stmt.query_map([blob], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The items a pack holds, with the offset of each one's bytes.
    pub fn pack_members(&self, pack: &str) -> Result<Vec<(Item, u64)>> {
        let mut stmt = self.db.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS}, (SELECT p.offset FROM packed p WHERE p.blob = items.blob AND p.pack = ?1)
             FROM items WHERE blob IN (SELECT blob FROM packed WHERE pack = ?1) ORDER BY 13"
        ))?;
        let rows = stmt.query_map([pack], |r| {
            Ok((item_from_row(r)?, r.get::<_, i64>(12)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every blob name the catalog refers to (items' own files, renditions, packs), with
    /// whether its file should be gone (the item purged, the pack retired).
    pub fn blobs(&self) -> Result<Vec<(String, bool)>> {
        let mut stmt = self.db.prepare(
            "SELECT blob, purged_at IS NOT NULL FROM items
             UNION ALL
             SELECT e.thumbnail, i.purged_at IS NOT NULL FROM extractions e
             JOIN items i ON i.id = e.item_id WHERE e.thumbnail IS NOT NULL
             UNION ALL
             SELECT e.preview, i.purged_at IS NOT NULL FROM extractions e
             JOIN items i ON i.id = e.item_id WHERE e.preview IS NOT NULL
             UNION ALL
             SELECT id, retired != 0 FROM packs",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
