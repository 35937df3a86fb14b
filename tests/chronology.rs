//! The chronology (issue #14, defect 7): events have an explicit kind, and a submission picks
//! them by kind, never by words in their titles; dates of mixed precision sort by one rule,
//! which the dossier states above its chronology.

mod common;

use common::*;
use serde_json::Value;

fn event(f: &Fixture, case: &str, title: &str, date: Option<&str>, kind: Option<&str>) -> String {
    let mut args = vec!["event", "add", "--case", case, "--title", title];
    if let Some(d) = date {
        args.extend(["--date", d]);
    }
    if let Some(k) = kind {
        args.extend(["--kind", k]);
    }
    f.ok(&args).trim().to_string()
}

#[test]
fn mixed_precision_dates_sort_by_one_rule() {
    let f = Fixture::new("chronology-order");
    let case = f
        .ok(&["case", "add", "--title", "Order v. State"])
        .trim()
        .to_string();
    // Added out of order on purpose.
    for (title, date) in [
        ("exact day", "2031-01-01"),
        ("later month", "2031-02"),
        ("whole year", "2031"),
        ("about that day", "~2031-01-01"),
        ("month", "2031-01"),
        ("earlier year", "2030"),
    ] {
        event(&f, &case, title, Some(date), None);
    }
    event(&f, &case, "no date", None, None);
    let view: Value = serde_json::from_str(&f.ok(&["case", "show", &case, "--json"])).unwrap();
    let titles = |key: &str| -> Vec<String> {
        view[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        titles("chronology"),
        [
            "earlier year",
            "whole year",
            "month",
            "about that day",
            "exact day",
            "later month"
        ]
    );
    assert_eq!(titles("undated"), ["no date"]);

    let (out, _) = f.export(&case, "generic", "order", &[]);
    let words = pdf_words(&out);
    assert!(
        words.contains("A date known only to the year or month is placed at its first day"),
        "the rule is stated above the chronology: {words}"
    );
    f.cleanup();
}

#[test]
fn the_arrest_section_lists_arrests_not_titles_with_detain_in_them() {
    let f = Fixture::new("chronology-kinds");
    let case = f
        .ok(&["case", "add", "--title", "Kinds v. State"])
        .trim()
        .to_string();
    let taken = event(
        &f,
        &case,
        "Taken from home at night",
        Some("2031-03-12"),
        Some("arrest"),
    );
    event(
        &f,
        &case,
        "Visit to the detainee",
        Some("2031-03-20"),
        Some("communication"),
    );
    event(
        &f,
        &case,
        "Moved to SIZO-1",
        Some("2031-04"),
        Some("transfer"),
    );
    let press = event(
        &f,
        &case,
        "Press conference about the arrest",
        Some("2031-05-02"),
        None,
    );

    // A wrong kind names the right ones and changes nothing; "" takes a kind away.
    let o = f.run(&["event", "edit", &press, "--kind", "detain"]);
    assert!(
        !o.status.success() && stderr(&o).contains("arrest, detention, hearing"),
        "{}",
        stderr(&o)
    );
    let shown = |id: &str| -> Value {
        serde_json::from_str(&f.ok(&["event", "show", id, "--json"])).unwrap()
    };
    assert_eq!(shown(&press)["kind"], Value::Null);
    f.ok(&["event", "edit", &taken, "--kind", "ill-treatment"]);
    assert_eq!(shown(&taken)["kind"], "ill_treatment");
    f.ok(&["event", "edit", &taken, "--kind", ""]);
    assert_eq!(shown(&taken)["kind"], Value::Null);
    f.ok(&["event", "edit", &taken, "--kind", "arrest"]);
    assert_eq!(shown(&taken)["kind"], "arrest");

    let (out, said) = f.export(&case, "wgad", "wgad", &["--lang", "en"]);
    assert!(
        said.contains("1 event(s) have no kind") && said.contains(&press),
        "the user hears of the event without a kind: {said}"
    );
    let words = pdf_words(&out);
    let section = |from: &str, to: &str| -> String {
        let at = words.rfind(from).unwrap_or_else(|| panic!("no {from:?}"));
        let rest = &words[at..];
        rest[..rest.find(to).unwrap_or(rest.len())].to_string()
    };
    let arrest = section("II. Arrest", "III. Detention");
    assert!(arrest.contains("Taken from home at night"), "{arrest}");
    for other in ["Visit to the detainee", "Press conference", "SIZO-1"] {
        assert!(
            !arrest.contains(other),
            "{other:?} is not an arrest: {arrest}"
        );
    }
    let detention = section("III. Detention", "IV. Why");
    assert!(detention.contains("Moved to SIZO-1"), "{detention}");
    assert!(!detention.contains("Visit to the detainee"), "{detention}");
    f.ok(&["verify"]);
    f.cleanup();
}

/// Defect 5: no page is a heading over nothing. A case without a summary or events gets
/// neither heading (the CLI lists them as missing), and every page holds more than a heading
/// and its footer.
#[test]
fn no_page_is_a_heading_over_nothing() {
    let f = Fixture::new("chronology-pages");
    let item = f.import(&[&f.file("decision.txt", "Постановление суда".as_bytes())]);
    let case = f
        .ok(&["case", "add", "--title", "Sparse v. State"])
        .trim()
        .to_string();
    f.ok(&["link", "--case", &case, "--item", &item[0]]);
    let person = f
        .ok(&["person", "add", "--name", "Ерлан Жұмабаев"])
        .trim()
        .to_string();
    f.ok(&[
        "link", "--case", &case, "--person", &person, "--role", "detainee",
    ]);
    for template in ["wgad", "generic"] {
        let (out, said) = f.export(&case, template, template, &[]);
        assert!(
            said.contains("missing: Summary") && said.contains("missing: dated events"),
            "{said}"
        );
        let pages = std::process::Command::new("pdfinfo")
            .arg(&out)
            .output()
            .unwrap();
        let pages: u32 = String::from_utf8_lossy(&pages.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        for page in 1..=pages {
            let text = std::process::Command::new("pdftotext")
                .args(["-f", &page.to_string(), "-l", &page.to_string()])
                .arg(&out)
                .arg("-")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&text.stdout).to_string();
            let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
            // A heading and the two footer lines would be 3.
            assert!(
                lines > 3,
                "{template}: page {page} is nearly empty: {text:?}"
            );
            for heading in ["Summary\n", "Chronology\n"] {
                assert!(
                    !text.starts_with(heading),
                    "{template}: page {page}: {text:?}"
                );
            }
        }
        let words = pdf_words(&out);
        assert!(
            !words.contains("Summary") && !words.contains("Chronology"),
            "{template}: no heading over nothing: {words}"
        );
    }
    f.cleanup();
}
