//! Does a URL answer? A HEAD request, then a GET when HEAD gets anything but 200 (some
//! servers refuse HEAD or answer it differently), each following redirects, under the
//! forge calls' retry and time-out policy. No token is ever sent: these are public
//! pages and download links.

use super::{Check, CheckKind};
use crate::forge::ForgeError;
use crate::forge::http::{self, Call, Policy, Response};
use std::sync::Mutex;

/// How many redirects are followed (docs pages, short links, release downloads).
pub const MAX_REDIRECTS: usize = 10;

pub struct Prober {
    client: Result<reqwest::Client, String>,
    policy: Policy,
}

impl Default for Prober {
    fn default() -> Self {
        Self::new()
    }
}

impl Prober {
    pub fn new() -> Prober {
        let policy = Policy::default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .connect_timeout(policy.timeout)
            .timeout(policy.timeout)
            .user_agent(concat!("release-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"));
        Prober { client, policy }
    }

    /// The check that `url` answers 200 after redirects.
    pub async fn check(&self, url: &str) -> Check {
        let (found, holds) = match self.status(url).await {
            Ok((200, final_url)) if final_url == url => ("200".to_string(), true),
            Ok((200, final_url)) => (format!("200 at {final_url}"), true),
            Ok((status, final_url)) if final_url == url => (status.to_string(), false),
            Ok((status, final_url)) => (format!("{status} at {final_url}"), false),
            Err(message) => (message, false),
        };
        Check {
            kind: CheckKind::Url,
            subject: url.to_string(),
            expected: "200".to_string(),
            found,
            holds,
        }
    }

    /// The final status and URL: HEAD, and GET unless HEAD got 200.
    async fn status(&self, url: &str) -> Result<(u16, String), String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let head = self.request(client, reqwest::Method::HEAD, url).await?;
        if head.0 == 200 {
            return Ok(head);
        }
        self.request(client, reqwest::Method::GET, url).await
    }

    async fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        url: &str,
    ) -> Result<(u16, String), String> {
        let what = format!("{method} {url}");
        let call = Call {
            what: &what,
            permission: "none (a public URL)",
        };
        let final_url = Mutex::new(url.to_string());
        let answer = http::send(&self.policy, &call, || {
            let request = client.request(method.clone(), url);
            let final_url = &final_url;
            async move {
                let response = request.send().await.map_err(|e| describe(&e))?;
                *final_url.lock().expect("not poisoned") = response.url().to_string();
                // Only the status matters; the body is not read.
                Ok(Response {
                    status: response.status().as_u16(),
                    headers: response.headers().clone(),
                    body: bytes::Bytes::new(),
                })
            }
        })
        .await;
        let final_url = final_url.into_inner().expect("not poisoned");
        match answer {
            Ok(response) => Ok((response.status, final_url)),
            Err(error) => match status_of(&error) {
                Some(status) => Ok((status, final_url)),
                None => Err(error.to_string().replacen(&format!("{what}: "), "", 1)),
            },
        }
    }
}

/// The HTTP status an error stands for, when it is one.
fn status_of(error: &ForgeError) -> Option<u16> {
    match error {
        ForgeError::NotFound { .. } => Some(404),
        ForgeError::Unauthorized { status, .. }
        | ForgeError::Conflict { status, .. }
        | ForgeError::Server { status, .. }
        | ForgeError::Unexpected { status, .. } => Some(*status),
        ForgeError::RateLimited { .. } => Some(429),
        _ => None,
    }
}

/// A transport error with its causes (connection refused, certificate, too many
/// redirects).
fn describe(error: &reqwest::Error) -> String {
    use std::error::Error;
    let mut message = if error.is_redirect() {
        format!("more than {MAX_REDIRECTS} redirects")
    } else {
        error.to_string()
    };
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    message
}
