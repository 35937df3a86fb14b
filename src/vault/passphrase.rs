//! The passphrase slot and the identity it unlocks: confirming and changing the passphrase,
//! exporting the identity.

use std::io::Write;
use std::path::Path;

use age::secrecy::SecretString;
use serde_json::json;

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::keys;
use crate::storage::durable;

use super::{Vault, absolute};

impl Vault {
    /// Checks that `passphrase` opens this vault's passphrase slot (before a front end lets
    /// someone change it or export the identity from an unattended, unlocked session).
    pub fn confirm_passphrase(&self, passphrase: &SecretString) -> Result<()> {
        let key = keys::unlock_passphrase_slot(&self.layout, passphrase)?;
        if key.vault_id() != self.key.vault_id() {
            return Err(Error::Corrupt(format!(
                "the passphrase slot in {} belongs to another vault",
                self.layout.keys().display()
            )));
        }
        Ok(())
    }

    /// Re-wraps the vault key under a new passphrase. Evidence and catalog are not rewritten.
    pub fn change_passphrase(&mut self, new: &SecretString, work_factor: u8) -> Result<()> {
        keys::check_new_passphrase(new)?;
        if let Some(notice) = &self.read_only {
            return Err(Error::ReadOnly(notice.clone()));
        }
        if let Some(warning) =
            keys::write_passphrase_slot(&self.layout, &self.key, new, work_factor)?
        {
            self.warnings.push(warning);
        }
        // The new passphrase is in force now: failing to log it must not read as "nothing
        // changed", or the user might forget the new one.
        let logged = self.commit(|cat, now| {
            custody::append(
                &cat.db,
                now,
                Action::Rekey,
                None,
                &json!({ "slot": "passphrase", "kdf_work_factor": work_factor }),
            )
        });
        if let Err(e) = logged {
            self.warnings.push(format!(
                "the passphrase WAS changed, but the change could not be recorded in the custody log: {e}"
            ));
        }
        Ok(())
    }

    /// Writes the vault's age identity to `out` (mode 0600, never overwriting): with it and
    /// the stock `age` tool, `tools/recover.py` restores every item without Dossier.
    pub fn export_identity(&mut self, out: &Path) -> Result<()> {
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        (|| {
            let mut f = durable::create_private(out)?;
            f.write_all(self.key.identity_file().as_bytes())?;
            f.sync_all()
        })()
        .map_err(Error::io("cannot write the identity file", out))?;
        self.record_export(
            None,
            json!({ "what": "identity", "to": absolute(out) }),
            out,
        )
    }
}
