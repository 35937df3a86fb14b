//! The vault: the one door to everything the core does with evidence. Every mutation runs in a
//! SQLite transaction whose row changes are published as this device's next journal segment
//! (vault format 2) before the transaction commits, and only then is reported as done; if
//! publishing fails the transaction rolls back, so memory never holds state the disk does not.
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

mod batch;
#[cfg(feature = "bench-support")]
mod bench;
mod blobs;
mod compaction;
mod conflicts;
mod extraction;
mod format1;
mod import;
mod items;
mod journal;
mod packs;
mod passphrase;
mod register;
mod search;
mod signing;
mod stamping;
#[cfg(test)]
mod tests;
mod verify;

pub use conflicts::{Conflict, ConflictValue};
pub use extraction::ExtractionRecord;
pub use import::{ImportOptions, Imported, hash_file};
pub use items::{ItemEdit, Rendition};
pub use stamping::{ItemStamp, StampBatch, StampReport, send_batches as send_time_stamp_batches};
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
    /// Those of the warnings that a front end says in its own language (also in `warnings`,
    /// in English); taken with them.
    raised: Vec<crate::Notice>,
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
    /// This device's own record of the vault (outside it), and where it is kept.
    device_state: crate::storage::device::DeviceState,
    state_dir: Option<PathBuf>,
    /// Segments were written since the device state was last saved. It is saved at
    /// [`Vault::flush`] and when the vault is dropped, not at every change: an import whose
    /// later step fails withdraws its segment, and this device must not remember it.
    state_dirty: bool,
}

impl Drop for Vault {
    fn drop(&mut self) {
        if self.state_dirty {
            self.save_device_state();
        }
    }
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

/// Milliseconds since the Unix epoch, for the journal's clock.
fn now_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Names this device in the vault the first time it writes (no change, and so nothing
/// logged, when it is already there).
fn register_device(db: &rusqlite::Connection, now: &str) -> Result<()> {
    db.prepare_cached(
        "INSERT OR IGNORE INTO devices (id, name, first_seen)
         SELECT id, ?1, ?2 FROM temp._device",
    )?
    .execute(rusqlite::params![journal::host_name(), now])?;
    Ok(())
}

/// Takes the vault's exclusive lock (on the header file), so two processes never write at once.
///
/// A process that is just ending can hold the lock a moment after it was killed: a parser
/// worker it was starting holds a copy of the descriptor until its `exec`. So a held lock is
/// tried again for [`LOCK_PATIENCE`] before it is reported as another process's vault.
fn lock(layout: &Layout) -> Result<File> {
    let path = layout.header();
    let file = durable::open_read_noatime(&path)
        .map_err(Error::io("cannot open the vault header", &path))?;
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::InUse {
                    path: layout.root.clone(),
                });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::io("cannot lock the vault", &path)(e));
            }
        }
    }
}

/// How long opening waits for a vault another process is letting go of.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

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
            layout.texts(),
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
        let recipient = key.recipient();
        let this = journal::this_device(layout, &key);
        let layout = this.layout;
        durable::mkdir_private(&layout.tmp())
            .map_err(Error::io("cannot create a vault folder", layout.tmp()))?;
        let mut catalog = Catalog::create_empty()?;
        catalog.start_journal(this.mac, this.vault_bytes, this.id)?;
        let stamp = timestamp(now);
        let vault_id = key.vault_id().to_string();
        catalog.commit_change(&layout, &recipient, now_ms(now), |cat| {
            crate::catalog::schema::insert_info(&cat.db, &vault_id, &stamp)?;
            register_device(&cat.db, &stamp)?;
            custody::append(
                &cat.db,
                &stamp,
                Action::Create,
                None,
                &json!({ "format": layout::FORMAT_VERSION, "kdf_work_factor": options.work_factor }),
            )
        })?;
        // The header goes last: until it exists, the folder is not a vault.
        let tmp = layout.tmp_root().join(random_hex(16));
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
            raised: Vec::new(),
            read_only: None,
            texts: Some(Catalog::create_texts()?),
            texts_dirty: false,
            parser: crate::worker::Parser::new(),
            device_state: this.state,
            state_dir: this.state_dir,
            state_dirty: false,
        })
        .map(|mut v| {
            v.save_device_state();
            for n in this.notices {
                v.raise(n);
            }
            if options.work_factor < keys::DEFAULT_WORK_FACTOR {
                v.warnings.push(format!(
                    "the passphrase is protected by scrypt work factor {} instead of {}: each \
                     guess costs an attacker about {}× less work. Unless this vault is for \
                     tests, make a new one with the default",
                    options.work_factor,
                    keys::DEFAULT_WORK_FACTOR,
                    1u32 << (keys::DEFAULT_WORK_FACTOR - options.work_factor)
                ));
            }
            v
        })
    }

    /// Opens a vault with its passphrase. A wrong passphrase changes no byte on disk.
    pub fn open(root: &Path, passphrase: &SecretString) -> Result<Vault> {
        let layout = Layout::new(root);
        let version = layout::check_header(root)?;
        let lock = lock(&layout)?;
        if !layout.passphrase_slot().exists() && !keys::recipient_slots(&layout)?.is_empty() {
            return Err(Error::Invalid(format!(
                "the vault at {} has no passphrase slot; open it with its recovery key or plugin \
                 identity (--identity FILE)",
                root.display()
            )));
        }
        let key = keys::unlock_passphrase_slot(&layout, passphrase)?;
        Self::open_with_key(layout, lock, key, version)
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
        let version = layout::check_header(root)?;
        let identities = keys::parse_identities(identity.expose_secret(), ui)?;
        let lock = lock(&layout)?;
        let (key, slot) = keys::unlock_with_identities(&layout, &identities)?;
        let mut vault = Self::open_with_key(layout, lock, key, version)?;
        if !vault.catalog_has_slot(&slot)? {
            vault.warnings.push(format!(
                "key slot {slot} opened the vault but the catalog does not list it"
            ));
        }
        Ok(vault)
    }

    fn open_with_key(layout: Layout, lock: File, key: VaultKey, version: u32) -> Result<Vault> {
        let recipient = key.recipient();
        let this = journal::this_device(layout, &key);
        let (mac, vault_bytes, device) = (this.mac, this.vault_bytes, this.id);
        let mut vault = Vault {
            catalog: Catalog::create_empty()?,
            layout: this.layout,
            _lock: lock,
            key,
            recipient,
            clock: system_clock(),
            warnings: Vec::new(),
            raised: Vec::new(),
            read_only: None,
            texts: None,
            texts_dirty: false,
            parser: crate::worker::Parser::new(),
            device_state: this.state,
            state_dir: this.state_dir,
            state_dirty: false,
        };
        for n in this.notices {
            vault.raise(n);
        }
        if version == 1 {
            vault.migrate_from_format_1(mac, vault_bytes, device)?;
        } else {
            vault.load_journal(mac, vault_bytes, device)?;
        }
        if vault.catalog.info("vault_id")?.as_deref() != Some(vault.key.vault_id()) {
            return Err(Error::Corrupt(
                "the catalog belongs to a different vault".into(),
            ));
        }
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

    /// The catalog and journal files that could not be read at open (kept on disk): what
    /// [`Vault::accept_damaged_catalog`] would go on without.
    pub fn damaged_files(&self) -> Vec<String> {
        match self.catalog.log() {
            Some(_) => journal::damaged_segments(&self.catalog),
            None => self
                .catalog
                .damaged_files()
                .into_iter()
                .map(String::from)
                .collect(),
        }
    }

    /// The user's decision after a damaged catalog or journal file: continue without it. The
    /// damaged files stay on disk (reported by `verify`); the decision is logged. A format-1
    /// vault is then moved to format 2.
    ///
    /// Refused when the vault is read-only for another reason: an older format-1 copy put
    /// back where this device saw format 2 has nothing damaged, and migrating it would bury
    /// what it lacks.
    pub fn accept_damaged_catalog(&mut self) -> Result<Vec<String>> {
        let Some(notice) = self.read_only.clone() else {
            return Ok(Vec::new());
        };
        let damaged = self.damaged_files();
        if damaged.is_empty() {
            return Err(Error::Invalid(
                "nothing in this vault is damaged: it is read-only because it is an older copy \
                 put back; bring back the newer copy (a backup, the other computer) instead"
                    .into(),
            ));
        }
        self.read_only = None;
        if self.catalog.log().is_none() {
            return self.accept_damaged_format_1(notice, damaged);
        }
        let result = self.commit(|cat, now| {
            cat.set_info("accepted_damaged_segments", &damaged.join(","))?;
            custody::append(
                &cat.db,
                now,
                Action::Repair,
                None,
                &json!({ "accepted_damaged_journal_files": damaged }),
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
    /// that could not be logged). The notices among them are taken too.
    pub fn take_warnings(&mut self) -> Vec<String> {
        self.take_warnings_and_notices().0
    }

    /// The warnings gathered since the last take, and the notices among them.
    pub(crate) fn take_warnings_and_notices(&mut self) -> (Vec<String>, Vec<crate::Notice>) {
        let notices = std::mem::take(&mut self.raised);
        (std::mem::take(&mut self.warnings), notices)
    }

    /// A warning a front end can say in its own language: kept as a notice, and in English
    /// among the warnings (the CLI prints those).
    pub(crate) fn raise(&mut self, notice: crate::Notice) {
        // Said once: a step that runs twice in one opening (saving the device record during a
        // migration) must not repeat itself.
        if self.raised.contains(&notice) {
            return;
        }
        self.warnings.push(notice.text.clone());
        self.raised.push(notice);
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

    /// How many journal entries the vault holds (all devices) and when the newest was made
    /// (Unix seconds): shown at unlock, so a vault that went back is visible.
    pub fn generation(&self) -> (u64, i64) {
        match self.catalog.log() {
            Some(log) => (
                log.heads().values().map(|h| h.seq).sum(),
                crate::storage::segment::hlc_millis(log.hlc()) / 1000,
            ),
            None => (self.catalog.generation(), self.catalog.saved_at()),
        }
    }

    /// Problems noticed while opening.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// What the journal and the vault folder hold that the user must know of (entries missing,
    /// damaged journal files, sync-engine leftovers), then what opening did or could not do
    /// (work a crash interrupted, this device's record), each with its kind and values so a
    /// front end can say it in its own language. Each is also among the warnings, in English.
    pub fn notices(&self) -> Vec<crate::Notice> {
        let mut all = journal::notices(&self.catalog);
        all.extend(self.raised.iter().cloned());
        all
    }

    fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    /// Runs `change` in a transaction and publishes what it changed as this device's next
    /// journal segment. Returns the value and the segment's path (none if nothing changed).
    pub(crate) fn commit<T>(
        &mut self,
        change: impl FnOnce(&Catalog, &str) -> Result<T>,
    ) -> Result<(T, Option<PathBuf>)> {
        if let Some(notice) = &self.read_only {
            return Err(Error::ReadOnly(notice.clone()));
        }
        let now = self.now();
        let stamp = timestamp(now);
        let result =
            self.catalog
                .commit_change(&self.layout, &self.recipient, now_ms(now), |cat| {
                    register_device(&cat.db, &stamp)?;
                    change(cat, &stamp)
                })?;
        if result.1.is_some() {
            self.state_dirty = true;
        }
        Ok(result)
    }

    /// After a change was withdrawn: bring memory back to what the disk holds, and return
    /// `err`.
    fn reload_after(&mut self, err: Error) -> Error {
        let Some(log) = self.catalog.log() else {
            return err;
        };
        let device = log.device();
        let (mac, vault_bytes) = self.key.journal_key();
        match self.load_journal(mac, vault_bytes, device) {
            Ok(()) => err,
            Err(reload) => Error::Corrupt(format!(
                "{err}; reloading the journal also failed ({reload}); close and reopen the vault"
            )),
        }
    }

    /// Saves this device's record of what it has seen (at open, flush and drop).
    pub(super) fn save_device_state(&mut self) {
        self.state_dirty = false;
        if let Some(notice) = journal::save_state(
            &self.catalog,
            &mut self.device_state,
            &self.layout.root,
            self.state_dir.as_deref(),
            &self.recipient,
        ) {
            self.raise(notice);
        }
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

fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
