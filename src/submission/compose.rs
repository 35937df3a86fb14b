//! Lays a dossier out: cover, contents, the template's body, people, chronology, the list of
//! annexes, each annex, and the page that tells a recipient how to verify it all.
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

pub(crate) struct Composed {
    pub flow: Flow,
    pub info: DocInfo,
    /// What the template asked for and the register lacked.
    pub missing: Vec<String>,
    /// Choices the composer made that the user should check (for the app and the CLI, never
    /// printed in the dossier).
    pub notes: Vec<String>,
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
    let second = pass(m, Some(&first.flow.bookmarks));
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
    };
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
    fn miss_section(&mut self, what: &str, key: &str) {
        self.missing.push(format!("{what} (case notes: ## {key})"));
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

    fn cover(&mut self) {
        let (body, address, kind) = recipient(self.m.template, self.lang());
        let f = &mut self.flow;
        f.space(40.0);
        // A generic dossier has no recipient body: its kind is said once, below.
        if body != kind {
            f.para_styled(body, Face::Bold, 13.0, ACCENT, 0.0);
        }
        if !address.is_empty() {
            f.para_styled(address, Face::Regular, 9.5, GREY, 0.0);
        }
        f.space(50.0);
        f.para_styled(kind, Face::Regular, 12.0, GREY, 0.0);
        f.para_styled(&self.m.case.title, Face::Bold, 22.0, BLACK, 0.0);
        f.space(24.0);
        let numbers = self.case_numbers();
        let numbers = if numbers.is_empty() {
            self.miss(self.l.case_numbers)
        } else {
            Cell::new(numbers)
        };
        let source = match self.submitting_source() {
            Some(p) => Cell::new(p.person.name.clone()),
            None => self.miss(self.l.submitted_by),
        };
        let date = show_date(
            &format!(
                "{:04}-{:02}-{:02}",
                self.m.created.year(),
                self.m.created.month() as u8,
                self.m.created.day()
            ),
            self.lang(),
        );
        let mut rows = vec![
            (self.l.case_numbers.to_string(), numbers),
            (self.l.submitted_by.to_string(), source),
            (self.l.date.to_string(), Cell::new(date)),
            (self.l.language.to_string(), Cell::new(self.l.language_name)),
        ];
        if !self.m.case.court.is_empty() {
            rows.insert(
                1,
                (
                    self.l.court.to_string(),
                    Cell::new(self.m.case.court.clone()),
                ),
            );
        }
        self.flow.fields(&rows);
        if self.m.template == Template::Ep {
            self.flow.notice(ep_warning(self.lang()), WARN);
        }
        self.flow.space(30.0);
        let sig = format!("{}: {}", self.l.fingerprint, self.m.fingerprint);
        self.flow.para_styled(&sig, Face::Regular, 8.5, GREY, 0.0);
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

    fn wgad(&mut self) {
        let lang = self.lang();
        self.summary();
        // I. Identity
        self.flow.heading(
            1,
            tr(
                lang,
                "I. Identity of the person detained",
                "I. Identité de la personne détenue",
                "I. Личность задержанного",
                "I. Identidad de la persona detenida",
            ),
            None,
            false,
        );
        match self.person_with(DETAINEE_ROLES) {
            Some(p) => {
                let p = &p.person;
                let born = p.born.as_deref().map(|b| show_date(b, lang));
                let mut rows = vec![
                    (self.l.name.to_string(), Cell::new(p.name.clone())),
                    (
                        self.l.aliases.to_string(),
                        Cell::new(if p.aliases.is_empty() {
                            "—".into()
                        } else {
                            p.aliases.join(", ")
                        }),
                    ),
                ];
                rows.push((
                    self.l.born.to_string(),
                    match born {
                        Some(b) => Cell::new(b),
                        None => self.miss(tr(
                            lang,
                            "date of birth of the person detained",
                            "date de naissance de la personne détenue",
                            "дата рождения задержанного",
                            "fecha de nacimiento de la persona detenida",
                        )),
                    },
                ));
                rows.push((
                    self.l.nationality.to_string(),
                    if p.nationality.is_empty() {
                        self.miss(tr(
                            lang,
                            "nationality of the person detained",
                            "nationalité de la personne détenue",
                            "гражданство задержанного",
                            "nacionalidad de la persona detenida",
                        ))
                    } else {
                        Cell::new(p.nationality.clone())
                    },
                ));
                if !p.notes.is_empty() {
                    rows.push((
                        tr(
                            lang,
                            "Other information",
                            "Autres informations",
                            "Другие сведения",
                            "Otros datos",
                        )
                        .into(),
                        Cell::new(p.notes.clone()),
                    ));
                }
                self.flow.fields(&rows);
            }
            None => self.miss_section(
                tr(
                    lang,
                    "the person detained (give a person the role 'detainee' in this case)",
                    "la personne détenue (donnez à une personne le rôle « detainee »)",
                    "задержанный (присвойте лицу роль «detainee»)",
                    "la persona detenida (asigne a una persona el papel «detainee» en este caso)",
                ),
                "identity",
            ),
        }
        if self.m.sections.contains_key("identity") {
            self.section("identity", "identity");
        } else {
            self.miss_section(
                tr(
                    lang,
                    "sex, identity document, profession and usual address",
                    "sexe, pièce d'identité, profession et adresse habituelle",
                    "пол, документ, профессия и обычный адрес",
                    "sexo, documento de identidad, profesión y domicilio habitual",
                ),
                "identity",
            );
        }
        // II. Arrest
        self.flow.heading(
            1,
            tr(
                lang,
                "II. Arrest",
                "II. Arrestation",
                "II. Арест",
                "II. Arresto",
            ),
            None,
            false,
        );
        self.flow.para_styled(tr(lang, "Date and place of arrest, the forces who carried it out, whether a warrant was shown and by which authority, the legislation applied.", "Date et lieu de l'arrestation, forces qui l'ont effectuée, présentation d'un mandat et autorité l'ayant délivré, législation appliquée.", "Дата и место ареста, силы, которые его произвели, был ли предъявлен ордер и каким органом выдан, применённое законодательство.", "Fecha y lugar del arresto, fuerzas que lo llevaron a cabo, si se mostró una orden y de qué autoridad, legislación aplicada."), Face::Regular, 9.0, GREY, 0.0);
        self.section(
            "arrest",
            tr(
                lang,
                "the circumstances of the arrest",
                "les circonstances de l'arrestation",
                "обстоятельства ареста",
                "las circunstancias del arresto",
            ),
        );
        self.events_of_kind(&[EventKind::Arrest]);
        // III. Detention
        self.flow.heading(
            1,
            tr(
                lang,
                "III. Detention",
                "III. Détention",
                "III. Содержание под стражей",
                "III. Detención",
            ),
            None,
            false,
        );
        self.section(
            "detention",
            tr(
                lang,
                "the detention (dates, places, authority, reasons given)",
                "la détention (dates, lieux, autorité, motifs invoqués)",
                "содержание под стражей (даты, места, орган, указанные основания)",
                "la detención (fechas, lugares, autoridad, motivos alegados)",
            ),
        );
        self.events_of_kind(&[
            EventKind::Detention,
            EventKind::Transfer,
            EventKind::IllTreatment,
            EventKind::Release,
        ]);
        let rows = self.case_fields();
        self.flow.fields(&rows);
        // IV. Why arbitrary
        self.flow.heading(
            1,
            tr(
                lang,
                "IV. Why the detention is arbitrary",
                "IV. Pourquoi la détention est arbitraire",
                "IV. Почему задержание является произвольным",
                "IV. Por qué la detención es arbitraria",
            ),
            None,
            false,
        );
        if let Some(text) = self.m.sections.get("arbitrary").filter(|t| !t.is_empty()) {
            let (text, _) = self.cite(text);
            self.flow.para(&text);
        }
        let categories = [
            (
                "category i",
                tr(
                    lang,
                    "Category I: no legal basis",
                    "Catégorie I : absence de base légale",
                    "Категория I: отсутствие правового основания",
                    "Categoría I: sin fundamento jurídico",
                ),
            ),
            (
                "category ii",
                tr(
                    lang,
                    "Category II: exercise of rights and freedoms (UDHR arts 7, 13, 14, 18–21; ICCPR arts 12, 18, 19, 21, 22, 25–27)",
                    "Catégorie II : exercice de droits et libertés (DUDH art. 7, 13, 14, 18–21 ; PIDCP art. 12, 18, 19, 21, 22, 25–27)",
                    "Категория II: осуществление прав и свобод (ВДПЧ ст. 7, 13, 14, 18–21; МПГПП ст. 12, 18, 19, 21, 22, 25–27)",
                    "Categoría II: ejercicio de derechos y libertades (DUDH arts. 7, 13, 14, 18–21; PIDCP arts. 12, 18, 19, 21, 22, 25–27)",
                ),
            ),
            (
                "category iii",
                tr(
                    lang,
                    "Category III: grave breach of fair-trial norms",
                    "Catégorie III : violation grave des normes du procès équitable",
                    "Категория III: грубое нарушение норм справедливого судебного разбирательства",
                    "Categoría III: inobservancia grave de las normas del juicio imparcial",
                ),
            ),
            (
                "category iv",
                tr(
                    lang,
                    "Category IV: prolonged administrative custody of asylum seekers, immigrants or refugees",
                    "Catégorie IV : rétention administrative prolongée de demandeurs d'asile, migrants ou réfugiés",
                    "Категория IV: длительное административное содержание просителей убежища, мигрантов или беженцев",
                    "Categoría IV: detención administrativa prolongada de solicitantes de asilo, inmigrantes o refugiados",
                ),
            ),
            (
                "category v",
                tr(
                    lang,
                    "Category V: discrimination",
                    "Catégorie V : discrimination",
                    "Категория V: дискриминация",
                    "Categoría V: discriminación",
                ),
            ),
        ];
        let not_argued = tr(
            lang,
            "Not argued.",
            "Non invoquée.",
            "Не заявлено.",
            "No se alega.",
        );
        self.grounds(
            &categories,
            not_argued,
            tr(
                lang,
                "at least one category of arbitrary detention",
                "au moins une catégorie de détention arbitraire",
                "хотя бы одна категория произвольного задержания",
                "al menos una categoría de detención arbitraria",
            ),
            "category ii",
        );
        // V. Remedies
        self.flow.heading(
            1,
            tr(
                lang,
                "V. Domestic remedies",
                "V. Recours internes",
                "V. Внутренние средства правовой защиты",
                "V. Recursos internos",
            ),
            None,
            false,
        );
        self.section(
            "remedies",
            tr(
                lang,
                "the domestic remedies pursued and their results",
                "les recours internes exercés et leurs résultats",
                "использованные внутренние средства защиты и их результаты",
                "los recursos internos interpuestos y sus resultados",
            ),
        );
        // VI. Source
        self.flow.heading(
            1,
            tr(
                lang,
                "VI. Submitting source",
                "VI. Source de la communication",
                "VI. Источник сообщения",
                "VI. Fuente de la comunicación",
            ),
            None,
            false,
        );
        self.source_fields();
    }

    fn source_fields(&mut self) {
        let lang = self.lang();
        let mut rows = Vec::new();
        match self.submitting_source() {
            Some(p) => {
                let p = p.person.clone();
                rows.push((self.l.name.to_string(), Cell::new(p.name)));
                if !p.nationality.is_empty() {
                    rows.push((self.l.nationality.to_string(), Cell::new(p.nationality)));
                }
                if !p.notes.is_empty() {
                    rows.push((
                        tr(lang, "Contact", "Coordonnées", "Контакты", "Contacto").into(),
                        Cell::new(p.notes),
                    ));
                }
            }
            None => {
                let cell = self.miss(tr(
                    lang,
                    "the submitting source (give a person the role 'source' or 'lawyer')",
                    "la source (donnez à une personne le rôle « source » ou « lawyer »)",
                    "источник (присвойте лицу роль «source» или «lawyer»)", "la fuente de la comunicación (asigne a una persona el papel «source» o «lawyer»)",
                ));
                rows.push((self.l.name.to_string(), cell));
            }
        }
        rows.push((
            tr(lang, "Signature", "Signature", "Подпись", "Firma").into(),
            Cell::new(tr(
                lang,
                "Digitally signed: see the last page.",
                "Signé électroniquement : voir la dernière page.",
                "Подписано электронной подписью: см. последнюю страницу.",
                "Firmado digitalmente: véase la última página.",
            )),
        ));
        self.flow.fields(&rows);
        if let Some(text) = self.m.sections.get("source").filter(|t| !t.is_empty()) {
            let (text, _) = self.cite(text);
            self.flow.para(&text);
        }
    }

    /// The grounds a template argues (WGAD categories, PACE criteria): each with its notes
    /// section and the evidence it cites, and a missing-notice if none is argued.
    fn grounds(&mut self, grounds: &[(&str, &str)], not_argued: &str, what: &str, key: &str) {
        let mut argued = 0;
        for (section, title) in grounds {
            self.flow.heading(2, title, None, false);
            match self.m.sections.get(*section).filter(|t| !t.is_empty()) {
                Some(text) => {
                    argued += 1;
                    let (text, cited) = self.cite(text);
                    self.flow.para(&text);
                    if cited.is_empty() {
                        self.missing.push(format!(
                            "{title}: no evidence cited (cite items in the notes as [item:ID])"
                        ));
                    }
                    self.evidence(&cited);
                }
                None => self
                    .flow
                    .para_styled(not_argued, Face::Regular, 9.5, GREY, 0.0),
            }
        }
        if argued == 0 {
            self.miss_section(what, key);
        }
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

    fn pace(&mut self) {
        let lang = self.lang();
        self.flow.para_styled(
            tr(
                lang,
                "To the President of the Parliamentary Assembly of the Council of Europe",
                "À l'attention du Président de l'Assemblée parlementaire du Conseil de l'Europe",
                "Председателю Парламентской ассамблеи Совета Европы",
                "A la Presidencia de la Asamblea Parlamentaria del Consejo de Europa",
            ),
            Face::Bold,
            11.0,
            BLACK,
            0.0,
        );
        self.summary();
        self.flow.heading(
            1,
            tr(
                lang,
                "The criteria of Resolution 1900 (2012)",
                "Les critères de la Résolution 1900 (2012)",
                "Критерии Резолюции 1900 (2012)",
                "Los criterios de la Resolución 1900 (2012)",
            ),
            None,
            false,
        );
        self.flow.para_styled(tr(lang, "A person deprived of liberty is a political prisoner if the detention meets one or more of the following criteria.", "Une personne privée de liberté est un prisonnier politique si sa détention remplit un ou plusieurs des critères suivants.", "Лицо, лишённое свободы, является политическим заключённым, если его содержание под стражей отвечает одному или нескольким из следующих критериев.", "Una persona privada de libertad es un preso político si su detención cumple uno o varios de los criterios siguientes."), Face::Regular, 9.5, GREY, 0.0);
        let criteria = [
            (
                "criterion a",
                tr(
                    lang,
                    "(a) Violation of a fundamental guarantee of the ECHR (thought, conscience and religion; expression and information; assembly and association)",
                    "(a) Violation d'une garantie fondamentale de la CEDH (pensée, conscience et religion ; expression et information ; réunion et association)",
                    "(a) Нарушение основной гарантии ЕКПЧ (свобода мысли, совести и религии; выражения мнения и информации; собраний и объединений)",
                    "(a) Violación de una garantía fundamental del CEDH (pensamiento, conciencia y religión; expresión e información; reunión y asociación)",
                ),
            ),
            (
                "criterion b",
                tr(
                    lang,
                    "(b) Detention for purely political reasons, unconnected to any offence",
                    "(b) Détention pour des raisons purement politiques, sans lien avec une infraction",
                    "(b) Содержание под стражей по чисто политическим причинам, не связанным с каким-либо правонарушением",
                    "(b) Detención por motivos puramente políticos, sin relación con delito alguno",
                ),
            ),
            (
                "criterion c",
                tr(
                    lang,
                    "(c) Length or conditions clearly out of proportion, for political motives",
                    "(c) Durée ou conditions manifestement disproportionnées, pour des motifs politiques",
                    "(c) Явно несоразмерные срок или условия содержания по политическим мотивам",
                    "(c) Duración o condiciones manifiestamente desproporcionadas, por motivos políticos",
                ),
            ),
            (
                "criterion d",
                tr(
                    lang,
                    "(d) Detention in a discriminatory manner, for political motives",
                    "(d) Détention de manière discriminatoire, pour des motifs politiques",
                    "(d) Дискриминационное содержание под стражей по политическим мотивам",
                    "(d) Detención discriminatoria, por motivos políticos",
                ),
            ),
            (
                "criterion e",
                tr(
                    lang,
                    "(e) Clearly unfair proceedings connected with political motives",
                    "(e) Procédure manifestement inéquitable liée à des motifs politiques",
                    "(e) Явно несправедливое разбирательство, связанное с политическими мотивами",
                    "(e) Procedimiento manifiestamente injusto vinculado a motivos políticos",
                ),
            ),
        ];
        let not_argued = tr(
            lang,
            "Not argued.",
            "Non invoqué.",
            "Не заявлено.",
            "No se alega.",
        );
        self.grounds(
            &criteria,
            not_argued,
            tr(
                lang,
                "at least one criterion of Resolution 1900",
                "au moins un critère de la Résolution 1900",
                "хотя бы один критерий Резолюции 1900",
                "al menos un criterio de la Resolución 1900",
            ),
            "criterion a",
        );
        self.flow.heading(
            1,
            tr(lang, "Request", "Demande", "Просьба", "Solicitud"),
            None,
            false,
        );
        // Its own section: a request to the Assembly (recognition under Resolution 1900) is
        // not one to the Parliament. `## request` is what earlier versions read here.
        let key = if self.m.sections.contains_key("pace request") {
            "pace request"
        } else {
            "request"
        };
        self.section(
            key,
            tr(
                lang,
                "what the Assembly is asked to do",
                "ce qui est demandé à l'Assemblée",
                "о чём просят Ассамблею",
                "lo que se pide a la Asamblea",
            ),
        );
        self.flow.notice(tr(lang, "Rule 71 asks for the name and address of each signatory and signatures authenticated under national law. This document's digital signature proves who produced it; it does not replace those signatures.", "L'article 71 exige le nom et l'adresse de chaque signataire et des signatures authentifiées selon le droit national. La signature électronique de ce document en prouve l'origine ; elle ne remplace pas ces signatures.", "Правило 71 требует имени и адреса каждого подписавшего и подписей, заверенных по национальному праву. Электронная подпись этого документа подтверждает его происхождение, но не заменяет эти подписи.", "El artículo 71 exige el nombre y la dirección de cada firmante y firmas autenticadas conforme al derecho nacional. La firma digital de este documento prueba quién lo produjo; no sustituye esas firmas."), ACCENT);
        self.flow.heading(
            1,
            tr(
                lang,
                "Submitted by",
                "Présenté par",
                "Заявитель",
                "Presentado por",
            ),
            None,
            false,
        );
        self.source_fields();
    }

    fn ep(&mut self) {
        let lang = self.lang();
        self.flow.heading(
            1,
            tr(
                lang,
                "Petitioner",
                "Pétitionnaire",
                "Петиционер",
                "Peticionario/a",
            ),
            None,
            false,
        );
        self.flow.notice(ep_warning(lang), WARN);
        self.source_fields();
        if let Some(text) = self.m.sections.get("petitioner").filter(|t| !t.is_empty()) {
            let (text, _) = self.cite(text);
            self.flow.para(&text);
        } else {
            self.miss_section(
                tr(
                    lang,
                    "the petitioner's permanent address (and the other signatories, if any)",
                    "l'adresse permanente du pétitionnaire (et les autres signataires)",
                    "постоянный адрес петиционера (и других подписавших)",
                    "el domicilio permanente del peticionario (y los demás firmantes, si los hay)",
                ),
                "petitioner",
            );
        }
        self.flow.heading(
            1,
            tr(lang, "Subject", "Objet", "Предмет", "Asunto"),
            None,
            false,
        );
        match self.m.sections.get("subject").filter(|t| !t.is_empty()) {
            Some(t) => {
                let (t, _) = self.cite(t);
                self.flow.para(&t);
            }
            None => self.flow.para(&self.m.case.title.clone()),
        }
        self.flow.heading(
            1,
            tr(lang, "Facts", "Faits", "Факты", "Hechos"),
            None,
            false,
        );
        match self.summary_text() {
            Some(s) => {
                let (t, _) = self.cite(&s);
                self.flow.para(&t);
            }
            None => self.miss_section(
                tr(lang, "the facts", "les faits", "факты", "los hechos"),
                "summary",
            ),
        }
        self.flow.para_styled(
            tr(
                lang,
                "The dated facts are set out in the chronology, with the evidence for each.",
                "Les faits datés figurent dans la chronologie, avec les preuves correspondantes.",
                "Датированные факты изложены в хронологии с доказательствами к каждому.",
                "Los hechos fechados figuran en la cronología, con las pruebas de cada uno.",
            ),
            Face::Regular,
            9.5,
            GREY,
            0.0,
        );
        self.flow.heading(
            1,
            tr(lang, "Request", "Demande", "Просьба", "Solicitud"),
            None,
            false,
        );
        // Never the Assembly's `## request`: the petition asks the Parliament for something
        // else.
        self.section(
            "ep request",
            tr(
                lang,
                "what the Parliament is asked to do",
                "ce qui est demandé au Parlement",
                "о чём просят Парламент",
                "lo que se pide al Parlamento",
            ),
        );
        self.flow.para_styled(tr(lang, "The European Parliament cannot overturn decisions of national authorities or courts and does not give legal opinions; a petition must concern the European Union's fields of activity and affect the petitioner directly.", "Le Parlement européen ne peut pas annuler les décisions des autorités ou juridictions nationales et ne donne pas d'avis juridique ; une pétition doit relever des domaines d'activité de l'Union et concerner directement le pétitionnaire.", "Европейский парламент не может отменять решения национальных органов или судов и не даёт юридических заключений; петиция должна касаться сфер деятельности ЕС и непосредственно затрагивать петиционера.", "El Parlamento Europeo no puede anular decisiones de autoridades o tribunales nacionales ni emite dictámenes jurídicos; una petición debe referirse a los ámbitos de actividad de la Unión Europea y afectar directamente al peticionario."), Face::Regular, 9.0, GREY, 0.0);
    }

    fn people(&mut self) {
        let l = self.l;
        // Runs on after the template's sections (heading() keeps a heading with what follows):
        // a page of its own for a short list left pages nearly empty.
        self.flow.heading(1, l.people, None, false);
        let lang = self.lang();
        let rows: Vec<Vec<Cell>> = self
            .m
            .people
            .iter()
            .map(|p| {
                vec![
                    Cell::new(p.person.name.clone()),
                    Cell::new(p.person.aliases.join(", ")),
                    Cell::new(
                        p.person
                            .born
                            .as_deref()
                            .map(|b| show_date(b, lang))
                            .unwrap_or_default(),
                    ),
                    Cell::new(p.person.nationality.clone()),
                    Cell::new(
                        p.roles
                            .iter()
                            .map(|r| l.role(r))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ]
            })
            .collect();
        if rows.is_empty() {
            self.miss_section(l.people, "people");
        } else {
            self.flow.table(
                &[l.name, l.aliases, l.born, l.nationality, l.roles],
                &[0.26, 0.22, 0.16, 0.14, 0.22],
                &rows,
            );
        }
    }

    fn chronology(&mut self) {
        let l = self.l;
        let dated_events = tr(
            self.lang(),
            "dated events",
            "événements datés",
            "датированные события",
            "hechos fechados",
        );
        if self.m.chronology.is_empty() && self.m.undated.is_empty() {
            // No heading over nothing; the user hears it is missing.
            self.miss_section(dated_events, "events");
            return;
        }
        self.flow.heading(1, l.chronology, None, false);
        if !self.m.chronology.is_empty() {
            self.flow
                .para_styled(l.chronology_rule, Face::Regular, 8.5, GREY, 0.0);
        }
        let rows: Vec<Vec<Cell>> = self
            .m
            .chronology
            .iter()
            .map(|e| self.event_row(e))
            .collect();
        if rows.is_empty() {
            self.miss_section(dated_events, "events");
        } else {
            self.flow.table(
                &[l.date, l.event, l.people, l.annexes_col],
                &[0.18, 0.5, 0.18, 0.14],
                &rows,
            );
        }
        if !self.m.undated.is_empty() {
            self.flow.heading(2, l.undated, None, false);
            let rows: Vec<Vec<Cell>> = self.m.undated.iter().map(|e| self.event_row(e)).collect();
            self.flow.table(
                &[l.date, l.event, l.people, l.annexes_col],
                &[0.18, 0.5, 0.18, 0.14],
                &rows,
            );
        }
    }

    fn annex_list(&mut self) {
        let l = self.l;
        self.flow
            .heading(1, l.annex_list, Some(self.list_anchor), true);
        let rows: Vec<Vec<Cell>> = self
            .m
            .annexes
            .iter()
            .map(|a| {
                vec![
                    Cell::new(format!("A{}", a.number))
                        .link(self.annex_anchor[a.number as usize - 1]),
                    Cell::new(a.item.name.clone()),
                    Cell::new(self.annex_date(a, true)),
                    Cell::new(a.item.media_type.clone()),
                    Cell::new(human_size(a.item.size)),
                    Cell::mono(a.item.sha256.clone()),
                ]
            })
            .collect();
        if rows.is_empty() {
            self.flow.para_styled("—", Face::Regular, 10.0, GREY, 0.0);
        } else {
            self.flow.table(
                &[l.number, l.annex_title, l.date, l.kind, l.size, "SHA-256"],
                &[0.07, 0.22, 0.16, 0.13, 0.09, 0.33],
                &rows,
            );
            let from_file = self.m.annexes.iter().any(|a| {
                a.dated
                    .as_ref()
                    .is_some_and(|d| d.origin != DateOrigin::Stated)
            });
            if from_file {
                self.flow
                    .para_styled(l.from_file_note, Face::Regular, 8.5, GREY, 0.0);
            }
        }
    }

    /// An annex's document date as printed: "undated" without one; with `marked`, a date read
    /// from the file's metadata carries the mark the annex list explains.
    fn annex_date(&self, a: &Annex, marked: bool) -> String {
        let l = self.l;
        match &a.dated {
            None => l.no_date.to_string(),
            Some(d) if d.origin == DateOrigin::Stated => show_date(&d.date, self.lang()),
            Some(d) if marked => format!("{}*", show_date(&d.date, self.lang())),
            Some(d) => format!("{} ({})", show_date(&d.date, self.lang()), l.from_file),
        }
    }

    fn annexes(&mut self) {
        if self.m.annexes.is_empty() {
            return;
        }
        let l = self.l;
        self.flow.heading(1, l.annexes, None, true);
        let m = self.m;
        for (i, a) in m.annexes.iter().enumerate() {
            // The first annex shares its page with the "Annexes" heading.
            self.annex(a, i > 0);
        }
    }

    fn annex(&mut self, a: &Annex, new_page: bool) {
        let l = self.l;
        let anchor = self.annex_anchor[a.number as usize - 1];
        self.flow.heading(
            2,
            &format!("{} {} — {}", l.annex, a.number, a.item.name),
            Some(anchor),
            new_page,
        );
        let withheld = matches!(a.attached, super::Attached::Withheld);
        let mut rows = vec![
            (
                l.file.to_string(),
                if self.m.no_originals || withheld {
                    Cell::new("—")
                } else {
                    Cell::mono(a.file_name.clone())
                },
            ),
            ("SHA-256".to_string(), Cell::mono(a.item.sha256.clone())),
            (
                l.size.to_string(),
                Cell::new(format!(
                    "{} ({} {})",
                    human_size(a.item.size),
                    a.item.size,
                    l.bytes
                )),
            ),
            (l.kind.to_string(), Cell::new(a.item.media_type.clone())),
            (l.date.to_string(), Cell::new(self.annex_date(a, false))),
        ];
        if !a.item.notes.is_empty() {
            rows.push((
                tr(self.lang(), "Notes", "Notes", "Заметки", "Notas").into(),
                Cell::new(a.item.notes.clone()),
            ));
        }
        if !self.m.strip_exif {
            // The moment the camera recorded, written like every other date, with its time
            // of day (the date row above may be the one the user stated instead).
            if let Some(t) = a.metadata.get("date_taken").and_then(|v| v.as_str())
                && let Some(day) = crate::dating::from_metadata(&a.metadata)
                    .filter(|d| d.origin == DateOrigin::Taken)
            {
                let time = t.get(11..16).unwrap_or("");
                let taken = format!("{} {time}", show_date(&day.date, self.lang()));
                rows.push((l.taken.into(), Cell::new(taken.trim_end())));
            }
            if let Some(t) = a.metadata.get("camera").and_then(|v| v.as_str()) {
                rows.push((l.camera.into(), Cell::new(t)));
            }
            if let Some(g) = a.metadata.get("gps") {
                let lat = g.get("latitude").and_then(|v| v.as_f64());
                let lon = g.get("longitude").and_then(|v| v.as_f64());
                if let (Some(lat), Some(lon)) = (lat, lon) {
                    rows.push((l.location.into(), Cell::new(format!("{lat:.6}, {lon:.6}"))));
                }
            }
        }
        if let super::Attached::Copy { sha256, .. } = &a.attached
            && !self.m.no_originals
        {
            rows.insert(
                2,
                (
                    tr(self.lang(), "Copy attached", "Copie jointe", "Приложена копия", "Copia adjunta").into(),
                    Cell::new(format!(
                        "{} SHA-256 {sha256}",
                        tr(
                            self.lang(),
                            "a copy without location and camera data (this petition may be published);",
                            "une copie sans données de lieu ni d'appareil (cette pétition peut être publiée) ;",
                            "копия без данных о месте и камере (петиция может быть опубликована);", "una copia sin datos de ubicación ni de cámara (esta petición puede publicarse);",
                        )
                    )),
                ),
            );
        }
        self.flow.fields(&rows);
        if self.m.no_originals {
            self.flow.notice(l.not_attached, GREY);
        } else if withheld {
            self.flow.notice(
                tr(
                    self.lang(),
                    "Not attached: this petition may be published, and the file may show where it was made. It is identified by its SHA-256 above.",
                    "Non jointe : cette pétition peut être publiée, et le fichier peut indiquer où il a été fait. Il est identifié par son SHA-256 ci-dessus.",
                    "Не приложено: петиция может быть опубликована, а файл может показать, где он сделан. Он определяется своим SHA-256 выше.", "No se adjunta: esta petición puede publicarse y el archivo puede revelar dónde se hizo. Se identifica por su SHA-256, indicado arriba.",
                ),
                GREY,
            );
        }
        match &a.inline {
            Inline::Picture { jpeg, px } => {
                let room = self.flow.room().max(300.0);
                self.flow.image(jpeg.clone(), *px, room - 10.0);
            }
            Inline::Text(t) => self.flow.para_styled(t, Face::Regular, 9.0, BLACK, 0.0),
            Inline::Email { headers, body } => {
                let rows: Vec<(String, Cell)> = headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), Cell::new(v.clone())))
                    .collect();
                self.flow.fields(&rows);
                self.flow.para_styled(body, Face::Regular, 9.0, BLACK, 0.0);
            }
            Inline::Pdf { pages, excerpt } => {
                if let Some(p) = pages {
                    self.flow
                        .fields(&[(l.pages.into(), Cell::new(p.to_string()))]);
                }
                self.flow
                    .para_styled(l.no_inline, Face::Regular, 9.0, GREY, 0.0);
                if !excerpt.is_empty() {
                    self.flow
                        .para_styled(&format!("{}:", l.excerpt), Face::Bold, 9.0, GREY, 0.0);
                    self.flow
                        .para_styled(excerpt, Face::Regular, 8.5, GREY, 8.0);
                }
            }
            Inline::Nothing => self
                .flow
                .para_styled(l.no_inline, Face::Regular, 9.0, GREY, 0.0),
        }
    }

    fn verification(&mut self) {
        let l = self.l;
        self.flow
            .heading(1, l.verification, Some(self.verify_anchor), true);
        for (i, step) in l.verification_steps.iter().enumerate() {
            self.flow.para_styled(
                &format!("{}. {step}", i + 1),
                Face::Regular,
                9.5,
                BLACK,
                0.0,
            );
        }
        self.flow.space(6.0);
        let lang = self.lang();
        let rows = vec![
            (
                tr(lang, "Signed by", "Signé par", "Подписант", "Firmado por").to_string(),
                Cell::new(self.m.signed_as.clone()),
            ),
            (
                l.fingerprint.to_string(),
                Cell::mono(self.m.fingerprint.clone()),
            ),
            (
                tr(
                    lang,
                    "Signing certificate, SHA-256 fingerprint (what PDF readers and pyHanko show; it changes when the sender renews it: compare the root's above)",
                    "Certificat de signature, empreinte SHA-256 (celle qu'affichent les lecteurs PDF et pyHanko ; elle change quand l'expéditeur le renouvelle : comparez celle de la racine ci-dessus)",
                    "Сертификат подписи, отпечаток SHA-256 (его показывают программы чтения PDF и pyHanko; он меняется при обновлении сертификата: сравнивайте отпечаток корневого выше)", "Certificado de firma, huella SHA-256 (la que muestran los lectores de PDF y pyHanko; cambia cuando el remitente lo renueva: compare la de la raíz, arriba)",
                )
                .to_string(),
                Cell::mono(self.m.signer_fingerprint.clone()),
            ),
            (
                l.signed_at.to_string(),
                // In the words every other date of the dossier uses.
                Cell::new(format!(
                    "{} (UTC)",
                    show_date(
                        &format!(
                            "{:04}-{:02}-{:02}",
                            self.m.created.year(),
                            self.m.created.month() as u8,
                            self.m.created.day()
                        ),
                        lang
                    )
                )),
            ),
            (
                l.annex_list.to_string(),
                Cell::new(format!(
                    "{} ({})",
                    self.m.annexes.len(),
                    crate::pdf::MANIFEST_NAME
                )),
            ),
        ];
        self.flow.fields(&rows);
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
