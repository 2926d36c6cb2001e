//! The log span of every request, and the request's id it names.

/// A request's id, as `X-Request-Id` answers it (set by the middleware in `request_id`).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The root span of every request: `tracing-actix-web`'s fields, except that the target is
/// logged without a hook's secret and with the names of the query's parameters but not their
/// values (a search is the user's words), the route of a hook hides its secret too, and the
/// client address is the peer's, never a forwarded header's (`docs/security.md`, S22 and S27).
pub struct RootSpan;

impl tracing_actix_web::RootSpanBuilder for RootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let path = request.path();
        let route: std::borrow::Cow<'static, str> = match crate::domain::hidden_hook_path(path) {
            Some((route, _)) => route.into(),
            None => request.match_pattern().map_or("default".into(), Into::into),
        };
        let target = crate::domain::loggable_target(path, request.query_string());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_default();
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        // The peer's address: `X-Forwarded-For` is anyone's to write, and only the throttles
        // know which proxies to believe (behind one, its own log names the client).
        let peer = request
            .peer_addr()
            .map(|addr| addr.ip().to_string())
            .unwrap_or_default();
        let connection = request.connection_info();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.host = %connection.host(),
            http.client_ip = %peer,
            http.user_agent = %user_agent,
            http.target = %target,
            request_id = %request_id,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
