//! [`RoomRepository`] on SQL.

use anteroom_domain::Error;
use anteroom_domain::access::{ResourceAccess, Role};
use anteroom_domain::id::{RoomId, UserId};
use anteroom_domain::page::PageRequest;
use anteroom_domain::room::{
    AccessLevel, PinCode, Room, RoomConfiguration, RoomCursor, RoomName, RoomRepository, Slug,
};
use async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

use crate::accesses::{parse_role, resource_access_row};
use crate::db_error::{corrupt, found, translate};
use crate::entity::{resource_access, room};
use crate::store::{SqlStore, finish};

/// The message of a missing room.
const NO_ROOM: &str = "No Room matches the given query.";

/// The row of a room.
pub(crate) fn room_row(room: &Room) -> room::ActiveModel {
    room::ActiveModel {
        id: Set(room.id.as_uuid()),
        name: Set(room.name.as_str().to_owned()),
        slug: Set(room.slug.as_str().to_owned()),
        slug_is_random: Set(room.slug_is_random),
        access_level: Set(room.access_level.as_str().to_owned()),
        configuration: Set(room.configuration.to_json().to_string()),
        pin_code: Set(room.pin_code.as_ref().map(|pin| pin.as_str().to_owned())),
        created_at: Set(room.created_at),
        updated_at: Set(room.updated_at),
    }
}

/// The room of a row.
pub(crate) fn room_from_row(row: room::Model) -> Result<Room, Error> {
    let name = RoomName::parse(&row.name).map_err(|e| corrupt("rooms", "name", e))?;
    let access_level = row
        .access_level
        .parse::<AccessLevel>()
        .map_err(|e| corrupt("rooms", "access_level", e))?;
    let configuration = parse_configuration(&row.configuration)
        .map_err(|e| corrupt("rooms", "configuration", e))?;
    Ok(Room {
        id: RoomId::from_uuid(row.id),
        name,
        slug: Slug::from_stored(row.slug),
        slug_is_random: row.slug_is_random,
        access_level,
        configuration,
        pin_code: row.pin_code.map(PinCode::from_stored),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Reads a stored room configuration (JSON text) through the domain's strict parser.
pub(crate) fn parse_configuration(text: &str) -> Result<RoomConfiguration, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    RoomConfiguration::from_json(&value).map_err(|e| e.to_string())
}

#[async_trait]
impl RoomRepository for SqlStore {
    async fn insert(&self, room: &Room, owner: &ResourceAccess) -> Result<(), Error> {
        let txn = self.begin_write().await?;
        let written = async {
            room::Entity::insert(room_row(room))
                .exec_without_returning(&txn)
                .await?;
            resource_access::Entity::insert(resource_access_row(owner))
                .exec_without_returning(&txn)
                .await
        }
        .await
        .map(|_| ())
        .map_err(translate);
        finish(txn, written).await
    }

    async fn get(&self, id: RoomId) -> Result<Room, Error> {
        room::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(translate)?
            .ok_or_else(|| Error::NotFound(NO_ROOM.to_owned()))
            .and_then(room_from_row)
    }

    async fn get_by_slug(&self, slug: &str) -> Result<Room, Error> {
        room::Entity::find()
            .filter(room::Column::Slug.eq(slug))
            .one(&self.db)
            .await
            .map_err(translate)?
            .ok_or_else(|| Error::NotFound(NO_ROOM.to_owned()))
            .and_then(room_from_row)
    }

    async fn list_for_user(
        &self,
        user: UserId,
        page: &PageRequest<RoomCursor>,
    ) -> Result<Vec<(Room, Role)>, Error> {
        let mut query = room::Entity::find()
            .inner_join(resource_access::Entity)
            .filter(resource_access::Column::UserId.eq(user.as_uuid()))
            .select_also(resource_access::Entity);
        if let Some(after) = &page.after {
            query = query.filter(
                Condition::any()
                    .add(room::Column::Name.gt(after.name.as_str()))
                    .add(
                        Condition::all()
                            .add(room::Column::Name.eq(after.name.as_str()))
                            .add(room::Column::Id.gt(after.id.as_uuid())),
                    ),
            );
        }
        let rows = query
            .order_by_asc(room::Column::Name)
            .order_by_asc(room::Column::Id)
            .limit(u64::from(page.size.get()) + 1)
            .all(&self.db)
            .await
            .map_err(translate)?;
        rows.into_iter()
            .map(|(room, access)| {
                let access = access.ok_or_else(|| {
                    Error::internal("an inner join returned a room without its access")
                })?;
                Ok((
                    room_from_row(room)?,
                    parse_role(&access.role, "resource_accesses")?,
                ))
            })
            .collect()
    }

    async fn update(&self, room: &Room) -> Result<(), Error> {
        let result = room::Entity::update_many()
            .col_expr(room::Column::Name, Expr::value(room.name.as_str()))
            .col_expr(room::Column::Slug, Expr::value(room.slug.as_str()))
            .col_expr(
                room::Column::AccessLevel,
                Expr::value(room.access_level.as_str()),
            )
            .col_expr(
                room::Column::Configuration,
                Expr::value(room.configuration.to_json().to_string()),
            )
            .col_expr(room::Column::UpdatedAt, Expr::value(room.updated_at))
            .filter(room::Column::Id.eq(room.id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(translate)?;
        found(result.rows_affected, NO_ROOM)?;
        Ok(())
    }

    async fn delete(&self, id: RoomId) -> Result<(), Error> {
        // Accesses, recordings and recording accesses go with it (ON DELETE CASCADE).
        let result = room::Entity::delete_by_id(id.as_uuid())
            .exec(&self.db)
            .await
            .map_err(translate)?;
        found(result.rows_affected, NO_ROOM)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_configurations_are_refused() {
        assert!(parse_configuration("{}").is_ok());
        assert!(parse_configuration("null").is_ok());
        assert!(parse_configuration("{\"unknown\": 1}").is_err());
        assert!(parse_configuration("not json").is_err());
    }
}
