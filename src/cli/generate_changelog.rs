//! generate-changelog: one changelog section for a release across many repositories.

use crate::Context;
use crate::changelog::{ArtifactSpec, ChangelogRepo, ChangelogRequest, prepare};
use crate::ci::{ForgeArgs, OutputArgs, Report, Session};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write one changelog section for a release.
///
/// The section holds a compare link for every repository, its commits grouped by
/// conventional-commit type, and artifact links. The previous version is --previous, else
/// the newest version heading of the changelog below this version, else the highest
/// earlier version tag of the local repository. The section goes after the changelog's
/// header, before the newest section; re-running for the same version replaces its
/// section. A shallow clone is deepened from its remote when the range needs it.
#[derive(Parser, Debug)]
#[command(
    name = "generate-changelog",
    version,
    disable_version_flag = true,
    max_term_width = 100
)]
struct Cli {
    /// The version released, e.g. 1.2.0 (a tag name such as v1.2.0 with --tag-prefix v);
    /// `auto`: the next version from the conventional commits since the last version tag
    #[arg(long, value_name = "VERSION")]
    version: String,
    /// The version to compare with [default: from the changelog, else the tags]
    #[arg(long, value_name = "PREFIX")]
    previous: Option<String>,
    /// The changelog file to update (created with a header when missing)
    #[arg(long, value_name = "FILE", default_value = "CHANGELOG.md")]
    changelog: PathBuf,
    /// A repository of the release: owner/name, or owner/name=LOCAL_PATH for a clone
    /// to read commits from (one per line as an input)
    #[arg(long = "repo", value_name = "SPEC")]
    repos: Vec<String>,
    /// A release request file: its repositories for this version join the --repo ones
    #[arg(long, value_name = "FILE")]
    request: Option<PathBuf>,
    /// An artifact link: "NAME=URL_TEMPLATE" with {version}, {major}, {minor},
    /// {patch}, {prerelease}; append " stable-only" to leave it out of pre-releases
    #[arg(long = "artifact", value_name = "NAME=URL_TEMPLATE")]
    artifacts: Vec<String>,
    /// A minijinja template that replaces the built-in Keep a Changelog section
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// Also write the section alone to this file (a release body)
    #[arg(long, value_name = "FILE")]
    notes_file: Option<PathBuf>,
    /// Print the JSON context the template sees, and write nothing
    #[arg(long, conflicts_with = "json")]
    context: bool,
    /// Print what would be written, and write nothing
    #[arg(long)]
    dry_run: bool,
    /// Tag prefix of every repository (e.g. v) [default: detected per clone]
    #[arg(long, value_name = "PREFIX")]
    tag_prefix: Option<String>,
    /// Remote a shallow clone is deepened from
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    /// Date of the section, YYYY-MM-DD [default: the tag's date, else today]
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
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
    let result = run(&cli, &session, &settings);
    session.finish(result)
}

fn run(
    cli: &Cli,
    session: &Session,
    settings: &crate::forge::ForgeSettings,
) -> crate::Result<Report> {
    let request = ChangelogRequest {
        version: cli.version.clone(),
        previous: cli.previous.clone(),
        changelog: cli.changelog.clone(),
        repos: cli
            .repos
            .iter()
            .map(|s| ChangelogRepo::parse(s))
            .collect::<Result<_, _>>()?,
        request_file: cli.request.clone(),
        artifacts: cli
            .artifacts
            .iter()
            .map(|s| ArtifactSpec::parse(s))
            .collect::<Result<_, _>>()?,
        template: cli.template.clone(),
        notes_file: cli.notes_file.clone(),
        tag_prefix: cli.tag_prefix.clone(),
        remote: cli.remote.clone(),
        date: cli.date.clone(),
        workdir: PathBuf::from("."),
        server_url_given: cli
            .forge
            .server_url
            .as_deref()
            .is_some_and(|u| !u.is_empty())
            || session.ctx.server_url_is_set(settings.platform),
    };
    let plan = crate::forge::runtime()
        .block_on(prepare(&request, &session.ctx, settings))
        .with_context(|| format!("generating the changelog of {}", cli.version))?;
    for line in &plan.progress {
        session.progress(line);
    }
    if cli.context {
        session.print_json(&serde_json::to_value(&plan.context)?)?;
        return Ok(Report {
            warnings: plan.warnings.clone(),
            ..Report::default()
        });
    }
    let counts: Vec<String> = plan
        .context
        .repositories
        .iter()
        .map(|r| format!("{} {}", r.name, r.commit_count))
        .collect();
    let from = plan
        .context
        .previous_version
        .as_deref()
        .map_or("the first commit".to_string(), |p| {
            format!("{p} ({})", plan.context.previous_source)
        });
    let count = plan.context.commit_count;
    session.progress(&format!(
        "{} since {from}: {count} commit{} ({})",
        plan.context.version,
        if count == 1 { "" } else { "s" },
        counts.join(", ")
    ));
    if cli.dry_run {
        session.print_product(&format!(
            "dry run: {}: {}{}; the section:\n{}\n",
            plan.changelog.display(),
            plan.action.describe_planned(),
            plan.notes_file
                .as_ref()
                .map(|p| format!("; {} would hold the section", p.display()))
                .unwrap_or_default(),
            plan.section
        ));
    } else {
        plan.apply()
            .with_context(|| format!("writing {}", plan.changelog.display()))?;
        session.progress(&format!(
            "{}: {}",
            plan.changelog.display(),
            plan.action.describe()
        ));
        if let Some(notes) = &plan.notes_file {
            session.progress(&format!("{}: the section alone", notes.display()));
        }
    }
    Ok(Report {
        outputs: plan.outputs(),
        summary: Some(plan.section.clone()),
        warnings: plan.warnings.clone(),
        failure: None,
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
