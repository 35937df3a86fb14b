//! The core's `Progress` forwarded to the UI: every event goes to a sink (in the app, a Tauri
//! channel), byte positions at most every 100 ms so a fast import does not flood the webview.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dossier::{CancelFlag, Progress};

use crate::wire::ProgressEvent;

const POSITION_EVERY: Duration = Duration::from_millis(100);

pub type Sink = Box<dyn Fn(ProgressEvent) + Send + Sync>;

pub struct Reporter {
    sink: Sink,
    cancel: Arc<CancelFlag>,
    last_position: Mutex<Option<Instant>>,
}

impl Reporter {
    pub fn new(sink: Sink, cancel: Arc<CancelFlag>) -> Reporter {
        Reporter {
            sink,
            cancel,
            last_position: Mutex::new(None),
        }
    }

    pub fn send(&self, event: ProgressEvent) {
        (self.sink)(event)
    }
}

impl Progress for Reporter {
    fn start(&self, label: &str, total: u64) {
        *self.last_position.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.send(ProgressEvent::Start {
            label: label.to_owned(),
            total,
        });
    }

    fn position(&self, done: u64) {
        let now = Instant::now();
        let mut last = self.last_position.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_none_or(|t| now.duration_since(t) >= POSITION_EVERY) {
            *last = Some(now);
            drop(last);
            self.send(ProgressEvent::Position { done });
        }
    }

    fn finish(&self) {
        self.send(ProgressEvent::Finish);
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.is_set()
    }
}
