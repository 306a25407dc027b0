//! What the user names on the command line: repositories (`owner/name[=LOCAL_PATH]`)
//! and artifact lines (`NAME=URL_TEMPLATE [stable-only]`).

use super::ChangelogError;
use crate::version::Version;
use std::path::PathBuf;

/// A repository of the release: its path on the forge, and where it is checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangelogRepo {
    /// `owner/name`, or a GitLab `group/subgroup/name`.
    pub name: String,
    /// A local clone to read commits from; without one the forge API is asked.
    pub local_path: Option<PathBuf>,
    /// The release's tag name when it is not the tag prefix plus the version (a request
    /// file's `tag:`).
    pub tag: Option<String>,
}

impl ChangelogRepo {
    /// Parses `owner/name[=LOCAL_PATH]`.
    pub fn parse(text: &str) -> Result<ChangelogRepo, ChangelogError> {
        let fail = |reason: &str| ChangelogError::BadRepoSpec {
            spec: text.to_string(),
            reason: reason.to_string(),
        };
        let (name, path) = match text.split_once('=') {
            Some((name, path)) => {
                let path = path.trim();
                if path.is_empty() {
                    return Err(fail("the local path after `=` is empty"));
                }
                (name.trim(), Some(PathBuf::from(path)))
            }
            None => (text.trim(), None),
        };
        check_repo_name(name).map_err(|reason| fail(&reason))?;
        Ok(ChangelogRepo {
            name: name.to_string(),
            local_path: path,
            tag: None,
        })
    }
}

/// Checks `owner/name` (GitLab: `group/subgroup/name`); see
/// `forge::check_repository`.
pub fn check_repo_name(name: &str) -> Result<(), String> {
    if !name.contains('/') {
        return Err("expected owner/name[=LOCAL_PATH]".into());
    }
    crate::forge::check_repository(name)
}

/// A remote URL split into the forge's web server (for a URL with a host) and the
/// repository's path on it.
fn split_remote(url: &str) -> Option<(Option<String>, &str)> {
    match url.split_once("://") {
        Some(("file", rest)) => Some((None, rest)),
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/')?;
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            // The web pages of an ssh or git remote are served over https, on the
            // host's own port.
            let server = match scheme {
                "http" | "https" => format!("{scheme}://{host_port}"),
                _ => format!(
                    "https://{}",
                    host_port.split_once(':').map_or(host_port, |(h, _)| h)
                ),
            };
            Some((Some(server), path))
        }
        None => match url.split_once(':') {
            // scp-like `user@host:path`, not a Windows drive or a plain path
            Some((host, path)) if !host.contains('/') && host.len() > 1 => {
                let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
                Some((Some(format!("https://{host}")), path))
            }
            _ => Some((None, url)),
        },
    }
}

/// The repository's name from a remote URL or path: the whole path on a forge's host
/// (`https://host/acme/api.git`, `git@host:group/sub/api.git`,
/// `ssh://git@host:2222/acme/api`), the last two folders of a plain path
/// (`/srv/git/acme/api.git`).
pub fn name_from_url(url: &str) -> Option<String> {
    let (server, path) = split_remote(url)?;
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let name = match (server, segments.as_slice()) {
        (Some(_), all @ [_, _, ..]) => all.join("/"),
        (None, [.., owner, repo]) => format!("{owner}/{repo}"),
        _ => return None,
    };
    check_repo_name(&name).ok().map(|_| name)
}

/// The web server of the forge a remote URL is on (`https://gitlab.example.com` for
/// `git@gitlab.example.com:group/api.git`); `None` for a plain path.
pub fn server_from_url(url: &str) -> Option<String> {
    split_remote(url)?.0
}

/// An artifact line of the section: a name and a URL template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactSpec {
    pub name: String,
    /// With `{version}`, `{major}`, `{minor}`, `{patch}`, `{prerelease}`.
    pub url_template: String,
    /// Left out of a pre-release's section (the URL exists only for stable releases).
    pub stable_only: bool,
}

impl ArtifactSpec {
    /// Parses `NAME=URL_TEMPLATE [stable-only]`.
    pub fn parse(text: &str) -> Result<ArtifactSpec, ChangelogError> {
        let fail = |reason: &str| ChangelogError::BadArtifact {
            spec: text.to_string(),
            reason: reason.to_string(),
        };
        let (name, rest) = text
            .split_once('=')
            .ok_or_else(|| fail("expected NAME=URL_TEMPLATE [stable-only]"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(fail("the name before `=` is empty"));
        }
        let mut words = rest.split_whitespace();
        let url_template = words
            .next()
            .ok_or_else(|| fail("the URL template after `=` is empty"))?
            .to_string();
        let mut stable_only = false;
        for word in words {
            match word {
                "stable-only" => stable_only = true,
                other => {
                    return Err(fail(&format!(
                        "unknown marker `{other}` after the URL (known: stable-only)"
                    )));
                }
            }
        }
        // A template with an unknown field fails now, not after the history was read.
        Version::parse("1.0.0")
            .expect("a valid version")
            .render(&url_template)
            .map_err(|e| fail(&e))?;
        Ok(ArtifactSpec {
            name: name.to_string(),
            url_template,
            stable_only,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repositories_with_and_without_a_local_path() {
        let spec = ChangelogRepo::parse("acme/api").unwrap();
        assert_eq!((spec.name.as_str(), spec.local_path), ("acme/api", None));
        let spec = ChangelogRepo::parse("group/sub/worker=../worker").unwrap();
        assert_eq!(spec.name, "group/sub/worker");
        assert_eq!(spec.local_path, Some(PathBuf::from("../worker")));
    }

    #[test]
    fn refuses_what_is_not_a_repository() {
        for (text, reason) in [
            ("api", "expected owner/name[=LOCAL_PATH]"),
            ("acme//api", "empty or relative segment"),
            ("acme/../api", "empty or relative segment"),
            ("acme/api=", "the local path after `=` is empty"),
            ("acme/a pi", "holds ` `"),
        ] {
            let err = ChangelogRepo::parse(text).unwrap_err().to_string();
            assert!(err.contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn names_come_from_remote_urls() {
        for (url, name) in [
            ("https://github.com/acme/api.git", Some("acme/api")),
            ("git@gitlab.com:group/sub/api.git", Some("group/sub/api")),
            (
                "https://ci:x@gitlab.example.com/group/sub/proj",
                Some("group/sub/proj"),
            ),
            ("ssh://git@git.example.org:2222/a/b/c.git", Some("a/b/c")),
            ("git://127.0.0.1:9418/acme/worker", Some("acme/worker")),
            ("/srv/git/acme/homeport.git/", Some("acme/homeport")),
            ("file:///srv/git/acme/homeport.git", Some("acme/homeport")),
            ("https://host/api.git", None),
            ("api", None),
        ] {
            assert_eq!(name_from_url(url).as_deref(), name, "{url}");
        }
        for (url, server) in [
            (
                "https://ci:x@gitlab.example.com/group/sub/proj",
                Some("https://gitlab.example.com"),
            ),
            (
                "http://127.0.0.1:8080/acme/api.git",
                Some("http://127.0.0.1:8080"),
            ),
            (
                "ssh://git@git.example.org:2222/a/b.git",
                Some("https://git.example.org"),
            ),
            (
                "git@gitlab.example.com:group/api.git",
                Some("https://gitlab.example.com"),
            ),
            ("/srv/git/acme/api.git", None),
        ] {
            assert_eq!(server_from_url(url).as_deref(), server, "{url}");
        }
    }

    #[test]
    fn parses_artifacts_and_their_marker() {
        let a =
            ArtifactSpec::parse("OpenAPI schema=https://x.org/{version}/openapi.yaml stable-only")
                .unwrap();
        assert_eq!(a.name, "OpenAPI schema");
        assert_eq!(a.url_template, "https://x.org/{version}/openapi.yaml");
        assert!(a.stable_only);
        assert!(
            !ArtifactSpec::parse("SBOM=https://x/{version}")
                .unwrap()
                .stable_only
        );
        for (text, reason) in [
            ("SBOM", "expected NAME=URL_TEMPLATE"),
            ("=https://x", "the name before `=` is empty"),
            ("SBOM=", "the URL template after `=` is empty"),
            ("SBOM=https://x stable", "unknown marker `stable`"),
            ("SBOM=https://x/{tag}", "unknown field `{tag}`"),
        ] {
            let err = ArtifactSpec::parse(text).unwrap_err().to_string();
            assert!(err.contains(reason), "{text}: {err}");
        }
    }
}
