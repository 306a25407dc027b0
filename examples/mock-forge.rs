//! A small stand-in for the GitHub REST API, for `scripts/demo`: the auto-update flow
//! (find-green-commit → bump-versions → propose-change) runs against it with no
//! network and no token.
//!
//! Commits come from the bare repositories under `--git-root` (`OWNER/NAME.git`), so
//! the demo's scratch repositories are what the API reports; commit statuses are given
//! on the command line; pull requests live in memory for as long as it runs. It answers
//! the documented shapes of the endpoints the tools use, nothing more.
//!
//! ```text
//! cargo run --example mock-forge -- --git-root DIR --port-file FILE [--log FILE]
//!                                   [--status SHA:CONTEXT:STATE]...
//! ```

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

struct Forge {
    git_root: PathBuf,
    /// sha → [(context, state)]
    statuses: HashMap<String, Vec<(String, String)>>,
    pulls: Mutex<Vec<Value>>,
    log: Option<Mutex<std::fs::File>>,
}

fn main() {
    let mut git_root = None;
    let mut port_file = None;
    let mut log = None;
    let mut statuses: HashMap<String, Vec<(String, String)>> = HashMap::new();
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
            _ => usage(&format!("unknown argument {arg}")),
        }
    }
    let (Some(git_root), Some(port_file)) = (git_root, port_file) else {
        usage("--git-root and --port-file are required");
    };
    let server = tiny_http::Server::http("127.0.0.1:0").expect("binds 127.0.0.1");
    let port = server.server_addr().to_ip().expect("an IP address").port();
    std::fs::write(&port_file, port.to_string()).expect("writes the port file");
    let forge = Forge {
        git_root,
        statuses,
        pulls: Mutex::new(Vec::new()),
        log: log.map(|path| Mutex::new(std::fs::File::create(path).expect("opens the log"))),
    };
    for mut request in server.incoming_requests() {
        let url = request.url().to_string();
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        let mut body = String::new();
        let _ = request.as_reader().read_to_string(&mut body);
        let method = request.method().as_str().to_string();
        let (status, answer) = forge.answer(&method, path, query, &body);
        if let Some(log) = &forge.log {
            let _ = writeln!(log.lock().unwrap(), "{method} {path} → {status}");
        }
        let response = tiny_http::Response::from_string(answer.to_string())
            .with_status_code(status)
            .with_header(
                tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap(),
            );
        let _ = request.respond(response);
    }
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "mock-forge: {problem}\nusage: mock-forge --git-root DIR --port-file FILE [--log FILE] [--status SHA:CONTEXT:STATE]..."
    );
    std::process::exit(2)
}

fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
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

fn not_found() -> (u16, Value) {
    (
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
    )
}

impl Forge {
    fn answer(&self, method: &str, path: &str, query: &str, body: &str) -> (u16, Value) {
        let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        if method == "POST" && path == "/graphql" {
            return self.enable_auto_merge(&body);
        }
        let Some(rest) = path.strip_prefix("/repos/") else {
            return not_found();
        };
        let mut segments: Vec<&str> = rest.split('/').collect();
        if segments.len() < 2 {
            return not_found();
        }
        let repo = format!("{}/{}", segments[0], segments[1]);
        let bare = self.git_root.join(format!("{repo}.git"));
        if !bare.is_dir() {
            return not_found();
        }
        segments.drain(..2);
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
