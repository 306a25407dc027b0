//! publish-release against mocks of GitHub's and GitLab's release APIs that keep state
//! the way the real ones do (a draft is invisible by tag, an upload adds an asset with
//! its digest, a package upload adds a package file with its sha256).

use crate::common;

use crate::common::archive::{sha256_hex, zip_of};
use crate::common::github_releases::{FakeGitHub, SHA, github_runs};
use crate::common::github_shapes as gh;
use crate::common::{MockApi, MockResponse, Recorded, Sandbox};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "ghp_SECRETtoken0123456789";
const GL_TOKEN: &str = "glpat-SECRETtoken0123456789";

fn writes(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| matches!(r.method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The `status` of each entry of the `assets` output.
fn statuses(out: &Value) -> Vec<String> {
    out["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------
// GitHub

fn dist(sb: &Sandbox) {
    sb.write("dist/tool-linux.tar.gz", "linux build\n");
    sb.write("dist/tool-macos.tar.gz", "macos build\n");
    sb.write("NOTES.md", "## Tool 1.2.0\n\n- faster\n");
}

fn github_publish(sb: &Sandbox, gh: &FakeGitHub) -> common::Relay {
    github_publish_tag(sb, gh, "v1.2.0")
}

fn github_publish_tag(sb: &Sandbox, gh: &FakeGitHub, tag: &str) -> common::Relay {
    sb.relay("publish-release").args([
        "--forge",
        "github",
        "--api-url",
        &gh.api.url(),
        "--token",
        TOKEN,
        "--repo",
        "acme/tool",
        "--tag",
        tag,
    ])
}

#[test]
fn publishes_a_draft_with_every_asset_and_checksums_then_flips_it() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    let output = sb.path().join("github_output");
    let run = github_publish(&sb, &gh)
        .args([
            "--asset",
            "dist/*.tar.gz",
            "--checksums",
            "sha256",
            "--notes-file",
            "NOTES.md",
            "--json",
        ])
        .env("GITHUB_OUTPUT", &output)
        .run()
        .success();
    run.assert_hides(TOKEN);

    let linux = sha256_hex(b"linux build\n");
    let macos = sha256_hex(b"macos build\n");
    let sums = format!("{linux}  tool-linux.tar.gz\n{macos}  tool-macos.tar.gz\n");
    let releases = gh.releases();
    assert_eq!(releases.len(), 1);
    let r = &releases[0];
    assert!(!r.draft);
    assert!(!r.prerelease);
    assert_eq!(r.body, "## Tool 1.2.0\n\n- faster\n");
    assert_eq!(r.name, "v1.2.0");
    assert_eq!(r.make_latest.as_deref(), Some("legacy"));
    let names: Vec<&str> = r.assets.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["tool-linux.tar.gz", "tool-macos.tar.gz", "SHA256SUMS"]
    );
    assert_eq!(r.assets[2].bytes, sums.as_bytes());
    assert_eq!(r.assets[0].content_type, "application/gzip");
    assert_eq!(r.assets[2].content_type, "text/plain");

    // Created as a draft, filled, then published: never visible half done.
    let id = r.id;
    assert_eq!(
        writes(&gh.api.requests()),
        [
            "POST /repos/acme/tool/releases".to_string(),
            format!("POST /repos/acme/tool/releases/{id}/assets"),
            format!("POST /repos/acme/tool/releases/{id}/assets"),
            format!("POST /repos/acme/tool/releases/{id}/assets"),
            format!("PATCH /repos/acme/tool/releases/{id}"),
        ]
    );
    let create = &gh.api.requests_to("POST", "/repos/acme/tool/releases")[0];
    assert_eq!(create.json()["draft"], true);
    assert_eq!(
        create.header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    let uploads = gh
        .api
        .requests_to("POST", &format!("/repos/acme/tool/releases/{id}/assets"));
    assert_eq!(uploads[0].query, "name=tool-linux.tar.gz");
    assert_eq!(uploads[0].body, b"linux build\n");
    assert_eq!(uploads[0].header("content-type"), Some("application/gzip"));
    assert_eq!(
        uploads[0].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    let publish = &gh
        .api
        .requests_to("PATCH", &format!("/repos/acme/tool/releases/{id}"))[0];
    assert_eq!(publish.json()["draft"], false);

    let out = run.json();
    assert_eq!(
        out["url"],
        "https://github.com/acme/tool/releases/tag/v1.2.0"
    );
    assert_eq!(out["id"], id.to_string());
    assert_eq!(
        out["assets"],
        json!([
            {"name": "tool-linux.tar.gz", "size": 12, "sha256": linux, "status": "uploaded",
             "url": "https://github.com/acme/tool/releases/download/v1.2.0/tool-linux.tar.gz"},
            {"name": "tool-macos.tar.gz", "size": 12, "sha256": macos, "status": "uploaded",
             "url": "https://github.com/acme/tool/releases/download/v1.2.0/tool-macos.tar.gz"},
            {"name": "SHA256SUMS", "size": sums.len(), "sha256": sha256_hex(sums.as_bytes()), "status": "uploaded",
             "url": "https://github.com/acme/tool/releases/download/v1.2.0/SHA256SUMS"},
        ])
    );
    let outputs = common::outputs::parse_github_output(&std::fs::read_to_string(output).unwrap());
    assert_eq!(
        outputs["url"],
        "https://github.com/acme/tool/releases/tag/v1.2.0"
    );
    assert!(run.stderr().contains("published the release v1.2.0 of acme/tool: https://github.com/acme/tool/releases/tag/v1.2.0"), "{}", run.stderr());
}

#[test]
fn an_upload_failing_midway_deletes_the_draft() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    gh.state.lock().unwrap().refuse_upload = Some("tool-macos.tar.gz".into());
    let run = github_publish(&sb, &gh)
        .args(["--asset", "dist/*.tar.gz", "--json"])
        .run()
        .expect_code(1);
    run.assert_hides(TOKEN);
    assert_eq!(run.stdout(), "");
    let created = gh.api.requests_to("POST", "/repos/acme/tool/releases");
    assert_eq!(created.len(), 1);
    let id = 101;
    assert_eq!(
        writes(&gh.api.requests()),
        [
            "POST /repos/acme/tool/releases".to_string(),
            format!("POST /repos/acme/tool/releases/{id}/assets"),
            format!("POST /repos/acme/tool/releases/{id}/assets"),
            format!("DELETE /repos/acme/tool/releases/{id}"),
        ]
    );
    assert!(gh.releases().is_empty(), "the draft is gone");
    assert_eq!(
        run.stderr().trim_end(),
        format!(
            "error: publishing the release: POST asset tool-macos.tar.gz to release v1.2.0 of acme/tool: \
             422 Validation Failed; the draft release {id} was deleted, nothing was published"
        )
    );
}

#[test]
fn a_flaky_upload_host_is_retried_without_duplicates() {
    // GitHub: "When an upstream failure occurs, you will receive a 502 Bad Gateway
    // status. This may leave an empty asset with a state of starter." Sending the same
    // name again meets 422 already_exists until that asset is deleted.
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    gh.state.lock().unwrap().bad_gateways = 1;
    github_publish(&sb, &gh)
        .args(["--asset", "dist/tool-linux.tar.gz"])
        .run()
        .success();
    let id = 101;
    assert_eq!(
        gh.api
            .requests_to("POST", &format!("/repos/acme/tool/releases/{id}/assets"))
            .len(),
        2,
        "a 502, then the upload again"
    );
    let starter = gh
        .api
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE" && r.path.starts_with("/repos/acme/tool/releases/assets/"))
        .count();
    assert_eq!(
        starter, 1,
        "the empty starter asset is deleted before the upload is sent again"
    );
    let r = &gh.releases()[0];
    assert!(!r.draft);
    assert_eq!(r.assets.len(), 1);
    assert_eq!(r.assets[0].state, "uploaded");
    assert_eq!(r.assets[0].bytes, b"linux build\n");
}

#[test]
fn an_asset_name_github_renames_is_found_again_by_a_re_run() {
    // GitHub renames files with special characters ("tool 1.2.0 (linux).tar.gz" is
    // stored as "tool.1.2.0.linux.tar.gz"); the label keeps the name, so a re-run
    // sees the asset it uploaded and does not upload it again.
    let sb = Sandbox::new();
    sb.write("dist/tool 1.2.0 (linux).tar.gz", "linux build\n");
    let gh = FakeGitHub::start();
    let first = github_publish(&sb, &gh)
        .args(["--asset", "dist/*.tar.gz", "--json"])
        .run()
        .success();
    assert_eq!(statuses(&first.json()), ["uploaded"]);
    let r = &gh.releases()[0];
    assert_eq!(r.assets[0].name, "tool.1.2.0.linux.tar.gz");
    assert_eq!(
        r.assets[0].label.as_deref(),
        Some("tool 1.2.0 (linux).tar.gz")
    );
    let again = github_publish(&sb, &gh)
        .args(["--asset", "dist/*.tar.gz", "--json"])
        .run()
        .success();
    assert_eq!(statuses(&again.json()), ["unchanged"]);
    assert_eq!(gh.releases()[0].assets.len(), 1);
}

#[test]
fn an_asset_github_renamed_without_a_label_is_matched_by_its_renamed_name() {
    // Uploaded by hand or another tool: GitHub shows only its renamed name.
    let sb = Sandbox::new();
    sb.write("dist/tool 1.2.0~rc (linux).tar.gz", "linux build\n");
    let gh = FakeGitHub::start();
    gh.with_release(
        false,
        &[("tool.1.2.0.rc.linux.tar.gz", b"linux build\n", true)],
    );
    let run = github_publish(&sb, &gh)
        .args(["--asset", "dist/*.tar.gz", "--json"])
        .run()
        .success();
    assert_eq!(statuses(&run.json()), ["unchanged"]);
    assert_eq!(writes(&gh.api.requests()), Vec::<String>::new());
}

#[test]
fn an_immutable_release_is_refused_new_assets_before_any_write() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    gh.with_release(false, &[("tool-linux.tar.gz", b"linux build\n", true)]);
    gh.state.lock().unwrap().releases[0].immutable = true;
    let run = github_publish(&sb, &gh)
        .args(["--asset", "dist/*.tar.gz"])
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim_end(),
        "error: publishing the release: release v1.2.0 of acme/tool is immutable: GitHub lets \
         only its title and notes change, so it cannot take new assets (tool-macos.tar.gz); \
         publish them as a new version"
    );
    assert_eq!(writes(&gh.api.requests()), Vec::<String>::new());

    // What it holds already, with new notes: only the title and notes are sent.
    let run = github_publish(&sb, &gh)
        .args([
            "--asset",
            "dist/tool-linux.tar.gz",
            "--notes-file",
            "NOTES.md",
            "--json",
        ])
        .run()
        .success();
    assert_eq!(statuses(&run.json()), ["unchanged"]);
    let patches = gh.api.requests_to("PATCH", "/repos/acme/tool/releases/101");
    assert_eq!(patches.len(), 1, "{:?}", writes(&gh.api.requests()));
    assert_eq!(
        patches[0].json(),
        json!({"name": "Tool 1.2.0", "body": "## Tool 1.2.0\n\n- faster\n"})
    );
}

#[test]
fn a_release_of_a_tag_with_a_slash_is_asked_for_as_github_declares_it() {
    // GitHub's description declares `releases/tags/{tag}` multi-segment: `api/v1.2.0`
    // is two path segments, not one with %2F.
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::for_tag("api/v1.2.0", SHA);
    let run = github_publish_tag(&sb, &gh, "api/v1.2.0")
        .args(["--asset", "dist/tool-linux.tar.gz", "--json"])
        .run()
        .success();
    assert_eq!(statuses(&run.json()), ["uploaded"]);
    assert_eq!(
        gh.api
            .requests_to("GET", "/repos/acme/tool/releases/tags/api/v1.2.0")
            .len(),
        1
    );
    assert_eq!(gh.releases()[0].tag, "api/v1.2.0");
}

#[test]
fn a_failure_while_adding_to_a_published_release_names_what_it_got() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    let id = gh.with_release(false, &[]);
    gh.state.lock().unwrap().refuse_upload = Some("tool-macos.tar.gz".into());
    let run = github_publish(&sb, &gh)
        .args(["--asset", "dist/*.tar.gz"])
        .run()
        .expect_code(1);
    assert_eq!(
        writes(&gh.api.requests()),
        [
            format!("POST /repos/acme/tool/releases/{id}/assets"),
            format!("POST /repos/acme/tool/releases/{id}/assets"),
        ],
        "a published release is never deleted"
    );
    assert_eq!(
        run.stderr().trim_end(),
        "error: publishing the release: POST asset tool-macos.tar.gz to release v1.2.0 of acme/tool: \
         422 Validation Failed; release v1.2.0 is published and has these new assets so far: tool-linux.tar.gz"
    );
}

#[test]
fn a_rerun_uploads_only_the_missing_assets_and_updates_the_notes() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    let id = gh.with_release(false, &[("tool-linux.tar.gz", b"linux build\n", true)]);
    let run = github_publish(&sb, &gh)
        .args([
            "--asset",
            "dist/*.tar.gz",
            "--notes-file",
            "NOTES.md",
            "--json",
        ])
        .run()
        .success();
    assert_eq!(
        writes(&gh.api.requests()),
        [
            format!("POST /repos/acme/tool/releases/{id}/assets"),
            format!("PATCH /repos/acme/tool/releases/{id}"),
        ]
    );
    let upload = &gh
        .api
        .requests_to("POST", &format!("/repos/acme/tool/releases/{id}/assets"))[0];
    assert_eq!(upload.query, "name=tool-macos.tar.gz");
    let patch = gh
        .api
        .requests_to("PATCH", &format!("/repos/acme/tool/releases/{id}"))[0]
        .json();
    assert_eq!(
        patch.get("draft"),
        None,
        "a published release stays published"
    );
    assert_eq!(patch["name"], "Tool 1.2.0", "the existing title is kept");
    let r = &gh.releases()[0];
    assert_eq!(r.body, "## Tool 1.2.0\n\n- faster\n");
    assert_eq!(r.assets.len(), 2);
    let statuses = statuses(&run.json());
    assert_eq!(statuses, ["unchanged", "uploaded"]);
    assert!(
        run.stderr()
            .contains("updated the release v1.2.0 of acme/tool")
    );
}

/// The publish of the first test, with its outputs and summary in files.
fn github_publish_release(sb: &Sandbox, gh: &FakeGitHub, extra: &[&str]) -> common::Run {
    let _ = std::fs::remove_file(sb.path().join("output"));
    let _ = std::fs::remove_file(sb.path().join("summary.md"));
    github_publish(sb, gh)
        .args([
            "--asset",
            "dist/*.tar.gz",
            "--checksums",
            "sha256",
            "--notes-file",
            "NOTES.md",
        ])
        .args(extra)
        .env("GITHUB_OUTPUT", sb.path().join("output"))
        .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md"))
        .run()
}

#[test]
fn a_rerun_of_the_same_release_writes_nothing_and_reports_it_unchanged() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    github_publish_release(&sb, &gh, &[]).success();
    let first = gh.releases();
    let id = first[0].id;
    let url = "https://github.com/acme/tool/releases/tag/v1.2.0";

    // A retried release job: the same tag, title, notes, flag and files.
    let before = gh.api.requests().len();
    let run = github_publish_release(&sb, &gh, &[]).success();
    assert_eq!(
        writes(&gh.api.requests()[before..]),
        Vec::<String>::new(),
        "no POST, PATCH, PUT or DELETE"
    );
    assert_eq!(gh.releases()[0].body, first[0].body);
    assert_eq!(
        run.stderr().lines().last().unwrap_or_default(),
        format!("left the release v1.2.0 of acme/tool unchanged: {url}"),
        "{}",
        run.stderr()
    );
    let outputs = common::outputs::parse_github_output(
        &std::fs::read_to_string(sb.path().join("output")).unwrap(),
    );
    assert_eq!(outputs["action"], "unchanged");
    assert_eq!(outputs["url"], url);
    assert_eq!(outputs["id"], id.to_string());
    let assets: Value = serde_json::from_str(&outputs["assets"]).unwrap();
    assert_eq!(
        statuses(&json!({ "assets": assets })),
        ["unchanged", "unchanged", "unchanged"]
    );
    assert_eq!(
        assets[0]["url"],
        "https://github.com/acme/tool/releases/download/v1.2.0/tool-linux.tar.gz"
    );
    let summary = sb.read("summary.md");
    assert!(
        summary.starts_with(&format!(
            "### left the release v1.2.0 of acme/tool unchanged — {url}\n"
        )),
        "{summary}"
    );
    assert_eq!(summary.matches("| unchanged |").count(), 3, "{summary}");

    // The dry run of a re-run says the same, and writes nothing either.
    let run = github_publish_release(&sb, &gh, &["--dry-run", "--json"]).success();
    assert_eq!(writes(&gh.api.requests()[before..]), Vec::<String>::new());
    assert_eq!(run.json()["action"], "unchanged");
    assert!(
        run.stderr().contains(&format!(
            "dry run: would leave the release v1.2.0 of acme/tool unchanged: {url}"
        )),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_rerun_with_other_notes_sends_exactly_one_update() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    github_publish_release(&sb, &gh, &[]).success();
    let id = gh.releases()[0].id;
    let patch = format!("PATCH /repos/acme/tool/releases/{id}");

    sb.write("NOTES.md", "## Tool 1.2.0\n\n- faster\n- smaller\n");
    let before = gh.api.requests().len();
    let run = github_publish_release(&sb, &gh, &["--json"]).success();
    assert_eq!(
        writes(&gh.api.requests()[before..]),
        std::slice::from_ref(&patch)
    );
    assert_eq!(
        gh.releases()[0].body,
        "## Tool 1.2.0\n\n- faster\n- smaller\n"
    );
    let out = run.json();
    assert_eq!(out["action"], "updated");
    assert_eq!(statuses(&out), ["unchanged", "unchanged", "unchanged"]);
    assert!(
        run.stderr()
            .contains("updated the release v1.2.0 of acme/tool: https://github.com/acme/tool/releases/tag/v1.2.0"),
        "{}",
        run.stderr()
    );
    let summary = sb.read("summary.md");
    assert!(summary.starts_with("### updated the release"), "{summary}");

    // Each other thing the update sets counts too: the title, the pre-release flag, and
    // `--make-latest yes` (a release does not say whether it is the latest).
    for extra in [
        &["--name", "Tool 1.2.0 (final)"][..],
        &["--prerelease", "yes"][..],
        &["--make-latest", "yes"][..],
    ] {
        let before = gh.api.requests().len();
        let run = github_publish_release(&sb, &gh, &[extra, &["--json"]].concat()).success();
        assert_eq!(
            writes(&gh.api.requests()[before..]),
            std::slice::from_ref(&patch),
            "{extra:?}"
        );
        assert_eq!(run.json()["action"], "updated", "{extra:?}");
    }
    let r = &gh.releases()[0];
    assert_eq!(
        r.name, "Tool 1.2.0 (final)",
        "a re-run keeps the title it finds"
    );
    assert!(!r.prerelease);
    assert_eq!(r.make_latest.as_deref(), Some("true"));
    // And once it says all that, it is left alone again.
    let before = gh.api.requests().len();
    let run = github_publish_release(&sb, &gh, &["--json"]).success();
    assert_eq!(writes(&gh.api.requests()[before..]), Vec::<String>::new());
    assert_eq!(run.json()["action"], "unchanged");
}

#[test]
fn a_draft_of_the_tag_is_not_an_unchanged_release() {
    // GitHub finds no draft by tag: the run publishes a new release as usual.
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    gh.with_release(true, &[]);
    let run = github_publish(&sb, &gh)
        .args(["--asset", "dist/*.tar.gz", "--json"])
        .run()
        .success();
    assert_eq!(run.json()["action"], "created");
    assert_eq!(
        writes(&gh.api.requests())[0],
        "POST /repos/acme/tool/releases"
    );
}

#[test]
fn an_asset_without_a_digest_is_downloaded_to_compare() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    let id = gh.with_release(
        false,
        &[
            ("tool-linux.tar.gz", b"linux build\n", false),
            ("tool-macos.tar.gz", b"macos build\n", false),
        ],
    );
    let run = github_publish(&sb, &gh)
        .args(["--asset", "dist/*.tar.gz", "--json"])
        .run()
        .success();
    // Both files are there with the same bytes and no notes are given: nothing to do.
    assert_eq!(writes(&gh.api.requests()), Vec::<String>::new());
    assert_eq!(
        gh.api
            .requests_to("GET", "/repos/acme/tool/releases/assets/9000")
            .len(),
        1
    );
    let out = run.json();
    assert_eq!(out["action"], "unchanged");
    assert_eq!(statuses(&out), ["unchanged", "unchanged"]);
    assert_eq!(out["id"], id.to_string());
}

#[test]
fn the_same_name_with_other_content_is_refused_before_anything_is_written() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    gh.with_release(false, &[("tool-linux.tar.gz", b"another build\n", true)]);
    let run = github_publish(&sb, &gh)
        .args(["--asset", "dist/*.tar.gz"])
        .run()
        .expect_code(1);
    assert_eq!(writes(&gh.api.requests()), Vec::<String>::new());
    assert_eq!(
        run.stderr().trim_end(),
        format!(
            "error: publishing the release: an asset is already in release v1.2.0 of acme/tool with other content: \
             tool-linux.tar.gz (there: sha256 {}, size 14; here: sha256 {}, size 12, from dist/tool-linux.tar.gz); \
             rename the file or remove the asset from the release",
            sha256_hex(b"another build\n"),
            sha256_hex(b"linux build\n")
        )
    );
}

#[test]
fn dry_run_reads_but_writes_nothing() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    let run = github_publish(&sb, &gh)
        .args([
            "--asset",
            "dist/*.tar.gz",
            "--checksums",
            "sha256",
            "--dry-run",
            "--json",
        ])
        .run()
        .success();
    assert_eq!(writes(&gh.api.requests()), Vec::<String>::new());
    assert!(gh.releases().is_empty());
    let out = run.json();
    assert_eq!(out["url"], "");
    assert_eq!(out["id"], "");
    let statuses = statuses(&out);
    assert_eq!(statuses, ["would-upload", "would-upload", "would-upload"]);
    assert!(
        run.stderr()
            .contains("dry run: would publish the new release v1.2.0 of acme/tool"),
        "{}",
        run.stderr()
    );
    run.assert_hides(TOKEN);
}

#[test]
fn a_prerelease_version_is_a_prerelease_and_never_the_latest() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    gh.api.on(
        "GET",
        "/repos/acme/tool/git/ref/tags/v2.0.0-rc.1",
        MockResponse::json(
            200,
            gh::git_ref("acme/tool", "refs/tags/v2.0.0-rc.1", SHA, "commit"),
        ),
    );
    github_publish_tag(&sb, &gh, "v2.0.0-rc.1")
        .args(["--asset", "dist/tool-linux.tar.gz"])
        .run()
        .success();
    let r = &gh.releases()[0];
    assert!(r.prerelease && !r.draft);
    assert_eq!(r.make_latest, None);
    let create = &gh.api.requests_to("POST", "/repos/acme/tool/releases")[0];
    assert_eq!(create.json()["prerelease"], true);

    let run = github_publish_tag(&sb, &gh, "v2.0.0-rc.1")
        .args(["--make-latest", "yes"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim_end(),
        "error: publishing the release: a pre-release cannot be the latest release: \
         drop --make-latest yes, or pass --prerelease no"
    );
}

#[test]
fn make_latest_no_and_prerelease_yes_are_passed_on() {
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    github_publish(&sb, &gh)
        .args(["--make-latest", "no", "--name", "Tool 1.2.0"])
        .run()
        .success();
    let r = &gh.releases()[0];
    assert_eq!(r.make_latest.as_deref(), Some("false"));
    assert_eq!(r.name, "Tool 1.2.0");
    assert!(r.assets.is_empty());
}

#[test]
fn bad_input_exits_2_before_any_call() {
    let sb = Sandbox::new();
    dist(&sb);
    // A link in the working folder to a file of the runner outside it.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "not a release file").unwrap();
    std::fs::create_dir_all(sb.path().join("linked")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        sb.path().join("linked/secret.txt"),
    )
    .unwrap();
    let gh = FakeGitHub::start();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--asset", "dist/*.zip"],
            "error: publishing the release: --asset dist/*.zip matches no file",
        ),
        (
            &["--asset", "dist/nope.tar.gz"],
            "error: publishing the release: --asset dist/nope.tar.gz: no such file",
        ),
        (
            &["--asset", "../*/x"],
            "error: publishing the release: --asset ../*/x: the path leaves the working folder (an absolute path or `..`); name files inside it",
        ),
        (
            &["--asset", "dist/*.tar.gz", "--asset", "/etc/hostname"],
            "error: publishing the release: --asset /etc/hostname: the path leaves the working folder (an absolute path or `..`); name files inside it",
        ),
        (
            &["--asset", "linked/*"],
            "error: publishing the release: --asset linked/*: linked/secret.txt is a symbolic link, or lies under one, that leads outside the working folder; name files inside it",
        ),
        (
            &["--notes-file", "GONE.md"],
            "error: publishing the release: cannot read the notes file GONE.md: No such file or directory (os error 2)",
        ),
        (
            &[
                "--asset",
                "dist/tool-linux.tar.gz",
                "--asset",
                "dist/*linux*",
            ],
            "error: publishing the release: two assets are named tool-linux.tar.gz: dist/tool-linux.tar.gz and \
             dist/tool-linux.tar.gz; a release holds one file per name",
        ),
    ];
    for (args, message) in cases {
        let run = github_publish(&sb, &gh).args(*args).run().expect_code(2);
        assert_eq!(run.stderr().trim_end(), *message);
    }
    assert!(gh.api.requests().is_empty());

    let run = sb
        .relay("publish-release")
        .args(["--forge", "git", "--tag", "v1.2.0", "--repo", "acme/tool"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim_end(),
        "error: publishing the release: publish-release needs a forge API: pass --forge github or --forge gitlab"
    );
    let run = sb
        .relay("publish-release")
        .args(["--forge", "github", "--repo", "acme/tool"])
        .run()
        .expect_code(2);
    assert!(run.stderr().contains("no tag given"), "{}", run.stderr());
}

#[test]
fn a_missing_tag_is_refused() {
    let sb = Sandbox::new();
    let gh = FakeGitHub::start();
    let run = github_publish_tag(&sb, &gh, "v9.9.9").run().expect_code(1);
    assert_eq!(
        run.stderr().trim_end(),
        "error: publishing the release: tag v9.9.9 does not exist in acme/tool; \
         publish-release publishes the release of an existing tag"
    );
    assert_eq!(writes(&gh.api.requests()), Vec::<String>::new());
}

#[test]
fn from_ci_run_ships_the_artifacts_of_the_run_that_built_the_commit() {
    let sb = Sandbox::new();
    let gh = FakeGitHub::start();
    github_runs(&gh, "success");
    let storage = MockApi::start();
    let zip = zip_of(&[
        ("bin/", b""),
        ("bin/tool-linux.tar.gz", b"tested linux build\n"),
        ("build.log", b"log\n"),
    ]);
    let base = gh.api.url();
    gh.api.on(
        "GET",
        "/repos/acme/tool/actions/runs/12/artifacts",
        MockResponse::json(
            200,
            json!({"total_count": 1, "artifacts": [
                {"id": 555, "node_id": "A_555", "name": "dist", "size_in_bytes": zip.len(),
                 "url": format!("{base}/repos/acme/tool/actions/artifacts/555"),
                 "archive_download_url": format!("{base}/repos/acme/tool/actions/artifacts/555/zip"),
                 "expired": false, "digest": null, "created_at": "2026-01-15T12:04:00Z",
                 "expires_at": "2026-04-15T12:04:00Z", "updated_at": "2026-01-15T12:04:00Z",
                 "workflow_run": {"id": 12, "repository_id": 1, "head_repository_id": 1, "head_branch": "main", "head_sha": SHA}}]}),
        ),
    );
    // GitHub answers with a redirect to short-lived storage on another host.
    gh.api.on(
        "GET",
        "/repos/acme/tool/actions/artifacts/555/zip",
        MockResponse::bytes(302, "text/plain", Vec::new()).header(
            "Location",
            &format!("{}/blob/dist.zip?sig=abc", storage.url()),
        ),
    );
    storage.on(
        "GET",
        "/blob/dist.zip",
        MockResponse::bytes(200, "application/zip", zip.clone()),
    );
    let run = github_publish(&sb, &gh)
        .args([
            "--from-ci-run",
            "--asset",
            "*.tar.gz",
            "--checksums",
            "sha256",
            "--json",
        ])
        .env("GITHUB_RUN_ID", "99")
        .run()
        .success();
    run.assert_hides(TOKEN);
    let runs_call = &gh.api.requests_to("GET", "/repos/acme/tool/actions/runs")[0];
    assert_eq!(runs_call.query, format!("head_sha={SHA}&per_page=100"));
    // The run of this job (99) and the older attempt (11) are not asked for artifacts.
    assert!(
        gh.api
            .requests_to("GET", "/repos/acme/tool/actions/runs/99/artifacts")
            .is_empty()
    );
    let blob = &storage.requests_to("GET", "/blob/dist.zip")[0];
    assert_eq!(
        blob.header("authorization"),
        None,
        "the token stays with GitHub"
    );

    let r = &gh.releases()[0];
    let names: Vec<&str> = r.assets.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["tool-linux.tar.gz", "SHA256SUMS"]);
    assert_eq!(r.assets[0].bytes, b"tested linux build\n");
    assert_eq!(
        String::from_utf8(r.assets[1].bytes.clone()).unwrap(),
        format!(
            "{}  tool-linux.tar.gz\n",
            sha256_hex(b"tested linux build\n")
        )
    );
    assert!(
        run.stderr()
            .contains("artifacts of CI #12 (https://github.com/acme/tool/actions/runs/12)"),
        "{}",
        run.stderr()
    );
}

#[test]
fn from_ci_run_refuses_a_run_that_did_not_succeed() {
    let sb = Sandbox::new();
    let gh = FakeGitHub::start();
    github_runs(&gh, "failure");
    let run = github_publish(&sb, &gh)
        .args(["--from-ci-run", "--ci-workflow", "ci.yml"])
        .env("GITHUB_RUN_ID", "99")
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim_end(),
        format!(
            "error: publishing the release: refusing to promote the artifacts of {SHA}: \
             CI #12 (https://github.com/acme/tool/actions/runs/12) did not succeed: failure"
        )
    );
    assert_eq!(writes(&gh.api.requests()), Vec::<String>::new());

    // Another workflow that has not finished counts too, unless --ci-workflow picks one.
    let run = github_publish(&sb, &gh)
        .args(["--from-ci-run"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr()
            .contains("release #99 (https://github.com/acme/tool/actions/runs/99) did not succeed: in_progress"),
        "{}",
        run.stderr()
    );
}

#[test]
fn from_ci_run_reads_the_workflow_runs_of_the_commit_past_the_first_page() {
    let sb = Sandbox::new();
    let gh = FakeGitHub::start();
    // A busy commit: 120 newer runs of another workflow come first, so GitHub lists the
    // CI run on the second page of 100.
    let mut runs = vec![gh::workflow_run(
        "acme/tool",
        99,
        "release",
        ".github/workflows/release.yml",
        SHA,
        "in_progress",
        Value::Null,
        2,
    )];
    runs.extend((0..120).map(|i| {
        gh::workflow_run(
            "acme/tool",
            1000 + i,
            "nightly",
            ".github/workflows/nightly.yml",
            SHA,
            "completed",
            "success".into(),
            3,
        )
    }));
    runs.push(gh::workflow_run(
        "acme/tool",
        12,
        "CI",
        ".github/workflows/ci.yml",
        SHA,
        "completed",
        "failure".into(),
        1,
    ));
    common::pages::github_pages(
        &gh.api,
        "/repos/acme/tool/actions/runs",
        runs,
        100,
        common::pages::counted("workflow_runs"),
    );
    let run = github_publish(&sb, &gh)
        .args(["--from-ci-run", "--ci-workflow", "ci.yml"])
        .env("GITHUB_RUN_ID", "99")
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim_end(),
        format!(
            "error: publishing the release: refusing to promote the artifacts of {SHA}: \
             CI #12 (https://github.com/acme/tool/actions/runs/12) did not succeed: failure"
        )
    );
    let pages: Vec<String> = gh
        .api
        .requests_to("GET", "/repos/acme/tool/actions/runs")
        .iter()
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(
        pages,
        [
            format!("head_sha={SHA}&per_page=100"),
            format!("head_sha={SHA}&per_page=100&page=2"),
        ]
    );
}

#[test]
fn from_ci_run_refuses_an_expired_artifact() {
    let sb = Sandbox::new();
    let gh = FakeGitHub::start();
    github_runs(&gh, "success");
    gh.api.on(
        "GET",
        "/repos/acme/tool/actions/runs/12/artifacts",
        MockResponse::json(
            200,
            json!({"total_count": 1, "artifacts": [gh::artifact("acme/tool", 556, "dist", 100, true)]}),
        ),
    );
    let run = github_publish(&sb, &gh)
        .args(["--from-ci-run", "--ci-workflow", "CI"])
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim_end(),
        "error: publishing the release: artifact dist of CI #12 has expired; re-run the build or publish from files"
    );
    assert_eq!(writes(&gh.api.requests()), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------
// GitLab

#[derive(Clone)]
struct GlFile {
    id: u64,
    name: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct GlState {
    /// An upload of this name is refused as GitLab refuses a second file of one name
    /// when the project forbids duplicate packages.
    refuse_upload: Option<String>,
    /// The project forbids duplicate packages: a second file of one name gets 400.
    no_duplicates: bool,
    /// This many uploads land but their answer is lost (a 502 from the proxy).
    lost_answers: usize,
    files: Vec<GlFile>,
    release: Option<Value>,
    links: Vec<Value>,
}

/// GitLab's release, release link and generic package APIs for `acme/tool`.
struct FakeGitLab {
    api: MockApi,
    state: Arc<Mutex<GlState>>,
}

const GL_PROJECT: &str = "/api/v4/projects/acme%2Ftool";

impl FakeGitLab {
    fn start() -> FakeGitLab {
        let api = MockApi::gitlab();
        let state = Arc::new(Mutex::new(GlState::default()));
        common::gitlab_tags::serve(
            &api,
            "acme/tool",
            vec![json!({"name": "v1.2.0", "message": "", "target": SHA,
                        "commit": {"id": SHA, "short_id": &SHA[..8], "title": "release", "parent_ids": []},
                        "release": null, "protected": true, "created_at": null})],
        );
        let base = api.url();
        let st = state.clone();
        api.handle(move |r| gitlab_release_api(&base, &st, r));
        FakeGitLab { api, state }
    }
}

fn gl_file_json(f: &GlFile) -> Value {
    json!({"id": f.id, "package_id": 77, "created_at": "2026-01-15T12:00:00.000Z",
           "file_name": f.name, "size": f.bytes.len(), "file_md5": null, "file_sha1": null,
           "file_sha256": sha256_hex(&f.bytes), "pipelines": []})
}

fn gitlab_release_api(base: &str, state: &Mutex<GlState>, r: &Recorded) -> Option<MockResponse> {
    let mut st = state.lock().unwrap();
    let rest = r.path.strip_prefix(GL_PROJECT)?;
    let generic = "/packages/generic/tool/v1.2.0/";
    match (r.method.as_str(), rest) {
        ("PUT", path) if path.starts_with(generic) => {
            assert_eq!(r.query, "select=package_file");
            if st.refuse_upload.as_deref() == Some(&path[generic.len()..]) {
                return Some(MockResponse::json(
                    400,
                    json!({"message": "400 Bad request - Duplicate package is not allowed"}),
                ));
            }
            let name = path[generic.len()..].to_string();
            if st.no_duplicates && st.files.iter().any(|f| f.name == name) {
                return Some(MockResponse::json(
                    400,
                    json!({"message": "400 Bad request - Duplicate package is not allowed"}),
                ));
            }
            let file = GlFile {
                id: 300 + st.files.len() as u64,
                name,
                bytes: r.body.clone(),
            };
            let json = gl_file_json(&file);
            st.files.push(file);
            if st.lost_answers > 0 {
                st.lost_answers -= 1;
                return Some(MockResponse::json(
                    502,
                    json!({"message": "502 Bad Gateway"}),
                ));
            }
            Some(MockResponse::json(201, json))
        }
        ("GET", "/packages") => {
            assert!(r.query.contains("package_type=generic"), "{}", r.query);
            Some(MockResponse::json(
                200,
                if st.files.is_empty() {
                    json!([])
                } else {
                    json!([{"id": 77, "name": "tool", "version": "v1.2.0", "package_type": "generic",
                            "status": "default", "created_at": "2026-01-15T12:00:00.000Z"}])
                },
            ))
        }
        ("GET", "/packages/77/package_files") => Some(MockResponse::json(
            200,
            Value::Array(st.files.iter().map(gl_file_json).collect()),
        )),
        ("GET", "/releases/v1.2.0") => Some(match &st.release {
            Some(release) => {
                let mut release = release.clone();
                release["assets"]["links"] = Value::Array(st.links.clone());
                MockResponse::json(200, release)
            }
            None => MockResponse::gitlab_not_found(),
        }),
        ("POST", "/releases") => {
            if st.release.is_some() {
                return Some(MockResponse::json(
                    409,
                    json!({"message": "Release already exists"}),
                ));
            }
            let body = r.json();
            st.links = body["assets"]["links"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, l)| gl_link(i as u64 + 1, &l))
                .collect();
            let release = json!({"tag_name": body["tag_name"], "name": body["name"],
                "description": body["description"], "created_at": "2026-01-15T12:00:00.000Z",
                "released_at": "2026-01-15T12:00:00.000Z", "upcoming_release": false,
                "commit": {"id": SHA}, "assets": {"count": st.links.len(), "sources": [], "links": st.links},
                "_links": {"self": format!("{base}/acme/tool/-/releases/v1.2.0")}});
            st.release = Some(release.clone());
            Some(MockResponse::json(201, release))
        }
        ("PUT", "/releases/v1.2.0") => {
            let body = r.json();
            let release = st.release.as_mut()?;
            if let Some(d) = body.get("description") {
                release["description"] = d.clone();
            }
            release["name"] = body["name"].clone();
            Some(MockResponse::json(200, release.clone()))
        }
        ("POST", "/releases/v1.2.0/assets/links") => {
            let link = gl_link(st.links.len() as u64 + 1, &r.json());
            st.links.push(link.clone());
            Some(MockResponse::json(201, link))
        }
        _ => None,
    }
}

fn gl_link(id: u64, given: &Value) -> Value {
    json!({"id": id, "name": given["name"], "url": given["url"],
           "direct_asset_url": format!("https://gitlab.example.com/acme/tool/-/releases/v1.2.0/downloads{}", given["direct_asset_path"].as_str().unwrap()),
           "link_type": given["link_type"]})
}

fn gitlab_publish(sb: &Sandbox, gl: &FakeGitLab) -> common::Relay {
    sb.relay("publish-release").args([
        "--forge",
        "gitlab",
        "--api-url",
        &format!("{}/api/v4", gl.api.url()),
        "--token",
        GL_TOKEN,
        "--repo",
        "acme/tool",
        "--tag",
        "v1.2.0",
    ])
}

#[test]
fn gitlab_uploads_to_the_package_registry_then_creates_the_release_with_links() {
    let sb = Sandbox::new();
    dist(&sb);
    let gl = FakeGitLab::start();
    let run = gitlab_publish(&sb, &gl)
        .args([
            "--asset",
            "dist/*.tar.gz",
            "--notes-file",
            "NOTES.md",
            "--json",
            "--make-latest",
            "no",
        ])
        .run()
        .success();
    run.assert_hides(GL_TOKEN);
    assert!(
        run.stderr().contains(
            "warning: GitLab releases have no pre-release or latest flag: --prerelease and \
             --make-latest change nothing there (the newest released_at is the latest)\n"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(
        writes(&gl.api.requests()),
        [
            format!("PUT {GL_PROJECT}/packages/generic/tool/v1.2.0/tool-linux.tar.gz"),
            format!("PUT {GL_PROJECT}/packages/generic/tool/v1.2.0/tool-macos.tar.gz"),
            format!("POST {GL_PROJECT}/releases"),
        ]
    );
    let put = &gl.api.requests_to(
        "PUT",
        &format!("{GL_PROJECT}/packages/generic/tool/v1.2.0/tool-linux.tar.gz"),
    )[0];
    assert_eq!(put.body, b"linux build\n");
    assert_eq!(put.header("private-token"), Some(GL_TOKEN));
    let create = gl
        .api
        .requests_to("POST", &format!("{GL_PROJECT}/releases"))[0]
        .json();
    let package_url = format!(
        "{}/api/v4/projects/acme%2Ftool/packages/generic/tool/v1.2.0",
        gl.api.url()
    );
    assert_eq!(
        create,
        json!({"tag_name": "v1.2.0", "name": "v1.2.0", "description": "## Tool 1.2.0\n\n- faster\n",
               "assets": {"links": [
                   {"name": "tool-linux.tar.gz", "url": format!("{package_url}/tool-linux.tar.gz"),
                    "direct_asset_path": "/tool-linux.tar.gz", "link_type": "package"},
                   {"name": "tool-macos.tar.gz", "url": format!("{package_url}/tool-macos.tar.gz"),
                    "direct_asset_path": "/tool-macos.tar.gz", "link_type": "package"}]}})
    );
    let out = run.json();
    assert_eq!(
        out["url"],
        format!("{}/acme/tool/-/releases/v1.2.0", gl.api.url())
    );
    assert_eq!(out["id"], "v1.2.0");
    assert_eq!(out["assets"][0]["sha256"], sha256_hex(b"linux build\n"));
    assert_eq!(
        out["assets"][0]["url"],
        format!("{package_url}/tool-linux.tar.gz")
    );
}

#[test]
fn gitlab_rerun_links_files_a_failed_run_left_and_adds_only_the_missing() {
    let sb = Sandbox::new();
    dist(&sb);
    let gl = FakeGitLab::start();
    // A first run uploaded the Linux build, then failed: no release exists.
    gl.state.lock().unwrap().files.push(GlFile {
        id: 200,
        name: "tool-linux.tar.gz".into(),
        bytes: b"linux build\n".to_vec(),
    });
    let run = gitlab_publish(&sb, &gl)
        .args(["--asset", "dist/*.tar.gz", "--json"])
        .run()
        .success();
    assert_eq!(
        writes(&gl.api.requests()),
        [
            format!("PUT {GL_PROJECT}/packages/generic/tool/v1.2.0/tool-macos.tar.gz"),
            format!("POST {GL_PROJECT}/releases"),
        ]
    );
    let statuses = statuses(&run.json());
    assert_eq!(statuses, ["attached", "uploaded"]);
    assert_eq!(gl.state.lock().unwrap().links.len(), 2);

    // Once more with a new file: the release exists, one upload and one link.
    sb.write("dist/tool-windows.tar.gz", "windows build\n");
    let before = gl.api.requests().len();
    gitlab_publish(&sb, &gl)
        .args(["--asset", "dist/*.tar.gz"])
        .run()
        .success();
    assert_eq!(
        writes(&gl.api.requests()[before..]),
        [
            format!("PUT {GL_PROJECT}/packages/generic/tool/v1.2.0/tool-windows.tar.gz"),
            format!("PUT {GL_PROJECT}/releases/v1.2.0"),
            format!("POST {GL_PROJECT}/releases/v1.2.0/assets/links"),
        ]
    );
    assert_eq!(gl.state.lock().unwrap().links.len(), 3);
}

/// The GitLab publish with its dotenv report, and what it wrote since `before`.
fn gitlab_publish_release(
    sb: &Sandbox,
    gl: &FakeGitLab,
    extra: &[&str],
) -> (common::Run, Vec<String>) {
    let before = gl.api.requests().len();
    let run = gitlab_publish(sb, gl)
        .args([
            "--asset",
            "dist/*.tar.gz",
            "--notes-file",
            "NOTES.md",
            "--dotenv",
            "release.env",
        ])
        .args(extra)
        .run()
        .success();
    (run, writes(&gl.api.requests()[before..]))
}

#[test]
fn gitlab_rerun_of_the_same_release_writes_nothing_and_reports_it_unchanged() {
    let sb = Sandbox::new();
    dist(&sb);
    let gl = FakeGitLab::start();
    let (_, first) = gitlab_publish_release(&sb, &gl, &[]);
    assert_eq!(
        first.last().unwrap(),
        &format!("POST {GL_PROJECT}/releases")
    );
    let url = format!("{}/acme/tool/-/releases/v1.2.0", gl.api.url());

    // GitLab has no pre-release flag: `--prerelease yes` changes nothing there either.
    for extra in [&[][..], &["--prerelease", "yes"][..]] {
        let (run, wrote) = gitlab_publish_release(&sb, &gl, extra);
        assert_eq!(wrote, Vec::<String>::new(), "no PUT or POST ({extra:?})");
        let kind = if extra.is_empty() {
            "release"
        } else {
            "pre-release"
        };
        assert!(
            run.stderr().contains(&format!(
                "left the {kind} v1.2.0 of acme/tool unchanged: {url}\n"
            )),
            "{}",
            run.stderr()
        );
        let env = common::outputs::parse_dotenv(&sb.read("release.env"));
        assert_eq!(env["ACTION"], "unchanged");
        assert_eq!(env["URL"], url);
        assert_eq!(env["ID"], "v1.2.0");
        // A list is a file beside the report (relative, as the report's path is).
        assert_eq!(env["ASSETS"], "release.env.ASSETS");
        let assets: Value = serde_json::from_str(&sb.read(&env["ASSETS"])).unwrap();
        assert_eq!(
            statuses(&json!({ "assets": assets })),
            ["unchanged", "unchanged"]
        );
    }
    assert_eq!(gl.state.lock().unwrap().links.len(), 2);
}

#[test]
fn gitlab_rerun_with_other_notes_sends_exactly_one_update() {
    let sb = Sandbox::new();
    dist(&sb);
    let gl = FakeGitLab::start();
    gitlab_publish_release(&sb, &gl, &[]);

    sb.write("NOTES.md", "## Tool 1.2.0\n\n- faster\n- smaller\n");
    let (run, wrote) = gitlab_publish_release(&sb, &gl, &["--json"]);
    assert_eq!(wrote, [format!("PUT {GL_PROJECT}/releases/v1.2.0")]);
    let put = gl
        .api
        .requests_to("PUT", &format!("{GL_PROJECT}/releases/v1.2.0"))[0]
        .json();
    assert_eq!(
        put,
        json!({"name": "v1.2.0", "description": "## Tool 1.2.0\n\n- faster\n- smaller\n"})
    );
    let out = run.json();
    assert_eq!(out["action"], "updated");
    assert_eq!(statuses(&out), ["unchanged", "unchanged"]);
    assert!(
        run.stderr()
            .contains("updated the release v1.2.0 of acme/tool: "),
        "{}",
        run.stderr()
    );

    // A new title is a change as well; then the release is left alone again.
    let (run, wrote) = gitlab_publish_release(&sb, &gl, &["--name", "Tool 1.2.0", "--json"]);
    assert_eq!(wrote, [format!("PUT {GL_PROJECT}/releases/v1.2.0")]);
    assert_eq!(run.json()["action"], "updated");
    let (run, wrote) = gitlab_publish_release(&sb, &gl, &["--json"]);
    assert_eq!(wrote, Vec::<String>::new());
    assert_eq!(run.json()["action"], "unchanged");
}

#[test]
fn gitlab_refuses_other_content_under_a_linked_name() {
    let sb = Sandbox::new();
    dist(&sb);
    let gl = FakeGitLab::start();
    gitlab_publish(&sb, &gl)
        .args(["--asset", "dist/tool-linux.tar.gz"])
        .run()
        .success();
    sb.write("dist/tool-linux.tar.gz", "rebuilt\n");
    let before = gl.api.requests().len();
    let run = gitlab_publish(&sb, &gl)
        .args(["--asset", "dist/tool-linux.tar.gz"])
        .run()
        .expect_code(1);
    assert_eq!(writes(&gl.api.requests()[before..]), Vec::<String>::new());
    assert!(
        run.stderr().starts_with(
            "error: publishing the release: an asset is already in release v1.2.0 of acme/tool with other content: tool-linux.tar.gz (there: sha256 "
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn gitlab_creates_no_release_when_an_upload_fails() {
    let sb = Sandbox::new();
    dist(&sb);
    let gl = FakeGitLab::start();
    gl.state.lock().unwrap().refuse_upload = Some("tool-macos.tar.gz".into());
    let run = gitlab_publish(&sb, &gl)
        .args(["--asset", "dist/*.tar.gz"])
        .run()
        .expect_code(1);
    assert_eq!(
        writes(&gl.api.requests()),
        [
            format!("PUT {GL_PROJECT}/packages/generic/tool/v1.2.0/tool-linux.tar.gz"),
            format!("PUT {GL_PROJECT}/packages/generic/tool/v1.2.0/tool-macos.tar.gz"),
        ]
    );
    assert!(gl.state.lock().unwrap().release.is_none());
    assert_eq!(
        run.stderr().trim_end(),
        "error: publishing the release: PUT tool-macos.tar.gz to the generic package tool v1.2.0 of acme/tool: \
         400 the package already holds another file tool-macos.tar.gz and the project does not allow \
         duplicate packages (Settings > Packages and registries); \
         release v1.2.0 was not created; files already uploaded stay in the package registry and a re-run links them"
    );
}

fn gitlab_pipeline(gl: &FakeGitLab, test_status: &str) -> Vec<u8> {
    let zip = zip_of(&[("dist/tool-linux.tar.gz", b"pipeline build\n")]);
    let base = gl.api.url();
    let job = |id: u64, name: &str, stage: &str, status: &str, artifacts: bool| {
        json!({"id": id, "name": name, "stage": stage, "status": status, "allow_failure": false,
               "ref": "v1.2.0", "tag": true, "web_url": format!("{base}/acme/tool/-/jobs/{id}"),
               "artifacts_file": if artifacts { json!({"filename": "artifacts.zip", "size": zip.len()}) } else { Value::Null },
               "artifacts": if artifacts { json!([{"file_type": "archive", "size": zip.len(), "filename": "artifacts.zip", "file_format": "zip"}]) } else { json!([]) },
               "pipeline": {"id": 500, "project_id": 5, "ref": "v1.2.0", "sha": SHA, "status": "running"}})
    };
    gl.api.on(
        "GET",
        &format!("{GL_PROJECT}/pipelines/500"),
        MockResponse::json(
            200,
            json!({"id": 500, "iid": 12, "project_id": 5, "sha": SHA, "ref": "v1.2.0", "status": "running",
                   "source": "push", "web_url": format!("{base}/acme/tool/-/pipelines/500")}),
        ),
    );
    gl.api.on(
        "GET",
        &format!("{GL_PROJECT}/pipelines/500/jobs"),
        MockResponse::json(
            200,
            json!([
                job(601, "build", "build", "success", true),
                job(602, "test", "test", test_status, false),
                job(603, "publish", "deploy", "running", false),
            ]),
        ),
    );
    gl.api.on(
        "GET",
        &format!("{GL_PROJECT}/jobs/601/artifacts"),
        MockResponse::bytes(200, "application/zip", zip.clone()),
    );
    zip
}

#[test]
fn gitlab_from_ci_run_ships_the_tag_pipeline_s_job_artifacts() {
    let sb = Sandbox::new();
    let gl = FakeGitLab::start();
    gitlab_pipeline(&gl, "success");
    let run = gitlab_publish(&sb, &gl)
        .args(["--from-ci-run", "--json"])
        .env("GITLAB_CI", "true")
        .env("CI_COMMIT_TAG", "v1.2.0")
        .env("CI_PIPELINE_ID", "500")
        .env("CI_JOB_ID", "603")
        .run()
        .success();
    let put = &gl.api.requests_to(
        "PUT",
        &format!("{GL_PROJECT}/packages/generic/tool/v1.2.0/tool-linux.tar.gz"),
    )[0];
    assert_eq!(put.body, b"pipeline build\n");
    assert_eq!(run.json()["assets"][0]["name"], "tool-linux.tar.gz");
    assert!(
        run.stderr().contains(&format!(
            "artifacts of pipeline 500 ({}/acme/tool/-/pipelines/500)",
            gl.api.url()
        )),
        "{}",
        run.stderr()
    );
}

#[test]
fn gitlab_artifact_downloads_redirected_to_storage_carry_no_credential_there() {
    // GitLab answers an artifact download on object storage with a 302 to the storage
    // host; the token header is GitLab's own and must stay with GitLab. (The job token
    // cannot read the pipeline here; the transport's own tests cover JOB-TOKEN.)
    {
        let header = "private-token";
        let sb = Sandbox::new();
        let gl = FakeGitLab::start();
        let zip = gitlab_pipeline(&gl, "success");
        // The same machine by another host name, and another port: another origin.
        let storage = MockApi::start();
        let storage_port = storage.url().rsplit(':').next().unwrap().to_string();
        gl.api.handle(move |r| {
            (r.method == "GET" && r.path == format!("{GL_PROJECT}/jobs/601/artifacts")).then(
                || {
                    MockResponse::redirect(
                        302,
                        &format!(
                            "http://localhost:{storage_port}/gitlab-artifacts/601/artifacts.zip?X-Amz-Signature=f00d"
                        ),
                    )
                },
            )
        });
        storage.on(
            "GET",
            "/gitlab-artifacts/601/artifacts.zip",
            MockResponse::bytes(200, "application/zip", zip),
        );
        let run = gitlab_publish(&sb, &gl)
            .args(["--from-ci-run", "--json"])
            .env("GITLAB_CI", "true")
            .env("CI_COMMIT_TAG", "v1.2.0")
            .env("CI_PIPELINE_ID", "500")
            .env("CI_JOB_ID", "603")
            .run()
            .success();
        let to_gitlab = gl
            .api
            .requests_to("GET", &format!("{GL_PROJECT}/jobs/601/artifacts"));
        assert_eq!(to_gitlab.len(), 1, "{}", run.stderr());
        assert_eq!(to_gitlab[0].header(header), Some(GL_TOKEN));
        let to_storage = storage.requests_to("GET", "/gitlab-artifacts/601/artifacts.zip");
        assert_eq!(to_storage.len(), 1, "{}", run.stderr());
        assert_eq!(to_storage[0].query, "X-Amz-Signature=f00d");
        for name in ["private-token", "job-token", "authorization"] {
            assert_eq!(
                to_storage[0].header(name),
                None,
                "{name} reached the storage host"
            );
        }
        assert!(
            !to_storage[0]
                .headers
                .iter()
                .any(|(_, v)| v.contains(GL_TOKEN))
        );
        assert_eq!(run.json()["assets"][0]["name"], "tool-linux.tar.gz");
    }
}

#[test]
fn gitlab_from_ci_run_refuses_a_pipeline_with_a_failed_job() {
    let sb = Sandbox::new();
    let gl = FakeGitLab::start();
    gitlab_pipeline(&gl, "failed");
    let run = gitlab_publish(&sb, &gl)
        .args(["--from-ci-run"])
        .env("GITLAB_CI", "true")
        .env("CI_COMMIT_TAG", "v1.2.0")
        .env("CI_PIPELINE_ID", "500")
        .env("CI_JOB_ID", "603")
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim_end(),
        format!(
            "error: publishing the release: refusing to promote the artifacts of {SHA}: \
             pipeline 500 ({}/acme/tool/-/pipelines/500) did not succeed: job test failed",
            gl.api.url()
        )
    );
    assert_eq!(writes(&gl.api.requests()), Vec::<String>::new());
    assert!(
        gl.api
            .requests_to("GET", &format!("{GL_PROJECT}/jobs/601/artifacts"))
            .is_empty()
    );
}

#[test]
fn gitlab_refuses_a_tag_or_file_name_its_generic_packages_refuse_before_any_upload() {
    // GitLab takes a generic package version matching `[\w+.-]+` without `..`, and file
    // names of letters, digits and `._+-`; anything else gets 400 on every upload.
    let sb = Sandbox::new();
    dist(&sb);
    let gl = FakeGitLab::start();
    common::gitlab_tags::serve(
        &gl.api,
        "acme/tool",
        vec![json!({"name": "api/v1.2.0", "message": "", "target": SHA,
                    "commit": {"id": SHA, "short_id": &SHA[..8], "title": "release", "parent_ids": []},
                    "release": null, "protected": true, "created_at": null})],
    );
    let run = sb
        .relay("publish-release")
        .args([
            "--forge",
            "gitlab",
            "--api-url",
            &format!("{}/api/v4", gl.api.url()),
        ])
        .args([
            "--token",
            GL_TOKEN,
            "--repo",
            "acme/tool",
            "--tag",
            "api/v1.2.0",
        ])
        .args(["--asset", "dist/*.tar.gz"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim_end(),
        "error: publishing the release: the tag api/v1.2.0 as the version of GitLab's generic \
         package tool: GitLab takes only letters, digits, `_`, `+`, `.` and `-` in a package \
         version, and no `..` (publish from a tag such as v1.2.0)"
    );
    assert_eq!(writes(&gl.api.requests()), Vec::<String>::new());

    sb.write("dist/tool 1.2.0.tar.gz", "spaced\n");
    let run = gitlab_publish(&sb, &gl)
        .args(["--asset", "dist/*.tar.gz"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim_end(),
        "error: publishing the release: the file name \"tool 1.2.0.tar.gz\" for GitLab's \
         generic package tool: GitLab takes only letters, digits, `.`, `_`, `+` and `-` in a \
         file name (rename the file)"
    );
    assert_eq!(writes(&gl.api.requests()), Vec::<String>::new());
}

#[test]
fn gitlab_an_upload_whose_answer_was_lost_is_not_sent_again_as_a_duplicate() {
    // The file landed, the answer did not; sending it again would meet GitLab's 400
    // "Duplicate package is not allowed" where the project forbids duplicates.
    let sb = Sandbox::new();
    dist(&sb);
    let gl = FakeGitLab::start();
    {
        let mut st = gl.state.lock().unwrap();
        st.no_duplicates = true;
        st.lost_answers = 1;
    }
    gitlab_publish(&sb, &gl)
        .args(["--asset", "dist/tool-linux.tar.gz"])
        .run()
        .success();
    assert_eq!(
        writes(&gl.api.requests()),
        [
            format!("PUT {GL_PROJECT}/packages/generic/tool/v1.2.0/tool-linux.tar.gz"),
            format!("POST {GL_PROJECT}/releases"),
        ]
    );
    assert_eq!(gl.state.lock().unwrap().files.len(), 1);
}

#[test]
fn a_draft_whose_answer_was_lost_is_not_created_twice() {
    // The draft was created and the answer lost; a second POST makes a second draft
    // (drafts have no tag yet, so GitHub does not refuse it).
    let sb = Sandbox::new();
    dist(&sb);
    let gh = FakeGitHub::start();
    gh.state.lock().unwrap().lost_release_answers = 1;
    github_publish(&sb, &gh)
        .args(["--asset", "dist/tool-linux.tar.gz"])
        .run()
        .success();
    assert_eq!(
        gh.api
            .requests_to("POST", "/repos/acme/tool/releases")
            .len(),
        1
    );
    assert_eq!(gh.releases().len(), 1);
    assert!(!gh.releases()[0].draft);
}
