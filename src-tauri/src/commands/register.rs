//! Cases, people and events.

use dossier::register::{
    Case, CaseEdit, CaseNumber, CaseView, Event, EventEdit, NewCase, NewEvent, NewPerson, Person,
    PersonEdit, PersonView, Ref,
};
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::{
    CaseEditInput, EventEditInput, Lists, NewCaseInput, NewEventInput, NewPersonInput, PersonAdded,
    parse_date,
};

impl AppState {
    pub fn cases(&self) -> ApiResult<Vec<Case>> {
        self.with_vault(|v| v.cases())
    }

    pub fn people(&self) -> ApiResult<Vec<Person>> {
        self.with_vault(|v| v.people())
    }

    /// Case titles and people's names, for pickers and filters.
    pub fn lists(&self) -> ApiResult<Lists> {
        self.with_vault(|v| {
            Ok(Lists {
                cases: v
                    .cases()?
                    .into_iter()
                    .map(|c| Ref {
                        id: c.id,
                        label: c.title,
                    })
                    .collect(),
                people: v
                    .people()?
                    .into_iter()
                    .map(|p| Ref {
                        id: p.id,
                        label: p.name,
                    })
                    .collect(),
            })
        })
    }

    pub fn case_view(&self, id: &str) -> ApiResult<CaseView> {
        self.with_vault(|v| v.case_view(id))
    }

    pub fn person_view(&self, id: &str) -> ApiResult<PersonView> {
        self.with_vault(|v| v.person_view(id))
    }

    pub fn add_case(&self, input: NewCaseInput) -> ApiResult<Case> {
        let new = NewCase {
            title: input.title,
            numbers: input
                .numbers
                .into_iter()
                .filter(|n| !n.number.trim().is_empty())
                .map(Into::into)
                .collect(),
            court: input.court,
            charges: Vec::new(),
            status: input.status,
            notes: input.notes,
        };
        self.with_vault(|v| v.add_case(&new))
    }

    pub fn edit_case(&self, id: &str, input: CaseEditInput) -> ApiResult<Case> {
        let mut edit = CaseEdit {
            title: input.title,
            court: input.court,
            status: input.status,
            notes: input.notes,
            ..Default::default()
        };
        self.with_vault(|v| {
            // The form sends the list as it should be: drop what went, add what is new.
            if let Some(wanted) = input.numbers {
                let wanted: Vec<CaseNumber> = wanted
                    .into_iter()
                    .filter(|n| !n.number.trim().is_empty())
                    .map(Into::into)
                    .collect();
                let have = v.case_view(id)?.case.numbers;
                edit.remove_numbers = have
                    .iter()
                    .filter(|h| !wanted.contains(h))
                    .map(|h| h.number.clone())
                    .collect();
                edit.add_numbers = wanted.into_iter().filter(|w| !have.contains(w)).collect();
            }
            v.edit_case(id, &edit)
        })
    }

    /// Deletes a case with its events and links; its evidence and people stay.
    pub fn delete_case(&self, id: &str) -> ApiResult<Case> {
        self.with_vault(|v| v.delete_case(id))
    }

    pub fn edit_event(&self, id: &str, input: EventEditInput) -> ApiResult<Event> {
        let edit = EventEdit {
            title: Some(input.title),
            kind: Some(input.kind),
            date: Some(parse_date("date", Some(&input.date))?),
            end: Some(parse_date("end", Some(&input.end))?),
            place: Some(input.place),
            description: Some(input.description),
        };
        self.with_vault(|v| v.edit_event(id, &edit))
    }

    pub fn add_person(&self, input: NewPersonInput) -> ApiResult<PersonAdded> {
        let new = NewPerson {
            name: input.name,
            aliases: input
                .aliases
                .into_iter()
                .filter(|a| !a.trim().is_empty())
                .collect(),
            born: parse_date("born", Some(&input.born))?,
            nationality: input.nationality,
            notes: input.notes,
        };
        let (person, possible_duplicates) = self.with_vault(|v| v.add_person(&new))?;
        Ok(PersonAdded {
            id: person.id,
            possible_duplicates,
        })
    }

    /// Corrects a person: the form sends every field; aliases are the whole new list. A birth
    /// date left empty stays as it was.
    pub fn edit_person(&self, id: &str, input: NewPersonInput) -> ApiResult<Person> {
        let current = self.with_vault(|v| v.person_view(id))?;
        let wanted: Vec<String> = input
            .aliases
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        let edit = PersonEdit {
            name: Some(input.name),
            add_aliases: wanted
                .iter()
                .filter(|a| !current.person.aliases.contains(a))
                .cloned()
                .collect(),
            remove_aliases: current
                .person
                .aliases
                .iter()
                .filter(|a| !wanted.contains(a))
                .cloned()
                .collect(),
            born: parse_date("born", Some(&input.born))?,
            nationality: Some(input.nationality),
            notes: Some(input.notes),
        };
        self.with_vault(|v| v.edit_person(id, &edit))
    }

    /// Removes a person and their links (to cases, events and evidence); no evidence is
    /// deleted, and the custody log keeps what was removed.
    pub fn delete_person(&self, id: &str) -> ApiResult<Person> {
        self.with_vault(|v| v.delete_person(id))
    }

    /// Deletes an event and its links; its evidence and people stay.
    pub fn delete_event(&self, id: &str) -> ApiResult<Event> {
        self.with_vault(|v| v.delete_event(id))
    }

    pub fn add_event(&self, input: NewEventInput) -> ApiResult<String> {
        let new = NewEvent {
            case_id: input.case_id.filter(|c| !c.is_empty()),
            title: input.title,
            kind: input.kind,
            date: parse_date("date", Some(&input.date))?,
            end: parse_date("end", Some(&input.end))?,
            place: input.place,
            description: input.description,
            people: input.people,
            items: input.items,
        };
        Ok(self.with_vault(|v| v.add_event(&new))?.id)
    }
}

#[tauri::command(async)]
pub fn cases(state: State<'_, AppState>) -> ApiResult<Vec<Case>> {
    state.cases()
}

#[tauri::command(async)]
pub fn people(state: State<'_, AppState>) -> ApiResult<Vec<Person>> {
    state.people()
}

#[tauri::command(async)]
pub fn lists(state: State<'_, AppState>) -> ApiResult<Lists> {
    state.lists()
}

#[tauri::command(async)]
pub fn case_view(state: State<'_, AppState>, id: String) -> ApiResult<CaseView> {
    state.case_view(&id)
}

#[tauri::command(async)]
pub fn person_view(state: State<'_, AppState>, id: String) -> ApiResult<PersonView> {
    state.person_view(&id)
}

#[tauri::command(async)]
pub fn add_case(state: State<'_, AppState>, input: NewCaseInput) -> ApiResult<Case> {
    state.add_case(input)
}

#[tauri::command(async)]
pub fn edit_case(state: State<'_, AppState>, id: String, input: CaseEditInput) -> ApiResult<Case> {
    state.edit_case(&id, input)
}

#[tauri::command(async)]
pub fn add_person(state: State<'_, AppState>, input: NewPersonInput) -> ApiResult<PersonAdded> {
    state.add_person(input)
}

#[tauri::command(async)]
pub fn edit_person(
    state: State<'_, AppState>,
    id: String,
    input: NewPersonInput,
) -> ApiResult<Person> {
    state.edit_person(&id, input)
}

#[tauri::command(async)]
pub fn delete_person(state: State<'_, AppState>, id: String) -> ApiResult<Person> {
    state.delete_person(&id)
}

#[tauri::command(async)]
pub fn delete_event(state: State<'_, AppState>, id: String) -> ApiResult<Event> {
    state.delete_event(&id)
}

#[tauri::command(async)]
pub fn add_event(state: State<'_, AppState>, input: NewEventInput) -> ApiResult<String> {
    state.add_event(input)
}

#[tauri::command(async)]
pub fn delete_case(state: State<'_, AppState>, id: String) -> ApiResult<Case> {
    state.delete_case(&id)
}

#[tauri::command(async)]
pub fn edit_event(
    state: State<'_, AppState>,
    id: String,
    input: EventEditInput,
) -> ApiResult<Event> {
    state.edit_event(&id, input)
}
