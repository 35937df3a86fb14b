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

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub items: Vec<ItemCheck>,
    /// Paths (relative to the vault) of files the catalog does not account for.
    pub unknown_files: Vec<String>,
    /// Number of custody entries whose chain was checked, or where it breaks.
    pub custody_entries: usize,
    pub custody_break: Option<ChainBreak>,
    pub catalog_generation: u64,
    /// Problems met while opening (skipped catalog generations, finished interrupted work).
    pub warnings: Vec<String>,
}

impl Report {
    /// True when every item is OK, no unknown file exists and the chain holds.
    pub fn is_clean(&self) -> bool {
        self.items.iter().all(|i| i.status == Status::Ok)
            && self.unknown_files.is_empty()
            && self.custody_break.is_none()
    }

    pub fn count(&self, status: Status) -> usize {
        self.items.iter().filter(|i| i.status == status).count()
    }
}

/// Lists every file under the vault that is not the header, the passphrase slot, a readable
/// catalog or text-index generation, or the blob of a non-purged item.
pub(crate) fn unknown_files(
    layout: &Layout,
    catalog_files: &[&str],
    text_files: &[&str],
    blobs: &std::collections::HashSet<String>,
    key_slots: &[String],
) -> Vec<String> {
    let mut unknown = Vec::new();
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
    for e in list(&layout.root) {
        let name = e.file_name().to_string_lossy().into_owned();
        match name.as_str() {
            HEADER_FILE | "keys" | "catalog" | "blobs" | "tmp" | "texts" => {}
            _ => unknown.push(rel(&e.path())),
        }
    }
    for e in list(&layout.keys()) {
        let listed = key_slots.iter().any(|id| e.path() == layout.slot(id));
        if e.path() != layout.passphrase_slot() && !listed {
            unknown.push(rel(&e.path()));
        }
    }
    for e in list(&layout.catalog()) {
        let name = e.file_name().to_string_lossy().into_owned();
        let known = name
            .strip_suffix(".age")
            .is_some_and(|s| catalog_files.contains(&s));
        if !known {
            unknown.push(rel(&e.path()));
        }
    }
    for e in list(&layout.root.join("texts")) {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name
            .strip_suffix(".age")
            .is_some_and(|s| text_files.contains(&s))
        {
            unknown.push(rel(&e.path()));
        }
    }
    for e in list(&layout.tmp()) {
        unknown.push(rel(&e.path()));
    }
    for fan in list(&layout.blobs()) {
        let prefix = fan.file_name().to_string_lossy().into_owned();
        if !fan.path().is_dir() || !is_hex_name(&prefix, 2) {
            unknown.push(rel(&fan.path()));
            continue;
        }
        for e in list(&fan.path()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let blob = name
                .strip_suffix(".age")
                .map(|rest| format!("{prefix}{rest}"));
            if !blob.is_some_and(|b| blobs.contains(&b)) {
                unknown.push(rel(&e.path()));
            }
        }
    }
    unknown.sort();
    unknown
}
