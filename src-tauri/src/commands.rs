//! Tauri commands: each takes plain data, calls one core function and returns plain data or
//! an [`ApiError`]. Passphrases become `SecretString` the moment they arrive.

use dossier::{CreateOptions, DEFAULT_WORK_FACTOR, SecretString, Vault};
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

/// What the UI receives on failure: a closed code it switches on, and a message for people.
#[derive(Debug, Serialize)]
pub struct ApiError {
    code: &'static str,
    message: String,
}

impl From<dossier::Error> for ApiError {
    fn from(e: dossier::Error) -> ApiError {
        let code = match e.code() {
            c @ ("wrong_passphrase" | "weak_passphrase" | "not_a_vault" | "vault_exists"
            | "in_use" | "io" | "corrupt") => c,
            _ => "other",
        };
        ApiError {
            code,
            message: e.to_string(),
        }
    }
}

fn locked() -> ApiError {
    ApiError {
        code: "locked",
        message: "the vault is locked".into(),
    }
}

type Result<T> = std::result::Result<T, ApiError>;

#[derive(Serialize)]
pub struct VaultStatus {
    path: String,
    exists: bool,
    unlocked: bool,
}

#[derive(Serialize)]
pub struct ItemRow {
    id: String,
    name: String,
    media_type: String,
    size: u64,
    imported_at: String,
}

#[derive(Serialize)]
pub struct CaseRow {
    id: String,
    title: String,
}

fn with_vault<T>(state: &AppState, f: impl FnOnce(&mut Vault) -> dossier::Result<T>) -> Result<T> {
    let mut guard = state.vault.lock().unwrap_or_else(|p| p.into_inner());
    let vault = guard.as_mut().ok_or_else(locked)?;
    Ok(f(vault)?)
}

#[tauri::command]
pub fn vault_status(state: State<'_, AppState>) -> VaultStatus {
    let unlocked = state.vault.lock().map(|v| v.is_some()).unwrap_or(false);
    VaultStatus {
        path: state.path.display().to_string(),
        exists: dossier::check_vault_header(&state.path).is_ok(),
        unlocked,
    }
}

#[tauri::command]
pub fn create_vault(state: State<'_, AppState>, passphrase: String) -> Result<()> {
    let passphrase = SecretString::from(passphrase);
    let vault = Vault::create(
        &state.path,
        &passphrase,
        &CreateOptions {
            work_factor: DEFAULT_WORK_FACTOR,
        },
    )?;
    *state.vault.lock().unwrap_or_else(|p| p.into_inner()) = Some(vault);
    Ok(())
}

#[tauri::command]
pub fn unlock(state: State<'_, AppState>, passphrase: String) -> Result<()> {
    let passphrase = SecretString::from(passphrase);
    let vault = Vault::open(&state.path, &passphrase)?;
    *state.vault.lock().unwrap_or_else(|p| p.into_inner()) = Some(vault);
    Ok(())
}

#[tauri::command]
pub fn lock(state: State<'_, AppState>) {
    let vault = state.vault.lock().unwrap_or_else(|p| p.into_inner()).take();
    drop(vault);
}

#[tauri::command]
pub fn list_items(state: State<'_, AppState>) -> Result<Vec<ItemRow>> {
    with_vault(&state, |v| {
        Ok(v.items(false)?
            .into_iter()
            .map(|i| ItemRow {
                id: i.id,
                name: i.name,
                media_type: i.media_type,
                size: i.size,
                imported_at: i.imported_at,
            })
            .collect())
    })
}

#[tauri::command]
pub fn list_cases(state: State<'_, AppState>) -> Result<Vec<CaseRow>> {
    with_vault(&state, |v| {
        Ok(v.cases()?
            .into_iter()
            .map(|c| CaseRow {
                id: c.id,
                title: c.title,
            })
            .collect())
    })
}
