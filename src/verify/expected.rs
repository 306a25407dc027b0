//! The two readers verify-release shares with other tools: release request files are
//! read by tag-from-request's parser ([`crate::request`]), version targets by
//! bump-versions' reader ([`crate::bump::read_targets`]), so a file means the same to
//! the tool that writes it and to the check that proves it.

use super::VerifyError;
use crate::bump::{BumpError, TargetSpec, read_targets};
use crate::request::{ReleaseRequest, RequestError};
use std::path::Path;

/// One repository a request lists for a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedRepo {
    pub repo: String,
    pub commit: Option<String>,
    pub tag: Option<String>,
}

/// The repositories the request file at `path` lists for `version`.
pub fn repos_of_request(path: &Path, version: &str) -> Result<Vec<RequestedRepo>, VerifyError> {
    let request = ReleaseRequest::load(path).map_err(|e| match e {
        RequestError::Invalid { location, message } => {
            VerifyError::BadRequest { location, message }
        }
        RequestError::Read { path, source } => VerifyError::RequestUnreadable {
            path,
            reason: source.to_string(),
        },
        RequestError::Revision(message) => VerifyError::RequestUnreadable {
            path: path.to_path_buf(),
            reason: message,
        },
    })?;
    let release = request
        .releases
        .iter()
        .find(|r| r.version.as_str() == version)
        .ok_or_else(|| VerifyError::VersionNotRequested {
            path: path.to_path_buf(),
            version: version.to_string(),
        })?;
    Ok(release
        .projects
        .iter()
        .map(|p| RequestedRepo {
            repo: p.repo.clone(),
            commit: Some(p.hash.clone()),
            tag: p.tag.clone(),
        })
        .collect())
}

/// What [`read_version_target`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetValue {
    Found(String),
    /// The file or key is not there, or the file cannot be read: why.
    Missing(String),
}

/// The value the target `path` / `key` names, relative to `dir`, with bump-versions'
/// KEY syntax (`PATH`, `PATH:KEY`, `PATH:/REGEX/`). A target that cannot be
/// understood is bad input (`Err`); a missing file or key is a finding. A glob's
/// files must all say the same value.
pub fn read_version_target(
    dir: &Path,
    path: &str,
    key: Option<&str>,
) -> Result<TargetValue, VerifyError> {
    let text = match key {
        Some(k) if !k.is_empty() => format!("{path}:{k}"),
        _ => path.to_string(),
    };
    let bad = |reason: &str| VerifyError::BadTarget {
        target: text.clone(),
        reason: reason.to_string(),
    };
    // Refuse what no file could satisfy before looking for the file.
    let regex = key.is_some_and(|k| k.starts_with('/'));
    match (
        crate::bump::format_of(Path::new(path)),
        key.filter(|k| !k.is_empty()),
    ) {
        (None, _) if !regex => {
            return Err(bad(
                "the kind of file is not known from its name; name the value with PATH:/REGEX/ and a `version` group",
            ));
        }
        (Some(crate::bump::Format::Plain), Some(_)) if !regex => {
            return Err(bad("a plain file holds only the version; give no KEY"));
        }
        _ => {}
    }
    let spec = TargetSpec::parse(&text).map_err(|reason| bad(&reason))?;
    match read_targets(&spec, dir) {
        Ok(found) => {
            let mut values: Vec<&str> = found.iter().map(|f| f.value.as_str()).collect();
            values.dedup();
            Ok(match values.as_slice() {
                [] => TargetValue::Missing("no value".into()),
                [one] => TargetValue::Found(one.to_string()),
                _ => TargetValue::Found(
                    found
                        .iter()
                        .map(|f| format!("{}: {}", f.file, f.value))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            })
        }
        Err(BumpError::Spec { message, .. } | BumpError::NoKeySyntax { message, .. }) => {
            Err(bad(&message))
        }
        Err(BumpError::MissingFile { .. } | BumpError::NoMatch { .. }) => {
            Ok(TargetValue::Missing("no such file".into()))
        }
        Err(BumpError::KeyNotFound { key, .. }) => {
            Ok(TargetValue::Missing(format!("no key {key}")))
        }
        Err(other) => Ok(TargetValue::Missing(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_targets_with_bump_versions_syntax() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("VERSION", "1.2.0\n");
        write("package.json", r#"{"name": "x", "version": "1.2.0"}"#);
        write("pyproject.toml", "[project]\nversion = \"1.2.0\"\n");
        write(
            "Chart.yaml",
            "apiVersion: v2\nappVersion: \"1.2.0\"\nimage:\n  tag: v1.2.0\n",
        );
        write(".env.example", "# x\nexport APP_VERSION=\"1.2.0\"\n");
        write("setup.cfg", "[metadata]\nversion = 1.2.0\n");
        let read = |p: &str, k: Option<&str>| read_version_target(dir.path(), p, k).unwrap();
        let found = |s: &str| TargetValue::Found(s.to_string());
        assert_eq!(read("VERSION", None), found("1.2.0"));
        assert_eq!(read("package.json", Some("version")), found("1.2.0"));
        assert_eq!(
            read("pyproject.toml", Some("project.version")),
            found("1.2.0")
        );
        assert_eq!(read("Chart.yaml", Some("appVersion")), found("1.2.0"));
        assert_eq!(read("Chart.yaml", Some("image.tag")), found("v1.2.0"));
        assert_eq!(read(".env.example", Some("APP_VERSION")), found("1.2.0"));
        assert_eq!(
            read("setup.cfg", Some(r"/version = (?P<version>\S+)/")),
            found("1.2.0")
        );
        assert_eq!(
            read("Chart.yaml", Some("image.name")),
            TargetValue::Missing("no key image.name".into())
        );
        assert_eq!(
            read("GONE", None),
            TargetValue::Missing("no such file".into())
        );
        let err = read_version_target(dir.path(), "setup.cfg", Some("version")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--expect-file setup.cfg:version: "),
            "{err}"
        );
    }
}
