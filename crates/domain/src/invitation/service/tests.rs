//! The invitation use case against mocked ports: the permission matrix, what the mail carries,
//! and the failures.

use std::sync::{Arc, Mutex};

use super::*;
use crate::access::{MockAccessRepository, Role};
use crate::fixtures::{block_on, matrix_callers, outcome, room, user};
use crate::invitation::MockInvitationMailer;
use crate::room::{AccessLevel, MockRoomRepository, Room};
use crate::user::Email;

/// Repositories that know one room (by id and slug) and give `role` to every user.
fn world(stored: &Room, role: Option<Role>) -> (MockRoomRepository, MockAccessRepository) {
    let mut rooms = MockRoomRepository::new();
    let by_id = stored.clone();
    rooms.expect_get().returning(move |id| {
        if id == by_id.id {
            Ok(by_id.clone())
        } else {
            Err(Error::NotFound("no room".to_owned()))
        }
    });
    let by_slug = stored.clone();
    rooms.expect_get_by_slug().returning(move |slug| {
        if slug == by_slug.slug.as_str() {
            Ok(by_slug.clone())
        } else {
            Err(Error::NotFound("no room".to_owned()))
        }
    });
    let mut accesses = MockAccessRepository::new();
    accesses.expect_role_of().returning(move |_, _| Ok(role));
    (rooms, accesses)
}

/// A mailer that keeps what it is asked to send and answers `answer`.
fn mailer(
    answer: fn() -> Result<(), Error>,
) -> (Arc<MockInvitationMailer>, Arc<Mutex<Vec<Invitation>>>) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&sent);
    let mut mailer = MockInvitationMailer::new();
    mailer.expect_send().returning(move |invitation| {
        kept.lock().unwrap().push(invitation.clone());
        answer()
    });
    (Arc::new(mailer), sent)
}

fn service(
    (rooms, accesses): (MockRoomRepository, MockAccessRepository),
    mailer: Option<Arc<MockInvitationMailer>>,
) -> InvitationService {
    InvitationService::new(
        Arc::new(rooms),
        Arc::new(accesses),
        mailer.map(|m| m as Arc<dyn InvitationMailer>),
    )
}

fn request(emails: &[&str], language: Option<Language>) -> InviteToRoom {
    InviteToRoom {
        recipients: Recipients::parse(emails).unwrap(),
        language,
    }
}

fn owner() -> Caller {
    let mut owner = user("ana");
    owner.email = Some(Email::parse("ana@example.org").unwrap());
    owner.full_name = Some("Ana Lopez".to_owned());
    owner.language = Language::FrFr;
    Caller::User(owner)
}

#[test]
fn only_administrators_and_owners_invite() {
    let planning = room("Planning", AccessLevel::Restricted);
    let mut cells = Vec::new();
    let mut sent = 0;
    for (caller, role) in matrix_callers() {
        let (mailer, outbox) = mailer(|| Ok(()));
        let result = block_on(service(world(&planning, role), Some(mailer)).invite(
            &caller,
            &RoomRef::Id(planning.id),
            request(&["guest@example.org"], None),
        ));
        cells.push(outcome(&result));
        sent += outbox.lock().unwrap().len();
    }
    assert_eq!(cells, ["401", "403", "403", "yes", "yes"]);
    assert_eq!(sent, 2, "only the allowed calls send a mail");
}

#[test]
fn one_invitation_carries_the_room_the_sender_and_the_distinct_recipients() {
    let planning = room("Planning", AccessLevel::Public);
    let (mailer, outbox) = mailer(|| Ok(()));
    let service = service(world(&planning, Some(Role::Owner)), Some(mailer));
    block_on(service.invite(
        &owner(),
        &RoomRef::parse("Planning"),
        request(
            &["b@example.org", "a@example.org", "b@example.org"],
            Some(Language::DeDe),
        ),
    ))
    .unwrap();
    let sent = outbox.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    let invitation = &sent[0];
    assert_eq!(invitation.room_slug, planning.slug);
    assert_eq!(invitation.room_name, planning.name);
    assert_eq!(invitation.sender.label(), Some("ana@example.org"));
    assert_eq!(invitation.sender.name.as_deref(), Some("Ana Lopez"));
    let recipients: Vec<&str> = invitation
        .recipients
        .as_slice()
        .iter()
        .map(Email::as_str)
        .collect();
    assert_eq!(recipients, ["b@example.org", "a@example.org"]);
    assert_eq!(invitation.language, Language::DeDe);
}

#[test]
fn without_a_request_language_the_senders_own_is_used() {
    let planning = room("Planning", AccessLevel::Public);
    let (mailer, outbox) = mailer(|| Ok(()));
    let service = service(world(&planning, Some(Role::Administrator)), Some(mailer));
    let mut nameless = user("bo");
    nameless.email = None;
    nameless.full_name = None;
    nameless.language = Language::NlNl;
    block_on(service.invite(
        &Caller::User(nameless),
        &RoomRef::Id(planning.id),
        request(&["guest@example.org"], None),
    ))
    .unwrap();
    let invitation = outbox.lock().unwrap()[0].clone();
    assert_eq!(invitation.language, Language::NlNl);
    // No address: the mail names the sender by its (short) name.
    assert_eq!(invitation.sender.label(), Some("bo"));
}

#[test]
fn a_relay_failure_is_unavailable() {
    let planning = room("Planning", AccessLevel::Public);
    let (mailer, outbox) = mailer(|| {
        Err(Error::unavailable(
            "mail relay",
            std::io::Error::other("connection refused"),
        ))
    });
    let result = block_on(
        service(world(&planning, Some(Role::Owner)), Some(mailer)).invite(
            &owner(),
            &RoomRef::Id(planning.id),
            request(&["guest@example.org"], None),
        ),
    );
    assert!(
        matches!(
            result,
            Err(Error::Unavailable {
                dependency: "mail relay",
                ..
            })
        ),
        "{result:?}"
    );
    assert_eq!(outbox.lock().unwrap().len(), 1, "sent once, not retried");
}

#[test]
fn unknown_rooms_are_not_found() {
    let planning = room("Planning", AccessLevel::Public);
    let (mailer, outbox) = mailer(|| Ok(()));
    let result = block_on(
        service(world(&planning, Some(Role::Owner)), Some(mailer)).invite(
            &owner(),
            &RoomRef::parse("elsewhere"),
            request(&["guest@example.org"], None),
        ),
    );
    assert!(
        matches!(&result, Err(Error::NotFound(m)) if m == "No Room matches the given query."),
        "{result:?}"
    );
    assert!(outbox.lock().unwrap().is_empty());
}

#[test]
fn without_a_relay_invitations_are_not_found_after_authentication() {
    // The repositories are never asked (mocks without expectations would panic).
    let unused = || (MockRoomRepository::new(), MockAccessRepository::new());
    let reference = RoomRef::parse("planning");
    let anonymous = block_on(service(unused(), None).invite(
        &Caller::anonymous(),
        &reference,
        request(&["guest@example.org"], None),
    ));
    assert!(matches!(anonymous, Err(Error::Unauthenticated(_))));
    let owner = block_on(service(unused(), None).invite(
        &owner(),
        &reference,
        request(&["guest@example.org"], None),
    ));
    assert!(
        matches!(&owner, Err(Error::NotFound(m)) if m == "E-mail invitations are not enabled on this server."),
        "{owner:?}"
    );
}
