//! `/settings`: change the password; see the active sessions and end the others; make, list and
//! revoke personal API keys (a new key is shown once, on the page that answers its form, and is
//! never put in the session or a redirect).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::format::{self, age, date_time, money, AmountStyle};
use super::{done, flash_webhook, page, validated, Again, Empty, Form, FormState, Layout};
use crate::auth::api_keys::Scope;
use crate::db::tokens::{CAUSE_PASSWORD, CAUSE_SESSIONS};
use crate::http::current_user::CurrentUser;
use crate::http::error::{AppError, FieldErrors};
use crate::http::serializers::PasswordRequest;
use crate::http::sessions::{stored_values, ADDRESS_KEY, DEVICE_KEY, STAMP_KEY};
use crate::i18n::{t, t1};
use crate::services::accounts;
use crate::services::accounts::Accounts;
use crate::services::{api_keys, webhook_reset, Context};
use monobank::currency::UAH;

pub struct SessionLine {
    pub started: String,
    pub last_seen: String,
    pub current: bool,
    /// The browser or client it was started from ("Firefox on Linux").
    pub device: String,
    /// The address it was started from.
    pub address: String,
    /// Names the session in the form that ends it.
    pub login_id: String,
    /// When a session started with "stay signed in" ends (it is not ended for being idle).
    pub remembered_until: Option<String>,
}

/// One API key as the page lists it.
pub struct KeyLine {
    pub id: i64,
    pub name: String,
    pub scope: &'static str,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
}

/// A key just made, shown this once.
pub struct MadeKey {
    pub name: String,
    pub key: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    form: FormState,
    sessions: Vec<SessionLine>,
    others: usize,
    keys: Vec<KeyLine>,
    key_form: FormState,
    made: Option<MadeKey>,
    /// The amount styles as (value, example, chosen).
    styles: Vec<(&'static str, String, bool)>,
    /// The language choices as (value, label, chosen): `auto`, then each language.
    languages: Vec<(&'static str, String, bool)>,
}

/// What the page shows besides the password form: the key form's state, a key just made.
#[derive(Default)]
struct Extra {
    key_form: FormState,
    made: Option<MadeKey>,
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// A stored client summary ("Firefox on Linux", `auth::device`) in the page's language.
fn device_words(summary: &str) -> String {
    match summary.split_once(" on ") {
        Some((browser, system)) => {
            crate::i18n::t2("device-on", "browser", browser, "system", system)
        }
        None => summary.to_owned(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &Accounts,
    ctx: &Context,
    status: StatusCode,
    session: &Session,
    user: &CurrentUser,
    form: FormState,
    extra: Extra,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let sessions: Vec<SessionLine> = accounts::sessions_of(state, user.id)
        .await?
        .into_iter()
        .map(|s| {
            let [device, address] = stored_values(&s.state, [DEVICE_KEY, ADDRESS_KEY]);
            SessionLine {
                started: date_time(s.created_at),
                last_seen: age(now - s.last_seen_at),
                current: s.login_id.as_deref() == Some(user.login_id.as_str()),
                device: device.map_or_else(|| t("unknown-client"), |d| device_words(&d)),
                address: address.unwrap_or_default(),
                login_id: s.login_id.unwrap_or_default(),
                remembered_until: s.remembered.then(|| date_time(s.expires_at)),
            }
        })
        .collect();
    let others = sessions.iter().filter(|s| !s.current).count();
    let keys = api_keys::list(ctx, user.id)
        .await?
        .into_iter()
        .map(|k| KeyLine {
            id: k.id,
            scope: Scope::from_stored(&k.scope).as_str(),
            name: k.name,
            prefix: k.prefix,
            created: date_time(k.created_at),
            last_used: k
                .last_used_at
                .map_or_else(|| t("never"), |at| age(now - at)),
        })
        .collect();
    page(
        status,
        &SettingsPage {
            layout: Layout::new(session, user, "settings", t("nav-settings"))?,
            form,
            sessions,
            others,
            keys,
            key_form: extra.key_form,
            made: extra.made,
            styles: [AmountStyle::Ukrainian, AmountStyle::English]
                .into_iter()
                .map(|style| {
                    let chosen = style == format::style();
                    let example = match style {
                        AmountStyle::Ukrainian => {
                            t1("style-ukrainian", "example", "1 338 439,09 ₴")
                        }
                        AmountStyle::English => t1("style-english", "example", "₴1,338,439.09"),
                    };
                    (style.as_str(), example, chosen)
                })
                .collect(),
            languages: std::iter::once(("auto", t("language-auto"), user.language.is_none()))
                .chain(crate::i18n::Lang::ALL.into_iter().map(|l| {
                    (
                        l.code(),
                        l.native_name().to_owned(),
                        user.language == Some(l),
                    )
                }))
                .collect(),
        },
    )
}

/// `GET /settings`.
pub async fn show(
    state: web::Data<Accounts>,
    ctx: web::Data<Context>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render(
        &state,
        &ctx,
        StatusCode::OK,
        &session,
        &user,
        FormState::default(),
        Extra::default(),
    )
    .await
}

/// `POST /settings/password`: every other session of the user ends.
pub async fn password(
    state: web::Data<Accounts>,
    ctx: web::Data<Context>,
    settings: web::Data<crate::config::Settings>,
    req: actix_web::HttpRequest,
    session: Session,
    user: CurrentUser,
    form: Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let ip = crate::http::client::client_ip(&req, &settings.trusted_proxies);
    let attempt = async {
        if form.new_password != form.confirm_password {
            return Err(AppError::Validation(FieldErrors::from([(
                "confirm_password".to_owned(),
                vec![t("passwords-differ")],
            )])));
        }
        let body = validated(PasswordRequest {
            current_password: form.current_password,
            new_password: form.new_password,
        })?;
        Ok(accounts::change_password(
            &state,
            ip,
            user.id,
            user.login_id.clone(),
            SecretString::from(body.current_password),
            SecretString::from(body.new_password),
        )
        .await?)
    };
    match attempt.await {
        Ok(stamp) => {
            session
                .insert(STAMP_KEY, stamp)
                .map_err(AppError::internal)?;
            let webhook = webhook_reset::reclaim(&ctx, user.id, CAUSE_PASSWORD).await;
            let answer = done(&session, t("password-changed"), "/settings");
            flash_webhook(&session, &webhook, None);
            Ok(answer)
        }
        Err(error) => {
            let (again, form) = FormState::again(&[], error)?;
            again.send(
                render(
                    &state,
                    &ctx,
                    again.status,
                    &session,
                    &user,
                    form,
                    Extra::default(),
                )
                .await,
            )
        }
    }
}

/// `POST /settings/sessions`: ends every session but this one.
pub async fn end_sessions(
    state: web::Data<Accounts>,
    ctx: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    _form: Form<Empty>,
) -> Result<HttpResponse, AppError> {
    let ended = accounts::end_other_sessions(&state, user.id, user.login_id.clone()).await?;
    // Whatever those sessions pointed the webhook at, it comes back too.
    let webhook = webhook_reset::reclaim(&ctx, user.id, CAUSE_SESSIONS).await;
    let text = match ended {
        0 => t("no-other-sessions"),
        n => t1("other-sessions-ended", "n", n),
    };
    let answer = done(&session, text, "/settings");
    flash_webhook(&session, &webhook, None);
    Ok(answer)
}

/// `POST /settings/sessions/{login_id}/end`: ends one other session.
pub async fn end_session(
    state: web::Data<Accounts>,
    session: Session,
    user: CurrentUser,
    path: web::Path<String>,
    _form: Form<Empty>,
) -> Result<HttpResponse, AppError> {
    let login_id = path.into_inner();
    let well_formed = login_id.len() == 32 && login_id.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(AppError::NotFound);
    }
    if !accounts::end_session(&state, user.id, login_id, user.login_id.clone()).await? {
        return Err(AppError::NotFound);
    }
    Ok(done(&session, t("session-ended"), "/settings"))
}

#[derive(Debug, Deserialize)]
pub struct StyleForm {
    #[serde(default)]
    style: String,
}

/// `POST /settings/amounts`: how the pages write amounts.
pub async fn amount_style(
    state: web::Data<Accounts>,
    session: Session,
    user: CurrentUser,
    form: Form<StyleForm>,
) -> Result<HttpResponse, AppError> {
    let style = AmountStyle::parse(&form.0.style)
        .ok_or_else(|| AppError::field("style", t("choose-style")))?;
    accounts::set_amount_style(&state, user.id, style).await?;
    let example = format::with_style(style, async { money(133_843_909, UAH) }).await;
    Ok(done(
        &session,
        t1("amounts-now", "example", example),
        "/settings",
    ))
}

#[derive(Debug, Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

/// `POST /settings/keys`: makes a key and shows it on the page that answers (200), this once.
pub async fn create_key(
    state: web::Data<Accounts>,
    ctx: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    form: Form<KeyForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let attempt = async {
        let scope = match form.scope.as_str() {
            "read" | "" => Scope::Read,
            "write" => Scope::Write,
            _ => return Err(AppError::field("scope", t("choose-scope"))),
        };
        let body = validated(crate::http::serializers::NewKeyRequest {
            name: form.name.clone(),
            scope,
        })?;
        Ok(api_keys::create(&ctx, user.id, body.name, body.scope).await?)
    };
    let (again, extra) = match attempt.await {
        Ok((row, key)) => (
            Again::ok(),
            Extra {
                made: Some(MadeKey {
                    name: row.name,
                    key,
                }),
                ..Extra::default()
            },
        ),
        Err(error) => {
            let (again, key_form) = FormState::again(
                &[("name", form.name.as_str()), ("scope", form.scope.as_str())],
                error,
            )?;
            (
                again,
                Extra {
                    key_form,
                    made: None,
                },
            )
        }
    };
    again.send(
        render(
            &state,
            &ctx,
            again.status,
            &session,
            &user,
            FormState::default(),
            extra,
        )
        .await,
    )
}

/// `POST /settings/keys/{id}/revoke`: the key stops working at once.
pub async fn revoke_key(
    ctx: web::Data<Context>,
    session: Session,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: Form<Empty>,
) -> Result<HttpResponse, AppError> {
    api_keys::revoke(&ctx, user.id, id.into_inner()).await?;
    Ok(done(&session, t("key-revoked"), "/settings"))
}
