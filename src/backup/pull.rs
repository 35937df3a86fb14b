//! Pulling missing history back from a backup (or any copy of the vault): the journal
//! segments, snapshots and blobs the vault lacks are copied in, verified, never replacing a
//! file; then the journal is read again. What a rollback or a lost sync took away comes back.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::copy::{Entry, copy_verified, sync_dirs};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::storage::durable;
use crate::storage::layout::{self, Layout};
use crate::storage::names::is_hex_name;
use crate::storage::segment;
use crate::vault::Vault;

/// What a pull brought.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PullReport {
    pub from: String,
    /// Journal entries, snapshots and evidence files copied in.
    pub segments: u64,
    pub snapshots: u64,
    pub blobs: u64,
    pub bytes: u64,
    /// Journal entries the vault now holds.
    pub entries: u64,
    pub warnings: Vec<String>,
    /// Those of the warnings a front end says in its own language (reloading the journal
    /// could not save the device record or a snapshot).
    pub notices: Vec<crate::Notice>,
}

/// The files of `from` that `to` lacks, among those a pull may bring: journal segments,
/// snapshots and blobs (never key slots, the header or text indexes).
fn missing(from: &Layout, to: &Layout, applied: &crate::storage::segment::Applied) -> Vec<Entry> {
    let mut out = Vec::new();
    let files = |dir: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        v.sort();
        v
    };
    let mut consider = |p: &Path, ok: bool| {
        let rel = p.strip_prefix(&from.root).unwrap_or(p).to_path_buf();
        if !ok || to.root.join(&rel).exists() {
            return;
        }
        if let Ok(meta) = fs::symlink_metadata(p)
            && meta.is_file()
        {
            out.push(Entry {
                rel,
                len: meta.len(),
                mutable: false,
            });
        }
    };
    let name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string()
    };
    for fan in files(&from.blobs()) {
        if is_hex_name(&name(&fan), 2) {
            for p in files(&fan) {
                let ok = name(&p)
                    .strip_suffix(".age")
                    .is_some_and(|s| is_hex_name(s, 30));
                consider(&p, ok);
            }
        }
    }
    for device in files(&from.snapshots()) {
        if is_hex_name(&name(&device), 32) {
            for p in files(&device) {
                let ok = name(&p)
                    .strip_suffix(".age")
                    .is_some_and(|s| is_hex_name(s, 32));
                consider(&p, ok);
            }
        }
    }
    // Segments last, and in order: they name the blobs above.
    for device in files(&from.journal()) {
        if is_hex_name(&name(&device), 32) {
            // What the vault's state already holds was compacted away, not lost.
            let head = segment::DeviceId::parse_hex(&name(&device))
                .and_then(|d| applied.get(&d).copied())
                .unwrap_or(0);
            for p in files(&device) {
                let wanted = segment::parse_file_name(&name(&p)).is_some_and(|seq| seq > head);
                consider(&p, wanted);
            }
        }
    }
    out
}

impl Vault {
    /// Copies from `from` (a backup, or another copy of this vault) every journal segment,
    /// snapshot and blob this vault lacks, each verified, none replacing a file; then reads the
    /// journal again. The run is recorded in the custody log.
    pub fn pull(&mut self, from: &Path, progress: &dyn Progress) -> Result<PullReport> {
        if layout::check_header(from)? != 2 {
            return Err(Error::Invalid(format!(
                "{} is a format-1 vault or backup: open it once with this version first",
                from.display()
            )));
        }
        let src = Layout::new(from);
        let dst = self.layout().clone();
        super::target::prove_ours(&src, self.vault_key())?;
        let todo = missing(&src, &dst, &self.applied_heads());
        let total: u64 = todo.iter().map(|e| e.len).sum();
        let mut report = PullReport {
            from: from.display().to_string(),
            ..PullReport::default()
        };
        progress.start("pull", total);
        let mut done = 0u64;
        let mut touched: HashSet<PathBuf> = HashSet::new();
        for e in &todo {
            if let Some(parent) = dst.root.join(&e.rel).parent() {
                durable::ensure_dir_private(parent)
                    .map_err(Error::io("cannot create a vault folder", parent))?;
                touched.insert(parent.to_path_buf());
            }
            copy_verified(&src, &dst, e, progress, &mut done)?;
            match e
                .rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
            {
                Some("journal") => report.segments += 1,
                Some("snapshots") => report.snapshots += 1,
                _ => report.blobs += 1,
            }
            report.bytes += e.len;
        }
        sync_dirs(&touched)?;
        progress.finish();
        self.reload()?;
        report.entries = self.generation().0;
        (report.warnings, report.notices) = self.take_warnings_and_notices();
        if report.segments + report.blobs > 0 && self.read_only().is_none() {
            let detail = serde_json::json!({
                "pulled_from": from.display().to_string(), "segments": report.segments,
                "snapshots": report.snapshots, "blobs": report.blobs, "bytes": report.bytes,
            });
            self.commit(|cat, now| {
                crate::custody::append(&cat.db, now, crate::custody::Action::Repair, None, &detail)
            })?;
        }
        Ok(report)
    }
}
