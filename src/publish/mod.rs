//! publish-release: ship the files of a release, all or nothing.
//!
//! The files are local (`--asset`) or, with `--from-ci-run`, the artifacts of the CI run
//! that built and tested the tagged commit (promotion: never rebuild at release time).
//! Everything that can be checked is checked before anything is written: the tag
//! exists, the files exist, the CI run succeeded, and no file of the same name with
//! other content is already in the release. Then the release is staged where nobody
//! sees it (a GitHub draft; on GitLab nothing exists before the end), the files are
//! uploaded, and the release is published; a failure on the way removes the staged
//! release. A re-run for a release that exists uploads only the files it lacks, and one
//! that would change nothing (every file there, the same title, notes and pre-release
//! flag) writes nothing at all.

pub mod assets;
mod decide;
mod error;
mod promote;
mod report;
mod ship;

pub use assets::AssetFile;
pub use error::PublishError;
pub use report::{AssetOutcome, AssetStatus, PublishReport, ReleaseAction};

use crate::Result;
use crate::ci::{CiContext, Platform};
use crate::forge::{Forge, ForgeRelease, ForgeSettings, MakeLatest, ReleaseAsset, ReleaseSpec};
use crate::version::Version;
use decide::Step;
use report::outcome;
use std::path::PathBuf;

/// `--prerelease`: from the version, or forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Prerelease {
    /// A version with a pre-release part (`1.2.0-rc.1`, `2.0.0b3`) is a pre-release.
    Auto,
    Yes,
    No,
}

/// `--checksums`: which checksums file to add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Checksums {
    /// `SHA256SUMS`, as `sha256sum` writes it.
    Sha256,
}

/// What publish-release is asked.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    pub tag: Option<String>,
    pub repo: Option<String>,
    pub name: Option<String>,
    pub notes_file: Option<PathBuf>,
    /// Paths or globs; with `from_ci_run`, globs that pick files of the artifacts.
    pub assets: Vec<String>,
    pub from_ci_run: bool,
    /// The workflow (GitHub) or job (GitLab) whose artifacts are shipped.
    pub ci_workflow: Option<String>,
    pub checksums: Option<Checksums>,
    pub prerelease: Prerelease,
    pub make_latest: MakeLatest,
    pub dry_run: bool,
    /// Where relative asset paths start.
    pub dir: PathBuf,
}

/// The pre-release flag `auto` gives a tag: its version, found after any prefix
/// (`v1.2.0-rc.1`, `api-2.0.0b1`), has a pre-release part.
pub fn tag_is_prerelease(tag: &str) -> bool {
    tag.find(|c: char| c.is_ascii_digit())
        .and_then(|at| Version::parse(&tag[at..]).ok())
        .is_some_and(|v| v.is_prerelease())
}

/// What the request asks for, settled before any network call.
struct Asked {
    tag: String,
    repo: String,
    notes: Option<String>,
    prerelease: bool,
}

/// Publishes the release.
pub async fn publish_release(
    request: &PublishRequest,
    ctx: &CiContext,
    settings: &ForgeSettings,
) -> Result<PublishReport> {
    if settings.platform == Platform::Git {
        return Err(PublishError::NoApi.into());
    }
    let asked = settle(request, ctx, settings)?;
    let local = local_files(request)?;
    let forge = crate::forge::connect(settings).await?;
    let (files, runs) = release_files(forge.as_ref(), request, ctx, &asked, local).await?;
    let existing = forge.release(&asked.repo, &asked.tag).await?;
    let spec = release_spec(request, &asked, existing.as_ref());
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    forge.check_release_files(&spec, &names)?;
    let remote = remote_files(forge.as_ref(), &asked.repo, existing.as_ref(), &spec).await?;
    let steps = decide::steps(forge.as_ref(), &asked.repo, &asked.tag, &files, &remote).await?;
    let action = decide::action(existing.as_ref(), &steps, &spec, settings.platform);
    if let Some(release) = existing.as_ref().filter(|r| r.immutable) {
        refuse_immutable(release, &asked.repo, &spec, &files, &steps)?;
    }
    let report = |release, assets, dry_run| PublishReport {
        repo: asked.repo.clone(),
        tag: asked.tag.clone(),
        platform: settings.platform,
        release,
        action,
        prerelease: asked.prerelease,
        assets,
        runs: runs.clone(),
        dry_run,
    };
    if request.dry_run {
        return Ok(report(existing, planned(&files, &steps), true));
    }
    if action == ReleaseAction::Unchanged {
        // A retried job: the release already is what this run would make it.
        return Ok(report(existing, kept(&files, &steps), false));
    }
    let (published, outcomes) =
        ship::ship(forge.as_ref(), &asked.repo, existing, &spec, &files, steps).await?;
    Ok(report(Some(published), outcomes, false))
}

/// Stops before any write when an immutable release would need what GitHub refuses
/// it: a new asset or another pre-release flag (only its title and notes can change).
fn refuse_immutable(
    release: &ForgeRelease,
    repo: &str,
    spec: &ReleaseSpec,
    files: &[AssetFile],
    steps: &[decide::Step],
) -> Result<()> {
    let new: Vec<String> = files
        .iter()
        .zip(steps)
        .filter(|(_, step)| !matches!(step, decide::Step::Keep(_)))
        .map(|(file, _)| file.name.clone())
        .collect();
    let mut refused = Vec::new();
    if !new.is_empty() {
        refused.push(format!("new assets ({})", new.join(", ")));
    }
    if release.prerelease != spec.prerelease {
        refused.push(format!(
            "the pre-release flag {}",
            if spec.prerelease { "on" } else { "off" }
        ));
    }
    if refused.is_empty() {
        return Ok(());
    }
    Err(PublishError::Immutable {
        tag: release.tag.clone(),
        repo: repo.to_string(),
        refused: refused.join(" or "),
    }
    .into())
}

/// The tag, the repository, the notes and the pre-release flag.
fn settle(request: &PublishRequest, ctx: &CiContext, settings: &ForgeSettings) -> Result<Asked> {
    let tag = request
        .tag
        .clone()
        .filter(|t| !t.is_empty())
        .or_else(|| ctx.pipeline_tag().map(str::to_string))
        .ok_or(PublishError::NoTag)?;
    let repo = request
        .repo
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| ctx.repository(settings.platform).map(str::to_string))
        .ok_or(PublishError::NoRepository)?;
    let notes =
        match &request.notes_file {
            Some(path) => Some(std::fs::read_to_string(request.dir.join(path)).map_err(
                |source| PublishError::Notes {
                    path: path.clone(),
                    source,
                },
            )?),
            None => None,
        };
    let prerelease = match request.prerelease {
        Prerelease::Yes => true,
        Prerelease::No => false,
        Prerelease::Auto => tag_is_prerelease(&tag),
    };
    if prerelease && request.make_latest == MakeLatest::Yes {
        return Err(PublishError::LatestPrerelease.into());
    }
    Ok(Asked {
        tag,
        repo,
        notes,
        prerelease,
    })
}

/// The local files (none when promoting), checked before any network call; with
/// `--from-ci-run`, the patterns are checked instead.
fn local_files(request: &PublishRequest) -> Result<Vec<AssetFile>> {
    let files = if request.from_ci_run {
        Vec::new()
    } else {
        assets::local_files(&request.dir, &request.assets)?
    };
    assets::check_unique(&files)?;
    if request.from_ci_run {
        for pattern in &request.assets {
            crate::pattern::PathPattern::new(pattern.trim()).map_err(|reason| {
                PublishError::BadGlob {
                    pattern: pattern.clone(),
                    reason,
                }
            })?;
        }
    }
    Ok(files)
}

/// Every file of the release (the local ones or the build's artifacts, plus the
/// checksums file), once the tag is known to exist; and the CI runs they came from.
async fn release_files(
    forge: &dyn Forge,
    request: &PublishRequest,
    ctx: &CiContext,
    asked: &Asked,
    mut files: Vec<AssetFile>,
) -> Result<(Vec<AssetFile>, Vec<String>)> {
    let remote_tag =
        forge
            .tag(&asked.repo, &asked.tag)
            .await?
            .ok_or_else(|| PublishError::TagNotFound {
                tag: asked.tag.clone(),
                repo: asked.repo.clone(),
            })?;
    let mut runs = Vec::new();
    if request.from_ci_run {
        let (promoted, names) = promote::artifacts_of_build(
            forge,
            request,
            ctx,
            &asked.repo,
            &asked.tag,
            &remote_tag.commit,
        )
        .await?;
        files = assets::select(promoted, &request.assets)?;
        runs = names;
    }
    assets::check_unique(&files)?;
    if request.checksums == Some(Checksums::Sha256) && !files.is_empty() {
        let sums = assets::checksums(&files);
        files.push(sums);
        assets::check_unique(&files)?;
    }
    Ok((files, runs))
}

/// What the release will say: the title (given, kept, or the tag), notes and flags.
fn release_spec(
    request: &PublishRequest,
    asked: &Asked,
    existing: Option<&ForgeRelease>,
) -> ReleaseSpec {
    let repo = &asked.repo;
    let package = repo.rsplit('/').next().unwrap_or(repo).to_string();
    ReleaseSpec {
        tag: asked.tag.clone(),
        name: request
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| existing.map(|r| r.name.clone()))
            .unwrap_or_else(|| asked.tag.clone()),
        notes: asked.notes.clone(),
        prerelease: asked.prerelease,
        make_latest: request.make_latest,
        package,
    }
}

/// The files the release holds, and those uploaded by an earlier run but not yet
/// attached to it.
async fn remote_files(
    forge: &dyn Forge,
    repo: &str,
    existing: Option<&ForgeRelease>,
    spec: &ReleaseSpec,
) -> Result<Vec<ReleaseAsset>> {
    let mut remote: Vec<ReleaseAsset> = existing.map(|r| r.assets.clone()).unwrap_or_default();
    for file in forge.unattached_release_files(repo, spec).await? {
        if !remote.iter().any(|r| r.name == file.name) {
            remote.push(file);
        }
    }
    Ok(remote)
}

/// A dry run's outcome of every file.
fn planned(files: &[AssetFile], steps: &[Step]) -> Vec<AssetOutcome> {
    files
        .iter()
        .zip(steps)
        .map(|(file, step)| {
            let (status, url) = match step {
                Step::Upload => (AssetStatus::WouldUpload, String::new()),
                Step::Keep(r) => (AssetStatus::Unchanged, r.url.clone()),
                Step::Attach(r) => (AssetStatus::WouldAttach, r.url.clone()),
            };
            outcome(file, status, url)
        })
        .collect()
}

/// The files a release that needs no change already holds.
fn kept(files: &[AssetFile], steps: &[Step]) -> Vec<AssetOutcome> {
    files
        .iter()
        .zip(steps)
        .filter_map(|(file, step)| match step {
            Step::Keep(r) => Some(outcome(file, AssetStatus::Unchanged, r.url.clone())),
            Step::Upload | Step::Attach(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_prerelease_reads_the_version_after_any_prefix() {
        assert!(tag_is_prerelease("v1.2.0-rc.1"));
        assert!(tag_is_prerelease("api-2.0.0b3"));
        assert!(tag_is_prerelease("1.0.0.dev2"));
        assert!(!tag_is_prerelease("v1.2.0"));
        assert!(!tag_is_prerelease("release-candidate"));
    }
}
