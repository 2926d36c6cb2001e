//! The `users` table: model and queries. Lookups by name go through `lower(username)`, which the
//! unique expression index `users_username_lower` serves on both backends.

use diesel::prelude::*;

use super::schema::{login_failures, users};
use super::DbConnection;
pub use crate::domain::UserId;
use crate::domain::Username;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A row of `users`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_active: bool,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub failed_logins: i32,
    pub locked_until: Option<i64>,
    pub security_stamp: String,
    /// How the pages write amounts: `uk` or `en` (see `web::format::AmountStyle`).
    pub amount_style: String,
    /// The slowing down of attempts from addresses that never failed at this account (see
    /// [`Lane`]); `locked_until` is the other lane's.
    pub fresh_locked_until: Option<i64>,
    /// The language of the user's pages (`uk`, `en`), or `None` to follow the browser.
    pub language: Option<String>,
}

impl User {
    pub fn id(&self) -> UserId {
        UserId(self.id)
    }
}

/// What a new row needs.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub is_active: bool,
    pub created_at: i64,
    pub security_stamp: &'a str,
}

/// Inserts a user and reads the row back. (`RETURNING` is not available through the
/// multi-backend connection, so this is an insert and a select; callers run it in a transaction.)
pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .execute(conn)?;
    users::table
        .filter(lower(users::username).eq(new.username.to_ascii_lowercase()))
        .select(User::as_select())
        .first(conn)
}

pub fn find_by_username(conn: &mut DbConnection, name: &Username) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::username).eq(name.key()))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Every user, by name.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table
        .order(lower(users::username))
        .select(User::as_select())
        .load(conn)
}

/// Every user by name, with whether a Monobank token is attached (never the token).
pub fn overview(conn: &mut DbConnection) -> QueryResult<Vec<(User, bool)>> {
    use super::schema::mono_tokens;
    let rows: Vec<(User, Option<i64>)> = users::table
        .left_join(mono_tokens::table)
        .order(lower(users::username))
        .select((User::as_select(), mono_tokens::user_id.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, token)| (user, token.is_some()))
        .collect())
}

/// Stores a new hash and a new security stamp (ending the user's other sessions), and clears
/// any login lock.
pub fn set_password(
    conn: &mut DbConnection,
    id: UserId,
    hash: &str,
    stamp: &str,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0))
        .set((
            users::password_hash.eq(hash),
            users::security_stamp.eq(stamp),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<i64>),
        ))
        .execute(conn)
}

/// Sets how the pages write amounts for the user.
pub fn set_amount_style(conn: &mut DbConnection, id: UserId, style: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0))
        .set(users::amount_style.eq(style))
        .execute(conn)
}

/// Sets the language of the user's pages (`None`: follow the browser).
pub fn set_language(
    conn: &mut DbConnection,
    id: UserId,
    language: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0))
        .set(users::language.eq(language))
        .execute(conn)
}

/// Enables or disables a user; a new security stamp ends their sessions.
pub fn set_active(
    conn: &mut DbConnection,
    id: UserId,
    active: bool,
    stamp: &str,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0))
        .set((users::is_active.eq(active), users::security_stamp.eq(stamp)))
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: UserId) -> QueryResult<usize> {
    diesel::delete(users::table.find(id.0)).execute(conn)
}

pub fn find_by_id(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id.0)
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// The two lanes of an account's slowing down: attempts from addresses that already failed at
/// the account, and from addresses that never did. A guesser's few addresses soon all have
/// failures, so they slow each other down and not the owner on a new address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Failed,
    Fresh,
}

impl User {
    /// Until when `lane` takes no attempt.
    pub fn slowed_until(&self, lane: Lane) -> Option<i64> {
        match lane {
            Lane::Failed => self.locked_until,
            Lane::Fresh => self.fresh_locked_until,
        }
    }
}

/// Records a failed login: one more consecutive failure of the account (every address together),
/// and the time before which `lane` takes no next attempt (`None` leaves the lane as it is).
pub fn record_failure(
    conn: &mut DbConnection,
    id: UserId,
    failures: i32,
    lane: Lane,
    slowed_until: Option<i64>,
) -> QueryResult<usize> {
    let target = users::table.find(id.0);
    let count = users::failed_logins.eq(failures);
    match (lane, slowed_until) {
        (_, None) => diesel::update(target).set(count).execute(conn),
        (Lane::Failed, until) => diesel::update(target)
            .set((count, users::locked_until.eq(until)))
            .execute(conn),
        (Lane::Fresh, until) => diesel::update(target)
            .set((count, users::fresh_locked_until.eq(until)))
            .execute(conn),
    }
}

/// Logins into account `id` from one client address: consecutive failures, the lock they earned,
/// and until when the address is trusted (the right password came from it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Queryable)]
pub struct ClientLogins {
    pub failures: i32,
    pub locked_until: Option<i64>,
    pub trusted_until: Option<i64>,
}

/// What is recorded for (`id`, `client`); nothing when the address has not tried lately.
pub fn client_logins(
    conn: &mut DbConnection,
    id: UserId,
    client: &str,
) -> QueryResult<ClientLogins> {
    Ok(login_failures::table
        .find((id.0, client))
        .select((
            login_failures::failures,
            login_failures::locked_until,
            login_failures::trusted_until,
        ))
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

/// Stores what is known of (`id`, `client`) after an attempt at `now`.
pub fn save_client_logins(
    conn: &mut DbConnection,
    id: UserId,
    client: &str,
    logins: ClientLogins,
    now: i64,
) -> QueryResult<usize> {
    let upsert = diesel::insert_into(login_failures::table)
        .values((
            login_failures::user_id.eq(id.0),
            login_failures::client.eq(client),
            login_failures::failures.eq(logins.failures),
            login_failures::locked_until.eq(logins.locked_until),
            login_failures::trusted_until.eq(logins.trusted_until),
            login_failures::seen_at.eq(now),
        ))
        .on_conflict((login_failures::user_id, login_failures::client))
        .do_update()
        .set((
            login_failures::failures.eq(logins.failures),
            login_failures::locked_until.eq(logins.locked_until),
            login_failures::trusted_until.eq(logins.trusted_until),
            login_failures::seen_at.eq(now),
        ));
    crate::per_backend!(conn, |c| upsert.execute(c))
}

/// Forgets addresses last seen before `before` whose lock and trust, if any, are over at `now`.
pub fn purge_client_logins(conn: &mut DbConnection, before: i64, now: i64) -> QueryResult<usize> {
    diesel::delete(
        login_failures::table.filter(
            login_failures::seen_at
                .lt(before)
                .and(
                    login_failures::locked_until
                        .is_null()
                        .or(login_failures::locked_until.lt(now)),
                )
                .and(
                    login_failures::trusted_until
                        .is_null()
                        .or(login_failures::trusted_until.lt(now)),
                ),
        ),
    )
    .execute(conn)
}

/// Forgets the account's consecutive failures (the right password was given).
pub fn forgive_failures(conn: &mut DbConnection, id: UserId) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<i64>),
            users::fresh_locked_until.eq(None::<i64>),
        ))
        .execute(conn)
}

/// Records a successful login, optionally with a re-hashed password.
pub fn record_login(
    conn: &mut DbConnection,
    id: UserId,
    now: i64,
    new_hash: Option<&str>,
) -> QueryResult<usize> {
    let target = users::table.find(id.0);
    let reset = (
        users::failed_logins.eq(0),
        users::locked_until.eq(None::<i64>),
        users::fresh_locked_until.eq(None::<i64>),
        users::last_login_at.eq(Some(now)),
    );
    match new_hash {
        Some(hash) => diesel::update(target)
            .set((reset, users::password_hash.eq(hash)))
            .execute(conn),
        None => diesel::update(target).set(reset).execute(conn),
    }
}
