//! Promotion: the files of a release are the artifacts of the CI run that built and
//! tested the tagged commit, never a rebuild.

use super::{AssetFile, PublishError, PublishRequest, assets};
use crate::Result;
use crate::ci::{CiContext, Platform};
use crate::forge::{BuildOutcome, BuildRunQuery, Forge};

/// The files of the artifacts of the CI run(s) that built `commit`, and the runs' names.
pub(super) async fn artifacts_of_build(
    forge: &dyn Forge,
    request: &PublishRequest,
    ctx: &CiContext,
    repo: &str,
    tag: &str,
    commit: &str,
) -> Result<(Vec<AssetFile>, Vec<String>)> {
    let number = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<u64>().ok());
    // Inside the tag's own GitLab pipeline, that pipeline is the one; this job is not
    // one of its builds. On GitHub this run (the release workflow) is left out.
    let in_tag_pipeline = ctx.gitlab.ci_commit_tag.as_deref() == Some(tag);
    let (current_run, current_job) = match forge.platform() {
        Platform::GitLab if in_tag_pipeline => (
            number(&ctx.gitlab.ci_pipeline_id),
            number(&ctx.gitlab.ci_job_id),
        ),
        Platform::GitLab => (None, None),
        _ => (number(&ctx.github.run_id), None),
    };
    let query = BuildRunQuery {
        tag,
        commit,
        name: request.ci_workflow.as_deref().filter(|n| !n.is_empty()),
        current_run,
        current_job,
    };
    let runs = forge.build_runs(repo, &query).await?;
    if runs.is_empty() {
        return Err(PublishError::NoBuildRun {
            tag: tag.to_string(),
            commit: commit.to_string(),
            repo: repo.to_string(),
            filter: query.name.map(str::to_string),
        }
        .into());
    }
    let failed: Vec<String> = runs
        .iter()
        .filter_map(|run| match &run.outcome {
            BuildOutcome::Succeeded => None,
            BuildOutcome::NotSucceeded(why) => Some(format!(
                "{} ({}) did not succeed: {why}",
                run.name, run.web_url
            )),
        })
        .collect();
    if !failed.is_empty() {
        return Err(PublishError::RunNotSucceeded {
            commit: commit.to_string(),
            runs: failed,
        }
        .into());
    }
    let names: Vec<String> = runs
        .iter()
        .map(|r| format!("{} ({})", r.name, r.web_url))
        .collect();
    if runs.iter().all(|r| r.artifacts.is_empty()) {
        return Err(PublishError::NoArtifacts {
            commit: commit.to_string(),
            runs: names,
        }
        .into());
    }
    let mut files = Vec::new();
    for run in &runs {
        for artifact in &run.artifacts {
            if artifact.expired {
                return Err(PublishError::ArtifactExpired {
                    name: artifact.name.clone(),
                    run: run.name.clone(),
                }
                .into());
            }
            let zip = forge.download_build_artifact(repo, artifact).await?;
            let origin = format!("artifact {} of {}", artifact.name, run.name);
            files.extend(assets::archive_files(&zip, &origin)?);
        }
    }
    Ok((files, names))
}
