//! Paginated list answers for the mock API, the way each forge pages: GitHub with a
//! `Link` header (`rel="next"`, `rel="last"`), GitLab with `x-page`/`x-next-page`/
//! `x-total-pages` headers. The mock may serve pages smaller than `per_page` asks (the
//! forges cap it too); the client must follow the headers, not count items.

use super::{MockApi, MockResponse, Recorded};
use serde_json::Value;

/// The value of query parameter `name` of a recorded request.
pub fn query_param(request: &Recorded, name: &str) -> Option<String> {
    request.query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| v.to_string())
    })
}

fn page_of(request: &Recorded) -> usize {
    query_param(request, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
}

/// Answers `GET path` with `items` in pages of `size`; `wrap` turns one page's items
/// into the body (`Value::Array` for plain lists, an object for `check_runs` etc.).
pub fn github_pages(
    api: &MockApi,
    path: &str,
    items: Vec<Value>,
    size: usize,
    wrap: impl Fn(Vec<Value>) -> Value + Send + Sync + 'static,
) {
    let path = path.to_string();
    let base = api.url();
    api.handle(move |request| {
        if request.method != "GET" || request.path != path {
            return None;
        }
        let pages = items.len().div_ceil(size).max(1);
        let page = page_of(request);
        let chunk: Vec<Value> = items
            .iter()
            .skip((page - 1) * size)
            .take(size)
            .cloned()
            .collect();
        let others: Vec<&str> = request
            .query
            .split('&')
            .filter(|p| !p.starts_with("page=") && !p.is_empty())
            .collect();
        let link_to = |n: usize| {
            let mut query = others.clone();
            let page = format!("page={n}");
            query.push(&page);
            format!("{base}{path}?{}", query.join("&"))
        };
        let mut links = Vec::new();
        if page < pages {
            links.push(format!("<{}>; rel=\"next\"", link_to(page + 1)));
            links.push(format!("<{}>; rel=\"last\"", link_to(pages)));
        }
        if page > 1 {
            links.push(format!("<{}>; rel=\"first\"", link_to(1)));
            links.push(format!("<{}>; rel=\"prev\"", link_to(page - 1)));
        }
        let mut response = MockResponse::json(200, wrap(chunk));
        if !links.is_empty() {
            response = response.header("Link", &links.join(", "));
        }
        Some(response)
    });
}

/// Answers `GET path` with `items` in pages of `size`, with GitLab's pagination headers.
pub fn gitlab_pages(api: &MockApi, path: &str, items: Vec<Value>, size: usize) {
    let path = path.to_string();
    api.handle(move |request| {
        if request.method != "GET" || request.path != path {
            return None;
        }
        let pages = items.len().div_ceil(size).max(1);
        let page = page_of(request);
        let chunk: Vec<Value> = items
            .iter()
            .skip((page - 1) * size)
            .take(size)
            .cloned()
            .collect();
        let next = if page < pages {
            (page + 1).to_string()
        } else {
            String::new()
        };
        Some(
            MockResponse::json(200, Value::Array(chunk))
                .header("x-page", &page.to_string())
                .header("x-per-page", &size.to_string())
                .header("x-next-page", &next)
                .header(
                    "x-prev-page",
                    &if page > 1 {
                        (page - 1).to_string()
                    } else {
                        String::new()
                    },
                )
                .header("x-total", &items.len().to_string())
                .header("x-total-pages", &pages.to_string()),
        )
    });
}
