//! The catalog: all metadata (names, sizes, hashes, notes, the register, the custody log) in an
//! in-memory SQLite database that reaches the disk only as encrypted snapshot generations.
//!
//! - `schema.rs`: every table, the schema version and the migrations;
//! - `snapshot.rs`: the snapshot format, and loading, saving and pruning generations;
//! - the queries over items are in `crate::items`, those over the register, custody log and
//!   search index in their own domain modules, all on the catalog's connection (`db`).

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

pub(crate) mod cache;
pub(crate) mod capture;
pub(crate) mod disputes;
pub(crate) mod log;
pub(crate) mod merge;
pub(crate) mod schema;
pub(crate) mod snapshot;

use snapshot::Family;

/// The in-memory catalog and what is known about its generations on disk.
pub struct Catalog {
    pub(crate) db: Connection,
    generation: u64,
    saved_at: i64,
    /// Catalog files on disk by name, with their generation (None: did not authenticate).
    files: BTreeMap<String, Option<u64>>,
    /// The highest generation seen on disk, readable or not: new saves go above it so a
    /// generation number is never reused after falling back to an older one.
    max_seen: u64,
    family: &'static Family,
    /// Loaded from a schema that had no search index: see [`schema::Upgrade`].
    search_index_stale: bool,
    /// The journal (vault format 2); None for a format-1 catalog and for the text index.
    pub(crate) log: Option<log::Log>,
}

/// Settings every catalog connection gets. temp_store=MEMORY keeps sorts and temporary tables
/// off the disk (the build also compiles SQLite with SQLITE_TEMP_STORE=3, see .cargo/config).
fn configure(db: &Connection) -> Result<()> {
    // The merge prepares a statement per table and kind of change: keep them all.
    db.set_prepared_statement_cache_capacity(128);
    // secure_delete: deleted rows (a purged item's metadata, a removed note) are overwritten
    // in the database image, not left in free pages of the next encrypted snapshot.
    db.execute_batch(
        "PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
    )?;
    // The device this connection appends custody entries for (`crate::custody::this_device`):
    // set when a journal is opened; empty for a format-1 catalog.
    db.execute_batch("CREATE TEMP TABLE IF NOT EXISTS _device (id TEXT NOT NULL);")?;
    Ok(())
}

impl Catalog {
    /// A new state with every table and no rows (vault format 2: rows come from the journal).
    pub fn create_empty() -> Result<Catalog> {
        let db = Connection::open_in_memory()?;
        configure(&db)?;
        schema::create_empty(&db)?;
        Ok(Catalog::fresh(db, &snapshot::CATALOG))
    }

    /// A catalog that has never been saved.
    fn fresh(db: Connection, family: &'static Family) -> Catalog {
        Catalog {
            db,
            generation: 0,
            saved_at: 0,
            files: BTreeMap::new(),
            max_seen: 0,
            family,
            search_index_stale: false,
            log: None,
        }
    }

    /// A new, empty text index.
    pub fn create_texts() -> Result<Catalog> {
        let db = Connection::open_in_memory()?;
        configure(&db)?;
        schema::create_texts(&db)?;
        Ok(Catalog::fresh(db, &snapshot::TEXTS))
    }

    /// Whether the search index must be rebuilt after loading (an upgraded schema-1
    /// catalog); answers true once, so the caller that rebuilds it clears the mark.
    pub(crate) fn take_search_index_stale(&mut self) -> bool {
        std::mem::take(&mut self.search_index_stale)
    }

    /// The size of the state in memory (what a snapshot of it holds).
    pub(crate) fn state_bytes(&self) -> u64 {
        self.db
            .query_row(
                "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_or(0, |b| b as u64)
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When the loaded generation was saved (Unix seconds).
    pub fn saved_at(&self) -> i64 {
        self.saved_at
    }

    /// Ids of the recipient key slots the catalog lists (their files are `keys/<id>.age`).
    pub fn key_slot_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self.db.prepare("SELECT id FROM key_slots ORDER BY id")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    pub fn info(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .db
            .query_row("SELECT value FROM vault_info WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a `vault_info` value (inside the caller's transaction, if one is open).
    pub fn set_info(&self, key: &str, value: &str) -> Result<()> {
        self.db.execute(
            "INSERT OR REPLACE INTO vault_info (key, value) VALUES (?1, ?2)",
            [key, value],
        )?;
        Ok(())
    }

    /// The highest generation number found in any readable catalog header.
    pub fn highest_seen(&self) -> u64 {
        self.max_seen
    }

    /// Names (without `.age`) of catalog files that did not authenticate or load.
    pub fn damaged_files(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|(_, g)| g.is_none())
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// Names (without `.age`) of the catalog generation files that authenticated.
    pub fn readable_files(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|(_, g)| g.is_some())
            .map(|(n, _)| n.as_str())
            .collect()
    }
}
