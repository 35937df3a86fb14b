//! Where things live inside a vault directory, and the plaintext header that names the format.
//!
//! ```text
//! <vault>/                  0700
//!   DOSSIER                 plaintext header: "dossier vault\nformat 1\n" (nothing else)
//!   keys/passphrase.age     key slot: age(scrypt) of the vault's age identity
//!   keys/<32 hex>.age       further key slots: age(recovery key or plugin) of the same
//!   catalog/<32 hex>.age    catalog snapshot generations (encrypted SQLite)
//!   blobs/<2 hex>/<30 hex>.age   evidence, one age file per item
//!   tmp/                    files being written; swept when the vault is opened
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const HEADER_FILE: &str = "DOSSIER";
pub const FORMAT_VERSION: u32 = 1;
const HEADER_MAGIC: &str = "dossier vault";

pub fn header_text() -> String {
    format!("{HEADER_MAGIC}\nformat {FORMAT_VERSION}\n")
}

/// Reads the header and refuses anything but the format this build understands. This is the
/// first thing done to a vault, before any key is touched.
pub fn check_header(root: &Path) -> Result<()> {
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
    if found.trim() != FORMAT_VERSION.to_string() {
        return Err(Error::UnsupportedFormat {
            path: root.to_path_buf(),
            found: found.into(),
        });
    }
    Ok(())
}

/// Paths of one vault.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Layout { root: root.into() }
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
    pub fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
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
