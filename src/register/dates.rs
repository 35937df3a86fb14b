//! Dates as lawyers know them: sometimes to the day, sometimes only the month or the year,
//! sometimes approximate ("around spring 2019"), sometimes unknown. Stored as written
//! (`2019`, `2019-03`, `2019-03-12`, with a leading `~` when approximate) and sorted by the
//! first day they could mean.

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Day,
    Month,
    Year,
}

/// A date known to a day, a month or a year, possibly approximate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzyDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
    pub approximate: bool,
}

impl FuzzyDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, optionally preceded by `~` or `circa`/`c.`;
    /// also `DD.MM.YYYY` and `MM.YYYY`, as Russian, Kazakh, French and German speakers write
    /// dates (`12.03.2031`). Stored in the first form whatever was typed.
    pub fn parse(text: &str) -> Result<FuzzyDate> {
        let bad = || {
            Error::Invalid(format!(
                "{text:?} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD, or DD.MM.YYYY (prefix ~ if approximate)"
            ))
        };
        let mut s = text.trim();
        let mut approximate = false;
        for prefix in ["~", "circa ", "c. ", "ca. "] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.trim();
                approximate = true;
            }
        }
        // Day first with dots: the same date, turned around.
        let turned;
        if s.contains('.') {
            let mut parts: Vec<&str> = s.split('.').collect();
            if !(2..=3).contains(&parts.len()) || parts.last().is_none_or(|y| y.len() != 4) {
                return Err(bad());
            }
            parts.reverse();
            turned = parts.join("-");
            s = &turned;
        }
        let parts: Vec<&str> = s.split('-').collect();
        let number = |p: &str, len: usize| -> Result<u32> {
            if p.len() != len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            p.parse().map_err(|_| bad())
        };
        let year = number(parts.first().ok_or_else(bad)?, 4)? as i32;
        let month = parts
            .get(1)
            .map(|m| number(m, 2))
            .transpose()?
            .map(|m| m as u8);
        let day = parts
            .get(2)
            .map(|d| number(d, 2))
            .transpose()?
            .map(|d| d as u8);
        if parts.len() > 3 {
            return Err(bad());
        }
        if let Some(m) = month {
            let month = time::Month::try_from(m).map_err(|_| bad())?;
            if let Some(d) = day {
                time::Date::from_calendar_date(year, month, d).map_err(|_| bad())?;
            }
        }
        Ok(FuzzyDate {
            year,
            month,
            day,
            approximate,
        })
    }

    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => Precision::Day,
            (Some(_), None) => Precision::Month,
            _ => Precision::Year,
        }
    }

    /// The first day the date could mean, `YYYY-MM-DD`: what chronologies sort by.
    pub fn sort_key(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.year,
            self.month.unwrap_or(1),
            self.day.unwrap_or(1)
        )
    }

    /// The last day the date could mean, for range filters.
    pub fn last_day(&self) -> String {
        let month = self.month.unwrap_or(12);
        let day = self.day.unwrap_or_else(|| {
            time::Month::try_from(month)
                .map(|m| m.length(self.year))
                .unwrap_or(31)
        });
        format!("{:04}-{:02}-{:02}", self.year, month, day)
    }
}

impl std::fmt::Display for FuzzyDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.approximate {
            f.write_str("~")?;
        }
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_first_dates_with_dots_are_read_as_written_elsewhere() {
        assert_eq!(
            FuzzyDate::parse("12.03.2031").unwrap().to_string(),
            "2031-03-12"
        );
        assert_eq!(
            FuzzyDate::parse("~03.2031").unwrap().to_string(),
            "~2031-03"
        );
        for bad in [
            "12.3.2031",
            "2031.03.12",
            "31.02.2031",
            "12.03.31",
            "1.2.3.2031",
        ] {
            assert!(FuzzyDate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_each_precision_and_round_trips() {
        for (text, precision, key) in [
            ("2019", Precision::Year, "2019-01-01"),
            ("2019-03", Precision::Month, "2019-03-01"),
            ("2019-03-12", Precision::Day, "2019-03-12"),
            ("~2019-03", Precision::Month, "2019-03-01"),
        ] {
            let d = FuzzyDate::parse(text).unwrap();
            assert_eq!(d.precision(), precision, "{text}");
            assert_eq!(d.sort_key(), key);
            assert_eq!(d.to_string(), text);
        }
        assert!(FuzzyDate::parse("circa 2019").unwrap().approximate);
        assert_eq!(
            FuzzyDate::parse("2020-02").unwrap().last_day(),
            "2020-02-29"
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "19",
            "2019-3",
            "2019-13",
            "2019-02-30",
            "2019-01-01-01",
            "yesterday",
            "2019/03",
        ] {
            let e = FuzzyDate::parse(bad).unwrap_err();
            assert!(e.to_string().contains("is not a date"), "{bad}: {e}");
        }
    }
}
