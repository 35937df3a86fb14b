//! The custody log: an append-only, hash-chained record of everything done to the evidence.
//!
//! Each device that writes to a vault keeps its own chain (entries keyed by device and seq):
//! two devices working at once append without ever contending for "the next entry", and the
//! merged log is the union of the chains. Each entry's hash is SHA-256 over a length-prefixed
//! encoding of its device, its fields and the previous entry's hash in the same chain, so
//! removing, reordering or altering any entry breaks every hash after it in that chain.
//! Entries from a format-1 vault form the chain of device "" and keep their v1 hashes.
//! SQLite triggers refuse UPDATE and DELETE on the table as a second line of defence.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Result;

/// The hash that stands before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Import,
    /// A case, person or event was added to the register.
    Add,
    Edit,
    Link,
    Unlink,
    Export,
    Verify,
    Delete,
    Purge,
    Rekey,
    /// The user accepted continuing after a damaged catalog file.
    Repair,
    /// A signing identity (root certificate and signer) was made.
    Keygen,
    /// The vault was copied to a backup folder.
    Backup,
    /// Items were sent to recipients as an encrypted bundle.
    Share,
    /// A bundle from another vault was imported.
    Receive,
    /// The vault was migrated to a newer format (from format 1 to format 2).
    Migrate,
    /// Items were time-stamped by an RFC 3161 authority (the token and what it covers).
    Timestamp,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Import => "import",
            Action::Add => "add",
            Action::Edit => "edit",
            Action::Link => "link",
            Action::Unlink => "unlink",
            Action::Export => "export",
            Action::Verify => "verify",
            Action::Delete => "delete",
            Action::Purge => "purge",
            Action::Rekey => "rekey",
            Action::Repair => "repair",
            Action::Keygen => "keygen",
            Action::Backup => "backup",
            Action::Share => "share",
            Action::Receive => "receive",
            Action::Migrate => "migrate",
            Action::Timestamp => "timestamp",
        }
    }
}

/// One entry as stored. (Deserialize: a received bundle carries its sender's entries.)
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Entry {
    /// The device whose chain holds the entry (32 hex; empty for entries made in format 1).
    pub device: String,
    /// Position in that device's chain, from 1.
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub item: Option<String>,
    /// A JSON object with the details of the action.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The chained hash of an entry (see docs/FORMAT.md, "Custody log"): v1 for the format-1
/// chain (device ""), v2, which also covers the device, for every device's own chain.
pub fn entry_hash(
    device: &str,
    seq: i64,
    at: &str,
    action: &str,
    item: Option<&str>,
    detail: &str,
    prev: &str,
) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    let mut fields = vec![seq.as_str(), at, action, item.unwrap_or(""), detail, prev];
    if device.is_empty() {
        h.update(b"dossier-custody-v1");
    } else {
        h.update(b"dossier-custody-v2");
        fields.insert(0, device);
    }
    for field in fields {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The device this connection appends for: set by the catalog when it opens a journal
/// (`temp._device`, made empty for every connection); a catalog without one (format 1)
/// appends to the chain of device "".
pub(crate) fn this_device(db: &Connection) -> Result<String> {
    Ok(db
        .prepare_cached("SELECT id FROM temp._device")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// Appends an entry after the last one of this device's chain.
pub fn append(
    db: &Connection,
    at: &str,
    action: Action,
    item: Option<&str>,
    detail: &serde_json::Value,
) -> Result<Entry> {
    let device = this_device(db)?;
    let last: Option<(i64, String)> = db
        // CAST: see `Catalog::items_by_sha256` (a new compilation per entry otherwise).
        .prepare_cached(
            "SELECT seq, hash FROM custody WHERE device = CAST(?1 AS TEXT) ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([&device], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let detail = detail.to_string();
    let hash = entry_hash(&device, seq, at, action.as_str(), item, &detail, &prev_hash);
    db.prepare_cached(
        "INSERT INTO custody (device, seq, at, action, item, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        device,
        seq,
        at,
        action.as_str(),
        item,
        detail,
        prev_hash,
        hash
    ])?;
    Ok(Entry {
        device,
        seq,
        at: at.into(),
        action: action.as_str().into(),
        item: item.map(Into::into),
        detail,
        prev_hash,
        hash,
    })
}

/// All entries in the order they were made (by time, then device and position), optionally
/// only those about one item.
pub fn entries(db: &Connection, item: Option<&str>) -> Result<Vec<Entry>> {
    let mut stmt = db.prepare(
        "SELECT device, seq, at, action, item, detail, prev_hash, hash FROM custody
         WHERE ?1 IS NULL OR item = ?1 ORDER BY at, device, seq",
    )?;
    let rows = stmt.query_map([item], |r| {
        Ok(Entry {
            device: r.get(0)?,
            seq: r.get(1)?,
            at: r.get(2)?,
            action: r.get(3)?,
            item: r.get(4)?,
            detail: r.get(5)?,
            prev_hash: r.get(6)?,
            hash: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where a chain first fails to hold, if anywhere.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChainBreak {
    /// The device whose chain breaks (empty: the format-1 chain).
    pub device: String,
    pub seq: i64,
    pub problem: String,
}

/// Recomputes every hash and link of every device's chain. `Ok(n)` is the number of entries
/// checked.
pub fn check_chain(db: &Connection) -> Result<Result<usize, ChainBreak>> {
    let mut all = entries(db, None)?;
    all.sort_by(|a, b| (&a.device, a.seq).cmp(&(&b.device, b.seq)));
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    for (i, e) in all.iter().enumerate() {
        if i == 0 || all[i - 1].device != e.device {
            prev = GENESIS.to_string();
            expected_seq = 1;
        }
        let problem = if e.seq != expected_seq {
            Some(format!("entry {expected_seq} is missing"))
        } else if e.prev_hash != prev {
            Some("does not link to the entry before it".to_string())
        } else if entry_hash(
            &e.device,
            e.seq,
            &e.at,
            &e.action,
            e.item.as_deref(),
            &e.detail,
            &e.prev_hash,
        ) != e.hash
        {
            Some("its contents do not match its hash".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Ok(Err(ChainBreak {
                device: e.device.clone(),
                seq: e.seq,
                problem,
            }));
        }
        prev = e.hash.clone();
        expected_seq += 1;
    }
    Ok(Ok(all.len()))
}
