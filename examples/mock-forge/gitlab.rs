//! GitLab's REST API v4, for the endpoints the tools call, with GitLab's payload
//! shapes, status codes, offset paging (`x-next-page`, `x-total`) and token rules: a
//! `PRIVATE-TOKEN` (or `Authorization: Bearer`) from `--gitlab-token` may do
//! everything; the CI job token (`JOB-TOKEN`, `--job-token`) only what GitLab lets a
//! job token do (releases, the package registry, job artifacts, `GET /job`); without a
//! token, the public project may be read and nothing written. Tags and commits come
//! from the bare repositories; releases, packages, notes, merge requests live in
//! memory; pipelines and their jobs are given on the command line (`--pipeline`), a
//! job's artifacts archive being the zip of a folder at the time it is asked for.
//! Issues (`--gitlab-issue` seeds them; the API opens more), their notes and group
//! membership (`--gitlab-group`) serve the tracking issues; a token given with
//! `--gitlab-user TOKEN=LOGIN` writes as that person (a sign-off), every other token as
//! `release-bot`. A merge request merges at once on `PUT …/merge` (fast-forward, as a
//! project with that merge method does) unless the pipeline is to succeed first.

use super::{NOW, Reply, Request, git, query_value};
use serde_json::{Value, json};
use sha2::Digest;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Config {
    /// Personal, project or group access tokens: every scope.
    pub tokens: HashSet<String>,
    /// The pipeline's CI_JOB_TOKEN.
    pub job_token: Option<String>,
    /// (project, issue IID) of the issues that exist from the start.
    pub issues: HashSet<(String, u64)>,
    /// Token → the person it belongs to; other tokens are `release-bot`'s.
    pub logins: HashMap<String, String>,
    /// Group path → the usernames of its members.
    pub groups: HashMap<String, Vec<String>>,
    pub jobs: Vec<PipelineJob>,
}

/// One job of a pipeline of a commit.
pub struct PipelineJob {
    pub project: String,
    pub sha: String,
    pub name: String,
    pub status: String,
    /// Zipped when the job's artifacts are downloaded.
    pub artifacts: Option<PathBuf>,
}

impl PipelineJob {
    /// `GROUP/NAME@SHA:JOB=STATUS[=ARTIFACTS_DIR]`
    pub fn parse(spec: &str) -> Option<PipelineJob> {
        let (project, rest) = spec.split_once('@')?;
        let (sha, rest) = rest.split_once(':')?;
        let mut parts = rest.splitn(3, '=');
        Some(PipelineJob {
            project: project.to_string(),
            sha: sha.to_string(),
            name: parts.next()?.to_string(),
            status: parts.next()?.to_string(),
            artifacts: parts.next().map(PathBuf::from),
        })
    }
}

struct Package {
    id: u64,
    project: String,
    name: String,
    version: String,
    /// (id, file name, bytes)
    files: Vec<(u64, String, Vec<u8>)>,
}

pub struct GitLab {
    base: String,
    git_root: PathBuf,
    pub config: Config,
    /// (project, release as the API shows it)
    releases: Mutex<Vec<(String, Value)>>,
    packages: Mutex<Vec<Package>>,
    /// (project, issue as the API shows it)
    issues: Mutex<Vec<(String, Value)>>,
    /// (project, issue IID, note)
    notes: Mutex<Vec<(String, u64, Value)>>,
    /// (project, merge request)
    merge_requests: Mutex<Vec<(String, Value)>>,
    next_id: AtomicU64,
}

/// Who is asking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caller {
    Token,
    JobToken,
    Anonymous,
}

fn message(status: u16, text: &str) -> Reply {
    Reply::json(status, json!({"message": text}))
}

fn not_found(what: &str) -> Reply {
    message(404, &format!("404 {what} Not Found"))
}

fn unauthorized() -> Reply {
    message(401, "401 Unauthorized")
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// One page of `items` as GitLab's offset paging serves it.
fn paged(items: Vec<Value>, query: &str) -> Reply {
    let per_page: usize = query_value(query, "per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let page: usize = query_value(query, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let total = items.len();
    let shown: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let next = if page * per_page < total {
        (page + 1).to_string()
    } else {
        String::new()
    };
    Reply::json(200, Value::Array(shown))
        .header("x-page", &page.to_string())
        .header("x-per-page", &per_page.to_string())
        .header("x-next-page", &next)
        .header("x-total", &total.to_string())
        .header(
            "x-total-pages",
            &total.div_ceil(per_page).max(1).to_string(),
        )
}

impl GitLab {
    pub fn new(base: String, git_root: PathBuf, config: Config) -> GitLab {
        let mut seeded: Vec<&(String, u64)> = config.issues.iter().collect();
        seeded.sort();
        let issues = seeded
            .into_iter()
            .map(|(project, iid)| {
                let issue = issue_json(&base, project, *iid, &format!("Issue {iid}"), "", &[], BOT);
                (project.clone(), issue)
            })
            .collect();
        GitLab {
            base,
            git_root,
            config,
            releases: Mutex::new(Vec::new()),
            packages: Mutex::new(Vec::new()),
            issues: Mutex::new(issues),
            notes: Mutex::new(Vec::new()),
            merge_requests: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1000),
        }
    }

    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn caller(&self, request: &Request) -> Option<Caller> {
        let bearer = request
            .header("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "));
        if let Some(token) = request.header("PRIVATE-TOKEN").or(bearer) {
            return self.config.tokens.contains(token).then_some(Caller::Token);
        }
        if let Some(token) = request.header("JOB-TOKEN") {
            return (self.config.job_token.as_deref() == Some(token)).then_some(Caller::JobToken);
        }
        Some(Caller::Anonymous)
    }

    pub fn answer(&self, request: &Request) -> Reply {
        if let Some(rest) = request.path.strip_prefix("/api/v4/") {
            return self.api_answer(request, rest);
        }
        self.web_answer(request)
    }

    /// `/GROUP/NAME/-/releases/permalink/latest/downloads/FILE` and
    /// `/GROUP/NAME/-/releases/TAG/downloads/FILE`: a redirect to the link's URL.
    fn web_answer(&self, request: &Request) -> Reply {
        let Some((project, rest)) = request.path.trim_start_matches('/').split_once("/-/") else {
            return not_found("Page");
        };
        let Some(rest) = rest.strip_prefix("releases/") else {
            return not_found("Page");
        };
        let (which, file) = match rest.split_once("/downloads/") {
            Some(parts) => parts,
            None => return not_found("Page"),
        };
        let releases = self.releases.lock().unwrap();
        let release = releases.iter().rev().find(|(p, r)| {
            p == project && (which == "permalink/latest" || r["tag_name"] == decode(which))
        });
        let link = release.and_then(|(_, r)| {
            r["assets"]["links"]
                .as_array()?
                .iter()
                .find(|l| l["direct_asset_path"] == format!("/{}", decode(file)))
                .cloned()
        });
        match link.and_then(|l| l["url"].as_str().map(str::to_string)) {
            Some(url) => Reply {
                status: 302,
                headers: vec![("Location".into(), url)],
                body: Vec::new(),
            },
            None => not_found("Page"),
        }
    }

    fn api_answer(&self, request: &Request, rest: &str) -> Reply {
        let Some(caller) = self.caller(request) else {
            return unauthorized();
        };
        let method = request.method;
        match rest {
            "user" if caller == Caller::Token => {
                return Reply::json(200, self.user_json(&self.login(request)));
            }
            "job" if caller == Caller::JobToken => {
                return Reply::json(
                    200,
                    json!({"id": 1, "name": "job", "status": "running",
                           "pipeline": {"id": 1, "status": "running"}}),
                );
            }
            "user" | "job" => return unauthorized(),
            _ => {}
        }
        if let Some(group) = rest.strip_prefix("groups/") {
            return match caller {
                Caller::Token => self.group_answer(method, group),
                _ => unauthorized(),
            };
        }
        let Some(rest) = rest.strip_prefix("projects/") else {
            return not_found("Endpoint");
        };
        let mut parts = rest.splitn(2, '/');
        let project = decode(parts.next().unwrap_or_default());
        let tail = parts.next().unwrap_or_default();
        let bare = self.git_root.join(format!("{project}.git"));
        if project
            .split('/')
            .any(|s| s.is_empty() || s.starts_with('.'))
            || !bare.is_dir()
        {
            return not_found("Project");
        }
        let segments: Vec<String> = if tail.is_empty() {
            Vec::new()
        } else {
            tail.split('/').map(decode).collect()
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        // What a job token may do (GitLab's "CI/CD job token" page): the release and
        // package APIs and the artifacts of jobs. Everything else wants a real token.
        let job_token_may = matches!(
            segments.as_slice(),
            ["releases", ..] | ["packages", ..] | ["jobs", _, "artifacts"]
        );
        let writes = method != "GET";
        match caller {
            Caller::Token => {}
            Caller::JobToken if job_token_may => {}
            Caller::JobToken => return unauthorized(),
            Caller::Anonymous if !writes => {}
            Caller::Anonymous => return unauthorized(),
        }
        let body: Value = serde_json::from_slice(request.body).unwrap_or(Value::Null);
        let q = request.query;
        match (method, segments.as_slice()) {
            ("GET", []) => self.project(&project, &bare),
            ("GET", ["repository", "tags"]) => list_tags(&bare, q),
            ("GET", ["repository", "tags", name @ ..]) => tag(&bare, &name.join("/")),
            ("POST", ["repository", "tags"]) => self.create_tag(&bare, &body),
            ("DELETE", ["repository", "tags", name @ ..]) => delete_tag(&bare, &name.join("/")),
            ("GET", ["repository", "commits"]) => commits(&bare, &self.base, &project, q),
            ("GET", ["repository", "commits", sha]) => match commit(&bare, sha) {
                Some(c) => Reply::json(200, c),
                None => not_found("Commit"),
            },
            ("GET", ["repository", "compare"]) => compare(&bare, &self.base, &project, q),
            ("GET", ["releases", tag]) => self.release(&project, tag),
            ("POST", ["releases"]) => self.create_release(&project, &bare, &body),
            ("PUT", ["releases", tag]) => self.update_release(&project, tag, &body),
            ("POST", ["releases", tag, "assets", "links"]) => self.add_link(&project, tag, &body),
            ("PUT", ["packages", "generic", name, version, file]) => {
                self.upload(&project, name, version, file, request)
            }
            ("GET", ["packages", "generic", name, version, file]) => {
                self.download(&project, name, version, file)
            }
            ("GET", ["packages"]) => self.list_packages(&project, q),
            ("GET", ["packages", id, "package_files"]) => self.package_files(&project, id, q),
            ("GET", ["issues"]) => self.list_issues(&project, q),
            ("POST", ["issues"]) => self.create_issue(&project, &body, &self.login(request)),
            ("GET", ["issues", iid]) => {
                self.with_issue(&project, iid, |i| Reply::json(200, i.clone()))
            }
            ("PUT", ["issues", iid]) => self.update_issue(&project, iid, &body),
            ("GET", ["issues", iid, "notes"]) => self.list_notes(&project, iid, q),
            ("POST", ["issues", iid, "notes"]) => {
                self.create_note(&project, iid, &body, &self.login(request))
            }
            ("PUT", ["issues", iid, "notes", id]) => self.update_note(&project, iid, id, &body),
            ("GET", ["merge_requests"]) => self.list_merge_requests(&project, q),
            ("POST", ["merge_requests"]) => self.create_merge_request(&project, &body),
            ("GET", ["merge_requests", iid]) => {
                self.with_merge_request(&project, iid, |mr| Reply::json(200, mr.clone()))
            }
            ("PUT", ["merge_requests", iid]) => self.update_merge_request(&project, iid, &body),
            ("PUT", ["merge_requests", iid, "merge"]) => self.merge(&project, &bare, iid, &body),
            ("POST", ["merge_requests", iid, "approve"]) => self.approve(&project, iid),
            ("GET", ["pipelines"]) => self.list_pipelines(&project, q),
            ("GET", ["pipelines", id]) => match self.pipeline(&project, id) {
                Some(p) => Reply::json(200, p),
                None => not_found(""),
            },
            ("GET", ["pipelines", id, "jobs"]) => self.pipeline_jobs(&project, id, q),
            // Its pipelines trigger no downstream pipeline: no bridge (trigger) jobs.
            ("GET", ["pipelines", id, "bridges"]) => match self.pipeline(&project, id) {
                Some(_) => paged(Vec::new(), q),
                None => not_found(""),
            },
            ("GET", ["jobs", id, "artifacts"]) => self.artifacts(&project, id),
            _ => not_found(""),
        }
    }

    fn project(&self, project: &str, bare: &Path) -> Reply {
        let branch = git(bare, &["symbolic-ref", "--short", "HEAD"]);
        Reply::json(
            200,
            json!({"id": 1, "path_with_namespace": project,
                   "default_branch": branch, "visibility": "public",
                   "web_url": format!("{}/{project}", self.base),
                   "http_url_to_repo": format!("{}/{project}.git", self.base)}),
        )
    }

    /// `POST /projects/:id/repository/tags` (`tag_name`, `ref`, `message` for an
    /// annotated tag, written by the token's user).
    fn create_tag(&self, bare: &Path, body: &Value) -> Reply {
        let (Some(name), Some(target)) = (body["tag_name"].as_str(), body["ref"].as_str()) else {
            return message(400, "tag_name is missing, ref is missing");
        };
        if git(
            bare,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/tags/{name}"),
            ],
        )
        .is_some()
        {
            return message(400, &format!("Tag {name} already exists"));
        }
        let Some(commit) = git(
            bare,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{target}^{{commit}}"),
            ],
        ) else {
            return message(400, "Target is invalid");
        };
        let identity = [
            "-c",
            "user.name=Release Bot",
            "-c",
            "user.email=release-bot@example.org",
        ];
        let mut args: Vec<&str> = identity.to_vec();
        args.extend(["tag", "--no-sign"]);
        let text = body["message"].as_str().unwrap_or_default();
        if !text.is_empty() {
            args.extend(["-a", "--cleanup=verbatim", "-m", text]);
        }
        args.extend(["--", name, &commit]);
        if git(bare, &args).is_none() {
            return message(400, "Tag name invalid");
        }
        let created = tag(bare, name);
        Reply {
            status: 201,
            ..created
        }
    }

    // ---- releases: "Get a release by a tag name", "Create a release", "Update a
    // ---- release", "Create a release link" ----

    fn release(&self, project: &str, tag: &str) -> Reply {
        let releases = self.releases.lock().unwrap();
        releases
            .iter()
            .find(|(p, r)| p == project && r["tag_name"] == tag)
            .map_or_else(|| not_found(""), |(_, r)| Reply::json(200, r.clone()))
    }

    fn create_release(&self, project: &str, bare: &Path, body: &Value) -> Reply {
        let Some(tag) = body["tag_name"].as_str() else {
            return message(400, "tag_name is missing");
        };
        let mut releases = self.releases.lock().unwrap();
        if releases
            .iter()
            .any(|(p, r)| p == project && r["tag_name"] == tag)
        {
            return message(409, "Release already exists");
        }
        let Some(commit) = git(
            bare,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/tags/{tag}^{{commit}}"),
            ],
        ) else {
            return message(422, "Ref is not specified");
        };
        let mut links = Vec::new();
        for link in body["assets"]["links"].as_array().into_iter().flatten() {
            links.push(self.link(project, tag, link));
        }
        let release = json!({
            "tag_name": tag,
            "name": body["name"].as_str().unwrap_or(tag),
            "description": body["description"],
            "created_at": NOW, "released_at": NOW, "upcoming_release": false,
            "author": {"id": 1, "username": "release-bot", "name": "Release Bot"},
            "commit": {"id": commit},
            "assets": {"count": links.len(), "sources": [], "links": links},
            "_links": {"self": format!("{}/{project}/-/releases/{tag}", self.base)},
        });
        releases.push((project.to_string(), release.clone()));
        Reply::json(201, release)
    }

    fn link(&self, project: &str, tag: &str, link: &Value) -> Value {
        let path = link["direct_asset_path"].as_str().unwrap_or_default();
        json!({
            "id": self.id(), "name": link["name"], "url": link["url"],
            "direct_asset_path": path,
            "direct_asset_url": format!("{}/{project}/-/releases/{tag}/downloads{path}", self.base),
            "link_type": link["link_type"].as_str().unwrap_or("other"),
        })
    }

    fn update_release(&self, project: &str, tag: &str, body: &Value) -> Reply {
        let mut releases = self.releases.lock().unwrap();
        let Some((_, release)) = releases
            .iter_mut()
            .find(|(p, r)| p == project && r["tag_name"] == tag)
        else {
            return not_found("");
        };
        for field in ["name", "description"] {
            if !body[field].is_null() {
                release[field] = body[field].clone();
            }
        }
        Reply::json(200, release.clone())
    }

    fn add_link(&self, project: &str, tag: &str, body: &Value) -> Reply {
        let link = self.link(project, tag, body);
        let mut releases = self.releases.lock().unwrap();
        let Some((_, release)) = releases
            .iter_mut()
            .find(|(p, r)| p == project && r["tag_name"] == tag)
        else {
            return not_found("");
        };
        let links = release["assets"]["links"].as_array_mut().unwrap();
        if links.iter().any(|l| l["name"] == link["name"]) {
            return message(400, "name has already been taken");
        }
        links.push(link.clone());
        release["assets"]["count"] = links.len().into();
        Reply::json(201, link)
    }

    // ---- the generic package registry ----

    fn upload(
        &self,
        project: &str,
        name: &str,
        version: &str,
        file: &str,
        request: &Request,
    ) -> Reply {
        let mut packages = self.packages.lock().unwrap();
        let index = match packages
            .iter()
            .position(|p| p.project == project && p.name == name && p.version == version)
        {
            Some(i) => i,
            None => {
                packages.push(Package {
                    id: self.id(),
                    project: project.to_string(),
                    name: name.to_string(),
                    version: version.to_string(),
                    files: Vec::new(),
                });
                packages.len() - 1
            }
        };
        let file_id = self.id();
        let package = &mut packages[index];
        package
            .files
            .push((file_id, file.to_string(), request.body.to_vec()));
        if query_value(request.query, "select").as_deref() == Some("package_file") {
            Reply::json(201, package_file(package.id, file_id, file, request.body))
        } else {
            message(201, "201 Created")
        }
    }

    fn download(&self, project: &str, name: &str, version: &str, file: &str) -> Reply {
        let packages = self.packages.lock().unwrap();
        let bytes = packages
            .iter()
            .filter(|p| p.project == project && p.name == name && p.version == version)
            .flat_map(|p| p.files.iter())
            .rev()
            .find(|(_, n, _)| n == file)
            .map(|(_, _, b)| b.clone());
        match bytes {
            Some(body) => Reply {
                status: 200,
                headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                body,
            },
            None => not_found(""),
        }
    }

    fn list_packages(&self, project: &str, query: &str) -> Reply {
        let name = query_value(query, "package_name").unwrap_or_default();
        let version = query_value(query, "package_version");
        let packages = self.packages.lock().unwrap();
        // `package_name` matches part of the name, as GitLab's filter does.
        let listed = packages
            .iter()
            .filter(|p| p.project == project && p.name.contains(&name))
            .filter(|p| version.as_ref().is_none_or(|v| *v == p.version))
            .map(|p| {
                json!({"id": p.id, "name": p.name, "version": p.version,
                       "package_type": "generic", "status": "default", "created_at": NOW})
            })
            .collect();
        paged(listed, query)
    }

    fn package_files(&self, project: &str, id: &str, query: &str) -> Reply {
        let packages = self.packages.lock().unwrap();
        let Some(package) = packages
            .iter()
            .find(|p| p.project == project && id.parse::<u64>().is_ok_and(|n| n == p.id))
        else {
            return not_found("");
        };
        let files = package
            .files
            .iter()
            .map(|(file_id, name, bytes)| package_file(package.id, *file_id, name, bytes))
            .collect();
        paged(files, query)
    }

    // ---- issues and their notes ----

    /// The person the request's token belongs to.
    fn login(&self, request: &Request) -> String {
        let bearer = request
            .header("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "));
        request
            .header("PRIVATE-TOKEN")
            .or(bearer)
            .and_then(|token| self.config.logins.get(token))
            .cloned()
            .unwrap_or_else(|| BOT.to_string())
    }

    fn user_json(&self, login: &str) -> Value {
        json!({"id": user_id(login), "username": login, "name": login, "state": "active",
               "web_url": format!("{}/{login}", self.base)})
    }

    fn issue(&self, project: &str, iid: &str) -> Option<u64> {
        let iid = iid.parse().ok()?;
        self.issues
            .lock()
            .unwrap()
            .iter()
            .any(|(p, i)| p == project && i["iid"] == iid)
            .then_some(iid)
    }

    fn with_issue(
        &self,
        project: &str,
        iid: &str,
        change: impl FnOnce(&mut Value) -> Reply,
    ) -> Reply {
        let mut issues = self.issues.lock().unwrap();
        match issues
            .iter_mut()
            .find(|(p, i)| p == project && iid.parse::<u64>().is_ok_and(|n| i["iid"] == n))
        {
            Some((_, issue)) => change(issue),
            None => not_found("Issue"),
        }
    }

    /// `labels` (all of them, comma-separated) and `state` (`opened`, `closed`, `all`).
    fn list_issues(&self, project: &str, query: &str) -> Reply {
        let labels = query_value(query, "labels").unwrap_or_default();
        let wanted: Vec<&str> = labels.split(',').filter(|l| !l.is_empty()).collect();
        let state = query_value(query, "state").unwrap_or_else(|| "all".into());
        let issues = self.issues.lock().unwrap();
        let listed = issues
            .iter()
            .filter(|(p, i)| {
                p == project
                    && (state == "all" || i["state"] == state.as_str())
                    && wanted
                        .iter()
                        .all(|w| i["labels"].as_array().unwrap().iter().any(|l| l == w))
            })
            // GitLab lists the newest first.
            .rev()
            .map(|(_, i)| i.clone())
            .collect();
        paged(listed, query)
    }

    fn create_issue(&self, project: &str, body: &Value, author: &str) -> Reply {
        let Some(title) = body["title"].as_str().filter(|t| !t.is_empty()) else {
            return message(400, "title is missing");
        };
        let labels: Vec<&str> = body["labels"]
            .as_str()
            .unwrap_or_default()
            .split(',')
            .filter(|l| !l.is_empty())
            .collect();
        let mut issues = self.issues.lock().unwrap();
        let iid = issues
            .iter()
            .filter(|(p, _)| p == project)
            .filter_map(|(_, i)| i["iid"].as_u64())
            .max()
            .unwrap_or(0)
            + 1;
        let description = body["description"].as_str().unwrap_or_default();
        let issue = issue_json(
            &self.base,
            project,
            iid,
            title,
            description,
            &labels,
            author,
        );
        issues.push((project.to_string(), issue.clone()));
        Reply::json(201, issue)
    }

    /// `title`, `description`, `state_event` (`close`, `reopen`), `add_labels`.
    fn update_issue(&self, project: &str, iid: &str, body: &Value) -> Reply {
        self.with_issue(project, iid, |issue| {
            for field in ["title", "description"] {
                if let Some(text) = body[field].as_str() {
                    issue[field] = text.into();
                }
            }
            match body["state_event"].as_str() {
                Some("close") => issue["state"] = "closed".into(),
                Some("reopen") => issue["state"] = "opened".into(),
                Some(other) => {
                    return message(
                        400,
                        &format!("state_event does not have a valid value: {other}"),
                    );
                }
                None => {}
            }
            if let Some(add) = body["add_labels"].as_str() {
                let labels = issue["labels"].as_array_mut().unwrap();
                for label in add.split(',').filter(|l| !l.is_empty()) {
                    if !labels.iter().any(|l| l == label) {
                        labels.push(label.into());
                    }
                }
            }
            issue["updated_at"] = now().into();
            Reply::json(200, issue.clone())
        })
    }

    /// `GET /groups/:id` and `GET /groups/:id/members/all/:user_id` (404 for one who is
    /// not a member).
    fn group_answer(&self, method: &str, rest: &str) -> Reply {
        let mut parts = rest.splitn(2, '/');
        let group = decode(parts.next().unwrap_or_default());
        let Some(members) = self.config.groups.get(&group) else {
            return not_found("Group");
        };
        let tail: Vec<&str> = parts.next().unwrap_or_default().split('/').collect();
        match (method, tail.as_slice()) {
            ("GET", [""]) => Reply::json(
                200,
                json!({"id": user_id(&group), "full_path": group, "name": group,
                       "web_url": format!("{}/groups/{group}", self.base)}),
            ),
            ("GET", ["members", "all", id]) => {
                match members
                    .iter()
                    .find(|m| id.parse::<u64>().is_ok_and(|n| user_id(m) == n))
                {
                    Some(login) => {
                        let mut member = self.user_json(login);
                        member["access_level"] = 30.into();
                        Reply::json(200, member)
                    }
                    None => not_found(""),
                }
            }
            _ => not_found(""),
        }
    }

    fn list_notes(&self, project: &str, iid: &str, query: &str) -> Reply {
        let Some(issue) = self.issue(project, iid) else {
            return not_found("Issue");
        };
        let notes = self.notes.lock().unwrap();
        let listed = notes
            .iter()
            .filter(|(p, i, _)| p == project && *i == issue)
            .map(|(_, _, n)| n.clone())
            .collect();
        paged(listed, query)
    }

    fn create_note(&self, project: &str, iid: &str, body: &Value, author: &str) -> Reply {
        let Some(issue) = self.issue(project, iid) else {
            return not_found("Issue");
        };
        let Some(text) = body["body"].as_str().filter(|t| !t.is_empty()) else {
            return message(400, "body is missing");
        };
        let note = json!({
            "id": self.id(), "type": null, "body": text, "system": false,
            "author": {"id": user_id(author), "username": author, "name": author},
            "created_at": now(), "updated_at": now(),
            "noteable_type": "Issue", "noteable_iid": issue, "resolvable": false,
        });
        self.notes
            .lock()
            .unwrap()
            .push((project.to_string(), issue, note.clone()));
        Reply::json(201, note)
    }

    fn update_note(&self, project: &str, iid: &str, id: &str, body: &Value) -> Reply {
        let Some(issue) = self.issue(project, iid) else {
            return not_found("Issue");
        };
        let mut notes = self.notes.lock().unwrap();
        match notes.iter_mut().find(|(p, i, n)| {
            p == project && *i == issue && id.parse::<u64>().is_ok_and(|x| n["id"] == x)
        }) {
            Some((_, _, note)) => {
                if let Some(text) = body["body"].as_str() {
                    note["body"] = text.into();
                }
                Reply::json(200, note.clone())
            }
            None => not_found("Note"),
        }
    }

    // ---- merge requests ----

    fn list_merge_requests(&self, project: &str, query: &str) -> Reply {
        let branch = query_value(query, "source_branch");
        let state = query_value(query, "state");
        let mrs = self.merge_requests.lock().unwrap();
        let listed = mrs
            .iter()
            .filter(|(p, mr)| {
                p == project
                    && branch
                        .as_ref()
                        .is_none_or(|b| mr["source_branch"] == b.as_str())
                    && state.as_ref().is_none_or(|s| mr["state"] == s.as_str())
            })
            .map(|(_, mr)| mr.clone())
            .collect();
        paged(listed, query)
    }

    fn create_merge_request(&self, project: &str, body: &Value) -> Reply {
        let (Some(source), Some(target), Some(title)) = (
            body["source_branch"].as_str(),
            body["target_branch"].as_str(),
            body["title"].as_str(),
        ) else {
            return message(400, "source_branch, target_branch or title is missing");
        };
        let mut mrs = self.merge_requests.lock().unwrap();
        if let Some((_, open)) = mrs.iter().find(|(p, mr)| {
            p == project && mr["source_branch"] == source && mr["state"] == "opened"
        }) {
            return Reply::json(
                409,
                json!({"message": [format!("Another open merge request already exists for this source branch: !{}", open["iid"])]}),
            );
        }
        let iid = mrs.iter().filter(|(p, _)| p == project).count() as u64 + 1;
        let labels: Vec<String> = body["labels"]
            .as_str()
            .unwrap_or_default()
            .split(',')
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        let mr = json!({
            "id": self.id(), "iid": iid, "project_id": 1, "state": "opened",
            "title": title, "description": body["description"],
            "source_branch": source, "target_branch": target,
            "source_project_id": 1, "target_project_id": 1,
            "labels": labels, "merge_when_pipeline_succeeds": false,
            // Made now: a stale-after check measures from here.
            "created_at": now(), "updated_at": now(),
            "web_url": format!("{}/{project}/-/merge_requests/{iid}", self.base),
        });
        mrs.push((project.to_string(), mr.clone()));
        Reply::json(201, mr)
    }

    fn with_merge_request(
        &self,
        project: &str,
        iid: &str,
        change: impl FnOnce(&mut Value) -> Reply,
    ) -> Reply {
        let mut mrs = self.merge_requests.lock().unwrap();
        match mrs
            .iter_mut()
            .find(|(p, mr)| p == project && iid.parse::<u64>().is_ok_and(|n| mr["iid"] == n))
        {
            Some((_, mr)) => change(mr),
            None => not_found(""),
        }
    }

    fn update_merge_request(&self, project: &str, iid: &str, body: &Value) -> Reply {
        self.with_merge_request(project, iid, |mr| {
            for field in ["title", "description"] {
                if !body[field].is_null() {
                    mr[field] = body[field].clone();
                }
            }
            if let Some(add) = body["add_labels"].as_str() {
                let labels = mr["labels"].as_array_mut().unwrap();
                for label in add.split(',').filter(|l| !l.is_empty()) {
                    if !labels.iter().any(|l| l == label) {
                        labels.push(label.into());
                    }
                }
            }
            Reply::json(200, mr.clone())
        })
    }

    /// Merges at once (fast-forward: `sha` is what landed, no merge commit), or once the
    /// pipeline succeeds when asked to wait for it.
    fn merge(&self, project: &str, bare: &Path, iid: &str, body: &Value) -> Reply {
        let wait = body["merge_when_pipeline_succeeds"] == true || body["auto_merge"] == true;
        self.with_merge_request(project, iid, |mr| {
            if mr["state"] != "opened" {
                return message(405, "405 Method Not Allowed");
            }
            if wait {
                mr["merge_when_pipeline_succeeds"] = true.into();
                return Reply::json(200, mr.clone());
            }
            let source = mr["source_branch"].as_str().unwrap_or_default().to_string();
            let target = mr["target_branch"].as_str().unwrap_or_default().to_string();
            let head = git(
                bare,
                &[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    &format!("refs/heads/{source}"),
                ],
            );
            let Some(head) = head else {
                return message(406, "Branch cannot be merged");
            };
            let fast_forward = git(
                bare,
                &[
                    "merge-base",
                    "--is-ancestor",
                    &format!("refs/heads/{target}"),
                    &head,
                ],
            )
            .is_some();
            if !fast_forward
                || git(
                    bare,
                    &["update-ref", &format!("refs/heads/{target}"), &head],
                )
                .is_none()
            {
                return message(406, "Branch cannot be merged");
            }
            mr["state"] = "merged".into();
            mr["sha"] = head.into();
            mr["merge_commit_sha"] = Value::Null;
            mr["squash_commit_sha"] = Value::Null;
            mr["merged_at"] = now().into();
            Reply::json(200, mr.clone())
        })
    }

    fn approve(&self, project: &str, iid: &str) -> Reply {
        self.with_merge_request(project, iid, |mr| {
            Reply::json(
                201,
                json!({"id": mr["id"], "iid": mr["iid"], "approved": true}),
            )
        })
    }

    // ---- pipelines and jobs (given on the command line) ----

    /// The commits with jobs, each one pipeline, in the order first given.
    fn pipelines_of(&self, project: &str) -> Vec<(u64, String)> {
        let mut shas: Vec<String> = Vec::new();
        for job in self.config.jobs.iter().filter(|j| j.project == project) {
            if !shas.contains(&job.sha) {
                shas.push(job.sha.clone());
            }
        }
        shas.into_iter()
            .enumerate()
            .map(|(i, sha)| (500 + i as u64, sha))
            .collect()
    }

    fn pipeline(&self, project: &str, id: &str) -> Option<Value> {
        let (id, sha) = self
            .pipelines_of(project)
            .into_iter()
            .find(|(n, _)| id.parse::<u64>().is_ok_and(|x| x == *n))?;
        let statuses: Vec<&str> = self
            .config
            .jobs
            .iter()
            .filter(|j| j.project == project && j.sha == sha)
            .map(|j| j.status.as_str())
            .collect();
        let status = if statuses.contains(&"failed") {
            "failed"
        } else if statuses.iter().all(|s| *s == "success" || *s == "skipped") {
            "success"
        } else {
            "running"
        };
        Some(
            json!({"id": id, "iid": id - 499, "project_id": 1, "sha": sha, "ref": "main",
                    "status": status, "source": "push", "created_at": NOW,
                    "web_url": format!("{}/{project}/-/pipelines/{id}", self.base)}),
        )
    }

    fn list_pipelines(&self, project: &str, query: &str) -> Reply {
        let sha = query_value(query, "sha");
        let mut listed: Vec<Value> = self
            .pipelines_of(project)
            .into_iter()
            .filter(|(_, s)| sha.as_ref().is_none_or(|x| x == s))
            .filter_map(|(id, _)| self.pipeline(project, &id.to_string()))
            .collect();
        // Newest first, as `order_by=id&sort=desc` asks.
        listed.reverse();
        paged(listed, query)
    }

    /// The jobs of the pipeline, with the index each has in `config.jobs` as its id.
    fn pipeline_jobs(&self, project: &str, id: &str, query: &str) -> Reply {
        let Some(pipeline) = self.pipeline(project, id) else {
            return not_found("");
        };
        let jobs = self
            .config
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| j.project == project && pipeline["sha"] == j.sha.as_str())
            .map(|(index, j)| {
                let artifacts = j.artifacts.as_ref().map(|_| {
                    json!([{"file_type": "archive", "size": 1024, "filename": "artifacts.zip",
                            "file_format": "zip"}])
                });
                json!({"id": 9000 + index, "name": j.name, "status": j.status,
                       "stage": "build", "allow_failure": false, "ref": "main",
                       "pipeline": {"id": pipeline["id"], "sha": j.sha},
                       "artifacts_file": j.artifacts.as_ref().map(|_| json!({"filename": "artifacts.zip", "size": 1024})),
                       "artifacts": artifacts.unwrap_or_else(|| json!([])),
                       "web_url": format!("{}/{project}/-/jobs/{}", self.base, 9000 + index)})
            })
            .collect();
        paged(jobs, query)
    }

    /// `GET /projects/:id/jobs/:job_id/artifacts`: the job's folder as a zip archive.
    fn artifacts(&self, project: &str, id: &str) -> Reply {
        let job = id
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(9000))
            .and_then(|i| self.config.jobs.get(i))
            .filter(|j| j.project == project);
        let Some(dir) = job.and_then(|j| j.artifacts.as_ref()) else {
            return not_found("");
        };
        match zip_folder(dir) {
            Ok(body) => Reply {
                status: 200,
                headers: vec![("Content-Type".into(), "application/zip".into())],
                body,
            },
            Err(e) => message(500, &format!("cannot zip {}: {e}", dir.display())),
        }
    }
}

/// The account every token but a `--gitlab-user` one writes as.
const BOT: &str = "release-bot";

/// A user's (or group's) id, the same on every call: GitLab names people by id in
/// membership routes.
fn user_id(login: &str) -> u64 {
    if login == BOT {
        return 1;
    }
    let digest = sha2::Sha256::digest(login.as_bytes());
    10 + u64::from_be_bytes(digest[..8].try_into().unwrap()) % 1_000_000
}

fn issue_json(
    base: &str,
    project: &str,
    iid: u64,
    title: &str,
    description: &str,
    labels: &[&str],
    author: &str,
) -> Value {
    json!({
        "id": 5000 + iid, "iid": iid, "project_id": 1, "title": title,
        "description": description, "state": "opened", "labels": labels,
        "author": {"id": user_id(author), "username": author, "name": author},
        "created_at": NOW, "updated_at": NOW,
        "web_url": format!("{base}/{project}/-/issues/{iid}"),
    })
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn package_file(package_id: u64, id: u64, name: &str, bytes: &[u8]) -> Value {
    json!({"id": id, "package_id": package_id, "file_name": name, "size": bytes.len(),
           "file_sha256": format!("{:x}", sha2::Sha256::digest(bytes)),
           "file_md5": null, "file_sha1": null, "created_at": NOW})
}

/// `GET /projects/:id/repository/tags/:tag_name`: a lightweight tag has a `null`
/// message.
/// `GET /projects/:id/repository/tags`: every tag, paged; `search` as GitLab reads it
/// (`^name$` exact, `^name` a prefix, `name$` a suffix, otherwise a substring).
fn list_tags(bare: &Path, query: &str) -> Reply {
    let search = query_value(query, "search").unwrap_or_default();
    let (exact_start, rest) = match search.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, search.as_str()),
    };
    let (exact_end, needle) = match rest.strip_suffix('$') {
        Some(needle) => (true, needle),
        None => (false, rest),
    };
    let names = git(
        bare,
        &["for-each-ref", "--format=%(refname:strip=2)", "refs/tags"],
    )
    .unwrap_or_default();
    let listed = names
        .lines()
        .filter(|name| match (exact_start, exact_end) {
            (true, true) => *name == needle,
            (true, false) => name.starts_with(needle),
            (false, true) => name.ends_with(needle),
            (false, false) => name.contains(needle),
        })
        .filter_map(|name| serde_json::from_slice(&tag(bare, name).body).ok())
        .collect();
    paged(listed, query)
}

fn tag(bare: &Path, name: &str) -> Reply {
    let reference = format!("refs/tags/{name}");
    let Some(target) = git(bare, &["rev-parse", "--verify", "--quiet", &reference]) else {
        return not_found("Tag");
    };
    let Some(commit) = commit(bare, &format!("{reference}^{{commit}}")) else {
        return not_found("Tag");
    };
    let annotated = git(bare, &["cat-file", "-t", &target]).as_deref() == Some("tag");
    let message = annotated
        .then(|| git(bare, &["tag", "-l", "--format=%(contents)", "--", name]).unwrap_or_default());
    Reply::json(
        200,
        json!({"name": name, "message": message, "target": target, "commit": commit,
               "release": null, "protected": false,
               "created_at": if annotated { json!(NOW) } else { Value::Null }}),
    )
}

fn delete_tag(bare: &Path, name: &str) -> Reply {
    match git(bare, &["tag", "-d", "--", name]) {
        Some(_) => Reply::json(204, Value::Null),
        None => not_found("Tag"),
    }
}

/// A commit as the commits API shows it.
fn commit(bare: &Path, rev: &str) -> Option<Value> {
    let out = git(
        bare,
        &[
            "show",
            "-s",
            "--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%s%x00%B",
            "--end-of-options",
            rev,
        ],
    )?;
    commit_json(&out)
}

fn commit_json(record: &str) -> Option<Value> {
    let fields: Vec<&str> = record.splitn(7, '\0').collect();
    let [id, parents, name, email, date, title, message] = fields.as_slice() else {
        return None;
    };
    let parents: Vec<&str> = parents.split(' ').filter(|p| !p.is_empty()).collect();
    Some(
        json!({"id": id, "short_id": &id[..8.min(id.len())], "title": title,
                "message": message, "parent_ids": parents,
                "author_name": name, "author_email": email, "authored_date": date,
                "committer_name": name, "committer_email": email, "committed_date": date,
                "created_at": date}),
    )
}

fn log(bare: &Path, base: &str, project: &str, args: &[&str]) -> Option<Vec<Value>> {
    let mut all = vec![
        "log",
        "-z",
        "--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%s%x00%B%x01",
    ];
    all.extend_from_slice(args);
    let out = git(bare, &all)?;
    Some(
        out.split('\u{1}')
            .map(|r| r.trim_start_matches(['\0', '\n']))
            .filter(|r| !r.is_empty())
            .filter_map(commit_json)
            .map(|mut c| {
                c["web_url"] = format!(
                    "{base}/{project}/-/commit/{}",
                    c["id"].as_str().unwrap_or_default()
                )
                .into();
                c
            })
            .collect(),
    )
}

/// `GET /projects/:id/repository/commits?ref_name=`: newest first, paged.
fn commits(bare: &Path, base: &str, project: &str, query: &str) -> Reply {
    let reference = query_value(query, "ref_name").unwrap_or_else(|| "HEAD".into());
    match log(bare, base, project, &["--end-of-options", &reference]) {
        Some(list) => paged(list, query),
        None => not_found("Commit"),
    }
}

/// `GET /projects/:id/repository/compare?from=&to=`: the commits from their merge
/// base to `to`, oldest first.
fn compare(bare: &Path, base: &str, project: &str, query: &str) -> Reply {
    let (Some(from), Some(to)) = (query_value(query, "from"), query_value(query, "to")) else {
        return message(400, "from is missing, to is missing");
    };
    let range = format!("{from}...{to}");
    let Some(mut list) = log(
        bare,
        base,
        project,
        &["--right-only", "--end-of-options", &range],
    ) else {
        return not_found("Ref");
    };
    list.reverse();
    let last = list.last().cloned();
    Reply::json(
        200,
        json!({"commit": last, "commits": list, "diffs": [], "compare_timeout": false,
               "compare_same_ref": from == to,
               "web_url": format!("{base}/{project}/-/compare/{from}...{to}")}),
    )
}

/// The files below `dir` as a zip archive (paths relative to `dir`).
fn zip_folder(dir: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut archive = zip::ZipWriter::new(&mut buffer);
    let options = zip::write::SimpleFileOptions::default();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&folder)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                pending.push(path);
                continue;
            }
            let name = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            archive
                .start_file(name, options)
                .map_err(std::io::Error::other)?;
            archive.write_all(&std::fs::read(&path)?)?;
        }
    }
    archive.finish().map_err(std::io::Error::other)?;
    Ok(buffer.into_inner())
}
