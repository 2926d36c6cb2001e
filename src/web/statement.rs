//! `/statement`: one account or jar over a range of Kyiv days, a page of rows at a time, with the
//! range's totals and a spending-by-category chart drawn as inline SVG on the server.

use std::collections::{HashMap, HashSet};

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use jiff::civil::Date;
use serde::Deserialize;

use super::format::{date, date_time, day_bounds, day_of, money, signed_money, time};
use super::{page, FormState, Layout};
use crate::db::transactions::TransactionRow;
use crate::domain::mcc;
use crate::http::current_user::{CurrentUser, SessionUser};
use crate::http::error::{AppError, FieldErrors};
use crate::i18n::{t, t1};
use crate::services::mono::ViewError;
use crate::services::tokens::TokenError;
use crate::services::Context;
use crate::services::{client_info, history, insight, mono, statement};
use monobank::currency::CurrencyCode;
use monobank::types::{StatementItem, UserInfo};

/// Rows per page that can be asked for.
const PAGE_SIZES: [usize; 4] = [50, 100, 200, 500];
/// Rows per page unless asked.
const DEFAULT_PER: usize = 100;
/// Bars in the chart; smaller categories are summed as "Other".
const CHART_BARS: usize = 8;
/// The length of the chart's bar tracks (drawn as wide as the card); each category is a label
/// and its amount above its bar, so the chart reads the same on a phone and a desktop.
pub const CHART_WIDTH: u32 = 400;

#[derive(Debug, Default, Deserialize)]
pub struct StatementQuery {
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
    per: Option<String>,
    #[serde(flatten)]
    filter: insight::RawFilter,
}

pub struct Choice {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

pub struct Row {
    /// The first row of a day (in date order): the day and its total.
    pub day: Option<(String, String)>,
    pub date: String,
    pub time: String,
    pub description: String,
    pub category: String,
    pub amount: String,
    /// `in` or `out` (the CSS class).
    pub direction: &'static str,
    /// The operation's own amount when it was in another currency.
    pub operation: String,
    pub cashback: String,
    pub balance: String,
    pub hold: bool,
    pub comment: String,
    /// The account's name, when every account is shown.
    pub account: String,
    /// One side of a transfer between the user's own accounts.
    pub own_transfer: bool,
}

pub struct Bar {
    pub label: String,
    pub value: String,
    /// The statement filtered to this category.
    pub href: String,
    /// The bar's length on a track [`CHART_WIDTH`] long.
    pub width: String,
}

pub struct Chart {
    pub bars: Vec<Bar>,
}

/// An entry of the pagination: a page, or a gap (`number` 0) between shown pages.
pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage {
    layout: Layout,
    connected: bool,
    notice: Option<String>,
    form: FormState,
    accounts: Vec<Choice>,
    sizes: Vec<(usize, bool)>,
    categories: Vec<(&'static str, String, bool)>,
    sorts: Vec<(&'static str, String, bool)>,
    /// Whether a filter narrows the rows (the filter box starts open).
    filtered: bool,
    /// Rows grouped by day (date order).
    grouped: bool,
    /// Every account is shown.
    all: bool,
    /// Own transfers among the rows, left out of the totals and the chart.
    transfers: usize,
    /// Rows left out of the totals for want of an exchange rate.
    unvalued: usize,
    previous_page: Option<String>,
    next_page: Option<String>,
    /// The months before and after the range's first month, as (label, href).
    previous_month: Option<(String, String)>,
    next_month: Option<(String, String)>,
    shown: bool,
    rows: Vec<Row>,
    /// Unsigned webhook events of the range: shown apart, in no total or chart.
    unconfirmed: Vec<Row>,
    count: usize,
    first: usize,
    last: usize,
    total_in: String,
    total_out: String,
    chart: Option<Chart>,
    chart_width: u32,
    pages: Vec<PageLink>,
    complete: bool,
    /// Part of the range is not in the store yet.
    partial: bool,
    /// What is missing is only the time since the last fetch: when that was, in words.
    fetched_up_to: Option<String>,
    /// Holds in the range the bank may still settle or cancel.
    open_holds: usize,
    /// Nothing of the range is in the store yet: totals are not shown as zero.
    nothing_fetched: bool,
    /// The parts of the range not fetched yet, in words.
    missing: String,
    /// When the sync should have fetched them, in words (empty when it will not on its own).
    expected: String,
    /// Month-long windows of this account's history in the store, of all.
    progress: (u32, u32),
    /// The oldest day the sync keeps of this account.
    history_from: String,
    /// The range starts before the history the sync keeps: the button that asks for it.
    older: Option<OlderHistory>,
    /// The CSV download of the same range.
    csv: String,
}

/// The request for history older than the sync keeps, as the page's form sends it.
pub struct OlderHistory {
    pub account: String,
    pub from: String,
    pub to: String,
}

/// A validated statement request: the statement service's query and the page's own fields.
struct Request {
    account: String,
    currency: CurrencyCode,
    query: statement::Query,
    page: usize,
    per: usize,
    raw_filter: insight::RawFilter,
}

fn account_choices(info: &UserInfo, selected: &str) -> Vec<Choice> {
    std::iter::once((history::ALL_ACCOUNTS.to_owned(), t("all-accounts-and-jars")))
        .chain(super::dashboard::account_names(info))
        .map(|(id, label)| Choice {
            selected: id == selected,
            id,
            label,
        })
        .collect()
}

/// The page's request: the account (the default card unless chosen), the range (this month
/// so far unless chosen) and the filter checked by the statement service, and the page's own
/// page and page size.
fn validate(query: &StatementQuery, info: &UserInfo, today: Date) -> Result<Request, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut fail = |field: &str, message: &str| {
        errors.insert(field.into(), vec![message.into()]);
    };
    let default_account = client_info::default_account(info).map(|a| a.id.clone());
    let account = query
        .account
        .clone()
        .or(default_account)
        .unwrap_or_default();
    let currency = if account == history::ALL_ACCOUNTS {
        Some(monobank::currency::UAH)
    } else {
        client_info::currency_of(info, &account)
    };
    if currency.is_none() {
        fail("account", &t("choose-account"));
    }
    let page = match query.page.as_deref().map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if (1..=100_000).contains(&n) => n,
        Some(_) => {
            fail("page", &t("not-a-page"));
            1
        }
    };
    let per = match query.per.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_PER,
        Some(Ok(n)) if PAGE_SIZES.contains(&n) => n,
        Some(_) => {
            fail("per", &t("choose-page-size"));
            DEFAULT_PER
        }
    };
    let or_default = |raw: &Option<String>, default: Date| match raw.as_deref() {
        None | Some("") => default.to_string(),
        Some(raw) => raw.to_owned(),
    };
    let raw_filter = query.filter.trimmed();
    let checked = statement::RawQuery {
        account: Some(account.clone()),
        from: Some(or_default(&query.from, today.first_of_month())),
        to: Some(or_default(&query.to, today)),
        filter: raw_filter.clone(),
    }
    .check(today)
    .map_err(|e| errors.extend(e))
    .ok();
    match (currency, checked) {
        (Some(currency), Some(checked)) if errors.is_empty() => Ok(Request {
            account,
            currency,
            query: checked,
            page,
            per,
            raw_filter,
        }),
        _ => Err(errors),
    }
}

fn row(item: &StatementItem, currency: CurrencyCode) -> Row {
    let operation_currency = CurrencyCode(item.currency_code);
    Row {
        day: None,
        date: date(item.time),
        time: time(item.time),
        description: item.description.clone(),
        category: crate::i18n::category(mcc::category(item.mcc)),
        amount: signed_money(item.amount, currency),
        direction: if item.amount < 0 { "out" } else { "in" },
        operation: if item.currency_code != 0 && operation_currency != currency {
            signed_money(item.operation_amount, operation_currency)
        } else {
            String::new()
        },
        cashback: if item.cashback_amount != 0 {
            money(item.cashback_amount, currency)
        } else {
            String::new()
        },
        balance: money(item.balance, currency),
        hold: item.hold,
        comment: item.comment.clone().unwrap_or_default(),
        account: String::new(),
        own_transfer: false,
    }
}

/// The rows' worth in the statement's currency: the amount on one account; in hryvnias with
/// every account (`None` for own transfers and rows without a rate: they count nowhere).
struct Valued<'a> {
    row: &'a TransactionRow,
    value: Option<i64>,
}

/// Money in and out over all the items.
fn totals<'a>(items: impl Iterator<Item = &'a Valued<'a>>) -> (i64, i64) {
    items
        .filter_map(|v| v.value)
        .fold((0i64, 0i64), |(inc, out), v| {
            if v >= 0 {
                (inc.saturating_add(v), out)
            } else {
                (inc, out.saturating_add(v))
            }
        })
}

/// Spending per category, largest first, the tail summed as "Other".
fn spending(items: &[Valued]) -> Vec<(String, i64)> {
    let mut sums: HashMap<&'static str, i64> = HashMap::new();
    for item in items {
        if let Some(value) = item.value.filter(|v| *v < 0) {
            let sum = sums.entry(mcc::category(item.row.mcc)).or_default();
            *sum = sum.saturating_add(value.saturating_neg());
        }
    }
    let mut sorted: Vec<(String, i64)> = sums.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if sorted.len() > CHART_BARS {
        let rest: i64 = sorted
            .drain(CHART_BARS - 1..)
            .fold(0i64, |acc, (_, v)| acc.saturating_add(v));
        sorted.push((OTHERS.to_owned(), rest));
    }
    sorted
}

/// The chart's key for the categories summed together (its label is the catalog's).
const OTHERS: &str = "All other categories";

/// The chart's geometry: one labelled bar per category, scaled to the largest, with its share
/// of the spending; each bar links to the rows of its category.
fn chart(items: &[Valued], request: &Request) -> Option<Chart> {
    let sums = spending(items);
    let largest = sums.first()?.1.max(1) as f64;
    let all: i64 = sums.iter().map(|s| s.1).sum::<i64>().max(1);
    let room = f64::from(CHART_WIDTH);
    let bars = sums
        .into_iter()
        .map(|(label, value)| {
            let width = (value as f64 / largest * room).max(1.0);
            let share = (value as f64 * 100.0 / all as f64).round();
            let href = if label == OTHERS {
                String::new()
            } else {
                let mut filter = request.raw_filter.clone();
                filter.category = Some(label.clone());
                filter.direction = Some("out".into());
                // To the list it filtered, not the top of the page.
                href_with(request, &filter, 1) + "#statement"
            };
            Bar {
                value: format!("{} · {share}%", money(value, request.currency)),
                label: if label == OTHERS {
                    t("chart-others")
                } else {
                    crate::i18n::category(&label)
                },
                href,
                width: format!("{width:.1}"),
            }
        })
        .collect::<Vec<_>>();
    Some(Chart { bars })
}

fn href(request: &Request, page: usize) -> String {
    href_with(request, &request.raw_filter, page)
}

/// The statement's address with another filter and page, the rest kept.
fn href_with(request: &Request, raw: &insight::RawFilter, page: usize) -> String {
    href_range(request, request.query.from, request.query.to, raw, page)
}

/// The statement's address over another range, with a filter and a page, the rest kept.
fn href_range(
    request: &Request,
    from: Date,
    to: Date,
    raw: &insight::RawFilter,
    page: usize,
) -> String {
    let mut query = vec![
        ("account", request.account.clone()),
        ("from", from.to_string()),
        ("to", to.to_string()),
    ];
    query.extend(raw.query_pairs());
    if request.per != DEFAULT_PER {
        query.push(("per", request.per.to_string()));
    }
    if page > 1 {
        query.push(("page", page.to_string()));
    }
    format!(
        "/statement?{}",
        serde_urlencoded::to_string(query).unwrap_or_default()
    )
}

/// The page numbers to link: the first, the last, and two either side of the current one;
/// 0 marks a gap.
fn page_numbers(pages: usize, current: usize) -> Vec<usize> {
    let mut numbers = Vec::new();
    for n in 1..=pages {
        if n == 1 || n == pages || n.abs_diff(current) <= 2 {
            if numbers.last().is_some_and(|&last: &usize| last + 1 < n) {
                numbers.push(0);
            }
            numbers.push(n);
        }
    }
    numbers
}

/// The whole month before or after the one `day` falls in, as (label, first day, last day).
fn month_beside(day: Date, months: i8) -> Option<(String, Date, Date)> {
    let first = day
        .first_of_month()
        .checked_add(jiff::Span::new().months(months))
        .ok()?;
    Some((
        crate::i18n::month_year(first.month(), first.year()),
        first,
        first.last_of_month(),
    ))
}

/// What the store answered for the range, and how far the sync has come.
struct Answer {
    /// The range's rows, filtered and sorted.
    rows: Vec<TransactionRow>,
    /// Unsigned events' rows (see [`history::Stored::unconfirmed`]).
    unconfirmed: Vec<TransactionRow>,
    /// The rows' worth in the statement's currency (see [`Valued`]).
    values: Vec<Option<i64>>,
    /// Which rows are own transfers (every account shown).
    transfers: HashSet<String>,
    currencies: HashMap<String, CurrencyCode>,
    names: HashMap<String, String>,
    complete: bool,
    next_fetch_at: Option<i64>,
    coverage: history::Coverage,
    progress: Option<history::AccountProgress>,
    /// How long the sync waits between two statement calls of a token.
    lane_secs: i64,
}

/// Monobank's first day, as the date inputs want it.
const FIRST_DAY: &str = "2017-11-01";

/// The parts of a range not fetched yet, in words.
fn missing_words(coverage: &history::Coverage) -> String {
    coverage
        .missing
        .iter()
        .map(|m| format!("{} – {}", date_time(m.from), date_time(m.to)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// When the sync should have fetched what is missing, if it fetches it on its own: one window
/// of this account a call, the shown account first.
fn expected_at(answer: &Answer) -> Option<i64> {
    let history_from = answer.progress.as_ref().map(|p| p.history_from)?;
    if answer
        .coverage
        .missing
        .iter()
        .any(|m| m.from < history_from)
    {
        return None;
    }
    let windows: i64 = answer
        .coverage
        .missing
        .iter()
        .map(|m| (m.to - m.from) / (31 * 86_400) + 1)
        .sum();
    Some(answer.next_fetch_at? + (windows - 1).max(0) * answer.lane_secs)
}

fn fill(page: &mut StatementPage, request: &Request, answer: Answer, today: Date) {
    let count = answer.rows.len();
    let pages = count.div_ceil(request.per).max(1);
    let current = request.page.min(pages);
    let first = (current - 1) * request.per;
    let valued: Vec<Valued> = answer
        .rows
        .iter()
        .zip(&answer.values)
        .map(|(row, value)| Valued { row, value: *value })
        .collect();
    page.grouped = matches!(
        request.query.filter.sort,
        insight::Sort::NewestFirst | insight::Sort::OldestFirst
    );
    // Day totals over every row of the day, whichever page it starts on.
    let mut day_totals: HashMap<String, i64> = HashMap::new();
    if page.grouped {
        for v in &valued {
            let sum = day_totals.entry(date(v.row.time)).or_default();
            *sum = sum.saturating_add(v.value.unwrap_or(0));
        }
    }
    let mut last_day = String::new();
    page.rows = valued
        .iter()
        .skip(first)
        .take(request.per)
        .map(|v| {
            let currency = answer
                .currencies
                .get(&v.row.account)
                .copied()
                .unwrap_or(request.currency);
            let mut shown = row(&v.row.item(), currency);
            if page.grouped && shown.date != last_day {
                last_day.clone_from(&shown.date);
                let total = day_totals.get(&shown.date).copied().unwrap_or(0);
                let heading =
                    day_of(v.row.time).map_or_else(|| shown.date.clone(), crate::i18n::day_heading);
                shown.day = Some((heading, signed_money(total, request.currency)));
            }
            if page.all {
                shown.account = answer
                    .names
                    .get(&v.row.account)
                    .cloned()
                    .unwrap_or_default();
                shown.own_transfer = answer.transfers.contains(&v.row.id);
            }
            shown
        })
        .collect();
    page.count = count;
    page.first = first + 1;
    page.last = first + page.rows.len();
    page.transfers = answer
        .rows
        .iter()
        .filter(|r| answer.transfers.contains(&r.id))
        .count();
    page.unvalued = valued
        .iter()
        .filter(|v| v.value.is_none() && !answer.transfers.contains(&v.row.id))
        .count();
    let (total_in, total_out) = totals(valued.iter());
    page.total_in = signed_money(total_in, request.currency);
    page.total_out = signed_money(total_out, request.currency);
    page.nothing_fetched = answer.coverage.holds_nothing();
    page.chart = chart(&valued, request);
    page.pages = page_numbers(pages, current)
        .into_iter()
        .map(|number| PageLink {
            number,
            href: if number == 0 {
                String::new()
            } else {
                href(request, number)
            },
            current: number == current,
        })
        .collect();
    page.previous_page = (current > 1).then(|| href(request, current - 1));
    page.next_page = (current < pages).then(|| href(request, current + 1));
    // The whole months before the range's first day and after its last: a custom range of
    // several months steps out of either end, not from its first month.
    let month_link = |day: Date, months: i8| {
        month_beside(day, months)
            .map(|(label, from, to)| (label, href_range(request, from, to, &request.raw_filter, 1)))
    };
    page.previous_month = month_link(request.query.from, -1);
    page.next_month = month_link(request.query.to, 1)
        .filter(|_| request.query.to.first_of_month() < today.first_of_month());
    page.complete = answer.complete;
    page.partial = !answer.coverage.missing.is_empty();
    let coverage = &answer.coverage;
    page.fetched_up_to = match coverage.missing.as_slice() {
        [tail] if tail.to == coverage.range.to && tail.from > coverage.range.from => {
            Some(date_time(tail.from - 1))
        }
        _ => None,
    };
    page.open_holds = answer.coverage.open_holds;
    page.unconfirmed = answer
        .unconfirmed
        .iter()
        .map(|r| {
            let currency = answer
                .currencies
                .get(&r.account)
                .copied()
                .unwrap_or(request.currency);
            let mut shown = row(&r.item(), currency);
            if page.all {
                shown.account = answer.names.get(&r.account).cloned().unwrap_or_default();
            }
            shown
        })
        .collect();
    page.missing = missing_words(&answer.coverage);
    page.expected = expected_at(&answer).map(date_time).unwrap_or_default();
    if let Some(progress) = &answer.progress {
        page.progress = (progress.windows_done, progress.windows_total);
        page.history_from = date(progress.history_from);
        let range_from = day_bounds(request.query.from).map_or(0, |b| b.0);
        if range_from < progress.history_from {
            let first = request.query.from.to_string().max(FIRST_DAY.to_owned());
            page.older = Some(OlderHistory {
                account: request.account.clone(),
                from: first,
                to: request.query.to.to_string(),
            });
        }
    }
    // The CSV of the same rows: the page's query without the page and its size.
    let mut query = vec![
        ("from", request.query.from.to_string()),
        ("to", request.query.to.to_string()),
        ("account", request.account.clone()),
    ];
    query.extend(request.raw_filter.query_pairs());
    page.csv = format!(
        "/api/mono/statement.csv?{}",
        serde_urlencoded::to_string(query).unwrap_or_default()
    );
    page.shown = true;
}

/// `GET /statement`.
pub async fn show(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    session_user: SessionUser,
    query: Option<web::Query<StatementQuery>>,
) -> Result<HttpResponse, AppError> {
    let query = query.map(web::Query::into_inner).unwrap_or_default();
    let today = day_of(state.clock.now()).unwrap_or_default();
    let raw = &query.filter;
    let echo = [
        ("from", query.from.clone()),
        ("to", query.to.clone()),
        ("q", raw.q.clone()),
        ("min", raw.min.clone()),
        ("max", raw.max.clone()),
        ("direction", raw.direction.clone()),
    ];
    let echo: Vec<(&str, String)> = echo
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect();
    let echoed = |echo: &[(&str, String)]| {
        FormState::with(
            &echo
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
    };
    let mut page_data = StatementPage {
        layout: Layout::new(&session, &user, "statement", t("nav-statement"))?,
        connected: true,
        notice: None,
        form: echoed(&echo),
        accounts: Vec::new(),
        sizes: PAGE_SIZES.iter().map(|&n| (n, n == DEFAULT_PER)).collect(),
        categories: category_choices(raw.category.as_deref()),
        sorts: sort_choices(raw.sort.as_deref()),
        filtered: false,
        grouped: true,
        all: false,
        transfers: 0,
        unvalued: 0,
        previous_page: None,
        next_page: None,
        previous_month: None,
        next_month: None,
        shown: false,
        rows: Vec::new(),
        unconfirmed: Vec::new(),
        count: 0,
        first: 0,
        last: 0,
        total_in: String::new(),
        total_out: String::new(),
        chart: None,
        chart_width: CHART_WIDTH,
        pages: Vec::new(),
        complete: true,
        partial: false,
        fetched_up_to: None,
        open_holds: 0,
        nothing_fetched: false,
        missing: String::new(),
        expected: String::new(),
        progress: (0, 0),
        history_from: String::new(),
        older: None,
        csv: String::new(),
    };
    let info = match session_user.ended_if_refused(mono::client_info(&state, &session_user).await) {
        Ok(answer) => answer.data,
        Err(ViewError::Token(
            e @ (TokenError::Rejected { .. } | TokenError::AccessRevoked { .. }),
        )) => {
            page_data.notice = super::rejected_notice(&e);
            return page(StatusCode::OK, &page_data);
        }
        Err(ViewError::Token(_)) => {
            page_data.connected = false;
            return page(StatusCode::OK, &page_data);
        }
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => return Err(e),
            e => {
                page_data.notice = Some(super::words_of(&e));
                return page(StatusCode::OK, &page_data);
            }
        },
    };
    let request = match validate(&query, &info, today) {
        Ok(request) => request,
        Err(errors) => {
            page_data.accounts = account_choices(&info, query.account.as_deref().unwrap_or(""));
            page_data.filtered = true;
            page_data.form.errors = super::said_errors(errors);
            return page(StatusCode::BAD_REQUEST, &page_data);
        }
    };
    page_data.accounts = account_choices(&info, &request.account);
    page_data.sizes = PAGE_SIZES.iter().map(|&n| (n, n == request.per)).collect();
    page_data.filtered = request.query.filter.narrows();
    page_data.all = request.account == history::ALL_ACCOUNTS;
    let mut echo = echo;
    echo[0].1 = request.query.from.to_string();
    echo[1].1 = request.query.to.to_string();
    page_data.form = echoed(&echo);
    match statement::read(&state, user.id, &request.query).await {
        Ok(statement::Statement {
            stored,
            transfers,
            unconfirmed_in_range,
            ..
        }) => {
            let currencies = stored.currencies;
            let rows = stored.items;
            let foreign = currencies.values().any(|&c| c != monobank::currency::UAH);
            let rates = if page_data.all && foreign {
                state.upstream.rates().await.ok()
            } else {
                None
            };
            // The page counts the open holds apart from the unsigned events, all of them, not
            // only those a filter shows.
            let mut coverage = stored.coverage;
            coverage.open_holds = coverage.open_holds.saturating_sub(unconfirmed_in_range);
            let unconfirmed = stored.unconfirmed;
            let list = rates.as_ref().map_or(&[][..], |r| r.list.as_slice());
            let values = rows
                .iter()
                .map(|r| {
                    if !page_data.all {
                        Some(r.amount)
                    } else if transfers.contains(&r.id) {
                        None
                    } else {
                        let currency = currencies.get(&r.account).copied()?;
                        insight::uah_value(r, currency, list)
                    }
                })
                .collect();
            let answer = Answer {
                rows,
                unconfirmed,
                values,
                transfers,
                currencies,
                names: super::dashboard::account_names(&info).collect(),
                complete: stored.complete,
                next_fetch_at: stored.next_fetch_at,
                coverage,
                progress: stored.progress,
                lane_secs: state.upstream.lane_secs(),
            };
            fill(&mut page_data, &request, answer, today);
        }
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => return Err(e),
            e => page_data.notice = Some(super::words_of(&e)),
        },
    }
    page(StatusCode::OK, &page_data)
}

/// The category filter's choices: any, then every category.
fn category_choices(selected: Option<&str>) -> Vec<(&'static str, String, bool)> {
    let selected = selected.unwrap_or("");
    std::iter::once(("", t("category-any"), selected.is_empty()))
        .chain(mcc::names().map(|c| {
            (
                c,
                crate::i18n::category(c),
                c.eq_ignore_ascii_case(selected),
            )
        }))
        .collect()
}

/// The catalog's name of an order.
fn sort_label(sort: insight::Sort) -> &'static str {
    match sort {
        insight::Sort::NewestFirst => "sort-newest",
        insight::Sort::OldestFirst => "sort-oldest",
        insight::Sort::LargestFirst => "sort-largest",
        insight::Sort::SmallestFirst => "sort-smallest",
    }
}

/// The sort choices as (value, label, selected).
fn sort_choices(selected: Option<&str>) -> Vec<(&'static str, String, bool)> {
    let default = insight::Sort::default().name();
    let selected = selected.filter(|s| !s.is_empty()).unwrap_or(default);
    insight::Sort::ALL
        .iter()
        .map(|&(sort, value)| (value, t(sort_label(sort)), value == selected))
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct OlderForm {
    account: String,
    from: String,
    #[serde(default)]
    to: String,
}

/// `POST /statement/history`: asks the sync for an account's history back to a day, then shows
/// the range again.
pub async fn request_history(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    form: super::Form<OlderForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let back = format!(
        "/statement?{}",
        serde_urlencoded::to_string([
            ("account", form.account.as_str()),
            ("from", form.from.as_str()),
            ("to", form.to.as_str()),
        ])
        .unwrap_or_default()
    );
    let day = form
        .from
        .parse::<Date>()
        .ok()
        .filter(|d| d.to_string().as_str() >= FIRST_DAY);
    let Some((from, _)) = day.and_then(day_bounds) else {
        super::flash(
            &session,
            "error",
            t1("history-day-from", "first", FIRST_DAY),
        );
        return Ok(super::see_other(&back));
    };
    match history::request_history(&state, user.id, Some(form.account.clone()), from).await {
        Ok(_) => Ok(super::done(
            &session,
            t1("history-requested", "from", form.from.as_str()),
            &back,
        )),
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => Err(e),
            e => {
                super::flash(&session, "error", super::words_of(&e));
                Ok(super::see_other(&back))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::transactions::Source;
    use crate::db::users::UserId;

    fn rows(spec: &[(i64, i32)]) -> Vec<TransactionRow> {
        spec.iter()
            .map(|&(amount, mcc)| {
                let item = StatementItem::new("x".into(), 0, "d", mcc, amount, 980);
                TransactionRow::new(UserId(1), "a", &item, Source::Statement, 0)
            })
            .collect()
    }

    fn valued(rows: &[TransactionRow]) -> Vec<Valued<'_>> {
        rows.iter()
            .map(|row| Valued {
                row,
                value: Some(row.amount),
            })
            .collect()
    }

    fn request() -> Request {
        Request {
            account: "a".into(),
            currency: CurrencyCode(980),
            query: statement::Query {
                account: Some("a".into()),
                from: jiff::civil::date(2026, 11, 1),
                to: jiff::civil::date(2026, 11, 30),
                filter: insight::Filter::default(),
            },
            page: 1,
            per: DEFAULT_PER,
            raw_filter: insight::RawFilter::default(),
        }
    }

    #[test]
    fn totals_and_spending_by_category() {
        let items = rows(&[(-1_000, 5411), (-500, 5411), (-2_000, 5812), (10_000, 4829)]);
        let items = valued(&items);
        assert_eq!(totals(items.iter()), (10_000, -3_500));
        assert_eq!(
            spending(&items),
            [
                ("Cafes and restaurants".to_owned(), 2_000),
                ("Groceries".to_owned(), 1_500)
            ]
        );
        let bars = chart(&items, &request())
            .map(|c| c.bars)
            .unwrap_or_default();
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[0].width, "400.0", "the largest bar fills the width");
        assert_eq!(bars[1].width, "300.0");
        assert!(bars[0].value.ends_with("· 57%"), "{}", bars[0].value);
        assert!(
            bars[1].href.contains("category=Groceries") && bars[1].href.contains("direction=out"),
            "{}",
            bars[1].href
        );
    }

    #[test]
    fn rows_without_a_value_count_nowhere() {
        let items = rows(&[(-1_000, 4829), (-500, 5411)]);
        let mut items = valued(&items);
        items[0].value = None;
        assert_eq!(totals(items.iter()), (0, -500));
        assert_eq!(spending(&items), [("Groceries".to_owned(), 500)]);
    }

    #[test]
    fn small_categories_are_summed() {
        let mccs = [5411, 5812, 4111, 5541, 5912, 4814, 5691, 5732, 7832, 8211];
        let spec: Vec<(i64, i32)> = mccs
            .iter()
            .zip(1..)
            .map(|(&mcc, n)| (-100 * n, mcc))
            .collect();
        let items = rows(&spec);
        let sums = spending(&valued(&items));
        assert_eq!(sums.len(), CHART_BARS);
        assert_eq!(sums[CHART_BARS - 1], (OTHERS.to_owned(), 600));
        assert_eq!(sums.iter().map(|s| s.1).sum::<i64>(), 5_500);
    }

    #[test]
    fn no_spending_no_chart() {
        let items = rows(&[(5, 4829)]);
        assert!(chart(&valued(&items), &request()).is_none());
    }

    #[test]
    fn pagination_shows_the_ends_and_the_neighbours_with_gaps() {
        assert_eq!(page_numbers(1, 1), [1]);
        assert_eq!(page_numbers(5, 3), [1, 2, 3, 4, 5]);
        assert_eq!(page_numbers(35, 20), [1, 0, 18, 19, 20, 21, 22, 0, 35]);
        assert_eq!(page_numbers(35, 1), [1, 2, 3, 0, 35]);
        assert_eq!(page_numbers(10, 4), [1, 2, 3, 4, 5, 6, 0, 10]);
    }
}
