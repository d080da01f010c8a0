//! A user's IANA time zone.

use std::fmt;
use std::str::FromStr;

use crate::Invalid;

/// A time zone name from the IANA database (`Europe/Paris`, `UTC`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timezone(String);

impl Timezone {
    /// Validates a zone name against the IANA database.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        chrono_tz::Tz::from_str(raw)
            .map(|tz| Self(tz.name().to_owned()))
            .map_err(|_| Invalid::new(format!("\"{raw}\" is not a valid choice.")))
    }

    /// The zone's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Timezone {
    fn default() -> Self {
        Self("UTC".to_owned())
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_iana_names_only() {
        assert_eq!(
            Timezone::parse("Europe/Paris").unwrap().as_str(),
            "Europe/Paris"
        );
        assert!(Timezone::parse("UTC").is_ok());
        assert!(Timezone::parse("Mars/Olympus").is_err());
        assert!(Timezone::parse("").is_err());
    }
}
