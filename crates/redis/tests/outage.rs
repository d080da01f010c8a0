//! Redis outages: every adapter call fails fast with `Unavailable` while Redis is down or
//! silent, nothing panics, event streams end, and service resumes by itself when Redis is
//! back. Each test has its own `redis-server`, stopped and restarted on the same port.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anteroom_domain::Error;
use anteroom_domain::id::{RoomId, UserId};
use anteroom_domain::lobby::{
    EntryDecision, EventBus, LobbyEvent, LobbyStore, RateLimit, RateLimiter,
};
use anteroom_domain::room::{CallbackId, CreationCallbacks, Slug};
use anteroom_domain::webhook::EventLedger;
use anteroom_redis::{
    RedisConfig, RedisCreationCallbacks, RedisEventBus, RedisEventLedger, RedisLobbyStore,
    RedisPool, RedisRateLimiter, connect,
};
use anteroom_testkit::TestRedis;
use anteroom_testkit::contract::lobby::{new_entry, now_ms, stable_lifetimes};
use futures::StreamExt;
use futures::future::{BoxFuture, join_all};
use tokio::task::JoinSet;

/// The call timeout of these tests.
const TIMEOUT: Duration = Duration::from_secs(1);
/// How much longer than the timeout a failing call may take.
const SLACK: Duration = Duration::from_secs(1);
/// How long service may take to resume after Redis is back.
const RECOVERY: Duration = Duration::from_secs(10);

fn config(url: String) -> RedisConfig {
    RedisConfig {
        url,
        pool_size: 4,
        timeout: TIMEOUT,
    }
}

/// Every adapter, on one pool.
#[derive(Clone)]
struct Adapters {
    pool: RedisPool,
    store: Arc<dyn LobbyStore>,
    bus: Arc<dyn EventBus>,
    limiter: Arc<dyn RateLimiter>,
    ledger: Arc<dyn EventLedger>,
    callbacks: Arc<dyn CreationCallbacks>,
}

impl Adapters {
    fn new(pool: RedisPool) -> Self {
        Self {
            store: Arc::new(RedisLobbyStore::new(pool.clone())),
            bus: Arc::new(RedisEventBus::new(pool.clone())),
            limiter: Arc::new(RedisRateLimiter::new(pool.clone())),
            ledger: Arc::new(RedisEventLedger::new(pool.clone())),
            callbacks: Arc::new(RedisCreationCallbacks::new(pool.clone())),
            pool,
        }
    }

    /// One call of every method of every adapter (on a fresh room and keys), by name.
    fn calls(&self) -> Vec<(&'static str, BoxFuture<'_, Result<(), Error>>)> {
        fn call<'a, T: Send + 'a>(
            name: &'static str,
            call: impl Future<Output = Result<T, Error>> + Send + 'a,
        ) -> (&'static str, BoxFuture<'a, Result<(), Error>>) {
            (name, Box::pin(async move { call.await.map(|_| ()) }))
        }
        let lifetimes = stable_lifetimes();
        let room = RoomId::new();
        let entry = new_entry(room, now_ms());
        let (participant, identity) = (entry.participant, entry.identity.clone());
        let event = LobbyEvent::ParticipantWaiting(entry.clone());
        let key = format!("outage:{}", UserId::new());
        let (hit_key, seen_key) = (key.clone(), key.clone());
        let callback = CallbackId::parse(&key).expect("a valid callback id");
        let taken = callback.clone();
        vec![
            call("ping", self.pool.ping()),
            call("lobby.request", async move {
                self.store.request(&entry, &lifetimes).await
            }),
            call("lobby.get", self.store.get(room, participant)),
            call("lobby.decide", async move {
                let at = now_ms();
                self.store
                    .decide(
                        room,
                        participant,
                        EntryDecision::Admit,
                        UserId::new(),
                        at,
                        &lifetimes,
                    )
                    .await
            }),
            call("lobby.decide_all", async move {
                let at = now_ms();
                self.store
                    .decide_all(room, EntryDecision::Deny, UserId::new(), at, &lifetimes)
                    .await
            }),
            call("lobby.list_waiting", self.store.list_waiting(room)),
            call("lobby.remove_identity", async move {
                self.store.remove_identity(room, &identity).await
            }),
            call("lobby.clear_room", self.store.clear_room(room)),
            call("bus.publish", async move { self.bus.publish(&event).await }),
            call("bus.subscribe", self.bus.subscribe(room)),
            call("limiter.hit", async move {
                self.limiter.hit(&hit_key, RateLimit::default()).await
            }),
            call("ledger.remember", async move {
                self.ledger.remember(&key, TIMEOUT).await
            }),
            call(
                "ledger.seen",
                async move { self.ledger.seen(&seen_key).await },
            ),
            call("callbacks.put", async move {
                let slug = Slug::from_stored("outage".to_owned());
                self.callbacks.put(&callback, &slug, TIMEOUT).await
            }),
            call("callbacks.take", async move {
                self.callbacks.take(&taken).await
            }),
        ]
    }

    /// Makes every call, one after the other; returns each call's name, outcome and duration.
    async fn call_everything(&self) -> Vec<(&'static str, Result<(), Error>, Duration)> {
        let mut results = Vec::new();
        for (name, call) in self.calls() {
            let started = Instant::now();
            let result = call.await;
            results.push((name, result, started.elapsed()));
        }
        results
    }

    /// Makes every call at once (more calls than pooled connections).
    async fn call_everything_at_once(&self) -> Vec<(&'static str, Result<(), Error>, Duration)> {
        let started = Instant::now();
        join_all(self.calls().into_iter().map(|(name, call)| async move {
            let result = call.await;
            (name, result, started.elapsed())
        }))
        .await
    }
}

/// Expects every call to have failed with `Unavailable` naming Redis, within the timeout
/// (plus slack); returns the slowest.
#[track_caller]
fn assert_all_unavailable(results: &[(&'static str, Result<(), Error>, Duration)]) -> Duration {
    for (name, result, elapsed) in results {
        match result {
            Err(Error::Unavailable { dependency, source }) => {
                assert_eq!(*dependency, "redis", "{name}");
                assert!(source.to_string().contains("Redis"), "{name}: {source}");
            }
            other => panic!("{name}: expected Unavailable, got {other:?}"),
        }
        assert!(
            *elapsed < TIMEOUT + SLACK,
            "{name} took {elapsed:?}, more than the timeout ({TIMEOUT:?}) + {SLACK:?}"
        );
    }
    results
        .iter()
        .map(|(_, _, elapsed)| *elapsed)
        .max()
        .unwrap_or_default()
}

#[track_caller]
fn assert_all_ok(results: &[(&'static str, Result<(), Error>, Duration)]) {
    for (name, result, _) in results {
        assert!(result.is_ok(), "{name}: {result:?}");
    }
}

/// Runs a blocking `TestRedis` step without stalling the runtime.
fn blocking<T>(step: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(step)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_outage_fails_fast_and_service_resumes_by_itself() {
    let Some(mut redis) = TestRedis::start_or_skip() else {
        return;
    };
    let adapters = Adapters::new(connect(&config(redis.url())).await.expect("connect"));

    // Up: everything works, and several pooled connections are open.
    assert_all_ok(&adapters.call_everything().await);
    let mut warm = JoinSet::new();
    for _ in 0..8 {
        let adapters = adapters.clone();
        warm.spawn(async move { adapters.call_everything().await });
    }
    for results in warm.join_all().await {
        assert_all_ok(&results);
    }
    let room = RoomId::new();
    let mut stream = adapters.bus.subscribe(room).await.expect("subscribe");
    let event = LobbyEvent::ParticipantWaiting(new_entry(room, now_ms()));
    adapters.bus.publish(&event).await.expect("publish");
    assert_eq!(stream.next().await, Some(event));

    // Down.
    blocking(|| redis.stop());
    let down = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), stream.next()).await;
    assert!(matches!(ended, Ok(None)), "the stream ends when Redis dies");
    let stream_end = down.elapsed();

    let first = assert_all_unavailable(&adapters.call_everything().await);
    let again = assert_all_unavailable(&adapters.call_everything().await);
    let mut many = JoinSet::new();
    for _ in 0..4 {
        let adapters = adapters.clone();
        many.spawn(async move { adapters.call_everything_at_once().await });
    }
    let mut concurrent = Duration::ZERO;
    for results in many.join_all().await {
        concurrent = concurrent.max(assert_all_unavailable(&results));
    }

    // Back: the calls succeed again by themselves, without reconnecting by hand.
    blocking(|| redis.restart()).expect("restart redis");
    let up = Instant::now();
    loop {
        let results = adapters.call_everything().await;
        if results.iter().all(|(_, result, _)| result.is_ok()) {
            break;
        }
        assert!(
            up.elapsed() < RECOVERY,
            "service did not resume within {RECOVERY:?}: {results:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovery = up.elapsed();
    let mut stream = adapters.bus.subscribe(room).await.expect("subscribe again");
    let event = LobbyEvent::ParticipantWaiting(new_entry(room, now_ms()));
    adapters.bus.publish(&event).await.expect("publish again");
    let received = tokio::time::timeout(Duration::from_secs(5), stream.next()).await;
    assert_eq!(received.ok().flatten(), Some(event));

    eprintln!(
        "outage timings: stream ended after {stream_end:?}; slowest failing call \
         {first:?} (first round), {again:?} (second), {concurrent:?} (4 × 13 calls at once); \
         service resumed {recovery:?} after restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_that_never_answers_fails_within_the_timeout() {
    // Accepts connections and never answers (a hung server or a black hole).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}", listener.local_addr().unwrap());
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });

    let adapters = Adapters::new(RedisPool::new(&config(url.clone())).expect("pool"));
    let slowest = assert_all_unavailable(&adapters.call_everything_at_once().await);
    let started = Instant::now();
    assert!(matches!(
        connect(&config(url)).await,
        Err(Error::Unavailable { .. })
    ));
    let connect_took = started.elapsed();
    assert!(connect_took < TIMEOUT + SLACK);
    eprintln!("silent server: slowest call {slowest:?}, connect {connect_took:?}");
    silent.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_service_started_while_redis_is_down_works_once_it_is_up() {
    let Some(mut redis) = TestRedis::start_or_skip() else {
        return;
    };
    blocking(|| redis.stop());
    let adapters = Adapters::new(RedisPool::new(&config(redis.url())).expect("pool"));
    assert_all_unavailable(&adapters.call_everything().await);
    blocking(|| redis.restart()).expect("start redis");
    let up = Instant::now();
    loop {
        let results = adapters.call_everything().await;
        if results.iter().all(|(_, result, _)| result.is_ok()) {
            break;
        }
        assert!(up.elapsed() < RECOVERY, "{results:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
