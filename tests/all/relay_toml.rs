//! The section of relay.toml named after a tool: its keys are the tool's long flags and
//! become their defaults; the command line and the `INPUT_*` variables win over it; a
//! key that is no flag, a value of the wrong type and a token are refused at their
//! `relay.toml:line:col` with exit 2 before the tool does anything.

use crate::common::{self, Sandbox};

const MESSAGE: &str = "api 1.0.0\n\nmeta:series: 2026.1\n";

/// A repository with the annotated tags 1.0.0 and 2.0.0 on its one commit.
fn tagged(sb: &Sandbox) -> common::Repo<'_> {
    let repo = sb.repo("work");
    repo.commit("README.md", "# api\n", "feat: first");
    repo.tag_annotated("1.0.0", MESSAGE);
    repo.tag_annotated("2.0.0", "api 2.0.0\n\nmeta:series: 2026.2\n");
    repo
}

fn read_tag(sb: &Sandbox, repo: &common::Repo<'_>) -> common::Relay {
    sb.relay("read-tag-metadata")
        .current_dir(repo.path())
        .arg("--json")
}

#[test]
fn the_tool_s_section_gives_its_flags_defaults() {
    let sb = Sandbox::new();
    let repo = tagged(&sb);
    std::fs::write(
        repo.path().join("relay.toml"),
        "[bump]\n\n[read-tag-metadata]\ntag = \"1.0.0\"\nrequire = [\"series\"]\nallow-lightweight = false\n",
    )
    .unwrap();
    let out = read_tag(&sb, &repo).run().success().json();
    assert_eq!(out["tag"], "1.0.0");
    assert_eq!(out["series"], "2026.1");
    // A required key the tag lacks fails the run, as the flag would.
    std::fs::write(
        repo.path().join("relay.toml"),
        "[read-tag-metadata]\ntag = \"1.0.0\"\nrequire = \"series,pypi\"\n",
    )
    .unwrap();
    let run = read_tag(&sb, &repo).run().expect_code(1);
    assert!(run.stderr().contains("pypi"), "{}", run.stderr());
}

#[test]
fn a_flag_and_an_input_win_over_the_file() {
    let sb = Sandbox::new();
    let repo = tagged(&sb);
    std::fs::write(
        repo.path().join("relay.toml"),
        "[read-tag-metadata]\ntag = \"1.0.0\"\n",
    )
    .unwrap();
    let flag = read_tag(&sb, &repo)
        .arg("--tag=2.0.0")
        .run()
        .success()
        .json();
    assert_eq!(flag["tag"], "2.0.0");
    let input = read_tag(&sb, &repo)
        .env("INPUT_TAG", "2.0.0")
        .run()
        .success()
        .json();
    assert_eq!(input["tag"], "2.0.0");
    let both = read_tag(&sb, &repo)
        .arg("--tag")
        .arg("1.0.0")
        .env("INPUT_TAG", "2.0.0")
        .run()
        .success()
        .json();
    assert_eq!(both["tag"], "1.0.0");
}

/// Runs read-tag-metadata with `relay.toml` as given; it must stop with exit 2 and
/// nothing on stdout, and its message is returned.
fn refused(toml: &str) -> String {
    let sb = Sandbox::new();
    let repo = tagged(&sb);
    std::fs::write(repo.path().join("relay.toml"), toml).unwrap();
    let output = sb.path().join("github_output");
    let run = read_tag(&sb, &repo)
        .env("GITHUB_OUTPUT", &output)
        .run()
        .expect_code(2);
    assert_eq!(run.stdout(), "");
    assert!(!output.exists(), "an output was written");
    run.stderr()
}

#[test]
fn an_unknown_key_or_a_wrong_type_is_refused_at_its_line_and_column() {
    let cases = [
        (
            "[read-tag-metadata]\ntga = \"1.0.0\"\n",
            "error: relay.toml:2:1: unknown key `tga` in [read-tag-metadata]: \
             read-tag-metadata has no flag --tga\n",
        ),
        (
            "[read-tag-metadata]\njson = \"yes\"\n",
            "error: relay.toml:2:8: key `json`: --json is a switch: expected true or false, \
             not the value `yes`\n",
        ),
        (
            "[read-tag-metadata]\n  tag = [\"1.0.0\", \"2.0.0\"]\n",
            "error: relay.toml:2:9: key `tag`: --tag takes one value, not an array\n",
        ),
        (
            "[read-tag-metadata]\nforge = \"svn\"\n",
            "error: relay.toml:2:9: key `forge`: invalid value 'svn' for '--forge <FORGE>'\n",
        ),
        (
            "[read-tag-metadata]\nhelp = true\n",
            "error: relay.toml:2:1: unknown key `help` in [read-tag-metadata]: \
             read-tag-metadata has no flag --help\n",
        ),
        (
            "[read-tag-metadata]\nrepo = \"elsewhere\"\n",
            "error: relay.toml:2:1: key `repo`: it names the folder relay.toml is read from; \
             pass --repo DIR\n",
        ),
        (
            "[verify-relase]\nrepo = \"x\"\n",
            "error: relay.toml:1:2: unknown field `verify-relase`, expected one of `bump`, \
             `fixed-issues`, `links`, `track`\n",
        ),
        (
            "read-tag-metadata = \"1.0.0\"\n",
            "error: relay.toml:1:21: `read-tag-metadata` is the section of the tool \
             read-tag-metadata: a table of its flags ([read-tag-metadata]), not a string\n",
        ),
    ];
    for (toml, expected) in cases {
        assert_eq!(refused(toml), expected, "{toml}");
    }
}

#[test]
fn inside_github_actions_the_refusal_is_an_annotation_at_the_key() {
    let sb = Sandbox::new();
    let repo = tagged(&sb);
    std::fs::write(
        repo.path().join("relay.toml"),
        "[read-tag-metadata]\n\ntga = 1\n",
    )
    .unwrap();
    let run = read_tag(&sb, &repo)
        .env("GITHUB_ACTIONS", "true")
        .run()
        .expect_code(2);
    let message = "relay.toml:3:1: unknown key `tga` in [read-tag-metadata]: \
                   read-tag-metadata has no flag --tga";
    assert_eq!(
        run.stderr(),
        format!("error: {message}\n::error file=relay.toml,line=3,col=1::{message}\n")
    );
}

#[test]
fn a_token_is_never_read_from_the_file() {
    const TOKEN: &str = "ghp_FromTheFile0123456789SECRET";
    for key in ["token", "merge-token"] {
        let sb = Sandbox::new();
        let repo = tagged(&sb);
        std::fs::write(
            repo.path().join("relay.toml"),
            format!("[propose-change]\n{key} = \"{TOKEN}\"\n"),
        )
        .unwrap();
        let run = sb
            .relay("propose-change")
            .current_dir(repo.path())
            .args(["--branch=x", "--title=t"])
            .run()
            .expect_code(2);
        run.assert_hides(TOKEN);
        assert!(
            run.stderr().starts_with(&format!(
                "error: relay.toml:2:1: key `{key}`: a token is never read from the \
                 configuration file"
            )),
            "{key}: {}",
            run.stderr()
        );
    }
}

#[test]
fn another_file_is_named_with_config_and_the_folder_s_is_then_not_read() {
    let sb = Sandbox::new();
    let repo = sb.repo("work");
    repo.commit("VERSION", "1.0.0\n", "first");
    std::fs::write(
        repo.path().join("relay.toml"),
        "[bump-versions]\nnope = 1\n",
    )
    .unwrap();
    std::fs::write(
        repo.path().join("other.toml"),
        "[bump-versions]\nversion = \"1.2.0\"\nfile = [\"VERSION\"]\ndry-run = true\n",
    )
    .unwrap();
    let run = sb
        .relay("bump-versions")
        .current_dir(repo.path())
        .args(["--config", "other.toml"])
        .run()
        .success();
    assert!(run.stdout().contains("+1.2.0"), "{}", run.stdout());
    assert_eq!(sb.read("work/VERSION"), "1.0.0\n");
    // The key `config` cannot name yet another file.
    std::fs::write(
        repo.path().join("other.toml"),
        "[bump-versions]\nconfig = \"third.toml\"\n",
    )
    .unwrap();
    let run = sb
        .relay("bump-versions")
        .current_dir(repo.path())
        .args(["--config=other.toml", "--version=1.2.0"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .starts_with("error: other.toml:2:1: key `config`: the configuration file cannot"),
        "{}",
        run.stderr()
    );
    // Without --config the folder's relay.toml is read, and its unknown key refused.
    let run = sb
        .relay("bump-versions")
        .current_dir(repo.path())
        .arg("--version=1.2.0")
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .starts_with("error: relay.toml:2:1: unknown key `nope`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn without_a_file_or_a_section_nothing_changes_and_help_is_never_blocked() {
    let sb = Sandbox::new();
    let repo = tagged(&sb);
    let plain = read_tag(&sb, &repo)
        .arg("--tag=1.0.0")
        .run()
        .success()
        .json();
    std::fs::write(repo.path().join("relay.toml"), "[bump]\n").unwrap();
    let with_file = read_tag(&sb, &repo)
        .arg("--tag=1.0.0")
        .run()
        .success()
        .json();
    assert_eq!(plain, with_file);
    // A broken section does not keep --help from answering.
    std::fs::write(
        repo.path().join("relay.toml"),
        "[read-tag-metadata]\nx = 1\n",
    )
    .unwrap();
    let help = sb
        .relay("read-tag-metadata")
        .current_dir(repo.path())
        .arg("--help")
        .run()
        .success();
    assert!(help.stdout().contains("Usage:"), "{}", help.stdout());
}

#[test]
fn a_subcommand_takes_its_own_table_and_the_shared_keys_it_knows() {
    let sb = Sandbox::new();
    let dir = sb.path().join("rel");
    std::fs::create_dir_all(&dir).unwrap();
    // `timeout` is a flag of wait-for only; open knows `repo` but not `timeout`.
    std::fs::write(
        dir.join("relay.toml"),
        "[track-release]\ntimeout = \"1s\"\n[track-release.open]\nnope = true\n",
    )
    .unwrap();
    let run = sb
        .relay("track-release")
        .current_dir(&dir)
        .args(["status", "--issue=1"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr().starts_with(
            "error: relay.toml:4:1: unknown key `nope` in [track-release.open]: \
             track-release open has no flag --nope"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn every_tool_takes_config_to_name_its_file() {
    let sb = Sandbox::new();
    let repo = tagged(&sb);
    std::fs::create_dir_all(repo.path().join("ci")).unwrap();
    std::fs::write(
        repo.path().join("ci/release.toml"),
        "[read-tag-metadata]\ntag = \"2.0.0\"\n",
    )
    .unwrap();
    // The folder's relay.toml is not read when --config names another file.
    std::fs::write(
        repo.path().join("relay.toml"),
        "[read-tag-metadata]\ntag = \"1.0.0\"\n",
    )
    .unwrap();
    let out = read_tag(&sb, &repo)
        .args(["--config", "ci/release.toml"])
        .run()
        .success()
        .json();
    assert_eq!(out["series"], "2026.2");
    // The same for the action's input.
    let out = read_tag(&sb, &repo)
        .env("INPUT_CONFIG", "ci/release.toml")
        .run()
        .success()
        .json();
    assert_eq!(out["tag"], "2.0.0");
    // Every tool (every subcommand of track-release) has the flag.
    let has_config =
        |cmd: &clap::Command| cmd.get_arguments().any(|a| a.get_long() == Some("config"));
    for (tool, _, command) in relay::cli::TOOLS {
        let cmd = command();
        assert!(
            has_config(&cmd) || cmd.get_subcommands().all(has_config),
            "{tool} has no --config"
        );
    }
}
