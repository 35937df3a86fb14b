//! Warnings from opening a vault that a front end says in its own language: each has a kind
//! and its values, and the core's English words for the CLI (like [`crate::MessageKey`] for
//! errors).

use serde::Serialize;

/// What opening found: the journal's problems and the sync engines' leftovers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Notice {
    pub key: NoticeKey,
    /// The values the sentence needs, in the order each kind documents.
    pub args: Vec<String>,
    /// In the core's words (English), as the CLI prints it.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum NoticeKey {
    /// Entries another device (or this one) wrote are not in this folder: the vault went back,
    /// or a sync has not finished. Args: first entry, last entry, device, the day the last
    /// was made (may be empty), how they are known (`later_entry`: a later entry of the same
    /// device; `this_device`: this device saw them; `device`: the device in the next arg
    /// had seen them), that device (or empty).
    MissingEntries,
    /// A journal file could not be read and was not applied. Args: its path, why.
    DamagedJournalFile,
    /// A device wrote two different entries under one number (a copied device record). Args:
    /// the device, the number.
    DeviceForked,
    /// A file a sync engine or desktop left in the vault folder: kept, never read. Args: its
    /// path, what made it (a [`crate::DebrisKind`], as named in JSON).
    SyncDebris,
}
