//! What kind of thing an event is. A submission picks events by kind (the WGAD's "Arrest"
//! section lists arrests), never by words in their titles: "Visit to the detainee" is not an
//! arrest because it contains "detain".

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Arrest,
    Detention,
    Hearing,
    Judgment,
    Appeal,
    Transfer,
    /// Torture or ill-treatment.
    IllTreatment,
    Release,
    /// A letter, call, visit or complaint.
    Communication,
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        EventKind::Arrest,
        EventKind::Detention,
        EventKind::Hearing,
        EventKind::Judgment,
        EventKind::Appeal,
        EventKind::Transfer,
        EventKind::IllTreatment,
        EventKind::Release,
        EventKind::Communication,
        EventKind::Other,
    ];

    /// The word stored and typed (`ill_treatment`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Arrest => "arrest",
            EventKind::Detention => "detention",
            EventKind::Hearing => "hearing",
            EventKind::Judgment => "judgment",
            EventKind::Appeal => "appeal",
            EventKind::Transfer => "transfer",
            EventKind::IllTreatment => "ill_treatment",
            EventKind::Release => "release",
            EventKind::Communication => "communication",
            EventKind::Other => "other",
        }
    }

    /// Parses a stored or typed kind; `-` and spaces count as `_` ("ill-treatment").
    pub fn parse(text: &str) -> Result<EventKind> {
        let word = text.trim().to_lowercase().replace(['-', ' '], "_");
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == word)
            .ok_or_else(|| {
                let all: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                Error::Invalid(format!(
                    "{text:?} is not a kind of event: use one of {}",
                    all.join(", ")
                ))
            })
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_a_wrong_one_names_the_right_ones() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()).unwrap(), k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(
            EventKind::parse("Ill-treatment").unwrap(),
            EventKind::IllTreatment
        );
        let e = EventKind::parse("detain").unwrap_err().to_string();
        assert!(e.contains("arrest, detention"), "{e}");
    }
}
