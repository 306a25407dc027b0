//! What the auto-update tools read and write through a forge, in the forge-neutral
//! shape the tools use: a branch's commits and their CI state (find-green-commit), change
//! requests — GitHub pull requests and GitLab merge requests — (propose-change), and
//! issue comments (comment-on-issue). Each client maps its documented payloads onto
//! these types; the tools never see which forge answered.

use chrono::{DateTime, FixedOffset};

/// A commit as a forge lists it (a branch's history, or a compare between two refs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCommit {
    pub sha: String,
    /// The first line of the commit message.
    pub title: String,
    /// The whole message (subject, body, trailers).
    pub message: String,
    /// How many parents it has (more than one: a merge).
    pub parents: usize,
    /// The commit's page on the forge.
    pub web_url: Option<String>,
}

/// The state of one CI job, check run or commit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobState {
    /// Ran and passed.
    Success,
    /// Ran and failed, was cancelled or timed out.
    Failed,
    /// Queued, running, or waiting for something (a manual action, a resource).
    Pending,
    /// Did not run (skipped, neutral, a manual job nobody started).
    Skipped,
}

/// One job (GitLab), check run or commit status (GitHub) of a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiJob {
    pub name: String,
    pub state: JobState,
    /// GitLab: a failed job that may fail (`allow_failure`); it does not fail the
    /// pipeline, and it does not count as passed either.
    pub allowed_to_fail: bool,
}

/// Everything the forge reports about CI for one commit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitCi {
    /// The forge's own verdict over all jobs, when it has one (GitLab: the status of the
    /// newest pipeline for the commit). `None`: decide from the jobs (GitHub combines
    /// check runs and commit statuses only per job).
    pub overall: Option<JobState>,
    pub jobs: Vec<CiJob>,
    /// The page showing this CI run (GitLab: the pipeline; GitHub: the commit's checks).
    pub url: Option<String>,
}

/// An open change request: a GitHub pull request or a GitLab merge request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    /// GitHub's number, GitLab's `iid`: the number people see.
    pub number: u64,
    /// GitHub's GraphQL node id (auto-merge is GraphQL-only on GitHub).
    pub node_id: Option<String>,
    pub url: String,
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub source_branch: String,
    pub target_branch: String,
    pub created_at: Option<DateTime<FixedOffset>>,
    /// Whether auto-merge (GitHub) / merge when the pipeline succeeds (GitLab) is set.
    pub auto_merge: bool,
}

/// A change request to open.
#[derive(Debug, Clone, Copy)]
pub struct ChangeRequestDraft<'a> {
    pub source_branch: &'a str,
    pub target_branch: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub labels: &'a [String],
}

/// What asking for auto-merge gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoMerge {
    /// Set: the change request merges when its pipeline passes.
    Enabled,
    /// Not possible yet, as GitLab answers before the merge request's pipeline has
    /// started (405); worth asking again. The text says why.
    NotYet(String),
}

/// A comment on an issue (GitHub issue comment, GitLab issue note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueComment {
    pub id: u64,
    pub body: String,
    /// The comment's page on the forge (GitLab notes have none in the API; the issue's
    /// page with the note's anchor is given instead).
    pub url: Option<String>,
    /// Who wrote it (GitHub login, GitLab username).
    pub author: String,
    /// GitLab's user id of the author (its membership API takes ids); none on GitHub.
    pub author_id: Option<u64>,
    /// When the forge says it was made (RFC 3339).
    pub created_at: Option<String>,
}

/// Parses an RFC 3339 date as the forges write them (`2026-01-15T12:00:00Z`,
/// `2026-01-15T12:00:00.000+01:00`).
pub(crate) fn parse_date(text: Option<&str>) -> Option<DateTime<FixedOffset>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
}
