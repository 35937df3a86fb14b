//! Types that cross to the UI and exist only for it. Everything else the UI sees is a core type
//! (`Item`, `CaseView`, `Hit`, `PdfReport`, …) sent as it is; `bindings.rs` generates the
//! TypeScript of both into `ui/src/lib/bindings.ts`.

use dossier::pdf::PdfReport;
use dossier::register::{CaseNumber, FuzzyDate, ItemLinks, PossibleDuplicate, Ref};
use dossier::signer::SignerSummary;
use dossier::{CustodyEntry, ExtractionRecord, Item, KeySlot};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ApiResult, ErrorCode};

#[derive(Debug, Clone, Serialize, TS)]
pub struct VaultStatus {
    /// Where the vault is (shown on the unlock screen: it is the user's own choice).
    pub path: String,
    pub exists: bool,
    pub unlocked: bool,
}

/// What pulling from a backup brought, and what is still to tell the user afterwards.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Pulled {
    pub report: dossier::backup::PullReport,
    /// The notices as they stand now (missing entries the backup held are gone from them).
    pub notices: Vec<dossier::Notice>,
}

/// What opening the vault found and the user must see: damage, missing journal entries,
/// sync-engine debris, interrupted work finished, values changed on two devices.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Opened {
    /// What the journal and the folder hold that the user must know of, for the UI to say in
    /// its language (missing entries, damaged journal files, sync-engine leftovers).
    pub notices: Vec<dossier::Notice>,
    /// The other warnings, in the core's words (the notices are not repeated here).
    pub warnings: Vec<String>,
    /// Why the vault is open read-only, if it is (a damaged journal file awaits a decision).
    pub read_only: Option<String>,
    /// The damaged files the user may go on without (`accept_damaged`); empty when the vault
    /// is read-only for another reason (an older copy put back), where going on would bury
    /// newer work.
    pub damaged: Vec<String>,
    /// How many values were changed on two devices at once and await a choice.
    pub conflicts: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Settings {
    /// Lock after this many idle minutes; 0 never locks by itself.
    pub auto_lock_minutes: u32,
    pub signer: Option<SignerSummary>,
    pub ocr: dossier::OcrSettings,
    /// The RFC 3161 authority dossier signatures are sent to, if the user named one.
    pub time_stamping_authority: Option<String>,
    /// Imports are time-stamped too (when there is an authority).
    pub time_stamp_imports: bool,
    /// Items waiting for a time-stamp (the authority was out of reach).
    pub time_stamps_waiting: u32,
    /// The app's language on this vault (`en`, `ru`, `kk`, `fr`); none: the system's.
    pub ui_language: Option<String>,
    /// The last check of the whole vault, by any device; none: never checked.
    pub last_check: Option<dossier::verify::LastCheck>,
}

/// A recovery key just made: shown once, then forgotten by the UI.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RecoveryKeyShown {
    pub slot: KeySlot,
    /// `AGE-SECRET-KEY-1…`
    pub secret: String,
    /// Where the printable page was saved, if it was.
    pub sheet: Option<String>,
    pub sheet_error: Option<String>,
}

/// This vault's sharing key, for others to add as a contact.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SharingKey {
    pub key: String,
    pub fingerprint: String,
}

/// What the item page shows.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ItemDetail {
    pub item: Item,
    pub extraction: Option<ExtractionRecord>,
    pub links: ItemLinks,
    pub custody: Vec<CustodyEntry>,
    /// Extracted text (documents, e-mail bodies), cut at `TEXT_PREVIEW_CHARS`.
    pub text: Option<String>,
    pub text_truncated: bool,
    /// A 1600 px picture can be fetched from `dossier://localhost/preview/<id>`.
    pub preview: bool,
    /// Text recognised by OCR (shown apart from `text`, and marked as machine-recognised).
    pub recognised: Option<dossier::RecognisedText>,
    /// When the document was issued, written, taken or sent, and where that date comes from.
    pub document_date: Option<dossier::dating::DocumentDate>,
}

/// The most text the item page receives; the whole text stays in the vault.
pub const TEXT_PREVIEW_CHARS: usize = 200_000;

/// Progress of long work, sent over a channel while it runs.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProgressEvent {
    /// A batch starts: `count` files, `bytes` in all.
    Batch {
        count: u32,
        bytes: u64,
    },
    /// A unit of work starts (a file, an annex): its label and size in bytes.
    Start {
        label: String,
        total: u64,
    },
    /// Bytes done of the current unit (sent at most every 100 ms).
    Position {
        done: u64,
    },
    Finish,
    /// One file of an import is done.
    File {
        index: u32,
        outcome: FileOutcome,
    },
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FileOutcome {
    /// The file's name (not its folder).
    pub name: String,
    /// `new`, `duplicate` (the same SHA-256 is already stored as `id`) or `failed`.
    pub status: String,
    pub id: Option<String>,
    pub message: Option<String>,
}

/// What an OCR pass did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OcrReport {
    pub recognised: u32,
    pub failed: u32,
    /// Items still waiting (the pass was cancelled, or OCR is off).
    pub queued: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportReport {
    pub files: Vec<FileOutcome>,
    /// Ids of the items now holding the imported files (new and duplicates), for linking.
    pub ids: Vec<String>,
    pub cancelled: bool,
    /// What became of the time-stamps of the imported items (none without an authority).
    pub time_stamps: Option<dossier::StampReport>,
}

/// What a file dropped on (or chosen for) the verify screen is.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VerifyOutcome {
    /// The file's SHA-256 and the items holding the same bytes (none: not in the vault).
    File {
        name: String,
        sha256: String,
        items: Vec<Item>,
    },
    /// A signed dossier: the report, and whether its signer is this vault's own.
    Dossier {
        name: String,
        report: PdfReport,
        own_signer: bool,
    },
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PersonAdded {
    pub id: String,
    /// People already in the register whose names are close: the UI asks whether to merge.
    pub possible_duplicates: Vec<PossibleDuplicate>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Lists {
    pub cases: Vec<Ref>,
    pub people: Vec<Ref>,
}

// ---- inputs -------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewCaseInput {
    pub title: String,
    pub numbers: Vec<CaseNumberInput>,
    pub court: String,
    pub status: String,
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct CaseNumberInput {
    pub number: String,
    pub authority: String,
}

impl From<CaseNumberInput> for CaseNumber {
    fn from(n: CaseNumberInput) -> CaseNumber {
        CaseNumber {
            number: n.number,
            authority: n.authority,
        }
    }
}

/// `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct CaseEditInput {
    pub title: Option<String>,
    pub court: Option<String>,
    pub status: Option<String>,
    pub notes: Option<String>,
    /// The case's numbers as they should be (rows left empty are ignored); `None` keeps them.
    #[serde(default)]
    pub numbers: Option<Vec<CaseNumberInput>>,
}

/// An event as it should be: every field is replaced (empty date: undated).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct EventEditInput {
    pub title: String,
    pub kind: Option<dossier::register::EventKind>,
    pub date: String,
    pub end: String,
    pub place: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewPersonInput {
    pub name: String,
    pub aliases: Vec<String>,
    /// A date as the register writes them: `1987`, `1987-03`, `~1987-03-12`; empty for none.
    pub born: String,
    pub nationality: String,
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewEventInput {
    pub case_id: Option<String>,
    pub title: String,
    /// What it is; a submission picks events by kind.
    pub kind: Option<dossier::register::EventKind>,
    /// `2031`, `2031-03`, `~2031-03-12`; empty for an undated event.
    pub date: String,
    pub end: String,
    pub place: String,
    pub description: String,
    pub people: Vec<String>,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ExportInput {
    pub case: String,
    /// `wgad`, `pace`, `ep` or `generic`.
    pub template: String,
    /// `en`, `fr`, `ru` or `es`.
    pub lang: String,
    /// Annexes besides those the case links and its notes cite, in this order.
    pub items: Vec<String>,
    pub strip_exif: bool,
    pub no_originals: bool,
    /// Whom the signature names, a lawyer or an organisation: needed the first time the vault
    /// signs (the certificates are made then).
    pub signer_name: String,
    pub signer_org: String,
}

/// A date field from a form: empty is none; anything else must parse, or the error names the
/// field.
pub fn parse_date(field: &str, text: Option<&str>) -> ApiResult<Option<FuzzyDate>> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => FuzzyDate::parse(t)
            .map(Some)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("{field}: {e}"))),
    }
}
