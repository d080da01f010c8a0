//! `POST /api/v1.0/rooms/creation-callback/`: the slug of a room created with a
//! `callback_id`, read once by anyone holding that id (anonymous callers throttled per client
//! address).

use anteroom_domain::Error;
use anteroom_domain::room::Slug;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::body::DetailBody;
use crate::client_ip::ClientIp;
use crate::error::ApiError;
use crate::extract::{JsonBody, required};
use crate::routes::users::present;

/// The route.
pub(crate) const PATH: &str = "/api/v1.0/rooms/creation-callback/";

/// The request field of the callback id.
const FIELD: &str = "callback_id";

/// `{"callback_id": "..."}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct TakeCallback {
    /// The id given as `callback_id` when the room was created.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String)]
    callback_id: Option<Value>,
}

/// `{"status": "success", "room": {"slug": "..."}}` the first time, then `"room": {}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreationCallbackBody {
    /// Always `success`.
    status: &'static str,
    /// The room created with the callback id, once.
    room: CallbackRoomBody,
}

/// `{"slug": "..."}`, or `{}` when there is nothing (any more) under the id.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CallbackRoomBody {
    /// The room's slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    slug: Option<String>,
}

impl From<Option<Slug>> for CreationCallbackBody {
    fn from(slug: Option<Slug>) -> Self {
        Self {
            status: "success",
            room: CallbackRoomBody {
                slug: slug.map(|s| s.as_str().to_owned()),
            },
        }
    }
}

/// The text of a `callback_id` value: a string, or a number written out (Django REST
/// framework's `CharField` takes both); `None` for `null`.
///
/// # Errors
///
/// [`Error::Invalid`] on `callback_id` for any other JSON value.
pub(crate) fn callback_id_text(value: Value) -> Result<Option<String>, Error> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        Value::Number(number) => Ok(Some(number.to_string())),
        _ => Err(Error::invalid(FIELD, "Not a valid string.")),
    }
}

/// Takes the slug of the room created with this callback id, once; later calls, unknown and
/// expired ids answer `"room": {}`.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/creation-callback/",
    tag = "rooms",
    request_body = TakeCallback,
    responses(
        (status = 200, description = "`{\"status\": \"success\", \"room\": {\"slug\": \"...\"}}` the first time, then `\"room\": {}`", body = CreationCallbackBody),
        (status = 400, description = "Missing or invalid `callback_id` (`{\"callback_id\": [\"This field is required.\"]}`)"),
        (status = 429, description = "Too many requests from this client address (`Retry-After`)", body = DetailBody),
    ),
    security((), ("bearer" = []))
)]
pub(crate) async fn take(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody<TakeCallback>,
) -> Result<Json<CreationCallbackBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    let id = callback_id_text(required(body.callback_id, FIELD)?)?
        .ok_or_else(|| ApiError::field(FIELD, "This field may not be null."))?;
    let slug = state
        .use_cases
        .creation_callbacks
        .take(&caller, client, &id)
        .await?;
    Ok(Json(slug.into()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_answer_has_the_references_shape() {
        let found = CreationCallbackBody::from(Some(Slug::from_stored("daily".to_owned())));
        assert_eq!(
            serde_json::to_value(found).unwrap(),
            json!({"status": "success", "room": {"slug": "daily"}})
        );
        assert_eq!(
            serde_json::to_value(CreationCallbackBody::from(None)).unwrap(),
            json!({"status": "success", "room": {}})
        );
    }

    #[test]
    fn ids_are_strings_or_numbers() {
        assert_eq!(
            callback_id_text(json!("cb")).unwrap(),
            Some("cb".to_owned())
        );
        assert_eq!(
            callback_id_text(json!(123)).unwrap(),
            Some("123".to_owned())
        );
        assert_eq!(callback_id_text(Value::Null).unwrap(), None);
        for other in [json!(true), json!(["cb"]), json!({"id": "cb"})] {
            let refused = callback_id_text(other).unwrap_err();
            assert!(
                matches!(&refused, Error::Invalid(v) if v[0].field == "callback_id"),
                "{refused:?}"
            );
        }
    }
}
