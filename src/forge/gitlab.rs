//! GitLab's REST API (v4) through the `gitlab` crate's async client, used as an
//! authenticated transport; retries, time-outs and error mapping are [`super::http`]'s.

use super::http::{self, Call, Policy, Response};
// auto-update (issue 7)
use super::changes::parse_date;
use super::{
    AutoMerge, ChangeRequest, ChangeRequestDraft, CiJob, CommitCi, IssueComment, JobState,
    RemoteCommit,
};
use super::{Forge, ForgeError, ForgeSettings, RemoteTag, TagCreation, encode_segment};
use crate::ci::Platform;
use crate::ci::context::TokenKind;
use crate::git::{Annotation, split_signature};
use gitlab::api::{AsyncClient, RestClient};
use serde::Deserialize;
// publish-verify (issue 8)
use super::releases::{
    AssetUpload, BuildArtifact, BuildOutcome, BuildRun, BuildRunQuery, Release, ReleaseAsset,
    ReleaseSpec, ReleaseState,
};

pub struct GitLab {
    client: gitlab::AsyncGitlab,
    policy: Policy,
    /// The web server, for links to pages (an issue note).
    server_url: String,
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
        // The check is the first call of every run: a GitLab that is busy for a moment
        // (5xx, 429) gets the same retries as every other call.
        let mut attempt = 1;
        let client = loop {
            let built = tokio::time::timeout(policy.timeout, builder.build_async())
                .await
                .map_err(|_| ForgeError::Transport {
                    what: format!("connecting to GitLab at {api_url}"),
                    attempts: attempt,
                    message: format!("no answer within {:?}", policy.timeout),
                })?;
            match built {
                Ok(client) => break client,
                Err(e) if attempt < policy.attempts && transient(&e) => {
                    tokio::time::sleep(http::backoff(&policy, attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(setup_error(api_url, settings.token_kind, &e)),
            }
        };
        Ok(GitLab {
            client,
            policy,
            server_url: settings.server_url.clone(),
        })
    }

    /// GET an endpoint relative to `/api/v4/`.
    async fn get(&self, endpoint: &str, call: &Call<'_>) -> Result<Response, ForgeError> {
        self.get_with_query(endpoint, &[], call).await
    }

    /// GET an endpoint relative to `/api/v4/` with query parameters (encoded here).
    async fn get_with_query(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
        call: &Call<'_>,
    ) -> Result<Response, ForgeError> {
        let mut url = self
            .client
            .rest_endpoint(endpoint)
            .map_err(|e| ForgeError::Setup(e.to_string()))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        http::send(&self.policy, call, || {
            let request = ::http::Request::builder()
                .method(::http::Method::GET)
                .uri(url.as_str());
            async move {
                let response = self
                    .client
                    .rest_async(request, Vec::new())
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

/// Whether a failed connection check is worth another try: GitLab busy (5xx), rate
/// limiting (429) or the connection itself failing.
fn transient(error: &gitlab::GitlabError) -> bool {
    use gitlab::api::ApiError;
    let gitlab::GitlabError::Api { source } = error else {
        return matches!(error, gitlab::GitlabError::Communication { .. });
    };
    match source {
        ApiError::GitlabService { status, .. }
        | ApiError::GitlabWithStatus { status, .. }
        | ApiError::GitlabObjectWithStatus { status, .. }
        | ApiError::GitlabUnrecognizedWithStatus { status, .. } => {
            status.is_server_error() || status.as_u16() == 429
        }
        ApiError::GitlabRateLimited { .. } => true,
        ApiError::Client {
            source: gitlab::RestError::Communication { .. },
        } => true,
        _ => false,
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

// --- generate-changelog: "Compare branches, tags or commits" ------------------------

/// `GET /projects/:id/repository/compare?from=&to=`: `commits` from the merge base of
/// `from` and `to` up to `to`, oldest first, in one unpaged response.
#[derive(Deserialize)]
struct Comparison {
    commits: Vec<ComparedCommit>,
}

#[derive(Deserialize)]
struct ComparedCommit {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    parent_ids: Vec<String>,
}

impl GitLab {
    async fn compare(
        &self,
        repo: &str,
        base: &str,
        head: &str,
    ) -> Result<Vec<RemoteCommit>, ForgeError> {
        let what = format!("GET compare {base}...{head} of {repo}");
        let call = Call {
            what: &what,
            permission: "read_api or read_repository",
        };
        let endpoint = format!("projects/{}/repository/compare", encode_segment(repo));
        let comparison: Comparison = self
            .get_with_query(&endpoint, &[("from", base), ("to", head)], &call)
            .await?
            .json(&what)?;
        Ok(comparison
            .commits
            .into_iter()
            .map(|c| RemoteCommit {
                sha: c.id,
                message: c
                    .message
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| c.title.clone()),
                title: c.title,
                parents: c.parent_ids.len(),
                web_url: None,
            })
            .collect())
    }
}

// --- end generate-changelog ---------------------------------------------------------

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

    // For the auto-update flow: find-green-commit, propose-change, comment-on-issue.

    async fn default_branch(&self, repo: &str) -> Result<String, ForgeError> {
        let what = format!("GET project {repo}");
        let call = Call {
            what: &what,
            permission: "read_api",
        };
        let project: Project = self.get(&Self::project(repo), &call).await?.json(&what)?;
        project.default_branch.ok_or_else(|| ForgeError::Decode {
            what,
            message: "the project has no default branch (an empty repository?)".into(),
        })
    }

    async fn commits(
        &self,
        repo: &str,
        reference: &str,
        limit: usize,
    ) -> Result<Vec<RemoteCommit>, ForgeError> {
        let what = format!("GET commits of {reference} in {repo}");
        let call = Call {
            what: &what,
            permission: "read_api or read_repository",
        };
        let endpoint = format!(
            "{}/repository/commits?ref_name={}&per_page={}",
            Self::project(repo),
            encode_segment(reference),
            limit.clamp(1, PAGE_SIZE)
        );
        let commits: Vec<GitLabCommit> = self.get_pages(&endpoint, limit, &call).await?;
        Ok(commits
            .into_iter()
            .map(|c| RemoteCommit {
                sha: c.id,
                message: c.message.clone().unwrap_or_else(|| c.title.clone()),
                title: c.title,
                parents: c.parent_ids.len(),
                web_url: c.web_url,
            })
            .collect())
    }

    async fn commit_ci(&self, repo: &str, sha: &str) -> Result<CommitCi, ForgeError> {
        let what = format!("GET pipelines of {sha} in {repo}");
        let call = Call {
            what: &what,
            permission: "read_api",
        };
        // The newest pipeline for the commit speaks for it (a retried pipeline, or a
        // later run of the schedule, replaces the earlier one).
        let endpoint = format!(
            "{}/pipelines?sha={}&order_by=id&sort=desc&per_page=1",
            Self::project(repo),
            encode_segment(sha)
        );
        let pipelines: Vec<Pipeline> = self.get(&endpoint, &call).await?.json(&what)?;
        let Some(pipeline) = pipelines.into_iter().next() else {
            return Ok(CommitCi::default());
        };
        let what = format!("GET jobs of pipeline {} in {repo}", pipeline.id);
        let call = Call {
            what: &what,
            permission: "read_api",
        };
        let endpoint = format!(
            "{}/pipelines/{}/jobs?per_page={PAGE_SIZE}",
            Self::project(repo),
            pipeline.id
        );
        let jobs: Vec<Job> = self.get_pages(&endpoint, usize::MAX, &call).await?;
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

    async fn open_change_requests(
        &self,
        repo: &str,
        branch: &str,
    ) -> Result<Vec<ChangeRequest>, ForgeError> {
        let what = format!("GET open merge requests from {branch} in {repo}");
        let call = Call {
            what: &what,
            permission: "read_api",
        };
        let endpoint = format!(
            "{}/merge_requests?source_branch={}&state=opened&per_page={PAGE_SIZE}",
            Self::project(repo),
            encode_segment(branch)
        );
        let requests: Vec<MergeRequest> = self.get_pages(&endpoint, usize::MAX, &call).await?;
        Ok(requests
            .into_iter()
            .filter(|mr| {
                mr.source_branch == branch
                    && match (mr.source_project_id, mr.target_project_id) {
                        (Some(s), Some(t)) => s == t,
                        _ => true,
                    }
            })
            .map(ChangeRequest::from)
            .collect())
    }

    async fn create_change_request(
        &self,
        repo: &str,
        draft: &ChangeRequestDraft<'_>,
    ) -> Result<ChangeRequest, ForgeError> {
        let what = format!(
            "POST merge request {} → {} in {repo}",
            draft.source_branch, draft.target_branch
        );
        let call = Call {
            what: &what,
            permission: MR_WRITE,
        };
        let mut body = serde_json::json!({
            "source_branch": draft.source_branch,
            "target_branch": draft.target_branch,
            "title": draft.title,
            "description": draft.body,
            "remove_source_branch": true,
        });
        if !draft.labels.is_empty() {
            body["labels"] = draft.labels.join(",").into();
        }
        let endpoint = format!("{}/merge_requests", Self::project(repo));
        let mr: MergeRequest = self
            .send_json(::http::Method::POST, &endpoint, Some(&body), &call)
            .await?
            .json(&what)?;
        Ok(mr.into())
    }

    async fn update_change_request(
        &self,
        repo: &str,
        number: u64,
        title: &str,
        body: &str,
    ) -> Result<ChangeRequest, ForgeError> {
        let what = format!("PUT merge request !{number} of {repo}");
        let call = Call {
            what: &what,
            permission: MR_WRITE,
        };
        let endpoint = format!("{}/merge_requests/{number}", Self::project(repo));
        let payload = serde_json::json!({"title": title, "description": body});
        let mr: MergeRequest = self
            .send_json(::http::Method::PUT, &endpoint, Some(&payload), &call)
            .await?
            .json(&what)?;
        Ok(mr.into())
    }

    async fn add_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> Result<(), ForgeError> {
        let what = format!("PUT labels of !{number} in {repo}");
        let call = Call {
            what: &what,
            permission: MR_WRITE,
        };
        let endpoint = format!("{}/merge_requests/{number}", Self::project(repo));
        let payload = serde_json::json!({"add_labels": labels.join(",")});
        self.send_json(::http::Method::PUT, &endpoint, Some(&payload), &call)
            .await?;
        Ok(())
    }

    async fn enable_auto_merge(
        &self,
        repo: &str,
        change: &ChangeRequest,
    ) -> Result<AutoMerge, ForgeError> {
        let what = format!(
            "PUT merge when the pipeline succeeds for !{} in {repo}",
            change.number
        );
        let call = Call {
            what: &what,
            permission: "the `api` scope and the right to merge into the target branch",
        };
        let endpoint = format!(
            "{}/merge_requests/{}/merge",
            Self::project(repo),
            change.number
        );
        // `merge_when_pipeline_succeeds` for every GitLab; `auto_merge` is its newer name.
        let payload = serde_json::json!({"merge_when_pipeline_succeeds": true, "auto_merge": true});
        match self
            .send_json(::http::Method::PUT, &endpoint, Some(&payload), &call)
            .await
        {
            Ok(_) => Ok(AutoMerge::Enabled),
            // GitLab refuses with 405 until the merge request's pipeline has started.
            Err(ForgeError::Unexpected {
                status: 405,
                message,
                ..
            }) => Ok(AutoMerge::NotYet(message)),
            Err(e) => Err(e),
        }
    }

    async fn approve(&self, repo: &str, change: &ChangeRequest) -> Result<(), ForgeError> {
        let what = format!("POST approval of !{} in {repo}", change.number);
        let call = Call {
            what: &what,
            permission: "the `api` scope for the --merge-token's user, who must be an eligible approver",
        };
        let endpoint = format!(
            "{}/merge_requests/{}/approve",
            Self::project(repo),
            change.number
        );
        self.send_json(
            ::http::Method::POST,
            &endpoint,
            Some(&serde_json::json!({})),
            &call,
        )
        .await?;
        Ok(())
    }

    async fn issue_comments(
        &self,
        repo: &str,
        issue: u64,
    ) -> Result<Vec<IssueComment>, ForgeError> {
        let what = format!("GET notes of issue #{issue} in {repo}");
        let call = Call {
            what: &what,
            permission: "read_api",
        };
        let endpoint = format!(
            "{}/issues/{issue}/notes?sort=asc&order_by=created_at&per_page={PAGE_SIZE}",
            Self::project(repo)
        );
        let notes: Vec<Note> = self.get_pages(&endpoint, usize::MAX, &call).await?;
        Ok(notes
            .into_iter()
            .filter(|n| !n.system)
            .map(|n| self.comment(repo, issue, n))
            .collect())
    }

    async fn create_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        let endpoint = format!("{}/issues/{issue}/notes", Self::project(repo));
        let what = format!("POST note on issue #{issue} in {repo}");
        self.send_note(repo, issue, ::http::Method::POST, &endpoint, &what, body)
            .await
    }

    async fn update_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        let endpoint = format!("{}/issues/{issue}/notes/{id}", Self::project(repo));
        let what = format!("PUT note {id} on issue #{issue} in {repo}");
        self.send_note(repo, issue, ::http::Method::PUT, &endpoint, &what, body)
            .await
    }

    // For generate-changelog.
    async fn compare_commits(
        &self,
        repo: &str,
        base: &str,
        head: &str,
    ) -> Result<Vec<RemoteCommit>, ForgeError> {
        self.compare(repo, base, head).await
    }

    // For publish-release and verify-release.

    async fn release(&self, repo: &str, tag: &str) -> Result<Option<Release>, ForgeError> {
        let what = format!("GET release {tag} of {repo}");
        let call = Call {
            what: &what,
            permission: "read_api (or a job token)",
        };
        let endpoint = format!(
            "projects/{}/releases/{}",
            encode_segment(repo),
            encode_segment(tag)
        );
        let response = match self.get(&endpoint, &call).await {
            Ok(r) => r,
            Err(ForgeError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let release: GlRelease = response.json(&what)?;
        Ok(Some(self.release_with_files(repo, release).await?))
    }

    async fn unattached_release_files(
        &self,
        repo: &str,
        spec: &ReleaseSpec,
    ) -> Result<Vec<ReleaseAsset>, ForgeError> {
        let files = self.package_files(repo, &spec.package, &spec.tag).await?;
        Ok(files
            .into_iter()
            .map(|f| ReleaseAsset {
                id: f.id.to_string(),
                url: self.package_file_url(repo, &spec.package, &spec.tag, &f.file_name),
                name: f.file_name,
                size: Some(f.size),
                sha256: f.file_sha256.map(|s| s.to_ascii_lowercase()),
                attached: false,
            })
            .collect())
    }

    async fn stage_release(&self, _repo: &str, spec: &ReleaseSpec) -> Result<Release, ForgeError> {
        // GitLab has no drafts: the release is created, links and all, when published.
        Ok(Release {
            id: spec.tag.clone(),
            tag: spec.tag.clone(),
            name: spec.name.clone(),
            notes: spec.notes.clone().unwrap_or_default(),
            web_url: String::new(),
            state: ReleaseState::Staged,
            prerelease: spec.prerelease,
            assets: Vec::new(),
            upload_url: None,
        })
    }

    async fn upload_release_asset(
        &self,
        repo: &str,
        _release: &Release,
        spec: &ReleaseSpec,
        upload: &AssetUpload<'_>,
    ) -> Result<ReleaseAsset, ForgeError> {
        let what = format!(
            "PUT {} to the generic package {} {} of {repo}",
            upload.name, spec.package, spec.tag
        );
        let call = Call {
            what: &what,
            permission: "api (or a job token)",
        };
        let endpoint = format!(
            "{}?select=package_file",
            self.package_file_endpoint(repo, &spec.package, &spec.tag, upload.name)
        );
        let response = self
            .send_with(
                ::http::Method::PUT,
                &endpoint,
                Some(("application/octet-stream", upload.bytes.to_vec())),
                &call,
            )
            .await?;
        let file: GlPackageFile = response.json(&what)?;
        Ok(ReleaseAsset {
            id: file.id.to_string(),
            url: self.package_file_url(repo, &spec.package, &spec.tag, &file.file_name),
            name: file.file_name,
            size: Some(file.size),
            sha256: file.file_sha256.map(|s| s.to_ascii_lowercase()),
            attached: false,
        })
    }

    async fn publish_release(
        &self,
        repo: &str,
        release: &Release,
        spec: &ReleaseSpec,
        attach: &[ReleaseAsset],
    ) -> Result<Release, ForgeError> {
        let link = |asset: &ReleaseAsset| {
            serde_json::json!({
                "name": asset.name,
                "url": asset.url,
                // Gives the permalinks /-/releases/<tag>/downloads/<name> and
                // /-/releases/permalink/latest/downloads/<name>.
                "direct_asset_path": format!("/{}", asset.name),
                "link_type": "package",
            })
        };
        if release.state == ReleaseState::Staged {
            let what = format!("POST release {} of {repo}", spec.tag);
            let call = Call {
                what: &what,
                permission: "api (or a job token)",
            };
            let body = serde_json::json!({
                "tag_name": spec.tag,
                "name": spec.name,
                "description": spec.notes.clone().unwrap_or_default(),
                "assets": {"links": attach.iter().map(link).collect::<Vec<_>>()},
            });
            let endpoint = format!("projects/{}/releases", encode_segment(repo));
            let response = self
                .send_with(
                    ::http::Method::POST,
                    &endpoint,
                    Some(json_body(&body)),
                    &call,
                )
                .await?;
            let created: GlRelease = response.json(&what)?;
            return self.release_with_files(repo, created).await;
        }
        let what = format!("PUT release {} of {repo}", spec.tag);
        let call = Call {
            what: &what,
            permission: "api (or a job token)",
        };
        let mut body = serde_json::json!({"name": spec.name});
        if let Some(notes) = &spec.notes {
            body["description"] = notes.as_str().into();
        }
        let endpoint = format!(
            "projects/{}/releases/{}",
            encode_segment(repo),
            encode_segment(&spec.tag)
        );
        self.send_with(
            ::http::Method::PUT,
            &endpoint,
            Some(json_body(&body)),
            &call,
        )
        .await?;
        for asset in attach {
            let what = format!("POST link {} to release {} of {repo}", asset.name, spec.tag);
            let call = Call {
                what: &what,
                permission: "api (or a job token)",
            };
            let endpoint = format!(
                "projects/{}/releases/{}/assets/links",
                encode_segment(repo),
                encode_segment(&spec.tag)
            );
            self.send_with(
                ::http::Method::POST,
                &endpoint,
                Some(json_body(&link(asset))),
                &call,
            )
            .await?;
        }
        self.release(repo, &spec.tag)
            .await?
            .ok_or_else(|| ForgeError::NotFound {
                what: format!("GET release {} of {repo} after updating it", spec.tag),
            })
    }

    async fn discard_release(&self, _repo: &str, _release: &Release) -> Result<(), ForgeError> {
        // A staged GitLab release was never created. Files already in the package
        // registry stay: a re-run finds them and links them instead of uploading again.
        Ok(())
    }

    async fn download_release_asset(
        &self,
        repo: &str,
        asset: &ReleaseAsset,
    ) -> Result<bytes::Bytes, ForgeError> {
        // Package files come with their sha256; a link elsewhere is not ours to fetch
        // with the token.
        Err(ForgeError::Unsupported {
            platform: Platform::GitLab,
            what: format!(
                "reading the file behind the link {} ({}) of {repo}",
                asset.name, asset.url
            ),
        })
    }

    async fn build_runs(
        &self,
        repo: &str,
        query: &BuildRunQuery<'_>,
    ) -> Result<Vec<BuildRun>, ForgeError> {
        let project = encode_segment(repo);
        let pipeline: GlPipeline = match query.current_run {
            Some(id) => {
                let what = format!("GET pipeline {id} of {repo}");
                let call = Call {
                    what: &what,
                    permission: "read_api",
                };
                self.get(&format!("projects/{project}/pipelines/{id}"), &call)
                    .await?
                    .json(&what)?
            }
            None => {
                let what = format!("GET pipelines of tag {} in {repo}", query.tag);
                let call = Call {
                    what: &what,
                    permission: "read_api",
                };
                let endpoint = format!(
                    "projects/{project}/pipelines?ref={}&sha={}&order_by=id&sort=desc&per_page=20",
                    encode_segment(query.tag),
                    encode_segment(query.commit)
                );
                let listed: Vec<GlPipeline> = self.get(&endpoint, &call).await?.json(&what)?;
                match listed.into_iter().find(|p| p.sha == query.commit) {
                    Some(p) => p,
                    None => return Ok(Vec::new()),
                }
            }
        };
        let what = format!("GET jobs of pipeline {} of {repo}", pipeline.id);
        let call = Call {
            what: &what,
            permission: "read_api",
        };
        let mut jobs: Vec<GlJob> = Vec::new();
        for page in 1.. {
            let endpoint = format!(
                "projects/{project}/pipelines/{}/jobs?per_page=100&page={page}",
                pipeline.id
            );
            let listed: Vec<GlJob> = self.get(&endpoint, &call).await?.json(&what)?;
            let last = listed.len() < 100;
            jobs.extend(listed);
            if last {
                break;
            }
        }
        let jobs: Vec<GlJob> = jobs
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
            web_url: pipeline.web_url,
            outcome,
            artifacts,
        }])
    }

    async fn download_build_artifact(
        &self,
        repo: &str,
        artifact: &BuildArtifact,
    ) -> Result<bytes::Bytes, ForgeError> {
        let what = format!("GET artifacts of job {} of {repo}", artifact.name);
        let call = Call {
            what: &what,
            permission: "read_api (or a job token)",
        };
        let endpoint = format!(
            "projects/{}/jobs/{}/artifacts",
            encode_segment(repo),
            artifact.id
        );
        Ok(self.get(&endpoint, &call).await?.body)
    }

    // For update-links.
    /// GitLab cannot move a tag: `DELETE /projects/:id/repository/tags/:tag_name`,
    /// then `POST /projects/:id/repository/tags` with `{tag_name, ref}`. Between the
    /// two the tag does not exist; a failed creation is reported with the commit to
    /// recreate it by hand. A protected tag needs a token allowed to delete it.
    async fn move_floating_tag(
        &self,
        repo: &str,
        name: &str,
        commit: &str,
        exists: bool,
    ) -> Result<(), ForgeError> {
        let project = encode_segment(repo);
        if exists {
            let what = format!("DELETE floating tag {name} of {repo} (to move it)");
            let call = Call {
                what: &what,
                permission: "api (and the right to delete the tag if it is protected)",
            };
            let endpoint = format!(
                "projects/{project}/repository/tags/{}",
                encode_segment(name)
            );
            match self
                .send_json(::http::Method::DELETE, &endpoint, None, &call)
                .await
            {
                Ok(_) | Err(ForgeError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let what = format!("POST floating tag {name} of {repo} at {commit}");
        let call = Call {
            what: &what,
            permission: "api",
        };
        let endpoint = format!("projects/{project}/repository/tags");
        let body = serde_json::json!({"tag_name": name, "ref": commit});
        self.send_json(::http::Method::POST, &endpoint, Some(&body), &call)
            .await
            .map(|_| ())
            .map_err(|e| {
                if exists {
                    ForgeError::Setup(format!(
                        "{e}; the tag {name} was deleted to be moved and is now missing: \
                         recreate it at {commit}"
                    ))
                } else {
                    e
                }
            })
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
        match self
            .send_json(::http::Method::POST, &endpoint, Some(&body), &call)
            .await
        {
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

// For the auto-update flow: find-green-commit, propose-change, comment-on-issue.

/// The largest page GitLab serves.
const PAGE_SIZE: usize = 100;

/// What a 401/403 on a merge request means with GitLab's tokens, and the fix.
const MR_WRITE: &str = "the `api` scope and at least the Developer role; CI_JOB_TOKEN cannot \
    open or change merge requests — use a project access token with `api` (and \
    `write_repository` to push) in GITLAB_TOKEN or --token";

impl GitLab {
    /// Sends `method endpoint` (relative to `/api/v4/`) with an optional JSON body.
    async fn send_json(
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

    /// GETs up to `limit` items of a paginated list, following `x-next-page`.
    async fn get_pages<T: serde::de::DeserializeOwned>(
        &self,
        first: &str,
        limit: usize,
        call: &Call<'_>,
    ) -> Result<Vec<T>, ForgeError> {
        let mut all = Vec::new();
        let mut page = 1u64;
        loop {
            let separator = if first.contains('?') { '&' } else { '?' };
            let endpoint = if page == 1 {
                first.to_string()
            } else {
                format!("{first}{separator}page={page}")
            };
            let response = self.get(&endpoint, call).await?;
            let items: Vec<T> = response.json(call.what)?;
            let empty = items.is_empty();
            all.extend(items);
            let next = response
                .headers
                .get("x-next-page")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            match next {
                Some(n) if n > page && !empty && all.len() < limit => page = n,
                _ => break,
            }
        }
        all.truncate(limit);
        Ok(all)
    }

    fn project(repo: &str) -> String {
        format!("projects/{}", encode_segment(repo))
    }

    /// Creates or updates a note (`POST` / `PUT` of `{body}`) and returns it as a comment.
    async fn send_note(
        &self,
        repo: &str,
        issue: u64,
        method: ::http::Method,
        endpoint: &str,
        what: &str,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        let call = Call {
            what,
            permission: "the `api` scope (CI_JOB_TOKEN cannot write notes)",
        };
        let note: Note = self
            .send_json(
                method,
                endpoint,
                Some(&serde_json::json!({ "body": body })),
                &call,
            )
            .await?
            .json(what)?;
        Ok(self.comment(repo, issue, note))
    }

    /// A note as a comment; the notes API has no page URL, so it is the issue's page
    /// with the note's anchor.
    fn comment(&self, repo: &str, issue: u64, note: Note) -> IssueComment {
        IssueComment {
            url: Some(format!(
                "{}/{repo}/-/issues/{issue}#note_{}",
                self.server_url.trim_end_matches('/'),
                note.id
            )),
            id: note.id,
            body: note.body,
        }
    }
}

/// `GET /projects/:id` ("Get a single project").
#[derive(Deserialize)]
struct Project {
    default_branch: Option<String>,
}

/// An item of `GET /projects/:id/repository/commits`.
#[derive(Deserialize)]
struct GitLabCommit {
    id: String,
    title: String,
    message: Option<String>,
    #[serde(default)]
    parent_ids: Vec<String>,
    web_url: Option<String>,
}

/// An item of `GET /projects/:id/pipelines`.
#[derive(Deserialize)]
struct Pipeline {
    id: u64,
    status: String,
    web_url: Option<String>,
}

/// An item of `GET /projects/:id/pipelines/:pipeline_id/jobs`.
#[derive(Deserialize)]
struct Job {
    name: String,
    status: String,
    #[serde(default)]
    allow_failure: bool,
}

/// A merge request as `GET/POST/PUT /projects/:id/merge_requests…` return it.
#[derive(Deserialize)]
struct MergeRequest {
    iid: u64,
    web_url: String,
    title: String,
    description: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    source_branch: String,
    target_branch: String,
    created_at: Option<String>,
    #[serde(default)]
    merge_when_pipeline_succeeds: bool,
    source_project_id: Option<u64>,
    target_project_id: Option<u64>,
}

impl From<MergeRequest> for ChangeRequest {
    fn from(mr: MergeRequest) -> Self {
        ChangeRequest {
            number: mr.iid,
            node_id: None,
            url: mr.web_url,
            title: mr.title,
            body: mr.description.unwrap_or_default(),
            labels: mr.labels,
            source_branch: mr.source_branch,
            target_branch: mr.target_branch,
            created_at: parse_date(mr.created_at.as_deref()),
            auto_merge: mr.merge_when_pipeline_succeeds,
        }
    }
}

/// A note of `GET/POST/PUT /projects/:id/issues/:issue_iid/notes`.
#[derive(Deserialize)]
struct Note {
    id: u64,
    body: String,
    #[serde(default)]
    system: bool,
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

// For publish-release and verify-release.

fn json_body(value: &serde_json::Value) -> (&'static str, Vec<u8>) {
    ("application/json", value.to_string().into_bytes())
}

impl GitLab {
    /// Sends one request with any method and body to an endpoint relative to `/api/v4/`.
    async fn send_with(
        &self,
        method: ::http::Method,
        endpoint: &str,
        body: Option<(&str, Vec<u8>)>,
        call: &Call<'_>,
    ) -> Result<Response, ForgeError> {
        let url = self
            .client
            .rest_endpoint(endpoint)
            .map_err(|e| ForgeError::Setup(e.to_string()))?;
        http::send(&self.policy, call, || {
            let mut request = ::http::Request::builder()
                .method(method.clone())
                .uri(url.as_str());
            let bytes = match &body {
                Some((content_type, bytes)) => {
                    request = request.header(::http::header::CONTENT_TYPE, *content_type);
                    bytes.clone()
                }
                None => Vec::new(),
            };
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

    fn package_file_endpoint(
        &self,
        repo: &str,
        package: &str,
        version: &str,
        file: &str,
    ) -> String {
        format!(
            "projects/{}/packages/generic/{}/{}/{}",
            encode_segment(repo),
            encode_segment(package),
            encode_segment(version),
            encode_segment(file)
        )
    }

    /// The download URL of a generic package file (the link a release shows).
    fn package_file_url(&self, repo: &str, package: &str, version: &str, file: &str) -> String {
        let endpoint = self.package_file_endpoint(repo, package, version, file);
        self.client
            .rest_endpoint(&endpoint)
            .map(|u| u.to_string())
            .unwrap_or(endpoint)
    }

    /// The files of the generic package `package` version `version`, the newest of
    /// each name (GitLab keeps duplicates unless the project forbids them).
    async fn package_files(
        &self,
        repo: &str,
        package: &str,
        version: &str,
    ) -> Result<Vec<GlPackageFile>, ForgeError> {
        let what = format!("GET generic package {package} {version} of {repo}");
        let call = Call {
            what: &what,
            permission: "read_api (or a job token)",
        };
        let project = encode_segment(repo);
        // `package_name` is a fuzzy filter: keep the exact name and version.
        let endpoint = format!(
            "projects/{project}/packages?package_type=generic&package_name={}&package_version={}&per_page=100",
            encode_segment(package),
            encode_segment(version)
        );
        let packages: Vec<GlPackage> = self.get(&endpoint, &call).await?.json(&what)?;
        let mut files: Vec<GlPackageFile> = Vec::new();
        for p in packages
            .iter()
            .filter(|p| p.name == package && p.version == version)
        {
            for page in 1.. {
                let endpoint = format!(
                    "projects/{project}/packages/{}/package_files?per_page=100&page={page}",
                    p.id
                );
                let listed: Vec<GlPackageFile> = self.get(&endpoint, &call).await?.json(&what)?;
                let last = listed.len() < 100;
                files.extend(listed);
                if last {
                    break;
                }
            }
        }
        files.sort_by_key(|f| f.id);
        let mut newest: Vec<GlPackageFile> = Vec::new();
        for file in files.into_iter().rev() {
            if !newest.iter().any(|f| f.file_name == file.file_name) {
                newest.push(file);
            }
        }
        newest.reverse();
        Ok(newest)
    }

    /// A release with the size and sha256 of every link that leads to one of this
    /// project's generic package files.
    async fn release_with_files(
        &self,
        repo: &str,
        release: GlRelease,
    ) -> Result<Release, ForgeError> {
        // `…/api/v4/projects/acme%2Fapi/packages/generic/` + `name/version/file`
        let prefix = self
            .client
            .rest_endpoint(&format!(
                "projects/{}/packages/generic/",
                encode_segment(repo)
            ))
            .map(|u| u.to_string())
            .unwrap_or_default();
        let mut known: Vec<((String, String), Vec<GlPackageFile>)> = Vec::new();
        let mut assets = Vec::new();
        for link in release.assets.map(|a| a.links).unwrap_or_default() {
            let package = link
                .url
                .strip_prefix(prefix.as_str())
                .filter(|_| !prefix.is_empty())
                .and_then(|rest| {
                    let mut parts = rest.splitn(3, '/');
                    Some((
                        parts.next()?.to_string(),
                        parts.next()?.to_string(),
                        parts.next()?.to_string(),
                    ))
                });
            let mut file = None;
            if let Some((name, version, file_name)) = package {
                let name = decode(&name);
                let version = decode(&version);
                let key = (name.clone(), version.clone());
                if !known.iter().any(|(k, _)| *k == key) {
                    let files = self.package_files(repo, &name, &version).await?;
                    known.push((key.clone(), files));
                }
                let file_name = decode(&file_name);
                file = known
                    .iter()
                    .find(|(k, _)| *k == key)
                    .and_then(|(_, files)| files.iter().find(|f| f.file_name == file_name))
                    .cloned();
            }
            assets.push(ReleaseAsset {
                id: link.id.to_string(),
                name: link.name,
                size: file.as_ref().map(|f| f.size),
                sha256: file
                    .and_then(|f| f.file_sha256)
                    .map(|s| s.to_ascii_lowercase()),
                url: link.url,
                attached: true,
            });
        }
        Ok(Release {
            id: release.tag_name.clone(),
            name: release.name.unwrap_or_else(|| release.tag_name.clone()),
            notes: release.description.unwrap_or_default(),
            tag: release.tag_name,
            web_url: release.links.and_then(|l| l.this).unwrap_or_default(),
            state: ReleaseState::Published,
            prerelease: false,
            assets,
            upload_url: None,
        })
    }
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// A release (`GET/POST/PUT /projects/:id/releases[/:tag_name]`).
#[derive(Deserialize)]
struct GlRelease {
    tag_name: String,
    name: Option<String>,
    /// The notes (Markdown); `null` when the release has none.
    description: Option<String>,
    assets: Option<GlAssets>,
    #[serde(rename = "_links")]
    links: Option<GlReleaseLinks>,
}

#[derive(Deserialize)]
struct GlAssets {
    #[serde(default)]
    links: Vec<GlLink>,
}

#[derive(Deserialize)]
struct GlLink {
    id: u64,
    name: String,
    url: String,
}

#[derive(Deserialize)]
struct GlReleaseLinks {
    #[serde(rename = "self")]
    this: Option<String>,
}

/// `GET /projects/:id/packages` ("List packages within a project").
#[derive(Deserialize)]
struct GlPackage {
    id: u64,
    name: String,
    version: String,
}

/// `GET /projects/:id/packages/:package_id/package_files`, and the answer of a generic
/// package upload with `select=package_file`.
#[derive(Deserialize, Clone)]
struct GlPackageFile {
    id: u64,
    file_name: String,
    size: u64,
    file_sha256: Option<String>,
}

/// `GET /projects/:id/pipelines[/:pipeline_id]`.
#[derive(Deserialize)]
struct GlPipeline {
    id: u64,
    sha: String,
    status: String,
    web_url: String,
}

/// `GET /projects/:id/pipelines/:pipeline_id/jobs` ("List pipeline jobs").
#[derive(Deserialize)]
struct GlJob {
    id: u64,
    name: String,
    status: String,
    #[serde(default)]
    allow_failure: bool,
    artifacts_file: Option<GlArtifactsFile>,
    #[serde(default)]
    artifacts: Vec<GlJobArtifact>,
}

#[derive(Deserialize)]
struct GlArtifactsFile {
    size: u64,
}

#[derive(Deserialize)]
struct GlJobArtifact {
    file_type: String,
    size: Option<u64>,
}
