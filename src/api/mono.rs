//! `/api/mono/*`: the counterparts of `drf_mono`'s views (README, "HTTP API"). Each request
//! struct plays the part of a DRF serializer: it validates the body before any service runs.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use serde::Deserialize;
use validator::{Validate, ValidationError};

use super::answers;
use crate::db::users::UserId;
use crate::domain::kyiv::parse_month;
use crate::http::current_user::{CurrentUser, SessionUser};
use crate::http::error::AppError;
use crate::http::extract::ValidJson;
use crate::http::serializers::{MonoTokenSerializer, WebhookSerializer};
use crate::services::Context;
use crate::services::{history, insight, mono, statement, sync, tokens};
use monobank::currency::{self, CurrencyPair, Quote};
use monobank::MonoToken;

fn account_id(raw: &str) -> Result<(), ValidationError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("account")
            .with_message("An account is \"0\" or an account or jar id from client-info.".into()))
    }
}

/// `MonoPeriodSerializer`: `{"period": 0..=31, "account"?: "0" | id}`.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonoPeriodSerializer {
    #[validate(range(min = 0, max = 31, message = "Ensure this value is between 0 and 31."))]
    #[schema(minimum = 0, maximum = 31)]
    #[serde(deserialize_with = "crate::http::extract::whole_number")]
    pub period: i64,
    #[validate(custom(function = "account_id"))]
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9_-]+$")]
    pub account: Option<String>,
}

/// `StatementQuery`: `?from=YYYY-MM-DD&to=YYYY-MM-DD&account=` (Europe/Kyiv days; `account` "0"
/// or absent is the default UAH card, `all` every account and jar), and the filters: `q` (text
/// in the description, comment or counterparty, any case), `category`, `direction` (`in` or
/// `out`), `min` and `max` (the amount's size in its account's currency, such as `99.90`) and
/// `sort` (`-date`, the default, `date`, `amount` or `-amount`, by size).
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// The first day (Europe/Kyiv), not after today.
    #[param(format = Date, example = "2026-11-01")]
    pub from: String,
    /// The last day, not before `from` and less than 3,660 days (ten years) after it.
    #[param(format = Date, example = "2026-11-30")]
    pub to: String,
    #[validate(custom(function = "account_id"))]
    #[param(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9_-]+$",
        example = "all"
    )]
    pub account: Option<String>,
    /// Text in the description, comment or counterparty (name, IBAN, EDRPOU), any case; no
    /// control characters.
    #[param(
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
        example = "Сільпо"
    )]
    pub q: Option<String>,
    /// A spending category, as the statement's rows name it (`Groceries`, `Transfers`, ...).
    #[param(example = "Groceries")]
    pub category: Option<String>,
    /// `in` (money in) or `out`.
    #[param(pattern = "^(in|out)?$")]
    pub direction: Option<String>,
    /// The smallest amount (its size, in its account's currency), such as `100` or `99.90`.
    #[param(pattern = "^([0-9]+([.,][0-9]{1,2})?)?$", example = "100")]
    pub min: Option<String>,
    /// The largest amount, as `min`.
    #[param(pattern = "^([0-9]+([.,][0-9]{1,2})?)?$", example = "5000")]
    pub max: Option<String>,
    /// `-date` (newest first, the default), `date`, `-amount` (largest first) or `amount`.
    #[param(pattern = "^(-?date|-?amount)?$")]
    pub sort: Option<String>,
    /// A page's size ([`PageParams`]; the CSV refuses it).
    #[param(ignore)]
    pub limit: Option<String>,
    /// Where a page starts ([`PageParams`]).
    #[param(ignore)]
    pub cursor: Option<String>,
}

/// The paging fields of `GET /api/mono/statement/` (read as part of [`StatementQuery`]; apart
/// here so that the CSV's description does not offer them).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// At most this many items, and `next`, the link to the following page (also in a `Link`
    /// header, `rel="next"`); `next` is null on the last page. Without `limit`, the whole range
    /// in one answer and no `next`.
    #[param(minimum = 1, maximum = 1000, example = 100)]
    limit: Option<u32>,
    /// Where the page starts: the `cursor` of a `next` link (alone: the rest of the range). It is the key of
    /// the last row of the page before, `<time>.<size>.<id in hex>`, so rows that arrive between
    /// two pages neither repeat nor skip a row.
    #[param(
        pattern = r"^-?[0-9]{1,18}\.[0-9]{1,18}\.([0-9a-f]{2}){0,128}$",
        example = "1764400000.12500.5a7548577a716b4b47566f3d"
    )]
    cursor: Option<String>,
}

/// Which page of a statement a query asks for.
struct PageAsked {
    limit: usize,
    cursor: Option<insight::Cursor>,
}

impl StatementQuery {
    /// The page asked for (`None`: the whole range).
    fn page(&self) -> Result<Option<PageAsked>, AppError> {
        // A cursor alone asks for the rest of the range after it.
        let limit = match (self.limit.as_deref(), &self.cursor) {
            (None, None) => return Ok(None),
            (None, Some(_)) => usize::MAX,
            (Some(limit), _) => limit.parse::<usize>().unwrap_or(0),
        };
        if limit == 0 || (self.limit.is_some() && limit > insight::MAX_PAGE) {
            return Err(AppError::field(
                "limit",
                "Ensure this value is between 1 and 1000.",
            ));
        }
        let cursor = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(
                insight::Cursor::decode(raw)
                    .ok_or_else(|| AppError::field("cursor", "Use the cursor of a next link."))?,
            ),
        };
        Ok(Some(PageAsked { limit, cursor }))
    }

    /// The statement fields as the statement service reads them.
    fn raw(&self) -> statement::RawQuery {
        statement::RawQuery {
            account: self.account.clone(),
            from: Some(self.from.clone()),
            to: Some(self.to.clone()),
            filter: insight::RawFilter {
                q: self.q.clone(),
                category: self.category.clone(),
                direction: self.direction.clone(),
                min: self.min.clone(),
                max: self.max.clone(),
                sort: self.sort.clone(),
            },
        }
    }
}

fn kyiv_day(raw: &str) -> Result<(), ValidationError> {
    raw.parse::<jiff::civil::Date>().map(drop).map_err(|_| {
        ValidationError::new("date").with_message("Enter a date as YYYY-MM-DD.".into())
    })
}

/// A Kyiv day of a query or body field, or the field's error.
fn day(field: &str, raw: &str) -> Result<jiff::civil::Date, AppError> {
    raw.parse()
        .map_err(|_| AppError::field(field, "Enter a date as YYYY-MM-DD."))
}

/// `MonoCurrencySerializer`: `{"currency": "USDUAH"}` (also `USD/UAH`, `usd-uah`, `840/980`);
/// `GET` takes it as the query `?currency=`.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonoCurrencySerializer {
    /// USDUAH, USD/UAH, usd-uah or 840/980: two codes, letters or ISO numbers, apart or joined
    /// (the shapes `CurrencyPair::parse` reads; which pairs exist is Monobank's list).
    #[validate(length(min = 1, max = 16, message = "Enter a currency pair such as USDUAH."))]
    #[schema(
        min_length = 1,
        max_length = 16,
        pattern = r"^\s*[/ _-]*(([A-Za-z]{3}|[0-9]+)[/ _-]+([A-Za-z]{3}|[0-9]+)|([A-Za-z]{3}|[0-9]{3}){2})[/ _-]*\s*$"
    )]
    #[param(
        min_length = 1,
        max_length = 16,
        pattern = r"^\s*[/ _-]*(([A-Za-z]{3}|[0-9]+)[/ _-]+([A-Za-z]{3}|[0-9]+)|([A-Za-z]{3}|[0-9]{3}){2})[/ _-]*\s*$"
    )]
    pub currency: String,
}

/// `GET /api/mono/`: whether a token is attached (never the token).
pub async fn status(
    state: web::Data<Context>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    Ok(answers::reply(
        StatusCode::OK,
        tokens::status(&state, user.id).await?,
    ))
}

/// The validated token of a body (the serializer already checked its format).
fn token_of(body: ValidJson<MonoTokenSerializer>) -> Result<MonoToken, AppError> {
    MonoToken::parse(&body.into_inner().mono_token)
        .map_err(|_| AppError::field("mono_token", "Invalid token."))
}

/// `POST /api/mono/`: 201 "Mono added successfully." with `"verified"`: whether Monobank
/// already answered a call made with the token (when its minute was taken it is stored unverified
/// and the sync's first call tells); 422 "Monobank rejected this token." and nothing stored when
/// Monobank rejects it.
pub async fn attach(
    state: web::Data<Context>,
    user: CurrentUser,
    body: ValidJson<MonoTokenSerializer>,
) -> Result<HttpResponse, AppError> {
    let stored = tokens::attach(&state, user.id, token_of(body)?).await?;
    Ok(HttpResponse::Created().json(answers::TokenStored {
        code: 201,
        detail: "Mono added successfully.".into(),
        verified: stored.verified,
    }))
}

/// `PUT /api/mono/`: 200 "Mono changed successfully." with `"verified"` (as for `POST`).
pub async fn replace(
    state: web::Data<Context>,
    user: CurrentUser,
    body: ValidJson<MonoTokenSerializer>,
) -> Result<HttpResponse, AppError> {
    let stored = tokens::replace(&state, user.id, token_of(body)?).await?;
    Ok(HttpResponse::Ok().json(answers::TokenStored {
        code: 200,
        detail: "Mono changed successfully.".into(),
        verified: stored.verified,
    }))
}

/// `DELETE /api/mono/`: 204.
pub async fn remove(
    state: web::Data<Context>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    tokens::remove(&state, user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/mono/connect`: where the user's provider connection stands (`none`, `pending`
/// with the accept URL and expiry, `expired`, `connected`); a pending request is checked with
/// the bank at most every few seconds.
pub async fn connect_status(
    state: web::Data<Context>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    if !state.mono_mode.provider() {
        return Err(AppError::NotFound);
    }
    let connection = crate::services::connect::status(&state, user.id).await?;
    Ok(answers::reply(StatusCode::OK, connection))
}

/// `POST /api/mono/connect`: starts connecting through the provider API (or answers the request
/// still pending): 200 `{"state": "pending", "accept_url", "expires_at"}`. Open the accept URL
/// on the phone (or scan it as a QR code) and approve in the Monobank app.
pub async fn connect_start(
    state: web::Data<Context>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let connection = crate::services::connect::start(&state, user.id).await?;
    Ok(answers::reply(StatusCode::OK, connection))
}

/// `GET /hooks/provider/connected/{secret}`: the bank's callback when a user accepts (with
/// `X-Request-Id`). It only makes the server ask the bank at once; 200 when the connection was
/// stored, 404 for a callback that matches no pending request.
pub async fn connect_callback(
    state: web::Data<Context>,
    secret: web::Path<String>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request_id = req
        .headers()
        .get("X-Request-Id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let secret = secret.into_inner();
    if !state.mono_mode.provider() || secret.len() != 64 || request_id.is_empty() {
        return Err(AppError::NotFound);
    }
    if crate::services::connect::callback(&state, &secret, request_id).await? {
        Ok(HttpResponse::Ok().finish())
    } else {
        Err(AppError::NotFound)
    }
}

/// `GET /api/mono/currencies/`: Mono's list, each rate with `currencyA`/`currencyB` codes. The
/// list's JSON is made once per fetch; only the envelope is written per request.
pub async fn currencies(
    state: web::Data<Context>,
    _user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let rates = state.upstream.rates().await?;
    Ok(ok_with_json_detail(
        &rates.enriched_json,
        rates.stale,
        rates.fetched_at,
    ))
}

/// 200 with a `detail` already rendered as JSON, and its age: only the envelope is written per
/// request.
fn ok_with_json_detail(detail: &str, stale: bool, fetched_at: i64) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(format!(
            r#"{{"code":200,"detail":{detail},"stale":{stale},"fetched_at":{fetched_at}}}"#
        ))
}

/// `POST /api/mono/currency/`: one pair in the seed's shape.
pub async fn currency_post(
    state: web::Data<Context>,
    _user: CurrentUser,
    body: ValidJson<MonoCurrencySerializer>,
) -> Result<HttpResponse, AppError> {
    one_pair(&state, &body.into_inner().currency).await
}

/// `GET /api/mono/currency/?currency=USDUAH`: the same serializer, from the query string.
pub async fn currency_get(
    state: web::Data<Context>,
    _user: CurrentUser,
    query: Result<web::Query<MonoCurrencySerializer>, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let query = query
        .map_err(|_| AppError::field("currency", "Enter a currency pair such as USDUAH."))?
        .into_inner();
    query
        .validate()
        .map_err(|e| AppError::Validation(crate::http::extract::validation_errors(&e)))?;
    one_pair(&state, &query.currency).await
}

async fn one_pair(state: &Context, raw: &str) -> Result<HttpResponse, AppError> {
    let rates = state.upstream.rates().await?;
    let incorrect = || AppError::IncorrectPair(currency::pair_names(&rates.list));
    let pair = CurrencyPair::parse(raw).map_err(|_| incorrect())?;
    let quote = currency::lookup(&rates.list, pair).ok_or_else(incorrect)?;
    let rate = match quote {
        Quote::BuySell { buy, sell } => answers::PairRate::BuySell { buy, sale: sell },
        Quote::Cross(cross) => answers::PairRate::Cross { cross },
    };
    Ok(HttpResponse::Ok().json(answers::Pair {
        code: 200,
        detail: std::collections::BTreeMap::from([(pair.name(), rate)]),
        stale: rates.stale,
        fetched_at: rates.fetched_at,
    }))
}

/// `GET /api/mono/client-info/`.
pub async fn client_info(
    state: web::Data<Context>,
    user: SessionUser,
) -> Result<HttpResponse, AppError> {
    let answer = user.ended_if_refused(mono::client_info(&state, &user).await)?;
    Ok(HttpResponse::Ok().json(answers::ClientInfo {
        code: 200,
        detail: answer.data,
        stale: answer.stale,
        fetched_at: answer.fetched_at,
    }))
}

/// `GET /api/mono/balance/`: the default UAH card, every account and jar (see
/// [`mono::balance_of`]).
pub async fn balance(
    state: web::Data<Context>,
    user: SessionUser,
) -> Result<HttpResponse, AppError> {
    let mark = state.hot.balance_mark();
    let answer = user.ended_if_refused(mono::client_info(&state, &user).await)?;
    let rates = insight::net_worth_rates(&state, &answer.data).await;
    let rates_at = rates.as_ref().map_or(0, |r| r.fetched_at);
    // The detail is made once per snapshot and rates; only the envelope is written per request.
    let detail = state
        .hot
        .balance_json(mark, user.id, (answer.fetched_at, rates_at), || {
            let rates = rates.as_ref().map(|r| (r.list.as_slice(), r.fetched_at));
            serde_json::to_string(&mono::balance_of(&answer.data, rates))
                .unwrap_or_else(|_| "null".into())
        });
    Ok(ok_with_json_detail(
        &detail,
        answer.stale,
        answer.fetched_at,
    ))
}

/// `POST /api/mono/statement/`: the last `period` days of an account, newest first.
pub async fn statement(
    state: web::Data<Context>,
    user: CurrentUser,
    body: ValidJson<MonoPeriodSerializer>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let period = u8::try_from(body.period)
        .map_err(|_| AppError::field("period", "Ensure this value is between 0 and 31."))?;
    let account = body.account.unwrap_or_else(|| "0".into());
    let answer = mono::statement(&state, user.id, account, period).await?;
    Ok(HttpResponse::Ok().json(answers::Statement {
        code: 200,
        detail: answer.items,
        info: answers::StatementInfo {
            complete: answer.complete,
            next_fetch_at: answer.next_fetch_at,
        },
        stale: answer.stale,
        fetched_at: answer.fetched_at,
    }))
}

/// `POST /api/mono/webhook/`: 200 "Webhook registered."; without `webHookUrl`, monoweb's own
/// receiver (a new secret each time).
pub async fn webhook(
    state: web::Data<Context>,
    user: CurrentUser,
    body: ValidJson<WebhookSerializer>,
) -> Result<HttpResponse, AppError> {
    match body.into_inner().webHookUrl {
        Some(url) => mono::set_webhook(&state, user.id, url).await?,
        None => sync::register_own_webhook(&state, user.id).await?,
    }
    Ok(answers::reply(StatusCode::OK, "Webhook registered."))
}

/// The statement a query asks for ([`statement::read`]), its fields checked first.
async fn checked_statement(
    state: &Context,
    user: UserId,
    query: &StatementQuery,
) -> Result<statement::Statement, AppError> {
    let today = crate::domain::kyiv::day_of(state.clock.now())
        .ok_or_else(|| AppError::internal("no Kyiv day for now"))?;
    let query = query.raw().check(today).map_err(AppError::Validation)?;
    Ok(statement::read(state, user, &query).await?)
}

/// `GET /api/mono/statement/?from=&to=&account=`: any range, from the transaction store; with
/// `limit`, a page of it and the link to the next.
pub async fn statement_get(
    state: web::Data<Context>,
    user: CurrentUser,
    req: actix_web::HttpRequest,
    query: Result<web::Query<StatementQuery>, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let query = valid_query(query)?;
    let asked = query.page()?;
    let statement::Statement {
        mut stored,
        transfers,
        sort,
    } = checked_statement(&state, user.id, &query).await?;
    let next = asked.map(|asked| {
        insight::page(&mut stored.items, asked.cursor.as_ref(), asked.limit, sort)
            .map(|cursor| next_link(req.query_string(), &cursor))
    });
    let all = stored.account == history::ALL_ACCOUNTS;
    let items: Vec<answers::StoredItem> = stored
        .items
        .iter()
        .map(|r| stored_item(r, &stored, all.then(|| transfers.contains(&r.id))))
        .collect();
    let unconfirmed: Vec<answers::StoredItem> = stored
        .unconfirmed
        .iter()
        .map(|r| stored_item(r, &stored, None))
        .collect();
    let mut answer = HttpResponse::Ok();
    if let Some(Some(link)) = &next {
        answer.insert_header((
            actix_web::http::header::LINK,
            format!("<{link}>; rel=\"next\""),
        ));
    }
    Ok(answer.json(answers::StoredStatement {
        code: 200,
        detail: answers::StoredStatementDetail {
            account: stored.account.clone(),
            items,
            unconfirmed,
            complete: stored.complete,
            next_fetch_at: stored.next_fetch_at,
            coverage: stored.coverage,
            next,
        },
    }))
}

/// The link to the page after `cursor`: the same query, with that cursor.
fn next_link(query: &str, cursor: &insight::Cursor) -> String {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.retain(|(name, _)| name != "cursor");
    pairs.push(("cursor".into(), cursor.encode()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("/api/mono/statement/?{query}")
}

/// A stored row as the API answers it.
fn stored_item(
    row: &crate::db::transactions::TransactionRow,
    stored: &history::Stored,
    own_transfer: Option<bool>,
) -> answers::StoredItem {
    answers::StoredItem {
        item: row.item(),
        account: row.account.clone(),
        account_currency: stored.currencies.get(&row.account).map(|c| c.to_string()),
        own_transfer,
    }
}

/// `GET /api/mono/statement.csv?from=&to=&account=`: the same rows as CSV, streamed.
pub async fn statement_csv(
    state: web::Data<Context>,
    user: CurrentUser,
    query: Result<web::Query<StatementQuery>, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let query = valid_query(query)?;
    if query.limit.is_some() || query.cursor.is_some() {
        return Err(AppError::field(
            "limit",
            "The CSV holds the whole range: limit and cursor are for GET /api/mono/statement/.",
        ));
    }
    let stored = checked_statement(&state, user.id, &query).await?.stored;
    // A partial range says so in its name, so a saved file cannot pass for the whole range.
    let partial = if stored.complete { "" } else { "-partial" };
    let filename = format!("monoweb-{}-{}{partial}.csv", query.from, query.to);
    let missing = stored
        .coverage
        .missing
        .iter()
        .map(|m| format!("{}/{}", iso(m.from), iso(m.to)))
        .collect::<Vec<_>>()
        .join(",");
    let currencies = stored.currencies;
    let chunks: Vec<_> = stored.items.chunks(500).map(<[_]>::to_vec).collect();
    let body = futures_util::stream::iter(
        std::iter::once(history::CSV_HEADER.to_owned())
            .chain(
                chunks
                    .into_iter()
                    .map(move |rows| history::csv_lines(&rows, &currencies)),
            )
            .map(|text| Ok::<_, std::convert::Infallible>(web::Bytes::from(text))),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("X-Statement-Complete", stored.complete.to_string()))
        .insert_header(("X-Statement-Missing", missing))
        .streaming(body))
}

/// `SummaryQuery`: `?from=YYYY-MM&to=YYYY-MM`, calendar months in Kyiv; `to` defaults to the
/// current month and `from` to eleven months before `to`.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The first month.
    #[validate(custom(function = "month_field"))]
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2025-12")]
    pub from: Option<String>,
    /// The last month, not after the current one.
    #[validate(custom(function = "month_field"))]
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-11")]
    pub to: Option<String>,
}

fn month_field(raw: &str) -> Result<(), ValidationError> {
    parse_month(raw).map(drop).ok_or_else(|| {
        ValidationError::new("month").with_message("Enter a month as YYYY-MM.".into())
    })
}

/// One month of a summary as the API answers it: sums are null for a month the store holds
/// nothing of yet.
fn summary_month(month: &insight::Month, held: insight::Held) -> answers::SummaryMonth {
    let fetched = held != insight::Held::Nothing;
    let uah = monobank::currency::UAH;
    let sum = |v: i64| fetched.then(|| mono::Money::of(v, uah)).flatten();
    answers::SummaryMonth {
        month: month.name(),
        income: sum(month.income),
        spending: sum(month.spending),
        net: sum(month.net()),
        categories: month
            .categories
            .iter()
            .filter_map(|(name, sum)| Some(((*name).to_owned(), mono::Money::of(*sum, uah)?)))
            .collect(),
        complete: held == insight::Held::All,
        fetched,
        own_transfers: month.transfers,
        unvalued: month.unvalued,
    }
}

/// A query string read and checked by its serializer.
fn valid_query<T: Validate>(query: Result<web::Query<T>, actix_web::Error>) -> Result<T, AppError> {
    let query = query
        .map_err(|e| AppError::BadRequest(format!("Invalid query: {e}")))?
        .into_inner();
    query
        .validate()
        .map_err(|e| AppError::Validation(crate::http::extract::validation_errors(&e)))?;
    Ok(query)
}

/// `GET /api/mono/summary/?from=YYYY-MM&to=YYYY-MM`: per month, income, spending, net and
/// spending by category over every account and jar, in hryvnias, own transfers left out.
pub async fn summary(
    state: web::Data<Context>,
    user: CurrentUser,
    query: Result<web::Query<SummaryQuery>, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let query = valid_query(query)?;
    let today = crate::domain::kyiv::day_of(state.clock.now())
        .ok_or_else(|| AppError::internal("no Kyiv day for now"))?;
    let months = statement::RawMonths {
        from: query.from,
        to: query.to,
    }
    .check(today)
    .map_err(AppError::Validation)?;
    let summary = statement::summary(&state, user.id, months).await?;
    Ok(HttpResponse::Ok().json(answers::MonthSummary {
        code: 200,
        detail: summary
            .months
            .iter()
            .map(|(m, held)| summary_month(m, *held))
            .collect(),
        currency: "UAH",
        rates_at: summary.rates_at,
    }))
}

/// A Unix second as an RFC 3339 instant (UTC).
fn iso(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(|_| unix.to_string(), |t| t.to_string())
}

/// `HistoryRequest`: `{"from": "YYYY-MM-DD", "account": "..."}`: fetch history back to that
/// Kyiv day (not before 2017-11-01, Monobank's first day) for one account or jar, or for all.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryRequest {
    #[validate(custom(function = "history_day"))]
    #[schema(example = "2024-01-01", format = Date)]
    pub from: String,
    #[validate(custom(function = "account_id"))]
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9_-]+$")]
    pub account: Option<String>,
}

fn history_day(raw: &str) -> Result<(), ValidationError> {
    kyiv_day(raw)?;
    if raw < "2017-11-01" {
        return Err(ValidationError::new("range").with_message(
            "Monobank's history starts on 2017-11-01; ask for that day or later.".into(),
        ));
    }
    Ok(())
}

/// `POST /api/mono/sync/history/`: 202 with the sync's progress; the sync fetches the older
/// history (one statement call a minute) and `GET /api/mono/sync/` follows it.
pub async fn request_history(
    state: web::Data<Context>,
    user: CurrentUser,
    body: ValidJson<HistoryRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let (from, _) = crate::domain::kyiv::day_bounds(day("from", &body.from)?)
        .ok_or_else(|| AppError::field("from", "Enter a date as YYYY-MM-DD."))?;
    if from > state.clock.now() {
        return Err(AppError::field(
            "from",
            "The date must not be in the future.",
        ));
    }
    let progress = history::request_history(&state, user.id, body.account, from).await?;
    Ok(answers::reply(StatusCode::ACCEPTED, progress))
}

/// `GET /api/mono/sync/`: the background sync's progress.
pub async fn sync_progress(
    state: web::Data<Context>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let progress = history::progress(&state, user.id).await?;
    Ok(answers::reply(StatusCode::OK, progress))
}
