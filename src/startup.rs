//! `Application::build(settings)`: everything between validated settings and a listening server.
//! It prepares the data directory and the master secret, connects to the database and applies
//! pending migrations, binds the listener (port 0 picks a free port, as tests do) and wires the
//! middleware and routes.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, NormalizePath};
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::api;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Settings;
use crate::crypto::{self, MasterSecret, SecretFileError};
use crate::db::{self, migrations, DbPool};
use crate::error;

/// What every request handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub secret: Arc<MasterSecret>,
    pub clock: SharedClock,
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
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
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
        create_private_dir(&settings.data_dir)
            .map_err(|e| StartupError::DataDir(settings.data_dir.display().to_string(), e))?;
        let secret = crypto::load_or_create(&settings.secret_key_file)?;
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
        let state = web::Data::new(AppState {
            pool,
            settings: Arc::new(settings),
            secret: Arc::new(secret),
            clock,
        });
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(error::html_errors))
                .wrap(TracingLogger::default())
                .wrap(NormalizePath::trim())
                .app_data(state.clone())
                .app_data(api::json_config())
                .configure(routes)
                .default_service(web::to(api::not_found))
        })
        .listen(listener)
        .map_err(|e| StartupError::Bind(address.to_string(), e))?
        .shutdown_timeout(10)
        .run();
        tracing::info!(%address, "monoweb is listening");
        Ok(Application {
            port: address.port(),
            server,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM), then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Creates the data directory, readable only by the service account (it holds the database and
/// the master secret). An existing directory keeps its permissions.
fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
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

/// Every route of the app.
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(api::resource("/healthz").route(web::get().to(api::health::healthz)))
        .service(api::resource("/readyz").route(web::get().to(api::health::readyz)));
}
