//! A file pattern means the same to every tool that takes one: bump-versions' `--file`
//! and publish-release's `--asset` find the same files for the same pattern (`*` stays
//! in its folder and skips a leading dot, `**` crosses folders but not hidden ones).

use crate::common::Sandbox;
use crate::common::github_releases::FakeGitHub;
use serde_json::Value;

const TOKEN: &str = "ghp_SECRETtoken0123456789";

fn tree(sb: &Sandbox) {
    for file in [
        "dist/a.json",
        "dist/sub/b.json",
        "dist/.c.json",
        "dist/.hidden/d.json",
    ] {
        sb.write(file, "{\"version\": \"1.0.0\"}\n");
    }
}

/// The files bump-versions changes for `pattern`.
fn bumped(pattern: &str) -> Vec<String> {
    let sb = Sandbox::new();
    tree(&sb);
    let out = sb
        .relay("bump-versions")
        .args(["--version", "1.1.0", "--json", "--file"])
        .arg(format!("{pattern}:version"))
        .run()
        .success()
        .json();
    names(&out["changed-files"], |v| v.as_str())
}

/// The files publish-release would upload for `pattern`.
fn published(pattern: &str) -> Vec<String> {
    let sb = Sandbox::new();
    tree(&sb);
    let gh = FakeGitHub::start();
    let out = sb
        .relay("publish-release")
        .args(["--forge", "github", "--api-url", &gh.api.url()])
        .args(["--token", TOKEN, "--repo", "acme/tool", "--tag", "v1.2.0"])
        .args(["--asset", pattern, "--dry-run", "--json"])
        .run()
        .success()
        .json();
    names(&out["assets"], |a| a["name"].as_str())
}

fn names(list: &Value, name: impl Fn(&Value) -> Option<&str>) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| name(v).expect("a name").to_string())
        .collect()
}

/// The file names of `paths`, as publish-release names its assets.
fn file_names(paths: &[&str]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.rsplit('/').next().unwrap().to_string())
        .collect()
}

#[test]
fn a_double_star_finds_the_same_files_for_bump_versions_and_publish_release() {
    let expected = ["dist/a.json", "dist/sub/b.json"];
    assert_eq!(bumped("dist/**/*.json"), expected);
    assert_eq!(published("dist/**/*.json"), file_names(&expected));
}

#[test]
fn a_star_skips_a_dotfile_in_both_tools() {
    assert_eq!(bumped("dist/*.json"), ["dist/a.json"]);
    assert_eq!(published("dist/*.json"), ["a.json"]);
}

#[test]
fn a_dotfile_is_found_by_a_pattern_that_writes_its_dot_in_both_tools() {
    assert_eq!(bumped("dist/.*.json"), ["dist/.c.json"]);
    assert_eq!(published("dist/.*.json"), [".c.json"]);
    assert_eq!(bumped("dist/.hidden/*.json"), ["dist/.hidden/d.json"]);
    assert_eq!(published("dist/.hidden/*.json"), ["d.json"]);
}
