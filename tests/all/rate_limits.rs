//! The rate budget against a mock GitHub that enforces its documented secondary limits
//! (time divided by `RELAY_HTTP_WAIT_DIVISOR`, as the tool's waits are) and answers an
//! excess as GitHub does: 403, the secondary-limit message, `Retry-After`.

use crate::common::{MockApi, MockResponse, Recorded, Sandbox};
use crate::tag_from_request::{github_commit, github_env, github_ref, github_tag_object};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SHA: &str = "1111111111111111111111111111111111111111";
const TAG_OBJECT: &str = "9999999999999999999999999999999999999999";
/// One minute of GitHub's is one second here.
const DIVISOR: &str = "60";
/// The writes a token may make in a (scaled) minute, here and in the tool.
const WRITES_PER_MINUTE: usize = 6;

fn request_of(sb: &Sandbox, repos: usize) {
    let mut projects = String::new();
    for i in 0..repos {
        projects.push_str(&format!(
            "      - repo: acme/r{i:02}\n        hash: {SHA}\n"
        ));
    }
    sb.write(
        "deliverables/2026.1/acme.yaml",
        &format!("releases:\n  - version: 1.0.0\n    projects:\n{projects}"),
    );
}

/// The writes the mock took, and the ones it refused for exceeding the minute's cap.
#[derive(Default)]
struct Enforcer {
    writes: Vec<Instant>,
    violations: usize,
}

/// A GitHub that has every commit and no tag, and refuses a write beyond
/// `WRITES_PER_MINUTE` in any scaled minute.
fn enforcing_github() -> (MockApi, Arc<Mutex<Enforcer>>) {
    let api = MockApi::github();
    let enforcer = Arc::new(Mutex::new(Enforcer::default()));
    let seen = enforcer.clone();
    api.handle(move |r: &Recorded| {
        let mut parts = r.path.trim_start_matches('/').splitn(5, '/');
        let (_, owner, name, rest) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let tail = parts.next().unwrap_or("");
        let repo = format!("{owner}/{name}");
        if r.method == "POST" {
            let now = Instant::now();
            let mut e = seen.lock().unwrap();
            let minute = Duration::from_secs(1);
            let recent = e.writes.iter().filter(|t| now.duration_since(**t) < minute).count();
            if recent >= WRITES_PER_MINUTE {
                e.violations += 1;
                return Some(
                    MockResponse::json(
                        403,
                        json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                               "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}),
                    )
                    .header("Retry-After", "60"),
                );
            }
            e.writes.push(now);
            let body = r.json();
            return Some(match tail {
                "tags" => github_tag_object(body["tag"].as_str().unwrap_or(""), SHA),
                "refs" => github_ref(201, "1.0.0", TAG_OBJECT, "tag"),
                _ => return None,
            });
        }
        let _ = repo;
        match (rest, tail) {
            ("git", t) if t.starts_with("ref/tags/") => Some(MockResponse::github_not_found()),
            ("git", t) if t.starts_with("commits/") => Some(github_commit(SHA)),
            _ => None,
        }
    });
    (api, enforcer)
}

fn run(sb: &Sandbox, api: &MockApi, limits: &str) -> crate::common::Run {
    tagging(sb, api, limits).run()
}

/// tag-from-request on the enforcing mock, with `RELAY_RATE_LIMITS=limits`.
fn tagging(sb: &Sandbox, api: &MockApi, limits: &str) -> crate::common::Relay {
    github_env(
        sb.relay("tag-from-request"),
        api,
        "ghs_budgettoken0123456789",
    )
    .env("RELAY_HTTP_WAIT_DIVISOR", DIVISOR)
    .env("RELAY_RATE_LIMITS", limits)
    .args([
        "--request",
        "deliverables/2026.1/acme.yaml",
        "--json",
        "--keep-going",
    ])
}

#[test]
fn paced_writes_stay_within_the_limit_and_every_tag_is_made() {
    let sb = Sandbox::new();
    request_of(&sb, 10);
    let (api, enforcer) = enforcing_github();
    let run = run(&sb, &api, &format!("writes-per-minute={WRITES_PER_MINUTE}")).success();
    let out = run.json();
    assert_eq!(out["created"], json!(10));
    // The closing figures tell waiting for the forge from working.
    let took = run
        .stderr()
        .lines()
        .find(|l| l.starts_with("took "))
        .unwrap_or_else(|| panic!("no closing figures in {}", run.stderr()))
        .to_string();
    let waited: f64 = took
        .split(", ")
        .nth(1)
        .and_then(|w| w.strip_suffix(" s of it waiting for the forge's rate limits"))
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("{took}"));
    assert!(took.contains(": 10 at "), "{took}");
    assert!(
        waited >= 1.0,
        "most of two minutes' pacing is waiting: {took}"
    );
    let e = enforcer.lock().unwrap();
    assert_eq!(
        e.violations, 0,
        "the budget keeps every write within the limit"
    );
    assert_eq!(e.writes.len(), 20, "a tag object and a ref per repository");
    // Twenty writes at six a (scaled) minute: over two minutes' wait.
    let span = *e.writes.last().unwrap() - e.writes[0];
    assert!(span >= Duration::from_millis(2000), "writes took {span:?}");
    // One at a time, the scaled second (16.7 ms) apart as sent. The mock sees them
    // arrive with a few milliseconds of jitter on a loaded machine: one late and the
    // next on time come closer, so two gaps together are held to two seconds' worth.
    let gaps: Vec<Duration> = e.writes.windows(2).map(|p| p[1] - p[0]).collect();
    assert!(
        gaps.iter().all(|g| *g >= Duration::from_millis(5))
            && gaps
                .windows(2)
                .all(|w| w[0] + w[1] >= Duration::from_millis(30)),
        "gaps between writes: {gaps:?}"
    );
}

#[test]
fn a_long_run_says_how_far_it_is_every_tenth_and_what_it_took() {
    let sb = Sandbox::new();
    request_of(&sb, 12);
    let (api, _) = enforcing_github();
    let summary = sb.path().join("summary.md");
    let run = tagging(&sb, &api, "off")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run()
        .success();
    let stderr = run.stderr();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .collect();
    assert_eq!(lines.len(), 2, "at 5 and 10 of 12: {}", run.stderr());
    assert!(
        lines[0].starts_with("progress: 5 of 12 (41 %), "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("progress: 10 of 12 (83 %), "),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(" a second, about ")
            && lines[1].ends_with(" waited for the forge's rate limits"),
        "{}",
        lines[1]
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.contains("\n\n_took ") && summary.contains(": 12 at "),
        "{summary}"
    );
}

#[test]
fn without_pacing_the_same_release_exceeds_the_limit() {
    let sb = Sandbox::new();
    request_of(&sb, 8);
    let (api, enforcer) = enforcing_github();
    // The forge's own Retry-After (60 s, unscaled in the retries) would outlast the
    // test: the failures it leaves are the point.
    let run = github_env(
        sb.relay("tag-from-request"),
        &api,
        "ghs_budgettoken0123456789",
    )
    .env("RELAY_HTTP_WAIT_DIVISOR", DIVISOR)
    .env("RELAY_RATE_LIMITS", "off")
    .env("RELAY_HTTP_TIMEOUT", "5")
    .args([
        "--request",
        "deliverables/2026.1/acme.yaml",
        "--json",
        "--keep-going",
    ])
    .run();
    let _ = run;
    assert!(
        enforcer.lock().unwrap().violations > 0,
        "an unpaced burst of sixteen writes exceeds six a minute"
    );
}

#[test]
fn a_bad_rate_limit_setting_is_bad_input_naming_its_column() {
    let sb = Sandbox::new();
    request_of(&sb, 1);
    let api = MockApi::github();
    let run = run(&sb, &api, "writes-per-minute=6,speed=fast").expect_code(2);
    assert!(
        run.stderr().contains(
            "RELAY_RATE_LIMITS: column 21: unknown limit `speed` (concurrent, points-per-minute, read-points, write-points, writes-per-minute, writes-per-hour, write-interval-ms, off)"
        ),
        "{}",
        run.stderr()
    );
    assert!(api.requests().is_empty(), "nothing is asked of the forge");
}
