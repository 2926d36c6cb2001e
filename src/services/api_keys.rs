//! Personal API keys: made, listed and revoked by their owner (see `auth::api_keys`).

use crate::auth::api_keys::{self, Scope};
use crate::db::api_keys::{self as rows, ApiKeyRow, NewKey};
use crate::db::users::UserId;
use crate::db::{self};
use crate::error::AppError;
use crate::services::Context;

/// Keys one user may hold at once.
pub const MAX_KEYS: i64 = 20;

/// Makes a key for `user`; returns its row and the key, which is never shown again.
pub async fn create(
    ctx: &Context,
    user: UserId,
    name: String,
    scope: Scope,
) -> Result<(ApiKeyRow, String), AppError> {
    let made = api_keys::make();
    let now = ctx.clock.now();
    let hash = made.hash.clone();
    let prefix = made.prefix.clone();
    let row = db::run(&ctx.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if rows::count(conn, user)? >= MAX_KEYS {
                return Err(AppError::Conflict(format!(
                    "You have {MAX_KEYS} API keys already; revoke one first."
                )));
            }
            Ok(rows::insert(
                conn,
                &NewKey {
                    user,
                    name: &name,
                    prefix: &prefix,
                    key_hash: &hash,
                    scope: scope.as_str(),
                    now,
                },
            )?)
        })
    })
    .await?;
    ctx.hot.api_keys.evict(&made.hash);
    tracing::info!(
        user_id = user.0,
        key_id = row.id,
        scope = scope.as_str(),
        "API key created"
    );
    Ok((row, made.key))
}

/// The user's keys, oldest first.
pub async fn list(ctx: &Context, user: UserId) -> Result<Vec<ApiKeyRow>, AppError> {
    db::run(&ctx.pool, move |conn| Ok(rows::list(conn, user)?)).await
}

/// Revokes the user's key `id` at once (on every instance within a second); 404 for a key that
/// is not theirs.
pub async fn revoke(ctx: &Context, user: UserId, id: i64) -> Result<(), AppError> {
    let row = db::run(&ctx.pool, move |conn| Ok(rows::delete(conn, user, id)?)).await?;
    let row = row.ok_or_else(|| AppError::Missing("No such API key.".into()))?;
    ctx.hot.api_keys.evict(&row.key_hash);
    tracing::info!(user_id = user.0, key_id = id, "API key revoked");
    Ok(())
}
