//! Accesses on PostgreSQL: granting, listing, changing and revoking roles, with the rules of
//! who may do what.

use anteroom_proto::v1::{Access, Role};
use tonic::Code;

use crate::harness::{
    Options, SharedGuard, SharedServer, access_of, expect_code, expect_invalid, unique,
    violated_fields,
};

static SERVER: SharedServer = SharedServer::const_new();

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, Options::postgres).await
}

#[tokio::test]
async fn an_owner_grants_lists_changes_and_revokes_accesses() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let room = alice
        .create_named(&format!("Team {}", unique()))
        .await
        .expect("created");
    let other = alice
        .create_named(&format!("Other {}", unique()))
        .await
        .expect("created");

    let granted = alice
        .grant(&room.id, &bob.id, Role::Member)
        .await
        .expect("granted");
    assert_eq!(granted.room_id, room.id);
    assert_eq!(granted.user_id, bob.id);
    assert_eq!(granted.role(), Role::Member);
    assert!(uuid::Uuid::parse_str(&granted.id).is_ok());
    let profile = granted.user.as_ref().expect("the user's profile");
    assert_eq!(profile.id, bob.id);
    assert_eq!(profile.full_name.as_deref(), Some("Bob Tester"));

    // With the room filter: exactly the room's two accesses.
    let in_room = alice.all_accesses(&room.id).await.expect("listed");
    assert_eq!(in_room.len(), 2, "{in_room:?}");
    assert_eq!(
        access_of(&in_room, &alice.id).map(Access::role),
        Some(Role::Owner)
    );
    assert_eq!(
        access_of(&in_room, &bob.id).map(Access::role),
        Some(Role::Member)
    );
    // The filter also takes the slug.
    assert_eq!(
        alice.all_accesses(&room.slug).await.expect("listed").len(),
        2
    );
    // Without filter: every access of both of alice's rooms.
    let everything = alice.all_accesses("").await.expect("listed");
    assert_eq!(everything.len(), 3, "{everything:?}");
    assert!(everything.iter().any(|a| a.room_id == other.id));

    // Pagination of accesses.
    let first = alice.list_accesses("", 2, "").await.expect("listed");
    assert_eq!(first.accesses.len(), 2);
    assert!(!first.next_page_token.is_empty());
    let second = alice
        .list_accesses("", 2, &first.next_page_token)
        .await
        .expect("listed");
    assert_eq!(second.accesses.len(), 1);
    assert!(second.next_page_token.is_empty());
    let mut paged: Vec<String> = first
        .accesses
        .iter()
        .chain(&second.accesses)
        .map(|a| a.id.clone())
        .collect();
    let mut all: Vec<String> = everything.iter().map(|a| a.id.clone()).collect();
    paged.sort();
    all.sort();
    assert_eq!(paged, all);

    // Bob is now a member.
    let seen = bob.get_room(&room.id).await.expect("read");
    assert_eq!(seen.caller_role(), Role::Member);

    let promoted = alice
        .set_role(&granted.id, Role::Administrator)
        .await
        .expect("promoted");
    assert_eq!(promoted.role(), Role::Administrator);
    assert_eq!(promoted.user_id, bob.id);
    let in_room = alice.all_accesses(&room.id).await.expect("listed");
    assert_eq!(
        access_of(&in_room, &bob.id).map(Access::role),
        Some(Role::Administrator)
    );
    assert_eq!(
        bob.get_room(&room.id).await.expect("read").caller_role(),
        Role::Administrator
    );

    // One access per (user, room).
    let status = expect_code(
        alice.grant(&room.id, &bob.id, Role::Member).await,
        Code::AlreadyExists,
    );
    assert!(!violated_fields(&status).is_empty(), "{status:?}");

    alice.revoke(&granted.id).await.expect("revoked");
    let in_room = alice.all_accesses(&room.id).await.expect("listed");
    assert_eq!(in_room.len(), 1);
    assert!(access_of(&in_room, &bob.id).is_none());
    assert_eq!(
        bob.get_room(&room.id).await.expect("read").caller_role(),
        Role::Unspecified
    );
    expect_code(alice.revoke(&granted.id).await, Code::NotFound);
    expect_code(
        alice.set_role(&granted.id, Role::Member).await,
        Code::NotFound,
    );
}

#[tokio::test]
async fn administrators_manage_members_and_administrators_only() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let dave = server.user("dave").await;
    let room = alice
        .create_named(&format!("Managed {}", unique()))
        .await
        .expect("created");
    let alice_access = room.accesses[0].clone();
    alice
        .grant(&room.id, &bob.id, Role::Administrator)
        .await
        .expect("bob is administrator");

    let carols = bob
        .grant(&room.id, &carol.id, Role::Member)
        .await
        .expect("an administrator grants member");
    let carols = bob
        .set_role(&carols.id, Role::Administrator)
        .await
        .expect("an administrator grants administrator");
    assert_eq!(carols.role(), Role::Administrator);
    bob.set_role(&carols.id, Role::Member)
        .await
        .expect("and takes it back");

    expect_code(
        bob.grant(&room.id, &dave.id, Role::Owner).await,
        Code::PermissionDenied,
    );
    expect_code(
        bob.set_role(&carols.id, Role::Owner).await,
        Code::PermissionDenied,
    );
    expect_code(
        bob.set_role(&alice_access.id, Role::Member).await,
        Code::PermissionDenied,
    );
    expect_code(bob.revoke(&alice_access.id).await, Code::PermissionDenied);

    // A member manages nothing.
    expect_code(
        carol.grant(&room.id, &dave.id, Role::Member).await,
        Code::PermissionDenied,
    );
    expect_code(carol.revoke(&carols.id).await, Code::PermissionDenied);

    // Nothing of that was written.
    let accesses = alice.all_accesses(&room.id).await.expect("listed");
    assert_eq!(accesses.len(), 3, "{accesses:?}");
    assert_eq!(
        access_of(&accesses, &alice.id).map(Access::role),
        Some(Role::Owner)
    );
    assert_eq!(
        access_of(&accesses, &carol.id).map(Access::role),
        Some(Role::Member)
    );
    assert!(access_of(&accesses, &dave.id).is_none());

    bob.revoke(&carols.id)
        .await
        .expect("an administrator revokes a member");
}

#[tokio::test]
async fn a_room_keeps_at_least_one_owner_and_owners_manage_only_themselves() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let dave = server.user("dave").await;
    let room = alice
        .create_named(&format!("Owned {}", unique()))
        .await
        .expect("created");
    let alice_access = room.accesses[0].clone();

    // Alice is the last owner: she can neither demote nor remove herself.
    expect_code(
        alice.set_role(&alice_access.id, Role::Administrator).await,
        Code::PermissionDenied,
    );
    expect_code(alice.revoke(&alice_access.id).await, Code::PermissionDenied);

    let daves = alice
        .grant(&room.id, &dave.id, Role::Owner)
        .await
        .expect("an owner grants owner");
    assert_eq!(daves.role(), Role::Owner);
    assert_eq!(
        dave.get_room(&room.id).await.expect("read").caller_role(),
        Role::Owner
    );

    // Another owner's access belongs to that owner.
    expect_code(
        dave.set_role(&alice_access.id, Role::Member).await,
        Code::PermissionDenied,
    );
    expect_code(dave.revoke(&alice_access.id).await, Code::PermissionDenied);
    expect_code(
        alice.set_role(&daves.id, Role::Member).await,
        Code::PermissionDenied,
    );

    dave.revoke(&daves.id)
        .await
        .expect("an owner removes their own owner access");
    let accesses = alice.all_accesses(&room.id).await.expect("listed");
    assert_eq!(accesses.len(), 1);
    assert_eq!(accesses[0].id, alice_access.id);
    assert_eq!(accesses[0].role(), Role::Owner);
    assert_eq!(
        dave.get_room(&room.id).await.expect("read").caller_role(),
        Role::Unspecified
    );
    // Alice is the last owner again.
    expect_code(alice.revoke(&alice_access.id).await, Code::PermissionDenied);
}

#[tokio::test]
async fn members_and_strangers_see_no_accesses() {
    let Some(server) = server().await else { return };
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let stranger = server.user("erin").await;
    let room = alice
        .create_named(&format!("Private {}", unique()))
        .await
        .expect("created");
    alice
        .grant(&room.id, &bob.id, Role::Administrator)
        .await
        .expect("granted");
    alice
        .grant(&room.id, &carol.id, Role::Member)
        .await
        .expect("granted");

    // A member's listing holds nothing, with or without the room filter.
    assert!(carol.all_accesses("").await.expect("listed").is_empty());
    assert!(
        carol
            .all_accesses(&room.id)
            .await
            .expect("listed")
            .is_empty()
    );
    assert!(stranger.all_accesses("").await.expect("listed").is_empty());
    expect_code(
        server.anonymous().list_accesses("", 0, "").await,
        Code::Unauthenticated,
    );

    // GetRoom shows the accesses to administrators and owners only.
    for (who, role, sees) in [
        (&alice, Role::Owner, true),
        (&bob, Role::Administrator, true),
        (&carol, Role::Member, false),
        (&stranger, Role::Unspecified, false),
    ] {
        let seen = who.get_room(&room.id).await.expect("read");
        assert_eq!(seen.caller_role(), role, "{}", who.sub);
        if sees {
            assert_eq!(seen.accesses.len(), 3, "{} sees the accesses", who.sub);
        } else {
            assert!(seen.accesses.is_empty(), "{} sees no accesses", who.sub);
        }
    }
    let administrator_view = bob.all_accesses(&room.id).await.expect("listed");
    assert_eq!(administrator_view.len(), 3);

    // Unknown rooms and users.
    expect_code(
        alice
            .grant(&uuid::Uuid::new_v4().to_string(), &bob.id, Role::Member)
            .await,
        Code::NotFound,
    );
    expect_code(
        alice.all_accesses(&uuid::Uuid::new_v4().to_string()).await,
        Code::NotFound,
    );
    expect_invalid(
        alice
            .grant(&room.id, &uuid::Uuid::new_v4().to_string(), Role::Member)
            .await,
        "access.user_id",
    );
}
