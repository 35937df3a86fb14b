//! Checking a backup folder before anything is copied into it: empty, or a backup of this
//! vault that holds nothing the vault lacks.

use std::fs;
use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::catalog::snapshot::{self, CATALOG};
use crate::error::{Error, Result};
use crate::keys::VaultKey;
use crate::storage::durable;
use crate::storage::journal::Journal;
use crate::storage::layout::Layout;
use crate::storage::names::hex_age_entries;

use super::INCOMPLETE_MARKER;
use crate::storage::segment::Applied;

/// Makes `dst` ready: creates it, or checks that it is a backup of this vault (complete or
/// interrupted) that holds nothing the vault lacks. Leaves the incomplete marker in place and
/// clears partial copies from an interrupted run. Returns whether a run was interrupted.
pub(super) fn prepare_target(
    src: &Layout,
    dst: &Layout,
    key: &VaultKey,
    applied: &Applied,
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
    let marker = dst.tmp_root().join(INCOMPLETE_MARKER);
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
        check_catalogs(src, dst, &key.identity, key.vault_id())?;
        check_journal(src, dst, key, applied)?;
    }
    for dir in [
        dst.keys(),
        dst.catalog(),
        dst.blobs(),
        dst.tmp_root(),
        root.join("texts"),
        dst.journal(),
        dst.snapshots(),
    ] {
        durable::ensure_dir_private(&dir)
            .map_err(Error::io("cannot create a folder in the backup", &dir))?;
    }
    // Partial copies of an interrupted run were never linked: remove them.
    for e in fs::read_dir(dst.tmp_root()).into_iter().flatten().flatten() {
        if e.file_name() != INCOMPLETE_MARKER && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
    if !resumed {
        durable::create_private(&marker)
            .and_then(|f| f.sync_all())
            .and_then(|()| durable::sync_dir(&dst.tmp_root()))
            .and_then(|()| durable::sync_dir(root))
            .map_err(Error::io("cannot write to the backup folder", &marker))?;
    }
    Ok(resumed)
}

/// Every format-1 catalog generation in the backup must be this vault's, and none may be
/// newer than the newest the vault holds (work done in the backup while it was format 1).
fn check_catalogs(
    src: &Layout,
    dst: &Layout,
    identity: &age::x25519::Identity,
    vault_id: &str,
) -> Result<()> {
    let generations = |dir: &Path| -> Vec<(PathBuf, std::result::Result<u64, String>)> {
        hex_age_entries(dir, 32)
            .into_iter()
            .map(|e| {
                let g = snapshot::file_generation(&e.path(), identity, &CATALOG);
                (e.path(), g)
            })
            .collect()
    };
    let ours = generations(&src.catalog())
        .into_iter()
        .filter_map(|(_, g)| g.ok())
        .max()
        .unwrap_or(0);
    let mut any = false;
    for (path, g) in generations(&dst.catalog()) {
        match g {
            Ok(g) if g > ours => {
                return Err(Error::Invalid(format!(
                    "the backup in {} holds catalog generation {g}, newer than this vault's \
                     {ours}: it may record work this vault lacks. Nothing was copied. Open that \
                     backup to see it, or back up to another folder.",
                    dst.root.display()
                )));
            }
            Ok(_) => any = true,
            Err(_) => {
                return Err(Error::Invalid(format!(
                    "{} holds a catalog this vault's key cannot read ({}): it is a backup of \
                     another vault, or damaged. Nothing was copied.",
                    dst.root.display(),
                    path.display()
                )));
            }
        }
    }
    if any && dst.header().exists() && !dst.journal().exists() {
        let (cat, _) = Catalog::load(dst, identity)?;
        if cat.info("vault_id")?.as_deref() != Some(vault_id) {
            return Err(Error::Invalid(format!(
                "{} is a backup of another vault",
                dst.root.display()
            )));
        }
    }
    Ok(())
}

/// A backup never holds journal entries the vault lacks: if it does, the vault went back (or
/// the backup was opened and worked in), and copying over it would hide that. Entries the
/// vault's state already holds (`applied`: a snapshot covers them, and compaction removed the
/// files) are not missing. Also proves the backup's journal is this vault's.
fn check_journal(src: &Layout, dst: &Layout, key: &VaultKey, applied: &Applied) -> Result<()> {
    let theirs = Journal::new(&dst.root)
        .list()
        .map_err(Error::io("cannot list the backup's journal", dst.journal()))?;
    let ours = Journal::new(&src.root)
        .list()
        .map_err(Error::io("cannot list the journal", src.journal()))?;
    let mut ahead = Vec::new();
    for (device, seqs) in &theirs.segments {
        let have = ours.segments.get(device);
        let extra: Vec<u64> = seqs
            .iter()
            .copied()
            .filter(|s| !have.is_some_and(|h| h.contains(s)))
            .filter(|s| applied.get(device).is_none_or(|&head| *s > head))
            .collect();
        if let (Some(first), Some(last)) = (extra.first(), extra.last()) {
            ahead.push(format!(
                "entries {first}–{last} of device {}",
                &device.to_string()[..8]
            ));
        }
    }
    if !ahead.is_empty() {
        return Err(Error::Invalid(format!(
            "the backup in {} holds journal entries this vault lacks ({}): the vault went \
             back, or the backup was opened and worked in. Nothing was copied. `dossier pull \
             --from {}` brings them into this vault; or back up to another folder.",
            dst.root.display(),
            ahead.join(", "),
            dst.root.display()
        )));
    }
    prove_ours(dst, key)
}

/// One of the folder's journal segments must be this vault's (same key, same vault id, a tag
/// made with this vault's secret): a folder of another vault is never mixed into this one.
pub(crate) fn prove_ours(other: &Layout, key: &VaultKey) -> Result<()> {
    let listing = Journal::new(&other.root)
        .list()
        .map_err(Error::io("cannot list the journal", other.journal()))?;
    if let Some((device, seq)) = listing
        .segments
        .iter()
        .find_map(|(d, s)| s.first().map(|s| (*d, *s)))
    {
        let (mac, vault) = key.journal_key();
        if let Err(e) = Journal::new(&other.root).read(device, seq, &key.identity, &mac, &vault) {
            return Err(Error::Invalid(format!(
                "{} holds a journal this vault's key cannot read ({e}): it belongs to another \
                 vault, or is damaged. Nothing was copied.",
                other.root.display()
            )));
        }
    }
    Ok(())
}
