//! track-release: a release that spans many pipelines, tracked on an issue.

use crate::Context;
use crate::ci::{ForgeArgs, OutputArgs, Outputs, Platform, Report, Session, summary};
use crate::forge::{Forge, ForgeSettings};
use crate::track::open::{OpenRequest, open};
use crate::track::phase_start::{StartRequest, abandon, start};
use crate::track::step_report::{StepReport, record};
use crate::track::tracking::{self, Tracked};
use crate::track::wait::{Backoff, Condition, Look, look, poll};
use crate::track::{StepState, TrackConfig, TrackError};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Track a release that runs as a chain of pipelines: a tracking issue whose body
/// shows every step of every version, rendered from a record that concurrent jobs add
/// to; steps that resume from the furthest checkpoint reached; waits that hold no
/// runner; phases that start once their sign-offs are in.
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
    let cli: Cli = crate::ci::inputs::parse(args);
    let common = cli.command.common().clone();
    let (session, settings) = Session::start_with_forge(&common.output, &common.forge);
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
            Command::Open(a) => run_open(&edge, forge, a).await,
            Command::Record(a) => run_record(&edge, forge, a).await,
            Command::Status(a) => run_status(&edge, forge, a).await,
            Command::WaitFor(a) => run_wait(&edge, forge, a).await,
            Command::Start(a) => run_start(&edge, forge, a).await,
            Command::Abandon(a) => run_abandon(&edge, forge, a).await,
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

async fn run_open(edge: &Edge<'_>, forge: &dyn Forge, args: &OpenArgs) -> crate::Result<Report> {
    let declaration = edge
        .track
        .declaration(&args.release, &args.subject, edge.source.as_ref())
        .map_err(config_error)?;
    let request = OpenRequest {
        repo: edge.repo.clone(),
        declaration,
        subject_issues: args.subject_issues,
        title: args.title.clone().filter(|t| !t.is_empty()),
        label: edge.track.label().to_string(),
        writers: edge.writers.clone(),
        dry_run: args.dry_run,
    };
    let report = open(forge, &request)
        .await
        .with_context(|| format!("opening release {} in {}", args.release, edge.repo))?;
    let number = report.issue.as_ref().map(|i| i.number);
    let line = match (report.dry_run, number) {
        (true, None) => format!(
            "dry run: would open the tracking issue of release {}",
            args.release
        ),
        (true, Some(n)) => format!("dry run: release {} is tracked in #{n}", args.release),
        (false, Some(n)) => format!(
            "{} #{n} for release {}: {}",
            report.action.as_str(),
            args.release,
            report.issue.as_ref().map_or("", |i| i.url.as_str())
        ),
        (false, None) => unreachable!("a run that writes has its issue"),
    };
    edge.session.outcome(&line, report.dry_run);
    if let Some(dup) = report.closed_duplicate {
        edge.session.progress(&format!(
            "closed #{dup}: another job opened the same release at the same moment"
        ));
    }
    let subjects: serde_json::Map<String, serde_json::Value> = report
        .subjects
        .iter()
        .map(|(s, n)| (s.clone(), n.map_or(serde_json::Value::Null, Into::into)))
        .collect();
    let mut outputs = Outputs::new();
    outputs
        .set("issue", number.map_or(String::new(), |n| n.to_string()))
        .set("url", report.issue.as_ref().map_or("", |i| i.url.as_str()))
        .set("action", report.action.as_str())
        .set("release", args.release.as_str())
        .set(
            "subject-issues",
            serde_json::Value::Object(subjects).to_string(),
        );
    Ok(Report {
        outputs,
        ..Report::default()
    })
}

/// `NAME=VALUE` pairs of a repeatable flag.
fn pairs(flag: &'static str, values: &[String]) -> Result<Vec<(String, String)>, TrackError> {
    values
        .iter()
        .map(|v| {
            v.split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| TrackError::BadPair {
                    flag,
                    value: v.clone(),
                })
        })
        .collect()
}

async fn run_record(
    edge: &Edge<'_>,
    forge: &dyn Forge,
    args: &RecordArgs,
) -> crate::Result<Report> {
    let report = StepReport {
        step: args.step.clone(),
        subject: args.subject.clone().filter(|s| !s.is_empty()),
        state: Some(args.state),
        checkpoints: pairs("checkpoint", &args.checkpoint)?,
        links: pairs("link", &args.link)?,
        job: edge.job_url(&args.job),
        message: args.message.clone(),
        rerun: edge.rerun(&args.job),
        dry_run: args.dry_run,
    };
    let tracked = edge.tracked(forge, &args.which).await?;
    let recorded = record(forge, &tracked, &report)
        .await
        .with_context(|| format!("recording step {} on #{}", args.step, tracked.issue.number))?;
    let status = &recorded.status;
    edge.session.outcome(
        &format!(
            "{}{} {}: {}{}",
            if recorded.dry_run {
                "dry run: would record "
            } else {
                "recorded "
            },
            status.step,
            if status.subject.is_empty() {
                "(release)"
            } else {
                status.subject.as_str()
            },
            status.state.as_str(),
            status
                .resume_from
                .as_ref()
                .map(|c| format!(", furthest checkpoint {c}"))
                .unwrap_or_default()
        ),
        recorded.dry_run,
    );
    if let Some((action, comment)) = &recorded.failure {
        edge.session.progress(&format!(
            "failure comment {}: {}",
            action.as_str(),
            comment.url.as_deref().unwrap_or("")
        ));
    }
    let mut outputs = Outputs::new();
    outputs
        .set("state", status.state.as_str())
        .set("resume-from", status.resume_from.as_deref().unwrap_or(""))
        .set(
            "entry-url",
            recorded
                .entry
                .as_ref()
                .and_then(|c| c.url.as_deref())
                .unwrap_or(""),
        )
        .set(
            "failure-comment",
            recorded.failure.as_ref().map_or("", |(a, _)| a.as_str()),
        )
        .set(
            "failure-comment-url",
            recorded
                .failure
                .as_ref()
                .and_then(|(_, c)| c.url.as_deref())
                .unwrap_or(""),
        );
    Ok(Report {
        outputs,
        ..Report::default()
    })
}

async fn run_status(
    edge: &Edge<'_>,
    forge: &dyn Forge,
    args: &StatusArgs,
) -> crate::Result<Report> {
    let tracked = edge.tracked(forge, &args.which).await?;
    let record = &tracked.record;
    let mut outputs = Outputs::new();
    let mut warnings: Vec<String> = record
        .ignored
        .iter()
        .map(|i| {
            format!(
                "comment {} by {} is no entry of the record: {}",
                i.id, i.author, i.reason
            )
        })
        .collect();
    if let Some(step) = &args.step {
        // The same checks a report of this step gets, so a typo is an error, not "pending".
        let probe = StepReport {
            step: step.clone(),
            subject: args.subject.clone().filter(|s| !s.is_empty()),
            state: Some(StepState::Running),
            ..StepReport::default()
        };
        let update = match crate::track::step_report::update_of(&tracked, &probe) {
            Ok(update) => update,
            Err(TrackError::Abandoned(message)) => {
                warnings.push(message);
                crate::track::event::StepUpdate {
                    step: step.clone(),
                    subject: probe.subject.clone().unwrap_or_default(),
                    state: StepState::Running,
                    checkpoints: Default::default(),
                    links: Default::default(),
                    job: None,
                    message: None,
                    rerun: None,
                }
            }
            Err(e) => return Err(crate::Error::from(e)),
        };
        let status = record.status(&update.step, &update.subject);
        edge.session.progress(&format!(
            "{} {}: {}{}",
            status.step,
            if status.subject.is_empty() {
                "(release)"
            } else {
                status.subject.as_str()
            },
            status.state.as_str(),
            match &status.resume_from {
                Some(c) => format!(", resume from {c}"),
                None => ", nothing reached yet".into(),
            }
        ));
        outputs
            .set("state", status.state.as_str())
            .set("resume-from", status.resume_from.as_deref().unwrap_or(""))
            .set("next", status.next.as_deref().unwrap_or(""))
            .set("job-url", status.cell.job.as_deref().unwrap_or(""));
        for (name, value) in &status.checkpoints {
            outputs.set(format!("checkpoint-{name}"), value.as_deref().unwrap_or(""));
        }
    }
    let all = record.all();
    let line = |s: &crate::track::StepStatus| {
        format!(
            "{} {} {}",
            s.step,
            if s.subject.is_empty() {
                "-"
            } else {
                s.subject.as_str()
            },
            s.state.as_str()
        )
    };
    let left: Vec<String> = record.left().iter().map(line).collect();
    let failed: Vec<String> = all
        .iter()
        .filter(|s| s.state == crate::track::CellState::Failed)
        .map(line)
        .collect();
    let steps: Vec<serde_json::Value> = all
        .iter()
        .map(|s| {
            serde_json::json!({
                "step": s.step,
                "subject": s.subject,
                "state": s.state,
                "resume-from": s.resume_from,
                "checkpoints": s.checkpoints.iter().filter_map(|(n, v)| v.as_ref().map(|v| (n.clone(), serde_json::Value::from(v.clone())))).collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    let phases: serde_json::Map<String, serde_json::Value> = record
        .phases
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                record
                    .phase_state(&p.name)
                    .map_or("pending", |s| s.as_str())
                    .into(),
            )
        })
        .collect();
    outputs
        .set("complete", left.is_empty() && record.abandoned.is_none())
        .set("abandoned", record.abandoned.is_some())
        .set("left", left.join("\n"))
        .set("failed", failed.join("\n"))
        .set("phases", serde_json::Value::Object(phases).to_string())
        .set("steps", serde_json::Value::Array(steps).to_string())
        .set("issue", tracked.issue.number.to_string());
    edge.session.progress(&format!(
        "release {}: {} of {} {} finished{}",
        record.release,
        all.len() - left.len(),
        all.len(),
        crate::ci::plural(all.len(), "step"),
        if record.abandoned.is_some() {
            " (abandoned)"
        } else {
            ""
        }
    ));
    Ok(Report {
        outputs,
        summary: Some(summary_of(&tracked)),
        warnings,
        failure: None,
    })
}

fn summary_of(tracked: &Tracked) -> String {
    let rows: Vec<Vec<String>> = tracked
        .record
        .all()
        .iter()
        .map(|s| {
            vec![
                summary::code(&s.step),
                summary::escape_inline(if s.subject.is_empty() {
                    "release"
                } else {
                    &s.subject
                }),
                s.state.as_str().to_string(),
                s.resume_from
                    .as_deref()
                    .map(summary::code)
                    .unwrap_or_default(),
            ]
        })
        .collect();
    format!(
        "### Release {} ([#{}]({}))\n\n{}",
        summary::escape_inline(&tracked.record.release),
        tracked.issue.number,
        tracked.issue.url,
        summary::table(&["step", "subject", "state", "furthest checkpoint"], &rows)
    )
}

fn duration(flag: &str, text: &str) -> Result<Duration, TrackError> {
    humantime::parse_duration(text.trim())
        .map_err(|e| TrackError::BadDuration(format!("{flag} `{text}`"), e.to_string()))
}

async fn run_wait(edge: &Edge<'_>, forge: &dyn Forge, args: &WaitArgs) -> crate::Result<Report> {
    let repo = args
        .in_repo
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| edge.repo.clone());
    let condition = if let Some(number) = args.merged {
        Condition::Merged { repo, number }
    } else if let Some(commit) = &args.green {
        Condition::Green {
            repo,
            commit: commit.clone(),
            require_jobs: args.require_job.clone(),
        }
    } else if let Some(name) = &args.tag {
        Condition::Tag {
            repo,
            name: name.clone(),
        }
    } else if let Some(tag) = &args.release_of {
        Condition::Release {
            repo,
            tag: tag.clone(),
        }
    } else if let Some(url) = &args.url {
        let url = crate::track::step_report::check_url("url", "url", url)?;
        Condition::Url { url }
    } else if let Some(phase) = &args.signoffs {
        Condition::Signoffs {
            phase: phase.clone(),
        }
    } else {
        unreachable!("clap requires one condition")
    };
    let timeout = duration("--timeout", &args.timeout)?;
    let interval = duration("--interval", &args.interval)?;
    if args.record_as.is_some() && args.step.is_none() {
        return Err(crate::Error::Usage(
            "--record-as needs --step (and --issue or --release)".into(),
        ));
    }
    let needs_issue = matches!(condition, Condition::Signoffs { .. }) || args.step.is_some();
    let tracked = if needs_issue || args.which.issue.is_some() || args.which.release.is_some() {
        Some(edge.tracked(forge, &args.which).await?)
    } else {
        None
    };
    if let Some(t) = &tracked
        && let Some(a) = &t.record.abandoned
    {
        return Err(crate::Error::from(TrackError::Abandoned(
            crate::track::phase::abandoned_message(&a.by, &a.reason),
        )));
    }
    let what = condition.describe();
    let (outcome, timed_out, looks) = if args.check {
        (look(forge, &condition, tracked.as_ref()).await?, false, 1)
    } else {
        edge.session.progress(&format!(
            "waiting for {what} (at most {})",
            humantime::format_duration(timeout)
        ));
        let progress = edge.session.redactor();
        let printer = move |line: &str| eprintln!("{}", progress(line));
        let waited = poll(
            forge,
            &condition,
            tracked.as_ref(),
            timeout,
            Backoff::new(interval),
            &printer,
        )
        .await?;
        (waited.look, waited.timed_out, waited.looks)
    };
    let (state, met, value, url, detail) = match &outcome {
        Look::Met { value, url } => ("met", true, value.clone(), url.clone(), String::new()),
        Look::Pending(why) if timed_out => ("timed-out", false, String::new(), None, why.clone()),
        Look::Pending(why) => ("pending", false, String::new(), None, why.clone()),
        Look::Failed(why) => ("failed", false, String::new(), None, why.clone()),
    };
    edge.session.progress(&match state {
        "met" => format!("met: {what}: {value}"),
        "timed-out" => format!(
            "timed out after {} waiting for {what}: {detail}",
            humantime::format_duration(timeout)
        ),
        _ => format!("{state}: {what}: {detail}"),
    });
    let failure = match state {
        "failed" => Some(format!("{what}: {detail}")),
        "timed-out" => Some(format!(
            "{what}: still pending after {} ({looks} looks): {detail}",
            humantime::format_duration(timeout)
        )),
        _ => None,
    };
    // The record learns the value, or the failure with the re-run.
    if let (Some(step), Some(tracked)) = (&args.step, &tracked)
        && state != "pending"
    {
        let mut report = StepReport {
            step: step.clone(),
            subject: args.subject.clone().filter(|s| !s.is_empty()),
            state: Some(if met {
                StepState::Running
            } else {
                StepState::Failed
            }),
            job: edge.job_url(&args.job),
            rerun: edge.rerun(&args.job),
            ..StepReport::default()
        };
        if met {
            if let Some(name) = &args.record_as {
                report.checkpoints.push((name.clone(), value.clone()));
            }
        } else {
            report.message = failure.clone();
        }
        record(forge, tracked, &report)
            .await
            .with_context(|| format!("recording step {step} on #{}", tracked.issue.number))?;
    }
    let mut outputs = Outputs::new();
    outputs
        .set("met", met)
        .set("state", state)
        .set("value", value.as_str())
        .set("url", url.as_deref().unwrap_or(""))
        .set("detail", detail.as_str())
        .set("looks", looks);
    if let Condition::Merged { .. } = condition {
        outputs.set("merge-commit", value.as_str());
    }
    Ok(Report {
        outputs,
        failure,
        ..Report::default()
    })
}

async fn run_start(edge: &Edge<'_>, forge: &dyn Forge, args: &StartArgs) -> crate::Result<Report> {
    let tracked = edge.tracked(forge, &args.which).await?;
    let request = StartRequest {
        phase: args.phase.clone(),
        by: edge.actor(),
        if_ready: args.if_ready,
        dry_run: args.dry_run,
    };
    let report = start(forge, &tracked, &request)
        .await
        .with_context(|| format!("starting phase {} of #{}", args.phase, tracked.issue.number))?;
    edge.session.outcome(
        &match (&report.waiting, report.dry_run) {
            (Some(why), _) => format!("not started: {why}"),
            (None, true) => format!("dry run: phase {} would start", report.phase),
            (None, false) => format!(
                "phase {} started{}",
                report.phase,
                if report.skipped.is_empty() {
                    String::new()
                } else {
                    format!("; skipped: {}", report.skipped.join(", "))
                }
            ),
        },
        report.dry_run,
    );
    let mut outputs = Outputs::new();
    outputs
        .set("phase", report.phase.as_str())
        .set("started", report.started && !report.dry_run)
        .set("skipped", report.skipped.join(","))
        .set(
            "signed-off",
            report
                .signoffs
                .counted
                .iter()
                .map(|s| s.user.as_str())
                .collect::<Vec<_>>()
                .join(","),
        )
        .set("missing", report.signoffs.missing_text())
        .set("waiting", report.waiting.as_deref().unwrap_or(""));
    Ok(Report {
        outputs,
        ..Report::default()
    })
}

async fn run_abandon(
    edge: &Edge<'_>,
    forge: &dyn Forge,
    args: &AbandonArgs,
) -> crate::Result<Report> {
    let tracked = edge.tracked(forge, &args.which).await?;
    let report = abandon(
        forge,
        &tracked,
        edge.actor(),
        args.reason.clone(),
        args.dry_run,
    )
    .await
    .with_context(|| format!("abandoning the release of #{}", tracked.issue.number))?;
    edge.session.outcome(
        &format!(
            "{}release {} abandoned: {} pending or running {} and {} {} cancelled",
            if report.dry_run { "dry run: " } else { "" },
            tracked.record.release,
            report.cancelled_steps,
            crate::ci::plural(report.cancelled_steps, "step"),
            report.cancelled_phases.len(),
            crate::ci::plural(report.cancelled_phases.len(), "phase")
        ),
        report.dry_run,
    );
    let mut outputs = Outputs::new();
    outputs
        .set("abandoned", !report.dry_run)
        .set("cancelled-phases", report.cancelled_phases.join(","));
    Ok(Report {
        outputs,
        ..Report::default()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
