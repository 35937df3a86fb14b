//! The register on the vault: cases, people, events and their links. The data work is in
//! [`crate::register`]; this facade commits it, re-indexes what changed for search
//! ([`crate::search`]) in the same transaction, and records it in the custody log.

use rusqlite::params;
use serde_json::json;

use super::Vault;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::register::{
    self, Case, CaseEdit, CaseView, Event, EventEdit, FuzzyDate, ItemLinks, Link, NewCase,
    NewEvent, NewPerson, Person, PersonEdit, PersonView, PossibleDuplicate,
};
use crate::search;

impl Vault {
    pub fn cases(&self) -> Result<Vec<Case>> {
        let db = &self.catalog.db;
        register::ids(db, "SELECT id FROM cases WHERE ?1 = ?1 ORDER BY title", "")?
            .iter()
            .map(|id| register::load_case(db, id))
            .collect()
    }

    pub fn people(&self) -> Result<Vec<Person>> {
        let db = &self.catalog.db;
        register::ids(db, "SELECT id FROM people WHERE ?1 = ?1 ORDER BY name", "")?
            .iter()
            .map(|id| register::load_person(db, id))
            .collect()
    }

    /// A case with its people and roles, chronology (undated events apart) and evidence.
    pub fn case_view(&self, id: &str) -> Result<CaseView> {
        let id = register::resolve(&self.catalog.db, "cases", "case", id)?;
        register::case_view(&self.catalog.db, &id)
    }

    /// A person with their cases and roles, events and evidence.
    pub fn person_view(&self, id: &str) -> Result<PersonView> {
        let id = register::resolve(&self.catalog.db, "people", "person", id)?;
        register::person_view(&self.catalog.db, &id)
    }

    pub fn event(&self, id: &str) -> Result<Event> {
        let id = register::resolve(&self.catalog.db, "events", "event", id)?;
        register::load_event(&self.catalog.db, &id)
    }

    /// The cases, people and events an item is linked to.
    pub fn item_links(&self, item: &str) -> Result<ItemLinks> {
        let item = self.catalog.item(item)?;
        register::item_links(&self.catalog.db, &item.id)
    }

    /// People already in the register whose names are close to `names` (any script).
    pub fn possible_duplicates(&self, names: &[&str]) -> Result<Vec<PossibleDuplicate>> {
        register::possible_duplicates(&self.catalog.db, names, None)
    }

    pub fn add_case(&mut self, new: &NewCase) -> Result<Case> {
        let title = register::required("a case's title", &new.title)?;
        let (id, _) = self.commit(|cat, now| {
            let db = &cat.db;
            let id = register::new_id(db, "cases")?;
            db.execute(
                "INSERT INTO cases (id, title, court, status, notes, created_at) VALUES (?1,?2,?3,?4,?5,?6)",
                params![id, title, new.court.trim(), new.status.trim(), new.notes, now],
            )?;
            for n in &new.numbers {
                register::insert_number(db, &id, n)?;
            }
            for c in &new.charges {
                register::insert_charge(db, &id, c)?;
            }
            search::index_case(db, &id)?;
            let record = register::load_case(db, &id)?;
            custody::append(db, now, Action::Add, None, &json!({ "case": record }))?;
            Ok(id)
        })?;
        register::load_case(&self.catalog.db, &id)
    }

    pub fn edit_case(&mut self, id: &str, edit: &CaseEdit) -> Result<Case> {
        let id = register::resolve(&self.catalog.db, "cases", "case", id)?;
        if let Some(t) = &edit.title {
            register::required("a case's title", t)?;
        }
        self.commit(|cat, now| {
            let db = &cat.db;
            let before = register::load_case(db, &id)?;
            db.execute(
                "UPDATE cases SET title = coalesce(?2, title), court = coalesce(?3, court),
                 status = coalesce(?4, status), notes = coalesce(?5, notes) WHERE id = ?1",
                params![
                    id,
                    edit.title.as_deref().map(str::trim),
                    edit.court,
                    edit.status,
                    edit.notes
                ],
            )?;
            for n in &edit.remove_numbers {
                let gone = db.execute(
                    "DELETE FROM case_numbers WHERE case_id = ?1 AND number = ?2",
                    params![id, n.trim()],
                )?;
                if gone == 0 {
                    return Err(Error::Invalid(format!("case {id} has no number {n:?}")));
                }
            }
            for n in &edit.add_numbers {
                register::insert_number(db, &id, n)?;
            }
            for a in &edit.remove_charges {
                let gone = db.execute(
                    "DELETE FROM charges WHERE case_id = ?1 AND article = ?2",
                    params![id, a.trim()],
                )?;
                if gone == 0 {
                    return Err(Error::Invalid(format!("case {id} has no charge {a:?}")));
                }
            }
            for c in &edit.add_charges {
                register::insert_charge(db, &id, c)?;
            }
            search::index_case(db, &id)?;
            search::reindex_items(db, &search::items_naming(db, "case", &id)?)?;
            let after = register::load_case(db, &id)?;
            custody::append(
                db,
                now,
                Action::Edit,
                None,
                &json!({ "case": id, "from": before, "to": after }),
            )
        })?;
        register::load_case(&self.catalog.db, &id)
    }

    /// Deletes a case, its events and its links. Evidence is untouched; the custody entry
    /// keeps the whole record.
    pub fn delete_case(&mut self, id: &str) -> Result<Case> {
        let id = register::resolve(&self.catalog.db, "cases", "case", id)?;
        let view = register::case_view(&self.catalog.db, &id)?;
        self.commit(|cat, now| {
            let db = &cat.db;
            for e in view.chronology.iter().chain(&view.undated) {
                search::unindex(db, "event", &e.id)?;
            }
            search::unindex(db, "case", &id)?;
            let named = search::items_naming(db, "case", &id)?;
            db.execute("DELETE FROM cases WHERE id = ?1", [&id])?;
            search::reindex_items(db, &named)?;
            custody::append(db, now, Action::Delete, None, &json!({ "case": view }))
        })?;
        Ok(view.case)
    }

    /// Adds a person. Close names already in the register are returned as possible
    /// duplicates (the person is added anyway: the user decides).
    pub fn add_person(&mut self, new: &NewPerson) -> Result<(Person, Vec<PossibleDuplicate>)> {
        let name = register::required("a person's name", &new.name)?;
        let mut names = vec![name.as_str()];
        names.extend(new.aliases.iter().map(String::as_str));
        let duplicates = register::possible_duplicates(&self.catalog.db, &names, None)?;
        let (id, _) = self.commit(|cat, now| {
            let db = &cat.db;
            let id = register::new_id(db, "people")?;
            db.execute(
                "INSERT INTO people (id, name, born, nationality, notes, created_at) VALUES (?1,?2,?3,?4,?5,?6)",
                params![id, name, new.born.as_ref().map(ToString::to_string), new.nationality.trim(), new.notes, now],
            )?;
            for a in &new.aliases {
                register::insert_alias(db, &id, a)?;
            }
            search::index_person(db, &id)?;
            let record = register::load_person(db, &id)?;
            custody::append(db, now, Action::Add, None, &json!({ "person": record }))?;
            Ok(id)
        })?;
        Ok((register::load_person(&self.catalog.db, &id)?, duplicates))
    }

    pub fn edit_person(&mut self, id: &str, edit: &PersonEdit) -> Result<Person> {
        let id = register::resolve(&self.catalog.db, "people", "person", id)?;
        if let Some(n) = &edit.name {
            register::required("a person's name", n)?;
        }
        self.commit(|cat, now| {
            let db = &cat.db;
            let before = register::load_person(db, &id)?;
            db.execute(
                "UPDATE people SET name = coalesce(?2, name), born = coalesce(?3, born),
                 nationality = coalesce(?4, nationality), notes = coalesce(?5, notes) WHERE id = ?1",
                params![id, edit.name.as_deref().map(str::trim), edit.born.as_ref().map(ToString::to_string), edit.nationality, edit.notes],
            )?;
            for a in &edit.remove_aliases {
                let gone = db.execute("DELETE FROM aliases WHERE person_id = ?1 AND alias = ?2", params![id, a.trim()])?;
                if gone == 0 {
                    return Err(Error::Invalid(format!("person {id} has no alias {a:?}")));
                }
            }
            for a in &edit.add_aliases {
                register::insert_alias(db, &id, a)?;
            }
            search::index_person(db, &id)?;
            search::reindex_items(db, &search::items_naming(db, "person", &id)?)?;
            let after = register::load_person(db, &id)?;
            custody::append(db, now, Action::Edit, None, &json!({ "person": id, "from": before, "to": after }))
        })?;
        register::load_person(&self.catalog.db, &id)
    }

    /// Deletes a person and their links (events stay, without them). Evidence is untouched.
    pub fn delete_person(&mut self, id: &str) -> Result<Person> {
        let id = register::resolve(&self.catalog.db, "people", "person", id)?;
        let view = register::person_view(&self.catalog.db, &id)?;
        self.commit(|cat, now| {
            let db = &cat.db;
            search::unindex(db, "person", &id)?;
            let named = search::items_naming(db, "person", &id)?;
            db.execute("DELETE FROM people WHERE id = ?1", [&id])?;
            search::reindex_items(db, &named)?;
            custody::append(db, now, Action::Delete, None, &json!({ "person": view }))
        })?;
        Ok(view.person)
    }

    pub fn add_event(&mut self, new: &NewEvent) -> Result<Event> {
        let title = register::required("an event's title", &new.title)?;
        let db = &self.catalog.db;
        let case_id = new
            .case_id
            .as_deref()
            .map(|c| register::resolve(db, "cases", "case", c))
            .transpose()?;
        let people = new
            .people
            .iter()
            .map(|p| register::resolve(db, "people", "person", p))
            .collect::<Result<Vec<_>>>()?;
        let items = new
            .items
            .iter()
            .map(|i| self.catalog.item(i).map(|i| i.id))
            .collect::<Result<Vec<_>>>()?;
        register::check_range(new.date.as_ref(), new.end.as_ref())?;
        if new.kind.is_some() {
            self.upgrade_schema()?;
        }
        let (id, _) = self.commit(|cat, now| {
            let db = &cat.db;
            let id = register::new_id(db, "events")?;
            db.execute(
                "INSERT INTO events (id, case_id, title, date, date_key, end_date, end_key, place, description, created_at)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                params![
                    id, case_id, title,
                    new.date.as_ref().map(ToString::to_string), new.date.as_ref().map(FuzzyDate::sort_key),
                    new.end.as_ref().map(ToString::to_string), new.end.as_ref().map(FuzzyDate::last_day),
                    new.place.trim(), new.description, now
                ],
            )?;
            if let Some(kind) = new.kind {
                register::set_event_kind(db, &id, Some(kind))?;
            }
            for p in &people {
                db.execute("INSERT OR IGNORE INTO event_people (event_id, person_id) VALUES (?1, ?2)", params![id, p])?;
            }
            for i in &items {
                db.execute("INSERT OR IGNORE INTO event_items (event_id, item_id) VALUES (?1, ?2)", params![id, i])?;
            }
            search::index_event(db, &id)?;
            let record = register::load_event(db, &id)?;
            custody::append(db, now, Action::Add, None, &json!({ "event": record }))?;
            Ok(id)
        })?;
        register::load_event(&self.catalog.db, &id)
    }

    pub fn edit_event(&mut self, id: &str, edit: &EventEdit) -> Result<Event> {
        let id = register::resolve(&self.catalog.db, "events", "event", id)?;
        if let Some(t) = &edit.title {
            register::required("an event's title", t)?;
        }
        if edit.kind.is_some() {
            self.upgrade_schema()?;
        }
        self.commit(|cat, now| {
            let db = &cat.db;
            let before = register::load_event(db, &id)?;
            if let Some(kind) = edit.kind {
                register::set_event_kind(db, &id, kind)?;
            }
            db.execute(
                "UPDATE events SET title = coalesce(?2, title), place = coalesce(?3, place),
                 description = coalesce(?4, description) WHERE id = ?1",
                params![
                    id,
                    edit.title.as_deref().map(str::trim),
                    edit.place,
                    edit.description
                ],
            )?;
            if let Some(date) = &edit.date {
                db.execute(
                    "UPDATE events SET date = ?2, date_key = ?3 WHERE id = ?1",
                    params![
                        id,
                        date.as_ref().map(ToString::to_string),
                        date.as_ref().map(FuzzyDate::sort_key)
                    ],
                )?;
            }
            if let Some(end) = &edit.end {
                db.execute(
                    "UPDATE events SET end_date = ?2, end_key = ?3 WHERE id = ?1",
                    params![
                        id,
                        end.as_ref().map(ToString::to_string),
                        end.as_ref().map(FuzzyDate::last_day)
                    ],
                )?;
            }
            let (date, end): (Option<String>, Option<String>) = db.query_row(
                "SELECT date, end_date FROM events WHERE id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let parse = |d: Option<String>| d.map(|d| FuzzyDate::parse(&d)).transpose();
            register::check_range(parse(date)?.as_ref(), parse(end)?.as_ref())?;
            search::index_event(db, &id)?;
            let after = register::load_event(db, &id)?;
            custody::append(
                db,
                now,
                Action::Edit,
                None,
                &json!({ "event": id, "from": before, "to": after }),
            )
        })?;
        register::load_event(&self.catalog.db, &id)
    }

    pub fn delete_event(&mut self, id: &str) -> Result<Event> {
        let id = register::resolve(&self.catalog.db, "events", "event", id)?;
        let record = register::load_event(&self.catalog.db, &id)?;
        self.commit(|cat, now| {
            search::unindex(&cat.db, "event", &id)?;
            cat.db.execute("DELETE FROM events WHERE id = ?1", [&id])?;
            custody::append(
                &cat.db,
                now,
                Action::Delete,
                None,
                &json!({ "event": record }),
            )
        })?;
        Ok(record)
    }

    /// Creates a link. Linking what is already linked is not an error and records nothing.
    pub fn link(&mut self, link: &Link) -> Result<()> {
        self.link_all(std::slice::from_ref(link)).map(|_| ())
    }

    /// Creates every link in one change (one segment): all are recorded or, if one names
    /// something that does not exist, none. Returns how many were new.
    pub fn link_all(&mut self, links: &[Link]) -> Result<usize> {
        let planned = links
            .iter()
            .map(|l| self.plan_link(l))
            .collect::<Result<Vec<_>>>()?;
        let (new, _) = self.commit(|cat, now| {
            let mut new = 0;
            let mut touched = Vec::new();
            for p in &planned {
                if p.exists(&cat.db)? {
                    continue;
                }
                cat.db.execute(&p.insert_sql(), p.values())?;
                touched.extend(p.touched_items(&cat.db)?);
                custody::append(&cat.db, now, Action::Link, p.item_id(), &p.detail())?;
                new += 1;
            }
            touched.sort();
            touched.dedup();
            search::reindex_items(&cat.db, &touched)?;
            Ok(new)
        })?;
        Ok(new)
    }

    /// Removes a link; the entities on both sides stay.
    pub fn unlink(&mut self, link: &Link) -> Result<()> {
        let p = self.plan_link(link)?;
        if !p.exists(&self.catalog.db)? {
            return Err(Error::Invalid(format!("there is no such {} link", p.kind)));
        }
        self.commit(|cat, now| {
            // Read before the delete: a case-person link names the case's items.
            let touched = p.touched_items(&cat.db)?;
            cat.db.execute(
                &format!("DELETE FROM {} WHERE {}", p.table, p.matching()),
                p.values(),
            )?;
            search::reindex_items(&cat.db, &touched)?;
            custody::append(&cat.db, now, Action::Unlink, p.item_id(), &p.detail())
        })?;
        Ok(())
    }

    /// Resolves a link's two ends to ids (an unknown end is an error naming it).
    fn plan_link(&self, link: &Link) -> Result<PlannedLink> {
        let db = &self.catalog.db;
        let case = |c: &str| register::resolve(db, "cases", "case", c);
        let person = |p: &str| register::resolve(db, "people", "person", p);
        let event = |e: &str| register::resolve(db, "events", "event", e);
        let item = |i: &str| self.catalog.item(i).map(|i| i.id);
        let (table, kind, cols) = match link {
            Link::CaseItem { case: c, item: i } => (
                "case_items",
                "case-item",
                vec![("case_id", case(c)?), ("item_id", item(i)?)],
            ),
            Link::PersonItem { person: p, item: i } => (
                "person_items",
                "person-item",
                vec![("person_id", person(p)?), ("item_id", item(i)?)],
            ),
            Link::EventItem { event: e, item: i } => (
                "event_items",
                "event-item",
                vec![("event_id", event(e)?), ("item_id", item(i)?)],
            ),
            Link::EventPerson {
                event: e,
                person: p,
            } => (
                "event_people",
                "event-person",
                vec![("event_id", event(e)?), ("person_id", person(p)?)],
            ),
            Link::CasePerson {
                case: c,
                person: p,
                role,
            } => (
                "case_people",
                "case-person",
                vec![
                    ("case_id", case(c)?),
                    ("person_id", person(p)?),
                    ("role", register::role_word(role)),
                ],
            ),
        };
        Ok(PlannedLink { table, kind, cols })
    }
}

/// A link with both ends resolved: the row it is in its table.
struct PlannedLink {
    table: &'static str,
    kind: &'static str,
    cols: Vec<(&'static str, String)>,
}

impl PlannedLink {
    fn value(&self, col: &str) -> Option<&str> {
        self.cols
            .iter()
            .find(|(c, _)| *c == col)
            .map(|(_, v)| v.as_str())
    }

    fn item_id(&self) -> Option<&str> {
        self.value("item_id")
    }

    fn values(&self) -> impl rusqlite::Params + '_ {
        rusqlite::params_from_iter(self.cols.iter().map(|(_, v)| v))
    }

    fn matching(&self) -> String {
        self.cols
            .iter()
            .enumerate()
            .map(|(k, (c, _))| format!("{c} = ?{}", k + 1))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    fn exists(&self, db: &rusqlite::Connection) -> Result<bool> {
        let sql = format!(
            "SELECT EXISTS(SELECT 1 FROM {} WHERE {})",
            self.table,
            self.matching()
        );
        Ok(db.query_row(&sql, self.values(), |r| r.get(0))?)
    }

    fn insert_sql(&self) -> String {
        let names: Vec<&str> = self.cols.iter().map(|(c, _)| *c).collect();
        let marks: Vec<String> = (1..=self.cols.len()).map(|k| format!("?{k}")).collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.table,
            names.join(", "),
            marks.join(", ")
        )
    }

    /// The custody entry's detail: the kind of link and both ids.
    fn detail(&self) -> serde_json::Value {
        let mut detail = serde_json::Map::new();
        detail.insert("link".into(), self.kind.into());
        for (c, v) in &self.cols {
            detail.insert((*c).into(), v.clone().into());
        }
        detail.into()
    }

    /// The items whose search entry names what this link joins.
    fn touched_items(&self, db: &rusqlite::Connection) -> Result<Vec<String>> {
        let mut ids: Vec<String> = self.item_id().map(str::to_string).into_iter().collect();
        if self.table == "case_people"
            && let Some(c) = self.value("case_id")
        {
            ids.extend(search::items_naming(db, "case", c)?);
        }
        Ok(ids)
    }
}
