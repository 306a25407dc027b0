//! GitHub's REST API: the auto-update flow (find-green-commit → bump-versions →
//! propose-change), publish-release, comment-on-issue, verify-release and track-release.
//! Commits and tags come from the bare repositories under `--git-root`
//! (`OWNER/NAME.git`); commit statuses, the issues that exist, the accounts of tokens and
//! the teams' members are given on the command line; pull requests, releases with their
//! assets, opened issues and issue comments live in memory. The release's
//! `upload_url` points back at this server (github.com's is on uploads.github.com), so
//! uploads arrive here too.

use super::{NOW, Request, git, query_value};
use serde_json::{Value, json};
use sha2::Digest;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct GitHub {
    /// This server's own URL (`http://127.0.0.1:PORT`), for the URLs the API hands out.
    pub base: String,
    pub git_root: PathBuf,
    /// sha → [(context, state)]
    pub statuses: HashMap<String, Vec<(String, String)>>,
    /// (repository, issue number) of the issues that exist.
    pub issues: HashSet<(String, u64)>,
    pub pulls: Mutex<Vec<Value>>,
    /// (repository, release as the API shows it, its `assets` included)
    pub releases: Mutex<Vec<(String, Value)>>,
    /// (repository, issue number, comment)
    pub comments: Mutex<Vec<(String, u64, Value)>>,
    /// (repository, issue) of the issues opened through the API (track-release).
    pub opened: Mutex<Vec<(String, Value)>>,
    /// Token → the account it belongs to (`--user TOKEN=LOGIN`); any other token is
    /// `github-actions[bot]`, as GITHUB_TOKEN is.
    pub users: HashMap<String, String>,
    /// Team `org/slug` → its members (`--team ORG/SLUG=LOGIN,LOGIN`).
    pub teams: HashMap<String, Vec<String>>,
    /// Ids of releases, assets and comments.
    pub next_id: AtomicU64,
}

fn not_found() -> (u16, Value) {
    (
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
    )
}

/// 422 as GitHub words it for a field that is wrong.
fn validation_failed(resource: &str, code: &str, field: &str) -> (u16, Value) {
    (
        422,
        json!({"message": "Validation Failed",
               "errors": [{"resource": resource, "code": code, "field": field}],
               "documentation_url": "https://docs.github.com/rest"}),
    )
}

impl GitHub {
    pub fn answer(&self, request: &Request) -> (u16, Value) {
        let (method, path, query) = (request.method, request.path, request.query);
        let body: Value = serde_json::from_slice(request.body).unwrap_or(Value::Null);
        if method == "POST" && path == "/graphql" {
            return self.enable_auto_merge(&body);
        }
        if let Some(team) = path.strip_prefix("/orgs/") {
            return self.team(team, method);
        }
        let Some(rest) = path.strip_prefix("/repos/") else {
            return not_found();
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let [owner, name, rest @ ..] = parts.as_slice() else {
            return not_found();
        };
        // Plain names only: the repository is a folder under --git-root.
        if [owner, name]
            .iter()
            .any(|s| s.is_empty() || s.starts_with('.'))
        {
            return not_found();
        }
        let repo = format!("{owner}/{name}");
        let bare = self.git_root.join(format!("{repo}.git"));
        if !bare.is_dir() {
            return not_found();
        }
        // The rest is percent-decoded: a tag `a/b` arrives as `a%2Fb`.
        let decoded: Vec<String> = rest
            .iter()
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
        match (method, segments.as_slice()) {
            ("GET", []) => {
                let branch = git(&bare, &["symbolic-ref", "--short", "HEAD"]).unwrap_or_default();
                (200, json!({"full_name": repo, "default_branch": branch}))
            }
            ("GET", ["commits"]) => {
                let reference = query_value(query, "sha").unwrap_or_else(|| "HEAD".into());
                let limit = query_value(query, "per_page").unwrap_or_else(|| "30".into());
                let Some(log) = git(
                    &bare,
                    &[
                        "log",
                        "--format=%H%x09%s",
                        "-n",
                        &limit,
                        "--end-of-options",
                        &reference,
                    ],
                ) else {
                    return not_found();
                };
                let commits: Vec<Value> = log
                    .lines()
                    .filter_map(|l| l.split_once('\t'))
                    .map(|(sha, subject)| {
                        json!({"sha": sha, "html_url": format!("https://github.com/{repo}/commit/{sha}"),
                               "commit": {"message": subject}})
                    })
                    .collect();
                (200, Value::Array(commits))
            }
            ("GET", ["commits", _, "check-runs"]) => {
                (200, json!({"total_count": 0, "check_runs": []}))
            }
            ("GET", ["commits", sha, "status"]) => {
                let statuses: Vec<Value> = self
                    .statuses
                    .get(*sha)
                    .into_iter()
                    .flatten()
                    .map(|(context, state)| json!({"context": context, "state": state}))
                    .collect();
                let state = if statuses.is_empty() {
                    "pending"
                } else {
                    "success"
                };
                (
                    200,
                    json!({"state": state, "sha": sha, "total_count": statuses.len(), "statuses": statuses}),
                )
            }
            ("GET", ["pulls"]) => {
                let head = query_value(query, "head").unwrap_or_default();
                let branch = head.split_once(':').map_or(head.as_str(), |(_, b)| b);
                let pulls = self.pulls.lock().unwrap();
                let open: Vec<Value> = pulls
                    .iter()
                    .filter(|p| p["head"]["ref"] == branch)
                    .cloned()
                    .collect();
                (200, Value::Array(open))
            }
            ("POST", ["pulls"]) => {
                let mut pulls = self.pulls.lock().unwrap();
                let number = pulls.len() + 1;
                let pull = json!({
                    "number": number, "node_id": format!("PR_{number}"), "state": "open",
                    "html_url": format!("https://github.com/{repo}/pull/{number}"),
                    "title": body["title"], "body": body["body"], "labels": [],
                    "head": {"ref": body["head"], "repo": {"full_name": repo}},
                    "base": {"ref": body["base"], "repo": {"full_name": repo}},
                    "created_at": "2026-01-15T12:00:00Z", "auto_merge": null,
                });
                pulls.push(pull.clone());
                (201, pull)
            }
            ("PATCH", ["pulls", number]) => self.with_pull(number, |pull| {
                pull["title"] = body["title"].clone();
                pull["body"] = body["body"].clone();
                (200, pull.clone())
            }),
            ("POST", ["issues", number, "labels"]) => self.with_pull(number, |pull| {
                let labels = pull["labels"].as_array_mut().unwrap();
                for name in body["labels"].as_array().into_iter().flatten() {
                    labels.push(json!({"name": name}));
                }
                (200, Value::Array(labels.clone()))
            }),
            ("POST", ["pulls", _, "reviews"]) => (200, json!({"state": "APPROVED"})),
            // publish-release
            ("GET", ["git", "ref", "tags", tag @ ..]) => {
                tag_ref(&self.base, &bare, &repo, &tag.join("/"))
            }
            ("GET", ["git", "tags", sha]) => tag_object(&self.base, &bare, &repo, sha),
            ("GET", ["releases", "tags", tag]) => self.release_by_tag(&repo, tag),
            ("POST", ["releases"]) => self.create_release(&repo, &body),
            ("PATCH", ["releases", id]) => self.update_release(&repo, id, &body),
            ("DELETE", ["releases", id]) => self.delete_release(&repo, id),
            ("GET", ["releases", id, "assets"]) => self.list_assets(&repo, id, query),
            ("POST", ["releases", id, "assets"]) => self.upload_asset(&repo, id, request),
            // track-release
            ("GET", ["issues"]) => self.list_issues(&repo, query),
            ("POST", ["issues"]) => self.create_issue(&repo, &body, request),
            ("GET", ["issues", number]) => self.with_issue(&repo, number, |i| (200, i.clone())),
            ("PATCH", ["issues", number]) => self.with_issue(&repo, number, |issue| {
                for field in ["title", "body"] {
                    if let Some(text) = body[field].as_str() {
                        issue[field] = text.into();
                    }
                }
                if let Some(state) = body["state"].as_str() {
                    issue["state"] = state.into();
                    issue["state_reason"] = body["state_reason"].clone();
                }
                (200, issue.clone())
            }),
            // comment-on-issue
            ("GET", ["issues", number, "comments"]) => self.list_comments(&repo, number),
            ("POST", ["issues", number, "comments"]) => {
                self.create_comment(&repo, number, &body, request)
            }
            ("PATCH", ["issues", "comments", id]) => self.update_comment(&repo, id, &body),
            _ => not_found(),
        }
    }

    fn with_pull(
        &self,
        number: &str,
        change: impl FnOnce(&mut Value) -> (u16, Value),
    ) -> (u16, Value) {
        let mut pulls = self.pulls.lock().unwrap();
        match pulls
            .iter_mut()
            .find(|p| number.parse::<u64>().is_ok_and(|n| p["number"] == n))
        {
            Some(pull) => change(pull),
            None => not_found(),
        }
    }

    fn enable_auto_merge(&self, body: &Value) -> (u16, Value) {
        let id = &body["variables"]["pullRequestId"];
        let mut pulls = self.pulls.lock().unwrap();
        match pulls.iter_mut().find(|p| &p["node_id"] == id) {
            Some(pull) => {
                pull["auto_merge"] = json!({"merge_method": "merge"});
                (
                    200,
                    json!({"data": {"enablePullRequestAutoMerge": {"pullRequest": {"number": pull["number"]}}}}),
                )
            }
            None => (
                200,
                json!({"errors": [{"message": format!("Could not resolve to a node with the global id of '{id}'")}]}),
            ),
        }
    }
}

// ---- tags: "Get a reference", "Get a tag" (read from the bare repository) ----

/// `GET /repos/{owner}/{repo}/git/ref/tags/{tag}`: the object the tag ref names.
fn tag_ref(base: &str, bare: &Path, repo: &str, tag: &str) -> (u16, Value) {
    let reference = format!("refs/tags/{tag}");
    let Some(sha) = git(bare, &["rev-parse", "--verify", "--quiet", &reference]) else {
        return not_found();
    };
    let kind = git(bare, &["cat-file", "-t", &sha]).unwrap_or_default();
    let plural = if kind == "tag" { "tags" } else { "commits" };
    (
        200,
        json!({"ref": reference, "node_id": format!("REF_{sha}"),
               "url": format!("{base}/repos/{repo}/git/{reference}"),
               "object": {"sha": sha, "type": kind,
                          "url": format!("{base}/repos/{repo}/git/{plural}/{sha}")}}),
    )
}

/// `GET /repos/{owner}/{repo}/git/tags/{sha}`: an annotated tag object.
fn tag_object(base: &str, bare: &Path, repo: &str, sha: &str) -> (u16, Value) {
    if !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return not_found();
    }
    let Some(raw) = git(bare, &["cat-file", "tag", sha]) else {
        return not_found();
    };
    // Header lines (`object`, `type`, `tag`, `tagger`), a blank line, the message.
    let (header, message) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let field = |name: &str| {
        header
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_default()
    };
    // `Name <email> 1768478400 +0100`
    let tagger = field("tagger");
    let (name, rest) = tagger.split_once(" <").unwrap_or((tagger, ""));
    let (email, when) = rest.split_once("> ").unwrap_or((rest, ""));
    let seconds = when.split(' ').next().and_then(|s| s.parse().ok());
    let date = seconds
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    (
        200,
        json!({"node_id": format!("TAG_{sha}"), "tag": field("tag"), "sha": sha,
               "url": format!("{base}/repos/{repo}/git/tags/{sha}"),
               "message": format!("{message}\n"),
               "tagger": {"name": name, "email": email, "date": date},
               "object": {"type": field("type"), "sha": field("object")},
               "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null}}),
    )
}

// ---- releases: "Get a release by tag name", "Create a release", "Update a release",
// ---- "Delete a release", "List release assets", "Upload a release asset" ----

impl GitHub {
    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Runs `change` on release `id` of `repo`; 404 when there is none.
    fn with_release(
        &self,
        repo: &str,
        id: &str,
        change: impl FnOnce(&mut Vec<(String, Value)>, usize) -> (u16, Value),
    ) -> (u16, Value) {
        let mut releases = self.releases.lock().unwrap();
        let found = releases.iter().position(|(r, release)| {
            r == repo && id.parse::<u64>().is_ok_and(|n| release["id"] == n)
        });
        match found {
            Some(index) => change(&mut releases, index),
            None => not_found(),
        }
    }

    /// Drafts are not found by tag: only a published release is.
    fn release_by_tag(&self, repo: &str, tag: &str) -> (u16, Value) {
        let releases = self.releases.lock().unwrap();
        releases
            .iter()
            .find(|(r, release)| {
                r == repo && release["tag_name"] == tag && release["draft"] == false
            })
            .map_or_else(not_found, |(_, release)| (200, release.clone()))
    }

    fn create_release(&self, repo: &str, body: &Value) -> (u16, Value) {
        let Some(tag) = body["tag_name"].as_str() else {
            return validation_failed("Release", "missing_field", "tag_name");
        };
        let id = self.id();
        let base = &self.base;
        let mut release = json!({
            "url": format!("{base}/repos/{repo}/releases/{id}"),
            "assets_url": format!("{base}/repos/{repo}/releases/{id}/assets"),
            "upload_url": format!("{base}/repos/{repo}/releases/{id}/assets{{?name,label}}"),
            "id": id, "node_id": format!("RE_{id}"),
            "tag_name": tag, "target_commitish": body["target_commitish"].as_str().unwrap_or("main"),
            "name": body["name"].as_str().unwrap_or(tag),
            "body": body["body"].as_str().unwrap_or(""),
            "draft": body["draft"].as_bool().unwrap_or(false),
            "prerelease": body["prerelease"].as_bool().unwrap_or(false),
            "created_at": NOW,
            "author": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
            "assets": [],
        });
        show_state(repo, &mut release);
        self.releases
            .lock()
            .unwrap()
            .push((repo.to_string(), release.clone()));
        (201, release)
    }

    fn update_release(&self, repo: &str, id: &str, body: &Value) -> (u16, Value) {
        self.with_release(repo, id, |releases, index| {
            let release = &mut releases[index].1;
            for field in ["name", "body", "draft", "prerelease"] {
                if !body[field].is_null() {
                    release[field] = body[field].clone();
                }
            }
            show_state(repo, release);
            (200, release.clone())
        })
    }

    fn delete_release(&self, repo: &str, id: &str) -> (u16, Value) {
        self.with_release(repo, id, |releases, index| {
            releases.remove(index);
            (204, Value::Null)
        })
    }

    /// One page of at most `per_page` assets (all of the demo's fit on the first).
    fn list_assets(&self, repo: &str, id: &str, query: &str) -> (u16, Value) {
        let page: usize = query_value(query, "page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let per_page: usize = query_value(query, "per_page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(30);
        self.with_release(repo, id, |releases, index| {
            let assets = releases[index].1["assets"].as_array().unwrap();
            let shown = assets
                .iter()
                .skip((page.max(1) - 1) * per_page)
                .take(per_page);
            (200, Value::Array(shown.cloned().collect()))
        })
    }

    /// `POST {upload_url}?name=NAME` with the file as the body.
    fn upload_asset(&self, repo: &str, id: &str, request: &Request) -> (u16, Value) {
        let Some(name) = query_value(request.query, "name").filter(|n| !n.is_empty()) else {
            return validation_failed("ReleaseAsset", "missing_field", "name");
        };
        let asset_id = self.id();
        let base = &self.base;
        self.with_release(repo, id, |releases, index| {
            let release = &mut releases[index].1;
            let tag = release["tag_name"].as_str().unwrap_or_default().to_string();
            let assets = release["assets"].as_array_mut().unwrap();
            if assets.iter().any(|a| a["name"] == name) {
                return validation_failed("ReleaseAsset", "already_exists", "name");
            }
            let asset = json!({
                "url": format!("{base}/repos/{repo}/releases/assets/{asset_id}"),
                "browser_download_url": format!("https://github.com/{repo}/releases/download/{tag}/{name}"),
                "id": asset_id, "node_id": format!("RA_{asset_id}"),
                "name": name, "label": "", "state": "uploaded",
                "content_type": request.content_type, "size": request.body.len(),
                "digest": format!("sha256:{:x}", sha2::Sha256::digest(request.body)),
                "download_count": 0, "created_at": NOW, "updated_at": NOW,
                "uploader": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
            });
            assets.push(asset.clone());
            (201, asset)
        })
    }
}

/// The fields that follow `draft`: a draft's page is `untagged-…` and it has no
/// `published_at`.
fn show_state(repo: &str, release: &mut Value) {
    let draft = release["draft"] == true;
    let page = if draft {
        format!("untagged-{}", release["id"])
    } else {
        release["tag_name"].as_str().unwrap_or_default().to_string()
    };
    release["html_url"] = format!("https://github.com/{repo}/releases/tag/{page}").into();
    release["published_at"] = if draft { Value::Null } else { NOW.into() };
}

// ---- issue comments: "List issue comments", "Create an issue comment",
// ---- "Update an issue comment" ----

impl GitHub {
    fn issue(&self, repo: &str, number: &str) -> Option<u64> {
        let number = number.parse().ok()?;
        let opened = self.opened.lock().unwrap();
        (self.issues.contains(&(repo.to_string(), number))
            || opened
                .iter()
                .any(|(r, i)| r == repo && i["number"] == number))
        .then_some(number)
    }

    /// The account of the request's token.
    fn login(&self, request: &Request) -> String {
        let token = request
            .header("authorization")
            .and_then(|v| v.split_once(' '))
            .map(|(_, t)| t.trim())
            .unwrap_or_default();
        self.users
            .get(token)
            .cloned()
            .unwrap_or_else(|| "github-actions[bot]".into())
    }
}

fn user(login: &str) -> Value {
    json!({"login": login, "id": 41898282, "type": if login.ends_with("[bot]") { "Bot" } else { "User" }})
}

// ---- issues: "List repository issues", "Create an issue", "Get an issue", "Update an
// ---- issue"; teams: "Get team membership for a user", "Get a team by name" ----

impl GitHub {
    fn list_issues(&self, repo: &str, query: &str) -> (u16, Value) {
        let labels = query_value(query, "labels").unwrap_or_default();
        let state = query_value(query, "state").unwrap_or_else(|| "open".into());
        let opened = self.opened.lock().unwrap();
        // Newest first, as GitHub lists them.
        let listed: Vec<Value> = opened
            .iter()
            .rev()
            .filter(|(r, _)| r == repo)
            .map(|(_, i)| i)
            .filter(|i| state == "all" || i["state"] == state.as_str())
            .filter(|i| {
                labels.split(',').filter(|l| !l.is_empty()).all(|l| {
                    i["labels"]
                        .as_array()
                        .is_some_and(|ls| ls.iter().any(|x| x["name"] == l))
                })
            })
            .cloned()
            .collect();
        (200, Value::Array(listed))
    }

    fn create_issue(&self, repo: &str, body: &Value, request: &Request) -> (u16, Value) {
        let Some(title) = body["title"].as_str().filter(|t| !t.is_empty()) else {
            return validation_failed("Issue", "missing_field", "title");
        };
        let mut opened = self.opened.lock().unwrap();
        let given = self
            .issues
            .iter()
            .filter(|(r, _)| r == repo)
            .map(|(_, n)| *n);
        let made = opened
            .iter()
            .filter(|(r, _)| r == repo)
            .filter_map(|(_, i)| i["number"].as_u64());
        let number = given.chain(made).max().unwrap_or(0) + 1;
        let labels: Vec<Value> = body["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| json!({"name": l}))
            .collect();
        let issue = json!({
            "id": self.id(), "node_id": format!("I_{number}"), "number": number,
            "url": format!("{}/repos/{repo}/issues/{number}", self.base),
            "html_url": format!("https://github.com/{repo}/issues/{number}"),
            "title": title, "body": body["body"], "state": "open", "state_reason": null,
            "labels": labels, "user": user(&self.login(request)), "comments": 0,
            "created_at": NOW, "updated_at": NOW, "closed_at": null,
        });
        opened.push((repo.to_string(), issue.clone()));
        (201, issue)
    }

    fn with_issue(
        &self,
        repo: &str,
        number: &str,
        change: impl FnOnce(&mut Value) -> (u16, Value),
    ) -> (u16, Value) {
        let Ok(number) = number.parse::<u64>() else {
            return not_found();
        };
        let mut opened = self.opened.lock().unwrap();
        if let Some((_, issue)) = opened
            .iter_mut()
            .find(|(r, i)| r == repo && i["number"] == number)
        {
            return change(issue);
        }
        if self.issues.contains(&(repo.to_string(), number)) {
            // An issue given on the command line, opened by someone by hand.
            let mut issue = json!({
                "id": number, "number": number, "title": format!("Issue {number}"), "body": "",
                "html_url": format!("https://github.com/{repo}/issues/{number}"),
                "state": "open", "labels": [], "user": user("octocat"),
            });
            return change(&mut issue);
        }
        not_found()
    }

    /// `orgs/{org}/teams/{slug}[/memberships/{username}]`.
    fn team(&self, path: &str, method: &str) -> (u16, Value) {
        let Some((org, rest)) = path.split_once("/teams/") else {
            return not_found();
        };
        let (slug, member) = match rest.split_once("/memberships/") {
            Some((slug, member)) => (slug, Some(member)),
            None => (rest, None),
        };
        let name = format!("{org}/{slug}");
        let Some(members) = self.teams.get(&name).filter(|_| method == "GET") else {
            return not_found();
        };
        let url = format!("{}/orgs/{org}/teams/{slug}", self.base);
        match member {
            Some(login) if members.iter().any(|m| m.eq_ignore_ascii_case(login)) => (
                200,
                json!({"url": format!("{url}/memberships/{login}"), "role": "member", "state": "active"}),
            ),
            Some(_) => not_found(),
            None => (
                200,
                json!({"id": 1, "slug": slug, "name": slug, "url": url,
                       "members_count": members.len()}),
            ),
        }
    }

    fn list_comments(&self, repo: &str, number: &str) -> (u16, Value) {
        let Some(issue) = self.issue(repo, number) else {
            return not_found();
        };
        let comments = self.comments.lock().unwrap();
        let listed = comments
            .iter()
            .filter(|(r, i, _)| r == repo && *i == issue)
            .map(|(_, _, comment)| comment.clone());
        (200, Value::Array(listed.collect()))
    }

    fn create_comment(
        &self,
        repo: &str,
        number: &str,
        body: &Value,
        request: &Request,
    ) -> (u16, Value) {
        let Some(issue) = self.issue(repo, number) else {
            return not_found();
        };
        let Some(text) = body["body"].as_str() else {
            return validation_failed("IssueComment", "missing_field", "body");
        };
        let id = self.id();
        let comment = json!({
            "id": id, "node_id": format!("IC_{id}"),
            "url": format!("{}/repos/{repo}/issues/comments/{id}", self.base),
            "html_url": format!("https://github.com/{repo}/issues/{issue}#issuecomment-{id}"),
            "issue_url": format!("{}/repos/{repo}/issues/{issue}", self.base),
            "body": text,
            "user": user(&self.login(request)),
            "created_at": NOW, "updated_at": NOW, "author_association": "NONE",
        });
        self.comments
            .lock()
            .unwrap()
            .push((repo.to_string(), issue, comment.clone()));
        (201, comment)
    }

    fn update_comment(&self, repo: &str, id: &str, body: &Value) -> (u16, Value) {
        let Some(text) = body["body"].as_str() else {
            return validation_failed("IssueComment", "missing_field", "body");
        };
        let mut comments = self.comments.lock().unwrap();
        match comments.iter_mut().find(|(r, _, comment)| {
            r == repo && id.parse::<u64>().is_ok_and(|n| comment["id"] == n)
        }) {
            Some((_, _, comment)) => {
                comment["body"] = text.into();
                (200, comment.clone())
            }
            None => not_found(),
        }
    }
}
