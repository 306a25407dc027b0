//! A real smart-HTTP git server on 127.0.0.1: `git http-backend` behind a small CGI
//! bridge, optionally demanding Basic credentials (as GitHub and GitLab do for a
//! token), so tests can prove that a token reaches git and nothing prints it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

pub struct HttpGitServer {
    server: Arc<tiny_http::Server>,
    port: u16,
    authorizations: Arc<Mutex<Vec<String>>>,
}

impl HttpGitServer {
    /// Serves the repositories below `root`; with `credentials` every request must
    /// carry `Authorization: Basic base64(user:password)`.
    pub fn start(root: &Path, credentials: Option<(&str, &str)>) -> HttpGitServer {
        HttpGitServer::serve_with(root, credentials, None)
    }

    /// A server that answers every request with `status` (a broken forge: 500, 503),
    /// after demanding `credentials` like [`HttpGitServer::start`].
    pub fn failing(root: &Path, credentials: Option<(&str, &str)>, status: u16) -> HttpGitServer {
        HttpGitServer::serve_with(root, credentials, Some(status))
    }

    fn serve_with(
        root: &Path,
        credentials: Option<(&str, &str)>,
        failure: Option<u16>,
    ) -> HttpGitServer {
        use base64::Engine;
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("binds"));
        let port = server.server_addr().to_ip().unwrap().port();
        let expected = credentials.map(|(u, p)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        });
        let authorizations = Arc::new(Mutex::new(Vec::new()));
        let (srv, seen, root) = (server.clone(), authorizations.clone(), root.to_path_buf());
        std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                let (seen, root, expected) = (seen.clone(), root.clone(), expected.clone());
                std::thread::spawn(move || {
                    serve(request, &root, expected.as_deref(), failure, &seen)
                });
            }
        });
        HttpGitServer {
            server,
            port,
            authorizations,
        }
    }

    /// `http://127.0.0.1:PORT/<name>`
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{}", self.port, name)
    }

    /// Every Authorization header received.
    pub fn authorizations(&self) -> Vec<String> {
        self.authorizations.lock().unwrap().clone()
    }
}

impl Drop for HttpGitServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn header<'a>(request: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn serve(
    mut request: tiny_http::Request,
    root: &PathBuf,
    expected: Option<&str>,
    failure: Option<u16>,
    seen: &Mutex<Vec<String>>,
) {
    let authorization = header(&request, "Authorization").map(str::to_string);
    if let Some(a) = &authorization {
        seen.lock().unwrap().push(a.clone());
    }
    if let Some(expected) = expected
        && authorization.as_deref() != Some(expected)
    {
        let reply = tiny_http::Response::from_string("authentication required")
            .with_status_code(401)
            .with_header(
                tiny_http::Header::from_bytes("WWW-Authenticate", "Basic realm=\"git\"").unwrap(),
            );
        let _ = request.respond(reply);
        return;
    }
    if let Some(status) = failure {
        let reply =
            tiny_http::Response::from_string("the server is broken").with_status_code(status);
        let _ = request.respond(reply);
        return;
    }
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    let mut child = Command::new("git")
        .arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .env("REQUEST_METHOD", request.method().as_str())
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env(
            "CONTENT_TYPE",
            header(&request, "Content-Type").unwrap_or(""),
        )
        .env("CONTENT_LENGTH", body.len().to_string())
        .env(
            "HTTP_CONTENT_ENCODING",
            header(&request, "Content-Encoding").unwrap_or(""),
        )
        .env(
            "GIT_PROTOCOL",
            header(&request, "Git-Protocol").unwrap_or(""),
        )
        .env("REMOTE_USER", "tester")
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("git http-backend runs");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut output)
        .unwrap();
    let _ = writer.join();
    let _ = child.wait();
    // CGI: headers, a blank line, the body.
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, 4))
        .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|p| (p, 2)));
    let Some((at, gap)) = split else {
        let _ = request
            .respond(tiny_http::Response::from_string("bad CGI output").with_status_code(500));
        return;
    };
    let head = String::from_utf8_lossy(&output[..at]).into_owned();
    let mut status = 200;
    let mut reply_headers = Vec::new();
    for line in head.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("Status") {
            status = value
                .trim()
                .split(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(200);
        } else {
            reply_headers.push(tiny_http::Header::from_bytes(name.trim(), value.trim()).unwrap());
        }
    }
    let mut reply =
        tiny_http::Response::from_data(output[at + gap..].to_vec()).with_status_code(status);
    for h in reply_headers {
        reply.add_header(h);
    }
    let _ = request.respond(reply);
}
