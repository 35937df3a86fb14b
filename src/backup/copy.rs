//! Copying one vault file to another folder so that it can be trusted there: into that
//! folder's `tmp/`, synced, read back from the disk and compared, then given its name without
//! ever replacing a file. Used by backups and by `pull` (the other way round).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::storage::durable;
use crate::storage::layout::Layout;
use crate::storage::names::random_hex;

const CHUNK: usize = 1 << 20;

/// One file of the vault to mirror, by path relative to the vault root.
pub(crate) struct Entry {
    pub(crate) rel: PathBuf,
    pub(crate) len: u64,
    /// Files that can legitimately change in place (key slots, the header): compared by
    /// content, replaced atomically. Everything else is immutable and never replaced.
    pub(crate) mutable: bool,
}

/// Copies one file into the backup's `tmp/`, syncs it, reads it back from the disk (not the
/// page cache) to compare, then publishes it: by hard link for new files (never replacing),
/// by rename for the key slots and header that may legitimately change.
pub(crate) fn copy_verified(
    src: &Layout,
    dst: &Layout,
    e: &Entry,
    progress: &dyn Progress,
    done: &mut u64,
) -> Result<()> {
    let from = src.root.join(&e.rel);
    let to = dst.root.join(&e.rel);
    let tmp = dst.tmp_root().join(random_hex(16));
    let result = (|| -> Result<()> {
        if let Some(parent) = to.parent() {
            durable::ensure_dir_private(parent)
                .map_err(Error::io("cannot create a folder in the backup", parent))?;
        }
        let mut input =
            durable::open_read_noatime(&from).map_err(Error::io("cannot read", &from))?;
        let mut output =
            durable::create_private(&tmp).map_err(Error::io("cannot write to the backup", &tmp))?;
        let mut hash = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        loop {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let n = input
                .read(&mut buf)
                .map_err(Error::io("cannot read", &from))?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            output
                .write_all(&buf[..n])
                .map_err(Error::io("cannot write to the backup", &tmp))?;
            *done += n as u64;
            progress.position(*done);
        }
        output
            .sync_all()
            .map_err(Error::io("cannot write to the backup", &tmp))?;
        drop(output);
        let written = hash.finalize();
        if read_back(&tmp)? != written.as_slice() {
            return Err(Error::Io {
                what: "the copy does not read back as written (is the backup disk failing?)",
                path: tmp.clone(),
                cause: std::io::Error::other("read-back mismatch"),
            });
        }
        durable::normalise_times(&tmp).map_err(Error::io("cannot stamp", &tmp))?;
        if e.mutable {
            fs::rename(&tmp, &to).map_err(Error::io("cannot write to the backup", &to))
        } else {
            link_new(&tmp, &to)
        }
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Hashes a file as the disk returns it: after a sync, its cached pages are dropped first.
fn read_back(path: &Path) -> Result<Vec<u8>> {
    let mut f = File::open(path).map_err(Error::io("cannot read back", path))?;
    // Advice, not a guarantee (some file systems ignore it): at worst this reads the cache.
    let _ = nix::fcntl::posix_fadvise(
        &f,
        0,
        0,
        nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED,
    );
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(Error::io("cannot read back", path))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(hash.finalize().to_vec())
}

/// Gives a finished file its name without ever replacing one (hard link; FAT and exFAT, which
/// have none, get renameat2 with RENAME_NOREPLACE). The folder is synced later, in a batch.
fn link_new(tmp: &Path, to: &Path) -> Result<()> {
    match fs::hard_link(tmp, to) {
        Ok(()) => fs::remove_file(tmp).map_err(Error::io("cannot tidy the backup", tmp)),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EOPNOTSUPP)) => {
            use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
            renameat2(AT_FDCWD, tmp, AT_FDCWD, to, RenameFlags::RENAME_NOREPLACE)
                .map_err(|e| Error::io("cannot write to the backup", to)(e.into()))
        }
        Err(e) => Err(Error::io("cannot write to the backup", to)(e)),
    }
}

pub(crate) fn sync_dirs(dirs: &HashSet<PathBuf>) -> Result<()> {
    for d in dirs {
        durable::sync_dir(d).map_err(Error::io("cannot sync the backup", d))?;
    }
    Ok(())
}
