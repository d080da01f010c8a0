//! The interface language of a user.

use std::fmt;
use std::str::FromStr;

use crate::Invalid;

/// One of the languages Anteroom speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English (default).
    #[default]
    EnUs,
    /// French.
    FrFr,
    /// Dutch.
    NlNl,
    /// German.
    DeDe,
}

impl Language {
    /// The language's wire code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EnUs => "en-us",
            Self::FrFr => "fr-fr",
            Self::NlNl => "nl-nl",
            Self::DeDe => "de-de",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Language {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en-us" => Ok(Self::EnUs),
            "fr-fr" => Ok(Self::FrFr),
            "nl-nl" => Ok(Self::NlNl),
            "de-de" => Ok(Self::DeDe),
            other => Err(Invalid::new(format!("\"{other}\" is not a valid choice."))),
        }
    }
}
