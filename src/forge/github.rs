//! GitHub's REST API through octocrab, used as an authenticated transport; retries,
//! time-outs and error mapping are [`super::http`]'s.

use super::http::{self, Call, Policy, Response};
// auto-update (issue 7)
use super::changes::parse_date;
use super::{
    AutoMerge, ChangeRequest, ChangeRequestDraft, CiJob, CommitCi, IssueComment, JobState,
    RemoteCommit, encode_segment,
};
use super::{Forge, ForgeError, ForgeSettings, RemoteTag, TagCreation, encode_path};
use crate::ci::Platform;
use crate::git::{Annotation, Tagger, split_signature};
use http_body_util::BodyExt;
use serde::Deserialize;
// publish-verify (issue 8)
use super::releases::{
    AssetUpload, BuildArtifact, BuildOutcome, BuildRun, BuildRunQuery, MakeLatest, Release,
    ReleaseAsset, ReleaseSpec, ReleaseState, sha256_of_digest, strip_uri_template,
};

pub struct GitHub {
    client: octocrab::Octocrab,
    policy: Policy,
    /// GitHub Enterprise Server answers GraphQL at `/api/graphql`, beside `/api/v3`;
    /// octocrab keeps the base path, so that needs a client of its own.
    graphql: Option<octocrab::Octocrab>,
    /// The web server, for links to pages (a commit's checks).
    server_url: String,
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
        let client = client_at(api_url, api_url, settings, &policy)?;
        // GitHub Enterprise Server answers GraphQL at `/api/graphql`, beside `/api/v3`.
        let graphql = match api_url.trim_end_matches('/').strip_suffix("/v3") {
            Some(api_base) if api_base.ends_with("/api") => {
                Some(client_at(api_base, api_url, settings, &policy)?)
            }
            _ => None,
        };
        let absolute = origin_client(api_url, settings, &policy)?;
        Ok(GitHub {
            client,
            policy,
            absolute,
            graphql,
            server_url: settings.server_url.clone(),
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

// --- generate-changelog: "Compare two commits" ------------------------------------

/// Commits per page of the compare API (its maximum is 100, its default 250 without
/// paging).
const COMPARE_PAGE: usize = 100;

/// `GET /repos/{owner}/{repo}/compare/{basehead}` ("Compare two commits"): the commits
/// of `head` since the merge base, oldest first, paged with `per_page`/`page`.
#[derive(Deserialize)]
struct Comparison {
    total_commits: usize,
    commits: Vec<ComparedCommit>,
}

#[derive(Deserialize)]
struct ComparedCommit {
    sha: String,
    commit: ComparedCommitDetail,
    #[serde(default)]
    parents: Vec<ComparedParent>,
}

#[derive(Deserialize)]
struct ComparedCommitDetail {
    message: String,
}

#[derive(Deserialize)]
struct ComparedParent {
    #[allow(dead_code)]
    sha: String,
}

impl GitHub {
    async fn compare(
        &self,
        repo: &str,
        base: &str,
        head: &str,
    ) -> Result<Vec<RemoteCommit>, ForgeError> {
        let what = format!("GET compare {base}...{head} of {repo}");
        let call = Call {
            what: &what,
            permission: "contents: read",
        };
        let mut commits = Vec::new();
        for page in 1.. {
            let path = format!(
                "/repos/{}/compare/{}...{}?per_page={COMPARE_PAGE}&page={page}",
                encode_path(repo),
                encode_path(base),
                encode_path(head)
            );
            let comparison: Comparison = self.get(&path, &call).await?.json(&what)?;
            let listed = comparison.commits.len();
            commits.extend(comparison.commits.into_iter().map(|c| RemoteCommit {
                title: c.commit.message.lines().next().unwrap_or("").to_string(),
                message: c.commit.message,
                parents: c.parents.len(),
                web_url: None,
                sha: c.sha,
            }));
            if listed < COMPARE_PAGE || commits.len() >= comparison.total_commits {
                break;
            }
        }
        Ok(commits)
    }
}

// --- end generate-changelog ---------------------------------------------------------

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

    // For the auto-update flow: find-green-commit, propose-change, comment-on-issue.

    async fn default_branch(&self, repo: &str) -> Result<String, ForgeError> {
        let what = format!("GET repository {repo}");
        let call = Call {
            what: &what,
            permission: "metadata: read",
        };
        let path = format!("/repos/{}", encode_path(repo));
        Ok(self
            .get(&path, &call)
            .await?
            .json::<Repository>(&what)?
            .default_branch)
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
            permission: "contents: read",
        };
        let path = format!(
            "/repos/{}/commits?sha={}&per_page={}",
            encode_path(repo),
            encode_segment(reference),
            limit.clamp(1, PAGE_SIZE)
        );
        let listed: Vec<ListedCommit> = self.get_pages(&path, limit, &call, |page| page).await?;
        Ok(listed
            .into_iter()
            .map(|c| RemoteCommit {
                title: c.commit.message.lines().next().unwrap_or("").to_string(),
                message: c.commit.message,
                parents: c.parents.len(),
                web_url: c.html_url,
                sha: c.sha,
            })
            .collect())
    }

    async fn commit_ci(&self, repo: &str, sha: &str) -> Result<CommitCi, ForgeError> {
        let what = format!("GET check runs of {sha} in {repo}");
        let call = Call {
            what: &what,
            permission: "checks: read",
        };
        let path = format!(
            "/repos/{}/commits/{}/check-runs?filter=latest&per_page={PAGE_SIZE}",
            encode_path(repo),
            encode_segment(sha)
        );
        let runs: Vec<CheckRun> = self
            .get_pages(&path, usize::MAX, &call, |mut page| {
                page["check_runs"].take()
            })
            .await?;
        let what = format!("GET combined status of {sha} in {repo}");
        let call = Call {
            what: &what,
            permission: "statuses: read",
        };
        let path = format!(
            "/repos/{}/commits/{}/status?per_page={PAGE_SIZE}",
            encode_path(repo),
            encode_segment(sha)
        );
        let statuses: Vec<CommitStatus> = self
            .get_pages(&path, usize::MAX, &call, |mut page| page["statuses"].take())
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

    async fn open_change_requests(
        &self,
        repo: &str,
        branch: &str,
    ) -> Result<Vec<ChangeRequest>, ForgeError> {
        let what = format!("GET open pull requests from {branch} in {repo}");
        let call = Call {
            what: &what,
            permission: "pull-requests: read",
        };
        let owner = repo.split('/').next().unwrap_or(repo);
        let path = format!(
            "/repos/{}/pulls?head={}&state=open&per_page={PAGE_SIZE}",
            encode_path(repo),
            encode_segment(&format!("{owner}:{branch}"))
        );
        let pulls: Vec<PullRequest> = self.get_pages(&path, usize::MAX, &call, |p| p).await?;
        Ok(pulls
            .into_iter()
            .filter(|pr| {
                pr.head.name == branch
                    && pr
                        .head
                        .repo
                        .as_ref()
                        .is_none_or(|r| r.full_name.eq_ignore_ascii_case(repo))
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
            "POST pull request {} → {} in {repo}",
            draft.source_branch, draft.target_branch
        );
        let call = Call {
            what: &what,
            permission: PULLS_WRITE,
        };
        let body = serde_json::json!({
            "title": draft.title,
            "head": draft.source_branch,
            "base": draft.target_branch,
            "body": draft.body,
        });
        let path = format!("/repos/{}/pulls", encode_path(repo));
        let pr: PullRequest = self
            .write(::http::Method::POST, &path, &body, &call)
            .await?
            .json(&what)?;
        let mut change = ChangeRequest::from(pr);
        if !draft.labels.is_empty() {
            self.add_labels(repo, change.number, draft.labels).await?;
            for label in draft.labels {
                if !change.labels.contains(label) {
                    change.labels.push(label.clone());
                }
            }
        }
        Ok(change)
    }

    async fn update_change_request(
        &self,
        repo: &str,
        number: u64,
        title: &str,
        body: &str,
    ) -> Result<ChangeRequest, ForgeError> {
        let what = format!("PATCH pull request #{number} of {repo}");
        let call = Call {
            what: &what,
            permission: PULLS_WRITE,
        };
        let path = format!("/repos/{}/pulls/{number}", encode_path(repo));
        let payload = serde_json::json!({"title": title, "body": body});
        let pr: PullRequest = self
            .write(::http::Method::PATCH, &path, &payload, &call)
            .await?
            .json(&what)?;
        Ok(pr.into())
    }

    async fn add_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> Result<(), ForgeError> {
        let what = format!("POST labels of #{number} in {repo}");
        let call = Call {
            what: &what,
            permission: "`pull-requests: write` (or `issues: write`)",
        };
        let path = format!("/repos/{}/issues/{number}/labels", encode_path(repo));
        self.write(
            ::http::Method::POST,
            &path,
            &serde_json::json!({ "labels": labels }),
            &call,
        )
        .await?;
        Ok(())
    }

    async fn enable_auto_merge(
        &self,
        repo: &str,
        change: &ChangeRequest,
    ) -> Result<AutoMerge, ForgeError> {
        let what = format!("enable auto-merge of #{} in {repo}", change.number);
        let call = Call {
            what: &what,
            permission: "`contents: write` and `pull-requests: write`",
        };
        let Some(node_id) = &change.node_id else {
            return Err(ForgeError::Decode {
                what,
                message: "the pull request has no node_id".into(),
            });
        };
        let payload = serde_json::json!({
            "query": ENABLE_AUTO_MERGE,
            "variables": {"pullRequestId": node_id},
        });
        let client = self.graphql.as_ref().unwrap_or(&self.client);
        let response = self
            .send_json(
                client,
                ::http::Method::POST,
                "/graphql",
                Some(&payload),
                &call,
            )
            .await?;
        // GraphQL answers 200 and lists what went wrong in `errors`.
        let answer: serde_json::Value = response.json(&what)?;
        if let Some(errors) = answer.get("errors").and_then(|e| e.as_array())
            && !errors.is_empty()
        {
            let message = errors
                .iter()
                .filter_map(|e| e.get("message").and_then(|m| m.as_str()))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ForgeError::Refused {
                what,
                message: format!(
                    "{message} (auto-merge needs \"Allow auto-merge\" in the repository settings \
                     and a protected base branch with required checks)"
                ),
            });
        }
        Ok(AutoMerge::Enabled)
    }

    async fn approve(&self, repo: &str, change: &ChangeRequest) -> Result<(), ForgeError> {
        let what = format!("POST approving review of #{} in {repo}", change.number);
        let call = Call {
            what: &what,
            permission: "`pull-requests: write` for the --merge-token's user",
        };
        let path = format!(
            "/repos/{}/pulls/{}/reviews",
            encode_path(repo),
            change.number
        );
        self.write(
            ::http::Method::POST,
            &path,
            &serde_json::json!({"event": "APPROVE"}),
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
        let what = format!("GET comments of issue #{issue} in {repo}");
        let call = Call {
            what: &what,
            permission: "issues: read",
        };
        let path = format!(
            "/repos/{}/issues/{issue}/comments?per_page={PAGE_SIZE}",
            encode_path(repo)
        );
        let comments: Vec<GitHubComment> = self.get_pages(&path, usize::MAX, &call, |p| p).await?;
        Ok(comments.into_iter().map(IssueComment::from).collect())
    }

    async fn create_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        let path = format!("/repos/{}/issues/{issue}/comments", encode_path(repo));
        let what = format!("POST comment on issue #{issue} in {repo}");
        self.send_comment(::http::Method::POST, &path, &what, body)
            .await
    }

    async fn update_issue_comment(
        &self,
        repo: &str,
        issue: u64,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        let path = format!("/repos/{}/issues/comments/{id}", encode_path(repo));
        let what = format!("PATCH comment {id} on issue #{issue} in {repo}");
        self.send_comment(::http::Method::PATCH, &path, &what, body)
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

    // For update-links.
    /// `PATCH /repos/{owner}/{repo}/git/refs/tags/{tag}` with `{sha, force: true}`
    /// ("Update a reference"), or `POST /repos/{owner}/{repo}/git/refs` with
    /// `{ref, sha}` ("Create a reference") for a new one. A create that finds the
    /// ref already there (422, a concurrent creation) becomes an update.
    async fn move_floating_tag(
        &self,
        repo: &str,
        name: &str,
        commit: &str,
        exists: bool,
    ) -> Result<(), ForgeError> {
        let update = || async {
            let what = format!("PATCH floating tag {name} of {repo} to {commit}");
            let call = Call {
                what: &what,
                permission: "contents: write",
            };
            let path = format!(
                "/repos/{}/git/refs/tags/{}",
                encode_path(repo),
                encode_path(name)
            );
            self.write(
                ::http::Method::PATCH,
                &path,
                &serde_json::json!({"sha": commit, "force": true}),
                &call,
            )
            .await
            .map(|_| ())
        };
        if exists {
            return update().await;
        }
        let what = format!("POST floating tag {name} of {repo} at {commit}");
        let call = Call {
            what: &what,
            permission: "contents: write",
        };
        let path = format!("/repos/{}/git/refs", encode_path(repo));
        let body = serde_json::json!({"ref": format!("refs/tags/{name}"), "sha": commit});
        match self.write(::http::Method::POST, &path, &body, &call).await {
            Ok(_) => Ok(()),
            Err(ForgeError::Conflict { status: 422, .. }) => update().await,
            Err(e) => Err(e),
        }
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
        let created: CreatedTag = self
            .write(::http::Method::POST, &path, &body, &call)
            .await?
            .json(&what)?;

        let what = format!("POST ref refs/tags/{name} of {repo}");
        let call = Call {
            what: &what,
            permission: "contents: write",
        };
        let body = serde_json::json!({"ref": format!("refs/tags/{name}"), "sha": created.sha});
        let path = format!("/repos/{}/git/refs", encode_path(repo));
        match self.write(::http::Method::POST, &path, &body, &call).await {
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

// For the auto-update flow: find-green-commit, propose-change, comment-on-issue.

/// The largest page GitHub serves.
const PAGE_SIZE: usize = 100;

/// What a 401/403 on a change request means with GitHub's tokens, and the fixes.
const PULLS_WRITE: &str = "`pull-requests: write` (and `contents: write` to push the branch); \
    with GITHUB_TOKEN the repository must also allow \"GitHub Actions to create and approve pull requests\", \
    and events made with GITHUB_TOKEN start no workflows — use a GitHub App token \
    (actions/create-github-app-token) so the pull request's checks run";

impl GitHub {
    /// Creates or updates an issue comment (`POST` / `PATCH` of `{body}`).
    async fn send_comment(
        &self,
        method: ::http::Method,
        path: &str,
        what: &str,
        body: &str,
    ) -> Result<IssueComment, ForgeError> {
        let call = Call {
            what,
            permission: "issues: write",
        };
        let comment: GitHubComment = self
            .write(method, path, &serde_json::json!({ "body": body }), &call)
            .await?
            .json(what)?;
        Ok(comment.into())
    }

    /// Sends `method path` with an optional JSON body under the retry policy.
    async fn send_json(
        &self,
        client: &octocrab::Octocrab,
        method: ::http::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        call: &Call<'_>,
    ) -> Result<Response, ForgeError> {
        http::send(&self.policy, call, || {
            let method = method.clone();
            async move {
                let builder = ::http::Request::builder().method(method).uri(path);
                let request = client
                    .build_request(builder, body)
                    .map_err(|e| transport_message(&e))?;
                let response = client
                    .execute(request)
                    .await
                    .map_err(|e| transport_message(&e))?;
                collect(response).await
            }
        })
        .await
    }

    async fn write(
        &self,
        method: ::http::Method,
        path: &str,
        body: &serde_json::Value,
        call: &Call<'_>,
    ) -> Result<Response, ForgeError> {
        self.send_json(&self.client, method, path, Some(body), call)
            .await
    }

    /// GETs up to `limit` items of a paginated list, following the `Link` header's
    /// `rel="next"`; `items` takes the list out of one page's body.
    async fn get_pages<T: serde::de::DeserializeOwned>(
        &self,
        first: &str,
        limit: usize,
        call: &Call<'_>,
        items: impl Fn(serde_json::Value) -> serde_json::Value,
    ) -> Result<Vec<T>, ForgeError> {
        let mut all = Vec::new();
        let mut next = Some(first.to_string());
        while let Some(path) = next.take() {
            let response = self.get(&path, call).await?;
            let page: serde_json::Value = response.json(call.what)?;
            let page: Vec<T> =
                serde_json::from_value(items(page)).map_err(|e| ForgeError::Decode {
                    what: call.what.to_string(),
                    message: e.to_string(),
                })?;
            let empty = page.is_empty();
            all.extend(page);
            if all.len() >= limit || empty {
                break;
            }
            next = next_link(&response);
        }
        all.truncate(limit);
        Ok(all)
    }
}

/// The path and query of the `rel="next"` URL of a `Link` header. Only the path is
/// kept: the client adds its own base, so a link can never send the token elsewhere.
fn next_link(response: &Response) -> Option<String> {
    let header = response.headers.get("link")?.to_str().ok()?;
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        if !is_next {
            return None;
        }
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let path = &after_scheme[after_scheme.find('/')?..];
        Some(path.to_string())
    })
}

/// `GET /repos/{owner}/{repo}` ("Get a repository").
#[derive(Deserialize)]
struct Repository {
    default_branch: String,
}

/// An item of `GET /repos/{owner}/{repo}/commits` ("List commits").
#[derive(Deserialize)]
struct ListedCommit {
    sha: String,
    html_url: Option<String>,
    commit: ListedCommitDetail,
    #[serde(default)]
    parents: Vec<ComparedParent>,
}

#[derive(Deserialize)]
struct ListedCommitDetail {
    message: String,
}

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

/// A pull request as `GET/POST/PATCH /repos/{owner}/{repo}/pulls…` return it.
#[derive(Deserialize)]
struct PullRequest {
    number: u64,
    node_id: Option<String>,
    html_url: String,
    title: String,
    body: Option<String>,
    #[serde(default)]
    labels: Vec<Label>,
    head: PullRef,
    base: PullRef,
    created_at: Option<String>,
    auto_merge: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Label {
    name: String,
}

#[derive(Deserialize)]
struct PullRef {
    #[serde(rename = "ref")]
    name: String,
    repo: Option<PullRepo>,
}

#[derive(Deserialize)]
struct PullRepo {
    full_name: String,
}

impl From<PullRequest> for ChangeRequest {
    fn from(pr: PullRequest) -> Self {
        ChangeRequest {
            number: pr.number,
            node_id: pr.node_id,
            url: pr.html_url,
            title: pr.title,
            body: pr.body.unwrap_or_default(),
            labels: pr.labels.into_iter().map(|l| l.name).collect(),
            source_branch: pr.head.name,
            target_branch: pr.base.name,
            created_at: parse_date(pr.created_at.as_deref()),
            auto_merge: pr.auto_merge.is_some_and(|a| !a.is_null()),
        }
    }
}

/// An issue comment (`GET/POST /repos/{owner}/{repo}/issues/{n}/comments`).
#[derive(Deserialize)]
struct GitHubComment {
    id: u64,
    body: Option<String>,
    html_url: Option<String>,
}

impl From<GitHubComment> for IssueComment {
    fn from(c: GitHubComment) -> Self {
        IssueComment {
            id: c.id,
            body: c.body.unwrap_or_default(),
            url: c.html_url,
        }
    }
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

const ENABLE_AUTO_MERGE: &str = "mutation($pullRequestId: ID!) { \
    enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId}) { \
    pullRequest { number autoMergeRequest { enabledAt } } } }";

// For publish-release and verify-release.

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
    client_at(&origin, api_url, settings, policy)
}

/// An octocrab client rooted at `base`, with the token, time-outs and no retries of
/// its own (retries are [`http::send`]'s).
fn client_at(
    base: &str,
    api_url: &str,
    settings: &ForgeSettings,
    policy: &Policy,
) -> Result<octocrab::Octocrab, ForgeError> {
    let mut builder = octocrab::Octocrab::builder()
        .base_uri(base)
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
    /// The notes; `null` when the release has none.
    body: Option<String>,
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
            // GitHub shows the tag where a release has no title.
            name: self
                .name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| self.tag_name.clone()),
            notes: self.body.unwrap_or_default(),
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

#[cfg(test)]
mod auto_update_tests {
    use super::*;

    fn response_with_link(link: &str) -> Response {
        let mut headers = ::http::HeaderMap::new();
        headers.insert("link", link.parse().unwrap());
        Response {
            status: 200,
            headers,
            body: bytes::Bytes::new(),
        }
    }

    #[test]
    fn the_next_page_keeps_only_the_path_of_the_link() {
        let response = response_with_link(
            "<https://api.github.com/repositories/1/commits?sha=main&page=3>; rel=\"next\", \
             <https://api.github.com/repositories/1/commits?sha=main&page=9>; rel=\"last\"",
        );
        assert_eq!(
            next_link(&response).as_deref(),
            Some("/repositories/1/commits?sha=main&page=3")
        );
        let last = response_with_link("<https://evil.example/x?page=1>; rel=\"prev\"");
        assert_eq!(next_link(&last), None);
    }

    #[test]
    fn enterprise_server_gets_its_graphql_endpoint_beside_the_rest_api() {
        let settings = |api: &str| ForgeSettings {
            platform: Platform::GitHub,
            api_url: Some(api.to_string()),
            server_url: "https://github.example.com".into(),
            token: None,
            token_kind: crate::ci::context::TokenKind::Bearer,
        };
        let _runtime = crate::forge::runtime().enter();
        assert!(
            GitHub::new(&settings("https://github.example.com/api/v3"))
                .unwrap()
                .graphql
                .is_some()
        );
        assert!(
            GitHub::new(&settings("https://api.github.com"))
                .unwrap()
                .graphql
                .is_none()
        );
    }
}
