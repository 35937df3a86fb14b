//! The journal folder (vault format 2): `journal/<device id>/<seq>.age`, one write-once,
//! encrypted and authenticated segment per change a device made. This module knows files and
//! bytes only; what segments mean is the catalog's business.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::storage::debris::{self, Debris};
use crate::storage::segment::{self, DecodeError, DeviceId, MacKey, Segment, SegmentId};
use crate::storage::{durable, sealed};

/// Largest segment file read (a format-1 migration's genesis of a large catalog is the biggest).
pub const MAX_FILE: u64 = 1 << 30;

/// What the journal folder holds, by name only (nothing decrypted).
#[derive(Debug, Default)]
pub struct Listing {
    /// Every well-named segment file, per device.
    pub segments: BTreeMap<DeviceId, BTreeSet<u64>>,
    /// Files and folders that are not segments: sync-engine conflict copies and temporaries,
    /// stray files. Never read as segments, never deleted.
    pub debris: Vec<Debris>,
}

/// Why a segment file could not be used. Always reported with the file's path.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// age refused it: not for this vault's key, altered, or cut short.
    Decrypt(String),
    Decode(DecodeError),
    /// It authenticates but says it is another file (moved or copied under another name).
    Misplaced(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot be read: {e}"),
            ReadError::Decrypt(e) => write!(f, "does not decrypt with this vault's key: {e}"),
            ReadError::Decode(e) => write!(f, "{e}"),
            ReadError::Misplaced(e) => f.write_str(e),
        }
    }
}

pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    pub fn new(vault_root: &Path) -> Journal {
        Journal {
            dir: vault_root.join("journal"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, device: DeviceId, seq: u64) -> PathBuf {
        self.dir
            .join(device.to_string())
            .join(segment::file_name(seq))
    }

    /// Lists segments and debris. A missing journal folder is an empty journal.
    pub fn list(&self) -> std::io::Result<Listing> {
        let mut listing = Listing::default();
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(listing),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let device =
                DeviceId::parse_hex(&name).filter(|_| entry.file_type().is_ok_and(|t| t.is_dir()));
            let Some(device) = device else {
                listing.debris.push(debris::classify(entry.path(), &name));
                continue;
            };
            let seqs = listing.segments.entry(device).or_default();
            for file in fs::read_dir(entry.path())? {
                let file = file?;
                let fname = file.file_name().to_string_lossy().into_owned();
                match segment::parse_file_name(&fname)
                    .filter(|_| file.file_type().is_ok_and(|t| t.is_file()))
                {
                    Some(seq) => {
                        seqs.insert(seq);
                    }
                    None => listing.debris.push(debris::classify(file.path(), &fname)),
                }
            }
        }
        Ok(listing)
    }

    /// Reads, decrypts and authenticates one segment, and checks that it is the file its name
    /// says (device and seq inside match the path).
    pub fn read(
        &self,
        device: DeviceId,
        seq: u64,
        identity: &age::x25519::Identity,
        key: &MacKey,
        vault: &[u8; 16],
    ) -> Result<(Segment, SegmentId), ReadError> {
        let plain =
            sealed::read(&self.path(device, seq), identity, MAX_FILE).map_err(|e| match e {
                sealed::ReadError::Io(e) => ReadError::Io(e),
                sealed::ReadError::Decrypt(e) => ReadError::Decrypt(e),
                sealed::ReadError::TooLarge => {
                    ReadError::Decode(DecodeError::TooLarge("file size"))
                }
            })?;
        let (seg, id) = Segment::decode(&plain, key).map_err(ReadError::Decode)?;
        if seg.device != device || seg.seq != seq || &seg.vault != vault {
            return Err(ReadError::Misplaced(format!(
                "holds segment {} of device {} (of another vault: {}), not the one its name says",
                seg.seq,
                seg.device,
                &seg.vault != vault
            )));
        }
        Ok((seg, id))
    }

    /// Encrypts and publishes an encoded segment durably: written in `tmp`, fsynced, then
    /// hard-linked to its name, which must not exist (two writers with one device id: a
    /// fork, reported, never overwritten), then the device folder is fsynced. Returns the file
    /// size. (A journal needs hard links: FAT and exFAT sticks hold backups, not vaults.)
    pub fn write_encoded(
        &self,
        tmp: &Path,
        device: DeviceId,
        seq: u64,
        plain: &[u8],
        recipient: &age::x25519::Recipient,
    ) -> std::io::Result<u64> {
        let dest = self.path(device, seq);
        let folder = dest.parent().expect("a segment path has a folder");
        if durable::ensure_dir_private(&self.dir)? {
            durable::sync_dir(self.dir.parent().unwrap_or(Path::new(".")))?;
        }
        if durable::ensure_dir_private(folder)? {
            durable::sync_dir(&self.dir)?;
        }
        let tmp_file = tmp.join(format!("{device}-{}", segment::file_name(seq)));
        let written = (|| {
            let size = sealed::write(&tmp_file, plain, recipient)?;
            durable::normalise_times(&tmp_file)?;
            fs::File::open(&tmp_file)?.sync_all()?;
            fs::hard_link(&tmp_file, &dest)?;
            // Linked: from here a failure must take the new name away again, so a change
            // that was not reported done is never found by the next open.
            if let Err(e) = durable::sync_dir(folder) {
                let _ = fs::remove_file(&dest);
                return Err(e);
            }
            Ok(size)
        })();
        let _ = fs::remove_file(&tmp_file);
        written
    }
}

/// Takes back the newest segment this device wrote, when a later step of the same change
/// failed (the change was not reported done). Between writing and withdrawing lie
/// microseconds; a sync engine that copied it anyway makes the next segment under that number
/// a fork, which is reported, never silent.
pub fn withdraw(path: &Path) -> std::io::Result<()> {
    fs::remove_file(path)?;
    if let Some(dir) = path.parent() {
        durable::sync_dir(dir)?;
    }
    Ok(())
}
