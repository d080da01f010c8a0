//! Request bodies: JSON only, with JSON answers for every refusal (never a 500).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body. An empty body reads as `{}`; a body that is not JSON is a 400, a
/// content type other than JSON a 415, a body over the size limit a 413 — each with a JSON
/// `detail`.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub(crate) T);

/// Why a body was refused.
#[derive(Debug)]
pub(crate) struct BodyRejection(ApiError);

impl IntoResponse for BodyRejection {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = BodyRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "Request body is too large.".to_owned()
                } else {
                    rejection.body_text()
                };
                BodyRejection(ApiError::Http(status, detail))
            })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            match content_type.as_deref() {
                Some(ct) if is_json(ct) => &bytes,
                other => {
                    let shown = other.unwrap_or("");
                    return Err(BodyRejection(ApiError::Http(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        format!("Unsupported media type \"{shown}\" in request."),
                    )));
                }
            }
        };
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| BodyRejection(ApiError::bad_request(format!("JSON parse error - {e}"))))?;
        if !value.is_object() {
            return Err(BodyRejection(ApiError::bad_request(
                "Invalid data. Expected a dictionary.",
            )));
        }
        serde_json::from_value(value)
            .map(JsonBody)
            .map_err(|e| BodyRejection(ApiError::bad_request(format!("Invalid data: {e}"))))
    }
}

/// The query string, parsed; a malformed one is a JSON 400.
#[derive(Debug)]
pub(crate) struct QueryParams<T>(pub(crate) T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = BodyRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|e| BodyRejection(ApiError::bad_request(e.body_text())))
    }
}

/// The path's parameters, decoded; an undecodable one is a JSON 404 (no such resource).
#[derive(Debug)]
pub(crate) struct PathParam<T>(pub(crate) T);

impl<T, S> FromRequestParts<S> for PathParam<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = BodyRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|_| BodyRejection(ApiError::not_found("Not found.")))
    }
}

/// A raw body within the size limit (webhooks verify the exact bytes).
#[derive(Debug)]
pub(crate) struct RawBody(pub(crate) Bytes);

impl<S> FromRequest<S> for RawBody
where
    S: Send + Sync,
{
    type Rejection = BodyRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(request, state)
            .await
            .map(Self)
            .map_err(|rejection| {
                let status = rejection.status();
                BodyRejection(ApiError::Http(
                    status,
                    "Request body is too large or unreadable.".to_owned(),
                ))
            })
    }
}

/// A required field of a body.
///
/// # Errors
///
/// 400 `{"<field>": ["This field is required."]}` when absent.
pub(crate) fn required<T>(value: Option<T>, field: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::field(field, "This field is required."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/webhook+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("multipart/form-data"));
    }
}
