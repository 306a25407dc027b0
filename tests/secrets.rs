//! Secrets on the error paths of every tool that takes a token: the forge API refuses
//! the token (401), lacks a permission (403) or breaks (500), and a git server refuses
//! or fails a push. Each run must end with the tool's own message and exit code, and
//! (audited by `Relay::run`, see tests/common/secrets.rs) the token must show nowhere:
//! not in stdout, stderr, GITHUB_OUTPUT, the step summary, the dotenv report, nor in a
//! remote URL the tool prints.

mod common;

use common::{HttpGitServer, MockApi, MockResponse, Relay, Sandbox};
use serde_json::json;

const GITHUB_TOKEN: &str = "ghp_AuditGitHub0123456789SECRET";
const GITLAB_TOKEN: &str = "glpat-AuditGitLab-0123-SECRET";
const SHA: &str = "1111111111111111111111111111111111111111";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Forge {
    GitHub,
    GitLab,
}

/// The documented error bodies of each API.
fn error_body(forge: Forge, status: u16) -> MockResponse {
    let body = match (forge, status) {
        (Forge::GitHub, 401) => json!({"message": "Bad credentials",
            "documentation_url": "https://docs.github.com/rest", "status": "401"}),
        (Forge::GitHub, 403) => json!({"message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest", "status": "403"}),
        (Forge::GitHub, _) => json!({"message": "Server Error"}),
        (Forge::GitLab, 401) => json!({"message": "401 Unauthorized"}),
        (Forge::GitLab, 403) => json!({"message": "403 Forbidden"}),
        (Forge::GitLab, _) => json!({"message": "500 Internal Server Error"}),
    };
    MockResponse::json(status, body)
}

/// An API that answers every call with `status`; GitLab's connection check passes
/// unless the token itself is refused (401).
fn failing_api(forge: Forge, status: u16) -> MockApi {
    let api = match forge {
        Forge::GitHub => MockApi::github(),
        Forge::GitLab => MockApi::gitlab(),
    };
    let response = error_body(forge, status);
    api.handle(move |r| {
        let connection_check = r.path == "/api/v4/user" || r.path == "/api/v4/job";
        (status == 401 || !connection_check).then(|| response.clone())
    });
    api
}

/// The environment of a CI job on `forge` talking to `api`, with the token, outputs,
/// step summary and a dotenv report.
fn ci_job(sb: &Sandbox, relay: Relay, forge: Forge, api: &MockApi) -> Relay {
    let relay = relay
        .env("GITHUB_OUTPUT", sb.path().join("github_output"))
        .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md"))
        .args(["--dotenv", sb.path().join("out.env").to_str().unwrap()]);
    match forge {
        Forge::GitHub => relay
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", api.url())
            .env("GITHUB_SERVER_URL", "https://github.example.org")
            .env("GITHUB_REPOSITORY", "acme/api")
            .env("GITHUB_TOKEN", GITHUB_TOKEN),
        Forge::GitLab => relay
            .env("GITLAB_CI", "true")
            .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
            .env("CI_SERVER_URL", "https://gitlab.example.org")
            .env("CI_PROJECT_PATH", "acme/api")
            .env("GITLAB_TOKEN", GITLAB_TOKEN),
    }
}

/// Runs `tool` in a job whose API fails with `status`; returns the exit code and the
/// last line of stderr.
fn run_against(tool: &str, forge: Forge, status: u16) -> (i32, String) {
    let sb = Sandbox::new();
    let api = failing_api(forge, status);
    let repo = sb.repo("work");
    repo.commit("README.md", "# api\n", "feat: first");
    let relay = ci_job(&sb, sb.relay(tool), forge, &api).current_dir(repo.path());
    let relay = match tool {
        "read-tag-metadata" => relay.args(["--tag", "v1.0.0"]),
        "tag-from-request" => {
            sb.write(
                "work/deliverables/2026.1/api.yaml",
                &format!(
                    "releases:\n  - version: 1.0.0\n    projects:\n      - repo: acme/api\n        hash: {SHA}\n"
                ),
            );
            relay.args(["--request", "deliverables/2026.1/api.yaml"])
        }
        "update-links" => {
            sb.write(
                "work/relay.toml",
                "[links.tags]\ntarget = \"v{version}\"\nnames = [\"latest\"]\n",
            );
            relay.args(["--version", "1.0.0"])
        }
        "verify-release" => relay.args(["--version", "1.0.0", "--repo", "acme/api"]),
        "publish-release" => relay.args(["--tag", "v1.0.0"]),
        "generate-changelog" => relay.args([
            "--version",
            "1.1.0",
            "--previous",
            "1.0.0",
            "--repo",
            "acme/homeport",
        ]),
        "find-green-commit" => relay.args(["--ref", "main"]),
        "comment-on-issue" => relay.args(["--issue", "7", "--body", "Released 1.0.0."]),
        other => panic!("no case for {other}"),
    };
    let run = relay.run();
    let last = run.stderr().lines().last().unwrap_or_default().to_string();
    (run.code(), last)
}

#[test]
fn explore() {
    for tool in [
        "read-tag-metadata",
        "tag-from-request",
        "update-links",
        "verify-release",
        "publish-release",
        "generate-changelog",
        "find-green-commit",
        "comment-on-issue",
    ] {
        for forge in [Forge::GitHub, Forge::GitLab] {
            for status in [401, 403] {
                let (code, line) = run_against(tool, forge, status);
                eprintln!("{tool} {forge:?} {status}: {code} {line}");
            }
        }
    }
}

/// A repository `acme/api` served over smart HTTP that takes `user:right-token`, or
/// answers `failure` to everything; returns the server and the pushed commit.
fn git_server(sb: &Sandbox, failure: Option<u16>) -> (HttpGitServer, String) {
    let bare = sb.bare_repo("srv/acme/api.git");
    let seed = sb.repo("seed");
    let sha = seed.commit("README.md", "# api\n", "feat: first");
    seed.git(["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"]);
    seed.git(["tag", "v1.0.0"]);
    seed.git(["push", "-q", bare.to_str().unwrap(), "refs/tags/v1.0.0"]);
    let token = if failure == Some(401) {
        "another-token-0123"
    } else {
        GITHUB_TOKEN
    };
    let credentials = Some(("x-access-token", token));
    let server = match failure {
        Some(status) if status != 401 => HttpGitServer::failing(&sb.path().join("srv"), credentials, status),
        _ => HttpGitServer::start(&sb.path().join("srv"), credentials),
    };
    (server, sha)
}

fn git_run(tool: &str, failure: Option<u16>, url_password: bool) -> (i32, String) {
    let sb = Sandbox::new();
    let (server, sha) = git_server(&sb, failure);
    let mut url = server.url("acme/api.git");
    if url_password {
        url = url.replace("http://", "http://bot:UrlPassword-SECRET-42@");
    }
    let checkout = sb.clone_of(&sb.path().join("srv/acme/api.git").to_string_lossy(), "work", &[]);
    checkout.git(["remote", "set-url", "origin", &url]);
    std::fs::write(checkout.path().join("VERSION"), "2.0.0\n").unwrap();
    let api = MockApi::github();
    common::change_requests::ChangeRequests::github(&api, "acme/api", "main");
    let relay = sb
        .relay(tool)
        .current_dir(checkout.path())
        .env("GITHUB_OUTPUT", sb.path().join("github_output"))
        .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md"))
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .args(["--dotenv", sb.path().join("out.env").to_str().unwrap()]);
    let relay = match tool {
        "tag-from-request" => {
            sb.write(
                "work/release.yaml",
                &format!(
                    "series: x\nreleases:\n  - version: 1.1.0\n    projects:\n      - repo: acme/api\n        hash: {sha}\n"
                ),
            );
            let template = url.replace("acme/api", "{repo}");
            relay.args([
                "--forge",
                "git",
                "--request",
                "release.yaml",
                "--remote-url-template",
                &template,
            ])
        }
        "update-links" => {
            sb.write(
                "work/relay.toml",
                "[links.tags]\ntarget = \"v{version}\"\nnames = [\"latest\"]\n",
            );
            relay.args(["--forge", "git", "--version", "1.0.0"])
        }
        "propose-change" => relay.args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/api",
            "--branch",
            "relay/update",
            "--title",
            "Update",
        ]),
        other => panic!("no case for {other}"),
    };
    let run = relay.run();
    run.assert_hides("UrlPassword-SECRET-42");
    eprintln!("{}", run.stderr());
    let last = run.stderr().lines().last().unwrap_or_default().to_string();
    (run.code(), last)
}

#[test]
fn explore_git() {
    for tool in ["tag-from-request", "update-links", "propose-change"] {
        for (failure, pw) in [(Some(401), false), (Some(500), false), (Some(401), true), (None, true)] {
            let (code, line) = git_run(tool, failure, pw);
            eprintln!("== {tool} {failure:?} {pw}: {code} {line}");
        }
    }
}
