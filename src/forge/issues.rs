//! Issues as track-release keeps a release on them (find, open, re-render, close),
//! the people who sign off on them, and how a change request ended.

/// An issue as the forge reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// GitHub's number, GitLab's `iid`.
    pub number: u64,
    pub title: String,
    pub body: String,
    /// The account that opened it.
    pub author: String,
    pub url: String,
    pub open: bool,
    pub labels: Vec<String>,
}

/// An issue to open.
#[derive(Debug, Clone, Copy)]
pub struct IssueDraft<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub labels: &'a [String],
}

/// Where a change request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRequestState {
    Open,
    /// Closed without merging.
    Closed,
    /// Merged; the commit the merge made on the target branch (a merge, squash or
    /// rebase commit; GitLab's fast-forward merge makes none, so the head commit).
    Merged {
        commit: Option<String>,
    },
}

/// A change request by its number, as `wait-for --merged` polls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequestStatus {
    pub number: u64,
    pub url: String,
    pub state: ChangeRequestState,
}
