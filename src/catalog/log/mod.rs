//! The journal of an open catalog (vault format 2): which segments are applied, writing this
//! device's next one, and opening — the newest usable snapshot plus every segment after it,
//! applied in causal order, with every gap, damaged file and fork reported by name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rusqlite::Connection;
use serde_json::json;

mod replay;

use super::cache::{self, Coverage};
use super::capture::{self, Op, Tables};
use super::merge::{self, Stamp};
use super::{Catalog, schema};
use crate::error::{Error, Result};
use crate::storage::debris::Debris;
use crate::storage::journal::Journal;
use crate::storage::layout::Layout;
use crate::storage::segment::{self, Dep, DeviceId, MacKey, Segment, SegmentId};

/// The newest applied segment of one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub id: SegmentId,
    pub hlc: u64,
}

/// Something about the journal that the user must hear about. Never fatal to opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A segment file that does not decrypt, authenticate or parse, or sits under a wrong name.
    Damaged { path: PathBuf, why: String },
    /// Segments of a device that are not in the vault although something says they exist:
    /// a later segment of that device, another device's dependency, or this device's memory.
    Missing {
        device: DeviceId,
        from: u64,
        to: u64,
        /// When the newest of them was made (Unix ms), if known.
        made: Option<i64>,
        /// Who knows of them.
        known_by: KnownBy,
    },
    /// Two different segments under one device and number (a device id used by two writers).
    Fork { device: DeviceId, seq: u64 },
}

/// How a vault knows that journal entries it lacks exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownBy {
    /// A later entry of the same device is there.
    LaterEntry,
    /// This device saw them before (its record outside the vault).
    ThisDevice,
    /// An entry of this other device had seen them.
    Device(DeviceId),
}

impl std::fmt::Display for KnownBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KnownBy::LaterEntry => f.write_str("a later entry of the same device"),
            KnownBy::ThisDevice => f.write_str("this device, which saw them before"),
            KnownBy::Device(d) => write!(f, "device {d}"),
        }
    }
}

/// The journal side of a format-2 catalog.
pub struct Log {
    pub(crate) tables: Tables,
    mac: MacKey,
    vault: [u8; 16],
    device: DeviceId,
    hlc: u64,
    heads: BTreeMap<DeviceId, Head>,
    pub(crate) problems: Vec<Problem>,
    pub(crate) debris: Vec<Debris>,
    /// Segments applied or written since the snapshot this state came from.
    since_snapshot: u64,
    /// Devices with segment files on disk beyond what could be applied (damaged, waiting):
    /// this device must not write under such an id, or its next number would collide.
    pub(crate) stuck: BTreeSet<DeviceId>,
}

/// Rows a replay changed, by (table, primary key as JSON): the layers above re-derive what
/// they keep about them (the search index).
pub type Touched = Vec<(String, String)>;

impl Log {
    pub fn device(&self) -> DeviceId {
        self.device
    }

    pub fn heads(&self) -> &BTreeMap<DeviceId, Head> {
        &self.heads
    }

    pub fn hlc(&self) -> u64 {
        self.hlc
    }

    pub fn mac(&self) -> &MacKey {
        &self.mac
    }

    pub fn since_snapshot(&self) -> u64 {
        self.since_snapshot
    }

    fn coverage(&self) -> Coverage {
        self.heads
            .iter()
            .map(|(d, h)| (*d, (h.seq, h.id)))
            .collect()
    }

    /// The stamp and segment skeleton of this device's next change.
    fn next(&self, wall_ms: i64) -> (u64, SegmentId, u64, Vec<Dep>) {
        let own = self.heads.get(&self.device);
        let seq = own.map_or(1, |h| h.seq + 1);
        let prev = own.map_or(SegmentId::NONE, |h| h.id);
        let newest = self
            .heads
            .values()
            .map(|h| h.hlc)
            .max()
            .unwrap_or(0)
            .max(self.hlc);
        let hlc = segment::next_hlc(newest, wall_ms);
        let deps = self
            .heads
            .iter()
            .filter(|(d, _)| **d != self.device)
            .map(|(d, h)| Dep {
                device: *d,
                seq: h.seq,
                id: h.id,
            })
            .collect();
        (seq, prev, hlc, deps)
    }
}

fn stamp_of(seg: &Segment, id: SegmentId) -> Stamp {
    let mut vector: BTreeMap<String, i64> = seg
        .deps
        .iter()
        .map(|d| (d.device.to_string(), d.seq as i64))
        .collect();
    vector.insert(seg.device.to_string(), seg.seq as i64 - 1);
    Stamp {
        device: seg.device.to_string(),
        seq: seg.seq as i64,
        id: id.to_string(),
        hlc: seg.hlc as i64,
        vector,
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Body {
    ops: Vec<Op>,
}

/// [`Body`] as written, without giving up the ops (they are booked after).
#[derive(serde::Serialize)]
struct BodyRef<'a> {
    ops: &'a [Op],
}

/// Sets up a connection for a format-2 state: capture triggers and this device's id for the
/// custody chain (both temporary: never in a snapshot).
fn prepare(db: &Connection, tables: &Tables, device: DeviceId) -> Result<()> {
    tables.install_capture(db)?;
    db.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS _device (id TEXT NOT NULL); DELETE FROM temp._device;",
    )?;
    db.execute(
        "INSERT INTO temp._device (id) VALUES (?1)",
        [device.to_string()],
    )?;
    Ok(())
}

impl Catalog {
    /// The journal, for a format-2 catalog.
    pub(crate) fn log(&self) -> Option<&Log> {
        self.log.as_ref()
    }

    /// Continues under a new device id (this device's own newest segments are gone from the
    /// vault; see `Vault::open`).
    pub(crate) fn switch_device(&mut self, device: DeviceId) -> Result<()> {
        let log = self
            .log
            .as_mut()
            .ok_or_else(|| Error::Corrupt("not a format-2 catalog".into()))?;
        log.device = device;
        prepare(&self.db, &log.tables, device)
    }

    /// Makes this catalog (already holding the state to start from, schema 5) a format-2
    /// catalog of `device` with nothing applied yet: a new vault, or a migration.
    pub(crate) fn start_journal(
        &mut self,
        mac: MacKey,
        vault: [u8; 16],
        device: DeviceId,
    ) -> Result<()> {
        let tables = Tables::load(&self.db, schema::LOGGED_TABLES)?;
        prepare(&self.db, &tables, device)?;
        self.log = Some(Log {
            tables,
            mac,
            vault,
            device,
            hlc: 0,
            heads: BTreeMap::new(),
            problems: Vec::new(),
            debris: Vec::new(),
            since_snapshot: 0,
            stuck: BTreeSet::new(),
        });
        Ok(())
    }

    /// Runs `change` in a transaction, captures what it changed, and publishes it as this
    /// device's next segment before the transaction commits: memory never holds a change the
    /// disk does not. A change that changed nothing writes nothing. Returns the value and the
    /// new segment's path.
    pub(crate) fn commit_change<T>(
        &mut self,
        layout: &Layout,
        recipient: &age::x25519::Recipient,
        wall_ms: i64,
        change: impl FnOnce(&Catalog) -> Result<T>,
    ) -> Result<(T, Option<PathBuf>)> {
        self.commit_with(layout, recipient, wall_ms, |cat| {
            Ok((change(cat)?, Vec::new()))
        })
    }

    /// [`Catalog::commit_change`], where `change` may also return changes of its own to
    /// publish beside what it did (a resolution re-writes a value that may not differ).
    pub(crate) fn commit_with<T>(
        &mut self,
        layout: &Layout,
        recipient: &age::x25519::Recipient,
        wall_ms: i64,
        change: impl FnOnce(&Catalog) -> Result<(T, Vec<Op>)>,
    ) -> Result<(T, Option<PathBuf>)> {
        let Some(log) = self.log.as_ref() else {
            return Err(Error::Corrupt("not a format-2 catalog".into()));
        };
        self.db.execute_batch("BEGIN")?;
        let captured = capture::capture(&self.db, &log.tables, || change(self)).map(
            |((value, extra), mut ops)| {
                for op in extra {
                    let dup = ops
                        .iter()
                        .any(|o| o.t == op.t && o.pk == op.pk && o.k == op.k && o.v == op.v);
                    if !dup {
                        ops.push(op);
                    }
                }
                (value, ops)
            },
        );
        let outcome = match captured {
            Ok((value, ops)) if ops.is_empty() => Ok((value, None)),
            Ok((value, ops)) => self
                .publish(layout, recipient, wall_ms, ops)
                .map(|path| (value, Some(path))),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(v) => {
                self.db.execute_batch("COMMIT").map_err(|e| {
                    Error::Corrupt(format!(
                        "the change was written to the journal but not to memory ({e}); close and reopen the vault"
                    ))
                })?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.db.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Writes `ops` as this device's next segment and books them; inside the caller's
    /// transaction (nothing is booked if writing fails).
    pub(crate) fn publish(
        &mut self,
        layout: &Layout,
        recipient: &age::x25519::Recipient,
        wall_ms: i64,
        ops: Vec<Op>,
    ) -> Result<PathBuf> {
        let log = self
            .log
            .as_mut()
            .ok_or_else(|| Error::Corrupt("not a format-2 catalog".into()))?;
        let (seq, prev, hlc, deps) = log.next(wall_ms);
        let body = serde_json::to_vec(&BodyRef { ops: &ops }).expect("ops serialise");
        let seg = Segment {
            vault: log.vault,
            device: log.device,
            seq,
            hlc,
            prev,
            deps,
            body,
        };
        let (plain, id) = seg.encode(&log.mac);
        merge::record_local(&self.db, &log.tables, &ops, &stamp_of(&seg, id))?;
        let journal = Journal::new(&layout.root);
        journal
            .write_encoded(&layout.tmp(), log.device, seq, &plain, recipient)
            .map_err(Error::io(
                "cannot write the journal",
                journal.path(log.device, seq),
            ))?;
        log.heads.insert(log.device, Head { seq, id, hlc });
        log.hlc = hlc;
        log.since_snapshot += 1;
        Ok(journal.path(log.device, seq))
    }

    /// Writes a snapshot of the state as it is, covering every applied segment.
    pub(crate) fn save_snapshot(
        &mut self,
        layout: &Layout,
        recipient: &age::x25519::Recipient,
    ) -> Result<PathBuf> {
        let log = self
            .log
            .as_mut()
            .ok_or_else(|| Error::Corrupt("not a format-2 catalog".into()))?;
        let path = cache::write(
            &layout.root,
            &layout.tmp(),
            &log.vault,
            log.device,
            log.hlc,
            &log.coverage(),
            &mut self.db,
            &log.mac,
            recipient,
        )?;
        log.since_snapshot = 0;
        Ok(path)
    }

    /// Every segment's changes, for the migration's genesis: every row of every logged table
    /// as an insert, parents first.
    pub(crate) fn all_rows_as_inserts(&self) -> Result<Vec<Op>> {
        let log = self
            .log
            .as_ref()
            .ok_or_else(|| Error::Corrupt("not a format-2 catalog".into()))?;
        let mut ops = Vec::new();
        for name in schema::LOGGED_TABLES {
            let table = log.tables.get(name)?;
            let cols: Vec<String> = table.cols.iter().map(|c| capture::quote(c)).collect();
            let mut stmt = self.db.prepare(&format!(
                "SELECT {} FROM {} ORDER BY rowid",
                cols.join(", "),
                capture::quote(name)
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let mut pk = BTreeMap::new();
                let mut v = BTreeMap::new();
                for (i, col) in table.cols.iter().enumerate() {
                    let value = capture::to_json(row.get_ref(i)?)?;
                    if table.pk.contains(&i) {
                        pk.insert(col.clone(), value);
                    } else {
                        v.insert(col.clone(), value);
                    }
                }
                ops.push(Op {
                    t: (*name).to_string(),
                    k: capture::Kind::Insert,
                    pk,
                    old: BTreeMap::new(),
                    v,
                });
            }
        }
        Ok(ops)
    }
}

/// A device's name as the vault knows it, or a short form of its id.
pub(crate) fn device_name(db: &Connection, device: DeviceId) -> String {
    db.query_row(
        "SELECT name FROM devices WHERE id = ?1",
        [device.to_string()],
        |r| r.get::<_, String>(0),
    )
    .map(|n| format!("{n} ({})", &device.to_string()[..8]))
    .unwrap_or_else(|_| device.to_string()[..8].to_string())
}

/// The detail of the custody entry a migration writes.
pub(crate) fn migration_detail(generation: u64, rows: usize) -> serde_json::Value {
    json!({ "migrated_from_format": 1, "format_1_generation": generation, "rows": rows })
}
