//! Conflicts (vault format 2): values two devices changed without seeing each other's
//! change, found from the merge's bookkeeping, and the change that resolves one.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value as Json;

use super::capture::{Kind, Op, Table, Tables, quote, to_sql};
use super::merge::{StampCache, existence, row_values, versions, where_pk, winner};
use crate::error::{Error, Result};

/// A column (or a row's existence, `col` empty) whose heads disagree: changed on two devices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub table: String,
    pub key: String,
    pub column: String,
    /// Every competing value with its device and HLC, the winner first.
    pub values: Vec<(Json, String, i64)>,
}

/// Every unresolved conflict in the state.
pub fn conflicts(db: &Connection, tables: &Tables) -> Result<Vec<Conflict>> {
    let mut stmt = db.prepare(
        "SELECT tbl, pk FROM _versions GROUP BY tbl, pk, col HAVING count(*) > 1
         UNION SELECT tbl, pk FROM _versions WHERE col = '' ORDER BY 1, 2",
    )?;
    let candidates: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stamps = StampCache::default();
    let mut out = Vec::new();
    for (tbl, key) in candidates {
        let table = tables.get(&tbl)?;
        let pk = key_map(table, &key)?;
        let all = versions(db, &tbl, &key)?;
        let present = row_values(db, &tbl, table, &pk)?.is_some();
        let (exists, disputed) = existence(db, table, &all, present, &mut stamps)?;
        if !exists {
            continue; // a row that is gone has no field to dispute
        }
        for (col, vs) in &all {
            let heads = stamps.heads(db, vs)?;
            let differ = if col.is_empty() {
                disputed
            } else {
                heads.iter().any(|h| h.value != heads[0].value)
            };
            if !differ {
                continue;
            }
            let w = winner(&heads);
            let mut values = vec![(w.value.clone(), w.device.clone(), w.hlc)];
            for h in heads.iter().filter(|h| !std::ptr::eq(**h, w)) {
                values.push((h.value.clone(), h.device.clone(), h.hlc));
            }
            if col.is_empty() {
                // Also name the writes the delete had not seen.
                for (c, cvs) in all.iter().filter(|(c, _)| !c.is_empty()) {
                    for v in cvs {
                        values.push((
                            serde_json::json!({ c.as_str(): v.value }),
                            v.device.clone(),
                            v.hlc,
                        ));
                    }
                }
            }
            out.push(Conflict {
                table: tbl.clone(),
                key: key.clone(),
                column: col.clone(),
                values,
            });
        }
    }
    Ok(out)
}

/// The primary key map back from its bookkeeping form.
pub(crate) fn key_map(table: &Table, key: &str) -> Result<BTreeMap<String, Json>> {
    let values: Vec<Json> = serde_json::from_str(key)
        .map_err(|e| Error::Corrupt(format!("a recorded row key: {e}")))?;
    if values.len() != table.pk.len() {
        return Err(Error::Corrupt(
            "a recorded row key has the wrong length".into(),
        ));
    }
    Ok(table
        .pk
        .iter()
        .map(|&i| table.cols[i].clone())
        .zip(values)
        .collect())
}

/// The change that resolves a conflict: the chosen value written again (or, for an entity
/// deleted on one device and changed on another, the row re-created), by a write that has
/// seen every competing one. Also makes the row hold it now.
pub(crate) fn resolution(
    db: &Connection,
    tables: &Tables,
    conflict: &Conflict,
    keep: &Json,
) -> Result<Op> {
    let table = tables.get(&conflict.table)?;
    let pk = key_map(table, &conflict.key)?;
    if conflict.column.is_empty() {
        let row = row_values(db, &conflict.table, table, &pk)?
            .ok_or_else(|| Error::Invalid("the entity is gone; nothing to keep".into()))?;
        return Ok(Op {
            t: conflict.table.clone(),
            k: Kind::Insert,
            pk,
            old: BTreeMap::new(),
            v: row,
        });
    }
    let (clause, mut args) = where_pk(table, &pk)?;
    args.push(to_sql(keep)?);
    db.execute(
        &format!(
            "UPDATE {} SET {} = ?{} WHERE {clause}",
            quote(&conflict.table),
            quote(&conflict.column),
            args.len()
        ),
        rusqlite::params_from_iter(args.iter()),
    )?;
    let current = conflict
        .values
        .first()
        .map(|v| v.0.clone())
        .unwrap_or(Json::Null);
    Ok(Op {
        t: conflict.table.clone(),
        k: Kind::Update,
        pk,
        old: [(conflict.column.clone(), current)].into(),
        v: [(conflict.column.clone(), keep.clone())].into(),
    })
}
