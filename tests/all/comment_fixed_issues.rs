//! comment-fixed-issues: "fixed in acme/api 1.2.0" once on each issue a release closes.

use crate::common::forge_issues::ForgeIssues;
use crate::common::issue_comments::IssueComments;
use crate::common::{MockApi, MockResponse, Recorded, Relay, Repo, Sandbox};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "ghp_FIXED_ISSUES_SECRET_42";

fn writes(api: &MockApi) -> Vec<Recorded> {
    api.requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path != "/graphql")
        .collect()
}

/// A release history: v1.1.0, then the commits of 1.2.0 (one closing an issue before
/// the range, which must not be touched), tagged v1.2.0. Returns the commit ids of the
/// range, oldest first.
fn history(repo: &Repo) -> Vec<String> {
    repo.commit("a.txt", "1", "feat: start\n\nFixes #1");
    repo.tag_annotated("v1.1.0", "api 1.1.0 release");
    let ids = vec![
        repo.commit(
            "a.txt",
            "2",
            "fix: parser\n\nFixes #12, resolves acme/web#3.\nRelated to #4.",
        ),
        repo.commit("a.txt", "3", "feat: export (#20)"),
        repo.commit("a.txt", "4", "fix: typo\n\nfixes #30, closes #99"),
    ];
    repo.tag_annotated("v1.2.0", "api 1.2.0 release\n\nmeta:version: 1.2.0\n");
    ids
}

/// A pull request associated with a commit: its number, whether it is merged, and the
/// issues (repo, number) it closes.
type AssociatedPull = (u64, bool, Vec<(&'static str, u64)>);

/// GitHub's GraphQL answer for `associatedPullRequests` of each commit the query asks
/// about: `pulls` maps a commit to (pull request, merged, closed issues).
fn github_graphql(api: &MockApi, pulls: BTreeMap<String, Vec<AssociatedPull>>) {
    let pulls = Arc::new(Mutex::new(pulls));
    api.handle(move |r: &Recorded| {
        if r.method != "POST" || r.path != "/graphql" {
            return None;
        }
        let body = r.json();
        let mut repository = serde_json::Map::new();
        for (name, sha) in body["variables"].as_object()? {
            if !name.starts_with('c') {
                continue;
            }
            let nodes: Vec<Value> = pulls
                .lock()
                .unwrap()
                .get(sha.as_str()?)
                .into_iter()
                .flatten()
                .map(|(number, merged, issues)| {
                    json!({"number": number, "merged": merged, "closingIssuesReferences": {
                        "nodes": issues.iter().map(|(repo, n)| json!({
                            "number": n, "repository": {"nameWithOwner": repo}})).collect::<Vec<_>>()}})
                })
                .collect();
            repository.insert(
                name.clone(),
                json!({"associatedPullRequests": {"nodes": nodes}}),
            );
        }
        Some(MockResponse::json(200, json!({"data": {"repository": repository}})))
    });
}

fn github_run(sb: &Sandbox, api: &MockApi, repo: &Repo, args: &[&str]) -> Relay {
    sb.relay("comment-fixed-issues")
        .current_dir(repo.path())
        .args(["--forge", "github", "--api-url", &api.url()])
        .args([
            "--server-url",
            "https://github.com",
            "--project",
            "acme/api",
        ])
        .args(["--json"])
        .args(
            (!args.contains(&"--tag"))
                .then_some(["--tag", "v1.2.0"])
                .into_iter()
                .flatten(),
        )
        .args(
            (!args.iter().any(|a| a.starts_with("--write-interval")))
                .then_some(["--write-interval", "0"])
                .into_iter()
                .flatten(),
        )
        .env("GITHUB_TOKEN", TOKEN)
        .args(args)
}

const BODY: &str = "This issue was fixed in [acme/api 1.2.0](https://github.com/acme/api/releases/tag/v1.2.0).\n\n<!-- release-relay:fixed-in/acme/api/v1.2.0 -->";

#[test]
fn github_every_closed_issue_of_the_range_gets_one_comment_and_the_label() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    let ids = history(&repo);
    let api = MockApi::github();
    let issues = ForgeIssues::github(&api);
    for n in [1, 4, 12, 13] {
        issues.add("acme/api", n, if n == 13 { &["released"] } else { &[] });
    }
    issues.add_pull("acme/api", 30);
    issues.add("acme/web", 3, &[]);
    let api_comments = IssueComments::github(&api, "acme/api");
    let web_comments = IssueComments::github(&api, "acme/web");
    github_graphql(
        &api,
        BTreeMap::from([(
            ids[1].clone(),
            vec![
                (20, true, vec![("acme/api", 13), ("acme/api", 12)]),
                (19, false, vec![("acme/api", 4)]),
            ],
        )]),
    );

    let run = github_run(&sb, &api, &repo, &["--label", "released"])
        .run()
        .success();
    run.assert_hides(TOKEN);
    let out = run.json();
    assert_eq!(
        out["commented"],
        json!(["acme/api#12", "acme/api#13", "acme/web#3"])
    );
    assert_eq!(out["skipped"], json!(["acme/api#30", "acme/api#99"]));
    assert_eq!(out["already-done"], json!([]));
    assert_eq!(out["failed"], json!([]));
    assert_eq!(out["previous"], "v1.1.0");
    let short = |i: usize| ids[i][..7].to_string();
    assert_eq!(
        out["issues"][0],
        json!({"issue": "acme/api#12", "url": "https://github.com/acme/api/issues/12",
               "action": "commented", "labelled": true,
               "found-by": [format!("commit {}", short(0)), "pull request #20"],
               "comment-url": "https://github.com/acme/api/issues/12#issuecomment-5000"})
    );
    assert_eq!(out["issues"][2]["reason"], "a pull request, not an issue");
    assert_eq!(
        out["issues"][3]["reason"],
        "not found (or not visible to the token)"
    );
    assert_eq!(
        run.stderr(),
        "5 issue(s) closed in v1.1.0..v1.2.0: 3 commented, 0 already done, 2 skipped, 0 failed\n"
    );

    let bodies: Vec<(u64, Value)> = api_comments
        .all()
        .into_iter()
        .map(|(n, c)| (n, c["body"].clone()))
        .collect();
    assert_eq!(bodies, vec![(12, json!(BODY)), (13, json!(BODY))]);
    assert_eq!(web_comments.all()[0].1["body"], BODY);
    // #13 had the label already: one label write fewer.
    let made: Vec<String> = writes(&api)
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        made,
        [
            "POST /repos/acme/api/issues/12/comments",
            "POST /repos/acme/api/issues/12/labels",
            "POST /repos/acme/api/issues/13/comments",
            "POST /repos/acme/web/issues/3/comments",
            "POST /repos/acme/web/issues/3/labels",
        ]
    );
    assert_eq!(issues.labels("acme/api", 12), ["released"]);
    assert!(issues.labels("acme/api", 1).is_empty(), "before the range");
    assert!(
        issues.labels("acme/api", 4).is_empty(),
        "an unmerged pull request's"
    );

    // One query for the range's first-parent commits, by variables.
    let queries = api.requests_to("POST", "/graphql");
    assert_eq!(queries.len(), 1);
    let body = queries[0].json();
    assert!(
        body["query"]
            .as_str()
            .unwrap()
            .contains("closingIssuesReferences(first: 100)"),
        "{body}"
    );
    let mut asked: Vec<&str> = ["c0", "c1", "c2"]
        .iter()
        .map(|c| body["variables"][c].as_str().unwrap())
        .collect();
    asked.sort();
    let mut expected: Vec<&str> = ids.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(asked, expected);
    assert_eq!(body["variables"]["owner"], "acme");

    // The retried job: every comment found by its marker, nothing written.
    let before = writes(&api).len();
    let run = github_run(&sb, &api, &repo, &["--label", "released"])
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["commented"], json!([]));
    assert_eq!(
        out["already-done"],
        json!(["acme/api#12", "acme/api#13", "acme/web#3"])
    );
    assert_eq!(out["issues"][0]["labelled"], false);
    assert_eq!(writes(&api).len(), before);
}

#[test]
fn dry_run_lists_what_it_would_touch_and_writes_nothing() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    history(&repo);
    let api = MockApi::github();
    let issues = ForgeIssues::github(&api);
    issues.add("acme/api", 12, &[]);
    issues.add("acme/web", 3, &["released"]);
    IssueComments::github(&api, "acme/api");
    let web = IssueComments::github(&api, "acme/web");
    web.insert(
        3,
        crate::common::issue_comments::github_comment("acme/web", 3, 1, &json!(BODY)),
    );
    let run = sb
        .relay("comment-fixed-issues")
        .current_dir(repo.path())
        .args(["--forge", "github", "--api-url", &api.url()])
        .args(["--project", "acme/api", "--tag", "v1.2.0", "--dry-run"])
        .args([
            "--no-merged-changes",
            "--label",
            "released",
            "--link",
            "tag",
        ])
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_TOKEN", TOKEN)
        .run()
        .success();
    let short = repo.git(["rev-parse", "--short=7", "v1.2.0~2"]);
    let last = repo.git(["rev-parse", "--short=7", "v1.2.0^{commit}"]);
    assert_eq!(
        run.stdout(),
        format!(
            "3 commit(s) in v1.1.0..v1.2.0; 4 issue(s) closed\n\
             acme/api#12: would comment, add the label (closed by commit {short})\n\
             acme/api#30: skip: not found (or not visible to the token) (closed by commit {last})\n\
             acme/api#99: skip: not found (or not visible to the token) (closed by commit {last})\n\
             acme/web#3: already commented (closed by commit {short})\n"
        )
    );
    assert_eq!(
        run.stderr(),
        "dry run: 4 issue(s) closed in v1.1.0..v1.2.0: 1 commented, 1 already done, 2 skipped, 0 failed\n"
    );
    assert!(writes(&api).is_empty());
    assert!(
        api.requests_to("POST", "/graphql").is_empty(),
        "--no-merged-changes"
    );
}

/// GitLab: the default closing pattern's lists, the merge requests' closes_issues,
/// trailers of a tracker on the forge and of one elsewhere (listed only), the label
/// through `add_labels`.
#[test]
fn gitlab_reads_its_closing_pattern_merge_requests_and_configured_trailers() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a.txt", "1", "start");
    repo.tag_lightweight("2.0.0");
    let first = repo.commit(
        "a.txt",
        "2",
        "Fix parsing\n\nCloses #5 and #6\n\nCloses-Bug: #2001\n",
    );
    let merge = repo.commit(
        "a.txt",
        "3",
        "Merge branch 'export'\n\nSee merge request acme/api!8\nFixes-Issue: 7",
    );
    repo.tag_lightweight("2.1.0");
    sb.write(
        "api/relay.toml",
        "[fixed-issues]\nlabel = \"released\"\nmessage = \"Fixed in {project} {version} ({url})\"\n\n\
         [[fixed-issues.trackers]]\ntrailer = \"Closes-Bug\"\nurl = \"https://bugs.launchpad.net/bugs/{id}\"\n\n\
         [[fixed-issues.trackers]]\ntrailer = \"Fixes-Issue\"\nurl = \"https://gitlab.example.com/acme/tracker/-/issues/{id}\"\nrepo = \"acme/tracker\"\n",
    );
    let api = MockApi::gitlab();
    let issues = ForgeIssues::gitlab(&api);
    for n in [5, 6, 9] {
        issues.add("acme/api", n, &[]);
    }
    issues.add("acme/tracker", 7, &[]);
    let notes = IssueComments::gitlab(&api, "acme/api");
    let tracker_notes = IssueComments::gitlab(&api, "acme/tracker");
    let mr = |iid: u64, state: &str| {
        json!({"id": 100 + iid, "iid": iid, "project_id": 5, "title": "Export", "state": state,
               "web_url": format!("https://gitlab.example.com/acme/api/-/merge_requests/{iid}")})
    };
    let commits = "/api/v4/projects/acme%2Fapi/repository/commits";
    api.on(
        "GET",
        &format!("{commits}/{first}/merge_requests"),
        MockResponse::json(200, json!([])),
    );
    api.on(
        "GET",
        &format!("{commits}/{merge}/merge_requests"),
        MockResponse::json(200, json!([mr(8, "merged"), mr(4, "closed")])),
    );
    let closed = crate::common::forge_issues::gitlab_issue(
        "acme/api",
        9,
        &crate::common::forge_issues::MockIssue {
            title: "Issue 9".into(),
            open: false,
            labels: vec![],
            pull: false,
        },
    );
    api.on(
        "GET",
        "/api/v4/projects/acme%2Fapi/merge_requests/8/closes_issues",
        MockResponse::json(200, json!([closed])),
    );

    let run = sb
        .relay("comment-fixed-issues")
        .current_dir(repo.path())
        .args(["--tag", "2.1.0", "--write-interval", "0", "--json"])
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("CI_SERVER_URL", "https://gitlab.example.com")
        .env("CI_PROJECT_PATH", "acme/api")
        .env("GITLAB_TOKEN", "glpat-FIXED-SECRET")
        .run()
        .success();
    run.assert_hides("glpat-FIXED-SECRET");
    let out = run.json();
    assert_eq!(
        out["commented"],
        json!(["acme/api#5", "acme/api#6", "acme/api#9", "acme/tracker#7"])
    );
    assert_eq!(out["previous"], "2.0.0");
    assert_eq!(
        out["external"],
        json!([{"trailer": "Closes-Bug", "id": "2001",
                "url": "https://bugs.launchpad.net/bugs/2001", "commit": first}])
    );
    assert_eq!(out["issues"][2]["found-by"], json!(["merge request !8"]));
    assert_eq!(
        out["issues"][3]["found-by"],
        json!([format!("Fixes-Issue of commit {}", &merge[..7])])
    );
    let body = "Fixed in api 2.1.0 (https://gitlab.example.com/acme/api/-/releases/2.1.0)\n\n\
                <!-- release-relay:fixed-in/acme/api/2.1.0 -->";
    assert_eq!(notes.all().len(), 3);
    assert!(notes.all().iter().all(|(_, n)| n["body"] == body));
    assert_eq!(tracker_notes.all()[0].1["body"], body);
    assert_eq!(issues.labels("acme/api", 9), ["released"]);
    let label = api.requests_to("PUT", "/api/v4/projects/acme%2Fapi/issues/5");
    assert_eq!(label[0].json(), json!({"add_labels": "released"}));
    assert!(
        api.requests_to(
            "GET",
            "/api/v4/projects/acme%2Fapi/merge_requests/4/closes_issues"
        )
        .is_empty(),
        "a closed merge request closes nothing"
    );
}

#[test]
fn writes_are_spaced_by_the_write_interval() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    history(&repo);
    let api = MockApi::github();
    let issues = ForgeIssues::github(&api);
    issues.add("acme/api", 12, &[]);
    issues.add("acme/web", 3, &[]);
    IssueComments::github(&api, "acme/api");
    IssueComments::github(&api, "acme/web");
    let started = std::time::Instant::now();
    github_run(
        &sb,
        &api,
        &repo,
        &["--no-merged-changes", "--write-interval", "0.4"],
    )
    .run()
    .success();
    // Two comments: the second waits for the first's interval.
    assert_eq!(writes(&api).len(), 2);
    assert!(started.elapsed() >= std::time::Duration::from_millis(400));
}

#[test]
fn a_refused_write_fails_the_job_and_names_the_issue_and_the_permission() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    history(&repo);
    let api = MockApi::github();
    let issues = ForgeIssues::github(&api);
    issues.add("acme/api", 12, &[]);
    issues.add("acme/web", 3, &[]);
    IssueComments::github(&api, "acme/api");
    api.on(
        "GET",
        "/repos/acme/web/issues/3/comments",
        MockResponse::json(200, json!([])),
    );
    api.on(
        "POST",
        "/repos/acme/web/issues/3/comments",
        MockResponse::json(
            403,
            crate::common::github_shapes::error(403, "Resource not accessible by integration"),
        ),
    );
    let run = github_run(&sb, &api, &repo, &["--no-merged-changes"])
        .run()
        .expect_code(1);
    run.assert_hides(TOKEN);
    assert_eq!(run.json()["commented"], json!(["acme/api#12"]));
    assert_eq!(run.json()["failed"], json!(["acme/web#3"]));
    assert!(
        run.stderr().ends_with(
            "error: 1 issue(s) not commented: acme/web#3: POST comment on issue #3 in acme/web: \
             403 — the token lacks a permission: issues: write (Resource not accessible by integration)\n"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn graphql_errors_fail_the_job_with_github_s_words() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    history(&repo);
    let api = MockApi::github();
    api.on(
        "POST",
        "/graphql",
        MockResponse::json(
            200,
            json!({"data": null, "errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a Repository with the name 'acme/api'."}]}),
        ),
    );
    let run = github_run(&sb, &api, &repo, &[]).run().expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: commenting on the fixed issues: GraphQL closing references of the pull requests \
         of acme/api: refused: Could not resolve to a Repository with the name 'acme/api'.\n"
    );
    assert!(writes(&api).is_empty());
}

#[test]
fn bad_inputs_exit_2_before_anything_is_written() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    history(&repo);
    let api = MockApi::github();
    let stderr = |args: &[&str]| {
        github_run(&sb, &api, &repo, args)
            .run()
            .expect_code(2)
            .stderr()
    };
    assert_eq!(
        stderr(&["--message", "fixed in {release}"]),
        "error: commenting on the fixed issues: the comment template \"fixed in {release}\" uses \
         `{release}`; known are {repo}, {project}, {version}, {tag} and {url}\n"
    );
    assert_eq!(
        stderr(&["--label", "a,b"]),
        "error: commenting on the fixed issues: --label `a,b` must be one line without `,` \
         (GitLab reads a comma as two labels)\n"
    );
    assert_eq!(
        stderr(&["--write-interval=-1"]),
        "error: --write-interval -1 must be a number of seconds from 0 to 3600\n"
    );
    sb.write(
        "api/relay.toml",
        "[fixed-issues]\n[[fixed-issues.trackers]]\ntrailer = \"Closes-Bug\"\nurl = \"https://bugs.launchpad.net/bugs/\"\n",
    );
    assert_eq!(
        stderr(&[]),
        "error: reading the configuration: relay.toml:4:7: url `https://bugs.launchpad.net/bugs/` \
         must be an http(s) URL with `{id}` where the issue's id goes\n"
    );
    sb.write("api/relay.toml", "[fixed-issues]\nlabels = \"x\"\n");
    assert!(stderr(&[]).starts_with("error: relay.toml:2:1: unknown field `labels`"),);
    std::fs::remove_file(repo.path().join("relay.toml")).unwrap();
    let run = sb
        .relay("comment-fixed-issues")
        .current_dir(repo.path())
        .args(["--tag", "v1.2.0", "--project", "acme/api"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: comment-fixed-issues writes through a forge API: pass --forge github or --forge \
         gitlab (detected inside GitHub Actions and GitLab CI)\n"
    );
    let gitlab = MockApi::gitlab();
    let run = sb
        .relay("comment-fixed-issues")
        .current_dir(repo.path())
        .args(["--tag", "v1.2.0", "--project", "acme/api"])
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", gitlab.url()))
        .env("CI_JOB_TOKEN", "glcbt-JOB-SECRET")
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: commenting on the fixed issues: CI_JOB_TOKEN cannot comment on issues: create a \
         project access token with the `api` scope (role Reporter or more) and pass it as \
         GITLAB_TOKEN or --token\n"
    );
    assert!(writes(&api).is_empty() && api.requests().is_empty());
    assert!(gitlab.requests().iter().all(|r| r.path == "/api/v4/job"));
}

#[test]
fn a_range_that_cannot_be_read_fails_with_what_to_do() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    history(&repo);
    let api = MockApi::github();
    let run = github_run(&sb, &api, &repo, &["--previous", "v0.9.0"])
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: reading the release's commits: the previous release `v0.9.0` is neither in the \
         clone nor a tag of `origin` (check out the whole history, e.g. fetch-depth: 0, or pass \
         --previous)\n"
    );
    let run = github_run(&sb, &api, &repo, &["--tag", "v9.9.9"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr()
            .starts_with("error: reading the release's tag: tag v9.9.9 not found"),
        "{}",
        run.stderr()
    );
    assert!(api.requests().is_empty());
}
