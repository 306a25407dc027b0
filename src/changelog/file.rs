//! CHANGELOG.md as the tool edits it: version sections are found by their `## `
//! headings (`## [1.2.0] - 2026-01-15`, `## 1.2.0`, `## v1.2.0 - date`, outside code
//! fences); a new section goes after the header and before the newest version
//! section; a section of the same version is replaced, never duplicated; every other
//! byte of the file stays as it was (line endings included). A file with a code fence
//! or an HTML comment that is never closed is refused ([`unclosed_fence`]): everything
//! after it is code or a comment.

use super::ChangelogError;
use crate::fsio::{SpanEdit, apply_edits};
use crate::version::Version;
use crate::{Location, Result};
use std::ops::Range;
use std::path::Path;

/// Reads the changelog; `None` when it does not exist.
pub(super) fn read(path: &Path) -> Result<Option<String>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ChangelogError::Read {
                path: path.to_path_buf(),
                error: source,
            }
            .into());
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => match unclosed_fence(&text) {
            None => Ok(Some(text)),
            Some(at) if text[at..].starts_with("<!--") => Err(ChangelogError::UnclosedComment {
                location: Location::at_offset(path, &text, at),
            }
            .into()),
            Some(at) => {
                let marker = text[at..].chars().next().unwrap_or('`');
                let run = text[at..].chars().take_while(|&c| c == marker).count();
                Err(ChangelogError::UnclosedFence {
                    location: Location::at_offset(path, &text, at),
                    fence: marker.to_string().repeat(run),
                }
                .into())
            }
        },
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            Err(ChangelogError::NotText {
                location: Location::at_offset(path, &text, valid),
            }
            .into())
        }
    }
}

/// What the edit does to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileAction {
    /// The file did not exist; it is created with a header.
    Created,
    /// The section is new in the file.
    Inserted,
    /// The version's section was there and is replaced.
    Replaced,
    /// The version's section was there with exactly these bytes.
    Unchanged,
}

impl FileAction {
    /// What was done to the file, after the file's name (`CHANGELOG.md: …`).
    pub fn describe(self) -> &'static str {
        match self {
            FileAction::Created => "created with the section",
            FileAction::Inserted => "section inserted",
            FileAction::Replaced => "section replaced",
            FileAction::Unchanged => "section already up to date",
        }
    }

    /// What a dry run would do to the file, after the file's name.
    pub fn describe_planned(self) -> &'static str {
        match self {
            FileAction::Created => "would be created with the section",
            FileAction::Inserted => "the section would be inserted",
            FileAction::Replaced => "the section would be replaced",
            FileAction::Unchanged => "the section is already up to date (nothing to write)",
        }
    }
}

/// The header of a new changelog.
pub const NEW_FILE_HEADER: &str = "# Changelog\n\n\
All notable changes to this project are documented in this file.\n\
The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).\n\n";

/// A `#` or `##` heading line outside code fences.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// Byte offset where the heading line starts.
    pub start: usize,
    /// 1 for `#`, 2 for `##`.
    pub level: usize,
    /// The version a `##` heading names.
    pub version: Option<Version>,
}

/// Every level-1 and level-2 ATX heading, in file order.
pub fn headings(text: &str) -> Vec<Heading> {
    scan(text).0
}

/// Where a code fence (or an HTML comment) that is never closed starts: the byte offset
/// of its first backtick or tilde (or of `<!--`). Markdown makes the rest of such a file
/// code (or a comment): a heading after it is no heading, and a section put there would
/// not show as one, so the tool refuses the file instead of guessing where it was meant
/// to end.
pub fn unclosed_fence(text: &str) -> Option<usize> {
    scan(text).1
}

/// The headings outside code fences and HTML comments, and the start of a fence or
/// comment still open at the end (CommonMark: either then runs to the end of the file).
fn scan(text: &str) -> (Vec<Heading>, Option<usize>) {
    let mut found = Vec::new();
    // The open fence: its character, its length, and where it starts.
    let mut fence: Option<(u8, usize, usize)> = None;
    // Inside an HTML comment block (CommonMark: a line starting `<!--` up to the line
    // holding `-->`): a `## [1.2.0]` there is commented out, not a heading.
    let mut comment: Option<usize> = None;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        if comment.is_some() {
            if line.contains("-->") {
                comment = None;
            }
            continue;
        }
        if fence.is_none() && indent <= 3 && body.starts_with("<!--") {
            if !body["<!--".len()..].contains("-->") {
                comment = Some(start + indent);
            }
            continue;
        }
        if indent <= 3 && (body.starts_with("```") || body.starts_with("~~~")) {
            let marker = body.as_bytes()[0];
            let run = body.bytes().take_while(|&b| b == marker).count();
            match fence {
                None => fence = Some((marker, run, start + indent)),
                Some((m, n, _)) if m == marker && run >= n && body[run..].trim().is_empty() => {
                    fence = None
                }
                Some(_) => {}
            }
            continue;
        }
        if fence.is_some() || indent > 0 {
            continue;
        }
        if let Some(title) = line.strip_prefix("## ") {
            found.push(Heading {
                start,
                level: 2,
                version: heading_version(title),
            });
        } else if line.starts_with("# ") || line == "#" || line == "##" {
            found.push(Heading {
                start,
                level: line.bytes().take_while(|&b| b == b'#').count(),
                version: None,
            });
        }
    }
    (found, fence.map(|(_, _, at)| at).or(comment))
}

/// The version a heading's title names: `[1.2.0] - date`, `1.2.0`, `v1.2.0 - date`,
/// `[v1.2.0](url)`.
pub fn heading_version(title: &str) -> Option<Version> {
    let title = title.trim();
    let title = title.strip_prefix('[').unwrap_or(title);
    let title = title
        .strip_prefix('v')
        .or_else(|| title.strip_prefix('V'))
        .unwrap_or(title);
    let end = title.find([']', ' ', '\t', '(']).unwrap_or(title.len());
    Version::parse(&title[..end]).ok()
}

/// Where trailing link reference definitions (`[1.2.0]: https://…`) start, or the
/// end of the text: a section never swallows them.
fn content_end(text: &str) -> usize {
    let mut end = text.len();
    let mut block_start = None;
    for line in text[..end].split_inclusive('\n').rev() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            end -= line.len();
            continue;
        }
        if is_reference_definition(trimmed) {
            end -= line.len();
            block_start = Some(end);
            continue;
        }
        break;
    }
    block_start.unwrap_or(text.len())
}

fn is_reference_definition(line: &str) -> bool {
    line.starts_with('[')
        && line
            .find("]:")
            .is_some_and(|at| at > 1 && !line[at + 2..].trim().is_empty())
}

/// The byte span of the section of `version`, when the file has one.
fn section_span(text: &str, found: &[Heading], version: &Version) -> Option<Range<usize>> {
    let index = found.iter().position(|h| {
        h.level == 2
            && h.version
                .as_ref()
                .is_some_and(|v| v.as_str() == version.as_str())
    })?;
    let start = found[index].start;
    let end = found
        .get(index + 1)
        .map_or_else(|| content_end(text).max(start), |next| next.start);
    Some(start..end)
}

/// The text of the section of `version` without its heading line, when the file has
/// one.
pub fn section<'a>(text: &'a str, version: &Version) -> Option<&'a str> {
    let span = section_span(text, &headings(text), version)?;
    let section = &text[span];
    Some(section.split_once('\n').map_or("", |(_, rest)| rest))
}

/// The highest version among the file's headings that can precede `version`.
pub fn previous_version(text: &str, version: &Version) -> Option<Version> {
    let found = headings(text);
    super::previous::highest_before(found.iter().filter_map(|h| h.version.as_ref()), version)
        .cloned()
}

/// The new text of the changelog with `section` (LF line endings, ending in one
/// newline) for `version`; `old` is the current text, `None` when the file is missing.
pub fn apply_section(old: Option<&str>, section: &str, version: &Version) -> (FileAction, String) {
    let section = format!("{}\n", section.trim_end());
    let Some(old) = old else {
        return (FileAction::Created, format!("{NEW_FILE_HEADER}{section}"));
    };
    let crlf = old
        .find('\n')
        .is_some_and(|at| at > 0 && old.as_bytes()[at - 1] == b'\r');
    let nl = if crlf { "\r\n" } else { "\n" };
    let section = if crlf {
        section.replace('\n', "\r\n")
    } else {
        section
    };
    let found = headings(old);
    if let Some(span) = section_span(old, &found, version) {
        let followed = span.end < old.len();
        let replacement = if followed {
            format!("{section}{nl}")
        } else {
            section
        };
        if old[span.clone()] == replacement {
            return (FileAction::Unchanged, old.to_string());
        }
        let edit = SpanEdit {
            range: span,
            replacement,
        };
        let text = apply_edits(old, &[edit]).expect("the span lies inside the text");
        return (FileAction::Replaced, text);
    }
    let newest = found.iter().find(|h| h.level == 2 && h.version.is_some());
    let (at, replacement) = match newest {
        Some(heading) => (heading.start, format!("{section}{nl}")),
        None => {
            let at = content_end(old);
            let before = &old[..at];
            let lead = if before.is_empty() || before.ends_with(&format!("{nl}{nl}")) {
                ""
            } else if before.ends_with('\n') {
                nl
            } else {
                if crlf { "\r\n\r\n" } else { "\n\n" }
            };
            let tail = if at < old.len() { nl } else { "" };
            (at, format!("{lead}{section}{tail}"))
        }
    };
    let edit = SpanEdit {
        range: at..at,
        replacement,
    };
    let text = apply_edits(old, &[edit]).expect("the offset lies inside the text");
    (FileAction::Inserted, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn reads_the_versions_of_the_usual_heading_forms() {
        for (title, version) in [
            ("[1.2.0] - 2026-01-15", Some("1.2.0")),
            ("1.2.0", Some("1.2.0")),
            ("v1.2.0 - 2026-01-15", Some("1.2.0")),
            (
                "[v2.0.0-rc.1](https://x/compare/a...b) (2026-01-15)",
                Some("2.0.0-rc.1"),
            ),
            ("[Unreleased]", None),
            ("Notes", None),
        ] {
            assert_eq!(
                heading_version(title).as_ref().map(Version::as_str),
                version,
                "{title}"
            );
        }
    }

    #[test]
    fn headings_inside_html_comments_do_not_count() {
        let text = "# C\n\n<!--\n## [9.9.9] - 2026-01-01\n-->\n<!-- ## [8.0.0] -->\n\
                    <!-- a note\n## 7.0.0\n   end --> after\n## [1.0.0] - 2025-01-01\n";
        let versions: Vec<_> = headings(text)
            .into_iter()
            .filter_map(|h| h.version.map(|v| v.as_str().to_string()))
            .collect();
        assert_eq!(versions, ["1.0.0"]);
    }

    #[test]
    fn headings_inside_code_fences_do_not_count() {
        let text = "# T\n\n```md\n## 9.9.9\n```\n\n## 1.0.0\n";
        let found = headings(text);
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].version.as_ref().unwrap().as_str(), "1.0.0");
    }

    #[test]
    fn an_unclosed_fence_is_found_where_it_opens() {
        assert_eq!(
            unclosed_fence("# C\n\n```md\n## 9.9.9\n```\n\n## 1.0.0\n"),
            None
        );
        let text = "# C\n\n## 1.0.0\n\n  ```sh\nmake\n## 0.9.0\n";
        assert_eq!(unclosed_fence(text), Some(text.find("```").unwrap()));
        // A shorter run, or the other character, does not close it.
        let text = "# C\n\n````\n```\n~~~~\n";
        assert_eq!(unclosed_fence(text), Some(5));
        assert_eq!(unclosed_fence("# C\n\n~~~\nx\n~~~~\n"), None);
        // Indented by four, it is code, not a fence.
        assert_eq!(unclosed_fence("# C\n\n    ```\n"), None);
        assert_eq!(unclosed_fence("# C\n\n<!-- x\n## 1.0.0\n"), Some(5));
        assert_eq!(unclosed_fence("# C\n\n<!-- x\n-->\n## 1.0.0\n"), None);
    }

    proptest::proptest! {
        /// The fuzz target's property on files made of the lines that matter: outside
        /// a file the tool refuses, an added section is found again and opens no fence.
        #[test]
        fn an_added_section_is_found_unless_a_fence_is_left_open(
            lines in proptest::collection::vec(proptest::sample::select(vec![
                "```", "```sh", "~~~", "````", "  ```", "    ```", "## 1.0.0",
                "## [0.9.0] - x", "## [2.0.0]", "# C", "text", "", "[a]: https://x",
            ]), 0..12),
            crlf in proptest::bool::ANY,
            final_newline in proptest::bool::ANY,
        ) {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join(nl);
            if final_newline && !text.is_empty() {
                text.push_str(nl);
            }
            let version = v("1.1.0");
            if unclosed_fence(&text).is_none() {
                let (_, new) = apply_section(Some(&text), "## [1.1.0]\n\n- a\n", &version);
                proptest::prop_assert_eq!(unclosed_fence(&new), None);
                proptest::prop_assert!(
                    headings(&new).iter().any(|h| h.version.as_ref() == Some(&version)),
                    "{:?}",
                    new
                );
            }
        }
    }

    #[test]
    fn the_previous_version_is_the_highest_heading_below() {
        let text = "# C\n\n## [Unreleased]\n\n## [1.2.0]\n\n## [1.2.0-rc.1]\n\n## 1.1.0\n";
        assert_eq!(
            previous_version(text, &v("1.2.0")).unwrap().as_str(),
            "1.1.0"
        );
        assert_eq!(
            previous_version(text, &v("1.3.0")).unwrap().as_str(),
            "1.2.0"
        );
        assert_eq!(previous_version(text, &v("1.0.0")), None);
    }

    #[test]
    fn inserts_before_the_newest_section_and_keeps_the_rest() {
        let old = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- wip\n\n## [1.1.0] - x\n\n- a\n";
        let (action, new) = apply_section(Some(old), "## [1.2.0] - y\n\n- b", &v("1.2.0"));
        assert_eq!(action, FileAction::Inserted);
        assert_eq!(
            new,
            "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- wip\n\n## [1.2.0] - y\n\n- b\n\n## [1.1.0] - x\n\n- a\n"
        );
    }

    #[test]
    fn replaces_the_same_version_and_is_idempotent() {
        let old = "# C\n\n## [1.2.0] - y\n\n- old\n\n## [1.1.0]\n\n- a\n\n[1.1.0]: https://x\n";
        let (action, new) = apply_section(Some(old), "## [1.2.0] - y\n\n- new\n", &v("1.2.0"));
        assert_eq!(action, FileAction::Replaced);
        assert_eq!(
            new,
            "# C\n\n## [1.2.0] - y\n\n- new\n\n## [1.1.0]\n\n- a\n\n[1.1.0]: https://x\n"
        );
        let (again, same) = apply_section(Some(&new), "## [1.2.0] - y\n\n- new\n", &v("1.2.0"));
        assert_eq!(
            (again, same.as_str()),
            (FileAction::Unchanged, new.as_str())
        );
    }

    #[test]
    fn the_last_section_keeps_the_reference_definitions_after_it() {
        let old = "# C\n\n## [1.2.0]\n\n- old\n\n[1.2.0]: https://x\n";
        let (_, new) = apply_section(Some(old), "## [1.2.0]\n\n- new", &v("1.2.0"));
        assert_eq!(new, "# C\n\n## [1.2.0]\n\n- new\n\n[1.2.0]: https://x\n");
    }

    #[test]
    fn a_file_without_sections_gets_the_section_after_its_header() {
        let (_, new) = apply_section(Some("# Changelog"), "## 1.0.0\n", &v("1.0.0"));
        assert_eq!(new, "# Changelog\n\n## 1.0.0\n");
        let (_, new) = apply_section(Some(""), "## 1.0.0\n", &v("1.0.0"));
        assert_eq!(new, "## 1.0.0\n");
        let (action, new) = apply_section(None, "## 1.0.0\n", &v("1.0.0"));
        assert_eq!(action, FileAction::Created);
        assert_eq!(new, format!("{NEW_FILE_HEADER}## 1.0.0\n"));
    }

    #[test]
    fn a_header_with_reference_definitions_keeps_them_last() {
        let (_, new) = apply_section(Some("# C\n\n[x]: https://x\n"), "## 1.0.0\n", &v("1.0.0"));
        assert_eq!(new, "# C\n\n## 1.0.0\n\n[x]: https://x\n");
    }

    #[test]
    fn crlf_files_get_crlf_sections() {
        let old = "# C\r\n\r\n## 1.0.0\r\n\r\n- a\r\n";
        let (_, new) = apply_section(Some(old), "## 1.1.0\n\n- b\n", &v("1.1.0"));
        assert_eq!(
            new,
            "# C\r\n\r\n## 1.1.0\r\n\r\n- b\r\n\r\n## 1.0.0\r\n\r\n- a\r\n"
        );
    }
}
