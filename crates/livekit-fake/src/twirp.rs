//! The Twirp transport: routing, content types, body codecs and the error shape.
//!
//! Reproduces the Go Twirp v8 server that livekit-server mounts at `/twirp/livekit.<Service>/`:
//! `POST` only, `application/protobuf` or `application/json` (parameters after `;` ignored,
//! answered in the same encoding), `bad_route` (404) for a wrong method, an unknown method or
//! content type, `malformed` (400) for an undecodable body, and every error written as
//! `Content-Type: application/json` with `{"code":…,"msg":…[,"meta":{…}]}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prost::Message;
use prost_reflect::MethodDescriptor;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::auth::Grants;
use crate::protojson::{self, CodecError};

/// The Twirp services livekit-server mounts (each under `/twirp/livekit.<name>/`).
pub(crate) const MOUNTED_SERVICES: [&str; 5] = [
    "RoomService",
    "Egress",
    "Ingress",
    "SIP",
    "AgentDispatchService",
];

/// A Twirp error: an error code (`not_found`, `unauthenticated`, …), a message and optional
/// string metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwirpError {
    /// The Twirp error code, e.g. `not_found`.
    pub code: String,
    /// The human-readable message.
    pub msg: String,
    /// Optional metadata (SIP errors carry `sip_status_code` and `sip_status`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
}

impl TwirpError {
    /// An error with the given code and message.
    pub fn new(code: &str, msg: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            msg: msg.into(),
            meta: BTreeMap::new(),
        }
    }

    /// Adds a metadata entry.
    #[must_use]
    pub fn with_meta(mut self, key: &str, value: impl Into<String>) -> Self {
        self.meta.insert(key.to_owned(), value.into());
        self
    }

    /// `not_found`.
    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::new("not_found", msg)
    }

    /// `invalid_argument`.
    pub fn invalid_argument(msg: impl Into<String>) -> Self {
        Self::new("invalid_argument", msg)
    }

    /// `twirp.InvalidArgumentError(argument, validationMsg)`: message `"<argument> <msg>"` and
    /// meta `argument`.
    pub(crate) fn invalid_argument_of(argument: &str, validation: &str) -> Self {
        Self::invalid_argument(format!("{argument} {validation}")).with_meta("argument", argument)
    }

    /// `unauthenticated`.
    pub fn unauthenticated(msg: impl Into<String>) -> Self {
        Self::new("unauthenticated", msg)
    }

    /// `internal`.
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new("internal", msg)
    }

    /// `failed_precondition`.
    pub fn failed_precondition(msg: impl Into<String>) -> Self {
        Self::new("failed_precondition", msg)
    }

    /// `malformed`.
    pub(crate) fn malformed(msg: impl Into<String>) -> Self {
        Self::new("malformed", msg)
    }

    /// `bad_route`, with the `twirp_invalid_route` meta Twirp adds.
    pub(crate) fn bad_route(msg: impl Into<String>, method: &str, path: &str) -> Self {
        Self::new("bad_route", msg).with_meta("twirp_invalid_route", format!("{method} {path}"))
    }

    /// The HTTP status Twirp's `ServerHTTPStatusFromErrorCode` gives this code.
    pub fn http_status(&self) -> u16 {
        match self.code.as_str() {
            "canceled" | "deadline_exceeded" => 408,
            "invalid_argument" | "malformed" | "out_of_range" => 400,
            "not_found" | "bad_route" => 404,
            "already_exists" | "aborted" => 409,
            "permission_denied" => 403,
            "unauthenticated" => 401,
            "resource_exhausted" => 429,
            "failed_precondition" => 412,
            "unimplemented" => 501,
            "unavailable" => 503,
            _ => 500,
        }
    }
}

impl std::fmt::Display for TwirpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "twirp error {}: {}", self.code, self.msg)
    }
}

impl std::error::Error for TwirpError {}

impl IntoResponse for TwirpError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let status =
            StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    }
}

/// A failure injected through the control API, answered instead of running a method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InjectedFailure {
    /// Answer this Twirp error.
    Twirp(TwirpError),
    /// Answer a raw HTTP response with a plain-text body (e.g. a proxy's 502).
    Http {
        /// HTTP status.
        status: u16,
        /// Plain-text body.
        body: String,
    },
}

impl InjectedFailure {
    /// A failed SIP call the way the SIP service reports it: the gRPC code that
    /// `SIPStatus.GRPCStatus()` maps the SIP status to, message `sip status <code>: <status>` and
    /// meta `sip_status_code` / `sip_status`.
    pub fn sip_status(sip_code: u16, status: &str) -> Self {
        let code = match sip_code {
            487 => "aborted",
            400 | 404 | 484 | 485 | 420 | 421 => "invalid_argument",
            408 | 504 => "deadline_exceeded",
            503 | 480 | 486 | 600 | 501 | 603 => "unavailable",
            407 | 401 | 403 => "permission_denied",
            _ => "internal",
        };
        Self::Twirp(
            TwirpError::new(code, format!("sip status {sip_code}: {status}"))
                .with_meta("sip_status_code", sip_code.to_string())
                .with_meta("sip_status", status),
        )
    }

    fn into_response(self) -> Response {
        match self {
            Self::Twirp(e) => e.into_response(),
            Self::Http { status, body } => plain_text(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                body,
            ),
        }
    }
}

/// A plain-text response the way Go's `http.ResponseWriter` sniffs it.
pub(crate) fn plain_text(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body.into(),
    )
        .into_response()
}

/// Go's `http.NotFound`.
pub(crate) fn go_not_found() -> Response {
    let mut response = plain_text(StatusCode::NOT_FOUND, "404 page not found\n");
    response.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The request encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Protobuf,
    Json,
}

/// Decodes a typed request (the transport has already checked the bytes).
pub(crate) fn decode<M: Message + Default>(body: &[u8]) -> Result<M, TwirpError> {
    M::decode(body).map_err(|_| TwirpError::malformed("the protobuf request could not be decoded"))
}

/// Runs a typed handler on protobuf bytes.
pub(crate) fn run<Req, Resp>(
    body: &[u8],
    handler: impl FnOnce(Req) -> Result<Resp, TwirpError>,
) -> Result<Vec<u8>, TwirpError>
where
    Req: Message + Default,
    Resp: Message,
{
    let request = decode::<Req>(body)?;
    handler(request).map(|response| response.encode_to_vec())
}

/// A routed and decoded Twirp request.
struct Decoded {
    descriptor: MethodDescriptor,
    encoding: Encoding,
    /// The request as protobuf bytes, whatever the wire encoding.
    body: Vec<u8>,
}

/// Routing and decoding, in the order the generated Twirp server checks them.
fn decode_request(
    mounted: &str,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Decoded, TwirpError> {
    if method != Method::POST {
        let msg = format!(
            "unsupported method {:?} (only POST is allowed)",
            method.as_str()
        );
        return Err(TwirpError::bad_route(msg, method.as_str(), path));
    }
    // parseTwirpPath: the last two segments are <package>.<Service> and <Method>.
    let no_handler = || {
        TwirpError::bad_route(
            format!("no handler for path {path:?}"),
            method.as_str(),
            path,
        )
    };
    let parts: Vec<&str> = path.split('/').collect();
    let [prefix @ .., pkg_service, rpc] = parts.as_slice() else {
        return Err(no_handler());
    };
    if prefix.join("/") != "/twirp" || *pkg_service != format!("livekit.{mounted}") {
        return Err(no_handler());
    }
    let pool =
        protojson::pool().ok_or_else(|| TwirpError::internal("descriptor pool unavailable"))?;
    let descriptor = pool
        .get_service_by_name(&format!("livekit.{mounted}"))
        .and_then(|s| s.methods().find(|m| m.name() == *rpc))
        .ok_or_else(no_handler)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let encoding = match media_type.as_str() {
        "application/json" => Encoding::Json,
        "application/protobuf" => Encoding::Protobuf,
        _ => {
            let msg = format!("unexpected Content-Type: {content_type:?}");
            return Err(TwirpError::bad_route(msg, method.as_str(), path));
        }
    };
    let input = descriptor.input();
    let body = match encoding {
        Encoding::Json => protojson::json_to_protobuf(&input, body).map_err(|e| {
            tracing::debug!(error = %e, "undecodable JSON body");
            TwirpError::malformed("the json request could not be decoded")
        })?,
        Encoding::Protobuf => protojson::check_protobuf(&input, body)
            .map(|()| body.to_vec())
            .map_err(|_: CodecError| {
                TwirpError::malformed("the protobuf request could not be decoded")
            })?,
    };
    Ok(Decoded {
        descriptor,
        encoding,
        body,
    })
}

/// Writes a successful response in the request's encoding.
fn encode_response(decoded: &Decoded, bytes: Vec<u8>) -> Response {
    let (content_type, body) = match decoded.encoding {
        Encoding::Protobuf => ("application/protobuf", bytes),
        Encoding::Json => match protojson::protobuf_to_json(&decoded.descriptor.output(), &bytes) {
            Ok(json) => ("application/json", json),
            Err(e) => {
                return TwirpError::internal(format!("failed to marshal json response: {e}"))
                    .into_response();
            }
        },
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        Body::from(body),
    )
        .into_response()
}

/// Serves one request under a mounted `/twirp/livekit.<service>/` prefix (after the auth
/// middleware has let it through).
pub(crate) fn serve(
    app: &Arc<App>,
    grants: &Grants,
    mounted: &str,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let decoded = match decode_request(mounted, method, path, headers, body) {
        Ok(decoded) => decoded,
        Err(e) => return e.into_response(),
    };
    let rpc = decoded.descriptor.name().to_owned();
    let full_method = format!("{mounted}/{rpc}");
    if let Some(failure) = app.injected_failure(&full_method) {
        return failure.into_response();
    }
    let outcome = crate::dispatch(app, grants, mounted, &rpc, &decoded.body).unwrap_or_else(|| {
        Err(TwirpError::new(
            "unimplemented",
            format!("the fake LiveKit server does not implement {full_method}"),
        ))
    });
    match outcome {
        Ok(bytes) => encode_response(&decoded, bytes),
        Err(e) => {
            tracing::debug!(method = %full_method, code = %e.code, msg = %e.msg, "twirp error");
            e.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_statuses_follow_twirp() {
        let cases = [
            ("not_found", 404),
            ("bad_route", 404),
            ("invalid_argument", 400),
            ("malformed", 400),
            ("unauthenticated", 401),
            ("permission_denied", 403),
            ("failed_precondition", 412),
            ("internal", 500),
            ("unimplemented", 501),
            ("unavailable", 503),
            ("resource_exhausted", 429),
            ("already_exists", 409),
            ("deadline_exceeded", 408),
            ("unknown", 500),
        ];
        for (code, status) in cases {
            assert_eq!(TwirpError::new(code, "x").http_status(), status, "{code}");
        }
    }

    #[test]
    fn errors_serialize_like_go_twirp() {
        let json = serde_json::to_string(&TwirpError::not_found("requested room does not exist"))
            .expect("json");
        assert_eq!(
            json,
            r#"{"code":"not_found","msg":"requested room does not exist"}"#
        );
        let sip = InjectedFailure::sip_status(486, "Busy Here");
        let InjectedFailure::Twirp(e) = sip else {
            panic!("twirp")
        };
        assert_eq!(e.code, "unavailable");
        assert_eq!(e.meta["sip_status_code"], "486");
    }
}
