//! Options from the command line or, inside a GitHub container action, from the
//! action's inputs.
//!
//! GitHub passes input `dry-run` as the variable `INPUT_DRY-RUN` (upper-cased, hyphens
//! kept). Rather than teach every flag an `env` name, the inputs are turned into the
//! flags they stand for and appended to the command line, so clap validates both the
//! same way. GitLab variable names cannot hold hyphens, so `INPUT_DRY_RUN` is read
//! too (the GitLab templates set their inputs that way, never through a shell). A flag given on the command line wins over the input of the same name;
//! an empty input means "not given"; a multi-valued option takes one value per line.

use clap::{Command, CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// Parses `C` from the process arguments and `INPUT_*` variables; exits like clap on
/// bad usage (code 2) or `--help`.
pub fn parse<C: CommandFactory + FromArgMatches>() -> C {
    let args: Vec<OsString> = std::env::args_os().collect();
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let mut cmd = C::command();
    let argv = with_inputs(&cmd, args, &vars);
    let matches = cmd
        .try_get_matches_from_mut(argv)
        .unwrap_or_else(|e| e.exit());
    C::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut cmd).exit())
}

/// The command line extended with the flags that `INPUT_*` variables stand for.
pub fn with_inputs(cmd: &Command, args: Vec<OsString>, vars: &[(String, String)]) -> Vec<OsString> {
    let given: Vec<String> = args
        .iter()
        .filter_map(|a| a.to_str())
        .filter_map(|a| a.strip_prefix("--"))
        .map(|a| a.split('=').next().unwrap_or(a).to_string())
        .collect();
    let mut argv = args;
    for arg in cmd.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        // clap's own --help/--version are no inputs; a tool's `--version V` is.
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
        let name = format!("INPUT_{}", long.to_ascii_uppercase());
        let snake = name.replace('-', "_");
        let Some(value) = vars
            .iter()
            .find(|(k, _)| *k == name)
            .or_else(|| vars.iter().find(|(k, _)| *k == snake))
            .map(|(_, v)| v.trim())
        else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        if !arg.get_action().takes_values() {
            // A switch: action inputs are strings, so "true" turns it on.
            match value.to_ascii_lowercase().as_str() {
                "false" | "no" | "0" | "off" => {}
                _ => argv.push(format!("--{long}").into()),
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
    argv
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
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
        Demo::try_parse_from(with_inputs(&Demo::command(), args, &vars)).unwrap()
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
    fn a_version_option_of_the_tool_is_an_input_but_clap_s_version_is_not() {
        #[derive(Parser, Debug)]
        struct WithVersion {
            #[arg(long)]
            version: String,
        }
        let args = vec![OsString::from("demo")];
        let vars = vec![("INPUT_VERSION".to_string(), "1.4.2".to_string())];
        let parsed =
            WithVersion::try_parse_from(with_inputs(&WithVersion::command(), args.clone(), &vars))
                .unwrap();
        assert_eq!(parsed.version, "1.4.2");

        #[derive(Parser, Debug)]
        #[command(version)]
        struct Versioned {}
        let argv = with_inputs(&Versioned::command(), args, &vars);
        assert_eq!(
            argv.len(),
            1,
            "INPUT_VERSION does not turn on clap's --version"
        );
    }

    #[test]
    fn an_input_value_starting_with_dashes_stays_a_value() {
        let d = parse_with(&[], &[("INPUT_TAG", "--json")]);
        assert_eq!(d.tag.as_deref(), Some("--json"));
    }
}
