//! Release request files (DESIGN.md "Release request file"): OpenStack's deliverable
//! shape (`releases` → `version` → `projects` → `repo`/`hash`) with our keys
//! (`series`, `branch`, `metadata`, `diff-start`, a project's `tag`), read strictly so
//! that every mistake is named at its `file:line:col` before anything is tagged.
//!
//! This module only reads and validates: which entries a run takes is
//! [`select`](ReleaseRequest::select) (newest, all, or new since a revision through
//! [`changed`]); what is done with them belongs to the tools (tag-from-request,
//! generate-changelog, verify-release).

pub mod changed;
mod yaml;

use crate::Location;
use crate::metadata::TagMessage;
use crate::version::Version;
use std::path::{Path, PathBuf};
use yaml::{Node, Value};

/// A parsed and validated release request file.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRequest {
    /// The file, as it was named.
    pub path: PathBuf,
    /// `series`, or the name of the file's folder.
    pub series: String,
    /// `branch`, when the file names one.
    pub branch: Option<String>,
    /// Keys copied into every tag as `meta:<key>: <value>`, in the file's order:
    /// `metadata`, then OpenStack's `team` and `pypi` (from `include-pypi-link` or
    /// `release-type: python-pypi`) unless `metadata` names them itself.
    pub metadata: Vec<(String, String)>,
    /// Every release entry, in the file's order (the newest is the last).
    pub releases: Vec<Release>,
}

/// One entry of `releases`.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub version: Version,
    /// `diff-start`, else the previous entry's version, else `None` (the first).
    pub diff_start: Option<String>,
    pub projects: Vec<Project>,
    /// Where the entry starts.
    pub location: Location,
}

/// One repository of a release entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// `owner/name` on the forge, or a git URL or path.
    pub repo: String,
    /// The full commit id (lower-case hex).
    pub hash: String,
    /// An explicit tag name for this project.
    pub tag: Option<String>,
    /// Where the project's entry starts.
    pub location: Location,
}

impl Project {
    /// The last segment of the repo name (`acme/api.git` → `api`), the `<project>` of
    /// the tag message.
    pub fn short_name(&self) -> &str {
        let trimmed = self.repo.trim_end_matches('/');
        let last = trimmed
            .rsplit(['/', ':'])
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or(trimmed);
        last.strip_suffix(".git").unwrap_or(last)
    }
}

/// Which release entries of a file a run takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The last entry (what a merged request adds).
    Newest,
    /// Every entry (a re-sync of history).
    All,
    /// The entries whose versions were not in the file at some earlier revision
    /// (computed by [`changed`]).
    Versions(Vec<String>),
}

impl ReleaseRequest {
    /// Reads and validates a request file.
    pub fn load(path: &Path) -> Result<ReleaseRequest, RequestError> {
        let bytes = crate::fsio::read_document(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::FileTooLarge => RequestError::Invalid {
                location: Location::new(path, 1, 1),
                message: crate::fsio::too_large_message(),
            },
            _ => RequestError::Read {
                path: path.to_path_buf(),
                source,
            },
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let before = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            RequestError::Invalid {
                location: Location::at_offset(path, &before, valid),
                message: "invalid UTF-8".into(),
            }
        })?;
        ReleaseRequest::parse(&text, path)
    }

    /// Parses the text of a request file named `path` (for messages and the default
    /// series).
    pub fn parse(text: &str, path: &Path) -> Result<ReleaseRequest, RequestError> {
        Reader { path }.request(text)
    }

    /// The indices of the entries `selection` takes, in the file's order.
    pub fn select(&self, selection: &Selection) -> Vec<usize> {
        match selection {
            Selection::Newest => self.releases.len().checked_sub(1).into_iter().collect(),
            Selection::All => (0..self.releases.len()).collect(),
            Selection::Versions(versions) => (0..self.releases.len())
                .filter(|&i| {
                    versions
                        .iter()
                        .any(|v| v == self.releases[i].version.as_str())
                })
                .collect(),
        }
    }

    /// The index of the first entry whose version is not a pre-release: its tags say
    /// `meta:first: yes`.
    pub fn first_release(&self) -> Option<usize> {
        self.releases
            .iter()
            .position(|r| !r.version.is_prerelease())
    }

    /// The DESIGN.md tag message for `project` of entry `release`.
    pub fn tag_message(&self, release: usize, project: &Project) -> TagMessage {
        let entry = &self.releases[release];
        TagMessage {
            project: project.short_name().to_string(),
            version: entry.version.to_string(),
            series: self.series.clone(),
            branch: self.branch.clone().unwrap_or_else(|| "-".to_string()),
            diff_start: entry.diff_start.clone(),
            first: self.first_release() == Some(release),
            extra: self.metadata.clone(),
        }
    }
}

/// Errors of reading request files. All but an unreadable file are bad input.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
    #[error("{0}")]
    Revision(String),
}

impl RequestError {
    pub fn is_bad_input(&self) -> bool {
        true
    }

    pub fn location(&self) -> Option<&Location> {
        match self {
            RequestError::Invalid { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// The top-level keys OpenStack's deliverable files hold besides ours; accepted and,
/// apart from `team`, `include-pypi-link` and `release-type`, ignored.
const OPENSTACK_KEYS: &[&str] = &[
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
    "cycle-highlights",
    "branches",
];

/// The keys every tag message has; `metadata` cannot name them again.
const RESERVED_KEYS: &[&str] = &[
    "version",
    "series",
    "branch",
    "diff-start",
    "release-type",
    "first",
];

const OUR_KEYS: &[&str] = &["series", "branch", "metadata", "releases"];
const RELEASE_KEYS: &[&str] = &["version", "projects", "diff-start", "highlights"];
const PROJECT_KEYS: &[&str] = &[
    "repo",
    "hash",
    "tag",
    "comment",
    "highlights",
    "tarball-base",
];

struct Reader<'a> {
    path: &'a Path,
}

impl Reader<'_> {
    fn fail(&self, node: &Node, message: impl Into<String>) -> RequestError {
        RequestError::Invalid {
            location: Location::new(self.path, node.line, node.column),
            message: message.into(),
        }
    }

    fn location(&self, node: &Node) -> Location {
        Location::new(self.path, node.line, node.column)
    }

    /// The entries of a mapping, refusing keys outside `known` and repeated keys.
    fn mapping<'n>(
        &self,
        node: &'n Node,
        what: &str,
        known: &[&[&str]],
    ) -> Result<Vec<(&'n str, &'n Node, &'n Node)>, RequestError> {
        let Value::Map(entries) = &node.value else {
            return Err(self.fail(
                node,
                format!("{what} must be a mapping, found {}", node.kind()),
            ));
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for (key, value) in entries {
            let Some(name) = key.text() else {
                return Err(self.fail(key, format!("a key of {what} must be a text")));
            };
            if !known.iter().any(|set| set.contains(&name)) {
                let expected: Vec<&str> = known.iter().flat_map(|s| s.iter().copied()).collect();
                return Err(self.fail(
                    key,
                    format!(
                        "unknown key `{name}` in {what} (expected one of: {})",
                        expected.join(", ")
                    ),
                ));
            }
            if seen.contains(&name) {
                return Err(self.fail(key, format!("`{name}` is given twice in {what}")));
            }
            seen.push(name);
            out.push((name, key, value));
        }
        Ok(out)
    }

    /// A single-line text value.
    fn text(&self, node: &Node, what: &str) -> Result<String, RequestError> {
        match node.text() {
            Some(text) if text.contains(['\n', '\r']) => {
                Err(self.fail(node, format!("{what} must be a single line")))
            }
            Some(text) if text.trim().is_empty() => {
                Err(self.fail(node, format!("{what} must not be empty")))
            }
            Some(text) => Ok(text.to_string()),
            None => Err(self.fail(
                node,
                format!("{what} must be a text, found {}", node.kind()),
            )),
        }
    }

    fn request(&self, text: &str) -> Result<ReleaseRequest, RequestError> {
        let root = yaml::parse(text)
            .map_err(|e| RequestError::Invalid {
                location: Location::new(self.path, e.line, e.column),
                message: format!("not valid YAML: {}", e.message),
            })?
            .ok_or_else(|| RequestError::Invalid {
                location: Location::new(self.path, 1, 1),
                message: "the file is empty; a request needs `releases`".into(),
            })?;
        let entries = self.mapping(&root, "the request", &[OUR_KEYS, OPENSTACK_KEYS])?;
        let mut series = None;
        let mut branch = None;
        let mut metadata: Vec<(String, String)> = Vec::new();
        let mut releases_node = None;
        let mut team = None;
        let mut pypi: Option<bool> = None;
        let mut python_pypi = false;
        for (name, _, value) in entries {
            match name {
                "series" => series = Some(self.text(value, "`series`")?),
                "branch" => branch = Some(self.text(value, "`branch`")?),
                "metadata" => metadata = self.metadata(value)?,
                "releases" => releases_node = Some(value),
                "team" => team = Some(self.text(value, "`team`")?),
                "include-pypi-link" => pypi = Some(self.boolean(value, "`include-pypi-link`")?),
                "release-type" => {
                    python_pypi = self.text(value, "`release-type`")? == "python-pypi"
                }
                _ => {}
            }
        }
        let has = |m: &[(String, String)], key: &str| m.iter().any(|(k, _)| k == key);
        if let Some(team) = team
            && !has(&metadata, "team")
        {
            metadata.push(("team".into(), team));
        }
        if (pypi.is_some() || python_pypi) && !has(&metadata, "pypi") {
            let yes = python_pypi || pypi == Some(true);
            metadata.push(("pypi".into(), if yes { "yes" } else { "no" }.into()));
        }
        let series = match series {
            Some(s) => s,
            None => self.default_series(&root)?,
        };
        let Some(releases_node) = releases_node else {
            return Err(self.fail(&root, "the request has no `releases`"));
        };
        let releases = self.releases(releases_node)?;
        Ok(ReleaseRequest {
            path: self.path.to_path_buf(),
            series,
            branch,
            metadata,
            releases,
        })
    }

    fn default_series(&self, root: &Node) -> Result<String, RequestError> {
        let parent = self.path.parent().filter(|p| !p.as_os_str().is_empty());
        let absolute = match parent {
            Some(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()),
            None => std::env::current_dir().unwrap_or_default(),
        };
        absolute
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                self.fail(
                    root,
                    "no `series`, and the file's folder has no name to take it from",
                )
            })
    }

    fn boolean(&self, node: &Node, what: &str) -> Result<bool, RequestError> {
        match node.text() {
            Some("true" | "True" | "TRUE" | "yes" | "Yes" | "on") => Ok(true),
            Some("false" | "False" | "FALSE" | "no" | "No" | "off") => Ok(false),
            _ => Err(self.fail(node, format!("{what} must be true or false"))),
        }
    }

    fn metadata(&self, node: &Node) -> Result<Vec<(String, String)>, RequestError> {
        if node.is_null() {
            return Ok(Vec::new());
        }
        let Value::Map(entries) = &node.value else {
            return Err(self.fail(
                node,
                format!("`metadata` must be a mapping, found {}", node.kind()),
            ));
        };
        let mut out: Vec<(String, String)> = Vec::new();
        for (key, value) in entries {
            let name = self.text(key, "a metadata key")?;
            if name.contains(": ") || name.ends_with(':') || name.contains(char::is_whitespace) {
                return Err(self.fail(
                    key,
                    format!("metadata key `{name}` must not hold white space or end a key (`: `)"),
                ));
            }
            if RESERVED_KEYS.contains(&name.as_str()) {
                return Err(self.fail(
                    key,
                    format!(
                        "metadata key `{name}` is written by the tool itself; choose another name"
                    ),
                ));
            }
            if out.iter().any(|(k, _)| *k == name) {
                return Err(self.fail(key, format!("`{name}` is given twice in `metadata`")));
            }
            let text = match &value.value {
                Value::Scalar { .. } if value.is_null() => String::new(),
                Value::Scalar { text, .. } if text.contains(['\n', '\r']) => {
                    return Err(self.fail(
                        value,
                        format!(
                            "metadata `{name}` must be a single line (tag metadata values are)"
                        ),
                    ));
                }
                Value::Scalar { text, .. } => text.clone(),
                _ => {
                    return Err(self.fail(
                        value,
                        format!("metadata `{name}` must be a text, found {}", value.kind()),
                    ));
                }
            };
            out.push((name, text));
        }
        Ok(out)
    }

    fn releases(&self, node: &Node) -> Result<Vec<Release>, RequestError> {
        let Value::Seq(items) = &node.value else {
            return Err(self.fail(
                node,
                format!("`releases` must be a list, found {}", node.kind()),
            ));
        };
        let mut releases: Vec<Release> = Vec::new();
        for item in items {
            let entries = self.mapping(item, "a release", &[RELEASE_KEYS])?;
            let mut version = None;
            let mut diff_start = None;
            let mut projects_node = None;
            for (name, _, value) in entries {
                match name {
                    "version" => {
                        let text = self.text(value, "`version`")?;
                        let parsed =
                            Version::parse(&text).map_err(|e| self.fail(value, e.to_string()))?;
                        if let Some(earlier) = releases.iter().find(|r| r.version.as_str() == text)
                        {
                            return Err(self.fail(
                                value,
                                format!(
                                    "version {text} is listed twice (first at {})",
                                    earlier.location
                                ),
                            ));
                        }
                        version = Some(parsed);
                    }
                    "diff-start" => diff_start = Some(self.text(value, "`diff-start`")?),
                    "projects" => projects_node = Some(value),
                    _ => {}
                }
            }
            let version = version.ok_or_else(|| self.fail(item, "the release has no `version`"))?;
            let projects_node =
                projects_node.ok_or_else(|| self.fail(item, "the release has no `projects`"))?;
            let projects = self.projects(projects_node)?;
            let diff_start = diff_start.or_else(|| releases.last().map(|r| r.version.to_string()));
            releases.push(Release {
                version,
                diff_start,
                projects,
                location: self.location(item),
            });
        }
        if releases.is_empty() {
            return Err(self.fail(node, "`releases` is empty"));
        }
        Ok(releases)
    }

    fn projects(&self, node: &Node) -> Result<Vec<Project>, RequestError> {
        let Value::Seq(items) = &node.value else {
            return Err(self.fail(
                node,
                format!("`projects` must be a list, found {}", node.kind()),
            ));
        };
        if items.is_empty() {
            return Err(self.fail(node, "`projects` is empty"));
        }
        let mut projects: Vec<Project> = Vec::new();
        for item in items {
            let entries = self.mapping(item, "a project", &[PROJECT_KEYS])?;
            let mut repo = None;
            let mut hash = None;
            let mut tag = None;
            for (name, _, value) in entries {
                match name {
                    "repo" => {
                        let text = self.text(value, "`repo`")?;
                        if let Err(reason) = check_repo(&text) {
                            return Err(self.fail(value, format!("repo `{text}`: {reason}")));
                        }
                        if let Some(earlier) = projects.iter().find(|p| p.repo == text) {
                            return Err(self.fail(
                                value,
                                format!(
                                    "repo {text} is listed twice in this release (first at {})",
                                    earlier.location
                                ),
                            ));
                        }
                        repo = Some(text);
                    }
                    "hash" => {
                        let text = self.text(value, "`hash`")?;
                        if !matches!(text.len(), 40 | 64)
                            || !text.chars().all(|c| c.is_ascii_hexdigit())
                        {
                            return Err(self.fail(
                                value,
                                format!(
                                    "`hash` must be a full commit id (40 hex digits), found `{text}`"
                                ),
                            ));
                        }
                        hash = Some(text.to_ascii_lowercase());
                    }
                    "tag" => {
                        let text = self.text(value, "`tag`")?;
                        if let Err(reason) = check_tag_name(&text) {
                            return Err(self.fail(value, format!("invalid tag `{text}`: {reason}")));
                        }
                        tag = Some(text);
                    }
                    _ => {}
                }
            }
            let repo = repo.ok_or_else(|| self.fail(item, "the project has no `repo`"))?;
            let hash = hash.ok_or_else(|| self.fail(item, "the project has no `hash`"))?;
            projects.push(Project {
                repo,
                hash,
                tag,
                location: self.location(item),
            });
        }
        Ok(projects)
    }
}

/// What a request may name as a repository: `owner/name`, a git URL, or a path, but
/// never one that climbs out with `..` (a merge request could otherwise point the
/// tools, and their write token, at any repository on the runner), a remote helper
/// (`ext::sh -c …` runs a command), or text git would read as an option.
pub fn check_repo(repo: &str) -> Result<(), &'static str> {
    if repo.trim().is_empty() {
        return Err("it is empty");
    }
    if repo.starts_with('-') {
        return Err("it starts with `-`, which git would read as an option");
    }
    if repo.chars().any(char::is_control) {
        return Err("it holds a control character");
    }
    if let Some((transport, _)) = repo.split_once("::")
        && !transport.is_empty()
        && transport
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return Err(
            "`transport::address` makes git run a remote helper; name the repository as owner/name, a URL or a path",
        );
    }
    if repo.split(['/', '\\', ':']).any(|segment| segment == "..") {
        return Err(
            "it climbs out with `..`; name the repository as owner/name, a URL, or a path inside the working folder",
        );
    }
    Ok(())
}

/// Git's rules for a tag name (`git check-ref-format`), so that a bad name is refused
/// before anything is tagged.
pub fn check_tag_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.starts_with('-') {
        return Err("it starts with `-`");
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == ' ' || "~^:?*[\\".contains(c))
    {
        return Err("it holds a space, a control character or one of ~^:?*[\\");
    }
    if name.contains("..") || name.contains("@{") || name == "@" {
        return Err("it holds `..` or `@{`");
    }
    if name.ends_with('.') || name.ends_with('/') {
        return Err("it ends with `.` or `/`");
    }
    if name
        .split('/')
        .any(|part| part.is_empty() || part.starts_with('.') || part.ends_with(".lock"))
    {
        return Err("a `/`-separated part is empty, starts with `.` or ends with `.lock`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const H1: &str = "0123456789abcdef0123456789abcdef01234567";
    const H2: &str = "89abcdef0123456789abcdef0123456789abcdef";

    fn parse(text: &str) -> Result<ReleaseRequest, RequestError> {
        ReleaseRequest::parse(text, Path::new("deliverables/2026.1/api.yaml"))
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn repos_that_climb_out_or_run_helpers_are_refused_at_their_position() {
        for ok in [
            "acme/api",
            "group/sub/api",
            "https://gitlab.example.org/acme/api.git",
            "git@github.com:acme/api.git",
            "ssh://[::1]/acme/api.git",
            "./api.git",
            "/srv/git/api.git",
            "acme/api..old",
        ] {
            assert_eq!(check_repo(ok), Ok(()), "{ok}");
        }
        for (bad, reason) in [
            ("../../x", "it climbs out with `..`"),
            ("acme/../../x", "it climbs out with `..`"),
            ("https://h/acme/../x.git", "it climbs out with `..`"),
            ("git@h:../x.git", "it climbs out with `..`"),
            (
                "ext::sh -c touch% /tmp/x",
                "`transport::address` makes git run",
            ),
            ("-uupload-pack=x", "it starts with `-`"),
        ] {
            assert!(
                check_repo(bad).is_err_and(|r| r.starts_with(reason)),
                "{bad}: {:?}",
                check_repo(bad)
            );
        }
        assert_eq!(
            err(&format!(
                "releases:\n  - version: 1.0.0\n    projects:\n      - repo: ../../x\n        hash: {H1}\n"
            )),
            "deliverables/2026.1/api.yaml:4:15: repo `../../x`: it climbs out with `..`; name the repository as owner/name, a URL, or a path inside the working folder"
        );
    }

    #[test]
    fn reads_the_design_example() {
        let text = format!(
            "series: \"2026.1\"\nbranch: main\nmetadata:\n  pypi: yes\n  announce: yes\n\
             releases:\n  - version: 7.6.8\n    projects:\n      - repo: waldur/waldur-mastermind\n        hash: {H1}\n\
             \x20 - version: 7.6.9\n    diff-start: 7.6.7\n    projects:\n      - repo: waldur/waldur-mastermind\n        hash: {H2}\n\
             \x20     - repo: waldur/waldur-homeport\n        hash: {H1}\n        tag: v7.6.9\n"
        );
        let r = parse(&text).unwrap();
        assert_eq!(r.series, "2026.1");
        assert_eq!(r.branch.as_deref(), Some("main"));
        assert_eq!(
            r.metadata,
            [
                ("pypi".into(), "yes".into()),
                ("announce".into(), "yes".into())
            ]
        );
        assert_eq!(r.releases.len(), 2);
        assert_eq!(r.releases[1].diff_start.as_deref(), Some("7.6.7"));
        assert_eq!(r.releases[0].diff_start, None);
        assert_eq!(r.releases[1].projects[1].tag.as_deref(), Some("v7.6.9"));
        assert_eq!(r.releases[1].projects[1].location.line, 16);
        assert_eq!(r.select(&Selection::Newest), [1]);
        assert_eq!(r.select(&Selection::All), [0, 1]);
        let msg = r.tag_message(1, &r.releases[1].projects[1]).render();
        assert_eq!(
            msg,
            "waldur-homeport 7.6.9 release\n\nmeta:version: 7.6.9\nmeta:series: 2026.1\n\
             meta:branch: main\nmeta:diff-start: 7.6.7\nmeta:release-type: release\n\
             meta:first: no\nmeta:pypi: yes\nmeta:announce: yes\n"
        );
    }

    #[test]
    fn series_defaults_to_the_folder_and_first_to_the_first_full_release() {
        let text = format!(
            "releases:\n  - version: 1.0.0rc1\n    projects: [{{repo: a/b, hash: {H1}}}]\n\
             \x20 - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H2}}}]\n"
        );
        let r = parse(&text).unwrap();
        assert_eq!(r.series, "2026.1");
        assert_eq!(r.first_release(), Some(1));
        let p = &r.releases[1].projects[0];
        assert!(r.tag_message(1, p).first);
        assert!(!r.tag_message(0, p).first);
        assert_eq!(r.tag_message(1, p).branch, "-");
        assert_eq!(r.releases[1].diff_start.as_deref(), Some("1.0.0rc1"));
    }

    #[test]
    fn accepts_openstack_keys_and_carries_team_and_pypi() {
        let text = format!(
            "launchpad: nova\nteam: nova\ntype: service\nrelease-model: cycle-with-rc\n\
             include-pypi-link: true\nrepository-settings:\n  openstack/nova: {{}}\n\
             cycle-highlights:\n  - faster\nbranches:\n  - name: stable/2026.1\n    location: 29.0.0\n\
             releases:\n  - version: 29.0.0\n    highlights: big\n    projects:\n      - repo: openstack/nova\n        hash: {H1}\n        comment: x\n        tarball-base: nova\n"
        );
        let r = parse(&text).unwrap();
        assert_eq!(
            r.metadata,
            [
                ("team".into(), "nova".into()),
                ("pypi".into(), "yes".into())
            ]
        );
        let text2 = text.replace("include-pypi-link: true\n", "release-type: python-pypi\n");
        assert_eq!(
            parse(&text2).unwrap().metadata[1],
            ("pypi".into(), "yes".into())
        );
    }

    #[test]
    fn names_the_position_of_every_mistake() {
        let base = |body: &str| format!("releases:\n  - version: 1.0.0\n    projects:\n{body}");
        let p = "deliverables/2026.1/api.yaml";
        for (text, expected) in [
            (
                "serie: x\nreleases: []\n".to_string(),
                format!(
                    "{p}:1:1: unknown key `serie` in the request (expected one of: series, branch"
                ),
            ),
            (
                base("      - repo: a/b\n        hash: abc123\n"),
                format!(
                    "{p}:5:15: `hash` must be a full commit id (40 hex digits), found `abc123`"
                ),
            ),
            (
                base(&format!(
                    "      - repo: a/b\n        hash: {}\n",
                    "g".repeat(40)
                )),
                format!("{p}:5:15: `hash` must be a full commit id"),
            ),
            (
                format!(
                    "releases:\n  - version: v1.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
                ),
                format!("{p}:2:14: invalid version `v1.0`: a version starts with a digit"),
            ),
            (
                base(&format!(
                    "      - repo: a/b\n        hash: {H1}\n      - repo: a/b\n        hash: {H2}\n"
                )),
                format!("{p}:6:15: repo a/b is listed twice in this release (first at {p}:4:9)"),
            ),
            (
                "releases: yes\n".to_string(),
                format!("{p}:1:11: `releases` must be a list, found a text"),
            ),
            (
                base(&format!("      - repo: [a]\n        hash: {H1}\n")),
                format!("{p}:4:15: `repo` must be a text, found a list"),
            ),
            (
                base(&format!(
                    "      - repo: a/b\n        hash: {H1}\n        tags: x\n"
                )),
                format!("{p}:6:9: unknown key `tags` in a project"),
            ),
            (
                "metadata:\n  note: [1]\nreleases: []\n".to_string(),
                format!("{p}:2:9: metadata `note` must be a text, found a list"),
            ),
            (
                base(&format!(
                    "      - repo: a/b\n        hash: {H1}\n        tag: bad..tag\n"
                )),
                format!("{p}:6:14: invalid tag `bad..tag`"),
            ),
            (
                "releases:\n  - version: 1.0.0\n".to_string(),
                format!("{p}:2:5: the release has no `projects`"),
            ),
            (
                format!(
                    "releases:\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
                ),
                format!("{p}:4:14: version 1.0.0 is listed twice (first at {p}:2:5)"),
            ),
            (
                "releases: [\n".to_string(),
                format!("{p}:2:1: not valid YAML:"),
            ),
            (String::new(), format!("{p}:1:1: the file is empty")),
        ] {
            let message = err(&text);
            assert!(
                message.starts_with(&expected),
                "{text:?}\n got: {message}\nwant: {expected}"
            );
        }
    }

    #[test]
    fn the_example_request_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/requests/2026.1/acme.yaml");
        let r = ReleaseRequest::load(&path).unwrap();
        assert_eq!(r.series, "2026.1");
        assert_eq!(r.releases[1].projects[1].tag.as_deref(), Some("v7.6.9"));
    }

    #[test]
    fn short_names_are_the_last_segment() {
        let p = |repo: &str| Project {
            repo: repo.into(),
            hash: H1.into(),
            tag: None,
            location: Location::new("x", 1, 1),
        };
        assert_eq!(p("acme/api").short_name(), "api");
        assert_eq!(p("https://example.org/acme/api.git").short_name(), "api");
        assert_eq!(p("git@example.org:acme/worker.git").short_name(), "worker");
        assert_eq!(p("api").short_name(), "api");
    }

    #[test]
    fn tag_names_follow_gits_rules() {
        assert!(check_tag_name("v1.2.0").is_ok());
        assert!(check_tag_name("release/1.2").is_ok());
        for bad in [
            "-x", "a b", "a..b", "a.lock", "a/", "x.", "a~1", ".a", "a//b",
        ] {
            assert!(check_tag_name(bad).is_err(), "{bad}");
        }
    }
}
