//! Issues (find by label, open, re-render, close) and team membership.

use super::{GitHub, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{ForgeError, Issue, IssueApi, IssueDraft, Person, encode_segment};
use serde::Deserialize;

/// An issue of `GET/POST/PATCH /repos/{owner}/{repo}/issues[/{issue_number}]`.
#[derive(Deserialize)]
struct WireIssue {
    number: u64,
    title: String,
    body: Option<String>,
    user: Option<User>,
    html_url: String,
    state: String,
    #[serde(default)]
    labels: Vec<Label>,
    /// Present on the pull requests that the issues list includes.
    pull_request: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct User {
    login: String,
}

#[derive(Deserialize)]
struct Label {
    name: String,
}

impl From<WireIssue> for Issue {
    fn from(i: WireIssue) -> Self {
        Issue {
            number: i.number,
            title: i.title,
            body: i.body.unwrap_or_default(),
            author: i.user.map(|u| u.login).unwrap_or_default(),
            url: i.html_url,
            open: i.state == "open",
            labels: i.labels.into_iter().map(|l| l.name).collect(),
        }
    }
}

/// `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`.
#[derive(Deserialize)]
struct Membership {
    state: String,
}

const ISSUES_READ: &str = "issues: read";
const ISSUES_WRITE: &str = "issues: write";
/// Team membership is an organization permission that GITHUB_TOKEN never has.
const MEMBERS_READ: &str = "the organization permission `members: read` (classic token: \
    `read:org`); GITHUB_TOKEN cannot read teams — use a GitHub App or a fine-grained token";

fn issue_path(repo: &str, number: u64) -> String {
    GitHub::repo_path(repo, &format!("/issues/{number}"))
}

#[async_trait::async_trait]
impl IssueApi for GitHub {
    async fn issue(&self, repo: &str, number: u64) -> Result<Issue, ForgeError> {
        let what = format!("GET issue #{number} of {repo}");
        let request = Request::get(issue_path(repo, number))
            .what(what.clone())
            .needs(ISSUES_READ);
        let issue: WireIssue = self.api.json(&request).await?;
        if issue.pull_request.is_some() {
            return Err(ForgeError::NotFound {
                what: format!("{what}: #{number} is a pull request, not an issue"),
            });
        }
        Ok(issue.into())
    }

    async fn issues_with_label(&self, repo: &str, label: &str) -> Result<Vec<Issue>, ForgeError> {
        let request = Request::get(GitHub::repo_path(repo, "/issues"))
            .query("labels", label)
            .query("state", "all")
            .query("per_page", PAGE_SIZE)
            .what(format!("GET issues labelled {label} of {repo}"))
            .needs(ISSUES_READ);
        let issues: Vec<WireIssue> = self.api.pages(&request, usize::MAX, Items::Array).await?;
        Ok(issues
            .into_iter()
            .filter(|i| i.pull_request.is_none())
            .map(Issue::from)
            .collect())
    }

    async fn create_issue(&self, repo: &str, draft: &IssueDraft<'_>) -> Result<Issue, ForgeError> {
        let request = Request::post(GitHub::repo_path(repo, "/issues"))
            .what(format!("POST issue in {repo}"))
            .needs(ISSUES_WRITE)
            .json(&serde_json::json!({
                "title": draft.title,
                "body": draft.body,
                "labels": draft.labels,
            }));
        // A lost answer must not open a second issue: look for it by its exact body.
        let look = || async {
            let label = draft.labels.first().map_or("", String::as_str);
            let found = self.issues_with_label(repo, label).await?;
            Ok(found
                .into_iter()
                .find(|i| i.body == draft.body)
                .map(|i| WireIssue {
                    number: i.number,
                    title: i.title,
                    body: Some(i.body),
                    user: Some(User { login: i.author }),
                    html_url: i.url,
                    state: if i.open {
                        "open".into()
                    } else {
                        "closed".into()
                    },
                    labels: i.labels.into_iter().map(|name| Label { name }).collect(),
                    pull_request: None,
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
        let request = Request::patch(issue_path(repo, number))
            .what(format!("PATCH issue #{number} of {repo}"))
            .needs(ISSUES_WRITE)
            .json(&serde_json::json!({ "body": body }));
        self.api.send(&request).await?;
        Ok(())
    }

    async fn close_issue(&self, repo: &str, number: u64) -> Result<(), ForgeError> {
        let request = Request::patch(issue_path(repo, number))
            .what(format!("PATCH (close) issue #{number} of {repo}"))
            .needs(ISSUES_WRITE)
            .json(&serde_json::json!({ "state": "closed", "state_reason": "duplicate" }));
        self.api.send(&request).await?;
        Ok(())
    }

    async fn add_issue_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> Result<(), ForgeError> {
        let request = Request::post(GitHub::repo_path(repo, &format!("/issues/{number}/labels")))
            .what(format!("POST labels of issue #{number} in {repo}"))
            .needs(ISSUES_WRITE)
            .json(&serde_json::json!({ "labels": labels }));
        self.api.send(&request).await.map(|_| ())
    }

    async fn is_team_member(&self, team: &str, person: &Person) -> Result<bool, ForgeError> {
        let Some((org, slug)) = team.split_once('/').filter(|(_, s)| !s.contains('/')) else {
            return Err(ForgeError::Setup(format!(
                "GitHub team `{team}` must be written org/team-slug"
            )));
        };
        let team_path = format!(
            "orgs/{}/teams/{}",
            encode_segment(org),
            encode_segment(slug)
        );
        let request = Request::get(format!(
            "{team_path}/memberships/{}",
            encode_segment(&person.username)
        ))
        .what(format!(
            "GET membership of {} in team {team}",
            person.username
        ))
        .needs(MEMBERS_READ);
        match self.api.optional::<Membership>(&request).await? {
            Some(membership) => Ok(membership.state == "active"),
            None => {
                // 404 is "no membership" — or a team this token cannot see: ask.
                let request = Request::get(team_path)
                    .what(format!("GET team {team}"))
                    .needs(MEMBERS_READ);
                self.api.send(&request).await?;
                Ok(false)
            }
        }
    }
}
