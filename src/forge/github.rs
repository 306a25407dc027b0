//! GitHub's REST API through octocrab, used as an authenticated transport; retries,
//! time-outs and error mapping are [`super::http`]'s.

use super::http::{self, Call, Policy, Response};
use super::{Forge, ForgeError, ForgeSettings, RemoteTag, encode_path};
use crate::ci::Platform;
use crate::git::{Annotation, Tagger, split_signature};
use http_body_util::BodyExt;
use serde::Deserialize;
// publish-verify (issue 8)
use super::encode_segment;
use super::releases::{
    AssetUpload, BuildArtifact, BuildOutcome, BuildRun, BuildRunQuery, MakeLatest, Release,
    ReleaseAsset, ReleaseSpec, ReleaseState, sha256_of_digest, strip_uri_template,
};

pub struct GitHub {
    client: octocrab::Octocrab,
    policy: Policy,
    /// publish-verify (issue 8): a client for the absolute URLs the API hands out
    /// (`upload_url`), rooted at the API's origin so that a GitHub Enterprise path
    /// such as `/api/uploads` is not put under `/api/v3`.
    absolute: octocrab::Octocrab,
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
        let absolute = origin_client(api_url, settings, &policy)?;
        Ok(GitHub {
            client,
            policy,
            absolute,
        })
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

    // ---- publish-verify: publish-release, verify-release (issue 8) ----

    async fn release(&self, repo: &str, tag: &str) -> Result<Option<Release>, ForgeError> {
        let what = format!("GET release {tag} of {repo}");
        let call = Call {
            what: &what,
            permission: "contents: read",
        };
        let path = format!(
            "/repos/{}/releases/tags/{}",
            encode_path(repo),
            encode_segment(tag)
        );
        let Some(response) = self.get_optional(&path, &call).await? else {
            return Ok(None);
        };
        let release: GhRelease = response.json(&what)?;
        let assets = self.release_assets(repo, release.id).await?;
        Ok(Some(release.into_release(assets)))
    }

    async fn unattached_release_files(
        &self,
        _repo: &str,
        _spec: &ReleaseSpec,
    ) -> Result<Vec<ReleaseAsset>, ForgeError> {
        Ok(Vec::new())
    }

    async fn stage_release(&self, repo: &str, spec: &ReleaseSpec) -> Result<Release, ForgeError> {
        let what = format!("POST draft release {} of {repo}", spec.tag);
        let call = Call {
            what: &what,
            permission: "contents: write",
        };
        let body = serde_json::json!({
            "tag_name": spec.tag,
            "name": spec.name,
            "body": spec.notes.clone().unwrap_or_default(),
            "draft": true,
            "prerelease": spec.prerelease,
        });
        let path = format!("/repos/{}/releases", encode_path(repo));
        let response = self
            .send_raw(
                ::http::Method::POST,
                &path,
                Some(json_body(&body)),
                None,
                &call,
            )
            .await?;
        let release: GhRelease = response.json(&what)?;
        let assets = release.assets.iter().map(GhAsset::to_asset).collect();
        Ok(release.into_release(assets))
    }

    async fn upload_release_asset(
        &self,
        repo: &str,
        release: &Release,
        _spec: &ReleaseSpec,
        upload: &AssetUpload<'_>,
    ) -> Result<ReleaseAsset, ForgeError> {
        let what = format!(
            "POST asset {} to release {} of {repo}",
            upload.name, release.tag
        );
        let call = Call {
            what: &what,
            permission: "contents: write",
        };
        let base = release
            .upload_url
            .as_deref()
            .ok_or_else(|| ForgeError::Decode {
                what: what.clone(),
                message: "the release has no upload_url".into(),
            })?;
        let url = format!("{base}?name={}", encode_segment(upload.name));
        let response = self
            .send_raw(
                ::http::Method::POST,
                &url,
                Some((upload.content_type.to_string(), upload.bytes.clone())),
                None,
                &call,
            )
            .await?;
        let asset: GhAsset = response.json(&what)?;
        Ok(asset.to_asset())
    }

    async fn publish_release(
        &self,
        repo: &str,
        release: &Release,
        spec: &ReleaseSpec,
        _attach: &[ReleaseAsset],
    ) -> Result<Release, ForgeError> {
        let what = match release.state {
            ReleaseState::Staged => format!("PATCH publish release {} of {repo}", spec.tag),
            ReleaseState::Published => format!("PATCH release {} of {repo}", spec.tag),
        };
        let call = Call {
            what: &what,
            permission: "contents: write",
        };
        let mut body = serde_json::json!({
            "name": spec.name,
            "prerelease": spec.prerelease,
        });
        if release.state == ReleaseState::Staged {
            body["draft"] = false.into();
        }
        if let Some(notes) = &spec.notes {
            body["body"] = notes.as_str().into();
        }
        // GitHub refuses to make a pre-release the latest one.
        if !spec.prerelease {
            body["make_latest"] = match spec.make_latest {
                MakeLatest::Auto => "legacy",
                MakeLatest::Yes => "true",
                MakeLatest::No => "false",
            }
            .into();
        }
        let path = format!("/repos/{}/releases/{}", encode_path(repo), release.id);
        let response = self
            .send_raw(
                ::http::Method::PATCH,
                &path,
                Some(json_body(&body)),
                None,
                &call,
            )
            .await?;
        let published: GhRelease = response.json(&what)?;
        let assets = self.release_assets(repo, published.id).await?;
        Ok(published.into_release(assets))
    }

    async fn discard_release(&self, repo: &str, release: &Release) -> Result<(), ForgeError> {
        let what = format!("DELETE draft release {} of {repo}", release.id);
        let call = Call {
            what: &what,
            permission: "contents: write",
        };
        let path = format!("/repos/{}/releases/{}", encode_path(repo), release.id);
        self.send_raw(::http::Method::DELETE, &path, None, None, &call)
            .await?;
        Ok(())
    }

    async fn download_release_asset(
        &self,
        repo: &str,
        asset: &ReleaseAsset,
    ) -> Result<bytes::Bytes, ForgeError> {
        let what = format!("GET release asset {} of {repo}", asset.name);
        let call = Call {
            what: &what,
            permission: "contents: read",
        };
        let path = format!("/repos/{}/releases/assets/{}", encode_path(repo), asset.id);
        let response = self
            .send_raw(
                ::http::Method::GET,
                &path,
                None,
                Some("application/octet-stream"),
                &call,
            )
            .await?;
        Ok(response.body)
    }

    async fn build_runs(
        &self,
        repo: &str,
        query: &BuildRunQuery<'_>,
    ) -> Result<Vec<BuildRun>, ForgeError> {
        let what = format!("GET workflow runs of {} in {repo}", query.commit);
        let call = Call {
            what: &what,
            permission: "actions: read",
        };
        let path = format!(
            "/repos/{}/actions/runs?head_sha={}&per_page=100",
            encode_path(repo),
            encode_segment(query.commit)
        );
        let listed: GhRuns = self.get(&path, &call).await?.json(&what)?;
        let mut seen_workflows = Vec::new();
        let mut runs = Vec::new();
        // Newest first: a workflow's first run in the list is its latest.
        for run in listed.workflow_runs {
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
        let what = format!("GET artifact {} of {repo}", artifact.name);
        let call = Call {
            what: &what,
            permission: "actions: read",
        };
        // The API answers with a redirect to short-lived storage; the client follows
        // it and drops the token on the way (another origin).
        let path = format!(
            "/repos/{}/actions/artifacts/{}/zip",
            encode_path(repo),
            artifact.id
        );
        Ok(self.get(&path, &call).await?.body)
    }

    // ---- end publish-verify ----
}

// ---- publish-verify: publish-release, verify-release (issue 8) ----

/// A client rooted at the origin (scheme and host) of the API URL, with the same token;
/// octocrab sends the token only to that host and `uploads.github.com`.
fn origin_client(
    api_url: &str,
    settings: &ForgeSettings,
    policy: &Policy,
) -> Result<octocrab::Octocrab, ForgeError> {
    let uri: ::http::Uri = api_url
        .parse()
        .map_err(|e| ForgeError::Setup(format!("invalid GitHub API URL {api_url}: {e}")))?;
    let origin = format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("https"),
        uri.authority().map_or("", |a| a.as_str())
    );
    let mut builder = octocrab::Octocrab::builder()
        .base_uri(origin.as_str())
        .map_err(|e| ForgeError::Setup(format!("invalid GitHub API URL {api_url}: {e}")))?
        .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
        .set_connect_timeout(Some(policy.timeout))
        .set_read_timeout(Some(policy.timeout))
        .set_write_timeout(Some(policy.timeout));
    if let Some(token) = &settings.token {
        builder = builder.personal_token(token.expose().to_string());
    }
    builder
        .build()
        .map_err(|e| ForgeError::Setup(format!("cannot set up the GitHub client: {e}")))
}

fn json_body(value: &serde_json::Value) -> (String, bytes::Bytes) {
    ("application/json".to_string(), value.to_string().into())
}

impl GitHub {
    /// Sends one request with any method, body and `Accept`: to a path of the API, or
    /// to an absolute URL the API handed out.
    async fn send_raw(
        &self,
        method: ::http::Method,
        uri: &str,
        body: Option<(String, bytes::Bytes)>,
        accept: Option<&str>,
        call: &Call<'_>,
    ) -> Result<Response, ForgeError> {
        let client = if uri.contains("://") {
            &self.absolute
        } else {
            &self.client
        };
        http::send(&self.policy, call, || {
            let mut request = ::http::Request::builder()
                .method(method.clone())
                .uri(uri)
                .header(
                    ::http::header::ACCEPT,
                    accept.unwrap_or("application/vnd.github+json"),
                )
                .header("X-GitHub-Api-Version", "2022-11-28");
            let request = match &body {
                Some((content_type, bytes)) => {
                    request = request
                        .header(::http::header::CONTENT_TYPE, content_type.as_str())
                        .header(::http::header::CONTENT_LENGTH, bytes.len());
                    request.body(octocrab::OctoBody::from(bytes.clone()))
                }
                None => request
                    .header(::http::header::CONTENT_LENGTH, 0)
                    .body(octocrab::OctoBody::empty()),
            };
            async move {
                let request = request.map_err(|e| e.to_string())?;
                let response = client
                    .execute(request)
                    .await
                    .map_err(|e| transport_message(&e))?;
                collect(response).await
            }
        })
        .await
    }

    /// Every asset of release `id` (`GET /repos/{owner}/{repo}/releases/{id}/assets`,
    /// all pages).
    async fn release_assets(&self, repo: &str, id: u64) -> Result<Vec<ReleaseAsset>, ForgeError> {
        let what = format!("GET assets of release {id} of {repo}");
        let call = Call {
            what: &what,
            permission: "contents: read",
        };
        let mut assets = Vec::new();
        for page in 1.. {
            let path = format!(
                "/repos/{}/releases/{id}/assets?per_page=100&page={page}",
                encode_path(repo)
            );
            let listed: Vec<GhAsset> = self.get(&path, &call).await?.json(&what)?;
            let last = listed.len() < 100;
            assets.extend(listed.iter().map(GhAsset::to_asset));
            if last {
                break;
            }
        }
        Ok(assets)
    }

    /// The artifacts of workflow run `id` (`GET …/actions/runs/{id}/artifacts`).
    async fn run_artifacts(&self, repo: &str, id: u64) -> Result<Vec<BuildArtifact>, ForgeError> {
        let what = format!("GET artifacts of workflow run {id} of {repo}");
        let call = Call {
            what: &what,
            permission: "actions: read",
        };
        let mut artifacts = Vec::new();
        for page in 1.. {
            let path = format!(
                "/repos/{}/actions/runs/{id}/artifacts?per_page=100&page={page}",
                encode_path(repo)
            );
            let listed: GhArtifacts = self.get(&path, &call).await?.json(&what)?;
            let last = listed.artifacts.len() < 100;
            artifacts.extend(listed.artifacts.into_iter().map(|a| BuildArtifact {
                id: a.id,
                name: a.name,
                size: a.size_in_bytes,
                expired: a.expired,
            }));
            if last {
                break;
            }
        }
        Ok(artifacts)
    }
}

/// A release (`GET /repos/{owner}/{repo}/releases/tags/{tag}`, `POST …/releases`,
/// `PATCH …/releases/{id}`).
#[derive(Deserialize)]
struct GhRelease {
    id: u64,
    tag_name: String,
    name: Option<String>,
    html_url: String,
    upload_url: String,
    draft: bool,
    prerelease: bool,
    #[serde(default)]
    assets: Vec<GhAsset>,
}

impl GhRelease {
    fn into_release(self, assets: Vec<ReleaseAsset>) -> Release {
        Release {
            id: self.id.to_string(),
            name: self.name.unwrap_or_else(|| self.tag_name.clone()),
            tag: self.tag_name,
            web_url: self.html_url,
            state: if self.draft {
                ReleaseState::Staged
            } else {
                ReleaseState::Published
            },
            prerelease: self.prerelease,
            assets,
            upload_url: Some(strip_uri_template(&self.upload_url).to_string()),
        }
    }
}

/// A release asset (`GET /repos/{owner}/{repo}/releases/{id}/assets`, the upload's
/// answer). `digest` is `sha256:…` on github.com since 2025; older servers omit it.
#[derive(Deserialize)]
struct GhAsset {
    id: u64,
    name: String,
    size: u64,
    digest: Option<String>,
    browser_download_url: String,
}

impl GhAsset {
    fn to_asset(&self) -> ReleaseAsset {
        ReleaseAsset {
            id: self.id.to_string(),
            name: self.name.clone(),
            size: Some(self.size),
            sha256: sha256_of_digest(self.digest.as_deref()),
            url: self.browser_download_url.clone(),
            attached: true,
        }
    }
}

/// `GET /repos/{owner}/{repo}/actions/runs?head_sha=…` ("List workflow runs for a
/// repository").
#[derive(Deserialize)]
struct GhRuns {
    workflow_runs: Vec<GhRun>,
}

#[derive(Deserialize)]
struct GhRun {
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

impl GhRun {
    /// Whether `name` names this run's workflow: its file name, path or display name.
    fn is_named(&self, name: &str) -> bool {
        let path = self.path.as_deref().unwrap_or("");
        self.name.as_deref() == Some(name) || path == name || path.rsplit('/').next() == Some(name)
    }
}

/// `GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts`.
#[derive(Deserialize)]
struct GhArtifacts {
    artifacts: Vec<GhArtifact>,
}

#[derive(Deserialize)]
struct GhArtifact {
    id: u64,
    name: String,
    size_in_bytes: Option<u64>,
    #[serde(default)]
    expired: bool,
}

// ---- end publish-verify ----
