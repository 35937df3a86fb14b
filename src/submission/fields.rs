//! A submission as typed fields stored with the case, rather than `## key` headings in free
//! notes: what each template asks for (the WGAD questionnaire, PACE's Resolution 1900 note,
//! an EP petition), with the questions the headings could not ask (the source's consent and
//! confidentiality, an urgent action, a petitioner's eligibility).
//!
//! A field's value is stored in `submission_fields` (logged and merged like any register
//! field). Until it is set, the case notes' section of the same key is used, so existing cases
//! keep their text; the form says where each value comes from.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Template;
use crate::error::{Error, Result};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Prose; may cite evidence as `[item:ID]`.
    Text,
    /// `yes` or `no`.
    YesNo,
}

/// One question of a template's form.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    /// Without it the body cannot act on the submission (the form's checklist).
    pub required: bool,
}

const fn text(key: &'static str, label: &'static str, required: bool) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind: FieldKind::Text,
        required,
    }
}

const fn yes_no(key: &'static str, label: &'static str, required: bool) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind: FieldKind::YesNo,
        required,
    }
}

const SUMMARY: FieldSpec = text("summary", "Summary of the case", true);

const WGAD: &[FieldSpec] = &[
    SUMMARY,
    text(
        "identity",
        "Sex, identity document, profession and usual address of the person detained",
        true,
    ),
    text(
        "arrest",
        "The arrest: date, place, forces, warrant and authority, legislation applied",
        true,
    ),
    text(
        "detention",
        "The detention: dates, places, authority, reasons given",
        true,
    ),
    text(
        "arbitrary",
        "Why the detention is arbitrary, in general",
        false,
    ),
    text("category i", "Category I: no legal basis", false),
    text(
        "category ii",
        "Category II: exercise of rights and freedoms",
        false,
    ),
    text(
        "category iii",
        "Category III: grave breach of fair-trial norms",
        false,
    ),
    text(
        "category iv",
        "Category IV: prolonged administrative custody of asylum seekers, immigrants or refugees",
        false,
    ),
    text("category v", "Category V: discrimination", false),
    text(
        "remedies",
        "Domestic remedies pursued and their results",
        true,
    ),
    text(
        "source",
        "The submitting source's relationship to the person detained",
        true,
    ),
    yes_no(
        "source consent",
        "The person detained or the family consented to this communication",
        true,
    ),
    yes_no(
        "source confidential",
        "Keep the source's identity confidential",
        true,
    ),
    yes_no(
        "urgent action",
        "Ask for an urgent action (the person's life, health or safety is at risk)",
        false,
    ),
    text("urgent reason", "Why the urgent action is needed", false),
];

const PACE: &[FieldSpec] = &[
    SUMMARY,
    text(
        "criterion a",
        "(a) Violation of a fundamental guarantee of the ECHR",
        false,
    ),
    text(
        "criterion b",
        "(b) Detention for purely political reasons",
        false,
    ),
    text(
        "criterion c",
        "(c) Length or conditions out of proportion, for political motives",
        false,
    ),
    text(
        "criterion d",
        "(d) Detention in a discriminatory manner",
        false,
    ),
    text("criterion e", "(e) Clearly unfair proceedings", false),
    text("pace request", "What the Assembly is asked to do", true),
    text(
        "signatories",
        "The signatories' names and addresses (Rule 71)",
        true,
    ),
];

const EP: &[FieldSpec] = &[
    SUMMARY,
    text("subject", "The subject of the petition", true),
    text("ep request", "What the Parliament is asked to do", true),
    text(
        "petitioner",
        "The petitioner's permanent address (and other signatories)",
        true,
    ),
    yes_no(
        "petitioner eligible",
        "The petitioner is an EU citizen or resides in the EU (or is an organisation with its registered office there)",
        true,
    ),
];

const GENERIC: &[FieldSpec] = &[SUMMARY];

impl Template {
    /// The questions this template's form asks, in the order the dossier answers them.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Template::Wgad => WGAD,
            Template::Pace => PACE,
            Template::Ep => EP,
            Template::Generic => GENERIC,
        }
    }
}

/// Every field's key, each once, in the order the templates ask (for the UI's catalogues,
/// which name each field in the language on screen).
pub fn all_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for f in [WGAD, PACE, EP, GENERIC].into_iter().flatten() {
        if !keys.contains(&f.key) {
            keys.push(f.key);
        }
    }
    keys
}

/// The spec of a key in any template.
pub fn spec(key: &str) -> Option<&'static FieldSpec> {
    [WGAD, PACE, EP, GENERIC]
        .into_iter()
        .flatten()
        .find(|f| f.key == key)
}

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FieldOrigin {
    /// Set in the form.
    Field,
    /// The case notes' `## key` section (until the field is set).
    CaseNotes,
    /// Nothing yet.
    Empty,
}

/// A field of a case's submission as the form shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldState {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub value: String,
    pub origin: FieldOrigin,
}

/// The stored fields of a case, key → value.
pub(crate) fn stored(db: &Connection, case_id: &str) -> Result<Vec<(String, String)>> {
    let mut stmt =
        db.prepare_cached("SELECT key, value FROM submission_fields WHERE case_id = ?1")?;
    let rows = stmt.query_map([case_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Checks and normalises a value for `key`; `None` clears it.
pub(crate) fn checked(key: &str, value: Option<&str>) -> Result<Option<String>> {
    let spec = spec(key).ok_or_else(|| {
        Error::Invalid(format!(
            "{key:?} is not a submission field: `dossier submission show` lists them"
        ))
    })?;
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match spec.kind {
        FieldKind::Text => Ok(Some(v.to_string())),
        FieldKind::YesNo => match v.to_lowercase().as_str() {
            "yes" | "y" | "true" => Ok(Some("yes".into())),
            "no" | "n" | "false" => Ok(Some("no".into())),
            _ => Err(Error::Invalid(format!(
                "{key:?} is answered yes or no, not {v:?}"
            ))),
        },
    }
}

/// Sets (or with `None` clears) a field. Call inside a logged change.
pub(crate) fn set(db: &Connection, case_id: &str, key: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(v) => db.execute(
            "INSERT INTO submission_fields (case_id, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (case_id, key) DO UPDATE SET value = excluded.value",
            params![case_id, key, v],
        )?,
        None => db.execute(
            "DELETE FROM submission_fields WHERE case_id = ?1 AND key = ?2",
            params![case_id, key],
        )?,
    };
    Ok(())
}

/// A stored field's value, if set.
pub(crate) fn value(db: &Connection, case_id: &str, key: &str) -> Result<Option<String>> {
    Ok(db
        .prepare_cached("SELECT value FROM submission_fields WHERE case_id = ?1 AND key = ?2")?
        .query_row(params![case_id, key], |r| r.get(0))
        .optional()?)
}

impl crate::Vault {
    fn case_of(&self, case: &str) -> Result<crate::register::Case> {
        let id = crate::register::resolve(&self.catalog.db, "cases", "case", case)?;
        crate::register::load_case(&self.catalog.db, &id)
    }

    /// A case's submission for `template` as its form shows it: every field with its value
    /// and where the value comes from (the field, or the notes' section until the field is
    /// set).
    pub fn submission_form(&self, case: &str, template: Template) -> Result<Vec<FieldState>> {
        let case = self.case_of(case)?;
        let (_, sections) = super::note_sections(&case.notes);
        let set: std::collections::HashMap<String, String> =
            stored(&self.catalog.db, &case.id)?.into_iter().collect();
        Ok(template
            .fields()
            .iter()
            .map(|f| {
                let (value, origin) = match (set.get(f.key), sections.get(f.key)) {
                    (Some(v), _) => (v.clone(), FieldOrigin::Field),
                    (None, Some(v)) if !v.is_empty() => (v.clone(), FieldOrigin::CaseNotes),
                    _ => (String::new(), FieldOrigin::Empty),
                };
                FieldState {
                    key: f.key.into(),
                    label: f.label.into(),
                    kind: f.kind,
                    required: f.required,
                    value,
                    origin,
                }
            })
            .collect())
    }

    /// Sets a field of a case's submission (`None` or blank clears it: the notes' section, if
    /// any, is used again). A yes-or-no field takes `yes` or `no`. Logged in the custody log.
    pub fn set_submission_field(
        &mut self,
        case: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<()> {
        let case = self.case_of(case)?;
        let value = checked(key, value)?;
        // A citation that names no item is caught now, not when the dossier is exported.
        for prefix in value.as_deref().map(super::citations).unwrap_or_default() {
            self.item(&prefix).map_err(|e| {
                Error::Invalid(format!("the citation [item:{prefix}] in {key:?}: {e}"))
            })?;
        }
        let before = self::value(&self.catalog.db, &case.id, key)?;
        if before == value {
            return Ok(());
        }
        self.upgrade_schema()?;
        self.commit(|cat, now| {
            set(&cat.db, &case.id, key, value.as_deref())?;
            crate::custody::append(
                &cat.db,
                now,
                crate::custody::Action::Edit,
                None,
                &serde_json::json!({ "case": case.id, "submission_field": key, "from": before, "to": value }),
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_per_template_and_values_are_checked() {
        for t in [
            Template::Wgad,
            Template::Pace,
            Template::Ep,
            Template::Generic,
        ] {
            let keys: Vec<&str> = t.fields().iter().map(|f| f.key).collect();
            let mut unique = keys.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(keys.len(), unique.len(), "{t:?}");
        }
        assert_eq!(
            checked("source consent", Some(" Yes ")).unwrap().as_deref(),
            Some("yes")
        );
        assert!(checked("source consent", Some("perhaps")).is_err());
        assert!(checked("no such field", Some("x")).is_err());
        assert_eq!(checked("arrest", Some("   ")).unwrap(), None);
    }
}
