//! Faults: a bump killed with SIGKILL in the middle of writing hundreds of files, a
//! forge API that fails every third call and rate-limits with `Retry-After`, an API
//! that never answers, and git remotes that stop answering (or cut the connection)
//! half-way through tagging, over git:// and smart HTTP.

use crate::common;

use crate::common::outputs::parse_github_output;
use crate::common::proxy::{Fault, GitProxy};
use crate::common::{GitServer, HttpGitServer, MockApi, MockResponse, Run, Sandbox};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const FILES: usize = 300;

fn old_text(i: usize) -> String {
    // Big enough that a write is not one syscall's worth of work.
    format!(
        "# package {i}\nversion: 1.0.0\n{}",
        "# padding padding padding padding padding padding padding\n".repeat(1000)
    )
}

/// A fixed-seed xorshift: the kill points are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// SIGKILL lands while bump-versions writes (after the file `watch` changed): every file
/// is then wholly old or wholly new. A kill between a temporary file's creation and its
/// rename leaves that `.relay-*.tmp` file behind (a later run leaves it for a minute,
/// then removes it, and it is never the target file); nothing else appears. A re-run
/// completes the bump.
#[test]
fn a_bump_killed_while_writing_leaves_every_file_old_or_new() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for round in 0..6 {
        let sb = Sandbox::new();
        let root = sb.path().join("work");
        let names: Vec<String> = (0..FILES)
            .map(|i| format!("pkg{i:03}/values.yaml"))
            .collect();
        for (i, name) in names.iter().enumerate() {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, old_text(i)).unwrap();
        }
        let new_text = |i: usize| old_text(i).replace("version: 1.0.0", "version: 2.0.0");
        let watch = (rng.next() % FILES as u64) as usize;
        let mut child = sb
            .relay("bump-versions")
            .args(["--version", "2.0.0", "--file", "pkg*/values.yaml:version"])
            .current_dir(&root)
            .cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait (polling, no sleep) for the watched file to change or the run to end.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if std::fs::read_to_string(root.join(&names[watch])).is_ok_and(|t| t == new_text(watch))
            {
                child.kill().unwrap(); // SIGKILL
                break;
            }
            if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                break;
            }
        }
        child.wait().unwrap();
        let mut new = 0;
        for (i, name) in names.iter().enumerate() {
            let text = std::fs::read_to_string(root.join(name)).unwrap();
            if text == new_text(i) {
                new += 1;
            } else {
                assert_eq!(text, old_text(i), "round {round}: {name} is a mix");
            }
        }
        for dir in std::fs::read_dir(&root).unwrap() {
            for entry in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                assert!(
                    name == "values.yaml"
                        || (name.starts_with(".relay-") && name.ends_with(".tmp")),
                    "round {round}: stray file {name}"
                );
            }
        }
        assert!(
            new >= 1,
            "round {round}: the kill came after the watched file was written"
        );
        // The re-run finishes the job and ignores leftover temporary files.
        sb.relay("bump-versions")
            .args(["--version", "2.0.0", "--file", "pkg*/values.yaml:version"])
            .current_dir(&root)
            .run()
            .success();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(
                std::fs::read_to_string(root.join(name)).unwrap(),
                new_text(i)
            );
        }
    }
}

/// What a killed run left in a folder is removed by the next write there: only names of
/// our temporary files, only regular files, only stale ones (the writer gone and a
/// minute old, or a day old whoever wrote it).
#[test]
fn the_temporary_files_of_a_killed_run_are_removed_by_the_next_run() {
    let sb = Sandbox::new();
    let root = sb.path().join("work");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("VERSION"), "1.0.0\n").unwrap();
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    let dead = gone.id();
    let alive = std::process::id();
    let now = std::time::SystemTime::now();
    let minutes = |n: u64| now - Duration::from_secs(60 * n);
    let leave = |name: &str, modified: std::time::SystemTime| {
        let file = std::fs::File::create(root.join(name)).unwrap();
        file.set_modified(modified).unwrap();
    };
    let removed = [
        (format!(".relay-{dead}-Ab12Cd.tmp"), minutes(2)),
        (".relay-Xy12Ab.tmp".to_string(), minutes(49 * 60)),
        (format!(".relay-{alive}-Qr56St.tmp"), minutes(25 * 60)),
    ];
    let kept = [
        // Its writer may still be about to rename it.
        (format!(".relay-{dead}-Ef34Gh.tmp"), now),
        (format!(".relay-{alive}-Ij78Kl.tmp"), minutes(2)),
        (".relay-Mn90Op.tmp".to_string(), minutes(2)),
        // Not a name of ours.
        (".relay-notes.tmp".to_string(), minutes(49 * 60)),
        (format!(".relay-{dead}-Ab12Cd.tmp.orig"), minutes(49 * 60)),
        ("relay-Uv12Wx.tmp".to_string(), minutes(49 * 60)),
    ];
    for (name, modified) in removed.iter().chain(&kept) {
        leave(name, *modified);
    }
    let folder = format!(".relay-{dead}-Yz34Ab.tmp");
    std::fs::create_dir(root.join(&folder)).unwrap();
    sb.relay("bump-versions")
        .args(["--version", "2.0.0", "--file", "VERSION"])
        .current_dir(&root)
        .run()
        .success();
    assert_eq!(
        std::fs::read_to_string(root.join("VERSION")).unwrap(),
        "2.0.0\n"
    );
    let mut left: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut expected: Vec<String> = kept.iter().map(|(n, _)| n.clone()).collect();
    expected.push(folder);
    expected.push("VERSION".to_string());
    expected.sort();
    assert_eq!(left, expected);
}

const SHA: [&str; 2] = [
    "1111111111111111111111111111111111111111",
    "2222222222222222222222222222222222222222",
];
const TAG_OBJECT: &str = "9999999999999999999999999999999999999999";

fn github_commit(sha: &str) -> MockResponse {
    MockResponse::json(
        200,
        json!({"sha": sha, "node_id": "C_1", "url": "https://api.github.com/x",
               "html_url": "https://github.com/acme/api/commit/x",
               "author": {"date": "2026-01-15T12:00:00Z", "name": "Dev", "email": "dev@example.org"},
               "committer": {"date": "2026-01-15T12:00:00Z", "name": "Dev", "email": "dev@example.org"},
               "message": "feat: x", "tree": {"sha": "3333333333333333333333333333333333333333", "url": "https://api.github.com/x"},
               "parents": [], "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}}),
    )
}

fn github_tag_object(commit: &str) -> MockResponse {
    MockResponse::json(
        201,
        json!({"node_id": "TAG_1", "tag": "1.2.0", "sha": TAG_OBJECT, "url": "https://api.github.com/x",
               "message": "x", "tagger": {"name": "bot", "email": "bot@example.org", "date": "2026-01-15T12:00:00Z"},
               "object": {"type": "commit", "sha": commit, "url": "https://api.github.com/x"},
               "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}}),
    )
}

fn github_ref() -> MockResponse {
    MockResponse::json(
        201,
        json!({"ref": "refs/tags/1.2.0", "node_id": "REF_1", "url": "https://api.github.com/x",
               "object": {"type": "tag", "sha": TAG_OBJECT, "url": "https://api.github.com/x"}}),
    )
}

fn request(sb: &Sandbox) {
    sb.write(
        "deliverables/2026.1/acme.yaml",
        &format!(
            "releases:\n  - version: 1.2.0\n    projects:\n\
             \x20     - repo: acme/api\n        hash: {}\n\
             \x20     - repo: acme/worker\n        hash: {}\n",
            SHA[0], SHA[1]
        ),
    );
}

#[test]
fn a_forge_failing_every_third_call_and_rate_limiting_still_tags_once() {
    let sb = Sandbox::new();
    request(&sb);
    let api = MockApi::github();
    for (repo, sha) in ["api", "worker"].iter().zip(SHA) {
        api.on(
            "GET",
            &format!("/repos/acme/{repo}/git/commits/{sha}"),
            github_commit(sha),
        );
        api.on(
            "GET",
            &format!("/repos/acme/{repo}/git/ref/tags/1.2.0"),
            MockResponse::github_not_found(),
        );
        api.on(
            "POST",
            &format!("/repos/acme/{repo}/git/tags"),
            github_tag_object(sha),
        );
        api.on(
            "POST",
            &format!("/repos/acme/{repo}/git/refs"),
            github_ref(),
        );
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    api.handle(move |_| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        match n {
            0 => Some(
                MockResponse::json(429, json!({"message": "API rate limit exceeded"}))
                    .header("Retry-After", "1"),
            ),
            n if n % 3 == 2 => Some(MockResponse::json(500, json!({"message": "Server Error"}))),
            _ => None,
        }
    });
    let run = sb
        .relay("tag-from-request")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_SERVER_URL", "https://github.example.org")
        .env("GITHUB_TOKEN", "ghs_faults_token_0123456789")
        .args([
            "--forge",
            "github",
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--json",
        ])
        .run()
        .success();
    let tags: Vec<(String, String, String)> = run.json()["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let text = |key: &str| t[key].as_str().unwrap().to_string();
            (text("repo"), text("commit"), text("status"))
        })
        .collect();
    assert_eq!(
        tags,
        [
            ("acme/api".into(), SHA[0].into(), "created".into()),
            ("acme/worker".into(), SHA[1].into(), "created".into()),
        ]
    );
    let ok_refs = |repo: &str| {
        api.requests_to("POST", &format!("/repos/acme/{repo}/git/refs"))
            .len()
    };
    // Each reference is created by one answered call (a 500'd call changed nothing).
    assert!(ok_refs("api") >= 1 && ok_refs("worker") >= 1);
    assert!(
        calls.load(Ordering::SeqCst) >= 9,
        "500s were met and retried"
    );
    assert!(
        api.requests()
            .iter()
            .all(|r| r.method != "PATCH" && r.method != "DELETE")
    );
}

/// A GitHub mock with the tag routes of both repositories of [`request`].
fn tagging_api() -> MockApi {
    let api = MockApi::github();
    for (repo, sha) in ["api", "worker"].iter().zip(SHA) {
        api.on(
            "GET",
            &format!("/repos/acme/{repo}/git/commits/{sha}"),
            github_commit(sha),
        );
        api.on(
            "GET",
            &format!("/repos/acme/{repo}/git/ref/tags/1.2.0"),
            MockResponse::github_not_found(),
        );
        api.on(
            "POST",
            &format!("/repos/acme/{repo}/git/tags"),
            github_tag_object(sha),
        );
        api.on(
            "POST",
            &format!("/repos/acme/{repo}/git/refs"),
            github_ref(),
        );
    }
    api
}

fn tag_with(sb: &Sandbox, api: &MockApi, divisor: &str) -> common::Relay {
    sb.relay("tag-from-request")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_SERVER_URL", "https://github.example.org")
        .env("GITHUB_TOKEN", "ghs_faults_token_0123456789")
        .env("RELAY_HTTP_WAIT_DIVISOR", divisor)
        .args([
            "--forge",
            "github",
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--json",
        ])
}

#[test]
fn a_secondary_rate_limit_is_waited_out_not_taken_for_a_missing_permission() {
    let sb = Sandbox::new();
    request(&sb);
    let api = tagging_api();
    // GitHub's secondary limit: 403, quota left, no Retry-After; twice, then the write
    // goes through.
    let refused = Arc::new(AtomicUsize::new(0));
    let count = refused.clone();
    api.handle(move |r| {
        (r.method == "POST"
            && r.path == "/repos/acme/api/git/refs"
            && count.fetch_add(1, Ordering::SeqCst) < 2)
            .then(MockResponse::github_secondary_rate_limit)
    });
    let started = std::time::Instant::now();
    // 60 s and then 120 s, as GitHub asks, divided by 1000.
    let run = tag_with(&sb, &api, "1000").run().success();
    assert!(started.elapsed() < Duration::from_secs(30));
    let out = run.json();
    let statuses: Vec<&str> = out["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["created", "created"]);
    assert_eq!(api.requests_to("POST", "/repos/acme/api/git/refs").len(), 3);
}

#[test]
fn a_secondary_rate_limit_that_persists_is_named_with_the_time_waited() {
    let sb = Sandbox::new();
    request(&sb);
    let api = tagging_api();
    api.handle(|r| {
        (r.method == "POST" && r.path == "/repos/acme/api/git/refs")
            .then(MockResponse::github_secondary_rate_limit)
    });
    let run = tag_with(&sb, &api, "10000").run().expect_code(1);
    assert_eq!(api.requests_to("POST", "/repos/acme/api/git/refs").len(), 5);
    // 60 + 120 + 240 + 480 s between the five attempts.
    assert!(
        run.stderr().contains(
            "POST ref refs/tags/1.2.0 of acme/api: GitHub's secondary rate limit (too many \
             requests at once or too much created in a short time) still refused it after 5 \
             attempts and 900 s of waiting; run fewer jobs with this token at the same time"
        ),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("lacks a permission"));
}

#[test]
fn an_api_that_never_answers_ends_in_bounded_time_with_a_clear_message() {
    let sb = Sandbox::new();
    request(&sb);
    // Accepts connections (the kernel's backlog) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let run = sb
        .relay("tag-from-request")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", &url)
        .env("GITHUB_SERVER_URL", "https://github.example.org")
        .env("GITHUB_TOKEN", "ghs_faults_token_0123456789")
        .env("RELAY_HTTP_TIMEOUT", "1")
        .args([
            "--forge",
            "github",
            "--request",
            "deliverables/2026.1/acme.yaml",
        ])
        .run()
        .expect_code(1);
    // Each call ends at its time-out (hyper words a connect-phase one differently), is
    // retried a bounded number of times, and the run names every call that failed.
    let last = run.stderr().lines().last().unwrap_or("").to_string();
    assert!(
        last.starts_with(
            "::error::the preflight found 2 problems, so nothing was tagged (--keep-going tags what is safe): \
             acme/api 1.2.0: failed (GET tag 1.2.0 of acme/api: "
        ),
        "{last}"
    );
    assert!(
        last.contains("acme/worker 1.2.0: failed (GET tag 1.2.0 of acme/worker: "),
        "{last}"
    );
    assert_eq!(last.matches("(after 5 attempts)").count(), 2, "{last}");
    assert!(last.contains("no answer within 1s"), "{last}");
    assert!(
        !run.stderr()
            .replace("::add-mask::ghs_faults_token_0123456789", "")
            .contains("ghs_faults")
    );
    drop(silent);
}

// ---- git remotes that stop answering while tag-from-request works -----------------

/// The deadline of git network calls in these tests (RELAY_GIT_TIMEOUT).
const GIT_TIMEOUT: &str = "5";
/// The version every repository of these requests is tagged with.
const VERSION: &str = "1.2.0";

/// Repositories `acme/<name>` on a git daemon, reached through a [`GitProxy`], each
/// with one commit on main.
struct Fleet<'a> {
    sb: &'a Sandbox,
    _server: GitServer,
    proxy: GitProxy,
    /// name → the commit to tag
    commits: BTreeMap<String, String>,
}

impl<'a> Fleet<'a> {
    fn new(sb: &'a Sandbox, names: &[&str]) -> Fleet<'a> {
        for name in names {
            sb.bare_repo(&format!("srv/acme/{name}.git"));
        }
        let server = GitServer::start(&sb.path().join("srv"));
        let proxy = GitProxy::start(server.port());
        let mut commits = BTreeMap::new();
        for name in names {
            let work = sb.repo(&format!("src/{name}"));
            let commit = work.commit("README.md", &format!("# {name}\n"), "feat: first");
            // Straight to the daemon: the proxy only stands between the tool and it.
            work.git([
                "push",
                "-q",
                &server.url(&format!("acme/{name}.git")),
                "HEAD:main",
            ]);
            commits.insert(name.to_string(), commit);
        }
        Fleet {
            sb,
            _server: server,
            proxy,
            commits,
        }
    }

    fn url(&self, name: &str) -> String {
        self.proxy.git_url(&format!("acme/{name}.git"))
    }

    fn bare(&self, name: &str) -> PathBuf {
        self.sb.path().join(format!("srv/acme/{name}.git"))
    }

    /// Every tag of the remote: name → (the object the ref names, its commit).
    fn tags(&self, name: &str) -> BTreeMap<String, (String, String)> {
        self.sb
            .git_in(
                &self.bare(name),
                [
                    "for-each-ref",
                    "--format=%(refname:short) %(objectname) %(*objectname)",
                    "refs/tags",
                ],
            )
            .lines()
            .map(|l| {
                let parts: Vec<&str> = l.split(' ').collect();
                let commit = if parts[2].is_empty() {
                    parts[1]
                } else {
                    parts[2]
                };
                (
                    parts[0].to_string(),
                    (parts[1].to_string(), commit.to_string()),
                )
            })
            .collect()
    }

    fn every_remote(&self) -> BTreeMap<String, BTreeMap<String, (String, String)>> {
        self.commits
            .keys()
            .map(|name| (name.clone(), self.tags(name)))
            .collect()
    }

    fn request(&self) {
        let mut text = format!("releases:\n  - version: {VERSION}\n    projects:\n");
        for (name, commit) in &self.commits {
            text.push_str(&format!(
                "      - repo: acme/{name}\n        hash: {commit}\n"
            ));
        }
        self.sb.write("deliverables/2026.1/acme.yaml", &text);
    }

    /// tag-from-request over the proxy, with its outputs and summary in files.
    fn tag(&self, extra: &[&str]) -> Run {
        let _ = std::fs::remove_file(self.sb.path().join("output"));
        let _ = std::fs::remove_file(self.sb.path().join("summary.md"));
        let relay = self
            .sb
            .relay("tag-from-request")
            .env("RELAY_GIT_TIMEOUT", GIT_TIMEOUT)
            .env("GITHUB_OUTPUT", self.sb.path().join("output"))
            .env("GITHUB_STEP_SUMMARY", self.sb.path().join("summary.md"))
            .args([
                "--forge",
                "git",
                "--remote-url-template",
                &self.proxy.git_url("{repo}.git"),
                "--request",
                "deliverables/2026.1/acme.yaml",
                "--json",
            ])
            .args(extra);
        run_bounded(relay)
    }

    fn outputs(&self) -> BTreeMap<String, String> {
        parse_github_output(&self.sb.read("output"))
    }

    /// The rows of the summary table: repository, tag, commit, status, detail.
    fn summary_rows(&self) -> Vec<Vec<String>> {
        self.sb
            .read("summary.md")
            .lines()
            .filter(|l| {
                l.starts_with("| ") && !l.starts_with("| repository") && !l.starts_with("| ---")
            })
            .map(|l| {
                l.trim_matches(|c| c == '|' || c == ' ')
                    .split(" | ")
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }
}

/// Runs the tool and fails the test, rather than hanging it, when the tool does not
/// end on its own (the property under test is that it always does).
fn run_bounded(relay: common::Relay) -> Run {
    let audit = common::secrets::SecretAudit::of(&relay.cmd);
    let mut cmd = relay.cmd;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let guard = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > guard {
            child.kill().unwrap();
            panic!("tag-from-request did not end on its own");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = std::process::Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    audit.check(&output.stdout, &output.stderr);
    Run { output, audit }
}

fn statuses(run: &Run) -> Vec<(String, String)> {
    run.json()["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["repo"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The progress lines (`[n] …`) without their numbers, sorted: the repositories are
/// worked on at once, so they come in any order.
fn progress_lines(run: &Run) -> Vec<String> {
    let mut lines: Vec<String> = run
        .stderr()
        .lines()
        .filter(|l| l.starts_with('['))
        .map(|l| l.split_once("] ").unwrap().1.to_string())
        .collect();
    lines.sort();
    lines
}

/// Six repositories are tagged; when the tags are pushed, r4's remote stops
/// answering, r5's connection is cut in the middle of the pack, and r6's push lands
/// but its answer is lost. The run ends (each git call has a deadline) with exit 1
/// and a report that says exactly which repositories have the tag and why the others
/// do not. Once the remotes answer again, a re-run makes only the missing tags; no
/// tag that exists is moved or made twice.
#[test]
fn remotes_that_stop_answering_while_tagging_are_reported_and_a_rerun_completes() {
    let sb = Sandbox::new();
    let names = ["r1", "r2", "r3", "r4", "r5", "r6"];
    let f = Fleet::new(&sb, &names);
    f.request();
    // r3 was tagged by an earlier run.
    let r3 = sb.repo("src/r3");
    r3.git(["tag", "-a", VERSION, "-m", "r3 1.2.0 release"]);
    r3.git(["push", "-q", &f._server.url("acme/r3.git"), VERSION]);
    let before = f.every_remote();
    assert_eq!(before["r3"][VERSION].1, f.commits["r3"]);
    assert!(before.iter().all(|(n, tags)| n == "r3" || tags.is_empty()));

    // Connections 1 and 2 of a repository are the preflight (ls-remote, fetch); the
    // push comes after them.
    f.proxy.set_rule(|c| match c.path.as_str() {
        "/acme/r4.git" if c.number >= 3 => Fault::Hang,
        "/acme/r5.git" if c.service == "git-receive-pack" => Fault::CutPack,
        "/acme/r6.git" if c.service == "git-receive-pack" => Fault::LoseAnswer,
        _ => Fault::Forward,
    });
    let run = f.tag(&[]).expect_code(1);

    // What each repository got, in the request's order, in every output form.
    assert_eq!(
        statuses(&run),
        owned(&[
            ("acme/r1", "created"),
            ("acme/r2", "created"),
            ("acme/r3", "exists"),
            ("acme/r4", "failed"),
            ("acme/r5", "failed"),
            ("acme/r6", "created"),
        ])
    );
    let json = run.json();
    assert_eq!(
        (
            &json["created"],
            &json["existing"],
            &json["failed"],
            &json["planned"]
        ),
        (&json!(3), &json!(1), &json!(2), &json!(0))
    );
    let outputs = f.outputs();
    assert_eq!(outputs["created"], "3");
    assert_eq!(outputs["existing"], "1");
    assert_eq!(outputs["failed"], "2");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&outputs["tags"]).unwrap(),
        json["tags"]
    );

    // The report's lines: one per repository, then the count, then the failure.
    let short = |name: &str| f.commits[name][..12].to_string();
    let r4_reason = format!(
        "cannot push to {}: the remote did not answer within {GIT_TIMEOUT}s (RELAY_GIT_TIMEOUT)",
        f.url("r4")
    );
    let r5_prefix = format!("cannot push to {}: ", f.url("r5"));
    let lines = progress_lines(&run);
    assert_eq!(lines.len(), 6, "{lines:#?}");
    assert_eq!(
        lines[0],
        format!("acme/r1 1.2.0 → {}: created", short("r1"))
    );
    assert_eq!(
        lines[1],
        format!("acme/r2 1.2.0 → {}: created", short("r2"))
    );
    assert_eq!(lines[2], format!("acme/r3 1.2.0 → {}: exists", short("r3")));
    assert_eq!(
        lines[3],
        format!("acme/r4 1.2.0 → {}: failed: {r4_reason}", short("r4"))
    );
    let r5_line = format!("acme/r5 1.2.0 → {}: failed: {r5_prefix}", short("r5"));
    assert!(lines[4].starts_with(&r5_line), "{}", lines[4]);
    let r5_git_words = lines[4][r5_line.len()..].to_string();
    assert!(!r5_git_words.is_empty() && !r5_git_words.contains("did not answer"));
    let r6_line = format!(
        "acme/r6 1.2.0 → {}: created: the push's answer was lost (",
        short("r6")
    );
    assert!(lines[5].starts_with(&r6_line), "{}", lines[5]);
    assert!(
        lines[5].ends_with("), but the remote has the tag this run pushed"),
        "{}",
        lines[5]
    );
    let stderr = run.stderr();
    let tail: Vec<&str> = stderr.lines().filter(|l| !l.starts_with('[')).collect();
    assert_eq!(
        tail,
        [
            "6 tags from 1 request file: 3 created, 1 existing, 2 not tagged".to_string(),
            format!(
                "error: 2 of 6 tags not made: acme/r4 1.2.0: failed ({r4_reason}); \
                 acme/r5 1.2.0: failed ({r5_prefix}{r5_git_words})"
            ),
        ]
    );
    let rows = f.summary_rows();
    let row = |i: usize| rows[i][..4].to_vec();
    for (i, (name, status)) in [
        ("r1", "created"),
        ("r2", "created"),
        ("r3", "exists"),
        ("r4", "failed"),
        ("r5", "failed"),
        ("r6", "created"),
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            row(i),
            [
                format!("acme/{name}"),
                format!("`{VERSION}`"),
                format!("`{}`", short(name)),
                status.to_string()
            ],
            "{rows:?}"
        );
    }
    assert_eq!(rows.len(), 6);
    assert!(
        rows[3][4].contains("the remote did not answer within 5s"),
        "{rows:?}"
    );
    assert!(rows[4][4].starts_with("cannot push to "), "{rows:?}");

    // The remotes: tags exactly where the report says, r3's untouched.
    let after = f.every_remote();
    for name in ["r1", "r2", "r3", "r6"] {
        assert_eq!(after[name].len(), 1, "{name}: {:?}", after[name]);
        assert_eq!(after[name][VERSION].1, f.commits[name], "{name}");
    }
    assert_eq!(after["r3"], before["r3"]);
    assert!(
        after["r4"].is_empty() && after["r5"].is_empty(),
        "{after:?}"
    );
    // The faults did happen where the rule put them.
    let log = f.proxy.log();
    let applied = |path: &str, fault: Fault| log.iter().any(|(c, x)| c.path == path && *x == fault);
    assert!(applied("/acme/r4.git", Fault::Hang));
    assert!(applied("/acme/r5.git", Fault::CutPack));
    assert!(applied("/acme/r6.git", Fault::LoseAnswer));

    // The remotes answer again: the re-run makes r4's and r5's tags and nothing else.
    f.proxy.heal();
    let rerun = f.tag(&[]).success();
    assert_eq!(
        statuses(&rerun),
        owned(&[
            ("acme/r1", "exists"),
            ("acme/r2", "exists"),
            ("acme/r3", "exists"),
            ("acme/r4", "created"),
            ("acme/r5", "created"),
            ("acme/r6", "exists"),
        ])
    );
    assert_eq!(
        progress_lines(&rerun),
        names
            .iter()
            .map(|n| format!(
                "acme/{n} 1.2.0 → {}: {}",
                short(n),
                if ["r4", "r5"].contains(n) {
                    "created"
                } else {
                    "exists"
                }
            ))
            .collect::<Vec<_>>()
    );
    assert!(
        rerun
            .stderr()
            .contains("6 tags from 1 request file: 2 created, 4 existing, 0 not tagged"),
        "{}",
        rerun.stderr()
    );
    let last = f.every_remote();
    for name in names {
        assert_eq!(last[name].len(), 1, "{name}: {:?}", last[name]);
        assert_eq!(last[name][VERSION].1, f.commits[name], "{name}");
        if !["r4", "r5"].contains(&name) {
            assert_eq!(
                last[name], after[name],
                "{name}: the tag object is the same"
            );
        }
    }
    assert_eq!(
        sb.git_in(&f.bare("r5"), ["cat-file", "-t", VERSION]),
        "tag",
        "an annotated tag"
    );
}

/// With --keep-going, a remote that stops answering during the preflight (r2's
/// fetch of the commit, r5's list of tags) is `failed` — not `missing-commit`, it
/// never said the commit is missing — and the others are tagged. The re-run completes.
#[test]
fn remotes_that_stop_answering_in_the_preflight_are_failed_not_missing() {
    let sb = Sandbox::new();
    let names = ["r1", "r2", "r3", "r4", "r5", "r6"];
    let f = Fleet::new(&sb, &names);
    f.request();
    f.proxy.set_rule(|c| match (c.path.as_str(), c.number) {
        ("/acme/r2.git", 2..) => Fault::Hang,
        ("/acme/r5.git", _) => Fault::Hang,
        _ => Fault::Forward,
    });
    let run = f.tag(&["--keep-going"]).expect_code(1);
    assert_eq!(
        statuses(&run),
        owned(&[
            ("acme/r1", "created"),
            ("acme/r2", "failed"),
            ("acme/r3", "created"),
            ("acme/r4", "created"),
            ("acme/r5", "failed"),
            ("acme/r6", "created"),
        ])
    );
    let r2_reason = format!(
        "cannot fetch {} from {}: the remote did not answer within {GIT_TIMEOUT}s (RELAY_GIT_TIMEOUT)",
        f.commits["r2"],
        f.url("r2")
    );
    let r5_reason = format!(
        "cannot read the tags of {}: the remote did not answer within {GIT_TIMEOUT}s (RELAY_GIT_TIMEOUT)",
        f.url("r5")
    );
    let stderr = run.stderr();
    assert_eq!(
        stderr.lines().last().unwrap(),
        format!(
            "error: 2 of 6 tags not made: acme/r2 1.2.0: failed ({r2_reason}); acme/r5 1.2.0: failed ({r5_reason})"
        ),
        "{stderr}"
    );
    let after = f.every_remote();
    for name in names {
        let tagged = !["r2", "r5"].contains(&name);
        assert_eq!(after[name].len(), usize::from(tagged), "{name}");
    }

    f.proxy.heal();
    let rerun = f.tag(&[]).success();
    let expected: Vec<(String, String)> = names
        .iter()
        .map(|n| {
            let status = if ["r2", "r5"].contains(n) {
                "created"
            } else {
                "exists"
            };
            (format!("acme/{n}"), status.to_string())
        })
        .collect();
    assert_eq!(statuses(&rerun), expected);
    let last = f.every_remote();
    for name in names {
        assert_eq!(last[name].len(), 1);
        assert_eq!(last[name][VERSION].1, f.commits[name]);
        if !["r2", "r5"].contains(&name) {
            assert_eq!(last[name], after[name]);
        }
    }
}

/// Over smart HTTP, a remote that accepts connections and never answers ends the
/// preflight in bounded time (git's HTTP helper gives up on the stalled transfer, or
/// the deadline stops git), nothing is tagged, and the healed re-run tags both.
#[test]
fn an_http_remote_that_never_answers_ends_the_run_in_bounded_time() {
    let sb = Sandbox::new();
    for name in ["a", "b"] {
        sb.bare_repo(&format!("srv/acme/{name}.git"));
    }
    let server = HttpGitServer::start(&sb.path().join("srv"), None);
    let port: u16 = server
        .url("")
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let proxy = GitProxy::start(port);
    let mut text = format!("releases:\n  - version: {VERSION}\n    projects:\n");
    let mut commits = Vec::new();
    for name in ["a", "b"] {
        let work = sb.repo(&format!("src/{name}"));
        let commit = work.commit("README.md", "x\n", "feat: x");
        work.git([
            "push",
            "-q",
            &server.url(&format!("acme/{name}.git")),
            "HEAD:main",
        ]);
        text.push_str(&format!(
            "      - repo: acme/{name}\n        hash: {commit}\n"
        ));
        commits.push(commit);
    }
    sb.write("deliverables/2026.1/acme.yaml", &text);
    proxy.set_rule(|c| {
        if c.path == "/acme/b.git" {
            Fault::Hang
        } else {
            Fault::Forward
        }
    });
    let tag = || {
        sb.relay("tag-from-request")
            .env("RELAY_GIT_TIMEOUT", "3")
            .args([
                "--forge",
                "git",
                "--remote-url-template",
                &proxy.http_url("{repo}.git"),
                "--request",
                "deliverables/2026.1/acme.yaml",
                "--json",
            ])
    };
    let run = run_bounded(tag()).expect_code(1);
    assert_eq!(
        statuses(&run),
        owned(&[("acme/a", "stopped"), ("acme/b", "failed")])
    );
    let stderr = run.stderr();
    let error = stderr.lines().last().unwrap();
    let prefix = format!(
        "error: the preflight found 1 problem, so nothing was tagged (--keep-going tags what is safe): \
         acme/b 1.2.0: failed (cannot read the tags of {}: ",
        proxy.http_url("acme/b.git")
    );
    assert!(error.starts_with(&prefix), "{stderr}");
    assert!(
        proxy
            .log()
            .iter()
            .any(|(c, f)| c.path == "/acme/b.git" && *f == Fault::Hang)
    );
    for name in ["a", "b"] {
        assert_eq!(
            sb.git_in(
                &sb.path().join(format!("srv/acme/{name}.git")),
                ["tag", "--list"]
            ),
            ""
        );
    }
    proxy.heal();
    let rerun = run_bounded(tag()).success();
    assert_eq!(
        statuses(&rerun),
        owned(&[("acme/a", "created"), ("acme/b", "created")])
    );
    for (name, commit) in ["a", "b"].iter().zip(&commits) {
        assert_eq!(
            sb.git_in(
                &sb.path().join(format!("srv/acme/{name}.git")),
                ["rev-parse", &format!("{VERSION}^{{commit}}")]
            ),
            *commit
        );
    }
}
