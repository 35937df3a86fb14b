//! The app's one piece of state: the vault (unlocked, or nothing), the long job that may be
//! running, and when the user was last seen (for auto-lock).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use dossier::{CancelFlag, Vault};

use crate::error::{ApiError, ApiResult};
use crate::prompts::Prompts;

/// Minutes of inactivity before the vault locks itself, until the user chooses otherwise.
pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 10;

pub struct AppState {
    pub path: PathBuf,
    /// `None` while locked. Locking drops the `Vault`, which drops (and wipes) its key.
    vault: Mutex<Option<Vault>>,
    /// Whether `vault` holds one, readable without its lock: the main thread asks (a file
    /// dropped on the window) while a command may hold the vault for minutes (an import, a
    /// hardware key waiting for its PIN).
    unlocked: AtomicBool,
    /// The cancel flag of the import, export or verification under way.
    job: Mutex<Option<Arc<CancelFlag>>>,
    /// Paths dropped on the window, waiting for the user to confirm the import. They come
    /// from the windowing system, never from the webview.
    pub dropped: Mutex<Vec<PathBuf>>,
    last_seen: Mutex<Instant>,
    pub auto_lock_minutes: AtomicU32,
    /// The dossier draft on show (unsigned PDF, memory only), dropped at lock.
    pub draft: Mutex<Option<Vec<u8>>>,
    /// A key plugin's questions waiting for the window's answers.
    pub prompts: Arc<Prompts>,
}

/// Clears the running job when the work ends, however it ends.
pub struct JobGuard<'a> {
    state: &'a AppState,
    pub flag: Arc<CancelFlag>,
}

impl Drop for JobGuard<'_> {
    fn drop(&mut self) {
        *lock(&self.state.job) = None;
    }
}

/// A poisoned mutex means a panic elsewhere; the data (an `Option<Vault>`, a job, a waiting
/// question) is still coherent because none of it is left half-changed in memory.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    pub fn new(path: PathBuf) -> AppState {
        AppState {
            path,
            vault: Mutex::new(None),
            unlocked: AtomicBool::new(false),
            job: Mutex::new(None),
            dropped: Mutex::new(Vec::new()),
            last_seen: Mutex::new(Instant::now()),
            auto_lock_minutes: AtomicU32::new(DEFAULT_AUTO_LOCK_MINUTES),
            draft: Mutex::new(None),
            prompts: Arc::new(Prompts::default()),
        }
    }

    /// Runs `f` on the unlocked vault, or fails with `locked`.
    pub fn with_vault<T>(&self, f: impl FnOnce(&mut Vault) -> dossier::Result<T>) -> ApiResult<T> {
        let mut guard = lock(&self.vault);
        let vault = guard.as_mut().ok_or_else(ApiError::locked)?;
        Ok(f(vault)?)
    }

    pub fn is_unlocked(&self) -> bool {
        self.unlocked.load(Ordering::SeqCst)
    }

    pub fn set_vault(&self, vault: Vault) {
        *lock(&self.vault) = Some(vault);
        self.unlocked.store(true, Ordering::SeqCst);
        self.touch();
    }

    /// Stops any running job and drops the vault (and with it the key).
    pub fn lock_vault(&self) {
        self.cancel_job();
        let vault = {
            let mut held = lock(&self.vault);
            self.unlocked.store(false, Ordering::SeqCst);
            held.take()
        };
        drop(vault);
        lock(&self.dropped).clear();
        lock(&self.draft).take();
    }

    /// Starts a long job; the returned guard clears it when dropped.
    pub fn begin_job(&self) -> ApiResult<JobGuard<'_>> {
        let mut job = lock(&self.job);
        if job.is_some() {
            return Err(ApiError::new(
                crate::error::ErrorCode::Other,
                "another import, export or check is still running: wait for it or cancel it",
            ));
        }
        let flag = Arc::new(CancelFlag::default());
        *job = Some(flag.clone());
        Ok(JobGuard { state: self, flag })
    }

    pub fn cancel_job(&self) {
        if let Some(flag) = lock(&self.job).as_ref() {
            flag.cancel();
        }
    }

    pub fn job_running(&self) -> bool {
        lock(&self.job).is_some()
    }

    /// The user did something.
    pub fn touch(&self) {
        *lock(&self.last_seen) = Instant::now();
    }

    /// Unlocked, idle for longer than the auto-lock time, and no job running.
    pub fn idle_expired(&self, now: Instant) -> bool {
        let minutes = self.auto_lock_minutes.load(Ordering::Relaxed);
        minutes > 0
            && self.is_unlocked()
            && !self.job_running()
            && now.saturating_duration_since(*lock(&self.last_seen))
                >= Duration::from_secs(60 * u64::from(minutes))
    }
}

/// `$DOSSIER_VAULT`, else the platform data folder (the CLI's default too).
pub fn vault_path() -> PathBuf {
    std::env::var_os("DOSSIER_VAULT")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| default_vault(&d)))
        .unwrap_or_else(|| PathBuf::from("dossier-vault"))
}

/// The default vault in a user's data folder (`dirs::data_dir()`).
pub fn default_vault(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("dossier").join("vault")
}
