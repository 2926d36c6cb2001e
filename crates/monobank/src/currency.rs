//! Currencies: the full ISO 4217 table (from the maintained `iso_currency` crate, which carries
//! the ISO maintenance agency's list including superseded codes such as HRK 191), currency-pair
//! parsing, rate lookup (direct, inverse and cross-only pairs) and exact money formatting.

use std::fmt;

use crate::types::CurrencyInfo;

/// An ISO 4217 numeric currency code, as Mono sends them. Codes missing from the table are kept
/// (Mono may list new ones) and shown by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CurrencyCode(pub u16);

/// The hryvnia, Mono's home currency.
pub const UAH: CurrencyCode = CurrencyCode(980);

impl CurrencyCode {
    fn iso(self) -> Option<iso_currency::Currency> {
        iso_currency::Currency::from_numeric(self.0)
    }

    /// From an alphabetic code, any case (`usd`).
    pub fn from_alpha(alpha: &str) -> Option<Self> {
        iso_currency::Currency::from_code(&alpha.to_ascii_uppercase())
            .map(|c| CurrencyCode(c.numeric()))
    }

    /// From a numeric code in the table (`840`, `8` or `008`).
    pub fn from_numeric_str(digits: &str) -> Option<Self> {
        let n: u16 = digits.parse().ok()?;
        iso_currency::Currency::from_numeric(n).map(|_| CurrencyCode(n))
    }

    /// The alphabetic code (`USD`), or `None` for a code missing from the table.
    pub fn alpha(self) -> Option<&'static str> {
        self.iso().map(|c| c.code())
    }

    /// The English name (`US dollar`).
    pub fn name(self) -> Option<String> {
        self.iso().map(|c| c.name().to_owned())
    }

    /// Digits after the decimal point (2 for UAH, 0 for JPY); 2 when unknown.
    pub fn exponent(self) -> u32 {
        self.iso().and_then(|c| c.exponent()).map_or(2, u32::from)
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.alpha() {
            Some(alpha) => f.write_str(alpha),
            None => write!(f, "{:03}", self.0),
        }
    }
}

/// A currency pair such as USD/UAH: the price of one unit of `base` in `quote`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CurrencyPair {
    /// The currency being priced (USD in USD/UAH).
    pub base: CurrencyCode,
    /// The currency the price is given in (UAH in USD/UAH).
    pub quote: CurrencyCode,
}

/// Why a pair did not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a currency pair such as USDUAH, USD/UAH, usd-uah or 840/980")]
pub struct PairError;

impl CurrencyPair {
    /// Accepts `USDUAH`, `USD/UAH`, `usd-uah`, `USD UAH`, `USD_UAH` and numeric `840/980`.
    pub fn parse(raw: &str) -> Result<Self, PairError> {
        let raw = raw.trim();
        if raw.len() > 16 {
            return Err(PairError);
        }
        let parts: Vec<&str> = raw
            .split(['/', '-', ' ', '_'])
            .filter(|p| !p.is_empty())
            .collect();
        let (a, b) = match parts.as_slice() {
            [a, b] => (*a, *b),
            [joined] if joined.len() == 6 && joined.is_ascii() => joined.split_at(3),
            _ => return Err(PairError),
        };
        let code = |part: &str| {
            if part.bytes().all(|c| c.is_ascii_digit()) {
                CurrencyCode::from_numeric_str(part)
            } else if part.len() == 3 && part.bytes().all(|c| c.is_ascii_alphabetic()) {
                CurrencyCode::from_alpha(part)
            } else {
                None
            }
        };
        let pair = CurrencyPair {
            base: code(a).ok_or(PairError)?,
            quote: code(b).ok_or(PairError)?,
        };
        if pair.base == pair.quote {
            return Err(PairError);
        }
        Ok(pair)
    }

    /// The seed's name for the pair, `USDUAH`.
    pub fn name(&self) -> String {
        format!("{}{}", self.base, self.quote)
    }

    /// The same pair the other way round: USD/UAH becomes UAH/USD.
    pub fn inverse(self) -> Self {
        CurrencyPair {
            base: self.quote,
            quote: self.base,
        }
    }
}

/// A rate for a pair, in the seed's two shapes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quote {
    /// The bank buys `base` at `buy` and sells it at `sell` (units of `quote`).
    BuySell {
        /// The price at which the bank buys one unit of `base`, in `quote`.
        buy: f64,
        /// The price at which the bank sells one unit of `base`, in `quote`.
        sell: f64,
    },
    /// Only a cross rate is published.
    Cross(f64),
}

impl Quote {
    fn of(info: &CurrencyInfo) -> Option<Quote> {
        match (info.rate_buy, info.rate_sell, info.rate_cross) {
            (Some(buy), Some(sell), _) if buy > 0.0 && sell > 0.0 => {
                Some(Quote::BuySell { buy, sell })
            }
            (_, _, Some(cross)) if cross > 0.0 => Some(Quote::Cross(cross)),
            _ => None,
        }
    }

    /// The rate seen from the other side of the pair: the bank's buy price of B in A is the
    /// inverse of its sell price of A in B, and vice versa.
    fn inverted(self) -> Quote {
        match self {
            Quote::BuySell { buy, sell } => Quote::BuySell {
                buy: round_rate(1.0 / sell),
                sell: round_rate(1.0 / buy),
            },
            Quote::Cross(cross) => Quote::Cross(round_rate(1.0 / cross)),
        }
    }
}

/// Inverted rates keep six significant decimals, like Mono's own.
fn round_rate(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 6 - x.abs().log10().floor() as i32 - 1;
    let factor = 10f64.powi(digits.clamp(0, 12));
    (x * factor).round() / factor
}

/// The rate of `pair` in Mono's list: the pair itself, or its inverse with inverted rates.
pub fn lookup(rates: &[CurrencyInfo], pair: CurrencyPair) -> Option<Quote> {
    let find = |p: CurrencyPair| {
        rates
            .iter()
            .find(|r| r.currency_code_a == p.base.0 && r.currency_code_b == p.quote.0)
            .and_then(Quote::of)
    };
    find(pair).or_else(|| find(pair.inverse()).map(Quote::inverted))
}

/// How many units of `to` one unit of `from` brings when the bank exchanges it: the bank buys
/// `from` at its buy rate (or the cross rate), through the inverse pair when only that is listed,
/// and through UAH when neither is (Mono lists every currency against UAH).
pub fn exchange_rate(rates: &[CurrencyInfo], from: CurrencyCode, to: CurrencyCode) -> Option<f64> {
    let direct = |base: CurrencyCode, quote: CurrencyCode| {
        if base == quote {
            return Some(1.0);
        }
        lookup(rates, CurrencyPair { base, quote }).map(|q| match q {
            Quote::BuySell { buy, .. } => buy,
            Quote::Cross(cross) => cross,
        })
    };
    direct(from, to).or_else(|| Some(direct(from, UAH)? * direct(UAH, to)?))
}

/// Every pair in the list by its seed name (`USDUAH`), in Mono's order; codes missing from the
/// ISO table appear by number.
pub fn pair_names(rates: &[CurrencyInfo]) -> Vec<String> {
    rates
        .iter()
        .map(|r| {
            CurrencyPair {
                base: CurrencyCode(r.currency_code_a),
                quote: CurrencyCode(r.currency_code_b),
            }
            .name()
        })
        .collect()
}

/// An amount in minor units as an exact decimal string: `-123456` UAH → `-1234.56`,
/// `500` JPY → `500`.
pub fn format_minor(amount: i64, currency: CurrencyCode) -> String {
    let exponent = currency.exponent();
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exponent as usize
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn pair(a: u16, b: u16) -> CurrencyPair {
        CurrencyPair {
            base: CurrencyCode(a),
            quote: CurrencyCode(b),
        }
    }

    #[test]
    fn the_table_is_complete_iso_4217() {
        assert_eq!(CurrencyCode(980).alpha(), Some("UAH"));
        assert_eq!(
            CurrencyCode(191).alpha(),
            Some("HRK"),
            "superseded codes Mono still lists"
        );
        assert_eq!(CurrencyCode(392).exponent(), 0, "JPY");
        assert_eq!(CurrencyCode(48).exponent(), 3, "BHD");
        assert_eq!(
            CurrencyCode(840).name().as_deref(),
            Some("United States dollar")
        );
        assert_eq!(CurrencyCode(999).to_string(), "XXX");
        assert_eq!(
            CurrencyCode(1).to_string(),
            "001",
            "unknown codes shown by number"
        );
        // Every code Monobank's rate list uses is in the table.
        for n in [
            840, 978, 826, 392, 756, 156, 784, 971, 8, 51, 973, 32, 36, 944, 50, 975, 48, 108, 96,
            68, 986, 72, 933, 124, 976, 152, 170, 188, 192, 203, 262, 208, 12, 818, 230, 981, 936,
            270, 324, 344, 191, 348, 360, 376, 356, 368, 352, 400, 404, 417, 116, 410, 414, 398,
            418, 422, 144, 434, 504, 498, 969, 807, 496, 480, 454, 484, 458, 943, 516, 566, 558,
            578, 524, 554, 512, 604, 608, 586, 985, 600, 634, 946, 941, 682, 690, 938, 752, 702,
            694, 706, 968, 748, 764, 972, 788, 949, 901, 834, 800, 858, 860, 704, 950, 952, 886,
            710,
        ] {
            assert!(CurrencyCode(n).alpha().is_some(), "{n}");
        }
    }

    #[test]
    fn pairs_parse_in_every_documented_spelling() {
        for raw in [
            "USDUAH", "USD/UAH", "usd-uah", "Usd Uah", "USD_UAH", "840/980", " usduah ", "840-980",
        ] {
            assert_eq!(CurrencyPair::parse(raw), Ok(pair(840, 980)), "{raw}");
        }
        assert_eq!(CurrencyPair::parse("8/980"), Ok(pair(8, 980)));
        assert_eq!(CurrencyPair::parse("USDUAH").unwrap().name(), "USDUAH");
    }

    #[test]
    fn bad_pairs_are_refused() {
        for raw in [
            "",
            "USD",
            "XXXYYY",
            "USDUSD",
            "USD/UAH/EUR",
            "1234/980",
            "ÜSDUAH",
            "US/DUAH",
            &"A".repeat(10_000),
            "usd uah eur",
            "<script>",
        ] {
            assert_eq!(CurrencyPair::parse(raw), Err(PairError), "{raw:?}");
        }
    }

    fn rates() -> Vec<CurrencyInfo> {
        serde_json::from_str(r#"[
          {"currencyCodeA":840,"currencyCodeB":980,"date":1,"rateBuy":41.05,"rateSell":41.5505},
          {"currencyCodeA":978,"currencyCodeB":840,"date":1,"rateBuy":1.152,"rateSell":1.165},
          {"currencyCodeA":826,"currencyCodeB":980,"date":1,"rateCross":55.7734},
          {"currencyCodeA":191,"currencyCodeB":980,"date":1,"rateBuy":4.1,"rateSell":4.3,"rateCross":4.2}
        ]"#).unwrap()
    }

    #[test]
    fn lookup_finds_direct_inverse_and_cross_pairs() {
        let r = rates();
        assert_eq!(
            lookup(&r, pair(840, 980)),
            Some(Quote::BuySell {
                buy: 41.05,
                sell: 41.5505
            })
        );
        assert_eq!(lookup(&r, pair(826, 980)), Some(Quote::Cross(55.7734)));
        assert_eq!(
            lookup(&r, pair(191, 980)),
            Some(Quote::BuySell {
                buy: 4.1,
                sell: 4.3
            })
        );
        let Some(Quote::BuySell { buy, sell }) = lookup(&r, pair(980, 840)) else {
            panic!()
        };
        assert_eq!((buy, sell), (0.0240671, 0.0243605));
        assert!(buy < sell, "the bank still buys lower than it sells");
        assert_eq!(lookup(&r, pair(980, 826)), Some(Quote::Cross(0.0179297)));
        assert_eq!(lookup(&r, pair(392, 980)), None);
        assert_eq!(pair_names(&r), ["USDUAH", "EURUSD", "GBPUAH", "HRKUAH"]);
    }

    #[test]
    fn exchange_rates_go_direct_inverse_cross_and_through_uah() {
        let r = rates();
        let rate = |a: u16, b: u16| exchange_rate(&r, CurrencyCode(a), CurrencyCode(b));
        assert_eq!(rate(840, 980), Some(41.05), "the bank buys USD");
        assert_eq!(
            rate(980, 840),
            Some(0.0240671),
            "1 / the bank's USD sell rate"
        );
        assert_eq!(rate(826, 980), Some(55.7734), "cross only");
        assert_eq!(rate(980, 980), Some(1.0));
        let gbp_usd = rate(826, 840).unwrap();
        assert!(
            (gbp_usd - 55.7734 * 0.0240671).abs() < 1e-12,
            "via UAH: {gbp_usd}"
        );
        assert_eq!(rate(392, 980), None, "JPY is not listed");
    }

    #[test]
    fn money_is_formatted_exactly_from_minor_units() {
        assert_eq!(format_minor(123_456, UAH), "1234.56");
        assert_eq!(format_minor(-5, UAH), "-0.05");
        assert_eq!(format_minor(0, UAH), "0.00");
        assert_eq!(format_minor(500, CurrencyCode(392)), "500");
        assert_eq!(format_minor(1_234_567, CurrencyCode(48)), "1234.567");
        assert_eq!(format_minor(i64::MIN, UAH), "-92233720368547758.08");
    }
}
