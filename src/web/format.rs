//! How the pages write amounts and times: thousands separators and the currency sign, exact from
//! minor units; dates and times in Europe/Kyiv, the bank's time zone.

use monobank::currency::{format_minor, CurrencyCode};

pub use crate::domain::kyiv::{date, date_time, day_bounds, day_of, kyiv, time, ZONE};

pub use crate::domain::amount_style::AmountStyle;

tokio::task_local! {
    /// The style of the page being answered (set per request for the logged-in user).
    static STYLE: AmountStyle;
}

/// The style amounts are written in now: the request's user's, else the default.
pub fn style() -> AmountStyle {
    STYLE.try_with(|s| *s).unwrap_or_default()
}

/// Runs `work` (a page's answer) with amounts written in `style`.
pub async fn with_style<F: std::future::Future>(style: AmountStyle, work: F) -> F::Output {
    STYLE.scope(style, work).await
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

/// `1234567` → `1,234,567` (or `1 234 567` with a no-break space).
fn group(digits: &str, separator: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// A decimal string (`-1234.5`) written in the style: (negative, `1,234.5` or `1 234,5`).
fn grouped(decimal: &str) -> (bool, String) {
    let (negative, unsigned) = match decimal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, decimal),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let (separator, point) = match style() {
        AmountStyle::Ukrainian => ('\u{a0}', ','),
        AmountStyle::English => (',', '.'),
    };
    let mut out = group(int, separator);
    if !frac.is_empty() {
        out.push(point);
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
    match (style(), sign(currency)) {
        // The złoty's sign follows the number in English too.
        (AmountStyle::English, Some(sign)) if sign != "zł" => format!("{lead}{sign}{number}"),
        (_, Some(sign)) => format!("{lead}{number}\u{a0}{sign}"),
        (_, None) => format!("{lead}{number}\u{a0}{currency}"),
    }
}

/// An amount in minor units: `-123456` UAH → `−1 234,56 ₴` (or `−₴1,234.56`), `500` CZK →
/// `5,00 CZK`.
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

/// A number (a rate) with `places` decimals in the style, without a currency.
pub fn number(value: f64, places: usize) -> String {
    let (negative, number) = grouped(&format!("{value:.places$}"));
    if negative {
        format!("−{number}")
    } else {
        number
    }
}

/// "3 min ago", for data age, in the page's language.
pub fn age(seconds: i64) -> String {
    use crate::i18n::{t, t1};
    match seconds.max(0) {
        s if s < 60 => t("age-just-now"),
        s if s < 3_600 => t1("age-minutes", "n", s / 60),
        s if s < 86_400 => t1("age-hours", "n", s / 3_600),
        s => t1("age-days", "n", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use monobank::currency::UAH;

    fn in_style<T>(style: AmountStyle, f: impl FnOnce() -> T) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map(|rt| rt.block_on(with_style(style, async { f() })))
            .unwrap_or_else(|e| panic!("a runtime: {e}"))
    }

    #[test]
    fn money_in_the_ukrainian_style_by_default() {
        assert_eq!(money(133_843_909, UAH), "1\u{a0}338\u{a0}439,09\u{a0}₴");
        assert_eq!(signed_money(-1_000, UAH), "−10,00\u{a0}₴");
        assert_eq!(signed_money(1_000, CurrencyCode(840)), "+10,00\u{a0}$");
        assert_eq!(money(42_702, CurrencyCode(985)), "427,02\u{a0}zł");
        assert_eq!(number(41.05, 4), "41,0500");
    }

    #[test]
    fn money_has_separators_and_signs() {
        let english = |f: fn() -> String| in_style(AmountStyle::English, f);
        assert_eq!(english(|| money(123_456_789, UAH)), "₴1,234,567.89");
        assert_eq!(english(|| money(-123_456, UAH)), "−₴1,234.56");
        assert_eq!(english(|| money(5, UAH)), "₴0.05");
        assert_eq!(english(|| money(100_000, CurrencyCode(840))), "$1,000.00");
        assert_eq!(
            english(|| money(-99_900, CurrencyCode(203))),
            "−999.00\u{a0}CZK"
        );
        assert_eq!(
            english(|| money(42_702, CurrencyCode(985))),
            "427.02\u{a0}zł"
        );
        assert_eq!(english(|| signed_money(1_000, UAH)), "+₴10.00");
        assert_eq!(english(|| signed_money(-1_000, UAH)), "−₴10.00");
        assert_eq!(english(|| signed_money(0, UAH)), "₴0.00");
        assert_eq!(
            english(|| decimal(1234.5678, 2, CurrencyCode(840))),
            "$1,234.57"
        );
        assert_eq!(
            english(|| money(i64::MIN, UAH)),
            "−₴92,233,720,368,547,758.08"
        );
        assert_eq!(english(|| number(1.147, 4)), "1.1470");
    }
}
