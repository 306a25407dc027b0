//! release-relay: small single-purpose release tools for multi-repository releases.
//!
//! The library holds all logic; each binary in `src/bin/` parses options, calls one
//! capability module and hands the report to [`ci`] for outputs and the exit code.
//!
//! Shared layers: [`ci`] (CI platform context, inputs, outputs, annotations),
//! [`git`] (local repositories through the git CLI), [`forge`] (GitHub and GitLab APIs
//! behind one trait). Capabilities: [`metadata`] (tag metadata format, read-tag-metadata),
//! [`request`] (release request files), [`tagging`] (tag-from-request).

pub mod ci;
pub mod config;
pub mod error;
pub mod forge;
pub mod fsio;
pub mod git;
pub mod metadata;
pub mod request;
pub mod tagging;
pub mod version;

pub use error::{Error, Location, Result};

/// Every tool of the toolkit, as its binary is named.
pub const TOOLS: &[&str] = &["read-tag-metadata", "tag-from-request"];
