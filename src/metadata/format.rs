//! The tag message format (DESIGN.md "Tag metadata format"), shared with OpenStack's
//! release jobs so that tags made by either are read by both:
//!
//! ```text
//! <project> <version> <kind>
//!
//! meta:version: <version>
//! meta:series: <series>
//! meta:<key>: <value>
//! ```
//!
//! A key may itself hold colons (`meta:release:Code-Review+2: Name <mail>`): it ends at
//! the first `": "`. Git trailers (`Key: value` lines of the last paragraph) are read
//! too. Values are single lines; a key that appears more than once keeps every value.

use serde_json::{Map, Value};

/// The metadata of one tag, in the order the message gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagMetadata {
    entries: Vec<(String, String)>,
}

impl TagMetadata {
    /// Reads `meta:` lines anywhere after the subject, and the trailers of the last
    /// paragraph. The message must not hold the signature block.
    pub fn parse(message: &str) -> TagMetadata {
        let mut entries = Vec::new();
        for line in message.lines().skip(1) {
            if let Some(entry) = parse_meta_line(line) {
                entries.push(entry);
            }
        }
        entries.extend(parse_trailers(message));
        TagMetadata { entries }
    }

    pub fn from_entries(entries: Vec<(String, String)>) -> TagMetadata {
        TagMetadata { entries }
    }

    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of `key`; several values of one key are joined with newlines.
    pub fn get(&self, key: &str) -> Option<String> {
        let values: Vec<&str> = self
            .entries
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join("\n"))
    }

    /// Every key once, in first-seen order.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for (k, _) in &self.entries {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        keys
    }

    /// A JSON object of every key (repeated keys joined with newlines).
    pub fn to_json(&self) -> Map<String, Value> {
        self.keys()
            .into_iter()
            .map(|k| {
                (
                    k.to_string(),
                    Value::String(self.get(k).unwrap_or_default()),
                )
            })
            .collect()
    }
}

/// `meta:<key>: <value>`; the key ends at the first `": "` (a trailing `:` means an
/// empty value).
fn parse_meta_line(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("meta:")?;
    let (key, value) = match rest.find(": ") {
        Some(at) => (&rest[..at], rest[at + 2..].trim()),
        None => (rest.strip_suffix(':')?, ""),
    };
    let key = key.trim();
    (!key.is_empty()).then(|| (key.to_string(), value.to_string()))
}

/// The trailers of the last paragraph, when every line of it is a trailer, a `meta:`
/// line, or a continuation (as `git interpret-trailers` writes them).
fn parse_trailers(message: &str) -> Vec<(String, String)> {
    let normalized = message.replace("\r\n", "\n");
    let paragraphs: Vec<&str> = normalized
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .collect();
    if paragraphs.len() < 2 {
        return Vec::new();
    }
    let last = paragraphs[paragraphs.len() - 1];
    let mut trailers: Vec<(String, String)> = Vec::new();
    let mut after_trailer = false;
    for line in last.lines() {
        if line.starts_with([' ', '\t']) {
            if !after_trailer {
                return Vec::new();
            }
            if let Some((_, value)) = trailers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if line.starts_with("meta:") {
            after_trailer = false;
            continue;
        }
        match line.split_once(':') {
            Some((token, value)) if is_trailer_token(token) => {
                trailers.push((token.to_string(), value.trim().to_string()));
                after_trailer = true;
            }
            _ => return Vec::new(),
        }
    }
    trailers
}

fn is_trailer_token(token: &str) -> bool {
    let mut chars = token.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// What a version is: a release, a release candidate (`rcN`) or a development
/// milestone (`aN`, `bN`, `alpha`, `beta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ReleaseKind {
    #[serde(rename = "release")]
    Release,
    #[serde(rename = "release candidate")]
    Candidate,
    #[serde(rename = "development milestone")]
    Milestone,
}

impl ReleaseKind {
    pub fn of(version: &str) -> ReleaseKind {
        let lower = version.to_ascii_lowercase();
        // The part after the numeric release: `1.0.0rc1`, `1.0.0-rc.1`, `2.0.0b3`.
        let suffix = lower.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == 'v');
        let suffix = suffix.split('+').next().unwrap_or("");
        if suffix.contains("rc") {
            ReleaseKind::Candidate
        } else if suffix.contains("alpha")
            || suffix.contains("beta")
            || suffix
                .trim_start_matches(['-', '.'])
                .starts_with(['a', 'b'])
                && suffix
                    .trim_start_matches(['-', '.'])
                    .chars()
                    .nth(1)
                    .is_none_or(|c| c.is_ascii_digit() || c == '.')
        {
            ReleaseKind::Milestone
        } else {
            ReleaseKind::Release
        }
    }

    pub fn is_prerelease(self) -> bool {
        self != ReleaseKind::Release
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseKind::Release => "release",
            ReleaseKind::Candidate => "release candidate",
            ReleaseKind::Milestone => "development milestone",
        }
    }
}

impl std::fmt::Display for ReleaseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The message tag-from-request writes.
#[derive(Debug, Clone, PartialEq)]
pub struct TagMessage {
    pub project: String,
    pub version: String,
    pub series: String,
    pub branch: String,
    pub diff_start: Option<String>,
    pub first: bool,
    /// The request's own metadata keys, in the request's order.
    pub extra: Vec<(String, String)>,
}

impl TagMessage {
    pub fn kind(&self) -> ReleaseKind {
        ReleaseKind::of(&self.version)
    }

    pub fn render(&self) -> String {
        let kind = self.kind();
        let mut out = format!("{} {} {}\n\n", self.project, self.version, kind);
        let one_line = |v: &str| v.replace(['\r', '\n'], " ");
        let mut line = |key: &str, value: &str| {
            out.push_str(&format!("meta:{key}: {}\n", one_line(value)));
        };
        line("version", &self.version);
        line("series", &self.series);
        line("branch", &self.branch);
        line("diff-start", self.diff_start.as_deref().unwrap_or("-"));
        line("release-type", kind.as_str());
        line("first", if self.first { "yes" } else { "no" });
        for (key, value) in &self.extra {
            line(key, value);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_openstack_meta_lines_with_colons_in_keys() {
        let msg = "nova 29.0.0 release\n\nmeta:version: 29.0.0\nmeta:diff-start: -\n\
                   meta:release:Code-Review+2: Jane Doe <jane@example.org>\n\
                   meta:release:Code-Review+2: John Roe <john@example.org>\nmeta:empty:\n";
        let m = TagMetadata::parse(msg);
        assert_eq!(m.get("version").as_deref(), Some("29.0.0"));
        assert_eq!(m.get("diff-start").as_deref(), Some("-"));
        assert_eq!(
            m.get("release:Code-Review+2").as_deref(),
            Some("Jane Doe <jane@example.org>\nJohn Roe <john@example.org>")
        );
        assert_eq!(m.get("empty").as_deref(), Some(""));
        assert_eq!(
            m.keys(),
            ["version", "diff-start", "release:Code-Review+2", "empty"]
        );
    }

    #[test]
    fn reads_git_trailers_of_the_last_paragraph() {
        let msg = "Release 1.0\n\nSome notes: not a trailer block\nbecause of this line\n\n\
                   Release-Type: release\nSeries: 2026.1\nSigned-off-by: A <a@x>\n  continued\n";
        let m = TagMetadata::parse(msg);
        assert_eq!(m.get("Release-Type").as_deref(), Some("release"));
        assert_eq!(m.get("Series").as_deref(), Some("2026.1"));
        assert_eq!(m.get("Signed-off-by").as_deref(), Some("A <a@x> continued"));
        assert_eq!(m.get("Some notes"), None);
    }

    #[test]
    fn a_subject_alone_is_not_a_trailer() {
        assert!(TagMetadata::parse("Fix: something\n").is_empty());
        assert!(TagMetadata::parse("v1\n\nnotes here\nmore: text with space key\n").is_empty());
    }

    #[test]
    fn release_kinds_follow_the_version() {
        for (v, k) in [
            ("1.0.0", ReleaseKind::Release),
            ("1.0.0rc1", ReleaseKind::Candidate),
            ("1.0.0-rc.2", ReleaseKind::Candidate),
            ("2.0.0b3", ReleaseKind::Milestone),
            ("2.0.0a1", ReleaseKind::Milestone),
            ("2.0.0-beta.1", ReleaseKind::Milestone),
            ("3.0.0-alpha", ReleaseKind::Milestone),
            ("1.0.0+build.5", ReleaseKind::Release),
        ] {
            assert_eq!(ReleaseKind::of(v), k, "{v}");
        }
    }

    #[test]
    fn a_rendered_message_reads_back() {
        let msg = TagMessage {
            project: "api".into(),
            version: "1.2.0rc1".into(),
            series: "2026.1".into(),
            branch: "main".into(),
            diff_start: None,
            first: false,
            extra: vec![
                ("pypi".into(), "yes".into()),
                ("note".into(), "a\nb".into()),
            ],
        };
        let text = msg.render();
        assert!(text.starts_with("api 1.2.0rc1 release candidate\n\nmeta:version: 1.2.0rc1\n"));
        let m = TagMetadata::parse(&text);
        assert_eq!(m.get("release-type").as_deref(), Some("release candidate"));
        assert_eq!(m.get("diff-start").as_deref(), Some("-"));
        assert_eq!(m.get("first").as_deref(), Some("no"));
        assert_eq!(m.get("note").as_deref(), Some("a b"));
    }
}
