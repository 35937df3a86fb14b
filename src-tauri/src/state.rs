//! The app's one piece of state: the vault, unlocked or not.

use std::path::PathBuf;
use std::sync::Mutex;

use dossier::Vault;

pub struct AppState {
    pub path: PathBuf,
    /// `None` while locked. Locking drops the `Vault`, which drops (and wipes) its key.
    pub vault: Mutex<Option<Vault>>,
}

impl AppState {
    pub fn new(path: PathBuf) -> AppState {
        AppState {
            path,
            vault: Mutex::new(None),
        }
    }
}

/// `$DOSSIER_VAULT`, else the platform data folder (the CLI's default too).
pub fn vault_path() -> PathBuf {
    std::env::var_os("DOSSIER_VAULT")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("dossier").join("vault")))
        .unwrap_or_else(|| PathBuf::from("dossier-vault"))
}
