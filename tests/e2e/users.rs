//! The current user on PostgreSQL: provisioning from token claims, preferences, and the
//! tokens that are refused.

use anteroom_proto::v1::{AccessLevel, CreateRoomRequest, RoomConfiguration, User};
use anteroom_testkit::{Alg, TokenClaims};
use tonic::Code;

use crate::harness::{Options, SharedGuard, SharedServer, expect_code, expect_invalid, unique};

static SERVER: SharedServer = SharedServer::const_new();

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, Options::postgres).await
}

#[tokio::test]
async fn anonymous_callers_have_no_current_user() {
    let Some(server) = server().await else { return };
    let anonymous = server.anonymous();
    expect_code(anonymous.me().await, Code::Unauthenticated);
    expect_code(
        anonymous
            .update_me(
                User {
                    language: "fr-fr".to_owned(),
                    ..User::default()
                },
                &["language"],
            )
            .await,
        Code::Unauthenticated,
    );
}

#[tokio::test]
async fn the_profile_comes_from_the_token_claims() {
    let Some(server) = server().await else { return };
    let sub = format!("ada-{}", unique());
    let claims = TokenClaims::user(&sub)
        .email(Some("ada@example.test"))
        .names(Some("Ada"), Some("Lovelace"), Some("Countess"));
    let ada = server.bearer(&server.token(&claims));

    let me = ada.me().await.expect("provisioned");
    assert!(uuid::Uuid::parse_str(&me.id).is_ok());
    assert_eq!(me.sub.as_deref(), Some(sub.as_str()));
    assert_eq!(me.email.as_deref(), Some("ada@example.test"));
    assert_eq!(me.full_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(me.short_name.as_deref(), Some("Ada"));
    assert_eq!(me.language, "en-us");
    assert!(!me.timezone.is_empty());
    assert_eq!(me.default_room_access_level(), AccessLevel::Unspecified);
    assert!(me.create_time.is_some());

    // The same subject is the same user.
    let again = ada.me().await.expect("read");
    assert_eq!(again.id, me.id);

    // With only a `name` claim, it is the full name.
    let named = server.bearer(&server.token(
        &TokenClaims::user(&format!("named-{}", unique())).names(None, None, Some("Just Name")),
    ));
    let me = named.me().await.expect("provisioned");
    assert_eq!(me.full_name.as_deref(), Some("Just Name"));
    assert_eq!(me.short_name, None);
}

#[tokio::test]
async fn preferences_are_persisted_and_shape_new_rooms() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;

    let defaults = RoomConfiguration {
        max_participants: Some(3),
        everyone_can_mute: Some(false),
        ..RoomConfiguration::default()
    };
    let updated = alice
        .update_me(
            User {
                // Output-only and unmasked fields are ignored.
                id: uuid::Uuid::new_v4().to_string(),
                email: Some("hijack@example.test".to_owned()),
                language: "fr-fr".to_owned(),
                timezone: "Europe/Paris".to_owned(),
                default_room_access_level: AccessLevel::Restricted.into(),
                default_room_configuration: Some(defaults.clone()),
                ..User::default()
            },
            &[
                "language",
                "timezone",
                "default_room_access_level",
                "default_room_configuration",
            ],
        )
        .await
        .expect("updated");
    assert_eq!(updated.id, alice.id);
    assert_eq!(updated.language, "fr-fr");
    assert_eq!(updated.timezone, "Europe/Paris");

    let me = alice.me().await.expect("read back");
    assert_eq!(me.id, alice.id);
    assert_eq!(me.language, "fr-fr");
    assert_eq!(me.timezone, "Europe/Paris");
    assert_eq!(me.default_room_access_level(), AccessLevel::Restricted);
    assert_eq!(me.default_room_configuration, Some(defaults.clone()));
    assert_eq!(me.email, Some(format!("{}@example.test", alice.sub)));

    // A masked update leaves the other preferences alone.
    alice
        .update_me(
            User {
                language: "de-de".to_owned(),
                ..User::default()
            },
            &["language"],
        )
        .await
        .expect("updated");
    let me = alice.me().await.expect("read back");
    assert_eq!(me.language, "de-de");
    assert_eq!(me.timezone, "Europe/Paris");
    assert_eq!(me.default_room_access_level(), AccessLevel::Restricted);

    // Rooms created without level or configuration take the user's defaults.
    let room = alice
        .create_named(&format!("Defaults {}", unique()))
        .await
        .expect("created");
    assert_eq!(room.access_level(), AccessLevel::Restricted);
    assert_eq!(room.configuration, Some(defaults));
    let read = alice.get_room(&room.id).await.expect("read back");
    assert_eq!(read.access_level(), AccessLevel::Restricted);
    // An explicit level wins.
    let public = alice
        .create_room(CreateRoomRequest {
            name: Some(format!("Explicit {}", unique())),
            access_level: AccessLevel::Public.into(),
            configuration: None,
            callback_id: None,
        })
        .await
        .expect("created");
    assert_eq!(public.access_level(), AccessLevel::Public);
}

#[tokio::test]
async fn invalid_preferences_are_refused_and_change_nothing() {
    let Some(server) = server().await else { return };
    let bob = server.user("bob").await;

    expect_invalid(
        bob.update_me(
            User {
                language: "klingon".to_owned(),
                ..User::default()
            },
            &["language"],
        )
        .await,
        "user.language",
    );
    expect_invalid(
        bob.update_me(
            User {
                timezone: "Mars/Olympus_Mons".to_owned(),
                ..User::default()
            },
            &["timezone"],
        )
        .await,
        "user.timezone",
    );
    expect_invalid(
        bob.update_me(
            User {
                default_room_access_level: 42,
                ..User::default()
            },
            &["default_room_access_level"],
        )
        .await,
        "user.default_room_access_level",
    );
    expect_invalid(
        bob.update_me(
            User {
                email: Some("x@example.test".to_owned()),
                ..User::default()
            },
            &["email"],
        )
        .await,
        "update_mask",
    );
    // A valid language with an invalid time zone: nothing is written.
    expect_invalid(
        bob.update_me(
            User {
                language: "nl-nl".to_owned(),
                timezone: "Nowhere/Else".to_owned(),
                ..User::default()
            },
            &["language", "timezone"],
        )
        .await,
        "user.timezone",
    );
    let me = bob.me().await.expect("read back");
    assert_eq!(me.language, "en-us");
}

#[tokio::test]
async fn es256_tokens_are_accepted() {
    let Some(server) = server().await else { return };
    let sub = format!("ec-{}", unique());
    let session = server.bearer(&server.token(&TokenClaims::user(&sub).alg(Alg::Es256)));
    let me = session.me().await.expect("an ES256 token authenticates");
    assert_eq!(me.sub.as_deref(), Some(sub.as_str()));
    let room = session
        .create_named(&format!("Elliptic {}", unique()))
        .await
        .expect("created");
    assert_eq!(room.accesses[0].user_id, me.id);
}

#[tokio::test]
async fn bad_credentials_are_unauthenticated_everywhere() {
    let Some(server) = server().await else { return };
    let owner = server.user("owner").await;
    let room = owner
        .create_named(&format!("Guarded {}", unique()))
        .await
        .expect("created");
    let issuer = server.issuer();
    let user = || TokenClaims::user(&format!("mallory-{}", unique()));
    let bad = [
        (
            "expired",
            format!("Bearer {}", issuer.token(&user().expires_in(-600))),
        ),
        (
            "another audience",
            format!("Bearer {}", issuer.token(&user().audience("someone-else"))),
        ),
        (
            "another issuer",
            format!(
                "Bearer {}",
                issuer.token(&user().issuer("https://evil.test"))
            ),
        ),
        (
            "unknown key",
            format!("Bearer {}", issuer.token_signed_by_unknown_key(&user())),
        ),
        (
            "unknown kid",
            format!("Bearer {}", issuer.token_with_unknown_kid(&user())),
        ),
        ("not a JWT", "Bearer not-a-jwt".to_owned()),
        ("basic", "Basic x".to_owned()),
        ("no scheme", issuer.token(&user())),
    ];
    for (what, authorization) in bad {
        let session = server.authorization(&authorization);
        let status = expect_code(session.me().await, Code::Unauthenticated);
        assert!(!status.message().is_empty(), "{what}: a reason is given");
        // A bad token never degrades to an anonymous caller, even where anonymous is allowed.
        expect_code(session.get_room(&room.id).await, Code::Unauthenticated);
        expect_code(session.all_rooms().await, Code::Unauthenticated);
    }
}
