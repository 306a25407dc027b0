//! Writing the release: stage it where nobody sees it, upload the files, publish; a
//! failure on the way removes the staged release.

use super::decide::Step;
use super::report::outcome;
use super::{AssetFile, AssetOutcome, AssetStatus, PublishError};
use crate::Result;
use crate::ci::Platform;
use crate::forge::{AssetUpload, Forge, ForgeRelease, ReleaseSpec, ReleaseState};

/// Stages (or reuses) the release, uploads what the steps say and publishes it; the
/// release as the forge now shows it and one outcome per file.
pub(super) async fn ship(
    forge: &dyn Forge,
    repo: &str,
    existing: Option<ForgeRelease>,
    spec: &ReleaseSpec,
    files: &[AssetFile],
    steps: Vec<Step>,
) -> Result<(ForgeRelease, Vec<AssetOutcome>)> {
    let release = match existing {
        Some(release) => release,
        None => forge.stage_release(repo, spec).await?,
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
                    sha256: &file.sha256,
                };
                match forge
                    .upload_release_asset(repo, &release, spec, &upload)
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
        None => forge.publish_release(repo, &release, spec, &attach).await,
        Some(e) => Err(e),
    };
    let published = match published {
        Ok(p) => p,
        Err(cause) => {
            let cause = format!("{cause:#}");
            return Err(match release.state {
                ReleaseState::Staged => PublishError::Aborted {
                    cleanup: discard(forge, repo, &release).await,
                    cause,
                },
                ReleaseState::Published => PublishError::Partial {
                    cause,
                    tag: spec.tag.clone(),
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
        let stored = forge.stored_asset_name(&o.name);
        if let Some(asset) = published
            .assets
            .iter()
            .find(|a| a.name == o.name)
            .or_else(|| published.assets.iter().find(|a| a.name == stored))
        {
            o.url = asset.url.clone();
        }
    }
    Ok((published, outcomes))
}

/// Removes the staged release and says what happened, for the error message.
async fn discard(forge: &dyn Forge, repo: &str, release: &ForgeRelease) -> String {
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
