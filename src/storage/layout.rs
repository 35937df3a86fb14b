//! Where things live inside a vault directory, and the plaintext header that names the format.
//!
//! ```text
//! <vault>/                  0700
//!   DOSSIER                 plaintext header: "dossier vault\nformat 2\n" (nothing else)
//!   keys/passphrase.age     key slot: age(scrypt) of the vault's age identity
//!   keys/<32 hex>.age       further key slots: age(recovery key or plugin) of the same
//!   journal/<device>/<seq>.age   format 2: each device's write-once change segments
//!   snapshots/<device>/<32 hex>.age   format 2: caches of the state (encrypted SQLite)
//!   texts/<device>/<32 hex>.age  each device's text index (format 1: texts/<32 hex>.age)
//!   catalog/<32 hex>.age    format 1: catalog snapshot generations (kept after migrating)
//!   blobs/<2 hex>/<30 hex>.age   evidence, one age file per item
//!   tmp/<device>/           files being written; each device sweeps its own when it opens
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const HEADER_FILE: &str = "DOSSIER";
/// The format this build writes. It also opens format 1, and migrates it (docs/FORMAT.md).
pub const FORMAT_VERSION: u32 = 2;
const HEADER_MAGIC: &str = "dossier vault";

pub fn header_text() -> String {
    header_text_for(FORMAT_VERSION)
}

pub fn header_text_for(version: u32) -> String {
    format!("{HEADER_MAGIC}\nformat {version}\n")
}

/// Reads the header and refuses anything but a format this build understands (1 or 2), which
/// it returns. This is the first thing done to a vault, before any key is touched.
pub fn check_header(root: &Path) -> Result<u32> {
    let path = root.join(HEADER_FILE);
    let mut text = String::new();
    match crate::storage::durable::open_read_noatime(&path) {
        Ok(f) => f
            .take(256)
            .read_to_string(&mut text)
            .map_err(|_| Error::NotAVault {
                path: root.to_path_buf(),
            })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotAVault {
                path: root.to_path_buf(),
            });
        }
        Err(e) => return Err(Error::io("cannot read the vault header", &path)(e)),
    };
    let mut lines = text.lines();
    if lines.next() != Some(HEADER_MAGIC) {
        return Err(Error::NotAVault {
            path: root.to_path_buf(),
        });
    }
    let found = lines
        .next()
        .and_then(|l| l.strip_prefix("format "))
        .unwrap_or("");
    match found.trim() {
        "1" => Ok(1),
        "2" => Ok(2),
        _ => Err(Error::UnsupportedFormat {
            path: root.to_path_buf(),
            found: found.into(),
        }),
    }
}

/// Paths of one vault.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
    /// This device's id (32 hex) once a format-2 vault is open: scratch files and the text
    /// index then live in folders of its own, which no other device touches.
    pub device: Option<String>,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Layout {
            root: root.into(),
            device: None,
        }
    }
    pub fn header(&self) -> PathBuf {
        self.root.join(HEADER_FILE)
    }
    pub fn keys(&self) -> PathBuf {
        self.root.join("keys")
    }
    pub fn passphrase_slot(&self) -> PathBuf {
        self.keys().join("passphrase.age")
    }
    /// A further key slot (recovery key, plugin): `keys/<32 hex>.age`.
    pub fn slot(&self, id: &str) -> PathBuf {
        self.keys().join(format!("{id}.age"))
    }
    pub fn catalog(&self) -> PathBuf {
        self.root.join("catalog")
    }
    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }
    /// `tmp/`, shared, used before a device is known (creating a vault, unlocking).
    pub fn tmp_root(&self) -> PathBuf {
        self.root.join("tmp")
    }
    /// Where this device writes files before publishing them: `tmp/<device>/` (a sync
    /// engine may carry another device's half-written files into `tmp/`; only their writer
    /// may remove them).
    pub fn tmp(&self) -> PathBuf {
        match &self.device {
            Some(d) => self.tmp_root().join(d),
            None => self.tmp_root(),
        }
    }
    pub fn journal(&self) -> PathBuf {
        self.root.join("journal")
    }
    pub fn snapshots(&self) -> PathBuf {
        self.root.join("snapshots")
    }
    /// The text index folder: this device's own in format 2.
    pub fn texts(&self) -> PathBuf {
        match &self.device {
            Some(d) => self.root.join("texts").join(d),
            None => self.root.join("texts"),
        }
    }
    /// Final location of a blob: fanned out by its first byte so no directory grows huge.
    pub fn blob(&self, blob: &str) -> PathBuf {
        self.blobs()
            .join(&blob[..2])
            .join(format!("{}.age", &blob[2..]))
    }
    /// Where a blob is written before the catalog that names it is committed.
    pub fn tmp_blob(&self, blob: &str) -> PathBuf {
        self.tmp().join(format!("{blob}.age"))
    }
}
