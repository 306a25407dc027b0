//! The fold: each entry that counts changes the record, in the forge's order.

use super::{Abandoned, Ignored, PhaseState, Record, RecordComment};
use crate::track::event::{
    Abandonment, Declaration, Event, PhaseStart, StepDecl, StepUpdate, SubjectDecl,
};
use std::collections::BTreeMap;

impl Record {
    /// Folds the comments of a tracking issue. `writers` are the accounts whose
    /// entries count.
    pub fn fold(comments: &[RecordComment], writers: &[String]) -> Record {
        let mut sorted: Vec<&RecordComment> = comments.iter().collect();
        sorted.sort_by_key(|c| c.id);
        let mut record = Record {
            newest_comment: sorted.last().map(|c| c.id),
            ..Record::default()
        };
        for comment in sorted {
            let Some(event) = Event::from_comment(&comment.body) else {
                continue;
            };
            let ignore = |record: &mut Record, reason: String| {
                record.ignored.push(Ignored {
                    id: comment.id,
                    author: comment.author.clone(),
                    reason,
                })
            };
            if !writers
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&comment.author))
            {
                ignore(
                    &mut record,
                    format!(
                        "written by {}, who is not a writer of this release ({})",
                        comment.author,
                        writers.join(", ")
                    ),
                );
                continue;
            }
            let event = match event {
                Ok(event) => event,
                Err(why) => {
                    ignore(&mut record, why.to_string());
                    continue;
                }
            };
            match record.apply(event, comment) {
                Ok(()) => {
                    record.entries += 1;
                    record.applied.insert(comment.id);
                }
                Err(reason) => ignore(&mut record, reason),
            }
        }
        if record.abandoned.is_some() {
            for state in record.phase_states.values_mut() {
                if *state == PhaseState::Pending {
                    *state = PhaseState::Cancelled;
                }
            }
        }
        record
    }

    fn apply(&mut self, event: Event, comment: &RecordComment) -> Result<(), String> {
        if let Some(abandoned) = &self.abandoned {
            return Err(format!(
                "made after the release was abandoned (comment {})",
                abandoned.comment
            ));
        }
        match event {
            Event::Opened(declaration) => self.open(declaration),
            Event::Step(update) => {
                if self.release.is_empty() {
                    return Err("made before the release was opened".into());
                }
                self.report(update, comment);
                Ok(())
            }
            Event::PhaseStarted(start) => self.start(start, comment),
            Event::Abandoned(Abandonment { by, reason }) => {
                self.abandoned = Some(Abandoned {
                    by,
                    reason,
                    at: comment.created_at.clone(),
                    comment: comment.id,
                });
                Ok(())
            }
        }
    }

    fn open(&mut self, declaration: Declaration) -> Result<(), String> {
        if self.release.is_empty() {
            self.release = declaration.release;
            self.phases = declaration.phases;
            for phase in &self.phases {
                self.phase_states
                    .insert(phase.name.clone(), PhaseState::Pending);
            }
        } else if declaration.release != self.release {
            return Err(format!(
                "declares release {}, but this issue tracks {}",
                declaration.release, self.release
            ));
        }
        for subject in declaration.subjects {
            match self.subjects.iter_mut().find(|s| s.name == subject.name) {
                Some(known) => known.issue = subject.issue.or(known.issue),
                None => self.subjects.push(subject),
            }
        }
        // The newest declaration orders the steps; steps only reported so far follow.
        self.declared_steps = declaration.steps.clone();
        let mut steps = declaration.steps;
        for old in self.steps.drain(..) {
            if !steps.iter().any(|s| s.name == old.name) {
                steps.push(old);
            }
        }
        self.steps = steps;
        Ok(())
    }

    fn report(&mut self, update: StepUpdate, comment: &RecordComment) {
        if !self.steps.iter().any(|s| s.name == update.step) {
            self.steps.push(StepDecl {
                name: update.step.clone(),
                checkpoints: Vec::new(),
                once: update.subject.is_empty(),
            });
        }
        if !update.subject.is_empty() && !self.subjects.iter().any(|s| s.name == update.subject) {
            self.subjects.push(SubjectDecl {
                name: update.subject.clone(),
                issue: None,
            });
        }
        let order = self
            .step(&update.step)
            .map(|s| s.checkpoints.clone())
            .unwrap_or_default();
        let cell = self
            .cells
            .entry((update.step.clone(), update.subject.clone()))
            .or_default();
        for (name, value) in ordered(&update.checkpoints, &order) {
            // A new value of a checkpoint makes the later ones stale: they were reached
            // from the old one (the merge commit of another pull request).
            if cell.checkpoints.get(name).is_some_and(|old| old != value)
                && let Some(at) = order.iter().position(|c| c == name)
            {
                for later in &order[at + 1..] {
                    if !update.checkpoints.contains_key(later) {
                        cell.checkpoints.remove(later);
                    }
                }
            }
            cell.checkpoints.insert(name.clone(), value.clone());
        }
        cell.links.extend(update.links);
        cell.state = Some(update.state);
        if update.job.is_some() {
            cell.job = update.job;
        }
        cell.message = update.message;
        cell.rerun = update.rerun;
        cell.since = comment.created_at.clone();
        cell.reports += 1;
    }

    fn start(&mut self, start: PhaseStart, comment: &RecordComment) -> Result<(), String> {
        let Some(at) = self.phases.iter().position(|p| p.name == start.phase) else {
            return Err(format!(
                "starts phase {}, which the release does not declare",
                start.phase
            ));
        };
        match &self.phase_states[&start.phase] {
            PhaseState::Pending => {}
            PhaseState::Started { comment: first, .. } => {
                return Err(format!(
                    "starts phase {} again: it already started (comment {first})",
                    start.phase
                ));
            }
            PhaseState::Skipped { by_phase } => {
                return Err(format!(
                    "starts phase {}, which was skipped when {by_phase} started",
                    start.phase
                ));
            }
            PhaseState::Cancelled => unreachable!("phases are cancelled after the fold"),
        }
        for earlier in &self.phases[..at] {
            let state = self
                .phase_states
                .get_mut(&earlier.name)
                .expect("every phase has a state");
            if *state == PhaseState::Pending {
                *state = PhaseState::Skipped {
                    by_phase: start.phase.clone(),
                };
            }
        }
        self.phase_states.insert(
            start.phase,
            PhaseState::Started {
                by: start.by,
                at: comment.created_at.clone(),
                signoffs: start.signoffs,
                comment: comment.id,
            },
        );
        Ok(())
    }
}

/// The checkpoints of an update, declared ones first in their order, then the rest.
fn ordered<'a>(
    values: &'a BTreeMap<String, String>,
    order: &[String],
) -> Vec<(&'a String, &'a String)> {
    let mut out: Vec<(&String, &String)> = order
        .iter()
        .filter_map(|name| values.get_key_value(name))
        .collect();
    out.extend(values.iter().filter(|(name, _)| !order.contains(name)));
    out
}
