//! What the CI platform tells a job through its environment, read into typed structs.

use serde::Deserialize;
use std::path::PathBuf;

pub use crate::forge::platform::{Platform, TokenKind};

/// GitHub Actions' default variables (`GITHUB_*`), as documented for every job.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct GitHubEnv {
    pub actions: Option<String>,
    pub repository: Option<String>,
    pub server_url: Option<String>,
    pub api_url: Option<String>,
    pub ref_type: Option<String>,
    pub ref_name: Option<String>,
    pub sha: Option<String>,
    pub output: Option<PathBuf>,
    pub step_summary: Option<PathBuf>,
    pub token: Option<String>,
    pub workspace: Option<PathBuf>,
    /// `GITHUB_RUN_ID`: the workflow run this job belongs to (publish-release leaves
    /// it out when it looks for the run that built a commit).
    pub run_id: Option<String>,
    /// `GITHUB_ACTOR`: who started the workflow run.
    pub actor: Option<String>,
}

/// GitLab CI's predefined variables (`CI_*`, `GITLAB_*`).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct GitLabEnv {
    pub gitlab_ci: Option<String>,
    pub gitlab_token: Option<String>,
    pub ci_server_url: Option<String>,
    pub ci_api_v4_url: Option<String>,
    pub ci_project_path: Option<String>,
    pub ci_project_id: Option<String>,
    pub ci_commit_tag: Option<String>,
    pub ci_commit_tag_message: Option<String>,
    pub ci_commit_sha: Option<String>,
    pub ci_job_token: Option<String>,
    /// The pipeline and job this job is (publish-release promotes the artifacts of the
    /// other jobs of the tag pipeline).
    pub ci_pipeline_id: Option<String>,
    pub ci_job_id: Option<String>,
    /// The job's page, and who started its pipeline.
    pub ci_job_url: Option<String>,
    pub gitlab_user_login: Option<String>,
    /// This job's place among the jobs of a `parallel: N` job (from 1), and N.
    pub ci_node_index: Option<String>,
    pub ci_node_total: Option<String>,
}

/// Everything a tool needs to know about the CI run it is part of.
#[derive(Debug, Default, Clone)]
pub struct CiContext {
    pub github: GitHubEnv,
    pub gitlab: GitLabEnv,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

impl CiContext {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, super::CiError> {
        Self::from_vars(std::env::vars())
    }

    /// Reads the given variables (tests pass their own).
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, super::CiError> {
        // Only valid UTF-8 variables reach here; envy ignores the ones it does not know.
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        let github = envy::prefixed("GITHUB_")
            .from_iter(vars.iter().cloned())
            .map_err(|e| super::CiError::Environment(e.to_string()))?;
        let gitlab =
            envy::from_iter(vars).map_err(|e| super::CiError::Environment(e.to_string()))?;
        Ok(CiContext { github, gitlab })
    }

    pub fn in_github_actions(&self) -> bool {
        non_empty(&self.github.actions) == Some("true")
    }

    pub fn in_gitlab_ci(&self) -> bool {
        non_empty(&self.gitlab.gitlab_ci).is_some()
    }

    /// The platform from `--forge`, else detected from the environment, else plain git.
    pub fn platform(&self, forced: Option<Platform>) -> Platform {
        forced.unwrap_or(if self.in_github_actions() {
            Platform::GitHub
        } else if self.in_gitlab_ci() {
            Platform::GitLab
        } else {
            Platform::Git
        })
    }

    /// The tag this pipeline runs for: GitHub's ref when it is a tag, else GitLab's.
    pub fn pipeline_tag(&self) -> Option<&str> {
        if non_empty(&self.github.ref_type) == Some("tag")
            && let Some(name) = non_empty(&self.github.ref_name)
        {
            return Some(name);
        }
        non_empty(&self.gitlab.ci_commit_tag)
    }

    /// The token for `platform`: GITHUB_TOKEN, else GITLAB_TOKEN, else CI_JOB_TOKEN.
    pub fn token(&self, platform: Platform) -> Option<(&str, TokenKind)> {
        match platform {
            Platform::GitHub => non_empty(&self.github.token).map(|t| (t, TokenKind::Bearer)),
            Platform::GitLab | Platform::Git => non_empty(&self.gitlab.gitlab_token)
                .map(|t| (t, TokenKind::Bearer))
                .or_else(|| non_empty(&self.gitlab.ci_job_token).map(|t| (t, TokenKind::JobToken)))
                .or_else(|| {
                    (platform == Platform::Git)
                        .then(|| non_empty(&self.github.token).map(|t| (t, TokenKind::Bearer)))
                        .flatten()
                }),
        }
    }

    /// The API base URL: GITHUB_API_URL or CI_API_V4_URL, else the public default.
    pub fn api_url(&self, platform: Platform) -> Option<String> {
        match platform {
            Platform::GitHub => Some(
                non_empty(&self.github.api_url)
                    .unwrap_or("https://api.github.com")
                    .to_string(),
            ),
            Platform::GitLab => Some(
                non_empty(&self.gitlab.ci_api_v4_url)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{}/api/v4", self.server_url(platform))),
            ),
            Platform::Git => None,
        }
    }

    /// The web server URL: GITHUB_SERVER_URL or CI_SERVER_URL, else the public default.
    pub fn server_url(&self, platform: Platform) -> String {
        match platform {
            Platform::GitHub | Platform::Git => non_empty(&self.github.server_url)
                .unwrap_or("https://github.com")
                .trim_end_matches('/')
                .to_string(),
            Platform::GitLab => non_empty(&self.gitlab.ci_server_url)
                .unwrap_or("https://gitlab.com")
                .trim_end_matches('/')
                .to_string(),
        }
    }

    /// Whether the CI environment names the web server (`GITHUB_SERVER_URL`,
    /// `CI_SERVER_URL`), rather than [`CiContext::server_url`] falling back to the
    /// public service.
    pub fn server_url_is_set(&self, platform: Platform) -> bool {
        match platform {
            Platform::GitHub | Platform::Git => non_empty(&self.github.server_url).is_some(),
            Platform::GitLab => non_empty(&self.gitlab.ci_server_url).is_some(),
        }
    }

    /// Who started the run (`GITHUB_ACTOR`, `GITLAB_USER_LOGIN`).
    pub fn actor(&self, platform: Platform) -> Option<&str> {
        match platform {
            Platform::GitLab => non_empty(&self.gitlab.gitlab_user_login),
            _ => non_empty(&self.github.actor),
        }
    }

    /// The page of this job's run: the GitHub workflow run, or the GitLab job.
    pub fn job_url(&self, platform: Platform) -> Option<String> {
        match platform {
            Platform::GitLab => non_empty(&self.gitlab.ci_job_url).map(str::to_string),
            _ => {
                let run = non_empty(&self.github.run_id)?;
                let repo = non_empty(&self.github.repository)?;
                Some(format!(
                    "{}/{repo}/actions/runs/{run}",
                    self.server_url(Platform::GitHub)
                ))
            }
        }
    }

    /// The shard GitLab's `parallel:` made this job (`--shard auto`).
    pub fn parallel_shard(&self) -> Result<super::shard::Shard, String> {
        super::shard::Shard::from_gitlab(
            non_empty(&self.gitlab.ci_node_index),
            non_empty(&self.gitlab.ci_node_total),
        )
    }

    /// The repository the pipeline runs in (`owner/name`).
    pub fn repository(&self, platform: Platform) -> Option<&str> {
        match platform {
            Platform::GitHub => non_empty(&self.github.repository),
            Platform::GitLab => non_empty(&self.gitlab.ci_project_path),
            Platform::Git => {
                non_empty(&self.github.repository).or(non_empty(&self.gitlab.ci_project_path))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(vars: &[(&str, &str)]) -> CiContext {
        CiContext::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    #[test]
    fn detects_the_platform_from_the_environment() {
        assert_eq!(
            ctx(&[("GITHUB_ACTIONS", "true")]).platform(None),
            Platform::GitHub
        );
        assert_eq!(
            ctx(&[("GITLAB_CI", "true")]).platform(None),
            Platform::GitLab
        );
        assert_eq!(ctx(&[]).platform(None), Platform::Git);
        assert_eq!(
            ctx(&[("GITHUB_ACTIONS", "true")]).platform(Some(Platform::Git)),
            Platform::Git
        );
    }

    #[test]
    fn pipeline_tag_prefers_a_github_tag_ref_then_gitlab() {
        let c = ctx(&[("GITHUB_REF_TYPE", "branch"), ("GITHUB_REF_NAME", "main")]);
        assert_eq!(c.pipeline_tag(), None);
        let c = ctx(&[("GITHUB_REF_TYPE", "tag"), ("GITHUB_REF_NAME", "v1.2.0")]);
        assert_eq!(c.pipeline_tag(), Some("v1.2.0"));
        let c = ctx(&[("CI_COMMIT_TAG", "1.0.0")]);
        assert_eq!(c.pipeline_tag(), Some("1.0.0"));
    }

    #[test]
    fn gitlab_token_falls_back_to_the_job_token() {
        let c = ctx(&[("CI_JOB_TOKEN", "job")]);
        assert_eq!(
            c.token(Platform::GitLab),
            Some(("job", TokenKind::JobToken))
        );
        let c = ctx(&[("CI_JOB_TOKEN", "job"), ("GITLAB_TOKEN", "pat")]);
        assert_eq!(c.token(Platform::GitLab), Some(("pat", TokenKind::Bearer)));
    }

    #[test]
    fn api_urls_default_to_the_public_services() {
        let c = ctx(&[]);
        assert_eq!(
            c.api_url(Platform::GitHub).unwrap(),
            "https://api.github.com"
        );
        assert_eq!(
            c.api_url(Platform::GitLab).unwrap(),
            "https://gitlab.com/api/v4"
        );
        let c = ctx(&[("CI_SERVER_URL", "https://git.example.org/")]);
        assert_eq!(
            c.api_url(Platform::GitLab).unwrap(),
            "https://git.example.org/api/v4"
        );
    }
}
