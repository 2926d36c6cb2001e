//! `Application::build(settings)`: everything between validated settings and a listening server.
//! It prepares the data directory and the master secret, connects to the database and applies
//! pending migrations, binds the listener (port 0 picks a free port, as tests do) and wires the
//! middleware and routes.

use std::net::TcpListener;
use std::sync::Arc;

use actix_identity::config::LogoutBehavior;
use actix_identity::IdentityMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress, NormalizePath};
use actix_web::{web, App, HttpServer};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;

use crate::api;
use crate::auth::password::Hasher;
use crate::auth::throttle::Throttle;
use crate::cache::Hot;
use crate::config::Settings;
use crate::crypto::{self, MasterSecret, SecretFileError};
use crate::db::{self, migrations, DbPool};
use crate::http::csrf;
use crate::http::error;
use crate::http::sessions::DbSessionStore;
use crate::services::accounts::Accounts;
use crate::services::sync::SyncHandle;
use crate::services::Context;
use crate::upstream::Upstream;
use crate::{compression, security_headers};
use monobank::clock::{SharedClock, SystemClock};

/// Blocking threads per worker (for `db::run`).
const BLOCKING_THREADS_PER_WORKER: usize = 8;

/// How often expired sessions are swept from the database.
const SESSION_SWEEP_SECS: u64 = 600;

/// Raises the process's soft limit of open files to its hard limit: every client connection is
/// a descriptor, and the usual soft limit of 1,024 is reached long before the memory or the
/// workers are. The hard limit is the operator's to set (`LimitNOFILE=` in a systemd unit,
/// `ulimit -Hn` in a shell). Returns the soft limit now in force.
pub fn raise_open_files_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    let before = limit.current;
    // `None` is "unlimited"; an unlimited hard limit is left to the kernel's own ceiling.
    let (Some(soft), Some(hard)) = (limit.current, limit.maximum) else {
        return before;
    };
    if soft < hard {
        limit.current = Some(hard);
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            tracing::warn!(error = %e, soft, hard, "could not raise the open-files limit");
            return before;
        }
        tracing::debug!(soft = hard, "open-files limit raised to the hard limit");
    }
    limit.current
}

/// Why the app could not start; `Display` is the one line the CLI prints.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error(transparent)]
    Secret(#[from] SecretFileError),
    #[error("database ({0}): {1}")]
    Database(&'static str, String),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("setup failed: {0}")]
    Hasher(String),
    #[error("the database is being restored ({0}); start again when `monoweb restore` is done")]
    Restoring(String),
    #[error(
        "provider mode needs the provider key {0}: {1} (`monoweb provider keygen` writes one)"
    )]
    ProviderKey(String, String),
}

/// Reads the provider key file.
pub fn load_provider_key(
    path: &std::path::Path,
) -> Result<monobank::provider::ProviderKey, StartupError> {
    let failed = |why: String| StartupError::ProviderKey(path.display().to_string(), why);
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    monobank::provider::ProviderKey::from_pem(&text).map_err(|e| failed(e.to_string()))
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    sync: crate::services::sync::SyncHandle,
    context: Arc<Context>,
    /// The shared lock on an SQLite database, held while the app runs (`db::file_lock`).
    db_lock: Option<std::fs::File>,
}

impl Application {
    /// Builds the app with the real clock.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Builds the app with an injected clock (tests move time without sleeping).
    pub async fn build_with_clock(
        settings: Settings,
        clock: SharedClock,
    ) -> Result<Self, StartupError> {
        raise_open_files_limit();
        crypto::create_private_dir(&settings.data_dir)
            .map_err(|e| StartupError::DataDir(settings.data_dir.display().to_string(), e))?;
        for (path, mode) in
            crypto::loose_modes(private_paths(&settings).iter().map(|p| p.as_path()))
        {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:04o}"),
                "others may read this private file or directory; run `chmod go-rwx` on it"
            );
        }
        // Before the secret is made: a restore in progress may be about to write it.
        let db_lock = match &settings.database_url {
            crate::config::DatabaseUrl::Sqlite(path) => {
                Some(db::file_lock::share(path).map_err(|e| match e {
                    db::file_lock::LockError::Busy(_) => StartupError::Restoring(e.to_string()),
                    db::file_lock::LockError::Io(..) => {
                        StartupError::Database("sqlite", e.to_string())
                    }
                })?)
            }
            crate::config::DatabaseUrl::Postgres(_) => None,
        };
        let secret = crypto::load_or_create(&settings.secret_key_file)?;
        let provider_key = if settings.mono_mode.provider() {
            let key = load_provider_key(&settings.provider_key_file)?;
            tracing::info!(key_id = key.key_id(), "provider key loaded");
            Some(Arc::new(key))
        } else {
            None
        };
        let applied = prepare_database(&settings).await?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied database migrations");
        }
        let pool = db::pool(&settings.database_url);
        let listener = TcpListener::bind(settings.bind)
            .map_err(|e| StartupError::Bind(settings.bind.to_string(), e))?;
        let address = listener
            .local_addr()
            .map_err(|e| StartupError::Bind(settings.bind.to_string(), e))?;
        let mut settings = settings;
        if settings.public_url.port() == Some(0) {
            // Derived from a port-0 bind (tests): name the port actually bound.
            let _ = settings.public_url.set_port(Some(address.port()));
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let hasher = Hasher::new(cores).map_err(|e| StartupError::Hasher(e.to_string()))?;
        let cookie_key = cookie_key(&secret);
        let hot = Arc::new(Hot::default());
        let store = DbSessionStore::new(
            pool.clone(),
            clock.clone(),
            hot.clone(),
            settings.session_idle_secs,
            settings.session_max_secs,
            settings.session_remember_days,
        );
        let client = monobank::Client::with_options(
            settings.mono_api_url.clone(),
            monobank::client::Timeouts::default(),
            concat!("monoweb/", env!("CARGO_PKG_VERSION")),
        )
        .map_err(|e| StartupError::Hasher(e.to_string()))?
        .with_clock(clock.clone());
        let upstream = Arc::new(
            Upstream::new(
                client,
                pool.clone(),
                clock.clone(),
                hot.clone(),
                settings.sync.lane_secs,
            )
            .with_provider_key(provider_key),
        );
        let https = settings.is_https();
        let max_secs = i64::try_from(settings.session_max_secs).unwrap_or(i64::MAX);
        let sync = SyncHandle::default();
        spawn_session_sweeper(
            pool.clone(),
            clock.clone(),
            hot.clone(),
            settings.session_idle_secs,
            sync.clone(),
        );
        let context = Arc::new(Context {
            pool: pool.clone(),
            clock: clock.clone(),
            secret: Arc::new(secret),
            upstream: upstream.clone(),
            sync: sync.clone(),
            history_days: settings.sync_history_days,
            public_url: settings.public_url.clone(),
            sync_tick_ms: settings.sync.tick_ms,
            hot: hot.clone(),
            mono_mode: settings.mono_mode,
            provider_permissions: settings.provider_permissions.clone(),
        });
        let accounts = web::Data::new(Accounts {
            pool: pool.clone(),
            throttle: Throttle::new(clock.clone()),
            clock: clock.clone(),
            hasher,
            registration: settings.registration,
            session_idle_secs: settings.session_idle_secs,
            hot: hot.clone(),
        });
        if settings.sync.enabled {
            crate::services::sync::spawn(context.clone());
            crate::services::ingest::spawn_key_refresh(upstream, sync.clone());
        }
        if settings.mono_mode.provider() {
            crate::services::ingest::spawn_provider_webhook(context.clone());
        }
        let shared_context = context.clone();
        let context = web::Data::from(context);
        let settings = web::Data::new(settings);
        let pool = web::Data::new(pool);
        let hot = web::Data::from(hot);
        let clock = web::Data::new(clock);
        let bad_keys = web::Data::new(crate::auth::throttle::BadKeys::default());
        let metrics_on = settings.metrics_token.is_some() && crate::prometheus::install().is_some();
        let state_sync = sync;
        let server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(store.clone(), cookie_key.clone())
                .cookie_name(crate::http::sessions::session_cookie_name(https).to_owned())
                .cookie_secure(https)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_path("/".to_owned())
                .cookie_content_security(CookieContentSecurity::Private)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(actix_web::cookie::time::Duration::seconds(max_secs))
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
                )
                .build();
            let body_deadline = crate::body_deadline::BodyDeadline(std::time::Duration::from_secs(
                settings.body_timeout_secs,
            ));
            let identity = IdentityMiddleware::builder()
                .login_deadline(None)
                .visit_deadline(None)
                .logout_behavior(LogoutBehavior::PurgeSession)
                .build();
            App::new()
                .app_data(error::ErrorPages(crate::web::error_page))
                .wrap(from_fn(crate::http::current_user::check_key))
                .wrap(from_fn(csrf::guest_cookie))
                .wrap(from_fn(csrf::origin_check))
                .wrap(from_fn(csrf::host_check))
                .wrap(from_fn(crate::body_deadline::enforce))
                .wrap(from_fn(error::html_errors))
                .wrap(from_fn(crate::web::preferences))
                .wrap(from_fn(crate::http::sessions::mark_remembered))
                .wrap(identity)
                .wrap(sessions)
                .wrap(from_fn(crate::http::sessions::remember_cookie))
                .wrap(from_fn(security_headers::add))
                .wrap(from_fn(compression::leave_small))
                .wrap(Compress::default())
                .wrap(from_fn(compression::unmark))
                .wrap(actix_web::middleware::Condition::new(
                    metrics_on,
                    from_fn(crate::prometheus::record),
                ))
                .wrap(TracingLogger::<crate::http::span::RootSpan>::new())
                .wrap(from_fn(crate::request_id::assign))
                .wrap(NormalizePath::trim())
                .wrap(from_fn(crate::body_deadline::hold))
                .wrap(from_fn(crate::http::head_as_get))
                .app_data(context.clone())
                .app_data(accounts.clone())
                .app_data(settings.clone())
                .app_data(pool.clone())
                .app_data(hot.clone())
                .app_data(clock.clone())
                .app_data(bad_keys.clone())
                .app_data(web::PayloadConfig::new(crate::http::JSON_LIMIT))
                .app_data(body_deadline)
                .app_data(crate::http::form_config())
                .configure(routes)
                .configure(crate::web::routes)
                .default_service(web::to(crate::http::not_found))
        })
        // Database work and password hashing are the only blocking work; more threads than
        // pooled connections would only wait, and each idle thread keeps memory.
        .worker_max_blocking_threads(BLOCKING_THREADS_PER_WORKER)
        .listen(listener)
        .map_err(|e| StartupError::Bind(address.to_string(), e))?
        .shutdown_timeout(10)
        .run();
        tracing::info!(%address, "monoweb is listening");
        Ok(Application {
            port: address.port(),
            server,
            sync: state_sync,
            context: shared_context,
            db_lock,
        })
    }

    /// Stops serving and syncing (as if the process ended between two requests).
    pub fn stopper(&self) -> impl Fn() + Send + Sync + 'static {
        let handle = self.server.handle();
        let sync = self.sync.clone();
        move || {
            sync.stop();
            let handle = handle.clone();
            tokio::spawn(async move { handle.stop(false).await });
        }
    }

    /// The services' shared handles (tests drive the sync with it).
    pub fn context(&self) -> Arc<Context> {
        self.context.clone()
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM), then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        // Stopped by a signal as by `stopper`: the background tasks end too.
        self.sync.stop();
        drop(self.db_lock);
        served
    }
}

/// Connects once and applies pending migrations, so a bad database URL fails the start at once
/// with the driver's own message instead of a pool time-out.
async fn prepare_database(settings: &Settings) -> Result<Vec<String>, StartupError> {
    let url = settings.database_url.clone();
    let backend = url.backend();
    let result = tokio::task::spawn_blocking(move || {
        let mut conn = db::connect(&url).map_err(|e| e.to_string())?;
        migrations::run_pending(&mut conn).map_err(|e| format!("migrations failed: {e}"))
    })
    .await;
    match result {
        Ok(inner) => inner.map_err(|e| StartupError::Database(backend, e)),
        Err(join) => Err(StartupError::Database(backend, join.to_string())),
    }
}

/// The cookie signing/encryption key, derived from the master secret.
fn cookie_key(secret: &MasterSecret) -> Key {
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(
        secret
            .derive_key("monoweb cookie key v1 part 1")
            .expose_secret(),
    );
    bytes[32..].copy_from_slice(
        secret
            .derive_key("monoweb cookie key v1 part 2")
            .expose_secret(),
    );
    Key::from(&bytes)
}

/// Deletes expired sessions (and failed logins a day old, and rate lanes open for an hour) now
/// and then, so the table holds only live ones, and drops from memory what is kept of them and of users no longer seen; ends when
/// the server stops.
fn spawn_session_sweeper(
    pool: DbPool,
    clock: SharedClock,
    hot: Arc<Hot>,
    idle_secs: u64,
    stop: SyncHandle,
) {
    // The rows' last-seen times may lag the live ones by up to SEEN_WRITE_SECS.
    let idle = i64::try_from(idle_secs)
        .unwrap_or(i64::MAX)
        .saturating_add(crate::http::sessions::SEEN_WRITE_SECS);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(SESSION_SWEEP_SECS));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = stop.until_stopped() => return,
            }
            let now = clock.now();
            hot.prune(now.saturating_sub(idle));
            match db::run(&pool, move |conn| {
                // An address's logins are forgotten a day after its last attempt, once its lock
                // and its trust are over.
                db::users::purge_client_logins(
                    conn,
                    now.saturating_sub(crate::auth::throttle::FAILURES_KEPT_SECS),
                    now,
                )?;
                // Lanes open for an hour hold nothing (the removed tokens' among them).
                crate::upstream::lanes::purge_open(conn, now.saturating_sub(3_600))?;
                Ok(db::sessions::purge_expired(conn, now, idle)?)
            })
            .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "swept expired sessions"),
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    });
}

/// Every route of the app: the JSON API's operations from their one list
/// ([`api::routes::endpoints`], which the OpenAPI document is made from too), then the probes,
/// the webhook receivers, the provider callback, the API's documentation and the metrics.
fn routes(cfg: &mut web::ServiceConfig) {
    api_routes(cfg);
    cfg.service(crate::http::resource("/healthz").route(web::get().to(api::health::healthz)))
        .service(crate::http::resource("/readyz").route(web::get().to(api::health::readyz)))
        .service(
            crate::http::resource("/hooks/provider/connected/{secret}")
                .route(web::get().to(api::mono::connect_callback)),
        )
        .service(
            crate::http::resource("/hooks/provider/{secret}")
                .route(web::post().to(crate::hooks::receive_provider)),
        )
        .service(
            crate::http::resource("/hooks/mono/{secret}")
                .route(web::get().to(crate::hooks::check))
                .route(web::post().to(crate::hooks::receive)),
        )
        .service(crate::http::resource("/api/docs").route(web::get().to(api::openapi::docs)))
        .service(crate::http::resource("/metrics").route(web::get().to(crate::prometheus::scrape)))
        .service(
            crate::http::resource("/api/docs/{tail:.*}").route(web::get().to(api::openapi::docs)),
        );
}

/// The JSON API's operations, one resource per path with a route per method (so a method the
/// path does not take is the router's 405 with `Allow`); a path with a polled read answers
/// conditional GETs (`etag`).
fn api_routes(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<(String, Vec<api::openapi::Endpoint>)> = Vec::new();
    for endpoint in api::routes::endpoints() {
        match paths.iter_mut().find(|(path, _)| *path == endpoint.path) {
            Some((_, endpoints)) => endpoints.push(endpoint),
            None => paths.push((endpoint.path.clone(), vec![endpoint])),
        }
    }
    for (path, endpoints) in paths {
        let polled = endpoints.iter().any(|e| e.polled);
        let resource = crate::http::resource(&path).wrap(actix_web::middleware::Condition::new(
            polled,
            from_fn(crate::etag::conditional),
        ));
        cfg.service(
            endpoints
                .into_iter()
                .fold(resource, |resource, e| resource.route(e.into_route())),
        );
    }
}

/// The files and directories only the service account may read: the data directory, the
/// master secret, and an SQLite database with its `-wal` and `-shm` files.
pub fn private_paths(settings: &Settings) -> Vec<std::path::PathBuf> {
    let mut paths = vec![settings.data_dir.clone(), settings.secret_key_file.clone()];
    if let crate::config::DatabaseUrl::Sqlite(db) = &settings.database_url {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            paths.push(name.into());
        }
    }
    paths
}
