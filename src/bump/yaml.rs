//! YAML through saphyr-parser's event stream, whose spans give every scalar's place
//! in the text. Comments, anchors, flow maps and line endings are never touched: only
//! the scalar token itself is replaced, in its own quoting style, with quotes added
//! where a plain scalar would read as something else (`1.10` as a number, `yes` as a
//! bool, `a: b` as a map).

use super::BumpError;
use super::node::{CharOffsets, Node, NodeKind, ScalarKind, Style, parse_error};
use super::target::{KeyPath, Segment};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

/// The name of the file kind in messages.
pub const NAME: &str = "YAML";

enum Frame {
    Map {
        path: KeyPath,
        key: Option<Segment>,
        /// Where the current key starts: messages about a map or list value point there.
        key_at: usize,
        flow: bool,
    },
    Seq {
        path: KeyPath,
        next: usize,
        flow: bool,
    },
}

/// Keys that are maps or lists themselves cannot be addressed; they get this name.
const COMPLEX_KEY: &str = "\u{0}complex key";

pub fn nodes(text: &str, file: &Path) -> Result<Vec<Node>, BumpError> {
    let chars = CharOffsets::new(text);
    let mut walk = Walk {
        text,
        nodes: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        doc: None,
        skipping: 0,
    };
    for next in Parser::new_from_str(text) {
        let (event, span) = next.map_err(|e| {
            let at = chars.byte(e.marker().index());
            parse_error(file, text, at, NAME, e.info().to_string())
        })?;
        let start = chars.byte(span.start.index());
        let end = chars.byte(span.end.index()).max(start);
        walk.event(event, start..end);
    }
    Ok(walk.nodes)
}

/// The walk over the event stream: the nodes so far and where the next event goes.
struct Walk<'t> {
    text: &'t str,
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Range<usize>>,
    doc: Option<usize>,
    /// Inside a complex key: how many collections deep.
    skipping: usize,
}

impl Walk<'_> {
    fn event(&mut self, event: Event<'_>, span: Range<usize>) {
        if self.skipping > 0 {
            self.skip_in_complex_key(&event);
            return;
        }
        let flow = self.stack.last().is_some_and(|f| match f {
            Frame::Map { flow, .. } | Frame::Seq { flow, .. } => *flow,
        });
        // A scalar, alias or collection in key position names the next value.
        let in_key_position = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
        match event {
            Event::DocumentStart(_) => {
                self.doc = Some(self.doc.map_or(0, |d| d + 1));
                self.stack.clear();
            }
            Event::Scalar(value, ..) if in_key_position => {
                if let Some(Frame::Map { key, key_at, .. }) = self.stack.last_mut() {
                    *key = Some(Segment::Key(value.into_owned()));
                    *key_at = span.start;
                }
            }
            Event::Alias(_) if in_key_position => self.name_complex_key(),
            Event::MappingStart(..) | Event::SequenceStart(..) if in_key_position => {
                self.skipping = 1;
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.scalar(&value, style, anchor, &tag, span, flow)
            }
            Event::Alias(id) => self.alias(id, span, flow),
            Event::MappingStart(anchor, _) => self.collection(true, anchor, span, flow),
            Event::SequenceStart(anchor, _) => self.collection(false, anchor, span, flow),
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }

    /// Collections inside a complex key are passed over; the key gets a name of its own.
    fn skip_in_complex_key(&mut self, event: &Event<'_>) {
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => self.skipping += 1,
            Event::MappingEnd | Event::SequenceEnd => {
                self.skipping -= 1;
                if self.skipping == 0 {
                    self.name_complex_key();
                }
            }
            _ => {}
        }
    }

    fn name_complex_key(&mut self) {
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some(Segment::Key(COMPLEX_KEY.into()));
        }
    }

    fn scalar(
        &mut self,
        value: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: &Option<Cow<'_, Tag>>,
        span: Range<usize>,
        flow: bool,
    ) {
        let path = value_path(&mut self.stack);
        let token = scalar_token(self.text, value, style, span);
        let (style, kind) = scalar_style(value, style, tag);
        if anchor > 0 {
            self.anchors.insert(anchor, token.clone());
        }
        self.nodes.push(Node {
            doc: self.doc.unwrap_or(0),
            path,
            kind: NodeKind::Scalar {
                value: value.to_string(),
                kind,
                style,
            },
            at: token.start,
            span: token,
            flow,
        });
    }

    fn alias(&mut self, id: usize, span: Range<usize>, flow: bool) {
        let path = value_path(&mut self.stack);
        self.nodes.push(Node {
            doc: self.doc.unwrap_or(0),
            path,
            kind: NodeKind::Alias {
                anchor: self.anchors.get(&id).cloned(),
            },
            at: span.start,
            span,
            flow,
        });
    }

    /// A map or list starts: its node, and the frame its entries go in.
    fn collection(&mut self, is_map: bool, anchor: usize, span: Range<usize>, flow: bool) {
        let key_at = match self.stack.last() {
            Some(Frame::Map { key_at, .. }) => Some(*key_at),
            _ => None,
        };
        let path = value_path(&mut self.stack);
        // A flow collection's span starts at its bracket.
        let token_start = skip_properties(self.text, span.start, span.end.max(span.start));
        let opens_flow = self.text[token_start..].starts_with(['{', '[']);
        if anchor > 0 {
            self.anchors.insert(anchor, token_start..span.end);
        }
        self.nodes.push(Node {
            doc: self.doc.unwrap_or(0),
            path: path.clone(),
            kind: if is_map {
                NodeKind::Map
            } else {
                NodeKind::List
            },
            span: token_start..span.end,
            at: key_at.unwrap_or(token_start),
            flow,
        });
        let flow = flow || opens_flow;
        self.stack.push(if is_map {
            Frame::Map {
                path,
                key: None,
                key_at: token_start,
                flow,
            }
        } else {
            Frame::Seq {
                path,
                next: 0,
                flow,
            }
        });
    }
}

/// Where a scalar's token is in the text: after its anchor and tag, up to its closing
/// quote; an empty value's is the place after its `:`.
fn scalar_token(text: &str, value: &str, style: ScalarStyle, span: Range<usize>) -> Range<usize> {
    let mut token_start = skip_properties(text, span.start, span.end);
    // A quoted scalar's span runs on over the blanks and comment after its closing
    // quote; the token ends at that quote.
    let mut end = match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            quoted_end(text, token_start).min(span.end)
        }
        _ => span.end,
    };
    if value.is_empty() && style == ScalarStyle::Plain && token_start == end {
        // An empty value (`key:`) is reported before its `:`; the place to write a value
        // is after it.
        let rest = &text[end..];
        let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if rest[blanks..].starts_with(':') {
            token_start = end + blanks + 1;
            end = token_start;
        }
    }
    token_start..end
}

/// A scalar's quoting style, and what its value reads as.
fn scalar_style(
    value: &str,
    style: ScalarStyle,
    tag: &Option<Cow<'_, Tag>>,
) -> (Style, ScalarKind) {
    match style {
        ScalarStyle::Plain => {
            let kind = match tag.as_ref() {
                Some(t) if t.handle == "tag:yaml.org,2002:" && t.suffix == "str" => {
                    ScalarKind::String
                }
                Some(t) if t.handle == "!" && t.suffix.is_empty() => ScalarKind::String,
                Some(_) => ScalarKind::Other,
                None => plain_kind(value),
            };
            (Style::Plain, kind)
        }
        ScalarStyle::SingleQuoted => (Style::SingleQuoted, tagged_kind(tag)),
        ScalarStyle::DoubleQuoted => (Style::DoubleQuoted, tagged_kind(tag)),
        ScalarStyle::Literal | ScalarStyle::Folded => (Style::Block, tagged_kind(tag)),
    }
}

/// The path of the value that comes next, and the frame advanced past it.
fn value_path(stack: &mut [Frame]) -> KeyPath {
    match stack.last_mut() {
        None => KeyPath::default(),
        Some(Frame::Map { path, key, .. }) => {
            let segment = key.take().unwrap_or(Segment::Key(String::new()));
            path.child(segment)
        }
        Some(Frame::Seq { path, next, .. }) => {
            *next += 1;
            path.index(*next - 1)
        }
    }
}

fn tagged_kind(tag: &Option<Cow<'_, Tag>>) -> ScalarKind {
    match tag {
        Some(t) if !(t.handle == "tag:yaml.org,2002:" && t.suffix == "str") && t.handle != "!" => {
            ScalarKind::Other
        }
        _ => ScalarKind::String,
    }
}

/// The byte after the closing quote of the quoted scalar that starts at `start`.
fn quoted_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let quote = bytes[start];
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if quote == b'"' => at += 2,
            b'\'' if quote == b'\'' && bytes.get(at + 1) == Some(&b'\'') => at += 2,
            b if b == quote => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The start of the scalar token itself: a span starts at the node's anchor (`&a`)
/// and tag (`!!str`) when it has them.
fn skip_properties(text: &str, mut start: usize, end: usize) -> usize {
    let bytes = text.as_bytes();
    while start < end && matches!(bytes[start], b'&' | b'!') {
        while start < end && !bytes[start].is_ascii_whitespace() {
            start += 1;
        }
        loop {
            while start < end && bytes[start].is_ascii_whitespace() {
                start += 1;
            }
            if start < end && bytes[start] == b'#' {
                while start < end && bytes[start] != b'\n' {
                    start += 1;
                }
            } else {
                break;
            }
        }
    }
    start
}

/// How a YAML reader types a plain scalar: the 1.2 core schema, plus the 1.1 forms
/// (`yes`, `on`, `0777`, `1:20`, dates) that many readers (PyYAML, Helm's go-yaml v2)
/// still apply. When in doubt it is not a string, so the value gets quotes.
pub fn plain_kind(value: &str) -> ScalarKind {
    static NUMBER: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^(?:[-+]?(?:0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF)|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)|\.(?:nan|NaN|NAN))$",
        )
        .expect("a valid regex")
    });
    static DATE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}").expect("a valid regex")
    });
    match value {
        "" | "~" | "null" | "Null" | "NULL" => ScalarKind::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "yes" | "Yes" | "YES" | "no"
        | "No" | "NO" | "on" | "On" | "ON" | "off" | "Off" | "OFF" | "y" | "Y" | "n" | "N" => {
            ScalarKind::Bool
        }
        _ if NUMBER.is_match(value) => ScalarKind::Number,
        _ if DATE.is_match(value) => ScalarKind::Other,
        _ => ScalarKind::String,
    }
}

/// Whether `value` can be written as a plain scalar and read back as the same text.
fn plain_is_safe(value: &str, flow: bool) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    if value.trim() != value
        || value.chars().any(|c| c.is_control() || c == '\u{feff}')
        || value.contains(": ")
        || value.contains(" #")
        || value.ends_with(':')
        || value.starts_with("---")
        || value.starts_with("...")
    {
        return false;
    }
    if "?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if first == '-' && value[1..].starts_with(|c: char| c.is_whitespace()) || value == "-" {
        return false;
    }
    !(flow && value.contains([',', '[', ']', '{', '}', ':']))
}

pub fn encode(node: &Node, text: &str, value: &str) -> Result<String, String> {
    let NodeKind::Scalar { kind, style, .. } = &node.kind else {
        return Err(format!("`{}` is a {}", node.path, node.kind.describe()));
    };
    let encoded = match style {
        Style::Block => {
            return Err(format!(
                "`{}` is a block scalar (`|` or `>`); bump-versions edits one-line values",
                node.path
            ));
        }
        Style::SingleQuoted if !value.chars().any(char::is_control) => {
            format!("'{}'", value.replace('\'', "''"))
        }
        Style::Plain => {
            let new_kind = plain_kind(value);
            let same_type =
                new_kind == *kind || (*kind == ScalarKind::Other && new_kind == ScalarKind::String);
            if plain_is_safe(value, node.flow) && (new_kind == ScalarKind::String || same_type) {
                value.to_string()
            } else {
                double_quoted(value)
            }
        }
        _ => double_quoted(value),
    };
    // An empty value (`key:`) has an empty span right after the colon.
    let before = text[..node.span.start].chars().next_back();
    if node.span.is_empty() && matches!(before, Some(':' | '-')) {
        return Ok(format!(" {encoded}"));
    }
    Ok(encoded)
}

fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalars(text: &str) -> Vec<(String, String, String)> {
        nodes(text, Path::new("t.yaml"))
            .unwrap()
            .into_iter()
            .filter_map(|n| {
                n.value().map(|v| {
                    (
                        n.path.to_string(),
                        v.to_string(),
                        text[n.span.clone()].to_string(),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn finds_scalars_with_their_token_spans() {
        let text =
            "a: &x 1.0.0 # c\nb: !!str '2.0'\nc: {d: \"3\", e: [4, x]}\nf: *x\ng:\n  - h\nk:\n";
        let found = scalars(text);
        let expect = |p: &str, v: &str, t: &str| (p.to_string(), v.to_string(), t.to_string());
        assert_eq!(
            found,
            [
                expect("a", "1.0.0", "1.0.0"),
                expect("b", "2.0", "'2.0'"),
                expect("c.d", "3", "\"3\""),
                expect("c.e[0]", "4", "4"),
                expect("c.e[1]", "x", "x"),
                expect("g[0]", "h", "h"),
                expect("k", "", ""),
            ]
        );
    }

    #[test]
    fn an_empty_value_is_written_after_its_colon() {
        let text = "a:\nlist:\n- \nc: {d: , e: 1}\n";
        let edit = |key: &str| {
            crate::bump::edit_text(
                crate::bump::Format::Yaml,
                text,
                &KeyPath::parse(key).unwrap(),
                "1.2.0",
            )
            .unwrap()
        };
        assert_eq!(edit("a"), "a: 1.2.0\nlist:\n- \nc: {d: , e: 1}\n");
        assert_eq!(edit("list[0]"), "a:\nlist:\n- 1.2.0\nc: {d: , e: 1}\n");
        assert_eq!(edit("c.d"), "a:\nlist:\n- \nc: {d: 1.2.0 , e: 1}\n");
    }

    #[test]
    fn non_ascii_text_gets_byte_spans() {
        let text = "name: \"Größe\"\nversion: 1.0.0\n";
        let found = scalars(text);
        assert_eq!(found[1].2, "1.0.0");
    }

    #[test]
    fn plain_scalars_get_quotes_only_when_they_need_them() {
        let node = |style, kind, flow| Node {
            doc: 0,
            path: KeyPath::parse("v").unwrap(),
            kind: NodeKind::Scalar {
                value: "1.0.0".into(),
                kind,
                style,
            },
            span: 3..8,
            at: 3,
            flow,
        };
        let plain = node(Style::Plain, ScalarKind::String, false);
        let text = "v: 1.0.0\n";
        assert_eq!(encode(&plain, text, "1.2.0").unwrap(), "1.2.0");
        assert_eq!(encode(&plain, text, "1.10").unwrap(), "\"1.10\"");
        assert_eq!(encode(&plain, text, "yes").unwrap(), "\"yes\"");
        assert_eq!(encode(&plain, text, "1234567").unwrap(), "\"1234567\"");
        assert_eq!(encode(&plain, text, "a: b").unwrap(), "\"a: b\"");
        assert_eq!(encode(&plain, text, "#x").unwrap(), "\"#x\"");
        assert_eq!(encode(&plain, text, "v1.2.0-rc.1").unwrap(), "v1.2.0-rc.1");
        let number = node(Style::Plain, ScalarKind::Number, false);
        assert_eq!(encode(&number, text, "1.17").unwrap(), "1.17");
        let flow = node(Style::Plain, ScalarKind::String, true);
        assert_eq!(encode(&flow, text, "a,b").unwrap(), "\"a,b\"");
        let single = node(Style::SingleQuoted, ScalarKind::String, false);
        assert_eq!(encode(&single, text, "it's").unwrap(), "'it''s'");
        let double = node(Style::DoubleQuoted, ScalarKind::String, false);
        assert_eq!(encode(&double, text, "a\"b\\").unwrap(), "\"a\\\"b\\\\\"");
    }

    #[test]
    fn resolves_plain_scalar_types() {
        for (value, kind) in [
            ("1.0.0", ScalarKind::String),
            ("1.0", ScalarKind::Number),
            ("10", ScalarKind::Number),
            ("0x1F", ScalarKind::Number),
            ("1e3", ScalarKind::Number),
            ("1:20", ScalarKind::Number),
            (".inf", ScalarKind::Number),
            ("on", ScalarKind::Bool),
            ("~", ScalarKind::Null),
            ("2026-01-15", ScalarKind::Other),
            ("abc123", ScalarKind::String),
            ("v1", ScalarKind::String),
        ] {
            assert_eq!(plain_kind(value), kind, "{value}");
        }
    }
}
