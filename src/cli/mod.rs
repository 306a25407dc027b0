//! The command-line edge of every tool: each submodule holds one tool's options (clap)
//! and its `main`, which parses them, calls the library and hands the report to
//! [`crate::ci::Session::finish`].
//!
//! The edges live in the library so that one multi-call binary (`release-relay`, the
//! container image's only executable, with one link per tool) carries every tool; the
//! binaries in `src/bin/` are one-line wrappers for `cargo install` users.

/// The session a tool's `main` starts (what `Session::start` or `start_with_forge`
/// gives), or its exit when the CI environment or a tuning variable cannot be read:
/// the error on stderr and exit code 2, before anything else is done.
macro_rules! started {
    ($start:expr) => {
        match $start {
            Ok(started) => started,
            Err(e) => return $crate::cli::cannot_start(&e),
        }
    };
}
pub(crate) use started;

pub mod announce;
pub mod bump_versions;
pub mod comment_fixed_issues;
pub mod comment_on_issue;
pub mod docs;
mod file_flags;
pub mod find_green_commit;
pub mod generate_changelog;
pub mod propose_change;
pub mod publish_release;
pub mod read_tag_metadata;
pub mod tag_from_request;
pub mod track_release;
pub mod update_links;
pub mod verify_release;

use std::ffi::OsString;
use std::process::ExitCode;

/// The exit of a tool whose session cannot start.
pub(crate) fn cannot_start(error: &crate::ci::CiError) -> ExitCode {
    eprintln!(
        "{}",
        crate::ci::colour::Paint::stderr().error(&error.to_string())
    );
    ExitCode::from(2)
}

/// Parses `C` from `args` (the program name first), the `INPUT_*` variables and the
/// tool's section of the configuration file; exits like clap on bad usage (code 2) or
/// `--help`.
pub(crate) fn parse<C: clap::CommandFactory + clap::FromArgMatches>(args: Vec<OsString>) -> C {
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    // clap's help and usage errors are coloured by the same variables as the tool.
    let mut cmd = C::command().color(crate::ci::colour::Choice::from_env().for_clap());
    // The command line wins over the inputs, and both over the configuration file.
    let argv = crate::ci::inputs::with_inputs(&cmd, args, &vars)
        .unwrap_or_else(|e| e.format(&mut cmd).exit());
    let argv = file_flags::with_file_flags(&cmd, argv).unwrap_or_else(|e| file_flags::refuse(&e));
    let matches = cmd
        .try_get_matches_from_mut(argv)
        .unwrap_or_else(|e| e.exit());
    C::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut cmd).exit())
}

/// A tool's entry point: the arguments (program name first) in, the exit code out.
pub type ToolMain = fn(Vec<OsString>) -> ExitCode;

/// A tool's command line (its options, help texts and version).
pub type ToolCommand = fn() -> clap::Command;

/// Every tool of the toolkit, as its binary is named, with its entry point and its
/// command line.
pub const TOOLS: &[(&str, ToolMain, ToolCommand)] = &[
    (
        "read-tag-metadata",
        read_tag_metadata::main,
        read_tag_metadata::command,
    ),
    (
        "tag-from-request",
        tag_from_request::main,
        tag_from_request::command,
    ),
    ("update-links", update_links::main, update_links::command),
    ("bump-versions", bump_versions::main, bump_versions::command),
    (
        "verify-release",
        verify_release::main,
        verify_release::command,
    ),
    (
        "publish-release",
        publish_release::main,
        publish_release::command,
    ),
    (
        "generate-changelog",
        generate_changelog::main,
        generate_changelog::command,
    ),
    (
        "propose-change",
        propose_change::main,
        propose_change::command,
    ),
    (
        "find-green-commit",
        find_green_commit::main,
        find_green_commit::command,
    ),
    (
        "comment-on-issue",
        comment_on_issue::main,
        comment_on_issue::command,
    ),
    ("announce", announce::main, announce::command),
    (
        "comment-fixed-issues",
        comment_fixed_issues::main,
        comment_fixed_issues::command,
    ),
    ("track-release", track_release::main, track_release::command),
];

/// Runs `tool` with `args` (the program name first), or `None` for an unknown tool.
pub fn run(tool: &str, args: Vec<OsString>) -> Option<ExitCode> {
    TOOLS
        .iter()
        .find(|(name, _, _)| *name == tool)
        .map(|(_, main, _)| main(args))
}

/// Refuses plain git for a tool that only works through a forge API; `doing` says
/// what the tool does there ("comment-on-issue writes").
pub fn require_api(settings: &crate::forge::ForgeSettings, doing: &str) -> crate::Result<()> {
    if settings.platform == crate::ci::Platform::Git {
        return Err(crate::Error::Usage(format!(
            "{doing} through a forge API: pass --forge github or --forge gitlab (detected \
             inside GitHub Actions and GitLab CI)"
        )));
    }
    Ok(())
}

/// The forge repository (`owner/name`): `--repo`, else the pipeline's own
/// (GITHUB_REPOSITORY, CI_PROJECT_PATH).
pub fn repository(
    flag: Option<&str>,
    session: &crate::ci::Session,
    settings: &crate::forge::ForgeSettings,
) -> crate::Result<String> {
    let repo = flag
        .filter(|r| !r.is_empty())
        .or_else(|| session.ctx.repository(settings.platform))
        .map(str::to_string)
        .ok_or_else(|| {
            crate::Error::Usage(
                "no repository given: pass --repo OWNER/NAME (default GITHUB_REPOSITORY or \
                 CI_PROJECT_PATH)"
                    .into(),
            )
        })?;
    // Refused before any call: a malformed name would only meet the API's 404s and
    // retries.
    crate::forge::check_repository(&repo)
        .map_err(|reason| crate::Error::Usage(format!("repository {reason}")))?;
    Ok(repo)
}

/// The names of every tool.
pub fn tool_names() -> Vec<&'static str> {
    TOOLS.iter().map(|(name, _, _)| *name).collect()
}
