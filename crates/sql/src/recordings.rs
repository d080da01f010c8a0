//! [`RecordingRepository`] on SQL.
//!
//! "At most one initiated-or-active recording per room" is the partial unique index
//! `recordings_one_in_progress_per_room`; [`RecordingRepository::transition`] is a
//! compare-and-set on the status.

use anteroom_domain::Error;
use anteroom_domain::access::Role;
use anteroom_domain::id::{RecordingId, RoomId, UserId};
use anteroom_domain::page::PageRequest;
use anteroom_domain::recording::{
    Recording, RecordingAccess, RecordingMode, RecordingOptions, RecordingRepository,
    RecordingStatus,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Query},
};

use crate::accesses::parse_role;
use crate::db_error::{corrupt, found, translate};
use crate::entity::{recording, recording_access};
use crate::store::{SqlStore, finish};

/// The message of a missing recording.
const NO_RECORDING: &str = "No Recording matches the given query.";

/// The row of a recording.
fn recording_row(recording: &Recording) -> Result<recording::ActiveModel, Error> {
    let options = serde_json::to_string(&recording.options).map_err(Error::internal)?;
    Ok(recording::ActiveModel {
        id: Set(recording.id.as_uuid()),
        room_id: Set(recording.room.as_uuid()),
        status: Set(recording.status.as_str().to_owned()),
        mode: Set(recording.mode.as_str().to_owned()),
        worker_id: Set(recording.worker_id.clone()),
        options: Set(options),
        external_process_id: Set(recording.external_process_id.clone()),
        created_at: Set(recording.created_at),
        updated_at: Set(recording.updated_at),
    })
}

/// The row of a recording access.
fn recording_access_row(access: &RecordingAccess) -> recording_access::ActiveModel {
    recording_access::ActiveModel {
        id: Set(access.id.as_uuid()),
        recording_id: Set(access.recording.as_uuid()),
        user_id: Set(access.user.as_uuid()),
        role: Set(access.role.as_str().to_owned()),
        created_at: Set(access.created_at),
    }
}

/// Reads a stored mode.
fn parse_mode(text: &str) -> Result<RecordingMode, Error> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| corrupt("recordings", "mode", e))
}

/// Reads stored options (JSON text) through the domain's strict parser.
fn parse_options(text: &str) -> Result<RecordingOptions, Error> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| corrupt("recordings", "options", e))?;
    RecordingOptions::from_json(&value).map_err(|e| corrupt("recordings", "options", e))
}

/// The recording of a row.
fn recording_from_row(row: recording::Model) -> Result<Recording, Error> {
    Ok(Recording {
        id: RecordingId::from_uuid(row.id),
        room: RoomId::from_uuid(row.room_id),
        status: row
            .status
            .parse::<RecordingStatus>()
            .map_err(|e| corrupt("recordings", "status", e))?,
        mode: parse_mode(&row.mode)?,
        worker_id: row.worker_id,
        options: parse_options(&row.options)?,
        external_process_id: row.external_process_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Reads one recording.
async fn find_recording(
    db: &impl ConnectionTrait,
    id: RecordingId,
) -> Result<recording::Model, Error> {
    recording::Entity::find_by_id(id.as_uuid())
        .one(db)
        .await
        .map_err(translate)?
        .ok_or_else(|| Error::NotFound(NO_RECORDING.to_owned()))
}

#[async_trait]
impl RecordingRepository for SqlStore {
    async fn create(&self, recording: &Recording, owner: &RecordingAccess) -> Result<(), Error> {
        let row = recording_row(recording)?;
        let txn = self.begin_write().await?;
        let written = async {
            recording::Entity::insert(row)
                .exec_without_returning(&txn)
                .await?;
            recording_access::Entity::insert(recording_access_row(owner))
                .exec_without_returning(&txn)
                .await
        }
        .await
        .map(|_| ())
        .map_err(translate);
        finish(txn, written).await
    }

    async fn get(&self, id: RecordingId) -> Result<Recording, Error> {
        recording_from_row(find_recording(&self.db, id).await?)
    }

    async fn get_by_worker(&self, worker_id: &str) -> Result<Recording, Error> {
        recording::Entity::find()
            .filter(recording::Column::WorkerId.eq(worker_id))
            .order_by_desc(recording::Column::Id)
            .one(&self.db)
            .await
            .map_err(translate)?
            .ok_or_else(|| Error::NotFound(NO_RECORDING.to_owned()))
            .and_then(recording_from_row)
    }

    async fn active_for_room(&self, room: RoomId) -> Result<Option<Recording>, Error> {
        recording::Entity::find()
            .filter(recording::Column::RoomId.eq(room.as_uuid()))
            .filter(recording::Column::Status.eq(RecordingStatus::Active.as_str()))
            .one(&self.db)
            .await
            .map_err(translate)?
            .map(recording_from_row)
            .transpose()
    }

    async fn list_for_user(
        &self,
        user: UserId,
        page: &PageRequest<RecordingId>,
    ) -> Result<Vec<Recording>, Error> {
        let accessible = Query::select()
            .column(recording_access::Column::RecordingId)
            .from(recording_access::Entity)
            .and_where(Expr::col(recording_access::Column::UserId).eq(user.as_uuid()))
            .to_owned();
        let mut query =
            recording::Entity::find().filter(recording::Column::Id.in_subquery(accessible));
        if let Some(after) = page.after {
            query = query.filter(recording::Column::Id.lt(after.as_uuid()));
        }
        query
            .order_by_desc(recording::Column::Id)
            .limit(u64::from(page.size.get()) + 1)
            .all(&self.db)
            .await
            .map_err(translate)?
            .into_iter()
            .map(recording_from_row)
            .collect()
    }

    async fn role_of(&self, recording: RecordingId, user: UserId) -> Result<Option<Role>, Error> {
        recording_access::Entity::find()
            .filter(recording_access::Column::RecordingId.eq(recording.as_uuid()))
            .filter(recording_access::Column::UserId.eq(user.as_uuid()))
            .one(&self.db)
            .await
            .map_err(translate)?
            .map(|row| parse_role(&row.role, "recording_accesses"))
            .transpose()
    }

    async fn transition(
        &self,
        id: RecordingId,
        from: RecordingStatus,
        to: RecordingStatus,
        worker_id: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Recording, Error> {
        let mut update = recording::Entity::update_many()
            .col_expr(recording::Column::Status, Expr::value(to.as_str()))
            .col_expr(recording::Column::UpdatedAt, Expr::value(at));
        if let Some(worker_id) = worker_id {
            update = update.col_expr(recording::Column::WorkerId, Expr::value(worker_id));
        }
        let update = update
            .filter(recording::Column::Id.eq(id.as_uuid()))
            .filter(recording::Column::Status.eq(from.as_str()));
        let txn = self.begin_write().await?;
        let moved = async {
            let result = update.exec(&txn).await.map_err(translate)?;
            // Read in the same transaction: what this compare-and-set wrote, or why it did not.
            let current = recording_from_row(find_recording(&txn, id).await?)?;
            if result.rows_affected == 0 {
                return Err(Error::FailedPrecondition(format!(
                    "The recording is {}, not {from}.",
                    current.status
                )));
            }
            Ok(current)
        }
        .await;
        finish(txn, moved).await
    }

    async fn owners(&self, recording: RecordingId) -> Result<Vec<UserId>, Error> {
        Ok(recording_access::Entity::find()
            .filter(recording_access::Column::RecordingId.eq(recording.as_uuid()))
            .filter(recording_access::Column::Role.eq(Role::Owner.as_str()))
            .order_by_desc(recording_access::Column::CreatedAt)
            .order_by_desc(recording_access::Column::Id)
            .all(&self.db)
            .await
            .map_err(translate)?
            .into_iter()
            .map(|row| UserId::from_uuid(row.user_id))
            .collect())
    }

    async fn get_by_external_process(&self, job_id: &str) -> Result<Recording, Error> {
        recording::Entity::find()
            .filter(recording::Column::ExternalProcessId.eq(job_id))
            .one(&self.db)
            .await
            .map_err(translate)?
            .ok_or_else(|| Error::NotFound(NO_RECORDING.to_owned()))
            .and_then(recording_from_row)
    }

    async fn set_external_process(
        &self,
        id: RecordingId,
        job_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), Error> {
        let result = recording::Entity::update_many()
            .col_expr(recording::Column::ExternalProcessId, Expr::value(job_id))
            .col_expr(recording::Column::UpdatedAt, Expr::value(at))
            .filter(recording::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(translate)?;
        found(result.rows_affected, NO_RECORDING)?;
        Ok(())
    }

    async fn delete(&self, id: RecordingId) -> Result<(), Error> {
        // Its accesses go with it (ON DELETE CASCADE).
        let result = recording::Entity::delete_by_id(id.as_uuid())
            .exec(&self.db)
            .await
            .map_err(translate)?;
        found(result.rows_affected, NO_RECORDING)?;
        Ok(())
    }
}
