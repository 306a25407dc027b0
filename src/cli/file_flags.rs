//! The section of `relay.toml` named after a tool (`[verify-release]`) as defaults of
//! its flags: each key is one of the tool's long flags, and the flags it stands for are
//! appended to the command line the way [`crate::ci::inputs`] appends the `INPUT_*`
//! variables, after them. A flag on the command line or an input wins over the file.
//!
//! A TOML string, integer, float or date is the flag's value, an array one value per
//! element (for a flag that takes several), a boolean a switch (`true` sets it, `false`
//! leaves it off). Each value is checked by the flag's own parser here, so that a wrong
//! one is reported at its `file:line:col`. An unknown key or a wrong type stops the tool
//! with exit 2 before it does anything.
//!
//! A token never comes from the file (a file in the repository is read by everyone who
//! can read the repository), and neither do `--config` nor the folder the file is
//! looked for in.
//!
//! The file is `--config FILE` for a tool that has that flag, else `relay.toml` in the
//! folder of the tool's `--repo DIR` (update-links, comment-fixed-issues), else in the
//! working folder. A tool with subcommands (track-release) takes the keys of its section
//! that are flags of the subcommand run, and the keys of the subcommand's own table
//! (`[track-release.open]`) first.

use crate::config::{self, ConfigError, SectionEntry, SectionValue};
use clap::{Arg, ArgAction, Command};
use std::ffi::OsString;
use std::path::PathBuf;

/// The command line extended with the flags of the tool's section of the configuration
/// file; an error naming the file, line and column of a key that is not one of the
/// tool's flags or a value the flag does not take (see [`refuse`]).
pub fn with_file_flags(cmd: &Command, args: Vec<OsString>) -> Result<Vec<OsString>, ConfigError> {
    let words: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .take_while(|a| a != "--")
        .collect();
    if asks_for_help_or_version(cmd, &words) {
        return Ok(args);
    }
    let target = if cmd.has_subcommands() {
        let named = words.iter().find_map(|w| {
            cmd.get_subcommands()
                .find(|s| s.get_name() == w || s.get_all_aliases().any(|alias| alias == w))
        });
        match named {
            Some(sub) => sub,
            // clap says which subcommand is missing.
            None => return Ok(args),
        }
    } else {
        cmd
    };
    let Some((path, named)) = config_path(target, &words) else {
        return Ok(args);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        // A file named with --config that cannot be read is the tool's to report, as
        // it reads the file itself.
        Err(_) if named => return Ok(args),
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    // The whole file is checked on every run, so that a misspelt section is found by
    // the first tool that meets it.
    config::parse(&text, &path)?;
    let Some(section) = config::tool_section(&text, &path, cmd.get_name())? else {
        return Ok(args);
    };
    let mut plan = Plan {
        tool: cmd.get_name(),
        target,
        given: given_flags(&words),
        argv: args,
    };
    let mut shared = Vec::new();
    for entry in &section {
        match (&entry.value, cmd.find_subcommand(&entry.key)) {
            (SectionValue::Table(entries), Some(sub)) if cmd.has_subcommands() => {
                for inner in entries {
                    let table = format!("{}.{}", cmd.get_name(), sub.get_name());
                    let arg = plan.own_flag(sub, inner, &table)?;
                    if sub.get_name() == target.get_name() {
                        plan.apply(arg, inner)?;
                    }
                }
            }
            _ => shared.push(entry),
        }
    }
    for entry in shared {
        if cmd.has_subcommands() && target.get_arguments().all(|a| !is_flag(a, &entry.key)) {
            // A flag of another subcommand: known, and not this one's.
            let known = cmd
                .get_subcommands()
                .any(|s| s.get_arguments().any(|a| is_flag(a, &entry.key)));
            if known && !matches!(entry.value, SectionValue::Table(_)) {
                plan.check_not_secret(entry, None)?;
                continue;
            }
        }
        let arg = plan.own_flag(target, entry, cmd.get_name())?;
        plan.apply(arg, entry)?;
    }
    Ok(plan.argv)
}

/// The command line as it is being extended.
struct Plan<'a> {
    tool: &'a str,
    target: &'a Command,
    /// The long flags given on the command line or by an input, and those the file
    /// has added.
    given: Vec<String>,
    argv: Vec<OsString>,
}

impl<'a> Plan<'a> {
    /// The flag of `owner` that `entry` names, or why it cannot be set from the file.
    fn own_flag<'c>(
        &self,
        owner: &'c Command,
        entry: &SectionEntry,
        table: &str,
    ) -> Result<&'c Arg, ConfigError> {
        self.check_not_secret(entry, None)?;
        let arg = owner
            .get_arguments()
            .find(|a| is_flag(a, &entry.key))
            .filter(|a| !is_builtin(a));
        let Some(arg) = arg else {
            return Err(refused(
                entry,
                format!(
                    "unknown key `{}` in [{table}]: {} has no flag --{0}",
                    entry.key,
                    owner_name(self.tool, owner)
                ),
            ));
        };
        self.check_not_secret(entry, Some(arg))?;
        if entry.key == "config" {
            return Err(refused(
                entry,
                "key `config`: the configuration file cannot name another; pass --config FILE"
                    .to_string(),
            ));
        }
        if entry.key == "repo" && is_folder(arg) {
            return Err(refused(
                entry,
                "key `repo`: it names the folder relay.toml is read from; pass --repo DIR"
                    .to_string(),
            ));
        }
        Ok(arg)
    }

    /// Refuses a key named like a token, or a flag whose value is hidden from help.
    fn check_not_secret(&self, entry: &SectionEntry, arg: Option<&Arg>) -> Result<(), ConfigError> {
        let key = entry.key.as_str();
        let secret = key == "token"
            || key.ends_with("-token")
            || arg.is_some_and(Arg::is_hide_env_values_set);
        if secret {
            return Err(refused(
                entry,
                format!(
                    "key `{key}`: a token is never read from the configuration file (everyone \
                     who can read the repository can read it); pass it in the environment \
                     (GITHUB_TOKEN, GITLAB_TOKEN, CI_JOB_TOKEN) or as --{key}"
                ),
            ));
        }
        Ok(())
    }

    /// Appends the flags `entry` stands for, unless the command line or an input
    /// already gives the flag or one it conflicts with. The value is checked either
    /// way: a mistake in the file is one even while a flag overrides it.
    fn apply(&mut self, arg: &Arg, entry: &SectionEntry) -> Result<(), ConfigError> {
        let long = arg.get_long().unwrap_or_default().to_string();
        let flags = self.flags_of(arg, &long, entry)?;
        let conflicting = self
            .target
            .get_arg_conflicts_with(arg)
            .into_iter()
            .filter_map(Arg::get_long)
            .any(|other| self.given.iter().any(|g| g == other));
        if self.given.contains(&long) || conflicting {
            return Ok(());
        }
        self.argv.extend(flags);
        self.given.push(long);
        Ok(())
    }

    /// The command-line words `entry` stands for as the flag `--long`.
    fn flags_of(
        &self,
        arg: &Arg,
        long: &str,
        entry: &SectionEntry,
    ) -> Result<Vec<OsString>, ConfigError> {
        if !arg.get_action().takes_values() {
            return match (&entry.value, arg.get_action()) {
                (SectionValue::Boolean(true), ArgAction::SetTrue) => {
                    Ok(vec![format!("--{long}").into()])
                }
                (SectionValue::Boolean(false), ArgAction::SetTrue) => Ok(Vec::new()),
                (value, _) => Err(at_value(
                    entry,
                    format!(
                        "key `{}`: --{long} is a switch: expected true or false, not {}",
                        entry.key,
                        describe(value)
                    ),
                )),
            };
        }
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1)
            || matches!(arg.get_action(), ArgAction::Append);
        let values = match &entry.value {
            SectionValue::Boolean(b) => vec![b.to_string()],
            SectionValue::Text(text) => vec![text.clone()],
            SectionValue::List(items) if many => items.clone(),
            value => {
                return Err(at_value(
                    entry,
                    format!(
                        "key `{}`: --{long} takes one value, not {}",
                        entry.key,
                        describe(value)
                    ),
                ));
            }
        };
        for value in &values {
            if let Some(reason) = invalid_value(self.target, long, value) {
                return Err(at_value(entry, format!("key `{}`: {reason}", entry.key)));
            }
        }
        Ok(values
            .into_iter()
            .map(|value| format!("--{long}={value}").into())
            .collect())
    }
}

/// Why the flag `--long` of `target` refuses `value`, as clap says it, or `None` when
/// its parser takes it. The value is parsed alone; what else the command needs (its
/// required flags) is no concern here.
fn invalid_value(target: &Command, long: &str, value: &str) -> Option<String> {
    use clap::error::ErrorKind;
    let probe = target.clone().no_binary_name(true);
    let error = probe
        .try_get_matches_from([format!("--{long}={value}")])
        .err()?;
    if !matches!(
        error.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::InvalidUtf8
    ) {
        return None;
    }
    let message = error.to_string();
    let first = message.lines().next().unwrap_or_default();
    Some(first.trim_start_matches("error: ").to_string())
}

fn owner_name(tool: &str, owner: &Command) -> String {
    if owner.get_name() == tool {
        tool.to_string()
    } else {
        format!("{tool} {}", owner.get_name())
    }
}

fn describe(value: &SectionValue) -> String {
    match value {
        SectionValue::Boolean(b) => format!("the boolean {b}"),
        SectionValue::Text(text) => format!("the value `{text}`"),
        SectionValue::List(_) => "an array".to_string(),
        SectionValue::Table(_) => "a table".to_string(),
    }
}

fn is_flag(arg: &Arg, key: &str) -> bool {
    arg.get_long() == Some(key)
}

/// clap's own `--help` and `--version`, which no file sets.
fn is_builtin(arg: &Arg) -> bool {
    matches!(
        arg.get_action(),
        ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
    )
}

/// A `--repo DIR`: the repository folder, where relay.toml is looked for.
fn is_folder(arg: &Arg) -> bool {
    arg.get_value_names()
        .is_some_and(|names| names.iter().any(|n| n.as_str() == "DIR"))
}

fn asks_for_help_or_version(cmd: &Command, words: &[String]) -> bool {
    let builtin = |c: &Command| {
        c.get_arguments()
            .filter(|a| is_builtin(a))
            .flat_map(|a| {
                let long = a.get_long().map(|l| format!("--{l}"));
                let short = a.get_short().map(|s| format!("-{s}"));
                long.into_iter().chain(short)
            })
            .collect::<Vec<_>>()
    };
    let mut flags = builtin(cmd);
    for sub in cmd.get_subcommands() {
        flags.extend(builtin(sub));
    }
    flags.extend(["-h".to_string(), "--help".to_string()]);
    words.iter().any(|w| flags.contains(w))
        || (cmd.has_subcommands() && words.first().is_some_and(|w| w == "help"))
}

/// The long flags of the command line (`--dry-run`, `--tag=x`), by name.
fn given_flags(words: &[String]) -> Vec<String> {
    words
        .iter()
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| w.split('=').next().unwrap_or(w).to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The value of `--name VALUE` or `--name=VALUE` on the command line.
fn flag_value(words: &[String], name: &str) -> Option<String> {
    let flag = format!("--{name}");
    let mut iter = words.iter();
    while let Some(word) = iter.next() {
        if *word == flag {
            return iter.next().cloned();
        }
        if let Some(value) = word.strip_prefix(&flag).and_then(|v| v.strip_prefix('=')) {
            return Some(value.to_string());
        }
    }
    None
}

/// The configuration file of the run and whether `--config` named it, or `None` when
/// there is none to read.
fn config_path(target: &Command, words: &[String]) -> Option<(PathBuf, bool)> {
    let has = |name: &str| target.get_arguments().any(|a| is_flag(a, name));
    if has("config")
        && let Some(path) = flag_value(words, "config").filter(|p| !p.is_empty())
    {
        return Some((PathBuf::from(path), true));
    }
    let folder = target
        .get_arguments()
        .find(|a| is_flag(a, "repo") && is_folder(a))
        .map(|_| flag_value(words, "repo").unwrap_or_else(|| ".".to_string()))
        .unwrap_or_else(|| ".".to_string());
    let path = config::default_path(std::path::Path::new(&folder));
    path.exists().then_some((path, false))
}

/// An error at the key of `entry`.
fn refused(entry: &SectionEntry, message: String) -> ConfigError {
    ConfigError::Invalid {
        location: entry.key_at.clone(),
        message,
    }
}

/// An error at the value of `entry`.
fn at_value(entry: &SectionEntry, message: String) -> ConfigError {
    ConfigError::Invalid {
        location: entry.value_at.clone(),
        message,
    }
}

/// Stops the tool over a problem of its configuration file: `error: file:line:col: …`
/// on stderr (and, inside GitHub Actions, an annotation at that position), exit 2.
pub fn refuse(problem: &ConfigError) -> ! {
    use crate::Problem;
    let message = crate::ci::workflow::visible_controls(&problem.to_string());
    let line = crate::ci::colour::Paint::stderr().error(&message);
    let in_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    if in_actions {
        eprintln!("{}", crate::ci::workflow::inert(&line));
        eprintln!(
            "{}",
            crate::ci::workflow::error_command(&message, problem.location())
        );
    } else {
        eprintln!("{line}");
    }
    std::process::exit(2)
}
