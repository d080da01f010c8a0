//! The `rooms` table.

use sea_orm::entity::prelude::*;

/// One row of `rooms`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rooms")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub slug_is_random: bool,
    pub access_level: String,
    #[sea_orm(column_type = "Text")]
    pub configuration: String,
    #[sea_orm(unique)]
    pub pin_code: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub accesses: HasMany<super::resource_access::Entity>,
    #[sea_orm(has_many)]
    pub recordings: HasMany<super::recording::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
