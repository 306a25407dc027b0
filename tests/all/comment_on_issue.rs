//! comment-on-issue: the tracking-issue comment of a release, once per release.

use crate::common;

use crate::common::issue_comments::{IssueComments, gitlab_note};
use crate::common::{MockApi, MockResponse, Sandbox};
use serde_json::json;

const TOKEN: &str = "ghp_COMMENT_SECRET_0123";

fn writes(api: &MockApi) -> Vec<common::Recorded> {
    api.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

fn github(sb: &Sandbox, api: &MockApi, args: &[&str]) -> common::Relay {
    sb.relay("comment-on-issue")
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/go",
        ])
        .args(["--issue", "42", "--json"])
        .env("GITHUB_TOKEN", TOKEN)
        .args(args)
}

#[test]
fn a_marked_comment_is_made_once_and_updated_in_place() {
    let sb = Sandbox::new();
    let api = MockApi::github();
    let comments = IssueComments::github(&api, "acme/go");
    comments.insert(
        42,
        common::issue_comments::github_comment("acme/go", 42, 1, &json!("Someone else's note")),
    );
    let run = github(
        &sb,
        &api,
        &["--body", "Go 1.26.1 is out.", "--marker", "release/1.26.1"],
    )
    .run()
    .success();
    run.assert_hides(TOKEN);
    assert_eq!(
        run.json(),
        json!({"url": "https://github.com/acme/go/issues/42#issuecomment-5001", "id": "5001",
               "action": "created"})
    );
    assert_eq!(
        comments.all()[1].1["body"],
        "Go 1.26.1 is out.\n\n<!-- release-relay:release/1.26.1 -->"
    );

    // The retried release job: same text, nothing written.
    let run = github(
        &sb,
        &api,
        &["--body", "Go 1.26.1 is out.", "--marker", "release/1.26.1"],
    )
    .run()
    .success();
    assert_eq!(run.json()["action"], "unchanged");
    assert_eq!(run.json()["id"], "5001");
    assert_eq!(writes(&api).len(), 1);

    // New text: the same comment is edited.
    sb.write("note.md", "Go 1.26.1 is out, with Windows builds.\n");
    let body_file = sb.path().join("note.md");
    let run = github(
        &sb,
        &api,
        &[
            "--body-file",
            body_file.to_str().unwrap(),
            "--marker",
            "release/1.26.1",
        ],
    )
    .run()
    .success();
    assert_eq!(run.json()["action"], "updated");
    let made = writes(&api);
    assert_eq!(made.len(), 2);
    assert_eq!(made[1].method, "PATCH");
    assert_eq!(made[1].path, "/repos/acme/go/issues/comments/5001");
    assert_eq!(
        made[1].json(),
        json!({"body": "Go 1.26.1 is out, with Windows builds.\n\n<!-- release-relay:release/1.26.1 -->"})
    );
    assert_eq!(comments.all().len(), 2);
}

#[test]
fn a_dry_run_prints_its_plan_on_stdout_without_json() {
    let sb = Sandbox::new();
    let api = MockApi::github();
    IssueComments::github(&api, "acme/go");
    let run = sb
        .relay("comment-on-issue")
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/go",
        ])
        .args(["--issue", "42", "--body", "hello", "--dry-run"])
        .env("GITHUB_TOKEN", TOKEN)
        .run()
        .success();
    assert_eq!(
        run.stdout(),
        "dry run: would have created a comment on #42\n"
    );
    assert!(!run.stderr().contains("dry run"), "{}", run.stderr());
    assert!(api.requests().is_empty());
}

#[test]
fn without_a_marker_every_run_comments_and_dry_run_writes_nothing() {
    let sb = Sandbox::new();
    let api = MockApi::github();
    let comments = IssueComments::github(&api, "acme/go");
    let run = github(&sb, &api, &["--body", "hello", "--dry-run"])
        .run()
        .success();
    assert_eq!(
        run.json(),
        json!({"url": "", "id": "", "action": "created"})
    );
    assert_eq!(
        run.stderr(),
        "dry run: would have created a comment on #42\n"
    );
    assert!(api.requests().is_empty(), "no marker: not even a read");
    github(&sb, &api, &["--body", "hello"]).run().success();
    github(&sb, &api, &["--body", "hello"]).run().success();
    assert_eq!(comments.all().len(), 2);
    assert_eq!(writes(&api)[0].json(), json!({"body": "hello"}));
}

#[test]
fn gitlab_notes_skip_system_notes_and_update_the_marked_one() {
    let sb = Sandbox::new();
    let api = MockApi::gitlab();
    let notes = IssueComments::gitlab(&api, "acme/go");
    notes.insert(
        9,
        gitlab_note(
            9,
            1,
            &json!("<!-- release-relay:v1 --> mentioned in commit abc"),
            true,
        ),
    );
    notes.insert(
        9,
        gitlab_note(9, 2, &json!("old text\n\n<!-- release-relay:v1 -->"), false),
    );
    let run = sb
        .relay("comment-on-issue")
        .args([
            "--repo", "acme/go", "--issue", "9", "--body", "new text", "--marker", "v1",
        ])
        .args(["--json"])
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("CI_SERVER_URL", "https://gitlab.example.com")
        .env("GITLAB_TOKEN", "glpat-NOTES-SECRET")
        .run()
        .success();
    run.assert_hides("glpat-NOTES-SECRET");
    assert_eq!(
        run.json(),
        json!({"url": "https://gitlab.example.com/acme/go/-/issues/9#note_2", "id": "2",
               "action": "updated"})
    );
    let made = writes(&api);
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].method, "PUT");
    assert_eq!(made[0].path, "/api/v4/projects/acme%2Fgo/issues/9/notes/2");
    assert_eq!(
        made[0].json(),
        json!({"body": "new text\n\n<!-- release-relay:v1 -->"})
    );
    let listing = &api.requests_to("GET", "/api/v4/projects/acme%2Fgo/issues/9/notes")[0];
    assert_eq!(listing.query, "sort=asc&order_by=created_at&per_page=100");
}

#[test]
fn bad_inputs_and_the_job_token_exit_2() {
    let sb = Sandbox::new();
    let api = MockApi::gitlab();
    let base = |args: &[&str]| {
        sb.relay("comment-on-issue")
            .args(["--repo", "acme/go", "--issue", "9"])
            .env("GITLAB_CI", "true")
            .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
            .args(args)
    };
    let run = base(&["--body", "hi"])
        .env("CI_JOB_TOKEN", "glcbt-JOB")
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: commenting on the issue: CI_JOB_TOKEN cannot comment on issues: create a project \
         access token with the `api` scope (role Reporter or more) and pass it as GITLAB_TOKEN or \
         --token\n"
    );
    let run = base(&["--body", "  "])
        .env("GITLAB_TOKEN", "glpat-x")
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: commenting on the issue: the comment is empty: pass --body or --body-file with some text\n"
    );
    let run = base(&["--body", "hi", "--marker", "two words"])
        .env("GITLAB_TOKEN", "glpat-x")
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: commenting on the issue: --marker `two words` must be one line of letters, digits, `-`, `_`, `.` or `/`\n"
    );
    let run = base(&["--body-file", "/nonexistent/note.md"])
        .env("GITLAB_TOKEN", "glpat-x")
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .starts_with("error: cannot read --body-file /nonexistent/note.md: "),
        "{}",
        run.stderr()
    );
    assert!(writes(&api).is_empty());
}

#[test]
fn a_gitlab_busy_at_the_connection_check_is_asked_again() {
    let sb = Sandbox::new();
    let api = MockApi::start();
    // GitLab's documented answers while it is overloaded or rate limiting, then the
    // user the token belongs to.
    api.on(
        "GET",
        "/api/v4/user",
        MockResponse::json(502, json!({"message": "502 Bad Gateway"})),
    )
    .on(
        "GET",
        "/api/v4/user",
        MockResponse::json(429, json!({"message": "429 Too Many Requests"}))
            .header("Retry-After", "1"),
    )
    .on(
        "GET",
        "/api/v4/user",
        MockResponse::json(
            200,
            json!({"id": 1, "username": "release-bot", "state": "active"}),
        ),
    );
    let notes = IssueComments::gitlab(&api, "acme/go");
    let run = sb
        .relay("comment-on-issue")
        .args(["--repo", "acme/go", "--issue", "9", "--body", "released"])
        .args(["--json"])
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("CI_SERVER_URL", "https://gitlab.example.com")
        .env("GITLAB_TOKEN", "glpat-BUSY-SECRET")
        .run()
        .success();
    assert_eq!(run.json()["action"], "created");
    assert_eq!(api.requests_to("GET", "/api/v4/user").len(), 3);
    assert_eq!(notes.all().len(), 1);

    // A GitLab that stays busy fails after the policy's attempts, naming the cause.
    let api = MockApi::start();
    api.on(
        "GET",
        "/api/v4/user",
        MockResponse::json(500, json!({"message": "500 Internal Server Error"})),
    );
    let run = sb
        .relay("comment-on-issue")
        .args(["--repo", "acme/go", "--issue", "9", "--body", "released"])
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("GITLAB_TOKEN", "glpat-BUSY-SECRET")
        .run()
        .expect_code(1);
    assert_eq!(api.requests_to("GET", "/api/v4/user").len(), 5);
    assert_eq!(
        run.stderr(),
        format!(
            "error: commenting on the issue: connecting to GitLab at {}/api/v4: server error \
             500 after 5 attempts: 500 Internal Server Error\n",
            api.url()
        )
    );
}

#[test]
fn a_comment_whose_answer_was_lost_is_not_posted_twice() {
    // The comment landed and a proxy answered 502; sending the POST again would show
    // the comment twice.
    let sb = Sandbox::new();
    let api = MockApi::github();
    let comments = IssueComments::github(&api, "acme/go");
    comments.lose_answers(1);
    let run = github(&sb, &api, &["--body", "Go 1.26.1 is out."])
        .run()
        .success();
    assert_eq!(writes(&api).len(), 1, "one POST");
    assert_eq!(comments.all().len(), 1);
    assert_eq!(run.json()["id"], "5000");
}
