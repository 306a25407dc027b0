//! The retry and error policy of every forge call, shared by both clients.
//!
//! A call is retried on transport errors and time-outs, on 500/502/503/504, on 429, on
//! a 403 with `Retry-After` or an exhausted `x-ratelimit-remaining` (the hourly quota),
//! and on GitHub's secondary rate limit: a 403 or 429 whose message says so. GitHub
//! sends `x-ratelimit-remaining` on every answer, so quota left does not tell a
//! secondary limit from a missing permission; its message does. A call waits what
//! `Retry-After` asks (capped), else until the quota's reset, else backs off
//! exponentially — for a secondary limit from GitHub's documented minimum of 60 s.
//! Every other status is final and becomes a [`ForgeError`] that says what was asked
//! and, for 401/403, which permission the token needs.
//!
//! `RELAY_HTTP_WAIT_DIVISOR` divides every wait (tests run GitHub's minutes in
//! milliseconds); errors report the waits undivided.

use super::ForgeError;
use std::future::Future;
use std::time::Duration;

/// A response as the clients hand it over: status, headers, whole body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: ::http::HeaderMap,
    pub body: bytes::Bytes,
}

impl Response {
    /// Decodes the body as the documented JSON shape.
    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T, ForgeError> {
        serde_json::from_slice(&self.body).map_err(|e| ForgeError::Decode {
            what: what.to_string(),
            message: e.to_string(),
        })
    }

    /// The API's own error message (`message`, GitLab's `error`), else the body text.
    pub fn message(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let parsed: Option<serde_json::Value> = serde_json::from_slice(&self.body).ok();
        let message = parsed
            .as_ref()
            .and_then(|v| v.get("message").or_else(|| v.get("error")))
            .map(|m| match m {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| text.trim().to_string());
        message.chars().take(300).collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Seconds the forge asks to wait: `Retry-After`, else the rate-limit reset time
    /// when the limit is exhausted.
    fn requested_wait(&self) -> Option<u64> {
        if let Some(seconds) = self
            .header("retry-after")
            .and_then(|v| v.trim().parse().ok())
        {
            return Some(seconds);
        }
        if self.header("x-ratelimit-remaining") == Some("0") {
            let reset: u64 = self.header("x-ratelimit-reset")?.trim().parse().ok()?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_secs();
            return Some(reset.saturating_sub(now).max(1));
        }
        None
    }

    fn is_rate_limited(&self) -> bool {
        self.status == 429
            || self.is_secondary_limit()
            || (self.status == 403
                && (self.header("retry-after").is_some()
                    || self.header("x-ratelimit-remaining") == Some("0")))
    }

    /// GitHub's secondary rate limit: a 403 or 429 whose message says so (older
    /// answers called it abuse detection).
    fn is_secondary_limit(&self) -> bool {
        if !matches!(self.status, 403 | 429) {
            return false;
        }
        let message = self.message().to_ascii_lowercase();
        message.contains("secondary rate limit") || message.contains("abuse detection")
    }
}

/// GitHub's documented least wait after a secondary rate limit without `Retry-After`.
pub const SECONDARY_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// How long and how often a call is tried.
#[derive(Debug, Clone)]
pub struct Policy {
    pub attempts: u32,
    pub backoff: Duration,
    pub timeout: Duration,
    /// The longest `Retry-After` honoured; a longer one fails at once.
    pub max_wait: Duration,
    /// Every wait is divided by it (`RELAY_HTTP_WAIT_DIVISOR`, for tests; at least 1).
    pub wait_divisor: u32,
}

impl Policy {
    /// Sleeps `wait` divided by the policy's divisor.
    pub async fn pause(&self, wait: Duration) {
        tokio::time::sleep(wait / self.wait_divisor.max(1)).await;
    }
}

impl Default for Policy {
    fn default() -> Self {
        let timeout = std::env::var(HTTP_TIMEOUT_VARIABLE)
            .ok()
            .and_then(|v| parse_http_timeout(&v))
            .unwrap_or(Duration::from_secs(30));
        Policy {
            attempts: 5,
            backoff: Duration::from_millis(500),
            timeout,
            max_wait: Duration::from_secs(120),
            // Whole numbers only: the budget's windows and these waits shrink alike.
            wait_divisor: super::budget::divisor() as u32,
        }
    }
}

/// The environment variable that bounds every HTTP call, in seconds.
pub const HTTP_TIMEOUT_VARIABLE: &str = "RELAY_HTTP_TIMEOUT";

/// A value of `RELAY_HTTP_TIMEOUT`: a whole number of seconds greater than 0. The CLI
/// edge refuses any other value before a tool starts.
pub fn parse_http_timeout(text: &str) -> Option<Duration> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
}

/// What a call is for, to name it in errors.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// e.g. `GET tag v1.0.0 of acme/api`
    pub what: &'a str,
    /// The permission a 401/403 means is missing, e.g. `contents: read`.
    pub permission: &'a str,
}

/// Runs `attempt` under the policy and returns the first 2xx/3xx response.
pub async fn send<F, Fut>(
    policy: &Policy,
    call: &Call<'_>,
    attempt: F,
) -> Result<Response, ForgeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Response, String>>,
{
    send_allowing(policy, call, &[], attempt).await
}

/// Like [`send`], and also returns a response whose status is in `allowed` (a 409
/// whose body lists what conflicts, a 404 that means "absent") instead of turning it
/// into an error. Allowed statuses are never retried.
pub async fn send_allowing<F, Fut>(
    policy: &Policy,
    call: &Call<'_>,
    allowed: &[u16],
    mut attempt: F,
) -> Result<Response, ForgeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Response, String>>,
{
    let mut n = 1;
    let mut waited = Duration::ZERO;
    loop {
        let outcome = tokio::time::timeout(policy.timeout, attempt())
            .await
            .map_err(|_| format!("no answer within {:?}", policy.timeout))
            .and_then(|r| r);
        match judge(policy, call, allowed, n, waited, outcome) {
            Verdict::Answer(response) => return Ok(response),
            Verdict::Fail(error) => return Err(error),
            Verdict::Retry { error, .. } if n >= policy.attempts => return Err(error),
            Verdict::Retry { wait, .. } => {
                policy.pause(wait).await;
                waited += wait;
                n += 1;
            }
        }
    }
}

/// What one attempt's outcome means.
#[derive(Debug)]
pub enum Verdict {
    /// The answer (2xx/3xx, or an allowed status).
    Answer(Response),
    /// Worth another attempt after `wait`; `error` is what to report if none is left.
    /// `maybe_done`: the forge may have acted although no answer says so (no answer,
    /// a 5xx), so a write that must not happen twice looks before it is sent again.
    Retry {
        wait: Duration,
        error: ForgeError,
        maybe_done: bool,
    },
    /// Final.
    Fail(ForgeError),
}

/// Judges attempt `n` of `call`, `waited` after the first: a transport error (`Err`)
/// or the forge's answer.
pub fn judge(
    policy: &Policy,
    call: &Call<'_>,
    allowed: &[u16],
    n: u32,
    waited: Duration,
    outcome: Result<Response, String>,
) -> Verdict {
    match outcome {
        Err(message) => Verdict::Retry {
            wait: backoff(policy, n),
            error: ForgeError::Transport {
                what: call.what.to_string(),
                attempts: n,
                message,
            },
            maybe_done: true,
        },
        Ok(response) if response.status < 400 || allowed.contains(&response.status) => {
            Verdict::Answer(response)
        }
        Ok(response) if response.is_rate_limited() => {
            let asked = response.requested_wait();
            let secondary = response.is_secondary_limit();
            let error = ForgeError::RateLimited {
                what: call.what.to_string(),
                attempts: n,
                retry_after: asked,
                secondary,
                waited: waited.as_secs(),
            };
            let wait = match asked {
                Some(s) if Duration::from_secs(s) > policy.max_wait => {
                    return Verdict::Fail(error);
                }
                Some(s) => Duration::from_secs(s),
                None if secondary => {
                    SECONDARY_LIMIT_WAIT * 2u32.saturating_pow(n.saturating_sub(1)).min(32)
                }
                None => backoff(policy, n),
            };
            Verdict::Retry {
                wait,
                error,
                maybe_done: false,
            }
        }
        Ok(response) if matches!(response.status, 500 | 502 | 503 | 504) => Verdict::Retry {
            wait: backoff(policy, n),
            error: ForgeError::Server {
                what: call.what.to_string(),
                status: response.status,
                attempts: n,
                message: response.message(),
            },
            maybe_done: true,
        },
        Ok(response) => Verdict::Fail(classify(call, &response)),
    }
}

/// The wait before attempt `attempt + 1`: doubling from the policy's back-off.
pub fn backoff(policy: &Policy, attempt: u32) -> Duration {
    policy.backoff * 2u32.saturating_pow(attempt.saturating_sub(1)).min(32)
}

/// The final error for a 4xx (or unexpected) status.
pub fn classify(call: &Call<'_>, response: &Response) -> ForgeError {
    let what = call.what.to_string();
    match response.status {
        404 => ForgeError::NotFound { what },
        401 | 403 => ForgeError::Unauthorized {
            what,
            status: response.status,
            hint: format!("{} ({})", call.permission, response.message()),
        },
        409 | 422 => ForgeError::Conflict {
            what,
            status: response.status,
            message: response.message(),
        },
        status => ForgeError::Unexpected {
            what,
            status,
            message: response.message(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&'static str, &str)]) -> Response {
        let mut map = ::http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Response {
            status,
            headers: map,
            body: bytes::Bytes::from_static(br#"{"message":"nope"}"#),
        }
    }

    fn quick() -> Policy {
        Policy {
            attempts: 3,
            backoff: Duration::from_millis(1),
            timeout: Duration::from_millis(200),
            max_wait: Duration::from_secs(2),
            wait_divisor: 1,
        }
    }

    const CALL: Call = Call {
        what: "GET x",
        permission: "contents: read",
    };

    #[tokio::test]
    async fn retries_a_502_and_returns_the_success() {
        let mut seq = [502u16, 200].into_iter();
        let r = send(&quick(), &CALL, || {
            let s = seq.next().unwrap();
            async move { Ok(response(s, &[])) }
        })
        .await
        .unwrap();
        assert_eq!(r.status, 200);
    }

    #[tokio::test]
    async fn an_allowed_status_is_returned_not_retried() {
        let mut calls = 0;
        let r = send_allowing(&quick(), &CALL, &[409], || {
            calls += 1;
            async { Ok(response(409, &[])) }
        })
        .await
        .unwrap();
        assert_eq!((r.status, calls), (409, 1));
    }

    #[tokio::test]
    async fn a_retry_after_longer_than_allowed_fails_at_once() {
        let mut calls = 0;
        let err = send(&quick(), &CALL, || {
            calls += 1;
            async { Ok(response(429, &[("retry-after", "3600")])) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(
            err.to_string(),
            "GET x: rate limited after 1 attempt (the forge asks to wait 3600 s)"
        );
    }

    /// GitHub's answer to a request over a secondary rate limit: a 403 with quota left
    /// and, often, no `Retry-After`.
    fn secondary(headers: &[(&'static str, &str)]) -> Response {
        let mut r = response(403, &[("x-ratelimit-remaining", "4990")]);
        for (k, v) in headers {
            r.headers.insert(*k, v.parse().unwrap());
        }
        r.body = bytes::Bytes::from_static(
            br#"{"documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID C620:D8D4:1FA9F4A3:1EAC3CBC:6AA01B31."}"#,
        );
        r
    }

    fn wait_of(verdict: Verdict) -> Duration {
        match verdict {
            Verdict::Retry { wait, .. } => wait,
            other => panic!("not retried: {other:?}"),
        }
    }

    #[test]
    fn a_secondary_limit_waits_a_minute_then_longer_or_what_retry_after_asks() {
        let judge_n = |n, r| judge(&quick(), &CALL, &[], n, Duration::ZERO, Ok(r));
        assert_eq!(wait_of(judge_n(1, secondary(&[]))), Duration::from_secs(60));
        assert_eq!(
            wait_of(judge_n(2, secondary(&[]))),
            Duration::from_secs(120)
        );
        assert_eq!(
            wait_of(judge_n(3, secondary(&[]))),
            Duration::from_secs(240)
        );
        let mut limited = secondary(&[("retry-after", "1")]);
        assert_eq!(wait_of(judge_n(1, limited.clone())), Duration::from_secs(1));
        limited.status = 429;
        assert_eq!(wait_of(judge_n(1, limited)), Duration::from_secs(1));
    }

    #[test]
    fn a_403_with_quota_left_and_no_limit_in_its_message_is_a_permission() {
        let denied = response(403, &[("x-ratelimit-remaining", "4990")]);
        match judge(&quick(), &CALL, &[], 1, Duration::ZERO, Ok(denied)) {
            Verdict::Fail(ForgeError::Unauthorized { status: 403, .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_secondary_limit_that_persists_says_so_and_how_long_was_waited() {
        let policy = Policy {
            wait_divisor: 60_000,
            ..quick()
        };
        let started = std::time::Instant::now();
        let mut calls = 0;
        let err = send(&policy, &CALL, || {
            calls += 1;
            async { Ok(secondary(&[])) }
        })
        .await
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(calls, 3);
        assert_eq!(
            err.to_string(),
            "GET x: GitHub's secondary rate limit (too many requests at once or too much \
             created in a short time) still refused it after 3 attempts and 180 s of waiting; \
             run fewer jobs with this token at the same time"
        );
    }

    #[tokio::test]
    async fn a_403_names_the_missing_permission() {
        let err = send(&quick(), &CALL, || async { Ok(response(403, &[])) })
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "GET x: 403 — the token lacks a permission: contents: read (nope)"
        );
    }

    #[tokio::test]
    async fn a_call_that_never_answers_times_out() {
        let err = send(&quick(), &CALL, || async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok(response(200, &[]))
        })
        .await
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "GET x: no answer within 200ms (after 3 attempts)"
        );
    }
}
