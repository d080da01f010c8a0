//! A room's display name.

use std::fmt;

use crate::Invalid;

/// The longest name accepted, in characters.
const MAX_NAME_CHARS: usize = 500;

/// A room name: 1 to 500 characters, trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct RoomName(String);

impl RoomName {
    /// Validates a name.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Invalid::new("This field may not be blank."));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(Invalid::new(format!(
                "Ensure this field has no more than {MAX_NAME_CHARS} characters."
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(Invalid::new("must not contain control characters"));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_up_to_500_chars() {
        assert_eq!(RoomName::parse("  Daily  ").unwrap().as_str(), "Daily");
        assert!(RoomName::parse(&"é".repeat(500)).is_ok());
        assert!(RoomName::parse(&"a".repeat(501)).is_err());
    }

    #[test]
    fn refuses_blank_and_control_characters() {
        assert!(RoomName::parse("   ").is_err());
        assert!(RoomName::parse("a\u{0}b").is_err());
    }
}
