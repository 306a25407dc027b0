//! The one error type the library's entry points return, and its mapping to exit codes.
//!
//! Every module has its own `thiserror` enum; they meet here so that the edge
//! ([`crate::ci::Session::finish`]) can decide the exit code and the annotation
//! position in one place: 2 for bad usage or bad input, 1 for a failed job.

use std::fmt;
use std::path::PathBuf;

/// A position in a user's file, printed as `file:line:col` (1-based).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn new(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Location {
            file: file.into(),
            line,
            column,
        }
    }

    /// The 1-based line and column of a byte offset in `text`.
    pub fn at_offset(file: impl Into<PathBuf>, text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Location::new(file, line, column)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Errors of the library's entry points.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Announce(#[from] crate::announce::AnnounceError),
    #[error(transparent)]
    Bump(#[from] crate::bump::BumpError),
    #[error(transparent)]
    Ci(#[from] crate::ci::CiError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    #[error(transparent)]
    Forge(#[from] crate::forge::ForgeError),
    #[error(transparent)]
    FixedIssues(#[from] crate::fixed_issues::FixedIssuesError),
    #[error(transparent)]
    Metadata(#[from] crate::metadata::MetadataError),
    // auto-update (issue 7)
    #[error(transparent)]
    Green(#[from] crate::green::GreenError),
    #[error(transparent)]
    Propose(#[from] crate::propose::ProposeError),
    #[error(transparent)]
    Comment(#[from] crate::comment::CommentError),
    #[error(transparent)]
    Changelog(#[from] crate::changelog::ChangelogError),
    // publish-verify (issue 8)
    #[error(transparent)]
    Publish(#[from] crate::publish::PublishError),
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
    #[error(transparent)]
    Links(#[from] crate::links::LinksError),
    #[error(transparent)]
    Request(#[from] crate::request::RequestError),
    #[error(transparent)]
    Tagging(#[from] crate::tagging::TaggingError),
    #[error(transparent)]
    Track(#[from] crate::track::TrackError),
    /// Bad usage that no module owns (a missing option, contradictory flags).
    #[error("{0}")]
    Usage(String),
    /// The job ran and failed (a conflict, a missing key, a partial failure).
    #[error("{0}")]
    Failed(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// 2 for bad usage or bad input, 1 for everything else (the job failed).
    pub fn exit_code(&self) -> u8 {
        if self.is_bad_input() { 2 } else { 1 }
    }

    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Announce(e) => e.is_bad_input(),
            Error::Bump(e) => e.is_bad_input(),
            Error::Ci(e) => e.is_bad_input(),
            Error::Config(e) => e.is_bad_input(),
            Error::Forge(e) => e.is_bad_input(),
            Error::FixedIssues(e) => e.is_bad_input(),
            Error::Git(_) | Error::Failed(_) => false,
            Error::Metadata(e) => e.is_bad_input(),
            Error::Green(e) => e.is_bad_input(),
            Error::Propose(e) => e.is_bad_input(),
            Error::Comment(e) => e.is_bad_input(),
            Error::Changelog(e) => e.is_bad_input(),
            // publish-verify (issue 8)
            Error::Publish(e) => e.is_bad_input(),
            Error::Verify(e) => e.is_bad_input(),
            Error::Links(e) => e.is_bad_input(),
            Error::Request(e) => e.is_bad_input(),
            Error::Tagging(e) => e.is_bad_input(),
            Error::Track(e) => e.is_bad_input(),
            Error::Usage(_) => true,
        }
    }

    /// Where in a user's file the problem is, when known.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Announce(e) => e.location(),
            Error::Metadata(e) => e.location(),
            Error::Bump(e) => e.location(),
            Error::Config(e) => e.location(),
            Error::FixedIssues(e) => e.location(),
            Error::Green(e) => e.location(),
            Error::Propose(e) => e.location(),
            Error::Comment(e) => e.location(),
            Error::Changelog(e) => e.location(),
            // publish-verify (issue 8)
            Error::Publish(e) => e.location(),
            Error::Verify(e) => e.location(),
            Error::Links(e) => e.location(),
            Error::Request(e) => e.location(),
            Error::Tagging(e) => e.location(),
            Error::Track(e) => e.location(),
            _ => None,
        }
    }
}
