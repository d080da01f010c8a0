//! `anteroom.v1.LobbyService` over the lobby use cases, with its two live streams.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::id::ParticipantId;
use anteroom_domain::lobby::{EntryDecision, LobbyEntry, LobbyEvent, LobbyStatus};
use anteroom_domain::room::{Room, RoomRef};
use anteroom_domain::{Caller, Error, UseCases};
use anteroom_proto::v1 as pb;
use anteroom_proto::v1::lobby_service_server::LobbyService;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

use crate::caller::caller_of;
use crate::convert::{bounded, connection_to_pb, lobby_participant_to_pb};
use crate::status::status_from;

/// The longest room reference accepted.
const MAX_REFERENCE_BYTES: usize = 2048;
/// How many messages a slow stream reader may fall behind.
const STREAM_BUFFER: usize = 64;

type Messages<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// The lobby service.
pub(crate) struct LobbyApi {
    use_cases: Arc<UseCases>,
    draining: watch::Receiver<bool>,
}

impl LobbyApi {
    pub(crate) fn new(use_cases: Arc<UseCases>, draining: watch::Receiver<bool>) -> Self {
        Self {
            use_cases,
            draining,
        }
    }
}

fn room_ref(raw: &str) -> Result<RoomRef, Status> {
    bounded(raw, "room", MAX_REFERENCE_BYTES)
        .map(RoomRef::parse)
        .map_err(status_from)
}

fn participant_id(raw: &str) -> Result<ParticipantId, Status> {
    raw.parse()
        .map_err(|e: anteroom_domain::Invalid| status_from(e.at("participant_id")))
}

fn decision(raw: i32) -> Result<EntryDecision, Status> {
    match pb::EntryDecision::try_from(raw) {
        Ok(pb::EntryDecision::Allow) => Ok(EntryDecision::Admit),
        Ok(pb::EntryDecision::Deny) => Ok(EntryDecision::Deny),
        _ => Err(status_from(Error::invalid(
            "decision",
            "must be ENTRY_DECISION_ALLOW or ENTRY_DECISION_DENY",
        ))),
    }
}

fn lobby_message(event: &LobbyEvent) -> pb::WatchLobbyResponse {
    use pb::watch_lobby_response::{Event, Left};
    let event = match event {
        LobbyEvent::ParticipantWaiting(e) => Event::Waiting(lobby_participant_to_pb(e)),
        LobbyEvent::ParticipantAdmitted(e) => Event::Admitted(lobby_participant_to_pb(e)),
        LobbyEvent::ParticipantDenied(e) => Event::Denied(lobby_participant_to_pb(e)),
        LobbyEvent::ParticipantLeft { participant, .. } => Event::Left(Left {
            participant_id: participant.to_string(),
        }),
    };
    pb::WatchLobbyResponse { event: Some(event) }
}

/// Resolves when the server starts draining (or the signal is gone).
async fn drained(draining: &mut watch::Receiver<bool>) {
    // Map the guard away before any other await.
    draining.wait_for(|d| *d).await.map(drop).ok();
}

fn draining_status() -> Status {
    Status::unavailable("The server is shutting down; reconnect.")
}

#[tonic::async_trait]
impl LobbyService for LobbyApi {
    async fn list_waiting_participants(
        &self,
        request: Request<pb::ListWaitingParticipantsRequest>,
    ) -> Result<Response<pb::ListWaitingParticipantsResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let room = room_ref(&request.get_ref().room)?;
        let waiting = self
            .use_cases
            .lobby
            .list_waiting(&caller, &room)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::ListWaitingParticipantsResponse {
            participants: waiting.iter().map(lobby_participant_to_pb).collect(),
        }))
    }

    async fn decide_entry(
        &self,
        request: Request<pb::DecideEntryRequest>,
    ) -> Result<Response<pb::DecideEntryResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let room = room_ref(&request.room)?;
        let participant = participant_id(&request.participant_id)?;
        let decision = decision(request.decision)?;
        let entry = self
            .use_cases
            .lobby
            .decide(&caller, &room, participant, decision)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::DecideEntryResponse {
            participant: Some(lobby_participant_to_pb(&entry)),
        }))
    }

    async fn decide_all(
        &self,
        request: Request<pb::DecideAllRequest>,
    ) -> Result<Response<pb::DecideAllResponse>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let room = room_ref(&request.room)?;
        let decision = decision(request.decision)?;
        let entries = self
            .use_cases
            .lobby
            .decide_all(&caller, &room, decision)
            .await
            .map_err(status_from)?;
        Ok(Response::new(pb::DecideAllResponse {
            participants: entries.iter().map(lobby_participant_to_pb).collect(),
        }))
    }

    type WatchLobbyStream = Messages<pb::WatchLobbyResponse>;

    async fn watch_lobby(
        &self,
        request: Request<pb::WatchLobbyRequest>,
    ) -> Result<Response<Self::WatchLobbyStream>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let room = room_ref(&request.get_ref().room)?;
        let (_, waiting, mut events) = self
            .use_cases
            .lobby
            .watch_lobby(&caller, &room)
            .await
            .map_err(status_from)?;
        let (sender, receiver) = mpsc::channel(STREAM_BUFFER);
        let snapshot = pb::WatchLobbyResponse {
            event: Some(pb::watch_lobby_response::Event::Snapshot(
                pb::watch_lobby_response::Snapshot {
                    participants: waiting.iter().map(lobby_participant_to_pb).collect(),
                },
            )),
        };
        let mut draining = self.draining.clone();
        tokio::spawn(async move {
            if sender.send(Ok(snapshot)).await.is_err() {
                return;
            }
            loop {
                let message = tokio::select! {
                    () = sender.closed() => return,
                    () = drained(&mut draining) => Err(draining_status()),
                    event = events.next() => match event {
                        Some(event) => Ok(lobby_message(&event)),
                        None => Err(Status::unavailable("Lobby events were interrupted; reconnect.")),
                    },
                };
                let last = message.is_err();
                if sender.send(message).await.is_err() || last {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }

    type WatchEntryStream = Messages<pb::WatchEntryResponse>;

    async fn watch_entry(
        &self,
        request: Request<pb::WatchEntryRequest>,
    ) -> Result<Response<Self::WatchEntryStream>, Status> {
        let caller = caller_of(&self.use_cases, request.metadata()).await?;
        let request = request.into_inner();
        let room = room_ref(&request.room)?;
        let participant = participant_id(&request.participant_id)?;
        let (room, current, events) = self
            .use_cases
            .lobby
            .watch_entry(&room, participant)
            .await
            .map_err(status_from)?;
        let current = current.ok_or_else(|| Status::not_found("Participant not found."))?;
        let (sender, receiver) = mpsc::channel(STREAM_BUFFER);
        let watcher = EntryWatcher {
            use_cases: self.use_cases.clone(),
            caller,
            room,
            participant,
            sender,
        };
        tokio::spawn(watcher.run(current, events, self.draining.clone()));
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }
}

/// Follows one waiting participant's entry until a decision, keeping it alive meanwhile.
struct EntryWatcher {
    use_cases: Arc<UseCases>,
    caller: Caller,
    room: Room,
    participant: ParticipantId,
    sender: mpsc::Sender<Result<pb::WatchEntryResponse, Status>>,
}

impl EntryWatcher {
    /// Sends the entry; true when it was the last message (decided, or the reader left).
    async fn send(&self, entry: &LobbyEntry) -> bool {
        let livekit = match self
            .use_cases
            .lobby
            .admitted_answer(&self.caller, &self.room, entry)
        {
            Ok(answer) => answer.map(connection_to_pb),
            Err(error) => {
                self.sender.send(Err(status_from(error))).await.ok();
                return true;
            }
        };
        let message = pb::WatchEntryResponse {
            participant: Some(lobby_participant_to_pb(entry)),
            livekit,
        };
        self.sender.send(Ok(message)).await.is_err() || entry.status != LobbyStatus::Waiting
    }

    async fn run(
        self,
        current: LobbyEntry,
        mut events: anteroom_domain::lobby::EventStream,
        mut draining: watch::Receiver<bool>,
    ) {
        if self.send(&current).await {
            return;
        }
        // Refresh well within the waiting lifetime; the refresh also reads the state, so a
        // decision whose event was lost is still delivered.
        let period = (self.use_cases.lobby.lifetimes().waiting / 3).max(Duration::from_millis(200));
        let mut tick = tokio::time::interval(period);
        loop {
            let entry = tokio::select! {
                () = self.sender.closed() => break,
                () = drained(&mut draining) => {
                    self.sender.send(Err(draining_status())).await.ok();
                    return;
                }
                event = events.next() => match event {
                    Some(LobbyEvent::ParticipantAdmitted(e) | LobbyEvent::ParticipantDenied(e)) => Some(e),
                    Some(_) => continue,
                    None => {
                        self.sender
                            .send(Err(Status::unavailable("Lobby events were interrupted; reconnect.")))
                            .await
                            .ok();
                        return;
                    }
                },
                _ = tick.tick() => match self.use_cases.lobby.keep_alive(&self.room, self.participant).await {
                    Ok(Some(entry)) if entry.status == LobbyStatus::Waiting => continue,
                    Ok(entry) => entry,
                    Err(error) => {
                        self.sender.send(Err(status_from(error))).await.ok();
                        return;
                    }
                },
            };
            let Some(entry) = entry else {
                self.sender
                    .send(Err(Status::not_found("Participant not found.")))
                    .await
                    .ok();
                return;
            };
            if self.send(&entry).await {
                return;
            }
        }
        // The reader went away while waiting.
        self.use_cases
            .lobby
            .left(&self.room, self.participant)
            .await;
    }
}
