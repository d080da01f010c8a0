//! The `recording_accesses` table: users' roles on recordings.

use sea_orm::entity::prelude::*;

/// One row of `recording_accesses`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recording_accesses")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub recording_id: Uuid,
    pub user_id: Uuid,
    pub role: String,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "recording_id", to = "id", on_delete = "Cascade")]
    pub recording: BelongsTo<super::recording::Entity>,
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
