//! [`UserRepository`] on SQL.

use anteroom_domain::Error;
use anteroom_domain::id::UserId;
use anteroom_domain::page::PageRequest;
use anteroom_domain::room::AccessLevel;
use anteroom_domain::user::{
    Email, EmailFragment, Language, Subject, Timezone, User, UserCursor, UserRepository,
};
use async_trait::async_trait;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{BinOper, Expr, ExprTrait as _, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db_error::{corrupt, found, translate};
use crate::entity::user;
use crate::rooms::parse_configuration;
use crate::store::SqlStore;

/// The message of a missing user.
const NO_USER: &str = "No User matches the given query.";

/// The escape character of the `LIKE` patterns.
const LIKE_ESCAPE: char = '\\';

/// The `LIKE` pattern of the addresses that contain `fragment`: its `%`, `_` and escape
/// characters escaped, between `%`.
fn contains_pattern(fragment: &EmailFragment) -> String {
    let mut pattern = String::from("%");
    for c in fragment.as_str().chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The row of a user.
fn user_row(user: &User) -> user::ActiveModel {
    user::ActiveModel {
        id: Set(user.id.as_uuid()),
        sub: Set(user.sub.as_ref().map(|sub| sub.as_str().to_owned())),
        email: Set(user.email.as_ref().map(|email| email.as_str().to_owned())),
        full_name: Set(user.full_name.clone()),
        short_name: Set(user.short_name.clone()),
        language: Set(user.language.as_str().to_owned()),
        timezone: Set(user.timezone.as_str().to_owned()),
        default_room_access_level: Set(user
            .default_room_access_level
            .map(|level| level.as_str().to_owned())),
        default_room_configuration: Set(user.default_room_configuration.to_json().to_string()),
        is_active: Set(user.is_active),
        created_at: Set(user.created_at),
        updated_at: Set(user.updated_at),
    }
}

/// The user of a row.
pub(crate) fn user_from_row(row: user::Model) -> Result<User, Error> {
    let sub = row
        .sub
        .as_deref()
        .map(Subject::parse)
        .transpose()
        .map_err(|e| corrupt("users", "sub", e))?;
    let email = row
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| corrupt("users", "email", e))?;
    let language = row
        .language
        .parse::<Language>()
        .map_err(|e| corrupt("users", "language", e))?;
    let timezone = Timezone::parse(&row.timezone).map_err(|e| corrupt("users", "timezone", e))?;
    let default_room_access_level = row
        .default_room_access_level
        .as_deref()
        .map(str::parse::<AccessLevel>)
        .transpose()
        .map_err(|e| corrupt("users", "default_room_access_level", e))?;
    let default_room_configuration = parse_configuration(&row.default_room_configuration)
        .map_err(|e| corrupt("users", "default_room_configuration", e))?;
    Ok(User {
        id: UserId::from_uuid(row.id),
        sub,
        email,
        full_name: row.full_name,
        short_name: row.short_name,
        language,
        timezone,
        default_room_access_level,
        default_room_configuration,
        is_active: row.is_active,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

#[async_trait]
impl UserRepository for SqlStore {
    async fn get(&self, id: UserId) -> Result<User, Error> {
        user::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(translate)?
            .ok_or_else(|| Error::NotFound(NO_USER.to_owned()))
            .and_then(user_from_row)
    }

    async fn get_by_sub(&self, sub: &Subject) -> Result<Option<User>, Error> {
        user::Entity::find()
            .filter(user::Column::Sub.eq(sub.as_str()))
            .one(&self.db)
            .await
            .map_err(translate)?
            .map(user_from_row)
            .transpose()
    }

    async fn find_by_email_ci(&self, email: &Email, limit: u64) -> Result<Vec<User>, Error> {
        // LOWER on both sides: the same comparison on PostgreSQL and SQLite.
        user::Entity::find()
            .filter(
                Expr::expr(Func::lower(Expr::col(user::Column::Email)))
                    .eq(Func::lower(Expr::val(email.as_str()))),
            )
            .order_by_asc(user::Column::CreatedAt)
            .order_by_asc(user::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(translate)?
            .into_iter()
            .map(user_from_row)
            .collect()
    }

    async fn list_active(
        &self,
        email: Option<EmailFragment>,
        page: &PageRequest<UserCursor>,
    ) -> Result<Vec<User>, Error> {
        let mut query = user::Entity::find().filter(user::Column::IsActive.eq(true));
        if let Some(fragment) = &email {
            // `LOWER(email) LIKE LOWER(pattern) ESCAPE '\'`: the same match on PostgreSQL
            // (whose LIKE is case-sensitive) and SQLite (whose LIKE ignores ASCII case only).
            let pattern = Expr::expr(Func::lower(Expr::val(contains_pattern(fragment))))
                .binary(BinOper::Escape, Expr::Constant(LIKE_ESCAPE.into()));
            query = query.filter(
                Expr::expr(Func::lower(Expr::col(user::Column::Email)))
                    .binary(BinOper::Like, pattern),
            );
        }
        if let Some(after) = page.after {
            query = query.filter(user::Column::Id.lt(after.as_uuid()));
        }
        query
            .order_by_desc(user::Column::Id)
            .limit(u64::from(page.size.get()) + 1)
            .all(&self.db)
            .await
            .map_err(translate)?
            .into_iter()
            .map(user_from_row)
            .collect()
    }

    async fn insert(&self, user: &User) -> Result<(), Error> {
        user::Entity::insert(user_row(user))
            .exec_without_returning(&self.db)
            .await
            .map_err(translate)?;
        Ok(())
    }

    async fn update(&self, user: &User) -> Result<(), Error> {
        let mut row = user_row(user);
        row.id = NotSet;
        row.created_at = NotSet;
        let result = user::Entity::update_many()
            .set(row)
            .filter(user::Column::Id.eq(user.id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(translate)?;
        found(result.rows_affected, NO_USER)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_the_like_wildcards_and_the_escape_character() {
        let pattern =
            |raw: &str| contains_pattern(&EmailFragment::parse(raw).unwrap().expect("not blank"));
        assert_eq!(pattern("Ana@"), "%Ana@%");
        assert_eq!(pattern("100%_x\\y"), "%100\\%\\_x\\\\y%");
    }
}
