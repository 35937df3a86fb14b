//! Signatures checked against the certificate that made them: ECDSA P-256 (Dossier's own
//! signing certificates) and RSA PKCS #1 v1.5 (most time-stamping authorities).

use der::Encode;
use der::oid::db::rfc5912;
use p256::ecdsa::signature::Verifier;
use p256::pkcs8::DecodePublicKey;
use sha2::{Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

/// A CMS signer's signature over `message` (its signed attributes): RSA PKCS #1 v1.5 or ECDSA
/// P-256, the two that time-stamping authorities use. `digest` is the signer info's digest
/// algorithm.
pub(crate) fn verify(
    cert: &Certificate,
    alg: &AlgorithmIdentifierOwned,
    digest: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> std::result::Result<(), String> {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    let spki = spki_der(cert)?;
    let bad = |_| "bad signature".to_string();
    let rsa = [
        rfc5912::RSA_ENCRYPTION,
        rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
        rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
    ];
    if rsa.contains(&alg.oid) {
        let key = rsa::RsaPublicKey::from_public_key_der(&spki)
            .map_err(|e| format!("the signer's RSA key: {e}"))?;
        let sig = Signature::try_from(signature).map_err(bad)?;
        return match digest.oid {
            rfc5912::ID_SHA_256 => VerifyingKey::<Sha256>::new(key).verify(message, &sig),
            rfc5912::ID_SHA_384 => VerifyingKey::<Sha384>::new(key).verify(message, &sig),
            rfc5912::ID_SHA_512 => VerifyingKey::<Sha512>::new(key).verify(message, &sig),
            other => return Err(format!("digest {other} is not SHA-2")),
        }
        .map_err(bad);
    }
    if alg.oid == rfc5912::ECDSA_WITH_SHA_256 {
        return verify_p256(cert, message, signature);
    }
    Err(format!(
        "signed with {}, which Dossier cannot check",
        alg.oid
    ))
}

/// An ECDSA P-256 signature (DER) by `cert`'s key over `message`, with SHA-256.
pub(crate) fn verify_p256(
    cert: &Certificate,
    message: &[u8],
    signature: &[u8],
) -> std::result::Result<(), String> {
    let spki = spki_der(cert)?;
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki)
        .map_err(|_| "only ECDSA P-256 signers are supported".to_string())?;
    let sig = p256::ecdsa::DerSignature::from_bytes(signature).map_err(|e| e.to_string())?;
    key.verify(message, &sig)
        .map_err(|_| "bad signature".to_string())
}

fn spki_der(cert: &Certificate) -> std::result::Result<Vec<u8>, String> {
    cert.tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())
}

/// The X.509 certificates a CMS SignedData carries.
pub(crate) fn certificates(data: &cms::signed_data::SignedData) -> Vec<&Certificate> {
    data.certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// A certificate subject as people read it: "Common Name (Organisation)", or the whole
/// distinguished name when it has no common name.
pub(crate) fn readable_name(name: &x509_cert::name::Name) -> String {
    let find = |prefix: &str| {
        name.0.iter().flat_map(|rdn| rdn.0.iter()).find_map(|atv| {
            atv.to_string()
                .strip_prefix(prefix)
                .map(|v| v.replace('\\', ""))
        })
    };
    match (find("CN="), find("O=")) {
        (Some(cn), Some(o)) => format!("{cn} ({o})"),
        (Some(cn), None) => cn,
        _ => name.to_string(),
    }
}
