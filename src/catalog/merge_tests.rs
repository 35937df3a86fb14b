//! The merge's central promise, tested: the same segments give the same rows and the same
//! conflicts on every device, whatever causal order they arrive in.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::*;
use crate::catalog::capture::capture;
use crate::catalog::disputes::conflicts;

const SCHEMA: &str = "
CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT NOT NULL, notes TEXT NOT NULL DEFAULT '');
CREATE TABLE links (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE prefs (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";
const LOGGED: [&str; 3] = ["people", "links", "prefs"];

/// SplitMix64: a reproducible stream of test choices (not for secrets).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone)]
struct Written {
    stamp: Stamp,
    ops: Vec<Op>,
}

struct Device {
    name: String,
    db: Connection,
    tables: Tables,
    applied: BTreeMap<String, i64>,
    hlc: i64,
}

impl Device {
    fn new(name: &str) -> Device {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(SCHEMA).unwrap();
        db.execute_batch(BOOKKEEPING).unwrap();
        let tables = Tables::load(&db, &LOGGED).unwrap();
        tables.install_capture(&db).unwrap();
        Device {
            name: name.into(),
            db,
            tables,
            applied: BTreeMap::new(),
            hlc: 0,
        }
    }

    fn stamp(&mut self, wall: i64) -> Stamp {
        self.hlc = self.hlc.max(wall << 16) + 1;
        let seq = self.applied.get(&self.name).copied().unwrap_or(0) + 1;
        let mut vector = self.applied.clone();
        vector.insert(self.name.clone(), seq - 1);
        Stamp {
            device: self.name.clone(),
            seq,
            id: format!("{}-{seq}", self.name),
            hlc: self.hlc,
            vector,
        }
    }

    /// One random local command, written as a segment.
    fn act(&mut self, rng: &mut Rng, wall: i64) -> Written {
        let people: Vec<String> = {
            let mut s = self
                .db
                .prepare("SELECT id FROM people ORDER BY id")
                .unwrap();
            s.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let pick = |rng: &mut Rng| people[rng.below(people.len())].clone();
        let choice = if people.is_empty() { 0 } else { rng.below(7) };
        let word = ["a", "b", "c"][rng.below(3)];
        let db = &self.db;
        let ((), ops) = capture(db, &self.tables, || {
            match choice {
                0 => {
                    let id = format!("p{}", rng.below(6));
                    db.execute(
                        "INSERT OR IGNORE INTO people (id, name) VALUES (?1, ?2)",
                        [&id, word],
                    )?;
                }
                1 => {
                    db.execute(
                        "UPDATE people SET name = ?2 WHERE id = ?1",
                        [&pick(rng), word],
                    )?;
                }
                2 => {
                    db.execute(
                        "UPDATE people SET notes = ?2 WHERE id = ?1",
                        [&pick(rng), word],
                    )?;
                }
                3 => {
                    db.execute("DELETE FROM people WHERE id = ?1", [&pick(rng)])?;
                }
                4 => {
                    db.execute(
                        "INSERT OR IGNORE INTO links (a, b) VALUES (?1, ?2)",
                        [&pick(rng), &pick(rng)],
                    )?;
                }
                5 => {
                    db.execute("DELETE FROM links WHERE a = ?1", [&pick(rng)])?;
                }
                _ => {
                    db.execute(
                        "INSERT OR REPLACE INTO prefs (key, value) VALUES ('k', ?1)",
                        [word],
                    )?;
                }
            }
            Ok(())
        })
        .unwrap();
        let stamp = self.stamp(wall);
        record_local(&self.db, &self.tables, &ops, &stamp).unwrap();
        self.applied.insert(self.name.clone(), stamp.seq);
        Written { stamp, ops }
    }

    fn can_apply(&self, w: &Written) -> bool {
        let have = |d: &str| self.applied.get(d).copied().unwrap_or(0);
        have(&w.stamp.device) == w.stamp.seq - 1
            && w.stamp.vector.iter().all(|(d, &s)| have(d) >= s)
    }

    fn apply(&mut self, w: &Written) {
        let tx = self.db.unchecked_transaction().unwrap();
        apply_remote(&self.db, &self.tables, &w.ops, &w.stamp).unwrap();
        tx.commit().unwrap();
        self.applied.insert(w.stamp.device.clone(), w.stamp.seq);
        self.hlc = self.hlc.max(w.stamp.hlc);
    }

    fn dump(&self) -> String {
        let mut out = String::new();
        for sql in [
            "SELECT id || '=' || name || '/' || notes FROM people ORDER BY id",
            "SELECT a || '-' || b FROM links ORDER BY a, b",
            "SELECT key || '=' || value FROM prefs ORDER BY key",
        ] {
            let mut s = self.db.prepare(sql).unwrap();
            let rows: Vec<String> = s
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            out.push_str(&rows.join(" "));
            out.push('\n');
        }
        for c in conflicts(&self.db, &self.tables).unwrap() {
            out.push_str(&format!("conflict {} {} {:?}\n", c.table, c.key, c.column));
        }
        out
    }
}

/// Delivers every segment the device lacks, in a random causal order.
fn sync_all(dev: &mut Device, log: &[Written], rng: &mut Rng) {
    loop {
        let ready: Vec<&Written> = log
            .iter()
            .filter(|w| dev.applied.get(&w.stamp.device).copied().unwrap_or(0) < w.stamp.seq)
            .filter(|w| dev.can_apply(w))
            .collect();
        if ready.is_empty() {
            break;
        }
        let w = ready[rng.below(ready.len())].clone();
        dev.apply(&w);
    }
}

#[test]
fn every_causal_order_of_the_same_segments_gives_the_same_state() {
    let mut saw_conflict = false;
    for seed in 0..60u64 {
        let mut rng = Rng(seed);
        let mut devices: Vec<Device> = ["d1", "d2", "d3"].iter().map(|n| Device::new(n)).collect();
        let mut log: Vec<Written> = Vec::new();
        for round in 0..40 {
            let who = rng.below(3);
            let w = devices[who].act(&mut rng, 1000 + round);
            log.push(w);
            // Now and then a device receives part of what the others wrote.
            if rng.below(4) == 0 {
                let d = rng.below(3);
                let partial: Vec<Written> =
                    log.iter().take(rng.below(log.len() + 1)).cloned().collect();
                sync_all(&mut devices[d], &partial, &mut rng);
            }
        }
        for d in devices.iter_mut() {
            sync_all(d, &log, &mut rng);
            assert_eq!(
                d.applied.values().sum::<i64>() as usize,
                log.len(),
                "seed {seed}: everything applied"
            );
        }
        let first = devices[0].dump();
        saw_conflict |= first.contains("conflict");
        for d in &devices[1..] {
            assert_eq!(d.dump(), first, "seed {seed}: {} and d1 disagree", d.name);
        }
        // A fresh device that receives everything in yet another order agrees too.
        let mut late = Device::new("d4");
        sync_all(&mut late, &log, &mut rng);
        assert_eq!(
            late.dump(),
            first,
            "seed {seed}: a device that joins late disagrees"
        );
    }
    assert!(
        saw_conflict,
        "the histories must include concurrent edits, or the test proves little"
    );
}

fn two_devices_with(sql_a: &str, sql_b: &str) -> (Device, Device) {
    let mut a = Device::new("a");
    let mut b = Device::new("b");
    let write = |d: &mut Device, sql: &str, wall: i64| {
        let ((), ops) = capture(&d.db, &d.tables, || Ok(d.db.execute_batch(sql)?)).unwrap();
        let stamp = d.stamp(wall);
        record_local(&d.db, &d.tables, &ops, &stamp).unwrap();
        d.applied.insert(d.name.clone(), stamp.seq);
        Written { stamp, ops }
    };
    let base = write(
        &mut a,
        "INSERT INTO people (id, name, notes) VALUES ('p', 'Almaz', '')",
        1,
    );
    b.apply(&base);
    let wa = write(&mut a, sql_a, 2);
    let wb = write(&mut b, sql_b, 3);
    a.apply(&wb);
    b.apply(&wa);
    (a, b)
}

#[test]
fn concurrent_edits_of_one_field_keep_the_later_and_flag_the_row() {
    let (a, b) = two_devices_with(
        "UPDATE people SET name = 'Almaz A.' WHERE id = 'p'",
        "UPDATE people SET name = 'Алмаз' WHERE id = 'p'",
    );
    assert_eq!(a.dump(), b.dump());
    let name: String =
        a.db.query_row("SELECT name FROM people", [], |r| r.get(0))
            .unwrap();
    assert_eq!(name, "Алмаз", "the later write (by HLC) wins");
    let c = conflicts(&a.db, &a.tables).unwrap();
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].column, "name");
    assert_eq!(
        c[0].values.len(),
        2,
        "the losing value is kept and shown: {c:?}"
    );
    assert_eq!(c[0].values[1].0, Json::from("Almaz A."));
}

#[test]
fn edits_of_different_fields_merge_without_a_conflict() {
    let (a, b) = two_devices_with(
        "UPDATE people SET name = 'Almaz A.' WHERE id = 'p'",
        "UPDATE people SET notes = 'detained 2021' WHERE id = 'p'",
    );
    assert_eq!(a.dump(), b.dump());
    assert_eq!(a.dump().lines().next().unwrap(), "p=Almaz A./detained 2021");
    assert!(conflicts(&a.db, &a.tables).unwrap().is_empty());
}

#[test]
fn a_delete_against_a_concurrent_edit_keeps_the_entity_and_flags_it() {
    let (a, b) = two_devices_with(
        "DELETE FROM people WHERE id = 'p'",
        "UPDATE people SET notes = 'new statement' WHERE id = 'p'",
    );
    assert_eq!(a.dump(), b.dump());
    assert_eq!(
        a.dump().lines().next().unwrap(),
        "p=Almaz/new statement",
        "the edit keeps the person"
    );
    let c = conflicts(&a.db, &a.tables).unwrap();
    assert_eq!(c.len(), 1, "the kept entity is flagged: {c:?}");
    assert_eq!(c[0].column, "");
}

#[test]
fn a_delete_that_saw_the_edit_removes_the_row() {
    let mut a = Device::new("a");
    let ((), ops) = capture(&a.db, &a.tables, || {
        Ok(a.db.execute_batch(
            "INSERT INTO people (id, name) VALUES ('p', 'x'); INSERT INTO links VALUES ('p','q');",
        )?)
    })
    .unwrap();
    let s1 = a.stamp(1);
    record_local(&a.db, &a.tables, &ops, &s1).unwrap();
    a.applied.insert("a".into(), 1);
    let ((), ops2) = capture(&a.db, &a.tables, || {
        Ok(a.db.execute_batch("UPDATE people SET notes='n' WHERE id='p'; DELETE FROM people WHERE id='p'; DELETE FROM links;")?)
    })
    .unwrap();
    let s2 = a.stamp(2);
    record_local(&a.db, &a.tables, &ops2, &s2).unwrap();
    let mut b = Device::new("b");
    b.apply(&Written { stamp: s1, ops });
    b.apply(&Written {
        stamp: s2,
        ops: ops2,
    });
    assert_eq!(b.dump(), "\n\n\n");
    assert_eq!(a.dump(), b.dump());
}
