//! verify-release: is the release really complete? Every check runs and every gap is
//! reported together, so one run shows all that is missing (a skipped job is not a
//! failed one, and nobody notices three untagged repositories until they look).
//!
//! The checks: each repository of the request file (or `--repo`) has the tag, on the
//! expected commit when one is given (through the forge API, or `git ls-remote`); a
//! published release exists and shows the expected assets; each expected URL answers
//! 200 after redirects; each version file says the version. A check that cannot be
//! made (the forge answers 500, a host is unreachable) is a gap too.

mod expected;
mod tag_list;
pub mod url;

pub use expected::{TargetValue, read_version_target, repos_of_request};

use crate::ci::shard::Shard;
use crate::ci::{CiContext, Platform};
use crate::forge::{Forge, ForgeSettings};
use crate::git::{Git, strip_userinfo};
use crate::version::{Version, VersionError};
use crate::{Location, Result};
use futures_util::StreamExt;
use std::path::PathBuf;

/// Errors of verify-release: all of them bad input; what the checks find is a report.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "no version given: pass --version, or run in a tag pipeline (the tag without --tag-prefix)"
    )]
    NoVersion,
    #[error("--version: {0}")]
    InvalidVersion(VersionError),
    #[error("--repo {spec}: {reason}")]
    BadRepoSpec { spec: String, reason: String },
    #[error("--expect-file {target}: {reason}")]
    BadTarget { target: String, reason: String },
    /// `reason` names the template.
    #[error("--expect-url {reason}")]
    BadUrlTemplate { reason: String },
    /// `reason` names the template.
    #[error("--expect-asset {reason}")]
    BadAssetTemplate { reason: String },
    #[error("cannot read the request file {}: {reason}", path.display())]
    RequestUnreadable { path: PathBuf, reason: String },
    #[error("{location}: {message}")]
    BadRequest { location: Location, message: String },
    #[error("{} has no release of version {version}", path.display())]
    VersionNotRequested { path: PathBuf, version: String },
    #[error(
        "--expect-release and --expect-asset need a forge API: pass --forge github or --forge gitlab"
    )]
    NoApi,
    #[error(
        "no repository to check the release in: pass --repo owner/name or --request FILE (or run in GitHub Actions or GitLab CI)"
    )]
    NoRepository,
    #[error(
        "nothing to verify: give --request, --repo, --expect-release, --expect-asset, --expect-url or --expect-file"
    )]
    NothingToVerify,
    #[error("--tags: cannot read {}: {reason}", path.display())]
    TagListUnreadable { path: PathBuf, reason: String },
    #[error("{location}: {message}")]
    BadTagList { location: Location, message: String },
}

impl crate::Problem for VerifyError {
    fn is_bad_input(&self) -> bool {
        true
    }

    fn location(&self) -> Option<&Location> {
        match self {
            VerifyError::BadRequest { location, .. } | VerifyError::BadTagList { location, .. } => {
                Some(location)
            }
            _ => None,
        }
    }
}

/// What verify-release is asked.
#[derive(Debug, Clone, Default)]
pub struct VerifyRequest {
    /// `None`: the pipeline's tag without the tag prefix.
    pub version: Option<String>,
    /// Put before the version to make the tag name (`v`).
    pub tag_prefix: String,
    pub request_file: Option<PathBuf>,
    /// `REPO[@COMMIT]`
    pub repos: Vec<String>,
    /// Files (or folders of them) listing tags to check, each on its commit.
    pub tag_lists: Vec<PathBuf>,
    pub expect_release: bool,
    /// Asset names; templates with `{version}`, `{major}`, ….
    pub expect_assets: Vec<String>,
    /// URL templates.
    pub expect_urls: Vec<String>,
    /// `PATH[:KEY][=TEMPLATE]`
    pub expect_files: Vec<String>,
    /// Where version files are read.
    pub dir: PathBuf,
    /// The part of the checks this run makes (a CI job of several).
    pub shard: Shard,
}

/// A repository to check: `owner/name` on the forge, or a git URL or path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoToVerify {
    pub repo: String,
    /// The commit the tag must be on (a full id, or at least 7 hex digits).
    pub commit: Option<String>,
    /// The tag name, when not the prefix and the version.
    pub tag: Option<String>,
}

impl RepoToVerify {
    /// `REPO[@COMMIT]`: the part after the last `@` is a commit when it is 7 to 64 hex
    /// digits (so `git@host:a/b.git` stays a URL).
    pub fn parse(text: &str) -> Result<RepoToVerify, VerifyError> {
        let text = text.trim();
        let bad = |reason: &str| VerifyError::BadRepoSpec {
            spec: text.to_string(),
            reason: reason.to_string(),
        };
        let (repo, commit) = match text.rsplit_once('@') {
            Some((repo, commit))
                if (7..=64).contains(&commit.len())
                    && commit.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                (repo, Some(commit.to_ascii_lowercase()))
            }
            _ => (text, None),
        };
        if repo.is_empty() {
            return Err(bad("expected REPO[@COMMIT], e.g. acme/api@0123abc"));
        }
        Ok(RepoToVerify {
            repo: repo.to_string(),
            commit,
            tag: None,
        })
    }

    /// `owner/name` (or `group/subgroup/name`) on the forge, as opposed to a URL or path.
    pub fn is_forge_path(&self) -> bool {
        let r = &self.repo;
        r.contains('/')
            && !r.starts_with(['.', '/', '~'])
            && !r.ends_with(".git")
            && r.split('/').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            })
    }
}

/// What a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    Tag,
    Release,
    Asset,
    Url,
    File,
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Tag => "tag",
            CheckKind::Release => "release",
            CheckKind::Asset => "asset",
            CheckKind::Url => "url",
            CheckKind::File => "file",
        }
    }
}

/// One check and what it found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Check {
    #[serde(rename = "check")]
    pub kind: CheckKind,
    pub subject: String,
    pub expected: String,
    pub found: String,
    #[serde(skip)]
    pub holds: bool,
}

/// Every check verify-release made.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// `None` when only listed tags were checked.
    pub version: Option<String>,
    pub checks: Vec<Check>,
}

impl VerifyReport {
    pub fn missing(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.holds).collect()
    }
}

/// A parsed `--expect-file PATH[:KEY][=TEMPLATE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileTarget {
    spec: String,
    path: String,
    key: Option<String>,
    expected: String,
}

fn parse_file_target(spec: &str, version: &Version) -> Result<FileTarget, VerifyError> {
    let bad = |reason: String| VerifyError::BadTarget {
        target: spec.to_string(),
        reason,
    };
    let spec = spec.trim();
    let split = spec.find([':', '=']).unwrap_or(spec.len());
    let path = &spec[..split];
    let rest = &spec[split..];
    let (key, template) = if let Some(rest) = rest.strip_prefix(':') {
        if let Some(regex) = rest.strip_prefix('/') {
            // /REGEX/ may hold `=`: it ends at its closing slash.
            let end = regex
                .find('/')
                .map(|i| i + 2)
                .ok_or_else(|| bad("the /REGEX/ has no closing slash".into()))?;
            (Some(&rest[..end]), rest[end..].strip_prefix('='))
        } else {
            match rest.split_once('=') {
                Some((k, t)) => (Some(k), Some(t)),
                None => (Some(rest), None),
            }
        }
    } else {
        (None, rest.strip_prefix('='))
    };
    if path.is_empty() {
        return Err(bad("expected PATH[:KEY][=TEMPLATE]".into()));
    }
    let expected = version
        .render(template.unwrap_or("{version}"))
        .map_err(bad)?;
    Ok(FileTarget {
        spec: spec.to_string(),
        path: path.to_string(),
        key: key.filter(|k| !k.is_empty()).map(str::to_string),
        expected,
    })
}

/// The items of `items` that `shard` checks, the first being the `first`th subject.
fn share_of<T>(items: Vec<T>, shard: Shard, first: usize) -> Vec<T> {
    items
        .into_iter()
        .enumerate()
        .filter(|(n, _)| shard.owns(first + n))
        .map(|(_, item)| item)
        .collect()
}

/// Repositories looked up at once.
const CONCURRENT_LOOKUPS: usize = 8;

/// Runs every check.
/// What a run checks, read and validated before any check runs.
struct Subjects {
    version: Option<Version>,
    /// Each repository with the name of the tag it must have.
    repos: Vec<(RepoToVerify, String)>,
    urls: Vec<String>,
    files: Vec<FileTarget>,
    assets: Vec<String>,
    wants_release: bool,
}

impl Subjects {
    /// Everything the request names, validated as a whole (bad input stops here, every
    /// shard alike), then the shard's part of it.
    fn of(
        request: &VerifyRequest,
        ctx: &CiContext,
        settings: &ForgeSettings,
    ) -> std::result::Result<Subjects, VerifyError> {
        let text = request
            .version
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .or_else(|| ctx.pipeline_tag())
            .map(|t| crate::version::strip_tag_prefix(t.trim(), &request.tag_prefix).to_string());
        let version = match text {
            Some(text) => Some(Version::parse(text.trim()).map_err(VerifyError::InvalidVersion)?),
            // Listed tags carry their names: only the other checks need the version.
            None if !request.tag_lists.is_empty() => None,
            None => return Err(VerifyError::NoVersion),
        };
        let version = || version.as_ref().ok_or(VerifyError::NoVersion);
        let mut repos = Vec::new();
        if let Some(path) = &request.request_file {
            // Messages name the file as it was given.
            let path = if request.dir == std::path::Path::new(".") {
                path.clone()
            } else {
                request.dir.join(path)
            };
            for r in repos_of_request(&path, version()?.as_str())? {
                repos.push(RepoToVerify {
                    repo: r.repo,
                    commit: r.commit.map(|c| c.to_ascii_lowercase()),
                    tag: r.tag,
                });
            }
        }
        for spec in request.repos.iter().filter(|s| !s.trim().is_empty()) {
            repos.push(RepoToVerify::parse(spec)?);
        }
        repos.extend(tag_list::read_tag_lists(&request.tag_lists)?);
        let files = request
            .expect_files
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_file_target(s, version()?))
            .collect::<Result<Vec<_>, _>>()?;
        // Each template filled in with the version; `bad` names the flag in the error.
        let rendered = |templates: &[String], bad: fn(String) -> VerifyError| {
            templates
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|t| version()?.render(t.trim()).map_err(bad))
                .collect::<Result<Vec<_>, _>>()
        };
        let urls = rendered(&request.expect_urls, |reason| VerifyError::BadUrlTemplate {
            reason,
        })?;
        let assets = rendered(&request.expect_assets, |reason| {
            VerifyError::BadAssetTemplate { reason }
        })?;
        let wants_release = request.expect_release || !assets.is_empty();
        if wants_release && settings.platform == Platform::Git {
            return Err(VerifyError::NoApi);
        }
        if repos.is_empty() && wants_release {
            let repo = ctx
                .repository(settings.platform)
                .ok_or(VerifyError::NoRepository)?;
            repos.push(RepoToVerify {
                repo: repo.to_string(),
                commit: None,
                tag: None,
            });
        }
        if repos.is_empty() && urls.is_empty() && files.is_empty() {
            return Err(VerifyError::NothingToVerify);
        }
        // Validate every file target before any check runs.
        for target in &files {
            read_version_target(&request.dir, &target.path, target.key.as_deref())?;
        }
        // A shard checks every Nth subject: the repositories, then the URLs, then the files.
        let (repos, urls, files) = {
            let shard = request.shard;
            let (before_urls, before_files) = (repos.len(), repos.len() + urls.len());
            (
                share_of(repos, shard, 0),
                share_of(urls, shard, before_urls),
                share_of(files, shard, before_files),
            )
        };
        let repos = repos
            .into_iter()
            .map(|spec| {
                let tag = match &spec.tag {
                    Some(tag) => tag.clone(),
                    None => format!("{}{}", request.tag_prefix, version()?.as_str()),
                };
                Ok((spec, tag))
            })
            .collect::<std::result::Result<Vec<_>, VerifyError>>()?;
        let version = version().ok().cloned();
        Ok(Subjects {
            version,
            repos,
            urls,
            files,
            assets,
            wants_release,
        })
    }
}

pub async fn verify_release(
    request: &VerifyRequest,
    ctx: &CiContext,
    settings: &ForgeSettings,
) -> Result<VerifyReport> {
    let Subjects {
        version,
        repos,
        urls,
        files,
        assets,
        wants_release,
    } = Subjects::of(request, ctx, settings)?;
    let needs_api = settings.platform != Platform::Git
        && (wants_release || repos.iter().any(|(spec, _)| spec.is_forge_path()));
    let forge: Option<Result<Box<dyn Forge>, String>> = if needs_api {
        Some(
            crate::forge::connect(settings)
                .await
                .map_err(|e| format!("cannot reach the {} API: {e}", settings.platform)),
        )
    } else {
        None
    };
    let git = Git::new(&request.dir).with_credentials(settings.git_credentials());

    // A release of many repositories is many look-ups: a few at once, in order.
    let per_repo = futures_util::stream::iter(&repos)
        .map(|(spec, tag)| {
            let (forge, git, assets) = (forge.as_ref(), &git, &assets);
            async move {
                let mut found = vec![check_tag(spec, tag, forge, git, settings).await];
                if wants_release {
                    found.extend(
                        check_release(spec, tag, forge, request.expect_release, assets).await,
                    );
                }
                found
            }
        })
        .buffered(CONCURRENT_LOOKUPS)
        .collect::<Vec<Vec<Check>>>()
        .await;
    let mut checks: Vec<Check> = per_repo.into_iter().flatten().collect();
    if !urls.is_empty() {
        let prober = url::Prober::new();
        for u in &urls {
            checks.push(prober.check(u).await);
        }
    }
    for target in &files {
        let found = read_version_target(&request.dir, &target.path, target.key.as_deref())?;
        let (found, holds) = match found {
            TargetValue::Found(value) => {
                let holds = value == target.expected;
                (value, holds)
            }
            TargetValue::Missing(why) => (why, false),
        };
        checks.push(Check {
            kind: CheckKind::File,
            subject: target
                .spec
                .split('=')
                .next()
                .unwrap_or(&target.spec)
                .to_string(),
            expected: target.expected.clone(),
            found,
            holds,
        });
    }
    Ok(VerifyReport {
        version: version.map(|v| v.as_str().to_string()),
        checks,
    })
}

async fn check_tag(
    spec: &RepoToVerify,
    tag: &str,
    forge: Option<&Result<Box<dyn Forge>, String>>,
    git: &Git,
    settings: &ForgeSettings,
) -> Check {
    let shown_repo = strip_userinfo(&spec.repo);
    let found: Result<Option<String>, String> = match forge {
        Some(forge) if spec.is_forge_path() => match forge {
            Ok(forge) => forge
                .tag(&spec.repo, tag)
                .await
                .map(|t| t.map(|t| t.commit))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.clone()),
        },
        _ => {
            let url = if spec.is_forge_path() {
                format!("{}/{}.git", settings.server_url, spec.repo)
            } else {
                spec.repo.clone()
            };
            ls_remote_tag(git, &url, tag)
        }
    };
    let expected = match &spec.commit {
        Some(c) => format!("on {c}"),
        None => "exists".to_string(),
    };
    let (found, holds) = match found {
        Ok(Some(commit)) => {
            let holds = spec
                .commit
                .as_ref()
                .is_none_or(|c| commit.to_ascii_lowercase().starts_with(c.as_str()));
            (format!("on {commit}"), holds)
        }
        Ok(None) => ("missing".to_string(), false),
        Err(e) => (format!("cannot check: {e}"), false),
    };
    Check {
        kind: CheckKind::Tag,
        subject: format!("{shown_repo} {tag}"),
        expected,
        found,
        holds,
    }
}

/// The commit the remote's tag leads to, through `git ls-remote` (the peeled `^{}`
/// line of an annotated tag, else the tag's own line).
fn ls_remote_tag(git: &Git, url: &str, tag: &str) -> Result<Option<String>, String> {
    let name = format!("refs/tags/{tag}");
    let peeled = format!("{name}^{{}}");
    let out = git
        .run([
            "ls-remote",
            "--tags",
            "--end-of-options",
            url,
            &name,
            &peeled,
        ])
        .map_err(|e| e.reason())?;
    let mut direct = None;
    for line in out.lines() {
        let Some((oid, reference)) = line.split_once('\t') else {
            continue;
        };
        if reference == peeled {
            return Ok(Some(oid.to_string()));
        }
        if reference == name {
            direct = Some(oid.to_string());
        }
    }
    Ok(direct)
}

async fn check_release(
    spec: &RepoToVerify,
    tag: &str,
    forge: Option<&Result<Box<dyn Forge>, String>>,
    expect_release: bool,
    assets: &[String],
) -> Vec<Check> {
    let subject = format!("{} {tag}", spec.repo);
    let release = match forge {
        _ if !spec.is_forge_path() => Err("not an owner/name repository of the forge".to_string()),
        Some(Ok(forge)) => forge
            .release(&spec.repo, tag)
            .await
            .map_err(|e| e.to_string()),
        Some(Err(e)) => Err(e.clone()),
        None => Err("no forge API".to_string()),
    };
    let mut checks = Vec::new();
    if expect_release || release.is_err() || matches!(release, Ok(None)) {
        let (found, holds) = match &release {
            Ok(Some(r)) => (format!("published: {}", r.web_url), true),
            Ok(None) => ("no published release".to_string(), false),
            Err(e) => (format!("cannot check: {e}"), false),
        };
        checks.push(Check {
            kind: CheckKind::Release,
            subject: subject.clone(),
            expected: "published".to_string(),
            found,
            holds,
        });
    }
    for name in assets {
        let (found, holds) = match &release {
            Ok(Some(r)) => match r.assets.iter().find(|a| a.name == *name && a.attached) {
                Some(a) => (format!("attached: {}", a.url), true),
                None => ("not attached".to_string(), false),
            },
            Ok(None) => ("no published release".to_string(), false),
            Err(_) => ("release not checked".to_string(), false),
        };
        checks.push(Check {
            kind: CheckKind::Asset,
            subject: format!("{subject} {name}"),
            expected: "attached".to_string(),
            found,
            holds,
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_specs_take_a_commit_after_the_last_at() {
        let s = RepoToVerify::parse("acme/api@0123ABCdef").unwrap();
        assert_eq!(
            (s.repo.as_str(), s.commit.as_deref()),
            ("acme/api", Some("0123abcdef"))
        );
        assert!(s.is_forge_path());
        let s = RepoToVerify::parse("git@github.com:acme/api.git").unwrap();
        assert_eq!(
            (s.repo.as_str(), s.commit.as_deref()),
            ("git@github.com:acme/api.git", None)
        );
        assert!(!s.is_forge_path());
        let s = RepoToVerify::parse("git://127.0.0.1:9418/acme/api.git@0123456").unwrap();
        assert_eq!(s.commit.as_deref(), Some("0123456"));
        assert!(!s.is_forge_path());
        assert!(
            RepoToVerify::parse("group/sub/project")
                .unwrap()
                .is_forge_path()
        );
        assert!(!RepoToVerify::parse("./local/repo").unwrap().is_forge_path());
        assert_eq!(
            RepoToVerify::parse("@0123456").unwrap_err().to_string(),
            "--repo @0123456: expected REPO[@COMMIT], e.g. acme/api@0123abc"
        );
    }

    #[test]
    fn file_targets_split_path_key_and_template() {
        let v = Version::parse("1.2.0").unwrap();
        let t = parse_file_target("VERSION", &v).unwrap();
        assert_eq!(
            (t.path.as_str(), t.key, t.expected.as_str()),
            ("VERSION", None, "1.2.0")
        );
        let t = parse_file_target("values.yaml:image.tag=v{version}", &v).unwrap();
        assert_eq!(
            (t.path.as_str(), t.key.as_deref(), t.expected.as_str()),
            ("values.yaml", Some("image.tag"), "v1.2.0")
        );
        let t = parse_file_target("VERSION=v{major}.{minor}", &v).unwrap();
        assert_eq!((t.key, t.expected.as_str()), (None, "v1.2"));
        let t = parse_file_target("x.txt:/v=(?P<version>.+)/=x{version}", &v).unwrap();
        assert_eq!(t.key.as_deref(), Some("/v=(?P<version>.+)/"));
        assert_eq!(t.expected, "x1.2.0");
        assert!(parse_file_target("VERSION={nope}", &v).is_err());
    }
}
