//! Files in a vault folder that Dossier did not write under that name: what sync engines leave
//! (conflict copies, partial downloads, their own folders), what desktops leave, and strays.
//! They are never read as vault files and never deleted; `verify` lists them with what made
//! them, so the user can tell a Syncthing conflict copy from a planted file.

use std::path::PathBuf;

/// One file or folder that is not part of the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debris {
    pub path: PathBuf,
    /// What most likely made it, for the report.
    pub kind: DebrisKind,
}

/// What most likely made a file Dossier did not write. A front end says it in its own
/// language; [`DebrisKind::describe`] says it in English (the CLI, `verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DebrisKind {
    SyncthingConflict,
    SyncthingDownload,
    SyncthingFolder,
    SyncServiceConflict,
    NumberedCopy,
    Temporary,
    DesktopFile,
    SyncClientState,
    /// Nothing known makes files of that name: a stray or planted file.
    Stray,
}

impl DebrisKind {
    pub fn describe(self) -> &'static str {
        match self {
            DebrisKind::SyncthingConflict => {
                "a Syncthing conflict copy (two devices wrote a file of this name)"
            }
            DebrisKind::SyncthingDownload => "a file Syncthing is still downloading",
            DebrisKind::SyncthingFolder => "Syncthing's own folder marker or settings",
            DebrisKind::SyncServiceConflict => {
                "a conflict copy made by a sync service (Dropbox, Nextcloud, OneDrive)"
            }
            DebrisKind::NumberedCopy => {
                "a numbered copy, as a sync client or file manager makes for a name that exists"
            }
            DebrisKind::Temporary => "a temporary or partly transferred file",
            DebrisKind::DesktopFile => "a file the operating system's desktop writes",
            DebrisKind::SyncClientState => "a sync client's own state file",
            DebrisKind::Stray => "a file Dossier did not write",
        }
    }
}

/// What made a file called `name`, if it is a name sync engines or desktops are known to
/// make; None for anything else (a stray or planted file).
pub fn recognise(name: &str) -> Option<&'static str> {
    kind_of(name).map(DebrisKind::describe)
}

fn kind_of(name: &str) -> Option<DebrisKind> {
    let lower = name.to_lowercase();
    Some(if lower.contains(".sync-conflict-") {
        DebrisKind::SyncthingConflict
    } else if lower.starts_with(".syncthing.") && lower.ends_with(".tmp") {
        DebrisKind::SyncthingDownload
    } else if matches!(lower.as_str(), ".stfolder" | ".stignore" | ".stversions") {
        DebrisKind::SyncthingFolder
    } else if lower.contains("conflicted copy") || lower.contains("(conflict") {
        DebrisKind::SyncServiceConflict
    } else if is_numbered_copy(&lower) {
        DebrisKind::NumberedCopy
    } else if lower.starts_with('~')
        || lower.starts_with(".~")
        || lower.ends_with(".part")
        || lower.ends_with(".partial")
    {
        DebrisKind::Temporary
    } else if matches!(
        lower.as_str(),
        "desktop.ini" | ".ds_store" | "thumbs.db" | ".directory"
    ) || lower.starts_with("._")
    {
        DebrisKind::DesktopFile
    } else if lower.starts_with(".nextcloud")
        || lower.starts_with(".owncloud")
        || lower.starts_with(".sync_")
    {
        DebrisKind::SyncClientState
    } else {
        return None;
    })
}

/// `name (1).age`, `name (2)`, `name-1.age`-style copies are not recognised beyond "(n)".
fn is_numbered_copy(name: &str) -> bool {
    let stem = name.strip_suffix(".age").unwrap_or(name);
    stem.ends_with(')')
        && stem.rfind(" (").is_some_and(|i| {
            stem[i + 2..stem.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_digit())
                && stem.len() > i + 3
        })
}

/// The files in `dir` (and, with `depth` 1, in its folders) whose names sync engines or
/// desktops make: for the warnings at open. (Anything else stray is `verify`'s business.)
pub fn recognised_in(dir: &std::path::Path, depth: u8) -> Vec<Debris> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(kind) = kind_of(&name) {
            out.push(Debris {
                path: e.path(),
                kind,
            });
        } else if depth > 0 && e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(recognised_in(&e.path(), depth - 1));
        }
    }
    out
}

pub fn classify(path: PathBuf, name: &str) -> Debris {
    Debris {
        path,
        kind: kind_of(name).unwrap_or(DebrisKind::Stray),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn what_made(name: &str) -> &'static str {
        classify(PathBuf::from(name), name).kind.describe()
    }

    #[test]
    fn the_names_sync_engines_make_are_recognised() {
        for (name, expect) in [
            (
                "0000000000000003.sync-conflict-20260503-101500-ABCDEF7.age",
                "Syncthing conflict",
            ),
            (".syncthing.0000000000000003.age.tmp", "still downloading"),
            (".stfolder", "Syncthing's own"),
            (
                "0000000000000003 (conflicted copy 2026-05-03).age",
                "sync service",
            ),
            ("0000000000000003 (1).age", "numbered copy"),
            ("~lock.0000000000000003.age#", "temporary"),
            ("desktop.ini", "desktop"),
            ("notes.txt", "did not write"),
        ] {
            assert!(
                what_made(name).contains(expect),
                "{name}: {}",
                what_made(name)
            );
        }
    }
}
