//! The UI's wire types, generated from the Rust types into `ui/src/lib/bindings.ts`. The test
//! fails when the committed file differs from what the types say now; to refresh it:
//! `DOSSIER_BLESS=1 cargo test -p dossier-app bindings`.

use dossier::backup::{BackupReport, PullReport};
use dossier::contacts::Contact;
use dossier::custody::ChainBreak;
use dossier::dating::{DateOrigin, DocumentDate};
use dossier::extract::ocr::OcrPage;
use dossier::pdf::{AnnexCheck, PdfReport};
use dossier::register::{
    Case, CaseNumber, CasePersonRole, CaseRole, CaseView, Charge, Event, EventKind, ItemLinks,
    Link, LinkedItem, Person, PersonView, PossibleDuplicate, Precision, Ref,
};
use dossier::search::Hit;
use dossier::share::{ReceiveReport, ShareReport};
use dossier::signer::SignerSummary;
use dossier::submission::{
    DatumKind, ExportPreview, ExportReport, FieldKind, FieldOrigin, FieldState, PersonalDatum,
};
use dossier::timestamp::Stamp;
use dossier::verify::{ItemCheck, LastCheck, Report, Status};
use dossier::{
    Conflict, ConflictValue, CustodyEntry, DebrisKind, ExtractionRecord, Item, KeySlot, LibraryRow,
    MessageKey, Notice, NoticeKey, OcrSettings, RecognisedText, StampReport,
};
use ts_rs::{Config, TS};

use crate::commands::library::SearchInput;
use crate::error::{ApiError, ErrorCode};
use crate::prompts::{KeyPrompt, PromptKind};
use crate::wire::*;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/lib/bindings.ts");

fn render() -> String {
    // Sizes and counts stay far below 2^53, and serde_json writes them as numbers.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.\n\
         // Refresh with `DOSSIER_BLESS=1 cargo test -p dossier-app bindings`.\n\n",
    );
    macro_rules! declare {
        ($($t:ty),* $(,)?) => {$(
            out.push_str("export ");
            out.push_str(&<$t as TS>::decl(&cfg));
            out.push_str("\n\n");
        )*};
    }
    declare!(
        ErrorCode,
        MessageKey,
        NoticeKey,
        DebrisKind,
        Notice,
        PullReport,
        Pulled,
        ApiError,
        VaultStatus,
        Opened,
        Conflict,
        ConflictValue,
        Settings,
        SignerSummary,
        Stamp,
        StampReport,
        ProgressEvent,
        FileOutcome,
        ImportReport,
        OcrReport,
        OcrSettings,
        RecognisedText,
        OcrPage,
        VerifyOutcome,
        PersonAdded,
        Lists,
        NewCaseInput,
        CaseNumberInput,
        CaseEditInput,
        EventEditInput,
        NewPersonInput,
        NewEventInput,
        Link,
        ExportInput,
        SearchInput,
        ItemDetail,
        DocumentDate,
        DateOrigin,
        Item,
        LibraryRow,
        ExtractionRecord,
        serde_json::Value,
        ItemLinks,
        Ref,
        CustodyEntry,
        Hit,
        Case,
        CaseNumber,
        Charge,
        Person,
        PossibleDuplicate,
        Event,
        EventKind,
        Precision,
        CaseView,
        CasePersonRole,
        LinkedItem,
        PersonView,
        CaseRole,
        PdfReport,
        AnnexCheck,
        ExportReport,
        ExportPreview,
        FieldState,
        FieldKind,
        FieldOrigin,
        PersonalDatum,
        DatumKind,
        KeySlot,
        RecoveryKeyShown,
        KeyPrompt,
        PromptKind,
        BackupReport,
        Report,
        LastCheck,
        ItemCheck,
        Status,
        ChainBreak,
        Contact,
        SharingKey,
        ShareReport,
        ReceiveReport,
    );
    // A submission field's key is a string in the catalog (logged, merged), not an enum;
    // the union lets each UI catalogue be checked for a label of every field.
    let keys: Vec<String> = dossier::submission::all_keys()
        .iter()
        .map(|k| format!("{k:?}"))
        .collect();
    out.push_str(&format!("export type FieldKey = {};\n", keys.join(" | ")));
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn bindings_are_current() {
    let fresh = render();
    if std::env::var_os("DOSSIER_BLESS").is_some() {
        std::fs::write(PATH, &fresh).expect("write ui/src/lib/bindings.ts");
        return;
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings.ts is stale (the Rust types changed): run \
         `DOSSIER_BLESS=1 cargo test -p dossier-app bindings` and commit it"
    );
}
