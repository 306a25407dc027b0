//! GitLab's REST API (v4) through the `gitlab` crate's async client, used as an
//! authenticated transport; retries, time-outs and error mapping are [`super::http`]'s.

use super::http::{self, Call, Policy, Response};
use super::{Forge, ForgeError, ForgeSettings, RemoteTag, TagCreation, encode_segment};
use crate::ci::Platform;
use crate::ci::context::TokenKind;
use crate::git::{Annotation, split_signature};
use gitlab::api::{AsyncClient, RestClient};
use serde::Deserialize;

pub struct GitLab {
    client: gitlab::AsyncGitlab,
    policy: Policy,
}

impl GitLab {
    /// Connects; the client checks the token at once (`GET /user`, or `GET /job` for a
    /// job token), so a bad token fails here with the permission it needs.
    pub async fn new(settings: &ForgeSettings) -> Result<Self, ForgeError> {
        let api_url = settings
            .api_url
            .as_deref()
            .unwrap_or("https://gitlab.com/api/v4");
        let (secure, rest) = if let Some(rest) = api_url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = api_url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(ForgeError::Setup(format!(
                "the GitLab API URL must start with http:// or https://: {api_url}"
            )));
        };
        let host = rest
            .trim_end_matches('/')
            .strip_suffix("/api/v4")
            .ok_or_else(|| {
                ForgeError::Setup(format!(
                    "the GitLab API URL must end with /api/v4: {api_url}"
                ))
            })?;
        let mut builder = match (&settings.token, settings.token_kind) {
            (Some(token), TokenKind::JobToken) => {
                gitlab::GitlabBuilder::new_with_job_token(host, token.expose())
            }
            (Some(token), TokenKind::Bearer) => gitlab::GitlabBuilder::new(host, token.expose()),
            (None, _) => gitlab::GitlabBuilder::new_unauthenticated(host),
        };
        if !secure {
            builder.insecure();
        }
        builder.user_agent(concat!("release-relay/", env!("CARGO_PKG_VERSION")));
        let policy = Policy::default();
        let client = tokio::time::timeout(policy.timeout, builder.build_async())
            .await
            .map_err(|_| ForgeError::Transport {
                what: format!("connecting to GitLab at {api_url}"),
                attempts: 1,
                message: format!("no answer within {:?}", policy.timeout),
            })?
            .map_err(|e| setup_error(api_url, settings.token_kind, &e))?;
        Ok(GitLab { client, policy })
    }

    /// GET an endpoint relative to `/api/v4/`.
    async fn get(&self, endpoint: &str, call: &Call<'_>) -> Result<Response, ForgeError> {
        self.send(::http::Method::GET, endpoint, None, call).await
    }

    /// POST a JSON body to an endpoint relative to `/api/v4/`.
    async fn post(
        &self,
        endpoint: &str,
        body: &serde_json::Value,
        call: &Call<'_>,
    ) -> Result<Response, ForgeError> {
        self.send(::http::Method::POST, endpoint, Some(body), call)
            .await
    }

    async fn send(
        &self,
        method: ::http::Method,
        endpoint: &str,
        body: Option<&serde_json::Value>,
        call: &Call<'_>,
    ) -> Result<Response, ForgeError> {
        let url = self
            .client
            .rest_endpoint(endpoint)
            .map_err(|e| ForgeError::Setup(e.to_string()))?;
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        http::send(&self.policy, call, || {
            let mut request = ::http::Request::builder()
                .method(method.clone())
                .uri(url.as_str());
            if body.is_some() {
                request = request.header(::http::header::CONTENT_TYPE, "application/json");
            }
            let bytes = bytes.clone();
            async move {
                let response = self
                    .client
                    .rest_async(request, bytes)
                    .await
                    .map_err(|e| e.to_string())?;
                let (parts, body) = response.into_parts();
                Ok(Response {
                    status: parts.status.as_u16(),
                    headers: parts.headers,
                    body,
                })
            }
        })
        .await
    }
}

fn setup_error(api_url: &str, kind: TokenKind, error: &gitlab::GitlabError) -> ForgeError {
    let text = error.to_string();
    if text.contains("401") || text.contains("403") || text.to_lowercase().contains("unauthorized")
    {
        let hint = match kind {
            TokenKind::JobToken => "a valid CI_JOB_TOKEN (or a project access token with `api`)",
            TokenKind::Bearer => "a valid token with `read_api` (`api` to write)",
        };
        return ForgeError::Unauthorized {
            what: format!("connecting to GitLab at {api_url}"),
            status: 401,
            hint: hint.to_string(),
        };
    }
    ForgeError::Setup(format!("cannot connect to GitLab at {api_url}: {text}"))
}

/// `GET /projects/:id/repository/tags/:tag_name` ("Get a single repository tag").
#[derive(Deserialize)]
struct Tag {
    name: String,
    message: Option<String>,
    commit: TagCommit,
    created_at: Option<String>,
}

#[derive(Deserialize)]
struct TagCommit {
    id: String,
}

#[async_trait::async_trait]
impl Forge for GitLab {
    fn platform(&self) -> Platform {
        Platform::GitLab
    }

    async fn tag(&self, repo: &str, name: &str) -> Result<Option<RemoteTag>, ForgeError> {
        let what = format!("GET tag {name} of {repo}");
        let call = Call {
            what: &what,
            permission: "read_api or read_repository",
        };
        let endpoint = format!(
            "projects/{}/repository/tags/{}",
            encode_segment(repo),
            encode_segment(name)
        );
        let response = match self.get(&endpoint, &call).await {
            Ok(r) => r,
            Err(ForgeError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let tag: Tag = response.json(&what)?;
        // GitLab reports a lightweight tag with an empty or null message.
        let annotation = tag.message.filter(|m| !m.is_empty()).map(|message| {
            let (message, signature) = split_signature(&message);
            Annotation {
                // The tags API names no tagger; the creation date is all it has.
                tagger: tag.created_at.as_deref().map(|date| crate::git::Tagger {
                    name: String::new(),
                    email: String::new(),
                    date: chrono::DateTime::parse_from_rfc3339(date).ok(),
                }),
                message: message.to_string(),
                signature: signature.map(str::to_string),
            }
        });
        Ok(Some(RemoteTag {
            name: tag.name,
            commit: tag.commit.id,
            annotation,
        }))
    }

    // --- tag-from-request: commits and annotated tags -------------------------------

    async fn commit_exists(&self, repo: &str, sha: &str) -> Result<bool, ForgeError> {
        let what = format!("GET commit {sha} of {repo}");
        let call = Call {
            what: &what,
            permission: "read_api or read_repository",
        };
        let endpoint = format!("projects/{}/repository/commits/{sha}", encode_segment(repo));
        match self.get(&endpoint, &call).await {
            Ok(_) => Ok(true),
            Err(ForgeError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn create_annotated_tag(
        &self,
        repo: &str,
        name: &str,
        commit: &str,
        message: &str,
    ) -> Result<TagCreation, ForgeError> {
        let what = format!("POST tag {name} of {repo}");
        let call = Call {
            what: &what,
            permission: "api (creating a tag through the API needs the `api` scope and the Developer role; a git push needs `write_repository`)",
        };
        let endpoint = format!("projects/{}/repository/tags", encode_segment(repo));
        let body = serde_json::json!({"tag_name": name, "ref": commit, "message": message});
        match self.post(&endpoint, &body, &call).await {
            Ok(_) => Ok(TagCreation::Created),
            // GitLab answers 400 "Tag … already exists"; the tag itself says whether
            // that is so, whatever the wording.
            Err(
                error @ (ForgeError::Unexpected { status: 400, .. } | ForgeError::Conflict { .. }),
            ) => match self.tag(repo, name).await? {
                Some(_) => Ok(TagCreation::AlreadyExists),
                None => Err(error),
            },
            Err(e) => Err(e),
        }
    }
}
