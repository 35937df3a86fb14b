//! PDF pages as pictures, rendered by Poppler's `pdftoppm` through pipes: the PDF goes in on
//! standard input, one page comes out on standard output, nothing is written to disk. Used for
//! thumbnails and previews (a court decision shown as it looks) and for OCR of scans.

use std::time::Duration;

use super::tool;

const PDFTOPPM: &str = "pdftoppm";
/// One page of a hostile file must not hold the worker for long.
const PAGE_DEADLINE: Duration = Duration::from_secs(60);
/// A 300-dpi A3 page in grey is 4960 × 3508 = 17 MB; nothing sane needs more.
const MAX_PAGE_BYTES: u64 = 64 << 20;

/// Whether pages can be rendered on this machine.
pub fn available() -> bool {
    tool::available(PDFTOPPM)
}

/// `Err` saying what to install when pages cannot be rendered here.
pub fn require() -> Result<(), String> {
    if available() {
        Ok(())
    } else {
        Err("pdftoppm is not installed (Debian: poppler-utils)".into())
    }
}

/// Page `page` (from 1) as a PNG whose longest side is `side` pixels.
pub fn render_png(pdf: &[u8], page: u32, side: u32) -> Result<Vec<u8>, String> {
    let (p, s) = (page.to_string(), side.to_string());
    let args = [
        "-png",
        "-f",
        &p,
        "-l",
        &p,
        "-singlefile",
        "-scale-to",
        &s,
        "-",
    ];
    tool::pipe(PDFTOPPM, &args, pdf, PAGE_DEADLINE, MAX_PAGE_BYTES)
}

/// Page `page` (from 1) in grey at `dpi`, as a PGM (what OCR reads best, and quickest).
pub fn render_gray(pdf: &[u8], page: u32, dpi: u32) -> Result<Vec<u8>, String> {
    let (p, r) = (page.to_string(), dpi.to_string());
    let args = ["-gray", "-r", &r, "-f", &p, "-l", &p, "-singlefile", "-"];
    tool::pipe(PDFTOPPM, &args, pdf, PAGE_DEADLINE, MAX_PAGE_BYTES)
}
