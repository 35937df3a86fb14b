//! RFC 3161 time-stamps: proof from a time-stamping authority (TSA) that some bytes existed no
//! later than a given time. Dossier asks for one over a dossier's signature (PAdES B-T), so the
//! time of signing no longer rests on the signer's clock; an eIDAS-qualified authority gives
//! that time a legal presumption (eIDAS art. 41(2)).
//!
//! Only a SHA-256 digest leaves the machine, never a file or a name; the authority learns the
//! digest, the time and the address the request came from. Nothing is sent unless the user
//! named an authority.
//!
//! [`check`] reads a token back: the digest it covers, its time, and the authority's signature
//! with the certificate the token carries. Whether that authority is *trusted* is for the
//! recipient to decide with a trust list (pyHanko `--trust`, `openssl ts -verify -CAfile`,
//! Adobe): a self-made TSA passes [`check`] as well as a qualified one, and the report names it.
//!
//! Imports are time-stamped in batches through a *statement*: one salted commitment per item,
//! `SHA-256(salt ‖ sha256)` in hex, so the authority sees one digest per batch and a recipient
//! of one annex learns nothing of the other items (see [`statement`]).

use std::time::Duration;

use der::asn1::{Int, OctetString};
use der::oid::ObjectIdentifier;
use der::oid::db::{rfc5911, rfc5912};
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};

use crate::error::{Error, Result};

/// `id-ct-TSTInfo`: the content type of a time-stamp token's payload.
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// How long to wait for an authority: they answer in well under a second when reachable.
const TIMEOUT: Duration = Duration::from_secs(20);
/// A token is a few KiB (the authority's certificate chain); anything larger is not one.
const MAX_RESPONSE: u64 = 256 * 1024;

/// What a time-stamp token says, once [`check`]ed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Stamp {
    /// When the authority says it saw the digest, UTC (`2026-11-30T12:00:00Z`).
    pub time: String,
    /// The authority's certificate subject, as it names itself.
    pub authority: String,
    /// SHA-256 of the authority's certificate, hex: what a recipient compares to a trust list.
    pub authority_sha256: String,
    /// The token's serial number at the authority, hex.
    pub serial: String,
}

/// Asks the authority at `url` for a token over `digest` (SHA-256), and checks that the answer
/// covers that digest, repeats our nonce, and is signed. Returns the token (DER) and what it says.
pub fn request(url: &str, digest: &[u8; 32]) -> Result<(Vec<u8>, Stamp)> {
    let fail = |problem: String| Error::Timestamp {
        authority: url.to_string(),
        problem,
    };
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).expect("the operating system's random source failed");
    nonce[0] &= 0x7f; // a positive INTEGER
    let nonce = Int::new(&nonce).map_err(|e| fail(e.to_string()))?;
    let query = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint(digest).map_err(|e| fail(e.to_string()))?,
        req_policy: None,
        nonce: Some(nonce.clone()),
        cert_req: true,
        extensions: None,
    }
    .to_der()
    .map_err(|e| fail(e.to_string()))?;
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .build(),
    );
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/timestamp-query")
        .send(&query[..])
        .map_err(|e| fail(format!("cannot be reached: {e}")))?;
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_vec()
        .map_err(|e| fail(format!("the answer could not be read: {e}")))?;
    let answer = TimeStampResp::from_der(&body)
        .map_err(|e| fail(format!("not a time-stamp answer: {e}")))?;
    use cmpv2::status::PkiStatus;
    if !matches!(
        answer.status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        return Err(fail(format!(
            "the authority refused the request ({:?})",
            answer.status.status
        )));
    }
    let token = answer
        .time_stamp_token
        .ok_or_else(|| fail("the answer holds no token".into()))?
        .to_der()
        .map_err(|e| fail(e.to_string()))?;
    let (stamp, info) = read(&token, digest).map_err(fail)?;
    if info.nonce.as_ref() != Some(&nonce) {
        return Err(fail(
            "the answer does not repeat our nonce (a replay?)".into(),
        ));
    }
    Ok((token, stamp))
}

/// Checks a token (DER) against the SHA-256 `digest` it should cover: the digest, and the
/// authority's signature with the certificate the token carries. Err says what failed.
pub fn check(token: &[u8], digest: &[u8; 32]) -> std::result::Result<Stamp, String> {
    read(token, digest).map(|(stamp, _)| stamp)
}

fn imprint(digest: &[u8; 32]) -> der::Result<MessageImprint> {
    Ok(MessageImprint {
        hash_algorithm: spki::AlgorithmIdentifier {
            oid: rfc5912::ID_SHA_256,
            parameters: None,
        },
        hashed_message: OctetString::new(digest.to_vec())?,
    })
}

fn read(token: &[u8], digest: &[u8; 32]) -> std::result::Result<(Stamp, TstInfo), String> {
    let info = ContentInfo::from_der(token).map_err(|e| format!("not a time-stamp token: {e}"))?;
    if info.content_type != rfc5911::ID_SIGNED_DATA {
        return Err("the token is not CMS SignedData".into());
    }
    let data: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("the token's SignedData: {e}"))?;
    if data.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err("the token does not hold TSTInfo".into());
    }
    let content: OctetString = data
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("the token holds no TSTInfo")?
        .decode_as()
        .map_err(|e| format!("TSTInfo: {e}"))?;
    let tst = TstInfo::from_der(content.as_bytes()).map_err(|e| format!("TSTInfo: {e}"))?;
    if tst.message_imprint.hash_algorithm.oid != rfc5912::ID_SHA_256
        || tst.message_imprint.hashed_message.as_bytes() != digest
    {
        return Err("the token is for other bytes (its digest differs)".into());
    }
    let certs = crate::pkix::certificates(&data);
    let si = data
        .signer_infos
        .0
        .get(0)
        .ok_or("the token has no signer")?;
    let cert = *certs
        .iter()
        .find(|c| names(c, &si.sid))
        .ok_or("the authority's certificate is not in the token (it was not asked for)")?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or("the token has no signed attributes")?;
    let md: OctetString = attrs
        .iter()
        .find(|a| a.oid == rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.get(0))
        .ok_or("the token has no message-digest attribute")?
        .decode_as()
        .map_err(|e| format!("message-digest: {e}"))?;
    if md.as_bytes() != hash(&si.digest_alg, content.as_bytes())?.as_slice() {
        return Err("the token's TSTInfo has changed (message digest mismatch)".into());
    }
    let signed = attrs.to_der().map_err(|e| e.to_string())?;
    crate::pkix::verify(
        cert,
        &si.signature_algorithm,
        &si.digest_alg,
        &signed,
        si.signature.as_bytes(),
    )?;
    let cert_der = cert.to_der().map_err(|e| e.to_string())?;
    let stamp = Stamp {
        time: tst.gen_time.to_date_time().to_string().replace(".000", ""),
        authority: crate::pkix::readable_name(&cert.tbs_certificate.subject),
        authority_sha256: hex::encode(Sha256::digest(&cert_der)),
        serial: hex::encode(tst.serial_number.as_bytes()),
    };
    Ok((stamp, tst))
}

/// `cert` is the one `sid` names.
fn names(cert: &Certificate, sid: &SignerIdentifier) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            cert.tbs_certificate.issuer == ias.issuer
                && cert.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            // Authorities name their key by the certificate's subject key identifier.
            cert.tbs_certificate.extensions.iter().flatten().any(|e| {
                e.extn_id == rfc5912::ID_CE_SUBJECT_KEY_IDENTIFIER
                    && OctetString::from_der(e.extn_value.as_bytes())
                        .is_ok_and(|v| v.as_bytes() == ski.0.as_bytes())
            })
        }
    }
}

fn hash(alg: &AlgorithmIdentifierOwned, bytes: &[u8]) -> std::result::Result<Vec<u8>, String> {
    Ok(match alg.oid {
        rfc5912::ID_SHA_256 => Sha256::digest(bytes).to_vec(),
        rfc5912::ID_SHA_384 => Sha384::digest(bytes).to_vec(),
        rfc5912::ID_SHA_512 => Sha512::digest(bytes).to_vec(),
        other => return Err(format!("the token uses digest {other}, not SHA-2")),
    })
}

/// The unsigned attribute of a CMS signer that holds a time-stamp token over its signature.
pub(crate) const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// The first line of a statement that import time-stamps cover.
pub const STATEMENT_HEADER: &str = "dossier-timestamp 1";

/// The commitment to one item in a statement: the SHA-256 of the ASCII text `<salt><sha256>`
/// (both lowercase hex), in hex. A recipient recomputes it with
/// `printf '%s%s' SALT SHA256 | sha256sum`.
pub fn commitment(salt: &str, sha256: &str) -> String {
    hex::encode(Sha256::digest(format!("{salt}{sha256}").as_bytes()))
}

/// The statement a batch's token covers: [`STATEMENT_HEADER`], then the commitments sorted (so
/// their order says nothing of the import's), one per line, each line ending in LF.
pub fn statement(mut commitments: Vec<String>) -> String {
    commitments.sort();
    let mut s = format!("{STATEMENT_HEADER}\n");
    for c in commitments {
        s.push_str(&c);
        s.push('\n');
    }
    s
}

/// `statement` is one and commits to `sha256` with `salt`.
pub fn statement_names(statement: &str, salt: &str, sha256: &str) -> bool {
    let wanted = commitment(salt, sha256);
    let mut lines = statement.lines();
    lines.next() == Some(STATEMENT_HEADER) && lines.any(|l| l == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_names_an_item_only_with_its_salt() {
        let sha = "ab".repeat(32);
        let s = statement(vec![
            commitment("00ff", &sha),
            commitment("11ee", &"cd".repeat(32)),
        ]);
        assert!(s.starts_with("dossier-timestamp 1\n") && s.ends_with('\n'));
        assert!(statement_names(&s, "00ff", &sha));
        assert!(!statement_names(&s, "11ee", &sha), "another item's salt");
        assert!(
            !statement_names(&s, "00ff", &"ac".repeat(32)),
            "other bytes"
        );
        assert!(
            !s.contains(&sha),
            "the item's own hash is not in the statement"
        );
        // What a recipient types: printf '%s%s' SALT SHA256 | sha256sum
        assert_eq!(
            commitment("00ff", &sha),
            hex::encode(Sha256::digest(format!("00ff{sha}")))
        );
    }
}
