//! Format 1: loading a format-1 vault's catalog generations, and moving the vault to format 2
//! in place (docs/FORMAT.md, "Migration from format 1").

use std::fs;
use std::io::Write;

use serde_json::json;

use crate::catalog::Catalog;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::notice::{Notice, NoticeKey};
use crate::storage::durable;
use crate::storage::layout::{self, Layout};
use crate::storage::names::random_hex;
use crate::storage::segment::{DeviceId, MacKey};

use super::Vault;
use super::journal;

/// Loads the newest format-1 catalog generation and rebuilds what upgrading its schema left
/// empty (the search index of a schema-1 catalog) before anything searches or saves it.
pub(super) fn load_catalog(
    layout: &Layout,
    identity: &age::x25519::Identity,
) -> Result<(Catalog, Vec<String>)> {
    let (mut catalog, warnings) = Catalog::load(layout, identity)?;
    if catalog.take_search_index_stale() {
        crate::search::rebuild(&catalog.db)?;
    }
    Ok((catalog, warnings))
}

/// The read-only notice for damaged catalog files the user has not accepted yet.
pub(super) fn damaged_catalog_notice(catalog: &Catalog) -> Result<Option<String>> {
    let accepted = catalog
        .info("accepted_damaged_catalog")?
        .unwrap_or_default();
    let accepted: Vec<&str> = accepted.split(',').collect();
    let unaccepted: Vec<&str> = catalog
        .damaged_files()
        .into_iter()
        .filter(|n| !accepted.contains(n))
        .collect();
    if unaccepted.is_empty() {
        return Ok(None);
    }
    Ok(Some(format!(
        "catalog file(s) {} could not be read, so the vault is open read-only to keep whatever \
         they hold (generation {} loaded, the highest seen is {}). Copy the whole vault folder \
         somewhere safe, then run `dossier repair --accept-damaged-catalog` to continue from \
         generation {}",
        unaccepted
            .iter()
            .map(|n| format!("catalog/{n}.age"))
            .collect::<Vec<_>>()
            .join(", "),
        catalog.generation(),
        catalog.highest_seen(),
        catalog.generation()
    )))
}

/// Replaces the header with `format 2`: the commit point of a migration. Written beside it,
/// fsynced, renamed over it, and the folder fsynced; a crash leaves the old header or the new.
pub(super) fn write_header(layout: &Layout) -> Result<()> {
    let tmp = layout.tmp_root().join(random_hex(16));
    (|| {
        let mut f = durable::create_private(&tmp)?;
        f.write_all(layout::header_text().as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, layout.header())?;
        durable::sync_dir(&layout.root)
    })()
    .map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io("cannot write the vault header", layout.header())(e)
    })
}

/// Removes what a migration this device started and did not finish left behind (the header
/// still says format 1, so nothing there was ever used).
pub(super) fn remove_unfinished_migration(layout: &Layout, device: DeviceId) {
    for dir in [
        layout.journal().join(device.to_string()),
        layout.snapshots().join(device.to_string()),
    ] {
        let _ = fs::remove_dir_all(dir);
    }
}

/// The custody entry of a migration.
pub(super) fn record_migration(
    cat: &Catalog,
    now: &str,
    generation: u64,
    rows: usize,
) -> Result<()> {
    custody::append(
        &cat.db,
        now,
        Action::Migrate,
        None,
        &crate::catalog::log::migration_detail(generation, rows),
    )?;
    Ok(())
}

impl Vault {
    /// Accepting damaged format-1 generations: the decision is written into the loaded
    /// catalog, which is then migrated (its custody entry records the decision).
    pub(super) fn accept_damaged_format_1(
        &mut self,
        notice: String,
        damaged: Vec<String>,
    ) -> Result<Vec<String>> {
        let (generation, highest) = (self.catalog.generation(), self.catalog.highest_seen());
        let (mac, vault_bytes) = self.key.journal_key();
        let device = journal::device_id(&mut self.device_state);
        let old = std::mem::replace(&mut self.catalog, Catalog::create_empty()?);
        old.set_info("accepted_damaged_catalog", &damaged.join(","))?;
        let stamp = super::timestamp(self.now());
        custody::append(
            &old.db,
            &stamp,
            Action::Repair,
            None,
            &json!({ "accepted_damaged_catalog_files": damaged, "continued_from_generation": generation,
                     "highest_generation_seen": highest }),
        )?;
        self.catalog = old;
        if let Err(e) = self.migrate_loaded(mac, vault_bytes, device) {
            self.read_only = Some(notice);
            return Err(e);
        }
        self.finish_interrupted_work();
        Ok(damaged)
    }

    /// Moves a format-1 vault to format 2 in place (docs/FORMAT.md, "Migration"): the newest
    /// format-1 generation becomes this device's first segment, then a snapshot is written,
    /// then the header says format 2. A crash before the header leaves a format-1 vault (what
    /// was written is removed at the next try); after it, a format-2 one. `catalog/` is kept.
    pub(super) fn migrate_from_format_1(
        &mut self,
        mac: MacKey,
        vault_bytes: [u8; 16],
        device: DeviceId,
    ) -> Result<()> {
        let (old, warnings) = load_catalog(&self.layout, &self.key.identity)?;
        self.warnings.extend(warnings);
        if old.info("vault_id")?.as_deref() != Some(self.key.vault_id()) {
            return Err(Error::Corrupt(
                "the catalog belongs to a different vault".into(),
            ));
        }
        let mut notice = damaged_catalog_notice(&old)?;
        if !self.device_state.heads.is_empty() {
            // This device has seen this folder hold a format-2 journal: a format-1 copy in its
            // place is an older copy, put back. Migrating it would bury what it lacks.
            let entries: u64 = self.device_state.heads.values().map(|h| h.seq).sum();
            notice = Some(format!(
                "this folder held this vault in format 2 with {entries} journal entries when \
                 this device last opened it; it now holds an older format-1 copy. The vault is \
                 open read-only: bring back the newer copy (a backup, the other computer), or \
                 copy this folder elsewhere and open the copy there"
            ));
        }
        self.catalog = old;
        if let Some(notice) = notice {
            // Nothing is migrated (or written) until the user decides about the damage.
            self.read_only = Some(notice);
            return Ok(());
        }
        self.migrate_loaded(mac, vault_bytes, device)
    }

    /// The migration proper, of the format-1 catalog now in `self.catalog`.
    pub(super) fn migrate_loaded(
        &mut self,
        mac: MacKey,
        vault_bytes: [u8; 16],
        device: DeviceId,
    ) -> Result<()> {
        let mut old = std::mem::replace(&mut self.catalog, Catalog::create_empty()?);
        remove_unfinished_migration(&self.layout, device);
        // The device id must survive a crash here, so a retry cleans up after this attempt.
        if let Some(dir) = &self.state_dir
            && let Err(e) = self
                .device_state
                .save(dir, &self.layout.root, &mac, &self.recipient)
        {
            let notice = journal::record_unsaved(dir, &e);
            self.raise(notice);
        }
        durable::ensure_dir_private(&self.layout.tmp_root())
            .and_then(|_| durable::ensure_dir_private(&self.layout.tmp()))
            .map_err(Error::io("cannot create a vault folder", self.layout.tmp()))?;
        let generation = old.generation();
        old.start_journal(mac, vault_bytes, device)?;
        let genesis = old.all_rows_as_inserts()?;
        let rows = genesis.len();
        let now = self.now();
        let wall = super::now_ms(now);
        old.db.execute_batch("BEGIN")?;
        match old.publish(&self.layout, &self.recipient, wall, genesis) {
            Ok(_) => old.db.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = old.db.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        let stamp = super::timestamp(now);
        old.commit_change(&self.layout, &self.recipient, wall, |cat| {
            super::register_device(&cat.db, &stamp)?;
            record_migration(cat, &stamp, generation, rows)
        })?;
        old.save_snapshot(&self.layout, &self.recipient)?;
        self.migrate_text_index();
        write_header(&self.layout)?;
        // The lock was on the old header file; the new one needs it too.
        self._lock = super::lock(&self.layout)?;
        self.catalog = old;
        self.save_device_state();
        self.raise(Notice::new(
            NoticeKey::MovedToFormat2,
            &[&generation],
            format!(
                "this vault was moved to format 2 (a journal per device, safe in a sync folder); \
                 the format-1 catalog (generation {generation}) is kept, unread, in catalog/ until \
                 you remove it, once every device runs this version"
            ),
        ));
        Ok(())
    }

    /// The format-1 text index becomes this device's; it is derived data, so any failure is a
    /// warning (and `reindex` rebuilds it).
    /// Also run at every open: a migration cut short may have left it behind.
    pub(super) fn migrate_text_index(&mut self) {
        let mut old_layout = self.layout.clone();
        old_layout.device = None;
        let old_dir = old_layout.texts();
        let files = |dir: &std::path::Path| {
            fs::read_dir(dir)
                .map(|d| {
                    d.flatten()
                        .any(|e| e.file_type().is_ok_and(|t| t.is_file()))
                })
                .unwrap_or(false)
        };
        if !files(&old_dir) {
            return;
        }
        let result = if files(&self.layout.texts()) {
            Ok(()) // this device has its own already: the old one is superseded
        } else {
            Catalog::load_family(
                &old_layout,
                &self.key.identity,
                &crate::catalog::snapshot::TEXTS,
            )
            .and_then(|(mut texts, _)| {
                durable::ensure_dir_private(&self.layout.texts()).map_err(Error::io(
                    "cannot create the text index folder",
                    self.layout.texts(),
                ))?;
                texts.save(&self.layout, &self.recipient, self.now().unix_timestamp())?;
                Ok(())
            })
        };
        match result {
            Ok(()) => {
                for e in fs::read_dir(&old_dir).into_iter().flatten().flatten() {
                    if e.file_type().is_ok_and(|t| t.is_file()) {
                        let _ = fs::remove_file(e.path());
                    }
                }
            }
            Err(e) => self.raise(Notice::new(
                NoticeKey::TextIndexNotCarried,
                &[&e],
                format!("the text index was not carried over ({e}); run `dossier reindex`"),
            )),
        }
    }
}
