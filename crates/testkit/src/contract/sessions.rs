//! The contract of [`SessionStore`]: every adapter (in memory, Redis) runs these same cases.
//!
//! Each case is a `pub async fn` taking a fresh [`SharedSessionStore`]; keys are random, so
//! cases can share one server and run in parallel. Expiry is real: a short lifetime (300 ms)
//! and `tokio::time::sleep`.
//!
//! The [`session_store_contract_tests!`](crate::session_store_contract_tests) macro expands
//! to one `#[tokio::test(flavor = "multi_thread")]` per case in the calling test binary:
//!
//! ```text
//! use std::sync::Arc;
//! use anteroom_memory::MemorySessionStore;
//!
//! anteroom_testkit::session_store_contract_tests!(Arc::new(MemorySessionStore::new()));
//! ```

use std::sync::Arc;
use std::time::Duration;

use anteroom_domain::id::UserId;
use anteroom_domain::session::{
    PendingLogin, Session, SessionKey, SessionStore, UserSession, random_token,
};
use tokio::time::sleep;

/// The store under test, as the cases take it.
pub type SharedSessionStore = Arc<dyn SessionStore>;

/// A lifetime long enough that nothing expires during a case not about expiry.
const STABLE: Duration = Duration::from_mins(1);
/// A short lifetime, for the expiry case.
const SHORT: Duration = Duration::from_millis(300);
/// How long past a lifetime the expiry case waits.
const MARGIN: Duration = Duration::from_millis(200);

/// Expands to one `#[tokio::test(flavor = "multi_thread")]` per case of
/// [`contract::sessions`](crate::contract::sessions), each running against the store that
/// `$make` evaluates to (a [`SharedSessionStore`](crate::contract::sessions::SharedSessionStore),
/// evaluated afresh in each test's async body).
#[macro_export]
macro_rules! session_store_contract_tests {
    ($make:expr) => {
        $crate::session_store_contract_tests!(@cases $make;
            an_unknown_key_has_no_session,
            a_stored_session_reads_back_until_taken,
            storing_again_replaces,
            a_session_expires_after_its_lifetime,
            concurrent_takers_get_a_session_once,
            ending_a_user_ends_all_their_sessions_and_no_other,
            ending_a_provider_session_ends_only_the_sessions_opened_in_it,
            ending_counts_only_live_sessions,
        );
    };
    (@cases $make:expr; $($case:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store: $crate::contract::sessions::SharedSessionStore = $make;
                $crate::contract::sessions::$case(store).await;
            }
        )+
    };
}

fn login() -> Session {
    Session::Login(PendingLogin {
        state: random_token(),
        nonce: random_token(),
        pkce_verifier: random_token(),
        return_to: "/rooms/abc-defg-hij".to_owned(),
    })
}

fn signed_in() -> Session {
    signed_in_as(UserId::new(), Some(&random_token()))
}

fn signed_in_as(user: UserId, provider_session: Option<&str>) -> Session {
    Session::User(UserSession {
        user,
        csrf_token: random_token(),
        id_token: Some("header.payload.signature".to_owned()),
        provider_session: provider_session.map(str::to_owned),
    })
}

/// Stores `session` under a new key, for a minute.
async fn stored(store: &SharedSessionStore, session: &Session) -> SessionKey {
    let key = SessionKey::random();
    put(store, &key, session, STABLE).await;
    key
}

async fn put(store: &SharedSessionStore, key: &SessionKey, session: &Session, ttl: Duration) {
    store.put(key, session, ttl).await.expect("put");
}

async fn get(store: &SharedSessionStore, key: &SessionKey) -> Option<Session> {
    store.get(key).await.expect("get")
}

async fn take(store: &SharedSessionStore, key: &SessionKey) -> Option<Session> {
    store.take(key).await.expect("take")
}

/// A key never stored has no session, to read or to take.
pub async fn an_unknown_key_has_no_session(store: SharedSessionStore) {
    let key = SessionKey::random();
    assert_eq!(get(&store, &key).await, None);
    assert_eq!(take(&store, &key).await, None);
}

/// Both kinds of session read back as stored, as often as asked, until taken; taking
/// returns the session once; other keys are untouched.
pub async fn a_stored_session_reads_back_until_taken(store: SharedSessionStore) {
    let (a, b) = (SessionKey::random(), SessionKey::random());
    let (login, user) = (login(), signed_in());
    put(&store, &a, &login, STABLE).await;
    put(&store, &b, &user, STABLE).await;
    assert_eq!(get(&store, &a).await, Some(login.clone()));
    assert_eq!(
        get(&store, &a).await,
        Some(login.clone()),
        "reading keeps it"
    );
    assert_eq!(get(&store, &b).await, Some(user.clone()));
    assert_eq!(take(&store, &a).await, Some(login));
    assert_eq!(take(&store, &a).await, None, "taken once");
    assert_eq!(get(&store, &a).await, None);
    assert_eq!(get(&store, &b).await, Some(user), "other keys stay");
}

/// Storing under a used key replaces the session (and its lifetime).
pub async fn storing_again_replaces(store: SharedSessionStore) {
    let key = SessionKey::random();
    put(&store, &key, &login(), SHORT).await;
    let user = signed_in();
    put(&store, &key, &user, STABLE).await;
    assert_eq!(get(&store, &key).await, Some(user.clone()));
    sleep(SHORT + MARGIN).await;
    assert_eq!(
        get(&store, &key).await,
        Some(user),
        "the new lifetime applies"
    );
}

/// A session is gone after its lifetime; a longer-lived one stays.
pub async fn a_session_expires_after_its_lifetime(store: SharedSessionStore) {
    let (short, long) = (SessionKey::random(), SessionKey::random());
    let session = signed_in();
    put(&store, &short, &session, SHORT).await;
    put(&store, &long, &session, STABLE).await;
    assert_eq!(get(&store, &short).await, Some(session.clone()));
    sleep(SHORT + MARGIN).await;
    assert_eq!(get(&store, &short).await, None, "expired");
    assert_eq!(take(&store, &short).await, None, "expired");
    assert_eq!(get(&store, &long).await, Some(session));
}

/// Of concurrent takers of one session, exactly one gets it.
pub async fn concurrent_takers_get_a_session_once(store: SharedSessionStore) {
    let key = SessionKey::random();
    let session = login();
    put(&store, &key, &session, STABLE).await;
    let takers: Vec<_> = (0..8)
        .map(|_| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move { store.take(&key).await.expect("take") })
        })
        .collect();
    let mut won = Vec::new();
    for taker in takers {
        if let Some(taken) = taker.await.expect("a taker") {
            won.push(taken);
        }
    }
    assert_eq!(won, vec![session]);
}

/// Ending a user's sessions ends every signed-in session of theirs, whatever its provider
/// session, and no session of another user nor any login in progress.
pub async fn ending_a_user_ends_all_their_sessions_and_no_other(store: SharedSessionStore) {
    let (ana, bob) = (UserId::new(), UserId::new());
    let ana_1 = stored(&store, &signed_in_as(ana, Some(&random_token()))).await;
    let ana_2 = stored(&store, &signed_in_as(ana, None)).await;
    let bob_1 = stored(&store, &signed_in_as(bob, Some(&random_token()))).await;
    let pending = stored(&store, &login()).await;
    assert_eq!(store.end_user_sessions(ana).await.expect("end"), 2);
    assert_eq!(get(&store, &ana_1).await, None);
    assert_eq!(get(&store, &ana_2).await, None);
    assert!(
        get(&store, &bob_1).await.is_some(),
        "another user's session stays"
    );
    assert!(
        get(&store, &pending).await.is_some(),
        "a login in progress stays"
    );
    assert_eq!(
        store.end_user_sessions(ana).await.expect("end again"),
        0,
        "nothing left to end"
    );
    let ana_3 = stored(&store, &signed_in_as(ana, None)).await;
    assert!(
        get(&store, &ana_3).await.is_some(),
        "a later sign-in is a new session"
    );
}

/// Ending a provider session ends the sessions opened in it (of one user, in any browser) and
/// none of the same user's other sessions.
pub async fn ending_a_provider_session_ends_only_the_sessions_opened_in_it(
    store: SharedSessionStore,
) {
    let ana = UserId::new();
    let (sid, other_sid) = (random_token(), random_token());
    let first = stored(&store, &signed_in_as(ana, Some(&sid))).await;
    let second = stored(&store, &signed_in_as(ana, Some(&sid))).await;
    let elsewhere = stored(&store, &signed_in_as(ana, Some(&other_sid))).await;
    let without_sid = stored(&store, &signed_in_as(ana, None)).await;
    assert_eq!(store.end_provider_session(&sid).await.expect("end"), 2);
    assert_eq!(get(&store, &first).await, None);
    assert_eq!(get(&store, &second).await, None);
    assert!(get(&store, &elsewhere).await.is_some());
    assert!(get(&store, &without_sid).await.is_some());
    assert_eq!(
        store
            .end_provider_session(&random_token())
            .await
            .expect("end unknown"),
        0
    );
}

/// A session already taken or expired is not counted (nor resurrected) by an end.
pub async fn ending_counts_only_live_sessions(store: SharedSessionStore) {
    let ana = UserId::new();
    let sid = random_token();
    let taken = stored(&store, &signed_in_as(ana, Some(&sid))).await;
    let expiring = SessionKey::random();
    put(&store, &expiring, &signed_in_as(ana, Some(&sid)), SHORT).await;
    let live = stored(&store, &signed_in_as(ana, Some(&sid))).await;
    assert!(take(&store, &taken).await.is_some());
    sleep(SHORT + MARGIN).await;
    assert_eq!(store.end_provider_session(&sid).await.expect("end"), 1);
    assert_eq!(get(&store, &live).await, None);
    assert_eq!(get(&store, &taken).await, None);
    assert_eq!(get(&store, &expiring).await, None);
}
