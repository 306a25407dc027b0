//! The URL forms of each forge (project, compare, commit, change request) and the
//! rendering of a commit subject as one line of safe Markdown with its `#123` / `!123`
//! references linked.
//!
//! Subjects are untrusted: the text between references goes through
//! [`crate::ci::summary`]'s escaping, so it cannot leave its list item or inject HTML.

use crate::ci::Platform;
use crate::ci::summary::{escape_inline, guard_line_start};
use crate::forge::encode_path;

/// Which URL layout links follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkStyle {
    GitHub,
    GitLab,
}

impl LinkStyle {
    /// GitLab's layout for `--forge gitlab`, GitHub's for `--forge github`; for plain
    /// git, GitLab's when the server's host names GitLab, else GitHub's.
    pub fn of(platform: Platform, server_url: &str) -> LinkStyle {
        match platform {
            Platform::GitLab => LinkStyle::GitLab,
            Platform::GitHub => LinkStyle::GitHub,
            Platform::Git => {
                let host = server_url
                    .split_once("://")
                    .map_or(server_url, |(_, rest)| rest)
                    .split('/')
                    .next()
                    .unwrap_or_default();
                if host.to_ascii_lowercase().contains("gitlab") {
                    LinkStyle::GitLab
                } else {
                    LinkStyle::GitHub
                }
            }
        }
    }
}

/// Builds the links of one forge.
#[derive(Debug, Clone)]
pub struct Links {
    pub style: LinkStyle,
    /// `https://github.com`, without a final `/`.
    pub server: String,
}

impl Links {
    pub fn new(style: LinkStyle, server: &str) -> Links {
        Links {
            style,
            server: server.trim_end_matches('/').to_string(),
        }
    }

    pub fn project(&self, repo: &str) -> String {
        format!("{}/{}", self.server, repo)
    }

    /// GitHub `{server}/{repo}/compare/{prev}...{new}`, GitLab
    /// `{server}/{repo}/-/compare/{prev}...{new}`.
    pub fn compare(&self, repo: &str, previous_tag: &str, tag: &str) -> String {
        let (prev, new) = (encode_path(previous_tag), encode_path(tag));
        match self.style {
            LinkStyle::GitHub => format!("{}/{repo}/compare/{prev}...{new}", self.server),
            LinkStyle::GitLab => format!("{}/{repo}/-/compare/{prev}...{new}", self.server),
        }
    }

    /// The page of a tag (a first release has nothing to compare with).
    pub fn tag(&self, repo: &str, tag: &str) -> String {
        let tag = encode_path(tag);
        match self.style {
            LinkStyle::GitHub => format!("{}/{repo}/tree/{tag}", self.server),
            LinkStyle::GitLab => format!("{}/{repo}/-/tags/{tag}", self.server),
        }
    }

    /// The release page of a tag: GitHub `{server}/{repo}/releases/tag/{tag}`, GitLab
    /// `{server}/{repo}/-/releases/{tag}`.
    pub fn release(&self, repo: &str, tag: &str) -> String {
        let tag = encode_path(tag);
        match self.style {
            LinkStyle::GitHub => format!("{}/{repo}/releases/tag/{tag}", self.server),
            LinkStyle::GitLab => format!("{}/{repo}/-/releases/{tag}", self.server),
        }
    }

    pub fn commit(&self, repo: &str, id: &str) -> String {
        match self.style {
            LinkStyle::GitHub => format!("{}/{repo}/commit/{id}", self.server),
            LinkStyle::GitLab => format!("{}/{repo}/-/commit/{id}", self.server),
        }
    }

    /// The URL of a reference, or `None` when the forge has no such reference (`!12`
    /// on GitHub). `#12` is a pull request on GitHub (GitHub redirects an issue number
    /// there to the issue) and an issue on GitLab; `!12` a GitLab merge request.
    pub fn reference(&self, repo: &str, reference: &Reference) -> Option<String> {
        let repo = reference.repo.as_deref().unwrap_or(repo);
        let n = reference.number;
        match (self.style, reference.sigil) {
            (LinkStyle::GitHub, '#') => Some(format!("{}/{repo}/pull/{n}", self.server)),
            (LinkStyle::GitLab, '#') => Some(format!("{}/{repo}/-/issues/{n}", self.server)),
            (LinkStyle::GitLab, '!') => {
                Some(format!("{}/{repo}/-/merge_requests/{n}", self.server))
            }
            _ => None,
        }
    }
}

/// A `#123`, `!123` or `owner/repo#123` reference in a subject.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reference {
    /// As written: `#123`, `acme/api!7`.
    pub text: String,
    /// `#` or `!`.
    pub sigil: char,
    pub number: u64,
    /// The repository of a cross-repository reference.
    pub repo: Option<String>,
    /// Byte range in the subject (not serialized).
    #[serde(skip)]
    pub range: std::ops::Range<usize>,
}

/// Finds the references in `text`: a `#` or `!` that does not follow a word character,
/// then digits that no word character follows; an `owner/repo` right before the sigil
/// makes it a cross-repository reference.
pub fn find_references(text: &str) -> Vec<Reference> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let sigil = bytes[i];
        if sigil != b'#' && sigil != b'!' {
            i += 1;
            continue;
        }
        let digits = bytes[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = i + 1 + digits;
        // `&#60;` is an HTML character reference, not an issue.
        let ends_clean =
            bytes.get(end).is_none_or(|&b| !word(b)) && (i == 0 || bytes[i - 1] != b'&');
        let Ok(number) = text[i + 1..end].parse::<u64>() else {
            i += 1;
            continue;
        };
        if !ends_clean {
            i = end;
            continue;
        }
        // A cross-repository prefix: `owner/repo` directly before the sigil.
        let prefix_start = bytes[..i]
            .iter()
            .rposition(|&b| !(word(b) || matches!(b, b'.' | b'-' | b'/')))
            .map_or(0, |p| p + 1);
        let prefix = &text[prefix_start..i];
        let (start, repo) = if prefix.is_empty() {
            (i, None)
        } else if prefix.matches('/').count() >= 1 && super::spec::check_repo_name(prefix).is_ok() {
            (prefix_start, Some(prefix.to_string()))
        } else {
            // `abc#12`: a word glued to the sigil is no reference.
            i = end;
            continue;
        };
        found.push(Reference {
            text: text[start..end].to_string(),
            sigil: sigil as char,
            number,
            repo,
            range: start..end,
        });
        i = end;
    }
    found
}

/// One line of Markdown for `text` (a subject or a description, without surrounding
/// blanks; `references` found in it): escaped, with every reference the forge knows
/// linked. The result is safe as the content of a list item.
pub fn markdown_line(text: &str, references: &[Reference], links: &Links, repo: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for reference in references {
        let Some(url) = links.reference(repo, reference) else {
            continue;
        };
        out.push_str(&escape_inline(&text[at..reference.range.start]));
        out.push('[');
        out.push_str(&escape_inline(&reference.text));
        out.push_str("](");
        out.push_str(&url);
        out.push(')');
        at = reference.range.end;
    }
    out.push_str(&escape_inline(&text[at..]));
    guard_line_start(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github() -> Links {
        Links::new(LinkStyle::GitHub, "https://github.com/")
    }

    fn gitlab() -> Links {
        Links::new(LinkStyle::GitLab, "https://gitlab.example.org")
    }

    #[test]
    fn compare_links_follow_each_forge() {
        assert_eq!(
            github().compare("acme/api", "v1.1.0", "v1.2.0"),
            "https://github.com/acme/api/compare/v1.1.0...v1.2.0"
        );
        assert_eq!(
            gitlab().compare("group/sub/api", "1.1.0", "1.2.0+b1"),
            "https://gitlab.example.org/group/sub/api/-/compare/1.1.0...1.2.0%2Bb1"
        );
        assert_eq!(
            gitlab().commit("a/b", "abc"),
            "https://gitlab.example.org/a/b/-/commit/abc"
        );
        assert_eq!(github().tag("a/b", "v1"), "https://github.com/a/b/tree/v1");
    }

    #[test]
    fn the_link_style_of_plain_git_follows_the_server() {
        assert_eq!(
            LinkStyle::of(Platform::Git, "https://gitlab.example.org"),
            LinkStyle::GitLab
        );
        assert_eq!(
            LinkStyle::of(Platform::Git, "https://github.com"),
            LinkStyle::GitHub
        );
        assert_eq!(
            LinkStyle::of(Platform::GitHub, "https://gitlab.example.org"),
            LinkStyle::GitHub
        );
    }

    #[test]
    fn finds_references_but_not_anchors_or_words() {
        let refs = find_references("fix (#12), see acme/api#7 and !3; not x#1, #12a, C#, &#60;");
        let texts: Vec<&str> = refs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["#12", "acme/api#7", "!3"]);
        assert_eq!(refs[1].repo.as_deref(), Some("acme/api"));
        assert_eq!(refs[2].sigil, '!');
    }

    #[test]
    fn markdown_links_what_the_forge_knows_and_escapes_the_rest() {
        let text = "add <b>x</b> [y](javascript:z) (#12, !3)";
        let refs = find_references(text);
        assert_eq!(
            markdown_line(text, &refs, &github(), "acme/api"),
            "add &lt;b&gt;x&lt;/b&gt; \\[y\\](javascript:z) ([\\#12](https://github.com/acme/api/pull/12), \\!3)"
        );
        assert_eq!(
            markdown_line(text, &refs, &gitlab(), "acme/api"),
            "add &lt;b&gt;x&lt;/b&gt; \\[y\\](javascript:z) ([\\#12](https://gitlab.example.org/acme/api/-/issues/12), [\\!3](https://gitlab.example.org/acme/api/-/merge_requests/3))"
        );
        let text = "#5 first";
        assert_eq!(
            markdown_line(text, &find_references(text), &github(), "a/b"),
            "[\\#5](https://github.com/a/b/pull/5) first"
        );
        assert_eq!(markdown_line("- 1. x", &[], &github(), "a/b"), "\\- 1. x");
    }
}
