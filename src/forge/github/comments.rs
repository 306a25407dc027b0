//! Issue comments: list, create, edit.

use super::{GitHub, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{CommentApi, ForgeError, IssueComment};
use serde::Deserialize;

/// An issue comment (`GET/POST /repos/{owner}/{repo}/issues/{n}/comments`, `PATCH
/// /repos/{owner}/{repo}/issues/comments/{id}`).
#[derive(Deserialize)]
struct Comment {
    id: u64,
    body: Option<String>,
    html_url: Option<String>,
    user: Option<User>,
    created_at: Option<String>,
}

#[derive(Deserialize)]
struct User {
    login: String,
}

impl From<Comment> for IssueComment {
    fn from(c: Comment) -> Self {
        IssueComment {
            id: c.id,
            body: c.body.unwrap_or_default(),
            url: c.html_url,
            author: c.user.map(|u| u.login).unwrap_or_default(),
            author_id: None,
            created_at: c.created_at,
        }
    }
}

#[async_trait::async_trait]
impl CommentApi for GitHub {
    async fn issue_comments(
        &self,
        repo: &str,
        issue: u64,
    ) -> Result<Vec<IssueComment>, ForgeError> {
        let request = Request::get(GitHub::repo_path(
            repo,
            &format!("/issues/{issue}/comments"),
        ))
        .query("per_page", PAGE_SIZE)
        .what(format!("GET comments of issue #{issue} in {repo}"))
        .needs("issues: read");
        let comments: Vec<Comment> = self.api.pages(&request, usize::MAX, Items::Array).await?;
        Ok(comments.into_iter().map(IssueComment::from).collect())
    }

    async fn create_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        let request = Request::post(GitHub::repo_path(
            repo,
            &format!("/issues/{issue}/comments"),
        ))
        .what(format!("POST comment on issue #{issue} in {repo}"))
        .needs("issues: write")
        .json(&serde_json::json!({ "body": body }));
        // Sent twice, a comment shows twice: after a lost answer, look for it first.
        let landed = || async {
            let comments = self.issue_comments(repo, issue).await?;
            Ok(comments
                .into_iter()
                .rev()
                .find(|c| c.body == body)
                .map(|c| Comment {
                    id: c.id,
                    body: Some(c.body),
                    html_url: c.url,
                    user: Some(User { login: c.author }),
                    created_at: c.created_at,
                }))
        };
        Ok(self.api.write_once(&request, landed).await?.into())
    }

    async fn update_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        let request = Request::patch(GitHub::repo_path(repo, &format!("/issues/comments/{id}")))
            .what(format!("PATCH comment {id} on issue #{issue} in {repo}"))
            .needs("issues: write")
            .json(&serde_json::json!({ "body": body }));
        Ok(self.api.json::<Comment>(&request).await?.into())
    }
}
