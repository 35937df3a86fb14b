//! Submissions as typed fields stored with the case (issue #14): the form each template asks
//! for, values from the case notes until a field is set, checked when saved (yes/no, citations),
//! printed where the body expects them, and logged.

mod common;

use common::*;
use serde_json::Value;

fn form(f: &Fixture, case: &str, template: &str) -> Vec<Value> {
    let o = f.run(&[
        "submission",
        "show",
        "--case",
        case,
        "--template",
        template,
        "--json",
    ]);
    serde_json::from_slice::<Value>(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)))
        .as_array()
        .unwrap()
        .clone()
}

fn field<'a>(form: &'a [Value], key: &str) -> &'a Value {
    form.iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("no field {key}"))
}

fn export(f: &Fixture, case: &str, template: &str) -> (String, String) {
    let (out, said) = f.export(case, template, template, &[]);
    (pdf_words(&out), said)
}

#[test]
fn the_form_is_filled_checked_printed_and_logged() {
    let f = Fixture::new("submission");
    let item = f.import(&[&f.file("decision.txt", "Постановление".as_bytes())]);
    let case = f
        .ok(&[
            "case",
            "add",
            "--title",
            "Form v. State",
            "--notes",
            "## arrest\nFrom the old notes.\n## remedies\nAppeal rejected.",
        ])
        .trim()
        .to_string();

    // The notes' sections fill the form until a field is set.
    let wgad = form(&f, &case, "wgad");
    assert_eq!(field(&wgad, "arrest")["origin"], "case_notes");
    assert_eq!(field(&wgad, "arrest")["value"], "From the old notes.");
    assert_eq!(field(&wgad, "source consent")["kind"], "yes_no");
    let o = f.run(&["submission", "show", "--case", &case, "--template", "wgad"]);
    assert_eq!(o.status.code(), Some(1), "required fields are empty");
    assert!(
        stderr(&o).contains("required and empty: summary, identity"),
        "{}",
        stderr(&o)
    );

    let set = |args: &[&str]| {
        let mut all = vec!["submission", "set", "--case", &case];
        all.extend(args);
        f.run(&all)
    };
    assert!(
        set(&["arrest", &format!("Taken at night [item:{}].", item[0])])
            .status
            .success()
    );
    assert!(set(&["source consent", "yes"]).status.success());
    assert!(set(&["source confidential", "No"]).status.success());
    assert!(set(&["urgent action", "yes"]).status.success());
    assert!(
        set(&["urgent reason", "He is denied insulin."])
            .status
            .success()
    );

    // Checked when saved: nothing changes on a bad answer or a citation of nothing.
    let o = set(&["source consent", "perhaps"]);
    assert!(
        !o.status.success() && stderr(&o).contains("yes or no"),
        "{}",
        stderr(&o)
    );
    let o = set(&["remedies", "See [item:ffffffff]."]);
    assert!(
        !o.status.success() && stderr(&o).contains("[item:ffffffff]"),
        "{}",
        stderr(&o)
    );
    let o = set(&["no such thing", "x"]);
    assert!(!o.status.success(), "{}", stderr(&o));
    let wgad = form(&f, &case, "wgad");
    assert_eq!(field(&wgad, "arrest")["origin"], "field");
    assert_eq!(field(&wgad, "source consent")["value"], "yes");
    assert_eq!(field(&wgad, "source confidential")["value"], "no");
    assert_eq!(field(&wgad, "remedies")["value"], "Appeal rejected.");

    let (words, _) = export(&f, &case, "wgad");
    for expected in [
        "Taken at night A1.",
        "Urgent action requested: He is denied insulin.",
        "Consent of the person detained or the family",
        "Keep the source's identity confidential",
        "Appeal rejected.",
    ] {
        assert!(words.contains(expected), "{expected:?} in {words}");
    }
    assert!(
        !words.contains("From the old notes."),
        "the field wins: {words}"
    );

    // Cleared, the notes' section is used again.
    assert!(set(&["arrest", "--clear"]).status.success());
    assert_eq!(
        field(&form(&f, &case, "wgad"), "arrest")["origin"],
        "case_notes"
    );

    // EP: an ineligible petitioner is told to the user; PACE: the signatories are printed.
    assert!(set(&["petitioner eligible", "no"]).status.success());
    let (_, said) = export(&f, &case, "ep");
    assert!(said.contains("inadmissible"), "{said}");
    assert!(
        set(&["signatories", "Әлия Жұмабаева, Rue X 1, 1000 Brussels"])
            .status
            .success()
    );
    let (words, said) = export(&f, &case, "pace");
    assert!(words.contains("Rue X 1, 1000 Brussels"), "{words}");
    assert!(!said.contains("signatories"), "{said}");

    // Every change is in the custody log.
    let log: Value = serde_json::from_str(&f.ok(&["log", "--json"])).unwrap();
    let changes = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["detail"]
                .as_str()
                .is_some_and(|d| d.contains("submission_field"))
        })
        .count();
    assert_eq!(changes, 8, "{log}");
    f.ok(&["verify"]);
    f.cleanup();
}
