//! One section per repository: its commits, read from its clone or through the
//! forge's compare API, and its links.

use super::ChangelogError;
use super::commits::{RawCommit, read_range};
use super::context::{self, CommitSource, RepoSection};
use super::links::{LinkStyle, Links};
use super::local::{LocalRepo, NewTag, Notes};
use super::previous::PreviousSource;
use super::repos::Repositories;
use crate::Result;
use crate::ci::Platform;
use crate::forge::{self, Forge, ForgeSettings};
use crate::version::Version;

/// The versions every section is built for, and the tag prefixes known so far.
pub(super) struct Versions<'a> {
    pub(super) version: &'a Version,
    pub(super) previous: Option<&'a Version>,
    /// Where `previous` was found, for what a missing tag's hint suggests.
    pub(super) previous_source: PreviousSource,
    /// `--tag-prefix`.
    pub(super) explicit_prefix: Option<&'a str>,
    /// The primary clone's prefix, for a repository without a clone.
    pub(super) primary_prefix: &'a str,
}

/// Every repository's section, and the new tag's date in each clone that has it.
pub(super) async fn collect(
    repos: &mut Repositories,
    versions: &Versions<'_>,
    settings: &ForgeSettings,
    notes: &mut Notes,
    warnings: &mut Vec<String>,
) -> Result<(Vec<RepoSection>, Vec<Option<String>>)> {
    let Versions {
        version,
        previous,
        previous_source,
        explicit_prefix,
        primary_prefix,
    } = *versions;
    let clones = &mut repos.clones;
    let links = Links::new(
        LinkStyle::of(settings.platform, &settings.server_url),
        &settings.server_url,
    );
    let mut forge_client: Option<Box<dyn Forge>> = None;
    let mut sections = Vec::new();
    let mut dates = Vec::new();
    for entry in &repos.entries {
        let prefix = match (&entry.spec.tag, &explicit_prefix, entry.local) {
            (Some(tag), _, _) => tag
                .strip_suffix(version.as_str())
                .unwrap_or_default()
                .to_string(),
            (None, Some(p), _) => p.to_string(),
            (None, None, Some(index)) => clones[index].detect_prefix(version, previous),
            (None, None, None) => primary_prefix.to_string(),
        };
        let tag = entry
            .spec
            .tag
            .clone()
            .unwrap_or_else(|| format!("{prefix}{version}"));
        let previous_tag = previous.map(|p| format!("{prefix}{p}"));
        let name = entry.spec.name.as_str();
        let (raw, source, head) = match entry.local {
            Some(index) => {
                let repo = &mut clones[index];
                let previous = previous_tag.as_deref().map(|t| (t, previous_source));
                let (raw, head, date) = local_commits(repo, &tag, previous, notes, warnings)?;
                dates.push(date);
                (raw, CommitSource::Local, head)
            }
            None => match (&previous_tag, settings.token.is_some(), settings.platform) {
                (Some(previous_tag), true, Platform::GitHub | Platform::GitLab) => {
                    if forge_client.is_none() {
                        forge_client = Some(forge::connect(settings).await?);
                    }
                    let client = forge_client.as_ref().expect("connected above");
                    let mut listed = client.compare_commits(name, previous_tag, &tag).await?;
                    listed.retain(|c| c.parents <= 1);
                    listed.reverse();
                    let raw = listed
                        .into_iter()
                        .map(|c| RawCommit {
                            id: c.sha,
                            message: c.message,
                        })
                        .collect();
                    (raw, CommitSource::Api, tag.clone())
                }
                (_, has_token, platform) => {
                    let why = if previous_tag.is_none() {
                        "no previous version to compare with"
                    } else if platform == Platform::Git {
                        "plain git has no compare API (--forge github or gitlab)"
                    } else if !has_token {
                        "no API token"
                    } else {
                        "no compare API"
                    };
                    warnings.push(format!(
                        "{name}: no local clone and {why}: the section links the comparison but lists no commits"
                    ));
                    (Vec::new(), CommitSource::None, tag.clone())
                }
            },
        };
        let repo_for_links = entry.on_forge.then_some(name);
        let commits: Vec<context::Commit> = raw
            .into_iter()
            .map(|c| context::commit_of(c, repo_for_links, &links))
            .collect();
        sections.push(RepoSection {
            url: repo_for_links.map(|r| links.project(r)),
            compare_url: match (&previous_tag, repo_for_links) {
                (Some(p), Some(r)) => Some(links.compare(r, p, &tag)),
                _ => None,
            },
            tag_url: match (&previous_tag, repo_for_links) {
                (None, Some(r)) => Some(links.tag(r, &tag)),
                _ => None,
            },
            name: name.to_string(),
            previous_tag,
            head,
            commits_source: source,
            commit_count: commits.len(),
            groups: context::group(commits),
            tag,
        });
    }
    Ok((sections, dates))
}

/// What to do about a previous version's missing tag, given where the version came from.
fn missing_previous_hint(source: PreviousSource) -> String {
    let tail = "or --tag-prefix if the tags are named differently";
    match source {
        PreviousSource::Flag => format!("check the version given to --previous, {tail}"),
        PreviousSource::Changelog => format!(
            "the version comes from the changelog's newest heading below this release; pass \
             --previous with the version this release follows, {tail}"
        ),
        PreviousSource::Request => format!(
            "the version is the request file's earlier release; pass --previous with the \
             version this release follows, {tail}"
        ),
        PreviousSource::Tag | PreviousSource::None => {
            format!("pass --previous with the version this release follows, {tail}")
        }
    }
}

/// The commits of one clone: (commits newest first, the ref listed up to, the new tag's
/// date when it is tagged).
fn local_commits(
    repo: &mut LocalRepo,
    tag: &str,
    previous: Option<(&str, PreviousSource)>,
    notes: &mut Notes,
    warnings: &mut Vec<String>,
) -> Result<(Vec<RawCommit>, String, Option<String>)> {
    let previous_tag = previous.map(|(t, _)| t);
    if let Some((previous_tag, source)) = previous
        && !repo.ensure_tag(previous_tag, notes)?
    {
        return Err(ChangelogError::MissingTag {
            repo: repo.label.clone(),
            tag: previous_tag.to_string(),
            remote: repo.remote_searched(),
            hint: missing_previous_hint(source),
        }
        .into());
    }
    // The release may not be tagged yet (a changelog written before tagging).
    let tagged = match repo.ensure_new_tag(tag, notes)? {
        NewTag::Found => true,
        NewTag::Absent => {
            notes.push(format!(
                "{}: tag {tag} does not exist yet; listing up to HEAD",
                repo.label
            ));
            false
        }
        NewTag::Unknown { remote, reason } => {
            warnings.push(format!(
                "{}: cannot ask remote `{remote}` whether tag {tag} exists ({reason}); \
                 listing up to HEAD as for a release not tagged yet",
                repo.label
            ));
            false
        }
    };
    let (new_commit, head) = if tagged {
        (
            repo.tag_commit(tag)?.ok_or_else(|| {
                crate::Error::Failed(format!(
                    "{}: tag {tag} does not lead to a commit",
                    repo.label
                ))
            })?,
            tag.to_string(),
        )
    } else {
        (
            repo.git.resolve("HEAD")?.ok_or_else(|| {
                crate::Error::Failed(format!("{}: the repository has no commits", repo.label))
            })?,
            "HEAD".to_string(),
        )
    };
    let previous_commit = match previous_tag {
        Some(t) => repo.tag_commit(t)?,
        None => None,
    };
    if repo.range_is_cut(previous_commit.as_deref(), &new_commit)? {
        let what = match previous_tag {
            Some(p) => format!("the history between {p} and {head}"),
            None => format!("the history of {head}"),
        };
        repo.deepen(&what, notes)?;
    }
    let commits = read_range(&repo.git, previous_commit.as_deref(), &new_commit)?;
    let date = tagged
        .then(|| repo.tag(tag).map(|t| t.date.clone()))
        .flatten();
    Ok((commits, head, date))
}
