//! Tags, commits, the project's default branch, and compare.

use super::{GitLab, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{ForgeError, RemoteCommit, RemoteTag, TagApi, TagCreation, encode_segment};
use crate::git::{Annotation, split_signature};
use serde::Deserialize;

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

/// `GET /projects/:id/repository/branches/:branch` ("Get single repository branch").
#[derive(Deserialize)]
struct Branch {
    commit: TagCommit,
}

/// `GET /projects/:id` ("Get a single project").
#[derive(Deserialize)]
struct Project {
    default_branch: Option<String>,
}

/// An item of `GET /projects/:id/repository/commits`.
#[derive(Deserialize)]
struct Commit {
    id: String,
    #[serde(default)]
    title: String,
    message: Option<String>,
    #[serde(default)]
    parent_ids: Vec<String>,
    web_url: Option<String>,
}

impl Commit {
    fn into_remote(self, with_url: bool) -> RemoteCommit {
        RemoteCommit {
            sha: self.id,
            message: self
                .message
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| self.title.clone()),
            title: self.title,
            parents: self.parent_ids.len(),
            web_url: self.web_url.filter(|_| with_url),
        }
    }
}

#[async_trait::async_trait]
impl TagApi for GitLab {
    /// `GET /projects/:id/repository/tags` ("List project repository tags"), paged:
    /// each tag with its commit.
    async fn tag_commits(&self, repo: &str) -> Result<Vec<(String, String)>, ForgeError> {
        let what = format!("GET tags of {repo}");
        self.outside_job_token(|| what.clone(), "read_api")?;
        let request = Request::get(GitLab::project(repo, "/repository/tags"))
            .query("per_page", PAGE_SIZE)
            .what(&what)
            .needs("read_api");
        let listed: Vec<Tag> = self
            .api
            .pages(&request, crate::forge::TAG_LIST_LIMIT, Items::Array)
            .await?;
        Ok(listed.into_iter().map(|t| (t.name, t.commit.id)).collect())
    }

    async fn tag(&self, repo: &str, name: &str) -> Result<Option<RemoteTag>, ForgeError> {
        let what = format!("GET tag {name} of {repo}");
        let found = if self.job_token {
            // The job token may list tags but not read one: the list, searched for
            // exactly this name (`^name$`).
            let request = Request::get(GitLab::project(repo, "/repository/tags"))
                .query("search", format!("^{name}$"))
                .what(&what)
                .needs("read_api");
            let tags: Vec<Tag> = self.api.pages(&request, usize::MAX, Items::Array).await?;
            tags.into_iter().find(|t| t.name == name)
        } else {
            let request = Request::get(GitLab::project(
                repo,
                &format!("/repository/tags/{}", encode_segment(name)),
            ))
            .what(&what)
            .needs("read_api");
            self.api.optional::<Tag>(&request).await?
        };
        let Some(tag) = found else {
            return Ok(None);
        };
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

    async fn commit_exists(&self, repo: &str, sha: &str) -> Result<bool, ForgeError> {
        let request = Request::get(GitLab::project(repo, &format!("/repository/commits/{sha}")))
            .what(format!("GET commit {sha} of {repo}"))
            .needs("read_api");
        match self.api.send(&request).await {
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
        self.outside_job_token(|| format!("POST tag {name} of {repo}"), "api")?;
        let request = Request::post(GitLab::project(repo, "/repository/tags"))
            .what(format!("POST tag {name} of {repo}"))
            .needs(
                "api (creating a tag through the API needs the `api` scope and the Developer \
                 role; a git push needs `write_repository`)",
            )
            .json(&serde_json::json!({"tag_name": name, "ref": commit, "message": message}));
        match self.api.send(&request).await {
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

    async fn branch(&self, repo: &str, name: &str) -> Result<Option<String>, ForgeError> {
        let request = Request::get(GitLab::project(
            repo,
            &format!("/repository/branches/{}", encode_segment(name)),
        ))
        .what(format!("GET branch {name} of {repo}"))
        .needs("read_api");
        Ok(self
            .api
            .optional::<Branch>(&request)
            .await?
            .map(|b| b.commit.id))
    }

    /// `POST /projects/:id/repository/branches` with `branch` and `ref` ("Create
    /// repository branch"): a branch already there is a 400, never moved.
    async fn create_branch(
        &self,
        repo: &str,
        name: &str,
        commit: &str,
    ) -> Result<TagCreation, ForgeError> {
        let request = Request::post(GitLab::project(repo, "/repository/branches"))
            .query("branch", name)
            .query("ref", commit)
            .what(format!("POST branch {name} of {repo}"))
            .needs(
                "api (creating a branch through the API needs the `api` scope and the \
                 Developer role; a git push needs `write_repository`)",
            );
        match self.api.send(&request).await {
            Ok(_) => Ok(TagCreation::Created),
            // 400 "Branch already exists": the branch itself says whether that is so.
            Err(
                error @ (ForgeError::Unexpected { status: 400, .. } | ForgeError::Conflict { .. }),
            ) => match self.branch(repo, name).await? {
                Some(_) => Ok(TagCreation::AlreadyExists),
                None => Err(error),
            },
            Err(e) => Err(e),
        }
    }

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
        self.outside_job_token(
            || format!("moving the floating tag {name} of {repo}"),
            "api",
        )?;
        if exists {
            let request = Request::delete(GitLab::project(
                repo,
                &format!("/repository/tags/{}", encode_segment(name)),
            ))
            .what(format!("DELETE floating tag {name} of {repo} (to move it)"))
            .needs("api (and the right to delete the tag if it is protected)");
            match self.api.send(&request).await {
                Ok(_) | Err(ForgeError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let request = Request::post(GitLab::project(repo, "/repository/tags"))
            .what(format!("POST floating tag {name} of {repo} at {commit}"))
            .needs("api")
            .json(&serde_json::json!({"tag_name": name, "ref": commit}));
        self.api.send(&request).await.map(|_| ()).map_err(|e| {
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

    async fn default_branch(&self, repo: &str) -> Result<String, ForgeError> {
        let what = format!("GET project {repo}");
        self.outside_job_token(|| what.clone(), "read_api")?;
        let request = Request::get(GitLab::project(repo, ""))
            .what(&what)
            .needs("read_api");
        let project: Project = self.api.json(&request).await?;
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
        self.outside_job_token(
            || format!("GET commits of {reference} in {repo}"),
            "read_api",
        )?;
        let request = Request::get(GitLab::project(repo, "/repository/commits"))
            .query("ref_name", reference)
            .query("per_page", limit.clamp(1, PAGE_SIZE))
            .what(format!("GET commits of {reference} in {repo}"))
            .needs("read_api");
        let commits: Vec<Commit> = self.api.pages(&request, limit, Items::Array).await?;
        Ok(commits.into_iter().map(|c| c.into_remote(true)).collect())
    }

    async fn compare_commits(
        &self,
        repo: &str,
        base: &str,
        head: &str,
    ) -> Result<Vec<RemoteCommit>, ForgeError> {
        self.outside_job_token(
            || format!("GET compare {base}...{head} of {repo}"),
            "read_api",
        )?;
        // The commit list of the revision range `base..head` (what `head` has and `base`
        // lacks, as compare's merge base gives), read page by page; compare itself is
        // one unpaged answer that carries every diff of the range too.
        let request = Request::get(GitLab::project(repo, "/repository/commits"))
            .query("ref_name", format!("{base}..{head}"))
            .query("per_page", PAGE_SIZE)
            .what(format!("GET compare {base}...{head} of {repo}"))
            .needs("read_api");
        let mut commits: Vec<Commit> = self.api.pages(&request, usize::MAX, Items::Array).await?;
        // The list is newest first; compare's order is oldest first.
        commits.reverse();
        Ok(commits.into_iter().map(|c| c.into_remote(false)).collect())
    }
}
