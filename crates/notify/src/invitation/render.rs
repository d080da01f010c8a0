//! The invitation mail's subject, plain text and HTML, in the invitation's language (English,
//! French, Dutch, German), after La Suite Meet's `invitation` template.

use std::fmt::Write as _;

use anteroom_domain::invitation::Invitation;
use anteroom_domain::user::Language;

/// The texts of one language; `{sender}` and `{room}` are replaced.
struct Texts {
    subject: &'static str,
    someone: &'static str,
    invites: &'static str,
    join: &'static str,
    copy: &'static str,
    tips: &'static str,
    tip_browser: &'static str,
    tip_devices: &'static str,
    tip_network: &'static str,
    thanks: &'static str,
}

const fn texts(language: Language) -> Texts {
    match language {
        Language::EnUs => Texts {
            subject: "Video call in progress: {sender} is waiting for you to connect",
            someone: "Someone",
            invites: "{sender} invites you to join an ongoing video call: {room}",
            join: "JOIN THE CALL",
            copy: "If you can't click the button, copy and paste the URL into your browser to join the call.",
            tips: "Tips for a better experience:",
            tip_browser: "Use Chrome or Firefox for better call quality",
            tip_devices: "Test your microphone and camera before joining",
            tip_network: "Make sure you have a stable internet connection",
            thanks: "Thank you for using Anteroom.",
        },
        Language::FrFr => Texts {
            subject: "Appel vidéo en cours : {sender} attend que vous vous connectiez",
            someone: "Quelqu'un",
            invites: "{sender} vous invite à rejoindre un appel vidéo en cours : {room}",
            join: "REJOINDRE L'APPEL",
            copy: "Si vous ne pouvez pas cliquer sur le bouton, copiez et collez l'URL dans votre navigateur pour rejoindre l'appel.",
            tips: "Conseils pour une meilleure expérience :",
            tip_browser: "Utilisez Chrome ou Firefox pour une meilleure qualité d'appel",
            tip_devices: "Testez votre micro et votre caméra avant de rejoindre l'appel",
            tip_network: "Assurez-vous d'avoir une connexion internet stable",
            thanks: "Merci d'utiliser Anteroom.",
        },
        Language::NlNl => Texts {
            subject: "Videogesprek bezig: {sender} wacht tot je verbinding maakt",
            someone: "Iemand",
            invites: "{sender} nodigt je uit voor een lopend videogesprek: {room}",
            join: "DEELNEMEN AAN HET GESPREK",
            copy: "Kun je niet op de knop klikken? Kopieer de URL en plak hem in je browser om aan het gesprek deel te nemen.",
            tips: "Tips voor een betere ervaring:",
            tip_browser: "Gebruik Chrome of Firefox voor een betere gesprekskwaliteit",
            tip_devices: "Test je microfoon en camera voordat je deelneemt",
            tip_network: "Zorg voor een stabiele internetverbinding",
            thanks: "Bedankt voor het gebruik van Anteroom.",
        },
        Language::DeDe => Texts {
            subject: "Videoanruf läuft: {sender} wartet darauf, dass Sie sich verbinden",
            someone: "Jemand",
            invites: "{sender} lädt Sie zu einem laufenden Videoanruf ein: {room}",
            join: "AM ANRUF TEILNEHMEN",
            copy: "Falls Sie nicht auf die Schaltfläche klicken können, kopieren Sie die URL in Ihren Browser, um am Anruf teilzunehmen.",
            tips: "Tipps für ein besseres Erlebnis:",
            tip_browser: "Verwenden Sie Chrome oder Firefox für eine bessere Anrufqualität",
            tip_devices: "Testen Sie Mikrofon und Kamera vor der Teilnahme",
            tip_network: "Sorgen Sie für eine stabile Internetverbindung",
            thanks: "Vielen Dank, dass Sie Anteroom verwenden.",
        },
    }
}

/// A rendered invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    /// The subject (one line).
    pub(crate) subject: String,
    /// The plain-text part.
    pub(crate) text: String,
    /// The HTML part.
    pub(crate) html: String,
}

/// `text` with the characters that mean something in HTML escaped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `text` on one line: control characters (line breaks) become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The link to the room's meeting: `<app base url>/<slug>`.
pub(crate) fn room_link(app_base_url: &str, invitation: &Invitation) -> String {
    format!(
        "{}/{}",
        app_base_url.trim_end_matches('/'),
        invitation.room_slug.as_str()
    )
}

/// The mail inviting to `invitation`'s room, whose meeting is at `link`.
pub(crate) fn render(invitation: &Invitation, link: &str) -> Rendered {
    let t = texts(invitation.language);
    let sender = one_line(invitation.sender.label().unwrap_or(t.someone));
    let room = one_line(invitation.room_name.as_str());
    let subject = t.subject.replace("{sender}", &sender);

    let invites = t
        .invites
        .replace("{sender}", &sender)
        .replace("{room}", &room);
    let text = format!(
        "{invites}\n\n{}: {link}\n\n{}\n\n{}\n- {}\n- {}\n- {}\n\n{}\n",
        t.join, t.copy, t.tips, t.tip_browser, t.tip_devices, t.tip_network, t.thanks
    );

    let sender_html = match &invitation.sender.email {
        Some(email) => {
            let email = escape(email.as_str());
            format!("<a href=\"mailto:{email}\">{email}</a>")
        }
        None => escape(&sender),
    };
    let invites_html = escape(t.invites)
        .replace("{sender}", &sender_html)
        .replace("{room}", &format!("<strong>{}</strong>", escape(&room)));
    let link_html = escape(link);
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family: Arial, sans-serif; color: #202124\">\n\
         <p style=\"font-size: 18px\">{invites_html}</p>\n\
         <p><a href=\"{link_html}\" style=\"display: inline-block; padding: 12px 24px; background: #1A73E8; color: #ffffff; border-radius: 4px; font-weight: bold; text-decoration: none\">{join}</a></p>\n\
         <p style=\"color: #5F6368; font-size: 14px\">{link_html}</p>\n\
         <p style=\"font-size: 14px\">{copy}</p>\n\
         <p style=\"font-size: 14px\">{tips}</p>\n<ul style=\"font-size: 14px\">\n",
        lang = invitation.language.as_str(),
        title = escape(&subject),
        join = escape(t.join),
        copy = escape(t.copy),
        tips = escape(t.tips),
    );
    for tip in [t.tip_browser, t.tip_devices, t.tip_network] {
        let _ = writeln!(html, "<li>{}</li>", escape(tip));
    }
    let _ = write!(
        html,
        "</ul>\n<p style=\"font-size: 14px\">{}</p>\n</body>\n</html>\n",
        escape(t.thanks)
    );
    Rendered {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use anteroom_domain::invitation::{Recipients, Sender};
    use anteroom_domain::room::{RoomName, Slug};
    use anteroom_domain::user::Email;

    use super::*;

    fn invitation(language: Language) -> Invitation {
        Invitation {
            room_slug: Slug::from_name("Daily standup").unwrap(),
            room_name: RoomName::parse("Daily <standup> & co").unwrap(),
            sender: Sender {
                email: Some(Email::parse("ana@example.org").unwrap()),
                name: Some("Ana Lopez".to_owned()),
            },
            recipients: Recipients::parse(&["guest@example.org"]).unwrap(),
            language,
        }
    }

    #[test]
    fn the_link_joins_the_base_url_and_the_slug() {
        let invitation = invitation(Language::EnUs);
        assert_eq!(
            room_link("https://meet.example.org/", &invitation),
            "https://meet.example.org/daily-standup"
        );
        assert_eq!(
            room_link("https://meet.example.org/app", &invitation),
            "https://meet.example.org/app/daily-standup"
        );
    }

    #[test]
    fn english_has_the_reference_subject_and_the_link_in_both_parts() {
        let link = "https://meet.example.org/daily-standup";
        let mail = render(&invitation(Language::EnUs), link);
        assert_eq!(
            mail.subject,
            "Video call in progress: ana@example.org is waiting for you to connect"
        );
        assert!(
            mail.text.starts_with(
                "ana@example.org invites you to join an ongoing video call: Daily <standup> & co\n"
            ),
            "{}",
            mail.text
        );
        assert!(
            mail.text.contains(&format!("JOIN THE CALL: {link}\n")),
            "{}",
            mail.text
        );
        assert!(mail.html.contains(&format!("<a href=\"{link}\"")));
        assert!(
            mail.html
                .contains("<a href=\"mailto:ana@example.org\">ana@example.org</a>")
        );
        // The room's name is text, never markup.
        assert!(
            mail.html
                .contains("<strong>Daily &lt;standup&gt; &amp; co</strong>")
        );
        assert!(
            mail.html
                .starts_with("<!DOCTYPE html>\n<html lang=\"en-us\">")
        );
    }

    #[test]
    fn every_language_has_its_texts() {
        for (language, subject, join) in [
            (
                Language::FrFr,
                "Appel vidéo en cours : ana@example.org attend que vous vous connectiez",
                "REJOINDRE L'APPEL: ",
            ),
            (
                Language::NlNl,
                "Videogesprek bezig: ana@example.org wacht tot je verbinding maakt",
                "DEELNEMEN AAN HET GESPREK: ",
            ),
            (
                Language::DeDe,
                "Videoanruf läuft: ana@example.org wartet darauf, dass Sie sich verbinden",
                "AM ANRUF TEILNEHMEN: ",
            ),
        ] {
            let mail = render(&invitation(language), "https://m.example/x");
            assert_eq!(mail.subject, subject);
            assert!(mail.text.contains(join), "{language}: {}", mail.text);
            assert!(
                mail.html
                    .contains(&format!("<html lang=\"{}\">", language.as_str()))
            );
        }
    }

    #[test]
    fn a_sender_without_address_is_named_and_never_breaks_the_subject() {
        let mut nameless = invitation(Language::EnUs);
        nameless.sender = Sender {
            email: None,
            name: Some("Ana\r\nBcc: evil@example.org".to_owned()),
        };
        let mail = render(&nameless, "https://m.example/x");
        assert_eq!(
            mail.subject,
            "Video call in progress: Ana  Bcc: evil@example.org is waiting for you to connect"
        );
        assert!(!mail.html.contains("mailto:"));
        nameless.sender.name = None;
        nameless.language = Language::FrFr;
        let mail = render(&nameless, "https://m.example/x");
        assert!(
            mail.subject.contains(": Quelqu'un attend"),
            "{}",
            mail.subject
        );
    }
}
