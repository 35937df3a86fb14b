//! What `verify` reports: per item OK / CHANGED / MISSING / UNREADABLE, files that the catalog
//! does not account for, and the state of the custody chain.

use std::fs;
use std::path::Path;

use serde::Serialize;

use crate::custody::ChainBreak;
use crate::storage::layout::{HEADER_FILE, Layout};
use crate::storage::names::is_hex_name;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Decrypted, authenticated, and the SHA-256 and size match the catalog.
    Ok,
    /// The bytes on disk were altered, replaced or cut short.
    Changed,
    /// The blob file is gone.
    Missing,
    /// The blob file exists but could not be read (permissions, I/O error).
    Unreadable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Changed => "CHANGED",
            Status::Missing => "MISSING",
            Status::Unreadable => "UNREADABLE",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemCheck {
    pub id: String,
    pub name: String,
    pub status: Status,
    /// `active` or `deleted`; purged items have no bytes left to check and are not listed.
    pub item_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The last check of the whole vault (by any device, the app's or `dossier verify`), as the
/// custody log recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LastCheck {
    /// When it ran (RFC 3339, UTC).
    pub at: String,
    pub items: u64,
    /// Items CHANGED, MISSING or UNREADABLE.
    pub problems: u64,
    /// Files nothing in the catalog accounts for.
    pub unknown_files: u64,
    pub chain_intact: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub items: Vec<ItemCheck>,
    /// Paths (relative to the vault) of files the catalog does not account for.
    pub unknown_files: Vec<String>,
    /// Number of custody entries whose chain was checked, or where it breaks.
    pub custody_entries: usize,
    pub custody_break: Option<ChainBreak>,
    /// Journal entries in the vault, all devices together (format 1: the catalog generation).
    pub catalog_generation: u64,
    /// The journal's problems: entries this device, another device or a backup knows of that
    /// are missing (the vault went back, or a sync has not finished), damaged journal files,
    /// forks. Any of them makes the report unclean.
    pub journal_problems: Vec<String>,
    /// Derived files (thumbnails, previews) that are missing or do not decrypt: not evidence,
    /// and `reindex` makes them again, but someone or something removed them.
    pub derived_problems: Vec<String>,
    /// Files sync engines and desktops leave (conflict copies, partial downloads, their own
    /// markers), with what made them: never read, never deleted, listed.
    pub sync_debris: Vec<String>,
    /// Problems met while opening (skipped catalog generations, finished interrupted work).
    pub warnings: Vec<String>,
}

impl Report {
    /// True when every item is OK, no unknown file exists, the chains hold, nothing the
    /// journal should hold is missing or damaged, and every derived file is there.
    pub fn is_clean(&self) -> bool {
        self.items.iter().all(|i| i.status == Status::Ok)
            && self.unknown_files.is_empty()
            && self.custody_break.is_none()
            && self.journal_problems.is_empty()
            && self.derived_problems.is_empty()
    }

    pub fn count(&self, status: Status) -> usize {
        self.items.iter().filter(|i| i.status == status).count()
    }
}

/// What a vault's files may legitimately be, for [`unknown_files`].
pub(crate) struct Known<'a> {
    /// Readable format-1 catalog generations (names without `.age`); in format 2 every
    /// well-named file of `catalog/` is a kept format-1 generation.
    pub catalog_files: &'a [&'a str],
    pub format_2: bool,
    /// This device's text index files (names without `.age`).
    pub text_files: &'a [&'a str],
    pub blobs: &'a std::collections::HashSet<String>,
    pub key_slots: &'a [String],
}

/// Lists every file under the vault that is not the header, a key slot the catalog lists, a
/// catalog, text-index, journal or snapshot file, or the blob of a non-purged item; and,
/// apart, the files sync engines and desktops leave (with what made them).
pub(crate) fn unknown_files(layout: &Layout, known: &Known<'_>) -> (Vec<String>, Vec<String>) {
    let mut unknown = Vec::new();
    let mut debris = Vec::new();
    let rel = |p: &Path| {
        p.strip_prefix(&layout.root)
            .unwrap_or(p)
            .display()
            .to_string()
    };
    let list = |dir: &Path| -> Vec<fs::DirEntry> {
        fs::read_dir(dir)
            .map(|rd| rd.flatten().collect())
            .unwrap_or_default()
    };
    let mut stray = |e: &fs::DirEntry| {
        let name = e.file_name().to_string_lossy().into_owned();
        match crate::storage::debris::recognise(&name) {
            Some(what) => debris.push(format!("{}: {what}", rel(&e.path()))),
            None => unknown.push(rel(&e.path())),
        }
    };
    let is_device = |e: &fs::DirEntry| {
        e.file_type().is_ok_and(|t| t.is_dir()) && is_hex_name(&e.file_name().to_string_lossy(), 32)
    };
    let well_named = |e: &fs::DirEntry, len: usize| {
        e.file_type().is_ok_and(|t| t.is_file())
            && e.file_name()
                .to_string_lossy()
                .strip_suffix(".age")
                .is_some_and(|s| is_hex_name(s, len))
    };
    for e in list(&layout.root) {
        let name = e.file_name().to_string_lossy().into_owned();
        match name.as_str() {
            HEADER_FILE | "keys" | "catalog" | "blobs" | "tmp" | "texts" => {}
            "journal" | "snapshots" if known.format_2 => {}
            _ => stray(&e),
        }
    }
    for e in list(&layout.keys()) {
        let listed = known.key_slots.iter().any(|id| e.path() == layout.slot(id));
        if e.path() != layout.passphrase_slot() && !listed {
            stray(&e);
        }
    }
    for e in list(&layout.catalog()) {
        let name = e.file_name().to_string_lossy().into_owned();
        let ok = if known.format_2 {
            well_named(&e, 32)
        } else {
            name.strip_suffix(".age")
                .is_some_and(|s| known.catalog_files.contains(&s))
        };
        if !ok {
            stray(&e);
        }
    }
    let own_texts = layout.texts();
    for e in list(&layout.root.join("texts")) {
        if known.format_2 && is_device(&e) {
            for f in list(&e.path()) {
                let name = f.file_name().to_string_lossy().into_owned();
                let ok = if e.path() == own_texts {
                    name.strip_suffix(".age")
                        .is_some_and(|s| known.text_files.contains(&s))
                } else {
                    well_named(&f, 32) // another device's text index: its business
                };
                if !ok {
                    stray(&f);
                }
            }
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if known.format_2
            || !name
                .strip_suffix(".age")
                .is_some_and(|s| known.text_files.contains(&s))
        {
            stray(&e);
        }
    }
    if known.format_2 {
        for dir in [layout.journal(), layout.snapshots()] {
            for e in list(&dir) {
                if !is_device(&e) {
                    stray(&e);
                    continue;
                }
                for f in list(&e.path()) {
                    let name = f.file_name().to_string_lossy().into_owned();
                    let ok = if dir == layout.journal() {
                        crate::storage::segment::parse_file_name(&name).is_some()
                            && f.file_type().is_ok_and(|t| t.is_file())
                    } else {
                        well_named(&f, 32)
                    };
                    if !ok {
                        stray(&f);
                    }
                }
            }
        }
    }
    for e in list(&layout.tmp_root()) {
        // Another device's unfinished writes may arrive through a sync engine: its own.
        if known.format_2 && is_device(&e) && e.path() != layout.tmp() {
            continue;
        }
        if e.path() == layout.tmp() {
            for f in list(&e.path()) {
                stray(&f);
            }
            continue;
        }
        stray(&e);
    }
    for fan in list(&layout.blobs()) {
        let prefix = fan.file_name().to_string_lossy().into_owned();
        if !fan.path().is_dir() || !is_hex_name(&prefix, 2) {
            stray(&fan);
            continue;
        }
        for e in list(&fan.path()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let blob = name
                .strip_suffix(".age")
                .map(|rest| format!("{prefix}{rest}"));
            if !blob.is_some_and(|b| known.blobs.contains(&b)) {
                stray(&e);
            }
        }
    }
    unknown.sort();
    debris.sort();
    (unknown, debris)
}
