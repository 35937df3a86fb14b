//! Opening a format-2 catalog: the snapshot that covers most, then every segment after it,
//! read on every core and applied in causal order in one transaction (a savepoint each);
//! gaps, damaged files and forks become [`Problem`]s, never a failed open.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rusqlite::{Connection, params};

use super::{Body, Head, KnownBy, Log, Problem, Touched, prepare, stamp_of};
use crate::catalog::cache::{self, Coverage};
use crate::catalog::capture::Tables;
use crate::catalog::{Catalog, merge, schema};
use crate::error::{Error, Result};
use crate::storage::journal::Journal;
use crate::storage::layout::Layout;
use crate::storage::segment::{DeviceId, MacKey, Segment, SegmentId};

type ReadResult = std::result::Result<(Segment, SegmentId), crate::storage::journal::ReadError>;

impl Catalog {
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
        // The snapshot that covers most, by its header; the full read authenticates it. One
        // after which every device's segments follow on without a gap comes first: a device
        // removes its own old segments once every snapshot covers them (compaction), so a
        // snapshot older than that would leave a hole.
        let mut candidates: Vec<(bool, u64, u64, DeviceId, PathBuf)> = cache::list(&layout.root)
            .into_iter()
            .filter_map(|(d, p)| {
                let peeked = cache::peek(&p, identity)?;
                let whole = follows_on(&peeked.covered, &listing.segments);
                Some((whole, peeked.total, peeked.hlc, d, p))
            })
            .collect();
        candidates.sort_by_key(|c| std::cmp::Reverse((c.0, c.1, c.2)));
        let mut start = None;
        for (_, _, _, writer, path) in candidates {
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
                crate::catalog::configure(&db)?;
                schema::create_empty(&db)?;
                (db, Coverage::new(), 0)
            }
        };
        crate::catalog::configure(&db)?;
        schema::upgrade_state(&db)?;
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
        let mut catalog = Catalog::fresh(db, &crate::catalog::snapshot::CATALOG);
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
                        known_by: KnownBy::LaterEntry,
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
                        known_by: KnownBy::Device(*device),
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
}

/// Whether every device's segments on disk continue right after what `covered` holds (none
/// missing in between).
fn follows_on(covered: &Coverage, on_disk: &BTreeMap<DeviceId, BTreeSet<u64>>) -> bool {
    on_disk.iter().all(|(device, seqs)| {
        let from = covered.get(device).map_or(0, |c| c.0);
        seqs.range(from + 1..)
            .next()
            .is_none_or(|&first| first == from + 1)
    })
}
