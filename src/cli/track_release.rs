//! track-release: a release that spans many pipelines, tracked on an issue.

use crate::Context;
use crate::ci::{ForgeArgs, OutputArgs, Platform, Report, Session};
use crate::forge::{Forge, ForgeSettings};
use crate::track::tracking::{self, Tracked};
use crate::track::{StepState, TrackConfig, TrackError};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod abandon;
mod open;
mod record;
mod start;
mod status;
mod wait;

/// Track a release that runs as a chain of pipelines, in one tracking issue.
///
/// The issue's body shows every step of every version, rendered from a record that
/// concurrent jobs add to; steps resume from the furthest checkpoint reached; waits hold
/// no runner; phases start once their sign-offs are in.
#[derive(Parser, Debug)]
#[command(name = "track-release", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open the tracking issue of a release (and one per subject), or find it again
    Open(OpenArgs),
    /// Add a step's report (state, checkpoints, links) to the record
    Record(RecordArgs),
    /// Where the release stands: each step's furthest checkpoint, what is left
    Status(StatusArgs),
    /// Wait for a change request to merge, CI to pass, a tag, a release, a URL or sign-offs
    #[command(
        override_usage = "track-release wait-for [OPTIONS] <--check|--poll>\n       \
        <--merged <N>|--green <SHA>|--tag <NAME>|--release-of <TAG>|--url <URL>|--signoffs <PHASE>>"
    )]
    WaitFor(WaitArgs),
    /// Start a phase once its sign-offs are in
    Start(StartArgs),
    /// Abandon the release: every later step refuses to run
    Abandon(AbandonArgs),
}

/// Options of every subcommand.
#[derive(Args, Debug, Clone)]
struct Common {
    /// Repository of the tracking issue: owner/name or the GitLab project path [default: GITHUB_REPOSITORY or CI_PROJECT_PATH]
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,
    /// Configuration file with the [track] section [default: relay.toml]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    forge: ForgeArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// The tracking issue: by number, or by the release's name.
#[derive(Args, Debug, Clone)]
struct Which {
    /// The tracking issue (GitLab: its IID)
    #[arg(long, value_name = "N")]
    issue: Option<u64>,
    /// The release, to find its tracking issue by its marker
    #[arg(long, value_name = "NAME")]
    release: Option<String>,
}

#[derive(Args, Debug)]
struct OpenArgs {
    /// The release's name (e.g. 2026-01-15 or v1.18.0)
    #[arg(long, value_name = "NAME")]
    release: String,
    /// A version or repository the release is for: a column of the table; repeatable
    #[arg(long, value_name = "NAME")]
    subject: Vec<String>,
    /// Also open one issue per subject, each linking the others
    #[arg(long)]
    subject_issues: bool,
    /// Title of the release's issue [default: Release NAME]
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// Print what would be done; write nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct RecordArgs {
    #[command(flatten)]
    which: Which,
    /// The step that reports (a [[track.step]] name)
    #[arg(long, value_name = "STEP")]
    step: String,
    /// The version or repository it ran for (none for a step of the whole release)
    #[arg(long, value_name = "NAME")]
    subject: Option<String>,
    /// The step's state
    #[arg(long, value_enum, value_name = "STATE")]
    state: StepState,
    /// A checkpoint reached, NAME=VALUE (e.g. pr=12, merge-commit=SHA); repeatable
    #[arg(long, value_name = "NAME=VALUE")]
    checkpoint: Vec<String>,
    /// A link for the table, KIND=URL (e.g. pr=https://…, release=https://…); repeatable
    #[arg(long, value_name = "KIND=URL")]
    link: Vec<String>,
    /// What happened, in one line (a failure comment quotes it)
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,
    #[command(flatten)]
    job: JobArgs,
    /// Print what would be recorded; write nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    common: Common,
}

/// Where the reporting job is, and how it is run again.
#[derive(Args, Debug, Clone)]
struct JobArgs {
    /// The job's page [default: this GitHub workflow run or GitLab job]
    #[arg(long, value_name = "URL")]
    job_url: Option<String>,
    /// How to run the step again, quoted in the failure comment [default: `gh run rerun RUN --failed` or `glab ci retry JOB`]
    #[arg(long, value_name = "COMMAND")]
    rerun: Option<String>,
}

#[derive(Args, Debug)]
struct StatusArgs {
    #[command(flatten)]
    which: Which,
    /// One step, to resume it: its state, furthest checkpoint and each checkpoint's value
    #[arg(long, value_name = "STEP")]
    step: Option<String>,
    /// The subject of --step
    #[arg(long, value_name = "NAME")]
    subject: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("condition").required(true).args(["merged", "green", "tag", "release_of", "url", "signoffs"])))]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["check", "poll"])))]
struct WaitArgs {
    /// A pull/merge request number: wait until it is merged (value: its merge commit)
    #[arg(long, value_name = "N")]
    merged: Option<u64>,
    /// A commit: wait until its CI passed by find-green-commit's rules (value: the commit)
    #[arg(long, value_name = "SHA")]
    green: Option<String>,
    /// With --green: a job that must have run and passed (glob); repeatable
    #[arg(long, value_name = "GLOB")]
    require_job: Vec<String>,
    /// A tag: wait until it exists (value: its commit)
    #[arg(long, value_name = "NAME")]
    tag: Option<String>,
    /// A tag: wait until its release is published (value: the release page)
    #[arg(long = "release-of", value_name = "TAG")]
    release_of: Option<String>,
    /// A URL: wait until it answers 200
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// A phase: wait until its sign-offs are in (needs --issue or --release)
    #[arg(long, value_name = "PHASE")]
    signoffs: Option<String>,
    /// Repository the condition is about [default: --repo]
    #[arg(long, value_name = "OWNER/NAME")]
    in_repo: Option<String>,
    /// Look once: exit 0 with met=true, or met=false and state=pending
    #[arg(long)]
    check: bool,
    /// Look until met or --timeout, waiting longer between looks
    #[arg(long)]
    poll: bool,
    /// With --poll: how long to wait at most (e.g. 30m, 2h)
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    timeout: String,
    /// With --poll: the first wait between looks (grows by half each look, up to 10×, at most 10m)
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    interval: String,
    #[command(flatten)]
    which: Which,
    /// Record the outcome for this step: the value as a checkpoint when met, a failure when not
    #[arg(long, value_name = "STEP")]
    step: Option<String>,
    /// The subject of --step
    #[arg(long, value_name = "NAME")]
    subject: Option<String>,
    /// With --step: the checkpoint the value is recorded as (e.g. merge-commit)
    #[arg(long, value_name = "CHECKPOINT")]
    record_as: Option<String>,
    #[command(flatten)]
    job: JobArgs,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct StartArgs {
    #[command(flatten)]
    which: Which,
    /// The phase to start (a [[track.phase]] name)
    #[arg(long, value_name = "PHASE")]
    phase: String,
    /// Start only when its sign-offs are in: a phase not ready or already started is
    /// reported (started=false), not failed — for a job on every comment event
    #[arg(long)]
    if_ready: bool,
    /// Print what would be done; write nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct AbandonArgs {
    #[command(flatten)]
    which: Which,
    /// Why, in one line
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// Print what would be done; write nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    common: Common,
}

impl Command {
    fn common(&self) -> &Common {
        match self {
            Command::Open(a) => &a.common,
            Command::Record(a) => &a.common,
            Command::Status(a) => &a.common,
            Command::WaitFor(a) => &a.common,
            Command::Start(a) => &a.common,
            Command::Abandon(a) => &a.common,
        }
    }
}

/// The tool's command line, for its completions and man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

pub fn main(args: Vec<std::ffi::OsString>) -> ExitCode {
    let cli: Cli = super::parse(args);
    let common = cli.command.common().clone();
    let (session, settings) =
        super::started!(Session::start_with_forge(&common.output, &common.forge));
    let result = run(&cli.command, &common, &session, &settings);
    session.finish(result)
}

/// Everything a subcommand needs besides its own options.
struct Edge<'a> {
    session: &'a Session,
    settings: &'a ForgeSettings,
    repo: String,
    track: TrackConfig,
    source: Option<crate::location::ConfigSource>,
    writers: Vec<String>,
}

fn run(
    command: &Command,
    common: &Common,
    session: &Session,
    settings: &ForgeSettings,
) -> crate::Result<Report> {
    super::require_api(
        settings,
        "track-release keeps its record on the forge's issues",
    )?;
    if settings.platform == Platform::GitLab
        && settings.token_kind == crate::ci::context::TokenKind::JobToken
    {
        return Err(crate::Error::from(TrackError::JobToken));
    }
    let repo = super::repository(common.repo.as_deref(), session, settings)?;
    let (config, source) =
        crate::config::load_with_source(common.config.as_deref(), std::path::Path::new("."))?;
    let track = config.track.unwrap_or_default();
    let writers = track.writers(source.as_ref()).map_err(config_error)?;
    let edge = Edge {
        session,
        settings,
        repo,
        track,
        source,
        writers,
    };
    crate::forge::runtime().block_on(async {
        let forge = crate::forge::connect(settings).await?;
        let forge = forge.as_ref();
        match command {
            Command::Open(a) => open::run(&edge, forge, a).await,
            Command::Record(a) => record::run(&edge, forge, a).await,
            Command::Status(a) => status::run(&edge, forge, a).await,
            Command::WaitFor(a) => wait::run(&edge, forge, a).await,
            Command::Start(a) => start::run(&edge, forge, a).await,
            Command::Abandon(a) => abandon::run(&edge, forge, a).await,
        }
    })
}

fn config_error(problem: crate::track::config::ConfigProblem) -> crate::Error {
    TrackError::Config {
        location: problem.location,
        message: problem.message,
    }
    .into()
}

impl Edge<'_> {
    /// The tracking issue the options name, read and folded.
    async fn tracked(&self, forge: &dyn Forge, which: &Which) -> crate::Result<Tracked> {
        let number = match (which.issue, &which.release) {
            (Some(n), _) => n,
            (None, Some(release)) => {
                let label = self.track.label();
                tracking::find(forge, &self.repo, release, label)
                    .await?
                    .ok_or_else(|| TrackError::NoSuchRelease {
                        repo: self.repo.clone(),
                        release: release.clone(),
                        label: label.to_string(),
                    })?
                    .number
            }
            (None, None) => {
                return Err(crate::Error::Usage(
                    "no tracking issue given: pass --issue N or --release NAME".into(),
                ));
            }
        };
        tracking::load(forge, &self.repo, number, &self.writers)
            .await
            .with_context(|| format!("reading the record of #{number} in {}", self.repo))
    }

    fn actor(&self) -> Option<String> {
        self.session
            .ctx
            .actor(self.settings.platform)
            .map(str::to_string)
    }

    fn job_url(&self, job: &JobArgs) -> Option<String> {
        job.job_url
            .clone()
            .filter(|u| !u.is_empty())
            .or_else(|| self.session.ctx.job_url(self.settings.platform))
    }

    /// The re-run a failure comment quotes: the flag, else this run's own.
    fn rerun(&self, job: &JobArgs) -> Option<String> {
        if let Some(r) = job.rerun.clone().filter(|r| !r.is_empty()) {
            return Some(r);
        }
        let ctx = &self.session.ctx;
        match self.settings.platform {
            Platform::GitLab => ctx
                .gitlab
                .ci_job_id
                .as_ref()
                .filter(|j| !j.is_empty())
                .map(|j| format!("glab ci retry {j} --repo {}", self.repo)),
            _ => ctx
                .github
                .run_id
                .as_ref()
                .filter(|r| !r.is_empty())
                .map(|r| format!("gh run rerun {r} --failed --repo {}", self.repo)),
        }
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
