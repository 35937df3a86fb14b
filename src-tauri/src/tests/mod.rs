//! The adapters, headless: what each command does to the vault and what it returns, without a
//! window (the window itself is driven by `tests/e2e`). Shared helpers here; the tests by
//! subject in the modules below.

mod keeping;
mod library;
mod register;
mod session;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dossier::register::Link;
use dossier::{CancelFlag, MIN_WORK_FACTOR, MessageKey, SecretString};
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

/// A new case with only its title (the other fields left empty).
fn titled_case(title: &str) -> NewCaseInput {
    NewCaseInput {
        title: title.into(),
        numbers: vec![],
        court: String::new(),
        status: String::new(),
        notes: String::new(),
    }
}

fn import(state: &AppState, paths: &[&Path]) -> crate::wire::ImportReport {
    let (reporter, _, _) = recorder();
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    state.import_paths(&paths, &reporter).unwrap()
}
