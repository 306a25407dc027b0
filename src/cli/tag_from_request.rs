//! tag-from-request: tag every repository of a release request, with the request's
//! metadata in each annotated tag, and create the branches it asks for.

use crate::Context;
use crate::ci::shard::{Shard, ShardArg};
use crate::ci::{ForgeArgs, OutputArgs, Report, Session, summary};
use crate::tagging::shard::ShardReport;
use crate::tagging::{Route, TagOutcome, TagPlan, TagReport, TagRequest, TagStatus};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Tag every repository a release request lists, at the commit it names.
///
/// The request's metadata goes into the annotated tag (read back by read-tag-metadata),
/// and the branches its `branches` section asks for are created. Every request file is
/// validated first (--check stops there: every problem of every file, no remote asked).
/// Before any write, every remote is checked: the commit exists, and the tag or branch is
/// absent or already on that commit. A problem anywhere stops the run with nothing
/// written, unless --keep-going. An existing tag or branch is never moved or deleted; one
/// on the right commit is reported `exists`, so a re-run completes a partial release.
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
    #[arg(long, value_name = "PREFIX", default_value = "")]
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
    /// Validate the request files and print the plan; ask no remote, write nothing (exit 2 lists every problem)
    #[arg(long, conflicts_with_all = ["dry_run", "keep_going", "sign", "approvals"])]
    check: bool,
    /// Write who proposed, merged and approved the request into each tag (meta:release:… lines, from the pull or merge request that merged it; --forge github or gitlab)
    #[arg(long)]
    approvals: bool,
    /// The requests repository on the forge, for --approvals [default: the repository the pipeline runs in]
    #[arg(long, value_name = "OWNER/NAME")]
    requests_repo: Option<String>,
    /// With --forge github or gitlab: write the tags through the API, push them over git with the same token, or auto: git when the API's writes would take over a minute within the rate limits
    #[arg(long, value_enum, default_value_t = Route::Api)]
    route: Route,
    /// Split the release over at most N CI jobs: validate the requests like --check and output the `matrix` of shards (a GitHub Actions matrix; at most 256, never more than the repositories)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256), conflicts_with_all = ["dry_run", "keep_going", "sign", "approvals", "shard", "join"])]
    plan_shards: Option<u32>,
    /// Tag only this shard's part of the release: whole repositories, about 1/N of the tags and branches, with 1/N of the token's rate limits; `auto`: GitLab's CI_NODE_INDEX/CI_NODE_TOTAL (a `parallel: N` job)
    #[arg(long, value_name = "K/N", conflicts_with = "join")]
    shard: Option<ShardArg>,
    /// Write this shard's report to FILE, for the job that joins the shards (--join)
    #[arg(long, value_name = "FILE", requires = "shard")]
    shard_report: Option<PathBuf>,
    /// Join the shards' reports (files, or folders of .json files) into the report of the whole release, checked against the request files; write nothing
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["dry_run", "keep_going", "sign", "approvals", "check"])]
    join: Vec<PathBuf>,
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
    let mut session = super::started!(Session::start(&cli.output));
    let settings = cli.forge.resolve(&session.ctx);
    if let Some(token) = &settings.token {
        session.hide(token.expose());
    }
    let mut request = tag_request(&cli, &session, &settings);
    let mode = Mode::of(&cli);
    let shard = match resolve_shard(&cli, &session) {
        Ok(shard) => shard,
        Err(e) => return session.finish(Err(e)),
    };
    let plan = planned(&request, shard, &session).and_then(|plan| {
        if mode == Mode::Tag {
            // Chosen once, with the plan: the note says what the API would cost.
            let limits = crate::tagging::route::limits(&settings)?;
            let choice = crate::tagging::route::choose(&plan, request.route, &settings, &limits);
            if let Some(note) = &choice.note {
                session.outcome(note, request.dry_run);
            }
            request.route = choice.route;
        }
        Ok(plan)
    });
    let pace = Arc::new(Pace::new(plan.as_ref().map_or(0, |p| p.refs.len())));
    // A dry run's plan is its product: on stdout, unless `--json` holds stdout.
    let on_stdout = (request.dry_run || mode != Mode::Tag) && !cli.output.json;
    // On a terminal, a status line below the outcomes says how far the run is; logs
    // get the periodic progress lines instead.
    let live = !on_stdout && live_view();
    let progress = printer(&session, pace.clone(), request.dry_run, on_stdout, live);
    let result = plan
        .and_then(|plan| match &mode {
            Mode::Check | Mode::PlanShards(_) => {
                let report = TagReport::of_checked_plan(&plan);
                report.outcomes.iter().for_each(|o| progress(o));
                Ok(report)
            }
            Mode::Join => crate::tagging::shard::report_files(&cli.join)
                .and_then(|files| crate::tagging::shard::join(&plan, &files))
                .inspect(|report| report.outcomes.iter().for_each(|o| progress(o)))
                .map_err(crate::Error::from),
            Mode::Tag => crate::tagging::runtime()
                .block_on(crate::tagging::run(&plan, &request, &settings, progress))
                .and_then(|report| {
                    if let (Some(path), Some(shard)) = (&cli.shard_report, shard) {
                        ShardReport::of(&report, shard).write(path)?;
                    }
                    Ok(report)
                }),
        })
        .context(mode.doing())
        .inspect(|_| {
            if live {
                let _ = write!(std::io::stderr(), "{CLEAR_LINE}");
            }
        })
        .map(|report| closing(&session, &report, &mode, shard, &pace));
    session.finish(result)
}

/// What the run does: only read the requests (a check, a shard plan, a join of the
/// shards' reports) or tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Check,
    PlanShards(u32),
    Join,
    Tag,
}

impl Mode {
    fn of(cli: &Cli) -> Mode {
        match (cli.plan_shards, cli.join.is_empty()) {
            (Some(asked), _) => Mode::PlanShards(asked),
            (None, false) => Mode::Join,
            (None, true) if cli.check => Mode::Check,
            (None, true) => Mode::Tag,
        }
    }

    /// What the run was doing, for an error's context.
    fn doing(self) -> &'static str {
        match self {
            Mode::Check | Mode::PlanShards(_) => "checking the release requests",
            Mode::Join => "joining the shards' reports",
            Mode::Tag => "tagging from the release request",
        }
    }
}

/// The library's request from the command line and the pipeline.
fn tag_request(cli: &Cli, session: &Session, settings: &crate::forge::ForgeSettings) -> TagRequest {
    TagRequest {
        requests: cli.request.clone(),
        changed_since: cli.changed_since.clone().filter(|r| !r.is_empty()),
        all: cli.all,
        tag_prefix: cli.tag_prefix.clone(),
        sign: cli.sign,
        concurrency: usize::from(cli.concurrency),
        keep_going: cli.keep_going,
        dry_run: cli.dry_run || cli.check,
        remote_url_template: cli.remote_url_template.clone().filter(|t| !t.is_empty()),
        approvals: cli.approvals,
        route: cli.route,
        requests_repo: cli
            .requests_repo
            .clone()
            .filter(|r| !r.is_empty())
            .or_else(|| {
                session
                    .ctx
                    .repository(settings.platform)
                    .map(str::to_string)
            }),
    }
}

/// The shard this run is, if any: `--shard K/N`, or GitLab's `parallel:` variables.
fn resolve_shard(cli: &Cli, session: &Session) -> crate::Result<Option<Shard>> {
    cli.shard
        .map(|asked| asked.resolve(&session.ctx))
        .transpose()
        .map_err(crate::Error::Usage)
}

/// The plan of the requests, or of this shard's part of them.
fn planned(
    request: &TagRequest,
    shard: Option<Shard>,
    session: &Session,
) -> crate::Result<TagPlan> {
    let plan = TagPlan::build(request)?;
    let Some(shard) = shard else {
        return Ok(plan);
    };
    // Every shard runs at once with the same token: each keeps to its part of it.
    crate::forge::budget::set_share(shard.total);
    let part = plan.shard(shard);
    session.progress(&format!(
        "shard {shard}: {} of the release's {} repositories",
        part.repositories().len(),
        plan.repositories().len()
    ));
    Ok(part)
}

/// Prints each outcome as it is known: on stdout when the plan is the product, with a
/// status line below on a terminal, with the periodic progress lines in a log.
fn printer(
    session: &Session,
    pace: Arc<Pace>,
    dry_run: bool,
    on_stdout: bool,
    live: bool,
) -> crate::tagging::Progress {
    let redact = session.redactor();
    let done = AtomicUsize::new(0);
    Arc::new(move |outcome: &TagOutcome| {
        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
        let mut text = format!("[{n}] {}", progress_block(outcome, dry_run));
        if let Some(line) = pace.line(n).filter(|_| !live) {
            text.push('\n');
            text.push_str(&line);
        }
        let block = redact(&text);
        // A closed stream (piped into `head`) must not stop the tagging half-way.
        let _ = if on_stdout {
            writeln!(std::io::stdout(), "{block}")
        } else if live {
            let status = redact(&pace.status(n));
            write!(std::io::stderr().lock(), "{CLEAR_LINE}{block}\n{status}")
        } else {
            writeln!(std::io::stderr(), "{block}")
        };
    })
}

/// The closing lines and the report: what the run made, found and left, the time it
/// took, and the outputs of a shard or a shard plan.
fn closing(
    session: &Session,
    report: &TagReport,
    mode: &Mode,
    shard: Option<Shard>,
    pace: &Pace,
) -> Report {
    let checked = matches!(mode, Mode::Check | Mode::PlanShards(_));
    for skipped in &report.skipped {
        session.outcome(&skipped_line(skipped), report.dry_run);
    }
    session.outcome(&closing_line(report, checked), report.dry_run);
    let took = (*mode == Mode::Tag)
        .then(|| pace.took(report.outcomes.len()))
        .flatten();
    if let Some(took) = &took {
        session.progress(took);
    }
    let mut out = to_report(report, took.as_deref());
    if let Some(shard) = shard {
        out.outputs.set("shard", shard.to_string());
    }
    if !report.routes.is_empty() {
        let routes: Vec<String> = report.routes.iter().map(Route::to_string).collect();
        out.outputs.set("route", routes.join(","));
    }
    if let Mode::PlanShards(asked) = *mode {
        let repositories: std::collections::HashSet<&str> = report
            .outcomes
            .iter()
            .map(|o| o.item.repo.as_str())
            .collect();
        let count = crate::ci::shard::count_for(repositories.len(), asked);
        session.outcome(
            &format!(
                "{count} shard{} (the `matrix` output)",
                plural(count as usize)
            ),
            true,
        );
        out.outputs
            .set("shards", count)
            .set("matrix", crate::ci::shard::matrix(count));
    }
    out
}

/// Back to the line's start, and the line cleared: where the status line was.
const CLEAR_LINE: &str = "\r\x1b[K";

/// Whether stderr is a terminal that can rewrite its last line.
fn live_view() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |term| term != "dumb")
}

/// How far a long run is: every tenth of it (at least every five outcomes, from ten
/// on) a line with the rate, the time left and the time spent waiting for the forge's
/// rate limits, which bound a release of many repositories more than the work does.
struct Pace {
    started: Instant,
    total: usize,
    every: usize,
}

impl Pace {
    fn new(total: usize) -> Pace {
        Pace {
            started: Instant::now(),
            total,
            every: (total / 10).max(5),
        }
    }

    fn rate(&self, done: usize) -> f64 {
        done as f64 / self.started.elapsed().as_secs_f64().max(1e-3)
    }

    fn line(&self, done: usize) -> Option<String> {
        if self.total < 10 || !done.is_multiple_of(self.every) || done >= self.total {
            return None;
        }
        let rate = self.rate(done);
        let left = Duration::from_secs_f64((self.total - done) as f64 / rate);
        Some(format!(
            "progress: {done} of {} ({} %), {rate:.1} a second, about {} left; {} waited for the forge's rate limits",
            self.total,
            done * 100 / self.total,
            span(left),
            span(crate::forge::budget::waited()),
        ))
    }

    /// The terminal's status line after `done` outcomes: always, however short the run.
    fn status(&self, done: usize) -> String {
        let rate = self.rate(done);
        let left = Duration::from_secs_f64(self.total.saturating_sub(done) as f64 / rate);
        format!(
            "[{done}/{}] {} % · {rate:.1} a second · about {} left · {} waited for the forge's rate limits",
            self.total,
            done * 100 / self.total.max(1),
            span(left),
            span(crate::forge::budget::waited()),
        )
    }

    /// The closing figures of a long run: how long it took and how much of it was
    /// waiting.
    fn took(&self, done: usize) -> Option<String> {
        if self.total < 10 {
            return None;
        }
        Some(format!(
            "took {}: {done} at {:.1} a second, {} of it waiting for the forge's rate limits",
            span(self.started.elapsed()),
            self.rate(done),
            span(crate::forge::budget::waited()),
        ))
    }
}

/// `0.4 s`, `12.0 s`, `3m 5s`.
fn span(time: Duration) -> String {
    if time < Duration::from_secs(60) {
        format!("{:.1} s", time.as_secs_f64())
    } else {
        humantime::format_duration(Duration::from_secs(time.as_secs())).to_string()
    }
}

/// The last line: what the run made, found and left.
fn closing_line(report: &TagReport, checked: bool) -> String {
    let tags = report.tags().count();
    let branches = report.branches().count();
    let what = if branches == 0 {
        format!("{tags} tag{}", plural(tags))
    } else {
        format!(
            "{tags} tag{} and {branches} branch{}",
            plural(tags),
            if branches == 1 { "" } else { "es" }
        )
    };
    let files = format!(
        "from {} request file{}",
        report.files.len(),
        plural(report.files.len())
    );
    let skipped = if report.skipped.is_empty() {
        String::new()
    } else {
        format!(", {} skipped", report.skipped.len())
    };
    if checked {
        return format!(
            "{what} {files}{skipped}: every file is valid (checked only: no remote asked, nothing written)"
        );
    }
    let missing = report.not_made().len();
    format!(
        "{what} {files}: {} created, {} existing, {missing} not {}{skipped}{}",
        report.count(TagStatus::Created),
        report.count(TagStatus::Exists),
        if branches == 0 { "tagged" } else { "made" },
        if report.dry_run {
            format!(
                ", {} planned (dry run: nothing written)",
                report.count(TagStatus::Planned)
            )
        } else {
            String::new()
        }
    )
}

fn skipped_line(skipped: &crate::tagging::Skipped) -> String {
    match &skipped.branch {
        Some(branch) => format!(
            "skipped: branch {branch} of {}: {}",
            skipped.request.display(),
            skipped.reason
        ),
        None => format!("skipped: {}: {}", skipped.request.display(), skipped.reason),
    }
}

/// One outcome, and in a dry run a planned tag's message below it.
fn progress_block(outcome: &TagOutcome, dry_run: bool) -> String {
    let mut block = progress_line(outcome);
    if dry_run
        && outcome.status == TagStatus::Planned
        && let Some(message) = outcome.item.message()
    {
        for message_line in message.lines() {
            block.push('\n');
            if !message_line.is_empty() {
                block.push_str(&format!("      {message_line}"));
            }
        }
    }
    block
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn progress_line(outcome: &TagOutcome) -> String {
    let t = &outcome.item;
    let short = &t.commit[..t.commit.len().min(12)];
    let status = match outcome.status {
        TagStatus::Planned => "planned (not written)".to_string(),
        TagStatus::Stopped => "stopped (not written: the preflight found problems)".to_string(),
        other => other.to_string(),
    };
    let detail = outcome
        .detail
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default();
    format!("{} {} → {short}: {status}{detail}", t.repo, t.label())
}

fn to_report(report: &TagReport, took: Option<&str>) -> Report {
    let tags: Vec<serde_json::Value> = report
        .tags()
        .map(|o| {
            serde_json::json!({
                "repo": o.item.repo,
                "tag": o.item.name,
                "commit": o.item.commit,
                "status": o.status,
                "detail": o.detail,
                "request": o.item.request,
                "message": o.item.message(),
            })
        })
        .collect();
    let branches: Vec<serde_json::Value> = report
        .branches()
        .map(|o| {
            serde_json::json!({
                "repo": o.item.repo,
                "branch": o.item.name,
                "commit": o.item.commit,
                "status": o.status,
                "detail": o.detail,
                "version": o.item.version,
                "request": o.item.request,
            })
        })
        .collect();
    let skipped: Vec<serde_json::Value> = report
        .skipped
        .iter()
        .map(|s| {
            serde_json::json!({
                "request": s.request,
                "branch": s.branch,
                "reason": s.reason,
            })
        })
        .collect();
    let mut outputs = crate::ci::Outputs::new();
    outputs
        .set("tags", serde_json::Value::Array(tags))
        .set("branches", serde_json::Value::Array(branches))
        .set("skipped", serde_json::Value::Array(skipped))
        .set("created", report.count(TagStatus::Created))
        .set("existing", report.count(TagStatus::Exists))
        .set("failed", report.not_made().len())
        .set("planned", report.count(TagStatus::Planned));
    Report {
        outputs,
        summary: Some(match took {
            // A blank line first: a line right after a table would be one of its rows.
            Some(took) => format!("{}\n\n_{}_\n", summary_markdown(report).trim_end(), took),
            None => summary_markdown(report),
        }),
        warnings: report.warnings.clone(),
        failure: report.failure(),
    }
}

fn summary_markdown(report: &TagReport) -> String {
    let rows: Vec<Vec<String>> = report
        .outcomes
        .iter()
        .map(|o| {
            vec![
                summary::escape_inline(&o.item.repo),
                if o.item.is_tag() {
                    summary::code(&o.item.name)
                } else {
                    format!("branch {}", summary::code(&o.item.name))
                },
                summary::code(&o.item.commit[..o.item.commit.len().min(12)]),
                o.status.to_string(),
                summary::escape_inline(o.detail.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    let note = if report.dry_run {
        "Dry run: nothing was written.\n\n"
    } else if report.aborted {
        "The preflight found problems: nothing was written.\n\n"
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
