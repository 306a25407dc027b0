//! `track-release abandon`: the release given up, what is pending cancelled.

use super::{AbandonArgs, Edge};
use crate::Context;
use crate::ci::{Outputs, Report};
use crate::forge::Forge;
use crate::track::phase_start::abandon;

pub(super) async fn run(
    edge: &Edge<'_>,
    forge: &dyn Forge,
    args: &AbandonArgs,
) -> crate::Result<Report> {
    let tracked = edge.tracked(forge, &args.which).await?;
    let report = abandon(
        forge,
        &tracked,
        edge.actor(),
        args.reason.clone(),
        args.dry_run,
    )
    .await
    .with_context(|| format!("abandoning the release of #{}", tracked.issue.number))?;
    edge.session.outcome(
        &format!(
            "{}release {} abandoned: {} pending or running {} and {} {} cancelled",
            if report.dry_run { "dry run: " } else { "" },
            tracked.record.release,
            report.cancelled_steps,
            crate::ci::plural(report.cancelled_steps, "step"),
            report.cancelled_phases.len(),
            crate::ci::plural(report.cancelled_phases.len(), "phase")
        ),
        report.dry_run,
    );
    let mut outputs = Outputs::new();
    outputs
        .set("abandoned", !report.dry_run)
        .set("cancelled-phases", report.cancelled_phases.join(","));
    Ok(Report {
        outputs,
        ..Report::default()
    })
}
