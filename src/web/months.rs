//! `/months`: twelve months of every account and jar at a glance: income, spending and net per
//! month, and spending by category as stacked bars drawn as inline SVG on the server. Each month
//! links to its statement. The numbers are the summary API's (`docs/insight.md`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use jiff::civil::Date;
use serde::Deserialize;

use super::format::{day_of, signed_money};
use super::{page, Layout};
use crate::domain::kyiv::FIRST_MONTH;
use crate::http::current_user::CurrentUser;
use crate::http::error::AppError;
use crate::services::history::{HistoryError, ALL_ACCOUNTS};
use crate::services::insight::{Held, Month};
use crate::services::statement;
use crate::services::tokens::TokenError;
use crate::services::Context;
use monobank::currency::UAH;

/// Months on the page.
const MONTHS: i8 = 12;
/// Categories drawn apart; the rest are stacked as one.
const STACKED: usize = 6;
/// The chart's drawing: a column per month.
pub const CHART_WIDTH: u32 = 720;
const CHART_HEIGHT: u32 = 220;
const COLUMN: u32 = 60;

#[derive(Debug, Default, Deserialize)]
pub struct MonthsQuery {
    /// The last month shown, `YYYY-MM`.
    to: Option<String>,
}

/// One block of a month's stacked bar.
pub struct Block {
    pub y: String,
    pub height: String,
    /// The colour's index (CSS class `c0`...).
    pub colour: usize,
}

pub struct Column {
    pub label: String,
    pub title: String,
    pub href: String,
    pub x: u32,
    pub income_y: String,
    pub income_height: String,
    pub blocks: Vec<Block>,
    pub partial: bool,
}

pub struct Row {
    pub month: String,
    pub href: String,
    pub income: String,
    pub spending: String,
    pub net: String,
    pub negative: bool,
    pub partial: bool,
    /// Nothing of the month is in the store yet: its sums are not shown as zero.
    pub fetched: bool,
    pub transfers: usize,
    /// Operations left out for want of an exchange rate.
    pub unvalued: usize,
}

#[derive(Template)]
#[template(path = "months.html")]
struct MonthsPage {
    layout: Layout,
    connected: bool,
    notice: Option<String>,
    columns: Vec<Column>,
    legend: Vec<(String, usize)>,
    rows: Vec<Row>,
    chart_width: u32,
    chart_height: u32,
    earlier: Option<String>,
    later: Option<String>,
    any_partial: bool,
    total_income: String,
    total_spending: String,
    total_net: String,
}

/// The statement of every account over one month.
fn statement_href(first: Date) -> String {
    format!(
        "/statement?{}",
        serde_urlencoded::to_string([
            ("account", ALL_ACCOUNTS.to_owned()),
            ("from", first.to_string()),
            ("to", first.last_of_month().to_string()),
        ])
        .unwrap_or_default()
    )
}

fn months_href(to: Date) -> String {
    format!("/months?to={}", to.strftime("%Y-%m"))
}

/// The categories drawn apart: the largest over all the months, largest first.
fn stacked_categories(months: &[(Month, Held)]) -> Vec<&'static str> {
    let mut sums: std::collections::BTreeMap<&'static str, i64> = Default::default();
    for (month, _) in months {
        for (name, sum) in &month.categories {
            *sums.entry(name).or_default() += sum;
        }
    }
    let mut sorted: Vec<(&'static str, i64)> = sums.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    sorted.into_iter().take(STACKED).map(|(n, _)| n).collect()
}

/// The chart's columns: income beside spending stacked by category, scaled to the largest.
fn columns(months: &[(Month, Held)], stacked: &[&'static str]) -> Vec<Column> {
    let largest = months
        .iter()
        .map(|(m, _)| m.income.max(m.spending))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let scale = |v: i64| v as f64 / largest * f64::from(CHART_HEIGHT);
    let bottom = f64::from(CHART_HEIGHT);
    months
        .iter()
        .zip(0u32..)
        .map(|((month, held), n)| {
            let first = month.first;
            let mut top = bottom;
            let mut blocks = Vec::new();
            let mut shown = 0i64;
            for (colour, name) in stacked.iter().enumerate() {
                let value = month.categories.get(name).copied().unwrap_or(0);
                shown += value;
                let height = scale(value);
                top -= height;
                blocks.push(Block {
                    y: format!("{top:.1}"),
                    height: format!("{height:.1}"),
                    colour,
                });
            }
            let rest = scale(month.spending - shown);
            top -= rest;
            blocks.push(Block {
                y: format!("{top:.1}"),
                height: format!("{rest:.1}"),
                colour: stacked.len(),
            });
            blocks.retain(|b| b.height != "0.0");
            let income = scale(month.income);
            Column {
                label: crate::i18n::month_short(first.month()),
                title: crate::i18n::t3(
                    match held {
                        Held::All => "months-bar-title",
                        Held::Part => "months-bar-title-partial",
                        Held::Nothing => "months-bar-title-not-fetched",
                    },
                    "month",
                    crate::i18n::month_year(first.month(), first.year()),
                    "in",
                    signed_money(month.income, UAH),
                    "out",
                    signed_money(-month.spending, UAH),
                ),
                href: statement_href(first),
                x: n * COLUMN,
                income_y: format!("{:.1}", bottom - income),
                income_height: format!("{income:.1}"),
                blocks,
                partial: *held != Held::All,
            }
        })
        .collect()
}

/// `GET /months`.
pub async fn show(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    query: Option<web::Query<MonthsQuery>>,
) -> Result<HttpResponse, AppError> {
    let query = query.map(web::Query::into_inner).unwrap_or_default();
    let today = day_of(state.clock.now()).unwrap_or_default();
    let current = today.first_of_month();
    let mut data = MonthsPage {
        layout: Layout::new(&session, &user, "months", crate::i18n::t("nav-months"))?,
        connected: true,
        notice: None,
        columns: Vec::new(),
        legend: Vec::new(),
        rows: Vec::new(),
        chart_width: CHART_WIDTH,
        chart_height: CHART_HEIGHT,
        earlier: None,
        later: None,
        any_partial: false,
        total_income: String::new(),
        total_spending: String::new(),
        total_net: String::new(),
    };
    let asked = statement::RawMonths {
        from: None,
        to: query.to.filter(|t| !t.is_empty()),
    }
    .check(today);
    let months = match asked {
        Ok(months) => months,
        Err(_) => {
            data.notice = Some(crate::i18n::t("months-choose"));
            return page(StatusCode::BAD_REQUEST, &data);
        }
    };
    let (from, to) = (months.from, months.to);
    let shift = |by: i8| to.checked_add(jiff::Span::new().months(by)).ok();
    data.earlier = shift(-MONTHS)
        .filter(|_| from > FIRST_MONTH)
        .map(|earlier| months_href(earlier.max(FIRST_MONTH)));
    data.later = shift(MONTHS)
        .map(|later| later.min(current))
        .filter(|later| *later > to)
        .map(months_href);
    match statement::summary(&state, user.id, months).await {
        Ok(summary) => {
            let stacked = stacked_categories(&summary.months);
            data.columns = columns(&summary.months, &stacked);
            data.legend = stacked
                .iter()
                .map(|n| crate::i18n::category(n))
                .chain(std::iter::once(crate::i18n::category(
                    crate::domain::mcc::OTHER,
                )))
                .zip(0..)
                .collect();
            let (mut income, mut spending) = (0i64, 0i64);
            data.rows = summary
                .months
                .iter()
                .rev()
                .map(|(m, held)| {
                    income += m.income;
                    spending += m.spending;
                    let first = m.first;
                    Row {
                        month: crate::i18n::month_year(first.month(), first.year()),
                        href: statement_href(first),
                        income: signed_money(m.income, UAH),
                        spending: signed_money(-m.spending, UAH),
                        net: signed_money(m.net(), UAH),
                        negative: m.net() < 0,
                        partial: *held == Held::Part || (m.unvalued > 0 && *held == Held::All),
                        fetched: *held != Held::Nothing,
                        transfers: m.transfers,
                        unvalued: m.unvalued,
                    }
                })
                .collect();
            data.any_partial = data.rows.iter().any(|r| r.partial || !r.fetched);
            data.total_income = signed_money(income, UAH);
            data.total_spending = signed_money(-spending, UAH);
            data.total_net = signed_money(income - spending, UAH);
        }
        Err(HistoryError::Token(TokenError::NotAdded)) => data.connected = false,
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => return Err(e),
            e => data.notice = Some(super::words_of(&e)),
        },
    }
    page(StatusCode::OK, &data)
}
