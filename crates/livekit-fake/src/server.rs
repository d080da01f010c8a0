//! The HTTP server: livekit-server's middleware order (auth first, for every path), the health
//! check at `/`, the Twirp services, Go's plain `404 page not found` elsewhere, and the fake's
//! own control API under `/fake/`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;

use crate::App;
use crate::auth;
use crate::control;
use crate::state::RecordedRequest;
use crate::twirp::{self, MOUNTED_SERVICES};

/// Builds the router.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .nest("/fake", control::routes())
        .fallback(livekit)
        .with_state(app)
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Everything that is not the control API goes through the LiveKit middleware chain.
async fn livekit(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = header_str(&headers, header::AUTHORIZATION);
    let query_token = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "access_token")
            .map(|(_, v)| v.to_owned())
    });
    let grants =
        match auth::authenticate(authorization.as_deref(), query_token.as_deref(), &app.keys) {
            Ok(grants) => grants,
            Err(unauthorized) => {
                tracing::debug!(path = uri.path(), reason = %unauthorized.0, "401");
                return twirp::plain_text(StatusCode::UNAUTHORIZED, unauthorized.0);
            }
        };
    let path = uri.path();
    if path == "/" {
        return twirp::plain_text(StatusCode::OK, "OK");
    }
    let Some(service) = MOUNTED_SERVICES
        .iter()
        .find(|s| path.starts_with(&format!("/twirp/livekit.{s}/")))
    else {
        return twirp::go_not_found();
    };
    let rpc = path.rsplit('/').next().unwrap_or_default().to_owned();
    tracing::info!(service, method = %rpc, "twirp request");
    app.mutate(|state, _| {
        state.requests.push(RecordedRequest {
            service: (*service).to_owned(),
            method: rpc,
            content_type: header_str(&headers, header::CONTENT_TYPE).unwrap_or_default(),
            user_agent: header_str(&headers, header::USER_AGENT).unwrap_or_default(),
            claims: grants.claims.clone(),
        });
    });
    twirp::serve(&app, &grants, service, &method, path, &headers, &body)
}
