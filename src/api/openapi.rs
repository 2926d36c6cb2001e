//! The OpenAPI 3.1 description of every `/api` route (`GET /api/openapi.json`) and Swagger UI
//! (`/api/docs/`), served from the binary: the UI's files are vendored at build time, no CDN.
//!
//! The request schemas are the serializer structs themselves; the response schemas below
//! describe the `{code, detail}` envelope of each answer.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::answers::*;
use super::mono::{MonoCurrencySerializer, MonoPeriodSerializer};
use crate::http::serializers::{
    LoginRequest, MonoTokenSerializer, PasswordRequest, RegisterRequest, WebhookSerializer,
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

/// Answers every operation can give besides its own: 400 for a bad query or body, 401 without a
/// session (operations that need one), 405 with `Allow`, 408, 413 and 415 for bodies, and the
/// answers of the families below; all in the envelope. Added where an operation does not document
/// them itself.
struct CommonResponses;

/// Operations that ask Monobank (or serve its answer from the cache): 429 while its limit is
/// spent and nothing is cached, 502 when it answers garbage, 503 when it cannot be reached.
const ASKS_MONOBANK: &[&str] = &[
    "get /api/mono/currencies",
    "get /api/mono/currency",
    "post /api/mono/currency",
    "get /api/mono/client-info",
    "get /api/mono/balance",
    "post /api/mono/statement",
    "post /api/mono/webhook",
];

/// Operations that use the user's token: 404 when none is attached, 422 once Monobank rejected it.
const USES_TOKEN: &[&str] = &[
    "get /api/mono/client-info",
    "get /api/mono/balance",
    "post /api/mono/statement",
    "get /api/mono/statement",
    "get /api/mono/statement.csv",
    "get /api/mono/summary",
    "get /api/mono/sync",
    "post /api/mono/sync/history",
    "post /api/mono/webhook",
];

/// Operations that name an account: 503 until the user's accounts were first read.
const NAMES_ACCOUNT: &[&str] = &[
    "post /api/mono/statement",
    "get /api/mono/statement",
    "get /api/mono/statement.csv",
    "get /api/mono/summary",
    "post /api/mono/sync/history",
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
                // `security: []` (none needed) or an empty requirement among others (optional).
                let anonymous = op.security.as_ref().is_some_and(|requirements| {
                    requirements.is_empty()
                        || requirements.iter().any(|r| {
                            serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({}))
                        })
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
                        crate::http::keys::allows(crate::auth::api_keys::Scope::Read, &m, path)
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
    "get /api/mono/currencies",
    "get /api/mono/client-info",
    "get /api/mono/balance",
    "get /api/mono/statement",
    "get /api/mono/summary",
    "get /api/mono/sync",
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
        contact(name = "The administrator of this monoweb server"),
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
        RegisterRequest, LoginRequest, PasswordRequest, crate::http::serializers::NewKeyRequest,
        crate::auth::api_keys::Scope, ApiKeyInfo,
        ApiKeys, NewApiKey, NewApiKeyDetail, MonoTokenSerializer, MonoPeriodSerializer,
        WebhookSerializer, MonoCurrencySerializer, Message, Failure, FailureInfo, Registered, NewUser, LoggedIn,
        LoginDetail, Me, MeDetail, TokenStatusAnswer, crate::services::tokens::TokenStatus, TokenStored,
        Connection, ConnectionDetail, ConnectionStateName, Currencies, crate::upstream::rates::Rate, ClientInfo, BalanceAnswer,
        crate::services::mono::BalanceDetail, crate::services::mono::BalanceAccount,
        crate::services::mono::BalanceJar, crate::services::mono::BalanceNetWorth,
        crate::services::mono::Money, monobank::types::CurrencyInfo, monobank::types::UserInfo,
        monobank::types::Account, monobank::types::Jar, monobank::types::ManagedClient,
        monobank::types::ManagedAccount, monobank::types::StatementItem, StoredItem,
        Statement, StatementInfo, StoredStatement, StoredStatementDetail, Pair, PairRate, SyncProgress, crate::api::mono::HistoryRequest,
        crate::services::history::Coverage, crate::services::history::Span,
        crate::services::history::Progress, crate::services::history::AccountProgress,
        crate::services::history::GapReport, MonthSummary, SummaryMonth,
    )),
    tags(
        (name = "accounts", description = "Registration, login and logout, the password and personal API keys."),
        (name = "mono", description = "The user's Monobank data: the token, rates, client-info, balances, statements from Monobank and from monoweb's store, months, the sync and the webhook."),
        (name = "meta", description = "This description of the API."),
    ),
    servers((url = "/", description = "this server (the document is served by the instance it describes)")),
    modifiers(&SessionCookie, &CommonResponses, &CategoryNames),
    security(("session" = []), ("api_key" = [])),
)]
pub struct ApiDoc;

/// Operation descriptions; the handlers live in `api::auth` and `api::mono`.
#[allow(dead_code)]
mod paths {
    use super::*;

    /// Create an account
    ///
    /// Registers a user with a name and a password (at least 12 characters, not a common one). The
    /// first user of a server becomes its admin. Closed unless the server allows registration;
    /// throttled per address.
    #[utoipa::path(post, path = "/api/auth/register", tag = "accounts", security(), request_body = RegisterRequest,
        responses((status = 201, body = Registered), (status = 400, body = Failure), (status = 403, description = "registration is closed", body = Failure),
                   (status = 409, description = "name taken", body = Failure), (status = 429, body = Failure)))]
    fn register() {}

    /// Log in
    ///
    /// Checks the name and password and starts a new session: the answer sets the session cookie
    /// that every later request sends. One answer whether or not the user exists; failed attempts
    /// are throttled per user and per address.
    #[utoipa::path(post, path = "/api/auth/login", tag = "accounts", security(), request_body = LoginRequest,
        responses((status = 200, description = "logged in; a new session cookie is set", body = LoggedIn,
                    links(("me" = (operation_id = "me", description = "the user just logged in")))),
                   (status = 401, description = "one message whether or not the user exists", body = Failure),
                   (status = 429, description = "throttled; see Retry-After", body = Failure)))]
    fn login() {}

    /// Log out
    ///
    /// Ends the session on the server (its row is deleted); without a session there is nothing to
    /// do.
    #[utoipa::path(post, path = "/api/auth/logout", tag = "accounts", security((), ("session" = [])),
        responses((status = 204, description = "the session is deleted on the server; without one, nothing to do")))]
    fn logout() {}

    /// Who am I
    ///
    /// The logged-in user's name, whether they are an admin and whether a Monobank token is
    /// attached.
    #[utoipa::path(get, path = "/api/auth/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = Failure)))]
    fn me() {}

    /// Change the password
    ///
    /// Needs the current password. Every other session of the user ends and every API key stops
    /// working; a Monobank webhook pointed elsewhere goes back to monoweb's receiver.
    #[utoipa::path(post, path = "/api/auth/password", tag = "accounts", security(("session" = [])), request_body = PasswordRequest,
        responses((status = 200, description = "changed; every other session ends, and a webhook registered elsewhere goes back to monoweb's receiver (the detail says so)", body = Message), (status = 400, body = Failure), (status = 401, body = Failure),
                   (status = 429, description = "too many wrong current passwords (they count as failed logins); see Retry-After", body = Failure)))]
    fn password() {}

    /// List API keys
    ///
    /// The user's personal API keys, oldest first: name, scope, first characters, creation and last
    /// use. Never the keys themselves.
    #[utoipa::path(get, path = "/api/auth/keys", tag = "accounts", security(("session" = [])),
        responses((status = 200, description = "the user's API keys, oldest first", body = ApiKeys)))]
    fn keys_list() {}

    /// Create an API key
    ///
    /// Makes a personal API key (`read` or `write`) to send as `Authorization: Bearer`. The key is
    /// in this answer only; the server keeps its hash. At most 20 keys per user.
    #[utoipa::path(post, path = "/api/auth/keys", tag = "accounts", security(("session" = [])), request_body = crate::http::serializers::NewKeyRequest,
        responses((status = 201, description = "the new key, shown this once; only its hash is kept", body = NewApiKey,
                    links(("revoke" = (operation_id = "keys_revoke", description = "revoke the key just made", parameters(("id" = "$response.body#/detail/id")))))),
                   (status = 409, description = "the user holds 20 keys already", body = Failure)))]
    fn keys_create() {}

    /// Revoke an API key
    ///
    /// The key stops working at once.
    #[utoipa::path(delete, path = "/api/auth/keys/{id}", tag = "accounts", security(("session" = [])),
        params(("id" = i64, Path, description = "the key's id")),
        responses((status = 204, description = "revoked: the key stops working at once"),
                   (status = 404, description = "no such key among the user's", body = Failure)))]
    fn keys_revoke() {}

    /// Token status
    ///
    /// Whether a Monobank token is attached, of which kind, its last characters, when it was
    /// attached and whether Monobank accepted or rejected it. Never the token.
    #[utoipa::path(get, path = "/api/mono", tag = "mono", responses((status = 200, body = TokenStatusAnswer), (status = 401, body = Failure)))]
    fn token_status() {}

    /// Attach a Monobank token
    ///
    /// Stores the user's personal Monobank token (encrypted at rest) after asking Monobank whether
    /// it opens client-info; a rejected token is not stored. `verified` says whether Monobank
    /// already answered (when the token's minute was taken, the sync's first call tells).
    #[utoipa::path(post, path = "/api/mono", tag = "mono", request_body = MonoTokenSerializer,
        responses((status = 201, description = "Mono added successfully.", body = TokenStored,
                    links(("status" = (operation_id = "token_status", description = "the token just attached")), ("progress" = (operation_id = "sync_progress", description = "the sync that starts with it")))), (status = 400, body = Failure),
                   (status = 403, description = "this server takes no personal tokens (provider mode)", body = Failure),
                   (status = 409, description = "A Mono token is already attached.", body = Failure),
                   (status = 422, description = "Monobank rejected this token.", body = Failure)))]
    fn token_attach() {}

    /// Replace the Monobank token
    ///
    /// As attaching, for a user who has a token: the new one replaces it, with the webhook monoweb
    /// registered.
    #[utoipa::path(put, path = "/api/mono", tag = "mono", request_body = MonoTokenSerializer,
        responses((status = 200, description = "Mono changed successfully.", body = TokenStored), (status = 400, body = Failure),
                   (status = 403, description = "this server takes no personal tokens (provider mode)", body = Failure),
                   (status = 404, description = "Your mono has not been added yet.", body = Failure), (status = 409, body = Failure),
                   (status = 422, description = "Monobank rejected this token.", body = Failure)))]
    fn token_replace() {}

    /// Remove the Monobank token
    ///
    /// Deletes the token and takes back the webhook monoweb registered with it. The stored history
    /// stays.
    #[utoipa::path(delete, path = "/api/mono", tag = "mono",
        responses((status = 204, description = "removed, with the webhook monoweb registered"), (status = 404, body = Failure)))]
    fn token_remove() {}

    /// Provider connection status
    ///
    /// Where the user's connection through the provider (corporate) API stands; a pending request
    /// is checked with Monobank at most every 5 seconds.
    #[utoipa::path(get, path = "/api/mono/connect", tag = "mono",
        responses((status = 200, description = "where the provider connection stands; a pending request is checked with Monobank at most every 5 s", body = Connection),
                   (status = 404, description = "this server does not connect through the provider API", body = Failure),
                   (status = 502, body = Failure), (status = 503, body = Failure)))]
    fn connect_status() {}

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
    fn connect_start() {}

    /// Exchange rates
    ///
    /// Monobank's rate list, each rate with the alpha codes of its currencies. Fetched at most once
    /// a minute for the whole server; `stale` says when it is older because Monobank could not be
    /// asked.
    #[utoipa::path(get, path = "/api/mono/currencies", tag = "mono",
        responses((status = 200, description = "Mono's rate list, each with currencyA/currencyB codes", body = Currencies),
                   (status = 429, body = Failure), (status = 503, description = "Monobank down and nothing cached", body = Failure)))]
    fn currencies() {}

    /// One currency pair (body)
    ///
    /// The rates of one pair in the seed's shapes: buy and sell, or a cross rate. The pair is read
    /// from the body as USDUAH, USD/UAH, usd-uah or 840/980.
    #[utoipa::path(post, path = "/api/mono/currency", tag = "mono", request_body = MonoCurrencySerializer,
        responses((status = 200, body = Pair), (status = 400, description = "Incorrect currency pair.", body = Failure)))]
    fn currency_post() {}

    /// One currency pair (query)
    ///
    /// As the POST form, with the pair in the query string.
    #[utoipa::path(get, path = "/api/mono/currency", tag = "mono", params(MonoCurrencySerializer),
        responses((status = 200, body = Pair), (status = 400, body = Failure)))]
    fn currency_get() {}

    /// Client info
    ///
    /// Monobank's client-info for the user's token: name, accounts, cards and jars. Monobank allows
    /// one call a minute per token; between calls the last answer is served with `stale` and
    /// `fetched_at`.
    #[utoipa::path(get, path = "/api/mono/client-info", tag = "mono",
        responses((status = 200, description = "client-info as Monobank sent it", body = ClientInfo), (status = 404, body = Failure),
                   (status = 422, description = "Monobank rejected the stored token", body = Failure), (status = 429, body = Failure),
                   (status = 502, body = Failure), (status = 503, body = Failure)))]
    fn client_info() {}

    /// Balances and net worth
    ///
    /// The default UAH card (Monobank's account `0`), every account and jar with exact amounts, and
    /// the net worth in hryvnias at Monobank's buying rates.
    #[utoipa::path(get, path = "/api/mono/balance", tag = "mono",
        responses((status = 200, description = "{balance, currency, account, own_funds, credit_limit, accounts, jars, net_worth: {amount, currency: UAH, rates_at, rates}}, exact decimals; net_worth.amount is the own funds of every account and jar at Monobank's buying rates (null when a currency held has no rate)", body = BalanceAnswer),
                   (status = 404, body = Failure), (status = 422, body = Failure), (status = 429, body = Failure)))]
    fn balance() {}

    /// Statement of the last days (seed)
    ///
    /// The seed's statement view: the last `period` days (0 to 31) of one account, newest first,
    /// asked of Monobank one call a minute; `info.complete` says whether that is all of the period.
    #[utoipa::path(post, path = "/api/mono/statement", tag = "mono", request_body = MonoPeriodSerializer,
        responses((status = 200, body = Statement), (status = 400, body = Failure), (status = 404, body = Failure), (status = 429, body = Failure)))]
    fn statement() {}

    /// Statement of any range
    ///
    /// Any range of days (Kyiv time, up to ten years) of one account, or of every account and jar,
    /// from monoweb's transaction store: no call to Monobank. Filters for text, category, direction
    /// and amount, four orders, and optional pages (`limit`, `cursor`). `complete` and `coverage`
    /// say what the store holds of the range.
    #[utoipa::path(get, path = "/api/mono/statement", tag = "mono", params(crate::api::mono::StatementQuery, crate::api::mono::PageParams),
        responses((status = 200, description = "Any range, from the transaction store (changes no sync state); with `limit`, one page of it", body = StoredStatement,
                    links(("csv" = (operation_id = "statement_csv", description = "the same range as CSV", parameters(("from" = "$request.query.from"), ("to" = "$request.query.to"), ("account" = "$request.query.account"))))),
                    headers(("Link" = String, description = "with `limit`, while pages remain: `<next>; rel=\"next\"`"))),
                   (status = 400, body = Failure), (status = 404, body = Failure), (status = 503, description = "the accounts have not been read yet", body = Failure)))]
    fn statement_range() {}

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
    fn statement_csv() {}

    /// Months
    ///
    /// Per calendar month (Kyiv), income, spending, net and spending by category over every account
    /// and jar, in hryvnias; own transfers are left out.
    #[utoipa::path(get, path = "/api/mono/summary", tag = "mono", params(crate::api::mono::SummaryQuery),
        responses((status = 200, description = "Per month, income, spending, net and spending by category over every account and jar, in hryvnias, own transfers left out", body = MonthSummary),
                   (status = 400, body = Failure), (status = 404, body = Failure)))]
    fn summary() {}

    /// Sync progress
    ///
    /// What the background sync holds and fetches: per account the history asked for, the windows
    /// fetched, gaps and failures; the webhook's state.
    #[utoipa::path(get, path = "/api/mono/sync", tag = "mono",
        responses((status = 200, description = "Progress: per account history_from, fetched_to, windows_done, windows_total, complete, missing, closed, last_error, retry_at; transactions, own_webhook, webhook_from, last_event_at, signing_key, gaps", body = SyncProgress),
                   (status = 404, body = Failure)))]
    fn sync_progress() {}

    /// Fetch older history
    ///
    /// Asks the background sync to fetch history back to a day (not before 2017-11-01), for one
    /// account or all. It runs at Monobank's pace, one statement call a minute; follow it with the
    /// sync progress.
    #[utoipa::path(post, path = "/api/mono/sync/history", tag = "mono", request_body = crate::api::mono::HistoryRequest,
        responses((status = 202, description = "Progress: the sync fetches the older history, one statement call a minute", body = SyncProgress,
                    links(("progress" = (operation_id = "sync_progress", description = "follow the fetch")))),
                   (status = 400, body = Failure), (status = 404, body = Failure), (status = 503, description = "the accounts have not been read yet", body = Failure)))]
    fn request_history() {}

    /// Register a webhook
    ///
    /// Points the user's Monobank webhook at a URL, or without `webHookUrl` at monoweb's own
    /// receiver (which stores every operation as it happens).
    #[utoipa::path(post, path = "/api/mono/webhook", tag = "mono", request_body = WebhookSerializer,
        responses((status = 200, description = "Webhook registered. Without webHookUrl: monoweb's own receiver (public_url + /hooks/mono/<new secret>)", body = Message),
                   (status = 400, body = Failure)))]
    fn webhook() {}

    /// This document
    ///
    /// The OpenAPI 3.1 description of the API.
    #[utoipa::path(get, path = "/api/openapi.json", tag = "meta", security(), responses((status = 200, description = "this document")))]
    fn openapi_json() {}
}

/// The document as served: utoipa's, with each link's `operation_id` written `operationId`
/// (utoipa 5.5 writes the Rust field name, which no OpenAPI tool reads). Made once.
static DOCUMENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    for item in doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|i| i.values_mut())
        {
            let responses = op.get_mut("responses").and_then(|r| r.as_object_mut());
            for response in responses.into_iter().flat_map(|r| r.values_mut()) {
                let links = response.get_mut("links").and_then(|l| l.as_object_mut());
                for link in links.into_iter().flat_map(|l| l.values_mut()) {
                    if let Some(link) = link.as_object_mut() {
                        if let Some(id) = link.remove("operation_id") {
                            link.insert("operationId".into(), id);
                        }
                    }
                }
            }
        }
    }
    doc.to_string()
});

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
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
                    .replace("\"./", "\"/api/docs")
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
        Ok(None) => crate::http::error::AppError::NotFound.error_response_owned(),
        Err(e) => crate::http::error::AppError::internal(e).error_response_owned(),
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
