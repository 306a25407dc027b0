//! TOML through toml_edit's parsed document, whose values carry their byte spans.
//! Dotted keys, inline tables and arrays of tables (`package[3].version` in a
//! Cargo.lock) are addressed the way a TOML reader sees them; a string keeps its kind
//! of quotes (basic, literal, multi-line) unless the new value cannot be written in it.

use super::BumpError;
use super::node::{Node, NodeKind, ScalarKind, Style, parse_error};
use super::target::KeyPath;
use std::path::Path;
use toml_edit::{Item, Table, Value};

/// The name of the file kind in messages.
pub const NAME: &str = "TOML";

pub fn nodes(text: &str, file: &Path) -> Result<Vec<Node>, BumpError> {
    let doc = toml_edit::Document::parse(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        parse_error(file, text, at, NAME, e.message().trim().to_string())
    })?;
    let mut nodes = vec![Node {
        doc: 0,
        path: KeyPath::default(),
        kind: NodeKind::Map,
        span: 0..0,
        at: 0,
        flow: false,
    }];
    table(text, doc.as_table(), &KeyPath::default(), &mut nodes);
    Ok(nodes)
}

fn table(text: &str, t: &Table, path: &KeyPath, nodes: &mut Vec<Node>) {
    for (key, item) in t.iter() {
        let key_at = t.key(key).and_then(|k| k.span()).map(|s| s.start);
        item_nodes(text, item, path.key(key), key_at, nodes);
    }
}

fn item_nodes(
    text: &str,
    item: &Item,
    path: KeyPath,
    key_at: Option<usize>,
    nodes: &mut Vec<Node>,
) {
    match item {
        Item::None => {}
        Item::Value(v) => value_nodes(text, v, path, key_at, nodes),
        Item::Table(t) => {
            let at = t.span().map(|s| s.start).or(key_at).unwrap_or(0);
            nodes.push(Node {
                doc: 0,
                path: path.clone(),
                kind: NodeKind::Map,
                span: at..at,
                at,
                flow: false,
            });
            table(text, t, &path, nodes);
        }
        Item::ArrayOfTables(array) => {
            let at = array.span().map(|s| s.start).or(key_at).unwrap_or(0);
            nodes.push(Node {
                doc: 0,
                path: path.clone(),
                kind: NodeKind::List,
                span: at..at,
                at,
                flow: false,
            });
            for (i, t) in array.iter().enumerate() {
                let item_at = t.span().map(|s| s.start).unwrap_or(at);
                nodes.push(Node {
                    doc: 0,
                    path: path.index(i),
                    kind: NodeKind::Map,
                    span: item_at..item_at,
                    at: item_at,
                    flow: false,
                });
                table(text, t, &path.index(i), nodes);
            }
        }
    }
}

fn value_nodes(text: &str, v: &Value, path: KeyPath, key_at: Option<usize>, nodes: &mut Vec<Node>) {
    let span = v.span().unwrap_or_else(|| {
        let at = key_at.unwrap_or(0);
        at..at
    });
    let at = span.start;
    let scalar = |value: String, kind, style| Node {
        doc: 0,
        path: path.clone(),
        kind: NodeKind::Scalar { value, kind, style },
        span: span.clone(),
        at,
        flow: false,
    };
    match v {
        Value::String(s) => {
            let raw = &text[span.clone()];
            let style = if raw.starts_with("\"\"\"") {
                Style::TripleDouble
            } else if raw.starts_with("'''") {
                Style::TripleSingle
            } else if raw.starts_with('\'') {
                Style::SingleQuoted
            } else {
                Style::DoubleQuoted
            };
            nodes.push(scalar(s.value().clone(), ScalarKind::String, style));
        }
        Value::Integer(_) | Value::Float(_) => nodes.push(scalar(
            text[span.clone()].to_string(),
            ScalarKind::Number,
            Style::Plain,
        )),
        Value::Boolean(b) => nodes.push(scalar(
            b.value().to_string(),
            ScalarKind::Bool,
            Style::Plain,
        )),
        Value::Datetime(_) => nodes.push(scalar(
            text[span.clone()].to_string(),
            ScalarKind::Other,
            Style::Plain,
        )),
        Value::Array(array) => {
            nodes.push(Node {
                doc: 0,
                path: path.clone(),
                kind: NodeKind::List,
                span: span.clone(),
                at,
                flow: false,
            });
            for (i, element) in array.iter().enumerate() {
                value_nodes(text, element, path.index(i), Some(at), nodes);
            }
        }
        Value::InlineTable(t) => {
            nodes.push(Node {
                doc: 0,
                path: path.clone(),
                kind: NodeKind::Map,
                span: span.clone(),
                at,
                flow: false,
            });
            for (key, value) in t.iter() {
                let key_at = t.key(key).and_then(|k| k.span()).map(|s| s.start);
                value_nodes(text, value, path.key(key), key_at, nodes);
            }
        }
    }
}

pub fn encode(node: &Node, value: &str) -> Result<String, String> {
    let NodeKind::Scalar { kind, style, .. } = &node.kind else {
        return Err(format!("`{}` is a {}", node.path, node.kind.describe()));
    };
    if *kind == ScalarKind::Number
        && value
            .parse::<Value>()
            .is_ok_and(|v| v.is_integer() || v.is_float())
    {
        return Ok(value.to_string());
    }
    // Literal strings have no escapes: a `'` or control character needs a basic string.
    let literal_ok = !value.contains('\'') && !value.chars().any(|c| c.is_control() && c != '\t');
    Ok(match style {
        Style::SingleQuoted if literal_ok => format!("'{value}'"),
        Style::TripleSingle if literal_ok => format!("'''{value}'''"),
        Style::TripleDouble => format!("\"\"{}\"\"", basic(value)),
        _ => basic(value),
    })
}

/// A TOML basic string: `"…"` with escapes.
fn basic(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_dotted_keys_inline_tables_and_arrays_of_tables() {
        let text = "[project]\nversion = \"1.0.0\" # c\n\n[tool.poetry]\ndeps.x = { version = '1.0' }\n\n[[package]]\nname = \"a\"\nversion = \"\"\"2\"\"\"\n";
        let nodes = nodes(text, Path::new("p.toml")).unwrap();
        let found: Vec<(String, &str)> = nodes
            .iter()
            .filter(|n| n.value().is_some())
            .map(|n| (n.path.to_string(), &text[n.span.clone()]))
            .collect();
        assert_eq!(
            found,
            [
                ("project.version".to_string(), "\"1.0.0\""),
                ("tool.poetry.deps.x.version".to_string(), "'1.0'"),
                ("package[0].name".to_string(), "\"a\""),
                ("package[0].version".to_string(), "\"\"\"2\"\"\""),
            ]
        );
    }

    #[test]
    fn keeps_the_kind_of_quotes() {
        let text = "a = '1'\nb = \"1\"\nc = '''1'''\nd = 1\n";
        let nodes = nodes(text, Path::new("p.toml")).unwrap();
        let get = |p: &str| nodes.iter().find(|n| n.path.to_string() == p).unwrap();
        assert_eq!(encode(get("a"), "2.0").unwrap(), "'2.0'");
        assert_eq!(encode(get("a"), "it's").unwrap(), "\"it's\"");
        assert_eq!(encode(get("b"), "a\"b").unwrap(), "\"a\\\"b\"");
        assert_eq!(encode(get("c"), "2").unwrap(), "'''2'''");
        assert_eq!(encode(get("d"), "2").unwrap(), "2");
        assert_eq!(encode(get("d"), "2.0.0").unwrap(), "\"2.0.0\"");
    }

    #[test]
    fn reports_parse_errors_with_their_position() {
        let err = nodes("[a]\nb = \n", Path::new("p.toml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("p.toml:2:5: does not parse as TOML"),
            "{err}"
        );
    }
}
