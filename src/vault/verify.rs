//! Verifying a vault (or a backup of it): every blob decrypted and re-hashed, the custody chain,
//! files nothing accounts for.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::OptionalExtension;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::items::Item;
use crate::progress::Progress;
use crate::storage::blob;
use crate::storage::durable;
use crate::storage::layout::Layout;
use crate::storage::pack;
use crate::verify::{self, ItemCheck, LastCheck, Report, Status};

use super::Vault;
use super::blobs::blob_id;
use super::import::hash_file;

impl Vault {
    /// Whether a file outside the vault is in it, by SHA-256. Returns the hash and the items
    /// (including deleted and purged ones) that hold the same bytes.
    pub fn check_file(&self, path: &Path, progress: &dyn Progress) -> Result<(String, Vec<Item>)> {
        let sha256 = hash_file(path, progress)?;
        let items = self.catalog.items_by_sha256(&sha256)?;
        Ok((sha256, items))
    }

    /// The newest check of the whole vault the custody log holds (none yet: `None`).
    pub fn last_check(&self) -> Result<Option<LastCheck>> {
        let row: Option<(String, String)> = self
            .catalog
            .db
            .prepare_cached(
                "SELECT at, detail FROM custody WHERE action = 'verify' ORDER BY at DESC LIMIT 1",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.map(|(at, detail)| {
            let d: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
            let n = |k: &str| d[k].as_u64().unwrap_or(0);
            LastCheck {
                at,
                items: n("items"),
                problems: n("changed") + n("missing") + n("unreadable"),
                unknown_files: n("unknown_files"),
                // An entry that does not say (none such is written) is not called intact.
                chain_intact: d["chain_intact"].as_bool().unwrap_or(false),
            }
        }))
    }

    /// Decrypts every blob, re-hashes it, checks the custody chain and looks for files the
    /// catalog does not account for. The run itself is recorded in the custody log.
    pub fn verify(&mut self, progress: &dyn Progress) -> Result<Report> {
        let text_files: Vec<String> = self
            .texts()?
            .readable_files()
            .into_iter()
            .map(String::from)
            .collect();
        let mut report = verify_tree(
            &self.layout,
            &self.catalog,
            &self.key.identity,
            &text_files,
            progress,
        )?;
        report.warnings = self.warnings.clone();
        let detail = json!({
            "items": report.items.len(),
            "ok": report.count(Status::Ok),
            "changed": report.count(Status::Changed),
            "missing": report.count(Status::Missing),
            "unreadable": report.count(Status::Unreadable),
            "unknown_files": report.unknown_files.len(),
            "chain_intact": report.custody_break.is_none(),
        });
        if let Err(e) =
            self.commit(|cat, now| custody::append(&cat.db, now, Action::Verify, None, &detail))
        {
            report.warnings.push(format!(
                "the verification could not be recorded in the custody log: {e}"
            ));
        }
        Ok(report)
    }
}

/// The checks of `verify` on any copy of a vault (the vault itself, or a backup): every blob
/// decrypted and re-hashed against `catalog`, the custody chain, files nothing accounts for.
pub(crate) fn verify_tree(
    layout: &Layout,
    catalog: &Catalog,
    identity: &age::x25519::Identity,
    text_files: &[String],
    progress: &dyn Progress,
) -> Result<Report> {
    let mut items = Vec::new();
    let mut expected_blobs = HashSet::new();
    let mut last_pack = None;
    for item in catalog.items(true)? {
        if item.purged_at.is_some() {
            continue;
        }
        expected_blobs.insert(item.blob.clone());
        progress.start(&item.name, item.size);
        if progress.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let places = catalog.pack_places(&item.blob)?;
        let (status, problem) = if places.is_empty() {
            check_blob(layout, identity, &item, progress)?
        } else {
            check_packed(layout, identity, &item, &places, &mut last_pack)
        };
        progress.finish();
        items.push(ItemCheck {
            id: item.id.clone(),
            name: item.name.clone(),
            status,
            item_status: item.status(),
            problem,
        });
    }
    // Thumbnails are derived blobs: known files, not evidence to report on.
    for (blob, purged) in catalog.blobs()? {
        if !purged {
            expected_blobs.insert(blob);
        }
    }
    // A retired pack is known too: its file stays until the pack replacing it is here.
    let mut stmt = catalog.db.prepare("SELECT id FROM packs")?;
    for pack in stmt.query_map([], |r| r.get::<_, String>(0))? {
        expected_blobs.insert(pack?);
    }
    let text_files: Vec<&str> = text_files.iter().map(String::as_str).collect();
    let derived_problems = check_derived(layout, catalog, identity)?;
    let (unknown_files, sync_debris) = verify::unknown_files(
        layout,
        &verify::Known {
            catalog_files: &catalog.readable_files(),
            format_2: catalog.log().is_some(),
            text_files: &text_files,
            blobs: &expected_blobs,
            key_slots: &catalog.key_slot_ids()?,
        },
    );
    let (custody_entries, custody_break) = match custody::check_chain(&catalog.db)? {
        Ok(n) => (n, None),
        Err(b) => (0, Some(b)),
    };
    Ok(Report {
        items,
        unknown_files,
        custody_entries,
        custody_break,
        catalog_generation: catalog.log().map_or(catalog.generation(), |l| {
            l.heads().values().map(|h| h.seq).sum()
        }),
        journal_problems: super::journal::describe_problems(catalog),
        derived_problems,
        sync_debris,
        warnings: Vec::new(),
    })
}

/// Every thumbnail and preview of a non-purged item must be there and decrypt: they are
/// derived (reported as such, and `reindex` makes them again), but their loss is news.
fn check_derived(
    layout: &Layout,
    catalog: &Catalog,
    identity: &age::x25519::Identity,
) -> Result<Vec<String>> {
    let mut stmt = catalog.db.prepare(
        "SELECT i.id, i.name, e.thumbnail, e.preview FROM extractions e JOIN items i ON i.id = e.item_id
         WHERE i.purged_at IS NULL AND (e.thumbnail IS NOT NULL OR e.preview IS NOT NULL)
         ORDER BY i.imported_at, i.id",
    )?;
    let rows: Vec<(String, String, Option<String>, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut problems = Vec::new();
    for (id, name, thumb, preview) in rows {
        for (what, blob) in [("thumbnail", thumb), ("preview", preview)] {
            let Some(blob) = blob else { continue };
            let path = layout.blob(&blob);
            let problem = match durable::open_read_noatime(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("is gone".to_string()),
                Err(e) => Some(e.to_string()),
                Ok(file) => match blob::read(
                    file,
                    &blob_id(&blob),
                    identity,
                    &mut std::io::sink(),
                    &crate::progress::Silent,
                ) {
                    Ok(_) => None,
                    Err(blob::ReadError::Changed(p)) => Some(format!("has changed ({p})")),
                    Err(blob::ReadError::Unreadable(e) | blob::ReadError::Sink(e)) => {
                        Some(format!("cannot be read ({e})"))
                    }
                    Err(blob::ReadError::Cancelled) => return Err(Error::Cancelled),
                },
            };
            if let Some(p) = problem {
                problems.push(format!(
                    "the {what} of item {id} ({name}), {}, {p} (derived data, not evidence: `dossier reindex` makes it again)",
                    rel(layout, &path)
                ));
            }
        }
    }
    Ok(problems)
}

fn check_blob(
    layout: &Layout,
    identity: &age::x25519::Identity,
    item: &Item,
    progress: &dyn Progress,
) -> Result<(Status, Option<String>)> {
    let path = layout.blob(&item.blob);
    let file = match durable::open_read_noatime(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((
                Status::Missing,
                Some(format!("{} is gone", rel(layout, &path))),
            ));
        }
        Err(e) => {
            return Ok((
                Status::Unreadable,
                Some(format!("{}: {e}", rel(layout, &path))),
            ));
        }
    };
    Ok(
        match blob::read(
            file,
            &blob_id(&item.blob),
            identity,
            &mut std::io::sink(),
            progress,
        ) {
            Ok(a) if hex::encode(a.sha256) == item.sha256 && a.len == item.size => {
                (Status::Ok, None)
            }
            Ok(a) => (
                Status::Changed,
                Some(format!(
                    "SHA-256 is now {} ({} bytes), catalog says {}",
                    hex::encode(a.sha256),
                    a.len,
                    item.sha256
                )),
            ),
            Err(blob::ReadError::Changed(p)) => (Status::Changed, Some(p)),
            Err(blob::ReadError::Unreadable(e)) => (Status::Unreadable, Some(e.to_string())),
            Err(blob::ReadError::Sink(_)) => unreachable!("io::sink never fails"),
            Err(blob::ReadError::Cancelled) => return Err(Error::Cancelled),
        },
    )
}

/// A pack read whole for `verify`, kept while the next items are its members too.
type OpenPack = (String, std::result::Result<pack::Opened, (Status, String)>);

/// Checks a packed item in the first of its packs where its bytes are intact.
fn check_packed(
    layout: &Layout,
    identity: &age::x25519::Identity,
    item: &Item,
    places: &[(String, u64)],
    last: &mut Option<OpenPack>,
) -> (Status, Option<String>) {
    let mut first_problem = None;
    for (pack_id, offset) in places {
        let path = layout.blob(pack_id);
        if last.as_ref().is_none_or(|(id, _)| id != pack_id) {
            *last = Some((pack_id.clone(), open_pack(layout, identity, pack_id, &path)));
        }
        let problem = match &last.as_ref().expect("just set").1 {
            Ok(opened) => match opened.member(&item.blob, *offset, item.size) {
                Some(bytes) if hex::encode(Sha256::digest(bytes)) == item.sha256 => {
                    return (Status::Ok, None);
                }
                Some(bytes) => (
                    Status::Changed,
                    format!(
                        "in the pack {}, SHA-256 is now {}, catalog says {}",
                        rel(layout, &path),
                        hex::encode(Sha256::digest(bytes)),
                        item.sha256
                    ),
                ),
                None => (
                    Status::Changed,
                    format!(
                        "the pack {} no longer holds it where the catalog says",
                        rel(layout, &path)
                    ),
                ),
            },
            Err(p) => p.clone(),
        };
        first_problem.get_or_insert(problem);
    }
    let (status, problem) = first_problem.expect("a packed item has a place");
    (status, Some(problem))
}

fn open_pack(
    layout: &Layout,
    identity: &age::x25519::Identity,
    pack_id: &str,
    path: &Path,
) -> std::result::Result<pack::Opened, (Status, String)> {
    let file = match durable::open_read_noatime(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err((
                Status::Missing,
                format!("its pack {} is gone", rel(layout, path)),
            ));
        }
        Err(e) => {
            return Err((
                Status::Unreadable,
                format!("its pack {}: {e}", rel(layout, path)),
            ));
        }
    };
    pack::read_whole(file, identity, pack_id).map_err(|e| match e {
        blob::ReadError::Changed(p) => (
            Status::Changed,
            format!("its pack {}: {p}", rel(layout, path)),
        ),
        blob::ReadError::Unreadable(e) | blob::ReadError::Sink(e) => (
            Status::Unreadable,
            format!("its pack {}: {e}", rel(layout, path)),
        ),
        blob::ReadError::Cancelled => (Status::Unreadable, "cancelled".into()),
    })
}

fn rel(layout: &Layout, p: &Path) -> String {
    p.strip_prefix(&layout.root)
        .unwrap_or(p)
        .display()
        .to_string()
}
