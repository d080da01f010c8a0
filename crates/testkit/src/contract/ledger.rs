//! The contract of [`EventLedger`]: every adapter (in memory, Redis) runs these same cases.
//!
//! Each case is a `pub async fn` taking a fresh [`SharedEventLedger`]; keys are random, so
//! cases can share one server and run in parallel. Expiry is real: short lifetimes (300 ms)
//! and `tokio::time::sleep`.
//!
//! The [`event_ledger_contract_tests!`](crate::event_ledger_contract_tests) macro expands to
//! one `#[tokio::test(flavor = "multi_thread")]` per case in the calling test binary, which
//! must have `tokio` (with the `macros` and `rt-multi-thread` features) among its
//! dev-dependencies:
//!
//! ```text
//! use std::sync::Arc;
//! use anteroom_memory::MemoryEventLedger;
//!
//! anteroom_testkit::event_ledger_contract_tests!(Arc::new(MemoryEventLedger::new()));
//! ```

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::webhook::EventLedger;
use tokio::time::sleep;
use uuid::Uuid;

/// The ledger under test, as the cases take it.
pub type SharedEventLedger = Arc<dyn EventLedger>;

/// A lifetime long enough that nothing expires during a case not about expiry.
const STABLE: Duration = Duration::from_mins(1);
/// A short lifetime, for the expiry case.
const SHORT: Duration = Duration::from_millis(300);
/// How long past a lifetime the expiry case waits.
const MARGIN: Duration = Duration::from_millis(200);

/// Expands to one `#[tokio::test(flavor = "multi_thread")]` per case of
/// [`contract::ledger`](crate::contract::ledger), each running against the ledger that
/// `$make` evaluates to (a [`SharedEventLedger`](crate::contract::ledger::SharedEventLedger),
/// evaluated afresh in each test's async body).
#[macro_export]
macro_rules! event_ledger_contract_tests {
    ($make:expr) => {
        $crate::event_ledger_contract_tests!(@cases $make;
            an_unseen_key_is_not_seen,
            a_remembered_key_is_seen,
            a_remembered_key_is_forgotten_after_its_lifetime,
            remembering_twice_is_harmless,
        );
    };
    (@cases $make:expr; $($case:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let ledger: $crate::contract::ledger::SharedEventLedger = $make;
                $crate::contract::ledger::$case(ledger).await;
            }
        )+
    };
}

/// A key no other case uses.
fn new_key() -> String {
    format!("EV_contract_{}", Uuid::new_v4().simple())
}

async fn seen(ledger: &SharedEventLedger, key: &str) -> bool {
    ledger.seen(key).await.expect("seen")
}

async fn remember(ledger: &SharedEventLedger, key: &str, ttl: Duration) {
    ledger.remember(key, ttl).await.expect("remember");
}

/// A key never remembered is not seen.
pub async fn an_unseen_key_is_not_seen(ledger: SharedEventLedger) {
    assert!(!seen(&ledger, &new_key()).await);
}

/// A remembered key is seen; another key is not.
pub async fn a_remembered_key_is_seen(ledger: SharedEventLedger) {
    let (key, other) = (new_key(), new_key());
    remember(&ledger, &key, STABLE).await;
    assert!(seen(&ledger, &key).await);
    assert!(seen(&ledger, &key).await, "seeing does not forget");
    assert!(!seen(&ledger, &other).await);
}

/// A remembered key is seen during its lifetime, and not after.
pub async fn a_remembered_key_is_forgotten_after_its_lifetime(ledger: SharedEventLedger) {
    let (short, long) = (new_key(), new_key());
    remember(&ledger, &short, SHORT).await;
    remember(&ledger, &long, STABLE).await;
    assert!(seen(&ledger, &short).await);
    sleep(SHORT + MARGIN).await;
    assert!(!seen(&ledger, &short).await, "forgotten after its lifetime");
    assert!(seen(&ledger, &long).await);
}

/// Remembering a remembered key succeeds and keeps it seen.
pub async fn remembering_twice_is_harmless(ledger: SharedEventLedger) {
    let key = new_key();
    remember(&ledger, &key, STABLE).await;
    remember(&ledger, &key, STABLE).await;
    assert!(seen(&ledger, &key).await);
}
