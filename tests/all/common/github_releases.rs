//! A stateful mock of GitHub's release API for `acme/tool` (a draft is invisible by
//! tag, an upload adds an asset with its digest, a failed publish leaves the draft to
//! be deleted) and of the workflow runs that built the tagged commit: shared by the
//! publish-release tests and the flows that publish.

use super::archive::sha256_hex;
use super::github_shapes as gh;
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
    /// `uploaded`, or `starter` for the empty asset a failed upload leaves.
    pub state: &'static str,
    pub label: Option<String>,
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
    /// An immutable release cannot take new assets once published.
    pub immutable: bool,
    pub assets: Vec<GhAsset>,
}

#[derive(Default)]
pub struct GhState {
    pub next_id: u64,
    pub releases: Vec<GhRelease>,
    /// An upload of this name is refused with 422.
    pub refuse_upload: Option<String>,
    /// This many uploads answer 502 first (a flaky upload host), leaving the empty
    /// `starter` asset GitHub documents.
    pub bad_gateways: usize,
    /// This many new releases are made but their answer is lost (a 502 from a proxy).
    pub lost_release_answers: usize,
    /// The storage host release downloads redirect to.
    pub storage: Option<Storage>,
}

/// The host GitHub's downloads redirect to (release assets, artifact archives): it
/// serves the bytes to a request that carries no token, and, as signed-URL storage
/// does, refuses one that also carries an `Authorization` header.
#[derive(Clone)]
pub struct Storage {
    api: Arc<MockApi>,
}

impl Storage {
    pub fn start() -> Storage {
        Storage {
            api: Arc::new(MockApi::start()),
        }
    }

    pub fn url(&self) -> String {
        self.api.url()
    }

    /// Serves `bytes` at `path`.
    pub fn serve(&self, path: &str, bytes: Vec<u8>) {
        let path = path.to_string();
        self.api.handle(move |r| {
            if r.path != path {
                return None;
            }
            if r.header("authorization").is_some() {
                return Some(MockResponse::bytes(
                    400,
                    "application/xml",
                    b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidArgument</Code>\
                      <Message>Only one auth mechanism allowed; only the X-Amz-Algorithm query \
                      parameter, Signature query string parameter or the Authorization header \
                      should be specified</Message></Error>"
                        .to_vec(),
                ));
            }
            Some(MockResponse::bytes(
                200,
                "application/octet-stream",
                bytes.clone(),
            ))
        });
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.api.requests()
    }
}

/// GitHub's release API for `acme/tool`, with state.
pub struct FakeGitHub {
    pub api: MockApi,
    pub state: Arc<Mutex<GhState>>,
    pub storage: Storage,
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
                gh::git_ref("acme/tool", &format!("refs/tags/{tag}"), commit, "commit"),
            ),
        );
        let storage = Storage::start();
        state.lock().unwrap().storage = Some(storage.clone());
        let st = state.clone();
        let assets = state.clone();
        storage.api.handle(move |r| {
            let id = r.path.strip_prefix("/release-assets/")?;
            let st = assets.lock().unwrap();
            let asset = st
                .releases
                .iter()
                .flat_map(|x| &x.assets)
                .find(|a| a.id.to_string() == id)?;
            if r.header("authorization").is_some() {
                return Some(MockResponse::bytes(
                    400,
                    "application/xml",
                    b"<Error><Code>InvalidArgument</Code></Error>".to_vec(),
                ));
            }
            Some(MockResponse::bytes(
                200,
                "application/octet-stream",
                asset.bytes.clone(),
            ))
        });
        api.handle(move |r| github_release_api(&base, &st, r));
        FakeGitHub {
            api,
            state,
            storage,
        }
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
                state: "uploaded",
                label: None,
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
            immutable: false,
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
           "id": a.id, "node_id": format!("RA_{}", a.id), "name": a.name,
           "label": a.label.clone().map_or(Value::Null, Value::from),
           "state": a.state, "content_type": a.content_type, "size": a.bytes.len(),
           "digest": if a.digest { Value::from(format!("sha256:{}", sha256_hex(&a.bytes))) } else { Value::Null },
           "download_count": 0, "created_at": gh::DATE, "updated_at": gh::DATE,
           "uploader": gh::user("release-bot")})
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
           "immutable": r.immutable,
           "created_at": gh::DATE, "published_at": if r.draft { Value::Null } else { gh::DATE.into() },
           "author": gh::user("release-bot"),
           "assets": r.assets.iter().map(|a| gh_asset_json(base, &r.tag, a)).collect::<Vec<_>>()})
}

/// The name GitHub gives an uploaded file ("GitHub renames asset filenames that have
/// special characters, non-alphanumeric characters, and leading or trailing periods"),
/// as uploads show it: letters, digits, `-`, `_` and `+` stay, each run of anything
/// else (periods too) is one `.` — `a5_ !#$%&'()+,-.0123.txt` is stored as
/// `a5_.-.0123.txt` — and leading or trailing periods go.
pub fn github_asset_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let kept = c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+');
        if kept {
            out.push(c);
        } else if !out.ends_with('.') {
            out.push('.');
        }
    }
    out.trim_matches('.').to_string()
}

fn query_value(r: &Recorded, key: &str) -> Option<String> {
    super::openapi::query_pairs(&r.query)
        .into_iter()
        .find_map(|(k, v)| (k == key).then_some(v))
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
        ("GET", []) => {
            // Drafts are listed here (to who may push), never found by tag.
            let items: Vec<Value> = st
                .releases
                .iter()
                .rev()
                .map(|x| gh_release_json(base, x))
                .collect();
            Some(super::pages::github_page(base, r, items))
        }
        ("POST", []) => {
            let body = r.json();
            let tag = body["tag_name"].as_str().unwrap_or("").to_string();
            if st.releases.iter().any(|x| x.tag == tag && !x.draft) {
                return Some(MockResponse::json(
                    422,
                    gh::validation_failed("Release", "already_exists", Some("tag_name"), None),
                ));
            }
            st.next_id += 1;
            let release = GhRelease {
                id: st.next_id,
                tag,
                name: body["name"].as_str().unwrap_or("").into(),
                body: body["body"].as_str().unwrap_or("").into(),
                draft: body["draft"].as_bool().unwrap_or(false),
                prerelease: body["prerelease"].as_bool().unwrap_or(false),
                make_latest: None,
                immutable: false,
                assets: Vec::new(),
            };
            let json = gh_release_json(base, &release);
            st.releases.push(release);
            if st.lost_release_answers > 0 {
                st.lost_release_answers -= 1;
                return Some(MockResponse::json(502, gh::error(502, "Server Error")));
            }
            Some(MockResponse::json(201, json))
        }
        ("GET", ["tags", tag @ ..]) => {
            // The tag is the rest of the path, `/` and all; `%2F` is not a `/` here.
            let tag = tag.join("/");
            Some(
                match st.releases.iter().find(|x| x.tag == tag && !x.draft) {
                    Some(x) => MockResponse::json(200, gh_release_json(base, x)),
                    None => MockResponse::github_not_found(),
                },
            )
        }
        ("GET", ["assets", id]) => {
            let asset = st
                .releases
                .iter()
                .flat_map(|x| &x.assets)
                .find(|a| a.id.to_string() == *id)?;
            if r.header("accept") != Some("application/octet-stream") {
                let tag = st
                    .releases
                    .iter()
                    .find(|x| x.assets.iter().any(|a| a.id == asset.id))
                    .map(|x| x.tag.clone())
                    .unwrap_or_default();
                return Some(MockResponse::json(200, gh_asset_json(base, &tag, asset)));
            }
            // The bytes live on another host; GitHub redirects there.
            let storage = st.storage.as_ref()?;
            Some(MockResponse::redirect(
                302,
                &format!("{}/release-assets/{}?sig=abc", storage.url(), asset.id),
            ))
        }
        ("DELETE", ["assets", id]) => {
            let id: u64 = id.parse().ok()?;
            let release = st
                .releases
                .iter_mut()
                .find(|x| x.assets.iter().any(|a| a.id == id))?;
            release.assets.retain(|a| a.id != id);
            Some(MockResponse::bytes(204, "text/plain", Vec::new()))
        }
        (method, [id, rest @ ..]) => {
            let refuse = st.refuse_upload.clone();
            let next = st.next_id + 1000;
            let bad_gateway = method == "POST" && rest == ["assets"] && st.bad_gateways > 0;
            if bad_gateway {
                st.bad_gateways -= 1;
            }
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
                    let tag = release.tag.clone();
                    let items: Vec<Value> = release
                        .assets
                        .iter()
                        .map(|a| gh_asset_json(base, &tag, a))
                        .collect();
                    Some(super::pages::github_page(base, r, items))
                }
                ("POST", ["assets"]) => {
                    let name = github_asset_name(&query_value(r, "name").unwrap_or_default());
                    if release.immutable && !release.draft {
                        return Some(MockResponse::json(
                            422,
                            gh::validation_failed(
                                "ReleaseAsset",
                                "custom",
                                None,
                                Some("Cannot upload assets to an immutable release."),
                            ),
                        ));
                    }
                    if refuse.as_deref() == Some(name.as_str()) {
                        return Some(MockResponse::json(
                            422,
                            gh::validation_failed(
                                "ReleaseAsset",
                                "custom",
                                Some("size"),
                                Some("size is too large"),
                            ),
                        ));
                    }
                    if release.assets.iter().any(|a| a.name == name) {
                        return Some(MockResponse::json(
                            422,
                            gh::validation_failed(
                                "ReleaseAsset",
                                "already_exists",
                                Some("name"),
                                None,
                            ),
                        ));
                    }
                    let mut asset = GhAsset {
                        id: next,
                        name,
                        content_type: r.header("content-type").unwrap_or("").into(),
                        bytes: r.body.clone(),
                        digest: true,
                        state: "uploaded",
                        label: query_value(r, "label"),
                    };
                    st.next_id += 1;
                    if bad_gateway {
                        // "When an upstream failure occurs, you will receive a 502 Bad
                        // Gateway status. This may leave an empty asset with a state of
                        // starter."
                        asset.state = "starter";
                        asset.bytes.clear();
                        st.releases[index].assets.push(asset);
                        return Some(MockResponse::json(502, gh::error(502, "Server Error")));
                    }
                    let tag = st.releases[index].tag.clone();
                    let json = gh_asset_json(base, &tag, &asset);
                    st.releases[index].assets.push(asset);
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
    let run = |id: u64, name: &str, path: &str, status: &str, conclusion: Value, workflow: u64| {
        gh::workflow_run(
            "acme/tool",
            id,
            name,
            path,
            commit,
            status,
            conclusion,
            workflow,
        )
    };
    super::pages::github_pages(
        &gh.api,
        "/repos/acme/tool/actions/runs",
        vec![
            run(
                99,
                "release",
                ".github/workflows/release.yml",
                "in_progress",
                Value::Null,
                2,
            ),
            run(
                12,
                "CI",
                ".github/workflows/ci.yml",
                "completed",
                ci_conclusion.into(),
                1,
            ),
            run(
                11,
                "CI",
                ".github/workflows/ci.yml",
                "completed",
                "failure".into(),
                1,
            ),
        ],
        100,
        super::pages::counted("workflow_runs"),
    );
}
