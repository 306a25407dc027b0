//! GitLab's tags API for one project: "List project repository tags" (paged, with
//! `search`: `^term` begins with, `term$` ends with, else contains) and "Get a single
//! repository tag".

use super::pages::query_param;
use super::{MockApi, MockResponse};
use serde_json::Value;

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn fits(search: &str, name: &str) -> bool {
    match (search.strip_prefix('^'), search.strip_suffix('$')) {
        _ if search.starts_with('^') && search.ends_with('$') && search.len() > 1 => {
            name == &search[1..search.len() - 1]
        }
        (Some(start), _) => name.starts_with(start),
        (_, Some(end)) => name.ends_with(end),
        _ => name.contains(search),
    }
}

/// Serves `tags` (GitLab's tag objects) of `repo`.
pub fn serve(api: &MockApi, repo: &str, tags: Vec<Value>) {
    let list = format!(
        "/api/v4/projects/{}/repository/tags",
        repo.replace('/', "%2F")
    );
    api.handle(move |r| {
        if r.method != "GET" {
            return None;
        }
        if r.path == list {
            let search = query_param(r, "search")
                .map(|s| decode(&s))
                .unwrap_or_default();
            let found: Vec<Value> = tags
                .iter()
                .filter(|t| fits(&search, t["name"].as_str().unwrap_or("")))
                .cloned()
                .collect();
            return Some(
                MockResponse::json(200, Value::Array(found.clone()))
                    .header("x-page", "1")
                    .header("x-next-page", "")
                    .header("x-total", &found.len().to_string()),
            );
        }
        let name = decode(r.path.strip_prefix(&format!("{list}/"))?);
        // A name not served here is GitLab's 404 (or another handler's tag).
        let tag = tags.iter().find(|t| t["name"] == name.as_str())?;
        Some(MockResponse::json(200, tag.clone()))
    });
}
