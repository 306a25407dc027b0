//! A stateful mock of the change-request APIs: GitHub pull requests and GitLab merge
//! requests, kept in memory across runs of a tool, so a change request created by one
//! run is found by the next. Payloads follow the documented shapes; refusals are the
//! real ones (GitHub 422 "A pull request already exists", GitLab 409 for a second merge
//! request from one branch, GitLab 405 on merge before the pipeline has started).

use super::github_shapes as gh;
use super::pages::query_param;
use super::{MockApi, MockResponse, Recorded};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct State {
    /// Every change request, in the forge's own JSON shape.
    requests: Vec<Value>,
    /// GitLab: how many more merge calls answer 405.
    refuse_merges: usize,
    /// Approvals as (number, token header) pairs.
    approvals: Vec<(u64, String)>,
    /// GitHub: the merge methods the repository allows (merge, squash, rebase).
    merge_methods: Option<[bool; 3]>,
}

/// The change requests of one repository on the mock forge.
#[derive(Clone)]
pub struct ChangeRequests {
    state: Arc<Mutex<State>>,
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn number_in(path: &str, prefix: &str, suffix: &str) -> Option<u64> {
    path.strip_prefix(prefix)?
        .strip_suffix(suffix)?
        .parse()
        .ok()
}

impl ChangeRequests {
    fn new() -> ChangeRequests {
        ChangeRequests {
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// Every change request, as the forge would return it.
    pub fn all(&self) -> Vec<Value> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Approvals given, as (number, the token that gave it).
    pub fn approvals(&self) -> Vec<(u64, String)> {
        self.state.lock().unwrap().approvals.clone()
    }

    /// GitLab answers the next `times` merge calls with 405 (no pipeline yet).
    pub fn refuse_merges(&self, times: usize) {
        self.state.lock().unwrap().refuse_merges = times;
    }

    /// GitHub: the repository allows only these merge methods.
    pub fn allow_merge_methods(&self, merge: bool, squash: bool, rebase: bool) {
        self.state.lock().unwrap().merge_methods = Some([merge, squash, rebase]);
    }

    /// Sets `created_at` of change request `number`.
    pub fn set_created_at(&self, number: u64, date: &str) {
        let mut state = self.state.lock().unwrap();
        for r in state.requests.iter_mut() {
            if r["number"] == number || r["iid"] == number {
                r["created_at"] = date.into();
            }
        }
    }

    /// Adds a change request as if made earlier (the forge's JSON, as `all` returns).
    pub fn insert(&self, request: Value) {
        self.state.lock().unwrap().requests.push(request);
    }

    /// GitHub: `GET /repos/{repo}` (default branch), pulls, labels, reviews, and the
    /// GraphQL auto-merge mutation.
    pub fn github(api: &MockApi, repo: &str, default_branch: &str) -> ChangeRequests {
        let this = ChangeRequests::new();
        let state = this.state.clone();
        let repo = repo.to_string();
        let default_branch = default_branch.to_string();
        api.handle(move |r| {
            if r.method == "GET" && r.path == format!("/repos/{repo}") {
                let mut full = gh::full_repository(&repo, &default_branch);
                if let Some([merge, squash, rebase]) = state.lock().unwrap().merge_methods {
                    full["allow_merge_commit"] = merge.into();
                    full["allow_squash_merge"] = squash.into();
                    full["allow_rebase_merge"] = rebase.into();
                }
                return Some(MockResponse::json(200, full));
            }
            github_handle(&state, &repo, r)
        });
        this
    }

    /// GitLab: `GET /projects/:id` (default branch), merge requests, approvals, merge.
    pub fn gitlab(api: &MockApi, repo: &str, default_branch: &str) -> ChangeRequests {
        let this = ChangeRequests::new();
        let project = format!("/api/v4/projects/{}", repo.replace('/', "%2F"));
        api.on(
            "GET",
            &project,
            MockResponse::json(
                200,
                json!({"id": 5, "path_with_namespace": repo, "default_branch": default_branch,
                       "web_url": format!("https://gitlab.example.com/{repo}")}),
            ),
        );
        let state = this.state.clone();
        let repo = repo.to_string();
        api.handle(move |r| gitlab_handle(&state, &repo, &project, r));
        this
    }
}

fn github_handle(state: &Mutex<State>, repo: &str, r: &Recorded) -> Option<MockResponse> {
    let pulls = format!("/repos/{repo}/pulls");
    let mut st = state.lock().unwrap();
    if r.method == "GET" && r.path == pulls {
        let head = decode(&query_param(r, "head").unwrap_or_default());
        let open: Vec<Value> = st
            .requests
            .iter()
            .filter(|p| p["state"] == "open")
            .filter(|p| {
                head.is_empty()
                    || format!(
                        "{}:{}",
                        p["head"]["repo"]["owner"]["login"].as_str().unwrap_or(""),
                        p["head"]["ref"].as_str().unwrap_or("")
                    ) == head
            })
            .cloned()
            .collect();
        return Some(MockResponse::json(200, Value::Array(open)));
    }
    if r.method == "POST" && r.path == pulls {
        let body = r.json();
        let head = body["head"].as_str().unwrap_or("").to_string();
        if st
            .requests
            .iter()
            .any(|p| p["state"] == "open" && p["head"]["ref"] == head.as_str())
        {
            let owner = repo.split('/').next().unwrap();
            return Some(MockResponse::json(
                422,
                gh::validation_failed(
                    "PullRequest",
                    "custom",
                    None,
                    Some(&format!(
                        "A pull request already exists for {owner}:{head}."
                    )),
                ),
            ));
        }
        let number = st.requests.len() as u64 + 1;
        let base = body["base"].as_str().unwrap_or("").to_string();
        let mut pr = gh::pull_request(repo, number, &body["title"], &body["body"], &head, &base);
        pr["created_at"] = now().into();
        pr["updated_at"] = pr["created_at"].clone();
        st.requests.push(pr.clone());
        return Some(MockResponse::json(201, pr));
    }
    if r.method == "PATCH"
        && let Some(number) = number_in(&r.path, &format!("{pulls}/"), "")
    {
        let body = r.json();
        let pr = st.requests.iter_mut().find(|p| p["number"] == number)?;
        for key in ["title", "body"] {
            if !body[key].is_null() {
                pr[key] = body[key].clone();
            }
        }
        pr["updated_at"] = now().into();
        return Some(MockResponse::json(200, pr.clone()));
    }
    if r.method == "POST"
        && let Some(number) = number_in(&r.path, &format!("/repos/{repo}/issues/"), "/labels")
    {
        let pr = st.requests.iter_mut().find(|p| p["number"] == number)?;
        let labels = pr["labels"].as_array_mut().unwrap();
        for name in r.json()["labels"].as_array().cloned().unwrap_or_default() {
            if !labels.iter().any(|l| l["name"] == name) {
                labels.push(gh::label(repo, name.as_str().unwrap()));
            }
        }
        return Some(MockResponse::json(200, Value::Array(labels.clone())));
    }
    if r.method == "POST"
        && let Some(number) = number_in(&r.path, &format!("{pulls}/"), "/reviews")
    {
        let token = r.header("authorization").unwrap_or("").to_string();
        st.approvals.push((number, token));
        return Some(MockResponse::json(
            200,
            gh::approving_review(repo, number, "merge-bot"),
        ));
    }
    if r.method == "POST" && r.path == "/graphql" {
        let body = r.json();
        let id = body["variables"]["pullRequestId"].clone();
        if !body["query"]
            .as_str()
            .unwrap_or("")
            .contains("enablePullRequestAutoMerge")
        {
            return None;
        }
        // `mergeMethod` defaults to MERGE; a method the repository does not allow is
        // refused.
        let method = body["variables"]["mergeMethod"]
            .as_str()
            .unwrap_or("MERGE")
            .to_string();
        let allowed = st.merge_methods.unwrap_or([true; 3]);
        let (index, words) = match method.as_str() {
            "MERGE" => (0, "merge commit"),
            "SQUASH" => (1, "squash"),
            _ => (2, "rebase"),
        };
        if !allowed[index] {
            return Some(MockResponse::json(
                200,
                json!({"data": {"enablePullRequestAutoMerge": null},
                       "errors": [{"type": "UNPROCESSABLE", "path": ["enablePullRequestAutoMerge"],
                                   "message": format!("Merge method {words} is not allowed on this repository")}]}),
            ));
        }
        let Some(pr) = st.requests.iter_mut().find(|p| p["node_id"] == id) else {
            return Some(MockResponse::json(
                200,
                json!({"data": {"enablePullRequestAutoMerge": null},
                       "errors": [{"type": "NOT_FOUND", "path": ["enablePullRequestAutoMerge"],
                                   "message": format!("Could not resolve to a node with the global id of '{id}'")}]}),
            ));
        };
        pr["auto_merge"] = gh::auto_merge(&method.to_ascii_lowercase());
        return Some(MockResponse::json(
            200,
            json!({"data": {"enablePullRequestAutoMerge": {"pullRequest": {
                "number": pr["number"], "autoMergeRequest": {"enabledAt": now()}}}}}),
        ));
    }
    None
}

fn gitlab_handle(
    state: &Mutex<State>,
    repo: &str,
    project: &str,
    r: &Recorded,
) -> Option<MockResponse> {
    let mrs = format!("{project}/merge_requests");
    let mut st = state.lock().unwrap();
    let form = |body: &Value, key: &str| body[key].as_str().map(str::to_string);
    if r.method == "GET" && r.path == mrs {
        let source = decode(&query_param(r, "source_branch").unwrap_or_default());
        let open: Vec<Value> = st
            .requests
            .iter()
            .filter(|m| m["state"] == "opened")
            .filter(|m| source.is_empty() || m["source_branch"] == source.as_str())
            .cloned()
            .collect();
        return Some(MockResponse::json(200, Value::Array(open)));
    }
    if r.method == "POST" && r.path == mrs {
        let body = r.json();
        let source = form(&body, "source_branch").unwrap_or_default();
        if let Some(existing) = st
            .requests
            .iter()
            .find(|m| m["state"] == "opened" && m["source_branch"] == source.as_str())
        {
            return Some(MockResponse::json(
                409,
                json!({"message": [format!("Another open merge request already exists for this source branch: !{}", existing["iid"])]}),
            ));
        }
        let iid = st.requests.len() as u64 + 1;
        let labels: Vec<String> = form(&body, "labels")
            .map(|l| l.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        let created = now();
        let mr = json!({
            "id": 900 + iid, "iid": iid, "project_id": 5, "state": "opened",
            "title": body["title"], "description": body["description"],
            "source_branch": source, "target_branch": body["target_branch"],
            "source_project_id": 5, "target_project_id": 5,
            "labels": labels, "draft": false, "work_in_progress": false,
            "merge_when_pipeline_succeeds": false, "merge_status": "checking",
            "detailed_merge_status": "checking", "sha": "0000000000000000000000000000000000000000",
            "author": {"id": 1, "username": "release-bot", "name": "Release Bot"},
            "created_at": created, "updated_at": created,
            "force_remove_source_branch": body["remove_source_branch"],
            "web_url": format!("https://gitlab.example.com/{repo}/-/merge_requests/{iid}"),
        });
        st.requests.push(mr.clone());
        return Some(MockResponse::json(201, mr));
    }
    if r.method == "PUT"
        && let Some(iid) = number_in(&r.path, &format!("{mrs}/"), "/merge")
    {
        if st.refuse_merges > 0 {
            st.refuse_merges -= 1;
            return Some(MockResponse::json(
                405,
                json!({"message": "405 Method Not Allowed"}),
            ));
        }
        let mr = st.requests.iter_mut().find(|m| m["iid"] == iid)?;
        mr["merge_when_pipeline_succeeds"] = true.into();
        return Some(MockResponse::json(200, mr.clone()));
    }
    if r.method == "PUT"
        && let Some(iid) = number_in(&r.path, &format!("{mrs}/"), "")
    {
        let body = r.json();
        let mr = st.requests.iter_mut().find(|m| m["iid"] == iid)?;
        if let Some(title) = form(&body, "title") {
            mr["title"] = title.into();
        }
        if let Some(description) = form(&body, "description") {
            mr["description"] = description.into();
        }
        if let Some(add) = form(&body, "add_labels") {
            let labels = mr["labels"].as_array_mut().unwrap();
            for name in add.split(',') {
                if !labels.iter().any(|l| l == name) {
                    labels.push(name.into());
                }
            }
        }
        mr["updated_at"] = now().into();
        return Some(MockResponse::json(200, mr.clone()));
    }
    if r.method == "POST"
        && let Some(iid) = number_in(&r.path, &format!("{mrs}/"), "/approve")
    {
        let token = r.header("private-token").unwrap_or("").to_string();
        // "If the user has already approved, the endpoint returns 401 Unauthorized."
        if st.approvals.contains(&(iid, token.clone())) {
            return Some(MockResponse::json(
                401,
                json!({"message": "401 Unauthorized"}),
            ));
        }
        st.approvals.push((iid, token));
        return Some(MockResponse::json(
            201,
            json!({"id": 900 + iid, "iid": iid, "project_id": 5, "approved": true,
                   "approvals_required": 1, "approvals_left": 0,
                   "approved_by": [{"user": {"id": 3, "username": "merge-bot", "name": "Merge Bot"}}]}),
        ));
    }
    if r.method == "GET"
        && let Some(iid) = number_in(&r.path, &format!("{mrs}/"), "/approvals")
    {
        let token = r.header("private-token").unwrap_or("").to_string();
        let approved = st.approvals.contains(&(iid, token));
        return Some(MockResponse::json(
            200,
            json!({"id": 900 + iid, "iid": iid, "project_id": 5, "approved": approved,
                   "approvals_required": 1, "approvals_left": if approved { 0 } else { 1 },
                   "user_has_approved": approved, "user_can_approve": !approved,
                   "approved_by": []}),
        ));
    }
    None
}
