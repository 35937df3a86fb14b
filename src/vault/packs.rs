//! Packs in the vault: sealing a batch's small files into one, recording where each item's
//! bytes are, rewriting a pack without a purged item, and when a replaced pack's file may go.
//! The file format is `crate::storage::pack`'s; the tables are `packs` and `packed` (schema 7).

use std::fs;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::items::Item;
use crate::storage::names::random_hex;
use crate::storage::{durable, pack};

use super::Vault;

/// A pack written to `tmp/`, not yet recorded.
pub(super) struct PackWritten {
    pub(super) id: String,
    pub(super) tmp: PathBuf,
    /// (blob name, offset of its bytes)
    pub(super) members: Vec<(String, u64)>,
}

/// What a purge of a packed item does to its pack, prepared before the purge's change.
pub(super) struct Repack {
    /// The pack that held the purged item: retired by the change, removed after it.
    pub(super) old: String,
    /// The same pack without it; `None` when the purged item was its last.
    pub(super) new: Option<PackWritten>,
}

impl Vault {
    /// Encrypts a built pack into `tmp/` (not yet durable: the caller syncs).
    pub(super) fn seal_pack(&self, b: pack::Builder) -> Result<PackWritten> {
        let id = b.id().to_string();
        let tmp = self.layout.tmp_blob(&id);
        let out =
            durable::create_private(&tmp).map_err(Error::io("cannot write to the vault", &tmp))?;
        let written = b.seal(&self.recipient, out).and_then(|(members, file)| {
            durable::normalise_file_times(&file)?;
            file.sync_all()?;
            Ok(members)
        });
        match written {
            Ok(members) => Ok(PackWritten { id, tmp, members }),
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(Error::io("cannot write to the vault", &tmp)(e))
            }
        }
    }

    /// Prepares the purge of a packed item: its pack rewritten without it, into `tmp/` and
    /// durable. `None` when the item has a blob of its own. Refused when the pack cannot be
    /// read whole, since the other items' bytes must move intact.
    pub(super) fn repack_without(&self, item: &Item) -> Result<Option<Repack>> {
        let Some((old, path, _)) = self.packed_place(&item.blob)? else {
            return Ok(None);
        };
        let refuse = |problem: String| Error::Integrity {
            id: item.id.clone(),
            name: item.name.clone(),
            problem: format!(
                "it shares the pack {} with other items, which {problem}: nothing was purged \
                 (run `dossier verify`)",
                path.display()
            ),
        };
        let file = durable::open_read_noatime(&path)
            .map_err(|e| refuse(format!("cannot be opened ({e})")))?;
        let opened = pack::read_whole(file, &self.key.identity, &old)
            .map_err(|e| refuse(format!("does not read whole ({e:?})")))?;
        let mut builder = pack::Builder::new(&random_hex(16));
        for (member, offset) in self.catalog.pack_members(&old)? {
            if member.id == item.id || member.purged_at.is_some() {
                continue;
            }
            let bytes = opened
                .member(&member.blob, offset, member.size)
                .ok_or_else(|| refuse(format!("no longer holds item {}", member.id)))?;
            builder.add(&member.blob, bytes);
        }
        let new = if builder.is_empty() {
            None
        } else {
            Some(self.seal_pack(builder)?)
        };
        durable::sync_dir(&self.layout.tmp())
            .map_err(Error::io("cannot write to the vault", &self.layout.tmp()))?;
        Ok(Some(Repack { old, new }))
    }

    /// After the purge's change is durable: the new pack placed, the old one removed.
    pub(super) fn finish_repack(&mut self, repack: Repack) -> Result<()> {
        if let Some(new) = &repack.new {
            self.place_blob(&new.tmp, &new.id)?;
        }
        self.remove_purged_file(&repack.old)
    }

    /// Removes a blob or pack file that holds purged bytes, durably; one already gone is fine.
    pub(super) fn remove_purged_file(&self, blob: &str) -> Result<()> {
        let path = self.layout.blob(blob);
        fs::remove_file(&path)
            .and_then(|()| durable::sync_dir(path.parent().expect("fan dir")))
            .or_else(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Ok(()),
                _ => Err(e),
            })
            .map_err(Error::io("cannot remove the purged bytes", &path))
    }

    /// Whether a blob file the catalog calls gone may be removed: a purged item's own file
    /// always; a retired pack only once every item it holds that is not purged has its bytes
    /// in a live pack that is here (another device's purge may arrive before its new pack).
    pub(super) fn replaced_everywhere(&self, blob: &str) -> Result<bool> {
        for (item, _) in self.catalog.pack_members(blob)? {
            if item.purged_at.is_some() {
                continue;
            }
            let elsewhere = self
                .catalog
                .pack_places(&item.blob)?
                .iter()
                .any(|(pack, _)| pack != blob && self.layout.blob(pack).exists());
            if !elsewhere {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Records packs and where each member's bytes are, in the current change.
pub(super) fn record_packs<'a>(
    db: &rusqlite::Connection,
    packs: impl IntoIterator<Item = &'a PackWritten>,
) -> Result<()> {
    let mut pack = db.prepare_cached("INSERT INTO packs (id) VALUES (?1)")?;
    let mut member =
        db.prepare_cached("INSERT INTO packed (blob, pack, offset) VALUES (?1, ?2, ?3)")?;
    for p in packs {
        pack.execute([&p.id])?;
        for (blob, offset) in &p.members {
            member.execute(rusqlite::params![blob, p.id, *offset as i64])?;
        }
    }
    Ok(())
}

/// Retires a pack in the current change: its members' live places are elsewhere from now on.
pub(super) fn retire_pack(db: &rusqlite::Connection, pack: &str) -> Result<()> {
    db.execute("UPDATE packs SET retired = 1 WHERE id = ?1", [pack])?;
    Ok(())
}

/// Removes packs written to `tmp/` that were not (or are no longer) needed there.
pub(super) fn remove_packs(packs: &[PackWritten]) {
    for p in packs {
        let _ = fs::remove_file(&p.tmp);
    }
}
