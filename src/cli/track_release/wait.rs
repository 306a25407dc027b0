//! `track-release wait-for`: a condition looked at once, or until it holds.

use super::{Edge, WaitArgs};
use crate::Context;
use crate::ci::{Outputs, Report};
use crate::forge::Forge;
use crate::track::TrackError;
use crate::track::step_report::record;
use crate::track::wait::{Backoff, Condition, WaitOutcome, duration, look, poll};

/// The condition the options name.
fn condition(edge: &Edge<'_>, args: &WaitArgs) -> crate::Result<Condition> {
    let repo = args
        .in_repo
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| edge.repo.clone());
    Ok(if let Some(number) = args.merged {
        Condition::Merged { repo, number }
    } else if let Some(commit) = &args.green {
        Condition::Green {
            repo,
            commit: commit.clone(),
            require_jobs: args.require_job.clone(),
        }
    } else if let Some(name) = &args.tag {
        Condition::Tag {
            repo,
            name: name.clone(),
        }
    } else if let Some(tag) = &args.release_of {
        Condition::Release {
            repo,
            tag: tag.clone(),
        }
    } else if let Some(url) = &args.url {
        let url = crate::track::step_report::check_url("url", "url", url)?;
        Condition::Url { url }
    } else if let Some(phase) = &args.signoffs {
        Condition::Signoffs {
            phase: phase.clone(),
        }
    } else {
        unreachable!("clap requires one condition")
    })
}

pub(super) async fn run(
    edge: &Edge<'_>,
    forge: &dyn Forge,
    args: &WaitArgs,
) -> crate::Result<Report> {
    let condition = condition(edge, args)?;
    let timeout = duration("--timeout", &args.timeout)?;
    let interval = duration("--interval", &args.interval)?;
    if args.record_as.is_some() && args.step.is_none() {
        return Err(crate::Error::Usage(
            "--record-as needs --step (and --issue or --release)".into(),
        ));
    }
    let needs_issue = matches!(condition, Condition::Signoffs { .. }) || args.step.is_some();
    let tracked = if needs_issue || args.which.issue.is_some() || args.which.release.is_some() {
        Some(edge.tracked(forge, &args.which).await?)
    } else {
        None
    };
    if let Some(t) = &tracked
        && let Some(a) = &t.record.abandoned
    {
        return Err(crate::Error::from(TrackError::Abandoned(
            crate::track::phase::abandoned_message(&a.by, &a.reason),
        )));
    }
    let what = condition.describe();
    let (last, timed_out, looks) = if args.check {
        (look(forge, &condition, tracked.as_ref()).await?, false, 1)
    } else {
        edge.session.progress(&format!(
            "waiting for {what} (at most {})",
            humantime::format_duration(timeout)
        ));
        let progress = edge.session.redactor();
        let printer = move |line: &str| eprintln!("{}", progress(line));
        let waited = poll(
            forge,
            &condition,
            tracked.as_ref(),
            timeout,
            Backoff::new(interval),
            &printer,
        )
        .await?;
        (waited.look, waited.timed_out, waited.looks)
    };
    let outcome = WaitOutcome::of(&last, timed_out, looks, timeout, &what);
    edge.session.progress(&outcome.line);
    // The record learns the value, or the failure with the re-run.
    if let (Some(step), Some(tracked)) = (&args.step, &tracked) {
        let subject = args.subject.clone().filter(|s| !s.is_empty());
        if let Some(mut report) = outcome.step_report(step, subject, args.record_as.as_deref()) {
            report.job = edge.job_url(&args.job);
            report.rerun = edge.rerun(&args.job);
            record(forge, tracked, &report)
                .await
                .with_context(|| format!("recording step {step} on #{}", tracked.issue.number))?;
        }
    }
    let mut outputs = Outputs::new();
    outputs
        .set("met", outcome.met)
        .set("state", outcome.state)
        .set("value", outcome.value.as_str())
        .set("url", outcome.url.as_deref().unwrap_or(""))
        .set("detail", outcome.detail.as_str())
        .set("looks", looks);
    if let Condition::Merged { .. } = condition {
        outputs.set("merge-commit", outcome.value.as_str());
    }
    Ok(Report {
        outputs,
        failure: outcome.failure,
        ..Report::default()
    })
}
