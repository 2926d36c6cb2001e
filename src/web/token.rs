//! `/token`: attach, replace or remove the Monobank token; only its last four characters shown.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::format::date_time;
use super::{done, page, validated, Form, FormState, Layout};
use crate::http::current_user::CurrentUser;
use crate::http::error::AppError;
use crate::http::serializers::MonoTokenSerializer;
use crate::services::connect::{self, Connection};
use crate::services::tokens::{self, TokenError, TokenStatus};
use crate::services::Context;
use monobank::MonoToken;

#[derive(Template)]
#[template(path = "token.html")]
struct TokenPage {
    layout: Layout,
    /// This server takes personal tokens.
    personal_mode: bool,
    /// This server connects through the provider API.
    provider_mode: bool,
    connected: bool,
    /// The attached credential is a provider connection.
    provider: bool,
    hint: String,
    created: String,
    updated: String,
    /// Monobank has answered a call made with the token.
    verified: bool,
    /// When Monobank rejected the token, shown until it is replaced.
    rejected: Option<String>,
    /// Where a provider connection stands (provider modes only).
    connection: Option<ConnectView>,
    form: FormState,
    /// The removal was asked for: the page asks to confirm it.
    confirming: bool,
}

/// A provider connection as the page shows it.
struct ConnectView {
    /// `none`, `pending`, `expired`, `revoked` or `connected`.
    state: &'static str,
    accept_url: String,
    /// The accept URL as a QR code (inline SVG, drawn on the server).
    qr: String,
    expires: String,
}

impl ConnectView {
    fn of(connection: Connection) -> Self {
        let (state, accept_url, expires) = match connection {
            Connection::None => ("none", String::new(), String::new()),
            Connection::Expired => ("expired", String::new(), String::new()),
            Connection::Revoked => ("revoked", String::new(), String::new()),
            Connection::Connected => ("connected", String::new(), String::new()),
            Connection::Pending {
                accept_url,
                expires_at,
            } => ("pending", accept_url, date_time(expires_at)),
        };
        ConnectView {
            state,
            qr: if accept_url.is_empty() {
                String::new()
            } else {
                qr_svg(&accept_url)
            },
            accept_url,
            expires,
        }
    }
}

/// `text` as a QR code in inline SVG (no XML declaration), or nothing when it does not fit.
fn qr_svg(text: &str) -> String {
    use qrcode::render::svg;
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let drawn = code
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    match drawn.find("<svg") {
        Some(at) => drawn[at..].replacen(
            "<svg ",
            &format!(
                "<svg role=\"img\" aria-label=\"{}\" ",
                crate::i18n::t("connect-qr-label")
            ),
            1,
        ),
        None => String::new(),
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    mono_token: String,
}

async fn render(
    state: &Context,
    status: StatusCode,
    session: &Session,
    user: &CurrentUser,
    token: TokenStatus,
    form: FormState,
    confirming: bool,
) -> Result<HttpResponse, AppError> {
    let connection = if state.mono_mode.provider() {
        Some(ConnectView::of(connect::status(state, user.id).await?))
    } else {
        None
    };
    let provider = token.kind == Some(crate::db::tokens::PROVIDER);
    let title = match (confirming, provider) {
        (true, true) => "token-title-disconnect",
        (true, false) => "token-title-remove",
        (false, true) => "token-title-connection",
        (false, false) if !state.mono_mode.personal() => "token-title-connection",
        (false, false) => "token-title",
    };
    page(
        status,
        &TokenPage {
            layout: Layout::new(session, user, "token", crate::i18n::t(title))?,
            personal_mode: state.mono_mode.personal(),
            provider_mode: state.mono_mode.provider(),
            connected: token.connected,
            provider,
            hint: token.token_hint.unwrap_or_default(),
            created: token.created_at.map(date_time).unwrap_or_default(),
            updated: token.updated_at.map(date_time).unwrap_or_default(),
            verified: token.verified,
            rejected: token.rejected_at.map(date_time),
            connection,
            confirming,
            form,
        },
    )
}

/// `GET /token`.
pub async fn show(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let token = tokens::status(&state, user.id).await?;
    render(
        &state,
        StatusCode::OK,
        &session,
        &user,
        token,
        FormState::default(),
        false,
    )
    .await
}

/// `POST /token/connect`: starts connecting through the Monobank app (provider modes).
pub async fn connect(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    _form: Form<super::Empty>,
) -> Result<HttpResponse, AppError> {
    match connect::start(&state, user.id).await {
        Ok(_) => Ok(done(&session, crate::i18n::t("connect-started"), "/token")),
        Err(e) => match AppError::from(e) {
            e @ (AppError::Unauthorized | AppError::Internal(_)) => Err(e),
            e => {
                super::flash(&session, "error", super::words_of(&e));
                Ok(super::see_other("/token"))
            }
        },
    }
}

/// `POST /token`: attaches the token, or replaces the attached one.
pub async fn save(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    form: Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let current = tokens::status(&state, user.id).await?;
    let attempt = async {
        let body = validated(MonoTokenSerializer {
            mono_token: form.0.mono_token,
        })?;
        let token = MonoToken::parse(&body.mono_token)
            .map_err(|_| AppError::field("mono_token", crate::i18n::t("invalid-token")))?;
        let (stored, message) = if current.connected {
            let stored = tokens::replace(&state, user.id, token).await?;
            (stored, "token-replaced")
        } else {
            let stored = tokens::attach(&state, user.id, token).await?;
            (stored, "token-attached")
        };
        Ok(if stored.verified {
            crate::i18n::t(message)
        } else {
            crate::i18n::t(&format!("{message}-unconfirmed"))
        })
    };
    match attempt.await {
        Ok(message) => Ok(done(&session, message, "/token")),
        Err(error) => {
            // The token is a secret: it is never written back into the page.
            let (again, form) = FormState::again(&[], error)?;
            again.send(render(&state, again.status, &session, &user, current, form, false).await)
        }
    }
}

/// `GET /token/remove`: asks to confirm the removal.
pub async fn confirm_remove(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let token = tokens::status(&state, user.id).await?;
    if !token.connected {
        return Ok(super::see_other("/token"));
    }
    render(
        &state,
        StatusCode::OK,
        &session,
        &user,
        token,
        FormState::default(),
        true,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    /// `yes` from the confirmation page; anything else asks again.
    #[serde(default)]
    confirm: String,
}

/// `POST /token/remove`: removes the token once confirmed.
pub async fn remove(
    state: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    form: Form<RemoveForm>,
) -> Result<HttpResponse, AppError> {
    if form.0.confirm != "yes" {
        return Ok(super::see_other("/token/remove"));
    }
    match tokens::remove(&state, user.id).await {
        Ok(()) | Err(TokenError::NotAdded) => {
            Ok(done(&session, crate::i18n::t("token-removed"), "/token"))
        }
        Err(e) => Err(e.into()),
    }
}
