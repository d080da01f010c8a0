//! The `recordings` table.

use sea_orm::entity::prelude::*;

/// One row of `recordings`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recordings")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub room_id: Uuid,
    pub status: String,
    pub mode: String,
    pub worker_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub options: String,
    #[sea_orm(unique)]
    pub external_process_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "room_id", to = "id", on_delete = "Cascade")]
    pub room: BelongsTo<super::room::Entity>,
    #[sea_orm(has_many)]
    pub accesses: HasMany<super::recording_access::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
