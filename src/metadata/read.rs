//! read-tag-metadata: the metadata of the tag a pipeline runs for.
//!
//! The local tag is not always the real one: GitHub's actions/checkout replaces the
//! annotated tag that triggered the run with a lightweight one (actions/checkout#290)
//! and GitLab clones shallow. So the tag is looked for, in order, in the local
//! repository, on the remote (re-fetched over the local one), in GitLab's
//! `CI_COMMIT_TAG_MESSAGE`, and through the forge API; the first annotation wins.

use super::{MetadataError, TagMetadata};
use crate::ci::{CiContext, Outputs, outputs::output_name};
use crate::forge::{ForgeSettings, RemoteTag};
use crate::git::{Annotation, Git, TagRef};
use crate::{Error, Result};
use std::path::PathBuf;

/// What read-tag-metadata is asked.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub tag: Option<String>,
    pub repo_dir: PathBuf,
    pub remote: String,
    pub require: Vec<String>,
    pub allow_lightweight: bool,
}

/// Where the annotation was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagSource {
    Local,
    Remote,
    CiVariable,
    Api,
}

impl TagSource {
    pub fn describe(self) -> &'static str {
        match self {
            TagSource::Local => "the local repository",
            TagSource::Remote => "the remote (re-fetched)",
            TagSource::CiVariable => "CI_COMMIT_TAG_MESSAGE",
            TagSource::Api => "the forge API",
        }
    }
}

/// What read-tag-metadata found.
#[derive(Debug, Clone)]
pub struct TagMetadataReport {
    pub tag: String,
    pub commit: String,
    pub annotation: Option<Annotation>,
    pub metadata: TagMetadata,
    pub source: TagSource,
    /// Progress notes: every place searched and what it gave.
    pub searched: Vec<String>,
}

/// The fixed outputs; a metadata key of the same name loses (with a warning).
pub const FIXED_OUTPUTS: [&str; 8] = [
    "tag",
    "commit",
    "tagger-name",
    "tagger-email",
    "date",
    "subject",
    "message",
    "metadata",
];

impl TagMetadataReport {
    pub fn subject(&self) -> String {
        self.annotation
            .as_ref()
            .and_then(|a| a.message.lines().next())
            .unwrap_or_default()
            .to_string()
    }

    /// The outputs, and warnings for metadata keys that could not get their own.
    pub fn outputs(&self) -> (Outputs, Vec<String>) {
        let tagger = self.annotation.as_ref().and_then(|a| a.tagger.as_ref());
        let mut outputs = Outputs::new();
        outputs
            .set("tag", self.tag.as_str())
            .set("commit", self.commit.as_str())
            .set("tagger-name", tagger.map_or("", |t| t.name.as_str()))
            .set("tagger-email", tagger.map_or("", |t| t.email.as_str()))
            .set(
                "date",
                tagger
                    .and_then(|t| t.date)
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_default(),
            )
            .set("subject", self.subject())
            .set(
                "message",
                self.annotation
                    .as_ref()
                    .map_or("", |a| a.message.trim_end()),
            )
            .set(
                "metadata",
                serde_json::Value::Object(self.metadata.to_json()),
            );
        let mut warnings = Vec::new();
        for key in self.metadata.keys() {
            let name = output_name(key);
            if FIXED_OUTPUTS.contains(&name.as_str()) {
                warnings.push(format!(
                    "metadata key `{key}` has the name of a fixed output; read it from `metadata`"
                ));
                continue;
            }
            if outputs.contains(&name) {
                warnings.push(format!(
                    "metadata key `{key}` folds to the output name `{name}` of another key; read it from `metadata`"
                ));
                continue;
            }
            outputs.set(name, self.metadata.get(key).unwrap_or_default());
        }
        (outputs, warnings)
    }
}

/// Finds the tag and reads its metadata.
pub async fn read_tag_metadata(
    request: &ReadRequest,
    ctx: &CiContext,
    forge: &ForgeSettings,
) -> Result<TagMetadataReport> {
    let tag = request
        .tag
        .clone()
        .filter(|t| !t.is_empty())
        .or_else(|| ctx.pipeline_tag().map(str::to_string))
        .ok_or(MetadataError::NoTag)?;
    let mut searched = Vec::new();
    let mut lightweight_commit: Option<String> = None;

    let git = Git::new(&request.repo_dir).with_credentials(forge.git_credentials());
    if git.is_repository() {
        match git.tag(&tag)? {
            Some(TagRef::Annotated(t)) => {
                searched.push("the local repository: annotated".to_string());
                return finish(
                    request,
                    tag,
                    t.commit,
                    Some(t.annotation),
                    TagSource::Local,
                    searched,
                );
            }
            Some(TagRef::Lightweight { commit }) => {
                searched.push("the local repository: lightweight".to_string());
                lightweight_commit = Some(commit);
            }
            None => searched.push("the local repository: absent".to_string()),
        }
        let remote_name = git.remote_url_for_display(&request.remote);
        match (&remote_name, git.fetch_tag(&request.remote, &tag)) {
            (None, _) => searched.push(format!("remote `{}`: not configured", request.remote)),
            (Some(url), Ok(true)) => match git.tag(&tag)? {
                Some(TagRef::Annotated(t)) => {
                    searched.push(format!("remote `{}` ({url}): annotated", request.remote));
                    return finish(
                        request,
                        tag,
                        t.commit,
                        Some(t.annotation),
                        TagSource::Remote,
                        searched,
                    );
                }
                Some(TagRef::Lightweight { commit }) => {
                    searched.push(format!("remote `{}` ({url}): lightweight", request.remote));
                    lightweight_commit = Some(commit);
                }
                None => searched.push(format!("remote `{}` ({url}): absent", request.remote)),
            },
            (Some(url), Ok(false)) => {
                searched.push(format!("remote `{}` ({url}): absent", request.remote))
            }
            (Some(url), Err(e)) => searched.push(format!(
                "remote `{}` ({url}): unreachable ({})",
                request.remote,
                first_line(&e.to_string())
            )),
        }
    } else {
        searched.push(format!(
            "{}: not a git repository",
            request.repo_dir.display()
        ));
    }

    if ctx.gitlab.ci_commit_tag.as_deref() == Some(tag.as_str()) {
        match ctx
            .gitlab
            .ci_commit_tag_message
            .as_deref()
            .filter(|m| !m.is_empty())
        {
            Some(message) => {
                searched.push("CI_COMMIT_TAG_MESSAGE: annotated".to_string());
                let commit = ctx
                    .gitlab
                    .ci_commit_sha
                    .clone()
                    .or(lightweight_commit)
                    .unwrap_or_default();
                let (message, signature) = crate::git::split_signature(message);
                let annotation = Annotation {
                    tagger: None,
                    message: message.to_string(),
                    signature: signature.map(str::to_string),
                };
                return finish(
                    request,
                    tag,
                    commit,
                    Some(annotation),
                    TagSource::CiVariable,
                    searched,
                );
            }
            None => searched.push("CI_COMMIT_TAG_MESSAGE: empty".to_string()),
        }
    }

    let repository = ctx
        .repository(forge.platform)
        .map(str::to_string)
        .or_else(|| repository_from_remote(&git, &request.remote));
    match (&forge.token, forge.platform, repository) {
        (Some(_), crate::ci::Platform::GitHub | crate::ci::Platform::GitLab, Some(repo)) => {
            let client = crate::forge::connect(forge).await?;
            match client.tag(&repo, &tag).await? {
                Some(RemoteTag {
                    commit,
                    annotation: Some(annotation),
                    ..
                }) => {
                    searched.push(format!("the {} API ({repo}): annotated", forge.platform));
                    return finish(
                        request,
                        tag,
                        commit,
                        Some(annotation),
                        TagSource::Api,
                        searched,
                    );
                }
                Some(RemoteTag {
                    commit,
                    annotation: None,
                    ..
                }) => {
                    searched.push(format!("the {} API ({repo}): lightweight", forge.platform));
                    lightweight_commit = Some(commit);
                }
                None => searched.push(format!("the {} API ({repo}): absent", forge.platform)),
            }
        }
        (None, crate::ci::Platform::GitHub | crate::ci::Platform::GitLab, _) => {
            searched.push(format!("the {} API: skipped, no token", forge.platform))
        }
        (Some(_), crate::ci::Platform::GitHub | crate::ci::Platform::GitLab, None) => searched
            .push(format!(
                "the {} API: skipped, repository unknown",
                forge.platform
            )),
        _ => {}
    }

    let places = searched.join("; ");
    match lightweight_commit {
        Some(commit) if request.allow_lightweight => {
            finish(request, tag, commit, None, TagSource::Local, searched)
        }
        Some(_) => Err(MetadataError::Lightweight {
            tag,
            searched: places,
        }
        .into()),
        None => Err(MetadataError::NotFound {
            tag,
            searched: places,
        }
        .into()),
    }
}

fn finish(
    request: &ReadRequest,
    tag: String,
    commit: String,
    annotation: Option<Annotation>,
    source: TagSource,
    searched: Vec<String>,
) -> Result<TagMetadataReport> {
    let metadata = annotation
        .as_ref()
        .map(|a| TagMetadata::parse(&a.message))
        .unwrap_or_default();
    let missing: Vec<String> = request
        .require
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty() && metadata.get(k).is_none())
        .map(str::to_string)
        .collect();
    if !missing.is_empty() {
        return Err(Error::Metadata(MetadataError::MissingKeys { tag, missing }));
    }
    Ok(TagMetadataReport {
        tag,
        commit,
        annotation,
        metadata,
        source,
        searched,
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// `owner/name` from a remote URL such as `https://github.com/owner/name.git`.
pub(crate) fn repository_from_remote(git: &Git, remote: &str) -> Option<String> {
    let url = git.remote_url_for_display(remote)?;
    let path = url
        .split_once("://")
        .map(|(_, rest)| rest.split_once('/').map_or("", |(_, p)| p))
        .or_else(|| url.split_once(':').map(|(_, p)| p))?;
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    path.contains('/').then(|| path.to_string())
}
