//! Who proposed, merged and approved a change, in the forge-neutral shape
//! tag-from-request writes into a tag (`meta:release:Author`, …): GitHub's pull request
//! and its reviews, GitLab's merge request and its approvals.

use std::fmt;

/// A person as the forge names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The account name (`jane`).
    pub username: String,
    /// The display name, when the forge shows one.
    pub name: Option<String>,
    /// The numeric user id, when known (GitLab's membership API takes it).
    pub id: Option<u64>,
}

impl fmt::Display for Person {
    /// `Jane Doe (@jane)`, or `@jane` without a display name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            Some(name) => write!(f, "{name} (@{})", self.username),
            None => write!(f, "@{}", self.username),
        }
    }
}

/// A merged change request and the people around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedChange {
    /// GitHub's number, GitLab's `iid`.
    pub number: u64,
    pub url: String,
    pub author: Person,
    /// Who merged it (GitHub `merged_by`, GitLab `merge_user`), when the forge says.
    pub merged_by: Option<Person>,
    /// The reviewers whose last word was an approval, in the order they approved.
    pub approvers: Vec<Person>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_reads_as_name_and_account() {
        let p = |name: Option<&str>| Person {
            username: "jane".into(),
            name: name.map(str::to_string),
            id: None,
        };
        assert_eq!(p(Some("Jane Doe")).to_string(), "Jane Doe (@jane)");
        assert_eq!(p(None).to_string(), "@jane");
        assert_eq!(p(Some(" ")).to_string(), "@jane");
    }
}
