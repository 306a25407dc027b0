//! `track-release start`: a phase started once its sign-offs are in.

use super::{Edge, StartArgs};
use crate::Context;
use crate::ci::{Outputs, Report};
use crate::forge::Forge;
use crate::track::phase_start::{StartRequest, start};

pub(super) async fn run(
    edge: &Edge<'_>,
    forge: &dyn Forge,
    args: &StartArgs,
) -> crate::Result<Report> {
    let tracked = edge.tracked(forge, &args.which).await?;
    let request = StartRequest {
        phase: args.phase.clone(),
        by: edge.actor(),
        if_ready: args.if_ready,
        dry_run: args.dry_run,
    };
    let report = start(forge, &tracked, &request)
        .await
        .with_context(|| format!("starting phase {} of #{}", args.phase, tracked.issue.number))?;
    edge.session.outcome(
        &match (&report.waiting, report.dry_run) {
            (Some(why), _) => format!("not started: {why}"),
            (None, true) => format!("dry run: phase {} would start", report.phase),
            (None, false) => format!(
                "phase {} started{}",
                report.phase,
                if report.skipped.is_empty() {
                    String::new()
                } else {
                    format!("; skipped: {}", report.skipped.join(", "))
                }
            ),
        },
        report.dry_run,
    );
    let mut outputs = Outputs::new();
    outputs
        .set("phase", report.phase.as_str())
        .set("started", report.started && !report.dry_run)
        .set("skipped", report.skipped.join(","))
        .set(
            "signed-off",
            report
                .signoffs
                .counted
                .iter()
                .map(|s| s.user.as_str())
                .collect::<Vec<_>>()
                .join(","),
        )
        .set("missing", report.signoffs.missing_text())
        .set("waiting", report.waiting.as_deref().unwrap_or(""));
    Ok(Report {
        outputs,
        ..Report::default()
    })
}
