//! `/login`, `/register`, `/logout`.

use actix_identity::Identity;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::{done, page, safe_next, see_other, validated, Empty, Form, FormState, Layout};
use crate::config::Registration;
use crate::config::Settings;
use crate::http::client::client_ip;
use crate::http::error::AppError;
use crate::http::serializers::{LoginRequest, RegisterRequest};
use crate::http::sessions::start_session;
use crate::i18n::{t, t1};
use crate::services::accounts;
use crate::services::accounts::Accounts;
use crate::services::Context;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    /// How long "stay signed in" keeps a session, in days; 0 when it is not offered.
    remember_days: u32,
    form: FormState,
    next: String,
    logged_out: bool,
    registration_open: bool,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    layout: Layout,
    form: FormState,
    registration_open: bool,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    #[serde(default)]
    bye: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    /// "Stay signed in on this device": present when ticked.
    remember: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn open(settings: &Settings) -> bool {
    settings.registration == Registration::Open
}

/// `GET /login`; a logged-in user goes on to `next`.
pub async fn login_page(
    settings: web::Data<Settings>,
    ctx: web::Data<Context>,
    req: HttpRequest,
    identity: Option<Identity>,
    query: Option<web::Query<LoginQuery>>,
) -> Result<HttpResponse, AppError> {
    let query = query.map(web::Query::into_inner);
    let next = safe_next(query.as_ref().and_then(|q| q.next.as_deref()));
    if identity.is_some() {
        return Ok(see_other(&next));
    }
    page(
        StatusCode::OK,
        &LoginPage {
            layout: Layout::guest(&req, &ctx.secret, "login", t("log-in"))?,
            remember_days: settings.session_remember_days,
            form: FormState::default(),
            next,
            logged_out: query.is_some_and(|q| q.bye.is_some()),
            registration_open: open(&settings),
        },
    )
}

/// `POST /login`: a new session and 303 to `next`, or the form again with one generic message.
pub async fn login(
    accounts: web::Data<Accounts>,
    settings: web::Data<Settings>,
    ctx: web::Data<Context>,
    req: HttpRequest,
    session: Session,
    form: Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let next = safe_next(form.next.as_deref());
    let remember = form.remember.is_some() && settings.session_remember_days > 0;
    let ip = client_ip(&req, &settings.trusted_proxies);
    let attempt = async {
        let body = validated(LoginRequest {
            username: form.username.clone(),
            password: form.password,
        })?;
        Ok(accounts::login(
            &accounts,
            ip,
            &body.username,
            SecretString::from(body.password),
        )
        .await?)
    };
    match attempt.await {
        Ok(user) => {
            start_session(&req, &session, &user, ip, remember)?;
            Ok(done(
                &session,
                t1("welcome-back", "name", user.username.as_str()),
                &next,
            ))
        }
        Err(error) => {
            let kept = [
                ("username", form.username.as_str()),
                ("remember", if remember { "1" } else { "" }),
            ];
            let (again, form) = FormState::again(&kept, error)?;
            again.send(page(
                again.status,
                &LoginPage {
                    layout: Layout::guest(&req, &ctx.secret, "login", t("log-in"))?,
                    remember_days: settings.session_remember_days,
                    form,
                    next,
                    logged_out: false,
                    registration_open: open(&settings),
                },
            ))
        }
    }
}

/// `GET /register`.
pub async fn register_page(
    settings: web::Data<Settings>,
    ctx: web::Data<Context>,
    req: HttpRequest,
    identity: Option<Identity>,
) -> Result<HttpResponse, AppError> {
    if identity.is_some() {
        return Ok(see_other("/"));
    }
    page(
        if open(&settings) {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        },
        &RegisterPage {
            layout: Layout::guest(&req, &ctx.secret, "register", t("register"))?,
            form: FormState::default(),
            registration_open: open(&settings),
        },
    )
}

/// `POST /register`: creates the account, logs it in and goes on to the token page.
pub async fn register(
    accounts: web::Data<Accounts>,
    settings: web::Data<Settings>,
    ctx: web::Data<Context>,
    req: HttpRequest,
    session: Session,
    form: Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let ip = client_ip(&req, &settings.trusted_proxies);
    let attempt = async {
        let (username, password) = validated(RegisterRequest {
            username: form.username.clone(),
            password: form.password,
        })?
        .parse()?;
        Ok(accounts::register(&accounts, ip, username, password).await?)
    };
    match attempt.await {
        Ok(user) => {
            start_session(&req, &session, &user, ip, false)?;
            accounts::note_login(&accounts, user.id()).await?;
            Ok(done(
                &session,
                t1("welcome-new", "name", user.username.as_str()),
                "/token",
            ))
        }
        Err(error) => {
            let (again, form) = FormState::again(&[("username", &form.username)], error)?;
            again.send(page(
                again.status,
                &RegisterPage {
                    layout: Layout::guest(&req, &ctx.secret, "register", t("register"))?,
                    form,
                    registration_open: open(&settings),
                },
            ))
        }
    }
}

/// `POST /logout`: the session is deleted on the server; 303 to the login page.
pub async fn logout(
    session: Session,
    identity: Option<Identity>,
    _form: Form<Empty>,
) -> HttpResponse {
    match identity {
        Some(identity) => identity.logout(),
        None => session.purge(),
    }
    tracing::info!("logged out");
    see_other("/login?bye=1")
}
