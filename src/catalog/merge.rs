//! The merge (vault format 2): how the row changes one device made become the same state on
//! every device, whatever order a sync engine delivers them in (`docs/FORMAT.md`, "The state
//! and the merge").
//!
//! Domain modules write plain SQL; [`super::capture`] turns what a command changed into
//! [`Op`]s. The device that made them books them with [`record_local`], every other device
//! applies them with [`apply_remote`].
//! Both keep the same bookkeeping, and every rule below is a function of the *set* of applied
//! segments, so any causal order of the same segments gives the same rows:
//! - a row's creation is a union (the same insert twice is one row);
//! - a column's value is its newest *head* by (HLC, device): a head is a value no later write
//!   had seen; two heads with different values are a conflict, and both stay recorded;
//! - a delete removes the row unless an existence head says 1 (a concurrent re-add) or a
//!   column was written concurrently with it (the entity is kept and flagged).

use std::collections::{BTreeMap, HashMap};

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value as Json;

use super::capture::{Kind, Op, Table, Tables, pk_key, quote, to_json, to_sql};
use crate::error::{Error, Result};

/// The merge's own tables. Never logged; saved in snapshots with the rest of the state.
pub const BOOKKEEPING: &str = "
CREATE TABLE _segments (
    device TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, hlc INTEGER NOT NULL,
    vector TEXT NOT NULL,                  -- JSON {device: newest seq applied}, own seq - 1 included
    PRIMARY KEY (device, seq)) WITHOUT ROWID;
CREATE TABLE _rows (                      -- which segment first created a row
    tbl TEXT NOT NULL, pk TEXT NOT NULL, device TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (tbl, pk)) WITHOUT ROWID;
CREATE TABLE _versions (                  -- every value a write gave a column; col '' = existence
    tbl TEXT NOT NULL, pk TEXT NOT NULL, col TEXT NOT NULL, device TEXT NOT NULL,
    seq INTEGER NOT NULL, hlc INTEGER NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (tbl, pk, col, device, seq)) WITHOUT ROWID;
";

/// Who wrote a change and what they had seen: a segment's place in the DAG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub device: String,
    pub seq: i64,
    pub id: String,
    pub hlc: i64,
    /// For every device, the newest seq the writer had applied (its own: seq − 1).
    pub vector: BTreeMap<String, i64>,
}

/// Books a segment this device wrote. Its rows are already changed (by the command's SQL);
/// its stamp has seen every applied segment, so each of its writes supersedes every earlier
/// value of what it touched, and the rules below agree with what the SQL did.
pub fn record_local(db: &Connection, tables: &Tables, ops: &[Op], stamp: &Stamp) -> Result<()> {
    book_segment(db, stamp)?;
    for op in ops {
        let table = tables.get(&op.t)?;
        let key = pk_key(table, &op.pk)?;
        // A local insert always found the row absent: an SQL write over an existing row is an
        // update (REPLACE included, as recursive triggers show its delete).
        book(db, op, &key, stamp, None)?;
    }
    Ok(())
}

/// Applies a segment another device wrote, and returns the rows it touched (table, key). The
/// caller applies segments in causal order (a segment after its `prev` and dependencies)
/// inside one transaction, with foreign keys off: each change touches its own row only, so no
/// cascade depends on the order of arrival.
pub fn apply_remote(
    db: &Connection,
    tables: &Tables,
    ops: &[Op],
    stamp: &Stamp,
) -> Result<Vec<(String, String)>> {
    book_segment(db, stamp)?;
    let mut stamps = StampCache::default();
    let mut touched = Vec::new();
    for op in ops {
        let table = tables.get(&op.t)?;
        let key = pk_key(table, &op.pk)?;
        if op.k == Kind::Update && op.v.keys().any(|c| table.is_pk(c)) {
            return Err(Error::Corrupt("a logged update changes a row's key".into()));
        }
        let current = match op.k {
            Kind::Insert => row_values(db, &op.t, table, &op.pk)?,
            _ => None,
        };
        if book(db, op, &key, stamp, current.as_ref())? {
            insert_row(db, &op.t, table, &op.pk, &op.v)?;
        } else {
            settle(db, table, &op.t, &op.pk, &key, &mut stamps)?;
        }
        touched.push((op.t.clone(), key));
    }
    Ok(touched)
}

/// Books one change in `_rows` and `_versions`, the same way on the device that made it and
/// on every other. Returns true for the plain case, a row created for the first time, which
/// needs no settling; `current` is the row as it stands (an insert of a key that exists).
fn book(
    db: &Connection,
    op: &Op,
    key: &str,
    stamp: &Stamp,
    current: Option<&BTreeMap<String, Json>>,
) -> Result<bool> {
    match op.k {
        Kind::Insert => {
            if record_creation(db, &op.t, key, stamp)? && current.is_none() {
                return Ok(true);
            }
            // A second insert of a key (a re-add after a delete, or two devices adding the
            // same link or preference): the first creation's values become versions too, so
            // the two compete by the rules rather than by arrival.
            ensure_base_existence(db, &op.t, key)?;
            ensure_base_columns(db, &op.t, key, current)?;
            for (col, value) in &op.v {
                add_version(db, &op.t, key, col, stamp, value)?;
            }
            add_version(db, &op.t, key, "", stamp, &Json::from(1))?;
        }
        Kind::Update => {
            for (col, value) in &op.v {
                add_version(db, &op.t, key, col, stamp, value)?;
            }
        }
        Kind::Delete => {
            ensure_base_existence(db, &op.t, key)?;
            let row = Json::Object(op.old.clone().into_iter().collect());
            add_version(db, &op.t, key, "", stamp, &row)?;
        }
    }
    Ok(false)
}

fn book_segment(db: &Connection, s: &Stamp) -> Result<()> {
    let vector = serde_json::to_string(&s.vector).expect("a map serialises");
    db.prepare_cached(
        "INSERT INTO _segments (device, seq, id, hlc, vector) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![s.device, s.seq, s.id, s.hlc, vector])?;
    Ok(())
}

/// Records which segment created a row; false when some segment already had.
fn record_creation(db: &Connection, tbl: &str, key: &str, s: &Stamp) -> Result<bool> {
    Ok(db
        .prepare_cached(
            "INSERT OR IGNORE INTO _rows (tbl, pk, device, seq) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![tbl, key, s.device, s.seq])?
        == 1)
}

fn add_version(
    db: &Connection,
    tbl: &str,
    key: &str,
    col: &str,
    s: &Stamp,
    value: &Json,
) -> Result<()> {
    db.prepare_cached(
        "INSERT OR IGNORE INTO _versions (tbl, pk, col, device, seq, hlc, value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        tbl,
        key,
        col,
        s.device,
        s.seq,
        s.hlc,
        value.to_string()
    ])?;
    Ok(())
}

/// The creating insert's existence as a version, once a row's existence is disputed.
fn ensure_base_existence(db: &Connection, tbl: &str, key: &str) -> Result<()> {
    db.prepare_cached(
        "INSERT OR IGNORE INTO _versions (tbl, pk, col, device, seq, hlc, value)
         SELECT r.tbl, r.pk, '', r.device, r.seq, s.hlc, '1' FROM _rows r
         JOIN _segments s ON s.device = r.device AND s.seq = r.seq
         WHERE r.tbl = ?1 AND r.pk = ?2",
    )?
    .execute(params![tbl, key])?;
    Ok(())
}

/// The creating insert's column values as versions, before a second insert of the same key
/// competes with them. Taken from the row as it stands, or as its newest delete recorded it;
/// a column that already has versions needs none (every write to it had seen the creation).
fn ensure_base_columns(
    db: &Connection,
    tbl: &str,
    key: &str,
    current: Option<&BTreeMap<String, Json>>,
) -> Result<()> {
    let base = match current {
        Some(row) => Some(row.clone()),
        None => deleted_copy(db, tbl, key)?,
    };
    let Some(base) = base else {
        return Ok(());
    };
    let creator: Option<(String, i64, i64)> = db
        .prepare_cached(
            "SELECT r.device, r.seq, s.hlc FROM _rows r
             JOIN _segments s ON s.device = r.device AND s.seq = r.seq
             WHERE r.tbl = ?1 AND r.pk = ?2",
        )?
        .query_row(params![tbl, key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((device, seq, hlc)) = creator else {
        return Ok(());
    };
    for (col, value) in base {
        db.prepare_cached(
            "INSERT INTO _versions (tbl, pk, col, device, seq, hlc, value)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
             WHERE NOT EXISTS (SELECT 1 FROM _versions WHERE tbl = ?1 AND pk = ?2 AND col = ?3)",
        )?
        .execute(params![tbl, key, col, device, seq, hlc, value.to_string()])?;
    }
    Ok(())
}

/// A row's non-key columns as they are now, if it exists.
pub(super) fn row_values(
    db: &Connection,
    tbl: &str,
    table: &Table,
    pk: &BTreeMap<String, Json>,
) -> Result<Option<BTreeMap<String, Json>>> {
    let fields: Vec<&String> = table.cols.iter().filter(|c| !table.is_pk(c)).collect();
    let select = if fields.is_empty() {
        "1".to_string()
    } else {
        fields
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (clause, args) = where_pk(table, pk)?;
    let sql = format!("SELECT {select} FROM {} WHERE {clause}", quote(tbl));
    let row = db
        .prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(args.iter()), |r| {
            let mut out = BTreeMap::new();
            for (i, c) in fields.iter().enumerate() {
                out.insert(
                    (*c).clone(),
                    to_json(r.get_ref(i)?)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
                );
            }
            Ok(out)
        })
        .optional()?;
    Ok(row)
}

/// The row as the newest delete of it recorded it.
fn deleted_copy(db: &Connection, tbl: &str, key: &str) -> Result<Option<BTreeMap<String, Json>>> {
    let text: Option<String> = db
        .prepare_cached(
            "SELECT value FROM _versions WHERE tbl = ?1 AND pk = ?2 AND col = '' AND value LIKE '{%'
             ORDER BY hlc DESC, device DESC LIMIT 1",
        )?
        .query_row(params![tbl, key], |r| r.get(0))
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

pub(super) fn where_pk(table: &Table, pk: &BTreeMap<String, Json>) -> Result<(String, Vec<Value>)> {
    let mut clause = Vec::new();
    let mut args = Vec::new();
    for &i in &table.pk {
        let col = &table.cols[i];
        let v = pk
            .get(col)
            .ok_or_else(|| Error::Corrupt("a logged change lacks part of its row's key".into()))?;
        clause.push(format!("{} = ?{}", quote(col), args.len() + 1));
        args.push(to_sql(v)?);
    }
    Ok((clause.join(" AND "), args))
}

fn insert_row(
    db: &Connection,
    tbl: &str,
    table: &Table,
    pk: &BTreeMap<String, Json>,
    v: &BTreeMap<String, Json>,
) -> Result<()> {
    let mut cols = Vec::new();
    let mut args = Vec::new();
    for col in &table.cols {
        let value = pk.get(col).or_else(|| v.get(col));
        if let Some(value) = value {
            cols.push(quote(col));
            args.push(to_sql(value)?);
        }
    }
    let marks: Vec<String> = (1..=args.len()).map(|i| format!("?{i}")).collect();
    db.prepare_cached(&format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote(tbl),
        cols.join(", "),
        marks.join(", ")
    ))?
    .execute(rusqlite::params_from_iter(args.iter()))?;
    Ok(())
}

/// The vectors of applied segments, looked up once per apply.
#[derive(Default)]
pub(super) struct StampCache(HashMap<(String, i64), BTreeMap<String, i64>>);

impl StampCache {
    fn vector(
        &mut self,
        db: &Connection,
        device: &str,
        seq: i64,
    ) -> Result<&BTreeMap<String, i64>> {
        let k = (device.to_string(), seq);
        if !self.0.contains_key(&k) {
            // Cached: a merge looks up every segment another device wrote, once each.
            let text: String = db
                .prepare_cached("SELECT vector FROM _segments WHERE device = ?1 AND seq = ?2")?
                .query_row(params![device, seq], |r| r.get(0))?;
            let v = serde_json::from_str(&text)
                .map_err(|e| Error::Corrupt(format!("a segment's vector: {e}")))?;
            self.0.insert(k.clone(), v);
        }
        Ok(&self.0[&k])
    }

    /// Whether write a was known to the writer of b.
    fn before(&mut self, db: &Connection, a: &Version, b: &Version) -> Result<bool> {
        if a.device == b.device {
            return Ok(a.seq < b.seq);
        }
        let vb = self.vector(db, &b.device, b.seq)?;
        Ok(vb.get(&a.device).is_some_and(|&s| s >= a.seq))
    }

    /// The versions no other version had seen.
    pub(super) fn heads<'a>(
        &mut self,
        db: &Connection,
        all: &'a [Version],
    ) -> Result<Vec<&'a Version>> {
        // A version is seen when a later one of its own device exists, or when a version of
        // another device had seen its device up to its seq. Both are a maximum per device, so
        // this is linear in the versions (a pairwise test was a tenth of a large merge).
        let mut newest_own: HashMap<&str, i64> = HashMap::new();
        let mut seen_by_others: HashMap<&str, i64> = HashMap::new();
        for b in all {
            let own = newest_own.entry(b.device.as_str()).or_insert(b.seq);
            *own = (*own).max(b.seq);
        }
        for b in all {
            for (device, &seq) in self.vector(db, &b.device, b.seq)? {
                if *device == b.device {
                    continue;
                }
                if let Some((d, _)) = newest_own.get_key_value(device.as_str()) {
                    let s = seen_by_others.entry(d).or_insert(seq);
                    *s = (*s).max(seq);
                }
            }
        }
        Ok(all
            .iter()
            .filter(|a| {
                let device = a.device.as_str();
                a.seq >= newest_own[device] && seen_by_others.get(device).is_none_or(|&s| s < a.seq)
            })
            .collect())
    }
}

#[derive(Debug)]
pub(super) struct Version {
    pub(super) device: String,
    pub(super) seq: i64,
    pub(super) hlc: i64,
    pub(super) value: Json,
}

pub(super) fn versions(
    db: &Connection,
    tbl: &str,
    key: &str,
) -> Result<BTreeMap<String, Vec<Version>>> {
    let mut stmt = db.prepare_cached(
        "SELECT col, device, seq, hlc, value FROM _versions WHERE tbl = ?1 AND pk = ?2",
    )?;
    let mut out: BTreeMap<String, Vec<Version>> = BTreeMap::new();
    let rows = stmt.query_map(params![tbl, key], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (col, device, seq, hlc, value) = row?;
        let value = serde_json::from_str(&value)
            .map_err(|e| Error::Corrupt(format!("a recorded value: {e}")))?;
        out.entry(col).or_default().push(Version {
            device,
            seq,
            hlc,
            value,
        });
    }
    Ok(out)
}

/// The winning head: newest by (HLC, device id).
pub(super) fn winner<'a>(heads: &[&'a Version]) -> &'a Version {
    heads
        .iter()
        .max_by(|a, b| (a.hlc, &a.device).cmp(&(b.hlc, &b.device)))
        .expect("a non-empty set of versions has a head")
}

/// Whether a row exists after everything recorded about its existence, and whether that is
/// disputed (an entity deleted on one device while written or re-added on another).
pub(super) fn existence(
    db: &Connection,
    table: &Table,
    all: &BTreeMap<String, Vec<Version>>,
    present: bool,
    stamps: &mut StampCache,
) -> Result<(bool, bool)> {
    let Some(existence) = all.get("") else {
        return Ok((present, false));
    };
    let heads = stamps.heads(db, existence)?;
    let deleted = heads.iter().any(|h| h.value.is_object());
    let readded = heads.iter().any(|h| !h.value.is_object());
    // A delete loses against a write to the row that it had not seen.
    let mut edited_concurrently = false;
    if deleted && table.has_fields() {
        'cols: for vs in all.iter().filter(|(c, _)| !c.is_empty()).map(|(_, vs)| vs) {
            for v in vs {
                let mut seen = false;
                for h in heads.iter().filter(|h| h.value.is_object()) {
                    seen |= stamps.before(db, v, h)?;
                }
                if !seen {
                    edited_concurrently = true;
                    break 'cols;
                }
            }
        }
    }
    let exists = readded || edited_concurrently;
    Ok((exists, exists && deleted && table.has_fields()))
}

/// Brings one row in line with everything recorded about it.
fn settle(
    db: &Connection,
    table: &Table,
    tbl: &str,
    pk: &BTreeMap<String, Json>,
    key: &str,
    stamps: &mut StampCache,
) -> Result<()> {
    let all = versions(db, tbl, key)?;
    let current = row_values(db, tbl, table, pk)?;
    let (exists, _) = existence(db, table, &all, current.is_some(), stamps)?;
    if !exists {
        if current.is_some() {
            let (clause, args) = where_pk(table, pk)?;
            db.prepare_cached(&format!("DELETE FROM {} WHERE {clause}", quote(tbl)))?
                .execute(rusqlite::params_from_iter(args.iter()))?;
        }
        return Ok(());
    }
    let mut row = match current.clone() {
        Some(r) => r,
        None => deleted_copy(db, tbl, key)?.unwrap_or_default(),
    };
    for (col, vs) in &all {
        if col.is_empty() {
            continue;
        }
        let heads = stamps.heads(db, vs)?;
        row.insert(col.clone(), winner(&heads).value.clone());
    }
    match current {
        Some(before) if before == row => Ok(()),
        Some(_) => {
            let (clause, mut args) = where_pk(table, pk)?;
            let mut sets = Vec::new();
            for (col, value) in &row {
                args.push(to_sql(value)?);
                sets.push(format!("{} = ?{}", quote(col), args.len()));
            }
            db.prepare_cached(&format!(
                "UPDATE {} SET {} WHERE {clause}",
                quote(tbl),
                sets.join(", ")
            ))?
            .execute(rusqlite::params_from_iter(args.iter()))?;
            Ok(())
        }
        None => insert_row(db, tbl, table, pk, &row),
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
