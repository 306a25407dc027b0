//! The rules the GitLab mock holds itself to, written from GitLab's documentation:
//!
//! - Authentication ("REST API authentication"): a write without a token gets 401.
//! - The CI/CD job token ("GitLab CI/CD job token", *Job token access*) reaches only
//!   the endpoints listed there; on any other route GitLab does not take the token,
//!   the call is anonymous, and a private project answers 404 (a write 401).
//! - Pagination ("REST API pagination"): `per_page` is at most 100.
//! - Generic packages ("GitLab generic packages repository", and the validation in
//!   `Gitlab::Regex::Packages`): the package name and file name match
//!   `\A[A-Za-z0-9._+-]+\z`, the version `\A(?!.*\.\.)[\w+.-]+\z`; anything else is 400.

use super::{MockResponse, Recorded};
use serde_json::json;

/// What the job token may call, as (method, path pattern below `/api/v4`): `*` is one
/// path segment, a final `**` any rest.
const JOB_TOKEN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/job"),
    ("GET", "/projects/*/repository/branches"),
    ("GET", "/projects/*/repository/commits/*"),
    ("GET", "/projects/*/repository/commits/*/merge_requests"),
    ("GET", "/projects/*/repository/files/*/raw"),
    ("GET", "/projects/*/repository/tags"),
    ("GET", "/projects/*/repository/changelog"),
    ("GET", "/projects/*/merge_requests"),
    ("GET", "/projects/*/merge_requests/*"),
    ("GET", "/projects/*/merge_requests/*/notes"),
    ("GET", "/projects/*/merge_requests/*/notes/*"),
    ("*", "/projects/*/jobs/*/artifacts/**"),
    ("*", "/projects/*/jobs/*/artifacts"),
    ("*", "/projects/*/jobs/artifacts/**"),
    ("*", "/projects/*/artifacts"),
    ("*", "/projects/*/packages/**"),
    ("*", "/projects/*/packages"),
    ("*", "/projects/*/releases"),
    ("*", "/projects/*/releases/**"),
    ("*", "/projects/*/deployments"),
    ("*", "/projects/*/deployments/**"),
    ("*", "/projects/*/environments"),
    ("*", "/projects/*/environments/**"),
    ("POST", "/projects/*/trigger/pipeline"),
    ("PUT", "/projects/*/pipelines/*/metadata"),
];

fn matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/').skip(1);
    let mut have = path.split('/').skip(1);
    loop {
        match (want.next(), have.next()) {
            (Some("**"), Some(_)) => return true,
            (Some("*"), Some(s)) if !s.is_empty() => {}
            (Some(w), Some(h)) if w == h => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Whether GitLab takes the job token for `method path` (a path below `/api/v4`).
pub fn job_token_reaches(method: &str, path: &str) -> bool {
    JOB_TOKEN_ROUTES
        .iter()
        .any(|(m, p)| (*m == "*" || *m == method) && matches(p, path))
}

fn file_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
}

fn version_ok(version: &str) -> bool {
    !version.is_empty()
        && !version.contains("..")
        && version
            .chars()
            .all(|c| c.is_alphanumeric() || "_+.-".contains(c))
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// GitLab's answer where a test models nothing but GitLab always answers: the trigger
/// jobs of a pipeline (`GET /projects/:id/pipelines/:pipeline_id/bridges`), none unless
/// the test lists some.
pub fn unmodelled(request: &Recorded) -> Option<MockResponse> {
    let path = request.raw_path.strip_prefix("/api/v4")?;
    (request.method == "GET" && matches("/projects/*/pipelines/*/bridges", path)).then(|| {
        MockResponse::json(200, json!([]))
            .header("x-page", "1")
            .header("x-per-page", "20")
            .header("x-next-page", "")
            .header("x-prev-page", "")
            .header("x-total", "0")
            .header("x-total-pages", "1")
    })
}

/// GitLab's answer to a request it refuses before any handler sees it, and the ways
/// the request breaks the documented rules.
pub fn before(request: &Recorded) -> (Option<MockResponse>, Vec<String>) {
    let Some(path) = request.raw_path.strip_prefix("/api/v4") else {
        return (None, Vec::new());
    };
    let mut mismatches = Vec::new();
    if let Some(n) = super::pages::query_param(request, "per_page")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|n| *n > 100)
    {
        mismatches.push(format!(
            "{} {path}: per_page is at most 100 (sent {n})",
            request.method
        ));
    }
    let writes = !matches!(request.method.as_str(), "GET" | "HEAD");
    let private_token =
        request.header("private-token").is_some() || request.header("authorization").is_some();
    let job_token = request.header("job-token").is_some();
    let anonymous = !private_token && (!job_token || !job_token_reaches(&request.method, path));
    if anonymous && (writes || path == "/user" || path == "/job") {
        return (
            Some(MockResponse::json(
                401,
                json!({"message": "401 Unauthorized"}),
            )),
            mismatches,
        );
    }
    if anonymous && path.starts_with("/projects/") && job_token {
        // The project is private: to an anonymous caller it does not exist.
        return (
            Some(MockResponse::json(
                404,
                json!({"message": "404 Project Not Found"}),
            )),
            mismatches,
        );
    }
    // PUT /projects/:id/packages/generic/:package_name/:package_version/:file_name
    let parts: Vec<&str> = path.split('/').collect();
    if request.method == "PUT"
        && parts.len() == 8
        && parts[1] == "projects"
        && parts[3] == "packages"
        && parts[4] == "generic"
    {
        let (name, version, file) = (decode(parts[5]), decode(parts[6]), decode(parts[7]));
        let refusal = if !file_name_ok(&name) {
            Some("package_name is invalid")
        } else if !version_ok(&version) {
            Some("package_version is invalid")
        } else if !file_name_ok(&file) {
            Some("file_name is invalid")
        } else {
            None
        };
        if let Some(message) = refusal {
            return (
                Some(MockResponse::json(400, json!({"error": message}))),
                mismatches,
            );
        }
    }
    (None, mismatches)
}

/// The ways the mock's answer breaks the documented rules.
pub fn after(request: &Recorded, response: &MockResponse) -> Vec<String> {
    let header = |name: &str| {
        response
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    if (300..400).contains(&response.status) && !header("location") {
        return vec![format!(
            "{} {}: a redirect without Location",
            request.method, request.raw_path
        )];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_token_reaches_the_listed_routes_only() {
        assert!(job_token_reaches(
            "GET",
            "/projects/acme%2Fapi/repository/tags"
        ));
        assert!(!job_token_reaches(
            "GET",
            "/projects/acme%2Fapi/repository/tags/v1"
        ));
        assert!(!job_token_reaches(
            "POST",
            "/projects/acme%2Fapi/repository/tags"
        ));
        assert!(job_token_reaches(
            "GET",
            "/projects/acme%2Fapi/repository/commits/abc"
        ));
        assert!(!job_token_reaches(
            "GET",
            "/projects/acme%2Fapi/repository/commits"
        ));
        assert!(!job_token_reaches("GET", "/projects/acme%2Fapi"));
        assert!(job_token_reaches(
            "PUT",
            "/projects/5/packages/generic/tool/1.0/a.tgz"
        ));
        assert!(job_token_reaches(
            "POST",
            "/projects/5/releases/v1/assets/links"
        ));
        assert!(!job_token_reaches("GET", "/projects/5/pipelines/3/jobs"));
        assert!(job_token_reaches("GET", "/projects/5/jobs/9/artifacts"));
    }

    #[test]
    fn generic_package_names_follow_gitlab_s_rules() {
        assert!(version_ok("1.2.0-rc.1+build"));
        assert!(!version_ok("api/v1.2.0"));
        assert!(!version_ok("1..2"));
        assert!(file_name_ok("tool-1.2.0_linux+x.tar.gz"));
        assert!(!file_name_ok("tool 1.2.0.tar.gz"));
        assert!(!file_name_ok("pkg@1.2.0"));
    }
}
