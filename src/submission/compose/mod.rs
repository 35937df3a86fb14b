//! Lays a dossier out: cover, contents, the template's body, people, chronology, the list of
//! annexes, each annex, and the page that tells a recipient how to verify it all.
//!
//! The templates' own sections are in `wgad` and `petitions` (PACE, EP), the cover in `cover`,
//! and what every dossier ends with in `back`; this module holds the passes and what they share.
//!
//! Laid out twice: the first pass learns which headings exist, the second prints the table
//! of contents from them. Anchors are allocated in the same order in both passes, so the
//! contents' links and page numbers point at the second pass's headings.

use crate::dating::DateOrigin;
use crate::pdf::layout::{ACCENT, BLACK, Bookmark, Cell, Face, Flow, GREY, WARN};
use crate::pdf::render::DocInfo;
use crate::register::EventKind;

use super::labels::{Labels, Lang};
use super::{Annex, Inline, Material, Template, human_size, show_date};

mod back;
mod cover;
mod petitions;
mod wgad;

pub(crate) struct Composed {
    pub flow: Flow,
    pub info: DocInfo,
    /// What the template asked for and the register lacked.
    pub missing: Vec<String>,
    /// Choices the composer made that the user should check (for the app and the CLI, never
    /// printed in the dossier).
    pub notes: Vec<String>,
    /// The submitting source it names, if any.
    pub source: Option<String>,
}

/// One string in four languages (template wording that is not in [`Labels`]).
fn tr(
    lang: Lang,
    en: &'static str,
    fr: &'static str,
    ru: &'static str,
    es: &'static str,
) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Fr => fr,
        Lang::Ru => ru,
        Lang::Es => es,
    }
}

struct Ctx<'m> {
    m: &'m Material,
    l: &'static Labels,
    flow: Flow,
    missing: Vec<String>,
    notes: Vec<String>,
    annex_anchor: Vec<usize>,
    verify_anchor: usize,
    list_anchor: usize,
    /// The annexes' time-stamps, labelled T1, T2, … as attached.
    stamps: super::stamps::Stamps<'m>,
}

const DETAINEE_ROLES: &[&str] = &["detainee", "detained", "prisoner", "victim", "client"];
/// Who submits, most specific role first: a person given the role "source" is the source,
/// whoever else the case lists as its lawyer. (The European Parliament's petitioner comes
/// first there: see [`Ctx::submitting_source`].)
const SOURCE_ROLES: &[&str] = &[
    "source",
    "petitioner",
    "representative",
    "lawyer",
    "counsel",
];

pub(crate) fn compose(m: &Material) -> Composed {
    let first = pass(m, None);
    let mut second = pass(m, Some(&first.flow.bookmarks));
    let source = second.submitting_source().map(|p| p.person.name.clone());
    let l = m.lang.labels();
    let page_of = l.page_of;
    Composed {
        info: DocInfo {
            title: m.case.title.clone(),
            language: m.lang.code().into(),
            created: m.created,
            footer: format!("{} · {}", recipient(m.template, m.lang).0, m.case.title),
            page_label: Box::new(move |n, total| {
                page_of
                    .replace("{n}", &n.to_string())
                    .replace("{m}", &total.to_string())
            }),
        },
        flow: second.flow,
        missing: second.missing,
        notes: {
            let mut notes = second.notes;
            if let Some((langs, who)) = m.template.accepted()
                && !langs.contains(&m.lang)
            {
                notes.insert(
                    0,
                    format!(
                        "{who}: a dossier in {} may be refused or wait for translation; write it in one of those",
                        m.lang.english_name()
                    ),
                );
            }
            notes
        },
        source,
    }
}

fn pass<'m>(m: &'m Material, toc: Option<&[Bookmark]>) -> Ctx<'m> {
    let mut c = Ctx {
        m,
        l: m.lang.labels(),
        flow: Flow::new(),
        missing: Vec::new(),
        notes: Vec::new(),
        annex_anchor: Vec::new(),
        verify_anchor: 0,
        list_anchor: 0,
        stamps: super::stamps::Stamps::of(&m.annexes),
    };
    c.flow.lang = m.lang.code().into();
    c.verify_anchor = c.flow.new_anchor();
    c.list_anchor = c.flow.new_anchor();
    c.annex_anchor = m.annexes.iter().map(|_| c.flow.new_anchor()).collect();
    c.cover();
    c.flow.new_page();
    c.flow.heading(1, c.l.contents, None, false);
    for b in toc.unwrap_or_default().iter().filter(|b| b.level <= 2) {
        let indent = if b.level == 1 { 0.0 } else { 16.0 };
        c.flow.toc_line(&b.title, b.anchor, indent);
    }
    // The body starts on a page of its own, after the contents.
    c.flow.new_page();
    match m.template {
        Template::Wgad => c.wgad(),
        Template::Pace => c.pace(),
        Template::Ep => c.ep(),
        Template::Generic => c.generic(),
    }
    c.people();
    c.chronology();
    c.annex_list();
    c.annexes();
    c.verification();
    c
}

/// (Body, address line, kind of document) per template.
fn recipient(t: Template, lang: Lang) -> (&'static str, &'static str, &'static str) {
    match t {
        Template::Wgad => (
            tr(
                lang,
                "UN Working Group on Arbitrary Detention",
                "Groupe de travail des Nations Unies sur la détention arbitraire",
                "Рабочая группа ООН по произвольным задержаниям",
                "Grupo de Trabajo de las Naciones Unidas sobre la Detención Arbitraria",
            ),
            "OHCHR, United Nations Office at Geneva, 8-14 Avenue de la Paix, 1211 Genève 10 · hrc-wg-ad@un.org",
            tr(
                lang,
                "Individual communication (model questionnaire)",
                "Communication individuelle (questionnaire type)",
                "Индивидуальное сообщение (типовой вопросник)",
                "Comunicación individual (cuestionario modelo)",
            ),
        ),
        Template::Pace => (
            tr(
                lang,
                "Parliamentary Assembly of the Council of Europe",
                "Assemblée parlementaire du Conseil de l'Europe",
                "Парламентская ассамблея Совета Европы",
                "Asamblea Parlamentaria del Consejo de Europa",
            ),
            tr(
                lang,
                "To the President of the Assembly",
                "À l'attention du Président de l'Assemblée",
                "Председателю Ассамблеи",
                "A la Presidencia de la Asamblea",
            ),
            tr(
                lang,
                "Information note under Resolution 1900 (2012)",
                "Note d'information au titre de la Résolution 1900 (2012)",
                "Информационная записка по Резолюции 1900 (2012)",
                "Nota informativa en virtud de la Resolución 1900 (2012)",
            ),
        ),
        Template::Ep => (
            tr(
                lang,
                "European Parliament, Committee on Petitions",
                "Parlement européen, commission des pétitions",
                "Европейский парламент, Комитет по петициям",
                "Parlamento Europeo, Comisión de Peticiones",
            ),
            "Rue Wiertz 60, 1047 Bruxelles",
            tr(
                lang,
                "Petition (Article 227 TFEU)",
                "Pétition (article 227 TFUE)",
                "Петиция (статья 227 ДФЕС)",
                "Petición (artículo 227 del TFUE)",
            ),
        ),
        Template::Generic => (
            tr(
                lang,
                "Case dossier",
                "Dossier de l'affaire",
                "Досье по делу",
                "Expediente del caso",
            ),
            "",
            tr(
                lang,
                "Case dossier",
                "Dossier de l'affaire",
                "Досье по делу",
                "Expediente del caso",
            ),
        ),
    }
}

fn has_role(roles: &[String], wanted: &[&str]) -> bool {
    roles
        .iter()
        .any(|r| wanted.iter().any(|w| r.to_lowercase().contains(w)))
}

impl<'m> Ctx<'m> {
    fn lang(&self) -> Lang {
        self.m.lang
    }

    /// A field the register cannot fill: reported to the user (app, CLI), and shown in the
    /// filing as a plain dash, never as an instruction or a red placeholder.
    fn miss(&mut self, what: &str) -> Cell {
        self.missing.push(what.to_string());
        Cell::new("—")
    }

    /// A notes section the template wants and the case lacks: reported to the user with the
    /// heading that would fill it; the filing prints nothing in its place.
    /// A yes-or-no field of the submission: `None` when unanswered.
    fn answer(&self, key: &str) -> Option<bool> {
        match self.m.sections.get(key).map(|v| v.trim().to_lowercase()) {
            Some(v) if v == "yes" => Some(true),
            Some(v) if v == "no" => Some(false),
            _ => None,
        }
    }

    /// A yes-or-no field as a cell, in the dossier's language; unanswered, it is missing.
    fn yes_no_cell(&mut self, key: &str, what: &str) -> Cell {
        let lang = self.lang();
        match self.answer(key) {
            Some(true) => Cell::new(tr(lang, "Yes", "Oui", "Да", "Sí")),
            Some(false) => Cell::new(tr(lang, "No", "Non", "Нет", "No")),
            None => {
                self.missing.push(format!(
                    "{what} (dossier submission set --case … {key:?} yes|no)"
                ));
                Cell::new("—")
            }
        }
    }

    /// Records a missing part for the user, with where to give it: the submission field of
    /// that key (or, for the events, the register).
    fn miss_section(&mut self, what: &str, key: &str) {
        self.missing.push(match super::fields::spec(key) {
            Some(_) => format!("{what} (dossier submission set --case … {key:?} …)"),
            None if key == "events" => format!("{what} (dossier event add --case …)"),
            None => format!("{what} (dossier link --case … --person … --role …)"),
        });
    }

    /// Replaces `[item:PREFIX]` with "A<n>" and returns the annex numbers cited.
    fn cite(&self, text: &str) -> (String, Vec<u32>) {
        let mut out = String::new();
        let mut cited = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("[item:") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 6..];
            let Some(end) = after.find(']') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let prefix = after[..end].trim();
            let annex = self
                .m
                .cited
                .get(prefix)
                .and_then(|id| self.m.annex_of.get(id))
                .map(|n| &self.m.annexes[*n as usize - 1]);
            match annex {
                Some(a) => {
                    // "A3", as the annex list and tables write it: a citation reads the same
                    // inside prose of any language.
                    out.push_str(&format!("A{}", a.number));
                    if !cited.contains(&a.number) {
                        cited.push(a.number);
                    }
                }
                None => out.push_str(&rest[start..start + 7 + end]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        (out, cited)
    }

    /// The notes section `key` as paragraphs, or a missing-notice; returns the cited annexes.
    fn section(&mut self, key: &str, what: &str) -> Option<Vec<u32>> {
        match self.m.sections.get(key).filter(|t| !t.is_empty()) {
            Some(text) => {
                let (text, cited) = self.cite(text);
                self.flow.para(&text);
                Some(cited)
            }
            None => {
                self.miss_section(what, key);
                None
            }
        }
    }

    /// The case notes' opening text (before any heading) and its `## summary`, both: the one
    /// never hides the other.
    fn summary_text(&self) -> Option<String> {
        let parts: Vec<&str> = [
            self.m.preamble.as_str(),
            self.m.sections.get("summary").map_or("", String::as_str),
        ]
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
        (!parts.is_empty()).then(|| parts.join("\n\n"))
    }

    /// The summary; without one, no heading either (a heading over nothing is a page the
    /// recipient turns for nothing), and the user hears it is missing.
    fn summary(&mut self) {
        match self.summary_text() {
            Some(s) => {
                self.flow.heading(1, self.l.summary, None, false);
                let (text, _) = self.cite(&s);
                self.flow.para(&text);
            }
            None => self.miss_section(self.l.summary, "summary"),
        }
    }

    fn person_with(&self, roles: &[&str]) -> Option<&'m super::CasePerson> {
        self.m.people.iter().find(|p| has_role(&p.roles, roles))
    }

    /// The submitting source (the EP's petitioner): the person whose role is the most
    /// specific in [`SOURCE_ROLES`] (a role named exactly so before one that only contains
    /// the word), never simply the first person listed. When others also have a source-like
    /// role, the choice is noted for the user.
    fn submitting_source(&mut self) -> Option<&'m super::CasePerson> {
        let order: Vec<&str> = match self.m.template {
            Template::Ep => std::iter::once("petitioner")
                .chain(SOURCE_ROLES.iter().copied().filter(|r| *r != "petitioner"))
                .collect(),
            _ => SOURCE_ROLES.to_vec(),
        };
        let exact = |p: &super::CasePerson, role: &str| {
            p.roles.iter().any(|r| r.trim().eq_ignore_ascii_case(role))
        };
        let chosen = order
            .iter()
            .find_map(|role| self.m.people.iter().find(|p| exact(p, role)))
            .or_else(|| {
                order
                    .iter()
                    .find_map(|role| self.m.people.iter().find(|p| has_role(&p.roles, &[role])))
            })?;
        let others: Vec<String> = self
            .m
            .people
            .iter()
            .filter(|p| p.person.id != chosen.person.id && has_role(&p.roles, SOURCE_ROLES))
            .map(|p| format!("{} ({})", p.person.name, p.roles.join(", ")))
            .collect();
        let note = format!(
            "named {} ({}) as the submitting source; also with a source-like role: {}. Give \
             the role \"source\" to the person who submits, if that is someone else",
            chosen.person.name,
            chosen.roles.join(", "),
            others.join("; ")
        );
        if !others.is_empty() && !self.notes.contains(&note) {
            self.notes.push(note);
        }
        Some(chosen)
    }

    fn annex_cells(&self, items: &[String]) -> Cell {
        let numbers: Vec<u32> = items
            .iter()
            .filter_map(|id| self.m.annex_of.get(id).copied())
            .collect();
        let text = numbers
            .iter()
            .map(|n| format!("A{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        match numbers.first() {
            Some(n) => Cell::new(text).link(self.annex_anchor[*n as usize - 1]),
            None => Cell::new("—"),
        }
    }

    fn case_numbers(&self) -> String {
        self.m
            .case
            .numbers
            .iter()
            .map(|n| {
                if n.authority.is_empty() {
                    n.number.clone()
                } else {
                    format!("{} ({})", n.number, n.authority)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn generic(&mut self) {
        self.summary();
        self.flow.heading(
            2,
            tr(self.lang(), "The case", "L'affaire", "Дело", "El caso"),
            None,
            false,
        );
        let rows = self.case_fields();
        self.flow.fields(&rows);
    }

    fn case_fields(&mut self) -> Vec<(String, Cell)> {
        let charges = self
            .m
            .case
            .charges
            .iter()
            .map(|c| {
                if c.description.is_empty() {
                    c.article.clone()
                } else {
                    format!("{} — {}", c.article, c.description)
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let mut rows = vec![(
            self.l.case_numbers.to_string(),
            Cell::new(self.case_numbers()),
        )];
        for (label, value) in [
            (self.l.court, self.m.case.court.clone()),
            (self.l.charges, charges),
            (self.l.status, self.m.case.status.clone()),
        ] {
            if !value.is_empty() {
                rows.push((label.to_string(), Cell::new(value)));
            }
        }
        rows
    }

    /// Lists the annexes a point cites (nothing when it cites none: that is the user's to
    /// know, see `missing`, not the recipient's).
    fn evidence(&mut self, cited: &[u32]) {
        if cited.is_empty() {
            return;
        }
        let rows: Vec<Vec<Cell>> = cited
            .iter()
            .map(|n| {
                let a = &self.m.annexes[*n as usize - 1];
                vec![
                    Cell::new(format!("A{n}")).link(self.annex_anchor[*n as usize - 1]),
                    Cell::new(a.item.name.clone()),
                    Cell::new(self.annex_date(a, true)),
                ]
            })
            .collect();
        let l = self.l;
        self.flow.table(
            &[l.evidence, l.annex_title, l.date],
            // Wide enough for "Доказательства" on one line.
            &[0.2, 0.52, 0.28],
            &rows,
        );
    }

    /// The chronology's events of the given kinds (never picked by words in their titles). The
    /// user (not the recipient) hears of events that have no kind and so are left out here.
    fn events_of_kind(&mut self, kinds: &[EventKind]) {
        let kindless: Vec<&str> = self
            .m
            .chronology
            .iter()
            .filter(|e| e.kind.is_none())
            .map(|e| e.id.as_str())
            .collect();
        if !kindless.is_empty() {
            let note = format!(
                "{} event(s) have no kind, so no section that lists arrests or detention shows them: give each its kind (CLI: dossier event edit ID --kind arrest|detention|…; ids: {})",
                kindless.len(),
                kindless.join(", ")
            );
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
        let rows: Vec<Vec<Cell>> = self
            .m
            .chronology
            .iter()
            .filter(|e| e.kind.is_some_and(|k| kinds.contains(&k)))
            .map(|e| self.event_row(e))
            .collect();
        if !rows.is_empty() {
            let l = self.l;
            self.flow.table(
                &[l.date, l.event, l.people, l.annexes_col],
                &[0.18, 0.5, 0.18, 0.14],
                &rows,
            );
        }
    }

    fn event_row(&self, e: &crate::register::Event) -> Vec<Cell> {
        let mut date = e
            .date
            .as_deref()
            .map(|d| show_date(d, self.lang()))
            .unwrap_or_else(|| "—".into());
        if let Some(end) = &e.end_date {
            date = format!("{date} – {}", show_date(end, self.lang()));
        }
        let mut what = e.title.clone();
        if !e.place.is_empty() {
            what = format!("{what} ({})", e.place);
        }
        if !e.description.is_empty() {
            what = format!("{what}. {}", self.cite(&e.description).0);
        }
        let people = e
            .people
            .iter()
            .filter_map(|p| self.m.names.get(p).cloned())
            .collect::<Vec<_>>()
            .join(", ");
        let date_cell = if e.approximate {
            Cell {
                color: crate::pdf::layout::GREY,
                ..Cell::new(date)
            }
        } else {
            Cell::new(date)
        };
        vec![
            date_cell,
            Cell::new(what),
            Cell::new(people),
            self.annex_cells(&e.items),
        ]
    }
}

fn ep_warning(lang: Lang) -> &'static str {
    tr(
        lang,
        "Warning: petitions to the European Parliament can be published on its website, with the petitioner's name. If the petitioner or anyone named is at risk, ask for the petition to be treated anonymously or confidentially when filing it.",
        "Attention : les pétitions au Parlement européen peuvent être publiées sur son site, avec le nom du pétitionnaire. Si le pétitionnaire ou une personne citée est en danger, demandez un traitement anonyme ou confidentiel lors du dépôt.",
        "Внимание: петиции в Европейский парламент могут быть опубликованы на его сайте вместе с именем петиционера. Если петиционер или упомянутые лица в опасности, при подаче попросите анонимного или конфиденциального рассмотрения.",
        "Advertencia: las peticiones al Parlamento Europeo pueden publicarse en su sitio web, con el nombre del peticionario. Si el peticionario o cualquier persona mencionada corre peligro, solicite al presentarla que la petición se trate de forma anónima o confidencial.",
    )
}
