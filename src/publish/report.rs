//! What publish-release reports: the release and one entry per file.

use super::AssetFile;
use crate::ci::Platform;
use crate::forge::ForgeRelease;

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetStatus {
    Uploaded,
    /// Already in the release with the same content.
    Unchanged,
    /// Already uploaded by an earlier run (GitLab package registry), now linked.
    Attached,
    WouldUpload,
    WouldAttach,
}

impl AssetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetStatus::Uploaded => "uploaded",
            AssetStatus::Unchanged => "unchanged",
            AssetStatus::Attached => "attached",
            AssetStatus::WouldUpload => "would upload",
            AssetStatus::WouldAttach => "would attach",
        }
    }
}

/// One file of the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AssetOutcome {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub status: AssetStatus,
    /// Where it is downloaded (empty in a dry run for a file not uploaded yet).
    pub url: String,
    #[serde(skip)]
    pub source: String,
}

/// What became of the release itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseAction {
    /// The release is new.
    Created,
    /// The release existed; its title, notes or flags were rewritten, or files added.
    Updated,
    /// The release already said and held everything: nothing was written.
    Unchanged,
}

impl ReleaseAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseAction::Created => "created",
            ReleaseAction::Updated => "updated",
            ReleaseAction::Unchanged => "unchanged",
        }
    }
}

/// What publish-release did (or, in a dry run, would do).
#[derive(Debug, Clone)]
pub struct PublishReport {
    pub repo: String,
    pub tag: String,
    pub platform: Platform,
    /// The release as it stands afterwards; in a dry run, as it stood (or `None`).
    pub release: Option<ForgeRelease>,
    /// What became (or, in a dry run, would become) of the release.
    pub action: ReleaseAction,
    pub prerelease: bool,
    pub assets: Vec<AssetOutcome>,
    /// The CI runs whose artifacts were shipped.
    pub runs: Vec<String>,
    pub dry_run: bool,
}

impl PublishReport {
    pub fn url(&self) -> &str {
        self.release.as_ref().map_or("", |r| r.web_url.as_str())
    }

    pub fn id(&self) -> &str {
        self.release.as_ref().map_or("", |r| r.id.as_str())
    }
}

pub(super) fn outcome(file: &AssetFile, status: AssetStatus, url: String) -> AssetOutcome {
    AssetOutcome {
        name: file.name.clone(),
        size: file.size(),
        sha256: file.sha256.clone(),
        status,
        url,
        source: file.source.clone(),
    }
}
