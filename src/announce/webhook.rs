//! The chat announcement: one POST of `{"text": …}` to a Slack-compatible incoming
//! webhook (Slack, Mattermost, Rocket.Chat and Discord's `/slack` endpoint accept it).
//!
//! The webhook's URL is its credential, so it comes from the environment, is hidden
//! like a token, and no message names more of it than its host. A failed post is not
//! retried: the service may have posted the message before failing to answer, and a
//! second post would announce twice.

use super::AnnounceError;
use crate::forge::Secret;
use std::time::Duration;

/// The variable that holds the webhook's URL.
pub const URL_VARIABLE: &str = "ANNOUNCE_WEBHOOK_URL";

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub url: Secret,
    pub timeout: Duration,
}

impl WebhookSettings {
    /// Checks the URL from [`URL_VARIABLE`].
    pub fn new(url: String, timeout: Duration) -> Result<WebhookSettings, AnnounceError> {
        let ok = reqwest::Url::parse(&url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if !ok {
            return Err(AnnounceError::BadWebhookUrl {
                variable: URL_VARIABLE.into(),
            });
        }
        Ok(WebhookSettings {
            url: Secret::new(url),
            timeout,
        })
    }

    /// The host of the URL, the only part a message shows.
    pub fn host(&self) -> String {
        reqwest::Url::parse(self.url.expose())
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// The JSON body of the post.
pub fn payload(text: &str) -> serde_json::Value {
    serde_json::json!({ "text": text })
}

/// Posts the text; a status other than 2xx is an error with the service's answer.
pub async fn post(settings: &WebhookSettings, text: &str) -> Result<(), AnnounceError> {
    let fail = |reason: String| AnnounceError::Webhook {
        host: settings.host(),
        reason,
    };
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .user_agent(concat!("release-relay/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| fail(format!("cannot set up an HTTP client: {}", transport(e))))?;
    let response = client
        .post(settings.url.expose())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(payload(text).to_string())
        .send()
        .await
        .map_err(|e| fail(transport(e)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    let answer: String = body.trim().chars().take(200).collect();
    let hint = match status.as_u16() {
        404 | 410 => " (the webhook is gone or its URL is wrong: check ANNOUNCE_WEBHOOK_URL)",
        401 | 403 => " (the webhook refuses the post: it may be disabled or its URL revoked)",
        429 => " (rate limited: retry the job later)",
        _ => "",
    };
    Err(fail(if answer.is_empty() {
        format!("HTTP {status}{hint}")
    } else {
        format!("HTTP {status}: {answer}{hint}")
    }))
}

/// A transport error without the URL reqwest would print (the URL is the secret).
fn transport(error: reqwest::Error) -> String {
    use std::error::Error;
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.ends_with(&text) {
            message.push_str(&format!(": {text}"));
        }
        source = s.source();
    }
    message
}
