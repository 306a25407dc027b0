//! A link service over HTTP with a bulk API, in the style of aka.ms's bulk endpoints.
//! The shape supported, relative to the configured `url` (JSON bodies, `Authorization:
//! Bearer <token>` when `token-env` is set):
//!
//! ```text
//! POST {url}          {"links": [{"name": N, "target": T}, …]}   at most 300 links
//!   2xx               created; optionally {"links": [{"name": N, "status": "created"|"exists"}]}
//!                     naming, per link, those that already existed (not changed);
//!                     any other status of a link fails the job
//!   409               nothing created, some already exist; optionally {"existing": [N, …]}
//!                     (without it, any link of the request may exist)
//! GET  {url}/{N}      200 {"name": N, "target": T}, or 404 when there is no such link
//!                     (N is one percent-encoded path segment: `/` is `%2F`)
//! PUT  {url}          {"links": [{"name": N, "target": T}, …]}   at most 300 links; 2xx
//! ```
//!
//! Links are created in chunks of at most 300. Those that already exist are read one
//! by one and only those whose target differs are updated (in bulk), so a second run
//! changes nothing. Every call is retried on 5xx, 429 and time-outs by
//! `forge::http`'s policy; a create that is retried after the service did
//! create some links sees them as existing, reads them, and reports them unchanged.
//! A dry run only reads (`GET`), to report what would change.

use super::{Link, LinkStatus, LinksError};
use crate::forge::http::{self, Call, Policy, Response};
use crate::forge::{ForgeError, Secret, encode_segment};
use serde::{Deserialize, Serialize};

/// The most links one bulk request carries.
pub const CHUNK: usize = 300;

pub struct LinkService {
    client: reqwest::Client,
    url: String,
    token: Option<Secret>,
    policy: Policy,
}

#[derive(Serialize)]
struct Bulk<'a> {
    links: Vec<BulkLink<'a>>,
}

#[derive(Serialize)]
struct BulkLink<'a> {
    name: &'a str,
    target: &'a str,
}

/// The optional per-link answer of a bulk create.
#[derive(Deserialize, Default)]
struct CreateResults {
    #[serde(default)]
    links: Vec<CreateResult>,
}

#[derive(Deserialize)]
struct CreateResult {
    name: String,
    status: String,
}

/// The optional body of a 409.
#[derive(Deserialize, Default)]
struct Existing {
    #[serde(default)]
    existing: Vec<String>,
}

/// `GET {url}/{name}`.
#[derive(Deserialize)]
struct StoredLink {
    target: String,
}

impl LinkService {
    pub fn new(url: &str, token: Option<Secret>) -> Result<LinkService, LinksError> {
        let policy = Policy::default();
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .user_agent(concat!("release-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LinksError::Service {
                url: url.to_string(),
                message: format!("cannot set up an HTTP client: {e}"),
            })?;
        Ok(LinkService {
            client,
            url: url.trim_end_matches('/').to_string(),
            token,
            policy,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<Vec<u8>>,
        allowed: &[u16],
        call: &Call<'_>,
    ) -> Result<Response, ForgeError> {
        http::send_allowing(&self.policy, call, allowed, || {
            let mut request = self.client.request(method.clone(), url);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token.expose());
            }
            if let Some(body) = &body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            async move {
                let response = request.send().await.map_err(|e| transport(&e))?;
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = response.bytes().await.map_err(|e| transport(&e))?;
                Ok(Response {
                    status,
                    headers,
                    body,
                })
            }
        })
        .await
    }

    fn body(links: &[&Link]) -> Vec<u8> {
        serde_json::to_vec(&Bulk {
            links: links
                .iter()
                .map(|l| BulkLink {
                    name: &l.name,
                    target: &l.target,
                })
                .collect(),
        })
        .expect("links serialize")
    }

    /// Creates what it can of `links` (one chunk); returns the names that exist already.
    async fn create(&self, links: &[&Link]) -> Result<Vec<String>, LinksError> {
        let what = format!("POST {} links to {}", links.len(), self.url);
        let call = Call {
            what: &what,
            permission: "a token allowed to create links",
        };
        let response = self
            .call(
                reqwest::Method::POST,
                &self.url,
                Some(Self::body(links)),
                &[409],
                &call,
            )
            .await?;
        if response.status == 409 {
            let existing: Existing = if response.body.iter().all(u8::is_ascii_whitespace) {
                Existing::default()
            } else {
                response.json(&what).unwrap_or_default()
            };
            // Nothing was created: the ones that do not exist go again.
            let (exist, fresh): (Vec<&Link>, Vec<&Link>) = if existing.existing.is_empty() {
                (links.to_vec(), Vec::new())
            } else {
                links
                    .iter()
                    .partition(|l| existing.existing.contains(&l.name))
            };
            if exist.is_empty() {
                return Err(LinksError::Service {
                    url: self.url.clone(),
                    message: "409 names only links that were not asked for".into(),
                });
            }
            let mut names: Vec<String> = exist.iter().map(|l| l.name.clone()).collect();
            if !fresh.is_empty() {
                let again = Box::pin(self.create(&fresh)).await?;
                names.extend(again);
            }
            return Ok(names);
        }
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        let results: CreateResults = response.json(&what).map_err(|e| LinksError::Service {
            url: self.url.clone(),
            message: e.to_string(),
        })?;
        let mut existing = Vec::new();
        for result in results.links {
            match result.status.as_str() {
                "created" => {}
                "exists" | "conflict" => existing.push(result.name),
                other => {
                    return Err(LinksError::Service {
                        url: self.url.clone(),
                        message: format!("link {} was not created: {other}", result.name),
                    });
                }
            }
        }
        Ok(existing)
    }

    /// The link's current target, or `None` when there is no such link.
    async fn read(&self, name: &str) -> Result<Option<String>, LinksError> {
        let what = format!("GET link {name} from {}", self.url);
        let call = Call {
            what: &what,
            permission: "a token allowed to read links",
        };
        let url = format!("{}/{}", self.url, encode_segment(name));
        let response = self
            .call(reqwest::Method::GET, &url, None, &[404], &call)
            .await?;
        if response.status == 404 {
            return Ok(None);
        }
        let stored: StoredLink = response.json(&what)?;
        Ok(Some(stored.target))
    }

    async fn update(&self, links: &[&Link]) -> Result<(), LinksError> {
        for chunk in links.chunks(CHUNK) {
            let what = format!("PUT {} links to {}", chunk.len(), self.url);
            let call = Call {
                what: &what,
                permission: "a token allowed to update links",
            };
            self.call(
                reqwest::Method::PUT,
                &self.url,
                Some(Self::body(chunk)),
                &[],
                &call,
            )
            .await?;
        }
        Ok(())
    }

    /// Creates or updates `links`; per link, its status and the target it had.
    pub async fn upsert(
        &self,
        links: &[Link],
    ) -> Result<Vec<(LinkStatus, Option<String>)>, LinksError> {
        let mut outcomes: Vec<(LinkStatus, Option<String>)> =
            vec![(LinkStatus::Created, None); links.len()];
        let mut to_update: Vec<&Link> = Vec::new();
        for (n, chunk) in links.chunks(CHUNK).enumerate() {
            let refs: Vec<&Link> = chunk.iter().collect();
            let existing = self.create(&refs).await?;
            for (i, link) in chunk.iter().enumerate() {
                if !existing.contains(&link.name) {
                    continue;
                }
                let index = n * CHUNK + i;
                match self.read(&link.name).await? {
                    Some(target) if target == link.target => {
                        outcomes[index] = (LinkStatus::Unchanged, Some(target));
                    }
                    Some(target) => {
                        outcomes[index] = (LinkStatus::Updated, Some(target));
                        to_update.push(link);
                    }
                    None => {
                        return Err(LinksError::Service {
                            url: self.url.clone(),
                            message: format!(
                                "link {} was reported as existing, but reading it finds none",
                                link.name
                            ),
                        });
                    }
                }
            }
        }
        self.update(&to_update).await?;
        Ok(outcomes)
    }

    /// What [`LinkService::upsert`] would do, found by reading each link.
    pub async fn plan(
        &self,
        links: &[Link],
    ) -> Result<Vec<(LinkStatus, Option<String>)>, LinksError> {
        let mut outcomes = Vec::new();
        for link in links {
            outcomes.push(match self.read(&link.name).await? {
                None => (LinkStatus::Created, None),
                Some(target) if target == link.target => (LinkStatus::Unchanged, Some(target)),
                Some(target) => (LinkStatus::Updated, Some(target)),
            });
        }
        Ok(outcomes)
    }
}

fn transport(error: &reqwest::Error) -> String {
    use std::error::Error;
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    message
}
