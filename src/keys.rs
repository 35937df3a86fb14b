//! The vault key and the passphrase key slot.
//!
//! A vault has one age X25519 identity. It never touches the disk in the clear: the passphrase
//! slot `keys/passphrase.age` is an age file encrypted with an scrypt passphrase stanza whose
//! plaintext is an ordinary age identity file (comments + `AGE-SECRET-KEY-1…`), so the stock
//! `age -d` can unwrap it. Changing the passphrase re-wraps this file only.
//!
//! Further slots (`keys/<32 hex>.age`) wrap the same identity file for one other age recipient:
//! a printed recovery key, or a plugin identity such as a YubiKey. age cannot put a passphrase
//! stanza beside other recipients in one file, hence one file per slot (as LUKS key slots).

use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::storage::durable;
use crate::storage::layout::Layout;
use crate::storage::names::random_hex;

/// scrypt work factor (log2 N) used for new slots: 2^18 needs 256 MiB and about a second here,
/// and opens on a slow laptop. Set explicitly: age would otherwise tune it to the machine that
/// creates the vault, which may be much faster than the one that must open it.
pub const DEFAULT_WORK_FACTOR: u8 = 18;
/// Lowest accepted work factor (tests use it to keep suites fast; never for real vaults).
pub const MIN_WORK_FACTOR: u8 = 10;
/// Highest work factor accepted when creating *or* opening: 2^20 = 1 GiB of memory.
pub const MAX_WORK_FACTOR: u8 = 20;

const MIN_PASSPHRASE_CHARS: usize = 8;

/// Rejects passphrases that are empty or too short to resist guessing.
pub fn check_new_passphrase(p: &SecretString) -> Result<()> {
    let s = p.expose_secret();
    if s.trim().is_empty() {
        return Err(Error::WeakPassphrase {
            reason: "it is empty",
        });
    }
    if s.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::WeakPassphrase {
            reason: "it has fewer than 8 characters",
        });
    }
    Ok(())
}

/// The unlocked vault key. `age::x25519::Identity` wipes its secret scalar on drop.
pub struct VaultKey {
    pub(crate) identity: age::x25519::Identity,
    pub(crate) vault_id: String,
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultKey")
            .field("vault_id", &self.vault_id)
            .finish_non_exhaustive()
    }
}

impl VaultKey {
    pub fn generate() -> Self {
        VaultKey {
            identity: age::x25519::Identity::generate(),
            vault_id: random_hex(16),
        }
    }

    pub fn recipient(&self) -> age::x25519::Recipient {
        self.identity.to_public()
    }

    pub fn vault_id(&self) -> &str {
        &self.vault_id
    }

    /// The key that authenticates the journal (HKDF from this identity's secret, see
    /// `storage::segment::MacKey`), and the vault id as raw bytes.
    pub fn journal_key(&self) -> (crate::storage::segment::MacKey, [u8; 16]) {
        let mut vault = [0u8; 16];
        // A vault id is 32 hex digits by construction; a key file with another one opens no
        // journal (every tag fails).
        let _ = hex::decode_to_slice(&self.vault_id, &mut vault);
        let mac = crate::storage::segment::MacKey::derive(
            self.identity.to_string().expose_secret(),
            &vault,
        );
        (mac, vault)
    }

    /// The identity as an age identity file: what the slot holds and what `identity export`
    /// writes. Usable with `age -d -i FILE`.
    pub fn identity_file(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "# Dossier vault identity (age X25519). Anyone holding this file can read the vault.\n\
             # vault-id: {}\n# public key: {}\n{}\n",
            self.vault_id,
            self.recipient(),
            self.identity.to_string().expose_secret()
        ))
    }

    /// Parses an identity file as written by [`VaultKey::identity_file`].
    pub fn from_identity_file(text: &str) -> Result<Self> {
        let vault_id = text
            .lines()
            .find_map(|l| l.strip_prefix("# vault-id: "))
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        let secret = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .ok_or_else(|| Error::Corrupt("the key slot holds no age identity".into()))?;
        let identity = age::x25519::Identity::from_str(secret)
            .map_err(|_| Error::Corrupt("the key slot's age identity is malformed".into()))?;
        Ok(VaultKey { identity, vault_id })
    }
}

/// Writes (or atomically replaces) the passphrase slot.
///
/// `Ok(Some(warning))` means the new slot *is* in place (renamed over the old one) but the
/// folder sync that makes the rename survive a power cut failed: the new passphrase works now,
/// and the old one may work again after a crash. An `Err` means the old slot is untouched.
pub fn write_passphrase_slot(
    layout: &Layout,
    key: &VaultKey,
    passphrase: &SecretString,
    work_factor: u8,
) -> Result<Option<String>> {
    if !(MIN_WORK_FACTOR..=MAX_WORK_FACTOR).contains(&work_factor) {
        return Err(Error::Invalid(format!(
            "scrypt work factor must be between {MIN_WORK_FACTOR} and {MAX_WORK_FACTOR}"
        )));
    }
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    recipient.set_work_factor(work_factor);
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as _))
        .map_err(|e| Error::Corrupt(format!("cannot set up the key slot encryption: {e}")))?;

    let tmp = layout.tmp().join(format!("{}.age", random_hex(16)));
    let dest = layout.passphrase_slot();
    let result = write_wrapped(&tmp, encryptor, key).and_then(|()| std::fs::rename(&tmp, &dest));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io("cannot write the key slot", &dest)(e));
    }
    Ok(durable::sync_dir(&layout.keys()).err().map(|e| {
        format!(
            "the new key slot is in place, but the disk did not confirm it ({e}): if the computer \
             loses power before it does, the OLD passphrase will open the vault again. Keep both \
             until the vault has been reopened after a restart."
        )
    }))
}

/// Unwraps the vault key with a passphrase. A wrong passphrase is reported as such and
/// changes nothing on disk.
pub fn unlock_passphrase_slot(layout: &Layout, passphrase: &SecretString) -> Result<VaultKey> {
    let path = layout.passphrase_slot();
    let file =
        durable::open_read_noatime(&path).map_err(Error::io("cannot open the key slot", &path))?;
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(file))
        .map_err(|e| slot_error(&path, layout, e))?;
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| slot_error(&path, layout, e))?;
    let text = read_small_secret(reader)
        .ok()
        .flatten()
        .ok_or_else(|| Error::Corrupt(format!("key slot {} is damaged", path.display())))?;
    VaultKey::from_identity_file(&text)
}

fn slot_error(path: &Path, layout: &Layout, e: age::DecryptError) -> Error {
    use age::DecryptError as D;
    match e {
        D::DecryptionFailed | D::NoMatchingKeys | D::KeyDecryptionFailed => {
            Error::WrongPassphrase {
                vault: layout.root.clone(),
            }
        }
        D::ExcessiveWork { required, .. } => Error::KdfTooExpensive {
            path: path.to_path_buf(),
            required,
            limit: MAX_WORK_FACTOR,
        },
        D::Io(cause) => Error::Io {
            what: "cannot read the key slot",
            path: path.into(),
            cause,
        },
        other => Error::Corrupt(format!("key slot {} is damaged: {other}", path.display())),
    }
}

/// Writes the identity file, encrypted, to a new file `tmp` and syncs it.
fn write_wrapped(tmp: &Path, encryptor: age::Encryptor, key: &VaultKey) -> std::io::Result<()> {
    let file = durable::create_private(tmp)?;
    let mut w = encryptor.wrap_output(file)?;
    w.write_all(key.identity_file().as_bytes())?;
    w.finish()?.sync_all()
}

/// Writes a new slot `keys/<id>.age` wrapping the vault key for `recipient`, and returns its id.
/// Published by hard link (never replacing a file) and synced before it is reported.
pub(crate) fn write_recipient_slot(
    layout: &Layout,
    key: &VaultKey,
    recipient: &dyn age::Recipient,
) -> Result<String> {
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient))
        .map_err(|e| Error::Invalid(format!("cannot encrypt a key slot to this recipient: {e}")))?;
    let id = random_hex(16);
    let tmp = layout.tmp().join(format!("{}.age", random_hex(16)));
    let dest = layout.slot(&id);
    let result = write_wrapped(&tmp, encryptor, key).and_then(|()| durable::publish(&tmp, &dest));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(&dest);
        return Err(Error::io("cannot write the key slot", &dest)(e));
    }
    Ok(id)
}

/// Ids of the recipient slots on disk (`keys/<32 hex>.age`), sorted.
pub(crate) fn recipient_slots(layout: &Layout) -> Result<Vec<String>> {
    let dir = layout.keys();
    let mut ids: Vec<String> = std::fs::read_dir(&dir)
        .map_err(Error::io("cannot list the key slots", &dir))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let id = name.strip_suffix(".age")?;
            crate::storage::names::is_hex_name(id, 32).then(|| id.to_string())
        })
        .collect();
    ids.sort();
    Ok(ids)
}

/// Unwraps the vault key with an age identity (a recovery key, or a plugin identity) by trying
/// each recipient slot. Returns the key and the id of the slot that opened. Nothing is written.
pub fn unlock_with_identities(
    layout: &Layout,
    identities: &[Box<dyn age::Identity + Send + Sync>],
) -> Result<(VaultKey, String)> {
    let mut damaged = None;
    let mut planted = Vec::new();
    for id in recipient_slots(layout)? {
        let path = layout.slot(&id);
        let file = durable::open_read_noatime(&path)
            .map_err(Error::io("cannot open the key slot", &path))?;
        let decrypted = age::Decryptor::new_buffered(std::io::BufReader::new(file))
            .and_then(|d| d.decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity)));
        let reader = match decrypted {
            Ok(r) => r,
            Err(age::DecryptError::NoMatchingKeys) => continue,
            // A plugin that failed (no YubiKey inserted, wrong PIN) is worth reporting as such.
            Err(age::DecryptError::Io(cause)) => {
                return Err(Error::Io {
                    what: "cannot read the key slot",
                    path,
                    cause,
                });
            }
            Err(e) => {
                damaged.get_or_insert(format!("key slot {} cannot be opened: {e}", path.display()));
                continue;
            }
        };
        let text = read_small_secret(reader)
            .ok()
            .flatten()
            .ok_or_else(|| Error::Corrupt(format!("key slot {} is damaged", path.display())))?;
        let key = VaultKey::from_identity_file(&text)?;
        // Anyone who knows a recovery or YubiKey *public* recipient can plant a slot that this
        // identity opens, holding a key of their own: only a key that opens this vault's
        // authentic journal (or format-1 catalog) is the vault's.
        if opens_this_vault(layout, &key) {
            return Ok((key, id));
        }
        planted.push(path.display().to_string());
    }
    if !planted.is_empty() {
        return Err(Error::Corrupt(format!(
            "the key opens key slot(s) {}, but what they hold opens nothing in this vault: a \
             slot someone else put there? It was not used. Keep the folder as it is and open the \
             vault with its passphrase or another key",
            planted.join(", ")
        )));
    }
    Err(match damaged {
        Some(message) => Error::Corrupt(message),
        None => Error::WrongKey {
            vault: layout.root.clone(),
        },
    })
}

/// Whether `key` is this vault's: it authenticates the first segment of some device's
/// journal (HMAC with the key derived from its secret), or, in a format-1 vault, decrypts a
/// catalog generation that names its vault id.
pub(crate) fn opens_this_vault(layout: &Layout, key: &VaultKey) -> bool {
    if hex::decode_to_slice(key.vault_id(), &mut [0u8; 16]).is_err() {
        return false;
    }
    let journal = crate::storage::journal::Journal::new(&layout.root);
    let listing = journal.list().unwrap_or_default();
    if !listing.segments.is_empty() {
        let (mac, vault) = key.journal_key();
        return listing.segments.iter().any(|(device, seqs)| {
            seqs.iter().take(3).any(|&seq| {
                journal
                    .read(*device, seq, &key.identity, &mac, &vault)
                    .is_ok()
            })
        });
    }
    crate::storage::names::hex_age_entries(&layout.catalog(), 32)
        .iter()
        .any(|e| {
            crate::catalog::snapshot::file_generation(
                &e.path(),
                &key.identity,
                &crate::catalog::snapshot::CATALOG,
            )
            .is_ok()
        })
}

/// A key file (or a passphrase file, or a key slot's content) is a few lines: anything
/// larger is not one, and is not read whole.
const KEY_FILE_MAX: usize = 64 * 1024;

/// Reads a small secret text into memory that is wiped when dropped, sized up front: a
/// growing String would leave unwiped copies of the secret behind in freed memory.
/// `Ok(None)`: more than [`KEY_FILE_MAX`] bytes, or not UTF-8.
fn read_small_secret(reader: impl Read) -> std::io::Result<Option<Zeroizing<String>>> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(KEY_FILE_MAX + 1));
    reader
        .take(KEY_FILE_MAX as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > KEY_FILE_MAX {
        return Ok(None);
    }
    let mut text = Zeroizing::new(String::with_capacity(bytes.len()));
    match std::str::from_utf8(&bytes) {
        Ok(t) => text.push_str(t),
        Err(_) => return Ok(None),
    }
    Ok(Some(text))
}

/// Reads a secret file the user chose (a recovery key saved as a file, a YubiKey's identity, a
/// passphrase file), wiped when dropped; `what` names it in errors ("key file").
pub fn read_secret_file(path: &Path, what: &str) -> Result<Zeroizing<String>> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::Invalid(format!("cannot read the {what} {}: {e}", path.display())))?;
    read_small_secret(file)
        .map_err(|e| Error::Invalid(format!("cannot read the {what} {}: {e}", path.display())))?
        .ok_or_else(|| {
            Error::Invalid(format!(
                "{} is not a {what}: too large, or not text",
                path.display()
            ))
        })
}

/// Reads a key file the user chose (a recovery key saved as a file, a YubiKey's identity).
pub fn read_identity_file(path: &Path) -> Result<SecretString> {
    read_secret_file(path, "key file").map(|t| SecretString::from(t.as_str()))
}

/// Parses an age identity file (or a key typed from paper): `AGE-SECRET-KEY-1…` lines and
/// plugin identities `AGE-PLUGIN-NAME-1…` (whose plugin binary `age-plugin-name` must be on
/// `PATH`; `ui` relays its messages and PIN requests). Comments and blank lines are skipped.
pub fn parse_identities(
    text: &str,
    ui: impl age::Callbacks,
) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
    // age wants the canonical upper case; a key copied from paper may not be.
    let normalised = Zeroizing::new(
        text.lines()
            .map(|l| {
                let t = l.trim();
                if t.starts_with('#') {
                    t.to_string()
                } else {
                    // Typed from paper: spaces between groups, any case.
                    t.split_whitespace()
                        .collect::<String>()
                        .to_ascii_uppercase()
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let file = age::IdentityFile::from_buffer(normalised.as_bytes())
        .map_err(|e| Error::Invalid(format!("not an age identity: {e}")))?;
    let identities = file
        .with_callbacks(ui)
        .into_identities()
        .map_err(|e| Error::Invalid(format!("cannot use this identity: {e}")))?;
    if identities.is_empty() {
        return Err(Error::Invalid(
            "no age identity found (expected a line starting with AGE-SECRET-KEY-1)".into(),
        ));
    }
    Ok(identities)
}

/// Removes a recipient slot's file (the caller has checked that another slot remains).
pub(crate) fn remove_slot_file(layout: &Layout, id: &str) -> Result<()> {
    let path = layout.slot(id);
    std::fs::remove_file(&path)
        .and_then(|()| durable::sync_dir(&layout.keys()))
        .map_err(Error::io("cannot remove the key slot", &path))
}
