//! The issues a commit message closes, read as the forge reads it.
//!
//! - GitHub: a keyword (`close`, `closes`, `closed`, `fix`, `fixes`, `fixed`,
//!   `resolve`, `resolves`, `resolved`, any case, an optional `:`) before each issue:
//!   `#12`, `owner/repo#12` or the issue's URL. `Fixes #1, fixes #2` closes both;
//!   `Fixes #1, #2` only #1, as on GitHub.
//! - GitLab: its default closing pattern — `Close`/`Closes`/`Closed`/`Closing`,
//!   `Fix`/`Fixes`/`Fixed`/`Fixing`, `Resolve…`, `Implement…` (first letter in either
//!   case), an optional `:`, then a list of references (`#12`, `group/project#12`, the
//!   issue's URL, each optionally after `issue`/`issues`) joined by `,` or `and`.
//!   Jira keys in the list (`ABC-12`) are another tracker's and are passed over.
//! - Trailers of trackers configured by name (`Closes-Bug: #1234`, OpenStack's
//!   Launchpad bugs): every value of a `Key:` line.

use crate::ci::Platform;
use regex::Regex;

/// An issue of a repository on the forge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct IssueRef {
    /// `owner/name`, GitLab's project path.
    pub repo: String,
    pub number: u64,
}

impl std::fmt::Display for IssueRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.repo, self.number)
    }
}

/// Reads closing references for one forge and repository.
pub struct ClosingPattern {
    platform: Platform,
    repo: String,
    keyword: Regex,
    reference: Regex,
    separator: Regex,
    jira: Regex,
}

const PATH: &str = r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+";

impl ClosingPattern {
    /// The pattern of `platform` for commits of `repo`, whose web server is `server`
    /// (for issue URLs).
    pub fn new(platform: Platform, repo: &str, server: &str) -> ClosingPattern {
        let server = regex::escape(server.trim_end_matches('/'));
        let keyword = match platform {
            Platform::GitLab => {
                r"\b(?:[Cc]los(?:e[sd]?|ing)|[Ff]ix(?:e[sd]|ing)?|[Rr]esolv(?:e[sd]?|ing)|[Ii]mplement(?:s|ed|ing)?):? +"
            }
            _ => r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?[ \t]+",
        };
        let reference = match platform {
            Platform::GitLab => format!(
                r"^(?:issues? +)?(?:(?P<path>{PATH}|[A-Za-z0-9_.-]+)?#(?P<n>\d+)|{server}/(?P<upath>{PATH}?)/(?:-/)?issues/(?P<un>\d+))\b"
            ),
            _ => format!(
                r"^(?:(?P<path>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)?#(?P<n>\d+)|{server}/(?P<upath>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/issues/(?P<un>\d+))\b"
            ),
        };
        ClosingPattern {
            platform,
            repo: repo.to_string(),
            keyword: Regex::new(keyword).expect("the keyword pattern is valid"),
            reference: Regex::new(&reference).expect("the reference pattern is valid"),
            separator: Regex::new(r"^(?:\s*,?\s+and\s+|\s*,?\s*)").expect("valid"),
            jira: Regex::new(r"^(?:issues? +)?[A-Z][A-Z0-9_]+-\d+\b").expect("valid"),
        }
    }

    /// Every issue `message` closes, in the order written, each once.
    pub fn closed_by(&self, message: &str) -> Vec<IssueRef> {
        let mut found = Vec::new();
        for keyword in self.keyword.find_iter(message) {
            let mut rest = &message[keyword.end()..];
            loop {
                if let Some(caps) = self.reference.captures(rest) {
                    let (path, number) = match (caps.name("n"), caps.name("un")) {
                        (Some(n), _) => (caps.name("path").map(|p| p.as_str()), n.as_str()),
                        (None, Some(n)) => (caps.name("upath").map(|p| p.as_str()), n.as_str()),
                        (None, None) => break,
                    };
                    if let Ok(number) = number.parse::<u64>() {
                        let issue = IssueRef {
                            repo: self.resolve(path),
                            number,
                        };
                        if !found.contains(&issue) {
                            found.push(issue);
                        }
                    }
                    rest = &rest[caps.get(0).map_or(0, |m| m.end())..];
                } else if let Some(key) = self.jira.find(rest).filter(|_| self.lists()) {
                    rest = &rest[key.end()..];
                } else {
                    break;
                }
                if !self.lists() {
                    break;
                }
                let Some(separator) = self.separator.find(rest) else {
                    break;
                };
                rest = &rest[separator.end()..];
            }
        }
        found
    }

    /// GitLab's pattern takes a list after one keyword; GitHub needs one per issue.
    fn lists(&self) -> bool {
        self.platform == Platform::GitLab
    }

    /// The repository a reference names: its own, a full path, or (GitLab) a project
    /// of the same namespace.
    fn resolve(&self, path: Option<&str>) -> String {
        match path {
            None => self.repo.clone(),
            Some(p) if p.contains('/') => p.to_string(),
            Some(project) => match self.repo.rsplit_once('/') {
                Some((namespace, _)) => format!("{namespace}/{project}"),
                None => project.to_string(),
            },
        }
    }
}

/// The values of the trailer `key` (any case) in `message`: `Closes-Bug: #1234, 5678`
/// gives `1234` and `5678`.
pub fn trailer_values(message: &str, key: &str) -> Vec<String> {
    let mut values = Vec::new();
    for line in message.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case(key) || name.starts_with([' ', '\t']) {
            continue;
        }
        for id in value.split([',', ' ', '\t']) {
            let id = id.trim().trim_start_matches('#');
            if !id.is_empty()
                && id.starts_with(|c: char| c.is_ascii_alphanumeric())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && !values.iter().any(|v| v == id)
            {
                values.push(id.to_string());
            }
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github(message: &str) -> Vec<String> {
        ClosingPattern::new(Platform::GitHub, "acme/api", "https://github.com")
            .closed_by(message)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn gitlab(message: &str) -> Vec<String> {
        ClosingPattern::new(Platform::GitLab, "acme/api", "https://gitlab.example.com")
            .closed_by(message)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn github_needs_a_keyword_before_each_issue() {
        assert_eq!(
            github(
                "fix: parser\n\nFixes #12, RESOLVES acme/web#3 and closed: \
                 https://github.com/acme/cli/issues/9.\nRelated to #4, prefix #5, fix #6, #7 \
                 fixes #8x"
            ),
            ["acme/api#12", "acme/web#3", "acme/cli#9", "acme/api#6"]
        );
        assert_eq!(github("Closes #1\nCloses #1"), ["acme/api#1"]);
        assert!(github("Closing #1, implements #2, fixing #3").is_empty());
        assert!(github("fixes https://github.com/acme/api/pull/3").is_empty());
    }

    #[test]
    fn gitlab_reads_its_default_closing_pattern_with_lists() {
        assert_eq!(
            gitlab(
                "Fix #20, Fixes #21 and Closes group/other#22.\nThis is related to #17 and \
                 fixes #18, #19\nand https://gitlab.example.com/group/other/-/issues/23.\n\
                 Implements issue #24, ABC-1 and web#25"
            ),
            [
                "acme/api#20",
                "acme/api#21",
                "group/other#22",
                "acme/api#18",
                "acme/api#19",
                "group/other#23",
                "acme/api#24",
                "acme/web#25"
            ]
        );
        assert!(gitlab("CLOSES #1").is_empty());
        assert_eq!(gitlab("Closing: #4"), ["acme/api#4"]);
    }

    #[test]
    fn trailers_give_every_value_of_their_key() {
        let message = "Fix the thing\n\nCloses-Bug: #1234567\ncloses-bug: 42, #43\n  Closes-Bug: 9\nPartial-Bug: #5\n";
        assert_eq!(
            trailer_values(message, "Closes-Bug"),
            ["1234567", "42", "43"]
        );
        assert_eq!(trailer_values(message, "Related-Bug"), Vec::<String>::new());
    }
}
