//! GitHub's REST API (and the one GraphQL mutation REST lacks), one file per area of
//! the [`Forge`] trait: each holds its endpoints and wire types. The token, redirects,
//! retries, rate limits, paging and errors are the [`Transport`]'s.

mod approvals;
mod changes;
mod ci;
mod closing;
mod comments;
mod issues;
mod refs;
mod releases;

use super::transport::{Credential, Transport};
use super::{Forge, ForgeError, ForgeSettings, encode_path};
use crate::forge::Platform;

/// The largest page GitHub serves.
const PAGE_SIZE: usize = 100;

pub struct GitHub {
    api: Transport,
    /// GitHub Enterprise Server answers GraphQL at `/api/graphql`, beside `/api/v3`.
    graphql_url: String,
    /// The web server, for links to pages (a commit's checks).
    server_url: String,
}

impl GitHub {
    pub fn new(settings: &ForgeSettings) -> Result<Self, ForgeError> {
        let api_url = settings
            .api_url
            .as_deref()
            .unwrap_or("https://api.github.com");
        let credential = settings.token.clone().map(Credential::Bearer);
        let mut api = Transport::new(
            api_url,
            credential,
            &[
                ("accept", "application/vnd.github+json"),
                ("x-github-api-version", "2022-11-28"),
            ],
        )
        .map_err(|e| match e {
            ForgeError::Setup(message) => {
                ForgeError::Setup(format!("invalid GitHub API URL {api_url}: {message}"))
            }
            other => other,
        })?;
        let budget = super::budget::for_token(
            Platform::GitHub,
            api.base(),
            settings.token.as_ref().map(|t| t.expose()),
        )?;
        api = api.with_budget(budget);
        // github.com takes release uploads on a host of its own.
        if api.base() == "https://api.github.com" {
            api = api.trust("https://uploads.github.com");
        }
        let graphql_url = match api.base().strip_suffix("/v3") {
            Some(api_base) if api_base.ends_with("/api") => format!("{api_base}/graphql"),
            _ => format!("{}/graphql", api.base()),
        };
        Ok(GitHub {
            api,
            graphql_url,
            server_url: settings.server_url.clone(),
        })
    }

    /// `repos/{owner}/{repo}` and what follows.
    fn repo_path(repo: &str, rest: &str) -> String {
        format!("repos/{}{rest}", encode_path(repo))
    }
}

impl Forge for GitHub {
    fn platform(&self) -> Platform {
        Platform::GitHub
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise_server_gets_its_graphql_endpoint_beside_the_rest_api() {
        let settings = |api: &str| ForgeSettings {
            platform: Platform::GitHub,
            api_url: Some(api.to_string()),
            server_url: "https://github.example.com".into(),
            token: None,
            token_kind: crate::forge::TokenKind::Bearer,
        };
        assert_eq!(
            GitHub::new(&settings("https://github.example.com/api/v3"))
                .unwrap()
                .graphql_url,
            "https://github.example.com/api/graphql"
        );
        assert_eq!(
            GitHub::new(&settings("https://api.github.com"))
                .unwrap()
                .graphql_url,
            "https://api.github.com/graphql"
        );
    }
}
