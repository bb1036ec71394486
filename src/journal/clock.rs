//! Calendar dates for the journal (branch names, `session.json`, `cairn log`) from Unix
//! milliseconds, in UTC, without a date library.

/// `(year, month, day)` of the day `days` after 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days_from_civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2026-11-28`.
pub fn date(ms: u64) -> String {
    let (year, month, day) = civil((ms / 86_400_000) as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `2026-11-28T23:00:43Z`.
pub fn timestamp(ms: u64) -> String {
    let seconds = ms / 1000;
    let of_day = seconds % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(ms),
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// `1 h 02 min`, `4 min 05 s`, `12.3 s`.
pub fn duration(ms: u64) -> String {
    let seconds = ms / 1000;
    if seconds >= 3600 {
        format!("{} h {:02} min", seconds / 3600, seconds / 60 % 60)
    } else if seconds >= 60 {
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_795_906_843_000), "2026-11-28T23:00:43Z");
        assert_eq!(date(951_782_400_000), "2000-02-29");
        assert_eq!(duration(3_725_000), "1 h 02 min");
        assert_eq!(duration(245_000), "4 min 05 s");
        assert_eq!(duration(12_345), "12.3 s");
    }
}
