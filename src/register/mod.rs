//! The register: cases, people and dated events, and the links between them and the evidence.
//! It lives in the encrypted catalog next to the items; every change goes through
//! [`Vault`]'s commit and is recorded in the custody log. Deleting a case, person or event
//! removes it and its links, never evidence.

pub mod dates;
pub mod kinds;
pub mod names;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::storage::names::random_hex;
pub use dates::{FuzzyDate, Precision};
pub use kinds::EventKind;

/// Roles offered by front ends; any other non-empty word is accepted too.
pub const COMMON_ROLES: &[&str] = &[
    "detainee",
    "lawyer",
    "family",
    "judge",
    "prosecutor",
    "witness",
    "victim",
    "investigator",
];

/// The one order of a chronology, whatever the dates' precision: by the first day a date can
/// mean; on the same first day, the coarser date first (`2031`, then `2031-01`, then
/// `2031-01-01`), approximate or not; then by the last day of a range, then by title. Undated
/// events come last (a dossier lists them apart). Dossiers print this rule above the
/// chronology.
pub const CHRONOLOGICAL: &str = "date_key IS NULL, date_key, length(replace(date, '~', '')), \
     end_key IS NOT NULL, end_key, title";

// ---- types --------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseNumber {
    pub number: String,
    /// The jurisdiction or authority that issued it (a court, a prosecutor's office, the WGAD).
    pub authority: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Charge {
    /// The article reference, e.g. "Art. 190(4) Criminal Code of Kazakhstan".
    pub article: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Case {
    pub id: String,
    pub title: String,
    pub numbers: Vec<CaseNumber>,
    pub court: String,
    pub charges: Vec<Charge>,
    pub status: String,
    pub notes: String,
    pub created_at: String,
}

/// Fields of a new case.
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    pub title: String,
    pub numbers: Vec<CaseNumber>,
    pub court: String,
    pub charges: Vec<Charge>,
    pub status: String,
    pub notes: String,
}

/// Changes to a case; `None` and empty lists leave things as they are.
#[derive(Debug, Clone, Default)]
pub struct CaseEdit {
    pub title: Option<String>,
    pub court: Option<String>,
    pub status: Option<String>,
    pub notes: Option<String>,
    pub add_numbers: Vec<CaseNumber>,
    pub remove_numbers: Vec<String>,
    pub add_charges: Vec<Charge>,
    pub remove_charges: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Person {
    pub id: String,
    pub name: String,
    /// Other spellings and transliterations.
    pub aliases: Vec<String>,
    pub born: Option<String>,
    pub nationality: String,
    pub notes: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub name: String,
    pub aliases: Vec<String>,
    pub born: Option<FuzzyDate>,
    pub nationality: String,
    pub notes: String,
}

#[derive(Debug, Clone, Default)]
pub struct PersonEdit {
    pub name: Option<String>,
    pub add_aliases: Vec<String>,
    pub remove_aliases: Vec<String>,
    pub born: Option<FuzzyDate>,
    pub nationality: Option<String>,
    pub notes: Option<String>,
}

/// A person the register already holds whose name is close to a new one.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PossibleDuplicate {
    pub id: String,
    pub name: String,
    /// The existing name or alias that matched.
    pub matched: String,
    pub similarity: f64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Event {
    pub id: String,
    pub case_id: Option<String>,
    pub title: String,
    /// `None` when no kind was given.
    pub kind: Option<EventKind>,
    /// As written: `2019`, `2019-03`, `~2019-03-12`; `None` for an undated event.
    pub date: Option<String>,
    pub precision: Option<Precision>,
    pub approximate: bool,
    pub end_date: Option<String>,
    pub place: String,
    pub description: String,
    pub people: Vec<String>,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub case_id: Option<String>,
    pub title: String,
    pub kind: Option<EventKind>,
    pub date: Option<FuzzyDate>,
    pub end: Option<FuzzyDate>,
    pub place: String,
    pub description: String,
    pub people: Vec<String>,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct EventEdit {
    pub title: Option<String>,
    /// `Some(None)` takes the kind away.
    pub kind: Option<Option<EventKind>>,
    pub date: Option<Option<FuzzyDate>>,
    pub end: Option<Option<FuzzyDate>>,
    pub place: Option<String>,
    pub description: Option<String>,
}

/// A link between two entities. Links are symmetric: each side shows the other. Front ends
/// send it as `{"kind": "case_item", "case": …, "item": …}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Link {
    CaseItem {
        case: String,
        item: String,
    },
    CasePerson {
        case: String,
        person: String,
        role: String,
    },
    PersonItem {
        person: String,
        item: String,
    },
    EventItem {
        event: String,
        item: String,
    },
    EventPerson {
        event: String,
        person: String,
    },
}

/// A short reference to an entity, for lists.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Ref {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LinkedItem {
    pub id: String,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    /// How it is linked: `direct`, or `event <id>` when only through one of the events.
    pub via: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CasePersonRole {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
}

/// Everything linked to a case.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    pub people: Vec<CasePersonRole>,
    /// Dated events, sorted by the first day they could mean.
    pub chronology: Vec<Event>,
    pub undated: Vec<Event>,
    pub items: Vec<LinkedItem>,
}

/// Everything linked to a person.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonView {
    #[serde(flatten)]
    pub person: Person,
    pub cases: Vec<CaseRole>,
    pub events: Vec<Event>,
    pub items: Vec<LinkedItem>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseRole {
    pub id: String,
    pub title: String,
    pub roles: Vec<String>,
}

/// Everything an item is linked to.
#[derive(Debug, Clone, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemLinks {
    pub cases: Vec<Ref>,
    pub people: Vec<Ref>,
    pub events: Vec<Ref>,
    /// Items that came attached to this one (e-mail attachments).
    pub attachments: Vec<Ref>,
    /// Items this one came attached to.
    pub attached_to: Vec<Ref>,
}

// ---- helpers ------------------------------------------------------------------------------

pub(crate) fn required(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::Invalid(format!("{field} cannot be empty")));
    }
    Ok(v.to_string())
}

/// Resolves a full id or unique prefix (≥ 4 hex digits) in `table`.
pub(crate) fn resolve(
    db: &Connection,
    table: &'static str,
    what: &'static str,
    id: &str,
) -> Result<String> {
    let id = id.trim().to_ascii_lowercase();
    let missing = || Error::NoSuchEntity {
        kind: what,
        id: id.clone(),
    };
    if id.len() < 4 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let mut stmt = db.prepare_cached(&format!(
        "SELECT id FROM {table} WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 6"
    ))?;
    let found: Vec<String> = stmt
        .query_map([&id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    match found.as_slice() {
        [] => Err(missing()),
        [one] => Ok(one.clone()),
        many if many.contains(&id) => Ok(id),
        many => Err(Error::AmbiguousId {
            prefix: id.clone(),
            candidates: many.join(", "),
        }),
    }
}

pub(crate) fn new_id(db: &Connection, table: &str) -> Result<String> {
    loop {
        let id = random_hex(8);
        let taken: bool = db.query_row(
            &format!("SELECT EXISTS(SELECT 1 FROM {table} WHERE id = ?1)"),
            [&id],
            |r| r.get(0),
        )?;
        if !taken {
            return Ok(id);
        }
    }
}

pub(crate) fn role_word(role: &str) -> String {
    role.trim().to_lowercase()
}

// ---- reading ------------------------------------------------------------------------------

pub(crate) fn load_case(db: &Connection, id: &str) -> Result<Case> {
    let (title, court, status, notes, created_at) = db
        .query_row(
            "SELECT title, court, status, notes, created_at FROM cases WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?
        .ok_or_else(|| Error::NoSuchEntity {
            kind: "case",
            id: id.into(),
        })?;
    let mut stmt = db.prepare_cached(
        "SELECT number, authority FROM case_numbers WHERE case_id = ?1 ORDER BY rowid",
    )?;
    let numbers = stmt
        .query_map([id], |r| {
            Ok(CaseNumber {
                number: r.get(0)?,
                authority: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = db.prepare_cached(
        "SELECT article, description FROM charges WHERE case_id = ?1 ORDER BY rowid",
    )?;
    let charges = stmt
        .query_map([id], |r| {
            Ok(Charge {
                article: r.get(0)?,
                description: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Case {
        id: id.into(),
        title,
        numbers,
        court,
        charges,
        status,
        notes,
        created_at,
    })
}

pub(crate) fn load_person(db: &Connection, id: &str) -> Result<Person> {
    let (name, born, nationality, notes, created_at) = db
        .query_row(
            "SELECT name, born, nationality, notes, created_at FROM people WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?
        .ok_or_else(|| Error::NoSuchEntity {
            kind: "person",
            id: id.into(),
        })?;
    let mut stmt =
        db.prepare_cached("SELECT alias FROM aliases WHERE person_id = ?1 ORDER BY rowid")?;
    let aliases = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Person {
        id: id.into(),
        name,
        aliases,
        born,
        nationality,
        notes,
        created_at,
    })
}

/// Gives an event its kind, or (`None`) takes it away. Call inside a logged change.
pub(crate) fn set_event_kind(db: &Connection, id: &str, kind: Option<EventKind>) -> Result<()> {
    match kind {
        Some(k) => db.execute(
            "INSERT INTO event_kinds (event_id, kind) VALUES (?1, ?2)
             ON CONFLICT (event_id) DO UPDATE SET kind = excluded.kind",
            params![id, k.as_str()],
        )?,
        None => db.execute("DELETE FROM event_kinds WHERE event_id = ?1", [id])?,
    };
    Ok(())
}

pub(crate) fn load_event(db: &Connection, id: &str) -> Result<Event> {
    let mut event = db
        .query_row(
            "SELECT e.case_id, e.title, e.date, e.end_date, e.place, e.description, k.kind
             FROM events e LEFT JOIN event_kinds k ON k.event_id = e.id WHERE e.id = ?1",
            [id],
            |r| {
                let date: Option<String> = r.get(2)?;
                let parsed = date.as_deref().and_then(|d| FuzzyDate::parse(d).ok());
                Ok(Event {
                    id: id.into(),
                    case_id: r.get(0)?,
                    title: r.get(1)?,
                    // A kind a newer Dossier may add reads as none rather than failing.
                    kind: r
                        .get::<_, Option<String>>(6)?
                        .and_then(|k| EventKind::parse(&k).ok()),
                    precision: parsed.as_ref().map(FuzzyDate::precision),
                    approximate: parsed.as_ref().is_some_and(|d| d.approximate),
                    date,
                    end_date: r.get(3)?,
                    place: r.get(4)?,
                    description: r.get(5)?,
                    people: Vec::new(),
                    items: Vec::new(),
                })
            },
        )
        .optional()?
        .ok_or_else(|| Error::NoSuchEntity {
            kind: "event",
            id: id.into(),
        })?;
    let mut stmt =
        db.prepare_cached("SELECT person_id FROM event_people WHERE event_id = ?1 ORDER BY rowid")?;
    event.people = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt =
        db.prepare_cached("SELECT item_id FROM event_items WHERE event_id = ?1 ORDER BY rowid")?;
    event.items = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(event)
}

pub(crate) fn ids(db: &Connection, sql: &str, id: &str) -> Result<Vec<String>> {
    let mut stmt = db.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Items linked directly to any of `direct_sql`'s ids, or through the given events.
fn linked_items(
    db: &Connection,
    direct: &[String],
    via_events: &[Event],
) -> Result<Vec<LinkedItem>> {
    let mut order: Vec<String> = Vec::new();
    let mut via: std::collections::HashMap<String, Vec<String>> = Default::default();
    for id in direct {
        if !via.contains_key(id) {
            order.push(id.clone());
        }
        via.entry(id.clone()).or_default().push("direct".into());
    }
    for e in via_events {
        for id in &e.items {
            if !via.contains_key(id) {
                order.push(id.clone());
            }
            via.entry(id.clone())
                .or_default()
                .push(format!("event {}", e.id));
        }
    }
    let mut stmt =
        db.prepare_cached("SELECT name, media_type, size, sha256 FROM items WHERE id = ?1")?;
    let mut out = Vec::with_capacity(order.len());
    for id in order {
        let (name, media_type, size, sha256): (String, String, i64, String) =
            stmt.query_row([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        out.push(LinkedItem {
            via: via.remove(&id).unwrap_or_default(),
            id,
            name,
            media_type,
            size: size as u64,
            sha256,
        });
    }
    Ok(out)
}

fn chronology(events: Vec<Event>) -> (Vec<Event>, Vec<Event>) {
    events.into_iter().partition(|e| e.date.is_some())
}

/// Rows of (id, label, role) grouped into one entry per id with its non-empty roles.
fn grouped_roles(
    db: &Connection,
    sql: &str,
    id: &str,
) -> Result<Vec<(String, String, Vec<String>)>> {
    let mut stmt = db.prepare_cached(sql)?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for (other, label, role) in rows {
        if out.last().is_none_or(|(last, _, _)| *last != other) {
            out.push((other, label, Vec::new()));
        }
        if !role.is_empty() {
            out.last_mut().expect("just pushed").2.push(role);
        }
    }
    Ok(out)
}

/// The events `event_sql` selects for `id`, and the items linked directly (`item_sql`) or
/// through those events.
fn events_and_items(
    db: &Connection,
    event_sql: &str,
    item_sql: &str,
    id: &str,
) -> Result<(Vec<Event>, Vec<LinkedItem>)> {
    let events = ids(db, event_sql, id)?
        .iter()
        .map(|e| load_event(db, e))
        .collect::<Result<Vec<_>>>()?;
    let direct = ids(db, item_sql, id)?;
    let items = linked_items(db, &direct, &events)?;
    Ok((events, items))
}

pub(crate) fn case_view(db: &Connection, id: &str) -> Result<CaseView> {
    let case = load_case(db, id)?;
    let people = grouped_roles(
        db,
        "SELECT p.id, p.name, cp.role FROM case_people cp JOIN people p ON p.id = cp.person_id
         WHERE cp.case_id = ?1 ORDER BY p.name, p.id, cp.role",
        id,
    )?
    .into_iter()
    .map(|(id, name, roles)| CasePersonRole { id, name, roles })
    .collect();
    let (events, items) = events_and_items(
        db,
        &format!("SELECT id FROM events WHERE case_id = ?1 ORDER BY {CHRONOLOGICAL}"),
        "SELECT item_id FROM case_items WHERE case_id = ?1 ORDER BY rowid",
        id,
    )?;
    let (chronology, undated) = chronology(events);
    Ok(CaseView {
        case,
        people,
        chronology,
        undated,
        items,
    })
}

pub(crate) fn person_view(db: &Connection, id: &str) -> Result<PersonView> {
    let person = load_person(db, id)?;
    let cases = grouped_roles(
        db,
        "SELECT c.id, c.title, cp.role FROM case_people cp JOIN cases c ON c.id = cp.case_id
         WHERE cp.person_id = ?1 ORDER BY c.title, c.id, cp.role",
        id,
    )?
    .into_iter()
    .map(|(id, title, roles)| CaseRole { id, title, roles })
    .collect();
    let (events, items) = events_and_items(
        db,
        &format!(
            "SELECT e.id FROM event_people ep JOIN events e ON e.id = ep.event_id
             WHERE ep.person_id = ?1 ORDER BY {CHRONOLOGICAL}"
        ),
        "SELECT item_id FROM person_items WHERE person_id = ?1 ORDER BY rowid",
        id,
    )?;
    Ok(PersonView {
        person,
        cases,
        events,
        items,
    })
}

pub(crate) fn item_links(db: &Connection, item: &str) -> Result<ItemLinks> {
    let refs = |sql: &str| -> Result<Vec<Ref>> {
        let mut stmt = db.prepare_cached(sql)?;
        let rows = stmt.query_map([item], |r| {
            Ok(Ref {
                id: r.get(0)?,
                label: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    Ok(ItemLinks {
        cases: refs(
            "SELECT c.id, c.title FROM case_items ci JOIN cases c ON c.id = ci.case_id WHERE ci.item_id = ?1 ORDER BY c.title",
        )?,
        people: refs(
            "SELECT p.id, p.name FROM person_items pi JOIN people p ON p.id = pi.person_id WHERE pi.item_id = ?1 ORDER BY p.name",
        )?,
        events: refs(
            "SELECT e.id, coalesce(e.date || ' ', '') || e.title FROM event_items ei JOIN events e ON e.id = ei.event_id WHERE ei.item_id = ?1 ORDER BY e.date_key",
        )?,
        attachments: refs(
            "SELECT i.id, i.name FROM item_relations r JOIN items i ON i.id = r.child_id
             WHERE r.parent_id = ?1 ORDER BY i.imported_at",
        )?,
        attached_to: refs(
            "SELECT i.id, i.name FROM item_relations r JOIN items i ON i.id = r.parent_id
             WHERE r.child_id = ?1 ORDER BY i.imported_at",
        )?,
    })
}

/// People whose name or an alias is close to any of `names`.
pub(crate) fn possible_duplicates(
    db: &Connection,
    names: &[&str],
    except: Option<&str>,
) -> Result<Vec<PossibleDuplicate>> {
    let mut stmt = db.prepare_cached(
        "SELECT p.id, p.name, p.name FROM people p UNION ALL
         SELECT p.id, p.name, a.alias FROM aliases a JOIN people p ON p.id = a.person_id",
    )?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut best: std::collections::BTreeMap<String, PossibleDuplicate> = Default::default();
    for (id, name, candidate) in rows {
        if Some(id.as_str()) == except {
            continue;
        }
        for n in names {
            let similarity = names::similarity(n, &candidate);
            if similarity >= names::DUPLICATE_THRESHOLD
                && best.get(&id).is_none_or(|b| b.similarity < similarity)
            {
                best.insert(
                    id.clone(),
                    PossibleDuplicate {
                        id: id.clone(),
                        name: name.clone(),
                        matched: candidate.clone(),
                        similarity,
                    },
                );
            }
        }
    }
    let mut out: Vec<_> = best.into_values().collect();
    out.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    Ok(out)
}

pub(crate) fn check_range(start: Option<&FuzzyDate>, end: Option<&FuzzyDate>) -> Result<()> {
    match (start, end) {
        (None, Some(_)) => Err(Error::Invalid(
            "an undated event cannot have an end date".into(),
        )),
        (Some(s), Some(e)) if e.last_day() < s.sort_key() => Err(Error::Invalid(format!(
            "the event ends ({e}) before it starts ({s})"
        ))),
        _ => Ok(()),
    }
}

pub(crate) fn insert_number(db: &Connection, case: &str, n: &CaseNumber) -> Result<()> {
    let number = required("a case number", &n.number)?;
    db.execute(
        "INSERT OR IGNORE INTO case_numbers (case_id, number, authority) VALUES (?1, ?2, ?3)",
        params![case, number, n.authority.trim()],
    )?;
    Ok(())
}

pub(crate) fn insert_charge(db: &Connection, case: &str, c: &Charge) -> Result<()> {
    let article = required("a charge's article", &c.article)?;
    db.execute(
        "INSERT OR REPLACE INTO charges (case_id, article, description) VALUES (?1, ?2, ?3)",
        params![case, article, c.description.trim()],
    )?;
    Ok(())
}

pub(crate) fn insert_alias(db: &Connection, person: &str, alias: &str) -> Result<()> {
    let alias = required("an alias", alias)?;
    db.execute(
        "INSERT OR IGNORE INTO aliases (person_id, alias) VALUES (?1, ?2)",
        params![person, alias],
    )?;
    Ok(())
}
