//! Domain types that many layers share: user ids, usernames, merchant
//! categories, Kyiv days and times, and the receiver's path. Everything
//! here is plain data and rules, with no database, HTTP or Monobank call.

pub mod kyiv;
pub mod mcc;
pub mod username;

pub use username::Username;

/// A user's id; cannot be confused with any other id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// The path prefix of monoweb's webhook receiver; the receiver's secret follows it. Cross-site
/// POSTs may reach it (Monobank delivers there) and logs never show what follows it.
pub const RECEIVER_PATH: &str = "/hooks/mono/";
