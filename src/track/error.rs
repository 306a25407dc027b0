//! The errors of track-release: bad input (exit 2) and refusals of the job (exit 1),
//! each saying what to do instead.

use crate::Location;

#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    /// A `[track]` value of relay.toml.
    #[error("{}{message}", location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default())]
    Config {
        location: Option<Location>,
        message: String,
    },
    /// A name given on the command line.
    #[error("{0}")]
    BadName(String),
    #[error("--{flag} `{value}`: expected NAME=VALUE")]
    BadPair { flag: &'static str, value: String },
    #[error("--{flag} `{name}`: {why}")]
    BadValue {
        flag: &'static str,
        name: String,
        why: String,
    },
    #[error("the release does not declare step `{step}` (its steps: {declared})")]
    UnknownStep { step: String, declared: String },
    #[error("step `{step}` declares no checkpoint `{checkpoint}` (its checkpoints: {declared})")]
    UnknownCheckpoint {
        step: String,
        checkpoint: String,
        declared: String,
    },
    #[error("the release has no subject `{subject}` (its subjects: {declared})")]
    UnknownSubject { subject: String, declared: String },
    #[error("step `{step}` runs once for the whole release: leave out --subject")]
    OnceStepWithSubject { step: String },
    #[error("step `{step}` runs for each subject: pass --subject (one of {declared})")]
    SubjectNeeded { step: String, declared: String },
    #[error(
        "issue #{issue} of {repo} is no tracking issue of release-relay: it holds no record \
         opened by its author {author} (open one with `track-release open`)"
    )]
    NotTracking {
        repo: String,
        issue: u64,
        author: String,
    },
    #[error(
        "no tracking issue of release {release} in {repo} (labelled {label}): run `track-release open` first"
    )]
    NoSuchRelease {
        repo: String,
        release: String,
        label: String,
    },
    #[error(
        "the release was opened with the phases {recorded}; relay.toml now declares {declared}: \
         phases and their sign-offs cannot change once a release is open"
    )]
    PhasesChanged { recorded: String, declared: String },
    #[error("{0}")]
    Abandoned(String),
    #[error("the release was already abandoned{0}")]
    AlreadyAbandoned(String),
    /// A phase that may not start (already started, skipped, sign-offs missing).
    #[error("{0}")]
    StartRefused(String),
    #[error("{0}")]
    UnknownPhase(String),
    /// Another writer's entry counted instead of this run's (a lost race).
    #[error("{0}")]
    Superseded(String),
    #[error(
        "the tracking issue did not settle: other jobs kept recording while this one rendered \
         ({0} rounds); the record is complete, the next update renders it"
    )]
    Unsettled(usize),
    #[error(
        "CI_JOB_TOKEN cannot use the issues API: create a project access token with the `api` \
         scope (role Reporter or more) and pass it as GITLAB_TOKEN or --token"
    )]
    JobToken,
    #[error("--timeout {0}: {1}")]
    BadDuration(String, String),
}

impl crate::Problem for TrackError {
    fn is_bad_input(&self) -> bool {
        matches!(
            self,
            TrackError::Config { .. }
                | TrackError::BadName(_)
                | TrackError::BadPair { .. }
                | TrackError::BadValue { .. }
                | TrackError::UnknownStep { .. }
                | TrackError::UnknownCheckpoint { .. }
                | TrackError::UnknownSubject { .. }
                | TrackError::OnceStepWithSubject { .. }
                | TrackError::SubjectNeeded { .. }
                | TrackError::UnknownPhase(_)
                | TrackError::JobToken
                | TrackError::BadDuration(..)
        )
    }

    fn location(&self) -> Option<&Location> {
        match self {
            TrackError::Config { location, .. } => location.as_ref(),
            _ => None,
        }
    }
}
