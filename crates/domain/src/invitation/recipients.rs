//! The addresses an invitation goes to.

use crate::Error;
use crate::user::Email;

/// The most addresses one invitation may name.
pub const MAX_RECIPIENTS: usize = 100;

/// The request field the addresses come from, in both APIs.
const FIELD: &str = "emails";

/// The characters of an unquoted local part besides letters and digits (RFC 5322 `atext`).
const ATEXT_SYMBOLS: &str = "!#$%&'*+-/=?^_`{|}~";

/// The recipients of one invitation: 1 to [`MAX_RECIPIENTS`] deliverable addresses, each once,
/// in the order first given.
///
/// An address is an [`Email`] whose local part is a dot-atom (letters, digits, RFC 5322
/// symbols, single inner dots) and whose domain labels are letters, digits and inner hyphens
/// — what an SMTP relay accepts without quoting, like Django's `EmailValidator` (without its
/// quoted local parts and address literals). Exact duplicates are sent once: local parts are
/// compared as written (case-sensitive, as the reference), domains after [`Email`] lowered
/// them (a domain is case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipients(Vec<Email>);

impl Recipients {
    /// Validates the addresses of a request.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `emails`: an empty list, more than [`MAX_RECIPIENTS`] addresses,
    /// or an address that is not deliverable.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, Error> {
        if raw.is_empty() {
            return Err(Error::invalid(FIELD, "This list may not be empty."));
        }
        if raw.len() > MAX_RECIPIENTS {
            return Err(Error::invalid(
                FIELD,
                format!("Ensure this field has no more than {MAX_RECIPIENTS} elements."),
            ));
        }
        let mut recipients: Vec<Email> = Vec::with_capacity(raw.len());
        for address in raw {
            let email = deliverable(address.as_ref())
                .ok_or_else(|| Error::invalid(FIELD, "Enter a valid email address."))?;
            if !recipients.contains(&email) {
                recipients.push(email);
            }
        }
        Ok(Self(recipients))
    }

    /// The addresses, each once, in the order first given.
    pub fn as_slice(&self) -> &[Email] {
        &self.0
    }
}

fn deliverable(raw: &str) -> Option<Email> {
    let email = Email::parse(raw).ok()?;
    let (local, domain) = email.as_str().rsplit_once('@')?;
    let atom = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ATEXT_SYMBOLS.contains(c))
    };
    let label = |label: &str| {
        label.chars().count() <= 63 && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    (local.split('.').all(atom) && domain.split('.').all(label)).then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(recipients: &Recipients) -> Vec<&str> {
        recipients.as_slice().iter().map(Email::as_str).collect()
    }

    fn refusal(raw: &[&str]) -> String {
        match Recipients::parse(raw) {
            Err(Error::Invalid(violations)) => {
                assert_eq!(violations.len(), 1);
                assert_eq!(violations[0].field, "emails");
                violations[0].description.clone()
            }
            other => panic!("expected a violation on emails, got {other:?}"),
        }
    }

    #[test]
    fn exact_duplicates_go_once_in_the_order_first_given() {
        let recipients = Recipients::parse(&[
            "b@example.org",
            "a@example.org",
            "b@example.org",
            " a@example.org ",
            "B@example.org",
            "b@EXAMPLE.org",
        ])
        .unwrap();
        // Local parts are case-sensitive; domains are not (lowered by `Email`).
        assert_eq!(
            addresses(&recipients),
            ["b@example.org", "a@example.org", "B@example.org"]
        );
    }

    #[test]
    fn common_addresses_are_deliverable() {
        for good in [
            "ana@example.org",
            "ana.lopez+meet@mail.example.co.uk",
            "o'brien@example.ie",
            "x_y-z@sub-domain.example",
            "ana@exämple.de",
        ] {
            assert!(Recipients::parse(&[good]).is_ok(), "{good}");
        }
    }

    #[test]
    fn the_list_is_not_empty_nor_too_long() {
        assert_eq!(refusal(&[]), "This list may not be empty.", "an empty list");
        let many: Vec<String> = (0..=MAX_RECIPIENTS)
            .map(|i| format!("guest{i}@example.org"))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            refusal(&many),
            "Ensure this field has no more than 100 elements."
        );
        assert!(Recipients::parse(&many[..MAX_RECIPIENTS]).is_ok());
    }

    #[test]
    fn every_address_must_be_deliverable() {
        for bad in [
            "",
            "ana",
            "ana@localhost",
            "a b@example.org",
            ".ana@example.org",
            "ana.@example.org",
            "a..b@example.org",
            "\"ana\"@example.org",
            "ana(x)@example.org",
            "ana@exa_mple.org",
            "ana@example..org",
        ] {
            assert_eq!(
                refusal(&["ok@example.org", bad]),
                "Enter a valid email address.",
                "{bad:?}"
            );
        }
    }
}
