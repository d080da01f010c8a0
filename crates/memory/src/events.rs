//! An in-process [`EventBus`]: one broadcast channel per room with subscribers.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use anteroom_domain::Error;
use anteroom_domain::id::RoomId;
use anteroom_domain::lobby::{EventBus, EventStream, LobbyEvent};
use async_trait::async_trait;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// How many events a slow subscriber may fall behind before its stream ends.
const CAPACITY: usize = 256;

/// Fans lobby events out to the subscribers of this process.
#[derive(Debug, Default)]
pub struct MemoryEventBus {
    rooms: Mutex<HashMap<RoomId, broadcast::Sender<LobbyEvent>>>,
}

impl MemoryEventBus {
    /// A bus without subscribers.
    pub fn new() -> Self {
        Self::default()
    }

    fn rooms(&self) -> MutexGuard<'_, HashMap<RoomId, broadcast::Sender<LobbyEvent>>> {
        self.rooms
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl EventBus for MemoryEventBus {
    async fn publish(&self, event: &LobbyEvent) -> Result<(), Error> {
        let mut rooms = self.rooms();
        let room = event.room();
        if let Some(sender) = rooms.get(&room)
            && sender.send(event.clone()).is_err()
        {
            // Nobody listens any more: forget the room.
            rooms.remove(&room);
        }
        Ok(())
    }

    async fn subscribe(&self, room: RoomId) -> Result<EventStream, Error> {
        let receiver = self
            .rooms()
            .entry(room)
            .or_insert_with(|| broadcast::channel(CAPACITY).0)
            .subscribe();
        // A lagging subscriber's stream ends; it resubscribes and reads the state again.
        let stream = BroadcastStream::new(receiver)
            .take_while(Result::is_ok)
            .filter_map(Result::ok);
        Ok(Box::pin(stream))
    }
}
