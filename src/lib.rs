//! Dossier's core: an age-encrypted, integrity-checked evidence vault. No GUI here; the CLI
//! (`src/bin/dossier/`) and the desktop app call the same functions.
//!
//! Where to start:
//! - [`Vault::create`] / [`Vault::open`] give an unlocked [`Vault`]; everything else is a method
//!   on it: [`Vault::import`], [`Vault::items`], [`Vault::extract`], [`Vault::verify`],
//!   [`Vault::check_file`], [`Vault::custody_log`], [`Vault::edit`], [`Vault::delete`],
//!   [`Vault::purge`], [`Vault::change_passphrase`], [`Vault::export_identity`].
//! - The register (cases, people, events, links) is in [`register`]: [`Vault::add_case`],
//!   [`Vault::add_person`], [`Vault::add_event`], [`Vault::link`], [`Vault::case_view`],
//!   [`Vault::person_view`]; full-text search is [`Vault::search`] with a [`search::Query`].
//! - Long work takes a [`Progress`], which also carries cancellation.
//! - Errors are one [`Error`] enum with a stable [`Error::code`].
//! - Call [`worker::serve_if_requested`] first, then [`hardening::disable_core_dumps`], in any
//!   binary that opens a vault: untrusted files are parsed in a sandboxed child process that is
//!   this same binary ([`worker`]).
//!
//! Inside, modules import downwards only: `storage` (durable writes, the layout, the blob
//! codec, padding; nothing of the domain) → `catalog` (the schema and its migrations, snapshot
//! generations) → the domain modules, which work on the catalog's connection (`items`,
//! [`custody`], [`register`], [`search`], `textindex`, `keys`, [`contacts`], [`extract`], [`pdf`],
//! ...) → the [`Vault`] facade (`src/vault/`), which opens, locks and commits and hands each
//! call to them. What is built on the vault (backups, sharing, submissions) sits above it.
//!
//! The on-disk format and the threat model are in `docs/FORMAT.md`.

#![forbid(unsafe_code)]

pub mod backup;
mod catalog;
pub mod contacts;
pub mod custody;
pub mod dating;
mod error;
pub mod extract;
pub mod hardening;
mod items;
mod keyring;
mod keys;
mod library;
mod notice;
pub mod pdf;
mod pkix;
mod previews;
mod progress;
mod recognition;
pub mod register;
pub mod search;
pub mod share;
pub mod signer;
mod storage;
pub mod strength;
pub mod submission;
mod textindex;
pub mod timestamp;
mod vault;
pub mod verify;
pub mod worker;

pub use age::secrecy::{ExposeSecret, SecretString};
/// How a plugin identity (a YubiKey) talks to the user: front ends implement it.
pub use age::{Callbacks as PluginUi, NoCallbacks};
pub use custody::Entry as CustodyEntry;
pub use error::{Error, MessageKey, Result};
pub use items::Item;
pub use keyring::{KeySlot, RecoveryKey};
pub use keys::{
    DEFAULT_WORK_FACTOR, MAX_WORK_FACTOR, MIN_WORK_FACTOR, check_new_passphrase,
    read_identity_file, read_secret_file,
};
pub use library::{LibraryRow, files_to_import};
pub use notice::{Notice, NoticeKey};
pub use progress::{CancelFlag, Progress, Silent};
pub use recognition::{OcrJob, OcrSettings, RecognisedText};
pub use storage::debris::DebrisKind;
pub use storage::layout::{FORMAT_VERSION, check_header as check_vault_header};
pub use storage::padding;
pub use vault::{
    Clock, Conflict, ConflictValue, CreateOptions, ExtractionRecord, ImportOptions, Imported,
    ItemEdit, ItemStamp, Rendition, StampBatch, StampReport, Vault, hash_file,
    send_time_stamp_batches,
};
