//! The layers around every route: panics caught as JSON 500s, security headers, metrics and
//! access logs, CORS, a request timeout and a body size limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::GatewaySettings;
use crate::error::ApiError;
use crate::metrics::Metrics;

/// The headers every response carries (unless the handler set them).
const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    // Answers carry LiveKit tokens and personal data: never stored by caches.
    (header::CACHE_CONTROL, "no-store"),
];

/// Wraps the routes with every layer.
pub(crate) fn harden(inner: Router, settings: &GatewaySettings, metrics: Arc<Metrics>) -> Router {
    let mut router = inner
        .layer(DefaultBodyLimit::max(settings.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            settings.request_timeout,
            timeout,
        ));
    if let Some(cors) = cors(&settings.cors_allowed_origins) {
        router = router.layer(cors);
    }
    router
        .layer(middleware::from_fn_with_state(metrics, observe))
        .layer(middleware::from_fn(security_headers))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            ApiError::Http(
                StatusCode::INTERNAL_SERVER_ERROR,
                "A server error occurred.".to_owned(),
            )
            .into_response()
        }))
}

/// The CORS layer of the allow-list (none when the list is empty).
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_credentials(true)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("x-csrftoken"),
            ])
            .max_age(Duration::from_hours(1)),
    )
}

async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    if let Ok(response) = tokio::time::timeout(limit, next.run(request)).await {
        response
    } else {
        tracing::warn!(timeout_ms = limit.as_millis(), "request timed out");
        ApiError::Http(
            StatusCode::SERVICE_UNAVAILABLE,
            "The request took too long.".to_owned(),
        )
        .into_response()
    }
}

/// Counts the request and logs one line: method, route pattern, status, latency. Never the
/// raw path, query, headers or body (they may carry tokens or participant ids).
async fn observe(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    let took = started.elapsed();
    let status = response.status();
    metrics.observe(method.as_str(), &route, status.as_u16(), took);
    tracing::info!(
        method = %method,
        route = %route,
        status = status.as_u16(),
        latency_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        "http request"
    );
    response
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}
