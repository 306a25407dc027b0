//! release-relay: small single-purpose release tools for multi-repository releases.
//!
//! The library holds all logic; each binary in `src/bin/` hands its arguments to
//! [`cli`], which parses options, calls one capability module and hands the report to
//! [`ci`] for outputs and the exit code.
//!
//! The public surface is what the binaries, the integration tests, the fuzz targets and
//! the benchmarks use: [`cli`], the shared layers [`ci`], [`git`] and [`version`], and
//! the readers and formats they check ([`request`], [`tagging`], [`metadata`],
//! [`bump`], [`changelog`], [`links`]). Everything else is the crate's own.
//!
//! Shared layers: `ci` (CI platform context, inputs, outputs, annotations), `git`
//! (local repositories through the git CLI), `forge` (GitHub and GitLab APIs behind one
//! trait and one transport), `fsio` (atomic writes), `pattern` (file patterns),
//! `version`, `location` and `error`. Capabilities, by the tool each serves:
//!
//! | module | tool |
//! |---|---|
//! | `tagging` (with `request`, the release request files) | tag-from-request |
//! | `metadata` | read-tag-metadata |
//! | `bump` | bump-versions |
//! | `changelog` | generate-changelog |
//! | `links` | update-links |
//! | `publish` | publish-release |
//! | `verify` | verify-release |
//! | `green` | find-green-commit |
//! | `propose` | propose-change |
//! | `comment` | comment-on-issue |
//! | `fixed_issues` | comment-fixed-issues |
//! | `track` | track-release |
//! | `announce` | announce |
//!
//! `config` reads `relay.toml`.

mod announce;
pub mod bump;
pub mod changelog;
pub mod ci;
pub mod cli;
mod comment;
mod config;
mod error;
mod fixed_issues;
mod forge;
mod fsio;
pub mod git;
mod green;
pub mod links;
mod location;
pub mod metadata;
mod pattern;
mod propose;
mod publish;
pub mod request;
pub mod tagging;
mod track;
mod verify;
pub mod version;

pub use error::{Context, Error, Problem, Result};
pub use location::Location;
