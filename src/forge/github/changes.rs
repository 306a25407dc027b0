//! Pull requests: list, open, edit, label, approve, and auto-merge (GraphQL only).

use super::{GitHub, PAGE_SIZE};
use crate::forge::changes::parse_date;
use crate::forge::transport::{Items, Request};
use crate::forge::{
    AutoMerge, ChangeRequest, ChangeRequestApi, ChangeRequestDraft, ChangeRequestState,
    ChangeRequestStatus, ForgeError,
};
use serde::Deserialize;

/// What a 401/403 on a change request means with GitHub's tokens, and the fixes.
const PULLS_WRITE: &str = "`pull-requests: write` (and `contents: write` to push the branch); \
    with GITHUB_TOKEN the repository must also allow \"GitHub Actions to create and approve pull requests\", \
    and events made with GITHUB_TOKEN start no workflows — use a GitHub App token \
    (actions/create-github-app-token) so the pull request's checks run";

const ENABLE_AUTO_MERGE: &str = "mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod) { \
    enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}) { \
    pullRequest { number autoMergeRequest { enabledAt } } } }";

/// The merge methods of `GET /repos/{owner}/{repo}` (absent: allowed, as GitHub
/// leaves them out for a token that cannot administer the repository).
#[derive(Deserialize)]
struct MergeMethods {
    allow_merge_commit: Option<bool>,
    allow_squash_merge: Option<bool>,
    allow_rebase_merge: Option<bool>,
}

impl MergeMethods {
    /// GraphQL's `PullRequestMergeMethod` to ask for: a merge commit where allowed,
    /// else squash, else rebase.
    fn preferred(&self) -> &'static str {
        if self.allow_merge_commit != Some(false) {
            "MERGE"
        } else if self.allow_squash_merge != Some(false) {
            "SQUASH"
        } else if self.allow_rebase_merge != Some(false) {
            "REBASE"
        } else {
            "MERGE"
        }
    }
}

/// A pull request as `GET/POST/PATCH /repos/{owner}/{repo}/pulls…` return it.
#[derive(Deserialize)]
struct PullRequest {
    number: u64,
    node_id: Option<String>,
    html_url: String,
    title: String,
    body: Option<String>,
    #[serde(default)]
    labels: Vec<Label>,
    head: PullRef,
    base: PullRef,
    created_at: Option<String>,
    auto_merge: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Label {
    name: String,
}

#[derive(Deserialize)]
struct PullRef {
    #[serde(rename = "ref")]
    name: String,
    repo: Option<PullRepo>,
}

#[derive(Deserialize)]
struct PullRepo {
    full_name: String,
}

impl From<PullRequest> for ChangeRequest {
    fn from(pr: PullRequest) -> Self {
        ChangeRequest {
            number: pr.number,
            node_id: pr.node_id,
            url: pr.html_url,
            title: pr.title,
            body: pr.body.unwrap_or_default(),
            labels: pr.labels.into_iter().map(|l| l.name).collect(),
            source_branch: pr.head.name,
            target_branch: pr.base.name,
            created_at: parse_date(pr.created_at.as_deref()),
            auto_merge: pr.auto_merge.is_some_and(|a| !a.is_null()),
        }
    }
}

/// `GET /repos/{owner}/{repo}/pulls/{pull_number}`, as `wait-for --merged` reads it.
#[derive(Deserialize)]
struct PullState {
    number: u64,
    html_url: String,
    state: String,
    #[serde(default)]
    merged: bool,
    merge_commit_sha: Option<String>,
}

impl GitHub {
    /// The open pull requests from `branch` of `repo` itself.
    async fn open_pull_requests(
        &self,
        repo: &str,
        branch: &str,
    ) -> Result<Vec<PullRequest>, ForgeError> {
        let owner = repo.split('/').next().unwrap_or(repo);
        let request = Request::get(GitHub::repo_path(repo, "/pulls"))
            .query("head", format!("{owner}:{branch}"))
            .query("state", "open")
            .query("per_page", PAGE_SIZE)
            .what(format!("GET open pull requests from {branch} in {repo}"))
            .needs("pull-requests: read");
        let pulls: Vec<PullRequest> = self.api.pages(&request, usize::MAX, Items::Array).await?;
        Ok(pulls
            .into_iter()
            .filter(|pr| {
                pr.head.name == branch
                    && pr
                        .head
                        .repo
                        .as_ref()
                        .is_none_or(|r| r.full_name.eq_ignore_ascii_case(repo))
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl ChangeRequestApi for GitHub {
    async fn open_change_requests(
        &self,
        repo: &str,
        branch: &str,
    ) -> Result<Vec<ChangeRequest>, ForgeError> {
        let pulls = self.open_pull_requests(repo, branch).await?;
        Ok(pulls.into_iter().map(ChangeRequest::from).collect())
    }

    async fn create_change_request(
        &self,
        repo: &str,
        draft: &ChangeRequestDraft<'_>,
    ) -> Result<ChangeRequest, ForgeError> {
        let request = Request::post(GitHub::repo_path(repo, "/pulls"))
            .what(format!(
                "POST pull request {} → {} in {repo}",
                draft.source_branch, draft.target_branch
            ))
            .needs(PULLS_WRITE)
            .json(&serde_json::json!({
                "title": draft.title,
                "head": draft.source_branch,
                "base": draft.target_branch,
                "body": draft.body,
            }));
        // After a lost answer the second POST would meet 422 "A pull request already
        // exists": look for it first.
        let landed = || async {
            let open = self.open_pull_requests(repo, draft.source_branch).await?;
            Ok(open.into_iter().next())
        };
        let pr: PullRequest = self.api.write_once(&request, landed).await?;
        let mut change = ChangeRequest::from(pr);
        if !draft.labels.is_empty() {
            self.add_labels(repo, change.number, draft.labels).await?;
            for label in draft.labels {
                if !change.labels.contains(label) {
                    change.labels.push(label.clone());
                }
            }
        }
        Ok(change)
    }

    async fn update_change_request(
        &self,
        repo: &str,
        number: u64,
        title: &str,
        body: &str,
    ) -> Result<ChangeRequest, ForgeError> {
        let request = Request::patch(GitHub::repo_path(repo, &format!("/pulls/{number}")))
            .what(format!("PATCH pull request #{number} of {repo}"))
            .needs(PULLS_WRITE)
            .json(&serde_json::json!({"title": title, "body": body}));
        Ok(self.api.json::<PullRequest>(&request).await?.into())
    }

    async fn add_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> Result<(), ForgeError> {
        let request = Request::post(GitHub::repo_path(repo, &format!("/issues/{number}/labels")))
            .what(format!("POST labels of #{number} in {repo}"))
            .needs("`pull-requests: write` (or `issues: write`)")
            .json(&serde_json::json!({ "labels": labels }));
        self.api.send(&request).await.map(|_| ())
    }

    async fn enable_auto_merge(
        &self,
        repo: &str,
        change: &ChangeRequest,
    ) -> Result<AutoMerge, ForgeError> {
        let what = format!("enable auto-merge of #{} in {repo}", change.number);
        let Some(node_id) = &change.node_id else {
            return Err(ForgeError::Decode {
                what,
                message: "the pull request has no node_id".into(),
            });
        };
        // The mutation defaults to a merge commit, which a squash- or rebase-only
        // repository refuses: ask for a method it allows.
        let repository = Request::get(GitHub::repo_path(repo, ""))
            .what(format!("GET repository {repo}"))
            .needs("metadata: read");
        let methods: MergeMethods = self.api.json(&repository).await?;
        let request = Request::post(&self.graphql_url)
            .what(&what)
            .needs("`contents: write` and `pull-requests: write`")
            .json(&serde_json::json!({
                "query": ENABLE_AUTO_MERGE,
                "variables": {"pullRequestId": node_id, "mergeMethod": methods.preferred()},
            }));
        // GraphQL answers 200 and lists what went wrong in `errors`.
        let answer: serde_json::Value = self.api.json(&request).await?;
        if let Some(errors) = answer.get("errors").and_then(|e| e.as_array())
            && !errors.is_empty()
        {
            let message = errors
                .iter()
                .filter_map(|e| e.get("message").and_then(|m| m.as_str()))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ForgeError::Refused {
                what,
                message: format!(
                    "{message} (auto-merge needs \"Allow auto-merge\" in the repository settings \
                     and a protected base branch with required checks)"
                ),
            });
        }
        Ok(AutoMerge::Enabled)
    }

    async fn change_request_status(
        &self,
        repo: &str,
        number: u64,
    ) -> Result<ChangeRequestStatus, ForgeError> {
        let request = Request::get(GitHub::repo_path(repo, &format!("/pulls/{number}")))
            .what(format!("GET pull request #{number} of {repo}"))
            .needs("pull-requests: read");
        let pull: PullState = self.api.json(&request).await?;
        let state = match (pull.merged, pull.state.as_str()) {
            (true, _) => ChangeRequestState::Merged {
                commit: pull.merge_commit_sha,
            },
            (false, "open") => ChangeRequestState::Open,
            _ => ChangeRequestState::Closed,
        };
        Ok(ChangeRequestStatus {
            number: pull.number,
            url: pull.html_url,
            state,
        })
    }

    async fn approve(&self, repo: &str, change: &ChangeRequest) -> Result<(), ForgeError> {
        let request = Request::post(GitHub::repo_path(
            repo,
            &format!("/pulls/{}/reviews", change.number),
        ))
        .what(format!(
            "POST approving review of #{} in {repo}",
            change.number
        ))
        .needs("`pull-requests: write` for the --merge-token's user")
        .json(&serde_json::json!({"event": "APPROVE"}));
        self.api.send(&request).await.map(|_| ())
    }
}
