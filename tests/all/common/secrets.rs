//! The secrets audit every run of a tool goes through (`Relay::run`): the secrets the
//! run was given are read from its command — variables named `*TOKEN`, `*PASSWORD`,
//! `*SECRET` or `*WEBHOOK_URL` (a webhook's URL is its credential), the value of a
//! `--token`/`--*-token` flag, the password of any
//! `scheme://user:password@host` URL in its arguments or environment — and after the
//! run none may appear in what it printed or in the files it wrote for the pipeline
//! (`$GITHUB_OUTPUT`, `$GITHUB_ENV`, `$GITHUB_STEP_SUMMARY`, the `--dotenv` report and
//! its side files) or in any other file of the sandbox it created or changed (a
//! changelog, a link document, a report), `.git` folders aside. A secret is found in
//! its escaped forms too: Markdown's and JSON's backslashes, HTML entities and percent
//! encoding are undone before the search, so `ghp\_x` in a summary is `ghp_x`. The one
//! line allowed to name a secret is the `::add-mask::` command that hides it.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// Values shorter than this are too likely to occur by chance (`main`, `abc`).
const MIN_SECRET_LEN: usize = 6;

/// A secret and where the run got it from.
#[derive(Debug, Clone)]
pub struct Secret {
    pub value: String,
    pub origin: String,
}

/// The secrets a run was given and the files it may write them to.
#[derive(Debug, Clone, Default)]
pub struct SecretAudit {
    pub secrets: Vec<Secret>,
    /// `(channel, path)`: files the pipeline reads after the run.
    files: Vec<(String, PathBuf)>,
    /// The dotenv report: side files (`<report>.<KEY>`) sit beside it.
    dotenv: Option<PathBuf>,
    /// The sandbox (the parent of the run's HOME) and its files before the run.
    sandbox: Option<PathBuf>,
    before: BTreeMap<PathBuf, FileStamp>,
}

/// What tells a file changed: its length and modification time.
type FileStamp = (u64, Option<SystemTime>);

/// Every file under `root` with its stamp, git's own folders (`.git`, bare `*.git`
/// repositories) left out: their objects are compressed and hold what the test put
/// there.
fn file_stamps(root: &Path) -> BTreeMap<PathBuf, FileStamp> {
    let mut stamps = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name != ".git" && !name.ends_with(".git") && !path.join("objects").is_dir() {
                    pending.push(path);
                }
            } else if kind.is_file()
                && let Ok(meta) = entry.metadata()
            {
                stamps.insert(path, (meta.len(), meta.modified().ok()));
            }
        }
    }
    stamps
}

/// `text` with its escapes undone: a backslash before ASCII punctuation (Markdown,
/// JSON), the HTML entities the tools write, and percent encoding.
fn unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            out.push(*next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    percent_decode(&out)
}

fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.ends_with("TOKEN")
        || upper.ends_with("PASSWORD")
        || upper.ends_with("SECRET")
        || upper.ends_with("WEBHOOK_URL")
}

/// The passwords of every `scheme://user:password@host` URL in `text`, as written and
/// percent-decoded.
pub fn url_passwords(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let after = &rest[at + 3..];
        let authority_end = after
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        if let Some(userinfo_end) = authority.rfind('@')
            && let Some((_, password)) = authority[..userinfo_end].split_once(':')
        {
            found.push(password.to_string());
            let decoded = percent_decode(password);
            if decoded != password {
                found.push(decoded);
            }
        }
        rest = &after[authority_end..];
    }
    found
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl SecretAudit {
    /// Reads the secrets and the pipeline files from the command about to run.
    pub fn of(cmd: &Command) -> SecretAudit {
        let mut audit = SecretAudit::default();
        let dir = cmd
            .get_current_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| std::env::current_dir().unwrap());
        let resolve = |p: &OsStr| dir.join(p);
        for (key, value) in cmd.get_envs() {
            let (Some(key), Some(value)) = (key.to_str(), value) else {
                continue;
            };
            let text = value.to_string_lossy();
            if is_secret_name(key) {
                audit.add(&text, &format!("the variable {key}"));
            }
            for password in url_passwords(&text) {
                audit.add(
                    &password,
                    &format!("a URL's password in the variable {key}"),
                );
            }
            match key {
                "GITHUB_OUTPUT" | "GITHUB_ENV" | "GITHUB_STEP_SUMMARY" | "GITHUB_STATE" => {
                    audit.files.push((format!("${key}"), resolve(value)));
                }
                "INPUT_DOTENV" if !text.trim().is_empty() => {
                    audit.dotenv = Some(resolve(OsStr::new(text.trim())));
                }
                "HOME" => {
                    audit.sandbox = Path::new(value).parent().map(Path::to_path_buf);
                }
                _ => {}
            }
        }
        if let Some(root) = &audit.sandbox {
            audit.before = file_stamps(root);
        }
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        for (i, arg) in args.iter().enumerate() {
            for password in url_passwords(arg) {
                audit.add(
                    &password,
                    &format!("a URL's password in the argument {arg:?}"),
                );
            }
            let Some(flag) = arg.strip_prefix("--") else {
                continue;
            };
            let (name, inline) = match flag.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (flag, None),
            };
            let value = inline.or_else(|| args.get(i + 1).cloned());
            let Some(value) = value else { continue };
            if name == "token" || name.ends_with("-token") || name.ends_with("-password") {
                audit.add(&value, &format!("the flag --{name}"));
            }
            if name == "dotenv" {
                audit.dotenv = Some(resolve(OsStr::new(&value)));
            }
        }
        audit
    }

    fn add(&mut self, value: &str, origin: &str) {
        let value = value.trim();
        if value.chars().count() < MIN_SECRET_LEN || self.secrets.iter().any(|s| s.value == value) {
            return;
        }
        self.secrets.push(Secret {
            value: value.to_string(),
            origin: origin.to_string(),
        });
    }

    /// Every file the pipeline reads after the run, named by its channel.
    pub fn written_files(&self) -> Vec<(String, PathBuf)> {
        let mut files = self.files.clone();
        if let Some(report) = &self.dotenv {
            files.push(("the dotenv report".into(), report.clone()));
            if let (Some(dir), Some(name)) = (report.parent(), report.file_name()) {
                let prefix = format!("{}.", name.to_string_lossy());
                if let Ok(entries) = std::fs::read_dir(dir) {
                    for entry in entries.flatten() {
                        let side = entry.file_name().to_string_lossy().into_owned();
                        if side.starts_with(&prefix) {
                            files.push((format!("the dotenv side file {side}"), entry.path()));
                        }
                    }
                }
            }
        }
        if let Some(root) = &self.sandbox {
            for (path, stamp) in file_stamps(root) {
                let listed = files.iter().any(|(_, p)| *p == path);
                if !listed && self.before.get(&path) != Some(&stamp) {
                    let name = path.strip_prefix(root).unwrap_or(&path).display();
                    files.push((format!("the written file {name}"), path));
                }
            }
        }
        files
    }

    /// Panics naming the channel when a secret shows in the run's streams or files.
    pub fn check(&self, stdout: &[u8], stderr: &[u8]) {
        for secret in &self.secrets {
            self.check_one(&secret.value, &secret.origin, stdout, stderr);
        }
    }

    /// Panics naming the channel when `secret` shows in the streams or files.
    pub fn check_one(&self, secret: &str, origin: &str, stdout: &[u8], stderr: &[u8]) {
        let mask = format!("::add-mask::{secret}");
        let mut channels: Vec<(String, String)> = vec![
            (
                "stdout".into(),
                String::from_utf8_lossy(stdout).into_owned(),
            ),
            (
                "stderr".into(),
                String::from_utf8_lossy(stderr).into_owned(),
            ),
        ];
        for (channel, path) in self.written_files() {
            if let Ok(bytes) = std::fs::read(&path) {
                channels.push((channel, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        for (channel, text) in channels {
            let leak = text.lines().find(|line| {
                (line.contains(secret) || unescaped(line).contains(secret))
                    && (channel != "stderr" || *line != mask)
            });
            if let Some(line) = leak {
                panic!(
                    "the secret of {origin} leaked to {channel}: {line:?}\n--- stderr\n{}",
                    String::from_utf8_lossy(stderr)
                );
            }
        }
    }
}
