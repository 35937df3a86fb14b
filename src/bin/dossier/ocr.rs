//! `dossier ocr`: recognising text in scans and photographed documents, and the vault's OCR
//! settings. `import` and `reindex` run the same pass ([`recognise`]) when they are done.

use std::io::IsTerminal;

use clap::Args;
use dossier::{Progress, Vault};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct OcrArgs {
    /// Turn OCR on for this vault (the default)
    #[arg(long, conflicts_with = "off")]
    on: bool,
    /// Turn OCR off for this vault: scans stay queued until it is turned on
    #[arg(long)]
    off: bool,
    /// Tesseract languages joined by + [default: rus+kaz+eng]
    #[arg(long, value_name = "LIST")]
    languages: Option<String>,
    /// Queue again the items whose OCR failed (e.g. a language was not installed)
    #[arg(long)]
    retry: bool,
}

pub fn ocr(vault: &mut Vault, a: OcrArgs) -> anyhow::Result<()> {
    let enabled = (a.on || a.off).then_some(a.on);
    vault.set_ocr(enabled, a.languages.as_deref())?;
    if a.retry {
        let n = vault.requeue_failed_ocr()?;
        note!("{n} items whose OCR failed are queued again");
    }
    let settings = vault.ocr_settings()?;
    note!(
        "OCR is {} for this vault (languages {})",
        if settings.enabled { "on" } else { "off" },
        settings.languages
    );
    if settings.enabled {
        recognise(vault)?;
    } else {
        let queued = vault.ocr_queue()?.len();
        if queued > 0 {
            note!("{queued} items wait for OCR");
        }
    }
    Ok(())
}

/// Runs the OCR queue with a bar counting items; says what it did.
pub fn recognise(vault: &mut Vault) -> anyhow::Result<()> {
    let settings = vault.ocr_settings()?;
    let queued = vault.ocr_queue()?.len();
    if queued == 0 || !settings.enabled {
        return Ok(());
    }
    if !settings.available {
        note!(
            "{queued} items wait for OCR, but Tesseract is not installed (Debian: tesseract-ocr); run `dossier ocr` once it is"
        );
        return Ok(());
    }
    let bar = CountProgress::new(queued as u64, "recognising text");
    let n = vault.recognise_queued(&bar)?;
    bar.0.finish_and_clear();
    note!(
        "recognised text in {n} of {queued} scans and photos (machine-recognised: `dossier show ID`)"
    );
    Ok(())
}

/// Progress counted in items (OCR takes seconds an item; bytes say nothing).
struct CountProgress(ProgressBar);

impl CountProgress {
    fn new(items: u64, what: &str) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::new(items)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{what} {{msg:30!}} [{{bar:30}}] {{pos}}/{{len}} {{elapsed}}"
            ))
            .expect("valid template")
            .progress_chars("=> "),
        );
        CountProgress(bar)
    }
}

impl Progress for CountProgress {
    fn start(&self, label: &str, _total: u64) {
        self.0.set_message(label.to_string());
    }
    fn position(&self, _done: u64) {}
    fn finish(&self) {
        self.0.inc(1);
    }
    fn is_cancelled(&self) -> bool {
        crate::CANCELLED.load(std::sync::atomic::Ordering::Relaxed)
    }
}
