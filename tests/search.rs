//! Search answers from each index's best matches only: the answer must be the same as from
//! every match, and the passage that says why must show the word, in any spelling.

mod common;

use common::*;
use dossier::register::{Link, NewPerson};
use dossier::search::Query;
use dossier::{SecretString, Vault};
use serde_json::Value;

fn ids(f: &Fixture, args: &[&str]) -> Vec<String> {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = f.run(&all);
    let hits: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Array(vec![]));
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

/// Forty notes, each mentioning "протокол" once more than the last (same length, so each
/// ranks better than the one before). The twenty best are deleted: the five best that remain
/// are notes 19 to 15, whether the search ranks every match or only the best few first.
#[test]
fn the_best_hits_do_not_depend_on_the_limit_when_the_best_matches_are_deleted() {
    let f = Fixture::new("search-limit");
    let files: Vec<_> = (0..40)
        .map(|i| {
            let words: Vec<&str> = (0..40)
                .map(|w| {
                    if w <= i {
                        "протокол"
                    } else {
                        "слово"
                    }
                })
                .collect();
            f.file(&format!("note-{i:02}.txt"), words.join(" ").as_bytes())
        })
        .collect();
    let items = f.import(&files.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    assert_eq!(items.len(), 40);
    let everything = ids(&f, &["протокол", "--limit", "1000"]);
    assert_eq!(everything.len(), 40);
    assert_eq!(
        everything[0], items[39],
        "the note that says it most ranks first"
    );
    for id in &items[20..] {
        f.ok(&["delete", id]);
    }
    let best_five = ids(&f, &["протокол", "--limit", "5"]);
    let expected: Vec<String> = items[15..20].iter().rev().cloned().collect();
    assert_eq!(best_five, expected);
    assert_eq!(
        ids(&f, &["протокол", "--limit", "1000"])[..5],
        expected[..],
        "ranking every match agrees"
    );
    // Limits around the number of matches left, and the item filter, agree too.
    for limit in [1, 19, 20, 21] {
        let got = ids(&f, &["протокол", "--limit", &limit.to_string()]);
        let all = ids(&f, &["протокол", "--limit", "1000"]);
        assert_eq!(got[..], all[..limit.min(20)], "limit {limit}");
        let items_only = ids(
            &f,
            &["протокол", "--kind", "item", "--limit", &limit.to_string()],
        );
        assert_eq!(items_only, got, "limit {limit}, items only");
    }
    f.cleanup();
}

/// The app lists ids only and asks why for the rows on screen: the passage of the item's
/// text, or of its linked person's name in another spelling.
#[test]
fn why_shows_the_matching_passage_in_any_spelling() {
    let f = Fixture::new("search-why");
    // In this process, as the app does: a device's text index is its own.
    let mut vault = Vault::open(&f.vault, &SecretString::from(PASSPHRASE.to_string())).unwrap();
    let items: Vec<String> = [
        f.file(
            "letter.txt",
            "Письмо матери.\nСуд отказал в освобождении под залог; защита обжалует решение."
                .as_bytes(),
        ),
        f.file("scan.txt", b"unrelated words only"),
    ]
    .iter()
    .map(|p| {
        vault
            .import(p, &Default::default(), &dossier::Silent)
            .unwrap()
            .item()
            .id
            .clone()
    })
    .collect();
    let (person, _) = vault
        .add_person(&NewPerson {
            name: "Жұмабаева Әлия".into(),
            ..Default::default()
        })
        .unwrap();
    vault
        .link(&Link::PersonItem {
            person: person.id,
            item: items[1].clone(),
        })
        .unwrap();
    let found = vault
        .search(&Query {
            text: "освобожд".into(),
            kind: Some("item".into()),
            ids_only: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, items[0]);
    assert!(
        found[0].snippet.is_empty() && found[0].label.is_empty(),
        "ids only"
    );
    let why = vault.why("освобожд", &items).unwrap();
    assert_eq!(
        why[0],
        "Суд отказал в [освобождении] под залог; защита обжалует решение."
    );
    assert_eq!(why[1], "", "the scan does not match");
    // У for Ұ, as typed on a Russian keyboard: found and highlighted in the person's line.
    let why = vault.why("Жумабаева", &items[1..]).unwrap();
    assert_eq!(why[0], "Person: [Жұмабаева] Әлия");
    f.cleanup();
}
