//! The GitHub runner's reading of workflow commands out of a step's output, as
//! actions/runner does it (`ActionCommandManager.TryProcessCommand` with
//! `ActionCommand.TryParseV2` and the legacy `TryParse`): a line that starts with
//! `::name ...::data` after leading blanks, or that holds `##[name ...]data` anywhere;
//! `::stop-commands::TOKEN` ignores every command until `::TOKEN::`. Lines end at LF,
//! CR or CRLF. Tests use it to prove that text from tags and commits runs nothing.

/// A command the runner would have run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowCommand {
    pub name: String,
    /// The raw property text (`name=x,file=y`).
    pub properties: String,
    /// The data, unescaped (`%0A` is a line feed).
    pub data: String,
}

/// The commands the runner registers (actions/runner's command extensions).
const REGISTERED: &[&str] = &[
    "add-mask",
    "add-matcher",
    "add-path",
    "debug",
    "echo",
    "endgroup",
    "error",
    "group",
    "notice",
    "remove-matcher",
    "save-state",
    "set-env",
    "set-output",
    "stop-commands",
    "warning",
];

fn unescape(data: &str) -> String {
    data.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

fn parse(line: &str, registered: &[String]) -> Option<WorkflowCommand> {
    let known = |name: &str| registered.iter().any(|r| r.eq_ignore_ascii_case(name));
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix("::")
        && let Some(end) = rest.find("::")
    {
        let info = &rest[..end];
        let (name, properties) = info.split_once(' ').unwrap_or((info, ""));
        if known(name) {
            return Some(WorkflowCommand {
                name: name.to_string(),
                properties: properties.trim().to_string(),
                data: unescape(&rest[end + 2..]),
            });
        }
    }
    let start = line.find("##[")?;
    let rest = &line[start + 3..];
    let end = rest.find(']')?;
    let info = &rest[..end];
    let (name, properties) = info.split_once(' ').unwrap_or((info, ""));
    known(name).then(|| WorkflowCommand {
        name: name.to_string(),
        properties: properties.to_string(),
        data: unescape(&rest[end + 1..]),
    })
}

/// The commands the runner runs when a step prints `output` (one stream), without
/// the `stop-commands` pairs themselves.
pub fn commands_run(output: &str) -> Vec<WorkflowCommand> {
    let mut registered: Vec<String> = REGISTERED.iter().map(|s| s.to_string()).collect();
    let mut stop_token: Option<String> = None;
    let mut run = Vec::new();
    for line in output.split('\n').flat_map(|l| l.split('\r')) {
        let Some(command) = parse(line, &registered) else {
            continue;
        };
        match &stop_token {
            Some(token) => {
                if command.name.eq_ignore_ascii_case(token) {
                    registered.retain(|r| r != token);
                    stop_token = None;
                }
            }
            None if command.name.eq_ignore_ascii_case("stop-commands") => {
                registered.push(command.data.clone());
                stop_token = Some(command.data);
            }
            None => run.push(command),
        }
    }
    run
}

/// The names (and data) of the commands run, as `name:data` for short assertions.
pub fn command_summary(output: &str) -> Vec<String> {
    commands_run(output)
        .into_iter()
        .map(|c| format!("{}:{}", c.name, c.data))
        .collect()
}
