//! The catalog: all metadata (names, sizes, hashes, notes, the custody log) in an in-memory
//! SQLite database that reaches the disk only as encrypted snapshot *generations*.
//!
//! Snapshot plaintext (inside age, little-endian):
//! ```text
//! 0   8   magic "DSCATL\0\x01"
//! 8   8   generation (u64, +1 per save)
//! 16  8   saved at (i64, Unix seconds)
//! 24  8   database length L (u64)
//! 32  L   SQLite database image (sqlite3_serialize)
//! …       zeros up to padding::padded_len(32 + L)
//! ```
//! A save writes a whole new generation file and never touches older ones, so a crash leaves
//! the previous generation intact. Loading ranks files by the generation in their first,
//! authenticated STREAM chunk and fully reads the newest one that authenticates to its end.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, MAIN_DB, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::storage::durable;
use crate::storage::layout::{Layout, is_hex_name, random_hex};
use crate::storage::padding::padded_len;

/// A family of snapshot generations: the catalog itself, or the derived text index.
pub struct Family {
    /// Folder under the vault root.
    pub dir: &'static str,
    magic: &'static [u8; 8],
    /// Generations kept after a save.
    keep: u64,
    /// Checks (and upgrades) a loaded database; runs before anything trusts it.
    check: fn(&Connection) -> Result<(), LoadError>,
}

/// The catalog: items, register, custody log.
pub static CATALOG: Family = Family {
    dir: "catalog",
    magic: b"DSCATL\0\x01",
    keep: KEEP_GENERATIONS,
    check: check_catalog,
};
/// The text index: extracted text for full-text search. Derived from the blobs and
/// rebuildable, so only the newest generation is kept (a purged item's text must not linger
/// in an older one).
pub static TEXTS: Family = Family {
    dir: "texts",
    magic: b"DSTEXT\0\x01",
    keep: 1,
    check: check_texts,
};
const HEADER_LEN: u64 = 32;
/// Generations kept on disk; older ones are deleted after a successful save.
pub const KEEP_GENERATIONS: u64 = 8;
/// 1: items and custody log. 2: the register (cases, people, events, links) and search.
/// 3: extracted metadata and item relations (e-mail attachments).
/// 4: key slots beyond the passphrase, and contacts (recipients of shared bundles).
pub const SCHEMA_VERSION: i64 = 4;

/// Key slots and contacts (schema 4). A slot's file is `keys/<id>.age`; the row says what it
/// is, since the file's age header shows only the stanza type.
pub(crate) const KEYRING_SCHEMA: &str = "
CREATE TABLE key_slots (
    id TEXT PRIMARY KEY,            -- 32 hex, the file name
    kind TEXT NOT NULL,             -- recovery | plugin
    label TEXT NOT NULL,
    recipient TEXT NOT NULL,        -- the age recipient the slot is encrypted to
    created_at TEXT NOT NULL
);
CREATE TABLE contacts (
    id TEXT PRIMARY KEY,            -- 16 hex, random
    name TEXT NOT NULL,
    recipient TEXT NOT NULL UNIQUE, -- age1…
    created_at TEXT NOT NULL
);
";

/// Extracted metadata (schema 3). Extracted *text* lives in the text index ([`TEXTS`]).
const EXTRACTION_SCHEMA: &str = "
CREATE TABLE extractions (
    item_id TEXT PRIMARY KEY REFERENCES items(id), status TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}', error TEXT, text_bytes INTEGER NOT NULL DEFAULT 0,
    extracted_at TEXT NOT NULL,
    thumbnail TEXT UNIQUE,   -- blob names of encrypted JPEG renditions (derived data)
    preview TEXT UNIQUE);
CREATE TABLE item_relations (
    parent_id TEXT NOT NULL REFERENCES items(id), child_id TEXT NOT NULL REFERENCES items(id),
    relation TEXT NOT NULL, PRIMARY KEY (parent_id, child_id, relation));
CREATE INDEX item_relations_by_child ON item_relations (child_id);
";

const TEXTS_SCHEMA: &str = "
CREATE TABLE vault_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO vault_info (key, value) VALUES ('schema_version', 'texts-1');
CREATE TABLE text_keys (rowid INTEGER PRIMARY KEY, item_id TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE texts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');
";

const SCHEMA: &str = "
CREATE TABLE vault_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    size           INTEGER NOT NULL,
    media_type     TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    imported_at    TEXT NOT NULL,
    source         TEXT,
    notes          TEXT NOT NULL DEFAULT '',
    blob           TEXT NOT NULL UNIQUE,
    deleted_at     TEXT,
    deleted_reason TEXT,
    purged_at      TEXT
);
CREATE INDEX items_by_sha256 ON items (sha256);
";

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
}

/// Settings every catalog connection gets. temp_store=MEMORY keeps sorts and temporary tables
/// off the disk (the build also compiles SQLite with SQLITE_TEMP_STORE=3, see .cargo/config).
fn configure(db: &Connection) -> Result<()> {
    // secure_delete: deleted rows (a purged item's metadata, a removed note) are overwritten
    // in the database image, not left in free pages of the next encrypted snapshot.
    db.execute_batch(
        "PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
    )?;
    Ok(())
}

impl Catalog {
    /// A new, empty catalog for a new vault.
    pub fn create(vault_id: &str, created_at: &str) -> Result<Catalog> {
        let db = Connection::open_in_memory()?;
        configure(&db)?;
        db.execute_batch(SCHEMA)?;
        db.execute_batch(crate::custody::SCHEMA)?;
        db.execute_batch(crate::register::SCHEMA)?;
        db.execute_batch(crate::search::SCHEMA)?;
        db.execute_batch(EXTRACTION_SCHEMA)?;
        db.execute_batch(KEYRING_SCHEMA)?;
        db.execute(
            "INSERT INTO vault_info (key, value) VALUES ('schema_version', ?1), ('vault_id', ?2),
             ('created_at', ?3)",
            params![SCHEMA_VERSION.to_string(), vault_id, created_at],
        )?;
        Ok(Catalog::fresh(db, &CATALOG))
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
        }
    }

    /// A new, empty text index.
    pub fn create_texts() -> Result<Catalog> {
        let db = Connection::open_in_memory()?;
        configure(&db)?;
        db.execute_batch(TEXTS_SCHEMA)?;
        Ok(Catalog::fresh(db, &TEXTS))
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

    /// Loads the newest generation that authenticates completely. Returns warnings about
    /// generations that were skipped.
    pub fn load(
        layout: &Layout,
        identity: &age::x25519::Identity,
    ) -> Result<(Catalog, Vec<String>)> {
        Self::load_family(layout, identity, &CATALOG)
    }

    pub fn load_family(
        layout: &Layout,
        identity: &age::x25519::Identity,
        family: &'static Family,
    ) -> Result<(Catalog, Vec<String>)> {
        let dir = layout.root.join(family.dir);
        let mut files = BTreeMap::new();
        let mut warnings = Vec::new();
        let mut candidates = Vec::new();
        for entry in fs::read_dir(&dir).map_err(Error::io("cannot list the catalog", &dir))? {
            let entry = entry.map_err(Error::io("cannot list the catalog", &dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".age").filter(|s| is_hex_name(s, 32)) else {
                continue;
            };
            let path = entry.path();
            match read_header(&path, identity, family) {
                Ok((generation, _, _)) => {
                    files.insert(stem.to_string(), Some(generation));
                    candidates.push((generation, path));
                }
                Err(e) => {
                    files.insert(stem.to_string(), None);
                    warnings.push(format!(
                        "catalog file {name} is unreadable and was skipped: {e}"
                    ));
                }
            }
        }
        candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
        let max_generation = candidates.first().map(|c| c.0).unwrap_or(0);
        for (generation, path) in candidates {
            match read_full(&path, identity, family) {
                Ok((db, saved_at)) => {
                    if generation < max_generation {
                        warnings.push(format!(
                            "the newest catalog generation ({max_generation}) is damaged; \
                             opened generation {generation} instead"
                        ));
                    }
                    let catalog = Catalog {
                        db,
                        generation,
                        saved_at,
                        files,
                        max_seen: max_generation,
                        family,
                    };
                    return Ok((catalog, warnings));
                }
                // A catalog from a newer Dossier is not damage: never fall back past it, or
                // the next save would fork history and lose what the newer one recorded.
                Err(LoadError::Unsupported(found)) => {
                    return Err(Error::UnsupportedFormat {
                        path: path.clone(),
                        found,
                    });
                }
                Err(LoadError::Damaged(e)) => {
                    if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                        files.insert(stem.to_string(), None); // never pruned, never trusted
                    }
                    warnings.push(format!(
                        "catalog generation {generation} ({}) failed to load: {e}",
                        path.display()
                    ))
                }
            }
        }
        Err(Error::Corrupt(format!(
            "no catalog generation in {} could be read{}",
            dir.display(),
            if warnings.is_empty() {
                String::new()
            } else {
                format!(": {}", warnings.join("; "))
            }
        )))
    }

    fn next_generation(&self) -> u64 {
        self.max_seen.max(self.generation) + 1
    }

    /// Writes the catalog as a new generation and makes it durable. Returns the new file's path
    /// so a caller can withdraw it if a later step of the same operation fails.
    pub fn save(
        &mut self,
        layout: &Layout,
        recipient: &age::x25519::Recipient,
        now: i64,
    ) -> Result<PathBuf> {
        let generation = self.next_generation();
        let name = random_hex(16);
        let tmp = layout.tmp().join(format!("{name}.age"));
        let dest = layout
            .root
            .join(self.family.dir)
            .join(format!("{name}.age"));
        let result = self
            .write_snapshot(&tmp, recipient, generation, now)
            .and_then(|()| {
                durable::publish(&tmp, &dest).map_err(Error::io("cannot save the catalog", &dest))
            });
        if let Err(e) = result {
            // The link may have happened before the directory sync failed: a generation that
            // was not reported saved must not be found by the next load.
            let _ = fs::remove_file(&tmp);
            if fs::remove_file(&dest).is_ok() {
                let _ = durable::sync_dir(&layout.root.join(self.family.dir));
            }
            return Err(e);
        }
        self.generation = generation;
        self.max_seen = generation;
        self.saved_at = now;
        self.files.insert(name, Some(generation));
        self.prune(layout);
        Ok(dest)
    }

    fn write_snapshot(
        &mut self,
        tmp: &Path,
        recipient: &age::x25519::Recipient,
        generation: u64,
        now: i64,
    ) -> Result<()> {
        let data = self.db.serialize(MAIN_DB)?;
        let len = data.len() as u64;
        let mut header = [0u8; HEADER_LEN as usize];
        header[..8].copy_from_slice(self.family.magic);
        header[8..16].copy_from_slice(&generation.to_le_bytes());
        header[16..24].copy_from_slice(&now.to_le_bytes());
        header[24..32].copy_from_slice(&len.to_le_bytes());
        let pad = padded_len(HEADER_LEN + len) - HEADER_LEN - len;
        let io = (|| {
            let file = durable::create_private(tmp)?;
            let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as _))
                .expect("a single X25519 recipient is always valid");
            let mut w = encryptor.wrap_output(std::io::BufWriter::new(file))?;
            w.write_all(&header)?;
            w.write_all(&data)?;
            std::io::copy(&mut std::io::repeat(0).take(pad), &mut w)?;
            let file = w.finish()?.into_inner().map_err(|e| e.into_error())?;
            drop(file);
            durable::normalise_times(tmp)?;
            File::open(tmp)?.sync_all()
        })();
        io.map_err(Error::io("cannot write the catalog", tmp))
    }

    /// Withdraws a generation written by [`Catalog::save`] whose operation failed later on.
    pub fn withdraw(&mut self, path: &Path) -> std::io::Result<()> {
        fs::remove_file(path)?;
        if let Some(dir) = path.parent() {
            durable::sync_dir(dir)?;
        }
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            self.files.remove(stem);
        }
        Ok(())
    }

    /// Deletes generations older than the newest [`KEEP_GENERATIONS`]. Unreadable files are
    /// kept: they may be evidence of tampering and are reported by `verify`.
    fn prune(&mut self, layout: &Layout) {
        let keep_from = self.generation.saturating_sub(self.family.keep - 1);
        let old: Vec<String> = self
            .files
            .iter()
            .filter(|(_, g)| matches!(g, Some(g) if *g < keep_from))
            .map(|(n, _)| n.clone())
            .collect();
        for name in old {
            if fs::remove_file(
                layout
                    .root
                    .join(self.family.dir)
                    .join(format!("{name}.age")),
            )
            .is_ok()
            {
                self.files.remove(&name);
            }
        }
    }

    // ---- items -------------------------------------------------------------------------

    pub fn insert_item(&self, item: &Item) -> Result<()> {
        self.db.execute(
            &format!(
                "INSERT INTO items ({ITEM_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
            ),
            params![
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
            ],
        )?;
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
        let mut stmt = self.db.prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE sha256 = ?1 ORDER BY imported_at, id"
        ))?;
        let rows = stmt.query_map([sha256], item_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn id_exists(&self, id: &str) -> Result<bool> {
        Ok(self.db.query_row(
            "SELECT EXISTS(SELECT 1 FROM items WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )?)
    }

    /// Every blob name the catalog refers to, with whether the item was purged.
    /// The blob names of an item's thumbnail and preview, if it has them.
    pub fn renditions(&self, item: &str) -> (Option<String>, Option<String>) {
        self.db
            .query_row(
                "SELECT thumbnail, preview FROM extractions WHERE item_id = ?1",
                [item],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap_or((None, None))
    }

    pub fn blobs(&self) -> Result<Vec<(String, bool)>> {
        let mut stmt = self.db.prepare(
            "SELECT blob, purged_at IS NOT NULL FROM items
             UNION ALL
             SELECT e.thumbnail, i.purged_at IS NOT NULL FROM extractions e
             JOIN items i ON i.id = e.item_id WHERE e.thumbnail IS NOT NULL
             UNION ALL
             SELECT e.preview, i.purged_at IS NOT NULL FROM extractions e
             JOIN items i ON i.id = e.item_id WHERE e.preview IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn open_stream(path: &Path, identity: &age::x25519::Identity) -> Result<impl Read, String> {
    let file = durable::open_read_noatime(path).map_err(|e| e.to_string())?;
    let decryptor =
        age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| e.to_string())?;
    decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| e.to_string())
}

/// The generation number a catalog (or text index) file claims, read from its authenticated
/// first chunk: how a backup decides which side is newer without loading either.
pub(crate) fn file_generation(
    path: &Path,
    identity: &age::x25519::Identity,
    family: &Family,
) -> Result<u64, String> {
    read_header(path, identity, family).map(|(generation, _, _)| generation)
}

/// Reads the header from the first STREAM chunk, which age authenticates before releasing it.
fn read_header(
    path: &Path,
    identity: &age::x25519::Identity,
    family: &Family,
) -> Result<(u64, i64, u64), String> {
    let mut r = open_stream(path, identity)?;
    parse_header(&mut r, family)
}

fn parse_header(r: &mut impl Read, family: &Family) -> Result<(u64, i64, u64), String> {
    let mut h = [0u8; HEADER_LEN as usize];
    r.read_exact(&mut h).map_err(|e| e.to_string())?;
    if &h[..8] != family.magic {
        return Err("not a Dossier catalog (bad magic)".into());
    }
    let word = |i: usize| <[u8; 8]>::try_from(&h[i..i + 8]).expect("8 bytes");
    Ok((
        u64::from_le_bytes(word(8)),
        i64::from_le_bytes(word(16)),
        u64::from_le_bytes(word(24)),
    ))
}

/// Why a generation did not load.
enum LoadError {
    /// Written by a newer Dossier (its schema version is given).
    Unsupported(String),
    /// Does not authenticate, or is inconsistent.
    Damaged(String),
}

impl From<String> for LoadError {
    fn from(e: String) -> Self {
        LoadError::Damaged(e)
    }
}

impl From<&str> for LoadError {
    fn from(e: &str) -> Self {
        LoadError::Damaged(e.to_string())
    }
}

fn read_full(
    path: &Path,
    identity: &age::x25519::Identity,
    family: &Family,
) -> Result<(Connection, i64), LoadError> {
    let mut r = open_stream(path, identity)?;
    let (_, saved_at, len) = parse_header(&mut r, family)?;
    let len_usize = usize::try_from(len).map_err(|_| "database length out of range".to_string())?;
    if len > (1 << 30) {
        return Err(format!("database length {len} exceeds SQLite's in-memory limit").into());
    }
    let mut db = Connection::open_in_memory().map_err(|e| e.to_string())?;
    db.deserialize_read_exact(MAIN_DB, &mut r, len_usize, false)
        .map_err(|e| e.to_string())?;
    // The database is not trusted until the rest of the file (padding) authenticated.
    let mut pad = padded_len(HEADER_LEN + len) - HEADER_LEN - len;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let k = r.read(&mut buf).map_err(|e| e.to_string())?;
        if k == 0 {
            break;
        }
        if k as u64 > pad || buf[..k].iter().any(|&b| b != 0) {
            return Err("unexpected bytes after the database".into());
        }
        pad -= k as u64;
    }
    if pad != 0 {
        return Err("the catalog file is shorter than its padded length".into());
    }
    configure(&db).map_err(|e| e.to_string())?;
    (family.check)(&db)?;
    Ok((db, saved_at))
}

fn schema_version(db: &Connection) -> Result<String, LoadError> {
    db.query_row(
        "SELECT value FROM vault_info WHERE key = 'schema_version'",
        [],
        |r| r.get(0),
    )
    .map_err(|e| LoadError::Damaged(format!("no schema version: {e}")))
}

fn check_texts(db: &Connection) -> Result<(), LoadError> {
    let version = schema_version(db)?;
    if version != "texts-1" {
        return Err(LoadError::Unsupported(format!(
            "text index schema {version}"
        )));
    }
    Ok(())
}

/// Validates a loaded catalog and upgrades older schemas (in memory; the next save persists).
fn check_catalog(db: &Connection) -> Result<(), LoadError> {
    let version = schema_version(db)?;
    let upgrade = |e: Error| LoadError::Damaged(format!("upgrading the catalog failed: {e}"));
    match version.as_str() {
        "4" => {}
        "3" => migrate_3_to_4(db).map_err(upgrade)?,
        "2" => {
            migrate_2_to_3(db).map_err(upgrade)?;
            migrate_3_to_4(db).map_err(upgrade)?;
        }
        "1" => {
            migrate_1_to_2(db).map_err(upgrade)?;
            migrate_2_to_3(db).map_err(upgrade)?;
            migrate_3_to_4(db).map_err(upgrade)?;
            // Only now is the schema complete enough to index items (index_item reads
            // extractions, which schema 3 adds).
            crate::search::rebuild(db).map_err(upgrade)?;
        }
        _ => return Err(LoadError::Unsupported(format!("catalog schema {version}"))),
    }
    // After any upgrade, so the tables exist. Blob names become paths: anything but 32 hex digits is refused, never followed.
    let bad_blobs: i64 = db
        .query_row(
            "SELECT count(*) FROM (SELECT blob AS b FROM items UNION ALL
               SELECT thumbnail FROM extractions WHERE thumbnail IS NOT NULL UNION ALL
               SELECT preview FROM extractions WHERE preview IS NOT NULL)
             WHERE length(b) != 32 OR b GLOB '*[^0-9a-f]*'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    if bad_blobs > 0 {
        return Err(format!("{bad_blobs} items name a blob that is not 32 hex digits").into());
    }
    Ok(())
}

/// Adds the register and the search index. Kept in memory; the next save persists it.
fn migrate_1_to_2(db: &Connection) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    db.execute_batch(crate::register::SCHEMA)?;
    db.execute_batch(crate::search::SCHEMA)?;
    db.execute(
        "UPDATE vault_info SET value = '2' WHERE key = 'schema_version'",
        [],
    )?;
    tx.commit()?;
    Ok(())
}

/// Adds extracted metadata and item relations.
fn migrate_2_to_3(db: &Connection) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    db.execute_batch(EXTRACTION_SCHEMA)?;
    db.execute(
        "UPDATE vault_info SET value = '3' WHERE key = 'schema_version'",
        [],
    )?;
    tx.commit()?;
    Ok(())
}

/// Adds key slots and contacts.
fn migrate_3_to_4(db: &Connection) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    db.execute_batch(KEYRING_SCHEMA)?;
    db.execute(
        "UPDATE vault_info SET value = '4' WHERE key = 'schema_version'",
        [],
    )?;
    tx.commit()?;
    Ok(())
}
