//! GitHub's official OpenAPI description (npm `@octokit/openapi`) as the judge of the
//! GitHub mock: every request the mock receives and every response it sends is checked
//! against the operation the description documents for that method and path — the
//! route, path and query parameters, the request body's required fields and types, the
//! response status and body. A mismatch is recorded on the mock and fails the test
//! (see [`super::MockApi`]).
//!
//! The description is read from `$RELAY_GITHUB_OPENAPI`, else from where `.ci/run`
//! installs it (`target/ci-node/node_modules/@octokit/openapi/generated/
//! api.github.com.json`). With neither, the checks are off (a machine without npm);
//! with `$RELAY_GITHUB_OPENAPI` set to a file that is not there, every GitHub mock
//! fails. Each operation and response checked is counted in the file
//! `$RELAY_OPENAPI_COVERAGE` when that is set.
//!
//! What is checked of a schema: `$ref`, `type` with `nullable`, `enum`, `required`,
//! `properties`, `additionalProperties`, `items`, `allOf`, `oneOf`/`anyOf` (one of the
//! alternatives must hold; GitHub's alternatives overlap, so "exactly one" is not
//! asked), `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`, and the
//! formats `date-time` and `uri`.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// Statuses any GitHub endpoint may answer although an operation does not list them:
/// no or a bad token (401), a secondary rate limit or a missing permission (403), a
/// private repository the token cannot see (404), the rate limits (429), and a server
/// in trouble (5xx). A body, when given, must still be GitHub's error object.
const ANY_ENDPOINT: &[&str] = &["401", "403", "404", "429", "500", "502", "503", "504"];

pub struct Description {
    doc: Value,
    routes: Vec<Route>,
}

struct Route {
    template: String,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    Param(String),
}

/// The operation a request matched: its path template and the path parameters.
pub struct Matched<'a> {
    pub template: &'a str,
    operation: &'a Value,
    path_item: &'a Value,
    params: Vec<(String, String, bool)>,
}

static DESCRIPTION: OnceLock<Option<Description>> = OnceLock::new();
static COVERAGE: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn default_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/ci-node/node_modules/@octokit/openapi/generated/api.github.com.json")
}

/// The description, loaded once per test process; `None` when it is not installed.
pub fn description() -> Option<&'static Description> {
    DESCRIPTION
        .get_or_init(|| {
            let (path, required) = match std::env::var_os("RELAY_GITHUB_OPENAPI") {
                Some(p) if !p.is_empty() => (PathBuf::from(p), true),
                _ => (default_path(), false),
            };
            let text = match std::fs::read(&path) {
                Ok(text) => text,
                Err(e) if required => panic!(
                    "GitHub's OpenAPI description {}: {e} (install it: npm install \
                     @octokit/openapi, see .ci/run)",
                    path.display()
                ),
                Err(_) => return None,
            };
            let doc: Value = serde_json::from_slice(&text)
                .unwrap_or_else(|e| panic!("GitHub's OpenAPI description {}: {e}", path.display()));
            Some(Description::new(doc))
        })
        .as_ref()
}

/// Counts one checked operation or response (for the CI summary).
fn cover(entry: String) {
    let Some(file) = std::env::var_os("RELAY_OPENAPI_COVERAGE") else {
        return;
    };
    let mut seen = COVERAGE.lock().unwrap();
    if seen.insert(entry) {
        let text: String = seen.iter().map(|e| format!("{e}\n")).collect();
        let _ = std::fs::write(file, text);
    }
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `a=1&b=x+y` as decoded pairs (`+` is a space, as form encoding writes it).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

impl Description {
    fn new(doc: Value) -> Description {
        let routes = doc["paths"]
            .as_object()
            .expect("the description has paths")
            .keys()
            .map(|template| Route {
                template: template.clone(),
                segments: template
                    .split('/')
                    .skip(1)
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name.to_string()),
                            None => Segment::Literal(s.to_string()),
                        },
                    )
                    .collect(),
            })
            .collect();
        Description { doc, routes }
    }

    fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..16 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            let pointer = reference.trim_start_matches('#');
            value = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("the description has no {reference}"));
        }
        value
    }

    /// The operation for `method` and the raw (still percent-encoded) `path`.
    pub fn find(&self, method: &str, raw_path: &str) -> Result<Matched<'_>, String> {
        let method = method.to_ascii_lowercase();
        let raw: Vec<&str> = raw_path.split('/').skip(1).collect();
        let mut best: Option<(usize, Matched<'_>)> = None;
        for route in &self.routes {
            let path_item = &self.doc["paths"][&route.template];
            let Some(operation) = path_item.get(&method) else {
                continue;
            };
            let Some(params) = self.match_route(route, operation, path_item, &raw) else {
                continue;
            };
            let literals = route
                .segments
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count();
            if best.as_ref().is_none_or(|(n, _)| literals > *n) {
                best = Some((
                    literals,
                    Matched {
                        template: &route.template,
                        operation,
                        path_item,
                        params,
                    },
                ));
            }
        }
        best.map(|(_, m)| m).ok_or_else(|| {
            format!(
                "{} {raw_path}: GitHub's description has no such operation",
                method.to_uppercase()
            )
        })
    }

    fn parameters<'a>(&'a self, operation: &'a Value, path_item: &'a Value) -> Vec<&'a Value> {
        let mut all: Vec<&Value> = Vec::new();
        for list in [&path_item["parameters"], &operation["parameters"]] {
            for p in list.as_array().into_iter().flatten() {
                all.push(self.resolve(p));
            }
        }
        all
    }

    fn multi_segment(&self, operation: &Value, path_item: &Value, name: &str) -> bool {
        self.parameters(operation, path_item).iter().any(|p| {
            p["name"] == name && p["in"] == "path" && p["x-multi-segment"] == Value::Bool(true)
        })
    }

    /// The path parameters (name, raw value, whether it spans segments) when `raw`
    /// fits the route.
    fn match_route(
        &self,
        route: &Route,
        operation: &Value,
        path_item: &Value,
        raw: &[&str],
    ) -> Option<Vec<(String, String, bool)>> {
        let mut params = Vec::new();
        let mut at = 0;
        for (i, segment) in route.segments.iter().enumerate() {
            match segment {
                Segment::Literal(text) => {
                    if raw.get(at) != Some(&text.as_str()) {
                        return None;
                    }
                    at += 1;
                }
                Segment::Param(name) => {
                    let rest = route.segments.len() - i - 1;
                    let multi = self.multi_segment(operation, path_item, name);
                    let take = if multi {
                        raw.len().checked_sub(at + rest)?
                    } else {
                        1
                    };
                    if take == 0 || at + take > raw.len() {
                        return None;
                    }
                    let value = raw[at..at + take].join("/");
                    if value.is_empty() {
                        return None;
                    }
                    params.push((name.clone(), value, multi));
                    at += take;
                }
            }
        }
        (at == raw.len()).then_some(params)
    }

    /// Every way the request breaks its operation's description.
    pub fn check_request(
        &self,
        matched: &Matched<'_>,
        method: &str,
        query: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<String> {
        let at = format!("{method} {}", matched.template);
        cover(format!("request {at}"));
        let mut errors = Vec::new();
        let parameters = self.parameters(matched.operation, matched.path_item);
        for (name, raw, multi) in &matched.params {
            if *multi && raw.to_ascii_lowercase().contains("%2f") {
                errors.push(format!(
                    "{at}: the path parameter {name} spans segments and is written with `/`, \
                     not %2F (sent {raw:?})"
                ));
            }
            if let Some(p) = parameters
                .iter()
                .find(|p| p["in"] == "path" && p["name"] == name.as_str())
            {
                let value = param_value(&p["schema"], &percent_decode(raw), self);
                self.check(
                    &p["schema"],
                    &value,
                    &format!("{at} path parameter {name}"),
                    &mut errors,
                );
            }
        }
        let pairs = query_pairs(query);
        for (name, value) in &pairs {
            match parameters
                .iter()
                .find(|p| p["in"] == "query" && p["name"] == name.as_str())
            {
                None => errors.push(format!(
                    "{at}: the query parameter {name} is not one GitHub documents"
                )),
                Some(p) => {
                    let value = param_value(&p["schema"], value, self);
                    self.check(
                        &p["schema"],
                        &value,
                        &format!("{at} query parameter {name}"),
                        &mut errors,
                    );
                    if name == "per_page" && value.as_u64().is_some_and(|n| n > 100) {
                        errors.push(format!("{at}: per_page is at most 100 (sent {value})"));
                    }
                }
            }
        }
        for p in &parameters {
            if p["in"] == "query"
                && p["required"] == Value::Bool(true)
                && !pairs.iter().any(|(k, _)| p["name"] == k.as_str())
            {
                errors.push(format!(
                    "{at}: the required query parameter {} is missing",
                    p["name"]
                ));
            }
        }
        let request_body = self.resolve(&matched.operation["requestBody"]);
        if request_body.is_null() {
            if !body.is_empty() && method != "GET" {
                errors.push(format!("{at}: GitHub documents no request body"));
            }
            return errors;
        }
        let content = &request_body["content"];
        if body.is_empty() {
            if request_body["required"] == Value::Bool(true) {
                errors.push(format!("{at}: the request body is required"));
            }
            return errors;
        }
        let json_schema = content.get("application/json").map(|c| &c["schema"]);
        match json_schema {
            Some(schema) => match serde_json::from_slice::<Value>(body) {
                Ok(value) => self.check(schema, &value, &format!("{at} body"), &mut errors),
                Err(e) => errors.push(format!("{at}: the body is not JSON: {e}")),
            },
            None => {
                // A raw upload: the description names the media type it takes.
                if content_type.is_none() {
                    errors.push(format!("{at}: a raw body needs a Content-Type"));
                }
            }
        }
        errors
    }

    /// Every way the response breaks what the description documents for the status.
    pub fn check_response(
        &self,
        matched: &Matched<'_>,
        method: &str,
        accept: Option<&str>,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Vec<String> {
        let at = format!("{method} {} → {status}", matched.template);
        let mut errors = Vec::new();
        let code = status.to_string();
        let responses = &matched.operation["responses"];
        let documented = responses.get(&code).or_else(|| responses.get("default"));
        let response = match documented {
            Some(r) => self.resolve(r),
            None if ANY_ENDPOINT.contains(&code.as_str()) => {
                cover(format!("response {at} (any endpoint)"));
                if !body.is_empty() {
                    match serde_json::from_slice::<Value>(body) {
                        Ok(value) => self.check(
                            &serde_json::json!({"$ref": "#/components/schemas/basic-error"}),
                            &value,
                            &format!("{at} body"),
                            &mut errors,
                        ),
                        Err(e) => errors.push(format!("{at}: the error body is not JSON: {e}")),
                    }
                }
                return errors;
            }
            None => {
                let listed: Vec<&String> = responses
                    .as_object()
                    .map(|o| o.keys().collect())
                    .unwrap_or_default();
                return vec![format!(
                    "{at}: GitHub documents no {status} for this operation (it lists {listed:?})"
                )];
            }
        };
        cover(format!("response {at}"));
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        if header("link").is_some() && response["headers"].get("Link").is_none() {
            errors.push(format!(
                "{at}: a Link header, which GitHub documents for no answer of this operation \
                 (its pages are counted by the body's total)"
            ));
        }
        if (300..400).contains(&status) && header("location").is_none() {
            errors.push(format!("{at}: a redirect without Location"));
        }
        let content = &response["content"];
        let Some(media) = content.as_object().and_then(|c| c.iter().next()) else {
            if status >= 400 && !body.is_empty() {
                // GitHub answers every refusal with its error object, listed or not.
                match serde_json::from_slice::<Value>(body) {
                    Ok(value) => self.check(
                        &serde_json::json!({"$ref": "#/components/schemas/basic-error"}),
                        &value,
                        &format!("{at} body"),
                        &mut errors,
                    ),
                    Err(e) => errors.push(format!("{at}: the error body is not JSON: {e}")),
                }
            } else if !body.is_empty() && !(300..400).contains(&status) {
                errors.push(format!("{at}: GitHub documents no body for it"));
            }
            return errors;
        };
        let (media_type, media) = media;
        // With `Accept: application/octet-stream` a download answers with the bytes
        // (or a redirect to them), as the operation's text says.
        let raw_download = accept == Some("application/octet-stream")
            && header("content-type").is_none_or(|t| !t.contains("json"));
        if media_type.contains("json") && !raw_download {
            match serde_json::from_slice::<Value>(body) {
                Ok(value) => {
                    self.check(&media["schema"], &value, &format!("{at} body"), &mut errors)
                }
                Err(e) => errors.push(format!("{at}: the body is not JSON: {e}")),
            }
        }
        errors
    }

    /// Checks `value` against `schema`, adding what breaks it to `errors`.
    pub fn check(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(all) = schema["allOf"].as_array() {
            for s in all {
                self.check(s, value, at, errors);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alternatives) = schema[key].as_array() {
                if value.is_null() && schema["nullable"] == Value::Bool(true) {
                    return;
                }
                let mut first = None;
                let holds = alternatives.iter().any(|s| {
                    let mut found = Vec::new();
                    self.check(s, value, at, &mut found);
                    if first.is_none() {
                        first = Some(found.clone());
                    }
                    found.is_empty()
                });
                if !holds {
                    errors.push(format!(
                        "{at}: fits none of the {key} alternatives (the first says: {})",
                        first.unwrap_or_default().join("; ")
                    ));
                }
            }
        }
        if value.is_null() {
            if schema["nullable"] != Value::Bool(true) && schema.get("type").is_some() {
                errors.push(format!("{at}: null, but it is not nullable"));
            }
            return;
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
            && !documented_elsewhere(at, value)
        {
            errors.push(format!(
                "{at}: {value} is not one of {}",
                Value::Array(allowed.clone())
            ));
        }
        let Some(kind) = schema["type"].as_str() else {
            return;
        };
        let fits = match kind {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => true,
        };
        if !fits {
            errors.push(format!(
                "{at}: {} where the description has {kind}",
                short(value)
            ));
            return;
        }
        match value {
            Value::Object(object) => {
                for name in schema["required"].as_array().into_iter().flatten() {
                    let name = name.as_str().unwrap_or("");
                    if !object.contains_key(name) {
                        errors.push(format!("{at}: the required field {name} is missing"));
                    }
                }
                let properties = schema["properties"].as_object();
                for (name, field) in object {
                    match properties.and_then(|p| p.get(name)) {
                        Some(s) => self.check(s, field, &format!("{at}.{name}"), errors),
                        None => match &schema["additionalProperties"] {
                            Value::Bool(false) => {
                                errors.push(format!("{at}: the field {name} is not documented"))
                            }
                            s @ Value::Object(_) => {
                                self.check(s, field, &format!("{at}.{name}"), errors)
                            }
                            _ => {}
                        },
                    }
                }
            }
            Value::Array(items) => {
                if let Some(min) = schema["minItems"].as_u64()
                    && (items.len() as u64) < min
                {
                    errors.push(format!("{at}: fewer than {min} items"));
                }
                if let Some(max) = schema["maxItems"].as_u64()
                    && (items.len() as u64) > max
                {
                    errors.push(format!("{at}: more than {max} items"));
                }
                if schema.get("items").is_some() {
                    for (i, item) in items.iter().enumerate() {
                        self.check(&schema["items"], item, &format!("{at}[{i}]"), errors);
                    }
                }
            }
            Value::String(text) => {
                let length = text.chars().count() as u64;
                if schema["minLength"].as_u64().is_some_and(|min| length < min) {
                    errors.push(format!("{at}: shorter than {}", schema["minLength"]));
                }
                if schema["maxLength"].as_u64().is_some_and(|max| length > max) {
                    errors.push(format!("{at}: longer than {}", schema["maxLength"]));
                }
                match schema["format"].as_str() {
                    Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => {
                        errors.push(format!("{at}: {text:?} is not a date-time"));
                    }
                    Some("uri") if !text.contains(':') => {
                        errors.push(format!("{at}: {text:?} is not a URI"));
                    }
                    _ => {}
                }
            }
            Value::Number(number) => {
                if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), number.as_f64())
                    && n < min
                {
                    errors.push(format!("{at}: {n} is below the minimum {min}"));
                }
                if let (Some(max), Some(n)) = (schema["maximum"].as_f64(), number.as_f64())
                    && n > max
                {
                    errors.push(format!("{at}: {n} is above the maximum {max}"));
                }
            }
            _ => {}
        }
    }
}

/// Values the description's schemas leave out but its own operation texts document,
/// as (where the value stands, the value, the text that documents it).
const DOCUMENTED_IN_TEXT: &[(&str, &str, &str)] = &[(
    "/releases/{release_id}/assets → 200 body[",
    "starter",
    "Upload a release asset: \"This may leave an empty asset with a state of `starter`.\"",
)];

fn documented_elsewhere(at: &str, value: &Value) -> bool {
    DOCUMENTED_IN_TEXT
        .iter()
        .any(|(place, text, _)| at.contains(place) && at.ends_with(".state") && value == text)
}

/// A parameter's text as the JSON value its schema expects (`per_page=100` → 100).
fn param_value(schema: &Value, text: &str, description: &Description) -> Value {
    let schema = description.resolve(schema);
    match schema["type"].as_str() {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.to_string())),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_string()),
        },
        _ => Value::String(text.to_string()),
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}
