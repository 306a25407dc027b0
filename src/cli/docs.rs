//! Shell completions and man pages of every tool, generated from the same clap
//! definitions that parse the options, so they never drift from the tools:
//! `release-relay completions SHELL` and `release-relay man TOOL`.

use std::io::Write;

/// What the dispatcher's `completions` and `man` commands were asked.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    #[error("unknown shell `{0}`: expected bash, zsh, fish, elvish or powershell")]
    UnknownShell(String),
    #[error("unknown tool `{tool}`: expected one of {}", super::tool_names().join(", "))]
    UnknownTool { tool: String },
    #[error("{0}")]
    Usage(String),
    #[error("cannot write: {0}")]
    Write(#[from] std::io::Error),
}

/// The completion scripts of every tool for `shell`, one after the other (each
/// registers its own command name).
pub fn completions(shell: &str, out: &mut impl Write) -> Result<(), DocsError> {
    let shell: clap_complete::Shell = shell
        .parse()
        .map_err(|_| DocsError::UnknownShell(shell.to_string()))?;
    for (name, _, command) in super::TOOLS {
        let mut command = command();
        clap_complete::generate(shell, &mut command, *name, out);
    }
    Ok(())
}

/// The man page of `tool` (roff, section 1).
pub fn man_page(tool: &str, out: &mut impl Write) -> Result<(), DocsError> {
    let (_, _, command) = super::TOOLS
        .iter()
        .find(|(name, _, _)| *name == tool)
        .ok_or_else(|| DocsError::UnknownTool {
            tool: tool.to_string(),
        })?;
    clap_mangen::Man::new(command()).render(out)?;
    Ok(())
}

/// The dispatcher's `completions SHELL` and `man TOOL`: `None` when `args` (after
/// the program name) are neither.
pub fn run(args: &[String]) -> Option<Result<(), DocsError>> {
    let mut stdout = std::io::stdout().lock();
    match args {
        [command, shell] if command == "completions" => Some(completions(shell, &mut stdout)),
        [command, tool] if command == "man" => Some(man_page(tool, &mut stdout)),
        [command, ..] if command == "completions" => Some(Err(DocsError::Usage(
            "usage: release-relay completions bash|zsh|fish|elvish|powershell".into(),
        ))),
        [command, ..] if command == "man" => Some(Err(DocsError::Usage(
            "usage: release-relay man TOOL".into(),
        ))),
        _ => None,
    }
}
