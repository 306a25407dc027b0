//! announce: the release announcement of a tag, by e-mail and to a chat webhook.

use crate::Context;
use crate::announce::{
    self, AnnounceError, AnnounceReport, AnnouncementTemplate, Channel, Delivering, Delivery,
    MailSettings, Security, WebhookSettings, facts, mail,
};
use crate::changelog::links::{LinkStyle, Links};
use crate::ci::{ForgeArgs, OutputArgs, Platform, Report, Session};
use crate::forge::Secret;
use crate::metadata::{ReadRequest, read::read_tag_metadata};
use clap::Parser;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Announce a release by e-mail (SMTP) and/or to a Slack-compatible chat webhook.
///
/// The announcement is rendered from the tag's metadata, its notes and the changes since
/// the previous release. The SMTP login comes from SMTP_USERNAME and SMTP_PASSWORD, the
/// webhook's URL from ANNOUNCE_WEBHOOK_URL; none is ever printed. With --state, a re-run
/// finds what it sent and sends nothing twice.
#[derive(Parser, Debug)]
#[command(name = "announce", version, max_term_width = 100)]
struct Cli {
    /// Tag to announce [default: GITHUB_REF_NAME when GITHUB_REF_TYPE=tag, else CI_COMMIT_TAG]
    #[arg(long)]
    tag: Option<String>,
    /// Repository folder (the tag and the changes are read from it)
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Remote to re-fetch the tag and the diff-start from when the clone lacks them
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    /// Forge project for the links (owner/name) [default: GITHUB_REPOSITORY or CI_PROJECT_PATH]
    #[arg(long, value_name = "OWNER/NAME")]
    project: Option<String>,
    /// The release notes to include (text or Markdown)
    #[arg(long, value_name = "FILE", conflicts_with = "changelog")]
    notes_file: Option<PathBuf>,
    /// Include the section of this version from a changelog (`## 1.2.0` headings)
    #[arg(long, value_name = "FILE")]
    changelog: Option<PathBuf>,
    /// Leave out the list of changes since the previous release
    #[arg(long)]
    no_changes: bool,
    /// The e-mail template (minijinja; first line the subject) [default: built in]
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// The chat message template (minijinja) [default: built in]
    #[arg(long, value_name = "FILE")]
    chat_template: Option<PathBuf>,
    /// Where the announcement goes: email, webhook, or both (comma-separated)
    #[arg(
        long,
        value_enum,
        value_name = "CHANNEL,...",
        value_delimiter = ',',
        default_value = "email"
    )]
    send: Vec<Channel>,
    /// Sender, as 'Name <address>' (needed for e-mail)
    #[arg(long, value_name = "MAILBOX")]
    from: Option<String>,
    /// Recipient (repeatable) [default: the tag's `announce-to` metadata, comma-separated]
    #[arg(long, value_name = "MAILBOX")]
    to: Vec<String>,
    /// Where replies go
    #[arg(long, value_name = "MAILBOX")]
    reply_to: Option<String>,
    /// The Message-ID the e-mail replies to [default: the release series' thread]
    #[arg(long, value_name = "ID")]
    in_reply_to: Option<String>,
    /// SMTP server; its port [default: 587 with starttls, 465 with tls, 25 plain]
    #[arg(long, value_name = "HOST[:PORT]")]
    smtp_server: Option<String>,
    /// How the SMTP connection is protected
    #[arg(long, value_enum, value_name = "MODE", default_value = "starttls")]
    smtp_security: Security,
    /// Extra CA certificates (PEM) to trust for the SMTP server
    #[arg(long, value_name = "FILE")]
    smtp_ca_file: Option<PathBuf>,
    /// File that records what was sent; a re-run sends nothing it records
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Print the templates' context as JSON and send nothing
    #[arg(long)]
    context: bool,
    /// Print the announcement; send nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    config: crate::ci::ConfigArgs,
    #[command(flatten)]
    forge: ForgeArgs,
    #[command(flatten)]
    output: OutputArgs,
}

const SMTP_TIMEOUT: Duration = Duration::from_secs(60);
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// The tool's command line, for its completions and man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

pub fn main(args: Vec<OsString>) -> ExitCode {
    let cli: Cli = super::parse(args);
    let (mut session, settings) =
        super::started!(Session::start_with_forge(&cli.output, &cli.forge));
    let secrets = Secrets::from_env();
    for secret in secrets.all() {
        session.hide(secret);
    }
    let result = run(&cli, &session, &settings, &secrets).map(|outcome| match outcome {
        Outcome::Context(context) => {
            let _ = session.print_json(&context);
            Report::default()
        }
        Outcome::Report(report, warnings) => {
            if report.dry_run {
                session.print_product(&dry_run_text(&report));
            }
            session.progress(&describe(&report));
            let mut report = to_report(&report);
            report.warnings = warnings;
            report
        }
    });
    session.finish(result)
}

/// The secrets announce reads from the environment.
struct Secrets {
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    webhook_url: Option<String>,
}

impl Secrets {
    fn from_env() -> Secrets {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Secrets {
            smtp_username: var("SMTP_USERNAME"),
            smtp_password: var("SMTP_PASSWORD"),
            webhook_url: var(announce::webhook::URL_VARIABLE),
        }
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        [&self.smtp_password, &self.webhook_url]
            .into_iter()
            .flatten()
            .map(String::as_str)
    }
}

enum Outcome {
    Context(serde_json::Value),
    Report(Box<AnnounceReport>, Vec<String>),
}

fn run(
    cli: &Cli,
    session: &Session,
    settings: &crate::forge::ForgeSettings,
    secrets: &Secrets,
) -> crate::Result<Outcome> {
    let email_template = match &cli.template {
        Some(path) => AnnouncementTemplate::from_file(path)?,
        None => AnnouncementTemplate::builtin_email(),
    };
    let chat_template = match &cli.chat_template {
        Some(path) => AnnouncementTemplate::from_file(path)?,
        None => AnnouncementTemplate::builtin_chat(),
    };
    let channels = channels(&cli.send);
    let webhook = match (channels.contains(&Channel::Webhook), &secrets.webhook_url) {
        (false, _) => None,
        (true, Some(url)) => Some(WebhookSettings::new(url.clone(), WEBHOOK_TIMEOUT)?),
        (true, None) => {
            return Err(crate::Error::from(AnnounceError::NoWebhook {
                variable: announce::webhook::URL_VARIABLE.into(),
            }));
        }
    };
    let from = cli
        .from
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(|f| mail::mailbox("--from", f))
        .transpose()?;

    let tag = crate::forge::runtime()
        .block_on(read_tag_metadata(
            &ReadRequest {
                tag: cli.tag.clone(),
                repo_dir: cli.repo.clone(),
                remote: cli.remote.clone(),
                require: Vec::new(),
                allow_lightweight: false,
            },
            &session.ctx,
            settings,
        ))
        .context("reading the tag's metadata")?;
    let version = tag
        .metadata
        .get("version")
        .unwrap_or_else(|| tag.tag.clone());
    let notes = notes(cli, &version)?;
    let repository = cli
        .project
        .as_deref()
        .filter(|p| !p.is_empty())
        .or_else(|| session.ctx.repository(settings.platform))
        .map(str::to_string);
    let forge_known = settings.platform != Platform::Git
        || cli
            .forge
            .server_url
            .as_deref()
            .is_some_and(|u| !u.is_empty());
    let links = forge_known.then(|| {
        Links::new(
            LinkStyle::of(settings.platform, &settings.server_url),
            &settings.server_url,
        )
    });
    let (context, warnings) = facts::gather(
        &tag,
        &facts::FactsRequest {
            repo_dir: &cli.repo,
            remote: &cli.remote,
            repository,
            links,
            release_page: settings.platform != Platform::Git,
            notes,
            with_changes: !cli.no_changes,
        },
    )
    .context("reading the release's changes")?;
    if cli.context {
        return Ok(Outcome::Context(
            serde_json::to_value(&context).context("printing the context")?,
        ));
    }

    let mail_settings = if channels.contains(&Channel::Email) {
        Some(mail_settings(cli, secrets, from.clone(), &context)?)
    } else {
        None
    };
    let domain = from
        .as_ref()
        .map(mail::domain_of)
        .unwrap_or_else(|| "release-relay".into());
    let announcement = announce::compose(context, &email_template, &chat_template, &domain)?;
    let report = crate::forge::runtime()
        .block_on(announce::deliver(
            announcement,
            &Delivering {
                channels: &channels,
                mail: mail_settings.as_ref(),
                webhook: webhook.as_ref(),
                state: cli.state.as_deref(),
                dry_run: cli.dry_run,
            },
        ))
        .context("announcing the release")?;
    Ok(Outcome::Report(Box::new(report), warnings))
}

/// The channels asked for, each once, in a fixed order (e-mail first).
fn channels(asked: &[Channel]) -> Vec<Channel> {
    let mut channels = asked.to_vec();
    channels.sort();
    channels.dedup();
    channels
}

/// The notes file, or the version's section of the changelog.
fn notes(cli: &Cli, version: &str) -> crate::Result<Option<String>> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|error| AnnounceError::Read {
            path: path.to_path_buf(),
            error,
        })
    };
    if let Some(path) = &cli.notes_file {
        return Ok(Some(read(path)?.trim().to_string()).filter(|n| !n.is_empty()));
    }
    let Some(path) = &cli.changelog else {
        return Ok(None);
    };
    let text = read(path)?;
    let no_section = || AnnounceError::NoSection {
        location: crate::Location::new(path, 1, 1),
        version: version.to_string(),
    };
    let version = crate::version::Version::parse(version).map_err(|_| no_section())?;
    let section = crate::changelog::file::section(&text, &version).ok_or_else(no_section)?;
    Ok(Some(section.trim().to_string()).filter(|n| !n.is_empty()))
}

fn mail_settings(
    cli: &Cli,
    secrets: &Secrets,
    from: Option<lettre::message::Mailbox>,
    context: &announce::AnnouncementContext,
) -> crate::Result<MailSettings> {
    let from = from.ok_or(AnnounceError::NoSender)?;
    let mut to = Vec::new();
    for address in cli.to.iter().filter(|t| !t.trim().is_empty()) {
        to.extend(mail::mailboxes("--to", address)?);
    }
    if to.is_empty()
        && let Some(list) = context.metadata.get("announce-to").and_then(|v| v.as_str())
    {
        to = mail::mailboxes("the metadata key announce-to", list)?;
    }
    if to.is_empty() {
        return Err(AnnounceError::NoRecipients.into());
    }
    let reply_to = cli
        .reply_to
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(|r| mail::mailbox("--reply-to", r))
        .transpose()?;
    let server = cli.smtp_server.as_deref().filter(|s| !s.trim().is_empty());
    let (host, port) = match server {
        Some(server) => mail::parse_server(server, cli.smtp_security)?,
        // A dry run prints the message without a server to send it to.
        None if cli.dry_run => (String::new(), 0),
        None => return Err(AnnounceError::NoServer.into()),
    };
    let login = match (&secrets.smtp_username, &secrets.smtp_password) {
        (Some(user), Some(password)) => Some((user.clone(), Secret::new(password.clone()))),
        (Some(_), None) => return Err(AnnounceError::NoPassword.into()),
        (None, _) => None,
    };
    let ca_pem = match &cli.smtp_ca_file {
        Some(path) => Some(std::fs::read(path).map_err(|e| AnnounceError::BadCaFile {
            path: path.clone(),
            reason: e.to_string(),
        })?),
        None => None,
    };
    let settings = MailSettings {
        host,
        port,
        security: cli.smtp_security,
        login,
        ca_pem,
        from,
        to,
        reply_to,
        in_reply_to: cli.in_reply_to.clone().filter(|i| !i.trim().is_empty()),
        timeout: SMTP_TIMEOUT,
    };
    if server.is_some() {
        settings.check()?;
    }
    Ok(settings)
}

fn dry_run_text(report: &AnnounceReport) -> String {
    let mut out = String::new();
    for (channel, delivery) in &report.deliveries {
        let note = if *delivery == Delivery::AlreadySent {
            " (already sent: the state file records it)"
        } else {
            ""
        };
        match channel {
            Channel::Email => {
                if let Some(mail) = &report.mail {
                    out.push_str(&format!("--- e-mail{note}\n{}", mail.text()));
                    if !out.ends_with('\n') {
                        out.push('\n');
                    }
                }
            }
            Channel::Webhook => {
                out.push_str(&format!(
                    "--- webhook{note}\n{}\n",
                    announce::webhook::payload(&report.announcement.chat)
                ));
            }
        }
    }
    out
}

fn describe(report: &AnnounceReport) -> String {
    let subject = &report.announcement.subject;
    let mut lines = Vec::new();
    for (channel, delivery) in &report.deliveries {
        let target = match (channel, &report.mail) {
            (Channel::Email, Some(mail)) => format!(
                "e-mail to {}",
                mail.recipients
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (Channel::Email, None) => "e-mail".into(),
            (Channel::Webhook, _) => "the chat webhook".into(),
        };
        lines.push(match delivery {
            Delivery::Sent => format!("sent \"{subject}\" by {target}"),
            Delivery::AlreadySent => {
                format!("already sent \"{subject}\" by {target} (the state file records it)")
            }
            Delivery::WouldSend => format!("dry run: would send \"{subject}\" by {target}"),
        });
    }
    lines.join("\n")
}

fn to_report(report: &AnnounceReport) -> Report {
    let mut outputs = crate::ci::Outputs::new();
    let recipients = report.mail.as_ref().map_or(String::new(), |m| {
        m.recipients
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",")
    });
    outputs
        .set("subject", report.announcement.subject.as_str())
        .set("message-id", report.announcement.message_id.as_str())
        .set("recipients", recipients)
        .set("sent", report.channels(&Delivery::Sent).join(","))
        .set(
            "already-sent",
            report.channels(&Delivery::AlreadySent).join(","),
        );
    Report {
        outputs,
        summary: None,
        warnings: Vec::new(),
        failure: None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
