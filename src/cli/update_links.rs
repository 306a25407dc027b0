//! update-links: move every "latest" and short link to the new release.

use crate::Context;
use crate::ci::{ForgeArgs, OutputArgs, Report, Session, summary};
use crate::links::{LinkStatus, LinksReport, LoadedLinks, Place, UpdateRequest, update_links};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Move every "latest" and short link of a release to it, wherever the link lives.
///
/// The link set is computed from the `links` section of relay.toml (and a manifest of the
/// release's assets) and upserted in redirect map files, versioned URLs in documents,
/// floating git tags and a link service. A link that already points right is left alone;
/// each is reported as created, updated or unchanged. Everything is planned before
/// anything is written.
#[derive(Parser, Debug)]
// `--version` is the release's version; `-V` prints the tool's.
#[command(
    name = "update-links",
    version,
    disable_version_flag = true,
    max_term_width = 100
)]
struct Cli {
    /// The release's version (1.4.2, 1.22.3-fips)
    #[arg(long, value_name = "VERSION")]
    version: String,
    /// The tag prefix, e.g. v: a tag name such as v1.4.2 (github.ref_name) is then read
    /// as the version 1.4.2
    #[arg(long, value_name = "PREFIX", default_value = "")]
    tag_prefix: String,
    /// Configuration file [default: relay.toml in --repo]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The release's assets: a JSON list of {name, url}, or an assets.json
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Repository folder: map files and documents are relative to it, tags pushed from it
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Move only this floating tag (repeatable); it must be configured as floating
    #[arg(long, value_name = "NAME")]
    tag: Vec<String>,
    /// Print the plan and change nothing
    #[arg(long)]
    dry_run: bool,
    /// Print the tool's version (`--version` is the release's version here)
    #[arg(short = 'V', action = clap::ArgAction::Version)]
    tool_version: Option<bool>,
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
    let loaded = crate::config::load_with_source(cli.config.as_deref(), &cli.repo)
        .map_err(crate::Error::from)
        .and_then(|(config, source)| {
            let default_path = crate::config::default_path(&cli.repo);
            LoadedLinks::from_section(config.links, source, &default_path)
        });
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return session.finish(Err(e).context("updating links")),
    };
    let service_token = match loaded.service_token() {
        Ok(token) => token,
        Err(e) => return session.finish(Err(e).context("updating links")),
    };
    if let Some(token) = &service_token {
        session.hide(token.expose());
    }
    let request = UpdateRequest {
        version: crate::version::strip_tag_prefix(&cli.version, &cli.tag_prefix).to_string(),
        repo_dir: cli.repo.clone(),
        manifest: cli.manifest.clone(),
        tags: cli.tag.clone(),
        dry_run: cli.dry_run,
    };
    let result = crate::forge::runtime()
        .block_on(update_links(
            &request,
            &loaded,
            service_token,
            &session.ctx,
            &settings,
        ))
        .context("updating links")
        .map(|report| {
            let dry_run = report.dry_run;
            if dry_run {
                session.outcome("dry run: nothing is changed; the plan:", true);
            }
            for change in &report.changes {
                // A document's "name" is its URL pattern; the URL as it was says more.
                let from = match change.place {
                    Place::Document => change.previous.as_deref().unwrap_or(&change.name),
                    _ => &change.name,
                };
                session.outcome(
                    &format!(
                        "  {:<9} {:<8} {}  {from} → {}",
                        change.status.as_str(),
                        change.place.as_str(),
                        change.location,
                        change.target
                    ),
                    dry_run,
                );
            }
            session.outcome(
                &format!(
                    "{} {}: {} created, {} updated, {} unchanged",
                    if dry_run {
                        "would update links for"
                    } else {
                        "links for"
                    },
                    report.version,
                    report.count(LinkStatus::Created),
                    report.count(LinkStatus::Updated),
                    report.count(LinkStatus::Unchanged)
                ),
                dry_run,
            );
            Report {
                outputs: report.outputs(),
                summary: Some(summary_markdown(&report)),
                warnings: report.warnings.clone(),
                failure: report.failure.clone(),
            }
        });
    session.finish(result)
}

fn summary_markdown(report: &LinksReport) -> String {
    let rows: Vec<Vec<String>> = report
        .changes
        .iter()
        .map(|c| {
            vec![
                c.status.as_str().to_string(),
                c.place.as_str().to_string(),
                summary::code(&c.location),
                summary::code(&c.name),
                summary::escape_inline(&c.target),
            ]
        })
        .collect();
    format!(
        "### Links for {}{}\n\n{} created, {} updated, {} unchanged\n\n{}\n",
        summary::code(&report.version),
        if report.dry_run { " (dry run)" } else { "" },
        report.count(LinkStatus::Created),
        report.count(LinkStatus::Updated),
        report.count(LinkStatus::Unchanged),
        summary::table(&["status", "place", "where", "name", "target"], &rows)
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
