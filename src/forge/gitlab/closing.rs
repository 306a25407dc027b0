//! The issues merged merge requests close: the merge requests of each commit
//! (`GET /projects/:id/repository/commits/:sha/merge_requests`), and of each merged one
//! the issues it closes (`GET /projects/:id/merge_requests/:iid/closes_issues`).

use super::{GitLab, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{ClosingApi, ClosingReference, ForgeError, encode_segment};
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Deserialize)]
struct MergeRequest {
    iid: u64,
    state: String,
}

#[derive(Deserialize)]
struct ClosedIssue {
    iid: u64,
    web_url: String,
}

/// The project path of an issue's page: `group/sub/project` of
/// `https://gitlab.example.com/group/sub/project/-/issues/7`.
fn project_of(web_url: &str) -> Option<String> {
    let after_host = web_url.split_once("://")?.1;
    let path = after_host.split_once('/')?.1;
    let project = path
        .split_once("/-/issues/")
        .or_else(|| path.split_once("/-/work_items/"))?
        .0;
    (!project.is_empty()).then(|| project.to_string())
}

#[async_trait::async_trait]
impl ClosingApi for GitLab {
    async fn issues_closed_by_merged_changes(
        &self,
        repo: &str,
        commits: &[String],
    ) -> Result<Vec<ClosingReference>, ForgeError> {
        let mut merged = BTreeSet::new();
        for sha in commits {
            let request = Request::get(GitLab::project(
                repo,
                &format!("/repository/commits/{}/merge_requests", encode_segment(sha)),
            ))
            .query("per_page", PAGE_SIZE)
            .what(format!("GET merge requests of commit {sha} in {repo}"))
            .needs("read_api");
            let changes: Vec<MergeRequest> =
                self.api.pages(&request, usize::MAX, Items::Array).await?;
            merged.extend(
                changes
                    .into_iter()
                    .filter(|c| c.state == "merged")
                    .map(|c| c.iid),
            );
        }
        self.outside_job_token(
            || format!("GET issues closed by the merge requests of {repo}"),
            "read_api",
        )?;
        let mut found = Vec::new();
        for iid in merged {
            let what = format!("GET issues closed by merge request !{iid} of {repo}");
            let request = Request::get(GitLab::project(
                repo,
                &format!("/merge_requests/{iid}/closes_issues"),
            ))
            .query("per_page", PAGE_SIZE)
            .what(&what)
            .needs("read_api");
            let issues: Vec<ClosedIssue> =
                self.api.pages(&request, usize::MAX, Items::Array).await?;
            for issue in issues {
                let project = project_of(&issue.web_url).ok_or_else(|| ForgeError::Decode {
                    what: what.clone(),
                    message: format!("the issue's web_url `{}` names no project", issue.web_url),
                })?;
                found.push(ClosingReference {
                    repo: project,
                    number: issue.iid,
                    change: iid,
                });
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::project_of;

    #[test]
    fn the_project_is_the_path_before_the_issue() {
        assert_eq!(
            project_of("https://gitlab.example.com/acme/sub/api/-/issues/7").as_deref(),
            Some("acme/sub/api")
        );
        assert_eq!(project_of("https://gitlab.example.com/-/issues/7"), None);
        assert_eq!(project_of("nonsense"), None);
    }
}
