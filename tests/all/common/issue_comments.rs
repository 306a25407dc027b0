//! A stateful mock of issue comments: GitHub issue comments and GitLab issue notes
//! (system notes included, as GitLab lists them), kept across runs of a tool.

use super::{MockApi, MockResponse, Recorded};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The comments of the issues of one repository on the mock forge.
#[derive(Clone)]
pub struct IssueComments {
    comments: Arc<Mutex<Vec<(u64, Value)>>>,
    /// This many new comments land but their answer is lost (a 502 from a proxy).
    lost_answers: Arc<Mutex<usize>>,
}

impl IssueComments {
    /// Every comment as (issue, the forge's JSON).
    pub fn all(&self) -> Vec<(u64, Value)> {
        self.comments.lock().unwrap().clone()
    }

    /// The next `n` new comments land, and the client gets a 502 instead of them.
    pub fn lose_answers(&self, n: usize) {
        *self.lost_answers.lock().unwrap() = n;
    }

    pub fn insert(&self, issue: u64, comment: Value) {
        self.comments.lock().unwrap().push((issue, comment));
    }

    /// GitHub: list, create and edit issue comments.
    pub fn github(api: &MockApi, repo: &str) -> IssueComments {
        let this = IssueComments {
            comments: Arc::default(),
            lost_answers: Arc::default(),
        };
        let (comments, repo) = (this.comments.clone(), repo.to_string());
        let lost = this.lost_answers.clone();
        api.handle(move |r| {
            let mut all = comments.lock().unwrap();
            let issues = format!("/repos/{repo}/issues/");
            if let Some(issue) = r
                .path
                .strip_prefix(&issues)
                .and_then(|p| p.strip_suffix("/comments"))
                .and_then(|n| n.parse::<u64>().ok())
            {
                return match r.method.as_str() {
                    "GET" => Some(MockResponse::json(
                        200,
                        Value::Array(
                            all.iter()
                                .filter(|(i, _)| *i == issue)
                                .map(|(_, c)| c.clone())
                                .collect(),
                        ),
                    )),
                    "POST" => {
                        let id = 5000 + all.len() as u64;
                        let comment = github_comment(&repo, issue, id, &r.json()["body"]);
                        all.push((issue, comment.clone()));
                        let mut lost = lost.lock().unwrap();
                        if *lost > 0 {
                            *lost -= 1;
                            return Some(MockResponse::json(
                                502,
                                super::github_shapes::error(502, "Server Error"),
                            ));
                        }
                        Some(MockResponse::json(201, comment))
                    }
                    _ => None,
                };
            }
            let id = r
                .path
                .strip_prefix(&format!("{issues}comments/"))
                .and_then(|n| n.parse::<u64>().ok())?;
            if r.method != "PATCH" {
                return None;
            }
            let (_, comment) = all.iter_mut().find(|(_, c)| c["id"] == id)?;
            comment["body"] = r.json()["body"].clone();
            Some(MockResponse::json(200, comment.clone()))
        });
        this
    }

    /// GitLab: list, create and edit issue notes.
    pub fn gitlab(api: &MockApi, repo: &str) -> IssueComments {
        let this = IssueComments {
            comments: Arc::default(),
            lost_answers: Arc::default(),
        };
        let comments = this.comments.clone();
        let project = format!("/api/v4/projects/{}/issues/", repo.replace('/', "%2F"));
        api.handle(move |r: &Recorded| {
            let mut all = comments.lock().unwrap();
            let rest = r.path.strip_prefix(&project)?;
            let (issue, rest) = rest.split_once("/notes")?;
            let issue: u64 = issue.parse().ok()?;
            match (r.method.as_str(), rest) {
                ("GET", "") => Some(MockResponse::json(
                    200,
                    Value::Array(
                        all.iter()
                            .filter(|(i, _)| *i == issue)
                            .map(|(_, c)| c.clone())
                            .collect(),
                    ),
                )),
                ("POST", "") => {
                    let id = 700 + all.len() as u64;
                    let note = gitlab_note(issue, id, &r.json()["body"], false);
                    all.push((issue, note.clone()));
                    Some(MockResponse::json(201, note))
                }
                ("PUT", id) => {
                    let id: u64 = id.strip_prefix('/')?.parse().ok()?;
                    let (_, note) = all.iter_mut().find(|(_, c)| c["id"] == id)?;
                    note["body"] = r.json()["body"].clone();
                    Some(MockResponse::json(200, note.clone()))
                }
                _ => None,
            }
        });
        this
    }
}

/// An issue comment as GitHub returns it.
pub fn github_comment(repo: &str, issue: u64, id: u64, body: &Value) -> Value {
    super::github_shapes::issue_comment(repo, issue, id, body)
}

/// An issue note as GitLab returns it.
pub fn gitlab_note(issue: u64, id: u64, body: &Value, system: bool) -> Value {
    json!({
        "id": id, "type": null, "body": body, "attachment": null,
        "author": {"id": 1, "username": "release-bot", "name": "Release Bot"},
        "created_at": "2026-01-15T12:00:00.000Z", "updated_at": "2026-01-15T12:00:00.000Z",
        "system": system, "noteable_id": 40, "noteable_type": "Issue", "noteable_iid": issue,
        "resolvable": false, "confidential": false, "internal": false,
    })
}
