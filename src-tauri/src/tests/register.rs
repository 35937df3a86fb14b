//! Cases, people, events and links, and what the library and search show of them.

use super::*;

#[test]
fn register_links_search_and_the_library_agree() {
    let scratch = Scratch::new("register");
    let state = unlocked(&scratch);
    let letter = scratch.file(
        "letter.txt",
        "Постановление о задержании Жұмабаев".as_bytes(),
    );
    let id = import(&state, &[&letter]).ids[0].clone();
    let case = state
        .add_case(titled_case("Жұмабаев v. Kazakhstan"))
        .unwrap();
    let person = state
        .add_person(NewPersonInput {
            name: "Ерлан Жұмабаев".into(),
            aliases: vec!["Erlan Zhumabayev".into(), " ".into()],
            born: "~1984".into(),
            nationality: "KZ".into(),
            notes: String::new(),
        })
        .unwrap();
    let bad = state.add_event(NewEventInput {
        case_id: Some(case.id.clone()),
        title: "Arrest".into(),
        kind: Some(EventKind::Arrest),
        date: "12 March".into(),
        end: String::new(),
        place: String::new(),
        description: String::new(),
        people: vec![],
        items: vec![],
    });
    let err = bad.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.starts_with("date:"), "{}", err.message);
    assert_eq!(
        err.key, None,
        "only the core's words say what is wrong with a date"
    );
    state
        .add_event(NewEventInput {
            case_id: Some(case.id.clone()),
            title: "Arrest".into(),
            kind: Some(EventKind::Arrest),
            date: "~2031-03".into(),
            end: String::new(),
            place: "Almaty".into(),
            description: String::new(),
            people: vec![person.id.clone()],
            items: vec![],
        })
        .unwrap();
    state
        .link(Link::CaseItem {
            case: case.id.clone(),
            item: id.clone(),
        })
        .unwrap();
    state
        .link(Link::CasePerson {
            case: case.id.clone(),
            person: person.id.clone(),
            role: "detainee".into(),
        })
        .unwrap();
    let row = &state.library().unwrap()[0];
    assert_eq!(
        row.cases,
        vec![case.id.clone()],
        "the library shows the linked case"
    );
    let view = state.case_view(&case.id).unwrap();
    assert_eq!(view.chronology.len(), 1);
    assert!(view.chronology[0].approximate);
    assert_eq!(
        view.chronology[0].kind,
        Some(EventKind::Arrest),
        "the kind chosen in the form is kept"
    );
    assert_eq!(view.people[0].roles, ["detainee"]);
    let search = |text: &str, kind: &str| {
        state
            .search(crate::commands::library::SearchInput {
                text: text.into(),
                kind: Some(kind.into()),
                ..Default::default()
            })
            .unwrap()
    };
    let hits = search("задержании", "item");
    assert_eq!(hits.len(), 1, "the document's text is searched: {hits:?}");
    assert_eq!(hits[0].id, id);
    let hits = search("zhumabaev", "case");
    assert_eq!(hits.len(), 1, "Latin finds the Kazakh title: {hits:?}");
    let detail = state.item_detail(&id).unwrap();
    assert_eq!(detail.links.cases[0].id, case.id);
    assert!(detail.text.unwrap().contains("Постановление"));
    assert!(detail.custody.iter().any(|e| e.action == "import"));
    assert_eq!(
        detail.document_date, None,
        "a text file dates nothing itself"
    );
    state.set_item_date(&id, "~2031-03".into()).unwrap();
    let dated = state.item_detail(&id).unwrap().document_date.unwrap();
    assert_eq!(
        (dated.date.as_str(), dated.origin),
        ("~2031-03", DateOrigin::Stated)
    );
    let refused = state.set_item_date(&id, "March 2031".into());
    assert!(refused.is_err(), "{refused:?}");
    state.set_item_date(&id, String::new()).unwrap();
    assert_eq!(state.item_detail(&id).unwrap().document_date, None);
    state
        .unlink(Link::CaseItem {
            case: case.id.clone(),
            item: id.clone(),
        })
        .unwrap();
    assert!(state.library().unwrap()[0].cases.is_empty());
    let edited = state
        .edit_case(
            &case.id,
            CaseEditInput {
                notes: Some("## facts\nDetained [item:".to_owned() + &id + "]"),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(edited.notes.contains(&id));
    let lists = state.lists().unwrap();
    assert_eq!(lists.cases.len(), 1);
    assert_eq!(lists.people[0].label, "Ерлан Жұмабаев");

    // Mistakes undone: the event deleted (its evidence stays), the person off the case.
    let event = state.case_view(&case.id).unwrap().chronology[0].id.clone();
    state.delete_event(&event).unwrap();
    state
        .unlink(Link::CasePerson {
            case: case.id.clone(),
            person: person.id.clone(),
            role: "detainee".into(),
        })
        .unwrap();
    let view = state.case_view(&case.id).unwrap();
    assert!(view.chronology.is_empty() && view.people.is_empty());
    assert_eq!(state.library().unwrap().len(), 1, "the evidence stays");
}

#[test]
fn a_person_is_corrected_and_removed_from_the_app() {
    let scratch = Scratch::new("person-edit");
    let state = unlocked(&scratch);
    let added = state
        .add_person(NewPersonInput {
            name: "Ерлан Жумабаев".into(),
            aliases: vec!["Erlan Zhumabaev".into()],
            born: "1984".into(),
            nationality: "KZ".into(),
            notes: String::new(),
        })
        .unwrap();
    // The form sends every field; the alias list is the whole new list.
    let edited = state
        .edit_person(
            &added.id,
            NewPersonInput {
                name: "Ерлан Жұмабаев".into(),
                aliases: vec!["Yerlan Zhumabayev".into(), " ".into()],
                born: String::new(),
                nationality: "Kazakhstan".into(),
                notes: "Brother of the source".into(),
            },
        )
        .unwrap();
    assert_eq!(edited.name, "Ерлан Жұмабаев");
    assert_eq!(edited.aliases, ["Yerlan Zhumabayev"]);
    assert_eq!(
        edited.born.as_deref(),
        Some("1984"),
        "an empty birth date keeps it"
    );
    assert_eq!(edited.nationality, "Kazakhstan");
    let refused = state.edit_person(
        &added.id,
        NewPersonInput {
            name: "  ".into(),
            aliases: vec![],
            born: String::new(),
            nationality: String::new(),
            notes: String::new(),
        },
    );
    assert_eq!(refused.unwrap_err().code, ErrorCode::InvalidInput);
    state.delete_person(&added.id).unwrap();
    assert!(state.people().unwrap().is_empty());
    assert!(state.person_view(&added.id).is_err());
}

#[test]
fn a_case_and_its_events_are_corrected_or_deleted_from_the_app() {
    let scratch = Scratch::new("case-edit");
    let state = unlocked(&scratch);
    let number = |number: &str, authority: &str| CaseNumberInput {
        number: number.into(),
        authority: authority.into(),
    };
    let case = state
        .add_case(NewCaseInput {
            title: "Zhumabayev v. Kazakhtsan".into(),
            numbers: vec![number("2-1547/2031", "Almaty"), number("WGAD 12/2031", "")],
            court: String::new(),
            status: String::new(),
            notes: String::new(),
        })
        .unwrap();
    // A typo in the title and a number corrected; the other number kept; one added.
    state
        .edit_case(
            &case.id,
            CaseEditInput {
                title: Some("Zhumabayev v. Kazakhstan".into()),
                numbers: Some(vec![
                    number("2-1547/2031", "Almaty City Court"),
                    number("WGAD 12/2031", ""),
                    number("", ""),
                    number("PACE 7/2031", "PACE"),
                ]),
                ..Default::default()
            },
        )
        .unwrap();
    let view = state.case_view(&case.id).unwrap();
    assert_eq!(view.case.title, "Zhumabayev v. Kazakhstan");
    let numbers: Vec<(String, String)> = view
        .case
        .numbers
        .iter()
        .map(|n| (n.number.clone(), n.authority.clone()))
        .collect();
    assert_eq!(numbers.len(), 3, "{numbers:?}");
    assert!(numbers.contains(&("2-1547/2031".into(), "Almaty City Court".into())));
    assert!(numbers.contains(&("PACE 7/2031".into(), "PACE".into())));

    let event = state
        .add_event(NewEventInput {
            case_id: Some(case.id.clone()),
            title: "Arest".into(),
            kind: None,
            date: "2031-03-12".into(),
            end: String::new(),
            place: String::new(),
            description: String::new(),
            people: vec![],
            items: vec![],
        })
        .unwrap();
    let edited = state
        .edit_event(
            &event,
            EventEditInput {
                title: "Arrest at home".into(),
                kind: Some(EventKind::Arrest),
                date: "~12.03.2031".into(),
                end: String::new(),
                place: "Almaty".into(),
                description: String::new(),
            },
        )
        .unwrap();
    assert_eq!(edited.title, "Arrest at home");
    assert!(edited.approximate, "the ~ is kept");
    assert_eq!(edited.place, "Almaty");
    assert_eq!(
        state
            .edit_event(
                &event,
                EventEditInput {
                    title: "x".into(),
                    kind: None,
                    date: "31.02.2031".into(),
                    end: String::new(),
                    place: String::new(),
                    description: String::new(),
                },
            )
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput,
        "an impossible date is refused, and nothing changes"
    );
    assert_eq!(
        state.case_view(&case.id).unwrap().chronology[0].title,
        "Arrest at home"
    );

    state.delete_case(&case.id).unwrap();
    assert!(state.cases().unwrap().is_empty());
    assert!(state.case_view(&case.id).is_err());
}

/// A core error reaches the UI with its kind and values, so the UI's catalogue can say it in
/// the user's language (#15: core messages were English only).
#[test]
fn errors_carry_their_kind_and_values_for_the_ui_to_translate() {
    let scratch = Scratch::new("errorkinds");
    let state = unlocked(&scratch);
    let err = state.delete_person("ffffffff").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(err.key, Some(MessageKey::NoSuchEntity), "{}", err.message);
    // As the UI receives it: the key as the catalogues name it.
    assert_eq!(serde_json::to_value(&err).unwrap()["key"], "no_such_entity");
    assert_eq!(err.args, ["person", "ffffffff"]);
    let err = state.item_detail("0123456789abcdef").unwrap_err();
    assert_eq!(err.key, Some(MessageKey::NoSuchItem), "{}", err.message);
    assert_eq!(err.args, ["0123456789abcdef"]);
}
