//! comment-fixed-issues: "fixed in acme/api 1.2.0" on every issue a release closes.
//!
//! The issues come from the release's range of commits (read from the local clone by
//! [`range`]): the closing keywords of their messages as the forge reads them
//! ([`references`]), the issues the merged change requests of those commits close (the
//! forge's own links), and the trailers of trackers configured by name
//! (`Closes-Bug: 1234`). Each issue gets one comment, named by a marker so that a re-run
//! finds it and leaves it; writes go one at a time, spaced as the forge asks of bulk
//! writers. A tracker that is no repository on the forge is only listed, with the URL
//! its template gives.

pub mod config;
pub mod range;
pub mod references;

pub use config::FixedIssuesConfig;
pub use references::IssueRef;

use crate::ci::Platform;
use crate::ci::context::TokenKind;
use crate::comment::marker_line;
use crate::forge::{Forge, ForgeError};
use references::{ClosingPattern, trailer_values};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Errors of comment-fixed-issues' input.
#[derive(Debug, thiserror::Error)]
pub enum FixedIssuesError {
    #[error(
        "the comment template {template:?} uses `{{{name}}}`; known are {{repo}}, {{project}}, {{version}}, {{tag}} and {{url}}"
    )]
    UnknownPlaceholder { template: String, name: String },
    #[error("the comment template is empty: give --message some text")]
    EmptyMessage,
    #[error("--label `{0}` must be one line without `,` (GitLab reads a comma as two labels)")]
    BadLabel(String),
    #[error(
        "CI_JOB_TOKEN cannot comment on issues: create a project access token with the `api` \
         scope (role Reporter or more) and pass it as GITLAB_TOKEN or --token"
    )]
    JobToken,
    #[error("{location}: {message}")]
    Config {
        location: crate::Location,
        message: String,
    },
    #[error("{0}")]
    Range(String),
}

impl crate::Problem for FixedIssuesError {
    fn is_bad_input(&self) -> bool {
        !matches!(self, FixedIssuesError::Range(_))
    }

    fn location(&self) -> Option<&crate::Location> {
        match self {
            FixedIssuesError::Config { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// A commit of the release's range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeCommit {
    pub sha: String,
    pub message: String,
    /// On the first-parent line of the tag (the commits a change request's merge put
    /// on the branch); only these are looked up on the forge.
    pub first_parent: bool,
}

/// A tracker that is no repository on the forge: named by a trailer, linked by a URL
/// template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracker {
    /// The trailer's key (`Closes-Bug`).
    pub trailer: String,
    /// `https://bugs.launchpad.net/bugs/{id}`.
    pub url: String,
    /// The forge repository whose issues the ids are, when it is one.
    pub repo: Option<String>,
}

/// What comment-fixed-issues is asked.
#[derive(Debug, Clone)]
pub struct FixedIssuesRequest {
    /// The released repository on the forge.
    pub repo: String,
    pub tag: String,
    pub version: String,
    /// The range's start (none for a first release).
    pub previous: Option<String>,
    pub commits: Vec<RangeCommit>,
    pub platform: Platform,
    pub token_kind: TokenKind,
    pub server_url: String,
    /// The comment, with `{repo}`, `{project}`, `{version}`, `{tag}` and `{url}`.
    pub message: String,
    /// The page the comment links to (the release's, or the tag's).
    pub link: String,
    pub label: Option<String>,
    pub trackers: Vec<Tracker>,
    /// Ask the forge which issues the merged change requests close.
    pub merged_changes: bool,
    /// The least time between two writes.
    pub write_interval: Duration,
    pub dry_run: bool,
}

/// What happened to one issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueAction {
    Commented,
    /// Its comment for this release is there (a re-run).
    AlreadyDone,
    Skipped(String),
    Failed(String),
}

impl IssueAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            IssueAction::Commented => "commented",
            IssueAction::AlreadyDone => "already-done",
            IssueAction::Skipped(_) => "skipped",
            IssueAction::Failed(_) => "failed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct IssueOutcome {
    pub issue: IssueRef,
    /// How the range closes it: `commit 1a2b3c4`, `pull request #12`, `Closes-Bug`.
    pub found_by: Vec<String>,
    pub url: Option<String>,
    pub action: IssueAction,
    /// The label was added (or, in a dry run, would be).
    pub labelled: bool,
    /// The comment this run made, or found.
    pub comment_url: Option<String>,
}

/// An issue of a tracker without an API here, listed with its URL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExternalIssue {
    pub trailer: String,
    pub id: String,
    pub url: String,
    pub commit: String,
}

#[derive(Debug, Clone)]
pub struct FixedIssuesReport {
    pub dry_run: bool,
    pub tag: String,
    pub previous: Option<String>,
    pub commits: usize,
    pub issues: Vec<IssueOutcome>,
    pub external: Vec<ExternalIssue>,
}

impl FixedIssuesReport {
    pub fn with_action(&self, action: &str) -> impl Iterator<Item = &IssueOutcome> {
        self.issues
            .iter()
            .filter(move |o| o.action.as_str() == action)
    }
}

/// The comment's text for `request`, its placeholders filled.
pub fn render_message(request: &FixedIssuesRequest) -> Result<String, FixedIssuesError> {
    let project = request
        .repo
        .rsplit('/')
        .next()
        .unwrap_or(&request.repo)
        .to_string();
    fill(
        &request.message,
        &[
            ("repo", request.repo.as_str()),
            ("project", project.as_str()),
            ("version", request.version.as_str()),
            ("tag", request.tag.as_str()),
            ("url", request.link.as_str()),
        ],
    )
}

fn fill(template: &str, values: &[(&str, &str)]) -> Result<String, FixedIssuesError> {
    if template.trim().is_empty() {
        return Err(FixedIssuesError::EmptyMessage);
    }
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = &after[..close];
        match values.iter().find(|(k, _)| *k == name) {
            Some((_, value)) => out.push_str(value),
            None => {
                return Err(FixedIssuesError::UnknownPlaceholder {
                    template: template.to_string(),
                    name: name.to_string(),
                });
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The marker of this release's comment: one per repository and tag, so a later
/// release (a backport) comments again and a re-run of this one does not.
pub fn marker(repo: &str, tag: &str) -> String {
    let keep = |c: char| {
        if c.is_ascii_alphanumeric() || "-_./".contains(c) {
            c
        } else {
            '_'
        }
    };
    format!(
        "fixed-in/{}/{}",
        repo.chars().map(keep).collect::<String>(),
        tag.chars().map(keep).collect::<String>()
    )
}

/// Checks the inputs before anything is read from the forge.
pub fn validate(request: &FixedIssuesRequest) -> Result<(), FixedIssuesError> {
    render_message(request)?;
    if let Some(label) = &request.label
        && (label.trim().is_empty() || label.contains([',', '\n', '\r']))
    {
        return Err(FixedIssuesError::BadLabel(label.clone()));
    }
    if request.platform == Platform::GitLab && request.token_kind == TokenKind::JobToken {
        return Err(FixedIssuesError::JobToken);
    }
    Ok(())
}

/// The issues the range closes, each with how, and the issues of other trackers.
pub async fn find_fixed_issues(
    request: &FixedIssuesRequest,
    forge: &dyn Forge,
) -> Result<(BTreeMap<IssueRef, Vec<String>>, Vec<ExternalIssue>), ForgeError> {
    let pattern = ClosingPattern::new(request.platform, &request.repo, &request.server_url);
    let mut found: BTreeMap<IssueRef, Vec<String>> = BTreeMap::new();
    let mut external = Vec::new();
    let mut note = |issue: IssueRef, how: String| {
        let ways = found.entry(issue).or_default();
        if !ways.contains(&how) {
            ways.push(how);
        }
    };
    for commit in &request.commits {
        let short = &commit.sha[..commit.sha.len().min(7)];
        for issue in pattern.closed_by(&commit.message) {
            note(issue, format!("commit {short}"));
        }
        for tracker in &request.trackers {
            for id in trailer_values(&commit.message, &tracker.trailer) {
                match (&tracker.repo, id.parse::<u64>()) {
                    (Some(repo), Ok(number)) => note(
                        IssueRef {
                            repo: repo.clone(),
                            number,
                        },
                        format!("{} of commit {short}", tracker.trailer),
                    ),
                    _ => {
                        let entry = ExternalIssue {
                            trailer: tracker.trailer.clone(),
                            url: tracker.url.replace("{id}", &id),
                            id,
                            commit: commit.sha.clone(),
                        };
                        if !external.iter().any(|e: &ExternalIssue| e.url == entry.url) {
                            external.push(entry);
                        }
                    }
                }
            }
        }
    }
    if request.merged_changes {
        let heads: Vec<String> = request
            .commits
            .iter()
            .filter(|c| c.first_parent)
            .map(|c| c.sha.clone())
            .collect();
        let kind = match request.platform {
            Platform::GitLab => "merge request !",
            _ => "pull request #",
        };
        for closing in forge
            .issues_closed_by_merged_changes(&request.repo, &heads)
            .await?
        {
            note(
                IssueRef {
                    repo: closing.repo,
                    number: closing.number,
                },
                format!("{kind}{}", closing.change),
            );
        }
    }
    Ok((found, external))
}

/// Spaces writes: the forge asks bulk writers to wait between two of them.
struct Pace {
    interval: Duration,
    last: Option<Instant>,
}

impl Pace {
    async fn before_write(&mut self) {
        if let Some(last) = self.last {
            let wait = self.interval.saturating_sub(last.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        self.last = Some(Instant::now());
    }
}

/// Comments once on every issue the range closes (and labels it).
pub async fn comment_fixed_issues(
    request: &FixedIssuesRequest,
    forge: &dyn Forge,
) -> crate::Result<FixedIssuesReport> {
    validate(request)?;
    let text = render_message(request)?;
    let line = marker_line(&marker(&request.repo, &request.tag));
    let body = format!("{}\n\n{line}", text.trim_end());
    let (found, external) = find_fixed_issues(request, forge).await?;
    let mut pace = Pace {
        interval: request.write_interval,
        last: None,
    };
    let mut issues = Vec::new();
    for (issue, found_by) in found {
        let mut outcome = IssueOutcome {
            issue: issue.clone(),
            found_by,
            url: None,
            action: IssueAction::Commented,
            labelled: false,
            comment_url: None,
        };
        if let Err(e) = handle(request, forge, &body, &line, &mut pace, &mut outcome).await {
            outcome.action = IssueAction::Failed(e.to_string());
        }
        issues.push(outcome);
    }
    Ok(FixedIssuesReport {
        dry_run: request.dry_run,
        tag: request.tag.clone(),
        previous: request.previous.clone(),
        commits: request.commits.len(),
        issues,
        external,
    })
}

async fn handle(
    request: &FixedIssuesRequest,
    forge: &dyn Forge,
    body: &str,
    line: &str,
    pace: &mut Pace,
    outcome: &mut IssueOutcome,
) -> Result<(), ForgeError> {
    let IssueRef { repo, number } = &outcome.issue;
    let issue = match forge.issue(repo, *number).await {
        Ok(issue) => issue,
        Err(ForgeError::NotFound { what }) => {
            outcome.action = IssueAction::Skipped(if what.contains("is a pull request") {
                "a pull request, not an issue".into()
            } else {
                "not found (or not visible to the token)".into()
            });
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    outcome.url = Some(issue.url.clone());
    let existing = forge
        .issue_comments(repo, *number)
        .await?
        .into_iter()
        .find(|c| c.body.lines().any(|l| l.trim() == line));
    match existing {
        Some(comment) => {
            outcome.action = IssueAction::AlreadyDone;
            outcome.comment_url = comment.url;
        }
        None => {
            outcome.action = IssueAction::Commented;
            if !request.dry_run {
                pace.before_write().await;
                outcome.comment_url = forge.create_issue_comment(repo, *number, body).await?.url;
            }
        }
    }
    if let Some(label) = &request.label
        && !issue.labels.iter().any(|l| l == label)
    {
        outcome.labelled = true;
        if !request.dry_run {
            pace.before_write().await;
            forge
                .add_issue_labels(repo, *number, std::slice::from_ref(label))
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_refused() {
        let values = [("repo", "acme/api"), ("version", "1.2.0")];
        assert_eq!(
            fill("fixed in {repo} {version}", &values).unwrap(),
            "fixed in acme/api 1.2.0"
        );
        assert_eq!(
            fill("fixed in {release}", &values).unwrap_err().to_string(),
            "the comment template \"fixed in {release}\" uses `{release}`; known are {repo}, \
             {project}, {version}, {tag} and {url}"
        );
        assert_eq!(fill("a { b", &values).unwrap(), "a { b");
        assert!(matches!(
            fill(" ", &values),
            Err(FixedIssuesError::EmptyMessage)
        ));
        assert_eq!(
            marker("acme/api", "v1.2.0+b1"),
            "fixed-in/acme/api/v1.2.0_b1"
        );
    }
}
