//! Matching names across scripts and spellings: "Ерімбетов", "Yerimbetov" and "Erimbetov" are one
//! person to a lawyer, and must be one to search and to duplicate detection.
//!
//! [`fold`] maps a name to a *key*: Russian and Kazakh Cyrillic is transliterated letter by letter
//! to conventional Latin, anything else goes through `deunicode`, and then one set of folding
//! rules merges the usual variant spellings (zh/j, kh/h, ye/e, ya/ia/a, q/k, y/i, doubled
//! letters…). Both scripts meet in the same Latin rules, so they fold alike.

/// Conventional Latin for Russian and Kazakh Cyrillic letters (lowercase).
fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'ә' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ғ' => "gh",
        'д' => "d",
        'е' => "e",
        'ё' => "yo",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'і' => "i",
        'к' => "k",
        'қ' => "q",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'ң' => "ng",
        'о' => "o",
        'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ұ' => "u",
        'ү' => "u",
        'ф' => "f",
        'х' => "kh",
        'һ' => "h",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// Readable Latin for any text: Russian and Kazakh Cyrillic letter by letter as [`fold`] reads
/// them (capitals kept), everything else through `deunicode` (`Әйгерім` → `Aygerim`, where
/// `deunicode` alone gives `@igerim`). For ASCII file names, not for matching.
pub fn transliterate(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut other = [0u8; 4];
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        match cyrillic(lower) {
            Some(latin) if lower != c => {
                let mut chars = latin.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            }
            Some(latin) => out.push_str(latin),
            None => out.push_str(&deunicode::deunicode(c.encode_utf8(&mut other))),
        }
    }
    out
}

/// Variant spellings merged after transliteration, longest first.
const RULES: &[(&str, &str)] = &[
    ("shch", "sh"),
    ("sch", "sh"),
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("ts", "c"),
    ("tz", "c"),
    ("ye", "e"),
    ("yo", "o"),
    ("yu", "u"),
    ("ya", "a"),
    ("iu", "u"),
    ("ia", "a"),
    ("ng", "n"),
    ("ae", "a"),
    ("oe", "o"),
    ("ue", "u"),
    ("q", "k"),
    ("x", "ks"),
    ("y", "i"),
    ("w", "v"),
];

/// Lowercase Latin letters and digits of `s`, one string per word.
fn latin_words(s: &str) -> Vec<String> {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if let Some(l) = cyrillic(c) {
            out.push_str(l);
        } else if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&deunicode::deunicode_char(c).unwrap_or(" ").to_lowercase());
        }
    }
    out.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn collapse_doubles(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    for c in w.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// The folded key of one word. Doubled letters are collapsed before the rules ("Aliia") and
/// after them ("Yuriy" → "urii").
fn fold_word(word: &str) -> String {
    let mut w = collapse_doubles(word);
    for (from, to) in RULES {
        // Words are ASCII here: a byte scan, and a new string only where a rule applies
        // (indexing every imported item folds its whole search entry).
        if w.as_bytes()
            .windows(from.len())
            .any(|part| part == from.as_bytes())
        {
            w = w.replace(from, to);
        }
    }
    collapse_doubles(&w)
}

/// The folded keys of every word of `s`, space-separated, in order.
pub fn fold(s: &str) -> String {
    latin_words(s)
        .iter()
        .map(|w| fold_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How alike two names are, from 0 to 1, ignoring script, spelling variants and word order.
pub fn similarity(a: &str, b: &str) -> f64 {
    let sorted = |s: &str| {
        let mut words: Vec<String> = fold(s).split(' ').map(str::to_string).collect();
        words.sort();
        words.join(" ")
    };
    let (a, b) = (sorted(a), sorted(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::jaro_winkler(&a, &b)
}

/// Names at least this similar are suggested as possible duplicates.
pub const DUPLICATE_THRESHOLD: f64 = 0.92;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_and_latin_spellings_fold_alike() {
        let same = [
            ("Ерімбетов", "Yerimbetov"),
            ("Ерімбетов", "Erimbetov"),
            ("Жұмабаева Әлия", "Zhumabayeva Aliya"),
            ("Жұмабаева Әлия", "Jumabaeva Aliia"),
            ("Щукин Юрий", "Shchukin Yuriy"),
            ("Щукин Юрий", "Schukin Iurii"),
            ("Ғалымжан Қуаныш", "Galymzhan Kuanysh"),
            ("Ғалымжан Қуаныш", "Ghalymjan Quanysh"),
            ("Хабаров", "Khabarov"),
            ("Хабаров", "Habarov"),
            ("Цой", "Tsoy"),
            ("Алексей", "Alexei"),
            ("Өмірбеков Нұрлан", "Omirbekov Nurlan"),
        ];
        for (a, b) in same {
            assert_eq!(fold(a), fold(b), "{a} / {b}");
        }
        assert_ne!(fold("Ерімбетов"), fold("Еримов"));
    }

    #[test]
    fn similarity_ignores_word_order_and_script() {
        assert!(similarity("Ерімбетов Искандер", "Iskander Yerimbetov") > 0.99);
        assert!(similarity("Ерімбетов Искандер", "Iskandar Yerimbetov") >= DUPLICATE_THRESHOLD);
        assert!(similarity("Ерімбетов Искандер", "Omirbekov Nurlan") < 0.8);
        assert_eq!(similarity("", "x"), 0.0);
    }
}
