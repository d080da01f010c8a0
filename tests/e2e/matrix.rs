//! The permission matrix of `rooms-access.md`, cell by cell, through gRPC on PostgreSQL.

use anteroom_proto::v1::{AccessLevel, Role, Room, RoomConfiguration};
use tonic::{Code, Status};

use crate::harness::{Options, Server, Session, unique};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Stranger,
    Member,
    Administrator,
    Owner,
}

const EVERYONE: [Who; 5] = [
    Who::Anonymous,
    Who::Stranger,
    Who::Member,
    Who::Administrator,
    Who::Owner,
];

impl Who {
    /// The role `caller_role` reports.
    fn role(self) -> Role {
        match self {
            Self::Anonymous | Self::Stranger => Role::Unspecified,
            Self::Member => Role::Member,
            Self::Administrator => Role::Administrator,
            Self::Owner => Role::Owner,
        }
    }

    /// Whether GetRoom shows the accesses.
    fn sees_accesses(self) -> bool {
        matches!(self, Self::Administrator | Self::Owner)
    }

    /// The outcome of UpdateRoom.
    fn update(self) -> Code {
        match self {
            Self::Anonymous => Code::Unauthenticated,
            Self::Stranger | Self::Member => Code::PermissionDenied,
            Self::Administrator | Self::Owner => Code::Ok,
        }
    }

    /// The outcome of DeleteRoom.
    fn delete(self) -> Code {
        match self {
            Self::Anonymous => Code::Unauthenticated,
            Self::Stranger | Self::Member | Self::Administrator => Code::PermissionDenied,
            Self::Owner => Code::Ok,
        }
    }

    /// The outcome of CreateRoom.
    fn create(self) -> Code {
        if self == Self::Anonymous {
            Code::Unauthenticated
        } else {
            Code::Ok
        }
    }
}

/// The five callers.
struct Cast {
    anonymous: Session,
    stranger: Session,
    member: Session,
    administrator: Session,
    owner: Session,
}

impl Cast {
    async fn new(server: &Server) -> Self {
        Self {
            anonymous: server.anonymous(),
            stranger: server.user("stranger").await,
            member: server.user("member").await,
            administrator: server.user("administrator").await,
            owner: server.user("owner").await,
        }
    }

    fn get(&self, who: Who) -> &Session {
        match who {
            Who::Anonymous => &self.anonymous,
            Who::Stranger => &self.stranger,
            Who::Member => &self.member,
            Who::Administrator => &self.administrator,
            Who::Owner => &self.owner,
        }
    }

    /// A room of `level` owned by the owner, with the administrator and the member granted.
    async fn room(&self, level: AccessLevel) -> Room {
        let room = self
            .owner
            .create_with_level(
                &format!("Matrix {} {}", level.as_str_name(), unique()),
                level,
            )
            .await
            .expect("created");
        assert_eq!(room.access_level(), level);
        self.owner
            .grant(&room.id, &self.administrator.id, Role::Administrator)
            .await
            .expect("administrator granted");
        self.owner
            .grant(&room.id, &self.member.id, Role::Member)
            .await
            .expect("member granted");
        room
    }
}

fn code_of<T>(result: &Result<T, Status>) -> Code {
    result.as_ref().map_or_else(Status::code, |_| Code::Ok)
}

/// GetRoom and ListRooms for every caller on `room`.
async fn check_reading(cast: &Cast, room: &Room) {
    let level = room.access_level();
    for who in EVERYONE {
        let seen = cast
            .get(who)
            .get_room(&room.id)
            .await
            .unwrap_or_else(|e| panic!("{who:?} reads a {level:?} room: {e:?}"));
        assert_eq!(seen.id, room.id);
        assert_eq!(seen.name, room.name, "{who:?}/{level:?}");
        assert_eq!(seen.access_level(), level, "{who:?}/{level:?}");
        assert!(seen.configuration.is_some(), "{who:?}/{level:?}");
        assert_eq!(seen.caller_role(), who.role(), "{who:?}/{level:?}");
        assert_eq!(
            !seen.accesses.is_empty(),
            who.sees_accesses(),
            "{who:?}/{level:?} accesses: {:?}",
            seen.accesses
        );
        if who.sees_accesses() {
            assert_eq!(seen.accesses.len(), 3, "{who:?}/{level:?}");
        }
        // No telephony is configured, so no PIN for anyone.
        assert_eq!(seen.pin_code, None, "{who:?}/{level:?}");

        let listed = cast
            .get(who)
            .all_rooms()
            .await
            .unwrap_or_else(|e| panic!("{who:?} lists rooms: {e:?}"));
        let mine = listed.iter().find(|r| r.id == room.id);
        match who {
            Who::Anonymous => assert!(listed.is_empty(), "anonymous lists {listed:?}"),
            Who::Stranger => assert!(mine.is_none(), "the stranger lists {mine:?}"),
            _ => assert_eq!(
                mine.map(Room::caller_role),
                Some(who.role()),
                "{who:?}/{level:?} lists its room"
            ),
        }
    }
}

/// CreateRoom, UpdateRoom and DeleteRoom for every caller on `room`.
async fn check_writing(cast: &Cast, room: &Room) {
    let level = room.access_level();
    for who in EVERYONE {
        let created = cast
            .get(who)
            .create_named(&format!("By {who:?} {}", unique()))
            .await;
        assert_eq!(
            code_of(&created),
            who.create(),
            "create by {who:?}: {created:?}"
        );
        if let Ok(created) = created {
            assert_eq!(created.caller_role(), Role::Owner);
        }

        let limit = 10 + who as u32;
        let updated = cast
            .get(who)
            .update_room(
                Room {
                    id: room.id.clone(),
                    configuration: Some(RoomConfiguration {
                        max_participants: Some(limit),
                        ..RoomConfiguration::default()
                    }),
                    ..Room::default()
                },
                &["configuration"],
            )
            .await;
        assert_eq!(
            code_of(&updated),
            who.update(),
            "update of a {level:?} room by {who:?}: {updated:?}"
        );
        let read = cast.owner.get_room(&room.id).await.expect("read back");
        let stored = read.configuration.and_then(|c| c.max_participants);
        if who.update() == Code::Ok {
            assert_eq!(stored, Some(limit), "{who:?} updated it");
        } else {
            assert_ne!(stored, Some(limit), "{who:?} must not have updated it");
        }
    }
    // Deletion last: only the owner succeeds, so the room exists until then.
    for who in EVERYONE {
        let deleted = cast.get(who).delete_room(&room.id).await;
        assert_eq!(
            code_of(&deleted),
            who.delete(),
            "delete of a {level:?} room by {who:?}: {deleted:?}"
        );
        let still_there = cast.owner.get_room(&room.id).await;
        assert_eq!(
            code_of(&still_there),
            if who.delete() == Code::Ok {
                Code::NotFound
            } else {
                Code::Ok
            },
            "after delete by {who:?}"
        );
    }
}

#[tokio::test]
async fn the_permission_matrix_holds_over_grpc() {
    let Some(options) = Options::postgres() else {
        return;
    };
    let server = Server::start(options).await;
    let cast = Cast::new(&server).await;
    for level in [
        AccessLevel::Public,
        AccessLevel::Trusted,
        AccessLevel::Restricted,
    ] {
        let room = cast.room(level).await;
        check_reading(&cast, &room).await;
        check_writing(&cast, &room).await;
    }
}
