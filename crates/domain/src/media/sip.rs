//! SIP telephony objects: trunks, dispatch rules, SIP participants.

/// A "direct" dispatch rule routing callers who type `pin` into `room`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchRule {
    /// The rule's id (`SDR_…`), empty before creation.
    pub id: String,
    /// Its name (`SIP_<room id>`).
    pub name: String,
    /// The LiveKit room name.
    pub room: String,
    /// The PIN callers type.
    pub pin: String,
}

/// A SIP trunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipTrunk {
    /// Its id (`ST_…`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its phone numbers.
    pub numbers: Vec<String>,
    /// Whether it receives calls (else it places them).
    pub inbound: bool,
    /// Where an outbound trunk sends calls (`sip.example.com:5060`); required for outbound
    /// trunks, `None` for inbound ones.
    pub address: Option<String>,
}

/// A participant dialled into a room over SIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipParticipant {
    /// Its participant id (`PA_…`).
    pub participant_id: String,
    /// Its LiveKit identity.
    pub identity: String,
    /// The LiveKit room name.
    pub room: String,
    /// The SIP call id.
    pub call_id: String,
}
