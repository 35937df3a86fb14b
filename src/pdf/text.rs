//! Text as the layout measures it: the bundled fonts, which one draws each character (Noto
//! Sans first, DejaVu Sans Mono for what Noto lacks, otherwise `?`, counted: PDF/A forbids
//! `.notdef`), widths with the same metrics krilla embeds, and wrapping that breaks words
//! where a reader expects (between the pairs of a fingerprint, in groups of eight hex digits,
//! after a hyphen).

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold.ttf");
pub const MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
    Mono,
}

impl Face {
    pub fn data(self) -> &'static [u8] {
        match self {
            Face::Regular => REGULAR,
            Face::Bold => BOLD,
            Face::Mono => MONO,
        }
    }
}

/// A face's character map and unscaled advances, parsed once per thread.
struct Metrics {
    map: skrifa::charmap::Charmap<'static>,
    glyphs: skrifa::metrics::GlyphMetrics<'static>,
    upem: f32,
}

thread_local! {
    static METRICS: [Metrics; 3] = [Face::Regular, Face::Bold, Face::Mono].map(|face| {
        let font = FontRef::new(face.data()).expect("bundled font parses");
        Metrics {
            map: font.charmap(),
            glyphs: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            upem: font
                .metrics(Size::unscaled(), LocationRef::default())
                .units_per_em as f32,
        }
    });
}

fn with_metrics<T>(face: Face, f: impl FnOnce(&Metrics) -> T) -> T {
    METRICS.with(|m| f(&m[face as usize]))
}

/// The advance of `text` in `face` at `size` (no kerning: a slight overestimate, which is
/// the safe side for wrapping).
pub(super) fn advance(face: Face, size: f32, text: &str) -> f32 {
    with_metrics(face, |m| {
        let units: f32 = text
            .chars()
            .map(|c| {
                m.map
                    .map(c)
                    .and_then(|g| m.glyphs.advance_width(g))
                    .unwrap_or(0.0)
            })
            .sum();
        units * size / m.upem
    })
}

pub(super) fn has_glyph(face: Face, c: char) -> bool {
    with_metrics(face, |m| m.map.map(c).is_some())
}

/// Splits text into runs of one face each, falling back to the monospace font and then `?`.
pub(super) fn runs(face: Face, text: &str, missing: &mut usize) -> Vec<(Face, String)> {
    let mut out: Vec<(Face, String)> = Vec::new();
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        let (f, c) = if has_glyph(face, c) {
            (face, c)
        } else if has_glyph(Face::Mono, c) {
            (Face::Mono, c)
        } else {
            *missing += 1;
            (face, '?')
        };
        match out.last_mut() {
            Some((last, s)) if *last == f => s.push(c),
            _ => out.push((f, c.to_string())),
        }
    }
    out
}

/// `text`, shortened with an ellipsis until it fits `max`.
pub fn fit(face: Face, size: f32, text: &str, max: f32) -> String {
    if width(face, size, text) <= max {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let shown = format!("{}…", chars.iter().collect::<String>().trim_end());
        if width(face, size, &shown) <= max {
            return shown;
        }
    }
    "…".into()
}

/// `text` split into runs of one face, each with its width: what to draw where.
pub(crate) fn measured_runs(face: Face, size: f32, text: &str) -> Vec<(Face, String, f32)> {
    let mut ignored = 0;
    runs(face, text, &mut ignored)
        .into_iter()
        .map(|(f, s)| {
            let w = advance(f, size, &s);
            (f, s, w)
        })
        .collect()
}

pub fn width(face: Face, size: f32, text: &str) -> f32 {
    let mut ignored = 0;
    runs(face, text, &mut ignored)
        .iter()
        .map(|(f, s)| advance(*f, size, s))
        .sum()
}

/// Greedy line breaking at spaces; a word wider than the line is broken between characters
/// (hashes, URLs). Newlines in the text start new lines.
/// The words of a paragraph, with the signs that belong to the next word kept on its line
/// ("№ 2-1547/2031", "§ 3", "ст. 174"… are read as one): each such pair is one unbreakable
/// word that still holds its space.
fn glued_words(para: &str) -> Vec<String> {
    const GLUE: &[&str] = &["№", "§", "No.", "ст.", "art.", "Art.", "p."];
    let mut out: Vec<String> = Vec::new();
    for word in para.split(' ') {
        match out.last_mut() {
            Some(prev) if GLUE.iter().any(|g| prev.ends_with(g)) && !word.is_empty() => {
                prev.push(' ');
                prev.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
    }
    out
}

pub fn wrap(face: Face, size: f32, text: &str, max: f32) -> Vec<String> {
    let space = width(face, size, " ");
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in glued_words(para) {
            let word = word.as_str();
            let w = width(face, size, word);
            let extra = if line.is_empty() { w } else { space + w };
            if line_w + extra <= max {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_w += extra;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut pieces = break_word(face, size, word, max);
            line = pieces.pop().unwrap_or_default();
            line_w = width(face, size, &line);
            lines.extend(pieces);
        }
        lines.push(line);
    }
    lines
}

/// A word wider than a line, in pieces that fit. Where it breaks says what it is: a
/// fingerprint or a path after a `:` `/` `-` `_` `.`, a hex digest between groups of eight (so
/// a reader comparing it finds her place), and a word of letters with a hyphen, as typesetters
/// do, rather than mid-word without one.
fn break_word(face: Face, size: f32, word: &str, max: f32) -> Vec<String> {
    let hex = word.len() >= 16 && word.chars().all(|c| c.is_ascii_hexdigit());
    let letters = word.chars().all(char::is_alphabetic);
    let hyphen = if letters { width(face, size, "-") } else { 0.0 };
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut piece_w = 0.0;
    // Byte offset in `piece` after which it may break (a separator, or a group of eight).
    let mut opening: Option<usize> = None;
    for (i, c) in word.chars().enumerate() {
        let cw = width(face, size, c.encode_utf8(&mut [0; 4]));
        if piece_w + cw + hyphen > max && !piece.is_empty() {
            match opening.filter(|&at| at > 0 && at < piece.len()) {
                Some(at) => {
                    let rest = piece.split_off(at);
                    pieces.push(std::mem::replace(&mut piece, rest));
                }
                None if letters => pieces.push(format!("{}-", std::mem::take(&mut piece))),
                None => pieces.push(std::mem::take(&mut piece)),
            }
            piece_w = width(face, size, &piece);
            opening = None;
        }
        piece.push(c);
        piece_w += cw;
        if matches!(c, ':' | '/' | '-' | '_' | '.' | ',' | ';') || (hex && (i + 1) % 8 == 0) {
            opening = Some(piece.len());
        }
    }
    pieces.push(piece);
    pieces
}

pub(super) fn line_height(size: f32) -> f32 {
    size * 1.38
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kazakh_and_cyrillic_letters_are_in_the_bundled_fonts() {
        for c in "әғқңөұүһіӘҒҚҢӨҰҮҺІжяЖЯ№".chars() {
            assert!(has_glyph(Face::Regular, c), "Noto Sans lacks {c}");
            assert!(has_glyph(Face::Bold, c), "Noto Sans Bold lacks {c}");
        }
    }

    #[test]
    fn a_number_sign_stays_with_its_number() {
        // Wide enough for "Дело №" or "№ 2-1547/2031", not for "Дело № 2-1547/2031".
        let max = width(Face::Regular, 10.0, "№ 2-1547/2031 o");
        let lines = wrap(Face::Regular, 10.0, "Дело № 2-1547/2031 of 2031", max);
        assert!(
            lines.iter().any(|l| l.starts_with("№ 2-1547/2031")),
            "{lines:?}"
        );
        assert!(lines.iter().all(|l| !l.ends_with('№')), "{lines:?}");
    }

    #[test]
    fn wrapping_respects_the_width_and_keeps_every_character() {
        let text = "Қасымов Ерлан was detained on 12 March 2021 in Алматы; hash e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let lines = wrap(Face::Regular, 10.0, text, 200.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(width(Face::Regular, 10.0, l) <= 200.0, "{l}");
        }
        let joined: String = lines.concat();
        assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn long_values_break_where_a_reader_expects() {
        let fp = "F8:8C:2D:10:A9:B3:5C:13:47:1A:C5:6B:2F:00:E4:77:9A:51:B2:66:D4:01:39:8E:11:AB:CD:EF:12:34:56:78";
        for line in wrap(Face::Regular, 9.0, fp, 150.0) {
            assert!(line.ends_with(':') || fp.ends_with(&line), "{line}");
            assert!(width(Face::Regular, 9.0, &line) <= 150.0);
        }
        let digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let lines = wrap(Face::Mono, 8.0, digest, 90.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), digest);
        for l in &lines[..lines.len() - 1] {
            assert_eq!(l.len() % 8, 0, "{lines:?}");
        }
        let word = "импортированоимпортированоимпортировано";
        let lines = wrap(Face::Regular, 10.0, word, 80.0);
        assert!(lines.len() > 1);
        for l in &lines[..lines.len() - 1] {
            assert!(l.ends_with('-'), "{lines:?}");
            assert!(width(Face::Regular, 10.0, l) <= 80.0, "{l}");
        }
        assert_eq!(lines.concat().replace('-', ""), word);
    }
}
