//! Options from the command line or, inside a GitHub container action, from the
//! action's inputs.
//!
//! GitHub passes input `dry-run` as the variable `INPUT_DRY-RUN` (upper-cased, hyphens
//! kept). Rather than teach every flag an `env` name, the inputs are turned into the
//! flags they stand for and appended to the command line, so clap validates both the
//! same way. GitLab variable names cannot hold hyphens, so `INPUT_DRY_RUN` is read
//! too (the GitLab templates set their inputs that way, never through a shell). A flag
//! given on the command line wins over the input of the same name; an empty input means
//! "not given"; a multi-valued option takes one value per line; a switch takes `true` or
//! `false` and nothing else (a typo must not turn a dry run into a real one).
//!
//! `INPUT_TOOL` names the tool the inputs are meant for (the root action's `tool`
//! input; every GitLab template sets it). A job's variables reach every command of its
//! script, so another tool run in the same script leaves them alone.
//!
//! A tool with subcommands (`track-release open`) takes the subcommand from the command
//! line, else from the `command` input; the inputs become flags of that subcommand, and
//! an input that only another subcommand knows is passed on so that clap refuses it.

use clap::Command;
use std::ffi::OsString;

/// Whether the `INPUT_*` variables are meant for the tool `cmd` is: `INPUT_TOOL` is
/// unset, empty, or names it.
pub fn inputs_are_for(cmd: &Command, vars: &[(String, String)]) -> bool {
    vars.iter()
        .find(|(k, _)| k == "INPUT_TOOL")
        .map(|(_, v)| v.trim())
        .is_none_or(|tool| tool.is_empty() || tool == cmd.get_name())
}

/// The command line extended with the flags that `INPUT_*` variables stand for; an
/// error (clap's, exit code 2) for a switch whose input is neither `true` nor `false`.
pub fn with_inputs(
    cmd: &Command,
    args: Vec<OsString>,
    vars: &[(String, String)],
) -> Result<Vec<OsString>, clap::Error> {
    if !inputs_are_for(cmd, vars) {
        return Ok(args);
    }
    if !cmd.has_subcommands() {
        return with_flag_inputs(cmd, args, vars);
    }
    let named = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find_map(|a| {
            cmd.get_subcommands()
                .find(|s| s.get_name() == a || s.get_all_aliases().any(|alias| alias == a))
        });
    let mut argv = args.clone();
    let sub = match named {
        Some(sub) => sub,
        None => {
            let Some(name) = input(vars, "command").filter(|(_, v)| !v.is_empty()) else {
                return Ok(args);
            };
            argv.push(name.1.into());
            match cmd.get_subcommands().find(|s| s.get_name() == name.1) {
                Some(sub) => sub,
                // clap names the unknown subcommand and the known ones.
                None => return Ok(argv),
            }
        }
    };
    let mut argv = with_flag_inputs(sub, argv, vars)?;
    let own: Vec<&str> = sub.get_arguments().filter_map(|a| a.get_long()).collect();
    let mut foreign: Vec<(&str, bool)> = cmd
        .get_subcommands()
        .flat_map(|s| s.get_arguments())
        .filter_map(|a| {
            let switch = matches!(a.get_action(), clap::ArgAction::SetTrue);
            a.get_long().map(|long| (long, switch))
        })
        .filter(|(long, _)| !own.contains(long))
        .collect();
    foreign.sort_unstable();
    foreign.dedup();
    for (long, switch) in foreign {
        // One action serves every subcommand, so its switches default to `false`: a
        // switch of another subcommand left off is no input to refuse.
        let left_off = |v: &str| v.is_empty() || (switch && v.eq_ignore_ascii_case("false"));
        if input(vars, long).is_some_and(|(_, v)| !left_off(v)) {
            argv.push(format!("--{long}").into());
        }
    }
    Ok(argv)
}

/// The variable and the trimmed value of the input named like the flag `long`
/// (`INPUT_DRY-RUN`, else `INPUT_DRY_RUN`).
fn input<'a>(vars: &'a [(String, String)], long: &str) -> Option<(&'a str, &'a str)> {
    let name = format!("INPUT_{}", long.to_ascii_uppercase());
    let snake = name.replace('-', "_");
    vars.iter()
        .find(|(k, _)| *k == name)
        .or_else(|| vars.iter().find(|(k, _)| *k == snake))
        .map(|(k, v)| (k.as_str(), v.trim()))
}

fn with_flag_inputs(
    cmd: &Command,
    args: Vec<OsString>,
    vars: &[(String, String)],
) -> Result<Vec<OsString>, clap::Error> {
    let given: Vec<String> = args
        .iter()
        .filter_map(|a| a.to_str())
        .filter_map(|a| a.strip_prefix("--"))
        .map(|a| a.split('=').next().unwrap_or(a).to_string())
        .collect();
    let mut argv = args;
    for arg in cmd.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        // clap's own --help/--version are no inputs; a tool's `--version VALUE` is.
        let builtin = matches!(
            arg.get_action(),
            clap::ArgAction::Help
                | clap::ArgAction::HelpShort
                | clap::ArgAction::HelpLong
                | clap::ArgAction::Version
        );
        if builtin || given.iter().any(|g| g == long) {
            continue;
        }
        let Some((variable, value)) = input(vars, long) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        if !arg.get_action().takes_values() {
            // A switch. Action inputs are strings; these are the spellings GitHub's
            // own boolean inputs accept (YAML 1.2 core schema).
            match value {
                "true" | "True" | "TRUE" => argv.push(format!("--{long}").into()),
                "false" | "False" | "FALSE" => {}
                _ => {
                    return Err(clap::Error::raw(
                        clap::error::ErrorKind::InvalidValue,
                        format!(
                            "input `{long}` ({variable}) is `{value}`, not a boolean: expected true or false\n"
                        ),
                    ));
                }
            }
            continue;
        }
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1)
            || matches!(arg.get_action(), clap::ArgAction::Append);
        let values: Vec<&str> = if many {
            value
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect()
        } else {
            vec![value]
        };
        for v in values {
            argv.push(format!("--{long}={v}").into());
        }
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Parser, Debug)]
    #[command(name = "demo")]
    struct Demo {
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        file: Vec<String>,
    }

    fn parse_with(args: &[&str], vars: &[(&str, &str)]) -> Demo {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let args = std::iter::once("demo")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        Demo::try_parse_from(with_inputs(&Demo::command(), args, &vars).unwrap()).unwrap()
    }

    #[derive(Parser, Debug)]
    #[command(disable_version_flag = true)]
    struct WithVersion {
        #[arg(long)]
        version: String,
    }

    #[test]
    fn a_version_option_of_the_tool_is_an_input() {
        let args = vec![OsString::from("demo")];
        let vars = [("INPUT_VERSION".to_string(), "1.2.0".to_string())];
        let argv = with_inputs(&WithVersion::command(), args, &vars).unwrap();
        assert_eq!(WithVersion::try_parse_from(argv).unwrap().version, "1.2.0");
    }

    #[test]
    fn inputs_become_flags_with_hyphens_kept() {
        let d = parse_with(&[], &[("INPUT_TAG", "v1.0.0"), ("INPUT_DRY-RUN", "true")]);
        assert_eq!(d.tag.as_deref(), Some("v1.0.0"));
        assert!(d.dry_run);
    }

    #[test]
    fn gitlab_style_underscore_inputs_are_read_too() {
        let d = parse_with(&[], &[("INPUT_DRY_RUN", "true")]);
        assert!(d.dry_run);
    }

    #[test]
    fn empty_and_false_inputs_mean_not_given() {
        let d = parse_with(&[], &[("INPUT_TAG", ""), ("INPUT_DRY-RUN", "false")]);
        assert_eq!(d.tag, None);
        assert!(!d.dry_run);
    }

    #[test]
    fn the_command_line_wins_over_an_input() {
        let d = parse_with(&["--tag", "cli"], &[("INPUT_TAG", "input")]);
        assert_eq!(d.tag.as_deref(), Some("cli"));
    }

    #[test]
    fn multi_valued_inputs_take_one_value_per_line() {
        let d = parse_with(&[], &[("INPUT_FILE", "a.yaml\n\n  b.json  \n")]);
        assert_eq!(d.file, ["a.yaml", "b.json"]);
    }

    #[test]
    fn a_version_option_of_the_tool_is_an_input_and_clap_s_own_is_not() {
        #[derive(Parser, Debug)]
        #[command(disable_version_flag = true)]
        struct WithVersion {
            #[arg(long)]
            version: Option<String>,
        }
        let args = vec![OsString::from("demo")];
        let vars = [("INPUT_VERSION".to_string(), "1.2.0".to_string())];
        let argv = with_inputs(&WithVersion::command(), args.clone(), &vars).unwrap();
        let d = WithVersion::try_parse_from(argv).unwrap();
        assert_eq!(d.version.as_deref(), Some("1.2.0"));
        #[derive(Parser, Debug)]
        #[command(version)]
        struct Plain {}
        assert_eq!(
            with_inputs(&Plain::command(), args.clone(), &vars).unwrap(),
            args
        );
    }

    #[test]
    fn a_switch_takes_true_or_false_and_nothing_else() {
        assert!(parse_with(&[], &[("INPUT_DRY_RUN", "TRUE")]).dry_run);
        assert!(!parse_with(&[], &[("INPUT_DRY_RUN", "False")]).dry_run);
        let args = vec![OsString::from("demo")];
        for typo in ["ture", "yes", "1", "on", "no"] {
            let vars = [("INPUT_DRY_RUN".to_string(), typo.to_string())];
            let err = with_inputs(&Demo::command(), args.clone(), &vars).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
            assert_eq!(
                err.to_string(),
                format!(
                    "error: input `dry-run` (INPUT_DRY_RUN) is `{typo}`, not a boolean: expected true or false\n"
                )
            );
            assert_eq!(err.exit_code(), 2);
        }
    }

    #[test]
    fn inputs_named_for_another_tool_are_left_alone() {
        let tool = |name: &str| ("INPUT_TOOL", name.to_string());
        let for_other = [tool("propose-change")];
        let vars = |extra: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
            let mut v = vec![
                ("INPUT_DRY_RUN", "true".to_string()),
                ("INPUT_TAG", "x".into()),
            ];
            v.extend_from_slice(extra);
            v
        };
        let run = |extra: &[(&'static str, String)]| {
            let vars: Vec<(String, String)> = vars(extra)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            let args = vec![OsString::from("demo")];
            Demo::try_parse_from(with_inputs(&Demo::command(), args, &vars).unwrap()).unwrap()
        };
        let other = run(&for_other);
        assert!(!other.dry_run);
        assert_eq!(other.tag, None);
        let own = run(&[tool("demo")]);
        assert!(own.dry_run);
        assert_eq!(own.tag.as_deref(), Some("x"));
        let unnamed = run(&[tool("")]);
        assert!(unnamed.dry_run);
    }

    #[derive(Parser, Debug)]
    struct Family {
        #[command(subcommand)]
        command: Verb,
    }

    #[derive(clap::Subcommand, Debug, PartialEq)]
    enum Verb {
        Open {
            #[arg(long)]
            release: Option<String>,
            #[arg(long)]
            dry_run: bool,
        },
        Wait {
            #[arg(long)]
            timeout: Option<String>,
        },
    }

    fn family(args: &[&str], vars: &[(&str, &str)]) -> Result<Family, clap::Error> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let args = std::iter::once("family")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        Family::try_parse_from(with_inputs(&Family::command(), args, &vars)?)
    }

    #[test]
    fn the_command_input_names_the_subcommand_and_inputs_become_its_flags() {
        let f = family(
            &[],
            &[
                ("INPUT_COMMAND", "open"),
                ("INPUT_RELEASE", "r1"),
                ("INPUT_DRY-RUN", "true"),
                ("INPUT_TIMEOUT", ""),
            ],
        )
        .unwrap();
        assert_eq!(
            f.command,
            Verb::Open {
                release: Some("r1".into()),
                dry_run: true
            }
        );
        let f = family(
            &["wait"],
            &[("INPUT_COMMAND", "open"), ("INPUT_TIMEOUT", "1h")],
        )
        .unwrap();
        assert_eq!(
            f.command,
            Verb::Wait {
                timeout: Some("1h".into())
            }
        );
    }

    #[test]
    fn an_input_of_another_subcommand_or_an_unknown_command_is_refused() {
        let err = family(&[], &[("INPUT_COMMAND", "open"), ("INPUT_TIMEOUT", "1h")]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
        assert!(err.to_string().contains("--timeout"), "{err}");
        let err = family(&[], &[("INPUT_COMMAND", "close")]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidSubcommand);
    }

    #[test]
    fn a_switch_of_another_subcommand_left_false_is_no_input() {
        let f = family(&["wait"], &[("INPUT_DRY_RUN", "false")]).unwrap();
        assert_eq!(f.command, Verb::Wait { timeout: None });
        let err = family(&["wait"], &[("INPUT_DRY_RUN", "true")]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
        assert!(err.to_string().contains("--dry-run"), "{err}");
    }

    #[test]
    fn an_input_value_starting_with_dashes_stays_a_value() {
        let d = parse_with(&[], &[("INPUT_TAG", "--json")]);
        assert_eq!(d.tag.as_deref(), Some("--json"));
    }
}
