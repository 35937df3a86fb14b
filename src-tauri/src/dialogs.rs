//! File dialogs, opened from Rust so that every path the app reads or writes was chosen by the
//! user in a system dialog (or dropped on the window), never named by the webview. Their titles
//! come from the UI, in its language (a title names no path).

use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_dialog::{DialogExt, FilePath};

fn local(p: FilePath) -> Option<PathBuf> {
    p.into_path().ok()
}

pub fn pick_files(app: &AppHandle, title: &str) -> Option<Vec<PathBuf>> {
    let picked = app.dialog().file().set_title(title).blocking_pick_files()?;
    Some(picked.into_iter().filter_map(local).collect())
}

pub fn pick_folder(app: &AppHandle, title: &str) -> Option<PathBuf> {
    local(
        app.dialog()
            .file()
            .set_title(title)
            .blocking_pick_folder()?,
    )
}

pub fn pick_file(app: &AppHandle, title: &str) -> Option<PathBuf> {
    local(app.dialog().file().set_title(title).blocking_pick_file()?)
}

pub fn save(app: &AppHandle, title: &str, suggested_name: &str) -> Option<PathBuf> {
    local(
        app.dialog()
            .file()
            .set_title(title)
            .set_file_name(suggested_name)
            .blocking_save_file()?,
    )
}
