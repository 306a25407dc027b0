//! dotenv files (`.env`, `.env.example`, `deploy.env`): `KEY=value` lines with an
//! optional `export ` prefix, `#` comments, and unquoted, `'single'` or `"double"`
//! quoted values. The KEY of a target is the variable name; only the value's bytes
//! change, in its own quoting where the new value allows it.

use super::BumpError;
use super::node::{Node, NodeKind, ScalarKind, Style, parse_error};
use super::target::KeyPath;
use std::path::Path;

/// The name of the file kind in messages.
pub const NAME: &str = "dotenv";

pub fn nodes(text: &str, file: &Path) -> Result<Vec<Node>, BumpError> {
    let mut nodes = vec![Node {
        doc: 0,
        path: KeyPath::default(),
        kind: NodeKind::Map,
        span: 0..0,
        at: 0,
        flow: false,
    }];
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < text.len() {
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = text[at..line_end].trim_end_matches('\r');
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            at = line_end + 1;
            continue;
        }
        let fail = |offset: usize, message: &str| {
            parse_error(file, text, offset, NAME, message.to_string())
        };
        let mut key_start = at + indent;
        if let Some(rest) = body.strip_prefix("export")
            && rest.starts_with([' ', '\t'])
        {
            key_start += "export".len() + (rest.len() - rest.trim_start().len());
        }
        let key_len = text[key_start..line_end]
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(line_end - key_start);
        let key = &text[key_start..key_start + key_len];
        if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(fail(key_start, "expected a line `KEY=value`"));
        }
        let mut i = key_start + key_len;
        while i < line_end && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        if i >= line_end || bytes[i] != b'=' {
            return Err(fail(i, &format!("expected `=` after `{key}`")));
        }
        i += 1;
        while i < line_end && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        let (value, span, style, next) = match bytes.get(i) {
            Some(&q @ (b'\'' | b'"')) if i < line_end => {
                let close = closing_quote(text, i + 1, q)
                    .ok_or_else(|| fail(i, "the quoted value is not closed"))?;
                let inner = &text[i + 1..close];
                let value = if q == b'"' {
                    unescape(inner)
                } else {
                    inner.to_string()
                };
                let style = if q == b'"' {
                    Style::DoubleQuoted
                } else {
                    Style::SingleQuoted
                };
                let next = text[close..].find('\n').map_or(text.len(), |n| close + n) + 1;
                (value, i..close + 1, style, next)
            }
            _ => {
                let rest = &text[i..at + line.len()];
                let end = rest
                    .find(" #")
                    .or_else(|| rest.find("\t#"))
                    .unwrap_or(rest.len());
                let raw = rest[..end].trim_end();
                (
                    raw.to_string(),
                    i..i + raw.len(),
                    Style::Plain,
                    line_end + 1,
                )
            }
        };
        nodes.push(Node {
            doc: 0,
            path: KeyPath::default().key(key),
            kind: NodeKind::Scalar {
                value,
                kind: ScalarKind::String,
                style,
            },
            at: span.start,
            span,
            flow: false,
        });
        at = next;
    }
    Ok(nodes)
}

/// The offset of the quote that closes a value opened at `from`; `\"` does not close
/// a double-quoted value. A quoted value may span lines.
fn closing_quote(text: &str, from: usize, quote: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn unescape(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(c @ ('"' | '\\')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

pub fn encode(node: &Node, value: &str) -> Result<String, String> {
    let NodeKind::Scalar { style, .. } = &node.kind else {
        return Err(format!("`{}` is a {}", node.path, node.kind.describe()));
    };
    if value.contains(['\n', '\r']) {
        return Err("a dotenv value is one line".into());
    }
    let bare_ok = !value
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '#' | '\'' | '"' | '\\' | '$' | '`'));
    let single_ok = !value.contains('\'');
    Ok(match style {
        Style::Plain if bare_ok => value.to_string(),
        Style::SingleQuoted if single_ok => format!("'{value}'"),
        // `$` and `\` mean something inside double quotes to most loaders.
        Style::Plain if single_ok && value.contains(['$', '\\']) => format!("'{value}'"),
        _ => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_export_quotes_and_comments() {
        let text =
            "# c\nexport A=1.0.0\r\nB = '2' # x\nC=\"3 \\\"q\\\"\"\nD=\nE=plain value # note\n";
        let nodes = nodes(text, Path::new(".env")).unwrap();
        let found: Vec<(String, String, &str)> = nodes
            .iter()
            .filter_map(|n| {
                Some((
                    n.path.to_string(),
                    n.value()?.to_string(),
                    &text[n.span.clone()],
                ))
            })
            .collect();
        let row = |k: &str, v: &str, t: &'static str| (k.to_string(), v.to_string(), t);
        assert_eq!(
            found,
            [
                row("A", "1.0.0", "1.0.0"),
                row("B", "2", "'2'"),
                row("C", "3 \"q\"", "\"3 \\\"q\\\"\""),
                row("D", "", ""),
                row("E", "plain value", "plain value"),
            ]
        );
    }

    #[test]
    fn refuses_lines_that_are_not_assignments() {
        let err = nodes("A=1\nnot an assignment\n", Path::new(".env")).unwrap_err();
        assert_eq!(
            err.to_string(),
            ".env:2:5: does not parse as dotenv: expected `=` after `not`"
        );
    }

    #[test]
    fn quotes_only_what_needs_quotes() {
        let node = |style| Node {
            doc: 0,
            path: KeyPath::parse("A").unwrap(),
            kind: NodeKind::Scalar {
                value: String::new(),
                kind: ScalarKind::String,
                style,
            },
            span: 0..0,
            at: 0,
            flow: false,
        };
        assert_eq!(encode(&node(Style::Plain), "1.2.0").unwrap(), "1.2.0");
        assert_eq!(encode(&node(Style::Plain), "a b").unwrap(), "\"a b\"");
        assert_eq!(encode(&node(Style::Plain), "$x").unwrap(), "'$x'");
        assert_eq!(encode(&node(Style::SingleQuoted), "1.2").unwrap(), "'1.2'");
        assert_eq!(
            encode(&node(Style::DoubleQuoted), "a\"b").unwrap(),
            "\"a\\\"b\""
        );
    }
}
