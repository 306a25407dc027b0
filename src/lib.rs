//! release-relay: small single-purpose release tools for multi-repository releases.
//!
//! The library holds all logic; each binary in `src/bin/` parses options, calls one
//! capability module and hands the report to [`ci`] for outputs and the exit code.
//!
//! Shared layers: [`ci`] (CI platform context, inputs, outputs, annotations),
//! [`git`] (local repositories through the git CLI), [`forge`] (GitHub and GitLab APIs
//! behind one trait). Capabilities: [`metadata`] (tag metadata format, read-tag-metadata),
//! [`bump`] (format-preserving version bumps, bump-versions), [`green`]
//! (find-green-commit), [`propose`] (propose-change), [`comment`] (comment-on-issue),
//! [`changelog`] (generate-changelog), [`publish`] (publish-release), [`verify`]
//! (verify-release), [`links`] (update-links), [`request`] (release request files),
//! [`tagging`] (tag-from-request), [`announce`] (announce), [`track`] (track-release).

pub mod announce;
pub mod bump;
pub mod changelog;
pub mod ci;
pub mod cli;
pub mod comment;
pub mod config;
pub mod error;
pub mod fixed_issues;
pub mod forge;
pub mod fsio;
pub mod git;
pub mod green;
pub mod links;
pub mod location;
pub mod metadata;
pub mod pattern;
pub mod propose;
pub mod publish;
pub mod request;
pub mod tagging;
pub mod track;
pub mod verify;
pub mod version;

pub use error::{Context, Error, Problem, Result};
pub use location::Location;
