//! Faults: a bump killed with SIGKILL in the middle of writing hundreds of files, a
//! forge API that fails every third call and rate-limits with `Retry-After`, and an
//! API that never answers.

mod common;

use common::{MockApi, MockResponse, Sandbox};
use serde_json::json;
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
/// rename leaves that `.relay-*.tmp` file behind (a later run ignores it, and it is
/// never the target file); nothing else appears. A re-run completes the bump.
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
    assert_eq!(
        run.json()["tags"],
        json!([
            {"repo": "acme/api", "tag": "1.2.0", "commit": SHA[0], "status": "created"},
            {"repo": "acme/worker", "tag": "1.2.0", "commit": SHA[1], "status": "created"},
        ])
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
