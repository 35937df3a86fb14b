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
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::catalog::snapshot::{self, CATALOG, TEXTS};
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::storage::durable;
use crate::storage::layout::{self, Layout};
use crate::storage::names::{is_hex_name, random_hex};
use crate::vault::Vault;
use crate::verify::Report;

/// Present in a backup's `tmp/` while a run has not finished.
pub const INCOMPLETE_MARKER: &str = "backup-incomplete";
const CHUNK: usize = 1 << 20;

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

/// One file of the vault to mirror, by path relative to the vault root.
struct Entry {
    rel: PathBuf,
    len: u64,
    /// Files that can legitimately change in place (key slots, the header): compared by
    /// content, replaced atomically. Everything else is immutable and never replaced.
    mutable: bool,
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
        let resumed = prepare_target(src, &dst, identity, self.vault_id(), self.generation().0)?;
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
                _ => (4, 0),
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
        let marker = dst.tmp().join(INCOMPLETE_MARKER);
        fs::remove_file(&marker)
            .and_then(|()| durable::sync_dir(&dst.tmp()))
            .map_err(Error::io("cannot finish the backup", &marker))?;
        report.generation = self.generation().0;
        Ok(report)
    }

    /// Checks a backup as `verify` checks the vault: loads its newest catalog with this vault's
    /// key, decrypts and re-hashes every item, checks the custody chain and looks for stray
    /// files. Nothing is written to the backup or the vault.
    pub fn verify_backup(&self, dir: &Path, progress: &dyn Progress) -> Result<Report> {
        layout::check_header(dir)?;
        let backup = Layout::new(dir);
        let identity = &self.vault_key().identity;
        let (catalog, mut warnings) = Catalog::load(&backup, identity)?;
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
        if backup.tmp().join(INCOMPLETE_MARKER).exists() {
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
        if catalog.generation() < self.generation().0 {
            warnings.push(format!(
                "the backup ends at catalog generation {}, the vault is at {}",
                catalog.generation(),
                self.generation().0
            ));
        }
        report.warnings = warnings;
        Ok(report)
    }
}

/// Makes `dst` ready: creates it, or checks that it is a backup of this vault (complete or
/// interrupted) that is not newer than the vault. Leaves the incomplete marker in place and
/// clears partial copies from an interrupted run. Returns whether a run was interrupted.
fn prepare_target(
    src: &Layout,
    dst: &Layout,
    identity: &age::x25519::Identity,
    vault_id: &str,
    generation: u64,
) -> Result<bool> {
    let root = &dst.root;
    let abs = |p: &Path| {
        p.canonicalize()
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    if abs(root).starts_with(abs(&src.root)) {
        return Err(Error::Invalid(format!(
            "{} is the vault itself or inside it; back up to another folder or disk",
            root.display()
        )));
    }
    let marker = dst.tmp().join(INCOMPLETE_MARKER);
    let empty = match fs::read_dir(root) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            durable::mkdir_private(root)
                .map_err(Error::io("cannot create the backup folder", root))?;
            true
        }
        Err(e) => return Err(Error::io("cannot open the backup folder", root)(e)),
    };
    let resumed = marker.exists();
    if !empty {
        let is_vault = dst.header().exists();
        if !is_vault && !resumed {
            return Err(Error::Invalid(format!(
                "{} is not empty and is not a backup of a Dossier vault; choose an empty folder",
                root.display()
            )));
        }
        // Every catalog file there must be this vault's and no newer than the vault.
        let dir = dst.catalog();
        for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name
                .strip_suffix(".age")
                .is_some_and(|s| is_hex_name(s, 32))
            {
                continue;
            }
            match snapshot::file_generation(&e.path(), identity, &CATALOG) {
                Ok(g) if g > generation => {
                    return Err(Error::Invalid(format!(
                        "the backup in {} holds catalog generation {g}, newer than this vault's \
                         {generation}: it may record work this vault lacks. Nothing was copied. \
                         Open that backup to see it, or back up to another folder.",
                        root.display()
                    )));
                }
                Ok(_) => {}
                Err(_) => {
                    return Err(Error::Invalid(format!(
                        "{} holds a catalog this vault's key cannot read ({}): it is a backup of \
                         another vault, or damaged. Nothing was copied.",
                        root.display(),
                        e.path().display()
                    )));
                }
            }
        }
        if is_vault {
            // The header and a readable catalog: it must be ours (the check above proved the
            // key; the vault id proves the vault, since a key could in theory be shared).
            let (cat, _) = Catalog::load(dst, identity)?;
            if cat.info("vault_id")?.as_deref() != Some(vault_id) {
                return Err(Error::Invalid(format!(
                    "{} is a backup of another vault",
                    root.display()
                )));
            }
        }
    }
    for dir in [
        dst.keys(),
        dst.catalog(),
        dst.blobs(),
        dst.tmp(),
        root.join(TEXTS.dir),
    ] {
        durable::ensure_dir_private(&dir)
            .map_err(Error::io("cannot create a folder in the backup", &dir))?;
    }
    // Partial copies of an interrupted run were never linked: remove them.
    for e in fs::read_dir(dst.tmp()).into_iter().flatten().flatten() {
        if e.file_name() != INCOMPLETE_MARKER && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
    if !resumed {
        durable::create_private(&marker)
            .and_then(|f| f.sync_all())
            .and_then(|()| durable::sync_dir(&dst.tmp()))
            .and_then(|()| durable::sync_dir(root))
            .map_err(Error::io("cannot write to the backup folder", &marker))?;
    }
    Ok(resumed)
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
    for dir in [src.catalog(), src.root.join(TEXTS.dir)] {
        for p in list(&dir)? {
            add(&p, false)?;
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

/// Copies one file into the backup's `tmp/`, syncs it, reads it back from the disk (not the
/// page cache) to compare, then publishes it: by hard link for new files (never replacing),
/// by rename for the key slots and header that may legitimately change.
fn copy_verified(
    src: &Layout,
    dst: &Layout,
    e: &Entry,
    progress: &dyn Progress,
    done: &mut u64,
) -> Result<()> {
    let from = src.root.join(&e.rel);
    let to = dst.root.join(&e.rel);
    let tmp = dst.tmp().join(random_hex(16));
    let result = (|| -> Result<()> {
        if let Some(parent) = to.parent() {
            durable::ensure_dir_private(parent)
                .map_err(Error::io("cannot create a folder in the backup", parent))?;
        }
        let mut input =
            durable::open_read_noatime(&from).map_err(Error::io("cannot read", &from))?;
        let mut output =
            durable::create_private(&tmp).map_err(Error::io("cannot write to the backup", &tmp))?;
        let mut hash = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        loop {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let n = input
                .read(&mut buf)
                .map_err(Error::io("cannot read", &from))?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            output
                .write_all(&buf[..n])
                .map_err(Error::io("cannot write to the backup", &tmp))?;
            *done += n as u64;
            progress.position(*done);
        }
        output
            .sync_all()
            .map_err(Error::io("cannot write to the backup", &tmp))?;
        drop(output);
        let written = hash.finalize();
        if read_back(&tmp)? != written.as_slice() {
            return Err(Error::Io {
                what: "the copy does not read back as written (is the backup disk failing?)",
                path: tmp.clone(),
                cause: std::io::Error::other("read-back mismatch"),
            });
        }
        durable::normalise_times(&tmp).map_err(Error::io("cannot stamp", &tmp))?;
        if e.mutable {
            fs::rename(&tmp, &to).map_err(Error::io("cannot write to the backup", &to))
        } else {
            link_new(&tmp, &to)
        }
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Hashes a file as the disk returns it: after a sync, its cached pages are dropped first.
fn read_back(path: &Path) -> Result<Vec<u8>> {
    let mut f = File::open(path).map_err(Error::io("cannot read back", path))?;
    // Advice, not a guarantee (some file systems ignore it): at worst this reads the cache.
    let _ = nix::fcntl::posix_fadvise(
        &f,
        0,
        0,
        nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED,
    );
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(Error::io("cannot read back", path))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(hash.finalize().to_vec())
}

/// Gives a finished file its name without ever replacing one (hard link; FAT and exFAT, which
/// have none, get renameat2 with RENAME_NOREPLACE). The folder is synced later, in a batch.
fn link_new(tmp: &Path, to: &Path) -> Result<()> {
    match fs::hard_link(tmp, to) {
        Ok(()) => fs::remove_file(tmp).map_err(Error::io("cannot tidy the backup", tmp)),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EOPNOTSUPP)) => {
            use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
            renameat2(AT_FDCWD, tmp, AT_FDCWD, to, RenameFlags::RENAME_NOREPLACE)
                .map_err(|e| Error::io("cannot write to the backup", to)(e.into()))
        }
        Err(e) => Err(Error::io("cannot write to the backup", to)(e)),
    }
}

fn sync_dirs(dirs: &HashSet<PathBuf>) -> Result<()> {
    for d in dirs {
        durable::sync_dir(d).map_err(Error::io("cannot sync the backup", d))?;
    }
    Ok(())
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
    for dir in [dst.catalog(), dst.root.join(TEXTS.dir)] {
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
