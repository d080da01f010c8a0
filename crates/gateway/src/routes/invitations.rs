//! E-mail invitations to a room's meeting (`POST /rooms/{id}/invite/`), written in the
//! request's language (`Accept-Language`, as the reference's `LocaleMiddleware`; else the
//! caller's own language).

use anteroom_domain::invitation::{InviteToRoom, Recipients};
use anteroom_domain::room::RoomRef;
use anteroom_domain::user::Language;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::body::DetailBody;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParam, required};

/// `{"emails": ["...", ...]}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct Invite {
    /// The addresses to invite: 1 to 100 valid e-mail addresses (exact duplicates are sent
    /// once).
    #[schema(value_type = Vec<String>, required = true, min_items = 1, max_items = 100)]
    emails: Option<Value>,
}

/// `{"status": "success", "message": "invitations sent"}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InvitedBody {
    status: String,
    message: String,
}

/// The name Python gives a JSON value's type, as DRF's messages show it.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// The items of `emails` as text (a non-string item reads as its JSON text, which no address
/// matches, as DRF's `EmailField` reads `str(item)`).
///
/// # Errors
///
/// 400 naming `emails` when it is absent or not a list.
fn addresses(emails: Option<Value>) -> Result<Vec<String>, ApiError> {
    match required(emails, "emails")? {
        Value::Array(items) => Ok(items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => text,
                other => other.to_string(),
            })
            .collect()),
        other => Err(ApiError::field(
            "emails",
            &format!(
                "Expected a list of items but got type \"{}\".",
                python_type(&other)
            ),
        )),
    }
}

/// The language of a tag by its primary subtag (`fr`, `fr-CA` → French).
fn language_of(tag: &str) -> Option<Language> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    match primary.as_str() {
        "en" => Some(Language::EnUs),
        "fr" => Some(Language::FrFr),
        "nl" => Some(Language::NlNl),
        "de" => Some(Language::DeDe),
        _ => None,
    }
}

/// The language `Accept-Language` prefers among Anteroom's (highest quality, then first
/// listed); `None` when it names none of them.
fn accepted_language(headers: &HeaderMap) -> Option<Language> {
    let header = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(f32, Language)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let Some(language) = parts.next().and_then(language_of) else {
            continue;
        };
        let quality = match parts.find_map(|p| p.trim().strip_prefix("q=")) {
            None => 1.0,
            Some(q) => match q.trim().parse::<f32>() {
                Ok(q) if (0.0..=1.0).contains(&q) => q,
                _ => continue,
            },
        };
        if quality > 0.0 && best.is_none_or(|(best, _)| quality > best) {
            best = Some((quality, language));
        }
    }
    best.map(|(_, language)| language)
}

/// E-mails the given addresses one invitation to join the room's meeting, from the caller.
#[utoipa::path(
    post,
    path = "/api/v1.0/rooms/{id}/invite/",
    tag = "rooms",
    params(
        ("id" = String, Path, description = "The room's id or slug"),
        ("Accept-Language" = Option<String>, Header, description = "The language of the mail (en, fr, nl, de; else the caller's)"),
    ),
    request_body = Invite,
    responses(
        (status = 200, description = "`{\"status\": \"success\", \"message\": \"invitations sent\"}`", body = InvitedBody),
        (status = 400, description = "`emails` missing, not a list, empty, over 100 addresses or with an invalid address: `{\"emails\": [\"...\"]}`"),
        (status = 401, description = "Not authenticated", body = DetailBody),
        (status = 403, description = "Not an administrator or owner", body = DetailBody),
        (status = 404, description = "No such room, or invitations are disabled (no mail relay configured)", body = DetailBody),
        (status = 503, description = "The mail relay cannot be reached or refuses the mail", body = DetailBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn invite(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Invite>,
) -> Result<Json<InvitedBody>, ApiError> {
    let caller = state.caller(&headers).await?;
    caller.require_user()?;
    let request = InviteToRoom {
        recipients: Recipients::parse(&addresses(body.emails)?)?,
        language: accepted_language(&headers),
    };
    state
        .use_cases
        .invitations
        .invite(&caller, &RoomRef::parse(&id), request)
        .await?;
    Ok(Json(InvitedBody {
        status: "success".to_owned(),
        message: "invitations sent".to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;

    use super::*;

    fn accept(value: &str) -> Option<Language> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap(),
        );
        accepted_language(&headers)
    }

    #[test]
    fn the_preferred_supported_language_wins() {
        assert_eq!(accepted_language(&HeaderMap::new()), None);
        assert_eq!(accept("fr-FR,fr;q=0.9,en;q=0.8"), Some(Language::FrFr));
        assert_eq!(accept("ja, de-AT;q=0.5, nl;q=0.7"), Some(Language::NlNl));
        assert_eq!(
            accept("en-GB, de"),
            Some(Language::EnUs),
            "first among equals"
        );
        assert_eq!(accept("de;q=0, *"), None);
        assert_eq!(accept("es, pt-BR;q=0.9"), None);
        assert_eq!(accept("fr;q=bad, nl;q=0.1"), Some(Language::NlNl));
    }

    #[test]
    fn emails_must_be_a_list() {
        let message = |value: Option<Value>| match addresses(value) {
            Err(ApiError::Domain(anteroom_domain::Error::Invalid(v), _)) => {
                assert_eq!(v[0].field, "emails");
                v[0].description.clone()
            }
            other => panic!("expected a violation on emails, got {other:?}"),
        };
        assert_eq!(message(None), "This field is required.");
        assert_eq!(
            message(Some(json!("a@example.org"))),
            "Expected a list of items but got type \"str\"."
        );
        assert_eq!(
            message(Some(json!({"a": 1}))),
            "Expected a list of items but got type \"dict\"."
        );
        assert_eq!(
            addresses(Some(json!(["a@example.org", 5, null]))).unwrap(),
            ["a@example.org", "5", "null"]
        );
    }
}
