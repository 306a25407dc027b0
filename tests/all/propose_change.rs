//! propose-change as the last job of an auto-update pipeline runs it: a checkout of the
//! consumer repository with a bumped version file, the bot's branch pushed to a real
//! git server on 127.0.0.1 (smart HTTP, demanding the token), and the pull/merge
//! request API played by a stateful mock (a change request created by one run is found
//! by the next).

use crate::common;

use crate::common::change_requests::ChangeRequests;
use crate::common::github_shapes as gh;
use crate::common::{HttpGitServer, MockApi, Recorded, Repo, Sandbox};
use serde_json::json;
use std::path::PathBuf;

const GITHUB_TOKEN: &str = "ghp_PROPOSE_SECRET_0123456789";
const GITLAB_TOKEN: &str = "glpat-PROPOSE-SECRET-0123";
const MERGE_TOKEN: &str = "glpat-MERGE-BOT-SECRET-4567";
const BRANCH: &str = "relay/gitaly-update";
const VERSION_FILE: &str = "GITALY_SERVER_VERSION";

/// The consumer repository on a git server that demands `credentials`.
struct Consumer {
    bare: PathBuf,
    server: HttpGitServer,
}

impl Consumer {
    fn new(sb: &Sandbox, credentials: (&str, &str)) -> Consumer {
        let bare = sb.bare_repo("srv/acme/gitlab.git");
        let seed = sb.repo("seed");
        seed.commit("README.md", "# gitlab\n", "initial");
        seed.commit(VERSION_FILE, &format!("{}\n", "a".repeat(40)), "pin gitaly");
        seed.git(["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"]);
        let server = HttpGitServer::start(&sb.path().join("srv"), Some(credentials));
        Consumer { bare, server }
    }

    /// A CI checkout: a clone whose `origin` is the server.
    fn checkout<'a>(&self, sb: &'a Sandbox, name: &str) -> Repo<'a> {
        let repo = sb.clone_of(self.bare.to_str().unwrap(), name, &[]);
        repo.git([
            "remote",
            "set-url",
            "origin",
            &self.server.url("acme/gitlab.git"),
        ]);
        repo
    }

    fn remote(&self, sb: &Sandbox, args: &[&str]) -> String {
        sb.git_in(&self.bare, args)
    }

    fn branch_tip(&self, sb: &Sandbox) -> Option<String> {
        let out = sb
            .command("git")
            .current_dir(&self.bare)
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/heads/{BRANCH}"),
            ])
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Another commit on main, as the project moves on.
    fn advance_main(&self, sb: &Sandbox, name: &str) -> String {
        let work = sb.clone_of(self.bare.to_str().unwrap(), name, &[]);
        work.commit("app.rb", "puts 1\n", "feat: unrelated work");
        work.git(["push", "-q", "origin", "HEAD:main"]);
        work.git(["rev-parse", "HEAD"])
    }
}

/// What bump-versions does in the pipeline: the new commit id into the version file.
fn bump(repo: &Repo, version: &str) {
    std::fs::write(repo.path().join(VERSION_FILE), format!("{version}\n")).unwrap();
}

fn writes(api: &MockApi) -> Vec<Recorded> {
    api.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

fn github_run(sb: &Sandbox, api: &MockApi, checkout: &Repo, args: &[&str]) -> common::Relay {
    sb.write("body.md", "Bumps Gitaly to the newest green commit.\n");
    sb.relay("propose-change")
        .current_dir(checkout.path())
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/gitlab",
        ])
        .args([
            "--branch",
            BRANCH,
            "--body-file",
            sb.path().join("body.md").to_str().unwrap(),
        ])
        .args(["--label", "automation", "--label", "gitaly"])
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .args(args)
}

#[test]
fn github_creates_then_leaves_alone_then_updates_one_pull_request() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("x-access-token", GITHUB_TOKEN));
    let api = MockApi::github();
    let pulls = ChangeRequests::github(&api, "acme/gitlab", "main");
    let main_tip = consumer.remote(&sb, &["rev-parse", "main"]);

    // Run 1: the bump is proposed: a branch of one commit on main, a new pull request.
    let ci = consumer.checkout(&sb, "ci-1");
    bump(&ci, &"b".repeat(40));
    let run = github_run(
        &sb,
        &api,
        &ci,
        &[
            "--title",
            "Update Gitaly version to bbbbbbb",
            "--auto-merge",
            "--json",
        ],
    )
    .run()
    .success();
    run.assert_hides(GITHUB_TOKEN);
    let out = run.json();
    let tip = consumer.branch_tip(&sb).expect("the branch was pushed");
    assert_eq!(
        out,
        json!({"url": "https://github.com/acme/gitlab/pull/1", "number": "1", "action": "created",
               "branch": BRANCH, "commit": tip})
    );
    assert_eq!(
        consumer.remote(&sb, &["rev-parse", &format!("{tip}^")]),
        main_tip
    );
    assert_eq!(
        consumer.remote(&sb, &["show", &format!("{tip}:{VERSION_FILE}")]),
        "b".repeat(40)
    );
    assert_eq!(
        consumer.remote(
            &sb,
            &["diff-tree", "--no-commit-id", "--name-only", "-r", &tip]
        ),
        VERSION_FILE
    );
    assert_eq!(
        consumer.remote(&sb, &["log", "-1", "--format=%s", &tip]),
        "Update Gitaly version to bbbbbbb"
    );
    let made = writes(&api);
    let calls: Vec<String> = made
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /repos/acme/gitlab/pulls",
            "POST /repos/acme/gitlab/issues/1/labels",
            "POST /graphql"
        ]
    );
    assert_eq!(
        made[0].json(),
        json!({"title": "Update Gitaly version to bbbbbbb", "head": BRANCH, "base": "main",
               "body": "Bumps Gitaly to the newest green commit.\n"})
    );
    assert_eq!(made[1].json(), json!({"labels": ["automation", "gitaly"]}));
    assert_eq!(
        made[2].json()["variables"],
        json!({"pullRequestId": "PR_kwDOAA1", "mergeMethod": "MERGE"})
    );
    assert!(
        made[2].json()["query"]
            .as_str()
            .unwrap()
            .contains("enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod})")
    );
    let lookup = &api.requests_to("GET", "/repos/acme/gitlab/pulls")[0];
    assert_eq!(
        lookup.query,
        "head=acme%3Arelay%2Fgitaly-update&state=open&per_page=100"
    );
    assert!(
        run.stderr()
            .contains("created https://github.com/acme/gitlab/pull/1 (#1); auto-merge set\n"),
        "{}",
        run.stderr()
    );

    // Run 2, an hour later: main moved on, the green commit is the same. Nothing to do.
    let new_main = consumer.advance_main(&sb, "dev");
    let ci = consumer.checkout(&sb, "ci-2");
    bump(&ci, &"b".repeat(40));
    let before = writes(&api).len();
    let run = github_run(
        &sb,
        &api,
        &ci,
        &[
            "--title",
            "Update Gitaly version to bbbbbbb",
            "--auto-merge",
            "--json",
        ],
    )
    .run()
    .success();
    assert_eq!(run.json()["action"], "unchanged");
    assert_eq!(run.json()["number"], "1");
    assert_eq!(run.json()["commit"], "");
    assert!(
        run.stderr().ends_with(&format!(
            "unchanged: branch `{BRANCH}` already holds these changes; auto-merge already set\n"
        )),
        "{}",
        run.stderr()
    );
    assert_eq!(writes(&api).len(), before, "no API write");
    assert_eq!(consumer.branch_tip(&sb).unwrap(), tip, "no push");

    // Run 3: a newer green commit. The branch is rebuilt on the new main, the same pull
    // request is retitled; never a second one.
    let ci = consumer.checkout(&sb, "ci-3");
    bump(&ci, &"c".repeat(40));
    let run = github_run(
        &sb,
        &api,
        &ci,
        &[
            "--title",
            "Update Gitaly version to ccccccc",
            "--auto-merge",
            "--json",
        ],
    )
    .run()
    .success();
    let out = run.json();
    assert_eq!(out["action"], "updated");
    assert_eq!(out["number"], "1");
    let tip = consumer.branch_tip(&sb).unwrap();
    assert_eq!(out["commit"], tip);
    assert_eq!(
        consumer.remote(&sb, &["rev-parse", &format!("{tip}^")]),
        new_main
    );
    assert_eq!(
        consumer.remote(&sb, &["show", &format!("{tip}:{VERSION_FILE}")]),
        "c".repeat(40)
    );
    let calls: Vec<String> = writes(&api)[before..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(calls, ["PATCH /repos/acme/gitlab/pulls/1", "POST /graphql"]);
    assert_eq!(pulls.all().len(), 1);
    assert_eq!(pulls.all()[0]["title"], "Update Gitaly version to ccccccc");
}

#[test]
fn dry_run_pushes_nothing_and_writes_nothing() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("x-access-token", GITHUB_TOKEN));
    let api = MockApi::github();
    ChangeRequests::github(&api, "acme/gitlab", "main");
    let ci = consumer.checkout(&sb, "ci");
    bump(&ci, &"b".repeat(40));
    let run = github_run(
        &sb,
        &api,
        &ci,
        &[
            "--title",
            "Update Gitaly",
            "--auto-merge",
            "--stale-after",
            "1h",
            "--dry-run",
            "--json",
        ],
    )
    .run()
    .success();
    let out = run.json();
    assert_eq!(out["action"], "created");
    assert_eq!(out["url"], "");
    let commit = out["commit"].as_str().unwrap().to_string();
    assert_eq!(commit.len(), 40);
    assert_eq!(
        run.stderr(),
        format!(
            "dry-run, would: push commit {} ({VERSION_FILE}) to branch `{BRANCH}` on top of `main`\n\
             dry-run, would: open a change request `Update Gitaly` from `{BRANCH}` into `main` labelled automation, gitaly\n\
             dry run: would have created a change request from `{BRANCH}`\n",
            &commit[..7]
        )
    );
    assert!(writes(&api).is_empty(), "{:?}", writes(&api));
    assert_eq!(consumer.branch_tip(&sb), None);
    assert_eq!(
        ci.git(["status", "--porcelain"]),
        format!(" M {VERSION_FILE}"),
        "the checkout is left as it was"
    );
    assert_eq!(
        ci.git(["for-each-ref", "refs/relay"]),
        "",
        "no private refs left"
    );

    // With a pull request open, a dry run plans the update and still writes nothing.
    github_run(&sb, &api, &ci, &["--title", "Update Gitaly"])
        .run()
        .success();
    let before = writes(&api).len();
    let tip = consumer.branch_tip(&sb);
    bump(&ci, &"c".repeat(40));
    let run = github_run(
        &sb,
        &api,
        &ci,
        &[
            "--title",
            "Update Gitaly to c",
            "--auto-merge",
            "--dry-run",
            "--json",
        ],
    )
    .run()
    .success();
    assert_eq!(run.json()["action"], "updated");
    assert_eq!(run.json()["number"], "1");
    assert!(run.stderr().contains(
        "dry-run, would: update the title and description of https://github.com/acme/gitlab/pull/1\n\
         dry-run, would: set https://github.com/acme/gitlab/pull/1 to merge when its pipeline passes\n"
    ), "{}", run.stderr());
    assert_eq!(writes(&api).len(), before);
    assert_eq!(consumer.branch_tip(&sb), tip);
}

#[test]
fn a_stale_pull_request_is_labelled_once() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("x-access-token", GITHUB_TOKEN));
    let api = MockApi::github();
    let pulls = ChangeRequests::github(&api, "acme/gitlab", "main");
    let ci = consumer.checkout(&sb, "ci");
    bump(&ci, &"b".repeat(40));
    github_run(&sb, &api, &ci, &["--title", "Update Gitaly"])
        .run()
        .success();
    let three_days_ago = (chrono::Utc::now() - chrono::Duration::hours(73))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    pulls.set_created_at(1, &three_days_ago);

    let before = writes(&api).len();
    let run = github_run(
        &sb,
        &api,
        &ci,
        &["--title", "Update Gitaly", "--stale-after", "24h"],
    )
    .run()
    .success();
    assert!(
        run.stderr().contains(
            "warning: https://github.com/acme/gitlab/pull/1 has been open for 3days 1h (longer than \
             --stale-after 1day); labelled `stale`\n"
        ),
        "{}",
        run.stderr()
    );
    let made = writes(&api)[before..].to_vec();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].path, "/repos/acme/gitlab/issues/1/labels");
    assert_eq!(made[0].json(), json!({"labels": ["stale"]}));

    let run = github_run(
        &sb,
        &api,
        &ci,
        &["--title", "Update Gitaly", "--stale-after", "24h"],
    )
    .run()
    .success();
    assert!(!run.stderr().contains("warning"), "{}", run.stderr());
    assert_eq!(writes(&api).len(), before + 1, "labelled once");
}

#[test]
fn only_the_given_paths_are_proposed_and_a_second_request_is_never_opened() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("x-access-token", GITHUB_TOKEN));
    let api = MockApi::github();
    // Someone else's run opened the pull request a moment ago; the first lookup misses it.
    let first_lookup = std::sync::atomic::AtomicBool::new(true);
    api.handle(move |r| {
        (r.method == "GET"
            && r.path == "/repos/acme/gitlab/pulls"
            && first_lookup.swap(false, std::sync::atomic::Ordering::SeqCst))
        .then(|| common::MockResponse::json(200, json!([])))
    });
    let pulls = ChangeRequests::github(&api, "acme/gitlab", "main");
    let mut existing = gh::pull_request(
        "acme/gitlab",
        7,
        &json!("Update Gitaly"),
        &json!(""),
        BRANCH,
        "main",
    );
    existing["created_at"] = "2026-11-23T09:00:00Z".into();
    pulls.insert(existing);
    let old_notes = sb.clone_of(consumer.bare.to_str().unwrap(), "dev", &[]);
    old_notes.commit("gitaly/OLD", "to be removed\n", "add gitaly notes");
    old_notes.git(["push", "-q", "origin", "HEAD:main"]);
    let ci = consumer.checkout(&sb, "ci");
    bump(&ci, &"b".repeat(40));
    std::fs::remove_file(ci.path().join("gitaly/OLD")).unwrap();
    std::fs::write(ci.path().join("README.md"), "# local edit, not proposed\n").unwrap();
    std::fs::create_dir_all(ci.path().join("gitaly")).unwrap();
    std::fs::write(ci.path().join("gitaly/NOTES"), "new file\n").unwrap();
    let run = github_run(
        &sb,
        &api,
        &ci,
        &[
            "--title",
            "Update Gitaly",
            "--path",
            VERSION_FILE,
            "--path",
            "gitaly",
            "--json",
        ],
    )
    .run()
    .success();
    assert_eq!(run.json()["action"], "updated");
    assert_eq!(run.json()["number"], "7");
    let tip = consumer.branch_tip(&sb).unwrap();
    assert_eq!(
        consumer.remote(
            &sb,
            &["diff-tree", "--no-commit-id", "--name-only", "-r", &tip]
        ),
        format!("{VERSION_FILE}\ngitaly/NOTES\ngitaly/OLD")
    );
    assert_eq!(
        consumer.remote(&sb, &["ls-tree", "-r", "--name-only", &tip]),
        format!("{VERSION_FILE}\nREADME.md\ngitaly/NOTES"),
        "the deletion is proposed; the README edit outside --path is not"
    );
    assert_eq!(
        pulls.all().len(),
        1,
        "the 422 led to the open one, not a second"
    );
    let posts = api.requests_to("POST", "/repos/acme/gitlab/pulls");
    assert_eq!(posts.len(), 1);
}

#[test]
fn nothing_to_propose_is_said_and_nothing_is_written() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("x-access-token", GITHUB_TOKEN));
    let api = MockApi::github();
    ChangeRequests::github(&api, "acme/gitlab", "main");
    let ci = consumer.checkout(&sb, "ci");
    let run = github_run(&sb, &api, &ci, &["--title", "Update Gitaly", "--json"])
        .run()
        .success();
    assert_eq!(
        run.json(),
        json!({"url": "", "number": "", "action": "unchanged", "branch": BRANCH, "commit": ""})
    );
    assert_eq!(
        run.stderr(),
        "unchanged: the working tree has no tracked changes\n"
    );
    // The version file already says what main says.
    bump(&ci, &"a".repeat(40));
    std::fs::write(ci.path().join("untracked.txt"), "x").unwrap();
    let run = github_run(&sb, &api, &ci, &["--title", "Update Gitaly"])
        .run()
        .success();
    assert_eq!(
        run.stderr(),
        "unchanged: the working tree has no tracked changes\n"
    );
    assert!(writes(&api).is_empty());
    assert_eq!(consumer.branch_tip(&sb), None);
}

#[test]
fn bad_branches_and_token_problems_name_the_fix() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("x-access-token", GITHUB_TOKEN));
    let api = MockApi::github();
    ChangeRequests::github(&api, "acme/gitlab", "main");
    let ci = consumer.checkout(&sb, "ci");
    bump(&ci, &"b".repeat(40));
    let run = sb
        .relay("propose-change")
        .current_dir(ci.path())
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/gitlab",
        ])
        .args(["--branch", "main", "--title", "x"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: proposing the change: --branch `main`: is the base branch; propose-change only \
         ever pushes to its own branch — name one for the bot, e.g. `relay/main`\n"
    );
    let run = sb
        .relay("propose-change")
        .current_dir(ci.path())
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/gitlab",
        ])
        .args(["--branch", "bad..name", "--title", "x"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: proposing the change: --branch `bad..name`: not a valid branch name\n"
    );

    let run = sb
        .relay("propose-change")
        .current_dir(ci.path())
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/gitlab",
        ])
        .args(["--branch", BRANCH, "--title", "x", "--base", "release-9"])
        .args(["--token", GITHUB_TOKEN])
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: proposing the change: the base branch `release-9` does not exist on the remote `origin`\n"
    );
    assert_eq!(consumer.branch_tip(&sb), None);

    // A token without pull-requests: write (GITHUB_TOKEN where the repository forbids
    // Actions to open pull requests).
    let api = MockApi::github();
    api.handle(|r| {
        (r.method == "POST" && r.path == "/repos/acme/gitlab/pulls").then(|| {
            common::MockResponse::json(
                403,
                json!({"message": "GitHub Actions is not permitted to create or approve pull requests.",
                       "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"}),
            )
        })
    });
    ChangeRequests::github(&api, "acme/gitlab", "main");
    let run = github_run(&sb, &api, &ci, &["--title", "Update Gitaly"])
        .run()
        .expect_code(1);
    run.assert_hides(GITHUB_TOKEN);
    assert_eq!(
        run.stderr(),
        format!(
            "error: proposing the change: POST pull request {BRANCH} → main in acme/gitlab: 403 — the token \
             lacks a permission: `pull-requests: write` (and `contents: write` to push the branch); with \
             GITHUB_TOKEN the repository must also allow \"GitHub Actions to create and approve pull \
             requests\", and events made with GITHUB_TOKEN start no workflows — use a GitHub App token \
             (actions/create-github-app-token) so the pull request's checks run (GitHub Actions is not \
             permitted to create or approve pull requests.)\n"
        )
    );

    // A token the git server does not take: the first read names the token's needs.
    let ci = consumer.checkout(&sb, "ci-wrong-token");
    bump(&ci, &"c".repeat(40));
    let run = sb
        .relay("propose-change")
        .current_dir(ci.path())
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/gitlab",
        ])
        .args([
            "--branch",
            "relay/other",
            "--title",
            "x",
            "--token",
            "ghp_WRONG_TOKEN",
        ])
        .run()
        .expect_code(1);
    run.assert_hides("ghp_WRONG_TOKEN");
    assert!(
        run.stderr().starts_with(
            "error: proposing the change: reading from `origin` failed — the token needs \
             `contents: read` (`contents: write` to push): `git ls-remote --heads --end-of-options \
             origin refs/heads/main` failed (exit status: 128): "
        ),
        "{}",
        run.stderr()
    );

    // A push the server refuses (a protected branch): the push names contents: write.
    let hook = consumer.bare.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let run = sb
        .relay("propose-change")
        .current_dir(ci.path())
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/gitlab",
        ])
        .args([
            "--branch",
            "relay/other",
            "--title",
            "x",
            "--token",
            GITHUB_TOKEN,
        ])
        .run()
        .expect_code(1);
    run.assert_hides(GITHUB_TOKEN);
    assert!(
        run.stderr().starts_with(
            "error: proposing the change: pushing branch `relay/other` to `origin` failed — the \
             token needs `contents: write` (and the branch must not be protected against the bot): \
             `git push --quiet --no-verify --force-with-lease=refs/heads/relay/other: \
             --end-of-options origin "
        ),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("protected branch"),
        "{}",
        run.stderr()
    );
}

fn gitlab_run(sb: &Sandbox, api: &MockApi, checkout: &Repo, args: &[&str]) -> common::Relay {
    sb.relay("propose-change")
        .current_dir(checkout.path())
        .args([
            "--repo",
            "acme/gitlab",
            "--branch",
            BRANCH,
            "--label",
            "automation",
        ])
        .args(if args.contains(&"--title") {
            &[][..]
        } else {
            &["--title", "Update Gitaly version"][..]
        })
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("CI_SERVER_URL", "https://gitlab.example.com")
        .env("CI_PROJECT_PATH", "acme/gitlab")
        .env("CI_JOB_TOKEN", "glcbt-JOB-TOKEN-SECRET")
        .args(args)
}

#[test]
fn gitlab_waits_out_405_then_sets_merge_when_pipeline_succeeds_as_the_merge_bot() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("oauth2", GITLAB_TOKEN));
    let api = MockApi::gitlab();
    let mrs = ChangeRequests::gitlab(&api, "acme/gitlab", "master-not-used");
    mrs.refuse_merges(2);
    let ci = consumer.checkout(&sb, "ci");
    bump(&ci, &"b".repeat(40));
    let dotenv = sb.path().join("propose.env");
    let run = gitlab_run(
        &sb,
        &api,
        &ci,
        &[
            "--base",
            "main",
            "--auto-merge",
            "--dotenv",
            dotenv.to_str().unwrap(),
        ],
    )
    .env("GITLAB_TOKEN", GITLAB_TOKEN)
    .env("INPUT_MERGE_TOKEN", MERGE_TOKEN)
    .run()
    .success();
    run.assert_hides(GITLAB_TOKEN);
    run.assert_hides(MERGE_TOKEN);
    let env = common::outputs::parse_dotenv(&std::fs::read_to_string(&dotenv).unwrap());
    assert_eq!(env["ACTION"], "created");
    assert_eq!(env["NUMBER"], "1");
    assert_eq!(
        env["URL"],
        "https://gitlab.example.com/acme/gitlab/-/merge_requests/1"
    );
    assert_eq!(env["BRANCH"], BRANCH);
    assert_eq!(env["COMMIT"], consumer.branch_tip(&sb).unwrap());
    assert!(
        run.stderr().ends_with(
            "created https://gitlab.example.com/acme/gitlab/-/merge_requests/1 (#1); auto-merge set (after 3 tries)\n"
        ),
        "{}",
        run.stderr()
    );
    let calls: Vec<(String, String, Option<String>)> = writes(&api)
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.path.clone(),
                r.header("private-token").map(str::to_string),
            )
        })
        .collect();
    let mr = "/api/v4/projects/acme%2Fgitlab/merge_requests";
    let as_bot = Some(GITLAB_TOKEN.to_string());
    let as_merger = Some(MERGE_TOKEN.to_string());
    assert_eq!(
        calls,
        [
            ("POST".into(), mr.to_string(), as_bot),
            ("POST".into(), format!("{mr}/1/approve"), as_merger.clone()),
            ("PUT".into(), format!("{mr}/1/merge"), as_merger.clone()),
            ("PUT".into(), format!("{mr}/1/merge"), as_merger.clone()),
            ("PUT".into(), format!("{mr}/1/merge"), as_merger),
        ]
    );
    let created = &writes(&api)[0];
    assert_eq!(
        created.json(),
        json!({"source_branch": BRANCH, "target_branch": "main", "title": "Update Gitaly version",
               "description": "", "remove_source_branch": true, "labels": "automation"})
    );
    assert_eq!(
        writes(&api)[2].json(),
        json!({"merge_when_pipeline_succeeds": true, "auto_merge": true})
    );
    assert_eq!(mrs.approvals(), [(1, MERGE_TOKEN.to_string())]);
    assert_eq!(mrs.all()[0]["merge_when_pipeline_succeeds"], true);

    // The next run with the same green commit: unchanged, auto-merge already set.
    let before = writes(&api).len();
    let run = gitlab_run(
        &sb,
        &api,
        &ci,
        &["--base", "main", "--auto-merge", "--json"],
    )
    .env("GITLAB_TOKEN", GITLAB_TOKEN)
    .run()
    .success();
    assert_eq!(run.json()["action"], "unchanged");
    assert_eq!(writes(&api).len(), before);

    // A newer green commit: the same merge request gets the new commit and title, and
    // merge-when-pipeline-succeeds is asked for again after the push.
    let ci = consumer.checkout(&sb, "ci-next");
    bump(&ci, &"c".repeat(40));
    let run = gitlab_run(
        &sb,
        &api,
        &ci,
        &[
            "--base",
            "main",
            "--auto-merge",
            "--json",
            "--title",
            "Update Gitaly version to ccccccc",
        ],
    )
    .env("GITLAB_TOKEN", GITLAB_TOKEN)
    .run()
    .success();
    assert_eq!(run.json()["action"], "updated");
    assert_eq!(run.json()["number"], "1");
    let made = writes(&api)[before..].to_vec();
    let calls: Vec<String> = made
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(calls, [format!("PUT {mr}/1"), format!("PUT {mr}/1/merge")]);
    assert_eq!(
        made[0].json(),
        json!({"title": "Update Gitaly version to ccccccc", "description": ""})
    );
    assert_eq!(
        consumer.remote(&sb, &["show", &format!("{BRANCH}:{VERSION_FILE}")]),
        "c".repeat(40)
    );
    assert_eq!(mrs.all().len(), 1);
}

#[test]
fn pushing_with_the_workflow_github_token_warns_that_no_checks_will_run() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("x-access-token", GITHUB_TOKEN));
    let api = MockApi::github();
    ChangeRequests::github(&api, "acme/gitlab", "main");
    let ci = consumer.checkout(&sb, "ci");
    bump(&ci, &"b".repeat(40));
    let run = sb
        .relay("propose-change")
        .current_dir(ci.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/gitlab")
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("INPUT_BRANCH", BRANCH)
        .env("INPUT_TITLE", "Update Gitaly")
        .env("INPUT_DRY-RUN", "false")
        .run()
        .success();
    let warning = "the change was pushed with GITHUB_TOKEN: GitHub starts no workflows for \
                   events it makes, so the pull request's checks will not run — use a GitHub \
                   App token (actions/create-github-app-token) or a personal access token";
    assert!(
        run.stderr().contains(&format!("warning: {warning}\n")),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains(&format!("::warning::{warning}\n")));
    for line in run.stderr().lines().filter(|l| l.contains(GITHUB_TOKEN)) {
        assert_eq!(line, format!("::add-mask::{GITHUB_TOKEN}"));
    }
    assert!(consumer.branch_tip(&sb).is_some());
}

#[test]
fn gitlab_gives_up_on_auto_merge_after_the_wait_but_reports_the_merge_request() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("oauth2", GITLAB_TOKEN));
    let api = MockApi::gitlab();
    let mrs = ChangeRequests::gitlab(&api, "acme/gitlab", "main");
    mrs.refuse_merges(usize::MAX);
    let ci = consumer.checkout(&sb, "ci");
    bump(&ci, &"b".repeat(40));
    let run = gitlab_run(
        &sb,
        &api,
        &ci,
        &["--auto-merge", "--auto-merge-wait", "1s", "--json"],
    )
    .env("GITLAB_TOKEN", GITLAB_TOKEN)
    .run()
    .expect_code(1);
    assert_eq!(run.json()["action"], "created");
    assert_eq!(run.json()["number"], "1");
    assert!(
        run.stderr().ends_with(
            "error: https://gitlab.example.com/acme/gitlab/-/merge_requests/1: the forge still \
             refused auto-merge at the end of --auto-merge-wait 1s: 405 Method Not Allowed — does \
             the project run pipelines for merge requests, and is the merge request free of \
             conflicts and not a draft?\n"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(
        api.requests_to(
            "PUT",
            "/api/v4/projects/acme%2Fgitlab/merge_requests/1/merge"
        )
        .len(),
        2,
        "asked at once and after 500 ms; the next pause would pass the 1 s wait"
    );
}

#[test]
fn gitlab_job_token_cannot_open_merge_requests() {
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("oauth2", GITLAB_TOKEN));
    let api = MockApi::gitlab();
    ChangeRequests::gitlab(&api, "acme/gitlab", "main");
    let ci = consumer.checkout(&sb, "ci");
    bump(&ci, &"b".repeat(40));
    let run = gitlab_run(&sb, &api, &ci, &[]).run().expect_code(2);
    run.assert_hides("glcbt-JOB-TOKEN-SECRET");
    assert_eq!(
        run.stderr(),
        "error: proposing the change: CI_JOB_TOKEN cannot open or update merge requests (nor \
         push): create a project access token with the `api` and `write_repository` scopes (role \
         Developer) and pass it as GITLAB_TOKEN or --token\n"
    );
    assert!(writes(&api).is_empty());
    assert_eq!(consumer.branch_tip(&sb), None);
}

#[test]
fn gitlab_a_merge_request_the_merge_token_approved_already_is_not_a_refused_token() {
    // GitLab answers a second approval by the same user with 401 Unauthorized (the
    // project keeps approvals when commits are added); the approval stands, so a run
    // that pushed a newer commit goes on to ask for auto-merge.
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("oauth2", GITLAB_TOKEN));
    let api = MockApi::gitlab();
    let mrs = ChangeRequests::gitlab(&api, "acme/gitlab", "main");
    for (checkout, sha) in [("ci", "b"), ("ci-next", "c")] {
        let ci = consumer.checkout(&sb, checkout);
        bump(&ci, &sha.repeat(40));
        let run = gitlab_run(&sb, &api, &ci, &["--base", "main", "--auto-merge"])
            .env("GITLAB_TOKEN", GITLAB_TOKEN)
            .env("INPUT_MERGE_TOKEN", MERGE_TOKEN)
            .run();
        assert_eq!(run.code(), 0, "{}", run.stderr());
        assert!(!run.stderr().contains("refused"), "{}", run.stderr());
    }
    let approve = "/api/v4/projects/acme%2Fgitlab/merge_requests/1/approve";
    assert_eq!(api.requests_to("POST", approve).len(), 2);
    assert_eq!(mrs.approvals(), [(1, MERGE_TOKEN.to_string())]);
    let merges = "/api/v4/projects/acme%2Fgitlab/merge_requests/1/merge";
    assert_eq!(api.requests_to("PUT", merges).len(), 2);
}

#[test]
fn github_auto_merge_uses_a_merge_method_the_repository_allows() {
    // enablePullRequestAutoMerge merges with a merge commit unless told otherwise; a
    // squash-only repository refuses that.
    let sb = Sandbox::new();
    let consumer = Consumer::new(&sb, ("x-access-token", GITHUB_TOKEN));
    let api = MockApi::github();
    let pulls = ChangeRequests::github(&api, "acme/gitlab", "main");
    pulls.allow_merge_methods(false, true, false);
    let ci = consumer.checkout(&sb, "ci");
    bump(&ci, &"b".repeat(40));
    let run = github_run(&sb, &api, &ci, &["--title", "Update", "--auto-merge"]).run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let graphql = &api.requests_to("POST", "/graphql")[0];
    assert_eq!(graphql.json()["variables"]["mergeMethod"], "SQUASH");
    assert_eq!(pulls.all()[0]["auto_merge"]["merge_method"], "squash");
}
