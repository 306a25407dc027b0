//! `branches`: the stable branches a request creates, each from a listed version or a
//! commit per repository.

use super::Reader;
use super::keys::BRANCH_KEYS;
use crate::request::names::check_branch_name;
use crate::request::yaml::{Node, Value};
use crate::request::{BranchRequest, BranchStart, Project};

impl Reader<'_> {
    pub(super) fn branches(&mut self, node: &Node) -> Option<Vec<BranchRequest>> {
        let items = self.list(node, "`branches`")?;
        let mut branches: Vec<BranchRequest> = Vec::new();
        let mut complete = true;
        for item in items {
            match self.branch(item, &branches) {
                Some(branch) => branches.push(branch),
                None => complete = false,
            }
        }
        complete.then_some(branches)
    }

    pub(super) fn branch(
        &mut self,
        item: &Node,
        earlier: &[BranchRequest],
    ) -> Option<BranchRequest> {
        let entries = self.mapping(item, "a branch", &[BRANCH_KEYS])?;
        let mut name = None;
        let mut start = None;
        let (mut has_name, mut has_location) = (false, false);
        for (key, value) in entries {
            match key {
                "name" => {
                    has_name = true;
                    name = self.branch_name(value, earlier);
                }
                "location" => {
                    has_location = true;
                    start = self.branch_start(value);
                }
                _ => {}
            }
        }
        if !has_name {
            return self.fail(item, "the branch has no `name`");
        }
        if !has_location {
            return self.fail(
                item,
                "the branch has no `location` (a version or {repo: sha})",
            );
        }
        Some(BranchRequest {
            name: name?,
            start: start?,
            location: self.location(item),
        })
    }

    pub(super) fn branch_name(&mut self, node: &Node, earlier: &[BranchRequest]) -> Option<String> {
        let text = self.text(node, "a branch `name`")?;
        if let Err(reason) = check_branch_name(&text) {
            return self.fail(node, format!("invalid branch name `{text}`: {reason}"));
        }
        if let Some(first) = earlier.iter().find(|b| b.name == text) {
            let message = format!(
                "branch {text} is listed twice (first at {}); keep one",
                first.location
            );
            return self.fail(node, message);
        }
        Some(text)
    }

    pub(super) fn branch_start(&mut self, node: &Node) -> Option<BranchStart> {
        match &node.value {
            Value::Map(pairs) => {
                let mut commits: Vec<Project> = Vec::new();
                let mut complete = true;
                for (key, value) in pairs {
                    let repo = self.repo(key);
                    let hash = self.hash(value);
                    match (repo, hash) {
                        (Some(repo), Some(hash)) => commits.push(Project {
                            repo,
                            hash,
                            tag: None,
                            location: self.location(key),
                        }),
                        _ => complete = false,
                    }
                }
                if pairs.is_empty() {
                    return self.fail(node, "the branch `location` lists no repository");
                }
                complete.then_some(BranchStart::Commits(commits))
            }
            _ => {
                let version = self.text(node, "a branch `location`")?;
                if self.versions.contains_key(&version) {
                    return Some(BranchStart::Version(version));
                }
                let message = format!(
                    "the branch starts at version {version}, which `releases` does not list; \
                     add the release, or give {{repo: sha}}"
                );
                self.fail(node, message)
            }
        }
    }
}
