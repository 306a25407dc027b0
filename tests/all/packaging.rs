//! The packaging contract: every tool has its action, template and README section, and
//! every input they pass maps to a real flag of the tool.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The long flags of `tool`; for a tool with subcommands, those of every subcommand and
/// `command`, the input that names the subcommand.
fn flags_of(tool: &str) -> BTreeSet<String> {
    let sb = common::Sandbox::new();
    let help = sb.relay(tool).args(["--help"]).run().success().stdout();
    let mut flags = flags_in(&help);
    if let Some(commands) = help.split("Commands:\n").nth(1) {
        flags.insert("command".to_string());
        for sub in commands
            .lines()
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|s| *s != "help")
        {
            let help = sb
                .relay(tool)
                .args([sub, "--help"])
                .run()
                .success()
                .stdout();
            flags.extend(flags_in(&help));
        }
    }
    flags
}

fn flags_in(help: &str) -> BTreeSet<String> {
    help.split_whitespace()
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| {
            w.trim_end_matches([',', '.', ']', ')'])
                .split(['=', '[', '<'])
                .next()
                .unwrap()
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Top-level keys of `inputs:` in an action.yml (two-space indented).
fn action_inputs(text: &str) -> Vec<String> {
    let mut inside = false;
    let mut names = Vec::new();
    for line in text.lines() {
        if line == "inputs:" {
            inside = true;
            continue;
        }
        if inside {
            if !line.starts_with(' ') && !line.is_empty() {
                break;
            }
            if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
                && !name.starts_with(' ')
            {
                names.push(name.to_string());
            }
        }
    }
    names
}

#[test]
fn every_tool_has_its_action_template_and_readme_section() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for tool in relay::cli::tool_names() {
        let action = root().join(format!("actions/{tool}/action.yml"));
        let text = std::fs::read_to_string(&action)
            .unwrap_or_else(|_| panic!("{} is missing", action.display()));
        assert!(
            text.contains(&format!("entrypoint: /usr/local/bin/{tool}\n")),
            "{tool}'s action runs its binary"
        );
        assert!(
            text.contains("image: docker://ghcr.io/release-relay/release-relay:"),
            "{tool}: prebuilt image"
        );
        // A `run:` key, not an input such as `dry-run:`.
        assert!(
            !text
                .lines()
                .any(|l| l.trim_start().trim_start_matches("- ").starts_with("run:")),
            "{tool}: actions hold no shell"
        );
        let template = root().join(format!("ci-templates/{tool}.yml"));
        let text = std::fs::read_to_string(&template)
            .unwrap_or_else(|_| panic!("{} is missing", template.display()));
        assert!(
            text.starts_with("spec:\n  inputs:\n"),
            "{tool}: template has a spec header"
        );
        assert!(
            text.contains(&format!("\n.{tool}:\n")),
            "{tool}: template has a hidden job"
        );
        assert!(
            readme.contains(&format!("\n## {tool}\n")),
            "README has a section for {tool}"
        );
    }
}

#[test]
fn every_action_input_is_a_flag_of_its_tool() {
    for tool in relay::cli::tool_names() {
        let flags = flags_of(tool);
        let text =
            std::fs::read_to_string(root().join(format!("actions/{tool}/action.yml"))).unwrap();
        for input in action_inputs(&text) {
            assert!(
                flags.contains(&input),
                "actions/{tool}: input `{input}` is no flag of {tool} ({flags:?})"
            );
        }
    }
}

#[test]
fn every_root_action_input_is_a_flag_of_some_tool() {
    let all: BTreeSet<String> = relay::cli::tool_names()
        .into_iter()
        .flat_map(flags_of)
        .collect();
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    for input in action_inputs(&text) {
        assert!(
            input == "tool" || all.contains(&input),
            "action.yml: input `{input}` is no flag of any tool"
        );
    }
}

#[test]
fn every_template_input_variable_is_a_flag_of_its_tool() {
    for tool in relay::cli::tool_names() {
        let flags = flags_of(tool);
        let text =
            std::fs::read_to_string(root().join(format!("ci-templates/{tool}.yml"))).unwrap();
        assert!(
            text.lines().any(
                |l| l.trim().split('#').next().unwrap().trim() == format!("INPUT_TOOL: {tool}")
            ),
            "ci-templates/{tool}.yml: INPUT_TOOL must name {tool}, so that the other tools \
             of a job's script leave its inputs alone"
        );
        for line in text.lines() {
            if let Some(name) = line
                .trim()
                .strip_prefix("INPUT_")
                .and_then(|l| l.split(':').next())
            {
                if name == "TOOL" {
                    continue;
                }
                let flag = name.to_ascii_lowercase().replace('_', "-");
                assert!(
                    flags.contains(&flag),
                    "ci-templates/{tool}.yml: INPUT_{name} is no flag of {tool}"
                );
            }
        }
    }
}

#[test]
fn the_dispatcher_runs_the_tool_named_by_the_tool_input() {
    let sb = common::Sandbox::new();
    let run = sb
        .relay("release-relay")
        .env("INPUT_TOOL", "read-tag-metadata")
        .args(["--version"])
        .run()
        .success();
    assert_eq!(
        run.stdout().trim(),
        format!("read-tag-metadata {}", env!("CARGO_PKG_VERSION"))
    );
    let run = sb
        .relay("release-relay")
        .env("INPUT_TOOL", "rm")
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .starts_with("error: unknown tool `rm`: expected one of read-tag-metadata")
    );
}
