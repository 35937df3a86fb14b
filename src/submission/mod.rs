//! Dossiers: one signed PDF/A-3 per case, for a recipient body (UN WGAD, PACE, the European
//! Parliament) or a generic one. [`crate::Vault::export_dossier`] gathers the case from the register,
//! numbers its evidence as annexes, lays the document out ([`compose`]), renders it with
//! krilla and streams it to disk with the originals attached and a PAdES signature over the
//! whole file. Nothing but the output PDF is written; it appears under its name only once
//! complete, and the export is recorded in the custody log.

mod compose;
mod disclosure;
mod export;
mod fields;
mod labels;
mod privacy;
mod stamps;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use time::OffsetDateTime;

pub use disclosure::{DatumKind, PersonalDatum};
pub use fields::{FieldKind, FieldOrigin, FieldSpec, FieldState, all_keys};
pub use labels::Lang;

use crate::dating::DocumentDate;
use crate::items::Item;
use crate::register::{Case, Event, FuzzyDate, Person};
use crate::signer::SignerName;
use crate::timestamp::Stamp;

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
