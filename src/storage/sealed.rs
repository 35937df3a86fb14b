//! Small age files read and written whole: journal segments and the device state. (Blobs and
//! catalog snapshots stream; they have their own readers and writers.)

use std::io::{BufReader, Read, Write};
use std::path::Path;

use zeroize::Zeroizing;

use crate::storage::durable;

/// Encrypts `plain` to `recipient` into a new private file at `path` and returns its size.
/// The file is closed but not fsynced: the caller decides how durable it must be.
pub fn write(
    path: &Path,
    plain: &[u8],
    recipient: &age::x25519::Recipient,
) -> std::io::Result<u64> {
    let file = durable::create_private(path)?;
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as _))
        .expect("a single X25519 recipient is always valid");
    let mut w = encryptor.wrap_output(std::io::BufWriter::new(file))?;
    w.write_all(plain)?;
    let file = w.finish()?.into_inner().map_err(|e| e.into_error())?;
    file.metadata().map(|m| m.len())
}

/// Why a sealed file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// age refused it: not for this key, altered, or cut short.
    Decrypt(String),
    TooLarge,
}

/// Decrypts a whole file of at most `max` plaintext bytes. age authenticates every chunk and
/// the end, so what this returns is exactly what was written for this key's public half.
pub fn read(
    path: &Path,
    identity: &age::x25519::Identity,
    max: u64,
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let file = durable::open_read_noatime(path).map_err(ReadError::Io)?;
    let len = file.metadata().map_err(ReadError::Io)?.len();
    if len > max.saturating_add(max / 8 + 4096) {
        return Err(ReadError::TooLarge);
    }
    let decryptor = age::Decryptor::new_buffered(BufReader::new(file))
        .map_err(|e| ReadError::Decrypt(e.to_string()))?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| ReadError::Decrypt(e.to_string()))?;
    let mut plain = Zeroizing::new(Vec::with_capacity(len as usize));
    reader
        .by_ref()
        .take(max + 1)
        .read_to_end(&mut plain)
        .map_err(|e| ReadError::Decrypt(e.to_string()))?;
    if plain.len() as u64 > max {
        return Err(ReadError::TooLarge);
    }
    Ok(plain)
}
