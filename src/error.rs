//! The one error type of the core. Front ends (CLI, app) switch on [`Error::code`], never on the
//! message text; messages name the file or item concerned so a person can act on them.

use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("wrong passphrase: it does not unlock the vault at {}", .vault.display())]
    WrongPassphrase { vault: PathBuf },

    #[error("this key does not open any key slot of the vault at {}", .vault.display())]
    WrongKey { vault: PathBuf },

    #[error("{} is not a Dossier vault (no DOSSIER header file)", .path.display())]
    NotAVault { path: PathBuf },

    #[error("{} already exists and is not empty; choose a new folder for the vault", .path.display())]
    VaultExists { path: PathBuf },

    #[error("{} uses vault format {found:?}, which this version of Dossier does not understand", .path.display())]
    UnsupportedFormat { path: PathBuf, found: String },

    #[error("the vault at {} is open in another Dossier process; close it and try again", .path.display())]
    InUse { path: PathBuf },

    #[error("the key slot {} needs scrypt work factor 2^{required}, above the limit 2^{limit}", .path.display())]
    KdfTooExpensive {
        path: PathBuf,
        required: u8,
        limit: u8,
    },

    #[error("passphrase rejected: {reason}")]
    WeakPassphrase { reason: &'static str },

    // The I/O error is part of the message, not a `source()`: printed once, not twice.
    #[error("cannot read {}: {cause}", .path.display())]
    Source { path: PathBuf, cause: io::Error },

    #[error("{} is not a regular file ({kind}); only files can be imported", .path.display())]
    NotAFile { path: PathBuf, kind: &'static str },

    #[error("{} changed size while it was being read ({expected} bytes expected, {actual} read); nothing was stored", .path.display())]
    SourceChanged {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },

    #[error("{} already exists; Dossier does not overwrite files", .path.display())]
    OutputExists { path: PathBuf },

    #[error("no item with id {id:?}")]
    NoSuchItem { id: String },

    #[error("no {kind} with id {id:?}")]
    NoSuchEntity { kind: &'static str, id: String },

    #[error("id prefix {prefix:?} matches several items: {candidates}")]
    AmbiguousId { prefix: String, candidates: String },

    #[error("item {id} ({name}) was purged; its bytes are gone from this vault")]
    Purged { id: String, name: String },

    #[error("item {id} ({name}) must be deleted before it can be purged")]
    NotDeleted { id: String, name: String },

    #[error("item {id} ({name}) failed its integrity check: {problem}")]
    Integrity {
        id: String,
        name: String,
        problem: String,
    },

    #[error("invalid input: {0}")]
    Invalid(String),

    #[error("time-stamping authority {authority}: {problem}")]
    Timestamp { authority: String, problem: String },

    #[error("the vault's catalog is damaged: {0}")]
    Corrupt(String),

    #[error("cancelled")]
    Cancelled,

    #[error("the vault is read-only: {0}")]
    ReadOnly(String),

    #[error("{what} ({}): {cause}", .path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        cause: io::Error,
    },

    #[error("catalog database error: {0}")]
    Catalog(#[from] rusqlite::Error),

    /// Building or signing a PDF failed inside a library (not bad user input).
    #[error("cannot make the PDF: {0}")]
    Pdf(String),
}

impl Error {
    /// A small, stable identifier for front ends to act on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::WrongPassphrase { .. } => "wrong_passphrase",
            Error::WrongKey { .. } => "wrong_key",
            Error::NotAVault { .. } => "not_a_vault",
            Error::VaultExists { .. } => "vault_exists",
            Error::UnsupportedFormat { .. } => "unsupported_format",
            Error::InUse { .. } => "in_use",
            Error::KdfTooExpensive { .. } => "kdf_too_expensive",
            Error::WeakPassphrase { .. } => "weak_passphrase",
            Error::Source { .. } | Error::NotAFile { .. } | Error::SourceChanged { .. } => {
                "bad_source"
            }
            Error::OutputExists { .. } => "output_exists",
            Error::NoSuchItem { .. } | Error::AmbiguousId { .. } => "no_such_item",
            Error::NoSuchEntity { .. } => "no_such_entity",
            Error::Purged { .. } | Error::NotDeleted { .. } => "wrong_state",
            Error::Integrity { .. } => "integrity",
            Error::Invalid(_) => "invalid_input",
            Error::Timestamp { .. } => "timestamp",
            Error::Corrupt(_) | Error::Catalog(_) => "corrupt",
            Error::Cancelled => "cancelled",
            Error::ReadOnly(_) => "read_only",
            Error::Io { .. } => "io",
            Error::Pdf(_) => "pdf",
        }
    }

    /// The message's kind and its values, for a front end that says it in its own language
    /// (the app's catalogues). `None`: only the core's own words (`to_string()`) say it well.
    pub fn message_args(&self) -> Option<(MessageKey, Vec<String>)> {
        use MessageKey as K;
        let p = |path: &Path| path.display().to_string();
        Some(match self {
            Error::WrongPassphrase { .. } => (K::WrongPassphrase, vec![]),
            Error::WrongKey { .. } => (K::WrongKey, vec![]),
            Error::NotAVault { path } => (K::NotAVault, vec![p(path)]),
            Error::VaultExists { path } => (K::VaultExists, vec![p(path)]),
            Error::UnsupportedFormat { path, found } => {
                (K::UnsupportedFormat, vec![p(path), found.clone()])
            }
            Error::InUse { path } => (K::InUse, vec![p(path)]),
            Error::Source { path, cause } => (K::Source, vec![p(path), cause.to_string()]),
            Error::NotAFile { path, .. } => (K::NotAFile, vec![p(path)]),
            Error::SourceChanged { path, .. } => (K::SourceChanged, vec![p(path)]),
            Error::OutputExists { path } => (K::OutputExists, vec![p(path)]),
            Error::NoSuchItem { id } => (K::NoSuchItem, vec![id.clone()]),
            Error::AmbiguousId { prefix, .. } => (K::AmbiguousId, vec![prefix.clone()]),
            Error::NoSuchEntity { kind, id } => {
                (K::NoSuchEntity, vec![kind.to_string(), id.clone()])
            }
            Error::Purged { id, name } => (K::Purged, vec![id.clone(), name.clone()]),
            Error::NotDeleted { id, name } => (K::NotDeleted, vec![id.clone(), name.clone()]),
            Error::Integrity { id, name, problem } => (
                K::Integrity,
                vec![id.clone(), name.clone(), problem.clone()],
            ),
            Error::Cancelled => (K::Cancelled, vec![]),
            _ => return None,
        })
    }

    pub(crate) fn io(
        what: &'static str,
        path: impl AsRef<Path>,
    ) -> impl FnOnce(io::Error) -> Error {
        let path = path.as_ref().to_path_buf();
        move |cause| Error::Io { what, path, cause }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kinds of message a front end says in its own language ([`Error::message_args`]): the
/// app's catalogues are typed by this list, so one that lacks a kind does not build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MessageKey {
    WrongPassphrase,
    WrongKey,
    NotAVault,
    VaultExists,
    UnsupportedFormat,
    InUse,
    Source,
    NotAFile,
    SourceChanged,
    OutputExists,
    NoSuchItem,
    AmbiguousId,
    NoSuchEntity,
    Purged,
    NotDeleted,
    Integrity,
    Cancelled,
}
