//! `/rates`: Monobank's whole rate table and a converter computed on the server.
//!
//! The converter is a GET form: it changes nothing, so its answer can be bookmarked and needs no
//! CSRF token.

use std::collections::BTreeSet;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::format::{age, date_time, decimal};
use super::{page, FormState, Layout};
use crate::http::current_user::CurrentUser;
use crate::http::error::{AppError, FieldErrors};
use crate::services::Context;
use monobank::currency::{exchange_rate, CurrencyCode, UAH};
use monobank::types::CurrencyInfo;

/// Largest amount the converter takes.
const MAX_AMOUNT: f64 = 1e12;

pub struct RateRow {
    pub base: String,
    pub base_name: String,
    pub quote: String,
    pub quote_name: String,
    /// The bank's buying and selling rate (`41.0500 / 41.5505`), or its cross rate.
    pub rate: String,
    /// Which of the two `rate` is: `buy / sell` or `cross`.
    pub kind: String,
    pub pinned: bool,
    pub date: String,
}

/// Currencies listed first, in this order.
const PINNED: [u16; 3] = [840, 978, 985];
/// Decimals of every rate shown.
const RATE_PLACES: usize = 4;

pub struct Choice {
    pub code: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "rates.html")]
struct RatesPage {
    layout: Layout,
    notice: Option<String>,
    rows: Vec<RateRow>,
    updated: String,
    age: String,
    stale: bool,
    choices: Vec<Choice>,
    form: FormState,
    result: Option<String>,
    rate_line: Option<String>,
    /// The converter's answer went through UAH (no direct rate is published).
    through_uah: bool,
    /// The converter with the currencies swapped.
    swap: String,
    /// The table's filter, echoed.
    filter: String,
    /// Rows in Monobank's list, of which `rows` shows the matching ones.
    total: usize,
}

/// The converter's query: all optional, so a bare `/rates` shows 100 USD in UAH; `q` filters
/// the table by a currency's code or name.
#[derive(Debug, Default, Deserialize)]
pub struct ConvertQuery {
    amount: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
}

fn rate_text(rate: f64) -> String {
    super::format::number(rate, RATE_PLACES)
}

fn name_of(code: CurrencyCode) -> String {
    crate::i18n::currency_name(&code.to_string(), english_name(code))
}

/// ISO 4217's (English) name of a currency, which the filter finds in either language.
fn english_name(code: CurrencyCode) -> String {
    code.name().unwrap_or_default()
}

/// The table's rows: USD, EUR and PLN first, then the rest by code; those whose code or name
/// contains `filter` (any case) when one is given.
fn rows(list: &[CurrencyInfo], filter: &str) -> Vec<RateRow> {
    // "zloty" finds the złoty.
    let filter = filter.trim().to_lowercase().replace('ł', "l");
    let mut rows: Vec<(usize, RateRow)> = list
        .iter()
        .filter_map(|r| {
            let (a, b) = (
                CurrencyCode(r.currency_code_a),
                CurrencyCode(r.currency_code_b),
            );
            let (rate, kind) = match (r.rate_buy, r.rate_sell, r.rate_cross) {
                (Some(buy), Some(sell), _) => (
                    format!("{} / {}", rate_text(buy), rate_text(sell)),
                    crate::i18n::t("rate-buy-sell"),
                ),
                (_, _, Some(cross)) => (rate_text(cross), crate::i18n::t("rate-cross")),
                (Some(one), None, None) | (None, Some(one), None) => {
                    (rate_text(one), crate::i18n::t("rate-buy-sell"))
                }
                (None, None, None) => return None,
            };
            // The pinned pairs rank by their place in the list, the rest after them.
            let rank = PINNED
                .iter()
                .position(|&p| p == a.0 && b == UAH)
                .unwrap_or(PINNED.len());
            let row = RateRow {
                base: a.to_string(),
                base_name: name_of(a),
                quote: b.to_string(),
                quote_name: name_of(b),
                rate,
                kind,
                pinned: rank < PINNED.len(),
                date: date_time(r.date),
            };
            let text = format!(
                "{} {} {} {} {} {}",
                row.base,
                row.base_name,
                english_name(a),
                row.quote,
                row.quote_name,
                english_name(b)
            );
            let text = text.to_lowercase().replace('ł', "l");
            if !filter.is_empty() && !text.contains(&filter) {
                return None;
            }
            Some((rank, row))
        })
        .collect();
    rows.sort_by(|x, y| {
        x.0.cmp(&y.0)
            .then_with(|| (&x.1.base, &x.1.quote).cmp(&(&y.1.base, &y.1.quote)))
    });
    rows.into_iter().map(|(_, row)| row).collect()
}

/// Every currency of the list, UAH included, by code.
fn currencies(list: &[CurrencyInfo]) -> BTreeSet<(String, CurrencyCode)> {
    list.iter()
        .flat_map(|r| [r.currency_code_a, r.currency_code_b])
        .chain([UAH.0])
        .map(|n| (CurrencyCode(n).to_string(), CurrencyCode(n)))
        .collect()
}

/// A validated conversion request.
struct Conversion {
    amount: f64,
    from: CurrencyCode,
    to: CurrencyCode,
}

/// `1 000,50` and `1,000.50` are both one thousand and a half; `1,000` is a thousand and `2,5`
/// two and a half (a comma followed by exactly three digits groups thousands).
fn parse_amount(raw: &str) -> Option<f64> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .collect();
    let decimal_comma = !compact.contains('.')
        && compact.matches(',').count() == 1
        && compact
            .rsplit(',')
            .next()
            .is_some_and(|tail| tail.len() != 3);
    let normalized = if decimal_comma {
        compact.replace(',', ".")
    } else {
        compact.replace(',', "")
    };
    let valid = !normalized.is_empty()
        && normalized.chars().all(|c| c.is_ascii_digit() || c == '.')
        && normalized.matches('.').count() <= 1;
    valid.then(|| normalized.parse().ok()).flatten()
}

fn validate(
    query: &ConvertQuery,
    known: &BTreeSet<(String, CurrencyCode)>,
) -> Result<Conversion, FieldErrors> {
    let mut errors = FieldErrors::new();
    let amount = match query.amount.as_deref().map(parse_amount) {
        None => Some(100.0),
        Some(Some(a)) if a > 0.0 && a <= MAX_AMOUNT => Some(a),
        Some(_) => {
            errors.insert("amount".into(), vec![crate::i18n::t("rates-amount-range")]);
            None
        }
    };
    let mut currency = |field: &str, raw: Option<&str>, default: CurrencyCode| {
        let Some(raw) = raw else {
            return Some(default);
        };
        let code = CurrencyCode::from_alpha(raw.trim())
            .or_else(|| CurrencyCode::from_numeric_str(raw.trim()));
        match code {
            Some(code) if known.iter().any(|(_, c)| *c == code) => Some(code),
            _ => {
                errors.insert(field.into(), vec![crate::i18n::t("rates-choose-currency")]);
                None
            }
        }
    };
    let from = currency("from", query.from.as_deref(), CurrencyCode(840));
    let to = currency("to", query.to.as_deref(), UAH);
    match (amount, from, to) {
        (Some(amount), Some(from), Some(to)) if errors.is_empty() => {
            Ok(Conversion { amount, from, to })
        }
        _ => Err(errors),
    }
}

/// `GET /rates`.
pub async fn show(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    query: Option<web::Query<ConvertQuery>>,
) -> Result<HttpResponse, AppError> {
    let query = query.map(web::Query::into_inner).unwrap_or_default();
    let echo = [
        ("amount", query.amount.as_deref().unwrap_or("100")),
        ("from", query.from.as_deref().unwrap_or("USD")),
        ("to", query.to.as_deref().unwrap_or("UAH")),
    ];
    let mut page_data = RatesPage {
        layout: Layout::new(&session, &user, "rates", crate::i18n::t("rates-title"))?,
        notice: None,
        rows: Vec::new(),
        updated: String::new(),
        age: String::new(),
        stale: false,
        choices: Vec::new(),
        form: FormState::with(&echo),
        result: None,
        rate_line: None,
        through_uah: false,
        swap: String::new(),
        filter: query.q.clone().unwrap_or_default(),
        total: 0,
    };
    page_data.swap = format!(
        "/rates?{}",
        serde_urlencoded::to_string([
            ("amount", echo[0].1),
            ("from", echo[2].1),
            ("to", echo[1].1),
        ])
        .unwrap_or_default()
    );
    let rates = match state.upstream.rates().await {
        Ok(rates) => rates,
        Err(e) => {
            page_data.notice = Some(super::words_of(&AppError::from(e)));
            return page(StatusCode::OK, &page_data);
        }
    };
    let filter = page_data.filter.clone();
    if filter.chars().count() > 40 || filter.chars().any(char::is_control) {
        page_data
            .form
            .errors
            .insert("q".into(), vec![crate::i18n::t("rates-filter-length")]);
        return page(StatusCode::BAD_REQUEST, &page_data);
    }
    page_data.rows = rows(&rates.list, &filter);
    page_data.total = rates.list.len();
    page_data.updated = date_time(rates.fetched_at);
    page_data.age = age(state.clock.now() - rates.fetched_at);
    page_data.stale = super::shown_stale(rates.stale, state.clock.now() - rates.fetched_at);
    let known = currencies(&rates.list);
    page_data.choices = known
        .iter()
        .map(|(alpha, code)| Choice {
            code: alpha.clone(),
            label: format!("{alpha} · {}", name_of(*code)),
        })
        .collect();
    let mut status = StatusCode::OK;
    match validate(&query, &known) {
        Ok(c) => match exchange_rate(&rates.list, c.from, c.to) {
            Some(rate) => {
                let places = c.to.exponent() as usize;
                page_data.result = Some(format!(
                    "{} = {}",
                    decimal(c.amount, c.from.exponent() as usize, c.from),
                    decimal(c.amount * rate, places, c.to)
                ));
                page_data.rate_line = Some(format!(
                    "1 {} = {} {}",
                    c.from,
                    super::format::number(rate, RATE_PLACES),
                    c.to
                ));
                let direct = |base, quote| {
                    monobank::currency::lookup(
                        &rates.list,
                        monobank::currency::CurrencyPair { base, quote },
                    )
                    .is_some()
                };
                page_data.through_uah = c.from != c.to && !direct(c.from, c.to);
            }
            None => {
                status = StatusCode::BAD_REQUEST;
                page_data.form.message = Some(crate::i18n::t2(
                    "rates-no-rate",
                    "from",
                    c.from.to_string(),
                    "to",
                    c.to.to_string(),
                ));
            }
        },
        Err(errors) => {
            status = StatusCode::BAD_REQUEST;
            page_data.form.errors = errors;
        }
    }
    page(status, &page_data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_both_spellings() {
        assert_eq!(parse_amount("1,000.50"), Some(1000.5));
        assert_eq!(parse_amount("1 000,50"), Some(1000.5));
        assert_eq!(parse_amount("12"), Some(12.0));
        assert_eq!(parse_amount("1,000"), Some(1000.0));
        assert_eq!(parse_amount("1,000,000"), Some(1_000_000.0));
        assert_eq!(parse_amount("2,5"), Some(2.5));
        assert_eq!(parse_amount("-5"), None);
        assert_eq!(parse_amount("1e9"), None);
        assert_eq!(parse_amount("NaN"), None);
        assert_eq!(parse_amount("1.2.3"), None);
        assert_eq!(parse_amount(""), None);
    }
}
