//! Dossier's desktop app: one window over the `dossier` core. This file only wires things up;
//! the commands in `commands.rs` are one-line adapters, and all logic lives in the core.

#![forbid(unsafe_code)]
// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod state;

use tauri::{WebviewUrl, WebviewWindowBuilder};

fn main() {
    if let Err(e) = dossier::hardening::disable_core_dumps() {
        eprintln!("warning: could not disable core dumps: {e}");
    }
    let vault = state::vault_path();
    tauri::Builder::default()
        .manage(state::AppState::new(vault))
        .invoke_handler(tauri::generate_handler![
            commands::vault_status,
            commands::create_vault,
            commands::unlock,
            commands::lock,
            commands::list_items,
            commands::list_cases,
        ])
        .setup(|app| {
            // Incognito: WebKit keeps no disk cache, local storage or cookies for this
            // window (otherwise ~/.local/share/<identifier>/WebKitCache fills with decrypted
            // previews).
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title("Dossier")
                .inner_size(1280.0, 800.0)
                .min_inner_size(900.0, 600.0)
                .incognito(true)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the app failed to start");
}
