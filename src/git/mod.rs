//! Local repository access through the git CLI, wrapped once.
//!
//! Measured for the foundation: one `git` process costs about 1 ms here, and the CLI
//! does everything the tools need (shallow fetches of one commit, signed tags with the
//! user's gpg or ssh setup, credential helpers) with the user's own configuration.
//! An in-process library would save those milliseconds but re-implement signing,
//! credentials and protocol support, so every tool goes through [`Git::run`].
//!
//! Outcomes are decided from exit status and plumbing (`rev-parse --verify`,
//! `for-each-ref`), never from the wording of stderr; errors keep the arguments,
//! stdout and stderr. Credentials travel in environment-only configuration
//! (`GIT_CONFIG_*`), never in a URL or an argument that could be printed.
//!
//! No command that talks to a remote can hang the run: git itself has no time-out for
//! a server that accepts the connection and then says nothing (git://, ssh), so such a
//! command (`fetch`, `ls-remote`, `push`, …) is stopped after `RELAY_GIT_TIMEOUT`
//! seconds ([`network_timeout`], default 300) and fails with [`GitError::TimedOut`].
//! HTTP transfers also give up by themselves when they stall that long
//! (`http.lowSpeedLimit`/`http.lowSpeedTime`), so that git's HTTP helper, which a
//! stopped git leaves behind, ends too.

#[cfg(unix)]
pub mod owner;
mod tag;

pub use tag::{Annotation, TagObject, TagRef, Tagger, parse_tag_object, split_signature};

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Errors of git access.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("`git {args}` failed ({status}): {stderr}")]
    Failed {
        args: String,
        status: String,
        stderr: String,
    },
    #[error("{} is not a git repository", .0.display())]
    NotARepository(PathBuf),
    #[error("cannot read the tag object of {name}: {reason}")]
    BadTagObject { name: String, reason: String },
    /// A command that talks to a remote did not finish in time and was stopped.
    #[error("`git {args}` was stopped: {}", timed_out_reason(*.after))]
    TimedOut { args: String, after: Duration },
}

/// A git command that failed is a failed job, not bad input.
impl crate::Problem for GitError {}

impl GitError {
    /// The part of the error a reader needs: everything git said but its hints, as one
    /// line (git spreads one sentence over several: "Could not read from remote
    /// repository.\n\nPlease make sure … and the repository exists."), without
    /// credentials.
    pub fn reason(&self) -> String {
        match self {
            GitError::TimedOut { after, .. } => timed_out_reason(*after),
            GitError::Failed { stderr, .. } => {
                let text = stderr
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.starts_with("hint:") && !l.starts_with("To "))
                    .flat_map(str::split_whitespace)
                    .collect::<Vec<_>>()
                    .join(" ");
                if text.is_empty() {
                    "git failed and said nothing".to_string()
                } else {
                    strip_userinfo_in(&text)
                }
            }
            other => strip_userinfo_in(&other.to_string()),
        }
    }

    /// Whether the remote wanted other credentials than it was given (none, a wrong
    /// or expired token, one without the permission).
    pub fn credentials_refused(&self) -> bool {
        credentials_refused(&self.reason())
    }
}

/// Whether git's `reason` says the remote wanted other credentials than it was given.
pub fn credentials_refused(reason: &str) -> bool {
    [
        "could not read Username",
        "could not read Password",
        "Authentication failed",
        "returned error: 401",
        "returned error: 403",
        "Permission denied (publickey",
    ]
    .iter()
    .any(|sign| reason.contains(sign))
}

/// Removes `user:password@` from any URL inside a line of text.
pub fn strip_userinfo_in(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains("://") {
                let start = word.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(0);
                format!("{}{}", &word[..start], strip_userinfo(&word[start..]))
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a [`GitError::TimedOut`] command was stopped, for messages that name no command.
pub fn timed_out_reason(after: Duration) -> String {
    format!(
        "the remote did not answer within {}s (RELAY_GIT_TIMEOUT)",
        after.as_secs()
    )
}

/// The environment variable that bounds every git command that talks to a remote.
pub const TIMEOUT_VARIABLE: &str = "RELAY_GIT_TIMEOUT";

/// How long a git command that talks to a remote may run: `RELAY_GIT_TIMEOUT`
/// seconds, default 300 (a depth-1 fetch or a tag push takes a second; deepening a
/// large history on a slow runner can take minutes).
pub fn network_timeout() -> Duration {
    std::env::var(TIMEOUT_VARIABLE)
        .ok()
        .and_then(|v| parse_timeout(&v))
        .unwrap_or(Duration::from_secs(300))
}

/// A value of `RELAY_GIT_TIMEOUT`: a whole number of seconds greater than 0. The CLI
/// edge refuses any other value before a tool starts.
pub fn parse_timeout(text: &str) -> Option<Duration> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
}

/// The git subcommands that talk to a remote.
const NETWORK_COMMANDS: &[&str] = &[
    "fetch",
    "ls-remote",
    "push",
    "clone",
    "pull",
    "fetch-pack",
    "send-pack",
    "archive",
    "remote",
    "submodule",
];

/// The subcommand of a git command line (what follows the global options).
fn subcommand(args: &[OsString]) -> Option<&OsStr> {
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        match text.as_ref() {
            // Global options that take the next argument as their value.
            "-c" | "-C" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path"
            | "--config-env" => {
                args.next();
            }
            t if t.starts_with('-') => {}
            _ => return Some(arg),
        }
    }
    None
}

/// Whether the command talks to a remote, so that it gets a deadline.
fn talks_to_a_remote(args: &[OsString]) -> bool {
    subcommand(args).is_some_and(|s| NETWORK_COMMANDS.iter().any(|n| OsStr::new(n) == s))
}

fn join_args(args: &[OsString]) -> String {
    args.iter()
        .map(|a| strip_userinfo(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// HTTP credentials for a remote, handed to git through environment-only config.
#[derive(Clone)]
pub struct Credentials {
    header: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(***)")
    }
}

impl Credentials {
    /// Basic auth as the forges expect it from a token: GitHub `x-access-token`,
    /// GitLab `oauth2` (personal/project tokens) or `gitlab-ci-token` (job token).
    pub fn basic(user: &str, token: &str) -> Self {
        use base64::Engine;
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{token}"));
        Credentials {
            header: format!("Authorization: Basic {pair}"),
        }
    }
}

/// A repository (or a bare repository, or a scratch folder) that git commands run in.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
    credentials: Option<Credentials>,
    /// Extra environment for every command (a private index, a commit identity).
    env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    /// The deadline of commands that talk to a remote; `None`: [`network_timeout`].
    timeout: Option<Duration>,
}

impl Git {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Git {
            dir: dir.into(),
            credentials: None,
            env: Vec::new(),
            timeout: None,
        }
    }

    /// The same repository with another deadline for commands that talk to a remote
    /// than `RELAY_GIT_TIMEOUT`'s.
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    fn network_limit(&self) -> Duration {
        self.timeout.unwrap_or_else(network_timeout)
    }

    /// The same repository with `key=value` in the environment of every command
    /// (`GIT_INDEX_FILE` for a private index, `GIT_AUTHOR_NAME`, …).
    pub fn with_env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    /// Whether credentials go with the commands that talk to a remote.
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    pub fn with_credentials(mut self, credentials: Option<Credentials>) -> Self {
        self.credentials = credentials;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A git command in this repository with a fixed locale, no prompts, and the
    /// credentials (if any) as environment-only configuration.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.dir)
            .args(args)
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        // Inside a container the workspace belongs to another user; git refuses such
        // a repository unless it is marked safe. The tools only read and tag.
        let mut config: Vec<(String, String)> = vec![("safe.directory".into(), "*".into())];
        // An HTTP transfer that moves less than a byte a second for the time-out gives
        // up by itself (git's HTTP helper outlives a git that was stopped).
        config.push(("http.lowSpeedLimit".into(), "1".into()));
        // Housekeeping a fetch starts runs before git returns, not in a detached
        // process that would still be writing when the files are handed back.
        config.push(("gc.autoDetach".into(), "false".into()));
        config.push(("maintenance.autoDetach".into(), "false".into()));
        config.push((
            "http.lowSpeedTime".into(),
            self.network_limit().as_secs().max(1).to_string(),
        ));
        if let Some(credentials) = &self.credentials {
            config.push(("http.extraHeader".into(), credentials.header.clone()));
        }
        let base: usize = std::env::var("GIT_CONFIG_COUNT")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        for (i, (key, value)) in config.iter().enumerate() {
            cmd.env(format!("GIT_CONFIG_KEY_{}", base + i), key)
                .env(format!("GIT_CONFIG_VALUE_{}", base + i), value);
        }
        cmd.env("GIT_CONFIG_COUNT", (base + config.len()).to_string());
        cmd
    }

    /// Runs git and returns its output, whatever the exit status. A command that
    /// talks to a remote is stopped after [`network_timeout`] and fails with
    /// [`GitError::TimedOut`].
    pub fn output<I, S>(&self, args: I) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<OsString> = args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        let mut cmd = self.command(&args);
        let output = if talks_to_a_remote(&args) {
            let limit = self.network_limit();
            let child = cmd
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(GitError::Spawn)?;
            output_within(child, limit).ok_or_else(|| GitError::TimedOut {
                args: join_args(&args),
                after: limit,
            })??
        } else {
            cmd.output().map_err(GitError::Spawn)?
        };
        self.hand_back_after(&args);
        Ok(output)
    }

    #[cfg(not(unix))]
    fn hand_back_after(&self, _args: &[OsString]) {}

    /// After a command that writes, what this (root) process wrote into a repository
    /// someone else owns goes back to that owner ([`owner`]).
    #[cfg(unix)]
    fn hand_back_after(&self, args: &[OsString]) {
        let writes = subcommand(args)
            .is_some_and(|s| owner::WRITING_COMMANDS.iter().any(|w| OsStr::new(w) == s));
        if !writes || !owner::needs_handing_back(&self.dir) {
            return;
        }
        let git_dir = self
            .command(["rev-parse", "--path-format=absolute", "--git-common-dir"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim_end()));
        if let Some(git_dir) = git_dir.filter(|d| owner::needs_handing_back(d)) {
            let _ = owner::hand_back(&git_dir);
        }
    }

    /// Runs git; a non-zero exit is an error carrying the arguments and stderr.
    /// Returns stdout without its final newline.
    pub fn run<I, S>(&self, args: I) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        let out = self.output(&args)?;
        if !out.status.success() {
            return Err(GitError::Failed {
                args: join_args(&args),
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        if text.ends_with('\n') {
            text.pop();
        }
        Ok(text)
    }

    /// Runs git and hands each `separator`-terminated record of its stdout to `each`
    /// while git is still writing (a `git log -z` over ten thousand commits is parsed
    /// as it streams, in one process). A non-zero exit is an error like [`Git::run`]'s.
    /// A final record without its terminator is handed over too.
    pub fn for_each_record<I, S>(
        &self,
        args: I,
        separator: u8,
        mut each: impl FnMut(&[u8]),
    ) -> Result<(), GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        use std::io::{BufRead, Read};
        let args: Vec<_> = args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        let mut child = self
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(GitError::Spawn)?;
        // stderr is drained beside stdout so that a chatty git can never block on it.
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let stderr = std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = stderr_pipe.read_to_end(&mut text);
            text
        });
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut reader = std::io::BufReader::with_capacity(1 << 16, stdout);
        let mut record = Vec::new();
        loop {
            record.clear();
            let n = reader
                .read_until(separator, &mut record)
                .map_err(GitError::Spawn)?;
            if n == 0 {
                break;
            }
            if record.last() == Some(&separator) {
                record.pop();
            }
            each(&record);
        }
        let status = child.wait().map_err(GitError::Spawn)?;
        self.hand_back_after(&args);
        let stderr = stderr.join().unwrap_or_default();
        if !status.success() {
            return Err(GitError::Failed {
                args: join_args(&args),
                status: status.to_string(),
                stderr: String::from_utf8_lossy(&stderr).trim().to_string(),
            });
        }
        Ok(())
    }

    /// Whether the folder is inside a git repository.
    pub fn is_repository(&self) -> bool {
        self.output(["rev-parse", "--git-dir"])
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// Fails with [`GitError::NotARepository`] unless the folder is a repository.
    pub fn require_repository(&self) -> Result<(), GitError> {
        if self.is_repository() {
            Ok(())
        } else {
            Err(GitError::NotARepository(self.dir.clone()))
        }
    }

    /// The object id `rev` names, or `None` when it names nothing.
    pub fn resolve(&self, rev: &str) -> Result<Option<String>, GitError> {
        let out = self.output(["rev-parse", "--verify", "--quiet", "--end-of-options", rev])?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    /// Whether this is a shallow clone (its history is cut off).
    pub fn is_shallow(&self) -> Result<bool, GitError> {
        Ok(self.run(["rev-parse", "--is-shallow-repository"])? == "true")
    }

    /// Fetches exactly `refs/tags/<name>` from `remote`, replacing the local tag of that
    /// name (actions/checkout leaves a lightweight tag in place of the annotated one).
    /// Returns false when the remote has no such tag.
    pub fn fetch_tag(&self, remote: &str, name: &str) -> Result<bool, GitError> {
        let refspec = format!("+refs/tags/{name}:refs/tags/{name}");
        let listed = self.run([
            "ls-remote",
            "--tags",
            "--end-of-options",
            remote,
            &format!("refs/tags/{name}"),
        ])?;
        if listed.is_empty() {
            return Ok(false);
        }
        self.run([
            "fetch",
            "--no-tags",
            "--no-write-fetch-head",
            "--quiet",
            "--end-of-options",
            remote,
            &refspec,
        ])?;
        Ok(true)
    }

    /// The remote's URL with any user:password part removed, for messages.
    pub fn remote_url_for_display(&self, remote: &str) -> Option<String> {
        let url = self
            .run(["remote", "get-url", "--end-of-options", remote])
            .ok()?;
        Some(strip_userinfo(&url))
    }

    /// The repository path of `remote`'s URL (`owner/name`, or `group/sub/name` on
    /// GitLab), as a forge API names the repository: `https://github.com/owner/name.git`,
    /// `git@host:owner/name.git`.
    pub fn remote_repository(&self, remote: &str) -> Option<String> {
        let url = self.remote_url_for_display(remote)?;
        let path = url
            .split_once("://")
            .map(|(_, rest)| rest.split_once('/').map_or("", |(_, p)| p))
            .or_else(|| url.split_once(':').map(|(_, p)| p))?;
        let path = path.trim_end_matches('/').trim_end_matches(".git");
        path.contains('/').then(|| path.to_string())
    }
}

/// Waits for `child` (stdout and stderr piped) at most `limit`; `None` when it had to
/// be stopped. The pipes are drained while waiting, so a chatty git never blocks.
fn output_within(mut child: Child, limit: Duration) -> Option<Result<Output, GitError>> {
    use std::io::Read;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    // Polled with a growing pause: most commands end within milliseconds, and the
    // standard library cannot wait for a child with a time-out.
    let mut pause = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Some(Err(GitError::Spawn(e))),
        }
        let now = Instant::now();
        if now >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            // The readers are left to end with the pipes: a helper git started may
            // still hold them.
            return None;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    Some(Ok(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

/// `https://user:token@host/x` → `https://host/x`: a URL that is safe to print.
pub fn strip_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_urls_lose_their_credentials() {
        assert_eq!(
            strip_userinfo("https://x-access-token:ghs_secret@github.com/a/b.git"),
            "https://github.com/a/b.git"
        );
        assert_eq!(
            strip_userinfo("git://127.0.0.1:9418/a.git"),
            "git://127.0.0.1:9418/a.git"
        );
        assert_eq!(strip_userinfo("/srv/git/a.git"), "/srv/git/a.git");
    }

    #[test]
    fn extra_environment_reaches_every_command() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path()).with_env("GIT_DIR", dir.path().join("elsewhere.git"));
        git.run(["init", "-q", "--bare", "elsewhere.git"]).unwrap();
        assert_eq!(
            git.run(["rev-parse", "--git-dir"]).unwrap(),
            dir.path().join("elsewhere.git").display().to_string()
        );
    }

    #[test]
    fn streams_records_and_reports_a_failure_with_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path());
        git.run(["init", "-q"]).unwrap();
        let mut records = Vec::new();
        git.for_each_record(["rev-parse", "--sq-quote", "a", "b"], b' ', |r| {
            records.push(String::from_utf8_lossy(r).into_owned())
        })
        .unwrap();
        assert_eq!(records, ["", "'a'", "'b'\n"]);
        let err = git
            .for_each_record(["log", "no-such-rev"], 0, |_| {})
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("`git log no-such-rev` failed (exit status: 128): fatal:"),
            "{err}"
        );
    }

    #[test]
    fn commands_that_talk_to_a_remote_are_told_apart() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        for remote in [
            &["fetch", "origin"][..],
            &["-c", "push.negotiate=true", "push", "origin", "x"],
            &["-C", "/tmp", "ls-remote", "--tags", "u"],
            &["--git-dir", "x", "clone", "u"],
        ] {
            assert!(talks_to_a_remote(&args(remote)), "{remote:?}");
        }
        for local in [
            &["log", "--format=%H"][..],
            &["-c", "fetch", "tag", "x"],
            &["rev-parse", "push"],
            &[],
        ] {
            assert!(!talks_to_a_remote(&args(local)), "{local:?}");
        }
    }

    #[test]
    fn a_remote_that_never_answers_is_given_up_on() {
        // Accepts connections (the kernel's backlog) and never says a word.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("git://{}/a.git", silent.local_addr().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path()).with_timeout(Duration::from_secs(1));
        let err = git
            .run(["ls-remote", "--end-of-options", &url])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`git ls-remote --end-of-options {url}` was stopped: the remote did not answer within 1s (RELAY_GIT_TIMEOUT)"
            )
        );
        assert!(matches!(err, GitError::TimedOut { .. }));
        // Local commands are not bounded, and work as before.
        assert_eq!(git.run(["init", "-q", "--bare"]).unwrap(), "");
    }

    #[test]
    fn credentials_never_show_in_debug_output() {
        let c = Credentials::basic("x-access-token", "ghp_secret");
        assert_eq!(format!("{c:?}"), "Credentials(***)");
    }

    #[test]
    fn git_reasons_are_whole_sentences() {
        let failed = |stderr: &str| GitError::Failed {
            args: "ls-remote".into(),
            status: "exit status: 128".into(),
            stderr: stderr.into(),
        };
        assert_eq!(
            failed(
                "fatal: '/srv/x.git' does not appear to be a git repository\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n"
            ).reason(),
            "fatal: '/srv/x.git' does not appear to be a git repository fatal: Could not read from remote repository. Please make sure you have the correct access rights and the repository exists."
        );
        assert_eq!(
            failed(
                "To https://u:tok@h/a.git\n ! [rejected]        x -> x (stale info)\nerror: failed to push some refs to 'https://u:tok@h/a.git'\nhint: Updates were rejected\n"
            ).reason(),
            "! [rejected] x -> x (stale info) error: failed to push some refs to 'https://h/a.git'"
        );
        assert_eq!(failed("\n").reason(), "git failed and said nothing");
    }

    #[test]
    fn git_errors_lose_credentials() {
        assert_eq!(
            strip_userinfo_in("fatal: unable to access 'https://u:tok@h/a.git/': 403"),
            "fatal: unable to access 'https://h/a.git/': 403"
        );
    }
}
