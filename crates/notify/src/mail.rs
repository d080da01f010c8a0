//! The SMTP client both mails share, and the e-mails to recording owners, in the owner's
//! language.

use std::fmt::{self, Write as _};
use std::time::Duration;

use anteroom_domain::Error;
use anteroom_domain::recording::OwnerEmail;
use anteroom_domain::user::Language;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::retry::Attempt;

/// Where and as whom mails are sent.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The relay: `smtp://host:25` (plain), `smtp://host:587?tls=required` (STARTTLS),
    /// `smtps://user:password@host:465` (TLS); never printed by `Debug` (it may hold a
    /// password).
    pub url: String,
    /// The sender (`Anteroom <noreply@example.org>`).
    pub from: String,
    /// The timeout of one SMTP exchange: connecting and sending one message.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &"<redacted>")
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The texts of one language.
struct Texts {
    subject: &'static str,
    greeting: &'static str,
    ready: &'static str,
    on: &'static str,
    at: &'static str,
    date_format: &'static str,
    download: &'static str,
    expires: &'static str,
    days: &'static str,
    signature: &'static str,
}

const fn texts(language: Language) -> Texts {
    match language {
        Language::EnUs => Texts {
            subject: "Your recording is ready",
            greeting: "Hello",
            ready: "The recording of your meeting",
            on: "of",
            at: "at",
            date_format: "%Y-%m-%d",
            download: "Download it here:",
            expires: "It will be available for",
            days: "days.",
            signature: "The Anteroom team",
        },
        Language::FrFr => Texts {
            subject: "Votre enregistrement est prêt",
            greeting: "Bonjour",
            ready: "L'enregistrement de votre réunion",
            on: "du",
            at: "à",
            date_format: "%d/%m/%Y",
            download: "Téléchargez-le ici :",
            expires: "Il restera disponible pendant",
            days: "jours.",
            signature: "L'équipe Anteroom",
        },
        Language::NlNl => Texts {
            subject: "Je opname is klaar",
            greeting: "Hallo",
            ready: "De opname van je vergadering",
            on: "van",
            at: "om",
            date_format: "%d-%m-%Y",
            download: "Download hem hier:",
            expires: "Hij blijft beschikbaar gedurende",
            days: "dagen.",
            signature: "Het Anteroom-team",
        },
        Language::DeDe => Texts {
            subject: "Ihre Aufzeichnung ist fertig",
            greeting: "Hallo",
            ready: "Die Aufzeichnung Ihrer Besprechung",
            on: "vom",
            at: "um",
            date_format: "%d.%m.%Y",
            download: "Hier herunterladen:",
            expires: "Sie bleibt verfügbar für",
            days: "Tage.",
            signature: "Ihr Anteroom-Team",
        },
    }
}

/// The subject and plain-text body of the mail, in the owner's language; the date and time
/// are the recording's start in the owner's time zone.
pub fn render(mail: &OwnerEmail) -> (String, String) {
    let t = texts(mail.language);
    let greeting = match &mail.owner_name {
        Some(name) if !name.trim().is_empty() => format!("{} {},", t.greeting, name.trim()),
        _ => format!("{},", t.greeting),
    };
    let date = mail.recorded_at.format(t.date_format);
    let time = mail.recorded_at.format("%H:%M");
    let ready_suffix = match mail.language {
        Language::EnUs => "is ready.",
        Language::FrFr => "est prêt.",
        Language::NlNl => "is klaar.",
        Language::DeDe => "ist fertig.",
    };
    let mut body = format!(
        "{greeting}\n\n{} \"{}\" {} {date} {} {time} {ready_suffix}\n",
        t.ready, mail.room_name, t.on, t.at
    );
    if let Some(link) = &mail.download_link {
        let _ = write!(body, "\n{} {link}\n", t.download);
    }
    if let Some(days) = mail.expiration_days {
        let _ = write!(body, "\n{} {days} {}\n", t.expires, t.days);
    }
    let _ = write!(body, "\n{}\n", t.signature);
    (t.subject.to_owned(), body)
}

/// Why a message was not delivered.
#[derive(Debug)]
pub(crate) enum DeliveryError {
    /// The connection failed, or the relay answered with an error.
    Smtp(smtp::Error),
    /// The exchange took longer than the configured timeout.
    TimedOut(Duration),
}

impl DeliveryError {
    /// Whether the relay refused for good (a 5xx answer): trying again will not help.
    pub(crate) fn is_permanent(&self) -> bool {
        matches!(self, Self::Smtp(error) if error.is_permanent())
    }
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Smtp(error) => error.fmt(f),
            Self::TimedOut(timeout) => {
                write!(f, "no answer within {} ms", timeout.as_millis())
            }
        }
    }
}

impl std::error::Error for DeliveryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Smtp(error) => Some(error),
            Self::TimedOut(_) => None,
        }
    }
}

/// The SMTP client.
#[derive(Clone)]
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A client of the relay of `config`, whose settings live under `section`
    /// (`recordings`, `invitations`).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] on `<section>.smtp.from` for an unreadable sender, on
    /// `<section>.smtp.url` for an unreadable relay URL.
    pub(crate) fn new(config: &SmtpConfig, section: &str) -> Result<Self, Error> {
        let from = config.from.parse::<Mailbox>().map_err(|e| {
            Error::invalid(
                format!("{section}.smtp.from"),
                format!("the sender address is invalid: {e}"),
            )
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
            .map_err(|e| {
                Error::invalid(
                    format!("{section}.smtp.url"),
                    format!("the SMTP relay URL is invalid: {e}"),
                )
            })?
            .timeout(Some(config.timeout))
            .build();
        Ok(Self {
            transport,
            from,
            timeout: config.timeout,
        })
    }

    /// The configured sender.
    pub(crate) fn sender(&self) -> &Mailbox {
        &self.from
    }

    /// Sends one message over one connection, within the configured timeout (`lettre`'s own
    /// timeout only bounds the connection, not a relay that stops answering).
    pub(crate) async fn deliver(&self, message: Message) -> Result<(), DeliveryError> {
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(DeliveryError::Smtp(error)),
            Err(_) => Err(DeliveryError::TimedOut(self.timeout)),
        }
    }

    /// One attempt at sending the mail.
    pub(crate) async fn send(&self, mail: &OwnerEmail) -> Attempt<()> {
        let to = match mail.to.parse::<Mailbox>() {
            Ok(to) => to,
            Err(error) => return Attempt::Fail(format!("the owner's address is invalid: {error}")),
        };
        let (subject, body) = render(mail);
        let message = match Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
        {
            Ok(message) => message,
            Err(error) => return Attempt::Fail(format!("the mail cannot be built: {error}")),
        };
        match self.deliver(message).await {
            Ok(()) => Attempt::Done(()),
            Err(error) if error.is_permanent() => {
                Attempt::Fail(format!("the relay refused the mail: {error}"))
            }
            Err(error) => Attempt::Retry(format!("the relay did not take the mail: {error}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use anteroom_domain::id::{RecordingId, UserId};
    use chrono::{FixedOffset, TimeZone};

    use super::*;

    fn mail(language: Language) -> OwnerEmail {
        OwnerEmail {
            recording_id: RecordingId::new(),
            owner_id: UserId::new(),
            to: "ana@example.org".to_owned(),
            owner_name: Some("Ana".to_owned()),
            language,
            room_name: "Planning".to_owned(),
            recorded_at: FixedOffset::east_opt(3600)
                .unwrap()
                .with_ymd_and_hms(2026, 11, 22, 11, 5, 0)
                .unwrap(),
            download_link: Some("https://meet.example/recordings/1".to_owned()),
            expiration_days: Some(7),
        }
    }

    #[test]
    fn every_language_has_its_subject_and_body() {
        let cases = [
            (
                Language::EnUs,
                "Your recording is ready",
                "2026-11-22 at 11:05",
            ),
            (
                Language::FrFr,
                "Votre enregistrement est prêt",
                "22/11/2026 à 11:05",
            ),
            (Language::NlNl, "Je opname is klaar", "22-11-2026 om 11:05"),
            (
                Language::DeDe,
                "Ihre Aufzeichnung ist fertig",
                "22.11.2026 um 11:05",
            ),
        ];
        for (language, subject, when) in cases {
            let (got_subject, body) = render(&mail(language));
            assert_eq!(got_subject, subject);
            assert!(body.contains(when), "{language}: {body}");
            assert!(body.contains("\"Planning\""), "{body}");
            assert!(body.contains("https://meet.example/recordings/1"), "{body}");
            assert!(body.contains(" 7 "), "{body}");
        }
        let mut bare = mail(Language::EnUs);
        bare.download_link = None;
        bare.expiration_days = None;
        bare.owner_name = None;
        let (_, body) = render(&bare);
        assert!(body.starts_with("Hello,\n"));
        assert!(!body.contains("Download") && !body.contains("available"));
    }

    #[test]
    fn debug_hides_the_relay_url() {
        let config = SmtpConfig {
            url: "smtps://user:hunter2@relay:465".to_owned(),
            from: "a@b.c".to_owned(),
            timeout: Duration::from_secs(1),
        };
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
