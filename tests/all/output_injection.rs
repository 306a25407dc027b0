//! Output injection across the tools that carry user text into their outputs: tag
//! messages (read-tag-metadata), commit subjects (generate-changelog), file contents
//! (bump-versions, verify-release, update-links). Hostile values — newlines, workflow
//! command text, `%0A`, lines that look like the `$GITHUB_OUTPUT` delimiter, shell
//! metacharacters, `$VARIABLES` — must come out as exactly one output each, with
//! exactly that value, through the real `$GITHUB_OUTPUT` file (read like the runner)
//! and the real dotenv report (read like GitLab, expanded like its runner), and no
//! other output may appear. Nothing a value says may run as a workflow command when
//! the tool prints it.

use crate::common::outputs::{GITLAB_DOTENV_LIMIT, parse_dotenv, parse_github_output};
use crate::common::workflow_commands::commands_run;
use crate::common::{Relay, Run, Sandbox};
use relay::ci::outputs::dotenv_key;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Single-line values a tag, a commit subject or a file can hold.
const HOSTILE: &[&str] = &[
    "::set-output name=injected::yes",
    "::add-mask::2026.1",
    "::stop-commands::pwned",
    "%0Ainjected=yes%0D%25",
    "ghadelimiter_00000000000000000000000000000000",
    "EOF",
    "injected<<EOF",
    "injected=yes",
    "$(rm -rf /)",
    "`id`; ls | cat & echo && x || y",
    "'single' \"double\" \\backslash",
    "$CI_JOB_TOKEN ${HOME} $$ $1 ${} $",
    "##[set-output name=injected]yes",
    "##[add-mask]2026.1",
];

/// What an output must hold: text, or JSON compared by value.
#[derive(Debug, Clone)]
enum Want {
    Text(String),
    Json(Value),
}

fn text(value: impl Into<String>) -> Want {
    Want::Text(value.into())
}

/// A run in a GitHub Actions job that also writes a dotenv report.
fn job(sb: &Sandbox, relay: Relay) -> Relay {
    relay
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", sb.path().join("github_output"))
        .env("GITHUB_STEP_SUMMARY", sb.path().join("summary.md"))
        .args(["--dotenv", sb.path().join("out.env").to_str().unwrap()])
}

fn assert_value(what: &str, got: &str, want: &Want) {
    match want {
        Want::Text(t) => assert_eq!(got, t, "{what}"),
        Want::Json(v) => {
            let parsed: Value = serde_json::from_str(got)
                .unwrap_or_else(|e| panic!("{what} is not JSON ({e}): {got:?}"));
            assert_eq!(&parsed, v, "{what}");
        }
    }
}

/// Every output exactly once with exactly its value, in `$GITHUB_OUTPUT` and in the
/// dotenv report (side files followed) alike, and no other name in either.
fn assert_outputs(sb: &Sandbox, want: &[(&str, Want)]) {
    let github = parse_github_output(&sb.read("github_output"));
    let mut names: Vec<&str> = want.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    assert_eq!(
        github.keys().map(String::as_str).collect::<Vec<_>>(),
        names,
        "the names in $GITHUB_OUTPUT"
    );
    for (name, value) in want {
        assert_value(&format!("$GITHUB_OUTPUT {name}"), &github[*name], value);
    }

    let report_path = sb.path().join("out.env");
    let report = sb.read("out.env");
    assert!(report.len() < GITLAB_DOTENV_LIMIT);
    let dotenv: BTreeMap<String, String> = parse_dotenv(&report);
    let mut keys: Vec<String> = want.iter().map(|(n, _)| dotenv_key(n)).collect();
    keys.sort_unstable();
    assert_eq!(
        dotenv.keys().cloned().collect::<Vec<_>>(),
        keys,
        "the keys of the dotenv report"
    );
    for (name, value) in want {
        let key = dotenv_key(name);
        let side = format!("{}.{key}", report_path.display());
        let got = if dotenv[&key] == side {
            std::fs::read_to_string(&side).unwrap()
        } else {
            dotenv[&key].clone()
        };
        assert_value(&format!("dotenv {key}"), &got, value);
    }
}

/// The workflow commands a run's streams make the runner run: none on stdout, and on
/// stderr only the tool's own annotations.
fn assert_no_injected_commands(run: &Run) {
    assert_eq!(commands_run(&run.stdout()), [], "commands on stdout");
    for command in commands_run(&run.stderr()) {
        assert!(
            matches!(command.name.as_str(), "warning" | "error"),
            "an injected command ran: {command:?}\n--- stderr\n{}",
            run.stderr()
        );
    }
}

// ---- read-tag-metadata: values from a tag message ----

#[test]
fn read_tag_metadata_carries_hostile_tag_text_as_exactly_one_output_each() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    let sha = repo.commit("a.txt", "a", "first");
    // Two tags, so that each report stays within GitLab's 20 variables.
    for (part, values) in HOSTILE.chunks(8).enumerate() {
        let tag = format!("1.0.{part}");
        let mut message = format!(
            "api {tag} release\n\nEOF\nghadelimiter_00000000000000000000000000000000\n\
             injected=yes\n::set-output name=injected::yes\n  ::add-mask::2026.1\n\
             ##[set-output name=injected]yes\n%0Ainjected=yes\n\n"
        );
        message.push_str("meta:series: 2026.1\n");
        for (i, value) in values.iter().enumerate() {
            message.push_str(&format!("meta:h{i}: {value}\n"));
        }
        // A key that is itself hostile gets no output: it is only in `metadata`.
        let hostile_key = "##[set-output name=injected]yes";
        message.push_str(&format!("meta:{hostile_key}: second\n"));
        repo.git([
            "-c",
            "user.name=Bot ##[set-output name=injected]yes",
            "tag",
            "-a",
            "--cleanup=verbatim",
            &tag,
            "-m",
            &message,
        ]);
        let _ = std::fs::remove_file(sb.path().join("github_output"));
        let run = job(&sb, sb.relay("read-tag-metadata"))
            .args(["--tag", &tag, "--json"])
            .current_dir(repo.path())
            .run()
            .success();

        let mut metadata = serde_json::Map::new();
        metadata.insert("series".into(), json!("2026.1"));
        let mut want: Vec<(String, Want)> = vec![
            ("tag".into(), text(tag.as_str())),
            ("commit".into(), text(&sha)),
            (
                "tagger-name".into(),
                text("Bot ##[set-output name=injected]yes"),
            ),
            ("tagger-email".into(), text("bot@example.org")),
            ("date".into(), text("2026-01-15T12:00:00+00:00")),
            ("subject".into(), text(format!("api {tag} release"))),
            ("message".into(), text(message.trim_end())),
            ("series".into(), text("2026.1")),
        ];
        for (i, value) in values.iter().enumerate() {
            want.push((format!("meta-h{i}"), text(*value)));
            metadata.insert(format!("h{i}"), json!(value));
        }
        metadata.insert(hostile_key.into(), json!("second"));
        want.push(("metadata".into(), Want::Json(Value::Object(metadata))));
        let want: Vec<(&str, Want)> = want.iter().map(|(n, w)| (n.as_str(), w.clone())).collect();
        assert_outputs(&sb, &want);
        let json = run.json();
        for (name, value) in &want {
            match value {
                Want::Text(t) => assert_eq!(json[*name], json!(t), "--json {name}"),
                Want::Json(v) => assert_eq!(&json[*name], v, "--json {name}"),
            }
        }
        assert_no_injected_commands(&run);
        assert!(
            run.stderr().contains(
                "warning: metadata key `##[set-output name=injected]yes` is only in `metadata`"
            ),
            "{}",
            run.stderr()
        );
    }
}

#[test]
fn a_dotenv_report_over_gitlab_s_limit_moves_its_longest_values_beside_it() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    repo.commit("a.txt", "a", "first");
    let mut message = String::from("api 1.0.0 release\n\n");
    for i in 0..8 {
        message.push_str(&format!("meta:long{i}: {}\n", format!("{i}$").repeat(150)));
    }
    repo.tag_annotated("1.0.0", &message);
    let run = job(&sb, sb.relay("read-tag-metadata"))
        .args(["--tag", "1.0.0"])
        .current_dir(repo.path())
        .run()
        .success();
    // `metadata` (a JSON object of every value) alone is over 2 KiB.
    let report = sb.read("out.env");
    assert!(report.len() < GITLAB_DOTENV_LIMIT, "{}", report.len());
    let side = format!("{}.METADATA", sb.path().join("out.env").display());
    assert!(report.contains(&format!("\nMETADATA={side}\n")), "{report}");
    let env = parse_dotenv(&report);
    assert_eq!(env["META_LONG3"], "3$".repeat(150));
    let metadata: Value = serde_json::from_str(&std::fs::read_to_string(side).unwrap()).unwrap();
    assert_eq!(metadata["long7"], json!("7$".repeat(150)));
    assert!(!run.stderr().contains("warning"), "{}", run.stderr());
}

// ---- bump-versions: previous values from the files ----

#[test]
fn bump_versions_carries_hostile_previous_values_as_exactly_one_output() {
    let sb = Sandbox::new();
    // A plain file holds one line; a YAML block scalar holds any.
    let plain = "::add-mask::1.0.0";
    sb.write("VERSION", plain);
    let yaml = "image:\n  tag: \"::set-output name=injected::yes\"\nnotes: |\n  ::add-mask::1.0.0\n  EOF\n  ##[set-output name=injected]yes\n";
    sb.write("values.yaml", yaml);
    sb.write(
        "package.json",
        "{\"version\": \"`id`; $(rm -rf /) | & $HOME\"}\n",
    );
    sb.write(".env", "APP_VERSION='%0Ainjected=yes $$ ${CI_JOB_TOKEN}'\n");
    let run = job(&sb, sb.relay("bump-versions"))
        .args(["--version", "2.0.0"])
        .args(["--file", "VERSION", "--file", "values.yaml:image.tag"])
        .args(["--file", "package.json", "--file", ".env:APP_VERSION"])
        .run()
        .success();
    assert_outputs(
        &sb,
        &[
            ("version", text("2.0.0")),
            (
                "changed-files",
                Want::Json(json!(["VERSION", "values.yaml", "package.json", ".env"])),
            ),
            (
                "previous-values",
                Want::Json(json!({
                    "VERSION": plain,
                    "values.yaml:image.tag": "::set-output name=injected::yes",
                    "package.json:version": "`id`; $(rm -rf /) | & $HOME",
                    ".env:APP_VERSION": "%0Ainjected=yes $$ ${CI_JOB_TOKEN}",
                })),
            ),
        ],
    );
    assert_no_injected_commands(&run);

    // The dry run's diff shows the files' lines and runs none of them.
    sb.write("values.yaml", yaml);
    let run = job(&sb, sb.relay("bump-versions"))
        .args([
            "--version",
            "3.0.0",
            "--file",
            "values.yaml:image.tag",
            "--dry-run",
        ])
        .run()
        .success();
    assert!(
        run.stdout().contains("\n   ::add-mask::1.0.0\n"),
        "{}",
        run.stdout()
    );
    assert_no_injected_commands(&run);
}

/// The `--json` object as the reference: every output it names comes out the same in
/// `$GITHUB_OUTPUT` and the dotenv report, and nothing else does.
fn assert_outputs_match_json(sb: &Sandbox, run: &Run) -> Value {
    let json = run.json();
    let want: Vec<(String, Want)> = json
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| {
            let want = match value {
                Value::String(s) => Want::Text(s.clone()),
                other => Want::Json(other.clone()),
            };
            (name.clone(), want)
        })
        .collect();
    let want: Vec<(&str, Want)> = want.iter().map(|(n, w)| (n.as_str(), w.clone())).collect();
    assert_outputs(sb, &want);
    json
}

// ---- generate-changelog: commit subjects ----

#[test]
fn generate_changelog_carries_hostile_subjects_into_its_notes_output_and_runs_none() {
    let sb = Sandbox::new();
    let repo = sb.repo("api");
    repo.commit("a.txt", "0", "feat: first");
    repo.tag_annotated("1.0.0", "api 1.0.0");
    let commit = |file: &str, message: &str| {
        std::fs::write(repo.path().join(file), message).unwrap();
        repo.git(["add", "--", file]);
        // Verbatim: git would drop a `#` line of the message otherwise.
        repo.git(["commit", "-q", "--cleanup=verbatim", "-m", message]);
    };
    for (i, value) in HOSTILE.iter().enumerate() {
        commit(&format!("h{i}.txt"), &format!("fix: {value}"));
        commit(&format!("raw{i}.txt"), value);
    }
    commit(
        "breaking.txt",
        "feat!: new API\n\nBREAKING CHANGE: ::set-output name=injected::yes",
    );
    let run_changelog = |extra: &[&str]| {
        job(&sb, sb.relay("generate-changelog"))
            .args(["--forge", "github", "--server-url", "https://github.com"])
            .env("GITHUB_REPOSITORY", "acme/api")
            .args(["--version", "1.1.0", "--date", "2026-01-15", "--json"])
            .args(extra)
            .current_dir(repo.path())
            .run()
            .success()
    };
    let run = run_changelog(&["--notes-file", "notes.md"]);
    let json = assert_outputs_match_json(&sb, &run);
    let notes = std::fs::read_to_string(repo.path().join("notes.md")).unwrap();
    assert_eq!(json["notes"], json!(notes));
    assert_eq!(json["previous-version"], "1.0.0");
    assert_eq!(json["commit-count"], json!(2 * HOSTILE.len() + 1));
    assert!(
        notes.contains("\n  ::set-output name=injected::yes\n"),
        "the breaking note keeps its text: {notes}"
    );
    assert_no_injected_commands(&run);

    // A dry run prints the section to the log: its lines run nothing either.
    let run = run_changelog(&["--dry-run"]);
    assert!(
        run.stderr()
            .contains("\n  ::set-output name=injected::yes\n"),
        "{}",
        run.stderr()
    );
    assert_no_injected_commands(&run);
}

// ---- verify-release: values found in files ----

#[test]
fn verify_release_carries_a_hostile_found_value_as_exactly_one_output() {
    let sb = Sandbox::new();
    sb.write(
        "values.yaml",
        "image:\n  tag: \"::set-output name=injected::yes ##[add-mask]1.0.0 $HOME\"\n",
    );
    let run = job(&sb, sb.relay("verify-release"))
        .args([
            "--version",
            "1.0.0",
            "--expect-file",
            "values.yaml:image.tag",
            "--json",
        ])
        .run()
        .expect_code(1);
    let json = assert_outputs_match_json(&sb, &run);
    let found = json["checks"][0]["found"].as_str().unwrap();
    assert!(
        found.contains("::set-output name=injected::yes ##[add-mask]1.0.0 $HOME"),
        "{found}"
    );
    assert_no_injected_commands(&run);
}

// ---- update-links: previous values of a map file ----

#[test]
fn update_links_carries_a_hostile_previous_link_as_exactly_one_output() {
    let sb = Sandbox::new();
    sb.write(
        "repo/relay.toml",
        "[links]\naliases = [\"latest\"]\n[[links.map]]\npath = \"links.json\"\n\
         name = \"{alias}\"\nurl = \"https://x.org/{version}\"\n",
    );
    let previous = "::set-output name=injected::yes\n##[add-mask]x.org\nEOF\n$(rm -rf /)";
    sb.write(
        "repo/links.json",
        &serde_json::to_string(&json!({"latest": previous})).unwrap(),
    );
    let run = job(&sb, sb.relay("update-links"))
        .args(["--version", "1.0.0", "--repo", "repo", "--json"])
        .run()
        .success();
    let json = assert_outputs_match_json(&sb, &run);
    assert_eq!(json["links"][0]["previous"], json!(previous));
    assert_eq!(json["updated"], 1);
    assert_no_injected_commands(&run);
}
