//! comment-fixed-issues: "fixed in `<repo> <version>`" once on every issue a release
//! closes.

use crate::Context;
use crate::changelog::links::{LinkStyle, Links};
use crate::ci::{ForgeArgs, OutputArgs, Report, Session};
use crate::fixed_issues::{
    FixedIssuesReport, FixedIssuesRequest, IssueAction, comment_fixed_issues, range,
};
use crate::git::Git;
use crate::metadata::{ReadRequest, read::read_tag_metadata};
use clap::Parser;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The comment when neither --message nor the configuration gives one.
const DEFAULT_MESSAGE: &str = "This issue was fixed in [{repo} {version}]({url}).";

/// Comment once on every issue a release closes.
///
/// The issues are those the closing keywords of the commits between the previous release
/// and this tag name, those their merged pull or merge requests close, and the trailers of
/// configured trackers (`Closes-Bug: N`). A re-run finds its comments and writes nothing
/// twice.
#[derive(Parser, Debug)]
#[command(name = "comment-fixed-issues", version, max_term_width = 100)]
struct Cli {
    /// The release's tag [default: GITHUB_REF_NAME when GITHUB_REF_TYPE=tag, else CI_COMMIT_TAG]
    #[arg(long)]
    tag: Option<String>,
    /// Where the range starts [default: the tag's diff-start, else the newest tag before it]
    #[arg(long, value_name = "TAG")]
    previous: Option<String>,
    /// Repository folder (the range's commits are read from it)
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Remote to fetch the tags from when the clone lacks them
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    /// The released repository on the forge [default: GITHUB_REPOSITORY or CI_PROJECT_PATH]
    #[arg(long, value_name = "OWNER/NAME")]
    project: Option<String>,
    /// The comment (Markdown), with {repo}, {project}, {version}, {tag} and {url}
    /// [default: "This issue was fixed in [{repo} {version}]({url})."]
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,
    /// A label to add to each issue (e.g. released)
    #[arg(long, value_name = "NAME")]
    label: Option<String>,
    /// The page the comment links to
    #[arg(long, value_enum, default_value = "release", value_name = "PAGE")]
    link: LinkPage,
    /// Read only the commit messages; do not ask the forge which issues the merged
    /// pull/merge requests close
    #[arg(long)]
    no_merged_changes: bool,
    /// Seconds between two writes (GitHub asks bulk writers for at least one)
    #[arg(long, value_name = "SECONDS", default_value = "1")]
    write_interval: f64,
    /// Configuration file [default: relay.toml in the repository folder, when present]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// List the issues it would comment on and label; write nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    forge: ForgeArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum LinkPage {
    Release,
    Tag,
}

/// The tool's command line, for its completions and man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

pub fn main(args: Vec<std::ffi::OsString>) -> ExitCode {
    let cli: Cli = super::parse(args);
    let (session, settings) = super::started!(Session::start_with_forge(&cli.output, &cli.forge));
    let result = run(&cli, &session, &settings).map(|report| {
        if report.dry_run {
            session.print_product(&dry_run_text(&report));
        }
        session.progress(&describe(&report));
        to_report(&report)
    });
    session.finish(result)
}

fn run(
    cli: &Cli,
    session: &Session,
    settings: &crate::forge::ForgeSettings,
) -> crate::Result<FixedIssuesReport> {
    super::require_api(settings, "comment-fixed-issues writes")?;
    if !cli.write_interval.is_finite() || !(0.0..=3600.0).contains(&cli.write_interval) {
        return Err(crate::Error::Usage(format!(
            "--write-interval {} must be a number of seconds from 0 to 3600",
            cli.write_interval
        )));
    }
    let project = super::repository(cli.project.as_deref(), session, settings)?;
    let (config, source) = crate::config::load_with_source(cli.config.as_deref(), &cli.repo)
        .context("reading the configuration")?;
    let section = config.fixed_issues.unwrap_or_default();
    let trackers = section
        .trackers(source.as_ref())
        .context("reading the configuration")?;

    let tag = crate::forge::runtime()
        .block_on(read_tag_metadata(
            &ReadRequest {
                tag: cli.tag.clone(),
                repo_dir: cli.repo.clone(),
                remote: cli.remote.clone(),
                require: Vec::new(),
                allow_lightweight: true,
            },
            &session.ctx,
            settings,
        ))
        .context("reading the release's tag")?;
    let version = tag
        .metadata
        .get("version")
        .unwrap_or_else(|| tag.tag.clone());
    let git = Git::new(&cli.repo);
    git.require_repository()
        .context("reading the release's commits")?;
    let asked = cli
        .previous
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| tag.metadata.get("diff-start"));
    let previous = range::previous_release(&git, &tag.commit, asked.as_deref(), &cli.remote)
        .context("reading the release's commits")?;
    let commits = range::commits(&git, previous.as_deref(), &tag.commit)
        .context("reading the release's commits")?;

    let links = Links::new(
        LinkStyle::of(settings.platform, &settings.server_url),
        &settings.server_url,
    );
    let link = match cli.link {
        LinkPage::Release => links.release(&project, &tag.tag),
        LinkPage::Tag => links.tag(&project, &tag.tag),
    };
    let request = FixedIssuesRequest {
        repo: project,
        tag: tag.tag.clone(),
        version,
        previous,
        commits,
        platform: settings.platform,
        token_kind: settings.token_kind,
        server_url: settings.server_url.clone(),
        message: cli
            .message
            .clone()
            .filter(|m| !m.is_empty())
            .or(section.message)
            .unwrap_or_else(|| DEFAULT_MESSAGE.into()),
        link,
        label: cli
            .label
            .clone()
            .filter(|l| !l.is_empty())
            .or(section.label),
        trackers,
        merged_changes: !cli.no_merged_changes,
        write_interval: Duration::from_secs_f64(cli.write_interval),
        dry_run: cli.dry_run,
    };
    crate::fixed_issues::validate(&request).context("commenting on the fixed issues")?;
    crate::forge::runtime()
        .block_on(async {
            let forge = crate::forge::connect(settings).await?;
            comment_fixed_issues(&request, forge.as_ref()).await
        })
        .context("commenting on the fixed issues")
}

fn range_text(report: &FixedIssuesReport) -> String {
    match &report.previous {
        Some(previous) => format!("{previous}..{}", report.tag),
        None => format!("the whole history of {}", report.tag),
    }
}

/// The plan of a dry run, one line per issue.
fn dry_run_text(report: &FixedIssuesReport) -> String {
    let mut lines = vec![format!(
        "{} commit(s) in {}; {} issue(s) closed",
        report.commits,
        range_text(report),
        report.issues.len()
    )];
    for outcome in &report.issues {
        let label = if outcome.labelled {
            ", add the label"
        } else {
            ""
        };
        let what = match &outcome.action {
            IssueAction::Commented => format!("would comment{label}"),
            IssueAction::AlreadyDone => format!("already commented{label}"),
            IssueAction::Skipped(reason) => format!("skip: {reason}"),
            IssueAction::Failed(error) => format!("cannot tell: {error}"),
        };
        lines.push(format!(
            "{}: {what} (closed by {})",
            outcome.issue,
            outcome.found_by.join(", ")
        ));
    }
    for issue in &report.external {
        lines.push(format!(
            "{} {}: {} (not commented: no API)",
            issue.trailer, issue.id, issue.url
        ));
    }
    lines.join("\n") + "\n"
}

fn describe(report: &FixedIssuesReport) -> String {
    let count = |action: &str| report.with_action(action).count();
    format!(
        "{}{} issue(s) closed in {}: {} commented, {} already done, {} skipped, {} failed",
        if report.dry_run { "dry run: " } else { "" },
        report.issues.len(),
        range_text(report),
        count("commented"),
        count("already-done"),
        count("skipped"),
        count("failed")
    )
}

fn to_report(report: &FixedIssuesReport) -> Report {
    let names = |action: &str| {
        json!(
            report
                .with_action(action)
                .map(|o| o.issue.to_string())
                .collect::<Vec<_>>()
        )
    };
    let issues: Vec<serde_json::Value> = report
        .issues
        .iter()
        .map(|o| {
            let mut entry = json!({
                "issue": o.issue.to_string(),
                "url": o.url.clone().unwrap_or_default(),
                "action": o.action.as_str(),
                "labelled": o.labelled,
                "found-by": o.found_by,
                "comment-url": o.comment_url.clone().unwrap_or_default(),
            });
            if let IssueAction::Skipped(reason) | IssueAction::Failed(reason) = &o.action {
                entry["reason"] = json!(reason);
            }
            entry
        })
        .collect();
    let mut outputs = crate::ci::Outputs::new();
    outputs
        .set("commented", names("commented"))
        .set("already-done", names("already-done"))
        .set("skipped", names("skipped"))
        .set("failed", names("failed"))
        .set("issues", json!(issues))
        .set("external", json!(report.external))
        .set("previous", report.previous.clone().unwrap_or_default());
    let failed: Vec<String> = report
        .with_action("failed")
        .map(|o| match &o.action {
            IssueAction::Failed(error) => format!("{}: {error}", o.issue),
            _ => String::new(),
        })
        .collect();
    Report {
        outputs,
        summary: None,
        warnings: Vec::new(),
        failure: (!failed.is_empty()).then(|| {
            format!(
                "{} issue(s) not commented: {}",
                failed.len(),
                failed.join("; ")
            )
        }),
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
