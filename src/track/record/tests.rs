use super::*;
use crate::track::event::{
    Abandonment, Declaration, Event, PhaseDecl, PhaseStart, SignoffRule, StepUpdate,
};

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
