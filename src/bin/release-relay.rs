//! release-relay: runs one of the tools by name. The root action (`uses:
//! OWNER/release-relay@v1`) has one entrypoint, so it names the tool in its `tool`
//! input; this binary replaces itself with that tool, the environment (and so every
//! `INPUT_*`) unchanged. No shell is involved.

use std::os::unix::process::CommandExt;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let from_input = std::env::var("INPUT_TOOL")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let tool = match from_input {
        Some(tool) => tool.trim().to_string(),
        None => match args.next() {
            Some(tool) => tool.to_string_lossy().into_owned(),
            None => {
                eprintln!(
                    "error: no tool given: set the `tool` input or pass the tool name first ({})",
                    relay::TOOLS.join(", ")
                );
                return ExitCode::from(2);
            }
        },
    };
    if tool == "--help" || tool == "-h" {
        println!(
            "usage: release-relay TOOL [OPTIONS]\n\ntools: {}",
            relay::TOOLS.join(", ")
        );
        return ExitCode::SUCCESS;
    }
    if tool == "--version" || tool == "-V" {
        println!("release-relay {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    if !relay::TOOLS.contains(&tool.as_str()) {
        eprintln!(
            "error: unknown tool `{tool}`: expected one of {}",
            relay::TOOLS.join(", ")
        );
        return ExitCode::from(2);
    }
    // The tools are installed side by side; prefer the one next to this binary.
    let program = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&tool)))
        .filter(|path| path.exists())
        .unwrap_or_else(|| tool.clone().into());
    let error = std::process::Command::new(&program).args(args).exec();
    eprintln!("error: cannot run {}: {error}", program.display());
    ExitCode::from(1)
}
