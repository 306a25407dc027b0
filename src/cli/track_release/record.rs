//! `track-release record`: a step's report added to the record.

use super::{Edge, RecordArgs};
use crate::Context;
use crate::ci::{Outputs, Report};
use crate::forge::Forge;
use crate::track::step_report::{StepReport, pairs, record};

pub(super) async fn run(
    edge: &Edge<'_>,
    forge: &dyn Forge,
    args: &RecordArgs,
) -> crate::Result<Report> {
    let report = StepReport {
        step: args.step.clone(),
        subject: args.subject.clone().filter(|s| !s.is_empty()),
        state: Some(args.state),
        checkpoints: pairs("checkpoint", &args.checkpoint)?,
        links: pairs("link", &args.link)?,
        job: edge.job_url(&args.job),
        message: args.message.clone(),
        rerun: edge.rerun(&args.job),
        dry_run: args.dry_run,
    };
    let tracked = edge.tracked(forge, &args.which).await?;
    let recorded = record(forge, &tracked, &report)
        .await
        .with_context(|| format!("recording step {} on #{}", args.step, tracked.issue.number))?;
    let status = &recorded.status;
    edge.session.outcome(
        &format!(
            "{}{} {}: {}{}",
            if recorded.dry_run {
                "dry run: would record "
            } else {
                "recorded "
            },
            status.step,
            if status.subject.is_empty() {
                "(release)"
            } else {
                status.subject.as_str()
            },
            status.state.as_str(),
            status
                .resume_from
                .as_ref()
                .map(|c| format!(", furthest checkpoint {c}"))
                .unwrap_or_default()
        ),
        recorded.dry_run,
    );
    if let Some((action, comment)) = &recorded.failure {
        edge.session.progress(&format!(
            "failure comment {}: {}",
            action.as_str(),
            comment.url.as_deref().unwrap_or("")
        ));
    }
    let mut outputs = Outputs::new();
    outputs
        .set("state", status.state.as_str())
        .set("resume-from", status.resume_from.as_deref().unwrap_or(""))
        .set(
            "entry-url",
            recorded
                .entry
                .as_ref()
                .and_then(|c| c.url.as_deref())
                .unwrap_or(""),
        )
        .set(
            "failure-comment",
            recorded.failure.as_ref().map_or("", |(a, _)| a.as_str()),
        )
        .set(
            "failure-comment-url",
            recorded
                .failure
                .as_ref()
                .and_then(|(_, c)| c.url.as_deref())
                .unwrap_or(""),
        );
    Ok(Report {
        outputs,
        ..Report::default()
    })
}
