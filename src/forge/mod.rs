//! What the tools need from a forge, behind one trait: GitHub (octocrab) and GitLab
//! (the `gitlab` crate) implement it, so the release logic never asks which one it
//! talks to.
//!
//! The trait is split by area ([`TagApi`], [`ChangeRequestApi`], [`CiApi`],
//! [`ReleaseApi`], [`CommentApi`], [`ApprovalApi`]); a client file per area holds that area's
//! endpoints and wire types. Beneath both clients lies one [`transport`]: the token,
//! redirects, paging, writes that must not happen twice, and, through [`http`],
//! retries, rate limits and the mapping of statuses to [`ForgeError`]s that say which
//! permission is missing.

pub mod approvals;
pub mod budget;
pub mod changes;
mod github;
mod gitlab;
pub mod http;
pub mod issues;
pub mod platform;
pub mod releases;
pub mod transport;

pub use approvals::{MergedChange, Person};
pub use changes::{
    AutoMerge, ChangeRequest, ChangeRequestDraft, CiJob, CommitCi, IssueComment, JobState,
    RemoteCommit,
};
pub use github::GitHub;
pub use gitlab::GitLab;
pub use issues::{ChangeRequestState, ChangeRequestStatus, Issue, IssueDraft};
pub use platform::{Platform, TokenKind};
pub use releases::{
    AssetUpload, BuildArtifact, BuildOutcome, BuildRun, BuildRunQuery, ForgeRelease, MakeLatest,
    ReleaseAsset, ReleaseSpec, ReleaseState,
};

use crate::git::Annotation;

/// A token that never shows itself in `Debug` or `Display`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Where the forge is and who the tool is there (from flags and the CI environment).
#[derive(Debug, Clone)]
pub struct ForgeSettings {
    pub platform: Platform,
    pub api_url: Option<String>,
    pub server_url: String,
    pub token: Option<Secret>,
    pub token_kind: TokenKind,
}

impl ForgeSettings {
    /// Git HTTP credentials for this forge's token, in the form the forge expects.
    pub fn git_credentials(&self) -> Option<crate::git::Credentials> {
        let token = self.token.as_ref()?.expose();
        let user = match (self.platform, self.token_kind) {
            (_, TokenKind::JobToken) => "gitlab-ci-token",
            (Platform::GitLab, _) => "oauth2",
            _ => "x-access-token",
        };
        Some(crate::git::Credentials::basic(user, token))
    }
}

/// Errors of forge API calls. Messages name the request, never the token.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error("{what}: not found (404)")]
    NotFound { what: String },
    /// 401: the token itself was refused; 403: it lacks what `hint` names.
    #[error("{what}: {status} — {}", refusal(*status, hint))]
    Unauthorized {
        what: String,
        status: u16,
        hint: String,
    },
    #[error("{what}: {status} {message}")]
    Conflict {
        what: String,
        status: u16,
        message: String,
    },
    /// `secondary`: GitHub's secondary rate limit (too many requests at once or too
    /// much created in a short time), not the hourly quota. `waited`: the seconds
    /// waited between the attempts.
    #[error("{}", rate_limited(what, *attempts, *retry_after, *secondary, *waited))]
    RateLimited {
        what: String,
        attempts: u32,
        retry_after: Option<u64>,
        secondary: bool,
        waited: u64,
    },
    #[error("{what}: server error {status} after {}: {message}", tries(*attempts))]
    Server {
        what: String,
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error("{what}: unexpected status {status}: {message}")]
    Unexpected {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: {message} (after {})", tries(*attempts))]
    Transport {
        what: String,
        attempts: u32,
        message: String,
    },
    #[error("{what}: the response is not what the API documents: {message}")]
    Decode { what: String, message: String },
    #[error("{0}")]
    Setup(String),
    #[error("{platform} has no API for {what}")]
    Unsupported { platform: Platform, what: String },
    /// The forge understood the request and said no (a GraphQL `errors` answer).
    #[error("{what}: refused: {message}")]
    Refused { what: String, message: String },
    /// A name or version the forge documents it refuses, found before anything is
    /// written.
    #[error("{what}: {rule}")]
    Unacceptable { what: String, rule: String },
    /// GitLab does not take its CI/CD job token for this endpoint (it would answer as
    /// to an anonymous caller: 404 for a private project), so it is not sent.
    #[error(
        "{what}: GitLab's CI_JOB_TOKEN cannot call this API (GitLab documents the few it \
         can under \"Job token access\"); set GITLAB_TOKEN (or --token) to a project \
         access token with `{needs}`"
    )]
    JobTokenRefused { what: String, needs: &'static str },
}

impl crate::Problem for ForgeError {
    /// Whether the user's input is what the forge refuses (exit 2), not the job.
    fn is_bad_input(&self) -> bool {
        matches!(self, ForgeError::Unacceptable { .. })
    }
}

/// `1 attempt`, `5 attempts`.
fn tries(attempts: u32) -> String {
    if attempts == 1 {
        "1 attempt".into()
    } else {
        format!("{attempts} attempts")
    }
}

fn rate_limited(
    what: &str,
    attempts: u32,
    retry_after: Option<u64>,
    secondary: bool,
    waited: u64,
) -> String {
    let asked = retry_after
        .map(|s| format!(" (the forge asks to wait {s} s)"))
        .unwrap_or_default();
    if secondary {
        format!(
            "{what}: GitHub's secondary rate limit (too many requests at once or too much \
             created in a short time) still refused it after {} and {waited} s of waiting{asked}; \
             run fewer jobs with this token at the same time",
            tries(attempts)
        )
    } else if waited > 0 {
        format!(
            "{what}: rate limited after {} and {waited} s of waiting{asked}",
            tries(attempts)
        )
    } else {
        format!("{what}: rate limited after {}{asked}", tries(attempts))
    }
}

fn refusal(status: u16, hint: &str) -> String {
    if status == 401 {
        format!("the token was refused (missing, wrong, expired or revoked); needed: {hint}")
    } else {
        format!("the token lacks a permission: {hint}")
    }
}

/// A tag as the forge API reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTag {
    pub name: String,
    pub commit: String,
    /// `None` for a lightweight tag.
    pub annotation: Option<Annotation>,
}

/// The most tags [`TagApi::tag_commits`] reads (its pages of 100).
pub const TAG_LIST_LIMIT: usize = 10_000;

/// What the tools need from a forge: every area below, and which forge it is.
pub trait Forge:
    TagApi + ChangeRequestApi + CiApi + ReleaseApi + CommentApi + ApprovalApi + IssueApi + ClosingApi
{
    fn platform(&self) -> Platform;
}

/// Tags, refs and commits: tag-from-request, read-tag-metadata, update-links'
/// floating tags, generate-changelog's compare, find-green-commit's history.
#[async_trait::async_trait]
pub trait TagApi: Send + Sync {
    /// The tag `name` of `repo` (`owner/name`), or `None` when it does not exist.
    async fn tag(&self, repo: &str, name: &str) -> Result<Option<RemoteTag>, ForgeError>;

    /// Every tag of `repo` with the commit it points at (peeled), at most
    /// [`TAG_LIST_LIMIT`]: which releases a floating tag's commit carries.
    async fn tag_commits(&self, repo: &str) -> Result<Vec<(String, String)>, ForgeError>;

    /// Whether `sha` names a commit of `repo`.
    async fn commit_exists(&self, repo: &str, sha: &str) -> Result<bool, ForgeError>;

    /// Creates the annotated tag `name` of `repo` on `commit` with `message`. A tag of
    /// that name that already exists is left as it is and reported as
    /// [`TagCreation::AlreadyExists`] (read it with [`TagApi::tag`]); nothing is moved.
    async fn create_annotated_tag(
        &self,
        repo: &str,
        name: &str,
        commit: &str,
        message: &str,
    ) -> Result<TagCreation, ForgeError>;

    /// The commit branch `name` of `repo` is on, or `None` when it does not exist.
    async fn branch(&self, repo: &str, name: &str) -> Result<Option<String>, ForgeError>;

    /// Creates branch `name` of `repo` at `commit`. A branch of that name that
    /// already exists is left as it is and reported as [`TagCreation::AlreadyExists`]
    /// (read it with [`TagApi::branch`]); no branch is ever moved.
    async fn create_branch(
        &self,
        repo: &str,
        name: &str,
        commit: &str,
    ) -> Result<TagCreation, ForgeError>;

    /// Points the floating tag `name` of `repo` at `commit`, creating it when `exists`
    /// is false. Only update-links calls this, and only for tags the configuration
    /// names as floating: every other tag is never moved. GitHub moves the ref in one
    /// forced update; GitLab has no such call, so the tag is deleted and created again
    /// (not atomic: if the creation fails the tag is gone, and the error says so).
    async fn move_floating_tag(
        &self,
        repo: &str,
        name: &str,
        commit: &str,
        exists: bool,
    ) -> Result<(), ForgeError>;

    /// The default branch of `repo`.
    async fn default_branch(&self, repo: &str) -> Result<String, ForgeError>;

    /// The newest `limit` commits of `reference` (a branch, tag or commit), newest
    /// first, following the forge's pagination.
    async fn commits(
        &self,
        repo: &str,
        reference: &str,
        limit: usize,
    ) -> Result<Vec<RemoteCommit>, ForgeError>;

    /// The commits `head` has and `base` lacks (`base...head`, from their merge base),
    /// oldest first as the compare APIs list them, every page read.
    async fn compare_commits(
        &self,
        repo: &str,
        base: &str,
        head: &str,
    ) -> Result<Vec<RemoteCommit>, ForgeError>;
}

/// Change requests (GitHub pull requests, GitLab merge requests): propose-change.
#[async_trait::async_trait]
pub trait ChangeRequestApi: Send + Sync {
    /// The open change requests whose source is `branch` of `repo` itself.
    async fn open_change_requests(
        &self,
        repo: &str,
        branch: &str,
    ) -> Result<Vec<ChangeRequest>, ForgeError>;

    /// Opens a change request (with its labels).
    async fn create_change_request(
        &self,
        repo: &str,
        draft: &ChangeRequestDraft<'_>,
    ) -> Result<ChangeRequest, ForgeError>;

    /// Sets the title and body of change request `number`.
    async fn update_change_request(
        &self,
        repo: &str,
        number: u64,
        title: &str,
        body: &str,
    ) -> Result<ChangeRequest, ForgeError>;

    /// Adds labels to change request `number` (labels it has keep).
    async fn add_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> Result<(), ForgeError>;

    /// Sets the change request to merge when its pipeline passes.
    async fn enable_auto_merge(
        &self,
        repo: &str,
        change: &ChangeRequest,
    ) -> Result<AutoMerge, ForgeError>;

    /// Approves the change request as the token's user.
    async fn approve(&self, repo: &str, change: &ChangeRequest) -> Result<(), ForgeError>;

    /// Change request `number` of `repo`: open, closed, or merged with its commit.
    async fn change_request_status(
        &self,
        repo: &str,
        number: u64,
    ) -> Result<ChangeRequestStatus, ForgeError>;
}

/// CI state and the runs that built a commit: find-green-commit, publish-release and
/// verify-release.
#[async_trait::async_trait]
pub trait CiApi: Send + Sync {
    /// The CI state of commit `sha`: GitHub's check runs and commit statuses, GitLab's
    /// newest pipeline for the commit and its jobs.
    async fn commit_ci(&self, repo: &str, sha: &str) -> Result<CommitCi, ForgeError>;

    /// The CI runs that built `query.commit`, newest run per workflow (GitHub), or the
    /// tag's pipeline (GitLab), with the artifacts of those that succeeded.
    async fn build_runs(
        &self,
        repo: &str,
        query: &BuildRunQuery<'_>,
    ) -> Result<Vec<BuildRun>, ForgeError>;

    /// The zip archive of an artifact (a redirect to the storage host is followed
    /// without the token).
    async fn download_build_artifact(
        &self,
        repo: &str,
        artifact: &BuildArtifact,
    ) -> Result<bytes::Bytes, ForgeError>;
}

/// Releases and their files: publish-release and verify-release.
#[async_trait::async_trait]
pub trait ReleaseApi: Send + Sync {
    /// The name the forge stores a file uploaded as `name` under (GitHub renames
    /// special characters); most keep it.
    fn stored_asset_name(&self, name: &str) -> String {
        name.to_string()
    }

    /// The published release of `tag`, with the assets it shows, or `None`. (GitHub
    /// finds drafts by id only, never by tag.)
    async fn release(&self, repo: &str, tag: &str) -> Result<Option<ForgeRelease>, ForgeError>;

    /// Files uploaded for the release of `spec` that it does not show yet: GitLab's
    /// generic package files of the tag's version (left by a run that failed before it
    /// created the release); GitHub keeps assets only inside a release, so none.
    async fn unattached_release_files(
        &self,
        repo: &str,
        spec: &ReleaseSpec,
    ) -> Result<Vec<ReleaseAsset>, ForgeError>;

    /// What the forge would refuse of the release of `spec` with files `names`, said
    /// before anything is written: GitLab's generic packages take only some versions
    /// and file names; GitHub takes any (it renames files itself).
    fn check_release_files(&self, _spec: &ReleaseSpec, _names: &[&str]) -> Result<(), ForgeError> {
        Ok(())
    }

    /// Prepares a new release that nobody sees yet: a GitHub draft; on GitLab nothing
    /// is created before [`ReleaseApi::publish_release`].
    async fn stage_release(
        &self,
        repo: &str,
        spec: &ReleaseSpec,
    ) -> Result<ForgeRelease, ForgeError>;

    /// Uploads one file for `release`: into the GitHub release (draft or not), or to
    /// GitLab's generic package registry (attached by [`ReleaseApi::publish_release`]).
    async fn upload_release_asset(
        &self,
        repo: &str,
        release: &ForgeRelease,
        spec: &ReleaseSpec,
        upload: &AssetUpload<'_>,
    ) -> Result<ReleaseAsset, ForgeError>;

    /// Makes `release` say what `spec` says and show `attach`: publishes a staged
    /// release (GitHub: the draft flips, with `prerelease` and `make_latest`; GitLab:
    /// the release is created with its asset links) or updates a published one.
    async fn publish_release(
        &self,
        repo: &str,
        release: &ForgeRelease,
        spec: &ReleaseSpec,
        attach: &[ReleaseAsset],
    ) -> Result<ForgeRelease, ForgeError>;

    /// Removes a staged release (GitHub: deletes the draft; GitLab: nothing exists).
    async fn discard_release(&self, repo: &str, release: &ForgeRelease) -> Result<(), ForgeError>;

    /// The bytes of an asset, to compare it when the forge reports no checksum.
    async fn download_release_asset(
        &self,
        repo: &str,
        asset: &ReleaseAsset,
    ) -> Result<bytes::Bytes, ForgeError>;
}

/// Issue comments (GitHub issue comments, GitLab issue notes): comment-on-issue.
#[async_trait::async_trait]
pub trait CommentApi: Send + Sync {
    /// The comments of issue `issue`, oldest first.
    async fn issue_comments(&self, repo: &str, issue: u64)
    -> Result<Vec<IssueComment>, ForgeError>;

    /// Adds a comment to issue `issue`.
    async fn create_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError>;

    /// Replaces the text of comment `id` on issue `issue`.
    async fn update_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError>;
}

/// Who proposed, merged and approved a change: tag-from-request's approval trail.
#[async_trait::async_trait]
pub trait ApprovalApi: Send + Sync {
    /// The change request whose merge made commit `sha` of `repo` (a merge, squash or
    /// rebase commit), with its author, merger and approving reviewers; `None` when
    /// the commit came without one (a direct push).
    async fn merged_change_request(
        &self,
        repo: &str,
        sha: &str,
    ) -> Result<Option<MergedChange>, ForgeError>;
}

/// Issues and the people on them: track-release's tracking issues and sign-offs.
#[async_trait::async_trait]
pub trait IssueApi: Send + Sync {
    /// Issue `number` of `repo` (a pull request's number is not found).
    async fn issue(&self, repo: &str, number: u64) -> Result<Issue, ForgeError>;

    /// Every issue of `repo` with `label`, open or closed, every page read (GitHub's
    /// pull requests, which its issue list includes, left out).
    async fn issues_with_label(&self, repo: &str, label: &str) -> Result<Vec<Issue>, ForgeError>;

    /// Opens an issue with its labels.
    async fn create_issue(&self, repo: &str, draft: &IssueDraft<'_>) -> Result<Issue, ForgeError>;

    /// Replaces the body of issue `number`.
    async fn update_issue_body(
        &self,
        repo: &str,
        number: u64,
        body: &str,
    ) -> Result<(), ForgeError>;

    /// Closes issue `number`.
    async fn close_issue(&self, repo: &str, number: u64) -> Result<(), ForgeError>;

    /// Adds labels to issue `number` (labels it has keep).
    async fn add_issue_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> Result<(), ForgeError>;

    /// Whether `person` is an active member of `team` (GitHub `org/team-slug`, child
    /// teams included; GitLab group path, inherited members included). A team that
    /// does not exist, or that the token cannot see, is [`ForgeError::NotFound`].
    async fn is_team_member(&self, team: &str, person: &Person) -> Result<bool, ForgeError>;
}

/// The issues merged change requests close: comment-fixed-issues.
#[async_trait::async_trait]
pub trait ClosingApi: Send + Sync {
    /// The issues that the merged change requests of `commits` (commits of `repo`) close,
    /// as the forge links them: GitHub's `closingIssuesReferences` of the merged pull
    /// requests associated with each commit, GitLab's `closes_issues` of the merged
    /// merge requests of each commit.
    async fn issues_closed_by_merged_changes(
        &self,
        repo: &str,
        commits: &[String],
    ) -> Result<Vec<ClosingReference>, ForgeError>;
}

/// An issue a merged change request closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosingReference {
    /// The issue's repository (`owner/name`, GitLab's project path).
    pub repo: String,
    pub number: u64,
    /// The change request's number (GitHub) or IID (GitLab).
    pub change: u64,
}

/// What [`TagApi::create_annotated_tag`] or [`TagApi::create_branch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagCreation {
    Created,
    /// A tag or branch of that name was there already; it was not touched.
    AlreadyExists,
}

/// Connects to the forge the settings name. Plain git has no API.
pub async fn connect(settings: &ForgeSettings) -> Result<Box<dyn Forge>, ForgeError> {
    match settings.platform {
        Platform::GitHub => Ok(Box::new(GitHub::new(settings)?)),
        Platform::GitLab => Ok(Box::new(GitLab::new(settings).await?)),
        Platform::Git => Err(ForgeError::Unsupported {
            platform: Platform::Git,
            what: "API calls".into(),
        }),
    }
}

/// Checks a forge repository's path, `owner/name` (GitLab: `group/subgroup/name`):
/// two or more segments of letters, digits, `.`, `-`, `_`, so a malformed name is
/// refused before any call is made with it.
pub fn check_repository(name: &str) -> Result<(), String> {
    let segments: Vec<&str> = name.split('/').collect();
    if segments.len() < 2 {
        return Err(format!("`{name}` is not owner/name"));
    }
    for segment in &segments {
        if segment.is_empty() || *segment == "." || *segment == ".." {
            return Err(format!(
                "`{name}` has an empty or relative segment; expected owner/name"
            ));
        }
        if let Some(c) = segment
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        {
            return Err(format!(
                "`{name}` holds `{c}`; a repository path has letters, digits, `.`, `-` and `_`"
            ));
        }
    }
    Ok(())
}

/// A small runtime for the tools' network calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime can be built")
}

/// Percent-encodes one path segment (GitLab project paths, tag names with `/`).
pub fn encode_segment(text: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(text, KEEP).to_string()
}

/// Percent-encodes a ref path, keeping its `/` separators (GitHub `git/ref/tags/a/b`).
pub fn encode_path(text: &str) -> String {
    text.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::ForgeError;

    #[test]
    fn a_401_says_the_token_was_refused_and_a_403_what_it_lacks() {
        let error = |status| ForgeError::Unauthorized {
            what: "GET tag v1 of a/b".into(),
            status,
            hint: "contents: read (Bad credentials)".into(),
        };
        assert_eq!(
            error(401).to_string(),
            "GET tag v1 of a/b: 401 — the token was refused (missing, wrong, expired or \
             revoked); needed: contents: read (Bad credentials)"
        );
        assert_eq!(
            error(403).to_string(),
            "GET tag v1 of a/b: 403 — the token lacks a permission: contents: read (Bad \
             credentials)"
        );
    }
}
