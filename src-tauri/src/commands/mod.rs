//! Tauri commands. Each is a line or two: it takes plain data (ids, never paths: files are
//! chosen with a dialog here in Rust, or dropped on the window), calls the adapter on
//! [`AppState`](crate::state::AppState) — tested headless in `tests.rs` — and returns plain data
//! or an [`ApiError`](crate::error::ApiError). Commands run on Tauri's thread pool
//! (`async`), so a long import never blocks the window.

pub mod keys;
pub mod library;
pub mod register;
pub mod session;
pub mod sharing;
pub mod work;

use tauri::ipc::Channel;

use crate::progress::{Reporter, Sink};
use crate::state::JobGuard;
use crate::wire::ProgressEvent;

/// A reporter that forwards progress over `channel` and stops when the job is cancelled.
pub fn reporter(channel: Channel<ProgressEvent>, job: &JobGuard<'_>) -> Reporter {
    let sink: Sink = Box::new(move |event| {
        // A closed channel (the window went away) is not the work's failure.
        let _ = channel.send(event);
    });
    Reporter::new(sink, job.flag.clone())
}
