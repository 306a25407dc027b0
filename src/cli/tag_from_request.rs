//! tag-from-request: tag every repository of a release request, with the request's
//! metadata in each annotated tag.

use crate::ci::{ForgeArgs, OutputArgs, Report, Session, summary};
use crate::tagging::{TagOutcome, TagReport, TagRequest, TagStatus, tag_from_request};
use anyhow::Context;
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Tag every repository a release request lists at its commit, with the request's
/// metadata in the annotated tag (read back by read-tag-metadata).
///
/// Every request file is validated first. Before any write, every remote is checked:
/// the commit exists, and the tag is absent or already on that commit. A problem
/// anywhere stops the run with nothing tagged, unless --keep-going. An existing tag is
/// never moved or deleted; one on the right commit is reported `exists`, so a re-run
/// completes a partial release.
#[derive(Parser, Debug)]
#[command(name = "tag-from-request", version, max_term_width = 100)]
struct Cli {
    /// Release request files, or folders of them (every .yaml/.yml below)
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    request: Vec<PathBuf>,
    /// Take the files changed since REV and in each the entries new since REV [default: the newest entry of each file]
    #[arg(long, value_name = "REV")]
    changed_since: Option<String>,
    /// Take every entry of each file (re-sync of history)
    #[arg(long)]
    all: bool,
    /// Put before the version to make the tag name, e.g. `v` (an entry's `tag` wins)
    #[arg(long, value_name = "P", default_value = "")]
    tag_prefix: String,
    /// URL of an owner/name repo for --forge git; `{repo}` is replaced [default: SERVER/{repo}.git]
    #[arg(long, value_name = "TEMPLATE")]
    remote_url_template: Option<String>,
    /// Sign the tags with your git signing setup (gpg or ssh; --forge git only)
    #[arg(long)]
    sign: bool,
    /// Repositories worked on at once
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Tag what is safe even when the preflight found problems, and report the rest
    #[arg(long)]
    keep_going: bool,
    /// Run the preflight and print the plan; write nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    forge: ForgeArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn main(args: Vec<std::ffi::OsString>) -> ExitCode {
    let cli: Cli = crate::ci::inputs::parse(args);
    let mut session = Session::start(&cli.output);
    let settings = cli.forge.resolve(&session.ctx);
    if let Some(token) = &settings.token {
        session.hide(token.expose());
    }
    let request = TagRequest {
        requests: cli.request.clone(),
        changed_since: cli.changed_since.clone().filter(|r| !r.is_empty()),
        all: cli.all,
        tag_prefix: cli.tag_prefix.clone(),
        sign: cli.sign,
        concurrency: usize::from(cli.concurrency),
        keep_going: cli.keep_going,
        dry_run: cli.dry_run,
        remote_url_template: cli.remote_url_template.clone().filter(|t| !t.is_empty()),
    };
    let redact = session.redactor();
    let done = AtomicUsize::new(0);
    let dry_run = cli.dry_run;
    let progress = Arc::new(move |outcome: &TagOutcome| {
        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
        let mut line = format!("[{n}] {}", progress_line(outcome));
        if dry_run && outcome.status == TagStatus::Planned {
            for message_line in outcome.tag.message.lines() {
                line.push('\n');
                if !message_line.is_empty() {
                    line.push_str(&format!("      {message_line}"));
                }
            }
        }
        // A closed stderr (piped into `head`) must not stop the tagging half-way.
        let _ = writeln!(std::io::stderr(), "{}", redact(&line));
    });
    let result = crate::tagging::runtime()
        .block_on(tag_from_request(&request, &settings, progress))
        .context("tagging from the release request")
        .map(|report| {
            session.progress(&format!(
                "{} tag{} from {} request file{}: {} created, {} existing, {} not tagged{}",
                report.outcomes.len(),
                plural(report.outcomes.len()),
                report.files.len(),
                plural(report.files.len()),
                report.count(TagStatus::Created),
                report.count(TagStatus::Exists),
                report.not_tagged().len(),
                if report.dry_run {
                    format!(
                        ", {} planned (dry run: nothing written)",
                        report.count(TagStatus::Planned)
                    )
                } else {
                    String::new()
                }
            ));
            to_report(&report)
        });
    session.finish(result)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn progress_line(outcome: &TagOutcome) -> String {
    let t = &outcome.tag;
    let short = &t.commit[..t.commit.len().min(12)];
    let status = match outcome.status {
        TagStatus::Planned => "planned (not written)".to_string(),
        other => other.to_string(),
    };
    let detail = outcome
        .detail
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default();
    format!("{} {} → {short}: {status}{detail}", t.repo, t.tag)
}

fn to_report(report: &TagReport) -> Report {
    let tags: Vec<serde_json::Value> = report
        .outcomes
        .iter()
        .map(|o| {
            serde_json::json!({
                "repo": o.tag.repo,
                "tag": o.tag.tag,
                "commit": o.tag.commit,
                "status": o.status,
            })
        })
        .collect();
    let mut outputs = crate::ci::Outputs::new();
    outputs
        .set("tags", serde_json::Value::Array(tags))
        .set("created", report.count(TagStatus::Created))
        .set("existing", report.count(TagStatus::Exists))
        .set("failed", report.not_tagged().len())
        .set("planned", report.count(TagStatus::Planned));
    Report {
        outputs,
        summary: Some(summary_markdown(report)),
        warnings: Vec::new(),
        failure: report.failure(),
    }
}

fn summary_markdown(report: &TagReport) -> String {
    let rows: Vec<Vec<String>> = report
        .outcomes
        .iter()
        .map(|o| {
            vec![
                summary::escape_inline(&o.tag.repo),
                summary::code(&o.tag.tag),
                summary::code(&o.tag.commit[..o.tag.commit.len().min(12)]),
                o.status.to_string(),
                summary::escape_inline(o.detail.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    let note = if report.dry_run {
        "Dry run: nothing was written.\n\n"
    } else if report.aborted {
        "The preflight found problems: nothing was tagged.\n\n"
    } else {
        ""
    };
    format!(
        "### Tags from the release request\n\n{note}{}\n",
        summary::table(&["repository", "tag", "commit", "status", "detail"], &rows)
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
