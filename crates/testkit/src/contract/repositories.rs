//! What the repository suites ([`rooms`](super::rooms), [`users`](super::users),
//! [`accesses`](super::accesses), [`recordings`](super::recordings)) share: the ports under test,
//! the macro that turns every case into a test, fixtures and assertions.
//!
//! Every case creates its own users, rooms and recordings with random ids and slugs, so cases
//! may share a database; each one still gets a fresh store from the macro's expression.

use std::fmt::Debug;
use std::num::NonZeroU32;
use std::sync::Arc;

use anteroom_domain::Error;
use anteroom_domain::access::{AccessRepository, ResourceAccess, Role};
use anteroom_domain::id::{AccessId, RecordingAccessId, RecordingId, RoomId, UserId};
use anteroom_domain::page::{PageRequest, PageSize};
use anteroom_domain::recording::{
    Recording, RecordingAccess, RecordingMode, RecordingOptions, RecordingRepository,
    RecordingStatus,
};
use anteroom_domain::room::{
    AccessLevel, MediaSource, PinCode, Room, RoomConfiguration, RoomName, RoomRepository, Slug,
};
use anteroom_domain::user::{Email, Language, Subject, Timezone, User, UserRepository};
use chrono::{DateTime, SubsecRound as _, Utc};

/// The four repository ports of one adapter, as the suites use them.
///
/// Build it from one store that implements every port with [`Repositories::from_store`].
#[derive(Clone)]
pub struct Repositories {
    /// The rooms.
    pub rooms: Arc<dyn RoomRepository>,
    /// The rooms' accesses.
    pub accesses: Arc<dyn AccessRepository>,
    /// The users.
    pub users: Arc<dyn UserRepository>,
    /// The recordings and their accesses.
    pub recordings: Arc<dyn RecordingRepository>,
}

impl Repositories {
    /// The four ports of one store (cloned four times: clones must share their data).
    pub fn from_store<S>(store: S) -> Self
    where
        S: RoomRepository
            + AccessRepository
            + UserRepository
            + RecordingRepository
            + Clone
            + 'static,
    {
        Self {
            rooms: Arc::new(store.clone()),
            accesses: Arc::new(store.clone()),
            users: Arc::new(store.clone()),
            recordings: Arc::new(store),
        }
    }
}

impl Debug for Repositories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repositories").finish_non_exhaustive()
    }
}

/// Expands to one `#[tokio::test(flavor = "multi_thread")]` per case of the repository suites,
/// grouped in modules `rooms`, `users`, `accesses` and `recordings`.
///
/// `$make` is evaluated afresh in each test's async body (so it may `.await`, and may `return`
/// to skip the test, e.g. when no PostgreSQL is available) and must give a value that
/// [`Borrow`](std::borrow::Borrow)s a [`Repositories`]: the `Repositories` itself, or a
/// fixture that also keeps a temporary directory alive. It is expanded inside the generated
/// modules, which glob-import the calling module (`use super::*`), so it may call the calling
/// module's functions. The calling crate needs `tokio` (features `macros`, `rt-multi-thread`).
///
/// ```text
/// mod sqlite_memory {
///     use super::*;
///     anteroom_testkit::repository_contract_tests!(sqlite_memory_repositories().await);
/// }
/// ```
#[macro_export]
macro_rules! repository_contract_tests {
    ($make:expr) => {
        $crate::repository_contract_tests!(@suite $make; rooms:
            insert_then_get_by_id_and_by_slug,
            unknown_room_or_slug_is_not_found,
            duplicate_slug_is_already_exists_and_writes_nothing,
            duplicate_pin_code_is_already_exists,
            list_for_user_orders_by_name_then_id_with_roles,
            list_for_user_pages_with_the_cursor,
            list_for_user_is_empty_without_accesses,
            update_replaces_name_slug_level_and_configuration,
            update_to_a_taken_slug_is_already_exists,
            update_of_unknown_room_is_not_found,
            delete_cascades_to_accesses_and_recordings,
            delete_of_unknown_room_is_not_found,
        );
        $crate::repository_contract_tests!(@suite $make; users:
            insert_then_get_by_id_and_by_sub,
            provisional_users_have_no_subject,
            unknown_user_is_not_found,
            duplicate_sub_is_already_exists,
            update_replaces_every_field_but_id_and_created_at,
            update_of_unknown_user_is_not_found,
            find_by_email_ignores_case_and_is_bounded,
            list_active_is_newest_first_and_skips_inactive_users,
            list_active_filters_by_fragment_ignoring_case,
            list_active_treats_like_wildcards_literally,
            list_active_pages_completely_without_duplicates,
        );
        $crate::repository_contract_tests!(@suite $make; accesses:
            insert_then_get_and_role_of,
            duplicate_access_is_already_exists_on_user,
            access_to_unknown_room_or_user_is_not_found,
            unknown_access_is_not_found,
            list_for_room_is_newest_first_with_users,
            list_administered_by_shows_every_access_of_administered_rooms,
            list_administered_by_shows_nothing_to_members_and_strangers,
            list_administered_by_filters_by_room,
            list_administered_by_pages_with_the_cursor,
            update_role_changes_and_returns_the_access,
            update_role_of_unknown_access_is_not_found,
            last_owner_cannot_be_demoted,
            last_owner_cannot_be_deleted,
            second_owner_allows_demotion_and_deletion,
            delete_removes_the_access,
            concurrent_owner_demotions_keep_an_owner,
            concurrent_owner_deletions_keep_an_owner,
        );
        $crate::repository_contract_tests!(@suite $make; recordings:
            create_then_get_with_an_owner_access,
            unknown_recording_is_not_found,
            second_in_progress_recording_is_a_conflict,
            concurrent_creates_on_one_room_yield_exactly_one,
            finished_recordings_free_the_room,
            create_on_unknown_room_or_user_is_not_found,
            transition_is_a_compare_and_set,
            transition_of_unknown_recording_is_not_found,
            get_by_worker_finds_the_egress_recording,
            active_for_room_is_the_active_recording,
            list_for_user_is_newest_first_and_only_the_users,
            list_for_user_pages_with_the_cursor,
            role_of_is_the_users_recording_role,
            delete_removes_the_recording_and_its_accesses,
            owners_are_the_users_with_the_owner_role,
            external_process_id_is_set_and_found,
        );
    };
    (@suite $make:expr; $suite:ident: $($case:ident),+ $(,)?) => {
        mod $suite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let fixture = $make;
                    let repositories = <_ as ::std::borrow::Borrow<
                        $crate::contract::Repositories,
                    >>::borrow(&fixture);
                    $crate::contract::$suite::$case(repositories).await;
                }
            )+
        }
    };
}

// --- fixtures -----------------------------------------------------------------------------

/// The current time at microsecond precision (what PostgreSQL keeps).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A short random suffix, to make names and subjects unique.
pub(crate) fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// A page request of `size` items after `after`.
pub(crate) fn page<C>(size: i32, after: Option<C>) -> PageRequest<C> {
    PageRequest {
        size: PageSize::from_request(size).expect("a valid page size"),
        after,
    }
}

/// A room configuration with every key set, to check that it round-trips.
pub(crate) fn full_configuration() -> RoomConfiguration {
    RoomConfiguration {
        can_publish_sources: Some(vec![MediaSource::Camera, MediaSource::ScreenShareAudio]),
        everyone_can_mute: Some(false),
        max_participants: NonZeroU32::new(12),
        enable_transcription: Some(true),
    }
}

/// An active user with a subject and every optional field set.
pub(crate) fn new_user() -> User {
    let at = now();
    User {
        id: UserId::new(),
        sub: Some(Subject::parse(&format!("sub-{}", unique())).expect("a valid subject")),
        email: Some(Email::parse(&format!("ana.{}@example.org", unique())).expect("an email")),
        full_name: Some("Ana Lopez".to_owned()),
        short_name: Some("Ana".to_owned()),
        language: Language::FrFr,
        timezone: Timezone::parse("Europe/Paris").expect("a time zone"),
        default_room_access_level: Some(AccessLevel::Restricted),
        default_room_configuration: RoomConfiguration {
            everyone_can_mute: Some(false),
            ..RoomConfiguration::default()
        },
        is_active: true,
        created_at: at,
        updated_at: at,
    }
}

/// A room named `name` with a random slug and the default configuration.
pub(crate) fn new_room(name: &str) -> Room {
    let at = now();
    Room {
        id: RoomId::new(),
        name: RoomName::parse(name).expect("a valid room name"),
        slug: Slug::random(),
        slug_is_random: true,
        access_level: AccessLevel::Public,
        configuration: RoomConfiguration::default(),
        pin_code: None,
        created_at: at,
        updated_at: at,
    }
}

/// A random ten-digit PIN.
pub(crate) fn random_pin() -> PinCode {
    PinCode::from_stored(format!(
        "{:010}",
        uuid::Uuid::new_v4().as_u128() % 10_000_000_000
    ))
}

/// A new access of `user` to `room`.
pub(crate) fn new_access(room: RoomId, user: UserId, role: Role) -> ResourceAccess {
    let at = now();
    ResourceAccess {
        id: AccessId::new(),
        room,
        user,
        role,
        created_at: at,
        updated_at: at,
    }
}

/// A new recording of `room` in `status`, with options set.
pub(crate) fn new_recording(room: RoomId, status: RecordingStatus) -> Recording {
    let at = now();
    Recording {
        id: RecordingId::new(),
        room,
        status,
        mode: RecordingMode::Transcript,
        worker_id: None,
        options: RecordingOptions {
            language: Some("fr".to_owned()),
            transcribe: Some(true),
            collect_metadata: None,
            original_mode: Some(RecordingMode::ScreenRecording),
        },
        external_process_id: None,
        created_at: at,
        updated_at: at,
    }
}

/// The owner access of `user` to `recording`.
pub(crate) fn recording_owner(recording: RecordingId, user: UserId) -> RecordingAccess {
    RecordingAccess {
        id: RecordingAccessId::new(),
        recording,
        user,
        role: Role::Owner,
        created_at: now(),
    }
}

/// Inserts a new user.
pub(crate) async fn seed_user(repos: &Repositories) -> User {
    let user = new_user();
    repos.users.insert(&user).await.expect("insert a user");
    user
}

/// Inserts a new room named `name` owned by `owner`; returns it with the owner access.
pub(crate) async fn seed_room(
    repos: &Repositories,
    owner: &User,
    name: &str,
) -> (Room, ResourceAccess) {
    let room = new_room(name);
    let access = new_access(room.id, owner.id, Role::Owner);
    repos
        .rooms
        .insert(&room, &access)
        .await
        .expect("insert a room");
    (room, access)
}

/// Gives `user` `role` on `room`.
pub(crate) async fn grant(
    repos: &Repositories,
    room: RoomId,
    user: UserId,
    role: Role,
) -> ResourceAccess {
    let access = new_access(room, user, role);
    repos
        .accesses
        .insert(&access)
        .await
        .expect("insert an access");
    access
}

/// Creates a recording of `room` in `status` owned by `owner`.
pub(crate) async fn seed_recording(
    repos: &Repositories,
    room: RoomId,
    owner: UserId,
    status: RecordingStatus,
) -> Recording {
    let recording = new_recording(room, status);
    repos
        .recordings
        .create(&recording, &recording_owner(recording.id, owner))
        .await
        .expect("create a recording");
    recording
}

// --- assertions ---------------------------------------------------------------------------

/// Expects [`Error::NotFound`].
#[track_caller]
pub(crate) fn assert_not_found<T: Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// Expects [`Error::AlreadyExists`] on `field`.
#[track_caller]
pub(crate) fn assert_already_exists<T: Debug>(result: Result<T, Error>, field: &str) {
    match result {
        Err(Error::AlreadyExists { field: got, .. }) => {
            assert_eq!(got, field, "AlreadyExists names the taken field");
        }
        other => panic!("expected AlreadyExists on {field}, got {other:?}"),
    }
}

/// Expects [`Error::Conflict`].
#[track_caller]
pub(crate) fn assert_conflict<T: Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Conflict(_)) => {}
        other => panic!("expected Conflict, got {other:?}"),
    }
}

/// Expects [`Error::FailedPrecondition`].
#[track_caller]
pub(crate) fn assert_failed_precondition<T: Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::FailedPrecondition(_)) => {}
        other => panic!("expected FailedPrecondition, got {other:?}"),
    }
}

/// Expects the "a room keeps at least one owner" refusal.
#[track_caller]
pub(crate) fn assert_last_owner<T: Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::PermissionDenied(message)) => {
            assert_eq!(message, anteroom_domain::access::LAST_OWNER);
        }
        other => panic!("expected PermissionDenied (last owner), got {other:?}"),
    }
}
