//! Full-text search over everything the catalog knows, with SQLite FTS5 inside the encrypted
//! catalog: item names, notes and sources; cases (titles, numbers, courts, charges); people (all
//! spellings); events. Each entry is indexed twice: as written, and folded by
//! [`crate::register::names::fold`] so that a Latin query finds Cyrillic text and back.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::register::{self, FuzzyDate, names};

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

/// What to look for, and where.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub text: String,
    /// Only the case itself and what is linked to it (directly or through its events).
    pub case: Option<String>,
    /// Only the person and what is linked to them.
    pub person: Option<String>,
    /// `item`, `case`, `person` or `event`.
    pub kind: Option<String>,
    /// Items whose media type starts with this (`image/`, `application/pdf`).
    pub media_type: Option<String>,
    /// Items made (photo taken, e-mail sent; else imported), or events happening, on or after /
    /// before these dates.
    pub from: Option<FuzzyDate>,
    pub to: Option<FuzzyDate>,
    pub limit: usize,
}

/// One result, best first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Hit {
    pub kind: String,
    pub id: String,
    /// The item's name, case title, person's name or event date and title.
    pub label: String,
    /// The matching text with matches in [brackets].
    pub snippet: String,
    /// BM25 score: lower is better.
    pub rank: f64,
}

/// FTS5 expressions for the catalog's index (every word as written or folded, by prefix) and
/// for the text index (as written).
fn fts_expressions(text: &str) -> Result<(String, String)> {
    let main = fts_expression(text)?;
    let plain: Vec<String> = text
        .split_whitespace()
        .map(phrase)
        .filter(|p| !p.is_empty())
        .map(|p| format!("\"{}\"*", p.join(" ")))
        .collect();
    Ok((main, plain.join(" AND ")))
}

/// A word as the tokenizer will have split it: lowercase alphanumeric parts (a case number
/// like "2-1547/2031" becomes the phrase "2 1547 2031"). Nothing else reaches FTS5 syntax.
fn phrase(word: &str) -> Vec<String> {
    word.split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// An FTS5 expression: every word must match, as written (prefix) or folded (prefix).
fn fts_expression(text: &str) -> Result<String> {
    let mut terms = Vec::new();
    for word in text.split_whitespace() {
        let phrase = phrase(word);
        if phrase.is_empty() {
            continue;
        }
        let folded = names::fold(word);
        if folded.is_empty() {
            terms.push(format!("\"{}\"*", phrase.join(" ")));
        } else {
            terms.push(format!(
                "(\"{}\"* OR folded : \"{folded}\"*)",
                phrase.join(" ")
            ));
        }
    }
    if terms.is_empty() {
        return Err(Error::Invalid("the search has no words to look for".into()));
    }
    Ok(terms.join(" AND "))
}

/// `item_dates (id, day)`: the date evidence was made (photo taken, e-mail sent), else the date it
/// was imported. Shared by search filters and the library listing (a macro, so both SQL strings
/// stay literals).
macro_rules! item_dates_cte {
    () => {
        "item_dates (id, day) AS (
    -- The date evidence was made (photo taken, e-mail sent), else the date it was imported.
    -- Only dates that look like dates count ('unknown', '0000-00-00' do not).
    SELECT i.id, coalesce(
        (SELECT substr(d, 1, 10) FROM (SELECT json_extract(x.metadata, '$.date_taken') AS d
                                       UNION ALL SELECT json_extract(x.metadata, '$.date'))
         WHERE d GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]*' LIMIT 1),
        substr(i.imported_at, 1, 10))
    FROM items i LEFT JOIN extractions x ON x.item_id = i.id
)"
    };
}
pub(crate) use item_dates_cte;

const SEARCH_SQL: &str = concat!(
    "WITH ",
    item_dates_cte!(),
    ",
hits (kind, id, entry, rank) AS (
    -- Ranked without snippets: a snippet is made afterwards for the rows kept (long entries,
    -- an item's linked names, make snippets the costly part of a search).
    SELECT k.kind, k.id, search.rowid, bm25(search, 1.0, 0.5)
    FROM search JOIN search_keys k ON k.rowid = search.rowid
    WHERE search MATCH ?1
    UNION ALL
    SELECT 'item', id, NULL, rank FROM temp.text_hits
)
SELECT kind, id, entry, min(rank) AS best FROM hits AS k
WHERE (?2 IS NULL OR k.kind = ?2)
  AND (?3 IS NULL
       OR (k.kind = 'case' AND k.id = ?3)
       OR (k.kind = 'event' AND k.id IN (SELECT id FROM events WHERE case_id = ?3))
       OR (k.kind = 'item' AND k.id IN (
             SELECT item_id FROM case_items WHERE case_id = ?3
             UNION SELECT ei.item_id FROM event_items ei JOIN events e ON e.id = ei.event_id WHERE e.case_id = ?3))
       OR (k.kind = 'person' AND k.id IN (
             SELECT person_id FROM case_people WHERE case_id = ?3
             UNION SELECT ep.person_id FROM event_people ep JOIN events e ON e.id = ep.event_id WHERE e.case_id = ?3)))
  AND (?4 IS NULL
       OR (k.kind = 'person' AND k.id = ?4)
       OR (k.kind = 'case' AND k.id IN (SELECT case_id FROM case_people WHERE person_id = ?4))
       OR (k.kind = 'event' AND k.id IN (SELECT event_id FROM event_people WHERE person_id = ?4))
       OR (k.kind = 'item' AND k.id IN (
             SELECT item_id FROM person_items WHERE person_id = ?4
             UNION SELECT ei.item_id FROM event_items ei JOIN event_people ep ON ep.event_id = ei.event_id
                   WHERE ep.person_id = ?4)))
  AND (?5 IS NULL OR (k.kind = 'item' AND k.id IN (
             -- not LIKE: a LIKE pattern from a parameter makes SQLite compile the statement
             -- again at every search
             SELECT id FROM items WHERE substr(media_type, 1, length(?5)) = ?5)))
  AND (?6 IS NULL
       OR (k.kind = 'item' AND k.id IN (SELECT id FROM item_dates WHERE day >= ?6))
       OR (k.kind = 'event' AND k.id IN (SELECT id FROM events WHERE coalesce(end_key,
             -- the last day a year- or month-precise date can mean
             CASE length(replace(date, '~', '')) WHEN 4 THEN substr(date_key, 1, 4) || '-12-31'
                  WHEN 7 THEN date(date_key, '+1 month', '-1 day') ELSE date_key END) >= ?6)))
  AND (?7 IS NULL
       OR (k.kind = 'item' AND k.id IN (SELECT id FROM item_dates WHERE day <= ?7))
       OR (k.kind = 'event' AND k.id IN (SELECT id FROM events WHERE date_key <= ?7)))
  AND (k.kind != 'item' OR k.id IN (SELECT id FROM items WHERE deleted_at IS NULL AND purged_at IS NULL))
GROUP BY kind, id
ORDER BY best
LIMIT ?8");

/// Full-text search, ranked (BM25), with a snippet per hit, over the catalog `db` and the
/// text index `texts`. Deleted items are not shown.
pub(crate) fn search(db: &Connection, texts: &Connection, q: &Query) -> Result<Vec<Hit>> {
    let (expression, text_expression) = fts_expressions(&q.text)?;
    let case = q
        .case
        .as_deref()
        .map(|c| register::resolve(db, "cases", "case", c))
        .transpose()?;
    let person = q
        .person
        .as_deref()
        .map(|p| register::resolve(db, "people", "person", p))
        .transpose()?;
    if let Some(k) = &q.kind
        && !["item", "case", "person", "event"].contains(&k.as_str())
    {
        return Err(Error::Invalid(format!(
            "{k:?} is not a kind: use item, case, person or event"
        )));
    }
    let limit = if q.limit == 0 { 50 } else { q.limit } as i64;
    // With a filter, every text hit is a candidate: cutting first would hide the filtered
    // ones that rank lower across the whole vault.
    let filtered = q.case.is_some()
        || q.person.is_some()
        || q.kind.is_some()
        || q.media_type.is_some()
        || q.from.is_some()
        || q.to.is_some();
    let text_limit = if filtered { i64::MAX } else { limit * 4 };
    // Text hits join the catalog's hits through an in-memory temporary table, so that the
    // same filters apply to both (temp_store = MEMORY: it never reaches the disk).
    db.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS text_hits (id TEXT, rank REAL);
         DELETE FROM temp.text_hits;",
    )?;
    {
        let mut insert =
            db.prepare_cached("INSERT INTO temp.text_hits (id, rank) VALUES (?1, ?2)")?;
        for (id, rank) in crate::textindex::search(texts, &text_expression, text_limit)? {
            insert.execute(params![id, rank])?;
        }
    }
    let mut stmt = db.prepare_cached(SEARCH_SQL)?;
    let rows = stmt.query_map(
        params![
            expression,
            q.kind,
            case,
            person,
            q.media_type,
            q.from.as_ref().map(FuzzyDate::sort_key),
            q.to.as_ref().map(FuzzyDate::last_day),
            limit
        ],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, f64>(3)?,
            ))
        },
    )?;
    let ranked = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let mut entry_snippet = db.prepare_cached(
        "SELECT snippet(search, 0, '[', ']', '…', 12) FROM search WHERE search MATCH ?1 AND rowid = ?2",
    )?;
    let mut hits = Vec::new();
    for (kind, id, entry, rank) in ranked {
        // The snippet of the best-ranked match: the entry's, or the item's text's.
        let snippet: String = match entry {
            Some(rowid) => entry_snippet.query_row(params![expression, rowid], |r| r.get(0))?,
            None => crate::textindex::snippet(texts, &text_expression, &id)?.unwrap_or_default(),
        };
        let label = label(db, &kind, &id)?;
        // Matched only in another spelling (folded, transliterated): FTS5 highlights nothing
        // in the text as written, so the line that matched says why instead.
        let snippet = if snippet.contains('[') {
            snippet
        } else {
            matching_line(db, &kind, &id, &q.text)?.unwrap_or(snippet)
        };
        hits.push(Hit {
            kind,
            id,
            label,
            snippet: snippet.replace('\n', " · "),
            rank,
        });
    }
    Ok(hits)
}

/// The first line of an entry's indexed text that holds one of the query's words in any
/// spelling (compared folded, by prefix).
fn matching_line(db: &Connection, kind: &str, id: &str, query: &str) -> Result<Option<String>> {
    let text: Option<String> = rusqlite::OptionalExtension::optional(
        db.prepare_cached(
            "SELECT s.text FROM search s JOIN search_keys k ON k.rowid = s.rowid
             WHERE k.kind = ?1 AND k.id = ?2",
        )?
        .query_row(params![kind, id], |r| r.get(0)),
    )?;
    let words: Vec<String> = query
        .split_whitespace()
        .map(names::fold)
        .filter(|w| !w.is_empty())
        .collect();
    Ok(text.and_then(|t| {
        t.lines()
            .find(|line| {
                let folded = names::fold(line);
                folded
                    .split_whitespace()
                    .any(|tok| words.iter().any(|w| tok.starts_with(w.as_str())))
            })
            .map(String::from)
    }))
}

fn label(db: &Connection, kind: &str, id: &str) -> Result<String> {
    let sql = match kind {
        "item" => "SELECT name FROM items WHERE id = ?1",
        "case" => "SELECT title FROM cases WHERE id = ?1",
        "person" => "SELECT name FROM people WHERE id = ?1",
        _ => "SELECT coalesce(date || ' ', '') || title FROM events WHERE id = ?1",
    };
    Ok(db.prepare_cached(sql)?.query_row([id], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_match_as_written_and_folded() {
        assert_eq!(
            fts_expression("Ерімбетов").unwrap(),
            "(\"ерімбетов\"* OR folded : \"erimbetov\"*)"
        );
        // Case numbers become phrases of their parts, as the tokenizer splits them.
        assert!(
            fts_expression("2-1547/2031")
                .unwrap()
                .starts_with("(\"2 1547 2031\"*")
        );
        assert!(fts_expression("\" * ( )").is_err());
    }
}
