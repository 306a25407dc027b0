//! `track-release open`: the release's tracking issue, found or made, and its declaration.

use super::{Edge, OpenArgs, config_error};
use crate::Context;
use crate::ci::{Outputs, Report};
use crate::forge::Forge;
use crate::track::open::{OpenRequest, open};

pub(super) async fn run(
    edge: &Edge<'_>,
    forge: &dyn Forge,
    args: &OpenArgs,
) -> crate::Result<Report> {
    let declaration = edge
        .track
        .declaration(&args.release, &args.subject, edge.source.as_ref())
        .map_err(config_error)?;
    let request = OpenRequest {
        repo: edge.repo.clone(),
        declaration,
        subject_issues: args.subject_issues,
        title: args.title.clone().filter(|t| !t.is_empty()),
        label: edge.track.label().to_string(),
        writers: edge.writers.clone(),
        dry_run: args.dry_run,
    };
    let report = open(forge, &request)
        .await
        .with_context(|| format!("opening release {} in {}", args.release, edge.repo))?;
    let number = report.issue.as_ref().map(|i| i.number);
    let line = match (report.dry_run, number) {
        (true, None) => format!(
            "dry run: would open the tracking issue of release {}",
            args.release
        ),
        (true, Some(n)) => format!("dry run: release {} is tracked in #{n}", args.release),
        (false, Some(n)) => format!(
            "{} #{n} for release {}: {}",
            report.action.as_str(),
            args.release,
            report.issue.as_ref().map_or("", |i| i.url.as_str())
        ),
        (false, None) => unreachable!("a run that writes has its issue"),
    };
    edge.session.outcome(&line, report.dry_run);
    if let Some(dup) = report.closed_duplicate {
        edge.session.progress(&format!(
            "closed #{dup}: another job opened the same release at the same moment"
        ));
    }
    let subjects: serde_json::Map<String, serde_json::Value> = report
        .subjects
        .iter()
        .map(|(s, n)| (s.clone(), n.map_or(serde_json::Value::Null, Into::into)))
        .collect();
    let mut outputs = Outputs::new();
    outputs
        .set("issue", number.map_or(String::new(), |n| n.to_string()))
        .set("url", report.issue.as_ref().map_or("", |i| i.url.as_str()))
        .set("action", report.action.as_str())
        .set("release", args.release.as_str())
        .set(
            "subject-issues",
            serde_json::Value::Object(subjects).to_string(),
        );
    Ok(Report {
        outputs,
        ..Report::default()
    })
}
