//! What to do with each file and with the release, decided before anything is written:
//! a file of the same name with other content in the release stops the run here.

use super::{AssetFile, PublishError, ReleaseAction, assets};
use crate::Result;
use crate::ci::Platform;
use crate::forge::{
    Forge, ForgeError, ForgeRelease, MakeLatest, ReleaseAsset, ReleaseSpec, ReleaseState,
};

/// What to do with a file.
pub(super) enum Step {
    Upload,
    Keep(ReleaseAsset),
    Attach(ReleaseAsset),
}

/// One step per file, in order; every conflict at once when there is any.
pub(super) async fn steps(
    forge: &dyn Forge,
    repo: &str,
    tag: &str,
    files: &[AssetFile],
    remote: &[ReleaseAsset],
) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    let mut conflicts = Vec::new();
    for file in files {
        // An asset uploaded without our label shows the name the forge gave it.
        let stored = forge.stored_asset_name(&file.name);
        let found = remote
            .iter()
            .find(|r| r.name == file.name)
            .or_else(|| remote.iter().find(|r| r.name == stored));
        let Some(found) = found else {
            steps.push(Step::Upload);
            continue;
        };
        let same = match &found.sha256 {
            Some(sha) => Ok(*sha == file.sha256),
            None => match forge.download_release_asset(repo, found).await {
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
            tag: tag.to_string(),
            repo: repo.to_string(),
            conflicts,
        }
        .into());
    }
    Ok(steps)
}

/// What becomes of the release: new, rewritten, or already what this run would make it.
pub(super) fn action(
    existing: Option<&ForgeRelease>,
    steps: &[Step],
    spec: &ReleaseSpec,
    platform: Platform,
) -> ReleaseAction {
    match existing {
        None => ReleaseAction::Created,
        Some(release)
            if steps.iter().all(|s| matches!(s, Step::Keep(_)))
                && already_says(release, spec, platform) =>
        {
            ReleaseAction::Unchanged
        }
        Some(_) => ReleaseAction::Updated,
    }
}

/// Whether the published `release` already says what `spec` would make it say, so that
/// an update would change nothing. Only what the update sends is compared: the title,
/// the notes (when given) and, on GitHub, the pre-release flag (GitLab has none).
/// `--make-latest yes` on GitHub always counts as a change: a release does not say
/// whether it is the latest, and the update is what makes it so.
fn already_says(release: &ForgeRelease, spec: &ReleaseSpec, platform: Platform) -> bool {
    let github = platform == Platform::GitHub;
    release.state == ReleaseState::Published
        && release.name == spec.name
        && spec.notes.as_ref().is_none_or(|n| *n == release.notes)
        && (!github || release.prerelease == spec.prerelease)
        && !(github && spec.make_latest == MakeLatest::Yes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_already_says_what_an_update_would_send() {
        let release = ForgeRelease {
            id: "7".into(),
            tag: "v1.2.0".into(),
            name: "Tool 1.2.0".into(),
            notes: "- faster\n".into(),
            web_url: String::new(),
            state: ReleaseState::Published,
            prerelease: false,
            assets: Vec::new(),
            upload_url: None,
            immutable: false,
        };
        let spec = ReleaseSpec {
            tag: "v1.2.0".into(),
            name: "Tool 1.2.0".into(),
            notes: Some("- faster\n".into()),
            prerelease: false,
            make_latest: MakeLatest::Auto,
            package: "tool".into(),
        };
        let says = |r: &ForgeRelease, s: &ReleaseSpec, p| already_says(r, s, p);
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
        let draft = ForgeRelease {
            state: ReleaseState::Staged,
            ..release.clone()
        };
        assert!(!says(&draft, &spec, Platform::GitHub));
    }
}
