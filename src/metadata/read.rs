//! read-tag-metadata: the metadata of the tag a pipeline runs for.
//!
//! The local tag is not always the real one: GitHub's actions/checkout replaces the
//! annotated tag that triggered the run with a lightweight one (actions/checkout#290)
//! and GitLab clones shallow. So the tag is looked for, in order, in the local
//! repository, on the remote (re-fetched over the local one), in GitLab's
//! `CI_COMMIT_TAG_MESSAGE`, and through the forge API; the first annotation wins.

use super::{MetadataError, TagMetadata};
use crate::Result;
use crate::ci::{CiContext, Outputs};
use crate::forge::{ForgeSettings, RemoteTag};
use crate::git::{Annotation, Git, TagRef};
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

/// The fixed outputs.
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

/// The keys of the tag format (README, "Tag message"): each is an output of its own name.
pub const WELL_KNOWN_KEYS: [&str; 8] = [
    "version",
    "team",
    "diff-start",
    "series",
    "branch",
    "release-type",
    "pypi",
    "first",
];

/// The output of any other metadata key is named with this prefix (`announce` →
/// `meta-announce`, dotenv `META_ANNOUNCE`). Metadata comes from whoever wrote the tag
/// or the merged request; a dotenv variable outranks the job's own variables on
/// GitLab, so no key may become a name the platform, git, the shell or our inputs use.
pub const OTHER_KEY_PREFIX: &str = "meta-";

/// The output name of metadata key `key`, or `None` when the key gets none (it is
/// still in `metadata`). Keys are matched without regard to case, as git matches
/// trailers (`Release-Type` is `release-type`); past that, only letters, digits and
/// single inner hyphens name an output, so no key is renamed into another's name
/// (`release:Code-Review+2`, `release_type` get none).
pub fn output_of_key(key: &str) -> Option<String> {
    let key = key.to_ascii_lowercase();
    if WELL_KNOWN_KEYS.contains(&key.as_str()) {
        return Some(key);
    }
    let plain = key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    plain.then(|| format!("{OTHER_KEY_PREFIX}{key}"))
}

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
        let mut unnamed = Vec::new();
        let mut keys = self.metadata.keys();
        // The well-known keys first (when a dotenv report reaches GitLab's limit of
        // variables, the last outputs are left out), and a key in the case of its
        // output name before one that differs only in case.
        keys.sort_by_key(|k| {
            let known = WELL_KNOWN_KEYS.contains(&k.to_ascii_lowercase().as_str());
            (!known, k.to_ascii_lowercase() != *k)
        });
        let mut named: Vec<(String, &str)> = Vec::new();
        for key in keys {
            match output_of_key(key) {
                Some(name) => match named.iter().find(|(n, _)| *n == name) {
                    Some((_, first)) => warnings.push(format!(
                        "metadata key `{key}` has the output name `{name}` of key `{first}`; \
                         it is only in `metadata`"
                    )),
                    None => {
                        outputs.set(name.as_str(), self.metadata.get(key).unwrap_or_default());
                        named.push((name, key));
                    }
                },
                None => unnamed.push(format!("`{key}`")),
            }
        }
        if !unnamed.is_empty() {
            warnings.push(format!(
                "metadata {} only in `metadata`: an output of its own needs a key of letters, \
                 digits and single hyphens",
                if unnamed.len() == 1 {
                    format!("key {} is", unnamed[0])
                } else {
                    format!("keys {} are", unnamed.join(", "))
                },
            ));
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
        .or_else(|| git.remote_repository(&request.remote));
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
        return Err(MetadataError::MissingKeys { tag, missing }.into());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_keys_keep_their_names_and_others_get_the_prefix() {
        assert_eq!(output_of_key("series").as_deref(), Some("series"));
        assert_eq!(
            output_of_key("release-type").as_deref(),
            Some("release-type")
        );
        assert_eq!(output_of_key("announce").as_deref(), Some("meta-announce"));
        assert_eq!(output_of_key("sbom2").as_deref(), Some("meta-sbom2"));
        // What a hostile tag would set in the next job, were keys their own names.
        for key in [
            "ci-api-v4-url",
            "git-ssl-no-verify",
            "bash-env",
            "input-dry-run",
        ] {
            assert_eq!(output_of_key(key), Some(format!("meta-{key}")));
        }
    }

    #[test]
    fn keys_that_would_fold_get_no_output_of_their_own() {
        assert_eq!(
            output_of_key("Release-Type").as_deref(),
            Some("release-type")
        );
        assert_eq!(output_of_key("Announce").as_deref(), Some("meta-announce"));
        assert_eq!(
            output_of_key("Signed-off-by").as_deref(),
            Some("meta-signed-off-by")
        );
        for key in [
            "release_type",
            "release:Code-Review+2",
            "a--b",
            "-a",
            "a-",
            "1st",
            "",
            "CI_API_V4_URL",
        ] {
            assert_eq!(output_of_key(key), None, "{key}");
        }
    }
}
