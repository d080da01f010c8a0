//! Opaque page tokens: the listing's keyset cursor, base64url-encoded JSON.

use anteroom_domain::access::AccessCursor;
use anteroom_domain::page::{PageRequest, PageSize};
use anteroom_domain::room::RoomCursor;
use anteroom_domain::user::UserCursor;
use anteroom_domain::{Error, Invalid};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct RoomPosition {
    n: String,
    i: String,
}

fn encode<T: Serialize>(value: &T) -> String {
    serde_json::to_vec(value).map_or_else(|_| String::new(), |json| URL_SAFE_NO_PAD.encode(json))
}

fn decode<T: for<'de> Deserialize<'de>>(token: &str) -> Result<T, Error> {
    let invalid = || Invalid::new("is not a token this server issued").at("page_token");
    let json = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    serde_json::from_slice(&json).map_err(|_| invalid())
}

fn size(page_size: i32) -> Result<PageSize, Error> {
    PageSize::from_request(page_size).map_err(|e| e.at("page_size"))
}

/// Reads a rooms page request.
pub(crate) fn rooms_page(page_size: i32, token: &str) -> Result<PageRequest<RoomCursor>, Error> {
    let after = if token.is_empty() {
        None
    } else {
        let position: RoomPosition = decode(token)?;
        let id = position
            .i
            .parse()
            .map_err(|_| Invalid::new("is not a token this server issued").at("page_token"))?;
        Some(RoomCursor {
            name: position.n,
            id,
        })
    };
    Ok(PageRequest {
        size: size(page_size)?,
        after,
    })
}

/// Writes the token of the next rooms page.
pub(crate) fn rooms_token(next: Option<RoomCursor>) -> String {
    next.map(|c| {
        encode(&RoomPosition {
            n: c.name,
            i: c.id.to_string(),
        })
    })
    .unwrap_or_default()
}

/// Reads an accesses page request.
pub(crate) fn accesses_page(
    page_size: i32,
    token: &str,
) -> Result<PageRequest<AccessCursor>, Error> {
    let after = if token.is_empty() {
        None
    } else {
        let id: String = decode(token)?;
        Some(
            id.parse()
                .map_err(|_| Invalid::new("is not a token this server issued").at("page_token"))?,
        )
    };
    Ok(PageRequest {
        size: size(page_size)?,
        after,
    })
}

/// Writes the token of the next accesses page.
pub(crate) fn accesses_token(next: Option<AccessCursor>) -> String {
    next.map(|id| encode(&id.to_string())).unwrap_or_default()
}

/// Reads a users page request.
pub(crate) fn users_page(page_size: i32, token: &str) -> Result<PageRequest<UserCursor>, Error> {
    let after = if token.is_empty() {
        None
    } else {
        let id: String = decode(token)?;
        Some(
            id.parse()
                .map_err(|_| Invalid::new("is not a token this server issued").at("page_token"))?,
        )
    };
    Ok(PageRequest {
        size: size(page_size)?,
        after,
    })
}

/// Writes the token of the next users page.
pub(crate) fn users_token(next: Option<UserCursor>) -> String {
    next.map(|id| encode(&id.to_string())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use anteroom_domain::id::{AccessId, RoomId, UserId};

    use super::*;

    #[test]
    fn tokens_round_trip() {
        let cursor = RoomCursor {
            name: "Réunion".to_owned(),
            id: RoomId::new(),
        };
        let token = rooms_token(Some(cursor.clone()));
        assert_eq!(rooms_page(5, &token).unwrap().after, Some(cursor));
        let id = AccessId::new();
        assert_eq!(
            accesses_page(0, &accesses_token(Some(id))).unwrap().after,
            Some(id)
        );
        assert_eq!(rooms_token(None), "");
        let user = UserId::new();
        assert_eq!(
            users_page(0, &users_token(Some(user))).unwrap().after,
            Some(user)
        );
        assert_eq!(users_token(None), "");
    }

    #[test]
    fn foreign_tokens_and_negative_sizes_name_their_field() {
        for (size, token, field) in [
            (0, "%%%", "page_token"),
            (0, "e30", "page_token"),
            (-1, "", "page_size"),
        ] {
            match rooms_page(size, token) {
                Err(Error::Invalid(v)) => assert_eq!(v[0].field, field),
                other => panic!("unexpected {other:?}"),
            }
            match users_page(size, token) {
                Err(Error::Invalid(v)) => assert_eq!(v[0].field, field),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}
