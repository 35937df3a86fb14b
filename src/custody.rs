//! The custody log: an append-only, hash-chained record of everything done to the evidence.
//!
//! Each entry's hash is SHA-256 over a length-prefixed encoding of its fields and the previous
//! entry's hash, so removing, reordering or altering any entry breaks every hash after it.
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
        }
    }
}

/// One entry as stored. (Deserialize: a received bundle carries its sender's entries.)
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub item: Option<String>,
    /// A JSON object with the details of the action.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The chained hash of an entry (see docs/FORMAT.md, "Custody log").
pub fn entry_hash(
    seq: i64,
    at: &str,
    action: &str,
    item: Option<&str>,
    detail: &str,
    prev: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"dossier-custody-v1");
    for field in [
        &seq.to_string(),
        at,
        action,
        item.unwrap_or(""),
        detail,
        prev,
    ] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an entry after the current last one.
pub fn append(
    db: &Connection,
    at: &str,
    action: Action,
    item: Option<&str>,
    detail: &serde_json::Value,
) -> Result<Entry> {
    let last: Option<(i64, String)> = db
        .query_row(
            "SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let detail = detail.to_string();
    let hash = entry_hash(seq, at, action.as_str(), item, &detail, &prev_hash);
    db.execute(
        "INSERT INTO custody (seq, at, action, item, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![seq, at, action.as_str(), item, detail, prev_hash, hash],
    )?;
    Ok(Entry {
        seq,
        at: at.into(),
        action: action.as_str().into(),
        item: item.map(Into::into),
        detail,
        prev_hash,
        hash,
    })
}

/// All entries, oldest first, optionally only those about one item.
pub fn entries(db: &Connection, item: Option<&str>) -> Result<Vec<Entry>> {
    let mut stmt = db.prepare(
        "SELECT seq, at, action, item, detail, prev_hash, hash FROM custody
         WHERE ?1 IS NULL OR item = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([item], |r| {
        Ok(Entry {
            seq: r.get(0)?,
            at: r.get(1)?,
            action: r.get(2)?,
            item: r.get(3)?,
            detail: r.get(4)?,
            prev_hash: r.get(5)?,
            hash: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where the chain first fails to hold, if anywhere.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: String,
}

/// Recomputes every hash and link. `Ok(n)` is the number of entries checked.
pub fn check_chain(db: &Connection) -> Result<Result<usize, ChainBreak>> {
    let all = entries(db, None)?;
    let mut prev = GENESIS.to_string();
    for (i, e) in all.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        let problem = if e.seq != expected_seq {
            Some(format!("entry {expected_seq} is missing"))
        } else if e.prev_hash != prev {
            Some("does not link to the entry before it".to_string())
        } else if entry_hash(
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
                seq: e.seq,
                problem,
            }));
        }
        prev = e.hash.clone();
    }
    Ok(Ok(all.len()))
}
