//! tag-from-request on a requests repository in openstack/releases' own shapes, run as
//! OpenStack's post-merge release job runs: `data/series_status.yaml` with series in
//! development, maintained, unmaintained and at end of life; deliverable files with
//! series-end entries (`-eom`, `-eol`), flags, a branch-only file, an abandoned one,
//! a trailing deliverable of a closed series and `_independent`. The tags must be
//! byte for byte what `release.sh` writes, the branches made where absent and never
//! moved. Real repositories on a git daemon on 127.0.0.1.

use crate::common::http_git::HttpGitServer;
use crate::common::{GitServer, MockApi, MockResponse, Repo, Sandbox};
use serde_json::json;
use std::collections::BTreeMap;

const REPOS: [&str; 5] = ["oslo.i18n", "kolla", "nova", "pbr", "requirements"];

const SERIES_STATUS: &str = "---
- name: indri
  release-id: 2027.1
  status: future
  initial-release: 2027-03-24
- name: hibiscus
  release-id: 2026.2
  status: development
  initial-release: 2026-09-30
  next-phase:
    status: maintained
    date: 2026-09-30
- name: gazpacho
  release-id: 2026.1
  status: maintained
  slurp: yes
  initial-release: 2026-04-01
- name: dalmatian
  release-id: 2024.2
  status: end of life
  initial-release: 2024-10-02
  eol-date: 2026-04-29
- name: antelope
  release-id: 2023.1
  status: unmaintained
  slurp: yes
  initial-release: 2023-03-22
";

/// The project repositories (three commits each on master) and the requests
/// repository.
struct OpenStack<'a> {
    sb: &'a Sandbox,
    server: GitServer,
    /// repo → its commits, oldest first.
    commits: BTreeMap<String, Vec<String>>,
    requests: Repo<'a>,
}

impl<'a> OpenStack<'a> {
    fn new(sb: &'a Sandbox) -> OpenStack<'a> {
        for name in REPOS {
            sb.bare_repo(&format!("srv/openstack/{name}.git"));
        }
        let server = GitServer::start(&sb.path().join("srv"));
        let mut commits = BTreeMap::new();
        for name in REPOS {
            let work = sb.clone_of(
                &server.url(&format!("openstack/{name}.git")),
                &format!("src/{name}"),
                &[],
            );
            let list: Vec<String> = (0..3)
                .map(|n| work.commit("CHANGES", &format!("{name} {n}\n"), &format!("change {n}")))
                .collect();
            work.git(["push", "-q", "origin", "HEAD:master"]);
            commits.insert(name.to_string(), list);
        }
        let requests = sb.repo("releases");
        OpenStack {
            sb,
            server,
            commits,
            requests,
        }
    }

    fn sha(&self, repo: &str, n: usize) -> &str {
        &self.commits[repo][n]
    }

    fn bare(&self, repo: &str) -> std::path::PathBuf {
        self.sb.path().join(format!("srv/openstack/{repo}.git"))
    }

    /// Writes the files (path → text) into the requests repository and commits them.
    fn commit(&self, files: &[(&str, String)], message: &str) -> String {
        for (path, text) in files {
            let full = self.requests.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        self.requests.git(["add", "-A"]);
        self.requests.git(["commit", "-q", "-m", message]);
        self.requests.git(["rev-parse", "HEAD"])
    }

    fn relay(&self) -> crate::common::Relay {
        self.sb
            .relay("tag-from-request")
            .current_dir(self.requests.path())
            .args([
                "--forge",
                "git",
                "--remote-url-template",
                &self.server.url_template(),
            ])
    }

    /// `ref name` → commit, for the tags or branches (`refs/tags`, `refs/heads`).
    fn refs(&self, repo: &str, prefix: &str) -> BTreeMap<String, String> {
        let out = self.sb.git_in(
            &self.bare(repo),
            [
                "for-each-ref",
                "--format=%(refname:short) %(*objectname)%(objectname)",
                prefix,
            ],
        );
        out.lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (name, oids) = l.split_once(' ').unwrap();
                (name.to_string(), oids[..40].to_string())
            })
            .collect()
    }

    /// The exact message of a tag on the remote.
    fn message(&self, repo: &str, tag: &str) -> String {
        let raw = self.sb.git_in(
            &self.bare(repo),
            ["cat-file", "tag", &format!("refs/tags/{tag}")],
        );
        format!("{}\n", raw.split_once("\n\n").unwrap().1)
    }
}

/// A deliverable file as openstack/releases writes them.
fn deliverable(head: &str, releases: &[(&str, &str, &str)], tail: &str) -> String {
    let mut text = format!("---\n{head}");
    if !releases.is_empty() {
        text.push_str("releases:\n");
        for (version, repo, hash) in releases {
            text.push_str(&format!(
                "  - version: {version}\n    projects:\n      - repo: openstack/{repo}\n        hash: {hash}\n"
            ));
        }
    }
    text.push_str(tail);
    text
}

const OSLO: &str = "include-pypi-link: true\nlaunchpad: oslo.i18n\nrelease-model: cycle-with-intermediary\nteam: oslo\ntype: library\nrepository-settings:\n  openstack/oslo.i18n: {}\n";
const KOLLA: &str = "launchpad: kolla\nrelease-model: cycle-with-rc\nteam: kolla\ntype: trailing\nrepository-settings:\n  openstack/kolla: {}\n";
const NOVA: &str = "launchpad: nova\nrelease-model: cycle-with-rc\nteam: nova\ntype: service\nrepository-settings:\n  openstack/nova: {}\n";
const PBR: &str = "# PBR is a dependency of openstack/releases itself.\nlaunchpad: pbr\nteam: oslo\ntype: library\ninclude-pypi-link: true\n";

/// The message `release.sh` writes (signature and Gerrit lines aside).
#[allow(clippy::too_many_arguments)]
fn release_sh(
    project: &str,
    version: &str,
    kind: &str,
    team: &str,
    diff_start: &str,
    series: &str,
    branch: &str,
    pypi: &str,
    first: &str,
) -> String {
    format!(
        "{project} {version} {kind}\n\nmeta:version: {version}\nmeta:team: {team}\n\
         meta:diff-start: {diff_start}\nmeta:series: {series}\nmeta:branch: {branch}\n\
         meta:release-type: {kind}\nmeta:pypi: {pypi}\nmeta:first: {first}\n"
    )
}

/// The repository before the merge, and the merge: new releases in every kind of
/// series, a branch at a series-end tag, a branch-only file and an abandoned one.
fn merge(os: &OpenStack) -> String {
    let s = |repo: &str, n: usize| os.sha(repo, n).to_string();
    let oslo_gazpacho_before = deliverable(
        OSLO,
        &[("6.6.0", "oslo.i18n", &s("oslo.i18n", 0))],
        "branches:\n  - name: stable/2026.1\n    location: 6.6.0\n",
    );
    let oslo_antelope_before = deliverable(
        OSLO,
        &[("6.0.0", "oslo.i18n", &s("oslo.i18n", 0))],
        "branches:\n  - name: stable/2023.1\n    location: 6.0.0\n\
         release-notes: https://docs.openstack.org/releasenotes/oslo.i18n/2023.1.html\n",
    );
    let kolla_before = deliverable(KOLLA, &[("19.0.0", "kolla", &s("kolla", 0))], "");
    let nova_before = deliverable(NOVA, &[("30.0.0", "nova", &s("nova", 0))], "");
    let pbr_before = deliverable(PBR, &[("7.0.0", "pbr", &s("pbr", 0))], "");
    let before = os.commit(
        &[
            ("data/series_status.yaml", SERIES_STATUS.to_string()),
            ("deliverables/gazpacho/oslo.i18n.yaml", oslo_gazpacho_before),
            ("deliverables/antelope/oslo.i18n.yaml", oslo_antelope_before),
            ("deliverables/dalmatian/kolla.yaml", kolla_before),
            ("deliverables/dalmatian/nova.yaml", nova_before),
            ("deliverables/_independent/pbr.yaml", pbr_before),
        ],
        "the releases so far",
    );
    os.commit(
        &[
            (
                "deliverables/gazpacho/oslo.i18n.yaml",
                format!(
                    "{}  - version: 6.6.1\n    projects:\n      - repo: openstack/oslo.i18n\n        hash: {}\n    flags:\n      - forced\n\
                     branches:\n  - name: stable/2026.1\n    location: 6.6.0\n",
                    deliverable(OSLO, &[("6.6.0", "oslo.i18n", &s("oslo.i18n", 0))], ""),
                    s("oslo.i18n", 1)
                ),
            ),
            (
                "deliverables/hibiscus/oslo.i18n.yaml",
                format!(
                    "---\n{OSLO}releases:\n  - version: 6.7.0.0rc1\n    diff-start: 6.6.0\n    projects:\n      - repo: openstack/oslo.i18n\n        hash: {}\n",
                    s("oslo.i18n", 2)
                ),
            ),
            (
                "deliverables/antelope/oslo.i18n.yaml",
                deliverable(
                    OSLO,
                    &[
                        ("6.0.0", "oslo.i18n", &s("oslo.i18n", 0)),
                        ("2023.1-eom", "oslo.i18n", &s("oslo.i18n", 1)),
                    ],
                    "branches:\n  - name: stable/2023.1\n    location: 6.0.0\n\
                     \x20 - name: unmaintained/2023.1\n    location: 2023.1-eom\n\
                     release-notes: https://docs.openstack.org/releasenotes/oslo.i18n/2023.1.html\n",
                ),
            ),
            (
                "deliverables/dalmatian/kolla.yaml",
                deliverable(
                    KOLLA,
                    &[
                        ("19.0.0", "kolla", &s("kolla", 0)),
                        ("2024.2-eol", "kolla", &s("kolla", 1)),
                    ],
                    "",
                ),
            ),
            (
                "deliverables/dalmatian/nova.yaml",
                deliverable(
                    NOVA,
                    &[
                        ("30.0.0", "nova", &s("nova", 0)),
                        ("2024.2-eol", "nova", &s("nova", 1)),
                    ],
                    "",
                ),
            ),
            (
                "deliverables/_independent/pbr.yaml",
                deliverable(
                    PBR,
                    &[("7.0.0", "pbr", &s("pbr", 0)), ("7.0.1", "pbr", &s("pbr", 1))],
                    "",
                ),
            ),
            (
                "deliverables/gazpacho/requirements.yaml",
                format!(
                    "---\nlaunchpad: openstack-requirements\nteam: requirements\ntype: other\n\
                     include-pypi-link: true\nrelease-model: cycle-with-intermediary\nstable-branch-type: tagless\n\
                     branches:\n  - name: stable/2026.1\n    location:\n      openstack/requirements: {}\n\
                     repository-settings:\n  openstack/requirements: {{}}\n",
                    s("requirements", 1)
                ),
            ),
            (
                "deliverables/hibiscus/abandoned.yaml",
                "---\nteam: x\ntype: other\nrelease-model: abandoned\nrepository-settings:\n  openstack/abandoned:\n    flags:\n      - retired\n".to_string(),
            ),
        ],
        "Merge \"release everything\"",
    );
    before
}

#[test]
fn the_post_merge_job_tags_and_branches_as_openstacks_release_job_does() {
    let sb = Sandbox::new();
    let os = OpenStack::new(&sb);
    let before = merge(&os);
    let run = os
        .relay()
        .args([
            "--request",
            "deliverables",
            "--changed-since",
            &before,
            "--json",
        ])
        .run()
        .success();
    let out = run.json();

    // Every new version, in its series' way; nothing of the closed non-trailing series.
    assert_eq!(
        os.message("oslo.i18n", "6.6.1"),
        release_sh(
            "oslo.i18n",
            "6.6.1",
            "release",
            "oslo",
            "-",
            "gazpacho",
            "stable/2026.1",
            "yes",
            "no"
        )
    );
    assert_eq!(
        os.message("oslo.i18n", "6.7.0.0rc1"),
        release_sh(
            "oslo.i18n",
            "6.7.0.0rc1",
            "release candidate",
            "oslo",
            "6.6.0",
            "hibiscus",
            "master",
            "yes",
            "no"
        )
    );
    assert_eq!(
        os.message("oslo.i18n", "2023.1-eom"),
        release_sh(
            "oslo.i18n",
            "2023.1-eom",
            "release",
            "oslo",
            "-",
            "antelope",
            "stable/2023.1",
            "yes",
            "no"
        )
    );
    // A trailing deliverable is still released after its series closed.
    assert_eq!(
        os.message("kolla", "2024.2-eol"),
        release_sh(
            "kolla",
            "2024.2-eol",
            "release",
            "kolla",
            "-",
            "dalmatian",
            "stable/2024.2",
            "no",
            "no"
        )
    );
    assert_eq!(
        os.message("pbr", "7.0.1"),
        release_sh(
            "pbr",
            "7.0.1",
            "release",
            "oslo",
            "-",
            "independent",
            "master",
            "yes",
            "no"
        )
    );
    assert_eq!(
        os.refs("oslo.i18n", "refs/tags"),
        BTreeMap::from([
            ("2023.1-eom".to_string(), os.sha("oslo.i18n", 1).to_string()),
            ("6.6.1".to_string(), os.sha("oslo.i18n", 1).to_string()),
            ("6.7.0.0rc1".to_string(), os.sha("oslo.i18n", 2).to_string()),
        ])
    );
    assert!(os.refs("nova", "refs/tags").is_empty());
    assert!(!os.refs("kolla", "refs/tags").contains_key("19.0.0"));

    // The branches the merge added: at a series-end tag's commit, and a tagless one.
    assert_eq!(
        os.refs("oslo.i18n", "refs/heads"),
        BTreeMap::from([
            ("master".to_string(), os.sha("oslo.i18n", 2).to_string()),
            (
                "unmaintained/2023.1".to_string(),
                os.sha("oslo.i18n", 1).to_string()
            ),
        ])
    );
    assert_eq!(
        os.refs("requirements", "refs/heads")["stable/2026.1"],
        os.sha("requirements", 1)
    );
    assert_eq!(
        out["branches"],
        json!([
            {"repo": "openstack/oslo.i18n", "branch": "unmaintained/2023.1", "commit": os.sha("oslo.i18n", 1),
             "status": "created", "detail": null, "version": "2023.1-eom",
             "request": "deliverables/antelope/oslo.i18n.yaml"},
            {"repo": "openstack/requirements", "branch": "stable/2026.1", "commit": os.sha("requirements", 1),
             "status": "created", "detail": null, "version": null,
             "request": "deliverables/gazpacho/requirements.yaml"},
        ])
    );
    assert_eq!(
        out["skipped"],
        json!([
            {"request": "deliverables/dalmatian/nova.yaml", "branch": null,
             "reason": "series dalmatian is at end of life (data/series_status.yaml): its releases and branches are not made any more"},
            {"request": "deliverables/hibiscus/abandoned.yaml", "branch": null,
             "reason": "the file lists no releases and no branches: nothing to make"},
        ])
    );
    assert_eq!(
        (out["created"].clone(), out["failed"].clone()),
        (json!(7), json!(0))
    );
    let tags: Vec<&str> = out["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        ["7.0.1", "2023.1-eom", "2024.2-eol", "6.6.1", "6.7.0.0rc1"]
    );
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "openstack/requirements branch stable/2026.1 → {}: created",
            &os.sha("requirements", 1)[..12]
        )),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            "5 tags and 2 branches from 8 request files: 7 created, 0 existing, 0 not made, 2 skipped\n"
        ),
        "{stderr}"
    );

    // A re-run of the same merge finds everything made: nothing written, exit 0.
    let again = os
        .relay()
        .args([
            "--request",
            "deliverables",
            "--changed-since",
            before.as_str(),
            "--json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(
        (again["created"].clone(), again["existing"].clone()),
        (json!(0), json!(7))
    );
}

#[test]
fn an_existing_branch_is_never_moved_and_one_on_the_same_commit_exists() {
    let sb = Sandbox::new();
    let os = OpenStack::new(&sb);
    let before = merge(&os);
    // requirements already has stable/2026.1 elsewhere; oslo.i18n has
    // unmaintained/2023.1 where the request puts it.
    let push = |repo: &str, sha: &str, branch: &str| {
        sb.git_in(
            &sb.path().join(format!("src/{repo}")),
            [
                "push",
                "-q",
                "origin",
                &format!("{sha}:refs/heads/{branch}"),
            ],
        );
    };
    push("requirements", os.sha("requirements", 0), "stable/2026.1");
    push("oslo.i18n", os.sha("oslo.i18n", 1), "unmaintained/2023.1");
    let args = [
        "--request",
        "deliverables",
        "--changed-since",
        before.as_str(),
        "--json",
    ];
    let run = os.relay().args(args).run().expect_code(1);
    let out = run.json();
    let status = |list: &str, name: &str| {
        out[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b[if list == "tags" { "tag" } else { "branch" }] == name)
            .map(|b| b["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(status("branches", "stable/2026.1"), "conflict");
    assert_eq!(status("branches", "unmaintained/2023.1"), "exists");
    assert_eq!(status("tags", "6.6.1"), "stopped");
    assert!(
        os.refs("oslo.i18n", "refs/tags").is_empty(),
        "nothing written"
    );
    let error = run
        .stderr()
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap()
        .to_string();
    assert_eq!(
        error,
        format!(
            "error: the preflight found 1 problem, so nothing was written (--keep-going makes what is safe): \
             openstack/requirements branch stable/2026.1: conflict (the remote's branch is on {})",
            os.sha("requirements", 0)
        )
    );

    // --keep-going makes the rest; the branch stays where it was.
    let out = os
        .relay()
        .args(args)
        .args(["--keep-going"])
        .run()
        .expect_code(1)
        .json();
    assert_eq!(out["created"], 5);
    assert_eq!(
        os.refs("requirements", "refs/heads")["stable/2026.1"],
        os.sha("requirements", 0)
    );
}

#[test]
fn a_dry_run_plans_every_message_and_branch_and_writes_nothing() {
    let sb = Sandbox::new();
    let os = OpenStack::new(&sb);
    let before = merge(&os);
    let run = os
        .relay()
        .args(["--request", "deliverables", "--changed-since", &before])
        .args(["--dry-run", "--json"])
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["planned"], 7);
    let pbr = out["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["repo"] == "openstack/pbr")
        .unwrap();
    assert_eq!(
        pbr["message"],
        release_sh(
            "pbr",
            "7.0.1",
            "release",
            "oslo",
            "-",
            "independent",
            "master",
            "yes",
            "no"
        )
    );
    assert_eq!(pbr["status"], "planned");
    assert_eq!(out["branches"][1]["status"], "planned");
    for repo in REPOS {
        assert!(os.refs(repo, "refs/tags").is_empty());
        assert_eq!(os.refs(repo, "refs/heads").len(), 1, "only master");
    }
    assert!(
        run.stderr().contains(
            "      pbr 7.0.1 release\n\n      meta:version: 7.0.1\n      meta:team: oslo\n"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn check_lists_every_problem_of_every_file_and_asks_no_remote() {
    let sb = Sandbox::new();
    let requests = sb.repo("releases");
    let write = |rel: &str, text: &str| {
        let path = requests.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("data/series_status.yaml", SERIES_STATUS);
    let hash = "03605c2db7d034ad6776b860d4928939ae7e3594";
    write(
        "deliverables/gazpacho/good.yaml",
        &deliverable(OSLO, &[("6.6.0", "oslo.i18n", hash)], ""),
    );
    write(
        "deliverables/gazpacho/broken.yaml",
        &format!(
            "---\nteam: oslo\ntype: library\nlanchpad: x\nreleases:\n  - version: 6.6.x\n    projects:\n      - repo: openstack/a\n        hash: {hash}\n\
             \x20 - version: 6.7.0\n    flags: [fast]\n    projects:\n      - repo: openstack/a\n        hash: 03605c2\n"
        ),
    );
    write(
        "deliverables/antelope/broken.yaml",
        &format!(
            "---\nteam: oslo\ntype: library\nbranches:\n  - name: stable/2023.1\n    location: 9.9.9\n\
             releases:\n  - version: 1.0.0\n    projects:\n      - repo: srv/acme/worker.git\n        hash: {hash}\n"
        ),
    );
    // No server runs: a check that asked a remote would fail otherwise.
    let run = sb
        .relay("tag-from-request")
        .current_dir(requests.path())
        .args([
            "--forge",
            "git",
            "--remote-url-template",
            "git://127.0.0.1:9/{repo}.git",
        ])
        .args(["--check", "--request", "deliverables"])
        .run()
        .expect_code(2);
    let a = "deliverables/antelope/broken.yaml";
    let g = "deliverables/gazpacho/broken.yaml";
    assert_eq!(
        run.stderr(),
        format!(
            "error: checking the release requests: 6 problems in 2 request files; nothing was asked of any remote:\n\
             \x20 {a}:6:15: the branch starts at version 9.9.9, which `releases` does not list; add the release, or give {{repo: sha}}\n\
             \x20 {a}:10:15: repo `srv/acme/worker.git`: a forge project (owner/name) is named without `.git`: drop the `.git` for the project, or start a repository of the working folder with `./`\n\
             \x20 {g}:4:1: unknown key `lanchpad` in the request (expected one of: series, branch, metadata, releases, team, type, launchpad, storyboard, release-model, release-type, release-notes, include-pypi-link, artifact-link-mode, repository-settings, stable-branch-type, stable-status, cycle-highlights, branches, send-announcements-to)\n\
             \x20 {g}:6:14: invalid version `6.6.x`: the part after the numbers is not a pre-release (`-rc.1`, `rc1`, `b2`, `.dev3`) or `.postN`; a request's version is a release (1.2.0, 1.2.0rc1, 1.2.0-rc.1) or the end of a series (<series>-em, -eom, -eol, -last)\n\
             \x20 {g}:11:13: unknown flag `fast` (expected forced or skipped-sig)\n\
             \x20 {g}:14:15: `hash` must be a full commit id (40 hex digits), found `03605c2`\n"
        )
    );

    // Fixed, the check passes and says what a run would make.
    write(
        "deliverables/gazpacho/broken.yaml",
        &deliverable(OSLO, &[("6.6.1", "oslo.i18n", hash)], ""),
    );
    write(
        "deliverables/antelope/broken.yaml",
        &deliverable(OSLO, &[("2023.1-eom", "oslo.i18n", hash)], ""),
    );
    let run = sb
        .relay("tag-from-request")
        .current_dir(requests.path())
        .args(["--check", "--request", "deliverables", "--json"])
        .run()
        .success();
    assert_eq!(run.json()["planned"], 3);
    assert!(
        run.stderr().ends_with(
            "3 tags from 3 request files: every file is valid (checked only: no remote asked, nothing written)\n"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_skipped_sig_release_is_tagged_unsigned_under_sign() {
    let sb = Sandbox::new();
    let os = OpenStack::new(&sb);
    sb.use_ssh_signing();
    os.commit(
        &[(
            "deliverables/_independent/pbr.yaml",
            format!(
                "---\n{PBR}releases:\n  - version: 0.11.1\n    projects:\n      - repo: openstack/pbr\n        hash: {}\n    flags:\n      - skipped-sig\n\
                 \x20 - version: 7.0.0\n    projects:\n      - repo: openstack/pbr\n        hash: {}\n",
                os.sha("pbr", 0),
                os.sha("pbr", 1)
            ),
        )],
        "pbr",
    );
    os.relay()
        .args(["--request", "deliverables", "--all", "--sign"])
        .run()
        .success();
    let raw = |tag: &str| sb.git_in(&os.bare("pbr"), ["cat-file", "tag", tag]);
    assert!(
        !raw("0.11.1").contains("-----BEGIN SSH SIGNATURE-----"),
        "{}",
        raw("0.11.1")
    );
    assert!(
        raw("7.0.0").contains("-----BEGIN SSH SIGNATURE-----"),
        "{}",
        raw("7.0.0")
    );
}

#[test]
fn a_remote_the_token_is_not_sent_to_is_told_apart_from_a_refused_token() {
    let sb = Sandbox::new();
    let bare = sb.bare_repo("srv/acme/api.git");
    let seed = sb.repo("seed");
    let sha = seed.commit("README.md", "# api\n", "feat: first");
    seed.git(["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"]);
    let server = HttpGitServer::start(
        &sb.path().join("srv"),
        Some(("x-access-token", "t0ken-0123")),
    );
    sb.write(
        "work/deliverables/2026.1/api.yaml",
        &format!(
            "releases:\n  - version: 1.0.0\n    projects:\n      - repo: {}\n        hash: {sha}\n",
            server.url("acme/api.git")
        ),
    );
    let run = sb
        .relay("tag-from-request")
        .current_dir(sb.path().join("work"))
        .env("GITHUB_SERVER_URL", "https://github.example.org")
        .env("GITHUB_TOKEN", "t0ken-0123")
        .args(["--forge", "git", "--request", "deliverables"])
        .run()
        .expect_code(1);
    run.assert_hides("t0ken-0123");
    assert!(
        server.authorizations().is_empty(),
        "the token stays with its host"
    );
    let error = run.stderr().lines().last().unwrap().to_string();
    assert!(
        error.ends_with(
            "— the remote asks for credentials, and none are sent to it: the token goes only to the forge's own host (https://github.example.org); name the repository as owner/name there, or give the runner its own access to this remote)"
        ),
        "{error}"
    );
    assert!(!error.contains("contents: read"), "{error}");
}

// --- Branches through the forge APIs -------------------------------------------------

const SHA_REQ: &str = "1111111111111111111111111111111111111111";
const SHA_DEVSTACK: &str = "2222222222222222222222222222222222222222";
const SHA_ELSEWHERE: &str = "7777777777777777777777777777777777777777";

/// A tagless deliverable (OpenStack's devstack and requirements): a branch at the
/// given commit of each repository, no releases.
fn tagless_branches(sb: &Sandbox) {
    sb.write(
        "deliverables/gazpacho/tagless.yaml",
        &format!(
            "---\nteam: qa\ntype: other\nrelease-model: untagged\nstable-branch-type: tagless\n\
             branches:\n  - name: stable/2026.1\n    location:\n\
             \x20     openstack/requirements: {SHA_REQ}\n      openstack/devstack: {SHA_DEVSTACK}\n"
        ),
    );
}

/// GitHub's "Get a reference" / "Create a reference" payload for a branch.
fn github_branch(status: u16, name: &str, sha: &str) -> MockResponse {
    MockResponse::json(
        status,
        json!({"ref": format!("refs/heads/{name}"), "node_id": "REF_kwDOA", "url": format!("https://api.github.com/repos/openstack/x/git/refs/heads/{name}"),
               "object": {"type": "commit", "sha": sha, "url": format!("https://api.github.com/repos/openstack/x/git/commits/{sha}")}}),
    )
}

#[test]
fn branches_through_the_github_refs_api_are_made_where_absent_and_never_moved() {
    use crate::tag_from_request::{github_commit, github_env};
    let sb = Sandbox::new();
    tagless_branches(&sb);
    let api = MockApi::github();
    for (repo, sha) in [("requirements", SHA_REQ), ("devstack", SHA_DEVSTACK)] {
        api.on(
            "GET",
            &format!("/repos/openstack/{repo}/git/commits/{sha}"),
            github_commit(sha),
        );
    }
    // requirements has no such branch; devstack has it elsewhere.
    api.on(
        "GET",
        "/repos/openstack/devstack/git/ref/heads/stable/2026.1",
        github_branch(200, "stable/2026.1", SHA_ELSEWHERE),
    );
    api.on(
        "POST",
        "/repos/openstack/requirements/git/refs",
        github_branch(201, "stable/2026.1", SHA_REQ),
    );
    let run = github_env(sb.relay("tag-from-request"), &api, "ghs_branch_token_0123")
        .args(["--request", "deliverables", "--keep-going", "--json"])
        .run()
        .expect_code(1);
    let out = run.json();
    let statuses: Vec<(&str, &str)> = out["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["repo"].as_str().unwrap(), b["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("openstack/requirements", "created"),
            ("openstack/devstack", "conflict")
        ]
    );
    let posts = api.requests_to("POST", "/repos/openstack/requirements/git/refs");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].json(),
        json!({"ref": "refs/heads/stable/2026.1", "sha": SHA_REQ})
    );
    assert!(
        api.requests_to("POST", "/repos/openstack/devstack/git/refs")
            .is_empty(),
        "an existing branch is not written to"
    );
    assert!(
        api.requests()
            .iter()
            .all(|r| r.method != "PATCH" && r.method != "DELETE")
    );
    assert!(
        run.stderr().contains(&format!(
            "openstack/devstack branch stable/2026.1: conflict (the remote's branch is on {SHA_ELSEWHERE})"
        )),
        "{}",
        run.stderr()
    );
}

/// GitLab's "Get single repository branch" / "Create repository branch" payload.
fn gitlab_branch(status: u16, name: &str, sha: &str) -> MockResponse {
    MockResponse::json(
        status,
        json!({"name": name, "merged": false, "protected": false, "default": false,
               "developers_can_push": false, "developers_can_merge": false, "can_push": true,
               "web_url": format!("https://gitlab.example.org/openstack/x/-/tree/{name}"),
               "commit": {"id": sha, "short_id": &sha[..8], "title": "change", "message": "change",
                          "author_name": "Dev", "author_email": "dev@example.org",
                          "created_at": "2026-01-15T12:00:00.000+00:00", "parent_ids": [],
                          "web_url": format!("https://gitlab.example.org/openstack/x/-/commit/{sha}")}}),
    )
}

#[test]
fn branches_through_the_gitlab_branches_api_are_made_where_absent_and_never_moved() {
    use crate::tag_from_request::gitlab_commit;
    let sb = Sandbox::new();
    tagless_branches(&sb);
    let api = MockApi::gitlab();
    for (repo, sha) in [("requirements", SHA_REQ), ("devstack", SHA_DEVSTACK)] {
        api.on(
            "GET",
            &format!("/api/v4/projects/openstack%2F{repo}/repository/commits/{sha}"),
            gitlab_commit(sha),
        );
    }
    api.on(
        "POST",
        "/api/v4/projects/openstack%2Frequirements/repository/branches",
        gitlab_branch(201, "stable/2026.1", SHA_REQ),
    );
    // devstack's branch appears between the preflight and the write, elsewhere.
    api.on(
        "POST",
        "/api/v4/projects/openstack%2Fdevstack/repository/branches",
        MockResponse::json(400, json!({"message": "Branch already exists"})),
    );
    let reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = reads.clone();
    api.handle(move |r| {
        (r.method == "GET"
            && r.path
                == "/api/v4/projects/openstack%2Fdevstack/repository/branches/stable%2F2026.1")
            .then(|| {
                if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    MockResponse::json(404, json!({"message": "404 Branch Not Found"}))
                } else {
                    gitlab_branch(200, "stable/2026.1", SHA_ELSEWHERE)
                }
            })
    });
    let token = "glpat-branches-0123";
    let run = sb
        .relay("tag-from-request")
        .args([
            "--forge",
            "gitlab",
            "--api-url",
            &format!("{}/api/v4", api.url()),
        ])
        .args(["--token", token, "--request", "deliverables", "--json"])
        .run()
        .expect_code(1);
    run.assert_hides(token);
    let out = run.json();
    assert_eq!(out["branches"][0]["status"], "created");
    assert_eq!(out["branches"][1]["status"], "conflict");
    assert_eq!(
        out["branches"][1]["detail"],
        format!("the remote's branch is on {SHA_ELSEWHERE} (made during this run)")
    );
    let created = api.requests_to(
        "POST",
        "/api/v4/projects/openstack%2Frequirements/repository/branches",
    );
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0].query,
        format!("branch=stable%2F2026.1&ref={SHA_REQ}")
    );
    assert!(
        api.requests()
            .iter()
            .all(|r| r.method != "PUT" && r.method != "DELETE")
    );
}

#[test]
fn a_token_gitlab_refuses_the_branch_api_is_told_to_have_read_api() {
    use crate::tag_from_request::gitlab_commit;
    let sb = Sandbox::new();
    tagless_branches(&sb);
    let api = MockApi::gitlab();
    for (repo, sha) in [("requirements", SHA_REQ), ("devstack", SHA_DEVSTACK)] {
        api.on(
            "GET",
            &format!("/api/v4/projects/openstack%2F{repo}/repository/commits/{sha}"),
            gitlab_commit(sha),
        );
        api.on(
            "GET",
            &format!("/api/v4/projects/openstack%2F{repo}/repository/branches/stable%2F2026.1"),
            MockResponse::json(403, json!({"message": "403 Forbidden"})),
        );
    }
    let run = sb
        .relay("tag-from-request")
        .args([
            "--forge",
            "gitlab",
            "--api-url",
            &format!("{}/api/v4", api.url()),
        ])
        .args([
            "--token",
            "glpat-git-only-0123",
            "--request",
            "deliverables",
            "--json",
        ])
        .run()
        .expect_code(1);
    let detail = run.json()["branches"][0]["detail"]
        .as_str()
        .unwrap()
        .to_string();
    // `read_repository` is Git over HTTP only: it opens no REST endpoint.
    assert_eq!(
        detail,
        "GET branch stable/2026.1 of openstack/requirements: 403 — the token lacks a \
         permission: read_api (403 Forbidden)"
    );
}

// --- The approval trail --------------------------------------------------------------

const SHA_API: &str = "3333333333333333333333333333333333333333";

/// A requests repository whose last commit (a merge) adds release 1.2.0 of acme/api;
/// returns (the commit before, the merge).
fn merged_request(sb: &Sandbox) -> (String, String) {
    let requests = sb.repo("releases");
    let file = "deliverables/2026.1/api.yaml";
    let entry = |v: &str| {
        format!(
            "  - version: {v}\n    projects:\n      - repo: acme/api\n        hash: {SHA_API}\n"
        )
    };
    let before = requests.commit(
        file,
        &format!("team: web\nreleases:\n{}", entry("1.1.0")),
        "api 1.1.0",
    );
    let merge = requests.commit(
        file,
        &format!("team: web\nreleases:\n{}{}", entry("1.1.0"), entry("1.2.0")),
        "Merge pull request #7 from jane/api-1.2.0",
    );
    (before, merge)
}

fn github_user(login: &str) -> serde_json::Value {
    json!({"login": login, "id": 1, "node_id": "U_1", "avatar_url": "https://avatars.githubusercontent.com/u/1",
           "gravatar_id": "", "url": format!("https://api.github.com/users/{login}"),
           "html_url": format!("https://github.com/{login}"), "followers_url": "https://api.github.com/x",
           "following_url": "https://api.github.com/x", "gists_url": "https://api.github.com/x",
           "starred_url": "https://api.github.com/x", "subscriptions_url": "https://api.github.com/x",
           "organizations_url": "https://api.github.com/x", "repos_url": "https://api.github.com/x",
           "events_url": "https://api.github.com/x", "received_events_url": "https://api.github.com/x",
           "type": "User", "site_admin": false})
}

/// A pull request as "List pull requests associated with a commit" and "Get a pull
/// request" return it (`merged_by` only in the latter).
fn github_pull(number: u64, merge_sha: &str, full: bool) -> serde_json::Value {
    let url = format!("https://api.github.com/repos/acme/releases/pulls/{number}");
    let branch = |name: &str, sha: &str| {
        json!({"label": format!("acme:{name}"), "ref": name, "sha": sha, "user": github_user("acme"),
               "repo": crate::common::github_shapes::repository("acme/releases", "main")})
    };
    let mut pull = json!({
        "url": url, "id": 70, "node_id": "PR_7", "html_url": format!("https://github.com/acme/releases/pull/{number}"),
        "diff_url": format!("https://github.com/acme/releases/pull/{number}.diff"),
        "patch_url": format!("https://github.com/acme/releases/pull/{number}.patch"),
        "issue_url": format!("https://api.github.com/repos/acme/releases/issues/{number}"),
        "commits_url": format!("{url}/commits"), "review_comments_url": format!("{url}/comments"),
        "review_comment_url": "https://api.github.com/repos/acme/releases/pulls/comments{/number}",
        "comments_url": format!("https://api.github.com/repos/acme/releases/issues/{number}/comments"),
        "statuses_url": format!("https://api.github.com/repos/acme/releases/statuses/{merge_sha}"),
        "number": number, "state": "closed", "locked": false, "title": "Release api 1.2.0",
        "user": github_user("jane"), "body": "Please release.", "labels": [], "milestone": null,
        "created_at": "2026-01-14T10:00:00Z", "updated_at": "2026-01-15T12:00:00Z",
        "closed_at": "2026-01-15T12:00:00Z", "merged_at": "2026-01-15T12:00:00Z",
        "merge_commit_sha": merge_sha, "assignee": null, "head": branch("api-1.2.0", SHA_API),
        "base": branch("main", SHA_API), "_links": {"self": {"href": url.clone()}, "html": {"href": format!("https://github.com/acme/releases/pull/{number}")},
                   "issue": {"href": format!("https://api.github.com/repos/acme/releases/issues/{number}")},
                   "comments": {"href": format!("https://api.github.com/repos/acme/releases/issues/{number}/comments")},
                   "review_comments": {"href": format!("{url}/comments")},
                   "review_comment": {"href": "https://api.github.com/repos/acme/releases/pulls/comments{/number}"},
                   "commits": {"href": format!("{url}/commits")},
                   "statuses": {"href": format!("https://api.github.com/repos/acme/releases/statuses/{merge_sha}")}},
        "author_association": "CONTRIBUTOR", "auto_merge": null});
    if full {
        for (key, value) in [
            ("merged", json!(true)),
            ("mergeable", json!(null)),
            ("mergeable_state", json!("unknown")),
            ("merged_by", github_user("rm")),
            ("comments", json!(0)),
            ("review_comments", json!(0)),
            ("maintainer_can_modify", json!(false)),
            ("commits", json!(1)),
            ("additions", json!(4)),
            ("deletions", json!(0)),
            ("changed_files", json!(1)),
        ] {
            pull[key] = value;
        }
    }
    pull
}

fn github_review(id: u64, login: &str, state: &str) -> serde_json::Value {
    json!({"id": id, "node_id": format!("PRR_{id}"), "user": github_user(login), "body": "",
           "state": state, "commit_id": SHA_API,
           "html_url": format!("https://github.com/acme/releases/pull/7#pullrequestreview-{id}"),
           "pull_request_url": "https://api.github.com/repos/acme/releases/pulls/7",
           "_links": {"html": {"href": "https://github.com/acme/releases/pull/7"},
                      "pull_request": {"href": "https://api.github.com/repos/acme/releases/pulls/7"}},
           "submitted_at": "2026-01-15T11:00:00Z", "author_association": "MEMBER"})
}

#[test]
fn approvals_on_github_come_from_the_pull_request_that_merged_the_request() {
    use crate::tag_from_request::{github_commit, github_env};
    let sb = Sandbox::new();
    let (before, merge) = merged_request(&sb);
    let api = MockApi::github();
    api.on(
        "GET",
        &format!("/repos/acme/releases/commits/{merge}/pulls"),
        MockResponse::json(200, json!([github_pull(7, &merge, false)])),
    );
    api.on(
        "GET",
        "/repos/acme/releases/pulls/7",
        MockResponse::json(200, github_pull(7, &merge, true)),
    );
    api.on(
        "GET",
        "/repos/acme/releases/pulls/7/reviews",
        MockResponse::json(
            200,
            json!([
                github_review(1, "ann", "APPROVED"),
                github_review(2, "bob", "CHANGES_REQUESTED"),
                github_review(3, "bob", "APPROVED"),
                github_review(4, "cid", "COMMENTED"),
            ]),
        ),
    );
    for (login, name) in [
        ("jane", json!("Jane Doe")),
        ("rm", json!(null)),
        ("ann", json!("Ann Lee")),
        ("bob", json!("Bob Roe")),
    ] {
        // "Get a user" answers a public-user: the profile fields beside the login.
        let mut profile = github_user(login);
        profile["name"] = name;
        for (key, value) in [
            ("company", json!(null)),
            ("blog", json!("")),
            ("location", json!(null)),
            ("email", json!(null)),
            ("hireable", json!(null)),
            ("bio", json!(null)),
            ("public_repos", json!(3)),
            ("public_gists", json!(0)),
            ("followers", json!(1)),
            ("following", json!(0)),
            ("created_at", json!("2020-01-01T00:00:00Z")),
            ("updated_at", json!("2026-01-01T00:00:00Z")),
        ] {
            profile[key] = value;
        }
        api.on(
            "GET",
            &format!("/users/{login}"),
            MockResponse::json(200, profile),
        );
    }
    api.on(
        "GET",
        &format!("/repos/acme/api/git/commits/{SHA_API}"),
        github_commit(SHA_API),
    );
    api.handle(|r| {
        (r.method == "POST" && r.path == "/repos/acme/api/git/tags").then(|| {
            MockResponse::json(
                201,
                json!({"node_id": "TAG_1", "tag": "1.2.0", "sha": "9999999999999999999999999999999999999999",
                       "url": "https://api.github.com/x", "message": r.json()["message"],
                       "tagger": {"name": "bot", "email": "bot@example.org", "date": "2026-01-15T12:00:00Z"},
                       "object": {"type": "commit", "sha": SHA_API, "url": "https://api.github.com/x"},
                       "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}}),
            )
        })
    });
    api.on(
        "POST",
        "/repos/acme/api/git/refs",
        MockResponse::json(201, json!({"ref": "refs/tags/1.2.0", "node_id": "REF_1", "url": "https://api.github.com/x",
            "object": {"type": "tag", "sha": "9999999999999999999999999999999999999999", "url": "https://api.github.com/x"}})),
    );
    let run = github_env(sb.relay("tag-from-request"), &api, "ghs_approvals_0123")
        .env("GITHUB_REPOSITORY", "acme/releases")
        .current_dir(sb.path().join("releases"))
        .args([
            "--request",
            "deliverables",
            "--changed-since",
            before.as_str(),
            "--approvals",
            "--json",
        ])
        .run()
        .success();
    let posted = api.requests_to("POST", "/repos/acme/api/git/tags");
    assert_eq!(
        posted[0].json()["message"],
        "api 1.2.0 release\n\nmeta:version: 1.2.0\nmeta:team: web\nmeta:diff-start: -\nmeta:series: 2026.1\n\
         meta:branch: -\nmeta:release-type: release\nmeta:pypi: no\nmeta:first: no\n\
         meta:release:Author: Jane Doe (@jane)\nmeta:release:Merged-By: @rm\n\
         meta:release:Approved-By: Ann Lee (@ann)\nmeta:release:Approved-By: Bob Roe (@bob)\n\
         meta:release:Change-Request: https://github.com/acme/releases/pull/7\n"
    );
    assert_eq!(
        run.json()["tags"][0]["message"],
        posted[0].json()["message"]
    );
    // One look-up of the merge's pull request, however many tags it brought.
    assert_eq!(
        api.requests_to(
            "GET",
            &format!("/repos/acme/releases/commits/{merge}/pulls")
        )
        .len(),
        1
    );
}

#[test]
fn approvals_the_token_may_not_read_stop_the_run_before_any_write() {
    let sb = Sandbox::new();
    let (before, merge) = merged_request(&sb);
    let api = MockApi::github();
    api.on(
        "GET",
        &format!("/repos/acme/releases/commits/{merge}/pulls"),
        MockResponse::json(403, json!({"message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit",
            "status": "403"})),
    );
    let run = crate::tag_from_request::github_env(
        sb.relay("tag-from-request"),
        &api,
        "ghs_approvals_0123",
    )
    .current_dir(sb.path().join("releases"))
    .args([
        "--request",
        "deliverables",
        "--changed-since",
        before.as_str(),
        "--approvals",
    ])
    .args(["--requests-repo", "acme/releases"])
    .run()
    .expect_code(1);
    assert!(
        run.stderr().contains(&format!(
            "error: tagging from the release request: reading the approval trail of commit {merge} of acme/releases: \
             GET pull requests of commit {merge} in acme/releases: 403 — the token lacks a permission: \
             `pull-requests: read` and `contents: read`"
        )),
        "{}",
        run.stderr()
    );
    assert!(
        api.requests().iter().all(|r| r.method == "GET"),
        "nothing written"
    );

    // Without a forge API there is no trail to read.
    let run = sb
        .relay("tag-from-request")
        .current_dir(sb.path().join("releases"))
        .args(["--forge", "git", "--request", "deliverables", "--approvals"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr().contains(
            "--approvals reads the pull or merge request through the forge's API: give --forge github or --forge gitlab"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn approvals_on_gitlab_come_from_the_merge_request_and_its_approvals() {
    use crate::tag_from_request::gitlab_commit;
    let sb = Sandbox::new();
    let (before, merge) = merged_request(&sb);
    let api = MockApi::gitlab();
    let user = |username: &str, name: &str| {
        json!({"id": 1, "username": username, "name": name, "state": "active",
               "avatar_url": null, "web_url": format!("https://gitlab.example.org/{username}")})
    };
    api.on(
        "GET",
        &format!("/api/v4/projects/acme%2Freleases/repository/commits/{merge}/merge_requests"),
        MockResponse::json(200, json!([{
            "id": 30, "iid": 3, "project_id": 5, "title": "Release api 1.2.0", "description": "",
            "state": "merged", "created_at": "2026-01-14T10:00:00.000Z", "updated_at": "2026-01-15T12:00:00.000Z",
            "merged_at": "2026-01-15T12:00:00.000Z", "target_branch": "main", "source_branch": "api-1.2.0",
            "author": user("jane", "Jane Doe"), "merge_user": user("rm", "Release Manager"),
            "merged_by": user("rm", "Release Manager"), "sha": SHA_API, "merge_commit_sha": merge,
            "squash_commit_sha": null, "web_url": "https://gitlab.example.org/acme/releases/-/merge_requests/3"}])),
    );
    api.on(
        "GET",
        "/api/v4/projects/acme%2Freleases/merge_requests/3/approvals",
        MockResponse::json(
            200,
            json!({"id": 30, "iid": 3, "project_id": 5, "approved": true,
            "approvals_required": 1, "approvals_left": 0,
            "approved_by": [{"user": user("ann", "Ann Lee")}]}),
        ),
    );
    api.on(
        "GET",
        &format!("/api/v4/projects/acme%2Fapi/repository/commits/{SHA_API}"),
        gitlab_commit(SHA_API),
    );
    api.on(
        "POST",
        "/api/v4/projects/acme%2Fapi/repository/tags",
        MockResponse::json(
            201,
            json!({"name": "1.2.0", "message": "m", "target": SHA_API,
            "commit": {"id": SHA_API}, "release": null, "protected": false}),
        ),
    );
    sb.relay("tag-from-request")
        .current_dir(sb.path().join("releases"))
        .env("CI_PROJECT_PATH", "acme/releases")
        .args([
            "--forge",
            "gitlab",
            "--api-url",
            &format!("{}/api/v4", api.url()),
            "--token",
            "glpat-trail-0123",
        ])
        .args([
            "--request",
            "deliverables",
            "--changed-since",
            before.as_str(),
            "--approvals",
        ])
        .run()
        .success();
    let posted = api.requests_to("POST", "/api/v4/projects/acme%2Fapi/repository/tags");
    let message = posted[0].json()["message"].as_str().unwrap().to_string();
    assert!(
        message.ends_with(
            "meta:first: no\nmeta:release:Author: Jane Doe (@jane)\nmeta:release:Merged-By: Release Manager (@rm)\n\
             meta:release:Approved-By: Ann Lee (@ann)\n\
             meta:release:Change-Request: https://gitlab.example.org/acme/releases/-/merge_requests/3\n"
        ),
        "{message}"
    );
}

#[test]
fn a_commit_without_a_pull_request_is_tagged_without_a_trail_and_says_so() {
    use crate::tag_from_request::{github_commit, github_env};
    let sb = Sandbox::new();
    let (before, merge) = merged_request(&sb);
    let api = MockApi::github();
    api.on(
        "GET",
        &format!("/repos/acme/releases/commits/{merge}/pulls"),
        MockResponse::json(200, json!([])),
    );
    api.on(
        "GET",
        &format!("/repos/acme/api/git/commits/{SHA_API}"),
        github_commit(SHA_API),
    );
    let run = github_env(sb.relay("tag-from-request"), &api, "ghs_approvals_0123")
        .env("GITHUB_REPOSITORY", "acme/releases")
        .current_dir(sb.path().join("releases"))
        .args([
            "--request",
            "deliverables",
            "--changed-since",
            before.as_str(),
        ])
        .args(["--approvals", "--dry-run", "--json"])
        .run()
        .success();
    assert!(
        run.stderr().contains(&format!(
            "warning: commit {merge} of acme/releases came without a pull or merge request: the tags it brought carry no approval trail"
        )),
        "{}",
        run.stderr()
    );
    let message = run.json()["tags"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.ends_with("meta:first: no\n"), "{message}");
}
