//! Who a request says it acts for, and the check that holds the claim against the user's row:
//! a session's claim is its user id with the security stamp and login id recorded at login; an
//! API key's is the key's user and scope. The HTTP layer reads the claim from the cookie or the
//! `Authorization` header; a service can check it inside its own database trip (one blocking
//! closure per request, see `docs/architecture.md`).

use super::api_keys::Scope;
use crate::db::users::{User, UserId};

/// The user a request acts for, once checked.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub is_admin: bool,
    /// The language the user chose for the pages; `None` follows the browser.
    pub language: Option<crate::i18n::Lang>,
    /// Identifies this login among the user's sessions (empty for an API key).
    pub login_id: String,
    /// The API key the request came with, instead of a session.
    pub key: Option<KeyAccess>,
}

/// An API key a request acts with.
#[derive(Clone, Copy, Debug)]
pub struct KeyAccess {
    pub id: i64,
    pub scope: Scope,
}

/// What a request claims, before the user's row confirms it.
#[derive(Clone, Debug)]
pub struct Claim {
    pub id: UserId,
    pub proof: Proof,
}

/// How the claim was made.
#[derive(Clone, Debug)]
pub enum Proof {
    /// A session: the security stamp and login id recorded at login.
    Session {
        stamp: Option<String>,
        login_id: String,
    },
    Key(KeyAccess),
}

impl Claim {
    /// The current user if the row is active and, for a session, its stamp matches the
    /// session's; `None` when the claim no longer holds (the session must end).
    pub fn check(&self, row: Option<User>) -> Option<CurrentUser> {
        let user = row.filter(|u| u.is_active)?;
        let (login_id, key) = match &self.proof {
            Proof::Session { stamp, login_id }
                if stamp.as_deref() == Some(user.security_stamp.as_str()) =>
            {
                (login_id.clone(), None)
            }
            Proof::Session { .. } => return None,
            Proof::Key(access) => (String::new(), Some(*access)),
        };
        Some(CurrentUser {
            id: user.id(),
            username: user.username,
            is_admin: user.is_admin,
            language: user
                .language
                .as_deref()
                .and_then(crate::i18n::Lang::from_code),
            login_id,
            key,
        })
    }
}
