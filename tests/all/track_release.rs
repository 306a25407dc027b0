//! track-release: a release tracked on an issue, through the real binary against the
//! GitHub and GitLab mocks — open, record, status, wait-for, phases and sign-offs,
//! abandon, and every refusal.

use crate::common::github_releases::{GhRelease, gh_release_json};
use crate::common::github_shapes as gh;
use crate::common::issues::{BOT, Issues};
use crate::common::outputs::parse_github_output;
use crate::common::{MockApi, MockResponse, Relay, Sandbox};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_TRACK_SECRET_0123";
const GL_TOKEN: &str = "glpat-TRACK-SECRET-0123";
const REPO: &str = "acme/go";
const RELEASE: &str = "go-2026-01-15";
const VERSIONS: [&str; 3] = ["1.17.8-1", "1.17.8-1-fips", "1.18.0-1"];

/// The release of Microsoft's Go pipelines: a build per version through its
/// checkpoints, then steps of the whole release; Mozilla's phases with sign-offs.
const CONFIG: &str = r#"[track]
writers = ["ci-bot"]

[[track.step]]
name = "build"
checkpoints = ["pr", "merge-commit", "build-id", "images-pr"]

[[track.step]]
name = "publish"
once = true

[[track.phase]]
name = "promote"

[[track.phase]]
name = "push"

[[track.phase]]
name = "ship"
signoffs = [{ team = "acme/release", count = 2 }]
"#;

struct Forge {
    api: MockApi,
    issues: Issues,
    gitlab: bool,
}

impl Forge {
    fn github() -> Forge {
        let api = MockApi::github();
        let issues = Issues::github(&api, REPO);
        Forge {
            api,
            issues,
            gitlab: false,
        }
    }

    fn gitlab() -> Forge {
        let api = MockApi::gitlab();
        let issues = Issues::gitlab(&api, REPO);
        Forge {
            api,
            issues,
            gitlab: true,
        }
    }

    fn writes(&self) -> usize {
        self.api
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .count()
    }
}

fn setup(config: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.write("relay.toml", config);
    sb
}

/// A track-release run in the sandbox, as a job of the forge's CI.
fn tool(sb: &Sandbox, f: &Forge, command: &str, args: &[&str]) -> Relay {
    let relay = sb
        .relay("track-release")
        .current_dir(sb.path())
        .arg(command)
        .args(["--repo", REPO, "--json"])
        .args(args);
    if f.gitlab {
        relay
            .env("GITLAB_CI", "true")
            .env("CI_API_V4_URL", format!("{}/api/v4", f.api.url()))
            .env("CI_SERVER_URL", "https://gitlab.example.com")
            .env("GITLAB_TOKEN", GL_TOKEN)
    } else {
        relay
            .args(["--forge", "github", "--api-url", &f.api.url()])
            .env("GITHUB_TOKEN", TOKEN)
    }
}

fn open(sb: &Sandbox, f: &Forge) -> Value {
    let mut args = vec!["--release", RELEASE, "--subject-issues"];
    for v in VERSIONS {
        args.extend(["--subject", v]);
    }
    let run = tool(sb, f, "open", &args).run().success();
    run.assert_hides(TOKEN).assert_hides(GL_TOKEN);
    run.json()
}

fn record(sb: &Sandbox, f: &Forge, args: &[&str]) -> Value {
    let mut all = vec!["--release", RELEASE];
    all.extend(args);
    tool(sb, f, "record", &all).run().success().json()
}

fn status(sb: &Sandbox, f: &Forge, args: &[&str]) -> Value {
    let mut all = vec!["--release", RELEASE];
    all.extend(args);
    tool(sb, f, "status", &all).run().success().json()
}

#[test]
fn open_creates_the_release_and_version_issues_linked_and_finds_them_again() {
    let sb = setup(CONFIG);
    let f = Forge::github();
    let opened = open(&sb, &f);
    assert_eq!(opened["action"], "created");
    assert_eq!(opened["issue"], "1");
    assert_eq!(opened["url"], "https://github.com/acme/go/issues/1");
    assert_eq!(opened["release"], RELEASE);
    let subjects: Value = serde_json::from_str(opened["subject-issues"].as_str().unwrap()).unwrap();
    assert_eq!(
        subjects,
        json!({"1.17.8-1": 2, "1.17.8-1-fips": 3, "1.18.0-1": 4})
    );
    let issues = f.issues.issues();
    assert_eq!(issues.len(), 4);
    assert!(issues.iter().all(|i| i.labels == ["release-tracking"]));
    assert_eq!(issues[0].title, "Release go-2026-01-15");
    assert_eq!(issues[3].title, "1.18.0-1 (release go-2026-01-15)");
    // The release's table links each version's issue; each version's issue links the
    // release and its siblings.
    let main = &issues[0].body;
    assert!(
        main.starts_with(
            "<!-- release-relay:track release=go-2026-01-15 -->\n## Release go-2026-01-15"
        ),
        "{main}"
    );
    for (n, v) in [(2, VERSIONS[0]), (3, VERSIONS[1]), (4, VERSIONS[2])] {
        assert!(main.contains(&format!("{v} (#{n})")), "{main}");
        let body = &f.issues.issue(n).body;
        assert!(
            body.contains(&format!(
                "<!-- release-relay:track release=go-2026-01-15 subject={v} -->"
            )),
            "{body}"
        );
        assert!(body.contains("#1"), "{body}");
        for other in [2, 3, 4].iter().filter(|o| **o != n) {
            assert!(
                body.contains(&format!("#{other}")),
                "#{n} links #{other}: {body}"
            );
        }
    }
    assert!(main.contains("`build`"), "{main}");
    assert!(main.contains("⌛ pending"), "{main}");
    assert!(main.contains("### Phases"), "{main}");
    assert!(main.contains("2 of acme/release"), "{main}");

    // The same open again (a re-run of the start pipeline): found, nothing written.
    let before = f.writes();
    let again = open(&sb, &f);
    assert_eq!(again["action"], "found");
    assert_eq!(again["issue"], "1");
    assert_eq!(again["subject-issues"], opened["subject-issues"]);
    assert_eq!(f.writes(), before, "a second open writes nothing");
    assert_eq!(f.issues.issues().len(), 4);

    // The dry run of a new release writes nothing and says what it would do.
    let run = tool(
        &sb,
        &f,
        "open",
        &["--release", "go-2026-02-01", "--dry-run"],
    )
    .run()
    .success();
    assert_eq!(run.json()["action"], "created");
    assert!(
        run.stderr()
            .contains("dry run: would open the tracking issue of release go-2026-02-01"),
        "{}",
        run.stderr()
    );
    assert_eq!(f.writes(), before);
}

#[test]
fn records_render_the_table_and_status_resumes_from_the_furthest_checkpoint() {
    let sb = setup(CONFIG);
    let f = Forge::github();
    open(&sb, &f);
    let v = VERSIONS[2];
    let out = record(
        &sb,
        &f,
        &[
            "--step",
            "build",
            "--subject",
            v,
            "--state",
            "running",
            "--checkpoint",
            "pr=12",
            "--link",
            "pr=https://github.com/acme/go-images/pull/12",
            "--job-url",
            "https://github.com/acme/go/actions/runs/77",
        ],
    );
    assert_eq!(out["state"], "running");
    assert_eq!(out["resume-from"], "pr");
    assert_eq!(out["failure-comment"], "");
    assert!(
        out["entry-url"]
            .as_str()
            .unwrap()
            .starts_with("https://github.com/acme/go/issues/1#issuecomment-"),
        "{out}"
    );
    record(
        &sb,
        &f,
        &[
            "--step",
            "build",
            "--subject",
            v,
            "--state",
            "running",
            "--checkpoint",
            "merge-commit=4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        ],
    );
    let body = f.issues.issue(1).body;
    assert!(
        body.contains("🏃 running at `merge-commit`"),
        "the cell shows where the step stands: {body}"
    );
    assert!(
        body.contains("[job](https://github.com/acme/go/actions/runs/77)"),
        "{body}"
    );
    assert!(
        body.contains("[pr](https://github.com/acme/go-images/pull/12)"),
        "{body}"
    );

    // The re-run of the build job reads where it stopped: no form, no copied values.
    let st = status(&sb, &f, &["--step", "build", "--subject", v]);
    assert_eq!(st["state"], "running");
    assert_eq!(st["resume-from"], "merge-commit");
    assert_eq!(st["next"], "build-id");
    assert_eq!(st["checkpoint-pr"], "12");
    assert_eq!(
        st["checkpoint-merge-commit"],
        "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    );
    assert_eq!(st["checkpoint-build-id"], "");
    assert_eq!(st["checkpoint-images-pr"], "");
    assert_eq!(st["job-url"], "https://github.com/acme/go/actions/runs/77");

    // The whole release: what is left, one step per line; the pipeline's output file.
    for s in &VERSIONS[..2] {
        record(
            &sb,
            &f,
            &["--step", "build", "--subject", s, "--state", "done"],
        );
    }
    let output = sb.path().join("github_output");
    let run = tool(&sb, &f, "status", &["--release", RELEASE])
        .env("GITHUB_OUTPUT", &output)
        .run()
        .success();
    let st = run.json();
    assert_eq!(st["complete"], false);
    assert_eq!(st["left"], "build 1.18.0-1 running\npublish - pending");
    assert_eq!(st["failed"], "");
    assert_eq!(st["issue"], "1");
    assert_eq!(
        serde_json::from_str::<Value>(st["phases"].as_str().unwrap()).unwrap(),
        json!({"promote": "pending", "push": "pending", "ship": "pending"})
    );
    let steps: Value = serde_json::from_str(st["steps"].as_str().unwrap()).unwrap();
    assert_eq!(steps.as_array().unwrap().len(), 4);
    let outputs = parse_github_output(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(outputs["left"], "build 1.18.0-1 running\npublish - pending");
    assert_eq!(outputs["complete"], "false");

    // The last steps: complete.
    record(
        &sb,
        &f,
        &[
            "--step",
            "build",
            "--subject",
            v,
            "--state",
            "done",
            "--checkpoint",
            "build-id=9876",
            "--checkpoint",
            "images-pr=31",
        ],
    );
    record(
        &sb,
        &f,
        &[
            "--step",
            "publish",
            "--state",
            "done",
            "--link",
            "release=https://github.com/acme/go/releases/tag/v1.18.0-1",
        ],
    );
    let st = status(&sb, &f, &[]);
    assert_eq!(st["complete"], true);
    assert_eq!(st["left"], "");
    let body = f.issues.issue(1).body;
    assert_eq!(body.matches("✅ done").count(), 4, "{body}");
    // Each version's own issue shows its row.
    let own = f.issues.issue(4).body;
    assert!(own.contains("✅ done"), "{own}");
}

#[test]
fn a_failure_comments_once_with_the_rerun_and_a_later_success_edits_that_comment() {
    let sb = setup(CONFIG);
    let f = Forge::github();
    open(&sb, &f);
    let v = VERSIONS[0];
    record(
        &sb,
        &f,
        &[
            "--step",
            "build",
            "--subject",
            v,
            "--state",
            "running",
            "--checkpoint",
            "pr=12",
            "--checkpoint",
            "merge-commit=abc123",
        ],
    );
    let failed = |message: &str| {
        tool(
            &sb,
            &f,
            "record",
            &[
                "--release",
                RELEASE,
                "--step",
                "build",
                "--subject",
                v,
                "--state",
                "failed",
                "--message",
                message,
            ],
        )
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_RUN_ID", "4242")
        .run()
        .success()
        .json()
    };
    let out = failed("the official build timed out");
    assert_eq!(out["state"], "failed");
    assert_eq!(out["resume-from"], "merge-commit");
    assert_eq!(out["failure-comment"], "created");
    let url = out["failure-comment-url"].as_str().unwrap().to_string();
    let id: u64 = url.rsplit('-').next().unwrap().parse().unwrap();
    let note = |id: u64| {
        f.issues
            .comments(1)
            .into_iter()
            .find(|c| c.id == id)
            .unwrap()
            .body
    };
    let text = note(id);
    assert!(
        text.starts_with("❌ **`build`** of **1.17.8-1** failed: the official build timed out"),
        "{text}"
    );
    assert!(
        text.contains("- Job: https://github.com/acme/go/actions/runs/4242"),
        "{text}"
    );
    assert!(
        text.contains("`merge-commit`"),
        "names the checkpoint: {text}"
    );
    assert!(text.contains("abc123"), "{text}");
    assert!(
        text.contains("gh run rerun 4242 --failed --repo acme/go"),
        "the exact re-run: {text}"
    );

    // The same step failing again: the same comment, edited — not a second one.
    let out = failed("the official build failed");
    assert_eq!(out["failure-comment"], "updated");
    assert_eq!(out["failure-comment-url"], url);
    let failure_notes = || {
        f.issues
            .comments(1)
            .iter()
            .filter(|c| c.body.contains("track-failure/build/"))
            .count()
    };
    assert_eq!(failure_notes(), 1);
    assert!(note(id).contains("the official build failed"));

    // The re-run succeeds: the comment says so.
    let out = record(
        &sb,
        &f,
        &[
            "--step",
            "build",
            "--subject",
            v,
            "--state",
            "done",
            "--checkpoint",
            "build-id=9876",
        ],
    );
    assert_eq!(out["failure-comment"], "resolved");
    assert_eq!(out["failure-comment-url"], url);
    assert_eq!(failure_notes(), 1);
    let text = note(id);
    assert!(!text.starts_with("❌"), "{text}");
    assert!(text.contains("✅"), "{text}");
}

#[test]
fn parallel_writers_lose_no_update() {
    let sb = setup(
        "[track]\n[[track.step]]\nname = \"build\"\ncheckpoints = [\"build-id\"]\n\
         [[track.step]]\nname = \"test\"\n",
    );
    let f = Forge::github();
    let subjects: Vec<String> = (1..=4).map(|i| format!("1.2{i}.0")).collect();
    let mut args = vec!["--release", RELEASE];
    for s in &subjects {
        args.extend(["--subject", s.as_str()]);
    }
    tool(&sb, &f, "open", &args).run().success();
    // A round trip of a remote API, so the writers' reads and writes interleave.
    f.api.set_latency(std::time::Duration::from_millis(3));
    let mut children = Vec::new();
    for (i, s) in subjects.iter().enumerate() {
        for step in ["build", "test"] {
            let mut args = vec![
                "--release",
                RELEASE,
                "--step",
                step,
                "--subject",
                s,
                "--state",
                "done",
            ];
            let id = format!("build-id={}", 100 + i);
            if step == "build" {
                args.extend(["--checkpoint", id.as_str()]);
            }
            let mut cmd = tool(&sb, &f, "record", &args).cmd;
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            children.push(cmd.spawn().unwrap());
        }
    }
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    f.api.set_latency(std::time::Duration::ZERO);
    let st = status(&sb, &f, &[]);
    assert_eq!(st["complete"], true, "{st}");
    let steps: Value = serde_json::from_str(st["steps"].as_str().unwrap()).unwrap();
    for (i, s) in subjects.iter().enumerate() {
        let build = steps
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["step"] == "build" && x["subject"] == s.as_str())
            .unwrap();
        assert_eq!(build["checkpoints"]["build-id"], (100 + i).to_string());
    }
    // The body the last writer left holds every writer's update.
    let body = f.issues.issue(1).body;
    assert_eq!(body.matches("✅ done").count(), 8, "{body}");
    assert_eq!(f.issues.comments(1).len(), 1 + 8, "one entry per report");
}

/// Serves a URL that answers `status`.
fn page(status: u16) -> MockApi {
    let site = MockApi::start();
    site.on(
        "GET",
        "/download/go1.18.0.tar.gz",
        MockResponse::bytes(status, "application/gzip", b"go".to_vec()),
    );
    site
}

#[test]
fn wait_for_checks_once_or_polls_until_a_timeout_and_records_what_it_learnt() {
    let sb = setup(CONFIG);
    let f = Forge::github();
    open(&sb, &f);
    let v = VERSIONS[2];

    // A tag not there yet: one look, pending, exit 0 — the event-driven form.
    let wait = |args: &[&str]| tool(&sb, &f, "wait-for", args).run();
    let run = wait(&["--tag", "v1.18.0-1", "--check"]).success();
    let out = run.json();
    assert_eq!(out["met"], false);
    assert_eq!(out["state"], "pending");
    assert_eq!(out["looks"], 1);
    assert!(run.stderr().contains("pending: "), "{}", run.stderr());

    // Polling a tag that never comes: bounded, several looks, exit 1, and the step's
    // failure on the tracking issue.
    let run = wait(&[
        "--tag",
        "v1.18.0-1",
        "--poll",
        "--timeout",
        "300ms",
        "--interval",
        "40ms",
        "--release",
        RELEASE,
        "--step",
        "build",
        "--subject",
        v,
    ])
    .expect_code(1);
    let out = run.json();
    assert_eq!(out["met"], false);
    assert_eq!(out["state"], "timed-out");
    assert!(out["looks"].as_u64().unwrap() >= 2, "{out}");
    assert!(
        run.stderr().contains("timed out after 300ms"),
        "{}",
        run.stderr()
    );
    let st = status(&sb, &f, &["--step", "build", "--subject", v]);
    assert_eq!(st["state"], "failed");
    assert!(
        f.issues
            .comments(1)
            .iter()
            .any(|c| c.body.contains("still pending after 300ms")),
        "the timeout comments on the tracking issue"
    );

    // The tag appears: met, its commit the value.
    let commit = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    f.api.on(
        "GET",
        "/repos/acme/go/git/ref/tags/v1.18.0-1",
        MockResponse::json(
            200,
            gh::git_ref(REPO, "refs/tags/v1.18.0-1", commit, "commit"),
        ),
    );
    let out = wait(&["--tag", "v1.18.0-1", "--check"]).success().json();
    assert_eq!(out["met"], true);
    assert_eq!(out["state"], "met");
    assert_eq!(out["value"], commit);

    // A pull request merged: its merge commit, recorded as the step's checkpoint.
    let mut pr = gh::pull_request(
        REPO,
        12,
        &json!("Go 1.18.0-1"),
        &json!(""),
        "release/1.18.0-1",
        "main",
    );
    f.api.on(
        "GET",
        "/repos/acme/go/pulls/12",
        MockResponse::json(200, pr.clone()),
    );
    pr["state"] = "closed".into();
    pr["merged"] = true.into();
    pr["merged_at"] = gh::DATE.into();
    pr["closed_at"] = gh::DATE.into();
    pr["merge_commit_sha"] = commit.into();
    f.api.on(
        "GET",
        "/repos/acme/go/pulls/12",
        MockResponse::json(200, pr),
    );
    let out = wait(&["--merged", "12", "--check"]).success().json();
    assert_eq!(
        (out["met"].clone(), out["state"].clone()),
        (json!(false), json!("pending"))
    );
    let out = wait(&[
        "--merged",
        "12",
        "--check",
        "--release",
        RELEASE,
        "--step",
        "build",
        "--subject",
        v,
        "--record-as",
        "merge-commit",
    ])
    .success()
    .json();
    assert_eq!(out["met"], true);
    assert_eq!(out["merge-commit"], commit);
    assert_eq!(out["url"], "https://github.com/acme/go/pull/12");
    let st = status(&sb, &f, &["--step", "build", "--subject", v]);
    assert_eq!(st["state"], "running");
    assert_eq!(st["checkpoint-merge-commit"], commit);
    assert_eq!(st["resume-from"], "merge-commit");

    // A release published for a tag.
    let out = wait(&["--release-of", "v1.18.0-1", "--check"])
        .success()
        .json();
    assert_eq!(out["state"], "pending");
    let release = GhRelease {
        id: 3,
        tag: "v1.18.0-1".into(),
        name: "Go 1.18.0-1".into(),
        body: String::new(),
        draft: false,
        prerelease: false,
        make_latest: None,
        immutable: false,
        assets: Vec::new(),
    };
    let mut published = gh_release_json(&f.api.url(), &release);
    published["html_url"] = "https://github.com/acme/go/releases/tag/v1.18.0-1".into();
    published["url"] = format!("{}/repos/acme/go/releases/3", gh::API).into();
    published["assets_url"] = format!("{}/repos/acme/go/releases/3/assets", gh::API).into();
    published["upload_url"] =
        "https://uploads.github.com/repos/acme/go/releases/3/assets{?name,label}".into();
    f.api.on(
        "GET",
        "/repos/acme/go/releases/tags/v1.18.0-1",
        MockResponse::json(200, published),
    );
    f.api.on(
        "GET",
        "/repos/acme/go/releases/3/assets",
        MockResponse::json(200, json!([])),
    );
    let out = wait(&["--release-of", "v1.18.0-1", "--check"])
        .success()
        .json();
    assert_eq!(out["met"], true);
    assert_eq!(
        out["value"],
        "https://github.com/acme/go/releases/tag/v1.18.0-1"
    );

    // A URL answering 200 (and one that does not, yet).
    let missing = page(404);
    let url = format!("{}/download/go1.18.0.tar.gz", missing.url());
    let out = wait(&["--url", &url, "--check"]).success().json();
    assert_eq!(out["state"], "pending");
    assert!(out["detail"].as_str().unwrap().contains("404"), "{out}");
    let there = page(200);
    let url = format!("{}/download/go1.18.0.tar.gz", there.url());
    let out = wait(&[
        "--url",
        &url,
        "--poll",
        "--timeout",
        "2s",
        "--interval",
        "10ms",
    ])
    .success()
    .json();
    assert_eq!(out["met"], true);
    assert_eq!(out["looks"], 1);
}

#[test]
fn wait_for_green_reads_the_commit_s_checks() {
    let sb = setup(CONFIG);
    let f = Forge::github();
    let sha = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    let runs = |conclusion: Option<&str>| {
        let state = if conclusion.is_some() {
            "completed"
        } else {
            "queued"
        };
        let run = gh::check_run(REPO, 1, sha, "build", state, conclusion);
        json!({"total_count": 1, "check_runs": [run]})
    };
    f.api.on(
        "GET",
        &format!("/repos/acme/go/commits/{sha}/check-runs"),
        MockResponse::json(200, runs(None)),
    );
    f.api.on(
        "GET",
        &format!("/repos/acme/go/commits/{sha}/status"),
        MockResponse::json(200, gh::combined_status(REPO, sha, vec![], 0)),
    );
    let out = tool(
        &sb,
        &f,
        "wait-for",
        &["--green", sha, "--check", "--require-job", "build"],
    )
    .run()
    .success()
    .json();
    assert_eq!(out["state"], "pending", "{out}");
    let f2 = Forge::github();
    f2.api.on(
        "GET",
        &format!("/repos/acme/go/commits/{sha}/check-runs"),
        MockResponse::json(200, runs(Some("success"))),
    );
    f2.api.on(
        "GET",
        &format!("/repos/acme/go/commits/{sha}/status"),
        MockResponse::json(200, gh::combined_status(REPO, sha, vec![], 0)),
    );
    let out = tool(
        &sb,
        &f2,
        "wait-for",
        &["--green", sha, "--check", "--require-job", "build"],
    )
    .run()
    .success()
    .json();
    assert_eq!(out["met"], true, "{out}");
    assert_eq!(out["value"], sha);
}

/// `--phase` options of `start`, on the release.
fn start(sb: &Sandbox, f: &Forge, phase: &str, extra: &[&str]) -> Relay {
    let mut args = vec!["--release", RELEASE, "--phase", phase];
    args.extend(extra);
    tool(sb, f, "start", &args)
}

#[test]
fn a_phase_starts_on_its_last_sign_off_by_team_members_only_and_once() {
    let sb = setup(CONFIG);
    let f = Forge::github();
    f.issues.add_member("acme/release", "alice");
    f.issues.add_member("acme/release", "bob");
    f.issues.add_member("acme/release", "ci-bot");
    f.issues.add_member("acme/release", BOT);
    open(&sb, &f);
    let writes = f.writes();

    // Too early: refused, naming who is still needed; nothing written.
    let run = start(&sb, &f, "ship", &[]).run().expect_code(1);
    assert!(
        run.stderr().contains("2 more of acme/release"),
        "{}",
        run.stderr()
    );
    assert_eq!(f.writes(), writes);

    // Sign-offs that do not count: a non-member, the release's writers (its opener and
    // a configured writer, members or not), and a second sign-off of the same person.
    f.issues.comment_as(1, "mallory", "/signoff ship");
    f.issues.comment_as(1, BOT, "/signoff ship");
    f.issues.comment_as(1, "ci-bot", "/signoff ship");
    f.issues.comment_as(1, "alice", "/signoff ship");
    f.issues.comment_as(1, "alice", "/signoff ship\nreally");
    f.issues.comment_as(1, "bob", "/signoff push");
    let out = start(&sb, &f, "ship", &["--if-ready"])
        .run()
        .success()
        .json();
    assert_eq!(out["started"], false);
    assert_eq!(out["signed-off"], "alice");
    assert_eq!(out["missing"], "1 more of acme/release");
    assert!(
        out["waiting"]
            .as_str()
            .unwrap()
            .contains("1 more of acme/release"),
        "{out}"
    );
    let out = tool(
        &sb,
        &f,
        "wait-for",
        &["--signoffs", "ship", "--check", "--release", RELEASE],
    )
    .run()
    .success()
    .json();
    assert_eq!(out["met"], false);
    assert_eq!(out["state"], "pending");
    assert_eq!(f.writes(), writes, "a phase that waits writes nothing");

    // The last sign-off arrives (the issue_comment event runs start --if-ready).
    f.issues.comment_as(1, "bob", "/signoff ship");
    let out = tool(
        &sb,
        &f,
        "wait-for",
        &["--signoffs", "ship", "--check", "--release", RELEASE],
    )
    .run()
    .success()
    .json();
    assert_eq!(out["met"], true);
    let run = start(&sb, &f, "ship", &["--if-ready"])
        .env("GITHUB_ACTOR", "bob")
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["started"], true);
    assert_eq!(out["phase"], "ship");
    assert_eq!(out["signed-off"], "alice,bob");
    assert_eq!(
        out["skipped"], "promote,push",
        "earlier phases not started are skipped"
    );
    assert_eq!(out["missing"], "");
    let st = status(&sb, &f, &[]);
    assert_eq!(
        serde_json::from_str::<Value>(st["phases"].as_str().unwrap()).unwrap(),
        json!({"promote": "skipped", "push": "skipped", "ship": "started"})
    );
    let body = f.issues.issue(1).body;
    assert!(body.contains("✅ started by bob"), "{body}");
    assert!(body.contains("alice (acme/release)"), "{body}");

    // Never twice: refused (exit 1), and reported, not failed, on the next event.
    let writes = f.writes();
    let run = start(&sb, &f, "ship", &[]).run().expect_code(1);
    assert!(run.stderr().contains("already started"), "{}", run.stderr());
    let out = start(&sb, &f, "ship", &["--if-ready"])
        .run()
        .success()
        .json();
    assert_eq!(out["started"], false);
    assert!(
        out["waiting"].as_str().unwrap().contains("already started"),
        "{out}"
    );
    // A skipped phase cannot start later.
    let run = start(&sb, &f, "push", &[]).run().expect_code(1);
    assert!(run.stderr().contains("skipped"), "{}", run.stderr());
    assert_eq!(f.writes(), writes, "refusals write nothing");

    // An unknown phase is bad input.
    let run = start(&sb, &f, "deploy", &[]).run().expect_code(2);
    assert!(
        run.stderr().contains("promote, push, ship"),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_abandoned_release_refuses_every_later_step() {
    let sb = setup(CONFIG);
    let f = Forge::github();
    open(&sb, &f);
    record(
        &sb,
        &f,
        &[
            "--step",
            "build",
            "--subject",
            VERSIONS[0],
            "--state",
            "done",
        ],
    );
    start(&sb, &f, "promote", &[]).run().success();
    let out = tool(
        &sb,
        &f,
        "abandon",
        &[
            "--release",
            RELEASE,
            "--reason",
            "a security fix supersedes it",
        ],
    )
    .env("GITHUB_ACTOR", "carol")
    .run()
    .success()
    .json();
    assert_eq!(out["abandoned"], true);
    assert_eq!(out["cancelled-phases"], "push,ship");
    let body = f.issues.issue(1).body;
    assert!(body.contains("**Abandoned** by carol"), "{body}");
    assert!(body.contains("a security fix supersedes it"), "{body}");
    assert!(body.contains("🚫"), "pending steps are cancelled: {body}");
    let st = status(&sb, &f, &[]);
    assert_eq!(st["abandoned"], true);
    assert_eq!(st["complete"], false);

    let writes = f.writes();
    let run = tool(
        &sb,
        &f,
        "record",
        &[
            "--release",
            RELEASE,
            "--step",
            "build",
            "--subject",
            VERSIONS[1],
            "--state",
            "running",
        ],
    )
    .run()
    .expect_code(1);
    assert!(run.stderr().contains("abandoned"), "{}", run.stderr());
    let run = start(&sb, &f, "ship", &[]).run().expect_code(1);
    assert!(run.stderr().contains("abandoned"), "{}", run.stderr());
    let run = tool(
        &sb,
        &f,
        "wait-for",
        &["--tag", "v1", "--check", "--release", RELEASE],
    )
    .run()
    .expect_code(1);
    assert!(run.stderr().contains("abandoned"), "{}", run.stderr());
    let run = tool(&sb, &f, "abandon", &["--release", RELEASE])
        .run()
        .expect_code(1);
    assert!(
        run.stderr().contains("already abandoned by carol"),
        "{}",
        run.stderr()
    );
    assert_eq!(f.writes(), writes, "nothing written after the abandon");
}

#[test]
fn bad_input_is_exit_2_with_its_place_and_writes_nothing() {
    let f = Forge::github();
    // A bad [track] section: the file, line and column.
    let sb = setup("[track]\n[[track.step]]\nname = \"Build Me\"\n");
    let run = tool(&sb, &f, "open", &["--release", RELEASE])
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .contains("relay.toml:3:8: step name `Build Me` must be lower-case"),
        "{}",
        run.stderr()
    );
    let sb = setup("[track]\nlabel = 3\n");
    let run = tool(&sb, &f, "open", &["--release", RELEASE])
        .run()
        .expect_code(2);
    assert!(run.stderr().contains("relay.toml:2:"), "{}", run.stderr());
    assert_eq!(f.writes(), 0);

    let sb = setup(CONFIG);
    open(&sb, &f);
    let writes = f.writes();
    let cases: [(&[&str], &str); 6] = [
        (
            &[
                "record",
                "--step",
                "deploy",
                "--subject",
                "1.18.0-1",
                "--state",
                "done",
            ],
            "the release does not declare step `deploy` (its steps: build, publish)",
        ),
        (
            &[
                "record",
                "--step",
                "build",
                "--subject",
                "1.19.0-1",
                "--state",
                "done",
            ],
            "the release has no subject `1.19.0-1` (its subjects: 1.17.8-1, 1.17.8-1-fips, 1.18.0-1)",
        ),
        (
            &[
                "record",
                "--step",
                "build",
                "--subject",
                "1.18.0-1",
                "--state",
                "done",
                "--checkpoint",
                "image=3",
            ],
            "step `build` declares no checkpoint `image` (its checkpoints: pr, merge-commit, build-id, images-pr)",
        ),
        (
            &["record", "--step", "build", "--state", "done"],
            "step `build` runs for each subject: pass --subject",
        ),
        (
            &[
                "record",
                "--step",
                "publish",
                "--subject",
                "1.18.0-1",
                "--state",
                "done",
            ],
            "step `publish` runs once for the whole release: leave out --subject",
        ),
        (
            &["status", "--step", "deploy"],
            "the release does not declare step `deploy`",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec![args[0], "--release", RELEASE];
        all.extend(&args[1..]);
        let run = tool(&sb, &f, all[0], &all[1..]).run().expect_code(2);
        assert!(run.stderr().contains(message), "{args:?}: {}", run.stderr());
    }
    let run = tool(
        &sb,
        &f,
        "record",
        &[
            "--release",
            RELEASE,
            "--step",
            "build",
            "--subject",
            "1.18.0-1",
            "--state",
            "done",
            "--checkpoint",
            "pr",
        ],
    )
    .run()
    .expect_code(2);
    assert!(
        run.stderr()
            .contains("--checkpoint `pr`: expected NAME=VALUE"),
        "{}",
        run.stderr()
    );
    let run = tool(
        &sb,
        &f,
        "wait-for",
        &["--tag", "v1", "--poll", "--timeout", "soon"],
    )
    .run()
    .expect_code(2);
    assert!(
        run.stderr().contains("--timeout `soon`"),
        "{}",
        run.stderr()
    );
    // A release never opened; an issue that holds no record.
    let run = tool(&sb, &f, "status", &["--release", "go-2027-01-01"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr().contains(
            "no tracking issue of release go-2027-01-01 in acme/go (labelled release-tracking)"
        ),
        "{}",
        run.stderr()
    );
    let other = f.issues.open_as(
        "mallory",
        "Release go-2026-01-15",
        "<!-- release-relay:track release=go-2026-01-15 -->",
        &[],
    );
    let run = tool(&sb, &f, "status", &["--issue", &other.to_string()])
        .run()
        .expect_code(1);
    assert!(
        run.stderr()
            .contains("is no tracking issue of release-relay"),
        "{}",
        run.stderr()
    );
    assert_eq!(f.writes(), writes, "nothing written");
}

#[test]
fn on_gitlab_issues_notes_and_group_members_carry_the_release() {
    let sb = setup(CONFIG);
    let f = Forge::gitlab();
    f.issues.add_member("acme/release", "alice");
    f.issues.add_member("acme/release", "bob");
    let opened = open(&sb, &f);
    assert_eq!(opened["action"], "created");
    assert_eq!(
        opened["url"],
        "https://gitlab.example.com/acme/go/-/issues/1"
    );
    assert_eq!(f.issues.issues().len(), 4);
    let again = open(&sb, &f);
    assert_eq!(again["action"], "found");
    assert_eq!(f.issues.issues().len(), 4);

    let out = tool(
        &sb,
        &f,
        "record",
        &[
            "--release",
            RELEASE,
            "--step",
            "build",
            "--subject",
            VERSIONS[1],
            "--state",
            "failed",
            "--checkpoint",
            "pr=5",
        ],
    )
    .env("CI_JOB_ID", "991")
    .env(
        "CI_JOB_URL",
        "https://gitlab.example.com/acme/go/-/jobs/991",
    )
    .run()
    .success()
    .json();
    assert_eq!(out["failure-comment"], "created");
    let failure = f
        .issues
        .comments(1)
        .into_iter()
        .find(|c| c.body.contains("track-failure/"))
        .unwrap();
    assert!(
        failure.body.contains("glab ci retry 991 --repo acme/go"),
        "{}",
        failure.body
    );
    assert!(
        out["failure-comment-url"]
            .as_str()
            .unwrap()
            .starts_with("https://gitlab.example.com/acme/go/-/issues/1#note_"),
        "{out}"
    );
    let st = status(&sb, &f, &["--step", "build", "--subject", VERSIONS[1]]);
    assert_eq!(st["state"], "failed");
    assert_eq!(st["resume-from"], "pr");
    assert_eq!(st["checkpoint-pr"], "5");
    assert!(f.issues.issue(1).body.contains("❌ failed at `pr`"));

    // Sign-offs by group members, read by user id; a stranger does not count.
    f.issues.comment_as(1, "alice", "/signoff ship");
    f.issues.comment_as(1, "eve", "/signoff ship");
    let out = start(&sb, &f, "ship", &["--if-ready"])
        .run()
        .success()
        .json();
    assert_eq!(out["started"], false);
    assert_eq!(out["missing"], "1 more of acme/release");
    f.issues.comment_as(1, "bob", "/signoff ship");
    let out = start(&sb, &f, "ship", &["--if-ready"])
        .env("GITLAB_USER_LOGIN", "bob")
        .run()
        .success()
        .json();
    assert_eq!(out["started"], true);
    assert_eq!(out["signed-off"], "alice,bob");
    let members = f
        .api
        .requests()
        .into_iter()
        .filter(|r| {
            r.path
                .starts_with("/api/v4/groups/acme%2Frelease/members/all/")
        })
        .count();
    assert!(
        members >= 3,
        "membership read through the group members API"
    );
    let run = start(&sb, &f, "ship", &[]).run().expect_code(1);
    assert!(run.stderr().contains("already started"), "{}", run.stderr());
}

#[test]
fn the_gitlab_job_token_cannot_keep_a_release() {
    let sb = setup(CONFIG);
    let f = Forge::gitlab();
    let run = sb
        .relay("track-release")
        .current_dir(sb.path())
        .args(["open", "--release", RELEASE, "--repo", REPO])
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", f.api.url()))
        .env("CI_SERVER_URL", "https://gitlab.example.com")
        .env("CI_JOB_TOKEN", "glcbt-JOB-SECRET-1")
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .contains("CI_JOB_TOKEN cannot use the issues API"),
        "{}",
        run.stderr()
    );
    run.assert_hides("glcbt-JOB-SECRET-1");
    assert_eq!(f.writes(), 0);
}
