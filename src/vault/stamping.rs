//! Time-stamping imports: each item gets an RFC 3161 token from the authority the user named,
//! proof that its bytes (its SHA-256) existed no later than the token's time.
//!
//! Items go in batches through a statement of salted commitments
//! ([`crate::timestamp::statement`]): one request per batch, nothing about any item leaves the
//! computer, and a dossier can give a recipient one item's proof without the others. The
//! token, the statement and each item's salt are kept in the custody log (action `timestamp`),
//! so they sync and back up with it. An item is *waiting* until a token covers it: when the
//! authority cannot be reached, nothing is lost, and the next import (or `send`) tries again.

use std::collections::HashMap;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::custody::{self, Action};
use crate::error::Result;
use crate::timestamp::{self, Stamp};

use super::Vault;

/// Items per statement: a statement is attached to dossiers citing any of them (65 bytes an
/// item), and a request never waits on a huge batch.
const BATCH: usize = 1024;
/// The preference that turns import time-stamps off (on by default once an authority is named).
const IMPORTS: &str = "time_stamp_imports";

/// One item's proof of time, as a dossier carries it.
#[derive(Debug, Clone)]
pub struct ItemStamp {
    /// What the token says (time, authority).
    pub stamp: Stamp,
    /// The item's salt in the statement, hex.
    pub salt: String,
    /// The statement the token covers (text, see [`timestamp::statement`]).
    pub statement: String,
    /// The token, DER.
    pub token: Vec<u8>,
}

/// What a round of import time-stamps did.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StampReport {
    /// Items time-stamped now.
    pub stamped: u32,
    /// Items still waiting (the authority could not be reached, or answered wrongly).
    pub waiting: u32,
    /// The last token's time and authority, if any was obtained.
    pub stamp: Option<Stamp>,
    /// Why items still wait, in words.
    pub problem: Option<String>,
}

impl Vault {
    /// Whether imports are time-stamped (when an authority is named).
    pub fn time_stamps_imports(&self) -> Result<bool> {
        Ok(self.preference(IMPORTS)?.as_deref() != Some("off"))
    }

    pub fn set_time_stamp_imports(&mut self, on: bool) -> Result<()> {
        self.set_preference(IMPORTS, if on { "on" } else { "off" })
    }

    /// Every item's proof of time, by item id: the earliest token that covers it.
    pub fn item_stamps(&self) -> Result<HashMap<String, ItemStamp>> {
        let mut out: HashMap<String, ItemStamp> = HashMap::new();
        let mut stmt = self.catalog.db.prepare(
            "SELECT detail FROM custody WHERE action = 'timestamp' ORDER BY at, device, seq",
        )?;
        for detail in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let Ok(d) = serde_json::from_str::<serde_json::Value>(&detail?) else {
                continue;
            };
            let (Some(statement), Some(token), Some(items)) = (
                d["statement"].as_str(),
                d["token"].as_str().and_then(|t| hex::decode(t).ok()),
                d["items"].as_object(),
            ) else {
                continue;
            };
            let stamp = Stamp {
                time: d["time"].as_str().unwrap_or_default().to_string(),
                authority: d["authority"].as_str().unwrap_or_default().to_string(),
                authority_sha256: d["authority_sha256"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                serial: d["serial"].as_str().unwrap_or_default().to_string(),
            };
            for (item, salt) in items {
                out.entry(item.clone()).or_insert_with(|| ItemStamp {
                    stamp: stamp.clone(),
                    salt: salt.as_str().unwrap_or_default().to_string(),
                    statement: statement.to_string(),
                    token: token.clone(),
                });
            }
        }
        Ok(out)
    }

    /// Ids and SHA-256 of the items no token covers yet (deleted and purged ones aside).
    fn waiting_for_stamps(&self) -> Result<Vec<(String, String)>> {
        let stamped = self.item_stamps()?;
        Ok(self
            .catalog
            .items(false)?
            .into_iter()
            .filter(|i| !stamped.contains_key(&i.id))
            .map(|i| (i.id, i.sha256))
            .collect())
    }

    /// How many items wait for a time-stamp; 0 when none will be asked for.
    pub fn time_stamps_waiting(&self) -> Result<u32> {
        if self.time_stamping_authority()?.is_none() || !self.time_stamps_imports()? {
            return Ok(0);
        }
        Ok(self.waiting_for_stamps()?.len() as u32)
    }

    /// The requests to send for the items that wait: the authority's URL and the batches.
    /// `None` without an authority or with import stamps off. Split from
    /// [`Vault::record_time_stamp`] so that a front end need not hold the vault while the
    /// network answers.
    pub fn time_stamp_batches(&self) -> Result<Option<(String, Vec<StampBatch>)>> {
        let Some(url) = self.time_stamping_authority()? else {
            return Ok(None);
        };
        if !self.time_stamps_imports()? {
            return Ok(None);
        }
        let waiting = self.waiting_for_stamps()?;
        let batches = waiting
            .chunks(BATCH)
            .map(|batch| {
                let items: Vec<(String, String)> = batch
                    .iter()
                    .map(|(id, _)| {
                        let mut salt = [0u8; 16];
                        getrandom::fill(&mut salt)
                            .expect("the operating system's random source failed");
                        (id.clone(), hex::encode(salt))
                    })
                    .collect();
                let statement = timestamp::statement(
                    batch
                        .iter()
                        .zip(&items)
                        .map(|((_, sha256), (_, salt))| timestamp::commitment(salt, sha256))
                        .collect(),
                );
                StampBatch {
                    digest: Sha256::digest(statement.as_bytes()).into(),
                    statement,
                    items,
                }
            })
            .collect();
        Ok(Some((url, batches)))
    }

    /// Logs the token the authority at `url` gave for `batch`.
    pub fn record_time_stamp(
        &mut self,
        url: &str,
        batch: &StampBatch,
        token: &[u8],
        stamp: &Stamp,
    ) -> Result<()> {
        let items: serde_json::Map<String, serde_json::Value> = batch
            .items
            .iter()
            .map(|(id, salt)| (id.clone(), json!(salt)))
            .collect();
        let detail = json!({
            "authority_url": url,
            "time": stamp.time,
            "authority": stamp.authority,
            "authority_sha256": stamp.authority_sha256,
            "serial": stamp.serial,
            "statement": batch.statement,
            "token": hex::encode(token),
            "items": items,
        });
        self.commit(|cat, now| {
            custody::append(&cat.db, now, Action::Timestamp, None, &detail).map(|_| ())
        })?;
        Ok(())
    }

    /// Asks the authority for tokens over every waiting item, a batch at a time, and logs
    /// each. Does nothing without an authority or with import stamps off. A batch the
    /// authority does not stamp stays waiting (the report says why); that is not an error.
    pub fn send_time_stamps(&mut self) -> Result<StampReport> {
        let Some((url, batches)) = self.time_stamp_batches()? else {
            return Ok(StampReport::default());
        };
        send_batches(&url, &batches, &mut |batch, token, stamp| {
            self.record_time_stamp(&url, batch, token, stamp)
        })
    }
}

/// Logs one batch's token (`Vault::record_time_stamp`, perhaps through a front end's lock).
pub type RecordStamp<'a, E> =
    dyn FnMut(&StampBatch, &[u8], &Stamp) -> std::result::Result<(), E> + 'a;

/// Sends `batches` to the authority at `url` in turn, handing each token to `record`, and
/// stops at the first the authority does not stamp (those left wait; the report says why).
pub fn send_batches<E>(
    url: &str,
    batches: &[StampBatch],
    record: &mut RecordStamp<'_, E>,
) -> std::result::Result<StampReport, E> {
    let mut report = StampReport {
        waiting: batches.iter().map(|b| b.items.len() as u32).sum(),
        ..Default::default()
    };
    for batch in batches {
        match timestamp::request(url, &batch.digest) {
            Ok((token, stamp)) => {
                record(batch, &token, &stamp)?;
                let n = batch.items.len() as u32;
                report.stamped += n;
                report.waiting -= n;
                report.stamp = Some(stamp);
            }
            Err(e) => {
                report.problem = Some(e.to_string());
                break;
            }
        }
    }
    Ok(report)
}

/// One request's worth of waiting items: their salts, the statement, and its SHA-256.
#[derive(Debug, Clone)]
pub struct StampBatch {
    /// Item id and its salt, hex.
    pub items: Vec<(String, String)>,
    pub statement: String,
    pub digest: [u8; 32],
}
