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
    let mut search = Search::default();
    let git = Git::new(&request.repo_dir).with_credentials(forge.git_credentials());
    let mut found = in_repository(&git, request, &tag, &mut search)?;
    if found.is_none() {
        found = in_ci_variable(ctx, &tag, &mut search);
    }
    if found.is_none() {
        found = through_api(&git, request, ctx, forge, &tag, &mut search).await?;
    }
    if let Some(found) = found {
        return finish(
            request,
            tag,
            found.commit,
            Some(found.annotation),
            found.source,
            search.searched,
        );
    }
    let places = search.searched.join("; ");
    match search.lightweight_commit {
        Some(commit) if request.allow_lightweight => finish(
            request,
            tag,
            commit,
            None,
            TagSource::Local,
            search.searched,
        ),
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

/// An annotated tag, and where it was found.
struct Found {
    commit: String,
    annotation: Annotation,
    source: TagSource,
}

/// What the places looked at so far said.
#[derive(Default)]
struct Search {
    /// Each place and what it had, for the report and the error.
    searched: Vec<String>,
    /// The commit of a lightweight tag, the last one found.
    lightweight_commit: Option<String>,
}

/// The tag in the local repository, then on its remote (fetched over the local one).
fn in_repository(
    git: &Git,
    request: &ReadRequest,
    tag: &str,
    search: &mut Search,
) -> Result<Option<Found>> {
    if !git.is_repository() {
        search.searched.push(format!(
            "{}: not a git repository",
            request.repo_dir.display()
        ));
        return Ok(None);
    }
    match git.tag(tag)? {
        Some(TagRef::Annotated(t)) => {
            search
                .searched
                .push("the local repository: annotated".to_string());
            return Ok(Some(Found {
                commit: t.commit,
                annotation: t.annotation,
                source: TagSource::Local,
            }));
        }
        Some(TagRef::Lightweight { commit }) => {
            search
                .searched
                .push("the local repository: lightweight".to_string());
            search.lightweight_commit = Some(commit);
        }
        None => search
            .searched
            .push("the local repository: absent".to_string()),
    }
    let remote = &request.remote;
    let remote_name = git.remote_url_for_display(remote);
    match (&remote_name, git.fetch_tag(remote, tag)) {
        (None, _) => search
            .searched
            .push(format!("remote `{remote}`: not configured")),
        (Some(url), Ok(true)) => match git.tag(tag)? {
            Some(TagRef::Annotated(t)) => {
                search
                    .searched
                    .push(format!("remote `{remote}` ({url}): annotated"));
                return Ok(Some(Found {
                    commit: t.commit,
                    annotation: t.annotation,
                    source: TagSource::Remote,
                }));
            }
            Some(TagRef::Lightweight { commit }) => {
                search
                    .searched
                    .push(format!("remote `{remote}` ({url}): lightweight"));
                search.lightweight_commit = Some(commit);
            }
            None => search
                .searched
                .push(format!("remote `{remote}` ({url}): absent")),
        },
        (Some(url), Ok(false)) => search
            .searched
            .push(format!("remote `{remote}` ({url}): absent")),
        (Some(url), Err(e)) => search.searched.push(format!(
            "remote `{remote}` ({url}): unreachable ({})",
            first_line(&e.to_string())
        )),
    }
    Ok(None)
}

/// GitLab's `CI_COMMIT_TAG_MESSAGE`, when the pipeline runs for this tag.
fn in_ci_variable(ctx: &CiContext, tag: &str, search: &mut Search) -> Option<Found> {
    if ctx.gitlab.ci_commit_tag.as_deref() != Some(tag) {
        return None;
    }
    let Some(message) = ctx
        .gitlab
        .ci_commit_tag_message
        .as_deref()
        .filter(|m| !m.is_empty())
    else {
        search
            .searched
            .push("CI_COMMIT_TAG_MESSAGE: empty".to_string());
        return None;
    };
    search
        .searched
        .push("CI_COMMIT_TAG_MESSAGE: annotated".to_string());
    let commit = ctx
        .gitlab
        .ci_commit_sha
        .clone()
        .or_else(|| search.lightweight_commit.clone())
        .unwrap_or_default();
    let (message, signature) = crate::git::split_signature(message);
    Some(Found {
        commit,
        annotation: Annotation {
            tagger: None,
            message: message.to_string(),
            signature: signature.map(str::to_string),
        },
        source: TagSource::CiVariable,
    })
}

/// The tag through the forge's API, when there is a token and a repository to ask.
async fn through_api(
    git: &Git,
    request: &ReadRequest,
    ctx: &CiContext,
    forge: &ForgeSettings,
    tag: &str,
    search: &mut Search,
) -> Result<Option<Found>> {
    let repository = ctx
        .repository(forge.platform)
        .map(str::to_string)
        .or_else(|| git.remote_repository(&request.remote));
    let platform = forge.platform;
    match (&forge.token, platform, repository) {
        (Some(_), crate::ci::Platform::GitHub | crate::ci::Platform::GitLab, Some(repo)) => {
            let client = crate::forge::connect(forge).await?;
            match client.tag(&repo, tag).await? {
                Some(RemoteTag {
                    commit,
                    annotation: Some(annotation),
                    ..
                }) => {
                    search
                        .searched
                        .push(format!("the {platform} API ({repo}): annotated"));
                    return Ok(Some(Found {
                        commit,
                        annotation,
                        source: TagSource::Api,
                    }));
                }
                Some(RemoteTag {
                    commit,
                    annotation: None,
                    ..
                }) => {
                    search
                        .searched
                        .push(format!("the {platform} API ({repo}): lightweight"));
                    search.lightweight_commit = Some(commit);
                }
                None => search
                    .searched
                    .push(format!("the {platform} API ({repo}): absent")),
            }
        }
        (None, crate::ci::Platform::GitHub | crate::ci::Platform::GitLab, _) => search
            .searched
            .push(format!("the {platform} API: skipped, no token")),
        (Some(_), crate::ci::Platform::GitHub | crate::ci::Platform::GitLab, None) => search
            .searched
            .push(format!("the {platform} API: skipped, repository unknown")),
        _ => {}
    }
    Ok(None)
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
