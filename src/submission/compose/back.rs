//! What every dossier ends with: the people, the chronology, the list of annexes, each annex
//! with its facts and inline view, and the page that tells a recipient how to verify it all.

use super::*;

impl<'m> Ctx<'m> {
    pub(super) fn people(&mut self) {
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

    pub(super) fn chronology(&mut self) {
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

    pub(super) fn annex_list(&mut self) {
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
    pub(super) fn annex_date(&self, a: &Annex, marked: bool) -> String {
        let l = self.l;
        match &a.dated {
            None => l.no_date.to_string(),
            Some(d) if d.origin == DateOrigin::Stated => show_date(&d.date, self.lang()),
            Some(d) if marked => format!("{}*", show_date(&d.date, self.lang())),
            Some(d) => format!("{} ({})", show_date(&d.date, self.lang()), l.from_file),
        }
    }

    pub(super) fn annexes(&mut self) {
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

    pub(super) fn annex(&mut self, a: &Annex, new_page: bool) {
        let l = self.l;
        let anchor = self.annex_anchor[a.number as usize - 1];
        self.flow.heading(
            2,
            &format!("{} {} — {}", l.annex, a.number, a.item.name),
            Some(anchor),
            new_page,
        );
        let withheld = matches!(a.attached, crate::submission::Attached::Withheld);
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
        if let (Some(s), Some(label)) = (&a.stamp, self.stamps.label(a.number)) {
            let t = &s.stamp.time;
            let when = format!(
                "{} {} UTC",
                show_date(t.get(..10).unwrap_or(t), self.lang()),
                t.get(11..16).unwrap_or("")
            );
            rows.push((
                tr(
                    self.lang(),
                    "Time-stamped",
                    "Horodaté",
                    "Метка времени",
                    "Sello de tiempo",
                )
                .into(),
                Cell::new(format!(
                    "{when}, {} ({label}: {label}_statement.txt, {label}_token.tsr)",
                    s.stamp.authority
                )),
            ));
        }
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
        if let crate::submission::Attached::Copy { sha256, .. } = &a.attached
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
                let alt = format!(
                    "{} {} {}: {}",
                    tr(self.lang(), "Picture,", "Image,", "Изображение,", "Imagen,"),
                    self.l.annex,
                    a.number,
                    a.item.name
                );
                self.flow.image(jpeg.clone(), *px, room - 10.0, &alt);
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

    pub(super) fn verification(&mut self) {
        let l = self.l;
        self.flow
            .heading(1, l.verification, Some(self.verify_anchor), true);
        let stamps_step = (!self.stamps.is_empty()).then(|| {
            tr(
                self.lang(),
                "Time-stamps (T1, T2, …): each is attached as Tn_statement.txt and Tn_token.tsr. openssl ts -verify -data Tn_statement.txt -in Tn_token.tsr -token_in -CAfile AUTHORITY.pem must say \"Verification: OK\" (AUTHORITY.pem: the root certificate of the time-stamping authority, obtained from it). Then printf '%s%s' SALT SHA256 | sha256sum, with the annex's salt from dossier-manifest.json and its SHA-256, must give a line of Tn_statement.txt: the annex existed no later than the token's time.",
                "Horodatages (T1, T2, …) : chacun est joint sous Tn_statement.txt et Tn_token.tsr. openssl ts -verify -data Tn_statement.txt -in Tn_token.tsr -token_in -CAfile AUTORITE.pem doit afficher « Verification: OK » (AUTORITE.pem : le certificat racine de l'autorité d'horodatage, obtenu auprès d'elle). Ensuite printf '%s%s' SEL SHA256 | sha256sum, avec le sel de l'annexe tiré de dossier-manifest.json et son SHA-256, doit donner une ligne de Tn_statement.txt : l'annexe existait au plus tard à l'heure du jeton.",
                "Метки времени (T1, T2, …): каждая приложена как Tn_statement.txt и Tn_token.tsr. Команда openssl ts -verify -data Tn_statement.txt -in Tn_token.tsr -token_in -CAfile ОРГАН.pem должна вывести «Verification: OK» (ОРГАН.pem — корневой сертификат органа меток времени, полученный от него). Затем printf '%s%s' СОЛЬ SHA256 | sha256sum, где соль приложения взята из dossier-manifest.json, а SHA-256 — его хеш, должна дать одну из строк Tn_statement.txt: приложение существовало не позднее времени метки.",
                "Sellos de tiempo (T1, T2, …): cada uno se adjunta como Tn_statement.txt y Tn_token.tsr. openssl ts -verify -data Tn_statement.txt -in Tn_token.tsr -token_in -CAfile AUTORIDAD.pem debe decir «Verification: OK» (AUTORIDAD.pem: el certificado raíz de la autoridad de sellado de tiempo, obtenido de ella). Después printf '%s%s' SAL SHA256 | sha256sum, con la sal del anexo tomada de dossier-manifest.json y su SHA-256, debe dar una línea de Tn_statement.txt: el anexo existía a más tardar a la hora del sello.",
            )
        });
        // Before the last step, which says `verify-pdf` checks all of the above.
        let (last, before) = l
            .verification_steps
            .split_last()
            .expect("every language has verification steps");
        let steps = before
            .iter()
            .copied()
            .chain(stamps_step)
            .chain(std::iter::once(*last));
        for (i, step) in steps.enumerate() {
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
        let mut rows = vec![
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
        if self.m.time_stamped {
            rows.insert(
                rows.len() - 1,
                (
                    tr(lang, "Time-stamp", "Horodatage", "Метка времени", "Sello de tiempo")
                        .to_string(),
                    Cell::new(tr(
                        lang,
                        "The signature was sent for an RFC 3161 time-stamp. Where a validator shows one, its time comes from the time-stamping authority it names, not from the signer's computer: the signature existed no later than that time. The date above is the signer's clock.",
                        "La signature a été soumise à un horodatage RFC 3161. Lorsqu'un validateur en affiche un, son heure vient de l'autorité d'horodatage qu'il nomme, non de l'ordinateur du signataire : la signature existait au plus tard à cette heure. La date ci-dessus est l'horloge du signataire.",
                        "Подпись направлена для получения метки времени RFC 3161. Если программа проверки показывает метку, её время получено от названного в ней органа меток времени, а не от компьютера подписанта: подпись существовала не позднее этого времени. Дата выше — по часам подписанта.",
                        "La firma se envió para un sello de tiempo RFC 3161. Cuando un validador lo muestra, su hora procede de la autoridad de sellado de tiempo que nombra, no del ordenador del firmante: la firma existía a más tardar a esa hora. La fecha de arriba es el reloj del firmante.",
                    )
                    .to_string()),
                ),
            );
        }
        self.flow.fields(&rows);
    }
}
