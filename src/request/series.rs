//! The series a requests repository knows (OpenStack's `data/series_status.yaml`): each
//! series' name, release id and status, newest first. From it a tag's branch is
//! derived (the series in development is released from `master`, the others from
//! `stable/<release id>`) and the series at end of life are told apart.

use super::RequestError;
use super::yaml::{self, Node, Value};
use crate::Location;
use std::path::{Path, PathBuf};

/// Where the file lies in the repository that holds the requests.
pub const SERIES_STATUS_FILE: &str = "data/series_status.yaml";

/// One series of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    /// `release-id` as written (`2026.1`); the name when the file gives none.
    pub release_id: String,
    /// `development`, `maintained`, `unmaintained`, `end of life`, …
    pub status: String,
}

/// The series of one requests repository, in the file's order (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesStatus {
    pub path: PathBuf,
    pub series: Vec<Series>,
}

impl SeriesStatus {
    /// The series-status file of the repository that holds `request`: the first
    /// `data/series_status.yaml` of the request's folder or a folder above it, up to
    /// the top of its git repository.
    pub fn find_for(request: &Path) -> Option<PathBuf> {
        let absolute = std::fs::canonicalize(request).ok()?;
        for dir in absolute.ancestors().skip(1) {
            let candidate = dir.join(SERIES_STATUS_FILE);
            if candidate.is_file() {
                return Some(candidate);
            }
            if dir.join(".git").exists() {
                return None;
            }
        }
        None
    }

    pub fn load(path: &Path) -> Result<SeriesStatus, RequestError> {
        let text = std::fs::read_to_string(path).map_err(|source| RequestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        SeriesStatus::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<SeriesStatus, RequestError> {
        let fail = |node: Option<&Node>, message: String| RequestError::Invalid {
            location: node.map_or_else(
                || Location::new(path, 1, 1),
                |n| Location::new(path, n.line, n.column),
            ),
            message,
        };
        let root = yaml::parse(text)
            .map_err(|e| RequestError::Invalid {
                location: Location::new(path, e.line, e.column),
                message: format!("not valid YAML: {}", e.message),
            })?
            .ok_or_else(|| fail(None, "the series-status file is empty".into()))?;
        let Value::Seq(items) = &root.value else {
            return Err(fail(
                Some(&root),
                format!(
                    "the series-status file is a list of series, found {}",
                    root.kind()
                ),
            ));
        };
        let mut series = Vec::new();
        for item in items {
            let Value::Map(entries) = &item.value else {
                return Err(fail(
                    Some(item),
                    format!("a series is a mapping, found {}", item.kind()),
                ));
            };
            let field = |key: &str| {
                entries
                    .iter()
                    .find(|(k, _)| k.text() == Some(key))
                    .map(|(_, v)| v)
            };
            let text_of = |key: &str| -> Result<Option<String>, RequestError> {
                match field(key) {
                    None => Ok(None),
                    Some(v) => v.text().map(|t| Some(t.to_string())).ok_or_else(|| {
                        fail(
                            Some(v),
                            format!("`{key}` of a series must be a text, found {}", v.kind()),
                        )
                    }),
                }
            };
            let name = text_of("name")?
                .ok_or_else(|| fail(Some(item), "the series has no `name`".into()))?;
            let status = text_of("status")?
                .ok_or_else(|| fail(Some(item), format!("series {name} has no `status`")))?;
            let release_id = text_of("release-id")?.unwrap_or_else(|| name.clone());
            series.push(Series {
                name,
                release_id,
                status,
            });
        }
        Ok(SeriesStatus {
            path: path.to_path_buf(),
            series,
        })
    }

    /// The branch a release of `series` is made from, as OpenStack's release job
    /// derives it: reading the list in order, a series in development says `master`
    /// and the series itself says `stable/<release id>`; the last one read wins. A
    /// series the file does not list (`independent`) is released from `master`.
    pub fn branch_of(&self, series: &str) -> String {
        let mut branch = None;
        for s in &self.series {
            if s.status == "development" {
                branch = Some("master".to_string());
            } else if s.name == series {
                branch = Some(format!("stable/{}", s.release_id));
            }
        }
        branch.unwrap_or_else(|| "master".to_string())
    }

    /// Whether `series` is at end of life: its releases and branches are not made
    /// any more (they were deleted), except late releases of trailing deliverables.
    pub fn is_closed(&self, series: &str) -> bool {
        self.series
            .iter()
            .any(|s| s.name == series && s.status == "end of life")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "---\n- name: indri\n  release-id: 2027.1\n  status: future\n\
        - name: hibiscus\n  release-id: 2026.2\n  status: development\n\
        - name: gazpacho\n  release-id: 2026.1\n  status: maintained\n  slurp: yes\n\
        - name: dalmatian\n  release-id: 2024.2\n  status: end of life\n  eol-date: 2026-04-29\n\
        - name: zed\n  status: unmaintained\n";

    fn status() -> SeriesStatus {
        SeriesStatus::parse(STATUS, Path::new("data/series_status.yaml")).unwrap()
    }

    #[test]
    fn branches_are_derived_as_openstacks_release_job_derives_them() {
        let s = status();
        assert_eq!(s.branch_of("hibiscus"), "master");
        assert_eq!(s.branch_of("gazpacho"), "stable/2026.1");
        assert_eq!(s.branch_of("zed"), "stable/zed");
        assert_eq!(s.branch_of("independent"), "master");
        assert_eq!(s.branch_of("indri"), "master");
    }

    #[test]
    fn only_end_of_life_is_closed() {
        let s = status();
        assert!(s.is_closed("dalmatian"));
        assert!(!s.is_closed("zed"));
        assert!(!s.is_closed("gazpacho"));
        assert!(!s.is_closed("independent"));
    }

    #[test]
    fn a_broken_file_is_named_at_its_position() {
        let p = Path::new("data/series_status.yaml");
        for (text, expected) in [
            (
                "name: x\n",
                "data/series_status.yaml:1:1: the series-status file is a list of series, found a mapping",
            ),
            (
                "- name: x\n- status: maintained\n",
                "data/series_status.yaml:1:3: series x has no `status`",
            ),
            (
                "- status: maintained\n",
                "data/series_status.yaml:1:3: the series has no `name`",
            ),
            (
                "- name: [x]\n  status: maintained\n",
                "data/series_status.yaml:1:9: `name` of a series must be a text, found a list",
            ),
        ] {
            assert_eq!(
                SeriesStatus::parse(text, p).unwrap_err().to_string(),
                expected
            );
        }
    }
}
