//! What the tools leave in a CI workspace, as a container action runs them: as root,
//! in a checkout the runner's user owns. Every file and git object they write keeps
//! the workspace's owner; a new file gets the mode the umask gives; inputs meant for
//! one tool (`INPUT_TOOL`) are not read by another tool in the same job.

use crate::common::change_requests::ChangeRequests;
use crate::common::{GitServer, MockApi, Repo, Sandbox};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The runner's user on GitHub's hosted runners.
const RUNNER_UID: u32 = 1001;
const RUNNER_GID: u32 = 127;

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Every entry below `dir` (links themselves) that does not belong to the runner.
fn not_the_runner_s(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.uid() != RUNNER_UID || meta.gid() != RUNNER_GID {
                found.push((entry.path(), meta.uid()));
            }
            if meta.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    found
}

/// git of the test itself (root) in the runner's checkout.
fn root_git(repo: &Repo, args: &[&str]) -> String {
    let mut all = vec!["-c", "safe.directory=*"];
    all.extend_from_slice(args);
    repo.git(all)
}

fn hand_to_runner(dir: &Path) {
    let out = std::process::Command::new("chown")
        .args(["-R", &format!("{RUNNER_UID}:{RUNNER_GID}")])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// A checkout like actions/checkout leaves it, owned by the runner: `origin` on a git
/// server, the release tag lightweight locally and annotated on the remote.
fn runner_checkout<'a>(sb: &'a Sandbox, server: &GitServer) -> (Repo<'a>, String) {
    let publisher = sb.repo("publisher");
    let sha = publisher.commit("README.md", "# api\n", "first");
    publisher.tag_annotated("1.2.0", "api 1.2.0 release\n\nmeta:series: 2026.1\n");
    publisher.git([
        "push",
        "-q",
        &server.url("acme/api.git"),
        "HEAD:refs/heads/main",
        "refs/tags/1.2.0",
    ]);
    let ci = sb.clone_of(&server.url("acme/api.git"), "ci", &["--no-tags"]);
    ci.git(["tag", "1.2.0", &sha]);
    hand_to_runner(ci.path());
    (ci, sha)
}

#[test]
fn what_the_tools_write_in_a_runner_s_checkout_keeps_the_runner_as_owner() {
    if !running_as_root() {
        eprintln!("skipped: handing files to another user needs root (CI runs as root)");
        return;
    }
    let sb = Sandbox::new();
    sb.bare_repo("srv/acme/api.git");
    let server = GitServer::start(&sb.path().join("srv"));
    let (ci, _) = runner_checkout(&sb, &server);
    assert!(not_the_runner_s(ci.path()).is_empty());

    // read-tag-metadata re-fetches the annotated tag over the lightweight one: new
    // objects and a new ref in .git.
    let out = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.2.0", "--dotenv", "tag.env", "--json"])
        .current_dir(ci.path())
        .run()
        .success()
        .json();
    assert_eq!(out["series"], "2026.1");
    assert_eq!(root_git(&ci, &["cat-file", "-t", "1.2.0"]), "tag");

    // bump-versions writes a new file and a dotenv report with a side file.
    std::fs::write(ci.path().join("VERSION"), "1.1.0\n").unwrap();
    hand_to_runner(&ci.path().join("VERSION"));
    sb.relay("bump-versions")
        .args(["--version", "1.2.0", "--file", "VERSION"])
        .args(["--dotenv", "bump.env"])
        .current_dir(ci.path())
        .run()
        .success();
    assert_eq!(
        std::fs::read_to_string(ci.path().join("VERSION")).unwrap(),
        "1.2.0\n"
    );

    // propose-change commits and pushes the bump: more objects and refs.
    let api = MockApi::github();
    let _pulls = ChangeRequests::github(&api, "acme/api", "main");
    sb.relay("propose-change")
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/api",
        ])
        .args(["--branch", "relay/bump", "--title", "Release 1.2.0"])
        .args(["--path", "VERSION"])
        .env("GITHUB_TOKEN", "ghs_workspace_owner_0123")
        .current_dir(ci.path())
        .run()
        .success();
    assert!(
        sb.git_in(
            &sb.path().join("srv/acme/api.git"),
            ["rev-parse", "--verify", "refs/heads/relay/bump"]
        )
        .len()
            == 40
    );

    let foreign = not_the_runner_s(ci.path());
    assert!(
        foreign.is_empty(),
        "entries the runner does not own: {foreign:#?}"
    );
    // And the runner's own git can go on writing there.
    assert!(ci.path().join("tag.env").is_file() && ci.path().join("bump.env").is_file());
}

#[test]
fn new_files_and_side_files_get_the_mode_of_the_umask() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    repo.commit("a.txt", "a", "first");
    repo.tag_annotated(
        "1.0.0",
        "api 1.0.0 release\n\nmeta:series: 2026.1\n\nA message\nof two lines.\n",
    );
    let tool = crate::common::bin_path("read-tag-metadata");
    let out = sb
        .command("sh")
        .args(["-c", "umask 027 && exec \"$0\" \"$@\""])
        .arg(&tool)
        .args(["--tag", "1.0.0", "--dotenv", "tag.env"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // MESSAGE has several lines: it goes to a side file beside the report.
    for name in ["tag.env", "tag.env.MESSAGE"] {
        let mode = std::fs::metadata(repo.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640, "{name}: {:o}", mode & 0o777);
    }
}

#[test]
fn inputs_of_one_tool_are_not_read_by_another_in_the_same_job() {
    // A GitLab job extending .propose-change: its variables are INPUT_* for
    // propose-change (INPUT_TOOL says so), and the script runs bump-versions first.
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    repo.commit("VERSION", "1.0.0\n", "first");
    let run = sb
        .relay("bump-versions")
        .args(["--version", "1.1.0", "--file", "VERSION"])
        .env("INPUT_TOOL", "propose-change")
        .env("INPUT_DRY_RUN", "true")
        .env("INPUT_DOTENV", "propose-change.env")
        .current_dir(repo.path())
        .run()
        .success();
    assert_eq!(
        std::fs::read_to_string(repo.path().join("VERSION")).unwrap(),
        "1.1.0\n",
        "{}",
        run.stderr()
    );
    assert!(!repo.path().join("propose-change.env").exists());

    // The same variables named for bump-versions are its inputs.
    sb.relay("bump-versions")
        .args(["--version", "1.2.0", "--file", "VERSION"])
        .env("INPUT_TOOL", "bump-versions")
        .env("INPUT_DRY_RUN", "true")
        .env("INPUT_DOTENV", "bump.env")
        .current_dir(repo.path())
        .run()
        .success();
    assert_eq!(
        std::fs::read_to_string(repo.path().join("VERSION")).unwrap(),
        "1.1.0\n"
    );
    assert!(repo.path().join("bump.env").is_file());
}

#[test]
fn a_switch_input_that_is_not_a_boolean_is_bad_usage_and_changes_nothing() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    repo.commit("VERSION", "1.0.0\n", "first");
    let run = sb
        .relay("bump-versions")
        .args(["--version", "1.1.0", "--file", "VERSION"])
        .env("INPUT_DRY_RUN", "ture")
        .current_dir(repo.path())
        .run()
        .expect_code(2);
    assert!(
        run.stderr().contains(
            "error: input `dry-run` (INPUT_DRY_RUN) is `ture`, not a boolean: expected true or false"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("VERSION")).unwrap(),
        "1.0.0\n"
    );
}
