//! The announcement as an e-mail: an RFC 5322 message (lettre's builder: display names
//! and subjects outside ASCII as RFC 2047 encoded words, the text as 7bit when it is
//! short-lined ASCII, else quoted-printable, so no line passes 78 characters) and one
//! SMTP session that sends it (implicit TLS, STARTTLS, or plain to a relay on this
//! machine), each step with its own error, so a refused login, a refused recipient and
//! a refused message say which.
//!
//! The Message-ID is derived from the release (`<release.oslo.i18n.6.6.0@example.org>`)
//! and every release of a series refers to one thread id
//! (`<release.oslo.i18n.flamingo@example.org>`) in `In-Reply-To` and `References`, so
//! mail readers show a series' announcements as one thread.

use super::{AnnounceError, Announcement, AnnouncementContext};
use crate::forge::Secret;
use lettre::message::header::{ContentTransferEncoding, ContentType, MIME_VERSION_1_0};
use lettre::message::{Body, Mailbox, Message};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use std::time::{Duration, SystemTime};

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (submission, port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine.
    Plain,
}

impl Security {
    pub fn default_port(self) -> u16 {
        match self {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::Plain => 25,
        }
    }
}

/// Where and as whom the e-mail is sent.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The login (SMTP_USERNAME, SMTP_PASSWORD).
    pub login: Option<(String, Secret)>,
    /// Extra trusted CA certificates (PEM), for a relay with a private CA.
    pub ca_pem: Option<Vec<u8>>,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub reply_to: Option<Mailbox>,
    /// The message the announcement replies to, instead of the series' thread.
    pub in_reply_to: Option<String>,
    pub timeout: Duration,
}

impl MailSettings {
    /// `host:port` as messages name the server.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Refuses a login sent in clear text to anything but this machine.
    pub fn check(&self) -> Result<(), AnnounceError> {
        if self.security == Security::Plain && self.login.is_some() && !is_loopback(&self.host) {
            return Err(AnnounceError::PlainLogin {
                host: self.host.clone(),
            });
        }
        Ok(())
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `HOST` or `HOST:PORT` (`[::1]:25` for an IPv6 address).
pub fn parse_server(text: &str, security: Security) -> Result<(String, u16), AnnounceError> {
    let bad = || AnnounceError::BadServer(text.to_string());
    let text = text.trim();
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err(bad()),
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if host.is_empty() || host.contains(['/', ' ', '@']) {
        return Err(bad());
    }
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|&p| p > 0).ok_or_else(bad)?,
        None => security.default_port(),
    };
    Ok((host.to_string(), port))
}

/// Parses a mailbox (`Name <address>` or `address`) the user gave.
pub fn mailbox(what: &str, text: &str) -> Result<Mailbox, AnnounceError> {
    text.trim()
        .parse::<Mailbox>()
        .map_err(|_| AnnounceError::BadAddress {
            what: what.to_string(),
            value: text.to_string(),
            reason: "expected `address` or `Name <address>`".into(),
        })
}

/// The mailboxes of a comma-separated list (the `announce-to` metadata key).
pub fn mailboxes(what: &str, list: &str) -> Result<Vec<Mailbox>, AnnounceError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| mailbox(what, s))
        .collect()
}

/// A message id part: the characters of an RFC 5322 dot-atom that are safe in every
/// mail system, others as `-`.
fn id_part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() || "+-_=".contains(c) {
            c
        } else if c == '.' && !out.ends_with('.') && !out.is_empty() {
            '.'
        } else {
            '-'
        };
        out.push(c);
    }
    out.trim_end_matches('.').to_string()
}

/// The Message-ID of a release's announcement.
pub fn release_message_id(context: &AnnouncementContext, domain: &str) -> String {
    format!(
        "<release.{}.{}@{}>",
        id_part(&context.project),
        id_part(&context.version),
        id_part(domain)
    )
}

/// The id every announcement of the release's series refers to.
pub fn thread_id(context: &AnnouncementContext, domain: &str) -> String {
    match &context.series {
        Some(series) => format!(
            "<release.{}.{}@{}>",
            id_part(&context.project),
            id_part(series),
            id_part(domain)
        ),
        None => format!(
            "<release.{}@{}>",
            id_part(&context.project),
            id_part(domain)
        ),
    }
}

/// The domain of a mailbox's address (the Message-ID's right-hand side).
pub fn domain_of(mailbox: &Mailbox) -> String {
    mailbox.email.domain().to_string()
}

/// The e-mail as it goes over the wire.
#[derive(Debug, Clone)]
pub struct MailMessage {
    pub from: lettre::Address,
    pub recipients: Vec<lettre::Address>,
    /// The message, CRLF line endings.
    pub bytes: Vec<u8>,
}

impl MailMessage {
    /// The message with LF line endings, for a terminal.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).replace("\r\n", "\n")
    }
}

/// Builds the message of the announcement.
pub fn build(
    announcement: &Announcement,
    settings: &MailSettings,
) -> Result<MailMessage, AnnounceError> {
    build_at(announcement, settings, SystemTime::now())
}

fn build_at(
    announcement: &Announcement,
    settings: &MailSettings,
    date: SystemTime,
) -> Result<MailMessage, AnnounceError> {
    if settings.to.is_empty() {
        return Err(AnnounceError::NoRecipients);
    }
    let domain = domain_of(&settings.from);
    let mut builder = Message::builder().from(settings.from.clone());
    if let Some(reply_to) = &settings.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    for to in &settings.to {
        builder = builder.to(to.clone());
    }
    let parent = settings
        .in_reply_to
        .clone()
        .unwrap_or_else(|| thread_id(&announcement.context, &domain));
    builder = builder
        .subject(announcement.subject.clone())
        .date(date)
        .message_id(Some(announcement.message_id.clone()))
        .in_reply_to(parent.clone())
        .references(parent)
        .header(MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN);
    let text = announcement.body.clone();
    let short_ascii = text.is_ascii() && text.lines().all(|l| l.len() <= 78);
    let encoding = if short_ascii {
        ContentTransferEncoding::SevenBit
    } else {
        ContentTransferEncoding::QuotedPrintable
    };
    let body = Body::new_with_encoding(text, encoding).map_err(|_| AnnounceError::BadAddress {
        what: "the text".into(),
        value: String::new(),
        reason: "cannot be encoded".into(),
    })?;
    let message = builder.body(body).map_err(|e| AnnounceError::BadAddress {
        what: "the message".into(),
        value: settings.from.to_string(),
        reason: e.to_string(),
    })?;
    Ok(MailMessage {
        from: settings.from.email.clone(),
        recipients: settings.to.iter().map(|m| m.email.clone()).collect(),
        bytes: message.formatted(),
    })
}

/// Sends the message in one SMTP session.
pub fn send(message: &MailMessage, settings: &MailSettings) -> Result<(), AnnounceError> {
    settings.check()?;
    let fail = |phase: &str, reason: String| AnnounceError::Smtp {
        server: settings.server(),
        phase: phase.to_string(),
        reason,
    };
    let tls = match settings.security {
        Security::Plain => None,
        Security::Tls | Security::Starttls => {
            let mut params = TlsParameters::builder(settings.host.clone());
            if let Some(pem) = &settings.ca_pem {
                let certificate = Certificate::from_pem(pem)
                    .map_err(|e| fail("reading --smtp-ca-file", e.to_string()))?;
                params = params.add_root_certificate(certificate);
            }
            Some(
                params
                    .build_rustls()
                    .map_err(|e| fail("setting up TLS", describe(&e)))?,
            )
        }
    };
    let hello = ClientId::default();
    let implicit = (settings.security == Security::Tls)
        .then_some(())
        .and(tls.as_ref());
    let mut conn = SmtpConnection::connect(
        (settings.host.as_str(), settings.port),
        Some(settings.timeout),
        &hello,
        implicit,
        None,
    )
    .map_err(|e| fail("connecting", describe(&e)))?;
    let result = (|| {
        if settings.security == Security::Starttls {
            if !conn.can_starttls() {
                return Err(fail(
                    "STARTTLS",
                    "the server does not offer STARTTLS; use --smtp-security tls for a server that speaks TLS from the start"
                        .into(),
                ));
            }
            let params = tls.as_ref().expect("TLS parameters for STARTTLS");
            conn.starttls(params, &hello)
                .map_err(|e| fail("STARTTLS", describe(&e)))?;
        }
        if let Some((user, password)) = &settings.login {
            let credentials = Credentials::new(user.clone(), password.expose().to_string());
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .map_err(|e| fail(&format!("logging in as {user}"), describe(&e)))?;
        }
        conn.command(Mail::new(Some(message.from.clone()), Vec::new()))
            .map_err(|e| fail(&format!("sender {}", message.from), describe(&e)))?;
        for to in &message.recipients {
            conn.command(Rcpt::new(to.clone(), Vec::new()))
                .map_err(|e| fail(&format!("recipient {to}"), describe(&e)))?;
        }
        conn.command(Data).map_err(|e| fail("DATA", describe(&e)))?;
        conn.message(&message.bytes)
            .map_err(|e| fail("sending the message", describe(&e)))?;
        Ok(())
    })();
    match &result {
        Ok(()) => {
            let _ = conn.quit();
        }
        Err(_) => conn.abort(),
    }
    result
}

/// An SMTP error in the user's words: the server's reply with its code, and what a
/// temporary failure or an unknown certificate asks of the user.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    let text = std::error::Error::source(error)
        .map(|s| s.to_string())
        .unwrap_or_default();
    if let Some(code) = error.status() {
        let hint = if error.is_transient() {
            " (a temporary failure: retry the job later)"
        } else {
            ""
        };
        return format!("the server answered {code} {text}{hint}")
            .trim_end()
            .to_string();
    }
    if error.is_timeout() {
        return "no answer in time".into();
    }
    let text = if text.is_empty() {
        error.to_string()
    } else {
        text
    };
    // The handshake's refusal of the server's certificate (rustls: "invalid peer
    // certificate: UnknownIssuer") comes as a connection error.
    if error.is_tls() || text.contains("certificate") {
        return format!(
            "TLS failed: {text} (a relay with a private certificate authority needs --smtp-ca-file)"
        );
    }
    if text == "incomplete response" {
        return "the server closed the connection".into();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_host_and_port() {
        assert_eq!(
            parse_server("smtp.example.org", Security::Starttls).unwrap(),
            ("smtp.example.org".into(), 587)
        );
        assert_eq!(
            parse_server("127.0.0.1:2525", Security::Plain).unwrap(),
            ("127.0.0.1".into(), 2525)
        );
        assert_eq!(
            parse_server("[::1]:25", Security::Tls).unwrap(),
            ("::1".into(), 25)
        );
        assert_eq!(
            parse_server("smtp.example.org:0", Security::Tls)
                .unwrap_err()
                .to_string(),
            "--smtp-server `smtp.example.org:0`: expected HOST or HOST:PORT"
        );
        assert!(parse_server("user:pw@host", Security::Tls).is_err());
        assert!(is_loopback("127.0.0.1") && is_loopback("[::1]") && is_loopback("localhost"));
        assert!(!is_loopback("smtp.example.org"));
    }

    #[test]
    fn message_ids_keep_only_safe_characters() {
        assert_eq!(id_part("oslo.i18n"), "oslo.i18n");
        assert_eq!(id_part("a b<c>..d."), "a-b-c-.-d");
        assert_eq!(id_part(".x"), "-x");
    }
}
