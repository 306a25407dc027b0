//! The API transport: tags made through the forge's REST API ([`Forge`]): on GitHub a
//! tag object and a `refs/tags/X` ref, on GitLab the repository tags API with a
//! message. Retries, time-outs and 401/403 hints are the forge layer's.

use super::{Check, Group, PlannedRef, TagPlan, TagStatus, TaggingError};
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
    async fn check(&self, tag: &PlannedRef) -> Result<Check, ForgeError> {
        if !tag.is_tag() {
            return Ok(Check::Done(
                TagStatus::Failed,
                Some("branches are made through the git transport (--forge git)".into()),
            ));
        }
        // Both questions at once: one round trip instead of two per repository.
        let (found, commit_exists) = tokio::join!(
            self.forge.tag(&self.repo, &tag.name),
            self.forge.commit_exists(&self.repo, &tag.commit)
        );
        if let Some(found) = found? {
            return Ok(if found.commit == tag.commit {
                Check::Done(TagStatus::Exists, None)
            } else {
                Check::Done(
                    TagStatus::Conflict,
                    Some(format!("the remote's tag is on {}", found.commit)),
                )
            });
        }
        Ok(if commit_exists? {
            Check::Ready
        } else {
            Check::Done(
                TagStatus::MissingCommit,
                Some(format!("{} has no commit {}", self.repo, tag.commit)),
            )
        })
    }

    async fn make(&self, tag: &PlannedRef) -> Result<(TagStatus, Option<String>), ForgeError> {
        let message = tag.message().unwrap_or_default();
        match self
            .forge
            .create_annotated_tag(&self.repo, &tag.name, &tag.commit, message)
            .await?
        {
            TagCreation::Created => Ok((TagStatus::Created, None)),
            // Made by someone else since the preflight: report it as it is.
            TagCreation::AlreadyExists => match self.forge.tag(&self.repo, &tag.name).await? {
                Some(found) if found.commit == tag.commit => Ok((
                    TagStatus::Exists,
                    Some("made by someone else during this run".into()),
                )),
                Some(found) => Ok((
                    TagStatus::Conflict,
                    Some(format!(
                        "the remote's tag is on {} (made during this run)",
                        found.commit
                    )),
                )),
                None => Ok((
                    TagStatus::Failed,
                    Some("the forge says the tag exists but does not show it".into()),
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
