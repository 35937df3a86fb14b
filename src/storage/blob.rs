//! Evidence blobs: one age file per item, holding the original bytes bit-exact behind a small
//! header and followed by zero padding, all inside the encryption.
//!
//! Plaintext layout (all integers little-endian):
//! ```text
//! 0   8   magic  "DSBLOB\0\x01"
//! 8   16  blob id (raw bytes of the file name: a swapped file is detected)
//! 24  8   data length L (u64)
//! 32  L   the original bytes
//! …       zero bytes up to padding::padded_len(32 + L)
//! ```
//! Writing reads the source once and pipelines read+hash, encryption and the write to disk on
//! separate threads, so both cores work.
//! Reading never calls data evidence before the whole file authenticated (age releases
//! plaintext chunk by chunk before it sees the end) and the hash matched.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use sha2::{Digest, Sha256};

use crate::progress::Progress;
use crate::storage::durable::EagerWriteback;
use crate::storage::padding::padded_len;

pub const MAGIC: &[u8; 8] = b"DSBLOB\0\x01";
pub const HEADER_LEN: u64 = 32;
/// Chunk size for streaming. Two of these are in memory at once, whatever the file size.
const CHUNK: usize = 4 << 20;
static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

/// What came out of writing a blob.
#[derive(Debug)]
pub struct Written {
    pub sha256: [u8; 32],
    /// The first bytes of the source, for content type detection.
    pub head: Vec<u8>,
    /// The whole source, when it was small enough to be read in one piece ([`SMALL`]): the
    /// caller can parse it without decrypting the blob again.
    pub data: Option<Vec<u8>>,
}

/// Sources up to this size are read, hashed and encrypted in one piece on the calling
/// thread: for a folder of small files, starting pipeline threads cost more than the work.
pub const SMALL: u64 = 1 << 20;

/// Why a write failed: the source (name it to the user) or the vault side.
#[derive(Debug)]
pub enum WriteError {
    Source(io::Error),
    /// The source did not have the length it had when we started.
    SourceChanged {
        actual: u64,
    },
    Vault(io::Error),
    Cancelled,
}

/// Encrypts `len` bytes from `source` into `out` as a blob, hashing on the way.
///
/// Three stages keep both cores busy: a helper reads and hashes the next chunk, this thread
/// encrypts, and a writer thread copies ciphertext into the kernel (which, on a VM, costs as
/// much as the encryption). Memory is bounded: two read buffers and a few write buffers.
pub fn write(
    source: &mut (dyn Read + Send),
    len: u64,
    blob_id: &[u8; 16],
    recipient: &age::x25519::Recipient,
    out: File,
    progress: &dyn Progress,
) -> Result<(Written, File), WriteError> {
    if len <= SMALL {
        return write_small(source, len, blob_id, recipient, out, progress);
    }
    let (tx, rx) = sync_channel::<Vec<u8>>(WRITE_DEPTH);
    let (pool_tx, pool_rx) = sync_channel::<Vec<u8>>(WRITE_DEPTH + 2);
    let failed = AtomicBool::new(false);
    std::thread::scope(|s| {
        let writer = s.spawn(|| write_out(out, rx, pool_tx, &failed));
        let sink = ChannelWriter {
            buf: Vec::with_capacity(WRITE_BUF),
            tx,
            pool: pool_rx,
            failed: &failed,
        };
        let encrypted = encrypt(source, len, blob_id, recipient, sink, progress);
        let (file, write_error) = writer.join().expect("writer thread panicked");
        match (encrypted, write_error) {
            (_, Some(e)) => Err(WriteError::Vault(e)),
            (Err(e), None) => Err(e),
            (Ok(written), None) => Ok((written, file)),
        }
    })
}

/// [`write`] for a source of at most [`SMALL`] bytes: one read, one encryption into memory,
/// one write.
fn write_small(
    source: &mut (dyn Read + Send),
    len: u64,
    blob_id: &[u8; 16],
    recipient: &age::x25519::Recipient,
    mut out: File,
    progress: &dyn Progress,
) -> Result<(Written, File), WriteError> {
    let data = read_exactly(source, len)?;
    if progress.is_cancelled() {
        return Err(WriteError::Cancelled);
    }
    let padded = padded_len(HEADER_LEN + len);
    // age adds a header and 16 bytes per 64 KiB chunk.
    let mut sealed = Vec::with_capacity(padded as usize + padded as usize / 4096 + 512);
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as _))
        .expect("a single X25519 recipient is always valid");
    let mut w = encryptor
        .wrap_output(&mut sealed)
        .map_err(WriteError::Vault)?;
    w.write_all(&header(blob_id, len))
        .map_err(WriteError::Vault)?;
    w.write_all(&data).map_err(WriteError::Vault)?;
    write_padding(&mut w, padded - HEADER_LEN - len).map_err(WriteError::Vault)?;
    w.finish().map_err(WriteError::Vault)?;
    out.write_all(&sealed).map_err(WriteError::Vault)?;
    progress.position(len);
    Ok((held(data), out))
}

/// Reads a source of at most [`SMALL`] bytes whole and hashes it, without writing a blob:
/// for evidence that goes into a pack ([`crate::storage::pack`]).
pub fn read_whole(source: &mut (dyn Read + Send), len: u64) -> Result<Written, WriteError> {
    debug_assert!(len <= SMALL);
    Ok(held(read_exactly(source, len)?))
}

fn read_exactly(source: &mut (dyn Read + Send), len: u64) -> Result<Vec<u8>, WriteError> {
    // One byte more than announced, so a source that grew is noticed.
    let mut data = vec![0u8; len as usize + 1];
    let n = fill(source, &mut data).map_err(WriteError::Source)?;
    if n as u64 != len {
        return Err(WriteError::SourceChanged { actual: n as u64 });
    }
    data.truncate(n);
    Ok(data)
}

fn held(data: Vec<u8>) -> Written {
    Written {
        sha256: Sha256::digest(&data).into(),
        head: data[..data.len().min(8192)].to_vec(),
        data: Some(data),
    }
}

/// The blob's plaintext header.
fn header(blob_id: &[u8; 16], len: u64) -> [u8; HEADER_LEN as usize] {
    let mut header = [0u8; HEADER_LEN as usize];
    header[..8].copy_from_slice(MAGIC);
    header[8..24].copy_from_slice(blob_id);
    header[24..32].copy_from_slice(&len.to_le_bytes());
    header
}

fn write_padding(w: &mut impl Write, mut pad: u64) -> io::Result<()> {
    while pad > 0 {
        let k = pad.min(ZEROS.len() as u64) as usize;
        w.write_all(&ZEROS[..k])?;
        pad -= k as u64;
    }
    Ok(())
}

const WRITE_BUF: usize = 1 << 20;
const WRITE_DEPTH: usize = 4;

/// The writer stage: copies ciphertext buffers into the file and hands them back for reuse.
/// After an error it keeps draining (so the encryptor never blocks) and reports the first one.
fn write_out(
    out: File,
    rx: Receiver<Vec<u8>>,
    pool: SyncSender<Vec<u8>>,
    failed: &AtomicBool,
) -> (File, Option<io::Error>) {
    let mut out = EagerWriteback::new(out);
    let mut error = None;
    for mut buf in rx {
        if error.is_none()
            && let Err(e) = out.write_all(&buf)
        {
            failed.store(true, Ordering::Relaxed);
            error = Some(e);
        }
        buf.clear();
        let _ = pool.try_send(buf);
    }
    (out.into_inner(), error)
}

/// Hands ciphertext to the writer stage in [`WRITE_BUF`] pieces.
struct ChannelWriter<'a> {
    buf: Vec<u8>,
    tx: SyncSender<Vec<u8>>,
    pool: Receiver<Vec<u8>>,
    failed: &'a AtomicBool,
}

impl ChannelWriter<'_> {
    fn send(&mut self) -> io::Result<()> {
        if self.failed.load(Ordering::Relaxed) {
            // The writer's own error is what gets reported; this only stops the encryption.
            return Err(io::Error::other("writing the blob failed"));
        }
        let next = self
            .pool
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(WRITE_BUF));
        let full = std::mem::replace(&mut self.buf, next);
        self.tx
            .send(full)
            .map_err(|_| io::Error::other("the writer thread stopped"))
    }
}

impl Write for ChannelWriter<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let take = data.len().min(WRITE_BUF - self.buf.len());
        self.buf.extend_from_slice(&data[..take]);
        if self.buf.len() == WRITE_BUF {
            self.send()?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.send()?;
        }
        Ok(())
    }
}

fn encrypt(
    source: &mut (dyn Read + Send),
    len: u64,
    blob_id: &[u8; 16],
    recipient: &age::x25519::Recipient,
    sink: ChannelWriter<'_>,
    progress: &dyn Progress,
) -> Result<Written, WriteError> {
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as _))
        .expect("a single X25519 recipient is always valid");
    let mut w = encryptor.wrap_output(sink).map_err(WriteError::Vault)?;
    w.write_all(&header(blob_id, len))
        .map_err(WriteError::Vault)?;

    let mut hasher = Sha256::new();
    let mut current = vec![0u8; CHUNK];
    let mut next = vec![0u8; CHUNK];
    let mut n = fill(source, &mut current).map_err(WriteError::Source)?;
    let head = current[..n.min(8192)].to_vec();
    let mut total = 0u64;
    while n > 0 {
        if progress.is_cancelled() {
            return Err(WriteError::Cancelled);
        }
        total += n as u64;
        if total > len {
            return Err(WriteError::SourceChanged { actual: total });
        }
        let chunk = &current[..n];
        let (read_next, wrote) = std::thread::scope(|s| {
            let helper = s.spawn(|| {
                hasher.update(chunk);
                fill(source, &mut next)
            });
            let wrote = w.write_all(chunk);
            (helper.join().expect("hashing thread panicked"), wrote)
        });
        wrote.map_err(WriteError::Vault)?;
        n = read_next.map_err(WriteError::Source)?;
        std::mem::swap(&mut current, &mut next);
        progress.position(total);
    }
    if total != len {
        return Err(WriteError::SourceChanged { actual: total });
    }
    write_padding(&mut w, padded_len(HEADER_LEN + len) - HEADER_LEN - len)
        .map_err(WriteError::Vault)?;
    let mut sink = w.finish().map_err(WriteError::Vault)?;
    sink.flush().map_err(WriteError::Vault)?;
    Ok(Written {
        sha256: hasher.finalize().into(),
        head,
        data: None,
    })
}

/// Reads until `buf` is full or the source ends.
fn fill(r: &mut (impl Read + ?Sized), buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Why a blob could not be read back as the evidence it should be.
#[derive(Debug)]
pub enum ReadError {
    /// The bytes on disk do not authenticate, or decrypt to something other than this blob.
    Changed(String),
    /// The file could not be read at all (permissions, I/O error).
    Unreadable(io::Error),
    /// Writing the plaintext to the caller's sink failed.
    Sink(io::Error),
    Cancelled,
}

/// What a fully authenticated blob contained.
#[derive(Debug)]
pub struct Authenticated {
    pub sha256: [u8; 32],
    pub len: u64,
}

/// Decrypts a blob, checks its header against `blob_id`, streams the data to `sink` while
/// hashing, and checks the padding and the end of the file. Only an `Ok` means every byte
/// authenticated; on `Err` whatever reached `sink` must be thrown away.
pub fn read(
    file: File,
    blob_id: &[u8; 16],
    identity: &age::x25519::Identity,
    sink: &mut (dyn Write + Send),
    progress: &dyn Progress,
) -> Result<Authenticated, ReadError> {
    let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(256 * 1024, file))
        .map_err(decrypt_error)?;
    let mut r = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(decrypt_error)?;
    let mut header = [0u8; HEADER_LEN as usize];
    r.read_exact(&mut header).map_err(stream_error)?;
    if &header[..8] != MAGIC {
        return Err(ReadError::Changed("not a Dossier blob (bad magic)".into()));
    }
    if &header[8..24] != blob_id {
        return Err(ReadError::Changed(
            "the file holds a different blob (swapped)".into(),
        ));
    }
    let len = u64::from_le_bytes(header[24..32].try_into().expect("8 bytes"));

    let mut hasher = Sha256::new();
    let first = CHUNK.min(usize::try_from(len).unwrap_or(CHUNK));
    let mut current = vec![0u8; first];
    // A blob that fits in one chunk is read and hashed on this thread alone.
    let mut next = if len > CHUNK as u64 {
        vec![0u8; CHUNK]
    } else {
        Vec::new()
    };
    let mut remaining = len;
    let mut n = fill(
        &mut r,
        &mut current[..CHUNK.min(usize::try_from(remaining).unwrap_or(CHUNK))],
    )
    .map_err(stream_error)?;
    while remaining > 0 {
        if n == 0 {
            return Err(ReadError::Changed(
                "the blob ends before its data does".into(),
            ));
        }
        if progress.is_cancelled() {
            return Err(ReadError::Cancelled);
        }
        remaining -= n as u64;
        let want = CHUNK.min(usize::try_from(remaining).unwrap_or(CHUNK));
        let chunk = &current[..n];
        let (wrote, read_next) = if want == 0 {
            hasher.update(chunk);
            (sink.write_all(chunk), Ok(0))
        } else {
            std::thread::scope(|s| {
                let helper = s.spawn(|| {
                    hasher.update(chunk);
                    sink.write_all(chunk)
                });
                let read_next = fill(&mut r, &mut next[..want]);
                (helper.join().expect("hashing thread panicked"), read_next)
            })
        };
        wrote.map_err(ReadError::Sink)?;
        progress.position(len - remaining);
        n = read_next.map_err(stream_error)?;
        std::mem::swap(&mut current, &mut next);
    }
    // The padding must be zeros of exactly the expected length, then the authenticated end.
    let mut pad = padded_len(HEADER_LEN + len) - HEADER_LEN - len;
    let mut buf = vec![0u8; (pad as usize).saturating_add(1).min(64 * 1024)];
    loop {
        let k = fill(&mut r, &mut buf).map_err(stream_error)?;
        if k == 0 {
            break;
        }
        if k as u64 > pad || buf[..k].iter().any(|&b| b != 0) {
            return Err(ReadError::Changed(
                "the padding after the data is not as written".into(),
            ));
        }
        pad -= k as u64;
    }
    if pad != 0 {
        return Err(ReadError::Changed(
            "the blob is shorter than its padded length".into(),
        ));
    }
    Ok(Authenticated {
        sha256: hasher.finalize().into(),
        len,
    })
}

pub(crate) fn decrypt_error(e: age::DecryptError) -> ReadError {
    match e {
        age::DecryptError::Io(e) => stream_error(e),
        other => ReadError::Changed(format!("does not decrypt with the vault key ({other})")),
    }
}

pub(crate) fn stream_error(e: io::Error) -> ReadError {
    match e.kind() {
        // age reports failed authentication as InvalidData; a cut-off file as UnexpectedEof.
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => {
            ReadError::Changed(format!("does not authenticate ({e})"))
        }
        _ => ReadError::Unreadable(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(bytes: &[u8]) -> Result<Vec<u8>, WriteError> {
        let identity = age::x25519::Identity::generate();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/unit-tmp")
            .join(format!("blob-{}-{}", std::process::id(), bytes.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}", bytes.len()));
        let out = File::create(&path).unwrap();
        let id = [7u8; 16];
        let written = write(
            &mut &bytes[..],
            bytes.len() as u64,
            &id,
            &identity.to_public(),
            out,
            &crate::progress::Silent,
        );
        let result = written.map(|(w, _)| {
            let mut back = Vec::new();
            let a = read(
                File::open(&path).unwrap(),
                &id,
                &identity,
                &mut back,
                &crate::progress::Silent,
            )
            .unwrap();
            assert_eq!(a.sha256, w.sha256);
            assert_eq!(a.sha256, <[u8; 32]>::from(Sha256::digest(bytes)));
            assert_eq!(w.data.is_some(), bytes.len() as u64 <= SMALL);
            let size = std::fs::metadata(&path).unwrap().len();
            assert!(
                size >= padded_len(HEADER_LEN + bytes.len() as u64),
                "padded"
            );
            back
        });
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    #[test]
    fn small_and_streamed_blobs_read_back_exactly() {
        for len in [0, 1, 1000, SMALL as usize, SMALL as usize + 1, 5 << 20] {
            let bytes: Vec<u8> = (0..len).map(|k| (k % 251) as u8).collect();
            assert_eq!(round_trip(&bytes).unwrap(), bytes, "{len} bytes");
        }
    }

    #[test]
    fn a_source_longer_or_shorter_than_announced_is_refused() {
        let identity = age::x25519::Identity::generate();
        for (announced, actual) in [(10u64, 11usize), (10, 9), (SMALL + 10, SMALL as usize + 11)] {
            let bytes = vec![1u8; actual];
            let out = tempfile_in_memory();
            let r = write(
                &mut &bytes[..],
                announced,
                &[0; 16],
                &identity.to_public(),
                out,
                &crate::progress::Silent,
            );
            assert!(
                matches!(r, Err(WriteError::SourceChanged { .. })),
                "{announced} announced, {actual} read: {:?}",
                r.map(|_| ())
            );
        }
    }

    /// A file nobody will read: /dev/null.
    fn tempfile_in_memory() -> File {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .unwrap()
    }
}
