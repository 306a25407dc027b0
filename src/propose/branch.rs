//! The git side of propose-change: which files the working tree changes, the tree the
//! change request should hold (the base branch's tip with those files), whether the
//! bot's branch already holds it, and the one commit pushed on top of the base.
//!
//! The tree is built in a private index (`GIT_INDEX_FILE`), so the checkout's own index
//! and working tree are never touched. Paths travel as `:(top,literal)` pathspecs in a
//! NUL-separated file: any file name, any folder the tool runs in.

use crate::git::{Credentials, Git, GitError};
use std::path::{Path, PathBuf};

/// Private refs the remote's branches are fetched into.
pub const BASE_REF: &str = "refs/relay/propose/base";
pub const BRANCH_REF: &str = "refs/relay/propose/branch";

/// Fallback identity when neither git config nor the environment names one (a fresh
/// CI container): commits need an author.
const BOT_NAME: &str = "release-relay";
const BOT_EMAIL: &str = "release-relay@noreply.invalid";

/// The local checkout the change comes from.
pub struct Checkout {
    git: Git,
}

impl Checkout {
    pub fn open(dir: &Path, credentials: Option<Credentials>) -> Result<Checkout, GitError> {
        let git = Git::new(dir).with_credentials(credentials);
        git.require_repository()?;
        Ok(Checkout {
            git: with_identity(git),
        })
    }

    /// Paths (from the repository's top) whose working-tree content differs from HEAD,
    /// within `pathspecs` (relative to the checkout folder); untracked files count
    /// only when `pathspecs` name them.
    pub fn changed_paths(&self, pathspecs: &[String]) -> Result<Vec<String>, GitError> {
        let mut args: Vec<String> = [
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "HEAD",
            "--",
        ]
        .map(String::from)
        .to_vec();
        args.extend(pathspecs.iter().cloned());
        let mut paths = split_nul(&self.git.run(&args)?);
        if !pathspecs.is_empty() {
            let mut args: Vec<String> = [
                "ls-files",
                "--others",
                "--exclude-standard",
                "--full-name",
                "-z",
                "--",
            ]
            .map(String::from)
            .to_vec();
            args.extend(pathspecs.iter().cloned());
            paths.extend(split_nul(&self.git.run(&args)?));
        }
        paths.sort();
        paths.dedup();
        Ok(paths)
    }

    /// The commit of `refs/heads/<branch>` on `remote`, or `None` when it has none.
    pub fn remote_branch(&self, remote: &str, branch: &str) -> Result<Option<String>, GitError> {
        let listed = self.git.run([
            "ls-remote",
            "--heads",
            "--end-of-options",
            remote,
            &format!("refs/heads/{branch}"),
        ])?;
        Ok(listed
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .find(|(_, name)| *name == format!("refs/heads/{branch}"))
            .map(|(sha, _)| sha.to_string()))
    }

    /// Fetches `refs/heads/<branch>` of `remote` into the private ref `into`, with its
    /// parent (a shallow clone gets two commits of history, enough to compare).
    pub fn fetch(&self, remote: &str, branch: &str, into: &str) -> Result<String, GitError> {
        let mut args = vec![
            "fetch".to_string(),
            "--no-tags".into(),
            "--quiet".into(),
            "--no-write-fetch-head".into(),
        ];
        if self.git.is_shallow()? {
            args.push("--depth=2".into());
        }
        args.push("--end-of-options".into());
        args.push(remote.into());
        args.push(format!("+refs/heads/{branch}:{into}"));
        self.git.run(&args)?;
        self.git
            .run(["rev-parse", "--verify", "--end-of-options", into])
    }

    /// The tree of `base` with `paths` as the working tree has them (a deleted file is
    /// left out), built in a private index.
    pub fn tree_with(&self, base: &str, paths: &[String]) -> Result<String, GitError> {
        let top = PathBuf::from(self.git.run(["rev-parse", "--show-toplevel"])?);
        let (present, deleted): (Vec<&String>, Vec<&String>) = paths
            .iter()
            .partition(|p| std::fs::symlink_metadata(top.join(p)).is_ok());
        let scratch = tempfile::tempdir().map_err(GitError::Spawn)?;
        let private = self
            .git
            .clone()
            .with_env("GIT_INDEX_FILE", scratch.path().join("index"));
        private.run(["read-tree", "--end-of-options", base])?;
        if !present.is_empty() {
            let list = pathspec_file(scratch.path(), "present", &present)?;
            private.run(["add", "--all", "--force", &list, "--pathspec-file-nul"])?;
        }
        if !deleted.is_empty() {
            // `rm --ignore-unmatch`: the base may not have the file either.
            let list = pathspec_file(scratch.path(), "deleted", &deleted)?;
            private.run([
                "rm",
                "--cached",
                "--quiet",
                "--ignore-unmatch",
                &list,
                "--pathspec-file-nul",
            ])?;
        }
        private.run(["write-tree"])
    }

    /// Paths whose content differs between two trees or commits.
    pub fn differing_paths(&self, a: &str, b: &str) -> Result<Vec<String>, GitError> {
        Ok(split_nul(&self.git.run([
            "diff-tree",
            "-r",
            "-z",
            "--name-only",
            "--no-renames",
            "--end-of-options",
            a,
            b,
        ])?))
    }

    /// The paths the tip commit of `branch_ref` changes against its parent (every path
    /// of it when it has none).
    pub fn paths_of_tip(&self, branch_ref: &str) -> Result<Vec<String>, GitError> {
        match self.git.resolve(&format!("{branch_ref}^"))? {
            Some(parent) => self.differing_paths(&parent, branch_ref),
            None => Ok(split_nul(&self.git.run([
                "ls-tree",
                "-r",
                "-z",
                "--name-only",
                "--end-of-options",
                branch_ref,
            ])?)),
        }
    }

    /// One commit of `tree` on top of `parent`.
    pub fn commit(&self, tree: &str, parent: &str, message: &str) -> Result<String, GitError> {
        self.git
            .run(["commit-tree", tree, "-p", parent, "-m", message])
    }

    /// Pushes `commit` to `refs/heads/<branch>` of `remote`, only if the branch is
    /// still at `expected` (`None`: only if it does not exist).
    pub fn push(
        &self,
        remote: &str,
        commit: &str,
        branch: &str,
        expected: Option<&str>,
    ) -> Result<(), GitError> {
        let lease = format!(
            "--force-with-lease=refs/heads/{branch}:{}",
            expected.unwrap_or("")
        );
        self.git.run([
            "push",
            "--quiet",
            "--no-verify",
            &lease,
            "--end-of-options",
            remote,
            &format!("{commit}:refs/heads/{branch}"),
        ])?;
        Ok(())
    }

    /// Removes the private refs (their objects stay until git's own clean-up).
    pub fn forget_private_refs(&self) {
        for name in [BASE_REF, BRANCH_REF] {
            let _ = self.git.run(["update-ref", "-d", name]);
        }
    }

    /// Whether `name` is a valid branch name.
    pub fn is_valid_branch(&self, name: &str) -> bool {
        self.git
            .output(["check-ref-format", "--branch", name])
            .is_ok_and(|o| o.status.success())
            && !name.starts_with('-')
    }
}

/// The repository's git with a commit identity when none is configured.
fn with_identity(mut git: Git) -> Git {
    for (env, config, fallback) in [
        ("GIT_AUTHOR_NAME", "user.name", BOT_NAME),
        ("GIT_AUTHOR_EMAIL", "user.email", BOT_EMAIL),
        ("GIT_COMMITTER_NAME", "user.name", BOT_NAME),
        ("GIT_COMMITTER_EMAIL", "user.email", BOT_EMAIL),
    ] {
        let configured = git
            .output(["config", "--get", config])
            .is_ok_and(|o| o.status.success());
        if std::env::var_os(env).is_none() && !configured {
            git = git.with_env(env, fallback);
        }
    }
    git
}

/// Writes `paths` as NUL-separated literal pathspecs from the repository's top to a file
/// in `dir`; returns the `--pathspec-from-file=` option naming it.
fn pathspec_file(dir: &Path, name: &str, paths: &[&String]) -> Result<String, GitError> {
    let file = dir.join(name);
    let mut list = Vec::new();
    for path in paths {
        list.extend_from_slice(format!(":(top,literal){path}").as_bytes());
        list.push(0);
    }
    std::fs::write(&file, list).map_err(GitError::Spawn)?;
    Ok(format!("--pathspec-from-file={}", file.display()))
}

fn split_nul(text: &str) -> Vec<String> {
    text.split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}
