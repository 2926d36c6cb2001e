//! Personal API keys: made, listed and revoked by their owner (see `auth::api_keys`).

use crate::auth::api_keys::{self, Scope};
use crate::db::api_keys::{self as rows, ApiKeyRow, NewKey};
use crate::db::users::UserId;
use crate::db::StoreError;
use crate::db::{self};
use crate::services::Context;

/// What making or revoking a key can fail with.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The user holds [`MAX_KEYS`] keys already.
    #[error("the user holds {MAX_KEYS} keys already")]
    TooMany,
    /// No key of that id is the user's.
    #[error("no such key")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Keys one user may hold at once.
pub const MAX_KEYS: i64 = 20;

/// Makes a key for `user`; returns its row and the key, which is never shown again.
pub async fn create(
    ctx: &Context,
    user: UserId,
    name: String,
    scope: Scope,
) -> Result<(ApiKeyRow, String), KeyError> {
    let made = api_keys::make();
    let now = ctx.clock.now();
    let hash = made.hash.clone();
    let prefix = made.prefix.clone();
    let row = db::run_with(&ctx.pool, move |conn| {
        db::write_transaction_with(conn, |conn| {
            if rows::count(conn, user).map_err(StoreError::from)? >= MAX_KEYS {
                return Err(KeyError::TooMany);
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
            )
            .map_err(StoreError::from)?)
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
pub async fn list(ctx: &Context, user: UserId) -> Result<Vec<ApiKeyRow>, StoreError> {
    db::run(&ctx.pool, move |conn| Ok(rows::list(conn, user)?)).await
}

/// Revokes the user's key `id` at once (on every instance within a second); 404 for a key that
/// is not theirs.
pub async fn revoke(ctx: &Context, user: UserId, id: i64) -> Result<(), KeyError> {
    let row = db::run(&ctx.pool, move |conn| Ok(rows::delete(conn, user, id)?)).await?;
    let row = row.ok_or(KeyError::NotFound)?;
    ctx.hot.api_keys.evict(&row.key_hash);
    tracing::info!(user_id = user.0, key_id = id, "API key revoked");
    Ok(())
}
