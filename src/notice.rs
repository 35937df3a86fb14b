//! Warnings from opening a vault that a front end says in its own language: each has a kind
//! and its values, and the core's English words for the CLI (like [`crate::MessageKey`] for
//! errors).

use serde::Serialize;

/// What opening found (the journal's problems, the sync engines' leftovers) or did (work a
/// crash interrupted, finished; this device's record), for a front end to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Notice {
    pub key: NoticeKey,
    /// The values the sentence needs, in the order each kind documents.
    pub args: Vec<String>,
    /// In the core's words (English), as the CLI prints it.
    pub text: String,
    /// What the vault holds now (the journal's problems, leftovers in its folder): said again
    /// while it holds, so a front end replaces these when it asks again. Otherwise something
    /// one opening (or pull) did or could not do, said once.
    pub standing: bool,
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
    /// This device's record of the vault (what it has seen: how a rollback is noticed) has
    /// no folder: HOME is not set. No args.
    DeviceRecordNowhere,
    /// This device's record could not be read; it starts afresh. Args: why.
    DeviceRecordUnreadable,
    /// This device's record could not be saved. Args: its folder, why.
    DeviceRecordUnsaved,
    /// A snapshot (a cache that makes the next opening faster) could not be written. Args: why.
    SnapshotUnsaved,
    /// A crash had interrupted an import after it was recorded: its file was put in place.
    /// Args: the blob's name.
    InterruptedImportCompleted,
    /// A crash had interrupted a purge: the purged bytes were removed now. Args: the blob.
    InterruptedPurgeFinished,
    /// Leftovers of interrupted work could not be tidied up. Args: why.
    InterruptedWorkUntidy,
    /// Reading some items (metadata, text) stopped with the process last time; they are
    /// stored, and reading every item again retries. Args: how many.
    ExtractionUnfinished,
    /// The vault was moved from format 1 to format 2 at this opening. Args: the format-1
    /// catalog's generation, kept unread.
    MovedToFormat2,
    /// The search texts were not carried over to format 2. Args: why.
    TextIndexNotCarried,
}

impl Notice {
    /// Something this opening did or could not do.
    pub(crate) fn new(key: NoticeKey, args: &[&dyn std::fmt::Display], text: String) -> Notice {
        Notice {
            key,
            args: args.iter().map(|a| a.to_string()).collect(),
            text,
            standing: false,
        }
    }

    /// Something the vault holds now (see [`Notice::standing`]).
    pub(crate) fn standing(
        key: NoticeKey,
        args: &[&dyn std::fmt::Display],
        text: String,
    ) -> Notice {
        Notice {
            standing: true,
            ..Notice::new(key, args, text)
        }
    }
}
