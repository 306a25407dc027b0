//! A mock of the GitHub and GitLab HTTP APIs on 127.0.0.1, the one thing the tests
//! cannot run for real. Routes answer with documented payload shapes; a route can
//! answer a sequence (429 with Retry-After, then 200), and a handler can keep state
//! (a created ref that a later GET returns). Every request is recorded.
//!
//! The GitHub mock holds itself to GitHub's official OpenAPI description
//! ([`super::openapi`]): a request the description does not document gets GitHub's
//! 404, and every request and response that breaks it is a mismatch that fails the
//! test when the mock is dropped. Writes without a token get GitHub's 401. The GitLab
//! mock holds itself to the rules of GitLab's API documentation ([`super::gitlab_rules`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct MockResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A test's deliberate answer that no real forge would give (a body that is not
    /// JSON, to test the client's error): not checked against the description.
    pub off_spec: bool,
}

impl MockResponse {
    pub fn json(status: u16, body: serde_json::Value) -> MockResponse {
        MockResponse {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.to_string().into_bytes(),
            off_spec: false,
        }
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> MockResponse {
        MockResponse {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
            off_spec: false,
        }
    }

    /// A redirect to `location` (GitHub's 302 to the storage host of a download).
    pub fn redirect(status: u16, location: &str) -> MockResponse {
        MockResponse::bytes(status, "text/html;charset=utf-8", Vec::new())
            .header("Location", location)
    }

    /// Marks the answer as one no real forge gives (see [`MockResponse::off_spec`]).
    pub fn off_spec(mut self) -> MockResponse {
        self.off_spec = true;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> MockResponse {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// GitHub's 404 body.
    pub fn github_not_found() -> MockResponse {
        MockResponse::json(
            404,
            serde_json::json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
        )
    }

    /// GitHub's answer to a request over a secondary rate limit, as GitHub sends it:
    /// 403, quota left, no `Retry-After` (add one with [`MockResponse::header`]).
    pub fn github_secondary_rate_limit() -> MockResponse {
        MockResponse::json(
            403,
            serde_json::json!({
                "documentation_url": "https://docs.github.com/en/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes \
                    before you try again. If you reach out to GitHub Support for help, please \
                    include the request ID C620:D8D4:1FA9F4A3:1EAC3CBC:6AA01B31."
            }),
        )
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", "4987")
        .header("x-ratelimit-used", "13")
        .header("x-ratelimit-reset", "1768478400")
        .header("x-ratelimit-resource", "core")
    }

    /// GitLab's 404 body.
    pub fn gitlab_not_found() -> MockResponse {
        MockResponse::json(404, serde_json::json!({"message": "404 Not Found"}))
    }
}

/// A request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Percent-decoded, except `%2F` (see [`percent_decode`]).
    pub path: String,
    /// As sent.
    pub raw_path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

type Handler = Box<dyn Fn(&Recorded) -> Option<MockResponse> + Send + Sync>;

struct Route {
    method: String,
    path: String,
    responses: VecDeque<MockResponse>,
}

/// Which forge's rules the mock holds itself to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Forge {
    #[default]
    Plain,
    GitHub,
    GitLab,
}

#[derive(Default)]
struct State {
    routes: Vec<Route>,
    handlers: Vec<Handler>,
    requests: Vec<Recorded>,
    latency: Duration,
    not_found: Option<MockResponse>,
    forge: Forge,
    /// Where a request or a response broke the forge's documented rules.
    mismatches: Vec<String>,
}

pub struct MockApi {
    server: Arc<tiny_http::Server>,
    state: Arc<Mutex<State>>,
    port: u16,
}

impl MockApi {
    pub fn start() -> MockApi {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("mock server binds"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (srv, st) = (server.clone(), state.clone());
        std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                let st = st.clone();
                std::thread::spawn(move || serve(request, &st));
            }
        });
        MockApi {
            server,
            state,
            port,
        }
    }

    /// A GitHub API mock: GitHub's 404 body for unknown routes.
    pub fn github() -> MockApi {
        let api = MockApi::start();
        let mut state = api.state.lock().unwrap();
        state.not_found = Some(MockResponse::github_not_found());
        state.forge = Forge::GitHub;
        drop(state);
        api
    }

    /// A GitLab API mock: answers the client's connection check (`GET /api/v4/user`,
    /// `GET /api/v4/job`) and GitLab's 404 body for unknown routes.
    pub fn gitlab() -> MockApi {
        let api = MockApi::start();
        let mut state = api.state.lock().unwrap();
        state.not_found = Some(MockResponse::gitlab_not_found());
        state.forge = Forge::GitLab;
        drop(state);
        api.on(
            "GET",
            "/api/v4/user",
            MockResponse::json(
                200,
                serde_json::json!({"id": 1, "username": "release-bot", "name": "Release Bot", "state": "active",
                    "web_url": "https://gitlab.example.com/release-bot"}),
            ),
        );
        api.on(
            "GET",
            "/api/v4/job",
            MockResponse::json(
                200,
                serde_json::json!({"id": 7, "name": "release", "status": "running", "stage": "deploy",
                    "ref": "main", "tag": false, "pipeline": {"id": 3, "project_id": 5, "status": "running"}}),
            ),
        );
        api
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answers `method path` with `response`; several calls queue a sequence, and the
    /// last response repeats.
    pub fn on(&self, method: &str, path: &str, response: MockResponse) -> &Self {
        let mut state = self.state.lock().unwrap();
        match state
            .routes
            .iter_mut()
            .find(|r| r.method == method && r.path == path)
        {
            Some(route) => route.responses.push_back(response),
            None => state.routes.push(Route {
                method: method.into(),
                path: path.into(),
                responses: VecDeque::from([response]),
            }),
        }
        self
    }

    /// A handler asked before the routes; `None` passes the request on.
    pub fn handle(
        &self,
        handler: impl Fn(&Recorded) -> Option<MockResponse> + Send + Sync + 'static,
    ) {
        self.state.lock().unwrap().handlers.push(Box::new(handler));
    }

    /// Delays every answer (a remote API's round trip).
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Requests to `path` with `method`.
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }

    /// Where requests or responses broke the forge's documented rules so far.
    pub fn mismatches(&self) -> Vec<String> {
        self.state.lock().unwrap().mismatches.clone()
    }

    /// Forgets the mismatches so far (a test that provokes one on purpose asserts it
    /// and then clears it).
    pub fn take_mismatches(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().mismatches)
    }
}

impl Drop for MockApi {
    fn drop(&mut self) {
        self.server.unblock();
        let mismatches = self.take_mismatches();
        if mismatches.is_empty() {
            return;
        }
        let text = format!(
            "the mock forge saw {} request(s) or response(s) that break the forge's \
             documented rules:\n  {}",
            mismatches.len(),
            mismatches.join("\n  ")
        );
        if std::thread::panicking() {
            eprintln!("{text}");
        } else {
            panic!("{text}");
        }
    }
}

fn serve(mut request: tiny_http::Request, state: &Mutex<State>) {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    let recorded = Recorded {
        method: request.method().as_str().to_string(),
        path: percent_decode(path),
        raw_path: path.to_string(),
        query: query.to_string(),
        headers: request
            .headers()
            .iter()
            .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
            .collect(),
        body,
    };
    let (response, latency) = {
        let mut st = state.lock().unwrap();
        st.requests.push(recorded.clone());
        let latency = st.latency;
        let (refusal, mut mismatches) = match st.forge {
            Forge::GitHub => super::github_rules::before(&recorded),
            Forge::GitLab => super::gitlab_rules::before(&recorded),
            Forge::Plain => (None, Vec::new()),
        };
        let response = refusal.or_else(|| answer(&mut st, &recorded));
        let response = response.unwrap_or_else(|| {
            st.not_found.clone().unwrap_or_else(|| {
                MockResponse::json(404, serde_json::json!({"message": "Not Found"}))
            })
        });
        if !response.off_spec {
            match st.forge {
                Forge::GitHub => {
                    mismatches.extend(super::github_rules::after(&recorded, &response))
                }
                Forge::GitLab => {
                    mismatches.extend(super::gitlab_rules::after(&recorded, &response))
                }
                Forge::Plain => {}
            }
        }
        st.mismatches.extend(mismatches);
        (response, latency)
    };
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }
    let mut reply = tiny_http::Response::from_data(response.body).with_status_code(response.status);
    for (k, v) in &response.headers {
        reply.add_header(tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap());
    }
    let _ = request.respond(reply);
}

/// The test's answer: a handler's, else the route's next response, else what the forge
/// answers where a test models nothing.
fn answer(st: &mut State, recorded: &Recorded) -> Option<MockResponse> {
    let from_handler = st.handlers.iter().find_map(|h| h(recorded));
    let forge = st.forge;
    from_handler
        .or_else(|| route_answer(st, recorded))
        .or_else(|| match forge {
            Forge::GitLab => super::gitlab_rules::unmodelled(recorded),
            _ => None,
        })
}

fn route_answer(st: &mut State, recorded: &Recorded) -> Option<MockResponse> {
    st.routes
        .iter_mut()
        .find(|r| r.method == recorded.method && r.path == recorded.path)
        .map(|r| {
            if r.responses.len() > 1 {
                r.responses.pop_front().unwrap()
            } else {
                r.responses[0].clone()
            }
        })
}

/// Paths are matched percent-decoded, except `%2F`: GitLab's `projects/acme%2Fapi`
/// names one project id, not two path segments.
fn percent_decode(path: &str) -> String {
    let mut out = Vec::new();
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = &path[i + 1..i + 3];
            if !hex.eq_ignore_ascii_case("2f")
                && let Ok(b) = u8::from_str_radix(hex, 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
