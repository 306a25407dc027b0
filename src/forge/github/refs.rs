//! Tags, refs and commits: "Git database" refs and tag objects, commits, compare.

use super::{GitHub, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{ForgeError, RemoteCommit, RemoteTag, TagApi, TagCreation, encode_path};
use crate::git::{Annotation, Tagger, split_signature};
use serde::Deserialize;

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

/// `GET /repos/{owner}/{repo}` ("Get a repository").
#[derive(Deserialize)]
struct Repository {
    default_branch: String,
}

/// An item of `GET /repos/{owner}/{repo}/commits` ("List commits") and of the
/// `commits` of "Compare two commits".
#[derive(Deserialize)]
struct ListedCommit {
    sha: String,
    html_url: Option<String>,
    commit: CommitDetail,
    #[serde(default)]
    parents: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct CommitDetail {
    message: String,
}

impl ListedCommit {
    fn into_remote(self, with_url: bool) -> RemoteCommit {
        RemoteCommit {
            title: self.commit.message.lines().next().unwrap_or("").to_string(),
            message: self.commit.message,
            parents: self.parents.len(),
            web_url: self.html_url.filter(|_| with_url),
            sha: self.sha,
        }
    }
}

impl GitHub {
    fn tag_ref_path(repo: &str, name: &str) -> String {
        GitHub::repo_path(repo, &format!("/git/ref/tags/{}", encode_path(name)))
    }

    fn branch_ref_path(repo: &str, name: &str) -> String {
        GitHub::repo_path(repo, &format!("/git/ref/heads/{}", encode_path(name)))
    }
}

/// One tag of `GET /repos/{owner}/{repo}/tags` ("List repository tags").
#[derive(Deserialize)]
struct ListedTag {
    name: String,
    commit: ListedTagCommit,
}

#[derive(Deserialize)]
struct ListedTagCommit {
    sha: String,
}

#[async_trait::async_trait]
impl TagApi for GitHub {
    /// `GET /repos/{owner}/{repo}/tags`, paged: each tag with its commit.
    async fn tag_commits(&self, repo: &str) -> Result<Vec<(String, String)>, ForgeError> {
        let request = Request::get(GitHub::repo_path(repo, "/tags"))
            .query("per_page", PAGE_SIZE)
            .what(format!("GET tags of {repo}"))
            .needs("contents: read");
        let listed: Vec<ListedTag> = self
            .api
            .pages(&request, crate::forge::TAG_LIST_LIMIT, Items::Array)
            .await?;
        Ok(listed.into_iter().map(|t| (t.name, t.commit.sha)).collect())
    }

    async fn tag(&self, repo: &str, name: &str) -> Result<Option<RemoteTag>, ForgeError> {
        let what = format!("GET tag {name} of {repo}");
        let read = |path: String| Request::get(path).what(&what).needs("contents: read");
        let Some(found) = self
            .api
            .optional::<GitRef>(&read(GitHub::tag_ref_path(repo, name)))
            .await?
        else {
            return Ok(None);
        };
        let mut object = found.object;
        let mut annotation = None;
        // A tag may point at another tag object; follow to the commit.
        for _ in 0..8 {
            if object.kind != "tag" {
                break;
            }
            let path = GitHub::repo_path(repo, &format!("/git/tags/{}", object.sha));
            let tag: GitTag = self.api.json(&read(path)).await?;
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

    async fn commit_exists(&self, repo: &str, sha: &str) -> Result<bool, ForgeError> {
        // The Git database endpoint ("Get a commit object"): unlike `/commits/{sha}`
        // it carries no diff, however large the commit.
        let request = Request::get(GitHub::repo_path(repo, &format!("/git/commits/{sha}")))
            .what(format!("GET commit {sha} of {repo}"))
            .needs("contents: read");
        match self.api.send(&request).await {
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
        let create_object = Request::post(GitHub::repo_path(repo, "/git/tags"))
            .what(format!("POST tag object {name} of {repo}"))
            .needs("contents: write")
            .json(&serde_json::json!({
                "tag": name,
                "message": message,
                "object": commit,
                "type": "commit",
            }));
        let created: CreatedTag = self.api.json(&create_object).await?;

        let what = format!("POST ref refs/tags/{name} of {repo}");
        let create_ref = Request::post(GitHub::repo_path(repo, "/git/refs"))
            .what(&what)
            .needs("contents: write")
            .json(&serde_json::json!({"ref": format!("refs/tags/{name}"), "sha": created.sha}));
        match self.api.send(&create_ref).await {
            Ok(_) => Ok(TagCreation::Created),
            // 422 "Reference already exists". The ref may be ours: an earlier attempt
            // whose answer was lost (a 502 after the write) already created it.
            Err(error @ ForgeError::Conflict { status: 422, .. }) => {
                let read = Request::get(GitHub::tag_ref_path(repo, name))
                    .what(&what)
                    .needs("contents: read");
                match self.api.optional::<GitRef>(&read).await? {
                    Some(existing) if existing.object.sha == created.sha => {
                        Ok(TagCreation::Created)
                    }
                    Some(_) => Ok(TagCreation::AlreadyExists),
                    None => Err(error),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /repos/{owner}/{repo}/git/ref/heads/{branch}` ("Get a reference").
    async fn branch(&self, repo: &str, name: &str) -> Result<Option<String>, ForgeError> {
        let request = Request::get(GitHub::branch_ref_path(repo, name))
            .what(format!("GET branch {name} of {repo}"))
            .needs("contents: read");
        Ok(self
            .api
            .optional::<GitRef>(&request)
            .await?
            .map(|found| found.object.sha))
    }

    /// `POST /repos/{owner}/{repo}/git/refs` with `{ref: refs/heads/X, sha}` ("Create a
    /// reference"): it never moves a branch; one already there is a 422.
    async fn create_branch(
        &self,
        repo: &str,
        name: &str,
        commit: &str,
    ) -> Result<TagCreation, ForgeError> {
        let create = Request::post(GitHub::repo_path(repo, "/git/refs"))
            .what(format!("POST ref refs/heads/{name} of {repo}"))
            .needs("contents: write")
            .json(&serde_json::json!({"ref": format!("refs/heads/{name}"), "sha": commit}));
        match self.api.send(&create).await {
            Ok(_) => Ok(TagCreation::Created),
            // 422 "Reference already exists" (perhaps ours, its answer lost): the
            // branch itself says where it is.
            Err(error @ ForgeError::Conflict { status: 422, .. }) => {
                match self.branch(repo, name).await? {
                    Some(_) => Ok(TagCreation::AlreadyExists),
                    None => Err(error),
                }
            }
            Err(e) => Err(e),
        }
    }

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
        let update = Request::patch(GitHub::repo_path(
            repo,
            &format!("/git/refs/tags/{}", encode_path(name)),
        ))
        .what(format!("PATCH floating tag {name} of {repo} to {commit}"))
        .needs("contents: write")
        .json(&serde_json::json!({"sha": commit, "force": true}));
        if exists {
            return self.api.send(&update).await.map(|_| ());
        }
        let create = Request::post(GitHub::repo_path(repo, "/git/refs"))
            .what(format!("POST floating tag {name} of {repo} at {commit}"))
            .needs("contents: write")
            .json(&serde_json::json!({"ref": format!("refs/tags/{name}"), "sha": commit}));
        match self.api.send(&create).await {
            Ok(_) => Ok(()),
            Err(ForgeError::Conflict { status: 422, .. }) => {
                self.api.send(&update).await.map(|_| ())
            }
            Err(e) => Err(e),
        }
    }

    async fn default_branch(&self, repo: &str) -> Result<String, ForgeError> {
        let request = Request::get(GitHub::repo_path(repo, ""))
            .what(format!("GET repository {repo}"))
            .needs("metadata: read");
        Ok(self.api.json::<Repository>(&request).await?.default_branch)
    }

    async fn commits(
        &self,
        repo: &str,
        reference: &str,
        limit: usize,
    ) -> Result<Vec<RemoteCommit>, ForgeError> {
        let request = Request::get(GitHub::repo_path(repo, "/commits"))
            .query("sha", reference)
            .query("per_page", limit.clamp(1, PAGE_SIZE))
            .what(format!("GET commits of {reference} in {repo}"))
            .needs("contents: read");
        let listed: Vec<ListedCommit> = self.api.pages(&request, limit, Items::Array).await?;
        Ok(listed.into_iter().map(|c| c.into_remote(true)).collect())
    }

    /// `GET /repos/{owner}/{repo}/compare/{basehead}` ("Compare two commits"): the
    /// commits of `head` since the merge base, oldest first, paged with
    /// `per_page`/`page` and counted by `total_commits`.
    async fn compare_commits(
        &self,
        repo: &str,
        base: &str,
        head: &str,
    ) -> Result<Vec<RemoteCommit>, ForgeError> {
        let request = Request::get(GitHub::repo_path(
            repo,
            &format!("/compare/{}...{}", encode_path(base), encode_path(head)),
        ))
        .query("per_page", PAGE_SIZE)
        .query("page", 1)
        .what(format!("GET compare {base}...{head} of {repo}"))
        .needs("contents: read");
        let items = Items::Field {
            list: "commits",
            total: "total_commits",
        };
        let listed: Vec<ListedCommit> = self.api.pages(&request, usize::MAX, items).await?;
        Ok(listed.into_iter().map(|c| c.into_remote(false)).collect())
    }
}
