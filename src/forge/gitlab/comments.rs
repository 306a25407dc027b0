//! Issue notes: list (without system notes), create, edit.

use super::{GitLab, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{CommentApi, ForgeError, IssueComment};
use serde::Deserialize;

/// A note of `GET/POST/PUT /projects/:id/issues/:issue_iid/notes`.
#[derive(Deserialize)]
struct Note {
    id: u64,
    body: String,
    #[serde(default)]
    system: bool,
    author: Option<Author>,
    created_at: Option<String>,
}

#[derive(Deserialize)]
struct Author {
    id: u64,
    username: String,
}

/// What writing a note needs.
const NOTES_WRITE: &str = "the `api` scope (CI_JOB_TOKEN cannot write notes)";

impl GitLab {
    /// A note as a comment; the notes API has no page URL, so it is the issue's page
    /// with the note's anchor.
    fn comment(&self, repo: &str, issue: u64, note: Note) -> IssueComment {
        IssueComment {
            url: Some(format!(
                "{}/{repo}/-/issues/{issue}#note_{}",
                self.server_url.trim_end_matches('/'),
                note.id
            )),
            id: note.id,
            body: note.body,
            author_id: note.author.as_ref().map(|a| a.id),
            author: note.author.map(|a| a.username).unwrap_or_default(),
            created_at: note.created_at,
        }
    }
}

fn notes(repo: &str, issue: u64, rest: &str) -> String {
    GitLab::project(repo, &format!("/issues/{issue}/notes{rest}"))
}

#[async_trait::async_trait]
impl CommentApi for GitLab {
    async fn issue_comments(
        &self,
        repo: &str,
        issue: u64,
    ) -> Result<Vec<IssueComment>, ForgeError> {
        self.outside_job_token(|| format!("GET notes of issue #{issue} in {repo}"), "api")?;
        let request = Request::get(notes(repo, issue, ""))
            .query("sort", "asc")
            .query("order_by", "created_at")
            .query("per_page", PAGE_SIZE)
            .what(format!("GET notes of issue #{issue} in {repo}"))
            .needs("read_api");
        let notes: Vec<Note> = self.api.pages(&request, usize::MAX, Items::Array).await?;
        Ok(notes
            .into_iter()
            .filter(|n| !n.system)
            .map(|n| self.comment(repo, issue, n))
            .collect())
    }

    async fn create_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        self.outside_job_token(|| format!("POST note on issue #{issue} in {repo}"), "api")?;
        let request = Request::post(notes(repo, issue, ""))
            .what(format!("POST note on issue #{issue} in {repo}"))
            .needs(NOTES_WRITE)
            .json(&serde_json::json!({ "body": body }));
        // Sent twice, a note shows twice: after a lost answer, look for it first.
        let landed = || async {
            let notes = self.issue_comments(repo, issue).await?;
            Ok(notes
                .into_iter()
                .rev()
                .find(|n| n.body == body)
                .map(|n| Note {
                    id: n.id,
                    body: n.body,
                    system: false,
                    author: n.author_id.map(|id| Author {
                        id,
                        username: n.author,
                    }),
                    created_at: n.created_at,
                }))
        };
        let note: Note = self.api.write_once(&request, landed).await?;
        Ok(self.comment(repo, issue, note))
    }

    async fn update_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        self.outside_job_token(
            || format!("PUT note {id} on issue #{issue} in {repo}"),
            "api",
        )?;
        let request = Request::put(notes(repo, issue, &format!("/{id}")))
            .what(format!("PUT note {id} on issue #{issue} in {repo}"))
            .needs(NOTES_WRITE)
            .json(&serde_json::json!({ "body": body }));
        let note: Note = self.api.json(&request).await?;
        Ok(self.comment(repo, issue, note))
    }
}
