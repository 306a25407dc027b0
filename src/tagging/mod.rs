//! tag-from-request: a release request becomes annotated tags (and the branches it
//! asks for) in every repository it lists, each tag carrying the request's metadata
//! in OpenStack's format (README "Tag message").
//!
//! The run has three steps. [`TagPlan::build`] reads and validates the request files
//! and lists the tags and branches (bad input stops here, exit 2, every problem
//! named; `--check` stops here too). The preflight asks every remote, concurrently,
//! whether the commit exists and whether the tag or branch is absent or already on
//! that commit; any problem aborts the run before a single write unless
//! `keep_going`. Then the refs are created, concurrently across repositories. An
//! existing tag or branch is never moved or deleted: one on the right commit is
//! `exists`, one on another commit is `conflict`, whatever the options.
//!
//! Two transports do the remote work: [`git`](mod@git) (a scratch repository per
//! remote, a depth-1 fetch of the one commit, a push of exactly the new refs) and
//! [`api`] (the forge's REST API through `forge::Forge`).

pub mod api;
mod approvals;
pub mod git;
mod message;
mod plan;
pub mod route;
pub mod shard;

pub use message::tag_message;
pub use plan::{PlannedRef, RefKind, Skipped, TagPlan};
pub use route::{Route, RouteChoice};

use crate::Location;
use crate::ci::Platform;
use crate::forge::{ForgeError, ForgeSettings};
use crate::request::RequestError;
use std::path::PathBuf;
use std::sync::Arc;

/// What tag-from-request is asked.
#[derive(Debug, Clone)]
pub struct TagRequest {
    /// Request files, or folders of them.
    pub requests: Vec<PathBuf>,
    /// Take the entries new since this revision of the files' repository.
    pub changed_since: Option<String>,
    /// Take every entry instead of the newest.
    pub all: bool,
    /// Put before the version to make a tag name (`v`).
    pub tag_prefix: String,
    /// Sign the tags with the user's git signing setup (git transport only).
    pub sign: bool,
    /// Repositories worked on at once.
    pub concurrency: usize,
    /// Tag what is safe even when the preflight found problems.
    pub keep_going: bool,
    /// Preflight and plan only; write nothing.
    pub dry_run: bool,
    /// `owner/name` → remote URL for the git transport (`{repo}` is replaced).
    pub remote_url_template: Option<String>,
    /// Write the approval trail of the change request that merged each entry.
    pub approvals: bool,
    /// The requests repository on the forge (`owner/name`), for the approval trail.
    pub requests_repo: Option<String>,
    /// How the tags reach a forge's repositories: its API or a git push.
    pub route: Route,
}

/// What became of one tag or branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagStatus {
    /// Made by this run.
    Created,
    /// Already there, on the right commit.
    Exists,
    /// There, on another commit; left as it is.
    Conflict,
    /// The repository has no such commit.
    MissingCommit,
    /// The remote could not be read or written.
    Failed,
    /// Would be created (a dry run).
    Planned,
    /// Ready, but not made: the preflight found problems elsewhere and stopped the run.
    Stopped,
}

impl TagStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TagStatus::Created => "created",
            TagStatus::Exists => "exists",
            TagStatus::Conflict => "conflict",
            TagStatus::MissingCommit => "missing-commit",
            TagStatus::Failed => "failed",
            TagStatus::Planned => "planned",
            TagStatus::Stopped => "stopped",
        }
    }

    /// Whether the repository ends up with the tag on the right commit.
    pub fn is_tagged(self) -> bool {
        matches!(self, TagStatus::Created | TagStatus::Exists)
    }

    /// Whether the preflight counts it as a problem.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            TagStatus::Conflict | TagStatus::MissingCommit | TagStatus::Failed
        )
    }
}

impl std::fmt::Display for TagStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One tag or branch of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct TagOutcome {
    pub item: PlannedRef,
    pub status: TagStatus,
    /// Why, for anything but a plain `created`/`planned`: the conflicting commit, the
    /// remote's error.
    pub detail: Option<String>,
}

/// What the run did, one entry per planned tag or branch in plan order.
#[derive(Debug, Clone, Default)]
pub struct TagReport {
    pub outcomes: Vec<TagOutcome>,
    pub dry_run: bool,
    /// The preflight found problems and nothing was written.
    pub aborted: bool,
    pub files: Vec<PathBuf>,
    /// Files and branches left alone, with the reason.
    pub skipped: Vec<Skipped>,
    /// What the reader should know that did not stop the run.
    pub warnings: Vec<String>,
    /// How the refs were written (a join: each way its shards took); none in a check.
    pub routes: Vec<Route>,
}

impl TagReport {
    /// The report of a plan that was only checked (`--check`): every ref planned.
    pub fn of_checked_plan(plan: &TagPlan) -> TagReport {
        TagReport {
            outcomes: plan
                .refs
                .iter()
                .map(|item| TagOutcome {
                    item: item.clone(),
                    status: TagStatus::Planned,
                    detail: None,
                })
                .collect(),
            dry_run: true,
            aborted: false,
            files: plan.files.clone(),
            skipped: plan.skipped.clone(),
            warnings: Vec::new(),
            routes: Vec::new(),
        }
    }

    pub fn tags(&self) -> impl Iterator<Item = &TagOutcome> {
        self.outcomes.iter().filter(|o| o.item.is_tag())
    }

    pub fn branches(&self) -> impl Iterator<Item = &TagOutcome> {
        self.outcomes.iter().filter(|o| !o.item.is_tag())
    }

    pub fn count(&self, status: TagStatus) -> usize {
        self.outcomes.iter().filter(|o| o.status == status).count()
    }

    /// Refs that the repositories do not have on the right commit at the end (planned
    /// ones of a dry run excepted).
    pub fn not_made(&self) -> Vec<&TagOutcome> {
        self.outcomes
            .iter()
            .filter(|o| !(o.status.is_tagged() || self.dry_run && o.status == TagStatus::Planned))
            .collect()
    }

    /// Why the job failed, when it did (exit 1).
    pub fn failure(&self) -> Option<String> {
        let problems: Vec<String> = self
            .outcomes
            .iter()
            .filter(|o| o.status.is_problem())
            .map(|o| {
                format!(
                    "{} {}: {}{}",
                    o.item.repo,
                    o.item.label(),
                    o.status,
                    o.detail
                        .as_deref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let branches = self.branches().next().is_some();
        if self.aborted {
            let (nothing, safe) = if branches {
                ("written", "makes")
            } else {
                ("tagged", "tags")
            };
            return Some(format!(
                "the preflight found {} problem{}, so nothing was {nothing} (--keep-going {safe} what is safe): {}",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                problems.join("; ")
            ));
        }
        let missing = self.not_made().len();
        (missing > 0).then(|| {
            let what = if branches {
                "tags and branches"
            } else {
                "tags"
            };
            format!(
                "{missing} of {} {what} not made: {}",
                self.outcomes.len(),
                problems.join("; ")
            )
        })
    }
}

/// Errors of tag-from-request that are not about one tag (those are statuses).
#[derive(Debug, thiserror::Error)]
pub enum TaggingError {
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
    /// Every problem of the request files (never empty).
    #[error("{}", problem_list(.0))]
    Problems(Vec<RequestError>),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Forge(#[from] ForgeError),
    /// The forge could not say who proposed and approved the request.
    #[error("{0}")]
    Approvals(String),
    /// A shard report could not be read or written.
    #[error("{0}")]
    ShardReport(String),
}

/// One problem as it is; several as a count and one line each.
fn problem_list(problems: &[RequestError]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let files: std::collections::HashSet<_> = many
                .iter()
                .map(|p| match p {
                    RequestError::Invalid { location, .. } => location.file.clone(),
                    RequestError::Read { path, .. } => path.clone(),
                    RequestError::Revision(_) => PathBuf::new(),
                })
                .collect();
            let mut out = format!(
                "{} problems in {} request file{}; nothing was asked of any remote:",
                many.len(),
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            );
            for problem in many {
                out.push_str("\n  ");
                out.push_str(&problem.to_string());
            }
            out
        }
    }
}

impl crate::Problem for TaggingError {
    fn is_bad_input(&self) -> bool {
        matches!(
            self,
            TaggingError::Invalid { .. } | TaggingError::Problems(_) | TaggingError::Usage(_)
        ) || matches!(self, TaggingError::Forge(e) if e.is_bad_input())
    }

    fn location(&self) -> Option<&Location> {
        match self {
            TaggingError::Invalid { location, .. } => Some(location),
            TaggingError::Problems(problems) => problems.iter().find_map(RequestError::location),
            _ => None,
        }
    }
}

/// Called with each tag's outcome as soon as it is known.
pub type Progress = Arc<dyn Fn(&TagOutcome) + Send + Sync>;

/// What the preflight found for one tag.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    /// Commit there, tag absent: ready to create.
    Ready,
    Done(TagStatus, Option<String>),
}

/// Runs a plan: the approval trail when asked for, the preflight, the decision, the
/// writes.
pub async fn run(
    plan: &TagPlan,
    request: &TagRequest,
    settings: &ForgeSettings,
    progress: Progress,
) -> crate::Result<TagReport> {
    let limits = route::limits(settings)?;
    let route = route::choose(plan, request.route, settings, &limits).route;
    if request.sign && route != Route::Git {
        return Err(TaggingError::Usage(format!(
            "--sign needs the git route (--forge git, or --route git): the {} API makes unsigned tags",
            settings.platform
        ))
        .into());
    }
    if route == Route::Git && job_token_on_gitlab(settings) {
        return Err(TaggingError::Usage(
            "--route git pushes the tags with the token, and GitLab does not let CI_JOB_TOKEN push to other projects: set GITLAB_TOKEN to a project or group access token with `write_repository` (or `api`)".into(),
        )
        .into());
    }
    let mut plan = plan.clone();
    let warnings = if request.approvals {
        with_approvals(&mut plan, request, settings).await?
    } else {
        Vec::new()
    };
    let mut report = match route {
        Route::Git | Route::Auto => {
            let groups = git::groups(&plan, request, settings)?;
            orchestrate(&plan, groups, request, progress).await
        }
        Route::Api => {
            let groups = api::groups(&plan, settings).await?;
            orchestrate(&plan, groups, request, progress).await
        }
    };
    report.warnings = warnings;
    report.routes = vec![route];
    Ok(report)
}

/// Whether the token is a GitLab job's own, which may read but not push.
pub(crate) fn job_token_on_gitlab(settings: &ForgeSettings) -> bool {
    settings.platform == Platform::GitLab
        && settings.token_kind == crate::forge::TokenKind::JobToken
}

/// Adds the approval trail to the plan's tags, read through the forge's API.
async fn with_approvals(
    plan: &mut TagPlan,
    request: &TagRequest,
    settings: &ForgeSettings,
) -> Result<Vec<String>, TaggingError> {
    if settings.platform == Platform::Git {
        return Err(TaggingError::Usage(
            "--approvals reads the pull or merge request through the forge's API: give --forge github or --forge gitlab".into(),
        ));
    }
    let Some(repo) = request.requests_repo.as_deref() else {
        return Err(TaggingError::Usage(
            "--approvals needs the requests repository on the forge: pass --requests-repo OWNER/NAME (default: the repository the pipeline runs in)".into(),
        ));
    };
    if plan.tags().next().is_none() {
        return Ok(Vec::new());
    }
    let forge = crate::forge::connect(settings).await?;
    approvals::add_trails(&mut plan.refs, forge.as_ref(), repo).await
}

/// The decision between the preflight and the writes: abort when any tag has a
/// problem (unless `keep_going`), write nothing in a dry run.
pub(crate) fn should_write(checks: &[Check], request: &TagRequest) -> (bool, bool) {
    let problems = checks
        .iter()
        .any(|c| matches!(c, Check::Done(s, _) if s.is_problem()));
    let aborted = problems && !request.keep_going;
    (!aborted && !request.dry_run, aborted)
}

/// Runs `work` on each item, at most `limit` at once, and returns the results in the
/// items' order.
pub(crate) async fn limited<T, R, F, Fut>(items: Vec<T>, limit: usize, work: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = R> + Send + 'static,
{
    let semaphore = Arc::new(tokio::sync::Semaphore::new(limit.max(1)));
    let work = Arc::new(work);
    let mut set = tokio::task::JoinSet::new();
    let count = items.len();
    for (index, item) in items.into_iter().enumerate() {
        let semaphore = semaphore.clone();
        let work = work.clone();
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await.expect("never closed");
            (index, work(item).await)
        });
    }
    let mut results: Vec<Option<R>> = (0..count).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((index, result)) => results[index] = Some(result),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every task reports"))
        .collect()
}

/// One remote's share of a plan (the tags and branches of one repository), worked on
/// by one task at a time: first its preflight, then, if the run writes, its creations.
pub(crate) trait Group: Send + Sized + 'static {
    /// Indices of the group's refs in the plan.
    fn members(&self) -> &[usize];

    /// Checks every ref of the group (given in `members` order).
    fn preflight(
        self,
        refs: Vec<PlannedRef>,
    ) -> impl std::future::Future<Output = (Self, Vec<Check>)> + Send;

    /// Creates the given refs (the ready ones, tags before branches) and says what
    /// became of each.
    fn create(
        self,
        refs: Vec<PlannedRef>,
    ) -> impl std::future::Future<Output = Vec<(TagStatus, Option<String>)>> + Send;
}

/// The run shared by both transports: every group's preflight at once (at most
/// `concurrency`), the decision, then every group's writes.
pub(crate) async fn orchestrate<G: Group>(
    plan: &TagPlan,
    groups: Vec<G>,
    request: &TagRequest,
    progress: Progress,
) -> TagReport {
    let limit = request.concurrency.max(1);
    let tags = Arc::new(plan.refs.clone());
    let shared = tags.clone();
    let checked = limited(groups, limit, move |group: G| {
        let tags = shared.clone();
        async move {
            let members = group.members().iter().map(|&i| tags[i].clone()).collect();
            group.preflight(members).await
        }
    })
    .await;
    let mut checks = vec![Check::Ready; tags.len()];
    for (group, found) in &checked {
        for (&index, check) in group.members().iter().zip(found) {
            checks[index] = check.clone();
        }
    }
    let (write, aborted) = should_write(&checks, request);
    let mut results: Vec<Option<TagOutcome>> = vec![None; tags.len()];
    let mut settle = |index: usize, status: TagStatus, detail: Option<String>| {
        let done = TagOutcome {
            item: tags[index].clone(),
            status,
            detail,
        };
        progress(&done);
        results[index] = Some(done);
    };
    let mut to_create = Vec::new();
    for (group, _) in checked {
        let mut ready = Vec::new();
        for &index in group.members() {
            match &checks[index] {
                Check::Done(status, detail) => settle(index, *status, detail.clone()),
                Check::Ready if write => ready.push(index),
                Check::Ready if aborted && !request.dry_run => {
                    settle(index, TagStatus::Stopped, None)
                }
                Check::Ready => settle(index, TagStatus::Planned, None),
            }
        }
        if !ready.is_empty() {
            to_create.push((group, ready));
        }
    }
    let shared = tags.clone();
    let report = progress.clone();
    let created = limited(to_create, limit, move |(group, ready): (G, Vec<usize>)| {
        let tags = shared.clone();
        let progress = report.clone();
        async move {
            let members = ready.iter().map(|&i| tags[i].clone()).collect();
            let statuses = group.create(members).await;
            let outcomes: Vec<(usize, TagOutcome)> = ready
                .iter()
                .zip(statuses)
                .map(|(&index, (status, detail))| {
                    let done = TagOutcome {
                        item: tags[index].clone(),
                        status,
                        detail,
                    };
                    progress(&done);
                    (index, done)
                })
                .collect();
            outcomes
        }
    })
    .await;
    for (index, done) in created.into_iter().flatten() {
        results[index] = Some(done);
    }
    TagReport {
        outcomes: results
            .into_iter()
            .map(|r| r.expect("every tag is settled"))
            .collect(),
        dry_run: request.dry_run,
        aborted,
        files: plan.files.clone(),
        skipped: plan.skipped.clone(),
        warnings: Vec::new(),
        routes: Vec::new(),
    }
}

/// The runtime of the tool: several threads, since remotes are worked on at once.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a tokio runtime can be built")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(keep_going: bool, dry_run: bool) -> TagRequest {
        TagRequest {
            requests: Vec::new(),
            changed_since: None,
            all: false,
            tag_prefix: String::new(),
            sign: false,
            concurrency: 8,
            keep_going,
            dry_run,
            remote_url_template: None,
            approvals: false,
            requests_repo: None,
            route: Route::Api,
        }
    }

    #[test]
    fn a_problem_stops_the_writes_unless_keep_going() {
        let ready = [Check::Ready, Check::Done(TagStatus::Exists, None)];
        let problem = [Check::Ready, Check::Done(TagStatus::Conflict, None)];
        assert_eq!(should_write(&ready, &request(false, false)), (true, false));
        assert_eq!(
            should_write(&problem, &request(false, false)),
            (false, true)
        );
        assert_eq!(should_write(&problem, &request(true, false)), (true, false));
        assert_eq!(should_write(&ready, &request(false, true)), (false, false));
        assert_eq!(should_write(&problem, &request(false, true)), (false, true));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn limited_keeps_the_order_of_the_items() {
        let out = limited((0..20u64).collect(), 3, |n| async move {
            tokio::time::sleep(std::time::Duration::from_millis(20 - n)).await;
            n * 2
        })
        .await;
        assert_eq!(out, (0..20u64).map(|n| n * 2).collect::<Vec<_>>());
    }
}
