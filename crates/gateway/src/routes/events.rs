//! `GET /api/v1.0/rooms/{id}/events/`: Server-Sent Events.
//!
//! A host (administrator or owner) gets the room's lobby: `snapshot` (the waiting list) first,
//! then `participantWaiting`, `participantAdmitted`, `participantDenied`, `participantLeft`.
//! A waiting participant (its `lobbyParticipantId` cookie, or `?participant_id=`) gets its own
//! entry: `status` now (with `livekit` once accepted), then `status` again when a host decides
//! (the stream then ends), or `expired`. While it watches, its entry is kept alive. Streams end
//! when the server shuts down (clients reconnect, and the first event re-synchronises them).

use std::convert::Infallible;
use std::time::Duration;

use anteroom_domain::id::ParticipantId;
use anteroom_domain::lobby::{EventStream, LobbyEntry, LobbyEvent, LobbyStatus};
use anteroom_domain::room::{Room, RoomRef};
use anteroom_domain::{Caller, Error};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::IntoParams;

use crate::AppState;
use crate::auth::lobby_cookie;
use crate::body::{EntryBody, LobbyParticipantBody};
use crate::error::ApiError;
use crate::extract::{PathParam, QueryParams};

/// How many events a slow reader may fall behind.
const STREAM_BUFFER: usize = 64;

/// `?participant_id=`: follow this participant's entry.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EventsQuery {
    /// A waiting participant's id (else its `lobbyParticipantId` cookie).
    participant_id: Option<String>,
}

fn event(name: &str, data: &impl Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event(name))
}

fn lobby_event(event_: &LobbyEvent) -> Event {
    match event_ {
        LobbyEvent::ParticipantWaiting(e) => {
            event("participantWaiting", &LobbyParticipantBody::from(e))
        }
        LobbyEvent::ParticipantAdmitted(e) => {
            event("participantAdmitted", &LobbyParticipantBody::from(e))
        }
        LobbyEvent::ParticipantDenied(e) => {
            event("participantDenied", &LobbyParticipantBody::from(e))
        }
        LobbyEvent::ParticipantLeft { participant, .. } => {
            event("participantLeft", &json!({ "id": participant.as_uuid() }))
        }
    }
}

/// The room's live lobby (hosts), or a participant's own entry.
#[utoipa::path(
    get,
    path = "/api/v1.0/rooms/{id}/events/",
    tag = "lobby",
    params(("id" = String, Path, description = "The room's id or slug"), EventsQuery),
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream", body = String),
        (status = 401, description = "Not authenticated, and no participant id", body = crate::body::DetailBody),
        (status = 403, description = "Not a host, and no participant id", body = crate::body::DetailBody),
        (status = 404, description = "No such room, or no such participant", body = crate::body::DetailBody),
    ),
    security((), ("bearer" = []))
)]
pub(crate) async fn events(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<EventsQuery>,
) -> Result<Response, ApiError> {
    let explicit = query
        .participant_id
        .map(|raw| {
            raw.parse::<ParticipantId>()
                .map_err(|_| ApiError::field("participant_id", "Must be a valid UUID."))
        })
        .transpose()?;
    let cookie = lobby_cookie(&headers);
    let participant = explicit.or(cookie);
    let caller = state.caller_with_participant(&headers, participant).await?;
    let room = RoomRef::parse(&id);
    if explicit.is_none() && (caller.is_authenticated() || participant.is_none()) {
        match state.use_cases.lobby.watch_lobby(&caller, &room).await {
            Ok((_, waiting, events)) => return Ok(lobby_stream(&state, &waiting, events)),
            // A user who is no host but waits in the lobby follows its entry.
            Err(Error::PermissionDenied(_)) if participant.is_some() => {}
            Err(error) => return Err(error.into()),
        }
    }
    let participant =
        participant.ok_or_else(|| ApiError::field("participant_id", "This field is required."))?;
    let (room, current, events) = state
        .use_cases
        .lobby
        .watch_entry(&room, participant)
        .await?;
    let current = current.ok_or_else(|| Error::NotFound("Participant not found.".to_owned()))?;
    let watcher = EntryWatcher {
        state: state.clone(),
        caller,
        room,
        participant,
    };
    let (sender, receiver) = mpsc::channel(STREAM_BUFFER);
    tokio::spawn(watcher.run(current, events, sender));
    Ok(sse(&state, receiver))
}

fn sse(state: &AppState, receiver: mpsc::Receiver<Event>) -> Response {
    let stream = ReceiverStream::new(receiver).map(Ok::<Event, Infallible>);
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(state.settings.keep_alive))
        .into_response()
}

fn lobby_stream(state: &AppState, waiting: &[LobbyEntry], mut events: EventStream) -> Response {
    let (sender, receiver) = mpsc::channel(STREAM_BUFFER);
    let snapshot = event(
        "snapshot",
        &json!({
            "participants": waiting.iter().map(LobbyParticipantBody::from).collect::<Vec<_>>()
        }),
    );
    let shutdown = state.settings.shutdown.clone();
    tokio::spawn(async move {
        if sender.send(snapshot).await.is_err() {
            return;
        }
        loop {
            let next = tokio::select! {
                () = sender.closed() => return,
                () = shutdown.triggered() => return,
                next = events.next() => next,
            };
            // The bus ended (shutdown, or this reader fell behind): the client reconnects.
            let Some(next) = next else { return };
            if sender.send(lobby_event(&next)).await.is_err() {
                return;
            }
        }
    });
    sse(state, receiver)
}

/// Follows one participant's entry until a decision, keeping it alive meanwhile.
struct EntryWatcher {
    state: AppState,
    caller: Caller,
    room: Room,
    participant: ParticipantId,
}

impl EntryWatcher {
    /// Sends the entry; true when it was the last event (decided, or the reader left).
    async fn send(&self, entry: &LobbyEntry, sender: &mpsc::Sender<Event>) -> bool {
        let lobby = &self.state.use_cases.lobby;
        let livekit = match lobby.admitted_answer(&self.caller, &self.room, entry) {
            Ok(answer) => answer,
            Err(error) => {
                tracing::warn!(error = %error, "no join answer for an admitted participant");
                return true;
            }
        };
        let body = EntryBody::of(entry, livekit);
        sender.send(event("status", &body)).await.is_err() || entry.status != LobbyStatus::Waiting
    }

    async fn run(self, current: LobbyEntry, mut events: EventStream, sender: mpsc::Sender<Event>) {
        if self.send(&current, &sender).await {
            return;
        }
        let lobby = self.state.use_cases.lobby.clone();
        let shutdown = self.state.settings.shutdown.clone();
        // Refresh well within the waiting lifetime; the refresh also reads the state, so a
        // decision whose event was lost is still delivered.
        let period = (lobby.lifetimes().waiting / 3).max(Duration::from_millis(200));
        let mut tick = tokio::time::interval(period);
        loop {
            let entry = tokio::select! {
                () = sender.closed() => break,
                () = shutdown.triggered() => return,
                next = events.next() => match next {
                    Some(LobbyEvent::ParticipantAdmitted(e) | LobbyEvent::ParticipantDenied(e)) => Some(e),
                    Some(_) => continue,
                    None => return,
                },
                _ = tick.tick() => match lobby.keep_alive(&self.room, self.participant).await {
                    Ok(Some(entry)) if entry.status == LobbyStatus::Waiting => continue,
                    Ok(entry) => entry,
                    Err(error) => {
                        tracing::warn!(error = %error, "lobby entry not kept alive");
                        return;
                    }
                },
            };
            let Some(entry) = entry else {
                let gone = json!({ "id": self.participant.as_uuid() });
                sender.send(event("expired", &gone)).await.ok();
                return;
            };
            if self.send(&entry, &sender).await {
                return;
            }
        }
        // The reader went away while waiting.
        lobby.left(&self.room, self.participant).await;
    }
}
