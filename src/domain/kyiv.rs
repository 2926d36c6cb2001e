//! Days and times in Europe/Kyiv, the bank's time zone: statements are asked for by its calendar
//! days, and pages and CSV files show its local times.

use std::sync::OnceLock;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The bank's time zone; statements are asked for by its calendar days.
pub const ZONE: &str = "Europe/Kyiv";

/// Europe/Kyiv (from the time zone database compiled into the binary).
pub fn kyiv() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    TZ.get_or_init(|| TimeZone::get(ZONE).unwrap_or(TimeZone::UTC))
}

fn zoned(unix: i64) -> Option<jiff::Zoned> {
    Timestamp::from_second(unix)
        .ok()
        .map(|t| t.to_zoned(kyiv().clone()))
}

/// `2026-11-29` in Kyiv.
pub fn date(unix: i64) -> String {
    zoned(unix).map_or_else(String::new, |z| z.strftime("%Y-%m-%d").to_string())
}

/// `14:05` in Kyiv.
pub fn time(unix: i64) -> String {
    zoned(unix).map_or_else(String::new, |z| z.strftime("%H:%M").to_string())
}

/// `2026-11-29 14:05` in Kyiv.
pub fn date_time(unix: i64) -> String {
    zoned(unix).map_or_else(String::new, |z| z.strftime("%Y-%m-%d %H:%M").to_string())
}

/// The Kyiv calendar day of `unix`.
pub fn day_of(unix: i64) -> Option<Date> {
    zoned(unix).map(|z| z.date())
}

/// Monobank's first month: no history is older.
pub const FIRST_MONTH: Date = jiff::civil::date(2017, 11, 1);

/// The first day of a `YYYY-MM` month.
pub fn parse_month(raw: &str) -> Option<Date> {
    let (year, month) = raw.split_once('-')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return None;
    }
    Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()
}

/// The first and last second of a Kyiv calendar day.
pub fn day_bounds(day: Date) -> Option<(i64, i64)> {
    let start = day.to_zoned(kyiv().clone()).ok()?.timestamp().as_second();
    let next = day
        .tomorrow()
        .ok()?
        .to_zoned(kyiv().clone())
        .ok()?
        .timestamp()
        .as_second();
    Some((start, next - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_kyiv_times() {
        // 2026-07-01 00:30 UTC is 03:30 in Kyiv (summer, UTC+3).
        assert_eq!(date_time(1_782_865_800), "2026-07-01 03:30");
        // 2026-01-15 22:30 UTC is already the 16th in Kyiv (winter, UTC+2).
        assert_eq!(date(1_768_516_200), "2026-01-16");
        assert_eq!(time(1_768_516_200), "00:30");
    }

    #[test]
    fn a_kyiv_day_has_its_own_bounds() {
        let day: Date = "2026-03-29".parse().unwrap_or_default();
        let (start, end) = day_bounds(day).unwrap_or_default();
        assert_eq!(date_time(start), "2026-03-29 00:00");
        assert_eq!(date_time(end), "2026-03-29 23:59");
        assert_eq!(
            end - start + 1,
            23 * 3_600,
            "the spring-forward day has 23 hours"
        );
    }
}
