//! bump-versions, run as a release pipeline runs it: the golden fixtures byte for
//! byte, every error a user can hit (with its message, and that no file changed),
//! --check, --dry-run, the outputs and the action inputs.

use crate::common;

use crate::common::Sandbox;
use crate::common::outputs::{parse_dotenv, parse_github_output};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/all/fixtures/bump")
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Every file's bytes and modification time: what "nothing was written" means.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    tree(dir)
        .into_iter()
        .map(|(rel, bytes)| {
            let mtime = std::fs::metadata(dir.join(&rel))
                .unwrap()
                .modified()
                .unwrap();
            (rel, (bytes, mtime))
        })
        .collect()
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
}

#[test]
fn golden_fixtures_change_exactly_the_expected_bytes() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "the fixtures are there");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let sb = Sandbox::new();
        let work = sb.path().join("work");
        copy_tree(&case.join("input"), &work);
        let args: Vec<String> = std::fs::read_to_string(case.join("args"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let run = sb
            .relay("bump-versions")
            .args(&args)
            .current_dir(&work)
            .run();
        assert_eq!(run.code(), 0, "{name}: {}", run.stderr());
        let input = tree(&case.join("input"));
        let expected = tree(&case.join("expected"));
        let result = tree(&work);
        assert_eq!(
            result.keys().collect::<Vec<_>>(),
            input.keys().collect::<Vec<_>>(),
            "{name}: no file added or removed"
        );
        for (rel, bytes) in &result {
            let want = expected.get(rel).unwrap_or(&input[rel]);
            assert!(
                bytes == want,
                "{name}/{rel} differs:\n--- got\n{}\n--- expected\n{}",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(want)
            );
        }

        // Run again: the files already hold the version, so nothing changes.
        let again = sb
            .relay("bump-versions")
            .args(&args)
            .arg_json()
            .current_dir(&work)
            .run()
            .success()
            .json();
        assert_eq!(again["changed-files"], json!([]), "{name}: idempotent");
        // And --check agrees.
        sb.relay("bump-versions")
            .args(&args)
            .args(["--check"])
            .current_dir(&work)
            .run()
            .success();
    }
}

trait JsonFlag {
    fn arg_json(self) -> Self;
}

impl JsonFlag for common::Relay {
    fn arg_json(self) -> Self {
        self.args(["--json"])
    }
}

/// A sandbox with a small release's files.
fn release_files(sb: &Sandbox) {
    sb.write(
        "Chart.yaml",
        "apiVersion: v2\nname: api\n# bumped\nversion: 1.0.0\nappVersion: \"1.0.0\"\n",
    );
    sb.write(
        "values.yaml",
        "image:\n  repository: api\n  tag: 1.0.0\nlist:\n  - a\nblock: |\n  1.0.0\n",
    );
    sb.write(
        "package.json",
        "{\n  \"name\": \"x\",\n  \"version\": \"1.0.0\"\n}\n",
    );
    sb.write("VERSION", "1.0.0\n");
    sb.write("README.md", "Version 1.0.0\n");
}

/// Runs bump-versions expecting exit 2 and no file touched; returns stderr.
fn bad_input(sb: &Sandbox, args: &[&str]) -> String {
    let before = snapshot(sb.path());
    let run = sb.relay("bump-versions").args(args).run().expect_code(2);
    assert_eq!(
        snapshot(sb.path()),
        before,
        "nothing was written for {args:?}"
    );
    run.stderr()
}

#[test]
fn every_bad_target_is_an_error_naming_file_key_and_position_and_nothing_is_written() {
    let sb = Sandbox::new();
    release_files(&sb);
    sb.write("broken.yaml", "a: [1, 2\nb: 3\n");
    sb.write("broken.json", "{\"version\": \"1.0.0\",,}\n");
    sb.write("broken.toml", "[package]\nversion = \n");
    sb.write("dup.json", "{\"version\": \"1\", \"version\": \"2\"}\n");
    sb.write("alias.yaml", "base: &v 1.0.0\nuse: *v\n");
    let v = ["--version", "1.1.0"];
    let cases: &[(&[&str], &str)] = &[
        (
            &["--file", "missing.yaml:version"],
            "error: bumping versions: missing.yaml: no such file (target `missing.yaml:version`)\n",
        ),
        (
            &["--file", "charts/*/Chart.yaml"],
            "error: bumping versions: target `charts/*/Chart.yaml`: the pattern matches no file\n",
        ),
        (
            &["--file", "values.yaml:image.digest"],
            "error: bumping versions: values.yaml:1:1: key `image.digest` not found: `image` has no key `digest`\n",
        ),
        (
            &["--file", "values.yaml:list[3]"],
            "error: bumping versions: values.yaml:4:1: key `list[3]` not found: `list` has 1 items, so no [3]\n",
        ),
        (
            &["--file", "values.yaml:image"],
            "error: bumping versions: values.yaml:1:1: key `image` is a map, not a value; name a key inside it\n",
        ),
        (
            &["--file", "values.yaml:list"],
            "error: bumping versions: values.yaml:4:1: key `list` is a list, not a value; name a key inside it\n",
        ),
        (
            &["--file", "values.yaml:block"],
            "error: bumping versions: values.yaml:7:3: key `block`: `block` is a block scalar (`|` or `>`); bump-versions edits one-line values\n",
        ),
        (
            &["--file", "alias.yaml:use"],
            "error: bumping versions: alias.yaml:2:6: key `use`: is an alias; its value is the anchor at alias.yaml:1:10: bump that key instead\n",
        ),
        (
            &["--file", "README.md:/v(?P<version>[0-9]+\\.[0-9]+)x/"],
            "error: bumping versions: README.md:1:1: /v(?P<version>[0-9]+\\.[0-9]+)x/ matches nothing\n",
        ),
        (
            &["--file", "README.md:/Version [0-9.]+/"],
            "error: target `README.md:/Version [0-9.]+/`: regex `Version [0-9.]+` has no group named `version`; write (?P<version>...) around the text to replace\n",
        ),
        (
            &["--file", "README.md"],
            "error: bumping versions: README.md: this kind of file has no KEY syntax; name the value with PATH:/REGEX/ and a `version` group (target `README.md`)\n",
        ),
        (
            &["--file", "values.yaml"],
            "error: bumping versions: values.yaml: no default key for this file; name one: `values.yaml:KEY` (target `values.yaml`)\n",
        ),
        (
            &["--file", "VERSION:version"],
            "error: bumping versions: VERSION: a plain version file has no keys; give the path alone (the whole content is the value) (target `VERSION:version`)\n",
        ),
        (
            &["--file", "broken.yaml:b"],
            "error: bumping versions: broken.yaml:2:2: does not parse as YAML: illegal placement of ':' indicator\n",
        ),
        (
            &["--file", "broken.json:version"],
            "error: bumping versions: broken.json:1:21: does not parse as JSON: Unexpected token in object\n",
        ),
        (
            &["--file", "broken.toml:package.version"],
            "error: bumping versions: broken.toml:2:11: does not parse as TOML: string values must be quoted, expected literal string\n",
        ),
        (
            &["--file", "dup.json:version"],
            "error: bumping versions: dup.json:1:29: key `version`: the key appears 2 times; which one is meant is unclear\n",
        ),
        (
            &["--file", "values.yaml:a..b"],
            "error: target `values.yaml:a..b`: key: empty segment at column 3 (write `\"\"` for the empty key)\n",
        ),
        (
            &["--file", "Chart.yaml:version={major}.{minr}"],
            "error: target `Chart.yaml:version={major}.{minr}`: template `{major}.{minr}`: unknown field `{minr}` (known: {version}, {major}, {minor}, {patch}, {prerelease})\n",
        ),
        (
            &[],
            "error: bumping versions: no targets: pass --file SPEC or add [[bump.files]] entries to relay.toml\n",
        ),
    ];
    for (args, message) in cases {
        let mut all = v.to_vec();
        all.extend_from_slice(args);
        assert_eq!(bad_input(&sb, &all), *message, "{args:?}");
    }
}

#[test]
fn all_or_nothing_lists_every_failed_target_and_writes_no_file() {
    let sb = Sandbox::new();
    release_files(&sb);
    let stderr = bad_input(
        &sb,
        &[
            "--version",
            "1.1.0",
            "--file",
            "Chart.yaml",
            "--file",
            "package.json",
            "--file",
            "values.yaml:image.nope",
            "--file",
            "gone/VERSION",
        ],
    );
    assert_eq!(
        stderr,
        "error: bumping versions: 2 targets failed, nothing was written:\n  \
         values.yaml:1:1: key `image.nope` not found: `image` has no key `nope`\n  \
         gone/VERSION: no such file (target `gone/VERSION`)\n"
    );
}

/// A tag pipeline hands the tag name (`github.ref_name`, `CI_COMMIT_TAG`): with the tag
/// prefix it is the version; without it, a template that adds the prefix itself would
/// write `vv1.4.0`, and is refused.
#[test]
fn a_tag_name_is_the_version_with_its_prefix_and_never_doubles_it() {
    let sb = Sandbox::new();
    release_files(&sb);
    for (template, version, message) in [
        (
            "Chart.yaml:appVersion=v{version}",
            "v1.4.0",
            "error: bumping versions: --version `v1.4.0`: template `v{version}` would write `vv1.4.0`: the version is a tag name that already starts with `v`; pass --tag-prefix v (the version is then `1.4.0`) or drop `v` from the template\n",
        ),
        (
            "Chart.yaml:appVersion=release-{version}",
            "release-1.4.0",
            "error: bumping versions: --version `release-1.4.0`: template `release-{version}` would write `release-release-1.4.0`: the version is a tag name that already starts with `release-`; pass --tag-prefix release- (the version is then `1.4.0`) or drop `release-` from the template\n",
        ),
        (
            "Chart.yaml:appVersion={major}.{minor}",
            "v1.4.0",
            "error: bumping versions: --version `v1.4.0`: template `{major}.{minor}` uses the parts of the version, which is a tag name; pass --tag-prefix v (the version is then `1.4.0`)\n",
        ),
    ] {
        let stderr = bad_input(&sb, &["--version", version, "--file", template]);
        assert_eq!(stderr, message, "{template}");
    }

    let output = sb.path().join("github_output");
    sb.relay("bump-versions")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("INPUT_VERSION", "v1.4.0")
        .env("INPUT_TAG-PREFIX", "v")
        .env(
            "INPUT_FILE",
            "Chart.yaml\nChart.yaml:appVersion=v{version}\nVERSION\n",
        )
        .run()
        .success();
    assert_eq!(
        sb.read("Chart.yaml"),
        "apiVersion: v2\nname: api\n# bumped\nversion: 1.4.0\nappVersion: \"v1.4.0\"\n"
    );
    assert_eq!(sb.read("VERSION"), "1.4.0\n");
    let github = parse_github_output(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(github["version"], "1.4.0");
    // A version given without the prefix is taken as it is.
    let out = sb
        .relay("bump-versions")
        .args([
            "--version",
            "1.4.1",
            "--tag-prefix",
            "v",
            "--json",
            "--file",
            "VERSION",
        ])
        .run()
        .success()
        .json();
    assert_eq!(out["version"], "1.4.1");
    assert_eq!(sb.read("VERSION"), "1.4.1\n");
}

#[test]
fn a_template_with_version_parts_needs_a_real_version() {
    let sb = Sandbox::new();
    release_files(&sb);
    let stderr = bad_input(
        &sb,
        &[
            "--version",
            "abc123",
            "--file",
            "Chart.yaml:appVersion={major}.{minor}",
        ],
    );
    assert_eq!(
        stderr,
        "error: bumping versions: --version `abc123`: template `{major}.{minor}` uses the parts of the version, but `abc123` is not a version such as 1.2.0\n"
    );
    for (value, reason) in [
        ("", "the value is empty"),
        ("a\nb", "the value must be one line"),
    ] {
        let stderr = bad_input(&sb, &["--version", value, "--file", "VERSION"]);
        assert_eq!(
            stderr,
            format!("error: bumping versions: --version `{value}`: {reason}\n")
        );
    }
    // Without version parts any one-line value goes, such as a commit id.
    sb.relay("bump-versions")
        .args(["--version", "4c9e1d2b", "--file", "VERSION"])
        .run()
        .success();
    assert_eq!(sb.read("VERSION"), "4c9e1d2b\n");
}

#[test]
fn two_targets_asking_one_value_to_become_two_things_conflict() {
    let sb = Sandbox::new();
    release_files(&sb);
    let stderr = bad_input(
        &sb,
        &[
            "--version",
            "1.1.0",
            "--file",
            "Chart.yaml",
            "--file",
            "Chart.yaml:version=v{version}",
        ],
    );
    assert_eq!(
        stderr,
        "error: bumping versions: Chart.yaml:4:10: `version` is asked to become both `1.1.0` and `v1.1.0`\n"
    );
}

#[test]
fn a_regex_whose_match_the_new_value_breaks_fails_the_self_check() {
    let sb = Sandbox::new();
    release_files(&sb);
    let before = snapshot(sb.path());
    let run = sb
        .relay("bump-versions")
        .args([
            "--version",
            "next",
            "--file",
            "README.md:/Version (?P<version>[0-9.]+)/",
        ])
        .run()
        .expect_code(1);
    assert_eq!(
        run.stderr(),
        "error: bumping versions: README.md: the edit did not check out (/Version (?P<version>[0-9.]+)/ matched 1 times before and reads [] after, not `next` each time); nothing was written\n"
    );
    assert_eq!(snapshot(sb.path()), before);
}

#[test]
fn check_lists_every_differing_value_and_changes_nothing() {
    let sb = Sandbox::new();
    release_files(&sb);
    sb.write("VERSION", "1.1.0\n");
    let before = snapshot(sb.path());
    let run = sb
        .relay("bump-versions")
        .args([
            "--version",
            "1.1.0",
            "--check",
            "--json",
            "--file",
            "Chart.yaml",
            "--file",
            "Chart.yaml:appVersion",
            "--file",
            "values.yaml:image.tag",
            "--file",
            "VERSION",
        ])
        .run()
        .expect_code(1);
    assert_eq!(snapshot(sb.path()), before);
    assert!(
        run.stderr().ends_with(
            "error: 3 of 4 values differ from the expected ones:\n  \
             Chart.yaml:4: version is `1.0.0`, expected `1.1.0`\n  \
             Chart.yaml:5: appVersion is `1.0.0`, expected `1.1.0`\n  \
             values.yaml:3: image.tag is `1.0.0`, expected `1.1.0`\n"
        ),
        "{}",
        run.stderr()
    );
    let out = run.json();
    assert_eq!(out["changed-files"], json!(["Chart.yaml", "values.yaml"]));
    assert_eq!(out["previous-values"]["VERSION"], "1.1.0");
}

#[test]
fn dry_run_prints_a_unified_diff_and_writes_nothing() {
    let sb = Sandbox::new();
    release_files(&sb);
    let before = snapshot(sb.path());
    let run = sb
        .relay("bump-versions")
        .args([
            "--version",
            "1.1.0",
            "--dry-run",
            "--file",
            "Chart.yaml",
            "--file",
            "VERSION",
        ])
        .run()
        .success();
    assert_eq!(snapshot(sb.path()), before);
    assert_eq!(
        run.stdout(),
        "--- a/Chart.yaml\n+++ b/Chart.yaml\n@@ -1,5 +1,5 @@\n apiVersion: v2\n name: api\n # bumped\n-version: 1.0.0\n+version: 1.1.0\n appVersion: \"1.0.0\"\n\
         --- a/VERSION\n+++ b/VERSION\n@@ -1 +1 @@\n-1.0.0\n+1.1.0\n"
    );
    assert!(
        run.stderr()
            .contains("dry run: 2 of 2 files would change; nothing written")
    );
}

#[test]
fn outputs_reach_github_gitlab_and_json() {
    let sb = Sandbox::new();
    release_files(&sb);
    let output = sb.path().join("github_output");
    let dotenv = sb.path().join("bump.env");
    let run = sb
        .relay("bump-versions")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .args([
            "--version",
            "1.1.0",
            "--json",
            "--dotenv",
            dotenv.to_str().unwrap(),
            "--file",
            "Chart.yaml",
            "--file",
            "Chart.yaml:appVersion=v{version}",
            "--file",
            "package.json",
            "--file",
            "VERSION",
        ])
        .run()
        .success();
    let expected_previous = json!({
        "Chart.yaml:version": "1.0.0",
        "Chart.yaml:appVersion": "1.0.0",
        "package.json:version": "1.0.0",
        "VERSION": "1.0.0",
    });
    let out = run.json();
    assert_eq!(
        out["changed-files"],
        json!(["Chart.yaml", "package.json", "VERSION"])
    );
    assert_eq!(out["previous-values"], expected_previous);
    let github = parse_github_output(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&github["previous-values"]).unwrap(),
        expected_previous
    );
    let gitlab = parse_dotenv(&std::fs::read_to_string(&dotenv).unwrap());
    // A list is always a file beside the report; the variable holds its path.
    assert_eq!(
        gitlab["CHANGED_FILES"],
        format!("{}.CHANGED_FILES", dotenv.display())
    );
    assert_eq!(
        crate::common::outputs::dotenv_value(&gitlab, "CHANGED_FILES"),
        "[\"Chart.yaml\",\"package.json\",\"VERSION\"]"
    );
    assert_eq!(
        sb.read("Chart.yaml"),
        "apiVersion: v2\nname: api\n# bumped\nversion: 1.1.0\nappVersion: \"v1.1.0\"\n"
    );
}

#[test]
fn action_inputs_carry_the_version_and_one_target_per_line() {
    let sb = Sandbox::new();
    release_files(&sb);
    let output = sb.path().join("github_output");
    sb.relay("bump-versions")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("INPUT_VERSION", "2.0.0")
        .env("INPUT_FILE", "Chart.yaml\nvalues.yaml:image.tag\n\n")
        .env("INPUT_DRY-RUN", "false")
        .env("INPUT_CHECK", "")
        .run()
        .success();
    assert!(sb.read("Chart.yaml").contains("\nversion: 2.0.0\n"));
    assert!(sb.read("values.yaml").contains("  tag: 2.0.0\n"));
    let github = parse_github_output(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(github["changed-files"], "[\"Chart.yaml\",\"values.yaml\"]");
}

#[test]
fn config_entries_are_used_without_file_flags_and_flags_override_them() {
    let sb = Sandbox::new();
    release_files(&sb);
    sb.write(
        "relay.toml",
        "[[bump.files]]\npath = \"Chart.yaml\"\n\n[[bump.files]]\npath = \"package.json\"\n",
    );
    let out = sb
        .relay("bump-versions")
        .args(["--version", "1.2.0", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(out["changed-files"], json!(["Chart.yaml", "package.json"]));
    let out = sb
        .relay("bump-versions")
        .args(["--version", "1.3.0", "--json", "--file", "VERSION"])
        .run()
        .success()
        .json();
    assert_eq!(out["changed-files"], json!(["VERSION"]));
    assert!(sb.read("Chart.yaml").contains("version: 1.2.0\n"));
}

#[test]
fn invalid_config_entries_name_their_position_in_the_config_file() {
    let sb = Sandbox::new();
    release_files(&sb);
    let cases = [
        (
            "[[bump.files]]\npath = \"Chart.yaml\"\nkey = \"a..b\"\n",
            "error: relay.toml:3:7: target `Chart.yaml`: key: empty segment at column 3 (write `\"\"` for the empty key)\n",
        ),
        (
            "[[bump.files]]\npath = \"Chart.yaml\"\nkey = \"version\"\nregex = \"(?P<version>x)\"\n",
            "error: relay.toml:3:7: target `Chart.yaml`: give `key` or `regex`, not both\n",
        ),
        (
            "[[bump.files]]\npath = \"Chart.yaml\"\nkeys = \"version\"\n",
            "error: relay.toml:3:1: unknown field `keys`, expected one of `path`, `key`, `regex`, `template`\n",
        ),
    ];
    for (config, message) in cases {
        sb.write("relay.toml", config);
        let stderr = bad_input(&sb, &["--version", "1.1.0"]);
        assert_eq!(stderr, message);
    }
    let stderr = bad_input(&sb, &["--version", "1.1.0", "--config", "other.toml"]);
    assert!(
        stderr.starts_with("error: reading the configuration: cannot read other.toml"),
        "{stderr}"
    );
}

#[test]
fn writes_keep_the_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let path = sb.write("VERSION", "1.0.0\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    sb.relay("bump-versions")
        .args(["--version", "1.0.1", "--file", "VERSION"])
        .run()
        .success();
    assert_eq!(sb.read("VERSION"), "1.0.1\n");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[test]
fn the_library_reads_targets_for_verify_release() {
    let sb = Sandbox::new();
    release_files(&sb);
    let spec = relay::bump::TargetSpec::parse("Chart.yaml:appVersion").unwrap();
    let found = relay::bump::read_targets(&spec, sb.path()).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].value, "1.0.0");
    assert_eq!(found[0].key, "appVersion");
    assert_eq!(found[0].location.to_string(), "Chart.yaml:5:13");
    let spec = relay::bump::TargetSpec::parse("package.json:nope").unwrap();
    let err = relay::bump::read_targets(&spec, sb.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "package.json:1:1: key `nope` not found: the document has no key `nope`"
    );
}

#[test]
fn a_crate_bumps_its_own_cargo_lock_entry_and_an_inheriting_member_is_refused() {
    let sb = Sandbox::new();
    sb.write(
        "Cargo.toml",
        "[package]\nname = \"tool\"\nversion = \"0.2.0\"\n\n[dependencies]\nhelper = \"0.2.0\"\n",
    );
    let lock = "version = 4\n\n[[package]]\nname = \"helper\"\nversion = \"0.2.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"tool\"\nversion = \"0.2.0\"\ndependencies = [\n \"helper\",\n]\n";
    sb.write("Cargo.lock", lock);
    let out = sb
        .relay("bump-versions")
        .args(["--version", "0.3.0", "--json", "--file", "Cargo.toml"])
        .run()
        .success()
        .json();
    assert_eq!(out["changed-files"], json!(["Cargo.toml", "Cargo.lock"]));
    assert_eq!(
        out["previous-values"],
        json!({"Cargo.toml:package.version": "0.2.0", "Cargo.lock:package[1].version": "0.2.0"})
    );
    assert_eq!(
        sb.read("Cargo.toml"),
        "[package]\nname = \"tool\"\nversion = \"0.3.0\"\n\n[dependencies]\nhelper = \"0.2.0\"\n"
    );
    assert_eq!(
        sb.read("Cargo.lock"),
        lock.replace(
            "name = \"tool\"\nversion = \"0.2.0\"",
            "name = \"tool\"\nversion = \"0.3.0\""
        )
    );

    sb.write(
        "member/Cargo.toml",
        "[package]\nname = \"member\"\nversion.workspace = true\n",
    );
    let stderr = bad_input(&sb, &["--version", "0.4.0", "--file", "member/Cargo.toml"]);
    assert_eq!(
        stderr,
        "error: bumping versions: member/Cargo.toml:3:1: key `package.version`: is inherited from the workspace (`version.workspace = true`); bump the workspace's Cargo.toml\n"
    );
}

/// upper-constraints.txt in the shape of openstack/requirements: the warning header,
/// `===` pins, a marker-split package, a CRLF line.
const UPPER_CONSTRAINTS: &str = "# WARNING: OpenStack makes no security guarantees about third-party\n\
# dependencies listed here.\n\
voluptuous===0.15.2\n\
oslo.i18n===6.5.0\n\
backports.strenum===1.3.1;python_version=='3.10'\r\n\
Babel===2.17.0  # i18n\n\
networkx===3.2.1;python_version=='3.9'\n\
networkx===3.4.2;python_version>='3.10'\n";

#[test]
fn a_constraints_file_pins_the_package_by_its_pip_name_and_keeps_every_other_byte() {
    let sb = Sandbox::new();
    sb.write("upper-constraints.txt", UPPER_CONSTRAINTS);
    sb.write(
        "requirements.txt",
        "pbr>=2.0.0 # Apache-2.0\nOslo_I18n == 6.5.0 ; python_version>='3.9'  # pinned\n-c upper-constraints.txt\n",
    );
    let run = sb
        .relay("bump-versions")
        .args(["--version", "6.6.0", "--json"])
        .args(["--file", "upper-constraints.txt:oslo.i18n"])
        .args(["--file", "requirements.txt:oslo-i18n"])
        .args(["--file", "upper-constraints.txt:Backports_StrEnum=1.3.2"])
        .run()
        .success();
    assert_eq!(
        sb.read("upper-constraints.txt"),
        UPPER_CONSTRAINTS
            .replace("oslo.i18n===6.5.0", "oslo.i18n===6.6.0")
            .replace("strenum===1.3.1;", "strenum===1.3.2;")
    );
    assert_eq!(
        sb.read("requirements.txt"),
        "pbr>=2.0.0 # Apache-2.0\nOslo_I18n == 6.6.0 ; python_version>='3.9'  # pinned\n-c upper-constraints.txt\n"
    );
    let outputs = run.json();
    assert_eq!(
        outputs["changed-files"],
        json!(["upper-constraints.txt", "requirements.txt"])
    );
    assert_eq!(
        outputs["previous-values"]["upper-constraints.txt:oslo.i18n"],
        "6.5.0"
    );

    // A package pinned twice (by markers), a range, a missing package, a broken line.
    sb.write("constraints.txt", "six>=1.0\nbad line here\n");
    let err = bad_input(
        &sb,
        &[
            "--version",
            "3.5.0",
            "--file",
            "upper-constraints.txt:networkx",
        ],
    );
    assert_eq!(
        err.trim_end(),
        "error: bumping versions: upper-constraints.txt:8:12: key `networkx`: the key appears 2 times; which one is meant is unclear"
    );
    let err = bad_input(
        &sb,
        &[
            "--version",
            "1.0",
            "--file",
            "upper-constraints.txt:requests",
        ],
    );
    assert!(
        err.starts_with("error: bumping versions: upper-constraints.txt:1:1: ")
            && err.contains("requests"),
        "{err}"
    );
    sb.write(
        "global-requirements.txt",
        "pbr!=2.1.0,>=2.0.0  # Apache-2.0\nsix\n",
    );
    let err = bad_input(
        &sb,
        &[
            "--version",
            "3.0.0",
            "--file",
            "global-requirements.txt:PBR",
        ],
    );
    assert_eq!(
        err.trim_end(),
        "error: bumping versions: global-requirements.txt:1:1: key `PBR`: is not pinned to one version (`!=2.1.0,>=2.0.0`); only `==` and `===` pins are bumped"
    );
    let err = bad_input(&sb, &["--version", "1.0", "--file", "constraints.txt:six"]);
    assert_eq!(
        err.trim_end(),
        "error: bumping versions: constraints.txt:2:5: does not parse as pip requirements: expected a version specifier (`==1.2.3`) or `;` after `bad`, found `line here`"
    );
    let err = bad_input(
        &sb,
        &[
            "--version",
            "6.6.0 ; x",
            "--file",
            "requirements.txt:oslo.i18n",
        ],
    );
    assert!(
        err.contains("no version a requirements file can pin"),
        "{err}"
    );
}

/// Opt-in: against the real upper-constraints.txt of a clone of openstack/requirements
/// (`RELAY_REQUIREMENTS_REPO=/path/to/requirements`), the bump of oslo.i18n changes one
/// line, only its version.
#[test]
fn the_real_upper_constraints_of_openstack_change_by_one_version() {
    let Some(repo) = std::env::var_os("RELAY_REQUIREMENTS_REPO") else {
        return;
    };
    let original = std::fs::read_to_string(Path::new(&repo).join("upper-constraints.txt")).unwrap();
    let sb = Sandbox::new();
    sb.write("upper-constraints.txt", &original);
    sb.relay("bump-versions")
        .args([
            "--version",
            "99.0.0",
            "--file",
            "upper-constraints.txt:oslo.i18n",
        ])
        .run()
        .success();
    let bumped = sb.read("upper-constraints.txt");
    let changed: Vec<(&str, &str)> = original
        .lines()
        .zip(bumped.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(original.lines().count(), bumped.lines().count());
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].0.starts_with("oslo.i18n==="), "{changed:?}");
    assert_eq!(changed[0].1, "oslo.i18n===99.0.0");
}

/// `cargo metadata` on the workspace in `dir`, offline and with its lock file as it
/// is: what a build after the bump would resolve first.
fn cargo_metadata(sb: &Sandbox, dir: &Path) -> std::process::Output {
    std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--offline", "--locked", "--format-version", "1"])
        .current_dir(dir)
        .env("CARGO_HOME", sb.path().join("cargo-home"))
        .output()
        .expect("cargo runs")
}

#[test]
fn a_major_bump_of_a_workspace_moves_the_members_requirements_on_each_other() {
    let sb = Sandbox::new();
    sb.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.package]\n\
         version = \"1.4.0\"\nedition = \"2021\"\n\n[workspace.dependencies]\n\
         acme-core = { path = \"crates/core\", version = \"1.4.0\" }\n",
    );
    sb.write(
        "crates/core/Cargo.toml",
        "[package]\nname = \"acme-core\"\nversion.workspace = true\nedition.workspace = true\n",
    );
    sb.write(
        "crates/helper/Cargo.toml",
        "[package]\nname = \"acme-helper\"\nversion.workspace = true\nedition.workspace = true\n\n\
         [dependencies]\ncore = { package = \"acme-core\", version = \"^1.4\", path = \"../core\" } # pinned\n",
    );
    sb.write(
        "crates/cli/Cargo.toml",
        "[package]\nname = \"acme-cli\"\nversion.workspace = true\nedition.workspace = true\n\n\
         [dependencies]\nacme-core.workspace = true\n\n[dev-dependencies.acme-helper]\n\
         path = \"../helper\"\nversion = \"=1.4.0\"\n\n\
         [target.'cfg(unix)'.build-dependencies]\nacme-helper = { path = \"../helper\", version = \"~1.4.0\" }\n",
    );
    for krate in ["core", "helper", "cli"] {
        sb.write(&format!("crates/{krate}/src/lib.rs"), "");
    }
    let lock =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["generate-lockfile", "--offline"])
            .current_dir(sb.path())
            .env("CARGO_HOME", sb.path().join("cargo-home"))
            .output()
            .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    assert!(cargo_metadata(&sb, sb.path()).status.success());

    let out = sb
        .relay("bump-versions")
        .args(["--version", "2.0.0", "--file", "Cargo.toml", "--json"])
        .run()
        .success()
        .json();
    let metadata = cargo_metadata(&sb, sb.path());
    assert!(
        metadata.status.success(),
        "cargo resolves the bumped workspace: {}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    assert!(
        sb.read("Cargo.toml")
            .ends_with("acme-core = { path = \"crates/core\", version = \"2.0.0\" }\n")
    );
    assert!(
        sb.read("crates/helper/Cargo.toml").ends_with(
            "core = { package = \"acme-core\", version = \"^2.0.0\", path = \"../core\" } # pinned\n"
        ),
        "the operator and the comment stay"
    );
    let cli = sb.read("crates/cli/Cargo.toml");
    assert!(
        cli.contains("path = \"../helper\"\nversion = \"=2.0.0\"\n"),
        "{cli}"
    );
    assert!(
        cli.contains("acme-helper = { path = \"../helper\", version = \"~2.0.0\" }\n"),
        "{cli}"
    );
    assert_eq!(
        out["changed-files"],
        json!([
            "Cargo.toml",
            "crates/cli/Cargo.toml",
            "crates/helper/Cargo.toml",
            "Cargo.lock"
        ])
    );
    assert_eq!(
        out["previous-values"]["crates/helper/Cargo.toml:dependencies.core.version"],
        "^1.4"
    );

    // verify-release reads the version where the workspace names it, not in the
    // requirements that follow it.
    sb.relay("verify-release")
        .args([
            "--version",
            "2.0.0",
            "--expect-file",
            "Cargo.toml",
            "--forge",
            "git",
        ])
        .run()
        .success();
}

#[test]
fn version_auto_writes_the_next_version_from_the_commits() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("VERSION", "1.4.0\n", "feat: first");
    repo.tag_annotated("v1.4.0", "api 1.4.0");
    repo.commit("a", "1", "fix: one");
    repo.commit("b", "2", "feat: two");
    let run = sb
        .relay("bump-versions")
        .args(["--version", "auto", "--file", "VERSION", "--json"])
        .current_dir(repo.path())
        .run()
        .success();
    let out = run.json();
    assert_eq!(out["version"], "1.5.0");
    assert_eq!(out["next-version"], "1.5.0");
    assert_eq!(out["bump"], "minor");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("VERSION")).unwrap(),
        "1.5.0\n"
    );
    assert!(
        run.stderr()
            .contains("--version auto: 1.5.0 (minor since v1.4.0: 2 commits)\n"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_template_of_version_parts_keeps_the_pre_release_separator() {
    let sb = Sandbox::new();
    for (version, written) in [
        ("1.4.0-rc.1", "1.4.0-rc.1"),
        ("1.4.0rc1", "1.4.0rc1"),
        ("1.4.0.dev3", "1.4.0.dev3"),
        ("1.4.0", "1.4.0"),
    ] {
        sb.write("Chart.yaml", "version: 1.0.0\n");
        sb.relay("bump-versions")
            .args(["--version", version])
            .args([
                "--file",
                "Chart.yaml:version={major}.{minor}.{patch}{prerelease}",
            ])
            .run()
            .success();
        assert_eq!(
            sb.read("Chart.yaml"),
            format!("version: {written}\n"),
            "{version}"
        );
    }
}

#[test]
fn one_file_and_one_value_are_counted_in_the_singular() {
    let sb = Sandbox::new();
    sb.write("VERSION", "1.0.0\n");
    let run = sb
        .relay("bump-versions")
        .args(["--version", "2.0.0", "--file", "VERSION", "--dry-run"])
        .run()
        .success();
    assert!(
        run.stderr()
            .ends_with("dry run: 1 of 1 file would change; nothing written\n"),
        "{}",
        run.stderr()
    );
    let run = sb
        .relay("bump-versions")
        .args(["--version", "2.0.0", "--file", "VERSION", "--check"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr().starts_with(
            "VERSION:1:1: 1.0.0 → 2.0.0\nerror: 1 of 1 value differs from the expected one:\n  VERSION:1: the content is `1.0.0`, expected `2.0.0`"
        ),
        "{}",
        run.stderr()
    );
    let run = sb
        .relay("bump-versions")
        .args(["--version", "2.0.0", "--file", "VERSION"])
        .run()
        .success();
    assert!(
        run.stderr().ends_with("wrote 1 of 1 file\n"),
        "{}",
        run.stderr()
    );
    let run = sb
        .relay("bump-versions")
        .args(["--version", "2.0.0", "--file", "VERSION", "--check"])
        .run()
        .success();
    assert!(
        run.stderr()
            .ends_with("check: the 1 value is as expected\n"),
        "{}",
        run.stderr()
    );
}
