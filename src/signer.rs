//! The vault's signing identity: a self-made root certificate that a recipient pins (by its
//! SHA-256 fingerprint) and a leaf certificate that signs dossiers. NSS (pdfsig) refuses a
//! self-signed end-entity certificate as a trust anchor, hence two certificates.
//!
//! Both keys are ECDSA P-256 (FIPS 186-4 via `p256`; accepted by pdfsig/NSS, pyHanko, Adobe
//! ≥ 11 and OpenSSL). Only the leaf's key is kept: the root signs the leaf once and its key is
//! then dropped, so a stolen vault key cannot mint further signers under the pinned root. The
//! leaf's key and both certificates live in the encrypted catalog, nowhere else.

use std::str::FromStr;
use std::time::Duration;

use der::pem::LineEnding;
use der::{Decode, Encode, EncodePem};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::rand_core::{OsRng, RngCore};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

const ROOT_YEARS: u64 = 30;
const LEAF_YEARS: u64 = 10;
const YEAR: u64 = 365 * 86_400 + 6 * 3600;

/// What a front end shows about the signing identity.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignerSummary {
    /// SHA-256 of the root certificate (DER), as `AB:CD:…` (the form `openssl x509
    /// -fingerprint -sha256` prints).
    pub fingerprint: String,
    /// SHA-256 of the signing (leaf) certificate: what pyHanko and PDF readers show. It
    /// changes when the signing certificate is renewed; the root's does not.
    pub signer_fingerprint: String,
    pub root_subject: String,
    pub signer_subject: String,
    /// Whom the signing certificate names, as a reader says it: "Name, Organisation".
    pub signed_as: String,
    pub not_after: String,
}

/// Whom the certificates name: what every validator shows as the signer of a dossier (pdfsig,
/// Adobe, pyHanko). A lawyer's or an organisation's name, given by the user when the signer is
/// made; never a placeholder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignerName {
    /// The common name (CN): "Әлия Жұмабаева", "Avocats pour la liberté".
    pub name: String,
    /// The organisation (O), if any.
    pub organisation: String,
}

impl SignerName {
    pub fn new(name: &str, organisation: &str) -> SignerName {
        SignerName {
            name: dn_value(name),
            organisation: dn_value(organisation),
        }
    }

    fn subject(&self, suffix: &str) -> String {
        let mut dn = format!("CN={}{suffix}", self.name);
        if !self.organisation.is_empty() {
            dn.push_str(&format!(",O={}", self.organisation));
        }
        dn
    }
}

/// The signing key and its certificate chain.
pub struct Signer {
    key: SigningKey,
    pub(crate) leaf: Certificate,
    pub(crate) root: Certificate,
}

fn pdf_err(what: &str) -> impl Fn(&dyn std::fmt::Display) -> Error + '_ {
    move |e| Error::Pdf(format!("{what}: {e}"))
}

/// 16 random bytes, positive: NSS finds a signer by issuer and serial, so serials must never
/// repeat between vaults that share a subject name.
fn serial() -> Result<SerialNumber> {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[0] = (b[0] & 0x7f) | 0x01;
    SerialNumber::new(&b).map_err(|e| pdf_err("certificate serial")(&e))
}

/// A distinguished-name value with the characters RFC 4514 gives meaning to removed.
fn dn_value(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' | '#'))
        .collect::<String>()
        .trim()
        .to_string()
}

impl Signer {
    /// Makes a new root and signer, both naming `who`.
    pub fn generate(who: &SignerName) -> Result<Signer> {
        let err = |e: &dyn std::fmt::Display| Error::Pdf(format!("making the certificates: {e}"));
        let who = SignerName::new(&who.name, &who.organisation);
        if who.name.is_empty() {
            return Err(Error::Invalid(
                "a dossier's signature names its signer, and this vault has no signing certificate yet: give the name recipients will see, a lawyer's or an organisation's (CLI: --signer-name, and --signer-org if you like)".into(),
            ));
        }
        let root_key = SigningKey::random(&mut OsRng);
        let root_name = Name::from_str(&who.subject(" (signing root)")).map_err(|e| err(&e))?;
        let root = CertificateBuilder::new(
            Profile::Root,
            serial()?,
            Validity::from_now(Duration::from_secs(ROOT_YEARS * YEAR)).map_err(|e| err(&e))?,
            root_name.clone(),
            SubjectPublicKeyInfoOwned::from_key(*root_key.verifying_key()).map_err(|e| err(&e))?,
            &root_key,
        )
        .map_err(|e| err(&e))?
        .build::<DerSignature>()
        .map_err(|e| err(&e))?;
        let key = SigningKey::random(&mut OsRng);
        let leaf = CertificateBuilder::new(
            Profile::Leaf {
                issuer: root_name,
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            serial()?,
            Validity::from_now(Duration::from_secs(LEAF_YEARS * YEAR)).map_err(|e| err(&e))?,
            Name::from_str(&who.subject("")).map_err(|e| err(&e))?,
            SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(|e| err(&e))?,
            &root_key,
        )
        .map_err(|e| err(&e))?
        .build::<DerSignature>()
        .map_err(|e| err(&e))?;
        Ok(Signer { key, leaf, root })
    }

    /// (PKCS#8 key, leaf DER, root DER) as hex, for the catalog.
    pub(crate) fn to_stored(&self) -> Result<(Zeroizing<String>, String, String)> {
        let key = self
            .key
            .to_pkcs8_der()
            .map_err(|e| pdf_err("saving the signing key")(&e))?;
        let leaf = self.leaf.to_der().map_err(|e| pdf_err("certificate")(&e))?;
        let root = self.root.to_der().map_err(|e| pdf_err("certificate")(&e))?;
        Ok((
            Zeroizing::new(hex::encode(key.as_bytes())),
            hex::encode(leaf),
            hex::encode(root),
        ))
    }

    pub(crate) fn from_stored(key: &str, leaf: &str, root: &str) -> Result<Signer> {
        let bad = |what: &str| Error::Corrupt(format!("the stored signing identity: {what}"));
        let key_der = Zeroizing::new(hex::decode(key).map_err(|_| bad("key"))?);
        let key = SigningKey::from_pkcs8_der(&key_der).map_err(|_| bad("key"))?;
        let leaf = Certificate::from_der(&hex::decode(leaf).map_err(|_| bad("certificate"))?)
            .map_err(|_| bad("certificate"))?;
        let root = Certificate::from_der(&hex::decode(root).map_err(|_| bad("root"))?)
            .map_err(|_| bad("root"))?;
        Ok(Signer { key, leaf, root })
    }

    pub(crate) fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The root certificate in PEM: what a recipient pins.
    pub fn root_pem(&self) -> Result<String> {
        self.root
            .to_pem(LineEnding::LF)
            .map_err(|e| pdf_err("certificate")(&e))
    }

    pub fn summary(&self) -> Result<SignerSummary> {
        Ok(SignerSummary {
            fingerprint: fingerprint(&self.root)?,
            signer_fingerprint: fingerprint(&self.leaf)?,
            root_subject: self.root.tbs_certificate.subject.to_string(),
            signer_subject: self.leaf.tbs_certificate.subject.to_string(),
            signed_as: signed_as(&self.leaf.tbs_certificate.subject.to_string()),
            not_after: self.leaf.tbs_certificate.validity.not_after.to_string(),
        })
    }
}

/// "Name, Organisation" from a subject `CN=Name,O=Organisation` (the values carry no commas:
/// [`dn_value`] removed them).
pub(crate) fn signed_as(subject: &str) -> String {
    let value = |key: &str| {
        subject
            .split(',')
            .find_map(|part| part.trim().strip_prefix(key))
            .map(str::to_string)
    };
    [value("CN="), value("O=")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// SHA-256 of a certificate's DER as colon-separated upper-case pairs.
pub fn fingerprint(cert: &Certificate) -> Result<String> {
    let der = cert.to_der().map_err(|e| pdf_err("certificate")(&e))?;
    Ok(colon_hex(&Sha256::digest(der)))
}

pub(crate) fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A fingerprint as the user typed it (any case, with or without colons or spaces), as bytes.
pub fn parse_fingerprint(s: &str) -> Result<Vec<u8>> {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    match hex::decode(&cleaned) {
        Ok(b) if b.len() == 32 => Ok(b),
        _ => Err(Error::Invalid(format!(
            "'{s}' is not a SHA-256 fingerprint (64 hex digits, colons allowed)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_identity_round_trips_and_chains() {
        let s = Signer::generate(&SignerName::new("Test, \"Chambers\"", "")).unwrap();
        let (k, l, r) = s.to_stored().unwrap();
        let back = Signer::from_stored(&k, &l, &r).unwrap();
        assert_eq!(
            back.summary().unwrap().fingerprint,
            s.summary().unwrap().fingerprint
        );
        assert_eq!(
            back.leaf.tbs_certificate.issuer,
            back.root.tbs_certificate.subject
        );
        assert_ne!(
            back.leaf.tbs_certificate.serial_number, back.root.tbs_certificate.serial_number,
            "serials are random per certificate"
        );
        assert!(
            s.summary()
                .unwrap()
                .signer_subject
                .contains("Test Chambers")
        );
    }

    #[test]
    fn the_certificates_name_the_signer_and_never_a_placeholder() {
        let who = SignerName::new("Әлия Жұмабаева", "Avocats pour la liberté");
        let s = Signer::generate(&who).unwrap().summary().unwrap();
        assert!(
            s.signer_subject.contains("CN=Әлия Жұмабаева")
                && s.signer_subject.contains("O=Avocats pour la liberté"),
            "{}",
            s.signer_subject
        );
        assert!(
            !s.signer_subject.contains("Dossier"),
            "{}",
            s.signer_subject
        );
        assert!(s.root_subject.contains("Әлия Жұмабаева (signing root)"));
        assert_eq!(s.signed_as, "Әлия Жұмабаева, Avocats pour la liberté");
        let nobody = Signer::generate(&SignerName::new("  ", "Org"));
        assert!(matches!(nobody, Err(Error::Invalid(_))));
    }

    #[test]
    fn fingerprints_parse_in_the_forms_people_paste() {
        let s = Signer::generate(&SignerName::new("Counsel", "")).unwrap();
        let fp = s.summary().unwrap().fingerprint;
        let raw = parse_fingerprint(&fp).unwrap();
        assert_eq!(
            parse_fingerprint(&fp.replace(':', "").to_lowercase()).unwrap(),
            raw
        );
        assert!(parse_fingerprint("abcd").is_err());
    }
}
