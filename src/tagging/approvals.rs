//! The approval trail (`--approvals`): who proposed, merged and approved the request,
//! from the pull or merge request that merged it into the requests repository, as
//! `meta:release:` lines at the end of every tag it brought — what OpenStack's job
//! writes from Gerrit's review notes (`meta:release:Author`, `…:Code-Review+2`).

use super::{PlannedRef, RefKind, TaggingError};
use crate::forge::{Forge, MergedChange};
use crate::metadata::meta_line;
use std::collections::HashMap;

/// The `meta:release:` lines of a merged change request.
pub fn trail(change: &MergedChange) -> String {
    let mut out = meta_line("release:Author", &change.author.to_string());
    if let Some(merger) = &change.merged_by {
        out.push_str(&meta_line("release:Merged-By", &merger.to_string()));
    }
    for approver in &change.approvers {
        out.push_str(&meta_line("release:Approved-By", &approver.to_string()));
    }
    out.push_str(&meta_line("release:Change-Request", &change.url));
    out
}

/// Adds to each tag the trail of the commit that brought its entry (one forge look-up
/// per commit); returns a warning per commit that came without a change request.
pub async fn add_trails(
    refs: &mut [PlannedRef],
    forge: &dyn Forge,
    requests_repo: &str,
) -> Result<Vec<String>, TaggingError> {
    let mut trails: HashMap<String, Option<String>> = HashMap::new();
    let mut warnings = Vec::new();
    for planned in refs.iter_mut() {
        let (RefKind::Tag { message, .. }, Some(commit)) =
            (&mut planned.kind, planned.source_commit.as_deref())
        else {
            continue;
        };
        if !trails.contains_key(commit) {
            let change = forge
                .merged_change_request(requests_repo, commit)
                .await
                .map_err(|e| {
                    TaggingError::Approvals(format!(
                        "reading the approval trail of commit {commit} of {requests_repo}: {e}"
                    ))
                })?;
            if change.is_none() {
                warnings.push(format!(
                    "commit {commit} of {requests_repo} came without a pull or merge request: the tags it brought carry no approval trail"
                ));
            }
            trails.insert(commit.to_string(), change.as_ref().map(trail));
        }
        if let Some(Some(lines)) = trails.get(commit) {
            message.push_str(lines);
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::Person;

    #[test]
    fn the_trail_names_author_merger_approvers_and_the_change() {
        let person = |u: &str, n: Option<&str>| Person {
            username: u.into(),
            name: n.map(str::to_string),
            id: None,
        };
        let change = MergedChange {
            number: 42,
            url: "https://github.com/acme/releases/pull/42".into(),
            author: person("jane", Some("Jane Doe")),
            merged_by: Some(person("rm", None)),
            approvers: vec![person("ann", Some("Ann\nLee")), person("bob", None)],
        };
        assert_eq!(
            trail(&change),
            "meta:release:Author: Jane Doe (@jane)\nmeta:release:Merged-By: @rm\n\
             meta:release:Approved-By: Ann Lee (@ann)\nmeta:release:Approved-By: @bob\n\
             meta:release:Change-Request: https://github.com/acme/releases/pull/42\n"
        );
    }
}
