//! CI state of a commit (check runs and commit statuses), the workflow runs that built
//! it, and their artifacts.

use super::{GitHub, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{
    BuildArtifact, BuildOutcome, BuildRun, BuildRunQuery, CiApi, CiJob, CommitCi, ForgeError,
    JobState, encode_segment,
};
use serde::Deserialize;

/// An item of `check_runs` in `GET /repos/{owner}/{repo}/commits/{ref}/check-runs`.
#[derive(Deserialize)]
struct CheckRun {
    name: String,
    status: String,
    conclusion: Option<String>,
}

/// An item of `statuses` in `GET /repos/{owner}/{repo}/commits/{ref}/status`
/// ("Get the combined status for a specific reference").
#[derive(Deserialize)]
struct CommitStatus {
    context: String,
    state: String,
}

/// An item of `workflow_runs` in `GET /repos/{owner}/{repo}/actions/runs?head_sha=…`
/// ("List workflow runs for a repository").
#[derive(Deserialize)]
struct Run {
    id: u64,
    name: Option<String>,
    head_sha: String,
    /// `.github/workflows/ci.yml`
    path: Option<String>,
    workflow_id: u64,
    run_number: u64,
    status: Option<String>,
    conclusion: Option<String>,
    html_url: String,
}

impl Run {
    /// Whether `name` names this run's workflow: its file name, path or display name.
    fn is_named(&self, name: &str) -> bool {
        let path = self.path.as_deref().unwrap_or("");
        self.name.as_deref() == Some(name) || path == name || path.rsplit('/').next() == Some(name)
    }
}

/// An item of `GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts`.
#[derive(Deserialize)]
struct Artifact {
    id: u64,
    name: String,
    size_in_bytes: Option<u64>,
    #[serde(default)]
    expired: bool,
}

/// A check run's state: `status` until it completes, then its `conclusion`.
fn check_run_state(status: &str, conclusion: Option<&str>) -> JobState {
    if status != "completed" {
        return JobState::Pending;
    }
    match conclusion {
        Some("success") => JobState::Success,
        Some("neutral" | "skipped") => JobState::Skipped,
        // failure, cancelled, timed_out, action_required, stale, startup_failure
        Some(_) => JobState::Failed,
        None => JobState::Pending,
    }
}

/// A commit status's state (`error`, `failure`, `pending`, `success`).
fn commit_status_state(state: &str) -> JobState {
    match state {
        "success" => JobState::Success,
        "pending" => JobState::Pending,
        _ => JobState::Failed,
    }
}

impl GitHub {
    /// The artifacts of workflow run `id`, every page.
    async fn run_artifacts(&self, repo: &str, id: u64) -> Result<Vec<BuildArtifact>, ForgeError> {
        let request = Request::get(GitHub::repo_path(
            repo,
            &format!("/actions/runs/{id}/artifacts"),
        ))
        .query("per_page", PAGE_SIZE)
        .what(format!("GET artifacts of workflow run {id} of {repo}"))
        .needs("actions: read");
        let listed: Vec<Artifact> = self
            .api
            .pages(&request, usize::MAX, Items::counted("artifacts"))
            .await?;
        Ok(listed
            .into_iter()
            .map(|a| BuildArtifact {
                id: a.id,
                name: a.name,
                size: a.size_in_bytes,
                expired: a.expired,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl CiApi for GitHub {
    async fn commit_ci(&self, repo: &str, sha: &str) -> Result<CommitCi, ForgeError> {
        let commit = format!("/commits/{}", encode_segment(sha));
        let runs = Request::get(GitHub::repo_path(repo, &format!("{commit}/check-runs")))
            .query("filter", "latest")
            .query("per_page", PAGE_SIZE)
            .what(format!("GET check runs of {sha} in {repo}"))
            .needs("checks: read");
        let runs: Vec<CheckRun> = self
            .api
            .pages(&runs, usize::MAX, Items::counted("check_runs"))
            .await?;
        let statuses = Request::get(GitHub::repo_path(repo, &format!("{commit}/status")))
            .query("per_page", PAGE_SIZE)
            .what(format!("GET combined status of {sha} in {repo}"))
            .needs("statuses: read");
        let statuses: Vec<CommitStatus> = self
            .api
            .pages(&statuses, usize::MAX, Items::counted("statuses"))
            .await?;
        let jobs = runs
            .into_iter()
            .map(|r| CiJob {
                state: check_run_state(&r.status, r.conclusion.as_deref()),
                name: r.name,
                allowed_to_fail: false,
            })
            .chain(statuses.into_iter().map(|s| CiJob {
                state: commit_status_state(&s.state),
                name: s.context,
                allowed_to_fail: false,
            }))
            .collect();
        Ok(CommitCi {
            overall: None,
            jobs,
            url: Some(format!(
                "{}/{repo}/commit/{sha}/checks",
                self.server_url.trim_end_matches('/')
            )),
        })
    }

    async fn build_runs(
        &self,
        repo: &str,
        query: &BuildRunQuery<'_>,
    ) -> Result<Vec<BuildRun>, ForgeError> {
        let request = Request::get(GitHub::repo_path(repo, "/actions/runs"))
            .query("head_sha", query.commit)
            .query("per_page", PAGE_SIZE)
            .what(format!("GET workflow runs of {} in {repo}", query.commit))
            .needs("actions: read");
        // A commit's runs (re-runs, many workflows) can pass a page of 100.
        let listed: Vec<Run> = self
            .api
            .pages(&request, usize::MAX, Items::counted("workflow_runs"))
            .await?;
        let mut seen_workflows = Vec::new();
        let mut runs = Vec::new();
        // Newest first: a workflow's first run in the list is its latest.
        for run in listed {
            if run.head_sha != query.commit
                || Some(run.id) == query.current_run
                || seen_workflows.contains(&run.workflow_id)
                || !query.name.is_none_or(|n| run.is_named(n))
            {
                continue;
            }
            seen_workflows.push(run.workflow_id);
            let outcome = match (run.status.as_deref(), run.conclusion.as_deref()) {
                (Some("completed"), Some("success")) => BuildOutcome::Succeeded,
                (Some("completed"), Some(conclusion)) => {
                    BuildOutcome::NotSucceeded(conclusion.to_string())
                }
                (status, _) => BuildOutcome::NotSucceeded(status.unwrap_or("unknown").to_string()),
            };
            let artifacts = match outcome {
                BuildOutcome::Succeeded => self.run_artifacts(repo, run.id).await?,
                BuildOutcome::NotSucceeded(_) => Vec::new(),
            };
            runs.push(BuildRun {
                id: run.id,
                name: format!(
                    "{} #{}",
                    run.name.as_deref().unwrap_or("workflow"),
                    run.run_number
                ),
                web_url: run.html_url,
                outcome,
                artifacts,
            });
        }
        Ok(runs)
    }

    async fn download_build_artifact(
        &self,
        repo: &str,
        artifact: &BuildArtifact,
    ) -> Result<bytes::Bytes, ForgeError> {
        // The API answers with a redirect to short-lived storage on another host,
        // which the transport follows without the token.
        let request = Request::get(GitHub::repo_path(
            repo,
            &format!("/actions/artifacts/{}/zip", artifact.id),
        ))
        .what(format!("GET artifact {} of {repo}", artifact.name))
        .needs("actions: read");
        Ok(self.api.send(&request).await?.body)
    }
}
