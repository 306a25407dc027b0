//! What a merge added to the request files: the files changed since a revision of the
//! repository that holds them (`git diff --name-only REV -- files`), and in each the
//! release entries whose versions, and the branch entries whose names, the file did
//! not have at that revision (its content there, `git show REV:path`). This is what a
//! post-merge pipeline makes.

use super::yaml::{self, Value};
use super::{RequestError, Selection};
use crate::git::Git;
use std::path::{Path, PathBuf};

/// Request files named on the command line: a file as it is, a folder as every
/// `.yaml`/`.yml` file below it (sorted, so runs are repeatable).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, RequestError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            collect(path, &mut found).map_err(|source| RequestError::Read {
                path: path.clone(),
                source,
            })?;
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(out)
}

fn collect(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            found.push(path);
        }
    }
    Ok(())
}

/// The files of `paths` changed since `rev`, each with the selection of its entries
/// that are new since then. Unchanged files are left out.
pub fn changed_since(
    paths: &[PathBuf],
    rev: &str,
) -> Result<Vec<(PathBuf, Selection)>, RequestError> {
    if !rev.is_empty() && rev.chars().all(|c| c == '0') {
        // What GitHub's `event.before` and GitLab's CI_COMMIT_BEFORE_SHA hold for a new
        // branch or a first push: no revision to compare with.
        return Err(RequestError::Revision(format!(
            "--changed-since {rev}: the all-zero revision (a new branch or a first push) names no commit; \
             pass the revision before the merge, or leave --changed-since out to take each file's newest entry"
        )));
    }
    let mut out = Vec::new();
    for path in paths {
        let (git, top, relative) = holding_repository(path, "--changed-since")?;
        if git
            .resolve(&format!("{rev}^{{commit}}"))
            .ok()
            .flatten()
            .is_none()
        {
            return Err(RequestError::Revision(format!(
                "--changed-since {rev}: no such commit in {} (a shallow clone may lack it: fetch more history)",
                top.display()
            )));
        }
        let diff = git
            .run([
                "diff",
                "--name-only",
                "--no-renames",
                "-z",
                rev,
                "--",
                &relative,
            ])
            .map_err(|e| RequestError::Revision(e.to_string()))?;
        if diff.trim_matches('\0').is_empty() {
            continue;
        }
        let current = std::fs::read_to_string(path).map_err(|source| RequestError::Read {
            path: path.clone(),
            source,
        })?;
        let before = git
            .output(["cat-file", "-e", &format!("{rev}:{relative}")])
            .map(|o| o.status.success())
            .unwrap_or(false);
        let old = if before {
            let text = git
                .run(["show", &format!("{rev}:{relative}")])
                .map_err(|e| RequestError::Revision(e.to_string()))?;
            Entries::of(&text)
        } else {
            Entries::default()
        };
        let now = Entries::of(&current);
        let new = |list: Vec<String>, known: &[String]| {
            let known: std::collections::HashSet<&String> = known.iter().collect();
            list.into_iter().filter(|v| !known.contains(v)).collect()
        };
        out.push((
            path.clone(),
            Selection::New {
                versions: new(now.versions, &old.versions),
                branches: new(now.branches, &old.branches),
            },
        ));
    }
    Ok(out)
}

/// The git repository that holds request file `path` (for the message: what needs
/// it), its top folder, and the file's path inside it.
fn holding_repository(path: &Path, what: &str) -> Result<(Git, PathBuf, String), RequestError> {
    let absolute = std::fs::canonicalize(path).map_err(|source| RequestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let dir = absolute.parent().unwrap_or(Path::new("/"));
    let top = Git::new(dir)
        .run(["rev-parse", "--show-toplevel"])
        .map_err(|_| {
            RequestError::Revision(format!(
                "{what} needs the request files in a git repository; {} is not in one",
                path.display()
            ))
        })?;
    let top = std::fs::canonicalize(&top).unwrap_or_else(|_| PathBuf::from(&top));
    let relative = absolute
        .strip_prefix(&top)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| absolute.to_string_lossy().into_owned());
    Ok((Git::new(&top), top, relative))
}

/// The commit that brought the current content of request file `path`: the newest
/// commit since `since` that changed it, else (no `since`, or none changed it) the
/// repository's `HEAD` — the merge whose change request holds the approval trail.
pub fn merging_commit(path: &Path, since: Option<&str>) -> Result<String, RequestError> {
    let (git, _, relative) = holding_repository(path, "--approvals")?;
    let failed = |e: crate::git::GitError| RequestError::Revision(e.to_string());
    if let Some(rev) = since {
        let range = format!("{rev}..HEAD");
        let newest = git
            .run(["log", "-1", "--format=%H", &range, "--", &relative])
            .map_err(failed)?;
        if !newest.trim().is_empty() {
            return Ok(newest.trim().to_string());
        }
    }
    Ok(git
        .run(["rev-parse", "HEAD"])
        .map_err(failed)?
        .trim()
        .to_string())
}

/// The `releases[].version` and `branches[].name` texts of a request file, read
/// leniently: an old revision of a file only has to say what it already had.
#[derive(Debug, Default, PartialEq)]
struct Entries {
    versions: Vec<String>,
    branches: Vec<String>,
}

impl Entries {
    fn of(text: &str) -> Entries {
        let Ok(Some(root)) = yaml::parse(text) else {
            return Entries::default();
        };
        let Value::Map(entries) = &root.value else {
            return Entries::default();
        };
        let field_of = |list: &str, field: &str| -> Vec<String> {
            let Some((_, node)) = entries.iter().find(|(k, _)| k.text() == Some(list)) else {
                return Vec::new();
            };
            let Value::Seq(items) = &node.value else {
                return Vec::new();
            };
            items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::Map(fields) => fields
                        .iter()
                        .find(|(k, _)| k.text() == Some(field))
                        .and_then(|(_, v)| v.text().map(str::to_string)),
                    _ => None,
                })
                .collect()
        };
        Entries {
            versions: field_of("releases", "version"),
            branches: field_of("branches", "name"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_and_branch_names_leniently() {
        assert_eq!(
            Entries::of("releases:\n  - version: 1.0.0\n  - version: 1.1.0\n    junk: [\n"),
            Entries::default()
        );
        let entries = Entries::of(
            "team: x\nbranches:\n  - {name: stable/x, location: 1.0.0}\n  - 7\n\
             releases:\n  - version: 1.0.0\n  - {version: 1.10}\n  - 3\n",
        );
        assert_eq!(entries.versions, ["1.0.0", "1.10"]);
        assert_eq!(entries.branches, ["stable/x"]);
    }
}
