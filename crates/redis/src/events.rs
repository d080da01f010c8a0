//! The lobby event bus on Redis pub/sub.
//!
//! Publishing is a `PUBLISH` on the room's channel `anteroom:events:{R}` (through the pool) of
//! the event encoded as JSON (see [`wire`]).
//!
//! Subscribing shares ONE pub/sub connection per [`RedisEventBus`] (so one per process, as a
//! process has one bus) between all the local subscribers:
//!
//! - the first local subscriber of a room creates the room's local broadcast channel and
//!   `SUBSCRIBE`s to the Redis channel; [`EventBus::subscribe`] returns once Redis confirmed,
//!   so every event published after it returns is delivered;
//! - a reader task routes each message of the connection to its room's broadcast channel;
//! - when the last local subscriber of a room drops its stream, the reader task
//!   `UNSUBSCRIBE`s and forgets the room;
//! - when the connection drops (Redis restarted or unreachable; also checked with a `PING`
//!   every [`KEEPALIVE`]), the reader task drops every room's broadcast channel, so every local
//!   stream ends: callers resubscribe and re-read the state, as the port documents. The next
//!   subscribe opens a new connection.
//!
//! A subscriber that falls [`CAPACITY`] events behind sees its stream end too.
//!
//! Caveat of the shared connection: when a room already has a local subscriber, an event
//! published just before another local subscribe returns, and still on its way through the
//! reader task, may reach the new subscriber as well. Events already delivered are never
//! replayed.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::id::RoomId;
use anteroom_domain::lobby::{EventBus, EventStream, LobbyEvent};
use async_trait::async_trait;
use deadpool_redis::redis::aio::{PubSubSink, PubSubStream};
use deadpool_redis::redis::{self, Msg};
use futures_util::StreamExt;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::{Instant, timeout, timeout_at};

use crate::pool::{Failure, RedisPool, from_redis, unavailable};

/// How many events a local subscriber may fall behind before its stream ends.
pub(crate) const CAPACITY: usize = 1024;

/// How often the shared pub/sub connection is checked with a `PING`.
pub(crate) const KEEPALIVE: Duration = Duration::from_secs(15);

/// The Redis channel of a room's events: `anteroom:events:{R}`.
fn channel_of(room: RoomId) -> String {
    format!("anteroom:events:{{{room}}}")
}

/// Lobby events through Redis pub/sub, delivered to the subscribers of every replica.
///
/// Cheap to share behind an `Arc`; create one per process (each instance keeps its own
/// pub/sub connection). Must be used within a Tokio runtime.
#[derive(Debug)]
pub struct RedisEventBus {
    pool: RedisPool,
    hub: Arc<Hub>,
}

impl RedisEventBus {
    /// A bus publishing through `pool`, subscribing through its own pub/sub connection opened
    /// on the first subscription.
    pub fn new(pool: RedisPool) -> Self {
        let hub = Arc::new(Hub {
            client: pool.client().clone(),
            timeout: pool.timeout(),
            link: tokio::sync::Mutex::new(None),
        });
        Self { pool, hub }
    }
}

#[async_trait]
impl EventBus for RedisEventBus {
    async fn publish(&self, event: &LobbyEvent) -> Result<(), Error> {
        let payload = wire::encode(event)?;
        let _receivers: i64 = self
            .pool
            .query(
                redis::cmd("PUBLISH")
                    .arg(channel_of(event.room()))
                    .arg(payload),
            )
            .await?;
        Ok(())
    }

    async fn subscribe(&self, room: RoomId) -> Result<EventStream, Error> {
        let deadline = Instant::now() + self.hub.timeout;
        let channel = channel_of(room);
        let Ok(mut link) = timeout_at(deadline, self.hub.link.lock()).await else {
            return Err(unavailable(Failure::TimedOut(self.hub.timeout)));
        };
        // A connection that died unnoticed fails the first attempt; the second one opens a
        // fresh connection.
        let mut last_error = None;
        for _ in 0..2 {
            let current = match link.as_mut() {
                Some(current) => current,
                None => link.insert(self.hub.open(deadline).await?),
            };
            match current.join(&channel, deadline, self.hub.timeout).await {
                Ok(receiver) => {
                    let release = Release {
                        channel,
                        to: current.releases.clone(),
                    };
                    return Ok(stream(receiver, release));
                }
                Err(err) => {
                    *link = None;
                    last_error = Some(err);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| unavailable(Failure::TimedOut(self.hub.timeout))))
    }
}

/// The subscribing side of a bus.
#[derive(Debug)]
struct Hub {
    client: redis::Client,
    timeout: Duration,
    /// The live pub/sub connection, if any. Locked for every change of subscriptions, so that
    /// `SUBSCRIBE`s and `UNSUBSCRIBE`s never interleave.
    link: tokio::sync::Mutex<Option<Link>>,
}

/// Each room's broadcast channel, by Redis channel name.
type Routes = Mutex<HashMap<String, broadcast::Sender<LobbyEvent>>>;

fn lock(routes: &Routes) -> MutexGuard<'_, HashMap<String, broadcast::Sender<LobbyEvent>>> {
    routes.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One pub/sub connection and the rooms it serves.
#[derive(Debug)]
struct Link {
    sink: PubSubSink,
    routes: Arc<Routes>,
    /// Where dropped streams name their channel.
    releases: mpsc::UnboundedSender<String>,
    /// Dropping the link stops its reader task.
    _stop: oneshot::Sender<()>,
}

impl Hub {
    /// Opens a pub/sub connection and starts its reader task.
    async fn open(self: &Arc<Self>, deadline: Instant) -> Result<Link, Error> {
        let pubsub = match timeout_at(deadline, self.client.get_async_pubsub()).await {
            Ok(Ok(pubsub)) => pubsub,
            Ok(Err(err)) => return Err(from_redis(err)),
            Err(_) => return Err(unavailable(Failure::TimedOut(self.timeout))),
        };
        let (sink, messages) = pubsub.split();
        let routes = Arc::new(Routes::default());
        let (releases, dropped_streams) = mpsc::unbounded_channel();
        let (stop, stopped) = oneshot::channel();
        let reader = Reader {
            hub: Arc::downgrade(self),
            sink: sink.clone(),
            routes: Arc::clone(&routes),
            timeout: self.timeout,
        };
        tokio::spawn(reader.run(messages, dropped_streams, stopped));
        Ok(Link {
            sink,
            routes,
            releases,
            _stop: stop,
        })
    }
}

impl Link {
    /// A receiver of the room's events, subscribing the connection to its channel first if
    /// no local subscriber had.
    async fn join(
        &mut self,
        channel: &str,
        deadline: Instant,
        limit: Duration,
    ) -> Result<broadcast::Receiver<LobbyEvent>, Error> {
        let (receiver, first) = match lock(&self.routes).entry(channel.to_owned()) {
            Entry::Occupied(route) => (route.get().subscribe(), false),
            Entry::Vacant(route) => {
                let (sender, receiver) = broadcast::channel(CAPACITY);
                route.insert(sender);
                (receiver, true)
            }
        };
        if first {
            let failed = match timeout_at(deadline, self.sink.subscribe(channel)).await {
                Ok(Ok(())) => None,
                Ok(Err(err)) => Some(from_redis(err)),
                Err(_) => Some(unavailable(Failure::TimedOut(limit))),
            };
            if let Some(err) = failed {
                lock(&self.routes).remove(channel);
                return Err(err);
            }
        }
        Ok(receiver)
    }
}

/// Names the channel of a dropped stream to the reader task.
struct Release {
    channel: String,
    to: mpsc::UnboundedSender<String>,
}

impl Drop for Release {
    fn drop(&mut self) {
        // The reader is gone when the connection is: nothing to unsubscribe then.
        let _ = self.to.send(std::mem::take(&mut self.channel));
    }
}

/// A subscriber's stream: ends when the room's channel closes or the subscriber lags.
fn stream(receiver: broadcast::Receiver<LobbyEvent>, release: Release) -> EventStream {
    /// Fields drop in order: the receiver first, so that the release sees it gone.
    struct Subscription {
        receiver: broadcast::Receiver<LobbyEvent>,
        _release: Release,
    }
    let subscription = Subscription {
        receiver,
        _release: release,
    };
    Box::pin(futures_util::stream::unfold(
        subscription,
        |mut subscription| async move {
            match subscription.receiver.recv().await {
                Ok(event) => Some((event, subscription)),
                Err(_) => None,
            }
        },
    ))
}

/// The task that owns a connection's message stream.
struct Reader {
    hub: Weak<Hub>,
    sink: PubSubSink,
    routes: Arc<Routes>,
    timeout: Duration,
}

impl Reader {
    async fn run(
        mut self,
        mut messages: PubSubStream,
        mut released: mpsc::UnboundedReceiver<String>,
        mut stopped: oneshot::Receiver<()>,
    ) {
        let mut keepalive = tokio::time::interval_at(Instant::now() + KEEPALIVE, KEEPALIVE);
        loop {
            tokio::select! {
                message = messages.next() => {
                    let Some(message) = message else {
                        tracing::warn!(
                            "the Redis pub/sub connection closed; lobby event streams end"
                        );
                        break;
                    };
                    self.route(&message);
                }
                Some(channel) = released.recv() => {
                    if !self.release(channel).await {
                        break;
                    }
                }
                _ = keepalive.tick() => {
                    if !self.alive().await {
                        tracing::warn!(
                            "the Redis pub/sub connection does not answer; lobby event streams end"
                        );
                        break;
                    }
                }
                _ = &mut stopped => break,
            }
        }
        self.close().await;
    }

    /// Whether the connection answers a `PING` in time.
    async fn alive(&mut self) -> bool {
        let pong = timeout(self.timeout, self.sink.ping::<redis::Value>()).await;
        matches!(pong, Ok(Ok(_)))
    }

    /// Hands a message to its room's local subscribers.
    fn route(&self, message: &Msg) {
        let channel = message.get_channel_name();
        let event = match wire::decode(message.get_payload_bytes()) {
            Ok(event) => event,
            Err(err) => {
                tracing::warn!(channel, %err, "dropped an undecodable lobby event");
                return;
            }
        };
        if channel_of(event.room()) != channel {
            tracing::warn!(
                channel,
                room = %event.room(),
                "dropped a lobby event of another room"
            );
            return;
        }
        if let Some(sender) = lock(&self.routes).get(channel) {
            // No receiver left: its release is on its way.
            let _ = sender.send(event);
        }
    }

    /// Unsubscribes from a channel whose last local subscriber went. Returns false when the
    /// connection is no longer usable.
    async fn release(&mut self, channel: String) -> bool {
        let Some(hub) = self.hub.upgrade() else {
            return false;
        };
        let link = hub.link.lock().await;
        if !link
            .as_ref()
            .is_some_and(|link| Arc::ptr_eq(&link.routes, &self.routes))
        {
            // This connection was replaced.
            return false;
        }
        let idle = {
            let mut routes = lock(&self.routes);
            let idle = routes
                .get(&channel)
                .is_some_and(|sender| sender.receiver_count() == 0);
            if idle {
                routes.remove(&channel);
            }
            idle
        };
        if idle {
            let done = timeout(self.timeout, self.sink.unsubscribe(&channel)).await;
            if !matches!(done, Ok(Ok(()))) {
                tracing::warn!(
                    channel,
                    "UNSUBSCRIBE failed; closing the Redis pub/sub connection"
                );
                drop(link);
                return false;
            }
        }
        drop(link);
        true
    }

    /// Forgets the connection and ends every local stream.
    async fn close(self) {
        if let Some(hub) = self.hub.upgrade() {
            let mut link = hub.link.lock().await;
            if link
                .as_ref()
                .is_some_and(|link| Arc::ptr_eq(&link.routes, &self.routes))
            {
                *link = None;
            }
        }
        lock(&self.routes).clear();
    }
}

/// The JSON form of lobby events on the wire (private to this adapter: both ends run it).
pub(crate) mod wire {
    use anteroom_domain::Error;
    use anteroom_domain::id::{ParticipantId, RoomId, UserId};
    use anteroom_domain::lobby::{LobbyEntry, LobbyEvent, LobbyStatus};
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Serialize};

    /// An event, tagged `participantWaiting`, `participantAdmitted`, `participantDenied` or
    /// `participantLeft`.
    #[derive(Serialize, Deserialize)]
    #[serde(tag = "type")]
    enum Event {
        #[serde(rename = "participantWaiting")]
        Waiting { entry: Entry },
        #[serde(rename = "participantAdmitted")]
        Admitted { entry: Entry },
        #[serde(rename = "participantDenied")]
        Denied { entry: Entry },
        #[serde(rename = "participantLeft")]
        Left {
            room: RoomId,
            participant: ParticipantId,
        },
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Status {
        Waiting,
        Accepted,
        Denied,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Entry {
        room: RoomId,
        participant: ParticipantId,
        identity: String,
        username: String,
        color: String,
        status: Status,
        requested_at: DateTime<Utc>,
        decided_at: Option<DateTime<Utc>>,
        decided_by: Option<UserId>,
    }

    impl From<&LobbyEntry> for Entry {
        fn from(e: &LobbyEntry) -> Self {
            Self {
                room: e.room,
                participant: e.participant,
                identity: e.identity.clone(),
                username: e.username.clone(),
                color: e.color.clone(),
                status: match e.status {
                    LobbyStatus::Waiting => Status::Waiting,
                    LobbyStatus::Accepted => Status::Accepted,
                    LobbyStatus::Denied => Status::Denied,
                },
                requested_at: e.requested_at,
                decided_at: e.decided_at,
                decided_by: e.decided_by,
            }
        }
    }

    impl From<Entry> for LobbyEntry {
        fn from(e: Entry) -> Self {
            Self {
                room: e.room,
                participant: e.participant,
                identity: e.identity,
                username: e.username,
                color: e.color,
                status: match e.status {
                    Status::Waiting => LobbyStatus::Waiting,
                    Status::Accepted => LobbyStatus::Accepted,
                    Status::Denied => LobbyStatus::Denied,
                },
                requested_at: e.requested_at,
                decided_at: e.decided_at,
                decided_by: e.decided_by,
            }
        }
    }

    /// The JSON of an event.
    pub(crate) fn encode(event: &LobbyEvent) -> Result<String, Error> {
        let wire = match event {
            LobbyEvent::ParticipantWaiting(e) => Event::Waiting { entry: e.into() },
            LobbyEvent::ParticipantAdmitted(e) => Event::Admitted { entry: e.into() },
            LobbyEvent::ParticipantDenied(e) => Event::Denied { entry: e.into() },
            LobbyEvent::ParticipantLeft { room, participant } => Event::Left {
                room: *room,
                participant: *participant,
            },
        };
        serde_json::to_string(&wire).map_err(Error::internal)
    }

    /// The event of some JSON.
    pub(crate) fn decode(json: &[u8]) -> Result<LobbyEvent, serde_json::Error> {
        Ok(match serde_json::from_slice(json)? {
            Event::Waiting { entry } => LobbyEvent::ParticipantWaiting(entry.into()),
            Event::Admitted { entry } => LobbyEvent::ParticipantAdmitted(entry.into()),
            Event::Denied { entry } => LobbyEvent::ParticipantDenied(entry.into()),
            Event::Left { room, participant } => LobbyEvent::ParticipantLeft { room, participant },
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_event_round_trips() {
            let room = RoomId::new();
            let participant = ParticipantId::random();
            let entry = LobbyEntry {
                room,
                participant,
                identity: "sub-ü".to_owned(),
                username: "Zoë \"the\" <tester> 🎉".to_owned(),
                color: "hsl(10, 45%, 45%)".to_owned(),
                status: LobbyStatus::Accepted,
                requested_at: DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap(),
                decided_at: Some(DateTime::from_timestamp(1_700_000_001, 0).unwrap()),
                decided_by: Some(UserId::new()),
            };
            let waiting = LobbyEntry {
                status: LobbyStatus::Waiting,
                decided_at: None,
                decided_by: None,
                ..entry.clone()
            };
            for event in [
                LobbyEvent::ParticipantWaiting(waiting),
                LobbyEvent::ParticipantAdmitted(entry.clone()),
                LobbyEvent::ParticipantDenied(LobbyEntry {
                    status: LobbyStatus::Denied,
                    ..entry
                }),
                LobbyEvent::ParticipantLeft { room, participant },
            ] {
                let json = encode(&event).unwrap();
                assert_eq!(decode(json.as_bytes()).unwrap(), event, "{json}");
            }
        }

        #[test]
        fn the_format_is_tagged_camel_case() {
            let room = RoomId::new();
            let participant = ParticipantId::random();
            let json = encode(&LobbyEvent::ParticipantLeft { room, participant }).unwrap();
            assert_eq!(
                json,
                format!(
                    r#"{{"type":"participantLeft","room":"{room}","participant":"{participant}"}}"#
                )
            );
            assert!(decode(b"{\"type\":\"nonsense\"}").is_err());
        }
    }
}
