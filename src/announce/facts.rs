//! The release's facts: its tag metadata (read by read-tag-metadata's reader) and the
//! changes since the previous release, read from the local clone as OpenStack's
//! announcement reads them (`git log --no-merges <diff-start>..<tag>`, the previous
//! annotated tag when the request gave no `diff-start`, the whole history for a first
//! release).

use super::context::{AnnouncementContext, Change, ReleaseLinks, series_of};
use crate::changelog::links::Links;
use crate::git::Git;
use crate::metadata::{ReleaseKind, TagMetadataReport};
use crate::{Error, Result};
use std::path::Path;

/// What the facts are gathered from besides the tag.
#[derive(Debug, Clone)]
pub struct FactsRequest<'a> {
    pub repo_dir: &'a Path,
    pub remote: &'a str,
    /// `owner/name` on the forge, for links.
    pub repository: Option<String>,
    /// The forge's URL forms; `None` when no link to the forge is wanted.
    pub links: Option<Links>,
    /// Whether the forge has a release page for the tag (a pipeline that publishes).
    pub release_page: bool,
    pub notes: Option<String>,
    pub with_changes: bool,
}

/// The context of the announcement, and warnings about what could not be read.
pub fn gather(
    report: &TagMetadataReport,
    request: &FactsRequest<'_>,
) -> Result<(AnnouncementContext, Vec<String>)> {
    let meta = &report.metadata;
    let subject = report.subject();
    let version = meta.get("version").unwrap_or_else(|| report.tag.clone());
    let project = project_of(&subject, &version)
        .or_else(|| {
            request
                .repository
                .as_deref()
                .and_then(|r| r.rsplit('/').next())
                .map(str::to_string)
        })
        .unwrap_or_else(|| report.tag.clone());
    let yes = |key: &str| meta.get(key).is_some_and(|v| v.trim() == "yes");
    let branch = meta.get("branch").filter(|b| !b.trim().is_empty());
    let first = yes("first");
    let kind = ReleaseKind::of(&version);
    let mut warnings = Vec::new();

    let git = Git::new(request.repo_dir);
    let previous = previous_release(&git, report, request.remote, &mut warnings)?;
    let changes = if request.with_changes {
        changes_between(&git, previous.as_deref(), &report.commit, &mut warnings)?
    } else {
        Vec::new()
    };

    let mut links = ReleaseLinks::default();
    if let (Some(forge), Some(repo)) = (&request.links, &request.repository) {
        links.source = Some(forge.project(repo));
        links.compare = previous
            .as_deref()
            .map(|prev| forge.compare(repo, prev, &report.tag));
        if request.release_page {
            links.release = Some(forge.release(repo, &report.tag));
        }
    }
    if yes("pypi") {
        links.package = Some(format!(
            "https://pypi.org/project/{}/{}/",
            crate::forge::encode_path(&project),
            crate::forge::encode_path(&version)
        ));
    }

    let context = AnnouncementContext {
        stable: !first
            && !kind.is_prerelease()
            && branch.as_deref().is_some_and(|b| b.starts_with("stable/")),
        project,
        version,
        tag: report.tag.clone(),
        series: series_of(meta.get("series")),
        branch,
        team: meta.get("team").filter(|t| !t.trim().is_empty()),
        release_type: kind.as_str().to_string(),
        is_prerelease: kind.is_prerelease(),
        first,
        pypi: yes("pypi"),
        previous,
        repository: request.repository.clone(),
        metadata: meta.to_json(),
        notes: request.notes.clone(),
        changes,
        links,
    };
    Ok((context, warnings))
}

/// The project of a `<project> <version> <kind>` subject (tag-from-request's and
/// OpenStack's), when the subject has that form.
fn project_of(subject: &str, version: &str) -> Option<String> {
    let mut words = subject.split_whitespace();
    let project = words.next()?;
    if words.next() != Some(version) {
        return None;
    }
    let kind = words.collect::<Vec<_>>().join(" ");
    let kinds = ["release", "release candidate", "development milestone"];
    kinds.contains(&kind.as_str()).then(|| project.to_string())
}

/// The tag's `diff-start` (fetched when the clone lacks it), else the previous
/// annotated tag before the release's commit, else none (a first release).
fn previous_release(
    git: &Git,
    report: &TagMetadataReport,
    remote: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<String>> {
    if !git.is_repository() {
        return Ok(report
            .metadata
            .get("diff-start")
            .filter(|d| d.trim() != "-" && !d.trim().is_empty()));
    }
    if let Some(start) = report
        .metadata
        .get("diff-start")
        .map(|d| d.trim().to_string())
        .filter(|d| d != "-" && !d.is_empty())
    {
        if git.resolve(&format!("{start}^{{commit}}"))?.is_none()
            && !git.fetch_tag(remote, &start).unwrap_or(false)
        {
            warnings.push(format!(
                "the release's diff-start `{start}` is neither in the clone nor a tag of `{remote}`: the changes are not listed"
            ));
        }
        return Ok(Some(start));
    }
    let out = git.output([
        "describe",
        "--abbrev=0",
        "--end-of-options",
        &format!("{}^", report.commit),
    ])?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|t| !t.is_empty()))
}

/// `git log --no-merges` of the range, newest first.
fn changes_between(
    git: &Git,
    previous: Option<&str>,
    commit: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<Change>> {
    if !git.is_repository() {
        warnings.push(format!(
            "{} is no git repository: the changes are not listed",
            git.dir().display()
        ));
        return Ok(Vec::new());
    }
    if git.resolve(&format!("{commit}^{{commit}}"))?.is_none() {
        warnings.push(format!(
            "the release's commit {commit} is not in the clone: the changes are not listed"
        ));
        return Ok(Vec::new());
    }
    let range = match previous {
        Some(prev) => {
            if git.resolve(&format!("{prev}^{{commit}}"))?.is_none() {
                return Ok(Vec::new());
            }
            format!("{prev}..{commit}")
        }
        None => commit.to_string(),
    };
    if git.is_shallow()? {
        warnings.push(
            "the clone is shallow: the list of changes may be cut short (check out the whole history, e.g. fetch-depth: 0)"
                .into(),
        );
    }
    let text = git
        .run([
            "log",
            "--no-merges",
            "--no-color",
            "--format=%H%x1f%h%x1f%s",
            "--end-of-options",
            &range,
        ])
        .map_err(Error::from)?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut fields = line.splitn(3, '\u{1f}');
            Some(Change {
                id: fields.next()?.to_string(),
                short: fields.next()?.to_string(),
                subject: fields.next()?.to_string(),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::project_of;

    #[test]
    fn the_project_is_the_first_word_of_a_release_subject() {
        assert_eq!(
            project_of("oslo.i18n 6.6.0 release", "6.6.0").as_deref(),
            Some("oslo.i18n")
        );
        assert_eq!(
            project_of("nova 27.0.0rc1 release candidate", "27.0.0rc1").as_deref(),
            Some("nova")
        );
        assert_eq!(project_of("Release 6.6.0 of oslo", "6.6.0"), None);
        assert_eq!(project_of("oslo.i18n 6.6.1 release", "6.6.0"), None);
        assert_eq!(project_of("", "6.6.0"), None);
    }
}
