//! What the tools need from a forge, behind one trait: GitHub (octocrab) and GitLab
//! (the `gitlab` crate) implement it, so the release logic never asks which one it
//! talks to.
//!
//! Both clients are used as authenticated HTTP transports; [`http`] owns retries
//! (5xx, 429 and GitHub's secondary rate limit, honouring `Retry-After`), time-outs
//! and the mapping of statuses to [`ForgeError`]s that say which permission is missing.

mod github;
mod gitlab;
pub mod http;

pub use github::GitHub;
pub use gitlab::GitLab;

use crate::ci::Platform;
use crate::ci::context::TokenKind;
use crate::git::Annotation;

/// A token that never shows itself in `Debug` or `Display`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Where the forge is and who the tool is there (from flags and the CI environment).
#[derive(Debug, Clone)]
pub struct ForgeSettings {
    pub platform: Platform,
    pub api_url: Option<String>,
    pub server_url: String,
    pub token: Option<Secret>,
    pub token_kind: TokenKind,
}

impl ForgeSettings {
    /// Git HTTP credentials for this forge's token, in the form the forge expects.
    pub fn git_credentials(&self) -> Option<crate::git::Credentials> {
        let token = self.token.as_ref()?.expose();
        let user = match (self.platform, self.token_kind) {
            (_, TokenKind::JobToken) => "gitlab-ci-token",
            (Platform::GitLab, _) => "oauth2",
            _ => "x-access-token",
        };
        Some(crate::git::Credentials::basic(user, token))
    }
}

/// Errors of forge API calls. Messages name the request, never the token.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error("{what}: not found (404)")]
    NotFound { what: String },
    #[error("{what}: {status} — the token lacks a permission: {hint}")]
    Unauthorized {
        what: String,
        status: u16,
        hint: String,
    },
    #[error("{what}: {status} {message}")]
    Conflict {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: rate limited after {attempts} attempts{}", retry_after.map(|s| format!(" (the forge asks to wait {s} s)")).unwrap_or_default())]
    RateLimited {
        what: String,
        attempts: u32,
        retry_after: Option<u64>,
    },
    #[error("{what}: server error {status} after {attempts} attempts: {message}")]
    Server {
        what: String,
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error("{what}: unexpected status {status}: {message}")]
    Unexpected {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: {message} (after {attempts} attempts)")]
    Transport {
        what: String,
        attempts: u32,
        message: String,
    },
    #[error("{what}: the response is not what the API documents: {message}")]
    Decode { what: String, message: String },
    #[error("{0}")]
    Setup(String),
    #[error("{platform} has no API for {what}")]
    Unsupported { platform: Platform, what: String },
}

/// A tag as the forge API reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTag {
    pub name: String,
    pub commit: String,
    /// `None` for a lightweight tag.
    pub annotation: Option<Annotation>,
}

/// What the tools need from a forge.
#[async_trait::async_trait]
pub trait Forge: Send + Sync {
    fn platform(&self) -> Platform;

    /// The tag `name` of `repo` (`owner/name`), or `None` when it does not exist.
    async fn tag(&self, repo: &str, name: &str) -> Result<Option<RemoteTag>, ForgeError>;

    // --- tag-from-request: commits and annotated tags -------------------------------

    /// Whether `sha` names a commit of `repo`.
    async fn commit_exists(&self, repo: &str, sha: &str) -> Result<bool, ForgeError>;

    /// Creates the annotated tag `name` of `repo` on `commit` with `message`. A tag of
    /// that name that already exists is left as it is and reported as
    /// [`TagCreation::AlreadyExists`] (read it with [`Forge::tag`]); nothing is moved.
    async fn create_annotated_tag(
        &self,
        repo: &str,
        name: &str,
        commit: &str,
        message: &str,
    ) -> Result<TagCreation, ForgeError>;
}

/// What [`Forge::create_annotated_tag`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagCreation {
    Created,
    /// A tag of that name was there already; it was not touched.
    AlreadyExists,
}

/// Connects to the forge the settings name. Plain git has no API.
pub async fn connect(settings: &ForgeSettings) -> Result<Box<dyn Forge>, ForgeError> {
    match settings.platform {
        Platform::GitHub => Ok(Box::new(GitHub::new(settings)?)),
        Platform::GitLab => Ok(Box::new(GitLab::new(settings).await?)),
        Platform::Git => Err(ForgeError::Unsupported {
            platform: Platform::Git,
            what: "API calls".into(),
        }),
    }
}

/// A small runtime for the tools' network calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime can be built")
}

/// Percent-encodes one path segment (GitLab project paths, tag names with `/`).
pub fn encode_segment(text: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(text, KEEP).to_string()
}

/// Percent-encodes a ref path, keeping its `/` separators (GitHub `git/ref/tags/a/b`).
pub fn encode_path(text: &str) -> String {
    text.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}
