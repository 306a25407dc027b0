use super::*;
use crate::request::{BranchStart, Project, ReleaseFlag, Selection, SeriesStage};

const H1: &str = "0123456789abcdef0123456789abcdef01234567";
const H2: &str = "89abcdef0123456789abcdef0123456789abcdef";
const FILE: &str = "deliverables/2026.1/api.yaml";

fn parse(text: &str) -> Result<ReleaseRequest, Vec<RequestError>> {
    Reader::new(Path::new(FILE)).request(text)
}

fn problems(text: &str) -> Vec<String> {
    parse(text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn err(text: &str) -> String {
    problems(text).remove(0)
}

#[test]
fn reads_our_example() {
    let text = format!(
        "series: \"2026.1\"\nbranch: main\nmetadata:\n  pypi: yes\n  announce: yes\n\
         releases:\n  - version: 7.6.8\n    projects:\n      - repo: waldur/waldur-mastermind\n        hash: {H1}\n\
         \x20 - version: 7.6.9\n    diff-start: 7.6.7\n    projects:\n      - repo: waldur/waldur-mastermind\n        hash: {H2}\n\
         \x20     - repo: waldur/waldur-homeport\n        hash: {H1}\n        tag: v7.6.9\n"
    );
    let r = parse(&text).unwrap();
    assert_eq!(r.series, "2026.1");
    assert_eq!(r.branch.as_deref(), Some("main"));
    assert_eq!(r.pypi.as_deref(), Some("yes"));
    assert_eq!(r.team, None);
    assert_eq!(r.metadata, [("announce".into(), "yes".into())]);
    assert_eq!(r.releases.len(), 2);
    assert_eq!(r.releases[1].diff_start.as_deref(), Some("7.6.7"));
    assert_eq!(r.releases[0].diff_start, None);
    assert_eq!(r.releases[1].projects[1].tag.as_deref(), Some("v7.6.9"));
    assert_eq!(r.releases[1].projects[1].location.line, 16);
    assert_eq!(r.select(&Selection::Newest), [1]);
    assert_eq!(r.select(&Selection::All), [0, 1]);
}

#[test]
fn series_defaults_to_the_folder_and_first_to_the_first_full_release() {
    let text = format!(
        "releases:\n  - version: 1.0.0rc1\n    projects: [{{repo: a/b, hash: {H1}}}]\n\
         \x20 - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H2}}}]\n"
    );
    let r = parse(&text).unwrap();
    assert_eq!(r.series, "2026.1");
    assert_eq!(r.first_release(), Some(1));
    assert_eq!(r.releases[1].diff_start, None);
    let independent = Reader::new(Path::new("deliverables/_independent/pbr.yaml"))
        .request(&text)
        .unwrap();
    assert_eq!(independent.series, "independent");
}

#[test]
fn an_openstack_deliverable_is_read_with_every_key_of_its_schema() {
    let text = format!(
        "---\nlaunchpad: nova\nteam: nova\ntype: service\nrelease-model: cycle-with-rc\n\
         storyboard: 760\nrelease-type: python-service\nstable-branch-type: std\nstable-status: maintained\n\
         artifact-link-mode: tarball\nrelease-notes: https://docs.openstack.org/releasenotes/nova/\n\
         repository-settings:\n  openstack/nova: {{}}\n\
         cycle-highlights:\n  - faster\n\
         branches:\n  - name: stable/2026.1\n    location: 29.0.0\n\
         \x20 - name: feature/x\n    location:\n      openstack/nova: {H2}\n\
         releases:\n  - version: 29.0.0.0rc1\n    projects:\n      - repo: openstack/nova\n        hash: {H2}\n\
         \x20 - version: 29.0.0\n    flags: [forced, skipped-sig]\n    highlights: big\n    projects:\n      - repo: openstack/nova\n        hash: {H1}\n        comment: x\n        tarball-base: nova\n\
         \x20 - version: 2026.1-eom\n    projects:\n      - repo: openstack/nova\n        hash: {H1}\n"
    );
    let r = parse(&text).unwrap();
    assert_eq!(r.team.as_deref(), Some("nova"));
    // An OpenStack deliverable that says nothing of PyPI: `no`, as its job writes.
    assert_eq!(r.pypi.as_deref(), Some("no"));
    assert!(r.metadata.is_empty());
    assert_eq!(r.deliverable_type.as_deref(), Some("service"));
    assert_eq!(
        r.releases[1].flags,
        [ReleaseFlag::Forced, ReleaseFlag::SkippedSignature]
    );
    assert_eq!(
        r.releases[2].version.series_end(),
        Some(("2026.1", SeriesStage::EndOfMaintenance))
    );
    assert_eq!(r.first_release(), Some(1));
    assert_eq!(r.branches.len(), 2);
    assert_eq!(r.branches[0].start, BranchStart::Version("29.0.0".into()));
    let BranchStart::Commits(commits) = &r.branches[1].start else {
        panic!("{:?}", r.branches[1]);
    };
    assert_eq!(
        (commits[0].repo.as_str(), commits[0].hash.as_str()),
        ("openstack/nova", H2)
    );
    assert_eq!(commits[0].location.line, 21);
    let with_link = text.replace("team: nova\n", "team: nova\ninclude-pypi-link: true\n");
    assert_eq!(parse(&with_link).unwrap().pypi.as_deref(), Some("yes"));
    // Only `include-pypi-link` says `yes`: OpenStack's job ignores `release-type`.
    let pypi_type = text.replace("python-service", "python-pypi");
    assert_eq!(parse(&pypi_type).unwrap().pypi.as_deref(), Some("no"));
}

#[test]
fn a_file_with_nothing_to_tag_is_valid() {
    for text in [
        "team: x\ntype: library\n",
        "team: x\nreleases: []\n",
        "team: x\nreleases:\n",
        "team: x\nbranches:\n  - name: stable/x\n    location: {openstack/x: 0123456789abcdef0123456789abcdef01234567}\n",
    ] {
        let r = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert!(r.releases.is_empty());
        assert_eq!(r.select(&Selection::Newest), Vec::<usize>::new());
    }
}

#[test]
fn branches_newest_takes_those_at_the_newest_version() {
    let text = format!(
        "branches:\n  - name: stable/a\n    location: 1.0.0\n  - name: stable/b\n    location: 1.1.0\n\
         \x20 - name: feature/c\n    location: {{a/b: {H1}}}\n\
         releases:\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n\
         \x20 - version: 1.1.0\n    projects: [{{repo: a/b, hash: {H2}}}]\n"
    );
    let r = parse(&text).unwrap();
    assert_eq!(r.select_branches(&Selection::Newest), [1]);
    assert_eq!(r.select_branches(&Selection::All), [0, 1, 2]);
    let new = Selection::New {
        versions: vec![],
        branches: vec!["feature/c".into()],
    };
    assert_eq!(r.select_branches(&new), [2]);
    assert_eq!(r.select(&new), Vec::<usize>::new());
}

#[test]
fn metadata_team_and_pypi_take_their_places_unless_given_twice() {
    let text = format!(
        "metadata: {{team: web, pypi: yes, note: x}}\nreleases:\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
    );
    let r = parse(&text).unwrap();
    assert_eq!(
        (r.team.as_deref(), r.pypi.as_deref()),
        (Some("web"), Some("yes"))
    );
    assert_eq!(r.metadata, [("note".into(), "x".into())]);
    let twice = format!("team: t\ninclude-pypi-link: false\n{text}");
    assert_eq!(
        problems(&twice),
        [
            format!("{FILE}:3:12: `metadata.team` repeats `team` (at {FILE}:1:7); keep one"),
            format!(
                "{FILE}:3:23: `metadata.pypi` repeats `include-pypi-link` (at {FILE}:2:20); keep one"
            ),
        ]
    );
}

/// Each text's first problem starts with the expected message, at its position.
fn assert_first_problems(cases: Vec<(String, String)>) {
    for (text, expected) in cases {
        let message = err(&text);
        assert!(
            message.starts_with(&expected),
            "{text:?}\n got: {message}\nwant: {expected}"
        );
    }
}

#[test]
fn names_the_position_of_every_mistake_in_the_file_s_shape() {
    let p = FILE;
    assert_first_problems(vec![
        (
            "serie: x\nreleases: []\n".to_string(),
            format!("{p}:1:1: unknown key `serie` in the request (expected one of: series, branch"),
        ),
        (
            "releases: yes\n".to_string(),
            format!("{p}:1:11: `releases` must be a list, found a text"),
        ),
        (
            "metadata:\n  note: [1]\nreleases: []\n".to_string(),
            format!("{p}:2:9: metadata `note` must be a text, found a list"),
        ),
        (
            "releases: [\n".to_string(),
            format!("{p}:2:1: not valid YAML:"),
        ),
        (String::new(), format!("{p}:1:1: the file is empty")),
    ]);
}

#[test]
fn names_the_position_of_every_mistake_in_a_release() {
    let base = |body: &str| format!("releases:\n  - version: 1.0.0\n    projects:\n{body}");
    let p = FILE;
    assert_first_problems(vec![
        (
            base("      - repo: a/b\n        hash: abc123\n"),
            format!("{p}:5:15: `hash` must be a full commit id (40 hex digits), found `abc123`"),
        ),
        (
            base(&format!(
                "      - repo: a/b\n        hash: {}\n",
                "g".repeat(40)
            )),
            format!("{p}:5:15: `hash` must be a full commit id"),
        ),
        (
            format!("releases:\n  - version: 1.0.x\n    projects: [{{repo: a/b, hash: {H1}}}]\n"),
            format!("{p}:2:14: invalid version `1.0.x`: the part after the numbers"),
        ),
        (
            base(&format!(
                "      - repo: a/b\n        hash: {H1}\n      - repo: a/b\n        hash: {H2}\n"
            )),
            format!(
                "{p}:6:15: repo a/b is listed twice in this release (first at {p}:4:9); keep one"
            ),
        ),
        (
            base(&format!("      - repo: [a]\n        hash: {H1}\n")),
            format!("{p}:4:15: `repo` must be a text, found a list"),
        ),
        (
            base(&format!(
                "      - repo: a/b\n        hash: {H1}\n        tags: x\n"
            )),
            format!("{p}:6:9: unknown key `tags` in a project"),
        ),
        (
            base(&format!(
                "      - repo: a/b\n        hash: {H1}\n        tag: bad..tag\n"
            )),
            format!("{p}:6:14: invalid tag `bad..tag`"),
        ),
        (
            base(&format!("      - repo: ../../x\n        hash: {H1}\n")),
            format!(
                "{p}:4:15: repo `../../x`: it climbs out with `..`; name the repository as owner/name, a URL, or a path inside the working folder"
            ),
        ),
        (
            base(&format!(
                "      - repo: srv/acme/worker.git\n        hash: {H1}\n"
            )),
            format!(
                "{p}:4:15: repo `srv/acme/worker.git`: a forge project (owner/name) is named without `.git`"
            ),
        ),
        (
            "releases:\n  - version: 1.0.0\n".to_string(),
            format!("{p}:2:5: the release has no `projects`"),
        ),
        (
            format!(
                "releases:\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
            ),
            format!("{p}:4:14: version 1.0.0 is listed twice (first at {p}:2:14); keep one"),
        ),
        (
            format!(
                "releases:\n  - version: 1.0.0\n    flags: [fast]\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
            ),
            format!("{p}:3:13: unknown flag `fast` (expected forced or skipped-sig)"),
        ),
    ]);
}

#[test]
fn names_the_position_of_every_mistake_in_a_branch() {
    let p = FILE;
    assert_first_problems(vec![
        (
            format!(
                "branches:\n  - name: stable/x\n    location: 2.0.0\nreleases:\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
            ),
            format!(
                "{p}:3:15: the branch starts at version 2.0.0, which `releases` does not list; add the release, or give {{repo: sha}}"
            ),
        ),
        (
            "branches:\n  - name: stable/x\n    location: {a/b: 123}\n".to_string(),
            format!("{p}:3:21: `hash` must be a full commit id (40 hex digits), found `123`"),
        ),
        (
            format!("branches:\n  - name: bad..name\n    location: {{a/b: {H1}}}\n"),
            format!("{p}:2:11: invalid branch name `bad..name`: it holds `..` or `@{{`"),
        ),
        (
            "branches:\n  - name: stable/x\n".to_string(),
            format!("{p}:2:5: the branch has no `location` (a version or {{repo: sha}})"),
        ),
    ]);
}

#[test]
fn every_problem_of_a_file_is_listed() {
    let text = format!(
        "serie: x\nteam: [t]\nreleases:\n  - version: 1.0.x\n    projects: [{{repo: a/b, hash: abc}}]\n\
         \x20 - version: 2.0.0\n    projects: [{{repo: ../x, hash: {H1}}}]\n\
         \x20 - projects: [{{repo: a/b, hash: {H1}}}]\n\
         branches:\n  - name: stable/x\n    location: 9.9.9\n"
    );
    assert_eq!(
        problems(&text),
        [
            format!(
                "{FILE}:1:1: unknown key `serie` in the request (expected one of: series, branch, metadata, releases, team, type, launchpad, storyboard, release-model, release-type, release-notes, include-pypi-link, artifact-link-mode, repository-settings, stable-branch-type, stable-status, cycle-highlights, branches, send-announcements-to)"
            ),
            format!("{FILE}:2:7: `team` must be a text, found a list"),
            format!(
                "{FILE}:4:14: invalid version `1.0.x`: the part after the numbers is not a pre-release (`-rc.1`, `rc1`, `b2`, `.dev3`) or `.postN`; a request's version is a release (1.2.0, 1.2.0rc1, 1.2.0-rc.1) or the end of a series (<series>-em, -eom, -eol, -last)"
            ),
            format!("{FILE}:5:34: `hash` must be a full commit id (40 hex digits), found `abc`"),
            format!(
                "{FILE}:7:23: repo `../x`: it climbs out with `..`; name the repository as owner/name, a URL, or a path inside the working folder"
            ),
            format!("{FILE}:8:5: the release has no `version`"),
            format!(
                "{FILE}:11:15: the branch starts at version 9.9.9, which `releases` does not list; add the release, or give {{repo: sha}}"
            ),
        ]
    );
}

#[test]
fn the_example_request_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/requests/2026.1/acme.yaml");
    let r = ReleaseRequest::load(&path).unwrap();
    assert_eq!(r.series, "2026.1");
    assert_eq!(r.releases[1].projects[1].tag.as_deref(), Some("v7.6.9"));
}

#[test]
fn short_names_are_the_last_segment() {
    let p = |repo: &str| Project {
        repo: repo.into(),
        hash: H1.into(),
        tag: None,
        location: Location::new("x", 1, 1),
    };
    assert_eq!(p("acme/api").short_name(), "api");
    assert_eq!(p("openstack/oslo.i18n").short_name(), "oslo.i18n");
    assert_eq!(p("https://example.org/acme/api.git").short_name(), "api");
    assert_eq!(p("git@example.org:acme/worker.git").short_name(), "worker");
    assert_eq!(p("api").short_name(), "api");
}
