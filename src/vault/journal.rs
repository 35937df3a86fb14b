//! Opening a format-2 vault's journal, migrating a format-1 vault to it, and this device's own
//! record of what it has seen (rollback detection). The rules are in docs/FORMAT.md, "Format 2".

use std::fs;
use std::path::Path;

use crate::catalog::Catalog;
use crate::catalog::log::{KnownBy, Problem, Touched, device_name};
use crate::error::{Error, Result};
use crate::keys::VaultKey;
use crate::notice::{Notice, NoticeKey};
use crate::storage::device::{self, DeviceState, Seen};
use crate::storage::durable;
use crate::storage::segment::{self, DeviceId, MacKey};

/// How many segments may be replayed at open before a fresh snapshot is written.
pub(super) const SNAPSHOT_AFTER: u64 = 64;
/// An open whose replay took longer than this writes a snapshot.
const SLOW_REPLAY_MS: u64 = 100;
/// How many segments this device writes before [`Vault::flush`] writes a snapshot.
pub(super) const SNAPSHOT_EVERY: u64 = 256;
/// A snapshot is the whole state: it waits until the segments since the last one are worth
/// this many bytes of state each, so that snapshots cost at most that per change, amortised.
const STATE_BYTES_PER_SEGMENT: u64 = 48 << 10;

/// Whether a snapshot is worth writing after `since` segments (at least `floor`).
fn snapshot_due(catalog: &Catalog, since: u64, floor: u64) -> bool {
    since >= floor.max(catalog.state_bytes() / STATE_BYTES_PER_SEGMENT)
}

/// This device's record of the vault, and where it lives; never fatal (a new account simply
/// has none yet, and a read-only home must not stop the vault from opening).
pub(super) fn load_state(
    root: &Path,
    key: &VaultKey,
    mac: &MacKey,
    notices: &mut Vec<Notice>,
) -> (DeviceState, Option<std::path::PathBuf>) {
    let Some(dir) = device::state_dir() else {
        notices.push(Notice::new(
            NoticeKey::DeviceRecordNowhere,
            &[],
            "no folder for this device's record (HOME is not set): a rollback of this vault \
             by someone with access to its folder would not be noticed here"
                .into(),
        ));
        return (DeviceState::default(), None);
    };
    match DeviceState::load(&dir, root, mac, &key.identity) {
        Ok(state) => (state, Some(dir)),
        Err(device::LoadError::Missing) => (DeviceState::default(), Some(dir)),
        Err(device::LoadError::Unreadable(e)) => {
            notices.push(Notice::new(
                NoticeKey::DeviceRecordUnreadable,
                &[&e],
                format!(
                    "this device's record of the vault could not be read ({e}); it starts afresh"
                ),
            ));
            (DeviceState::default(), Some(dir))
        }
    }
}

/// The notice for a device record that could not be saved in `dir`.
pub(super) fn record_unsaved(dir: &Path, e: &dyn std::fmt::Display) -> Notice {
    Notice::new(
        NoticeKey::DeviceRecordUnsaved,
        &[&dir.display(), e],
        format!(
            "this device's record of the vault could not be saved in {} ({e})",
            dir.display()
        ),
    )
}

/// The notice for a snapshot that could not be written.
pub(super) fn snapshot_unsaved(e: &dyn std::fmt::Display) -> Notice {
    Notice::new(
        NoticeKey::SnapshotUnsaved,
        &[e],
        format!("a snapshot to open faster next time could not be written: {e}"),
    )
}

/// This device, as a vault opens or is created: the journal key, its record, its id, and the
/// layout with its own folders.
pub(super) struct ThisDevice {
    pub mac: MacKey,
    pub vault_bytes: [u8; 16],
    pub state: DeviceState,
    pub state_dir: Option<std::path::PathBuf>,
    pub id: DeviceId,
    pub layout: crate::storage::layout::Layout,
    pub notices: Vec<Notice>,
}

pub(super) fn this_device(layout: crate::storage::layout::Layout, key: &VaultKey) -> ThisDevice {
    let (mac, vault_bytes) = key.journal_key();
    let mut notices = Vec::new();
    let (mut state, state_dir) = load_state(&layout.root, key, &mac, &mut notices);
    let id = device_id(&mut state);
    let mut layout = layout;
    layout.device = Some(id.to_string());
    ThisDevice {
        mac,
        vault_bytes,
        state,
        state_dir,
        id,
        layout,
        notices,
    }
}

/// The device id to write under: the recorded one, or a new one.
pub(super) fn device_id(state: &mut DeviceState) -> DeviceId {
    if let Some(id) = DeviceId::parse_hex(&state.device_id) {
        return id;
    }
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).expect("the operating system's random source works");
    let id = DeviceId(raw);
    state.device_id = id.to_string();
    id
}

/// What this computer calls itself: the first name a new device gets in the vault.
pub(super) fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this computer".into())
}

/// Compares the journal with what this device had seen; a vault behind it went back (or lost
/// files to a sync engine). If this device's own newest segments are gone it continues under
/// a new id: writing a second, different segment under a number it used would fork its chain.
pub(super) fn compare_with_state(catalog: &mut Catalog, state: &mut DeviceState) -> Result<()> {
    let log = catalog.log.as_mut().expect("format 2");
    let me = log.device();
    let mut missing = Vec::new();
    for (dev, seen) in &state.heads {
        let Some(d) = DeviceId::parse_hex(dev) else {
            continue;
        };
        let have = log.heads().get(&d).map_or(0, |h| h.seq);
        if have < seen.seq {
            missing.push(Problem::Missing {
                device: d,
                from: have + 1,
                to: seen.seq,
                made: Some(segment::hlc_millis(seen.hlc)),
                known_by: KnownBy::ThisDevice,
            });
        }
    }
    // Own segments gone (the vault went back), or on disk but not applicable (damaged): the
    // next number is taken either way.
    let own_missing = log.stuck.contains(&me)
        || missing
            .iter()
            .any(|p| matches!(p, Problem::Missing { device, .. } if *device == me));
    log.problems.extend(missing);
    if own_missing {
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).expect("the operating system's random source works");
        let new = DeviceId(raw);
        state.retired_ids.push(me.to_string());
        state.device_id = new.to_string();
        catalog.switch_device(new)?;
    }
    Ok(())
}

/// Records what this device has now seen (never less than before: a vault that went back
/// keeps being reported until what it lacks is back). Returns the notice to raise when the
/// record cannot be saved.
pub(super) fn save_state(
    catalog: &Catalog,
    state: &mut DeviceState,
    root: &Path,
    dir: Option<&Path>,
    recipient: &age::x25519::Recipient,
) -> Option<Notice> {
    let log = catalog.log.as_ref()?;
    for (d, h) in log.heads() {
        let entry = state.heads.entry(d.to_string()).or_insert(Seen {
            seq: 0,
            id: String::new(),
            hlc: 0,
        });
        if h.seq >= entry.seq {
            *entry = Seen {
                seq: h.seq,
                id: h.id.to_string(),
                hlc: h.hlc,
            };
        }
    }
    state.hlc = state.hlc.max(log.hlc());
    let dir = dir?;
    state
        .save(dir, root, log.mac(), recipient)
        .err()
        .map(|e| record_unsaved(dir, &e))
}

/// The warnings opening gives: the journal's problems and the sync-engine debris in it.
pub(super) fn describe(catalog: &Catalog) -> Vec<String> {
    notices(catalog).into_iter().map(|n| n.text).collect()
}

/// The journal's problems in words a user can act on.
pub(crate) fn describe_problems(catalog: &Catalog) -> Vec<String> {
    notices(catalog)
        .into_iter()
        .filter(|n| n.key != NoticeKey::SyncDebris)
        .map(|n| n.text)
        .collect()
}

/// The journal's problems and the sync-engine debris in the vault folder, each with its kind
/// and values (for a front end's own language) and in the core's words.
pub(crate) fn notices(catalog: &Catalog) -> Vec<Notice> {
    let Some(log) = catalog.log.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in &log.problems {
        out.push(match p {
            Problem::Damaged { path, why } => Notice::standing(
                NoticeKey::DamagedJournalFile,
                &[&path.display(), why],
                format!(
                    "journal file {} is damaged and was not applied: {why}",
                    path.display()
                ),
            ),
            Problem::Missing { device, from, to, made, known_by } => {
                let entries = if from == to {
                    format!("entry {from}")
                } else {
                    format!("entries {from}–{to}")
                };
                let day = made
                    .and_then(|ms| time::OffsetDateTime::from_unix_timestamp(ms / 1000).ok())
                    .map(|t| t.date().to_string())
                    .unwrap_or_default();
                let when = if day.is_empty() {
                    String::new()
                } else {
                    format!(", made on {day}")
                };
                let name = device_name(&catalog.db, *device);
                let (known, by) = match known_by {
                    KnownBy::LaterEntry => ("later_entry", String::new()),
                    KnownBy::ThisDevice => ("this_device", String::new()),
                    KnownBy::Device(d) => ("device", device_name(&catalog.db, *d)),
                };
                Notice::standing(
                    NoticeKey::MissingEntries,
                    &[from, to, &name, &day, &known, &by],
                    format!(
                        "{entries} of device {name}{when}, are missing from this vault (known to {known_by}): \
                         the vault went back, or a sync has not finished; waiting for those files. \
                         `dossier pull --from BACKUP` brings them back from a backup that has them"
                    ),
                )
            }
            Problem::Fork { device, seq } => {
                let name = device_name(&catalog.db, *device);
                Notice::standing(
                    NoticeKey::DeviceForked,
                    &[&name, seq],
                    format!(
                        "device {name} wrote two different entries numbered {seq}: two computers \
                         share one device record; both are kept and only the first is used"
                    ),
                )
            }
        });
    }
    for d in &log.debris {
        // The kind as named in JSON, so that its names are defined once (DebrisKind's serde).
        let kind = serde_json::to_value(d.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        out.push(Notice::standing(
            NoticeKey::SyncDebris,
            &[&d.path.display(), &kind],
            format!(
                "{} is {} (kept, never read)",
                d.path.display(),
                d.kind.describe()
            ),
        ));
    }
    out
}

/// The journal files that could not be read when the log was loaded (they stay on disk).
pub(super) fn damaged_segments(catalog: &Catalog) -> Vec<String> {
    let Some(log) = catalog.log.as_ref() else {
        return Vec::new();
    };
    log.problems
        .iter()
        .filter_map(|p| match p {
            Problem::Damaged { path, .. } => Some(path.display().to_string()),
            _ => None,
        })
        .collect()
}

/// Whether any problem means the vault must not be written until the user decides: a damaged
/// segment may hold changes that later ones build on.
pub(super) fn damage_notice(catalog: &Catalog) -> Option<String> {
    let damaged = damaged_segments(catalog);
    let accepted = catalog
        .info("accepted_damaged_segments")
        .ok()
        .flatten()
        .unwrap_or_default();
    let unaccepted: Vec<&String> = damaged
        .iter()
        .filter(|d| !accepted.contains(d.as_str()))
        .collect();
    if unaccepted.is_empty() {
        return None;
    }
    Some(format!(
        "journal file(s) {} could not be read, so the vault is open read-only to keep whatever \
         they hold. Copy the whole vault folder somewhere safe, then run \
         `dossier repair --accept-damaged-catalog` to continue without them",
        unaccepted
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Re-derives the search index for rows another device changed.
pub(super) fn reindex_touched(db: &rusqlite::Connection, touched: &Touched) -> Result<()> {
    // Every entry to write again, once each. An item's entry also names its cases and people
    // (`search::linked_names`): a link, a case or a person another device changed changes the
    // entries of the items that name them.
    let mut entries = std::collections::BTreeSet::new();
    for (table, key) in touched {
        let Ok(v) = serde_json::from_str::<Vec<serde_json::Value>>(key) else {
            continue;
        };
        let part = |i: usize| v.get(i).and_then(|x| x.as_str()).map(String::from);
        // The items whose entries name a case or person.
        let naming = |kind: &str, id: &str| -> Result<Vec<(&'static str, String)>> {
            Ok(crate::search::items_naming(db, kind, id)?
                .into_iter()
                .map(|i| ("item", i))
                .collect())
        };
        match (table.as_str(), part(0)) {
            ("items" | "extractions", Some(id)) => {
                entries.insert(("item", id));
            }
            ("case_items" | "person_items", _) => entries.extend(part(1).map(|i| ("item", i))),
            ("case_people", Some(case)) => entries.extend(naming("case", &case)?),
            ("cases" | "case_numbers" | "charges", Some(case)) => {
                if table == "cases" {
                    entries.extend(naming("case", &case)?);
                }
                entries.insert(("case", case));
            }
            ("people" | "aliases", Some(person)) => {
                entries.extend(naming("person", &person)?);
                entries.insert(("person", person));
            }
            ("events", Some(event)) => {
                entries.insert(("event", event));
            }
            _ => {}
        }
    }
    for (kind, id) in entries {
        let exists: bool = db
            .prepare_cached(match kind {
                "item" => "SELECT EXISTS (SELECT 1 FROM items WHERE id = ?1)",
                "case" => "SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?1)",
                "person" => "SELECT EXISTS (SELECT 1 FROM people WHERE id = ?1)",
                _ => "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1)",
            })?
            .query_row([&id], |r| r.get(0))?;
        if !exists {
            crate::search::unindex(db, kind, &id)?;
            continue;
        }
        match kind {
            "item" => crate::search::index_item(db, &id)?,
            "case" => crate::search::index_case(db, &id)?,
            "person" => crate::search::index_person(db, &id)?,
            _ => crate::search::index_event(db, &id)?,
        }
    }
    Ok(())
}

impl super::Vault {
    /// Reads the journal again (after files were added to it: a pull).
    pub(crate) fn reload(&mut self) -> Result<()> {
        let device = match self.catalog.log() {
            Some(l) => l.device(),
            None => return Ok(()),
        };
        let (mac, vault_bytes) = self.key.journal_key();
        self.load_journal(mac, vault_bytes, device)
    }

    /// The newest segment of each device that the state holds.
    pub(crate) fn applied_heads(&self) -> segment::Applied {
        self.catalog.log().map_or_else(Default::default, |l| {
            l.heads().iter().map(|(d, h)| (*d, h.seq)).collect()
        })
    }

    /// Writes a snapshot when this process has written or replayed enough segments since
    /// the last one (so the next open replays few); a failure is a warning: it is a cache.
    pub(super) fn snapshot_if_due(&mut self) {
        let since = self.catalog.log().map_or(0, |l| l.since_snapshot());
        if self.read_only.is_some() || !snapshot_due(&self.catalog, since, SNAPSHOT_EVERY) {
            return;
        }
        match self.catalog.save_snapshot(&self.layout, &self.recipient) {
            Ok(written) => self.compact(&written),
            Err(e) => self.raise(snapshot_unsaved(&e)),
        }
    }

    /// Moves the logged schema version on to this Dossier's, in a segment of its own, before
    /// the first change that uses a table the older version lacks (see
    /// `catalog::schema::upgrade_state`): until then, devices running the older Dossier keep
    /// working with the vault.
    pub(crate) fn upgrade_schema(&mut self) -> Result<()> {
        let current = crate::catalog::schema::SCHEMA_VERSION;
        let stated = self.catalog.info("schema_version")?;
        if self.catalog.log().is_none()
            || stated.and_then(|v| v.parse::<i64>().ok()) >= Some(current)
        {
            return Ok(());
        }
        self.commit(|cat, _| crate::catalog::schema::bump_state(&cat.db))?;
        Ok(())
    }

    /// Loads the journal: the best snapshot plus every segment after it; compares it with
    /// this device's record; reports every problem; makes the vault read-only if a segment is
    /// damaged; writes a fresh snapshot when much was replayed.
    pub(super) fn load_journal(
        &mut self,
        mac: MacKey,
        vault_bytes: [u8; 16],
        device: DeviceId,
    ) -> Result<()> {
        let started = std::time::Instant::now();
        let (mut catalog, touched, warnings) =
            Catalog::open_journal(&self.layout, &self.key.identity, mac, vault_bytes, device)?;
        // Replaying that long at every open is worth a snapshot, whatever the count.
        let slow = started.elapsed() > std::time::Duration::from_millis(SLOW_REPLAY_MS);
        self.warnings.extend(warnings);
        // A device running a newer Dossier may have moved the state on: never write over it.
        if let Some(found) = catalog.info("schema_version")?
            && found
                .parse::<i64>()
                .is_ok_and(|v| v > crate::catalog::schema::SCHEMA_VERSION)
        {
            return Err(Error::UnsupportedFormat {
                path: self.layout.journal(),
                found: format!("catalog schema {found}"),
            });
        }
        compare_with_state(&mut catalog, &mut self.device_state)?;
        let device = catalog.log().expect("format 2").device();
        self.layout.device = Some(device.to_string());
        reindex_touched(&catalog.db, &touched)?;
        self.warnings.extend(describe(&catalog));
        self.read_only = damage_notice(&catalog);
        self.catalog = catalog;
        // A vault on read-only media must still open: folders are made when first needed.
        let _ = durable::ensure_dir_private(&self.layout.tmp_root())
            .and_then(|_| durable::ensure_dir_private(&self.layout.tmp()));
        self.save_device_state();
        if self.read_only.is_none() {
            self.migrate_text_index();
        }
        let replayed = self.catalog.log().map_or(0, |l| l.since_snapshot());
        if self.read_only.is_none()
            && replayed > 0
            && (slow || snapshot_due(&self.catalog, replayed, SNAPSHOT_AFTER))
        {
            match self.catalog.save_snapshot(&self.layout, &self.recipient) {
                Ok(written) => self.compact(&written),
                Err(e) => self.raise(snapshot_unsaved(&e)),
            }
        }
        Ok(())
    }
}
