//! Signed dossiers, recovery keys, backups and bundles.

use super::*;

#[test]
fn a_dossier_exported_from_the_app_verifies_as_our_own_and_files_are_found() {
    let scratch = Scratch::new("dossier");
    let state = unlocked(&scratch);
    let letter = scratch.file("letter.txt", b"Decision of the court, 12 March 2031");
    let id = import(&state, &[&letter]).ids[0].clone();
    let case = state.add_case(titled_case("A v. B")).unwrap();
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
    // A key whose slot was removed opens nothing.
    let removed = state
        .add_recovery_key(&secret(PASS), "spare", || None)
        .unwrap();
    state
        .remove_key_slot(&secret(PASS), &removed.slot.id)
        .unwrap();
    state.lock_vault();
    // The app opens with the key instead of the passphrase (a lost passphrase), as pasted.
    let ui = || {
        crate::prompts::WindowUi::new(state.prompts.clone(), |p| {
            panic!("a recovery key asks nothing: {p:?}")
        })
    };
    let wrong = state.unlock_with_key(&secret(&removed.secret), ui());
    assert_eq!(
        wrong.unwrap_err().key,
        Some(MessageKey::WrongKey),
        "a removed key opens nothing"
    );
    assert!(!state.is_unlocked());
    let opened = state
        .unlock_with_key(&secret(&format!("  {}\n", shown.secret)), ui())
        .unwrap();
    assert_eq!(opened.conflicts, 0);
    assert!(state.is_unlocked());
    // A plugin slot needs the passphrase too, and a plugin recipient.
    let refused = state.add_plugin_key(&secret("not it"), "age1yubikey1qq", "YubiKey", ui());
    assert_eq!(refused.unwrap_err().code, ErrorCode::WrongPassphrase);
    let not_plugin = state.add_plugin_key(
        &secret(PASS),
        &shown.slot.recipient.clone().unwrap(),
        "YubiKey",
        ui(),
    );
    assert!(
        not_plugin
            .unwrap_err()
            .message
            .contains("not an age plugin recipient")
    );
    state.lock_vault();
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
    let case = a.add_case(titled_case("Case")).unwrap();
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

/// Entries removed from the vault folder (an older copy put back) are a notice at unlock, and
/// the app brings them back from a backup that has them, as `dossier pull` does.
#[test]
fn missing_entries_come_back_from_a_backup_in_the_app() {
    let scratch = Scratch::new("pull");
    let state = unlocked(&scratch);
    for (name, text) in [("a.txt", "first"), ("b.txt", "second"), ("c.txt", "third")] {
        import(&state, &[&scratch.file(name, text.as_bytes())]);
    }
    let (reporter, _, _) = recorder();
    let stick = scratch.0.join("stick");
    state.backup_to(&stick, &reporter).unwrap();
    state.lock_vault();
    // One entry between others goes, and the snapshots that could stand in for it.
    let vault = scratch.0.join("vault");
    let device = std::fs::read_dir(vault.join("journal"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut segments: Vec<PathBuf> = std::fs::read_dir(&device)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    segments.sort();
    std::fs::remove_file(&segments[segments.len() - 2]).unwrap();
    let _ = std::fs::remove_dir_all(vault.join("snapshots")); // none may exist yet
    let opened = state.unlock(&secret(PASS)).unwrap();
    assert!(
        opened
            .notices
            .iter()
            .any(|n| n.key == dossier::NoticeKey::MissingEntries),
        "{:?}",
        opened.notices
    );
    // This device's own record saw those entries: said as such, not as "a later entry".
    assert!(
        opened
            .notices
            .iter()
            .any(|n| n.key == dossier::NoticeKey::MissingEntries && n.args[4] == "this_device"),
        "{:?}",
        opened.notices
    );
    let pulled = state.pull_from(&stick, &reporter).unwrap();
    assert_eq!(pulled.report.segments, 1, "{:?}", pulled.report);
    assert!(
        !pulled
            .notices
            .iter()
            .any(|n| n.key == dossier::NoticeKey::MissingEntries),
        "whole again: {:?}",
        pulled.notices
    );
    assert_eq!(state.library().unwrap().len(), 3);
}
