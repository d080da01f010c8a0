//! Join tokens: minting them for participants and verifying the ones they present.

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::media::{JoinAnswer, JoinGrant, MediaClaims, MediaTokenVerifier, TokenIssuer};
use livekit_api::access_token::{AccessToken, AccessTokenError, TokenVerifier, VideoGrants};

use crate::config::LivekitConfig;
use crate::convert::source_name;

/// Mints LiveKit join tokens (HS256 with the API key and secret) and verifies the tokens
/// participants present back.
#[derive(Clone)]
pub struct LivekitTokens {
    url: String,
    api_key: String,
    api_secret: String,
    default_ttl: Duration,
    verifier: TokenVerifier,
}

impl std::fmt::Debug for LivekitTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivekitTokens")
            .field("url", &self.url)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl LivekitTokens {
    /// Tokens for the configured URL and credentials.
    pub fn new(config: &LivekitConfig) -> Self {
        Self {
            url: config.url.clone(),
            api_key: config.api_key.clone(),
            api_secret: config.api_secret.clone(),
            default_ttl: config.token_ttl,
            verifier: TokenVerifier::with_api_key(&config.api_key, &config.api_secret),
        }
    }

    /// The video grant of a join grant: `roomJoin`, `room`, `canSubscribe` and
    /// `canPublishData` true, `roomAdmin` for hosts, `canPublishSources` with `canPublish`
    /// true only when there is a source, `canUpdateOwnMetadata` false, never `hidden`,
    /// `recorder` or `agent`.
    fn video_grants(grant: &JoinGrant) -> VideoGrants {
        VideoGrants {
            room_join: true,
            room: grant.room.clone(),
            room_admin: grant.room_admin,
            can_subscribe: Some(true),
            can_publish_data: Some(true),
            can_publish: Some(!grant.can_publish_sources.is_empty()),
            can_publish_sources: grant
                .can_publish_sources
                .iter()
                .map(|s| source_name(*s).to_owned())
                .collect(),
            can_update_own_metadata: Some(false),
            hidden: false,
            recorder: false,
            agent: false,
            ..VideoGrants::default()
        }
    }
}

impl TokenIssuer for LivekitTokens {
    /// Signs the grant. The lifetime is the grant's `ttl`, or the configured default when
    /// that is zero.
    fn issue(&self, grant: &JoinGrant) -> Result<JoinAnswer, Error> {
        let ttl = if grant.ttl.is_zero() {
            self.default_ttl
        } else {
            grant.ttl
        };
        let role = grant.room_role.map_or("", |r| r.as_str());
        let authenticated = if grant.is_authenticated {
            "true"
        } else {
            "false"
        };
        let token = AccessToken::with_api_key(&self.api_key, &self.api_secret)
            .with_identity(&grant.identity)
            .with_name(&grant.name)
            .with_ttl(ttl)
            .with_grants(Self::video_grants(grant))
            .with_attributes([
                ("color", grant.color.as_str()),
                ("room_role", role),
                ("is_authenticated", authenticated),
            ])
            .to_jwt()
            .map_err(Error::internal)?;
        Ok(JoinAnswer {
            url: self.url.clone(),
            room: grant.room.clone(),
            token,
        })
    }
}

impl MediaTokenVerifier for LivekitTokens {
    fn verify(&self, token: &str) -> Result<MediaClaims, Error> {
        let denied =
            |reason: &str| Error::PermissionDenied(format!("Invalid LiveKit token: {reason}"));
        let claims = self.verifier.verify(token).map_err(|e| match e {
            // The crate names every JWT failure "failed to encode jwt"; the cause is clearer.
            AccessTokenError::Encoding(cause) => denied(&cause.to_string()),
            other => denied(&other.to_string()),
        })?;
        if claims.sub.is_empty() {
            return Err(denied("the token has no identity"));
        }
        if claims.video.room.is_empty() {
            return Err(denied("the token grants no room"));
        }
        Ok(MediaClaims {
            identity: claims.sub,
            room: claims.video.room,
        })
    }
}
