//! find-green-commit against the GitHub and GitLab APIs (played by the mock with the
//! documented payloads), as the first job of an auto-update pipeline runs it.

use crate::common;

use crate::common::github_shapes as gh;
use crate::common::outputs::parse_dotenv;
use crate::common::pages::{array, counted, github_pages, gitlab_pages};
use crate::common::{MockApi, MockResponse, Sandbox};
use serde_json::{Value, json};

const REPO: &str = "acme/gitaly";

fn sha(n: u8) -> String {
    format!("{n:x}").repeat(40)[..40].to_string()
}

/// An item of GitHub's "List commits".
fn github_commit(sha: &str, title: &str) -> Value {
    gh::commit(REPO, sha, &format!("{title}\n\nLonger description."), &[])
}

/// A check run of "List check runs for a Git reference".
fn check_run(name: &str, status: &str, conclusion: Option<&str>) -> Value {
    gh::check_run(REPO, 4, "x", name, status, conclusion)
}

/// A status of "Get the combined status for a specific reference".
fn status(context: &str, state: &str) -> Value {
    gh::commit_status(REPO, 1, context, state)
}

/// Serves one commit's check runs (in pages of 2) and combined status.
fn github_ci(api: &MockApi, sha: &str, runs: Vec<Value>, statuses: Vec<Value>) {
    github_pages(
        api,
        &format!("/repos/{REPO}/commits/{sha}/check-runs"),
        runs,
        2,
        counted("check_runs"),
    );
    let sha = sha.to_string();
    common::pages::github_pages_without_link(
        api,
        &format!("/repos/{REPO}/commits/{sha}/status"),
        statuses,
        2,
        move |page, total| gh::combined_status(REPO, &sha, page, total),
    );
}

fn github_api(commits: &[(String, &str)]) -> MockApi {
    let api = MockApi::github();
    api.on(
        "GET",
        &format!("/repos/{REPO}"),
        MockResponse::json(200, gh::full_repository(REPO, "main")),
    );
    github_pages(
        &api,
        &format!("/repos/{REPO}/commits"),
        commits.iter().map(|(s, t)| github_commit(s, t)).collect(),
        2,
        array,
    );
    api
}

fn run_github(sb: &Sandbox, api: &MockApi, args: &[&str]) -> common::Relay {
    sb.relay("find-green-commit")
        .args(["--forge", "github", "--repo", REPO, "--api-url", &api.url()])
        .args([
            "--server-url",
            "https://github.com",
            "--token",
            "ghp_SECRET0123456789",
        ])
        .args(args)
}

#[test]
fn finds_the_newest_green_commit_over_paged_check_runs_and_statuses() {
    let sb = Sandbox::new();
    let commits: Vec<(String, &str)> = vec![
        (sha(1), "feat: newest, still running"),
        (sha(2), "fix: broke the tests"),
        (sha(3), "fix: checks green, jenkins red"),
        (sha(4), "feat: all green"),
        (sha(5), "chore: older"),
    ];
    let api = github_api(&commits);
    github_ci(
        &api,
        &sha(1),
        vec![
            check_run("build", "completed", Some("success")),
            check_run("test", "in_progress", None),
        ],
        vec![],
    );
    github_ci(
        &api,
        &sha(2),
        vec![
            check_run("build", "completed", Some("success")),
            check_run("lint", "completed", Some("neutral")),
            check_run("test", "completed", Some("failure")),
        ],
        vec![status("ci/jenkins", "pending")],
    );
    github_ci(
        &api,
        &sha(3),
        vec![check_run("build", "completed", Some("success"))],
        vec![
            status("ci/jenkins", "failure"),
            status("ci/docs", "success"),
        ],
    );
    github_ci(
        &api,
        &sha(4),
        vec![
            check_run("build", "completed", Some("success")),
            check_run("lint", "completed", Some("skipped")),
            check_run("test (linux)", "completed", Some("success")),
        ],
        vec![
            status("ci/docs", "success"),
            status("ci/jenkins", "success"),
            status("ci/perf", "success"),
        ],
    );
    let run = run_github(&sb, &api, &["--json"]).run().success();
    let out = run.json();
    assert_eq!(
        out,
        json!({
            "commit": sha(4),
            "short": &sha(4)[..7],
            "pipeline-url": format!("https://github.com/{REPO}/commit/{}/checks", sha(4)),
            "checked": 4,
        })
    );
    assert_eq!(
        run.stderr(),
        format!(
            "{} feat: newest, still running — pending: test\n\
             {} fix: broke the tests — failed: test\n\
             {} fix: checks green, jenkins red — failed: ci/jenkins\n\
             {} feat: all green — green\n",
            &sha(1)[..7],
            &sha(2)[..7],
            &sha(3)[..7],
            &sha(4)[..7]
        )
    );
    // The search stops at the green commit: the older one is never asked about.
    assert!(
        api.requests_to(
            "GET",
            &format!("/repos/{REPO}/commits/{}/check-runs", sha(5))
        )
        .is_empty()
    );
    // Every page was followed: commits (3 pages of 2), and the two-page lists of sha 4.
    assert_eq!(
        api.requests_to("GET", &format!("/repos/{REPO}/commits"))
            .len(),
        3
    );
    let check_pages = api.requests_to(
        "GET",
        &format!("/repos/{REPO}/commits/{}/check-runs", sha(4)),
    );
    assert_eq!(check_pages.len(), 2);
    assert_eq!(check_pages[1].query, "filter=latest&per_page=100&page=2");
    assert_eq!(
        api.requests_to("GET", &format!("/repos/{REPO}/commits/{}/status", sha(4)))
            .len(),
        2
    );
    let first = &api.requests_to("GET", &format!("/repos/{REPO}/commits"))[0];
    assert_eq!(first.query, "sha=main&per_page=100");
    assert_eq!(
        first.header("authorization"),
        Some("Bearer ghp_SECRET0123456789")
    );
    run.assert_hides("ghp_SECRET0123456789");
}

#[test]
fn a_required_job_must_have_run_and_passed() {
    let sb = Sandbox::new();
    let commits = vec![(sha(1), "docs: typo"), (sha(2), "feat: code")];
    let api = github_api(&commits);
    github_ci(
        &api,
        &sha(1),
        vec![
            check_run("docs", "completed", Some("success")),
            check_run("test (linux)", "completed", Some("skipped")),
        ],
        vec![],
    );
    github_ci(
        &api,
        &sha(2),
        vec![
            check_run("build", "completed", Some("success")),
            check_run("test (linux)", "completed", Some("success")),
        ],
        vec![],
    );
    let run = run_github(
        &sb,
        &api,
        &[
            "--json",
            "--ref",
            "release-1",
            "--require-job",
            "test*",
            "--require-job",
            "build",
        ],
    )
    .run()
    .success();
    assert_eq!(run.json()["commit"], sha(2));
    assert!(
        run.stderr().starts_with(&format!(
            "{} docs: typo — required job missing: test* (test (linux) skipped); build (no job of that name ran)\n",
            &sha(1)[..7]
        )),
        "{}",
        run.stderr()
    );
    let first = &api.requests_to("GET", &format!("/repos/{REPO}/commits"))[0];
    assert_eq!(first.query, "sha=release-1&per_page=100");
    assert!(
        api.requests_to("GET", &format!("/repos/{REPO}")).is_empty(),
        "--ref given: the default branch is not asked"
    );
}

#[test]
fn none_green_down_to_min_commit_fails_with_every_reason() {
    let sb = Sandbox::new();
    let commits = vec![
        (sha(1), "feat: running"),
        (sha(2), "fix: red"),
        (sha(3), "chore: pinned already"),
        (sha(4), "feat: older and green"),
    ];
    let api = github_api(&commits);
    github_ci(
        &api,
        &sha(1),
        vec![check_run("build", "queued", None)],
        vec![],
    );
    github_ci(
        &api,
        &sha(2),
        vec![check_run("build", "completed", Some("timed_out"))],
        vec![],
    );
    github_ci(&api, &sha(3), vec![], vec![]);
    github_ci(
        &api,
        &sha(4),
        vec![check_run("build", "completed", Some("success"))],
        vec![],
    );
    let output = sb.path().join("github_output");
    let run = run_github(&sb, &api, &["--min-commit", &sha(3)[..10]])
        .env("GITHUB_OUTPUT", &output)
        .run()
        .expect_code(1);
    let message = run.stderr().lines().skip(3).collect::<Vec<_>>().join("\n");
    assert_eq!(
        message,
        format!(
            "error: no green commit among the 3 newest commits of main in acme/gitaly, down to --min-commit {}\n  \
             {} feat: running — pending: build\n  \
             {} fix: red — failed: build\n  \
             {} chore: pinned already — no CI status",
            &sha(3)[..10],
            &sha(1)[..7],
            &sha(2)[..7],
            &sha(3)[..7]
        )
    );
    let outputs = common::outputs::parse_github_output(&std::fs::read_to_string(output).unwrap());
    assert_eq!(outputs["commit"], "");
    assert_eq!(outputs["checked"], "3");
    assert!(
        api.requests_to(
            "GET",
            &format!("/repos/{REPO}/commits/{}/check-runs", sha(4))
        )
        .is_empty(),
        "nothing older than --min-commit is looked at"
    );
}

/// A GitLab pipeline of "List project pipelines".
fn gitlab_pipeline(id: u64, sha: &str, status: &str) -> Value {
    json!({
        "id": id, "iid": id, "project_id": 5, "sha": sha, "ref": "master", "status": status,
        "source": "push", "created_at": "2026-01-15T12:00:00.000Z", "updated_at": "2026-01-15T12:10:00.000Z",
        "web_url": format!("https://gitlab.example.com/acme/gitaly/-/pipelines/{id}"),
    })
}

/// A job of "List pipeline jobs".
fn gitlab_job(name: &str, status: &str, allow_failure: bool) -> Value {
    json!({
        "id": 8, "name": name, "stage": "test", "status": status, "ref": "master", "tag": false,
        "allow_failure": allow_failure, "created_at": "2026-01-15T12:00:00.000Z",
        "web_url": "https://gitlab.example.com/acme/gitaly/-/jobs/8",
        "pipeline": {"id": 1, "project_id": 5, "ref": "master", "sha": "x", "status": "success"},
    })
}

#[test]
fn gitlab_takes_the_newest_pipeline_and_its_paged_jobs() {
    let sb = Sandbox::new();
    let api = MockApi::gitlab();
    let project = "/api/v4/projects/acme%2Fgitaly";
    api.on(
        "GET",
        project,
        MockResponse::json(
            200,
            json!({"id": 5, "path_with_namespace": REPO, "default_branch": "master",
                   "web_url": "https://gitlab.example.com/acme/gitaly"}),
        ),
    );
    let commits: Vec<Value> = [
        (sha(1), "running"),
        (sha(2), "docs only"),
        (sha(3), "green"),
        (sha(4), "old"),
    ]
    .iter()
    .map(|(s, t)| {
        json!({"id": s, "short_id": &s[..8], "title": t, "message": t, "parent_ids": [],
                   "author_name": "Dev", "created_at": "2026-01-15T12:00:00.000Z",
                   "web_url": format!("https://gitlab.example.com/acme/gitaly/-/commit/{s}")})
    })
    .collect();
    gitlab_pages(&api, &format!("{project}/repository/commits"), commits, 2);
    let pipelines = |s: &str, p: Value| {
        let s = s.to_string();
        let path = format!("{project}/pipelines");
        api.handle(move |r| {
            (r.method == "GET" && r.path == path && r.query.contains(&format!("sha={s}")))
                .then(|| MockResponse::json(200, json!([p.clone()])))
        });
    };
    pipelines(&sha(1), gitlab_pipeline(11, &sha(1), "running"));
    pipelines(&sha(2), gitlab_pipeline(12, &sha(2), "success"));
    pipelines(&sha(3), gitlab_pipeline(13, &sha(3), "success"));
    gitlab_pages(
        &api,
        &format!("{project}/pipelines/11/jobs"),
        vec![
            gitlab_job("build", "success", false),
            gitlab_job("test", "running", false),
        ],
        2,
    );
    gitlab_pages(
        &api,
        &format!("{project}/pipelines/12/jobs"),
        vec![gitlab_job("docs-lint", "success", false)],
        2,
    );
    gitlab_pages(
        &api,
        &format!("{project}/pipelines/13/jobs"),
        vec![
            gitlab_job("build", "success", false),
            gitlab_job("docs-lint", "success", false),
            gitlab_job("flaky", "failed", true),
            gitlab_job("test", "success", false),
            gitlab_job("deploy", "manual", false),
        ],
        2,
    );
    let dotenv = sb.path().join("green.env");
    let run = sb
        .relay("find-green-commit")
        .args([
            "--repo",
            REPO,
            "--require-job",
            "test",
            "--dotenv",
            dotenv.to_str().unwrap(),
        ])
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("GITLAB_TOKEN", "glpat-SECRET0123456789")
        .run()
        .success();
    let env = parse_dotenv(&std::fs::read_to_string(&dotenv).unwrap());
    assert_eq!(env["COMMIT"], sha(3));
    assert_eq!(env["SHORT"], &sha(3)[..7]);
    assert_eq!(
        env["PIPELINE_URL"],
        "https://gitlab.example.com/acme/gitaly/-/pipelines/13"
    );
    assert_eq!(env["CHECKED"], "3");
    assert_eq!(
        run.stderr(),
        format!(
            "{} running — pending: test\n\
             {} docs only — required job missing: test (no job of that name ran)\n\
             {} green — green\n",
            &sha(1)[..7],
            &sha(2)[..7],
            &sha(3)[..7]
        )
    );
    let jobs = api.requests_to("GET", &format!("{project}/pipelines/13/jobs"));
    assert_eq!(jobs.len(), 3, "three pages of jobs");
    assert_eq!(jobs[2].query, "per_page=100&page=3");
    let listing = &api.requests_to("GET", &format!("{project}/repository/commits"))[0];
    assert_eq!(listing.query, "ref_name=master&per_page=100");
    assert_eq!(
        listing.header("private-token"),
        Some("glpat-SECRET0123456789")
    );
    run.assert_hides("glpat-SECRET0123456789");
}

#[test]
fn bad_inputs_exit_2_before_any_call() {
    let sb = Sandbox::new();
    let api = MockApi::github();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--require-job", "test-[a"],
            "error: finding a green commit: --require-job `test-[a` is not a valid glob: unclosed character class; missing ']'\n",
        ),
        (
            &["--min-commit", "HEAD~1"],
            "error: finding a green commit: --min-commit `HEAD~1` is not a commit id: give 7 to 40 hexadecimal digits of the commit\n",
        ),
        (
            &["--limit", "0"],
            "error: finding a green commit: --limit must be at least 1\n",
        ),
    ];
    for (args, message) in cases {
        let run = run_github(&sb, &api, args).run().expect_code(2);
        assert_eq!(run.stderr(), message);
    }
    let run = sb
        .relay("find-green-commit")
        .args(["--repo", REPO])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: find-green-commit reads CI results through a forge API: pass --forge github or \
         --forge gitlab (detected inside GitHub Actions and GitLab CI)\n"
    );
    assert!(api.requests().is_empty());
}

#[test]
fn a_malformed_repository_is_refused_before_any_call() {
    let sb = Sandbox::new();
    let api = MockApi::github();
    for (repo, reason) in [
        ("not a repo", "`not a repo` is not owner/name"),
        (
            "acme/not a repo",
            "`acme/not a repo` holds ` `; a repository path has letters, digits, `.`, `-` and `_`",
        ),
        ("gitaly", "`gitaly` is not owner/name"),
        (
            "acme//gitaly",
            "`acme//gitaly` has an empty or relative segment; expected owner/name",
        ),
    ] {
        let run = sb
            .relay("find-green-commit")
            .args(["--forge", "github", "--api-url", &api.url()])
            .args(["--token", "ghp_SECRET0123456789", "--repo", repo])
            .run()
            .expect_code(2);
        assert_eq!(run.stderr(), format!("error: repository {reason}\n"));
    }
    // The pipeline's own repository is checked the same way.
    let run = sb
        .relay("find-green-commit")
        .args(["--forge", "github", "--api-url", &api.url()])
        .args(["--token", "ghp_SECRET0123456789"])
        .env("GITHUB_REPOSITORY", "acme/../gitaly")
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .contains("repository `acme/../gitaly` has an empty or relative segment")
    );
    assert!(api.requests().is_empty(), "{:?}", api.requests());
}

#[test]
fn api_failures_name_the_request_and_the_permission() {
    let sb = Sandbox::new();
    let api = github_api(&[(sha(1), "feat")]);
    api.on(
        "GET",
        &format!("/repos/{REPO}/commits/{}/check-runs", sha(1)),
        MockResponse::json(
            403,
            json!({"message": "Resource not accessible by integration",
                   "documentation_url": "https://docs.github.com/rest/checks/runs"}),
        ),
    );
    let run = run_github(&sb, &api, &[]).run().expect_code(1);
    assert_eq!(
        run.stderr(),
        format!(
            "error: finding a green commit: GET check runs of {} in acme/gitaly: 403 — the token \
             lacks a permission: checks: read (Resource not accessible by integration)\n",
            sha(1)
        )
    );
    let missing = MockApi::github();
    let run = run_github(&sb, &missing, &[]).run().expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: finding a green commit: GET repository acme/gitaly: not found (404)\n"
    );
}

#[test]
fn a_gitlab_job_token_is_refused_before_a_call_gitlab_would_not_take_it_for() {
    // GitLab takes CI_JOB_TOKEN for a short list of endpoints; the commit list and the
    // pipelines are not on it, and a private project would answer 404 as to anyone.
    let sb = Sandbox::new();
    let api = MockApi::gitlab();
    let run = sb
        .relay("find-green-commit")
        .args(["--forge", "gitlab", "--repo", REPO])
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("CI_JOB_TOKEN", "glcbt-SECRET-job-token-0123")
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: finding a green commit: GET project acme/gitaly: GitLab's \
         CI_JOB_TOKEN cannot call this API (GitLab documents the few it can under \"Job \
         token access\"); set GITLAB_TOKEN (or --token) to a project access token with \
         `read_api`\n"
    );
    let calls: Vec<String> = api.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        calls,
        ["/api/v4/job"],
        "nothing but the token check is sent"
    );
}
