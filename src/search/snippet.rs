//! Why a hit matched: the passage of its text around the query's words, matches in [brackets].
//!
//! Made here rather than with FTS5's `snippet()`, for two reasons. FTS5 evaluates the whole
//! MATCH expression again for every snippet, and for a prefix query over the text index that
//! merges the lists of every matching term across all items: most of a search's time went
//! there. And FTS5 highlights only matches as written, so a hit found in another spelling
//! ("Жумабаева" for "Жұмабаева") showed nothing; here such a word is compared folded.
//!
//! A passage never crosses a line: an item's entry keeps its name, notes and each linked case
//! or person on lines of their own, so the passage is the line that says why.

use std::collections::HashMap;

use crate::register::names;

/// Words a passage shows, around its best match.
const WINDOW: usize = 12;
/// Words shown before the first match of a passage.
const LEAD: usize = 3;

/// One word of a query, as the index saw it.
pub(crate) struct Needle {
    /// Its lowercase alphanumeric parts: a case number "2-17/2031" is the phrase 2, 17, 2031,
    /// each exact but the last, which is a prefix (as FTS5 reads `"2 17 2031"*`).
    parts: Vec<String>,
    /// Its folded key (see [`names::fold`]), compared by prefix with a word's folded key.
    folded: String,
}

/// Finds a query's words in the texts of one search's hits.
pub(crate) struct Matcher {
    needles: Vec<Needle>,
    /// Folded keys of the words seen so far: the entries of items linked to one case carry
    /// the same long list of names, each folded once per search.
    folded: HashMap<String, String>,
}

impl Matcher {
    pub(crate) fn new(query: &str) -> Matcher {
        let needles = query
            .split_whitespace()
            .map(|word| Needle {
                parts: super::phrase(word),
                folded: names::fold(word),
            })
            .filter(|n| !n.parts.is_empty())
            .collect();
        Matcher {
            needles,
            folded: HashMap::new(),
        }
    }

    /// How many words the query has.
    pub(crate) fn words(&self) -> usize {
        self.needles.len()
    }

    /// The passage of `text` that shows the most of the query's words (the first such), or
    /// None when no word of the text matches in any spelling.
    pub(crate) fn passage(&mut self, text: &str) -> Option<Passage> {
        let needles = &self.needles;
        let tokens = tokens(text);
        let mut matches = written_matches(text, &tokens, needles);
        let mut seen = vec![false; needles.len()];
        for m in &matches {
            seen[m.needle] = true;
        }
        if seen.iter().any(|s| !s) {
            // Each word's folded key, once per search (see `folded`).
            let keys: Vec<&str> = tokens
                .iter()
                .map(|t| {
                    let word = &text[t.start..t.end];
                    if !self.folded.contains_key(word) {
                        self.folded.insert(word.to_string(), names::fold(word));
                    }
                    word
                })
                .collect();
            let keys: Vec<&String> = keys.iter().map(|w| &self.folded[*w]).collect();
            for (k, n) in needles.iter().enumerate() {
                if seen[k] || n.folded.is_empty() {
                    continue;
                }
                // A needle whose folded key is several words ("Zhumabayeva-Aliya") matches
                // as a phrase: each word whole, the last by prefix, on one line.
                let parts: Vec<&str> = n.folded.split(' ').collect();
                let m = parts.len();
                for i in 0..tokens.len().saturating_sub(m - 1) {
                    if tokens[i + m - 1].line != tokens[i].line {
                        continue;
                    }
                    let hit = parts.iter().enumerate().all(|(j, part)| {
                        let key = keys[i + j].as_str();
                        if j + 1 == m {
                            key.starts_with(part)
                        } else {
                            key == *part
                        }
                    });
                    if hit {
                        matches.push(Match {
                            first: i,
                            last: i + m - 1,
                            needle: k,
                        });
                    }
                }
            }
            matches.sort_by_key(|m| (m.first, m.needle));
        }
        let (words, first, end) = best_window(&tokens, &matches, needles.len())?;
        Some(Passage {
            text: render(text, &tokens, &matches, first, end),
            words,
        })
    }
}

/// A passage and how many of the query's words it shows.
pub(crate) struct Passage {
    pub text: String,
    pub words: usize,
}

struct Token {
    start: usize,
    end: usize,
    line: usize,
}

/// A run of letters and digits, as FTS5's unicode61 tokenizer splits text.
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut line = 0;
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            out.push(Token {
                start: s,
                end: i,
                line,
            });
        }
        if c == '\n' {
            line += 1;
        }
    }
    if let Some(s) = start {
        out.push(Token {
            start: s,
            end: text.len(),
            line,
        });
    }
    out
}

/// A match: tokens `first..=last` are needle `needle`.
struct Match {
    first: usize,
    last: usize,
    needle: usize,
}

fn lower(text: &str, t: &Token) -> String {
    text[t.start..t.end].to_lowercase()
}

/// Matches as written: every part exact but the last, the last by prefix.
fn written_matches(text: &str, tokens: &[Token], needles: &[Needle]) -> Vec<Match> {
    // Lowercasing every word of a long text is the costly part: only words whose first
    // letter can begin a needle are lowercased.
    let initials: Vec<char> = needles
        .iter()
        .filter_map(|n| n.parts[0].chars().next())
        .collect();
    let mut found = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let Some(c) = text[t.start..].chars().next() else {
            continue;
        };
        if !c.to_lowercase().any(|l| initials.contains(&l)) {
            continue;
        }
        for (k, n) in needles.iter().enumerate() {
            let m = n.parts.len();
            if i + m > tokens.len() || tokens[i + m - 1].line != t.line {
                continue;
            }
            let hit = n.parts.iter().enumerate().all(|(j, part)| {
                let word = lower(text, &tokens[i + j]);
                if j + 1 == m {
                    word.starts_with(part.as_str())
                } else {
                    word == *part
                }
            });
            if hit {
                found.push(Match {
                    first: i,
                    last: i + m - 1,
                    needle: k,
                });
            }
        }
    }
    found
}

/// The window (words shown, first token, end token) that shows the most needles, the first
/// such; None without matches.
fn best_window(
    tokens: &[Token],
    matches: &[Match],
    needles: usize,
) -> Option<(usize, usize, usize)> {
    // Tokens and matches are in text order: a line's tokens, and a window's matches, are
    // found by bisection.
    let mut best: Option<(usize, usize, usize)> = None;
    for anchor in matches {
        let line = tokens[anchor.first].line;
        let line_start = tokens.partition_point(|t| t.line < line);
        let line_end = tokens.partition_point(|t| t.line <= line);
        // A few words before the match, more when the line ends before the window does.
        let first = anchor
            .first
            .saturating_sub(LEAD)
            .min(line_end.saturating_sub(WINDOW))
            .max(line_start);
        let end = (first + WINDOW).min(line_end).max(anchor.last + 1);
        let mut shown = vec![false; needles];
        let from = matches.partition_point(|m| m.first < first);
        for m in matches[from..].iter().take_while(|m| m.first < end) {
            if m.last < end {
                shown[m.needle] = true;
            }
        }
        let words = shown.iter().filter(|s| **s).count();
        if best.is_none_or(|(w, _, _)| words > w) {
            best = Some((words, first, end));
        }
        if words == needles {
            break;
        }
    }
    best
}

/// The opening words of `text` (of its first line that has any): what a hit shows when
/// nothing in it can be highlighted.
pub(crate) fn opening(text: &str) -> String {
    let tokens = tokens(text);
    let Some(line) = tokens.first().map(|t| t.line) else {
        return String::new();
    };
    let end = tokens
        .iter()
        .position(|t| t.line != line)
        .unwrap_or(tokens.len())
        .min(WINDOW);
    render(text, &tokens, &[], 0, end)
}

/// Tokens `first..end` of one line with their matches bracketed; "…" where the line goes on.
fn render(text: &str, tokens: &[Token], matches: &[Match], first: usize, end: usize) -> String {
    let line = tokens[first].line;
    let starts_line = first == 0 || tokens[first - 1].line != line;
    let ends_line = end == tokens.len() || tokens[end].line != line;
    let from = if starts_line {
        text[..tokens[first].start].rfind('\n').map_or(0, |i| i + 1)
    } else {
        tokens[first].start
    };
    let to = if ends_line {
        text[tokens[end - 1].end..]
            .find('\n')
            .map_or(text.len(), |i| tokens[end - 1].end + i)
    } else {
        tokens[end - 1].end
    };
    let mut out = String::new();
    if !starts_line {
        out.push('…');
    }
    let mut at = from;
    let mut open_until = None;
    for (i, t) in tokens.iter().enumerate().take(end).skip(first) {
        if open_until.is_none()
            && let Some(m) = matches
                .iter()
                .filter(|m| m.first == i && m.last < end)
                .max_by_key(|m| m.last)
        {
            out.push_str(&text[at..t.start]);
            out.push('[');
            at = t.start;
            open_until = Some(m.last);
        }
        if open_until == Some(i) {
            out.push_str(&text[at..t.end]);
            out.push(']');
            at = t.end;
            open_until = None;
        }
    }
    out.push_str(text[at..to].trim_end());
    if !ends_line {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str, query: &str) -> Option<String> {
        Matcher::new(query).passage(text).map(|p| p.text)
    }

    #[test]
    fn a_match_as_written_is_bracketed_on_its_own_line() {
        let entry = "scan-0001.jpg\nCase: Zhumabayeva v. Kazakhstan\nPerson: Жұмабаева Әлия (Zhumabayeva Aliya)";
        assert_eq!(
            show(entry, "aliya").unwrap(),
            "Person: Жұмабаева Әлия (Zhumabayeva [Aliya])"
        );
        assert_eq!(
            show(entry, "Kazakh").unwrap(),
            "Case: Zhumabayeva v. [Kazakhstan]"
        );
    }

    #[test]
    fn another_spelling_is_found_folded() {
        let entry = "scan-0001.jpg\nPerson: Жұмабаева Әлия";
        assert_eq!(
            show(entry, "Жумабаева").unwrap(),
            "Person: [Жұмабаева] Әлия"
        );
        assert_eq!(
            show(entry, "zhumabaeva").unwrap(),
            "Person: [Жұмабаева] Әлия"
        );
        assert!(show(entry, "Ерімбетов").is_none());
        // A word that folds to two matches them as a phrase.
        assert_eq!(
            show(entry, "Zhumabayeva-Aliya").unwrap(),
            "Person: [Жұмабаева Әлия]"
        );
    }

    #[test]
    fn a_long_line_shows_a_window_around_the_most_words() {
        let words: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        let mut text = words.join(" ");
        text.push_str(" суд решил арест незаконным");
        let p = Matcher::new("суд арест").passage(&text).unwrap();
        assert_eq!(p.words, 2);
        // The line ends soon after the match: the window reaches back to stay full.
        assert_eq!(
            p.text,
            "…w32 w33 w34 w35 w36 w37 w38 w39 [суд] решил [арест] незаконным"
        );
        let p = Matcher::new("суд")
            .passage(&format!("{text} w40 w41 w42 w43 w44 w45 w46 w47 w48"))
            .unwrap();
        assert_eq!(
            p.text,
            "…w37 w38 w39 [суд] решил арест незаконным w40 w41 w42 w43 w44…"
        );
        let p = Matcher::new("суд арест")
            .passage(&format!("суд {text}"))
            .unwrap();
        assert_eq!(p.words, 2, "the window with both words wins: {}", p.text);
    }

    #[test]
    fn a_case_number_is_one_phrase() {
        let text = "Решение по делу № 2-17/2031 от 12 марта\n2 17 2031";
        assert_eq!(
            show(text, "2-17/2031").unwrap(),
            "Решение по делу № [2-17/2031] от 12 марта"
        );
        assert!(show("2 18 2031", "2-17/2031").is_none());
    }

    #[test]
    fn nothing_to_highlight_shows_the_opening() {
        assert_eq!(opening("Письмо матери\nвторая строка"), "Письмо матери");
        assert_eq!(opening("\n — \nДоговор аренды"), "Договор аренды");
        assert_eq!(opening(""), "");
    }
}
