//! The rules the GitHub mock holds itself to, besides what each test's handlers model:
//! GitHub's OpenAPI description for every REST request and response
//! ([`super::openapi`]), and GitHub's 401 for a write sent without a token.

use super::openapi::{self, Description};
use super::{MockResponse, Recorded};
use serde_json::json;

/// The REST path of a request: GitHub Enterprise Server serves the same API below
/// `/api/v3` (and uploads below `/api/uploads`).
fn rest_path(request: &Recorded) -> &str {
    let raw = request.raw_path.as_str();
    raw.strip_prefix("/api/v3")
        .or_else(|| raw.strip_prefix("/api/uploads"))
        .unwrap_or(raw)
}

fn is_graphql(request: &Recorded) -> bool {
    matches!(rest_path(request), "/graphql" | "/api/graphql")
}

/// GitHub's answer to a request it refuses before any handler sees it, and the ways
/// the request breaks the description.
pub fn before(request: &Recorded) -> (Option<MockResponse>, Vec<String>) {
    let writes = !matches!(request.method.as_str(), "GET" | "HEAD");
    if writes && request.header("authorization").is_none() {
        return (
            Some(MockResponse::json(
                401,
                json!({"message": "Requires authentication",
                       "documentation_url": "https://docs.github.com/rest", "status": "401"}),
            )),
            Vec::new(),
        );
    }
    if is_graphql(request) {
        let body = request.json();
        let errors = if body["query"].is_string() {
            Vec::new()
        } else {
            vec![format!(
                "POST /graphql: the body has no query string: {body}"
            )]
        };
        return (None, errors);
    }
    let Some(description) = openapi::description() else {
        return (None, Vec::new());
    };
    match description.find(&request.method, rest_path(request)) {
        Err(mismatch) => (Some(MockResponse::github_not_found()), vec![mismatch]),
        Ok(matched) => {
            let errors = description.check_request(
                &matched,
                &request.method,
                &request.query,
                request.header("content-type"),
                &request.body,
            );
            let refusal = errors.iter().any(|e| e.contains(" body")).then(|| {
                MockResponse::json(
                    422,
                    json!({"message": "Invalid request.", "errors": errors,
                           "documentation_url": "https://docs.github.com/rest", "status": "422"}),
                )
            });
            (refusal, errors)
        }
    }
}

/// The ways the mock's answer breaks what the description documents.
pub fn after(request: &Recorded, response: &MockResponse) -> Vec<String> {
    let Some(description) = openapi::description() else {
        return Vec::new();
    };
    if is_graphql(request) {
        return Vec::new();
    }
    check_response(description, request, response)
}

fn check_response(
    description: &Description,
    request: &Recorded,
    response: &MockResponse,
) -> Vec<String> {
    match description.find(&request.method, rest_path(request)) {
        // The request was already reported; GitHub's 404 is the answer.
        Err(_) => Vec::new(),
        Ok(matched) => description.check_response(
            &matched,
            &request.method,
            request.header("accept"),
            response.status,
            &response.headers,
            &response.body,
        ),
    }
}
