//! Gathering a case, exporting its signed dossier, and the draft pages the app shows before
//! the export: the [`Vault`] side of dossiers (the document's layout is in `compose`).

use super::*;
use std::collections::HashMap;
use std::io::BufWriter;

use serde_json::json;
use time::OffsetDateTime;

use sha2::Digest;

use crate::error::{Error, Result};
use crate::items::Item;
use crate::pdf::update::{Attachment, Signing, write_signed};
use crate::pdf::{MANIFEST_NAME, Manifest, ManifestAnnex, check::MANIFEST_FORMAT};
use crate::progress::Progress;
use crate::register::Person;
use crate::signer::SignerName;
use crate::storage::durable;
use crate::timestamp::Stamp;
use crate::{Rendition, Vault};

impl Vault {
    /// Builds, signs and writes a dossier for a case. See the module docs.
    pub fn export_dossier(
        &mut self,
        opts: &ExportOptions,
        progress: &dyn Progress,
    ) -> Result<ExportReport> {
        if opts.out.symlink_metadata().is_ok() {
            return Err(Error::OutputExists {
                path: opts.out.clone(),
            });
        }
        let mut warnings = Vec::new();
        let material = self.gather(opts, &mut warnings)?;
        let mut personal_data = self.personal_data(&material, opts)?;
        let signer = self.signer(&opts.signer)?;
        let summary = signer.summary()?;
        // The certificate already names someone: a different name given now does not change it.
        let wanted = SignerName::new(&opts.signer.name, &opts.signer.organisation);
        if !wanted.name.is_empty()
            && !summary
                .signer_subject
                .contains(&format!("CN={}", wanted.name))
        {
            warnings.push(format!(
                "the dossier is signed as {}, the name on this vault's certificate, not {:?}; to sign in another name, make a new certificate (CLI: dossier signer renew --name …) and give recipients its fingerprint",
                summary.signer_subject, wanted.name
            ));
        }
        let fingerprint = summary.fingerprint.clone();
        // The signature is time-stamped when the user named an authority (read once: the
        // verification page says so, and the signing step asks it).
        let authority = self.time_stamping_authority()?;
        let material = Material {
            fingerprint: fingerprint.clone(),
            signer_fingerprint: summary.signer_fingerprint,
            signed_as: summary.signed_as,
            time_stamped: authority.is_some(),
            ..material
        };
        let composed = compose::compose(&material);
        personal_data.extend(confidential_source(&material, &composed));
        warnings.extend(composed.notes.iter().cloned());
        if composed.flow.missing_glyphs > 0 {
            warnings.push(format!(
                "{} character(s) have no glyph in the embedded fonts and are printed as '?'",
                composed.flow.missing_glyphs
            ));
        }
        let base = crate::pdf::render::render(&composed.flow, &composed.info)?;
        let pages = composed.flow.pages.len();

        let stamps = stamps::Stamps::of(&material.annexes);
        let manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            time_stamps: stamps.manifest(),
            title: material.case.title.clone(),
            annexes: material
                .annexes
                .iter()
                .map(|a| ManifestAnnex {
                    number: a.number,
                    file: if opts.no_originals || matches!(a.attached, Attached::Withheld) {
                        String::new()
                    } else {
                        a.file_name.clone()
                    },
                    title: a.item.name.clone(),
                    sha256: a.item.sha256.clone(),
                    size: a.item.size,
                    time_stamp: stamps.annex_ref(a),
                    copy: match &a.attached {
                        Attached::Copy { bytes, sha256 } if !opts.no_originals => {
                            Some(crate::pdf::check::ManifestCopy {
                                sha256: sha256.clone(),
                                size: bytes.len() as u64,
                            })
                        }
                        _ => None,
                    },
                })
                .collect(),
        };
        let manifest = Manifest {
            // Version 1 readers would call a copy "changed", and earlier ones a token file
            // "unlisted": they are told the format is new.
            format: if !stamps.is_empty() {
                crate::pdf::check::MANIFEST_FORMAT_STAMPS.into()
            } else if manifest.annexes.iter().any(|a| a.copy.is_some()) {
                crate::pdf::check::MANIFEST_FORMAT_COPIES.into()
            } else {
                MANIFEST_FORMAT.into()
            },
            ..manifest
        };
        let manifest_json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::Pdf(format!("the manifest: {e}")))?;
        let embedded: Vec<&Annex> = if opts.no_originals {
            Vec::new()
        } else {
            material
                .annexes
                .iter()
                .filter(|a| !matches!(a.attached, Attached::Withheld))
                .collect()
        };
        let mut attachments: Vec<Attachment> = embedded
            .iter()
            .map(|a| match &a.attached {
                Attached::Copy { bytes, sha256 } => Attachment {
                    file_name: a.file_name.clone(),
                    unicode_name: unicode_attachment_name(a.number, &a.item.name),
                    description: format!(
                        "{} {}: {}, a copy without location and camera data (SHA-256 {sha256}; \
                         the original's SHA-256 {})",
                        material.lang.labels().annex,
                        a.number,
                        a.item.name,
                        a.item.sha256
                    ),
                    mime_type: a.item.media_type.clone(),
                    size: bytes.len() as u64,
                    relationship: "Alternative",
                },
                _ => Attachment {
                    file_name: a.file_name.clone(),
                    unicode_name: unicode_attachment_name(a.number, &a.item.name),
                    description: format!(
                        "{} {}: {} (SHA-256 {})",
                        material.lang.labels().annex,
                        a.number,
                        a.item.name,
                        a.item.sha256
                    ),
                    mime_type: a.item.media_type.clone(),
                    size: a.item.size,
                    relationship: "Source",
                },
            })
            .collect();
        let stamp_files = stamps.files();
        attachments.extend(stamp_files.iter().map(|(a, _)| a.clone()));
        attachments.push(Attachment {
            file_name: MANIFEST_NAME.into(),
            unicode_name: MANIFEST_NAME.into(),
            description: "Signed list of annexes with their SHA-256 (dossier-manifest 1)".into(),
            mime_type: "application/json".into(),
            size: manifest_json.len() as u64,
            relationship: "Data",
        });

        let out = &opts.out;
        if out.file_name().is_none() {
            return Err(Error::Invalid(format!(
                "{} is not a file name",
                out.display()
            )));
        }
        let partial = crate::storage::durable::partial_path(out);
        let out_err = Error::io("cannot write the dossier", out);
        // Named after `out`: the hidden partial name would only confuse.
        let file = durable::create_private(&partial)
            .map_err(Error::io("cannot write the dossier", out))?;
        // Only the SHA-256 of the signature value is sent. Failing to reach the authority
        // leaves a signature without a time-stamp (the report says so), rather than no dossier.
        let stamped: std::cell::RefCell<Option<Result<Stamp>>> = Default::default();
        let ask = |digest: &[u8; 32]| -> Option<Vec<u8>> {
            let url = authority.as_deref()?;
            match crate::timestamp::request(url, digest) {
                Ok((token, stamp)) => {
                    *stamped.borrow_mut() = Some(Ok(stamp));
                    Some(token)
                }
                Err(e) => {
                    *stamped.borrow_mut() = Some(Err(e));
                    None
                }
            }
        };
        let signing = Signing {
            signer: &signer,
            date: pdf_date(material.created),
            reason: format!(
                "Dossier {} for case {}",
                opts.template.as_str(),
                material.case.id
            ),
            timestamp: authority
                .is_some()
                .then_some(&ask as crate::pdf::update::StampFn),
        };
        let written = (|| -> Result<u64> {
            let mut sink = BufWriter::with_capacity(1 << 20, file);
            let this: &Vault = self;
            let total = write_signed(
                &base,
                &attachments,
                &mut |i, w| {
                    if let Some(a) = embedded.get(i) {
                        if let Attached::Copy { bytes, .. } = &a.attached {
                            return w
                                .write_all(bytes)
                                .map_err(|e| Error::Pdf(format!("writing: {e}")));
                        }
                        progress.start(&a.item.name, a.item.size);
                        this.stream_item(&a.item, w, progress, |e| {
                            Error::Pdf(format!("writing: {e}"))
                        })?;
                        progress.finish();
                        Ok(())
                    } else if let Some((_, bytes)) = stamp_files.get(i - embedded.len()) {
                        w.write_all(bytes)
                            .map_err(|e| Error::Pdf(format!("writing: {e}")))
                    } else {
                        w.write_all(&manifest_json)
                            .map_err(|e| Error::Pdf(format!("writing: {e}")))
                    }
                },
                &signing,
                &mut sink,
            )?;
            let file = sink
                .into_inner()
                .map_err(|e| Error::io("cannot write the dossier", &partial)(e.into_error()))?;
            file.sync_all()
                .map_err(Error::io("cannot write the dossier", &partial))?;
            Ok(total)
        })();
        let bytes = match written {
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        if let Err(e) = durable::publish_copy(&partial, out) {
            let _ = std::fs::remove_file(&partial);
            return Err(out_err(e));
        }
        let stamp = match stamped.into_inner() {
            Some(Ok(stamp)) => Some(stamp),
            Some(Err(e)) => {
                warnings.push(format!(
                    "the signature is not time-stamped ({e}): its time is the signer's clock only"
                ));
                None
            }
            None => None,
        };
        self.log_export(
            None,
            json!({
                "what": "dossier",
                "template": opts.template.as_str(),
                "case": material.case.id,
                "annexes": material.annexes.iter().map(|a| &a.item.id).collect::<Vec<_>>(),
                "originals_attached": !opts.no_originals,
                "signer_root_sha256": fingerprint,
                "time_stamp": stamp.as_ref().map(|s| json!({
                    "time": s.time, "authority": s.authority, "authority_sha256": s.authority_sha256,
                })),
                "to": std::path::absolute(out).unwrap_or_else(|_| out.clone()).display().to_string(),
            }),
            out,
        )?;
        warnings.extend(self.take_warnings());
        Ok(ExportReport {
            path: out.display().to_string(),
            pages,
            annexes: material.annexes.len(),
            bytes,
            fingerprint,
            stamp,
            missing: composed.missing,
            warnings,
            personal_data,
        })
    }

    /// What [`Vault::export_dossier`] would put in the dossier, without signing or writing
    /// it (no signing certificate is made either).
    pub fn export_preview(&mut self, opts: &ExportOptions) -> Result<ExportPreview> {
        let mut warnings = Vec::new();
        let material = self.gather(opts, &mut warnings)?;
        let mut personal_data = self.personal_data(&material, opts)?;
        let composed = compose::compose(&material);
        personal_data.extend(confidential_source(&material, &composed));
        warnings.extend(composed.notes.iter().cloned());
        warnings.extend(self.take_warnings());
        Ok(ExportPreview {
            annexes: material.annexes.len(),
            missing: composed.missing,
            warnings,
            personal_data,
        })
    }

    /// The dossier's pages as they would be, unsigned and in memory only, for the user to
    /// look at before she signs (the app draws them with [`Vault::pdf_page`]). Nothing is
    /// written and no certificate is made; the fingerprints read "(made when signing)" if
    /// the vault has no signer yet.
    pub fn export_draft(&mut self, opts: &ExportOptions) -> Result<Draft> {
        let mut warnings = Vec::new();
        let material = self.gather(opts, &mut warnings)?;
        let (fingerprint, signer_fingerprint, signed_as) = match self.stored_signer()? {
            Some(s) => {
                let s = s.summary()?;
                (s.fingerprint, s.signer_fingerprint, s.signed_as)
            }
            None => {
                let later = "(made when signing)".to_string();
                (later.clone(), later, opts.signer.name.clone())
            }
        };
        let material = Material {
            fingerprint,
            signer_fingerprint,
            signed_as,
            time_stamped: self.time_stamping_authority()?.is_some(),
            ..material
        };
        let composed = compose::compose(&material);
        self.take_warnings();
        Ok(Draft {
            pdf: crate::pdf::render::render(&composed.flow, &composed.info)?,
            pages: composed.flow.pages.len(),
        })
    }

    fn personal_data(
        &mut self,
        material: &Material,
        opts: &ExportOptions,
    ) -> Result<Vec<PersonalDatum>> {
        let mut failed = None;
        let found = disclosure::personal_data(
            &material.annexes,
            !opts.no_originals,
            !material.strip_exif,
            &mut |a| match self.item_text(&a.item.id) {
                Ok(t) => t,
                Err(e) => {
                    failed = Some(e);
                    None
                }
            },
        );
        match failed {
            Some(e) => Err(e),
            None => Ok(found),
        }
    }

    /// Reads the case, its people, events and evidence, and numbers the annexes: evidence the
    /// What a dossier attaches of an item: in a publishable submission, a picture as a copy
    /// without its metadata, and anything else that may say where it was made (video, sound,
    /// a picture in a format that cannot be stripped) not at all; otherwise the original.
    fn attached(&self, item: &Item, opts: &ExportOptions, warnings: &mut Vec<String>) -> Attached {
        if !publishable(opts) || opts.no_originals || !privacy::may_locate(&item.media_type) {
            return Attached::Original;
        }
        let copy = self
            .read_item(item)
            .ok()
            .and_then(|bytes| privacy::without_metadata(&item.media_type, &bytes));
        match copy {
            Some(bytes) => {
                let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
                Attached::Copy { bytes, sha256 }
            }
            None => {
                warnings.push(format!(
                    "{} is not attached: petitions may be published, and its location and \
                     camera data cannot be removed from a {} file (it is listed with its \
                     SHA-256; --keep-metadata attaches it as it is)",
                    item.name, item.media_type
                ));
                Attached::Withheld
            }
        }
    }

    /// chronology cites in date order, then what the notes cite, then what the case links,
    /// then the extra items asked for.
    fn gather(&mut self, opts: &ExportOptions, warnings: &mut Vec<String>) -> Result<Material> {
        let view = self.case_view(&opts.case)?;
        let everyone: HashMap<String, Person> = self
            .people()?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        let names = everyone
            .iter()
            .map(|(id, p)| (id.clone(), p.name.clone()))
            .collect();
        let people = view
            .people
            .iter()
            .filter_map(|p| {
                Some(CasePerson {
                    person: everyone.get(&p.id)?.clone(),
                    roles: p.roles.clone(),
                })
            })
            .collect();
        let (preamble, mut sections) = note_sections(&view.case.notes);
        // A field set in the form wins over the notes' section of the same key.
        for (key, value) in fields::stored(&self.catalog.db, &view.case.id)? {
            sections.insert(key, value);
        }

        let mut order: Vec<String> = Vec::new();
        let add = |id: &str, order: &mut Vec<String>| {
            if !order.iter().any(|o| o == id) {
                order.push(id.to_string());
            }
        };
        for e in view.chronology.iter().chain(&view.undated) {
            for id in &e.items {
                add(id, &mut order);
            }
        }
        // Citations resolve as ids do everywhere (unique prefix, any case); one that does not
        // resolve stops the export rather than print a wrong or missing annex number.
        let texts = std::iter::once(preamble.as_str())
            .chain(sections.values().map(String::as_str))
            .chain(
                view.chronology
                    .iter()
                    .chain(&view.undated)
                    .map(|e| e.description.as_str()),
            );
        let mut cited = HashMap::new();
        for prefix in texts.flat_map(citations) {
            let item = self.item(&prefix).map_err(|e| {
                Error::Invalid(format!(
                    "the citation [item:{prefix}] in the case notes or an event: {e}"
                ))
            })?;
            add(&item.id, &mut order);
            cited.insert(prefix, item.id);
        }
        for prefix in &opts.items {
            let item = self.item(prefix)?;
            add(&item.id, &mut order);
        }
        for i in &view.items {
            add(&i.id, &mut order);
        }

        let mut stamps = self.item_stamps()?;
        let mut annexes = Vec::new();
        for id in order {
            let item = self.item(&id)?;
            if item.status() != "active" {
                warnings.push(format!(
                    "item {} ({}) is {} and is left out of the dossier",
                    item.id,
                    item.name,
                    item.status()
                ));
                continue;
            }
            let number = annexes.len() as u32 + 1;
            let metadata = self
                .extraction(&item.id)?
                .map(|x| x.metadata)
                .unwrap_or_default();
            // The document's own date, printed like the chronology's; never the import date.
            let dated = self.document_date(&item.id)?;
            if dated.is_none() {
                warnings.push(format!(
                    "annex {number} ({}) has no document date and is shown as undated: state when it was issued, written, taken or sent (CLI: dossier edit {} --date YYYY-MM-DD)",
                    item.name, item.id
                ));
            }
            let inline = self.inline_view(&item, &metadata, opts.lang)?;
            let attached = self.attached(&item, opts, warnings);
            let stamp = stamps.remove(&item.id);
            annexes.push(Annex {
                number,
                file_name: attachment_name(number, &item.name),
                attached,
                item,
                dated,
                metadata,
                inline,
                stamp,
            });
        }
        let annex_of = annexes
            .iter()
            .map(|a| (a.item.id.clone(), a.number))
            .collect();
        Ok(Material {
            template: opts.template,
            lang: opts.lang,
            case: view.case,
            people,
            chronology: view.chronology,
            undated: view.undated,
            names,
            annexes,
            annex_of,
            cited,
            preamble,
            sections,
            created: self.clock_now(),
            fingerprint: String::new(),
            signer_fingerprint: String::new(),
            signed_as: String::new(),
            time_stamped: false,
            strip_exif: opts.strip_exif || publishable(opts),
            no_originals: opts.no_originals,
        })
    }

    /// What of an item can be shown on the page: a picture's preview, a text, an e-mail.
    fn inline_view(
        &mut self,
        item: &Item,
        meta: &serde_json::Map<String, serde_json::Value>,
        lang: Lang,
    ) -> Result<Inline> {
        let l = lang.labels();
        let mt = item.media_type.as_str();
        if mt.starts_with("image/") {
            if let Some(jpeg) = self.rendition(&item.id, Rendition::Preview)? {
                let px = image::ImageReader::new(std::io::Cursor::new(&jpeg))
                    .with_guessed_format()
                    .ok()
                    .and_then(|r| r.into_dimensions().ok());
                if let Some(px) = px {
                    return Ok(Inline::Picture { jpeg, px });
                }
            }
            return Ok(Inline::Nothing);
        }
        let text = self.item_text(&item.id)?.unwrap_or_default();
        if mt == "message/rfc822" {
            let mut headers = Vec::new();
            let keys = ["from", "to", "cc", "date", "subject"];
            for (key, label) in keys.into_iter().zip(l.mail_headers) {
                let value = match meta.get(key) {
                    Some(serde_json::Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    // The date as the dossier writes dates, with its time of day.
                    Some(serde_json::Value::String(s)) if key == "date" => {
                        match crate::dating::from_metadata(meta) {
                            Some(d) => format!(
                                "{} {}",
                                show_date(&d.date, lang),
                                s.get(11..16).unwrap_or("")
                            )
                            .trim_end()
                            .to_string(),
                            None => s.clone(),
                        }
                    }
                    Some(serde_json::Value::String(s)) => s.clone(),
                    _ => continue,
                };
                headers.push((label, value));
            }
            return Ok(Inline::Email {
                headers,
                body: shorten(&text, INLINE_TEXT_LIMIT, l.truncated),
            });
        }
        if mt == "application/pdf" {
            return Ok(Inline::Pdf {
                pages: meta.get("pages").and_then(|p| p.as_u64()),
                excerpt: shorten(text.trim(), PDF_EXCERPT, "[…]"),
            });
        }
        if !text.trim().is_empty() {
            return Ok(Inline::Text(shorten(&text, INLINE_TEXT_LIMIT, l.truncated)));
        }
        Ok(Inline::Nothing)
    }
}

/// A PDF date string in UTC: `D:YYYYMMDDHHmmSSZ`.
fn pdf_date(t: OffsetDateTime) -> String {
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
