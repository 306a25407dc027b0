//! Floating git tags (`v1`, `v1.4`, `latest`): the only tags the toolkit ever moves,
//! and only those the configuration names as floating. They move to the commit of the
//! release tag (`target`, peeled).
//!
//! With `--forge git` the remote is read with `ls-remote` and the tags are pushed in
//! one atomic push, each with `--force-with-lease=refs/tags/NAME:<old>` of just that
//! ref (`refs/tags/NAME:` for a new one), so a tag someone else moved meanwhile is not
//! overwritten. With a forge API the tags are read and moved through
//! `forge::TagApi::move_floating_tag`.
//!
//! A floating tag is lightweight: an annotated tag of a floating name is someone's
//! release tag and stays. One that points at a newer release than this one (a release
//! tag `target` at its commit, read from the remote's tags) stays too: floating tags
//! never move back.

use super::config::{LoadedLinks, TagsConfig};
use super::document::version_in_place_of;
use super::template::{self, Extra, TemplateRelease, render};
use super::{LinkChange, LinkStatus, LinksError, Place, UpdateRequest};
use crate::Result;
use crate::ci::{CiContext, Platform};
use crate::forge::Forge;
use crate::forge::ForgeSettings;
use crate::git::{Git, GitError};
use crate::version::Version;
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
    /// Why the tag stays where it is although it points elsewhere.
    pub kept: Option<KeptTag>,
}

/// An existing tag update-links leaves alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptTag {
    /// An annotated tag: a release tag someone made, not a floating tag of ours (those
    /// are lightweight).
    Annotated,
    /// It points at a newer release than this one (a patch of an older line, a
    /// re-run): floating tags never move back.
    Newer(Version),
}

impl TagMove {
    pub fn is_unchanged(&self) -> bool {
        self.previous.as_deref() == Some(self.commit.as_str())
    }

    /// Whether the tag is pushed.
    pub fn moves(&self) -> bool {
        !self.is_unchanged() && self.kept.is_none()
    }

    /// Why the tag is kept, as a warning.
    pub fn warning(&self, place: &str, release: &str) -> Option<String> {
        let why = match self.kept.as_ref()? {
            KeptTag::Annotated => "is an annotated tag (a release tag, not a floating one: \
                                   floating tags are lightweight)"
                .to_string(),
            KeptTag::Newer(version) => format!("points at {version}, newer than {release}"),
        };
        Some(format!(
            "floating tag `{}` on {place} {why}; left as it is",
            self.name
        ))
    }
}

/// Why an existing tag must not move to the release of `version`: it is annotated, or
/// one of `release_tags` (name and peeled commit) at its commit names a newer release
/// in the shape of `target`.
fn kept_tag(
    annotated: bool,
    previous: Option<&str>,
    release_tags: &[(&str, &str)],
    target: &str,
    version: &Version,
) -> Option<KeptTag> {
    if annotated {
        return Some(KeptTag::Annotated);
    }
    let previous = previous?;
    release_tags
        .iter()
        .filter(|(_, commit)| *commit == previous)
        .filter_map(|(name, _)| version_in_place_of(name, target, version.as_str()))
        .filter(|found| found > version)
        .max()
        .map(KeptTag::Newer)
}

/// What the credentials need, when the remote refused them: a token's permissions
/// only when a token was sent.
fn refusal_hint(error: &GitError, credentials_sent: bool) -> String {
    match (error.credentials_refused(), credentials_sent) {
        (false, _) => String::new(),
        (true, true) => " — the remote refused the token: it needs `contents: read` (GitHub) \
                         or `read_repository` (GitLab), and write access to move the tags"
            .to_string(),
        (true, false) => " — the remote asks for credentials and none were sent: give the \
                          forge's token (GITHUB_TOKEN, GITLAB_TOKEN) or the runner's own \
                          access to this remote"
            .to_string(),
    }
}

/// Reads the release tag and the floating tags on `remote`, and every tag there: the
/// release tags at a floating tag's commit tell which release it points at.
pub fn plan_git(
    git: &Git,
    remote: &str,
    target: &str,
    version: &Version,
    names: &[String],
) -> Result<Vec<TagMove>, LinksError> {
    let args = ["ls-remote", "--tags", "--end-of-options", remote];
    let listing = git.run(args).map_err(|error| LinksError::RemoteTags {
        remote: remote.to_string(),
        hint: refusal_hint(&error, git.has_credentials()),
        error,
    })?;
    let mut refs: BTreeMap<&str, &str> = BTreeMap::new();
    for line in listing.lines() {
        if let Some((oid, name)) = line.split_once('\t') {
            refs.insert(name, oid);
        }
    }
    let tag_commits: Vec<(&str, &str)> = refs
        .keys()
        .filter_map(|r| r.strip_prefix("refs/tags/"))
        .filter(|name| !name.ends_with("^{}"))
        .filter_map(|name| {
            let peeled = refs
                .get(format!("refs/tags/{name}^{{}}").as_str())
                .or_else(|| refs.get(format!("refs/tags/{name}").as_str()))?;
            Some((name, *peeled))
        })
        .collect();
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
        .map(|name| {
            let previous = peeled(name);
            let annotated = refs.contains_key(format!("refs/tags/{name}^{{}}").as_str());
            TagMove {
                name: name.clone(),
                kept: kept_tag(
                    annotated,
                    previous.as_deref(),
                    &tag_commits,
                    target,
                    version,
                ),
                previous,
                previous_object: refs
                    .get(format!("refs/tags/{name}").as_str())
                    .map(|s| s.to_string()),
                commit: commit.clone(),
            }
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

/// Reads the release tag and the floating tags through a forge API; when a floating
/// tag would move, the repository's tags too (which releases its commit carries).
pub async fn plan_forge(
    forge: &dyn Forge,
    repo: &str,
    target: &str,
    version: &Version,
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
        let annotated = current.as_ref().is_some_and(|t| t.annotation.is_some());
        moves.push(TagMove {
            name: name.clone(),
            previous: current.as_ref().map(|t| t.commit.clone()),
            previous_object: None,
            commit: release.commit.clone(),
            kept: annotated.then_some(KeptTag::Annotated),
        });
    }
    if moves.iter().any(|m| m.moves() && m.previous.is_some()) {
        let listed = forge.tag_commits(repo).await?;
        let tag_commits: Vec<(&str, &str)> = listed
            .iter()
            .map(|(name, commit)| (name.as_str(), commit.as_str()))
            .collect();
        for m in moves.iter_mut().filter(|m| m.moves()) {
            m.kept = kept_tag(false, m.previous.as_deref(), &tag_commits, target, version);
        }
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

/// The release tag floating tags move to (`target`, default `v{version}`).
pub(super) fn tag_target(
    loaded: &LoadedLinks,
    config: &TagsConfig,
    release: &TemplateRelease,
) -> Result<String> {
    match &config.target {
        Some(target) => {
            render(target.get_ref(), release, Extra::default()).map_err(|m| loaded.bad(target, m))
        }
        None => Ok(format!("v{}", release.version)),
    }
}

/// The floating tag names for this release; refuses any that is not floating.
pub(super) fn floating_tag_names(
    loaded: &LoadedLinks,
    release: &TemplateRelease,
    asked: &[String],
) -> Result<Vec<String>> {
    let Some(config) = &loaded.config.tags else {
        if let Some(name) = asked.first() {
            return Err(LinksError::NotFloating {
                name: name.clone(),
                reason: "the configuration has no [links.tags] section".into(),
            }
            .into());
        }
        return Ok(Vec::new());
    };
    let target = tag_target(loaded, config, release)?;
    let configured = if release.prerelease {
        &config.prerelease_names
    } else {
        &config.names
    };
    let mut names: Vec<String> = Vec::new();
    for name in configured {
        let rendered = render(name.get_ref(), release, Extra::default())
            .map_err(|m| loaded.bad(name, format!("tag name {m}")))?;
        if template::fields(name.get_ref()).contains(&"version") {
            return Err(loaded.bad(
                name,
                format!(
                    "tag `{rendered}` is not floating: `{}` names one release (it uses {{version}}), and release tags never move",
                    name.get_ref()
                ),
            ));
        }
        if rendered == target {
            return Err(loaded.bad(
                name,
                format!("tag `{rendered}` is the release tag itself, which never moves"),
            ));
        }
        if rendered.is_empty() || rendered.contains(char::is_whitespace) {
            return Err(loaded.bad(name, format!("`{rendered}` is no tag name")));
        }
        if !names.contains(&rendered) {
            names.push(rendered);
        }
    }
    if asked.is_empty() {
        return Ok(names);
    }
    for name in asked {
        if !names.contains(name) {
            let floating = if names.is_empty() {
                "none for this release".to_string()
            } else {
                names.join(", ")
            };
            return Err(LinksError::NotFloating {
                name: name.clone(),
                reason: format!(
                    "the floating tags of [links.tags] {} are {floating}",
                    if release.prerelease {
                        "prerelease-names"
                    } else {
                        "names"
                    }
                ),
            }
            .into());
        }
    }
    Ok(names.into_iter().filter(|n| asked.contains(n)).collect())
}

/// The floating tags' current state, and how to move them.
pub(super) struct TagPlan {
    place: String,
    target: String,
    moves: Vec<TagMove>,
    via: TagsVia,
}

impl TagPlan {
    pub(super) fn changes(&self) -> impl Iterator<Item = LinkChange> + '_ {
        self.moves.iter().map(|m| LinkChange {
            place: Place::Tag,
            location: self.place.clone(),
            name: m.name.clone(),
            target: m.commit.clone(),
            previous: m.previous.clone(),
            status: match &m.previous {
                None => LinkStatus::Created,
                Some(_) if !m.moves() => LinkStatus::Unchanged,
                Some(_) => LinkStatus::Updated,
            },
        })
    }

    /// A warning per existing tag left where it is.
    pub(super) fn warnings(&self, release: &str) -> Vec<String> {
        self.moves
            .iter()
            .filter_map(|m| m.warning(&self.place, release))
            .collect()
    }
}

enum TagsVia {
    Git {
        git: Git,
        remote: String,
    },
    Forge {
        settings: ForgeSettings,
        repo: String,
    },
}

pub(super) async fn plan_tags(
    request: &UpdateRequest,
    config: &TagsConfig,
    target: &str,
    version: &Version,
    names: &[String],
    ctx: &CiContext,
    forge: &ForgeSettings,
) -> Result<TagPlan> {
    if forge.platform == Platform::Git {
        let git = Git::new(&request.repo_dir).with_credentials(forge.git_credentials());
        git.require_repository()?;
        let moves = plan_git(&git, &config.remote, target, version, names)?;
        return Ok(TagPlan {
            place: config.remote.clone(),
            target: target.to_string(),
            moves,
            via: TagsVia::Git {
                git,
                remote: config.remote.clone(),
            },
        });
    }
    let repo = ctx
        .repository(forge.platform)
        .map(str::to_string)
        .or_else(|| Git::new(&request.repo_dir).remote_repository(&config.remote))
        .ok_or_else(|| {
            LinksError::Repository(format!(
                "moving floating tags through the {} API needs the repository (GITHUB_REPOSITORY or CI_PROJECT_PATH, or a remote `{}` with an owner/name URL)",
                forge.platform, config.remote
            ))
        })?;
    let client = crate::forge::connect(forge).await?;
    let moves = plan_forge(client.as_ref(), &repo, target, version, names).await?;
    Ok(TagPlan {
        place: format!("{} {repo}", forge.platform),
        target: target.to_string(),
        moves,
        via: TagsVia::Forge {
            settings: forge.clone(),
            repo,
        },
    })
}

/// Moves the tags that move; an error says which moved (returned) and which did not.
pub(super) async fn move_tags(plan: &TagPlan) -> std::result::Result<(), (Vec<String>, String)> {
    let moving: Vec<&TagMove> = plan.moves.iter().filter(|m| m.moves()).collect();
    if moving.is_empty() {
        return Ok(());
    }
    let names = |ms: &[&TagMove]| {
        ms.iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &plan.via {
        TagsVia::Git { git, remote } => move_git(git, remote, &plan.target, &moving).map_err(|e| {
            (
                Vec::new(),
                format!(
                    "moving floating tags {} on `{remote}` (one atomic push: none moved): {e}",
                    names(&moving)
                ),
            )
        }),
        TagsVia::Forge { settings, repo } => {
            let client = crate::forge::connect(settings)
                .await
                .map_err(|e| (Vec::new(), format!("moving floating tags of {repo}: {e}")))?;
            move_forge(client.as_ref(), repo, &moving)
                .await
                .map_err(|(done, e)| {
                    (
                        moving[..done].iter().map(|m| m.name.clone()).collect(),
                        format!(
                            "moving floating tags of {repo}: {e} (moved: {}; not moved: {})",
                            if done == 0 {
                                "none".into()
                            } else {
                                names(&moving[..done])
                            },
                            names(&moving[done..])
                        ),
                    )
                })
        }
    }
}
