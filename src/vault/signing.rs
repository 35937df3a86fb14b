//! The vault's signing identity (for signed dossiers): made on first use, kept in the catalog.

use std::io::Write;
use std::path::Path;

use serde_json::json;

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::signer::{Signer, SignerName, SignerSummary};
use crate::storage::durable;

use super::Vault;

impl Vault {
    /// The vault's signing identity, made (and logged) on first use in the name of `who`
    /// (refused without one); once made, `who` is not used ([`Vault::renew_signer`] changes it).
    pub fn signer(&mut self, who: &SignerName) -> Result<Signer> {
        if let Some(s) = self.stored_signer()? {
            return Ok(s);
        }
        let signer = Signer::generate(who)?;
        let (key, leaf, root) = signer.to_stored()?;
        let fingerprint = signer.summary()?.fingerprint;
        self.commit(|cat, now| {
            cat.db.execute(
                "INSERT INTO vault_info (key, value) VALUES ('signer_key', ?1), ('signer_leaf', ?2), ('signer_root', ?3)",
                rusqlite::params![key.as_str(), leaf, root],
            )?;
            custody::append(
                &cat.db,
                now,
                Action::Keygen,
                None,
                &json!({ "signer_root_sha256": fingerprint }),
            )
        })?;
        Ok(signer)
    }

    /// Writes the signer's root certificate (PEM, public: what recipients pin) to `out`,
    /// never overwriting; makes the signing identity first if there is none.
    pub fn export_signer_root(&mut self, who: &SignerName, out: &Path) -> Result<SignerSummary> {
        let signer = self.signer(who)?;
        let pem = signer.root_pem()?;
        if out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists { path: out.into() });
        }
        (|| {
            let mut f = durable::create_private(out)?;
            f.write_all(pem.as_bytes())?;
            f.sync_all()
        })()
        .map_err(Error::io("cannot write the root certificate", out))?;
        signer.summary()
    }

    /// Makes a new signing identity in the name of `who`, in place of the one there is (a new
    /// name, or a key to retire). The root the recipients pinned cannot sign a new leaf (its key
    /// was dropped on purpose), so the new one has a root of its own: recipients pin its
    /// fingerprint from now on. Dossiers signed before keep verifying against the old root,
    /// which the custody entry keeps with both fingerprints.
    pub fn renew_signer(&mut self, who: &SignerName) -> Result<SignerSummary> {
        let previous = self.stored_signer()?;
        let signer = Signer::generate(who)?;
        let (key, leaf, root) = signer.to_stored()?;
        let summary = signer.summary()?;
        let mut detail =
            json!({ "signer_root_sha256": summary.fingerprint, "signer": summary.signer_subject });
        if let Some(old) = &previous {
            let old_summary = old.summary()?;
            detail["renewed_from_root_sha256"] = old_summary.fingerprint.into();
            detail["previous_signer"] = old_summary.signer_subject.into();
            detail["previous_root_pem"] = old.root_pem()?.into();
        }
        self.commit(|cat, now| {
            cat.db.execute(
                "INSERT INTO vault_info (key, value) VALUES ('signer_key', ?1), ('signer_leaf', ?2), ('signer_root', ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                rusqlite::params![key.as_str(), leaf, root],
            )?;
            custody::append(&cat.db, now, Action::Keygen, None, &detail)
        })?;
        Ok(summary)
    }

    /// The signing identity if one was made.
    pub fn stored_signer(&self) -> Result<Option<Signer>> {
        let get = |k: &str| -> Result<Option<zeroize::Zeroizing<String>>> {
            match self.catalog.db.query_row(
                "SELECT value FROM vault_info WHERE key = ?1",
                [k],
                |r| r.get::<_, String>(0),
            ) {
                Ok(v) => Ok(Some(zeroize::Zeroizing::new(v))),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(e) => Err(e.into()),
            }
        };
        match (get("signer_key")?, get("signer_leaf")?, get("signer_root")?) {
            (Some(k), Some(l), Some(r)) => Ok(Some(Signer::from_stored(&k, &l, &r)?)),
            _ => Ok(None),
        }
    }
}

/// The preference naming the time-stamping authority (a URL), if the user chose one.
const TIME_STAMPING_AUTHORITY: &str = "time_stamping_authority";

impl Vault {
    /// The RFC 3161 time-stamping authority that dossier signatures are sent to, if any.
    pub fn time_stamping_authority(&self) -> Result<Option<String>> {
        Ok(self
            .preference(TIME_STAMPING_AUTHORITY)?
            .filter(|url| !url.is_empty()))
    }

    /// Names the authority (an `http://` or `https://` URL), or none (`None`): from then on a
    /// dossier's signature is time-stamped by it. Logged, like every preference.
    pub fn set_time_stamping_authority(&mut self, url: Option<&str>) -> Result<()> {
        let url = url.map(str::trim).unwrap_or("");
        let is_url = url.starts_with("https://") || url.starts_with("http://");
        if !url.is_empty() && !is_url {
            return Err(Error::Invalid(format!(
                "{url:?} is not the address of a time-stamping authority (it starts with https:// or http://)"
            )));
        }
        self.set_preference(TIME_STAMPING_AUTHORITY, url)
    }
}
