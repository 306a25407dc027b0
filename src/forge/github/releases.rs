//! Releases and their assets: drafts, uploads, publishing, downloads.

use super::{GitHub, PAGE_SIZE};
use crate::forge::releases::{sha256_of_digest, strip_uri_template};
use crate::forge::transport::{Items, Request};
use crate::forge::{
    AssetUpload, ForgeError, ForgeRelease, MakeLatest, ReleaseApi, ReleaseAsset, ReleaseSpec,
    ReleaseState, encode_path,
};
use serde::Deserialize;

/// A release (`GET /repos/{owner}/{repo}/releases/tags/{tag}`, `POST …/releases`,
/// `PATCH …/releases/{id}`).
#[derive(Deserialize)]
struct GhRelease {
    id: u64,
    tag_name: String,
    name: Option<String>,
    /// The notes; `null` when the release has none.
    body: Option<String>,
    html_url: String,
    upload_url: String,
    draft: bool,
    prerelease: bool,
    #[serde(default)]
    assets: Vec<GhAsset>,
    /// Absent on servers without immutable releases.
    #[serde(default)]
    immutable: Option<bool>,
}

impl GhRelease {
    fn into_release(self, assets: Vec<ReleaseAsset>) -> ForgeRelease {
        ForgeRelease {
            id: self.id.to_string(),
            // GitHub shows the tag where a release has no title.
            name: self
                .name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| self.tag_name.clone()),
            notes: self.body.unwrap_or_default(),
            tag: self.tag_name,
            web_url: self.html_url,
            state: if self.draft {
                ReleaseState::Staged
            } else {
                ReleaseState::Published
            },
            prerelease: self.prerelease,
            assets,
            upload_url: Some(strip_uri_template(&self.upload_url).to_string()),
            immutable: self.immutable.unwrap_or(false) && !self.draft,
        }
    }
}

/// A release asset (`GET /repos/{owner}/{repo}/releases/{id}/assets`, the upload's
/// answer). `digest` is `sha256:…` on github.com since 2025; older servers omit it.
#[derive(Deserialize)]
struct GhAsset {
    id: u64,
    name: String,
    /// Set by the uploader; ours is the file name when GitHub renamed the file.
    label: Option<String>,
    /// `uploaded`, or `starter` for the empty asset an upload that failed with a 502
    /// may leave behind.
    #[serde(default)]
    state: Option<String>,
    size: u64,
    digest: Option<String>,
    browser_download_url: String,
}

/// The name GitHub gives an uploaded file: it "renames asset filenames that have
/// special characters, non-alphanumeric characters, and leading or trailing periods".
/// What uploads show: letters, digits and `-_+` stay; every run of other characters,
/// periods included, becomes one `.` (`a (b).zip` → `a.b.zip`, `x~1.deb` →
/// `x.1.deb`); leading and trailing periods go.
pub(crate) fn stored_name(name: &str) -> String {
    let mut renamed = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || "-_+".contains(c) {
            renamed.push(c);
            in_run = false;
        } else if !in_run {
            renamed.push('.');
            in_run = true;
        }
    }
    renamed.trim_matches('.').to_string()
}

impl GhAsset {
    /// The file name the asset was uploaded as: the label we gave it when GitHub
    /// renamed it, else its name.
    fn file_name(&self) -> &str {
        match self.label.as_deref() {
            Some(label) if !label.is_empty() && stored_name(label) == self.name => label,
            _ => &self.name,
        }
    }

    fn to_asset(&self) -> ReleaseAsset {
        ReleaseAsset {
            id: self.id.to_string(),
            name: self.file_name().to_string(),
            size: Some(self.size),
            sha256: sha256_of_digest(self.digest.as_deref()),
            url: self.browser_download_url.clone(),
            attached: true,
        }
    }
}

impl GitHub {
    /// Every asset of release `id` as GitHub lists it, every page.
    async fn listed_assets(&self, repo: &str, id: &str) -> Result<Vec<GhAsset>, ForgeError> {
        let request = Request::get(GitHub::repo_path(repo, &format!("/releases/{id}/assets")))
            .query("per_page", PAGE_SIZE)
            .what(format!("GET assets of release {id} of {repo}"))
            .needs("contents: read");
        self.api.pages(&request, usize::MAX, Items::Array).await
    }

    /// Every asset of release `id`.
    async fn release_assets(&self, repo: &str, id: u64) -> Result<Vec<ReleaseAsset>, ForgeError> {
        let listed = self.listed_assets(repo, &id.to_string()).await?;
        Ok(listed.iter().map(GhAsset::to_asset).collect())
    }

    /// After an upload whose answer was lost or a 5xx: the asset when the upload
    /// landed whole; an empty `starter` asset (or a partial one) it left is deleted so
    /// the upload can be sent again.
    async fn landed_upload(
        &self,
        repo: &str,
        release: &ForgeRelease,
        upload: &AssetUpload<'_>,
    ) -> Result<Option<GhAsset>, ForgeError> {
        for asset in self.listed_assets(repo, &release.id).await? {
            if asset.file_name() != upload.name && asset.name != stored_name(upload.name) {
                continue;
            }
            if asset.state.as_deref() != Some("starter") && asset.size == upload.bytes.len() as u64
            {
                return Ok(Some(asset));
            }
            let request = Request::delete(GitHub::repo_path(
                repo,
                &format!("/releases/assets/{}", asset.id),
            ))
            .what(format!(
                "DELETE the incomplete asset {} of release {} of {repo}",
                asset.name, release.tag
            ))
            .needs("contents: write");
            self.api.send(&request).await?;
        }
        Ok(None)
    }
}

#[async_trait::async_trait]
impl ReleaseApi for GitHub {
    fn stored_asset_name(&self, name: &str) -> String {
        stored_name(name)
    }

    async fn release(&self, repo: &str, tag: &str) -> Result<Option<ForgeRelease>, ForgeError> {
        let request = Request::get(GitHub::repo_path(
            repo,
            // The description declares `tag` multi-segment: `api/v1.2.0` is sent as
            // two segments (`%2F` is answered 404).
            &format!("/releases/tags/{}", encode_path(tag)),
        ))
        .what(format!("GET release {tag} of {repo}"))
        .needs("contents: read");
        let Some(release) = self.api.optional::<GhRelease>(&request).await? else {
            return Ok(None);
        };
        let assets = self.release_assets(repo, release.id).await?;
        Ok(Some(release.into_release(assets)))
    }

    async fn unattached_release_files(
        &self,
        _repo: &str,
        _spec: &ReleaseSpec,
    ) -> Result<Vec<ReleaseAsset>, ForgeError> {
        Ok(Vec::new())
    }

    async fn stage_release(
        &self,
        repo: &str,
        spec: &ReleaseSpec,
    ) -> Result<ForgeRelease, ForgeError> {
        let request = Request::post(GitHub::repo_path(repo, "/releases"))
            .what(format!("POST draft release {} of {repo}", spec.tag))
            .needs("contents: write")
            .json(&serde_json::json!({
                "tag_name": spec.tag,
                "name": spec.name,
                "body": spec.notes.clone().unwrap_or_default(),
                "draft": true,
                "prerelease": spec.prerelease,
            }));
        // A second POST makes a second draft: after a lost answer, look among the
        // drafts (found only in the list) for this tag's.
        let landed = || async {
            let list = Request::get(GitHub::repo_path(repo, "/releases"))
                .query("per_page", PAGE_SIZE)
                .what(format!("GET releases of {repo}"))
                .needs("contents: write");
            let releases: Vec<GhRelease> = self.api.pages(&list, usize::MAX, Items::Array).await?;
            Ok(releases
                .into_iter()
                .find(|r| r.draft && r.tag_name == spec.tag))
        };
        let release: GhRelease = self.api.write_once(&request, landed).await?;
        let assets = release.assets.iter().map(GhAsset::to_asset).collect();
        Ok(release.into_release(assets))
    }

    async fn upload_release_asset(
        &self,
        repo: &str,
        release: &ForgeRelease,
        _spec: &ReleaseSpec,
        upload: &AssetUpload<'_>,
    ) -> Result<ReleaseAsset, ForgeError> {
        let what = format!(
            "POST asset {} to release {} of {repo}",
            upload.name, release.tag
        );
        let base = release
            .upload_url
            .as_deref()
            .ok_or_else(|| ForgeError::Decode {
                what: what.clone(),
                message: "the release has no upload_url".into(),
            })?;
        let mut request = Request::post(base).query("name", upload.name);
        if stored_name(upload.name) != upload.name {
            // GitHub renames the file; the label keeps the name it was given.
            request = request.query("label", upload.name);
        }
        let request = request
            .what(what)
            .needs("contents: write")
            .bytes(upload.content_type, upload.bytes.clone());
        let asset: GhAsset = self
            .api
            .write_once(&request, || self.landed_upload(repo, release, upload))
            .await?;
        Ok(asset.to_asset())
    }

    async fn publish_release(
        &self,
        repo: &str,
        release: &ForgeRelease,
        spec: &ReleaseSpec,
        _attach: &[ReleaseAsset],
    ) -> Result<ForgeRelease, ForgeError> {
        let what = match release.state {
            ReleaseState::Staged => format!("PATCH publish release {} of {repo}", spec.tag),
            ReleaseState::Published => format!("PATCH release {} of {repo}", spec.tag),
        };
        let mut body = serde_json::json!({"name": spec.name});
        if let Some(notes) = &spec.notes {
            body["body"] = notes.as_str().into();
        }
        // An immutable release takes a new title and notes, nothing else.
        if !release.immutable {
            body["prerelease"] = spec.prerelease.into();
        }
        if release.state == ReleaseState::Staged {
            body["draft"] = false.into();
        }
        // GitHub refuses to make a pre-release the latest one.
        if !spec.prerelease && !release.immutable {
            body["make_latest"] = match spec.make_latest {
                MakeLatest::Auto => "legacy",
                MakeLatest::Yes => "true",
                MakeLatest::No => "false",
            }
            .into();
        }
        let request = Request::patch(GitHub::repo_path(
            repo,
            &format!("/releases/{}", release.id),
        ))
        .what(what)
        .needs("contents: write")
        .json(&body);
        let published: GhRelease = self.api.json(&request).await?;
        let assets = self.release_assets(repo, published.id).await?;
        Ok(published.into_release(assets))
    }

    async fn discard_release(&self, repo: &str, release: &ForgeRelease) -> Result<(), ForgeError> {
        let request = Request::delete(GitHub::repo_path(
            repo,
            &format!("/releases/{}", release.id),
        ))
        .what(format!("DELETE draft release {} of {repo}", release.id))
        .needs("contents: write");
        self.api.send(&request).await.map(|_| ())
    }

    async fn download_release_asset(
        &self,
        repo: &str,
        asset: &ReleaseAsset,
    ) -> Result<bytes::Bytes, ForgeError> {
        let request = Request::get(GitHub::repo_path(
            repo,
            &format!("/releases/assets/{}", asset.id),
        ))
        .accept("application/octet-stream")
        .what(format!("GET release asset {} of {repo}", asset.name))
        .needs("contents: read");
        Ok(self.api.send(&request).await?.body)
    }
}
