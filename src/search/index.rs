//! The catalog's search entries: one per item, case, person and event, each indexed as written
//! and folded. An item's entry carries the names of its cases and people, so it is indexed
//! again when they change.

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::register::{self, names};

/// Replaces the indexed text of one entity.
fn index(db: &Connection, kind: &str, id: &str, text: &str) -> Result<()> {
    unindex(db, kind, id)?;
    db.prepare_cached("INSERT INTO search_keys (kind, id) VALUES (?1, ?2)")?
        .execute(params![kind, id])?;
    let rowid = db.last_insert_rowid();
    db.prepare_cached("INSERT INTO search (rowid, text, folded) VALUES (?1, ?2, ?3)")?
        .execute(params![rowid, text, names::fold(text)])?;
    Ok(())
}

pub(crate) fn unindex(db: &Connection, kind: &str, id: &str) -> Result<()> {
    let rowid: Option<i64> = rusqlite::OptionalExtension::optional(
        db.prepare_cached("SELECT rowid FROM search_keys WHERE kind = ?1 AND id = ?2")?
            .query_row(params![kind, id], |r| r.get(0)),
    )?;
    if let Some(rowid) = rowid {
        db.prepare_cached("DELETE FROM search WHERE rowid = ?1")?
            .execute([rowid])?;
        db.prepare_cached("DELETE FROM search_keys WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}

fn lines<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn index_item(db: &Connection, id: &str) -> Result<()> {
    let (name, notes, source, media_type): (String, String, Option<String>, String) = db
        .prepare_cached("SELECT name, notes, source, media_type FROM items WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    // Extracted metadata (EXIF camera and date, e-mail headers) is searchable with the item;
    // extracted text is in the separate text index.
    let metadata: Option<String> = rusqlite::OptionalExtension::optional(
        db.prepare_cached("SELECT metadata FROM extractions WHERE item_id = ?1")?
            .query_row([id], |r| r.get(0)),
    )?;
    let metadata = metadata
        .and_then(|m| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&m).ok())
        .map(|m| crate::extract::metadata_text(&m))
        .unwrap_or_default();
    let linked = linked_names(db, id)?;
    index(
        db,
        "item",
        id,
        &lines([
            name.as_str(),
            &notes,
            source.as_deref().unwrap_or(""),
            &media_type,
            &metadata,
            &linked,
        ]),
    )
}

/// The cases an item is linked to and the people linked to it or to those cases, with their
/// other names: an item is found by the client's name, in any spelling the register knows, and
/// the snippet says why ("Person: …").
fn linked_names(db: &Connection, id: &str) -> Result<String> {
    // Most items are indexed at import, before anything links them: one lookup, not two.
    let linked: bool = db
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM case_items WHERE item_id = ?1)
                 OR EXISTS (SELECT 1 FROM person_items WHERE item_id = ?1)",
        )?
        .query_row([id], |r| r.get(0))?;
    if !linked {
        return Ok(String::new());
    }
    let mut out = Vec::new();
    let mut cases = db.prepare_cached(
        "SELECT c.title FROM case_items ci JOIN cases c ON c.id = ci.case_id
         WHERE ci.item_id = ?1 ORDER BY c.title",
    )?;
    for title in cases.query_map([id], |r| r.get::<_, String>(0))? {
        out.push(format!("Case: {}", title?));
    }
    let mut people = db.prepare_cached(
        "SELECT p.name, (SELECT group_concat(alias, ', ') FROM aliases a WHERE a.person_id = p.id)
         FROM people p WHERE p.id IN (
             SELECT person_id FROM person_items WHERE item_id = ?1
             UNION SELECT cp.person_id FROM case_people cp
                 JOIN case_items ci ON ci.case_id = cp.case_id WHERE ci.item_id = ?1)
         ORDER BY p.name",
    )?;
    let rows = people.query_map([id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    for row in rows {
        let (name, aliases) = row?;
        out.push(match aliases {
            Some(a) => format!("Person: {name} ({a})"),
            None => format!("Person: {name}"),
        });
    }
    Ok(out.join("\n"))
}

/// The items whose search entry names a case or person (see [`linked_names`]): to index
/// again when that case or person, or a link to it, changes.
pub(crate) fn items_naming(db: &Connection, kind: &str, id: &str) -> Result<Vec<String>> {
    let sql = match kind {
        "case" => "SELECT item_id FROM case_items WHERE case_id = ?1",
        _ => {
            "SELECT item_id FROM person_items WHERE person_id = ?1
             UNION SELECT ci.item_id FROM case_people cp
                 JOIN case_items ci ON ci.case_id = cp.case_id WHERE cp.person_id = ?1"
        }
    };
    let mut stmt = db.prepare_cached(sql)?;
    let ids = stmt.query_map([id], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// Indexes each of `items` again (those still there).
pub(crate) fn reindex_items(db: &Connection, items: &[String]) -> Result<()> {
    for id in items {
        let exists: bool = db
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM items WHERE id = ?1)")?
            .query_row([id], |r| r.get(0))?;
        if exists {
            index_item(db, id)?;
        }
    }
    Ok(())
}

pub(crate) fn index_case(db: &Connection, id: &str) -> Result<()> {
    let c = register::load_case(db, id)?;
    let mut parts = vec![
        c.title.clone(),
        c.court.clone(),
        c.status.clone(),
        c.notes.clone(),
    ];
    parts.extend(
        c.numbers
            .iter()
            .map(|n| format!("{} {}", n.number, n.authority)),
    );
    parts.extend(
        c.charges
            .iter()
            .map(|ch| format!("{} {}", ch.article, ch.description)),
    );
    index(db, "case", id, &lines(parts.iter().map(String::as_str)))
}

pub(crate) fn index_person(db: &Connection, id: &str) -> Result<()> {
    let p = register::load_person(db, id)?;
    let mut parts = vec![p.name.clone()];
    parts.extend(p.aliases.iter().cloned());
    parts.extend([p.nationality.clone(), p.notes.clone()]);
    index(db, "person", id, &lines(parts.iter().map(String::as_str)))
}

pub(crate) fn index_event(db: &Connection, id: &str) -> Result<()> {
    let e = register::load_event(db, id)?;
    let date = e.date.clone().unwrap_or_default();
    index(
        db,
        "event",
        id,
        &lines([e.title.as_str(), &e.description, &e.place, &date]),
    )
}

/// Indexes everything (used when a catalog is upgraded to a schema with search).
pub(crate) fn rebuild(db: &Connection) -> Result<()> {
    db.execute_batch("DELETE FROM search; DELETE FROM search_keys;")?;
    for (table, f) in [
        ("items", index_item as fn(&Connection, &str) -> Result<()>),
        ("cases", index_case),
        ("people", index_person),
        ("events", index_event),
    ] {
        let ids: Vec<String> = db
            .prepare(&format!("SELECT id FROM {table}"))?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in ids {
            f(db, &id)?;
        }
    }
    Ok(())
}
