//! The user repository port.

use async_trait::async_trait;

use super::{Email, EmailFragment, Subject, User, UserCursor};
use crate::Error;
use crate::id::UserId;
use crate::page::PageRequest;

/// Stores users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Reads a user by id.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when no user has this id;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get(&self, id: UserId) -> Result<User, Error>;

    /// Finds the user with this OIDC subject.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn get_by_sub(&self, sub: &Subject) -> Result<Option<User>, Error>;

    /// The users whose e-mail address equals `email` ignoring case (at most `limit`, oldest
    /// first): the login's optional fallback when no user has the presented subject.
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn find_by_email_ci(&self, email: &Email, limit: u64) -> Result<Vec<User>, Error>;

    /// Lists the active users whose e-mail address contains `email` ignoring case (every
    /// active user when `None`; users without an address never match a fragment), newest
    /// first (by id, descending), strictly after the page cursor, at most `page.size + 1`
    /// items (the extra one tells that more exist).
    ///
    /// # Errors
    ///
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn list_active(
        &self,
        email: Option<EmailFragment>,
        page: &PageRequest<UserCursor>,
    ) -> Result<Vec<User>, Error>;

    /// Inserts a user.
    ///
    /// # Errors
    ///
    /// - [`Error::AlreadyExists`] with field `sub` when a user has this subject already;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn insert(&self, user: &User) -> Result<(), Error>;

    /// Replaces every field of a stored user but its id and `created_at`.
    ///
    /// # Errors
    ///
    /// - [`Error::NotFound`] when the user does not exist;
    /// - [`Error::Unavailable`] when the store cannot be reached.
    async fn update(&self, user: &User) -> Result<(), Error>;
}
