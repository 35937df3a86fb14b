//! The cover page: who it is for, what it is, the case's title and numbers, and the
//! fingerprint to compare.

use super::*;

impl<'m> Ctx<'m> {
    pub(super) fn cover(&mut self) {
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
}
