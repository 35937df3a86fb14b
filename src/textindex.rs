//! The text index: the extracted text of items, in its own SQLite database saved as its own
//! family of encrypted snapshots (`texts/`). It is derived from the blobs, so it is saved at
//! the end of a batch rather than at every change, and can always be rebuilt (`reindex`).

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

pub(crate) fn put(db: &Connection, item_id: &str, text: &str) -> Result<()> {
    remove(db, item_id)?;
    db.prepare_cached("INSERT INTO text_keys (item_id) VALUES (?1)")?
        .execute([item_id])?;
    let rowid = db.last_insert_rowid();
    db.prepare_cached("INSERT INTO texts (rowid, text) VALUES (?1, ?2)")?
        .execute(params![rowid, text])?;
    Ok(())
}

pub(crate) fn get(db: &Connection, item_id: &str) -> Result<Option<String>> {
    Ok(db
        .prepare_cached(
            "SELECT t.text FROM texts t JOIN text_keys k ON k.rowid = t.rowid WHERE k.item_id = ?1",
        )?
        .query_row([item_id], |r| r.get(0))
        .optional()?)
}

pub(crate) fn remove(db: &Connection, item_id: &str) -> Result<()> {
    let rowid: Option<i64> = db
        .prepare_cached("SELECT rowid FROM text_keys WHERE item_id = ?1")?
        .query_row([item_id], |r| r.get(0))
        .optional()?;
    if let Some(rowid) = rowid {
        db.prepare_cached("DELETE FROM texts WHERE rowid = ?1")?
            .execute([rowid])?;
        db.prepare_cached("DELETE FROM text_keys WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}

pub(crate) fn indexed(db: &Connection) -> Result<HashSet<String>> {
    let mut stmt = db.prepare("SELECT item_id FROM text_keys")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// (item id, BM25 rank) of the best `limit` matches for an FTS5 expression (-1: all), best
/// first.
pub(crate) fn search(db: &Connection, expression: &str, limit: i64) -> Result<Vec<(String, f64)>> {
    // Ranked in FTS5's own `rank` order, without snippets: the caller makes the passages of
    // the hits it keeps (`search::snippet`).
    let mut stmt = db.prepare_cached(
        "SELECT k.item_id, texts.rank
         FROM texts JOIN text_keys k ON k.rowid = texts.rowid
         WHERE texts MATCH ?1 ORDER BY texts.rank LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![expression, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
