//! Pipelines of a commit or tag, their jobs, and job artifacts.

use super::{GitLab, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{
    BuildArtifact, BuildOutcome, BuildRun, BuildRunQuery, CiApi, CiJob, CommitCi, ForgeError,
    JobState,
};
use serde::Deserialize;

/// `GET /projects/:id/pipelines[/:pipeline_id]`.
#[derive(Deserialize)]
struct Pipeline {
    id: u64,
    #[serde(default)]
    sha: String,
    status: String,
    web_url: Option<String>,
}

/// An item of `GET /projects/:id/pipelines/:pipeline_id/jobs` ("List pipeline jobs")
/// or of `…/bridges` ("List pipeline trigger jobs", which carry no artifacts).
#[derive(Deserialize)]
struct Job {
    id: u64,
    name: String,
    status: String,
    #[serde(default)]
    allow_failure: bool,
    artifacts_file: Option<ArtifactsFile>,
    #[serde(default)]
    artifacts: Vec<JobArtifact>,
}

#[derive(Deserialize)]
struct ArtifactsFile {
    size: u64,
}

#[derive(Deserialize)]
struct JobArtifact {
    file_type: String,
    size: Option<u64>,
}

/// A pipeline's status as one state (`manual`: blocked on a manual job).
fn pipeline_state(status: &str) -> JobState {
    match status {
        "success" => JobState::Success,
        "failed" | "canceled" | "canceling" => JobState::Failed,
        "skipped" => JobState::Skipped,
        // created, waiting_for_resource, preparing, pending, running, scheduled, manual
        _ => JobState::Pending,
    }
}

/// A job's status as one state (`manual`: nobody started it, so it did not run).
fn job_state(status: &str) -> JobState {
    match status {
        "success" => JobState::Success,
        "failed" | "canceled" | "canceling" => JobState::Failed,
        "skipped" | "manual" => JobState::Skipped,
        _ => JobState::Pending,
    }
}

impl GitLab {
    /// Every job of pipeline `id`, trigger jobs too: GitLab lists those (bridges, whose
    /// status is their downstream pipeline's) apart from the others.
    async fn pipeline_jobs(&self, repo: &str, id: u64) -> Result<Vec<Job>, ForgeError> {
        let list = |kind: &str, what: &str| {
            Request::get(GitLab::project(repo, &format!("/pipelines/{id}/{kind}")))
                .query("per_page", PAGE_SIZE)
                .what(format!("GET {what} of pipeline {id} of {repo}"))
                .needs("read_api")
        };
        let (jobs, bridges) = (list("jobs", "jobs"), list("bridges", "trigger jobs"));
        let (jobs, bridges) = tokio::join!(
            self.api.pages::<Job>(&jobs, usize::MAX, Items::Array),
            self.api.pages::<Job>(&bridges, usize::MAX, Items::Array),
        );
        let mut jobs = jobs?;
        jobs.extend(bridges?);
        Ok(jobs)
    }
}

#[async_trait::async_trait]
impl CiApi for GitLab {
    async fn commit_ci(&self, repo: &str, sha: &str) -> Result<CommitCi, ForgeError> {
        self.outside_job_token(|| format!("GET pipelines of {sha} in {repo}"), "read_api")?;
        // The newest pipeline for the commit speaks for it (a retried pipeline, or a
        // later run of the schedule, replaces the earlier one).
        let request = Request::get(GitLab::project(repo, "/pipelines"))
            .query("sha", sha)
            .query("order_by", "id")
            .query("sort", "desc")
            .query("per_page", 1)
            .what(format!("GET pipelines of {sha} in {repo}"))
            .needs("read_api");
        let pipelines: Vec<Pipeline> = self.api.json(&request).await?;
        let Some(pipeline) = pipelines.into_iter().next() else {
            return Ok(CommitCi::default());
        };
        let jobs = self.pipeline_jobs(repo, pipeline.id).await?;
        Ok(CommitCi {
            overall: Some(pipeline_state(&pipeline.status)),
            jobs: jobs
                .into_iter()
                .map(|j| CiJob {
                    state: job_state(&j.status),
                    allowed_to_fail: j.allow_failure,
                    name: j.name,
                })
                .collect(),
            url: pipeline.web_url,
        })
    }

    async fn build_runs(
        &self,
        repo: &str,
        query: &BuildRunQuery<'_>,
    ) -> Result<Vec<BuildRun>, ForgeError> {
        self.outside_job_token(
            || format!("GET the pipeline of tag {} in {repo}", query.tag),
            "read_api",
        )?;
        let pipeline: Pipeline = match query.current_run {
            Some(id) => {
                let request = Request::get(GitLab::project(repo, &format!("/pipelines/{id}")))
                    .what(format!("GET pipeline {id} of {repo}"))
                    .needs("read_api");
                self.api.json(&request).await?
            }
            None => {
                let request = Request::get(GitLab::project(repo, "/pipelines"))
                    .query("ref", query.tag)
                    .query("sha", query.commit)
                    .query("order_by", "id")
                    .query("sort", "desc")
                    .query("per_page", 20)
                    .what(format!("GET pipelines of tag {} in {repo}", query.tag))
                    .needs("read_api");
                let listed: Vec<Pipeline> = self.api.json(&request).await?;
                match listed.into_iter().find(|p| p.sha == query.commit) {
                    Some(p) => p,
                    None => return Ok(Vec::new()),
                }
            }
        };
        let jobs: Vec<Job> = self
            .pipeline_jobs(repo, pipeline.id)
            .await?
            .into_iter()
            .filter(|j| Some(j.id) != query.current_job)
            .filter(|j| query.name.is_none_or(|n| j.name == n))
            .collect();
        let failed: Vec<String> = jobs
            .iter()
            .filter(|j| (j.status == "failed" && !j.allow_failure) || j.status == "canceled")
            .map(|j| format!("job {} {}", j.name, j.status))
            .collect();
        // Inside its own pipeline the job sees it running; what counts then is that
        // no other job failed (a skipped job is not a failed one).
        let inside = query.current_run == Some(pipeline.id);
        let outcome = if !failed.is_empty() {
            BuildOutcome::NotSucceeded(failed.join(", "))
        } else if inside || pipeline.status == "success" {
            BuildOutcome::Succeeded
        } else {
            BuildOutcome::NotSucceeded(format!("pipeline {}", pipeline.status))
        };
        let artifacts = match outcome {
            BuildOutcome::Succeeded => jobs
                .iter()
                .filter(|j| j.status == "success")
                .filter_map(|j| {
                    let archive = j.artifacts.iter().find(|a| a.file_type == "archive");
                    let size = archive
                        .and_then(|a| a.size)
                        .or(j.artifacts_file.as_ref().map(|f| f.size));
                    (archive.is_some() || j.artifacts_file.is_some()).then(|| BuildArtifact {
                        id: j.id,
                        name: j.name.clone(),
                        size,
                        expired: false,
                    })
                })
                .collect(),
            BuildOutcome::NotSucceeded(_) => Vec::new(),
        };
        Ok(vec![BuildRun {
            id: pipeline.id,
            name: format!("pipeline {}", pipeline.id),
            web_url: pipeline.web_url.unwrap_or_default(),
            outcome,
            artifacts,
        }])
    }

    async fn download_build_artifact(
        &self,
        repo: &str,
        artifact: &BuildArtifact,
    ) -> Result<bytes::Bytes, ForgeError> {
        // GitLab may redirect to object storage; the transport follows without the token.
        let request = Request::get(GitLab::project(
            repo,
            &format!("/jobs/{}/artifacts", artifact.id),
        ))
        .what(format!("GET artifacts of job {} of {repo}", artifact.name))
        .needs("read_api (or a job token)");
        Ok(self.api.send(&request).await?.body)
    }
}
