//! The state of a release, folded from its events in the order the forge numbered the
//! comments that carry them. The fold is deterministic: every job that reads the same
//! comments computes the same state, and so renders the same table.
//!
//! Only comments by a writer of the release count (the account that opened the
//! tracking issue, and the `[track] writers`): anyone who may comment could otherwise
//! post a checkpoint a later job would resume from. Other comments that look like
//! entries are listed as ignored, with why.

use super::event::{
    Abandonment, Declaration, Event, PhaseDecl, PhaseStart, Signature, StepDecl, StepState,
    StepUpdate, SubjectDecl,
};
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::track::event::{PhaseDecl, SignoffRule};

    pub(crate) fn declaration() -> Declaration {
        Declaration {
            release: "2026-01-15".into(),
            subjects: ["1.17.8-1", "1.17.8-1-fips", "1.18.0-1"]
                .iter()
                .map(|s| SubjectDecl {
                    name: s.to_string(),
                    issue: None,
                })
                .collect(),
            steps: vec![
                StepDecl {
                    name: "build".into(),
                    checkpoints: vec![
                        "pr".into(),
                        "merge-commit".into(),
                        "build".into(),
                        "images-pr".into(),
                    ],
                    once: false,
                },
                StepDecl {
                    name: "announce".into(),
                    checkpoints: vec![],
                    once: true,
                },
            ],
            phases: vec![
                PhaseDecl {
                    name: "promote".into(),
                    signoffs: vec![],
                },
                PhaseDecl {
                    name: "push".into(),
                    signoffs: vec![],
                },
                PhaseDecl {
                    name: "ship".into(),
                    signoffs: vec![SignoffRule {
                        team: "acme/qa".into(),
                        count: 2,
                    }],
                },
            ],
        }
    }

    /// A log under construction: comments by `bot` unless said otherwise.
    #[derive(Default)]
    pub(crate) struct Log(pub Vec<RecordComment>);

    impl Log {
        pub(crate) fn by(&mut self, author: &str, event: Event) -> u64 {
            let id = 100 + self.0.len() as u64;
            self.0.push(RecordComment {
                id,
                author: author.into(),
                author_id: None,
                created_at: Some(format!("2026-01-15T12:{:02}:00Z", self.0.len())),
                body: event.to_comment("entry"),
            });
            id
        }

        pub(crate) fn add(&mut self, event: Event) -> u64 {
            self.by("bot", event)
        }

        pub(crate) fn fold(&self) -> Record {
            Record::fold(&self.0, &["bot".to_string()])
        }
    }

    pub(crate) fn step(
        step: &str,
        subject: &str,
        state: StepState,
        checkpoints: &[(&str, &str)],
    ) -> Event {
        Event::Step(StepUpdate {
            step: step.into(),
            subject: subject.into(),
            state,
            checkpoints: checkpoints
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            links: BTreeMap::new(),
            job: None,
            message: None,
            rerun: None,
        })
    }

    #[test]
    fn the_furthest_checkpoint_is_where_a_rerun_resumes() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        log.add(step(
            "build",
            "1.18.0-1",
            StepState::Running,
            &[("pr", "12")],
        ));
        log.add(step(
            "build",
            "1.18.0-1",
            StepState::Running,
            &[("merge-commit", "abc")],
        ));
        log.add(step("build", "1.18.0-1", StepState::Failed, &[]));
        let record = log.fold();
        let status = record.status("build", "1.18.0-1");
        assert_eq!(status.state, CellState::Failed);
        assert_eq!(status.resume_from.as_deref(), Some("merge-commit"));
        assert_eq!(status.next.as_deref(), Some("build"));
        assert_eq!(
            status.checkpoints,
            [
                ("pr".to_string(), Some("12".to_string())),
                ("merge-commit".into(), Some("abc".into())),
                ("build".into(), None),
                ("images-pr".into(), None)
            ]
        );
        let untouched = record.status("build", "1.17.8-1");
        assert_eq!(untouched.state, CellState::Pending);
        assert_eq!(
            (untouched.resume_from, untouched.next.as_deref()),
            (None, Some("pr"))
        );
    }

    #[test]
    fn a_new_value_of_a_checkpoint_drops_the_later_ones_reached_from_the_old_one() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        log.add(step(
            "build",
            "1.18.0-1",
            StepState::Running,
            &[("pr", "12"), ("merge-commit", "abc")],
        ));
        log.add(step(
            "build",
            "1.18.0-1",
            StepState::Running,
            &[("build", "4711")],
        ));
        log.add(step(
            "build",
            "1.18.0-1",
            StepState::Running,
            &[("pr", "13")],
        ));
        let status = log.fold().status("build", "1.18.0-1");
        assert_eq!(status.resume_from.as_deref(), Some("pr"));
        assert_eq!(status.cell.checkpoints.len(), 1);
        // The same value again changes nothing.
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        log.add(step(
            "build",
            "1.18.0-1",
            StepState::Running,
            &[("pr", "12"), ("merge-commit", "abc")],
        ));
        log.add(step(
            "build",
            "1.18.0-1",
            StepState::Running,
            &[("pr", "12")],
        ));
        assert_eq!(
            log.fold()
                .status("build", "1.18.0-1")
                .resume_from
                .as_deref(),
            Some("merge-commit")
        );
    }

    #[test]
    fn what_is_left_counts_skipped_as_finished_and_once_steps_once() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        for subject in ["1.17.8-1", "1.17.8-1-fips"] {
            log.add(step("build", subject, StepState::Done, &[]));
        }
        log.add(step("build", "1.18.0-1", StepState::Skipped, &[]));
        let left: Vec<(String, String)> = log
            .fold()
            .left()
            .into_iter()
            .map(|s| (s.step, s.subject))
            .collect();
        assert_eq!(left, [("announce".to_string(), String::new())]);
    }

    #[test]
    fn entries_by_others_do_not_count() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        let forged = log.by(
            "mallory",
            step(
                "build",
                "1.18.0-1",
                StepState::Done,
                &[("merge-commit", "evil")],
            ),
        );
        let record = log.fold();
        assert_eq!(record.cell_state("build", "1.18.0-1"), CellState::Pending);
        let ignored = record.outcome(forged).unwrap_err().unwrap();
        assert_eq!(
            ignored.reason,
            "written by mallory, who is not a writer of this release (bot)"
        );
        // Writers are matched as the forges match account names: case aside.
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        log.by("BOT", step("build", "1.18.0-1", StepState::Done, &[]));
        assert_eq!(log.fold().cell_state("build", "1.18.0-1"), CellState::Done);
    }

    #[test]
    fn a_phase_starts_once_and_skips_the_earlier_ones_that_never_started() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        let start = |phase: &str| {
            Event::PhaseStarted(PhaseStart {
                phase: phase.into(),
                by: Some("alice".into()),
                signoffs: vec![],
            })
        };
        let promote = log.add(start("promote"));
        let ship = log.add(start("ship"));
        let again = log.add(start("ship"));
        let late = log.add(start("push"));
        let record = log.fold();
        assert!(record.outcome(promote).is_ok() && record.outcome(ship).is_ok());
        assert!(matches!(
            record.phase_state("promote"),
            Some(PhaseState::Started { .. })
        ));
        assert_eq!(
            record.phase_state("push"),
            Some(&PhaseState::Skipped {
                by_phase: "ship".into()
            })
        );
        assert_eq!(
            record.outcome(again).unwrap_err().unwrap().reason,
            format!("starts phase ship again: it already started (comment {ship})")
        );
        assert_eq!(
            record.outcome(late).unwrap_err().unwrap().reason,
            "starts phase push, which was skipped when ship started"
        );
    }

    #[test]
    fn after_an_abandon_nothing_counts_and_what_was_pending_is_cancelled() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        log.add(step("build", "1.17.8-1", StepState::Done, &[]));
        log.add(step("build", "1.18.0-1", StepState::Running, &[]));
        let abandon = log.add(Event::Abandoned(Abandonment {
            by: Some("alice".into()),
            reason: Some("CVE found".into()),
        }));
        let late = log.add(step("build", "1.18.0-1", StepState::Done, &[]));
        let record = log.fold();
        assert_eq!(record.abandoned.as_ref().unwrap().comment, abandon);
        assert_eq!(record.cell_state("build", "1.17.8-1"), CellState::Done);
        assert_eq!(record.cell_state("build", "1.18.0-1"), CellState::Cancelled);
        assert_eq!(
            record.cell_state("build", "1.17.8-1-fips"),
            CellState::Cancelled
        );
        assert_eq!(record.phase_state("ship"), Some(&PhaseState::Cancelled));
        assert!(record.outcome(late).is_err());
    }

    #[test]
    fn a_later_open_adds_subjects_and_issue_numbers_but_keeps_the_phases() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        let mut again = declaration();
        again.subjects = vec![
            SubjectDecl {
                name: "1.18.0-1".into(),
                issue: Some(7),
            },
            SubjectDecl {
                name: "1.19.0-1".into(),
                issue: Some(8),
            },
        ];
        again.phases.clear();
        log.add(Event::Opened(again));
        let mut other = declaration();
        other.release = "2026-02-01".into();
        let wrong = log.add(Event::Opened(other));
        let record = log.fold();
        assert_eq!(record.subjects.len(), 4);
        assert_eq!(record.subject("1.18.0-1").unwrap().issue, Some(7));
        assert_eq!(record.phases.len(), 3);
        assert_eq!(
            record.outcome(wrong).unwrap_err().unwrap().reason,
            "declares release 2026-02-01, but this issue tracks 2026-01-15"
        );
    }

    #[test]
    fn the_fold_reads_comments_in_the_forge_s_order_whatever_order_they_came_in() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        log.add(step("build", "1.18.0-1", StepState::Failed, &[]));
        log.add(step("build", "1.18.0-1", StepState::Done, &[]));
        let mut shuffled = log.0.clone();
        shuffled.reverse();
        let record = Record::fold(&shuffled, &["bot".into()]);
        assert_eq!(record, log.fold());
        assert_eq!(record.cell_state("build", "1.18.0-1"), CellState::Done);
    }
}
