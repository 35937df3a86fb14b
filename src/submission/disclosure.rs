//! What personal data a dossier would carry out of the vault, listed for the user before the
//! export (and again in its report): a photo's GPS position in an attached original or on its
//! annex page, the e-mail addresses in an e-mail's headers, telephone numbers in an e-mail. A
//! petition to the European Parliament may be published; a WGAD communication is read by the
//! government it accuses. Either way the lawyer decides with the list in front of her.

use serde::Serialize;

use super::{Annex, Attached, Inline};

/// What kind of personal datum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DatumKind {
    /// Where a picture was taken (GPS).
    Location,
    EmailAddress,
    /// Something that looks like a telephone number.
    PhoneNumber,
    /// The name of a source who asked that their identity be kept confidential.
    ConfidentialName,
}

/// One personal datum that would leave the vault, and where in the dossier it would be.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonalDatum {
    /// The annex that carries it; 0 for the dossier's own pages.
    pub annex: u32,
    /// The annex's file name in the vault ("" for the dossier's own pages).
    pub file: String,
    pub kind: DatumKind,
    pub value: String,
    /// "the attached original", "the annex page" or both.
    pub carried_in: String,
}

/// Every personal datum the annexes carry out. `text` gives an e-mail annex's whole text (its
/// body as extracted), where telephone numbers are looked for; `printed_location` says whether
/// the annex pages print a photo's position.
pub(crate) fn personal_data(
    annexes: &[Annex],
    originals_attached: bool,
    printed_location: bool,
    text: &mut dyn FnMut(&Annex) -> Option<String>,
) -> Vec<PersonalDatum> {
    let mut out = Vec::new();
    for a in annexes {
        let original = originals_attached && matches!(a.attached, Attached::Original);
        let mut push = |kind, value: String, places: &[(&str, bool)]| {
            let carried_in: Vec<&str> = places.iter().filter(|p| p.1).map(|p| p.0).collect();
            if !carried_in.is_empty()
                && !out
                    .iter()
                    .any(|d: &PersonalDatum| d.annex == a.number && d.value == value)
            {
                out.push(PersonalDatum {
                    annex: a.number,
                    file: a.item.name.clone(),
                    kind,
                    value,
                    carried_in: carried_in.join(" and "),
                });
            }
        };
        if let Some(g) = a.metadata.get("gps") {
            let (lat, lon) = (g["latitude"].as_f64(), g["longitude"].as_f64());
            if let (Some(lat), Some(lon)) = (lat, lon) {
                push(
                    DatumKind::Location,
                    format!("{lat:.5}, {lon:.5}"),
                    &[
                        ("the attached original", original),
                        ("the annex page", printed_location),
                    ],
                );
            }
        }
        let printed = matches!(a.inline, Inline::Email { .. });
        for key in ["from", "to", "cc", "reply_to"] {
            let values: Vec<String> = match a.metadata.get(key) {
                Some(serde_json::Value::Array(v)) => v
                    .iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                _ => continue,
            };
            for v in values {
                push(
                    DatumKind::EmailAddress,
                    v,
                    &[
                        ("the attached original", original),
                        ("the annex page", printed),
                    ],
                );
            }
        }
        if a.item.media_type == "message/rfc822"
            && let Some(t) = text(a)
        {
            for phone in phone_numbers(&t) {
                push(
                    DatumKind::PhoneNumber,
                    phone,
                    &[
                        ("the attached original", original),
                        ("the annex page", printed),
                    ],
                );
            }
        }
    }
    out
}

/// The submitting source's name, when the source asked to stay confidential: the WGAD keeps
/// it from the government, but the file itself carries it.
pub(crate) fn confidential_source(name: &str) -> PersonalDatum {
    PersonalDatum {
        annex: 0,
        file: String::new(),
        kind: DatumKind::ConfidentialName,
        value: name.to_string(),
        carried_in: "section VI, as the source who asked to stay confidential".into(),
    }
}

/// Runs of digits, spaces, `+ - . ( )` holding 9 to 15 digits, that start with `+` or a digit
/// and are not a date: what telephone numbers look like in signatures and letterheads. A
/// warning list, so a false alarm costs a glance and a miss costs more.
pub(crate) fn phone_numbers(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut run = String::new();
    let mut flush = |run: &mut String| {
        let candidate = run
            .trim()
            .trim_end_matches(['-', '.', '('])
            .trim()
            .to_string();
        run.clear();
        let digits = candidate.chars().filter(char::is_ascii_digit).count();
        let first = candidate.chars().next();
        let is_date = candidate.len() == 10
            && candidate.as_bytes().get(4) == Some(&b'-')
            && candidate.as_bytes().get(7) == Some(&b'-');
        let separated =
            candidate.starts_with('+') || candidate.contains([' ', '-', '(', '.']) || digits >= 10;
        if (9..=15).contains(&digits)
            && first.is_some_and(|c| c == '+' || c.is_ascii_digit() || c == '(')
            && separated
            && !is_date
            && !found.contains(&candidate)
        {
            found.push(candidate);
        }
    };
    for c in text.chars() {
        if c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '(' | ')' | ' ') {
            if run.is_empty() && !(c.is_ascii_digit() || c == '+' || c == '(') {
                continue;
            }
            run.push(c);
        } else {
            flush(&mut run);
        }
    }
    flush(&mut run);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telephone_numbers_are_found_and_dates_and_case_numbers_are_not() {
        let text = "Call me: +32 2 123 45 67 or (727) 255-01-02, mob. 8 701 555 12 34.\n\
                    Case № 2-1547/2031 of 2031-03-12, sum 1500, ref 2024.";
        assert_eq!(
            phone_numbers(text),
            ["+32 2 123 45 67", "(727) 255-01-02", "8 701 555 12 34"]
        );
        assert!(phone_numbers("Hearing on 2031-03-12 at 10.30").is_empty());
    }
}
