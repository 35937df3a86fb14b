//! The library: every active item with what a list of evidence shows beside it (thumbnail or
//! not, the date it was made, the cases and people it is linked to), read in a few queries so a
//! front end can list, sort and filter 10,000 items without one query per row. Also the
//! expansion of dropped or chosen folders into the files to import, and the vault's own
//! preferences (kept in the encrypted catalog, so they reveal nothing while locked).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::items::Item;
use crate::search::item_dates_cte;
use crate::vault::Vault;

/// One row of the library.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LibraryRow {
    #[serde(flatten)]
    pub item: Item,
    /// It has a thumbnail rendition (an image).
    pub thumbnail: bool,
    /// `YYYY-MM-DD`: when the evidence was made (photo taken, e-mail sent), else imported.
    pub day: String,
    /// Ids of the cases it is linked to, directly or through one of their events.
    pub cases: Vec<String>,
    /// Ids of the people it is linked to, directly or through an event they took part in.
    pub people: Vec<String>,
}

const LIBRARY_SQL: &str = concat!(
    "WITH ",
    item_dates_cte!(),
    "
SELECT d.id, d.day, x.thumbnail IS NOT NULL FROM item_dates d
LEFT JOIN extractions x ON x.item_id = d.id"
);

const ITEM_CASES_SQL: &str = "
SELECT item_id, case_id FROM case_items
UNION SELECT ei.item_id, e.case_id FROM event_items ei JOIN events e ON e.id = ei.event_id
      WHERE e.case_id IS NOT NULL";

const ITEM_PEOPLE_SQL: &str = "
SELECT item_id, person_id FROM person_items
UNION SELECT ei.item_id, ep.person_id FROM event_items ei
      JOIN event_people ep ON ep.event_id = ei.event_id";

/// Preferences live in `vault_info` under this prefix.
const PREFERENCE_PREFIX: &str = "pref:";

impl Vault {
    /// Every active item (not deleted or purged), oldest import first, with its list facts.
    pub fn library(&self) -> Result<Vec<LibraryRow>> {
        let db = &self.catalog.db;
        let mut facts: HashMap<String, (String, bool)> = HashMap::new();
        let mut stmt = db.prepare(LIBRARY_SQL)?;
        for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
            let (id, day, thumb): (String, String, bool) = row?;
            facts.insert(id, (day, thumb));
        }
        let pairs = |sql: &str| -> Result<HashMap<String, Vec<String>>> {
            let mut map: HashMap<String, Vec<String>> = HashMap::new();
            let mut stmt = db.prepare(sql)?;
            for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (item, other): (String, String) = row?;
                map.entry(item).or_default().push(other);
            }
            Ok(map)
        };
        let mut cases = pairs(ITEM_CASES_SQL)?;
        let mut people = pairs(ITEM_PEOPLE_SQL)?;
        Ok(self
            .items(false)?
            .into_iter()
            .map(|item| {
                let (day, thumbnail) = facts
                    .remove(&item.id)
                    .unwrap_or_else(|| (item.imported_at.chars().take(10).collect(), false));
                LibraryRow {
                    thumbnail,
                    day,
                    cases: cases.remove(&item.id).unwrap_or_default(),
                    people: people.remove(&item.id).unwrap_or_default(),
                    item,
                }
            })
            .collect())
    }

    /// A preference stored in the vault (e.g. `auto_lock_minutes`), if it was ever set.
    pub fn preference(&self, name: &str) -> Result<Option<String>> {
        self.catalog.info(&format!("{PREFERENCE_PREFIX}{name}"))
    }

    /// Stores a preference in the encrypted catalog. Logged, like every change to the vault.
    pub fn set_preference(&mut self, name: &str, value: &str) -> Result<()> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(Error::Invalid(format!(
                "{name:?} is not a preference name (lowercase letters and _)"
            )));
        }
        let key = format!("{PREFERENCE_PREFIX}{name}");
        self.commit(|cat, now| {
            cat.db.execute(
                "INSERT INTO vault_info (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&key, value],
            )?;
            custody::append(
                &cat.db,
                now,
                Action::Edit,
                None,
                &json!({ "preference": name, "value": value }),
            )
        })?;
        Ok(())
    }
}

/// The regular files named by `paths`, folders walked recursively, in a stable order (sorted
/// within each folder). Symbolic links are not followed, so a link cannot pull files from
/// elsewhere into the vault; what cannot be read is returned beside the files, with why.
pub fn files_to_import(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        walk(path, &mut files, &mut skipped);
    }
    (files, skipped)
}

fn walk(path: &Path, files: &mut Vec<PathBuf>, skipped: &mut Vec<(PathBuf, String)>) {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => return skipped.push((path.into(), e.to_string())),
    };
    if meta.is_file() {
        files.push(path.into());
    } else if meta.is_dir() {
        let entries = match fs::read_dir(path) {
            Ok(rd) => rd.collect::<std::io::Result<Vec<_>>>(),
            Err(e) => Err(e),
        };
        match entries {
            Ok(mut entries) => {
                entries.sort_by_key(|e| e.file_name());
                for e in entries {
                    walk(&e.path(), files, skipped);
                }
            }
            Err(e) => skipped.push((path.into(), e.to_string())),
        }
    } else if meta.file_type().is_symlink() {
        skipped.push((path.into(), "a symbolic link (not followed)".into()));
    } else {
        skipped.push((path.into(), "not a regular file".into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_in_order_and_links_are_not_followed() {
        let dir = std::env::temp_dir().join(format!("dossier-walk-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("b/inner")).unwrap();
        fs::write(dir.join("b/inner/z.txt"), "z").unwrap();
        fs::write(dir.join("b/a.txt"), "a").unwrap();
        fs::write(dir.join("c.txt"), "c").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.join("link")).unwrap();
        let (files, skipped) = files_to_import(&[dir.clone(), dir.join("missing")]);
        let rel: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            rel,
            ["b/a.txt", "b/inner/z.txt", "c.txt"],
            "sorted, recursive"
        );
        assert_eq!(
            skipped.len(),
            2,
            "the link and the missing path: {skipped:?}"
        );
        assert!(
            skipped
                .iter()
                .any(|(p, why)| p.ends_with("link") && why.contains("link"))
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
