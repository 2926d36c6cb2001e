//! `snapshots`: the last good answer from Monobank per (user, kind), as JSON.

use diesel::prelude::*;
use monobank::types::UserInfo;

use super::schema::snapshots;
use super::users::UserId;
use super::DbConnection;

/// A stored answer and when it was fetched (Unix s).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = snapshots)]
pub struct Snapshot {
    pub json: String,
    pub fetched_at: i64,
}

/// The snapshot kind of client-info.
pub const CLIENT_INFO: &str = "client-info";

/// The stored client-info and when it was fetched; an unreadable one is logged and ignored.
/// A receiver secret kept by an older version is redacted on the way out.
pub fn client_info(conn: &mut DbConnection, user: UserId) -> QueryResult<Option<(UserInfo, i64)>> {
    Ok(get(conn, user, CLIENT_INFO)?.and_then(|s| {
        parse::<UserInfo>(&s.json).map(|mut info| {
            info.web_hook_url =
                crate::domain::redact_receiver_secret(&info.web_hook_url).into_owned();
            (info, s.fetched_at)
        })
    }))
}

/// A snapshot's data; an unreadable one is logged and ignored.
pub fn parse<T: for<'de> serde::Deserialize<'de>>(json: &str) -> Option<T> {
    match serde_json::from_str(json) {
        Ok(data) => Some(data),
        Err(e) => {
            tracing::warn!(error = %e, "an unreadable snapshot is ignored");
            None
        }
    }
}

pub fn get(conn: &mut DbConnection, user: UserId, kind: &str) -> QueryResult<Option<Snapshot>> {
    snapshots::table
        .find((user.0, kind))
        .select(Snapshot::as_select())
        .first(conn)
        .optional()
}

/// Stores (or replaces) the snapshot of `kind` for `user`.
pub fn put(
    conn: &mut DbConnection,
    user: UserId,
    kind: &str,
    json: &str,
    fetched_at: i64,
) -> QueryResult<usize> {
    let upsert = diesel::insert_into(snapshots::table)
        .values((
            snapshots::user_id.eq(user.0),
            snapshots::kind.eq(kind),
            snapshots::json.eq(json),
            snapshots::fetched_at.eq(fetched_at),
        ))
        .on_conflict((snapshots::user_id, snapshots::kind))
        .do_update()
        .set((
            snapshots::json.eq(json),
            snapshots::fetched_at.eq(fetched_at),
        ));
    crate::per_backend!(conn, |c| upsert.execute(c))
}

/// Forgets every snapshot of a user (their token changed or went away).
pub fn delete_for_user(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(snapshots::table.filter(snapshots::user_id.eq(user.0))).execute(conn)
}
