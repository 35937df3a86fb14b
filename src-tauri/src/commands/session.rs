//! Create, unlock, lock, auto-lock and the settings screen.

use std::path::Path;
use std::sync::atomic::Ordering;

use dossier::strength::{STRONG_SCORE, score};
use dossier::{CreateOptions, DEFAULT_WORK_FACTOR, ExposeSecret, PluginUi, SecretString, Vault};
use tauri::{AppHandle, State};

use crate::dialogs;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::{AppState, DEFAULT_AUTO_LOCK_MINUTES};
use crate::wire::{Opened, Settings, VaultStatus};

const AUTO_LOCK: &str = "auto_lock_minutes";
const UI_LANGUAGE: &str = "ui_language";
/// Logged when the user keeps a passphrase the meter calls weak: the override is on record.
const WEAK_ACCEPTED: &str = "weak_passphrase_accepted";

/// The app takes a passphrase the meter calls "good" or better; a weaker one only when the
/// user says so (`accept_weak`), and then it is recorded. Returns whether it was weak.
fn strong_enough(passphrase: &SecretString, accept_weak: bool) -> ApiResult<bool> {
    if score(passphrase.expose_secret()) >= STRONG_SCORE {
        return Ok(false);
    }
    if accept_weak {
        return Ok(true);
    }
    Err(ApiError::new(
        ErrorCode::WeakPassphrase,
        "this passphrase is easy to guess: use six random words (or the suggested ones); to keep it anyway, say so, and it is recorded in the custody log",
    ))
}
/// The languages the UI has catalogues for (ui/src/lib/i18n).
const UI_LANGUAGES: [&str; 4] = ["en", "ru", "kk", "fr"];

impl AppState {
    pub fn status(&self) -> VaultStatus {
        VaultStatus {
            path: self.path.display().to_string(),
            exists: dossier::check_vault_header(&self.path).is_ok(),
            unlocked: self.is_unlocked(),
        }
    }

    pub fn create(
        &self,
        passphrase: &SecretString,
        work_factor: u8,
        accept_weak: bool,
    ) -> ApiResult<()> {
        let weak = strong_enough(passphrase, accept_weak)?;
        let mut vault = Vault::create(&self.path, passphrase, &CreateOptions { work_factor })?;
        if weak {
            vault.set_preference(WEAK_ACCEPTED, "at creation")?;
        }
        self.auto_lock_minutes
            .store(DEFAULT_AUTO_LOCK_MINUTES, Ordering::Relaxed);
        self.set_vault(vault);
        Ok(())
    }

    /// Opens the vault and returns everything opening found, for the UI to show (the CLI
    /// prints the same warnings).
    pub fn unlock(&self, passphrase: &SecretString) -> ApiResult<Opened> {
        let vault = Vault::open(&self.path, passphrase)?;
        self.opened(vault)
    }

    /// Opens the vault with a key instead of the passphrase: a recovery key
    /// (`AGE-SECRET-KEY-1…`) or a plugin identity (`AGE-PLUGIN-YUBIKEY-1…`), whose plugin asks
    /// its questions (PIN, touch) through `ui`.
    pub fn unlock_with_key(&self, key: &SecretString, ui: impl PluginUi) -> ApiResult<Opened> {
        let vault = Vault::open_with_identity(&self.path, key, ui)?;
        self.opened(vault)
    }

    fn opened(&self, mut vault: Vault) -> ApiResult<Opened> {
        let minutes = vault
            .preference(AUTO_LOCK)?
            .and_then(|m| m.parse().ok())
            .unwrap_or(DEFAULT_AUTO_LOCK_MINUTES);
        self.auto_lock_minutes.store(minutes, Ordering::Relaxed);
        let notices = vault.notices();
        let warnings = vault
            .take_warnings()
            .into_iter()
            .filter(|w| !notices.iter().any(|n| n.text == *w))
            .collect();
        let opened = Opened {
            notices,
            warnings,
            read_only: vault.read_only().map(String::from),
            damaged: vault.damaged_files(),
            conflicts: vault.conflicts()?.len() as u32,
        };
        self.set_vault(vault);
        Ok(opened)
    }

    /// The user chose to go on without the damaged journal files that made opening
    /// read-only (they stay on disk): the same call as `dossier repair`. Names the files.
    pub fn accept_damaged(&self) -> ApiResult<Vec<String>> {
        self.with_vault(|v| v.accept_damaged_catalog())
    }

    pub fn conflicts(&self) -> ApiResult<Vec<dossier::Conflict>> {
        self.with_vault(|v| v.conflicts())
    }

    pub fn resolve_conflict(&self, number: u32, keep: u32) -> ApiResult<()> {
        self.with_vault(|v| v.resolve(number as usize, keep as usize).map(|_| ()))
    }

    pub fn settings(&self) -> ApiResult<Settings> {
        // One look at the vault: one lock, one consistent answer.
        self.with_vault(|v| {
            Ok(Settings {
                auto_lock_minutes: self.auto_lock_minutes.load(Ordering::Relaxed),
                signer: v.stored_signer()?.map(|s| s.summary()).transpose()?,
                ocr: v.ocr_settings()?,
                time_stamping_authority: v.time_stamping_authority()?,
                time_stamp_imports: v.time_stamps_imports()?,
                time_stamps_waiting: v.time_stamps_waiting()?,
                ui_language: v.preference(UI_LANGUAGE)?,
                last_check: v.last_check()?,
            })
        })
    }

    /// Kept in the vault (encrypted): the language says something about its user.
    pub fn set_ui_language(&self, code: &str) -> ApiResult<()> {
        if !UI_LANGUAGES.contains(&code) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("the app has no {code:?} language (it has en, ru, kk and fr)"),
            ));
        }
        self.with_vault(|v| v.set_preference(UI_LANGUAGE, code))
    }

    /// An empty `url` stops time-stamping.
    pub fn set_time_stamping_authority(&self, url: &str, imports: bool) -> ApiResult<()> {
        let url = Some(url.trim()).filter(|u| !u.is_empty());
        self.with_vault(|v| {
            v.set_time_stamping_authority(url)?;
            v.set_time_stamp_imports(imports)
        })
    }

    pub fn set_ocr(&self, enabled: bool, languages: &str) -> ApiResult<dossier::OcrSettings> {
        self.with_vault(|v| {
            v.set_ocr(Some(enabled), Some(languages))?;
            v.ocr_settings()
        })
    }

    pub fn set_auto_lock(&self, minutes: u32) -> ApiResult<()> {
        if minutes > 24 * 60 {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "auto-lock must be at most 1440 minutes (a day); 0 turns it off",
            ));
        }
        self.with_vault(|v| v.set_preference(AUTO_LOCK, &minutes.to_string()))?;
        self.auto_lock_minutes.store(minutes, Ordering::Relaxed);
        Ok(())
    }

    /// Changing the passphrase asks for the current one: an unlocked, unattended laptop must
    /// not let anyone take the vault over.
    pub fn change_passphrase(
        &self,
        current: &SecretString,
        new: &SecretString,
        accept_weak: bool,
    ) -> ApiResult<()> {
        let weak = strong_enough(new, accept_weak)?;
        self.with_vault(|v| {
            v.confirm_passphrase(current)?;
            v.change_passphrase(new, DEFAULT_WORK_FACTOR)?;
            if weak {
                v.set_preference(WEAK_ACCEPTED, "at a change")?;
            }
            Ok(())
        })
    }

    /// Six random words for a new passphrase (Rust's random source, never the webview's).
    pub fn suggest_passphrase(&self) -> String {
        dossier::strength::suggest()
    }

    pub fn confirm_passphrase(&self, passphrase: &SecretString) -> ApiResult<()> {
        self.with_vault(|v| v.confirm_passphrase(passphrase))
    }

    pub fn export_identity(&self, out: &Path) -> ApiResult<()> {
        self.with_vault(|v| v.export_identity(out))
    }

    pub fn export_signer_root(&self, out: &Path, name: &str) -> ApiResult<String> {
        let who = dossier::signer::SignerName::new(name, "");
        Ok(self
            .with_vault(|v| v.export_signer_root(&who, out))?
            .fingerprint)
    }
}

#[tauri::command(async)]
pub fn vault_status(state: State<'_, AppState>) -> VaultStatus {
    state.status()
}

#[tauri::command(async)]
pub fn create_vault(
    state: State<'_, AppState>,
    passphrase: String,
    accept_weak: bool,
) -> ApiResult<()> {
    state.create(
        &SecretString::from(passphrase),
        DEFAULT_WORK_FACTOR,
        accept_weak,
    )
}

#[tauri::command(async)]
pub fn suggest_passphrase(state: State<'_, AppState>) -> String {
    state.suggest_passphrase()
}

#[tauri::command(async)]
pub fn unlock(state: State<'_, AppState>, passphrase: String) -> ApiResult<Opened> {
    state.unlock(&SecretString::from(passphrase))
}

/// Opens the vault with a key: `key` as pasted (a recovery key), or, without it, the key file
/// the user chooses (a YubiKey's identity file, or a recovery key saved as a file). `None`:
/// the dialog was closed. A plugin's questions come to the window as `key-prompt` events.
#[tauri::command]
pub async fn unlock_with_key(
    app: AppHandle,
    key: Option<String>,
    title: String,
) -> ApiResult<Option<Opened>> {
    crate::prompts::run_plugin(app, move |app, state, ui| {
        let key = match key {
            Some(k) => SecretString::from(k),
            None => {
                let Some(path) = dialogs::pick_file(app, &title) else {
                    return Ok(None);
                };
                dossier::read_identity_file(&path)?
            }
        };
        state.unlock_with_key(&key, ui).map(Some)
    })
    .await
}

/// The answer to a plugin's question (`None`: declined); false if nothing waits for it. On the
/// main thread: the command whose plugin waits for this answer holds a worker thread.
#[tauri::command]
pub fn answer_prompt(state: State<'_, AppState>, id: u64, answer: Option<String>) -> bool {
    state.prompts.answer(id, answer)
}

#[tauri::command(async)]
pub fn accept_damaged(state: State<'_, AppState>) -> ApiResult<Vec<String>> {
    state.accept_damaged()
}

#[tauri::command(async)]
pub fn conflicts(state: State<'_, AppState>) -> ApiResult<Vec<dossier::Conflict>> {
    state.conflicts()
}

#[tauri::command(async)]
pub fn resolve_conflict(state: State<'_, AppState>, number: u32, keep: u32) -> ApiResult<()> {
    state.resolve_conflict(number, keep)
}

#[tauri::command(async)]
pub fn lock(state: State<'_, AppState>) {
    state.lock_vault();
}

/// The UI saw the user type, click or scroll (sent at most every 20 s).
#[tauri::command]
pub fn still_here(state: State<'_, AppState>) {
    state.touch();
}

#[tauri::command(async)]
pub fn settings(state: State<'_, AppState>) -> ApiResult<Settings> {
    state.settings()
}

#[tauri::command(async)]
pub fn set_ocr(
    state: State<'_, AppState>,
    enabled: bool,
    languages: String,
) -> ApiResult<dossier::OcrSettings> {
    state.set_ocr(enabled, &languages)
}

#[tauri::command(async)]
pub fn set_time_stamping_authority(
    state: State<'_, AppState>,
    url: String,
    imports: bool,
) -> ApiResult<()> {
    state.set_time_stamping_authority(&url, imports)
}

#[tauri::command(async)]
pub fn set_ui_language(state: State<'_, AppState>, code: String) -> ApiResult<()> {
    state.set_ui_language(&code)
}

/// Sends the items that wait for a time-stamp. `None`: no authority.
#[tauri::command(async)]
pub fn send_time_stamps(state: State<'_, AppState>) -> ApiResult<Option<dossier::StampReport>> {
    state.send_time_stamps()
}

#[tauri::command(async)]
pub fn set_auto_lock(state: State<'_, AppState>, minutes: u32) -> ApiResult<()> {
    state.set_auto_lock(minutes)
}

#[tauri::command(async)]
pub fn change_passphrase(
    state: State<'_, AppState>,
    current: String,
    new: String,
    accept_weak: bool,
) -> ApiResult<()> {
    state.change_passphrase(
        &SecretString::from(current),
        &SecretString::from(new),
        accept_weak,
    )
}

/// Asks for the passphrase, then where to save the recovery identity. `None`: the user
/// closed the dialog.
#[tauri::command(async)]
pub fn export_identity(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    passphrase: String,
) -> ApiResult<Option<String>> {
    state.confirm_passphrase(&SecretString::from(passphrase))?;
    let Some(out) = dialogs::save(&app, &title, "dossier-identity.txt") else {
        return Ok(None);
    };
    state.export_identity(&out)?;
    Ok(Some(out.display().to_string()))
}

/// Saves the signer's root certificate (what recipients pin) and returns its fingerprint.
#[tauri::command(async)]
pub fn export_signer(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    signer_name: String,
) -> ApiResult<Option<String>> {
    let Some(out) = dialogs::save(&app, &title, "dossier-signer-root.pem") else {
        return Ok(None);
    };
    state.export_signer_root(&out, &signer_name)?;
    Ok(Some(out.display().to_string()))
}
