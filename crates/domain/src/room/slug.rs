//! A room's slug: its URL code, derived from the name or random.

use std::fmt;

use rand::RngExt;
use unicode_normalization::UnicodeNormalization;

use crate::Invalid;

/// The longest slug accepted, in characters.
const MAX_SLUG_CHARS: usize = 100;

/// A unique, lower-case room code (`daily-standup`, `abc-defg-hij`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// Derives the slug of a room name, as Django's `slugify` does: accents stripped, ASCII
    /// letters, digits, `_` and `-` kept, lower-cased, runs of spaces and dashes turned into one
    /// `-`, leading and trailing `-`/`_` removed.
    ///
    /// # Errors
    ///
    /// Refuses a name whose slug is empty, longer than 100 characters, or parses as a UUID
    /// (reserved for room ids).
    pub fn from_name(name: &str) -> Result<Self, Invalid> {
        let slug = slugify(name);
        if slug.is_empty() {
            return Err(Invalid::new(format!(
                "Room name \"{name}\" has no letters or digits to make a slug from."
            )));
        }
        if slug.chars().count() > MAX_SLUG_CHARS {
            return Err(Invalid::new(format!(
                "Ensure this field has no more than {MAX_SLUG_CHARS} characters."
            )));
        }
        if uuid::Uuid::parse_str(&slug).is_ok() {
            return Err(Invalid::new(format!("Room name \"{name}\" is reserved.")));
        }
        Ok(Self(slug))
    }

    /// A random unguessable slug of the form `abc-defg-hij`: 10 letters a–z from the
    /// operating system's CSPRNG (about 47 bits).
    pub fn random() -> Self {
        let mut rng = rand::rng();
        let mut letters = (0..10).map(|_| char::from(b'a' + rng.random_range(0..26u8)));
        let mut part = |n: usize| letters.by_ref().take(n).collect::<String>();
        Self(format!("{}-{}-{}", part(3), part(4), part(3)))
    }

    /// Wraps a slug read back from storage, which was validated when written.
    pub fn from_stored(slug: String) -> Self {
        Self(slug)
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Django's `slugify` (without `allow_unicode`).
pub(crate) fn slugify(value: &str) -> String {
    let ascii: String = value
        .nfkd()
        .filter(char::is_ascii)
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || c.is_ascii_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let mut out = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.trim().chars() {
        if c == '-' || c.is_ascii_whitespace() {
            pending_dash = true;
        } else {
            if pending_dash {
                out.push('-');
                pending_dash = false;
            }
            out.push(c);
        }
    }
    out.trim_matches(|c| c == '-' || c == '_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_matches_django() {
        assert_eq!(slugify("Réunion"), "reunion");
        assert_eq!(slugify("My Room!"), "my-room");
        assert_eq!(slugify("my room"), "my-room");
        assert_eq!(slugify("  Hello -- World  "), "hello-world");
        assert_eq!(slugify("_under_"), "under");
        assert_eq!(slugify("Ünïcödé ça"), "unicode-ca");
        assert_eq!(slugify("日本"), "");
    }

    #[test]
    fn uuid_looking_names_are_reserved() {
        let err = Slug::from_name("7f8bd06c-1b0b-4c38-a4f6-7bd1d0c6d0b6").unwrap_err();
        assert!(err.0.contains("reserved"));
    }

    #[test]
    fn too_long_and_empty_slugs_are_refused() {
        assert!(Slug::from_name(&"a".repeat(101)).is_err());
        assert!(Slug::from_name(&"a".repeat(100)).is_ok());
        assert!(Slug::from_name("!!!").is_err());
    }

    #[test]
    fn random_slugs_have_the_meet_shape() {
        for _ in 0..100 {
            let slug = Slug::random();
            let parts: Vec<&str> = slug.as_str().split('-').collect();
            assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [3, 4, 3]);
            assert!(
                parts
                    .iter()
                    .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
            );
        }
        assert_ne!(Slug::random(), Slug::random());
    }
}
