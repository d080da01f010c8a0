//! The User entity.

use chrono::{DateTime, Utc};

use super::{Email, Language, Subject, Timezone};
use crate::id::UserId;
use crate::room::{AccessLevel, RoomConfiguration};

/// A person known to Anteroom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Its OIDC subject; `None` for provisional users.
    pub sub: Option<Subject>,
    /// Its e-mail address.
    pub email: Option<Email>,
    /// Its full name.
    pub full_name: Option<String>,
    /// Its short (given) name.
    pub short_name: Option<String>,
    /// Its interface language.
    pub language: Language,
    /// Its time zone.
    pub timezone: Timezone,
    /// The access level of the rooms it creates, unless it chooses one.
    pub default_room_access_level: Option<AccessLevel>,
    /// The configuration of the rooms it creates, unless it chooses one.
    pub default_room_configuration: RoomConfiguration,
    /// Inactive users are refused everywhere.
    pub is_active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The position in the users listing (newest first, by id: ids are time-ordered).
pub type UserCursor = UserId;

/// What a user may change about itself; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    /// A new language.
    pub language: Option<Language>,
    /// A new time zone.
    pub timezone: Option<Timezone>,
    /// A new default access level (`Some(None)` clears it).
    pub default_room_access_level: Option<Option<AccessLevel>>,
    /// A new default room configuration.
    pub default_room_configuration: Option<RoomConfiguration>,
}
