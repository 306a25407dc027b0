//! The keys each part of a request file may have.

/// The top-level keys of OpenStack's deliverable files (its `schema.yaml`) besides
/// ours; `team`, `type`, `include-pypi-link` and `branches` are read, the others are
/// accepted as they are.
pub(super) const OPENSTACK_KEYS: &[&str] = &[
    "team",
    "type",
    "launchpad",
    "storyboard",
    "release-model",
    "release-type",
    "release-notes",
    "include-pypi-link",
    "artifact-link-mode",
    "repository-settings",
    "stable-branch-type",
    "stable-status",
    "cycle-highlights",
    "branches",
    // Older files name the announcement list; the release job never read it.
    "send-announcements-to",
];

/// The keys every tag message has; `metadata` cannot name them again.
pub(super) const RESERVED_KEYS: &[&str] = &[
    "version",
    "series",
    "branch",
    "diff-start",
    "release-type",
    "first",
];

pub(super) const OUR_KEYS: &[&str] = &["series", "branch", "metadata", "releases"];
pub(super) const RELEASE_KEYS: &[&str] =
    &["version", "projects", "diff-start", "flags", "highlights"];
pub(super) const PROJECT_KEYS: &[&str] = &[
    "repo",
    "hash",
    "tag",
    "comment",
    "highlights",
    "tarball-base",
];
pub(super) const BRANCH_KEYS: &[&str] = &["name", "location"];
