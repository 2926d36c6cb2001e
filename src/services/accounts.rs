//! Accounts: registration, login (with throttling), password change. Shared by the JSON API and
//! the pages; the views only translate requests and responses.

use std::net::IpAddr;

use secrecy::SecretString;

use super::users::{self, UserError};
use crate::auth::password::Hasher;
use crate::auth::password::{self, NewPassword, PasswordHash};
use crate::auth::throttle::{client_key, lock_secs, slow_secs, Throttle, TRUST_SECS};
use crate::config::Registration;
use crate::db::users::{self as user_rows, User, UserId};
use crate::db::StoreError;
use crate::db::{self, sessions};
use crate::domain::Username;
use monobank::clock::SharedClock;

/// The handles the account services use, built once by the composition root.
pub struct Accounts {
    pub pool: crate::db::DbPool,
    pub clock: SharedClock,
    pub hasher: Hasher,
    pub throttle: Throttle,
    /// Whether anyone may register.
    pub registration: Registration,
    /// The session idle timeout (s), to list live sessions.
    pub session_idle_secs: u64,
    /// The hot path's rows in memory (forgotten here when a password or sessions change).
    pub hot: std::sync::Arc<crate::cache::Hot>,
}

/// Why an account step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Registration is closed on this instance.
    #[error("registration is closed")]
    RegistrationClosed,
    /// Another user has this name.
    #[error("the name is taken")]
    NameTaken,
    /// Wrong name or password, or a disabled user: one answer for all, so names cannot be
    /// probed.
    #[error("wrong username or password")]
    LoginFailed,
    /// Too many attempts from this address or for this name; try again in `retry_after` s.
    #[error("too many attempts; retry in {retry_after} s")]
    Throttled { retry_after: u64 },
    /// The user no longer exists.
    #[error("the user is gone")]
    UserGone,
    /// The new password breaks the policy; the text says which rule.
    #[error("the new password is refused: {0}")]
    WeakPassword(String),
    /// The current password given for a change is wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    /// The database or the password hasher failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The password hashing threads failed.
    #[error(transparent)]
    Hashing(#[from] crate::auth::password::HashFailed),
}

/// Creates an account through the open registration; the first account becomes admin.
#[tracing::instrument(skip(ctx, password), fields(username = %username))]
pub async fn register(
    ctx: &Accounts,
    ip: Option<IpAddr>,
    username: Username,
    password: NewPassword,
) -> Result<User, AccountError> {
    if ctx.registration == Registration::Closed {
        return Err(AccountError::RegistrationClosed);
    }
    check_ip(ctx, ip)?;
    let hash = ctx.hasher.hash(password).await?;
    let now = ctx.clock.now();
    let created = db::run(&ctx.pool, move |conn| {
        Ok(users::create(conn, now, &username, &hash, false))
    })
    .await?
    .map_err(|e| match e {
        UserError::NameTaken(_) => AccountError::NameTaken,
        UserError::NotFound => AccountError::UserGone,
        UserError::Store(e) => AccountError::Store(e),
    })?;
    tracing::info!(
        user_id = created.user.id,
        admin = created.user.is_admin,
        "registered"
    );
    Ok(created.user)
}

/// Records that a user just registered on the page is logged in (the registration page logs
/// the new user in; the JSON registration does not), so the admin page shows when.
pub async fn note_login(ctx: &Accounts, user: UserId) -> Result<(), AccountError> {
    let now = ctx.clock.now();
    db::run(&ctx.pool, move |conn| {
        Ok(user_rows::record_login(conn, user, now, None)?)
    })
    .await?;
    ctx.hot.users.evict(&user);
    Ok(())
}

fn check_ip(ctx: &Accounts, ip: Option<IpAddr>) -> Result<(), AccountError> {
    if let Some(ip) = ip {
        ctx.throttle.check_ip(ip).map_err(|retry_after| {
            tracing::warn!(%ip, "login/registration burst limit reached");
            AccountError::Throttled { retry_after }
        })?;
    }
    Ok(())
}

/// Checks credentials under the throttles: per IP, then the lock of this address out of the
/// account (or the name), and the account's slowing down, then the password. Every failure looks
/// the same to the client; a lock is a 429 with `Retry-After`, even for the right password. The
/// typed name is never logged (it may hold a password typed in the wrong field, or a newline that
/// forges a log line): a known user is logged by id.
#[tracing::instrument(skip(ctx, raw_username, password), fields(user_id))]
pub async fn login(
    ctx: &Accounts,
    ip: Option<IpAddr>,
    raw_username: &str,
    password: SecretString,
) -> Result<User, AccountError> {
    check_ip(ctx, ip)?;
    let now = ctx.clock.now();
    let user = match Username::parse(raw_username) {
        Ok(name) => {
            db::run(&ctx.pool, move |conn| {
                Ok(user_rows::find_by_username(conn, &name)?)
            })
            .await?
        }
        Err(_) => None,
    };
    let client = client_key(ip);
    let Some(user) = user else {
        if let Err(retry_after) = ctx.throttle.claim_unknown(raw_username, &client, now) {
            tracing::warn!("login refused: too many failures");
            return Err(AccountError::Throttled { retry_after });
        }
        ctx.hasher.verify(None, password).await?;
        tracing::warn!("login failed: no such user");
        return Err(AccountError::LoginFailed);
    };
    tracing::Span::current().record("user_id", user.id);
    let id = user.id();
    // The attempt is counted as a failure before the password is checked (and forgiven below
    // when it is right): attempts sent at the same moment are each counted, in turn, so no more
    // pass than the rules allow.
    let _turn = ctx.throttle.turn(user.id).await;
    let (failures, from_client) = claim(ctx, &user, &client, now, "login").await?;
    let stored = PasswordHash(user.password_hash.clone());
    if !ctx
        .hasher
        .verify(Some(stored.clone()), password.clone())
        .await?
    {
        log_failure(&user, failures, from_client, "login failed");
        return Err(AccountError::LoginFailed);
    }
    if !user.is_active {
        tracing::warn!(user_id = user.id, "login refused: user disabled");
        return Err(AccountError::LoginFailed);
    }
    let rehash = if password::needs_rehash(&stored) {
        rehash(ctx, &user, password).await
    } else {
        None
    };
    db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            user_rows::record_login(conn, id, now, rehash.as_ref().map(|h| h.0.as_str()))?;
            let trusted = user_rows::ClientLogins {
                failures: 0,
                locked_until: None,
                trusted_until: Some(now + TRUST_SECS),
            };
            user_rows::save_client_logins(conn, id, &client, trusted, now)?;
            Ok(())
        })
    })
    .await?;
    tracing::info!(user_id = user.id, "logged in");
    Ok(user)
}

/// Counts an attempt at `user`'s password from `client` (a login, or the current password of a
/// change) as a failure before it is checked; `Throttled` when `client` is locked out or the
/// account is slowed down. The caller holds the account's turn.
async fn claim(
    ctx: &Accounts,
    user: &User,
    client: &str,
    now: i64,
    what: &'static str,
) -> Result<(i32, user_rows::ClientLogins), AccountError> {
    let id = user.id();
    let client = client.to_owned();
    let claimed = db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| claim_attempt(conn, id, &client, now))
    })
    .await?;
    claimed.map_err(|until| {
        tracing::warn!(
            user_id = user.id,
            attempt = what,
            "password attempt refused: too many failures from this address or in all"
        );
        AccountError::Throttled {
            retry_after: u64::try_from(until - now).unwrap_or(1),
        }
    })
}

fn log_failure(user: &User, failures: i32, from_client: user_rows::ClientLogins, what: &str) {
    tracing::warn!(
        user_id = user.id,
        failures,
        from_this_address = from_client.failures,
        locked = from_client.locked_until.is_some(),
        slowed = slow_secs(failures).is_some(),
        "{what}"
    );
}

/// Counts an attempt at account `id` from `client` as a failure, unless `client` is locked out or
/// the account is slowed down (an address the right password came from lately is spared the
/// slowing down): then `Err(until)`. Returns the account's failures and the address's record.
fn claim_attempt(
    conn: &mut db::DbConnection,
    id: UserId,
    client: &str,
    now: i64,
) -> Result<Result<(i32, user_rows::ClientLogins), i64>, StoreError> {
    let Some(user) = user_rows::find_by_id(conn, id)? else {
        return Err(StoreError::NotFound);
    };
    let mut logins = user_rows::client_logins(conn, id, client)?;
    let trusted = logins.trusted_until.is_some_and(|t| t > now);
    let lane = if logins.failures == 0 {
        user_rows::Lane::Fresh
    } else {
        user_rows::Lane::Failed
    };
    let slowed = user.slowed_until(lane).filter(|_| !trusted);
    if let Some(until) = [logins.locked_until, slowed]
        .into_iter()
        .flatten()
        .filter(|until| *until > now)
        .max()
    {
        return Ok(Err(until));
    }
    let failures = user.failed_logins.saturating_add(1);
    user_rows::record_failure(
        conn,
        id,
        failures,
        lane,
        slow_secs(failures).map(|s| now + s),
    )?;
    logins.failures = logins.failures.saturating_add(1);
    if let Some(secs) = lock_secs(logins.failures) {
        logins.locked_until = Some(now + secs);
    }
    user_rows::save_client_logins(conn, id, client, logins, now)?;
    Ok(Ok((failures, logins)))
}

/// A hash under the current parameters for a password that just verified against a weaker one.
async fn rehash(ctx: &Accounts, user: &User, password: SecretString) -> Option<PasswordHash> {
    let name = Username::parse(&user.username).ok()?;
    // A password that predates today's policy is still re-hashed: the policy is for new ones.
    let new = NewPassword::parse(password.clone(), &name)
        .ok()
        .or_else(|| NewPassword::unchecked(password))?;
    let hash = ctx.hasher.hash(new).await.ok()?;
    tracing::info!(
        user_id = user.id,
        "password re-hashed with the current parameters"
    );
    Some(hash)
}

/// Changes the password after checking the current one; ends every other session of the user.
/// Returns the new security stamp, which the caller keeps in its own session. The current
/// password is guessed under the login's throttles (a session thief could otherwise try it
/// freely): each try counts as a failed login from `ip` until it is right.
#[tracing::instrument(skip(ctx, current, new_password))]
pub async fn change_password(
    ctx: &Accounts,
    ip: Option<IpAddr>,
    user_id: UserId,
    keep_login_id: String,
    current: SecretString,
    new_password: SecretString,
) -> Result<String, AccountError> {
    check_ip(ctx, ip)?;
    let user = db::run(&ctx.pool, move |conn| {
        Ok(user_rows::find_by_id(conn, user_id)?)
    })
    .await?
    .ok_or(AccountError::UserGone)?;
    let name = Username::parse(&user.username).map_err(StoreError::internal)?;
    let new = NewPassword::parse(new_password, &name)
        .map_err(|e| AccountError::WeakPassword(capitalize(&e.0)))?;
    let now = ctx.clock.now();
    let client = client_key(ip);
    let _turn = ctx.throttle.turn(user.id).await;
    let (failures, from_client) = claim(ctx, &user, &client, now, "password change").await?;
    let stored = PasswordHash(user.password_hash.clone());
    if !ctx.hasher.verify(Some(stored), current).await? {
        log_failure(
            &user,
            failures,
            from_client,
            "password change refused: wrong current password",
        );
        return Err(AccountError::WrongPassword);
    }
    let hash = ctx.hasher.hash(new).await?;
    let stamp = users::new_security_stamp();
    let new_stamp = stamp.clone();
    let keep = keep_login_id.clone();
    let ended = db::run(&ctx.pool, move |conn| {
        user_rows::forgive_failures(conn, user_id)?;
        let right = user_rows::ClientLogins {
            failures: 0,
            locked_until: None,
            trusted_until: Some(now + TRUST_SECS),
        };
        user_rows::save_client_logins(conn, user_id, &client, right, now)?;
        user_rows::set_password(conn, user_id, &hash.0, &stamp)?;
        // API keys end with the sessions: whoever held the old password may have made some.
        crate::db::api_keys::delete_for_user(conn, user_id)?;
        Ok(sessions::delete_for_user(
            conn,
            user_id,
            Some(&keep_login_id),
        )?)
    })
    .await?;
    ctx.hot.forget_user(user_id, Some(&keep));
    tracing::info!(
        user_id = user.id,
        other_sessions_ended = ended,
        "password changed"
    );
    Ok(new_stamp)
}

/// The user's live sessions, most recently seen first.
pub async fn sessions_of(
    ctx: &Accounts,
    user: UserId,
) -> Result<Vec<sessions::SessionRow>, AccountError> {
    let now = ctx.clock.now();
    let idle = i64::try_from(ctx.session_idle_secs).unwrap_or(i64::MAX);
    let rows = db::run(&ctx.pool, move |conn| {
        Ok(sessions::list_for_user(conn, user, now)?)
    })
    .await?;
    Ok(rows
        .into_iter()
        // A remembered session is live however long it has been idle: it must be listed, so
        // it can be ended from another device.
        .filter(|s| s.remembered || s.last_seen_at >= now.saturating_sub(idle))
        .collect())
}

/// Ends every session of the user but the one with `keep_login_id`; returns how many ended.
#[tracing::instrument(skip(ctx, keep_login_id))]
pub async fn end_other_sessions(
    ctx: &Accounts,
    user: UserId,
    keep_login_id: String,
) -> Result<usize, AccountError> {
    let keep = keep_login_id.clone();
    let ended = db::run(&ctx.pool, move |conn| {
        Ok(sessions::delete_for_user(conn, user, Some(&keep_login_id))?)
    })
    .await?;
    ctx.hot.sessions.forget_user(user, Some(&keep));
    tracing::info!(ended, "other sessions ended");
    Ok(ended)
}

/// Ends one other session of the user (by its login id); whether there was one. The caller's
/// own session (`current_login_id`) is not ended here: that is logging out.
#[tracing::instrument(skip(ctx, login_id, current_login_id))]
pub async fn end_session(
    ctx: &Accounts,
    user: UserId,
    login_id: String,
    current_login_id: String,
) -> Result<bool, AccountError> {
    if login_id == current_login_id {
        return Ok(false);
    }
    let ended = db::run(&ctx.pool, move |conn| {
        Ok(sessions::delete_login(conn, user, &login_id)?)
    })
    .await?;
    // Cached sessions of the user but this one are checked again against the rows.
    ctx.hot.sessions.forget_user(user, Some(&current_login_id));
    tracing::info!(ended, "a session ended by its owner");
    Ok(ended > 0)
}

/// Sets the language of the user's pages; `None` follows the browser.
pub async fn set_language(
    ctx: &Accounts,
    user: UserId,
    language: Option<crate::i18n::Lang>,
) -> Result<(), AccountError> {
    db::run(&ctx.pool, move |conn| {
        Ok(crate::db::users::set_language(
            conn,
            user,
            language.map(crate::i18n::Lang::code),
        )?)
    })
    .await?;
    ctx.hot.users.evict(&user);
    Ok(())
}

/// Sets how the pages write amounts for the user (`uk` or `en`).
pub async fn set_amount_style(
    ctx: &Accounts,
    user: UserId,
    style: crate::domain::amount_style::AmountStyle,
) -> Result<(), AccountError> {
    db::run(&ctx.pool, move |conn| {
        Ok(crate::db::users::set_amount_style(
            conn,
            user,
            style.as_str(),
        )?)
    })
    .await?;
    ctx.hot.users.evict(&user);
    Ok(())
}

/// "password must…" → "Password must…", as a message shown under a field.
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}
