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

/// The entries of `dir` named `<len hex digits>.age` (a missing folder has none): snapshot,
/// catalog and text index files, whose names are random.
pub fn hex_age_entries(dir: &std::path::Path, len: usize) -> Vec<std::fs::DirEntry> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".age"))
                .is_some_and(|s| is_hex_name(s, len))
        })
        .collect()
}

/// A user's file name made safe as one path component, everything else kept as written
/// (Cyrillic and all): separators and control characters become `_`, and a name that would be
/// empty or a directory reference becomes `file`. For names inside bundles and dossiers.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    match cleaned.trim() {
        "" | "." | ".." => "file".into(),
        s => s.to_string(),
    }
}
