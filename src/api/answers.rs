//! The typed answers of the JSON API: each view builds one of these and the OpenAPI document
//! describes the same struct, so the description cannot drift from the answer. Every answer is
//! the envelope `{code, detail}`, plus the view's own top-level fields.
//!
//! Money: amounts monoweb computes (balances, sums, net worth) are [`Money`], a JSON number with
//! exactly the currency's decimals; the statement items keep Monobank's integers in minor units
//! (kopiykas, cents), as Monobank sends them.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

/// Answers `detail` in the envelope with `status`.
pub fn reply<T: Serialize>(status: StatusCode, detail: T) -> HttpResponse {
    HttpResponse::build(status).json(Envelope {
        code: status.as_u16(),
        detail,
    })
}

/// `{code, detail}`.
#[derive(Serialize)]
pub struct Envelope<T> {
    pub code: u16,
    pub detail: T,
}

/// `detail` of a registration.
#[derive(Serialize, ToSchema)]
pub struct NewUser {
    pub id: i64,
    #[schema(example = "alice")]
    pub username: String,
}

/// A registration: 201 `{code, detail: {id, username}}`.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub code: u16,
    pub detail: NewUser,
}

/// `detail` of a login.
#[derive(Serialize, ToSchema)]
pub struct LoginDetail {
    #[schema(example = "alice")]
    pub username: String,
}

/// A login: 200 `{code, detail: {username}}`, and a new session cookie.
#[derive(Serialize, ToSchema)]
pub struct LoggedIn {
    pub code: u16,
    pub detail: LoginDetail,
}

/// `detail` of `GET /api/auth/me`.
#[derive(Serialize, ToSchema)]
pub struct MeDetail {
    #[schema(example = "alice")]
    pub username: String,
    pub is_admin: bool,
    /// Whether a Monobank token (or a provider connection) is attached.
    pub has_token: bool,
}

/// `GET /api/auth/me`.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub code: u16,
    pub detail: MeDetail,
}

/// An API key as listed (never the key).
#[derive(Serialize, ToSchema)]
pub struct ApiKeyInfo {
    pub id: i64,
    #[schema(example = "home assistant")]
    pub name: String,
    /// `read` or `write`.
    pub scope: crate::auth::api_keys::Scope,
    /// The key's first characters, to tell keys apart.
    #[schema(example = "mwk_Ab3dEf9h")]
    pub prefix: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, to the minute; `null` before the first use.
    pub last_used_at: Option<i64>,
}

impl ApiKeyInfo {
    pub fn of(row: &crate::db::api_keys::ApiKeyRow) -> Self {
        ApiKeyInfo {
            id: row.id,
            name: row.name.clone(),
            scope: crate::auth::api_keys::Scope::from_stored(&row.scope),
            prefix: row.prefix.clone(),
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// `GET /api/auth/keys`.
#[derive(Serialize, ToSchema)]
pub struct ApiKeys {
    pub code: u16,
    pub detail: Vec<ApiKeyInfo>,
}

/// A new key: the listed fields and `key`, shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewApiKeyDetail {
    #[serde(flatten)]
    pub info: ApiKeyInfo,
    /// The key itself: send it as `Authorization: Bearer <key>`. Only its hash is kept.
    #[schema(example = "mwk_Ab3dEf9h…")]
    pub key: String,
}

/// `POST /api/auth/keys`.
#[derive(Serialize, ToSchema)]
pub struct NewApiKey {
    pub code: u16,
    pub detail: NewApiKeyDetail,
}

/// `GET /api/mono/`.
#[derive(Serialize, ToSchema)]
pub struct TokenStatusAnswer {
    pub code: u16,
    pub detail: crate::services::tokens::TokenStatus,
}

/// `POST` and `PUT /api/mono/`: the seed's message, and whether Monobank already answered a call
/// made with the token (when the token's minute was taken, it is stored unverified and the
/// sync's first call tells).
#[derive(Serialize, ToSchema)]
pub struct TokenStored {
    pub code: u16,
    #[schema(example = "Mono added successfully.")]
    pub detail: String,
    pub verified: bool,
}

/// `GET /api/mono/currencies/`.
#[derive(Serialize, ToSchema)]
pub struct Currencies {
    pub code: u16,
    #[schema(value_type = Vec<crate::upstream::rates::Rate>)]
    pub detail: serde_json::Value,
    /// True when served from a snapshot because Monobank could not be asked (its limit) or
    /// failed.
    pub stale: bool,
    /// When the list was fetched from Monobank, Unix seconds.
    pub fetched_at: i64,
}

/// One pair's rates, in the seed's shapes: buy and sell, or a cross rate.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum PairRate {
    BuySell {
        #[serde(rename = "Buy")]
        buy: f64,
        #[serde(rename = "Sale")]
        sale: f64,
    },
    Cross {
        #[serde(rename = "Cross")]
        cross: f64,
    },
}

/// `GET` and `POST /api/mono/currency/`: the pair's name (`USDUAH`) → its rates.
#[derive(Serialize, ToSchema)]
pub struct Pair {
    pub code: u16,
    #[schema(example = json!({"USDUAH": {"Buy": 41.05, "Sale": 41.5505}}))]
    pub detail: BTreeMap<String, PairRate>,
    pub stale: bool,
    pub fetched_at: i64,
}

/// `GET /api/mono/client-info/`: client-info as Monobank sent it.
#[derive(Serialize, ToSchema)]
pub struct ClientInfo {
    pub code: u16,
    #[schema(value_type = monobank::types::UserInfo)]
    pub detail: std::sync::Arc<monobank::types::UserInfo>,
    pub stale: bool,
    pub fetched_at: i64,
}

/// `GET /api/mono/balance/`.
#[derive(Serialize, ToSchema)]
pub struct BalanceAnswer {
    pub code: u16,
    pub detail: crate::services::mono::BalanceDetail,
    pub stale: bool,
    pub fetched_at: i64,
}

/// `info` of `POST /api/mono/statement/`.
#[derive(Serialize, ToSchema)]
pub struct StatementInfo {
    /// Whether the items are the whole period (a long period takes one call a minute).
    pub complete: bool,
    /// When the next part can be fetched (Unix s), while not complete.
    pub next_fetch_at: Option<i64>,
}

/// `POST /api/mono/statement/`: items newest first, and whether that is all of the period.
#[derive(Serialize, ToSchema)]
pub struct Statement {
    pub code: u16,
    /// Monobank's statement items, newest first.
    pub detail: Vec<monobank::types::StatementItem>,
    pub info: StatementInfo,
    pub stale: bool,
    pub fetched_at: i64,
}

/// A stored statement item: Monobank's fields, the account it belongs to and that account's
/// currency, and with every account whether it is an own transfer.
#[derive(Serialize, ToSchema)]
pub struct StoredItem {
    #[serde(flatten)]
    pub item: monobank::types::StatementItem,
    /// The account or jar id.
    pub account: String,
    /// ISO 4217 alpha code of the account's currency (that of `amount` and `balance`).
    #[serde(rename = "accountCurrency")]
    #[schema(example = "UAH")]
    pub account_currency: Option<String>,
    /// With `account=all` only: one side of a transfer between the user's own accounts or jars.
    #[serde(rename = "ownTransfer", skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false)]
    pub own_transfer: Option<bool>,
}

/// `GET /api/mono/summary/`: months of every account and jar in hryvnias (from the store, so no
/// `stale` or `fetched_at`).
#[derive(Serialize, ToSchema)]
pub struct MonthSummary {
    pub code: u16,
    /// One entry per month asked for, oldest first.
    pub detail: Vec<SummaryMonth>,
    /// Always `UAH`.
    #[schema(example = "UAH")]
    pub currency: &'static str,
    /// When the rates used for other currencies were fetched (Unix s); null without rates.
    pub rates_at: Option<i64>,
}

/// One month of [`MonthSummary`]: amounts in hryvnias with two decimals. Own transfers between
/// the user's accounts and jars are left out; other currencies count at Monobank's buying rate
/// (their hryvnia operation amount where they had one).
#[derive(Serialize, ToSchema)]
pub struct SummaryMonth {
    #[schema(example = "2026-11")]
    pub month: String,
    /// Null while the store holds nothing of the month (`fetched` false), as are `spending`
    /// and `net`: not a made-up zero.
    pub income: Option<crate::services::mono::Money>,
    /// Money out, positive.
    pub spending: Option<crate::services::mono::Money>,
    /// `income - spending`.
    pub net: Option<crate::services::mono::Money>,
    /// Spending by category, positive.
    #[schema(example = json!({"Groceries": 8123.4, "Cafes and restaurants": 2310.0}))]
    pub categories: BTreeMap<String, crate::services::mono::Money>,
    /// Whether the store holds every operation of the month (up to now); a partial month's sums
    /// grow as the history is fetched.
    pub complete: bool,
    /// Whether the store holds anything of the month yet.
    pub fetched: bool,
    /// Operations left out as own transfers.
    pub own_transfers: usize,
    /// Operations left out for want of an exchange rate.
    pub unvalued: usize,
}

/// `GET /api/mono/statement/`: a range from the transaction store (no Monobank call, so no
/// `stale` or `fetched_at`).
#[derive(Serialize, ToSchema)]
pub struct StoredStatement {
    pub code: u16,
    pub detail: StoredStatementDetail,
}

/// `detail` of [`StoredStatement`].
#[derive(Serialize, ToSchema)]
pub struct StoredStatementDetail {
    /// The account or jar id, or `all` (every account and jar).
    pub account: String,
    /// Monobank statement items, newest first (or in the `sort` asked for), each with the
    /// `account` it belongs to and that account's currency (`accountCurrency`, the currency of
    /// `amount` and `balance`) and, with `account=all`, `ownTransfer` (one side of a transfer
    /// between the user's own accounts or jars).
    pub items: Vec<StoredItem>,
    /// Operations that came by webhook without Monobank's signature, in the shape of `items`
    /// (no `ownTransfer`): nothing proves the bank sent them, so they are not in `items`, the
    /// CSV or any sum until a statement fetch confirms them (they then move to `items`) or
    /// leaves them out (they are removed). Usually empty.
    pub unconfirmed: Vec<StoredItem>,
    /// Whether the store holds every operation of the range (see `coverage`).
    pub complete: bool,
    /// When the sync will next fetch this account (Unix s), while the range is not complete.
    pub next_fetch_at: Option<i64>,
    pub coverage: crate::services::history::Coverage,
    /// With `limit` only: the link to the next page (the same query with its `cursor`), null
    /// on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub next: Option<Option<String>>,
}

/// An answer whose `detail` is a message.
#[derive(Serialize, ToSchema)]
pub struct Message {
    /// The HTTP status, repeated.
    pub code: u16,
    pub detail: String,
}

/// Any failure: the message, field errors for validation failures, `info` where the seed had it.
#[derive(Serialize, ToSchema)]
pub struct Failure {
    pub code: u16,
    pub detail: String,
    /// Field name → messages (`non_field_errors` for the body as a whole).
    pub errors: Option<BTreeMap<String, Vec<String>>>,
    /// For an incorrect currency pair: `{"currencies pairs": [...]}`.
    pub info: Option<FailureInfo>,
}

/// `info` of a failure, where the seed gave one.
#[derive(Serialize, ToSchema)]
pub struct FailureInfo {
    /// For an incorrect currency pair: the pairs that exist (`USDUAH`, ...).
    #[serde(rename = "currencies pairs")]
    pub currencies_pairs: Vec<String>,
}

/// Where a provider connection stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStateName {
    None,
    Pending,
    Expired,
    Connected,
    Revoked,
}

/// `detail` of `/api/mono/connect`.
#[derive(Serialize, ToSchema)]
pub struct ConnectionDetail {
    /// `none`: nothing attached or pending; `pending`: waiting for the approval in the Monobank
    /// app; `expired`: the last request timed out or was declined; `connected`; `revoked`: the
    /// access was ended in the Monobank app (connect again).
    pub state: ConnectionStateName,
    /// While pending: where the user approves (a link on the phone, a QR code on a computer).
    #[schema(nullable = false)]
    pub accept_url: Option<String>,
    /// While pending: when the request is forgotten, Unix seconds.
    #[schema(nullable = false)]
    pub expires_at: Option<i64>,
}

/// `/api/mono/connect`'s answer.
#[derive(Serialize, ToSchema)]
pub struct Connection {
    pub code: u16,
    pub detail: ConnectionDetail,
}

/// `GET /api/mono/sync/` and `POST /api/mono/sync/history/`: the sync's progress (no Monobank
/// data, so no `stale` or `fetched_at`).
#[derive(Serialize, ToSchema)]
pub struct SyncProgress {
    pub code: u16,
    pub detail: crate::services::history::Progress,
}
