//! The OpenAPI 3.1 description of every `/api` route (`GET /api/openapi.json`) and Swagger UI
//! (`/api/docs/`), served from the binary: the UI's files are vendored at build time, no CDN.
//!
//! The request schemas are the serializer structs themselves, the response schemas the answers
//! of `api::answers`; each operation is described by its handler's `#[utoipa::path]`, and
//! `api::routes` lists them once for the router and for [`document_of`].

use actix_web::{web, FromRequest, Handler, Responder, Route};
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::answers::*;
use super::mono::{MonoCurrencySerializer, MonoPeriodSerializer};
use crate::http::serializers::{
    LoginRequest, MonoTokenSerializer, PasswordRequest, RegisterRequest, WebhookSerializer,
};

/// `(status, description)` of an answer.
type Answer = (&'static str, &'static str);

/// The answers a family's members can give besides their own.
fn family_answers(family: Family) -> &'static [Answer] {
    match family {
        Family::AsksMonobank => &[
            (
                "429",
                "Monobank's limit is spent and nothing is cached (Retry-After)",
            ),
            ("502", "Monobank answered with an error"),
            ("503", "Monobank cannot be reached and nothing is cached"),
        ],
        Family::UsesToken => &[
            ("404", "no Monobank token is attached"),
            ("422", "Monobank rejected the stored token"),
        ],
        Family::NamesAccount => &[("503", "the accounts have not been read from Monobank yet")],
    }
}

/// Operations that share a set of answers (documented once, in `openapi`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Asks Monobank (or serves its answer from the cache): 429, 502, 503.
    AsksMonobank,
    /// Uses the user's token: 404 without one, 422 once Monobank rejected it.
    UsesToken,
    /// Names an account: 503 until the user's accounts were first read.
    NamesAccount,
}

/// One operation: what the document says of it and the route that serves it.
pub struct Endpoint {
    pub method: HttpMethod,
    pub path: String,
    /// Its description, from its handler's `#[utoipa::path]`.
    pub operation: Operation,
    /// Polled by scripts: `ETag` on the 200, 304 to `If-None-Match` (`crate::etag`).
    pub polled: bool,
    pub families: &'static [Family],
    /// The same method as the router matches it (what API keys are checked against).
    http_method: actix_web::http::Method,
    route: Route,
}

impl Endpoint {
    pub fn polled(mut self) -> Self {
        self.polled = true;
        self
    }

    pub fn of(mut self, families: &'static [Family]) -> Self {
        self.families = families;
        self
    }

    /// The route that serves it (its method's guard and its handler).
    pub fn into_route(self) -> Route {
        self.route
    }
}

/// The endpoint of a handler `F` whose `#[utoipa::path]` made `P`. The attribute's `tag` is
/// kept apart from the operation (the `OpenApi` derive adds it from `Tags`, the trait it uses
/// for this); it is put on the operation here.
pub fn endpoint<P, F, Args>(handler: F) -> Endpoint
where
    P: utoipa::Path + for<'t> utoipa::__dev::Tags<'t>,
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let methods = P::methods();
    let method = match methods.as_slice() {
        [one] => one.clone(),
        _ => panic!("{} must name exactly one method", P::path()),
    };
    use actix_web::http::Method;
    let (route, http_method) = match method {
        HttpMethod::Get => (web::get(), Method::GET),
        HttpMethod::Post => (web::post(), Method::POST),
        HttpMethod::Put => (web::put(), Method::PUT),
        HttpMethod::Delete => (web::delete(), Method::DELETE),
        HttpMethod::Patch => (web::patch(), Method::PATCH),
        HttpMethod::Head => (web::head(), Method::HEAD),
        HttpMethod::Options | HttpMethod::Trace => {
            panic!("{} uses a method the API does not serve", P::path())
        }
    };
    let mut operation = P::operation();
    let tags: Vec<String> = P::tags().into_iter().map(str::to_owned).collect();
    if !tags.is_empty() {
        operation.tags = Some(tags);
    }
    Endpoint {
        method,
        path: P::path(),
        operation,
        polled: false,
        families: &[],
        http_method,
        route: route.to(handler),
    }
}

/// Adds to an endpoint's operation the answers every operation can give besides its own: 400
/// for a bad query or body, 401 without a session (operations that need one), 403 for a key
/// that may not, 405 with `Allow`, 408, 413 and 415 for bodies, its families' answers, the
/// conditional GET of a polled read, and the headers every answer carries; all in the envelope.
/// An answer the operation documents itself is left as it is.
fn complete(endpoint: &Endpoint) -> Operation {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let mut op = endpoint.operation.clone();
    let path = endpoint.path.as_str();
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
    // Anonymous, or the session is optional: `security: []` (none needed) or an empty
    // requirement among others.
    let anonymous = op.security.as_ref().is_some_and(|requirements| {
        requirements.is_empty()
            || requirements
                .iter()
                .any(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
    });
    if !anonymous {
        add(
            &mut op,
            "401",
            "not logged in (no valid session cookie), or an unknown or revoked API key",
        );
    }
    // No `security` of its own: the document's, a session or an API key.
    let takes_keys = op.security.is_none();
    let reads = crate::http::keys::allows(
        crate::auth::api_keys::Scope::Read,
        &endpoint.http_method,
        path,
    );
    if takes_keys && !reads {
        add(&mut op, "403", "the API key may only read");
    }
    if !takes_keys && !anonymous {
        add(
            &mut op,
            "403",
            "an API key cannot do this: it needs a logged-in session",
        );
    }
    if op.request_body.is_some() {
        add(&mut op, "400", "the body is not valid (see errors)");
        add(
            &mut op,
            "408",
            "the body did not arrive in full in time (body_timeout_secs); the connection is \
             closed",
        );
        add(&mut op, "413", "the body is over 64 KiB");
        add(&mut op, "415", "the body is not application/json");
    }
    if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        add(&mut op, "400", "the query is not valid (see errors)");
    }
    add(&mut op, "405", "this path does not take that method");
    for family in endpoint.families {
        for (status, description) in family_answers(*family) {
            add(&mut op, status, description);
        }
    }
    if endpoint.polled {
        conditional(&mut op);
    }
    declare_headers(&mut op);
    op
}

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
    modifiers(&SessionCookie),
    security(("session" = []), ("api_key" = [])),
)]
struct ApiDoc;

/// The document of `endpoints`: what [`ApiDoc`] says of the API as a whole, and each endpoint's
/// operation, [`complete`]d.
pub fn document_of(endpoints: &[Endpoint]) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for endpoint in endpoints {
        let operation = complete(endpoint);
        doc.paths
            .add_path_operation(&endpoint.path, vec![endpoint.method.clone()], operation);
    }
    CategoryNames.modify(&mut doc);
    doc
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
