//! publish-release: publish a release with its files (and their checksums), all or
//! nothing.

use crate::Context;
use crate::ci::{ForgeArgs, OutputArgs, Outputs, Report, Session, summary};
use crate::forge::MakeLatest;
use crate::publish::{
    Checksums, Prerelease, PublishReport, PublishRequest, ReleaseAction, publish_release,
};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Publish the release of a tag with its files.
///
/// The release is created as a draft (GitHub), every file uploaded with its checksum, then
/// published; a failure deletes the draft. A re-run for a published release updates its
/// notes and uploads only the files it lacks; a file of the same name with other content
/// is an error. A re-run that would change nothing (a retried job) writes nothing and
/// reports the release unchanged. On GitLab the files go to the generic package registry
/// and the release links them (permalinks /-/releases/permalink/latest/downloads/NAME
/// work). With --from-ci-run the files are the artifacts of the CI run that built and
/// tested the tagged commit.
#[derive(Parser, Debug)]
#[command(name = "publish-release", version, max_term_width = 100)]
struct Cli {
    /// Tag to publish the release of [default: GITHUB_REF_NAME when GITHUB_REF_TYPE=tag, else CI_COMMIT_TAG]
    #[arg(long)]
    tag: Option<String>,
    /// Repository on the forge [default: GITHUB_REPOSITORY or CI_PROJECT_PATH]
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,
    /// Release notes (Markdown); a re-run replaces the notes with it
    #[arg(long, value_name = "FILE")]
    notes_file: Option<PathBuf>,
    /// Release title [default: the tag, or the existing release's title]
    #[arg(long)]
    name: Option<String>,
    /// A file or glob to attach (repeatable); with --from-ci-run, picks files of the artifacts
    #[arg(long, value_name = "PATH_OR_GLOB")]
    asset: Vec<String>,
    /// Ship the artifacts of the CI run that built the tagged commit (promotion)
    #[arg(long)]
    from_ci_run: bool,
    /// With --from-ci-run: the GitHub workflow (file name such as ci.yml, or its name) or GitLab job whose artifacts to ship [default: every one]
    #[arg(long, value_name = "NAME")]
    ci_workflow: Option<String>,
    /// Also attach a checksums file of the assets (sha256: SHA256SUMS)
    #[arg(long, value_enum, value_name = "KIND")]
    checksums: Option<Checksums>,
    /// Mark the release a pre-release (auto: when the tag's version has a pre-release part)
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    prerelease: Prerelease,
    /// Make it the latest release (GitHub; auto: by date and version)
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    make_latest: MakeLatest,
    /// Print what would be published and change nothing
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
    let request = PublishRequest {
        tag: cli.tag.clone(),
        repo: cli.repo.clone(),
        name: cli.name.clone(),
        notes_file: cli.notes_file.clone(),
        assets: cli.asset.clone(),
        from_ci_run: cli.from_ci_run,
        ci_workflow: cli.ci_workflow.clone(),
        checksums: cli.checksums,
        prerelease: cli.prerelease,
        make_latest: cli.make_latest,
        dry_run: cli.dry_run,
        dir: PathBuf::from("."),
    };
    let result = crate::forge::runtime()
        .block_on(publish_release(&request, &session.ctx, &settings))
        .context("publishing the release")
        .map(|report| {
            for line in progress(&report) {
                session.outcome(&line, report.dry_run);
            }
            let mut warnings = Vec::new();
            if report.platform == crate::ci::Platform::GitLab
                && (cli.prerelease != Prerelease::Auto || cli.make_latest != MakeLatest::Auto)
            {
                warnings.push(
                    "GitLab releases have no pre-release or latest flag: --prerelease and \
                     --make-latest change nothing there (the newest released_at is the latest)"
                        .to_string(),
                );
            }
            Report {
                outputs: outputs(&report),
                summary: Some(summary_markdown(&report)),
                warnings,
                failure: None,
            }
        });
    session.finish(result)
}

fn headline(report: &PublishReport) -> String {
    let kind = if report.prerelease {
        "pre-release"
    } else {
        "release"
    };
    let (tag, repo) = (&report.tag, &report.repo);
    match (report.dry_run, report.action) {
        (true, ReleaseAction::Created) => {
            format!("dry run: would publish the new {kind} {tag} of {repo}")
        }
        (true, ReleaseAction::Updated) => {
            format!("dry run: would update the {kind} {tag} of {repo}")
        }
        (true, ReleaseAction::Unchanged) => {
            format!("dry run: would leave the {kind} {tag} of {repo} unchanged")
        }
        (false, ReleaseAction::Created) => format!("published the {kind} {tag} of {repo}"),
        (false, ReleaseAction::Updated) => format!("updated the {kind} {tag} of {repo}"),
        (false, ReleaseAction::Unchanged) => {
            format!("left the {kind} {tag} of {repo} unchanged")
        }
    }
}

fn progress(report: &PublishReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .runs
        .iter()
        .map(|run| format!("artifacts of {run}"))
        .collect();
    for asset in &report.assets {
        lines.push(format!(
            "  {:<12} {} ({} bytes, sha256 {}) from {}",
            asset.status.as_str(),
            asset.name,
            asset.size,
            asset.sha256,
            asset.source
        ));
    }
    let url = report.url();
    lines.push(if url.is_empty() {
        headline(report)
    } else {
        format!("{}: {url}", headline(report))
    });
    lines
}

fn outputs(report: &PublishReport) -> Outputs {
    let mut outputs = Outputs::new();
    outputs
        .set("url", report.url())
        .set("id", report.id())
        .set("action", report.action.as_str())
        .set(
            "assets",
            serde_json::to_value(&report.assets).unwrap_or_default(),
        );
    outputs
}

fn summary_markdown(report: &PublishReport) -> String {
    let rows: Vec<Vec<String>> = report
        .assets
        .iter()
        .map(|a| {
            vec![
                summary::code(&a.name),
                a.size.to_string(),
                summary::code(&a.sha256),
                summary::escape_inline(a.status.as_str()),
            ]
        })
        .collect();
    let url = report.url();
    let link = if url.is_empty() {
        String::new()
    } else {
        format!(" — {}", summary::escape_inline(url))
    };
    let mut out = format!(
        "### {}{link}\n\n",
        summary::escape_inline(&headline(report))
    );
    if !report.runs.is_empty() {
        out.push_str(&format!(
            "Artifacts of {}.\n\n",
            summary::escape_inline(&report.runs.join(", "))
        ));
    }
    if !rows.is_empty() {
        out.push_str(&summary::table(
            &["asset", "bytes", "sha256", "status"],
            &rows,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
