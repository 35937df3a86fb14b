//! The vault key and the passphrase key slot.
//!
//! A vault has one age X25519 identity. It never touches the disk in the clear: the passphrase
//! slot `keys/passphrase.age` is an age file encrypted with an scrypt passphrase stanza whose
//! plaintext is an ordinary age identity file (comments + `AGE-SECRET-KEY-1…`), so the stock
//! `age -d` can unwrap it. Changing the passphrase re-wraps this file only.

use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::durable;
use crate::error::{Error, Result};
use crate::layout::{Layout, random_hex};

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
    let result = (|| {
        let file = durable::create_private(&tmp)?;
        let mut w = encryptor.wrap_output(file)?;
        w.write_all(key.identity_file().as_bytes())?;
        let file = w.finish()?;
        file.sync_all()?;
        std::fs::rename(&tmp, &dest)
    })();
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
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| slot_error(&path, layout, e))?;
    let mut text = Zeroizing::new(String::new());
    reader
        .read_to_string(&mut text)
        .map_err(|e| Error::Corrupt(format!("key slot {} is damaged: {e}", path.display())))?;
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
