//! GitLab's REST API (v4), one file per area of the [`Forge`] trait: each holds its
//! endpoints and wire types. The token (`PRIVATE-TOKEN`, or `JOB-TOKEN` for a CI job
//! token), redirects, retries, rate limits, paging and errors are the [`Transport`]'s.

mod approvals;
mod changes;
mod ci;
mod closing;
mod comments;
mod issues;
mod refs;
mod releases;

use super::transport::{Credential, Request, Transport};
use super::{Forge, ForgeError, ForgeSettings, encode_segment};
use crate::forge::Platform;
use crate::forge::TokenKind;

/// The largest page GitLab serves.
const PAGE_SIZE: usize = 100;

pub struct GitLab {
    api: Transport,
    /// The token is a CI/CD job token: it reaches only the endpoints GitLab lists
    /// for it.
    job_token: bool,
    /// The web server, for links to pages (an issue note).
    server_url: String,
}

impl GitLab {
    /// Connects and checks the token at once (`GET /user`, or `GET /job` for a job
    /// token), so a bad token fails here with what it needs.
    pub async fn new(settings: &ForgeSettings) -> Result<Self, ForgeError> {
        let api_url = settings
            .api_url
            .as_deref()
            .unwrap_or("https://gitlab.com/api/v4");
        if !api_url.starts_with("https://") && !api_url.starts_with("http://") {
            return Err(ForgeError::Setup(format!(
                "the GitLab API URL must start with http:// or https://: {api_url}"
            )));
        }
        if !api_url.trim_end_matches('/').ends_with("/api/v4") {
            return Err(ForgeError::Setup(format!(
                "the GitLab API URL must end with /api/v4: {api_url}"
            )));
        }
        let (credential, check, hint) = match (&settings.token, settings.token_kind) {
            (Some(token), TokenKind::JobToken) => (
                Some(Credential::Header("job-token", token.clone())),
                "job",
                "a valid CI_JOB_TOKEN (or a project access token with `api`)",
            ),
            (Some(token), TokenKind::Bearer) => (
                Some(Credential::Header("private-token", token.clone())),
                "user",
                "a valid token with `read_api` (`api` to write)",
            ),
            (None, _) => (None, "", ""),
        };
        let budget = super::budget::for_token(
            Platform::GitLab,
            api_url,
            settings.token.as_ref().map(|t| t.expose()),
        )?;
        let api = Transport::new(api_url, credential, &[])?.with_budget(budget);
        if !check.is_empty() {
            let request = Request::get(check).what(format!("connecting to GitLab at {api_url}"));
            match api.send(&request).await {
                Ok(_) => {}
                Err(ForgeError::Unauthorized { what, status, .. }) => {
                    return Err(ForgeError::Unauthorized {
                        what,
                        status,
                        hint: hint.to_string(),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(GitLab {
            api,
            job_token: settings.token.is_some() && settings.token_kind == TokenKind::JobToken,
            server_url: settings.server_url.clone(),
        })
    }

    /// Refuses, before anything is sent, a call GitLab does not take the job token for.
    fn outside_job_token(
        &self,
        what: impl FnOnce() -> String,
        needs: &'static str,
    ) -> Result<(), ForgeError> {
        if self.job_token {
            return Err(ForgeError::JobTokenRefused {
                what: what(),
                needs,
            });
        }
        Ok(())
    }

    /// `projects/{id}` and what follows; the id is the URL-encoded path.
    fn project(repo: &str, rest: &str) -> String {
        format!("projects/{}{rest}", encode_segment(repo))
    }
}

impl Forge for GitLab {
    fn platform(&self) -> Platform {
        Platform::GitLab
    }
}
