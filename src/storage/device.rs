//! This device's own small record of a vault, kept *outside* the vault (vault format 2):
//! its device id and name, its clock, and the newest segment it has seen from every device.
//! Whoever can write to the vault folder cannot edit it, so a vault that went back (newest
//! segments deleted, an older copy put back) is noticed at the next open.
//!
//! `$DOSSIER_STATE_DIR`, else `$XDG_STATE_HOME/dossier`, else `~/.local/state/dossier`; the file
//! is `<hex of the first 16 bytes of HMAC(K_mac, "device-state" ‖ the vault folder's absolute
//! path)>.age`, so it cannot be tied to a vault without its key. One vault folder on one
//! account is one device: a backup or a copy opened from another folder is a device of its
//! own (its changes merge like another computer's), while an older copy put back in the same
//! folder is noticed. Plaintext: magic "DSDEV\0\0\x02", the JSON below, the tag
//! HMAC-SHA-256(K_mac, magic ‖ JSON).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::storage::sealed;
use crate::storage::segment::MacKey;

const MAGIC: &[u8; 8] = b"DSDEV\0\0\x02";
const MAX_LEN: u64 = 16 << 20;

/// The newest segment of one device that this device has seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub seq: u64,
    /// Segment id, hex.
    pub id: String,
    /// The segment's HLC (its time, for messages).
    pub hlc: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceState {
    /// This device's id (hex); empty until the first open.
    pub device_id: String,
    /// Ids this device wrote under before (after it found its own segments missing, it goes on
    /// under a fresh id rather than write a second, different segment under an old number).
    #[serde(default)]
    pub retired_ids: Vec<String>,
    pub hlc: u64,
    /// Per device id (hex), the newest segment seen in this vault.
    pub heads: BTreeMap<String, Seen>,
}

/// Where device states live.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DOSSIER_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        let d = PathBuf::from(d);
        if d.is_absolute() {
            return Some(d.join("dossier"));
        }
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/dossier"))
}

fn file_for(dir: &Path, key: &MacKey, vault: &Path) -> PathBuf {
    let folder = vault
        .canonicalize()
        .or_else(|_| std::path::absolute(vault))
        .unwrap_or_else(|_| vault.to_path_buf());
    let mut input = b"device-state\0".to_vec();
    input.extend_from_slice(folder.as_os_str().as_encoded_bytes());
    let tag = key.tag(&input);
    dir.join(format!("{}.age", hex::encode(&tag[..16])))
}

/// Why the device state could not be read. Not fatal: the vault opens as on a new device and
/// says so (the state may have been deleted, or this is a new account).
#[derive(Debug)]
pub enum LoadError {
    Missing,
    Unreadable(String),
}

impl DeviceState {
    pub fn load(
        dir: &Path,
        vault: &Path,
        key: &MacKey,
        identity: &age::x25519::Identity,
    ) -> Result<DeviceState, LoadError> {
        let path = file_for(dir, key, vault);
        let bad = |e: String| LoadError::Unreadable(format!("{}: {e}", path.display()));
        let plain = match sealed::read(&path, identity, MAX_LEN) {
            Ok(p) => p,
            Err(sealed::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(LoadError::Missing);
            }
            Err(sealed::ReadError::Io(e)) => return Err(bad(e.to_string())),
            Err(sealed::ReadError::Decrypt(e)) => return Err(bad(e)),
            Err(sealed::ReadError::TooLarge) => return Err(bad("too large".into())),
        };
        if plain.len() < 8 + 32 || &plain[..8] != MAGIC {
            return Err(bad("not a Dossier device state".into()));
        }
        let (body, tag) = plain.split_at(plain.len() - 32);
        if !key.check(body, tag) {
            return Err(bad("its authentication tag does not verify".into()));
        }
        serde_json::from_slice(&body[8..]).map_err(|e| bad(e.to_string()))
    }

    /// Saves atomically (tmp, rename). Not fsynced: losing the newest update only makes the
    /// next check less strict; it can never report a loss that did not happen, because the
    /// state is only written after what it records is durable in the vault.
    pub fn save(
        &self,
        dir: &Path,
        vault: &Path,
        key: &MacKey,
        recipient: &age::x25519::Recipient,
    ) -> std::io::Result<()> {
        fs::create_dir_all(dir)?;
        let _ = fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let mut plain = zeroize::Zeroizing::new(MAGIC.to_vec());
        plain.extend_from_slice(&serde_json::to_vec(self).expect("the state serialises"));
        let tag = key.tag(&plain);
        plain.extend_from_slice(&tag);
        let dest = file_for(dir, key, vault);
        let tmp = dir.join(format!(".{}.tmp", crate::storage::names::random_hex(8)));
        let result = (|| {
            sealed::write(&tmp, &plain, recipient)?;
            fs::rename(&tmp, &dest)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}
