//! update-links, run as a release pipeline runs it: redirect maps and documents in a
//! repository (golden files in tests/all/fixtures/links), floating tags on a real git
//! server on 127.0.0.1 or through the mocked GitHub/GitLab APIs, and a mocked link
//! service.

use crate::common;

use crate::common::github_shapes as gh;
use crate::common::outputs::{parse_dotenv, parse_github_output};
use crate::common::{GitServer, MockApi, MockResponse, Recorded, Sandbox, assert_golden, fixture};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Runs update-links on a copy of the fixture folder `name` and checks each listed
/// file against its golden `expected/<file>`; then proves a second run changes
/// nothing and a dry run writes nothing. Returns the first run's JSON outputs.
fn golden(name: &str, version: &str, files: &[&str], extra: &[&str]) -> Value {
    let sb = Sandbox::new();
    let repo = sb.copy_files(&fixture(&format!("links/{name}")), "repo");
    let originals: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(repo.join(f)).unwrap())
        .collect();

    let dry = sb
        .relay("update-links")
        .args(["--version", version, "--dry-run", "--json"])
        .args(extra)
        .current_dir(&repo)
        .run()
        .success();
    for (file, original) in files.iter().zip(&originals) {
        assert_eq!(
            &std::fs::read_to_string(repo.join(file)).unwrap(),
            original,
            "--dry-run wrote {file}"
        );
    }
    assert!(
        dry.stderr()
            .starts_with("dry run: nothing is changed; the plan:\n")
    );

    let out = sb
        .relay("update-links")
        .args(["--version", version, "--json"])
        .args(extra)
        .current_dir(&repo)
        .run()
        .success()
        .json();
    assert_eq!(out, dry.json(), "the dry run plans what the run does");
    for file in files {
        let written = std::fs::read_to_string(repo.join(file)).unwrap();
        assert_golden(&format!("links/{name}/expected/{file}"), &written);
    }

    let again = sb
        .relay("update-links")
        .args(["--version", version, "--json"])
        .args(extra)
        .current_dir(&repo)
        .run()
        .success()
        .json();
    assert_eq!(again["created"], 0, "{again:#}");
    assert_eq!(again["updated"], 0, "{again:#}");
    for file in files {
        let written = std::fs::read_to_string(repo.join(file)).unwrap();
        assert_golden(&format!("links/{name}/expected/{file}"), &written);
    }
    out
}

/// `(status, name)` of each change, for compact assertions.
fn statuses(out: &Value) -> Vec<(String, String)> {
    out["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["status"].as_str().unwrap().to_string(),
                l["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn upserts_a_sorted_json_map_in_place() {
    let out = golden("json", "1.4.0", &["links.json"], &[]);
    assert_eq!(
        statuses(&out),
        pairs(&[
            ("created", "tool/1.4/linux"),
            ("updated", "tool/1/linux"),
            ("updated", "tool/latest/linux"),
            ("created", "tool/1.4/windows"),
            ("unchanged", "tool/1/windows"),
            ("updated", "tool/latest/windows"),
        ])
    );
    assert_eq!(
        (&out["created"], &out["updated"], &out["unchanged"]),
        (&json!(2), &json!(3), &json!(1))
    );
    let latest = &out["links"][2];
    assert_eq!(latest["place"], "map");
    assert_eq!(latest["where"], "links.json");
    assert_eq!(
        latest["previous"],
        "https://github.com/acme/tool/releases/download/v1.3.2/tool-1.3.2-linux-amd64.tar.gz"
    );
}

#[test]
fn a_tag_name_with_the_tag_prefix_is_the_version() {
    let by_tag = golden("json", "v1.4.0", &["links.json"], &["--tag-prefix", "v"]);
    assert_eq!(
        statuses(&by_tag)[0],
        ("created".into(), "tool/1.4/linux".into())
    );
}

#[test]
fn appends_to_an_unsorted_yaml_map_keeping_its_styles() {
    let out = golden("yaml", "1.4.0", &["redirects.yaml"], &[]);
    assert_eq!(
        statuses(&out),
        pairs(&[("created", "1.4"), ("updated", "latest")])
    );
}

#[test]
fn upserts_netlify_redirects_before_the_catch_all() {
    let out = golden("redirects", "1.4.0", &["_redirects"], &[]);
    assert_eq!(
        statuses(&out),
        pairs(&[
            ("updated", "/download/latest"),
            ("updated", "/download/v1"),
            ("created", "/download/v1.4"),
            ("created", "/download/latest/checksums"),
            ("created", "/download/v1/checksums"),
            ("created", "/download/v1.4/checksums"),
        ])
    );
}

#[test]
fn upserts_an_nginx_map_block() {
    let out = golden("nginx", "1.4.0", &["downloads.conf"], &[]);
    assert_eq!(
        statuses(&out),
        pairs(&[
            ("updated", "/download/latest"),
            ("updated", "/download/v1"),
            ("created", "/download/v1.4"),
        ])
    );
}

#[test]
fn moves_versioned_urls_in_documents_and_keeps_every_other_byte() {
    let out = golden("document", "1.4.0", &["README.md", "INSTALL.md"], &[]);
    let wheres: Vec<&str> = out["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["where"].as_str().unwrap())
        .collect();
    assert_eq!(
        wheres,
        [
            "README.md:10:10",
            "README.md:11:1",
            "README.md:15:32",
            "README.md:3:13",
            "README.md:3:64",
            "README.md:15:1",
            "INSTALL.md:3:14"
        ]
    );
    let install = &out["links"][6];
    assert_eq!(install["status"], "unchanged");
    assert_eq!(
        install["previous"],
        "https://github.com/acme/tool/releases/download/v1.5.0-rc.1/tool-1.5.0-rc.1-linux-amd64.tar.gz"
    );
}

#[test]
fn a_newer_version_in_a_document_stays_with_a_warning() {
    let sb = Sandbox::new();
    let repo = sb.copy_files(&fixture("links/document"), "repo");
    let run = sb
        .relay("update-links")
        .args(["--version", "1.4.0"])
        .current_dir(&repo)
        .run()
        .success();
    assert!(
        run.stderr().contains(
            "warning: INSTALL.md:3:14: names 1.5.0-rc.1, newer than 1.4.0; left as it is"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_assets_json_with_a_fips_suffixed_version_moves_assets_and_companions() {
    let manifest = fixture("links/assets-json/assets.json");
    let out = golden(
        "assets-json",
        "1.22.3-fips",
        &["akams.json"],
        &["--manifest", manifest.to_str().unwrap()],
    );
    let base = "https://dl.example.org/golang/microsoft/go1.22.3-fips/go1.22.3-fips";
    let links: Vec<(String, String, String)> = out["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["status"].as_str().unwrap().to_string(),
                l["name"].as_str().unwrap().to_string(),
                l["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = |status: &str, alias: &str, asset: &str| {
        (
            status.to_string(),
            format!("golang/release/latest/go{alias}.{asset}"),
            format!("{base}.{asset}"),
        )
    };
    assert_eq!(
        links,
        [
            expect("updated", "1.22-fips", "linux-amd64.tar.gz"),
            expect("updated", "1.22-fips", "linux-amd64.tar.gz.sha256"),
            expect("updated", "1.22-fips", "linux-amd64.tar.gz.sig"),
            expect("created", "1.22-fips", "windows-amd64.zip"),
            expect("created", "1.22-fips", "windows-amd64.zip.sha256"),
            expect("created", "1.22-fips", "windows-amd64.zip.sig"),
            expect("created", "1.22.3-fips", "linux-amd64.tar.gz"),
            expect("created", "1.22.3-fips", "linux-amd64.tar.gz.sha256"),
            expect("created", "1.22.3-fips", "linux-amd64.tar.gz.sig"),
            expect("created", "1.22.3-fips", "windows-amd64.zip"),
            expect("created", "1.22.3-fips", "windows-amd64.zip.sha256"),
            expect("created", "1.22.3-fips", "windows-amd64.zip.sig"),
        ]
    );
}

#[test]
fn a_list_manifest_makes_a_link_per_asset_with_its_companions() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        "[links]\naliases = [\"latest\"]\ncompanions = [\".sha256\"]\n\n\
         [[links.map]]\npath = \"links.yaml\"\nname = \"dl/{alias}/{asset}\"\n\
         url = \"https://cdn.example.org/tool/{version}/{asset}\"\n",
    );
    sb.write("repo/links.yaml", "# downloads\n");
    sb.write(
        "assets.json",
        r#"{"assets": [
            {"name": "tool.tar.gz", "url": "https://github.com/x", "size": 10},
            {"name": "tool.tar.gz.sha256", "url": "https://github.com/y"},
            {"name": "notes.txt", "url": "https://github.com/z"}]}"#,
    );
    sb.relay("update-links")
        .args([
            "--version",
            "2.0.0",
            "--manifest",
            "assets.json",
            "--repo",
            "repo",
        ])
        .run()
        .success();
    assert_eq!(
        sb.read("repo/links.yaml"),
        "# downloads\n\
         dl/latest/notes.txt: https://cdn.example.org/tool/2.0.0/notes.txt\n\
         dl/latest/tool.tar.gz: https://cdn.example.org/tool/2.0.0/tool.tar.gz\n\
         dl/latest/tool.tar.gz.sha256: https://cdn.example.org/tool/2.0.0/tool.tar.gz.sha256\n",
        "an empty map is sorted: new entries go in sorted"
    );
}

const PRERELEASE_CONFIG: &str = "[links]\n\
    aliases = [\"latest\", \"{major}.{minor}\"]\n\
    prerelease-aliases = [\"next\"]\n\n\
    [[links.map]]\npath = \"links.json\"\nname = \"tool/{alias}\"\n\
    url = \"https://x.org/{version}/tool.tgz\"\n\n\
    [[links.document]]\npath = \"README.md\"\nurl = \"https://x.org/{version}/tool.tgz\"\n";

#[test]
fn a_prerelease_moves_only_its_own_aliases_and_leaves_documents() {
    let sb = Sandbox::new();
    sb.write("repo/relay.toml", PRERELEASE_CONFIG);
    let links = "{\n  \"tool/latest\": \"https://x.org/1.9.0/tool.tgz\"\n}\n";
    sb.write("repo/links.json", links);
    sb.write("repo/README.md", "get https://x.org/1.9.0/tool.tgz\n");
    let out = sb
        .relay("update-links")
        .args(["--version", "2.0.0-rc.1", "--json", "--repo", "repo"])
        .run()
        .success()
        .json();
    assert_eq!(statuses(&out), pairs(&[("created", "tool/next")]));
    assert_eq!(
        sb.read("repo/links.json"),
        "{\n  \"tool/latest\": \"https://x.org/1.9.0/tool.tgz\",\n  \"tool/next\": \"https://x.org/2.0.0-rc.1/tool.tgz\"\n}\n"
    );
    assert_eq!(
        sb.read("repo/README.md"),
        "get https://x.org/1.9.0/tool.tgz\n"
    );
}

#[test]
fn outputs_reach_github_gitlab_and_the_step_summary_escaped() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\n\
         name = \"{alias}|<b>\"\nurl = \"https://x.org/{version}/a_b.tgz\"\n",
    );
    sb.write("repo/links.json", "{}\n");
    let output = sb.path().join("github_output");
    let summary = sb.path().join("summary.md");
    let dotenv = sb.path().join("links.env");
    sb.relay("update-links")
        .args(["--dotenv", dotenv.to_str().unwrap()])
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("INPUT_VERSION", "3.1.0")
        .env("INPUT_REPO", "repo")
        .env("INPUT_DRY-RUN", "false")
        .run()
        .success();
    let outputs = parse_github_output(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(outputs["created"], "1");
    assert_eq!(outputs["updated"], "0");
    assert_eq!(outputs["unchanged"], "0");
    let links: Value = serde_json::from_str(&outputs["links"]).unwrap();
    assert_eq!(links[0]["name"], "latest|<b>");
    let env = parse_dotenv(&std::fs::read_to_string(&dotenv).unwrap());
    assert_eq!(env["CREATED"], "1");
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        markdown,
        "### Links for `3.1.0`\n\n1 created, 0 updated, 0 unchanged\n\n\
         | status | place | where | name | target |\n| --- | --- | --- | --- | --- |\n\
         | created | map | `links.json` | `latest\\|<b>` | https://x.org/3.1.0/a\\_b.tgz |\n\n",
        "a `|` in a code span still splits a GitHub table cell unless escaped"
    );
}

// ---- floating tags on a real git server ----

struct TagRepos<'a> {
    server: GitServer,
    work: common::Repo<'a>,
    old: String,
    new: String,
}

/// acme/api on a loopback git server: v1.3.0 with floating v1 and v1.3 (lightweight,
/// as update-links makes them) on it, then v1.4.0 on a newer commit; `work` is a clone with the release config.
fn tag_repos<'a>(sb: &'a Sandbox, config: &str) -> TagRepos<'a> {
    sb.bare_repo("srv/acme/api.git");
    let server = GitServer::start(&sb.path().join("srv"));
    let seed = sb.repo("seed");
    let old = seed.commit("README.md", "v1.3\n", "feat: 1.3");
    seed.tag_annotated("v1.3.0", "api 1.3.0 release");
    seed.tag_lightweight("v1");
    seed.tag_lightweight("v1.3");
    let new = seed.commit("README.md", "v1.4\n", "feat: 1.4");
    seed.tag_annotated("v1.4.0", "api 1.4.0 release");
    seed.git(["remote", "add", "origin", &server.url("acme/api.git")]);
    seed.git(["push", "-q", "origin", "HEAD:main", "--tags"]);
    // The pipeline's checkout: shallow, without the release commit's tags.
    let work = sb.clone_of(
        &server.url("acme/api.git"),
        "work",
        &["--depth", "1", "--no-tags"],
    );
    std::fs::write(work.path().join("relay.toml"), config).unwrap();
    TagRepos {
        server,
        work,
        old,
        new,
    }
}

fn remote_tags(sb: &Sandbox, server: &GitServer) -> BTreeMap<String, String> {
    sb.git_in(
        sb.path(),
        ["ls-remote", "--tags", &server.url("acme/api.git")],
    )
    .lines()
    .map(|l| {
        let (oid, name) = l.split_once('\t').unwrap();
        (
            name.trim_start_matches("refs/tags/").to_string(),
            oid.to_string(),
        )
    })
    .collect()
}

const TAGS_CONFIG: &str = "[links]\naliases = []\n\n[links.tags]\ntarget = \"v{version}\"\n\
    names = [\"v{major}\", \"v{major}.{minor}\", \"latest\"]\n";

#[test]
fn moves_floating_tags_on_the_remote_with_a_lease() {
    let sb = Sandbox::new();
    let r = tag_repos(&sb, TAGS_CONFIG);
    let before = remote_tags(&sb, &r.server);
    let v1_object = before["v1"].clone();

    let dry = sb
        .relay("update-links")
        .args(["--version", "1.4.0", "--dry-run", "--json"])
        .current_dir(r.work.path())
        .run()
        .success()
        .json();
    assert_eq!(
        remote_tags(&sb, &r.server),
        before,
        "a dry run moves nothing"
    );
    assert_eq!(
        statuses(&dry),
        pairs(&[
            ("updated", "v1"),
            ("created", "v1.4"),
            ("created", "latest")
        ])
    );
    assert_eq!(dry["links"][0]["previous"], r.old);
    assert_eq!(dry["links"][0]["where"], "origin");

    let out = sb
        .relay("update-links")
        .args(["--version", "1.4.0", "--json"])
        .current_dir(r.work.path())
        .run()
        .success()
        .json();
    assert_eq!(out, dry);
    let after = remote_tags(&sb, &r.server);
    assert_eq!(after["v1"], r.new, "v1 moved to 1.4.0's commit");
    assert_eq!(after["v1.4"], r.new);
    assert_eq!(after["latest"], r.new);
    assert_eq!(after["v1.3"], r.old, "another line's floating tag stays");
    assert_eq!(after["v1.3.0"], before["v1.3.0"], "release tags never move");
    assert_eq!(after["v1.4.0"], before["v1.4.0"]);
    assert_ne!(v1_object, after["v1"]);

    let again = sb
        .relay("update-links")
        .args(["--version", "1.4.0", "--json"])
        .current_dir(r.work.path())
        .run()
        .success()
        .json();
    assert_eq!(
        statuses(&again),
        pairs(&[
            ("unchanged", "v1"),
            ("unchanged", "v1.4"),
            ("unchanged", "latest")
        ])
    );
}

#[test]
fn a_tag_that_moved_since_it_was_read_is_not_overwritten() {
    let sb = Sandbox::new();
    let r = tag_repos(&sb, TAGS_CONFIG);
    // The push goes to a copy of the remote on which v1 has moved meanwhile (as a
    // concurrent release would move it after update-links read the remote): the
    // lease on v1 must refuse the push, and the atomic push moves nothing at all.
    sb.git_in(
        sb.path(),
        [
            "clone",
            "-q",
            "--mirror",
            &r.server.url("acme/api.git"),
            "srv/acme/api-moved.git",
        ],
    );
    let moved = sb.path().join("srv/acme/api-moved.git");
    sb.git_in(&moved, ["tag", "-f", "v1", "v1.3.0"]);
    r.work.git([
        "remote",
        "set-url",
        "--push",
        "origin",
        &r.server.url("acme/api-moved.git"),
    ]);
    let before = sb.git_in(&moved, ["for-each-ref", "refs/tags"]);

    let run = sb
        .relay("update-links")
        .args(["--version", "1.4.0", "--json"])
        .current_dir(r.work.path())
        .run()
        .expect_code(1);
    let stderr = run.stderr();
    let error = &stderr[stderr.find("error: ").unwrap()..];
    assert!(
        error.starts_with(
            "error: moving floating tags v1, v1.4, latest on `origin` (one atomic push: none moved): \
             `git push --atomic --quiet --force-with-lease=refs/tags/v1:"
        ),
        "{error}"
    );
    assert!(error.contains("(stale info)"), "{error}");
    assert!(
        error.ends_with("; the link service was left as it is\n"),
        "{error}"
    );
    assert_eq!(
        sb.git_in(&moved, ["for-each-ref", "refs/tags"]),
        before,
        "nothing moved"
    );
    assert!(
        run.json()["links"].as_array().unwrap().is_empty(),
        "no tag is reported as moved"
    );
}

/// The warnings of a run, `warning: ` cut off.
fn warnings(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("warning: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn an_annotated_tag_named_as_floating_is_never_moved() {
    // `v{major}.{minor}` as a floating name, and a repository whose 1.3 release was
    // tagged `v1.3` (annotated) long ago: releasing 1.3.1 must not replace that tag.
    let sb = Sandbox::new();
    let r = tag_repos(&sb, TAGS_CONFIG);
    let seed = common::Repo {
        sb: &sb,
        dir: sb.path().join("seed"),
    };
    seed.git(["tag", "-d", "v1.3"]);
    seed.git(["tag", "-a", "v1.3", "-m", "api 1.3 release", &r.old]);
    seed.git(["push", "-q", "-f", "origin", "refs/tags/v1.3"]);
    let fix = seed.commit("README.md", "v1.3.1\n", "fix: 1.3.1");
    seed.tag_annotated("v1.3.1", "api 1.3.1 release");
    seed.git(["push", "-q", "origin", "v1.3.1"]);
    let before = remote_tags(&sb, &r.server);

    let run = sb
        .relay("update-links")
        .args(["--version", "1.3.1", "--tag", "v1.3", "--json"])
        .current_dir(r.work.path())
        .run()
        .success();
    assert_eq!(statuses(&run.json()), pairs(&[("unchanged", "v1.3")]));
    assert_eq!(
        warnings(&run.stderr()),
        [
            "floating tag `v1.3` on origin is an annotated tag (a release tag, not a floating \
          one: floating tags are lightweight); left as it is"
        ]
    );
    let after = remote_tags(&sb, &r.server);
    assert_eq!(
        after["v1.3"], before["v1.3"],
        "the annotated tag object stays"
    );
    assert_ne!(after["v1.3"], fix);
}

#[test]
fn floating_tags_never_move_back_to_an_older_release() {
    let sb = Sandbox::new();
    let r = tag_repos(&sb, TAGS_CONFIG);
    sb.relay("update-links")
        .args(["--version", "1.4.0"])
        .current_dir(r.work.path())
        .run()
        .success();
    // A patch of the older line, released after 1.4.0.
    let seed = common::Repo {
        sb: &sb,
        dir: sb.path().join("seed"),
    };
    seed.git(["checkout", "-q", "-b", "release-1.3", "v1.3.0"]);
    let fix = seed.commit("README.md", "v1.3.1\n", "fix: 1.3.1");
    seed.tag_annotated("v1.3.1", "api 1.3.1 release");
    seed.git(["push", "-q", "origin", "v1.3.1"]);

    let run = sb
        .relay("update-links")
        .args(["--version", "1.3.1", "--json"])
        .current_dir(r.work.path())
        .run()
        .success();
    assert_eq!(
        statuses(&run.json()),
        pairs(&[
            ("unchanged", "v1"),
            ("updated", "v1.3"),
            ("unchanged", "latest")
        ])
    );
    assert_eq!(
        warnings(&run.stderr()),
        [
            "floating tag `v1` on origin points at 1.4.0, newer than 1.3.1; left as it is",
            "floating tag `latest` on origin points at 1.4.0, newer than 1.3.1; left as it is"
        ]
    );
    let after = remote_tags(&sb, &r.server);
    assert_eq!(after["v1"], r.new);
    assert_eq!(after["latest"], r.new);
    assert_eq!(after["v1.3"], fix, "its own line's tag moves");
}

#[test]
fn a_map_alias_never_moves_back_to_an_older_release() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        "[links]\naliases = [\"latest\", \"{major}.{minor}\"]\n\n[[links.map]]\n\
         path = \"links.json\"\nname = \"{alias}\"\nurl = \"https://x.org/v{version}/tool-{version}.tgz\"\n",
    );
    let map = "{\n  \"1.3\": \"https://x.org/v1.3.0/tool-1.3.0.tgz\",\n  \
               \"1.4\": \"https://x.org/v1.4.0/tool-1.4.0.tgz\",\n  \
               \"latest\": \"https://x.org/v1.4.0/tool-1.4.0.tgz\"\n}\n";
    sb.write("repo/links.json", map);
    let run = sb
        .relay("update-links")
        .args(["--repo", "repo", "--version", "1.3.1", "--json"])
        .run()
        .success();
    assert_eq!(
        statuses(&run.json()),
        pairs(&[("unchanged", "latest"), ("updated", "1.3")])
    );
    assert_eq!(
        warnings(&run.stderr()),
        ["links.json: `latest` names 1.4.0, newer than 1.3.1; left as it is"]
    );
    assert_eq!(
        sb.read("repo/links.json"),
        map.replace("v1.3.0/tool-1.3.0", "v1.3.1/tool-1.3.1")
    );
}

#[test]
fn a_tag_not_configured_as_floating_is_refused_and_nothing_changes() {
    let sb = Sandbox::new();
    let config = format!(
        "{TAGS_CONFIG}\n[[links.map]]\npath = \"links.json\"\nname = \"{{alias}}\"\nurl = \"https://x.org/{{version}}\"\n"
    )
    .replace("aliases = []", "aliases = [\"latest\"]");
    let r = tag_repos(&sb, &config);
    std::fs::write(r.work.path().join("links.json"), "{}\n").unwrap();
    let before = remote_tags(&sb, &r.server);

    let run = sb
        .relay("update-links")
        .args(["--version", "1.4.0", "--tag", "v1.3.0"])
        .current_dir(r.work.path())
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim(),
        "error: updating links: tag `v1.3.0` is not configured as floating (the floating tags \
         of [links.tags] names are v1, v1.4, latest); nothing was changed"
    );
    assert_eq!(
        remote_tags(&sb, &r.server),
        before,
        "the remote is unchanged"
    );
    assert_eq!(
        std::fs::read_to_string(r.work.path().join("links.json")).unwrap(),
        "{}\n",
        "no file was written"
    );

    // A configured name that is a release tag is refused too, at its position.
    std::fs::write(
        r.work.path().join("relay.toml"),
        "[links.tags]\nnames = [\"v1\", \"v{major}.{minor}.{patch}\"]\n",
    )
    .unwrap();
    let run = sb
        .relay("update-links")
        .args(["--version", "1.4.0"])
        .current_dir(r.work.path())
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim(),
        "error: updating links: relay.toml:2:17: tag `v1.4.0` is the release tag itself, which never moves"
    );
    std::fs::write(
        r.work.path().join("relay.toml"),
        "[links.tags]\nnames = [\"release-{version}\"]\n",
    )
    .unwrap();
    let run = sb
        .relay("update-links")
        .args(["--version", "1.4.0"])
        .current_dir(r.work.path())
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim(),
        "error: updating links: relay.toml:2:11: tag `release-1.4.0` is not floating: \
         `release-{version}` names one release (it uses {version}), and release tags never move"
    );
    assert_eq!(remote_tags(&sb, &r.server), before);
}

#[test]
fn a_missing_release_tag_fails_the_job() {
    let sb = Sandbox::new();
    let r = tag_repos(&sb, TAGS_CONFIG);
    let run = sb
        .relay("update-links")
        .args(["--version", "1.5.0"])
        .current_dir(r.work.path())
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().trim(),
        "error: updating links: the release tag v1.5.0 is not on the remote `origin`; push it \
         before moving floating tags to it"
    );
}

#[test]
fn a_remote_that_asks_for_credentials_blames_the_token_only_when_one_was_sent() {
    let sb = Sandbox::new();
    let r = tag_repos(&sb, TAGS_CONFIG);
    let before = remote_tags(&sb, &r.server);
    let guarded = common::HttpGitServer::start(
        &sb.path().join("srv"),
        Some(("x-access-token", "ghs_right_0123456789")),
    );
    r.work
        .git(["remote", "set-url", "origin", &guarded.url("acme/api.git")]);
    let without_token = sb
        .relay("update-links")
        .args(["--version", "1.4.0", "--forge", "git"])
        .current_dir(r.work.path())
        .run()
        .expect_code(1);
    let stderr = without_token.stderr();
    assert!(
        stderr.contains(
            "terminal prompts disabled — the remote asks for credentials and none were sent: \
             give the forge's token (GITHUB_TOKEN, GITLAB_TOKEN) or the runner's own access to \
             this remote"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("contents: read"), "{stderr}");
    let wrong_token = sb
        .relay("update-links")
        .args(["--version", "1.4.0", "--forge", "git"])
        .env("GITHUB_TOKEN", "ghs_wrong_0123456789")
        .current_dir(r.work.path())
        .run()
        .expect_code(1);
    assert!(
        wrong_token.stderr().contains(
            " — the remote refused the token: it needs `contents: read` (GitHub) or \
             `read_repository` (GitLab), and write access to move the tags"
        ),
        "{}",
        wrong_token.stderr()
    );
    assert_eq!(remote_tags(&sb, &r.server), before, "no tag moved");
}

// ---- floating tags through the forge APIs ----

/// One tag as GitHub's "List repository tags" lists it.
fn github_listed_tag(name: &str, sha: &str) -> Value {
    json!({"name": name, "node_id": "REF_x",
           "commit": {"sha": sha, "url": format!("https://api.github.com/repos/acme/api/commits/{sha}")},
           "zipball_url": format!("https://api.github.com/repos/acme/api/zipball/refs/tags/{name}"),
           "tarball_url": format!("https://api.github.com/repos/acme/api/tarball/refs/tags/{name}")})
}

/// One tag as GitLab's "List project repository tags" lists it (a lightweight tag).
fn gitlab_listed_tag(name: &str, sha: &str) -> Value {
    json!({"name": name, "message": null, "target": sha,
           "commit": {"id": sha, "short_id": &sha[..8], "title": "x", "created_at": "2026-01-15T12:00:00.000+00:00",
                      "parent_ids": [], "message": "x", "author_name": "Bot", "author_email": "bot@example.org"},
           "release": null, "protected": false, "created_at": null})
}

#[test]
fn floating_tags_through_an_api_never_move_back_to_an_older_release() {
    let newer = "8888888888888888888888888888888888888888";
    let release = "9999999999999999999999999999999999999999";
    // GitHub: `v1` and `latest` on 1.5.0's commit, 1.4.1 released afterwards.
    let sb = Sandbox::new();
    sb.write("repo/relay.toml", TAGS_CONFIG);
    let api = MockApi::github();
    for (name, sha) in [
        ("v1.4.1", release),
        ("v1", newer),
        ("latest", newer),
        ("v1.4", newer),
    ] {
        api.on(
            "GET",
            &format!("/repos/acme/api/git/ref/tags/{name}"),
            MockResponse::json(
                200,
                gh::git_ref("acme/api", &format!("refs/tags/{name}"), sha, "commit"),
            ),
        );
    }
    api.on(
        "GET",
        "/repos/acme/api/tags",
        MockResponse::json(
            200,
            json!([
                github_listed_tag("latest", newer),
                github_listed_tag("v1", newer),
                github_listed_tag("v1.4", newer),
                github_listed_tag("v1.4.1", release),
                github_listed_tag("v1.5.0", newer)
            ]),
        ),
    );
    let run = sb
        .relay("update-links")
        .args(["--version", "1.4.1", "--json", "--repo", "repo"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/api")
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_TOKEN", "ghs_SECRETtoken0123456789")
        .run()
        .success();
    assert_eq!(
        statuses(&run.json()),
        pairs(&[
            ("unchanged", "v1"),
            ("unchanged", "v1.4"),
            ("unchanged", "latest")
        ])
    );
    let kept: Vec<String> = warnings(&run.stderr());
    assert_eq!(
        kept,
        ["v1", "v1.4", "latest"].map(|n| format!(
            "floating tag `{n}` on github acme/api points at 1.5.0, newer than 1.4.1; left as it is"
        ))
    );
    assert!(
        api.requests().iter().all(|r| r.method == "GET"),
        "no tag moved: {:?}",
        api.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );

    // GitLab: `stable` on 2.1.0's commit, 2.0.1 released afterwards.
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        "[links.tags]\ntarget = \"{version}\"\nnames = [\"stable\"]\n",
    );
    let api = MockApi::gitlab();
    for (name, sha) in [("2.0.1", release), ("stable", newer)] {
        api.on(
            "GET",
            &format!("/api/v4/projects/acme%2Fapi/repository/tags/{name}"),
            MockResponse::json(200, gitlab_listed_tag(name, sha)),
        );
    }
    api.on(
        "GET",
        "/api/v4/projects/acme%2Fapi/repository/tags",
        MockResponse::json(
            200,
            json!([
                gitlab_listed_tag("2.1.0", newer),
                gitlab_listed_tag("2.0.1", release),
                gitlab_listed_tag("stable", newer)
            ]),
        ),
    );
    let run = sb
        .relay("update-links")
        .args(["--version", "2.0.1", "--json", "--repo", "repo"])
        .env("GITLAB_CI", "true")
        .env("CI_PROJECT_PATH", "acme/api")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("GITLAB_TOKEN", "glpat-SECRET")
        .run()
        .success();
    assert_eq!(statuses(&run.json()), pairs(&[("unchanged", "stable")]));
    assert_eq!(
        warnings(&run.stderr()),
        [
            "floating tag `stable` on gitlab acme/api points at 2.1.0, newer than 2.0.1; left as it is"
        ]
    );
    assert!(api.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn moves_floating_tags_through_the_github_api() {
    let sb = Sandbox::new();
    sb.write("repo/relay.toml", TAGS_CONFIG);
    let api = MockApi::github();
    let commit = "4444444444444444444444444444444444444444";
    let old = "3333333333333333333333333333333333333333";
    let tag_object = "5555555555555555555555555555555555555555";
    let git_ref = |name: &str, sha: &str, kind: &str| {
        MockResponse::json(
            200,
            json!({"ref": format!("refs/tags/{name}"), "node_id": "REF_x",
                   "url": format!("https://api.github.com/repos/acme/api/git/refs/tags/{name}"),
                   "object": {"sha": sha, "type": kind, "url": "https://api.github.com/x"}}),
        )
    };
    api.on(
        "GET",
        "/repos/acme/api/git/ref/tags/v1.4.0",
        git_ref("v1.4.0", tag_object, "tag"),
    );
    api.on(
        "GET",
        &format!("/repos/acme/api/git/tags/{tag_object}"),
        MockResponse::json(
            200,
            json!({"node_id": "TAG_1", "tag": "v1.4.0", "sha": tag_object, "url": "https://api.github.com/x",
                   "message": "api 1.4.0 release\n",
                   "tagger": {"name": "Octo Cat", "email": "octo@example.org", "date": "2026-02-01T10:00:00Z"},
                   "object": {"type": "commit", "sha": commit, "url": "https://api.github.com/x"},
                   "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}}),
        ),
    );
    api.on(
        "GET",
        "/repos/acme/api/git/ref/tags/v1",
        git_ref("v1", old, "commit"),
    );
    api.on(
        "GET",
        "/repos/acme/api/git/ref/tags/v1.4",
        git_ref("v1.4", commit, "commit"),
    );
    api.on(
        "GET",
        "/repos/acme/api/tags",
        MockResponse::json(
            200,
            json!([
                github_listed_tag("v1", old),
                github_listed_tag("v1.3.0", old),
                github_listed_tag("v1.4.0", commit)
            ]),
        ),
    );
    api.on(
        "PATCH",
        "/repos/acme/api/git/refs/tags/v1",
        MockResponse::json(502, json!({"message": "Server Error"})),
    );
    api.on(
        "PATCH",
        "/repos/acme/api/git/refs/tags/v1",
        git_ref("v1", commit, "commit"),
    );
    api.on(
        "POST",
        "/repos/acme/api/git/refs",
        MockResponse::json(
            201,
            gh::git_ref("acme/api", "refs/tags/latest", commit, "commit"),
        ),
    );
    let token = "ghs_SECRETtoken0123456789";
    let run = sb
        .relay("update-links")
        .args(["--version", "1.4.0", "--json", "--repo", "repo"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/api")
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_TOKEN", token)
        .run()
        .success();
    let out = run.json();
    assert_eq!(
        statuses(&out),
        pairs(&[
            ("updated", "v1"),
            ("unchanged", "v1.4"),
            ("created", "latest")
        ])
    );
    assert_eq!(out["links"][0]["where"], "github acme/api");
    assert_eq!(out["links"][0]["previous"], old);
    let patches = api.requests_to("PATCH", "/repos/acme/api/git/refs/tags/v1");
    assert_eq!(patches.len(), 2, "the 502 is retried");
    assert_eq!(patches[1].json(), json!({"sha": commit, "force": true}));
    assert_eq!(
        patches[1].header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    let posts = api.requests_to("POST", "/repos/acme/api/git/refs");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].json(),
        json!({"ref": "refs/tags/latest", "sha": commit})
    );
    assert!(
        api.requests_to("PATCH", "/repos/acme/api/git/refs/tags/v1.4")
            .is_empty()
    );
    for line in run.stderr().lines() {
        assert!(!line.contains(token) || line == format!("::add-mask::{token}"));
    }
}

#[test]
fn moves_floating_tags_through_the_gitlab_api_by_delete_and_create() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        "[links.tags]\ntarget = \"{version}\"\nnames = [\"stable\"]\n",
    );
    let api = MockApi::gitlab();
    let commit = "6666666666666666666666666666666666666666";
    let gitlab_tag = |name: &str, sha: &str| {
        MockResponse::json(
            200,
            json!({"name": name, "message": "", "target": sha,
                   "commit": {"id": sha, "short_id": &sha[..8], "title": "x", "created_at": "2026-01-15T12:00:00.000+00:00",
                              "parent_ids": [], "message": "x", "author_name": "Bot", "author_email": "bot@example.org"},
                   "release": null, "protected": false, "created_at": null}),
        )
    };
    api.on(
        "GET",
        "/api/v4/projects/acme%2Fapi/repository/tags/2.0.0",
        gitlab_tag("2.0.0", commit),
    );
    api.on(
        "GET",
        "/api/v4/projects/acme%2Fapi/repository/tags/stable",
        gitlab_tag("stable", "7777777777777777777777777777777777777777"),
    );
    api.on(
        "GET",
        "/api/v4/projects/acme%2Fapi/repository/tags",
        MockResponse::json(
            200,
            json!([
                gitlab_listed_tag("2.0.0", commit),
                gitlab_listed_tag("1.9.0", "7777777777777777777777777777777777777777")
            ]),
        ),
    );
    api.on(
        "DELETE",
        "/api/v4/projects/acme%2Fapi/repository/tags/stable",
        MockResponse::bytes(204, "text/plain", Vec::new()),
    );
    api.on(
        "POST",
        "/api/v4/projects/acme%2Fapi/repository/tags",
        gitlab_tag("stable", commit),
    );
    let out = sb
        .relay("update-links")
        .args(["--version", "2.0.0", "--json", "--repo", "repo"])
        .env("GITLAB_CI", "true")
        .env("CI_PROJECT_PATH", "acme/api")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("GITLAB_TOKEN", "glpat-SECRET")
        .run()
        .success()
        .json();
    assert_eq!(statuses(&out), pairs(&[("updated", "stable")]));
    let methods: Vec<String> = api
        .requests()
        .iter()
        .filter(|r| r.path.contains("/repository/tags") && r.method != "GET")
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(
        methods,
        ["DELETE", "POST"],
        "GitLab moves a tag by delete, then create"
    );
    let post = &api.requests_to("POST", "/api/v4/projects/acme%2Fapi/repository/tags")[0];
    assert_eq!(post.json(), json!({"tag_name": "stable", "ref": commit}));
}

#[test]
fn a_failed_gitlab_recreation_says_the_tag_is_missing() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        "[links.tags]\ntarget = \"{version}\"\nnames = [\"stable\"]\n",
    );
    let api = MockApi::gitlab();
    let commit = "6666666666666666666666666666666666666666";
    let tag = |sha: &str| {
        MockResponse::json(
            200,
            json!({"name": "x", "message": null, "target": sha, "commit": {"id": sha}, "release": null, "protected": false}),
        )
    };
    api.on(
        "GET",
        "/api/v4/projects/acme%2Fapi/repository/tags/2.0.0",
        tag(commit),
    );
    api.on(
        "GET",
        "/api/v4/projects/acme%2Fapi/repository/tags/stable",
        tag("7777777777777777777777777777777777777777"),
    );
    api.on(
        "GET",
        "/api/v4/projects/acme%2Fapi/repository/tags",
        MockResponse::json(
            200,
            json!([
                gitlab_listed_tag("2.0.0", commit),
                gitlab_listed_tag("1.9.0", "7777777777777777777777777777777777777777")
            ]),
        ),
    );
    api.on(
        "DELETE",
        "/api/v4/projects/acme%2Fapi/repository/tags/stable",
        MockResponse::bytes(204, "text/plain", Vec::new()),
    );
    api.on(
        "POST",
        "/api/v4/projects/acme%2Fapi/repository/tags",
        MockResponse::json(403, json!({"message": "403 Forbidden"})),
    );
    let run = sb
        .relay("update-links")
        .args(["--version", "2.0.0", "--repo", "repo"])
        .env("GITLAB_CI", "true")
        .env("CI_PROJECT_PATH", "acme/api")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("GITLAB_TOKEN", "glpat-SECRET")
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().lines().last().unwrap(),
        "error: moving floating tags of acme/api: POST floating tag stable of acme/api at \
         6666666666666666666666666666666666666666: 403 — the token lacks a permission: api \
         (403 Forbidden); the tag stable was deleted to be moved and is now missing: recreate \
         it at 6666666666666666666666666666666666666666 (moved: none; not moved: stable); the \
         link service was left as it is"
    );
}

// ---- the link service ----

/// A stateful mock of the bulk link API (see src/links/service.rs): links kept in a
/// map; POST answers per link "created" or "exists"; the first POST fails with 503.
fn link_service(api: &MockApi, existing: &[(&str, &str)]) -> Arc<Mutex<BTreeMap<String, String>>> {
    let store: Arc<Mutex<BTreeMap<String, String>>> = Arc::new(Mutex::new(
        existing
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect(),
    ));
    let failed_once = Arc::new(Mutex::new(false));
    let state = store.clone();
    api.handle(move |r: &Recorded| {
        let prefix = "/api/links";
        if r.header("authorization") != Some("Bearer links-SECRET") {
            return Some(MockResponse::json(401, json!({"error": "unauthorized"})));
        }
        let mut store = state.lock().unwrap();
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", p) if p == prefix => {
                let mut failed = failed_once.lock().unwrap();
                if !*failed {
                    *failed = true;
                    return Some(MockResponse::json(503, json!({"error": "busy"})));
                }
                let body = r.json();
                let results: Vec<Value> = body["links"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| {
                        let name = l["name"].as_str().unwrap().to_string();
                        if store.contains_key(&name) {
                            json!({"name": name, "status": "exists"})
                        } else {
                            store.insert(name.clone(), l["target"].as_str().unwrap().to_string());
                            json!({"name": name, "status": "created"})
                        }
                    })
                    .collect();
                Some(MockResponse::json(200, json!({"links": results})))
            }
            ("PUT", p) if p == prefix => {
                for l in r.json()["links"].as_array().unwrap() {
                    store.insert(
                        l["name"].as_str().unwrap().to_string(),
                        l["target"].as_str().unwrap().to_string(),
                    );
                }
                Some(MockResponse::json(200, json!({})))
            }
            ("GET", p) if p.starts_with(&format!("{prefix}/")) => {
                let name = p[prefix.len() + 1..].replace("%2F", "/");
                Some(match store.get(&name) {
                    Some(target) => {
                        MockResponse::json(200, json!({"name": name, "target": target}))
                    }
                    None => MockResponse::json(404, json!({"error": "no such link"})),
                })
            }
            _ => None,
        }
    });
    store
}

fn service_config(api: &MockApi, aliases: &str) -> String {
    format!(
        "[links]\naliases = {aliases}\n\n[[links.map]]\nname = \"tool/{{alias}}/{{asset}}\"\n\n\
         [links.service]\nurl = \"{}/api/links\"\ntoken-env = \"LINKS_TOKEN\"\n",
        api.url()
    )
}

#[test]
fn the_link_service_creates_in_chunks_then_updates_only_what_differs() {
    let sb = Sandbox::new();
    let api = MockApi::start();
    // 101 assets × 3 aliases = 303 links: two chunks (300 + 3).
    let assets: Vec<Value> = (0..101)
        .map(|i| json!({"name": format!("a{i:03}.tgz"), "url": format!("https://cdn.example.org/5.0.0/a{i:03}.tgz")}))
        .collect();
    sb.write("assets.json", &Value::Array(assets).to_string());
    let store = link_service(
        &api,
        &[
            (
                "tool/latest/a000.tgz",
                "https://cdn.example.org/4.9.0/a000.tgz",
            ),
            (
                "tool/latest/a001.tgz",
                "https://cdn.example.org/5.0.0/a001.tgz",
            ),
            ("tool/5/a100.tgz", "https://cdn.example.org/4.0.0/a100.tgz"),
        ],
    );
    sb.write(
        "repo/relay.toml",
        &service_config(&api, "[\"latest\", \"{major}\", \"{major}.{minor}\"]"),
    );
    let run = sb
        .relay("update-links")
        .args([
            "--version",
            "5.0.0",
            "--manifest",
            "assets.json",
            "--json",
            "--repo",
            "repo",
        ])
        .env("LINKS_TOKEN", "links-SECRET")
        .run()
        .success();
    run.assert_hides("links-SECRET");
    let out = run.json();
    assert_eq!(
        (&out["created"], &out["updated"], &out["unchanged"]),
        (&json!(300), &json!(2), &json!(1))
    );
    let posts = api.requests_to("POST", "/api/links");
    let sizes: Vec<usize> = posts
        .iter()
        .map(|p| p.json()["links"].as_array().unwrap().len())
        .collect();
    assert_eq!(
        sizes,
        [300, 300, 3],
        "a 503, its retry, then the second chunk"
    );
    let puts = api.requests_to("PUT", "/api/links");
    assert_eq!(puts.len(), 1);
    assert_eq!(
        puts[0].json(),
        json!({"links": [
            {"name": "tool/latest/a000.tgz", "target": "https://cdn.example.org/5.0.0/a000.tgz"},
            {"name": "tool/5/a100.tgz", "target": "https://cdn.example.org/5.0.0/a100.tgz"}]})
    );
    let gets: Vec<String> = api
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        gets,
        [
            "/api/links/tool%2Flatest%2Fa000.tgz",
            "/api/links/tool%2Flatest%2Fa001.tgz",
            "/api/links/tool%2F5%2Fa100.tgz"
        ],
        "only the links that existed are read"
    );
    {
        let store = store.lock().unwrap();
        assert_eq!(store.len(), 303);
        assert!(
            store
                .values()
                .all(|t| t.starts_with("https://cdn.example.org/5.0.0/"))
        );
    }
    assert_eq!(out["links"][0]["place"], "service");
    assert_eq!(out["links"][0]["where"], format!("{}/api/links", api.url()));

    // A second run: everything exists and points right; nothing is written.
    let again = sb
        .relay("update-links")
        .args([
            "--version",
            "5.0.0",
            "--manifest",
            "assets.json",
            "--json",
            "--repo",
            "repo",
        ])
        .env("LINKS_TOKEN", "links-SECRET")
        .run()
        .success()
        .json();
    assert_eq!(again["unchanged"], 303);
    assert_eq!(api.requests_to("PUT", "/api/links").len(), 1);
}

#[test]
fn a_409_creates_nothing_so_the_fresh_links_are_created_again() {
    let sb = Sandbox::new();
    let api = MockApi::start();
    sb.write(
        "assets.json",
        r#"[{"name": "t.tgz", "url": "https://cdn.example.org/2.0.0/t.tgz"}]"#,
    );
    sb.write(
        "repo/relay.toml",
        &service_config(&api, "[\"latest\", \"{major}\"]"),
    );
    // An all-or-nothing service: the first create is refused naming the existing link.
    api.on(
        "POST",
        "/api/links",
        MockResponse::json(409, json!({"existing": ["tool/latest/t.tgz"]})),
    );
    api.on(
        "POST",
        "/api/links",
        MockResponse::bytes(201, "application/json", Vec::new()),
    );
    api.on(
        "GET",
        "/api/links/tool%2Flatest%2Ft.tgz",
        MockResponse::json(
            200,
            json!({"name": "tool/latest/t.tgz", "target": "https://cdn.example.org/1.0.0/t.tgz"}),
        ),
    );
    api.on("PUT", "/api/links", MockResponse::json(200, json!({})));
    let out = sb
        .relay("update-links")
        .args([
            "--version",
            "2.0.0",
            "--manifest",
            "assets.json",
            "--json",
            "--repo",
            "repo",
        ])
        .env("LINKS_TOKEN", "links-SECRET")
        .run()
        .success()
        .json();
    assert_eq!(
        statuses(&out),
        pairs(&[
            ("updated", "tool/latest/t.tgz"),
            ("created", "tool/2/t.tgz")
        ])
    );
    let posts = api.requests_to("POST", "/api/links");
    assert_eq!(posts.len(), 2);
    assert_eq!(
        posts[1].json(),
        json!({"links": [{"name": "tool/2/t.tgz", "target": "https://cdn.example.org/2.0.0/t.tgz"}]})
    );
    assert_eq!(
        api.requests_to("PUT", "/api/links")[0].json(),
        json!({"links": [{"name": "tool/latest/t.tgz", "target": "https://cdn.example.org/2.0.0/t.tgz"}]})
    );
}

#[test]
fn a_dry_run_only_reads_the_link_service() {
    let sb = Sandbox::new();
    let api = MockApi::start();
    sb.write(
        "assets.json",
        r#"[{"name": "t.tgz", "url": "https://cdn.example.org/2.0.0/t.tgz"}]"#,
    );
    sb.write(
        "repo/relay.toml",
        &service_config(&api, "[\"latest\", \"{major}\"]"),
    );
    link_service(
        &api,
        &[("tool/latest/t.tgz", "https://cdn.example.org/1.0.0/t.tgz")],
    );
    let out = sb
        .relay("update-links")
        .args([
            "--version",
            "2.0.0",
            "--manifest",
            "assets.json",
            "--json",
            "--dry-run",
            "--repo",
            "repo",
        ])
        .env("LINKS_TOKEN", "links-SECRET")
        .run()
        .success()
        .json();
    assert_eq!(
        statuses(&out),
        pairs(&[
            ("updated", "tool/latest/t.tgz"),
            ("created", "tool/2/t.tgz")
        ])
    );
    assert!(api.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn a_link_service_that_refuses_the_token_fails_the_job_after_the_files() {
    let sb = Sandbox::new();
    let api = MockApi::start();
    sb.write(
        "repo/relay.toml",
        &format!(
            "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\nname = \"{{alias}}\"\n\
             url = \"https://x.org/{{version}}\"\n[links.service]\nurl = \"{}/api/links\"\ntoken-env = \"LINKS_TOKEN\"\n",
            api.url()
        ),
    );
    sb.write("repo/links.json", "{}");
    link_service(&api, &[]);
    let run = sb
        .relay("update-links")
        .args(["--version", "1.0.0", "--json", "--repo", "repo"])
        .env("LINKS_TOKEN", "expired-SECRET")
        .run()
        .expect_code(1);
    run.assert_hides("expired-SECRET");
    assert_eq!(
        run.stderr().lines().last().unwrap(),
        format!(
            "error: POST 1 links to {}/api/links: 401 — the token was refused (missing, wrong, \
             expired or revoked); needed: a token allowed to create links (unauthorized)",
            api.url()
        )
    );
    assert_eq!(
        api.requests_to("POST", "/api/links").len(),
        1,
        "a 401 is not retried"
    );
    // The map file was written before; the outputs say so.
    assert_eq!(
        sb.read("repo/links.json"),
        "{\n  \"latest\": \"https://x.org/1.0.0\"\n}"
    );
    assert_eq!(statuses(&run.json()), pairs(&[("created", "latest")]));
}

// ---- errors: exit 2, a message that says where, nothing written ----

/// Runs update-links in a repo holding `config` and `links.json` = `{}`, expecting
/// exit 2 and `message`; the map file must stay as it was.
fn refused(config: &str, args: &[&str], message: &str) {
    let sb = Sandbox::new();
    sb.write("repo/relay.toml", config);
    sb.write("repo/links.json", "{}\n");
    sb.write("repo/README.md", "nothing versioned here\n");
    sb.write("bad.json", "[{\"name\": \"a\", \"url\": \"b\"},]");
    let run = sb
        .relay("update-links")
        .args(["--repo", "repo"])
        .args(args)
        .run()
        .expect_code(2);
    assert_eq!(run.stderr().trim(), message);
    assert_eq!(sb.read("repo/links.json"), "{}\n", "nothing was written");
}

const MAP: &str =
    "[[links.map]]\npath = \"links.json\"\nname = \"{alias}\"\nurl = \"https://x.org/{version}\"\n";

#[test]
fn a_manifest_that_does_not_parse_is_refused_with_its_position() {
    refused(
        &format!("[links]\naliases = [\"latest\"]\n{MAP}"),
        &["--version", "1.0.0", "--manifest", "bad.json"],
        "error: updating links: bad.json:1:27: not JSON: Trailing commas are not allowed",
    );
}

#[test]
fn an_alias_with_an_unknown_field_is_refused_with_its_position() {
    refused(
        &format!("[links]\naliases = [\"latest\", \"{{mayor}}\"]\n{MAP}"),
        &["--version", "1.0.0"],
        "error: updating links: repo/relay.toml:2:23: alias `{mayor}`: unknown field `{mayor}` \
         (known here: {version}, {major}, {minor}, {patch}, {prerelease}, {suffix})",
    );
}

#[test]
fn a_link_name_with_an_unknown_field_is_refused() {
    refused(
        "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\n\
         name = \"{alias}/{arch}\"\nurl = \"https://x.org/{version}\"\n",
        &["--version", "1.0.0"],
        "error: updating links: repo/relay.toml:5:9: `{alias}/{arch}`: unknown field `{arch}` \
         (known here: {version}, {major}, {minor}, {patch}, {prerelease}, {suffix}, {alias}, {asset}, {aliased-asset})",
    );
}

#[test]
fn a_document_pattern_that_matches_nothing_is_refused() {
    refused(
        &format!(
            "[links]\naliases = [\"latest\"]\n{MAP}\n[[links.document]]\npath = \"README.md\"\n\
             url = \"https://x.org/v{{version}}/tool.tgz\"\n"
        ),
        &["--version", "1.0.0"],
        "error: updating links: repo/relay.toml:10:8: `https://x.org/v{version}/tool.tgz` matches \
         nothing in repo/README.md",
    );
}

#[test]
fn a_floating_tag_without_a_tags_section_is_refused() {
    refused(
        &format!("[links]\naliases = [\"latest\"]\n{MAP}"),
        &["--version", "1.0.0", "--tag", "v1"],
        "error: updating links: tag `v1` is not configured as floating (the configuration has \
         no [links.tags] section); nothing was changed",
    );
}

#[test]
fn other_bad_input_is_refused_with_what_to_do() {
    refused(
        "[links]\naliases = [\"latest\"]\n",
        &["--version", "v1.0.0"],
        "error: updating links: --version: invalid version `v1.0.0`: a version starts with a \
         digit; put `v` in the tag prefix",
    );
    refused(
        "[other]\n",
        &["--version", "1.0.0"],
        "error: repo/relay.toml:1:2: unknown field `other`, expected one of `bump`, `fixed-issues`, `links`, `track`",
    );
    refused(
        "# nothing\n",
        &["--version", "1.0.0"],
        "error: updating links: repo/relay.toml has no [links] section; update-links needs one \
         (README's update-links section shows it)",
    );
    refused(
        "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\nname = \"tool\"\n\
         url = \"https://x.org/{version}\"\n",
        &["--version", "1.0.0"],
        "error: updating links: repo/relay.toml:5:9: link name `tool` uses neither {alias} nor \
         {aliased-asset}: every alias would write the same link",
    );
    refused(
        "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.txt\"\nname = \"{alias}\"\n\
         url = \"https://x.org/{version}\"\n",
        &["--version", "1.0.0"],
        "error: updating links: repo/relay.toml:4:9: cannot tell the kind of redirect map \
         `links.txt`: name it *.json, *.yaml, *.yml, _redirects, *.map or *.conf",
    );
    refused(
        "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\nname = \"{alias}/{asset}\"\n",
        &["--version", "1.0.0"],
        "error: updating links: repo/relay.toml:5:9: `{alias}/{asset}`: `{asset}` names a manifest \
         asset; pass --manifest",
    );
    refused(
        &format!(
            "[links]\naliases = [\"latest\"]\n{MAP}[links.service]\nurl = \"http://127.0.0.1:9/x\"\ntoken-env = \"NO_SUCH_TOKEN\"\n"
        ),
        &["--version", "1.0.0"],
        "error: updating links: [links.service] token-env names NO_SUCH_TOKEN, which is not set \
         (or empty)",
    );
    refused(
        &format!(
            "[links]\naliases = [\"latest\"]\n{MAP}[[links.map]]\npath = \"links.json\"\n\
             name = \"{{alias}}\"\nurl = \"https://y.org/{{version}}\"\n"
        ),
        &["--version", "1.0.0"],
        "error: updating links: repo/relay.toml:9:9: link `latest` would point at both \
         https://x.org/1.0.0 and https://y.org/1.0.0; put {asset} or {aliased-asset} in the \
         name to tell the assets apart",
    );
}

#[test]
fn a_map_file_that_does_not_parse_is_refused_at_its_position() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        &format!("[links]\naliases = [\"latest\"]\n{MAP}[[links.map]]\npath = \"b.yaml\"\nname = \"{{alias}}\"\nurl = \"https://x.org/{{version}}\"\n"),
    );
    sb.write("repo/links.json", "{}\n");
    sb.write("repo/b.yaml", "a: b\n- c\n");
    let run = sb
        .relay("update-links")
        .args(["--version", "1.0.0", "--repo", "repo"])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .starts_with("error: updating links: repo/b.yaml:2:3: not YAML: "),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("::error file=repo/b.yaml,line=2,col=3::"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        sb.read("repo/links.json"),
        "{}\n",
        "no file is written when one is bad"
    );
    let missing = sb
        .relay("update-links")
        .args([
            "--version",
            "1.0.0",
            "--repo",
            "repo",
            "--config",
            "repo/relay.toml",
        ])
        .env("INPUT_MANIFEST", "nope.json")
        .run()
        .expect_code(2);
    assert_eq!(
        missing.stderr().trim(),
        "error: updating links: cannot read nope.json: No such file or directory (os error 2)"
    );
}

#[test]
fn template_mistakes_are_refused_at_their_position() {
    let cases: &[(&str, &str)] = &[
        (
            "[links]\naliases = [\"{prerelease}\"]\n",
            "error: updating links: repo/relay.toml:2:13: an alias renders empty",
        ),
        (
            "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\n\
             name = \"{alias}\"\nurl = \"https://x.org/{version}\"\nstatus = 301\n",
            "error: updating links: repo/relay.toml:7:10: `status` is only for _redirects maps",
        ),
        (
            "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\nname = \"{alias}\"\n",
            "error: updating links: repo/relay.toml:5:9: link `{alias}` has no url; only a link \
             per manifest asset ({asset} or {aliased-asset} in the name, with --manifest) may leave it out",
        ),
        (
            "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\nname = \"{alias}\"\n\
             url = \"https://x.org/{version\"\n",
            "error: updating links: repo/relay.toml:6:8: `https://x.org/{version`: a `{` is not closed",
        ),
        (
            "[links.tags]\nnames = [\"v{major}-{alias}\"]\n",
            "error: updating links: repo/relay.toml:2:11: tag name `v{major}-{alias}`: unknown \
             field `{alias}` (known here: {version}, {major}, {minor}, {patch}, {prerelease}, {suffix})",
        ),
        (
            "[links.tags]\nnames = [\"v{major} x\"]\n",
            "error: updating links: repo/relay.toml:2:11: `v1 x` is no tag name",
        ),
        (
            "[links.tags]\ntarget = \"v{verison}\"\nnames = [\"v{major}\"]\n",
            "error: updating links: repo/relay.toml:2:11: `v{verison}`: unknown field `{verison}` \
             (known here: {version}, {major}, {minor}, {patch}, {prerelease}, {suffix})",
        ),
        (
            "[[links.document]]\npath = \"README.md\"\nurl = \"https://x.org/{major}/tool.tgz\"\n",
            "error: updating links: repo/relay.toml:3:8: `https://x.org/{major}/tool.tgz`: a \
             document URL needs `{version}` where the version goes",
        ),
        (
            "[[links.document]]\npath = \"NOPE.md\"\nurl = \"https://x.org/{version}/tool.tgz\"\n",
            "error: updating links: cannot read repo/NOPE.md: No such file or directory (os error 2)",
        ),
    ];
    for (config, message) in cases {
        refused(config, &["--version", "1.0.0"], message);
    }
}

#[test]
fn without_any_configuration_update_links_says_what_it_needs() {
    let sb = Sandbox::new();
    let run = sb
        .relay("update-links")
        .args(["--version", "1.0.0"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim(),
        "error: updating links: no configuration: update-links needs a [links] section in \
         relay.toml (or --config FILE)"
    );
    let run = sb.relay("update-links").run().expect_code(2);
    assert!(
        run.stderr()
            .contains("the following required arguments were not provided:\n  --version <VERSION>"),
        "{}",
        run.stderr()
    );
}

#[test]
fn forge_tags_need_the_repository() {
    let sb = Sandbox::new();
    sb.write("repo/relay.toml", TAGS_CONFIG);
    let api = MockApi::github();
    let run = sb
        .relay("update-links")
        .args(["--version", "1.4.0", "--repo", "repo", "--forge", "github"])
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_TOKEN", "ghs_x")
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim(),
        "error: updating links: moving floating tags through the github API needs the \
         repository (GITHUB_REPOSITORY or CI_PROJECT_PATH, or a remote `origin` with an \
         owner/name URL)"
    );
    assert!(api.requests().is_empty());
}

#[test]
fn a_link_template_that_goes_nowhere_is_a_warning() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        "[links]\naliases = [\"latest\"]\n[[links.map]]\nname = \"{alias}\"\nurl = \"https://x.org/{version}\"\n",
    );
    let run = sb
        .relay("update-links")
        .args(["--version", "1.0.0", "--repo", "repo"])
        .run()
        .success();
    assert!(
        run.stderr().contains(
            "warning: repo/relay.toml:4:9: link template `{alias}` has no path and there is no \
             [links.service]: its links go nowhere"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_service_that_refuses_one_link_fails_the_job() {
    let sb = Sandbox::new();
    let api = MockApi::start();
    sb.write(
        "assets.json",
        r#"[{"name": "t.tgz", "url": "https://cdn.example.org/2.0.0/t.tgz"}]"#,
    );
    sb.write("repo/relay.toml", &service_config(&api, "[\"latest\"]"));
    api.on(
        "POST",
        "/api/links",
        MockResponse::json(
            200,
            json!({"links": [{"name": "tool/latest/t.tgz", "status": "invalid target"}]}),
        ),
    );
    let run = sb
        .relay("update-links")
        .args([
            "--version",
            "2.0.0",
            "--manifest",
            "assets.json",
            "--repo",
            "repo",
        ])
        .env("LINKS_TOKEN", "links-SECRET")
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().lines().last().unwrap(),
        format!(
            "error: the link service at {}/api/links: link tool/latest/t.tgz was not created: \
             invalid target",
            api.url()
        )
    );
}

#[test]
fn a_prerelease_without_prerelease_aliases_warns_that_no_link_moves() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        &format!("[links]\naliases = [\"latest\"]\n{MAP}"),
    );
    sb.write("repo/links.json", "{}\n");
    let run = sb
        .relay("update-links")
        .args(["--version", "2.0.0rc1", "--repo", "repo", "--json"])
        .run()
        .success();
    assert!(
        run.stderr().contains(
            "warning: the pre-release 2.0.0rc1 moves no alias ([links] prerelease-aliases is \
             empty): the maps and the link service get no links"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(run.json()["links"], json!([]));
    assert_eq!(sb.read("repo/links.json"), "{}\n");
}

#[test]
fn a_service_that_says_a_link_exists_but_has_none_fails_the_job() {
    let sb = Sandbox::new();
    let api = MockApi::start();
    sb.write(
        "assets.json",
        r#"[{"name": "t.tgz", "url": "https://cdn.example.org/2.0.0/t.tgz"}]"#,
    );
    sb.write("repo/relay.toml", &service_config(&api, "[\"latest\"]"));
    api.on(
        "POST",
        "/api/links",
        MockResponse::json(
            200,
            json!({"links": [{"name": "tool/latest/t.tgz", "status": "exists"}]}),
        ),
    );
    let run = sb
        .relay("update-links")
        .args([
            "--version",
            "2.0.0",
            "--manifest",
            "assets.json",
            "--repo",
            "repo",
        ])
        .env("LINKS_TOKEN", "links-SECRET")
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr().lines().last().unwrap(),
        format!(
            "error: the link service at {}/api/links: link tool/latest/t.tgz was reported as \
             existing, but reading it finds none",
            api.url()
        )
    );
}

#[test]
fn a_file_cannot_be_both_a_map_and_a_document() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        &format!(
            "[links]\naliases = [\"latest\"]\n{MAP}\n[[links.document]]\npath = \"links.json\"\n\
             url = \"https://x.org/{{version}}\"\n"
        ),
    );
    let before = "{\"a\": \"https://x.org/0.9.0\"}\n";
    sb.write("repo/links.json", before);
    let run = sb
        .relay("update-links")
        .args(["--version", "1.0.0", "--repo", "repo"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim(),
        "error: updating links: links.json is both a redirect map and a document; keep it one of them"
    );
    assert_eq!(sb.read("repo/links.json"), before);
}

#[test]
fn a_map_or_document_outside_the_repository_is_refused_and_nothing_is_written() {
    let sb = Sandbox::new();
    let outside_map = "{\n  \"latest\": \"https://x.org/1.0.0\"\n}\n";
    let outside_doc = "get https://x.org/1.0.0 now\n";
    sb.write("outside/links.json", outside_map);
    sb.write("outside/README.md", outside_doc);
    sb.write("repo/links.json", "{}\n");
    std::os::unix::fs::symlink(sb.path().join("outside"), sb.path().join("repo/away")).unwrap();
    let absolute = sb.path().join("outside/links.json");
    let absolute = absolute.to_str().unwrap();
    let map = |path: &str| {
        format!(
            "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\n\
             name = \"{{alias}}\"\nurl = \"https://x.org/{{version}}\"\n[[links.map]]\n\
             path = \"{path}\"\nname = \"{{alias}}\"\nurl = \"https://x.org/{{version}}\"\n"
        )
    };
    let document = |path: &str| {
        format!(
            "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\n\
             name = \"{{alias}}\"\nurl = \"https://x.org/{{version}}\"\n[[links.document]]\n\
             path = \"{path}\"\nurl = \"https://x.org/{{version}}\"\n"
        )
    };
    let leaves = |path: &str, line: u32| {
        format!(
            "error: updating links: repo/relay.toml:{line}:9: `{path}` leaves the repository (an \
             absolute path or `..`); name a file inside it"
        )
    };
    let linked = |path: &str| {
        format!(
            "error: updating links: repo/relay.toml:8:9: `{path}` is a symbolic link, or lies \
             under one, that leads outside the repository; name a file inside it"
        )
    };
    for (config, message) in [
        (
            map("../outside/links.json"),
            leaves("../outside/links.json", 8),
        ),
        (map(absolute), leaves(absolute, 8)),
        (
            map("sub/../../outside/links.json"),
            leaves("sub/../../outside/links.json", 8),
        ),
        (map("away/links.json"), linked("away/links.json")),
        (
            document("../outside/README.md"),
            leaves("../outside/README.md", 8),
        ),
        (document("away/README.md"), linked("away/README.md")),
    ] {
        sb.write("repo/relay.toml", &config);
        for args in [&["--dry-run"][..], &[]] {
            let run = sb
                .relay("update-links")
                .args(["--repo", "repo", "--version", "2.0.0"])
                .args(args)
                .run()
                .expect_code(2);
            assert_eq!(run.stderr().trim(), message, "{config}");
        }
        assert_eq!(sb.read("repo/links.json"), "{}\n", "nothing was written");
        assert_eq!(sb.read("outside/links.json"), outside_map);
        assert_eq!(sb.read("outside/README.md"), outside_doc);
    }
}

#[test]
fn an_nginx_map_gets_literal_keys_and_never_a_variable() {
    let sb = Sandbox::new();
    let map = "map $uri $target {\n    default /;\n}\n";
    sb.write("repo/links.map", map);
    let config = |url: &str| {
        format!(
            "[links]\naliases = [\"include\", \"default\", \"~.*\"]\n[[links.map]]\n\
             path = \"links.map\"\nname = \"{{alias}}\"\nurl = \"{url}\"\n"
        )
    };
    sb.write("repo/relay.toml", &config("https://x.org/{version}"));
    sb.relay("update-links")
        .args(["--repo", "repo", "--version", "2.0.0"])
        .run()
        .success();
    // nginx drops one leading `\` of a key, which keeps `include` and `default` from
    // being its directives and `~.*` from being a regular expression matching every URI.
    let written = "map $uri $target {\n    default /;\n    \\default https://x.org/2.0.0;\n    \
                   \\include https://x.org/2.0.0;\n    \\~.* https://x.org/2.0.0;\n}\n";
    assert_eq!(sb.read("repo/links.map"), written);
    let again = sb
        .relay("update-links")
        .args(["--repo", "repo", "--version", "2.0.0", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(
        statuses(&again),
        pairs(&[
            ("unchanged", "include"),
            ("unchanged", "default"),
            ("unchanged", "~.*")
        ])
    );

    sb.write("repo/relay.toml", &config("https://$host/{version}"));
    let run = sb
        .relay("update-links")
        .args(["--repo", "repo", "--version", "2.1.0"])
        .run()
        .expect_code(2);
    assert_eq!(
        run.stderr().trim(),
        "error: updating links: repo/links.map:4:5: the target `https://$host/2.1.0` holds `$`, \
         which nginx reads as a variable in a map value and cannot escape; percent-encode it \
         (`%24`)"
    );
    assert_eq!(sb.read("repo/links.map"), written, "nothing was written");
}
