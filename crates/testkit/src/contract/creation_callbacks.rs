//! The contract of [`CreationCallbacks`]: every adapter (in memory, Redis) runs these same
//! cases.
//!
//! Each case is a `pub async fn` taking a fresh [`SharedCreationCallbacks`]; ids are random,
//! so cases can share one server and run in parallel. Expiry is real: a short lifetime
//! (300 ms) and `tokio::time::sleep`.
//!
//! The [`creation_callbacks_contract_tests!`](crate::creation_callbacks_contract_tests) macro
//! expands to one `#[tokio::test(flavor = "multi_thread")]` per case in the calling test
//! binary:
//!
//! ```text
//! use std::sync::Arc;
//! use anteroom_memory::MemoryCreationCallbacks;
//!
//! anteroom_testkit::creation_callbacks_contract_tests!(Arc::new(MemoryCreationCallbacks::new()));
//! ```

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::room::{CallbackId, CreationCallbacks, Slug};
use tokio::time::sleep;
use uuid::Uuid;

/// The store under test, as the cases take it.
pub type SharedCreationCallbacks = Arc<dyn CreationCallbacks>;

/// A lifetime long enough that nothing expires during a case not about expiry.
const STABLE: Duration = Duration::from_mins(1);
/// A short lifetime, for the expiry cases.
const SHORT: Duration = Duration::from_millis(300);
/// How long past a lifetime the expiry cases wait.
const MARGIN: Duration = Duration::from_millis(200);
/// How many tasks race to take one slug.
const TAKERS: usize = 20;

/// Expands to one `#[tokio::test(flavor = "multi_thread")]` per case of
/// [`contract::creation_callbacks`](crate::contract::creation_callbacks), each running
/// against the store that `$make` evaluates to (a
/// [`SharedCreationCallbacks`](crate::contract::creation_callbacks::SharedCreationCallbacks),
/// evaluated afresh in each test's async body).
#[macro_export]
macro_rules! creation_callbacks_contract_tests {
    ($make:expr) => {
        $crate::creation_callbacks_contract_tests!(@cases $make;
            an_unknown_id_has_no_slug,
            a_slug_is_taken_once,
            ids_are_isolated,
            storing_again_replaces_the_slug_and_its_lifetime,
            a_slug_expires_after_its_lifetime,
            of_concurrent_takers_exactly_one_gets_the_slug,
        );
    };
    (@cases $make:expr; $($case:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store: $crate::contract::creation_callbacks::SharedCreationCallbacks = $make;
                $crate::contract::creation_callbacks::$case(store).await;
            }
        )+
    };
}

/// An id no other case uses.
fn new_id() -> CallbackId {
    CallbackId::parse(&format!("cb-{}", Uuid::new_v4().simple())).expect("a valid id")
}

fn slug(text: &str) -> Slug {
    Slug::from_stored(text.to_owned())
}

async fn put(store: &SharedCreationCallbacks, id: &CallbackId, slug: &Slug, ttl: Duration) {
    store.put(id, slug, ttl).await.expect("put");
}

async fn take(store: &SharedCreationCallbacks, id: &CallbackId) -> Option<Slug> {
    store.take(id).await.expect("take")
}

/// An id never stored has no slug.
pub async fn an_unknown_id_has_no_slug(store: SharedCreationCallbacks) {
    assert_eq!(take(&store, &new_id()).await, None);
}

/// A stored slug is taken once; the second take finds nothing.
pub async fn a_slug_is_taken_once(store: SharedCreationCallbacks) {
    let id = new_id();
    put(&store, &id, &slug("daily-standup"), STABLE).await;
    assert_eq!(take(&store, &id).await, Some(slug("daily-standup")));
    assert_eq!(take(&store, &id).await, None, "taken once");
}

/// Ids keep their own slugs: taking one leaves the others; ids differing only by case or
/// by a prefix are different ids.
pub async fn ids_are_isolated(store: SharedCreationCallbacks) {
    let a = new_id();
    let upper = CallbackId::parse(&a.as_str().to_uppercase()).expect("a valid id");
    let prefixed = CallbackId::parse(&format!("x{a}")).expect("a valid id");
    put(&store, &a, &slug("room-a"), STABLE).await;
    put(&store, &upper, &slug("room-upper"), STABLE).await;
    put(&store, &prefixed, &slug("room-prefixed"), STABLE).await;
    assert_eq!(take(&store, &a).await, Some(slug("room-a")));
    assert_eq!(take(&store, &upper).await, Some(slug("room-upper")));
    assert_eq!(take(&store, &prefixed).await, Some(slug("room-prefixed")));
}

/// Storing under a used id replaces the slug, and the new lifetime applies.
pub async fn storing_again_replaces_the_slug_and_its_lifetime(store: SharedCreationCallbacks) {
    let id = new_id();
    put(&store, &id, &slug("first"), SHORT).await;
    put(&store, &id, &slug("second"), STABLE).await;
    sleep(SHORT + MARGIN).await;
    assert_eq!(
        take(&store, &id).await,
        Some(slug("second")),
        "the last slug, with its lifetime"
    );
    assert_eq!(take(&store, &id).await, None);

    // And a long lifetime replaced by a short one ends with the short one.
    let id = new_id();
    put(&store, &id, &slug("first"), STABLE).await;
    put(&store, &id, &slug("second"), SHORT).await;
    sleep(SHORT + MARGIN).await;
    assert_eq!(take(&store, &id).await, None, "the new, short lifetime");
}

/// A slug not taken within its lifetime is gone; a longer-lived one stays.
pub async fn a_slug_expires_after_its_lifetime(store: SharedCreationCallbacks) {
    let (short, long) = (new_id(), new_id());
    put(&store, &short, &slug("brief"), SHORT).await;
    put(&store, &long, &slug("lasting"), STABLE).await;
    sleep(SHORT + MARGIN).await;
    assert_eq!(take(&store, &short).await, None, "expired");
    assert_eq!(take(&store, &long).await, Some(slug("lasting")));
}

/// Of concurrent takers of one slug, exactly one gets it.
pub async fn of_concurrent_takers_exactly_one_gets_the_slug(store: SharedCreationCallbacks) {
    let id = new_id();
    put(&store, &id, &slug("contested"), STABLE).await;
    let takers: Vec<_> = (0..TAKERS)
        .map(|_| {
            let (store, id) = (store.clone(), id.clone());
            tokio::spawn(async move { store.take(&id).await.expect("take") })
        })
        .collect();
    let mut won = Vec::new();
    for taker in takers {
        if let Some(taken) = taker.await.expect("a taker") {
            won.push(taken);
        }
    }
    assert_eq!(won, vec![slug("contested")]);
}
