//! propose-change: the working-tree changes of a checkout as one open pull request or
//! merge request, created once and updated afterwards.

use crate::Context;
use crate::ci::{ForgeArgs, OutputArgs, Platform, Report, Session, summary};
use crate::forge::{ForgeSettings, Secret};
use crate::propose::{
    AutoMergeOutcome, Forges, ProposeAction, ProposeReport, ProposeRequest, propose_change,
};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Propose the working-tree changes of a checkout as one pull or merge request.
///
/// The pull request (GitHub) or merge request (GitLab) is created the first time, updated
/// after, and left alone when it already holds the changes. The bot's --branch always
/// holds the base branch plus one commit, pushed with --force-with-lease. Only --path
/// changes (default: every tracked change) are taken.
#[derive(Parser, Debug)]
#[command(name = "propose-change", version, max_term_width = 100)]
struct Cli {
    /// Repository: owner/name, or the GitLab project path [default: GITHUB_REPOSITORY or CI_PROJECT_PATH]
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,
    /// The bot's branch for the change (never the base branch)
    #[arg(long, value_name = "NAME")]
    branch: String,
    /// Title of the pull request / merge request
    #[arg(long, value_name = "TITLE")]
    title: String,
    /// Its description, from a Markdown file
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// Branch to merge into [default: the repository's default branch]
    #[arg(long, value_name = "BRANCH")]
    base: Option<String>,
    /// A label to set; repeatable
    #[arg(long, value_name = "LABEL")]
    label: Vec<String>,
    /// Commit message [default: the title]
    #[arg(long, value_name = "MSG")]
    commit_message: Option<String>,
    /// Only changes below this path (untracked files included); repeatable [default: every tracked change]
    #[arg(long, value_name = "PATH")]
    path: Vec<String>,
    /// Merge when the pipeline passes: GitHub auto-merge, GitLab merge when pipeline succeeds
    #[arg(long)]
    auto_merge: bool,
    /// A second identity that approves and sets auto-merge (a project may forbid
    /// approving one's own change); never printed
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    merge_token: Option<String>,
    /// How long to keep asking for auto-merge while GitLab answers 405 (the merge
    /// request's pipeline has not started yet)
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    auto_merge_wait: humantime::Duration,
    /// Warn once and label the change request `stale` when it has been open longer (e.g. 24h)
    #[arg(long, value_name = "DURATION")]
    stale_after: Option<humantime::Duration>,
    /// Print what would be done; push nothing, write nothing through the API
    #[arg(long)]
    dry_run: bool,
    /// The local checkout holding the changes
    #[arg(long, value_name = "DIR", default_value = ".")]
    checkout: PathBuf,
    /// The checkout's remote of the repository, pushed to
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    #[command(flatten)]
    config: crate::ci::ConfigArgs,
    #[command(flatten)]
    forge: ForgeArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// The tool's command line, for its completions and man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

pub fn main(args: Vec<std::ffi::OsString>) -> ExitCode {
    let cli: Cli = super::parse(args);
    let (mut session, settings) =
        super::started!(Session::start_with_forge(&cli.output, &cli.forge));
    let merge_token = cli.merge_token.clone().filter(|t| !t.is_empty());
    if let Some(token) = &merge_token {
        session.hide(token);
    }
    let result = run(&cli, &session, &settings, merge_token).map(|report| {
        for step in &report.steps {
            let prefix = if report.dry_run {
                "dry-run, would: "
            } else {
                ""
            };
            session.outcome(&format!("{prefix}{step}"), report.dry_run);
        }
        let mut warnings = report.warnings.clone();
        if github_token_used(&session, &settings, &report) {
            warnings.push(
                "the change was pushed with GITHUB_TOKEN: GitHub starts no workflows for events \
                 it makes, so the pull request's checks will not run — use a GitHub App token \
                 (actions/create-github-app-token) or a personal access token"
                    .into(),
            );
        }
        session.outcome(&headline(&report), report.dry_run);
        to_report(&report, warnings)
    });
    session.finish(result)
}

fn run(
    cli: &Cli,
    session: &Session,
    settings: &ForgeSettings,
    merge_token: Option<String>,
) -> crate::Result<ProposeReport> {
    super::require_api(settings, "propose-change opens pull/merge requests")?;
    let repo = super::repository(cli.repo.as_deref(), session, settings)?;
    let body = match &cli.body_file {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            crate::Error::Usage(format!("cannot read --body-file {}: {e}", path.display()))
        })?,
        None => String::new(),
    };
    let request = ProposeRequest {
        repo,
        checkout: cli.checkout.clone(),
        remote: cli.remote.clone(),
        branch: cli.branch.clone(),
        title: cli.title.clone(),
        body,
        base: cli.base.clone().filter(|b| !b.is_empty()),
        labels: cli.label.clone(),
        commit_message: cli.commit_message.clone().filter(|m| !m.is_empty()),
        paths: cli.path.clone(),
        auto_merge: cli.auto_merge,
        auto_merge_wait: cli.auto_merge_wait.into(),
        auto_merge_first_pause: Duration::from_millis(500),
        stale_after: cli.stale_after.map(Into::into),
        dry_run: cli.dry_run,
        platform: settings.platform,
        token_kind: settings.token_kind,
        credentials: settings.git_credentials(),
    };
    let merge_settings = merge_token.map(|token| ForgeSettings {
        token: Some(Secret::new(token)),
        token_kind: crate::ci::context::TokenKind::Bearer,
        ..settings.clone()
    });
    crate::forge::runtime()
        .block_on(async {
            let main = crate::forge::connect(settings).await?;
            let merge = match &merge_settings {
                Some(s) => Some(crate::forge::connect(s).await?),
                None => None,
            };
            let forges = Forges {
                main: main.as_ref(),
                merge: merge.as_deref(),
            };
            propose_change(&request, forges).await
        })
        .context("proposing the change")
}

/// Whether the push was made with the workflow's own GITHUB_TOKEN.
fn github_token_used(session: &Session, settings: &ForgeSettings, report: &ProposeReport) -> bool {
    settings.platform == Platform::GitHub
        && !report.dry_run
        && report.commit.is_some()
        && session.ctx.in_github_actions()
        && matches!((&settings.token, &session.ctx.github.token),
            (Some(used), Some(github)) if used.expose() == github)
}

fn headline(report: &ProposeReport) -> String {
    let what = match &report.change {
        Some(c) => format!("{} (#{})", c.url, c.number),
        None => format!("a change request from `{}`", report.branch),
    };
    let done = match (report.action, report.dry_run) {
        (ProposeAction::Unchanged, _) => format!(
            "unchanged: {}",
            report
                .unchanged_because
                .as_deref()
                .unwrap_or("the change request is up to date")
        ),
        (action, true) => format!("dry run: would have {} {what}", action.as_str()),
        (action, false) => format!("{} {what}", action.as_str()),
    };
    let merge = match &report.auto_merge {
        Some(AutoMergeOutcome::AlreadySet) => "; auto-merge already set".to_string(),
        Some(AutoMergeOutcome::Enabled { attempts: 1 }) => "; auto-merge set".to_string(),
        Some(AutoMergeOutcome::Enabled { attempts }) => {
            format!("; auto-merge set (after {attempts} tries)")
        }
        None => String::new(),
    };
    format!("{done}{merge}")
}

fn to_report(report: &ProposeReport, warnings: Vec<String>) -> Report {
    let change = report.change.as_ref();
    let mut outputs = crate::ci::Outputs::new();
    outputs
        .set("url", change.map_or("", |c| c.url.as_str()))
        .set(
            "number",
            change.map_or(String::new(), |c| c.number.to_string()),
        )
        .set("action", report.action.as_str())
        .set("branch", report.branch.as_str())
        .set("commit", report.commit.as_deref().unwrap_or(""));
    Report {
        outputs,
        summary: Some(summary_markdown(report)),
        warnings,
        failure: report.failure.clone(),
    }
}

fn summary_markdown(report: &ProposeReport) -> String {
    let mut text = format!(
        "### propose-change: {}\n\n",
        summary::escape_inline(&headline(report))
    );
    if !report.files.is_empty() {
        text.push_str("Files:\n\n");
        for file in &report.files {
            text.push_str(&format!("- {}\n", summary::code(file)));
        }
        text.push('\n');
    }
    if !report.steps.is_empty() {
        text.push_str(if report.dry_run {
            "Planned (dry run):\n\n"
        } else {
            "Done:\n\n"
        });
        for step in &report.steps {
            text.push_str(&format!("- {}\n", summary::escape_inline(step)));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
