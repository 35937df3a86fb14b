//! Creating, unlocking and locking a vault, its settings, and what opening found.

use super::*;

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
    // The UI says it in its own language: the kind of message, with no values to fill in.
    assert_eq!(err.key, Some(MessageKey::WrongPassphrase));
    assert!(err.args.is_empty());
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
fn unlock_shows_what_opening_found() {
    let scratch = Scratch::new("opened");
    let state = unlocked(&scratch);
    state.lock_vault();
    // A sync engine's own marker in the vault folder: reported at unlock, never read.
    std::fs::create_dir_all(scratch.0.join("vault/.stfolder")).unwrap();
    let opened = state.unlock(&secret(PASS)).unwrap();
    // As a notice the UI says in its language: its kind and values, and the core's words.
    let notice = opened
        .notices
        .iter()
        .find(|n| n.key == dossier::NoticeKey::SyncDebris)
        .unwrap_or_else(|| panic!("{:?} / {:?}", opened.notices, opened.warnings));
    assert!(notice.args[0].ends_with(".stfolder"), "{notice:?}");
    assert_eq!(notice.args[1], "syncthing_folder");
    assert!(notice.text.contains("Syncthing"), "{notice:?}");
    // It stands while the marker is there: asked again, the UI replaces it.
    assert!(notice.standing, "{notice:?}");
    assert!(
        !opened.warnings.contains(&notice.text),
        "said once, not also among the warnings: {:?}",
        opened.warnings
    );
    assert!(opened.read_only.is_none());
    assert_eq!(opened.conflicts, 0);
    assert!(state.conflicts().unwrap().is_empty());
    let err = state.resolve_conflict(1, 1).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{}", err.message);
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
        .add_case(titled_case("Жұмабаева v. Kazakhstan"))
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
    assert_eq!(
        opened.damaged,
        [newest.display().to_string()],
        "what going on would leave out"
    );
    assert!(
        state.cases().unwrap().is_empty(),
        "the damaged change is not applied"
    );
    let refused = state.add_case(titled_case("x"));
    assert_eq!(
        refused.unwrap_err().code,
        ErrorCode::ReadOnly,
        "until the user decides"
    );
    let set_aside = state.accept_damaged().unwrap();
    assert_eq!(set_aside, vec![newest.display().to_string()]);
    assert!(newest.exists(), "the damaged file is kept");
    import(&state, &[&scratch.file("b.txt", b"after the decision")]);
    state.lock_vault();
    let opened = state.unlock(&secret(PASS)).unwrap();
    assert!(opened.read_only.is_none(), "the decision is remembered");
    assert_eq!(state.library().unwrap().len(), 2);
}
