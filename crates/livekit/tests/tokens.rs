//! Join tokens minted by `LivekitTokens`, decoded with the crate's own `TokenVerifier`, and
//! the tokens `LivekitTokens` accepts back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::access::Role;
use anteroom_domain::media::{JoinGrant, MediaTokenVerifier, TokenIssuer};
use anteroom_domain::room::MediaSource;
use anteroom_livekit::{LivekitConfig, LivekitTokens};
use livekit_api::access_token::{AccessToken, Claims, TokenVerifier, VideoGrants};

const KEY: &str = "devkey";
const SECRET: &str = "secret-secret-secret-secret-0123";

fn config() -> LivekitConfig {
    LivekitConfig::new("wss://lk.example.org", KEY, SECRET)
}

fn grant(role: Option<Role>, sources: Vec<MediaSource>) -> JoinGrant {
    JoinGrant {
        identity: "user-sub-1".to_owned(),
        name: "Ada Lovelace".to_owned(),
        room: "3f1c0f6e-7b8e-4e0c-9d2b-0a4c1c2f7a10".to_owned(),
        room_admin: role.is_some_and(Role::is_privileged),
        can_publish_sources: sources,
        color: "hsl(120, 45%, 50%)".to_owned(),
        room_role: role,
        is_authenticated: true,
        ttl: Duration::from_mins(10),
    }
}

fn claims(token: &str) -> Claims {
    TokenVerifier::with_api_key(KEY, SECRET)
        .verify(token)
        .expect("the token verifies")
}

fn names(sources: &[&str]) -> Vec<String> {
    sources.iter().map(|s| (*s).to_owned()).collect()
}

fn assert_common(claims: &Claims, grant: &JoinGrant) {
    assert_eq!(claims.iss, KEY);
    assert_eq!(claims.sub, grant.identity);
    assert_eq!(claims.name, grant.name);
    let video = &claims.video;
    assert!(video.room_join);
    assert_eq!(video.room, grant.room);
    assert_eq!(video.can_subscribe, Some(true));
    assert_eq!(video.can_publish_data, Some(true));
    assert_eq!(video.can_update_own_metadata, Some(false));
    assert!(!video.hidden && !video.recorder && !video.agent);
    assert!(!video.room_create && !video.room_list && !video.room_record && !video.ingress_admin);
    assert!(claims.metadata.is_empty());
    assert_eq!(
        claims.attributes.get("color").map(String::as_str),
        Some(grant.color.as_str())
    );
    assert_eq!(claims.exp - claims.nbf, 600);
}

#[test]
fn an_owner_administers_and_publishes_every_source() {
    let grant = grant(Some(Role::Owner), MediaSource::ALL.to_vec());
    let answer = LivekitTokens::new(&config()).issue(&grant).unwrap();
    assert_eq!(answer.url, "wss://lk.example.org");
    assert_eq!(answer.room, grant.room);
    let claims = claims(&answer.token);
    assert_common(&claims, &grant);
    assert!(claims.video.room_admin);
    assert_eq!(claims.video.can_publish, Some(true));
    assert_eq!(
        claims.video.can_publish_sources,
        names(&["camera", "microphone", "screen_share", "screen_share_audio"])
    );
    assert_eq!(claims.attributes["room_role"], "owner");
    assert_eq!(claims.attributes["is_authenticated"], "true");
    assert_eq!(claims.attributes.len(), 3);
}

#[test]
fn a_member_publishes_the_rooms_sources_without_administering() {
    let grant = grant(
        Some(Role::Member),
        vec![MediaSource::Microphone, MediaSource::Camera],
    );
    let token = LivekitTokens::new(&config()).issue(&grant).unwrap().token;
    let claims = claims(&token);
    assert_common(&claims, &grant);
    assert!(!claims.video.room_admin);
    assert_eq!(claims.video.can_publish, Some(true));
    assert_eq!(
        claims.video.can_publish_sources,
        names(&["microphone", "camera"])
    );
    assert_eq!(claims.attributes["room_role"], "member");
    // roomAdmin is absent from the JWT rather than false: the SDKs read absent as false.
    let raw = raw_video(&token);
    assert!(raw.get("roomAdmin").is_none_or(|v| v == false), "{raw}");
    assert_eq!(raw["canUpdateOwnMetadata"], false);
}

#[test]
fn a_listen_only_room_gives_no_publish_right() {
    let grant = grant(None, Vec::new());
    let token = LivekitTokens::new(&config()).issue(&grant).unwrap().token;
    let claims = claims(&token);
    assert_common(&claims, &grant);
    assert_eq!(claims.video.can_publish, Some(false));
    assert!(claims.video.can_publish_sources.is_empty());
    assert!(!claims.video.can_publish());
    // canPublish false is written explicitly (its default would be true).
    assert_eq!(raw_video(&token)["canPublish"], false);
}

#[test]
fn an_anonymous_caller_has_empty_role_and_is_not_authenticated() {
    let mut grant = grant(None, MediaSource::ALL.to_vec());
    grant.identity = "0b7a3f0e-5d9c-4a43-8f5e-2b9c3d4e5f60".to_owned();
    grant.name = "Anonymous".to_owned();
    grant.is_authenticated = false;
    let token = LivekitTokens::new(&config()).issue(&grant).unwrap().token;
    let claims = claims(&token);
    assert_common(&claims, &grant);
    assert!(!claims.video.room_admin);
    assert_eq!(claims.attributes["room_role"], "");
    assert_eq!(claims.attributes["is_authenticated"], "false");
}

#[test]
fn a_zero_ttl_takes_the_configured_default() {
    let mut grant = grant(None, MediaSource::ALL.to_vec());
    grant.ttl = Duration::ZERO;
    let config = config().with_token_ttl(Duration::from_secs(1234));
    let claims = claims(&LivekitTokens::new(&config).issue(&grant).unwrap().token);
    assert_eq!(claims.exp - claims.nbf, 1234);
}

#[test]
fn empty_credentials_are_an_internal_error() {
    let config = LivekitConfig::new("ws://x", "", "");
    let error = LivekitTokens::new(&config)
        .issue(&grant(None, Vec::new()))
        .unwrap_err();
    assert!(matches!(error, Error::Internal(_)), "{error:?}");
}

#[test]
fn verifies_its_own_tokens() {
    let tokens = LivekitTokens::new(&config());
    let grant = grant(Some(Role::Administrator), MediaSource::ALL.to_vec());
    let token = tokens.issue(&grant).unwrap().token;
    let claims = MediaTokenVerifier::verify(&tokens, &token).unwrap();
    assert_eq!(claims.identity, grant.identity);
    assert_eq!(claims.room, grant.room);
}

fn assert_refused(tokens: &LivekitTokens, token: &str, reason: &str) {
    match MediaTokenVerifier::verify(tokens, token) {
        Err(Error::PermissionDenied(message)) => {
            assert!(message.starts_with("Invalid LiveKit token: "), "{message}");
            assert!(message.contains(reason), "{message} lacks {reason}");
        }
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
}

#[test]
fn refuses_foreign_expired_and_incomplete_tokens() {
    let tokens = LivekitTokens::new(&config());
    let join = VideoGrants {
        room_join: true,
        room: "r".to_owned(),
        ..VideoGrants::default()
    };
    let foreign = AccessToken::with_api_key(KEY, "another-secret-another-secret-012")
        .with_identity("a")
        .with_grants(join.clone())
        .to_jwt()
        .unwrap();
    assert_refused(&tokens, &foreign, "InvalidSignature");
    let other_key = AccessToken::with_api_key("otherkey", SECRET)
        .with_identity("a")
        .with_grants(join.clone())
        .to_jwt()
        .unwrap();
    assert_refused(&tokens, &other_key, "InvalidIssuer");
    // Expired beyond the verifier's 60 s leeway: exp is "now + ttl", so build it by hand.
    let expired = expired_token();
    assert_refused(&tokens, &expired, "ExpiredSignature");
    let no_room = AccessToken::with_api_key(KEY, SECRET)
        .with_identity("a")
        .to_jwt()
        .unwrap();
    assert_refused(&tokens, &no_room, "no room");
    let no_identity = AccessToken::with_api_key(KEY, SECRET)
        .with_grants(VideoGrants {
            room: "r".to_owned(),
            ..VideoGrants::default()
        })
        .to_jwt()
        .unwrap();
    assert_refused(&tokens, &no_identity, "no identity");
    assert_refused(&tokens, "not-a-jwt", "InvalidToken");
}

/// A token whose `exp` lies two minutes in the past, signed with our secret.
fn expired_token() -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = b64.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iss": KEY, "sub": "a", "nbf": now - 600, "exp": now - 120,
        "video": {"roomJoin": true, "room": "r"},
    });
    let payload = b64.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let signature = b64.encode(hmac_sha256(SECRET.as_bytes(), signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// HMAC-SHA256 (RFC 2104) over sha2, to forge test tokens without another dependency.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut block = [0_u8; 64];
    block[..key.len()].copy_from_slice(key);
    let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// The `video` claim as JSON, to see what is written (not what a decoder defaults).
fn raw_video(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    claims["video"].clone()
}
