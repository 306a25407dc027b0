//! propose-change: turns the working-tree changes of a checkout into one open change
//! request — a GitHub pull request or a GitLab merge request — created the first time
//! and updated afterwards, the last step of the auto-update flow.
//!
//! Identity is the branch: the bot's `--branch` and the open change request from it.
//! The branch always holds the base branch's tip plus one commit, pushed with
//! `--force-with-lease` (only ever to that branch, never to the base). Before anything
//! is written, the wanted content is compared with what the branch already holds, so
//! an hourly run with nothing new does nothing. Everything read-only runs in
//! `--dry-run` too; only the pushes and API writes are left out.

mod branch;

pub use branch::Checkout;

use crate::ci::Platform;
use crate::ci::context::TokenKind;
use crate::forge::{AutoMerge, ChangeRequest, ChangeRequestDraft, Forge, ForgeError};
use crate::git::{Credentials, GitError};
use crate::{Error, Result};
use branch::{BASE_REF, BRANCH_REF};
use std::path::PathBuf;
use std::time::Duration;

/// The label a change request gets when it has been open longer than `--stale-after`.
pub const STALE_LABEL: &str = "stale";

/// Errors of propose-change.
#[derive(Debug, thiserror::Error)]
pub enum ProposeError {
    #[error("--branch `{branch}`: {reason}")]
    BadBranch { branch: String, reason: String },
    #[error(
        "CI_JOB_TOKEN cannot open or update merge requests (nor push): create a project access \
         token with the `api` and `write_repository` scopes (role Developer) and pass it as \
         GITLAB_TOKEN or --token"
    )]
    JobToken,
    #[error("the base branch `{base}` does not exist on the remote `{remote}`")]
    NoBase { base: String, remote: String },
    #[error("pushing branch `{branch}` to `{remote}` failed — {hint}: {source}")]
    Push {
        branch: String,
        remote: String,
        hint: String,
        #[source]
        source: Box<GitError>,
    },
    #[error(
        "branch `{branch}` on `{remote}` moved while the change was being proposed (someone \
         pushed to it); nothing was overwritten — run again"
    )]
    BranchMoved { branch: String, remote: String },
    #[error(
        "{what}: the forge still refused auto-merge at the end of --auto-merge-wait {waited}: \
         {message} — does the project run pipelines for merge requests, and is the merge \
         request free of conflicts and not a draft?"
    )]
    AutoMergeTimeout {
        what: String,
        waited: String,
        message: String,
    },
    #[error("reading from `{remote}` failed — {hint}: {source}")]
    Remote {
        remote: String,
        hint: String,
        #[source]
        source: Box<GitError>,
    },
}

impl crate::Problem for ProposeError {
    fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ProposeError::BadBranch { .. } | ProposeError::JobToken
        )
    }

    fn location(&self) -> Option<&crate::Location> {
        None
    }
}

/// What propose-change is asked.
#[derive(Debug, Clone)]
pub struct ProposeRequest {
    /// `owner/name` (GitHub) or the project path (GitLab).
    pub repo: String,
    /// The local checkout whose working tree holds the change.
    pub checkout: PathBuf,
    /// The git remote of `repo` in the checkout.
    pub remote: String,
    /// The bot's branch.
    pub branch: String,
    pub title: String,
    pub body: String,
    /// The branch to merge into; `None`: the repository's default branch.
    pub base: Option<String>,
    pub labels: Vec<String>,
    /// The commit message; default: the title.
    pub commit_message: Option<String>,
    /// Pathspecs of the change; empty: every tracked change.
    pub paths: Vec<String>,
    pub auto_merge: bool,
    /// How long to keep asking for auto-merge while the forge says "not yet".
    pub auto_merge_wait: Duration,
    /// The first pause between those asks; it doubles, up to 30 s.
    pub auto_merge_first_pause: Duration,
    pub stale_after: Option<Duration>,
    pub dry_run: bool,
    pub platform: Platform,
    pub token_kind: TokenKind,
    /// Credentials for the push (the forge token as git expects it).
    pub credentials: Option<Credentials>,
}

/// What propose-change did (or, in a dry run, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProposeAction {
    Created,
    Updated,
    Unchanged,
}

impl ProposeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposeAction::Created => "created",
            ProposeAction::Updated => "updated",
            ProposeAction::Unchanged => "unchanged",
        }
    }
}

/// How the auto-merge request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoMergeOutcome {
    /// Already set on the change request; nothing asked.
    AlreadySet,
    /// Set, after `attempts` asks.
    Enabled { attempts: u32 },
}

/// What propose-change did.
#[derive(Debug, Clone)]
pub struct ProposeReport {
    pub action: ProposeAction,
    pub dry_run: bool,
    pub branch: String,
    /// The change request after the run (in a dry run that would create it: none).
    pub change: Option<ChangeRequest>,
    /// The commit pushed (or, in a dry run, that would be pushed).
    pub commit: Option<String>,
    /// The files the change request changes against the base.
    pub files: Vec<String>,
    /// Why nothing was written, when nothing was.
    pub unchanged_because: Option<String>,
    /// Each write done (or planned, in a dry run), in order, as imperative lines.
    pub steps: Vec<String>,
    pub warnings: Vec<String>,
    pub auto_merge: Option<AutoMergeOutcome>,
    /// Why the job fails although the change request was proposed (labelling or
    /// auto-merge went wrong).
    pub failure: Option<String>,
}

impl ProposeReport {
    fn new(request: &ProposeRequest) -> ProposeReport {
        ProposeReport {
            action: ProposeAction::Unchanged,
            dry_run: request.dry_run,
            branch: request.branch.clone(),
            change: None,
            commit: None,
            files: Vec::new(),
            unchanged_because: None,
            steps: Vec::new(),
            warnings: Vec::new(),
            auto_merge: None,
            failure: None,
        }
    }
}

/// Where the writes go: the forge of the token, and (for approval and auto-merge) the
/// forge of `--merge-token`, a second identity.
pub struct Forges<'a> {
    pub main: &'a dyn Forge,
    pub merge: Option<&'a dyn Forge>,
}

/// Proposes the checkout's working-tree changes as one change request.
pub async fn propose_change(request: &ProposeRequest, forges: Forges<'_>) -> Result<ProposeReport> {
    if request.platform == Platform::GitLab && request.token_kind == TokenKind::JobToken {
        return Err(ProposeError::JobToken.into());
    }
    let checkout = Checkout::open(&request.checkout, request.credentials.clone())?;
    if !checkout.is_valid_branch(&request.branch) {
        return Err(bad_branch(request, "not a valid branch name"));
    }
    let base = match &request.base {
        Some(base) => base.clone(),
        None => forges.main.default_branch(&request.repo).await?,
    };
    if base == request.branch {
        return Err(bad_branch(
            request,
            &format!(
                "is the base branch; propose-change only ever pushes to its own branch — name \
                 one for the bot, e.g. `relay/{}`",
                request.branch
            ),
        ));
    }
    let result = run(request, &forges, &checkout, &base).await;
    checkout.forget_private_refs();
    result
}

fn bad_branch(request: &ProposeRequest, reason: &str) -> Error {
    ProposeError::BadBranch {
        branch: request.branch.clone(),
        reason: reason.to_string(),
    }
    .into()
}

async fn run(
    request: &ProposeRequest,
    forges: &Forges<'_>,
    checkout: &Checkout,
    base: &str,
) -> Result<ProposeReport> {
    let forge = forges.main;
    let mut report = ProposeReport::new(request);
    let existing = find_change_request(request, forge, base, &mut report).await?;
    report.change = existing.clone();

    let changed = checkout.changed_paths(&request.paths)?;
    let desired = if changed.is_empty() {
        report.unchanged_because = Some(if request.paths.is_empty() {
            "the working tree has no tracked changes".into()
        } else {
            format!(
                "the working tree has no changes in {}",
                request.paths.join(", ")
            )
        });
        None
    } else {
        if remote_read(request, || checkout.remote_branch(&request.remote, base))?.is_none() {
            return Err(ProposeError::NoBase {
                base: base.to_string(),
                remote: request.remote.clone(),
            }
            .into());
        }
        let base_tip = remote_read(request, || checkout.fetch(&request.remote, base, BASE_REF))?;
        let tree = checkout.tree_with(BASE_REF, &changed)?;
        report.files = checkout.differing_paths(BASE_REF, &tree)?;
        if report.files.is_empty() {
            report.unchanged_because = Some(format!(
                "`{base}` already holds the working tree's changes ({})",
                changed.join(", ")
            ));
            None
        } else {
            Some((base_tip, tree))
        }
    };

    let branch_tip = remote_read(request, || {
        checkout.remote_branch(&request.remote, &request.branch)
    })?;
    if let Some((base_tip, tree)) = &desired {
        let holds_it = match &branch_tip {
            Some(_) => {
                remote_read(request, || {
                    checkout.fetch(&request.remote, &request.branch, BRANCH_REF)
                })?;
                let mut relevant = report.files.clone();
                relevant.extend(checkout.paths_of_tip(BRANCH_REF)?);
                let differing = checkout.differing_paths(tree, BRANCH_REF)?;
                !differing.iter().any(|p| relevant.contains(p))
            }
            None => false,
        };
        if holds_it {
            report.unchanged_because = Some(format!(
                "branch `{}` already holds these changes",
                request.branch
            ));
        } else {
            let message = request.commit_message.as_deref().unwrap_or(&request.title);
            let commit = checkout.commit(tree, base_tip, message)?;
            report.steps.push(format!(
                "push commit {} ({}) to branch `{}` on top of `{base}`",
                short(&commit),
                report.files.join(", "),
                request.branch
            ));
            if !request.dry_run {
                push(request, checkout, &commit, branch_tip.as_deref())?;
            }
            report.commit = Some(commit);
        }
    }

    let pushed = report.commit.is_some();
    let mut change = existing;
    match change.as_mut() {
        Some(found) if pushed => {
            report.action = ProposeAction::Updated;
            refresh(request, forge, found, &mut report).await?;
        }
        Some(_) => {}
        None if pushed || (desired.is_some() && branch_tip.is_some()) => {
            report.action = ProposeAction::Created;
            change = create(request, forge, base, &mut report).await?;
        }
        None => {}
    }
    if report.action != ProposeAction::Unchanged {
        report.unchanged_because = None;
    }
    // The change request is in place now: what goes wrong from here fails the job but
    // still reports it (its URL and number are outputs a later step may need).
    if let Some(found) = change.as_mut() {
        if let Err(e) = mark_stale(request, forge, found, &mut report).await {
            report.failure = Some(e.to_string());
        }
        if request.auto_merge && report.failure.is_none() {
            match auto_merge(request, forges, found, &mut report).await {
                Ok(outcome) => report.auto_merge = outcome,
                Err(e) => report.failure = Some(e.to_string()),
            }
        }
    }
    report.change = change;
    Ok(report)
}

/// The open change request from the bot's branch: one targeting the base, else one
/// with the title, else any (a second one is never opened for the same branch).
async fn find_change_request(
    request: &ProposeRequest,
    forge: &dyn Forge,
    base: &str,
    report: &mut ProposeReport,
) -> Result<Option<ChangeRequest>> {
    let mut open = forge
        .open_change_requests(&request.repo, &request.branch)
        .await?;
    open.sort_by_key(|c| (c.target_branch != base, c.title != request.title, c.number));
    let found = open.into_iter().next();
    if let Some(c) = &found
        && c.target_branch != base
    {
        report.warnings.push(format!(
            "{} from `{}` targets `{}`, not `{base}`; it is updated as it is",
            c.url, request.branch, c.target_branch
        ));
    }
    Ok(found)
}

/// A read from the remote (ls-remote, fetch), its failure explained with the token's
/// needs.
fn remote_read<T>(
    request: &ProposeRequest,
    read: impl FnOnce() -> std::result::Result<T, GitError>,
) -> Result<T> {
    read().map_err(|source| {
        let hint = match request.platform {
            Platform::GitLab => "the token needs `read_repository` (`write_repository` to push)",
            _ => "the token needs `contents: read` (`contents: write` to push)",
        };
        ProposeError::Remote {
            remote: request.remote.clone(),
            hint: hint.to_string(),
            source: Box::new(source),
        }
        .into()
    })
}

fn push(
    request: &ProposeRequest,
    checkout: &Checkout,
    commit: &str,
    expected: Option<&str>,
) -> Result<()> {
    let Err(source) = checkout.push(&request.remote, commit, &request.branch, expected) else {
        return Ok(());
    };
    // Why it failed is read from the remote's state, not from git's wording.
    let now = checkout
        .remote_branch(&request.remote, &request.branch)
        .ok()
        .flatten();
    if now.as_deref() != expected {
        return Err(ProposeError::BranchMoved {
            branch: request.branch.clone(),
            remote: request.remote.clone(),
        }
        .into());
    }
    let hint = match request.platform {
        Platform::GitLab => {
            "the token needs `write_repository` (a project access token; CI_JOB_TOKEN cannot push)"
        }
        _ => {
            "the token needs `contents: write` (and the branch must not be protected against \
             the bot)"
        }
    };
    Err(ProposeError::Push {
        branch: request.branch.clone(),
        remote: request.remote.clone(),
        hint: hint.to_string(),
        source: Box::new(source),
    }
    .into())
}

async fn create(
    request: &ProposeRequest,
    forge: &dyn Forge,
    base: &str,
    report: &mut ProposeReport,
) -> Result<Option<ChangeRequest>> {
    report.steps.push(format!(
        "open a change request `{}` from `{}` into `{base}`{}",
        request.title,
        request.branch,
        labels_note(&request.labels)
    ));
    if request.dry_run {
        return Ok(None);
    }
    let draft = ChangeRequestDraft {
        source_branch: &request.branch,
        target_branch: base,
        title: &request.title,
        body: &request.body,
        labels: &request.labels,
    };
    match forge.create_change_request(&request.repo, &draft).await {
        Ok(created) => Ok(Some(created)),
        // Another run opened it in between (GitHub 422, GitLab 409): update that one.
        Err(conflict @ ForgeError::Conflict { .. }) => {
            let Some(mut found) = find_change_request(request, forge, base, report).await? else {
                return Err(conflict.into());
            };
            report.action = ProposeAction::Updated;
            refresh(request, forge, &mut found, report).await?;
            Ok(Some(found))
        }
        Err(e) => Err(e.into()),
    }
}

fn labels_note(labels: &[String]) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!(" labelled {}", labels.join(", "))
    }
}

/// Brings title, body and labels of an existing change request up to date; writes only
/// what differs.
async fn refresh(
    request: &ProposeRequest,
    forge: &dyn Forge,
    change: &mut ChangeRequest,
    report: &mut ProposeReport,
) -> Result<()> {
    if change.title != request.title || change.body.trim_end() != request.body.trim_end() {
        report.steps.push(format!(
            "update the title and description of {}",
            change.url
        ));
        if !request.dry_run {
            let labels = change.labels.clone();
            *change = forge
                .update_change_request(&request.repo, change.number, &request.title, &request.body)
                .await?;
            if change.labels.is_empty() {
                change.labels = labels;
            }
        }
    }
    let missing: Vec<String> = request
        .labels
        .iter()
        .filter(|l| !change.labels.contains(l))
        .cloned()
        .collect();
    if !missing.is_empty() {
        report
            .steps
            .push(format!("label {} {}", change.url, missing.join(", ")));
        if !request.dry_run {
            forge
                .add_labels(&request.repo, change.number, &missing)
                .await?;
            change.labels.extend(missing);
        }
    }
    Ok(())
}

/// Warns once about a change request open longer than `--stale-after` and labels it
/// `stale`, so later runs stay quiet.
async fn mark_stale(
    request: &ProposeRequest,
    forge: &dyn Forge,
    change: &mut ChangeRequest,
    report: &mut ProposeReport,
) -> Result<()> {
    let (Some(limit), Some(created)) = (request.stale_after, change.created_at) else {
        return Ok(());
    };
    let age = chrono::Utc::now().signed_duration_since(created);
    let Ok(age) = age.to_std() else {
        return Ok(());
    };
    if age <= limit || change.labels.iter().any(|l| l == STALE_LABEL) {
        return Ok(());
    }
    report.warnings.push(format!(
        "{} has been open for {} (longer than --stale-after {}); labelled `{STALE_LABEL}`",
        change.url,
        human(age),
        human(limit)
    ));
    report
        .steps
        .push(format!("label {} {STALE_LABEL}", change.url));
    if !request.dry_run {
        forge
            .add_labels(&request.repo, change.number, &[STALE_LABEL.to_string()])
            .await?;
        change.labels.push(STALE_LABEL.to_string());
    }
    Ok(())
}

/// Sets the change request to merge when its pipeline passes — as the `--merge-token`
/// identity when there is one, which first approves it (a project may forbid
/// approving one's own change). GitLab answers 405 until the merge request's pipeline
/// has started: ask again with a growing pause, up to `auto_merge_wait`.
async fn auto_merge(
    request: &ProposeRequest,
    forges: &Forges<'_>,
    change: &ChangeRequest,
    report: &mut ProposeReport,
) -> Result<Option<AutoMergeOutcome>> {
    let pushed = report.commit.is_some();
    if change.auto_merge && !pushed {
        return Ok(Some(AutoMergeOutcome::AlreadySet));
    }
    let forge = forges.merge.unwrap_or(forges.main);
    if forges.merge.is_some() && pushed {
        report
            .steps
            .push(format!("approve {} as the --merge-token user", change.url));
        if !request.dry_run {
            forge.approve(&request.repo, change).await?;
        }
    }
    report.steps.push(format!(
        "set {} to merge when its pipeline passes",
        change.url
    ));
    if request.dry_run {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let mut pause = request.auto_merge_first_pause;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match forge.enable_auto_merge(&request.repo, change).await? {
            AutoMerge::Enabled => return Ok(Some(AutoMergeOutcome::Enabled { attempts })),
            AutoMerge::NotYet(message) => {
                if started.elapsed() + pause > request.auto_merge_wait {
                    return Err(ProposeError::AutoMergeTimeout {
                        what: change.url.clone(),
                        waited: humantime::format_duration(request.auto_merge_wait).to_string(),
                        message,
                    }
                    .into());
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// The first 7 characters of a commit id.
pub fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

/// A duration as people write it, to the minute past a minute (`3days 1h`, `45s`).
fn human(d: Duration) -> String {
    let seconds = d.as_secs();
    let d = if seconds >= 60 {
        Duration::from_secs(seconds - seconds % 60)
    } else {
        Duration::from_secs(seconds)
    };
    humantime::format_duration(d).to_string()
}
