//! Colour on a terminal: `error:` and `warning:` are coloured only when forced
//! (`CLICOLOR_FORCE`, `FORCE_COLOR`) or on a terminal, `NO_COLOR` wins over both, a
//! pipe gets plain text, and a secret is cut out before any colour goes in.

use crate::common::{MockApi, MockResponse, Relay, Sandbox};
use serde_json::json;

const TOKEN: &str = "ghp_Colour_0123456789_SECRET";
const RED_ERROR: &str = "\x1b[1;31merror:\x1b[0m ";

/// `tool` with the colour variables as given (the sandbox sets NO_COLOR=1 otherwise).
fn with_colour(relay: Relay, vars: &[(&str, &str)]) -> Relay {
    let mut relay = relay;
    for name in ["NO_COLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "TERM"] {
        relay.cmd.env_remove(name);
    }
    for (name, value) in vars {
        relay = relay.env(name, value);
    }
    relay
}

/// A comment that the API refuses with a body that repeats the request's credential.
fn refused_comment(sb: &Sandbox, api: &MockApi, vars: &[(&str, &str)]) -> crate::common::Run {
    api.handle(|r| {
        let credential = r.header("authorization").unwrap_or_default().to_string();
        Some(MockResponse::json(
            403,
            json!({"message": format!("forbidden (Authorization: {credential})")}),
        ))
    });
    let relay = sb.relay("comment-on-issue").args([
        "--forge=github",
        &format!("--api-url={}", api.url()),
        "--repo=acme/api",
        "--issue=7",
        "--body=Released.",
        &format!("--token={TOKEN}"),
    ]);
    with_colour(relay, vars).run()
}

#[test]
fn a_forced_error_line_is_red_and_its_secret_stays_redacted() {
    for force in ["CLICOLOR_FORCE", "FORCE_COLOR"] {
        let sb = Sandbox::new();
        let api = MockApi::github();
        let run = refused_comment(&sb, &api, &[(force, "1")]).expect_code(1);
        let stderr = run.stderr();
        let line = stderr
            .lines()
            .find(|l| l.contains("error:"))
            .unwrap_or_else(|| panic!("{force}: no error line: {stderr}"));
        assert!(line.starts_with(RED_ERROR), "{force}: {line:?}");
        assert!(line.contains("Authorization: "), "{force}: {line:?}");
        assert!(line.contains("***"), "{force}: {line:?}");
        // The audit of `Relay::run` checked every form of the token; the colour codes
        // are only around the label.
        assert_eq!(line.matches('\x1b').count(), 2, "{force}: {line:?}");
    }
}

#[test]
fn no_color_wins_over_a_forced_colour_and_a_pipe_stays_plain() {
    let cases: [&[(&str, &str)]; 4] = [
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
        &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")],
        &[],
        &[("CLICOLOR_FORCE", "0"), ("FORCE_COLOR", "0")],
    ];
    for vars in cases {
        let sb = Sandbox::new();
        let api = MockApi::github();
        let run = refused_comment(&sb, &api, vars).expect_code(1);
        let stderr = run.stderr();
        assert!(!stderr.contains('\x1b'), "{vars:?}: {stderr:?}");
        assert!(stderr.contains("error: "), "{vars:?}: {stderr:?}");
        assert!(!run.stdout().contains('\x1b'), "{vars:?}");
    }
}

#[test]
fn a_forced_warning_is_yellow_and_written_files_stay_plain() {
    let sb = Sandbox::new();
    let dotenv = sb.path().join("out.env");
    let github_output = sb.path().join("github_output");
    let summary = sb.path().join("summary.md");
    let repo = sb.repo("work");
    repo.commit("README.md", "# x\n", "first");
    // A key an output name cannot hold is a warning.
    repo.tag_annotated("1.0.0", "api 1.0.0\n\nmeta:release:Code-Review+2: Jane\n");
    let relay = sb
        .relay("read-tag-metadata")
        .current_dir(repo.path())
        .env("GITHUB_OUTPUT", &github_output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "--tag=1.0.0",
            "--json",
            "--dotenv",
            dotenv.to_str().unwrap(),
        ]);
    let run = with_colour(relay, &[("CLICOLOR_FORCE", "1")])
        .run()
        .success();
    let stderr = run.stderr();
    assert!(
        stderr.contains("\x1b[1;33mwarning:\x1b[0m metadata key `release:Code-Review+2`"),
        "{stderr:?}"
    );
    assert!(!run.stdout().contains('\x1b'), "{:?}", run.stdout());
    assert_eq!(run.json()["tag"], "1.0.0");
    for file in [dotenv, github_output] {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains('\x1b'), "{}: {text:?}", file.display());
    }
}

#[test]
fn clap_colours_its_usage_errors_by_the_same_variables() {
    let sb = Sandbox::new();
    let forced = with_colour(
        sb.relay("verify-release").arg("--no-such-flag"),
        &[("CLICOLOR_FORCE", "1")],
    )
    .run()
    .expect_code(2);
    assert!(forced.stderr().contains('\x1b'), "{:?}", forced.stderr());
    let plain = with_colour(
        sb.relay("verify-release").arg("--no-such-flag"),
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
    )
    .run()
    .expect_code(2);
    assert!(!plain.stderr().contains('\x1b'), "{:?}", plain.stderr());
    let help = with_colour(sb.relay("verify-release").arg("--help"), &[])
        .run()
        .success();
    assert!(!help.stdout().contains('\x1b'), "{:?}", help.stdout());
}
