//! What the views and the CLI do, independent of how they are asked: each function takes the
//! handles it uses ([`Context`] for the Monobank side, [`accounts::Accounts`] for users and
//! sessions, or a bare connection) and domain types, and returns domain results.

pub mod accounts;
pub mod api_keys;
pub mod client_info;
pub mod connect;
pub mod history;
pub mod ingest;
pub mod insight;
pub mod mono;
pub mod receiver;
pub mod statement;
pub mod sync;
pub mod tokens;
pub mod users;
pub mod webhook_reset;
pub mod worker;

use std::sync::Arc;

use monobank::clock::SharedClock;
use url::Url;

use crate::crypto::MasterSecret;
use crate::db::DbPool;
use crate::upstream::Upstream;

/// The handles the Monobank-side services (tokens, views, history, sync) use, built once by the
/// composition root. Nothing of HTTP is in it.
pub struct Context {
    pub pool: DbPool,
    pub clock: SharedClock,
    /// Seals and opens the stored tokens.
    pub secret: Arc<MasterSecret>,
    /// The one road to Monobank.
    pub upstream: Arc<Upstream>,
    /// Wakes this instance's background sync.
    pub sync: worker::SyncHandle,
    /// How many days of history the sync keeps.
    pub history_days: u32,
    /// The public URL: monoweb's own webhook receiver lives under it.
    pub public_url: Url,
    /// How often the sync looks for work without being woken (ms).
    pub sync_tick_ms: u64,
    /// The hot path's rows in memory.
    pub hot: Arc<crate::cache::Hot>,
    /// How users reach Monobank (personal tokens, the provider API, or both).
    pub mono_mode: crate::config::MonoMode,
    /// The `X-Permissions` letters of access requests.
    pub provider_permissions: String,
}
