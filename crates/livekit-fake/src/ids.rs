//! Identifiers in the shape LiveKit's `utils/guid` produces: a prefix and 12 base57 characters.

/// The alphabet of LiveKit's short GUIDs (base57: no `0`, `1`, `I`, `O`, `l`).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Room sid prefix.
pub(crate) const ROOM: &str = "RM_";
/// Participant sid prefix.
pub(crate) const PARTICIPANT: &str = "PA_";
/// Track sid prefix.
pub(crate) const TRACK: &str = "TR_";
/// Egress id prefix.
pub(crate) const EGRESS: &str = "EG_";
/// SIP trunk id prefix.
pub(crate) const SIP_TRUNK: &str = "ST_";
/// SIP dispatch rule id prefix.
pub(crate) const SIP_DISPATCH_RULE: &str = "SDR_";
/// SIP call id prefix.
pub(crate) const SIP_CALL: &str = "SCL_";
/// Webhook event id prefix.
pub(crate) const WEBHOOK_EVENT: &str = "EV_";

/// A new random identifier with the given prefix, e.g. `RM_k3bQx9TzW2mD`.
pub(crate) fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 12);
    id.push_str(prefix);
    for _ in 0..12 {
        id.push(char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_prefix_and_twelve_base57_characters() {
        let id = new_id(ROOM);
        assert!(id.starts_with("RM_"));
        assert_eq!(id.len(), 15);
        assert!(id[3..].bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(new_id(ROOM), new_id(ROOM));
    }
}
