//! The annexes' proofs of time in a dossier: each distinct token is attached once, with the
//! statement it covers, as `T1_statement.txt` and `T1_token.tsr`; the signed manifest says
//! which token covers which annex and with what salt. A recipient checks one annex with
//! standard tools alone:
//!
//! ```text
//! openssl ts -verify -data T1_statement.txt -in T1_token.tsr -token_in -CAfile authority.pem
//! printf '%s%s' SALT SHA256 | sha256sum     # a line of T1_statement.txt
//! ```

use std::collections::HashMap;

use crate::pdf::check::{ManifestStamp, ManifestStampRef};
use crate::pdf::update::Attachment;

use super::Annex;

/// The tokens a dossier carries, in the order their first annex comes.
pub(crate) struct Stamps<'a> {
    /// Label (`T1`…) and the annex that brought each token in.
    tokens: Vec<(String, &'a Annex)>,
    /// Annex number → its token's label.
    by_annex: HashMap<u32, String>,
}

impl<'a> Stamps<'a> {
    pub(crate) fn of(annexes: &'a [Annex]) -> Stamps<'a> {
        let mut tokens: Vec<(String, &Annex)> = Vec::new();
        let mut by_annex = HashMap::new();
        for a in annexes {
            let Some(s) = &a.stamp else { continue };
            let label = match tokens
                .iter()
                .find(|(_, first)| first.stamp.as_ref().is_some_and(|f| f.token == s.token))
            {
                Some((label, _)) => label.clone(),
                None => {
                    let label = format!("T{}", tokens.len() + 1);
                    tokens.push((label.clone(), a));
                    label
                }
            };
            by_annex.insert(a.number, label);
        }
        Stamps { tokens, by_annex }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The label of the token covering annex `number`.
    pub(crate) fn label(&self, number: u32) -> Option<&str> {
        self.by_annex.get(&number).map(String::as_str)
    }

    /// What the manifest says of annex `a`.
    pub(crate) fn annex_ref(&self, a: &Annex) -> Option<ManifestStampRef> {
        Some(ManifestStampRef {
            id: self.label(a.number)?.to_string(),
            salt: a.stamp.as_ref()?.salt.clone(),
        })
    }

    pub(crate) fn manifest(&self) -> Vec<ManifestStamp> {
        self.tokens
            .iter()
            .filter_map(|(label, a)| {
                let s = a.stamp.as_ref()?;
                Some(ManifestStamp {
                    id: label.clone(),
                    statement: format!("{label}_statement.txt"),
                    token: format!("{label}_token.tsr"),
                    time: s.stamp.time.clone(),
                    authority: s.stamp.authority.clone(),
                })
            })
            .collect()
    }

    /// The files to attach, two a token (statement, then token), with their bytes.
    pub(crate) fn files(&self) -> Vec<(Attachment, &'a [u8])> {
        let mut out = Vec::new();
        for (m, (_, a)) in self.manifest().into_iter().zip(&self.tokens) {
            let Some(s) = a.stamp.as_ref() else { continue };
            let mut attach = |file_name: &str, what: &str, mime_type: &str, bytes: &'a [u8]| {
                let attachment = Attachment {
                    file_name: file_name.into(),
                    unicode_name: file_name.into(),
                    description: format!(
                        "Time-stamp {}: {what} ({} UTC, {})",
                        m.id, m.time, m.authority
                    ),
                    mime_type: mime_type.into(),
                    size: bytes.len() as u64,
                    relationship: "Supplement",
                };
                out.push((attachment, bytes));
            };
            attach(
                &m.statement,
                "the statement the token covers",
                "text/plain",
                s.statement.as_bytes(),
            );
            // The token is CMS SignedData (RFC 3161 §2.4.2), not a whole reply.
            attach(
                &m.token,
                "RFC 3161 token",
                "application/pkcs7-mime",
                &s.token,
            );
        }
        out
    }
}
