//! generate-changelog, run as a release pipeline runs it: real repositories with
//! conventional and other commits, merges, prefixed tags and pre-releases; shallow
//! clones of a loopback git server; the compare APIs played by a mock server.

use crate::common;

use crate::common::github_shapes as gh;
use crate::common::outputs::{dotenv_value, parse_dotenv, parse_github_output};
use crate::common::{GitServer, MockApi, MockResponse, Repo, Sandbox};
use serde_json::json;

/// Commit ids differ between git versions' object formats only in theory; the
/// snapshots name them by shape so that they read as what they are.
fn snapshot_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\b[0-9a-f]{40}\b", "[COMMIT]"),
        (r"\[[0-9a-f]{7}\]", "[[SHORT]]"),
    ]
}

macro_rules! assert_section_snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => snapshot_filters(), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $text);
        })
    };
}

/// The api repository: 1.0.0, then every kind of commit, a merged branch, 1.1.0.
fn api_history<'a>(sb: &'a Sandbox, name: &str, prefix: &str) -> Repo<'a> {
    let repo = sb.repo(name);
    repo.commit("README.md", "# api\n", "feat: first release");
    repo.tag_annotated(&format!("{prefix}1.0.0"), "api 1.0.0");
    repo.commit(
        "api/v2.py",
        "v2\n",
        "feat(api): add the /v2 endpoints (#12)",
    );
    repo.commit("db.py", "close\n", "fix(db): close connections on shutdown");
    repo.commit("schema.py", "cache\n", "perf: cache the schema");
    repo.commit("README.md", "# api\n\nMore.\n", "Update the README");
    repo.commit(
        "config.py",
        "x\n",
        "refactor!: rename the settings module\n\nBREAKING CHANGE: `settings.py` is now\n`config.py`.",
    );
    repo.git(["checkout", "-q", "-b", "topic"]);
    repo.commit("payload.py", "empty\n", "fix: handle empty payloads (#14)");
    repo.git(["checkout", "-q", "main"]);
    repo.commit(
        "docs/release.md",
        "flow\n",
        "docs: explain the release flow",
    );
    repo.git([
        "merge",
        "-q",
        "--no-ff",
        "topic",
        "-m",
        "Merge pull request #15 from acme/topic",
    ]);
    repo.commit("Cargo.lock", "serde\n", "chore(deps): bump serde");
    repo.tag_annotated(&format!("{prefix}1.1.0"), "api 1.1.0");
    repo
}

fn github(relay: common::Relay) -> common::Relay {
    relay.args(["--forge", "github", "--server-url", "https://github.com"])
}

#[test]
fn writes_a_keep_a_changelog_section_grouped_by_kind() {
    let sb = Sandbox::new();
    let repo = api_history(&sb, "api", "");
    let out = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.1.0", "--json"])
        .current_dir(repo.path())
        .run()
        .success();
    let json = out.json();
    assert_eq!(json["previous-version"], "1.0.0");
    assert_eq!(json["commit-count"], 8, "the merge commit is not listed");
    let changelog = std::fs::read_to_string(repo.path().join("CHANGELOG.md")).unwrap();
    assert_eq!(
        json["notes"].as_str().unwrap(),
        changelog
            .split_once("## [1.1.0]")
            .map(|(_, s)| format!("## [1.1.0]{s}"))
            .unwrap()
    );
    assert!(
        changelog.contains(
            "Compare: [1.0.0...1.1.0](https://github.com/acme/api/compare/1.0.0...1.1.0)\n"
        ),
        "{changelog}"
    );
    assert!(!changelog.contains("Merge pull request"), "{changelog}");
    assert!(
        out.stderr()
            .contains("1.1.0 since 1.0.0 (tag): 8 commits (acme/api 8)"),
        "{}",
        out.stderr()
    );
    assert_section_snapshot!("single_repository", changelog);
}

#[test]
fn prefixed_tags_and_pre_releases_of_the_same_version_are_skipped() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_lightweight("v1.0.0");
    repo.commit("b", "2", "feat: two");
    repo.tag_annotated("v1.1.0-rc.1", "rc1");
    repo.commit("c", "3", "fix: three");
    repo.tag_annotated("v1.1.0-rc.2", "rc2");
    repo.commit("d", "4", "fix: four");
    repo.tag_annotated("v1.1.0", "final");
    repo.tag_lightweight("not-a-version");
    let out = github(sb.relay("generate-changelog"))
        .args(["--version", "1.1.0", "--repo", "acme/api=.", "--json"])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert_eq!(out["previous-version"], "1.0.0");
    assert_eq!(out["commit-count"], 3);
    let notes = out["notes"].as_str().unwrap();
    assert!(
        notes.contains(
            "Compare: [v1.0.0...v1.1.0](https://github.com/acme/api/compare/v1.0.0...v1.1.0)"
        ),
        "{notes}"
    );
}

#[test]
fn the_progress_line_names_the_previous_version_as_it_is_spelled() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_annotated("2.0.0-RC.1", "rc1");
    repo.commit("b", "2", "fix: two");
    let out = github(sb.relay("generate-changelog"))
        .args(["--version", "2.1.0", "--repo", "acme/api=.", "--dry-run"])
        .current_dir(repo.path())
        .run()
        .success();
    assert!(
        out.stderr()
            .contains("2.1.0 since 2.0.0-RC.1 (tag): 1 commit"),
        "{}",
        out.stderr()
    );
    let out = github(sb.relay("generate-changelog"))
        .args(["--version", "2.1.0", "--repo", "acme/api=.", "--dry-run"])
        .args(["--previous", "2.0.0-RC.1"])
        .current_dir(repo.path())
        .run()
        .success();
    assert!(
        out.stderr().contains("2.1.0 since 2.0.0-RC.1 (--previous)"),
        "{}",
        out.stderr()
    );
}

#[test]
fn a_tag_name_is_read_as_the_version_with_its_prefix() {
    let sb = Sandbox::new();
    let repo = api_history(&sb, "api", "v");
    let out = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args([
            "--version",
            "v1.1.0",
            "--tag-prefix",
            "v",
            "--json",
            "--dry-run",
        ])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert_eq!(out["previous-version"], "1.0.0");
    let notes = out["notes"].as_str().unwrap();
    assert!(
        notes.starts_with(
            "## [1.1.0] - 2026-01-15\n\nCompare: [v1.0.0...v1.1.0](https://github.com/acme/api/compare/v1.0.0...v1.1.0)\n"
        ),
        "{notes}"
    );
}

#[test]
fn the_previous_version_comes_from_the_changelog_then_the_flag() {
    let sb = Sandbox::new();
    let repo = api_history(&sb, "api", "v");
    repo.git(["tag", "v1.0.5", "v1.0.0"]);
    std::fs::write(
        repo.path().join("CHANGELOG.md"),
        "# Changelog\n\n## v1.0.5 - 2025-12-01\n\n- a fix\n\n## [1.0.0]\n\n- first\n",
    )
    .unwrap();
    let out = github(sb.relay("generate-changelog"))
        .args([
            "--version",
            "1.1.0",
            "--repo",
            "acme/api=.",
            "--dry-run",
            "--json",
        ])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert_eq!(out["previous-version"], "1.0.5");
    assert!(
        out["notes"]
            .as_str()
            .unwrap()
            .contains("/compare/v1.0.5...v1.1.0)")
    );
    let out = github(sb.relay("generate-changelog"))
        .args([
            "--version",
            "1.1.0",
            "--previous",
            "1.0.0",
            "--repo",
            "acme/api=.",
        ])
        .args(["--dry-run", "--json"])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert_eq!(out["previous-version"], "1.0.0");
}

#[test]
fn inserts_after_the_header_keeps_every_other_byte_and_reruns_in_place() {
    let sb = Sandbox::new();
    let repo = api_history(&sb, "api", "");
    let head = "# Changelog of *api*\n\nSome   text with trailing blanks   \n\n## [Unreleased]\n\n- not yet\n\n";
    let tail = "## [1.0.0] - 2025-06-01\n\n```md\n## 0.9.0 (a heading inside a code block)\n```\n\n\u{00e9}t\u{00e9}\tunicode\n\n[1.0.0]: https://github.com/acme/api/releases/tag/1.0.0\n";
    let path = repo.path().join("CHANGELOG.md");
    std::fs::write(&path, format!("{head}{tail}")).unwrap();
    let run = |date: &str| {
        github(sb.relay("generate-changelog"))
            .args([
                "--version",
                "1.1.0",
                "--repo",
                "acme/api=.",
                "--date",
                date,
                "--json",
            ])
            .current_dir(repo.path())
            .run()
            .success()
            .json()
    };
    let out = run("2026-02-01");
    let section = out["notes"].as_str().unwrap().to_string();
    assert!(
        section.starts_with("## [1.1.0] - 2026-02-01\n"),
        "{section}"
    );
    let first = std::fs::read_to_string(&path).unwrap();
    assert_eq!(first, format!("{head}{section}\n{tail}"));

    // The same run again: the same bytes, the file is not even rewritten.
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    run("2026-02-01");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        before
    );

    // A later run for the same version replaces its section, never duplicates it.
    let out = run("2026-02-02");
    let section = out["notes"].as_str().unwrap();
    let second = std::fs::read_to_string(&path).unwrap();
    assert_eq!(second, format!("{head}{section}\n{tail}"));
    assert_eq!(second.matches("## [1.1.0]").count(), 1);
    assert_eq!(
        out["previous-version"], "1.0.0",
        "the section's own heading is skipped"
    );
}

#[test]
fn many_repositories_get_a_compare_link_each_and_artifacts() {
    let sb = Sandbox::new();
    let api = api_history(&sb, "api", "");
    let worker = sb.repo("worker");
    worker.commit("w", "1", "feat: worker");
    worker.tag_lightweight("v1.0.0");
    worker.commit("w", "2", "fix(queue): retry on 503 (acme/api#12)");
    worker.tag_lightweight("v1.1.0");
    let hub = sb.path().join("hub");
    std::fs::create_dir_all(&hub).unwrap();
    let out = github(sb.relay("generate-changelog"))
        .args(["--version", "1.1.0", "--previous", "1.0.0"])
        .args(["--repo", &format!("acme/api={}", api.path().display())])
        .args(["--repo", "acme/worker=../worker", "--repo", "acme/homeport"])
        .args([
            "--artifact",
            "SBOM=https://acme.example.org/sbom/{version}.spdx.json",
        ])
        .args([
            "--artifact",
            "OpenAPI schema=https://docs.acme.example.org/{major}.{minor}/openapi.yaml stable-only",
        ])
        .args(["--date", "2026-01-20", "--json"])
        .current_dir(&hub)
        .run()
        .success();
    assert!(
        out.stderr().contains(
            "warning: acme/homeport: no local clone and no API token: the section links the comparison but lists no commits"
        ),
        "{}",
        out.stderr()
    );
    let json = out.json();
    assert_eq!(json["commit-count"], 9);
    let changelog = std::fs::read_to_string(hub.join("CHANGELOG.md")).unwrap();
    assert_section_snapshot!("many_repositories", changelog);

    // A pre-release leaves the stable-only artifact out.
    api.commit("x", "x", "fix: x");
    api.tag_lightweight("1.2.0-rc.1");
    worker.tag_lightweight("v1.2.0-rc.1");
    let notes = github(sb.relay("generate-changelog"))
        .args([
            "--version",
            "1.2.0-rc.1",
            "--previous",
            "1.1.0",
            "--dry-run",
            "--json",
        ])
        .args([
            "--repo",
            "acme/api=../api",
            "--repo",
            "acme/worker=../worker",
        ])
        .args([
            "--artifact",
            "SBOM=https://acme.example.org/sbom/{version}.spdx.json",
        ])
        .args([
            "--artifact",
            "OpenAPI schema=https://docs.acme.example.org/{major}.{minor}/openapi.yaml stable-only",
        ])
        .current_dir(&hub)
        .run()
        .success()
        .json()["notes"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        notes.ends_with(
            "### Artifacts\n\n- [SBOM](https://acme.example.org/sbom/1.2.0-rc.1.spdx.json)\n"
        ),
        "{notes}"
    );
}

#[test]
fn a_hub_repository_tells_the_previous_version_of_forge_only_repositories() {
    let sb = Sandbox::new();
    let hub = sb.repo("hub");
    hub.commit("a", "1", "chore: release 1.0.0");
    hub.tag_lightweight("1.0.0");
    hub.commit("a", "2", "chore: release 1.1.0");
    hub.tag_annotated("1.1.0", "hub 1.1.0");
    let out = github(sb.relay("generate-changelog"))
        .args([
            "--version",
            "1.1.0",
            "--repo",
            "acme/worker",
            "--json",
            "--dry-run",
        ])
        .current_dir(hub.path())
        .run()
        .success()
        .json();
    assert_eq!(out["previous-version"], "1.0.0");
    assert_eq!(out["commit-count"], 0);
    assert_eq!(
        out["notes"],
        "## [1.1.0] - 2026-01-15\n\n\
         Compare: [1.0.0...1.1.0](https://github.com/acme/worker/compare/1.0.0...1.1.0)\n\n\
         Commits are not listed: no local clone of this repository and no compare API to ask.\n"
    );
}

#[test]
fn gitlab_links_merge_requests_and_issues() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_lightweight("1.0.0");
    let sha = repo.commit("b", "2", "fix: crash on start (!12, closes #3)");
    repo.tag_lightweight("1.1.0");
    let notes = sb
        .relay("generate-changelog")
        .args([
            "--forge",
            "gitlab",
            "--server-url",
            "https://gitlab.example.org/",
        ])
        .env("CI_PROJECT_PATH", "group/sub/api")
        .args(["--version", "1.1.0", "--json", "--dry-run"])
        .current_dir(repo.path())
        .run()
        .success()
        .json()["notes"]
        .as_str()
        .unwrap()
        .to_string();
    let short = &sha[..7];
    assert_eq!(
        notes,
        format!(
            "## [1.1.0] - 2026-01-15\n\n\
             Compare: [1.0.0...1.1.0](https://gitlab.example.org/group/sub/api/-/compare/1.0.0...1.1.0)\n\n\
             ### Bug fixes\n\n\
             - crash on start ([\\!12](https://gitlab.example.org/group/sub/api/-/merge_requests/12), closes [\\#3](https://gitlab.example.org/group/sub/api/-/issues/3)) \
             ([{short}](https://gitlab.example.org/group/sub/api/-/commit/{sha}))\n"
        )
    );
}

#[test]
fn commit_text_cannot_break_out_of_its_list_item() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_lightweight("1.0.0");
    repo.commit(
        "b",
        "2",
        "- 1. <img src=x onerror=alert(1)> [click](javascript:alert(1))",
    );
    repo.commit(
        "c",
        "3",
        "feat(<b>x</b>): ## not a heading | `code` *bold*  ",
    );
    repo.commit("d", "4", "Revert \"fix: y\"\n\nThis reverts commit abc.");
    repo.tag_lightweight("1.1.0");
    let notes = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.1.0", "--json", "--dry-run"])
        .current_dir(repo.path())
        .run()
        .success()
        .json()["notes"]
        .as_str()
        .unwrap()
        .to_string();
    let items: Vec<&str> = notes
        .lines()
        .filter(|l| l.starts_with("- "))
        .map(|l| l.split(" ([").next().unwrap())
        .collect();
    assert_eq!(
        items,
        [
            "- **&lt;b&gt;x&lt;/b&gt;:** \\#\\# not a heading \\| `code` \\*bold\\*",
            "- Revert \"fix: y\"",
            "- \\- 1. &lt;img src=x onerror=alert(1)&gt; \\[click\\](javascript:alert(1))",
        ]
    );
    assert!(!notes.contains('<'), "{notes}");
}

#[test]
fn a_custom_template_and_the_context_it_sees() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_lightweight("1.0.0");
    let sha = repo.commit("b", "2", "feat(ui)!: two (#4)\n\nBody text.");
    repo.tag_lightweight("1.1.0");
    let context = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.1.0", "--context"])
        .args(["--artifact", "SBOM=https://x.org/{version}/sbom.json"])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert!(
        !repo.path().join("CHANGELOG.md").exists(),
        "--context writes nothing"
    );
    let commit = json!({
        "id": sha, "short_id": &sha[..7],
        "url": format!("https://github.com/acme/api/commit/{sha}"),
        "subject": "feat(ui)!: two (#4)", "body": "Body text.", "type": "feat", "scope": "ui",
        "description": "two (#4)", "breaking": true, "breaking_note": null,
        "references": [{"text": "#4", "sigil": "#", "number": 4, "repo": null}],
        "markdown": "two ([\\#4](https://github.com/acme/api/pull/4))",
        "scope_markdown": "ui", "breaking_note_markdown": null
    });
    assert_eq!(
        context,
        json!({
            "version": "1.1.0", "previous_version": "1.0.0", "previous_source": "tag",
            "date": "2026-01-15", "prerelease": false,
            "repositories": [{
                "name": "acme/api", "url": "https://github.com/acme/api",
                "tag": "1.1.0", "previous_tag": "1.0.0",
                "compare_url": "https://github.com/acme/api/compare/1.0.0...1.1.0",
                "tag_url": null, "head": "1.1.0", "commits_source": "local", "commit_count": 1,
                "groups": [{"key": "breaking", "title": "Breaking changes", "commits": [commit]}]
            }],
            "artifacts": [{"name": "SBOM", "url": "https://x.org/1.1.0/sbom.json"}],
            "commit_count": 1
        })
    );

    sb.write(
        "release.j2",
        "# {{ version }} ({{ commit_count }})\n{% for repo in repositories %}\n{% for group in repo.groups %}\n{% for c in group.commits %}\n* {{ c.subject | md }} by {{ c.type }}\n{% endfor %}\n{% endfor %}\n{% endfor %}\n",
    );
    let notes_path = sb.path().join("notes.md");
    github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.1.0", "--template"])
        .args([sb.path().join("release.j2")])
        .args(["--notes-file"])
        .args([&notes_path])
        .current_dir(repo.path())
        .run()
        .success();
    assert_eq!(
        std::fs::read_to_string(&notes_path).unwrap(),
        "# 1.1.0 (1)\n* feat(ui)\\!: two (\\#4) by feat\n"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("CHANGELOG.md")).unwrap(),
        format!(
            "{}# 1.1.0 (1)\n* feat(ui)\\!: two (\\#4) by feat\n",
            relay::changelog::file::NEW_FILE_HEADER
        )
    );
}

#[test]
fn template_errors_name_their_position() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_lightweight("1.0.0");
    sb.write(
        "broken.j2",
        "## {{ version }}\n{% for r in repositories %}\n",
    );
    sb.write(
        "typo.j2",
        "## {{ version }}\n\n{{ repositories[0].nmae }}\n",
    );
    let run = github(sb.relay("generate-changelog"))
        .args(["--version", "1.0.0", "--template", "../broken.j2"])
        .current_dir(repo.path())
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 1.0.0: ../broken.j2:2:26: syntax error: unexpected end of input, expected end of block\n"
    );
    let run = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.0.0", "--template", "../typo.j2"])
        .current_dir(repo.path())
        .run()
        .expect_code(2);
    assert!(
        run.stderr().starts_with(
            "error: generating the changelog of 1.0.0: ../typo.j2:3:4: undefined value"
        ),
        "{}",
        run.stderr()
    );
    assert!(!repo.path().join("CHANGELOG.md").exists());
}

#[test]
fn an_input_file_that_cannot_be_read_is_bad_input() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_lightweight("1.0.0");
    std::fs::create_dir(sb.path().join("folder.j2")).unwrap();
    for (flag, path, reason) in [
        (
            "--template",
            "../missing.j2",
            "No such file or directory (os error 2)",
        ),
        ("--template", "../folder.j2", "Is a directory (os error 21)"),
        (
            "--request",
            "../missing.yaml",
            "No such file or directory (os error 2)",
        ),
    ] {
        let run = github(sb.relay("generate-changelog"))
            .args(["--version", "1.1.0", flag, path])
            .current_dir(repo.path())
            .run()
            .expect_code(2);
        assert_eq!(
            run.stderr(),
            format!(
                "error: generating the changelog of 1.1.0: {flag} {path}: cannot read it: {reason}\n"
            )
        );
    }
    assert!(!repo.path().join("CHANGELOG.md").exists());
}

#[test]
fn outputs_reach_github_and_gitlab_and_inputs_come_from_the_action() {
    let sb = Sandbox::new();
    let api = api_history(&sb, "api", "");
    let output = sb.path().join("github_output");
    let summary = sb.path().join("summary.md");
    let dotenv = sb.path().join("changelog.env");
    sb.relay("generate-changelog")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/api")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("INPUT_VERSION", "1.1.0")
        .env("INPUT_REPO", "acme/api=.\nacme/homeport\n")
        .env("INPUT_ARTIFACT", "SBOM=https://x.org/{version}/sbom.json\n")
        .env("INPUT_DRY-RUN", "false")
        .env("INPUT_NOTES-FILE", "")
        .env("INPUT_DOTENV", &dotenv)
        .current_dir(api.path())
        .run()
        .success();
    let outputs = parse_github_output(&std::fs::read_to_string(&output).unwrap());
    let changelog = std::fs::read_to_string(api.path().join("CHANGELOG.md")).unwrap();
    assert_eq!(outputs["previous-version"], "1.0.0");
    assert_eq!(outputs["commit-count"], "8");
    assert!(changelog.ends_with(&outputs["notes"]));
    assert!(outputs["notes"].contains("### acme/homeport\n\nCompare: [1.0.0...1.1.0](https://github.com/acme/homeport/compare/1.0.0...1.1.0)"));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), outputs["notes"]);
    let env = parse_dotenv(&std::fs::read_to_string(&dotenv).unwrap());
    assert_eq!(env["PREVIOUS_VERSION"], "1.0.0");
    assert_eq!(env["COMMIT_COUNT"], "8");
    assert_eq!(dotenv_value(&env, "NOTES"), outputs["notes"]);
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let sb = Sandbox::new();
    let repo = api_history(&sb, "api", "");
    let run = github(sb.relay("generate-changelog"))
        .args(["--version", "1.1.0", "--repo", "acme/api=.", "--dry-run"])
        .args(["--notes-file", "notes.md"])
        .current_dir(repo.path())
        .run()
        .success();
    // The plan is the dry run's product, on stdout like every tool's.
    assert!(
        run.stdout().starts_with(
            "dry run: CHANGELOG.md: would be created with the section; notes.md would hold the section; the section:\n## [1.1.0] - 2026-01-15\n"
        ),
        "{}",
        run.stdout()
    );
    assert!(!run.stderr().contains("dry run"), "{}", run.stderr());
    assert!(!repo.path().join("CHANGELOG.md").exists());
    assert!(!repo.path().join("notes.md").exists());
    // Into an existing changelog, the plan says so in words.
    std::fs::write(
        repo.path().join("CHANGELOG.md"),
        "# Changelog\n\n## [1.0.0] - 2026-01-01\n\n- first\n",
    )
    .unwrap();
    let run = github(sb.relay("generate-changelog"))
        .args([
            "--version",
            "1.1.0",
            "--repo",
            "acme/api=.",
            "--dry-run",
            "--json",
        ])
        .current_dir(repo.path())
        .run()
        .success();
    assert!(
        run.stderr()
            .contains("dry run: CHANGELOG.md: the section would be inserted; the section:\n"),
        "beside --json the plan is on stderr: {}",
        run.stderr()
    );
    assert_eq!(run.json()["previous-version"], "1.0.0");
}

#[test]
fn a_first_release_lists_every_commit_and_links_the_tag() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.commit("b", "2", "fix: two");
    repo.tag_lightweight("v0.1.0");
    let out = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "0.1.0", "--json", "--dry-run"])
        .current_dir(repo.path())
        .run()
        .success()
        .json();
    assert_eq!(out["previous-version"], "");
    assert_eq!(out["commit-count"], 2);
    assert!(
        out["notes"]
            .as_str()
            .unwrap()
            .contains("First release: [v0.1.0](https://github.com/acme/api/tree/v0.1.0)\n"),
        "{}",
        out["notes"]
    );
}

#[test]
fn an_unreachable_remote_lists_an_untagged_release_up_to_head_with_a_warning() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_lightweight("1.0.0");
    repo.commit("b", "2", "fix: two");
    // The runner is offline: the release's own tag cannot be looked for on `origin`.
    repo.git(["remote", "add", "origin", "http://127.0.0.1:9/acme/api.git"]);
    let run = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.0.1", "--json", "--dry-run"])
        .current_dir(repo.path())
        .run()
        .success();
    let stderr = run.stderr();
    assert!(
        stderr.contains(
            "warning: acme/api: cannot ask remote `origin` whether tag 1.0.1 exists (fatal: \
             unable to access 'http://127.0.0.1:9/acme/api.git/': Failed to connect to \
             127.0.0.1 port 9 after "
        ) && stderr.contains("); listing up to HEAD as for a release not tagged yet\n"),
        "{stderr}"
    );
    assert!(
        stderr.starts_with("1.0.1 since 1.0.0 (tag): 1 commit (acme/api 1)\n"),
        "{stderr}"
    );
    let out = run.json();
    assert_eq!(out["commit-count"], 1);
    assert_eq!(out["previous-version"], "1.0.0");
}

#[test]
fn a_version_heading_inside_an_html_comment_is_not_the_previous_version() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_lightweight("1.0.0");
    repo.commit("b", "2", "fix: two");
    repo.tag_lightweight("1.0.5");
    repo.commit("c", "3", "fix: three");
    std::fs::write(
        repo.path().join("CHANGELOG.md"),
        "# Changelog\n\n<!--\n## [1.0.5] - 2026-02-01\n\n- drafted, never released\n-->\n\n\
         ## [1.0.0] - 2026-01-01\n\n- one\n",
    )
    .unwrap();
    let run = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.1.0", "--json", "--dry-run"])
        .current_dir(repo.path())
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["previous-version"], "1.0.0", "{}", run.stderr());
    assert_eq!(out["commit-count"], 2);
}

#[test]
fn an_untagged_release_lists_up_to_head() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: one");
    repo.tag_lightweight("1.0.0");
    repo.commit("b", "2", "fix: two");
    let run = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args([
            "--version",
            "1.0.1",
            "--json",
            "--dry-run",
            "--date",
            "2026-03-01",
        ])
        .current_dir(repo.path())
        .run()
        .success();
    assert!(
        run.stderr()
            .contains("acme/api: tag 1.0.1 does not exist yet; listing up to HEAD"),
        "{}",
        run.stderr()
    );
    let out = run.json();
    assert_eq!(out["commit-count"], 1);
    assert!(
        out["notes"]
            .as_str()
            .unwrap()
            .starts_with("## [1.0.1] - 2026-03-01\n\nCompare: [1.0.0...1.0.1](")
    );
}

/// A bare repository on a loopback git server holding `api_history`.
fn served_api(sb: &Sandbox) -> (GitServer, String) {
    sb.bare_repo("srv/acme/api.git");
    let server = GitServer::start(&sb.path().join("srv"));
    let url = server.url("acme/api.git");
    let work = api_history(sb, "work", "");
    work.git(["remote", "add", "origin", &url]);
    work.git(["push", "-q", "origin", "HEAD:main", "--tags"]);
    (server, url)
}

#[test]
fn a_shallow_checkout_of_the_tag_is_deepened_from_its_remote() {
    let sb = Sandbox::new();
    let (_server, url) = served_api(&sb);
    // What actions/checkout does for a tag push: depth 1, only that tag.
    let ci = sb.clone_of(&url, "ci", &["--depth", "1", "--branch", "1.1.0"]);
    assert_eq!(ci.git(["rev-parse", "--is-shallow-repository"]), "true");
    assert_eq!(ci.git(["tag"]), "1.1.0");
    let run = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.1.0", "--json"])
        .current_dir(ci.path())
        .run()
        .success();
    assert!(
        run.stderr().contains(&format!(
            "acme/api: shallow clone lacked earlier version tags; fetched the whole history and tags from `origin` ({url})"
        )),
        "{}",
        run.stderr()
    );
    let out = run.json();
    assert_eq!(out["previous-version"], "1.0.0");
    assert_eq!(out["commit-count"], 8);
    assert_eq!(ci.git(["rev-parse", "--is-shallow-repository"]), "false");
}

#[test]
fn a_shallow_clone_holding_both_tags_is_deepened_when_the_range_is_cut() {
    let sb = Sandbox::new();
    let (_server, url) = served_api(&sb);
    let ci = sb.clone_of(&url, "ci", &["--depth", "1", "--branch", "1.1.0"]);
    ci.git(["fetch", "-q", "--depth", "1", "origin", "tag", "1.0.0"]);
    assert_eq!(ci.git(["tag"]), "1.0.0\n1.1.0");
    let run = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.1.0", "--json", "--dry-run"])
        .current_dir(ci.path())
        .run()
        .success();
    assert!(
        run.stderr().contains(
            "acme/api: shallow clone lacked the history between 1.0.0 and 1.1.0; fetched the whole history"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(
        run.json()["commit-count"],
        8,
        "never a silently short changelog"
    );
}

#[test]
fn a_shallow_clone_without_a_remote_fails_with_the_fix() {
    let sb = Sandbox::new();
    let (_server, url) = served_api(&sb);
    let ci = sb.clone_of(&url, "ci", &["--depth", "1", "--branch", "1.1.0"]);
    ci.git(["remote", "remove", "origin"]);
    let run = github(sb.relay("generate-changelog"))
        .env("GITHUB_REPOSITORY", "acme/api")
        .args(["--version", "1.1.0"])
        .current_dir(ci.path())
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 1.1.0: acme/api: this shallow clone lacks earlier version tags, \
         and it has no remote `origin` to deepen from. Fetch the whole history: with actions/checkout set \
         `fetch-depth: 0`; in GitLab CI set the variable `GIT_DEPTH: 0`; or run `git fetch --unshallow --tags`\n"
    );
    assert!(!ci.path().join("CHANGELOG.md").exists());
}

/// A compare API commit as GitHub documents it ("Compare two commits").
fn github_commit(sha: &str, message: &str, parents: usize) -> serde_json::Value {
    let parents: Vec<String> = (0..parents).map(|i| format!("{i:040x}")).collect();
    let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
    gh::commit("acme/homeport", sha, message, &parents)
}

#[test]
fn commits_of_a_repository_without_a_clone_come_from_the_github_compare_api() {
    let sb = Sandbox::new();
    let api = MockApi::github();
    // 101 commits over two pages (oldest first), the last one a merge.
    let commits: Vec<serde_json::Value> = (0..101)
        .map(|i| {
            let sha = format!("{:040x}", 0xa000 + i);
            match i {
                0 => github_commit(&sha, "feat(ui): dark mode (#40)\n\nLong body.", 1),
                100 => github_commit(&sha, "Merge pull request #41 from acme/x", 2),
                _ => github_commit(&sha, &format!("chore: step {i}"), 1),
            }
        })
        .collect();
    let pages = [commits[..100].to_vec(), commits[100..].to_vec()];
    api.handle(move |request| {
        if request.path != "/repos/acme/homeport/compare/1.0.0...1.1.0" {
            return None;
        }
        let page = if request.query.contains("page=2") {
            1
        } else {
            0
        };
        Some(MockResponse::json(
            200,
            gh::comparison("acme/homeport", "1.0.0", "1.1.0", pages[page].clone(), 101),
        ))
    });
    let out = sb
        .relay("generate-changelog")
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--server-url",
            "https://github.com",
        ])
        .args([
            "--token",
            "ghs_secret_token",
            "--version",
            "1.1.0",
            "--previous",
            "1.0.0",
        ])
        .args(["--repo", "acme/homeport", "--json", "--dry-run"])
        .run()
        .success();
    out.assert_hides("ghs_secret_token");
    let json = out.json();
    assert_eq!(json["commit-count"], 100, "the merge is dropped");
    let notes = json["notes"].as_str().unwrap();
    assert!(
        notes.contains(
            "### Features\n\n- **ui:** dark mode ([\\#40](https://github.com/acme/homeport/pull/40)) \
             ([0000000](https://github.com/acme/homeport/commit/000000000000000000000000000000000000a000))\n"
        ),
        "{notes}"
    );
    let chores: Vec<&str> = notes.lines().filter(|l| l.starts_with("- step")).collect();
    assert_eq!(chores.len(), 99);
    assert!(
        chores[0].starts_with("- step 99 "),
        "newest first: {}",
        chores[0]
    );
    let requests = api.requests_to("GET", "/repos/acme/homeport/compare/1.0.0...1.1.0");
    let queries: Vec<&str> = requests.iter().map(|r| r.query.as_str()).collect();
    assert_eq!(queries, ["per_page=100&page=1", "per_page=100&page=2"]);
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer ghs_secret_token")
    );
}

#[test]
fn commits_of_a_repository_without_a_clone_come_from_the_gitlab_compare_api() {
    let sb = Sandbox::new();
    let api = MockApi::gitlab();
    let commit = |id: &str, title: &str, message: &str, parents: usize| {
        json!({
            "id": id, "short_id": &id[..8], "created_at": "2026-01-10T10:00:00.000+00:00",
            "parent_ids": (0..parents).map(|i| format!("{i:040x}")).collect::<Vec<_>>(),
            "title": title, "message": message,
            "author_name": "Dev", "author_email": "dev@example.org", "authored_date": "2026-01-10T10:00:00.000+00:00",
            "committer_name": "Dev", "committer_email": "dev@example.org", "committed_date": "2026-01-10T10:00:00.000+00:00",
            "trailers": {}, "extended_trailers": {},
            "web_url": format!("https://gitlab.example.org/group/homeport/-/commit/{id}")
        })
    };
    // The commits of the range, newest first, in GitLab's pages (of 2 here).
    common::pages::gitlab_pages(
        &api,
        "/api/v4/projects/group%2Fhomeport/repository/commits",
        vec![
            commit(
                "cccccccccccccccccccccccccccccccccccccccc",
                "fix: b",
                "fix: b\n",
                1,
            ),
            commit(
                "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                "Merge branch 'x' into 'main'",
                "Merge branch 'x' into 'main'\n\nSee merge request group/homeport!7",
                2,
            ),
            commit(
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "feat: a (!7)",
                "feat: a (!7)\n\nDetails.\n",
                1,
            ),
        ],
        2,
    );
    let out = sb
        .relay("generate-changelog")
        .args([
            "--forge",
            "gitlab",
            "--api-url",
            &format!("{}/api/v4", api.url()),
        ])
        .args(["--server-url", "https://gitlab.example.org"])
        .env("GITLAB_TOKEN", "glpat-secret")
        .args([
            "--version",
            "1.1.0",
            "--previous",
            "1.0.0",
            "--repo",
            "group/homeport",
        ])
        .args(["--json", "--dry-run", "--date", "2026-01-20"])
        .run()
        .success();
    out.assert_hides("glpat-secret");
    let notes = out.json()["notes"].as_str().unwrap().to_string();
    assert_eq!(
        notes,
        "## [1.1.0] - 2026-01-20\n\n\
         Compare: [1.0.0...1.1.0](https://gitlab.example.org/group/homeport/-/compare/1.0.0...1.1.0)\n\n\
         ### Features\n\n\
         - a ([\\!7](https://gitlab.example.org/group/homeport/-/merge_requests/7)) ([aaaaaaa](https://gitlab.example.org/group/homeport/-/commit/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa))\n\n\
         ### Bug fixes\n\n\
         - b ([ccccccc](https://gitlab.example.org/group/homeport/-/commit/cccccccccccccccccccccccccccccccccccccccc))\n"
    );
    let pages: Vec<String> = api
        .requests_to(
            "GET",
            "/api/v4/projects/group%2Fhomeport/repository/commits",
        )
        .iter()
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(
        pages,
        [
            "ref_name=1.0.0..1.1.0&per_page=100",
            "ref_name=1.0.0..1.1.0&per_page=100&page=2"
        ]
    );
    assert!(
        api.requests_to(
            "GET",
            "/api/v4/projects/group%2Fhomeport/repository/compare"
        )
        .is_empty()
    );
}

#[test]
fn a_tag_missing_on_the_forge_fails_and_a_rate_limit_is_waited_out() {
    let sb = Sandbox::new();
    let api = MockApi::github();
    let run = sb
        .relay("generate-changelog")
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--token",
            "t0ken",
        ])
        .args([
            "--version",
            "1.1.0",
            "--previous",
            "1.0.0",
            "--repo",
            "acme/homeport",
        ])
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 1.1.0: GET compare 1.0.0...1.1.0 of acme/homeport: not found (404)\n"
    );

    let api = MockApi::gitlab();
    let path = "/api/v4/projects/acme%2Fhomeport/repository/commits";
    api.on(
        "GET",
        path,
        MockResponse::json(429, json!({"message": "429 Too Many Requests"}))
            .header("Retry-After", "1"),
    );
    api.on(
        "GET",
        path,
        MockResponse::json(
            200,
            json!([{"id": "dddddddddddddddddddddddddddddddddddddddd", "short_id": "dddddddd",
                "title": "fix: d", "message": "fix: d\n", "parent_ids": ["eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"]}]),
        ),
    );
    let out = sb
        .relay("generate-changelog")
        .args([
            "--forge",
            "gitlab",
            "--api-url",
            &format!("{}/api/v4", api.url()),
        ])
        .args([
            "--token",
            "t0ken",
            "--version",
            "1.1.0",
            "--previous",
            "1.0.0",
        ])
        .args(["--repo", "acme/homeport", "--json", "--dry-run"])
        .run()
        .success()
        .json();
    assert_eq!(out["commit-count"], 1);
    assert_eq!(api.requests_to("GET", path).len(), 2);
}

#[test]
fn a_compare_api_failure_names_the_permission() {
    let sb = Sandbox::new();
    let api = MockApi::github();
    api.on(
        "GET",
        "/repos/acme/homeport/compare/1.0.0...1.1.0",
        MockResponse::json(
            403,
            json!({"message": "Resource not accessible by integration"}),
        ),
    );
    let run = sb
        .relay("generate-changelog")
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--token",
            "t0ken",
        ])
        .args([
            "--version",
            "1.1.0",
            "--previous",
            "1.0.0",
            "--repo",
            "acme/homeport",
        ])
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 1.1.0: GET compare 1.0.0...1.1.0 of acme/homeport: 403 — \
         the token lacks a permission: contents: read (Resource not accessible by integration)\n"
    );
}

#[test]
fn a_request_file_names_the_repositories_and_their_tags() {
    let sb = Sandbox::new();
    let api = api_history(&sb, "api", "");
    let homeport = sb.repo("homeport");
    homeport.commit("h", "1", "feat: ui");
    homeport.tag_lightweight("v1.0.0");
    homeport.commit("h", "2", "fix: ui");
    homeport.tag_lightweight("v1.1.0");
    sb.write(
        "deliverables/2026.1/acme.yaml",
        &format!(
            "releases:\n  - version: 1.1.0\n    projects:\n      - repo: acme/api\n        hash: {}\n      - repo: acme/homeport\n        hash: {}\n        tag: v1.1.0\n",
            api.git(["rev-parse", "1.1.0^{commit}"]),
            homeport.git(["rev-parse", "HEAD"])
        ),
    );
    let out = github(sb.relay("generate-changelog"))
        .args(["--version", "1.1.0", "--previous", "1.0.0"])
        .args(["--request", "deliverables/2026.1/acme.yaml"])
        .args(["--repo", "acme/api=api", "--repo", "acme/homeport=homeport"])
        .args(["--json", "--dry-run"])
        .run()
        .success()
        .json();
    assert_eq!(out["commit-count"], 9);
    let notes = out["notes"].as_str().unwrap();
    let compares: Vec<&str> = notes
        .lines()
        .filter(|l| l.starts_with("Compare:"))
        .collect();
    assert_eq!(
        compares,
        [
            "Compare: [1.0.0...1.1.0](https://github.com/acme/api/compare/1.0.0...1.1.0)",
            "Compare: [v1.0.0...v1.1.0](https://github.com/acme/homeport/compare/v1.0.0...v1.1.0)"
        ]
    );
    let run = github(sb.relay("generate-changelog"))
        .args(["--version", "9.0.0", "--previous", "1.0.0"])
        .args(["--request", "deliverables/2026.1/acme.yaml"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 9.0.0: deliverables/2026.1/acme.yaml:2:5: no release 9.0.0 in `releases` (it lists 1.1.0)\n"
    );
}

#[test]
fn bad_input_is_refused_before_anything_is_read_or_written() {
    let sb = Sandbox::new();
    let repo = api_history(&sb, "api", "");
    let cases: [(&[&str], &str); 6] = [
        (
            &["--version", "v1.1.0"],
            "error: generating the changelog of v1.1.0: --version: invalid version `v1.1.0`: a version starts with a digit; put `v` in the tag prefix\n",
        ),
        (
            &["--version", "1.1.0", "--previous", "one"],
            "error: generating the changelog of 1.1.0: --previous: invalid version `one`: it must start with numbers such as 1.2.0\n",
        ),
        (
            &["--version", "1.1.0", "--repo", "api"],
            "error: --repo `api`: expected owner/name[=LOCAL_PATH]\n",
        ),
        (
            &["--version", "1.1.0", "--artifact", "SBOM=https://x/{tag}"],
            "error: --artifact `SBOM=https://x/{tag}`: `https://x/{tag}`: unknown field `{tag}` (known: {version}, {major}, {minor}, {patch}, {prerelease})\n",
        ),
        (
            &["--version", "1.1.0", "--date", "15.01.2026"],
            "error: generating the changelog of 1.1.0: --date `15.01.2026`: expected YYYY-MM-DD\n",
        ),
        (&["--version", "1.1.0", "--context", "--json"], ""),
    ];
    for (args, message) in cases {
        let run = github(sb.relay("generate-changelog"))
            .args(args)
            .current_dir(repo.path())
            .run()
            .expect_code(2);
        if message.is_empty() {
            assert!(
                run.stderr()
                    .contains("the argument '--context' cannot be used with '--json'"),
                "{}",
                run.stderr()
            );
        } else {
            assert_eq!(run.stderr(), message);
        }
    }
    std::fs::write(
        repo.path().join("CHANGELOG.md"),
        b"# C\n\n## 1.0.0\n\ncaf\xe9\n",
    )
    .unwrap();
    let run = github(sb.relay("generate-changelog"))
        .args(["--version", "1.1.0"])
        .current_dir(repo.path())
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 1.1.0: CHANGELOG.md:5:4: the file is not UTF-8 text\n"
    );
    assert_eq!(
        std::fs::read(repo.path().join("CHANGELOG.md")).unwrap(),
        b"# C\n\n## 1.0.0\n\ncaf\xe9\n"
    );
}

#[test]
fn failures_of_the_job_say_what_is_missing() {
    let sb = Sandbox::new();
    let repo = api_history(&sb, "api", "");
    // No repository at all.
    let run = github(sb.relay("generate-changelog"))
        .args(["--version", "1.1.0"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 1.1.0: no repository: the current folder is not a git repository and no --repo or --request names one\n"
    );
    // Only forge repositories and nothing that tells the previous version.
    let run = github(sb.relay("generate-changelog"))
        .args(["--version", "1.1.0", "--repo", "acme/api"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 1.1.0: cannot tell the previous version: no --previous, no version heading in CHANGELOG.md, and no local repository to read tags from; pass --previous\n"
    );
    // A previous tag that does not exist (and no remote to fetch it from).
    let run = github(sb.relay("generate-changelog"))
        .args([
            "--version",
            "1.1.0",
            "--previous",
            "0.9.0",
            "--repo",
            "acme/api=.",
        ])
        .current_dir(repo.path())
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 1.1.0: acme/api: tag 0.9.0 not found; check the version given to --previous, or --tag-prefix if the tags are named differently\n"
    );
    // A local path that is no repository.
    let run = github(sb.relay("generate-changelog"))
        .args([
            "--version",
            "1.1.0",
            "--previous",
            "1.0.0",
            "--repo",
            "acme/x=home",
        ])
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of 1.1.0: home is not a git repository\n"
    );
}

#[test]
fn the_repository_and_its_links_come_from_the_whole_origin_url() {
    let sb = Sandbox::new();
    let repo = api_history(&sb, "api", "");
    let cases: [(&str, &[&str], &str); 5] = [
        (
            "https://gitlab.example.com/group/sub/proj.git",
            &[
                "--forge",
                "gitlab",
                "--server-url",
                "https://gitlab.example.com",
            ],
            "https://gitlab.example.com/group/sub/proj/-/compare/1.0.0...1.1.0",
        ),
        (
            "git@gitlab.example.com:group/sub/proj.git",
            &["--forge", "gitlab"],
            "https://gitlab.example.com/group/sub/proj/-/compare/1.0.0...1.1.0",
        ),
        (
            "git@gitlab.example.com:group/sub/proj.git",
            &[],
            "https://gitlab.example.com/group/sub/proj/-/compare/1.0.0...1.1.0",
        ),
        (
            "ssh://git@git.example.org:2222/acme/api.git",
            &[],
            "https://git.example.org/acme/api/compare/1.0.0...1.1.0",
        ),
        (
            "git@github.com:acme/api.git",
            &["--forge", "github"],
            "https://github.com/acme/api/compare/1.0.0...1.1.0",
        ),
    ];
    repo.git(["remote", "add", "origin", "https://example.invalid/x/y.git"]);
    for (url, flags, compare) in cases {
        repo.git(["remote", "set-url", "origin", url]);
        let out = sb
            .relay("generate-changelog")
            .args(flags)
            .args(["--version", "1.1.0", "--dry-run", "--json"])
            .current_dir(repo.path())
            .run()
            .success()
            .json();
        let notes = out["notes"].as_str().unwrap();
        assert!(
            notes.contains(&format!("Compare: [1.0.0...1.1.0]({compare})\n")),
            "{url} {flags:?}: {notes}"
        );
    }
}

/// `--version auto` on a repository whose history is built commit by commit: the section,
/// its heading and the `next-version` and `bump` outputs follow the commits since the
/// highest version tag.
#[test]
fn version_auto_takes_the_next_version_from_the_conventional_commits() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a", "1", "feat: first");
    repo.tag_lightweight("v1.2.0");
    let auto = |expected: &str, bump: &str| {
        let run = github(sb.relay("generate-changelog"))
            .env("GITHUB_REPOSITORY", "acme/api")
            .args([
                "--version",
                "auto",
                "--dry-run",
                "--json",
                "--date",
                "2026-03-01",
            ])
            .current_dir(repo.path())
            .run()
            .success();
        let out = run.json();
        assert_eq!(out["next-version"], expected, "{}", run.stderr());
        assert_eq!(out["bump"], bump);
        assert!(
            out["notes"]
                .as_str()
                .unwrap()
                .starts_with(&format!("## [{expected}] - 2026-03-01\n")),
            "{}",
            out["notes"]
        );
        run
    };
    repo.commit("b", "2", "fix: two");
    let run = auto("1.2.1", "patch");
    assert!(
        run.stderr()
            .starts_with("--version auto: 1.2.1 (patch since v1.2.0: 1 commit)\n"),
        "{}",
        run.stderr()
    );
    repo.commit("c", "3", "feat(api): three");
    auto("1.3.0", "minor");
    repo.commit(
        "d",
        "4",
        "fix: four\n\nBREAKING CHANGE: the old flag is gone",
    );
    auto("2.0.0", "major");
    // A release candidate counts on while the commits fit its step.
    repo.tag_lightweight("v2.0.0-rc.1");
    repo.commit("e", "5", "feat: five");
    auto("2.0.0-rc.2", "minor");
    // Nothing since the last tag: nothing to release.
    repo.tag_lightweight("v2.0.0");
    let run = github(sb.relay("generate-changelog"))
        .args(["--version", "auto", "--dry-run"])
        .current_dir(repo.path())
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of auto: api: no commits since v2.0.0: nothing to \
         release after 2.0.0 (--version auto)\n"
    );
}

#[test]
fn version_auto_before_1_0_moves_one_place_less_and_starts_at_0_1_0() {
    let sb = Sandbox::new();
    let repo = sb.repo("tool");
    repo.commit("a", "1", "feat: first");
    let auto = |expected: &str| {
        let run = github(sb.relay("generate-changelog"))
            .env("GITHUB_REPOSITORY", "acme/tool")
            .args(["--version", "auto", "--dry-run", "--json"])
            .current_dir(repo.path())
            .run()
            .success();
        assert_eq!(run.json()["next-version"], expected, "{}", run.stderr());
    };
    auto("0.1.0");
    repo.tag_lightweight("0.4.2");
    repo.commit("b", "2", "feat: two");
    auto("0.4.3");
    repo.commit("c", "3", "feat!: three");
    auto("0.5.0");
    // Outside a repository there are no commits to read.
    std::fs::create_dir(sb.path().join("plain")).unwrap();
    let run = github(sb.relay("generate-changelog"))
        .args([
            "--version",
            "auto",
            "--repo",
            "acme/tool",
            "--previous",
            "0.4.2",
        ])
        .current_dir(sb.path().join("plain"))
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr(),
        "error: generating the changelog of auto: --version auto reads the commits of the \
         repository in the current folder (.), which is not a git repository; give the \
         version\n"
    );
}
