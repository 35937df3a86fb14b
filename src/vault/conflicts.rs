//! Values changed on two devices at once (vault format 2): listing them in words, and
//! resolving one by choosing the value to keep. The rules are in docs/FORMAT.md, "The merge".

use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::catalog::disputes as merge;
use crate::catalog::log::device_name;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::storage::segment::{DeviceId, hlc_millis};

use super::Vault;

/// One value that two devices changed without seeing each other's change.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    /// What it is about, in words: "person ad9f3cc1976aa06b (Алмаз Ахметов)".
    pub subject: String,
    /// The field; empty when the entity was deleted on one device and changed on another.
    pub field: String,
    /// The competing values, the one in use first.
    pub values: Vec<ConflictValue>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictValue {
    /// The value as text ("(empty)", "deleted", or the change made to the deleted entity).
    pub value: String,
    /// The device that wrote it, by name.
    pub device: String,
    /// When (RFC 3339, UTC, by that device's clock).
    pub at: String,
}

fn shown(v: &Json) -> String {
    match v {
        Json::Null => "(empty)".into(),
        Json::String(s) => s.clone(),
        Json::Object(o) if o.len() == 1 => {
            let (k, v) = o.iter().next().expect("one");
            format!("changed {k} to {}", shown(v))
        }
        Json::Object(_) => "deleted".into(),
        other => other.to_string(),
    }
}

impl Vault {
    fn raw_conflicts(&self) -> Result<Vec<merge::Conflict>> {
        let Some(log) = self.catalog.log() else {
            return Ok(Vec::new());
        };
        merge::conflicts(&self.catalog.db, &log.tables)
    }

    /// Every value changed on two devices at once and not yet resolved. The merged vault uses
    /// the newest (by the devices' clocks); the others are kept until someone chooses.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        Ok(self.raw_conflicts()?.iter().map(|c| self.view(c)).collect())
    }

    /// A conflict in words: what it is about, and who wrote each value when.
    fn view(&self, c: &merge::Conflict) -> Conflict {
        let db = &self.catalog.db;
        let id = serde_json::from_str::<Vec<Json>>(&c.key)
            .ok()
            .and_then(|k| k.first().and_then(Json::as_str).map(String::from))
            .unwrap_or_else(|| c.key.clone());
        let (kind, label_sql) = match c.table.as_str() {
            "items" => ("item", Some("SELECT name FROM items WHERE id = ?1")),
            "people" => ("person", Some("SELECT name FROM people WHERE id = ?1")),
            "cases" => ("case", Some("SELECT title FROM cases WHERE id = ?1")),
            "events" => ("event", Some("SELECT title FROM events WHERE id = ?1")),
            "contacts" => ("contact", Some("SELECT name FROM contacts WHERE id = ?1")),
            other => (other, None),
        };
        let label: Option<String> =
            label_sql.and_then(|sql| db.query_row(sql, [&id], |r| r.get(0)).ok());
        let subject = match label {
            Some(l) => format!("{kind} {id} ({l})"),
            None => format!("{kind} {id}"),
        };
        let values = c
            .values
            .iter()
            .map(|(v, device, hlc)| ConflictValue {
                value: shown(v),
                device: DeviceId::parse_hex(device)
                    .map(|d| device_name(db, d))
                    .unwrap_or_else(|| device.clone()),
                at: time::OffsetDateTime::from_unix_timestamp(hlc_millis(*hlc as u64) / 1000)
                    .map(super::timestamp)
                    .unwrap_or_default(),
            })
            .collect();
        Conflict {
            subject,
            field: c.column.clone(),
            values,
        }
    }

    /// Resolves conflict `number` (1-based, as [`Vault::conflicts`] lists them) by keeping
    /// value `keep` (1-based; 1 is the one in use). For an entity deleted on one device and
    /// changed on another, keeping means keeping the entity; to delete it, delete it again.
    pub fn resolve(&mut self, number: usize, keep: usize) -> Result<Conflict> {
        let all = self.raw_conflicts()?;
        let Some(c) = all.get(number.wrapping_sub(1)) else {
            return Err(Error::Invalid(format!(
                "there is no conflict {number} (there are {}); run `dossier conflicts`",
                all.len()
            )));
        };
        if c.column.is_empty() && keep != 1 {
            return Err(Error::Invalid(
                "an entity deleted on one device and changed on another can only be kept here; \
                 to delete it, delete it again"
                    .into(),
            ));
        }
        let Some((value, _, _)) = c.values.get(keep.wrapping_sub(1)) else {
            return Err(Error::Invalid(format!(
                "conflict {number} has {} values; choose one of 1–{}",
                c.values.len(),
                c.values.len()
            )));
        };
        let value = value.clone();
        let view = self.view(c);
        let detail = json!({
            "resolved": view.subject, "field": c.column, "kept": shown(&value),
            "over": c.values.iter().filter(|v| v.0 != value).map(|v| shown(&v.0)).collect::<Vec<_>>(),
        });
        self.ensure_writable()?;
        let now = self.now();
        let stamp = super::timestamp(now);
        if self.catalog.log().is_none() {
            return Err(Error::Invalid("this vault has no journal yet".into()));
        }
        let (layout, recipient) = (self.layout.clone(), self.recipient.clone());
        let touched = vec![(c.table.clone(), c.key.clone())];
        self.catalog
            .commit_with(&layout, &recipient, super::now_ms(now), |cat| {
                super::register_device(&cat.db, &stamp)?;
                let log = cat.log().expect("checked above");
                let op = merge::resolution(&cat.db, &log.tables, c, &value)?;
                custody::append(&cat.db, &stamp, Action::Edit, None, &detail)?;
                super::journal::reindex_touched(&cat.db, &touched)?;
                Ok(((), vec![op]))
            })?;
        self.state_dirty = true;
        Ok(view)
    }
}
