//! GitLab's REST API (v4) through the `gitlab` crate's async client, used as an
//! authenticated transport; retries, time-outs and error mapping are [`super::http`]'s.

use super::http::{self, Call, Policy, Response};
// auto-update (issue 7)
use super::changes::parse_date;
use super::{
    AutoMerge, ChangeRequest, ChangeRequestDraft, CiJob, CommitCi, IssueComment, JobState,
    RemoteCommit,
};
use super::{Forge, ForgeError, ForgeSettings, RemoteTag, encode_segment};
use crate::ci::Platform;
use crate::ci::context::TokenKind;
use crate::git::{Annotation, split_signature};
use gitlab::api::{AsyncClient, RestClient};
use serde::Deserialize;

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
        let client = tokio::time::timeout(policy.timeout, builder.build_async())
            .await
            .map_err(|_| ForgeError::Transport {
                what: format!("connecting to GitLab at {api_url}"),
                attempts: 1,
                message: format!("no answer within {:?}", policy.timeout),
            })?
            .map_err(|e| setup_error(api_url, settings.token_kind, &e))?;
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

    // ---- auto-update: find-green-commit, propose-change, comment-on-issue (issue 7) ----

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
        let what = format!("POST note on issue #{issue} in {repo}");
        let call = Call {
            what: &what,
            permission: "the `api` scope (CI_JOB_TOKEN cannot write notes)",
        };
        let endpoint = format!("{}/issues/{issue}/notes", Self::project(repo));
        let note: Note = self
            .send_json(
                ::http::Method::POST,
                &endpoint,
                Some(&serde_json::json!({ "body": body })),
                &call,
            )
            .await?
            .json(&what)?;
        Ok(self.comment(repo, issue, note))
    }

    async fn update_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        let what = format!("PUT note {id} on issue #{issue} in {repo}");
        let call = Call {
            what: &what,
            permission: "the `api` scope (CI_JOB_TOKEN cannot write notes)",
        };
        let endpoint = format!("{}/issues/{issue}/notes/{id}", Self::project(repo));
        let note: Note = self
            .send_json(
                ::http::Method::PUT,
                &endpoint,
                Some(&serde_json::json!({ "body": body })),
                &call,
            )
            .await?
            .json(&what)?;
        Ok(self.comment(repo, issue, note))
    }

    // ---- end auto-update ----

    // ---- generate-changelog ----
    async fn compare_commits(
        &self,
        repo: &str,
        base: &str,
        head: &str,
    ) -> Result<Vec<RemoteCommit>, ForgeError> {
        self.compare(repo, base, head).await
    }
}

// ---- auto-update: find-green-commit, propose-change, comment-on-issue (issue 7) ----

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

// ---- end auto-update ----
