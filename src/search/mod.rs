//! Full-text search over everything the catalog knows, with SQLite FTS5 inside the encrypted
//! catalog: item names, notes and sources; cases (titles, numbers, courts, charges); people (all
//! spellings); events. Each entry is indexed twice: as written, and folded by
//! [`crate::register::names::fold`] so that a Latin query finds Cyrillic text and back.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::register::{self, FuzzyDate, names};

mod index;
mod snippet;

pub(crate) use index::{
    index_case, index_event, index_item, index_person, items_naming, rebuild, reindex_items,
    unindex,
};

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
    /// Only each hit's kind, id and rank, without label or snippet: the app lists thousands of
    /// hits and asks why only for the rows on screen ([`crate::Vault::why`]).
    pub ids_only: bool,
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
    SELECT k.kind, k.id, e.rowid, e.rank
    FROM temp.entry_hits e JOIN search_keys k ON k.rowid = e.rowid
    UNION ALL
    SELECT 'item', id, NULL, rank FROM temp.text_hits
)
SELECT kind, id, entry, min(rank) AS best FROM hits AS k
WHERE (?1 IS NULL
       OR (k.kind = 'case' AND k.id = ?1)
       OR (k.kind = 'event' AND k.id IN (SELECT id FROM events WHERE case_id = ?1))
       OR (k.kind = 'item' AND k.id IN (
             SELECT item_id FROM case_items WHERE case_id = ?1
             UNION SELECT ei.item_id FROM event_items ei JOIN events e ON e.id = ei.event_id WHERE e.case_id = ?1))
       OR (k.kind = 'person' AND k.id IN (
             SELECT person_id FROM case_people WHERE case_id = ?1
             UNION SELECT ep.person_id FROM event_people ep JOIN events e ON e.id = ep.event_id WHERE e.case_id = ?1)))
  AND (?2 IS NULL
       OR (k.kind = 'person' AND k.id = ?2)
       OR (k.kind = 'case' AND k.id IN (SELECT case_id FROM case_people WHERE person_id = ?2))
       OR (k.kind = 'event' AND k.id IN (SELECT event_id FROM event_people WHERE person_id = ?2))
       OR (k.kind = 'item' AND k.id IN (
             SELECT item_id FROM person_items WHERE person_id = ?2
             UNION SELECT ei.item_id FROM event_items ei JOIN event_people ep ON ep.event_id = ei.event_id
                   WHERE ep.person_id = ?2)))
  AND (?3 IS NULL OR (k.kind = 'item' AND k.id IN (
             -- not LIKE: a LIKE pattern from a parameter makes SQLite compile the statement
             -- again at every search
             SELECT id FROM items WHERE substr(media_type, 1, length(?3)) = ?3)))
  AND (?4 IS NULL
       OR (k.kind = 'item' AND k.id IN (SELECT id FROM item_dates WHERE day >= ?4))
       OR (k.kind = 'event' AND k.id IN (SELECT id FROM events WHERE coalesce(end_key,
             -- the last day a year- or month-precise date can mean
             CASE length(replace(date, '~', '')) WHEN 4 THEN substr(date_key, 1, 4) || '-12-31'
                  WHEN 7 THEN date(date_key, '+1 month', '-1 day') ELSE date_key END) >= ?4)))
  AND (?5 IS NULL
       OR (k.kind = 'item' AND k.id IN (SELECT id FROM item_dates WHERE day <= ?5))
       OR (k.kind = 'event' AND k.id IN (SELECT id FROM events WHERE date_key <= ?5)))
  -- one lookup per hit: `IN (SELECT id FROM items …)` built a table of every item per search
  AND (k.kind != 'item' OR EXISTS (
             SELECT 1 FROM items i WHERE i.id = k.id AND i.deleted_at IS NULL AND i.purged_at IS NULL))
GROUP BY kind, id
ORDER BY best
LIMIT ?6");

/// The best-ranked entries of the catalog's index, of one kind or all, in FTS5's own rank
/// order (ranking is done inside FTS5; joining first would rank every match in SQL).
const ENTRY_HITS_SQL: &str = "INSERT INTO temp.entry_hits (rowid, rank)
    SELECT s.rowid, s.rank FROM search s JOIN search_keys k ON k.rowid = s.rowid
    WHERE search MATCH ?1 AND s.rank MATCH 'bm25(1.0, 0.5)' AND (?2 IS NULL OR k.kind = ?2)
    ORDER BY s.rank LIMIT ?3";

/// A search's filters, checked and resolved to ids.
struct Filters {
    case: Option<String>,
    person: Option<String>,
    kind: Option<String>,
}

impl Filters {
    fn new(db: &Connection, q: &Query) -> Result<Filters> {
        if let Some(k) = &q.kind
            && !["item", "case", "person", "event"].contains(&k.as_str())
        {
            return Err(Error::Invalid(format!(
                "{k:?} is not a kind: use item, case, person or event"
            )));
        }
        Ok(Filters {
            case: q
                .case
                .as_deref()
                .map(|c| register::resolve(db, "cases", "case", c))
                .transpose()?,
            person: q
                .person
                .as_deref()
                .map(|p| register::resolve(db, "people", "person", p))
                .transpose()?,
            kind: q.kind.clone(),
        })
    }
}

/// (kind, id, the catalog entry's rowid when the best match was there, rank), best first.
type Ranked = Vec<(String, String, Option<i64>, f64)>;

/// How many of each index's best matches to rank, beyond the limit, before all of them are:
/// deleted items and duplicates (an item matched in its entry and its text) fall out.
const SLACK: usize = 16;

/// The `limit` best hits. Each index is asked for its best `limit + SLACK` matches only; the
/// answer is exact unless an index had more and the hits kept could rank below its last one
/// (then every match is ranked). A case, person, type or date filter ranks every match from
/// the start: most of the best matches across the vault would be filtered out.
fn ranked(db: &Connection, texts: &Connection, q: &Query, f: &Filters) -> Result<Ranked> {
    let (expression, text_expression) = fts_expressions(&q.text)?;
    let limit = if q.limit == 0 { 50 } else { q.limit };
    let narrowed = f.case.is_some()
        || f.person.is_some()
        || q.media_type.is_some()
        || q.from.is_some()
        || q.to.is_some();
    // Text hits are items: a search for cases, people or events needs no text index.
    let with_texts = f.kind.as_deref().is_none_or(|k| k == "item");
    // Both indexes' hits meet in in-memory temporary tables, so that the same filters apply
    // to both (temp_store = MEMORY: they never reach the disk).
    db.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS entry_hits (rowid INTEGER, rank REAL);
         CREATE TEMP TABLE IF NOT EXISTS text_hits (id TEXT, rank REAL);",
    )?;
    let mut fetch = (!narrowed).then_some(limit + SLACK);
    loop {
        db.execute_batch("DELETE FROM temp.entry_hits; DELETE FROM temp.text_hits;")?;
        let quota = fetch.map_or(-1, |n| n as i64);
        let entries = db
            .prepare_cached(ENTRY_HITS_SQL)?
            .execute(params![expression, f.kind, quota])?;
        // The last rank an index gave when it had more to give: nothing it left out ranks
        // better.
        let mut floors = Vec::new();
        if fetch == Some(entries) {
            floors.push(
                db.query_row("SELECT max(rank) FROM temp.entry_hits", [], |r| {
                    r.get::<_, f64>(0)
                })?,
            );
        }
        if with_texts {
            let found = crate::textindex::search(texts, &text_expression, quota)?;
            if fetch == Some(found.len())
                && let Some((_, last)) = found.last()
            {
                floors.push(*last);
            }
            let mut insert =
                db.prepare_cached("INSERT INTO temp.text_hits (id, rank) VALUES (?1, ?2)")?;
            for (id, rank) in found {
                insert.execute(params![id, rank])?;
            }
        }
        let mut stmt = db.prepare_cached(SEARCH_SQL)?;
        let rows = stmt.query_map(
            params![
                f.case,
                f.person,
                q.media_type,
                q.from.as_ref().map(FuzzyDate::sort_key),
                q.to.as_ref().map(FuzzyDate::last_day),
                limit as i64
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let ranked: Ranked = rows.collect::<rusqlite::Result<_>>()?;
        let exact = floors.iter().all(|floor| {
            ranked.len() == limit && ranked.last().is_some_and(|(.., rank)| rank <= floor)
        });
        if exact {
            return Ok(ranked);
        }
        fetch = None;
    }
}

/// Full-text search, ranked (BM25), with a snippet per hit, over the catalog `db` and the
/// text index `texts`. Deleted items are not shown.
pub(crate) fn search(db: &Connection, texts: &Connection, q: &Query) -> Result<Vec<Hit>> {
    let filters = Filters::new(db, q)?;
    let ranked = ranked(db, texts, q, &filters)?;
    let mut matcher = snippet::Matcher::new(&q.text);
    let mut hits = Vec::with_capacity(ranked.len());
    for (kind, id, entry, rank) in ranked {
        let (label, snippet) = if q.ids_only {
            (String::new(), String::new())
        } else {
            // The passage of the best-ranked match: the entry's, or the item's text's.
            let text = match entry {
                Some(rowid) => entry_text(db, rowid)?,
                None => crate::textindex::get(texts, &id)?,
            }
            .unwrap_or_default();
            let snippet = matcher
                .passage(&text)
                .map_or_else(|| snippet::opening(&text), |p| p.text);
            (label(db, &kind, &id)?, snippet)
        };
        hits.push(Hit {
            kind,
            id,
            label,
            snippet,
            rank,
        });
    }
    Ok(hits)
}

/// Why each of `items` matches `query`: the passage of its entry (name, notes, linked cases
/// and people) or of its text that shows the most of the query's words, the entry's first.
/// For the rows a list shows, after a search with [`Query::ids_only`].
pub(crate) fn why(
    db: &Connection,
    texts: &Connection,
    query: &str,
    items: &[String],
) -> Result<Vec<String>> {
    let mut matcher = snippet::Matcher::new(query);
    let mut out = Vec::with_capacity(items.len());
    for id in items {
        let entry: String = rusqlite::OptionalExtension::optional(
            db.prepare_cached(
                "SELECT s.text FROM search s JOIN search_keys k ON k.rowid = s.rowid
                 WHERE k.kind = 'item' AND k.id = ?1",
            )?
            .query_row([id], |r| r.get(0)),
        )?
        .unwrap_or_default();
        let mut best = matcher.passage(&entry);
        if best.as_ref().is_none_or(|p| p.words < matcher.words())
            && let Some(text) = crate::textindex::get(texts, id)?
            && let Some(p) = matcher.passage(&text)
            && best.as_ref().is_none_or(|b| p.words > b.words)
        {
            best = Some(p);
        }
        out.push(best.map(|p| p.text).unwrap_or_default());
    }
    Ok(out)
}

/// The indexed text of a catalog entry, as written.
fn entry_text(db: &Connection, rowid: i64) -> Result<Option<String>> {
    Ok(rusqlite::OptionalExtension::optional(
        db.prepare_cached("SELECT text FROM search WHERE rowid = ?1")?
            .query_row([rowid], |r| r.get(0)),
    )?)
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
