//! The whole run: from a [`ChangelogRequest`] to a [`Plan`] that holds the context,
//! the rendered section and the new bytes of every file, and then the writes.

use super::ChangelogError;
use super::context::{Artifact, RenderContext};
use super::file::{self, FileAction};
use super::local::{LocalRepo, Notes};
use super::next::NextVersion;
use super::previous::{PreviousSource, highest_before};
use super::repos::{self, Repositories};
use super::sections::{self, Versions};
use super::spec::{ArtifactSpec, ChangelogRepo};
use super::template::SectionTemplate;
use crate::Result;
use crate::ci::{CiContext, Outputs};
use crate::forge::ForgeSettings;
use crate::version::Version;
use std::path::{Path, PathBuf};

/// What generate-changelog is asked.
#[derive(Debug, Clone)]
pub struct ChangelogRequest {
    pub version: String,
    pub previous: Option<String>,
    pub changelog: PathBuf,
    pub repos: Vec<ChangelogRepo>,
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
    /// Whether the forge's web server was given (`--server-url`, `GITHUB_SERVER_URL`,
    /// `CI_SERVER_URL`); when not, a repository named by its remote's URL links to
    /// that remote's host.
    pub server_url_given: bool,
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
    /// The version computed from the commits, with `--version auto`.
    pub next: Option<NextVersion>,
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

    /// `notes`, `previous-version`, `commit-count`; with `--version auto`,
    /// `next-version` and `bump`.
    pub fn outputs(&self) -> Outputs {
        let mut outputs = Outputs::new();
        if let Some(next) = &self.next {
            outputs
                .set("next-version", next.version.to_string())
                .set("bump", next.bump.as_str());
        }
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

/// Reads everything and renders the section; writes nothing.
pub async fn prepare(
    request: &ChangelogRequest,
    ci: &CiContext,
    settings: &ForgeSettings,
) -> Result<Plan> {
    let mut notes: Notes = Vec::new();
    let next = if request.version == AUTO_VERSION {
        Some(auto_version(request, settings, &mut notes)?)
    } else {
        None
    };
    let (version, flagged_previous) = versions(request, next.as_ref().map(|n| &n.version))?;
    // The template is checked before the history is read.
    let template = match &request.template {
        Some(path) => SectionTemplate::from_file(path)?,
        None => SectionTemplate::builtin(),
    };
    let old_changelog = file::read(&request.changelog)?;
    let mut warnings = Vec::new();
    let mut repos = repos::open(request, ci, settings, &version)?;
    let (previous, previous_source) = previous_version(
        request,
        flagged_previous,
        old_changelog.as_deref(),
        &version,
        &mut repos,
        &mut notes,
    )?;
    let explicit_prefix = request.tag_prefix.clone();
    let primary_prefix = match (&explicit_prefix, repos.primary) {
        (Some(p), _) => p.clone(),
        (None, Some(index)) => repos.clones[index].detect_prefix(&version, previous.as_ref()),
        (None, None) => String::new(),
    };
    let versions = Versions {
        version: &version,
        previous: previous.as_ref(),
        previous_source,
        explicit_prefix: explicit_prefix.as_deref(),
        primary_prefix: &primary_prefix,
    };
    let mut settings = settings.clone();
    if let (false, Some(server)) = (request.server_url_given, &repos.remote_server) {
        settings.server_url = server.clone();
    }
    let (sections, dates) =
        sections::collect(&mut repos, &versions, &settings, &mut notes, &mut warnings).await?;
    let date = release_date(request, &repos, &primary_prefix, &version, dates);
    let artifacts = artifacts(request, &version)?;
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
        next,
    })
}

/// The `--version` that asks for the next version from the commits.
pub const AUTO_VERSION: &str = "auto";

/// The next version of the repository in the current folder (see [`super::next`]).
pub fn auto_version(
    request: &ChangelogRequest,
    settings: &ForgeSettings,
    notes: &mut Notes,
) -> Result<NextVersion> {
    let mut repo = LocalRepo::open(
        &request.workdir,
        &super::repos::folder_name(&request.workdir),
        &request.remote,
        settings.git_credentials(),
    )?
    .ok_or_else(|| ChangelogError::AutoWithoutRepository(request.workdir.clone()))?;
    let next = super::next::next_version(&mut repo, request.tag_prefix.as_deref(), notes)?;
    notes.push(next.describe());
    Ok(next)
}

/// The new version and `--previous`, checked with `--date` before anything is read.
fn versions(
    request: &ChangelogRequest,
    auto: Option<&Version>,
) -> Result<(Version, Option<Version>)> {
    // A tag name is accepted as the version when the tag prefix is known
    // (`--version v1.2.0 --tag-prefix v`, as `github.ref_name` gives it).
    let version_text = crate::version::strip_tag_prefix(
        &request.version,
        request.tag_prefix.as_deref().unwrap_or(""),
    );
    let version = match auto {
        Some(version) => version.clone(),
        None => Version::parse(version_text).map_err(|source| ChangelogError::BadVersion {
            flag: "--version",
            invalid: source,
        })?,
    };
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
    Ok((version, flagged_previous))
}

/// The version this release follows, and where it was found.
fn previous_version(
    request: &ChangelogRequest,
    flagged: Option<Version>,
    old_changelog: Option<&str>,
    version: &Version,
    repos: &mut Repositories,
    notes: &mut Notes,
) -> Result<(Option<Version>, PreviousSource)> {
    let explicit_prefix = request.tag_prefix.as_deref();
    Ok(if let Some(v) = flagged {
        (Some(v), PreviousSource::Flag)
    } else if let Some(v) = old_changelog.and_then(|text| file::previous_version(text, version)) {
        (Some(v), PreviousSource::Changelog)
    } else if let Some(v) = match &request.request_file {
        Some(path) => super::request::previous_in_request(path, version)?,
        None => None,
    } {
        (Some(v), PreviousSource::Request)
    } else if let Some(index) = repos.primary {
        let repo = &mut repos.clones[index];
        let mut found = previous_from_tags(repo, version, explicit_prefix);
        if found.is_none() && repo.is_shallow() {
            repo.deepen("earlier version tags", notes)?;
            found = previous_from_tags(repo, version, explicit_prefix);
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
    })
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

/// `--date`; else the date of the new tag in the primary clone, or in any clone; else
/// today (UTC).
fn release_date(
    request: &ChangelogRequest,
    repos: &Repositories,
    primary_prefix: &str,
    version: &Version,
    dates: Vec<Option<String>>,
) -> String {
    match &request.date {
        Some(date) => date.clone(),
        None => repos
            .primary
            .and_then(|index| {
                let repo = &repos.clones[index];
                repo.tag(&format!("{primary_prefix}{version}"))
                    .map(|t| t.date.clone())
            })
            .or_else(|| dates.into_iter().flatten().next())
            .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%d").to_string()),
    }
}

/// The artifact links of this version (stable-only ones are left out of a
/// pre-release).
fn artifacts(request: &ChangelogRequest, version: &Version) -> Result<Vec<Artifact>> {
    Ok(request
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
        .collect::<Result<Vec<_>, ChangelogError>>()?)
}
