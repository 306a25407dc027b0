//! The five reference flows of release-relay, end to end, each wired the way a team
//! wires it: real binaries, scratch repositories on a git server on 127.0.0.1, the
//! forge API played by the mock where one is needed, and every value passed from one
//! step to the next the way a pipeline passes it — parsed from the previous step's
//! `$GITHUB_OUTPUT` file or GitLab dotenv report, never taken from the test's own
//! knowledge.

use crate::common;

use crate::common::outputs::{dotenv_value, parse_dotenv, parse_github_output};
use crate::common::{GitServer, Sandbox};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Runs `relay` as a GitHub Actions step: a fresh `$GITHUB_OUTPUT` file, parsed after
/// the step as the runner parses it.
fn github_step(
    sb: &Sandbox,
    step: &str,
    relay: common::Relay,
) -> (common::Run, BTreeMap<String, String>) {
    let file = sb.path().join(format!("github_output.{step}"));
    std::fs::write(&file, "").unwrap();
    let run = relay.env("GITHUB_OUTPUT", &file).run();
    let outputs = parse_github_output(&std::fs::read_to_string(&file).unwrap());
    (run, outputs)
}

/// Runs `relay` as a GitLab job with a dotenv report, parsed as GitLab parses it for the
/// jobs that follow (multi-line values followed to their side file).
fn gitlab_job(
    sb: &Sandbox,
    job: &str,
    relay: common::Relay,
) -> (common::Run, BTreeMap<String, String>) {
    let file = sb.path().join(format!("{job}.env"));
    let run = relay.args(["--dotenv"]).args([&file]).run();
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let raw = parse_dotenv(&text);
    let vars = raw
        .keys()
        .map(|k| (k.clone(), dotenv_value(&raw, k)))
        .collect();
    (run, vars)
}

/// `name` → peeled commit of every tag of a bare repository.
fn remote_tags(sb: &Sandbox, bare: &Path) -> BTreeMap<String, String> {
    let out = sb.git_in(
        bare,
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
            (name.to_string(), oids[..40].to_string())
        })
        .collect()
}

/// Component repositories of one project on a git server: each with a first commit
/// and a release-ready second one on main.
struct Components<'a> {
    sb: &'a Sandbox,
    server: GitServer,
    heads: BTreeMap<String, Vec<String>>,
}

impl<'a> Components<'a> {
    fn new(sb: &'a Sandbox, names: &[&str]) -> Components<'a> {
        for name in names {
            sb.bare_repo(&format!("srv/acme/{name}.git"));
        }
        let server = GitServer::start(&sb.path().join("srv"));
        let mut heads = BTreeMap::new();
        for name in names {
            let work = sb.clone_of(
                &server.url(&format!("acme/{name}.git")),
                &format!("dev/{name}"),
                &[],
            );
            let first = work.commit("README.md", &format!("# {name}\n"), "feat: first version");
            let second = work.commit("src.txt", &format!("{name} v2\n"), "fix: make it work");
            work.git(["push", "-q", "origin", "HEAD:main"]);
            heads.insert(name.to_string(), vec![first, second]);
        }
        Components { sb, server, heads }
    }

    fn sha(&self, name: &str, n: usize) -> String {
        self.heads[name][n].clone()
    }

    fn bare(&self, name: &str) -> PathBuf {
        self.sb.path().join(format!("srv/acme/{name}.git"))
    }

    fn tags(&self, name: &str) -> BTreeMap<String, String> {
        remote_tags(self.sb, &self.bare(name))
    }
}

// ---------------------------------------------------------------------------------------
// Flow 1: a release request. A team member merges a release entry into the requests
// repository; the post-merge job tags every listed repository; each repository's own
// tag pipeline reads the tag's metadata and decides what the release does.

/// What a component's tag pipeline does, decided only from read-tag-metadata's
/// outputs — the `if:` conditions of examples/github/tag-pipeline.yml.
fn tag_pipeline_jobs(meta: &BTreeMap<String, String>) -> Vec<String> {
    let mut jobs = vec![format!(
        "build {} for series {}",
        meta["tag"], meta["series"]
    )];
    let release_type = meta["release-type"].as_str();
    let pypi = meta.get("pypi").map(String::as_str) == Some("yes");
    match (release_type, pypi) {
        ("release", true) => jobs.push("upload to PyPI".into()),
        ("release candidate", true) => jobs.push("upload to TestPyPI".into()),
        ("release", false) => jobs.push("publish the release page".into()),
        _ => jobs.push("no upload".into()),
    }
    if release_type == "release candidate" {
        jobs.push(format!("create branch stable/{}", meta["series"]));
    }
    jobs
}

/// The requirements repository of flow 1: `upper-constraints.txt` on main, served over
/// smart HTTP with the token, and its pull requests on the GitHub mock.
struct Requirements {
    bare: PathBuf,
    server: common::HttpGitServer,
    api: common::MockApi,
    pulls: common::change_requests::ChangeRequests,
}

const REQUIREMENTS_TOKEN: &str = "ghp_CONSTRAINTS_SECRET_0123";

/// OpenStack's shape: `name===version` lines, a marker, a comment line.
const UPPER_CONSTRAINTS: &str = "# the versions every project is tested with\n\
    acme.api===1.0.0\n\
    Acme_Worker===1.0.0;python_version>='3.9'\n\
    pbr===6.1.0\n";

impl Requirements {
    fn new(sb: &Sandbox) -> Requirements {
        let bare = sb.bare_repo("srv/acme/requirements.git");
        let seed = sb.repo("requirements-seed");
        seed.commit("upper-constraints.txt", UPPER_CONSTRAINTS, "constraints");
        seed.git(["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"]);
        let server = common::HttpGitServer::start(
            &sb.path().join("srv"),
            Some(("x-access-token", REQUIREMENTS_TOKEN)),
        );
        let api = common::MockApi::github();
        let pulls =
            common::change_requests::ChangeRequests::github(&api, "acme/requirements", "main");
        Requirements {
            bare,
            server,
            api,
            pulls,
        }
    }

    /// The tag pipeline's `propose-update-constraints` job: a checkout of the
    /// requirements repository at the tag's `meta:branch`, the constraint set to the
    /// tag's version, proposed with the tag's metadata in the commit message.
    fn propose_update(&self, sb: &Sandbox, package: &str, meta: &BTreeMap<String, String>) {
        let branch = &meta["branch"];
        let checkout = sb.clone_of(
            self.bare.to_str().unwrap(),
            &format!("ci/requirements-{package}"),
            &["--branch", branch],
        );
        checkout.git([
            "remote",
            "set-url",
            "origin",
            &self.server.url("acme/requirements.git"),
        ]);
        let (run, bumped) = github_step(
            sb,
            &format!("constraints-{package}"),
            sb.relay("bump-versions")
                .current_dir(checkout.path())
                .args(["--version", &meta["version"]])
                .args(["--file", &format!("upper-constraints.txt:{package}")]),
        );
        run.success();
        assert_eq!(bumped["changed-files"], "[\"upper-constraints.txt\"]");
        let title = format!(
            "update constraint for {package} to new release {}",
            meta["version"]
        );
        let metadata: Vec<&str> = meta["message"]
            .lines()
            .filter(|l| l.starts_with("meta:"))
            .collect();
        let (run, proposed) = github_step(
            sb,
            &format!("propose-{package}"),
            sb.relay("propose-change")
                .current_dir(checkout.path())
                .args(["--forge", "github", "--api-url", &self.api.url()])
                .args(["--repo", "acme/requirements", "--base", branch])
                .args(["--branch", &format!("relay/constraints/{package}")])
                .args(["--title", &title])
                .args([
                    "--commit-message",
                    &format!("{title}\n\n{}", metadata.join("\n")),
                ])
                .env("GITHUB_TOKEN", REQUIREMENTS_TOKEN),
        );
        run.success().assert_hides(REQUIREMENTS_TOKEN);
        assert_eq!(proposed["action"], "created");
    }

    fn branch(&self, sb: &Sandbox, package: &str, what: &str) -> String {
        sb.git_in(
            &self.bare,
            ["show", &format!("relay/constraints/{package}:{what}")],
        )
    }
}

#[test]
fn flow_1_a_merged_release_request_tags_every_repo_and_each_tag_pipeline_branches_on_its_metadata()
{
    let sb = Sandbox::new();
    let c = Components::new(&sb, &["api", "worker", "cli"]);

    // The requests repository, as it was before the merge: api and worker at 1.0.0.
    let requests = sb.repo("requests");
    let before_entry = format!(
        "branch: main\nmetadata:\n  pypi: yes\nreleases:\n\
         \x20 - version: 1.0.0\n    projects:\n\
         \x20     - repo: acme/api\n        hash: {}\n\
         \x20     - repo: acme/worker\n        hash: {}\n",
        c.sha("api", 0),
        c.sha("worker", 0)
    );
    requests.commit("deliverables/2026.1/x.yaml", &before_entry, "x 1.0.0");
    requests.commit(
        "deliverables/2026.1/cli.yaml",
        &format!(
            "releases:\n  - version: 0.9.0\n    projects:\n      - repo: acme/cli\n        hash: {}\n",
            c.sha("cli", 0)
        ),
        "cli 0.9.0",
    );
    let before = requests.git(["rev-parse", "HEAD"]);

    // The merged change: x 1.1.0 for api and worker, and a release candidate of cli
    // (a file without pypi metadata).
    requests.commit(
        "deliverables/2026.1/x.yaml",
        &format!(
            "{before_entry}  - version: 1.1.0\n    projects:\n\
             \x20     - repo: acme/api\n        hash: {}\n\
             \x20     - repo: acme/worker\n        hash: {}\n",
            c.sha("api", 1),
            c.sha("worker", 1)
        ),
        "x 1.1.0",
    );
    requests.commit(
        "deliverables/2026.1/cli.yaml",
        &format!(
            "releases:\n  - version: 0.9.0\n    projects:\n      - repo: acme/cli\n        hash: {}\n\
             \x20 - version: 1.0.0rc1\n    projects:\n      - repo: acme/cli\n        hash: {}\n",
            c.sha("cli", 0),
            c.sha("cli", 1)
        ),
        "cli 1.0.0rc1",
    );

    // The post-merge job (`changed-since: ${{ github.event.before }}`).
    let (run, out) = github_step(
        &sb,
        "tag",
        sb.relay("tag-from-request")
            .current_dir(requests.path())
            .args([
                "--forge",
                "git",
                "--remote-url-template",
                &c.server.url_template(),
            ])
            .args(["--request", "deliverables", "--changed-since", &before]),
    );
    run.success();
    assert_eq!(out["created"], "3");
    assert_eq!(out["failed"], "0");
    let tags: Vec<serde_json::Value> = serde_json::from_str(&out["tags"]).unwrap();
    // Every listed repository got its tag on the requested commit; nothing older.
    assert_eq!(
        c.tags("api"),
        BTreeMap::from([("1.1.0".into(), c.sha("api", 1))])
    );
    assert_eq!(
        c.tags("worker"),
        BTreeMap::from([("1.1.0".into(), c.sha("worker", 1))])
    );
    assert_eq!(
        c.tags("cli"),
        BTreeMap::from([("1.0.0rc1".into(), c.sha("cli", 1))])
    );

    // Each tag push starts that repository's tag pipeline: a checkout of the tag, as
    // actions/checkout leaves it (a lightweight tag of the same name, the annotated
    // one on origin), then read-tag-metadata, then the jobs its outputs select.
    let requirements = Requirements::new(&sb);
    let mut decided = BTreeMap::new();
    for tag in &tags {
        let repo = tag["repo"].as_str().unwrap();
        let name = repo.strip_prefix("acme/").unwrap();
        let tag_name = tag["tag"].as_str().unwrap();
        let checkout = sb.clone_of(
            &c.server.url(&format!("{repo}.git")),
            &format!("ci/{name}"),
            &["--no-tags"],
        );
        checkout.git([
            "fetch",
            "-q",
            "--no-tags",
            "origin",
            tag["commit"].as_str().unwrap(),
        ]);
        checkout.git(["tag", tag_name, "FETCH_HEAD"]);
        let read = sb
            .relay("read-tag-metadata")
            .current_dir(checkout.path())
            .args(["--remote", "origin", "--require", "series,release-type"]);
        // cli builds on GitLab: its later jobs get the metadata from a dotenv report.
        let (run, meta) = if name == "cli" {
            let (run, vars) = gitlab_job(&sb, "meta-cli", read.env("CI_COMMIT_TAG", tag_name));
            let kebab = vars
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase().replace('_', "-"), v))
                .collect();
            (run, kebab)
        } else {
            github_step(
                &sb,
                &format!("meta-{name}"),
                read.env("GITHUB_REF_NAME", tag_name)
                    .env("GITHUB_REF_TYPE", "tag"),
            )
        };
        run.success();
        assert_eq!(meta["commit"], tag["commit"].as_str().unwrap());
        let jobs = tag_pipeline_jobs(&meta);
        // A release on PyPI is then the version every project is tested with.
        if jobs.iter().any(|j| j == "upload to PyPI") {
            requirements.propose_update(&sb, &format!("acme-{name}"), &meta);
        }
        decided.insert(name.to_string(), jobs);
    }
    assert_eq!(
        decided,
        BTreeMap::from([
            (
                "api".to_string(),
                vec![
                    "build 1.1.0 for series 2026.1".to_string(),
                    "upload to PyPI".into()
                ]
            ),
            (
                "worker".to_string(),
                vec![
                    "build 1.1.0 for series 2026.1".to_string(),
                    "upload to PyPI".into()
                ]
            ),
            (
                "cli".to_string(),
                vec![
                    "build 1.0.0rc1 for series 2026.1".to_string(),
                    "no upload".into(),
                    "create branch stable/2026.1".into()
                ]
            ),
        ])
    );

    // One change per released package, each on the requirements repository's
    // `meta:branch`, changing only that package's version, its marker and the
    // others kept; the commit carries the tag's metadata, as OpenStack's job does.
    let pulls = requirements.pulls.all();
    let titles: Vec<&str> = pulls.iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "update constraint for acme-api to new release 1.1.0",
            "update constraint for acme-worker to new release 1.1.0"
        ]
    );
    assert!(
        pulls.iter().all(|p| p["base"]["ref"] == "main"),
        "{pulls:?}"
    );
    assert_eq!(
        requirements.branch(&sb, "acme-api", "upper-constraints.txt"),
        UPPER_CONSTRAINTS
            .replace("acme.api===1.0.0", "acme.api===1.1.0")
            .trim_end()
    );
    assert_eq!(
        requirements.branch(&sb, "acme-worker", "upper-constraints.txt"),
        UPPER_CONSTRAINTS
            .replace("Acme_Worker===1.0.0", "Acme_Worker===1.1.0")
            .trim_end()
    );
    let commit = sb.git_in(
        &requirements.bare,
        ["log", "-1", "--format=%B", "relay/constraints/acme-api"],
    );
    assert!(
        commit.starts_with("update constraint for acme-api to new release 1.1.0\n\n"),
        "{commit}"
    );
    for line in [
        "meta:version: 1.1.0",
        "meta:series: 2026.1",
        "meta:branch: main",
        "meta:pypi: yes",
    ] {
        assert!(commit.lines().any(|l| l == line), "{line} in {commit}");
    }
}

// ---------------------------------------------------------------------------------------
// Flow 4: auto-update. An hourly job pins the newest green commit of a dependency
// (acme/gitaly) in a consumer repository (acme/gitlab) through one pull request that
// merges itself: find-green-commit → bump-versions → propose-change --auto-merge.

mod auto_update {
    use super::*;
    use common::change_requests::ChangeRequests;
    use common::github_shapes as gh;
    use common::pages::{self, github_pages};
    use common::{HttpGitServer, MockApi, MockResponse};

    pub const TOKEN: &str = "ghp_AUTO_UPDATE_SECRET_0123";
    pub const DEPENDENCY: &str = "acme/gitaly";

    /// GitHub's view of the dependency: its newest commits (newest first), each with
    /// one check run `test` of the given conclusion. A fresh mock per hour of the job.
    pub fn dependency_api(commits: &[(&str, &str)]) -> MockApi {
        let api = MockApi::github();
        api.on(
            "GET",
            &format!("/repos/{DEPENDENCY}"),
            MockResponse::json(200, gh::full_repository(DEPENDENCY, "main")),
        );
        let items = commits
            .iter()
            .map(|(sha, _)| gh::commit(DEPENDENCY, sha, "change", &[]))
            .collect();
        github_pages(
            &api,
            &format!("/repos/{DEPENDENCY}/commits"),
            items,
            100,
            pages::array,
        );
        for (sha, conclusion) in commits {
            let run = gh::check_run(DEPENDENCY, 4, sha, "test", "completed", Some(conclusion));
            github_pages(
                &api,
                &format!("/repos/{DEPENDENCY}/commits/{sha}/check-runs"),
                vec![run],
                100,
                pages::counted("check_runs"),
            );
            let sha_owned = sha.to_string();
            common::pages::github_pages_without_link(
                &api,
                &format!("/repos/{DEPENDENCY}/commits/{sha}/status"),
                vec![],
                100,
                move |page, total| gh::combined_status(DEPENDENCY, &sha_owned, page, total),
            );
        }
        api
    }

    /// The consumer repository on a smart-HTTP server that demands the token.
    pub struct Consumer {
        pub bare: PathBuf,
        pub server: HttpGitServer,
    }

    impl Consumer {
        pub fn new(sb: &Sandbox, pinned: &str) -> Consumer {
            let bare = sb.bare_repo("srv/acme/gitlab.git");
            let seed = sb.repo("seed");
            seed.commit("README.md", "# gitlab\n", "initial");
            seed.commit(
                "GITALY_SERVER_VERSION",
                &format!("{pinned}\n"),
                "pin gitaly",
            );
            seed.git(["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"]);
            let server =
                HttpGitServer::start(&sb.path().join("srv"), Some(("x-access-token", TOKEN)));
            Consumer { bare, server }
        }

        /// The scheduled job: a fresh checkout, then the three steps, each reading the
        /// previous step's outputs. Returns propose-change's outputs.
        pub fn hourly_job(
            &self,
            sb: &Sandbox,
            hour: &str,
            dependency: &MockApi,
            forge: &MockApi,
        ) -> BTreeMap<String, String> {
            let checkout = sb.clone_of(self.bare.to_str().unwrap(), &format!("ci-{hour}"), &[]);
            checkout.git([
                "remote",
                "set-url",
                "origin",
                &self.server.url("acme/gitlab.git"),
            ]);
            let pinned =
                std::fs::read_to_string(checkout.path().join("GITALY_SERVER_VERSION")).unwrap();

            let (run, green) = github_step(
                sb,
                &format!("green-{hour}"),
                sb.relay("find-green-commit")
                    .current_dir(checkout.path())
                    .args([
                        "--forge",
                        "github",
                        "--api-url",
                        &dependency.url(),
                        "--repo",
                        DEPENDENCY,
                    ])
                    .args(["--require-job", "test", "--min-commit", pinned.trim()])
                    .env("GITHUB_TOKEN", TOKEN),
            );
            run.success();

            let (run, bumped) = github_step(
                sb,
                &format!("bump-{hour}"),
                sb.relay("bump-versions")
                    .current_dir(checkout.path())
                    .args([
                        "--version",
                        &green["commit"],
                        "--file",
                        "GITALY_SERVER_VERSION",
                    ]),
            );
            run.success();
            assert_eq!(
                bumped["changed-files"],
                if green["commit"] == pinned.trim() {
                    "[]"
                } else {
                    "[\"GITALY_SERVER_VERSION\"]"
                }
            );

            let (run, proposed) = github_step(
                sb,
                &format!("propose-{hour}"),
                sb.relay("propose-change")
                    .current_dir(checkout.path())
                    .args([
                        "--forge",
                        "github",
                        "--api-url",
                        &forge.url(),
                        "--repo",
                        "acme/gitlab",
                    ])
                    .args(["--branch", "relay/gitaly-update", "--auto-merge"])
                    .args([
                        "--title",
                        &format!("Update Gitaly version to {}", green["short"]),
                    ])
                    .env("GITHUB_TOKEN", TOKEN),
            );
            let run = run.success();
            run.assert_hides(TOKEN);
            proposed
        }

        pub fn branch_file(&self, sb: &Sandbox) -> String {
            sb.git_in(
                &self.bare,
                ["show", "relay/gitaly-update:GITALY_SERVER_VERSION"],
            )
        }
    }

    pub fn pull_requests(api: &MockApi) -> ChangeRequests {
        ChangeRequests::github(api, "acme/gitlab", "main")
    }
}

#[test]
fn flow_4_auto_update_pins_the_newest_green_commit_through_one_self_merging_pull_request() {
    use auto_update::*;
    let sb = Sandbox::new();
    let (old, red, green, newer) = (
        "a".repeat(40),
        "d".repeat(40),
        "b".repeat(40),
        "c".repeat(40),
    );
    let consumer = Consumer::new(&sb, &old);
    let forge = common::MockApi::github();
    let pulls = pull_requests(&forge);

    // Hour 1: the newest commit failed its tests; the one before is green.
    let hour1 = dependency_api(&[(&red, "failure"), (&green, "success"), (&old, "success")]);
    let out = consumer.hourly_job(&sb, "1", &hour1, &forge);
    assert_eq!(out["action"], "created");
    assert_eq!(out["number"], "1");
    assert_eq!(consumer.branch_file(&sb), green);
    assert_eq!(pulls.all().len(), 1);
    assert_eq!(pulls.all()[0]["title"], "Update Gitaly version to bbbbbbb");
    assert_eq!(
        forge.requests_to("POST", "/graphql").len(),
        1,
        "auto-merge set once"
    );

    // Hour 2: nothing new is green. The same bump is already proposed: nothing written.
    let writes = forge
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    let hour2 = dependency_api(&[(&red, "failure"), (&green, "success"), (&old, "success")]);
    let out = consumer.hourly_job(&sb, "2", &hour2, &forge);
    assert_eq!(out["action"], "unchanged");
    assert_eq!(out["number"], "1");
    assert_eq!(
        forge
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .count(),
        writes
    );

    // Hour 3: a newer commit passed. The same pull request now pins it.
    let hour3 = dependency_api(&[
        (&newer, "success"),
        (&red, "failure"),
        (&green, "success"),
        (&old, "success"),
    ]);
    let out = consumer.hourly_job(&sb, "3", &hour3, &forge);
    assert_eq!(out["action"], "updated");
    assert_eq!(out["number"], "1");
    assert_eq!(consumer.branch_file(&sb), newer);
    assert_eq!(pulls.all().len(), 1, "never a second pull request");
    assert_eq!(pulls.all()[0]["title"], "Update Gitaly version to ccccccc");
}

// ---------------------------------------------------------------------------------------
// Flows 3 and 5 share a tool repository (acme/tool) on the git server, its GitHub
// release API (tests/common/github_releases.rs) and its links.

mod toolchain {
    use super::*;
    use common::github_releases::FakeGitHub;

    pub const TOKEN: &str = "ghp_TOOLCHAIN_SECRET_0123";

    pub const LINKS_CONFIG: &str = "[links]\naliases = [\"{major}.{minor}\", \"latest\"]\n\n\
        [[links.map]]\npath = \"links.json\"\nname = \"tool/{alias}/{aliased-asset}\"\n\n\
        [links.tags]\ntarget = \"v{version}\"\nnames = [\"v{major}\", \"latest\"]\n";

    /// acme/tool released as 1.1.0 (with its floating tags and links), and the
    /// commit of 1.2.0 on main. Returns (server, release checkout, the 1.1.0 commit).
    pub fn tool_repo(sb: &Sandbox) -> (GitServer, common::Repo<'_>, String) {
        sb.bare_repo("srv/acme/tool.git");
        let server = GitServer::start(&sb.path().join("srv"));
        let dev = sb.clone_of(&server.url("acme/tool.git"), "dev", &[]);
        dev.commit("relay.toml", LINKS_CONFIG, "build: links");
        dev.commit(
            "links.json",
            "{\n  \"tool/1.1/tool-1.1-linux.tar.gz\": \"https://github.com/acme/tool/releases/download/v1.1.0/tool-1.1.0-linux.tar.gz\",\n  \"tool/latest/tool-latest-linux.tar.gz\": \"https://github.com/acme/tool/releases/download/v1.1.0/tool-1.1.0-linux.tar.gz\"\n}\n",
            "docs: links",
        );
        let old = dev.commit("VERSION", "1.1.0\n", "chore: release 1.1.0");
        dev.tag_annotated("v1.1.0", "tool 1.1.0");
        dev.tag_lightweight("v1");
        dev.tag_lightweight("latest");
        dev.commit("VERSION", "1.2.0\n", "chore: release 1.2.0");
        dev.git(["push", "-q", "origin", "HEAD:main", "--tags"]);
        let checkout = sb.clone_of(&server.url("acme/tool.git"), "release", &[]);
        (server, checkout, old)
    }

    pub fn tags(sb: &Sandbox) -> BTreeMap<String, String> {
        remote_tags(sb, &sb.path().join("srv/acme/tool.git"))
    }

    pub fn github(sb: &Sandbox, gh: &FakeGitHub, tool: &str) -> common::Relay {
        sb.relay(tool)
            .args([
                "--forge",
                "github",
                "--api-url",
                &gh.api.url(),
                "--repo",
                "acme/tool",
            ])
            .env("GITHUB_TOKEN", TOKEN)
    }
}

#[test]
fn flow_3_a_toolchain_release_checks_tags_publishes_moves_every_alias_and_comments() {
    use common::archive::sha256_hex;
    use common::github_releases::FakeGitHub;
    use common::issue_comments::IssueComments;
    use toolchain::*;
    let sb = Sandbox::new();
    let (_server, checkout, old) = tool_repo(&sb);
    let dir = checkout.path();

    // Version check: the release commit must say 1.2.0 before anything is tagged.
    let (run, _) = github_step(
        &sb,
        "check",
        sb.relay("bump-versions").current_dir(dir).args([
            "--version",
            "1.2.0",
            "--file",
            "VERSION",
            "--check",
        ]),
    );
    run.success();
    let (run, _) = github_step(
        &sb,
        "check-wrong",
        sb.relay("bump-versions").current_dir(dir).args([
            "--version",
            "1.3.0",
            "--file",
            "VERSION",
            "--check",
        ]),
    );
    run.expect_code(1);

    // Tag: the release tag on the checked commit.
    let commit = checkout.git(["rev-parse", "HEAD"]);
    checkout.tag_annotated("v1.2.0", "tool 1.2.0");
    checkout.git(["push", "-q", "origin", "v1.2.0"]);
    let tag_name = "v1.2.0"; // GITHUB_REF_NAME of the tag pipeline
    let version = tag_name.strip_prefix('v').unwrap();

    // Publish with the built files and their checksums.
    let gh = FakeGitHub::for_tag(tag_name, &commit);
    let comments = IssueComments::github(&gh.api, "acme/tool");
    sb.write("release/dist/tool-1.2.0-linux.tar.gz", "linux build\n");
    sb.write("release/dist/tool-1.2.0-macos.tar.gz", "macos build\n");
    let (run, published) = github_step(
        &sb,
        "publish",
        github(&sb, &gh, "publish-release").current_dir(dir).args([
            "--tag",
            tag_name,
            "--asset",
            "dist/*.tar.gz",
            "--checksums",
            "sha256",
        ]),
    );
    run.success().assert_hides(TOKEN);
    let release = &gh.releases()[0];
    assert!(!release.draft);
    let names: Vec<&str> = release.assets.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "tool-1.2.0-linux.tar.gz",
            "tool-1.2.0-macos.tar.gz",
            "SHA256SUMS"
        ]
    );
    assert_eq!(
        String::from_utf8(release.assets[2].bytes.clone()).unwrap(),
        format!(
            "{}  tool-1.2.0-linux.tar.gz\n{}  tool-1.2.0-macos.tar.gz\n",
            sha256_hex(b"linux build\n"),
            sha256_hex(b"macos build\n")
        )
    );

    // Every floating alias of every asset: the links map from publish-release's
    // `assets` output, and the floating tags.
    sb.write("assets.json", &published["assets"]);
    let (run, links) = github_step(
        &sb,
        "links",
        sb.relay("update-links")
            .current_dir(dir)
            .args(["--version", version, "--manifest"])
            .args([sb.path().join("assets.json")]),
    );
    run.success();
    assert_eq!(links["unchanged"], "0");
    let dl = "https://github.com/acme/tool/releases/download/v";
    assert_eq!(
        std::fs::read_to_string(dir.join("links.json")).unwrap(),
        format!(
            "{{\n  \"tool/1.1/tool-1.1-linux.tar.gz\": \"{dl}1.1.0/tool-1.1.0-linux.tar.gz\",\n\
             \x20 \"tool/1.2/SHA256SUMS\": \"{dl}1.2.0/SHA256SUMS\",\n\
             \x20 \"tool/1.2/tool-1.2-linux.tar.gz\": \"{dl}1.2.0/tool-1.2.0-linux.tar.gz\",\n\
             \x20 \"tool/1.2/tool-1.2-macos.tar.gz\": \"{dl}1.2.0/tool-1.2.0-macos.tar.gz\",\n\
             \x20 \"tool/latest/SHA256SUMS\": \"{dl}1.2.0/SHA256SUMS\",\n\
             \x20 \"tool/latest/tool-latest-linux.tar.gz\": \"{dl}1.2.0/tool-1.2.0-linux.tar.gz\",\n\
             \x20 \"tool/latest/tool-latest-macos.tar.gz\": \"{dl}1.2.0/tool-1.2.0-macos.tar.gz\"\n}}\n"
        )
    );
    let tags = tags(&sb);
    assert_eq!(tags["v1"], commit, "floating v1 moved to 1.2.0");
    assert_eq!(tags["latest"], commit);
    assert_eq!(tags["v1.1.0"], old, "release tags never move");
    assert_eq!(tags["v1.2.0"], commit);

    // The tracking issue hears about it once, with the release page from publish-release.
    let body = format!("tool {version} is out: {}", published["url"]);
    for attempt in ["announce", "announce-retry"] {
        let (run, said) = github_step(
            &sb,
            attempt,
            github(&sb, &gh, "comment-on-issue").current_dir(dir).args([
                "--issue",
                "7",
                "--body",
                &body,
                "--marker",
                &format!("release/{version}"),
            ]),
        );
        run.success();
        assert_eq!(
            said["action"],
            if attempt == "announce" {
                "created"
            } else {
                "unchanged"
            }
        );
    }
    let all = comments.all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].0, 7);
    assert!(
        all[0].1["body"]
            .as_str()
            .unwrap()
            .starts_with("tool 1.2.0 is out: https://github.com/acme/tool/releases/tag/v1.2.0"),
        "{:?}",
        all[0].1
    );
}

// ---------------------------------------------------------------------------------------
// Flow 5: promotion. The tag pipeline ships what CI built and tested for the tagged
// commit (never a rebuild), checks the release is complete, and only then moves the
// links people download from.

/// The promotion job's steps after publishing: verify-release, then — only when it
/// passed, as `needs:`/`if: success()` would have it — update-links. Returns whether
/// the links step ran.
fn verify_then_move_links(
    sb: &Sandbox,
    attempt: &str,
    gh: &common::github_releases::FakeGitHub,
    checkout: &Path,
    commit: &str,
    cdn: &str,
    published: &BTreeMap<String, String>,
) -> bool {
    let (run, verified) = github_step(
        sb,
        &format!("verify-{attempt}"),
        sb.relay("verify-release")
            .current_dir(checkout)
            .args(["--forge", "github", "--api-url", &gh.api.url()])
            .args([
                "--repo",
                &format!("acme/tool@{commit}"),
                "--version",
                "1.2.0",
                "--tag-prefix",
                "v",
            ])
            .args([
                "--expect-release",
                "--expect-asset",
                "tool-{version}-linux.tar.gz",
            ])
            .args([
                "--expect-asset",
                "tool-{version}-macos.tar.gz",
                "--expect-asset",
                "SHA256SUMS",
            ])
            .args([
                "--expect-url",
                &format!("{cdn}/tool/{{version}}/tool-{{version}}-linux.tar.gz"),
            ])
            .args(["--expect-file", "VERSION"])
            .env("GITHUB_TOKEN", toolchain::TOKEN),
    );
    if run.code() != 0 {
        assert_eq!(run.code(), 1, "{}", run.stderr());
        let missing: Vec<serde_json::Value> = serde_json::from_str(&verified["missing"]).unwrap();
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0]["check"], "url", "{missing:?}");
        return false;
    }
    assert_eq!(verified["missing"], "[]");
    sb.write(&format!("assets-{attempt}.json"), &published["assets"]);
    let (run, _) = github_step(
        sb,
        &format!("links-{attempt}"),
        sb.relay("update-links")
            .current_dir(checkout)
            .args(["--version", "1.2.0", "--manifest"])
            .args([sb.path().join(format!("assets-{attempt}.json"))]),
    );
    run.success();
    true
}

#[test]
fn flow_5_promotion_ships_the_tested_artifacts_and_moves_links_only_after_verification() {
    use common::archive::zip_of;
    use common::github_releases::{FakeGitHub, github_runs_of};
    use common::{MockApi, MockResponse};
    use serde_json::json;
    use toolchain::*;
    let sb = Sandbox::new();
    let (_server, checkout, old) = tool_repo(&sb);
    let dir = checkout.path();
    let commit = checkout.git(["rev-parse", "HEAD"]);
    checkout.tag_annotated("v1.2.0", "tool 1.2.0");
    checkout.git(["push", "-q", "origin", "v1.2.0"]);
    let links_before = std::fs::read_to_string(dir.join("links.json")).unwrap();

    // GitHub: the CI run that built and tested the tagged commit, and its artifact.
    let gh = FakeGitHub::for_tag("v1.2.0", &commit);
    github_runs_of(&gh, &commit, "success");
    let tested = zip_of(&[
        ("tool-1.2.0-linux.tar.gz", b"tested linux build\n"),
        ("tool-1.2.0-macos.tar.gz", b"tested macos build\n"),
    ]);
    let storage = MockApi::start();
    storage.on(
        "GET",
        "/blob/dist.zip",
        MockResponse::bytes(200, "application/zip", tested),
    );
    let base = gh.api.url();
    gh.api.on(
        "GET",
        "/repos/acme/tool/actions/runs/12/artifacts",
        MockResponse::json(
            200,
            json!({"total_count": 1, "artifacts": [
                {"id": 555, "node_id": "A_555", "name": "dist", "size_in_bytes": 300,
                 "url": format!("{base}/repos/acme/tool/actions/artifacts/555"),
                 "archive_download_url": format!("{base}/repos/acme/tool/actions/artifacts/555/zip"),
                 "expired": false, "digest": null, "created_at": "2026-01-15T12:04:00Z",
                 "expires_at": "2026-04-15T12:04:00Z", "updated_at": "2026-01-15T12:04:00Z",
                 "workflow_run": {"id": 12, "repository_id": 1, "head_repository_id": 1,
                                  "head_branch": "main", "head_sha": commit}}]}),
        ),
    );
    gh.api.on(
        "GET",
        "/repos/acme/tool/actions/artifacts/555/zip",
        MockResponse::bytes(302, "text/plain", Vec::new()).header(
            "Location",
            &format!("{}/blob/dist.zip?sig=abc", storage.url()),
        ),
    );
    // The download mirror has not synced the release at the first attempt.
    let cdn = MockApi::start();
    let file = "/tool/1.2.0/tool-1.2.0-linux.tar.gz";
    for method in ["HEAD", "GET"] {
        cdn.on(
            method,
            file,
            MockResponse::json(404, json!({"message": "not synced"})),
        );
        cdn.on(
            method,
            file,
            MockResponse::bytes(200, "application/gzip", b"tested linux build\n".to_vec()),
        );
    }

    // Attempt 1: publish the tested artifacts; verification finds the mirror missing,
    // so the links step never runs: nothing points at 1.2.0 yet.
    let publish = || {
        let (run, published) = github_step(
            &sb,
            "publish",
            github(&sb, &gh, "publish-release")
                .current_dir(dir)
                .env("GITHUB_RUN_ID", "99")
                .args([
                    "--tag",
                    "v1.2.0",
                    "--from-ci-run",
                    "--asset",
                    "*.tar.gz",
                    "--checksums",
                    "sha256",
                ]),
        );
        run.success().assert_hides(TOKEN);
        published
    };
    let published = publish();
    let release = &gh.releases()[0];
    assert_eq!(
        release.assets[0].bytes, b"tested linux build\n",
        "the tested bytes, not a rebuild"
    );
    assert_eq!(release.assets[1].bytes, b"tested macos build\n");
    assert!(!verify_then_move_links(
        &sb,
        "1",
        &gh,
        dir,
        &commit,
        &cdn.url(),
        &published
    ));
    assert_eq!(
        std::fs::read_to_string(dir.join("links.json")).unwrap(),
        links_before
    );
    assert_eq!(tags(&sb)["latest"], old, "the floating tags stay on 1.1.0");

    // Attempt 2 (the job re-run once the mirror caught up): the release is complete
    // (publish-release finds every file unchanged), verification passes, links move.
    let published = publish();
    let statuses: Vec<serde_json::Value> = serde_json::from_str(&published["assets"]).unwrap();
    assert!(
        statuses.iter().all(|a| a["status"] == "unchanged"),
        "{statuses:?}"
    );
    assert_eq!(gh.releases().len(), 1);
    assert!(verify_then_move_links(
        &sb,
        "2",
        &gh,
        dir,
        &commit,
        &cdn.url(),
        &published
    ));
    let links = std::fs::read_to_string(dir.join("links.json")).unwrap();
    assert!(
        links.contains("\"tool/latest/tool-latest-linux.tar.gz\": \"https://github.com/acme/tool/releases/download/v1.2.0/tool-1.2.0-linux.tar.gz\""),
        "{links}"
    );
    let tags = tags(&sb);
    assert_eq!(tags["latest"], commit);
    assert_eq!(tags["v1"], commit);
}

// ---------------------------------------------------------------------------------------
// Flow 2: an ecosystem release. The hub repository holds the release request and the
// deployment files; a tag on the hub tags every component, the hub's files take the
// version, the changelog links every repository and the release's artifacts, and the
// release is verified — and when one repository fails, the re-run completes it.

mod ecosystem {
    use super::*;

    pub const COMPONENTS: [&str; 4] = ["api", "worker", "sdk-python", "sdk-js"];

    pub const CHART: &str = "apiVersion: v2\nname: eco\n# the chart's own version follows the release\nversion: 1.0.0\nappVersion: \"v1.0.0\"\n";
    pub const VALUES: &str = "replicaCount: 2\nimage:\n  repository: ghcr.io/acme/api\n  tag: v1.0.0  # set by the release\n  pullPolicy: IfNotPresent\n";
    pub const ENV: &str = "# docker compose settings\nexport APP_VERSION=1.0.0\nPORT=8080\n";
    pub const PYPROJECT: &str = "[project]\nname = \"acme-sdk\"\nversion = \"1.0.0\"  # the SDK follows the platform\ndependencies = [\"httpx\"]\n";
    pub const PACKAGE: &str = "{\n  \"name\": \"@acme/sdk\",\n  \"version\": \"1.0.0\",\n  \"dependencies\": {\"left-pad\": \"1.0.0\"}\n}\n";
    pub const LOCK: &str = "{\n  \"name\": \"@acme/sdk\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"@acme/sdk\", \"version\": \"1.0.0\"},\n    \"node_modules/left-pad\": {\"version\": \"1.0.0\"}\n  }\n}\n";

    pub const BUMP: [&str; 7] = [
        "charts/eco/Chart.yaml",
        "charts/eco/Chart.yaml:appVersion=v{version}",
        "charts/eco/values.yaml:image.tag=v{version}",
        ".env.example:APP_VERSION",
        "sdk/python/pyproject.toml",
        "sdk/js/package.json",
        "sdk/js/package-lock.json",
    ];

    /// The release request: v1.0.0 of every component at its first commit, and the
    /// new release at each one's second.
    pub fn request(c: &Components, version: &str) -> String {
        let entry = |v: &str, n: usize| {
            let mut s = format!("  - version: {v}\n    projects:\n");
            for name in COMPONENTS {
                s += &format!(
                    "      - repo: acme/{name}\n        hash: {}\n",
                    c.sha(name, n)
                );
            }
            s
        };
        format!(
            "branch: main\nreleases:\n{}{}",
            entry("1.0.0", 0),
            entry(version, 1)
        )
    }

    /// Tags v1.0.0 of every component (the previous release) on its first commit.
    pub fn previous_release(c: &Components) {
        for name in COMPONENTS {
            let work = c.sb.clone_of(
                &c.server.url(&format!("acme/{name}.git")),
                &format!("prev/{name}"),
                &[],
            );
            work.git([
                "tag",
                "-a",
                "v1.0.0",
                "-m",
                &format!("{name} 1.0.0"),
                &c.sha(name, 0),
            ]);
            work.git(["push", "-q", "origin", "v1.0.0"]);
        }
    }
}

#[test]
fn flow_2_an_ecosystem_release_tags_bumps_links_and_verifies_and_a_rerun_completes_a_failed_one() {
    use ecosystem::*;
    let sb = Sandbox::new();
    let mut names: Vec<&str> = COMPONENTS.to_vec();
    names.push("hub");
    let c = Components::new(&sb, &names);
    previous_release(&c);

    // The hub at the release: its request and deployment files.
    let hub = sb.clone_of(&c.server.url("acme/hub.git"), "hub", &[]);
    hub.commit("charts/eco/Chart.yaml", CHART, "chart");
    hub.commit("charts/eco/values.yaml", VALUES, "values");
    hub.commit(".env.example", ENV, "compose");
    hub.commit("sdk/python/pyproject.toml", PYPROJECT, "python sdk");
    hub.commit("sdk/js/package.json", PACKAGE, "js sdk");
    hub.commit("sdk/js/package-lock.json", LOCK, "js lock");

    // `release` runs what the hub's tag pipeline does for a tag `v{version}`; it
    // returns each step's exit code and verify-release's gaps.
    let server_url = format!("git://127.0.0.1:{}", c.server.port());
    let tag_hub = |version: &str| {
        hub.commit(
            "releases.yaml",
            &request(&c, version),
            &format!("release {version}"),
        );
        hub.git([
            "tag",
            "-a",
            &format!("v{version}"),
            "-m",
            &format!("eco {version}"),
        ]);
        hub.git(["push", "-q", "origin", "HEAD:main", &format!("v{version}")]);
    };
    // The pipeline: tag → (needs tag) bump → changelog; verify runs `if: always()`.
    let pipeline = |version: &str, attempt: &str| -> (i32, i32, Vec<serde_json::Value>) {
        let ci = sb.clone_of(&c.server.url("acme/hub.git"), &format!("ci-{attempt}"), &[]);
        ci.git(["checkout", "-q", &format!("v{version}")]);
        let tag_name = format!("v{version}");
        let step = |name: &str| format!("{name}-{attempt}");

        // Job 1: tag every component of the request (the newest entry = this release).
        let (tagging, tagged) = github_step(
            &sb,
            &step("tag"),
            sb.relay("tag-from-request")
                .current_dir(ci.path())
                .args([
                    "--forge",
                    "git",
                    "--remote-url-template",
                    &c.server.url_template(),
                ])
                .args([
                    "--request",
                    "releases.yaml",
                    "--tag-prefix",
                    "v",
                    "--keep-going",
                ]),
        );
        let tags: Vec<serde_json::Value> = serde_json::from_str(&tagged["tags"]).unwrap();
        assert_eq!(tags.len(), COMPONENTS.len());
        assert!(
            tags.iter().all(|t| t["tag"] == tag_name.as_str()),
            "{tags:?}"
        );

        // Job 2: the hub's files take the version (GITHUB_REF_NAME less its `v`).
        if tagging.code() == 0 {
            let (bump, bumped) = github_step(
                &sb,
                &step("bump"),
                sb.relay("bump-versions")
                    .current_dir(ci.path())
                    .args(["--version", &tag_name[1..]])
                    .args(BUMP.iter().flat_map(|f| ["--file", f])),
            );
            bump.success();
            let changed: Vec<String> = serde_json::from_str(&bumped["changed-files"]).unwrap();
            assert_eq!(changed.len(), 6, "{changed:?}");

            // Job 3: the changelog, from a clone of every component (fetch-depth: 0).
            let mut changelog = sb
                .relay("generate-changelog")
                .current_dir(ci.path())
                .args([
                    "--version",
                    &tag_name,
                    "--tag-prefix",
                    "v",
                    "--previous",
                    "1.0.0",
                ])
                .args([
                    "--server-url",
                    "https://github.com",
                    "--forge",
                    "git",
                    "--date",
                    "2026-01-15",
                ])
                .args([
                    "--artifact",
                    "SBOM=https://downloads.acme.org/eco/{version}/sbom.spdx.json",
                ])
                .args([
                    "--artifact",
                    "OpenAPI=https://docs.acme.org/eco/{major}.{minor}/openapi.yaml stable-only",
                ]);
            for name in COMPONENTS {
                let clone = sb.clone_of(
                    &c.server.url(&format!("acme/{name}.git")),
                    &format!("ci-{attempt}-{name}"),
                    &[],
                );
                let clone = clone.path().to_path_buf();
                changelog = changelog.args(["--repo", &format!("acme/{name}={}", clone.display())]);
            }
            let (run, notes) = github_step(&sb, &step("changelog"), changelog);
            run.success();
            let notes = &notes["notes"];
            for name in COMPONENTS {
                let link = format!("https://github.com/acme/{name}/compare/v1.0.0...v{version}");
                assert!(notes.contains(&link), "no {link} in\n{notes}");
            }
            assert!(
                notes.contains(&format!(
                    "https://downloads.acme.org/eco/{version}/sbom.spdx.json"
                )),
                "{notes}"
            );
            let openapi = notes.contains("https://docs.acme.org/eco/2.0/openapi.yaml");
            assert_eq!(
                openapi,
                !version.contains('-'),
                "OpenAPI link only for a stable release:\n{notes}"
            );
        }

        // Job 4 (`if: always()`): is the release complete?
        let (verify, verified) = github_step(
            &sb,
            &step("verify"),
            sb.relay("verify-release")
                .current_dir(ci.path())
                .args(["--forge", "git", "--server-url", &server_url])
                .args([
                    "--request",
                    "releases.yaml",
                    "--version",
                    version,
                    "--tag-prefix",
                    "v",
                ])
                .args([
                    "--expect-file",
                    "charts/eco/Chart.yaml:appVersion=v{version}",
                ])
                .args(["--expect-file", "sdk/js/package.json:version"]),
        );
        let missing = serde_json::from_str(&verified["missing"]).unwrap();
        (tagging.code(), verify.code(), missing)
    };

    // The release candidate: everything goes through.
    tag_hub("2.0.0-rc.1");
    let (tagging, verify, missing) = pipeline("2.0.0-rc.1", "rc");
    assert_eq!((tagging, verify), (0, 0), "{missing:?}");
    for name in COMPONENTS {
        assert_eq!(c.tags(name)["v2.0.0-rc.1"], c.sha(name, 1));
    }
    let ci = sb.path().join("ci-rc");
    let read = |f: &str| std::fs::read_to_string(ci.join(f)).unwrap();
    assert_eq!(
        read("charts/eco/Chart.yaml"),
        CHART.replace("1.0.0", "2.0.0-rc.1")
    );
    assert_eq!(
        read("charts/eco/values.yaml"),
        VALUES.replace("v1.0.0", "v2.0.0-rc.1")
    );
    assert_eq!(read(".env.example"), ENV.replace("1.0.0", "2.0.0-rc.1"));
    assert_eq!(
        read("sdk/python/pyproject.toml"),
        PYPROJECT.replace("1.0.0", "2.0.0-rc.1")
    );
    assert_eq!(
        read("sdk/js/package.json"),
        PACKAGE.replace("\"version\": \"1.0.0\"", "\"version\": \"2.0.0-rc.1\"")
    );
    assert_eq!(
        read("sdk/js/package-lock.json"),
        LOCK.replacen("\"version\": \"1.0.0\"", "\"version\": \"2.0.0-rc.1\"", 2),
        "the dependency at 1.0.0 keeps its version"
    );

    // The release: the worker's remote is gone for a while (a moved repository, an
    // outage). The others are tagged (--keep-going); the jobs that need the tags do not
    // run; verify-release names every gap: the worker's tag and the files not bumped.
    let worker = c.bare("worker");
    let away = sb.path().join("worker-away.git");
    std::fs::rename(&worker, &away).unwrap();
    tag_hub("2.0.0");
    let (tagging, verify, missing) = pipeline("2.0.0", "stable");
    assert_eq!((tagging, verify), (1, 1));
    let gaps: Vec<(&str, &str, &str)> = missing
        .iter()
        .map(|m| {
            (
                m["check"].as_str().unwrap(),
                m["subject"].as_str().unwrap(),
                m["expected"].as_str().unwrap(),
            )
        })
        .collect();
    let worker_commit = format!("on {}", c.sha("worker", 1));
    assert_eq!(
        gaps,
        [
            ("tag", "acme/worker v2.0.0", worker_commit.as_str()),
            ("file", "charts/eco/Chart.yaml:appVersion", "v2.0.0"),
            ("file", "sdk/js/package.json:version", "2.0.0"),
        ]
    );
    assert!(
        missing[0]["found"]
            .as_str()
            .unwrap()
            .contains("repository not exported: /acme/worker.git"),
        "{missing:?}"
    );
    for name in ["api", "sdk-python", "sdk-js"] {
        assert_eq!(c.tags(name)["v2.0.0"], c.sha(name, 1));
    }

    // The remote is back; the pipeline is re-run: the missing tag is made, the others
    // are found in place, the files are bumped, the changelog of the stable release
    // has the OpenAPI link, and the release verifies.
    std::fs::rename(&away, &worker).unwrap();
    let (tagging, verify, missing) = pipeline("2.0.0", "rerun");
    assert_eq!((tagging, verify), (0, 0), "{missing:?}");
    assert_eq!(c.tags("worker")["v2.0.0"], c.sha("worker", 1));
    let retagged = parse_github_output(&sb.read("github_output.tag-rerun"));
    assert_eq!(
        (retagged["created"].as_str(), retagged["existing"].as_str()),
        ("1", "3")
    );
}

/// A track-release step of the toolchain chain, run as a GitHub Actions step against
/// the mock's issues.
fn track_step(
    sb: &Sandbox,
    api: &common::MockApi,
    step: &str,
    args: &[&str],
) -> (common::Run, BTreeMap<String, String>) {
    github_step(
        sb,
        step,
        sb.relay("track-release")
            .current_dir(sb.path())
            .args(args)
            .args([
                "--forge",
                "github",
                "--api-url",
                &api.url(),
                "--repo",
                "acme/go",
            ])
            .env("GITHUB_TOKEN", "ghp_FLOW_TRACK_0123"),
    )
}

#[test]
fn flow_3_the_toolchain_chain_tracks_three_versions_and_resumes_a_failed_build_from_its_record() {
    use common::issues::Issues;
    let sb = Sandbox::new();
    sb.write(
        "relay.toml",
        "[track]\n[[track.step]]\nname = \"build\"\ncheckpoints = [\"pr\", \"merge-commit\", \"build-id\", \"images-pr\"]\n\
         [[track.step]]\nname = \"publish\"\nonce = true\n",
    );
    let api = common::MockApi::github();
    let issues = Issues::github(&api, "acme/go");
    let versions = ["1.17.8-1", "1.17.8-1-fips", "1.18.0-1"];

    // release-start: the tracking issues, one per version.
    let mut open = vec!["open", "--release", "go-2026-01-15", "--subject-issues"];
    for v in versions {
        open.extend(["--subject", v]);
    }
    let (run, out) = track_step(&sb, &api, "start", &open);
    run.success();
    assert_eq!(out["issue"], "1");
    let per_version: serde_json::Value = serde_json::from_str(&out["subject-issues"]).unwrap();
    assert_eq!(per_version.as_object().unwrap().len(), 3);

    // release-build per version: every checkpoint recorded as it is reached; the fips
    // build fails after its merge (an outage of the official build).
    let build = |v: &str, from: &str, failing: bool| {
        let (run, status) = track_step(
            &sb,
            &api,
            &format!("resume-{v}"),
            &["status", "--issue", "1", "--step", "build", "--subject", v],
        );
        run.success();
        assert_eq!(status["resume-from"], from, "{v} resumes from the record");
        let checkpoints: &[(&str, &str)] = &[
            ("pr", "12"),
            ("merge-commit", "4b825dc642cb6eb9a060e54bf8d69288fbee4904"),
            ("build-id", "9876"),
            ("images-pr", "31"),
        ];
        let start = checkpoints
            .iter()
            .position(|(n, _)| *n == from)
            .map_or(0, |i| i + 1);
        for (n, (name, value)) in checkpoints.iter().enumerate().skip(start) {
            if failing && *name == "build-id" {
                let (run, out) = track_step(
                    &sb,
                    &api,
                    &format!("fail-{v}"),
                    &[
                        "record",
                        "--issue",
                        "1",
                        "--step",
                        "build",
                        "--subject",
                        v,
                        "--state",
                        "failed",
                        "--message",
                        "the official build timed out",
                        "--rerun",
                        "gh run rerun 77 --failed",
                    ],
                );
                run.success();
                assert_eq!(out["failure-comment"], "created");
                return;
            }
            let state = if n + 1 == checkpoints.len() {
                "done"
            } else {
                "running"
            };
            let cp = format!("{name}={value}");
            let (run, _) = track_step(
                &sb,
                &api,
                &format!("{v}-{name}"),
                &[
                    "record",
                    "--issue",
                    "1",
                    "--step",
                    "build",
                    "--subject",
                    v,
                    "--state",
                    state,
                    "--checkpoint",
                    &cp,
                ],
            );
            run.success();
        }
    };
    build(versions[0], "", false);
    build(versions[1], "", true);
    build(versions[2], "", false);
    let (_, out) = track_step(&sb, &api, "left", &["status", "--issue", "1"]);
    assert_eq!(out["failed"], "build 1.17.8-1-fips failed");
    // The re-run of the failed build starts at the build, not at the pull request.
    build(versions[1], "merge-commit", false);
    let failure = issues
        .comments(1)
        .into_iter()
        .find(|c| c.body.contains("track-failure/"))
        .unwrap();
    assert!(
        failure.body.contains("✅"),
        "the success edits the failure comment: {}",
        failure.body
    );

    // Then the release-wide steps; the record says the release is complete.
    let (run, _) = track_step(
        &sb,
        &api,
        "publish",
        &[
            "record",
            "--issue",
            "1",
            "--step",
            "publish",
            "--state",
            "done",
            "--link",
            "release=https://github.com/acme/go/releases/tag/v1.18.0-1",
        ],
    );
    run.success();
    let (_, out) = track_step(&sb, &api, "done", &["status", "--issue", "1"]);
    assert_eq!(out["complete"], "true");
    let body = issues.issue(1).body;
    assert_eq!(body.matches("✅ done").count(), 4, "{body}");
}

#[test]
fn flow_5_promotion_phases_wait_for_two_sign_offs_start_on_the_last_and_end_on_abandon() {
    use common::issues::Issues;
    let sb = Sandbox::new();
    sb.write(
        "relay.toml",
        "[track]\n[[track.step]]\nname = \"verify\"\nonce = true\n\
         [[track.phase]]\nname = \"promote\"\n[[track.phase]]\nname = \"push\"\n\
         [[track.phase]]\nname = \"ship\"\nsignoffs = [{ team = \"acme/release\", count = 2 }]\n",
    );
    let api = common::MockApi::github();
    let issues = Issues::github(&api, "acme/go");
    for who in ["alice", "bob"] {
        issues.add_member("acme/release", who);
    }
    let (run, out) = track_step(&sb, &api, "open", &["open", "--release", "firefox-140.0"]);
    run.success();
    let issue = out["issue"].clone();
    let on_comment = |step: &str, actor: &str| {
        let (run, out) = github_step(
            &sb,
            step,
            sb.relay("track-release")
                .current_dir(sb.path())
                .args(["start", "--issue", &issue, "--phase", "ship", "--if-ready"])
                .args([
                    "--forge",
                    "github",
                    "--api-url",
                    &api.url(),
                    "--repo",
                    "acme/go",
                ])
                .env("GITHUB_TOKEN", "ghp_FLOW_TRACK_0123")
                .env("GITHUB_ACTOR", actor),
        );
        run.success();
        out
    };
    // A refused early start names who is missing.
    let (run, _) = track_step(
        &sb,
        &api,
        "early",
        &["start", "--issue", &issue, "--phase", "ship"],
    );
    let run = run.expect_code(1);
    assert!(
        run.stderr().contains("2 more of acme/release"),
        "{}",
        run.stderr()
    );
    // The issue_comment event after each comment: the first sign-off waits, the last starts.
    issues.comment_as(1, "alice", "/signoff ship");
    let out = on_comment("first", "alice");
    assert_eq!(out["started"], "false");
    assert_eq!(out["missing"], "1 more of acme/release");
    issues.comment_as(1, "bob", "/signoff ship");
    let out = on_comment("last", "bob");
    assert_eq!(out["started"], "true");
    assert_eq!(out["skipped"], "promote,push");
    // The release is abandoned: what is pending is cancelled, every later step refuses.
    let (run, out) = track_step(
        &sb,
        &api,
        "abandon",
        &[
            "abandon",
            "--issue",
            &issue,
            "--reason",
            "superseded by 140.0.1",
        ],
    );
    run.success();
    assert_eq!(out["abandoned"], "true");
    let (run, _) = track_step(
        &sb,
        &api,
        "after",
        &[
            "record", "--issue", &issue, "--step", "verify", "--state", "done",
        ],
    );
    let run = run.expect_code(1);
    assert!(run.stderr().contains("abandoned"), "{}", run.stderr());
    assert!(issues.issue(1).body.contains("**Abandoned**"));
}
