//! Progress reporting and cancellation for long work (import, verify, extract). The CLI draws a
//! bar from it; the app forwards it over a channel and sets the cancel flag from the UI.

use std::sync::atomic::{AtomicBool, Ordering};

/// Receives progress of one long operation. All methods have do-nothing defaults.
pub trait Progress: Sync {
    /// A new unit of work starts: `label` names it (an item or a file), `total` is in bytes.
    fn start(&self, _label: &str, _total: u64) {}
    /// `done` bytes of the current unit are finished.
    fn position(&self, _done: u64) {}
    /// The current unit is finished.
    fn finish(&self) {}
    /// Polled between chunks; `true` stops the work at the next safe point.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// Reports nothing and never cancels.
pub struct Silent;
impl Progress for Silent {}

/// A cancel flag that can be set from another thread.
#[derive(Default)]
pub struct CancelFlag(AtomicBool);

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
