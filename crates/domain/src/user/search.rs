//! What a user search looks for: a piece of an e-mail address.

use crate::Invalid;

/// The longest fragment, in characters (the longest e-mail address).
const MAX_FRAGMENT_CHARS: usize = 254;

/// A non-empty, trimmed piece of an e-mail address of at most [`MAX_FRAGMENT_CHARS`]
/// characters, without NUL (which no address holds and PostgreSQL refuses). A user matches
/// when its address contains it, ignoring case; `%` and `_` are plain characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailFragment(String);

impl EmailFragment {
    /// Reads a search query, trimmed; an empty one means "no filter" (`None`).
    pub fn parse(raw: &str) -> Result<Option<Self>, Invalid> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if trimmed.chars().count() > MAX_FRAGMENT_CHARS {
            return Err(Invalid::new(format!(
                "Ensure this field has no more than {MAX_FRAGMENT_CHARS} characters."
            )));
        }
        if trimmed.contains('\0') {
            return Err(Invalid::new("Null characters are not allowed."));
        }
        Ok(Some(Self(trimmed.to_owned())))
    }

    /// The fragment as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_trimmed_and_blank_ones_mean_no_filter() {
        assert_eq!(
            EmailFragment::parse("  Ana@ ")
                .unwrap()
                .map(|f| f.as_str().to_owned()),
            Some("Ana@".to_owned())
        );
        assert_eq!(EmailFragment::parse("").unwrap(), None);
        assert_eq!(EmailFragment::parse(" \t ").unwrap(), None);
    }

    #[test]
    fn queries_are_bounded_in_characters() {
        let longest = "é".repeat(MAX_FRAGMENT_CHARS);
        assert!(EmailFragment::parse(&longest).unwrap().is_some());
        assert!(EmailFragment::parse(&format!("{longest}x")).is_err());
        // Surrounding blanks do not count.
        assert!(EmailFragment::parse(&format!("  {longest}  ")).is_ok());
    }

    #[test]
    fn queries_refuse_null_characters() {
        assert!(EmailFragment::parse("ana\0@").is_err());
    }
}
