//! Dossier's desktop app: one window over the `dossier` core. This file only wires things up:
//! the commands in `commands/` are one-line adapters, and all logic lives in the core.

#![forbid(unsafe_code)]
// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod dialogs;
mod error;
mod progress;
mod prompts;
mod protocol;
#[cfg(unix)]
mod quiet;
mod state;
mod wire;

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use tauri::{DragDropEvent, Emitter, Manager, WebviewUrl, WebviewWindowBuilder, WindowEvent};

use commands::{keys, library, register, session, sharing, work};
use state::AppState;

/// How often the auto-lock timer looks at the clock.
const IDLE_CHECK: Duration = Duration::from_secs(5);

fn main() {
    // A parser worker (this same binary, started by the vault process) serves and exits here.
    dossier::worker::serve_if_requested();
    // Before GTK and the web view start: they and their processes inherit the environment.
    #[cfg(unix)]
    if let Err(e) = dossier::hardening::restart_with(&quiet::environment()) {
        eprintln!(
            "warning: could not restart with a quiet environment (shader caches, WebKit's data): {e}"
        );
    }
    if let Err(e) = dossier::hardening::disable_core_dumps() {
        eprintln!("warning: could not disable core dumps: {e}");
    }
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState::new(state::vault_path()))
        .register_asynchronous_uri_scheme_protocol("dossier", |ctx, request, responder| {
            // Off the main thread: the vault may be busy with an import.
            let app = ctx.app_handle().clone();
            std::thread::spawn(move || {
                responder.respond(protocol::respond(&app.state::<AppState>(), &request))
            });
        })
        .invoke_handler(tauri::generate_handler![
            session::vault_status,
            session::create_vault,
            session::unlock,
            session::unlock_with_key,
            session::answer_prompt,
            session::accept_damaged,
            session::conflicts,
            session::resolve_conflict,
            session::lock,
            session::still_here,
            session::settings,
            session::set_auto_lock,
            session::set_ocr,
            session::set_time_stamping_authority,
            session::send_time_stamps,
            session::set_ui_language,
            session::suggest_passphrase,
            session::change_passphrase,
            session::export_identity,
            session::export_signer,
            library::library,
            library::prepare_search,
            library::search,
            library::why,
            library::item_detail,
            library::set_item_notes,
            library::set_item_date,
            library::delete_item,
            library::purge_item,
            library::rename_item,
            library::custody_log,
            library::link,
            library::link_all,
            library::unlink,
            library::extract_item,
            register::cases,
            register::people,
            register::lists,
            register::case_view,
            register::person_view,
            register::add_case,
            register::edit_case,
            register::delete_case,
            register::edit_event,
            register::add_person,
            register::add_event,
            register::edit_person,
            register::delete_person,
            register::delete_event,
            work::import_files,
            work::import_attachments,
            work::recognise_queued,
            work::import_folder,
            work::import_dropped,
            work::discard_dropped,
            work::cancel_job,
            work::verify_file,
            work::export_dossier,
            work::export_preview,
            work::reindex,
            work::verify_vault,
            work::submission_form,
            work::dossier_draft,
            work::set_submission_field,
            keys::key_slots,
            keys::add_recovery_key,
            keys::add_plugin_key,
            keys::remove_key_slot,
            keys::backup,
            keys::pull,
            keys::verify_backup,
            sharing::contacts,
            sharing::add_contact,
            sharing::remove_contact,
            sharing::sharing_key,
            sharing::share_case,
            sharing::receive_bundle,
        ])
        .setup(|app| {
            keep_gtk_from_recording_files();
            // Incognito: WebKit keeps no disk cache, local storage or cookies for this
            // window (otherwise ~/.local/share/<identifier>/WebKitCache fills with decrypted
            // previews). wry gives an incognito webview a context of its own that never allows
            // WebDriver automation, so debug builds driven by tests/e2e (tauri-driver sets
            // TAURI_WEBVIEW_AUTOMATION) run with WebKit's normal context: a stricter test of
            // the leak scan, since then only `no-store` keeps pictures out of its disk cache.
            let driven = cfg!(debug_assertions)
                && std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true");
            let window =
                WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                    .title("Dossier")
                    .inner_size(1280.0, 800.0)
                    .min_inner_size(900.0, 600.0)
                    .incognito(!driven)
                    .build()?;
            // Dropped paths stay in Rust; the UI is told how many and asks to import them.
            let handle = app.handle().clone();
            window.on_window_event(move |event| {
                if let WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) = event {
                    let state = handle.state::<AppState>();
                    if state.is_unlocked() {
                        *state.dropped.lock().unwrap_or_else(|p| p.into_inner()) = paths.clone();
                        let _ = handle.emit("files-dropped", paths.len());
                    }
                }
            });
            start_auto_lock(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the app failed to start");
}

/// Locks the vault after the chosen idle time, then tells the UI to clear itself.
fn start_auto_lock(app: tauri::AppHandle) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(IDLE_CHECK);
            let state = app.state::<AppState>();
            if state.idle_expired(Instant::now()) {
                state.lock_vault();
                let _ = app.emit("locked", ());
            }
        }
    });
}

/// GTK's file chooser adds every chosen file to `~/.local/share/recently-used.xbel`: the
/// names of imported evidence would sit there in plain text. Turning the setting off makes
/// GTK's recent-files manager record nothing.
fn keep_gtk_from_recording_files() {
    #[cfg(target_os = "linux")]
    {
        use gtk::prelude::GtkSettingsExt;
        if let Some(settings) = gtk::Settings::default() {
            settings.set_gtk_recent_files_enabled(false);
            settings.set_gtk_recent_files_max_age(0);
        }
    }
}
