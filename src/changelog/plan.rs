//! The whole run: from a [`ChangelogRequest`] to a [`Plan`] that holds the context,
//! the rendered section and the new bytes of every file, and then the writes.

use super::commits::{RawCommit, read_range};
use super::context::{self, Artifact, CommitSource, RenderContext, RepoSection};
use super::file::{self, FileAction};
use super::links::{LinkStyle, Links};
use super::local::{LocalRepo, Notes};
use super::previous::{PreviousSource, highest_before};
use super::spec::{ArtifactSpec, RepoSpec, name_from_url};
use super::template::SectionTemplate;
use super::{ChangelogError, request};
use crate::ci::{CiContext, Outputs, Platform};
use crate::forge::{self, Forge, ForgeSettings};
use crate::version::Version;
use crate::{Location, Result};
use std::path::{Path, PathBuf};

/// What generate-changelog is asked.
#[derive(Debug, Clone)]
pub struct ChangelogRequest {
    pub version: String,
    pub previous: Option<String>,
    pub changelog: PathBuf,
    pub repos: Vec<RepoSpec>,
    pub request_file: Option<PathBuf>,
    pub artifacts: Vec<ArtifactSpec>,
    pub template: Option<PathBuf>,
    pub notes_file: Option<PathBuf>,
    /// The tag prefix of every repository; `None` detects it per clone.
    pub tag_prefix: Option<String>,
    /// The remote a shallow clone is deepened from.
    pub remote: String,
    /// `YYYY-MM-DD`; default the new tag's date, else today (UTC).
    pub date: Option<String>,
    /// The folder the tool runs in (the local repository, when it is one).
    pub workdir: PathBuf,
}

/// Everything a run would write, computed and checked before anything is written.
#[derive(Debug)]
pub struct Plan {
    pub context: RenderContext,
    /// The rendered section (ends with one newline).
    pub section: String,
    pub changelog: PathBuf,
    pub action: FileAction,
    changelog_text: String,
    pub notes_file: Option<PathBuf>,
    /// What happened on the way (a deepened clone, a fetched tag).
    pub progress: Vec<String>,
    pub warnings: Vec<String>,
}

impl Plan {
    /// Writes the changelog (unless unchanged) and the notes file, each atomically.
    pub fn apply(&self) -> Result<()> {
        let write = |path: &Path, text: &str| {
            crate::fsio::write_atomic(path, text.as_bytes()).map_err(|source| {
                ChangelogError::Write {
                    path: path.to_path_buf(),
                    error: source,
                }
            })
        };
        if self.action != FileAction::Unchanged {
            write(&self.changelog, &self.changelog_text)?;
        }
        if let Some(notes) = &self.notes_file {
            write(notes, &self.section)?;
        }
        Ok(())
    }

    /// The new text of the changelog.
    pub fn changelog_text(&self) -> &str {
        &self.changelog_text
    }

    /// `notes`, `previous-version`, `commit-count`.
    pub fn outputs(&self) -> Outputs {
        let mut outputs = Outputs::new();
        outputs
            .set("notes", self.section.clone())
            .set(
                "previous-version",
                self.context.previous_version.clone().unwrap_or_default(),
            )
            .set("commit-count", self.context.commit_count);
        outputs
    }
}

/// One repository on its way through the run.
struct Entry {
    spec: RepoSpec,
    /// Whether `spec.name` is a forge path (links can be built).
    on_forge: bool,
    /// Index into the opened clones.
    local: Option<usize>,
}

/// Reads everything and renders the section; writes nothing.
pub async fn prepare(
    request: &ChangelogRequest,
    ci: &CiContext,
    settings: &ForgeSettings,
) -> Result<Plan> {
    // A tag name is accepted as the version when the tag prefix is known
    // (`--version v1.2.0 --tag-prefix v`, as `github.ref_name` gives it).
    let version_text = crate::version::strip_tag_prefix(
        &request.version,
        request.tag_prefix.as_deref().unwrap_or(""),
    );
    let version = Version::parse(version_text).map_err(|source| ChangelogError::BadVersion {
        flag: "--version",
        invalid: source,
    })?;
    let flagged_previous = request
        .previous
        .as_deref()
        .map(Version::parse)
        .transpose()
        .map_err(|source| ChangelogError::BadVersion {
            flag: "--previous",
            invalid: source,
        })?;
    if let Some(date) = &request.date
        && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err()
    {
        return Err(ChangelogError::BadDate(date.clone()).into());
    }
    // The template is checked before the history is read.
    let template = match &request.template {
        Some(path) => SectionTemplate::from_file(path)?,
        None => SectionTemplate::builtin(),
    };
    let old_changelog = read_changelog(&request.changelog)?;
    let credentials = settings.git_credentials();
    let mut notes: Notes = Vec::new();
    let mut warnings = Vec::new();

    // The repositories: --repo entries, then the request's, one entry per name.
    let mut specs = request.repos.clone();
    if let Some(path) = &request.request_file {
        specs.extend(request::repos_of_request(path, &version)?);
    }
    let specs = merge_duplicates(specs);

    let workdir_repo = LocalRepo::open(&request.workdir, "", &request.remote, credentials.clone())?;
    let ci_name = ci.repository(settings.platform).map(str::to_string);
    let mut clones: Vec<LocalRepo> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut primary: Option<usize> = None;
    if specs.is_empty() {
        // The one repository is the current folder.
        let Some(mut repo) = workdir_repo else {
            return Err(ChangelogError::NoRepository.into());
        };
        let derived = ci_name.clone().or_else(|| {
            repo.git
                .remote_url_for_display(&request.remote)
                .and_then(|url| name_from_url(&url))
        });
        let on_forge = derived.is_some();
        let name = derived.unwrap_or_else(|| folder_name(&request.workdir));
        repo.label = name.clone();
        clones.push(repo);
        primary = Some(0);
        entries.push(Entry {
            spec: RepoSpec {
                name,
                local_path: Some(request.workdir.clone()),
                tag: None,
            },
            on_forge,
            local: Some(0),
        });
    } else {
        let workdir = canonical(&request.workdir);
        let mut workdir_repo = workdir_repo;
        for mut spec in specs {
            // The repository the pipeline runs in is the current folder.
            if spec.local_path.is_none()
                && workdir_repo.is_some()
                && ci_name.as_deref() == Some(spec.name.as_str())
            {
                spec.local_path = Some(request.workdir.clone());
            }
            let local = match &spec.local_path {
                None => None,
                Some(path) => {
                    let is_workdir = canonical(path) == workdir;
                    let repo = match (is_workdir, workdir_repo.take()) {
                        (true, Some(repo)) => repo,
                        (_, taken) => {
                            workdir_repo = taken;
                            LocalRepo::open(path, &spec.name, &request.remote, credentials.clone())?
                                .ok_or_else(|| crate::git::GitError::NotARepository(path.clone()))?
                        }
                    };
                    let mut repo = repo;
                    repo.label = spec.name.clone();
                    clones.push(repo);
                    let index = clones.len() - 1;
                    if is_workdir || primary.is_none() {
                        primary = Some(index);
                    }
                    Some(index)
                }
            };
            entries.push(Entry {
                spec,
                on_forge: true,
                local,
            });
        }
        // When no listed repository has a clone, a current folder that is a
        // repository still tells the previous version and the date (the hub
        // repository of a release, listing only forge repositories).
        if let (None, Some(mut repo)) = (primary, workdir_repo) {
            repo.label = ci_name
                .clone()
                .unwrap_or_else(|| folder_name(&request.workdir));
            clones.push(repo);
            primary = Some(clones.len() - 1);
        }
    }

    // The previous version.
    let explicit_prefix = request.tag_prefix.clone();
    let (previous, previous_source) = if let Some(v) = flagged_previous {
        (Some(v), PreviousSource::Flag)
    } else if let Some(v) = old_changelog
        .as_deref()
        .and_then(|text| file::previous_version(text, &version))
    {
        (Some(v), PreviousSource::Changelog)
    } else if let Some(index) = primary {
        let repo = &mut clones[index];
        let mut found = previous_from_tags(repo, &version, explicit_prefix.as_deref());
        if found.is_none() && repo.is_shallow() {
            repo.deepen("earlier version tags", &mut notes)?;
            found = previous_from_tags(repo, &version, explicit_prefix.as_deref());
        }
        match found {
            Some(v) => (Some(v), PreviousSource::Tag),
            None => (None, PreviousSource::None),
        }
    } else {
        return Err(ChangelogError::NoPreviousVersion {
            changelog: request.changelog.clone(),
        }
        .into());
    };

    let primary_prefix = match (&explicit_prefix, primary) {
        (Some(p), _) => p.clone(),
        (None, Some(index)) => clones[index].detect_prefix(&version, previous.as_ref()),
        (None, None) => String::new(),
    };

    // Each repository's commits and links.
    let links = Links::new(
        LinkStyle::of(settings.platform, &settings.server_url),
        &settings.server_url,
    );
    let mut forge_client: Option<Box<dyn Forge>> = None;
    let mut sections = Vec::new();
    let mut dates = Vec::new();
    for entry in &entries {
        let prefix = match (&entry.spec.tag, &explicit_prefix, entry.local) {
            (Some(tag), _, _) => tag
                .strip_suffix(version.as_str())
                .unwrap_or_default()
                .to_string(),
            (None, Some(p), _) => p.clone(),
            (None, None, Some(index)) => clones[index].detect_prefix(&version, previous.as_ref()),
            (None, None, None) => primary_prefix.clone(),
        };
        let tag = entry
            .spec
            .tag
            .clone()
            .unwrap_or_else(|| format!("{prefix}{version}"));
        let previous_tag = previous.as_ref().map(|p| format!("{prefix}{p}"));
        let name = entry.spec.name.as_str();
        let (raw, source, head) = match entry.local {
            Some(index) => {
                let repo = &mut clones[index];
                let (raw, head, date) =
                    local_commits(repo, &tag, previous_tag.as_deref(), &mut notes)?;
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

    let date = match &request.date {
        Some(date) => date.clone(),
        None => primary
            .and_then(|index| {
                let repo = &clones[index];
                repo.tag(&format!("{primary_prefix}{version}"))
                    .map(|t| t.date.clone())
            })
            .or_else(|| dates.into_iter().flatten().next())
            .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%d").to_string()),
    };
    let artifacts = request
        .artifacts
        .iter()
        .filter(|a| !(a.stable_only && version.is_prerelease()))
        .map(|a| {
            Ok(Artifact {
                name: a.name.clone(),
                url: version.render(&a.url_template).map_err(|reason| {
                    ChangelogError::BadArtifact {
                        spec: format!("{}={}", a.name, a.url_template),
                        reason,
                    }
                })?,
            })
        })
        .collect::<Result<Vec<_>, ChangelogError>>()?;
    let context = RenderContext {
        version: version.to_string(),
        previous_version: previous.as_ref().map(|v| v.to_string()),
        previous_source,
        date,
        prerelease: version.is_prerelease(),
        commit_count: sections.iter().map(|s| s.commit_count).sum(),
        repositories: sections,
        artifacts,
    };
    let section = template.render(&context)?;
    let (action, changelog_text) =
        file::apply_section(old_changelog.as_deref(), &section, &version);
    Ok(Plan {
        context,
        section,
        changelog: request.changelog.clone(),
        action,
        changelog_text,
        notes_file: request.notes_file.clone(),
        progress: notes,
        warnings,
    })
}

/// The commits of one clone: (commits newest first, the ref listed up to, the new tag's
/// date when it is tagged).
fn local_commits(
    repo: &mut LocalRepo,
    tag: &str,
    previous_tag: Option<&str>,
    notes: &mut Notes,
) -> Result<(Vec<RawCommit>, String, Option<String>)> {
    if let Some(previous_tag) = previous_tag
        && !repo.ensure_tag(previous_tag, notes)?
    {
        return Err(ChangelogError::MissingTag {
            repo: repo.label.clone(),
            tag: previous_tag.to_string(),
            remote: repo.remote_searched(),
            hint: "pass --previous with the version this release follows, or --tag-prefix if the tags are named differently".into(),
        }
        .into());
    }
    // The release may not be tagged yet (a changelog written before tagging).
    let tagged = repo.ensure_tag(tag, notes)?;
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
        notes.push(format!(
            "{}: tag {tag} does not exist yet; listing up to HEAD",
            repo.label
        ));
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

/// The highest earlier version among the clone's tags, with the prefix given or
/// detected.
fn previous_from_tags(
    repo: &LocalRepo,
    version: &Version,
    prefix: Option<&str>,
) -> Option<Version> {
    let prefix = match prefix {
        Some(p) => p.to_string(),
        None => repo.detect_prefix(version, None),
    };
    let tags = repo.version_tags(&prefix);
    highest_before(tags.iter().map(|(v, _)| v), version).cloned()
}

/// Reads the changelog; `None` when it does not exist.
fn read_changelog(path: &Path) -> Result<Option<String>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ChangelogError::Read {
                path: path.to_path_buf(),
                error: source,
            }
            .into());
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => match file::unclosed_fence(&text) {
            None => Ok(Some(text)),
            Some(at) => {
                let marker = text[at..].chars().next().unwrap_or('`');
                let run = text[at..].chars().take_while(|&c| c == marker).count();
                Err(ChangelogError::UnclosedFence {
                    location: Location::at_offset(path, &text, at),
                    fence: marker.to_string().repeat(run),
                }
                .into())
            }
        },
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            Err(ChangelogError::NotText {
                location: Location::at_offset(path, &text, valid),
            }
            .into())
        }
    }
}

/// Later entries of the same repository fill what earlier ones left open.
fn merge_duplicates(specs: Vec<RepoSpec>) -> Vec<RepoSpec> {
    let mut merged: Vec<RepoSpec> = Vec::new();
    for spec in specs {
        match merged.iter_mut().find(|m| m.name == spec.name) {
            Some(m) => {
                if m.local_path.is_none() {
                    m.local_path = spec.local_path;
                }
                if m.tag.is_none() {
                    m.tag = spec.tag;
                }
            }
            None => merged.push(spec),
        }
    }
    merged
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn folder_name(path: &Path) -> String {
    canonical(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repository".into())
}
