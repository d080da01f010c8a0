//! Verifying the webhooks LiveKit sends and reading them as domain events.

use anteroom_domain::Error;
use anteroom_domain::media::{ReceivedWebhook, WebhookEvent, WebhookKind, WebhookVerifier};
use livekit_api::access_token::{AccessTokenError, TokenVerifier};
use livekit_api::webhooks::{WebhookError, WebhookReceiver};
use livekit_protocol as proto;

use crate::config::LivekitConfig;
use crate::convert;

/// Verifies webhooks with the crate's `WebhookReceiver`: the `Authorization` header holds a
/// bare JWT signed with our API key and secret whose `sha256` claim is the body's hash.
#[derive(Debug, Clone)]
pub struct LivekitWebhooks {
    receiver: WebhookReceiver,
}

impl LivekitWebhooks {
    /// A verifier for the configured credentials.
    pub fn new(config: &LivekitConfig) -> Self {
        Self {
            receiver: WebhookReceiver::new(TokenVerifier::with_api_key(
                &config.api_key,
                &config.api_secret,
            )),
        }
    }
}

impl WebhookVerifier for LivekitWebhooks {
    /// LiveKit sends the bare JWT; a `Bearer ` prefix (which the crate would refuse with a
    /// misleading message) is stripped defensively.
    fn verify(&self, body: &str, authorization: Option<&str>) -> Result<ReceivedWebhook, Error> {
        let header = authorization
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::Unauthenticated("Authorization header missing".to_owned()))?;
        let token = strip_bearer(header);
        let event = self.receiver.receive(body, token).map_err(|e| match e {
            WebhookError::InvalidData(cause) => {
                Error::invalid("body", format!("not a webhook event: {cause}"))
            }
            WebhookError::InvalidAuth(AccessTokenError::Encoding(cause)) => {
                Error::invalid("authorization", format!("invalid token: {cause}"))
            }
            WebhookError::InvalidSignature => {
                Error::invalid("authorization", "the body does not match the signature")
            }
            other => Error::invalid("authorization", other.to_string()),
        })?;
        received(event)
    }
}

fn strip_bearer(header: &str) -> &str {
    match header.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => header[7..].trim_start(),
        _ => header,
    }
}

/// Reads a verified event.
fn received(event: proto::WebhookEvent) -> Result<ReceivedWebhook, Error> {
    if event.event.is_empty() {
        return Err(Error::invalid("body", "the event has no type"));
    }
    let Some(kind) = WebhookKind::from_wire(&event.event) else {
        return Ok(ReceivedWebhook::Unknown(event.event));
    };
    let room = event
        .room
        .as_ref()
        .map(|r| r.name.clone())
        .filter(|n| !n.is_empty())
        .or_else(|| {
            event
                .egress_info
                .as_ref()
                .map(|e| e.room_name.clone())
                .filter(|n| !n.is_empty())
        });
    Ok(ReceivedWebhook::Event(Box::new(WebhookEvent {
        id: event.id,
        kind,
        room,
        participant: event.participant.map(convert::participant),
        egress: event.egress_info.map(convert::egress),
        created_at: event.created_at,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_a_bearer_prefix_only() {
        assert_eq!(strip_bearer("Bearer abc"), "abc");
        assert_eq!(strip_bearer("bearer  abc"), "abc");
        assert_eq!(strip_bearer("abc.def"), "abc.def");
        assert_eq!(strip_bearer("Bear"), "Bear");
        assert_eq!(strip_bearer("é"), "é");
    }

    #[test]
    fn reads_room_from_the_egress_and_unknown_types() {
        let event = proto::WebhookEvent {
            event: "egress_ended".to_owned(),
            id: "EV_1".to_owned(),
            created_at: 7,
            egress_info: Some(proto::EgressInfo {
                egress_id: "EG_1".to_owned(),
                room_name: "r".to_owned(),
                status: proto::EgressStatus::EgressComplete.into(),
                ..proto::EgressInfo::default()
            }),
            ..proto::WebhookEvent::default()
        };
        let ReceivedWebhook::Event(e) = received(event).unwrap() else {
            panic!("known event");
        };
        assert_eq!(e.kind, WebhookKind::EgressEnded);
        assert_eq!(e.room.as_deref(), Some("r"));
        assert_eq!(
            e.egress.map(|g| g.status),
            Some(anteroom_domain::media::EgressStatus::Complete)
        );
        let unknown = proto::WebhookEvent {
            event: "agent_job_started".to_owned(),
            ..proto::WebhookEvent::default()
        };
        assert_eq!(
            received(unknown).unwrap(),
            ReceivedWebhook::Unknown("agent_job_started".to_owned())
        );
        assert!(received(proto::WebhookEvent::default()).is_err());
    }
}
