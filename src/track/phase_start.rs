//! `start` and `abandon`: a phase starts once every sign-off it needs is in — checked
//! against the forge's team (GitHub) or group (GitLab) membership of each person who
//! commented `/signoff PHASE` — and a release can be abandoned, after which nothing
//! more runs for it.
//!
//! Two jobs that start the same phase at the same moment (two sign-offs arriving
//! together) both add an entry; the fold counts the first, so the second learns it
//! lost and reports the phase as already started.

use super::TrackError;
use super::event::{Abandonment, Event};
use super::phase::{StartRefusal, plan_start};
use super::record::PhaseState;
use super::signoff::{Signer, SignoffStatus, evaluate, signers};
use super::tracking::{self, Tracked};
use crate::Result;
use crate::ci::summary::{code, escape_inline};
use crate::forge::{Forge, IssueComment, Person};

/// The sign-offs of `phase` as the forge's memberships count them.
pub async fn signoff_status(
    forge: &dyn Forge,
    tracked: &Tracked,
    phase: &str,
) -> Result<SignoffStatus> {
    let Some(decl) = tracked.record.phase(phase) else {
        let refusal = StartRefusal::UnknownPhase {
            phase: phase.to_string(),
            declared: tracked
                .record
                .phases
                .iter()
                .map(|p| p.name.clone())
                .collect(),
        };
        return Err(TrackError::UnknownPhase(refusal.message(&tracked.reference())).into());
    };
    let comments = tracked.record_comments();
    let mut people = Vec::new();
    for login in signers(&comments, phase, &tracked.writers) {
        let id = comments
            .iter()
            .find(|c| c.author.eq_ignore_ascii_case(&login))
            .and_then(|c| c.author_id);
        let person = Person {
            username: login.clone(),
            name: None,
            id,
        };
        let mut teams = Vec::new();
        for rule in &decl.signoffs {
            if forge.is_team_member(&rule.team, &person).await? {
                teams.push(rule.team.clone());
            }
        }
        people.push(Signer { user: login, teams });
    }
    Ok(evaluate(&decl.signoffs, &people))
}

/// What `start` is asked.
#[derive(Debug, Clone)]
pub struct StartRequest {
    pub phase: String,
    /// Who starts it (the CI actor).
    pub by: Option<String>,
    /// Start only when ready; a phase not ready, or already started, is no failure.
    pub if_ready: bool,
    pub dry_run: bool,
}

/// What `start` did.
#[derive(Debug, Clone)]
pub struct StartReport {
    pub phase: String,
    pub started: bool,
    /// Why not, when it did not start (with `--if-ready`).
    pub waiting: Option<String>,
    pub skipped: Vec<String>,
    pub signoffs: SignoffStatus,
    pub entry: Option<IssueComment>,
    pub dry_run: bool,
}

/// Starts a phase, or says why it cannot.
pub async fn start(
    forge: &dyn Forge,
    tracked: &Tracked,
    request: &StartRequest,
) -> Result<StartReport> {
    let status = signoff_status(forge, tracked, &request.phase).await?;
    let mut report = StartReport {
        phase: request.phase.clone(),
        started: false,
        waiting: None,
        skipped: Vec::new(),
        signoffs: status.clone(),
        entry: None,
        dry_run: request.dry_run,
    };
    let plan = match plan_start(&tracked.record, &request.phase, &status, request.by.clone()) {
        Ok(plan) => plan,
        Err(refusal) => {
            let message = refusal.message(&tracked.reference());
            let waiting = matches!(
                refusal,
                StartRefusal::SignoffsMissing { .. } | StartRefusal::AlreadyStarted { .. }
            );
            if request.if_ready && waiting {
                report.waiting = Some(message);
                return Ok(report);
            }
            return Err(match refusal {
                StartRefusal::UnknownPhase { .. } => TrackError::UnknownPhase(message),
                StartRefusal::Abandoned { .. } => TrackError::Abandoned(message),
                _ => TrackError::StartRefused(message),
            }
            .into());
        }
    };
    report.skipped = plan.skips.clone();
    if request.dry_run {
        report.started = true;
        return Ok(report);
    }
    let mut headline = format!("🚀 Phase {} started", code(&request.phase));
    if let Some(by) = &request.by {
        headline.push_str(&format!(" by {}", escape_inline(by)));
    }
    if !plan.start.signoffs.is_empty() {
        headline.push_str(&format!(
            "; signed off: {}",
            escape_inline(&status.counted_text())
        ));
    }
    if !plan.skips.is_empty() {
        headline.push_str(&format!("; skipped: {}", plan.skips.join(", ")));
    }
    let appended =
        tracking::append(forge, tracked, &Event::PhaseStarted(plan.start), &headline).await?;
    if appended
        .tracked
        .record
        .outcome(appended.comment.id)
        .is_err()
    {
        // Another job's start (or an abandon) was recorded first.
        let after = &appended.tracked.record;
        let message = match (after.phase_state(&request.phase), &after.abandoned) {
            (_, Some(a)) => super::phase::abandoned_message(&a.by, &a.reason),
            (Some(PhaseState::Started { by, at, .. }), _) => StartRefusal::AlreadyStarted {
                phase: request.phase.clone(),
                by: by.clone(),
                at: at.clone(),
            }
            .message(&tracked.reference()),
            _ => format!("phase {} could not start", request.phase),
        };
        if request.if_ready && after.abandoned.is_none() {
            report.waiting = Some(message);
            report.entry = Some(appended.comment);
            return Ok(report);
        }
        return Err(TrackError::StartRefused(message).into());
    }
    report.started = true;
    report.entry = Some(appended.comment);
    Ok(report)
}

/// What `abandon` did.
#[derive(Debug, Clone)]
pub struct AbandonReport {
    pub entry: Option<IssueComment>,
    /// Phases that had not started, now cancelled.
    pub cancelled_phases: Vec<String>,
    /// Steps that were pending or running, now cancelled.
    pub cancelled_steps: usize,
    pub dry_run: bool,
}

/// Abandons the release: every later step, start and wait refuses to run.
pub async fn abandon(
    forge: &dyn Forge,
    tracked: &Tracked,
    by: Option<String>,
    reason: Option<String>,
    dry_run: bool,
) -> Result<AbandonReport> {
    if let Some(a) = &tracked.record.abandoned {
        return Err(TrackError::AlreadyAbandoned(format!(
            "{}{}",
            a.by.as_ref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default(),
            a.at.as_ref()
                .map(|t| format!(" at {t}"))
                .unwrap_or_default()
        ))
        .into());
    }
    let reason = reason
        .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|r| !r.is_empty());
    let cancelled_phases: Vec<String> = tracked
        .record
        .phases
        .iter()
        .filter(|p| tracked.record.phase_state(&p.name) == Some(&PhaseState::Pending))
        .map(|p| p.name.clone())
        .collect();
    let cancelled_steps = tracked
        .record
        .left()
        .iter()
        .filter(|s| {
            matches!(
                s.state,
                super::record::CellState::Pending | super::record::CellState::Running
            )
        })
        .count();
    let mut report = AbandonReport {
        entry: None,
        cancelled_phases,
        cancelled_steps,
        dry_run,
    };
    if dry_run {
        return Ok(report);
    }
    let headline = format!(
        "🚫 Release abandoned{}{}",
        by.as_ref()
            .map(|b| format!(" by {}", escape_inline(b)))
            .unwrap_or_default(),
        reason
            .as_ref()
            .map(|r| format!(": {}", escape_inline(r)))
            .unwrap_or_default()
    );
    let appended = tracking::append(
        forge,
        tracked,
        &Event::Abandoned(Abandonment { by, reason }),
        &headline,
    )
    .await?;
    if appended
        .tracked
        .record
        .outcome(appended.comment.id)
        .is_err()
    {
        return Err(TrackError::AlreadyAbandoned(String::new()).into());
    }
    report.entry = Some(appended.comment);
    Ok(report)
}
