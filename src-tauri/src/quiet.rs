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
use std::path::PathBuf;

/// The folder under `$XDG_RUNTIME_DIR`.
const RUNTIME_FOLDER: &str = "dossier-app";

/// The variables to restart with, read from this process's environment. Creates the runtime
/// folder (0700) when it is used.
pub fn environment() -> Vec<(String, OsString)> {
    let env = from(|k| std::env::var_os(k));
    if let Some((_, dir)) = env.iter().find(|(k, _)| k == "XDG_DATA_HOME") {
        let dir = PathBuf::from(dir);
        if std::fs::create_dir_all(&dir).is_ok() {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    env
}

fn from(get: impl Fn(&str) -> Option<OsString>) -> Vec<(String, OsString)> {
    let absolute = |k: &str| get(k).map(PathBuf::from).filter(|p| p.is_absolute());
    let mut env: Vec<(String, OsString)> = dossier::hardening::NO_SHADER_CACHE
        .iter()
        .map(|(k, v)| (k.to_string(), v.into()))
        .collect();
    let Some(runtime) = absolute("XDG_RUNTIME_DIR") else {
        return env;
    };
    let moved = runtime.join(RUNTIME_FOLDER);
    if get("DOSSIER_VAULT").is_none() {
        // Where `dirs::data_dir()` (state::vault_path) finds it before the move.
        let data = absolute("XDG_DATA_HOME")
            .filter(|d| *d != moved)
            .or_else(|| absolute("HOME").map(|h| h.join(".local/share")));
        if let Some(data) = data {
            env.push(("DOSSIER_VAULT".into(), data.join("dossier/vault").into()));
        }
    }
    env.push(("XDG_DATA_HOME".into(), moved.into()));
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> HashMap<String, OsString> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.into()))
            .collect();
        from(|k| vars.get(k).cloned()).into_iter().collect()
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
    fn without_a_session_nothing_moves() {
        let env = with(&[("HOME", "/root")]);
        assert!(!env.contains_key("XDG_DATA_HOME") && !env.contains_key("DOSSIER_VAULT"));
        assert_eq!(env.len(), dossier::hardening::NO_SHADER_CACHE.len());
    }
}
