//! The initial schema: users, rooms, their accesses, recordings and their accesses.
//!
//! Written with sea-orm-migration's schema helpers so that the same statements run on PostgreSQL
//! and SQLite. Every statement is idempotent (`IF NOT EXISTS`), so running `up` on a database
//! that already has the schema changes nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, pk_uuid, string_len, string_len_null, text, timestamp_with_time_zone, uuid,
};

/// The partial unique index that allows at most one initiated-or-active recording per room.
///
/// Raw SQL because sea-query has no portable partial index; the statement is the same on
/// PostgreSQL and SQLite.
const ONE_IN_PROGRESS_PER_ROOM: &str = "CREATE UNIQUE INDEX IF NOT EXISTS \
     recordings_one_in_progress_per_room ON recordings (room_id) \
     WHERE status IN ('initiated', 'active')";

/// Creates the five tables of the first release.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Sub,
    Email,
    FullName,
    ShortName,
    Language,
    Timezone,
    DefaultRoomAccessLevel,
    DefaultRoomConfiguration,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Rooms {
    Table,
    Id,
    Name,
    Slug,
    SlugIsRandom,
    AccessLevel,
    Configuration,
    PinCode,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ResourceAccesses {
    Table,
    Id,
    RoomId,
    UserId,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Recordings {
    Table,
    Id,
    RoomId,
    Status,
    Mode,
    WorkerId,
    Options,
    ExternalProcessId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RecordingAccesses {
    Table,
    Id,
    RecordingId,
    UserId,
    Role,
    CreatedAt,
}

/// A foreign key `from` → `to.id` that cascades deletions.
fn cascade(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: impl IntoIden,
    to_id: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to, to_id)
        .on_delete(ForeignKeyAction::Cascade)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A plain (non-unique) index.
fn index(name: &str, table: impl IntoIden, column: impl IntoIden) -> IndexCreateStatement {
    Index::create()
        .if_not_exists()
        .name(name)
        .table(table)
        .col(column)
        .to_owned()
}

/// Creates `users` and its indexes.
async fn create_users(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Users::Table)
                .if_not_exists()
                .col(pk_uuid(Users::Id))
                .col(string_len_null(Users::Sub, 255).unique_key())
                .col(string_len_null(Users::Email, 254))
                .col(string_len_null(Users::FullName, 100))
                .col(string_len_null(Users::ShortName, 100))
                .col(string_len(Users::Language, 8))
                .col(string_len(Users::Timezone, 64))
                .col(string_len_null(Users::DefaultRoomAccessLevel, 16))
                .col(text(Users::DefaultRoomConfiguration))
                .col(boolean(Users::IsActive))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(index("users_email_idx", Users::Table, Users::Email))
        .await?;
    Ok(())
}

/// Creates `rooms` and its indexes.
async fn create_rooms(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Rooms::Table)
                .if_not_exists()
                .col(pk_uuid(Rooms::Id))
                .col(string_len(Rooms::Name, 500))
                .col(string_len(Rooms::Slug, 100).unique_key())
                .col(boolean(Rooms::SlugIsRandom))
                .col(string_len(Rooms::AccessLevel, 16))
                .col(text(Rooms::Configuration))
                .col(string_len_null(Rooms::PinCode, 32).unique_key())
                .col(timestamp_with_time_zone(Rooms::CreatedAt))
                .col(timestamp_with_time_zone(Rooms::UpdatedAt))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(index("rooms_name_idx", Rooms::Table, Rooms::Name))
        .await?;
    Ok(())
}

/// Creates `resource_accesses` and its indexes.
async fn create_resource_accesses(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ResourceAccesses::Table)
                .if_not_exists()
                .col(pk_uuid(ResourceAccesses::Id))
                .col(uuid(ResourceAccesses::RoomId))
                .col(uuid(ResourceAccesses::UserId))
                .col(string_len(ResourceAccesses::Role, 16))
                .col(timestamp_with_time_zone(ResourceAccesses::CreatedAt))
                .col(timestamp_with_time_zone(ResourceAccesses::UpdatedAt))
                .foreign_key(&mut cascade(
                    "resource_accesses_room_id_fkey",
                    (ResourceAccesses::Table, ResourceAccesses::RoomId),
                    Rooms::Table,
                    Rooms::Id,
                ))
                .foreign_key(&mut cascade(
                    "resource_accesses_user_id_fkey",
                    (ResourceAccesses::Table, ResourceAccesses::UserId),
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .if_not_exists()
                .unique()
                .name("resource_accesses_room_user_key")
                .table(ResourceAccesses::Table)
                .col(ResourceAccesses::RoomId)
                .col(ResourceAccesses::UserId)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(index(
            "resource_accesses_user_id_idx",
            ResourceAccesses::Table,
            ResourceAccesses::UserId,
        ))
        .await?;
    Ok(())
}

/// Creates `recordings` and its indexes.
async fn create_recordings(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Recordings::Table)
                .if_not_exists()
                .col(pk_uuid(Recordings::Id))
                .col(uuid(Recordings::RoomId))
                .col(string_len(Recordings::Status, 32))
                .col(string_len(Recordings::Mode, 32))
                .col(string_len_null(Recordings::WorkerId, 255))
                .col(text(Recordings::Options))
                .col(string_len_null(Recordings::ExternalProcessId, 255).unique_key())
                .col(timestamp_with_time_zone(Recordings::CreatedAt))
                .col(timestamp_with_time_zone(Recordings::UpdatedAt))
                .foreign_key(&mut cascade(
                    "recordings_room_id_fkey",
                    (Recordings::Table, Recordings::RoomId),
                    Rooms::Table,
                    Rooms::Id,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(index(
            "recordings_worker_id_idx",
            Recordings::Table,
            Recordings::WorkerId,
        ))
        .await?;
    manager
        .create_index(index(
            "recordings_room_id_idx",
            Recordings::Table,
            Recordings::RoomId,
        ))
        .await?;
    manager
        .get_connection()
        .execute_unprepared(ONE_IN_PROGRESS_PER_ROOM)
        .await?;
    Ok(())
}

/// Creates `recording_accesses` and its indexes.
async fn create_recording_accesses(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(RecordingAccesses::Table)
                .if_not_exists()
                .col(pk_uuid(RecordingAccesses::Id))
                .col(uuid(RecordingAccesses::RecordingId))
                .col(uuid(RecordingAccesses::UserId))
                .col(string_len(RecordingAccesses::Role, 16))
                .col(timestamp_with_time_zone(RecordingAccesses::CreatedAt))
                .foreign_key(&mut cascade(
                    "recording_accesses_recording_id_fkey",
                    (RecordingAccesses::Table, RecordingAccesses::RecordingId),
                    Recordings::Table,
                    Recordings::Id,
                ))
                .foreign_key(&mut cascade(
                    "recording_accesses_user_id_fkey",
                    (RecordingAccesses::Table, RecordingAccesses::UserId),
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .if_not_exists()
                .unique()
                .name("recording_accesses_recording_user_key")
                .table(RecordingAccesses::Table)
                .col(RecordingAccesses::RecordingId)
                .col(RecordingAccesses::UserId)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(index(
            "recording_accesses_user_id_idx",
            RecordingAccesses::Table,
            RecordingAccesses::UserId,
        ))
        .await?;
    Ok(())
}

// `SchemaManager<'_>` would not match the trait's `async_trait` signature (the lifetime would become
// early-bound), so the elided form the trait uses is kept.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_users(manager).await?;
        create_rooms(manager).await?;
        create_resource_accesses(manager).await?;
        create_recordings(manager).await?;
        create_recording_accesses(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RecordingAccesses::Table.into_iden(),
            Recordings::Table.into_iden(),
            ResourceAccesses::Table.into_iden(),
            Rooms::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
