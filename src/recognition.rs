//! The OCR pass. Import extracts what a file says about itself and marks images and PDFs
//! without a text layer as queued for OCR; this pass then recognises their text in the parser
//! worker, one item at a time, and puts it in the encrypted text index after the extracted
//! text, so `search` finds words that only a scan contains. The original is never changed.
//!
//! It is a pass of its own because it is slow (seconds a page) while import is not: the CLI
//! runs it after `import` and `reindex` (unless `--no-ocr`), the app in the background. It
//! can be turned off per vault, and the languages are the vault's (`rus+kaz+eng` by default).

use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::json;

use crate::error::{Error, Result};
use crate::extract::ocr;
use crate::items::Item;
use crate::progress::Progress;
use crate::vault::Vault;

const PREF_ON: &str = "ocr";
const PREF_LANGUAGES: &str = "ocr_languages";

/// Whether OCR runs in this vault, and in which languages.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OcrSettings {
    pub enabled: bool,
    /// Tesseract's language list, e.g. `rus+kaz+eng`.
    pub languages: String,
    /// Whether Tesseract is installed on this machine.
    pub available: bool,
}

/// One item to recognise ([`Vault::ocr_job`]).
pub struct OcrJob {
    pub item: Item,
    pub bytes: Vec<u8>,
    pub languages: String,
}

/// The machine-recognised text of an item.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecognisedText {
    pub text: String,
    pub engine: String,
    pub languages: String,
    pub pages: Vec<ocr::OcrPage>,
}

impl Vault {
    /// This vault's OCR settings (on, Russian + Kazakh + English, unless changed).
    pub fn ocr_settings(&self) -> Result<OcrSettings> {
        Ok(OcrSettings {
            enabled: self.preference(PREF_ON)?.as_deref() != Some("off"),
            languages: self.ocr_languages()?,
            available: ocr::available(),
        })
    }

    fn ocr_languages(&self) -> Result<String> {
        Ok(self
            .preference(PREF_LANGUAGES)?
            .unwrap_or_else(|| ocr::DEFAULT_LANGUAGES.into()))
    }

    /// Turns OCR on or off, and sets its languages (Tesseract names joined by `+`).
    pub fn set_ocr(&mut self, enabled: Option<bool>, languages: Option<&str>) -> Result<()> {
        if let Some(l) = languages {
            if !ocr::valid_languages(l) {
                return Err(Error::Invalid(format!(
                    "{l:?} is not a list of OCR languages (e.g. rus+kaz+eng)"
                )));
            }
            self.set_preference(PREF_LANGUAGES, l)?;
        }
        if let Some(on) = enabled {
            self.set_preference(PREF_ON, if on { "on" } else { "off" })?;
        }
        Ok(())
    }

    /// Queues again the items whose OCR failed (Tesseract or a language was missing, a page
    /// timed out); returns how many.
    pub fn requeue_failed_ocr(&mut self) -> Result<usize> {
        let (n, _) = self.commit(|cat, _| {
            Ok(cat.db.execute(
                "UPDATE extractions SET metadata = json_set(metadata, '$.ocr', json('{\"status\":\"queued\"}'))
                 WHERE json_extract(metadata, '$.ocr.status') = 'failed'",
                [],
            )?)
        })?;
        Ok(n)
    }

    /// Items waiting for OCR, in import order.
    pub fn ocr_queue(&self) -> Result<Vec<Item>> {
        let mut stmt = self.catalog.db.prepare(
            "SELECT e.item_id FROM extractions e JOIN items i ON i.id = e.item_id
             WHERE json_extract(e.metadata, '$.ocr.status') = 'queued'
               AND i.deleted_at IS NULL AND i.purged_at IS NULL
             ORDER BY i.imported_at, i.id",
        )?;
        let ids: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.iter().map(|id| self.catalog.item(id)).collect()
    }

    /// Recognises the text of every queued item (nothing if OCR is off or Tesseract is not
    /// installed: the items stay queued rather than fail). Returns how many items were
    /// recognised; one that fails is recorded as failed (and warned about), and the pass goes
    /// on.
    pub fn recognise_queued(&mut self, progress: &dyn Progress) -> Result<usize> {
        let settings = self.ocr_settings()?;
        if !settings.enabled || !settings.available {
            return Ok(0);
        }
        let mut done = 0;
        for item in self.ocr_queue()? {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            progress.start(&item.name, item.size);
            let outcome = self.ocr_job(&item.id).and_then(|job| {
                let result = self.parser.ocr(
                    &job.bytes,
                    &job.item.media_type,
                    &job.languages,
                    ocr::DEFAULT_MAX_PAGES,
                );
                self.record_ocr(&job, result)
            });
            progress.finish();
            match outcome {
                Ok(None) => done += 1,
                Ok(Some(why)) => self.warnings.push(format!(
                    "{} ({}): no text recognised: {why}",
                    item.id, item.name
                )),
                Err(e) => self
                    .warnings
                    .push(format!("{} ({}): OCR: {e}", item.id, item.name)),
            }
        }
        Ok(done)
    }

    /// What recognising one item needs: its bytes (authenticated) and the vault's languages.
    /// The app recognises outside its lock on the vault, so the vault stays usable meanwhile:
    /// [`Vault::ocr_job`], then [`crate::worker::Parser::ocr`], then [`Vault::record_ocr`].
    pub fn ocr_job(&self, id: &str) -> Result<OcrJob> {
        let item = self.catalog.item(id)?;
        let bytes = self.read_item(&item)?;
        Ok(OcrJob {
            languages: self.ocr_languages()?,
            item,
            bytes,
        })
    }

    /// Records the outcome of recognising `job`: the text goes into the text index after the
    /// extracted text, the pages' confidence into the item's metadata. Returns why nothing
    /// was recognised, if nothing was (recorded as the item's OCR failure).
    pub fn record_ocr(
        &mut self,
        job: &OcrJob,
        result: std::result::Result<ocr::Recognised, String>,
    ) -> Result<Option<String>> {
        let (item, languages) = (&job.item, job.languages.as_str());
        let extracted = crate::textindex::get(&self.texts()?.db, &item.id)?.unwrap_or_default();
        // A result without a single page is a failure, whatever else it says.
        let result = match result {
            Ok(r) if r.pages.is_empty() => {
                Err(r.error.unwrap_or_else(|| "no page could be read".into()))
            }
            other => other,
        };
        let (record, text) = match &result {
            Ok(r) => {
                let mut text = extracted.clone();
                if !text.is_empty() && !r.text.is_empty() {
                    text.push_str("\n\n");
                }
                let offset = text.len();
                text.push_str(&r.text);
                (
                    json!({
                        "status": "done",
                        "engine": r.engine,
                        "languages": languages,
                        "pages": r.pages,
                        "text_offset": offset,
                        "error": r.error,
                    }),
                    Some(text),
                )
            }
            Err(e) => (
                json!({ "status": "failed", "error": e, "languages": languages }),
                None,
            ),
        };
        let text_bytes = text.as_ref().map_or(extracted.len(), String::len) as i64;
        self.commit(|cat, _| {
            cat.db.execute(
                "UPDATE extractions SET metadata = json_set(metadata, '$.ocr', json(?2)), text_bytes = ?3
                 WHERE item_id = ?1",
                rusqlite::params![item.id, record.to_string(), text_bytes],
            )?;
            Ok(())
        })?;
        if let Some(text) = text
            && !text.is_empty()
        {
            crate::textindex::put(&self.texts()?.db, &item.id, &text)?;
            self.texts_dirty = true;
        }
        Ok(result.err())
    }

    /// Asks this vault's parser worker to try what its sandbox forbids (a self-check: the
    /// answers must all be refusals), starting the worker if none runs.
    pub fn probe_parser(&mut self) -> Result<crate::worker::Probe> {
        self.parser.probe().map_err(Error::Invalid)
    }

    /// The machine-recognised text of an item, if OCR recognised any (`None` also when OCR
    /// ran and found no text: its metadata says `done`).
    pub fn recognised_text(&mut self, id: &str) -> Result<Option<RecognisedText>> {
        let item = self.catalog.item(id)?;
        let record: Option<String> = self
            .catalog
            .db
            .query_row(
                "SELECT json_extract(metadata, '$.ocr') FROM extractions WHERE item_id = ?1",
                [&item.id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let Some(record) = record.and_then(|r| serde_json::from_str::<serde_json::Value>(&r).ok())
        else {
            return Ok(None);
        };
        if record["status"] != "done" {
            return Ok(None);
        }
        let offset = record["text_offset"].as_u64().unwrap_or(0) as usize;
        let text = crate::textindex::get(&self.texts()?.db, &item.id)?.unwrap_or_default();
        let Some(recognised) = text.get(offset..).filter(|t| !t.trim().is_empty()) else {
            return Ok(None);
        };
        Ok(Some(RecognisedText {
            text: recognised.to_string(),
            engine: record["engine"].as_str().unwrap_or_default().to_string(),
            languages: record["languages"].as_str().unwrap_or_default().to_string(),
            pages: serde_json::from_value(record["pages"].clone()).unwrap_or_default(),
        }))
    }
}
