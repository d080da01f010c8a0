//! [`AccessRepository`] on SQL, with the "a room keeps at least one owner" rule enforced
//! atomically.
//!
//! Demoting or deleting an access runs in one write transaction that first locks the room's
//! owner accesses (`SELECT … FOR UPDATE` ordered by id on PostgreSQL; on SQLite the
//! transaction holds the database's write lock from its start) and only then counts them, so
//! two concurrent demotions of a room's last two owners cannot both succeed.

use anteroom_domain::Error;
use anteroom_domain::access::{
    AccessCursor, AccessRepository, AccessWithUser, LAST_OWNER, ResourceAccess, Role,
};
use anteroom_domain::id::{AccessId, RoomId, UserId};
use anteroom_domain::page::PageRequest;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use crate::db_error::{corrupt, found, translate};
use crate::entity::{resource_access, user};
use crate::store::{SqlStore, finish};
use crate::users::user_from_row;

/// The message of a missing access.
const NO_ACCESS: &str = "No ResourceAccess matches the given query.";

/// The row of an access.
pub(crate) fn resource_access_row(access: &ResourceAccess) -> resource_access::ActiveModel {
    resource_access::ActiveModel {
        id: Set(access.id.as_uuid()),
        room_id: Set(access.room.as_uuid()),
        user_id: Set(access.user.as_uuid()),
        role: Set(access.role.as_str().to_owned()),
        created_at: Set(access.created_at),
        updated_at: Set(access.updated_at),
    }
}

/// A stored role.
pub(crate) fn parse_role(text: &str, table: &str) -> Result<Role, Error> {
    text.parse::<Role>().map_err(|e| corrupt(table, "role", e))
}

/// The access of a row.
fn access_from_row(row: &resource_access::Model) -> Result<ResourceAccess, Error> {
    Ok(ResourceAccess {
        id: AccessId::from_uuid(row.id),
        room: RoomId::from_uuid(row.room_id),
        user: UserId::from_uuid(row.user_id),
        role: parse_role(&row.role, "resource_accesses")?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The access and its user of a joined row.
fn with_user(
    (access, user): (resource_access::Model, Option<user::Model>),
) -> Result<AccessWithUser, Error> {
    let user = user.ok_or_else(|| {
        Error::internal(format!(
            "access {} has no user (broken foreign key)",
            access.id
        ))
    })?;
    Ok(AccessWithUser {
        access: access_from_row(&access)?,
        user: user_from_row(user)?,
    })
}

/// Reads one access inside a transaction.
async fn find_access(
    db: &impl ConnectionTrait,
    id: AccessId,
) -> Result<resource_access::Model, Error> {
    resource_access::Entity::find_by_id(id.as_uuid())
        .one(db)
        .await
        .map_err(translate)?
        .ok_or_else(|| Error::NotFound(NO_ACCESS.to_owned()))
}

/// Locks the owner accesses of `room` until the transaction ends and returns their ids.
///
/// Rows are locked in id order so that concurrent callers cannot deadlock; a caller that had to
/// wait sees the rows as the winner left them (PostgreSQL re-checks `role = 'owner'` on the
/// new row versions). SQLite has no row locks and needs none: the transaction already holds the
/// write lock.
async fn lock_owners(txn: &DatabaseTransaction, room: Uuid) -> Result<Vec<Uuid>, Error> {
    resource_access::Entity::find()
        .select_only()
        .column(resource_access::Column::Id)
        .filter(resource_access::Column::RoomId.eq(room))
        .filter(resource_access::Column::Role.eq(Role::Owner.as_str()))
        .order_by_asc(resource_access::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .all(txn)
        .await
        .map_err(translate)
}

/// Refuses to remove the owner role from `access` when it is the last owner of its room.
async fn keep_an_owner(
    txn: &DatabaseTransaction,
    access: &resource_access::Model,
) -> Result<(), Error> {
    let owners = lock_owners(txn, access.room_id).await?;
    if owners.contains(&access.id) && owners.len() <= 1 {
        return Err(Error::PermissionDenied(LAST_OWNER.to_owned()));
    }
    Ok(())
}

#[async_trait]
impl AccessRepository for SqlStore {
    async fn role_of(&self, room: RoomId, user: UserId) -> Result<Option<Role>, Error> {
        resource_access::Entity::find()
            .filter(resource_access::Column::RoomId.eq(room.as_uuid()))
            .filter(resource_access::Column::UserId.eq(user.as_uuid()))
            .one(&self.db)
            .await
            .map_err(translate)?
            .map(|row| parse_role(&row.role, "resource_accesses"))
            .transpose()
    }

    async fn get(&self, id: AccessId) -> Result<ResourceAccess, Error> {
        access_from_row(&find_access(&self.db, id).await?)
    }

    async fn list_for_room(&self, room: RoomId) -> Result<Vec<AccessWithUser>, Error> {
        resource_access::Entity::find()
            .find_also_related(user::Entity)
            .filter(resource_access::Column::RoomId.eq(room.as_uuid()))
            .order_by_desc(resource_access::Column::Id)
            .all(&self.db)
            .await
            .map_err(translate)?
            .into_iter()
            .map(with_user)
            .collect()
    }

    async fn list_administered_by(
        &self,
        user: UserId,
        room: Option<RoomId>,
        page: &PageRequest<AccessCursor>,
    ) -> Result<Vec<AccessWithUser>, Error> {
        let administered = Query::select()
            .column(resource_access::Column::RoomId)
            .from(resource_access::Entity)
            .and_where(Expr::col(resource_access::Column::UserId).eq(user.as_uuid()))
            .and_where(
                Expr::col(resource_access::Column::Role)
                    .is_in([Role::Administrator.as_str(), Role::Owner.as_str()]),
            )
            .to_owned();
        let mut query = resource_access::Entity::find()
            .find_also_related(user::Entity)
            .filter(resource_access::Column::RoomId.in_subquery(administered));
        if let Some(room) = room {
            query = query.filter(resource_access::Column::RoomId.eq(room.as_uuid()));
        }
        if let Some(after) = page.after {
            query = query.filter(resource_access::Column::Id.lt(after.as_uuid()));
        }
        query
            .order_by_desc(resource_access::Column::Id)
            .limit(u64::from(page.size.get()) + 1)
            .all(&self.db)
            .await
            .map_err(translate)?
            .into_iter()
            .map(with_user)
            .collect()
    }

    async fn insert(&self, access: &ResourceAccess) -> Result<(), Error> {
        resource_access::Entity::insert(resource_access_row(access))
            .exec_without_returning(&self.db)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn update_role(
        &self,
        id: AccessId,
        role: Role,
        at: DateTime<Utc>,
    ) -> Result<ResourceAccess, Error> {
        let txn = self.begin_write().await?;
        let updated = async {
            let current = find_access(&txn, id).await?;
            if role != Role::Owner {
                keep_an_owner(&txn, &current).await?;
            }
            let result = resource_access::Entity::update_many()
                .col_expr(resource_access::Column::Role, Expr::value(role.as_str()))
                .col_expr(resource_access::Column::UpdatedAt, Expr::value(at))
                .filter(resource_access::Column::Id.eq(id.as_uuid()))
                .exec(&txn)
                .await
                .map_err(translate)?;
            found(result.rows_affected, NO_ACCESS)?;
            access_from_row(&find_access(&txn, id).await?)
        }
        .await;
        finish(txn, updated).await
    }

    async fn delete(&self, id: AccessId) -> Result<(), Error> {
        let txn = self.begin_write().await?;
        let deleted = async {
            let current = find_access(&txn, id).await?;
            keep_an_owner(&txn, &current).await?;
            let result = resource_access::Entity::delete_by_id(id.as_uuid())
                .exec(&txn)
                .await
                .map_err(translate)?;
            found(result.rows_affected, NO_ACCESS)?;
            Ok(())
        }
        .await;
        finish(txn, deleted).await
    }
}
