//! Adapter-only behaviours: corrupt rows are `Internal`, not silently accepted.

use anteroom_domain::Error;
use anteroom_domain::access::{AccessRepository, ResourceAccess, Role};
use anteroom_domain::id::{AccessId, RecordingAccessId, RecordingId, RoomId, UserId};
use anteroom_domain::recording::{
    Recording, RecordingAccess, RecordingMode, RecordingOptions, RecordingRepository,
    RecordingStatus,
};
use anteroom_domain::room::{AccessLevel, Room, RoomConfiguration, RoomName, RoomRepository, Slug};
use anteroom_domain::user::{Language, Timezone, User, UserRepository};
use chrono::Utc;
use sea_orm::ConnectionTrait;

use crate::{PoolOptions, SqlStore};

/// A migrated in-memory store with one user owning one room with one recording.
async fn seeded() -> (SqlStore, User, Room, ResourceAccess, Recording) {
    let store = SqlStore::connect("sqlite::memory:", &PoolOptions::default())
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let at = Utc::now();
    let user = User {
        id: UserId::new(),
        sub: None,
        email: None,
        full_name: None,
        short_name: None,
        language: Language::EnUs,
        timezone: Timezone::default(),
        default_room_access_level: None,
        default_room_configuration: RoomConfiguration::default(),
        is_active: true,
        created_at: at,
        updated_at: at,
    };
    UserRepository::insert(&store, &user)
        .await
        .expect("insert user");
    let room = Room {
        id: RoomId::new(),
        name: RoomName::parse("Corrupt").expect("name"),
        slug: Slug::random(),
        slug_is_random: true,
        access_level: AccessLevel::Public,
        configuration: RoomConfiguration::default(),
        pin_code: None,
        created_at: at,
        updated_at: at,
    };
    let access = ResourceAccess {
        id: AccessId::new(),
        room: room.id,
        user: user.id,
        role: Role::Owner,
        created_at: at,
        updated_at: at,
    };
    RoomRepository::insert(&store, &room, &access)
        .await
        .expect("insert room");
    let recording = Recording {
        id: RecordingId::new(),
        room: room.id,
        status: RecordingStatus::Saved,
        mode: RecordingMode::ScreenRecording,
        worker_id: None,
        options: RecordingOptions::default(),
        external_process_id: None,
        created_at: at,
        updated_at: at,
    };
    let owner = RecordingAccess {
        id: RecordingAccessId::new(),
        recording: recording.id,
        user: user.id,
        role: Role::Owner,
        created_at: at,
    };
    store.create(&recording, &owner).await.expect("create");
    (store, user, room, access, recording)
}

#[track_caller]
fn assert_internal<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Internal(_)) => {}
        other => panic!("expected Internal, got {other:?}"),
    }
}

#[tokio::test]
async fn corrupt_rows_are_internal_errors() {
    let (store, user, room, access, recording) = seeded().await;
    for sql in [
        "UPDATE rooms SET configuration = '{\"unknown\": 1}'",
        "UPDATE users SET timezone = 'Mars/Olympus'",
        "UPDATE resource_accesses SET role = 'admin'",
        "UPDATE recordings SET options = 'not json'",
    ] {
        store.db.execute_unprepared(sql).await.expect(sql);
    }
    assert_internal(RoomRepository::get(&store, room.id).await);
    assert_internal(UserRepository::get(&store, user.id).await);
    assert_internal(AccessRepository::get(&store, access.id).await);
    assert_internal(RecordingRepository::get(&store, recording.id).await);
}

#[tokio::test]
async fn unknown_enumeration_values_are_internal_errors() {
    let (store, _, room, _, recording) = seeded().await;
    for sql in [
        "UPDATE rooms SET access_level = 'secret'",
        "UPDATE recordings SET mode = 'hologram'",
    ] {
        store.db.execute_unprepared(sql).await.expect(sql);
    }
    assert_internal(RoomRepository::get(&store, room.id).await);
    assert_internal(RecordingRepository::get(&store, recording.id).await);
}

#[tokio::test]
async fn down_drops_every_table_and_up_restores_them() {
    use anteroom_migrations::{Migrator, MigratorTrait};

    let (store, user, ..) = seeded().await;
    Migrator::down(&store.db, None).await.expect("down");
    for table in [
        "users",
        "rooms",
        "resource_accesses",
        "recordings",
        "recording_accesses",
    ] {
        assert!(
            store
                .db
                .execute_unprepared(&format!("SELECT * FROM {table}"))
                .await
                .is_err(),
            "{table} is dropped"
        );
    }
    store.migrate().await.expect("up again");
    store.migrate().await.expect("and again");
    assert!(matches!(
        UserRepository::get(&store, user.id).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn unknown_url_schemes_are_internal_errors() {
    match SqlStore::connect("mysql2://nowhere/db", &PoolOptions::default()).await {
        Err(Error::Internal(_)) => {}
        other => panic!("expected Internal, got {other:?}"),
    }
}
