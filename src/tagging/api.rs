//! The API transport: tags and branches made through the forge's REST API
//! (`Forge`): on GitHub a tag object and a `refs/tags/X` ref, a `refs/heads/X` ref
//! for a branch; on GitLab the repository tags API with a message and the branches
//! API. Neither ever moves an existing ref. Retries, time-outs and 401/403 hints are
//! the forge layer's.

use super::{Check, Group, PlannedRef, RefKind, TagPlan, TagStatus, TaggingError};
use crate::forge::{Forge, ForgeError, ForgeSettings, TagCreation};
use std::sync::Arc;

/// `owner/name` of a repo of the request: as written, or the path of a URL on the
/// forge's own server.
pub fn project_path(repo: &str, server_url: &str) -> Result<String, String> {
    let server = server_url.trim_end_matches('/');
    let path = match repo.split_once("://") {
        Some(_) => {
            let without_user = crate::git::strip_userinfo(repo);
            without_user
                .strip_prefix(server)
                .and_then(|p| p.strip_prefix('/'))
                .map(|p| p.trim_end_matches('/').trim_end_matches(".git").to_string())
                .ok_or_else(|| {
                    format!(
                        "repo {without_user} is not on {server}; through the API give it as owner/name, or use --forge git"
                    )
                })?
        }
        None => repo.to_string(),
    };
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) || path.contains(':') {
        return Err(format!(
            "repo `{repo}` is not owner/name (through the API every repo is a project of the forge)"
        ));
    }
    Ok(path)
}

/// Connects to the forge and groups the plan by repository.
pub(crate) async fn groups(
    plan: &TagPlan,
    settings: &ForgeSettings,
) -> Result<Vec<ApiGroup>, TaggingError> {
    let mut groups: Vec<ApiGroup> = Vec::new();
    let mut paths = Vec::new();
    for tag in &plan.refs {
        let path = project_path(&tag.repo, &settings.server_url).map_err(|message| {
            TaggingError::Invalid {
                location: tag.location.clone(),
                message,
            }
        })?;
        paths.push(path);
    }
    if plan.refs.is_empty() {
        return Ok(groups);
    }
    let forge: Arc<dyn Forge> = Arc::from(crate::forge::connect(settings).await?);
    for (index, path) in paths.into_iter().enumerate() {
        match groups.iter_mut().find(|g| g.repo == path) {
            Some(group) => group.members.push(index),
            None => groups.push(ApiGroup {
                forge: forge.clone(),
                repo: path,
                members: vec![index],
            }),
        }
    }
    Ok(groups)
}

/// One repository of the forge.
pub(crate) struct ApiGroup {
    forge: Arc<dyn Forge>,
    repo: String,
    members: Vec<usize>,
}

impl Group for ApiGroup {
    fn members(&self) -> &[usize] {
        &self.members
    }

    async fn preflight(self, tags: Vec<PlannedRef>) -> (Self, Vec<Check>) {
        let mut checks = Vec::new();
        for tag in &tags {
            checks.push(
                self.check(tag)
                    .await
                    .unwrap_or_else(|e| Check::Done(TagStatus::Failed, Some(e.to_string()))),
            );
        }
        (self, checks)
    }

    async fn create(self, tags: Vec<PlannedRef>) -> Vec<(TagStatus, Option<String>)> {
        let mut out = Vec::new();
        for tag in &tags {
            out.push(
                self.make(tag)
                    .await
                    .unwrap_or_else(|e| (TagStatus::Failed, Some(e.to_string()))),
            );
        }
        out
    }
}

impl ApiGroup {
    /// Where the tag or branch is now, if it exists.
    async fn find(&self, planned: &PlannedRef) -> Result<Option<String>, ForgeError> {
        match planned.kind {
            RefKind::Tag { .. } => Ok(self
                .forge
                .tag(&self.repo, &planned.name)
                .await?
                .map(|t| t.commit)),
            RefKind::Branch => self.forge.branch(&self.repo, &planned.name).await,
        }
    }

    async fn check(&self, planned: &PlannedRef) -> Result<Check, ForgeError> {
        // Both questions at once: one round trip instead of two per repository.
        let (found, commit_exists) = tokio::join!(
            self.find(planned),
            self.forge.commit_exists(&self.repo, &planned.commit)
        );
        if let Some(found) = found? {
            return Ok(if found == planned.commit {
                Check::Done(TagStatus::Exists, None)
            } else {
                Check::Done(
                    TagStatus::Conflict,
                    Some(format!("the remote's {} is on {found}", planned.noun())),
                )
            });
        }
        Ok(if commit_exists? {
            Check::Ready
        } else {
            Check::Done(
                TagStatus::MissingCommit,
                Some(format!("{} has no commit {}", self.repo, planned.commit)),
            )
        })
    }

    async fn make(&self, planned: &PlannedRef) -> Result<(TagStatus, Option<String>), ForgeError> {
        let creation = match &planned.kind {
            RefKind::Tag { message, .. } => {
                self.forge
                    .create_annotated_tag(&self.repo, &planned.name, &planned.commit, message)
                    .await?
            }
            RefKind::Branch => {
                self.forge
                    .create_branch(&self.repo, &planned.name, &planned.commit)
                    .await?
            }
        };
        match creation {
            TagCreation::Created => Ok((TagStatus::Created, None)),
            // Made by someone else since the preflight: report it as it is.
            TagCreation::AlreadyExists => match self.find(planned).await? {
                Some(found) if found == planned.commit => Ok((
                    TagStatus::Exists,
                    Some("made by someone else during this run".into()),
                )),
                Some(found) => Ok((
                    TagStatus::Conflict,
                    Some(format!(
                        "the remote's {} is on {found} (made during this run)",
                        planned.noun()
                    )),
                )),
                None => Ok((
                    TagStatus::Failed,
                    Some(format!(
                        "the forge says the {} exists but does not show it",
                        planned.noun()
                    )),
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repos_become_project_paths() {
        let server = "https://gitlab.example.org";
        assert_eq!(project_path("acme/api", server).unwrap(), "acme/api");
        assert_eq!(
            project_path("group/sub/api", server).unwrap(),
            "group/sub/api"
        );
        assert_eq!(
            project_path("https://gitlab.example.org/acme/api.git", server).unwrap(),
            "acme/api"
        );
        assert!(
            project_path("https://elsewhere.org/acme/api.git", server)
                .unwrap_err()
                .starts_with("repo https://elsewhere.org/acme/api.git is not on")
        );
        assert!(project_path("api", server).is_err());
        assert!(project_path("git@h:acme/api", server).is_err());
    }
}
