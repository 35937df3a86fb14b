//! Contacts: the people and organisations bundles are shared with, each an age public key
//! (`age1…`) with a name, kept inside the encrypted catalog. The fingerprint is what two people
//! read to each other over another channel before trusting a key.

use std::str::FromStr;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::storage::names::random_hex;
use crate::vault::Vault;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Contact {
    pub id: String,
    pub name: String,
    /// The age X25519 public key, `age1…`.
    pub recipient: String,
    /// [`fingerprint`] of the recipient.
    pub fingerprint: String,
    pub created_at: String,
}

/// A short, readable digest of a public key: the first 16 bytes of SHA-256 of its `age1…`
/// text, in groups of four hex digits. Read aloud to confirm a key arrived unchanged.
pub fn fingerprint(recipient: &str) -> String {
    let digest = Sha256::digest(recipient.trim().as_bytes());
    hex::encode(&digest[..16])
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses an age X25519 public key, naming the problem if it is not one.
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient> {
    age::x25519::Recipient::from_str(text.trim()).map_err(|e| {
        Error::Invalid(format!(
            "{:?} is not an age public key (age1…): {e}",
            text.trim()
        ))
    })
}

impl Vault {
    pub fn contacts(&self) -> Result<Vec<Contact>> {
        let mut stmt = self.catalog.db.prepare(
            "SELECT id, name, recipient, created_at FROM contacts ORDER BY name COLLATE NOCASE, id",
        )?;
        let rows = stmt.query_map([], |r| {
            let recipient: String = r.get(2)?;
            Ok(Contact {
                id: r.get(0)?,
                name: r.get(1)?,
                fingerprint: fingerprint(&recipient),
                recipient,
                created_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a contact. The same key twice is refused (naming the contact that has it).
    pub fn add_contact(&mut self, name: &str, recipient: &str) -> Result<Contact> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("a contact needs a name".into()));
        }
        let recipient = parse_recipient(recipient)?.to_string();
        if let Some(existing) = self
            .contacts()?
            .into_iter()
            .find(|c| c.recipient == recipient)
        {
            return Err(Error::Invalid(format!(
                "this key is already the contact {:?} ({})",
                existing.name, existing.id
            )));
        }
        let id = random_hex(8);
        self.commit(|cat, now| {
            cat.db.execute(
                "INSERT INTO contacts (id, name, recipient, created_at) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![id, name, recipient, now],
            )?;
            custody::append(
                &cat.db,
                now,
                Action::Add,
                None,
                &json!({ "contact": { "id": id, "name": name, "recipient": recipient } }),
            )
        })?;
        self.contact(&id)
    }

    /// A contact by id, id prefix, or exact name (case-insensitive).
    pub fn contact(&self, key: &str) -> Result<Contact> {
        let key = key.trim();
        let all = self.contacts()?;
        let by_id: Vec<&Contact> = all
            .iter()
            .filter(|c| !key.is_empty() && c.id.starts_with(key))
            .collect();
        let by_name: Vec<&Contact> = all
            .iter()
            .filter(|c| c.name.to_lowercase() == key.to_lowercase())
            .collect();
        match (by_id.as_slice(), by_name.as_slice()) {
            ([one], _) | ([], [one]) => Ok((*one).clone()),
            ([], []) => Err(Error::NoSuchEntity {
                kind: "contact",
                id: key.into(),
            }),
            _ => Err(Error::Invalid(format!(
                "{key:?} matches several contacts; use the id"
            ))),
        }
    }

    pub fn remove_contact(&mut self, key: &str) -> Result<Contact> {
        let contact = self.contact(key)?;
        self.commit(|cat, now| {
            cat.db
                .execute("DELETE FROM contacts WHERE id = ?1", [&contact.id])?;
            custody::append(
                &cat.db,
                now,
                Action::Delete,
                None,
                &json!({ "contact": { "id": contact.id, "name": contact.name,
                                      "recipient": contact.recipient } }),
            )
        })?;
        Ok(contact)
    }
}
