//! A minimal SMTP relay on a loopback port that keeps every mail it accepts, for tests of
//! mail senders (no mock of any client).
//!
//! It speaks the commands a client like `lettre` sends (greeting, `EHLO`/`HELO`, `MAIL`,
//! `RCPT`, `DATA`, `RSET`, `NOOP`, `QUIT`) on plain TCP, one thread per connection, so it
//! serves any async runtime and outlives the test that started it when kept in a `static`.
//!
//! ```text
//! let relay = TestSmtpRelay::start();
//! // ... point the sender at relay.url() and send ...
//! let mail = &relay.mails()[0];
//! assert_eq!(mail.to, ["<ana@example.org>"]);
//! assert_eq!(mail.header("Subject").as_deref(), Some("Hello"));
//! ```

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// One mail the relay accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The `MAIL FROM:` argument as sent (`<noreply@example.org>`).
    pub from: String,
    /// The `RCPT TO:` arguments as sent (`<ana@example.org>`), in order.
    pub to: Vec<String>,
    /// The message (headers and body), lines joined by `\n`, dot-stuffing removed.
    pub data: String,
}

impl ReceivedMail {
    /// The value of the first header called `name` (ignoring case), unfolded; `None` when
    /// the message has no such header.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\n\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.lines() {
            match &mut value {
                Some(found) if line.starts_with([' ', '\t']) => found.push_str(line),
                Some(_) => break,
                None => {
                    if let Some((key, rest)) = line.split_once(':')
                        && key.eq_ignore_ascii_case(name)
                    {
                        value = Some(rest.trim_start().to_owned());
                    }
                }
            }
        }
        value
    }

    /// The decoded body of the first MIME part (or the whole message) whose `Content-Type`
    /// starts with `content_type` (`text/html`), its transfer encoding (quoted-printable,
    /// base64, 7bit, 8bit) undone; `None` when there is no such part.
    pub fn part(&self, content_type: &str) -> Option<String> {
        let wanted = format!("content-type: {}", content_type.to_ascii_lowercase());
        let mut lines = self.data.lines();
        lines.find(|line| line.to_ascii_lowercase().starts_with(&wanted))?;
        let mut encoding = String::new();
        for line in lines.by_ref() {
            if line.is_empty() {
                break;
            }
            if let Some((key, value)) = line.split_once(':')
                && key.eq_ignore_ascii_case("content-transfer-encoding")
            {
                encoding = value.trim().to_ascii_lowercase();
            }
        }
        let body: Vec<&str> = lines.take_while(|line| !line.starts_with("--")).collect();
        match encoding.as_str() {
            "quoted-printable" => Some(quoted_printable(&body)),
            "base64" => {
                let bytes = STANDARD.decode(body.concat()).ok()?;
                Some(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => Some(body.iter().flat_map(|line| [line, "\n"]).collect()),
        }
    }

    /// The bare addresses of the envelope's recipients (`ana@example.org`).
    pub fn recipients(&self) -> Vec<String> {
        self.to
            .iter()
            .map(|to| {
                to.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
            .collect()
    }
}

/// Undoes quoted-printable: soft line breaks (`=` at the end of a line) and `=XX` bytes.
fn quoted_printable(lines: &[&str]) -> String {
    let mut bytes = Vec::new();
    for line in lines {
        let (line, soft) = match line.strip_suffix('=') {
            Some(rest) => (rest, true),
            None => (*line, false),
        };
        let raw = line.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (raw[i], hex) {
                (b'=', Some(byte)) => {
                    bytes.push(byte);
                    i += 3;
                }
                (byte, _) => {
                    bytes.push(byte);
                    i += 1;
                }
            }
        }
        if !soft {
            bytes.push(b'\n');
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What the relay shares with its connection threads.
#[derive(Debug)]
struct State {
    mails: Mutex<Vec<ReceivedMail>>,
    mail_from_replies: Mutex<Vec<String>>,
    connections: AtomicU32,
    stopped: AtomicBool,
}

/// A running relay; it stops accepting connections when dropped.
#[derive(Debug)]
pub struct TestSmtpRelay {
    port: u16,
    state: Arc<State>,
}

impl TestSmtpRelay {
    /// Starts a relay that accepts every mail.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound.
    pub fn start() -> Self {
        Self::answering_mail_from(&["250 OK"])
    }

    /// Starts a relay that answers the n-th `MAIL FROM` with `replies[n]` (the last one
    /// repeats), e.g. `["451 try again later", "250 OK"]`; a reply other than `250 ...`
    /// refuses that mail.
    ///
    /// # Panics
    ///
    /// When `replies` is empty or no loopback port can be bound.
    pub fn answering_mail_from(replies: &[&str]) -> Self {
        assert!(!replies.is_empty(), "at least one MAIL FROM reply");
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a loopback port for the relay");
        let port = listener.local_addr().expect("the relay's address").port();
        let state = Arc::new(State {
            mails: Mutex::default(),
            mail_from_replies: Mutex::new(replies.iter().map(|r| (*r).to_owned()).collect()),
            connections: AtomicU32::new(0),
            stopped: AtomicBool::new(false),
        });
        let shared = Arc::clone(&state);
        std::thread::Builder::new()
            .name("test-smtp-relay".to_owned())
            .spawn(move || accept(&listener, &shared))
            .expect("the relay thread starts");
        Self { port, state }
    }

    /// The relay's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:<port>` (plain SMTP, no authentication).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail accepted so far, in arrival order.
    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.state
            .mails
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many connections the relay accepted so far.
    pub fn connections(&self) -> u32 {
        self.state.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestSmtpRelay {
    fn drop(&mut self) {
        self.state.stopped.store(true, Ordering::SeqCst);
        // Wakes the accepting thread up so that it sees the flag.
        TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).ok();
    }
}

fn accept(listener: &TcpListener, state: &Arc<State>) {
    for stream in listener.incoming() {
        if state.stopped.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        state.connections.fetch_add(1, Ordering::SeqCst);
        let state = Arc::clone(state);
        std::thread::spawn(move || {
            converse(&stream, &state);
            stream.shutdown(Shutdown::Both).ok();
        });
    }
}

/// The next `MAIL FROM` reply (the last one repeats).
fn mail_from_reply(state: &State) -> String {
    let mut replies = state
        .mail_from_replies
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if replies.len() > 1 {
        replies.remove(0)
    } else {
        replies[0].clone()
    }
}

/// One SMTP session; returns when the client quits or the connection breaks.
fn converse(stream: &TcpStream, state: &State) {
    let Ok(read) = stream.try_clone() else { return };
    let mut lines = BufReader::new(read);
    let mut out = stream;
    let mut say = |line: &str| out.write_all(format!("{line}\r\n").as_bytes()).is_ok();
    let mut next_line = || {
        let mut line = String::new();
        match lines.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
        }
    };
    if !say("220 relay.test ESMTP ready") {
        return;
    }
    let mut from = String::new();
    let mut to = Vec::new();
    while let Some(line) = next_line() {
        let upper = line.to_ascii_uppercase();
        let ok = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            say("250-relay.test") && say("250 8BITMIME")
        } else if upper.starts_with("MAIL FROM:") {
            let reply = mail_from_reply(state);
            if reply.starts_with("250") {
                line[10..].clone_into(&mut from);
            }
            say(&reply)
        } else if upper.starts_with("RCPT TO:") {
            to.push(line[8..].to_owned());
            say("250 OK")
        } else if upper == "DATA" {
            if !say("354 go ahead") {
                return;
            }
            let mut data = String::new();
            while let Some(line) = next_line() {
                if line == "." {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                data.push('\n');
            }
            state
                .mails
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(ReceivedMail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
            say("250 queued")
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            say("250 OK")
        } else if upper == "QUIT" {
            say("221 bye");
            return;
        } else {
            say("250 OK")
        };
        if !ok {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(data: &str) -> ReceivedMail {
        ReceivedMail {
            from: "<a@example.org>".to_owned(),
            to: vec!["<b@example.org>".to_owned(), " <c@example.org>".to_owned()],
            data: data.to_owned(),
        }
    }

    #[test]
    fn headers_are_read_unfolded_and_ignoring_case() {
        let mail = mail("Subject: Hello\n  world\nFrom: a@example.org\n\nTo: body\n");
        assert_eq!(mail.header("subject").as_deref(), Some("Hello  world"));
        assert_eq!(mail.header("From").as_deref(), Some("a@example.org"));
        assert_eq!(mail.header("To"), None, "body lines are not headers");
        assert_eq!(mail.recipients(), ["b@example.org", "c@example.org"]);
    }

    #[test]
    fn parts_are_found_and_decoded() {
        let alternative = mail(concat!(
            "Content-Type: multipart/alternative; boundary=\"b\"\n\n",
            "--b\nContent-Type: text/plain; charset=utf-8\n",
            "Content-Transfer-Encoding: quoted-printable\n\n",
            "pr=C3=AAt, a long =\nline\n",
            "--b\nContent-Type: text/html; charset=utf-8\n",
            "Content-Transfer-Encoding: base64\n\n",
            "PGEgaHJlZj0i\neCI+\n",
            "--b--\n",
        ));
        assert_eq!(
            alternative.part("text/plain").as_deref(),
            Some("prêt, a long line\n")
        );
        assert_eq!(
            alternative.part("text/html").as_deref(),
            Some("<a href=\"x\">")
        );
        assert_eq!(alternative.part("image/png"), None);
        let plain = mail("Subject: x\nContent-Type: text/plain\n\nHello\n");
        assert_eq!(plain.part("text/plain").as_deref(), Some("Hello\n"));
    }

    #[test]
    fn a_conversation_is_recorded() {
        let relay = TestSmtpRelay::start();
        let stream = TcpStream::connect(("127.0.0.1", relay.port())).unwrap();
        let mut out = &stream;
        let mut replies = BufReader::new(stream.try_clone().unwrap()).lines();
        assert!(replies.next().unwrap().unwrap().starts_with("220"));
        for command in [
            "EHLO client",
            "MAIL FROM:<a@example.org>",
            "RCPT TO:<b@example.org>",
            "DATA",
            "Subject: Hi\r\n\r\n..dotted\r\n.",
            "QUIT",
        ] {
            out.write_all(format!("{command}\r\n").as_bytes()).unwrap();
        }
        let answers: Vec<String> = replies.map_while(Result::ok).collect();
        assert_eq!(answers.last().map(String::as_str), Some("221 bye"));
        let mails = relay.mails();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].from, "<a@example.org>");
        assert_eq!(mails[0].recipients(), ["b@example.org"]);
        assert_eq!(mails[0].data, "Subject: Hi\n\n.dotted\n");
        assert_eq!(relay.connections(), 1);
    }
}
