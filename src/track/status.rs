//! `status`: what a release's record says, for one step and for the whole release, in
//! the words of the progress lines, the outputs and the step summary.

use super::TrackError;
use super::event::{StepState, StepUpdate};
use super::record::{CellState, Record, StepStatus};
use super::step_report::{StepReport, update_of};
use super::tracking::Tracked;
use crate::ci::summary;

/// A warning for every comment that looks like an entry and does not count.
pub fn ignored_warnings(record: &Record) -> Vec<String> {
    record
        .ignored
        .iter()
        .map(|i| {
            format!(
                "comment {} by {} is no entry of the record: {}",
                i.id, i.author, i.reason
            )
        })
        .collect()
}

/// The status of `step` for `subject`, checked as a report of it would be, so that a
/// typo is an error and not "pending"; with the warning of an abandoned release.
pub fn step_status(
    tracked: &Tracked,
    step: &str,
    subject: Option<String>,
) -> Result<(StepStatus, Option<String>), TrackError> {
    let probe = StepReport {
        step: step.to_string(),
        subject,
        state: Some(StepState::Running),
        ..StepReport::default()
    };
    let (update, warning) = match update_of(tracked, &probe) {
        Ok(update) => (update, None),
        Err(TrackError::Abandoned(message)) => (
            StepUpdate {
                step: step.to_string(),
                subject: probe.subject.clone().unwrap_or_default(),
                state: StepState::Running,
                checkpoints: Default::default(),
                links: Default::default(),
                job: None,
                message: None,
                rerun: None,
            },
            Some(message),
        ),
        Err(e) => return Err(e),
    };
    let status = tracked.record.status(&update.step, &update.subject);
    Ok((status, warning))
}

/// `deploy eu: running, resume from built`.
pub fn step_line(status: &StepStatus) -> String {
    format!(
        "{} {}: {}{}",
        status.step,
        if status.subject.is_empty() {
            "(release)"
        } else {
            status.subject.as_str()
        },
        status.state.as_str(),
        match &status.resume_from {
            Some(c) => format!(", resume from {c}"),
            None => ", nothing reached yet".into(),
        }
    )
}

/// The whole release: what is left, what failed, every step and phase.
#[derive(Debug, Clone)]
pub struct Overview {
    /// `step subject state` of each step not finished, in table order.
    pub left: Vec<String>,
    /// The same of each failed step.
    pub failed: Vec<String>,
    /// Every step with its checkpoints (JSON).
    pub steps: serde_json::Value,
    /// Every phase and its state (JSON).
    pub phases: serde_json::Value,
    pub complete: bool,
    pub abandoned: bool,
    /// `release 1.2: 3 of 5 steps finished`.
    pub line: String,
}

pub fn overview(record: &Record) -> Overview {
    let all = record.all();
    let line = |s: &StepStatus| {
        format!(
            "{} {} {}",
            s.step,
            if s.subject.is_empty() {
                "-"
            } else {
                s.subject.as_str()
            },
            s.state.as_str()
        )
    };
    let left: Vec<String> = record.left().iter().map(line).collect();
    let failed: Vec<String> = all
        .iter()
        .filter(|s| s.state == CellState::Failed)
        .map(line)
        .collect();
    let steps: Vec<serde_json::Value> = all
        .iter()
        .map(|s| {
            serde_json::json!({
                "step": s.step,
                "subject": s.subject,
                "state": s.state,
                "resume-from": s.resume_from,
                "checkpoints": s.checkpoints.iter().filter_map(|(n, v)| v.as_ref().map(|v| (n.clone(), serde_json::Value::from(v.clone())))).collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    let phases: serde_json::Map<String, serde_json::Value> = record
        .phases
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                record
                    .phase_state(&p.name)
                    .map_or("pending", |s| s.as_str())
                    .into(),
            )
        })
        .collect();
    let line = format!(
        "release {}: {} of {} {} finished{}",
        record.release,
        all.len() - left.len(),
        all.len(),
        crate::ci::plural(all.len(), "step"),
        if record.abandoned.is_some() {
            " (abandoned)"
        } else {
            ""
        }
    );
    Overview {
        complete: left.is_empty() && record.abandoned.is_none(),
        abandoned: record.abandoned.is_some(),
        left,
        failed,
        steps: serde_json::Value::Array(steps),
        phases: serde_json::Value::Object(phases),
        line,
    }
}

/// The step summary: the release's table of steps.
pub fn summary(tracked: &Tracked) -> String {
    let rows: Vec<Vec<String>> = tracked
        .record
        .all()
        .iter()
        .map(|s| {
            vec![
                summary::code(&s.step),
                summary::escape_inline(if s.subject.is_empty() {
                    "release"
                } else {
                    &s.subject
                }),
                s.state.as_str().to_string(),
                s.resume_from
                    .as_deref()
                    .map(summary::code)
                    .unwrap_or_default(),
            ]
        })
        .collect();
    format!(
        "### Release {} ([#{}]({}))\n\n{}",
        summary::escape_inline(&tracked.record.release),
        tracked.issue.number,
        tracked.issue.url,
        summary::table(&["step", "subject", "state", "furthest checkpoint"], &rows)
    )
}
