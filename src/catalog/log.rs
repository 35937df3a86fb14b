//! The journal of an open catalog (vault format 2): which segments are applied, writing this
//! device's next one, and opening — the newest usable snapshot plus every segment after it,
//! applied in causal order, with every gap, damaged file and fork reported by name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rusqlite::{Connection, params};
use serde_json::json;

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
        /// Who knows of them: "a later entry", "device X", "this device".
        known_by: String,
    },
    /// Two different segments under one device and number (a device id used by two writers).
    Fork { device: DeviceId, seq: u64 },
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

type ReadResult = std::result::Result<(Segment, SegmentId), crate::storage::journal::ReadError>;

#[derive(serde::Serialize, serde::Deserialize)]
struct Body {
    ops: Vec<Op>,
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
        let body = serde_json::to_vec(&Body { ops }).expect("ops serialise");
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
        let body: Body = serde_json::from_slice(&seg.body).expect("just serialised");
        merge::record_local(&self.db, &log.tables, &body.ops, &stamp_of(&seg, id))?;
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

    /// Opens a format-2 catalog: the snapshot that covers most (and authenticates), then
    /// every segment after it that can be applied. `device` is this device's id (from its
    /// device state, or new). Problems are collected, never fatal; the caller decides what
    /// they mean (read-only, warnings).
    pub(crate) fn open_journal(
        layout: &Layout,
        identity: &age::x25519::Identity,
        mac: MacKey,
        vault: [u8; 16],
        device: DeviceId,
    ) -> Result<(Catalog, Touched, Vec<String>)> {
        let mut warnings = Vec::new();
        let journal = Journal::new(&layout.root);
        let listing = journal
            .list()
            .map_err(Error::io("cannot list the journal", journal.dir()))?;
        // The snapshot that covers most, by its header; the full read authenticates it.
        let mut candidates: Vec<(u64, u64, DeviceId, PathBuf)> = cache::list(&layout.root)
            .into_iter()
            .filter_map(|(d, p)| cache::peek(&p, identity).map(|(total, hlc)| (total, hlc, d, p)))
            .collect();
        candidates.sort_by_key(|c| std::cmp::Reverse((c.0, c.1)));
        let mut start = None;
        for (_, _, writer, path) in candidates {
            match cache::load(&path, writer, identity, &mac, &vault) {
                Ok(loaded) => {
                    start = Some(loaded);
                    break;
                }
                Err(e) => warnings.push(format!(
                    "snapshot {} was skipped (it is only a cache; the journal is replayed instead): {e}",
                    path.display()
                )),
            }
        }
        let (db, covered, hlc) = match start {
            Some(s) => (s.db, s.covered, s.hlc),
            None => {
                let db = Connection::open_in_memory()?;
                super::configure(&db)?;
                schema::create_empty(&db)?;
                (db, Coverage::new(), 0)
            }
        };
        super::configure(&db)?;
        let version = schema::check_state(&db)?;
        if version != schema::SCHEMA_VERSION {
            return Err(Error::Corrupt(format!(
                "a snapshot of schema {version}, expected {}",
                schema::SCHEMA_VERSION
            )));
        }
        let tables = Tables::load(&db, schema::LOGGED_TABLES)?;
        prepare(&db, &tables, device)?;
        let mut heads = BTreeMap::new();
        for (d, (seq, id)) in &covered {
            let hlc: i64 = db
                .query_row(
                    "SELECT hlc FROM _segments WHERE device = ?1 AND seq = ?2",
                    params![d.to_string(), *seq as i64],
                    |r| r.get(0),
                )
                .unwrap_or(0);
            heads.insert(
                *d,
                Head {
                    seq: *seq,
                    id: *id,
                    hlc: hlc as u64,
                },
            );
        }
        let mut catalog = Catalog::fresh(db, &super::snapshot::CATALOG);
        catalog.log = Some(Log {
            tables,
            mac,
            vault,
            device,
            hlc,
            heads,
            problems: Vec::new(),
            debris: {
                // What sync engines left in the journal, the vault's root and its snapshots.
                let mut d = listing.debris.clone();
                d.extend(crate::storage::debris::recognised_in(&layout.root, 0));
                d.extend(crate::storage::debris::recognised_in(
                    &layout.snapshots(),
                    1,
                ));
                d
            },
            since_snapshot: 0,
            stuck: BTreeSet::new(),
        });
        let touched = catalog.replay(&journal, &listing.segments, identity)?;
        Ok((catalog, touched, warnings))
    }

    /// Reads every segment after the applied heads and applies those whose predecessors are
    /// there, until nothing more can be applied; reports what is left.
    fn replay(
        &mut self,
        journal: &Journal,
        on_disk: &BTreeMap<DeviceId, BTreeSet<u64>>,
        identity: &age::x25519::Identity,
    ) -> Result<Touched> {
        let log = self.log.as_mut().expect("a format-2 catalog");
        // Each device's run of consecutive segments after what is applied (a gap ends it).
        let mut jobs: Vec<(DeviceId, u64)> = Vec::new();
        for (device, seqs) in on_disk {
            let from = log.heads.get(device).map_or(0, |h| h.seq);
            for (expect, &seq) in (from + 1..).zip(seqs.range(from + 1..)) {
                if seq != expect {
                    log.problems.push(Problem::Missing {
                        device: *device,
                        from: expect,
                        to: seq - 1,
                        made: None,
                        known_by: "a later entry of the same device".into(),
                    });
                    break;
                }
                jobs.push((*device, seq));
            }
        }
        // Decrypting is most of the cost (an X25519 agreement per file): on every core.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 4);
        let chunk = jobs.len().div_ceil(threads).max(1);
        let (mac, vault) = (&log.mac, &log.vault);
        let mut read: BTreeMap<(DeviceId, u64), ReadResult> = std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .map(|&(d, q)| ((d, q), journal.read(d, q, identity, mac, vault)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a segment reader does not panic"))
                .collect()
        });
        let mut pending: BTreeMap<DeviceId, Vec<(Segment, SegmentId)>> = BTreeMap::new();
        let mut broken: BTreeSet<DeviceId> = BTreeSet::new();
        for (device, seq) in jobs {
            if broken.contains(&device) {
                continue;
            }
            match read.remove(&(device, seq)).expect("every job was read") {
                Ok(s) => pending.entry(device).or_default().push(s),
                Err(e) => {
                    log.problems.push(Problem::Damaged {
                        path: journal.path(device, seq),
                        why: e.to_string(),
                    });
                    broken.insert(device);
                }
            }
        }
        // One transaction for the whole replay, a savepoint per segment (a segment that fails
        // to apply leaves nothing), foreign keys off (see `merge::apply_remote`).
        self.db.execute_batch("PRAGMA foreign_keys = OFF; BEGIN")?;
        let result = self.apply_pending(journal, &pending);
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        self.db
            .execute_batch(&format!("{end}; PRAGMA foreign_keys = ON"))?;
        let log = self.log.as_mut().expect("format 2");
        for (device, seqs) in on_disk {
            let applied = log.heads.get(device).map_or(0, |h| h.seq);
            if seqs.last().is_some_and(|&last| last > applied) {
                log.stuck.insert(*device);
            }
        }
        result
    }

    fn apply_pending(
        &mut self,
        journal: &Journal,
        pending: &BTreeMap<DeviceId, Vec<(Segment, SegmentId)>>,
    ) -> Result<Touched> {
        let mut touched = Touched::new();
        let mut cursor: BTreeMap<DeviceId, usize> = BTreeMap::new();
        loop {
            let mut progressed = false;
            for (device, segs) in pending {
                let i = cursor.get(device).copied().unwrap_or(0);
                let Some((seg, id)) = segs.get(i) else {
                    continue;
                };
                let log = self.log.as_ref().expect("format 2");
                let prev_ok = match log.heads.get(device) {
                    Some(h) => h.seq + 1 == seg.seq && h.id == seg.prev,
                    None => seg.seq == 1 && seg.prev == SegmentId::NONE,
                };
                if !prev_ok {
                    let forked = log.heads.get(device).is_some_and(|h| h.seq + 1 == seg.seq);
                    let log = self.log.as_mut().expect("format 2");
                    if forked {
                        log.problems.push(Problem::Fork {
                            device: *device,
                            seq: seg.seq - 1,
                        });
                    }
                    cursor.insert(*device, usize::MAX); // nothing more of this device applies
                    continue;
                }
                let ready = seg
                    .deps
                    .iter()
                    .all(|d| log.heads.get(&d.device).is_some_and(|h| h.seq >= d.seq));
                if !ready {
                    continue;
                }
                match self.apply_segment(seg, *id) {
                    Ok(t) => {
                        touched.extend(t);
                        let log = self.log.as_mut().expect("format 2");
                        log.heads.insert(
                            *device,
                            Head {
                                seq: seg.seq,
                                id: *id,
                                hlc: seg.hlc,
                            },
                        );
                        log.hlc = log.hlc.max(seg.hlc);
                        log.since_snapshot += 1;
                        cursor.insert(*device, i + 1);
                        progressed = true;
                    }
                    Err(e) => {
                        let log = self.log.as_mut().expect("format 2");
                        log.problems.push(Problem::Damaged {
                            path: journal.path(*device, seg.seq),
                            why: format!("its changes could not be applied: {e}"),
                        });
                        cursor.insert(*device, usize::MAX);
                    }
                }
            }
            if !progressed {
                break;
            }
        }
        // What could not be applied waits for the segments it depends on.
        let log = self.log.as_mut().expect("format 2");
        for (device, segs) in pending {
            let i = cursor.get(device).copied().unwrap_or(0);
            let Some((seg, _)) = segs.get(i) else {
                continue;
            };
            for d in &seg.deps {
                let have = log.heads.get(&d.device).map_or(0, |h| h.seq);
                if have < d.seq {
                    log.problems.push(Problem::Missing {
                        device: d.device,
                        from: have + 1,
                        to: d.seq,
                        made: None,
                        known_by: format!("device {device}"),
                    });
                }
            }
        }
        log.problems.sort_by_key(|p| format!("{p:?}"));
        log.problems.dedup();
        Ok(touched)
    }

    /// Applies one segment inside the replay's transaction, in a savepoint of its own: one
    /// that fails leaves nothing (see [`merge::apply_remote`]).
    fn apply_segment(&mut self, seg: &Segment, id: SegmentId) -> Result<Touched> {
        let body: Body = serde_json::from_slice(&seg.body)
            .map_err(|e| Error::Corrupt(format!("its body is not a list of changes: {e}")))?;
        let log = self.log.as_ref().expect("format 2");
        self.db.execute_batch("SAVEPOINT segment")?;
        match merge::apply_remote(&self.db, &log.tables, &body.ops, &stamp_of(seg, id)) {
            Ok(touched) => {
                self.db.execute_batch("RELEASE segment")?;
                Ok(touched)
            }
            Err(e) => {
                self.db
                    .execute_batch("ROLLBACK TO segment; RELEASE segment")?;
                Err(e)
            }
        }
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
