//! Change capture (vault format 2): what a command changed in the logged tables, as row
//! changes ([`Op`]) that a journal segment carries to every other device.
//!
//! Domain modules write plain SQL; temporary triggers (installed per connection, never part of
//! a snapshot) copy every row change of a logged table into `temp._changes` while a capture
//! runs, and [`capture`] folds them into one change per row. SQLite's session extension would
//! do the same, but building it needs libclang at compile time; triggers need nothing.

use std::collections::BTreeMap;

use rusqlite::Connection;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::{Error, Result};

/// What kind of row change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Insert,
    Update,
    Delete,
}

/// One row change of one logged table, as a segment's body carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// The table.
    pub t: String,
    pub k: Kind,
    /// The primary key, column → value.
    pub pk: BTreeMap<String, Json>,
    /// Update: the changed columns' values before; delete: the whole row.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub old: BTreeMap<String, Json>,
    /// Insert: the whole row; update: the changed columns' new values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub v: BTreeMap<String, Json>,
}

/// The columns of the logged tables, read from the schema.
pub struct Tables {
    tables: BTreeMap<String, Table>,
}

pub(crate) struct Table {
    pub(crate) cols: Vec<String>,
    /// Indices into `cols` of the primary key, in key order.
    pub(crate) pk: Vec<usize>,
}

impl Table {
    pub(crate) fn is_pk(&self, col: &str) -> bool {
        self.pk.iter().any(|&i| self.cols[i] == col)
    }

    /// Whether rows carry data besides their key (an entity, not a link).
    pub(crate) fn has_fields(&self) -> bool {
        self.cols.len() > self.pk.len()
    }

    /// Splits a whole row (values in column order) into key and the other columns.
    fn split(&self, row: &[Json]) -> Result<(BTreeMap<String, Json>, BTreeMap<String, Json>)> {
        if row.len() != self.cols.len() {
            return Err(Error::Corrupt(
                "a captured row has the wrong number of columns".into(),
            ));
        }
        let (mut pk, mut rest) = (BTreeMap::new(), BTreeMap::new());
        for (i, (col, v)) in self.cols.iter().zip(row).enumerate() {
            if self.pk.contains(&i) {
                pk.insert(col.clone(), v.clone());
            } else {
                rest.insert(col.clone(), v.clone());
            }
        }
        Ok((pk, rest))
    }
}

impl Tables {
    /// Reads the columns and primary keys of `names`. Every logged table must declare a
    /// primary key: it is how a row is named on every device.
    pub fn load(db: &Connection, names: &[&str]) -> Result<Tables> {
        let mut tables = BTreeMap::new();
        for &name in names {
            let mut stmt = db.prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid")?;
            let rows: Vec<(String, i64)> = stmt
                .query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut pk: Vec<(i64, usize)> = rows
                .iter()
                .enumerate()
                .filter(|(_, (_, p))| *p > 0)
                .map(|(i, (_, p))| (*p, i))
                .collect();
            pk.sort();
            if rows.is_empty() || pk.is_empty() {
                return Err(Error::Corrupt(format!(
                    "table {name} is missing or has no primary key; it cannot be logged"
                )));
            }
            let cols = rows.into_iter().map(|(c, _)| c).collect();
            let pk = pk.into_iter().map(|(_, i)| i).collect();
            tables.insert(name.to_string(), Table { cols, pk });
        }
        Ok(Tables { tables })
    }

    pub(crate) fn get(&self, name: &str) -> Result<&Table> {
        self.tables.get(name).ok_or_else(|| {
            Error::Corrupt(format!(
                "a change names table {name:?}, which is not logged"
            ))
        })
    }

    /// Creates the capture triggers on this connection (temporary: a snapshot never holds
    /// them). They record only while a [`capture`] runs.
    pub fn install_capture(&self, db: &Connection) -> Result<()> {
        db.execute_batch(
            "PRAGMA recursive_triggers = ON;
             CREATE TEMP TABLE IF NOT EXISTS _changes (
                 n INTEGER PRIMARY KEY, tbl TEXT NOT NULL, kind TEXT NOT NULL, old TEXT, new TEXT);
             CREATE TEMP TABLE IF NOT EXISTS _capturing (on_ INTEGER);",
        )?;
        for (i, (name, table)) in self.tables.iter().enumerate() {
            // A whole row as a JSON array in column order; BLOBs (which JSON cannot hold) as
            // {"hex": …}. Text goes through `|| ''`, which drops SQLite's JSON subtype: a
            // value just made by json_set() would otherwise be embedded as JSON, not as text.
            let row = |alias: &str| {
                let cols: Vec<String> = table
                    .cols
                    .iter()
                    .map(|c| {
                        let c = format!("{alias}.{}", quote(c));
                        format!(
                            "CASE typeof({c}) WHEN 'blob' THEN json_object('hex', hex({c})) \
                             WHEN 'text' THEN {c} || '' ELSE {c} END"
                        )
                    })
                    .collect();
                format!("json_array({})", cols.join(", "))
            };
            for (kind, old, new) in [
                ("INSERT", "NULL".to_string(), row("NEW")),
                ("UPDATE", row("OLD"), row("NEW")),
                ("DELETE", row("OLD"), "NULL".to_string()),
            ] {
                db.execute_batch(&format!(
                    "CREATE TEMP TRIGGER IF NOT EXISTS _capture_{i}_{kind} AFTER {kind} ON main.{tbl}
                     WHEN EXISTS (SELECT 1 FROM _capturing)
                     BEGIN INSERT INTO _changes (tbl, kind, old, new)
                           VALUES ({lit}, '{kind}', {old}, {new}); END;",
                    tbl = quote(name),
                    lit = literal(name),
                ))?;
            }
        }
        Ok(())
    }
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Runs `change` and returns, besides its value, every row change it made to the logged
/// tables, one per row, in the order rows were first touched (parents before children). Call
/// inside the command's transaction, after [`Tables::install_capture`].
pub fn capture<T>(
    db: &Connection,
    tables: &Tables,
    change: impl FnOnce() -> Result<T>,
) -> Result<(T, Vec<Op>)> {
    db.execute_batch("DELETE FROM temp._changes; INSERT INTO temp._capturing VALUES (1);")?;
    let value = change();
    let stopped = db.execute_batch("DELETE FROM temp._capturing;");
    let value = value?;
    stopped?;
    let mut stmt = db.prepare("SELECT tbl, kind, old, new FROM temp._changes ORDER BY n")?;
    let raw: Vec<(String, String, Option<String>, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    db.execute_batch("DELETE FROM temp._changes;")?;
    Ok((value, fold(tables, raw)?))
}

/// A row's first state before the command and its last state after it.
struct Touched {
    table: String,
    pk: BTreeMap<String, Json>,
    before: Option<BTreeMap<String, Json>>,
    after: Option<BTreeMap<String, Json>>,
}

/// Folds the raw trigger records into one change per row: insert then update is an insert
/// of the final row, update then delete a delete of the first, insert then delete nothing.
fn fold(
    tables: &Tables,
    raw: Vec<(String, String, Option<String>, Option<String>)>,
) -> Result<Vec<Op>> {
    let parse = |s: Option<String>| -> Result<Option<Vec<Json>>> {
        s.map(|s| {
            serde_json::from_str(&s)
                .map_err(|e| Error::Corrupt(format!("a captured row is not JSON: {e}")))
        })
        .transpose()
    };
    let mut order: Vec<Touched> = Vec::new();
    let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (tbl, _kind, old, new) in raw {
        let table = tables.get(&tbl)?;
        let (old, new) = (parse(old)?, parse(new)?);
        let old = old.map(|r| table.split(&r)).transpose()?;
        let new = new.map(|r| table.split(&r)).transpose()?;
        // An update that changed the key is a delete of the old row and an insert of the new.
        let mut events = Vec::new();
        match (old, new) {
            (Some((ok, ov)), Some((nk, nv))) if ok != nk => {
                events.push((ok, Some(Some(ov)), None));
                events.push((nk, None, Some(nv)));
            }
            (Some((ok, ov)), Some((_, nv))) => events.push((ok, Some(Some(ov)), Some(nv))),
            (Some((ok, ov)), None) => events.push((ok, Some(Some(ov)), None)),
            (None, Some((nk, nv))) => events.push((nk, Some(None), Some(nv))),
            (None, None) => continue,
        }
        for (pk, before, after) in events {
            let key = (
                tbl.clone(),
                serde_json::to_string(&pk).expect("JSON serialises"),
            );
            match index.get(&key) {
                Some(&i) => order[i].after = after,
                None => {
                    index.insert(key, order.len());
                    order.push(Touched {
                        table: tbl.clone(),
                        pk,
                        before: before.flatten(),
                        after,
                    });
                }
            }
        }
    }
    let mut ops = Vec::new();
    for t in order {
        let (k, old, v) = match (t.before, t.after) {
            (None, None) => continue,
            (None, Some(after)) => (Kind::Insert, BTreeMap::new(), after),
            (Some(before), None) => (Kind::Delete, before, BTreeMap::new()),
            (Some(before), Some(after)) => {
                let changed: Vec<&String> = after
                    .keys()
                    .filter(|c| before.get(*c) != after.get(*c))
                    .collect();
                if changed.is_empty() {
                    continue;
                }
                let old = changed
                    .iter()
                    .map(|c| ((*c).clone(), before[*c].clone()))
                    .collect();
                let v = changed
                    .iter()
                    .map(|c| ((*c).clone(), after[*c].clone()))
                    .collect();
                (Kind::Update, old, v)
            }
        };
        ops.push(Op {
            t: t.table,
            k,
            pk: t.pk,
            old,
            v,
        });
    }
    Ok(ops)
}

pub(crate) fn to_json(v: rusqlite::types::ValueRef<'_>) -> Result<Json> {
    use rusqlite::types::ValueRef;
    Ok(match v {
        ValueRef::Null => Json::Null,
        ValueRef::Integer(i) => Json::from(i),
        ValueRef::Real(f) => Json::from(f),
        ValueRef::Text(t) => Json::String(
            String::from_utf8(t.to_vec())
                .map_err(|_| Error::Corrupt("a text value in the catalog is not UTF-8".into()))?,
        ),
        ValueRef::Blob(b) => serde_json::json!({ "hex": hex::encode(b) }),
    })
}

pub(crate) fn to_sql(v: &Json) -> Result<Value> {
    let not_sql = || Error::Corrupt("a logged value is not an SQLite value".into());
    Ok(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().ok_or_else(not_sql)?),
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Object(o) => match o.get("hex").and_then(Json::as_str).map(hex::decode) {
            Some(Ok(b)) if o.len() == 1 => Value::Blob(b),
            _ => return Err(not_sql()),
        },
        Json::Array(_) => return Err(not_sql()),
    })
}

/// The key of a row in the bookkeeping tables: its primary-key values in key order.
pub(crate) fn pk_key(table: &Table, pk: &BTreeMap<String, Json>) -> Result<String> {
    let values: Vec<&Json> = table
        .pk
        .iter()
        .map(|&i| pk.get(&table.cols[i]))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::Corrupt("a logged change lacks part of its row's key".into()))?;
    Ok(serde_json::to_string(&values).expect("JSON values serialise"))
}
