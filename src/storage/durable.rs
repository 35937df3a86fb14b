//! Crash-safe file primitives: private modes, fsync of files *and* directories, and publication
//! by hard link (which never overwrites) so that a file either exists whole under its final name
//! or not at all. Every function returns the raw `io::Error`; callers add the path and context.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Fixed access/modification time stamped on vault files, so mtimes do not reveal activity.
/// (ctime cannot be set from user space; see docs/FORMAT.md, threat model.)
const NORMALISED_TIME: i64 = 946_684_800; // 2000-01-01T00:00:00Z

/// Creates a new file readable only by its owner; fails if it exists.
pub fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Creates a directory (not its parents) accessible only by its owner.
pub fn mkdir_private(path: &Path) -> io::Result<()> {
    DirBuilder::new().mode(0o700).create(path)
}

/// Like [`mkdir_private`], but an existing directory is fine.
pub fn ensure_dir_private(path: &Path) -> io::Result<bool> {
    match mkdir_private(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Makes a directory's entries (creations, renames, unlinks) durable.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Publishes a fully written and synced `tmp` file as `dest`, never replacing an existing
/// `dest`: hard link, fsync the destination directory, then drop the temporary name.
pub fn publish(tmp: &Path, dest: &Path) -> io::Result<()> {
    let linked = link_noreplace(tmp, dest)?;
    if let Some(dir) = dest.parent() {
        sync_dir(dir)?;
    }
    // Only once the new name is durable may the old one go.
    if linked {
        fs::remove_file(tmp)?;
    }
    Ok(())
}

/// Gives `from` the name `to` without ever replacing an existing `to`. Returns true when it
/// made a hard link (`from` still exists), false when it renamed: FAT and exFAT (most USB
/// sticks) have no hard links, and renameat2 with RENAME_NOREPLACE never replaces a file either.
fn link_noreplace(from: &Path, to: &Path) -> io::Result<bool> {
    match fs::hard_link(from, to) {
        Ok(()) => Ok(true),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EOPNOTSUPP)) => {
            use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
            renameat2(AT_FDCWD, from, AT_FDCWD, to, RenameFlags::RENAME_NOREPLACE)
                .map_err(io::Error::from)?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Gives a finished, fsynced `partial` file its final name `out` without ever replacing an
/// existing file (hard link, not rename), then syncs the folder. If anything fails after the
/// link, the copy is taken away again: the user must never find a file the command said it
/// did not make.
pub fn publish_copy(partial: &Path, out: &Path) -> io::Result<()> {
    let folder = || match out.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => sync_dir(dir),
        None => sync_dir(Path::new(".")),
    };
    if !link_noreplace(partial, out)? {
        return folder(); // renamed: nothing left to remove
    }
    if let Err(e) = fs::remove_file(partial).and_then(|()| folder()) {
        let _ = fs::remove_file(out);
        return Err(e);
    }
    Ok(())
}

/// Where an export is written before it gets its name: a hidden `.NAME.XXXXXXXX.partial` beside
/// `out`. A crash leaves a dot-file the user can recognise, never a half file under the name.
pub fn partial_path(out: &Path) -> std::path::PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}.{}.partial", super::names::random_hex(4)))
}

/// Stamps the fixed time on a vault file (best effort is not enough: errors are returned).
pub fn normalise_times(path: &Path) -> io::Result<()> {
    let t = filetime::FileTime::from_unix_time(NORMALISED_TIME, 0);
    filetime::set_file_times(path, t, t)
}

/// [`normalise_times`] on a file already open for writing (after its last write).
pub fn normalise_file_times(file: &File) -> io::Result<()> {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(NORMALISED_TIME as u64);
    file.set_times(std::fs::FileTimes::new().set_accessed(t).set_modified(t))
}

/// Opens a vault file for reading without updating its access time where the kernel allows it,
/// so that reading evidence leaves no trace of *which* item was opened.
pub fn open_read_noatime(path: &Path) -> io::Result<File> {
    match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOATIME)
        .open(path)
    {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => File::open(path),
        other => other,
    }
}

/// A file writer that asks the kernel to start writing back every [`EagerWriteback::STEP`]
/// bytes as they are written, instead of leaving gigabytes dirty for the final fsync: the disk
/// then works while we encrypt. It is only a hint (POSIX_FADV_DONTNEED starts non-blocking
/// writeback on Linux and drops the ciphertext from the page cache); durability still comes
/// from the final fsync, which also reports any writeback error.
pub struct EagerWriteback {
    file: File,
    written: u64,
    advised: u64,
}

impl EagerWriteback {
    const STEP: u64 = 32 << 20;

    pub fn new(file: File) -> Self {
        EagerWriteback {
            file,
            written: 0,
            advised: 0,
        }
    }

    pub fn into_inner(self) -> File {
        self.file
    }
}

impl io::Write for EagerWriteback {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.advised >= Self::STEP {
            let (offset, len) = (self.advised as i64, (self.written - self.advised) as i64);
            let _ = nix::fcntl::posix_fadvise(
                &self.file,
                offset,
                len,
                nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED,
            );
            self.advised = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
