//! User use cases: provisioning from verified claims, reading and updating oneself, and
//! listing users when the deployment allows it.

use std::sync::Arc;

use super::{Email, EmailFragment, Subject, User, UserCursor, UserPatch, UserRepository};
use crate::auth::IdentityClaims;
use crate::clock::Clock;
use crate::id::UserId;
use crate::page::{Page, PageRequest};
use crate::room::RoomConfiguration;
use crate::{Caller, Error};

/// The longest stored full or short name, in characters.
const MAX_NAME_CHARS: usize = 100;

/// The user use cases.
#[derive(Clone)]
pub struct UserService {
    users: Arc<dyn UserRepository>,
    clock: Arc<dyn Clock>,
    settings: UserSettings,
}

impl UserService {
    /// Builds the service over its ports.
    pub fn new(
        users: Arc<dyn UserRepository>,
        clock: Arc<dyn Clock>,
        settings: UserSettings,
    ) -> Self {
        Self {
            users,
            clock,
            settings,
        }
    }

    /// Finds the user with the claims' subject, creating it on first sight and refreshing its
    /// e-mail and names when the identity provider changed them.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] when the subject is malformed; [`Error::PermissionDenied`]
    /// for inactive users; [`Error::Unavailable`].
    pub async fn provision(&self, claims: &IdentityClaims) -> Result<User, Error> {
        self.provision_with(claims, Provisioning::default()).await
    }

    /// [`provision`](Self::provision) with the login's options: when no user has the claims'
    /// subject and `fallback_to_email` is on, the user whose e-mail equals the claims' e-mail
    /// ignoring case is taken (and linked to the subject); several such users refuse the
    /// login.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] when the subject is malformed; [`Error::PermissionDenied`]
    /// for inactive users and ambiguous e-mails; [`Error::Unavailable`].
    #[tracing::instrument(skip_all)]
    pub async fn provision_with(
        &self,
        claims: &IdentityClaims,
        options: Provisioning,
    ) -> Result<User, Error> {
        let sub = Subject::parse(&claims.subject)
            .map_err(|e| Error::Unauthenticated(format!("invalid sub claim: {e}")))?;
        let profile = Profile::from_claims(claims);
        let found = self.users.get_by_sub(&sub).await?;
        let by_email = if found.is_none() && options.fallback_to_email {
            self.by_email(profile.email.as_ref()).await?
        } else {
            None
        };
        let user = match (found, by_email) {
            (Some(user), _) => self.refresh(user, None, profile).await?,
            (None, Some(user)) => self.refresh(user, Some(sub), profile).await?,
            (None, None) => self.create(sub, profile).await?,
        };
        if !user.is_active {
            return Err(Error::PermissionDenied(
                "User account is disabled.".to_owned(),
            ));
        }
        Ok(user)
    }

    /// The one user with this e-mail ignoring case, if any.
    async fn by_email(&self, email: Option<&Email>) -> Result<Option<User>, Error> {
        let Some(email) = email else {
            return Ok(None);
        };
        let mut found = self.users.find_by_email_ci(email, 2).await?;
        if found.len() > 1 {
            tracing::warn!("login refused: several users share the presented e-mail");
            return Err(Error::PermissionDenied(
                "Multiple user accounts share a common email.".to_owned(),
            ));
        }
        Ok(found.pop())
    }

    /// The active user with this id (a signed-in session's user); `None` when it was deleted
    /// or deactivated meanwhile.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`].
    pub async fn active(&self, id: UserId) -> Result<Option<User>, Error> {
        match self.users.get(id).await {
            Ok(user) => Ok(user.is_active.then_some(user)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }

    async fn create(&self, sub: Subject, profile: Profile) -> Result<User, Error> {
        let now = self.clock.now();
        let user = User {
            id: UserId::new(),
            sub: Some(sub.clone()),
            email: profile.email,
            full_name: profile.full_name,
            short_name: profile.short_name,
            language: super::Language::default(),
            timezone: super::Timezone::default(),
            default_room_access_level: None,
            default_room_configuration: RoomConfiguration::default(),
            is_active: true,
            created_at: now,
            updated_at: now,
        };
        match self.users.insert(&user).await {
            Ok(()) => Ok(user),
            // A concurrent first request provisioned the same subject: use that user.
            Err(Error::AlreadyExists { .. }) => self
                .users
                .get_by_sub(&sub)
                .await?
                .ok_or_else(|| Error::internal("user vanished after a duplicate insert")),
            Err(other) => Err(other),
        }
    }

    /// Refreshes e-mail and names (and links the subject found through the e-mail fallback).
    async fn refresh(
        &self,
        mut user: User,
        link: Option<Subject>,
        profile: Profile,
    ) -> Result<User, Error> {
        let relinked = link.is_some() && user.sub != link;
        if relinked {
            user.sub = link;
        }
        let changed = relinked
            || (profile.email.is_some() && user.email != profile.email)
            || (profile.full_name.is_some() && user.full_name != profile.full_name)
            || (profile.short_name.is_some() && user.short_name != profile.short_name);
        if !changed {
            return Ok(user);
        }
        user.email = profile.email.or(user.email);
        user.full_name = profile.full_name.or(user.full_name);
        user.short_name = profile.short_name.or(user.short_name);
        user.updated_at = self.clock.now();
        self.users.update(&user).await?;
        Ok(user)
    }

    /// The calling user.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] for anonymous callers.
    pub fn current(&self, caller: &Caller) -> Result<User, Error> {
        caller.require_user().cloned()
    }

    /// Lists the active users, newest first, whose e-mail contains `query` (trimmed; blank:
    /// every active user) ignoring case; always an empty page unless the deployment allows
    /// listing.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] for anonymous callers; [`Error::Invalid`] on `q` when the
    /// query is too long or holds a NUL; [`Error::Unavailable`].
    #[tracing::instrument(skip_all)]
    pub async fn list(
        &self,
        caller: &Caller,
        query: &str,
        page: &PageRequest<UserCursor>,
    ) -> Result<Page<User, UserCursor>, Error> {
        caller.require_user()?;
        if !self.settings.allow_listing {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let email = EmailFragment::parse(query).map_err(|e| e.at("q"))?;
        let users = self.users.list_active(email, page).await?;
        Ok(Page::from_overfetch(users, page.size, |user| user.id))
    }

    /// Changes the calling user's language, time zone and room defaults.
    ///
    /// # Errors
    ///
    /// [`Error::Unauthenticated`] for anonymous callers; [`Error::NotFound`] when the user was
    /// deleted meanwhile; [`Error::Unavailable`].
    #[tracing::instrument(skip_all)]
    pub async fn update_current(&self, caller: &Caller, patch: UserPatch) -> Result<User, Error> {
        let mut user = caller.require_user()?.clone();
        if let Some(language) = patch.language {
            user.language = language;
        }
        if let Some(timezone) = patch.timezone {
            user.timezone = timezone;
        }
        if let Some(level) = patch.default_room_access_level {
            user.default_room_access_level = level;
        }
        if let Some(configuration) = patch.default_room_configuration {
            user.default_room_configuration = configuration;
        }
        user.updated_at = self.clock.now();
        self.users.update(&user).await?;
        Ok(user)
    }
}

/// Deployment choices about users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserSettings {
    /// Whether authenticated callers may list (and search by e-mail) every active user; off,
    /// the listing is always empty.
    pub allow_listing: bool,
}

/// How [`UserService::provision_with`] finds users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Provisioning {
    /// When no user has the subject, take the one user with the same e-mail (ignoring case).
    pub fallback_to_email: bool,
}

/// The profile fields taken from identity claims.
struct Profile {
    email: Option<Email>,
    full_name: Option<String>,
    short_name: Option<String>,
}

impl Profile {
    fn from_claims(claims: &IdentityClaims) -> Self {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(MAX_NAME_CHARS).collect::<String>())
        };
        let given = clean(&claims.given_name);
        let family = clean(&claims.usual_name).or_else(|| clean(&claims.family_name));
        let full_name = match (&given, &family) {
            (Some(g), Some(f)) => Some(format!("{g} {f}").chars().take(MAX_NAME_CHARS).collect()),
            (Some(only), None) | (None, Some(only)) => Some(only.clone()),
            (None, None) => clean(&claims.name),
        };
        Self {
            email: claims.email.as_deref().and_then(|e| Email::parse(e).ok()),
            full_name,
            short_name: given,
        }
    }
}

#[cfg(test)]
mod tests;
