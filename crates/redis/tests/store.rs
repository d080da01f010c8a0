//! What the Redis lobby store does beyond the shared contract: its key layout and expiries,
//! lazy cleaning of the indexes, corrupted entries, replicas racing on separate pools, and
//! connection errors.

mod common;

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::id::{RoomId, UserId};
use anteroom_domain::lobby::{EntryDecision, LobbyEntry, LobbyLifetimes, LobbyStatus, LobbyStore};
use anteroom_redis::{RedisConfig, RedisLobbyStore, RedisPool, connect};
use anteroom_testkit::contract::lobby::{new_entry, now_ms, stable_lifetimes};
use deadpool_redis::redis::{self, AsyncCommands};
use tokio::task::JoinSet;

/// A raw connection to the test Redis, to look at and tamper with the keys.
async fn raw() -> redis::aio::MultiplexedConnection {
    let url = common::redis_url().expect("the test Redis runs");
    redis::Client::open(url)
        .expect("a valid URL")
        .get_multiplexed_async_connection()
        .await
        .expect("a raw connection")
}

async fn store() -> Option<(RedisLobbyStore, redis::aio::MultiplexedConnection)> {
    let pool = common::pool().await?;
    Some((RedisLobbyStore::new(pool), raw().await))
}

fn entry_key(entry: &LobbyEntry) -> String {
    format!("anteroom:lobby:{{{}}}:p:{}", entry.room, entry.participant)
}

fn waiting_key(room: RoomId) -> String {
    format!("anteroom:lobby:{{{room}}}:waiting")
}

fn identities_key(room: RoomId) -> String {
    format!("anteroom:lobby:{{{room}}}:identities")
}

/// Every key of a room (tests only: the adapter itself never scans).
async fn room_keys(conn: &mut redis::aio::MultiplexedConnection, room: RoomId) -> Vec<String> {
    let mut keys: Vec<String> = conn
        .keys(format!("anteroom:lobby:{{{room}}}:*"))
        .await
        .expect("KEYS");
    keys.sort();
    keys
}

#[tokio::test]
async fn keys_are_laid_out_with_the_rooms_hash_tag_and_expire() {
    let Some((store, mut conn)) = store().await else {
        return;
    };
    let lifetimes = LobbyLifetimes {
        waiting: Duration::from_secs(30),
        accepted: Duration::from_mins(10),
        denied: Duration::from_mins(1),
    };
    let room = RoomId::new();
    let entry = new_entry(room, now_ms());
    store.request(&entry, &lifetimes).await.unwrap();
    let mut expected = vec![entry_key(&entry), identities_key(room), waiting_key(room)];
    expected.sort();
    assert_eq!(room_keys(&mut conn, room).await, expected);

    let key = entry_key(&entry);
    let fields: std::collections::HashMap<String, String> = conn.hgetall(&key).await.unwrap();
    assert_eq!(fields["status"], "waiting");
    assert_eq!(fields["identity"], entry.identity);
    let ttl: i64 = conn.pttl(&key).await.unwrap();
    assert!((29_000..=30_000).contains(&ttl), "waiting lifetime: {ttl}");
    let arrival: f64 = conn
        .zscore(waiting_key(room), entry.participant.to_string())
        .await
        .unwrap();
    #[allow(clippy::cast_precision_loss)]
    let expected_score = entry.requested_at.timestamp_millis() as f64;
    assert!((arrival - expected_score).abs() < 0.5);
    for index in [waiting_key(room), identities_key(room)] {
        let ttl: i64 = conn.pttl(&index).await.unwrap();
        assert!(ttl > 0, "{index} expires");
    }

    store
        .decide(
            room,
            entry.participant,
            EntryDecision::Admit,
            UserId::new(),
            now_ms(),
            &lifetimes,
        )
        .await
        .unwrap();
    let ttl: i64 = conn.pttl(&key).await.unwrap();
    assert!(
        (599_000..=600_000).contains(&ttl),
        "accepted lifetime: {ttl}"
    );
    let ttl: i64 = conn.pttl(identities_key(room)).await.unwrap();
    assert!(
        ttl >= 599_000,
        "the identity index outlives the accepted entry: {ttl}"
    );

    store.clear_room(room).await.unwrap();
    assert_eq!(room_keys(&mut conn, room).await, Vec::<String>::new());
}

#[tokio::test]
async fn expired_entries_leave_the_indexes_lazily() {
    let Some((store, mut conn)) = store().await else {
        return;
    };
    let room = RoomId::new();
    let short = LobbyLifetimes {
        waiting: Duration::from_millis(200),
        ..stable_lifetimes()
    };
    let gone = new_entry(room, now_ms());
    let stays = new_entry(room, now_ms());
    store.request(&gone, &short).await.unwrap();
    store.request(&stays, &stable_lifetimes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let members: Vec<String> = conn.zrange(waiting_key(room), 0, -1).await.unwrap();
    assert_eq!(members.len(), 2, "the index still names the expired entry");

    let listed = store.list_waiting(room).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&stays));
    let members: Vec<String> = conn.zrange(waiting_key(room), 0, -1).await.unwrap();
    assert_eq!(members, [stays.participant.to_string()]);
    let identities: Vec<String> = conn.hkeys(identities_key(room)).await.unwrap();
    assert_eq!(identities, [stays.participant.to_string()]);
}

#[tokio::test]
async fn corrupted_entries_are_removed_and_read_as_absent() {
    let Some((store, mut conn)) = store().await else {
        return;
    };
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    // Three kinds of corruption: the wrong type, a status outside the machine, and a field
    // the adapter cannot parse.
    let wrong_type = new_entry(room, now_ms());
    let bad_status = new_entry(room, now_ms());
    let bad_field = new_entry(room, now_ms());
    let fine = new_entry(room, now_ms());
    for entry in [&wrong_type, &bad_status, &bad_field, &fine] {
        store.request(entry, &lifetimes).await.unwrap();
    }
    let () = conn.del(entry_key(&wrong_type)).await.unwrap();
    let () = conn.set(entry_key(&wrong_type), "garbage").await.unwrap();
    let () = conn
        .hset(entry_key(&bad_status), "status", "maybe")
        .await
        .unwrap();
    let () = conn
        .hset(entry_key(&bad_field), "requested_at", "yesterday")
        .await
        .unwrap();

    assert_eq!(
        store.list_waiting(room).await.unwrap(),
        std::slice::from_ref(&fine)
    );
    for entry in [&wrong_type, &bad_status, &bad_field] {
        assert_eq!(store.get(room, entry.participant).await.unwrap(), None);
        let exists: bool = conn.exists(entry_key(entry)).await.unwrap();
        assert!(!exists, "the corrupted entry is deleted");
    }
    let identities: Vec<String> = conn.hkeys(identities_key(room)).await.unwrap();
    assert_eq!(identities, [fine.participant.to_string()]);

    // Corrupted again, then met by the other operations.
    let () = conn.set(entry_key(&wrong_type), "garbage").await.unwrap();
    let (stored, created) = store.request(&wrong_type, &lifetimes).await.unwrap();
    assert!(created, "a request over a corrupted entry starts anew");
    assert_eq!(stored, wrong_type);
    let () = conn
        .hset(entry_key(&wrong_type), "requested_at", "yesterday")
        .await
        .unwrap();
    let (stored, created) = store.request(&wrong_type, &lifetimes).await.unwrap();
    assert!(created);
    assert_eq!(stored, wrong_type);
    let () = conn
        .hset(entry_key(&wrong_type), "status", "maybe")
        .await
        .unwrap();
    match store
        .decide(
            room,
            wrong_type.participant,
            EntryDecision::Admit,
            UserId::new(),
            now_ms(),
            &lifetimes,
        )
        .await
    {
        Err(Error::NotFound(message)) => assert_eq!(message, "Participant not found."),
        other => panic!("expected NotFound, got {other:?}"),
    }
    let () = conn.hdel(entry_key(&fine), "color").await.unwrap();
    let decided = store
        .decide_all(
            room,
            EntryDecision::Deny,
            UserId::new(),
            now_ms(),
            &lifetimes,
        )
        .await
        .unwrap();
    assert_eq!(decided, [], "the corrupted entry is dropped, not decided");
    assert_eq!(room_keys(&mut conn, room).await, Vec::<String>::new());
}

/// Two replicas (two pools) deciding the same participants at once: one decision each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_on_separate_pools_decide_once() {
    let (Some(a), Some(b)) = (common::pool().await, common::pool().await) else {
        return;
    };
    let replicas: [Arc<dyn LobbyStore>; 2] = [
        Arc::new(RedisLobbyStore::new(a)),
        Arc::new(RedisLobbyStore::new(b)),
    ];
    let lifetimes = stable_lifetimes();
    let room = RoomId::new();
    for _ in 0..10 {
        let entry = new_entry(room, now_ms());
        replicas[0].request(&entry, &lifetimes).await.unwrap();
        let mut tasks = JoinSet::new();
        for i in 0..20 {
            let store = Arc::clone(&replicas[i % 2]);
            let decision = if i % 4 < 2 {
                EntryDecision::Admit
            } else {
                EntryDecision::Deny
            };
            let participant = entry.participant;
            tasks.spawn(async move {
                store
                    .decide(
                        room,
                        participant,
                        decision,
                        UserId::new(),
                        now_ms(),
                        &lifetimes,
                    )
                    .await
            });
        }
        let results = tasks.join_all().await;
        let winners: Vec<&LobbyEntry> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        let first = winners[0];
        assert!(winners.iter().all(|w| *w == first));
        assert_ne!(first.status, LobbyStatus::Waiting);
        let conflicts = results
            .iter()
            .filter(|r| matches!(r, Err(Error::Conflict(_))))
            .count();
        assert_eq!(winners.len() + conflicts, results.len(), "{results:?}");
        let stored = replicas[1].get(room, entry.participant).await.unwrap();
        assert_eq!(stored.as_ref(), Some(first));
    }
}

#[tokio::test]
async fn connecting_to_nothing_fails_fast_as_unavailable() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = RedisConfig {
        url: format!("redis://127.0.0.1:{port}"),
        pool_size: 2,
        timeout: Duration::from_secs(1),
    };
    let started = std::time::Instant::now();
    match connect(&config).await {
        Err(Error::Unavailable { dependency, source }) => {
            assert_eq!(dependency, "redis");
            assert!(source.to_string().contains("Redis"), "{source}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(started.elapsed() < config.timeout + Duration::from_secs(1));
}

#[tokio::test]
async fn an_invalid_url_is_refused() {
    let config = RedisConfig::new("http://not-redis");
    match RedisPool::new(&config) {
        Err(Error::Invalid(violations)) => assert_eq!(violations[0].field, "redis.url"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(RedisConfig::default().pool_size, 16);
    assert_eq!(RedisConfig::default().timeout, Duration::from_secs(2));
}
