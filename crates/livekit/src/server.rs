//! The server API: rooms and participants ([`MediaServer`]); egress and SIP live in sibling
//! modules on the same [`LivekitServer`].

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::media::{DataMessage, MediaServer, Participant, ParticipantUpdate, Track};
use async_trait::async_trait;
use livekit_api::access_token::{AccessToken, VideoGrants};
use livekit_api::services::egress::EgressClient;
use livekit_api::services::room::{RoomClient, SendDataOptions, UpdateParticipantOptions};
use livekit_api::services::sip::SIPClient;
use livekit_api::services::{ServerError, ServerErrorCode, ServiceError};
use livekit_protocol as proto;
use prost::Message as _;
use serde_json::{Map, Value};

use crate::config::{LivekitConfig, S3Output, VideoEncoding, api_url_from};
use crate::convert;
use crate::error::translate;

/// The LiveKit server API: rooms and participants, recording egress and SIP, over Twirp with
/// the crate's `RoomClient`, `EgressClient` and `SIPClient` (each request signed with the API
/// key and secret, bounded by the configured request timeout).
pub struct LivekitServer {
    pub(crate) room: RoomClient,
    pub(crate) egress: EgressClient,
    pub(crate) sip: SIPClient,
    /// A plain HTTP client for `MutePublishedTrack` (see [`LivekitServer::mute_track`]).
    http: reqwest::Client,
    api_url: String,
    api_key: String,
    api_secret: String,
    timeout: Duration,
    pub(crate) storage: Option<S3Output>,
    pub(crate) video_encoding: Option<VideoEncoding>,
}

impl std::fmt::Debug for LivekitServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivekitServer")
            .field("api_url", &self.api_url)
            .field("api_key", &self.api_key)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl LivekitServer {
    /// Clients for the configured API URL (a `ws(s)://` URL is accepted and rewritten) and
    /// credentials.
    ///
    /// # Errors
    ///
    /// - [`Error::Internal`] when the HTTP client cannot be built (no TLS backend).
    pub fn new(config: &LivekitConfig) -> Result<Self, Error> {
        let api_url = api_url_from(&config.api_url);
        let (key, secret, timeout) = (
            config.api_key.as_str(),
            config.api_secret.as_str(),
            config.request_timeout,
        );
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(Error::internal)?;
        Ok(Self {
            room: RoomClient::with_api_key(&api_url, key, secret)
                .with_failover(false)
                .with_request_timeout(timeout),
            egress: EgressClient::with_api_key(&api_url, key, secret)
                .with_failover(false)
                .with_request_timeout(timeout),
            sip: SIPClient::with_api_key(&api_url, key, secret)
                .with_failover(false)
                .with_request_timeout(timeout),
            http,
            api_url,
            api_key: key.to_owned(),
            api_secret: secret.to_owned(),
            timeout,
            storage: config.egress_storage.clone(),
            video_encoding: config.video_encoding,
        })
    }

    /// `RoomService.MutePublishedTrack`, called directly rather than through
    /// `RoomClient::mute_published_track`, which panics (`resp.track.unwrap()`) when the
    /// server answers without the track. Same wire format as the crate: protobuf body,
    /// `Bearer` token with `roomAdmin` on the room, Twirp JSON errors. A response without a
    /// track is `NotFound`.
    async fn mute_published_track(
        &self,
        room: &str,
        identity: &str,
        track_sid: &str,
    ) -> Result<Result<proto::TrackInfo, Error>, ServiceError> {
        let token = AccessToken::with_api_key(&self.api_key, &self.api_secret)
            .with_ttl(Duration::from_mins(10))
            .with_grants(VideoGrants {
                room_admin: true,
                room: room.to_owned(),
                ..VideoGrants::default()
            })
            .to_jwt()?;
        let request = proto::MuteRoomTrackRequest {
            room: room.to_owned(),
            identity: identity.to_owned(),
            track_sid: track_sid.to_owned(),
            muted: true,
        };
        let response = self
            .http
            .post(format!(
                "{}/twirp/livekit.RoomService/MutePublishedTrack",
                self.api_url
            ))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/protobuf")
            .header(
                reqwest::header::USER_AGENT,
                concat!("anteroom-livekit/", env!("CARGO_PKG_VERSION")),
            )
            .body(request.encode_to_vec())
            .send()
            .await
            .map_err(ServerError::from)?;
        if response.status() != reqwest::StatusCode::OK {
            let code: ServerErrorCode = response.json().await.map_err(ServerError::from)?;
            return Err(ServerError::Twirp(code).into());
        }
        let bytes = response.bytes().await.map_err(ServerError::from)?;
        let answer = proto::MuteRoomTrackResponse::decode(bytes).map_err(ServerError::from)?;
        Ok(answer.track.ok_or_else(|| {
            Error::NotFound(format!(
                "LiveKit answered without track {track_sid} of {identity}"
            ))
        }))
    }
}

/// Parses room metadata as a JSON object; empty or not an object reads as `{}`.
fn metadata_object(metadata: &str) -> Map<String, Value> {
    match serde_json::from_str::<Value>(metadata) {
        Ok(Value::Object(object)) => object,
        _ => Map::new(),
    }
}

#[async_trait]
impl MediaServer for LivekitServer {
    /// Reads the room with `ListRooms`, removes `remove`, merges `set`, and writes the
    /// result back with `UpdateRoomMetadata`. Concurrent writers are last-write-wins, as
    /// LiveKit offers no compare-and-set.
    async fn merge_room_metadata(
        &self,
        room: &str,
        set: Map<String, Value>,
        remove: Vec<String>,
    ) -> Result<(), Error> {
        let rooms = self
            .room
            .list_rooms(vec![room.to_owned()])
            .await
            .map_err(translate)?;
        let current = rooms
            .into_iter()
            .find(|r| r.name == room)
            .ok_or_else(|| Error::NotFound(format!("room {room} is not live")))?;
        let mut metadata = metadata_object(&current.metadata);
        for key in &remove {
            metadata.remove(key);
        }
        metadata.extend(set);
        let text = Value::Object(metadata).to_string();
        self.room
            .update_room_metadata(room, &text)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn delete_room(&self, room: &str) -> Result<(), Error> {
        self.room.delete_room(room).await.map_err(translate)
    }

    async fn list_participants(&self, room: &str) -> Result<Vec<Participant>, Error> {
        let participants = self.room.list_participants(room).await.map_err(translate)?;
        Ok(participants.into_iter().map(convert::participant).collect())
    }

    async fn get_participant(&self, room: &str, identity: &str) -> Result<Participant, Error> {
        self.room
            .get_participant(room, identity)
            .await
            .map(convert::participant)
            .map_err(translate)
    }

    async fn remove_participant(&self, room: &str, identity: &str) -> Result<(), Error> {
        self.room
            .remove_participant(room, identity)
            .await
            .map_err(translate)
    }

    /// Calls the Twirp endpoint directly (see `mute_published_track`), so a server that
    /// answers without the track gives `NotFound` instead of the crate's panic.
    async fn mute_track(
        &self,
        room: &str,
        identity: &str,
        track_sid: &str,
    ) -> Result<Track, Error> {
        let info = self
            .mute_published_track(room, identity, track_sid)
            .await
            .map_err(translate)??;
        Ok(convert::track(&info))
    }

    /// Sends metadata, merged attributes, the permission and the name in one
    /// `UpdateParticipant`. A permission update is applied over the participant's current
    /// permission (read with `GetParticipant`), so fields the update leaves out keep their
    /// value instead of falling to LiveKit's `false`.
    async fn update_participant(
        &self,
        room: &str,
        identity: &str,
        update: ParticipantUpdate,
    ) -> Result<Participant, Error> {
        let permission = match &update.permission {
            Some(change) => {
                let current = self
                    .room
                    .get_participant(room, identity)
                    .await
                    .map_err(translate)?;
                Some(convert::permission(current.permission, change))
            }
            None => None,
        };
        let options = UpdateParticipantOptions {
            metadata: update.metadata.unwrap_or_default(),
            attributes: update.attributes.unwrap_or_default().into_iter().collect(),
            permission,
            name: update.name.unwrap_or_default(),
        };
        self.room
            .update_participant(room, identity, options)
            .await
            .map(convert::participant)
            .map_err(translate)
    }

    async fn send_data(&self, room: &str, message: DataMessage) -> Result<(), Error> {
        let options = SendDataOptions {
            kind: proto::data_packet::Kind::Reliable,
            destination_identities: message.destinations,
            topic: message.topic,
            ..SendDataOptions::default()
        };
        self.room
            .send_data(room, message.payload, options)
            .await
            .map_err(translate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_that_is_not_an_object_reads_as_empty() {
        assert!(metadata_object("").is_empty());
        assert!(metadata_object("not json").is_empty());
        assert!(metadata_object("[1]").is_empty());
        assert_eq!(metadata_object(r#"{"a":1}"#).len(), 1);
    }
}
