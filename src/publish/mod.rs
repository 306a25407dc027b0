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

pub use assets::{Asset, CHECKSUMS_FILE};

use crate::Result;
use crate::ci::{CiContext, Platform};
use crate::forge::{
    AssetUpload, BuildOutcome, BuildRunQuery, Forge, ForgeError, ForgeSettings, MakeLatest,
    Release, ReleaseAsset, ReleaseSpec, ReleaseState,
};
use crate::version::Version;
use std::path::PathBuf;

/// Errors of publish-release.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "no tag given: pass --tag, or run in a tag pipeline (GITHUB_REF_TYPE=tag, or CI_COMMIT_TAG)"
    )]
    NoTag,
    #[error("no repository given: pass --repo owner/name (or run in GitHub Actions or GitLab CI)")]
    NoRepository,
    #[error("publish-release needs a forge API: pass --forge github or --forge gitlab")]
    NoApi,
    #[error("cannot read the notes file {}", path.display())]
    Notes {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("--asset {path}: no such file")]
    NoFile { path: String },
    #[error("--asset {pattern} matches no file")]
    NoMatch { pattern: String },
    #[error("--asset {pattern} is not a valid glob: {reason}")]
    BadGlob { pattern: String, reason: String },
    #[error(
        "--asset {pattern}: the path leaves the working folder (an absolute path or `..`); name files inside it"
    )]
    Escapes { pattern: String },
    #[error(
        "--asset {pattern}: {path} is a symbolic link, or lies under one, that leads outside the working folder; name files inside it"
    )]
    LinkLeaves { pattern: String, path: String },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("two assets are named {name}: {first} and {second}; a release holds one file per name")]
    DuplicateName {
        name: String,
        first: String,
        second: String,
    },
    #[error(
        "a pre-release cannot be the latest release: drop --make-latest yes, or pass --prerelease no"
    )]
    LatestPrerelease,
    #[error(
        "tag {tag} does not exist in {repo}; publish-release publishes the release of an existing tag"
    )]
    TagNotFound { tag: String, repo: String },
    #[error("no CI run built {commit} (tag {tag}) in {repo}{}", filter.as_ref().map(|f| format!(" named {f}")).unwrap_or_default())]
    NoBuildRun {
        tag: String,
        commit: String,
        repo: String,
        filter: Option<String>,
    },
    #[error("refusing to promote the artifacts of {commit}: {}", runs.join("; "))]
    RunNotSucceeded { commit: String, runs: Vec<String> },
    #[error("the CI runs of {commit} have no artifacts: {}", runs.join(", "))]
    NoArtifacts { commit: String, runs: Vec<String> },
    #[error("artifact {name} of {run} has expired; re-run the build or publish from files")]
    ArtifactExpired { name: String, run: String },
    #[error("no artifact file matches --asset {pattern}")]
    NoArtifactMatch { pattern: String },
    #[error("{origin} is not a zip archive: {reason}")]
    BadArchive { origin: String, reason: String },
    #[error("{} already in release {tag} of {repo} with other content: {}; rename the file or remove the asset from the release", if conflicts.len() == 1 { "an asset is" } else { "assets are" }, conflicts.join("; "))]
    Conflict {
        tag: String,
        repo: String,
        conflicts: Vec<String>,
    },
    /// A failure after the release was staged, and what became of the staged release.
    #[error("{cause}; {cleanup}")]
    Aborted { cause: String, cleanup: String },
    /// A failure while adding to a release that is already published.
    #[error("{cause}; release {tag} is published and has these new assets so far: {}", if uploaded.is_empty() { "none".to_string() } else { uploaded.join(", ") })]
    Partial {
        cause: String,
        tag: String,
        uploaded: Vec<String>,
    },
}

impl PublishError {
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            PublishError::NoTag
                | PublishError::NoRepository
                | PublishError::NoApi
                | PublishError::Notes { .. }
                | PublishError::NoFile { .. }
                | PublishError::NoMatch { .. }
                | PublishError::BadGlob { .. }
                | PublishError::Escapes { .. }
                | PublishError::LinkLeaves { .. }
                | PublishError::Read { .. }
                | PublishError::DuplicateName { .. }
                | PublishError::LatestPrerelease
        )
    }

    pub fn location(&self) -> Option<&crate::Location> {
        None
    }
}

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

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetStatus {
    Uploaded,
    /// Already in the release with the same content.
    Unchanged,
    /// Already uploaded by an earlier run (GitLab package registry), now linked.
    Attached,
    WouldUpload,
    WouldAttach,
}

impl AssetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetStatus::Uploaded => "uploaded",
            AssetStatus::Unchanged => "unchanged",
            AssetStatus::Attached => "attached",
            AssetStatus::WouldUpload => "would upload",
            AssetStatus::WouldAttach => "would attach",
        }
    }
}

/// One file of the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AssetOutcome {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub status: AssetStatus,
    /// Where it is downloaded (empty in a dry run for a file not uploaded yet).
    pub url: String,
    #[serde(skip)]
    pub source: String,
}

/// What became of the release itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseAction {
    /// The release is new.
    Created,
    /// The release existed; its title, notes or flags were rewritten, or files added.
    Updated,
    /// The release already said and held everything: nothing was written.
    Unchanged,
}

impl ReleaseAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseAction::Created => "created",
            ReleaseAction::Updated => "updated",
            ReleaseAction::Unchanged => "unchanged",
        }
    }
}

/// What publish-release did (or, in a dry run, would do).
#[derive(Debug, Clone)]
pub struct PublishReport {
    pub repo: String,
    pub tag: String,
    pub platform: Platform,
    /// The release as it stands afterwards; in a dry run, as it stood (or `None`).
    pub release: Option<Release>,
    /// What became (or, in a dry run, would become) of the release.
    pub action: ReleaseAction,
    pub prerelease: bool,
    pub assets: Vec<AssetOutcome>,
    /// The CI runs whose artifacts were shipped.
    pub runs: Vec<String>,
    pub dry_run: bool,
}

impl PublishReport {
    pub fn url(&self) -> &str {
        self.release.as_ref().map_or("", |r| r.web_url.as_str())
    }

    pub fn id(&self) -> &str {
        self.release.as_ref().map_or("", |r| r.id.as_str())
    }
}

/// The pre-release flag `auto` gives a tag: its version, found after any prefix
/// (`v1.2.0-rc.1`, `api-2.0.0b1`), has a pre-release part.
pub fn tag_is_prerelease(tag: &str) -> bool {
    tag.find(|c: char| c.is_ascii_digit())
        .and_then(|at| Version::parse(&tag[at..]).ok())
        .is_some_and(|v| v.is_prerelease())
}

/// Whether the published `release` already says what `spec` would make it say, so that
/// an update would change nothing. Only what the update sends is compared: the title,
/// the notes (when given) and, on GitHub, the pre-release flag (GitLab has none).
/// `--make-latest yes` on GitHub always counts as a change: a release does not say
/// whether it is the latest, and the update is what makes it so.
fn already_says(release: &Release, spec: &ReleaseSpec, platform: Platform) -> bool {
    let github = platform == Platform::GitHub;
    release.state == ReleaseState::Published
        && release.name == spec.name
        && spec.notes.as_ref().is_none_or(|n| *n == release.notes)
        && (!github || release.prerelease == spec.prerelease)
        && !(github && spec.make_latest == MakeLatest::Yes)
}

/// What to do with a file, decided before anything is written.
enum Step {
    Upload,
    Keep(ReleaseAsset),
    Attach(ReleaseAsset),
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
    // Local files are checked before any network call.
    let mut files = if request.from_ci_run {
        Vec::new()
    } else {
        assets::local_files(&request.dir, &request.assets)?
    };
    assets::check_unique(&files)?;
    if request.from_ci_run {
        // Bad patterns fail before any network call.
        for pattern in &request.assets {
            glob::Pattern::new(pattern.trim()).map_err(|e| PublishError::BadGlob {
                pattern: pattern.clone(),
                reason: e.msg.to_string(),
            })?;
        }
    }

    let forge = crate::forge::connect(settings).await?;
    let remote_tag = forge
        .tag(&repo, &tag)
        .await?
        .ok_or_else(|| PublishError::TagNotFound {
            tag: tag.clone(),
            repo: repo.clone(),
        })?;
    let mut runs = Vec::new();
    if request.from_ci_run {
        let (promoted, names) = artifacts_of_build(
            forge.as_ref(),
            request,
            ctx,
            &repo,
            &tag,
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

    let package = repo.rsplit('/').next().unwrap_or(&repo).to_string();
    let existing = forge.release(&repo, &tag).await?;
    let spec = ReleaseSpec {
        tag: tag.clone(),
        name: request
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| existing.as_ref().map(|r| r.name.clone()))
            .unwrap_or_else(|| tag.clone()),
        notes,
        prerelease,
        make_latest: request.make_latest,
        package,
    };
    let mut remote: Vec<ReleaseAsset> = existing
        .as_ref()
        .map(|r| r.assets.clone())
        .unwrap_or_default();
    for file in forge.unattached_release_files(&repo, &spec).await? {
        if !remote.iter().any(|r| r.name == file.name) {
            remote.push(file);
        }
    }

    // Decide every file before writing anything; conflicts stop the run here.
    let mut steps = Vec::new();
    let mut conflicts = Vec::new();
    for file in &files {
        let Some(found) = remote.iter().find(|r| r.name == file.name) else {
            steps.push(Step::Upload);
            continue;
        };
        let same = match &found.sha256 {
            Some(sha) => Ok(*sha == file.sha256),
            None => match forge.download_release_asset(&repo, found).await {
                Ok(bytes) => Ok(assets::sha256_hex(&bytes) == file.sha256),
                Err(e @ ForgeError::Unsupported { .. }) => Err(e.to_string()),
                Err(e) => return Err(e.into()),
            },
        };
        match same {
            Ok(true) if found.attached => steps.push(Step::Keep(found.clone())),
            Ok(true) => steps.push(Step::Attach(found.clone())),
            Ok(false) => conflicts.push(format!(
                "{} (there: sha256 {}, size {}; here: sha256 {}, size {}, from {})",
                file.name,
                found.sha256.as_deref().unwrap_or("unknown"),
                found.size.map_or("unknown".to_string(), |s| s.to_string()),
                file.sha256,
                file.size(),
                file.source
            )),
            Err(reason) => conflicts.push(format!(
                "{} (its content cannot be compared: {reason})",
                file.name
            )),
        }
    }
    if !conflicts.is_empty() {
        return Err(PublishError::Conflict {
            tag,
            repo,
            conflicts,
        }
        .into());
    }

    let action = match &existing {
        None => ReleaseAction::Created,
        Some(release)
            if steps.iter().all(|s| matches!(s, Step::Keep(_)))
                && already_says(release, &spec, settings.platform) =>
        {
            ReleaseAction::Unchanged
        }
        Some(_) => ReleaseAction::Updated,
    };
    if request.dry_run {
        let assets = files
            .iter()
            .zip(&steps)
            .map(|(file, step)| {
                let (status, url) = match step {
                    Step::Upload => (AssetStatus::WouldUpload, String::new()),
                    Step::Keep(r) => (AssetStatus::Unchanged, r.url.clone()),
                    Step::Attach(r) => (AssetStatus::WouldAttach, r.url.clone()),
                };
                outcome(file, status, url)
            })
            .collect();
        return Ok(PublishReport {
            repo,
            tag,
            platform: settings.platform,
            release: existing,
            action,
            prerelease,
            assets,
            runs,
            dry_run: true,
        });
    }
    if action == ReleaseAction::Unchanged {
        // A retried job: the release already is what this run would make it.
        let assets = files
            .iter()
            .zip(&steps)
            .filter_map(|(file, step)| match step {
                Step::Keep(r) => Some(outcome(file, AssetStatus::Unchanged, r.url.clone())),
                Step::Upload | Step::Attach(_) => None,
            })
            .collect();
        return Ok(PublishReport {
            repo,
            tag,
            platform: settings.platform,
            release: existing,
            action,
            prerelease,
            assets,
            runs,
            dry_run: false,
        });
    }

    let release = match existing {
        Some(release) => release,
        None => forge.stage_release(&repo, &spec).await?,
    };
    let mut outcomes = Vec::new();
    let mut attach = Vec::new();
    let mut failure = None;
    for (file, step) in files.iter().zip(steps) {
        match step {
            Step::Keep(r) => outcomes.push(outcome(file, AssetStatus::Unchanged, r.url)),
            Step::Attach(r) => {
                outcomes.push(outcome(file, AssetStatus::Attached, r.url.clone()));
                attach.push(r);
            }
            Step::Upload => {
                let upload = AssetUpload {
                    name: &file.name,
                    content_type: file.content_type(),
                    bytes: &file.bytes,
                };
                match forge
                    .upload_release_asset(&repo, &release, &spec, &upload)
                    .await
                {
                    Ok(uploaded) => {
                        outcomes.push(outcome(file, AssetStatus::Uploaded, uploaded.url.clone()));
                        if !uploaded.attached {
                            attach.push(uploaded);
                        }
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
        }
    }
    let published = match failure {
        None => forge.publish_release(&repo, &release, &spec, &attach).await,
        Some(e) => Err(e),
    };
    let published = match published {
        Ok(p) => p,
        Err(cause) => {
            let cause = format!("{cause:#}");
            return Err(match release.state {
                ReleaseState::Staged => PublishError::Aborted {
                    cleanup: discard(forge.as_ref(), &repo, &release).await,
                    cause,
                },
                ReleaseState::Published => PublishError::Partial {
                    cause,
                    tag,
                    uploaded: outcomes
                        .iter()
                        .filter(|o| o.status == AssetStatus::Uploaded)
                        .map(|o| o.name.clone())
                        .collect(),
                },
            }
            .into());
        }
    };
    // The forge's own URLs for what it now shows.
    for o in &mut outcomes {
        if let Some(asset) = published.assets.iter().find(|a| a.name == o.name) {
            o.url = asset.url.clone();
        }
    }
    Ok(PublishReport {
        repo,
        tag,
        platform: settings.platform,
        release: Some(published),
        action,
        prerelease,
        assets: outcomes,
        runs,
        dry_run: false,
    })
}

fn outcome(file: &Asset, status: AssetStatus, url: String) -> AssetOutcome {
    AssetOutcome {
        name: file.name.clone(),
        size: file.size(),
        sha256: file.sha256.clone(),
        status,
        url,
        source: file.source.clone(),
    }
}

/// Removes the staged release and says what happened, for the error message.
async fn discard(forge: &dyn Forge, repo: &str, release: &Release) -> String {
    match forge.discard_release(repo, release).await {
        Ok(()) if forge.platform() == Platform::GitHub => format!(
            "the draft release {} was deleted, nothing was published",
            release.id
        ),
        Ok(()) => format!(
            "release {} was not created; files already uploaded stay in the package registry and a re-run links them",
            release.tag
        ),
        Err(e) => format!(
            "deleting the draft release {} failed too ({e}); delete it by hand",
            release.id
        ),
    }
}

/// The files of the artifacts of the CI run(s) that built `commit`, and the runs' names.
async fn artifacts_of_build(
    forge: &dyn Forge,
    request: &PublishRequest,
    ctx: &CiContext,
    repo: &str,
    tag: &str,
    commit: &str,
) -> Result<(Vec<Asset>, Vec<String>)> {
    let number = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<u64>().ok());
    // Inside the tag's own GitLab pipeline, that pipeline is the one; this job is not
    // one of its builds. On GitHub this run (the release workflow) is left out.
    let in_tag_pipeline = ctx.gitlab.ci_commit_tag.as_deref() == Some(tag);
    let (current_run, current_job) = match forge.platform() {
        Platform::GitLab if in_tag_pipeline => (
            number(&ctx.gitlab.ci_pipeline_id),
            number(&ctx.gitlab.ci_job_id),
        ),
        Platform::GitLab => (None, None),
        _ => (number(&ctx.github.run_id), None),
    };
    let query = BuildRunQuery {
        tag,
        commit,
        name: request.ci_workflow.as_deref().filter(|n| !n.is_empty()),
        current_run,
        current_job,
    };
    let runs = forge.build_runs(repo, &query).await?;
    if runs.is_empty() {
        return Err(PublishError::NoBuildRun {
            tag: tag.to_string(),
            commit: commit.to_string(),
            repo: repo.to_string(),
            filter: query.name.map(str::to_string),
        }
        .into());
    }
    let failed: Vec<String> = runs
        .iter()
        .filter_map(|run| match &run.outcome {
            BuildOutcome::Succeeded => None,
            BuildOutcome::NotSucceeded(why) => Some(format!(
                "{} ({}) did not succeed: {why}",
                run.name, run.web_url
            )),
        })
        .collect();
    if !failed.is_empty() {
        return Err(PublishError::RunNotSucceeded {
            commit: commit.to_string(),
            runs: failed,
        }
        .into());
    }
    let names: Vec<String> = runs
        .iter()
        .map(|r| format!("{} ({})", r.name, r.web_url))
        .collect();
    if runs.iter().all(|r| r.artifacts.is_empty()) {
        return Err(PublishError::NoArtifacts {
            commit: commit.to_string(),
            runs: names,
        }
        .into());
    }
    let mut files = Vec::new();
    for run in &runs {
        for artifact in &run.artifacts {
            if artifact.expired {
                return Err(PublishError::ArtifactExpired {
                    name: artifact.name.clone(),
                    run: run.name.clone(),
                }
                .into());
            }
            let zip = forge.download_build_artifact(repo, artifact).await?;
            let origin = format!("artifact {} of {}", artifact.name, run.name);
            files.extend(assets::archive_files(&zip, &origin)?);
        }
    }
    Ok((files, names))
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

    #[test]
    fn a_release_already_says_what_an_update_would_send() {
        let release = Release {
            id: "7".into(),
            tag: "v1.2.0".into(),
            name: "Tool 1.2.0".into(),
            notes: "- faster\n".into(),
            web_url: String::new(),
            state: ReleaseState::Published,
            prerelease: false,
            assets: Vec::new(),
            upload_url: None,
        };
        let spec = ReleaseSpec {
            tag: "v1.2.0".into(),
            name: "Tool 1.2.0".into(),
            notes: Some("- faster\n".into()),
            prerelease: false,
            make_latest: MakeLatest::Auto,
            package: "tool".into(),
        };
        let says = |r: &Release, s: &ReleaseSpec, p| already_says(r, s, p);
        assert!(says(&release, &spec, Platform::GitHub));
        // No --notes-file keeps the notes: nothing to compare.
        let keep = ReleaseSpec {
            notes: None,
            ..spec.clone()
        };
        assert!(says(&release, &keep, Platform::GitHub));
        let other = |f: fn(&mut ReleaseSpec)| {
            let mut s = spec.clone();
            f(&mut s);
            s
        };
        assert!(!says(
            &release,
            &other(|s| s.notes = Some("- faster".into())),
            Platform::GitHub
        ));
        assert!(!says(
            &release,
            &other(|s| s.name = "v1.2.0".into()),
            Platform::GitLab
        ));
        assert!(!says(
            &release,
            &other(|s| s.prerelease = true),
            Platform::GitHub
        ));
        // GitLab has no pre-release flag; the update never sends one.
        assert!(says(
            &release,
            &other(|s| s.prerelease = true),
            Platform::GitLab
        ));
        assert!(!says(
            &release,
            &other(|s| s.make_latest = MakeLatest::Yes),
            Platform::GitHub
        ));
        assert!(says(
            &release,
            &other(|s| s.make_latest = MakeLatest::No),
            Platform::GitHub
        ));
        let draft = Release {
            state: ReleaseState::Staged,
            ..release.clone()
        };
        assert!(!says(&draft, &spec, Platform::GitHub));
    }
}
