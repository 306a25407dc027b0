//! The errors of update-links.

use crate::Location;
use crate::forge::ForgeError;
use crate::git::GitError;
use crate::version::VersionError;
use std::path::PathBuf;

/// Errors of update-links.
#[derive(Debug, thiserror::Error)]
pub enum LinksError {
    #[error("{0}")]
    NoSection(String),
    #[error("{}{message}", location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default())]
    Config {
        location: Option<Location>,
        message: String,
    },
    #[error("{location}: {message}")]
    Manifest { location: Location, message: String },
    // The io error is part of the message (not a `source`), printed once.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{location}: {message}")]
    Map { location: Location, message: String },
    #[error("{}: {message}", path.display())]
    MapFile { path: PathBuf, message: String },
    #[error("--version: {0}")]
    Version(VersionError),
    #[error("tag `{name}` is not configured as floating ({reason}); nothing was changed")]
    NotFloating { name: String, reason: String },
    #[error("{0}")]
    Token(String),
    #[error("{0}")]
    Repository(String),
    #[error("the release tag {tag} is not on {place}; push it before moving floating tags to it")]
    MissingReleaseTag { tag: String, place: String },
    #[error("the link service at {url}: {message}")]
    Service { url: String, message: String },
    #[error("cannot write {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Git(#[from] GitError),
    /// Reading the remote's tags failed; `hint` says what the credentials need when
    /// the remote refused them.
    #[error("reading the tags of `{remote}` failed: {}{hint}", .error.reason())]
    RemoteTags {
        remote: String,
        error: GitError,
        hint: String,
    },
    #[error(transparent)]
    Forge(#[from] ForgeError),
}

impl crate::Problem for LinksError {
    fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            LinksError::MissingReleaseTag { .. }
                | LinksError::Service { .. }
                | LinksError::Write { .. }
                | LinksError::Git(_)
                | LinksError::RemoteTags { .. }
                | LinksError::Forge(_)
        )
    }

    fn location(&self) -> Option<&Location> {
        match self {
            LinksError::Config { location, .. } => location.as_ref(),
            LinksError::Manifest { location, .. } | LinksError::Map { location, .. } => {
                Some(location)
            }
            _ => None,
        }
    }
}
