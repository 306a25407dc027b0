//! The repositories of a release request file (`--request`) for the release of one
//! version, read with the project's release-request parser ([`crate::request`]).

use super::ChangelogError;
use super::spec::{ChangelogRepo, check_repo_name, name_from_url};
use crate::request::{ReleaseRequest, RequestError};
use crate::version::Version;
use std::path::{Path, PathBuf};

/// The highest version the request lists below `version` (its previous release),
/// skipping versions that are no release numbers (`victoria-eol`).
pub fn previous_in_request(
    path: &Path,
    version: &Version,
) -> Result<Option<Version>, ChangelogError> {
    let request = load(path)?;
    let listed: Vec<Version> = request
        .releases
        .iter()
        .filter_map(|r| Version::parse(r.version.as_str()).ok())
        .collect();
    Ok(super::previous::highest_before(&listed, version).cloned())
}

fn load(path: &Path) -> Result<ReleaseRequest, ChangelogError> {
    ReleaseRequest::load(path).map_err(|e| match e {
        RequestError::Invalid { location, message } => {
            ChangelogError::Request { location, message }
        }
        RequestError::Read { path, source } => ChangelogError::ReadInput {
            flag: "--request",
            path,
            error: source,
        },
        RequestError::Revision(message) => ChangelogError::Request {
            location: crate::Location::new(path, 1, 1),
            message,
        },
    })
}

/// The repositories the request lists for `version`, in file order.
pub fn repos_of_request(
    path: &Path,
    version: &Version,
) -> Result<Vec<ChangelogRepo>, ChangelogError> {
    let request = load(path)?;
    let Some(release) = request
        .releases
        .iter()
        .find(|r| r.version.as_str() == version.as_str())
    else {
        let listed: Vec<&str> = request
            .releases
            .iter()
            .map(|r| r.version.as_str())
            .collect();
        return Err(ChangelogError::Request {
            // The `releases` list, where the release would be.
            location: request
                .releases
                .first()
                .map_or_else(|| crate::Location::new(path, 1, 1), |r| r.location.clone()),
            message: format!(
                "no release {version} in `releases` (it lists {})",
                if listed.is_empty() {
                    "none".to_string()
                } else {
                    listed.join(", ")
                }
            ),
        });
    };
    release
        .projects
        .iter()
        .map(|project| {
            // `owner/name`, a git URL, or a path to a clone.
            let repo = &project.repo;
            let is_path = repo.starts_with(['/', '.', '~']);
            let (name, local_path) = if check_repo_name(repo).is_ok() && !is_path {
                (repo.clone(), None)
            } else if let Some(name) = name_from_url(repo) {
                (name, is_path.then(|| PathBuf::from(repo)))
            } else {
                return Err(ChangelogError::Request {
                    location: project.location.clone(),
                    message: format!("`{repo}` is not owner/name, a git URL or a path"),
                });
            };
            Ok(ChangelogRepo {
                name,
                local_path,
                tag: project.tag.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("2026.1").join("acme.yaml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn lists_the_projects_of_the_release() {
        let hash = "0123456789abcdef0123456789abcdef01234567";
        let (_dir, path) = write(&format!(
            "releases:\n  - version: 1.0.0\n    projects:\n      - repo: acme/old\n        hash: {hash}\n\
             \x20 - version: 1.1.0\n    projects:\n      - repo: acme/api\n        hash: {hash}\n\
             \x20     - repo: acme/ui\n        hash: {hash}\n        tag: v1.1.0\n"
        ));
        let repos = repos_of_request(&path, &Version::parse("1.1.0").unwrap()).unwrap();
        let names: Vec<(&str, Option<&str>)> = repos
            .iter()
            .map(|r| (r.name.as_str(), r.tag.as_deref()))
            .collect();
        assert_eq!(names, [("acme/api", None), ("acme/ui", Some("v1.1.0"))]);
    }

    #[test]
    fn the_previous_release_is_the_highest_earlier_version_listed() {
        let hash = "0123456789abcdef0123456789abcdef01234567";
        let entry = |v: &str| {
            format!(
                "  - version: {v}\n    projects:\n      - repo: acme/api\n        hash: {hash}\n"
            )
        };
        let (_dir, path) = write(&format!(
            "releases:\n{}{}{}{}",
            entry("1.0.0"),
            entry("1.1.0"),
            entry("2.0.0-rc.1"),
            entry("2.0.0")
        ));
        let previous = |v: &str| {
            previous_in_request(&path, &Version::parse(v).unwrap())
                .unwrap()
                .map(|v| v.to_string())
        };
        // A release follows the last release, not its own candidate.
        assert_eq!(previous("2.0.0").as_deref(), Some("1.1.0"));
        assert_eq!(previous("2.0.0-rc.1").as_deref(), Some("1.1.0"));
        assert_eq!(previous("1.0.0"), None);
    }

    #[test]
    fn errors_name_the_position() {
        let (_dir, path) = write(
            "releases:\n  - version: 1.0.0\n    projects:\n      - repo: acme/api\n        hash: abc\n",
        );
        let err = repos_of_request(&path, &Version::parse("1.0.0").unwrap()).unwrap_err();
        assert!(err.to_string().contains("acme.yaml:5:"), "{err}");
        let hash = "0123456789abcdef0123456789abcdef01234567";
        let (_dir, path) = write(&format!(
            "releases:\n  - version: 1.0.0\n    projects:\n      - repo: acme/api\n        hash: {hash}\n"
        ));
        let err = repos_of_request(&path, &Version::parse("2.0.0").unwrap()).unwrap_err();
        assert!(
            err.to_string()
                .contains("no release 2.0.0 in `releases` (it lists 1.0.0)"),
            "{err}"
        );
    }
}
