//! How a caller's join grant is derived from the room, its role and the deployment's choices.

use std::time::Duration;

use super::JoinGrant;
use crate::Caller;
use crate::access::Role;
use crate::room::{MediaSource, Room};

/// Deployment choices about join tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinSettings {
    /// How long a join token is valid.
    pub token_ttl: Duration,
    /// Whether authenticated users may choose their display name.
    pub authenticated_can_edit_name: bool,
}

impl Default for JoinSettings {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_hours(6),
            authenticated_can_edit_name: false,
        }
    }
}

/// The display name used when no other is known.
const ANONYMOUS: &str = "Anonymous";

/// The grant for `caller` joining `room` with `role`, as `identity`, asking to be called
/// `requested_name`.
pub fn grant_for(
    caller: &Caller,
    room: &Room,
    role: Option<Role>,
    identity: String,
    requested_name: Option<&str>,
    settings: &JoinSettings,
) -> JoinGrant {
    let requested = requested_name.map(str::trim).filter(|n| !n.is_empty());
    let name = match caller.user() {
        None => requested.unwrap_or(ANONYMOUS).to_owned(),
        Some(user) => {
            let default = user
                .full_name
                .clone()
                .or_else(|| user.email.as_ref().map(|e| e.as_str().to_owned()))
                .unwrap_or_else(|| ANONYMOUS.to_owned());
            match requested {
                Some(name) if settings.authenticated_can_edit_name => name.to_owned(),
                _ => default,
            }
        }
    };
    let privileged = role.is_some_and(Role::is_privileged);
    let can_publish_sources = if privileged {
        MediaSource::ALL.to_vec()
    } else {
        room.configuration
            .can_publish_sources
            .clone()
            .unwrap_or_else(|| MediaSource::ALL.to_vec())
    };
    JoinGrant {
        color: color_of(&identity),
        identity,
        name: name.chars().take(255).collect(),
        room: room.livekit_name(),
        room_admin: privileged,
        can_publish_sources,
        room_role: role,
        is_authenticated: caller.is_authenticated(),
        ttl: settings.token_ttl,
    }
}

/// The identity a caller joins with: its `sub`, else its lobby participant id, else a random
/// UUID.
pub fn identity_of(caller: &Caller) -> String {
    match caller {
        Caller::User(user) => user
            .sub
            .as_ref()
            .map_or_else(|| user.id.to_string(), |s| s.as_str().to_owned()),
        Caller::Anonymous {
            participant: Some(participant),
        } => participant.to_string(),
        Caller::Anonymous { participant: None } => uuid::Uuid::new_v4().to_string(),
    }
}

/// A participant's colour: a hue derived from its identity (FNV-1a, stable across builds).
pub fn color_of(identity: &str) -> String {
    let hash = identity.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("hsl({}, 45%, 45%)", hash % 360)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{room, user};
    use crate::id::ParticipantId;
    use crate::room::{AccessLevel, RoomConfiguration};

    #[test]
    fn hosts_get_every_source_and_room_admin() {
        let mut restricted = room("Daily", AccessLevel::Restricted);
        restricted.configuration = RoomConfiguration {
            can_publish_sources: Some(vec![MediaSource::Microphone]),
            ..RoomConfiguration::default()
        };
        let owner = Caller::User(user("owner"));
        let grant = grant_for(
            &owner,
            &restricted,
            Some(Role::Owner),
            "owner".into(),
            None,
            &JoinSettings::default(),
        );
        assert!(grant.room_admin);
        assert_eq!(grant.can_publish_sources, MediaSource::ALL.to_vec());
        assert_eq!(grant.room, restricted.id.to_string());
        assert_eq!(grant.room_role, Some(Role::Owner));
        assert!(grant.is_authenticated);

        let member = Caller::User(user("member"));
        let grant = grant_for(
            &member,
            &restricted,
            Some(Role::Member),
            "member".into(),
            None,
            &JoinSettings::default(),
        );
        assert!(!grant.room_admin);
        assert_eq!(grant.can_publish_sources, vec![MediaSource::Microphone]);
    }

    #[test]
    fn an_empty_source_list_makes_listeners() {
        let mut listen_only = room("Talk", AccessLevel::Public);
        listen_only.configuration.can_publish_sources = Some(vec![]);
        let grant = grant_for(
            &Caller::anonymous(),
            &listen_only,
            None,
            "x".into(),
            None,
            &JoinSettings::default(),
        );
        assert!(grant.can_publish_sources.is_empty());
        assert!(!grant.is_authenticated);
    }

    #[test]
    fn names_follow_who_may_edit_them() {
        let public = room("Open", AccessLevel::Public);
        let settings = JoinSettings::default();
        let anonymous = grant_for(
            &Caller::anonymous(),
            &public,
            None,
            "a".into(),
            Some(" Bob "),
            &settings,
        );
        assert_eq!(anonymous.name, "Bob");
        let nameless = grant_for(
            &Caller::anonymous(),
            &public,
            None,
            "a".into(),
            None,
            &settings,
        );
        assert_eq!(nameless.name, "Anonymous");
        let ana = Caller::User(user("ana"));
        let fixed = grant_for(&ana, &public, None, "ana".into(), Some("Other"), &settings);
        assert_eq!(fixed.name, "ana Full");
        let editable = JoinSettings {
            authenticated_can_edit_name: true,
            ..settings
        };
        let chosen = grant_for(&ana, &public, None, "ana".into(), Some("Other"), &editable);
        assert_eq!(chosen.name, "Other");
    }

    #[test]
    fn identities_are_the_sub_the_participant_id_or_random() {
        assert_eq!(identity_of(&Caller::User(user("ana"))), "ana");
        let participant = ParticipantId::random();
        let waiting = Caller::Anonymous {
            participant: Some(participant),
        };
        assert_eq!(identity_of(&waiting), participant.to_string());
        assert_ne!(
            identity_of(&Caller::anonymous()),
            identity_of(&Caller::anonymous())
        );
    }

    #[test]
    fn colours_are_stable_per_identity() {
        assert_eq!(color_of("ana"), color_of("ana"));
        assert_eq!(color_of("ana"), "hsl(".to_owned() + &color_of("ana")[4..]);
    }
}
