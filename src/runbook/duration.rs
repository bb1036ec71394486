//! Durations as runbook authors write them: `30s`, `5m`, `1h30m`, `500ms`, `2d`, or a bare
//! number of seconds. Used by `timeout=`, `retry_delay=` and `review_every:`.

use std::time::Duration;

/// Parses a duration, or says what is wrong with it.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("a duration cannot be empty".to_string());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "`{text}` is not a duration (try `30s`, `5m` or `1h30m`)"
            ));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{}` is not a number", &rest[..digits]))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let seconds = match unit {
            "ms" => number / 1000.0,
            "s" | "sec" | "secs" => number,
            "m" | "min" | "mins" => number * 60.0,
            "h" | "hr" | "hrs" => number * 3600.0,
            "d" | "day" | "days" => number * 86_400.0,
            "w" | "week" | "weeks" => number * 604_800.0,
            "" => {
                return Err(format!(
                    "`{text}` needs a unit after {number} (s, m, h or d)"
                ))
            }
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{text}` (use ms, s, m, h, d or w)"
                ))
            }
        };
        let part = Duration::try_from_secs_f64(seconds)
            .map_err(|_| format!("`{text}` is out of range"))?;
        total = total
            .checked_add(part)
            .ok_or_else(|| format!("`{text}` is out of range"))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_authors_write() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn rejects_junk_with_a_reason() {
        for bad in ["", "abc", "5x", "1.2.3s", "s", "1e999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
