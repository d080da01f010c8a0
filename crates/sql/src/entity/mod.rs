//! The sea-orm entities, one per table of the `anteroom-migrations` schema. Private to the
//! crate: the repositories convert them to and from the domain's entities.
//!
//! Enumerations (roles, statuses, access levels, languages) are stored as their wire names and
//! JSON documents (configurations, options) as text, so that one schema fits PostgreSQL and
//! SQLite; the domain's parsers read them back.

pub(crate) mod recording;
pub(crate) mod recording_access;
pub(crate) mod resource_access;
pub(crate) mod room;
pub(crate) mod user;
