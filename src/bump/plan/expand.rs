//! From a target's path or glob to the files it names, all inside the repository.

use super::super::BumpError;
use super::super::target::TargetSpec;
use super::files::normalize;
use crate::pattern::PathPattern;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The files a target's path names: the path itself, or every file its glob matches.
pub(super) fn expand(spec: &TargetSpec, root: &Path) -> Result<Vec<(PathBuf, String)>, BumpError> {
    // Paths and globs name files of the repository: a target from a config or a
    // workflow input must not reach a sibling checkout or a system file.
    if Path::new(&spec.path)
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(BumpError::Spec {
            spec: spec.text.clone(),
            message:
                "the path leaves the repository (an absolute path or `..`); name files inside it"
                    .into(),
            location: None,
        });
    }
    if !spec.is_glob() {
        let display = normalize(Path::new(&spec.path));
        let full = root.join(&display);
        if !full.is_file() {
            return Err(BumpError::MissingFile {
                file: display.display().to_string(),
                spec: spec.text.clone(),
            });
        }
        let found = vec![(full, display.display().to_string())];
        return stays_in_repository(spec, root, found);
    }
    let pattern = PathPattern::new(&normalize(Path::new(&spec.path)).display().to_string())
        .map_err(|reason| BumpError::Spec {
            spec: spec.text.clone(),
            message: format!("the glob is invalid: {reason}"),
            location: None,
        })?;
    let mut found = Vec::new();
    for path in pattern.find_under(root) {
        if path.is_file() {
            let display = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            found.push((path, display));
        }
    }
    if found.is_empty() {
        return Err(BumpError::NoMatch {
            spec: spec.text.clone(),
        });
    }
    stays_in_repository(spec, root, found)
}

/// Refuses a file that is, or lies under, a symbolic link leading out of the
/// repository: the name is inside, the bytes written would not be.
pub(super) fn stays_in_repository(
    spec: &TargetSpec,
    root: &Path,
    found: Vec<(PathBuf, String)>,
) -> Result<Vec<(PathBuf, String)>, BumpError> {
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let base = crate::fsio::resolve_links(&root);
    // Resolving every path costs a lookup per component per file; a monorepo names
    // thousands. Only a path with a link on it needs resolving, and whether a folder
    // is a link is asked once per folder.
    let mut is_link: HashMap<PathBuf, bool> = HashMap::new();
    let mut link_on_the_way = |full: &Path| -> bool {
        let Ok(relative) = full.strip_prefix(&root) else {
            return true;
        };
        let mut at = root.clone();
        let last = relative.components().count();
        for (n, part) in relative.components().enumerate() {
            at.push(part);
            let link = if n + 1 == last {
                std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
            } else {
                *is_link.entry(at.clone()).or_insert_with(|| {
                    std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
                })
            };
            if link {
                return true;
            }
        }
        false
    };
    for (full, display) in &found {
        let full = std::path::absolute(full).unwrap_or_else(|_| full.clone());
        let inside =
            !link_on_the_way(&full) || crate::fsio::resolve_links(&full).starts_with(&base);
        if !inside {
            return Err(BumpError::Spec {
                spec: spec.text.clone(),
                message: format!(
                    "{display} is a symbolic link, or lies under one, that leads outside the repository; name files inside it"
                ),
                location: None,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod escape_tests {
    use super::*;

    #[test]
    fn paths_and_globs_that_leave_the_repository_are_refused() {
        for text in ["../*/x", "../outside/x", "/etc/passwd", "a/../../x"] {
            let spec = TargetSpec::parse(text).unwrap();
            let err = expand(&spec, Path::new("/repo")).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "target `{text}`: the path leaves the repository (an absolute path or `..`); name files inside it"
                )
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_behind_links_that_leave_the_repository_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("charts")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside/chart")).unwrap();
        std::fs::write(dir.path().join("outside/VERSION"), "1.0.0\n").unwrap();
        std::fs::write(
            dir.path().join("outside/chart/Chart.yaml"),
            "version: 1.0.0\n",
        )
        .unwrap();
        std::fs::write(repo.join("charts/Chart.yaml"), "version: 1.0.0\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside/VERSION"), repo.join("VERSION"))
            .unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside/chart"), repo.join("linked")).unwrap();
        std::os::unix::fs::symlink(repo.join("charts"), repo.join("near")).unwrap();
        for (text, file) in [
            ("VERSION", "VERSION"),
            ("linked/Chart.yaml:version", "linked/Chart.yaml"),
            ("*/Chart.yaml:version", "linked/Chart.yaml"),
        ] {
            let spec = TargetSpec::parse(text).unwrap();
            let err = expand(&spec, &repo).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "target `{text}`: {file} is a symbolic link, or lies under one, that leads outside the repository; name files inside it"
                )
            );
        }
        // A link that stays inside the repository is followed.
        let spec = TargetSpec::parse("near/Chart.yaml:version").unwrap();
        assert_eq!(expand(&spec, &repo).unwrap().len(), 1);
    }
}
