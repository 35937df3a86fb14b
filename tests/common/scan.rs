//! Scans made here, for the OCR tests and the OCR benchmark: text laid out with the dossier's
//! own PDF engine, rendered to 300-dpi grey pictures by Poppler, optionally skewed and
//! speckled, and put back into a PDF that has no text layer (what a scanner produces).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use dossier::pdf::layout::Flow;
use dossier::pdf::render::{DocInfo, render};

/// An A4 PDF of `text` in the dossier's own layout (sentences as paragraphs; as many pages as
/// it takes).
pub fn text_pdf(text: &str) -> Vec<u8> {
    let mut flow = Flow::new();
    for paragraph in text.split(". ") {
        flow.para(&format!("{}.", paragraph.trim_end_matches('.')));
    }
    render(
        &flow,
        &DocInfo {
            title: "scan".into(),
            language: "ru".into(),
            created: time::OffsetDateTime::UNIX_EPOCH,
            footer: String::new(),
            page_label: Box::new(|_, _| String::new()),
        },
    )
    .unwrap()
}

/// Runs a tool with `input` on standard input; returns standard output.
pub fn pipe(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    writer.join().unwrap().unwrap();
    assert!(child.wait().unwrap().success(), "{program} failed");
    out
}

/// Page `page` (from 1) of a PDF as a 300-dpi grey picture.
pub fn scan_page(pdf: &[u8], page: u32) -> image::GrayImage {
    let p = page.to_string();
    let args = [
        "-r",
        "300",
        "-gray",
        "-png",
        "-f",
        &p,
        "-l",
        &p,
        "-singlefile",
        "-",
    ];
    let png = pipe("pdftoppm", &args, pdf);
    image::load_from_memory(&png).unwrap().to_luma8()
}

/// The page rotated by about 1.5° with 2% of its pixels flipped to noise.
pub fn skewed_and_noisy(page: &image::GrayImage) -> image::GrayImage {
    let (w, h) = page.dimensions();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let (t, cx, cy) = (0.026f32, w as f32 / 2.0, h as f32 / 2.0);
    image::GrayImage::from_fn(w, h, |x, y| {
        // A small rotation about the centre: tan 1.5° ≈ 0.026.
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = ((cx + dx + dy * t) as i64, (cy + dy - dx * t) as i64);
        let mut v = if sx >= 0 && sx < w as i64 && sy >= 0 && sy < h as i64 {
            page.get_pixel(sx as u32, sy as u32)[0]
        } else {
            255
        };
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        if seed.is_multiple_of(50) {
            v = if v > 128 { 40 } else { 230 };
        }
        image::Luma([v])
    })
}

pub fn png(img: &image::GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A PDF whose pages are pictures (a scan: no text layer), as JPEGs.
pub fn scanned_pdf(pages: &[image::GrayImage]) -> Vec<u8> {
    let n = pages.len();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 3 + 3 * i)).collect();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
    ];
    let content = b"595 0 0 842 0 0 cm /Im0 Do";
    for (i, img) in pages.iter().enumerate() {
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
            .encode_image(img)
            .unwrap();
        let (w, h) = img.dimensions();
        let (contents, picture) = (4 + 3 * i, 5 + 3 * i);
        objects.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {contents} 0 R /Resources << /XObject << /Im0 {picture} 0 R >> >> >>").into_bytes());
        objects.push(
            [
                format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
                content,
                b"\nendstream",
            ]
            .concat(),
        );
        objects.push([format!("<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n", jpeg.len()).as_bytes(), &jpeg, b"\nendstream"].concat());
    }
    minimal_pdf(&objects)
}

/// A PDF of the objects given (numbered from 1, object 1 the catalog) with an xref table.
pub fn minimal_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    minimal_pdf_with(objects, "")
}

/// [`minimal_pdf`] with more entries in its trailer (e.g. `/Info 4 0 R`).
pub fn minimal_pdf_with(objects: &[Vec<u8>], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(o);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
