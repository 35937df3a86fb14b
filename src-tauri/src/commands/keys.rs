//! Ways to open the vault (key slots, recovery keys) and backups.

use std::path::{Path, PathBuf};

use dossier::backup::BackupReport;
use dossier::verify::Report;
use dossier::{KeySlot, Progress, SecretString};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::commands::reporter;
use crate::dialogs;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::{ProgressEvent, Pulled, RecoveryKeyShown};

impl AppState {
    pub fn key_slots(&self) -> ApiResult<Vec<KeySlot>> {
        self.with_vault(|v| v.key_slots())
    }

    /// Asks for the passphrase first: an unattended, unlocked laptop must not hand out a key.
    /// `sheet` chooses where to save the printable page once the key exists (`None`: no page,
    /// or the user closed the dialog); a page that fails to save does not hide the key.
    pub fn add_recovery_key(
        &self,
        passphrase: &SecretString,
        label: &str,
        sheet: impl FnOnce() -> Option<PathBuf>,
    ) -> ApiResult<RecoveryKeyShown> {
        use dossier::ExposeSecret;
        self.with_vault(|v| {
            v.confirm_passphrase(passphrase)?;
            let key = v.add_recovery_key(label)?;
            let (sheet, sheet_error) = match sheet() {
                Some(out) => match v.export_recovery_sheet(&key, &out) {
                    Ok(()) => (Some(out.display().to_string()), None),
                    Err(e) => (None, Some(e.to_string())),
                },
                None => (None, None),
            };
            Ok(RecoveryKeyShown {
                secret: key.secret.expose_secret().to_string(),
                slot: key.slot,
                sheet,
                sheet_error,
            })
        })
    }

    /// A slot for a hardware key through its age plugin (a YubiKey's recipient,
    /// `age1yubikey1…`, as `age-plugin-yubikey` printed it). Asks for the passphrase first,
    /// as for a recovery key. The plugin runs once now, and may ask through `ui`.
    pub fn add_plugin_key(
        &self,
        passphrase: &SecretString,
        recipient: &str,
        label: &str,
        ui: impl dossier::PluginUi,
    ) -> ApiResult<KeySlot> {
        self.with_vault(|v| {
            v.confirm_passphrase(passphrase)?;
            v.add_plugin_key(recipient, label, ui)
        })
    }

    pub fn remove_key_slot(&self, passphrase: &SecretString, id: &str) -> ApiResult<KeySlot> {
        self.with_vault(|v| {
            v.confirm_passphrase(passphrase)?;
            v.remove_key_slot(id)
        })
    }

    pub fn backup_to(&self, dir: &Path, progress: &dyn Progress) -> ApiResult<BackupReport> {
        self.with_vault(|v| v.backup(dir, progress))
    }

    pub fn verify_backup(&self, dir: &Path, progress: &dyn Progress) -> ApiResult<Report> {
        self.with_vault(|v| v.verify_backup(dir, progress))
    }

    /// Copies back from a backup (or another copy of the vault) the journal entries and
    /// evidence files the vault lacks, as `dossier pull` does; the notices as they stand after.
    pub fn pull_from(&self, dir: &Path, progress: &dyn Progress) -> ApiResult<Pulled> {
        self.with_vault(|v| {
            let report = v.pull(dir, progress)?;
            // The journal's notices as they stand now, then what the pull could not do.
            let mut notices = v.notices();
            notices.extend(report.notices.iter().cloned());
            Ok(Pulled { report, notices })
        })
    }
}

#[tauri::command(async)]
pub fn key_slots(state: State<'_, AppState>) -> ApiResult<Vec<KeySlot>> {
    state.key_slots()
}

/// Makes a recovery key; with `sheet`, asks where to save it as a printable page.
#[tauri::command(async)]
pub fn add_recovery_key(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    passphrase: String,
    label: String,
    sheet: bool,
) -> ApiResult<RecoveryKeyShown> {
    state.add_recovery_key(&SecretString::from(passphrase), &label, || {
        sheet
            .then(|| dialogs::save(&app, &title, "recovery-key.pdf"))
            .flatten()
    })
}

#[tauri::command]
pub async fn add_plugin_key(
    app: AppHandle,
    passphrase: String,
    recipient: String,
    label: String,
) -> ApiResult<KeySlot> {
    crate::prompts::run_plugin(app, move |_, state, ui| {
        state.add_plugin_key(&SecretString::from(passphrase), &recipient, &label, ui)
    })
    .await
}

#[tauri::command(async)]
pub fn remove_key_slot(
    state: State<'_, AppState>,
    passphrase: String,
    id: String,
) -> ApiResult<KeySlot> {
    state.remove_key_slot(&SecretString::from(passphrase), &id)
}

/// Chooses the backup folder (a USB stick, another disk), then copies and verifies.
#[tauri::command(async)]
pub fn backup(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Option<BackupReport>> {
    let Some(dir) = dialogs::pick_folder(&app, &title) else {
        return Ok(None);
    };
    let job = state.begin_job()?;
    state.backup_to(&dir, &reporter(channel, &job)).map(Some)
}

/// Asks for the backup that holds what the vault lacks, and pulls it in.
#[tauri::command(async)]
pub fn pull(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Option<Pulled>> {
    let Some(dir) = dialogs::pick_folder(&app, &title) else {
        return Ok(None);
    };
    let job = state.begin_job()?;
    state.pull_from(&dir, &reporter(channel, &job)).map(Some)
}

#[tauri::command(async)]
pub fn verify_backup(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Option<Report>> {
    let Some(dir) = dialogs::pick_folder(&app, &title) else {
        return Ok(None);
    };
    let job = state.begin_job()?;
    state
        .verify_backup(&dir, &reporter(channel, &job))
        .map(Some)
}
