//! Issues (find by label, open, re-render, close) and group membership.

use super::{GitLab, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{ForgeError, Issue, IssueApi, IssueDraft, Person, encode_segment};
use serde::Deserialize;

/// An issue of `GET/POST/PUT /projects/:id/issues[/:issue_iid]`.
#[derive(Deserialize)]
struct WireIssue {
    iid: u64,
    title: String,
    description: Option<String>,
    author: Option<Author>,
    web_url: String,
    state: String,
    #[serde(default)]
    labels: Vec<String>,
}

#[derive(Deserialize)]
struct Author {
    username: String,
}

impl From<WireIssue> for Issue {
    fn from(i: WireIssue) -> Self {
        Issue {
            number: i.iid,
            title: i.title,
            body: i.description.unwrap_or_default(),
            author: i.author.map(|a| a.username).unwrap_or_default(),
            url: i.web_url,
            open: i.state == "opened",
            labels: i.labels,
        }
    }
}

/// `GET /groups/:id/members/all/:user_id`.
#[derive(Deserialize)]
struct Member {
    state: Option<String>,
    access_level: u32,
}

/// GitLab's Guest role; Minimal Access (5) sees nothing of a project.
const GUEST: u32 = 10;
const API: &str = "the `api` scope (`read_api` to read); CI_JOB_TOKEN cannot use the issues API";

fn issue_path(repo: &str, number: u64) -> String {
    GitLab::project(repo, &format!("/issues/{number}"))
}

#[async_trait::async_trait]
impl IssueApi for GitLab {
    async fn issue(&self, repo: &str, number: u64) -> Result<Issue, ForgeError> {
        let request = Request::get(issue_path(repo, number))
            .what(format!("GET issue #{number} of {repo}"))
            .needs(API);
        Ok(self.api.json::<WireIssue>(&request).await?.into())
    }

    async fn issues_with_label(&self, repo: &str, label: &str) -> Result<Vec<Issue>, ForgeError> {
        let request = Request::get(GitLab::project(repo, "/issues"))
            .query("labels", label)
            .query("state", "all")
            .query("per_page", PAGE_SIZE)
            .what(format!("GET issues labelled {label} of {repo}"))
            .needs(API);
        let issues: Vec<WireIssue> = self.api.pages(&request, usize::MAX, Items::Array).await?;
        Ok(issues.into_iter().map(Issue::from).collect())
    }

    async fn create_issue(&self, repo: &str, draft: &IssueDraft<'_>) -> Result<Issue, ForgeError> {
        let request = Request::post(GitLab::project(repo, "/issues"))
            .what(format!("POST issue in {repo}"))
            .needs(API)
            .json(&serde_json::json!({
                "title": draft.title,
                "description": draft.body,
                "labels": draft.labels.join(","),
            }));
        // A lost answer must not open a second issue: look for it by its exact body.
        let look = || async {
            let label = draft.labels.first().map_or("", String::as_str);
            let found = self.issues_with_label(repo, label).await?;
            Ok(found
                .into_iter()
                .find(|i| i.body == draft.body)
                .map(|i| WireIssue {
                    iid: i.number,
                    title: i.title,
                    description: Some(i.body),
                    author: Some(Author { username: i.author }),
                    web_url: i.url,
                    state: if i.open {
                        "opened".into()
                    } else {
                        "closed".into()
                    },
                    labels: i.labels,
                }))
        };
        let issue: WireIssue = self.api.write_once(&request, look).await?;
        Ok(issue.into())
    }

    async fn update_issue_body(
        &self,
        repo: &str,
        number: u64,
        body: &str,
    ) -> Result<(), ForgeError> {
        let request = Request::put(issue_path(repo, number))
            .what(format!("PUT issue #{number} of {repo}"))
            .needs(API)
            .json(&serde_json::json!({ "description": body }));
        self.api.send(&request).await?;
        Ok(())
    }

    async fn close_issue(&self, repo: &str, number: u64) -> Result<(), ForgeError> {
        let request = Request::put(issue_path(repo, number))
            .what(format!("PUT (close) issue #{number} of {repo}"))
            .needs(API)
            .json(&serde_json::json!({ "state_event": "close" }));
        self.api.send(&request).await?;
        Ok(())
    }

    async fn add_issue_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> Result<(), ForgeError> {
        let request = Request::put(issue_path(repo, number))
            .what(format!("PUT (labels) issue #{number} of {repo}"))
            .needs(API)
            .json(&serde_json::json!({ "add_labels": labels.join(",") }));
        self.api.send(&request).await?;
        Ok(())
    }

    async fn is_team_member(&self, team: &str, person: &Person) -> Result<bool, ForgeError> {
        let Some(id) = person.id else {
            return Err(ForgeError::Setup(format!(
                "GitLab names no user id for {}: group membership cannot be checked",
                person.username
            )));
        };
        let group = format!("groups/{}", encode_segment(team));
        let request = Request::get(format!("{group}/members/all/{id}"))
            .what(format!(
                "GET membership of {} in group {team}",
                person.username
            ))
            .needs("`read_api` and a role in the group that can see its members");
        match self.api.optional::<Member>(&request).await? {
            Some(member) => Ok(member.access_level >= GUEST
                && member.state.as_deref().is_none_or(|s| s == "active")),
            None => {
                // 404 is "not a member" — or a group this token cannot see: ask.
                let request = Request::get(group)
                    .what(format!("GET group {team}"))
                    .needs("`read_api` on the group");
                self.api.send(&request).await?;
                Ok(false)
            }
        }
    }
}
