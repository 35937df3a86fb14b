//! The two parliamentary templates: a note to the President of PACE on the criteria of
//! Resolution 1900 (2012), and a petition to the European Parliament (Article 227 TFEU).

use super::*;

impl<'m> Ctx<'m> {
    pub(super) fn pace(&mut self) {
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
        // Rule 71: every signatory's name and address.
        match self.m.sections.get("signatories").filter(|t| !t.is_empty()) {
            Some(text) => {
                let (text, _) = self.cite(text);
                self.flow.fields(&[(
                    tr(
                        lang,
                        "Signatories",
                        "Signataires",
                        "Подписавшие",
                        "Firmantes",
                    )
                    .into(),
                    Cell::new(text),
                )]);
            }
            None => self.miss_section(
                tr(
                    lang,
                    "the signatories' names and addresses (Rule 71)",
                    "les noms et adresses des signataires (article 71)",
                    "имена и адреса подписавших (правило 71)",
                    "los nombres y direcciones de los firmantes (artículo 71)",
                ),
                "signatories",
            ),
        }
    }

    pub(super) fn ep(&mut self) {
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
        let eligible = tr(
            lang,
            "EU citizen or resident (or an organisation with its registered office in the EU)",
            "Citoyen ou résident de l'UE (ou organisation ayant son siège dans l'UE)",
            "Гражданин или резидент ЕС (или организация с зарегистрированным офисом в ЕС)",
            "Ciudadano o residente de la UE (u organización con domicilio social en la UE)",
        );
        let cell = self.yes_no_cell("petitioner eligible", eligible);
        self.flow.fields(&[(eligible.to_string(), cell)]);
        if self.answer("petitioner eligible") == Some(false) {
            self.notes.push("the petitioner is not an EU citizen or resident: the European Parliament will declare the petition inadmissible (Article 227 TFEU)".into());
        }
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
}
