//! How hard a passphrase is to guess, and suggesting a strong one. The estimate is the same
//! rule the app's meter draws (`ui/src/lib/strength.ts`): words of three letters or more count
//! about 11 bits each when there are three or more of them (as if drawn from a 2,000-word
//! list), otherwise the characters count by the classes they come from; eight characters is
//! the floor. It is a rough lower bound meant to steer people to several random words.

/// The meter's score from which the app takes a passphrase without asking: "good", 60 bits.
pub const STRONG_SCORE: u8 = 3;
/// Words in a suggested passphrase: 6 × 11 bits.
pub const SUGGESTED_WORDS: usize = 6;

/// Bits of guessing work, estimated.
pub fn estimate_bits(passphrase: &str) -> u32 {
    let p = passphrase.trim();
    if p.is_empty() {
        return 0;
    }
    let words: Vec<String> = p
        .split_whitespace()
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    // Three words or more count as words; each distinct one counts once.
    let word_bits = if words.len() >= 3 {
        words.iter().collect::<std::collections::HashSet<_>>().len() as f64 * 11.0
    } else {
        0.0
    };
    let mut pool = 0u32;
    if p.chars().any(|c| c.is_ascii_lowercase()) {
        pool += 26;
    }
    if p.chars().any(|c| c.is_ascii_uppercase()) {
        pool += 26;
    }
    if p.chars().any(|c| c.is_ascii_digit()) {
        pool += 10;
    }
    if p.chars()
        .any(|c| c.is_ascii() && !c.is_ascii_alphanumeric() && !c.is_whitespace())
    {
        pool += 33;
    }
    if !p.is_ascii() {
        pool += 60;
    }
    // Repeated characters add little: each distinct one counts once, the rest a bit each.
    let length = p.chars().count();
    let distinct = p.chars().collect::<std::collections::HashSet<_>>().len();
    let char_bits = distinct as f64 * f64::from(pool.max(2)).log2() + (length - distinct) as f64;
    let bits = word_bits.max(char_bits.min(length as f64 * 4.0));
    bits.round() as u32
}

/// 0 too short, 1 weak, 2 fair, 3 good, 4 strong.
pub fn score(passphrase: &str) -> u8 {
    let bits = estimate_bits(passphrase);
    match () {
        _ if passphrase.chars().count() < 8 => 0,
        _ if bits < 40 => 1,
        _ if bits < 60 => 2,
        _ if bits < 80 => 3,
        _ => 4,
    }
}

/// Six words drawn from the BIP-39 English list with the operating system's random source
/// (2,048 words: 11 bits each, 66 in all).
pub fn suggest() -> String {
    let list = bip39::Language::English.word_list();
    (0..SUGGESTED_WORDS)
        .map(|_| {
            let mut b = [0u8; 2];
            getrandom::fill(&mut b).expect("the operating system's random source failed");
            // 65,536 is a multiple of 2,048: the modulo draws every word equally often.
            list[usize::from(u16::from_le_bytes(b)) % list.len()]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same vectors as ui/src/lib/logic.test.ts: the meter and this rule must agree.
    #[test]
    fn the_rule_matches_the_meter() {
        assert_eq!(score("abc"), 0);
        assert_eq!(score("aaaaaaaaaaaaaaaa"), 1);
        assert!(score("Tr0ub4d&") <= 2);
        assert_eq!(score("correct horse battery staple mountain river"), 4);
        assert_eq!(score("password"), 1);
        assert_eq!(score("correct horse battery staple"), 3);
        assert_eq!(score("benchmark passphrase"), 3);
        assert!(score("мой пароль очень длинный и сложный") >= STRONG_SCORE);
    }

    #[test]
    fn a_suggestion_is_six_listed_words_and_strong() {
        let list = bip39::Language::English.word_list();
        let a = suggest();
        let words: Vec<&str> = a.split(' ').collect();
        assert_eq!(words.len(), SUGGESTED_WORDS);
        assert!(words.iter().all(|w| list.contains(w)), "{a}");
        assert!(score(&a) >= STRONG_SCORE, "{a}");
        assert_ne!(a, suggest(), "two suggestions differ");
    }
}
