//! Names of files on disk: random, never derived from content, and checked before a name read
//! from a directory or a catalog becomes a path.

/// 128 random bits as 32 lowercase hex digits: names on disk never derive from content.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    hex::encode(buf)
}

pub fn is_hex_name(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
