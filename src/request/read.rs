//! From the text of a request file to a [`ReleaseRequest`], recording every problem
//! at its position and reading on, so that a check of a whole repository of requests
//! lists them all at once.

use super::names::{check_branch_name, check_repo, check_tag_name};
use super::yaml::{self, Node, Value};
use super::{
    BranchRequest, BranchStart, Project, Release, ReleaseFlag, ReleaseRequest, RequestError,
    RequestVersion,
};
use crate::{Location, Problem};
use std::collections::HashMap;
use std::path::Path;

/// The text of a request file: at most the size every document reader allows, and
/// UTF-8.
pub(super) fn text_of(path: &Path) -> Result<String, RequestError> {
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
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        RequestError::Invalid {
            location: Location::at_offset(path, &before, valid),
            message: "invalid UTF-8".into(),
        }
    })
}

/// The top-level keys of OpenStack's deliverable files (its `schema.yaml`) besides
/// ours; `team`, `type`, `include-pypi-link` and `branches` are read, the others are
/// accepted as they are.
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
    "stable-status",
    "cycle-highlights",
    "branches",
    // Older files name the announcement list; the release job never read it.
    "send-announcements-to",
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
const RELEASE_KEYS: &[&str] = &["version", "projects", "diff-start", "flags", "highlights"];
const PROJECT_KEYS: &[&str] = &[
    "repo",
    "hash",
    "tag",
    "comment",
    "highlights",
    "tarball-base",
];
const BRANCH_KEYS: &[&str] = &["name", "location"];

pub(super) struct Reader<'a> {
    path: &'a Path,
    problems: Vec<RequestError>,
    /// Every version the file lists, each at its first position (also those of
    /// entries with problems, so that a branch is checked against them): one
    /// look-up per entry, however long the file.
    versions: HashMap<String, Location>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(path: &'a Path) -> Reader<'a> {
        Reader {
            path,
            problems: Vec::new(),
            versions: HashMap::new(),
        }
    }

    fn location(&self, node: &Node) -> Location {
        Location::new(self.path, node.line, node.column)
    }

    /// Records a problem; the reader goes on with the next part of the file.
    fn fail<T>(&mut self, node: &Node, message: impl Into<String>) -> Option<T> {
        self.problems.push(RequestError::Invalid {
            location: self.location(node),
            message: message.into(),
        });
        None
    }

    /// The entries of a mapping; keys outside `known` and repeated keys are problems
    /// (and left out).
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        known: &[&[&str]],
    ) -> Option<Vec<(&'n str, &'n Node)>> {
        let Value::Map(entries) = &node.value else {
            return self.fail(
                node,
                format!("{what} must be a mapping, found {}", node.kind()),
            );
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for (key, value) in entries {
            let Some(name) = key.text() else {
                self.fail::<()>(key, format!("a key of {what} must be a text"));
                continue;
            };
            if !known.iter().any(|set| set.contains(&name)) {
                let expected: Vec<&str> = known.iter().flat_map(|s| s.iter().copied()).collect();
                self.fail::<()>(
                    key,
                    format!(
                        "unknown key `{name}` in {what} (expected one of: {})",
                        expected.join(", ")
                    ),
                );
                continue;
            }
            if seen.contains(&name) {
                self.fail::<()>(key, format!("`{name}` is given twice in {what}"));
                continue;
            }
            seen.push(name);
            out.push((name, value));
        }
        Some(out)
    }

    /// A single-line text value.
    fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.text() {
            Some(text) if text.contains(['\n', '\r']) => {
                self.fail(node, format!("{what} must be a single line"))
            }
            Some(text) if text.trim().is_empty() => {
                self.fail(node, format!("{what} must not be empty"))
            }
            Some(text) => Some(text.to_string()),
            None => self.fail(
                node,
                format!("{what} must be a text, found {}", node.kind()),
            ),
        }
    }

    /// The items of a list; nothing (`key:` with no value) is an empty list.
    fn list<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ if node.is_null() => Some(&[]),
            _ => self.fail(
                node,
                format!("{what} must be a list, found {}", node.kind()),
            ),
        }
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.text() {
            Some("true" | "True" | "TRUE" | "yes" | "Yes" | "on") => Some(true),
            Some("false" | "False" | "FALSE" | "no" | "No" | "off") => Some(false),
            _ => self.fail(node, format!("{what} must be true or false")),
        }
    }

    /// The request, or every problem of the file.
    pub(super) fn request(mut self, text: &str) -> Result<ReleaseRequest, Vec<RequestError>> {
        let root = match yaml::parse(text) {
            Ok(Some(root)) => root,
            Ok(None) => {
                return Err(vec![RequestError::Invalid {
                    location: Location::new(self.path, 1, 1),
                    message: "the file is empty; a request holds `releases` or `branches`".into(),
                }]);
            }
            Err(e) => {
                return Err(vec![RequestError::Invalid {
                    location: Location::new(self.path, e.line, e.column),
                    message: format!("not valid YAML: {}", e.message),
                }]);
            }
        };
        let request = self.read_root(&root);
        match request {
            Some(request) if self.problems.is_empty() => Ok(request),
            _ => {
                // In the file's order, whatever order the parts were read in.
                self.problems
                    .sort_by_key(|p| p.location().map(|l| (l.line, l.column)));
                Err(self.problems)
            }
        }
    }

    fn read_root(&mut self, root: &Node) -> Option<ReleaseRequest> {
        let entries = self.mapping(root, "the request", &[OUR_KEYS, OPENSTACK_KEYS])?;
        let mut series = None;
        let mut branch = None;
        let mut metadata = None;
        let mut releases = Some(Vec::new());
        let mut branches_node = None;
        let mut team = None;
        let mut deliverable_type = None;
        let mut pypi_link: Option<(bool, &Node)> = None;
        for (name, value) in entries {
            match name {
                "series" => series = self.text(value, "`series`"),
                "branch" => branch = self.text(value, "`branch`"),
                "metadata" => metadata = self.metadata(value),
                "releases" => releases = self.releases(value),
                "branches" => branches_node = Some(value),
                "team" => team = self.text(value, "`team`").map(|t| (t, value)),
                "type" => deliverable_type = self.text(value, "`type`"),
                "include-pypi-link" => {
                    pypi_link = self
                        .boolean(value, "`include-pypi-link`")
                        .map(|b| (b, value))
                }
                _ => {}
            }
        }
        let mut metadata = metadata.unwrap_or_default();
        let mut take = |key: &str| {
            metadata
                .iter()
                .position(|(k, _, _)| k == key)
                .map(|at| metadata.remove(at))
        };
        let meta_team = take("team");
        let meta_pypi = take("pypi");
        let openstack_shaped = team.is_some();
        let team = match (team, meta_team) {
            (Some((_, node)), Some((_, _, key))) => {
                self.fail::<()>(
                    &key,
                    format!(
                        "`metadata.team` repeats `team` (at {}); keep one",
                        self.location(node)
                    ),
                );
                None
            }
            (Some((team, _)), None) => Some(team),
            (None, meta) => meta.map(|(_, value, _)| value),
        };
        let pypi = match (pypi_link, meta_pypi) {
            (Some((_, node)), Some((_, _, key))) => {
                self.fail::<()>(
                    &key,
                    format!(
                        "`metadata.pypi` repeats `include-pypi-link` (at {}); keep one",
                        self.location(node)
                    ),
                );
                None
            }
            (Some((yes, _)), None) => Some(if yes { "yes" } else { "no" }.to_string()),
            (None, Some((_, value, _))) => Some(value),
            // OpenStack's release job always writes the line; `false` when unsaid.
            (None, None) => openstack_shaped.then(|| "no".to_string()),
        };
        let series = match series {
            Some(s) => Some(s),
            None => self.default_series(root),
        };
        let branches = match branches_node {
            Some(node) => self.branches(node),
            None => Some(Vec::new()),
        };
        Some(ReleaseRequest {
            path: self.path.to_path_buf(),
            series: series?,
            branch,
            team,
            pypi,
            deliverable_type,
            metadata: metadata.into_iter().map(|(k, v, _)| (k, v)).collect(),
            releases: releases?,
            branches: branches?,
        })
    }

    /// The name of the file's folder, without the leading `_` of OpenStack's
    /// `_independent`.
    fn default_series(&mut self, root: &Node) -> Option<String> {
        let parent = self.path.parent().filter(|p| !p.as_os_str().is_empty());
        let absolute = match parent {
            Some(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()),
            None => std::env::current_dir().unwrap_or_default(),
        };
        let name = absolute
            .file_name()
            .map(|n| n.to_string_lossy().trim_start_matches('_').to_string())
            .filter(|n| !n.is_empty());
        match name {
            Some(name) => Some(name),
            None => self.fail(
                root,
                "no `series`, and the file's folder has no name to take it from; add `series:`",
            ),
        }
    }

    /// `metadata`: every key with its value and its key node (for later complaints).
    fn metadata(&mut self, node: &Node) -> Option<Vec<(String, String, Node)>> {
        if node.is_null() {
            return Some(Vec::new());
        }
        let Value::Map(entries) = &node.value else {
            return self.fail(
                node,
                format!("`metadata` must be a mapping, found {}", node.kind()),
            );
        };
        let mut out: Vec<(String, String, Node)> = Vec::new();
        for (key, value) in entries {
            let Some(name) = self.text(key, "a metadata key") else {
                continue;
            };
            if name.contains(": ") || name.ends_with(':') || name.contains(char::is_whitespace) {
                self.fail::<()>(
                    key,
                    format!("metadata key `{name}` must not hold white space or end a key (`: `)"),
                );
                continue;
            }
            if RESERVED_KEYS.contains(&name.as_str()) {
                self.fail::<()>(
                    key,
                    format!(
                        "metadata key `{name}` is written by the tool itself; choose another name"
                    ),
                );
                continue;
            }
            if out.iter().any(|(k, _, _)| *k == name) {
                self.fail::<()>(key, format!("`{name}` is given twice in `metadata`"));
                continue;
            }
            let text = match &value.value {
                Value::Scalar { .. } if value.is_null() => String::new(),
                Value::Scalar { text, .. } if text.contains(['\n', '\r']) => {
                    self.fail::<()>(
                        value,
                        format!(
                            "metadata `{name}` must be a single line (tag metadata values are)"
                        ),
                    );
                    continue;
                }
                Value::Scalar { text, .. } => text.clone(),
                _ => {
                    self.fail::<()>(
                        value,
                        format!("metadata `{name}` must be a text, found {}", value.kind()),
                    );
                    continue;
                }
            };
            out.push((name, text, key.clone()));
        }
        Some(out)
    }

    fn releases(&mut self, node: &Node) -> Option<Vec<Release>> {
        let items = self.list(node, "`releases`")?;
        let mut releases: Vec<Release> = Vec::with_capacity(items.len());
        self.versions.reserve(items.len());
        let mut complete = true;
        for item in items {
            match self.release(item) {
                Some(release) => releases.push(release),
                None => complete = false,
            }
        }
        complete.then_some(releases)
    }

    fn release(&mut self, item: &Node) -> Option<Release> {
        let entries = self.mapping(item, "a release", &[RELEASE_KEYS])?;
        let mut version = None;
        let mut diff_start = None;
        let mut projects = None;
        let mut flags = Some(Vec::new());
        let mut has_version = false;
        let mut has_projects = false;
        for (name, value) in entries {
            match name {
                "version" => {
                    has_version = true;
                    version = self.version(value);
                }
                "diff-start" => diff_start = self.text(value, "`diff-start`"),
                "projects" => {
                    has_projects = true;
                    projects = self.projects(value);
                }
                "flags" => flags = self.flags(value),
                _ => {}
            }
        }
        if !has_version {
            return self.fail(item, "the release has no `version`");
        }
        if !has_projects {
            return self.fail(item, "the release has no `projects`");
        }
        Some(Release {
            version: version?,
            diff_start,
            flags: flags?,
            projects: projects?,
            location: self.location(item),
        })
    }

    fn version(&mut self, node: &Node) -> Option<RequestVersion> {
        let text = self.text(node, "`version`")?;
        let version = match RequestVersion::parse(&text) {
            Ok(v) => v,
            Err(e) => return self.fail(node, e.to_string()),
        };
        let here = self.location(node);
        if let Some(earlier) = self.versions.get(&text) {
            let message = format!("version {text} is listed twice (first at {earlier}); keep one");
            return self.fail(node, message);
        }
        self.versions.insert(text, here);
        Some(version)
    }

    fn flags(&mut self, node: &Node) -> Option<Vec<ReleaseFlag>> {
        let items = self.list(node, "`flags`")?;
        let mut flags = Vec::new();
        for item in items {
            let text = self.text(item, "a flag")?;
            flags.push(match text.as_str() {
                "forced" => ReleaseFlag::Forced,
                "skipped-sig" => ReleaseFlag::SkippedSignature,
                other => {
                    return self.fail(
                        item,
                        format!("unknown flag `{other}` (expected forced or skipped-sig)"),
                    );
                }
            });
        }
        Some(flags)
    }

    fn projects(&mut self, node: &Node) -> Option<Vec<Project>> {
        let items = self.list(node, "`projects`")?;
        if items.is_empty() {
            return self.fail(node, "`projects` is empty; list the repositories to tag");
        }
        let mut projects: Vec<Project> = Vec::new();
        let mut complete = true;
        for item in items {
            match self.project(item, &projects) {
                Some(project) => projects.push(project),
                None => complete = false,
            }
        }
        complete.then_some(projects)
    }

    fn project(&mut self, item: &Node, earlier: &[Project]) -> Option<Project> {
        let entries = self.mapping(item, "a project", &[PROJECT_KEYS])?;
        let mut repo = None;
        let mut hash = None;
        let mut tag = None;
        let mut ok = true;
        for (name, value) in entries {
            match name {
                "repo" => {
                    repo = self.repo(value);
                    if let Some(text) = &repo
                        && let Some(first) = earlier.iter().find(|p| &p.repo == text)
                    {
                        let message = format!(
                            "repo {text} is listed twice in this release (first at {}); keep one",
                            first.location
                        );
                        repo = self.fail(value, message);
                    }
                    ok &= repo.is_some();
                }
                "hash" => {
                    hash = self.hash(value);
                    ok &= hash.is_some();
                }
                "tag" => {
                    tag = self.text(value, "`tag`");
                    if let Some(text) = &tag
                        && let Err(reason) = check_tag_name(text)
                    {
                        let message = format!("invalid tag `{text}`: {reason}");
                        tag = self.fail(value, message);
                    }
                    ok &= tag.is_some();
                }
                _ => {}
            }
        }
        if ok && repo.is_none() {
            return self.fail(item, "the project has no `repo`");
        }
        if ok && hash.is_none() {
            return self.fail(item, "the project has no `hash`");
        }
        if !ok {
            return None;
        }
        Some(Project {
            repo: repo?,
            hash: hash?,
            tag,
            location: self.location(item),
        })
    }

    fn repo(&mut self, node: &Node) -> Option<String> {
        let text = self.text(node, "`repo`")?;
        match check_repo(&text) {
            Ok(()) => Some(text),
            Err(reason) => self.fail(node, format!("repo `{text}`: {reason}")),
        }
    }

    fn hash(&mut self, node: &Node) -> Option<String> {
        let text = self.text(node, "`hash`")?;
        if !matches!(text.len(), 40 | 64) || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return self.fail(
                node,
                format!("`hash` must be a full commit id (40 hex digits), found `{text}`"),
            );
        }
        Some(text.to_ascii_lowercase())
    }

    fn branches(&mut self, node: &Node) -> Option<Vec<BranchRequest>> {
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

    fn branch(&mut self, item: &Node, earlier: &[BranchRequest]) -> Option<BranchRequest> {
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

    fn branch_name(&mut self, node: &Node, earlier: &[BranchRequest]) -> Option<String> {
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

    fn branch_start(&mut self, node: &Node) -> Option<BranchStart> {
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

#[cfg(test)]
mod tests {
    use super::super::{Selection, SeriesStage};
    use super::*;

    const H1: &str = "0123456789abcdef0123456789abcdef01234567";
    const H2: &str = "89abcdef0123456789abcdef0123456789abcdef";
    const FILE: &str = "deliverables/2026.1/api.yaml";

    fn parse(text: &str) -> Result<ReleaseRequest, Vec<RequestError>> {
        Reader::new(Path::new(FILE)).request(text)
    }

    fn problems(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn err(text: &str) -> String {
        problems(text).remove(0)
    }

    #[test]
    fn reads_our_example() {
        let text = format!(
            "series: \"2026.1\"\nbranch: main\nmetadata:\n  pypi: yes\n  announce: yes\n\
             releases:\n  - version: 7.6.8\n    projects:\n      - repo: waldur/waldur-mastermind\n        hash: {H1}\n\
             \x20 - version: 7.6.9\n    diff-start: 7.6.7\n    projects:\n      - repo: waldur/waldur-mastermind\n        hash: {H2}\n\
             \x20     - repo: waldur/waldur-homeport\n        hash: {H1}\n        tag: v7.6.9\n"
        );
        let r = parse(&text).unwrap();
        assert_eq!(r.series, "2026.1");
        assert_eq!(r.branch.as_deref(), Some("main"));
        assert_eq!(r.pypi.as_deref(), Some("yes"));
        assert_eq!(r.team, None);
        assert_eq!(r.metadata, [("announce".into(), "yes".into())]);
        assert_eq!(r.releases.len(), 2);
        assert_eq!(r.releases[1].diff_start.as_deref(), Some("7.6.7"));
        assert_eq!(r.releases[0].diff_start, None);
        assert_eq!(r.releases[1].projects[1].tag.as_deref(), Some("v7.6.9"));
        assert_eq!(r.releases[1].projects[1].location.line, 16);
        assert_eq!(r.select(&Selection::Newest), [1]);
        assert_eq!(r.select(&Selection::All), [0, 1]);
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
        assert_eq!(r.releases[1].diff_start, None);
        let independent = Reader::new(Path::new("deliverables/_independent/pbr.yaml"))
            .request(&text)
            .unwrap();
        assert_eq!(independent.series, "independent");
    }

    #[test]
    fn an_openstack_deliverable_is_read_with_every_key_of_its_schema() {
        let text = format!(
            "---\nlaunchpad: nova\nteam: nova\ntype: service\nrelease-model: cycle-with-rc\n\
             storyboard: 760\nrelease-type: python-service\nstable-branch-type: std\nstable-status: maintained\n\
             artifact-link-mode: tarball\nrelease-notes: https://docs.openstack.org/releasenotes/nova/\n\
             repository-settings:\n  openstack/nova: {{}}\n\
             cycle-highlights:\n  - faster\n\
             branches:\n  - name: stable/2026.1\n    location: 29.0.0\n\
             \x20 - name: feature/x\n    location:\n      openstack/nova: {H2}\n\
             releases:\n  - version: 29.0.0.0rc1\n    projects:\n      - repo: openstack/nova\n        hash: {H2}\n\
             \x20 - version: 29.0.0\n    flags: [forced, skipped-sig]\n    highlights: big\n    projects:\n      - repo: openstack/nova\n        hash: {H1}\n        comment: x\n        tarball-base: nova\n\
             \x20 - version: 2026.1-eom\n    projects:\n      - repo: openstack/nova\n        hash: {H1}\n"
        );
        let r = parse(&text).unwrap();
        assert_eq!(r.team.as_deref(), Some("nova"));
        // An OpenStack deliverable that says nothing of PyPI: `no`, as its job writes.
        assert_eq!(r.pypi.as_deref(), Some("no"));
        assert!(r.metadata.is_empty());
        assert_eq!(r.deliverable_type.as_deref(), Some("service"));
        assert_eq!(
            r.releases[1].flags,
            [ReleaseFlag::Forced, ReleaseFlag::SkippedSignature]
        );
        assert_eq!(
            r.releases[2].version.series_end(),
            Some(("2026.1", SeriesStage::EndOfMaintenance))
        );
        assert_eq!(r.first_release(), Some(1));
        assert_eq!(r.branches.len(), 2);
        assert_eq!(r.branches[0].start, BranchStart::Version("29.0.0".into()));
        let BranchStart::Commits(commits) = &r.branches[1].start else {
            panic!("{:?}", r.branches[1]);
        };
        assert_eq!(
            (commits[0].repo.as_str(), commits[0].hash.as_str()),
            ("openstack/nova", H2)
        );
        assert_eq!(commits[0].location.line, 21);
        let with_link = text.replace("team: nova\n", "team: nova\ninclude-pypi-link: true\n");
        assert_eq!(parse(&with_link).unwrap().pypi.as_deref(), Some("yes"));
        // Only `include-pypi-link` says `yes`: OpenStack's job ignores `release-type`.
        let pypi_type = text.replace("python-service", "python-pypi");
        assert_eq!(parse(&pypi_type).unwrap().pypi.as_deref(), Some("no"));
    }

    #[test]
    fn a_file_with_nothing_to_tag_is_valid() {
        for text in [
            "team: x\ntype: library\n",
            "team: x\nreleases: []\n",
            "team: x\nreleases:\n",
            "team: x\nbranches:\n  - name: stable/x\n    location: {openstack/x: 0123456789abcdef0123456789abcdef01234567}\n",
        ] {
            let r = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert!(r.releases.is_empty());
            assert_eq!(r.select(&Selection::Newest), Vec::<usize>::new());
        }
    }

    #[test]
    fn branches_newest_takes_those_at_the_newest_version() {
        let text = format!(
            "branches:\n  - name: stable/a\n    location: 1.0.0\n  - name: stable/b\n    location: 1.1.0\n\
             \x20 - name: feature/c\n    location: {{a/b: {H1}}}\n\
             releases:\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n\
             \x20 - version: 1.1.0\n    projects: [{{repo: a/b, hash: {H2}}}]\n"
        );
        let r = parse(&text).unwrap();
        assert_eq!(r.select_branches(&Selection::Newest), [1]);
        assert_eq!(r.select_branches(&Selection::All), [0, 1, 2]);
        let new = Selection::New {
            versions: vec![],
            branches: vec!["feature/c".into()],
        };
        assert_eq!(r.select_branches(&new), [2]);
        assert_eq!(r.select(&new), Vec::<usize>::new());
    }

    #[test]
    fn metadata_team_and_pypi_take_their_places_unless_given_twice() {
        let text = format!(
            "metadata: {{team: web, pypi: yes, note: x}}\nreleases:\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
        );
        let r = parse(&text).unwrap();
        assert_eq!(
            (r.team.as_deref(), r.pypi.as_deref()),
            (Some("web"), Some("yes"))
        );
        assert_eq!(r.metadata, [("note".into(), "x".into())]);
        let twice = format!("team: t\ninclude-pypi-link: false\n{text}");
        assert_eq!(
            problems(&twice),
            [
                format!("{FILE}:3:12: `metadata.team` repeats `team` (at {FILE}:1:7); keep one"),
                format!(
                    "{FILE}:3:23: `metadata.pypi` repeats `include-pypi-link` (at {FILE}:2:20); keep one"
                ),
            ]
        );
    }

    #[test]
    fn names_the_position_of_every_mistake() {
        let base = |body: &str| format!("releases:\n  - version: 1.0.0\n    projects:\n{body}");
        let p = FILE;
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
                    "releases:\n  - version: 1.0.x\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
                ),
                format!("{p}:2:14: invalid version `1.0.x`: the part after the numbers"),
            ),
            (
                base(&format!(
                    "      - repo: a/b\n        hash: {H1}\n      - repo: a/b\n        hash: {H2}\n"
                )),
                format!(
                    "{p}:6:15: repo a/b is listed twice in this release (first at {p}:4:9); keep one"
                ),
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
                base(&format!("      - repo: ../../x\n        hash: {H1}\n")),
                format!(
                    "{p}:4:15: repo `../../x`: it climbs out with `..`; name the repository as owner/name, a URL, or a path inside the working folder"
                ),
            ),
            (
                base(&format!(
                    "      - repo: srv/acme/worker.git\n        hash: {H1}\n"
                )),
                format!(
                    "{p}:4:15: repo `srv/acme/worker.git`: a forge project (owner/name) is named without `.git`"
                ),
            ),
            (
                "releases:\n  - version: 1.0.0\n".to_string(),
                format!("{p}:2:5: the release has no `projects`"),
            ),
            (
                format!(
                    "releases:\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
                ),
                format!("{p}:4:14: version 1.0.0 is listed twice (first at {p}:2:14); keep one"),
            ),
            (
                format!(
                    "releases:\n  - version: 1.0.0\n    flags: [fast]\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
                ),
                format!("{p}:3:13: unknown flag `fast` (expected forced or skipped-sig)"),
            ),
            (
                format!(
                    "branches:\n  - name: stable/x\n    location: 2.0.0\nreleases:\n  - version: 1.0.0\n    projects: [{{repo: a/b, hash: {H1}}}]\n"
                ),
                format!(
                    "{p}:3:15: the branch starts at version 2.0.0, which `releases` does not list; add the release, or give {{repo: sha}}"
                ),
            ),
            (
                "branches:\n  - name: stable/x\n    location: {a/b: 123}\n".to_string(),
                format!("{p}:3:21: `hash` must be a full commit id (40 hex digits), found `123`"),
            ),
            (
                format!("branches:\n  - name: bad..name\n    location: {{a/b: {H1}}}\n"),
                format!("{p}:2:11: invalid branch name `bad..name`: it holds `..` or `@{{`"),
            ),
            (
                "branches:\n  - name: stable/x\n".to_string(),
                format!("{p}:2:5: the branch has no `location` (a version or {{repo: sha}})"),
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
    fn every_problem_of_a_file_is_listed() {
        let text = format!(
            "serie: x\nteam: [t]\nreleases:\n  - version: 1.0.x\n    projects: [{{repo: a/b, hash: abc}}]\n\
             \x20 - version: 2.0.0\n    projects: [{{repo: ../x, hash: {H1}}}]\n\
             \x20 - projects: [{{repo: a/b, hash: {H1}}}]\n\
             branches:\n  - name: stable/x\n    location: 9.9.9\n"
        );
        assert_eq!(
            problems(&text),
            [
                format!(
                    "{FILE}:1:1: unknown key `serie` in the request (expected one of: series, branch, metadata, releases, team, type, launchpad, storyboard, release-model, release-type, release-notes, include-pypi-link, artifact-link-mode, repository-settings, stable-branch-type, stable-status, cycle-highlights, branches, send-announcements-to)"
                ),
                format!("{FILE}:2:7: `team` must be a text, found a list"),
                format!(
                    "{FILE}:4:14: invalid version `1.0.x`: the part after the numbers is not a pre-release (`-rc.1`, `rc1`, `b2`, `.dev3`) or `.postN`; a request's version is a release (1.2.0, 1.2.0rc1, 1.2.0-rc.1) or the end of a series (<series>-em, -eom, -eol, -last)"
                ),
                format!(
                    "{FILE}:5:34: `hash` must be a full commit id (40 hex digits), found `abc`"
                ),
                format!(
                    "{FILE}:7:23: repo `../x`: it climbs out with `..`; name the repository as owner/name, a URL, or a path inside the working folder"
                ),
                format!("{FILE}:8:5: the release has no `version`"),
                format!(
                    "{FILE}:11:15: the branch starts at version 9.9.9, which `releases` does not list; add the release, or give {{repo: sha}}"
                ),
            ]
        );
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
        assert_eq!(p("openstack/oslo.i18n").short_name(), "oslo.i18n");
        assert_eq!(p("https://example.org/acme/api.git").short_name(), "api");
        assert_eq!(p("git@example.org:acme/worker.git").short_name(), "worker");
        assert_eq!(p("api").short_name(), "api");
    }
}
