//! The vault: the one door to everything the core does with evidence. Every mutation runs in a
//! SQLite transaction, is persisted as a new catalog generation, and only then is reported as
//! done; if persisting fails the in-memory catalog is reloaded from disk, so memory never holds
//! state the disk does not.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::catalog::{Catalog, Item};
use crate::custody::{self, Action, Entry};
use crate::error::{Error, Result};
use crate::keys::{self, VaultKey};
use crate::progress::Progress;
use crate::storage::blob;
use crate::storage::durable;
use crate::storage::layout::{self, Layout, random_hex};
use crate::verify::{self, ItemCheck, Report, Status};

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

/// Options for [`Vault::import`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Where the evidence came from; defaults to the path it was imported from.
    pub source: Option<String>,
    pub notes: Option<String>,
    /// Store a second copy even when the same bytes are already in the vault.
    pub allow_duplicate: bool,
    /// Refuse (and store nothing) unless the bytes hash to this SHA-256: a received item
    /// must be what its sender listed.
    pub expect_sha256: Option<String>,
    /// Merged into the `import` custody entry (a received item's origin and sender custody).
    pub custody_extra: Option<serde_json::Value>,
}

/// The result of importing one file.
#[derive(Debug, Clone)]
pub enum Imported {
    /// Stored as a new item.
    New(Item),
    /// The same bytes (same SHA-256) are already in the vault as this item; nothing was stored.
    Duplicate(Item),
}

impl Imported {
    pub fn item(&self) -> &Item {
        match self {
            Imported::New(i) | Imported::Duplicate(i) => i,
        }
    }
}

/// Changes to an item's metadata. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ItemEdit {
    pub name: Option<String>,
    pub notes: Option<String>,
    pub source: Option<String>,
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
            layout.root.join(crate::catalog::TEXTS.dir),
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
        let (catalog, warnings) = Catalog::load(&layout, &key.identity)?;
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

    /// Loads the text index now rather than at the first search (about a second for 200 MiB
    /// of text): a front end calls it once the vault is open, so typing in a search box
    /// answers at once.
    pub fn load_text_index(&mut self) -> Result<()> {
        self.texts().map(|_| ())
    }

    /// The text index, loaded (and checked against the catalog) on first use.
    pub(crate) fn texts(&mut self) -> Result<&mut Catalog> {
        self.load_texts(true)
    }

    /// Loads the text index; with `check`, warns about items whose text it lacks (not wanted
    /// by `reindex`, which is about to fix exactly that).
    fn load_texts(&mut self, check: bool) -> Result<&mut Catalog> {
        if self.texts.is_none() {
            let (texts, warnings) = open_texts(&self.layout, &self.key, Vec::new());
            self.warnings.extend(warnings);
            if !check {
                self.texts = Some(texts);
                return Ok(self.texts.as_mut().expect("just loaded"));
            }
            let never: i64 = self.catalog.db.query_row(
                "SELECT count(*) FROM items i WHERE i.purged_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM extractions e WHERE e.item_id = i.id)",
                [],
                |r| r.get(0),
            )?;
            if never > 0 {
                self.warnings.push(format!(
                    "{never} item(s) were imported by an older version and never had their metadata and text extracted; run `dossier reindex`"
                ));
            }
            let missing = missing_text(&self.catalog, &texts)?;
            if missing > 0 {
                self.warnings.push(format!(
                    "the extracted text of {missing} item(s) is not in the search index; run `dossier reindex`"
                ));
            }
            self.texts = Some(texts);
        }
        Ok(self.texts.as_mut().expect("loaded above"))
    }

    /// Saves the text index if it changed. Call after a batch of imports (the CLI does after
    /// every command). If it is not called, nothing is lost: the next open notices the missing
    /// text and `reindex` rebuilds it from the evidence.
    pub fn flush(&mut self) -> Result<()> {
        if !self.texts_dirty || self.read_only.is_some() {
            return Ok(());
        }
        let now = self.now().unix_timestamp();
        durable::ensure_dir_private(&self.layout.root.join(crate::catalog::TEXTS.dir)).map_err(
            Error::io("cannot create the text index folder", &self.layout.root),
        )?;
        if let Some(texts) = self.texts.as_mut() {
            texts.save(&self.layout, &self.recipient, now)?;
        }
        self.texts_dirty = false;
        Ok(())
    }

    /// Extracts metadata and text again from every item's bytes (after an upgrade, or to
    /// rebuild a lost text index). Returns how many items were processed.
    pub fn reindex(&mut self, progress: &dyn Progress) -> Result<usize> {
        self.load_texts(false)?;
        let items: Vec<Item> = self
            .catalog
            .items(true)?
            .into_iter()
            .filter(|i| i.purged_at.is_none())
            .collect();
        let mut done = 0;
        // One item at a time: memory is one item's, whatever the vault's size.
        for item in items
            .iter()
            .filter(|i| i.size <= crate::extract::MAX_EXTRACT_BYTES)
        {
            if progress.is_cancelled() {
                self.flush()?;
                return Err(Error::Cancelled);
            }
            progress.start(&item.name, item.size);
            if let Err(e) = self.extract_item(item) {
                self.warnings
                    .push(format!("{} ({}): {e}", item.id, item.name));
            }
            progress.finish();
            done += 1;
        }
        self.commit(|cat, now| {
            custody::append(
                &cat.db,
                now,
                Action::Edit,
                None,
                &json!({ "reindex": done }),
            )
        })?;
        self.flush()?;
        Ok(done)
    }

    /// The JPEG thumbnail of an image item, decrypted in memory, if it has one.
    pub fn thumbnail(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.rendition(id, Rendition::Thumbnail)
    }

    /// A JPEG rendition (thumbnail or preview) of an image item, decrypted in memory.
    pub fn rendition(&self, id: &str, which: Rendition) -> Result<Option<Vec<u8>>> {
        let item = self.catalog.item(id)?;
        let column = which.as_str();
        let blob: Option<String> = self
            .catalog
            .db
            .query_row(
                &format!("SELECT {column} FROM extractions WHERE item_id = ?1"),
                [&item.id],
                |r| r.get(0),
            )
            .or_else(|e| {
                if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
                    Ok(None)
                } else {
                    Err(e)
                }
            })?;
        let Some(blob) = blob.filter(|_| item.purged_at.is_none()) else {
            return Ok(None);
        };
        let path = self.layout.blob(&blob);
        let file = durable::open_read_noatime(&path)
            .map_err(Error::io("cannot read the image rendition", &path))?;
        let mut bytes = Vec::new();
        blob::read(
            file,
            &blob_id(&blob),
            &self.key.identity,
            &mut bytes,
            &crate::progress::Silent,
        )
        .map_err(|e| Error::Integrity {
            id: item.id.clone(),
            name: item.name.clone(),
            problem: format!("its {column}: {e:?}"),
        })?;
        Ok(Some(bytes))
    }

    /// Writes an image item's thumbnail or preview to `out` (never overwriting), logged as an
    /// export.
    pub fn export_rendition(&mut self, id: &str, which: Rendition, out: &Path) -> Result<Item> {
        let item = self.catalog.item(id)?;
        let jpeg = self.rendition(&item.id, which)?.ok_or_else(|| {
            Error::Invalid(format!("item {} ({}) has no thumbnail", item.id, item.name))
        })?;
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        (|| {
            let mut f = durable::create_private(out)?;
            f.write_all(&jpeg)?;
            f.sync_all()
        })()
        .map_err(|e| {
            let _ = fs::remove_file(out);
            Error::io("cannot write the image rendition", out)(e)
        })?;
        self.record_export(
            Some(&item.id),
            json!({ "what": which.as_str(), "to": absolute(out) }),
            out,
        )?;
        Ok(item)
    }

    /// What extraction found for an item: status, metadata, error.
    pub fn extraction(&self, id: &str) -> Result<Option<ExtractionRecord>> {
        let item = self.catalog.item(id)?;
        let row = self.catalog.db.query_row(
            "SELECT status, metadata, error, text_bytes, extracted_at FROM extractions WHERE item_id = ?1",
            [&item.id],
            |r| {
                let metadata: String = r.get(1)?;
                Ok(ExtractionRecord {
                    status: r.get(0)?,
                    metadata: serde_json::from_str(&metadata).unwrap_or_default(),
                    error: r.get(2)?,
                    text_bytes: r.get::<_, i64>(3)? as u64,
                    extracted_at: r.get(4)?,
                })
            },
        );
        match row {
            Ok(r) => Ok(Some(r)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The vault's signing identity, made (and logged) on first use.
    pub fn signer(&mut self, label: &str) -> Result<crate::signer::Signer> {
        if let Some(s) = self.stored_signer()? {
            return Ok(s);
        }
        let signer = crate::signer::Signer::generate(label)?;
        let (key, leaf, root) = signer.to_stored()?;
        let fingerprint = signer.summary()?.fingerprint;
        self.commit(|cat, now| {
            cat.db.execute(
                "INSERT INTO vault_info (key, value) VALUES ('signer_key', ?1), ('signer_leaf', ?2), ('signer_root', ?3)",
                rusqlite::params![key.as_str(), leaf, root],
            )?;
            custody::append(
                &cat.db,
                now,
                Action::Keygen,
                None,
                &json!({ "signer_root_sha256": fingerprint }),
            )
        })?;
        Ok(signer)
    }

    /// Writes the signer's root certificate (PEM, public: what recipients pin) to `out`,
    /// never overwriting; makes the signing identity first if there is none.
    pub fn export_signer_root(
        &mut self,
        label: &str,
        out: &Path,
    ) -> Result<crate::signer::SignerSummary> {
        let signer = self.signer(label)?;
        let pem = signer.root_pem()?;
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        (|| {
            let mut f = durable::create_private(out)?;
            f.write_all(pem.as_bytes())?;
            f.sync_all()
        })()
        .map_err(Error::io("cannot write the root certificate", out))?;
        signer.summary()
    }

    /// The signing identity if one was made.
    pub fn stored_signer(&self) -> Result<Option<crate::signer::Signer>> {
        let get = |k: &str| -> Result<Option<zeroize::Zeroizing<String>>> {
            match self.catalog.db.query_row(
                "SELECT value FROM vault_info WHERE key = ?1",
                [k],
                |r| r.get::<_, String>(0),
            ) {
                Ok(v) => Ok(Some(zeroize::Zeroizing::new(v))),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(e) => Err(e.into()),
            }
        };
        match (get("signer_key")?, get("signer_leaf")?, get("signer_root")?) {
            (Some(k), Some(l), Some(r)) => {
                Ok(Some(crate::signer::Signer::from_stored(&k, &l, &r)?))
            }
            _ => Ok(None),
        }
    }

    /// Decrypts an item into `sink`, failing if its bytes no longer match the catalog's
    /// SHA-256 (the caller must then discard what it wrote). The one path from a blob to
    /// plaintext outside the vault: extracts and dossiers both use it. `sink_error` names
    /// the caller's destination when writing to it fails.
    pub(crate) fn stream_item(
        &self,
        item: &Item,
        sink: &mut (dyn Write + Send),
        progress: &dyn Progress,
        sink_error: impl FnOnce(std::io::Error) -> Error,
    ) -> Result<()> {
        if item.purged_at.is_some() {
            return Err(Error::Purged {
                id: item.id.clone(),
                name: item.name.clone(),
            });
        }
        let integrity = |problem: String| Error::Integrity {
            id: item.id.clone(),
            name: item.name.clone(),
            problem,
        };
        let path = self.layout.blob(&item.blob);
        let file = durable::open_read_noatime(&path).map_err(|e| {
            integrity(format!(
                "its encrypted file {} cannot be opened: {e}",
                path.display()
            ))
        })?;
        match blob::read(
            file,
            &blob_id(&item.blob),
            &self.key.identity,
            sink,
            progress,
        ) {
            Ok(a) if hex::encode(a.sha256) == item.sha256 && a.len == item.size => Ok(()),
            Ok(_) => Err(integrity(
                "its SHA-256 no longer matches the catalog".into(),
            )),
            Err(blob::ReadError::Changed(p)) => Err(integrity(p)),
            Err(blob::ReadError::Unreadable(e)) => Err(integrity(format!("unreadable: {e}"))),
            Err(blob::ReadError::Sink(e)) => Err(sink_error(e)),
            Err(blob::ReadError::Cancelled) => Err(Error::Cancelled),
        }
    }

    /// The extracted text of an item, if extraction found any.
    /// The text extracted from an item at import (documents, e-mails), if any.
    pub fn item_text(&mut self, id: &str) -> Result<Option<String>> {
        let texts = self.texts()?;
        crate::textindex::get(&texts.db, id)
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
        match Catalog::load(&self.layout, &self.key.identity) {
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

    /// Moves a finished blob from `tmp/` to its final place, durably.
    fn place_blob(&self, tmp: &Path, blob: &str) -> Result<()> {
        let dest = self.layout.blob(blob);
        let fan = dest.parent().expect("blob paths have a parent");
        let io = (|| {
            if durable::ensure_dir_private(fan)? {
                durable::sync_dir(&self.layout.blobs())?;
            }
            fs::hard_link(tmp, &dest)?;
            durable::sync_dir(fan)
        })();
        io.map_err(Error::io("cannot store the evidence file", &dest))?;
        let _ = fs::remove_file(tmp); // a leftover is swept at the next open
        Ok(())
    }

    // ---- import -------------------------------------------------------------------------

    /// Imports one file as evidence, bit-exact. On success the item is durable; on any error
    /// nothing of it remains and every earlier item is untouched.
    pub fn import(
        &mut self,
        path: &Path,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> Result<Imported> {
        if let Some(notice) = &self.read_only {
            return Err(Error::ReadOnly(notice.clone()));
        }
        let (mut src, len) = open_source(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let source = options.source.clone().unwrap_or_else(|| absolute(path));
        self.import_stream(&name, len, &mut src, path, source, options, None, progress)
    }

    /// Imports `len` bytes from a reader (a received bundle's entry) as an item named `name`.
    pub(crate) fn import_reader(
        &mut self,
        name: &str,
        len: u64,
        src: &mut (dyn std::io::Read + Send),
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> Result<Imported> {
        let source = options.source.clone().unwrap_or_else(|| name.to_string());
        self.import_stream(
            name,
            len,
            src,
            Path::new(name),
            source,
            options,
            None,
            progress,
        )
    }

    /// Imports the attachments of an e-mail item as items of their own, each related to the
    /// e-mail (`attachment`). Returns them in the order they appear in the message.
    pub fn import_attachments(
        &mut self,
        email: &str,
        progress: &dyn Progress,
    ) -> Result<Vec<Imported>> {
        let email = self.catalog.item(email)?;
        let bytes = self.read_item(&email)?;
        let mut out = Vec::new();
        let attachments = self.parser.attachments(&bytes).map_err(|e| {
            Error::Invalid(format!(
                "{}: the attachments could not be read: {e}",
                email.name
            ))
        })?;
        for (name, content) in attachments {
            let label = PathBuf::from(format!("{} › {name}", email.name));
            let source = format!("attachment of item {} ({})", email.id, email.name);
            let options = ImportOptions {
                source: Some(source.clone()),
                ..Default::default()
            };
            let imported = self.import_stream(
                &name,
                content.len() as u64,
                &mut content.as_slice(),
                &label,
                source,
                &options,
                Some((&email.id, "attachment")),
                progress,
            )?;
            if let Imported::Duplicate(existing) = &imported {
                // Already in the vault on its own: still record where else it came from.
                self.relate(&email.id, &existing.id, "attachment")?;
            }
            out.push(imported);
        }
        Ok(out)
    }

    fn relate(&mut self, parent: &str, child: &str, relation: &str) -> Result<()> {
        self.commit(|cat, now| {
            let added = cat.db.execute(
                "INSERT OR IGNORE INTO item_relations (parent_id, child_id, relation) VALUES (?1, ?2, ?3)",
                rusqlite::params![parent, child, relation],
            )?;
            if added > 0 {
                custody::append(&cat.db, now, Action::Link, Some(child), &json!({ "link": relation, "parent_id": parent }))?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// The one import path: stream into a blob, extract metadata from the blob just written,
    /// commit the item with its metadata, publish the blob.
    #[allow(clippy::too_many_arguments)]
    fn import_stream(
        &mut self,
        name: &str,
        len: u64,
        src: &mut (dyn std::io::Read + Send),
        path: &Path,
        source: String,
        options: &ImportOptions,
        parent: Option<(&str, &str)>,
        progress: &dyn Progress,
    ) -> Result<Imported> {
        if let Some(notice) = &self.read_only {
            return Err(Error::ReadOnly(notice.clone()));
        }
        // Loaded before the commit, so its consistency check does not count this item.
        self.texts()?;
        let mut blob_id = [0u8; 16];
        getrandom::fill(&mut blob_id).expect("the operating system's random source failed");
        let blob = hex::encode(blob_id);
        let tmp = self.layout.tmp_blob(&blob);
        progress.start(name, len);
        let written = match self.write_blob(src, path, len, &blob_id, &tmp, progress) {
            Ok(w) => w,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let sha256 = hex::encode(written.sha256);
        if let Some(expected) = &options.expect_sha256
            && *expected != sha256
        {
            let _ = fs::remove_file(&tmp);
            progress.finish();
            return Err(Error::Integrity {
                id: "-".into(),
                name: name.into(),
                problem: format!("its SHA-256 is {sha256}, the sender listed {expected}"),
            });
        }

        if !options.allow_duplicate
            && let Some(existing) = self
                .catalog
                .items_by_sha256(&sha256)?
                .into_iter()
                .find(|i| i.deleted_at.is_none())
        {
            let _ = fs::remove_file(&tmp);
            progress.finish();
            return Ok(Imported::Duplicate(existing));
        }

        // The evidence is committed first, its extraction marked pending: a parser that takes
        // the whole process down (stack overflow, out of memory) must not cost the evidence.
        // A pending extraction found at the next open is recorded as failed.
        let too_big = len > crate::extract::MAX_EXTRACT_BYTES;
        let mut item = Item {
            id: self.new_item_id()?,
            name: name.to_string(),
            size: len,
            media_type: crate::extract::sniff(&written.head, name),
            sha256,
            imported_at: String::new(),
            source: Some(source),
            notes: options.notes.clone().unwrap_or_default(),
            deleted_at: None,
            deleted_reason: None,
            purged_at: None,
            blob: blob.clone(),
        };
        let committed = self.commit(|cat, now| {
            item.imported_at = now.to_string();
            cat.insert_item(&item)?;
            if too_big {
                let skipped = crate::extract::Extraction {
                    media_type: item.media_type.clone(),
                    error: Some(format!("not parsed: larger than {} MiB", crate::extract::MAX_EXTRACT_BYTES >> 20)),
                    ..Default::default()
                };
                record_extraction(&cat.db, &item.id, &skipped, None, None, now)?;
            } else {
                record_pending(&cat.db, &item.id, now)?;
            }
            crate::search::index_item(&cat.db, &item.id)?;
            custody::append(
                &cat.db,
                now,
                Action::Import,
                Some(&item.id),
                &import_detail(&item, options.custody_extra.as_ref()),
            )?;
            if let Some((parent, relation)) = parent {
                cat.db.execute(
                    "INSERT INTO item_relations (parent_id, child_id, relation) VALUES (?1, ?2, ?3)",
                    rusqlite::params![parent, item.id, relation],
                )?;
            }
            Ok(())
        });
        let ((), generation_file) = match committed {
            Ok(c) => c,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        if let Err(e) = self.place_blob(&tmp, &blob) {
            // Withdraw the generation that names the blob, so the import leaves no trace.
            // If even that fails, the blob stays in tmp/ and the next open completes it.
            if self.catalog.withdraw(&generation_file).is_ok() {
                let _ = fs::remove_file(self.layout.blob(&blob));
                let _ = fs::remove_file(&tmp);
            }
            return Err(self.reload_after(e));
        }
        progress.finish();
        // The item is stored. Extraction can only add to it now; its failure is a warning.
        if !too_big && let Err(e) = self.extract_item(&item) {
            self.warnings.push(format!(
                "{}: metadata extraction did not complete: {e}",
                item.name
            ));
        }
        Ok(Imported::New(self.catalog.item(&item.id)?))
    }

    /// Extracts metadata, text and image renditions from a stored item and records them. Reads
    /// the blob back (authenticated, hash-checked). Renditions the item already has are kept.
    fn extract_item(&mut self, item: &Item) -> Result<()> {
        self.texts()?;
        let bytes = self.read_item(item)?;
        let mut extraction = self.parser.extract(&bytes, &item.name);
        drop(bytes);
        let has: (Option<String>, Option<String>) = self.catalog.renditions(&item.id);
        if has.0.is_some() {
            extraction.thumbnail = None;
        }
        if has.1.is_some() {
            extraction.preview = None;
        }
        // Renditions show the evidence, so they are stored like it: encrypted, padded blobs
        // with random names, written to tmp/ and named by the commit before they are placed.
        let mut derived: Vec<(&'static str, String)> = Vec::new();
        for (kind, rendition) in [
            ("thumbnail", &extraction.thumbnail),
            ("preview", &extraction.preview),
        ] {
            let Some(r) = rendition else { continue };
            let mut id = [0u8; 16];
            getrandom::fill(&mut id).expect("the operating system's random source failed");
            let name_on_disk = hex::encode(id);
            let derived_tmp = self.layout.tmp_blob(&name_on_disk);
            let label = PathBuf::from(format!("{kind} of {}", item.name));
            let written = self.write_blob(
                &mut r.jpeg.as_slice(),
                &label,
                r.jpeg.len() as u64,
                &id,
                &derived_tmp,
                &crate::progress::Silent,
            );
            if let Err(e) = written {
                let _ = fs::remove_file(&derived_tmp);
                for (_, b) in &derived {
                    let _ = fs::remove_file(self.layout.tmp_blob(b));
                }
                return Err(e);
            }
            derived.push((kind, name_on_disk));
        }
        let named = |kind: &str| {
            derived
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, b)| b.clone())
        };
        let (thumbnail, preview) = (named("thumbnail"), named("preview"));
        let committed = self.commit(|cat, now| {
            record_extraction(
                &cat.db,
                &item.id,
                &extraction,
                thumbnail.as_deref(),
                preview.as_deref(),
                now,
            )?;
            cat.db.execute(
                "UPDATE items SET media_type = ?2 WHERE id = ?1",
                rusqlite::params![item.id, extraction.media_type],
            )?;
            crate::search::index_item(&cat.db, &item.id)
        });
        if let Err(e) = committed {
            for (_, b) in &derived {
                let _ = fs::remove_file(self.layout.tmp_blob(b));
            }
            return Err(e);
        }
        // Named by a committed generation: if placing fails, the next open completes it.
        for (_, b) in &derived {
            self.place_blob(&self.layout.tmp_blob(b), b)?;
        }
        if let Some(text) = &extraction.text {
            crate::textindex::put(&self.texts()?.db, &item.id, text)?;
        } else {
            crate::textindex::remove(&self.texts()?.db, &item.id)?;
        }
        self.texts_dirty = true;
        Ok(())
    }

    /// Records, at open, that extractions a previous process started never finished (the
    /// parser may have crashed it). Not retried automatically: `reindex` retries.
    fn fail_unfinished_extractions(&mut self) {
        let pending: i64 = self
            .catalog
            .db
            .query_row(
                "SELECT count(*) FROM extractions WHERE status = 'pending'",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        if pending == 0 {
            return;
        }
        let marked = self.commit(|cat, _| {
            cat.db.execute(
                "UPDATE extractions SET status = 'failed', error = 'extraction did not finish: the process stopped during it (a parser may have crashed on this file)' WHERE status = 'pending'",
                [],
            )?;
            Ok(())
        });
        match marked {
            Ok(_) => self.warnings.push(format!("metadata extraction of {pending} item(s) did not finish last time; they are stored, and `dossier reindex` retries")),
            Err(e) => self.warnings.push(format!("could not record unfinished extractions: {e}")),
        }
    }

    /// Decrypts a blob into memory, authenticated and checked against its SHA-256. Only for
    /// items small enough to parse ([`crate::extract::MAX_EXTRACT_BYTES`]).
    fn read_blob(&self, path: &Path, blob: &str, sha256: &str, len: u64) -> Result<Vec<u8>> {
        let problem = |p: String| Error::Integrity {
            id: blob.to_string(),
            name: path.display().to_string(),
            problem: p,
        };
        let file = durable::open_read_noatime(path)
            .map_err(|e| problem(format!("cannot be opened: {e}")))?;
        let mut bytes = Vec::with_capacity(len as usize);
        let read = blob::read(
            file,
            &blob_id(blob),
            &self.key.identity,
            &mut bytes,
            &crate::progress::Silent,
        );
        match read {
            Ok(a) if hex::encode(a.sha256) == sha256 && a.len == len => Ok(bytes),
            Ok(_) => Err(problem("its SHA-256 does not match".into())),
            Err(blob::ReadError::Changed(p)) => Err(problem(p)),
            Err(blob::ReadError::Unreadable(e)) | Err(blob::ReadError::Sink(e)) => {
                Err(problem(e.to_string()))
            }
            Err(blob::ReadError::Cancelled) => Err(Error::Cancelled),
        }
    }

    /// The original bytes of an item (small enough to parse), authenticated.
    pub(crate) fn read_item(&self, item: &Item) -> Result<Vec<u8>> {
        if item.purged_at.is_some() {
            return Err(Error::Purged {
                id: item.id.clone(),
                name: item.name.clone(),
            });
        }
        if item.size > crate::extract::MAX_EXTRACT_BYTES {
            return Err(Error::Invalid(format!(
                "{} is too large to parse in memory",
                item.name
            )));
        }
        self.read_blob(
            &self.layout.blob(&item.blob),
            &item.blob,
            &item.sha256,
            item.size,
        )
        .map_err(|e| match e {
            Error::Integrity { problem, .. } => Error::Integrity {
                id: item.id.clone(),
                name: item.name.clone(),
                problem,
            },
            other => other,
        })
    }

    fn write_blob(
        &self,
        src: &mut (dyn std::io::Read + Send),
        path: &Path,
        len: u64,
        blob_id: &[u8; 16],
        tmp: &Path,
        progress: &dyn Progress,
    ) -> Result<blob::Written> {
        let vault_err = Error::io("cannot write to the vault", tmp);
        let out =
            durable::create_private(tmp).map_err(Error::io("cannot write to the vault", tmp))?;
        let (written, file) = blob::write(src, len, blob_id, &self.recipient, out, progress)
            .map_err(|e| match e {
                blob::WriteError::Source(cause) => Error::Source {
                    path: path.into(),
                    cause,
                },
                blob::WriteError::SourceChanged { actual } => Error::SourceChanged {
                    path: path.into(),
                    expected: len,
                    actual,
                },
                blob::WriteError::Vault(e) => Error::io("cannot write to the vault", tmp)(e),
                blob::WriteError::Cancelled => Error::Cancelled,
            })?;
        (|| {
            drop(file);
            durable::normalise_times(tmp)?;
            File::open(tmp)?.sync_all()?;
            durable::sync_dir(&self.layout.tmp())
        })()
        .map_err(vault_err)?;
        Ok(written)
    }

    fn new_item_id(&self) -> Result<String> {
        loop {
            let id = random_hex(8);
            if !self.catalog.id_exists(&id)? {
                return Ok(id);
            }
        }
    }

    // ---- reading ------------------------------------------------------------------------

    /// Items in import order; `include_removed` adds deleted and purged ones.
    pub fn items(&self, include_removed: bool) -> Result<Vec<Item>> {
        self.catalog.items(include_removed)
    }

    /// An item by id or unique id prefix.
    pub fn item(&self, id: &str) -> Result<Item> {
        self.catalog.item(id)
    }

    /// The custody log, oldest first; with `item`, only the entries about it.
    pub fn custody_log(&self, item: Option<&str>) -> Result<Vec<Entry>> {
        custody::entries(&self.catalog.db, item)
    }

    /// Decrypts an item and writes the original to `out` (which must not exist). The file
    /// appears under `out` only after every byte authenticated and the SHA-256 matched.
    pub fn extract(&mut self, id: &str, out: &Path, progress: &dyn Progress) -> Result<Item> {
        let item = self.catalog.item(id)?;
        if item.purged_at.is_some() {
            return Err(Error::Purged {
                id: item.id,
                name: item.name,
            });
        }
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        let partial = durable::partial_path(out);
        progress.start(&item.name, item.size);
        let result = self.extract_to(&item, out, &partial, progress);
        if result.is_err() {
            let _ = fs::remove_file(&partial);
        }
        result?;
        progress.finish();
        let detail = json!({ "to": absolute(out), "sha256": item.sha256 });
        self.record_export(Some(&item.id), detail, out)?;
        Ok(item)
    }

    fn extract_to(
        &self,
        item: &Item,
        out: &Path,
        partial: &Path,
        progress: &dyn Progress,
    ) -> Result<()> {
        let out_err = Error::io("cannot write the extracted copy", out);
        let file = durable::create_private(partial)
            .map_err(Error::io("cannot write the extracted copy", partial))?;
        let mut sink = BufWriter::new(file);
        self.stream_item(
            item,
            &mut sink,
            progress,
            Error::io("cannot write the extracted copy", partial),
        )?;
        let file = sink
            .into_inner()
            .map_err(|e| e.into_error())
            .map_err(Error::io("cannot write the extracted copy", partial))?;
        file.sync_all()
            .map_err(Error::io("cannot write the extracted copy", partial))?;
        drop(file);
        durable::publish_copy(partial, out).map_err(out_err)
    }

    /// Whether a file outside the vault is in it, by SHA-256. Returns the hash and the items
    /// (including deleted and purged ones) that hold the same bytes.
    pub fn check_file(&self, path: &Path, progress: &dyn Progress) -> Result<(String, Vec<Item>)> {
        let sha256 = hash_file(path, progress)?;
        let items = self.catalog.items_by_sha256(&sha256)?;
        Ok((sha256, items))
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

    // ---- changes ------------------------------------------------------------------------

    /// Changes an item's name, notes or source. The old and new values go into the custody log.
    pub fn edit(&mut self, id: &str, edit: &ItemEdit) -> Result<Item> {
        let item = self.catalog.item(id)?;
        if let Some(name) = &edit.name
            && name.trim().is_empty()
        {
            return Err(Error::Invalid("an item's name cannot be empty".into()));
        }
        let mut changes = serde_json::Map::new();
        let mut record = |field: &str, old: Option<&str>, new: &Option<String>| {
            if let Some(new) = new
                && Some(new.as_str()) != old
            {
                changes.insert(field.into(), json!({ "from": old, "to": new }));
            }
        };
        record("name", Some(&item.name), &edit.name);
        record("notes", Some(&item.notes), &edit.notes);
        record("source", item.source.as_deref(), &edit.source);
        if changes.is_empty() {
            return Ok(item);
        }
        self.commit(|cat, now| {
            cat.db.execute(
                "UPDATE items SET name = coalesce(?2, name), notes = coalesce(?3, notes),
                 source = coalesce(?4, source) WHERE id = ?1",
                rusqlite::params![item.id, edit.name, edit.notes, edit.source],
            )?;
            crate::search::index_item(&cat.db, &item.id)?;
            custody::append(&cat.db, now, Action::Edit, Some(&item.id), &changes.into())
        })?;
        self.catalog.item(&item.id)
    }

    /// Marks an item deleted. Its bytes stay (and keep being verified) until [`Vault::purge`].
    pub fn delete(&mut self, id: &str, reason: Option<&str>) -> Result<Item> {
        let item = self.catalog.item(id)?;
        if item.deleted_at.is_some() {
            return Err(Error::Invalid(format!(
                "item {} ({}) is already deleted",
                item.id, item.name
            )));
        }
        self.commit(|cat, now| {
            cat.db.execute(
                "UPDATE items SET deleted_at = ?2, deleted_reason = ?3 WHERE id = ?1",
                rusqlite::params![item.id, now, reason],
            )?;
            custody::append(
                &cat.db,
                now,
                Action::Delete,
                Some(&item.id),
                &json!({ "reason": reason }),
            )
        })?;
        self.catalog.item(&item.id)
    }

    /// Removes a deleted item's bytes for good. The catalog entry and its history remain.
    pub fn purge(&mut self, id: &str) -> Result<Item> {
        self.texts()?;
        let item = self.catalog.item(id)?;
        if item.purged_at.is_some() {
            return Err(Error::Purged {
                id: item.id,
                name: item.name,
            });
        }
        if item.deleted_at.is_none() {
            return Err(Error::NotDeleted {
                id: item.id,
                name: item.name,
            });
        }
        self.commit(|cat, now| {
            cat.db.execute(
                "UPDATE items SET purged_at = ?2 WHERE id = ?1",
                rusqlite::params![item.id, now],
            )?;
            crate::search::unindex(&cat.db, "item", &item.id)?;
            // The derived metadata (GPS, e-mail headers, parser errors) goes with the bytes; the
            // rendition names stay so an interrupted purge can still remove their blobs.
            cat.db.execute(
                "UPDATE extractions SET status = 'purged', metadata = '{}', error = NULL, text_bytes = 0 WHERE item_id = ?1",
                [&item.id],
            )?;
            cat.db.execute("INSERT INTO search (search) VALUES ('optimize')", [])?;
            custody::append(
                &cat.db,
                now,
                Action::Purge,
                Some(&item.id),
                &json!({ "sha256": item.sha256 }),
            )
        })?;
        let texts = &self.texts()?.db;
        crate::textindex::remove(texts, &item.id)?;
        texts.execute("INSERT INTO texts (texts) VALUES ('optimize')", [])?;
        self.texts_dirty = true;
        let renditions: (Option<String>, Option<String>) = self.catalog.renditions(&item.id);
        for b in [renditions.0, renditions.1].into_iter().flatten() {
            // A leftover is removed at the next open (the item is purged in the catalog).
            let _ = fs::remove_file(self.layout.blob(&b));
        }
        let path = self.layout.blob(&item.blob);
        let removed = fs::remove_file(&path)
            .and_then(|()| durable::sync_dir(path.parent().expect("fan dir")));
        if let Err(e) = removed
            && e.kind() != std::io::ErrorKind::NotFound
        {
            self.warnings.push(format!(
                "the purged bytes will be removed at the next open: {e}"
            ));
        }
        self.catalog.item(&item.id)
    }

    /// Checks that `passphrase` opens this vault's passphrase slot (before a front end lets
    /// someone change it or export the identity from an unattended, unlocked session).
    pub fn confirm_passphrase(&self, passphrase: &SecretString) -> Result<()> {
        let key = keys::unlock_passphrase_slot(&self.layout, passphrase)?;
        if key.vault_id() != self.key.vault_id() {
            return Err(Error::Corrupt(format!(
                "the passphrase slot in {} belongs to another vault",
                self.layout.keys().display()
            )));
        }
        Ok(())
    }

    /// Re-wraps the vault key under a new passphrase. Evidence and catalog are not rewritten.
    pub fn change_passphrase(&mut self, new: &SecretString, work_factor: u8) -> Result<()> {
        keys::check_new_passphrase(new)?;
        if let Some(notice) = &self.read_only {
            return Err(Error::ReadOnly(notice.clone()));
        }
        if let Some(warning) =
            keys::write_passphrase_slot(&self.layout, &self.key, new, work_factor)?
        {
            self.warnings.push(warning);
        }
        // The new passphrase is in force now: failing to log it must not read as "nothing
        // changed", or the user might forget the new one.
        let logged = self.commit(|cat, now| {
            custody::append(
                &cat.db,
                now,
                Action::Rekey,
                None,
                &json!({ "slot": "passphrase", "kdf_work_factor": work_factor }),
            )
        });
        if let Err(e) = logged {
            self.warnings.push(format!(
                "the passphrase WAS changed, but the change could not be recorded in the custody log: {e}"
            ));
        }
        Ok(())
    }

    /// Writes the vault's age identity to `out` (mode 0600, never overwriting): with it and
    /// the stock `age` tool, `tools/recover.py` restores every item without Dossier.
    pub fn export_identity(&mut self, out: &Path) -> Result<()> {
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        (|| {
            let mut f = durable::create_private(out)?;
            f.write_all(self.key.identity_file().as_bytes())?;
            f.sync_all()
        })()
        .map_err(Error::io("cannot write the identity file", out))?;
        self.record_export(
            None,
            json!({ "what": "identity", "to": absolute(out) }),
            out,
        )
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

#[cfg(feature = "bench-support")]
impl Vault {
    /// Benchmarks only: adds `n` catalog rows shaped like real imports (with custody entries)
    /// in one commit, without blobs, so open and edit can be timed on a large catalog without
    /// minutes of real imports. Such items verify as MISSING.
    #[doc(hidden)]
    pub fn bench_fill(&mut self, n: usize) -> Result<Vec<String>> {
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            ids.push(self.new_item_id()?);
        }
        self.commit(|cat, now| {
            for (i, id) in ids.iter().enumerate() {
                let item = Item {
                    id: id.clone(),
                    name: format!("Решение суда по делу № 2-{i}/2031 (копия, стр. 1-12).pdf"),
                    size: 1_000_000 + i as u64,
                    media_type: "application/pdf".into(),
                    sha256: random_hex(32),
                    imported_at: now.to_string(),
                    source: Some(format!(
                        "/home/lawyer/Documents/Cases/2031/client-{i}/scan-{i}.pdf"
                    )),
                    notes: String::new(),
                    deleted_at: None,
                    deleted_reason: None,
                    purged_at: None,
                    blob: random_hex(16),
                };
                cat.insert_item(&item)?;
                custody::append(
                    &cat.db,
                    now,
                    Action::Import,
                    Some(&item.id),
                    &json!({ "name": item.name, "size": item.size, "sha256": item.sha256,
                             "source": item.source }),
                )?;
            }
            Ok(())
        })?;
        Ok(ids)
    }

    /// Benchmarks only: a register the size issue #4 measures against, on top of the items
    /// `bench_fill` made: `people` people with Cyrillic names and Latin aliases, `events`
    /// dated events over 50 cases, `text_bytes` of extracted Russian-like text spread over the
    /// items, and one case with 500 linked entities. Returns that case's id.
    #[doc(hidden)]
    pub fn bench_fill_register(
        &mut self,
        items: &[String],
        people: usize,
        events: usize,
        text_bytes: usize,
    ) -> Result<String> {
        const SYLLABLES: &[&str] = &[
            "ка", "ла", "ма", "на", "ра", "са", "та", "бе", "ге", "де", "же", "зи", "ки", "ли",
            "мо", "но", "ро", "су", "ту", "хан", "бек", "ов", "ев", "ин", "әл", "қа", "ғы", "ұл",
            "үр", "өм",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let word = |next: &mut dyn FnMut(usize) -> usize| -> String {
            (0..2 + next(3))
                .map(|_| SYLLABLES[next(SYLLABLES.len())])
                .collect()
        };
        let vocabulary: Vec<String> = (0..8000).map(|_| word(&mut next)).collect();
        let case_ids: Vec<String> = (0..50).map(|_| random_hex(8)).collect();
        let person_ids: Vec<String> = (0..people).map(|_| random_hex(8)).collect();
        let event_ids: Vec<String> = (0..events).map(|_| random_hex(8)).collect();
        let big = case_ids[0].clone();
        self.commit(|cat, now| {
            let db = &cat.db;
            for (i, c) in case_ids.iter().enumerate() {
                db.execute(
                    "INSERT INTO cases (id, title, court, status, notes, created_at) VALUES (?1, ?2, 'Суд', '', '', ?3)",
                    rusqlite::params![c, format!("Дело {i}: {}", vocabulary[i]), now],
                )?;
                db.execute("INSERT INTO case_numbers (case_id, number, authority) VALUES (?1, ?2, 'Суд')", rusqlite::params![c, format!("№ 2-{i}/2031")])?;
                crate::search::index_case(db, c)?;
            }
            for (i, p) in person_ids.iter().enumerate() {
                let name = format!("{} {}", vocabulary[next(vocabulary.len())], vocabulary[next(vocabulary.len())]);
                db.execute("INSERT INTO people (id, name, nationality, notes, created_at) VALUES (?1, ?2, 'KZ', '', ?3)", rusqlite::params![p, name, now])?;
                db.execute("INSERT INTO aliases (person_id, alias) VALUES (?1, ?2)", rusqlite::params![p, crate::register::names::fold(&name)])?;
                db.execute("INSERT OR IGNORE INTO case_people (case_id, person_id, role) VALUES (?1, ?2, 'witness')", rusqlite::params![case_ids[if i < 150 { 0 } else { i % 50 }], p])?;
                crate::search::index_person(db, p)?;
            }
            for (i, e) in event_ids.iter().enumerate() {
                let case = &case_ids[if i < 150 { 0 } else { i % 50 }];
                let date = format!("20{:02}-{:02}-{:02}", 10 + i % 20, 1 + i % 12, 1 + i % 28);
                let key = crate::register::FuzzyDate::parse(&date)?.sort_key();
                db.execute(
                    "INSERT INTO events (id, case_id, title, date, date_key, place, description, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'Алматы', '', ?6)",
                    rusqlite::params![e, case, format!("Событие {}", vocabulary[next(vocabulary.len())]), date, key, now],
                )?;
                db.execute("INSERT INTO event_items (event_id, item_id) VALUES (?1, ?2)", rusqlite::params![e, items[i % items.len()]])?;
                crate::search::index_event(db, e)?;
            }
            for item in items.iter().take(200) {
                db.execute("INSERT INTO case_items (case_id, item_id) VALUES (?1, ?2)", rusqlite::params![big, item])?;
            }
            Ok(())
        })?;
        let per_item = text_bytes / items.len().max(1);
        for item in items {
            let mut text = String::with_capacity(per_item + 32);
            while text.len() < per_item {
                text.push_str(&vocabulary[next(vocabulary.len())]);
                text.push(' ');
            }
            crate::textindex::put(&self.texts()?.db, item, &text)?;
        }
        self.texts_dirty = true;
        Ok(big)
    }

    /// Benchmarks only: the sizes of the newest catalog and text index files.
    #[doc(hidden)]
    pub fn bench_file_sizes(&self) -> (u64, u64) {
        let newest = |dir: &str| {
            fs::read_dir(self.layout.root.join(dir))
                .map(|d| {
                    d.flatten()
                        .filter_map(|e| e.metadata().ok())
                        .map(|m| m.len())
                        .max()
                        .unwrap_or(0)
                })
                .unwrap_or(0)
        };
        (newest("catalog"), newest(crate::catalog::TEXTS.dir))
    }
}

fn blob_id(blob: &str) -> [u8; 16] {
    let mut id = [0u8; 16];
    hex::decode_to_slice(blob, &mut id).expect("blob names in the catalog are 32 hex digits");
    id
}

fn rel(layout: &Layout, p: &Path) -> String {
    p.strip_prefix(&layout.root)
        .unwrap_or(p)
        .display()
        .to_string()
}

fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// Opens a file to read as evidence: errors name the path, and only regular files qualify.
fn open_source(path: &Path) -> Result<(File, u64)> {
    let source_err = |cause| Error::Source {
        path: path.to_path_buf(),
        cause,
    };
    let file = File::open(path).map_err(source_err)?;
    let meta = file.metadata().map_err(source_err)?;
    if meta.is_dir() {
        return Err(Error::NotAFile {
            path: path.into(),
            kind: "a folder",
        });
    }
    if !meta.is_file() {
        return Err(Error::NotAFile {
            path: path.into(),
            kind: "a device, pipe or socket",
        });
    }
    Ok((file, meta.len()))
}

/// SHA-256 of a file outside the vault, streamed.
pub fn hash_file(path: &Path, progress: &dyn Progress) -> Result<String> {
    let (mut f, len) = open_source(path)?;
    let source_err = |cause| Error::Source {
        path: path.to_path_buf(),
        cause,
    };
    progress.start(&path.display().to_string(), len);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        let n = std::io::Read::read(&mut f, &mut buf).map_err(source_err)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        done += n as u64;
        progress.position(done);
    }
    progress.finish();
    Ok(hex::encode(h.finalize()))
}

/// Which JPEG rendition of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition {
    /// 320 px on the longest side, for lists.
    Thumbnail,
    /// 1600 px on the longest side, for viewing.
    Preview,
}

impl Rendition {
    fn as_str(self) -> &'static str {
        match self {
            Rendition::Thumbnail => "thumbnail",
            Rendition::Preview => "preview",
        }
    }
}

/// What extraction recorded for an item.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExtractionRecord {
    /// `done` or `failed`.
    pub status: String,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub error: Option<String>,
    pub text_bytes: u64,
    pub extracted_at: String,
}

pub(crate) fn record_extraction(
    db: &rusqlite::Connection,
    id: &str,
    e: &crate::extract::Extraction,
    thumbnail: Option<&str>,
    preview: Option<&str>,
    now: &str,
) -> Result<()> {
    db.execute(
        "INSERT INTO extractions (item_id, status, metadata, error, text_bytes, extracted_at, thumbnail, preview)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (item_id) DO UPDATE SET status = excluded.status, metadata = excluded.metadata,
             error = excluded.error, text_bytes = excluded.text_bytes,
             extracted_at = excluded.extracted_at, thumbnail = coalesce(excluded.thumbnail, thumbnail),
             preview = coalesce(excluded.preview, preview)",
        rusqlite::params![
            id,
            if e.error.is_some() { "failed" } else { "done" },
            serde_json::Value::Object(e.metadata.clone()).to_string(),
            e.error,
            e.text.as_ref().map_or(0, |t| t.len() as i64),
            now,
            thumbnail,
            preview
        ],
    )?;
    Ok(())
}

/// Marks an item's extraction as started and not finished.
fn record_pending(db: &rusqlite::Connection, id: &str, now: &str) -> Result<()> {
    db.execute(
        "INSERT INTO extractions (item_id, status, metadata, extracted_at) VALUES (?1, 'pending', '{}', ?2)
         ON CONFLICT (item_id) DO UPDATE SET status = 'pending', extracted_at = excluded.extracted_at",
        rusqlite::params![id, now],
    )?;
    Ok(())
}

/// Opens the text index, or starts an empty one. It is derived data: damage is a warning
/// (and `reindex` rebuilds it), never a reason to stop.
fn open_texts(
    layout: &Layout,
    key: &VaultKey,
    mut warnings: Vec<String>,
) -> (Catalog, Vec<String>) {
    let dir = layout.root.join(crate::catalog::TEXTS.dir);
    let has_files = fs::read_dir(&dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if has_files {
        match Catalog::load_family(layout, &key.identity, &crate::catalog::TEXTS) {
            Ok((texts, w)) => {
                warnings.extend(w.into_iter().map(|w| format!("text index: {w}")));
                return (texts, warnings);
            }
            Err(e) => warnings.push(format!(
                "the text index could not be read ({e}); run `dossier reindex`"
            )),
        }
    }
    (
        Catalog::create_texts().expect("an empty in-memory database can always be created"),
        warnings,
    )
}

/// How many items have extracted text that the text index lacks.
fn missing_text(catalog: &Catalog, texts: &Catalog) -> Result<usize> {
    let indexed = crate::textindex::indexed(&texts.db)?;
    let mut stmt = catalog.db.prepare(
        "SELECT e.item_id FROM extractions e JOIN items i ON i.id = e.item_id
         WHERE e.text_bytes > 0 AND i.purged_at IS NULL",
    )?;
    let with_text: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(with_text.iter().filter(|id| !indexed.contains(*id)).count())
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

/// The `import` custody entry: name, size, hash and source, plus whatever the caller adds.
fn import_detail(item: &Item, extra: Option<&serde_json::Value>) -> serde_json::Value {
    let mut detail = json!({ "name": item.name, "size": item.size, "sha256": item.sha256,
                             "source": item.source });
    if let (Some(map), Some(serde_json::Value::Object(more))) = (detail.as_object_mut(), extra) {
        map.extend(more.clone());
    }
    detail
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
    for item in catalog.items(true)? {
        if item.purged_at.is_some() {
            continue;
        }
        expected_blobs.insert(item.blob.clone());
        progress.start(&item.name, item.size);
        let (status, problem) = check_blob(layout, identity, &item, progress)?;
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
    let text_files: Vec<&str> = text_files.iter().map(String::as_str).collect();
    let unknown_files = verify::unknown_files(
        layout,
        &catalog.readable_files(),
        &text_files,
        &expected_blobs,
        &catalog.key_slot_ids()?,
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
        catalog_generation: catalog.generation(),
        warnings: Vec::new(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    const PASS: &str = "correct horse battery staple";

    #[test]
    fn timestamps_have_a_fixed_width_so_they_sort_as_text() {
        let at = |ms: i64| {
            timestamp(
                OffsetDateTime::from_unix_timestamp(1_946_113_200).unwrap()
                    + time::Duration::milliseconds(ms),
            )
        };
        assert_eq!(at(120), "2031-09-02T11:00:00.120Z");
        assert_eq!(at(0), "2031-09-02T11:00:00.000Z");
        let mut sorted = vec![at(123), at(120), at(0), at(999), at(1000)];
        sorted.sort();
        assert_eq!(sorted, [at(0), at(120), at(123), at(999), at(1000)]);
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/unit-tmp")
            .join(format!("{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn new_vault(dir: &Path) -> Vault {
        let pass = SecretString::from(PASS.to_string());
        let mut v = Vault::create(
            &dir.join("vault"),
            &pass,
            &CreateOptions { work_factor: 10 },
        )
        .unwrap();
        // Pinned clock: custody entries are reproducible.
        v.set_clock(Box::new(|| {
            OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap()
        }));
        v
    }

    fn reopen(dir: &Path) -> Vault {
        Vault::open(&dir.join("vault"), &SecretString::from(PASS.to_string())).unwrap()
    }

    fn import_bytes(v: &mut Vault, dir: &Path, name: &str, bytes: &[u8]) -> Item {
        let p = dir.join(name);
        fs::write(&p, bytes).unwrap();
        v.import(&p, &ImportOptions::default(), &Silent)
            .unwrap()
            .item()
            .clone()
    }

    #[test]
    fn custody_timestamps_come_from_the_injected_clock() {
        let dir = scratch("clock");
        let mut v = new_vault(&dir);
        let item = import_bytes(&mut v, &dir, "a", b"a");
        assert_eq!(item.imported_at, "2030-03-17T17:46:40.000Z");
        let log = v.custody_log(Some(&item.id)).unwrap();
        assert_eq!(log[0].at, "2030-03-17T17:46:40.000Z");
    }

    #[test]
    fn a_damaged_newest_generation_falls_back_and_says_so() {
        let dir = scratch("fallback");
        let mut v = new_vault(&dir);
        let first = import_bytes(&mut v, &dir, "first", b"first");
        let newest = v.catalog.save(&v.layout, &v.recipient, 0).unwrap();
        let (generation, _) = v.generation();
        drop(v);
        // Corrupt the newest generation's last byte (its final STREAM tag).
        let mut bytes = fs::read(&newest).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        fs::write(&newest, bytes).unwrap();
        let v = reopen(&dir);
        assert_eq!(
            v.generation().0,
            generation - 1,
            "the previous generation is used"
        );
        assert!(
            v.warnings()
                .iter()
                .any(|w| w.contains("unreadable and was skipped") || w.contains("is damaged")),
            "the user is told: {:?}",
            v.warnings()
        );
        assert!(v.item(&first.id).is_ok(), "nothing acknowledged is lost");
        assert!(
            !v.catalog
                .readable_files()
                .iter()
                .any(|n| newest.to_str().unwrap().contains(n))
        );

        // Read-only until the user decides: writing now would fork history and, after a few
        // saves, prune what the damaged generation may hold.
        let mut v = v;
        assert!(
            v.read_only()
                .is_some_and(|r| r.contains("repair --accept-damaged-catalog"))
        );
        let p = dir.join("second");
        fs::write(&p, b"second").unwrap();
        assert!(matches!(
            v.import(&p, &ImportOptions::default(), &Silent),
            Err(Error::ReadOnly(_))
        ));
        let catalog_files = || fs::read_dir(dir.join("vault/catalog")).unwrap().count();
        let before = catalog_files();
        let report = v.verify(&Silent).unwrap();
        assert!(
            report.unknown_files.iter().any(|f| newest.ends_with(f)),
            "the damaged file is reported"
        );
        assert_eq!(
            catalog_files(),
            before,
            "verify writes nothing while read-only"
        );

        // After the decision: writable, and the damaged file survives any number of saves.
        let accepted = v.accept_damaged_catalog().unwrap();
        assert_eq!(accepted.len(), 1);
        for i in 0..(crate::catalog::KEEP_GENERATIONS + 3) {
            v.edit(
                &first.id,
                &ItemEdit {
                    notes: Some(format!("note {i}")),
                    ..Default::default()
                },
            )
            .unwrap();
        }
        assert!(newest.exists(), "a damaged generation is never pruned");
        drop(v);
        let v = reopen(&dir);
        assert!(v.read_only().is_none(), "the decision is remembered");
        let log = v.custody_log(None).unwrap();
        assert!(log.iter().any(|e| e.action == "repair"));
    }

    #[test]
    fn an_extraction_a_crash_interrupted_is_recorded_as_failed_at_open() {
        let dir = scratch("pending");
        let mut v = new_vault(&dir);
        let item = import_bytes(&mut v, &dir, "a.pdf", b"%PDF-1.7 not really");
        // As if the process died while a parser ran: the item committed, extraction pending.
        v.commit(|cat, _| {
            cat.db.execute(
                "UPDATE extractions SET status = 'pending' WHERE item_id = ?1",
                [&item.id],
            )?;
            Ok(())
        })
        .unwrap();
        drop(v);
        let v = reopen(&dir);
        let x = v.extraction(&item.id).unwrap().unwrap();
        assert_eq!(x.status, "failed");
        assert!(x.error.unwrap().contains("did not finish"));
        assert!(
            v.warnings().iter().any(|w| w.contains("did not finish")),
            "{:?}",
            v.warnings()
        );
        assert!(v.item(&item.id).is_ok(), "the evidence is there");
    }

    #[test]
    fn a_catalog_from_a_newer_version_is_refused_not_skipped() {
        let dir = scratch("newer");
        let mut v = new_vault(&dir);
        v.catalog
            .db
            .execute(
                "UPDATE vault_info SET value = '99' WHERE key = 'schema_version'",
                [],
            )
            .unwrap();
        v.catalog.save(&v.layout, &v.recipient, 0).unwrap();
        drop(v);
        let r = Vault::open(&dir.join("vault"), &SecretString::from(PASS.to_string()));
        assert!(
            matches!(&r, Err(Error::UnsupportedFormat { found, .. }) if found.contains("99")),
            "{r:?}"
        );
    }

    #[test]
    fn a_version_1_catalog_is_upgraded_with_its_items_searchable() {
        let dir = scratch("migrate");
        let mut v = new_vault(&dir);
        let item = import_bytes(&mut v, &dir, "Письмо.txt", b"x");
        // Turn the catalog back into schema 1: items and custody only.
        let tables: Vec<String> = v
            .catalog
            .db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('items', 'custody', 'vault_info') AND name NOT LIKE 'search_%'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        v.catalog
            .db
            .execute_batch("PRAGMA foreign_keys = OFF")
            .unwrap();
        for t in tables {
            v.catalog
                .db
                .execute_batch(&format!("DROP TABLE IF EXISTS {t}"))
                .unwrap();
        }
        v.catalog
            .db
            .execute_batch("DROP TABLE IF EXISTS search_keys")
            .unwrap();
        v.catalog
            .db
            .execute(
                "UPDATE vault_info SET value = '1' WHERE key = 'schema_version'",
                [],
            )
            .unwrap();
        v.catalog.save(&v.layout, &v.recipient, 0).unwrap();
        drop(v);
        let mut v = reopen(&dir);
        let hits = v
            .search(&crate::search::Query {
                text: "письмо".into(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(hits.len(), 1, "existing items are indexed by the upgrade");
        assert_eq!(hits[0].id, item.id);
        assert!(v.cases().unwrap().is_empty());
    }

    #[test]
    fn a_crash_between_commit_and_publish_is_completed_at_open() {
        let dir = scratch("rollforward");
        let mut v = new_vault(&dir);
        let item = import_bytes(&mut v, &dir, "evidence.jpg", &[7u8; 100_000]);
        // Recreate the state right after the catalog commit: the blob still in tmp/.
        let blob = v.layout.blob(&item.blob);
        fs::rename(&blob, v.layout.tmp_blob(&item.blob)).unwrap();
        // And a leftover from an import that never committed.
        fs::write(
            v.layout.tmp().join("0123456789abcdef0123456789abcdef.age"),
            b"partial",
        )
        .unwrap();
        drop(v);
        let mut v = reopen(&dir);
        assert!(blob.exists(), "the committed import was moved into place");
        assert_eq!(
            fs::read_dir(v.layout.tmp()).unwrap().count(),
            0,
            "leftovers swept"
        );
        assert!(
            v.warnings()
                .iter()
                .any(|w| w.contains("completed an interrupted import"))
        );
        let report = v.verify(&Silent).unwrap();
        assert!(report.is_clean(), "{report:?}");
    }

    #[test]
    fn tampering_with_the_custody_log_breaks_the_chain() {
        let dir = scratch("chain");
        let mut v = new_vault(&dir);
        let item = import_bytes(&mut v, &dir, "a", b"a");
        v.delete(&item.id, Some("mistake")).unwrap();
        let update = v
            .catalog
            .db
            .execute("UPDATE custody SET detail = '{}' WHERE seq = 2", []);
        assert!(update.is_err(), "the table refuses updates");
        // An attacker with the key could drop the trigger; the chain still tells.
        v.catalog
            .db
            .execute_batch("DROP TRIGGER custody_append_only_update")
            .unwrap();
        v.catalog
            .db
            .execute(
                "UPDATE custody SET detail = '{\"name\":\"other\"}' WHERE seq = 2",
                [],
            )
            .unwrap();
        let report = v.verify(&Silent).unwrap();
        let broken = report.custody_break.clone().expect("the edit is detected");
        assert_eq!(broken.seq, 2);
        assert!(!report.is_clean());
    }

    #[test]
    fn sqlite_keeps_temporary_data_in_memory() {
        let dir = scratch("tempstore");
        let v = new_vault(&dir);
        let store: i64 = v
            .catalog
            .db
            .query_row("PRAGMA temp_store", [], |r| r.get(0))
            .unwrap();
        assert_eq!(store, 2, "temp_store = MEMORY");
        let options: Vec<String> = v
            .catalog
            .db
            .prepare("PRAGMA compile_options")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            options.iter().any(|o| o == "TEMP_STORE=3"),
            "compiled so temp files are impossible: {options:?}"
        );
    }

    #[test]
    fn cancelling_an_import_leaves_nothing() {
        /// Presses "cancel" as soon as the import starts.
        struct CancelOnStart(crate::progress::CancelFlag);
        impl Progress for CancelOnStart {
            fn start(&self, _: &str, _: u64) {
                self.0.cancel();
            }
            fn is_cancelled(&self) -> bool {
                self.0.is_set()
            }
        }
        let dir = scratch("cancel");
        let mut v = new_vault(&dir);
        let p = dir.join("big");
        fs::write(&p, vec![1u8; 9 << 20]).unwrap();
        let progress = CancelOnStart(Default::default());
        let r = v.import(&p, &ImportOptions::default(), &progress);
        assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
        assert!(v.items(true).unwrap().is_empty());
        assert_eq!(fs::read_dir(v.layout.tmp()).unwrap().count(), 0);
    }
}
