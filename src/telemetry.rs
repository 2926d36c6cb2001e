//! Logging: `tracing` to stderr, as text or JSON lines, filtered by `MONOWEB_LOG`. Request spans
//! (with a request id) come from `tracing-actix-web` in `startup`.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber; a second call is a no-op (tests build many apps).
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The root span of every request: `tracing-actix-web`'s fields, except that the target (path
/// and query) of the webhook receiver is logged without its secret (`docs/security.md`, S22).
pub struct RootSpan;

impl tracing_actix_web::RootSpanBuilder for RootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        let path = request.path();
        if path.starts_with(crate::domain::RECEIVER_PATH) {
            use actix_web::HttpMessage;
            let request_id = request
                .extensions()
                .get::<tracing_actix_web::RequestId>()
                .map(ToString::to_string)
                .unwrap_or_default();
            tracing::info_span!(
                "HTTP request",
                http.method = %request.method(),
                http.route = "/hooks/mono/{secret}",
                http.target = "/hooks/mono/…",
                request_id = %request_id,
                http.status_code = tracing::field::Empty,
                otel.status_code = tracing::field::Empty,
                exception.message = tracing::field::Empty,
                exception.details = tracing::field::Empty,
            )
        } else {
            tracing_actix_web::DefaultRootSpanBuilder::on_request_start(request)
        }
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
