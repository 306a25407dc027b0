//! The one HTTP transport beneath both forge clients. A client file says which
//! endpoint it wants and what the answer looks like; everything else is here, once:
//! the token (sent only to the forge's own origins, never along a redirect to another
//! host, whatever header carries it), redirects, retries and back-off with the forge's
//! rate-limit headers ([`super::http`]), paging (`Link`, `x-next-page`, totals), writes
//! that look before they are sent again, and the mapping of statuses to
//! [`ForgeError`]s. Every request passes [`Budget::admit`] first, so a rate budget
//! shared by every call of a token can sit here.

use super::http::{self, Call, Policy, Response};
use super::{ForgeError, Secret};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

/// Redirects followed per request (a download goes to storage in one or two).
const MAX_REDIRECTS: usize = 5;

/// How the forge wants its token.
#[derive(Clone, Debug)]
pub enum Credential {
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// A header of the forge's own, e.g. GitLab's `PRIVATE-TOKEN` or `JOB-TOKEN`.
    Header(&'static str, Secret),
}

/// Whether a request only reads or creates something: forges meter the two apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Read,
    Write,
}

/// Paces the requests of one token. The transport asks it before every attempt and
/// shows it every answer (with its rate-limit headers).
#[async_trait::async_trait]
pub trait Budget: Send + Sync {
    /// Waits until one more request of `kind` is within the budget.
    async fn admit(&self, kind: RequestKind);
    /// Learns from the answer (quota headers, a limit that was hit), or from its
    /// absence (`None`: no answer came); the request is no longer in flight.
    fn observe(&self, kind: RequestKind, response: Option<&Response>);
}

/// No pacing: each request goes at once, and only the forge's own answers (429,
/// `Retry-After`) slow it down.
pub struct Unmetered;

#[async_trait::async_trait]
impl Budget for Unmetered {
    async fn admit(&self, _kind: RequestKind) {}
    fn observe(&self, _kind: RequestKind, _response: Option<&Response>) {}
}

/// Where a list answer keeps its items.
#[derive(Debug, Clone, Copy)]
pub enum Items {
    /// The body is the array (its total, if any, in `x-total`).
    Array,
    /// The array is the field `list` of an object whose field `total` counts every
    /// item of every page (GitHub's `total_count`, `total_commits`).
    Field {
        list: &'static str,
        total: &'static str,
    },
}

impl Items {
    /// `{"total_count": n, "<list>": [...]}`
    pub const fn counted(list: &'static str) -> Items {
        Items::Field {
            list,
            total: "total_count",
        }
    }
}

/// One request: the endpoint, what it is for (named in errors), and its body.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    /// A path below the API base (`repos/o/r/pulls`, `projects/o%2Fr`), or an absolute
    /// URL the API handed out (an upload URL).
    target: String,
    query: Vec<(String, String)>,
    body: Option<(String, bytes::Bytes)>,
    accept: Option<&'static str>,
    allowed: Vec<u16>,
    what: String,
    permission: Cow<'static, str>,
}

impl Request {
    pub fn new(method: Method, target: impl Into<String>) -> Request {
        Request {
            method,
            target: target.into(),
            query: Vec::new(),
            body: None,
            accept: None,
            allowed: Vec::new(),
            what: String::new(),
            permission: Cow::Borrowed(""),
        }
    }

    pub fn get(target: impl Into<String>) -> Request {
        Request::new(Method::GET, target)
    }

    pub fn post(target: impl Into<String>) -> Request {
        Request::new(Method::POST, target)
    }

    pub fn put(target: impl Into<String>) -> Request {
        Request::new(Method::PUT, target)
    }

    pub fn patch(target: impl Into<String>) -> Request {
        Request::new(Method::PATCH, target)
    }

    pub fn delete(target: impl Into<String>) -> Request {
        Request::new(Method::DELETE, target)
    }

    /// What the request does, as errors name it (`GET tag v1 of acme/api`).
    pub fn what(mut self, what: impl Into<String>) -> Request {
        self.what = what.into();
        self
    }

    /// The permission or scope a 401/403 means is missing.
    pub fn needs(mut self, permission: impl Into<Cow<'static, str>>) -> Request {
        self.permission = permission.into();
        self
    }

    /// Adds a query parameter (encoded here).
    pub fn query(mut self, name: &str, value: impl ToString) -> Request {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    pub fn json(mut self, body: &serde_json::Value) -> Request {
        self.body = Some(("application/json".into(), body.to_string().into()));
        self
    }

    pub fn bytes(mut self, content_type: &str, bytes: bytes::Bytes) -> Request {
        self.body = Some((content_type.to_string(), bytes));
        self
    }

    pub fn accept(mut self, accept: &'static str) -> Request {
        self.accept = Some(accept);
        self
    }

    fn kind(&self) -> RequestKind {
        match self.method {
            Method::GET | Method::HEAD => RequestKind::Read,
            _ => RequestKind::Write,
        }
    }

    fn call(&self) -> Call<'_> {
        Call {
            what: &self.what,
            permission: &self.permission,
        }
    }
}

/// The transport of one forge API and one token.
pub struct Transport {
    client: reqwest::Client,
    base: Url,
    credential: Option<Credential>,
    /// Origins the credential goes to (`scheme://host:port`): the API's, and those the
    /// forge documents for itself (GitHub's upload host).
    trusted: Vec<String>,
    headers: HeaderMap,
    policy: Policy,
    budget: Arc<dyn Budget>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base.as_str())
            .field("trusted", &self.trusted)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport for the API at `base` (user and password in the URL are dropped:
    /// the credential is the token). `headers` go with every request.
    pub fn new(
        base: &str,
        credential: Option<Credential>,
        headers: &[(&'static str, &'static str)],
    ) -> Result<Transport, ForgeError> {
        let mut base = Url::parse(base.trim_end_matches('/'))
            .map_err(|e| ForgeError::Setup(format!("invalid API URL {base}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ForgeError::Setup(format!(
                "the API URL must start with http:// or https://: {base}"
            )));
        }
        let _ = base.set_username("");
        let _ = base.set_password(None);
        let policy = Policy::default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(policy.timeout)
            .user_agent(concat!("release-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ForgeError::Setup(format!("cannot set up the HTTP client: {e}")))?;
        let mut fixed = HeaderMap::new();
        for (name, value) in headers {
            fixed.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        Ok(Transport {
            client,
            trusted: vec![origin(&base)],
            base,
            credential,
            headers: fixed,
            policy,
            budget: Arc::new(Unmetered),
        })
    }

    /// Lets the credential also go to `url`'s origin.
    pub fn trust(mut self, url: &str) -> Transport {
        if let Ok(url) = Url::parse(url) {
            self.trusted.push(origin(&url));
        }
        self
    }

    /// Paces every request through `budget`.
    pub fn with_budget(mut self, budget: Arc<dyn Budget>) -> Transport {
        self.budget = budget;
        self
    }

    /// The API base, without a final `/`.
    pub fn base(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The absolute URL of a path below the API base.
    pub fn url_of(&self, target: &str) -> Result<Url, ForgeError> {
        let text = if target.contains("://") {
            target.to_string()
        } else {
            format!("{}/{}", self.base(), target.trim_start_matches('/'))
        };
        Url::parse(&text).map_err(|e| ForgeError::Setup(format!("invalid URL {text}: {e}")))
    }

    fn request_url(&self, request: &Request) -> Result<Url, ForgeError> {
        let mut url = self.url_of(&request.target)?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        Ok(url)
    }

    /// Sends `request` under the retry policy; a 2xx (or an allowed status) is the
    /// answer, anything else a [`ForgeError`].
    pub async fn send(&self, request: &Request) -> Result<Response, ForgeError> {
        let url = self.request_url(request)?;
        self.send_to(request, &url).await
    }

    async fn send_to(&self, request: &Request, url: &Url) -> Result<Response, ForgeError> {
        http::send_allowing(&self.policy, &request.call(), &request.allowed, || {
            self.attempt(request, url)
        })
        .await
    }

    /// Sends `request` and decodes the answer's JSON.
    pub async fn json<T: DeserializeOwned>(&self, request: &Request) -> Result<T, ForgeError> {
        self.send(request).await?.json(&request.what)
    }

    /// Like [`Transport::json`], with 404 as `None`.
    pub async fn optional<T: DeserializeOwned>(
        &self,
        request: &Request,
    ) -> Result<Option<T>, ForgeError> {
        match self.send(request).await {
            Ok(response) => response.json(&request.what).map(Some),
            Err(ForgeError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends a write whose repetition would do it twice (a comment, a draft). It is
    /// tried once; when the outcome is unknown (no answer, a 5xx after the forge may
    /// have acted) `look` asks the forge whether it landed, and only when it did not
    /// is the write sent again.
    pub async fn write_once<T, F, Fut>(&self, request: &Request, look: F) -> Result<T, ForgeError>
    where
        T: DeserializeOwned,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<T>, ForgeError>>,
    {
        let url = self.request_url(request)?;
        let call = request.call();
        let mut attempt = 1;
        let mut waited = std::time::Duration::ZERO;
        loop {
            let outcome = tokio::time::timeout(self.policy.timeout, self.attempt(request, &url))
                .await
                .map_err(|_| format!("no answer within {:?}", self.policy.timeout))
                .and_then(|r| r);
            match http::judge(
                &self.policy,
                &call,
                &request.allowed,
                attempt,
                waited,
                outcome,
            ) {
                http::Verdict::Answer(response) => return response.json(&request.what),
                http::Verdict::Fail(error) => return Err(error),
                http::Verdict::Retry { error, .. } if attempt >= self.policy.attempts => {
                    return Err(error);
                }
                http::Verdict::Retry {
                    wait,
                    maybe_done,
                    error,
                } => {
                    if maybe_done {
                        match look().await {
                            Ok(Some(found)) => return Ok(found),
                            Ok(None) => {}
                            // The forge cannot even say: report what went wrong first.
                            Err(_) => return Err(error),
                        }
                    }
                    self.policy.pause(wait).await;
                    waited += wait;
                    attempt += 1;
                }
            }
        }
    }

    /// Reads up to `limit` items of a list, every page: the `Link` header's
    /// `rel="next"` (put on the API's own origin, so a link never takes the token
    /// elsewhere), else GitLab's `x-next-page`, else the next `page` while the total
    /// the answer reports is not reached.
    pub async fn pages<T: DeserializeOwned>(
        &self,
        request: &Request,
        limit: usize,
        items: Items,
    ) -> Result<Vec<T>, ForgeError> {
        let mut url = self.request_url(request)?;
        let mut page = page_of(&url);
        let mut all: Vec<T> = Vec::new();
        loop {
            let response = self.send_to(request, &url).await?;
            let mut body: serde_json::Value = response.json(&request.what)?;
            let (list, total) = match items {
                Items::Array => (
                    body,
                    response
                        .header("x-total")
                        .and_then(|t| t.trim().parse::<u64>().ok()),
                ),
                Items::Field { list, total } => {
                    let total = body.get(total).and_then(serde_json::Value::as_u64);
                    (body[list].take(), total)
                }
            };
            let listed: Vec<T> = serde_json::from_value(list).map_err(|e| ForgeError::Decode {
                what: request.what.clone(),
                message: e.to_string(),
            })?;
            let empty = listed.is_empty();
            all.extend(listed);
            if empty || all.len() >= limit {
                break;
            }
            if let Some(next) = next_link(&response) {
                url = self.on_own_origin(&next, &url)?;
                page = page_of(&url);
            } else if let Some(next) = response.header("x-next-page") {
                match next.trim().parse::<u64>() {
                    Ok(n) if n > page => {
                        page = n;
                        url = with_page(&url, page);
                    }
                    _ => break,
                }
            } else if total.is_some_and(|t| (all.len() as u64) < t) {
                page += 1;
                url = with_page(&url, page);
            } else {
                break;
            }
        }
        all.truncate(limit);
        Ok(all)
    }

    /// `link` (absolute or relative to `current`) with the API's scheme, host and port.
    fn on_own_origin(&self, link: &str, current: &Url) -> Result<Url, ForgeError> {
        let parsed = current.join(link).map_err(|e| ForgeError::Decode {
            what: format!("the next page {link}"),
            message: e.to_string(),
        })?;
        let mut url = self.base.clone();
        url.set_path(parsed.path());
        url.set_query(parsed.query());
        Ok(url)
    }

    fn trusts(&self, url: &Url) -> bool {
        self.trusted.contains(&origin(url))
    }

    /// One try of `request`, following redirects: the credential goes only to a trusted
    /// origin, so a redirect to another host gets none.
    async fn attempt(&self, request: &Request, url: &Url) -> Result<Response, String> {
        let kind = request.kind();
        self.budget.admit(kind).await;
        let outcome = self.exchange(request, url).await;
        self.budget.observe(kind, outcome.as_ref().ok());
        outcome
    }

    async fn exchange(&self, request: &Request, url: &Url) -> Result<Response, String> {
        let mut url = url.clone();
        let mut method = request.method.clone();
        let mut body = request.body.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut headers = self.headers.clone();
            if let Some(accept) = request.accept {
                headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
            }
            let mut builder = self
                .client
                .request(method.clone(), url.clone())
                .headers(headers);
            if self.trusts(&url) {
                builder = match &self.credential {
                    Some(Credential::Bearer(token)) => builder.bearer_auth(token.expose()),
                    Some(Credential::Header(name, token)) => {
                        let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
                            "the token holds characters a header cannot".to_string()
                        })?;
                        value.set_sensitive(true);
                        builder.header(*name, value)
                    }
                    None => builder,
                };
            }
            builder = match &body {
                Some((content_type, bytes)) => builder
                    .header(header::CONTENT_TYPE, content_type.as_str())
                    .body(bytes.clone()),
                None if method != Method::GET && method != Method::HEAD => builder.body(Vec::new()),
                None => builder,
            };
            let response = builder.send().await.map_err(|e| describe(&e))?;
            let status = response.status();
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            if status.is_redirection()
                && let Some(location) = location
            {
                url = url
                    .join(&location)
                    .map_err(|e| format!("a redirect to an invalid URL {location}: {e}"))?;
                if status == reqwest::StatusCode::SEE_OTHER
                    || (matches!(status.as_u16(), 301 | 302) && method == Method::POST)
                {
                    method = Method::GET;
                    body = None;
                }
                continue;
            }
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(|e| describe(&e))?;
            let answer = Response {
                status: status.as_u16(),
                headers,
                body: bytes,
            };
            return Ok(answer);
        }
        Err(format!("more than {MAX_REDIRECTS} redirects"))
    }
}

fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The `page` query parameter of `url`, 1 when absent.
fn page_of(url: &Url) -> u64 {
    url.query_pairs()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1)
}

/// `url` with its `page` parameter set to `page`.
fn with_page(url: &Url, page: u64) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut next = url.clone();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair("page", &page.to_string());
    next
}

/// The URL of the `rel="next"` entry of a `Link` header.
pub fn next_link(response: &Response) -> Option<String> {
    let header = response.header("link")?;
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        if !is_next {
            return None;
        }
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        Some(url.to_string())
    })
}

/// A transport error with its causes (connection refused, certificate, time-out).
fn describe(error: &reqwest::Error) -> String {
    use std::error::Error;
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(&format!(": {text}"));
        }
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response_with_link(link: &str) -> Response {
        let mut headers = ::http::HeaderMap::new();
        headers.insert("link", link.parse().unwrap());
        Response {
            status: 200,
            headers,
            body: bytes::Bytes::new(),
        }
    }

    #[test]
    fn the_next_page_stays_on_the_apis_origin() {
        let transport = Transport::new("http://127.0.0.1:9/api/v4", None, &[]).unwrap();
        let response = response_with_link(
            "<https://evil.example/repositories/1/commits?sha=main&page=3>; rel=\"next\", \
             <https://evil.example/repositories/1/commits?sha=main&page=9>; rel=\"last\"",
        );
        let next = next_link(&response).unwrap();
        let current = transport.url_of("projects/1/x").unwrap();
        assert_eq!(
            transport.on_own_origin(&next, &current).unwrap().as_str(),
            "http://127.0.0.1:9/repositories/1/commits?sha=main&page=3"
        );
        let prev = response_with_link("<https://evil.example/x?page=1>; rel=\"prev\"");
        assert_eq!(next_link(&prev), None);
    }

    #[test]
    fn a_page_parameter_is_replaced_not_repeated() {
        let url = Url::parse("http://h/a?per_page=100&page=2&x=y").unwrap();
        assert_eq!(
            with_page(&url, 3).as_str(),
            "http://h/a?per_page=100&x=y&page=3"
        );
        assert_eq!(page_of(&url), 2);
    }

    /// Each request's URL and headers.
    type Seen = Vec<(String, Vec<(String, String)>)>;

    /// A server on 127.0.0.1 that answers each request with `answer(path)` and keeps
    /// the request's headers.
    fn recording_server(
        answer: impl Fn(&str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> + Send + 'static,
    ) -> (u16, Arc<std::sync::Mutex<Seen>>) {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let headers = request
                    .headers()
                    .iter()
                    .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                    .collect();
                log.lock()
                    .unwrap()
                    .push((request.url().to_string(), headers));
                let reply = answer(request.url());
                let _ = request.respond(reply);
            }
        });
        (port, seen)
    }

    #[tokio::test]
    async fn no_credential_of_any_kind_follows_a_redirect_to_another_host() {
        let secret = "glpat-never-elsewhere-0123";
        let credentials = [
            Credential::Bearer(Secret::new(secret.into())),
            Credential::Header("private-token", Secret::new(secret.into())),
            Credential::Header("job-token", Secret::new(secret.into())),
        ];
        for credential in credentials {
            let (storage_port, at_storage) =
                recording_server(|_| tiny_http::Response::from_data(b"zip bytes".to_vec()));
            let (api_port, at_api) = recording_server(move |path| {
                // The API moves the download once on its own origin, then to storage
                // under another host name and port.
                let location = if path.starts_with("/api/v4/projects/1/jobs/7/artifacts") {
                    "/api/v4/download/7".to_string()
                } else {
                    format!("http://localhost:{storage_port}/bucket/7.zip?sig=1")
                };
                tiny_http::Response::from_data(Vec::new())
                    .with_status_code(302)
                    .with_header(
                        tiny_http::Header::from_bytes(&b"Location"[..], location.as_bytes())
                            .unwrap(),
                    )
            });
            let transport = Transport::new(
                &format!("http://127.0.0.1:{api_port}/api/v4"),
                Some(credential.clone()),
                &[],
            )
            .unwrap();
            let answer = transport
                .send(&Request::get("projects/1/jobs/7/artifacts").what("GET artifacts"))
                .await
                .unwrap();
            assert_eq!(&answer.body[..], b"zip bytes");
            let carries = |headers: &[(String, String)]| {
                headers.iter().any(|(name, value)| {
                    value.contains(secret)
                        || ["authorization", "private-token", "job-token"]
                            .contains(&name.to_ascii_lowercase().as_str())
                })
            };
            let api = at_api.lock().unwrap().clone();
            assert_eq!(api.len(), 2, "{credential:?}");
            assert!(
                api.iter().all(|(_, h)| carries(h)),
                "the API's own origin gets the credential: {credential:?}"
            );
            let storage = at_storage.lock().unwrap().clone();
            assert_eq!(storage.len(), 1);
            assert_eq!(storage[0].0, "/bucket/7.zip?sig=1");
            assert!(
                !carries(&storage[0].1),
                "{credential:?} reached the storage host: {:?}",
                storage[0].1
            );
        }
    }

    #[test]
    fn the_credential_goes_only_to_trusted_origins() {
        let transport = Transport::new("https://api.github.com", None, &[])
            .unwrap()
            .trust("https://uploads.github.com/x");
        assert!(transport.trusts(&Url::parse("https://api.github.com/repos").unwrap()));
        assert!(transport.trusts(&Url::parse("https://uploads.github.com/r").unwrap()));
        assert!(!transport.trusts(&Url::parse("http://api.github.com/repos").unwrap()));
        assert!(!transport.trusts(&Url::parse("https://objects.example/a").unwrap()));
    }
}
