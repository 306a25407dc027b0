//! The git transport: no clone. Per remote, a scratch bare repository; the remote's
//! tags are read with `git ls-remote`, only the needed commit is fetched
//! (`git fetch --depth=1 --filter=tree:0 URL SHA`, which protocol v2 servers allow for
//! any reachable commit; without filter support the commit's tree comes too), the
//! annotated tag is made there (`git tag -a`, or `-s` with the user's own gpg or ssh
//! signing setup) and only that tag is pushed (`refs/tags/X`, never forced, so an
//! existing tag is never moved; `push.negotiate` so that the commit is not sent back).
//!
//! A token reaches git only through [`Git::with_credentials`] and only for remotes on
//! the forge's own host, so a request file cannot send it elsewhere.

use super::{Check, Group, PlannedTag, TagRequest, TagStatus, TaggingError};
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
    for (index, tag) in plan.tags.iter().enumerate() {
        let url = remote_url(
            &tag.repo,
            request.remote_url_template.as_deref(),
            &settings.server_url,
        )
        .map_err(|message| TaggingError::Invalid {
            location: tag.location.clone(),
            message,
        })?;
        match groups.iter_mut().find(|g| g.url == url) {
            Some(group) => group.members.push(index),
            None => {
                let trusted = http_host(&url).is_some() && http_host(&url) == server_host;
                groups.push(GitGroup {
                    display: strip_userinfo(&url),
                    credentials: credentials.clone().filter(|_| trusted),
                    url,
                    sign: request.sign,
                    members: vec![index],
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
    credentials: Option<Credentials>,
    sign: bool,
    members: Vec<usize>,
    scratch: Option<tempfile::TempDir>,
}

/// A remote tag: the object the ref names and, for an annotated tag, its commit.
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

    async fn preflight(mut self, tags: Vec<PlannedTag>) -> (Self, Vec<Check>) {
        tokio::task::spawn_blocking(move || {
            let checks = self.check(&tags);
            (self, checks)
        })
        .await
        .expect("the preflight of a remote does not panic")
    }

    async fn create(self, tags: Vec<PlannedTag>) -> Vec<(TagStatus, Option<String>)> {
        tokio::task::spawn_blocking(move || tags.iter().map(|t| self.make(t)).collect())
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

    /// Every tag of the remote, by name.
    fn remote_tags(&self) -> Result<HashMap<String, RemoteRef>, GitError> {
        let listing = self
            .git()
            .run(["ls-remote", "--tags", "--end-of-options", &self.url])?;
        let mut tags: HashMap<String, RemoteRef> = HashMap::new();
        for line in listing.lines() {
            let Some((oid, name)) = line.split_once('\t') else {
                continue;
            };
            let Some(name) = name.strip_prefix("refs/tags/") else {
                continue;
            };
            match name.strip_suffix("^{}") {
                Some(name) => tags.entry(name.to_string()).or_default().peeled = Some(oid.into()),
                None => tags.entry(name.to_string()).or_default().oid = oid.into(),
            }
        }
        Ok(tags)
    }

    fn check(&mut self, tags: &[PlannedTag]) -> Vec<Check> {
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
        let remote = match self.remote_tags() {
            Ok(remote) => remote,
            Err(e) => {
                let reason = git_reason(&e);
                let hint = if credentials_refused(&reason) {
                    " — the remote refused the credentials: the token needs `contents: read` \
                     (GitHub) or `read_repository` (GitLab), and `contents: write` / \
                     `write_repository` to push the tags"
                } else {
                    ""
                };
                return failed(format!(
                    "cannot read the tags of {}: {reason}{hint}",
                    self.display,
                ));
            }
        };
        let mut checks: Vec<Check> = Vec::new();
        let mut needed: Vec<&str> = Vec::new();
        for tag in tags {
            checks.push(match remote.get(&tag.tag) {
                Some(found) if found.commit() == tag.commit => Check::Done(TagStatus::Exists, None),
                Some(found) => Check::Done(
                    TagStatus::Conflict,
                    Some(format!("the remote's tag is on {}", found.commit())),
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
            Err(e @ GitError::TimedOut { .. }) => unreachable = Some(git_reason(&e)),
            Err(_) => {
                for sha in &needed {
                    match self.fetch(&[sha]) {
                        Ok(()) => {}
                        Err(e @ GitError::TimedOut { .. }) => {
                            unreachable = Some(git_reason(&e));
                            break;
                        }
                        Err(e) => missing.push((sha, git_reason(&e))),
                    }
                }
                if unreachable.is_none()
                    && !missing.is_empty()
                    && let Err(e) = self.remote_tags()
                {
                    unreachable = Some(git_reason(&e));
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

    /// Makes one tag in the scratch repository and pushes it.
    fn make(&self, tag: &PlannedTag) -> (TagStatus, Option<String>) {
        let git = self.git();
        let message_file = git
            .dir()
            .join(format!("TAG_MESSAGE_{}", tag.tag.replace('/', "_")));
        if let Err(e) = std::fs::write(&message_file, &tag.message) {
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
                if self.sign { "--sign" } else { "--annotate" },
                "--cleanup=verbatim",
                "--file",
            ]
            .map(String::from),
        );
        args.push(message_file.to_string_lossy().into_owned());
        args.push(tag.tag.clone());
        args.push(tag.commit.clone());
        if let Err(e) = git.run(&args) {
            let what = if self.sign { "sign" } else { "make" };
            return (
                TagStatus::Failed,
                Some(format!("cannot {what} the tag: {}", git_reason(&e))),
            );
        }
        let refspec = format!("refs/tags/{0}:refs/tags/{0}", tag.tag);
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
                if let Ok(remote) = self.remote_tags()
                    && let Some(found) = remote.get(&tag.tag)
                {
                    let ours = git
                        .resolve(&format!("refs/tags/{}", tag.tag))
                        .ok()
                        .flatten();
                    return if ours.as_deref() == Some(found.oid.as_str()) {
                        (
                            TagStatus::Created,
                            Some(format!(
                                "the push's answer was lost ({}), but the remote has the tag this run pushed",
                                git_reason(&e)
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
                let hint = if http_host(&self.url).is_some() {
                    " — pushing a tag needs `contents: write` (GitHub) or `write_repository` (GitLab)"
                } else {
                    ""
                };
                (
                    TagStatus::Failed,
                    Some(format!(
                        "cannot push to {}: {}{hint}",
                        self.display,
                        git_reason(&e)
                    )),
                )
            }
        }
    }
}

/// The part of a git error a reader needs: git's last words (its `fatal:` line).
/// Whether git's reason says the remote wanted other credentials than it was given
/// (none, a wrong or expired token, one without the permission).
fn credentials_refused(reason: &str) -> bool {
    [
        "could not read Username",
        "could not read Password",
        "Authentication failed",
        "returned error: 401",
        "returned error: 403",
        "Permission denied (publickey",
    ]
    .iter()
    .any(|sign| reason.contains(sign))
}

fn git_reason(error: &GitError) -> String {
    match error {
        GitError::TimedOut { after, .. } => crate::git::timed_out_reason(*after),
        GitError::Failed { stderr, .. } => {
            let line = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("git failed");
            strip_userinfo_in(line.trim())
        }
        other => other.to_string(),
    }
}

/// Removes `user:password@` from any URL inside a line of text.
fn strip_userinfo_in(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains("://") {
                let start = word.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(0);
                format!("{}{}", &word[..start], strip_userinfo(&word[start..]))
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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

    #[test]
    fn git_errors_lose_credentials() {
        assert_eq!(
            strip_userinfo_in("fatal: unable to access 'https://u:tok@h/a.git/': 403"),
            "fatal: unable to access 'https://h/a.git/': 403"
        );
    }
}
