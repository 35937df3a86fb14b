//! Evidence bytes in and out of the vault: writing an encrypted blob to `tmp/`, placing it, and
//! reading an item back (authenticated and checked against its SHA-256).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::items::Item;
use crate::notice::{Notice, NoticeKey};
use crate::progress::Progress;
use crate::storage::blob;
use crate::storage::durable;
use crate::storage::pack;

use super::Vault;

impl Vault {
    /// Decrypts an item into `sink`, failing if its bytes no longer match the catalog's
    /// SHA-256 (the caller must then discard what it wrote). The one path from a blob to
    /// plaintext outside the vault: extracts and dossiers both use it. `sink_error` names
    /// the caller's destination when writing to it fails.
    pub(crate) fn stream_item(
        &self,
        item: &Item,
        sink: &mut (dyn Write + Send),
        progress: &dyn Progress,
        sink_error: impl FnOnce(std::io::Error) -> Error,
    ) -> Result<()> {
        if item.purged_at.is_some() {
            return Err(Error::Purged {
                id: item.id.clone(),
                name: item.name.clone(),
            });
        }
        let integrity = |problem: String| Error::Integrity {
            id: item.id.clone(),
            name: item.name.clone(),
            problem,
        };
        if let Some(bytes) = self.packed_item(item)? {
            sink.write_all(&bytes).map_err(sink_error)?;
            progress.position(item.size);
            return Ok(());
        }
        let path = self.layout.blob(&item.blob);
        let file = durable::open_read_noatime(&path).map_err(|e| {
            integrity(format!(
                "its encrypted file {} cannot be opened: {e}",
                path.display()
            ))
        })?;
        match blob::read(
            file,
            &blob_id(&item.blob),
            &self.key.identity,
            sink,
            progress,
        ) {
            Ok(a) if hex::encode(a.sha256) == item.sha256 && a.len == item.size => Ok(()),
            Ok(_) => Err(integrity(
                "its SHA-256 no longer matches the catalog".into(),
            )),
            Err(blob::ReadError::Changed(p)) => Err(integrity(p)),
            Err(blob::ReadError::Unreadable(e)) => Err(integrity(format!("unreadable: {e}"))),
            Err(blob::ReadError::Sink(e)) => Err(sink_error(e)),
            Err(blob::ReadError::Cancelled) => Err(Error::Cancelled),
        }
    }

    /// The pack holding a packed item's bytes: (pack id, its file, the offset of the bytes);
    /// `None` when the blob is a file of its own. The first pack whose file is here, live
    /// ones first (see [`crate::catalog::Catalog::pack_places`]); if none is, the first live
    /// one.
    pub(super) fn packed_place(&self, blob: &str) -> Result<Option<(String, PathBuf, u64)>> {
        let places = self.catalog.pack_places(blob)?;
        let mut found = None;
        for (pack, offset) in places {
            let path = self.layout.blob(&pack);
            if path.exists() {
                return Ok(Some((pack, path, offset)));
            }
            found.get_or_insert((pack, path, offset));
        }
        Ok(found)
    }

    /// A packed item's bytes, checked against its length and SHA-256; `None` when the item
    /// has a blob of its own.
    fn packed_item(&self, item: &Item) -> Result<Option<Vec<u8>>> {
        let Some((_, path, offset)) = self.packed_place(&item.blob)? else {
            return Ok(None);
        };
        let integrity = |problem: String| Error::Integrity {
            id: item.id.clone(),
            name: item.name.clone(),
            problem,
        };
        let file = durable::open_read_noatime(&path)
            .map_err(|e| integrity(format!("its pack {} cannot be opened: {e}", path.display())))?;
        match pack::read_member(file, &self.key.identity, offset, item.size) {
            Ok(bytes) if hex::encode(Sha256::digest(&bytes)) == item.sha256 => Ok(Some(bytes)),
            Ok(_) => Err(integrity(format!(
                "its SHA-256 in the pack {} no longer matches the catalog",
                path.display()
            ))),
            Err(blob::ReadError::Changed(p)) => {
                Err(integrity(format!("its pack {}: {p}", path.display())))
            }
            Err(blob::ReadError::Unreadable(e) | blob::ReadError::Sink(e)) => Err(integrity(
                format!("its pack {} is unreadable: {e}", path.display()),
            )),
            Err(blob::ReadError::Cancelled) => Err(Error::Cancelled),
        }
    }

    /// Moves a finished blob from `tmp/` to its final place, durably.
    pub(super) fn place_blob(&self, tmp: &Path, blob: &str) -> Result<()> {
        let dest = self.layout.blob(blob);
        let fan = dest.parent().expect("blob paths have a parent");
        let io = (|| {
            if durable::ensure_dir_private(fan)? {
                durable::sync_dir(&self.layout.blobs())?;
            }
            fs::hard_link(tmp, &dest)?;
            durable::sync_dir(fan)
        })();
        io.map_err(Error::io("cannot store the evidence file", &dest))?;
        let _ = fs::remove_file(tmp); // a leftover is swept at the next open
        Ok(())
    }

    /// Decrypts a blob into memory, authenticated and checked against its SHA-256. Only for
    /// items small enough to parse ([`crate::extract::MAX_EXTRACT_BYTES`]).
    fn read_blob(&self, path: &Path, blob: &str, sha256: &str, len: u64) -> Result<Vec<u8>> {
        let problem = |p: String| Error::Integrity {
            id: blob.to_string(),
            name: path.display().to_string(),
            problem: p,
        };
        let file = durable::open_read_noatime(path)
            .map_err(|e| problem(format!("cannot be opened: {e}")))?;
        let mut bytes = Vec::with_capacity(len as usize);
        let read = blob::read(
            file,
            &blob_id(blob),
            &self.key.identity,
            &mut bytes,
            &crate::progress::Silent,
        );
        match read {
            Ok(a) if hex::encode(a.sha256) == sha256 && a.len == len => Ok(bytes),
            Ok(_) => Err(problem("its SHA-256 does not match".into())),
            Err(blob::ReadError::Changed(p)) => Err(problem(p)),
            Err(blob::ReadError::Unreadable(e)) | Err(blob::ReadError::Sink(e)) => {
                Err(problem(e.to_string()))
            }
            Err(blob::ReadError::Cancelled) => Err(Error::Cancelled),
        }
    }

    /// The original bytes of an item (small enough to parse), authenticated.
    pub(crate) fn read_item(&self, item: &Item) -> Result<Vec<u8>> {
        if item.purged_at.is_some() {
            return Err(Error::Purged {
                id: item.id.clone(),
                name: item.name.clone(),
            });
        }
        if item.size > crate::extract::MAX_EXTRACT_BYTES {
            return Err(Error::Invalid(format!(
                "{} is too large to parse in memory",
                item.name
            )));
        }
        if let Some(bytes) = self.packed_item(item)? {
            return Ok(bytes);
        }
        self.read_blob(
            &self.layout.blob(&item.blob),
            &item.blob,
            &item.sha256,
            item.size,
        )
        .map_err(|e| match e {
            Error::Integrity { problem, .. } => Error::Integrity {
                id: item.id.clone(),
                name: item.name.clone(),
                problem,
            },
            other => other,
        })
    }

    /// Writes a blob to `tmp` and makes it durable on its own (an import of one file).
    pub(super) fn write_blob(
        &self,
        src: &mut (dyn std::io::Read + Send),
        path: &Path,
        len: u64,
        blob_id: &[u8; 16],
        tmp: &Path,
        progress: &dyn Progress,
    ) -> Result<blob::Written> {
        let written = BlobWriter {
            recipient: self.recipient.clone(),
        }
        .write(src, path, len, blob_id, tmp, progress)?;
        File::open(tmp)
            .and_then(|f| f.sync_all())
            .and_then(|()| durable::sync_dir(&self.layout.tmp()))
            .map_err(Error::io("cannot write to the vault", tmp))?;
        Ok(written)
    }
}

/// Writes evidence blobs into `tmp/`: all a writer needs is the vault's public recipient, so a
/// batch import runs it on a thread of its own while the catalog records the previous files.
pub(super) struct BlobWriter {
    pub(super) recipient: age::x25519::Recipient,
}

impl BlobWriter {
    /// Writes a blob to `tmp` without making it durable: a batch makes all its blobs durable
    /// at once (`syncfs`) before the segment that names them is written; [`Vault::write_blob`]
    /// makes one durable on its own.
    pub(super) fn write(
        &self,
        src: &mut (dyn std::io::Read + Send),
        path: &Path,
        len: u64,
        blob_id: &[u8; 16],
        tmp: &Path,
        progress: &dyn Progress,
    ) -> Result<blob::Written> {
        let out =
            durable::create_private(tmp).map_err(Error::io("cannot write to the vault", tmp))?;
        let (written, file) = blob::write(src, len, blob_id, &self.recipient, out, progress)
            .map_err(|e| write_error(e, path, len, tmp))?;
        durable::normalise_file_times(&file)
            .map_err(Error::io("cannot write to the vault", tmp))?;
        Ok(written)
    }

    /// Reads a small file whole and hashes it, writing nothing: its bytes go into a pack
    /// when its batch is recorded.
    pub(super) fn read_for_pack(
        &self,
        src: &mut (dyn std::io::Read + Send),
        path: &Path,
        len: u64,
    ) -> Result<blob::Written> {
        blob::read_whole(src, len).map_err(|e| write_error(e, path, len, path))
    }
}

/// A blob write's failure, naming the source or the vault file (`tmp`).
fn write_error(e: blob::WriteError, path: &Path, len: u64, tmp: &Path) -> Error {
    match e {
        blob::WriteError::Source(cause) => Error::Source {
            path: path.into(),
            cause,
        },
        blob::WriteError::SourceChanged { actual } => Error::SourceChanged {
            path: path.into(),
            expected: len,
            actual,
        },
        blob::WriteError::Vault(e) => Error::io("cannot write to the vault", tmp)(e),
        blob::WriteError::Cancelled => Error::Cancelled,
    }
}

pub(super) fn blob_id(blob: &str) -> [u8; 16] {
    let mut id = [0u8; 16];
    hex::decode_to_slice(blob, &mut id).expect("blob names in the catalog are 32 hex digits");
    id
}

impl Vault {
    /// Completes or undoes work a crash interrupted: a blob in this device's `tmp/` that a
    /// published journal segment names is moved into place (the import had been recorded); anything else in
    /// `tmp/` was never acknowledged and is removed; a purged item's leftover bytes and a
    /// retired pack are removed.
    /// Failures here are warnings, not errors: a vault on read-only media must still open.
    pub(super) fn finish_interrupted_work(&mut self) {
        if let Err(e) = self.sweep() {
            self.raise(Notice::new(
                NoticeKey::InterruptedWorkUntidy,
                &[&e],
                format!("could not tidy up interrupted work: {e}"),
            ));
        }
    }

    fn sweep(&mut self) -> Result<()> {
        let referenced: std::collections::HashMap<String, bool> =
            self.catalog.blobs()?.into_iter().collect();
        let tmp = self.layout.tmp();
        let entries = fs::read_dir(&tmp).map_err(Error::io("cannot list tmp", &tmp))?;
        let mut swept = false;
        for entry in entries.flatten() {
            let path = entry.path();
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue; // not written by us: `verify` reports it
            }
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            if referenced.get(&stem) == Some(&false) && !self.layout.blob(&stem).exists() {
                self.place_blob(&path, &stem)?;
                self.raise(Notice::new(
                    NoticeKey::InterruptedImportCompleted,
                    &[&stem],
                    format!("completed an interrupted import (blob {stem})"),
                ));
            } else {
                fs::remove_file(&path)
                    .map_err(Error::io("cannot remove a leftover file", &path))?;
                swept = true;
            }
        }
        if swept {
            durable::sync_dir(&tmp).map_err(Error::io("cannot sync", &tmp))?;
        }
        for (blob, purged) in &referenced {
            let path = self.layout.blob(blob);
            if *purged && path.exists() && self.replaced_everywhere(blob)? {
                fs::remove_file(&path).map_err(Error::io("cannot finish a purge", &path))?;
                self.raise(Notice::new(
                    NoticeKey::InterruptedPurgeFinished,
                    &[blob],
                    format!("finished an interrupted purge (blob {blob})"),
                ));
            }
        }
        Ok(())
    }
}
