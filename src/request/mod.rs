//! Release request files (README "Release request files"): OpenStack's deliverable
//! shape (`releases` → `version` → `projects` → `repo`/`hash`, `branches`, `team`,
//! `flags`, …) with our keys (`series`, `branch`, `metadata`, a project's `tag`), read
//! strictly so that every mistake is named at its `file:line:col` before anything is
//! tagged.
//!
//! This module reads and validates (`read`), knows the versions a request may
//! ask for ([`version`]), the names it may use (`names`) and the series of the
//! repository that holds it ([`series`]); which entries a run takes is
//! [`select`](ReleaseRequest::select) (newest, all, or new since a revision through
//! [`changed`]). What is done with them belongs to the tools (tag-from-request,
//! generate-changelog, verify-release).

pub mod changed;
mod names;
mod read;
pub mod series;
pub mod version;
mod yaml;

pub use names::{check_branch_name, check_ref_name, check_repo, check_tag_name, is_project_name};
pub use series::SeriesStatus;
pub use version::{RequestVersion, SeriesStage};

use crate::Location;
use std::path::{Path, PathBuf};

/// A parsed and validated release request file.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRequest {
    /// The file, as it was named.
    pub path: PathBuf,
    /// `series`, or the name of the file's folder without leading `_` (OpenStack's
    /// `_independent` folder holds the series `independent`).
    pub series: String,
    /// `branch`, when the file names one.
    pub branch: Option<String>,
    /// `team` (or `metadata.team`): the `meta:team` line.
    pub team: Option<String>,
    /// `yes`/`no` from `include-pypi-link` (`no` for an OpenStack deliverable that does
    /// not say), or `metadata.pypi` as written: the `meta:pypi` line.
    pub pypi: Option<String>,
    /// OpenStack's `type` (`library`, `service`, `trailing`, …).
    pub deliverable_type: Option<String>,
    /// The other keys of `metadata`, copied into every tag as `meta:<key>: <value>`,
    /// in the file's order.
    pub metadata: Vec<(String, String)>,
    /// Every release entry, in the file's order (the newest is the last).
    pub releases: Vec<RequestedRelease>,
    /// Every entry of `branches`, in the file's order.
    pub branches: Vec<BranchRequest>,
}

/// One entry of `releases`.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestedRelease {
    pub version: RequestVersion,
    /// `diff-start` as the entry says it.
    pub diff_start: Option<String>,
    pub flags: Vec<ReleaseFlag>,
    pub projects: Vec<Project>,
    /// Where the entry starts.
    pub location: Location,
}

/// A flag of a release entry (OpenStack's `flags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseFlag {
    /// `forced`: applied by the release team rather than the project's; nothing
    /// changes for the tags.
    Forced,
    /// `skipped-sig`: released without a signature; `--sign` leaves this entry's tags
    /// unsigned.
    SkippedSignature,
}

/// One repository of a release entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// `owner/name` on the forge, or a git URL or path.
    pub repo: String,
    /// The full commit id (lower-case hex).
    pub hash: String,
    /// An explicit tag name for this project.
    pub tag: Option<String>,
    /// Where the project's entry starts.
    pub location: Location,
}

/// One entry of `branches`: a branch to create in the repositories concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchRequest {
    pub name: String,
    pub start: BranchStart,
    /// Where the entry starts.
    pub location: Location,
}

/// Where a branch starts.
#[derive(Debug, Clone, PartialEq)]
pub enum BranchStart {
    /// At a version of `releases`: in each of its repositories, at that repository's
    /// commit of the version.
    Version(String),
    /// At the given commit of each listed repository (`{repo: sha}`).
    Commits(Vec<Project>),
}

impl Project {
    /// The last segment of the repo name (`acme/api.git` → `api`), the `<project>` of
    /// the tag message.
    pub fn short_name(&self) -> &str {
        let trimmed = self.repo.trim_end_matches('/');
        let last = trimmed
            .rsplit(['/', ':'])
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or(trimmed);
        last.strip_suffix(".git").unwrap_or(last)
    }
}

/// Which entries of a file a run takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The last release entry (what a merged request adds) and the branches located
    /// at it; in a file without releases, every branch.
    Newest,
    /// Every entry (a re-sync of history).
    All,
    /// The entries the file did not have at some earlier revision (computed by
    /// [`changed`]): release entries by version, branch entries by name.
    New {
        versions: Vec<String>,
        branches: Vec<String>,
    },
}

impl ReleaseRequest {
    /// Reads and validates a request file; the error is its first problem.
    pub fn load(path: &Path) -> Result<ReleaseRequest, RequestError> {
        ReleaseRequest::load_checked(path).map_err(|mut problems| problems.remove(0))
    }

    /// Reads and validates a request file; the error lists every problem of the file
    /// (never empty).
    pub fn load_checked(path: &Path) -> Result<ReleaseRequest, Vec<RequestError>> {
        let text = read::text_of(path).map_err(|e| vec![e])?;
        read::Reader::new(path).request(&text)
    }

    /// Parses the text of a request file named `path` (for messages and the default
    /// series); the error is its first problem.
    pub fn parse(text: &str, path: &Path) -> Result<ReleaseRequest, RequestError> {
        read::Reader::new(path)
            .request(text)
            .map_err(|mut problems| problems.remove(0))
    }

    /// The indices of the release entries `selection` takes, in the file's order.
    pub fn select(&self, selection: &Selection) -> Vec<usize> {
        match selection {
            Selection::Newest => self.releases.len().checked_sub(1).into_iter().collect(),
            Selection::All => (0..self.releases.len()).collect(),
            Selection::New { versions, .. } => {
                let wanted: std::collections::HashSet<&str> =
                    versions.iter().map(String::as_str).collect();
                (0..self.releases.len())
                    .filter(|&i| wanted.contains(self.releases[i].version.as_str()))
                    .collect()
            }
        }
    }

    /// The indices of the branch entries `selection` takes, in the file's order.
    pub fn select_branches(&self, selection: &Selection) -> Vec<usize> {
        let all = 0..self.branches.len();
        match selection {
            Selection::All => all.collect(),
            Selection::Newest => match self.releases.last() {
                None => all.collect(),
                Some(newest) => all
                    .filter(|&i| {
                        matches!(&self.branches[i].start,
                            BranchStart::Version(v) if v == newest.version.as_str())
                    })
                    .collect(),
            },
            Selection::New { branches, .. } => all
                .filter(|&i| branches.contains(&self.branches[i].name))
                .collect(),
        }
    }

    /// The index of the first entry whose version is not a pre-release (series-end
    /// tags count, as in OpenStack's release job): its tags say `meta:first: yes`.
    pub fn first_release(&self) -> Option<usize> {
        self.releases
            .iter()
            .position(|r| !r.version.is_prerelease())
    }

    /// The release entry of `version`.
    pub fn release(&self, version: &str) -> Option<&RequestedRelease> {
        self.releases.iter().find(|r| r.version.as_str() == version)
    }

    /// Whether the deliverable is released after its series (OpenStack's `type:
    /// trailing`): late releases of a closed series are still made.
    pub fn is_trailing(&self) -> bool {
        self.deliverable_type.as_deref() == Some("trailing")
    }
}

/// Errors of reading request files. All but an unreadable file are bad input.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
    #[error("{0}")]
    Revision(String),
}

impl crate::Problem for RequestError {
    fn is_bad_input(&self) -> bool {
        true
    }

    fn location(&self) -> Option<&Location> {
        match self {
            RequestError::Invalid { location, .. } => Some(location),
            _ => None,
        }
    }
}
