//! `POST /language`: the language of the pages, from the menu at the foot of every page and the
//! section on `/settings`.
//!
//! A visitor's choice is kept in a cookie for a year; a logged-in user's is also stored with
//! the account, so it follows them to every device, and `auto` gives the choice back to the
//! browser's `Accept-Language`.

use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{browser_lang, done, safe_next, Form, LANG_COOKIE};
use crate::http::current_user::CurrentUser;
use crate::http::error::AppError;
use crate::i18n::{self, Lang};
use crate::services::accounts::{self, Accounts};

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    language: String,
    next: Option<String>,
}

/// The posted choice: a language, or `auto` (follow the browser).
fn choice(raw: &str) -> Result<Option<Lang>, AppError> {
    match raw {
        "auto" => Ok(None),
        code => Lang::from_code(code)
            .map(Some)
            .ok_or_else(|| AppError::field("language", i18n::t("language-unknown"))),
    }
}

/// `POST /language`: stores the choice and goes back to `next`, saying so in the new language.
pub async fn set(
    accounts: web::Data<Accounts>,
    req: HttpRequest,
    session: actix_session::Session,
    user: Option<CurrentUser>,
    form: Form<LanguageForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let chosen = choice(&form.language)?;
    if let Some(user) = &user {
        accounts::set_language(&accounts, user.id, chosen).await?;
    }
    // Back to the page the menu was on: the form's `next`, else the page that posted it (the
    // referrer policy sends same-origin referrers; the origin check has already held).
    let referer = req
        .headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        });
    let next = safe_next(form.next.as_deref().or(referer.as_deref()));
    let https = crate::http::is_https(&req);
    let mut cookie = Cookie::build(LANG_COOKIE, chosen.map_or("", Lang::code))
        .path("/")
        .http_only(true)
        .secure(https)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .finish();
    if chosen.is_none() {
        cookie.make_removal();
    }
    // The message is written in the language the next page speaks.
    let lang = chosen.or_else(|| browser_lang(&req)).unwrap_or_default();
    let text = i18n::with_lang(lang, async { i18n::t("language-saved") }).await;
    let mut res = if user.is_some() {
        done(&session, text, &next)
    } else {
        super::see_other(&next)
    };
    res.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(res)
}
