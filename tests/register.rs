//! The register (issue #4): cases, people, events, links, search, through the CLI.

mod common;

use common::*;
use serde_json::Value;

fn json(f: &Fixture, args: &[&str]) -> Value {
    serde_json::from_str(&f.ok(args)).unwrap()
}

/// An invented case with the shape of the real ones: several numbers and jurisdictions,
/// charges, a detainee with Cyrillic and Latin spellings, dated events of every precision.
struct World {
    case: String,
    detainee: String,
    lawyer: String,
    arrest: String,
    verdict_item: String,
    photo_item: String,
}

fn world(f: &Fixture) -> World {
    let verdict = f.file(
        "Приговор.pdf",
        "Приговор суда по делу Жұмабаевой Әлии".as_bytes(),
    );
    let photo = f.file("IMG_0001.jpg", &noise(5000, 1));
    let unrelated = f.file("unrelated.txt", b"nothing to do with it");
    let ids = f.import(&[&verdict, &photo, &unrelated]);
    let case = f.ok(&[
        "case",
        "add",
        "--title",
        "Жұмабаева v. Kazakhstan",
        "--number",
        "№ 2-1547/2031",
        "--jurisdiction",
        "Алматинский городской суд",
        "--number",
        "WGAD Opinion No. 77/2031",
        "--jurisdiction",
        "UN WGAD",
        "--court",
        "Almaty City Court",
        "--charge",
        "Art. 174(2) CC RK=incitement of discord",
        "--status",
        "detained",
    ]);
    let case = case.trim().to_string();
    let detainee = f
        .ok(&[
            "person",
            "add",
            "--name",
            "Жұмабаева Әлия Серікқызы",
            "--alias",
            "Zhumabayeva Aliya",
            "--born",
            "1988-04",
        ])
        .trim()
        .to_string();
    let lawyer = f
        .ok(&[
            "person",
            "add",
            "--name",
            "Омарова Дана",
            "--nationality",
            "Kazakhstan",
        ])
        .trim()
        .to_string();
    f.ok(&[
        "link", "--case", &case, "--person", &detainee, "--role", "detainee",
    ]);
    f.ok(&[
        "link", "--case", &case, "--person", &lawyer, "--role", "lawyer",
    ]);
    f.ok(&["link", "--case", &case, "--item", &ids[0]]);
    let arrest = f
        .ok(&[
            "event",
            "add",
            "--case",
            &case,
            "--date",
            "2031-03-12",
            "--title",
            "Арест",
            "--place",
            "Алматы",
            "--person",
            &detainee,
            "--item",
            &ids[1],
        ])
        .trim()
        .to_string();
    f.ok(&[
        "event",
        "add",
        "--case",
        &case,
        "--date",
        "2031",
        "--title",
        "Interrogations",
    ]);
    f.ok(&[
        "event",
        "add",
        "--case",
        &case,
        "--date",
        "~2031-02",
        "--title",
        "Threats by phone",
    ]);
    f.ok(&[
        "event",
        "add",
        "--case",
        &case,
        "--title",
        "Search of the flat (date unknown)",
    ]);
    f.ok(&[
        "event",
        "add",
        "--case",
        &case,
        "--date",
        "2031-05-03",
        "--end",
        "2031-05-20",
        "--title",
        "Trial",
    ]);
    World {
        case,
        detainee,
        lawyer,
        arrest,
        verdict_item: ids[0].clone(),
        photo_item: ids[1].clone(),
    }
}

#[test]
fn a_case_page_shows_people_roles_chronology_and_evidence() {
    let f = Fixture::new("casepage");
    let w = world(&f);
    let v = json(&f, &["case", "show", &w.case, "--json"]);
    assert_eq!(v["title"], "Жұмабаева v. Kazakhstan");
    assert_eq!(v["numbers"][1]["authority"], "UN WGAD");
    assert_eq!(v["charges"][0]["description"], "incitement of discord");
    let people: Vec<(&str, &str)> = v["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["roles"][0].as_str().unwrap()))
        .collect();
    assert!(
        people.contains(&(w.detainee.as_str(), "detainee"))
            && people.contains(&(w.lawyer.as_str(), "lawyer"))
    );

    // Sorted by the first day each date could mean; the undated event apart.
    let dates: Vec<&str> = v["chronology"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2031", "~2031-02", "2031-03-12", "2031-05-03"]);
    let precisions: Vec<&str> = v["chronology"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["precision"].as_str().unwrap())
        .collect();
    assert_eq!(precisions, ["year", "month", "day", "day"]);
    assert_eq!(v["chronology"][1]["approximate"], true);
    assert_eq!(
        v["undated"][0]["title"],
        "Search of the flat (date unknown)"
    );

    // Evidence: linked directly, and through the arrest event.
    let items: Vec<(&str, &str)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i["via"][0].as_str().unwrap()))
        .collect();
    assert!(items.contains(&(w.verdict_item.as_str(), "direct")));
    assert!(items.contains(&(w.photo_item.as_str(), &*format!("event {}", w.arrest))));
    assert_eq!(items.len(), 2, "the unrelated item is not on the case page");

    let text = f.ok(&["case", "show", &w.case]);
    assert!(
        text.contains("Undated") && text.contains("~2031-02") && text.contains("detainee"),
        "{text}"
    );
    f.cleanup();
}

#[test]
fn links_show_from_both_sides() {
    let f = Fixture::new("links");
    let w = world(&f);
    let p = json(&f, &["person", "show", &w.detainee, "--json"]);
    assert_eq!(p["cases"][0]["id"], w.case.as_str());
    assert_eq!(p["cases"][0]["roles"][0], "detainee");
    assert_eq!(p["events"][0]["id"], w.arrest.as_str());
    assert_eq!(
        p["items"][0]["id"],
        w.photo_item.as_str(),
        "evidence of their events"
    );
    let item = json(&f, &["show", &w.photo_item, "--json"]);
    assert_eq!(item["links"]["events"][0]["id"], w.arrest.as_str());
    let item = json(&f, &["show", &w.verdict_item, "--json"]);
    assert_eq!(item["links"]["cases"][0]["id"], w.case.as_str());
    f.ok(&["link", "--person", &w.lawyer, "--item", &w.verdict_item]);
    let item = json(&f, &["show", &w.verdict_item, "--json"]);
    assert_eq!(item["links"]["people"][0]["id"], w.lawyer.as_str());
    f.ok(&["unlink", "--person", &w.lawyer, "--item", &w.verdict_item]);
    let item = json(&f, &["show", &w.verdict_item, "--json"]);
    assert!(item["links"]["people"].as_array().unwrap().is_empty());
    f.cleanup();
}

#[test]
fn search_finds_cyrillic_kazakh_and_transliterations_case_insensitively() {
    let f = Fixture::new("search");
    let w = world(&f);
    let hits = |q: &str, extra: &[&str]| -> Vec<(String, String)> {
        let mut args = vec!["search", q, "--json"];
        args.extend_from_slice(extra);
        let out = f.run(&args);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Array(vec![]));
        v.as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["kind"].as_str().unwrap().to_string(),
                    h["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let person = ("person".to_string(), w.detainee.clone());
    // As written, in another case, with Kazakh letters, by prefix.
    assert!(hits("Жұмабаева", &[]).contains(&person));
    assert!(
        hits("ЖҰМАБАЕВА", &[]).contains(&person),
        "case-insensitive Cyrillic"
    );
    assert!(hits("Әлия", &[]).contains(&person), "Kazakh letters");
    assert!(hits("Жұма", &[]).contains(&person), "prefix");
    // Transliterations both ways: Latin finds Cyrillic, Cyrillic finds Latin.
    assert!(hits("Zhumabaeva", &[]).contains(&person));
    assert!(hits("Jumabayeva", &[]).contains(&person));
    assert!(hits("Омарова", &[]).contains(&("person".into(), w.lawyer.clone())));
    assert!(hits("Omarova", &[]).contains(&("person".into(), w.lawyer.clone())));
    // Case numbers with punctuation, courts, charges, events, items.
    assert!(hits("2-1547/2031", &[]).contains(&("case".into(), w.case.clone())));
    assert!(hits("77/2031", &[]).contains(&("case".into(), w.case.clone())));
    assert!(hits("incitement", &[]).contains(&("case".into(), w.case.clone())));
    assert!(hits("арест алматы", &[]).contains(&("event".into(), w.arrest.clone())));
    assert!(hits("приговор", &[]).contains(&("item".into(), w.verdict_item.clone())));
    // Filters.
    assert!(
        hits("Zhumabaeva", &["--kind", "case"])
            .iter()
            .all(|h| h.0 == "case")
    );
    let in_case = hits("unrelated", &["--case", &w.case]);
    assert!(
        in_case.is_empty(),
        "the unrelated item is not linked to the case: {in_case:?}"
    );
    assert!(!hits("unrelated", &[]).is_empty());
    assert!(
        hits("арест", &["--from", "2031-04"]).is_empty(),
        "the arrest was in March"
    );
    assert!(!hits("арест", &["--from", "2031-03", "--to", "2031-03"]).is_empty());
    // A snippet marks the match; nothing found is exit 1.
    let out = f.run(&["search", "Interrogations"]);
    assert!(
        stdout(&out).contains("[Interrogations]"),
        "{}",
        stdout(&out)
    );
    assert_eq!(f.run(&["search", "nonexistentword"]).status.code(), Some(1));
    f.cleanup();
}

#[test]
fn adding_a_person_twice_in_another_script_suggests_the_duplicate() {
    let f = Fixture::new("dupperson");
    let first = f
        .ok(&["person", "add", "--name", "Ерімбетов Искандер"])
        .trim()
        .to_string();
    let out = f.run(&["person", "add", "--name", "Iskander Yerimbetov"]);
    assert!(out.status.success(), "added anyway: the user decides");
    assert!(
        stderr(&out).contains("possible duplicate") && stderr(&out).contains(&first),
        "{}",
        stderr(&out)
    );
    let out = f.run(&["person", "add", "--name", "Омарова Дана"]);
    assert!(
        !stderr(&out).contains("possible duplicate"),
        "{}",
        stderr(&out)
    );
    f.cleanup();
}

#[test]
fn deleting_entities_never_deletes_evidence_and_everything_is_logged() {
    let f = Fixture::new("regdelete");
    let w = world(&f);
    f.ok(&["event", "delete", &w.arrest]);
    f.ok(&["person", "delete", &w.lawyer]);
    f.ok(&[
        "case",
        "edit",
        &w.case,
        "--status",
        "released",
        "--add-number",
        "А-99",
        "--jurisdiction",
        "Supreme Court",
    ]);
    f.ok(&["case", "delete", &w.case]);
    let items = f.list_json();
    assert_eq!(items.len(), 3, "all evidence is still there");
    assert!(items.iter().all(|i| i["status"] == "active"));
    f.ok(&["verify"]);
    let log: Vec<Value> = serde_json::from_str(&f.ok(&["log", "--json"])).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["add", "link", "edit", "delete"] {
        assert!(actions.contains(&a), "{a} is logged: {actions:?}");
    }
    // The deleted case's record survives in the log, its events included.
    let last = log.iter().rev().find(|e| e["action"] == "delete").unwrap();
    let detail: Value = serde_json::from_str(last["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["case"]["title"], "Жұмабаева v. Kazakhstan");
    assert!(detail["case"]["chronology"].as_array().unwrap().len() >= 3);
    assert!(f.ok(&["case", "list"]).trim().is_empty());
    f.cleanup();
}

#[test]
fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let f = Fixture::new("regbad");
    let w = world(&f);
    let before = f.vault_files();
    let cases: &[(&[&str], &str)] = &[
        (&["case", "show", "ffffffff"], "no case with id"),
        (
            &[
                "event", "add", "--case", "abcdef", "--date", "2031", "--title", "x",
            ],
            "no case with id",
        ),
        (
            &[
                "event", "add", "--case", &w.case, "--date", "2031-13", "--title", "x",
            ],
            "is not a date",
        ),
        (
            &[
                "event",
                "add",
                "--case",
                &w.case,
                "--date",
                "2031-02-30",
                "--title",
                "x",
            ],
            "is not a date",
        ),
        (
            &[
                "event", "add", "--case", &w.case, "--date", "2031", "--title", "  ",
            ],
            "cannot be empty",
        ),
        (
            &[
                "event", "add", "--case", &w.case, "--date", "2031-05", "--end", "2031-04",
                "--title", "x",
            ],
            "ends",
        ),
        (&["case", "add", "--title", ""], "cannot be empty"),
        (
            &["person", "add", "--name", "x", "--born", "yesterday"],
            "is not a date",
        ),
        (
            &["link", "--case", &w.case, "--item", "ffffffff"],
            "no item with id",
        ),
        (&["link", "--case", &w.case], "name exactly two ends"),
        (
            &["unlink", "--person", &w.lawyer, "--item", &w.photo_item],
            "no such person-item link",
        ),
        (&["search", "--kind", "item"], "no words"),
    ];
    for (args, says) in cases {
        let out = f.run(args);
        assert_ne!(out.status.code(), Some(0), "{args:?} must fail");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
    }
    assert_eq!(before, f.vault_files(), "failed commands change no byte");
    f.cleanup();
}

/// An item is found by the case it belongs to and the people of that case, in every spelling
/// the register knows (#15: "Жұмабаева" gave "Nothing matches" for items linked to her case),
/// and the snippet says why; a changed link or name changes what finds it.
#[test]
fn items_are_found_by_their_cases_and_people() {
    let f = Fixture::new("search-linked");
    let item = f
        .import(&[&f.file("scan-0001.jpg", &noise(2_000, 9))])
        .remove(0);
    let case = f
        .ok(&["case", "add", "--title", "Zhumabayeva v. Kazakhstan"])
        .trim()
        .to_string();
    let sister = f
        .ok(&[
            "person",
            "add",
            "--name",
            "Жұмабаева Әлия",
            "--alias",
            "Zhumabayeva Aliya",
        ])
        .trim()
        .to_string();
    f.ok(&["link", "--case", &case, "--item", &item]);
    f.ok(&[
        "link", "--case", &case, "--person", &sister, "--role", "source",
    ]);
    let items = |q: &str| -> Vec<Value> {
        let out = f.run(&["search", q, "--kind", "item", "--json"]);
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap_or(Value::Array(vec![]))
            .as_array()
            .unwrap()
            .clone()
    };
    for q in [
        "Kazakhstan",
        "Жұмабаева",
        "Жумабаева",
        "Zhumabayeva",
        "Aliya",
    ] {
        let hits = items(q);
        assert!(
            hits.iter().any(|h| h["id"] == item.as_str()),
            "{q}: {hits:?}"
        );
    }
    // The snippet shows the line that matched, even when it matched in another spelling.
    let why = items("Жумабаева")[0]["snippet"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        why.starts_with("Case:") || why.starts_with("Person:"),
        "{why}"
    );
    let why = items("Aliya")[0]["snippet"].as_str().unwrap().to_string();
    assert!(why.contains("[Aliya]"), "{why}");
    // Renamed, the new name finds it; taken off the case, her name no longer does.
    f.ok(&["person", "edit", &sister, "--name", "Айгерим Жұмабаева"]);
    assert!(items("Айгерим").iter().any(|h| h["id"] == item.as_str()));
    f.ok(&[
        "unlink", "--case", &case, "--person", &sister, "--role", "source",
    ]);
    assert!(items("Aliya").is_empty(), "{:?}", items("Aliya"));
    assert!(!items("Kazakhstan").is_empty(), "the case still finds it");
    f.cleanup();
}

/// "Link selected to…" (#15, item 3): many items join a case in one change, the one journal
/// segment it writes; if one of them does not exist, none is linked and no byte changes.
#[test]
fn many_items_link_in_one_change_or_none_do() {
    let f = Fixture::new("linkmany");
    let files: Vec<_> = (0..3)
        .map(|k| f.file(&format!("scan-{k}.jpg"), &noise(1_000, k)))
        .collect();
    let ids = f.import(&files.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    let case = f
        .ok(&["case", "add", "--title", "Жұмабаева v. Kazakhstan"])
        .trim()
        .to_string();
    let linked = |f: &Fixture| -> Vec<String> {
        let mut ids: Vec<String> = json(f, &["case", "show", &case, "--json"])["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };

    let before = f.vault_files();
    let out = f.run(&[
        "link", "--case", &case, "--item", &ids[0], "--item", "ffffffff", "--item", &ids[2],
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("no item with id"), "{}", stderr(&out));
    assert_eq!(before, f.vault_files(), "a refused link changes no byte");
    assert!(linked(&f).is_empty());

    let segments = |f: &Fixture| {
        f.vault_files()
            .iter()
            .filter(|(p, _)| p.components().any(|c| c.as_os_str() == "journal"))
            .count()
    };
    let n = segments(&f);
    f.ok(&[
        "link", "--case", &case, "--item", &ids[0], "--item", &ids[1], "--item", &ids[2],
    ]);
    let mut want = ids.clone();
    want.sort();
    assert_eq!(linked(&f), want);
    assert_eq!(segments(&f), n + 1, "one change, one segment");
    let log: Vec<Value> = serde_json::from_str(&f.ok(&["log", "--json"])).unwrap();
    let links = log.iter().filter(|e| e["action"] == "link").count();
    assert_eq!(links, 3, "each link has its custody entry");
    // Linking again is not an error and records nothing.
    f.ok(&["link", "--case", &case, "--item", &ids[1]]);
    assert_eq!(segments(&f), n + 1);
    f.ok(&["verify"]);
    f.cleanup();
}
