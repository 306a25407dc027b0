//! From the text of a request file to a [`ReleaseRequest`], recording every problem
//! at its position and reading on, so that a check of a whole repository of requests
//! lists them all at once.

mod branches;
mod keys;
mod metadata;
mod releases;
mod shape;
#[cfg(test)]
mod tests;

use super::yaml::{self, Node};
use super::{ReleaseRequest, RequestError};
use crate::{Location, Problem};
use keys::{OPENSTACK_KEYS, OUR_KEYS};
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
}
