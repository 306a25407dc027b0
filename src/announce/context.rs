//! The data the announcement templates see (printed as JSON by `--context`): the
//! release as its tag metadata describes it, its notes, the changes since the previous
//! release, and the links to the source, the comparison, the release page and the
//! package index.

use serde::Serialize;

/// One commit of the release's range, as `git log --oneline` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub id: String,
    pub short: String,
    pub subject: String,
}

/// Links about the release; each is absent when nothing tells where it would be.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReleaseLinks {
    /// The repository's page on its forge.
    pub source: Option<String>,
    /// The forge's comparison of the previous release with this one.
    pub compare: Option<String>,
    /// The release page on the forge.
    pub release: Option<String>,
    /// The package's page on the Python Package Index (`meta:pypi: yes`).
    pub package: Option<String>,
}

/// The context of the templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnouncementContext {
    /// The project as the tag's subject names it (`oslo.i18n 6.6.0 release`).
    pub project: String,
    pub version: String,
    pub tag: String,
    /// The series, absent for an independent release (`independent`, `_independent`).
    pub series: Option<String>,
    pub branch: Option<String>,
    pub team: Option<String>,
    /// `release`, `release candidate` or `development milestone`.
    pub release_type: String,
    pub is_prerelease: bool,
    /// The first release of the series (`meta:first: yes`).
    pub first: bool,
    /// A release of a stable series: on a `stable/` branch and not its first release.
    pub stable: bool,
    pub pypi: bool,
    /// Where the range of changes starts (the tag's `diff-start`, else the previous
    /// tag); absent for the project's first release.
    pub previous: Option<String>,
    /// `owner/name` on the forge, when known.
    pub repository: Option<String>,
    /// Every metadata key of the tag, as read-tag-metadata outputs them.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The release notes or the changelog section, when given.
    pub notes: Option<String>,
    pub changes: Vec<Change>,
    pub links: ReleaseLinks,
}

/// The series of a release, or none for OpenStack's independent releases.
pub fn series_of(value: Option<String>) -> Option<String> {
    value.filter(|s| {
        let s = s.trim();
        !s.is_empty() && s != "independent" && s != "_independent" && s != "-"
    })
}
