//! `/admin` (admins only): every user, whether a token is attached (never the token), created,
//! last login; enable or disable.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::format::date_time;
use super::{done, flash_webhook, ok, Form, Layout};
use crate::db::tokens::CAUSE_DISABLED;
use crate::db::users::{self, UserId};
use crate::db::DbPool;
use crate::db::{self};
use crate::http::current_user::AdminUser;
use crate::http::error::AppError;
use crate::services::users as user_service;
use crate::services::webhook_reset::{self, Outcome};

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub is_active: bool,
    pub has_token: bool,
    pub created: String,
    pub last_login: String,
    pub is_me: bool,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    users: Vec<UserLine>,
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: bool,
}

/// `GET /admin`.
pub async fn show(
    pool: web::Data<DbPool>,
    session: Session,
    AdminUser(admin): AdminUser,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&pool, |conn| Ok(users::overview(conn)?)).await?;
    let lines = rows
        .into_iter()
        .map(|(user, has_token)| UserLine {
            id: user.id,
            is_me: user.id == admin.id.0,
            username: user.username,
            is_admin: user.is_admin,
            is_active: user.is_active,
            has_token,
            created: date_time(user.created_at),
            last_login: user.last_login_at.map(date_time).unwrap_or_default(),
        })
        .collect();
    ok(&AdminPage {
        layout: Layout::new(&session, &admin, "admin", crate::i18n::t("nav-admin"))?,
        users: lines,
    })
}

/// `POST /admin/users/{id}/active`: enables or disables a user (not oneself).
pub async fn set_active(
    pool: web::Data<DbPool>,
    ctx: web::Data<crate::services::Context>,
    hot: web::Data<crate::cache::Hot>,
    session: Session,
    AdminUser(admin): AdminUser,
    id: web::Path<i64>,
    form: Form<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    let id = UserId(id.into_inner());
    let active = form.0.active;
    if id == admin.id && !active {
        return Err(AppError::Forbidden(crate::i18n::t("admin-not-yourself")));
    }
    let name = db::run_with(&pool, move |conn| {
        let user = users::find_by_id(conn, id)?.ok_or(AppError::NotFound)?;
        user_service::set_user_active(conn, &user, active)?;
        Ok::<_, AppError>(user.username)
    })
    .await?;
    // The stamp changed: the user's sessions here end at their next request.
    hot.forget_user(id, None);
    let webhook = if active {
        Outcome::Untouched
    } else {
        webhook_reset::reclaim(&ctx, id, CAUSE_DISABLED).await
    };
    let text = if active {
        "admin-enabled"
    } else {
        "admin-disabled"
    };
    let answer = done(
        &session,
        crate::i18n::t1(text, "name", name.as_str()),
        "/admin",
    );
    flash_webhook(&session, &webhook, Some(&name));
    Ok(answer)
}
