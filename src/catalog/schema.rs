//! The schema of the catalog and of the text index: every table, index and trigger in one
//! place, the schema version, and the migrations that bring an older catalog up to it.
//! Creating and upgrading are plain SQL; rebuilding derived data an upgrade leaves empty is the
//! job of the layers above (see [`Upgrade`]).

use rusqlite::{Connection, params};

use crate::error::{Error, Result};

/// 1: items and custody log. 2: the register (cases, people, events, links) and search.
/// 3: extracted metadata and item relations (e-mail attachments).
/// 4: key slots beyond the passphrase, and contacts (recipients of shared bundles).
/// 5 (vault format 2): custody entries keyed by device and seq (a chain per device), the
/// devices, and the merge's bookkeeping.
/// 6: document dates stated by the user (`item_dates`), the kinds of events (`event_kinds`)
/// and a case's submission fields (`submission_fields`).
/// 7: packs, many small items' bytes in one file (`packs`, `packed`: `crate::storage::pack`).
pub const SCHEMA_VERSION: i64 = 7;

/// Every table whose rows the journal carries between devices (vault format 2). The others
/// are derived (`search_keys`, `search`: rebuilt from these) or the merge's own bookkeeping.
pub const LOGGED_TABLES: &[&str] = &[
    "vault_info",
    "devices",
    "items",
    "item_dates",
    "custody",
    "extractions",
    "item_relations",
    "cases",
    "case_numbers",
    "charges",
    "people",
    "aliases",
    "events",
    "event_kinds",
    "submission_fields",
    "case_items",
    "person_items",
    "event_items",
    "event_people",
    "case_people",
    "key_slots",
    "contacts",
    "packs",
    "packed",
];

/// The devices that wrote to the vault (schema 5): a name to show for a device id.
const DEVICES_SCHEMA: &str = "
CREATE TABLE devices (
    id TEXT PRIMARY KEY,            -- 32 hex, the journal folder name
    name TEXT NOT NULL,             -- what the user calls it (the host name at first)
    first_seen TEXT NOT NULL
);
";

/// Key slots and contacts (schema 4). A slot's file is `keys/<id>.age`; the row says what it
/// is, since the file's age header shows only the stanza type.
const KEYRING_SCHEMA: &str = "
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

/// Packs (schema 7): files under `blobs/` that hold many small items' bytes as tar members.
/// Rows are only ever inserted, and a pack only ever retired, so two devices never disagree:
/// a purge writes a new pack without the purged member, inserts the others' new places and
/// retires the old pack, whose file then goes. An item with no `packed` row in a live pack
/// has a blob file of its own.
const PACKS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS packs (
    id      TEXT PRIMARY KEY,            -- 32 hex, the file blobs/<2>/<30>.age
    retired INTEGER NOT NULL DEFAULT 0   -- 1: rewritten without a purged member; its file goes
);
CREATE TABLE IF NOT EXISTS packed (
    blob    TEXT NOT NULL,               -- the item's blob name (it has no file of its own)
    pack    TEXT NOT NULL REFERENCES packs(id),
    offset  INTEGER NOT NULL,            -- where the item's bytes start in the pack's plaintext
    PRIMARY KEY (blob, pack)
);
CREATE INDEX IF NOT EXISTS packed_by_pack ON packed (pack);
";

/// Extracted metadata (schema 3). Extracted *text* lives in the text index ([`crate::catalog::snapshot::TEXTS`]).
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

/// The text index, a database of its own ([`crate::catalog::snapshot::TEXTS`]).
const TEXTS_SCHEMA: &str = "
CREATE TABLE vault_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO vault_info (key, value) VALUES ('schema_version', 'texts-1');
CREATE TABLE text_keys (rowid INTEGER PRIMARY KEY, item_id TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE texts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');
";

/// Items (schema 1).
const ITEMS_SCHEMA: &str = "
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

/// When a document was issued, written, taken or sent, as the user states it (schema 6): a
/// date as lawyers write them (`crate::register::dates`). Without a row, the date comes from
/// the evidence's own metadata, if it has one (`crate::dating`); the import date never stands
/// in for it.
const ITEM_DATES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS item_dates (
    item_id TEXT PRIMARY KEY REFERENCES items(id),
    date    TEXT NOT NULL
);
";

/// A case's submission, as typed fields (schema 6: `crate::submission::fields`), key → value.
const SUBMISSION_FIELDS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submission_fields (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (case_id, key)
);
";

/// What kind of thing an event is (schema 6: `crate::register::kinds`); an event without a row
/// has no kind given. A table of its own rather than a column of `events`, so that devices
/// running an older Dossier keep applying event changes until a kind is first given.
const EVENT_KINDS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS event_kinds (
    event_id TEXT PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL
);
";

/// The custody log (schema 5): append-only, enforced by triggers; a hash chain per device
/// (`crate::custody`). Schema 1–4 keyed entries by seq alone (one chain).
const CUSTODY_SCHEMA: &str = "
CREATE TABLE custody (
    device    TEXT NOT NULL,        -- 32 hex; '' for entries made in vault format 1
    seq       INTEGER NOT NULL,     -- position in that device's chain, from 1
    at        TEXT NOT NULL,
    action    TEXT NOT NULL,
    item      TEXT,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (device, seq)
);
CREATE INDEX custody_by_item ON custody (item);
";
const CUSTODY_TRIGGERS: &str = "
CREATE TRIGGER custody_append_only_update BEFORE UPDATE ON custody
    BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
CREATE TRIGGER custody_append_only_delete BEFORE DELETE ON custody
    BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END;
";

/// The register: cases, people, events and their links (schema 2).
const REGISTER_SCHEMA: &str = "
CREATE TABLE cases (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, court TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);
CREATE TABLE case_numbers (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    number TEXT NOT NULL, authority TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, number, authority));
CREATE TABLE charges (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    article TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, article));
CREATE TABLE people (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, born TEXT, nationality TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);
CREATE TABLE aliases (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE, alias TEXT NOT NULL,
    PRIMARY KEY (person_id, alias));
CREATE TABLE events (
    id TEXT PRIMARY KEY, case_id TEXT REFERENCES cases(id) ON DELETE CASCADE,
    title TEXT NOT NULL, date TEXT, date_key TEXT, end_date TEXT, end_key TEXT,
    place TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);
CREATE INDEX events_by_case ON events (case_id, date_key);
CREATE TABLE case_items (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL REFERENCES items(id), PRIMARY KEY (case_id, item_id));
CREATE INDEX case_items_by_item ON case_items (item_id);
CREATE TABLE person_items (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL REFERENCES items(id), PRIMARY KEY (person_id, item_id));
CREATE INDEX person_items_by_item ON person_items (item_id);
CREATE TABLE event_items (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL REFERENCES items(id), PRIMARY KEY (event_id, item_id));
CREATE INDEX event_items_by_item ON event_items (item_id);
CREATE TABLE event_people (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, person_id));
CREATE INDEX event_people_by_person ON event_people (person_id);
CREATE TABLE case_people (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT '', PRIMARY KEY (case_id, person_id, role));
CREATE INDEX case_people_by_person ON case_people (person_id);
";

/// The search index over items and the register (schema 2), kept by `crate::search`.
const SEARCH_SCHEMA: &str = "
CREATE TABLE search_keys (
    rowid INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, UNIQUE (kind, id));
CREATE VIRTUAL TABLE search USING fts5 (
    text, folded, tokenize = 'unicode61 remove_diacritics 2');
";

/// Creates every table of the state at [`SCHEMA_VERSION`], empty: the rows come from the
/// journal (vault format 2).
pub(crate) fn create_empty(db: &Connection) -> Result<()> {
    db.execute_batch(ITEMS_SCHEMA)?;
    db.execute_batch(ITEM_DATES_SCHEMA)?;
    db.execute_batch(CUSTODY_SCHEMA)?;
    db.execute_batch(CUSTODY_TRIGGERS)?;
    db.execute_batch(REGISTER_SCHEMA)?;
    db.execute_batch(EVENT_KINDS_SCHEMA)?;
    db.execute_batch(SUBMISSION_FIELDS_SCHEMA)?;
    db.execute_batch(SEARCH_SCHEMA)?;
    db.execute_batch(EXTRACTION_SCHEMA)?;
    db.execute_batch(KEYRING_SCHEMA)?;
    db.execute_batch(DEVICES_SCHEMA)?;
    db.execute_batch(PACKS_SCHEMA)?;
    db.execute_batch(super::merge::BOOKKEEPING)?;
    Ok(())
}

/// The rows that make a new vault's state: its id, creation time and schema version.
pub(crate) fn insert_info(db: &Connection, vault_id: &str, created_at: &str) -> Result<()> {
    db.execute(
        "INSERT INTO vault_info (key, value) VALUES ('schema_version', ?1), ('vault_id', ?2),
         ('created_at', ?3)",
        params![SCHEMA_VERSION.to_string(), vault_id, created_at],
    )?;
    Ok(())
}

/// Brings a format-2 state loaded from a snapshot (or just created) up to the tables of
/// [`SCHEMA_VERSION`], and returns the version its logged `vault_info` row states. The tables
/// are added here, unlogged; the row moves on only in a segment of its own, written before the
/// first change that uses them ([`bump_state`]), so a device running an older Dossier applies
/// the bump and then refuses the vault as newer, rather than calling the next segment damaged.
/// A state newer than this Dossier is refused.
pub(crate) fn upgrade_state(db: &Connection) -> Result<i64> {
    let version = check_state(db)?;
    if version > SCHEMA_VERSION {
        return Err(Error::Corrupt(format!(
            "a snapshot of schema {version}, newer than this Dossier's {SCHEMA_VERSION}"
        )));
    }
    if version < 5 {
        return Err(Error::Corrupt(format!(
            "a snapshot of schema {version}: vault format 2 starts at schema 5"
        )));
    }
    db.execute_batch(ITEM_DATES_SCHEMA)?;
    db.execute_batch(EVENT_KINDS_SCHEMA)?;
    db.execute_batch(SUBMISSION_FIELDS_SCHEMA)?;
    db.execute_batch(PACKS_SCHEMA)?;
    Ok(version)
}

/// The logged change that moves a format-2 state's version to [`SCHEMA_VERSION`]; run inside
/// a capture of its own (see [`upgrade_state`]).
pub(crate) fn bump_state(db: &Connection) -> Result<()> {
    db.execute(
        "UPDATE vault_info SET value = ?1 WHERE key = 'schema_version'",
        [SCHEMA_VERSION.to_string()],
    )?;
    Ok(())
}

/// The schema version a state's logged `vault_info` row states. An empty state (no rows yet)
/// is current.
pub(crate) fn check_state(db: &Connection) -> Result<i64> {
    let version: Option<String> = db
        .query_row(
            "SELECT value FROM vault_info WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .ok();
    match version {
        None => Ok(SCHEMA_VERSION),
        Some(v) => v
            .parse()
            .map_err(|_| Error::Corrupt(format!("schema version {v:?} is not a number"))),
    }
}

/// Creates the tables of a new text index.
pub(crate) fn create_texts(db: &Connection) -> Result<()> {
    db.execute_batch(TEXTS_SCHEMA)?;
    Ok(())
}

/// Why a generation did not load.
pub(crate) enum LoadError {
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

/// What a loaded database needs from the layers above once its schema was checked (and
/// perhaps upgraded): the schema knows which derived data an upgrade left empty, not how to
/// rebuild it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Upgrade {
    /// The catalog predates search (schema 1): its search index was just created empty and
    /// must be rebuilt (`crate::search::rebuild`) before anything searches or saves it.
    pub(crate) search_index_stale: bool,
}

fn schema_version(db: &Connection) -> Result<String, LoadError> {
    db.query_row(
        "SELECT value FROM vault_info WHERE key = 'schema_version'",
        [],
        |r| r.get(0),
    )
    .map_err(|e| LoadError::Damaged(format!("no schema version: {e}")))
}

pub(crate) fn check_texts(db: &Connection) -> Result<Upgrade, LoadError> {
    let version = schema_version(db)?;
    if version != "texts-1" {
        return Err(LoadError::Unsupported(format!(
            "text index schema {version}"
        )));
    }
    Ok(Upgrade::default())
}

/// Validates a loaded catalog and upgrades older schemas (in memory; the next save persists).
pub(crate) fn check_catalog(db: &Connection) -> Result<Upgrade, LoadError> {
    let version = schema_version(db)?;
    let upgrade = |e: Error| LoadError::Damaged(format!("upgrading the catalog failed: {e}"));
    let mut upgraded = Upgrade::default();
    // Each step brings schema n to n + 1; a catalog of schema n takes every step from n on.
    const STEPS: [fn(&Connection) -> Result<()>; 6] = [
        migrate_1_to_2,
        migrate_2_to_3,
        migrate_3_to_4,
        migrate_4_to_5,
        migrate_5_to_6,
        migrate_6_to_7,
    ];
    let from = match version.as_str() {
        "1" => 1,
        "2" => 2,
        "3" => 3,
        "4" => 4,
        "5" => 5,
        "6" => 6,
        "7" => 7,
        _ => return Err(LoadError::Unsupported(format!("catalog schema {version}"))),
    };
    for step in &STEPS[from - 1..] {
        step(db).map_err(upgrade)?;
    }
    if from == 1 {
        // Only now is the schema complete enough to index items (index_item reads
        // extractions, which schema 3 adds): the loader above rebuilds the index.
        upgraded.search_index_stale = true;
    }
    // After any upgrade, so the tables exist. Blob names become paths: anything but 32 hex digits is refused, never followed.
    let bad_blobs: i64 = db
        .query_row(
            "SELECT count(*) FROM (SELECT blob AS b FROM items UNION ALL
               SELECT thumbnail FROM extractions WHERE thumbnail IS NOT NULL UNION ALL
               SELECT preview FROM extractions WHERE preview IS NOT NULL UNION ALL
               SELECT id FROM packs)
             WHERE length(b) != 32 OR b GLOB '*[^0-9a-f]*'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    if bad_blobs > 0 {
        return Err(format!("{bad_blobs} items name a blob that is not 32 hex digits").into());
    }
    Ok(upgraded)
}

/// Adds the register and the search index. Kept in memory; the next save persists it.
fn migrate_1_to_2(db: &Connection) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    db.execute_batch(REGISTER_SCHEMA)?;
    db.execute_batch(SEARCH_SCHEMA)?;
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

/// Keys custody entries by device (the existing ones become the format-1 chain, device ""),
/// and adds the devices and the merge's bookkeeping.
fn migrate_4_to_5(db: &Connection) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    db.execute_batch(
        "ALTER TABLE custody RENAME TO custody_4; DROP INDEX IF EXISTS custody_by_item;",
    )?;
    db.execute_batch(CUSTODY_SCHEMA)?;
    db.execute_batch(
        "INSERT INTO custody (device, seq, at, action, item, detail, prev_hash, hash)
             SELECT '', seq, at, action, item, detail, prev_hash, hash FROM custody_4;
         DROP TRIGGER IF EXISTS custody_append_only_update;
         DROP TRIGGER IF EXISTS custody_append_only_delete;
         DROP TABLE custody_4;",
    )?;
    db.execute_batch(CUSTODY_TRIGGERS)?;
    db.execute_batch(DEVICES_SCHEMA)?;
    db.execute_batch(super::merge::BOOKKEEPING)?;
    db.execute(
        "UPDATE vault_info SET value = '5' WHERE key = 'schema_version'",
        [],
    )?;
    tx.commit()?;
    Ok(())
}

/// Adds the document dates the user states and the kinds of events (a format-1 catalog on its
/// way to format 2).
fn migrate_5_to_6(db: &Connection) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    db.execute_batch(ITEM_DATES_SCHEMA)?;
    db.execute_batch(EVENT_KINDS_SCHEMA)?;
    db.execute_batch(SUBMISSION_FIELDS_SCHEMA)?;
    db.execute(
        "UPDATE vault_info SET value = '6' WHERE key = 'schema_version'",
        [],
    )?;
    tx.commit()?;
    Ok(())
}

/// Adds packs.
fn migrate_6_to_7(db: &Connection) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    db.execute_batch(PACKS_SCHEMA)?;
    bump_state(db)?;
    tx.commit()?;
    Ok(())
}
