//! Backups: a copy of the vault's files in another folder (a USB stick, another disk, a synced
//! folder). A backup *is* a vault: restoring is opening it (`dossier --vault DIR`), and it
//! reveals no more than the vault itself, since it holds the same encrypted files.
//!
//! Incremental and crash-safe: vault files have random, never-reused names and never change
//! (except `keys/`), so a file already in the backup with the same size is skipped. Every copy
//! goes to the backup's `tmp/`, is synced, dropped from the page cache, read back and compared
//! with what was read from the vault, and only then linked into place. Evidence goes first and
//! the catalog generations that name it last, so a backup cut off at any moment is an older,
//! consistent vault; a marker file `tmp/backup-incomplete` says so until a run finishes, and the
//! next run picks up where it stopped. Nothing in the backup is overwritten: a catalog
//! generation newer than the vault's refuses the run, and a same-named file that differs is
//! kept and reported. Only what the vault's catalog says is gone (a purge, pruned generations,
//! removed key slots) is removed from the backup.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use crate::catalog::Catalog;
use crate::catalog::snapshot::{self, CATALOG, TEXTS};
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::storage::durable;
use crate::storage::layout::{self, Layout};
use crate::storage::names::is_hex_name;
use crate::vault::Vault;
use crate::verify::Report;

/// Present in a backup's `tmp/` while a run has not finished.
pub const INCOMPLETE_MARKER: &str = "backup-incomplete";
mod copy;
mod pull;
mod target;

pub use pull::PullReport;

use copy::{Entry, copy_verified, sync_dirs};
use target::prepare_target;

/// What one backup run did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupReport {
    pub to: String,
    /// Files copied in this run (and verified by reading them back).
    pub copied: u64,
    pub copied_bytes: u64,
    /// Files already in the backup.
    pub skipped: u64,
    /// Files removed from the backup because the vault no longer has them (purges, pruned
    /// catalog generations, removed key slots).
    pub removed: u64,
    /// The catalog generation the backup now ends with.
    pub generation: u64,
    /// True when an interrupted earlier run was finished by this one.
    pub resumed: bool,
    pub warnings: Vec<String>,
}

impl Vault {
    /// Copies the vault to `to` (created if absent; otherwise an earlier backup of this vault),
    /// verifies every copied file by reading it back, and records the run in the custody log.
    pub fn backup(&mut self, to: &Path, progress: &dyn Progress) -> Result<BackupReport> {
        // The text index is saved lazily; bring it to disk so the backup has it.
        self.flush()?;
        let mut report = self.mirror(to, progress)?;
        if let Some(notice) = self.read_only() {
            report.warnings.push(format!(
                "the backup was made but not recorded in the custody log: {notice}"
            ));
            return Ok(report);
        }
        let detail = json!({
            "to": absolute(to), "copied": report.copied, "copied_bytes": report.copied_bytes,
            "skipped": report.skipped, "removed": report.removed,
            "generation": report.generation, "resumed": report.resumed,
        });
        self.commit(|cat, now| custody::append(&cat.db, now, Action::Backup, None, &detail))?;
        // The entry that records the backup goes into it too: one more (small) pass copies
        // the new catalog generation and drops the one the vault pruned.
        let last = self.mirror(to, &crate::progress::Silent)?;
        report.copied += last.copied;
        report.copied_bytes += last.copied_bytes;
        report.removed += last.removed;
        report.generation = last.generation;
        report.warnings.extend(last.warnings);
        Ok(report)
    }

    fn mirror(&self, to: &Path, progress: &dyn Progress) -> Result<BackupReport> {
        let src = self.layout();
        let dst = Layout::new(to);
        let identity = &self.vault_key().identity;
        let resumed = prepare_target(src, &dst, self.vault_key(), &self.applied_heads())?;
        let mut report = BackupReport {
            to: to.display().to_string(),
            resumed,
            ..BackupReport::default()
        };
        let (mut plan, keep) = plan(src)?;
        // Catalog generations are published oldest first, and only after all evidence.
        let rank = |e: &Entry| -> (u8, u64) {
            match e
                .rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
            {
                Some("blobs") => (0, 0),
                Some("texts") => (1, 0),
                Some("keys") => (2, 0),
                Some("catalog") => (
                    3,
                    snapshot::file_generation(&src.root.join(&e.rel), identity, &CATALOG)
                        .unwrap_or(0),
                ),
                // A snapshot is only a cache; journal segments (by device, then number: their
                // names sort so) after the evidence they name; the header last.
                Some("snapshots") => (4, 0),
                Some("journal") => (5, 0),
                _ => (6, 0),
            }
        };
        plan.sort_by_cached_key(|e| (rank(e), e.rel.clone()));

        let todo: Vec<&Entry> = plan
            .iter()
            .filter(|e| needs_copy(src, &dst, e, &mut report.warnings))
            .collect();
        report.skipped = (plan.len() - todo.len()) as u64;
        let total: u64 = todo.iter().map(|e| e.len).sum();
        progress.start("backup", total);
        let mut done = 0u64;
        let mut touched: HashSet<PathBuf> = HashSet::new();
        let mut synced = false;
        for e in todo {
            // Before the first key slot or catalog file: make every evidence file durable.
            if !synced && !e.rel.starts_with("blobs") && !e.rel.starts_with("texts") {
                sync_dirs(&touched)?;
                synced = true;
            }
            copy_verified(src, &dst, e, progress, &mut done)?;
            if let Some(parent) = dst.root.join(&e.rel).parent() {
                touched.insert(parent.to_path_buf());
            }
            report.copied += 1;
            report.copied_bytes += e.len;
        }
        sync_dirs(&touched)?;
        progress.finish();

        report.removed = remove_gone(self, &dst, &keep, &mut report.warnings)?;
        // Last: the header makes a first backup a vault; the marker goes once all is done.
        let marker = dst.tmp_root().join(INCOMPLETE_MARKER);
        fs::remove_file(&marker)
            .and_then(|()| durable::sync_dir(&dst.tmp_root()))
            .map_err(Error::io("cannot finish the backup", &marker))?;
        report.generation = self.generation().0;
        Ok(report)
    }

    /// Checks a backup as `verify` checks the vault: loads its journal (or, for a format-1
    /// backup, its newest catalog) with this vault's key, decrypts and re-hashes every item,
    /// checks the custody chains and looks for stray files. Nothing is written to the backup
    /// or the vault.
    pub fn verify_backup(&self, dir: &Path, progress: &dyn Progress) -> Result<Report> {
        let version = layout::check_header(dir)?;
        let mut backup = Layout::new(dir);
        backup.device = self.layout().device.clone();
        let identity = &self.vault_key().identity;
        let (catalog, mut warnings) = if version == 1 {
            Catalog::load(&backup, identity)?
        } else {
            let log = self.catalog.log().ok_or_else(|| {
                Error::Invalid("this vault is still in format 1; open it once to move it".into())
            })?;
            let (mac, vault) = self.vault_key().journal_key();
            let (catalog, _, w) =
                Catalog::open_journal(&backup, identity, mac, vault, log.device())?;
            (catalog, w)
        };
        if catalog.info("vault_id")?.as_deref() != Some(self.vault_id()) {
            return Err(Error::Invalid(format!(
                "{} is a backup of another vault",
                dir.display()
            )));
        }
        let text_files = match Catalog::load_family(&backup, identity, &TEXTS) {
            Ok((texts, w)) => {
                warnings.extend(w);
                texts
                    .readable_files()
                    .into_iter()
                    .map(String::from)
                    .collect()
            }
            Err(e) => {
                warnings.push(format!("the backup's text index is unreadable: {e}"));
                Vec::new()
            }
        };
        let mut report =
            crate::vault::verify_tree(&backup, &catalog, identity, &text_files, progress)?;
        if backup.tmp_root().join(INCOMPLETE_MARKER).exists() {
            warnings.push(format!(
                "the last backup to {} did not finish: it holds an older state of the vault; \
                 run the backup again to complete it",
                dir.display()
            ));
        }
        // The marker is expected while incomplete; anything else in tmp/ stays reported.
        report
            .unknown_files
            .retain(|f| !f.ends_with(&format!("tmp/{INCOMPLETE_MARKER}")));
        if report.catalog_generation < self.generation().0 {
            warnings.push(format!(
                "the backup holds {} journal entries, the vault {}: run the backup again",
                report.catalog_generation,
                self.generation().0
            ));
        }
        report.warnings = warnings;
        Ok(report)
    }
}

/// Every file of the vault to mirror (not `tmp/`), and the set of their relative paths.
fn plan(src: &Layout) -> Result<(Vec<Entry>, HashSet<PathBuf>)> {
    let mut out = Vec::new();
    let mut add = |path: &Path, mutable: bool| -> Result<()> {
        let meta = fs::symlink_metadata(path).map_err(Error::io("cannot read", path))?;
        if meta.is_file() {
            out.push(Entry {
                rel: path.strip_prefix(&src.root).unwrap_or(path).to_path_buf(),
                len: meta.len(),
                mutable,
            });
        }
        Ok(())
    };
    let list = |dir: &Path| -> Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(Error::io("cannot list", dir))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .map_err(Error::io("cannot list", dir))?;
        v.sort();
        Ok(v)
    };
    for p in list(&src.keys())? {
        add(&p, true)?;
    }
    for p in list(&src.catalog())? {
        add(&p, false)?;
    }
    // Every device's text index, journal and snapshots: files that never change.
    for dir in [src.root.join("texts"), src.journal(), src.snapshots()] {
        for p in list(&dir).unwrap_or_default() {
            if p.is_dir() {
                for q in list(&p)? {
                    add(&q, false)?;
                }
            } else {
                add(&p, false)?;
            }
        }
    }
    for fan in list(&src.blobs())? {
        if fan.is_dir() {
            for p in list(&fan)? {
                add(&p, false)?;
            }
        }
    }
    add(&src.header(), true)?;
    let keep = out.iter().map(|e| e.rel.clone()).collect();
    Ok((out, keep))
}

fn needs_copy(src: &Layout, dst: &Layout, e: &Entry, warnings: &mut Vec<String>) -> bool {
    let theirs = dst.root.join(&e.rel);
    let Ok(meta) = fs::symlink_metadata(&theirs) else {
        return true;
    };
    if e.mutable {
        // Small files (key slots, the header): compare the bytes.
        let ours = fs::read(src.root.join(&e.rel)).ok();
        return ours.is_none() || ours != fs::read(&theirs).ok();
    }
    if meta.len() != e.len {
        warnings.push(format!(
            "{} differs in size between the vault ({} bytes) and the backup ({} bytes); the \
             backup's copy was kept: run `dossier verify` and `dossier backup --verify`",
            e.rel.display(),
            e.len,
            meta.len()
        ));
    }
    false
}

/// Removes from the backup what the vault says is gone: blobs of purged items, catalog and
/// text generations the vault pruned, key slots it removed. Files the vault never knew are
/// kept and reported. Returns how many files were removed.
fn remove_gone(
    vault: &Vault,
    dst: &Layout,
    keep: &HashSet<PathBuf>,
    warnings: &mut Vec<String>,
) -> Result<u64> {
    let purged: HashSet<String> = vault
        .catalog
        .blobs()?
        .into_iter()
        .filter(|(_, purged)| *purged)
        .map(|(b, _)| b)
        .collect();
    let mut gone: BTreeMap<PathBuf, &'static str> = BTreeMap::new();
    let rel = |p: &Path| p.strip_prefix(&dst.root).unwrap_or(p).to_path_buf();
    let files = |dir: &Path| -> Vec<PathBuf> {
        fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect()
    };
    for p in files(&dst.keys()) {
        if !keep.contains(&rel(&p)) {
            gone.insert(p, "key slot");
        }
    }
    // Caches and derived files the vault replaced (snapshots, text indexes) and format-1
    // generations it removed go; journal segments never do (see `check_journal`).
    let mut folders = vec![dst.catalog(), dst.root.join("texts")];
    for parent in [dst.root.join("texts"), dst.snapshots()] {
        for e in fs::read_dir(&parent).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                folders.push(e.path());
            }
        }
    }
    for dir in folders {
        for p in files(&dir) {
            let hex = p
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".age"))
                .is_some_and(|s| is_hex_name(s, 32));
            if hex && !keep.contains(&rel(&p)) {
                // prepare_target proved every catalog file there is ours and not newer.
                gone.insert(p, "generation");
            }
        }
    }
    let mut unknown = 0;
    for fan in fs::read_dir(dst.blobs()).into_iter().flatten().flatten() {
        for p in files(&fan.path()) {
            if keep.contains(&rel(&p)) {
                continue;
            }
            let id = format!(
                "{}{}",
                fan.file_name().to_string_lossy(),
                p.file_stem()
                    .map(|s| s.to_string_lossy())
                    .unwrap_or_default()
            );
            if purged.contains(&id) {
                gone.insert(p, "purged");
            } else {
                unknown += 1;
            }
        }
    }
    if unknown > 0 {
        warnings.push(format!(
            "the backup holds {unknown} blob file(s) the vault lacks and has not purged; they \
             were kept (run `dossier verify` on the vault, and `backup --verify` on the backup)"
        ));
    }
    let mut dirs = HashSet::new();
    for p in gone.keys() {
        fs::remove_file(p).map_err(Error::io("cannot remove from the backup", p))?;
        if let Some(d) = p.parent() {
            dirs.insert(d.to_path_buf());
        }
    }
    sync_dirs(&dirs)?;
    Ok(gone.len() as u64)
}

fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
