//! generate-changelog: one changelog section for a release across many repositories.
//!
//! The flow is [`prepare`] (find the previous version, collect each repository's
//! commits, build the [`RenderContext`], render the section, plan the file edit) and
//! [`Plan::apply`] (write the changelog and the notes file atomically). Nothing is
//! written before every edit is known to be valid, so `--dry-run` and `--context` are
//! [`prepare`] alone.
//!
//! Boundaries: [`spec`] parses what the user names (repositories, artifacts),
//! [`previous`] decides the previous version, [`commits`] reads history (one `git log`
//! per repository, or the forge's compare API), [`links`] knows each forge's URL forms
//! and renders commit subjects as safe Markdown, [`context`] groups commits into the
//! data the template sees, [`template`] renders it, [`mod@file`] edits CHANGELOG.md.
//! [`request`] reads the repositories of a release request file.

pub mod commits;
pub mod context;
pub mod file;
pub mod links;
pub mod local;
pub mod next;
pub mod previous;
pub mod request;
pub mod spec;
pub mod template;

mod plan;
mod repos;
mod sections;

pub use context::{Artifact, Commit, CommitGroup, CommitSource, RenderContext, RepoSection};
pub use file::FileAction;
pub use next::{Bump, NextVersion};
pub use plan::{AUTO_VERSION, ChangelogRequest, Plan, prepare};
pub use previous::PreviousSource;
pub use spec::{ArtifactSpec, ChangelogRepo};

use crate::Location;
use std::path::PathBuf;

/// Errors of generate-changelog.
#[derive(Debug, thiserror::Error)]
pub enum ChangelogError {
    #[error("--repo `{spec}`: {reason}")]
    BadRepoSpec { spec: String, reason: String },
    #[error("--artifact `{spec}`: {reason}")]
    BadArtifact { spec: String, reason: String },
    #[error("{flag}: {invalid}")]
    BadVersion {
        flag: &'static str,
        invalid: crate::version::VersionError,
    },
    #[error("--date `{0}`: expected YYYY-MM-DD")]
    BadDate(String),
    #[error("{location}: {message}")]
    Template { location: Location, message: String },
    #[error("the built-in template failed: {0}")]
    DefaultTemplate(String),
    #[error("{location}: {message}")]
    Request { location: Location, message: String },
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A file the user named as an input (`--template`, `--request`) cannot be read.
    #[error("{flag} {}: cannot read it: {error}", path.display())]
    ReadInput {
        flag: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{location}: the file is not UTF-8 text")]
    NotText { location: Location },
    #[error(
        "{location}: this code fence is never closed, so the rest of the file is code and a new section would land inside it; close it with a line of {}",
        fence_line(fence)
    )]
    UnclosedFence { location: Location, fence: String },
    #[error(
        "{location}: this HTML comment is never closed, so the rest of the file is a comment and a new section would land inside it; close it with a line holding -->"
    )]
    UnclosedComment { location: Location },
    #[error("cannot write {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "cannot tell the previous version: no --previous, no version heading in {}, and no local repository to read tags from; pass --previous",
        changelog.display()
    )]
    NoPreviousVersion { changelog: PathBuf },
    #[error(
        "no repository: the current folder is not a git repository and no --repo or --request names one"
    )]
    NoRepository,
    #[error(
        "--version auto reads the commits of the repository in the current folder ({}), which is not a git repository; give the version",
        .0.display()
    )]
    AutoWithoutRepository(PathBuf),
    #[error("{repo}: no commits since {tag}: nothing to release after {version} (--version auto)")]
    NothingToRelease {
        repo: String,
        tag: String,
        version: String,
    },
    #[error("{repo}: tag {tag} not found{}; {hint}", remote.as_ref().map(|r| format!(" (also not on remote `{r}`)")).unwrap_or_default())]
    MissingTag {
        repo: String,
        tag: String,
        remote: Option<String>,
        hint: String,
    },
    #[error(
        "{repo}: this shallow clone lacks {what}, and it has no remote `{remote}` to deepen from. \
         Fetch the whole history: with actions/checkout set `fetch-depth: 0`; in GitLab CI set the variable `GIT_DEPTH: 0`; \
         or run `git fetch --unshallow --tags`"
    )]
    ShallowWithoutRemote {
        repo: String,
        what: String,
        remote: String,
    },
}

/// The line that closes `fence`, in words: "3 backticks (```)", "4 tildes (~~~~)".
fn fence_line(fence: &str) -> String {
    let kind = if fence.starts_with('~') {
        "tildes"
    } else {
        "backticks"
    };
    format!("{} {kind} ({fence})", fence.chars().count())
}

impl crate::Problem for ChangelogError {
    fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ChangelogError::BadRepoSpec { .. }
                | ChangelogError::BadArtifact { .. }
                | ChangelogError::BadVersion { .. }
                | ChangelogError::BadDate(_)
                | ChangelogError::Template { .. }
                | ChangelogError::Request { .. }
                | ChangelogError::ReadInput { .. }
                | ChangelogError::NotText { .. }
                | ChangelogError::UnclosedFence { .. }
                | ChangelogError::UnclosedComment { .. }
                | ChangelogError::NoPreviousVersion { .. }
                | ChangelogError::NoRepository
                | ChangelogError::AutoWithoutRepository(_)
        )
    }

    fn location(&self) -> Option<&Location> {
        match self {
            ChangelogError::Template { location, .. }
            | ChangelogError::Request { location, .. }
            | ChangelogError::NotText { location }
            | ChangelogError::UnclosedFence { location, .. }
            | ChangelogError::UnclosedComment { location } => Some(location),
            _ => None,
        }
    }
}
