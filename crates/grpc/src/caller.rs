//! Who is calling: the bearer token of the `authorization` metadata, resolved by the domain.

use anteroom_domain::id::ParticipantId;
use anteroom_domain::{Caller, Error, UseCases};
use tonic::Status;
use tonic::metadata::MetadataMap;

use crate::status::status_from;

/// Resolves the caller of a request.
pub(crate) async fn caller_of(
    use_cases: &UseCases,
    metadata: &MetadataMap,
) -> Result<Caller, Status> {
    caller_with_participant(use_cases, metadata, None).await
}

/// Resolves the caller of a request that may carry a lobby participant id.
pub(crate) async fn caller_with_participant(
    use_cases: &UseCases,
    metadata: &MetadataMap,
    participant: Option<ParticipantId>,
) -> Result<Caller, Status> {
    let bearer = bearer(metadata).map_err(status_from)?;
    use_cases
        .auth
        .authenticate(bearer, participant)
        .await
        .map_err(status_from)
}

/// The token of an `authorization: Bearer <token>` header, if present.
fn bearer(metadata: &MetadataMap) -> Result<Option<&str>, Error> {
    let Some(value) = metadata.get("authorization") else {
        return Ok(None);
    };
    let malformed =
        || Error::Unauthenticated("The authorization header must be `Bearer <token>`.".to_owned());
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(malformed());
    }
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> MetadataMap {
        let mut metadata = MetadataMap::new();
        metadata.insert("authorization", value.parse().unwrap());
        metadata
    }

    #[test]
    fn reads_bearer_tokens_and_refuses_other_schemes() {
        assert_eq!(bearer(&MetadataMap::new()).unwrap(), None);
        assert_eq!(bearer(&with("Bearer abc")).unwrap(), Some("abc"));
        assert_eq!(bearer(&with("bearer abc")).unwrap(), Some("abc"));
        assert!(bearer(&with("Basic abc")).is_err());
        assert!(bearer(&with("Bearer ")).is_err());
        assert!(bearer(&with("abc")).is_err());
    }
}
