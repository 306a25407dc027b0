//! bump-versions: write a release's version into the files that carry it, changing
//! only the bytes of each value.

use crate::Context;
use crate::bump::{BumpReport, BumpRequest, Mode, TargetSpec, bump};
use crate::ci::{OutputArgs, Report, Session, plural, summary};
use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "bump-versions",
    version,
    disable_version_flag = true,
    max_term_width = 100,
    about = "Write a version into the files that carry it, changing only the bytes of each value",
    long_about = LONG_ABOUT
)]
struct Cli {
    /// The new version; any non-empty one-line value (a commit id) when no template uses
    /// {major}, {minor}, {patch} or {prerelease}; `auto`: the next version from the
    /// conventional commits since the last version tag
    #[arg(long, value_name = "VERSION")]
    version: String,
    /// The tag prefix, e.g. v: a tag name such as v1.4.0 (github.ref_name) is then read
    /// as the version 1.4.0
    #[arg(long, value_name = "PREFIX", default_value = "")]
    tag_prefix: String,
    #[arg(
        long = "file",
        value_name = "SPEC",
        help = "A target, PATH[:KEY][=TEMPLATE] or PATH:/REGEX/[=TEMPLATE]; repeatable \
                [default: the [[bump.files]] entries of the configuration]"
    )]
    file: Vec<String>,
    /// Configuration file [default: relay.toml when present]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Change nothing; exit 1 listing every file:line whose value differs from VERSION
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,
    /// Change nothing; print a unified diff of what would change
    #[arg(long)]
    dry_run: bool,
    /// Print the tool's version (`--version` is the release's version here)
    #[arg(short = 'V', action = clap::ArgAction::Version)]
    tool_version: Option<bool>,
    #[command(flatten)]
    output: OutputArgs,
}

const LONG_ABOUT: &str = "\
Write a version into the files that carry it, changing only the bytes of each value.

It writes Chart.yaml, values.yaml, package.json, package-lock.json, pyproject.toml, \
Cargo.toml, .env files, plain version files and any file by regex; comments, quoting, key \
order and line endings stay as they are.

SPEC is PATH[:KEY][=TEMPLATE] or PATH:/REGEX/[=TEMPLATE]. PATH may be a glob \
(charts/*/Chart.yaml). KEY is a path such as image.tag, packages.\"\".version or \
dependencies[0].version; without KEY the well-known files have defaults (Chart.yaml and \
package.json: version; package-lock.json: version and packages.\"\".version; pyproject.toml: \
project.version or tool.poetry.version; Cargo.toml: package.version or \
workspace.package.version, and the workspace's own Cargo.lock entries; a file without \
extension: its whole content). TEMPLATE shapes the value: {version} (default), {major}, \
{minor}, {patch}, {prerelease}, e.g. appVersion=v{version}.

Every target is found and every edit checked before any file is written.";

/// The tool's command line, for its completions and man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

pub fn main(args: Vec<std::ffi::OsString>) -> ExitCode {
    let cli: Cli = super::parse(args);
    let session = super::started!(Session::start(&cli.output));
    let result = run(&cli, &session);
    session.finish(result)
}

fn run(cli: &Cli, session: &Session) -> crate::Result<Report> {
    let root = Path::new(".");
    let config =
        crate::config::load(cli.config.as_deref(), root).context("reading the configuration")?;
    let targets = if cli.file.is_empty() {
        match &config.bump {
            Some(section) => section.targets(config.source.as_ref())?,
            None => Vec::new(),
        }
    } else {
        cli.file
            .iter()
            .map(|spec| {
                TargetSpec::parse(spec).map_err(|message| {
                    crate::Error::from(crate::bump::BumpError::Spec {
                        spec: spec.clone(),
                        message,
                        location: None,
                    })
                })
            })
            .collect::<Result<_, _>>()?
    };
    let mode = if cli.check {
        Mode::Check
    } else if cli.dry_run {
        Mode::DryRun
    } else {
        Mode::Write
    };
    let next = if cli.version == crate::changelog::AUTO_VERSION {
        Some(next_version(cli, session, root)?)
    } else {
        None
    };
    let version = match &next {
        Some(next) => next.version.to_string(),
        None => crate::version::strip_tag_prefix(&cli.version, &cli.tag_prefix).to_string(),
    };
    let request = BumpRequest {
        root: root.to_path_buf(),
        version,
        targets,
        mode,
    };
    let report = bump(&request).context("bumping versions")?;
    // One block: a monorepo bump names thousands of values.
    let mut lines = Vec::with_capacity(report.values.len());
    for value in &report.values {
        let change = if value.changes() {
            format!("{} → {}", value.previous, value.new)
        } else {
            format!("{} (unchanged)", value.new)
        };
        let key = if value.key.is_empty() {
            String::new()
        } else {
            format!(" {}", value.key)
        };
        lines.push(format!("{}{key}: {change}", value.location));
    }
    if !lines.is_empty() {
        session.progress(&lines.join("\n"));
    }
    let mut failure = None;
    match mode {
        Mode::Write => {
            let named = files_named(&report);
            session.progress(&format!(
                "wrote {} of {named} {}",
                report.files.len(),
                plural(named, "file")
            ))
        }
        Mode::DryRun => {
            // The diff is the product of a dry run; with --json stdout holds the outputs.
            session.print_product(&report.diff());
            let named = files_named(&report);
            session.progress(&format!(
                "dry run: {} of {named} {} would change; nothing written",
                report.files.len(),
                plural(named, "file")
            ));
        }
        Mode::Check => {
            let differing = report.differing();
            if differing.is_empty() {
                session.progress(&match report.values.len() {
                    1 => "check: the 1 value is as expected".to_string(),
                    n => format!("check: all {n} values are as expected"),
                });
            } else {
                let lines: Vec<String> = differing
                    .iter()
                    .map(|v| {
                        format!(
                            "{}:{}: {} is `{}`, expected `{}`",
                            v.location.file.display(),
                            v.location.line,
                            if v.key.is_empty() {
                                "the content"
                            } else {
                                &v.key
                            },
                            v.previous,
                            v.new
                        )
                    })
                    .collect();
                let (n, total) = (differing.len(), report.values.len());
                failure = Some(format!(
                    "{n} of {total} {} {} from the expected {}:\n  {}",
                    plural(total, "value"),
                    if n == 1 { "differs" } else { "differ" },
                    if n == 1 { "one" } else { "ones" },
                    lines.join("\n  ")
                ));
            }
        }
    }
    let mut outputs = crate::ci::Outputs::new();
    outputs.set("version", serde_json::json!(report.version));
    if let Some(next) = &next {
        outputs
            .set("next-version", next.version.to_string())
            .set("bump", next.bump.as_str());
    }
    outputs.set("changed-files", serde_json::json!(report.changed_files()));
    outputs.set(
        "previous-values",
        serde_json::Value::Object(report.previous_values()),
    );
    Ok(Report {
        outputs,
        summary: Some(summary_markdown(&report)),
        warnings: Vec::new(),
        failure,
    })
}

/// `--version auto`: the next version from the commits of the repository in `root`
/// since its last version tag (`--tag-prefix`, else `v` or none as its tags have it).
fn next_version(
    cli: &Cli,
    session: &Session,
    root: &Path,
) -> crate::Result<crate::changelog::NextVersion> {
    let label = std::fs::canonicalize(root)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| ".".into());
    let mut repo = crate::changelog::local::LocalRepo::open(root, &label, "origin", None)?
        .ok_or_else(|| {
            crate::Error::from(crate::changelog::ChangelogError::AutoWithoutRepository(
                root.to_path_buf(),
            ))
        })?;
    let prefix = (!cli.tag_prefix.is_empty()).then_some(cli.tag_prefix.as_str());
    let mut notes = Vec::new();
    let next = crate::changelog::next::next_version(&mut repo, prefix, &mut notes)
        .context("computing the next version")?;
    for note in &notes {
        session.progress(note);
    }
    session.progress(&next.describe());
    Ok(next)
}

fn files_named(report: &BumpReport) -> usize {
    let mut files: Vec<&str> = report.values.iter().map(|v| v.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    files.len()
}

fn summary_markdown(report: &BumpReport) -> String {
    let title = match report.mode {
        Mode::Write => "Bumped versions to",
        Mode::DryRun => "Version bump (dry run) to",
        Mode::Check => "Version check against",
    };
    let rows: Vec<Vec<String>> = report
        .values
        .iter()
        .map(|v| {
            vec![
                summary::code(&format!(
                    "{}:{}",
                    v.location.file.display(),
                    v.location.line
                )),
                summary::code(&v.key),
                summary::code(&v.previous),
                summary::code(&v.new),
            ]
        })
        .collect();
    format!(
        "### {title} {}\n\n{}\n",
        summary::code(&report.version),
        summary::table(&["file", "key", "previous", "new"], &rows)
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
