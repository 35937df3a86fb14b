//! The CMS SignedData inside a PAdES signature (RFC 5652, detached), made and checked with
//! the RustCrypto `cms`/`x509-cert` stack. Signed attributes are exactly content-type,
//! message-digest and signing-certificate-v2 (RFC 5035): ETSI EN 319 142-1 forbids
//! signing-time, and `cms` 0.2 does not add it.

use der::asn1::{OctetString, SetOfVec};
use der::oid::db::{rfc5911, rfc5912};
use der::{Any, Decode, Encode, Reader, Sequence, SliceReader};
use p256::ecdsa::{DerSignature, SigningKey};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerIdentifier};

use crate::error::{Error, Result};
use crate::signer::Signer;
use crate::timestamp::{self, ID_AA_SIGNATURE_TIME_STAMP_TOKEN, Stamp};

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::ID_SHA_256,
        parameters: None,
    }
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    /// DEFAULT sha256: DER leaves a default value out, so `None` means SHA-256.
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    issuer_serial: Option<IssuerSerial>,
}

/// The attribute value is this SEQUENCE itself, not an OCTET STRING around it (Adobe rejects
/// the wrapped form).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn err(what: &'static str) -> impl Fn(&dyn std::fmt::Display) -> Error {
    move |e| Error::Pdf(format!("{what}: {e}"))
}

fn signing_certificate_v2(cert: &Certificate) -> Result<Attribute> {
    let der = cert.to_der().map_err(|e| err("certificate")(&e))?;
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(Sha256::digest(&der).to_vec())
                .map_err(|e| err("certificate hash")(&e))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate.issuer.clone(),
                )],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            }),
        }],
    };
    let mut values = SetOfVec::new();
    values
        .insert(Any::encode_from(&value).map_err(|e| err("signing certificate")(&e))?)
        .map_err(|e| err("signing certificate")(&e))?;
    Ok(Attribute {
        oid: rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2,
        values,
    })
}

/// A detached SignedData over `digest` (SHA-256 of the PDF's byte range), DER.
pub(crate) fn sign(signer: &Signer, digest: &[u8; 32]) -> Result<Vec<u8>> {
    let e = err("building the signature");
    let eci = EncapsulatedContentInfo {
        econtent_type: rfc5911::ID_DATA,
        econtent: None,
    };
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: signer.leaf.tbs_certificate.issuer.clone(),
        serial_number: signer.leaf.tbs_certificate.serial_number.clone(),
    });
    let mut info = SignerInfoBuilder::new(signer.key(), sid, sha256_alg(), &eci, Some(&digest[..]))
        .map_err(|x| e(&x))?;
    info.add_signed_attribute(signing_certificate_v2(&signer.leaf)?)
        .map_err(|x| e(&x))?;
    let mut data = SignedDataBuilder::new(&eci);
    data.add_digest_algorithm(sha256_alg())
        .map_err(|x| e(&x))?
        .add_certificate(CertificateChoices::Certificate(signer.leaf.clone()))
        .map_err(|x| e(&x))?
        .add_certificate(CertificateChoices::Certificate(signer.root.clone()))
        .map_err(|x| e(&x))?
        .add_signer_info::<SigningKey, DerSignature>(info)
        .map_err(|x| e(&x))?;
    data.build().map_err(|x| e(&x))?.to_der().map_err(|x| e(&x))
}

/// Adds a time-stamp over the signature (PAdES B-T): `stamp` gets the SHA-256 of the
/// signature value and returns a token for it, or `None` (then the signature stays B-B). The
/// token goes in the unsigned attribute `id-aa-signatureTimeStampToken`, which the signature
/// does not cover, so adding it changes nothing that was signed.
pub(crate) fn add_signature_timestamp(
    der: Vec<u8>,
    stamp: &mut dyn FnMut(&[u8; 32]) -> Option<Vec<u8>>,
) -> Result<Vec<u8>> {
    let e = err("adding the time-stamp");
    let info = ContentInfo::from_der(&der).map_err(|x| e(&x))?;
    let mut data: SignedData = info.content.decode_as().map_err(|x| e(&x))?;
    let mut infos = data.signer_infos.0.into_vec();
    let Some(si) = infos.first_mut() else {
        return Err(Error::Pdf("the signature has no signer".into()));
    };
    let Some(token) = stamp(&Sha256::digest(si.signature.as_bytes()).into()) else {
        return Ok(der);
    };
    let mut values = SetOfVec::new();
    values
        .insert(Any::from_der(&token).map_err(|x| e(&x))?)
        .map_err(|x| e(&x))?;
    let mut unsigned = SetOfVec::new();
    unsigned
        .insert(Attribute {
            oid: ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
            values,
        })
        .map_err(|x| e(&x))?;
    si.unsigned_attrs = Some(unsigned);
    data.signer_infos =
        cms::signed_data::SignerInfos(SetOfVec::try_from(infos).map_err(|x| e(&x))?);
    ContentInfo {
        content_type: rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(&data).map_err(|x| e(&x))?,
    }
    .to_der()
    .map_err(|x| e(&x))
}

/// What a valid CMS signature says about its signer.
#[derive(Debug)]
pub(crate) struct Verified {
    pub signer: Certificate,
    /// The self-signed certificate the signer chains to, if the CMS carries it.
    pub root: Option<Certificate>,
    /// The time-stamp over the signature (PAdES B-T), if it carries one: what it says, or
    /// why it does not hold.
    pub stamp: Option<std::result::Result<Stamp, String>>,
}

/// Checks a detached SignedData (possibly followed by zero padding) against `digest`: the
/// message-digest attribute, the signing-certificate-v2 hash, the ECDSA signature over the
/// signed attributes, and the chain up to a self-signed root. Err says what failed.
pub(crate) fn verify(contents: &[u8], digest: &[u8; 32]) -> std::result::Result<Verified, String> {
    let mut reader = SliceReader::new(contents).map_err(|e| e.to_string())?;
    let info = ContentInfo::decode(&mut reader).map_err(|e| format!("not a CMS structure: {e}"))?;
    let used = u32::from(reader.position()) as usize;
    if contents[used..].iter().any(|&b| b != 0) {
        return Err("bytes after the CMS structure".into());
    }
    if info.content_type != rfc5911::ID_SIGNED_DATA {
        return Err("the CMS structure is not SignedData".into());
    }
    let data: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("SignedData: {e}"))?;
    let certs = crate::pkix::certificates(&data);
    let mut signers = data.signer_infos.0.iter();
    let si = signers.next().ok_or("no signer")?;
    if signers.next().is_some() {
        return Err("more than one signer".into());
    }
    if si.digest_alg.oid != rfc5912::ID_SHA_256 {
        return Err(format!(
            "digest algorithm {} is not SHA-256",
            si.digest_alg.oid
        ));
    }
    let attrs = si.signed_attrs.as_ref().ok_or("no signed attributes")?;
    let attr = |oid| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.get(0))
    };
    let md: OctetString = attr(rfc5911::ID_MESSAGE_DIGEST)
        .ok_or("no message-digest attribute")?
        .decode_as()
        .map_err(|e| format!("message-digest: {e}"))?;
    if md.as_bytes() != digest {
        return Err("the signed bytes have changed (message digest mismatch)".into());
    }
    let SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid else {
        return Err("the signer is not named by issuer and serial".into());
    };
    // A SET OF is sorted by encoding, not kept in insertion order: look the signer up.
    let cert = *certs
        .iter()
        .find(|c| {
            c.tbs_certificate.issuer == ias.issuer
                && c.tbs_certificate.serial_number == ias.serial_number
        })
        .ok_or("the signer's certificate is not in the signature")?;
    let cert_der = cert.to_der().map_err(|e| e.to_string())?;
    let ess: SigningCertificateV2 = attr(rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2)
        .ok_or("no signing-certificate-v2 attribute (not PAdES)")?
        .decode_as()
        .map_err(|e| format!("signing-certificate-v2: {e}"))?;
    let first = ess.certs.first().ok_or("empty signing-certificate-v2")?;
    if first
        .hash_algorithm
        .as_ref()
        .is_some_and(|a| a.oid != rfc5912::ID_SHA_256)
        || first.cert_hash.as_bytes() != Sha256::digest(&cert_der).as_slice()
    {
        return Err("signing-certificate-v2 does not name the signer's certificate".into());
    }
    crate::pkix::verify_p256(
        cert,
        &attrs.to_der().map_err(|e| e.to_string())?,
        si.signature.as_bytes(),
    )
    .map_err(|e| format!("the signature does not verify: {e}"))?;
    let issuer = certs
        .iter()
        .find(|c| c.tbs_certificate.subject == cert.tbs_certificate.issuer && **c != cert);
    let root = match issuer {
        Some(root) => {
            check_certificate(cert, root).map_err(|e| format!("the signer's certificate: {e}"))?;
            check_certificate(root, root).map_err(|e| format!("the root certificate: {e}"))?;
            Some((*root).clone())
        }
        None => None,
    };
    let stamp = si
        .unsigned_attrs
        .iter()
        .flat_map(|set| set.iter())
        .find(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
        .map(|a| {
            let token = a.values.get(0).ok_or("an empty time-stamp attribute")?;
            let der = token.to_der().map_err(|e| e.to_string())?;
            timestamp::check(&der, &Sha256::digest(si.signature.as_bytes()).into())
        });
    Ok(Verified {
        signer: cert.clone(),
        root,
        stamp,
    })
}

/// `cert` is signed by `issuer`'s key with ECDSA-SHA256.
fn check_certificate(cert: &Certificate, issuer: &Certificate) -> std::result::Result<(), String> {
    if cert.signature_algorithm.oid != rfc5912::ECDSA_WITH_SHA_256 {
        return Err(format!("signed with {}", cert.signature_algorithm.oid));
    }
    let tbs = cert.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    crate::pkix::verify_p256(issuer, &tbs, cert.signature.raw_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_names_its_chain() {
        let s = Signer::generate(&crate::signer::SignerName::new("t", "")).unwrap();
        let digest = [7u8; 32];
        let mut der = sign(&s, &digest).unwrap();
        let v = verify(&der, &digest).unwrap();
        assert_eq!(v.signer, s.leaf);
        assert_eq!(v.root.as_ref(), Some(&s.root));
        assert!(verify(&der, &[8u8; 32]).unwrap_err().contains("digest"));
        der.extend_from_slice(&[0; 100]);
        assert!(
            verify(&der, &digest).is_ok(),
            "zero padding after the DER is normal"
        );
        let last = der.len() - 101;
        der[last] ^= 1;
        assert!(
            verify(&der, &digest).is_err(),
            "a flipped signature byte must fail"
        );
    }

    #[test]
    fn no_signing_time_attribute() {
        let s = Signer::generate(&crate::signer::SignerName::new("t", "")).unwrap();
        let der = sign(&s, &[1; 32]).unwrap();
        let needle = rfc5911::ID_SIGNING_TIME.to_der().unwrap();
        assert!(
            !der.windows(needle.len()).any(|w| w == needle),
            "PAdES forbids signing-time"
        );
    }
}
