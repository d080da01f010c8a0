//! The `users` table.

use sea_orm::entity::prelude::*;

/// One row of `users`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub sub: Option<String>,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub short_name: Option<String>,
    pub language: String,
    pub timezone: String,
    pub default_room_access_level: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub default_room_configuration: String,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub accesses: HasMany<super::resource_access::Entity>,
    #[sea_orm(has_many)]
    pub recording_accesses: HasMany<super::recording_access::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
