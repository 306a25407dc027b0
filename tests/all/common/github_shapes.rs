//! GitHub's objects in the shapes its OpenAPI description documents, with every
//! required field, for the mocks to answer with. Each takes what a test varies; the
//! rest is filled the way github.com fills it (URLs of the API, a bot user).

use serde_json::{Value, json};

/// The API origin GitHub writes into its objects' `url` fields.
pub const API: &str = "https://api.github.com";
pub const WEB: &str = "https://github.com";
pub const DATE: &str = "2026-01-15T12:00:00Z";

/// A `simple-user`.
pub fn user(login: &str) -> Value {
    let api = format!("{API}/users/{login}");
    json!({
        "login": login, "id": 2, "node_id": format!("U_{login}"),
        "avatar_url": "https://avatars.githubusercontent.com/u/2?v=4", "gravatar_id": "",
        "url": api, "html_url": format!("{WEB}/{login}"),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": "User", "site_admin": false,
    })
}

/// The `*_url` fields every repository object carries, as (field, path after the
/// repository's API URL).
const REPOSITORY_URLS: &[(&str, &str)] = &[
    ("archive_url", "/{archive_format}{/ref}"),
    ("assignees_url", "/assignees{/user}"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("branches_url", "/branches{/branch}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("comments_url", "/comments{/number}"),
    ("commits_url", "/commits{/sha}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("contents_url", "/contents/{+path}"),
    ("contributors_url", "/contributors"),
    ("deployments_url", "/deployments"),
    ("downloads_url", "/downloads"),
    ("events_url", "/events"),
    ("forks_url", "/forks"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("hooks_url", "/hooks"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("issue_events_url", "/issues/events{/number}"),
    ("issues_url", "/issues{/number}"),
    ("keys_url", "/keys{/key_id}"),
    ("labels_url", "/labels{/name}"),
    ("languages_url", "/languages"),
    ("merges_url", "/merges"),
    ("milestones_url", "/milestones{/number}"),
    (
        "notifications_url",
        "/notifications{?since,all,participating}",
    ),
    ("pulls_url", "/pulls{/number}"),
    ("releases_url", "/releases{/id}"),
    ("stargazers_url", "/stargazers"),
    ("statuses_url", "/statuses/{sha}"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("tags_url", "/tags"),
    ("teams_url", "/teams"),
    ("trees_url", "/git/trees{/sha}"),
];

/// A `minimal-repository` (the repository of a combined status or a workflow run).
pub fn minimal_repository(full_name: &str) -> Value {
    let (owner, name) = full_name.split_once('/').unwrap_or(("acme", full_name));
    let api = format!("{API}/repos/{full_name}");
    let mut repo = json!({
        "id": 1, "node_id": "R_1", "name": name, "full_name": full_name,
        "owner": user(owner), "private": false, "fork": false, "description": null,
        "html_url": format!("{WEB}/{full_name}"), "url": api,
    });
    for (field, path) in REPOSITORY_URLS {
        repo[*field] = format!("{api}{path}").into();
    }
    repo
}

/// A `repository` (the repository of a pull request's head and base).
pub fn repository(full_name: &str, default_branch: &str) -> Value {
    let mut repo = minimal_repository(full_name);
    let more = json!({
        "clone_url": format!("{WEB}/{full_name}.git"), "git_url": format!("git://github.com/{full_name}.git"),
        "ssh_url": format!("git@github.com:{full_name}.git"), "svn_url": format!("{WEB}/{full_name}"),
        "default_branch": default_branch, "forks": 0, "forks_count": 0, "has_downloads": true,
        "has_issues": true, "has_projects": false, "has_wiki": false, "has_pages": false,
        "homepage": null, "language": null, "archived": false, "disabled": false, "mirror_url": null,
        "open_issues": 0, "open_issues_count": 0, "license": null, "pushed_at": DATE, "size": 10,
        "stargazers_count": 0, "watchers": 0, "watchers_count": 0,
        "created_at": DATE, "updated_at": DATE,
    });
    for (k, v) in more.as_object().unwrap() {
        repo[k] = v.clone();
    }
    repo
}

/// A `full-repository` (`GET /repos/{owner}/{repo}`), allowing every merge method.
pub fn full_repository(full_name: &str, default_branch: &str) -> Value {
    let mut repo = repository(full_name, default_branch);
    let more = json!({
        "has_discussions": false, "network_count": 0, "subscribers_count": 0,
        "allow_merge_commit": true, "allow_squash_merge": true, "allow_rebase_merge": true,
        "allow_auto_merge": true, "visibility": "public",
    });
    for (k, v) in more.as_object().unwrap() {
        repo[k] = v.clone();
    }
    repo
}

/// A `label` (in a pull request, or the answer of "Add labels to an issue").
pub fn label(full_name: &str, name: &str) -> Value {
    json!({"id": 1, "node_id": "LA_1", "url": format!("{API}/repos/{full_name}/labels/{name}"),
           "name": name, "description": "", "color": "ededed", "default": false})
}

/// An `issue` of `full_name` (with `pull_request` set when the number is a pull
/// request's, as the issues API answers for one).
pub fn issue(
    full_name: &str,
    number: u64,
    title: &str,
    open: bool,
    labels: &[String],
    pull: bool,
) -> Value {
    let api = format!("{API}/repos/{full_name}");
    let mut issue = json!({
        "id": 3000 + number, "node_id": format!("I_kwDOAA{number}"),
        "url": format!("{api}/issues/{number}"),
        "repository_url": api.clone(),
        "labels_url": format!("{api}/issues/{number}/labels{{/name}}"),
        "comments_url": format!("{api}/issues/{number}/comments"),
        "events_url": format!("{api}/issues/{number}/events"),
        "html_url": format!("{WEB}/{full_name}/issues/{number}"),
        "number": number, "state": if open { "open" } else { "closed" },
        "title": title, "body": null, "user": user("reporter"),
        "labels": labels.iter().map(|l| label(full_name, l)).collect::<Vec<_>>(),
        "assignee": null, "assignees": [], "milestone": null, "locked": false,
        "comments": 0, "closed_at": if open { Value::Null } else { json!(DATE) },
        "created_at": DATE, "updated_at": DATE, "author_association": "NONE",
    });
    if pull {
        issue["pull_request"] = json!({
            "url": format!("{api}/pulls/{number}"),
            "html_url": format!("{WEB}/{full_name}/pull/{number}"),
            "diff_url": format!("{WEB}/{full_name}/pull/{number}.diff"),
            "patch_url": format!("{WEB}/{full_name}/pull/{number}.patch"),
            "merged_at": DATE,
        });
        issue["html_url"] = json!(format!("{WEB}/{full_name}/pull/{number}"));
    }
    issue
}

/// A `pull-request` of `full_name` from `head` into `base`.
pub fn pull_request(
    full_name: &str,
    number: u64,
    title: &Value,
    body: &Value,
    head: &str,
    base: &str,
) -> Value {
    let owner = full_name.split('/').next().unwrap_or("acme");
    let api = format!("{API}/repos/{full_name}");
    let html = format!("{WEB}/{full_name}/pull/{number}");
    let side = |branch: &str| {
        json!({"label": format!("{owner}:{branch}"), "ref": branch,
               "sha": "0000000000000000000000000000000000000000",
               "user": user(owner), "repo": repository(full_name, "main")})
    };
    let link = |href: String| json!({"href": href});
    let mut pr = json!({
        "url": format!("{api}/pulls/{number}"), "id": 1000 + number,
        "node_id": format!("PR_kwDOAA{number}"), "html_url": html,
        "diff_url": format!("{html}.diff"), "patch_url": format!("{html}.patch"),
        "issue_url": format!("{api}/issues/{number}"),
        "commits_url": format!("{api}/pulls/{number}/commits"),
        "review_comments_url": format!("{api}/pulls/{number}/comments"),
        "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
        "comments_url": format!("{api}/issues/{number}/comments"),
        "statuses_url": format!("{api}/statuses/0000000000000000000000000000000000000000"),
        "number": number, "state": "open", "locked": false, "title": title,
        "user": user("release-bot"), "body": body, "labels": [], "milestone": null,
        "active_lock_reason": null, "created_at": DATE, "updated_at": DATE,
        "closed_at": null, "merged_at": null, "merge_commit_sha": null,
        "assignee": null, "assignees": [], "requested_reviewers": [], "requested_teams": [],
        "head": side(head), "base": side(base),
    });
    let links = json!({
            "self": link(format!("{api}/pulls/{number}")), "html": link(html.clone()),
            "issue": link(format!("{api}/issues/{number}")),
            "comments": link(format!("{api}/issues/{number}/comments")),
            "review_comments": link(format!("{api}/pulls/{number}/comments")),
            "review_comment": link(format!("{api}/pulls/comments{{/number}}")),
            "commits": link(format!("{api}/pulls/{number}/commits")),
            "statuses": link(format!("{api}/statuses/0000000000000000000000000000000000000000")),
    });
    let state = json!({
        "author_association": "CONTRIBUTOR", "auto_merge": null, "draft": false,
        "merged": false, "mergeable": null, "rebaseable": null, "mergeable_state": "unknown",
        "merged_by": null, "comments": 0, "review_comments": 0, "maintainer_can_modify": false,
        "commits": 1, "additions": 1, "deletions": 1, "changed_files": 1,
    });
    pr["_links"] = links;
    for (k, v) in state.as_object().unwrap() {
        pr[k] = v.clone();
    }
    pr
}

/// A pull request's `auto_merge` once enabled with `method` (`merge`, `squash`, `rebase`).
pub fn auto_merge(method: &str) -> Value {
    json!({"enabled_by": user("release-bot"), "merge_method": method,
           "commit_title": "", "commit_message": ""})
}

/// A `pull-request-review` that approves.
pub fn approving_review(full_name: &str, number: u64, login: &str) -> Value {
    let html = format!("{WEB}/{full_name}/pull/{number}");
    json!({"id": 80, "node_id": "PRR_1", "user": user(login), "body": "", "state": "APPROVED",
           "html_url": format!("{html}#pullrequestreview-80"),
           "pull_request_url": format!("{API}/repos/{full_name}/pulls/{number}"),
           "_links": {"html": {"href": format!("{html}#pullrequestreview-80")},
                      "pull_request": {"href": format!("{API}/repos/{full_name}/pulls/{number}")}},
           "submitted_at": DATE, "commit_id": "0000000000000000000000000000000000000000",
           "author_association": "MEMBER"})
}

/// An `issue-comment` of issue `issue`.
pub fn issue_comment(full_name: &str, issue: u64, id: u64, body: &Value) -> Value {
    json!({
        "id": id, "node_id": format!("IC_{id}"),
        "url": format!("{API}/repos/{full_name}/issues/comments/{id}"),
        "html_url": format!("{WEB}/{full_name}/issues/{issue}#issuecomment-{id}"),
        "issue_url": format!("{API}/repos/{full_name}/issues/{issue}"),
        "body": body, "user": user("release-bot"),
        "created_at": DATE, "updated_at": DATE, "author_association": "NONE",
    })
}

/// A `git-ref`: `name` is the whole ref (`refs/tags/v1`), `kind` what it points at.
pub fn git_ref(full_name: &str, name: &str, sha: &str, kind: &str) -> Value {
    let object_path = if kind == "tag" { "tags" } else { "commits" };
    json!({"ref": name, "node_id": "REF_1",
           "url": format!("{API}/repos/{full_name}/git/{name}"),
           "object": {"type": kind, "sha": sha,
                      "url": format!("{API}/repos/{full_name}/git/{object_path}/{sha}")}})
}

/// A `git-tag` object named `tag` with `message`, pointing at commit `commit`.
pub fn git_tag(full_name: &str, sha: &str, tag: &str, message: &str, commit: &str) -> Value {
    json!({"node_id": "TAG_1", "tag": tag, "sha": sha,
           "url": format!("{API}/repos/{full_name}/git/tags/{sha}"), "message": message,
           "tagger": {"name": "Release Bot", "email": "bot@example.org", "date": DATE},
           "object": {"type": "commit", "sha": commit,
                      "url": format!("{API}/repos/{full_name}/git/commits/{commit}")},
           "verification": {"verified": false, "reason": "unsigned", "signature": null,
                            "payload": null, "verified_at": null}})
}

/// A `git-commit` ("Get a commit object").
pub fn git_commit(full_name: &str, sha: &str, message: &str) -> Value {
    let person = json!({"name": "Release Bot", "email": "bot@example.org", "date": DATE});
    json!({"sha": sha, "node_id": format!("C_{sha}"),
           "url": format!("{API}/repos/{full_name}/git/commits/{sha}"),
           "html_url": format!("{WEB}/{full_name}/commit/{sha}"),
           "author": person, "committer": person, "message": message,
           "tree": {"sha": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
                    "url": format!("{API}/repos/{full_name}/git/trees/4b825dc642cb6eb9a060e54bf8d69288fbee4904")},
           "parents": [],
           "verification": {"verified": false, "reason": "unsigned", "signature": null,
                            "payload": null, "verified_at": null}})
}

/// A `commit` as "List commits" and "Compare two commits" list it.
pub fn commit(full_name: &str, sha: &str, message: &str, parents: &[&str]) -> Value {
    let person = json!({"name": "Release Bot", "email": "bot@example.org", "date": DATE});
    json!({
        "url": format!("{API}/repos/{full_name}/commits/{sha}"), "sha": sha,
        "node_id": format!("C_{sha}"), "html_url": format!("{WEB}/{full_name}/commit/{sha}"),
        "comments_url": format!("{API}/repos/{full_name}/commits/{sha}/comments"),
        "commit": {
            "url": format!("{API}/repos/{full_name}/git/commits/{sha}"),
            "author": person, "committer": person, "message": message, "comment_count": 0,
            "tree": {"sha": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
                     "url": format!("{API}/repos/{full_name}/git/trees/4b825dc642cb6eb9a060e54bf8d69288fbee4904")},
            "verification": {"verified": false, "reason": "unsigned", "signature": null,
                             "payload": null, "verified_at": null},
        },
        "author": user("release-bot"), "committer": user("release-bot"),
        "parents": parents.iter().map(|p| json!({"sha": p,
            "url": format!("{API}/repos/{full_name}/commits/{p}"),
            "html_url": format!("{WEB}/{full_name}/commit/{p}")})).collect::<Vec<_>>(),
    })
}

/// A `commit-comparison` of `base...head` whose page lists `commits` of `total`.
pub fn comparison(
    full_name: &str,
    base: &str,
    head: &str,
    commits: Vec<Value>,
    total: usize,
) -> Value {
    let base_commit = commit(
        full_name,
        "1111111111111111111111111111111111111111",
        "base",
        &[],
    );
    json!({
        "url": format!("{API}/repos/{full_name}/compare/{base}...{head}"),
        "html_url": format!("{WEB}/{full_name}/compare/{base}...{head}"),
        "permalink_url": format!("{WEB}/{full_name}/compare/{base}...{head}"),
        "diff_url": format!("{WEB}/{full_name}/compare/{base}...{head}.diff"),
        "patch_url": format!("{WEB}/{full_name}/compare/{base}...{head}.patch"),
        "base_commit": base_commit.clone(), "merge_base_commit": base_commit,
        "status": "ahead", "ahead_by": total, "behind_by": 0, "total_commits": total,
        "commits": commits, "files": [],
    })
}

/// A `check-run` of commit `sha`: `status` and, once completed, `conclusion`.
pub fn check_run(
    full_name: &str,
    id: u64,
    sha: &str,
    name: &str,
    status: &str,
    conclusion: Option<&str>,
) -> Value {
    json!({
        "id": id, "node_id": format!("CR_{id}"), "head_sha": sha, "name": name,
        "url": format!("{API}/repos/{full_name}/check-runs/{id}"),
        "html_url": format!("{WEB}/{full_name}/runs/{id}"), "details_url": null,
        "status": status, "conclusion": conclusion, "external_id": null,
        "started_at": DATE, "completed_at": conclusion.map(|_| DATE),
        "output": {"title": null, "summary": null, "text": null, "annotations_count": 0,
                   "annotations_url": format!("{API}/repos/{full_name}/check-runs/{id}/annotations")},
        "check_suite": {"id": 5}, "app": null, "pull_requests": [],
    })
}

/// A `simple-commit-status` (`error`, `failure`, `pending`, `success`).
pub fn commit_status(full_name: &str, id: u64, context: &str, state: &str) -> Value {
    json!({"id": id, "node_id": format!("SC_{id}"), "state": state, "context": context,
           "description": null, "target_url": null, "avatar_url": null,
           "url": format!("{API}/repos/{full_name}/statuses/{id}"),
           "created_at": DATE, "updated_at": DATE})
}

/// A `combined-commit-status` whose page lists `statuses` of `total`.
pub fn combined_status(full_name: &str, sha: &str, statuses: Vec<Value>, total: usize) -> Value {
    let state = if statuses.iter().all(|s| s["state"] == "success") {
        "success"
    } else if statuses.iter().any(|s| s["state"] == "pending") {
        "pending"
    } else {
        "failure"
    };
    json!({"state": state, "sha": sha, "total_count": total, "statuses": statuses,
           "repository": minimal_repository(full_name),
           "commit_url": format!("{API}/repos/{full_name}/commits/{sha}"),
           "url": format!("{API}/repos/{full_name}/commits/{sha}/status")})
}

/// A `workflow-run` of `sha`.
#[allow(clippy::too_many_arguments)]
pub fn workflow_run(
    full_name: &str,
    id: u64,
    name: &str,
    path: &str,
    sha: &str,
    status: &str,
    conclusion: Value,
    workflow_id: u64,
) -> Value {
    let api = format!("{API}/repos/{full_name}/actions/runs/{id}");
    json!({
        "id": id, "name": name, "node_id": format!("WFR_{id}"), "head_branch": "main",
        "head_sha": sha, "path": path, "run_number": id, "run_attempt": 1, "event": "push",
        "display_title": "release", "status": status, "conclusion": conclusion,
        "workflow_id": workflow_id, "url": api,
        "html_url": format!("{WEB}/{full_name}/actions/runs/{id}"),
        "created_at": DATE, "updated_at": DATE, "head_commit": null,
        "head_repository": minimal_repository(full_name), "repository": minimal_repository(full_name),
        "jobs_url": format!("{api}/jobs"), "logs_url": format!("{api}/logs"),
        "check_suite_url": format!("{API}/repos/{full_name}/check-suites/5"),
        "cancel_url": format!("{api}/cancel"), "rerun_url": format!("{api}/rerun"),
        "artifacts_url": format!("{api}/artifacts"),
        "workflow_url": format!("{API}/repos/{full_name}/actions/workflows/{workflow_id}"),
        "pull_requests": [],
    })
}

/// An `artifact` of a workflow run.
pub fn artifact(full_name: &str, id: u64, name: &str, size: u64, expired: bool) -> Value {
    let api = format!("{API}/repos/{full_name}/actions/artifacts/{id}");
    json!({"id": id, "node_id": format!("AR_{id}"), "name": name, "size_in_bytes": size,
           "url": api, "archive_download_url": format!("{api}/zip"), "expired": expired,
           "created_at": DATE, "expires_at": "2026-04-15T12:00:00Z", "updated_at": DATE,
           "digest": null, "workflow_run": null})
}

/// GitHub's error object for `status` with `message`.
pub fn error(status: u16, message: &str) -> Value {
    json!({"message": message, "documentation_url": "https://docs.github.com/rest",
           "status": status.to_string()})
}

/// GitHub's 422 "Validation Failed" with one error.
pub fn validation_failed(
    resource: &str,
    code: &str,
    field: Option<&str>,
    message: Option<&str>,
) -> Value {
    let mut error = json!({"resource": resource, "code": code});
    if let Some(field) = field {
        error["field"] = field.into();
    }
    if let Some(message) = message {
        error["message"] = message.into();
    }
    json!({"message": "Validation Failed", "errors": [error],
           "documentation_url": "https://docs.github.com/rest", "status": "422"})
}
