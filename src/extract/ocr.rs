//! OCR of scans and photographed documents with Tesseract, fed through pipes (no temporary
//! files). Images go to Tesseract as they are; PDFs without a text layer are rendered page by
//! page in memory first (300 dpi, grey). The result is the text and, per page, Tesseract's
//! mean word confidence, so a reader can tell a clean scan from a guess.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{pages, tool};

const TESSERACT: &str = "tesseract";
/// Russian, Kazakh and English: the default for a new vault (Kazakh court documents mix all
/// three; a Russian-only model turns Latin words into Cyrillic).
pub const DEFAULT_LANGUAGES: &str = "rus+kaz+eng";
/// Pages beyond this are not recognised (recorded in the item's OCR metadata).
pub const DEFAULT_MAX_PAGES: u32 = 100;
const DPI: u32 = 300;
const PAGE_DEADLINE: Duration = Duration::from_secs(120);
/// One item's OCR stops after this long, keeping the pages it has (a 100-page scan takes
/// about 5 minutes here; a hostile PDF whose every page takes a minute to draw must not hold
/// the pass for hours).
pub const ITEM_BUDGET: Duration = Duration::from_secs(20 * 60);
const MAX_TSV_BYTES: u64 = 16 << 20;
/// A PDF whose text layer has fewer visible characters than this per page is treated as a
/// scan (a scanner's cover line or a stamp's caption is not a text layer).
const SCAN_CHARS_PER_PAGE: usize = 40;

/// One recognised page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OcrPage {
    pub page: u32,
    /// Tesseract's mean word confidence, 0–100, weighted by word length.
    pub confidence: f32,
    pub characters: u32,
}

/// The text recognised in a document.
#[derive(Debug, Clone, Default)]
pub struct Recognised {
    pub engine: String,
    pub text: String,
    pub pages: Vec<OcrPage>,
    /// Why recognition stopped early, if it did (pages past the limit, a page that failed).
    pub error: Option<String>,
}

/// Whether Tesseract is installed.
pub fn available() -> bool {
    tool::available(TESSERACT)
}

/// Whether a language list is one Tesseract accepts (`rus+kaz+eng`): names of letters,
/// digits and `_`, joined by `+`. Checked before it is ever passed on a command line.
pub fn valid_languages(languages: &str) -> bool {
    !languages.is_empty()
        && languages.split('+').all(|l| {
            !l.is_empty()
                && l.len() <= 32
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// Whether an item of this type, with this much text, should be recognised.
pub fn wanted(media_type: &str, text: Option<&str>, pages: Option<u64>) -> bool {
    if ocr_image_type(media_type) {
        return true;
    }
    if media_type != "application/pdf" {
        return false;
    }
    let visible = text.map_or(0, |t| t.chars().filter(|c| !c.is_whitespace()).count());
    visible < SCAN_CHARS_PER_PAGE * pages.unwrap_or(1).max(1) as usize
}

fn ocr_image_type(media_type: &str) -> bool {
    matches!(
        media_type,
        "image/jpeg" | "image/png" | "image/tiff" | "image/gif" | "image/bmp" | "image/webp"
    )
}

/// The version line of the installed Tesseract ("tesseract 5.3.0").
pub fn engine() -> String {
    static ENGINE: OnceLock<String> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            tool::pipe(
                TESSERACT,
                &["--version"],
                b"",
                Duration::from_secs(20),
                1 << 16,
            )
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o)
                    .lines()
                    .next()
                    .map(|l| l.trim().to_string())
            })
            .unwrap_or_else(|| "tesseract".into())
        })
        .clone()
}

/// Recognises the text of an image or a PDF. `pages` is the PDF's page count.
pub fn recognise(
    bytes: &[u8],
    media_type: &str,
    languages: &str,
    max_pages: u32,
    pdf_pages: u32,
) -> Result<Recognised, String> {
    if !valid_languages(languages) {
        return Err(format!("{languages:?} is not a list of OCR languages"));
    }
    if !available() {
        return Err("Tesseract is not installed (Debian: tesseract-ocr)".into());
    }
    let mut out = Recognised {
        engine: engine(),
        ..Default::default()
    };
    if ocr_image_type(media_type) {
        let page = page_text(bytes, languages, None)?;
        push_page(&mut out, 1, page);
        return Ok(out);
    }
    if media_type != "application/pdf" {
        return Err(format!("no OCR for {media_type}"));
    }
    pages::require()?;
    let last = pdf_pages.min(max_pages);
    // Tesseract runs single-threaded (its OpenMP threads were slower than none on 2 cores);
    // pages go to one Tesseract per core instead.
    let lanes = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let started = std::time::Instant::now();
    let next = AtomicU32::new(1);
    let done = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..lanes {
            s.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n > last || started.elapsed() > ITEM_BUDGET {
                        break;
                    }
                    let page = pages::render_gray(bytes, n, DPI)
                        .and_then(|pgm| page_text(&pgm, languages, Some(DPI)));
                    done.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((n, page));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|p| p.into_inner());
    done.sort_by_key(|(n, _)| *n);
    let mut problems = Vec::new();
    for (n, page) in done {
        match page {
            Ok(page) => push_page(&mut out, n, page),
            Err(e) => problems.push(format!("page {n}: {e}")),
        }
    }
    let reached = next.load(Ordering::SeqCst).min(last + 1) - 1;
    if reached < last {
        problems.push(format!(
            "stopped after page {reached}: OCR of one item is limited to {} minutes",
            ITEM_BUDGET.as_secs() / 60
        ));
    } else if pdf_pages > last {
        problems.push(format!(
            "only the first {last} of {pdf_pages} pages were recognised"
        ));
    }
    if !problems.is_empty() {
        out.error = Some(problems.join("; "));
    }
    Ok(out)
}

fn push_page(out: &mut Recognised, n: u32, (text, confidence): (String, f32)) {
    if !out.text.is_empty() && !text.is_empty() {
        out.text.push_str("\n\n");
    }
    out.pages.push(OcrPage {
        page: n,
        confidence,
        characters: text.chars().filter(|c| !c.is_whitespace()).count() as u32,
    });
    out.text.push_str(&text);
}

/// One image through Tesseract: its text and its mean word confidence.
fn page_text(image: &[u8], languages: &str, dpi: Option<u32>) -> Result<(String, f32), String> {
    let dpi = dpi.map(|d| d.to_string());
    let mut args = vec!["stdin", "stdout", "-l", languages];
    if let Some(d) = &dpi {
        args.extend(["--dpi", d]);
    }
    args.push("tsv");
    let tsv = tool::pipe(TESSERACT, &args, image, PAGE_DEADLINE, MAX_TSV_BYTES)?;
    Ok(parse_tsv(&String::from_utf8_lossy(&tsv)))
}

/// Text and confidence from Tesseract's TSV: words (level 5) joined by spaces, lines by new
/// lines, paragraphs and blocks by blank lines.
fn parse_tsv(tsv: &str) -> (String, f32) {
    let mut text = String::new();
    let mut last: Option<(&str, &str, &str)> = None;
    let (mut weighted, mut weight) = (0f64, 0f64);
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.splitn(12, '\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let word = f[11].trim();
        if word.is_empty() {
            continue;
        }
        let here = (f[2], f[3], f[4]);
        match last {
            Some(l) if l == here => text.push(' '),
            Some(l) if (l.0, l.1) == (here.0, here.1) => text.push('\n'),
            Some(_) => text.push_str("\n\n"),
            None => {}
        }
        last = Some(here);
        text.push_str(word);
        if let Ok(conf) = f[10].parse::<f64>()
            && conf >= 0.0
        {
            let w = word.chars().count() as f64;
            weighted += conf * w;
            weight += w;
        }
    }
    let confidence = if weight > 0.0 { weighted / weight } else { 0.0 };
    (text, confidence as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_becomes_lines_and_a_weighted_confidence() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
            1\t1\t0\t0\t0\t0\t0\t0\t10\t10\t-1\t\n\
            5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tПриговор\n\
            5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t60\tсуда\n\
            5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t80\tАлматы\n\
            5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t-1\t2031\n";
        let (text, conf) = parse_tsv(tsv);
        assert_eq!(text, "Приговор суда\nАлматы\n\n2031");
        // (90·8 + 60·4 + 80·6) / 18; the -1 (no confidence) word does not count.
        assert!((conf - 80.0).abs() < 0.01, "{conf}");
    }

    #[test]
    fn language_lists_are_checked() {
        assert!(valid_languages("rus+kaz+eng"));
        assert!(valid_languages("script_Cyrillic"));
        for bad in ["", "rus+", "rus kaz", "-l", "../x", "rus;rm"] {
            assert!(!valid_languages(bad), "{bad:?}");
        }
    }

    #[test]
    fn scans_are_told_from_text_pdfs() {
        assert!(wanted("image/jpeg", None, None));
        assert!(wanted("application/pdf", Some("  \n"), Some(3)));
        assert!(!wanted(
            "application/pdf",
            Some(&"слово ".repeat(100)),
            Some(3)
        ));
        assert!(!wanted("text/plain", None, None));
    }
}
