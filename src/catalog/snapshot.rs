//! The catalog: all metadata (names, sizes, hashes, notes, the custody log) in an in-memory
//! SQLite database that reaches the disk only as encrypted snapshot *generations*.
//!
//! Snapshot plaintext (inside age, little-endian):
//! ```text
//! 0   8   magic "DSCATL\0\x01"
//! 8   8   generation (u64, +1 per save)
//! 16  8   saved at (i64, Unix seconds)
//! 24  8   database length L (u64)
//! 32  L   SQLite database image (sqlite3_serialize)
//! …       zeros up to padding::padded_len(32 + L) (the text index: padding::coarse_len)
//! ```
//! A save writes a whole new generation file and never touches older ones, so a crash leaves
//! the previous generation intact. Loading ranks files by the generation in their first,
//! authenticated STREAM chunk and fully reads the newest one that authenticates to its end.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, MAIN_DB};

use super::schema::{self, LoadError};
use super::{Catalog, configure};
use crate::error::{Error, Result};
use crate::storage::durable;
use crate::storage::layout::Layout;
use crate::storage::names::{is_hex_name, random_hex};
use crate::storage::padding::{coarse_len, padded_len};

/// A family of snapshot generations: the catalog itself, or the derived text index.
pub struct Family {
    /// Its folder (the text index: one per device in format 2).
    folder: fn(&Layout) -> PathBuf,
    /// The padded length of a plaintext of n bytes, for files this version writes.
    pad: fn(u64) -> u64,
    magic: &'static [u8; 8],
    /// Generations kept after a save.
    keep: u64,
    /// Checks (and upgrades) a loaded database; runs before anything trusts it.
    check: fn(&Connection) -> Result<schema::Upgrade, LoadError>,
}

/// The catalog: items, register, custody log.
pub static CATALOG: Family = Family {
    folder: Layout::catalog,
    pad: padded_len,
    magic: b"DSCATL\0\x01",
    keep: KEEP_GENERATIONS,
    check: schema::check_catalog,
};
/// The text index: extracted text for full-text search. Derived from the blobs and
/// rebuildable, so only the newest generation is kept (a purged item's text must not linger
/// in an older one).
pub static TEXTS: Family = Family {
    folder: Layout::texts,
    // Its size tracks all the text in the vault: only a coarse class (format 1 used Padmé).
    pad: coarse_len,
    magic: b"DSTEXT\0\x01",
    keep: 1,
    check: schema::check_texts,
};
const HEADER_LEN: u64 = 32;
/// Generations kept on disk; older ones are deleted after a successful save.
pub const KEEP_GENERATIONS: u64 = 8;

impl Catalog {
    /// Loads the newest generation that authenticates completely. Returns warnings about
    /// generations that were skipped.
    pub fn load(
        layout: &Layout,
        identity: &age::x25519::Identity,
    ) -> Result<(Catalog, Vec<String>)> {
        Self::load_family(layout, identity, &CATALOG)
    }

    pub fn load_family(
        layout: &Layout,
        identity: &age::x25519::Identity,
        family: &'static Family,
    ) -> Result<(Catalog, Vec<String>)> {
        let dir = (family.folder)(layout);
        let mut files = BTreeMap::new();
        let mut warnings = Vec::new();
        let mut candidates = Vec::new();
        for entry in fs::read_dir(&dir).map_err(Error::io("cannot list the catalog", &dir))? {
            let entry = entry.map_err(Error::io("cannot list the catalog", &dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".age").filter(|s| is_hex_name(s, 32)) else {
                continue;
            };
            let path = entry.path();
            match read_header(&path, identity, family) {
                Ok((generation, _, _)) => {
                    files.insert(stem.to_string(), Some(generation));
                    candidates.push((generation, path));
                }
                Err(e) => {
                    files.insert(stem.to_string(), None);
                    warnings.push(format!(
                        "catalog file {name} is unreadable and was skipped: {e}"
                    ));
                }
            }
        }
        candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
        let max_generation = candidates.first().map(|c| c.0).unwrap_or(0);
        for (generation, path) in candidates {
            match read_full(&path, identity, family) {
                Ok((db, saved_at, upgrade)) => {
                    if generation < max_generation {
                        warnings.push(format!(
                            "the newest catalog generation ({max_generation}) is damaged; \
                             opened generation {generation} instead"
                        ));
                    }
                    let catalog = Catalog {
                        db,
                        generation,
                        saved_at,
                        files,
                        max_seen: max_generation,
                        family,
                        search_index_stale: upgrade.search_index_stale,
                        log: None,
                    };
                    return Ok((catalog, warnings));
                }
                // A catalog from a newer Dossier is not damage: never fall back past it, or
                // the next save would fork history and lose what the newer one recorded.
                Err(LoadError::Unsupported(found)) => {
                    return Err(Error::UnsupportedFormat {
                        path: path.clone(),
                        found,
                    });
                }
                Err(LoadError::Damaged(e)) => {
                    if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                        files.insert(stem.to_string(), None); // never pruned, never trusted
                    }
                    warnings.push(format!(
                        "catalog generation {generation} ({}) failed to load: {e}",
                        path.display()
                    ))
                }
            }
        }
        Err(Error::Corrupt(format!(
            "no catalog generation in {} could be read{}",
            dir.display(),
            if warnings.is_empty() {
                String::new()
            } else {
                format!(": {}", warnings.join("; "))
            }
        )))
    }

    fn next_generation(&self) -> u64 {
        self.max_seen.max(self.generation) + 1
    }

    /// Writes the catalog as a new generation and makes it durable. Returns the new file's path
    /// so a caller can withdraw it if a later step of the same operation fails.
    pub fn save(
        &mut self,
        layout: &Layout,
        recipient: &age::x25519::Recipient,
        now: i64,
    ) -> Result<PathBuf> {
        let generation = self.next_generation();
        let name = random_hex(16);
        let tmp = layout.tmp().join(format!("{name}.age"));
        let dest = (self.family.folder)(layout).join(format!("{name}.age"));
        let result = self
            .write_snapshot(&tmp, recipient, generation, now)
            .and_then(|()| {
                durable::publish(&tmp, &dest).map_err(Error::io("cannot save the catalog", &dest))
            });
        if let Err(e) = result {
            // The link may have happened before the directory sync failed: a generation that
            // was not reported saved must not be found by the next load.
            let _ = fs::remove_file(&tmp);
            if fs::remove_file(&dest).is_ok() {
                let _ = durable::sync_dir(&(self.family.folder)(layout));
            }
            return Err(e);
        }
        self.generation = generation;
        self.max_seen = generation;
        self.saved_at = now;
        self.files.insert(name, Some(generation));
        self.prune(layout);
        Ok(dest)
    }

    fn write_snapshot(
        &mut self,
        tmp: &Path,
        recipient: &age::x25519::Recipient,
        generation: u64,
        now: i64,
    ) -> Result<()> {
        let data = self.db.serialize(MAIN_DB)?;
        let len = data.len() as u64;
        let mut header = [0u8; HEADER_LEN as usize];
        header[..8].copy_from_slice(self.family.magic);
        header[8..16].copy_from_slice(&generation.to_le_bytes());
        header[16..24].copy_from_slice(&now.to_le_bytes());
        header[24..32].copy_from_slice(&len.to_le_bytes());
        let pad = (self.family.pad)(HEADER_LEN + len) - HEADER_LEN - len;
        let io = (|| {
            let file = durable::create_private(tmp)?;
            let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as _))
                .expect("a single X25519 recipient is always valid");
            let mut w = encryptor.wrap_output(std::io::BufWriter::new(file))?;
            w.write_all(&header)?;
            w.write_all(&data)?;
            std::io::copy(&mut std::io::repeat(0).take(pad), &mut w)?;
            let file = w.finish()?.into_inner().map_err(|e| e.into_error())?;
            drop(file);
            durable::normalise_times(tmp)?;
            File::open(tmp)?.sync_all()
        })();
        io.map_err(Error::io("cannot write the catalog", tmp))
    }

    /// Deletes generations older than the newest [`KEEP_GENERATIONS`]. Unreadable files are
    /// kept: they may be evidence of tampering and are reported by `verify`.
    fn prune(&mut self, layout: &Layout) {
        let keep_from = self.generation.saturating_sub(self.family.keep - 1);
        let old: Vec<String> = self
            .files
            .iter()
            .filter(|(_, g)| matches!(g, Some(g) if *g < keep_from))
            .map(|(n, _)| n.clone())
            .collect();
        for name in old {
            if fs::remove_file((self.family.folder)(layout).join(format!("{name}.age"))).is_ok() {
                self.files.remove(&name);
            }
        }
    }
}

fn open_stream(path: &Path, identity: &age::x25519::Identity) -> Result<impl Read, String> {
    let file = durable::open_read_noatime(path).map_err(|e| e.to_string())?;
    let decryptor =
        age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| e.to_string())?;
    decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| e.to_string())
}

/// The generation number a catalog (or text index) file claims, read from its authenticated
/// first chunk: how a backup decides which side is newer without loading either.
pub(crate) fn file_generation(
    path: &Path,
    identity: &age::x25519::Identity,
    family: &Family,
) -> Result<u64, String> {
    read_header(path, identity, family).map(|(generation, _, _)| generation)
}

/// Reads the header from the first STREAM chunk, which age authenticates before releasing it.
fn read_header(
    path: &Path,
    identity: &age::x25519::Identity,
    family: &Family,
) -> Result<(u64, i64, u64), String> {
    let mut r = open_stream(path, identity)?;
    parse_header(&mut r, family)
}

fn parse_header(r: &mut impl Read, family: &Family) -> Result<(u64, i64, u64), String> {
    let mut h = [0u8; HEADER_LEN as usize];
    r.read_exact(&mut h).map_err(|e| e.to_string())?;
    if &h[..8] != family.magic {
        return Err("not a Dossier catalog (bad magic)".into());
    }
    let word = |i: usize| <[u8; 8]>::try_from(&h[i..i + 8]).expect("8 bytes");
    Ok((
        u64::from_le_bytes(word(8)),
        i64::from_le_bytes(word(16)),
        u64::from_le_bytes(word(24)),
    ))
}

fn read_full(
    path: &Path,
    identity: &age::x25519::Identity,
    family: &Family,
) -> Result<(Connection, i64, schema::Upgrade), LoadError> {
    let mut r = open_stream(path, identity)?;
    let (_, saved_at, len) = parse_header(&mut r, family)?;
    let len_usize = usize::try_from(len).map_err(|_| "database length out of range".to_string())?;
    if len > (1 << 30) {
        return Err(format!("database length {len} exceeds SQLite's in-memory limit").into());
    }
    let mut db = Connection::open_in_memory().map_err(|e| e.to_string())?;
    db.deserialize_read_exact(MAIN_DB, &mut r, len_usize, false)
        .map_err(|e| e.to_string())?;
    // The database is not trusted until the rest of the file (padding) authenticated. Either
    // class is accepted: Padmé (format 1, and the catalog) or this family's own.
    let classes = [padded_len(HEADER_LEN + len), (family.pad)(HEADER_LEN + len)];
    let most = classes.iter().max().copied().unwrap_or(0) - HEADER_LEN - len;
    let mut got = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let k = r.read(&mut buf).map_err(|e| e.to_string())?;
        if k == 0 {
            break;
        }
        if got + k as u64 > most || buf[..k].iter().any(|&b| b != 0) {
            return Err("unexpected bytes after the database".into());
        }
        got += k as u64;
    }
    if !classes.contains(&(HEADER_LEN + len + got)) {
        return Err("the catalog file is shorter than its padded length".into());
    }
    configure(&db).map_err(|e| e.to_string())?;
    let upgrade = (family.check)(&db)?;
    Ok((db, saved_at, upgrade))
}
