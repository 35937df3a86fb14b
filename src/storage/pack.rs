//! Packs: the original bytes of many small items in one age file. A folder of small files (a
//! phone dump, a scanned archive) then costs one encryption header, one padding and one file on
//! disk per batch instead of per file, and the disk no longer shows one file per item.
//!
//! The plaintext is a POSIX tar (ustar), so `age -d -i KEY pack.age | tar x` restores the
//! members without Dossier:
//! ```text
//! member 1   "dossier-pack"   "Dossier evidence pack <pack id, 32 hex>\n" (a swapped file is detected)
//! member 2…  "<blob id>"      one item's original bytes, bit-exact (mode 0600, mtime 0, uid/gid 0)
//! …          two zero blocks (the tar's end), then zero bytes up to padding::padded_len
//! ```
//! The catalog records each member's pack and the offset of its data in the plaintext; age's
//! STREAM is seekable in 64 KiB chunks, so one member is read without decrypting the rest. A
//! reader calls a member evidence only after its SHA-256 matched the catalog's.

use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};

use crate::storage::blob::{ReadError, decrypt_error, stream_error};
use crate::storage::padding::padded_len;

/// Items this small go into a pack: as a blob of their own they would all be padded to the
/// same 64 KiB floor, so a pack hides nothing a blob showed.
pub const MEMBER_MAX: u64 = 64 * 1024 - crate::storage::blob::HEADER_LEN;
/// A pack is closed once its plaintext reaches this size: verifying one reads it whole.
pub const PACK_MAX: usize = 16 << 20;
const LABEL_NAME: &str = "dossier-pack";
const BLOCK: u64 = 512;

fn label(pack_id: &str) -> String {
    format!("Dossier evidence pack {pack_id}\n")
}

/// A pack being built in memory (its plaintext never touches the disk).
pub struct Builder {
    id: String,
    tar: tar::Builder<Vec<u8>>,
    members: Vec<(String, u64)>,
}

impl Builder {
    pub fn new(pack_id: &str) -> Self {
        let mut b = Builder {
            id: pack_id.to_string(),
            tar: tar::Builder::new(Vec::with_capacity(1 << 20)),
            members: Vec::new(),
        };
        b.append(LABEL_NAME, label(pack_id).as_bytes());
        b
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The plaintext so far, in bytes.
    pub fn len(&self) -> usize {
        self.tar.get_ref().len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Adds one item's bytes under its blob name; returns the offset of its data.
    pub fn add(&mut self, blob: &str, data: &[u8]) -> u64 {
        let offset = self.append(blob, data);
        self.members.push((blob.to_string(), offset));
        offset
    }

    fn append(&mut self, name: &str, data: &[u8]) -> u64 {
        let mut header = tar::Header::new_ustar();
        header.set_path(name).expect("member names are short ASCII");
        header.set_size(data.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        let offset = self.len() as u64 + BLOCK;
        self.tar
            .append(&header, data)
            .expect("writing to memory does not fail");
        offset
    }

    /// Ends the tar, pads it and encrypts it to `recipient` into `out`. Returns the members
    /// (blob name, offset of its data).
    pub fn seal<W: Write>(
        self,
        recipient: &age::x25519::Recipient,
        mut out: W,
    ) -> io::Result<(Vec<(String, u64)>, W)> {
        let mut plain = self.tar.into_inner()?;
        plain.resize(padded_len(plain.len() as u64) as usize, 0);
        let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as _))
            .expect("a single X25519 recipient is always valid");
        let mut sealed = Vec::with_capacity(plain.len() + plain.len() / 4096 + 512);
        let mut w = encryptor.wrap_output(&mut sealed)?;
        w.write_all(&plain)?;
        w.finish()?;
        out.write_all(&sealed)?;
        Ok((self.members, out))
    }
}

/// Reads `len` bytes at `offset` of a pack's plaintext: one member, decrypting only the chunks
/// that hold it. The caller checks its SHA-256.
pub fn read_member(
    file: impl Read + Seek,
    identity: &age::x25519::Identity,
    offset: u64,
    len: u64,
) -> Result<Vec<u8>, ReadError> {
    let mut r = age::Decryptor::new_buffered(BufReader::with_capacity(64 * 1024, file))
        .and_then(|d| d.decrypt(std::iter::once(identity as &dyn age::Identity)))
        .map_err(decrypt_error)?;
    r.seek(SeekFrom::Start(offset)).map_err(stream_error)?;
    let mut data = vec![0u8; len as usize];
    r.read_exact(&mut data).map_err(stream_error)?;
    Ok(data)
}

/// A pack read whole and checked: authenticated to its end, its label naming `pack_id`, a
/// well-formed tar, and nothing but zeros of the right length after it.
pub struct Opened {
    plain: Vec<u8>,
    /// Members by blob name: (offset of the data, length).
    pub members: std::collections::HashMap<String, (u64, u64)>,
}

impl Opened {
    /// A member's bytes, if the pack holds one of that name at that offset and length.
    pub fn member(&self, blob: &str, offset: u64, len: u64) -> Option<&[u8]> {
        match self.members.get(blob) {
            Some(&(o, l)) if o == offset && l == len => {
                Some(&self.plain[o as usize..(o + l) as usize])
            }
            _ => None,
        }
    }
}

pub fn read_whole(
    file: impl Read,
    identity: &age::x25519::Identity,
    pack_id: &str,
) -> Result<Opened, ReadError> {
    let mut r = age::Decryptor::new_buffered(BufReader::with_capacity(256 * 1024, file))
        .and_then(|d| d.decrypt(std::iter::once(identity as &dyn age::Identity)))
        .map_err(decrypt_error)?;
    let mut plain = Vec::new();
    // Packs are written up to PACK_MAX plus one member and the padding: refuse what no
    // Dossier wrote before holding it all in memory.
    (&mut r)
        .take(padded_len(2 * PACK_MAX as u64) + 1)
        .read_to_end(&mut plain)
        .map_err(stream_error)?;
    if plain.len() as u64 > padded_len(2 * PACK_MAX as u64) {
        return Err(ReadError::Changed(
            "larger than any pack Dossier writes".into(),
        ));
    }
    let changed = |p: &str| ReadError::Changed(p.to_string());
    let mut members = std::collections::HashMap::new();
    let mut end = 0u64;
    let mut labelled = false;
    let mut archive = tar::Archive::new(&plain[..]);
    let entries = archive
        .entries()
        .map_err(|e| changed(&format!("not a tar: {e}")))?;
    for (i, entry) in entries.enumerate() {
        let entry = entry.map_err(|e| changed(&format!("a damaged tar header: {e}")))?;
        let name = entry.path_bytes().into_owned();
        let name = String::from_utf8(name).map_err(|_| changed("a member name is not UTF-8"))?;
        let (offset, size) = (entry.raw_file_position(), entry.size());
        if offset + size > plain.len() as u64 {
            return Err(changed("a member runs past the end"));
        }
        if i == 0 {
            let text = &plain[offset as usize..(offset + size) as usize];
            if name != LABEL_NAME || text != label(pack_id).as_bytes() {
                return Err(changed("the file holds a different pack (swapped)"));
            }
            labelled = true;
        } else {
            members.insert(name, (offset, size));
        }
        end = offset + size.div_ceil(BLOCK) * BLOCK;
    }
    if !labelled {
        return Err(changed("not a Dossier pack (no label)"));
    }
    let end = end + 2 * BLOCK;
    if plain.len() as u64 != padded_len(end)
        || plain[end.min(plain.len() as u64) as usize..]
            .iter()
            .any(|&b| b != 0)
    {
        return Err(changed("the padding after the members is not as written"));
    }
    Ok(Opened { plain, members })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Seek;

    type File = io::Cursor<Vec<u8>>;

    fn sealed(members: &[(&str, Vec<u8>)]) -> (age::x25519::Identity, File, Vec<(String, u64)>) {
        let identity = age::x25519::Identity::generate();
        let mut b = Builder::new("00112233445566778899aabbccddeeff");
        for (name, data) in members {
            b.add(name, data);
        }
        let (offsets, mut file) = b.seal(&identity.to_public(), File::default()).unwrap();
        file.rewind().unwrap();
        (identity, file, offsets)
    }

    #[test]
    fn members_read_back_one_by_one_and_whole() {
        let a = b"first item".to_vec();
        let b: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (id, file, offsets) = sealed(&[
            ("aa".repeat(16).as_str(), a.clone()),
            (&"bb".repeat(16), b.clone()),
        ]);
        assert_eq!(offsets.len(), 2);
        let one = read_member(file.clone(), &id, offsets[1].1, b.len() as u64).unwrap();
        assert_eq!(
            one, b,
            "a member beyond the first 64 KiB chunk is read by seeking"
        );
        let whole = read_whole(file, &id, "00112233445566778899aabbccddeeff").unwrap();
        assert_eq!(
            whole.member(&"aa".repeat(16), offsets[0].1, a.len() as u64),
            Some(&a[..])
        );
        assert_eq!(whole.member(&"aa".repeat(16), offsets[0].1, 3), None);
    }

    #[test]
    fn a_swapped_or_altered_pack_is_refused() {
        let (id, mut file, _) = sealed(&[(&"aa".repeat(16), b"x".to_vec())]);
        match read_whole(file.clone(), &id, "ffeeddccbbaa99887766554433221100") {
            Err(ReadError::Changed(p)) => assert!(p.contains("swapped"), "{p}"),
            other => panic!("{:?}", other.err()),
        }
        let mut bytes = std::mem::take(file.get_mut());
        let n = bytes.len();
        bytes[n - 100] ^= 1;
        let altered = File::new(bytes);
        assert!(matches!(
            read_whole(altered, &id, "00112233445566778899aabbccddeeff"),
            Err(ReadError::Changed(_))
        ));
    }
}
