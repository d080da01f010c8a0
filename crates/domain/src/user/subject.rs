//! The OIDC subject identifying a user.

use std::fmt;

use crate::Invalid;

/// An OIDC `sub`: 1–255 characters among letters, digits and `@.+-_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    /// Validates a subject.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.is_empty() || raw.chars().count() > 255 {
            return Err(Invalid::new("must be 1 to 255 characters"));
        }
        if !raw
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '@' | '.' | '+' | '-' | '_'))
        {
            return Err(Invalid::new(
                "Enter a valid sub. This value may contain only letters, numbers, and @/./+/-/_ characters.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The subject as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_reference_charset_only() {
        assert!(Subject::parse("a1@b.c+d-e_f").is_ok());
        assert!(Subject::parse("").is_err());
        assert!(Subject::parse("a b").is_err());
        assert!(Subject::parse("a/b").is_err());
        assert!(Subject::parse(&"x".repeat(256)).is_err());
    }
}
