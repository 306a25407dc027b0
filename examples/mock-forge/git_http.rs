//! git's smart HTTP protocol for the bare repositories under `--git-root`: `git
//! http-backend` run as a CGI program. Anyone reads (a public project); a push needs
//! Basic credentials whose password is one of the GitLab tokens, as GitLab takes a
//! project access token (`oauth2:TOKEN`, or any user name).

use super::{Reply, Request};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Whether the request is one of git's (`info/refs?service=`, `git-upload-pack`, …).
pub fn is_git_request(path: &str, query: &str) -> bool {
    (path.ends_with("/info/refs") && query.starts_with("service=git-"))
        || path.ends_with("/git-upload-pack")
        || path.ends_with("/git-receive-pack")
}

pub fn serve(request: &Request, root: &Path, config: &super::gitlab::Config) -> Reply {
    let pushing =
        request.path.ends_with("/git-receive-pack") || request.query.contains("git-receive-pack");
    let user = basic_credentials(request).filter(|(_, password)| config.tokens.contains(password));
    if pushing && user.is_none() {
        return Reply {
            status: 401,
            headers: vec![("WWW-Authenticate".into(), "Basic realm=\"GitLab\"".into())],
            body: b"HTTP Basic: Access denied\n".to_vec(),
        };
    }
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", request.path)
        .env("QUERY_STRING", request.query)
        .env("REQUEST_METHOD", request.method)
        .env("CONTENT_TYPE", request.content_type)
        .env("CONTENT_LENGTH", request.body.len().to_string())
        // A partial clone (`--filter=tree:0`, as gitlab-ci-local fetches an include)
        // and pushes are allowed.
        .env("GIT_CONFIG_COUNT", "2")
        .env("GIT_CONFIG_KEY_0", "uploadpack.allowFilter")
        .env("GIT_CONFIG_VALUE_0", "true")
        .env("GIT_CONFIG_KEY_1", "http.receivepack")
        .env("GIT_CONFIG_VALUE_1", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some((name, _)) = &user {
        cgi.env("REMOTE_USER", name);
    }
    if let Some(protocol) = request.header("Git-Protocol") {
        cgi.env("GIT_PROTOCOL", protocol);
    }
    if let Some(encoding) = request.header("Content-Encoding") {
        cgi.env("HTTP_CONTENT_ENCODING", encoding);
    }
    let Ok(mut child) = cgi.spawn() else {
        return Reply::json(
            500,
            serde_json::json!({"message": "git http-backend did not start"}),
        );
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let body = request.body.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let output = child.wait_with_output();
    let _ = writer.join();
    let Ok(output) = output else {
        return Reply::json(
            500,
            serde_json::json!({"message": "git http-backend failed"}),
        );
    };
    cgi_reply(&output.stdout)
}

/// A CGI program's output: header lines, a blank line, the body.
fn cgi_reply(out: &[u8]) -> Reply {
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((end, gap)) = split else {
        return Reply::json(502, serde_json::json!({"message": "bad CGI output"}));
    };
    let mut status = 200;
    let mut headers = Vec::new();
    for line in String::from_utf8_lossy(&out[..end]).lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("Status") {
            status = value
                .split(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(500);
        } else {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    Reply {
        status,
        headers,
        body: out[end + gap..].to_vec(),
    }
}

/// The user name and password of `Authorization: Basic …`.
fn basic_credentials(request: &Request) -> Option<(String, String)> {
    use base64::Engine;
    let encoded = request.header("Authorization")?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}
