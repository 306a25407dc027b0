//! The tag message format (README "Tag message"), shared with OpenStack's release
//! jobs so that tags made by either are read by both:
//!
//! ```text
//! <project> <version> <kind>
//!
//! meta:version: <version>
//! meta:team: <team>
//! meta:diff-start: <diff-start or ->
//! meta:series: <series>
//! meta:branch: <branch>
//! meta:release-type: <kind>
//! meta:pypi: <yes|no>
//! meta:first: <yes|no>
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

/// What a version is, as OpenStack's `release.sh` says it: a development milestone
/// (`.0b1`, `.0a2`), a release candidate (`.0rc1`), else a release (series-end tags
/// such as `2023.1-eom` included). Forms `release.sh` never meets are read as versions:
/// a SemVer or PEP 440 pre-release is a release candidate when it says `rc` (or
/// PEP 440's `c`, `pre`, `preview`), otherwise a development milestone (`.dev3`,
/// `-alpha.1`, `-beta`, `-nightly.2`).
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
        use std::sync::LazyLock;
        // `release.sh`'s own patterns, searched anywhere in the version.
        static MILESTONE: LazyLock<regex::Regex> =
            LazyLock::new(|| regex::Regex::new(r"\.[0-9]+[ab][0-9]+").expect("a valid pattern"));
        static CANDIDATE: LazyLock<regex::Regex> =
            LazyLock::new(|| regex::Regex::new(r"\.[0-9]+rc[0-9]+").expect("a valid pattern"));
        if MILESTONE.is_match(version) {
            return ReleaseKind::Milestone;
        }
        if CANDIDATE.is_match(version) {
            return ReleaseKind::Candidate;
        }
        // A series-end tag (`2023.1-eom`) is not a SemVer pre-release.
        if crate::request::version::series_end(version).is_some() {
            return ReleaseKind::Release;
        }
        let unprefixed = version.strip_prefix(['v', 'V']).unwrap_or(version);
        match crate::version::Version::parse(unprefixed)
            .ok()
            .and_then(|v| v.pre)
        {
            Some(pre) if pre.kind == crate::version::PreKind::Rc => ReleaseKind::Candidate,
            Some(_) => ReleaseKind::Milestone,
            None => ReleaseKind::Release,
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

/// One `meta:<key>: <value>` line with its newline: the value on one line, without
/// trailing white space.
pub fn meta_line(key: &str, value: &str) -> String {
    let value = value.replace(['\r', '\n'], " ");
    format!("{}\n", format!("meta:{key}: {value}").trim_end())
}

/// The message tag-from-request writes: byte for byte what OpenStack's `release.sh`
/// writes for the same entry (README "Tag message"), so that tags made by either are
/// read by both.
#[derive(Debug, Clone, PartialEq)]
pub struct TagMessage {
    pub project: String,
    pub version: String,
    /// `meta:team`, written when known.
    pub team: Option<String>,
    /// `meta:diff-start`: the entry's `diff-start`, `-` when it has none.
    pub diff_start: Option<String>,
    pub series: String,
    /// `meta:branch`: the branch the release is made from, `-` when unknown.
    pub branch: String,
    /// `meta:pypi`, written when known (`yes`/`no`).
    pub pypi: Option<String>,
    pub first: bool,
    /// The request's own metadata keys, in the request's order, then the approval
    /// trail (`release:Author`, …).
    pub extra: Vec<(String, String)>,
}

impl TagMessage {
    pub fn kind(&self) -> ReleaseKind {
        ReleaseKind::of(&self.version)
    }

    /// The subject line, a blank line, and the `meta:` lines in `release.sh`'s order.
    /// Values are single lines without trailing white space (what `git tag -m`'s
    /// clean-up leaves of `release.sh`'s message).
    pub fn render(&self) -> String {
        let kind = self.kind();
        let mut out = format!("{} {} {}\n\n", self.project, self.version, kind);
        let mut line = |key: &str, value: &str| out.push_str(&meta_line(key, value));
        line("version", &self.version);
        if let Some(team) = &self.team {
            line("team", team);
        }
        line("diff-start", self.diff_start.as_deref().unwrap_or("-"));
        line("series", &self.series);
        line("branch", &self.branch);
        line("release-type", kind.as_str());
        if let Some(pypi) = &self.pypi {
            line("pypi", pypi);
        }
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
            ("6.0.0.0rc1", ReleaseKind::Candidate),
            ("6.1.1.0b1", ReleaseKind::Milestone),
            ("1.0.0a1", ReleaseKind::Milestone),
            ("2023.1-eom", ReleaseKind::Release),
            ("victoria-em", ReleaseKind::Release),
            ("juno-eol", ReleaseKind::Release),
            ("v0.4.0", ReleaseKind::Release),
            ("1.0.0.dev3", ReleaseKind::Milestone),
            ("1.0.0-pre.1", ReleaseKind::Candidate),
            ("1.0.0-nightly.2", ReleaseKind::Milestone),
            ("1.0.0rc1.post1", ReleaseKind::Candidate),
        ] {
            assert_eq!(ReleaseKind::of(v), k, "{v}");
        }
    }

    #[test]
    fn a_rendered_message_is_release_shs_and_reads_back() {
        // The entry of openstack/oslo.i18n's real tag 2023.1-eom (signature and
        // Gerrit lines left out).
        let msg = TagMessage {
            project: "oslo.i18n".into(),
            version: "2023.1-eom".into(),
            team: Some("oslo".into()),
            diff_start: None,
            series: "antelope".into(),
            branch: "stable/2023.1".into(),
            pypi: Some("yes".into()),
            first: false,
            extra: Vec::new(),
        };
        assert_eq!(
            msg.render(),
            "oslo.i18n 2023.1-eom release\n\nmeta:version: 2023.1-eom\nmeta:team: oslo\n\
             meta:diff-start: -\nmeta:series: antelope\nmeta:branch: stable/2023.1\n\
             meta:release-type: release\nmeta:pypi: yes\nmeta:first: no\n"
        );
        let ours = TagMessage {
            project: "api".into(),
            version: "1.2.0rc1".into(),
            team: None,
            diff_start: Some("1.1.0".into()),
            series: "2026.1".into(),
            branch: "main".into(),
            pypi: None,
            first: false,
            extra: vec![
                ("note".into(), "a\nb  ".into()),
                ("release:Author".into(), "Jane <j@x>".into()),
            ],
        };
        let text = ours.render();
        assert_eq!(
            text,
            "api 1.2.0rc1 release candidate\n\nmeta:version: 1.2.0rc1\nmeta:diff-start: 1.1.0\n\
             meta:series: 2026.1\nmeta:branch: main\nmeta:release-type: release candidate\n\
             meta:first: no\nmeta:note: a b\nmeta:release:Author: Jane <j@x>\n"
        );
        let m = TagMetadata::parse(&text);
        assert_eq!(m.get("release-type").as_deref(), Some("release candidate"));
        assert_eq!(m.get("release:Author").as_deref(), Some("Jane <j@x>"));
    }
}
