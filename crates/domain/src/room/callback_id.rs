//! The id under which a room's creator leaves the new room's slug for the creation callback.

use std::fmt;

use crate::Invalid;

/// The longest callback id accepted, in characters.
const MAX_CALLBACK_ID_CHARS: usize = 255;

/// A creation callback id: chosen by the client that creates the room (an embedding page, a
/// calendar add-on) and shared with whoever should learn the slug; 1 to 255 characters,
/// trimmed, no control characters. Whoever holds it may read the slug once, so clients draw
/// it at random.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallbackId(String);

impl CallbackId {
    /// Validates an id.
    ///
    /// # Errors
    ///
    /// Refuses an id that is blank, longer than 255 characters, or holds control characters
    /// (the messages are Django REST framework's for a `CharField`).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let id = raw.trim();
        if id.is_empty() {
            return Err(Invalid::new("This field may not be blank."));
        }
        if id.chars().count() > MAX_CALLBACK_ID_CHARS {
            return Err(Invalid::new(format!(
                "Ensure this field has no more than {MAX_CALLBACK_ID_CHARS} characters."
            )));
        }
        if id.chars().any(char::is_control) {
            return Err(Invalid::new("must not contain control characters"));
        }
        Ok(Self(id.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CallbackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_up_to_255_chars() {
        assert_eq!(CallbackId::parse("  cb-1 ").unwrap().as_str(), "cb-1");
        assert!(CallbackId::parse(&"é".repeat(255)).is_ok());
        let long = CallbackId::parse(&"a".repeat(256)).unwrap_err();
        assert!(long.0.contains("255"), "{long}");
    }

    #[test]
    fn refuses_blank_and_control_characters() {
        assert_eq!(
            CallbackId::parse(" \t ").unwrap_err().0,
            "This field may not be blank."
        );
        assert!(CallbackId::parse("").is_err());
        assert!(CallbackId::parse("a\u{0}b").is_err());
        assert!(CallbackId::parse("a\nb").is_err());
    }
}
