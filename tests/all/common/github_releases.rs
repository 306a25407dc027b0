//! A stateful mock of GitHub's release API for `acme/tool` (a draft is invisible by
//! tag, an upload adds an asset with its digest, a failed publish leaves the draft to
//! be deleted) and of the workflow runs that built the tagged commit: shared by the
//! publish-release tests and the flows that publish.

use super::archive::sha256_hex;
use super::{MockApi, MockResponse, Recorded};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The commit the release tag `v1.2.0` points at.
pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

#[derive(Clone)]
pub struct GhAsset {
    pub id: u64,
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Older GitHub Enterprise servers report no digest.
    pub digest: bool,
}

#[derive(Clone)]
pub struct GhRelease {
    pub id: u64,
    pub tag: String,
    pub name: String,
    pub body: String,
    pub draft: bool,
    pub prerelease: bool,
    pub make_latest: Option<String>,
    pub assets: Vec<GhAsset>,
}

#[derive(Default)]
pub struct GhState {
    pub next_id: u64,
    pub releases: Vec<GhRelease>,
    /// An upload of this name is refused with 422.
    pub refuse_upload: Option<String>,
    /// This many uploads answer 502 first (a flaky upload host).
    pub bad_gateways: usize,
}

/// GitHub's release API for `acme/tool`, with state.
pub struct FakeGitHub {
    pub api: MockApi,
    pub state: Arc<Mutex<GhState>>,
}

impl FakeGitHub {
    pub fn start() -> FakeGitHub {
        FakeGitHub::for_tag("v1.2.0", SHA)
    }

    /// The release API of `acme/tool` whose tag `tag` points at `commit`.
    pub fn for_tag(tag: &str, commit: &str) -> FakeGitHub {
        let api = MockApi::github();
        let state = Arc::new(Mutex::new(GhState {
            next_id: 100,
            ..GhState::default()
        }));
        let base = api.url();
        api.on(
            "GET",
            &format!("/repos/acme/tool/git/ref/tags/{tag}"),
            MockResponse::json(
                200,
                json!({"ref": format!("refs/tags/{tag}"), "node_id": "REF_1",
                       "url": format!("{base}/repos/acme/tool/git/refs/tags/{tag}"),
                       "object": {"sha": commit, "type": "commit", "url": format!("{base}/repos/acme/tool/git/commits/{commit}")}}),
            ),
        );
        let st = state.clone();
        api.handle(move |r| github_release_api(&base, &st, r));
        FakeGitHub { api, state }
    }

    pub fn with_release(&self, draft: bool, assets: &[(&str, &[u8], bool)]) -> u64 {
        let mut st = self.state.lock().unwrap();
        st.next_id += 1;
        let id = st.next_id;
        let assets = assets
            .iter()
            .enumerate()
            .map(|(i, (name, bytes, digest))| GhAsset {
                id: 9000 + i as u64,
                name: name.to_string(),
                content_type: "application/gzip".into(),
                bytes: bytes.to_vec(),
                digest: *digest,
            })
            .collect();
        st.releases.push(GhRelease {
            id,
            tag: "v1.2.0".into(),
            name: "Tool 1.2.0".into(),
            body: "old notes".into(),
            draft,
            prerelease: false,
            make_latest: None,
            assets,
        });
        id
    }

    pub fn releases(&self) -> Vec<GhRelease> {
        self.state.lock().unwrap().releases.clone()
    }
}

pub fn gh_asset_json(base: &str, tag: &str, a: &GhAsset) -> Value {
    json!({"url": format!("{base}/repos/acme/tool/releases/assets/{}", a.id),
           "browser_download_url": format!("https://github.com/acme/tool/releases/download/{tag}/{}", a.name),
           "id": a.id, "node_id": format!("RA_{}", a.id), "name": a.name, "label": "",
           "state": "uploaded", "content_type": a.content_type, "size": a.bytes.len(),
           "digest": if a.digest { Value::from(format!("sha256:{}", sha256_hex(&a.bytes))) } else { Value::Null },
           "download_count": 0, "created_at": "2026-01-15T12:00:00Z", "updated_at": "2026-01-15T12:00:00Z",
           "uploader": null})
}

pub fn gh_release_json(base: &str, r: &GhRelease) -> Value {
    let html_tag = if r.draft {
        format!("untagged-{}", r.id)
    } else {
        r.tag.clone()
    };
    json!({"url": format!("{base}/repos/acme/tool/releases/{}", r.id),
           "html_url": format!("https://github.com/acme/tool/releases/tag/{html_tag}"),
           "assets_url": format!("{base}/repos/acme/tool/releases/{}/assets", r.id),
           "upload_url": format!("{base}/repos/acme/tool/releases/{}/assets{{?name,label}}", r.id),
           "tarball_url": null, "zipball_url": null,
           "id": r.id, "node_id": format!("RE_{}", r.id), "tag_name": r.tag, "target_commitish": "main",
           "name": r.name, "body": r.body, "draft": r.draft, "prerelease": r.prerelease,
           "created_at": "2026-01-15T12:00:00Z", "published_at": if r.draft { Value::Null } else { "2026-01-15T12:00:00Z".into() },
           "author": {"login": "release-bot", "id": 1},
           "assets": r.assets.iter().map(|a| gh_asset_json(base, &r.tag, a)).collect::<Vec<_>>()})
}

pub fn github_release_api(
    base: &str,
    state: &Mutex<GhState>,
    r: &Recorded,
) -> Option<MockResponse> {
    let mut st = state.lock().unwrap();
    let rest = r.path.strip_prefix("/repos/acme/tool/releases")?;
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    match (r.method.as_str(), parts.as_slice()) {
        ("POST", []) => {
            let body = r.json();
            st.next_id += 1;
            let release = GhRelease {
                id: st.next_id,
                tag: body["tag_name"].as_str().unwrap().into(),
                name: body["name"].as_str().unwrap_or("").into(),
                body: body["body"].as_str().unwrap_or("").into(),
                draft: body["draft"].as_bool().unwrap_or(false),
                prerelease: body["prerelease"].as_bool().unwrap_or(false),
                make_latest: None,
                assets: Vec::new(),
            };
            let json = gh_release_json(base, &release);
            st.releases.push(release);
            Some(MockResponse::json(201, json))
        }
        ("GET", ["tags", tag]) => Some(
            // Drafts are not found by tag.
            match st.releases.iter().find(|x| x.tag == *tag && !x.draft) {
                Some(x) => MockResponse::json(200, gh_release_json(base, x)),
                None => MockResponse::github_not_found(),
            },
        ),
        ("GET", ["assets", id]) => {
            assert_eq!(r.header("accept"), Some("application/octet-stream"));
            let asset = st
                .releases
                .iter()
                .flat_map(|x| &x.assets)
                .find(|a| a.id.to_string() == *id)?;
            Some(MockResponse::bytes(
                200,
                "application/octet-stream",
                asset.bytes.clone(),
            ))
        }
        (method, [id, rest @ ..]) => {
            if method == "POST" && rest == ["assets"] && st.bad_gateways > 0 {
                st.bad_gateways -= 1;
                return Some(MockResponse::json(502, json!({"message": "Server Error"})));
            }
            let refuse = st.refuse_upload.clone();
            let next = st.next_id + 1000;
            let index = st.releases.iter().position(|x| x.id.to_string() == *id)?;
            let release = &mut st.releases[index];
            match (method, rest) {
                ("PATCH", []) => {
                    let body = r.json();
                    if let Some(d) = body["draft"].as_bool() {
                        release.draft = d;
                    }
                    if let Some(p) = body["prerelease"].as_bool() {
                        release.prerelease = p;
                    }
                    if let Some(n) = body["name"].as_str() {
                        release.name = n.into();
                    }
                    if let Some(b) = body["body"].as_str() {
                        release.body = b.into();
                    }
                    release.make_latest = body["make_latest"].as_str().map(str::to_string);
                    Some(MockResponse::json(200, gh_release_json(base, release)))
                }
                ("DELETE", []) => {
                    st.releases.remove(index);
                    Some(MockResponse::bytes(204, "text/plain", Vec::new()))
                }
                ("GET", ["assets"]) => {
                    let page: usize = r
                        .query
                        .split('&')
                        .find_map(|kv| kv.strip_prefix("page="))
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(1);
                    let items: Vec<Value> = if page == 1 {
                        let tag = release.tag.clone();
                        release
                            .assets
                            .iter()
                            .map(|a| gh_asset_json(base, &tag, a))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    Some(MockResponse::json(200, Value::Array(items)))
                }
                ("POST", ["assets"]) => {
                    let name = r
                        .query
                        .split('&')
                        .find_map(|kv| kv.strip_prefix("name="))
                        .unwrap()
                        .to_string();
                    if refuse.as_deref() == Some(name.as_str()) {
                        return Some(MockResponse::json(
                            422,
                            json!({"message": "Validation Failed", "errors": [{"resource": "ReleaseAsset", "code": "custom", "field": "size", "message": "size is too large"}],
                                   "documentation_url": "https://docs.github.com/rest/releases/assets#upload-a-release-asset", "status": "422"}),
                        ));
                    }
                    if release.assets.iter().any(|a| a.name == name) {
                        return Some(MockResponse::json(
                            422,
                            json!({"message": "Validation Failed", "errors": [{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}]}),
                        ));
                    }
                    let asset = GhAsset {
                        id: next,
                        name,
                        content_type: r.header("content-type").unwrap_or("").into(),
                        bytes: r.body.clone(),
                        digest: true,
                    };
                    let tag = release.tag.clone();
                    let json = gh_asset_json(base, &tag, &asset);
                    release.assets.push(asset);
                    st.next_id += 1;
                    Some(MockResponse::json(201, json))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The workflow runs of the tagged commit: this release run (in progress) and the CI
/// run that built it.
pub fn github_runs(gh: &FakeGitHub, ci_conclusion: &str) {
    github_runs_of(gh, SHA, ci_conclusion);
}

/// The workflow runs of `commit`, as [`github_runs`].
pub fn github_runs_of(gh: &FakeGitHub, commit: &str, ci_conclusion: &str) {
    let base = gh.api.url();
    let run = |id: u64, name: &str, path: &str, status: &str, conclusion: Value, workflow: u64| {
        json!({"id": id, "name": name, "node_id": format!("WR_{id}"), "head_branch": "main", "head_sha": commit,
               "path": path, "run_number": id, "event": "push", "display_title": "release",
               "status": status, "conclusion": conclusion, "workflow_id": workflow,
               "url": format!("{base}/repos/acme/tool/actions/runs/{id}"),
               "html_url": format!("https://github.com/acme/tool/actions/runs/{id}"),
               "created_at": "2026-01-15T12:00:00Z", "updated_at": "2026-01-15T12:05:00Z", "run_attempt": 1})
    };
    gh.api.on(
        "GET",
        "/repos/acme/tool/actions/runs",
        MockResponse::json(
            200,
            json!({"total_count": 3, "workflow_runs": [
                run(99, "release", ".github/workflows/release.yml", "in_progress", Value::Null, 2),
                run(12, "CI", ".github/workflows/ci.yml", "completed", ci_conclusion.into(), 1),
                run(11, "CI", ".github/workflows/ci.yml", "completed", "failure".into(), 1),
            ]}),
        ),
    );
}
