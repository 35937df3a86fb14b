//! OCR figures for docs/BENCHMARKS.md: `cargo bench --bench ocr` (needs Tesseract with its
//! Russian, Kazakh and English data, and Poppler's pdftoppm).
//!
//! A 10-page scanned court decision (invented text laid out by the dossier's PDF engine,
//! rendered at 300 dpi in grey, put back into a PDF without a text layer) is imported into a
//! vault, then recognised: the OCR pass's wall time, median of 3 fresh vaults. Goal: under
//! 60 s on this 2-core machine. Also prints `tesseract` alone on one page, as the reference.

mod common;

#[path = "../tests/common/scan.rs"]
mod scan;

use std::time::{Duration, Instant};

use common::*;
use dossier::{ImportOptions, Silent};

const SENTENCES: &[&str] = &[
    "Алмалинский районный суд города Алматы рассмотрел ходатайство защитника об изменении меры пресечения",
    "Обвиняемый содержится под стражей с 14 марта 2031 года по делу № 1-2291/2031",
    "Рабочая группа ООН по произвольным задержаниям признала задержание произвольным в мнении № 62/2031",
    "Алматы қаласының Алмалы аудандық соты қорғаушының өтінішін қарады",
    "Сот айыпталушының қамауда ұсталу мерзімін ұзарту туралы шешім шығарды",
    "The court refused the request of the defence without giving reasons",
];

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("dossier-bench-ocr-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // About 10 pages of text: paragraphs of varied sentences.
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(SENTENCES[i % SENTENCES.len()]);
        text.push_str(&format!(" (пункт {i}). "));
    }
    let pdf = scan::text_pdf(&text);
    let pages: Vec<_> = (1..=10).map(|n| scan::scan_page(&pdf, n)).collect();
    let scanned = scan::scanned_pdf(&pages);
    let file = dir.join("scan-10-pages.pdf");
    std::fs::write(&file, &scanned).unwrap();
    println!(
        "a 10-page 300-dpi scan: {} MB, {}×{} px a page",
        scanned.len() >> 20,
        pages[0].width(),
        pages[0].height()
    );

    let page = scan::png(&pages[0]);
    let alone = |threads: Option<&str>| {
        let runs = (0..3).map(|_| {
            timed(|| {
                let mut t = std::process::Command::new("tesseract");
                t.args(["stdin", "stdout", "-l", "rus+kaz+eng", "--dpi", "300"]);
                if let Some(n) = threads {
                    t.env("OMP_THREAD_LIMIT", n);
                }
                let mut child = t
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                std::io::Write::write_all(&mut child.stdin.take().unwrap(), &page).unwrap();
                assert!(child.wait().unwrap().success());
            })
        });
        median(runs.collect())
    };
    let default_threads = alone(None);
    let tesseract = alone(Some("1"));
    println!(
        "reference: tesseract alone on one page (PNG on stdin): {} with its default threads, {} with one",
        secs(default_threads),
        secs(tesseract)
    );

    let mut runs: Vec<Duration> = Vec::new();
    for run in 0..3 {
        let mut vault = new_vault(&dir.join(format!("vault{run}")));
        vault
            .import(&file, &ImportOptions::default(), &Silent)
            .unwrap();
        assert_eq!(
            vault.ocr_queue().unwrap().len(),
            1,
            "the scan is queued for OCR"
        );
        let started = Instant::now();
        let n = vault.recognise_queued(&Silent).unwrap();
        runs.push(started.elapsed());
        assert_eq!(n, 1, "{:?}", vault.take_warnings());
        let id = vault.items(false).unwrap()[0].id.clone();
        let r = vault.recognised_text(&id).unwrap().unwrap();
        assert_eq!(r.pages.len(), 10);
        let confidence: f32 = r.pages.iter().map(|p| p.confidence).sum::<f32>() / 10.0;
        println!(
            "run {}: OCR of 10 pages {} (mean page confidence {confidence:.1})",
            run + 1,
            secs(runs[run])
        );
    }
    let m = median(runs);
    println!(
        "OCR pass, 10-page scan: median {} ({} a page; tesseract alone, one thread, {} a page); goal < 60 s",
        secs(m),
        secs(m / 10),
        secs(tesseract)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
