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

#[test]
fn every_tool_prints_its_version_with_v_and_the_dispatcher_needs_a_tool() {
    let sb = common::Sandbox::new();
    // `--version` is the release's version of these; `-V` is the tool's everywhere.
    let release_version_flag = [
        "update-links",
        "bump-versions",
        "verify-release",
        "generate-changelog",
    ];
    for tool in relay::cli::tool_names() {
        let expected = format!("{tool} {}", env!("CARGO_PKG_VERSION"));
        let run = sb.relay(tool).arg("-V").run().success();
        assert_eq!(run.stdout().trim(), expected, "{tool} -V");
        if !release_version_flag.contains(&tool) {
            let run = sb.relay(tool).arg("--version").run().success();
            assert_eq!(run.stdout().trim(), expected, "{tool} --version");
        }
    }
    let run = sb.relay("release-relay").arg("--version").run().success();
    assert_eq!(
        run.stdout().trim(),
        format!("release-relay {}", env!("CARGO_PKG_VERSION"))
    );
    for flag in ["--version", "-V", "--help"] {
        let run = sb
            .relay("release-relay")
            .args([flag, "1.4.0", "--file", "VERSION"])
            .run()
            .expect_code(2);
        assert!(
            run.stderr().starts_with(&format!(
                "error: no tool given before `{flag} 1.4.0`: pass the tool name first \
                 (release-relay TOOL [OPTIONS]; tools: read-tag-metadata, "
            )),
            "{}",
            run.stderr()
        );
        assert_eq!(run.stdout(), "");
    }
}

#[test]
fn a_tuning_variable_with_an_invalid_value_is_refused_by_every_tool() {
    let sb = common::Sandbox::new();
    for (name, value, expected) in [
        (
            "RELAY_GIT_TIMEOUT",
            "5m",
            "a whole number of seconds greater than 0, such as 300",
        ),
        (
            "RELAY_GIT_TIMEOUT",
            "0",
            "a whole number of seconds greater than 0, such as 300",
        ),
        (
            "RELAY_HTTP_TIMEOUT",
            "ten",
            "a whole number of seconds greater than 0, such as 30",
        ),
        (
            "RELAY_HTTP_WAIT_DIVISOR",
            "0.5",
            "a whole number of at least 1",
        ),
    ] {
        for (tool, args) in [
            ("announce", &[][..]),
            (
                "bump-versions",
                &["--version", "1.0.0", "--file", "VERSION"][..],
            ),
            ("comment-fixed-issues", &[][..]),
            ("comment-on-issue", &["--issue", "1", "--body", "x"][..]),
            ("find-green-commit", &[][..]),
            ("generate-changelog", &["--version", "1.0.0"][..]),
            ("propose-change", &["--branch", "b", "--title", "t"][..]),
            ("publish-release", &[][..]),
            ("read-tag-metadata", &[][..]),
            ("tag-from-request", &["--request", "r.yaml"][..]),
            ("track-release", &["status", "--issue", "1"][..]),
            ("update-links", &["--version", "1.0.0"][..]),
            ("verify-release", &[][..]),
        ] {
            let run = sb
                .relay(tool)
                .args(args)
                .env(name, value)
                .run()
                .expect_code(2);
            assert_eq!(
                run.stderr(),
                format!("error: {name}=`{value}`: expected {expected}\n"),
                "{tool}"
            );
        }
    }
}

/// What a tool's `-h` says of one long flag.
#[derive(Debug, Default)]
struct FlagShape {
    takes_value: bool,
    possible_values: Vec<String>,
}

/// The shape of every long flag of `tool` (and of its subcommands), read from `-h`.
fn flag_shapes(tool: &str) -> std::collections::BTreeMap<String, FlagShape> {
    let sb = common::Sandbox::new();
    let help = sb.relay(tool).args(["-h"]).run().success().stdout();
    let mut helps = vec![help.clone()];
    let mut shapes = std::collections::BTreeMap::new();
    if let Some(commands) = help.split("Commands:\n").nth(1) {
        let subcommands: Vec<String> = commands
            .lines()
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|s| *s != "help")
            .map(str::to_string)
            .collect();
        for sub in &subcommands {
            helps.push(sb.relay(tool).args([sub, "-h"]).run().success().stdout());
        }
        // The `command` input names the subcommand.
        shapes.insert(
            "command".to_string(),
            FlagShape {
                takes_value: true,
                possible_values: subcommands,
            },
        );
    }
    for help in helps {
        // One entry per option: its first line starts with `-`, the more indented lines
        // after it continue it.
        let mut entries: Vec<String> = Vec::new();
        for line in help.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('-') {
                entries.push(trimmed.to_string());
            } else if line.starts_with("  ")
                && let Some(entry) = entries.last_mut()
            {
                entry.push(' ');
                entry.push_str(trimmed);
            }
        }
        for entry in entries {
            // The flags come before the description, two spaces on (which may itself
            // name a flag: "-V  Print the tool's version (`--version` is ...)").
            let flags = entry.split("  ").next().unwrap_or(&entry);
            let Some(at) = flags.find("--") else { continue };
            let rest = &flags[at + 2..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let after = &rest[name.len()..];
            let possible_values = entry
                .split("[possible values: ")
                .nth(1)
                .and_then(|v| v.split(']').next())
                .map(|v| v.split(", ").map(str::to_string).collect())
                .unwrap_or_default();
            shapes.insert(
                name,
                FlagShape {
                    takes_value: after.starts_with(" <") || after.starts_with("=<"),
                    possible_values,
                },
            );
        }
    }
    shapes
}

/// The template's inputs (its `spec:` document) and, for each, the flag its INPUT_*
/// variable stands for.
fn template_inputs(tool: &str) -> (saphyr::YamlOwned, Vec<(String, String)>) {
    use saphyr::LoadableYamlNode;
    let path = root().join(format!("ci-templates/{tool}.yml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let header = saphyr::YamlOwned::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .next()
        .unwrap();
    let mut pairs = Vec::new();
    for line in text.lines() {
        let Some((variable, value)) = line.trim().split_once(": ") else {
            continue;
        };
        let (Some(flag), Some(input)) = (
            variable.strip_prefix("INPUT_"),
            value
                .trim()
                .strip_prefix("$[[ inputs.")
                .and_then(|v| v.strip_suffix(" ]]")),
        ) else {
            continue;
        };
        pairs.push((
            input.to_string(),
            flag.to_ascii_lowercase().replace('_', "-"),
        ));
    }
    (header, pairs)
}

#[test]
fn template_inputs_are_typed_like_their_flags() {
    for tool in relay::cli::tool_names() {
        let shapes = flag_shapes(tool);
        let (header, pairs) = template_inputs(tool);
        let inputs = &header["spec"]["inputs"];
        for (input, flag) in pairs {
            let spec = &inputs[input.as_str()];
            let shape = shapes
                .get(&flag)
                .unwrap_or_else(|| panic!("{tool}: no flag --{flag}"));
            let kind = spec.as_mapping_get("type").and_then(|t| t.as_str());
            let at = format!("ci-templates/{tool}.yml: input `{input}`");
            if !shape.takes_value {
                // GitLab then refuses "ture" when it creates the pipeline, and passes
                // true or false, the spellings the tools take.
                assert_eq!(kind, Some("boolean"), "{at} is the switch --{flag}");
                assert_eq!(
                    spec.as_mapping_get("default").and_then(|d| d.as_bool()),
                    Some(false),
                    "{at}: a switch is off unless set"
                );
                continue;
            }
            assert_ne!(kind, Some("boolean"), "{at}: --{flag} takes a value");
            if shape.possible_values.is_empty() {
                continue;
            }
            // A closed set: GitLab checks the value against options or a regex.
            let options: Vec<&str> = spec
                .as_mapping_get("options")
                .and_then(|o| o.as_sequence())
                .map(|o| o.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            let regex = spec.as_mapping_get("regex").and_then(|r| r.as_str());
            assert!(
                !options.is_empty() || regex.is_some(),
                "{at}: --{flag} takes one of {:?}; the input needs options or a regex",
                shape.possible_values
            );
            for option in &options {
                assert!(
                    shape.possible_values.iter().any(|v| v == option),
                    "{at}: option `{option}` is not one of --{flag}'s {:?}",
                    shape.possible_values
                );
            }
            if let Some(regex) = regex {
                for value in &shape.possible_values {
                    assert!(
                        regex.contains(value.as_str()),
                        "{at}: regex {regex} leaves out `{value}`"
                    );
                }
            }
        }
    }
}

#[test]
fn completions_and_man_pages_come_from_the_tools_own_options() {
    let sb = common::Sandbox::new();
    let bash = sb
        .relay("release-relay")
        .args(["completions", "bash"])
        .run()
        .success()
        .stdout();
    for tool in relay::cli::tool_names() {
        assert!(
            bash.lines()
                .any(|l| l.trim_start().starts_with("complete -F ")
                    && l.ends_with(&format!(" {tool}"))),
            "no bash completion registered for {tool}"
        );
        let flags = flags_of(tool);
        let man = sb
            .relay("release-relay")
            .args(["man", tool])
            .run()
            .success()
            .stdout();
        assert!(
            man.contains(&format!(".TH {tool} 1 ")),
            "{tool}: no man page header"
        );
        // Every long flag of the tool's --help is in its man page (roff escapes `-`);
        // a tool with subcommands lists them, their flags are in their own --help.
        if flags.contains("command") {
            assert!(man.contains("SUBCOMMANDS"), "{tool}: no subcommands listed");
            continue;
        }
        for flag in &flags {
            assert!(
                man.contains(&format!("\\-\\-{}", flag.replace('-', "\\-"))),
                "{tool}: --{flag} is missing from the man page"
            );
        }
    }
    let fish = sb
        .relay("release-relay")
        .args(["completions", "fish"])
        .run()
        .success()
        .stdout();
    assert!(
        fish.contains("complete -c bump-versions -l tag-prefix"),
        "{fish}"
    );
    for (args, message) in [
        (
            &["completions", "tcsh"][..],
            "error: unknown shell `tcsh`: expected bash, zsh, fish, elvish or powershell\n",
        ),
        (
            &["completions"][..],
            "error: usage: release-relay completions bash|zsh|fish|elvish|powershell\n",
        ),
        (&["man"][..], "error: usage: release-relay man TOOL\n"),
    ] {
        let run = sb.relay("release-relay").args(args).run().expect_code(2);
        assert_eq!(run.stderr(), message);
        assert_eq!(run.stdout(), "");
    }
    let run = sb
        .relay("release-relay")
        .args(["man", "rm"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .starts_with("error: unknown tool `rm`: expected one of read-tag-metadata, "),
        "{}",
        run.stderr()
    );
}

/// The section headings of a help text (`Options:`, `Forge:`), in order.
fn headings(help: &str) -> Vec<&str> {
    help.lines()
        .filter_map(|l| l.strip_suffix(':'))
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphabetic()))
        .collect()
}

/// `-h` and `--help` of one command in the layout every tool shares: a one-line
/// summary without a full stop (clap's and cargo's style), then `Usage:`; `--help` the
/// same summary and, for a tool, a full stop and a paragraph before `Usage:`; the tool's
/// own options with `-h`/`-V`, then `Forge:` when it talks to a forge, then `Output:`;
/// no line wider than the 100 columns the tools wrap at.
fn assert_help_layout(name: &str, short: &str, long: &str, paragraph: bool) {
    for (form, help) in [("-h", short), ("--help", long)] {
        for line in help.lines() {
            assert!(
                line.chars().count() <= 100,
                "{name} {form}: a line over 100 columns: {line:?}"
            );
        }
    }
    let lines: Vec<&str> = short.lines().collect();
    let summary = lines[0];
    assert!(
        !summary.is_empty() && !summary.ends_with('.') && summary.len() < 90,
        "{name} -h: the summary is one line without a full stop: {summary:?}"
    );
    assert_eq!(lines[1], "", "{name} -h: a blank line after the summary");
    assert!(lines[2].starts_with("Usage: "), "{name} -h: {short}");
    let long_lines: Vec<&str> = long.lines().collect();
    // With a paragraph after it, the summary is a sentence of its own.
    let sentence = if paragraph {
        format!("{summary}.")
    } else {
        summary.to_string()
    };
    assert_eq!(long_lines[0], sentence, "{name} --help: the summary first");
    assert_eq!(long_lines[1], "", "{name} --help: a blank line after it");
    let usage = long_lines
        .iter()
        .position(|l| l.starts_with("Usage: "))
        .unwrap_or_else(|| panic!("{name} --help: no usage"));
    if paragraph {
        assert!(usage > 3, "{name} --help: no paragraph after the summary");
        assert!(
            long_lines[usage - 2].ends_with('.'),
            "{name} --help: the paragraph ends a sentence: {:?}",
            long_lines[usage - 2]
        );
    }
    for help in [short, long] {
        let found = headings(help);
        let mut expected = Vec::new();
        if help.contains("\nCommands:\n") {
            expected.push("Commands");
        }
        expected.push("Options");
        if help.contains("--forge <FORGE>") {
            expected.push("Forge");
        }
        if help.contains("--json") {
            expected.push("Output");
        }
        assert_eq!(found, expected, "{name}: the sections of its help");
        let own = help
            .split("\nOptions:\n")
            .nth(1)
            .unwrap()
            .split("\nForge:\n")
            .next()
            .unwrap()
            .split("\nOutput:\n")
            .next()
            .unwrap();
        assert!(
            own.contains("-h, --help"),
            "{name}: -h is one of its options"
        );
    }
}

#[test]
fn every_tool_s_help_has_one_layout() {
    let sb = common::Sandbox::new();
    for tool in relay::cli::tool_names() {
        let short = sb.relay(tool).arg("-h").run().success().stdout();
        let long = sb.relay(tool).arg("--help").run().success().stdout();
        assert_help_layout(tool, &short, &long, true);
        let Some(commands) = short.split("Commands:\n").nth(1) else {
            continue;
        };
        for sub in commands
            .lines()
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|s| *s != "help")
        {
            let short = sb.relay(tool).args([sub, "-h"]).run().success().stdout();
            let long = sb
                .relay(tool)
                .args([sub, "--help"])
                .run()
                .success()
                .stdout();
            assert_help_layout(&format!("{tool} {sub}"), &short, &long, false);
        }
    }
}

/// The arguments of `cmd` and of its subcommands, with the name to report them by.
fn arguments_of(name: &str, cmd: &clap::Command) -> Vec<(String, clap::Arg)> {
    let mut args: Vec<(String, clap::Arg)> = cmd
        .get_arguments()
        .map(|a| (name.to_string(), a.clone()))
        .collect();
    for sub in cmd.get_subcommands() {
        args.extend(arguments_of(&format!("{name} {}", sub.get_name()), sub));
    }
    args
}

#[test]
fn every_option_has_help_text_and_its_value_names_share_one_style() {
    for (tool, _, command) in relay::cli::TOOLS {
        for (owner, arg) in arguments_of(tool, &command()) {
            let flag = arg
                .get_long()
                .map(|l| format!("--{l}"))
                .or_else(|| arg.get_short().map(|s| format!("-{s}")))
                .unwrap_or_else(|| arg.get_id().to_string());
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            assert!(!help.trim().is_empty(), "{owner} {flag}: no help text");
            assert!(
                !help.ends_with('.'),
                "{owner} {flag}: an option's help is a phrase without a full stop: {help:?}"
            );
            for part in ["(default", "default:"] {
                if let Some(at) = help.find(part) {
                    assert!(
                        help[..at].ends_with('[') && part == "default:",
                        "{owner} {flag}: a default is written [default: …]: {help:?}"
                    );
                }
            }
            for value in arg.get_value_names().unwrap_or_default() {
                let value = value.as_str();
                assert!(
                    value == "N" || value.len() > 1,
                    "{owner} {flag}: the value name {value} is a word (VERSION, PREFIX, FILE)"
                );
                assert!(
                    value.chars().all(|c| c.is_ascii_uppercase()
                        || c.is_ascii_digit()
                        || "_/,.:=[]".contains(c)),
                    "{owner} {flag}: the value name {value} is upper case"
                );
            }
        }
    }
}
