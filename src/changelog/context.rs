//! The data a changelog template sees (`--context` prints it as JSON): the release,
//! one entry per repository with its links and its commits grouped by
//! conventional-commit type, and the artifact links.
//!
//! Every text field is raw; the `*_markdown` fields hold the same text escaped for a
//! Markdown list item, with references linked. Templates put raw text through the
//! `md` filter.

use super::commits::{RawCommit, parse_message};
use super::links::{Links, Reference, find_references, markdown_line};
use super::previous::PreviousSource;
use crate::ci::summary::escape_inline;
use serde::Serialize;

/// Everything the template renders.
#[derive(Debug, Clone, Serialize)]
pub struct RenderContext {
    pub version: String,
    pub previous_version: Option<String>,
    pub previous_source: PreviousSource,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub prerelease: bool,
    pub repositories: Vec<RepoSection>,
    pub artifacts: Vec<Artifact>,
    /// Commits of every repository.
    pub commit_count: usize,
}

/// Where a repository's commits came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommitSource {
    /// `git log` in a local clone.
    Local,
    /// The forge's compare API.
    Api,
    /// Neither a local clone nor a token: links only.
    None,
}

/// One repository of the release.
#[derive(Debug, Clone, Serialize)]
pub struct RepoSection {
    /// `owner/name` (or a folder name when the forge path is unknown).
    pub name: String,
    /// The project page; `None` when the forge path is unknown.
    pub url: Option<String>,
    pub tag: String,
    pub previous_tag: Option<String>,
    pub compare_url: Option<String>,
    /// The page of the new tag (used when there is nothing to compare with).
    pub tag_url: Option<String>,
    /// `HEAD` when the release is not tagged yet in the local clone, else the tag.
    pub head: String,
    pub commits_source: CommitSource,
    pub commit_count: usize,
    /// Non-empty groups in display order.
    pub groups: Vec<CommitGroup>,
}

/// Commits of one kind.
#[derive(Debug, Clone, Serialize)]
pub struct CommitGroup {
    /// `breaking`, `feat`, `fix`, `perf`, `refactor`, `docs`, `revert`, `build`, `ci`,
    /// `test`, `style`, `chore`, `other`.
    pub key: &'static str,
    pub title: &'static str,
    pub commits: Vec<Commit>,
}

/// One commit as the template sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Commit {
    pub id: String,
    pub short_id: String,
    pub url: Option<String>,
    pub subject: String,
    pub body: String,
    /// The conventional type (`feat`), when the subject is conventional.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub scope: Option<String>,
    /// The subject without its `type(scope)!: ` part.
    pub description: String,
    pub breaking: bool,
    pub breaking_note: Option<String>,
    pub references: Vec<Reference>,
    /// The line to show (the description of a commit of a known type, else the whole
    /// subject), escaped, with references linked.
    pub markdown: String,
    pub scope_markdown: Option<String>,
    pub breaking_note_markdown: Option<String>,
}

/// A rendered artifact link.
#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    pub name: String,
    pub url: String,
}

/// The groups in display order: breaking changes first, then features, fixes,
/// performance, the other known types, and "Other" for everything else.
pub const GROUPS: [(&str, &str); 13] = [
    ("breaking", "Breaking changes"),
    ("feat", "Features"),
    ("fix", "Bug fixes"),
    ("perf", "Performance"),
    ("refactor", "Refactoring"),
    ("docs", "Documentation"),
    ("revert", "Reverts"),
    ("build", "Build"),
    ("ci", "Continuous integration"),
    ("test", "Tests"),
    ("style", "Style"),
    ("chore", "Chores"),
    ("other", "Other"),
];

/// The key of the group a commit belongs to.
fn group_key(kind: Option<&str>, breaking: bool) -> &'static str {
    if breaking {
        return "breaking";
    }
    let kind = match kind {
        Some("feature") => "feat",
        Some("bugfix") => "fix",
        Some("doc") => "docs",
        Some("tests") => "test",
        Some(k) => k,
        None => "other",
    };
    GROUPS
        .iter()
        .find(|(key, _)| *key == kind && *key != "breaking")
        .map_or("other", |(key, _)| key)
}

/// Reads `raw` commits (newest first) of repository `repo` into a commit per message.
pub fn commit_of(raw: RawCommit, repo: Option<&str>, links: &Links) -> Commit {
    let message = parse_message(&raw.message);
    let known = message.kind.is_some() && group_key(message.kind.as_deref(), false) != "other";
    // A commit of an unknown type shows its whole subject: `deps: bump x` says more
    // than `bump x` under "Other".
    let shown = if known {
        &message.description
    } else {
        &message.subject
    };
    let references = find_references(shown);
    let repo_for_links = repo.unwrap_or_default();
    let markdown = if repo.is_some() {
        markdown_line(shown, &references, links, repo_for_links)
    } else {
        markdown_line(shown, &[], links, repo_for_links)
    };
    let scope_markdown = message
        .scope
        .as_deref()
        .filter(|_| known)
        .map(escape_inline);
    let breaking_note_markdown = message.breaking_note.as_deref().map(|note| {
        let refs = if repo.is_some() {
            find_references(note)
        } else {
            Vec::new()
        };
        markdown_line(note, &refs, links, repo_for_links)
    });
    Commit {
        short_id: raw.id.chars().take(7).collect(),
        url: repo.map(|r| links.commit(r, &raw.id)),
        id: raw.id,
        subject: message.subject,
        body: message.body,
        kind: message.kind,
        scope: message.scope,
        description: message.description,
        breaking: message.breaking,
        breaking_note: message.breaking_note,
        references,
        markdown,
        scope_markdown,
        breaking_note_markdown,
    }
}

/// Groups commits (kept in their order within a group) into the display order.
pub fn group(commits: Vec<Commit>) -> Vec<CommitGroup> {
    let mut groups: Vec<CommitGroup> = GROUPS
        .iter()
        .map(|(key, title)| CommitGroup {
            key,
            title,
            commits: Vec::new(),
        })
        .collect();
    for commit in commits {
        let key = group_key(commit.kind.as_deref(), commit.breaking);
        let index = GROUPS
            .iter()
            .position(|(k, _)| *k == key)
            .expect("every key is a group");
        groups[index].commits.push(commit);
    }
    groups.retain(|g| !g.commits.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changelog::links::LinkStyle;

    fn commit(id: &str, message: &str) -> Commit {
        let links = Links::new(LinkStyle::GitHub, "https://github.com");
        commit_of(
            RawCommit {
                id: id.into(),
                message: message.into(),
            },
            Some("acme/api"),
            &links,
        )
    }

    #[test]
    fn groups_in_display_order_with_breaking_changes_first() {
        let groups = group(vec![
            commit("a1", "fix: one"),
            commit("a2", "Update README"),
            commit("a3", "feat(ui): two"),
            commit("a4", "fix!: three"),
            commit("a5", "deps: bump x"),
            commit("a6", "perf: four"),
            commit("a7", "docs: five"),
        ]);
        let shape: Vec<(&str, Vec<&str>)> = groups
            .iter()
            .map(|g| (g.key, g.commits.iter().map(|c| c.id.as_str()).collect()))
            .collect();
        assert_eq!(
            shape,
            [
                ("breaking", vec!["a4"]),
                ("feat", vec!["a3"]),
                ("fix", vec!["a1"]),
                ("perf", vec!["a6"]),
                ("docs", vec!["a7"]),
                ("other", vec!["a2", "a5"]),
            ]
        );
    }

    #[test]
    fn a_commit_carries_its_links_and_safe_markdown() {
        let c = commit(
            "0123456789abcdef",
            "feat(*ui*): add <script> (#12)\n\nBREAKING CHANGE: see #13",
        );
        assert_eq!(c.short_id, "0123456");
        assert_eq!(
            c.url.as_deref(),
            Some("https://github.com/acme/api/commit/0123456789abcdef")
        );
        assert_eq!(
            c.markdown,
            "add &lt;script&gt; ([\\#12](https://github.com/acme/api/pull/12))"
        );
        assert_eq!(c.scope_markdown.as_deref(), Some("\\*ui\\*"));
        assert_eq!(
            c.breaking_note_markdown.as_deref(),
            Some("see [\\#13](https://github.com/acme/api/pull/13)")
        );
        let other = commit("b", "deps(x): bump");
        assert_eq!(
            (other.markdown.as_str(), other.scope_markdown),
            ("deps(x): bump", None)
        );
    }
}
