//! The UN WGAD's model questionnaire: sections I to VI, the grounds of arbitrariness and the
//! submitting source.

use super::*;

impl<'m> Ctx<'m> {
    pub(super) fn wgad(&mut self) {
        let lang = self.lang();
        self.summary();
        if self.answer("urgent action") == Some(true) {
            let reason = self
                .m
                .sections
                .get("urgent reason")
                .cloned()
                .unwrap_or_default();
            let (reason, _) = self.cite(&reason);
            let ask = tr(
                lang,
                "Urgent action requested",
                "Action urgente demandée",
                "Просьба о срочных мерах",
                "Se solicita una acción urgente",
            );
            let text = if reason.is_empty() {
                ask.to_string()
            } else {
                format!("{ask}: {reason}")
            };
            self.flow.notice(&text, WARN);
        }
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

    pub(super) fn source_fields(&mut self) {
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
        if self.m.template == Template::Wgad {
            let consent = tr(
                lang,
                "Consent of the person detained or the family",
                "Consentement de la personne détenue ou de sa famille",
                "Согласие задержанного или его семьи",
                "Consentimiento de la persona detenida o de su familia",
            );
            let cell = self.yes_no_cell("source consent", consent);
            rows.push((consent.into(), cell));
            let confidential = tr(
                lang,
                "Keep the source's identity confidential",
                "Garder confidentielle l'identité de la source",
                "Сохранить личность источника в тайне",
                "Mantener confidencial la identidad de la fuente",
            );
            let cell = self.yes_no_cell("source confidential", confidential);
            rows.push((confidential.into(), cell));
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
    pub(super) fn grounds(
        &mut self,
        grounds: &[(&str, &str)],
        not_argued: &str,
        what: &str,
        key: &str,
    ) {
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
}
