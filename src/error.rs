//! The one error type the library's entry points and the edges return, and its exit
//! code.
//!
//! Every module keeps its own `thiserror` enum and says, next to it, what the edge needs
//! to know by implementing [`Problem`]: whether the error is bad usage or bad input
//! (exit 2) rather than a failed job (exit 1), and where in a user's file it is. Any
//! such error becomes an [`Error`] through `?`, and context added on the way
//! ([`Context`]) keeps both, so the edge ([`crate::ci::Session::finish`]) decides the
//! exit code and the annotation's position without knowing the modules.

use crate::location::Location;
use std::fmt;

/// What the edge needs to know of a module's error.
pub trait Problem: std::error::Error + Send + Sync + 'static {
    /// Bad usage or bad input (exit 2); otherwise the job failed (exit 1).
    fn is_bad_input(&self) -> bool {
        false
    }

    /// Where in a user's file the problem is, when known.
    fn location(&self) -> Option<&Location> {
        None
    }
}

/// Errors of the library's entry points and the edges.
#[derive(Debug)]
pub enum Error {
    /// Bad usage that no module owns (a missing option, contradictory flags).
    Usage(String),
    /// The job ran and failed (a conflict, a missing key, a partial failure).
    Failed(String),
    /// A module's error.
    Problem(Box<dyn Problem>),
    /// What was being done when `source` happened.
    Context { what: String, source: Box<Error> },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl<E: Problem> From<E> for Error {
    fn from(problem: E) -> Self {
        Error::Problem(Box::new(problem))
    }
}

/// Reading and writing files and JSON fail the job; the modules that read a user's
/// file turn those errors into their own, with the file named.
impl Problem for std::io::Error {}
impl Problem for serde_json::Error {}

impl Error {
    /// 2 for bad usage or bad input, 1 for everything else (the job failed).
    pub fn exit_code(&self) -> u8 {
        if self.is_bad_input() { 2 } else { 1 }
    }

    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Usage(_) => true,
            Error::Failed(_) => false,
            Error::Problem(problem) => problem.is_bad_input(),
            Error::Context { source, .. } => source.is_bad_input(),
        }
    }

    /// Where in a user's file the problem is, when known.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Usage(_) | Error::Failed(_) => None,
            Error::Problem(problem) => problem.location(),
            Error::Context { source, .. } => source.location(),
        }
    }

    /// The module's error of type `E` inside, context and all.
    pub fn downcast_ref<E: Problem>(&self) -> Option<&E> {
        match self {
            Error::Problem(problem) => (problem.as_ref() as &dyn std::error::Error).downcast_ref(),
            Error::Context { source, .. } => source.downcast_ref(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(text) | Error::Failed(text) => f.write_str(text),
            // A module's error is shown as itself, its causes after it.
            Error::Problem(problem) => fmt::Display::fmt(problem, f),
            Error::Context { what, .. } => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Usage(_) | Error::Failed(_) => None,
            Error::Problem(problem) => problem.source(),
            Error::Context { source, .. } => Some(source.as_ref()),
        }
    }
}

/// Says what was being done when an error happened, keeping what the error is.
pub trait Context<T> {
    fn context(self, what: impl fmt::Display) -> Result<T>;
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::Context {
            what: what.to_string(),
            source: Box::new(e.into()),
        })
    }

    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| Error::Context {
            what: what().to_string(),
            source: Box::new(e.into()),
        })
    }
}
