//! read-tag-metadata, run as a tag pipeline runs it.

use crate::common;

use crate::common::outputs::{dotenv_value, parse_dotenv, parse_github_output};
use crate::common::{GitServer, MockApi, MockResponse, Sandbox};
use serde_json::json;

const OPENSTACK_MESSAGE: &str = "api 1.2.0 release\n\n\
meta:version: 1.2.0\n\
meta:series: 2026.1\n\
meta:branch: main\n\
meta:diff-start: 1.1.0\n\
meta:release-type: release\n\
meta:first: no\n\
meta:pypi: yes\n\
meta:release:Code-Review+2: Jane Doe <jane@example.org>\n";

fn tagged_repo<'a>(sb: &'a Sandbox, tag: &str, message: &str) -> (common::Repo<'a>, String) {
    let repo = sb.repo("work");
    let sha = repo.commit("README.md", "hello\n", "feat: first");
    repo.tag_annotated(tag, message);
    (repo, sha)
}

/// Asserts the secret is nowhere but in the runner's own mask command.
fn assert_only_masked(run: &common::Run, secret: &str) {
    assert!(!run.stdout().contains(secret), "the token leaked to stdout");
    for line in run.stderr().lines() {
        if line.contains(secret) {
            assert_eq!(
                line,
                format!("::add-mask::{secret}"),
                "the token leaked to stderr"
            );
        }
    }
}

#[test]
fn reads_openstack_metadata_from_a_local_annotated_tag() {
    let sb = Sandbox::new();
    let (repo, sha) = tagged_repo(&sb, "1.2.0", OPENSTACK_MESSAGE);
    let out = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.2.0", "--json", "--require", "series,pypi"])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert_eq!(out["tag"], "1.2.0");
    assert_eq!(out["commit"], sha);
    assert_eq!(out["tagger-name"], "Release Bot");
    assert_eq!(out["tagger-email"], "bot@example.org");
    assert_eq!(out["date"], "2026-01-15T12:00:00+00:00");
    assert_eq!(out["subject"], "api 1.2.0 release");
    assert_eq!(out["message"], OPENSTACK_MESSAGE.trim_end());
    assert_eq!(out["series"], "2026.1");
    assert_eq!(out["release-type"], "release");
    assert_eq!(out["pypi"], "yes");
    // A key with characters an output name cannot hold is only in `metadata`.
    assert_eq!(out.get("release-Code-Review-2"), None);
    assert_eq!(
        out["metadata"],
        json!({"version": "1.2.0", "series": "2026.1", "branch": "main", "diff-start": "1.1.0",
               "release-type": "release", "first": "no", "pypi": "yes",
               "release:Code-Review+2": "Jane Doe <jane@example.org>"})
    );
}

#[test]
fn reads_git_trailers() {
    let sb = Sandbox::new();
    let message = "Release 2.0.0\n\nHighlights of this release.\n\nRelease-Type: release\nSeries: 2026.2\nAnnounce: yes\n";
    let (repo, _) = tagged_repo(&sb, "v2.0.0", message);
    let out = sb
        .relay("read-tag-metadata")
        .args(["--tag", "v2.0.0", "--json"])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert_eq!(
        out["metadata"],
        json!({"Release-Type": "release", "Series": "2026.2", "Announce": "yes"})
    );
    // Trailer keys match without regard to case, as git matches them.
    assert_eq!(out["release-type"], "release");
    assert_eq!(out["series"], "2026.2");
    assert_eq!(out["meta-announce"], "yes");
    assert_eq!(out.get("Announce"), None);
}

#[test]
fn takes_the_tag_from_a_github_tag_ref_and_inputs_from_the_action() {
    let sb = Sandbox::new();
    let (repo, _) = tagged_repo(&sb, "1.2.0", OPENSTACK_MESSAGE);
    let output = sb.path().join("github_output");
    sb.relay("read-tag-metadata")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REF_TYPE", "tag")
        .env("GITHUB_REF_NAME", "1.2.0")
        .env("GITHUB_OUTPUT", &output)
        .env("INPUT_REQUIRE", "series")
        .env("INPUT_ALLOW-LIGHTWEIGHT", "false")
        .env("INPUT_TAG", "")
        .current_dir(repo.path())
        .run()
        .success();
    let outputs = parse_github_output(&std::fs::read_to_string(output).unwrap());
    assert_eq!(outputs["tag"], "1.2.0");
    assert_eq!(outputs["series"], "2026.1");
}

#[test]
fn refetches_the_annotated_tag_over_a_lightweight_local_one() {
    let sb = Sandbox::new();
    let server_root = sb.path().join("srv");
    sb.bare_repo("srv/acme/api.git");
    let server = GitServer::start(&server_root);
    let (repo, sha) = tagged_repo(&sb, "1.2.0", OPENSTACK_MESSAGE);
    repo.git(["remote", "add", "origin", &server.url("acme/api.git")]);
    repo.git(["push", "-q", "origin", "HEAD:main", "refs/tags/1.2.0"]);

    // What actions/checkout leaves behind: a shallow clone with a lightweight tag.
    let ci = sb.clone_of(
        &server.url("acme/api.git"),
        "ci",
        &["--depth", "1", "--no-tags"],
    );
    ci.git(["tag", "1.2.0", &sha]);
    assert_eq!(ci.git(["cat-file", "-t", "1.2.0"]), "commit");

    let run = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.2.0", "--json"])
        .current_dir(ci.path())
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["series"], "2026.1");
    assert_eq!(out["commit"], sha);
    assert!(
        run.stderr()
            .contains("searched the local repository: lightweight"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("from the remote (re-fetched)"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        ci.git(["cat-file", "-t", "1.2.0"]),
        "tag",
        "the local tag is replaced"
    );
}

fn github_tag_routes(api: &MockApi, tag_sha: &str, commit: &str, message: &str) {
    api.on(
        "GET",
        "/repos/acme/api/git/ref/tags/v1.0.0",
        MockResponse::json(
            200,
            json!({"ref": "refs/tags/v1.0.0", "node_id": "REF_1", "url": "https://api.github.com/repos/acme/api/git/refs/tags/v1.0.0",
                   "object": {"sha": tag_sha, "type": "tag", "url": format!("https://api.github.com/repos/acme/api/git/tags/{tag_sha}")}}),
        ),
    );
    api.on(
        "GET",
        &format!("/repos/acme/api/git/tags/{tag_sha}"),
        MockResponse::json(
            200,
            json!({"node_id": "TAG_1", "tag": "v1.0.0", "sha": tag_sha, "url": "https://api.github.com/repos/acme/api/git/tags/x",
                   "message": message,
                   "tagger": {"name": "Octo Cat", "email": "octo@example.org", "date": "2026-02-01T10:00:00Z"},
                   "object": {"type": "commit", "sha": commit, "url": "https://api.github.com/repos/acme/api/git/commits/x"},
                   "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}}),
        ),
    );
}

#[test]
fn falls_back_to_the_github_api_and_retries_a_rate_limit() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    let sha = repo.commit("a.txt", "a", "first");
    repo.tag_lightweight("v1.0.0");
    let api = MockApi::github();
    api.on(
        "GET",
        "/repos/acme/api/git/ref/tags/v1.0.0",
        MockResponse::json(429, json!({"message": "API rate limit exceeded"}))
            .header("Retry-After", "1"),
    );
    github_tag_routes(
        &api,
        "1111111111111111111111111111111111111111",
        &sha,
        "v1.0.0\n\nmeta:series: 2026.1\n",
    );
    let token = "ghs_SECRETtoken0123456789";
    let run = sb
        .relay("read-tag-metadata")
        .args(["--json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REF_TYPE", "tag")
        .env("GITHUB_REF_NAME", "v1.0.0")
        .env("GITHUB_REPOSITORY", "acme/api")
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_TOKEN", token)
        .current_dir(repo.path())
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["series"], "2026.1");
    assert_eq!(out["commit"], sha);
    assert_eq!(out["tagger-name"], "Octo Cat");
    assert_eq!(out["date"], "2026-02-01T10:00:00+00:00");
    let calls = api.requests_to("GET", "/repos/acme/api/git/ref/tags/v1.0.0");
    assert_eq!(calls.len(), 2, "the 429 is retried once");
    assert_eq!(
        calls[1].header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_only_masked(&run, token);
    assert!(run.stderr().contains(&format!("::add-mask::{token}")));
}

#[test]
fn falls_back_to_the_gitlab_api_with_a_job_token() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    let sha = repo.commit("a.txt", "a", "first");
    let api = MockApi::gitlab();
    // The job token may list the tags, not read one by name.
    common::gitlab_tags::serve(
        &api,
        "acme/api",
        vec![
            json!({"name": "v1.0.0", "message": "v1.0.0\n\nmeta:series: 2026.1\nmeta:pypi: no\n",
                   "target": "2222222222222222222222222222222222222222",
                   "commit": {"id": sha, "short_id": &sha[..8], "title": "first", "created_at": "2026-01-15T12:00:00.000+00:00",
                              "parent_ids": [], "message": "first", "author_name": "Release Bot", "author_email": "bot@example.org"},
                   "release": null, "protected": false, "created_at": "2026-02-01T10:00:00.000Z"}),
            json!({"name": "v1.0.0-rc.1", "message": "", "target": sha,
                   "commit": {"id": sha, "short_id": &sha[..8], "title": "first", "created_at": "2026-01-15T12:00:00.000+00:00",
                              "parent_ids": [], "message": "first", "author_name": "Release Bot", "author_email": "bot@example.org"},
                   "release": null, "protected": false, "created_at": null}),
        ],
    );
    let token = "glcbt-SECRET-job-token";
    let run = sb
        .relay("read-tag-metadata")
        .args(["--json", "--require", "pypi"])
        .env("GITLAB_CI", "true")
        .env("CI_COMMIT_TAG", "v1.0.0")
        .env("CI_PROJECT_PATH", "acme/api")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("CI_JOB_TOKEN", token)
        .current_dir(repo.path())
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["series"], "2026.1");
    assert_eq!(out["pypi"], "no");
    assert_eq!(out["commit"], sha);
    assert_eq!(out["date"], "2026-02-01T10:00:00+00:00");
    let call = &api.requests_to("GET", "/api/v4/projects/acme%2Fapi/repository/tags")[0];
    assert_eq!(call.query, "search=%5Ev1.0.0%24");
    assert_eq!(call.header("job-token"), Some(token));
    run.assert_hides(token);
}

#[test]
fn gitlab_tag_message_variable_serves_without_any_network() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    let sha = repo.commit("a.txt", "a", "first");
    let dotenv = sb.path().join("tag.env");
    sb.relay("read-tag-metadata")
        .args(["--dotenv", dotenv.to_str().unwrap()])
        .env("GITLAB_CI", "true")
        .env("CI_COMMIT_TAG", "2.0.0")
        .env("CI_COMMIT_SHA", &sha)
        .env(
            "CI_COMMIT_TAG_MESSAGE",
            "tool 2.0.0 release\n\nmeta:release-type: release\nmeta:series: 2026.1",
        )
        .current_dir(repo.path())
        .run()
        .success();
    let env = parse_dotenv(&std::fs::read_to_string(&dotenv).unwrap());
    assert_eq!(env["TAG"], "2.0.0");
    assert_eq!(env["COMMIT"], sha);
    assert_eq!(env["RELEASE_TYPE"], "release");
    assert_eq!(env["SERIES"], "2026.1");
    assert_eq!(
        dotenv_value(&env, "MESSAGE"),
        "tool 2.0.0 release\n\nmeta:release-type: release\nmeta:series: 2026.1"
    );
}

#[test]
fn a_missing_tag_fails_naming_every_place_searched() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    repo.commit("a.txt", "a", "first");
    let run = sb
        .relay("read-tag-metadata")
        .args(["--tag", "9.9.9"])
        .current_dir(repo.path())
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim(),
        "error: reading tag metadata: tag 9.9.9 not found; searched: the local repository: absent; \
         remote `origin`: not configured"
    );
}

#[test]
fn a_lightweight_tag_has_no_metadata_unless_allowed() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    let sha = repo.commit("a.txt", "a", "first");
    repo.tag_lightweight("v3");
    let run = sb
        .relay("read-tag-metadata")
        .args(["--tag", "v3"])
        .env("GITHUB_ACTIONS", "true")
        .current_dir(repo.path())
        .run()
        .expect_code(1);
    assert!(
        run.stderr()
            .contains("error: reading tag metadata: tag v3 has no annotation, so no metadata"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("::error::reading tag metadata: tag v3 has no annotation")
    );
    assert!(
        run.stderr().contains("the github API: skipped, no token"),
        "{}",
        run.stderr()
    );

    let out = sb
        .relay("read-tag-metadata")
        .args(["--tag", "v3", "--allow-lightweight", "--json"])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert_eq!(out["commit"], sha);
    assert_eq!(out["metadata"], json!({}));
    assert_eq!(out["message"], "");
}

#[test]
fn require_names_every_missing_key() {
    let sb = Sandbox::new();
    let (repo, _) = tagged_repo(&sb, "1.2.0", OPENSTACK_MESSAGE);
    let run = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.2.0", "--require", "series,announce,sbom"])
        .current_dir(repo.path())
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim(),
        "error: reading tag metadata: tag 1.2.0 lacks required metadata: announce, sbom"
    );
}

#[test]
fn usage_errors_exit_2() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    repo.commit("a.txt", "a", "first");
    let run = sb
        .relay("read-tag-metadata")
        .current_dir(repo.path())
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim(),
        "error: reading tag metadata: no tag given: pass --tag, or run in a tag pipeline \
         (GITHUB_REF_TYPE=tag, or CI_COMMIT_TAG)"
    );
    let run = sb
        .relay("read-tag-metadata")
        .args(["--no-such-flag"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .contains("unexpected argument '--no-such-flag'"),
        "{}",
        run.stderr()
    );
    let run = sb
        .relay("read-tag-metadata")
        .args(["--tag", "x", "--forge", "bitbucket"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .contains("invalid value 'bitbucket' for '--forge <FORGE>'"),
        "{}",
        run.stderr()
    );
}

#[test]
fn hostile_metadata_comes_out_as_exactly_one_output_each() {
    let sb = Sandbox::new();
    let message = "evil 1.0 release\n\n\
                   EOF\n\
                   ghadelimiter_00000000000000000000000000000000\n\
                   injected=yes\n\
                   ::set-output name=injected::yes\n\
                   %0Ainjected=yes\n\n\
                   meta:note: a=b ::warning::x %0A <script>alert(1)</script> | cell\n\
                   meta:series: 2026.1\n";
    let (repo, _) = tagged_repo(&sb, "1.0", message);
    let output = sb.path().join("github_output");
    let summary = sb.path().join("summary.md");
    let dotenv = sb.path().join("out.env");
    sb.relay("read-tag-metadata")
        .args(["--tag", "1.0", "--dotenv", dotenv.to_str().unwrap()])
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .current_dir(repo.path())
        .run()
        .success();
    let outputs = parse_github_output(&std::fs::read_to_string(&output).unwrap());
    let names: Vec<&str> = outputs.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "commit",
            "date",
            "message",
            "meta-note",
            "metadata",
            "series",
            "subject",
            "tag",
            "tagger-email",
            "tagger-name"
        ]
    );
    assert_eq!(outputs["message"], message.trim_end());
    assert_eq!(
        outputs["meta-note"],
        "a=b ::warning::x %0A <script>alert(1)</script> | cell"
    );

    let env = parse_dotenv(&std::fs::read_to_string(&dotenv).unwrap());
    assert!(!env.contains_key("INJECTED"));
    assert_eq!(
        env["META_NOTE"],
        "a=b ::warning::x %0A <script>alert(1)</script> | cell"
    );
    assert_eq!(dotenv_value(&env, "MESSAGE"), message.trim_end());

    let markdown = std::fs::read_to_string(summary).unwrap();
    assert!(
        markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| cell"),
        "{markdown}"
    );
    assert!(!markdown.contains("<script>"));
}

#[test]
fn reads_an_ssh_signed_tag_without_its_signature() {
    let sb = Sandbox::new();
    let key = sb.path().join("signing_key");
    let keygen = sb
        .command("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "bot@example.org",
            "-f",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert!(keygen.status.success());
    let repo = sb.repo("work");
    repo.commit("a.txt", "a", "first");
    repo.git(["config", "gpg.format", "ssh"]);
    repo.git(["config", "user.signingkey", key.to_str().unwrap()]);
    repo.git([
        "tag",
        "-s",
        "1.0.0",
        "-m",
        "api 1.0.0 release\n\nmeta:series: 2026.1\n",
    ]);
    assert!(
        repo.git(["cat-file", "tag", "1.0.0"])
            .contains("-----BEGIN SSH SIGNATURE-----")
    );
    let out = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.0.0", "--json"])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert_eq!(out["message"], "api 1.0.0 release\n\nmeta:series: 2026.1");
    assert_eq!(out["metadata"], json!({"series": "2026.1"}));
}

#[test]
fn a_metadata_key_named_like_a_fixed_output_gets_the_prefix() {
    let sb = Sandbox::new();
    let (repo, sha) = tagged_repo(
        &sb,
        "1.0",
        "x 1.0 release\n\nmeta:commit: fake\nmeta:tag: other\n",
    );
    let run = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.0", "--json"])
        .current_dir(repo.path())
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["commit"], sha);
    assert_eq!(out["tag"], "1.0");
    assert_eq!(out["meta-commit"], "fake");
    assert_eq!(out["meta-tag"], "other");
    assert_eq!(out["metadata"]["commit"], "fake");
    assert!(!run.stderr().contains("warning"), "{}", run.stderr());
}

#[test]
fn metadata_never_sets_a_variable_the_platform_git_or_the_tools_use() {
    // A tag (or a merged request's `metadata:`) written to take over the next job:
    // its API URL, git's TLS checks, the shell's start-up file, a tool's input.
    let sb = Sandbox::new();
    let (repo, _) = tagged_repo(
        &sb,
        "1.0",
        "x 1.0 release\n\nmeta:series: 2026.1\n\
         meta:CI_API_V4_URL: https://evil.example/api/v4\n\
         meta:ci-api-v4-url: https://evil.example/api/v4\n\
         meta:GIT_SSL_NO_VERIFY: 1\nmeta:bash-env: /tmp/evil\n\
         meta:INPUT_DRY_RUN: false\nmeta:input-dry-run: false\n\
         meta:Series: 1999.1\nmeta:release:Code-Review+2: Jane <j@x>\n",
    );
    let dotenv = sb.path().join("tag.env");
    let run = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.0", "--dotenv", dotenv.to_str().unwrap()])
        .current_dir(repo.path())
        .run()
        .success();
    let env = parse_dotenv(&std::fs::read_to_string(&dotenv).unwrap());
    let keys: Vec<&str> = env.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "COMMIT",
            "DATE",
            "MESSAGE",
            "METADATA",
            "META_BASH_ENV",
            "META_CI_API_V4_URL",
            "META_INPUT_DRY_RUN",
            "SERIES",
            "SUBJECT",
            "TAG",
            "TAGGER_EMAIL",
            "TAGGER_NAME"
        ]
    );
    assert_eq!(env["SERIES"], "2026.1");
    let stderr = run.stderr();
    assert!(
        stderr.contains(
            "warning: metadata key `Series` has the output name `series` of key `series`; \
             it is only in `metadata`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "warning: metadata keys `CI_API_V4_URL`, `GIT_SSL_NO_VERIFY`, `INPUT_DRY_RUN`, \
             `release:Code-Review+2` are only in `metadata`: an output of its own needs a key \
             of letters, digits and single hyphens"
        ),
        "{stderr}"
    );
}

#[test]
fn refetches_over_authenticated_https_with_the_token_and_never_prints_it() {
    let sb = Sandbox::new();
    let token = "ghs_httpTOKEN_abcdef123456";
    sb.bare_repo("srv/acme/api.git");
    let server =
        common::HttpGitServer::start(&sb.path().join("srv"), Some(("x-access-token", token)));
    let (repo, sha) = tagged_repo(&sb, "1.2.0", OPENSTACK_MESSAGE);
    // The publisher pushes with the same credentials, given the way git takes them.
    let url = server.url("acme/api.git");
    let authed = url.replace("http://", &format!("http://x-access-token:{token}@"));
    repo.git([
        "push",
        "-q",
        &authed,
        "HEAD:refs/heads/main",
        "refs/tags/1.2.0",
    ]);

    let ci = sb.repo("ci");
    ci.git(["fetch", "-q", &authed, "refs/heads/main"]);
    ci.git(["tag", "1.2.0", &sha]);
    ci.git(["remote", "add", "origin", &url]);

    let run = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.2.0", "--json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_TOKEN", token)
        .current_dir(ci.path())
        .run()
        .success();
    assert_eq!(run.json()["series"], "2026.1");
    assert!(
        run.stderr()
            .contains(&format!("searched remote `origin` ({url}): annotated")),
        "{}",
        run.stderr()
    );
    assert_only_masked(&run, token);

    // Without the token the remote refuses, and the message says so without secrets.
    ci.git(["tag", "-f", "1.2.0", &sha]);
    let run = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.2.0", "--forge", "git"])
        .current_dir(ci.path())
        .run()
        .expect_code(1);
    assert!(
        run.stderr()
            .contains(&format!("remote `origin` ({url}): unreachable")),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_dotenv_report_keeps_to_gitlab_s_limit_of_20_variables() {
    // GitLab refuses the upload of a bigger report (400) and fails the job: the report
    // keeps the first 20 outputs, names the rest, and --json still has them all.
    let sb = Sandbox::new();
    let keys: String = (0..15)
        .map(|i| format!("meta:key-{i:02}: v{i}\n"))
        .collect();
    let (repo, _) = tagged_repo(&sb, "1.0", &format!("x 1.0 release\n\n{keys}"));
    let dotenv = sb.path().join("tag.env");
    let run = sb
        .relay("read-tag-metadata")
        .args([
            "--tag",
            "1.0",
            "--json",
            "--dotenv",
            dotenv.to_str().unwrap(),
        ])
        .current_dir(repo.path())
        .run()
        .success();
    let report = std::fs::read_to_string(&dotenv).unwrap();
    assert_eq!(report.lines().count(), 20, "{report}");
    let env = parse_dotenv(&report);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let all: Vec<String> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| relay::ci::outputs::dotenv_key(k))
        .collect();
    assert!(all.len() > 20, "{all:?}");
    let left_out: Vec<&String> = all.iter().filter(|k| !env.contains_key(*k)).collect();
    assert_eq!(left_out.len(), all.len() - 20, "{left_out:?}");
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "{} holds GitLab's limit of 20 variables; left out: ",
            dotenv.display()
        )),
        "{stderr}"
    );
}
