//! find-green-commit: the newest commit of a branch whose CI passed.

use crate::Context;
use crate::ci::{ForgeArgs, OutputArgs, Report, Session, summary};
use crate::green::{GreenReport, GreenRequest, find_green_commit};
use clap::Parser;
use std::process::ExitCode;

/// Find the newest commit of a branch whose CI passed.
///
/// CI is GitHub's check runs and commit statuses, or the commit's GitLab pipeline. Looks
/// at the newest --limit commits of --ref, newest first, and stops at the first green one
/// (or at --min-commit). Exit 1 when none is green, listing every commit looked at and
/// why it was rejected (failed, pending, a required job missing).
#[derive(Parser, Debug)]
#[command(name = "find-green-commit", version, max_term_width = 100)]
struct Cli {
    /// Repository to search: owner/name, or the GitLab project path [default: GITHUB_REPOSITORY or CI_PROJECT_PATH]
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,
    /// Branch to search [default: the repository's default branch]
    #[arg(long = "ref", value_name = "BRANCH")]
    reference: Option<String>,
    /// How many of the newest commits to look at
    #[arg(long, value_name = "N", default_value_t = 100)]
    limit: usize,
    /// A job (GitHub check or status, GitLab job) that must have run and passed; a glob
    /// such as `test-*`; repeatable
    #[arg(long, value_name = "GLOB")]
    require_job: Vec<String>,
    /// The oldest commit to consider (e.g. the one already pinned): the search stops there
    #[arg(long, value_name = "SHA")]
    min_commit: Option<String>,
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
        super::require_api(&settings, "find-green-commit reads CI results")?;
        let repo = super::repository(cli.repo.as_deref(), &session, &settings)?;
        let request = GreenRequest {
            repo,
            reference: cli.reference.clone().filter(|r| !r.is_empty()),
            limit: cli.limit,
            require_jobs: cli.require_job.clone(),
            min_commit: cli.min_commit.clone().filter(|m| !m.is_empty()),
        };
        crate::forge::runtime()
            .block_on(async {
                let forge = crate::forge::connect(&settings).await?;
                find_green_commit(&request, forge.as_ref()).await
            })
            .context("finding a green commit")
    })()
    .map(|report| {
        for commit in &report.checked {
            session.progress(&format!(
                "{} {} — {}",
                commit.short(),
                commit.title,
                commit.verdict.reason()
            ));
        }
        to_report(&report)
    });
    session.finish(result)
}

fn to_report(report: &GreenReport) -> Report {
    let green = report.green();
    let mut outputs = crate::ci::Outputs::new();
    outputs
        .set("commit", green.map_or("", |c| c.sha.as_str()))
        .set("short", green.map_or("", |c| c.short()))
        .set(
            "pipeline-url",
            green.and_then(|c| c.ci_url.as_deref()).unwrap_or(""),
        )
        .set("checked", report.checked.len());
    Report {
        outputs,
        summary: Some(summary_markdown(report)),
        warnings: Vec::new(),
        failure: report.failure(),
    }
}

fn summary_markdown(report: &GreenReport) -> String {
    let rows: Vec<Vec<String>> = report
        .checked
        .iter()
        .map(|c| {
            vec![
                summary::code(c.short()),
                summary::escape_inline(&c.title),
                summary::escape_inline(&c.verdict.reason()),
            ]
        })
        .collect();
    let headline = match report.green() {
        Some(c) => format!(
            "### Green commit of {} in {}: {}",
            summary::code(&report.reference),
            summary::escape_inline(&report.repo),
            summary::code(c.short())
        ),
        None => format!(
            "### No green commit of {} in {}",
            summary::code(&report.reference),
            summary::escape_inline(&report.repo)
        ),
    };
    format!(
        "{headline}\n\n{}\n",
        summary::table(&["commit", "title", "CI"], &rows)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
