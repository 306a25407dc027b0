//! The git transport: no clone. Per remote, a scratch bare repository; the remote's
//! tags (and branches, when the plan makes some) are read with `git ls-remote`, only
//! the needed commit is fetched (`git fetch --depth=1 --filter=tree:0 URL SHA`, which
//! protocol v2 servers allow for any reachable commit; without filter support the
//! commit's tree comes too), the annotated tag is made there (`git tag -a`, or `-s`
//! with the user's own gpg or ssh signing setup) and only that tag is pushed
//! (`refs/tags/X`, never forced, so an existing tag is never moved; `push.negotiate`
//! so that the commit is not sent back). A branch is pushed as `SHA:refs/heads/X`
//! with a lease that the branch does not exist, so a branch made meanwhile is never
//! moved, not even forward.
//!
//! A token reaches git only through [`Git::with_credentials`] and only for remotes on
//! the forge's own host, so a request file cannot send it elsewhere.

use super::{Check, Group, PlannedRef, RefKind, TagRequest, TagStatus, TaggingError};
use crate::forge::ForgeSettings;
use crate::git::{Credentials, Git, GitError, strip_userinfo};
use std::collections::HashMap;
use std::path::Path;

/// The default remote of an `owner/name` repo: the forge's web server.
const DEFAULT_TEMPLATE: &str = "{server}/{repo}.git";

/// Where a repo of the request lives, as git can reach it: a URL or a path as
/// written; `owner/name` through `template` (`{repo}`, and `{server}` for the forge's
/// server URL). A relative path is taken from the working folder. A local repository
/// (a path, or a `file://` URL) must lie inside the working folder: a request is data
/// a merge request can change, and it must not aim the run at another repository of
/// the runner.
pub fn remote_url(repo: &str, template: Option<&str>, server_url: &str) -> Result<String, String> {
    if let Some(rest) = repo.strip_prefix("file://") {
        let path = rest.strip_prefix("localhost").unwrap_or(rest);
        if !path.starts_with('/') {
            return Err(format!(
                "repo `{repo}`: a file:// URL names a path on this machine (file:///path)"
            ));
        }
        inside_working_folder(repo, Path::new(path))?;
        return Ok(repo.to_string());
    }
    let is_url = repo.contains("://")
        || repo
            .split_once(':')
            .is_some_and(|(host, _)| !host.is_empty() && !host.contains('/'));
    if is_url {
        return Ok(repo.to_string());
    }
    let is_path = repo.starts_with('/') || repo.starts_with("./") || repo.starts_with("../");
    if is_path {
        return inside_working_folder(repo, Path::new(repo))
            .map(|path| path.to_string_lossy().into_owned());
    }
    let template = template.unwrap_or(DEFAULT_TEMPLATE);
    if !template.contains("{repo}") {
        return Err(format!(
            "--remote-url-template `{template}` has no `{{repo}}` to put the repository in"
        ));
    }
    Ok(template
        .replace("{server}", server_url.trim_end_matches('/'))
        .replace("{repo}", repo))
}

/// `path` made absolute from the working folder, when it lies inside it (symbolic
/// links resolved where the path exists).
fn inside_working_folder(repo: &str, path: &Path) -> Result<std::path::PathBuf, String> {
    use std::path::Component;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working folder: {e}"))?;
    let absolute = cwd.join(path);
    let outside = || {
        format!(
            "repo `{repo}` is a path outside the working folder; a request names local repositories inside it, others as owner/name or a URL"
        )
    };
    let mut lexical = std::path::PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                if !lexical.pop() {
                    return Err(outside());
                }
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    if crate::fsio::stays_inside(&lexical, &cwd) {
        Ok(absolute)
    } else {
        Err(outside())
    }
}

/// `https://user@host:443/x` → `host:443`; `None` for paths and scp-like addresses.
fn http_host(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split('/').next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some(host.to_ascii_lowercase())
}

/// The tags of the plan grouped by remote, one group per remote URL.
pub(crate) fn groups(
    plan: &super::TagPlan,
    request: &TagRequest,
    settings: &ForgeSettings,
) -> Result<Vec<GitGroup>, TaggingError> {
    let credentials = settings.git_credentials();
    let server_host = http_host(&settings.server_url);
    let mut groups: Vec<GitGroup> = Vec::new();
    let mut by_url: HashMap<String, usize> = HashMap::new();
    for (index, planned) in plan.refs.iter().enumerate() {
        let url = remote_url(
            &planned.repo,
            request.remote_url_template.as_deref(),
            &settings.server_url,
        )
        .map_err(|message| TaggingError::Invalid {
            location: planned.location.clone(),
            message,
        })?;
        match by_url.get(&url) {
            Some(&at) => {
                groups[at].members.push(index);
                groups[at].branches |= !planned.is_tag();
            }
            None => {
                let trusted = http_host(&url).is_some() && http_host(&url) == server_host;
                by_url.insert(url.clone(), groups.len());
                groups.push(GitGroup {
                    display: strip_userinfo(&url),
                    credentials: credentials.clone().filter(|_| trusted),
                    forge_host: settings.server_url.clone(),
                    url,
                    sign: request.sign,
                    members: vec![index],
                    branches: !planned.is_tag(),
                    scratch: None,
                });
            }
        }
    }
    Ok(groups)
}

/// One remote and its scratch repository.
pub(crate) struct GitGroup {
    url: String,
    /// The URL without any user:password part, for messages.
    display: String,
    /// Sent to this remote only when it is on the forge's own host.
    credentials: Option<Credentials>,
    /// The forge's server, named when a remote asks for credentials it is not sent.
    forge_host: String,
    sign: bool,
    members: Vec<usize>,
    /// Whether the plan makes branches here (the remote's branches are read too).
    branches: bool,
    scratch: Option<tempfile::TempDir>,
}

/// A remote ref: the object it names and, for an annotated tag, its commit.
#[derive(Debug, Default, Clone)]
struct RemoteRef {
    oid: String,
    peeled: Option<String>,
}

impl RemoteRef {
    fn commit(&self) -> &str {
        self.peeled.as_deref().unwrap_or(&self.oid)
    }
}

impl Group for GitGroup {
    fn members(&self) -> &[usize] {
        &self.members
    }

    async fn preflight(mut self, tags: Vec<PlannedRef>) -> (Self, Vec<Check>) {
        tokio::task::spawn_blocking(move || {
            let checks = self.check(&tags);
            (self, checks)
        })
        .await
        .expect("the preflight of a remote does not panic")
    }

    async fn create(self, refs: Vec<PlannedRef>) -> Vec<(TagStatus, Option<String>)> {
        tokio::task::spawn_blocking(move || {
            refs.iter()
                .map(|r| match r.kind {
                    RefKind::Tag { .. } => self.make(r),
                    RefKind::Branch => self.branch(r),
                })
                .collect()
        })
        .await
        .expect("tagging a remote does not panic")
    }
}

impl GitGroup {
    fn git(&self) -> Git {
        let dir = self
            .scratch
            .as_ref()
            .map_or(Path::new("."), |d| d.path())
            .to_path_buf();
        Git::new(dir).with_credentials(self.credentials.clone())
    }

    /// Every tag of the remote (and every branch, when the plan makes some), by full
    /// ref name.
    fn remote_refs(&self) -> Result<HashMap<String, RemoteRef>, GitError> {
        let mut args = vec!["ls-remote", "--tags"];
        if self.branches {
            args.push("--heads");
        }
        args.extend(["--end-of-options", &self.url]);
        let listing = self.git().run(args)?;
        let mut refs: HashMap<String, RemoteRef> = HashMap::new();
        for line in listing.lines() {
            let Some((oid, name)) = line.split_once('\t') else {
                continue;
            };
            if !(name.starts_with("refs/tags/") || name.starts_with("refs/heads/")) {
                continue;
            }
            match name.strip_suffix("^{}") {
                Some(name) => refs.entry(name.to_string()).or_default().peeled = Some(oid.into()),
                None => refs.entry(name.to_string()).or_default().oid = oid.into(),
            }
        }
        Ok(refs)
    }

    fn check(&mut self, tags: &[PlannedRef]) -> Vec<Check> {
        let failed =
            |detail: String| vec![Check::Done(TagStatus::Failed, Some(detail)); tags.len()];
        let scratch = match tempfile::Builder::new().prefix("relay-tag-").tempdir() {
            Ok(dir) => dir,
            Err(e) => return failed(format!("cannot make a scratch repository: {e}")),
        };
        self.scratch = Some(scratch);
        let git = self.git();
        // `origin` is a promisor remote: a fetch with `--filter=tree:0` brings the
        // commit object alone (GitHub and GitLab allow filters; a server that does not
        // sends the commit's tree too), and anything else git ever needs is fetched
        // from there on demand.
        let setup: [&[&str]; 5] = [
            &["init", "--quiet", "--bare"],
            &["config", "core.repositoryFormatVersion", "1"],
            &["config", "extensions.partialClone", "origin"],
            &["config", "remote.origin.url", &self.url],
            &["config", "remote.origin.promisor", "true"],
        ];
        for args in setup {
            if let Err(e) = git.run(args) {
                return failed(format!("cannot make a scratch repository: {e}"));
            }
        }
        let remote = match self.remote_refs() {
            Ok(remote) => remote,
            Err(e) => {
                let reason = e.reason();
                let what = if self.branches {
                    "tags and branches"
                } else {
                    "tags"
                };
                return failed(format!(
                    "cannot read the {what} of {}: {reason}{}",
                    self.display,
                    self.credentials_hint(&reason),
                ));
            }
        };
        let mut checks: Vec<Check> = Vec::new();
        let mut needed: Vec<&str> = Vec::new();
        for tag in tags {
            checks.push(match remote.get(&tag.full_name()) {
                Some(found) if found.commit() == tag.commit => Check::Done(TagStatus::Exists, None),
                Some(found) => Check::Done(
                    TagStatus::Conflict,
                    Some(format!(
                        "the remote's {} is on {}",
                        tag.noun(),
                        found.commit()
                    )),
                ),
                None => {
                    if !needed.contains(&tag.commit.as_str()) {
                        needed.push(&tag.commit);
                    }
                    Check::Ready
                }
            });
        }
        if needed.is_empty() {
            return checks;
        }
        // One fetch for every commit the remote must have; when it fails, one each
        // to tell which are missing. A remote that stopped answering has not said that
        // a commit is missing: its tags are `failed`, not `missing-commit`.
        let mut missing: Vec<(&str, String)> = Vec::new();
        let mut unreachable: Option<String> = None;
        match self.fetch(&needed) {
            Ok(()) => {}
            Err(e @ GitError::TimedOut { .. }) => unreachable = Some(e.reason()),
            Err(_) => {
                for sha in &needed {
                    match self.fetch(&[sha]) {
                        Ok(()) => {}
                        Err(e @ GitError::TimedOut { .. }) => {
                            unreachable = Some(e.reason());
                            break;
                        }
                        Err(e) => missing.push((sha, e.reason())),
                    }
                }
                if unreachable.is_none()
                    && !missing.is_empty()
                    && let Err(e) = self.remote_refs()
                {
                    unreachable = Some(e.reason());
                }
            }
        }
        for (tag, check) in tags.iter().zip(checks.iter_mut()) {
            if *check != Check::Ready {
                continue;
            }
            if let Some(reason) = &unreachable {
                *check = Check::Done(
                    TagStatus::Failed,
                    Some(format!(
                        "cannot fetch {} from {}: {reason}",
                        tag.commit, self.display
                    )),
                );
            } else if let Some((_, reason)) = missing.iter().find(|(sha, _)| *sha == tag.commit) {
                *check = Check::Done(
                    TagStatus::MissingCommit,
                    Some(format!(
                        "{} has no commit {} ({reason})",
                        self.display, tag.commit
                    )),
                );
            }
        }
        checks
    }

    fn fetch(&self, commits: &[&str]) -> Result<(), GitError> {
        let mut args = vec![
            "fetch",
            "--quiet",
            "--depth=1",
            "--filter=tree:0",
            "--no-tags",
            "--no-write-fetch-head",
            "--end-of-options",
            "origin",
        ];
        args.extend_from_slice(commits);
        self.git().run(args).map(|_| ())
    }

    /// What to tell a reader whose remote refused: what the token needs where it was
    /// sent, and where it goes where it was not.
    fn credentials_hint(&self, reason: &str) -> String {
        if !crate::git::credentials_refused(reason) {
            return String::new();
        }
        if self.credentials.is_some() {
            " — the remote refused the credentials: the token needs `contents: read` \
             (GitHub) or `read_repository` (GitLab), and `contents: write` / \
             `write_repository` to push the tags"
                .to_string()
        } else {
            format!(
                " — the remote asks for credentials, and none are sent to it: the token goes \
                 only to the forge's own host ({}); name the repository as owner/name there, \
                 or give the runner its own access to this remote",
                strip_userinfo(&self.forge_host)
            )
        }
    }

    /// Makes one tag in the scratch repository and pushes it.
    fn make(&self, tag: &PlannedRef) -> (TagStatus, Option<String>) {
        let git = self.git();
        let RefKind::Tag { message, unsigned } = &tag.kind else {
            unreachable!("make is called for tags");
        };
        let sign = self.sign && !unsigned;
        let message_file = git
            .dir()
            .join(format!("TAG_MESSAGE_{}", tag.name.replace('/', "_")));
        if let Err(e) = std::fs::write(&message_file, message) {
            return (
                TagStatus::Failed,
                Some(format!("cannot write the tag message: {e}")),
            );
        }
        let mut args: Vec<String> = Vec::new();
        // A CI runner often has no git identity; the tagger then names the tool.
        let has_identity = git
            .output(["var", "GIT_COMMITTER_IDENT"])
            .is_ok_and(|o| o.status.success());
        if !has_identity {
            args.extend(
                [
                    "-c",
                    "user.name=release-relay",
                    "-c",
                    "user.email=release-relay@localhost",
                ]
                .map(String::from),
            );
        }
        args.extend(
            [
                "tag",
                if sign { "--sign" } else { "--annotate" },
                "--cleanup=verbatim",
                "--file",
            ]
            .map(String::from),
        );
        args.push(message_file.to_string_lossy().into_owned());
        args.push(tag.name.clone());
        args.push(tag.commit.clone());
        if let Err(e) = git.run(&args) {
            let what = if sign { "sign" } else { "make" };
            return (
                TagStatus::Failed,
                Some(format!("cannot {what} the tag: {}", e.reason())),
            );
        }
        let refspec = format!("refs/tags/{0}:refs/tags/{0}", tag.name);
        // The remote has the commit but does not advertise it; negotiating first
        // tells git so, and only the tag object travels.
        let push = [
            "-c",
            "push.negotiate=true",
            "push",
            "--quiet",
            "--end-of-options",
            "origin",
            &refspec,
        ];
        match git.run(push) {
            Ok(_) => (TagStatus::Created, None),
            Err(e) => {
                // The push is never forced: a tag that appeared since the preflight
                // is reported as it is, not replaced. The very tag object this run
                // made means the push landed and only the remote's answer was lost.
                if let Ok(remote) = self.remote_refs()
                    && let Some(found) = remote.get(&tag.full_name())
                {
                    let ours = git.resolve(&tag.full_name()).ok().flatten();
                    return if ours.as_deref() == Some(found.oid.as_str()) {
                        (
                            TagStatus::Created,
                            Some(format!(
                                "the push's answer was lost ({}), but the remote has the tag this run pushed",
                                e.reason()
                            )),
                        )
                    } else if found.commit() == tag.commit {
                        (
                            TagStatus::Exists,
                            Some("made by someone else during this run".into()),
                        )
                    } else {
                        (
                            TagStatus::Conflict,
                            Some(format!(
                                "the remote's tag is on {} (made during this run)",
                                found.commit()
                            )),
                        )
                    };
                }
                (TagStatus::Failed, Some(self.push_failure(&e)))
            }
        }
    }

    /// Why a push failed, with what the token needs where it was sent.
    fn push_failure(&self, error: &GitError) -> String {
        let hint = if http_host(&self.url).is_some() && self.credentials.is_some() {
            " — pushing a tag needs `contents: write` (GitHub) or `write_repository` (GitLab)"
                .to_string()
        } else {
            self.credentials_hint(&error.reason())
        };
        format!("cannot push to {}: {}{hint}", self.display, error.reason())
    }

    /// Creates one branch at its commit (fetched by the preflight), only where it is
    /// absent: the lease with an empty value makes the remote refuse the push when
    /// the branch exists, so it is never moved.
    fn branch(&self, branch: &PlannedRef) -> (TagStatus, Option<String>) {
        let git = self.git();
        let full = branch.full_name();
        let lease = format!("--force-with-lease={full}:");
        let refspec = format!("{}:{full}", branch.commit);
        let push = [
            "-c",
            "push.negotiate=true",
            "push",
            "--quiet",
            &lease,
            "--end-of-options",
            "origin",
            &refspec,
        ];
        match git.run(push) {
            Ok(_) => (TagStatus::Created, None),
            Err(e) => match self.remote_refs().ok().and_then(|r| r.get(&full).cloned()) {
                Some(found) if found.oid == branch.commit => (
                    TagStatus::Exists,
                    Some(
                        "made by someone else during this run, or the push's answer was lost"
                            .into(),
                    ),
                ),
                Some(found) => (
                    TagStatus::Conflict,
                    Some(format!(
                        "the remote's branch is on {} (made during this run)",
                        found.oid
                    )),
                ),
                None => (TagStatus::Failed, Some(self.push_failure(&e))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repos_become_remote_urls() {
        let server = "https://github.com";
        assert_eq!(
            remote_url("acme/api", None, server).unwrap(),
            "https://github.com/acme/api.git"
        );
        assert_eq!(
            remote_url("acme/api", Some("file:///srv/git/{repo}.git"), server).unwrap(),
            "file:///srv/git/acme/api.git"
        );
        assert_eq!(
            remote_url("git@example.org:acme/api.git", None, server).unwrap(),
            "git@example.org:acme/api.git"
        );
        assert_eq!(
            remote_url("https://gitlab.com/acme/api.git", None, server).unwrap(),
            "https://gitlab.com/acme/api.git"
        );
        assert!(
            remote_url("./api.git", None, server)
                .unwrap()
                .ends_with("/./api.git")
        );
        let inside = std::env::current_dir().unwrap().join("api.git");
        let inside = inside.to_string_lossy();
        assert_eq!(remote_url(&inside, None, server).unwrap(), inside);
        for outside in [
            "/srv/api.git",
            "../api.git",
            "./a/../../api.git",
            "file:///srv/a.git",
        ] {
            assert_eq!(
                remote_url(outside, None, server).unwrap_err(),
                format!(
                    "repo `{outside}` is a path outside the working folder; a request names local repositories inside it, others as owner/name or a URL"
                )
            );
        }
        assert_eq!(
            remote_url("file://host/a.git", None, server).unwrap_err(),
            "repo `file://host/a.git`: a file:// URL names a path on this machine (file:///path)"
        );
        assert_eq!(
            remote_url("acme/api", Some("git://h/x.git"), server).unwrap_err(),
            "--remote-url-template `git://h/x.git` has no `{repo}` to put the repository in"
        );
    }

    #[test]
    fn credentials_go_only_to_the_forge_host() {
        assert_eq!(
            http_host("https://x:y@GitHub.com/acme/api.git").as_deref(),
            Some("github.com")
        );
        assert_eq!(http_host("git@github.com:acme/api.git"), None);
        assert_eq!(http_host("git://127.0.0.1:9/a.git"), None);
    }
}
