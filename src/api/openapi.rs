//! The OpenAPI 3.1 description of every `/api` route (`GET /api/openapi.json`) and Swagger UI
//! (`/api/docs/`), served from the binary: the UI's files are vendored at build time, no CDN.
//!
//! The request schemas are the serializer structs themselves; the response schemas below
//! describe the `{code, detail}` envelope of each answer.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::auth::{LoginRequest, PasswordRequest, RegisterRequest};
use super::mono::{
    MonoCurrencySerializer, MonoPeriodSerializer, MonoTokenSerializer, WebhookSerializer,
};

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
    pub info: Option<serde_json::Value>,
}

/// `detail` of a registration.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub code: u16,
    #[schema(example = json!({"id": 1, "username": "alice"}))]
    pub detail: serde_json::Value,
}

/// `detail` of `GET /api/auth/me`.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub code: u16,
    #[schema(example = json!({"username": "alice", "is_admin": true, "has_token": true}))]
    pub detail: serde_json::Value,
}

/// An API key as listed: `{id, name, scope, prefix, created_at, last_used_at}` (never the key).
#[derive(Serialize, ToSchema)]
pub struct ApiKeyInfo {
    pub id: i64,
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, to the minute; `null` before the first use.
    pub last_used_at: Option<i64>,
}

/// `GET /api/auth/keys`.
#[derive(Serialize, ToSchema)]
pub struct ApiKeys {
    pub code: u16,
    pub detail: Vec<ApiKeyInfo>,
}

/// `POST /api/auth/keys`: the listed fields and `key`, shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewApiKey {
    pub code: u16,
    #[schema(example = json!({"id": 1, "name": "home assistant", "scope": "read", "prefix": "mwk_Ab3dEf9h", "created_at": 1_796_000_000, "last_used_at": null, "key": "mwk_Ab3dEf9h…"}))]
    pub detail: serde_json::Value,
}

/// `detail` of `GET /api/mono/`.
#[derive(Serialize, ToSchema)]
pub struct TokenStatus {
    pub code: u16,
    #[schema(example = json!({"connected": true, "kind": "personal", "token_hint": "…x9Zq", "created_at": 1764400000, "updated_at": 1764400000, "verified": true, "rejected_at": null}))]
    pub detail: serde_json::Value,
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

/// Data from Monobank, with its age: `stale` is true when it was served from a snapshot because
/// Monobank could not be asked (60-s limit) or failed.
#[derive(Serialize, ToSchema)]
pub struct MonoData {
    pub code: u16,
    /// The view's data (see the operation's description).
    pub detail: serde_json::Value,
    pub stale: bool,
    /// When the data was fetched from Monobank, Unix seconds.
    pub fetched_at: i64,
}

/// A statement: items newest first, and whether that is all of the period.
#[derive(Serialize, ToSchema)]
pub struct Statement {
    pub code: u16,
    /// Monobank statement items, newest first.
    pub detail: Vec<serde_json::Value>,
    #[schema(example = json!({"complete": false, "next_fetch_at": 1764400060}))]
    pub info: serde_json::Value,
    pub stale: bool,
    pub fetched_at: i64,
}

/// `detail` of a currency pair, in the seed's shapes.
#[derive(Serialize, ToSchema)]
pub struct Pair {
    pub code: u16,
    #[schema(example = json!({"USDUAH": {"Buy": 41.05, "Sale": 41.5505}}))]
    pub detail: serde_json::Value,
    pub stale: bool,
    pub fetched_at: i64,
}

/// `GET /api/mono/statement/`: a range from the transaction store (no Monobank call, so no
/// `stale` or `fetched_at`).
#[derive(Serialize, ToSchema)]
pub struct StoredStatement {
    pub code: u16,
    pub detail: StoredStatementDetail,
}

/// `GET /api/mono/summary/`: months of every account and jar in hryvnias (from the store, so no
/// `stale` or `fetched_at`).
#[derive(Serialize, ToSchema)]
pub struct MonthSummary {
    pub code: u16,
    /// One entry per month asked for, oldest first.
    pub detail: Vec<SummaryMonth>,
    /// Always `UAH`.
    pub currency: String,
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
    pub income: Option<f64>,
    /// Money out, positive.
    pub spending: Option<f64>,
    /// `income - spending`.
    pub net: Option<f64>,
    /// Spending by category, positive.
    #[schema(example = json!({"Groceries": 8123.4, "Cafes and restaurants": 2310.0}))]
    pub categories: std::collections::BTreeMap<String, f64>,
    /// Whether the store holds every operation of the month (up to now); a partial month's sums
    /// grow as the history is fetched.
    pub complete: bool,
    /// Whether the store holds anything of the month yet.
    pub fetched: bool,
    /// Operations left out as own transfers.
    pub own_transfers: u32,
    /// Operations left out for want of an exchange rate.
    pub unvalued: u32,
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
    pub items: Vec<serde_json::Value>,
    /// Operations that came by webhook without Monobank's signature, in the shape of `items`
    /// (no `ownTransfer`): nothing proves the bank sent them, so they are not in `items`, the
    /// CSV or any sum until a statement fetch confirms them (they then move to `items`) or
    /// leaves them out (they are removed). Usually empty.
    pub unconfirmed: Vec<serde_json::Value>,
    /// Whether the store holds every operation of the range (see `coverage`).
    pub complete: bool,
    /// When the sync will next fetch this account (Unix s), while the range is not complete.
    pub next_fetch_at: Option<i64>,
    pub coverage: crate::services::history::Coverage,
    /// With `limit` only: the link to the next page (the same query with its `cursor`), null
    /// on the last page.
    #[schema(required = false)]
    pub next: Option<String>,
}

/// `GET /api/mono/sync/` and `POST /api/mono/sync/history/`: the sync's progress (no Monobank
/// data, so no `stale` or `fetched_at`).
#[derive(Serialize, ToSchema)]
pub struct SyncProgress {
    pub code: u16,
    pub detail: crate::services::history::Progress,
}

/// Answers every operation can give besides its own: 400 for a bad query or body, 401 without a
/// session (operations that need one), 405 with `Allow`, 408, 413 and 415 for bodies, and the
/// answers of the families below; all in the envelope. Added where an operation does not document
/// them itself.
struct CommonResponses;

/// Operations that ask Monobank (or serve its answer from the cache): 429 while its limit is
/// spent and nothing is cached, 502 when it answers garbage, 503 when it cannot be reached.
const ASKS_MONOBANK: &[&str] = &[
    "get /api/mono/currencies/",
    "get /api/mono/currency/",
    "post /api/mono/currency/",
    "get /api/mono/client-info/",
    "get /api/mono/balance/",
    "post /api/mono/statement/",
    "post /api/mono/webhook/",
];

/// Operations that use the user's token: 404 when none is attached, 422 once Monobank rejected it.
const USES_TOKEN: &[&str] = &[
    "get /api/mono/client-info/",
    "get /api/mono/balance/",
    "post /api/mono/statement/",
    "get /api/mono/statement/",
    "get /api/mono/statement.csv",
    "get /api/mono/summary/",
    "get /api/mono/sync/",
    "post /api/mono/sync/history/",
    "post /api/mono/webhook/",
];

/// Operations that name an account: 503 until the user's accounts were first read.
const NAMES_ACCOUNT: &[&str] = &[
    "post /api/mono/statement/",
    "get /api/mono/statement/",
    "get /api/mono/statement.csv",
    "get /api/mono/summary/",
    "post /api/mono/sync/history/",
];

/// `(status, description)` of an answer.
type Answer = (&'static str, &'static str);

/// Each family and the answers its members can give besides their own.
const FAMILIES: &[(&[&str], &[Answer])] = &[
    (
        ASKS_MONOBANK,
        &[
            (
                "429",
                "Monobank's limit is spent and nothing is cached (Retry-After)",
            ),
            ("502", "Monobank answered with an error"),
            ("503", "Monobank cannot be reached and nothing is cached"),
        ],
    ),
    (
        USES_TOKEN,
        &[
            ("404", "no Monobank token is attached"),
            ("422", "Monobank rejected the stored token"),
        ],
    ),
    (
        NAMES_ACCOUNT,
        &[("503", "the accounts have not been read from Monobank yet")],
    ),
];

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{path::Operation, ContentBuilder, Ref, ResponseBuilder};
        let failure = |description: &str| {
            ResponseBuilder::new().description(description).content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Failure")))
                    .build(),
            )
        };
        let add = |op: &mut Operation, status: &str, description: &str| {
            let response = if status == "405" {
                failure(description)
                    .header("Allow", string_header("the methods the path takes"))
                    .build()
            } else {
                failure(description).build()
            };
            op.responses
                .responses
                .entry(status.to_owned())
                .or_insert(response.into());
        };
        for (path, item) in &mut openapi.paths.paths {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                let key = format!("{method} {path}");
                let key = key.as_str();
                // Anonymous, or the session is optional (an empty requirement is one choice).
                let anonymous = op.security.as_ref().is_some_and(|requirements| {
                    requirements
                        .iter()
                        .any(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
                });
                if !anonymous {
                    add(
                        op,
                        "401",
                        "not logged in (no valid session cookie), or an unknown or revoked API key",
                    );
                }
                // No `security` of its own: the document's, a session or an API key.
                let takes_keys = op.security.is_none();
                let reads = method
                    .to_uppercase()
                    .parse::<actix_web::http::Method>()
                    .is_ok_and(|m| {
                        crate::auth::api_keys::allows(crate::auth::api_keys::Scope::Read, &m, path)
                    });
                if takes_keys && !reads {
                    add(op, "403", "the API key may only read");
                }
                if !takes_keys && !anonymous {
                    add(
                        op,
                        "403",
                        "an API key cannot do this: it needs a logged-in session",
                    );
                }
                if op.request_body.is_some() {
                    add(op, "400", "the body is not valid (see errors)");
                    add(
                        op,
                        "408",
                        "the body did not arrive in full in time (body_timeout_secs); the \
                         connection is closed",
                    );
                    add(op, "413", "the body is over 64 KiB");
                    add(op, "415", "the body is not application/json");
                }
                if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                    add(op, "400", "the query is not valid (see errors)");
                }
                add(op, "405", "this path does not take that method");
                for (members, answers) in FAMILIES {
                    if members.contains(&key) {
                        for (status, description) in *answers {
                            add(op, status, description);
                        }
                    }
                }
                if POLLED.contains(&key) {
                    conditional(op);
                }
                declare_headers(op);
            }
        }
    }
}

/// The reads scripts poll: `ETag` on their 200, and 304 to `If-None-Match` (`crate::etag`).
const POLLED: &[&str] = &[
    "get /api/mono/currencies/",
    "get /api/mono/client-info/",
    "get /api/mono/balance/",
    "get /api/mono/statement/",
    "get /api/mono/summary/",
    "get /api/mono/sync/",
];

fn string_header(description: &str) -> utoipa::openapi::header::Header {
    use utoipa::openapi::{HeaderBuilder, ObjectBuilder, Type};
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

/// `If-None-Match` in, `ETag` on the 200, and the 304.
fn conditional(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, RefOr, Required, ResponseBuilder, Type};
    const TAG: &str = "a digest of the answer: it changes exactly when the answer does";
    op.parameters.get_or_insert_with(Vec::new).push(
        ParameterBuilder::new()
            .name("If-None-Match")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "the ETag of an answer already held: 304 with no body while it is still the answer",
            ))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build(),
    );
    if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
        ok.headers.insert("ETag".into(), string_header(TAG));
    }
    op.responses.responses.insert(
        "304".into(),
        ResponseBuilder::new()
            .description("Not modified: the answer is still the one with the If-None-Match tag")
            .header("ETag", string_header(TAG))
            .build()
            .into(),
    );
}

/// The headers every answer, and the throttled and unavailable ones, carry.
fn declare_headers(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::{HeaderBuilder, ObjectBuilder, RefOr, Type};
    for (status, response) in &mut op.responses.responses {
        let RefOr::T(response) = response else {
            continue;
        };
        response.headers.insert(
            "X-Request-Id".into(),
            string_header(
                "this request's id, as its log line names it (a trusted proxy's, or made by monoweb)",
            ),
        );
        let retry = match status.as_str() {
            "429" => Some("seconds until the request may be made again"),
            "503" => Some("seconds until asking again makes sense, when known"),
            "401" => Some("after too many unknown API keys from the address: seconds until it may try another"),
            _ => None,
        };
        if let Some(description) = retry {
            response.headers.insert(
                "Retry-After".into(),
                HeaderBuilder::new()
                    .schema(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(0)),
                    )
                    .description(Some(description))
                    .build(),
            );
        }
        if status == "401" {
            response.headers.insert(
                "WWW-Authenticate".into(),
                string_header(
                    "`Bearer realm=\"monoweb\", error=\"invalid_token\"` for an unknown or revoked API key; `Cookie` without credentials",
                ),
            );
        }
    }
}

struct SessionCookie;

/// The `category` filter names one of the categories the statement's rows carry (or is empty:
/// any): an enum made from the category table, which an attribute cannot list.
struct CategoryNames;

impl Modify for CategoryNames {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ObjectBuilder, Type};
        let names: Vec<&str> = std::iter::once("")
            .chain(crate::domain::mcc::names())
            .collect();
        for item in openapi.paths.paths.values_mut() {
            let Some(op) = item.get.as_mut() else {
                continue;
            };
            for param in op.parameters.iter_mut().flatten() {
                if param.name == "category" {
                    param.schema = Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some(names.clone()))
                            .into(),
                    );
                }
            }
        }
    }
}

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("monoweb_session"))),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("mwk_…")
                    .description(Some(
                        "A personal API key made on /settings or with POST /api/auth/keys; \
                         a `read` key may only call operations that read",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "monoweb",
        description = "Self-hosted web app and REST API for your own Monobank data. Every answer \
                       is the envelope {code, detail}; log in first, then send the session cookie, \
                       or send a personal API key as `Authorization: Bearer`.",
    ),
    paths(
        paths::register, paths::login, paths::logout, paths::me, paths::password,
        paths::keys_list, paths::keys_create, paths::keys_revoke,
        paths::token_status, paths::token_attach, paths::token_replace, paths::token_remove,
        paths::connect_status, paths::connect_start,
        paths::currencies, paths::currency_post, paths::currency_get, paths::client_info,
        paths::balance, paths::statement, paths::statement_range, paths::statement_csv,
        paths::summary, paths::sync_progress, paths::request_history, paths::webhook, paths::openapi_json,
    ),
    components(schemas(
        RegisterRequest, LoginRequest, PasswordRequest, crate::api::auth::NewKeyRequest,
        crate::auth::api_keys::Scope, ApiKeyInfo,
        ApiKeys, NewApiKey, MonoTokenSerializer, MonoPeriodSerializer,
        WebhookSerializer, MonoCurrencySerializer, Message, Failure, Registered, Me, TokenStatus,
        Connection, ConnectionDetail, ConnectionStateName,
        MonoData, Statement, StoredStatement, StoredStatementDetail, Pair, SyncProgress, crate::api::mono::HistoryRequest,
        crate::services::history::Coverage, crate::services::history::Span,
        crate::services::history::Progress, crate::services::history::AccountProgress,
        crate::services::history::GapReport, MonthSummary, SummaryMonth,
    )),
    modifiers(&SessionCookie, &CommonResponses, &CategoryNames),
    security(("session" = []), ("api_key" = [])),
)]
pub struct ApiDoc;

/// Operation descriptions; the handlers live in `api::auth` and `api::mono`.
#[allow(dead_code)]
mod paths {
    use super::*;

    #[utoipa::path(post, path = "/api/auth/register", tag = "accounts", security(()), request_body = RegisterRequest,
        responses((status = 201, body = Registered), (status = 400, body = Failure), (status = 403, description = "registration is closed", body = Failure),
                   (status = 409, description = "name taken", body = Failure), (status = 429, body = Failure)))]
    fn register() {}

    #[utoipa::path(post, path = "/api/auth/login", tag = "accounts", security(()), request_body = LoginRequest,
        responses((status = 200, description = "logged in; a new session cookie is set", body = Message),
                   (status = 401, description = "one message whether or not the user exists", body = Failure),
                   (status = 429, description = "throttled; see Retry-After", body = Failure)))]
    fn login() {}

    #[utoipa::path(post, path = "/api/auth/logout", tag = "accounts", security((), ("session" = [])),
        responses((status = 204, description = "the session is deleted on the server; without one, nothing to do")))]
    fn logout() {}

    #[utoipa::path(get, path = "/api/auth/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = Failure)))]
    fn me() {}

    #[utoipa::path(post, path = "/api/auth/password", tag = "accounts", security(("session" = [])), request_body = PasswordRequest,
        responses((status = 200, description = "changed; every other session ends, and a webhook registered elsewhere goes back to monoweb's receiver (the detail says so)", body = Message), (status = 400, body = Failure), (status = 401, body = Failure),
                   (status = 429, description = "too many wrong current passwords (they count as failed logins); see Retry-After", body = Failure)))]
    fn password() {}

    #[utoipa::path(get, path = "/api/auth/keys", tag = "accounts", security(("session" = [])),
        responses((status = 200, description = "the user's API keys, oldest first", body = ApiKeys)))]
    fn keys_list() {}

    #[utoipa::path(post, path = "/api/auth/keys", tag = "accounts", security(("session" = [])), request_body = crate::api::auth::NewKeyRequest,
        responses((status = 201, description = "the new key, shown this once; only its hash is kept", body = NewApiKey),
                   (status = 409, description = "the user holds 20 keys already", body = Failure)))]
    fn keys_create() {}

    #[utoipa::path(delete, path = "/api/auth/keys/{id}", tag = "accounts", security(("session" = [])),
        params(("id" = i64, Path, description = "the key's id")),
        responses((status = 204, description = "revoked: the key stops working at once"),
                   (status = 404, description = "no such key among the user's", body = Failure)))]
    fn keys_revoke() {}

    #[utoipa::path(get, path = "/api/mono/", tag = "mono", responses((status = 200, body = TokenStatus), (status = 401, body = Failure)))]
    fn token_status() {}

    #[utoipa::path(post, path = "/api/mono/", tag = "mono", request_body = MonoTokenSerializer,
        responses((status = 201, description = "Mono added successfully.", body = Message), (status = 400, body = Failure),
                   (status = 403, description = "this server takes no personal tokens (provider mode)", body = Failure),
                   (status = 409, description = "A Mono token is already attached.", body = Failure),
                   (status = 422, description = "Monobank rejected this token.", body = Failure)))]
    fn token_attach() {}

    #[utoipa::path(put, path = "/api/mono/", tag = "mono", request_body = MonoTokenSerializer,
        responses((status = 200, description = "Mono changed successfully.", body = Message), (status = 400, body = Failure),
                   (status = 403, description = "this server takes no personal tokens (provider mode)", body = Failure),
                   (status = 404, description = "Your mono has not been added yet.", body = Failure), (status = 409, body = Failure),
                   (status = 422, description = "Monobank rejected this token.", body = Failure)))]
    fn token_replace() {}

    #[utoipa::path(delete, path = "/api/mono/", tag = "mono",
        responses((status = 204, description = "removed, with the webhook monoweb registered"), (status = 404, body = Failure)))]
    fn token_remove() {}

    #[utoipa::path(get, path = "/api/mono/connect/", tag = "mono",
        responses((status = 200, description = "where the provider connection stands; a pending request is checked with Monobank at most every 5 s", body = Connection),
                   (status = 404, description = "this server does not connect through the provider API", body = Failure),
                   (status = 502, body = Failure), (status = 503, body = Failure)))]
    fn connect_status() {}

    #[utoipa::path(post, path = "/api/mono/connect/", tag = "mono",
        responses((status = 200, description = "an access request is pending (the same one while it waits): open accept_url and approve in the Monobank app", body = Connection),
                   (status = 404, description = "this server does not connect through the provider API", body = Failure),
                   (status = 409, description = "A Mono token is already attached.", body = Failure),
                   (status = 429, body = Failure),
                   (status = 502, description = "Monobank refused the server's provider key or signature, or answered with an error", body = Failure),
                   (status = 503, body = Failure)))]
    fn connect_start() {}

    #[utoipa::path(get, path = "/api/mono/currencies/", tag = "mono",
        responses((status = 200, description = "Mono's rate list, each with currencyA/currencyB codes", body = MonoData),
                   (status = 429, body = Failure), (status = 503, description = "Monobank down and nothing cached", body = Failure)))]
    fn currencies() {}

    #[utoipa::path(post, path = "/api/mono/currency/", tag = "mono", request_body = MonoCurrencySerializer,
        responses((status = 200, body = Pair), (status = 400, description = "Incorrect currency pair.", body = Failure)))]
    fn currency_post() {}

    #[utoipa::path(get, path = "/api/mono/currency/", tag = "mono", params(MonoCurrencySerializer),
        responses((status = 200, body = Pair), (status = 400, body = Failure)))]
    fn currency_get() {}

    #[utoipa::path(get, path = "/api/mono/client-info/", tag = "mono",
        responses((status = 200, description = "client-info as Monobank sent it", body = MonoData), (status = 404, body = Failure),
                   (status = 422, description = "Monobank rejected the stored token", body = Failure), (status = 429, body = Failure),
                   (status = 502, body = Failure), (status = 503, body = Failure)))]
    fn client_info() {}

    #[utoipa::path(get, path = "/api/mono/balance/", tag = "mono",
        responses((status = 200, description = "{balance, currency, account, own_funds, credit_limit, accounts, jars, net_worth: {amount, currency: UAH, rates_at, rates}}, exact decimals; net_worth.amount is the own funds of every account and jar at Monobank's buying rates (null when a currency held has no rate)", body = MonoData),
                   (status = 404, body = Failure), (status = 422, body = Failure), (status = 429, body = Failure)))]
    fn balance() {}

    #[utoipa::path(post, path = "/api/mono/statement/", tag = "mono", request_body = MonoPeriodSerializer,
        responses((status = 200, body = Statement), (status = 400, body = Failure), (status = 404, body = Failure), (status = 429, body = Failure)))]
    fn statement() {}

    #[utoipa::path(get, path = "/api/mono/statement/", tag = "mono", params(crate::api::mono::StatementQuery, crate::api::mono::PageParams),
        responses((status = 200, description = "Any range, from the transaction store (changes no sync state); with `limit`, one page of it", body = StoredStatement,
                    headers(("Link" = String, description = "with `limit`, while pages remain: `<next>; rel=\"next\"`"))),
                   (status = 400, body = Failure), (status = 404, body = Failure), (status = 503, description = "the accounts have not been read yet", body = Failure)))]
    fn statement_range() {}

    #[utoipa::path(get, path = "/api/mono/statement.csv", tag = "mono", params(crate::api::mono::StatementQuery),
        responses((status = 200, description = "The rows as CSV, streamed: date, time, account, description, mcc, category, amount, currency, operation_amount, operation_currency, cashback, commission, balance, hold, comment, counterparty; a partial range's file name ends in -partial",
                    content_type = "text/csv", body = String,
                    headers(("Content-Disposition" = String, description = "attachment; filename=\"monoweb-<from>-<to>[-partial].csv\""),
                            ("X-Statement-Complete" = bool, description = "whether the store holds every operation of the range"),
                            ("X-Statement-Missing" = String, description = "the parts not in the store yet, RFC 3339 intervals start/end, comma-separated; empty when complete"))),
                   (status = 400, body = Failure), (status = 404, body = Failure)))]
    fn statement_csv() {}

    #[utoipa::path(get, path = "/api/mono/summary/", tag = "mono", params(crate::api::mono::SummaryQuery),
        responses((status = 200, description = "Per month, income, spending, net and spending by category over every account and jar, in hryvnias, own transfers left out", body = MonthSummary),
                   (status = 400, body = Failure), (status = 404, body = Failure)))]
    fn summary() {}

    #[utoipa::path(get, path = "/api/mono/sync/", tag = "mono",
        responses((status = 200, description = "Progress: per account history_from, fetched_to, windows_done, windows_total, complete, missing, closed, last_error, retry_at; transactions, own_webhook, webhook_from, last_event_at, signing_key, gaps", body = SyncProgress),
                   (status = 404, body = Failure)))]
    fn sync_progress() {}

    #[utoipa::path(post, path = "/api/mono/sync/history/", tag = "mono", request_body = crate::api::mono::HistoryRequest,
        responses((status = 202, description = "Progress: the sync fetches the older history, one statement call a minute", body = SyncProgress),
                   (status = 400, body = Failure), (status = 404, body = Failure), (status = 503, description = "the accounts have not been read yet", body = Failure)))]
    fn request_history() {}

    #[utoipa::path(post, path = "/api/mono/webhook/", tag = "mono", request_body = WebhookSerializer,
        responses((status = 200, description = "Webhook registered. Without webHookUrl: monoweb's own receiver (public_url + /hooks/mono/<new secret>)", body = Message),
                   (status = 400, body = Failure)))]
    fn webhook() {}

    #[utoipa::path(get, path = "/api/openapi.json", tag = "meta", security(()), responses((status = 200, description = "this document")))]
    fn openapi_json() {}
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(ApiDoc::openapi())
}

static SWAGGER_CONFIG: std::sync::LazyLock<std::sync::Arc<utoipa_swagger_ui::Config<'static>>> =
    std::sync::LazyLock::new(|| {
        std::sync::Arc::new(utoipa_swagger_ui::Config::from("/api/openapi.json"))
    });

/// `GET /api/docs` and its assets: Swagger UI from the binary. Trailing slashes are trimmed
/// app-wide, so the page's relative asset links are made absolute here.
pub async fn docs(tail: Option<actix_web::web::Path<String>>) -> actix_web::HttpResponse {
    let tail = tail.map(|t| t.into_inner()).unwrap_or_default();
    match utoipa_swagger_ui::serve(&tail, SWAGGER_CONFIG.clone()) {
        Ok(Some(file)) => {
            let body = if tail.is_empty() || tail == "index.html" {
                String::from_utf8_lossy(&file.bytes)
                    .replace("\"./", "\"/api/docs/")
                    .replace("href=\"index.css\"", "href=\"/api/docs/index.css\"")
                    .into_bytes()
            } else {
                file.bytes.into_owned()
            };
            actix_web::HttpResponse::Ok()
                .content_type(file.content_type)
                .insert_header((
                    actix_web::http::header::CACHE_CONTROL,
                    "public, max-age=3600",
                ))
                .body(body)
        }
        Ok(None) => crate::error::AppError::NotFound.error_response_owned(),
        Err(e) => crate::error::AppError::internal(e).error_response_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_family_names_a_documented_operation() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        for key in FAMILIES.iter().flat_map(|(members, _)| members.iter()) {
            let (method, path) = key.split_once(' ').unwrap();
            assert!(
                doc["paths"][path][method].is_object(),
                "{key} is not documented"
            );
        }
    }
}
