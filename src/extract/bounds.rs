//! Decompression caps, checked before a parser sees the file. A 1 MB PDF whose one content
//! stream inflates to 1 GiB made the PDF parsers allocate 2 GB; the parsers have no cap of
//! their own, so every Flate stream is first inflated here into a counter (nothing kept),
//! and a file over the cap is stored and marked, not parsed.

use std::io::Read;

/// No one stream of a PDF may inflate past this.
pub const MAX_STREAM: u64 = 64 << 20;
/// Nor all of them together.
pub const MAX_INFLATED: u64 = 256 << 20;

/// Checks that every zlib stream in a PDF inflates within the caps. Streams are found by the
/// `stream` keyword (whatever object holds them, object streams included); data that is not
/// zlib is skipped, since only Flate expands without bound.
pub fn pdf_streams(bytes: &[u8]) -> Result<(), String> {
    let mut total = 0u64;
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"stream") {
        let start = at + found;
        at = start + 6;
        if start >= 3 && &bytes[start - 3..start] == b"end" {
            continue;
        }
        let data = match &bytes[at..] {
            [b'\r', b'\n', rest @ ..] | [b'\n', rest @ ..] | [b'\r', rest @ ..] => rest,
            _ => continue,
        };
        let inflated = inflated_len(data, MAX_STREAM + 1);
        if inflated > MAX_STREAM {
            return Err(format!(
                "not parsed: a compressed stream in it inflates past {} MiB",
                MAX_STREAM >> 20
            ));
        }
        total += inflated;
        if total > MAX_INFLATED {
            return Err(format!(
                "not parsed: its compressed streams inflate past {} MiB together",
                MAX_INFLATED >> 20
            ));
        }
    }
    Ok(())
}

/// How many bytes `data` inflates to as zlib, counting at most `cap`; 0 if it is not zlib.
fn inflated_len(data: &[u8], cap: u64) -> u64 {
    // A zlib header: CM = 8 (deflate) and a check value; anything else is not Flate.
    match data {
        [cmf, flg, ..] if cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0 => {
        }
        _ => return 0,
    }
    let mut decoder = flate2::read::ZlibDecoder::new(data).take(cap);
    let mut buf = [0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        match decoder.read(&mut buf) {
            Ok(0) | Err(_) => return n,
            Ok(k) => n += k as u64,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_flate_bomb_is_refused_and_ordinary_streams_pass() {
        let ok = zlib(b"BT /F1 12 Tf (text) Tj ET");
        let mut pdf = b"1 0 obj << /Length 9 /Filter /FlateDecode >> stream\n".to_vec();
        pdf.extend(&ok);
        pdf.extend(b"\nendstream endobj\n");
        assert_eq!(pdf_streams(&pdf), Ok(()));
        let bomb = zlib(&vec![0u8; (MAX_STREAM + 1) as usize]);
        pdf.extend(b"2 0 obj << /Filter /FlateDecode >> stream\r\n");
        pdf.extend(&bomb);
        let refused = pdf_streams(&pdf).unwrap_err();
        assert!(refused.contains("inflates past 64 MiB"), "{refused}");
    }
}
