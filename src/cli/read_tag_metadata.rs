//! read-tag-metadata: the release metadata of the tag a pipeline runs for.

use crate::Context;
use crate::ci::{ForgeArgs, OutputArgs, Report, Session, summary};
use crate::metadata::{ReadRequest, read::read_tag_metadata};
use clap::Parser;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

/// Read the release metadata of an annotated tag and hand it to the pipeline as outputs.
///
/// The metadata is the tag message's meta: lines and git trailers. The tag is looked for
/// in the local repository, then re-fetched from the remote (actions/checkout leaves a
/// lightweight tag in place of an annotated one), then GitLab's CI_COMMIT_TAG_MESSAGE,
/// then the forge API when a token is available.
#[derive(Parser, Debug)]
#[command(name = "read-tag-metadata", version, max_term_width = 100)]
struct Cli {
    /// Tag to read [default: GITHUB_REF_NAME when GITHUB_REF_TYPE=tag, else CI_COMMIT_TAG]
    #[arg(long)]
    tag: Option<String>,
    /// Repository folder
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Remote to re-fetch the tag from when the local one is missing or lightweight
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    /// Metadata keys that must be present (comma-separated); exit 1 naming the missing
    #[arg(long, value_name = "KEY,...", value_delimiter = ',')]
    require: Vec<String>,
    /// Accept a lightweight tag (no metadata) instead of failing
    #[arg(long)]
    allow_lightweight: bool,
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

pub fn main(args: Vec<OsString>) -> ExitCode {
    let cli: Cli = super::parse(args);
    let (session, settings) = super::started!(Session::start_with_forge(&cli.output, &cli.forge));
    let request = ReadRequest {
        tag: cli.tag.clone(),
        repo_dir: cli.repo.clone(),
        remote: cli.remote.clone(),
        require: cli.require.clone(),
        allow_lightweight: cli.allow_lightweight,
    };
    let result = crate::forge::runtime()
        .block_on(read_tag_metadata(&request, &session.ctx, &settings))
        .context("reading tag metadata")
        .map(|report| {
            for place in &report.searched {
                session.progress(&format!("searched {place}"));
            }
            session.progress(&format!(
                "{} → {} from {}: {} metadata keys",
                report.tag,
                &report.commit,
                report.source.describe(),
                report.metadata.keys().len()
            ));
            let (outputs, warnings) = report.outputs();
            Report {
                outputs,
                summary: Some(summary_markdown(&report)),
                warnings,
                failure: None,
            }
        });
    session.finish(result)
}

fn summary_markdown(report: &crate::metadata::TagMetadataReport) -> String {
    let rows: Vec<Vec<String>> = report
        .metadata
        .keys()
        .into_iter()
        .map(|k| {
            vec![
                summary::code(k),
                summary::escape_inline(&report.metadata.get(k).unwrap_or_default()),
            ]
        })
        .collect();
    format!(
        "### Tag {} ({})\n\n{}\n",
        summary::code(&report.tag),
        summary::code(&report.commit),
        summary::table(&["key", "value"], &rows)
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
