//! Contacts, and sending or receiving encrypted bundles.

use std::path::Path;

use dossier::Progress;
use dossier::contacts::{Contact, fingerprint};
use dossier::share::{ReceiveReport, ShareReport};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::commands::reporter;
use crate::dialogs;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::{ProgressEvent, SharingKey};

impl AppState {
    pub fn contacts(&self) -> ApiResult<Vec<Contact>> {
        self.with_vault(|v| v.contacts())
    }

    pub fn add_contact(&self, name: &str, key: &str) -> ApiResult<Contact> {
        self.with_vault(|v| v.add_contact(name, key))
    }

    pub fn remove_contact(&self, id: &str) -> ApiResult<Contact> {
        self.with_vault(|v| v.remove_contact(id))
    }

    pub fn sharing_key(&self) -> ApiResult<SharingKey> {
        let key = self.with_vault(|v| v.sharing_key())?;
        Ok(SharingKey {
            fingerprint: fingerprint(&key),
            key,
        })
    }

    pub fn share_case(
        &self,
        case: &str,
        contacts: &[String],
        out: &Path,
        progress: &dyn Progress,
    ) -> ApiResult<ShareReport> {
        self.with_vault(|v| v.share(Some(case), &[], contacts, out, progress))
    }

    pub fn receive(
        &self,
        bundle: &Path,
        case: Option<&str>,
        progress: &dyn Progress,
    ) -> ApiResult<ReceiveReport> {
        self.with_vault(|v| v.receive(bundle, case, progress))
    }
}

#[tauri::command(async)]
pub fn contacts(state: State<'_, AppState>) -> ApiResult<Vec<Contact>> {
    state.contacts()
}

#[tauri::command(async)]
pub fn add_contact(state: State<'_, AppState>, name: String, key: String) -> ApiResult<Contact> {
    state.add_contact(&name, &key)
}

#[tauri::command(async)]
pub fn remove_contact(state: State<'_, AppState>, id: String) -> ApiResult<Contact> {
    state.remove_contact(&id)
}

#[tauri::command(async)]
pub fn sharing_key(state: State<'_, AppState>) -> ApiResult<SharingKey> {
    state.sharing_key()
}

/// Asks where to save, then writes the case's evidence as a bundle for the chosen contacts.
#[tauri::command(async)]
pub fn share_case(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    case: String,
    contacts: Vec<String>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Option<ShareReport>> {
    let Some(out) = dialogs::save(&app, &title, "case.dossier") else {
        return Ok(None);
    };
    let job = state.begin_job()?;
    state
        .share_case(&case, &contacts, &out, &reporter(channel, &job))
        .map(Some)
}

/// Chooses a bundle and imports it, linking its items to `case` if given.
#[tauri::command(async)]
pub fn receive_bundle(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    case: Option<String>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Option<ReceiveReport>> {
    let Some(bundle) = dialogs::pick_file(&app, &title) else {
        return Ok(None);
    };
    let job = state.begin_job()?;
    state
        .receive(&bundle, case.as_deref(), &reporter(channel, &job))
        .map(Some)
}
