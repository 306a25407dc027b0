//! Floating git tags (`v1`, `v1.4`, `latest`): the only tags the toolkit ever moves,
//! and only those the configuration names as floating. They move to the commit of the
//! release tag (`target`, peeled).
//!
//! With `--forge git` the remote is read with `ls-remote` and the tags are pushed in
//! one atomic push, each with `--force-with-lease=refs/tags/NAME:<old>` of just that
//! ref (`refs/tags/NAME:` for a new one), so a tag someone else moved meanwhile is not
//! overwritten. With a forge API the tags are read and moved through
//! [`crate::forge::Forge::move_floating_tag`].

use super::LinksError;
use crate::forge::Forge;
use crate::git::{Git, GitError};
use std::collections::BTreeMap;

/// One floating tag: where it is and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagMove {
    pub name: String,
    /// The commit it points at now, if it exists.
    pub previous: Option<String>,
    /// The object its ref names now (a tag object for an annotated tag): the lease.
    pub previous_object: Option<String>,
    pub commit: String,
}

impl TagMove {
    pub fn is_unchanged(&self) -> bool {
        self.previous.as_deref() == Some(self.commit.as_str())
    }
}

/// Reads the release tag and the floating tags on `remote`.
pub fn plan_git(
    git: &Git,
    remote: &str,
    target: &str,
    names: &[String],
) -> Result<Vec<TagMove>, LinksError> {
    let mut args = vec![
        "ls-remote".to_string(),
        "--tags".into(),
        "--end-of-options".into(),
        remote.into(),
    ];
    // A pattern matches a ref's tail; the peeled `^{}` lines need their own.
    for name in std::iter::once(target).chain(names.iter().map(String::as_str)) {
        args.push(format!("refs/tags/{name}"));
        args.push(format!("refs/tags/{name}^{{}}"));
    }
    let listing = git.run(&args).map_err(|error| LinksError::RemoteTags {
        remote: remote.to_string(),
        error,
    })?;
    let mut refs: BTreeMap<&str, &str> = BTreeMap::new();
    for line in listing.lines() {
        if let Some((oid, name)) = line.split_once('\t') {
            refs.insert(name, oid);
        }
    }
    let peeled = |name: &str| {
        refs.get(format!("refs/tags/{name}^{{}}").as_str())
            .or_else(|| refs.get(format!("refs/tags/{name}").as_str()))
            .map(|s| s.to_string())
    };
    let commit = peeled(target).ok_or_else(|| LinksError::MissingReleaseTag {
        tag: target.to_string(),
        place: format!("the remote `{remote}`"),
    })?;
    Ok(names
        .iter()
        .map(|name| TagMove {
            name: name.clone(),
            previous: peeled(name),
            previous_object: refs
                .get(format!("refs/tags/{name}").as_str())
                .map(|s| s.to_string()),
            commit: commit.clone(),
        })
        .collect())
}

/// Pushes every tag that moves, in one atomic push with a lease per ref.
pub fn move_git(git: &Git, remote: &str, target: &str, moves: &[&TagMove]) -> Result<(), GitError> {
    let Some(first) = moves.first() else {
        return Ok(());
    };
    // The push needs the commit here; a CI checkout may not have it.
    let present = git
        .output(["cat-file", "-e", &format!("{}^{{commit}}", first.commit)])?
        .status
        .success();
    if !present {
        git.run([
            "fetch",
            "--no-tags",
            "--no-write-fetch-head",
            "--quiet",
            "--end-of-options",
            remote,
            &format!("refs/tags/{target}"),
        ])?;
    }
    let mut args: Vec<String> = vec!["push".into(), "--atomic".into(), "--quiet".into()];
    for m in moves {
        args.push(format!(
            "--force-with-lease=refs/tags/{}:{}",
            m.name,
            m.previous_object.as_deref().unwrap_or("")
        ));
    }
    args.push("--end-of-options".into());
    args.push(remote.into());
    for m in moves {
        args.push(format!("{}:refs/tags/{}", m.commit, m.name));
    }
    git.run(&args).map(|_| ())
}

/// Reads the release tag and the floating tags through a forge API.
pub async fn plan_forge(
    forge: &dyn Forge,
    repo: &str,
    target: &str,
    names: &[String],
) -> Result<Vec<TagMove>, LinksError> {
    let release = forge
        .tag(repo, target)
        .await?
        .ok_or_else(|| LinksError::MissingReleaseTag {
            tag: target.to_string(),
            place: format!("{} {repo}", forge.platform()),
        })?;
    let mut moves = Vec::new();
    for name in names {
        let current = forge.tag(repo, name).await?;
        moves.push(TagMove {
            name: name.clone(),
            previous: current.as_ref().map(|t| t.commit.clone()),
            previous_object: None,
            commit: release.commit.clone(),
        });
    }
    Ok(moves)
}

/// Moves every tag that moves through the forge API, one after the other; returns
/// how many moved before an error.
pub async fn move_forge(
    forge: &dyn Forge,
    repo: &str,
    moves: &[&TagMove],
) -> Result<(), (usize, crate::forge::ForgeError)> {
    for (done, m) in moves.iter().enumerate() {
        forge
            .move_floating_tag(repo, &m.name, &m.commit, m.previous.is_some())
            .await
            .map_err(|e| (done, e))?;
    }
    Ok(())
}
