//! Importing, the long-job rules, renditions, purging.

use super::*;

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
    assert_eq!(state.settings().unwrap().last_check, None, "never checked");
    let checked = state.verify_vault(&dossier::Silent).unwrap();
    assert!(checked.is_clean(), "{checked:?}");
    assert_eq!(checked.items.len(), 2, "the deleted item is still verified");
    // Settings shows the check: when, how many items, nothing wrong.
    let last = state
        .settings()
        .unwrap()
        .last_check
        .expect("the check is recorded");
    assert_eq!((last.items, last.problems, last.unknown_files), (2, 0, 0));
    assert!(last.chain_intact && last.at.starts_with("20"), "{last:?}");
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
