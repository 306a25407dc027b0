//! verify-release: check that a release is complete and report every gap at once.

use crate::Context;
use crate::ci::shard::{Shard, ShardArg};
use crate::ci::{ForgeArgs, OutputArgs, Outputs, Report, Session, summary};
use crate::verify::{Check, VerifyReport, VerifyRequest, verify_release};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Check that a release is complete and report every gap at once.
///
/// Every repository must have the tag on the expected commit, the release must exist with
/// its assets, every expected URL must answer 200 (redirects followed), every version file
/// must say the version. All checks run; exit 1 with a table of everything missing, exit 0
/// only when all hold.
#[derive(Parser, Debug)]
#[command(
    name = "verify-release",
    version,
    disable_version_flag = true,
    max_term_width = 100
)]
struct Cli {
    /// The version released [default: the pipeline's tag without --tag-prefix]
    #[arg(long, value_name = "VERSION")]
    version: Option<String>,
    /// Put before the version to make the tag name, e.g. v
    #[arg(long, value_name = "PREFIX", default_value = "")]
    tag_prefix: String,
    /// Release request file: check every repository it lists for the version, at its hash
    #[arg(long, value_name = "FILE")]
    request: Option<PathBuf>,
    /// A repository to check the tag in (repeatable): owner/name, or a git URL or path; @COMMIT: the tag must be on it
    #[arg(long, value_name = "SPEC")]
    repo: Vec<String>,
    /// Check the tags a tag-from-request run made, each on its commit: its --json outputs or --shard-report files, or a JSON list of {repo, tag, commit} (files or folders of .json files; the version is not needed)
    #[arg(long, value_name = "FILE", num_args = 1..)]
    tags: Vec<PathBuf>,
    /// Each repository must have a published release of the tag
    #[arg(long)]
    expect_release: bool,
    /// An asset each release must show (repeatable; {version}, {major}, {minor}, {patch} filled in)
    #[arg(long, value_name = "NAME")]
    expect_asset: Vec<String>,
    /// A URL that must answer 200 after redirects (repeatable; {version}, ... filled in)
    #[arg(long, value_name = "URL_TEMPLATE")]
    expect_url: Vec<String>,
    /// A version file that must say the version: PATH, PATH:KEY or PATH:KEY=TEMPLATE (repeatable)
    #[arg(long, value_name = "PATH:KEY")]
    expect_file: Vec<String>,
    /// Make only this shard's part of the checks: every Nth subject from the Kth, with 1/N of the token's rate limits; `auto`: GitLab's CI_NODE_INDEX/CI_NODE_TOTAL (a `parallel: N` job)
    #[arg(long, value_name = "K/N")]
    shard: Option<ShardArg>,
    /// Print the tool's version (`--version` is the release's version here)
    #[arg(short = 'V', action = clap::ArgAction::Version)]
    tool_version: Option<bool>,
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
    let shard = match cli
        .shard
        .map_or(Ok(Shard::WHOLE), |asked| asked.resolve(&session.ctx))
    {
        Ok(shard) => shard,
        Err(e) => return session.finish(Err(crate::Error::Usage(e))),
    };
    // Every shard runs at once with the same token: each keeps to its part of it.
    crate::forge::budget::set_share(shard.total);
    let request = VerifyRequest {
        version: cli.version.clone(),
        tag_prefix: cli.tag_prefix.clone(),
        request_file: cli.request.clone(),
        repos: cli.repo.clone(),
        tag_lists: cli.tags.clone(),
        expect_release: cli.expect_release,
        expect_assets: cli.expect_asset.clone(),
        expect_urls: cli.expect_url.clone(),
        expect_files: cli.expect_file.clone(),
        dir: PathBuf::from("."),
        shard,
    };
    let result = crate::forge::runtime()
        .block_on(verify_release(&request, &session.ctx, &settings))
        .context("verifying the release")
        .map(|report| {
            for line in text_table(&report.checks) {
                session.progress(&line);
            }
            let mut outputs = outputs(&report);
            if shard != Shard::WHOLE {
                outputs.set("shard", shard.to_string());
            }
            Report {
                outputs,
                summary: Some(summary_markdown(&report)),
                warnings: Vec::new(),
                failure: failure(&report),
            }
        });
    session.finish(result)
}

fn status(check: &Check) -> &'static str {
    if check.holds { "ok" } else { "MISSING" }
}

/// Every check as an aligned table for stderr, then the tally.
fn text_table(checks: &[Check]) -> Vec<String> {
    let header = ["status", "check", "subject", "expected", "found"];
    let rows: Vec<[String; 5]> = checks
        .iter()
        .map(|c| {
            [
                status(c).to_string(),
                c.kind.as_str().to_string(),
                c.subject.clone(),
                c.expected.clone(),
                c.found.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i == cells.len() - 1 {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text.trim_end().to_string()
    };
    let mut lines = vec![line(header)];
    for row in &rows {
        lines.push(line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
    lines.push(tally(
        checks.len(),
        checks.iter().filter(|c| !c.holds).count(),
    ));
    lines
}

/// `all 8 checks hold`, `the 1 check holds`, `1 of 9 checks does not hold`.
fn tally(total: usize, missing: usize) -> String {
    match (total, missing) {
        (1, 0) => "the 1 check holds".to_string(),
        (total, 0) => format!("all {total} checks hold"),
        (total, 1) => format!("1 of {total} checks does not hold"),
        (total, missing) => format!("{missing} of {total} checks do not hold"),
    }
}

fn failure(report: &VerifyReport) -> Option<String> {
    let missing = report.missing();
    if missing.is_empty() {
        return None;
    }
    let gaps: Vec<String> = missing
        .iter()
        .map(|c| format!("{} {}: {}", c.kind.as_str(), c.subject, c.found))
        .collect();
    Some(format!(
        "{} is incomplete: {}: {}",
        release_name(report),
        tally(report.checks.len(), missing.len()),
        gaps.join("; ")
    ))
}

fn outputs(report: &VerifyReport) -> Outputs {
    let mut outputs = Outputs::new();
    outputs
        .set(
            "missing",
            serde_json::to_value(report.missing()).unwrap_or_default(),
        )
        .set(
            "checks",
            serde_json::to_value(&report.checks).unwrap_or_default(),
        );
    outputs
}

/// `release 1.2.0`, or `the release` when only listed tags were checked.
fn release_name(report: &VerifyReport) -> String {
    match &report.version {
        Some(version) => format!("release {version}"),
        None => "the release".into(),
    }
}

/// The summary's heading: `Release `1.2.0``, or `The release`.
fn release_title(report: &VerifyReport) -> String {
    match &report.version {
        Some(version) => format!("Release {}", summary::code(version)),
        None => "The release".into(),
    }
}

fn summary_markdown(report: &VerifyReport) -> String {
    let row = |c: &&Check| {
        vec![
            summary::escape_inline(c.kind.as_str()),
            summary::code(&c.subject),
            summary::escape_inline(&c.expected),
            summary::escape_inline(&c.found),
        ]
    };
    let missing = report.missing();
    let header = ["check", "subject", "expected", "found"];
    if missing.is_empty() {
        let all: Vec<&Check> = report.checks.iter().collect();
        return format!(
            "### {} is complete: {}\n\n{}",
            release_title(report),
            tally(report.checks.len(), 0),
            summary::table(&header, &all.iter().map(row).collect::<Vec<_>>())
        );
    }
    format!(
        "### {} is incomplete: {}\n\n{}",
        release_title(report),
        tally(report.checks.len(), missing.len()),
        summary::table(&header, &missing.iter().map(row).collect::<Vec<_>>())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::CheckKind;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn the_text_table_aligns_its_columns() {
        let checks = vec![
            Check {
                kind: CheckKind::Tag,
                subject: "acme/api 1.0.0".into(),
                expected: "exists".into(),
                found: "on abc".into(),
                holds: true,
            },
            Check {
                kind: CheckKind::Url,
                subject: "https://x".into(),
                expected: "200".into(),
                found: "404".into(),
                holds: false,
            },
        ];
        assert_eq!(
            text_table(&checks),
            [
                "status   check  subject         expected  found",
                "ok       tag    acme/api 1.0.0  exists    on abc",
                "MISSING  url    https://x       200       404",
                "1 of 2 checks does not hold",
            ]
        );
    }
}
