//! release-relay: every tool in one executable. Called through a link named after a
//! tool (`/usr/local/bin/read-tag-metadata` in the image), it is that tool; called as
//! `release-relay`, the tool is the `tool` input of the root action (`INPUT_TOOL`) or
//! the first argument. No shell is involved. `release-relay completions SHELL` and
//! `release-relay man TOOL` print every tool's shell completions and a tool's man page.

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let invoked_as = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(code) = relay::cli::run(&invoked_as, args.clone()) {
        return code;
    }
    let tools = relay::cli::tool_names().join(", ");
    let paint = relay::ci::colour::Paint::stderr();
    if std::env::var_os("INPUT_TOOL").is_none() {
        let rest: Vec<String> = args
            .iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        if let Some(result) = relay::cli::docs::run(&rest) {
            return match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{}", paint.error(&e.to_string()));
                    ExitCode::from(2)
                }
            };
        }
    }
    let tool = match std::env::var("INPUT_TOOL")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        Some(tool) => tool.trim().to_string(),
        None if args.len() > 1 => args.remove(1).to_string_lossy().into_owned(),
        None => {
            eprintln!(
                "{}",
                paint.error(&format!(
                    "no tool given: set the `tool` input or pass the tool name first ({tools})"
                ))
            );
            return ExitCode::from(2);
        }
    };
    match tool.as_str() {
        // `release-relay --version 1.2.0 --file …` forgot the tool: running nothing
        // with exit 0 would pass the pipeline's step.
        "--help" | "-h" | "--version" | "-V" if args.len() > 1 => {
            eprintln!(
                "{}",
                paint.error(&format!(
                    "no tool given before `{tool} {}`: pass the tool name first \
                     (release-relay TOOL [OPTIONS]; tools: {tools})",
                    args[1].to_string_lossy()
                ))
            );
            ExitCode::from(2)
        }
        "--help" | "-h" => {
            println!(
                "usage: release-relay TOOL [OPTIONS]\n       release-relay completions SHELL\n       \
                 release-relay man TOOL\n\ntools: {tools}"
            );
            ExitCode::SUCCESS
        }
        "--version" | "-V" => {
            println!("release-relay {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            // The tool sees its own name as the program name.
            args[0] = OsString::from(&tool);
            relay::cli::run(&tool, args).unwrap_or_else(|| {
                eprintln!(
                    "{}",
                    paint.error(&format!("unknown tool `{tool}`: expected one of {tools}"))
                );
                ExitCode::from(2)
            })
        }
    }
}
