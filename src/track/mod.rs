//! track-release: a release that runs as a chain of pipelines over hours or days,
//! tracked on an issue of the forge (Microsoft's Go release tracking issues, Mozilla
//! Ship-it's phases and sign-offs).
//!
//! The record of a release is an append-only log of entries, one issue comment each
//! ([`event`]); the state is folded from it ([`record`]) and the issue body rendered
//! from that state ([`render`]), so concurrent jobs never lose each other's updates.
//! A step resumes from the furthest checkpoint the record holds; phases start by the
//! rules of [`phase`] once the sign-offs of [`signoff`] are complete.
//!
//! This module holds the release's domain only; the forge calls live behind
//! [`crate::forge`], and the command line in `cli::track_release`.

pub mod config;
mod error;
pub mod event;
pub mod names;
pub mod open;
pub mod phase;
pub mod phase_start;
pub mod record;
pub mod render;
pub mod signoff;
pub mod status;
pub mod step_report;
pub mod tracking;
pub mod wait;

pub use config::TrackConfig;
pub use error::TrackError;
pub use event::StepState;
