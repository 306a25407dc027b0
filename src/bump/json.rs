//! JSON (and JSON with comments and trailing commas, as tsconfig.json and
//! devcontainer.json are written) through jsonc-parser's AST, whose nodes carry byte
//! ranges. A string value is replaced by a JSON string; a number stays a number when
//! the new value is one.

use super::BumpError;
use super::node::{Node, NodeKind, ScalarKind, Style, parse_error};
use super::target::KeyPath;
use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use std::path::Path;

/// The name of the file kind in messages.
pub const NAME: &str = "JSON";

fn options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

pub fn nodes(text: &str, file: &Path) -> Result<Vec<Node>, BumpError> {
    let parsed = parse_to_ast(text, &CollectOptions::default(), &options())
        .map_err(|e| parse_error(file, text, e.range().start, NAME, e.kind().to_string()))?;
    let mut nodes = Vec::new();
    match &parsed.value {
        Some(value) => walk(value, KeyPath::default(), &mut nodes),
        None => {
            return Err(parse_error(
                file,
                text,
                0,
                NAME,
                "the file holds no JSON value".into(),
            ));
        }
    }
    Ok(nodes)
}

fn walk(value: &Value<'_>, path: KeyPath, nodes: &mut Vec<Node>) {
    let scalar = |range: jsonc_parser::common::Range, value: String, kind| Node {
        doc: 0,
        path: path.clone(),
        kind: NodeKind::Scalar {
            value,
            kind,
            style: if kind == ScalarKind::String {
                Style::DoubleQuoted
            } else {
                Style::Plain
            },
        },
        span: range.start..range.end,
        at: range.start,
        flow: false,
    };
    match value {
        Value::StringLit(s) => nodes.push(scalar(s.range, s.value.to_string(), ScalarKind::String)),
        Value::NumberLit(n) => nodes.push(scalar(n.range, n.value.to_string(), ScalarKind::Number)),
        Value::BooleanLit(b) => nodes.push(scalar(b.range, b.value.to_string(), ScalarKind::Bool)),
        Value::NullKeyword(n) => nodes.push(scalar(n.range, "null".into(), ScalarKind::Null)),
        Value::Object(object) => {
            nodes.push(container(&path, NodeKind::Map, object.range));
            for prop in &object.properties {
                let name = match &prop.name {
                    ObjectPropName::String(s) => s.value.to_string(),
                    ObjectPropName::Word(w) => w.value.to_string(),
                };
                walk(&prop.value, path.key(&name), nodes);
            }
        }
        Value::Array(array) => {
            nodes.push(container(&path, NodeKind::List, array.range));
            for (i, element) in array.elements.iter().enumerate() {
                walk(element, path.index(i), nodes);
            }
        }
    }
}

fn container(path: &KeyPath, kind: NodeKind, range: jsonc_parser::common::Range) -> Node {
    Node {
        doc: 0,
        path: path.clone(),
        kind,
        span: range.start..range.end,
        at: range.start,
        flow: false,
    }
}

pub fn encode(node: &Node, value: &str) -> Result<String, String> {
    let NodeKind::Scalar { kind, .. } = &node.kind else {
        return Err(format!("`{}` is a {}", node.path, node.kind.describe()));
    };
    if *kind == ScalarKind::Number && is_json_number(value) {
        return Ok(value.to_string());
    }
    serde_json::to_string(value).map_err(|e| e.to_string())
}

fn is_json_number(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v.is_number())
        && !text.starts_with(char::is_whitespace)
        && !text.ends_with(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_with_byte_ranges() {
        let text = "{\n  // comment\n  \"name\": \"Größe\",\n  \"version\": \"1.0.0\",\n  \"n\": [1, {\"\": true}],\n}\n";
        let nodes = nodes(text, Path::new("p.json")).unwrap();
        let found: Vec<(String, &str)> = nodes
            .iter()
            .filter(|n| n.value().is_some())
            .map(|n| (n.path.to_string(), &text[n.span.clone()]))
            .collect();
        assert_eq!(
            found,
            [
                ("name".to_string(), "\"Größe\""),
                ("version".to_string(), "\"1.0.0\""),
                ("n[0]".to_string(), "1"),
                ("n[1].\"\"".to_string(), "true"),
            ]
        );
    }

    #[test]
    fn reports_parse_errors_with_their_position() {
        let err = nodes("{\n  \"a\": 1\n  \"b\": 2\n}\n", Path::new("p.json")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.json:2:9: does not parse as JSON: Expected comma"
        );
    }
}
