//! announce: the release announcement a tag pipeline sends once the tag is there, as
//! OpenStack's `announce` job mails every release to its list.
//!
//! The flow is [`compose`] (the release's facts from its tag metadata and history, the
//! context the templates see, the rendered e-mail and chat text) and [`deliver`]
//! (each channel asked for that the state file does not already record as sent: the
//! e-mail over SMTP, the chat text to a Slack-compatible incoming webhook). A dry run
//! is [`compose`] alone.
//!
//! Boundaries: [`facts`] reads the range of changes from git, [`context`] is the data
//! the templates see, [`template`] renders it, [`mail`] builds the RFC 5322 message and
//! speaks SMTP, [`webhook`] posts the chat text, [`state`] records what was sent so a
//! re-run of the job sends nothing twice.

pub mod context;
pub mod facts;
pub mod mail;
pub mod state;
pub mod template;
pub mod webhook;

pub use context::AnnouncementContext;
pub use mail::{MailMessage, MailSettings, Security};
pub use template::AnnouncementTemplate;
pub use webhook::WebhookSettings;

use crate::Location;
use std::path::PathBuf;

/// Errors of announce.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    #[error(
        "no recipient: pass --to ADDRESS, or name the list in the release request's metadata (`announce-to`)"
    )]
    NoRecipients,
    #[error("{what} `{value}` is no e-mail address: {reason}")]
    BadAddress {
        what: String,
        value: String,
        reason: String,
    },
    #[error("e-mail needs a sender: pass --from 'Name <address>'")]
    NoSender,
    #[error("e-mail needs a server: pass --smtp-server HOST[:PORT]")]
    NoServer,
    #[error("--smtp-server `{0}`: expected HOST or HOST:PORT")]
    BadServer(String),
    #[error(
        "refusing to send the SMTP login in clear text to {host}: use --smtp-security starttls or tls (plain is for a relay on this machine)"
    )]
    PlainLogin { host: String },
    #[error("SMTP_USERNAME is set but SMTP_PASSWORD is empty: set both to log in, or neither")]
    NoPassword,
    #[error("cannot read the CA certificates of --smtp-ca-file {}: {reason}", path.display())]
    BadCaFile { path: PathBuf, reason: String },
    #[error(
        "--send webhook needs the webhook's URL in the environment variable {variable} (a secret: the URL is the credential)"
    )]
    NoWebhook { variable: String },
    #[error("the webhook URL in {variable} is not an http(s) URL")]
    BadWebhookUrl { variable: String },
    #[error("{location}: {message}")]
    Template { location: Location, message: String },
    #[error("the built-in {which} template failed: {message}")]
    DefaultTemplate { which: String, message: String },
    #[error("{location}: the template's first line, the subject, is empty")]
    EmptySubject { location: Location },
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{location}: no section for version {version} (a `## {version}` heading)")]
    NoSection { location: Location, version: String },
    #[error("{location}: {message}")]
    BadState { location: Location, message: String },
    #[error("cannot record what was sent in {}: {error}", path.display())]
    WriteState {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("SMTP server {server}: {phase}: {reason}")]
    Smtp {
        server: String,
        phase: String,
        reason: String,
    },
    #[error("webhook at {host}: {reason}")]
    Webhook { host: String, reason: String },
}

impl crate::Problem for AnnounceError {
    fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            AnnounceError::Smtp { .. }
                | AnnounceError::Webhook { .. }
                | AnnounceError::WriteState { .. }
        )
    }

    fn location(&self) -> Option<&Location> {
        match self {
            AnnounceError::Template { location, .. }
            | AnnounceError::EmptySubject { location }
            | AnnounceError::NoSection { location, .. }
            | AnnounceError::BadState { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// A way an announcement goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
}

/// The announcement, rendered: what a dry run prints and what [`deliver`] sends.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub context: AnnouncementContext,
    pub subject: String,
    /// The e-mail's text, LF line endings, ending in one newline.
    pub body: String,
    /// The text posted to the chat webhook.
    pub chat: String,
    /// Names this release's announcement: the e-mail's Message-ID, and the key the
    /// state file records sent channels under.
    pub message_id: String,
}

/// What one channel did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The state file records it as sent by an earlier run.
    AlreadySent,
    /// A dry run: nothing sent.
    WouldSend,
}

/// What announce did.
#[derive(Debug, Clone)]
pub struct AnnounceReport {
    pub announcement: Announcement,
    /// The e-mail as sent (or as it would be), when e-mail is a channel.
    pub mail: Option<MailMessage>,
    pub deliveries: Vec<(Channel, Delivery)>,
    pub dry_run: bool,
}

impl AnnounceReport {
    /// The channels of this run with the given outcome.
    pub fn channels(&self, wanted: &Delivery) -> Vec<&'static str> {
        self.deliveries
            .iter()
            .filter(|(_, d)| d == wanted)
            .map(|(c, _)| c.as_str())
            .collect()
    }
}

/// Renders the announcement of the release the context describes.
pub fn compose(
    context: AnnouncementContext,
    email: &AnnouncementTemplate,
    chat: &AnnouncementTemplate,
    domain: &str,
) -> Result<Announcement, AnnounceError> {
    let (subject, body) = email.render_message(&context)?;
    let chat_text = chat.render_text(&context, &subject)?;
    let message_id = mail::release_message_id(&context, domain);
    Ok(Announcement {
        context,
        subject,
        body,
        chat: chat_text,
        message_id,
    })
}

/// Where and how the announcement goes.
pub struct Delivering<'a> {
    pub channels: &'a [Channel],
    pub mail: Option<&'a MailSettings>,
    pub webhook: Option<&'a WebhookSettings>,
    pub state: Option<&'a std::path::Path>,
    pub dry_run: bool,
}

/// Sends the announcement on every channel asked for that the state file does not
/// record as sent; each channel is recorded as soon as it went out, so a job that
/// fails on the second channel sends only that one again when retried.
pub async fn deliver(
    announcement: Announcement,
    how: &Delivering<'_>,
) -> crate::Result<AnnounceReport> {
    let mut sent = match how.state {
        Some(path) => state::SentLog::read(path)?,
        None => state::SentLog::default(),
    };
    let mail = match (how.channels.contains(&Channel::Email), how.mail) {
        (true, Some(settings)) => Some(mail::build(&announcement, settings)?),
        _ => None,
    };
    let mut deliveries = Vec::new();
    for &channel in how.channels {
        if sent.contains(&announcement.message_id, channel) {
            deliveries.push((channel, Delivery::AlreadySent));
            continue;
        }
        if how.dry_run {
            deliveries.push((channel, Delivery::WouldSend));
            continue;
        }
        match channel {
            Channel::Email => {
                let (Some(settings), Some(message)) = (how.mail, &mail) else {
                    return Err(AnnounceError::NoServer.into());
                };
                let settings = settings.clone();
                let message = message.clone();
                tokio::task::spawn_blocking(move || mail::send(&message, &settings))
                    .await
                    .map_err(|e| {
                        crate::Error::Failed(format!("the SMTP session stopped: {e}"))
                    })??;
            }
            Channel::Webhook => {
                let Some(settings) = how.webhook else {
                    return Err(AnnounceError::NoWebhook {
                        variable: webhook::URL_VARIABLE.into(),
                    }
                    .into());
                };
                webhook::post(settings, &announcement.chat).await?;
            }
        }
        deliveries.push((channel, Delivery::Sent));
        if let Some(path) = how.state {
            sent.record(&announcement.message_id, channel);
            sent.write(path)?;
        }
    }
    Ok(AnnounceReport {
        announcement,
        mail,
        deliveries,
        dry_run: how.dry_run,
    })
}
