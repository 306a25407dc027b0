//! A stateful mock of the issues of a forge: GitHub's `GET /repos/{o}/{r}/issues/{n}`
//! (a pull request's number answers as the issues API answers for one) and `POST
//! .../labels`; GitLab's `GET` and `PUT /projects/:id/issues/:iid` (`add_labels`).

use super::{MockApi, MockResponse, Recorded, github_shapes};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct MockIssue {
    pub title: String,
    pub open: bool,
    pub labels: Vec<String>,
    /// The number is a pull request's (GitHub).
    pub pull: bool,
}

/// The issues of every repository on the mock forge, by (repo, number).
#[derive(Clone, Default)]
pub struct ForgeIssues {
    issues: Arc<Mutex<BTreeMap<(String, u64), MockIssue>>>,
}

impl ForgeIssues {
    pub fn add(&self, repo: &str, number: u64, labels: &[&str]) {
        self.issues.lock().unwrap().insert(
            (repo.to_string(), number),
            MockIssue {
                title: format!("Issue {number}"),
                open: false,
                labels: labels.iter().map(|l| l.to_string()).collect(),
                pull: false,
            },
        );
    }

    pub fn add_pull(&self, repo: &str, number: u64) {
        self.add(repo, number, &[]);
        self.issues
            .lock()
            .unwrap()
            .get_mut(&(repo.to_string(), number))
            .unwrap()
            .pull = true;
    }

    pub fn labels(&self, repo: &str, number: u64) -> Vec<String> {
        self.issues.lock().unwrap()[&(repo.to_string(), number)]
            .labels
            .clone()
    }

    pub fn github(api: &MockApi) -> ForgeIssues {
        let this = ForgeIssues::default();
        let issues = this.issues.clone();
        api.handle(move |r: &Recorded| {
            let rest = r.path.strip_prefix("/repos/")?;
            let (repo, rest) = split_repo(rest)?;
            let rest = rest.strip_prefix("/issues/")?;
            let (number, tail) = rest.split_once('/').unwrap_or((rest, ""));
            let number: u64 = number.parse().ok()?;
            let mut all = issues.lock().unwrap();
            let key = (repo.clone(), number);
            match (r.method.as_str(), tail) {
                ("GET", "") => Some(match all.get(&key) {
                    Some(i) => MockResponse::json(
                        200,
                        github_shapes::issue(&repo, number, &i.title, i.open, &i.labels, i.pull),
                    ),
                    None => MockResponse::github_not_found(),
                }),
                ("POST", "labels") => {
                    let issue = all.get_mut(&key)?;
                    for label in r.json()["labels"].as_array()? {
                        let label = label.as_str()?.to_string();
                        if !issue.labels.contains(&label) {
                            issue.labels.push(label);
                        }
                    }
                    let labels: Vec<Value> = issue
                        .labels
                        .iter()
                        .map(|l| github_shapes::label(&repo, l))
                        .collect();
                    Some(MockResponse::json(200, Value::Array(labels)))
                }
                _ => None,
            }
        });
        this
    }

    pub fn gitlab(api: &MockApi) -> ForgeIssues {
        let this = ForgeIssues::default();
        let issues = this.issues.clone();
        api.handle(move |r: &Recorded| {
            let rest = r.path.strip_prefix("/api/v4/projects/")?;
            let (project, rest) = rest.split_once("/issues/")?;
            let repo = project.replace("%2F", "/");
            let number: u64 = rest.parse().ok()?;
            let mut all = issues.lock().unwrap();
            let key = (repo.clone(), number);
            let issue = match r.method.as_str() {
                "GET" => all.get(&key).cloned(),
                "PUT" => {
                    let issue = all.get_mut(&key)?;
                    for label in r.json()["add_labels"].as_str()?.split(',') {
                        if !issue.labels.iter().any(|l| l == label) {
                            issue.labels.push(label.to_string());
                        }
                    }
                    Some(issue.clone())
                }
                _ => return None,
            };
            Some(match issue {
                Some(i) => MockResponse::json(200, gitlab_issue(&repo, number, &i)),
                None => MockResponse::gitlab_not_found(),
            })
        });
        this
    }
}

/// `owner/name` and the rest of a GitHub path.
fn split_repo(rest: &str) -> Option<(String, &str)> {
    let mut parts = rest.splitn(3, '/');
    let owner = parts.next()?;
    let name = parts.next()?;
    let tail = &rest[owner.len() + 1 + name.len()..];
    Some((format!("{owner}/{name}"), tail))
}

/// An issue as GitLab returns it.
pub fn gitlab_issue(repo: &str, iid: u64, issue: &MockIssue) -> Value {
    json!({
        "id": 9000 + iid, "iid": iid, "project_id": 5, "title": issue.title,
        "description": null, "state": if issue.open { "opened" } else { "closed" },
        "labels": issue.labels, "author": {"id": 3, "username": "reporter", "name": "Reporter"},
        "web_url": format!("https://gitlab.example.com/{repo}/-/issues/{iid}"),
        "created_at": "2026-01-15T12:00:00.000Z", "updated_at": "2026-01-15T12:00:00.000Z",
        "closed_at": null, "type": "ISSUE", "issue_type": "issue", "confidential": false,
    })
}
