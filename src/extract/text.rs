//! Plain text in whatever encoding it came in: a BOM decides, then UTF-8 if it is valid, then
//! UTF-16 without a BOM (many NULs), then chardetng's guess among legacy encodings (CP1251,
//! KOI8-R, …). Binary data is not called text.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// Whether the bytes read as text in some encoding (few control characters once decoded).
pub fn is_text(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    decode(sample).is_ok()
}

pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    let (encoding, body): (&'static Encoding, &[u8]) =
        if let Some((enc, bom)) = Encoding::for_bom(bytes) {
            (enc, &bytes[bom..])
        } else if std::str::from_utf8(bytes).is_ok() || valid_utf8_but_cut(bytes) {
            (encoding_rs::UTF_8, bytes)
        } else if let Some(enc) = utf16_without_bom(bytes) {
            (enc, bytes)
        } else {
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(bytes, true);
            (detector.guess(None, true), bytes)
        };
    let (text, _, _) = encoding.decode(body);
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c'))
        .count();
    let replaced = text.chars().filter(|&c| c == '\u{fffd}').count();
    let total = text.chars().count().max(1);
    if (controls + replaced) * 20 > total {
        return Err("the content is not text in any known encoding".into());
    }
    Ok((text.into_owned(), encoding.name()))
}

/// A sample cut in the middle of a multi-byte character is still UTF-8.
pub(super) fn valid_utf8_but_cut(bytes: &[u8]) -> bool {
    (1..4).any(|k| bytes.len() > k && std::str::from_utf8(&bytes[..bytes.len() - k]).is_ok())
}

fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 {
        return None;
    }
    let pairs = bytes.len() / 2;
    let zeros_at = |offset: usize| {
        bytes
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    // Latin text in UTF-16 has a NUL in every other byte; Cyrillic has 0x04 there.
    let fours_at = |offset: usize| {
        bytes
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0x04)
            .count()
    };
    if odd * 3 > pairs || (odd + fours_at(1)) * 10 > pairs * 9 {
        Some(UTF_16LE)
    } else if even * 3 > pairs || (even + fours_at(0)) * 10 > pairs * 9 {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str =
        "Уважаемый суд! Прошу приобщить к делу копию приговора. Қазақстан әғқңөұүһі.";

    #[test]
    fn detects_and_decodes_common_encodings() {
        let utf16le: Vec<u8> = SAMPLE.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = SAMPLE.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut bom = vec![0xff, 0xfe];
        bom.extend(&utf16le);
        let russian = "Уважаемый суд! Прошу приобщить к делу копию приговора от 12 марта, вынесенного районным судом.";
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(russian);
        let (koi8, _, _) = encoding_rs::KOI8_R.encode(russian);
        for (bytes, text, name) in [
            (SAMPLE.as_bytes().to_vec(), SAMPLE, "UTF-8"),
            (bom, SAMPLE, "UTF-16LE"),
            (utf16le, SAMPLE, "UTF-16LE"),
            (utf16be, SAMPLE, "UTF-16BE"),
            (cp1251.into_owned(), russian, "windows-1251"),
            (koi8.into_owned(), russian, "KOI8-R"),
        ] {
            let (decoded, encoding) = decode(&bytes).unwrap();
            assert_eq!(decoded, text, "{name}");
            // KOI8-U only adds Ukrainian letters to KOI8-R: for Russian text both are right.
            let same_family = name == "KOI8-R" && encoding == "KOI8-U";
            assert!(
                encoding == name || same_family,
                "{name} detected as {encoding}"
            );
        }
    }

    #[test]
    fn binary_is_not_text() {
        let binary: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        assert!(!is_text(&binary));
        assert!(is_text(b"plain ascii\n"));
    }
}
