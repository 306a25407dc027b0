//! The errors of publish-release.

use std::path::PathBuf;

/// Errors of publish-release.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "no tag given: pass --tag, or run in a tag pipeline (GITHUB_REF_TYPE=tag, or CI_COMMIT_TAG)"
    )]
    NoTag,
    #[error("no repository given: pass --repo owner/name (or run in GitHub Actions or GitLab CI)")]
    NoRepository,
    #[error("publish-release needs a forge API: pass --forge github or --forge gitlab")]
    NoApi,
    #[error("cannot read the notes file {}", path.display())]
    Notes {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("--asset {path}: no such file")]
    NoFile { path: String },
    #[error("--asset {pattern} matches no file")]
    NoMatch { pattern: String },
    #[error("--asset {pattern} is not a valid glob: {reason}")]
    BadGlob { pattern: String, reason: String },
    #[error(
        "--asset {pattern}: the path leaves the working folder (an absolute path or `..`); name files inside it"
    )]
    Escapes { pattern: String },
    #[error(
        "--asset {pattern}: {path} is a symbolic link, or lies under one, that leads outside the working folder; name files inside it"
    )]
    LinkLeaves { pattern: String, path: String },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("two assets are named {name}: {first} and {second}; a release holds one file per name")]
    DuplicateName {
        name: String,
        first: String,
        second: String,
    },
    #[error(
        "a pre-release cannot be the latest release: drop --make-latest yes, or pass --prerelease no"
    )]
    LatestPrerelease,
    #[error(
        "tag {tag} does not exist in {repo}; publish-release publishes the release of an existing tag"
    )]
    TagNotFound { tag: String, repo: String },
    #[error("no CI run built {commit} (tag {tag}) in {repo}{}", filter.as_ref().map(|f| format!(" named {f}")).unwrap_or_default())]
    NoBuildRun {
        tag: String,
        commit: String,
        repo: String,
        filter: Option<String>,
    },
    #[error("refusing to promote the artifacts of {commit}: {}", runs.join("; "))]
    RunNotSucceeded { commit: String, runs: Vec<String> },
    #[error("the CI runs of {commit} have no artifacts: {}", runs.join(", "))]
    NoArtifacts { commit: String, runs: Vec<String> },
    #[error("artifact {name} of {run} has expired; re-run the build or publish from files")]
    ArtifactExpired { name: String, run: String },
    #[error("no artifact file matches --asset {pattern}")]
    NoArtifactMatch { pattern: String },
    #[error("{origin} is not a zip archive: {reason}")]
    BadArchive { origin: String, reason: String },
    #[error("{} already in release {tag} of {repo} with other content: {}; rename the file or remove the asset from the release", if conflicts.len() == 1 { "an asset is" } else { "assets are" }, conflicts.join("; "))]
    Conflict {
        tag: String,
        repo: String,
        conflicts: Vec<String>,
    },
    #[error(
        "release {tag} of {repo} is immutable: GitHub lets only its title and notes change, \
         so it cannot take {refused}; publish them as a new version"
    )]
    Immutable {
        tag: String,
        repo: String,
        refused: String,
    },
    /// A failure after the release was staged, and what became of the staged release.
    #[error("{cause}; {cleanup}")]
    Aborted { cause: String, cleanup: String },
    /// A failure while adding to a release that is already published.
    #[error("{cause}; release {tag} is published and has these new assets so far: {}", if uploaded.is_empty() { "none".to_string() } else { uploaded.join(", ") })]
    Partial {
        cause: String,
        tag: String,
        uploaded: Vec<String>,
    },
}

impl crate::Problem for PublishError {
    fn is_bad_input(&self) -> bool {
        matches!(
            self,
            PublishError::NoTag
                | PublishError::NoRepository
                | PublishError::NoApi
                | PublishError::Notes { .. }
                | PublishError::NoFile { .. }
                | PublishError::NoMatch { .. }
                | PublishError::BadGlob { .. }
                | PublishError::Escapes { .. }
                | PublishError::LinkLeaves { .. }
                | PublishError::Read { .. }
                | PublishError::DuplicateName { .. }
                | PublishError::LatestPrerelease
        )
    }

    fn location(&self) -> Option<&crate::Location> {
        None
    }
}
