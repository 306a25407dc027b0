//! `track-release status`: what the record says of a step and of the release.

use super::{Edge, StatusArgs};
use crate::ci::{Outputs, Report};
use crate::forge::Forge;
use crate::track::status;

pub(super) async fn run(
    edge: &Edge<'_>,
    forge: &dyn Forge,
    args: &StatusArgs,
) -> crate::Result<Report> {
    let tracked = edge.tracked(forge, &args.which).await?;
    let record = &tracked.record;
    let mut outputs = Outputs::new();
    let mut warnings = status::ignored_warnings(record);
    if let Some(step) = &args.step {
        let subject = args.subject.clone().filter(|s| !s.is_empty());
        let (status, warning) = status::step_status(&tracked, step, subject)?;
        warnings.extend(warning);
        edge.session.progress(&status::step_line(&status));
        outputs
            .set("state", status.state.as_str())
            .set("resume-from", status.resume_from.as_deref().unwrap_or(""))
            .set("next", status.next.as_deref().unwrap_or(""))
            .set("job-url", status.cell.job.as_deref().unwrap_or(""));
        for (name, value) in &status.checkpoints {
            outputs.set(format!("checkpoint-{name}"), value.as_deref().unwrap_or(""));
        }
    }
    let overview = status::overview(record);
    outputs
        .set("complete", overview.complete)
        .set("abandoned", overview.abandoned)
        .set("left", overview.left.join("\n"))
        .set("failed", overview.failed.join("\n"))
        .set("phases", overview.phases.to_string())
        .set("steps", overview.steps.to_string())
        .set("issue", tracked.issue.number.to_string());
    edge.session.progress(&overview.line);
    Ok(Report {
        outputs,
        summary: Some(status::summary(&tracked)),
        warnings,
        failure: None,
    })
}
