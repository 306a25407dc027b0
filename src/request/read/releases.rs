//! `releases`: each version with the projects it tags.

use super::Reader;
use super::keys::{PROJECT_KEYS, RELEASE_KEYS};
use crate::request::names::{check_repo, check_tag_name};
use crate::request::yaml::Node;
use crate::request::{Project, ReleaseFlag, RequestVersion, RequestedRelease};

impl Reader<'_> {
    pub(super) fn releases(&mut self, node: &Node) -> Option<Vec<RequestedRelease>> {
        let items = self.list(node, "`releases`")?;
        let mut releases: Vec<RequestedRelease> = Vec::with_capacity(items.len());
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

    pub(super) fn release(&mut self, item: &Node) -> Option<RequestedRelease> {
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
        Some(RequestedRelease {
            version: version?,
            diff_start,
            flags: flags?,
            projects: projects?,
            location: self.location(item),
        })
    }

    pub(super) fn version(&mut self, node: &Node) -> Option<RequestVersion> {
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

    pub(super) fn flags(&mut self, node: &Node) -> Option<Vec<ReleaseFlag>> {
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

    pub(super) fn projects(&mut self, node: &Node) -> Option<Vec<Project>> {
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

    pub(super) fn project(&mut self, item: &Node, earlier: &[Project]) -> Option<Project> {
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

    pub(super) fn repo(&mut self, node: &Node) -> Option<String> {
        let text = self.text(node, "`repo`")?;
        match check_repo(&text) {
            Ok(()) => Some(text),
            Err(reason) => self.fail(node, format!("repo `{text}`: {reason}")),
        }
    }

    pub(super) fn hash(&mut self, node: &Node) -> Option<String> {
        let text = self.text(node, "`hash`")?;
        if !matches!(text.len(), 40 | 64) || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return self.fail(
                node,
                format!("`hash` must be a full commit id (40 hex digits), found `{text}`"),
            );
        }
        Some(text.to_ascii_lowercase())
    }
}
