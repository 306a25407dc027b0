//! Releases, their assets, and the CI runs whose artifacts a release ships: the shapes
//! the [`Forge`](super::Forge) methods of publish-release and verify-release trade in.
//!
//! GitHub and GitLab publish differently, and these types carry the difference so the
//! tools do not have to ask which forge they talk to. GitHub has drafts: a release is
//! staged as a draft, its assets are uploaded into it, and publishing flips it. GitLab
//! has none: files go to the project's generic package registry first and the release
//! is created, with links to them, only when everything is there.

use bytes::Bytes;

/// A release of a tag as the forge reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ForgeRelease {
    /// GitHub's numeric release id; GitLab names a release by its tag.
    pub id: String,
    pub tag: String,
    pub name: String,
    /// The release notes (GitHub's `body`, GitLab's `description`; empty when none).
    pub notes: String,
    /// The release page.
    pub web_url: String,
    pub state: ReleaseState,
    /// GitHub's pre-release flag; always false on GitLab, which has none.
    pub prerelease: bool,
    /// What the release holds: GitHub's assets, GitLab's asset links. Files uploaded
    /// for the release but not linked yet (GitLab) are listed with `attached: false`.
    pub assets: Vec<ReleaseAsset>,
    /// Where GitHub takes uploads (the release's `upload_url`, template removed).
    pub upload_url: Option<String>,
    /// GitHub's immutable release: once published it takes no new asset, and only its
    /// title and notes can change. Always false on GitLab.
    pub immutable: bool,
}

/// Whether anybody can see the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseState {
    /// Prepared and invisible: a GitHub draft, or a GitLab release not created yet.
    Staged,
    Published,
}

/// A file of a release.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseAsset {
    /// GitHub's asset id; GitLab's package file id (or link id).
    pub id: String,
    pub name: String,
    pub size: Option<u64>,
    /// Lower-case hex, when the forge reports it (GitHub's `digest`, GitLab's
    /// `file_sha256`).
    pub sha256: Option<String>,
    /// Where it is downloaded.
    pub url: String,
    /// Whether the release shows it (GitLab: a link exists).
    pub attached: bool,
}

/// What a release is to say.
#[derive(Debug, Clone)]
pub struct ReleaseSpec {
    pub tag: String,
    pub name: String,
    /// Release notes; `None` keeps what an existing release says.
    pub notes: Option<String>,
    pub prerelease: bool,
    pub make_latest: MakeLatest,
    /// GitLab's generic package that holds the files (name; the version is the tag).
    pub package: String,
}

/// Whether the release becomes the repository's latest (GitHub's `make_latest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MakeLatest {
    /// GitHub decides by date and version (`legacy`).
    Auto,
    Yes,
    No,
}

/// One file to upload.
#[derive(Debug, Clone)]
pub struct AssetUpload<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a Bytes,
    /// Lower-case hex, to know the file again on the forge.
    pub sha256: &'a str,
}

/// Which CI run built a commit.
#[derive(Debug, Clone, Default)]
pub struct BuildRunQuery<'a> {
    pub tag: &'a str,
    pub commit: &'a str,
    /// GitHub: the workflow (file name such as `ci.yml`, path, or name); GitLab: the
    /// job. `None`: every one.
    pub name: Option<&'a str>,
    /// The run (GitHub) or pipeline (GitLab) this job belongs to.
    pub current_run: Option<u64>,
    /// GitLab: this job, left out of its own pipeline's jobs.
    pub current_job: Option<u64>,
}

/// A CI run (GitHub workflow run, GitLab pipeline) that built the commit.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildRun {
    pub id: u64,
    pub name: String,
    pub web_url: String,
    pub outcome: BuildOutcome,
    /// The artifacts of a run that succeeded (GitHub: the run's artifacts; GitLab:
    /// each successful job's archive).
    pub artifacts: Vec<BuildArtifact>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BuildOutcome {
    Succeeded,
    /// Failed, cancelled or not finished: what the forge says.
    NotSucceeded(String),
}

/// A downloadable zip archive of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildArtifact {
    /// GitHub's artifact id; GitLab's job id.
    pub id: u64,
    pub name: String,
    pub size: Option<u64>,
    /// GitHub deletes artifacts after their retention period.
    pub expired: bool,
}

/// The sha256 hex of a GitHub `digest` (`sha256:…`).
pub(crate) fn sha256_of_digest(digest: Option<&str>) -> Option<String> {
    digest
        .and_then(|d| d.strip_prefix("sha256:"))
        .map(str::to_ascii_lowercase)
}

/// `https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}` → without the
/// URI template.
pub(crate) fn strip_uri_template(url: &str) -> &str {
    url.split_once('{').map_or(url, |(base, _)| base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_urls_lose_their_template() {
        assert_eq!(
            strip_uri_template(
                "https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}"
            ),
            "https://uploads.github.com/repos/o/r/releases/1/assets"
        );
        assert_eq!(strip_uri_template("http://x/a"), "http://x/a");
    }

    #[test]
    fn digests_give_their_sha256() {
        assert_eq!(sha256_of_digest(Some("sha256:ABC")).as_deref(), Some("abc"));
        assert_eq!(sha256_of_digest(Some("sha1:abc")), None);
        assert_eq!(sha256_of_digest(None), None);
    }
}
