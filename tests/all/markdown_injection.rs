//! Markdown and HTML injection: commit subjects and tag or file values are untrusted,
//! and wherever a tool renders them into Markdown — the CHANGELOG.md section, the step
//! summary of each tool, and through the notes file the release notes, the pull
//! request body and the issue comment — each stays inside its list item or table
//! cell: no HTML (`<`, `>`, `&` as entities), no line break, no heading, link, image,
//! emphasis or math of its own, no table pipe; a code span the text closes itself
//! stays a code span (its content shows as written). One routine does it:
//! `relay::ci::summary` (`escape_inline`, `code`, `table`).

use crate::common;

use crate::common::change_requests::ChangeRequests;
use crate::common::github_releases::FakeGitHub;
use crate::common::github_shapes as gh;
use crate::common::issue_comments::IssueComments;
use crate::common::pages::{self, github_pages};
use crate::common::{HttpGitServer, MockApi, MockResponse, Sandbox};
use serde_json::json;

/// Commit messages and the list item each must render as.
const SUBJECTS: &[(&str, &str)] = &[
    // Only the subject is shown; the body's heading never reaches the section.
    ("fix: x\n\n## Injected heading", "- x"),
    (
        "fix: </details><script>alert(1)</script>",
        "- &lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
    ),
    (
        "fix: <img src=x onerror=alert(1)>",
        "- &lt;img src=x onerror=alert(1)&gt;",
    ),
    ("fix: | cell | break |", "- \\| cell \\| break \\|"),
    (
        "fix: [click](javascript:alert(1))",
        "- \\[click\\](javascript:alert(1))",
    ),
    ("fix: <!-- an open comment", "- &lt;\\!-- an open comment"),
    (
        "fix: handle `None` in `<parse>`",
        "- handle `None` in `<parse>`",
    ),
    ("fix: an `unclosed span", "- an \\`unclosed span"),
    (
        "fix: $\\color{red}{pwned}$ **bold** ~~gone~~",
        "- \\$\\\\color{red}{pwned}\\$ \\*\\*bold\\*\\* \\~\\~gone\\~\\~",
    ),
    ("- nested list", "- \\- nested list"),
    ("1. ordered", "- 1\\. ordered"),
    ("> quoted & <b>", "- &gt; quoted &amp; &lt;b&gt;"),
    // Control characters are shown as control pictures, never written raw.
    (
        "fix: ring\u{7} \u{1b}[31mred\u{1b}[0m\ttab \u{1b}]8;;https://evil.example\u{7}link",
        "- ring\u{2407} \u{241b}\\[31mred\u{241b}\\[0m tab \u{241b}\\]8;;https://evil.example\u{2407}link",
    ),
    (
        "fix: `\u{1b}[2J` del\u{7f} c1\u{9b}",
        "- `\u{241b}[2J` del\u{2421} c1\u{FFFD}",
    ),
];

/// A repository `acme/api` with tag 1.0.0 and one commit per subject; returns the
/// commit ids in `SUBJECTS` order.
fn hostile_history(sb: &Sandbox) -> (common::Repo<'_>, Vec<String>) {
    let repo = sb.repo("api");
    repo.commit("a.txt", "0", "feat: first");
    repo.tag_annotated("1.0.0", "api 1.0.0");
    let mut ids = Vec::new();
    for (i, (message, _)) in SUBJECTS.iter().enumerate() {
        std::fs::write(repo.path().join(format!("f{i}")), message).unwrap();
        repo.git(["add", "--", &format!("f{i}")]);
        repo.git(["commit", "-q", "--cleanup=verbatim", "-m", message]);
        ids.push(repo.git(["rev-parse", "HEAD"]));
    }
    (repo, ids)
}

/// generate-changelog over the hostile history; returns the section (notes.md) and
/// the step summary.
fn hostile_section(sb: &Sandbox) -> (String, String, Vec<String>) {
    let (repo, ids) = hostile_history(sb);
    sb.relay("generate-changelog")
        .args(["--forge", "github", "--server-url", "https://github.com"])
        .env("GITHUB_REPOSITORY", "acme/api")
        .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md"))
        .args(["--version", "1.1.0", "--date", "2026-01-15"])
        .args(["--notes-file", sb.path().join("notes.md").to_str().unwrap()])
        .current_dir(repo.path())
        .run()
        .success();
    (sb.read("notes.md"), sb.read("summary.md"), ids)
}

#[test]
fn the_changelog_section_renders_each_hostile_subject_as_one_list_item() {
    let sb = Sandbox::new();
    let (section, summary, ids) = hostile_section(&sb);
    for ((_, item), id) in SUBJECTS.iter().zip(&ids) {
        let line = format!(
            "{item} ([{}](https://github.com/acme/api/commit/{id}))",
            &id[..7]
        );
        assert!(
            section.lines().any(|l| l == line),
            "missing line {line:?} in:\n{section}"
        );
    }
    let structure: Vec<&str> = section
        .lines()
        .filter(|l| !l.starts_with("- ") && !l.is_empty())
        .collect();
    assert_eq!(
        structure,
        [
            "## [1.1.0] - 2026-01-15",
            "Compare: [1.0.0...1.1.0](https://github.com/acme/api/compare/1.0.0...1.1.0)",
            "### Bug fixes",
            "### Other",
        ],
        "no heading, quote or HTML line of a commit's own:\n{section}"
    );
    assert_eq!(
        section.lines().filter(|l| l.starts_with("- ")).count(),
        SUBJECTS.len()
    );
    // Outside the code span the text closed itself, no `<` is left raw.
    assert!(!section.replace("`<parse>`", "").contains('<'), "{section}");
    let changelog = std::fs::read_to_string(sb.path().join("api/CHANGELOG.md")).unwrap();
    for text in [&section, &summary, &changelog] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "a raw control character in:\n{text:?}"
        );
    }
    assert_eq!(summary, section, "the step summary is the section");
    assert_eq!(
        std::fs::read_to_string(sb.path().join("api/CHANGELOG.md"))
            .unwrap()
            .matches(&section)
            .count(),
        1
    );
}

#[test]
fn the_section_reaches_release_notes_pull_request_and_comment_unchanged() {
    let sb = Sandbox::new();
    let (section, _, _) = hostile_section(&sb);
    let notes = sb.path().join("notes.md");
    let notes = notes.to_str().unwrap();

    // publish-release: the release body is the notes file as it is.
    let gh = FakeGitHub::start();
    sb.relay("publish-release")
        .args(["--forge", "github", "--api-url", &gh.api.url()])
        .args(["--server-url", "https://github.com", "--repo", "acme/tool"])
        .args(["--tag", "v1.2.0", "--notes-file", notes])
        .env("GITHUB_TOKEN", "ghp_MarkdownAudit0123")
        .run()
        .success();
    assert_eq!(gh.releases()[0].body, section);

    // comment-on-issue: the comment is the notes file as it is (and the marker).
    let api = MockApi::github();
    let comments = IssueComments::github(&api, "acme/go");
    sb.relay("comment-on-issue")
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/go",
        ])
        .args([
            "--issue",
            "42",
            "--body-file",
            notes,
            "--marker",
            "release/1.1.0",
        ])
        .env("GITHUB_TOKEN", "ghp_MarkdownAudit0123")
        .run()
        .success();
    assert_eq!(
        comments.all()[0].1["body"],
        json!(format!(
            "{}\n\n<!-- release-relay:release/1.1.0 -->",
            section.trim_end()
        ))
    );

    // propose-change: the pull request's body is the notes file as it is.
    let token = "ghp_MarkdownAudit0123";
    let bare = sb.bare_repo("srv/acme/consumer.git");
    let seed = sb.repo("seed");
    seed.commit("VERSION", "1.0.0\n", "initial");
    seed.git(["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"]);
    let server = HttpGitServer::start(&sb.path().join("srv"), Some(("x-access-token", token)));
    let checkout = sb.clone_of(bare.to_str().unwrap(), "checkout", &[]);
    checkout.git([
        "remote",
        "set-url",
        "origin",
        &server.url("acme/consumer.git"),
    ]);
    std::fs::write(checkout.path().join("VERSION"), "1.1.0\n").unwrap();
    let api = MockApi::github();
    let pulls = ChangeRequests::github(&api, "acme/consumer", "main");
    sb.relay("propose-change")
        .current_dir(checkout.path())
        .args([
            "--forge",
            "github",
            "--api-url",
            &api.url(),
            "--repo",
            "acme/consumer",
        ])
        .args(["--branch", "relay/update", "--title", "Update to 1.1.0"])
        .args(["--body-file", notes])
        .env("GITHUB_TOKEN", token)
        .run()
        .success();
    assert_eq!(pulls.all()[0]["body"], json!(section));
}

// ---- step summaries ----

#[test]
fn read_tag_metadata_summary_keeps_hostile_values_in_their_cells() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    repo.commit("a.txt", "a", "first");
    repo.tag_annotated(
        "1.0.0",
        "api 1.0.0 release\n\n\
         meta:html: </details><script>alert(1)</script>\n\
         meta:table: | cell | break |\n\
         meta:link: [click](javascript:alert(1)) <img src=x onerror=alert(1)>\n\
         meta:code: `a|b` and <!-- \n\
         meta:a|b: key with a pipe\n",
    );
    sb.relay("read-tag-metadata")
        .args(["--tag", "1.0.0"])
        .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md"))
        .current_dir(repo.path())
        .run()
        .success();
    let summary = sb.read("summary.md");
    let rows: Vec<&str> = summary.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(
        rows,
        [
            "| `html` | &lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt; |",
            "| `table` | \\| cell \\| break \\| |",
            "| `link` | \\[click\\](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt; |",
            "| `code` | `a\\|b` and &lt;\\!-- |",
            "| `a\\|b` | key with a pipe |",
        ],
        "{summary}"
    );
}

#[test]
fn bump_versions_summary_keeps_hostile_previous_values_in_their_cells() {
    let sb = Sandbox::new();
    sb.write(
        "values.yaml",
        "image:\n  tag: \"`a|b` <script>alert(1)</script> | x\"\n",
    );
    sb.relay("bump-versions")
        .args(["--version", "2.0.0", "--file", "values.yaml:image.tag"])
        .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md"))
        .run()
        .success();
    let summary = sb.read("summary.md");
    assert_eq!(
        summary.lines().rfind(|l| !l.is_empty()).unwrap(),
        "| `values.yaml:2` | `image.tag` | `` `a\\|b` <script>alert(1)</script> \\| x `` | `2.0.0` |",
        "{summary}"
    );
}

#[test]
fn find_green_commit_summary_keeps_hostile_titles_in_their_cells() {
    let sb = Sandbox::new();
    let api = MockApi::github();
    let repo = "acme/gitaly";
    let sha = |n: u8| format!("{n:x}").repeat(40);
    let titles = [
        "fix: </details><script>alert(1)</script> | cell",
        "feat: [x](javascript:alert(1)) `a|b`",
    ];
    let commit =
        |sha: &str, title: &str| gh::commit(repo, sha, &format!("{title}\n\n## body heading"), &[]);
    api.on(
        "GET",
        &format!("/repos/{repo}"),
        MockResponse::json(200, gh::full_repository(repo, "main")),
    );
    github_pages(
        &api,
        &format!("/repos/{repo}/commits"),
        vec![commit(&sha(1), titles[0]), commit(&sha(2), titles[1])],
        10,
        pages::array,
    );
    for (n, conclusion) in [(1, "failure"), (2, "success")] {
        let check = gh::check_run(repo, 4, &sha(n), "test", "completed", Some(conclusion));
        github_pages(
            &api,
            &format!("/repos/{repo}/commits/{}/check-runs", sha(n)),
            vec![check],
            10,
            pages::counted("check_runs"),
        );
        let s = sha(n);
        common::pages::github_pages_without_link(
            &api,
            &format!("/repos/{repo}/commits/{}/status", sha(n)),
            vec![],
            10,
            move |page, total| gh::combined_status(repo, &s, page, total),
        );
    }
    sb.relay("find-green-commit")
        .args(["--forge", "github", "--repo", repo, "--api-url", &api.url()])
        .args([
            "--server-url",
            "https://github.com",
            "--token",
            "ghp_MarkdownAudit0123",
        ])
        .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md"))
        .run()
        .success();
    let summary = sb.read("summary.md");
    let rows: Vec<&str> = summary.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(
        rows,
        [
            "| `1111111` | fix: &lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt; \\| cell | failed: test |",
            "| `2222222` | feat: \\[x\\](javascript:alert(1)) `a\\|b` | green |",
        ],
        "{summary}"
    );
    assert!(!summary.contains("body heading"), "{summary}");
}
