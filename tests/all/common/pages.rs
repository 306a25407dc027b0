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

/// A wrapper for lists GitHub answers inside an object: `{"total_count": n, "<list>": [...]}`.
pub fn counted(list: &'static str) -> impl Fn(Vec<Value>, usize) -> Value + Send + Sync + 'static {
    move |items, total| serde_json::json!({"total_count": total, list: items})
}

/// A plain array, as most GitHub lists are.
pub fn array(items: Vec<Value>, _total: usize) -> Value {
    Value::Array(items)
}

/// GitHub's page size for `request`: `per_page` (default 30, at most 100), capped by
/// `cap` (a mock may serve less than asked, as the forge may).
fn github_page_size(request: &Recorded, cap: usize) -> usize {
    query_param(request, "per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100)
        .min(cap)
}

/// One page of `items` for `request`, the way GitHub pages: `per_page`/`page`, and a
/// `Link` header with `next`, `last`, `first`, `prev`.
pub fn github_page_of(
    base: &str,
    request: &Recorded,
    items: Vec<Value>,
    cap: usize,
    wrap: &dyn Fn(Vec<Value>, usize) -> Value,
) -> MockResponse {
    github_page_linked(base, request, items, cap, wrap, true)
}

fn github_page_linked(
    base: &str,
    request: &Recorded,
    items: Vec<Value>,
    cap: usize,
    wrap: &dyn Fn(Vec<Value>, usize) -> Value,
    linked: bool,
) -> MockResponse {
    let size = github_page_size(request, cap);
    let total = items.len();
    let pages = total.div_ceil(size).max(1);
    let page = page_of(request);
    let chunk: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
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
        format!("{base}{}?{}", request.raw_path, query.join("&"))
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
    let mut response = MockResponse::json(200, wrap(chunk, total));
    if linked && !links.is_empty() {
        response = response.header("Link", &links.join(", "));
    }
    response
}

/// [`github_page_of`] for a plain array.
pub fn github_page(base: &str, request: &Recorded, items: Vec<Value>) -> MockResponse {
    github_page_of(base, request, items, 100, &array)
}

/// Answers `GET path` with `items` in GitHub's pages of at most `cap`; `wrap` turns one
/// page's items and the total into the body ([`array`] for plain lists, [`counted`]
/// for `check_runs` etc.).
pub fn github_pages(
    api: &MockApi,
    path: &str,
    items: Vec<Value>,
    cap: usize,
    wrap: impl Fn(Vec<Value>, usize) -> Value + Send + Sync + 'static,
) {
    let path = path.to_string();
    let base = api.url();
    api.handle(move |request| {
        if request.method != "GET" || request.path != path {
            return None;
        }
        Some(github_page_of(&base, request, items.clone(), cap, &wrap))
    });
}

/// Like [`github_pages`] for a list whose description documents no `Link` header (the
/// combined status): pages are asked for with `page`, and only the body's total tells
/// how many there are.
pub fn github_pages_without_link(
    api: &MockApi,
    path: &str,
    items: Vec<Value>,
    cap: usize,
    wrap: impl Fn(Vec<Value>, usize) -> Value + Send + Sync + 'static,
) {
    let path = path.to_string();
    let base = api.url();
    api.handle(move |request| {
        if request.method != "GET" || request.path != path {
            return None;
        }
        Some(github_page_linked(
            &base,
            request,
            items.clone(),
            cap,
            &wrap,
            false,
        ))
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
