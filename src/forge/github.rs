//! GitHub's REST API through octocrab, used as an authenticated transport; retries,
//! time-outs and error mapping are [`super::http`]'s.

use super::http::{self, Call, Policy, Response};
use super::{Forge, ForgeError, ForgeSettings, RemoteTag, TagCreation, encode_path};
use crate::ci::Platform;
use crate::git::{Annotation, Tagger, split_signature};
use http_body_util::BodyExt;
use serde::Deserialize;

pub struct GitHub {
    client: octocrab::Octocrab,
    policy: Policy,
}

impl GitHub {
    pub fn new(settings: &ForgeSettings) -> Result<Self, ForgeError> {
        let api_url = settings
            .api_url
            .as_deref()
            .unwrap_or("https://api.github.com");
        let policy = Policy::default();
        let mut builder = octocrab::Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| ForgeError::Setup(format!("invalid GitHub API URL {api_url}: {e}")))?
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(policy.timeout))
            .set_read_timeout(Some(policy.timeout))
            .set_write_timeout(Some(policy.timeout));
        if let Some(token) = &settings.token {
            builder = builder.personal_token(token.expose().to_string());
        }
        let client = builder
            .build()
            .map_err(|e| ForgeError::Setup(format!("cannot set up the GitHub client: {e}")))?;
        Ok(GitHub { client, policy })
    }

    /// GET a path of the API (relative to the API base).
    async fn get(&self, path: &str, call: &Call<'_>) -> Result<Response, ForgeError> {
        http::send(&self.policy, call, || async {
            let response = self
                .client
                ._get(path)
                .await
                .map_err(|e| transport_message(&e))?;
            collect(response).await
        })
        .await
    }

    /// POST a JSON body to a path of the API. A POST is retried like any call: the
    /// callers make that safe (a second tag object is harmless; a ref that an earlier
    /// attempt created is recognised).
    async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
        call: &Call<'_>,
    ) -> Result<Response, ForgeError> {
        http::send(&self.policy, call, || async {
            let response = self
                .client
                ._post(path, Some(body))
                .await
                .map_err(|e| transport_message(&e))?;
            collect(response).await
        })
        .await
    }

    /// GET that turns 404 into `None`.
    async fn get_optional(
        &self,
        path: &str,
        call: &Call<'_>,
    ) -> Result<Option<Response>, ForgeError> {
        match self.get(path, call).await {
            Ok(r) => Ok(Some(r)),
            Err(ForgeError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

async fn collect(
    response: ::http::Response<http_body_util::combinators::BoxBody<bytes::Bytes, octocrab::Error>>,
) -> Result<Response, String> {
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| transport_message(&e))?
        .to_bytes();
    Ok(Response {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    })
}

fn transport_message(error: &octocrab::Error) -> String {
    use std::error::Error;
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    message
}

/// `GET /repos/{owner}/{repo}/git/ref/tags/{tag}` ("Get a reference").
#[derive(Deserialize)]
struct GitRef {
    object: GitObject,
}

#[derive(Deserialize)]
struct GitObject {
    sha: String,
    #[serde(rename = "type")]
    kind: String,
}

/// `GET /repos/{owner}/{repo}/git/tags/{tag_sha}` ("Get a tag").
#[derive(Deserialize)]
struct GitTag {
    tag: String,
    message: String,
    tagger: Option<GitTagger>,
    object: GitObject,
}

#[derive(Deserialize)]
struct GitTagger {
    name: String,
    email: String,
    date: String,
}

/// `POST /repos/{owner}/{repo}/git/tags` ("Create a tag object"): the new object.
#[derive(Deserialize)]
struct CreatedTag {
    sha: String,
}

#[async_trait::async_trait]
impl Forge for GitHub {
    fn platform(&self) -> Platform {
        Platform::GitHub
    }

    async fn tag(&self, repo: &str, name: &str) -> Result<Option<RemoteTag>, ForgeError> {
        let what = format!("GET tag {name} of {repo}");
        let call = Call {
            what: &what,
            permission: "contents: read",
        };
        let path = format!(
            "/repos/{}/git/ref/tags/{}",
            encode_path(repo),
            encode_path(name)
        );
        let Some(response) = self.get_optional(&path, &call).await? else {
            return Ok(None);
        };
        let mut object = response.json::<GitRef>(&what)?.object;
        let mut annotation = None;
        // A tag may point at another tag object; follow to the commit.
        for _ in 0..8 {
            if object.kind != "tag" {
                break;
            }
            let path = format!("/repos/{}/git/tags/{}", encode_path(repo), object.sha);
            let tag: GitTag = self.get(&path, &call).await?.json(&what)?;
            if annotation.is_none() {
                let (message, signature) = split_signature(&tag.message);
                annotation = Some((
                    tag.tag.clone(),
                    Annotation {
                        tagger: tag.tagger.map(|t| Tagger {
                            name: t.name,
                            email: t.email,
                            date: chrono::DateTime::parse_from_rfc3339(&t.date).ok(),
                        }),
                        message: message.to_string(),
                        signature: signature.map(str::to_string),
                    },
                ));
            }
            object = tag.object;
        }
        if object.kind != "commit" {
            return Err(ForgeError::Decode {
                what,
                message: format!("the tag leads to a {} object, not a commit", object.kind),
            });
        }
        Ok(Some(RemoteTag {
            name: annotation
                .as_ref()
                .map_or(name.to_string(), |(n, _)| n.clone()),
            commit: object.sha,
            annotation: annotation.map(|(_, a)| a),
        }))
    }

    // --- tag-from-request: commits and annotated tags -------------------------------

    async fn commit_exists(&self, repo: &str, sha: &str) -> Result<bool, ForgeError> {
        let what = format!("GET commit {sha} of {repo}");
        let call = Call {
            what: &what,
            permission: "contents: read",
        };
        // The Git database endpoint ("Get a commit object"): unlike
        // `/commits/{sha}` it carries no diff, however large the commit.
        let path = format!("/repos/{}/git/commits/{sha}", encode_path(repo));
        match self.get(&path, &call).await {
            Ok(_) => Ok(true),
            Err(ForgeError::NotFound { .. }) => Ok(false),
            Err(ForgeError::Conflict { status: 422, .. }) => Ok(false),
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
        let what = format!("POST tag object {name} of {repo}");
        let call = Call {
            what: &what,
            permission: "contents: write",
        };
        let body = serde_json::json!({
            "tag": name,
            "message": message,
            "object": commit,
            "type": "commit",
        });
        let path = format!("/repos/{}/git/tags", encode_path(repo));
        let created: CreatedTag = self.post(&path, &body, &call).await?.json(&what)?;

        let what = format!("POST ref refs/tags/{name} of {repo}");
        let call = Call {
            what: &what,
            permission: "contents: write",
        };
        let body = serde_json::json!({"ref": format!("refs/tags/{name}"), "sha": created.sha});
        let path = format!("/repos/{}/git/refs", encode_path(repo));
        match self.post(&path, &body, &call).await {
            Ok(_) => Ok(TagCreation::Created),
            // 422 "Reference already exists". The ref may be ours: an earlier attempt
            // whose answer was lost (a 502 after the write) already created it.
            Err(error @ ForgeError::Conflict { status: 422, .. }) => {
                let ref_path = format!(
                    "/repos/{}/git/ref/tags/{}",
                    encode_path(repo),
                    encode_path(name)
                );
                let read = Call {
                    what: &what,
                    permission: "contents: read",
                };
                match self.get_optional(&ref_path, &read).await? {
                    Some(response) => {
                        let existing = response.json::<GitRef>(&what)?.object;
                        if existing.sha == created.sha {
                            Ok(TagCreation::Created)
                        } else {
                            Ok(TagCreation::AlreadyExists)
                        }
                    }
                    None => Err(error),
                }
            }
            Err(e) => Err(e),
        }
    }
}
