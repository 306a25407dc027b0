//! A stateful mock of the issues of one repository — the issues, their comments
//! (GitHub issue comments, GitLab issue notes) and the teams or groups whose members
//! sign off — kept in memory across runs of a tool, so what one run writes the next
//! reads, and concurrent runs see each other's writes.
//!
//! GitHub: `GET/POST /repos/{owner}/{repo}/issues` (the list filtered by `labels`,
//! `state`, paged by `per_page`/`page` with a `Link` header), `GET/PATCH
//! /repos/{owner}/{repo}/issues/{issue_number}`, `GET/POST .../issues/{n}/comments`,
//! `PATCH .../issues/comments/{comment_id}`, `GET
//! /orgs/{org}/teams/{team_slug}/memberships/{username}` (200 with `state`, or 404 "if
//! user has no team membership") and `GET /orgs/{org}/teams/{team_slug}`.
//!
//! GitLab: `GET/POST /projects/:id/issues` (`labels`, `state`; `state` is `opened` or
//! `closed`), `GET/PUT /projects/:id/issues/:issue_iid` (`description`, `state_event`),
//! `GET/POST/PUT /projects/:id/issues/:iid/notes[/:note_id]`, `GET
//! /groups/:id/members/all/:user_id` (inherited members included; 404 for a
//! non-member) and `GET /groups/:id`; pages by `per_page`/`page` with `x-next-page`.
//!
//! Whoever writes with the token is the token's account (`release-bot`, as the tools
//! authenticate); a person's comment (a sign-off) is added with [`Issues::comment_as`].

use super::github_shapes as gh;
use super::pages::{github_page, query_param};
use super::{MockApi, MockResponse, Recorded};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The account the tools' token belongs to.
pub const BOT: &str = "release-bot";
const BOT_ID: u64 = 1;

#[derive(Debug, Clone)]
pub struct MockIssue {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub author: String,
    pub labels: Vec<String>,
    pub open: bool,
    pub state_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MockComment {
    pub id: u64,
    pub issue: u64,
    pub author: String,
    pub author_id: u64,
    pub body: String,
    /// GitLab's system notes ("changed the description"), which the API lists too.
    pub system: bool,
}

#[derive(Default)]
struct State {
    issues: Vec<MockIssue>,
    comments: Vec<MockComment>,
    next_comment: u64,
    /// Team (GitHub `org/slug`, GitLab group path) → its members.
    teams: BTreeMap<String, Vec<String>>,
    /// User name → GitLab user id.
    ids: BTreeMap<String, u64>,
}

impl State {
    fn id_of(&mut self, user: &str) -> u64 {
        let next = 100 + self.ids.len() as u64;
        *self.ids.entry(user.to_string()).or_insert(next)
    }
}

/// The issues of one repository on the mock forge.
#[derive(Clone)]
pub struct Issues {
    state: Arc<Mutex<State>>,
    forge: Forge,
    repo: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Forge {
    GitHub,
    GitLab,
}

impl Issues {
    fn new(forge: Forge, repo: &str) -> Issues {
        let mut state = State {
            next_comment: if forge == Forge::GitHub { 5000 } else { 700 },
            ..State::default()
        };
        state.ids.insert(BOT.into(), BOT_ID);
        Issues {
            state: Arc::new(Mutex::new(state)),
            forge,
            repo: repo.to_string(),
        }
    }

    /// GitHub's issues of `repo` on `api`.
    pub fn github(api: &MockApi, repo: &str) -> Issues {
        let this = Issues::new(Forge::GitHub, repo);
        let (state, repo, base) = (this.state.clone(), repo.to_string(), api.url());
        api.handle(move |r| github_handle(&mut state.lock().unwrap(), &repo, &base, r));
        this
    }

    /// GitLab's issues of project `repo` on `api`.
    pub fn gitlab(api: &MockApi, repo: &str) -> Issues {
        let this = Issues::new(Forge::GitLab, repo);
        let (state, repo) = (this.state.clone(), repo.to_string());
        api.handle(move |r| gitlab_handle(&mut state.lock().unwrap(), &repo, r));
        this
    }

    /// Makes `user` a member of `team`.
    pub fn add_member(&self, team: &str, user: &str) {
        let mut state = self.state.lock().unwrap();
        state.id_of(user);
        state
            .teams
            .entry(team.to_string())
            .or_default()
            .push(user.to_string());
    }

    /// A team or group with no members yet (it exists, so a non-member is a 404 of
    /// the membership only).
    pub fn add_team(&self, team: &str) {
        self.state
            .lock()
            .unwrap()
            .teams
            .entry(team.to_string())
            .or_default();
    }

    /// `user` comments `body` on issue `issue` (a person in the forge's web page).
    pub fn comment_as(&self, issue: u64, user: &str, body: &str) -> u64 {
        let mut state = self.state.lock().unwrap();
        let author_id = state.id_of(user);
        let id = state.next_comment;
        state.next_comment += 1;
        state.comments.push(MockComment {
            id,
            issue,
            author: user.to_string(),
            author_id,
            body: body.to_string(),
            system: false,
        });
        id
    }

    /// GitLab's system note, as GitLab adds one on a description change.
    pub fn system_note(&self, issue: u64, body: &str) {
        let mut state = self.state.lock().unwrap();
        let id = state.next_comment;
        state.next_comment += 1;
        state.comments.push(MockComment {
            id,
            issue,
            author: BOT.into(),
            author_id: BOT_ID,
            body: body.to_string(),
            system: true,
        });
    }

    /// Opens an issue as `author` (an issue someone else opened by hand).
    pub fn open_as(&self, author: &str, title: &str, body: &str, labels: &[&str]) -> u64 {
        let mut state = self.state.lock().unwrap();
        let number = state.issues.len() as u64 + 1;
        state.issues.push(MockIssue {
            number,
            title: title.into(),
            body: body.into(),
            author: author.into(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            open: true,
            state_reason: None,
        });
        number
    }

    pub fn issues(&self) -> Vec<MockIssue> {
        self.state.lock().unwrap().issues.clone()
    }

    pub fn issue(&self, number: u64) -> MockIssue {
        self.issues()
            .into_iter()
            .find(|i| i.number == number)
            .unwrap_or_else(|| panic!("no issue #{number}"))
    }

    /// The comments of `issue`, oldest first (GitLab's system notes left out).
    pub fn comments(&self, issue: u64) -> Vec<MockComment> {
        self.state
            .lock()
            .unwrap()
            .comments
            .iter()
            .filter(|c| c.issue == issue && !c.system)
            .cloned()
            .collect()
    }

    /// Replaces a comment's text, as its author editing it on the web page.
    pub fn edit_comment(&self, id: u64, body: &str) {
        let mut state = self.state.lock().unwrap();
        if let Some(c) = state.comments.iter_mut().find(|c| c.id == id) {
            c.body = body.to_string();
        }
    }

    pub fn repo(&self) -> &str {
        &self.repo
    }
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

fn has_label(issue: &MockIssue, labels: Option<&str>) -> bool {
    labels.is_none_or(|wanted| {
        wanted
            .split(',')
            .filter(|l| !l.is_empty())
            .all(|l| issue.labels.iter().any(|have| have.eq_ignore_ascii_case(l)))
    })
}

fn github_issue(repo: &str, i: &MockIssue, comments: usize) -> Value {
    let api = format!("{}/repos/{repo}/issues/{}", gh::API, i.number);
    json!({
        "id": 9000 + i.number, "node_id": format!("I_{}", i.number), "url": api,
        "repository_url": format!("{}/repos/{repo}", gh::API),
        "labels_url": format!("{api}/labels{{/name}}"),
        "comments_url": format!("{api}/comments"), "events_url": format!("{api}/events"),
        "html_url": format!("{}/{repo}/issues/{}", gh::WEB, i.number),
        "number": i.number, "state": if i.open { "open" } else { "closed" },
        "state_reason": i.state_reason, "title": i.title, "body": i.body,
        "user": gh::user(&i.author),
        "labels": i.labels.iter().map(|l| gh::label(repo, l)).collect::<Vec<_>>(),
        "assignee": null, "assignees": [], "milestone": null, "locked": false,
        "active_lock_reason": null, "comments": comments,
        "closed_at": if i.open { Value::Null } else { gh::DATE.into() },
        "created_at": gh::DATE, "updated_at": gh::DATE, "author_association": "NONE",
    })
}

fn github_comment(repo: &str, c: &MockComment) -> Value {
    let mut value = gh::issue_comment(repo, c.issue, c.id, &Value::String(c.body.clone()));
    value["user"] = gh::user(&c.author);
    value
}

fn github_handle(st: &mut State, repo: &str, base: &str, r: &Recorded) -> Option<MockResponse> {
    if let Some(rest) = r.path.strip_prefix("/orgs/") {
        return github_team(st, rest, r);
    }
    let rest = r.path.strip_prefix(&format!("/repos/{repo}/issues"))?;
    let issue_count = |st: &State, n: u64| st.comments.iter().filter(|c| c.issue == n).count();
    match (r.method.as_str(), rest) {
        ("GET", "") => {
            let labels = query_param(r, "labels").map(|l| decode(&l));
            let state = query_param(r, "state").unwrap_or_else(|| "open".into());
            let mut items: Vec<&MockIssue> = st
                .issues
                .iter()
                .filter(|i| has_label(i, labels.as_deref()))
                .filter(|i| match state.as_str() {
                    "all" => true,
                    "closed" => !i.open,
                    _ => i.open,
                })
                .collect();
            // GitHub's default order: newest first.
            items.reverse();
            let items = items
                .into_iter()
                .map(|i| github_issue(repo, i, issue_count(st, i.number)))
                .collect();
            Some(github_page(base, r, items))
        }
        ("POST", "") => {
            let body = r.json();
            let Some(title) = body["title"].as_str().filter(|t| !t.is_empty()) else {
                return Some(MockResponse::json(
                    422,
                    gh::validation_failed("Issue", "missing_field", Some("title"), None),
                ));
            };
            let number = st.issues.len() as u64 + 1;
            let issue = MockIssue {
                number,
                title: title.into(),
                body: body["body"].as_str().unwrap_or_default().into(),
                author: BOT.into(),
                labels: body["labels"]
                    .as_array()
                    .map(|ls| {
                        ls.iter()
                            .filter_map(|l| l.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                open: true,
                state_reason: None,
            };
            st.issues.push(issue.clone());
            Some(MockResponse::json(201, github_issue(repo, &issue, 0)))
        }
        (method, rest) => {
            let rest = rest.strip_prefix('/')?;
            if let Some(id) = rest.strip_prefix("comments/") {
                let id: u64 = id.parse().ok()?;
                if method != "PATCH" {
                    return None;
                }
                let Some(c) = st.comments.iter_mut().find(|c| c.id == id) else {
                    return Some(MockResponse::github_not_found());
                };
                if c.author != BOT {
                    // Only its author (or an admin) edits a comment.
                    return Some(MockResponse::json(
                        403,
                        gh::error(403, "Resource not accessible by integration"),
                    ));
                }
                c.body = r.json()["body"].as_str().unwrap_or_default().into();
                return Some(MockResponse::json(200, github_comment(repo, c)));
            }
            let (number, tail) = rest.split_once('/').unwrap_or((rest, ""));
            let number: u64 = number.parse().ok()?;
            let Some(index) = st.issues.iter().position(|i| i.number == number) else {
                return Some(MockResponse::github_not_found());
            };
            match (method, tail) {
                ("GET", "") => {
                    let n = issue_count(st, number);
                    Some(MockResponse::json(
                        200,
                        github_issue(repo, &st.issues[index], n),
                    ))
                }
                ("PATCH", "") => {
                    let body = r.json();
                    let issue = &mut st.issues[index];
                    if let Some(text) = body["body"].as_str() {
                        issue.body = text.into();
                    }
                    if let Some(title) = body["title"].as_str() {
                        issue.title = title.into();
                    }
                    match body["state"].as_str() {
                        Some("closed") => {
                            issue.open = false;
                            issue.state_reason = body["state_reason"]
                                .as_str()
                                .map(str::to_string)
                                .or(Some("completed".into()));
                        }
                        Some("open") => {
                            issue.open = true;
                            issue.state_reason = Some("reopened".into());
                        }
                        _ => {}
                    }
                    let issue = issue.clone();
                    let n = issue_count(st, number);
                    Some(MockResponse::json(200, github_issue(repo, &issue, n)))
                }
                ("GET", "comments") => {
                    let items = st
                        .comments
                        .iter()
                        .filter(|c| c.issue == number)
                        .map(|c| github_comment(repo, c))
                        .collect();
                    Some(github_page(base, r, items))
                }
                ("POST", "comments") => {
                    let Some(body) = r.json()["body"].as_str().map(str::to_string) else {
                        return Some(MockResponse::json(
                            422,
                            gh::validation_failed(
                                "IssueComment",
                                "missing_field",
                                Some("body"),
                                None,
                            ),
                        ));
                    };
                    let id = st.next_comment;
                    st.next_comment += 1;
                    let comment = MockComment {
                        id,
                        issue: number,
                        author: BOT.into(),
                        author_id: BOT_ID,
                        body,
                        system: false,
                    };
                    st.comments.push(comment.clone());
                    Some(MockResponse::json(201, github_comment(repo, &comment)))
                }
                _ => None,
            }
        }
    }
}

/// `orgs/{org}/teams/{slug}[/memberships/{username}]` (the part after `/orgs/`).
fn github_team(st: &State, rest: &str, r: &Recorded) -> Option<MockResponse> {
    if r.method != "GET" {
        return None;
    }
    let (org, rest) = rest.split_once("/teams/")?;
    let (slug, user) = match rest.split_once("/memberships/") {
        Some((slug, user)) => (slug, Some(user)),
        None => (rest, None),
    };
    let Some(members) = st.teams.get(&format!("{org}/{slug}")) else {
        return Some(MockResponse::github_not_found());
    };
    let team_url = format!("{}/organizations/1/team/7", gh::API);
    match user {
        Some(user) => {
            if members.iter().any(|m| m.eq_ignore_ascii_case(user)) {
                Some(MockResponse::json(
                    200,
                    json!({"url": format!("{team_url}/memberships/{user}"), "role": "member",
                           "state": "active"}),
                ))
            } else {
                Some(MockResponse::github_not_found())
            }
        }
        None => {
            let org_api = format!("{}/orgs/{org}", gh::API);
            Some(MockResponse::json(
                200,
                json!({
                    "id": 7, "node_id": "T_7", "url": team_url,
                    "members_url": format!("{team_url}/members{{/member}}"),
                    "name": slug, "description": null, "permission": "pull",
                    "html_url": format!("{}/orgs/{org}/teams/{slug}", gh::WEB),
                    "repositories_url": format!("{team_url}/repos"), "slug": slug,
                    "type": "organization", "created_at": gh::DATE, "updated_at": gh::DATE,
                    "members_count": members.len(), "repos_count": 1,
                    "organization": {
                        "login": org, "url": org_api, "id": 1, "node_id": "O_1",
                        "repos_url": format!("{org_api}/repos"),
                        "events_url": format!("{org_api}/events"),
                        "hooks_url": format!("{org_api}/hooks"),
                        "issues_url": format!("{org_api}/issues"),
                        "members_url": format!("{org_api}/members{{/member}}"),
                        "public_members_url": format!("{org_api}/public_members{{/member}}"),
                        "avatar_url": "https://avatars.githubusercontent.com/u/1?v=4",
                        "description": null, "html_url": format!("{}/{org}", gh::WEB),
                        "has_organization_projects": true, "has_repository_projects": true,
                        "public_repos": 1, "public_gists": 0, "followers": 0, "following": 0,
                        "type": "Organization", "created_at": gh::DATE,
                        "updated_at": gh::DATE, "archived_at": null,
                    },
                }),
            ))
        }
    }
}

fn gitlab_user(st: &State, user: &str) -> Value {
    let id = st.ids.get(user).copied().unwrap_or(0);
    json!({"id": id, "username": user, "name": user, "state": "active",
           "avatar_url": null, "web_url": format!("https://gitlab.example.com/{user}")})
}

fn gitlab_issue(st: &State, repo: &str, i: &MockIssue) -> Value {
    let notes = st
        .comments
        .iter()
        .filter(|c| c.issue == i.number && !c.system)
        .count();
    json!({
        "id": 4000 + i.number, "iid": i.number, "project_id": 5,
        "title": i.title, "description": i.body,
        "state": if i.open { "opened" } else { "closed" },
        "created_at": "2026-01-15T12:00:00.000Z", "updated_at": "2026-01-15T12:00:00.000Z",
        "closed_at": if i.open { Value::Null } else { "2026-01-15T12:00:00.000Z".into() },
        "labels": i.labels, "milestone": null, "assignees": [], "assignee": null,
        "author": gitlab_user(st, &i.author), "type": "ISSUE", "user_notes_count": notes,
        "confidential": false, "discussion_locked": null, "issue_type": "issue",
        "web_url": format!("https://gitlab.example.com/{repo}/-/issues/{}", i.number),
        "references": {"short": format!("#{}", i.number), "relative": format!("#{}", i.number),
                       "full": format!("{repo}#{}", i.number)},
    })
}

fn gitlab_note(st: &State, c: &MockComment) -> Value {
    json!({
        "id": c.id, "type": null, "body": c.body, "attachment": null,
        "author": gitlab_user(st, &c.author),
        "created_at": "2026-01-15T12:00:00.000Z", "updated_at": "2026-01-15T12:00:00.000Z",
        "system": c.system, "noteable_id": 4000 + c.issue, "noteable_type": "Issue",
        "noteable_iid": c.issue, "resolvable": false, "confidential": false, "internal": false,
    })
}

/// One page of `items` with GitLab's pagination headers (`per_page` default 20).
fn gitlab_page(r: &Recorded, items: Vec<Value>) -> MockResponse {
    let size: usize = query_param(r, "per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let page: usize = query_param(r, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let pages = items.len().div_ceil(size).max(1);
    let total = items.len();
    let chunk: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    let next = if page < pages {
        (page + 1).to_string()
    } else {
        String::new()
    };
    let prev = if page > 1 {
        (page - 1).to_string()
    } else {
        String::new()
    };
    MockResponse::json(200, Value::Array(chunk))
        .header("x-page", &page.to_string())
        .header("x-per-page", &size.to_string())
        .header("x-next-page", &next)
        .header("x-prev-page", &prev)
        .header("x-total", &total.to_string())
        .header("x-total-pages", &pages.to_string())
}

fn gitlab_handle(st: &mut State, repo: &str, r: &Recorded) -> Option<MockResponse> {
    if let Some(rest) = r.path.strip_prefix("/api/v4/groups/") {
        return gitlab_group(st, rest, r);
    }
    let project = format!("/api/v4/projects/{}/issues", repo.replace('/', "%2F"));
    let rest = r.path.strip_prefix(&project)?;
    // The body of a POST/PUT: JSON, or the form GitLab also takes.
    let body = r.json();
    match (r.method.as_str(), rest) {
        ("GET", "") => {
            let labels = query_param(r, "labels").map(|l| decode(&l));
            let state = query_param(r, "state").unwrap_or_else(|| "all".into());
            let items = st
                .issues
                .iter()
                .rev()
                .filter(|i| has_label(i, labels.as_deref()))
                .filter(|i| match state.as_str() {
                    "opened" => i.open,
                    "closed" => !i.open,
                    _ => true,
                })
                .map(|i| gitlab_issue(st, repo, i))
                .collect();
            Some(gitlab_page(r, items))
        }
        ("POST", "") => {
            let Some(title) = body["title"].as_str().filter(|t| !t.is_empty()) else {
                return Some(MockResponse::json(
                    400,
                    json!({"error": "title is missing"}),
                ));
            };
            let number = st.issues.len() as u64 + 1;
            let issue = MockIssue {
                number,
                title: title.into(),
                body: body["description"].as_str().unwrap_or_default().into(),
                author: BOT.into(),
                labels: body["labels"]
                    .as_str()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                open: true,
                state_reason: None,
            };
            st.issues.push(issue.clone());
            Some(MockResponse::json(201, gitlab_issue(st, repo, &issue)))
        }
        (method, rest) => {
            let rest = rest.strip_prefix('/')?;
            let (number, tail) = rest.split_once('/').unwrap_or((rest, ""));
            let number: u64 = number.parse().ok()?;
            let Some(index) = st.issues.iter().position(|i| i.number == number) else {
                return Some(MockResponse::gitlab_not_found());
            };
            match (method, tail) {
                ("GET", "") => Some(MockResponse::json(
                    200,
                    gitlab_issue(st, repo, &st.issues[index]),
                )),
                ("PUT", "") => {
                    let issue = &mut st.issues[index];
                    let changed_description = match body["description"].as_str() {
                        Some(text) if text != issue.body => {
                            issue.body = text.into();
                            true
                        }
                        _ => false,
                    };
                    match body["state_event"].as_str() {
                        Some("close") => issue.open = false,
                        Some("reopen") => issue.open = true,
                        _ => {}
                    }
                    let issue = issue.clone();
                    if changed_description {
                        // GitLab notes the edit in the issue's activity.
                        let id = st.next_comment;
                        st.next_comment += 1;
                        st.comments.push(MockComment {
                            id,
                            issue: number,
                            author: BOT.into(),
                            author_id: BOT_ID,
                            body: "changed the description".into(),
                            system: true,
                        });
                    }
                    Some(MockResponse::json(200, gitlab_issue(st, repo, &issue)))
                }
                ("GET", "notes") => {
                    let mut items: Vec<&MockComment> =
                        st.comments.iter().filter(|c| c.issue == number).collect();
                    // Default order: newest first; `sort=asc` oldest first.
                    if query_param(r, "sort").as_deref() != Some("asc") {
                        items.reverse();
                    }
                    let items = items.into_iter().map(|c| gitlab_note(st, c)).collect();
                    Some(gitlab_page(r, items))
                }
                ("POST", "notes") => {
                    let Some(text) = body["body"].as_str().map(str::to_string) else {
                        return Some(MockResponse::json(400, json!({"error": "body is missing"})));
                    };
                    let id = st.next_comment;
                    st.next_comment += 1;
                    let note = MockComment {
                        id,
                        issue: number,
                        author: BOT.into(),
                        author_id: BOT_ID,
                        body: text,
                        system: false,
                    };
                    st.comments.push(note.clone());
                    Some(MockResponse::json(201, gitlab_note(st, &note)))
                }
                ("PUT", note) => {
                    let id: u64 = note.strip_prefix("notes/")?.parse().ok()?;
                    let Some(i) = st.comments.iter().position(|c| c.id == id) else {
                        return Some(MockResponse::gitlab_not_found());
                    };
                    if st.comments[i].author != BOT {
                        return Some(MockResponse::json(403, json!({"message": "403 Forbidden"})));
                    }
                    st.comments[i].body = body["body"].as_str().unwrap_or_default().into();
                    Some(MockResponse::json(200, gitlab_note(st, &st.comments[i])))
                }
                _ => None,
            }
        }
    }
}

/// `groups/:id[/members/all/:user_id]` (the part after `/api/v4/groups/`).
fn gitlab_group(st: &State, rest: &str, r: &Recorded) -> Option<MockResponse> {
    if r.method != "GET" {
        return None;
    }
    let (group, user_id) = match rest.split_once("/members/all/") {
        Some((g, u)) => (g, Some(u.parse::<u64>().ok()?)),
        None => (rest, None),
    };
    let group = decode(group);
    let Some(members) = st.teams.get(&group) else {
        return Some(MockResponse::json(
            404,
            json!({"message": "404 Group Not Found"}),
        ));
    };
    match user_id {
        Some(id) => {
            let member = members.iter().find(|m| st.ids.get(m.as_str()) == Some(&id));
            match member {
                Some(user) => {
                    let mut value = gitlab_user(st, user);
                    value["access_level"] = 30.into();
                    value["created_at"] = "2026-01-01T00:00:00.000Z".into();
                    value["expires_at"] = Value::Null;
                    value["membership_state"] = "active".into();
                    Some(MockResponse::json(200, value))
                }
                None => Some(MockResponse::json(404, json!({"message": "404 Not found"}))),
            }
        }
        None => Some(MockResponse::json(
            200,
            json!({"id": 50, "name": group.rsplit('/').next().unwrap_or(&group),
                   "path": group.rsplit('/').next().unwrap_or(&group), "full_path": group,
                   "full_name": group, "visibility": "private",
                   "web_url": format!("https://gitlab.example.com/groups/{group}")}),
        )),
    }
}
