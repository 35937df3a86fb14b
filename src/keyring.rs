//! Key slots beyond the passphrase: printed recovery keys and age plugin identities (e.g. a
//! YubiKey). Each is a file `keys/<id>.age` wrapping the vault key (see [`crate::keys`]) and a
//! `key_slots` row saying what it is. Adding or removing one is a custody entry (`rekey`).
//!
//! Removing a slot stops it opening the vault *from now on*; a copy of the vault taken before
//! still holds the old slot, and the vault key it unwraps is the same. Revoking a leaked key
//! therefore means a new vault, not a removed slot (docs/FORMAT.md, "Key slots").

use std::str::FromStr;

use age::secrecy::SecretString;
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::json;

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::keys;
use crate::vault::Vault;

/// One way to open the vault.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeySlot {
    /// `passphrase`, or the 32-hex id of a recipient slot.
    pub id: String,
    /// `passphrase`, `recovery` or `plugin`.
    pub kind: String,
    pub label: String,
    /// The age recipient a recovery or plugin slot is encrypted to.
    pub recipient: Option<String>,
    pub created_at: Option<String>,
    /// False when the catalog lists the slot but its file is gone.
    pub present: bool,
}

/// A recovery key just made: the secret is shown once and never stored by Dossier.
pub struct RecoveryKey {
    pub slot: KeySlot,
    /// `AGE-SECRET-KEY-1…`: with it, `dossier --identity FILE` opens the vault.
    pub secret: SecretString,
}

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryKey")
            .field("slot", &self.slot)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Every way to open this vault: the passphrase slot, then the recipient slots in the
    /// order they were added. A slot file on disk that the catalog does not list is included
    /// with kind `unknown` (someone added it without Dossier, or a catalog was rolled back).
    pub fn key_slots(&self) -> Result<Vec<KeySlot>> {
        let mut slots = Vec::new();
        if self.layout().passphrase_slot().exists() {
            slots.push(KeySlot {
                id: "passphrase".into(),
                kind: "passphrase".into(),
                label: "passphrase".into(),
                recipient: None,
                created_at: self.catalog.info("created_at")?,
                present: true,
            });
        }
        let on_disk = keys::recipient_slots(self.layout())?;
        let mut stmt = self.catalog.db.prepare(
            "SELECT id, kind, label, recipient, created_at FROM key_slots ORDER BY rowid",
        )?;
        let listed = stmt
            .query_map([], |r| {
                Ok(KeySlot {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    label: r.get(2)?,
                    recipient: Some(r.get(3)?),
                    created_at: Some(r.get(4)?),
                    present: false,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for mut slot in listed {
            slot.present = on_disk.contains(&slot.id);
            slots.push(slot);
        }
        for id in on_disk {
            if !slots.iter().any(|s| s.id == id) {
                slots.push(KeySlot {
                    id,
                    kind: "unknown".into(),
                    label: "not listed in the catalog".into(),
                    recipient: None,
                    created_at: None,
                    present: true,
                });
            }
        }
        Ok(slots)
    }

    /// Writes a recovery key as a printable one-page PDF (the key as text and as a QR code) to
    /// `out`, which must not exist. Logged as an export; no copy stays anywhere else.
    pub fn export_recovery_sheet(
        &mut self,
        key: &RecoveryKey,
        out: &std::path::Path,
    ) -> Result<()> {
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        let pdf = zeroize::Zeroizing::new(crate::pdf::recovery::recovery_sheet(
            self.vault_id(),
            &key.slot.label,
            &key.secret,
            self.clock_now(),
        )?);
        let partial = crate::storage::durable::partial_path(out);
        let written = (|| {
            use std::io::Write;
            let mut f = crate::storage::durable::create_private(&partial)?;
            f.write_all(&pdf)?;
            f.sync_all()?;
            crate::storage::durable::publish_copy(&partial, out)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&partial);
            return Err(Error::io("cannot write the recovery sheet", out)(e));
        }
        self.record_copy(
            Action::Export,
            None,
            json!({ "what": "recovery key sheet", "slot": key.slot.id,
                    "to": std::path::absolute(out).unwrap_or_else(|_| out.into()) }),
            out,
        )
    }

    pub(crate) fn catalog_has_slot(&self, id: &str) -> Result<bool> {
        Ok(self
            .catalog
            .db
            .query_row("SELECT 1 FROM key_slots WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Makes a recovery key: a new age X25519 identity that opens the vault on its own. The
    /// secret is returned once, to be printed or written down, and is not kept anywhere.
    pub fn add_recovery_key(&mut self, label: &str) -> Result<RecoveryKey> {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public();
        let slot = self.add_slot("recovery", label, &recipient, &recipient.to_string())?;
        Ok(RecoveryKey {
            slot,
            secret: identity.to_string(),
        })
    }

    /// Adds a slot for an age plugin recipient (`age1yubikey1…`, as the plugin printed it):
    /// opening then needs the plugin's identity, its binary on `PATH`, and whatever it asks for
    /// through `ui` (the YubiKey, its PIN, a touch). The plugin runs once now, to wrap the key.
    pub fn add_plugin_key(
        &mut self,
        recipient: &str,
        label: &str,
        ui: impl age::Callbacks,
    ) -> Result<KeySlot> {
        let recipient = recipient.trim();
        let parsed = age::plugin::Recipient::from_str(recipient).map_err(|e| {
            Error::Invalid(format!("{recipient:?} is not an age plugin recipient: {e}"))
        })?;
        let plugin = age::plugin::RecipientPluginV1::new(
            parsed.plugin(),
            std::slice::from_ref(&parsed),
            &[],
            ui,
        )
        .map_err(|e| Error::Invalid(format!("cannot use the age plugin for {recipient}: {e}")))?;
        self.add_slot("plugin", label, &plugin, recipient)
    }

    fn add_slot(
        &mut self,
        kind: &str,
        label: &str,
        recipient: &dyn age::Recipient,
        recipient_text: &str,
    ) -> Result<KeySlot> {
        self.ensure_writable()?;
        let label = label.trim();
        if label.is_empty() {
            return Err(Error::Invalid("a key slot needs a label".into()));
        }
        let id = keys::write_recipient_slot(self.layout(), self.vault_key(), recipient)?;
        let recorded = self.commit(|cat, now| {
            cat.db.execute(
                "INSERT INTO key_slots (id, kind, label, recipient, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![id, kind, label, recipient_text, now],
            )?;
            custody::append(
                &cat.db,
                now,
                Action::Rekey,
                None,
                &json!({ "slot": id, "kind": kind, "label": label, "recipient": recipient_text,
                         "change": "added" }),
            )?;
            Ok(now.to_string())
        });
        match recorded {
            Ok((created_at, _)) => Ok(KeySlot {
                id,
                kind: kind.into(),
                label: label.into(),
                recipient: Some(recipient_text.into()),
                created_at: Some(created_at),
                present: true,
            }),
            Err(e) => {
                // Unrecorded, the slot would be a way in that no one knows about: take it away.
                let _ = keys::remove_slot_file(self.layout(), &id);
                Err(e)
            }
        }
    }

    /// Removes a key slot (`passphrase` or a slot id, or a unique prefix of one). Refuses to
    /// remove the last slot that opens the vault.
    pub fn remove_key_slot(&mut self, id: &str) -> Result<KeySlot> {
        self.ensure_writable()?;
        let slots = self.key_slots()?;
        let matching: Vec<&KeySlot> = slots.iter().filter(|s| s.id.starts_with(id)).collect();
        let slot = match matching.as_slice() {
            [one] if !id.is_empty() => (*one).clone(),
            [] | [_] => {
                return Err(Error::NoSuchEntity {
                    kind: "key slot",
                    id: id.into(),
                });
            }
            _ => {
                return Err(Error::Invalid(format!(
                    "{id:?} matches several key slots; give more of the id"
                )));
            }
        };
        let others = slots
            .iter()
            .filter(|s| s.present && s.kind != "unknown" && s.id != slot.id)
            .count();
        if others == 0 {
            return Err(Error::Invalid(
                "this is the last key slot that opens the vault; add another before removing it"
                    .into(),
            ));
        }
        self.commit(|cat, now| {
            cat.db
                .execute("DELETE FROM key_slots WHERE id = ?1", [&slot.id])?;
            custody::append(
                &cat.db,
                now,
                Action::Rekey,
                None,
                &json!({ "slot": slot.id, "kind": slot.kind, "label": slot.label,
                         "change": "removed" }),
            )
        })?;
        // Recorded first: a crash now leaves a slot file the catalog no longer lists, which
        // `key list` shows as unknown and `verify` reports, rather than a silent way in.
        let removed = if slot.id == "passphrase" {
            let path = self.layout().passphrase_slot();
            std::fs::remove_file(&path)
                .map_err(Error::io("cannot remove the passphrase slot", &path))
                .and_then(|()| {
                    crate::storage::durable::sync_dir(&self.layout().keys())
                        .map_err(Error::io("cannot sync", self.layout().keys()))
                })
        } else if slot.present {
            keys::remove_slot_file(self.layout(), &slot.id)
        } else {
            Ok(())
        };
        removed.map(|()| slot)
    }
}
