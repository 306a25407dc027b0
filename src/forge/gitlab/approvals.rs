//! The approval trail of a commit: "List merge requests associated with a commit" and
//! the merge request's approvals.

use super::{GitLab, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{ApprovalApi, ForgeError, MergedChange, Person};
use serde::Deserialize;

const MR_READ: &str = "`read_api` and at least the Reporter role";

#[derive(Deserialize)]
struct User {
    id: Option<u64>,
    username: String,
    name: Option<String>,
}

impl From<User> for Person {
    fn from(user: User) -> Person {
        Person {
            username: user.username,
            name: user.name,
            id: user.id,
        }
    }
}

/// An item of `GET /projects/:id/repository/commits/:sha/merge_requests`.
#[derive(Deserialize)]
struct CommitMergeRequest {
    iid: u64,
    web_url: String,
    state: String,
    author: User,
    /// Who merged it; `merged_by` is its deprecated name.
    merge_user: Option<User>,
    merged_by: Option<User>,
    merge_commit_sha: Option<String>,
    squash_commit_sha: Option<String>,
}

/// `GET /projects/:id/merge_requests/:merge_request_iid/approvals`.
#[derive(Deserialize)]
struct Approvals {
    #[serde(default)]
    approved_by: Vec<Approval>,
}

#[derive(Deserialize)]
struct Approval {
    user: User,
}

#[async_trait::async_trait]
impl ApprovalApi for GitLab {
    async fn merged_change_request(
        &self,
        repo: &str,
        sha: &str,
    ) -> Result<Option<MergedChange>, ForgeError> {
        let listed = Request::get(GitLab::project(
            repo,
            &format!("/repository/commits/{sha}/merge_requests"),
        ))
        .query("per_page", PAGE_SIZE)
        .what(format!("GET merge requests of commit {sha} in {repo}"))
        .needs(MR_READ);
        let requests: Vec<CommitMergeRequest> =
            self.api.pages(&listed, usize::MAX, Items::Array).await?;
        let made_it = |mr: &CommitMergeRequest| {
            mr.merge_commit_sha.as_deref() == Some(sha)
                || mr.squash_commit_sha.as_deref() == Some(sha)
        };
        // The one this commit is the merge or squash of; else the first merged one
        // holding it (a fast-forward merge).
        let mut merged: Vec<CommitMergeRequest> = requests
            .into_iter()
            .filter(|mr| mr.state == "merged")
            .collect();
        if merged.is_empty() {
            return Ok(None);
        }
        let at = merged.iter().position(made_it).unwrap_or(0);
        let mr = merged.swap_remove(at);
        let approvals = Request::get(GitLab::project(
            repo,
            &format!("/merge_requests/{}/approvals", mr.iid),
        ))
        .what(format!(
            "GET approvals of merge request !{} of {repo}",
            mr.iid
        ))
        .needs(MR_READ);
        let approvals: Approvals = self.api.json(&approvals).await?;
        Ok(Some(MergedChange {
            number: mr.iid,
            url: mr.web_url,
            author: mr.author.into(),
            merged_by: mr.merge_user.or(mr.merged_by).map(Person::from),
            approvers: approvals
                .approved_by
                .into_iter()
                .map(|a| a.user.into())
                .collect(),
        }))
    }
}
