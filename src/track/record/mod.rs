//! The state of a release, folded from its events in the order the forge numbered the
//! comments that carry them. The fold is deterministic: every job that reads the same
//! comments computes the same state, and so renders the same table.
//!
//! Only comments by a writer of the release count (the account that opened the
//! tracking issue, and the `[track] writers`): anyone who may comment could otherwise
//! post a checkpoint a later job would resume from. Other comments that look like
//! entries are listed as ignored, with why.

mod fold;
mod status;
#[cfg(test)]
pub(crate) mod tests;

use super::event::{PhaseDecl, Signature, StepDecl, StepState, SubjectDecl};
use std::collections::{BTreeMap, BTreeSet};

/// A comment of the tracking issue, as the fold reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordComment {
    /// The forge's id: comments are read in its order, which is the order they were made.
    pub id: u64,
    /// The author's account name.
    pub author: String,
    /// The author's user id, where the forge gives one (GitLab).
    pub author_id: Option<u64>,
    /// When the forge says it was made (RFC 3339).
    pub created_at: Option<String>,
    pub body: String,
}

/// A comment that looks like an entry and does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub id: u64,
    pub author: String,
    pub reason: String,
}

/// The state of one step for one subject, as shown in one cell of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellState {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
    /// Pending or running when the release was abandoned.
    Cancelled,
}

impl CellState {
    pub fn as_str(self) -> &'static str {
        match self {
            CellState::Pending => "pending",
            CellState::Running => "running",
            CellState::Done => "done",
            CellState::Failed => "failed",
            CellState::Skipped => "skipped",
            CellState::Cancelled => "cancelled",
        }
    }

    /// Done or skipped: nothing is left to do.
    pub fn is_finished(self) -> bool {
        matches!(self, CellState::Done | CellState::Skipped)
    }
}

/// What the record holds for one step of one subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub state: Option<StepState>,
    /// Checkpoint values reached, by name.
    pub checkpoints: BTreeMap<String, String>,
    pub links: BTreeMap<String, String>,
    pub job: Option<String>,
    pub message: Option<String>,
    pub rerun: Option<String>,
    /// When the newest report was made.
    pub since: Option<String>,
    pub reports: usize,
}

/// Where a phase stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhaseState {
    /// Not started: waiting for its sign-offs or for someone to start it.
    Pending,
    Started {
        by: Option<String>,
        at: Option<String>,
        signoffs: Vec<Signature>,
        comment: u64,
    },
    /// A later phase started first (Ship-it marks such phases skipped too).
    Skipped { by_phase: String },
    /// Not started when the release was abandoned.
    Cancelled,
}

impl PhaseState {
    pub fn as_str(&self) -> &'static str {
        match self {
            PhaseState::Pending => "pending",
            PhaseState::Started { .. } => "started",
            PhaseState::Skipped { .. } => "skipped",
            PhaseState::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abandoned {
    pub by: Option<String>,
    pub reason: Option<String>,
    pub at: Option<String>,
    pub comment: u64,
}

/// A release, folded from its record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The release's name; empty when no `opened` entry was found.
    pub release: String,
    pub subjects: Vec<SubjectDecl>,
    /// Declared steps, then steps that were reported without being declared.
    pub steps: Vec<StepDecl>,
    /// The steps the newest `opened` entry declared.
    declared_steps: Vec<StepDecl>,
    pub phases: Vec<PhaseDecl>,
    cells: BTreeMap<(String, String), Cell>,
    phase_states: BTreeMap<String, PhaseState>,
    pub abandoned: Option<Abandoned>,
    /// How many entries counted.
    pub entries: usize,
    /// The newest comment read (entry or not): a writer renders again when a later
    /// look finds a newer one.
    pub newest_comment: Option<u64>,
    pub ignored: Vec<Ignored>,
    /// Comments that are entries and counted.
    applied: BTreeSet<u64>,
}

/// One step of one subject, with everything a re-run needs to resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepStatus {
    pub step: String,
    pub subject: String,
    pub state: CellState,
    /// Every checkpoint the step declares, in order, then others it reported, with
    /// the value reached (or none).
    pub checkpoints: Vec<(String, Option<String>)>,
    /// The furthest checkpoint reached: a re-run starts by polling it.
    pub resume_from: Option<String>,
    /// The first declared checkpoint after it that is not reached yet.
    pub next: Option<String>,
    pub cell: Cell,
}
