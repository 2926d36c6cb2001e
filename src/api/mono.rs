//! `/api/mono/*`: the counterparts of `drf_mono`'s views (README, "HTTP API"). Each request
//! struct plays the part of a DRF serializer: it validates the body before any service runs.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use serde::Deserialize;
use validator::{Validate, ValidationError};

use super::answers;
// The answers' schemas, named by the operations' descriptions.
use super::answers::{
    BalanceAnswer, ClientInfo, Connection, Currencies, Failure, Message, MonthSummary, Pair,
    Statement, StoredStatement, SyncProgress, TokenStatusAnswer, TokenStored,
};
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

/// Token status
///
/// Whether a Monobank token is attached, of which kind, its last characters, when it was
/// attached and whether Monobank accepted or rejected it. Never the token.
#[utoipa::path(operation_id = "token_status", get, path = "/api/mono", tag = "mono", responses((status = 200, body = TokenStatusAnswer), (status = 401, body = Failure)))]
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

/// Attach a Monobank token
///
/// Stores the user's personal Monobank token (encrypted at rest) after asking Monobank whether
/// it opens client-info; a rejected token is not stored. `verified` says whether Monobank
/// already answered (when the token's minute was taken, the sync's first call tells).
#[utoipa::path(operation_id = "token_attach", post, path = "/api/mono", tag = "mono", request_body = MonoTokenSerializer,
    responses((status = 201, description = "Mono added successfully.", body = TokenStored,
                links(("status" = (operation_id = "token_status", description = "the token just attached")), ("progress" = (operation_id = "sync_progress", description = "the sync that starts with it")))), (status = 400, body = Failure),
               (status = 403, description = "this server takes no personal tokens (provider mode)", body = Failure),
               (status = 409, description = "A Mono token is already attached.", body = Failure),
               (status = 422, description = "Monobank rejected this token.", body = Failure)))]
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

/// Replace the Monobank token
///
/// As attaching, for a user who has a token: the new one replaces it, with the webhook monoweb
/// registered.
#[utoipa::path(operation_id = "token_replace", put, path = "/api/mono", tag = "mono", request_body = MonoTokenSerializer,
    responses((status = 200, description = "Mono changed successfully.", body = TokenStored), (status = 400, body = Failure),
               (status = 403, description = "this server takes no personal tokens (provider mode)", body = Failure),
               (status = 404, description = "Your mono has not been added yet.", body = Failure), (status = 409, body = Failure),
               (status = 422, description = "Monobank rejected this token.", body = Failure)))]
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

/// Remove the Monobank token
///
/// Deletes the token and takes back the webhook monoweb registered with it. The stored history
/// stays.
#[utoipa::path(operation_id = "token_remove", delete, path = "/api/mono", tag = "mono",
    responses((status = 204, description = "removed, with the webhook monoweb registered"), (status = 404, body = Failure)))]
pub async fn remove(
    state: web::Data<Context>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    tokens::remove(&state, user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Provider connection status
///
/// Where the user's connection through the provider (corporate) API stands; a pending request
/// is checked with Monobank at most every 5 seconds.
#[utoipa::path(get, path = "/api/mono/connect", tag = "mono",
    responses((status = 200, description = "where the provider connection stands; a pending request is checked with Monobank at most every 5 s", body = Connection),
               (status = 404, description = "this server does not connect through the provider API", body = Failure),
               (status = 502, body = Failure), (status = 503, body = Failure)))]
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

/// Connect through the provider API
///
/// Starts an access request (or answers the one still pending): open `accept_url` on the phone,
/// or scan it as a QR code, and approve in the Monobank app.
#[utoipa::path(post, path = "/api/mono/connect", tag = "mono",
    responses((status = 200, description = "an access request is pending (the same one while it waits): open accept_url and approve in the Monobank app", body = Connection),
               (status = 404, description = "this server does not connect through the provider API", body = Failure),
               (status = 409, description = "A Mono token is already attached.", body = Failure),
               (status = 429, body = Failure),
               (status = 502, description = "Monobank refused the server's provider key or signature, or answered with an error", body = Failure),
               (status = 503, body = Failure)))]
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

/// Exchange rates
///
/// Monobank's rate list, each rate with the alpha codes of its currencies. Fetched at most once
/// a minute for the whole server; `stale` says when it is older because Monobank could not be
/// asked.
#[utoipa::path(get, path = "/api/mono/currencies", tag = "mono",
    responses((status = 200, description = "Mono's rate list, each with currencyA/currencyB codes", body = Currencies),
               (status = 429, body = Failure), (status = 503, description = "Monobank down and nothing cached", body = Failure)))]
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

/// One currency pair (body)
///
/// The rates of one pair in the seed's shapes: buy and sell, or a cross rate. The pair is read
/// from the body as USDUAH, USD/UAH, usd-uah or 840/980.
#[utoipa::path(post, path = "/api/mono/currency", tag = "mono", request_body = MonoCurrencySerializer,
    responses((status = 200, body = Pair), (status = 400, description = "Incorrect currency pair.", body = Failure)))]
pub async fn currency_post(
    state: web::Data<Context>,
    _user: CurrentUser,
    body: ValidJson<MonoCurrencySerializer>,
) -> Result<HttpResponse, AppError> {
    one_pair(&state, &body.into_inner().currency).await
}

/// One currency pair (query)
///
/// As the POST form, with the pair in the query string.
#[utoipa::path(get, path = "/api/mono/currency", tag = "mono", params(MonoCurrencySerializer),
    responses((status = 200, body = Pair), (status = 400, body = Failure)))]
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

/// Client info
///
/// Monobank's client-info for the user's token: name, accounts, cards and jars. Monobank allows
/// one call a minute per token; between calls the last answer is served with `stale` and
/// `fetched_at`.
#[utoipa::path(get, path = "/api/mono/client-info", tag = "mono",
    responses((status = 200, description = "client-info as Monobank sent it", body = ClientInfo), (status = 404, body = Failure),
               (status = 422, description = "Monobank rejected the stored token", body = Failure), (status = 429, body = Failure),
               (status = 502, body = Failure), (status = 503, body = Failure)))]
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

/// Balances and net worth
///
/// The default UAH card (Monobank's account `0`), every account and jar with exact amounts, and
/// the net worth in hryvnias at Monobank's buying rates.
#[utoipa::path(get, path = "/api/mono/balance", tag = "mono",
    responses((status = 200, description = "{balance, currency, account, own_funds, credit_limit, accounts, jars, net_worth: {amount, currency: UAH, rates_at, rates}}, exact decimals; net_worth.amount is the own funds of every account and jar at Monobank's buying rates (null when a currency held has no rate)", body = BalanceAnswer),
               (status = 404, body = Failure), (status = 422, body = Failure), (status = 429, body = Failure)))]
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

/// Statement of the last days (seed)
///
/// The seed's statement view: the last `period` days (0 to 31) of one account, newest first,
/// asked of Monobank one call a minute; `info.complete` says whether that is all of the period.
#[utoipa::path(post, path = "/api/mono/statement", tag = "mono", request_body = MonoPeriodSerializer,
    responses((status = 200, body = Statement), (status = 400, body = Failure), (status = 404, body = Failure), (status = 429, body = Failure)))]
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

/// Register a webhook
///
/// Points the user's Monobank webhook at a URL, or without `webHookUrl` at monoweb's own
/// receiver (which stores every operation as it happens).
#[utoipa::path(post, path = "/api/mono/webhook", tag = "mono", request_body = WebhookSerializer,
    responses((status = 200, description = "Webhook registered. Without webHookUrl: monoweb's own receiver (public_url + /hooks/mono/<new secret>)", body = Message),
               (status = 400, body = Failure)))]
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

/// Statement of any range
///
/// Any range of days (Kyiv time, up to ten years) of one account, or of every account and jar,
/// from monoweb's transaction store: no call to Monobank. Filters for text, category, direction
/// and amount, four orders, and optional pages (`limit`, `cursor`). `complete` and `coverage`
/// say what the store holds of the range.
#[utoipa::path(operation_id = "statement_range", get, path = "/api/mono/statement", tag = "mono", params(crate::api::mono::StatementQuery, crate::api::mono::PageParams),
    responses((status = 200, description = "Any range, from the transaction store (changes no sync state); with `limit`, one page of it", body = StoredStatement,
                links(("csv" = (operation_id = "statement_csv", description = "the same range as CSV", parameters(("from" = "$request.query.from"), ("to" = "$request.query.to"), ("account" = "$request.query.account"))))),
                headers(("Link" = String, description = "with `limit`, while pages remain: `<next>; rel=\"next\"`"))),
               (status = 400, body = Failure), (status = 404, body = Failure), (status = 503, description = "the accounts have not been read yet", body = Failure)))]
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
        ..
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

/// Statement as CSV
///
/// The rows of the same query as a CSV file, streamed. A range the store does not hold in full
/// says so in its headers and its file name.
#[utoipa::path(get, path = "/api/mono/statement.csv", tag = "mono", params(crate::api::mono::StatementQuery),
    responses((status = 200, description = "The rows as CSV, streamed: date, time, account, description, mcc, category, amount, currency, operation_amount, operation_currency, cashback, commission, balance, hold, comment, counterparty; a partial range's file name ends in -partial",
                content_type = "text/csv", body = String,
                headers(("Content-Disposition" = String, description = "attachment; filename=\"monoweb-<from>-<to>[-partial].csv\""),
                        ("X-Statement-Complete" = bool, description = "whether the store holds every operation of the range"),
                        ("X-Statement-Missing" = String, description = "the parts not in the store yet, RFC 3339 intervals start/end, comma-separated; empty when complete"))),
               (status = 400, body = Failure), (status = 404, body = Failure)))]
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

/// Months
///
/// Per calendar month (Kyiv), income, spending, net and spending by category over every account
/// and jar, in hryvnias; own transfers are left out.
#[utoipa::path(get, path = "/api/mono/summary", tag = "mono", params(crate::api::mono::SummaryQuery),
    responses((status = 200, description = "Per month, income, spending, net and spending by category over every account and jar, in hryvnias, own transfers left out", body = MonthSummary),
               (status = 400, body = Failure), (status = 404, body = Failure)))]
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

/// Fetch older history
///
/// Asks the background sync to fetch history back to a day (not before 2017-11-01), for one
/// account or all. It runs at Monobank's pace, one statement call a minute; follow it with the
/// sync progress.
#[utoipa::path(post, path = "/api/mono/sync/history", tag = "mono", request_body = crate::api::mono::HistoryRequest,
    responses((status = 202, description = "Progress: the sync fetches the older history, one statement call a minute", body = SyncProgress,
                links(("progress" = (operation_id = "sync_progress", description = "follow the fetch")))),
               (status = 400, body = Failure), (status = 404, body = Failure), (status = 503, description = "the accounts have not been read yet", body = Failure)))]
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

/// Sync progress
///
/// What the background sync holds and fetches: per account the history asked for, the windows
/// fetched, gaps and failures; the webhook's state.
#[utoipa::path(get, path = "/api/mono/sync", tag = "mono",
    responses((status = 200, description = "Progress: per account history_from, fetched_to, windows_done, windows_total, complete, missing, closed, last_error, retry_at; transactions, own_webhook, webhook_from, last_event_at, signing_key, gaps", body = SyncProgress),
               (status = 404, body = Failure)))]
pub async fn sync_progress(
    state: web::Data<Context>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let progress = history::progress(&state, user.id).await?;
    Ok(answers::reply(StatusCode::OK, progress))
}
