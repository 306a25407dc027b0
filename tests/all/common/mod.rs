//! Shared helpers of the integration tests: a sandbox isolated from the machine's git
//! and CI configuration, real repositories, a real git server on 127.0.0.1, a mock
//! HTTP server for the forge APIs, and parsers for the three output forms.
#![allow(dead_code, unused_imports)]

pub mod archive;
pub mod change_requests;
pub mod forge_issues;
pub mod git_server;
pub mod github_releases;
pub mod github_rules;
pub mod github_shapes;
pub mod gitlab_rules;
pub mod gitlab_tags;
pub mod http_git;
pub mod issue_comments;
pub mod issues;
pub mod mock_api;
pub mod openapi;
pub mod outputs;
pub mod pages;
pub mod proxy;
pub mod secrets;
pub mod smtp;
pub mod workflow_commands;

pub use git_server::GitServer;
pub use http_git::HttpGitServer;
pub use mock_api::{MockApi, MockResponse, Recorded};
pub use secrets::SecretAudit;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fixed date for every commit and tag, so ids are stable across runs.
pub const FIXED_DATE: &str = "2026-01-15T12:00:00+00:00";

/// A temporary folder with its own HOME and global git config; no CI variables of the
/// machine reach the commands run from it.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::write(
            dir.path().join("home/.gitconfig"),
            "[user]\n\tname = Release Bot\n\temail = bot@example.org\n\
             [init]\n\tdefaultBranch = main\n[tag]\n\tgpgSign = false\n\
             [commit]\n\tgpgSign = false\n[protocol]\n\tallow = always\n",
        )
        .unwrap();
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    /// A command with the sandbox's environment: machine CI/forge variables removed,
    /// private HOME and git config, fixed dates.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("GITHUB_")
                || key.starts_with("GITLAB_")
                || key.starts_with("CI_")
                || key.starts_with("INPUT_")
                || key.starts_with("GIT_")
                || key.starts_with("RUNNER_")
                || key == "CI"
                || key == "RELAY_HTTP_TIMEOUT"
                || key == "RELAY_HTTP_WAIT_DIVISOR"
                || key == "RELAY_GIT_TIMEOUT"
            {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", self.home())
            .env("GIT_CONFIG_GLOBAL", self.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", FIXED_DATE)
            .env("GIT_COMMITTER_DATE", FIXED_DATE)
            .env("LC_ALL", "C")
            .env("NO_COLOR", "1")
            .current_dir(self.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs git in `dir`; panics with stderr on failure. Returns trimmed stdout.
    pub fn git_in<I, S>(&self, dir: &Path, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        let out = self
            .command("git")
            .current_dir(dir)
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {:?} failed in {}: {}",
            args,
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// A new working repository at `name` (relative to the sandbox).
    pub fn repo(&self, name: &str) -> Repo<'_> {
        let dir = self.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        self.git_in(&dir, ["init", "-q"]);
        Repo { sb: self, dir }
    }

    /// A new bare repository at `name` (relative to the sandbox).
    pub fn bare_repo(&self, name: &str) -> PathBuf {
        let dir = self.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        self.git_in(&dir, ["init", "-q", "--bare"]);
        dir
    }

    /// A clone of `url` at `name`.
    pub fn clone_of(&self, url: &str, name: &str, extra: &[&str]) -> Repo<'_> {
        let mut args = vec!["clone", "-q"];
        args.extend_from_slice(extra);
        let dest = self.path().join(name);
        let dest_str = dest.to_string_lossy().into_owned();
        args.push(url);
        args.push(&dest_str);
        self.git_in(self.path(), &args);
        Repo {
            sb: self,
            dir: dest,
        }
    }

    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    /// Copies the files of `src` (a fixture folder, not recursive) into `rel`.
    pub fn copy_files(&self, src: &Path, rel: &str) -> PathBuf {
        let dest = self.path().join(rel);
        std::fs::create_dir_all(&dest).unwrap();
        for entry in std::fs::read_dir(src).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), dest.join(entry.file_name())).unwrap();
            }
        }
        dest
    }

    /// A new ed25519 key that git signs with (`gpg.format ssh`), trusted for
    /// `bot@example.org` in an allowed-signers file so that `git tag -v` verifies.
    pub fn use_ssh_signing(&self) {
        let key = self.path().join("signing_key");
        let keygen = self
            .command("ssh-keygen")
            .args([
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "bot@example.org",
                "-f",
            ])
            .arg(&key)
            .output()
            .unwrap();
        assert!(keygen.status.success());
        let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        let allowed = self.write("allowed_signers", &format!("bot@example.org {public}"));
        for (k, v) in [
            ("gpg.format", "ssh"),
            ("user.signingkey", key.to_str().unwrap()),
            ("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap()),
        ] {
            self.git_in(self.path(), ["config", "--global", k, v]);
        }
    }

    /// The real binary of `tool`, run in the sandbox.
    pub fn relay(&self, tool: &str) -> Relay {
        Relay {
            cmd: self.command(bin_path(tool)),
        }
    }
}

/// A fixture folder of the tests (`tests/all/fixtures/<rel>`).
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/all/fixtures")
        .join(rel)
}

/// Compares `actual` with the golden file `tests/all/fixtures/<rel>`; with
/// `RELAY_BLESS=1` writes it instead (then review the diff).
pub fn assert_golden(rel: &str, actual: &str) {
    let path = fixture(rel);
    if std::env::var_os("RELAY_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {}: {e}", path.display()));
    assert!(
        expected == actual,
        "{} differs from the output:\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// The path of a binary of this package, next to the test executable's folder.
pub fn bin_path(tool: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap();
    let dir = if dir.ends_with("deps") {
        dir.parent().unwrap()
    } else {
        dir
    };
    let path = dir.join(tool);
    assert!(
        path.exists(),
        "no binary {} (cargo builds it for integration tests)",
        path.display()
    );
    path
}

/// A working repository in the sandbox.
pub struct Repo<'a> {
    pub sb: &'a Sandbox,
    pub dir: PathBuf,
}

impl Repo<'_> {
    pub fn git<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.sb.git_in(&self.dir, args)
    }

    /// Writes `file`, commits it with `message`, and returns the commit id.
    pub fn commit(&self, file: &str, content: &str, message: &str) -> String {
        let path = self.dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        self.git(["add", "--", file]);
        self.git(["commit", "-q", "-m", message]);
        self.git(["rev-parse", "HEAD"])
    }

    /// An annotated tag on HEAD with `message`.
    pub fn tag_annotated(&self, name: &str, message: &str) {
        self.git(["tag", "-a", name, "-m", message]);
    }

    pub fn tag_lightweight(&self, name: &str) {
        self.git(["tag", name]);
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

/// A run of one of the real binaries.
pub struct Relay {
    pub cmd: Command,
}

impl Relay {
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Runs the binary, then audits the run: no secret it was given (see
    /// [`SecretAudit`]) may show in its streams or in the files it wrote for the
    /// pipeline.
    pub fn run(mut self) -> Run {
        let audit = SecretAudit::of(&self.cmd);
        let output = self.cmd.output().expect("the binary runs");
        audit.check(&output.stdout, &output.stderr);
        Run { output, audit }
    }
}

/// What a binary did.
pub struct Run {
    pub output: Output,
    pub audit: SecretAudit,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    fn describe(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        )
    }

    /// Asserts the exit code, showing both streams when it differs.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code(), code, "{}", self.describe());
        self
    }

    pub fn success(self) -> Self {
        self.expect_code(0)
    }

    /// Asserts that stderr holds `text`, showing both streams when it does not.
    pub fn assert_stderr_has(&self, text: &str) -> &Self {
        assert!(self.stderr().contains(text), "{}", self.describe());
        self
    }

    /// stdout parsed as the `--json` object.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.describe()))
    }

    /// Asserts that `secret` appears in neither stream nor in any file the run wrote for
    /// the pipeline (every secret of the command itself is audited by [`Relay::run`]).
    pub fn assert_hides(&self, secret: &str) -> &Self {
        self.audit
            .check_one(secret, "the test", &self.output.stdout, &self.output.stderr);
        self
    }
}
