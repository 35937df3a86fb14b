//! An item's document date: when the evidence was issued, written, taken or sent. A court
//! decision of 14 March 2025 imported in November 2026 is a document of 14 March 2025; the
//! import date belongs to the custody log and never stands in for this one.
//!
//! The user's statement wins (`item_dates`, logged like every register field, with the same
//! precision rules as events: `2025`, `2025-03`, `~2025-03-14`). Without one, the date is read
//! from what extraction found in the evidence itself: a photo's EXIF date, an e-mail's `Date`
//! header, a PDF's or word-processor file's creation date. Without either, the item is undated.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;
use crate::register::dates::FuzzyDate;

/// Where a document date comes from: what a reader is told, since a stated date and a
/// creation date in a file's properties do not weigh the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DateOrigin {
    /// Stated by the user.
    Stated,
    /// A photo's EXIF date taken.
    Taken,
    /// An e-mail's `Date` header.
    Sent,
    /// A PDF's or office file's creation date in its document properties.
    Created,
}

/// An item's document date and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DocumentDate {
    /// As written for events: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, `~` first when approximate.
    pub date: String,
    pub origin: DateOrigin,
}

/// The metadata keys extraction fills with a date, in the order they are trusted.
const METADATA_DATES: [(&str, DateOrigin); 3] = [
    ("date_taken", DateOrigin::Taken),
    ("date", DateOrigin::Sent),
    ("created", DateOrigin::Created),
];

/// The date found in extracted metadata, to the day, if any is a real date.
pub fn from_metadata(meta: &serde_json::Map<String, serde_json::Value>) -> Option<DocumentDate> {
    METADATA_DATES.iter().find_map(|(key, origin)| {
        // EXIF writes `2019-03-12 10:00:00` (or `2019:03:12 ...`), e-mail and the document
        // properties RFC 3339: the day is the first ten characters either way.
        let day = meta.get(*key)?.as_str()?.get(..10)?.replace(':', "-");
        let parsed = FuzzyDate::parse(&day).ok()?;
        (parsed.day.is_some() && parsed.year > 1900).then(|| DocumentDate {
            date: parsed.to_string(),
            origin: *origin,
        })
    })
}

/// The date the user stated for an item, if any.
pub fn stated(db: &Connection, item_id: &str) -> Result<Option<String>> {
    Ok(db
        .prepare_cached("SELECT date FROM item_dates WHERE item_id = ?1")?
        .query_row([item_id], |r| r.get(0))
        .optional()?)
}

/// An item's document date: the stated one, else the one in its metadata.
pub fn document_date(db: &Connection, item_id: &str) -> Result<Option<DocumentDate>> {
    if let Some(date) = stated(db, item_id)? {
        return Ok(Some(DocumentDate {
            date,
            origin: DateOrigin::Stated,
        }));
    }
    let metadata: Option<String> = db
        .prepare_cached("SELECT metadata FROM extractions WHERE item_id = ?1")?
        .query_row([item_id], |r| r.get(0))
        .optional()?;
    Ok(metadata
        .and_then(|m| serde_json::from_str(&m).ok())
        .and_then(|m| from_metadata(&m)))
}

/// States an item's date (`None` withdraws the statement: the metadata's date, if any, is
/// used again). Call inside a logged change.
pub fn state(db: &Connection, item_id: &str, date: Option<&FuzzyDate>) -> Result<()> {
    match date {
        Some(d) => db
            .prepare_cached(
                "INSERT INTO item_dates (item_id, date) VALUES (?1, ?2)
                 ON CONFLICT (item_id) DO UPDATE SET date = excluded.date",
            )?
            .execute(rusqlite::params![item_id, d.to_string()])?,
        None => db
            .prepare_cached("DELETE FROM item_dates WHERE item_id = ?1")?
            .execute([item_id])?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn metadata_dates_are_read_to_the_day_with_their_origin() {
        let photo = meta(json!({ "date_taken": "2019-03-12 10:00:00", "camera": "X" }));
        assert_eq!(
            from_metadata(&photo),
            Some(DocumentDate {
                date: "2019-03-12".into(),
                origin: DateOrigin::Taken
            })
        );
        let exif_colons = meta(json!({ "date_taken": "2019:03:12 10:00:00" }));
        assert_eq!(from_metadata(&exif_colons).unwrap().date, "2019-03-12");
        let mail = meta(json!({ "date": "2024-11-02T09:15:00+01:00" }));
        assert_eq!(from_metadata(&mail).unwrap().origin, DateOrigin::Sent);
        let pdf = meta(json!({ "created": "2025-03-14", "pages": 3 }));
        assert_eq!(
            from_metadata(&pdf),
            Some(DocumentDate {
                date: "2025-03-14".into(),
                origin: DateOrigin::Created
            })
        );
    }

    #[test]
    fn no_date_or_a_broken_one_is_no_date() {
        for m in [
            json!({}),
            json!({ "pages": 2 }),
            json!({ "date_taken": "    :  :     :  :  " }),
            json!({ "created": "0000-00-00" }),
            json!({ "date": "yesterday" }),
            json!({ "date_taken": 2019 }),
        ] {
            assert_eq!(from_metadata(&meta(m.clone())), None, "{m}");
        }
    }
}
