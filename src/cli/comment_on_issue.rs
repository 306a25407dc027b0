//! comment-on-issue: one comment on an issue, updated in place on a re-run.

use crate::Context;
use crate::ci::{ForgeArgs, OutputArgs, Report, Session};
use crate::comment::{CommentReport, CommentRequest, comment_on_issue};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Comment on an issue (a release's tracking issue), once.
///
/// With --marker, a re-run finds the comment it made and updates it instead of adding
/// another.
#[derive(Parser, Debug)]
#[command(name = "comment-on-issue", version, max_term_width = 100)]
struct Cli {
    /// Repository: owner/name, or the GitLab project path [default: GITHUB_REPOSITORY or CI_PROJECT_PATH]
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,
    /// Issue number (GitLab: the issue's IID)
    #[arg(long, value_name = "N")]
    issue: u64,
    /// The comment, as Markdown text
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "body_file",
        required_unless_present = "body_file"
    )]
    body: Option<String>,
    /// The comment, from a Markdown file
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// Names the comment (an invisible HTML comment in it) so a re-run updates it
    #[arg(long, value_name = "KEY")]
    marker: Option<String>,
    /// Print what would be done; write nothing
    #[arg(long)]
    dry_run: bool,
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
    let (session, settings) = super::started!(Session::start_with_forge(&cli.output, &cli.forge));
    let result = (|| {
        super::require_api(&settings, "comment-on-issue writes")?;
        let repo = super::repository(cli.repo.as_deref(), &session, &settings)?;
        let body = match (&cli.body, &cli.body_file) {
            (_, Some(path)) => std::fs::read_to_string(path).map_err(|e| {
                crate::Error::Usage(format!("cannot read --body-file {}: {e}", path.display()))
            })?,
            (Some(text), None) => text.clone(),
            (None, None) => String::new(),
        };
        let request = CommentRequest {
            repo,
            issue: cli.issue,
            body,
            marker: cli.marker.clone().filter(|m| !m.is_empty()),
            dry_run: cli.dry_run,
            platform: settings.platform,
            token_kind: settings.token_kind,
        };
        crate::forge::runtime()
            .block_on(async {
                let forge = crate::forge::connect(&settings).await?;
                comment_on_issue(&request, forge.as_ref()).await
            })
            .context("commenting on the issue")
    })()
    .map(|report| {
        session.outcome(&describe(&report), report.dry_run);
        to_report(&report)
    });
    session.finish(result)
}

fn describe(report: &CommentReport) -> String {
    let url = report
        .comment
        .as_ref()
        .and_then(|c| c.url.as_deref())
        .unwrap_or("");
    match (report.dry_run, report.action.as_str()) {
        (_, "unchanged") => format!(
            "unchanged: the comment on #{} already says this {url}",
            report.issue
        ),
        (true, action) => format!(
            "dry run: would have {action} a comment on #{}",
            report.issue
        ),
        (false, action) => format!("{action} a comment on #{}: {url}", report.issue),
    }
}

fn to_report(report: &CommentReport) -> Report {
    let comment = report.comment.as_ref();
    let mut outputs = crate::ci::Outputs::new();
    outputs
        .set("url", comment.and_then(|c| c.url.as_deref()).unwrap_or(""))
        .set("id", comment.map_or(String::new(), |c| c.id.to_string()))
        .set("action", report.action.as_str());
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
