//! The adapters, headless: what each command does to the vault and what it returns, without a
//! window (the window itself is driven by `tests/e2e`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dossier::register::Link;
use dossier::{CancelFlag, MIN_WORK_FACTOR, SecretString};
use tauri::http::{Request, StatusCode};

use crate::error::ErrorCode;
use crate::progress::Reporter;
use crate::state::AppState;
use crate::wire::{
    CaseEditInput, CaseNumberInput, EventEditInput, ExportInput, NewCaseInput, NewEventInput,
    NewPersonInput, ProgressEvent, VerifyOutcome,
};
use dossier::dating::DateOrigin;
use dossier::register::EventKind;

/// A 2×2 PNG (red, green / blue, white): small enough to inline, real enough to thumbnail.
const PNG_2X2: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x12, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0xc0,
    0x00, 0xc2, 0x0c, 0xff, 0x81, 0x00, 0x00, 0x1f, 0xee, 0x05, 0xfb, 0xf1, 0xab, 0xba, 0x77, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("dossier-app-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("in")).unwrap();
        Scratch(dir)
    }
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join("in").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

const PASS: &str = "correct horse battery staple";

fn unlocked(scratch: &Scratch) -> AppState {
    let state = AppState::new(scratch.0.join("vault"));
    state.create(&secret(PASS), MIN_WORK_FACTOR, false).unwrap();
    state
}

/// A reporter that records what it would have sent to the UI.
fn recorder() -> (Reporter, Arc<Mutex<Vec<ProgressEvent>>>, Arc<CancelFlag>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink_events = events.clone();
    let cancel = Arc::new(CancelFlag::default());
    let reporter = Reporter::new(
        Box::new(move |e| sink_events.lock().unwrap().push(e)),
        cancel.clone(),
    );
    (reporter, events, cancel)
}

fn import(state: &AppState, paths: &[&Path]) -> crate::wire::ImportReport {
    let (reporter, _, _) = recorder();
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    state.import_paths(&paths, &reporter).unwrap()
}

#[test]
fn create_lock_and_unlock_with_a_wrong_then_the_right_passphrase() {
    let scratch = Scratch::new("session");
    let state = unlocked(&scratch);
    assert!(state.status().exists && state.status().unlocked);
    state.lock_vault();
    assert!(!state.status().unlocked, "locking drops the vault");
    let err = state.library().unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::Locked,
        "a locked vault answers nothing"
    );
    let err = state.unlock(&secret("not the passphrase")).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongPassphrase, "{}", err.message);
    assert!(!state.status().unlocked);
    state.unlock(&secret(PASS)).unwrap();
    assert!(state.status().unlocked);
    let err = AppState::new(scratch.0.join("vault"))
        .create(&secret(PASS), MIN_WORK_FACTOR, false)
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::Other,
        "an existing vault is never overwritten"
    );
}

#[test]
fn import_reports_each_file_flags_duplicates_and_walks_folders() {
    let scratch = Scratch::new("import");
    let state = unlocked(&scratch);
    let a = scratch.file("letter.txt", "Письмо: the detention order".as_bytes());
    let b = scratch.file("folder/photo.png", PNG_2X2);
    scratch.file(
        "folder/deeper/copy-of-letter.txt",
        "Письмо: the detention order".as_bytes(),
    );
    let missing = scratch.0.join("in/nowhere.txt");
    let (reporter, events, _) = recorder();
    let report = state
        .import_paths(&[a.clone(), b.parent().unwrap().into(), missing], &reporter)
        .unwrap();
    let statuses: Vec<(&str, &str)> = report
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("nowhere.txt", "failed"),
            ("letter.txt", "new"),
            ("copy-of-letter.txt", "duplicate"),
            ("photo.png", "new"),
        ],
        "skipped paths first, then files in order; the same bytes are not stored twice"
    );
    assert_eq!(
        report.ids[0], report.ids[1],
        "the duplicate names the stored item"
    );
    assert_eq!(state.library().unwrap().len(), 2);
    let events = events.lock().unwrap();
    assert!(
        matches!(events[0], ProgressEvent::Batch { count: 4, .. }),
        "{:?}",
        events[0]
    );
    let files = events
        .iter()
        .filter(|e| matches!(e, ProgressEvent::File { .. }))
        .count();
    assert_eq!(files, 4, "one event per file");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::Start { .. }))
    );
    drop(events);

    // Renamed from the app, its source corrected; an empty name is refused.
    let renamed = state
        .rename_item(
            &report.ids[0],
            "Письмо судье.txt".into(),
            "client's USB stick".into(),
        )
        .unwrap();
    assert_eq!(renamed.name, "Письмо судье.txt");
    assert_eq!(renamed.source.as_deref(), Some("client's USB stick"));
    assert!(
        state
            .rename_item(&report.ids[0], " ".into(), String::new())
            .is_err()
    );

    // Deleting from the app: marked deleted with its reason, gone from the library, its
    // bytes kept (the vault still verifies every item, this one included).
    let deleted = state
        .delete_item(&report.ids[2], "  duplicate of a better scan ")
        .unwrap();
    assert!(deleted.deleted_at.is_some());
    assert_eq!(
        deleted.deleted_reason.as_deref(),
        Some("duplicate of a better scan")
    );
    assert_eq!(state.library().unwrap().len(), 1);
    assert!(
        state.delete_item(&report.ids[2], "").is_err(),
        "already deleted"
    );
    let checked = state.verify_vault(&dossier::Silent).unwrap();
    assert!(checked.is_clean(), "{checked:?}");
    assert_eq!(checked.items.len(), 2, "the deleted item is still verified");
}

#[test]
fn a_cancelled_import_stops_and_keeps_what_was_stored() {
    let scratch = Scratch::new("cancel");
    let state = unlocked(&scratch);
    let a = scratch.file("a.txt", b"first");
    let b = scratch.file("b.txt", b"second");
    let (reporter, _, cancel) = recorder();
    cancel.cancel();
    let report = state.import_paths(&[a, b], &reporter).unwrap();
    assert!(report.cancelled && report.files.is_empty(), "{report:?}");
    assert!(state.library().unwrap().is_empty());
}

#[test]
fn only_one_long_job_runs_and_locking_cancels_it() {
    let scratch = Scratch::new("jobs");
    let state = unlocked(&scratch);
    let job = state.begin_job().unwrap();
    assert!(
        state.begin_job().is_err(),
        "a second job waits for the first"
    );
    state.lock_vault();
    assert!(job.flag.is_set(), "locking cancels the running job");
    drop(job);
    assert!(state.begin_job().is_ok(), "the guard clears the job");
}

#[test]
fn register_links_search_and_the_library_agree() {
    let scratch = Scratch::new("register");
    let state = unlocked(&scratch);
    let letter = scratch.file(
        "letter.txt",
        "Постановление о задержании Жұмабаев".as_bytes(),
    );
    let id = import(&state, &[&letter]).ids[0].clone();
    let case = state
        .add_case(NewCaseInput {
            title: "Жұмабаев v. Kazakhstan".into(),
            numbers: vec![],
            court: String::new(),
            status: String::new(),
            notes: String::new(),
        })
        .unwrap();
    let person = state
        .add_person(NewPersonInput {
            name: "Ерлан Жұмабаев".into(),
            aliases: vec!["Erlan Zhumabayev".into(), " ".into()],
            born: "~1984".into(),
            nationality: "KZ".into(),
            notes: String::new(),
        })
        .unwrap();
    let bad = state.add_event(NewEventInput {
        case_id: Some(case.id.clone()),
        title: "Arrest".into(),
        kind: Some(EventKind::Arrest),
        date: "12 March".into(),
        end: String::new(),
        place: String::new(),
        description: String::new(),
        people: vec![],
        items: vec![],
    });
    let err = bad.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.starts_with("date:"), "{}", err.message);
    state
        .add_event(NewEventInput {
            case_id: Some(case.id.clone()),
            title: "Arrest".into(),
            kind: Some(EventKind::Arrest),
            date: "~2031-03".into(),
            end: String::new(),
            place: "Almaty".into(),
            description: String::new(),
            people: vec![person.id.clone()],
            items: vec![],
        })
        .unwrap();
    state
        .link(Link::CaseItem {
            case: case.id.clone(),
            item: id.clone(),
        })
        .unwrap();
    state
        .link(Link::CasePerson {
            case: case.id.clone(),
            person: person.id.clone(),
            role: "detainee".into(),
        })
        .unwrap();
    let row = &state.library().unwrap()[0];
    assert_eq!(
        row.cases,
        vec![case.id.clone()],
        "the library shows the linked case"
    );
    let view = state.case_view(&case.id).unwrap();
    assert_eq!(view.chronology.len(), 1);
    assert!(view.chronology[0].approximate);
    assert_eq!(
        view.chronology[0].kind,
        Some(EventKind::Arrest),
        "the kind chosen in the form is kept"
    );
    assert_eq!(view.people[0].roles, ["detainee"]);
    let search = |text: &str, kind: &str| {
        state
            .search(crate::commands::library::SearchInput {
                text: text.into(),
                kind: Some(kind.into()),
                ..Default::default()
            })
            .unwrap()
    };
    let hits = search("задержании", "item");
    assert_eq!(hits.len(), 1, "the document's text is searched: {hits:?}");
    assert_eq!(hits[0].id, id);
    let hits = search("zhumabaev", "case");
    assert_eq!(hits.len(), 1, "Latin finds the Kazakh title: {hits:?}");
    let detail = state.item_detail(&id).unwrap();
    assert_eq!(detail.links.cases[0].id, case.id);
    assert!(detail.text.unwrap().contains("Постановление"));
    assert!(detail.custody.iter().any(|e| e.action == "import"));
    assert_eq!(
        detail.document_date, None,
        "a text file dates nothing itself"
    );
    state.set_item_date(&id, "~2031-03".into()).unwrap();
    let dated = state.item_detail(&id).unwrap().document_date.unwrap();
    assert_eq!(
        (dated.date.as_str(), dated.origin),
        ("~2031-03", DateOrigin::Stated)
    );
    let refused = state.set_item_date(&id, "March 2031".into());
    assert!(refused.is_err(), "{refused:?}");
    state.set_item_date(&id, String::new()).unwrap();
    assert_eq!(state.item_detail(&id).unwrap().document_date, None);
    state
        .unlink(Link::CaseItem {
            case: case.id.clone(),
            item: id.clone(),
        })
        .unwrap();
    assert!(state.library().unwrap()[0].cases.is_empty());
    let edited = state
        .edit_case(
            &case.id,
            CaseEditInput {
                notes: Some("## facts\nDetained [item:".to_owned() + &id + "]"),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(edited.notes.contains(&id));
    let lists = state.lists().unwrap();
    assert_eq!(lists.cases.len(), 1);
    assert_eq!(lists.people[0].label, "Ерлан Жұмабаев");

    // Mistakes undone: the event deleted (its evidence stays), the person off the case.
    let event = state.case_view(&case.id).unwrap().chronology[0].id.clone();
    state.delete_event(&event).unwrap();
    state
        .unlink(Link::CasePerson {
            case: case.id.clone(),
            person: person.id.clone(),
            role: "detainee".into(),
        })
        .unwrap();
    let view = state.case_view(&case.id).unwrap();
    assert!(view.chronology.is_empty() && view.people.is_empty());
    assert_eq!(state.library().unwrap().len(), 1, "the evidence stays");
}

#[test]
fn thumbnails_are_served_without_caching_and_only_while_unlocked() {
    let scratch = Scratch::new("protocol");
    let state = unlocked(&scratch);
    let png = scratch.file("photo.png", PNG_2X2);
    let text = scratch.file("note.txt", b"no picture here");
    let ids = import(&state, &[&png, &text]).ids;
    let get = |path: &str| {
        let request = Request::builder()
            .uri(format!("dossier://localhost{path}"))
            .body(Vec::new())
            .unwrap();
        crate::protocol::respond(&state, &request)
    };
    let ok = get(&format!("/thumb/{}", ids[0]));
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["content-type"], "image/jpeg");
    assert_eq!(ok.headers()["cache-control"], "no-store", "never cached");
    assert_eq!(&ok.body()[..3], b"\xff\xd8\xff", "a JPEG");
    assert_eq!(
        get(&format!("/preview/{}", ids[0])).status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&format!("/thumb/{}", ids[1])).status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/thumb/../../etc/passwd").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(get("/other/x").status(), StatusCode::NOT_FOUND);
    state.lock_vault();
    let locked = get(&format!("/thumb/{}", ids[0]));
    assert_eq!(locked.status(), StatusCode::FORBIDDEN);
    assert!(locked.body().is_empty());
}

#[test]
fn settings_persist_in_the_vault_and_auto_lock_waits_for_idle() {
    let scratch = Scratch::new("settings");
    let state = unlocked(&scratch);
    assert_eq!(
        state.settings().unwrap().auto_lock_minutes,
        10,
        "the default"
    );
    state.set_auto_lock(3).unwrap();
    assert_eq!(
        state.set_auto_lock(100_000).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    state.lock_vault();
    state
        .auto_lock_minutes
        .store(10, std::sync::atomic::Ordering::Relaxed);
    state.unlock(&secret(PASS)).unwrap();
    assert_eq!(
        state.settings().unwrap().auto_lock_minutes,
        3,
        "read from the vault"
    );
    let now = Instant::now();
    assert!(!state.idle_expired(now), "just unlocked");
    assert!(state.idle_expired(now + Duration::from_secs(3 * 60)));
    let job = state.begin_job().unwrap();
    assert!(
        !state.idle_expired(now + Duration::from_secs(3 * 60)),
        "never while an import or export runs"
    );
    drop(job);
    state.set_auto_lock(0).unwrap();
    assert!(
        !state.idle_expired(now + Duration::from_secs(86_400)),
        "0 is off"
    );
}

#[test]
fn the_time_stamping_authority_is_a_setting_kept_in_the_vault() {
    let scratch = Scratch::new("tsa");
    let state = unlocked(&scratch);
    assert_eq!(state.settings().unwrap().time_stamping_authority, None);
    assert_eq!(
        state
            .set_time_stamping_authority("freetsa.org/tsr", true)
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput,
        "an address without its scheme is refused, not guessed"
    );
    state
        .set_time_stamping_authority(" https://freetsa.org/tsr ", false)
        .unwrap();
    state.lock_vault();
    state.unlock(&secret(PASS)).unwrap();
    assert_eq!(
        state.settings().unwrap().time_stamping_authority.as_deref(),
        Some("https://freetsa.org/tsr"),
        "read back from the vault, trimmed"
    );
    assert!(!state.settings().unwrap().time_stamp_imports);
    state.set_time_stamping_authority("", true).unwrap();
    assert_eq!(state.settings().unwrap().time_stamping_authority, None);
}

#[test]
fn the_app_language_is_kept_in_the_vault() {
    let scratch = Scratch::new("ui-language");
    let state = unlocked(&scratch);
    assert_eq!(
        state.settings().unwrap().ui_language,
        None,
        "the system's at first"
    );
    assert_eq!(
        state.set_ui_language("de").unwrap_err().code,
        ErrorCode::InvalidInput
    );
    state.set_ui_language("kk").unwrap();
    state.lock_vault();
    state.unlock(&secret(PASS)).unwrap();
    assert_eq!(state.settings().unwrap().ui_language.as_deref(), Some("kk"));
}

#[test]
fn changing_the_passphrase_asks_for_the_current_one() {
    let scratch = Scratch::new("rekey");
    let state = unlocked(&scratch);
    let err = state
        .change_passphrase(
            &secret("a guess at it"),
            &secret("a brand new passphrase"),
            false,
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongPassphrase);
    let err = state
        .change_passphrase(&secret(PASS), &secret("short"), false)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::WeakPassphrase);
    state
        .change_passphrase(&secret(PASS), &secret("a brand new passphrase"), false)
        .unwrap();
    state.lock_vault();
    assert!(
        state.unlock(&secret(PASS)).is_err(),
        "the old one no longer opens it"
    );
    state.unlock(&secret("a brand new passphrase")).unwrap();
    let out = scratch.0.join("identity.txt");
    state.export_identity(&out).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("AGE-SECRET-KEY-1"), "an age identity file");
}

#[test]
fn a_dossier_exported_from_the_app_verifies_as_our_own_and_files_are_found() {
    let scratch = Scratch::new("dossier");
    let state = unlocked(&scratch);
    let letter = scratch.file("letter.txt", b"Decision of the court, 12 March 2031");
    let id = import(&state, &[&letter]).ids[0].clone();
    let case = state
        .add_case(NewCaseInput {
            title: "A v. B".into(),
            numbers: vec![],
            court: String::new(),
            status: String::new(),
            notes: String::new(),
        })
        .unwrap();
    let out = scratch.0.join("dossier.pdf");
    let input = ExportInput {
        case: case.id.clone(),
        template: "generic".into(),
        lang: "en".into(),
        items: vec![id.clone()],
        strip_exif: false,
        no_originals: false,
        signer_name: "Counsel".into(),
        signer_org: "Chambers".into(),
    };
    let bad = ExportInput {
        template: "nonsense".into(),
        ..input.clone()
    };
    let err = state
        .export_dossier(bad, out.clone(), &dossier::Silent)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(!out.exists());
    // The submission's form: fields saved and read back; a bad answer is refused.
    state
        .set_submission_field(&case.id, "source consent", "yes")
        .unwrap();
    let wgad = state.submission_form(&case.id, "wgad").unwrap();
    let consent = wgad.iter().find(|f| f.key == "source consent").unwrap();
    assert_eq!(consent.value, "yes");
    assert_eq!(consent.origin, dossier::submission::FieldOrigin::Field);
    let refused = state.set_submission_field(&case.id, "source consent", "maybe");
    assert_eq!(refused.unwrap_err().code, ErrorCode::InvalidInput);
    assert!(state.submission_form(&case.id, "nonsense").is_err());
    // Checked before: what it would carry and lack, with nothing written or signed.
    let preview = state.export_preview(input.clone()).unwrap();
    assert_eq!(preview.annexes, 1);
    assert!(
        preview.personal_data.is_empty(),
        "{:?}",
        preview.personal_data
    );
    assert!(!out.exists());
    assert!(
        state.settings().unwrap().signer.is_none(),
        "no certificate made"
    );
    // The pages before signing: drawn from an unsigned draft in memory, nothing written.
    let pages = state.dossier_draft(input.clone()).unwrap();
    assert!(pages >= 3, "cover, contents, body…: {pages}");
    let jpeg = state.draft_page(1).unwrap();
    assert_eq!(&jpeg[..2], &[0xff, 0xd8], "a JPEG");
    assert!(state.draft_page(pages + 1).is_err());
    assert!(!out.exists());
    assert!(
        state.settings().unwrap().signer.is_none(),
        "still no certificate"
    );
    let report = state
        .export_dossier(input.clone(), out.clone(), &dossier::Silent)
        .unwrap();
    assert_eq!(report.annexes, 1);
    let err = state
        .export_dossier(input, out.clone(), &dossier::Silent)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::OutputExists, "never overwrites");
    match state.verify_path(&out, &dossier::Silent).unwrap() {
        VerifyOutcome::Dossier {
            report, own_signer, ..
        } => {
            assert!(report.verified(), "{:?}", report.problems);
            assert!(own_signer, "pinned to this vault's signer");
        }
        other => panic!("not seen as a dossier: {other:?}"),
    }
    match state.verify_path(&letter, &dossier::Silent).unwrap() {
        VerifyOutcome::File { items, .. } => assert_eq!(items[0].id, id),
        other => panic!("{other:?}"),
    }
    // The vault's whole custody log, as `dossier log` prints it: the export is in it.
    let log = state.custody_log().unwrap();
    assert!(log.iter().any(|e| e.action == "export"), "{log:?}");
    assert!(log.iter().any(|e| e.action == "import"));
    // The whole vault checked from the app, as `dossier verify` does.
    let report = state.verify_vault(&dossier::Silent).unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert!(!report.items.is_empty() && report.custody_entries > 0);
    let stranger = scratch.file("stranger.txt", b"never imported");
    match state.verify_path(&stranger, &dossier::Silent).unwrap() {
        VerifyOutcome::File { items, .. } => assert!(items.is_empty()),
        other => panic!("{other:?}"),
    }
    let pem = scratch.0.join("root.pem");
    let fingerprint = state.export_signer_root(&pem, "Counsel").unwrap();
    let signer = state.settings().unwrap().signer.unwrap();
    assert!(
        signer.signer_subject.contains("CN=Counsel")
            && signer.signer_subject.contains("O=Chambers"),
        "the certificate names whom the export form gave: {}",
        signer.signer_subject
    );
    assert_eq!(
        Some(fingerprint),
        state.settings().unwrap().signer.map(|s| s.fingerprint)
    );
    assert!(
        std::fs::read_to_string(&pem)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
}

#[test]
fn recovery_keys_need_the_passphrase_and_open_the_vault() {
    let scratch = Scratch::new("recovery");
    let state = unlocked(&scratch);
    let refused = state.add_recovery_key(&secret("not the passphrase"), "paper", || None);
    assert_eq!(refused.unwrap_err().code, ErrorCode::WrongPassphrase);
    let sheet = scratch.0.join("recovery.pdf");
    let shown = state
        .add_recovery_key(&secret(PASS), "paper", || Some(sheet.clone()))
        .unwrap();
    assert!(shown.secret.starts_with("AGE-SECRET-KEY-1"));
    assert_eq!(shown.sheet.as_deref(), Some(sheet.to_str().unwrap()));
    assert!(std::fs::read(&sheet).unwrap().starts_with(b"%PDF-"));
    let slots = state.key_slots().unwrap();
    assert_eq!(slots.len(), 2);
    assert_eq!(slots[1].label, "paper");
    state.lock_vault();
    let vault = dossier::Vault::open_with_identity(
        &state.path,
        &secret(&shown.secret),
        dossier::NoCallbacks,
    )
    .unwrap();
    drop(vault);
    state.unlock(&secret(PASS)).unwrap();
    state
        .remove_key_slot(&secret(PASS), &shown.slot.id)
        .unwrap();
    assert_eq!(state.key_slots().unwrap().len(), 1);
}

#[test]
fn backups_and_bundles_go_through_the_adapters() {
    let scratch = Scratch::new("keeping");
    let a = unlocked(&scratch);
    let report = import(&a, &[&scratch.file("letter.txt", b"a letter")]);
    let case = a
        .add_case(NewCaseInput {
            title: "Case".into(),
            numbers: vec![],
            court: String::new(),
            status: String::new(),
            notes: String::new(),
        })
        .unwrap();
    a.link(Link::CaseItem {
        case: case.id.clone(),
        item: report.ids[0].clone(),
    })
    .unwrap();

    let (reporter, events, _) = recorder();
    let dir = scratch.0.join("stick");
    let backup = a.backup_to(&dir, &reporter).unwrap();
    assert!(backup.copied >= 3, "{backup:?}");
    assert!(
        !events.lock().unwrap().is_empty(),
        "the backup reports progress"
    );
    let checked = a.verify_backup(&dir, &reporter).unwrap();
    assert!(checked.is_clean(), "{checked:?}");

    let b = AppState::new(scratch.0.join("vault-b"));
    b.create(&secret(PASS), MIN_WORK_FACTOR, false).unwrap();
    let key = b.sharing_key().unwrap();
    assert_eq!(key.fingerprint.len(), 39);
    let contact = a.add_contact("B", &key.key).unwrap();
    let bundle = scratch.0.join("case.dossier");
    let shared = a
        .share_case(
            &case.id,
            std::slice::from_ref(&contact.id),
            &bundle,
            &reporter,
        )
        .unwrap();
    assert_eq!(shared.items, 1);
    let received = b.receive(&bundle, None, &reporter).unwrap();
    assert_eq!(received.items.len(), 1);
    assert_eq!(received.case_title.as_deref(), Some("Case"));
    assert_eq!(a.contacts().unwrap().len(), 1);
    a.remove_contact(&contact.id).unwrap();
    assert!(a.contacts().unwrap().is_empty());
}

#[test]
fn unlock_shows_what_opening_found() {
    let scratch = Scratch::new("opened");
    let state = unlocked(&scratch);
    state.lock_vault();
    // A sync engine's own marker in the vault folder: reported at unlock, never read.
    std::fs::create_dir_all(scratch.0.join("vault/.stfolder")).unwrap();
    let opened = state.unlock(&secret(PASS)).unwrap();
    assert!(
        opened.warnings.iter().any(|w| w.contains("Syncthing")),
        "the app gets every warning opening produced: {:?}",
        opened.warnings
    );
    assert!(opened.read_only.is_none());
    assert_eq!(opened.conflicts, 0);
    assert!(state.conflicts().unwrap().is_empty());
    let err = state.resolve_conflict(1, 1).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{}", err.message);
}

#[test]
fn a_person_is_corrected_and_removed_from_the_app() {
    let scratch = Scratch::new("person-edit");
    let state = unlocked(&scratch);
    let added = state
        .add_person(NewPersonInput {
            name: "Ерлан Жумабаев".into(),
            aliases: vec!["Erlan Zhumabaev".into()],
            born: "1984".into(),
            nationality: "KZ".into(),
            notes: String::new(),
        })
        .unwrap();
    // The form sends every field; the alias list is the whole new list.
    let edited = state
        .edit_person(
            &added.id,
            NewPersonInput {
                name: "Ерлан Жұмабаев".into(),
                aliases: vec!["Yerlan Zhumabayev".into(), " ".into()],
                born: String::new(),
                nationality: "Kazakhstan".into(),
                notes: "Brother of the source".into(),
            },
        )
        .unwrap();
    assert_eq!(edited.name, "Ерлан Жұмабаев");
    assert_eq!(edited.aliases, ["Yerlan Zhumabayev"]);
    assert_eq!(
        edited.born.as_deref(),
        Some("1984"),
        "an empty birth date keeps it"
    );
    assert_eq!(edited.nationality, "Kazakhstan");
    let refused = state.edit_person(
        &added.id,
        NewPersonInput {
            name: "  ".into(),
            aliases: vec![],
            born: String::new(),
            nationality: String::new(),
            notes: String::new(),
        },
    );
    assert_eq!(refused.unwrap_err().code, ErrorCode::InvalidInput);
    state.delete_person(&added.id).unwrap();
    assert!(state.people().unwrap().is_empty());
    assert!(state.person_view(&added.id).is_err());
}

#[test]
fn a_case_and_its_events_are_corrected_or_deleted_from_the_app() {
    let scratch = Scratch::new("case-edit");
    let state = unlocked(&scratch);
    let number = |number: &str, authority: &str| CaseNumberInput {
        number: number.into(),
        authority: authority.into(),
    };
    let case = state
        .add_case(NewCaseInput {
            title: "Zhumabayev v. Kazakhtsan".into(),
            numbers: vec![number("2-1547/2031", "Almaty"), number("WGAD 12/2031", "")],
            court: String::new(),
            status: String::new(),
            notes: String::new(),
        })
        .unwrap();
    // A typo in the title and a number corrected; the other number kept; one added.
    state
        .edit_case(
            &case.id,
            CaseEditInput {
                title: Some("Zhumabayev v. Kazakhstan".into()),
                numbers: Some(vec![
                    number("2-1547/2031", "Almaty City Court"),
                    number("WGAD 12/2031", ""),
                    number("", ""),
                    number("PACE 7/2031", "PACE"),
                ]),
                ..Default::default()
            },
        )
        .unwrap();
    let view = state.case_view(&case.id).unwrap();
    assert_eq!(view.case.title, "Zhumabayev v. Kazakhstan");
    let numbers: Vec<(String, String)> = view
        .case
        .numbers
        .iter()
        .map(|n| (n.number.clone(), n.authority.clone()))
        .collect();
    assert_eq!(numbers.len(), 3, "{numbers:?}");
    assert!(numbers.contains(&("2-1547/2031".into(), "Almaty City Court".into())));
    assert!(numbers.contains(&("PACE 7/2031".into(), "PACE".into())));

    let event = state
        .add_event(NewEventInput {
            case_id: Some(case.id.clone()),
            title: "Arest".into(),
            kind: None,
            date: "2031-03-12".into(),
            end: String::new(),
            place: String::new(),
            description: String::new(),
            people: vec![],
            items: vec![],
        })
        .unwrap();
    let edited = state
        .edit_event(
            &event,
            EventEditInput {
                title: "Arrest at home".into(),
                kind: Some(EventKind::Arrest),
                date: "~12.03.2031".into(),
                end: String::new(),
                place: "Almaty".into(),
                description: String::new(),
            },
        )
        .unwrap();
    assert_eq!(edited.title, "Arrest at home");
    assert!(edited.approximate, "the ~ is kept");
    assert_eq!(edited.place, "Almaty");
    assert_eq!(
        state
            .edit_event(
                &event,
                EventEditInput {
                    title: "x".into(),
                    kind: None,
                    date: "31.02.2031".into(),
                    end: String::new(),
                    place: String::new(),
                    description: String::new(),
                },
            )
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput,
        "an impossible date is refused, and nothing changes"
    );
    assert_eq!(
        state.case_view(&case.id).unwrap().chronology[0].title,
        "Arrest at home"
    );

    state.delete_case(&case.id).unwrap();
    assert!(state.cases().unwrap().is_empty());
    assert!(state.case_view(&case.id).is_err());
}

#[test]
fn purging_from_the_app_asks_for_the_passphrase_and_removes_the_bytes() {
    let scratch = Scratch::new("purge");
    let state = unlocked(&scratch);
    let report = import(&state, &[&scratch.file("scan.txt", b"a scan to purge")]);
    let id = report.ids[0].clone();
    let blobs = || {
        std::fs::read_dir(scratch.0.join("vault/blobs"))
            .unwrap()
            .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
            .count()
    };
    let before = blobs();
    assert!(before >= 1);
    assert!(
        state.purge_item(&id, &secret(PASS)).is_err(),
        "only a deleted item can be purged"
    );
    state.delete_item(&id, "duplicate").unwrap();
    let wrong = state
        .purge_item(&id, &secret("not the passphrase at all"))
        .unwrap_err();
    assert_eq!(wrong.code, ErrorCode::WrongPassphrase);
    assert_eq!(blobs(), before, "a wrong passphrase purges nothing");
    let purged = state.purge_item(&id, &secret(PASS)).unwrap();
    assert!(purged.purged_at.is_some());
    assert_eq!(blobs(), before - 1, "the bytes are gone from the disk");
    let kept = state.with_vault(|v| v.item(&id)).unwrap();
    assert_eq!(kept.sha256, purged.sha256, "the name and hash stay");
}

#[test]
fn a_weak_passphrase_needs_an_explicit_override_which_is_logged() {
    let scratch = Scratch::new("weak");
    let state = AppState::new(scratch.0.join("vault"));
    let err = state
        .create(&secret("password"), MIN_WORK_FACTOR, false)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::WeakPassphrase);
    assert!(err.message.contains("six random words"), "{}", err.message);
    assert!(!scratch.0.join("vault").exists(), "nothing was created");
    state
        .create(&secret("password1"), MIN_WORK_FACTOR, true)
        .unwrap();
    let log = state.custody_log().unwrap();
    assert!(
        log.iter()
            .any(|e| e.detail.contains("weak_passphrase_accepted")),
        "the override is on record"
    );
    let suggested = state.suggest_passphrase();
    assert_eq!(suggested.split(' ').count(), 6, "{suggested}");
    assert!(dossier::strength::score(&suggested) >= dossier::strength::STRONG_SCORE);
    state
        .change_passphrase(&secret("password1"), &secret(&suggested), false)
        .unwrap();
}

#[test]
fn an_emails_attachments_are_imported_from_the_app() {
    let scratch = Scratch::new("attachments");
    let state = unlocked(&scratch);
    let eml = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Decision\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the decision.\r\n--b\r\nContent-Type: text/plain; name=\"decision.txt\"\r\nContent-Disposition: attachment; filename=\"decision.txt\"\r\n\r\nThe court decided.\r\n--b--\r\n";
    let report = import(&state, &[&scratch.file("mail.eml", eml)]);
    let (reporter, _, _) = recorder();
    let got = state.import_attachments(&report.ids[0], &reporter).unwrap();
    assert_eq!(got.files.len(), 1, "{:?}", got.files);
    assert_eq!(got.files[0].status, "new");
    assert_eq!(got.files[0].name, "decision.txt");
    let again = state.import_attachments(&report.ids[0], &reporter).unwrap();
    assert_eq!(again.files[0].status, "duplicate", "never stored twice");
}

/// `dossier reindex` and `dossier repair` from the app (#15): reading every item again keeps
/// the evidence; a damaged journal file opens the vault read-only until the user chooses to
/// go on without it, and that file stays on disk.
#[test]
fn items_are_read_again_and_a_damaged_journal_file_is_set_aside_from_the_app() {
    let scratch = Scratch::new("maintenance");
    let state = unlocked(&scratch);
    let a = scratch.file("a.txt", "Постановление о задержании".as_bytes());
    import(&state, &[&a]);
    let (reporter, events, _) = recorder();
    assert_eq!(state.reindex(&reporter).unwrap(), 1);
    assert!(
        !events.lock().unwrap().is_empty(),
        "reading again shows progress"
    );
    let (reporter, _, _) = recorder();
    assert!(state.verify_vault(&reporter).unwrap().is_clean());

    let journal = scratch.0.join("vault/journal");
    let segments = || -> Vec<PathBuf> {
        let mut all = Vec::new();
        for dev in std::fs::read_dir(&journal).unwrap().flatten() {
            all.extend(
                std::fs::read_dir(dev.path())
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
        all
    };
    let before = segments();
    state
        .add_case(NewCaseInput {
            title: "Жұмабаева v. Kazakhstan".into(),
            numbers: vec![],
            court: String::new(),
            status: String::new(),
            notes: String::new(),
        })
        .unwrap();
    let newest = segments()
        .into_iter()
        .find(|p| !before.contains(p))
        .expect("a change writes a segment");
    state.lock_vault();
    let mut bytes = std::fs::read(&newest).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&newest, bytes).unwrap();

    let opened = state.unlock(&secret(PASS)).unwrap();
    assert!(opened.read_only.is_some(), "{opened:?}");
    assert!(
        state.cases().unwrap().is_empty(),
        "the damaged change is not applied"
    );
    let refused = state.add_case(NewCaseInput {
        title: "x".into(),
        numbers: vec![],
        court: String::new(),
        status: String::new(),
        notes: String::new(),
    });
    assert!(refused.is_err(), "read-only until the user decides");
    let set_aside = state.accept_damaged().unwrap();
    assert_eq!(set_aside, vec![newest.display().to_string()]);
    assert!(newest.exists(), "the damaged file is kept");
    import(&state, &[&scratch.file("b.txt", b"after the decision")]);
    state.lock_vault();
    let opened = state.unlock(&secret(PASS)).unwrap();
    assert!(opened.read_only.is_none(), "the decision is remembered");
    assert_eq!(state.library().unwrap().len(), 2);
}
