//! tag-from-request, run as a release pipeline runs it: real repositories on a real
//! git server on 127.0.0.1 for the git transport; the GitHub and GitLab APIs played
//! by the mock with their documented payloads and failures.

use crate::common;

use crate::common::github_shapes as gh;
use crate::common::outputs::{dotenv_value, parse_dotenv, parse_github_output};
use crate::common::{GitServer, MockApi, MockResponse, Sandbox};
use serde_json::json;
use std::collections::BTreeMap;

/// Three component repositories on a git server, each with two commits on main.
struct Fleet<'a> {
    sb: &'a Sandbox,
    server: GitServer,
    /// name → [first commit, second commit]
    commits: BTreeMap<String, Vec<String>>,
}

const REPOS: [&str; 3] = ["api", "worker", "homeport"];

impl<'a> Fleet<'a> {
    fn new(sb: &'a Sandbox) -> Fleet<'a> {
        for name in REPOS {
            sb.bare_repo(&format!("srv/acme/{name}.git"));
        }
        let server = GitServer::start(&sb.path().join("srv"));
        let mut commits = BTreeMap::new();
        for name in REPOS {
            let work = sb.clone_of(
                &server.url(&format!("acme/{name}.git")),
                &format!("src/{name}"),
                &[],
            );
            let first = work.commit("README.md", &format!("# {name}\n"), "feat: first");
            let second = work.commit("VERSION", "1.0.0\n", "fix: version");
            work.git(["push", "-q", "origin", "HEAD:main"]);
            commits.insert(name.to_string(), vec![first, second]);
        }
        Fleet {
            sb,
            server,
            commits,
        }
    }

    fn sha(&self, name: &str, n: usize) -> &str {
        &self.commits[name][n]
    }

    fn bare(&self, name: &str) -> std::path::PathBuf {
        self.sb.path().join(format!("srv/acme/{name}.git"))
    }

    /// `name` → commit of every tag of the remote.
    fn remote_tags(&self, name: &str) -> BTreeMap<String, String> {
        let out = self.sb.git_in(
            &self.bare(name),
            [
                "for-each-ref",
                "--format=%(refname:short) %(*objectname)%(objectname)",
                "refs/tags",
            ],
        );
        out.lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (name, oids) = l.split_once(' ').unwrap();
                // annotated: peeled id then the tag object's id; lightweight: one id
                (name.to_string(), oids[..40].to_string())
            })
            .collect()
    }

    /// The exact message of an annotated tag on the remote.
    fn tag_message(&self, name: &str, tag: &str) -> String {
        let out = self
            .sb
            .command("git")
            .current_dir(self.bare(name))
            .args(["cat-file", "tag", &format!("refs/tags/{tag}")])
            .output()
            .unwrap();
        assert!(out.status.success());
        let raw = String::from_utf8(out.stdout).unwrap();
        raw.split_once("\n\n").unwrap().1.to_string()
    }

    fn run(&self) -> common::Relay {
        self.sb.relay("tag-from-request").args([
            "--forge",
            "git",
            "--remote-url-template",
            &self.server.url_template(),
        ])
    }
}

const H0: &str = "0000000000000000000000000000000000000001";

fn two_releases(f: &Fleet) -> String {
    format!(
        "branch: main\nmetadata:\n  pypi: yes\n  announce: 'no'\nreleases:\n\
         \x20 - version: 1.0.0\n    projects:\n\
         \x20     - repo: acme/api\n        hash: {}\n\
         \x20     - repo: acme/worker\n        hash: {}\n\
         \x20 - version: 1.1.0\n    projects:\n\
         \x20     - repo: acme/api\n        hash: {}\n\
         \x20     - repo: acme/worker\n        hash: {}\n\
         \x20     - repo: acme/homeport\n        hash: {}\n        tag: homeport-1.1.0\n",
        f.sha("api", 0),
        f.sha("worker", 0),
        f.sha("api", 1),
        f.sha("worker", 1),
        f.sha("homeport", 1),
    )
}

/// The message OpenStack's `release.sh` order gives a request of ours (no team).
fn expected_message(project: &str, version: &str, first: &str) -> String {
    format!(
        "{project} {version} release\n\nmeta:version: {version}\nmeta:diff-start: -\n\
         meta:series: 2026.1\nmeta:branch: main\nmeta:release-type: release\n\
         meta:pypi: yes\nmeta:first: {first}\nmeta:announce: no\n"
    )
}

/// Each tag of the `tags` output as repo, tag, commit and status.
fn brief(tags: &serde_json::Value) -> serde_json::Value {
    tags.as_array()
        .expect("`tags` is a list")
        .iter()
        .map(|t| json!({"repo": t["repo"], "tag": t["tag"], "commit": t["commit"], "status": t["status"]}))
        .collect()
}

#[test]
fn tags_every_repo_of_the_newest_entry_and_read_tag_metadata_reads_it_back() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.write("deliverables/2026.1/acme.yaml", &two_releases(&f));
    let dotenv = sb.path().join("tags.env");
    let github_output = sb.path().join("github_output");
    let run = f
        .run()
        .args([
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--json",
            "--dotenv",
        ])
        .args([&dotenv])
        .env("GITHUB_OUTPUT", &github_output)
        .run()
        .success();
    let out = run.json();
    assert_eq!(
        brief(&out["tags"]),
        json!([
            {"repo": "acme/api", "tag": "1.1.0", "commit": f.sha("api", 1), "status": "created"},
            {"repo": "acme/worker", "tag": "1.1.0", "commit": f.sha("worker", 1), "status": "created"},
            {"repo": "acme/homeport", "tag": "homeport-1.1.0", "commit": f.sha("homeport", 1), "status": "created"},
        ])
    );
    assert_eq!(
        (
            out["created"].clone(),
            out["existing"].clone(),
            out["failed"].clone()
        ),
        (json!(3), json!(0), json!(0))
    );
    // Only the newest entry: 1.0.0 is not tagged.
    assert_eq!(
        f.remote_tags("api"),
        BTreeMap::from([("1.1.0".to_string(), f.sha("api", 1).to_string())])
    );
    assert_eq!(
        f.remote_tags("homeport"),
        BTreeMap::from([(
            "homeport-1.1.0".to_string(),
            f.sha("homeport", 1).to_string()
        )])
    );
    assert_eq!(
        f.tag_message("api", "1.1.0"),
        expected_message("api", "1.1.0", "no")
    );
    // A line per repository as it goes.
    let stderr = run.stderr();
    for line in [
        format!("acme/api 1.1.0 → {}: created", &f.sha("api", 1)[..12]),
        format!("acme/worker 1.1.0 → {}: created", &f.sha("worker", 1)[..12]),
        format!(
            "acme/homeport homeport-1.1.0 → {}: created",
            &f.sha("homeport", 1)[..12]
        ),
    ] {
        assert!(stderr.contains(&line), "{stderr}");
    }
    let dot = parse_dotenv(&std::fs::read_to_string(&dotenv).unwrap());
    assert_eq!(dot["CREATED"], "3");
    assert_eq!(dot["FAILED"], "0");
    let tags: serde_json::Value = serde_json::from_str(&dotenv_value(&dot, "TAGS")).unwrap();
    assert_eq!(tags, out["tags"]);
    let gh = parse_github_output(&std::fs::read_to_string(&github_output).unwrap());
    assert_eq!(gh["existing"], "0");

    // Each repository's tag pipeline reads the metadata back with read-tag-metadata.
    let clone = sb.clone_of(&f.server.url("acme/worker.git"), "ci-worker", &[]);
    let meta = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.1.0", "--json"])
        .current_dir(clone.path())
        .run()
        .success()
        .json();
    assert_eq!(meta["commit"], f.sha("worker", 1));
    assert_eq!(meta["subject"], "worker 1.1.0 release");
    assert_eq!(meta["tagger-name"], "Release Bot");
    assert_eq!(
        meta["metadata"],
        json!({"version": "1.1.0", "series": "2026.1", "branch": "main", "diff-start": "-",
               "release-type": "release", "first": "no", "pypi": "yes", "announce": "no"})
    );
}

#[test]
fn all_takes_every_entry_and_a_tag_prefix() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.write("deliverables/2026.1/acme.yaml", &two_releases(&f));
    f.run()
        .args(["--request", "deliverables", "--all", "--tag-prefix", "v"])
        .run()
        .success();
    assert_eq!(
        f.remote_tags("api"),
        BTreeMap::from([
            ("v1.0.0".to_string(), f.sha("api", 0).to_string()),
            ("v1.1.0".to_string(), f.sha("api", 1).to_string()),
        ])
    );
    assert_eq!(
        f.tag_message("worker", "v1.0.0"),
        expected_message("worker", "1.0.0", "yes")
    );
    assert_eq!(
        f.remote_tags("homeport"),
        BTreeMap::from([(
            "homeport-1.1.0".to_string(),
            f.sha("homeport", 1).to_string()
        )])
    );
}

#[test]
fn changed_since_takes_only_the_entries_a_merge_added() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    let requests = sb.repo("requests");
    let first_entry = format!(
        "releases:\n  - version: 1.0.0\n    projects:\n      - repo: acme/api\n        hash: {}\n",
        f.sha("api", 0)
    );
    requests.commit("deliverables/2026.1/api.yaml", &first_entry, "api 1.0.0");
    requests.commit(
        "deliverables/2026.1/worker.yaml",
        &format!(
            "releases:\n  - version: 2.0.0\n    projects:\n      - repo: acme/worker\n        hash: {}\n",
            f.sha("worker", 0)
        ),
        "worker 2.0.0",
    );
    let before = requests.git(["rev-parse", "HEAD"]);
    // The merged request: two entries for api (a release candidate and the release),
    // worker unchanged, and a new file for homeport.
    requests.commit(
        "deliverables/2026.1/api.yaml",
        &format!(
            "{first_entry}  - version: 1.1.0rc1\n    projects:\n      - repo: acme/api\n        hash: {}\n\
             \x20 - version: 1.1.0\n    projects:\n      - repo: acme/api\n        hash: {}\n",
            f.sha("api", 1),
            f.sha("api", 1)
        ),
        "api 1.1.0",
    );
    requests.commit(
        "deliverables/2026.1/homeport.yaml",
        &format!(
            "releases:\n  - version: 0.1.0b1\n    projects:\n      - repo: acme/homeport\n        hash: {}\n",
            f.sha("homeport", 0)
        ),
        "homeport",
    );
    let out = f
        .run()
        .args([
            "--request",
            "deliverables",
            "--changed-since",
            &before,
            "--json",
        ])
        .current_dir(requests.path())
        .run()
        .success()
        .json();
    assert_eq!(
        brief(&out["tags"]),
        json!([
            {"repo": "acme/api", "tag": "1.1.0rc1", "commit": f.sha("api", 1), "status": "created"},
            {"repo": "acme/api", "tag": "1.1.0", "commit": f.sha("api", 1), "status": "created"},
            {"repo": "acme/homeport", "tag": "0.1.0b1", "commit": f.sha("homeport", 0), "status": "created"},
        ])
    );
    assert!(f.remote_tags("worker").is_empty());
    assert!(!f.remote_tags("api").contains_key("1.0.0"));
    let rc = f.tag_message("api", "1.1.0rc1");
    assert!(rc.starts_with("api 1.1.0rc1 release candidate\n"), "{rc}");
    assert!(
        rc.contains("meta:first: no\n") && rc.contains("meta:diff-start: -\n"),
        "{rc}"
    );
    let beta = f.tag_message("homeport", "0.1.0b1");
    assert!(
        beta.contains("meta:release-type: development milestone\nmeta:first: no\n"),
        "{beta}"
    );

    // Nothing changed since HEAD: nothing to tag, and that is not a failure.
    let out = f
        .run()
        .args([
            "--request",
            "deliverables",
            "--changed-since",
            "HEAD",
            "--json",
        ])
        .current_dir(requests.path())
        .run()
        .success()
        .json();
    assert_eq!(out["tags"], json!([]));

    let zero = "0".repeat(40);
    let run = f
        .run()
        .args(["--request", "deliverables", "--changed-since", &zero])
        .current_dir(requests.path())
        .run()
        .expect_code(2);
    assert!(
        run.stderr().contains(&format!(
            "--changed-since {zero}: the all-zero revision (a new branch or a first push) names no commit"
        )),
        "{}",
        run.stderr()
    );
    let run = f
        .run()
        .args([
            "--request",
            "deliverables",
            "--changed-since",
            "no-such-rev",
        ])
        .current_dir(requests.path())
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .contains("--changed-since no-such-rev: no such commit in"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_problem_anywhere_aborts_before_any_write() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    // worker already has 1.1.0 on its first commit; homeport's commit does not exist.
    let worker = sb.clone_of(&f.server.url("acme/worker.git"), "w2", &[]);
    worker.git(["tag", "-a", "1.1.0", "-m", "older", f.sha("worker", 0)]);
    worker.git(["push", "-q", "origin", "refs/tags/1.1.0"]);
    let old_object = sb.git_in(&f.bare("worker"), ["rev-parse", "refs/tags/1.1.0"]);
    let text = two_releases(&f).replace(f.sha("homeport", 1), H0);
    sb.write("deliverables/2026.1/acme.yaml", &text);
    let run = f
        .run()
        .args(["--request", "deliverables/2026.1/acme.yaml", "--json"])
        .run()
        .expect_code(1);
    let out = run.json();
    assert_eq!(
        brief(&out["tags"]),
        json!([
            {"repo": "acme/api", "tag": "1.1.0", "commit": f.sha("api", 1), "status": "stopped"},
            {"repo": "acme/worker", "tag": "1.1.0", "commit": f.sha("worker", 1), "status": "conflict"},
            {"repo": "acme/homeport", "tag": "homeport-1.1.0", "commit": H0, "status": "missing-commit"},
        ])
    );
    assert_eq!(out["failed"], 3);
    assert!(f.remote_tags("api").is_empty(), "nothing is written");
    assert!(f.remote_tags("homeport").is_empty());
    assert_eq!(
        sb.git_in(&f.bare("worker"), ["rev-parse", "refs/tags/1.1.0"]),
        old_object
    );
    let stderr = run.stderr();
    let error = stderr.lines().find(|l| l.starts_with("error: ")).unwrap();
    assert!(
        error.starts_with(&format!(
            "error: the preflight found 2 problems, so nothing was tagged (--keep-going tags what is safe): \
             acme/worker 1.1.0: conflict (the remote's tag is on {}); acme/homeport homeport-1.1.0: missing-commit (git://127.0.0.1:{}/acme/homeport.git has no commit {H0} (",
            f.sha("worker", 0),
            f.server.port()
        )),
        "{error}"
    );
}

#[test]
fn a_stopped_run_counts_its_tags_once_and_pre_releases_get_their_release_type() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    let text = format!(
        "branch: main\nreleases:\n\
         \x20 - version: 2.0.0.dev1\n    projects:\n\
         \x20     - repo: acme/api\n        hash: {}\n\
         \x20 - version: 2.0.0-pre.1\n    projects:\n\
         \x20     - repo: acme/worker\n        hash: {}\n\
         \x20     - repo: acme/homeport\n        hash: {H0}\n",
        f.sha("api", 1),
        f.sha("worker", 1),
    );
    sb.write("deliverables/2026.1/acme.yaml", &text);
    let run = f
        .run()
        .args([
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--all",
            "--json",
        ])
        .run()
        .expect_code(1);
    let out = run.json();
    let statuses: Vec<_> = out["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["stopped", "stopped", "missing-commit"]);
    // Every tag in exactly one count: none is `planned` outside a dry run.
    assert_eq!(
        (
            &out["created"],
            &out["existing"],
            &out["failed"],
            &out["planned"]
        ),
        (&json!(0), &json!(0), &json!(3), &json!(0))
    );
    assert!(
        run.stderr()
            .contains("\n3 tags from 1 request file: 0 created, 0 existing, 3 not tagged\n"),
        "{}",
        run.stderr()
    );
    let message = |n: usize| out["tags"][n]["message"].as_str().unwrap().to_string();
    assert!(message(0).starts_with("api 2.0.0.dev1 development milestone\n"));
    assert!(message(0).contains("\nmeta:release-type: development milestone\n"));
    assert!(message(1).starts_with("worker 2.0.0-pre.1 release candidate\n"));
    assert!(message(1).contains("\nmeta:release-type: release candidate\n"));
    assert!(f.remote_tags("api").is_empty() && f.remote_tags("worker").is_empty());
}

#[test]
fn keep_going_tags_what_is_safe_and_a_rerun_completes_the_release() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    // homeport's commit is not pushed yet.
    let homeport = sb.repo("late-homeport");
    homeport.git([
        "remote",
        "add",
        "origin",
        &f.server.url("acme/homeport.git"),
    ]);
    homeport.git(["fetch", "-q", "origin", "main"]);
    homeport.git(["checkout", "-q", "-b", "main", "FETCH_HEAD"]);
    let late = homeport.commit("CHANGES", "late\n", "feat: late");
    let text = two_releases(&f).replace(f.sha("homeport", 1), &late);
    sb.write("deliverables/2026.1/acme.yaml", &text);

    let run = f
        .run()
        .args([
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--keep-going",
            "--json",
        ])
        .run()
        .expect_code(1);
    let statuses: Vec<String> = run.json()["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["created", "created", "missing-commit"]);
    assert!(
        run.stderr()
            .contains("error: 1 of 3 tags not made: acme/homeport homeport-1.1.0: missing-commit"),
        "{}",
        run.stderr()
    );
    assert!(f.remote_tags("homeport").is_empty());

    homeport.git(["push", "-q", "origin", "HEAD:main"]);
    let out = f
        .run()
        .args(["--request", "deliverables/2026.1/acme.yaml", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(
        brief(&out["tags"]),
        json!([
            {"repo": "acme/api", "tag": "1.1.0", "commit": f.sha("api", 1), "status": "exists"},
            {"repo": "acme/worker", "tag": "1.1.0", "commit": f.sha("worker", 1), "status": "exists"},
            {"repo": "acme/homeport", "tag": "homeport-1.1.0", "commit": late, "status": "created"},
        ])
    );
    assert_eq!(
        (out["created"].clone(), out["existing"].clone()),
        (json!(1), json!(2))
    );
}

#[test]
fn a_conflicting_tag_is_never_moved_whatever_the_flags() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    let api = sb.clone_of(&f.server.url("acme/api.git"), "a2", &[]);
    api.git(["tag", "1.1.0", f.sha("api", 0)]);
    api.git(["push", "-q", "origin", "refs/tags/1.1.0"]);
    sb.write("deliverables/2026.1/acme.yaml", &two_releases(&f));
    let run = f
        .run()
        .args([
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--keep-going",
            "--json",
        ])
        .run()
        .expect_code(1);
    assert_eq!(run.json()["tags"][0]["status"], "conflict");
    assert_eq!(run.json()["created"], 2);
    assert_eq!(f.remote_tags("api")["1.1.0"], f.sha("api", 0));
    assert_eq!(
        sb.git_in(&f.bare("api"), ["cat-file", "-t", "refs/tags/1.1.0"]),
        "commit",
        "the lightweight tag stays as it was"
    );
}

#[test]
fn a_dry_run_checks_everything_and_writes_nothing() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.write("deliverables/2026.1/acme.yaml", &two_releases(&f));
    let run = f
        .run()
        .args([
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--dry-run",
            "--json",
        ])
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["planned"], 3);
    assert_eq!(out["created"], 0);
    assert_eq!(out["failed"], 0);
    assert_eq!(out["tags"][2]["status"], "planned");
    for name in REPOS {
        assert!(f.remote_tags(name).is_empty());
    }
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!("acme/api 1.1.0 → {}: planned (not written)\n      api 1.1.0 release\n\n      meta:version: 1.1.0\n", &f.sha("api", 1)[..12])),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 planned (dry run: nothing written)"),
        "{stderr}"
    );

    // The preflight still runs: a missing commit fails the dry run.
    sb.write(
        "deliverables/2026.1/acme.yaml",
        &two_releases(&f).replace(f.sha("api", 1), H0),
    );
    let run = f
        .run()
        .args(["--request", "deliverables/2026.1/acme.yaml", "--dry-run"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr().contains("acme/api 1.1.0: missing-commit"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_signed_tag_verifies_with_git_tag_v() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.use_ssh_signing();
    sb.write(
        "deliverables/2026.1/api.yaml",
        &format!(
            "releases:\n  - version: 1.0.0\n    projects:\n      - repo: acme/api\n        hash: {}\n",
            f.sha("api", 1)
        ),
    );
    f.run()
        .args(["--request", "deliverables/2026.1/api.yaml", "--sign"])
        .run()
        .success();
    let clone = sb.clone_of(&f.server.url("acme/api.git"), "verify", &[]);
    let verify = sb
        .command("git")
        .current_dir(clone.path())
        .args(["tag", "-v", "1.0.0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(verify.status.success(), "{stderr}");
    assert!(
        stderr.contains("Good \"git\" signature for bot@example.org with ED25519 key"),
        "{stderr}"
    );
    let meta = sb
        .relay("read-tag-metadata")
        .args(["--tag", "1.0.0", "--json"])
        .current_dir(clone.path())
        .run()
        .success()
        .json();
    assert_eq!(meta["first"], "yes");
    assert_eq!(meta["branch"], "-");

    // Signing is the git transport's: the APIs make unsigned tags.
    let run = sb
        .relay("tag-from-request")
        .args([
            "--forge",
            "github",
            "--sign",
            "--request",
            "deliverables/2026.1/api.yaml",
        ])
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .contains("--sign needs the git route (--forge git, or --route git): the github API makes unsigned tags"),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_openstack_deliverable_is_read_as_it_is() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    // The shape of openstack/releases deliverables/<series>/<name>.yaml.
    sb.write(
        "deliverables/2026.1/api.yaml",
        &format!(
            "---\nlaunchpad: acme-api\nteam: acme\ntype: service\nrelease-model: cycle-with-rc\n\
             release-type: python-pypi\nrepository-settings:\n  acme/api: {{}}\n\
             cycle-highlights:\n  - Faster.\nbranches:\n  - name: stable/2026.1\n    location: 29.0.0\n\
             releases:\n  - version: 29.0.0\n    projects:\n      - repo: acme/api\n        hash: {}\n        tarball-base: acme-api\n\
             \x20 - version: 29.0.1\n    diff-start: 28.0.0\n    highlights: fixes\n    projects:\n      - repo: acme/api\n        hash: {}\n        comment: the fix release\n",
            f.sha("api", 0),
            f.sha("api", 1)
        ),
    );
    f.run()
        .args(["--request", "deliverables/2026.1/api.yaml"])
        .run()
        .success();
    assert_eq!(
        f.tag_message("api", "29.0.1"),
        "api 29.0.1 release\n\nmeta:version: 29.0.1\nmeta:team: acme\nmeta:diff-start: 28.0.0\n\
         meta:series: 2026.1\nmeta:branch: -\nmeta:release-type: release\nmeta:pypi: no\n\
         meta:first: no\n"
    );
}

#[test]
fn bad_input_is_named_at_its_position_and_nothing_is_tagged() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    let good = two_releases(&f);
    let file = "deliverables/2026.1/acme.yaml";
    let cases: Vec<(String, String)> = vec![
        (
            good.replace("branch: main", "brnach: main"),
            format!(
                "{file}:1:1: unknown key `brnach` in the request (expected one of: series, branch, metadata, releases, team,"
            ),
        ),
        (
            good.replace(f.sha("worker", 1), &f.sha("worker", 1)[..12]),
            format!(
                "{file}:17:15: `hash` must be a full commit id (40 hex digits), found `{}`",
                &f.sha("worker", 1)[..12]
            ),
        ),
        (
            good.replace("version: 1.1.0", "version: 1.1.x"),
            format!(
                "{file}:12:14: invalid version `1.1.x`: the part after the numbers is not a pre-release"
            ),
        ),
        (
            good.replace("repo: acme/homeport", "repo: acme/api"),
            format!(
                "{file}:18:15: repo acme/api is listed twice in this release (first at {file}:14:9)"
            ),
        ),
        (
            good.replace("  pypi: yes\n", "  pypi: [yes]\n"),
            format!("{file}:3:9: metadata `pypi` must be a text, found a list"),
        ),
        (
            good.replace("tag: homeport-1.1.0", "tag: homeport 1.1.0"),
            format!("{file}:20:14: invalid tag `homeport 1.1.0`: it holds a space"),
        ),
    ];
    for (text, expected) in cases {
        sb.write(file, &text);
        let run = f.run().args(["--request", file]).run().expect_code(2);
        let first = run.stderr().lines().next().unwrap_or_default().to_string();
        assert!(
            first.starts_with(&format!(
                "error: tagging from the release request: {expected}"
            )),
            "got:  {first}\nwant: {expected}"
        );
        for name in REPOS {
            assert!(f.remote_tags(name).is_empty());
        }
    }
    // Inside GitHub Actions the position becomes an annotation.
    sb.write(file, &good.replace("version: 1.1.0", "version: 1.1.x"));
    let run = f
        .run()
        .args(["--request", file])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .expect_code(2);
    assert!(
        run.stderr().contains(&format!(
            "::error file={},line=12,col=14::",
            file.replace(':', "%3A")
        )),
        "{}",
        run.stderr()
    );
    let run = f
        .run()
        .args(["--request", "nope.yaml"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr().contains("cannot read nope.yaml"),
        "{}",
        run.stderr()
    );
    let run = f.run().run().expect_code(2);
    assert!(
        run.stderr().contains("--request <FILE>"),
        "{}",
        run.stderr()
    );
}

#[test]
fn action_inputs_reach_the_tool_as_flags() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.write("deliverables/2026.1/acme.yaml", &two_releases(&f));
    sb.write(
        "other/2026.2/none.yaml",
        &two_releases(&f).replace("1.1.0", "9.9.9"),
    );
    let output = sb.path().join("github_output");
    sb.relay("tag-from-request")
        .env("INPUT_REQUEST", "deliverables/2026.1/acme.yaml\n")
        .env("INPUT_FORGE", "git")
        .env("INPUT_REMOTE-URL-TEMPLATE", f.server.url_template())
        .env("INPUT_DRY-RUN", "true")
        .env("INPUT_KEEP-GOING", "false")
        .env("INPUT_CONCURRENCY", "2")
        .env("INPUT_TAG-PREFIX", "")
        .env("GITHUB_OUTPUT", &output)
        .run()
        .success();
    let outputs = parse_github_output(&std::fs::read_to_string(output).unwrap());
    assert_eq!(outputs["planned"], "3");
    let tags: serde_json::Value = serde_json::from_str(&outputs["tags"]).unwrap();
    assert_eq!(tags[0]["tag"], "1.1.0");
}

#[test]
fn a_token_for_the_forge_is_never_printed_nor_sent_to_other_hosts() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.write(
        "deliverables/2026.1/acme.yaml",
        &two_releases(&f).replace(f.sha("api", 1), H0),
    );
    let token = "ghp_SECRETsecretSECRET0123456789";
    let summary = sb.path().join("summary.md");
    let run = f
        .run()
        .args([
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--json",
            "--token",
            token,
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run()
        .expect_code(1);
    run.assert_hides(token);
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(!markdown.contains(token));
    assert!(
        markdown.contains("| acme/api | `1.1.0` | `000000000000` | missing-commit |"),
        "{markdown}"
    );
}

// --- GitHub API --------------------------------------------------------------------

const SHA_API: &str = "1111111111111111111111111111111111111111";
const SHA_WORKER: &str = "2222222222222222222222222222222222222222";
const TAG_OBJECT: &str = "9999999999999999999999999999999999999999";

fn api_request(sb: &Sandbox) {
    sb.write(
        "deliverables/2026.1/acme.yaml",
        &format!(
            "metadata:\n  pypi: yes\nreleases:\n  - version: 1.2.0\n    projects:\n\
             \x20     - repo: acme/api\n        hash: {SHA_API}\n\
             \x20     - repo: https://github.example.org/acme/worker.git\n        hash: {SHA_WORKER}\n"
        ),
    );
}

/// GitHub's "Get a commit object" payload.
pub(crate) fn github_commit(sha: &str) -> MockResponse {
    MockResponse::json(
        200,
        json!({"sha": sha, "node_id": "C_1", "url": format!("https://api.github.com/repos/acme/api/git/commits/{sha}"),
               "html_url": "https://github.com/acme/api/commit/x",
               "author": {"date": "2026-01-15T12:00:00Z", "name": "Dev", "email": "dev@example.org"},
               "committer": {"date": "2026-01-15T12:00:00Z", "name": "Dev", "email": "dev@example.org"},
               "message": "feat: x", "tree": {"sha": "3333333333333333333333333333333333333333", "url": "https://api.github.com/x"},
               "parents": [], "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}}),
    )
}

/// GitHub's "Create a tag object" answer.
pub(crate) fn github_tag_object(name: &str, commit: &str) -> MockResponse {
    MockResponse::json(
        201,
        json!({"node_id": "TAG_1", "tag": name, "sha": TAG_OBJECT, "url": format!("https://api.github.com/repos/acme/api/git/tags/{TAG_OBJECT}"),
               "message": "x", "tagger": {"name": "bot", "email": "bot@example.org", "date": "2026-01-15T12:00:00Z"},
               "object": {"type": "commit", "sha": commit, "url": "https://api.github.com/x"},
               "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}}),
    )
}

/// GitHub's "Create a reference" / "Get a reference" payload.
pub(crate) fn github_ref(status: u16, name: &str, sha: &str, kind: &str) -> MockResponse {
    MockResponse::json(
        status,
        json!({"ref": format!("refs/tags/{name}"), "node_id": "REF_1", "url": "https://api.github.com/x",
               "object": {"type": kind, "sha": sha, "url": "https://api.github.com/x"}}),
    )
}

pub(crate) fn github_env(run: common::Relay, api: &MockApi, token: &str) -> common::Relay {
    run.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_SERVER_URL", "https://github.example.org")
        .env("GITHUB_TOKEN", token)
}

#[test]
fn github_tags_through_the_api_with_retries_and_an_existing_tag() {
    let sb = Sandbox::new();
    api_request(&sb);
    let api = MockApi::github();
    // acme/api: the commit check is rate limited once, the ref creation meets a 502.
    api.on(
        "GET",
        &format!("/repos/acme/api/git/commits/{SHA_API}"),
        MockResponse::json(429, json!({"message": "API rate limit exceeded"}))
            .header("Retry-After", "1"),
    );
    api.on(
        "GET",
        &format!("/repos/acme/api/git/commits/{SHA_API}"),
        github_commit(SHA_API),
    );
    api.on(
        "POST",
        "/repos/acme/api/git/tags",
        github_tag_object("1.2.0", SHA_API),
    );
    api.on(
        "POST",
        "/repos/acme/api/git/refs",
        MockResponse::json(502, json!({"message": "Server Error"})),
    );
    api.on(
        "POST",
        "/repos/acme/api/git/refs",
        github_ref(201, "1.2.0", TAG_OBJECT, "tag"),
    );
    // acme/worker: 1.2.0 is already there, annotated, on the right commit.
    api.on(
        "GET",
        "/repos/acme/worker/git/ref/tags/1.2.0",
        github_ref(
            200,
            "1.2.0",
            "8888888888888888888888888888888888888888",
            "tag",
        ),
    );
    api.on(
        "GET",
        "/repos/acme/worker/git/tags/8888888888888888888888888888888888888888",
        MockResponse::json(
            200,
            gh::git_tag(
                "acme/worker",
                "8888888888888888888888888888888888888888",
                "1.2.0",
                "worker 1.2.0 release\n",
                SHA_WORKER,
            ),
        ),
    );
    let token = "ghs_SECRETtokenSECRET0123456789";
    let run = github_env(sb.relay("tag-from-request"), &api, token)
        .args(["--request", "deliverables/2026.1/acme.yaml", "--json"])
        .run()
        .success();
    let out = run.json();
    assert_eq!(
        brief(&out["tags"]),
        json!([
            {"repo": "acme/api", "tag": "1.2.0", "commit": SHA_API, "status": "created"},
            {"repo": "https://github.example.org/acme/worker.git", "tag": "1.2.0", "commit": SHA_WORKER, "status": "exists"},
        ])
    );
    let posts = api.requests_to("POST", "/repos/acme/api/git/tags");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].json(),
        json!({"tag": "1.2.0", "object": SHA_API, "type": "commit",
               "message": "api 1.2.0 release\n\nmeta:version: 1.2.0\nmeta:diff-start: -\nmeta:series: 2026.1\nmeta:branch: -\nmeta:release-type: release\nmeta:pypi: yes\nmeta:first: yes\n"})
    );
    assert_eq!(
        posts[0].header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    let refs = api.requests_to("POST", "/repos/acme/api/git/refs");
    assert_eq!(refs.len(), 2, "the 502 is retried");
    assert_eq!(
        refs[1].json(),
        json!({"ref": "refs/tags/1.2.0", "sha": TAG_OBJECT})
    );
    assert_eq!(
        api.requests_to("GET", &format!("/repos/acme/api/git/commits/{SHA_API}"))
            .len(),
        2
    );
    assert!(
        api.requests_to("POST", "/repos/acme/worker/git/tags")
            .is_empty()
    );
    assert!(
        api.requests()
            .iter()
            .all(|r| r.method != "PATCH" && r.method != "DELETE")
    );
    assert!(!run.stdout().contains(token));
    for line in run.stderr().lines() {
        if line.contains(token) {
            assert_eq!(line, format!("::add-mask::{token}"));
        }
    }
}

#[test]
fn github_reference_already_exists_is_reported_and_never_moved() {
    let sb = Sandbox::new();
    api_request(&sb);
    let api = MockApi::github();
    api.on(
        "GET",
        &format!("/repos/acme/api/git/commits/{SHA_API}"),
        github_commit(SHA_API),
    );
    api.on(
        "GET",
        &format!("/repos/acme/worker/git/commits/{SHA_WORKER}"),
        github_commit(SHA_WORKER),
    );
    api.on(
        "POST",
        "/repos/acme/api/git/tags",
        github_tag_object("1.2.0", SHA_API),
    );
    api.on(
        "POST",
        "/repos/acme/api/git/refs",
        github_ref(201, "1.2.0", TAG_OBJECT, "tag"),
    );
    api.on(
        "POST",
        "/repos/acme/worker/git/tags",
        github_tag_object("1.2.0", SHA_WORKER),
    );
    // Someone tagged worker 1.2.0 on another commit between the preflight and the write.
    api.on(
        "POST",
        "/repos/acme/worker/git/refs",
        MockResponse::json(422, json!({"message": "Reference already exists", "documentation_url": "https://docs.github.com/rest/git/refs#create-a-reference", "status": "422"})),
    );
    let other = "7777777777777777777777777777777777777777";
    let reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = reads.clone();
    api.handle(move |r| {
        if r.method == "GET" && r.path == "/repos/acme/worker/git/ref/tags/1.2.0" {
            // absent at the preflight, there when the write is refused
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return Some(if n == 0 {
                MockResponse::github_not_found()
            } else {
                github_ref(200, "1.2.0", other, "commit")
            });
        }
        None
    });
    let run = github_env(sb.relay("tag-from-request"), &api, "ghs_test_token_0123")
        .args([
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--json",
            "--keep-going",
        ])
        .run()
        .expect_code(1);
    let out = run.json();
    assert_eq!(out["tags"][1]["status"], "conflict");
    assert_eq!(out["tags"][0]["status"], "created");
    assert!(
        run.stderr().contains(&format!(
            "https://github.example.org/acme/worker.git 1.2.0: conflict (the remote's tag is on {other} (made during this run))"
        )),
        "{}",
        run.stderr()
    );
    assert_eq!(
        api.requests_to("POST", "/repos/acme/worker/git/refs").len(),
        1,
        "a 422 is final"
    );
    assert!(
        api.requests()
            .iter()
            .all(|r| r.method != "PATCH" && r.method != "DELETE")
    );
}

#[test]
fn github_missing_commit_aborts_before_any_write_and_403_names_the_permission() {
    let sb = Sandbox::new();
    api_request(&sb);
    let api = MockApi::github();
    api.on(
        "GET",
        &format!("/repos/acme/api/git/commits/{SHA_API}"),
        github_commit(SHA_API),
    );
    api.on(
        "GET",
        &format!("/repos/acme/worker/git/commits/{SHA_WORKER}"),
        MockResponse::github_not_found(),
    );
    let run = github_env(sb.relay("tag-from-request"), &api, "ghs_test_token_0123")
        .args(["--request", "deliverables/2026.1/acme.yaml", "--json"])
        .run()
        .expect_code(1);
    assert_eq!(run.json()["tags"][1]["status"], "missing-commit");
    assert_eq!(run.json()["tags"][0]["status"], "stopped");
    assert!(
        api.requests().iter().all(|r| r.method == "GET"),
        "no write after a failed preflight"
    );
    assert!(
        run.stderr()
            .contains(&format!("acme/worker has no commit {SHA_WORKER}")),
        "{}",
        run.stderr()
    );

    let api = MockApi::github();
    api.on(
        "GET",
        &format!("/repos/acme/api/git/commits/{SHA_API}"),
        github_commit(SHA_API),
    );
    api.on(
        "GET",
        &format!("/repos/acme/worker/git/commits/{SHA_WORKER}"),
        github_commit(SHA_WORKER),
    );
    api.on(
        "POST",
        "/repos/acme/api/git/tags",
        MockResponse::json(403, json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/git/tags#create-a-tag-object", "status": "403"})),
    );
    api.on(
        "POST",
        "/repos/acme/worker/git/tags",
        github_tag_object("1.2.0", SHA_WORKER),
    );
    api.on(
        "POST",
        "/repos/acme/worker/git/refs",
        github_ref(201, "1.2.0", TAG_OBJECT, "tag"),
    );
    let run = github_env(sb.relay("tag-from-request"), &api, "ghs_test_token_0123")
        .args(["--request", "deliverables/2026.1/acme.yaml", "--json"])
        .run()
        .expect_code(1);
    assert_eq!(run.json()["tags"][0]["status"], "failed");
    assert_eq!(run.json()["tags"][1]["status"], "created");
    assert!(
        run.stderr().contains(
            "acme/api 1.2.0: failed (POST tag object 1.2.0 of acme/api: 403 — the token lacks a permission: contents: write (Resource not accessible by integration))"
        ),
        "{}",
        run.stderr()
    );
}

// --- GitLab API --------------------------------------------------------------------

pub(crate) fn gitlab_commit(sha: &str) -> MockResponse {
    MockResponse::json(
        200,
        json!({"id": sha, "short_id": &sha[..8], "title": "feat: x", "message": "feat: x", "author_name": "Dev",
               "author_email": "dev@example.org", "created_at": "2026-01-15T12:00:00.000+00:00", "parent_ids": [],
               "web_url": "https://gitlab.example.org/acme/api/-/commit/x"}),
    )
}

fn gitlab_tag(name: &str, commit: &str, message: &str) -> MockResponse {
    MockResponse::json(
        201,
        json!({"name": name, "message": message, "target": "5555555555555555555555555555555555555555",
               "commit": {"id": commit, "short_id": &commit[..8], "title": "feat: x", "created_at": "2026-01-15T12:00:00.000+00:00",
                          "parent_ids": [], "message": "feat: x", "author_name": "Dev", "author_email": "dev@example.org"},
               "release": null, "protected": false, "created_at": "2026-01-15T12:00:00.000Z"}),
    )
}

#[test]
fn gitlab_tags_through_the_tags_api() {
    let sb = Sandbox::new();
    sb.write(
        "deliverables/2026.1/acme.yaml",
        &format!(
            "releases:\n  - version: 1.2.0\n    projects:\n\
             \x20     - repo: acme/api\n        hash: {SHA_API}\n\
             \x20     - repo: acme/worker\n        hash: {SHA_WORKER}\n\
             \x20     - repo: acme/homeport\n        hash: {H0}\n"
        ),
    );
    let api = MockApi::gitlab();
    api.on(
        "GET",
        &format!("/api/v4/projects/acme%2Fapi/repository/commits/{SHA_API}"),
        gitlab_commit(SHA_API),
    );
    api.on(
        "GET",
        &format!("/api/v4/projects/acme%2Fworker/repository/commits/{SHA_WORKER}"),
        gitlab_commit(SHA_WORKER),
    );
    api.on(
        "POST",
        "/api/v4/projects/acme%2Fapi/repository/tags",
        gitlab_tag("1.2.0", SHA_API, "m"),
    );
    // worker: the tag appears between preflight and write, on the same commit.
    api.on(
        "POST",
        "/api/v4/projects/acme%2Fworker/repository/tags",
        MockResponse::json(400, json!({"message": "Tag 1.2.0 already exists"})),
    );
    let worker_tag_reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let reads = worker_tag_reads.clone();
    api.handle(move |r| {
        if r.method == "GET" && r.path == "/api/v4/projects/acme%2Fworker/repository/tags/1.2.0" {
            let n = reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return Some(if n == 0 {
                MockResponse::gitlab_not_found()
            } else {
                let mut found = gitlab_tag("1.2.0", SHA_WORKER, "worker 1.2.0 release\n");
                found.status = 200;
                found
            });
        }
        None
    });
    let token = "glpat-SECRETsecret0123";
    let run = sb
        .relay("tag-from-request")
        .args([
            "--request",
            "deliverables/2026.1/acme.yaml",
            "--json",
            "--keep-going",
        ])
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url()))
        .env("CI_SERVER_URL", "https://gitlab.example.org")
        .env("GITLAB_TOKEN", token)
        .run()
        .expect_code(1);
    run.assert_hides(token);
    let out = run.json();
    assert_eq!(
        brief(&out["tags"]),
        json!([
            {"repo": "acme/api", "tag": "1.2.0", "commit": SHA_API, "status": "created"},
            {"repo": "acme/worker", "tag": "1.2.0", "commit": SHA_WORKER, "status": "exists"},
            {"repo": "acme/homeport", "tag": "1.2.0", "commit": H0, "status": "missing-commit"},
        ])
    );
    let posts = api.requests_to("POST", "/api/v4/projects/acme%2Fapi/repository/tags");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].json(),
        json!({"tag_name": "1.2.0", "ref": SHA_API,
               "message": "api 1.2.0 release\n\nmeta:version: 1.2.0\nmeta:diff-start: -\nmeta:series: 2026.1\nmeta:branch: -\nmeta:release-type: release\nmeta:first: yes\n"})
    );
    assert_eq!(posts[0].header("private-token"), Some(token));
    assert!(
        api.requests_to("POST", "/api/v4/projects/acme%2Fhomeport/repository/tags")
            .is_empty()
    );
}

#[test]
fn gitlab_403_names_the_scope_to_create_tags() {
    let sb = Sandbox::new();
    sb.write(
        "deliverables/2026.1/api.yaml",
        &format!("releases:\n  - version: 1.2.0\n    projects:\n      - repo: acme/api\n        hash: {SHA_API}\n"),
    );
    let api = MockApi::gitlab();
    api.on(
        "GET",
        &format!("/api/v4/projects/acme%2Fapi/repository/commits/{SHA_API}"),
        gitlab_commit(SHA_API),
    );
    api.on(
        "POST",
        "/api/v4/projects/acme%2Fapi/repository/tags",
        MockResponse::json(403, json!({"message": "403 Forbidden"})),
    );
    let run = sb
        .relay("tag-from-request")
        .args([
            "--forge",
            "gitlab",
            "--api-url",
            &format!("{}/api/v4", api.url()),
            "--token",
            "glpat-x",
        ])
        .args(["--request", "deliverables/2026.1/api.yaml"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr().contains("acme/api 1.2.0: failed (POST tag 1.2.0 of acme/api: 403 — the token lacks a permission: api (creating a tag through the API needs the `api` scope"),
        "{}",
        run.stderr()
    );
}

// --- the route: the API or a git push with the forge's token -------------------------

/// Repositories on a smart-HTTP server that takes the GitHub token as git does
/// (`x-access-token`), standing in for github.com; the API is a mock that answers
/// nothing, so any call to it shows.
struct GitRoute {
    sb: Sandbox,
    server: common::HttpGitServer,
    api: MockApi,
    commits: Vec<String>,
}

const ROUTE_TOKEN: &str = "ghs_ROUTEtoken0123456789";

impl GitRoute {
    fn new(repos: usize) -> GitRoute {
        let sb = Sandbox::new();
        let mut commits = Vec::new();
        let mut projects = String::new();
        for i in 0..repos {
            let bare = sb.bare_repo(&format!("srv/acme/r{i}.git"));
            let seed = sb.repo(&format!("seed{i}"));
            commits.push(seed.commit("README.md", &format!("# r{i}\n"), "feat: first"));
            seed.git(["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"]);
            projects.push_str(&format!(
                "      - repo: acme/r{i}\n        hash: {}\n",
                commits[i]
            ));
        }
        sb.write(
            "deliverables/2026.1/acme.yaml",
            &format!("releases:\n  - version: 1.0.0\n    projects:\n{projects}"),
        );
        let server = common::HttpGitServer::start(
            &sb.path().join("srv"),
            Some(("x-access-token", ROUTE_TOKEN)),
        );
        GitRoute {
            sb,
            server,
            api: MockApi::github(),
            commits,
        }
    }

    fn run(&self, args: &[&str]) -> common::Relay {
        let server_url = self.server.url("");
        self.sb
            .relay("tag-from-request")
            .args(["--forge", "github", "--api-url", &self.api.url()])
            .args(["--server-url", server_url.trim_end_matches('/')])
            .args(["--request", "deliverables/2026.1/acme.yaml"])
            .args(args)
            .env("GITHUB_TOKEN", ROUTE_TOKEN)
    }

    fn tag(&self, i: usize) -> String {
        self.sb.git_in(
            &self.sb.path().join(format!("srv/acme/r{i}.git")),
            ["rev-parse", "refs/tags/1.0.0^{commit}"],
        )
    }
}

#[test]
fn the_git_route_pushes_a_forge_release_with_its_token_and_calls_no_api() {
    let f = GitRoute::new(3);
    let run = f.run(&["--route", "git", "--json"]).run().success();
    run.assert_hides(ROUTE_TOKEN);
    assert_eq!(run.json()["created"], 3);
    for i in 0..3 {
        assert_eq!(f.tag(i), f.commits[i]);
    }
    assert!(f.api.requests().is_empty(), "{:?}", f.api.requests());
    assert!(
        run.stderr().starts_with(
            "route git: the tags are pushed over git with the token (6 API writes take at least "
        ),
        "{}",
        run.stderr()
    );
    // A re-run finds every tag in place, over git again.
    let again = f.run(&["--route", "git", "--json"]).run().success();
    assert_eq!(again.json()["existing"], 3);
    assert!(f.api.requests().is_empty());
}

#[test]
fn auto_takes_git_when_the_api_would_wait_and_the_plan_says_what_it_saves() {
    // Within 2 writes a minute, 4 tags' 8 writes take four minutes: git.
    let f = GitRoute::new(4);
    let run = f
        .run(&["--route", "auto", "--json"])
        .env("RELAY_RATE_LIMITS", "writes-per-minute=2")
        .run()
        .success();
    assert_eq!(run.json()["created"], 4);
    assert_eq!(run.json()["route"], "git", "the route auto took");
    assert!(f.api.requests().is_empty());
    assert!(
        run.stderr().starts_with(
            "route git (auto): 8 API writes take at least 4m within github's rate limits; the \
             tags are pushed over git with the same token"
        ),
        "{}",
        run.stderr()
    );
    // The API route with the same limits goes ahead and says what git would save: in
    // a dry run, as the first line of the plan on stdout.
    let f = GitRoute::new(4);
    let run = f
        .run(&["--dry-run"])
        .env("RELAY_RATE_LIMITS", "writes-per-minute=2")
        .run();
    assert!(
        run.stdout().starts_with(
            "route api: 8 API writes take at least 4m within github's rate limits; --route git \
             (or auto) pushes them over git with the same token"
        ),
        "{}",
        run.stdout()
    );
}

#[test]
fn signing_needs_the_git_route() {
    let f = GitRoute::new(1);
    let run = f.run(&["--sign"]).run().expect_code(2);
    assert!(
        run.stderr().contains(
            "--sign needs the git route (--forge git, or --route git): the github API makes unsigned tags"
        ),
        "{}",
        run.stderr()
    );
    assert!(f.api.requests().is_empty(), "refused before any call");
}

#[test]
fn a_release_split_over_shards_joins_into_the_report_of_one_run() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.write("deliverables/2026.1/acme.yaml", &two_releases(&f));
    let request = ["--request", "deliverables", "--all"];

    // The plan: never more shards than repositories, nothing asked of any remote.
    let plan = f
        .run()
        .args(request)
        .args(["--plan-shards", "8", "--json"])
        .run()
        .success();
    let planned = plan.json();
    assert_eq!(planned["shards"], 3);
    assert_eq!(planned["matrix"], json!({"shard": ["1/3", "2/3", "3/3"]}));
    assert_eq!(planned["planned"], 5);
    plan.assert_stderr_has("3 shards (the `matrix` output)");

    // Dry runs first: the joined plan is the single run's plan, output for output.
    let single = f
        .run()
        .args(request)
        .args(["--dry-run", "--json"])
        .run()
        .success()
        .json();
    for k in ["1/2", "2/2"] {
        f.run()
            .args(request)
            .args(["--dry-run", "--shard", k, "--shard-report"])
            .arg(format!("dry/{}.json", k.replace('/', "-of-")))
            .run()
            .success();
    }
    let joined = f
        .run()
        .args(request)
        .args(["--join", "dry", "--json"])
        .run()
        .success();
    assert_eq!(joined.json(), single);
    for name in REPOS {
        assert!(f.remote_tags(name).is_empty(), "a dry run writes nothing");
    }

    // The real run: each shard tags its own repositories, whole.
    let first = f
        .run()
        .args(request)
        .args([
            "--shard",
            "1/2",
            "--shard-report",
            "reports/1.json",
            "--json",
        ])
        .run()
        .success();
    assert!(
        first
            .stderr()
            .starts_with("shard 1/2: 2 of the release's 3 repositories\n"),
        "{}",
        first.stderr()
    );
    let first = first.json();
    assert_eq!(first["shard"], "1/2");
    assert_eq!(first["created"], 3, "acme/api twice and acme/homeport");
    assert_eq!(f.remote_tags("api").len(), 2);
    assert_eq!(f.remote_tags("homeport").len(), 1);
    assert!(f.remote_tags("worker").is_empty(), "shard 2's repository");
    let second = f
        .run()
        .args(request)
        .args([
            "--shard",
            "2/2",
            "--shard-report",
            "reports/2.json",
            "--json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(second["created"], 2);
    assert_eq!(f.remote_tags("worker").len(), 2);

    let joined = f
        .run()
        .args(request)
        .args(["--join", "reports", "--json"])
        .run()
        .success();
    let out = joined.json();
    assert_eq!(out["created"], 5);
    assert_eq!(out["failed"], 0);
    assert_eq!(
        brief(&out["tags"]),
        json!([
            {"repo": "acme/api", "tag": "1.0.0", "commit": f.sha("api", 0), "status": "created"},
            {"repo": "acme/worker", "tag": "1.0.0", "commit": f.sha("worker", 0), "status": "created"},
            {"repo": "acme/api", "tag": "1.1.0", "commit": f.sha("api", 1), "status": "created"},
            {"repo": "acme/worker", "tag": "1.1.0", "commit": f.sha("worker", 1), "status": "created"},
            {"repo": "acme/homeport", "tag": "homeport-1.1.0", "commit": f.sha("homeport", 1), "status": "created"},
        ])
    );
    joined.assert_stderr_has("5 tags from 1 request file: 5 created, 0 existing, 0 not tagged");
    // verify-release checks the whole from what the shards wrote: each tag on the
    // forge, on its commit; the joined outputs say the same.
    let server = format!("git://127.0.0.1:{}", f.server.port());
    let verified = sb
        .relay("verify-release")
        .args([
            "--forge",
            "git",
            "--server-url",
            &server,
            "--tags",
            "reports",
            "--json",
        ])
        .run()
        .success();
    assert_eq!(verified.json()["checks"].as_array().unwrap().len(), 5);
    verified.assert_stderr_has("all 5 checks hold");
    std::fs::write(sb.path().join("joined.json"), joined.stdout()).unwrap();
    sb.relay("verify-release")
        .args([
            "--forge",
            "git",
            "--server-url",
            &server,
            "--tags",
            "joined.json",
        ])
        .run()
        .success();
    // A re-run of the whole finds what the shards made: the same tags, existing.
    let again = f
        .run()
        .args(request)
        .args(["--json"])
        .run()
        .success()
        .json();
    assert_eq!(again["existing"], 5);
}

#[test]
fn a_join_names_what_no_shard_reported_and_refuses_reports_of_another_plan() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.write("deliverables/2026.1/acme.yaml", &two_releases(&f));
    let request = ["--request", "deliverables", "--all"];
    f.run()
        .args(request)
        .args(["--shard", "2/2", "--shard-report", "reports/2.json"])
        .run()
        .success();

    // Shard 1 never reported: its tags count as not made, and the job fails.
    let run = f
        .run()
        .args(request)
        .args(["--join", "reports", "--json"])
        .run()
        .expect_code(1);
    let out = run.json();
    assert_eq!(out["created"], 2);
    assert_eq!(out["failed"], 3);
    assert_eq!(out["tags"][0]["status"], "failed");
    assert_eq!(out["tags"][0]["detail"], "shard 1/2 sent no report");
    run.assert_stderr_has("warning: no report from shard 1/2: their tags are counted as not made");

    // Bad input, each at its file and with nothing written.
    let refused = |args: &[&str], message: &str| {
        let run = f.run().args(args).run().expect_code(2);
        assert!(run.stderr().contains(message), "{args:?}: {}", run.stderr());
    };
    // Not JSON,
    sb.write("bad/broken.json", "{\n  \"report\": ,\n}\n");
    refused(
        &[&request[..], &["--join", "bad/broken.json"]].concat(),
        "bad/broken.json:2:13: not a tag-from-request shard report (--shard-report): expected value\n",
    );
    // another JSON file,
    sb.write("bad/outputs.json", "{\"created\": 2}\n");
    refused(
        &[&request[..], &["--join", "bad/outputs.json"]].concat(),
        "bad/outputs.json:1:",
    );
    // one shard twice,
    std::fs::copy(
        sb.path().join("reports/2.json"),
        sb.path().join("reports/2-again.json"),
    )
    .unwrap();
    refused(
        &[&request[..], &["--join", "reports"]].concat(),
        "reports/2.json:1:1: shard 2/2 is reported twice: here and in reports/2-again.json",
    );
    std::fs::remove_file(sb.path().join("reports/2-again.json")).unwrap();
    // a report of another plan (here: the newest entry only, not --all),
    refused(
        &["--request", "deliverables", "--join", "reports"],
        &format!(
            "reports/2.json:1:1: shard 2/2 reports tag 1.0.0 of acme/worker at {}, which is not its part of this plan",
            f.sha("worker", 0)
        ),
    );
    // and nothing there.
    refused(
        &[&request[..], &["--join", "nowhere"]].concat(),
        "--join: cannot read nowhere: ",
    );
}

#[test]
fn a_gitlab_parallel_job_names_its_shard_and_a_bad_shard_is_refused() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.write("deliverables/2026.1/acme.yaml", &two_releases(&f));
    let run = f
        .run()
        .args(["--request", "deliverables", "--shard", "auto", "--json"])
        .env("CI_NODE_INDEX", "2")
        .env("CI_NODE_TOTAL", "3")
        .run()
        .success();
    assert_eq!(run.json()["shard"], "2/3");
    assert_eq!(brief(&run.json()["tags"])[0]["repo"], "acme/worker");
    assert_eq!(f.remote_tags("worker").len(), 1);
    assert!(f.remote_tags("api").is_empty());

    let run = f
        .run()
        .args(["--request", "deliverables", "--shard", "auto"])
        .run()
        .expect_code(2);
    run.assert_stderr_has("--shard auto reads CI_NODE_INDEX and CI_NODE_TOTAL, which GitLab sets only in a job with `parallel: N`: give --shard K/N");
    for (shard, message) in [
        ("4/3", "`4/3`: the shard must be 1 to 3"),
        (
            "1/300",
            "`1/300`: the count must be 1 to 256 (GitHub's matrix limit)",
        ),
    ] {
        let run = f
            .run()
            .args(["--request", "deliverables", "--shard", shard])
            .run()
            .expect_code(2);
        assert!(run.stderr().contains(message), "{}", run.stderr());
    }
    let run = f
        .run()
        .args(["--request", "deliverables", "--shard-report", "r.json"])
        .run()
        .expect_code(2);
    assert!(run.stderr().contains("--shard <K/N>"), "{}", run.stderr());
    for name in REPOS {
        assert!(f.remote_tags(name).len() <= 1);
    }
}

#[test]
fn a_shard_keeps_to_its_part_of_the_tokens_rate_limits() {
    // Within 2 writes a minute shared by 2 shards, one shard's 2 tags (4 writes) take
    // four minutes, where the whole token would take two.
    let f = GitRoute::new(4);
    let run = f
        .run(&["--route", "auto", "--shard", "1/2", "--json"])
        .env("RELAY_RATE_LIMITS", "writes-per-minute=2")
        .run()
        .success();
    assert_eq!(run.json()["created"], 2);
    run.assert_stderr_has(
        "route git (auto): 4 API writes take at least 4m within github's rate limits",
    );
}

#[test]
fn a_terminal_gets_a_status_line_and_a_log_gets_none() {
    let sb = Sandbox::new();
    let f = Fleet::new(&sb);
    sb.write("deliverables/2026.1/acme.yaml", &two_releases(&f));
    // `script` gives the tool a terminal for stderr, as a developer's shell does.
    let tool = common::bin_path("tag-from-request");
    let command = format!(
        "{} --request deliverables --all --forge git --remote-url-template '{}' --dry-run --json",
        tool.display(),
        f.server.url_template()
    );
    let out = sb
        .command("script")
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains("\n[5/5] 100 % · "),
        "a status line below the outcomes: {screen:?}"
    );
    assert!(
        screen.contains("\r\x1b[K[2] acme/api 1.1.0"),
        "each outcome clears the status line first: {screen:?}"
    );
    // Piped (a CI log): plain lines only.
    let run = f
        .run()
        .args(["--request", "deliverables", "--all", "--dry-run", "--json"])
        .run()
        .success();
    assert!(!run.stderr().contains('\x1b'), "{:?}", run.stderr());
    assert!(!run.stderr().contains(" · "), "{:?}", run.stderr());
}

#[test]
fn a_gitlab_job_token_never_takes_the_git_route() {
    let sb = Sandbox::new();
    sb.write(
        "deliverables/2026.1/api.yaml",
        &format!("releases:\n  - version: 1.2.0\n    projects:\n      - repo: acme/api\n        hash: {SHA_API}\n"),
    );
    let api = MockApi::gitlab();
    let run = |route: &str| {
        sb.relay("tag-from-request")
            .args([
                "--forge",
                "gitlab",
                "--api-url",
                &format!("{}/api/v4", api.url()),
            ])
            .args([
                "--server-url",
                "http://127.0.0.1:9",
                "--route",
                route,
                "--dry-run",
            ])
            .args(["--request", "deliverables/2026.1/api.yaml"])
            .env("GITLAB_CI", "true")
            .env("CI_JOB_TOKEN", "job-token-value")
            .env("RELAY_RATE_LIMITS", "points-per-minute=1")
            // The limits' windows and the waits alike a thousand times shorter.
            .env("RELAY_HTTP_WAIT_DIVISOR", "1000")
    };
    let refused = run("git").run().expect_code(2);
    refused.assert_stderr_has("--route git pushes the tags with the token, and GitLab does not let CI_JOB_TOKEN push to other projects: set GITLAB_TOKEN");
    refused.assert_hides("job-token-value");
    assert!(api.requests().is_empty(), "refused before any call");
    // auto keeps to the API and says why git was not taken.
    let auto = run("auto").run();
    assert!(
        auto.stdout().contains("route api (auto): ")
            && auto
                .stdout()
                .contains("but CI_JOB_TOKEN cannot push: set GITLAB_TOKEN to take it"),
        "{}\n{}",
        auto.stdout(),
        auto.stderr()
    );
}
