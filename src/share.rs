//! Sharing evidence without a server: one age-encrypted file (a *bundle*) for named recipients'
//! public keys, which another Dossier vault receives, or anyone opens with stock tools:
//!
//! ```text
//! age -d -i key.txt case.dossier | tar -x      # manifest.json, items/<id>/<name>
//! ```
//!
//! The plaintext is a POSIX tar: `manifest.json` first (the case, and per item its metadata,
//! SHA-256 and custody entries), then each item's original bytes as `items/<id>/<name>` in the
//! manifest's order. Each vault has its own sharing key (an age X25519 identity made on first
//! use, kept in the catalog); its public key is what co-counsel adds as a contact. It is not
//! the vault key: that one's public half must stay secret (docs/FORMAT.md, threat model).
//!
//! Receiving checks the whole bundle first (age authenticates every chunk and the end; every
//! item's size and SHA-256 against the manifest) and only then imports, so a bundle for
//! someone else, cut short or altered imports nothing.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::contacts::{fingerprint, parse_recipient};
use crate::custody::{self, Action, Entry};
use crate::error::{Error, Result};
use crate::items::Item;
use crate::progress::Progress;
use crate::register::Link;
use crate::storage::durable;
use crate::vault::{ImportOptions, Imported, Vault};

pub const BUNDLE_FORMAT: &str = "dossier-bundle 1";
const MANIFEST: &str = "manifest.json";
const MAX_MANIFEST: u64 = 64 << 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    /// The sending vault's id (random; says nothing about its owner).
    pub from_vault: String,
    pub case: Option<BundleCase>,
    pub items: Vec<BundleItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleCase {
    pub id: String,
    pub title: String,
    pub numbers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleItem {
    /// The item's id in the sending vault.
    pub id: String,
    pub name: String,
    /// Its path in the tar.
    pub file: String,
    pub size: u64,
    pub sha256: String,
    pub media_type: String,
    pub imported_at: String,
    pub source: Option<String>,
    pub notes: String,
    /// The sender's custody entries about this item, oldest first.
    pub custody: Vec<Entry>,
}

/// What a share wrote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ShareReport {
    pub out: String,
    pub items: usize,
    pub bytes: u64,
    /// `name (fingerprint)` of each recipient.
    pub recipients: Vec<String>,
    /// SHA-256 of the bundle file, to compare with what arrives.
    pub sha256: String,
}

/// What a receive imported.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReceiveReport {
    pub from_vault: String,
    pub case_title: Option<String>,
    /// Item ids in this vault, in the bundle's order.
    pub items: Vec<String>,
    /// How many of them were already in this vault (same SHA-256) and were not stored again.
    pub duplicates: usize,
}

impl Vault {
    /// The public key others encrypt bundles to (`age1…`), made on first use.
    pub fn sharing_key(&mut self) -> Result<String> {
        Ok(self.sharing_identity()?.to_public().to_string())
    }

    fn sharing_identity(&mut self) -> Result<age::x25519::Identity> {
        if let Some(text) = self.catalog.info("share_identity")? {
            return age::x25519::Identity::from_str(&text)
                .map_err(|e| Error::Corrupt(format!("the catalog's sharing key is damaged: {e}")));
        }
        let identity = age::x25519::Identity::generate();
        let secret = identity.to_string();
        let public = identity.to_public().to_string();
        self.commit(|cat, now| {
            cat.db.execute(
                "INSERT INTO vault_info (key, value) VALUES ('share_identity', ?1)",
                [secret.expose_secret()],
            )?;
            custody::append(
                &cat.db,
                now,
                Action::Keygen,
                None,
                &json!({ "what": "sharing key", "recipient": public }),
            )
        })?;
        Ok(identity)
    }

    /// Writes a bundle of `items` (or, with none given, every active item of `case`) for the
    /// recipients (contact names or ids, or `age1…` keys) to `out`, which must not exist.
    pub fn share(
        &mut self,
        case: Option<&str>,
        items: &[String],
        to: &[String],
        out: &Path,
        progress: &dyn Progress,
    ) -> Result<ShareReport> {
        if to.is_empty() {
            return Err(Error::Invalid(
                "name at least one recipient (a contact or an age1… key)".into(),
            ));
        }
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        let mut recipients = Vec::new();
        let mut names = Vec::new();
        for r in to {
            let (label, key) = match self.contact(r) {
                Ok(c) => (c.name.clone(), c.recipient.clone()),
                Err(_) if r.trim().starts_with("age1") => (r.trim().to_string(), r.trim().into()),
                Err(e) => return Err(e),
            };
            recipients.push(parse_recipient(&key)?);
            names.push(format!("{label} ({})", fingerprint(&key)));
        }
        let case_view = case.map(|c| self.case_view(c)).transpose()?;
        let chosen: Vec<Item> = if items.is_empty() {
            let Some(view) = &case_view else {
                return Err(Error::Invalid(
                    "give --case, or --item for each item".into(),
                ));
            };
            view.items
                .iter()
                .map(|i| self.item(&i.id))
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .filter(|i| i.deleted_at.is_none())
                .collect()
        } else {
            items.iter().map(|i| self.item(i)).collect::<Result<_>>()?
        };
        if chosen.is_empty() {
            return Err(Error::Invalid("there is nothing to share: no items".into()));
        }
        if let Some(i) = chosen.iter().find(|i| i.purged_at.is_some()) {
            return Err(Error::Purged {
                id: i.id.clone(),
                name: i.name.clone(),
            });
        }
        let mut bundle_items = Vec::new();
        for item in &chosen {
            bundle_items.push(BundleItem {
                id: item.id.clone(),
                name: item.name.clone(),
                file: format!(
                    "items/{}/{}",
                    item.id,
                    crate::storage::names::safe_file_name(&item.name)
                ),
                size: item.size,
                sha256: item.sha256.clone(),
                media_type: item.media_type.clone(),
                imported_at: item.imported_at.clone(),
                source: item.source.as_deref().map(shareable_source),
                notes: item.notes.clone(),
                custody: self
                    .custody_log(Some(&item.id))?
                    .into_iter()
                    .map(shareable_entry)
                    .collect(),
            });
        }
        let manifest = Manifest {
            format: BUNDLE_FORMAT.into(),
            created_at: self.now_text(),
            from_vault: self.vault_id().to_string(),
            case: case_view.as_ref().map(|v| BundleCase {
                id: v.case.id.clone(),
                title: v.case.title.clone(),
                numbers: v.case.numbers.iter().map(|n| n.number.clone()).collect(),
            }),
            items: bundle_items,
        };

        let partial = durable::partial_path(out);
        let written = self.write_bundle(&manifest, &chosen, &recipients, &partial, progress);
        let sha256 = match written.and_then(|()| {
            durable::publish_copy(&partial, out).map_err(Error::io("cannot write the bundle", out))
        }) {
            Ok(()) => hash_file(out)?,
            Err(e) => {
                let _ = fs::remove_file(&partial);
                return Err(e);
            }
        };
        let report = ShareReport {
            out: out.display().to_string(),
            items: chosen.len(),
            bytes: chosen.iter().map(|i| i.size).sum(),
            recipients: names,
            sha256,
        };
        let detail = json!({
            "to": absolute(out), "recipients": report.recipients, "bundle_sha256": report.sha256,
            "case": manifest.case.as_ref().map(|c| &c.id),
            "items": chosen.iter().map(|i| &i.id).collect::<Vec<_>>(),
        });
        // As with every export: a copy that cannot be logged is taken back.
        self.record_copy(Action::Share, None, detail, out)?;
        Ok(report)
    }

    fn write_bundle(
        &self,
        manifest: &Manifest,
        items: &[Item],
        recipients: &[age::x25519::Recipient],
        partial: &Path,
        progress: &dyn Progress,
    ) -> Result<()> {
        let out_err = || Error::io("cannot write the bundle", partial);
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| Error::Invalid(format!("cannot encrypt to these recipients: {e}")))?;
        let file = durable::create_private(partial).map_err(out_err())?;
        let age_out = encryptor
            .wrap_output(std::io::BufWriter::new(file))
            .map_err(out_err())?;
        let mut tar = tar::Builder::new(Counting {
            inner: age_out,
            written: 0,
        });
        tar.mode(tar::HeaderMode::Deterministic);
        let json =
            serde_json::to_vec_pretty(manifest).map_err(|e| Error::Corrupt(e.to_string()))?;
        append(&mut tar, MANIFEST, json.len() as u64, &mut json.as_slice()).map_err(out_err())?;
        for (item, entry) in items.iter().zip(&manifest.items) {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            progress.start(&item.name, item.size);
            // The blob is decrypted on this thread into a pipe that the tar writer reads.
            let (mut reader, mut writer) = std::io::pipe().map_err(out_err())?;
            let appended = std::thread::scope(|s| {
                let tar = &mut tar;
                let handle = s.spawn(move || append(tar, &entry.file, entry.size, &mut reader));
                let streamed = self.stream_item(item, &mut writer, progress, out_err());
                drop(writer);
                let appended = handle
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("the bundle writer stopped")));
                streamed.and(appended.map_err(out_err()))
            });
            progress.finish();
            appended?;
        }
        // Zeros after the tar's end blocks (which every tar reader stops at), inside the
        // encryption, up to the vault's padding class: the bundle's size says no more about
        // what it holds than a vault file's does.
        let Counting {
            inner: mut age_out,
            written,
        } = tar.into_inner().map_err(out_err())?;
        let zeros = [0u8; 64 * 1024];
        let mut pad = crate::storage::padding::padded_len(written) - written;
        while pad > 0 {
            let n = pad.min(zeros.len() as u64) as usize;
            age_out.write_all(&zeros[..n]).map_err(out_err())?;
            pad -= n as u64;
        }
        let buffered = age_out.finish().map_err(out_err())?;
        let file = buffered
            .into_inner()
            .map_err(|e| out_err()(e.into_error()))?;
        file.sync_all().map_err(out_err())
    }

    /// Imports a bundle made for this vault: checks all of it first, then stores each item
    /// (an item already here is not stored twice), keeping the sender's hashes and custody in
    /// each item's `import` entry, links them to `link_case` if given, and logs `receive`.
    pub fn receive(
        &mut self,
        bundle: &Path,
        link_case: Option<&str>,
        progress: &dyn Progress,
    ) -> Result<ReceiveReport> {
        self.ensure_writable()?;
        let case_id = link_case
            .map(|c| self.case_view(c).map(|v| v.case.id))
            .transpose()?;
        if self.catalog.info("share_identity")?.is_none() {
            return Err(Error::Invalid(format!(
                "bundle {} cannot be received: this vault has no sharing key yet, so nothing was \
                 encrypted for it (give `dossier contact me` to the sender); nothing was imported",
                bundle.display()
            )));
        }
        let identity = self.sharing_identity()?;
        let bundle_sha256 = hash_file(bundle)?;
        // Pass 1: everything authenticates and matches the manifest, or nothing is imported.
        let manifest = read_bundle(bundle, &identity, progress, |_, _| Ok(()))?;
        let name = bundle
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let from_vault = manifest.from_vault.clone();
        // Pass 2: a thread walks the bundle again and hands each item's bytes over a pipe to
        // the import here (tar entries cannot leave the thread that reads the archive). Each
        // import checks the SHA-256 against the manifest before it commits.
        let mut imported = Vec::new();
        let mut duplicates = 0;
        std::thread::scope(|s| -> Result<()> {
            let (tx, rx) = std::sync::mpsc::channel::<(BundleItem, std::io::PipeReader)>();
            let walker = s.spawn(move || {
                read_bundle(
                    bundle,
                    &identity,
                    &crate::progress::Silent,
                    |item, bytes| {
                        let (reader, mut writer) =
                            std::io::pipe().map_err(Error::io("cannot receive", bundle))?;
                        if tx.send((item.clone(), reader)).is_err() {
                            return Err(Error::Cancelled);
                        }
                        std::io::copy(bytes, &mut writer)
                            .map(|_| ())
                            .map_err(Error::io("cannot receive", bundle))
                    },
                )
            });
            let mut result = Ok(());
            for (item, mut reader) in rx.iter() {
                let options = ImportOptions {
                    source: Some(format!(
                        "bundle {name} from vault {from_vault}: {}",
                        item.source.as_deref().unwrap_or(&item.name)
                    )),
                    notes: (!item.notes.is_empty()).then(|| item.notes.clone()),
                    allow_duplicate: false,
                    expect_sha256: Some(item.sha256.clone()),
                    custody_extra: Some(json!({ "received": {
                        "bundle": name, "bundle_sha256": bundle_sha256, "from_vault": from_vault,
                        "sender_item": item.id, "sender_imported_at": item.imported_at,
                        "sender_custody": item.custody,
                    }})),
                };
                match self.import_reader(&item.name, item.size, &mut reader, &options, progress) {
                    Ok(Imported::New(i)) => imported.push(i.id),
                    Ok(Imported::Duplicate(i)) => {
                        duplicates += 1;
                        imported.push(i.id)
                    }
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            drop(rx);
            let walked = walker
                .join()
                .unwrap_or_else(|_| Err(Error::Corrupt("the bundle reader stopped".into())));
            // The import's own error says more than the walker's broken pipe.
            result.and(walked.map(|_| ()))
        })
        .map_err(|e| {
            Error::Invalid(format!(
                "receiving {} stopped after {} of {} items ({e}); the items stored so far stay \
                 (each is complete and logged), and receiving the bundle again skips them",
                bundle.display(),
                imported.len(),
                manifest.items.len()
            ))
        })?;
        if let Some(case) = &case_id {
            for id in &imported {
                let link = Link::CaseItem {
                    case: case.clone(),
                    item: id.clone(),
                };
                // Already linked (a duplicate that was linked before) is fine.
                if let Err(e) = self.link(&link)
                    && !e.to_string().contains("already")
                {
                    return Err(e);
                }
            }
        }
        let detail = json!({
            "bundle": absolute(bundle), "bundle_sha256": bundle_sha256, "from_vault": from_vault,
            "case": manifest.case.as_ref().map(|c| &c.title), "linked_to": case_id,
            "items": imported, "duplicates": duplicates,
        });
        self.commit(|cat, now| custody::append(&cat.db, now, Action::Receive, None, &detail))?;
        Ok(ReceiveReport {
            from_vault,
            case_title: manifest.case.map(|c| c.title),
            items: imported,
            duplicates,
        })
    }
}

/// Decrypts and walks a bundle, checking it against its manifest; `each` gets every item with
/// a reader of exactly its bytes. Fails on anything the manifest does not account for.
fn read_bundle(
    path: &Path,
    identity: &age::x25519::Identity,
    progress: &dyn Progress,
    mut each: impl FnMut(&BundleItem, &mut dyn Read) -> Result<()>,
) -> Result<Manifest> {
    let bad = |what: String| {
        Error::Invalid(format!(
            "bundle {} cannot be received: {what}; nothing was imported",
            path.display()
        ))
    };
    let file = fs::File::open(path).map_err(Error::io("cannot open the bundle", path))?;
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(file))
        .map_err(|e| bad(format!("it is not an age file ({e})")))?;
    let reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => {
                bad("it was encrypted for other recipients, not this vault's sharing key".into())
            }
            other => bad(format!("its header is damaged ({other})")),
        })?;
    let damaged = |e: std::io::Error| bad(format!("it is truncated or was altered ({e})"));
    let mut archive = tar::Archive::new(reader);
    let mut entries = archive.entries().map_err(damaged)?;
    let mut first = entries
        .next()
        .ok_or_else(|| bad("it is empty".into()))?
        .map_err(damaged)?;
    if first.path_bytes().as_ref() != MANIFEST.as_bytes() || first.size() > MAX_MANIFEST {
        return Err(bad("it does not start with its manifest".into()));
    }
    let mut json = Vec::new();
    first.read_to_end(&mut json).map_err(damaged)?;
    let manifest: Manifest = serde_json::from_slice(&json)
        .map_err(|e| bad(format!("its manifest is unreadable ({e})")))?;
    if manifest.format != BUNDLE_FORMAT {
        return Err(bad(format!("unknown format {:?}", manifest.format)));
    }
    for item in &manifest.items {
        let mut entry = entries
            .next()
            .ok_or_else(|| bad(format!("{} is missing (cut short?)", item.file)))?
            .map_err(damaged)?;
        if entry.path_bytes().as_ref() != item.file.as_bytes() || entry.size() != item.size {
            return Err(bad(format!("{} is not where the manifest says", item.file)));
        }
        progress.start(&item.name, item.size);
        let mut hashing = HashingReader {
            inner: &mut entry,
            hash: Sha256::new(),
            len: 0,
        };
        each(item, &mut hashing)?;
        // Whatever `each` left unread still counts.
        std::io::copy(&mut hashing, &mut std::io::sink()).map_err(damaged)?;
        progress.finish();
        let sha = hex::encode(hashing.hash.finalize());
        if sha != item.sha256 || hashing.len != item.size {
            return Err(bad(format!(
                "{} has SHA-256 {sha}, the manifest says {}",
                item.file, item.sha256
            )));
        }
    }
    if entries.next().is_some() {
        return Err(bad("it holds files its manifest does not list".into()));
    }
    // The tar's end blocks are read, but age authenticates its last chunk only at the end of
    // the stream: read it out, so a cut-off bundle fails here.
    let mut rest = archive.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(damaged)?;
    Ok(manifest)
}

/// Counts what the tar writer writes, for the padding after it.
struct Counting<W: Write> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

struct HashingReader<'a, R: Read> {
    inner: &'a mut R,
    hash: Sha256,
    len: u64,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}

fn append(
    tar: &mut tar::Builder<impl Write>,
    path: &str,
    size: u64,
    data: &mut dyn Read,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, path, data.take(size))
}

/// A name safe as one path component in a tar: no separators, no `..`, not empty.
/// A source as a recipient may see it: a path on the sender's computer (`/home/NAME/clients/…`
/// names the sender's account and how she files her clients) becomes its last component; a
/// description the user wrote ("received by post from …") stays as it is.
fn shareable_source(source: &str) -> String {
    let looks_like_path = source.starts_with('/')
        || source.starts_with('~')
        || source.starts_with("\\\\")
        || source.as_bytes().get(1..3) == Some(b":\\".as_slice());
    if !looks_like_path {
        return source.to_string();
    }
    let last = source
        .rsplit(['/', '\\'])
        .find(|part| !part.is_empty())
        .unwrap_or("");
    format!("…/{last}")
}

/// A custody entry as a bundle carries it: every path of the sender's computer in its details
/// (where the file came from, where an extract went) shortened as [`shareable_source`] does,
/// and then marked `"paths_shortened": true`, since the entry's hash was made over the full
/// paths and no longer checks.
fn shareable_entry(mut entry: Entry) -> Entry {
    fn shorten(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => {
                let short = shareable_source(s);
                let changed = short != *s;
                *s = short;
                changed
            }
            serde_json::Value::Array(a) => a.iter_mut().fold(false, |c, v| shorten(v) | c),
            serde_json::Value::Object(o) => o.values_mut().fold(false, |c, v| shorten(v) | c),
            _ => false,
        }
    }
    let Ok(mut detail) = serde_json::from_str::<serde_json::Value>(&entry.detail) else {
        return entry;
    };
    if shorten(&mut detail)
        && let serde_json::Value::Object(map) = &mut detail
    {
        map.insert("paths_shortened".into(), true.into());
        entry.detail = detail.to_string();
    }
    entry
}

fn hash_file(path: &Path) -> Result<String> {
    let mut f = fs::File::open(path).map_err(Error::io("cannot read", path))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(Error::io("cannot read", path))?;
    Ok(hex::encode(h.finalize()))
}

fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| PathBuf::from(p))
        .display()
        .to_string()
}
