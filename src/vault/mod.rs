//! The vault: the one door to everything the core does with evidence. Every mutation runs in a
//! SQLite transaction, is persisted as a new catalog generation, and only then is reported as
//! done; if persisting fails the in-memory catalog is reloaded from disk, so memory never holds
//! state the disk does not.
//!
//! This file holds the [`Vault`] itself: creating, opening, locking, committing, reloading and
//! tidying up after a crash. Each kind of work has a file of its own beside it (`import.rs`,
//! `items.rs`, `extraction.rs`, `verify.rs`, `register.rs`, `search.rs`, ...) that hands the
//! call to the domain modules below (`crate::items`, `crate::register`, `crate::search`, ...),
//! which work on the catalog's connection and never on the vault.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use time::OffsetDateTime;

use crate::catalog::Catalog;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::keys::{self, VaultKey};
use crate::storage::durable;
use crate::storage::layout::{self, Layout};
use crate::storage::names::random_hex;

#[cfg(feature = "bench-support")]
mod bench;
mod blobs;
mod extraction;
mod import;
mod items;
mod passphrase;
mod register;
mod search;
mod signing;
#[cfg(test)]
mod tests;
mod verify;

pub use extraction::ExtractionRecord;
pub use import::{ImportOptions, Imported, hash_file};
pub use items::{ItemEdit, Rendition};
pub(crate) use verify::verify_tree;

/// Source of the current time; tests pin it (custody entries record it).
pub type Clock = Box<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Options for [`Vault::create`].
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// scrypt log2(N) for the passphrase slot. See [`keys::DEFAULT_WORK_FACTOR`].
    pub work_factor: u8,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions {
            work_factor: keys::DEFAULT_WORK_FACTOR,
        }
    }
}

/// An open, unlocked vault. Holds an exclusive lock on the vault directory while it lives;
/// dropping it drops the key (which wipes itself) and the catalog.
pub struct Vault {
    layout: Layout,
    _lock: File,
    key: VaultKey,
    recipient: age::x25519::Recipient,
    pub(crate) catalog: Catalog,
    clock: Clock,
    pub(crate) warnings: Vec<String>,
    /// Set when a catalog file is damaged and the user has not yet decided what to do:
    /// nothing is written, so nothing the damaged file may hold is overwritten or pruned.
    read_only: Option<String>,
    /// Extracted text (derived data, its own snapshot family), saved by [`Vault::flush`].
    /// Loaded on first use ([`Vault::texts`]): it can be hundreds of MiB, and most commands
    /// never need it, so opening the vault does not pay for it.
    pub(crate) texts: Option<Catalog>,
    pub(crate) texts_dirty: bool,
    /// The sandboxed parser worker, started at the first file to parse and kept for the
    /// rest of the batch; locking (dropping) the vault ends it.
    pub(crate) parser: crate::worker::Parser,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("root", &self.layout.root)
            .finish_non_exhaustive()
    }
}

fn system_clock() -> Clock {
    Box::new(OffsetDateTime::now_utc)
}

/// RFC 3339 in UTC with exactly three fractional digits. A fixed width matters: the catalog
/// sorts by these strings, and `time`'s RFC 3339 output drops trailing zeros (".12Z" sorts
/// after ".123Z"), which misordered items made within one second.
fn timestamp(t: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .expect("a UTC time formats")
}

/// Loads the newest catalog generation and rebuilds what upgrading its schema left empty (the
/// search index of a schema-1 catalog) before anything searches or saves it.
fn load_catalog(
    layout: &Layout,
    identity: &age::x25519::Identity,
) -> Result<(Catalog, Vec<String>)> {
    let (mut catalog, warnings) = Catalog::load(layout, identity)?;
    if catalog.take_search_index_stale() {
        crate::search::rebuild(&catalog.db)?;
    }
    Ok((catalog, warnings))
}

/// Takes the vault's exclusive lock (on the header file), so two processes never write at once.
fn lock(layout: &Layout) -> Result<File> {
    let path = layout.header();
    let file = durable::open_read_noatime(&path)
        .map_err(Error::io("cannot open the vault header", &path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::InUse {
            path: layout.root.clone(),
        }),
        Err(fs::TryLockError::Error(e)) => Err(Error::io("cannot lock the vault", &path)(e)),
    }
}

impl Vault {
    /// Creates a new vault in `root`, which must not exist or be an empty directory.
    pub fn create(
        root: &Path,
        passphrase: &SecretString,
        options: &CreateOptions,
    ) -> Result<Vault> {
        keys::check_new_passphrase(passphrase)?;
        let existed = match fs::read_dir(root) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(Error::VaultExists { path: root.into() });
                }
                true
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(Error::io("cannot use the vault folder", root)(e)),
        };
        let result = Self::create_in(root, existed, passphrase, options);
        if result.is_err() {
            // The folder was empty or absent before this call, so everything in it now was
            // written by this attempt: remove it, so that `init` can simply be run again.
            if existed {
                for e in fs::read_dir(root).into_iter().flatten().flatten() {
                    let _ = fs::remove_dir_all(e.path()).or_else(|_| fs::remove_file(e.path()));
                }
            } else {
                let _ = fs::remove_dir_all(root);
            }
        }
        result
    }

    fn create_in(
        root: &Path,
        existed: bool,
        passphrase: &SecretString,
        options: &CreateOptions,
    ) -> Result<Vault> {
        let layout = Layout::new(root);
        if existed {
            fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o700))
                .map_err(Error::io("cannot restrict the vault folder", root))?;
        } else {
            if let Some(parent) = root.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent)
                    .map_err(Error::io("cannot create the folder", parent))?;
            }
            durable::mkdir_private(root)
                .map_err(Error::io("cannot create the vault folder", root))?;
        }
        for dir in [
            layout.keys(),
            layout.catalog(),
            layout.blobs(),
            layout.tmp(),
            layout.root.join(crate::catalog::snapshot::TEXTS.dir),
        ] {
            durable::mkdir_private(&dir)
                .map_err(Error::io("cannot create a vault folder", &dir))?;
        }
        let key = VaultKey::generate();
        // A brand-new vault holds nothing yet: an unconfirmed slot fails the creation.
        if let Some(warning) =
            keys::write_passphrase_slot(&layout, &key, passphrase, options.work_factor)?
        {
            return Err(Error::Invalid(warning));
        }
        let clock = system_clock();
        let now = clock();
        let mut catalog = Catalog::create(key.vault_id(), &timestamp(now))?;
        custody::append(
            &catalog.db,
            &timestamp(now),
            Action::Create,
            None,
            &json!({ "format": layout::FORMAT_VERSION, "kdf_work_factor": options.work_factor }),
        )?;
        let recipient = key.recipient();
        catalog.save(&layout, &recipient, now.unix_timestamp())?;
        // The header goes last: until it exists, the folder is not a vault.
        let tmp = layout.tmp().join(random_hex(16));
        (|| {
            let mut f = durable::create_private(&tmp)?;
            f.write_all(layout::header_text().as_bytes())?;
            f.sync_all()?;
            durable::publish(&tmp, &layout.header())
        })()
        .map_err(Error::io("cannot write the vault header", layout.header()))?;
        durable::sync_dir(root).map_err(Error::io("cannot sync the vault folder", root))?;
        let lock = lock(&layout)?;
        Ok(Vault {
            layout,
            _lock: lock,
            key,
            recipient,
            catalog,
            clock,
            warnings: Vec::new(),
            read_only: None,
            texts: Some(Catalog::create_texts()?),
            texts_dirty: false,
            parser: crate::worker::Parser::new(),
        })
    }

    /// Opens a vault with its passphrase. A wrong passphrase changes no byte on disk.
    pub fn open(root: &Path, passphrase: &SecretString) -> Result<Vault> {
        let layout = Layout::new(root);
        layout::check_header(root)?;
        let lock = lock(&layout)?;
        if !layout.passphrase_slot().exists() && !keys::recipient_slots(&layout)?.is_empty() {
            return Err(Error::Invalid(format!(
                "the vault at {} has no passphrase slot; open it with its recovery key or plugin \
                 identity (--identity FILE)",
                root.display()
            )));
        }
        let key = keys::unlock_passphrase_slot(&layout, passphrase)?;
        Self::open_with_key(layout, lock, key)
    }

    /// Opens a vault with an age identity that one of its recipient slots is encrypted to: a
    /// recovery key (`AGE-SECRET-KEY-1…`, as printed) or a plugin identity (`ui` answers its
    /// prompts: a PIN, "touch your key"). For a lost
    /// passphrase: open with the recovery key, then [`Vault::change_passphrase`].
    pub fn open_with_identity(
        root: &Path,
        identity: &SecretString,
        ui: impl age::Callbacks,
    ) -> Result<Vault> {
        let layout = Layout::new(root);
        layout::check_header(root)?;
        let identities = keys::parse_identities(identity.expose_secret(), ui)?;
        let lock = lock(&layout)?;
        let (key, slot) = keys::unlock_with_identities(&layout, &identities)?;
        let mut vault = Self::open_with_key(layout, lock, key)?;
        if !vault.catalog_has_slot(&slot)? {
            vault.warnings.push(format!(
                "key slot {slot} opened the vault but the catalog does not list it"
            ));
        }
        Ok(vault)
    }

    fn open_with_key(layout: Layout, lock: File, key: VaultKey) -> Result<Vault> {
        let (catalog, warnings) = load_catalog(&layout, &key.identity)?;
        if catalog.info("vault_id")?.as_deref() != Some(key.vault_id()) {
            return Err(Error::Corrupt(
                "the catalog belongs to a different vault".into(),
            ));
        }
        let recipient = key.recipient();
        let read_only = damaged_catalog_notice(&catalog)?;
        let mut vault = Vault {
            layout,
            _lock: lock,
            key,
            recipient,
            catalog,
            clock: system_clock(),
            warnings,
            read_only,
            texts: None,
            texts_dirty: false,
            parser: crate::worker::Parser::new(),
        };
        if let Some(notice) = &vault.read_only {
            vault.warnings.push(notice.clone());
        } else {
            vault.finish_interrupted_work();
            vault.fail_unfinished_extractions();
        }
        Ok(vault)
    }

    /// The current time as stored in the catalog (RFC 3339, UTC, milliseconds).
    pub(crate) fn now_text(&self) -> String {
        timestamp(self.now())
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    pub(crate) fn vault_key(&self) -> &VaultKey {
        &self.key
    }

    /// Refuses changes while a damaged catalog file awaits the user's decision.
    pub(crate) fn ensure_writable(&self) -> Result<()> {
        match &self.read_only {
            Some(notice) => Err(Error::ReadOnly(notice.clone())),
            None => Ok(()),
        }
    }

    /// Why the vault is open read-only, if it is (a damaged catalog file awaits a decision).
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// The user's decision after a damaged catalog file: continue from the generation that
    /// loaded. The damaged files stay on disk (reported by `verify`); the decision is logged.
    pub fn accept_damaged_catalog(&mut self) -> Result<Vec<String>> {
        let damaged: Vec<String> = self
            .catalog
            .damaged_files()
            .into_iter()
            .map(String::from)
            .collect();
        let Some(notice) = self.read_only.take() else {
            return Ok(Vec::new());
        };
        let (generation, highest) = (self.catalog.generation(), self.catalog.highest_seen());
        let result = self.commit(|cat, now| {
            cat.db.execute(
                "INSERT OR REPLACE INTO vault_info (key, value) VALUES ('accepted_damaged_catalog', ?1)",
                [damaged.join(",")],
            )?;
            custody::append(
                &cat.db,
                now,
                Action::Repair,
                None,
                &json!({ "accepted_damaged_catalog_files": damaged, "continued_from_generation": generation,
                         "highest_generation_seen": highest }),
            )
        });
        if let Err(e) = result {
            self.read_only = Some(notice);
            return Err(e);
        }
        self.finish_interrupted_work();
        Ok(damaged)
    }

    /// Warnings gathered since the last call (opening, purges whose bytes must wait, exports
    /// that could not be logged).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Records that a file was written from the vault (a dossier, a copy).
    pub(crate) fn log_export(
        &mut self,
        item: Option<&str>,
        detail: serde_json::Value,
        out: &Path,
    ) -> Result<()> {
        self.record_export(item, detail, out)
    }

    /// The time the vault's clock says it is.
    pub(crate) fn clock_now(&self) -> OffsetDateTime {
        self.now()
    }

    /// Replaces the clock (tests pin time with it).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    pub fn path(&self) -> &Path {
        &self.layout.root
    }

    pub fn vault_id(&self) -> &str {
        self.key.vault_id()
    }

    /// The catalog generation in use and when it was saved (Unix seconds): shown at unlock so
    /// a rollback to an older generation is visible.
    pub fn generation(&self) -> (u64, i64) {
        (self.catalog.generation(), self.catalog.saved_at())
    }

    /// Problems noticed while opening.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    /// Runs `change` in a transaction, then persists a new generation. Returns the value and
    /// the path of the new generation file.
    pub(crate) fn commit<T>(
        &mut self,
        change: impl FnOnce(&Catalog, &str) -> Result<T>,
    ) -> Result<(T, PathBuf)> {
        if let Some(notice) = &self.read_only {
            return Err(Error::ReadOnly(notice.clone()));
        }
        let now = self.now();
        let stamp = timestamp(now);
        let tx = self.catalog.db.unchecked_transaction()?;
        let value = change(&self.catalog, &stamp)?;
        tx.commit()?;
        match self
            .catalog
            .save(&self.layout, &self.recipient, now.unix_timestamp())
        {
            Ok(path) => Ok((value, path)),
            Err(e) => Err(self.reload_after(e)),
        }
    }

    /// After a failed persist: bring memory back to what the disk holds, and return `err`.
    fn reload_after(&mut self, err: Error) -> Error {
        match load_catalog(&self.layout, &self.key.identity) {
            Ok((catalog, _)) => {
                self.catalog = catalog;
                err
            }
            Err(reload) => Error::Corrupt(format!(
                "{err}; reloading the catalog also failed ({reload}); close and reopen the vault"
            )),
        }
    }

    /// Completes or undoes work a crash interrupted: a blob in `tmp/` that a committed
    /// generation names is moved into place (the import had been recorded); anything else in
    /// `tmp/` was never acknowledged and is removed; a purged item's leftover bytes are removed.
    /// Failures here are warnings, not errors: a vault on read-only media must still open.
    fn finish_interrupted_work(&mut self) {
        if let Err(e) = self.sweep() {
            self.warnings
                .push(format!("could not tidy up interrupted work: {e}"));
        }
    }

    fn sweep(&mut self) -> Result<()> {
        let referenced: std::collections::HashMap<String, bool> =
            self.catalog.blobs()?.into_iter().collect();
        let tmp = self.layout.tmp();
        let entries = fs::read_dir(&tmp).map_err(Error::io("cannot list tmp", &tmp))?;
        let mut swept = false;
        for entry in entries.flatten() {
            let path = entry.path();
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue; // not written by us: `verify` reports it
            }
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            if referenced.get(&stem) == Some(&false) && !self.layout.blob(&stem).exists() {
                self.place_blob(&path, &stem)?;
                self.warnings
                    .push(format!("completed an interrupted import (blob {stem})"));
            } else {
                fs::remove_file(&path)
                    .map_err(Error::io("cannot remove a leftover file", &path))?;
                swept = true;
            }
        }
        if swept {
            durable::sync_dir(&tmp).map_err(Error::io("cannot sync", &tmp))?;
        }
        for (blob, purged) in &referenced {
            let path = self.layout.blob(blob);
            if *purged && path.exists() {
                fs::remove_file(&path).map_err(Error::io("cannot finish a purge", &path))?;
                self.warnings
                    .push(format!("finished an interrupted purge (blob {blob})"));
            }
        }
        Ok(())
    }

    /// Logs an export whose file is already written. If the log cannot be written the file is
    /// removed again: no copy of evidence or keys leaves the vault unrecorded. A read-only
    /// vault (damaged catalog) still lets the user get their evidence out, with a warning.
    fn record_export(
        &mut self,
        item: Option<&str>,
        detail: serde_json::Value,
        out: &Path,
    ) -> Result<()> {
        self.record_copy(Action::Export, item, detail, out)
    }

    /// Logs a copy that left the vault (an export, a shared bundle) once it is written; see
    /// [`Vault::record_export`].
    pub(crate) fn record_copy(
        &mut self,
        action: Action,
        item: Option<&str>,
        detail: serde_json::Value,
        out: &Path,
    ) -> Result<()> {
        if self.read_only.is_some() {
            self.warnings.push(format!(
                "{} was written but could not be recorded in the custody log (the vault is read-only)",
                out.display()
            ));
            return Ok(());
        }
        let logged = self.commit(|cat, now| custody::append(&cat.db, now, action, item, &detail));
        if let Err(e) = logged {
            let removed = fs::remove_file(out).is_ok();
            return Err(Error::Invalid(format!(
                "the export to {} could not be recorded in the custody log ({e}); {}",
                out.display(),
                if removed {
                    "the copy was removed"
                } else {
                    "REMOVE THE COPY BY HAND: it could not be removed"
                }
            )));
        }
        Ok(())
    }
}

/// The read-only notice for damaged catalog files the user has not accepted yet.
fn damaged_catalog_notice(catalog: &Catalog) -> Result<Option<String>> {
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

fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
