//! The release's range of commits, from the local clone: from the previous release
//! (`--previous`, else the tag's `diff-start`, else the newest tag before the release's
//! commit) to the tag, merges included (a merge's message may close issues too).

use super::{FixedIssuesError, RangeCommit};
use crate::git::Git;
use std::collections::HashSet;

/// Where the range starts, resolved in the clone (fetched from `remote` when missing).
/// `None`: a first release, the whole history.
pub fn previous_release(
    git: &Git,
    commit: &str,
    asked: Option<&str>,
    remote: &str,
) -> crate::Result<Option<String>> {
    if let Some(start) = asked.map(str::trim).filter(|s| !s.is_empty() && *s != "-") {
        if git.resolve(&format!("{start}^{{commit}}"))?.is_none()
            && !git.fetch_tag(remote, start).unwrap_or(false)
        {
            return Err(FixedIssuesError::Range(format!(
                "the previous release `{start}` is neither in the clone nor a tag of `{remote}` \
                 (check out the whole history, e.g. fetch-depth: 0, or pass --previous)"
            ))
            .into());
        }
        return Ok(Some(start.to_string()));
    }
    let out = git.output([
        "describe",
        "--tags",
        "--abbrev=0",
        "--end-of-options",
        &format!("{commit}^"),
    ])?;
    let found = out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|t| !t.is_empty());
    if found.is_none() && git.is_shallow()? {
        return Err(FixedIssuesError::Range(
            "the clone is shallow and holds no earlier tag: the range of the release is \
             unknown (check out the whole history, e.g. fetch-depth: 0, or pass --previous)"
                .into(),
        )
        .into());
    }
    Ok(found)
}

/// The commits of `previous..commit` (all of `commit`'s history without a previous
/// release), newest first, each marked when it is on the first-parent line.
pub fn commits(git: &Git, previous: Option<&str>, commit: &str) -> crate::Result<Vec<RangeCommit>> {
    let range = match previous {
        Some(prev) => format!("{prev}..{commit}"),
        None => commit.to_string(),
    };
    let log = |first_parent: bool| -> crate::Result<String> {
        let mut args = vec!["log", "--no-color", "--format=%H%x00%B%x1e"];
        if first_parent {
            args.push("--first-parent");
        }
        args.extend(["--end-of-options", &range]);
        Ok(git.run(args)?)
    };
    let heads: HashSet<String> = log(true)?
        .split('\u{1e}')
        .filter_map(|record| record.trim_start().split_once('\0'))
        .map(|(sha, _)| sha.to_string())
        .collect();
    Ok(log(false)?
        .split('\u{1e}')
        .filter_map(|record| record.trim_start().split_once('\0'))
        .map(|(sha, message)| RangeCommit {
            first_parent: heads.contains(sha),
            sha: sha.to_string(),
            message: message.to_string(),
        })
        .collect())
}
