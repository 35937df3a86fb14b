//! The progress bar long commands draw on stderr, and Ctrl-C as their cancel button.

use std::io::IsTerminal;

use dossier::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr when it is a terminal; nothing when piped.
pub struct CliProgress(ProgressBar);

impl CliProgress {
    pub fn new() -> Self {
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        CliProgress(bar)
    }
    pub fn clear(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for CliProgress {
    fn start(&self, label: &str, total: u64) {
        self.0.reset();
        self.0.set_length(total);
        self.0.set_message(label.to_string());
    }
    fn position(&self, done: u64) {
        self.0.set_position(done);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
    fn is_cancelled(&self) -> bool {
        crate::CANCELLED.load(std::sync::atomic::Ordering::Relaxed)
    }
}
