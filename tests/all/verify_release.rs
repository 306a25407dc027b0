//! verify-release against real repositories on a loopback git server, a loopback HTTP
//! server for the URLs, and mocks of the GitHub and GitLab APIs.

use crate::common;

use crate::common::github_shapes as gh;
use crate::common::{GitServer, MockApi, MockResponse, Sandbox};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_SECRETverify0123456789";

/// Two repositories on a git server: acme/api with an annotated tag 1.0.0 on its
/// second commit, acme/worker with a lightweight tag 1.0.0. Returns the server and
/// the tagged commits.
fn served_repos(sb: &Sandbox) -> (GitServer, String, String, String) {
    sb.bare_repo("srv/acme/api.git");
    sb.bare_repo("srv/acme/worker.git");
    let server = GitServer::start(&sb.path().join("srv"));
    let api = sb.repo("api");
    let first = api.commit("README.md", "api\n", "feat: first");
    let api_sha = api.commit("VERSION", "1.0.0\n", "release 1.0.0");
    api.tag_annotated("1.0.0", "api 1.0.0 release\n");
    api.git([
        "push",
        "-q",
        &server.url("acme/api.git"),
        "HEAD:main",
        "refs/tags/1.0.0",
    ]);
    let worker = sb.repo("worker");
    let worker_sha = worker.commit("README.md", "worker\n", "feat: first");
    worker.tag_lightweight("1.0.0");
    worker.git([
        "push",
        "-q",
        &server.url("acme/worker.git"),
        "HEAD:main",
        "refs/tags/1.0.0",
    ]);
    (server, api_sha, worker_sha, first)
}

/// Pages on a loopback HTTP server: a page that answers HEAD, one that only answers
/// GET, a 301 → 302 → 200 chain, a 404 and a chain that ends in 404.
fn web() -> MockApi {
    let web = MockApi::start();
    let page = MockResponse::bytes(200, "text/html", b"<html>docs</html>".to_vec());
    web.on("HEAD", "/docs/1.0.0/", page.clone());
    web.on("GET", "/docs/1.0.0/", page.clone());
    web.on("GET", "/get-only/1.0.0", page.clone());
    let redirect = |status: u16, to: String| {
        MockResponse::bytes(status, "text/plain", Vec::new()).header("Location", &to)
    };
    let url = web.url();
    web.on(
        "GET",
        "/short/tool",
        redirect(301, format!("{url}/latest/tool")),
    );
    web.on(
        "GET",
        "/latest/tool",
        redirect(302, format!("{url}/download/1.0.0/tool.tar.gz")),
    );
    web.on(
        "GET",
        "/download/1.0.0/tool.tar.gz",
        MockResponse::bytes(200, "application/gzip", b"tool".to_vec()),
    );
    web.on(
        "GET",
        "/short/gone",
        redirect(301, format!("{url}/download/1.0.0/gone.tar.gz")),
    );
    web
}

fn check(kind: &str, subject: &str, expected: &str, found: &str) -> Value {
    json!({"check": kind, "subject": subject, "expected": expected, "found": found})
}

#[test]
fn a_complete_release_passes_every_check() {
    let sb = Sandbox::new();
    let (server, api_sha, worker_sha, _) = served_repos(&sb);
    let web = web();
    sb.write("VERSION", "1.0.0\n");
    sb.write(
        "package.json",
        "{\n  \"name\": \"tool\",\n  \"version\": \"1.0.0\"\n}\n",
    );
    sb.write(
        "chart/values.yaml",
        "image:\n  repository: acme/api\n  tag: v1.0.0\n",
    );
    let summary = sb.path().join("summary.md");
    let run = sb
        .relay("verify-release")
        .args([
            "--forge",
            "git",
            "--server-url",
            &format!("git://127.0.0.1:{}", server.port()),
            "--version",
            "1.0.0",
            "--repo",
            &format!("acme/api@{api_sha}"),
            "--repo",
            "acme/worker",
            "--expect-url",
            &format!("{}/docs/{{version}}/", web.url()),
            "--expect-url",
            &format!("{}/get-only/{{major}}.{{minor}}.{{patch}}", web.url()),
            "--expect-url",
            &format!("{}/short/tool", web.url()),
            "--expect-file",
            "VERSION",
            "--expect-file",
            "package.json:version",
            "--expect-file",
            "chart/values.yaml:image.tag=v{version}",
            "--json",
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["missing"], json!([]));
    assert_eq!(
        out["checks"],
        json!([
            check(
                "tag",
                "acme/api 1.0.0",
                &format!("on {api_sha}"),
                &format!("on {api_sha}")
            ),
            check(
                "tag",
                "acme/worker 1.0.0",
                "exists",
                &format!("on {worker_sha}")
            ),
            check("url", &format!("{}/docs/1.0.0/", web.url()), "200", "200"),
            check(
                "url",
                &format!("{}/get-only/1.0.0", web.url()),
                "200",
                "200"
            ),
            check(
                "url",
                &format!("{}/short/tool", web.url()),
                "200",
                &format!("200 at {}/download/1.0.0/tool.tar.gz", web.url())
            ),
            check("file", "VERSION", "1.0.0", "1.0.0"),
            check("file", "package.json:version", "1.0.0", "1.0.0"),
            check("file", "chart/values.yaml:image.tag", "v1.0.0", "v1.0.0"),
        ])
    );
    // HEAD sufficed where it is answered; GET where it is not.
    assert_eq!(web.requests_to("GET", "/docs/1.0.0/").len(), 0);
    assert_eq!(web.requests_to("HEAD", "/get-only/1.0.0").len(), 1);
    assert_eq!(web.requests_to("GET", "/get-only/1.0.0").len(), 1);
    assert!(
        run.stderr().ends_with("all 8 checks hold\n"),
        "{}",
        run.stderr()
    );
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(
        summary.starts_with("### Release `1.0.0` is complete: all 8 checks hold\n"),
        "{summary}"
    );
}

#[test]
fn the_lightweight_tag_s_commit_is_the_tag_s_target() {
    let sb = Sandbox::new();
    let (server, _, worker_sha, _) = served_repos(&sb);
    let out = sb
        .relay("verify-release")
        .args([
            "--forge",
            "git",
            "--version",
            "1.0.0",
            "--repo",
            &format!("{}@{}", server.url("acme/worker.git"), &worker_sha[..12]),
            "--json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(
        out["checks"],
        json!([check(
            "tag",
            &format!("{} 1.0.0", server.url("acme/worker.git")),
            &format!("on {}", &worker_sha[..12]),
            &format!("on {worker_sha}")
        )])
    );
}

#[test]
fn every_gap_is_reported_at_once() {
    let sb = Sandbox::new();
    let (server, _, _, first) = served_repos(&sb);
    sb.bare_repo("srv/acme/docs.git");
    let web = web();
    sb.write("VERSION", "0.9.0\n");
    sb.write("package.json", "{\"name\": \"tool\"}\n");
    let summary = sb.path().join("summary.md");
    let output = sb.path().join("github_output");
    let run = sb
        .relay("verify-release")
        .args([
            "--forge",
            "git",
            "--server-url",
            &format!("git://127.0.0.1:{}", server.port()),
            "--version",
            "1.0.0",
            "--repo",
            &format!("acme/api@{first}"),
            "--repo",
            "acme/docs",
            "--repo",
            &server.url("acme/nowhere.git"),
            "--expect-url",
            &format!("{}/docs/{{version}}/", web.url()),
            "--expect-url",
            &format!("{}/docs/missing/", web.url()),
            "--expect-url",
            &format!("{}/short/gone", web.url()),
            "--expect-file",
            "VERSION",
            "--expect-file",
            "package.json:version",
            "--expect-file",
            "GONE",
            "--json",
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .run()
        .expect_code(1);
    let out = run.json();
    let missing = out["missing"].as_array().unwrap();
    let api_tag = out["checks"][0]["found"].as_str().unwrap().to_string();
    assert_ne!(api_tag, format!("on {first}"));
    let nowhere = missing[2]["found"].as_str().unwrap();
    assert!(nowhere.starts_with("cannot check: "), "{nowhere}");
    assert_eq!(
        Value::Array(missing.clone()),
        json!([
            check("tag", "acme/api 1.0.0", &format!("on {first}"), &api_tag),
            check("tag", "acme/docs 1.0.0", "exists", "missing"),
            check(
                "tag",
                &format!("{} 1.0.0", server.url("acme/nowhere.git")),
                "exists",
                nowhere
            ),
            check("url", &format!("{}/docs/missing/", web.url()), "200", "404"),
            check(
                "url",
                &format!("{}/short/gone", web.url()),
                "200",
                &format!("404 at {}/download/1.0.0/gone.tar.gz", web.url())
            ),
            check("file", "VERSION", "1.0.0", "0.9.0"),
            check("file", "package.json:version", "1.0.0", "no key version"),
            check("file", "GONE", "1.0.0", "no such file"),
        ])
    );
    assert_eq!(out["checks"].as_array().unwrap().len(), 9);
    let stderr = run.stderr();
    assert!(
        stderr.contains("MISSING  tag    acme/docs 1.0.0"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("ok       url    {}/docs/1.0.0/", web.url())),
        "{stderr}"
    );
    assert!(stderr.contains("\n8 of 9 checks do not hold\n"), "{stderr}");
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with(
            "error: release 1.0.0 is incomplete: 8 of 9 checks do not hold: tag acme/api 1.0.0: on "
        ),
        "{last}"
    );
    assert!(last.ends_with("; file GONE: no such file"), "{last}");
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(
        summary.starts_with("### Release `1.0.0` is incomplete: 8 of 9 checks do not hold\n\n| check | subject | expected | found |\n"),
        "{summary}"
    );
    assert!(
        summary.contains("| tag | `acme/docs 1.0.0` | exists | missing |\n"),
        "{summary}"
    );
    let outputs = common::outputs::parse_github_output(&std::fs::read_to_string(output).unwrap());
    let parsed: Value = serde_json::from_str(&outputs["missing"]).unwrap();
    assert_eq!(parsed, Value::Array(missing.clone()));
}

#[test]
fn a_remote_that_fails_is_reported_with_all_git_said() {
    let sb = Sandbox::new();
    let run = sb
        .relay("verify-release")
        .args([
            "--forge",
            "git",
            "--version",
            "1.0.0",
            "--repo",
            "./nowhere.git",
            "--json",
        ])
        .run()
        .expect_code(1);
    assert_eq!(
        run.json()["missing"][0]["found"],
        "cannot check: fatal: './nowhere.git' does not appear to be a git repository \
         fatal: Could not read from remote repository. Please make sure you have the \
         correct access rights and the repository exists."
    );
}

#[test]
fn reads_the_repositories_and_commits_of_a_request_file() {
    let sb = Sandbox::new();
    let (server, api_sha, worker_sha, first) = served_repos(&sb);
    // The worker's release tag has its own name.
    let worker = sb.clone_of(&server.url("acme/worker.git"), "w2", &[]);
    worker.git(["tag", "worker-1.0.0", &worker_sha]);
    worker.git(["push", "-q", "origin", "refs/tags/worker-1.0.0"]);
    sb.write(
        "deliverables/2026.1/tool.yaml",
        &format!(
            "series: \"2026.1\"\nreleases:\n  - version: 0.9.0\n    projects:\n      - repo: acme/api\n        hash: {first}\n\
             \x20 - version: 1.0.0\n    projects:\n      - repo: acme/api\n        hash: {api_sha}\n\
             \x20     - repo: acme/worker\n        hash: {worker_sha}\n        tag: worker-1.0.0\n"
        ),
    );
    let out = sb
        .relay("verify-release")
        .args([
            "--forge",
            "git",
            "--server-url",
            &format!("git://127.0.0.1:{}", server.port()),
            "--version",
            "1.0.0",
            "--request",
            "deliverables/2026.1/tool.yaml",
            "--json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(
        out["checks"],
        json!([
            check(
                "tag",
                "acme/api 1.0.0",
                &format!("on {api_sha}"),
                &format!("on {api_sha}")
            ),
            check(
                "tag",
                "acme/worker worker-1.0.0",
                &format!("on {worker_sha}"),
                &format!("on {worker_sha}")
            ),
        ])
    );
    // The older entry of the file is a different version: its hash would not match.
    let run = sb
        .relay("verify-release")
        .args([
            "--forge",
            "git",
            "--server-url",
            &format!("git://127.0.0.1:{}", server.port()),
            "--version",
            "0.9.0",
            "--request",
            "deliverables/2026.1/tool.yaml",
        ])
        .run()
        .expect_code(1);
    assert!(
        run.stderr().contains("MISSING  tag    acme/api 0.9.0"),
        "{}",
        run.stderr()
    );
}

fn github_api() -> MockApi {
    let api = MockApi::github();
    let base = api.url();
    let sha = "89abcdef0123456789abcdef0123456789abcdef";
    api.on(
        "GET",
        "/repos/acme/tool/git/ref/tags/v1.2.0",
        MockResponse::json(
            200,
            json!({"ref": "refs/tags/v1.2.0", "node_id": "REF_1", "url": format!("{base}/repos/acme/tool/git/refs/tags/v1.2.0"),
                   "object": {"sha": sha, "type": "commit", "url": format!("{base}/repos/acme/tool/git/commits/{sha}")}}),
        ),
    );
    api.on(
        "GET",
        "/repos/acme/tool/releases/tags/v1.2.0",
        MockResponse::json(
            200,
            json!({"url": format!("{base}/repos/acme/tool/releases/7"), "html_url": "https://github.com/acme/tool/releases/tag/v1.2.0",
                   "assets_url": format!("{base}/repos/acme/tool/releases/7/assets"),
                   "upload_url": "https://uploads.github.com/repos/acme/tool/releases/7/assets{?name,label}",
                   "id": 7, "node_id": "RE_7", "tag_name": "v1.2.0", "target_commitish": "main", "name": "Tool 1.2.0",
                   "body": "", "draft": false, "prerelease": false, "created_at": "2026-01-15T12:00:00Z",
                   "published_at": "2026-01-15T12:00:00Z", "assets": [], "tarball_url": null,
                   "zipball_url": null, "author": gh::user("release-bot")}),
        ),
    );
    api.on(
        "GET",
        "/repos/acme/tool/releases/7/assets",
        MockResponse::json(
            200,
            json!([{"url": format!("{base}/repos/acme/tool/releases/assets/70"),
                    "browser_download_url": "https://github.com/acme/tool/releases/download/v1.2.0/tool-1.2.0-linux.tar.gz",
                    "id": 70, "node_id": "RA_70", "name": "tool-1.2.0-linux.tar.gz", "label": "", "state": "uploaded",
                    "content_type": "application/gzip", "size": 12, "digest": "sha256:00", "download_count": 3,
                    "created_at": "2026-01-15T12:00:00Z", "updated_at": "2026-01-15T12:00:00Z",
                    "uploader": gh::user("release-bot")}]),
        ),
    );
    api.on(
        "GET",
        "/repos/acme/other/git/ref/tags/v1.2.0",
        MockResponse::json(
            200,
            gh::git_ref("acme/other", "refs/tags/v1.2.0", sha, "commit"),
        ),
    );
    api
}

#[test]
fn checks_releases_and_assets_through_the_github_api() {
    let sb = Sandbox::new();
    let api = github_api();
    let run = sb
        .relay("verify-release")
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--token",
            TOKEN,
            "--version",
            "1.2.0",
            "--tag-prefix",
            "v",
            "--repo",
            "acme/tool@89abcdef",
            "--repo",
            "acme/other",
            "--expect-release",
            "--expect-asset",
            "tool-{version}-linux.tar.gz",
            "--expect-asset",
            "SHA256SUMS",
            "--json",
        ])
        .run()
        .expect_code(1);
    run.assert_hides(TOKEN);
    let out = run.json();
    let sha = "89abcdef0123456789abcdef0123456789abcdef";
    assert_eq!(
        out["checks"],
        json!([
            check(
                "tag",
                "acme/tool v1.2.0",
                "on 89abcdef",
                &format!("on {sha}")
            ),
            check(
                "release",
                "acme/tool v1.2.0",
                "published",
                "published: https://github.com/acme/tool/releases/tag/v1.2.0"
            ),
            check(
                "asset",
                "acme/tool v1.2.0 tool-1.2.0-linux.tar.gz",
                "attached",
                "attached: https://github.com/acme/tool/releases/download/v1.2.0/tool-1.2.0-linux.tar.gz"
            ),
            check(
                "asset",
                "acme/tool v1.2.0 SHA256SUMS",
                "attached",
                "not attached"
            ),
            check("tag", "acme/other v1.2.0", "exists", &format!("on {sha}")),
            check(
                "release",
                "acme/other v1.2.0",
                "published",
                "no published release"
            ),
            check(
                "asset",
                "acme/other v1.2.0 tool-1.2.0-linux.tar.gz",
                "attached",
                "no published release"
            ),
            check(
                "asset",
                "acme/other v1.2.0 SHA256SUMS",
                "attached",
                "no published release"
            ),
        ])
    );
    assert_eq!(out["missing"].as_array().unwrap().len(), 4);
    let call = &api.requests_to("GET", "/repos/acme/tool/releases/tags/v1.2.0")[0];
    assert_eq!(
        call.header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
}

#[test]
fn an_api_that_fails_is_a_gap_not_an_abort() {
    let sb = Sandbox::new();
    let api = github_api();
    api.on(
        "GET",
        "/repos/acme/locked/git/ref/tags/v1.2.0",
        MockResponse::json(
            403,
            json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest", "status": "403"}),
        ),
    );
    let out = sb
        .relay("verify-release")
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--version",
            "1.2.0",
            "--tag-prefix",
            "v",
            "--repo",
            "acme/locked",
            "--repo",
            "acme/tool",
            "--json",
        ])
        .run()
        .expect_code(1)
        .json();
    assert_eq!(
        out["missing"],
        json!([check(
            "tag",
            "acme/locked v1.2.0",
            "exists",
            "cannot check: GET tag v1.2.0 of acme/locked: 403 — the token lacks a permission: contents: read (Resource not accessible by integration)"
        )])
    );
    assert_eq!(
        out["checks"][1]["found"],
        "on 89abcdef0123456789abcdef0123456789abcdef"
    );
}

#[test]
fn checks_a_gitlab_release_and_its_links() {
    let sb = Sandbox::new();
    let api = MockApi::gitlab();
    let sha = "456789abcdef0123456789abcdef0123456789ab";
    // With CI_JOB_TOKEN the tag is found in the tag list: GitLab does not take the job
    // token for the single-tag route.
    common::gitlab_tags::serve(
        &api,
        "acme/tool",
        vec![
            json!({"name": "1.2.0", "message": "tool 1.2.0 release", "target": "1111111111111111111111111111111111111111",
                    "commit": {"id": sha, "short_id": &sha[..8], "title": "release", "parent_ids": []},
                    "release": null, "protected": true, "created_at": "2026-01-15T12:00:00.000Z"}),
        ],
    );
    api.on(
        "GET",
        "/api/v4/projects/acme%2Ftool/releases/1.2.0",
        MockResponse::json(
            200,
            json!({"tag_name": "1.2.0", "name": "Tool 1.2.0", "description": "", "created_at": "2026-01-15T12:00:00.000Z",
                   "released_at": "2026-01-15T12:00:00.000Z", "upcoming_release": false, "commit": {"id": sha},
                   "assets": {"count": 1, "sources": [], "links": [
                       {"id": 1, "name": "tool-1.2.0.tar.gz", "url": "https://downloads.example.com/tool-1.2.0.tar.gz",
                        "direct_asset_url": "https://gitlab.example.com/acme/tool/-/releases/1.2.0/downloads/tool-1.2.0.tar.gz",
                        "link_type": "package"}]},
                   "_links": {"self": "https://gitlab.example.com/acme/tool/-/releases/1.2.0"}}),
        ),
    );
    let out = sb
        .relay("verify-release")
        .args([
            "--forge",
            "gitlab",
            "--version",
            "1.2.0",
            "--expect-release",
            "--expect-asset",
            "tool-{version}.tar.gz",
            "--json",
        ])
        .env("GITLAB_CI", "true")
        .env("CI_PROJECT_PATH", "acme/tool")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("CI_JOB_TOKEN", "glcbt-SECRET")
        .run()
        .success()
        .json();
    assert_eq!(
        out["checks"],
        json!([
            check("tag", "acme/tool 1.2.0", "exists", &format!("on {sha}")),
            check(
                "release",
                "acme/tool 1.2.0",
                "published",
                "published: https://gitlab.example.com/acme/tool/-/releases/1.2.0"
            ),
            check(
                "asset",
                "acme/tool 1.2.0 tool-1.2.0.tar.gz",
                "attached",
                "attached: https://downloads.example.com/tool-1.2.0.tar.gz"
            ),
        ])
    );
}

#[test]
fn takes_the_version_from_the_pipeline_tag() {
    let sb = Sandbox::new();
    sb.write("VERSION", "2.0.0\n");
    let out = sb
        .relay("verify-release")
        .args([
            "--forge",
            "git",
            "--tag-prefix",
            "v",
            "--expect-file",
            "VERSION",
            "--json",
        ])
        .env("GITHUB_REF_TYPE", "tag")
        .env("GITHUB_REF_NAME", "v2.0.0")
        .run()
        .success()
        .json();
    assert_eq!(
        out["checks"],
        json!([check("file", "VERSION", "2.0.0", "2.0.0")])
    );
    // The tag name given as --version (`github.ref_name`) reads the same way.
    let out = sb
        .relay("verify-release")
        .args(["--forge", "git", "--tag-prefix", "v", "--version", "v2.0.0"])
        .args(["--expect-file", "VERSION", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(
        out["checks"],
        json!([check("file", "VERSION", "2.0.0", "2.0.0")])
    );
}

#[test]
fn bad_input_exits_2_with_its_reason() {
    let sb = Sandbox::new();
    sb.write(
        "req.yaml",
        "releases:\n  - version: 1.0.0\n    projects: [\n",
    );
    sb.write(
        "ok.yaml",
        "releases:\n  - version: 1.0.0\n    projects:\n      - repo: acme/api\n        \
         hash: 0123456789abcdef0123456789abcdef01234567\n",
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["--version", "v1.0.0", "--expect-file", "VERSION"],
            "--version: invalid version `v1.0.0`: a version starts with a digit; put `v` in the tag prefix",
        ),
        (
            &["--expect-file", "VERSION"],
            "no version given: pass --version, or run in a tag pipeline (the tag without --tag-prefix)",
        ),
        (
            &["--version", "1.0.0"],
            "nothing to verify: give --request, --repo, --expect-release, --expect-asset, --expect-url or --expect-file",
        ),
        (
            &[
                "--version",
                "1.0.0",
                "--repo",
                "acme/api",
                "--expect-release",
            ],
            "--expect-release and --expect-asset need a forge API: pass --forge github or --forge gitlab",
        ),
        (
            &["--version", "1.0.0", "--expect-file", "setup.cfg:version"],
            "--expect-file setup.cfg:version: the kind of file is not known from its name; name the value \
             with PATH:/REGEX/ and a `version` group",
        ),
        (
            &["--version", "1.0.0", "--expect-file", "VERSION:version"],
            "--expect-file VERSION:version: a plain file holds only the version; give no KEY",
        ),
        (
            &["--version", "1.0.0", "--expect-url", "https://x/{tag}"],
            "--expect-url `https://x/{tag}`: unknown field `{tag}` (known: {version}, {major}, {minor}, {patch}, {prerelease})",
        ),
        (
            &["--version", "1.0.0", "--repo", "@0123456"],
            "--repo @0123456: expected REPO[@COMMIT], e.g. acme/api@0123abc",
        ),
        (
            &["--version", "2.0.0", "--request", "ok.yaml"],
            "ok.yaml has no release of version 2.0.0",
        ),
        (
            &["--version", "1.0.0", "--request", "gone.yaml"],
            "cannot read the request file gone.yaml: No such file or directory (os error 2)",
        ),
    ];
    for (args, message) in cases {
        let run = sb
            .relay("verify-release")
            .args(["--forge", "git"])
            .args(*args)
            .run()
            .expect_code(2);
        assert_eq!(
            run.stderr().trim_end(),
            format!("error: verifying the release: {message}"),
            "{args:?}"
        );
    }
    // A broken request file is named with its position, as an annotation in Actions.
    let run = sb
        .relay("verify-release")
        .args([
            "--forge",
            "git",
            "--version",
            "1.0.0",
            "--request",
            "req.yaml",
        ])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .expect_code(2);
    let stderr = run.stderr();
    assert!(
        stderr.starts_with("error: verifying the release: req.yaml:4:1: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("::error file=req.yaml,line=4,col=1::"),
        "{stderr}"
    );
}

#[test]
fn checks_the_tags_a_tagging_run_listed_each_on_its_commit() {
    let sb = Sandbox::new();
    let (server, api_sha, worker_sha, first) = served_repos(&sb);
    let server_url = format!("git://127.0.0.1:{}", server.port());
    let verify = |args: &[&str]| {
        sb.relay("verify-release")
            .args(["--forge", "git", "--server-url", &server_url])
            .args(args)
    };
    // tag-from-request's outputs: no --version needed, each tag by its own name.
    sb.write(
        "tags.json",
        &json!({"tags": [
            {"repo": "acme/api", "tag": "1.0.0", "commit": api_sha, "status": "created"},
            {"repo": "acme/worker", "tag": "1.0.0", "commit": worker_sha, "status": "exists"},
        ]})
        .to_string(),
    );
    let out = verify(&["--tags", "tags.json", "--json"]).run().success();
    assert_eq!(
        out.json()["checks"],
        json!([
            check(
                "tag",
                "acme/api 1.0.0",
                &format!("on {api_sha}"),
                &format!("on {api_sha}")
            ),
            check(
                "tag",
                "acme/worker 1.0.0",
                &format!("on {worker_sha}"),
                &format!("on {worker_sha}")
            ),
        ])
    );
    // A list naming a commit the tag is not on, and a tag that is not there: gaps.
    sb.write(
        "lists/wrong.json",
        &json!([
            {"repo": "acme/api", "tag": "1.0.0", "commit": first},
            {"repo": "acme/worker", "tag": "2.0.0", "commit": worker_sha},
        ])
        .to_string(),
    );
    let run = verify(&["--tags", "lists"]).run().expect_code(1);
    run.assert_stderr_has("error: the release is incomplete: 2 of 2 checks do not hold");
    run.assert_stderr_has("MISSING  tag    acme/worker 2.0.0");

    // Bad input: at its position, nothing checked.
    for (text, message) in [
        (
            "[\n  {\"repo\": }\n]",
            "bad.json:2:12: not JSON: expected value",
        ),
        (
            "{\"created\": 1}",
            "bad.json:1:1: expected tag-from-request's --json outputs or --shard-report, or a list of {repo, tag, commit}",
        ),
        (
            "[{\"repo\": \"acme/api\", \"tag\": \"1.0.0\"}]",
            "bad.json:1:1: entry 1 has no `commit`",
        ),
        (
            "[{\"repo\": \"acme/api\", \"tag\": \"1.0.0\", \"commit\": \"main\"}]",
            "bad.json:1:1: entry 1: `commit` `main` is not a commit id",
        ),
        (
            &format!(
                "[{{\"repo\": \"https://evil.example/x.git\", \"tag\": \"1.0.0\", \"commit\": \"{api_sha}\"}}]"
            ),
            "bad.json:1:1: entry 1: `repo` `https://evil.example/x.git` is not owner/name on the forge",
        ),
    ] {
        sb.write("bad.json", text);
        let run = verify(&["--tags", "bad.json"]).run().expect_code(2);
        assert!(run.stderr().contains(message), "{text}: {}", run.stderr());
    }
    std::fs::create_dir_all(sb.path().join("empty")).unwrap();
    let run = verify(&["--tags", "empty"]).run().expect_code(2);
    run.assert_stderr_has("--tags: cannot read empty: the folder holds no .json file");
    // Other checks still need the version.
    let run = verify(&[
        "--tags",
        "tags.json",
        "--expect-url",
        "https://example.org/{version}",
    ])
    .run()
    .expect_code(2);
    run.assert_stderr_has("no version given");
}

#[test]
fn a_shard_checks_every_nth_subject() {
    let sb = Sandbox::new();
    let (server, api_sha, worker_sha, _) = served_repos(&sb);
    let server_url = format!("git://127.0.0.1:{}", server.port());
    let verify = |shard: &str| {
        sb.relay("verify-release")
            .args([
                "--forge",
                "git",
                "--server-url",
                &server_url,
                "--version",
                "1.0.0",
            ])
            .args(["--repo", &format!("acme/api@{api_sha}")])
            .args(["--repo", &format!("acme/worker@{worker_sha}")])
            .args(["--expect-url", "http://127.0.0.1:9/{version}"])
            .args(["--shard", shard, "--json"])
            // The unreachable URL's retries, a thousand times shorter.
            .env("RELAY_HTTP_WAIT_DIVISOR", "1000")
    };
    // Subjects in turn: acme/api, acme/worker, the URL.
    let second = verify("2/3").run().success().json();
    assert_eq!(second["shard"], "2/3");
    assert_eq!(
        second["checks"],
        json!([check(
            "tag",
            "acme/worker 1.0.0",
            &format!("on {worker_sha}"),
            &format!("on {worker_sha}")
        )])
    );
    let first = verify("1/2").run().expect_code(1).json();
    let subjects: Vec<&str> = first["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["acme/api 1.0.0", "http://127.0.0.1:9/1.0.0"]);
    let run = verify("auto").run().expect_code(2);
    run.assert_stderr_has("--shard auto reads CI_NODE_INDEX and CI_NODE_TOTAL");
    let gitlab = verify("auto")
        .env("CI_NODE_INDEX", "3")
        .env("CI_NODE_TOTAL", "3")
        .run()
        .expect_code(1)
        .json();
    assert_eq!(gitlab["checks"][0]["subject"], "http://127.0.0.1:9/1.0.0");
}
