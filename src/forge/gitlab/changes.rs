//! Merge requests: list, open, edit, label, approve, merge when the pipeline succeeds.

use super::{GitLab, PAGE_SIZE};
use crate::forge::changes::parse_date;
use crate::forge::transport::{Items, Request};
use crate::forge::{
    AutoMerge, ChangeRequest, ChangeRequestApi, ChangeRequestDraft, ChangeRequestState,
    ChangeRequestStatus, ForgeError,
};
use serde::Deserialize;

/// What a 401/403 on a merge request means with GitLab's tokens, and the fix.
const MR_WRITE: &str = "the `api` scope and at least the Developer role; CI_JOB_TOKEN cannot \
    open or change merge requests — use a project access token with `api` (and \
    `write_repository` to push) in GITLAB_TOKEN or --token";

/// A merge request as `GET/POST/PUT /projects/:id/merge_requests…` return it.
#[derive(Deserialize)]
struct MergeRequest {
    iid: u64,
    web_url: String,
    title: String,
    description: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    source_branch: String,
    target_branch: String,
    created_at: Option<String>,
    #[serde(default)]
    merge_when_pipeline_succeeds: bool,
    source_project_id: Option<u64>,
    target_project_id: Option<u64>,
}

impl From<MergeRequest> for ChangeRequest {
    fn from(mr: MergeRequest) -> Self {
        ChangeRequest {
            number: mr.iid,
            node_id: None,
            url: mr.web_url,
            title: mr.title,
            body: mr.description.unwrap_or_default(),
            labels: mr.labels,
            source_branch: mr.source_branch,
            target_branch: mr.target_branch,
            created_at: parse_date(mr.created_at.as_deref()),
            auto_merge: mr.merge_when_pipeline_succeeds,
        }
    }
}

/// `GET /projects/:id/merge_requests/:merge_request_iid/approvals`, for the token's user.
#[derive(Deserialize)]
struct Approvals {
    #[serde(default)]
    user_has_approved: bool,
}

fn merge_request(repo: &str, number: u64, rest: &str) -> String {
    GitLab::project(repo, &format!("/merge_requests/{number}{rest}"))
}

/// `GET /projects/:id/merge_requests/:merge_request_iid`, as `wait-for --merged` reads it.
#[derive(Deserialize)]
struct MergeRequestState {
    iid: u64,
    web_url: String,
    state: String,
    merge_commit_sha: Option<String>,
    squash_commit_sha: Option<String>,
    sha: Option<String>,
}

impl GitLab {
    /// The open merge requests from `branch` of `repo` itself.
    async fn open_merge_requests(
        &self,
        repo: &str,
        branch: &str,
    ) -> Result<Vec<MergeRequest>, ForgeError> {
        let request = Request::get(GitLab::project(repo, "/merge_requests"))
            .query("source_branch", branch)
            .query("state", "opened")
            .query("per_page", PAGE_SIZE)
            .what(format!("GET open merge requests from {branch} in {repo}"))
            .needs("read_api");
        let requests: Vec<MergeRequest> =
            self.api.pages(&request, usize::MAX, Items::Array).await?;
        Ok(requests
            .into_iter()
            .filter(|mr| {
                mr.source_branch == branch
                    && match (mr.source_project_id, mr.target_project_id) {
                        (Some(s), Some(t)) => s == t,
                        _ => true,
                    }
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl ChangeRequestApi for GitLab {
    async fn open_change_requests(
        &self,
        repo: &str,
        branch: &str,
    ) -> Result<Vec<ChangeRequest>, ForgeError> {
        let requests = self.open_merge_requests(repo, branch).await?;
        Ok(requests.into_iter().map(ChangeRequest::from).collect())
    }

    async fn create_change_request(
        &self,
        repo: &str,
        draft: &ChangeRequestDraft<'_>,
    ) -> Result<ChangeRequest, ForgeError> {
        self.outside_job_token(|| format!("POST merge request in {repo}"), "api")?;
        let mut body = serde_json::json!({
            "source_branch": draft.source_branch,
            "target_branch": draft.target_branch,
            "title": draft.title,
            "description": draft.body,
            "remove_source_branch": true,
        });
        if !draft.labels.is_empty() {
            body["labels"] = draft.labels.join(",").into();
        }
        let request = Request::post(GitLab::project(repo, "/merge_requests"))
            .what(format!(
                "POST merge request {} → {} in {repo}",
                draft.source_branch, draft.target_branch
            ))
            .needs(MR_WRITE)
            .json(&body);
        // After a lost answer the second POST would meet 409: look for it first.
        let landed = || async {
            let open = self.open_merge_requests(repo, draft.source_branch).await?;
            Ok(open.into_iter().next())
        };
        Ok(self.api.write_once(&request, landed).await?.into())
    }

    async fn update_change_request(
        &self,
        repo: &str,
        number: u64,
        title: &str,
        body: &str,
    ) -> Result<ChangeRequest, ForgeError> {
        self.outside_job_token(|| format!("PUT merge request !{number} of {repo}"), "api")?;
        let request = Request::put(merge_request(repo, number, ""))
            .what(format!("PUT merge request !{number} of {repo}"))
            .needs(MR_WRITE)
            .json(&serde_json::json!({"title": title, "description": body}));
        Ok(self.api.json::<MergeRequest>(&request).await?.into())
    }

    async fn add_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> Result<(), ForgeError> {
        self.outside_job_token(|| format!("PUT labels of !{number} in {repo}"), "api")?;
        let request = Request::put(merge_request(repo, number, ""))
            .what(format!("PUT labels of !{number} in {repo}"))
            .needs(MR_WRITE)
            .json(&serde_json::json!({"add_labels": labels.join(",")}));
        self.api.send(&request).await.map(|_| ())
    }

    async fn enable_auto_merge(
        &self,
        repo: &str,
        change: &ChangeRequest,
    ) -> Result<AutoMerge, ForgeError> {
        self.outside_job_token(
            || format!("PUT merge of !{} in {repo}", change.number),
            "api",
        )?;
        // `merge_when_pipeline_succeeds` for every GitLab; `auto_merge` is its newer name.
        let request = Request::put(merge_request(repo, change.number, "/merge"))
            .what(format!(
                "PUT merge when the pipeline succeeds for !{} in {repo}",
                change.number
            ))
            .needs("the `api` scope and the right to merge into the target branch")
            .json(&serde_json::json!({"merge_when_pipeline_succeeds": true, "auto_merge": true}));
        match self.api.send(&request).await {
            Ok(_) => Ok(AutoMerge::Enabled),
            // GitLab refuses with 405 until the merge request's pipeline has started.
            Err(ForgeError::Unexpected {
                status: 405,
                message,
                ..
            }) => Ok(AutoMerge::NotYet(message)),
            Err(e) => Err(e),
        }
    }

    async fn change_request_status(
        &self,
        repo: &str,
        number: u64,
    ) -> Result<ChangeRequestStatus, ForgeError> {
        let request = Request::get(GitLab::project(repo, &format!("/merge_requests/{number}")))
            .what(format!("GET merge request !{number} of {repo}"))
            .needs("read_api");
        let mr: MergeRequestState = self.api.json(&request).await?;
        let state = match mr.state.as_str() {
            // A fast-forward merge makes no merge commit: the head is what landed.
            "merged" => ChangeRequestState::Merged {
                commit: mr.merge_commit_sha.or(mr.squash_commit_sha).or(mr.sha),
            },
            "opened" | "locked" => ChangeRequestState::Open,
            _ => ChangeRequestState::Closed,
        };
        Ok(ChangeRequestStatus {
            number: mr.iid,
            url: mr.web_url,
            state,
        })
    }

    async fn approve(&self, repo: &str, change: &ChangeRequest) -> Result<(), ForgeError> {
        self.outside_job_token(
            || format!("POST approval of !{} in {repo}", change.number),
            "api",
        )?;
        let request = Request::post(merge_request(repo, change.number, "/approve"))
            .what(format!("POST approval of !{} in {repo}", change.number))
            .needs("the `api` scope for the --merge-token's user, who must be an eligible approver")
            .json(&serde_json::json!({}));
        match self.api.send(&request).await {
            Ok(_) => Ok(()),
            // GitLab answers 401 to a user who approved already; the approval state
            // says whether that is what the 401 meant.
            Err(error @ ForgeError::Unauthorized { status: 401, .. }) => {
                let state = Request::get(merge_request(repo, change.number, "/approvals"))
                    .what(format!("GET approvals of !{} in {repo}", change.number))
                    .needs("read_api");
                match self.api.json::<Approvals>(&state).await {
                    Ok(approvals) if approvals.user_has_approved => Ok(()),
                    _ => Err(error),
                }
            }
            Err(e) => Err(e),
        }
    }
}
