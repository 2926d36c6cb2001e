//! `/statement`: one account or jar over a range of Kyiv days, a page of rows at a time, with the
//! range's totals and a spending-by-category chart drawn as inline SVG on the server.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use jiff::civil::Date;
use serde::Deserialize;

use super::format::{date, date_time, day_bounds, day_of, money, signed_money, time};
use super::{page, FormState, Layout};
use crate::auth::current_user::{CurrentUser, SessionUser};
use crate::domain::mcc;
use crate::error::{AppError, FieldErrors};
use crate::services::mono::ViewError;
use crate::services::tokens::TokenError;
use crate::services::Context;
use crate::services::{history, mono};
use monobank::currency::CurrencyCode;
use monobank::types::{StatementItem, UserInfo};

/// Rows per page that can be asked for; the first is the default.
const PAGE_SIZES: [usize; 4] = [100, 50, 200, 500];
/// The longest range one page asks for.
const MAX_DAYS: i32 = 366;
/// Bars in the chart; smaller categories are summed as "Other".
const CHART_BARS: usize = 8;
/// The chart's drawing width; each category is a label and its amount above a bar, so the chart
/// reads the same on a phone and a desktop.
pub const CHART_WIDTH: u32 = 400;
const CHART_ROW: u32 = 40;

#[derive(Debug, Default, Deserialize)]
pub struct StatementQuery {
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
    per: Option<String>,
}

pub struct Choice {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

pub struct Row {
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
}

pub struct Bar {
    pub label: String,
    pub value: String,
    pub y: u32,
    pub text_y: u32,
    pub width: String,
}

pub struct Chart {
    pub height: u32,
    pub bars: Vec<Bar>,
}

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
    shown: bool,
    rows: Vec<Row>,
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

/// A validated statement request.
struct Request {
    account: String,
    currency: CurrencyCode,
    from: Date,
    to: Date,
    page: usize,
    per: usize,
}

fn account_choices(info: &UserInfo, selected: &str) -> Vec<Choice> {
    let accounts = info.accounts.iter().map(|a| {
        let card = a
            .masked_pan
            .first()
            .map(|p| format!(" · {p}"))
            .unwrap_or_default();
        (
            a.id.clone(),
            format!("{} {}{card}", CurrencyCode(a.currency_code), a.kind),
        )
    });
    let jars = info.jars.iter().flatten().map(|j| {
        (
            j.id.clone(),
            format!("Jar: {} ({})", j.title, CurrencyCode(j.currency_code)),
        )
    });
    accounts
        .chain(jars)
        .map(|(id, label)| Choice {
            selected: id == selected,
            id,
            label,
        })
        .collect()
}

fn validate(query: &StatementQuery, info: &UserInfo, today: Date) -> Result<Request, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut fail = |field: &str, message: &str| {
        errors.insert(field.into(), vec![message.into()]);
    };
    let default_account = mono::default_account(info).map(|a| a.id.clone());
    let account = query
        .account
        .clone()
        .or(default_account)
        .unwrap_or_default();
    let currency = history::currency_of(info, &account);
    if currency.is_none() {
        fail("account", "Choose one of your accounts or jars.");
    }
    let mut day = |field: &str, raw: Option<&str>, default: Date| match raw {
        None | Some("") => Some(default),
        Some(raw) => match raw.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                fail(field, "Enter a date as YYYY-MM-DD.");
                None
            }
        },
    };
    let week_ago = today
        .checked_sub(jiff::Span::new().days(6))
        .unwrap_or(today);
    let from = day("from", query.from.as_deref(), week_ago);
    let to = day("to", query.to.as_deref(), today);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            fail("to", "The end date must not be before the start date.");
        } else if from > today {
            fail("from", "The start date is in the future.");
        } else if (to - from).get_days() >= MAX_DAYS {
            fail("to", "Ask for at most 366 days at a time.");
        }
    }
    let page = match query.page.as_deref().map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if (1..=100_000).contains(&n) => n,
        Some(_) => {
            fail("page", "Not a page of this statement.");
            1
        }
    };
    let per = match query.per.as_deref().map(str::parse::<usize>) {
        None => PAGE_SIZES[0],
        Some(Ok(n)) if PAGE_SIZES.contains(&n) => n,
        Some(_) => {
            fail("per", "Choose 50, 100, 200 or 500 rows per page.");
            PAGE_SIZES[0]
        }
    };
    match (currency, from, to) {
        (Some(currency), Some(from), Some(to)) if errors.is_empty() => Ok(Request {
            account,
            currency,
            from,
            to,
            page,
            per,
        }),
        _ => Err(errors),
    }
}

fn row(item: &StatementItem, currency: CurrencyCode) -> Row {
    let operation_currency = CurrencyCode(item.currency_code);
    Row {
        date: date(item.time),
        time: time(item.time),
        description: item.description.clone(),
        category: mcc::category(item.mcc).to_owned(),
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
    }
}

/// Money in and out over all the items.
fn totals(items: &[StatementItem]) -> (i64, i64) {
    items.iter().fold((0i64, 0i64), |(inc, out), i| {
        if i.amount >= 0 {
            (inc.saturating_add(i.amount), out)
        } else {
            (inc, out.saturating_add(i.amount))
        }
    })
}

/// Spending per category, largest first, the tail summed as "Other".
fn spending(items: &[StatementItem]) -> Vec<(String, i64)> {
    let mut sums: HashMap<&'static str, i64> = HashMap::new();
    for item in items.iter().filter(|i| i.amount < 0) {
        let sum = sums.entry(mcc::category(item.mcc)).or_default();
        *sum = sum.saturating_add(item.amount.saturating_neg());
    }
    let mut sorted: Vec<(String, i64)> = sums.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if sorted.len() > CHART_BARS {
        let rest: i64 = sorted
            .drain(CHART_BARS - 1..)
            .fold(0i64, |acc, (_, v)| acc.saturating_add(v));
        sorted.push(("All other categories".to_owned(), rest));
    }
    sorted
}

/// The chart's geometry: one labelled bar per category, scaled to the largest.
fn chart(items: &[StatementItem], currency: CurrencyCode) -> Option<Chart> {
    let sums = spending(items);
    let largest = sums.first()?.1.max(1) as f64;
    let room = f64::from(CHART_WIDTH);
    let bars = sums
        .into_iter()
        .zip(0u32..)
        .map(|((label, value), n)| {
            let width = (value as f64 / largest * room).max(1.0);
            Bar {
                label,
                value: money(value, currency),
                y: n * CHART_ROW + 20,
                text_y: n * CHART_ROW + 14,
                width: format!("{width:.1}"),
            }
        })
        .collect::<Vec<_>>();
    let height = u32::try_from(bars.len()).unwrap_or(0) * CHART_ROW;
    Some(Chart { height, bars })
}

fn href(request: &Request, page: usize) -> String {
    let query = [
        ("account", request.account.clone()),
        ("from", request.from.to_string()),
        ("to", request.to.to_string()),
        ("per", request.per.to_string()),
        ("page", page.to_string()),
    ];
    format!(
        "/statement?{}",
        serde_urlencoded::to_string(query).unwrap_or_default()
    )
}

/// What the store answered for the range, and how far the sync has come.
struct Answer {
    items: Vec<StatementItem>,
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

fn fill(page: &mut StatementPage, request: &Request, answer: Answer) {
    let count = answer.items.len();
    let pages = count.div_ceil(request.per).max(1);
    let current = request.page.min(pages);
    let first = (current - 1) * request.per;
    page.rows = answer
        .items
        .iter()
        .skip(first)
        .take(request.per)
        .map(|i| row(i, request.currency))
        .collect();
    page.count = count;
    page.first = first + 1;
    page.last = first + page.rows.len();
    let (total_in, total_out) = totals(&answer.items);
    page.total_in = signed_money(total_in, request.currency);
    page.total_out = signed_money(total_out, request.currency);
    page.nothing_fetched = answer.coverage.holds_nothing();
    page.chart = chart(&answer.items, request.currency);
    page.pages = (1..=pages)
        .filter(|&n| pages <= 15 || n == 1 || n == pages || n.abs_diff(current) <= 3)
        .map(|number| PageLink {
            number,
            href: href(request, number),
            current: number == current,
        })
        .collect();
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
    page.missing = missing_words(&answer.coverage);
    page.expected = expected_at(&answer).map(date_time).unwrap_or_default();
    if let Some(progress) = &answer.progress {
        page.progress = (progress.windows_done, progress.windows_total);
        page.history_from = date(progress.history_from);
        let range_from = day_bounds(request.from).map_or(0, |b| b.0);
        if range_from < progress.history_from {
            let first = request.from.to_string().max(FIRST_DAY.to_owned());
            page.older = Some(OlderHistory {
                account: request.account.clone(),
                from: first,
                to: request.to.to_string(),
            });
        }
    }
    page.csv = format!(
        "/api/mono/statement.csv?{}",
        serde_urlencoded::to_string([
            ("from", request.from.to_string()),
            ("to", request.to.to_string()),
            ("account", request.account.clone()),
        ])
        .unwrap_or_default()
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
    let echo = [
        ("from", query.from.clone().unwrap_or_default()),
        ("to", query.to.clone().unwrap_or_default()),
    ];
    let mut page_data = StatementPage {
        layout: Layout::new(&session, &user, "statement", "Statement")?,
        connected: true,
        notice: None,
        form: FormState::with(
            &echo
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        ),
        accounts: Vec::new(),
        sizes: Vec::new(),
        shown: false,
        rows: Vec::new(),
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
    let info = match mono::client_info(&state, &session_user).await {
        Ok(answer) => answer.data,
        Err(ViewError::Token(TokenError::Rejected { at })) => {
            page_data.notice = Some(super::rejected_notice(at));
            return page(StatusCode::OK, &page_data);
        }
        Err(ViewError::Token(_)) => {
            page_data.connected = false;
            return page(StatusCode::OK, &page_data);
        }
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => return Err(e),
            e => {
                page_data.notice = Some(e.detail());
                return page(StatusCode::OK, &page_data);
            }
        },
    };
    let request = match validate(&query, &info, today) {
        Ok(request) => request,
        Err(errors) => {
            page_data.accounts = account_choices(&info, query.account.as_deref().unwrap_or(""));
            page_data.sizes = PAGE_SIZES
                .iter()
                .map(|&n| (n, n == PAGE_SIZES[0]))
                .collect();
            page_data.form.errors = errors;
            return page(StatusCode::BAD_REQUEST, &page_data);
        }
    };
    page_data.accounts = account_choices(&info, &request.account);
    page_data.sizes = PAGE_SIZES.iter().map(|&n| (n, n == request.per)).collect();
    page_data.form = FormState::with(&[
        ("from", &request.from.to_string()),
        ("to", &request.to.to_string()),
    ]);
    let (Some((from, _)), Some((_, to))) = (day_bounds(request.from), day_bounds(request.to))
    else {
        return Err(AppError::internal("a Kyiv day without bounds"));
    };
    let stored = history::statement(&state, user.id, Some(request.account.clone()), from, to);
    match stored.await {
        Ok(stored) => {
            let answer = Answer {
                items: stored.items.iter().map(|r| r.item()).collect(),
                complete: stored.complete,
                next_fetch_at: stored.next_fetch_at,
                coverage: stored.coverage,
                progress: stored.progress,
                lane_secs: state.upstream.lane_secs(),
            };
            fill(&mut page_data, &request, answer);
        }
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => return Err(e),
            e => page_data.notice = Some(e.detail()),
        },
    }
    page(StatusCode::OK, &page_data)
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
            format!("Enter a day from {FIRST_DAY} (Monobank's first day) on."),
        );
        return Ok(super::see_other(&back));
    };
    match history::request_history(&state, user.id, Some(form.account.clone()), from).await {
        Ok(_) => Ok(super::done(
            &session,
            format!(
                "monoweb is fetching this account's history back to {}, one month a minute.",
                form.from
            ),
            &back,
        )),
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => Err(e),
            e => {
                super::flash(&session, "error", e.detail());
                Ok(super::see_other(&back))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(amount: i64, mcc: i32) -> StatementItem {
        StatementItem::new("x".into(), 0, "d", mcc, amount, 980)
    }

    #[test]
    fn totals_and_spending_by_category() {
        let items = [
            item(-1_000, 5411),
            item(-500, 5411),
            item(-2_000, 5812),
            item(10_000, 4829),
        ];
        assert_eq!(totals(&items), (10_000, -3_500));
        assert_eq!(
            spending(&items),
            [
                ("Cafes and restaurants".to_owned(), 2_000),
                ("Groceries".to_owned(), 1_500)
            ]
        );
        let chart = chart(&items, CurrencyCode(980));
        let bars = chart.map(|c| c.bars).unwrap_or_default();
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[0].width, "400.0", "the largest bar fills the width");
        assert_eq!(bars[1].width, "300.0");
    }

    #[test]
    fn small_categories_are_summed() {
        let mccs = [5411, 5812, 4111, 5541, 5912, 4814, 5691, 5732, 7832, 8211];
        let items: Vec<_> = mccs
            .iter()
            .zip(1..)
            .map(|(&mcc, n)| item(-100 * n, mcc))
            .collect();
        let sums = spending(&items);
        assert_eq!(sums.len(), CHART_BARS);
        assert_eq!(
            sums[CHART_BARS - 1],
            ("All other categories".to_owned(), 600)
        );
        assert_eq!(sums.iter().map(|s| s.1).sum::<i64>(), 5_500);
    }

    #[test]
    fn no_spending_no_chart() {
        assert!(chart(&[item(5, 4829)], CurrencyCode(980)).is_none());
    }
}
