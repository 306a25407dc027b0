//! STAND-INS until merge: the two readers verify-release shares with other tools.
//!
//! - [`repos_of_request`] reads a release request file. At merge its body becomes a
//!   call of tag-from-request's parser (`crate::request::ReleaseRequest`), keeping
//!   this signature.
//! - [`read_version_target`] reads the value a version target (`PATH[:KEY]`) names.
//!   At merge its body becomes a call of bump-versions' reader
//!   (`crate::bump::read_targets`), keeping this signature. Until then it reads the
//!   simple cases: plain files, dotenv `KEY`, and dotted keys of JSON, TOML and YAML;
//!   the `/REGEX/` form is refused.
//!
//! Both read YAML with `saphyr-parser` into a `serde_json::Value` whose scalars stay
//! the text they were written as (`1.10` stays `1.10`).

use super::VerifyError;
use crate::Location;
use serde_json::Value;
use std::path::Path;

/// One repository a request lists for a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedRepo {
    pub repo: String,
    pub commit: Option<String>,
    pub tag: Option<String>,
}

/// The repositories the request file at `path` lists for `version`.
pub fn repos_of_request(path: &Path, version: &str) -> Result<Vec<RequestedRepo>, VerifyError> {
    let text = std::fs::read_to_string(path).map_err(|e| VerifyError::RequestUnreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let document = yaml_value(&text).map_err(|(offset, message)| VerifyError::BadRequest {
        location: Location::at_offset(path, &text, offset),
        message,
    })?;
    let bad = |message: &str| VerifyError::BadRequest {
        location: Location::new(path, 1, 1),
        message: message.to_string(),
    };
    let releases = document
        .get("releases")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no `releases` list"))?;
    let release = releases
        .iter()
        .find(|r| r.get("version").and_then(Value::as_str) == Some(version))
        .ok_or_else(|| VerifyError::VersionNotRequested {
            path: path.to_path_buf(),
            version: version.to_string(),
        })?;
    let projects = release
        .get("projects")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("the release has no `projects` list"))?;
    projects
        .iter()
        .map(|p| {
            let text = |key: &str| p.get(key).and_then(Value::as_str).map(str::to_string);
            Ok(RequestedRepo {
                repo: text("repo").ok_or_else(|| bad("a project has no `repo`"))?,
                commit: text("hash"),
                tag: text("tag"),
            })
        })
        .collect()
}

/// What [`read_version_target`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetValue {
    Found(String),
    /// The file or key is not there, or the file cannot be read: why.
    Missing(String),
}

/// The value the target `path` / `key` names, relative to `dir`. A target the reader
/// does not handle is bad input (`Err`); a missing file or key is a finding.
pub fn read_version_target(
    dir: &Path,
    path: &str,
    key: Option<&str>,
) -> Result<TargetValue, VerifyError> {
    let unsupported = |reason: &str| VerifyError::BadTarget {
        target: match key {
            Some(k) => format!("{path}:{k}"),
            None => path.to_string(),
        },
        reason: reason.to_string(),
    };
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let kind = if name.ends_with(".json") {
        Kind::Json
    } else if name.ends_with(".toml") {
        Kind::Toml
    } else if name.ends_with(".yaml") || name.ends_with(".yml") {
        Kind::Yaml
    } else if name == ".env" || name.starts_with(".env.") || name.ends_with(".env") {
        Kind::Dotenv
    } else if !name.contains('.') {
        Kind::Plain
    } else {
        return Err(unsupported(
            "the kind of file is not known from its name; give a /REGEX/ (read once bump-versions' reader is merged)",
        ));
    };
    if key.is_some_and(|k| k.starts_with('/')) {
        return Err(unsupported(
            "the /REGEX/ form is read by bump-versions' reader, not merged yet",
        ));
    }
    if kind == Kind::Plain && key.is_some() {
        return Err(unsupported(
            "a plain file holds only the version; give no KEY",
        ));
    }
    if kind != Kind::Plain && key.is_none_or(str::is_empty) {
        return Err(unsupported("this kind of file needs a KEY"));
    }
    let text = match std::fs::read_to_string(dir.join(path)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(TargetValue::Missing("no such file".into()));
        }
        Err(e) => return Ok(TargetValue::Missing(format!("cannot read: {e}"))),
    };
    let key = key.unwrap_or("");
    let tree = match kind {
        Kind::Plain => {
            let value = text.strip_suffix('\n').unwrap_or(&text);
            let value = value.strip_suffix('\r').unwrap_or(value);
            return Ok(TargetValue::Found(value.to_string()));
        }
        Kind::Dotenv => {
            return Ok(dotenv_value(&text, key)
                .map(TargetValue::Found)
                .unwrap_or_else(|| TargetValue::Missing(format!("no key {key}"))));
        }
        Kind::Json => serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()),
        Kind::Toml => toml::from_str::<toml::Value>(&text)
            .map_err(|e| e.message().to_string())
            .and_then(|v| serde_json::to_value(v).map_err(|e| e.to_string())),
        Kind::Yaml => yaml_value(&text).map_err(|(_, m)| m),
    };
    let tree = match tree {
        Ok(tree) => tree,
        Err(message) => return Ok(TargetValue::Missing(format!("cannot parse: {message}"))),
    };
    let mut node = &tree;
    for part in key.split('.') {
        let next = match node {
            Value::Object(map) => map.get(part),
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return Ok(TargetValue::Missing(format!("no key {key}"))),
        }
    }
    Ok(match node {
        Value::String(s) => TargetValue::Found(s.clone()),
        Value::Number(n) => TargetValue::Found(n.to_string()),
        Value::Bool(b) => TargetValue::Found(b.to_string()),
        Value::Null => TargetValue::Missing(format!("{key} is empty")),
        _ => TargetValue::Missing(format!("{key} is not a single value")),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Dotenv,
    Json,
    Toml,
    Yaml,
}

/// `KEY=value` (optionally `export KEY=value`, quoted) of a dotenv file.
fn dotenv_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (k, v) = line.split_once('=')?;
        if k.trim() != key {
            return None;
        }
        let v = v.trim();
        let unquoted = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')));
        Some(match unquoted {
            Some(s) => s.to_string(),
            None => v.split(" #").next().unwrap_or(v).trim().to_string(),
        })
    })
}

/// The first document of a YAML text; scalars stay strings, `~`/`null`/empty are null.
/// Errors carry the byte offset.
fn yaml_value(text: &str) -> Result<Value, (usize, String)> {
    use saphyr_parser::{Event, Parser, ScalarStyle};
    enum Open {
        Seq(Vec<Value>, usize),
        Map(serde_json::Map<String, Value>, Option<String>, usize),
    }
    // The parser counts characters; locations want bytes.
    let byte_of = |chars: usize| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(b, _)| b)
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: Vec<(usize, Value)> = Vec::new();
    let mut root = None;
    while let Some(next) = parser.next_event() {
        let (event, span) =
            next.map_err(|e| (byte_of(e.marker().index()), e.info().to_string()))?;
        let (value, anchor) = match event {
            Event::DocumentEnd if root.is_some() => break,
            Event::SequenceStart(anchor, _) => {
                stack.push(Open::Seq(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Open::Map(serde_json::Map::new(), None, anchor));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq(items, anchor)) => (Value::Array(items), anchor),
                _ => continue,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map(map, _, anchor)) => (Value::Object(map), anchor),
                _ => continue,
            },
            Event::Scalar(text, style, anchor, _) => {
                let null = style == ScalarStyle::Plain && matches!(&*text, "" | "~" | "null");
                let value = if null {
                    Value::Null
                } else {
                    Value::String(text.into_owned())
                };
                (value, anchor)
            }
            Event::Alias(id) => (
                anchors
                    .iter()
                    .find(|(a, _)| *a == id)
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Value::Null),
                0,
            ),
            _ => continue,
        };
        if anchor > 0 {
            anchors.push((anchor, value.clone()));
        }
        match stack.last_mut() {
            Some(Open::Seq(items, _)) => items.push(value),
            Some(Open::Map(map, key, _)) => match key.take() {
                Some(k) => {
                    map.insert(k, value);
                }
                None => match value {
                    Value::String(k) => *key = Some(k),
                    Value::Null => *key = Some(String::new()),
                    _ => {
                        return Err((byte_of(span.start.index()), "a key that is not text".into()));
                    }
                },
            },
            None => root = Some(value),
        }
    }
    Ok(root.unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars_stay_as_written() {
        let v = yaml_value("a: 1.10\nb: [yes, ~]\nc: &x {d: 'e'}\nf: *x\n").unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": "1.10", "b": ["yes", null], "c": {"d": "e"}, "f": {"d": "e"}})
        );
        let (offset, _) = yaml_value("a: [1,\nb: 2\n").unwrap_err();
        assert!(offset > 0);
    }

    #[test]
    fn reads_the_simple_kinds_of_version_targets() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("VERSION", "1.2.0\n");
        write("package.json", r#"{"name": "x", "version": "1.2.0"}"#);
        write("pyproject.toml", "[project]\nversion = \"1.2.0\"\n");
        write(
            "Chart.yaml",
            "apiVersion: v2\nappVersion: \"1.2.0\"\nimage:\n  tag: v1.2.0\n",
        );
        write(".env.example", "# x\nexport APP_VERSION=\"1.2.0\"\n");
        let read = |p: &str, k: Option<&str>| read_version_target(dir.path(), p, k).unwrap();
        let found = |s: &str| TargetValue::Found(s.to_string());
        assert_eq!(read("VERSION", None), found("1.2.0"));
        assert_eq!(read("package.json", Some("version")), found("1.2.0"));
        assert_eq!(
            read("pyproject.toml", Some("project.version")),
            found("1.2.0")
        );
        assert_eq!(read("Chart.yaml", Some("appVersion")), found("1.2.0"));
        assert_eq!(read("Chart.yaml", Some("image.tag")), found("v1.2.0"));
        assert_eq!(read(".env.example", Some("APP_VERSION")), found("1.2.0"));
        assert_eq!(
            read("Chart.yaml", Some("image.name")),
            TargetValue::Missing("no key image.name".into())
        );
        assert_eq!(
            read("GONE", None),
            TargetValue::Missing("no such file".into())
        );
        let err = read_version_target(dir.path(), "setup.cfg", Some("version")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--expect-file setup.cfg:version: "),
            "{err}"
        );
    }
}
