//! Secrets on the error paths of every tool that takes a token: the forge API refuses
//! the token (401), lacks a permission (403) or breaks (500), and a git server refuses
//! or fails. Each run ends with the tool's own message and exit code, and (audited by
//! `Relay::run`, see tests/common/secrets.rs) the token shows nowhere: not in stdout,
//! stderr, GITHUB_OUTPUT, the step summary, the dotenv report, nor in a URL the tool
//! prints. Inside GitHub Actions the only workflow commands are the token's mask and
//! the tool's own error.

use crate::common::change_requests::ChangeRequests;
use crate::common::workflow_commands::command_summary;
use crate::common::{HttpGitServer, MockApi, MockResponse, Relay, Run, Sandbox};
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

/// An API that answers every call with `response`; GitLab's connection check passes
/// unless the token itself is refused (401).
fn failing_api(forge: Forge, response: MockResponse) -> MockApi {
    let api = match forge {
        Forge::GitHub => MockApi::github(),
        Forge::GitLab => MockApi::gitlab(),
    };
    let status = response.status;
    api.handle(move |r| {
        let connection_check = r.path == "/api/v4/user" || r.path == "/api/v4/job";
        (status == 401 || !connection_check).then(|| response.clone())
    });
    api
}

/// The token of `forge` reaches the tool a different way per status: the CI
/// variable, `--token`, or the action input.
fn with_token(relay: Relay, forge: Forge, status: u16) -> Relay {
    let (token, variable) = match forge {
        Forge::GitHub => (GITHUB_TOKEN, "GITHUB_TOKEN"),
        Forge::GitLab => (GITLAB_TOKEN, "GITLAB_TOKEN"),
    };
    match status {
        401 => relay.env(variable, token),
        403 => relay.args([format!("--token={token}")]),
        _ => relay.env("INPUT_TOKEN", token),
    }
}

/// A CI job on `forge` talking to `api`, with outputs, a step summary and a dotenv
/// report.
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
            .env("GITHUB_REPOSITORY", "acme/api"),
        Forge::GitLab => relay
            .env("GITLAB_CI", "true")
            .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
            .env("CI_SERVER_URL", "https://gitlab.example.org")
            .env("CI_PROJECT_PATH", "acme/api"),
    }
}

/// `tool`'s arguments (and files) for a run whose first forge call fails.
fn tool_case(sb: &Sandbox, tool: &str, relay: Relay) -> Relay {
    match tool {
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
        "propose-change" => relay.args(["--branch", "relay/update", "--title", "Update"]),
        other => panic!("no case for {other}"),
    }
}

/// The `error:` line `tool` must end with when its first call fails with `status`.
fn expected_error(tool: &str, forge: Forge, status: u16, api: &str) -> String {
    let (what, permission) = match (tool, forge) {
        ("tag-from-request", _) => ("GET tag 1.0.0 of acme/api", None),
        ("verify-release", _) => ("GET tag 1.0.0 of acme/api", None),
        ("generate-changelog", _) => ("GET compare 1.0.0...1.1.0 of acme/homeport", None),
        ("find-green-commit", _) => ("GET commits of main in acme/api", None),
        ("comment-on-issue", Forge::GitHub) => (
            "POST comment on issue #7 in acme/api",
            Some("issues: write"),
        ),
        ("comment-on-issue", Forge::GitLab) => (
            "POST note on issue #7 in acme/api",
            Some("the `api` scope (CI_JOB_TOKEN cannot write notes)"),
        ),
        ("propose-change", Forge::GitHub) => ("GET repository acme/api", Some("metadata: read")),
        ("propose-change", Forge::GitLab) => ("GET project acme/api", Some("read_api")),
        _ => ("GET tag v1.0.0 of acme/api", None),
    };
    let permission = permission.unwrap_or(match forge {
        Forge::GitHub => "contents: read",
        Forge::GitLab => "read_api",
    });
    let call = match (forge, status) {
        (Forge::GitHub, 401) => {
            format!(
                "{what}: 401 — the token was refused (missing, wrong, expired or revoked); \
                 needed: {permission} (Bad credentials)"
            )
        }
        (Forge::GitHub, 403) => format!(
            "{what}: 403 — the token lacks a permission: {permission} (Resource not accessible \
             by integration)"
        ),
        // A comment sent twice shows twice: after a 500 the tool asks whether it landed,
        // and a forge that cannot say either ends the run after the one attempt.
        (Forge::GitHub, _) if tool == "comment-on-issue" => {
            format!("{what}: server error 500 after 1 attempt: Server Error")
        }
        (Forge::GitLab, 500) if tool == "comment-on-issue" => {
            format!("{what}: server error 500 after 1 attempt: 500 Internal Server Error")
        }
        (Forge::GitHub, _) => format!("{what}: server error 500 after 5 attempts: Server Error"),
        (Forge::GitLab, 401) => format!(
            "connecting to GitLab at {api}/api/v4: 401 — the token was refused (missing, wrong, \
             expired or revoked); needed: a valid token with `read_api` (`api` to write)"
        ),
        (Forge::GitLab, 403) => {
            format!("{what}: 403 — the token lacks a permission: {permission} (403 Forbidden)")
        }
        (Forge::GitLab, _) => {
            format!("{what}: server error 500 after 5 attempts: 500 Internal Server Error")
        }
    };
    let connect = forge == Forge::GitLab && status == 401;
    match tool {
        "read-tag-metadata" => format!("error: reading tag metadata: {call}"),
        "tag-from-request" if connect => format!("error: tagging from the release request: {call}"),
        "tag-from-request" => format!(
            "error: the preflight found 1 problem, so nothing was tagged (--keep-going tags \
             what is safe): acme/api 1.0.0: failed ({call})"
        ),
        "update-links" => format!("error: updating links: {call}"),
        "verify-release" => format!(
            "error: release 1.0.0 is incomplete: 1 of 1 checks does not hold: tag acme/api \
             1.0.0: cannot check: {}{call}",
            if connect {
                "cannot reach the gitlab API: "
            } else {
                ""
            }
        ),
        "publish-release" => format!("error: publishing the release: {call}"),
        "generate-changelog" => format!("error: generating the changelog of 1.1.0: {call}"),
        "find-green-commit" => format!("error: finding a green commit: {call}"),
        "comment-on-issue" => format!("error: commenting on the issue: {call}"),
        "propose-change" => format!("error: proposing the change: {call}"),
        other => panic!("no case for {other}"),
    }
}

/// The `error:` line of a run (the last line that starts with it).
fn error_line(run: &Run) -> String {
    run.stderr()
        .lines()
        .rev()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in:\n{}", run.stderr()))
        .to_string()
}

/// The whole `error:` message of a run, lines of git's stderr included, without the
/// `::error::` command that repeats it.
fn error_message(run: &Run) -> String {
    let text = run.stderr();
    let start = if text.starts_with("error: ") {
        0
    } else {
        text.find("\nerror: ")
            .unwrap_or_else(|| panic!("no error in:\n{text}"))
            + 1
    };
    let message = &text[start..];
    message
        .split("\n::error")
        .next()
        .unwrap()
        .trim_end()
        .to_string()
}

/// Runs `tool` against an API that answers every call with `status` and checks the
/// exit code, the message, where the token went, and the workflow commands.
fn check_refusals(tool: &str) {
    for forge in [Forge::GitHub, Forge::GitLab] {
        for status in [401, 403, 500] {
            let sb = Sandbox::new();
            let api = failing_api(forge, error_body(forge, status));
            let repo = sb.repo("work");
            repo.commit("README.md", "# api\n", "feat: first");
            let relay = ci_job(&sb, sb.relay(tool), forge, &api).current_dir(repo.path());
            let relay = with_token(tool_case(&sb, tool, relay), forge, status);
            let run = relay.run().expect_code(1);
            let case = format!("{tool} on {forge:?} answering {status}");
            assert_eq!(
                error_line(&run),
                expected_error(tool, forge, status, &api.url()),
                "{case}"
            );
            // The token really went to the API (so the audit above means something).
            let (token, header) = match forge {
                Forge::GitHub => (GITHUB_TOKEN, "authorization"),
                Forge::GitLab => (GITLAB_TOKEN, "private-token"),
            };
            assert!(
                api.requests()
                    .iter()
                    .any(|r| r.header(header).is_some_and(|h| h.ends_with(token))),
                "{case}: the token was sent"
            );
            if forge == Forge::GitHub {
                let commands = command_summary(&run.stderr());
                assert_eq!(commands.len(), 2, "{case}: {commands:?}");
                assert_eq!(commands[0], format!("add-mask:{token}"), "{case}");
                assert!(commands[1].starts_with("error:"), "{case}: {commands:?}");
                assert!(command_summary(&run.stdout()).is_empty(), "{case}");
            }
        }
    }
}

#[test]
fn read_tag_metadata_hides_the_token_when_the_api_refuses() {
    check_refusals("read-tag-metadata");
}

#[test]
fn tag_from_request_hides_the_token_when_the_api_refuses() {
    check_refusals("tag-from-request");
}

#[test]
fn update_links_hides_the_token_when_the_api_refuses() {
    check_refusals("update-links");
}

#[test]
fn verify_release_hides_the_token_when_the_api_refuses() {
    check_refusals("verify-release");
}

#[test]
fn publish_release_hides_the_token_when_the_api_refuses() {
    check_refusals("publish-release");
}

#[test]
fn generate_changelog_hides_the_token_when_the_api_refuses() {
    check_refusals("generate-changelog");
}

#[test]
fn find_green_commit_hides_the_token_when_the_api_refuses() {
    check_refusals("find-green-commit");
}

#[test]
fn comment_on_issue_hides_the_token_when_the_api_refuses() {
    check_refusals("comment-on-issue");
}

#[test]
fn propose_change_hides_the_token_when_the_api_refuses() {
    check_refusals("propose-change");
}

#[test]
fn a_bump_with_a_token_in_its_environment_prints_none_of_it() {
    // bump-versions takes no token, but runs in jobs that have one.
    let sb = Sandbox::new();
    sb.write("VERSION", "1.0.0\n");
    let run = sb
        .relay("bump-versions")
        .args([
            "--version",
            "2.0.0",
            "--file",
            "VERSION",
            "--file",
            "missing.yaml:version",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("GITHUB_OUTPUT", sb.path().join("github_output"))
        .run()
        .expect_code(2);
    assert!(
        error_line(&run).starts_with("error: bumping versions: "),
        "{}",
        run.stderr()
    );
    assert_eq!(sb.read("VERSION"), "1.0.0\n");
}

#[test]
fn an_api_that_quotes_the_token_back_is_redacted() {
    // Some proxies and misconfigured gateways echo the request's credentials.
    for forge in [Forge::GitHub, Forge::GitLab] {
        let sb = Sandbox::new();
        let token = match forge {
            Forge::GitHub => GITHUB_TOKEN,
            Forge::GitLab => GITLAB_TOKEN,
        };
        let api = failing_api(
            forge,
            MockResponse::json(
                403,
                json!({"message": format!("token {token} may not read acme/api"),
                       "documentation_url": "https://docs.github.com/rest"}),
            ),
        );
        let repo = sb.repo("work");
        repo.commit("README.md", "# api\n", "feat: first");
        let run = ci_job(&sb, sb.relay("publish-release"), forge, &api)
            .current_dir(repo.path())
            .args(["--tag", "v1.0.0", "--token", token])
            .run()
            .expect_code(1);
        let permission = match forge {
            Forge::GitHub => "contents: read",
            Forge::GitLab => "read_api",
        };
        assert_eq!(
            error_line(&run),
            format!(
                "error: publishing the release: GET tag v1.0.0 of acme/api: 403 — the token \
                 lacks a permission: {permission} (token *** may not read acme/api)"
            )
        );
    }
}

/// Every tool that takes a token, against an API whose error body repeats the
/// request's credential header: the audit of `Relay::run` finds the token in no channel
/// in any escaped form (a step summary escapes `_` as `\_` for Markdown, JSON escapes
/// quotes and backslashes).
#[test]
fn an_api_that_echoes_the_credential_header_leaks_it_in_no_escaped_form() {
    let tools = [
        "read-tag-metadata",
        "tag-from-request",
        "update-links",
        "verify-release",
        "publish-release",
        "generate-changelog",
        "find-green-commit",
        "comment-on-issue",
        "propose-change",
    ];
    for tool in tools {
        for forge in [Forge::GitHub, Forge::GitLab] {
            let sb = Sandbox::new();
            let api = match forge {
                Forge::GitHub => MockApi::github(),
                Forge::GitLab => MockApi::gitlab(),
            };
            api.handle(|r| {
                let credential = r
                    .header("authorization")
                    .or_else(|| r.header("private-token"))
                    .unwrap_or_default()
                    .to_string();
                let connection_check = r.path == "/api/v4/user" || r.path == "/api/v4/job";
                (!connection_check).then(|| {
                    MockResponse::json(
                        403,
                        json!({"message": format!("forbidden (Authorization: {credential})")}),
                    )
                })
            });
            let repo = sb.repo("work");
            repo.commit("README.md", "# api\n", "feat: first");
            let relay = ci_job(&sb, sb.relay(tool), forge, &api).current_dir(repo.path());
            let relay = with_token(tool_case(&sb, tool, relay), forge, 401);
            let run = relay.run();
            let case = format!("{tool} on {forge:?}");
            assert_ne!(run.code(), 0, "{case}: {}", run.stderr());
            assert!(
                error_line(&run).contains("Authorization: "),
                "{case}: the echo reached the message: {}",
                run.stderr()
            );
        }
    }
}

#[test]
fn an_api_url_with_credentials_is_printed_without_its_password() {
    let sb = Sandbox::new();
    let api = failing_api(Forge::GitLab, error_body(Forge::GitLab, 401));
    let url = api
        .url()
        .replace("http://", "http://relay:ApiUrlPassword-SECRET@");
    let run = sb
        .relay("find-green-commit")
        .args(["--forge", "gitlab", "--repo", "acme/api"])
        .args(["--api-url", &format!("{url}/api/v4")])
        .env("GITLAB_TOKEN", GITLAB_TOKEN)
        .run()
        .expect_code(1);
    let line = error_line(&run);
    assert!(
        line.starts_with(&format!(
            "error: finding a green commit: connecting to GitLab at {}/api/v4: ",
            api.url().replace("http://", "http://relay:***@")
        )),
        "{line}"
    );
}

// ---- git servers that refuse or fail ----

const URL_PASSWORD: &str = "UrlPassword-SECRET-42";

/// How the git server treats the push or read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum GitServerCase {
    /// It wants another token (401).
    Refuses,
    /// It answers 500 to everything.
    Fails,
    /// The remote URL carries `bot:password@`, which the server refuses.
    RefusesUrlCredentials,
}

/// `acme/api` on a smart-HTTP server on 127.0.0.1 (main and tag v1.0.0), and a CI
/// checkout of it whose `origin` is the server, with a change to README.md.
struct GitFixture {
    sb: Sandbox,
    server: HttpGitServer,
    sha: String,
    origin: String,
}

impl GitFixture {
    fn new(case: GitServerCase) -> GitFixture {
        let sb = Sandbox::new();
        let bare = sb.bare_repo("srv/acme/api.git");
        let seed = sb.repo("seed");
        let sha = seed.commit("README.md", "# api\n", "feat: first");
        seed.git(["tag", "v1.0.0"]);
        seed.git([
            "push",
            "-q",
            bare.to_str().unwrap(),
            "HEAD:refs/heads/main",
            "v1.0.0",
        ]);
        let root = sb.path().join("srv");
        let server = match case {
            GitServerCase::Refuses | GitServerCase::RefusesUrlCredentials => {
                HttpGitServer::start(&root, Some(("x-access-token", "another-token-0123")))
            }
            GitServerCase::Fails => {
                HttpGitServer::failing(&root, Some(("x-access-token", GITHUB_TOKEN)), 500)
            }
        };
        let mut origin = server.url("acme/api.git");
        if case == GitServerCase::RefusesUrlCredentials {
            origin = origin.replace("http://", &format!("http://bot:{URL_PASSWORD}@"));
        }
        let checkout = sb.clone_of(bare.to_str().unwrap(), "work", &[]);
        checkout.git(["remote", "set-url", "origin", &origin]);
        std::fs::write(checkout.path().join("README.md"), "# api 2\n").unwrap();
        GitFixture {
            sb,
            server,
            sha,
            origin,
        }
    }

    /// The server's own URL, as git names it in its messages.
    fn plain_url(&self) -> String {
        self.server.url("acme/api.git")
    }

    fn relay(&self, tool: &str) -> Relay {
        let sb = &self.sb;
        sb.relay(tool)
            .current_dir(sb.path().join("work"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", sb.path().join("github_output"))
            .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md"))
            .env("GITHUB_TOKEN", GITHUB_TOKEN)
            .args(["--dotenv", sb.path().join("out.env").to_str().unwrap()])
    }
}

#[test]
fn tag_from_request_hides_the_token_when_the_git_server_refuses_or_fails() {
    for case in [
        GitServerCase::Refuses,
        GitServerCase::Fails,
        GitServerCase::RefusesUrlCredentials,
    ] {
        let f = GitFixture::new(case);
        f.sb.write(
            "work/release.yaml",
            &format!(
                "series: x\nreleases:\n  - version: 1.1.0\n    projects:\n      - repo: acme/api\n        hash: {}\n",
                f.sha
            ),
        );
        let server = f.plain_url().trim_end_matches("/acme/api.git").to_string();
        let template = f.origin.replace("acme/api", "{repo}");
        let run = f
            .relay("tag-from-request")
            .env("GITHUB_SERVER_URL", &server)
            .args(["--forge", "git", "--request", "release.yaml"])
            .args(["--remote-url-template", &template])
            .run()
            .expect_code(1);
        let line = error_line(&run);
        let prefix = format!(
            "error: the preflight found 1 problem, so nothing was tagged (--keep-going tags \
             what is safe): acme/api 1.1.0: failed (cannot read the tags of {}: ",
            f.plain_url()
        );
        assert!(line.starts_with(&prefix), "{case:?}: {line}");
        // Everything git said, on one line: the server's words and git's own.
        assert!(line.contains("fatal: "), "{case:?}: {line}");
        let reason = match case {
            GitServerCase::Refuses => "could not read Username",
            GitServerCase::Fails => "The requested URL returned error: 500",
            GitServerCase::RefusesUrlCredentials => "Authentication failed",
        };
        assert!(line.contains(reason), "{case:?}: {line}");
        let hint = " — the remote refused the credentials: the token needs `contents: read` \
                    (GitHub) or `read_repository` (GitLab), and `contents: write` / \
                    `write_repository` to push the tags)";
        assert_eq!(
            line.ends_with(hint),
            case != GitServerCase::Fails,
            "{case:?}: the hint only when the credentials were refused: {line}"
        );
        assert!(
            f.server
                .authorizations()
                .iter()
                .any(|a| a.starts_with("Basic ")),
            "{case:?}: credentials were sent"
        );
    }
}

#[test]
fn update_links_hides_the_token_when_the_git_server_refuses_or_fails() {
    for case in [
        GitServerCase::Refuses,
        GitServerCase::Fails,
        GitServerCase::RefusesUrlCredentials,
    ] {
        let f = GitFixture::new(case);
        f.sb.write(
            "work/relay.toml",
            "[links.tags]\ntarget = \"v{version}\"\nnames = [\"latest\"]\n",
        );
        let run = f
            .relay("update-links")
            .args(["--forge", "git", "--version", "1.0.0"])
            .run()
            .expect_code(1);
        run.assert_hides(URL_PASSWORD);
        let message = error_message(&run);
        assert!(
            message.starts_with("error: updating links: reading the tags of `origin` failed: "),
            "{case:?}: {message}"
        );
        // Only a refusal of the credentials says what the token needs; a 500 does not.
        let blames_the_token = message.ends_with(
            " — the remote refused the token: it needs `contents: read` (GitHub) or \
             `read_repository` (GitLab), and write access to move the tags",
        );
        assert_eq!(
            blames_the_token,
            !matches!(case, GitServerCase::Fails),
            "{case:?}: {message}"
        );
        let reason = match case {
            GitServerCase::Refuses => "could not read Username",
            GitServerCase::Fails => "The requested URL returned error: 500",
            GitServerCase::RefusesUrlCredentials => "Authentication failed",
        };
        assert_eq!(message.matches(reason).count(), 1, "{case:?}: {message}");
    }
}

#[test]
fn propose_change_hides_the_token_when_the_git_server_refuses_or_fails() {
    for case in [
        GitServerCase::Refuses,
        GitServerCase::Fails,
        GitServerCase::RefusesUrlCredentials,
    ] {
        let f = GitFixture::new(case);
        let api = MockApi::github();
        ChangeRequests::github(&api, "acme/api", "main");
        let run = f
            .relay("propose-change")
            .args([
                "--forge",
                "github",
                "--api-url",
                &api.url(),
                "--repo",
                "acme/api",
            ])
            .args(["--branch", "relay/update", "--title", "Update"])
            .run()
            .expect_code(1);
        run.assert_hides(URL_PASSWORD);
        let message = error_message(&run);
        let prefix = "error: proposing the change: reading from `origin` failed — the token \
                      needs `contents: read` (`contents: write` to push): `git ls-remote --heads \
                      --end-of-options origin refs/heads/main` failed (exit status: 128): ";
        assert!(message.starts_with(prefix), "{case:?}: {message}");
        let reason = match case {
            GitServerCase::Refuses => "could not read Username",
            GitServerCase::Fails => "The requested URL returned error: 500",
            GitServerCase::RefusesUrlCredentials => "Authentication failed",
        };
        assert_eq!(
            message.matches(reason).count(),
            1,
            "{case:?}: git's reason once: {message}"
        );
        assert!(api.requests().iter().all(|r| r.method == "GET"), "{case:?}");
    }
}

// ---- the audit itself ----

/// Runs `sh -c script` through the audit; returns its complaint, if any.
fn audit_of(relay: Relay) -> Option<String> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| relay.run()));
    outcome.err().map(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn the_audit_finds_a_secret_in_every_channel_and_allows_only_its_mask() {
    let sb = Sandbox::new();
    let sh = |script: &str| Relay {
        cmd: {
            let mut cmd = sb.command("sh");
            cmd.args(["-c", script, "sh"]);
            cmd
        },
    };
    let complaint = audit_of(sh("echo \"x $GITHUB_TOKEN\"").env("GITHUB_TOKEN", "ghp_leaky0123"));
    assert!(
        complaint.as_deref().is_some_and(
            |c| c.starts_with("the secret of the variable GITHUB_TOKEN leaked to stdout")
        ),
        "{complaint:?}"
    );
    let complaint = audit_of(sh("echo \"$1\" >&2").args(["--token=tok-leaky-42"]));
    assert!(
        complaint
            .as_deref()
            .is_some_and(|c| c.starts_with("the secret of the flag --token leaked to stderr")),
        "{complaint:?}"
    );
    let complaint = audit_of(
        sh("echo \"t=$CI_JOB_TOKEN\" >> \"$GITHUB_OUTPUT\"")
            .env("CI_JOB_TOKEN", "glcbt-leaky")
            .env("GITHUB_OUTPUT", sb.path().join("out")),
    );
    assert!(
        complaint.as_deref().is_some_and(|c| c.starts_with(
            "the secret of the variable CI_JOB_TOKEN leaked to $GITHUB_OUTPUT: \"t=glcbt-leaky\""
        )),
        "{complaint:?}"
    );
    let complaint = audit_of(
        sh("echo \"$REMOTE\" > out.env.NOTES")
            .env("REMOTE", "https://bot:PassWord99@git.example.org/a.git")
            .args(["--dotenv", "out.env"]),
    );
    assert!(
        complaint.as_deref().is_some_and(|c| c.starts_with(
            "the secret of a URL's password in the variable REMOTE leaked to the dotenv side \
             file out.env.NOTES"
        )),
        "{complaint:?}"
    );
    // An escaped form is the secret too, in the summary as in any file the run wrote.
    let complaint = audit_of(
        sh("echo '| ghp\\_leaky0123 |' >> \"$GITHUB_STEP_SUMMARY\"")
            .env("GITHUB_TOKEN", "ghp_leaky0123")
            .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md")),
    );
    assert!(
        complaint.as_deref().is_some_and(|c| c
            .starts_with("the secret of the variable GITHUB_TOKEN leaked to $GITHUB_STEP_SUMMARY")),
        "{complaint:?}"
    );
    let complaint = audit_of(
        sh("mkdir -p docs && echo 'see ghp%5Fleaky0123' > docs/notes.md")
            .env("GITHUB_TOKEN", "ghp_leaky0123"),
    );
    assert!(
        complaint.as_deref().is_some_and(|c| c.starts_with(
            "the secret of the variable GITHUB_TOKEN leaked to the written file docs/notes.md"
        )),
        "{complaint:?}"
    );
    // The mask command is the one line that may name the secret; short values are no
    // secrets worth the noise.
    assert_eq!(
        audit_of(sh("echo \"::add-mask::$GITHUB_TOKEN\" >&2").env("GITHUB_TOKEN", "ghp_leaky0123")),
        None
    );
    assert_eq!(
        audit_of(sh("echo \"$GITLAB_TOKEN\"").env("GITLAB_TOKEN", "abc")),
        None
    );
}
