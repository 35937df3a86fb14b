//! State snapshots (vault format 2): `snapshots/<device>/<32 hex>.age`, the merged state that
//! names the segments it covers, so opening replays only what came after. Every row in it came
//! from segments; a damaged or missing snapshot makes the next open replay more, or start from
//! another snapshot. Once every snapshot in the folder (two of them the device's own, read
//! whole) covers a device's old segments, that device removes them (`vault::compaction`): the
//! snapshots, and every backup (which keeps all segments), are then their record.
//!
//! Plaintext (inside age, little-endian):
//! ```text
//! 0   8    magic "DSSNAP\0\x02"
//! 8   16   vault id
//! 24  16   device id (the writer; MUST equal the folder name)
//! 40  8    HLC of the writer when it wrote it
//! 48  4    D, then D × (device 16, seq 8, segment id 32): the newest segment covered per device
//! …   8    L, then L bytes: the SQLite database image
//! …   32   HMAC-SHA-256(K_mac, every byte above)
//! …        zeros up to the next power of two (at least 64 KiB): the state's size tracks the
//!          whole vault, so it gets only a coarse class
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, MAIN_DB};

use crate::error::{Error, Result};
use crate::storage::durable;
use crate::storage::names::{hex_age_entries, random_hex};
use crate::storage::padding::coarse_len;
use crate::storage::sealed;
use crate::storage::segment::{DeviceId, MacKey, SegmentId};

const MAGIC: &[u8; 8] = b"DSSNAP\0\x02";
/// Snapshots a device keeps of its own; older ones are removed after a new one is written.
pub const KEEP: usize = 2;
const MAX_DEVICES: u32 = 4096;
/// SQLite's in-memory limit, and ours.
const MAX_DB: u64 = 1 << 30;

/// The newest segment a snapshot (or the state) holds, per device.
pub type Coverage = BTreeMap<DeviceId, (u64, SegmentId)>;

/// A loaded snapshot.
pub struct Loaded {
    pub db: Connection,
    pub covered: Coverage,
    pub hlc: u64,
}

fn header(vault: &[u8; 16], device: DeviceId, hlc: u64, covered: &Coverage) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(vault);
    out.extend_from_slice(&device.0);
    out.extend_from_slice(&hlc.to_le_bytes());
    out.extend_from_slice(&(covered.len() as u32).to_le_bytes());
    for (d, (seq, id)) in covered {
        out.extend_from_slice(&d.0);
        out.extend_from_slice(&seq.to_le_bytes());
        out.extend_from_slice(&id.0);
    }
    out
}

/// Writes a snapshot of `db` durably, then removes this device's older ones.
#[allow(clippy::too_many_arguments)]
pub fn write(
    root: &Path,
    tmp: &Path,
    vault: &[u8; 16],
    device: DeviceId,
    hlc: u64,
    covered: &Coverage,
    db: &mut Connection,
    mac: &MacKey,
    recipient: &age::x25519::Recipient,
) -> Result<PathBuf> {
    let image = db.serialize(MAIN_DB)?;
    let mut plain = zeroize::Zeroizing::new(header(vault, device, hlc, covered));
    plain.extend_from_slice(&(image.len() as u64).to_le_bytes());
    plain.extend_from_slice(&image);
    drop(image);
    let tag = mac.tag(&plain);
    plain.extend_from_slice(&tag);
    let padded = coarse_len(plain.len() as u64) as usize;
    plain.resize(padded, 0);
    let folder = root.join("snapshots").join(device.to_string());
    let dest = folder.join(format!("{}.age", random_hex(16)));
    let tmp_file = tmp.join(format!("snapshot-{}.age", random_hex(8)));
    let io = (|| {
        if durable::ensure_dir_private(&root.join("snapshots"))? {
            durable::sync_dir(root)?;
        }
        if durable::ensure_dir_private(&folder)? {
            durable::sync_dir(&root.join("snapshots"))?;
        }
        sealed::write(&tmp_file, &plain, recipient)?;
        durable::normalise_times(&tmp_file)?;
        fs::File::open(&tmp_file)?.sync_all()?;
        durable::publish(&tmp_file, &dest)
    })();
    if let Err(e) = io {
        let _ = fs::remove_file(&tmp_file);
        return Err(Error::io("cannot write a snapshot", &dest)(e));
    }
    prune(&folder, &dest);
    Ok(dest)
}

/// Keeps this device's newest [`KEEP`] snapshots (by file time is not possible: times are
/// normalised; by the coverage they record is costly; so by creation order in ctime, which
/// the file system keeps).
fn prune(folder: &Path, newest: &Path) {
    use std::os::unix::fs::MetadataExt;
    let mut files: Vec<(i64, i64, PathBuf)> = hex_age_entries(folder, 32)
        .into_iter()
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((m.ctime(), m.ctime_nsec(), e.path()))
        })
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(KEEP);
    for (_, _, path) in files.into_iter().take(excess) {
        if path != newest {
            let _ = fs::remove_file(path);
        }
    }
}

/// Every snapshot file in the vault, with its writer.
pub fn list(root: &Path) -> Vec<(DeviceId, PathBuf)> {
    let mut out = Vec::new();
    for dev in fs::read_dir(root.join("snapshots"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let Some(device) = dev.file_name().to_str().and_then(DeviceId::parse_hex) else {
            continue;
        };
        for f in hex_age_entries(&dev.path(), 32) {
            out.push((device, f.path()));
        }
    }
    out
}

/// What a snapshot claims, read from its header alone.
pub struct Peeked {
    /// The sum of the covered seqs: how much it holds.
    pub total: u64,
    pub hlc: u64,
    pub covered: Coverage,
}

/// What a snapshot claims to cover, read from its header only (age authenticates what it
/// decrypts with the file key, but anyone with the public recipient can make such a file: the
/// HMAC, checked by [`load`] and [`authenticate`], is what proves a snapshot ours). Used to
/// pick which one to load, and by compaction only to hold back (never to allow) a removal.
pub fn peek(path: &Path, identity: &age::x25519::Identity) -> Option<Peeked> {
    let file = durable::open_read_noatime(path).ok()?;
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(file)).ok()?;
    let mut r = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .ok()?;
    let mut head = [0u8; 52];
    r.read_exact(&mut head).ok()?;
    if &head[..8] != MAGIC {
        return None;
    }
    let hlc = u64::from_le_bytes(head[40..48].try_into().ok()?);
    let n = u32::from_le_bytes(head[48..52].try_into().ok()?).min(MAX_DEVICES);
    let mut total = 0u64;
    let mut covered = Coverage::new();
    let mut dep = [0u8; 56];
    for _ in 0..n {
        r.read_exact(&mut dep).ok()?;
        let seq = u64::from_le_bytes(dep[16..24].try_into().ok()?);
        total = total.saturating_add(seq);
        let device = DeviceId(dep[..16].try_into().ok()?);
        covered.insert(device, (seq, SegmentId(dep[24..56].try_into().ok()?)));
    }
    Some(Peeked {
        total,
        hlc,
        covered,
    })
}

/// Reads and authenticates a whole snapshot (HMAC with the vault's secret) without loading
/// its database: what it covers, proven.
pub fn authenticate(
    path: &Path,
    writer: DeviceId,
    identity: &age::x25519::Identity,
    mac: &MacKey,
    vault: &[u8; 16],
) -> std::result::Result<Coverage, String> {
    let plain = read_plain(path, identity)?;
    parse(&plain, writer, mac, vault).map(|p| p.covered)
}

fn read_plain(
    path: &Path,
    identity: &age::x25519::Identity,
) -> std::result::Result<zeroize::Zeroizing<Vec<u8>>, String> {
    sealed::read(path, identity, MAX_DB * 2).map_err(|e| match e {
        sealed::ReadError::Io(e) => e.to_string(),
        sealed::ReadError::Decrypt(e) => format!("does not decrypt with this vault's key: {e}"),
        sealed::ReadError::TooLarge => "too large".into(),
    })
}

/// A snapshot's plaintext, checked: its coverage, clock and where the database image is.
struct Parsed {
    covered: Coverage,
    hlc: u64,
    image: std::ops::Range<usize>,
}

fn parse(
    plain: &[u8],
    writer: DeviceId,
    mac: &MacKey,
    vault: &[u8; 16],
) -> std::result::Result<Parsed, String> {
    let mut at = 0usize;
    let mut take = |n: usize| -> std::result::Result<std::ops::Range<usize>, String> {
        let end = at
            .checked_add(n)
            .filter(|&e| e <= plain.len())
            .ok_or("cut short")?;
        let range = at..end;
        at = end;
        Ok(range)
    };
    let bytes = |r: std::ops::Range<usize>| &plain[r];
    if bytes(take(8)?) != MAGIC {
        return Err("not a Dossier snapshot (bad magic)".into());
    }
    let v: [u8; 16] = bytes(take(16)?).try_into().expect("16");
    let d = DeviceId(bytes(take(16)?).try_into().expect("16"));
    let hlc = u64::from_le_bytes(bytes(take(8)?).try_into().expect("8"));
    let n = u32::from_le_bytes(bytes(take(4)?).try_into().expect("4"));
    if n > MAX_DEVICES {
        return Err("too many devices".into());
    }
    let mut covered = Coverage::new();
    for _ in 0..n {
        let dev = DeviceId(bytes(take(16)?).try_into().expect("16"));
        let seq = u64::from_le_bytes(bytes(take(8)?).try_into().expect("8"));
        let id = SegmentId(bytes(take(32)?).try_into().expect("32"));
        covered.insert(dev, (seq, id));
    }
    let len = u64::from_le_bytes(bytes(take(8)?).try_into().expect("8"));
    if len > MAX_DB {
        return Err("database length out of range".into());
    }
    let image = take(len as usize)?;
    let tag = take(32)?;
    if !mac.check(&plain[..tag.start], &plain[tag.clone()]) {
        return Err("its authentication tag does not verify (altered, or not written with this vault's key)".into());
    }
    let end = tag.end;
    if plain.len() as u64 != coarse_len(end as u64) || plain[end..].iter().any(|&b| b != 0) {
        return Err("unexpected bytes after the snapshot".into());
    }
    if &v != vault || d != writer {
        return Err("belongs to another vault or device than its place says".into());
    }
    Ok(Parsed {
        covered,
        hlc,
        image,
    })
}

/// Reads, authenticates and loads one snapshot. Errors say what is wrong; the caller reports
/// them with the path and falls back to another snapshot or to replaying everything.
pub fn load(
    path: &Path,
    writer: DeviceId,
    identity: &age::x25519::Identity,
    mac: &MacKey,
    vault: &[u8; 16],
) -> std::result::Result<Loaded, String> {
    let plain = read_plain(path, identity)?;
    let Parsed {
        covered,
        hlc,
        image,
    } = parse(&plain, writer, mac, vault)?;
    let len = image.len();
    let mut db = Connection::open_in_memory().map_err(|e| e.to_string())?;
    db.deserialize_read_exact(MAIN_DB, &plain[image], len, false)
        .map_err(|e| e.to_string())?;
    Ok(Loaded { db, covered, hlc })
}
