//! `dossier case|person|event|link|unlink|search`: the register from the command line.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use dossier::Vault;
use dossier::register::{
    CaseEdit, CaseNumber, CaseView, Charge, Event, EventEdit, EventKind, FuzzyDate, Link, NewCase,
    NewEvent, NewPerson, PersonEdit, PersonView,
};
use dossier::search::Query;

#[derive(Subcommand)]
pub enum CaseCommand {
    /// Add a case (prints its id)
    Add {
        #[arg(long)]
        title: String,
        /// A case number; repeat for several. Pairs with --jurisdiction by position
        #[arg(long = "number", value_name = "N")]
        numbers: Vec<String>,
        /// The court, prosecutor or body that issued the matching --number
        #[arg(long = "jurisdiction", value_name = "J")]
        jurisdictions: Vec<String>,
        #[arg(long)]
        court: Option<String>,
        /// A charge: "ARTICLE" or "ARTICLE=description"; repeat for several
        #[arg(long = "charge", value_name = "ARTICLE")]
        charges: Vec<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Show a case with its people, chronology and evidence
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// List cases
    List {
        #[arg(long)]
        json: bool,
    },
    /// Change a case
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        court: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long = "add-number", value_name = "N")]
        add_numbers: Vec<String>,
        #[arg(long = "jurisdiction", value_name = "J")]
        jurisdictions: Vec<String>,
        #[arg(long = "remove-number", value_name = "N")]
        remove_numbers: Vec<String>,
        #[arg(long = "add-charge", value_name = "ARTICLE")]
        add_charges: Vec<String>,
        #[arg(long = "remove-charge", value_name = "ARTICLE")]
        remove_charges: Vec<String>,
    },
    /// Delete a case, its events and links (evidence is never deleted)
    Delete { id: String },
}

#[derive(Subcommand)]
pub enum PersonCommand {
    /// Add a person (prints the id; warns about possible duplicates)
    Add {
        #[arg(long)]
        name: String,
        /// Another spelling or transliteration; repeat for several
        #[arg(long = "alias", value_name = "A")]
        aliases: Vec<String>,
        /// Date of birth: YYYY, YYYY-MM or YYYY-MM-DD
        #[arg(long)]
        born: Option<String>,
        #[arg(long)]
        nationality: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Show a person with their cases, roles, events and evidence
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// List people
    List {
        #[arg(long)]
        json: bool,
    },
    /// Change a person
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "add-alias", value_name = "A")]
        add_aliases: Vec<String>,
        #[arg(long = "remove-alias", value_name = "A")]
        remove_aliases: Vec<String>,
        #[arg(long)]
        born: Option<String>,
        #[arg(long)]
        nationality: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Delete a person and their links (evidence is never deleted)
    Delete { id: String },
}

#[derive(Subcommand)]
pub enum EventCommand {
    /// Add a dated (or undated) event (prints its id)
    Add {
        #[arg(long)]
        case: Option<String>,
        /// YYYY, YYYY-MM or YYYY-MM-DD; prefix ~ if approximate; leave out if unknown
        #[arg(long)]
        date: Option<String>,
        /// When it ended, same forms
        #[arg(long)]
        end: Option<String>,
        #[arg(long)]
        title: String,
        /// What it is: arrest, detention, hearing, judgment, appeal, transfer, ill_treatment,
        /// release, communication or other (a submission picks events by kind)
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Evidence for the event; repeat for several
        #[arg(long = "item", value_name = "I")]
        items: Vec<String>,
        /// People involved; repeat for several
        #[arg(long = "person", value_name = "P")]
        people: Vec<String>,
    },
    /// Show an event
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Change an event
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        /// What it is: arrest, detention, hearing, judgment, appeal, transfer, ill_treatment,
        /// release, communication or other (\"\" takes it away)
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        date: Option<String>,
        /// Make the event undated
        #[arg(long, conflicts_with = "date")]
        undated: bool,
        #[arg(long)]
        end: Option<String>,
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete an event and its links (evidence is never deleted)
    Delete { id: String },
}

/// The two ends of a link: exactly two of --case, --person, --event, --item. --item may be
/// given many times, to link many items to one case, person or event in one change.
#[derive(Args)]
pub struct LinkArgs {
    #[arg(long)]
    case: Option<String>,
    #[arg(long)]
    person: Option<String>,
    #[arg(long)]
    event: Option<String>,
    #[arg(long)]
    item: Vec<String>,
    /// The person's role in the case (detainee, lawyer, family, judge, prosecutor, witness …)
    #[arg(long)]
    role: Option<String>,
}

impl LinkArgs {
    pub fn to_links(&self) -> anyhow::Result<Vec<Link>> {
        let role = || self.role.clone().unwrap_or_default();
        if self.role.is_some() && !(self.case.is_some() && self.person.is_some()) {
            bail!("--role goes with --case and --person");
        }
        let items = !self.item.is_empty();
        let one = |item: &String| -> anyhow::Result<Link> {
            let i = item.clone();
            Ok(match (&self.case, &self.person, &self.event) {
                (Some(c), None, None) => Link::CaseItem {
                    case: c.clone(),
                    item: i,
                },
                (None, Some(p), None) => Link::PersonItem {
                    person: p.clone(),
                    item: i,
                },
                (None, None, Some(e)) => Link::EventItem {
                    event: e.clone(),
                    item: i,
                },
                _ => bail!(USAGE),
            })
        };
        if items {
            return self.item.iter().map(one).collect();
        }
        Ok(vec![match (&self.case, &self.person, &self.event) {
            (Some(c), Some(p), None) => Link::CasePerson {
                case: c.clone(),
                person: p.clone(),
                role: role(),
            },
            (None, Some(p), Some(e)) => Link::EventPerson {
                event: e.clone(),
                person: p.clone(),
            },
            _ => bail!(USAGE),
        }])
    }
}

const USAGE: &str = "name exactly two ends: --case with --item or --person [--role R], \
                     --person with --item, or --event with --item or --person \
                     (--item may be repeated)";

#[derive(Args)]
pub struct SearchArgs {
    /// Words to find (all must match; Cyrillic or Latin, any case)
    query: Vec<String>,
    /// Only this case and what is linked to it
    #[arg(long)]
    case: Option<String>,
    /// Only this person and what is linked to them
    #[arg(long)]
    person: Option<String>,
    /// Only items, cases, people or events
    #[arg(long, value_parser = ["item", "case", "person", "event"])]
    kind: Option<String>,
    /// Only items whose media type starts with this (image/, application/pdf)
    #[arg(long = "type")]
    media_type: Option<String>,
    /// From this date (items: when made, i.e. photo taken or e-mail sent, else imported; events: their dates)
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    to: Option<String>,
    #[arg(long, default_value_t = 50)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

fn date(text: &Option<String>) -> anyhow::Result<Option<FuzzyDate>> {
    Ok(text.as_deref().map(FuzzyDate::parse).transpose()?)
}

fn numbers(numbers: &[String], jurisdictions: &[String]) -> anyhow::Result<Vec<CaseNumber>> {
    if jurisdictions.len() > numbers.len() {
        bail!("each --jurisdiction pairs with a case number given before it");
    }
    Ok(numbers
        .iter()
        .enumerate()
        .map(|(i, n)| CaseNumber {
            number: n.clone(),
            authority: jurisdictions.get(i).cloned().unwrap_or_default(),
        })
        .collect())
}

fn charges(list: &[String]) -> Vec<Charge> {
    list.iter()
        .map(|c| match c.split_once('=') {
            Some((a, d)) => Charge {
                article: a.trim().into(),
                description: d.trim().into(),
            },
            None => Charge {
                article: c.trim().into(),
                description: String::new(),
            },
        })
        .collect()
}

pub fn case(vault: &mut Vault, cmd: CaseCommand) -> anyhow::Result<()> {
    match cmd {
        CaseCommand::Add {
            title,
            numbers: n,
            jurisdictions,
            court,
            charges: c,
            status,
            notes,
        } => {
            let case = vault.add_case(&NewCase {
                title,
                numbers: numbers(&n, &jurisdictions)?,
                court: court.unwrap_or_default(),
                charges: charges(&c),
                status: status.unwrap_or_default(),
                notes: notes.unwrap_or_default(),
            })?;
            say!("{}", case.id);
        }
        CaseCommand::Show { id, json } => {
            let view = vault.case_view(&id)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                print_case(&view)?;
            }
        }
        CaseCommand::List { json } => {
            let cases = vault.cases()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&cases)?);
            }
            for c in cases.iter().filter(|_| !json) {
                let nums: Vec<&str> = c.numbers.iter().map(|n| n.number.as_str()).collect();
                say!("{}  {}  {}", c.id, c.title, nums.join(", "));
            }
        }
        CaseCommand::Edit {
            id,
            title,
            court,
            status,
            notes,
            add_numbers,
            jurisdictions,
            remove_numbers,
            add_charges,
            remove_charges,
        } => {
            let case = vault.edit_case(
                &id,
                &CaseEdit {
                    title,
                    court,
                    status,
                    notes,
                    add_numbers: numbers(&add_numbers, &jurisdictions)?,
                    remove_numbers,
                    add_charges: charges(&add_charges),
                    remove_charges,
                },
            )?;
            say!("{}", case.id);
        }
        CaseCommand::Delete { id } => {
            let case = vault.delete_case(&id)?;
            note!(
                "deleted case {} ({}) with its events and links; no evidence was deleted",
                case.id,
                case.title
            );
        }
    }
    Ok(())
}

pub fn person(vault: &mut Vault, cmd: PersonCommand) -> anyhow::Result<()> {
    match cmd {
        PersonCommand::Add {
            name,
            aliases,
            born,
            nationality,
            notes,
        } => {
            let (person, duplicates) = vault.add_person(&NewPerson {
                name,
                aliases,
                born: date(&born)?,
                nationality: nationality.unwrap_or_default(),
                notes: notes.unwrap_or_default(),
            })?;
            for d in &duplicates {
                note!(
                    "possible duplicate: {} {} (matches {:?}, similarity {:.2}); merge by hand if it is the same person",
                    d.id,
                    d.name,
                    d.matched,
                    d.similarity
                );
            }
            say!("{}", person.id);
        }
        PersonCommand::Show { id, json } => {
            let view = vault.person_view(&id)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                print_person(&view)?;
            }
        }
        PersonCommand::List { json } => {
            let people = vault.people()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&people)?);
            }
            for p in people.iter().filter(|_| !json) {
                say!(
                    "{}  {}{}",
                    p.id,
                    p.name,
                    if p.aliases.is_empty() {
                        String::new()
                    } else {
                        format!("  ({})", p.aliases.join(", "))
                    }
                );
            }
        }
        PersonCommand::Edit {
            id,
            name,
            add_aliases,
            remove_aliases,
            born,
            nationality,
            notes,
        } => {
            let p = vault.edit_person(
                &id,
                &PersonEdit {
                    name,
                    add_aliases,
                    remove_aliases,
                    born: date(&born)?,
                    nationality,
                    notes,
                },
            )?;
            say!("{}", p.id);
        }
        PersonCommand::Delete { id } => {
            let p = vault.delete_person(&id)?;
            note!(
                "deleted person {} ({}) and their links; no evidence was deleted",
                p.id,
                p.name
            );
        }
    }
    Ok(())
}

pub fn event(vault: &mut Vault, cmd: EventCommand) -> anyhow::Result<()> {
    match cmd {
        EventCommand::Add {
            case,
            date: d,
            end,
            title,
            kind,
            place,
            description,
            items,
            people,
        } => {
            let e = vault.add_event(&NewEvent {
                case_id: case,
                title,
                kind: kind.as_deref().map(EventKind::parse).transpose()?,
                date: date(&d)?,
                end: date(&end)?,
                place: place.unwrap_or_default(),
                description: description.unwrap_or_default(),
                people,
                items,
            })?;
            say!("{}", e.id);
        }
        EventCommand::Show { id, json } => {
            let e = vault.event(&id)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&e)?);
            } else {
                say!("{}", event_line(&e));
                if !e.description.is_empty() {
                    say!("  {}", e.description);
                }
                say!("  kind: {}", e.kind.map_or("-".into(), |k| k.to_string()));
                say!("  case: {}", e.case_id.as_deref().unwrap_or("-"));
                say!("  people: {}", e.people.join(", "));
                say!("  items: {}", e.items.join(", "));
            }
        }
        EventCommand::Edit {
            id,
            title,
            kind,
            date: d,
            undated,
            end,
            place,
            description,
        } => {
            let kind = match kind.as_deref().map(str::trim) {
                None => None,
                Some("") => Some(None),
                Some(k) => Some(Some(EventKind::parse(k)?)),
            };
            let date = if undated {
                Some(None)
            } else {
                date(&d)?.map(Some)
            };
            let e = vault.edit_event(
                &id,
                &EventEdit {
                    title,
                    kind,
                    date,
                    end: self::date(&end)?.map(Some),
                    place,
                    description,
                },
            )?;
            say!("{}", e.id);
        }
        EventCommand::Delete { id } => {
            let e = vault.delete_event(&id)?;
            note!(
                "deleted event {} ({}); no evidence was deleted",
                e.id,
                e.title
            );
        }
    }
    Ok(())
}

pub fn search(vault: &mut Vault, args: SearchArgs) -> anyhow::Result<bool> {
    let q = Query {
        text: args.query.join(" "),
        case: args.case,
        person: args.person,
        kind: args.kind,
        media_type: args.media_type,
        from: date(&args.from).context("--from")?,
        to: date(&args.to).context("--to")?,
        limit: args.limit,
        ids_only: false,
    };
    let hits = vault.search(&q)?;
    if args.json {
        say!("{}", serde_json::to_string_pretty(&hits)?);
    } else {
        for h in &hits {
            say!(
                "{:<6}  {}  {}\n        {}",
                h.kind,
                h.id,
                h.label,
                h.snippet
            );
        }
        if hits.is_empty() {
            note!("nothing found");
        }
    }
    Ok(!hits.is_empty())
}

fn event_line(e: &Event) -> String {
    let when = match (&e.date, &e.end_date) {
        (Some(d), Some(end)) => format!("{d} – {end}"),
        (Some(d), None) => d.clone(),
        _ => "undated".into(),
    };
    let place = if e.place.is_empty() {
        String::new()
    } else {
        format!(" — {}", e.place)
    };
    format!("{when:<24}  {}{place}  [{}]", e.title, e.id)
}

fn print_case(v: &CaseView) -> anyhow::Result<()> {
    let c = &v.case;
    say!("{}  [{}]", c.title, c.id);
    for n in &c.numbers {
        say!(
            "  number:  {}{}",
            n.number,
            if n.authority.is_empty() {
                String::new()
            } else {
                format!(" ({})", n.authority)
            }
        );
    }
    for (label, value) in [
        ("court", &c.court),
        ("status", &c.status),
        ("notes", &c.notes),
    ] {
        if !value.is_empty() {
            say!("  {label}:{:pad$}{value}", "", pad = 8 - label.len());
        }
    }
    for ch in &c.charges {
        say!(
            "  charge:  {}{}",
            ch.article,
            if ch.description.is_empty() {
                String::new()
            } else {
                format!(" — {}", ch.description)
            }
        );
    }
    say!("People");
    for p in &v.people {
        say!("  {}  {}  {}", p.id, p.name, p.roles.join(", "));
    }
    say!("Chronology");
    for e in &v.chronology {
        say!("  {}", event_line(e));
    }
    if !v.undated.is_empty() {
        say!("Undated");
        for e in &v.undated {
            say!("  {}", event_line(e));
        }
    }
    say!("Evidence");
    for i in &v.items {
        say!("  {}  {}  ({})", i.id, i.name, i.via.join(", "));
    }
    Ok(())
}

fn print_person(v: &PersonView) -> anyhow::Result<()> {
    let p = &v.person;
    say!("{}  [{}]", p.name, p.id);
    if !p.aliases.is_empty() {
        say!("  also:    {}", p.aliases.join(", "));
    }
    if let Some(b) = &p.born {
        say!("  born:    {b}");
    }
    for (label, value) in [("nationality", &p.nationality), ("notes", &p.notes)] {
        if !value.is_empty() {
            say!("  {label}: {value}");
        }
    }
    say!("Cases");
    for c in &v.cases {
        say!("  {}  {}  {}", c.id, c.title, c.roles.join(", "));
    }
    say!("Events");
    for e in &v.events {
        say!("  {}", event_line(e));
    }
    say!("Evidence");
    for i in &v.items {
        say!("  {}  {}  ({})", i.id, i.name, i.via.join(", "));
    }
    Ok(())
}
