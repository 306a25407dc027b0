//! The rules of starting a phase, as Mozilla's Ship-it has them: a phase starts once,
//! only with every sign-off it needs, never after the release was abandoned, and
//! starting it marks every earlier phase that never started as skipped.

use super::event::PhaseStart;
use super::record::{PhaseState, Record};
use super::signoff::SignoffStatus;

/// Why a phase cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartRefusal {
    UnknownPhase {
        phase: String,
        declared: Vec<String>,
    },
    Abandoned {
        by: Option<String>,
        reason: Option<String>,
    },
    AlreadyStarted {
        phase: String,
        by: Option<String>,
        at: Option<String>,
    },
    Skipped {
        phase: String,
        by_phase: String,
    },
    SignoffsMissing {
        phase: String,
        status: SignoffStatus,
    },
}

impl StartRefusal {
    /// The message, with `issue` (`#12`) where people sign off.
    pub fn message(&self, issue: &str) -> String {
        match self {
            StartRefusal::UnknownPhase { phase, declared } => format!(
                "the release has no phase `{phase}`{}",
                if declared.is_empty() {
                    " (it declares no phases: [[track.phase]] in relay.toml, read when it was opened)"
                        .to_string()
                } else {
                    format!(" (its phases: {})", declared.join(", "))
                }
            ),
            StartRefusal::Abandoned { by, reason } => abandoned_message(by, reason),
            StartRefusal::AlreadyStarted { phase, by, at } => format!(
                "phase {phase} already started{}{}",
                by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default(),
                at.as_ref().map(|a| format!(" at {a}")).unwrap_or_default()
            ),
            StartRefusal::Skipped { phase, by_phase } => format!(
                "phase {phase} was skipped when the later phase {by_phase} started; it cannot start now"
            ),
            StartRefusal::SignoffsMissing { phase, status } => {
                let mut message = format!(
                    "phase {phase} cannot start: sign-offs missing: {} (counted: {}); a member \
                     comments `/signoff {phase}` on {issue}",
                    status.missing_text(),
                    status.counted_text()
                );
                if !status.outsiders.is_empty() {
                    message.push_str(&format!(
                        "; not counted, not in a team of the phase: {}",
                        status.outsiders.join(", ")
                    ));
                }
                message
            }
        }
    }
}

/// "the release was abandoned by alice: reason".
pub fn abandoned_message(by: &Option<String>, reason: &Option<String>) -> String {
    format!(
        "the release was abandoned{}{}; nothing more runs for it",
        by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default(),
        reason
            .as_ref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    )
}

/// What starting a phase records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartPlan {
    pub start: PhaseStart,
    /// Earlier phases that never started, marked skipped by this start.
    pub skips: Vec<String>,
}

/// Whether `phase` may start now, given its sign-offs; `by` is who starts it.
pub fn plan_start(
    record: &Record,
    phase: &str,
    signoffs: &SignoffStatus,
    by: Option<String>,
) -> Result<StartPlan, StartRefusal> {
    let Some(at) = record.phases.iter().position(|p| p.name == phase) else {
        return Err(StartRefusal::UnknownPhase {
            phase: phase.to_string(),
            declared: record.phases.iter().map(|p| p.name.clone()).collect(),
        });
    };
    if let Some(abandoned) = &record.abandoned {
        return Err(StartRefusal::Abandoned {
            by: abandoned.by.clone(),
            reason: abandoned.reason.clone(),
        });
    }
    match record.phase_state(phase) {
        Some(PhaseState::Started { by, at, .. }) => {
            return Err(StartRefusal::AlreadyStarted {
                phase: phase.to_string(),
                by: by.clone(),
                at: at.clone(),
            });
        }
        Some(PhaseState::Skipped { by_phase }) => {
            return Err(StartRefusal::Skipped {
                phase: phase.to_string(),
                by_phase: by_phase.clone(),
            });
        }
        _ => {}
    }
    if !signoffs.is_complete() {
        return Err(StartRefusal::SignoffsMissing {
            phase: phase.to_string(),
            status: signoffs.clone(),
        });
    }
    let skips = record.phases[..at]
        .iter()
        .filter(|p| record.phase_state(&p.name) == Some(&PhaseState::Pending))
        .map(|p| p.name.clone())
        .collect();
    Ok(StartPlan {
        start: PhaseStart {
            phase: phase.to_string(),
            by,
            signoffs: signoffs.counted.clone(),
        },
        skips,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::event::{Abandonment, Event};
    use crate::track::record::tests::{Log, declaration};
    use crate::track::signoff::{Signer, evaluate};

    fn signed(record: &Record, phase: &str, people: &[(&str, &[&str])]) -> SignoffStatus {
        let signers: Vec<Signer> = people
            .iter()
            .map(|(u, teams)| Signer {
                user: u.to_string(),
                teams: teams.iter().map(|t| t.to_string()).collect(),
            })
            .collect();
        evaluate(&record.phase(phase).unwrap().signoffs, &signers)
    }

    #[test]
    fn a_phase_waits_for_its_sign_offs_and_names_who_is_missing() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        let record = log.fold();
        let status = signed(&record, "ship", &[("dana", &["acme/qa"]), ("mallory", &[])]);
        let refusal = plan_start(&record, "ship", &status, None).unwrap_err();
        assert_eq!(
            refusal.message("#12"),
            "phase ship cannot start: sign-offs missing: 1 more of acme/qa (counted: dana \
             (acme/qa)); a member comments `/signoff ship` on #12; not counted, not in a team \
             of the phase: mallory"
        );
        let status = signed(
            &record,
            "ship",
            &[("dana", &["acme/qa"]), ("erin", &["acme/qa"])],
        );
        let plan = plan_start(&record, "ship", &status, Some("erin".into())).unwrap();
        assert_eq!(plan.skips, ["promote", "push"]);
        assert_eq!(plan.start.signoffs.len(), 2);
    }

    #[test]
    fn a_started_phase_an_unknown_one_and_an_abandoned_release_are_refused() {
        let mut log = Log::default();
        log.add(Event::Opened(declaration()));
        log.add(Event::PhaseStarted(PhaseStart {
            phase: "push".into(),
            by: Some("alice".into()),
            signoffs: vec![],
        }));
        let record = log.fold();
        let none = SignoffStatus::default();
        let refusal = plan_start(&record, "push", &none, None).unwrap_err();
        assert_eq!(
            refusal.message("#1"),
            "phase push already started by alice at 2026-01-15T12:01:00Z"
        );
        assert_eq!(
            plan_start(&record, "promote", &none, None)
                .unwrap_err()
                .message("#1"),
            "phase promote was skipped when the later phase push started; it cannot start now"
        );
        let unknown = plan_start(&record, "deploy", &none, None).unwrap_err();
        assert_eq!(
            unknown.message("#1"),
            "the release has no phase `deploy` (its phases: promote, push, ship)"
        );
        log.add(Event::Abandoned(Abandonment {
            by: Some("bob".into()),
            reason: Some("bad build".into()),
        }));
        assert_eq!(
            plan_start(&log.fold(), "ship", &none, None)
                .unwrap_err()
                .message("#1"),
            "the release was abandoned by bob (bad build); nothing more runs for it"
        );
    }
}
