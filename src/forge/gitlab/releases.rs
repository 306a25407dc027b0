//! Releases and the generic package files they link to.

use super::{GitLab, PAGE_SIZE};
use crate::forge::Platform;
use crate::forge::transport::{Items, Request};
use crate::forge::{
    AssetUpload, ForgeError, ForgeRelease, ReleaseApi, ReleaseAsset, ReleaseSpec, ReleaseState,
    encode_segment,
};
use serde::Deserialize;

/// What writing a release or a package file needs.
const RELEASES_WRITE: &str = "api (or a job token)";

/// A release (`GET/POST/PUT /projects/:id/releases[/:tag_name]`).
#[derive(Deserialize)]
struct GlRelease {
    tag_name: String,
    name: Option<String>,
    /// The notes (Markdown); `null` when the release has none.
    description: Option<String>,
    assets: Option<GlAssets>,
    #[serde(rename = "_links")]
    links: Option<GlReleaseLinks>,
}

#[derive(Deserialize)]
struct GlAssets {
    #[serde(default)]
    links: Vec<GlLink>,
}

#[derive(Deserialize)]
struct GlLink {
    id: u64,
    name: String,
    url: String,
}

#[derive(Deserialize)]
struct GlReleaseLinks {
    #[serde(rename = "self")]
    this: Option<String>,
}

/// `GET /projects/:id/packages` ("List packages within a project").
#[derive(Deserialize)]
struct GlPackage {
    id: u64,
    name: String,
    version: String,
}

/// `GET /projects/:id/packages/:package_id/package_files`, and the answer of a generic
/// package upload with `select=package_file`.
#[derive(Deserialize, Clone)]
struct GlPackageFile {
    id: u64,
    file_name: String,
    size: u64,
    file_sha256: Option<String>,
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

impl GitLab {
    fn package_file_endpoint(repo: &str, package: &str, version: &str, file: &str) -> String {
        GitLab::project(
            repo,
            &format!(
                "/packages/generic/{}/{}/{}",
                encode_segment(package),
                encode_segment(version),
                encode_segment(file)
            ),
        )
    }

    /// The download URL of a generic package file (the link a release shows).
    fn package_file_url(&self, repo: &str, package: &str, version: &str, file: &str) -> String {
        format!(
            "{}/{}",
            self.api.base(),
            GitLab::package_file_endpoint(repo, package, version, file)
        )
    }

    fn package_asset(&self, repo: &str, spec: &ReleaseSpec, file: GlPackageFile) -> ReleaseAsset {
        ReleaseAsset {
            id: file.id.to_string(),
            url: self.package_file_url(repo, &spec.package, &spec.tag, &file.file_name),
            name: file.file_name,
            size: Some(file.size),
            sha256: file.file_sha256.map(|s| s.to_ascii_lowercase()),
            attached: false,
        }
    }

    /// The files of the generic package `package` version `version`, the newest of
    /// each name (GitLab keeps duplicates unless the project forbids them).
    async fn package_files(
        &self,
        repo: &str,
        package: &str,
        version: &str,
    ) -> Result<Vec<GlPackageFile>, ForgeError> {
        let what = format!("GET generic package {package} {version} of {repo}");
        // `package_name` is a fuzzy filter: keep the exact name and version.
        let request = Request::get(GitLab::project(repo, "/packages"))
            .query("package_type", "generic")
            .query("package_name", package)
            .query("package_version", version)
            .query("per_page", PAGE_SIZE)
            .what(&what)
            .needs("read_api (or a job token)");
        let packages: Vec<GlPackage> = self.api.pages(&request, usize::MAX, Items::Array).await?;
        let mut files: Vec<GlPackageFile> = Vec::new();
        for p in packages
            .iter()
            .filter(|p| p.name == package && p.version == version)
        {
            let request = Request::get(GitLab::project(
                repo,
                &format!("/packages/{}/package_files", p.id),
            ))
            .query("per_page", PAGE_SIZE)
            .what(&what)
            .needs("read_api (or a job token)");
            files.extend(
                self.api
                    .pages::<GlPackageFile>(&request, usize::MAX, Items::Array)
                    .await?,
            );
        }
        files.sort_by_key(|f| f.id);
        let mut newest: Vec<GlPackageFile> = Vec::new();
        for file in files.into_iter().rev() {
            if !newest.iter().any(|f| f.file_name == file.file_name) {
                newest.push(file);
            }
        }
        newest.reverse();
        Ok(newest)
    }

    /// A release with the size and sha256 of every link that leads to one of this
    /// project's generic package files.
    async fn release_with_files(
        &self,
        repo: &str,
        release: GlRelease,
    ) -> Result<ForgeRelease, ForgeError> {
        // `…/api/v4/projects/acme%2Fapi/packages/generic/` + `name/version/file`
        let prefix = format!(
            "{}/{}",
            self.api.base(),
            GitLab::project(repo, "/packages/generic/")
        );
        let mut known: Vec<((String, String), Vec<GlPackageFile>)> = Vec::new();
        let mut assets = Vec::new();
        for link in release.assets.map(|a| a.links).unwrap_or_default() {
            let package = link.url.strip_prefix(prefix.as_str()).and_then(|rest| {
                let mut parts = rest.splitn(3, '/');
                Some((
                    parts.next()?.to_string(),
                    parts.next()?.to_string(),
                    parts.next()?.to_string(),
                ))
            });
            let mut file = None;
            if let Some((name, version, file_name)) = package {
                let name = decode(&name);
                let version = decode(&version);
                let key = (name.clone(), version.clone());
                if !known.iter().any(|(k, _)| *k == key) {
                    let files = self.package_files(repo, &name, &version).await?;
                    known.push((key.clone(), files));
                }
                let file_name = decode(&file_name);
                file = known
                    .iter()
                    .find(|(k, _)| *k == key)
                    .and_then(|(_, files)| files.iter().find(|f| f.file_name == file_name))
                    .cloned();
            }
            assets.push(ReleaseAsset {
                id: link.id.to_string(),
                name: link.name,
                size: file.as_ref().map(|f| f.size),
                sha256: file
                    .and_then(|f| f.file_sha256)
                    .map(|s| s.to_ascii_lowercase()),
                url: link.url,
                attached: true,
            });
        }
        Ok(ForgeRelease {
            id: release.tag_name.clone(),
            name: release.name.unwrap_or_else(|| release.tag_name.clone()),
            notes: release.description.unwrap_or_default(),
            tag: release.tag_name,
            web_url: release.links.and_then(|l| l.this).unwrap_or_default(),
            state: ReleaseState::Published,
            prerelease: false,
            assets,
            upload_url: None,
            immutable: false,
        })
    }
}

/// A release's asset link to `asset`.
fn link(asset: &ReleaseAsset) -> serde_json::Value {
    serde_json::json!({
        "name": asset.name,
        "url": asset.url,
        // Gives the permalinks /-/releases/<tag>/downloads/<name> and
        // /-/releases/permalink/latest/downloads/<name>.
        "direct_asset_path": format!("/{}", asset.name),
        "link_type": "package",
    })
}

/// GitLab's rule for generic package names and file names (`Gitlab::Regex::Packages`).
fn is_package_file_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
}

/// GitLab's rule for generic package versions: word characters, `+`, `.`, `-`, and
/// no `..`.
fn is_package_version(version: &str) -> bool {
    !version.is_empty()
        && !version.contains("..")
        && version
            .chars()
            .all(|c| c.is_alphanumeric() || "_+.-".contains(c))
}

#[async_trait::async_trait]
impl ReleaseApi for GitLab {
    fn check_release_files(&self, spec: &ReleaseSpec, names: &[&str]) -> Result<(), ForgeError> {
        let unacceptable = |what: String, rule: &str| ForgeError::Unacceptable {
            what,
            rule: rule.to_string(),
        };
        if !is_package_file_name(&spec.package) {
            return Err(unacceptable(
                format!("the generic package name {}", spec.package),
                "GitLab takes only letters, digits, `.`, `_`, `+` and `-` in a package name",
            ));
        }
        if !is_package_version(&spec.tag) {
            return Err(unacceptable(
                format!(
                    "the tag {} as the version of GitLab's generic package {}",
                    spec.tag, spec.package
                ),
                "GitLab takes only letters, digits, `_`, `+`, `.` and `-` in a package version, \
                 and no `..` (publish from a tag such as v1.2.0)",
            ));
        }
        if let Some(name) = names.iter().find(|n| !is_package_file_name(n)) {
            return Err(unacceptable(
                format!(
                    "the file name {name:?} for GitLab's generic package {}",
                    spec.package
                ),
                "GitLab takes only letters, digits, `.`, `_`, `+` and `-` in a file name \
                 (rename the file)",
            ));
        }
        Ok(())
    }

    async fn release(&self, repo: &str, tag: &str) -> Result<Option<ForgeRelease>, ForgeError> {
        let request = Request::get(GitLab::project(
            repo,
            &format!("/releases/{}", encode_segment(tag)),
        ))
        .what(format!("GET release {tag} of {repo}"))
        .needs("read_api (or a job token)");
        match self.api.optional::<GlRelease>(&request).await? {
            Some(release) => Ok(Some(self.release_with_files(repo, release).await?)),
            None => Ok(None),
        }
    }

    async fn unattached_release_files(
        &self,
        repo: &str,
        spec: &ReleaseSpec,
    ) -> Result<Vec<ReleaseAsset>, ForgeError> {
        let files = self.package_files(repo, &spec.package, &spec.tag).await?;
        Ok(files
            .into_iter()
            .map(|f| self.package_asset(repo, spec, f))
            .collect())
    }

    async fn stage_release(
        &self,
        _repo: &str,
        spec: &ReleaseSpec,
    ) -> Result<ForgeRelease, ForgeError> {
        // GitLab has no drafts: the release is created, links and all, when published.
        Ok(ForgeRelease {
            id: spec.tag.clone(),
            tag: spec.tag.clone(),
            name: spec.name.clone(),
            notes: spec.notes.clone().unwrap_or_default(),
            web_url: String::new(),
            state: ReleaseState::Staged,
            prerelease: spec.prerelease,
            assets: Vec::new(),
            upload_url: None,
            immutable: false,
        })
    }

    async fn upload_release_asset(
        &self,
        repo: &str,
        _release: &ForgeRelease,
        spec: &ReleaseSpec,
        upload: &AssetUpload<'_>,
    ) -> Result<ReleaseAsset, ForgeError> {
        let request = Request::put(GitLab::package_file_endpoint(
            repo,
            &spec.package,
            &spec.tag,
            upload.name,
        ))
        .query("select", "package_file")
        .what(format!(
            "PUT {} to the generic package {} {} of {repo}",
            upload.name, spec.package, spec.tag
        ))
        .needs(RELEASES_WRITE)
        .bytes("application/octet-stream", upload.bytes.clone());
        // A second file of one name is refused (400) where the project forbids
        // duplicates: after an answer that was lost, ask whether the upload landed.
        let landed = || async {
            let files = self.package_files(repo, &spec.package, &spec.tag).await?;
            Ok(files.into_iter().find(|f| {
                f.file_name == upload.name
                    && f.file_sha256
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(upload.sha256))
            }))
        };
        let file = match self.api.write_once(&request, landed).await {
            Ok(file) => file,
            Err(ForgeError::Unexpected {
                what,
                status: 400,
                message,
            }) if message.contains("Duplicate package") => {
                return Err(ForgeError::Conflict {
                    what,
                    status: 400,
                    message: format!(
                        "the package already holds another file {} and the project does not \
                         allow duplicate packages (Settings > Packages and registries)",
                        upload.name
                    ),
                });
            }
            Err(e) => return Err(e),
        };
        Ok(self.package_asset(repo, spec, file))
    }

    async fn publish_release(
        &self,
        repo: &str,
        release: &ForgeRelease,
        spec: &ReleaseSpec,
        attach: &[ReleaseAsset],
    ) -> Result<ForgeRelease, ForgeError> {
        if release.state == ReleaseState::Staged {
            let request = Request::post(GitLab::project(repo, "/releases"))
                .what(format!("POST release {} of {repo}", spec.tag))
                .needs(RELEASES_WRITE)
                .json(&serde_json::json!({
                    "tag_name": spec.tag,
                    "name": spec.name,
                    "description": spec.notes.clone().unwrap_or_default(),
                    "assets": {"links": attach.iter().map(link).collect::<Vec<_>>()},
                }));
            // After a lost answer the second POST would meet "Release already
            // exists": look for it first.
            let landed = || async {
                let read = Request::get(GitLab::project(
                    repo,
                    &format!("/releases/{}", encode_segment(&spec.tag)),
                ))
                .what(format!("GET release {} of {repo}", spec.tag))
                .needs("read_api (or a job token)");
                self.api.optional::<GlRelease>(&read).await
            };
            let created: GlRelease = self.api.write_once(&request, landed).await?;
            return self.release_with_files(repo, created).await;
        }
        let this_release =
            GitLab::project(repo, &format!("/releases/{}", encode_segment(&spec.tag)));
        let mut body = serde_json::json!({"name": spec.name});
        if let Some(notes) = &spec.notes {
            body["description"] = notes.as_str().into();
        }
        let request = Request::put(&this_release)
            .what(format!("PUT release {} of {repo}", spec.tag))
            .needs(RELEASES_WRITE)
            .json(&body);
        self.api.send(&request).await?;
        for asset in attach {
            let request = Request::post(format!("{this_release}/assets/links"))
                .what(format!(
                    "POST link {} to release {} of {repo}",
                    asset.name, spec.tag
                ))
                .needs(RELEASES_WRITE)
                .json(&link(asset));
            self.api.send(&request).await?;
        }
        self.release(repo, &spec.tag)
            .await?
            .ok_or_else(|| ForgeError::NotFound {
                what: format!("GET release {} of {repo} after updating it", spec.tag),
            })
    }

    async fn discard_release(
        &self,
        _repo: &str,
        _release: &ForgeRelease,
    ) -> Result<(), ForgeError> {
        // A staged GitLab release was never created. Files already in the package
        // registry stay: a re-run finds them and links them instead of uploading again.
        Ok(())
    }

    async fn download_release_asset(
        &self,
        repo: &str,
        asset: &ReleaseAsset,
    ) -> Result<bytes::Bytes, ForgeError> {
        // Package files come with their sha256; a link elsewhere is not ours to fetch
        // with the token.
        Err(ForgeError::Unsupported {
            platform: Platform::GitLab,
            what: format!(
                "reading the file behind the link {} ({}) of {repo}",
                asset.name, asset.url
            ),
        })
    }
}
