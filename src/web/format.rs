//! How the pages write amounts and times: thousands separators and the currency sign, exact from
//! minor units; dates and times in Europe/Kyiv, the bank's time zone.

use std::sync::OnceLock;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use monobank::currency::{format_minor, CurrencyCode};

/// The bank's time zone; statements are asked for by its calendar days.
pub const ZONE: &str = "Europe/Kyiv";

/// Europe/Kyiv (from the time zone database compiled into the binary).
pub fn kyiv() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    TZ.get_or_init(|| TimeZone::get(ZONE).unwrap_or(TimeZone::UTC))
}

/// The sign of a currency, or `None` for those written by code.
fn sign(currency: CurrencyCode) -> Option<&'static str> {
    Some(match currency.0 {
        980 => "₴",
        840 => "$",
        978 => "€",
        826 => "£",
        985 => "zł",
        392 => "¥",
        _ => return None,
    })
}

/// `1234567` → `1,234,567`.
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A decimal string (`-1234.5`) with thousands separators (`-1,234.5`).
fn grouped(decimal: &str) -> (bool, String) {
    let (negative, unsigned) = match decimal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, decimal),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut out = group(int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    (negative, out)
}

fn with_currency(negative: bool, plus: bool, number: &str, currency: CurrencyCode) -> String {
    let lead = if negative {
        "−"
    } else if plus {
        "+"
    } else {
        ""
    };
    match sign(currency) {
        Some(sign) => format!("{lead}{sign}{number}"),
        None => format!("{lead}{number} {currency}"),
    }
}

/// An amount in minor units: `-123456` UAH → `−₴1,234.56`, `500` PLN → `5.00 PLN`.
pub fn money(minor: i64, currency: CurrencyCode) -> String {
    let (negative, number) = grouped(&format_minor(minor, currency));
    with_currency(negative, false, &number, currency)
}

/// As [`money`], with `+` on incoming amounts (statement rows).
pub fn signed_money(minor: i64, currency: CurrencyCode) -> String {
    let (negative, number) = grouped(&format_minor(minor, currency));
    with_currency(negative, minor > 0, &number, currency)
}

/// A computed amount (converter results), rounded to `places` decimals.
pub fn decimal(value: f64, places: usize, currency: CurrencyCode) -> String {
    let (negative, number) = grouped(&format!("{value:.places$}"));
    with_currency(negative, false, &number, currency)
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

/// "3 min ago", for data age.
pub fn age(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 60 => "just now".into(),
        s if s < 3_600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3_600),
        s => format!("{} days ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use monobank::currency::UAH;

    #[test]
    fn money_has_separators_and_signs() {
        assert_eq!(money(123_456_789, UAH), "₴1,234,567.89");
        assert_eq!(money(-123_456, UAH), "−₴1,234.56");
        assert_eq!(money(5, UAH), "₴0.05");
        assert_eq!(money(100_000, CurrencyCode(840)), "$1,000.00");
        assert_eq!(money(-99_900, CurrencyCode(203)), "−999.00 CZK");
        assert_eq!(signed_money(1_000, UAH), "+₴10.00");
        assert_eq!(signed_money(-1_000, UAH), "−₴10.00");
        assert_eq!(signed_money(0, UAH), "₴0.00");
        assert_eq!(decimal(1234.5678, 2, CurrencyCode(840)), "$1,234.57");
        assert_eq!(money(i64::MIN, UAH), "−₴92,233,720,368,547,758.08");
    }

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
