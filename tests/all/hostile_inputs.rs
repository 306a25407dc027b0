//! The catalogue of hostile inputs: every file or value a user (or an attacker who can
//! open a merge request) can hand a tool, with the exit code and the exact message the
//! tool answers with, and the proof that nothing was written. A case that a tool
//! handles (a BOM, CRLF, `1.0.0+build`) runs with `--dry-run` and exits 0; a case it
//! refuses exits 2 naming `file:line:col` where the input has a place. A request that
//! parses is then checked against its remote; these cases point at a closed port, so
//! an accepted request (BOM, CRLF, `1.0.0+build`) ends in the preflight's exit 1 with
//! nothing tagged, which proves the reader took it (the dry run's plan is on stdout,
//! the error naming the entry on stderr).

use crate::common::Sandbox;
use crate::common::archive::sha256_hex;
use std::collections::BTreeMap;
use std::path::Path;

const H: &str = "0123456789abcdef0123456789abcdef01234567";

/// Every file under `dir` with the digest of its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                // The link itself; what it points at is in the snapshot on its own.
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                let target = std::fs::read_link(&path).unwrap();
                out.insert(rel, format!("-> {}", target.display()));
            } else if kind.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                let meta = entry.metadata().unwrap();
                // Large files by size and time: hashing 100 MB in a debug build is slow.
                let digest = if meta.len() > 1 << 20 {
                    format!(
                        "{} bytes, modified {:?}",
                        meta.len(),
                        meta.modified().unwrap()
                    )
                } else {
                    sha256_hex(&std::fs::read(&path).unwrap())
                };
                out.insert(rel, digest);
            }
        }
    }
    out
}

/// One hostile input: the files it needs, the tool and its arguments, and the answer.
struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    /// Symbolic links: (link, what it points at), both relative to the case's folder.
    links: Vec<(&'static str, &'static str)>,
    tool: &'static str,
    args: Vec<String>,
    code: i32,
    /// For a refusal, the first line of stderr or its stable beginning (what follows
    /// comes from git or the network); for exit 0, text stdout (the dry run's diff)
    /// contains.
    message: String,
}

fn request(body: &str) -> Vec<u8> {
    body.replace("{H}", H).into_bytes()
}

fn tag_from_request(file: &str) -> Vec<String> {
    [
        "--forge",
        "git",
        "--remote-url-template",
        "http://127.0.0.1:9/{repo}.git",
        "--dry-run",
        "--request",
        file,
    ]
    .map(String::from)
    .to_vec()
}

fn bump(version: &str, file: &str) -> Vec<String> {
    ["--version", version, "--file", file, "--dry-run"]
        .map(String::from)
        .to_vec()
}

/// publish-release of local files, against an API on a closed port: a refusal
/// (exit 2) comes before any call, which would fail with exit 1.
fn publish(asset: &str) -> Vec<String> {
    [
        "--forge",
        "github",
        "--api-url",
        "http://127.0.0.1:9",
        "--token",
        "ghs_hostile_0123456789",
        "--repo",
        "acme/tool",
        "--tag",
        "v1.0.0",
        "--asset",
        asset,
    ]
    .map(String::from)
    .to_vec()
}

/// A YAML document whose aliases expand to 9^9 nodes (the "billion laughs").
fn yaml_bomb() -> String {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..9 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            [prev.as_str(); 9].join(", ")
        ));
    }
    text
}

const REQUEST: &str = "deliverables/2026.1/api.yaml";

fn cases() -> Vec<Case> {
    let ok_request =
        "releases:\n  - version: 1.2.0\n    projects:\n      - repo: acme/api\n        hash: {H}\n";
    let case = |name, files, tool, args: Vec<String>, code, message: &str| Case {
        name,
        files,
        links: Vec::new(),
        tool,
        args,
        code,
        message: message.to_string(),
    };
    // 100 MB of comments around a real value.
    let huge = |head: &str, tail: &str| {
        let mut bytes = head.as_bytes().to_vec();
        let line = b"# padding padding padding padding padding padding padding padding\n";
        while bytes.len() < 100 * 1024 * 1024 {
            bytes.extend_from_slice(line);
        }
        bytes.extend_from_slice(tail.as_bytes());
        bytes
    };
    vec![
        case(
            "a 100 MB request file",
            vec![(REQUEST, huge("", &ok_request.replace("{H}", H)))],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:1:1: the file is larger than 16 MiB, the limit for files the tools read",
        ),
        case(
            "a 100 MB bumped file",
            vec![("values.yaml", huge("version: 1.0.0\n", ""))],
            "bump-versions",
            bump("1.1.0", "values.yaml:version"),
            2,
            "error: bumping versions: values.yaml:1:1: does not parse as a file to edit: the file is larger than 16 MiB, the limit for files the tools read",
        ),
        case(
            "YAML bomb in a request file",
            vec![(
                REQUEST,
                request(&format!(
                    "{}releases:\n  - version: 1.2.0\n    projects: *a8\n",
                    yaml_bomb()
                )),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:5:10: not valid YAML: aliases expand to more than 10000 values; a request file never needs that many",
        ),
        case(
            "YAML bomb next to a bumped value",
            vec![(
                "values.yaml",
                format!("{}version: 1.0.0\n", yaml_bomb()).into_bytes(),
            )],
            "bump-versions",
            bump("1.1.0", "values.yaml:version"),
            0,
            "+version: 1.1.0\n",
        ),
        case(
            "YAML bomb as the bumped value",
            vec![(
                "values.yaml",
                format!("{}version: *a8\n", yaml_bomb()).into_bytes(),
            )],
            "bump-versions",
            bump("1.1.0", "values.yaml:version"),
            2,
            "error: bumping versions: values.yaml:10:10: key `version`: is an alias; its value is the anchor at values.yaml:9:9: bump that key instead",
        ),
        case(
            "invalid UTF-8 in a request file",
            vec![(
                REQUEST,
                [&request(ok_request)[..], b"# \xff\xfe\n"].concat(),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:6:3: invalid UTF-8",
        ),
        case(
            "invalid UTF-8 in a bumped file",
            vec![("values.yaml", b"name: caf\xe9\nversion: 1.0.0\n".to_vec())],
            "bump-versions",
            bump("1.1.0", "values.yaml:version"),
            2,
            "error: bumping versions: values.yaml:1:10: does not parse as UTF-8 text: invalid UTF-8",
        ),
        case(
            "NUL bytes in a request file",
            vec![(
                REQUEST,
                request(&ok_request.replace("acme/api", "acme/\0api")),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:4:20: not valid YAML: found unprintable character",
        ),
        case(
            "NUL bytes in a bumped file",
            vec![(
                "package.json",
                b"{\"name\": \"a\0b\", \"version\": \"1.0.0\"}\n".to_vec(),
            )],
            "bump-versions",
            bump("1.1.0", "package.json:version"),
            0,
            "+{\"name\": \"a\0b\", \"version\": \"1.1.0\"}\n",
        ),
        case(
            "a UTF-8 BOM before a request file",
            vec![(
                REQUEST,
                [&b"\xef\xbb\xbf"[..], &request(ok_request)].concat(),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            1,
            "error: the preflight found 1 problem, so nothing was tagged (--keep-going tags what is safe): acme/api 1.2.0: failed (cannot read the tags of http://127.0.0.1:9/acme/api.git: ",
        ),
        case(
            "a UTF-8 BOM before a bumped file",
            vec![(
                "package.json",
                b"\xef\xbb\xbf{\"version\": \"1.0.0\"}\n".to_vec(),
            )],
            "bump-versions",
            bump("1.1.0", "package.json:version"),
            2,
            "error: bumping versions: package.json:1:1: does not parse as JSON: Unexpected token",
        ),
        case(
            "CRLF line ends in a request file",
            vec![(REQUEST, request(&ok_request.replace('\n', "\r\n")))],
            "tag-from-request",
            tag_from_request(REQUEST),
            1,
            "error: the preflight found 1 problem, so nothing was tagged (--keep-going tags what is safe): acme/api 1.2.0: failed (cannot read the tags of http://127.0.0.1:9/acme/api.git: ",
        ),
        case(
            "CRLF line ends in a bumped file",
            vec![("Chart.yaml", b"name: api\r\nversion: 1.0.0\r\n".to_vec())],
            "bump-versions",
            bump("1.1.0", "Chart.yaml:version"),
            0,
            "-version: 1.0.0\r\n+version: 1.1.0\r\n",
        ),
        case(
            "duplicate keys in a request file",
            vec![(
                REQUEST,
                request(&format!("series: a\nseries: b\n{ok_request}")),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:2:1: `series` is given twice in the request",
        ),
        case(
            "duplicate keys in a bumped file",
            vec![(
                "package.json",
                b"{\"version\": \"1.0.0\",\n \"version\": \"2.0.0\"}\n".to_vec(),
            )],
            "bump-versions",
            bump("1.1.0", "package.json:version"),
            2,
            "error: bumping versions: package.json:2:13: key `version`: the key appears 2 times; which one is meant is unclear",
        ),
        case(
            "a tag name with `..`",
            vec![(
                REQUEST,
                request(&format!("{ok_request}        tag: v1..2\n")),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:6:14: invalid tag `v1..2`: it holds `..` or `@{`",
        ),
        case(
            "a tag name with a space",
            vec![(
                REQUEST,
                request(&format!("{ok_request}        tag: v1 2\n")),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:6:14: invalid tag `v1 2`: it holds a space, a control character or one of ~^:?*[\\",
        ),
        case(
            "a repo path escaping with ../",
            vec![(
                REQUEST,
                request(&ok_request.replace("acme/api", "../../etc/passwd")),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:4:15: repo `../../etc/passwd`: it climbs out with `..`; name the repository as owner/name, a URL, or a path inside the working folder",
        ),
        case(
            "an absolute repo path outside the working folder",
            vec![(
                REQUEST,
                request(&ok_request.replace("acme/api", "/etc/passwd")),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:4:9: repo `/etc/passwd` is a path outside the working folder; a request names local repositories inside it, others as owner/name or a URL",
        ),
        case(
            "a file:// repo URL outside the working folder",
            vec![(
                REQUEST,
                request(&ok_request.replace("acme/api", "file:///srv/git/x.git")),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:4:9: repo `file:///srv/git/x.git` is a path outside the working folder; a request names local repositories inside it, others as owner/name or a URL",
        ),
        case(
            "a remote helper as the repo",
            vec![(
                REQUEST,
                request(&ok_request.replace("acme/api", "\"ext::sh -c touch% pwned\"")),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:4:15: repo `ext::sh -c touch% pwned`: `transport::address` makes git run a remote helper; name the repository as owner/name, a URL or a path",
        ),
        case(
            "version 1.0.0+build in a request",
            vec![(
                REQUEST,
                request(&ok_request.replace("1.2.0", "1.0.0+build")),
            )],
            "tag-from-request",
            tag_from_request(REQUEST),
            1,
            "error: the preflight found 1 problem, so nothing was tagged (--keep-going tags what is safe): acme/api 1.0.0+build: failed (cannot read the tags of http://127.0.0.1:9/acme/api.git: ",
        ),
        case(
            "version v1 in a request",
            vec![(REQUEST, request(&ok_request.replace("1.2.0", "v1")))],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:2:14: invalid version `v1`: a version starts with a digit; put `v` in the tag prefix",
        ),
        case(
            "version 01.2.3 in a request",
            vec![(REQUEST, request(&ok_request.replace("1.2.0", "01.2.3")))],
            "tag-from-request",
            tag_from_request(REQUEST),
            2,
            "error: tagging from the release request: deliverables/2026.1/api.yaml:2:14: invalid version `01.2.3`: a number has a leading zero",
        ),
        case(
            "version 1.0.0+build into a template with parts",
            vec![("Chart.yaml", b"version: 1.0.0\n".to_vec())],
            "bump-versions",
            bump("1.0.0+build", "Chart.yaml:version={major}.{minor}"),
            0,
            "+version: \"1.0\"\n",
        ),
        case(
            "version 01.2.3 into a template with parts",
            vec![("Chart.yaml", b"version: 1.0.0\n".to_vec())],
            "bump-versions",
            bump("01.2.3", "Chart.yaml:version={major}.{minor}"),
            2,
            "error: bumping versions: --version `01.2.3`: template `{major}.{minor}` uses the parts of the version, but `01.2.3` is not a version such as 1.2.0",
        ),
        case(
            "a bump glob that escapes the repository",
            vec![
                ("outside/x", b"1.0.0\n".to_vec()),
                ("repo/VERSION", b"1.0.0\n".to_vec()),
            ],
            "bump-versions",
            bump("1.1.0", "../*/x"),
            2,
            "error: bumping versions: target `../*/x`: the path leaves the repository (an absolute path or `..`); name files inside it",
        ),
        case(
            "a bump path that escapes the repository",
            vec![
                ("outside/x", b"1.0.0\n".to_vec()),
                ("repo/VERSION", b"1.0.0\n".to_vec()),
            ],
            "bump-versions",
            bump("1.1.0", "../outside/x"),
            2,
            "error: bumping versions: target `../outside/x`: the path leaves the repository (an absolute path or `..`); name files inside it",
        ),
        Case {
            links: vec![("repo/VERSION", "outside/VERSION")],
            ..case(
                "a bump target that is a link out of the repository",
                vec![("outside/VERSION", b"1.0.0\n".to_vec())],
                "bump-versions",
                bump("1.1.0", "VERSION"),
                2,
                "error: bumping versions: target `VERSION`: VERSION is a symbolic link, or lies under one, that leads outside the repository; name files inside it",
            )
        },
        Case {
            links: vec![("repo/linked", "outside")],
            ..case(
                "a bump glob through a linked folder out of the repository",
                vec![
                    ("outside/values.yaml", b"version: 1.0.0\n".to_vec()),
                    ("repo/api/values.yaml", b"version: 1.0.0\n".to_vec()),
                ],
                "bump-versions",
                bump("1.1.0", "*/values.yaml:version"),
                2,
                "error: bumping versions: target `*/values.yaml:version`: linked/values.yaml is a symbolic link, or lies under one, that leads outside the repository; name files inside it",
            )
        },
        case(
            "a changelog with a code fence that is never closed",
            vec![(
                "CHANGELOG.md",
                b"# Changelog\n\nHow to build:\n\n  ```sh\n  make\n".to_vec(),
            )],
            "generate-changelog",
            ["--version", "1.1.0", "--previous", "1.0.0", "--dry-run"]
                .map(String::from)
                .to_vec(),
            2,
            "error: generating the changelog of 1.1.0: CHANGELOG.md:5:3: this code fence is never closed, so the rest of the file is code and a new section would land inside it; close it with a line of 3 backticks (```)",
        ),
        case(
            "a changelog with an HTML comment that is never closed",
            vec![(
                "CHANGELOG.md",
                b"# Changelog\n\n<!-- old notes\n## [1.0.0]\n".to_vec(),
            )],
            "generate-changelog",
            ["--version", "1.1.0", "--previous", "1.0.0", "--dry-run"]
                .map(String::from)
                .to_vec(),
            2,
            "error: generating the changelog of 1.1.0: CHANGELOG.md:3:1: this HTML comment is never closed, so the rest of the file is a comment and a new section would land inside it; close it with a line holding -->",
        ),
        case(
            "a release asset glob that escapes the working folder",
            vec![
                ("outside/x", b"secret\n".to_vec()),
                ("repo/dist/tool.tar.gz", b"tool\n".to_vec()),
            ],
            "publish-release",
            publish("../*/x"),
            2,
            "error: publishing the release: --asset ../*/x: the path leaves the working folder (an absolute path or `..`); name files inside it",
        ),
        Case {
            links: vec![("repo/dist/notes.txt", "outside/x")],
            ..case(
                "a release asset that is a link out of the working folder",
                vec![
                    ("outside/x", b"secret\n".to_vec()),
                    ("repo/dist/tool.tar.gz", b"tool\n".to_vec()),
                ],
                "publish-release",
                publish("dist/*"),
                2,
                "error: publishing the release: --asset dist/*: dist/notes.txt is a symbolic link, or lies under one, that leads outside the working folder; name files inside it",
            )
        },
    ]
}

#[test]
fn every_hostile_input_is_refused_or_handled_and_nothing_is_written() {
    let mut failures = Vec::new();
    for case in cases() {
        let sb = Sandbox::new();
        let root = sb.path().join("work");
        std::fs::create_dir_all(&root).unwrap();
        for (rel, bytes) in &case.files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        for (link, target) in &case.links {
            let path = root.join(link);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(root.join(target), path).unwrap();
        }
        // The escaping cases run in `repo`, next to the folder they try to reach.
        let cwd = if root.join("repo").is_dir() {
            root.join("repo")
        } else {
            root.clone()
        };
        let before = snapshot(&root);
        let run = sb.relay(case.tool).args(&case.args).current_dir(&cwd).run();
        let after = snapshot(&root);
        let got = if case.code == 0 {
            run.stdout()
        } else {
            run.stderr().lines().next().unwrap_or("").to_string()
        };
        let matches = if case.code == 0 {
            got.contains(&case.message)
        } else {
            got.starts_with(&case.message)
        };
        if run.code() != case.code || !matches || before != after {
            failures.push(format!(
                "{}: exit {} (want {}), written: {}\n  got: {got:?}\n  want: {:?}\n  stderr: {}",
                case.name,
                run.code(),
                case.code,
                before != after,
                case.message,
                run.stderr()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
