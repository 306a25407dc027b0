//! What the folded record says: a step's state and checkpoints, what is left.

use super::{Cell, CellState, Ignored, PhaseState, Record, StepStatus};
use crate::track::event::{PhaseDecl, StepDecl, StepState, SubjectDecl};

impl Record {
    /// Whether the entry in comment `id` counted, and if not, why.
    pub fn outcome(&self, id: u64) -> Result<(), Option<&Ignored>> {
        if self.applied.contains(&id) {
            Ok(())
        } else {
            Err(self.ignored.iter().find(|i| i.id == id))
        }
    }

    pub fn declared_steps(&self) -> &[StepDecl] {
        &self.declared_steps
    }

    pub fn is_opened(&self) -> bool {
        !self.release.is_empty()
    }

    pub fn step(&self, name: &str) -> Option<&StepDecl> {
        self.steps.iter().find(|s| s.name == name)
    }

    pub fn phase(&self, name: &str) -> Option<&PhaseDecl> {
        self.phases.iter().find(|p| p.name == name)
    }

    pub fn phase_state(&self, name: &str) -> Option<&PhaseState> {
        self.phase_states.get(name)
    }

    pub fn subject(&self, name: &str) -> Option<&SubjectDecl> {
        self.subjects.iter().find(|s| s.name == name)
    }

    /// The subjects a step runs for: the release itself (`""`) for a step that runs
    /// once or a release without subjects, else every subject.
    pub fn subjects_of(&self, step: &StepDecl) -> Vec<String> {
        if step.once || self.subjects.is_empty() {
            vec![String::new()]
        } else {
            self.subjects.iter().map(|s| s.name.clone()).collect()
        }
    }

    pub fn cell(&self, step: &str, subject: &str) -> Option<&Cell> {
        self.cells.get(&(step.to_string(), subject.to_string()))
    }

    pub fn cell_state(&self, step: &str, subject: &str) -> CellState {
        let state = self.cell(step, subject).and_then(|c| c.state);
        match (state, self.abandoned.is_some()) {
            (None | Some(StepState::Running), true) => CellState::Cancelled,
            (None, false) => CellState::Pending,
            (Some(StepState::Running), false) => CellState::Running,
            (Some(StepState::Done), _) => CellState::Done,
            (Some(StepState::Failed), _) => CellState::Failed,
            (Some(StepState::Skipped), _) => CellState::Skipped,
        }
    }

    /// Everything a re-run of `step` for `subject` needs.
    pub fn status(&self, step: &str, subject: &str) -> StepStatus {
        let cell = self.cell(step, subject).cloned().unwrap_or_default();
        let declared = self
            .step(step)
            .map(|s| s.checkpoints.clone())
            .unwrap_or_default();
        let mut checkpoints: Vec<(String, Option<String>)> = declared
            .iter()
            .map(|name| (name.clone(), cell.checkpoints.get(name).cloned()))
            .collect();
        for (name, value) in &cell.checkpoints {
            if !declared.contains(name) {
                checkpoints.push((name.clone(), Some(value.clone())));
            }
        }
        // Declared checkpoints are ordered; others count in the order they follow.
        let resume_from = declared
            .iter()
            .rev()
            .find(|c| cell.checkpoints.contains_key(*c))
            .cloned()
            .or_else(|| {
                checkpoints
                    .iter()
                    .rev()
                    .find(|(_, v)| v.is_some())
                    .map(|(n, _)| n.clone())
            });
        let from = resume_from
            .as_ref()
            .and_then(|r| declared.iter().position(|c| c == r))
            .map_or(0, |i| i + 1);
        let next = declared[from.min(declared.len())..]
            .iter()
            .find(|c| !cell.checkpoints.contains_key(*c))
            .cloned();
        StepStatus {
            step: step.to_string(),
            subject: subject.to_string(),
            state: self.cell_state(step, subject),
            checkpoints,
            resume_from,
            next,
            cell,
        }
    }

    /// Every step of every subject that is neither done nor skipped, in table order.
    pub fn left(&self) -> Vec<StepStatus> {
        self.all()
            .into_iter()
            .filter(|s| !s.state.is_finished())
            .collect()
    }

    /// Every step of every subject, in table order.
    pub fn all(&self) -> Vec<StepStatus> {
        self.steps
            .iter()
            .flat_map(|step| {
                self.subjects_of(step)
                    .into_iter()
                    .map(|subject| self.status(&step.name, &subject))
            })
            .collect()
    }
}
