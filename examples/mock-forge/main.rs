//! A small stand-in for GitHub and GitLab, for `scripts/demo` and for the GitLab
//! example pipelines that `.ci/gitlab-pipelines` runs with a real GitLab CI client:
//! every tool runs against it with no network.
//!
//! One server on 127.0.0.1 answers GitHub's REST API (`/repos/…`, `/graphql`),
//! GitLab's REST API v4 (`/api/v4/…`, with GitLab's token rules), GitLab's web paths
//! that a release's permalinks use (`/GROUP/NAME/-/releases/permalink/latest/downloads/…`)
//! and git's smart HTTP protocol for the bare repositories under `--git-root`
//! (`GROUP/NAME.git`, read by anyone, written with a token as the password). Commits
//! and tags come from those repositories, so the scratch repositories are what the
//! APIs report. It answers the documented shapes of the endpoints the tools use,
//! nothing more.
//!
//! ```text
//! cargo run --example mock-forge -- --git-root DIR --port-file FILE [--log FILE]
//!     [--status SHA:CONTEXT:STATE]... [--issue OWNER/NAME#N]...          (GitHub)
//!     [--user TOKEN=LOGIN]... [--team ORG/SLUG=LOGIN,LOGIN]...
//!     [--gitlab-token TOKEN]... [--job-token TOKEN]
//!     [--gitlab-issue GROUP/NAME#IID]... [--gitlab-user TOKEN=LOGIN]...
//!     [--gitlab-group PATH=LOGIN,LOGIN]...
//!     [--pipeline GROUP/NAME@SHA:JOB=STATUS[=ARTIFACTS_DIR]]...       (GitLab)
//! ```

mod git_http;
mod github;
mod gitlab;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// Every timestamp the mock reports.
pub const NOW: &str = "2026-01-15T12:00:00Z";

/// One request, as the handlers need it.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub content_type: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Request<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer: status, headers, body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        // 204 No Content has no body.
        let body = if status == 204 {
            Vec::new()
        } else {
            value.to_string().into_bytes()
        };
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

struct Server {
    github: github::GitHub,
    gitlab: gitlab::GitLab,
    git_root: PathBuf,
    log: Option<Mutex<std::fs::File>>,
}

fn main() {
    let mut git_root = None;
    let mut port_file = None;
    let mut log = None;
    let mut statuses: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut issues = HashSet::new();
    let mut users = HashMap::new();
    let mut teams: HashMap<String, Vec<String>> = HashMap::new();
    let mut gitlab_config = gitlab::Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--git-root" => git_root = Some(PathBuf::from(value())),
            "--port-file" => port_file = Some(PathBuf::from(value())),
            "--log" => log = Some(PathBuf::from(value())),
            "--status" => {
                let spec = value();
                let mut parts = spec.splitn(3, ':');
                let (Some(sha), Some(context), Some(state)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    usage(&format!("--status {spec}: expected SHA:CONTEXT:STATE"));
                };
                statuses
                    .entry(sha.to_string())
                    .or_default()
                    .push((context.to_string(), state.to_string()));
            }
            "--issue" => {
                issues.insert(issue_spec(&value()));
            }
            "--user" => {
                let spec = value();
                let Some((token, login)) = spec.split_once('=') else {
                    usage(&format!("--user {spec}: expected TOKEN=LOGIN"));
                };
                users.insert(token.to_string(), login.to_string());
            }
            "--team" => {
                let spec = value();
                let Some((team, members)) = spec.split_once('=') else {
                    usage(&format!("--team {spec}: expected ORG/SLUG=LOGIN,LOGIN"));
                };
                teams.insert(
                    team.to_string(),
                    members.split(',').map(str::to_string).collect(),
                );
            }
            "--gitlab-issue" => {
                gitlab_config.issues.insert(issue_spec(&value()));
            }
            "--gitlab-token" => {
                gitlab_config.tokens.insert(value());
            }
            "--gitlab-user" => {
                let spec = value();
                let Some((token, login)) = spec.split_once('=') else {
                    usage(&format!("--gitlab-user {spec}: expected TOKEN=LOGIN"));
                };
                gitlab_config.tokens.insert(token.to_string());
                gitlab_config
                    .logins
                    .insert(token.to_string(), login.to_string());
            }
            "--gitlab-group" => {
                let spec = value();
                let Some((group, members)) = spec.split_once('=') else {
                    usage(&format!("--gitlab-group {spec}: expected PATH=LOGIN,LOGIN"));
                };
                gitlab_config.groups.insert(
                    group.to_string(),
                    members.split(',').map(str::to_string).collect(),
                );
            }
            "--job-token" => gitlab_config.job_token = Some(value()),
            "--pipeline" => {
                let spec = value();
                match gitlab::PipelineJob::parse(&spec) {
                    Some(job) => gitlab_config.jobs.push(job),
                    None => usage(&format!(
                        "--pipeline {spec}: expected GROUP/NAME@SHA:JOB=STATUS[=ARTIFACTS_DIR]"
                    )),
                }
            }
            _ => usage(&format!("unknown argument {arg}")),
        }
    }
    let (Some(git_root), Some(port_file)) = (git_root, port_file) else {
        usage("--git-root and --port-file are required");
    };
    let server = tiny_http::Server::http("127.0.0.1:0").expect("binds 127.0.0.1");
    let port = server.server_addr().to_ip().expect("an IP address").port();
    let base = format!("http://127.0.0.1:{port}");
    let state = Arc::new(Server {
        github: github::GitHub {
            base: base.clone(),
            git_root: git_root.clone(),
            statuses,
            issues,
            pulls: Mutex::new(Vec::new()),
            releases: Mutex::new(Vec::new()),
            comments: Mutex::new(Vec::new()),
            opened: Mutex::new(Vec::new()),
            users,
            teams,
            next_id: AtomicU64::new(100),
        },
        gitlab: gitlab::GitLab::new(base, git_root.clone(), gitlab_config),
        git_root,
        log: log.map(|path| Mutex::new(std::fs::File::create(path).expect("opens the log"))),
    });
    // Written last: a reader of the port file finds a server that answers.
    std::fs::write(&port_file, port.to_string()).expect("writes the port file");
    for request in server.incoming_requests() {
        let state = state.clone();
        // git's HTTP client and a tool's API calls may overlap.
        std::thread::spawn(move || state.serve(request));
    }
}

impl Server {
    fn serve(&self, mut request: tiny_http::Request) {
        let url = request.url().to_string();
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        let mut body = Vec::new();
        let _ = request.as_reader().read_to_end(&mut body);
        let method = request.method().as_str().to_string();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|h| (h.field.to_string(), h.value.to_string()))
            .collect();
        let content_type = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Content-Type"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let req = Request {
            method: &method,
            path,
            query,
            content_type: &content_type,
            headers: &headers,
            body: &body,
        };
        let reply = if git_http::is_git_request(path, query) {
            git_http::serve(&req, &self.git_root, &self.gitlab.config)
        } else if path.starts_with("/api/v4/") || path.contains("/-/") {
            self.gitlab.answer(&req)
        } else {
            let (status, value) = self.github.answer(&req);
            Reply::json(status, value)
        };
        if let Some(log) = &self.log {
            let _ = writeln!(log.lock().unwrap(), "{method} {path} → {}", reply.status);
        }
        let mut response =
            tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
        for (name, value) in &reply.headers {
            if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response = response.with_header(header);
            }
        }
        let _ = request.respond(response);
    }
}

fn issue_spec(spec: &str) -> (String, u64) {
    spec.split_once('#')
        .and_then(|(repo, n)| Some((repo.to_string(), n.parse::<u64>().ok()?)))
        .unwrap_or_else(|| usage(&format!("{spec}: expected OWNER/NAME#NUMBER")))
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "mock-forge: {problem}\nusage: mock-forge --git-root DIR --port-file FILE [--log FILE] \
         [--status SHA:CONTEXT:STATE]... [--issue OWNER/NAME#N]... [--user TOKEN=LOGIN]... \
         [--team ORG/SLUG=LOGIN,LOGIN]... [--gitlab-token TOKEN]... \
         [--job-token TOKEN] [--gitlab-issue GROUP/NAME#IID]... [--gitlab-user TOKEN=LOGIN]... \
         [--gitlab-group PATH=LOGIN,LOGIN]... \
         [--pipeline GROUP/NAME@SHA:JOB=STATUS[=ARTIFACTS_DIR]]..."
    );
    std::process::exit(2)
}

pub fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// git in `dir`; its stdout without the final newline, or `None` when it failed.
pub fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}
