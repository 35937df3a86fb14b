//! Dossiers: one signed PDF/A-3 per case, for a recipient body (UN WGAD, PACE, the European
//! Parliament) or a generic one. [`Vault::export_dossier`] gathers the case from the register,
//! numbers its evidence as annexes, lays the document out ([`compose`]), renders it with
//! krilla and streams it to disk with the originals attached and a PAdES signature over the
//! whole file. Nothing but the output PDF is written; it appears under its name only once
//! complete, and the export is recorded in the custody log.

mod compose;
mod disclosure;
mod fields;
mod labels;
mod privacy;
mod stamps;

use std::collections::{BTreeMap, HashMap};
use std::io::BufWriter;
use std::path::PathBuf;

use serde_json::json;
use time::OffsetDateTime;

pub use disclosure::{DatumKind, PersonalDatum};
pub use fields::{FieldKind, FieldOrigin, FieldSpec, FieldState};
pub use labels::Lang;

use sha2::Digest;

use crate::dating::DocumentDate;
use crate::error::{Error, Result};
use crate::items::Item;
use crate::pdf::update::{Attachment, Signing, write_signed};
use crate::pdf::{MANIFEST_NAME, Manifest, ManifestAnnex, check::MANIFEST_FORMAT};
use crate::progress::Progress;
use crate::register::{Case, Event, FuzzyDate, Person};
use crate::signer::SignerName;
use crate::storage::durable;
use crate::timestamp::Stamp;
use crate::{Rendition, Vault};

/// Which body the dossier is shaped for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// UN Working Group on Arbitrary Detention: the model questionnaire's sections I–VI.
    Wgad,
    /// PACE: a note to the President of the Assembly on the criteria of Resolution 1900 (2012).
    Pace,
    /// European Parliament petition (Art. 227 TFEU), with the publicity warning.
    Ep,
    /// Cover, summary, chronology, annexes.
    Generic,
}

impl Template {
    pub fn parse(s: &str) -> Option<Template> {
        match s {
            "wgad" => Some(Template::Wgad),
            "pace" => Some(Template::Pace),
            "ep" => Some(Template::Ep),
            "generic" => Some(Template::Generic),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Template::Wgad => "wgad",
            Template::Pace => "pace",
            Template::Ep => "ep",
            Template::Generic => "generic",
        }
    }

    /// The languages the body receives submissions in, of those a dossier can be written in,
    /// and how to say so: the WGAD takes English, French and Spanish; the Assembly works in
    /// its official languages, English and French; a petition may be in any official language
    /// of the Union. `None`: any.
    pub fn accepted(self) -> Option<(&'static [Lang], &'static str)> {
        match self {
            Template::Wgad => Some((
                &[Lang::En, Lang::Fr, Lang::Es],
                "the UN Working Group on Arbitrary Detention accepts communications in English, French or Spanish",
            )),
            Template::Pace => Some((
                &[Lang::En, Lang::Fr],
                "the Parliamentary Assembly of the Council of Europe works in English and French",
            )),
            Template::Ep => Some((
                &[Lang::En, Lang::Fr, Lang::Es],
                "the European Parliament receives petitions in the official languages of the European Union",
            )),
            Template::Generic => None,
        }
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub case: String,
    pub template: Template,
    pub out: PathBuf,
    /// Items to add as annexes besides those the case links and its notes cite.
    pub items: Vec<String>,
    pub lang: Lang,
    /// Leave camera, date-taken and GPS facts out of the printed captions. (Inline pictures
    /// are always re-encoded renditions, which carry no EXIF.)
    pub strip_exif: bool,
    /// List annexes with their SHA-256 but do not attach the original files.
    pub no_originals: bool,
    /// In a publishable submission (a European Parliament petition), attach pictures as they
    /// are, with where and with what they were taken. By default such a submission attaches
    /// copies without that metadata, and leaves out what cannot be stripped.
    pub keep_metadata: bool,
    /// Whom the signing certificates name, if they are made now (required then).
    pub signer: SignerName,
}

/// What an export produced.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportReport {
    pub path: String,
    pub pages: usize,
    pub annexes: usize,
    pub bytes: u64,
    pub fingerprint: String,
    /// The time-stamp over the signature, when an authority was named and answered.
    pub stamp: Option<Stamp>,
    /// Sections and fields the template wanted and the register did not have.
    pub missing: Vec<String>,
    pub warnings: Vec<String>,
    /// The personal data the dossier carries out of the vault.
    pub personal_data: Vec<PersonalDatum>,
}

/// The source's name as a personal datum, when a WGAD communication names a source who asked
/// to stay confidential.
fn confidential_source(material: &Material, composed: &compose::Composed) -> Option<PersonalDatum> {
    let asked = material
        .sections
        .get("source confidential")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("yes"));
    (material.template == Template::Wgad && asked)
        .then_some(composed.source.as_deref())
        .flatten()
        .map(disclosure::confidential_source)
}

/// A dossier as it would be, unsigned, held in memory to be looked at.
pub struct Draft {
    pub pdf: Vec<u8>,
    pub pages: usize,
}

/// What an export would produce, found without signing or writing anything: for the user to
/// read before she exports (`dossier export --preview`, the app's dossier page).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportPreview {
    pub annexes: usize,
    pub missing: Vec<String>,
    pub warnings: Vec<String>,
    /// Every personal datum that would leave the vault, and where it would be.
    pub personal_data: Vec<PersonalDatum>,
}

/// What the PDF shows of an annex besides its metadata.
pub(crate) enum Inline {
    Picture {
        jpeg: Vec<u8>,
        px: (u32, u32),
    },
    Text(String),
    Email {
        /// Label (in the dossier's language) and value.
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    Pdf {
        pages: Option<u64>,
        excerpt: String,
    },
    Nothing,
}

/// What of an annex's file the dossier carries.
pub(crate) enum Attached {
    /// The original, bit-exact.
    Original,
    /// A copy without location and camera metadata (a publishable submission), and its SHA-256.
    Copy { bytes: Vec<u8>, sha256: String },
    /// Nothing: a publishable submission, and a file whose metadata cannot be removed.
    Withheld,
}

pub(crate) struct Annex {
    pub number: u32,
    pub item: Item,
    pub attached: Attached,
    /// When the document was issued, written, taken or sent, and where that date comes from.
    pub dated: Option<DocumentDate>,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub file_name: String,
    pub inline: Inline,
    /// The proof of time that covers the item, if its vault has one.
    pub stamp: Option<crate::ItemStamp>,
}

/// A person of the case with their roles.
pub(crate) struct CasePerson {
    pub person: Person,
    pub roles: Vec<String>,
}

/// Everything the composer draws from.
pub(crate) struct Material {
    pub template: Template,
    pub lang: Lang,
    pub case: Case,
    pub people: Vec<CasePerson>,
    pub chronology: Vec<Event>,
    pub undated: Vec<Event>,
    pub names: HashMap<String, String>,
    pub annexes: Vec<Annex>,
    /// Item id → annex number.
    pub annex_of: HashMap<String, u32>,
    /// `[item:PREFIX]` as written → the item id it resolved to.
    pub cited: HashMap<String, String>,
    /// The case notes: text before any `## heading`, then each headed section by key.
    pub preamble: String,
    pub sections: BTreeMap<String, String>,
    pub created: OffsetDateTime,
    /// The signer's root certificate (what the recipient compares) and signing certificate
    /// (what validators show), SHA-256.
    pub fingerprint: String,
    pub signer_fingerprint: String,
    /// Whom the signing certificate names ("Name, Organisation").
    pub signed_as: String,
    /// The signature will be sent to a time-stamping authority: the verification page says
    /// which time to trust.
    pub time_stamped: bool,
    pub strip_exif: bool,
    pub no_originals: bool,
}

/// Splits case notes into the text before the first `## heading` and the headed sections,
/// keyed by their lower-cased heading (`## Category II` → `category ii`).
pub(crate) fn note_sections(notes: &str) -> (String, BTreeMap<String, String>) {
    let mut preamble = String::new();
    let mut sections: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in notes.lines() {
        if let Some(h) = line.trim_start().strip_prefix("##") {
            let key = h
                .trim()
                .trim_end_matches(':')
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            sections.entry(key.clone()).or_default();
            current = Some(key);
            continue;
        }
        let target = match &current {
            Some(k) => sections.get_mut(k).expect("inserted at its heading"),
            None => &mut preamble,
        };
        target.push_str(line);
        target.push('\n');
    }
    let tidy = |s: &mut String| *s = s.trim().to_string();
    tidy(&mut preamble);
    sections.values_mut().for_each(tidy);
    (preamble, sections)
}

/// The `[item:PREFIX]` citations in a text, in order.
pub(crate) fn citations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("[item:") {
        rest = &rest[start + 6..];
        let Some(end) = rest.find(']') else { break };
        let id = rest[..end].trim();
        if !id.is_empty() && !out.iter().any(|o: &String| o == id) {
            out.push(id.to_string());
        }
        rest = &rest[end..];
    }
    out
}

/// Whether the submission may be published by its recipient (a European Parliament petition),
/// so that where pictures were taken must not go with it unless the user says so.
fn publishable(opts: &ExportOptions) -> bool {
    opts.template == Template::Ep && !opts.keep_metadata
}

/// The attachment's real name (PDF `/UF`): the annex number, then the item's name as it is,
/// Cyrillic and all, with only what no file system allows (separators, control characters)
/// replaced.
fn unicode_attachment_name(number: u32, name: &str) -> String {
    format!(
        "A{number:02}_{}",
        crate::storage::names::safe_file_name(name)
    )
}

/// An ASCII file name for an attachment: `A07_` and a transliterated, shortened original name.
fn attachment_name(number: u32, name: &str) -> String {
    let ascii = crate::register::names::transliterate(name);
    let (stem, ext) = match ascii.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.len() <= 8 => (s.to_string(), format!(".{e}")),
        _ => (ascii.clone(), String::new()),
    };
    let clean = |s: &str| -> String {
        let mut out = String::new();
        for c in s.chars() {
            let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '.') {
                c
            } else {
                '_'
            };
            if !(c == '_' && out.ends_with('_')) {
                out.push(c);
            }
        }
        out.trim_matches('_').to_string()
    };
    // Long enough for a title with a date at its end ("… 2025-03-14").
    let stem: String = clean(&stem).chars().take(80).collect();
    let ext = clean(&ext);
    let ext = if ext.is_empty() {
        String::new()
    } else {
        format!(".{}", ext.trim_start_matches('.'))
    };
    format!("A{number:02}_{stem}{ext}")
}

/// A date as the dossier prints it, in its language: "12 March 2021", "about March 2021".
pub(crate) fn show_date(date: &str, lang: Lang) -> String {
    let Ok(d) = FuzzyDate::parse(date) else {
        return date.to_string();
    };
    let l = lang.labels();
    let core = match (d.month, d.day) {
        (Some(m), Some(day)) => format!("{day} {} {}", l.months_after_day[m as usize - 1], d.year),
        // "около" governs the genitive, as a day number does ("около апреля", "12 апреля").
        (Some(m), None) if d.approximate => {
            let months = l.months_about.as_ref().unwrap_or(&l.months_after_day);
            format!("{} {}", months[m as usize - 1], d.year)
        }
        (Some(m), None) => format!("{} {}", l.months[m as usize - 1], d.year),
        _ => d.year.to_string(),
    };
    if d.approximate {
        format!("{} {core}", l.about)
    } else {
        core
    }
}

const INLINE_TEXT_LIMIT: usize = 60_000;
const PDF_EXCERPT: usize = 3_000;

fn shorten(text: &str, limit: usize, note: &str) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n{note}", &text[..cut])
}

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

/// Bytes as people read them (KiB, MiB).
pub(crate) fn human_size(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n if n < 1024 * 1024 * 1024 => format!("{:.1} MiB", n as f64 / 1048576.0),
        n => format!("{:.2} GiB", n as f64 / 1073741824.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_split_into_headed_sections() {
        let (pre, s) = note_sections(
            "Intro line.\n## Category II:\nHe wrote [item:ab12].\n##remedies\nAppeal lost.",
        );
        assert_eq!(pre, "Intro line.");
        assert_eq!(s["category ii"], "He wrote [item:ab12].");
        assert_eq!(s["remedies"], "Appeal lost.");
        assert_eq!(citations(&s["category ii"]), vec!["ab12"]);
    }

    #[test]
    fn attachment_names_are_ascii_and_numbered() {
        assert_eq!(
            attachment_name(3, "Протокол №1.pdf"),
            "A03_Protokol_No1.pdf"
        );
        assert_eq!(attachment_name(12, "photo"), "A12_photo");
        // Kazakh letters read as a Kazakh would write them in Latin; a date at the end stays.
        assert_eq!(
            attachment_name(1, "Әйгерімнің мәлімдемесі, 2025-03-14.txt"),
            "A01_Aygerimning_malimdemesi_2025-03-14.txt"
        );
        assert_eq!(
            unicode_attachment_name(1, "Әйгерімнің мәлімдемесі.txt"),
            "A01_Әйгерімнің мәлімдемесі.txt"
        );
        assert!(attachment_name(1, &"ж".repeat(300)).len() < 100);
    }

    #[test]
    fn dates_print_in_the_dossier_language() {
        assert_eq!(show_date("2021-03-12", Lang::En), "12 March 2021");
        assert_eq!(show_date("~2021-03", Lang::Fr), "vers mars 2021");
        assert_eq!(show_date("2021-03-12", Lang::Ru), "12 марта 2021");
        assert_eq!(show_date("2019", Lang::En), "2019");
        assert_eq!(show_date("~2031-04", Lang::Ru), "около апреля 2031");
        assert_eq!(show_date("2031-04", Lang::Ru), "апрель 2031");
        assert_eq!(show_date("2031-03-12", Lang::Es), "12 de marzo de 2031");
        assert_eq!(show_date("2031-04", Lang::Es), "abril de 2031");
        assert_eq!(show_date("~2031-04", Lang::Es), "hacia abril de 2031");
        assert_eq!(show_date("~2031", Lang::Es), "hacia 2031");
    }
}
