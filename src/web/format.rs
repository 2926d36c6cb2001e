//! How the pages write amounts and times: thousands separators and the currency sign, exact from
//! minor units; dates and times in Europe/Kyiv, the bank's time zone.

use monobank::currency::{format_minor, CurrencyCode};

pub use crate::domain::kyiv::{date, date_time, day_bounds, day_of, kyiv, time, ZONE};

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
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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
}
