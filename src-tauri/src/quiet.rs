//! The environment the app restarts itself with (`dossier::hardening::restart_with`), so that
//! it leaves nothing outside the vault that names or dates what it held:
//! - GPU drivers cache no shaders, and WebKit draws without GL (`NO_SHADER_CACHE`);
//! - GTK and WebKit keep their per-user data (`XDG_DATA_HOME`) in a folder of the session's
//!   runtime directory (`$XDG_RUNTIME_DIR`, a tmpfs that ends with the session). WebKit's
//!   salts go there instead of `~/.local/share`. So does GTK's list of recently used files:
//!   with recent files switched off (they would name evidence), GTK's file chooser rewrites
//!   that list empty, which in `~/.local/share/recently-used.xbel` wiped the entries of every
//!   other program.
//!
//! The default vault stays where it was (`~/.local/share/dossier/vault`): it is named before
//! `XDG_DATA_HOME` moves. Without a runtime directory (no login session) nothing moves.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The folder under `$XDG_RUNTIME_DIR`.
const RUNTIME_FOLDER: &str = "dossier-app";

/// The variables to restart with, read from this process's environment. The runtime folder
/// is used only if it can be made ours (0700); otherwise nothing moves.
pub fn environment() -> Vec<(String, OsString)> {
    let mut env = from(|k| std::env::var_os(k), dirs::data_dir());
    let moved = env
        .iter()
        .find(|(k, _)| k == "XDG_DATA_HOME")
        .map(|(_, d)| PathBuf::from(d));
    if let Some(dir) = moved
        && !private_folder(&dir)
    {
        env.retain(|(k, _)| k != "XDG_DATA_HOME" && k != "DOSSIER_VAULT");
    }
    env
}

/// Makes `dir` (0700) and checks it is a folder this user owns (a runtime directory inherited
/// through `su` or `sudo -E` is another user's).
fn private_folder(dir: &Path) -> bool {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let made = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)));
    let ours = std::fs::symlink_metadata(dir).is_ok_and(|m| {
        let home_owner = std::env::home_dir()
            .and_then(|h| std::fs::metadata(h).ok())
            .map(|h| h.uid());
        m.is_dir() && m.mode() & 0o777 == 0o700 && home_owner.is_none_or(|uid| uid == m.uid())
    });
    made.is_ok() && ours
}

/// The variables, from an environment (`get`) and the data folder `dirs::data_dir()` names
/// in it (where `state::vault_path` finds the default vault).
fn from(
    get: impl Fn(&str) -> Option<OsString>,
    data_dir: Option<PathBuf>,
) -> Vec<(String, OsString)> {
    let mut env: Vec<(String, OsString)> = dossier::hardening::NO_SHADER_CACHE
        .iter()
        .map(|(k, v)| (k.to_string(), v.into()))
        .collect();
    let runtime = get("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let Some(runtime) = runtime.filter(|_| cfg!(target_os = "linux")) else {
        return env;
    };
    let moved = runtime.join(RUNTIME_FOLDER);
    if get("DOSSIER_VAULT").is_none_or(|v| v.is_empty()) {
        // The default vault is named before the move, or nothing moves: a vault made in the
        // runtime folder would vanish at logout.
        match data_dir.filter(|d| d.is_absolute() && *d != moved) {
            Some(data) => env.push((
                "DOSSIER_VAULT".into(),
                crate::state::default_vault(&data).into(),
            )),
            None => return env,
        }
    }
    env.push(("XDG_DATA_HOME".into(), moved.into()));
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// As `dirs::data_dir()` names it on Linux: an absolute XDG_DATA_HOME, else HOME's.
    fn with(vars: &[(&str, &str)]) -> HashMap<String, OsString> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.into()))
            .collect();
        let data = vars
            .get("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|d| d.is_absolute())
            .or_else(|| {
                vars.get("HOME")
                    .map(|h| PathBuf::from(h).join(".local/share"))
            });
        from(|k| vars.get(k).cloned(), data).into_iter().collect()
    }

    #[test]
    fn data_moves_to_the_session_and_the_vault_stays_where_it_was() {
        let env = with(&[
            ("HOME", "/home/aliya"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
        ]);
        assert_eq!(env["XDG_DATA_HOME"], "/run/user/1000/dossier-app");
        assert_eq!(
            env["DOSSIER_VAULT"],
            "/home/aliya/.local/share/dossier/vault"
        );
        assert_eq!(env["WEBKIT_DISABLE_COMPOSITING_MODE"], "1");
        // Her own data folder names the vault's place; a vault she chose is hers.
        let env = with(&[
            ("HOME", "/home/aliya"),
            ("XDG_DATA_HOME", "/data/aliya"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
        ]);
        assert_eq!(env["DOSSIER_VAULT"], "/data/aliya/dossier/vault");
        let env = with(&[
            ("DOSSIER_VAULT", "/media/stick/v"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
        ]);
        assert!(!env.contains_key("DOSSIER_VAULT"), "not overridden");
    }

    #[test]
    fn the_restarted_process_finds_everything_set() {
        let first = with(&[
            ("HOME", "/home/aliya"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
        ]);
        let mut after: Vec<(&str, String)> = vec![("HOME", "/home/aliya".into())];
        after.push(("XDG_RUNTIME_DIR", "/run/user/1000".into()));
        for (k, v) in &first {
            after.push((k.as_str(), v.to_string_lossy().into_owned()));
        }
        let after: Vec<(&str, &str)> = after.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // What restart_with checks: each variable asked for already has its value.
        let environment: HashMap<&str, &str> = after.iter().copied().collect();
        for (k, v) in with(&after) {
            assert_eq!(
                environment.get(k.as_str()).copied(),
                v.to_str(),
                "{k}: a second restart"
            );
        }
    }

    #[test]
    fn without_a_session_or_a_place_for_the_vault_nothing_moves() {
        let env = with(&[("HOME", "/root")]);
        assert!(!env.contains_key("XDG_DATA_HOME") && !env.contains_key("DOSSIER_VAULT"));
        assert_eq!(env.len(), dossier::hardening::NO_SHADER_CACHE.len());
        // No home to name the vault's place: the default vault must not land in the tmpfs.
        let env = with(&[("XDG_RUNTIME_DIR", "/run/user/1000")]);
        assert!(!env.contains_key("XDG_DATA_HOME"), "{env:?}");
        let env = with(&[("XDG_RUNTIME_DIR", "relative/run")]);
        assert!(!env.contains_key("XDG_DATA_HOME"), "{env:?}");
    }

    #[test]
    fn a_runtime_folder_that_is_not_ours_is_not_used() {
        let base = std::env::temp_dir().join(format!("dossier-quiet-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let dir = base.join("dossier-app");
        assert!(private_folder(&dir), "made, 0700");
        // A file where the folder should be: not a folder.
        let file = base.join("taken");
        std::fs::write(&file, b"").unwrap();
        assert!(!private_folder(&file));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
