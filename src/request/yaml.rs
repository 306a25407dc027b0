//! A small YAML tree that keeps the position of every node, built from
//! `saphyr-parser` events, so that every complaint about a request file can name its
//! `file:line:col`. Scalars stay the text the file wrote (`yes` stays `yes`, `1.10`
//! stays `1.10`): the request's values are copied into tags as written.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// A node and where it starts (1-based line and column).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub value: Value,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Scalar { text: String, plain: bool },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What the node is, in the words of an error message.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Scalar { text, plain } if *plain && is_null(text) => "nothing",
            Value::Scalar { .. } => "a text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The text of a scalar that is not null.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, plain } if !(*plain && is_null(text)) => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain } if *plain && is_null(text))
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// A YAML syntax problem at a 1-based line and column.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn position(span: &Span) -> (usize, usize) {
    (span.start.line(), span.start.col() + 1)
}

enum Frame {
    Seq {
        node: Node,
        anchor: usize,
    },
    Map {
        node: Node,
        anchor: usize,
        key: Option<Node>,
    },
}

/// The most values aliases may copy into one request file.
const MAX_ALIAS_NODES: usize = 10_000;

/// The number of values in `node`, itself included.
fn size(node: &Node) -> usize {
    1 + match &node.value {
        Value::Scalar { .. } => 0,
        Value::Seq(items) => items.iter().map(size).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| size(k) + size(v)).sum(),
    }
}

/// Parses the first document of `text`; `None` for an empty stream.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    let mut expanded = 0;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| SyntaxError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        let (line, column) = position(&span);
        let done = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError {
                        line,
                        column,
                        message: "a request file holds one YAML document; remove the second".into(),
                    });
                }
                None
            }
            Event::Scalar(text, style, anchor, _) => {
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                    line,
                    column,
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                Some(node)
            }
            Event::Alias(id) => {
                let node = anchors.get(&id).cloned().ok_or(SyntaxError {
                    line,
                    column,
                    message: "an alias names no anchor".into(),
                })?;
                // Aliases are copied: without a budget, nested aliases (a "billion
                // laughs" bomb) grow exponentially.
                expanded += size(&node);
                if expanded > MAX_ALIAS_NODES {
                    return Err(SyntaxError {
                        line,
                        column,
                        message: format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} values; a request file never needs that many"
                        ),
                    });
                }
                Some(node)
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq {
                    node: Node {
                        value: Value::Seq(Vec::new()),
                        line,
                        column,
                    },
                    anchor,
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map {
                    node: Node {
                        value: Value::Map(Vec::new()),
                        line,
                        column,
                    },
                    anchor,
                    key: None,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { node, anchor }) | Some(Frame::Map { node, anchor, .. }) => {
                    if anchor > 0 {
                        anchors.insert(anchor, node.clone());
                    }
                    Some(node)
                }
                None => None,
            },
            _ => None,
        };
        let Some(node) = done else { continue };
        match stack.last_mut() {
            Some(Frame::Seq { node: parent, .. }) => {
                if let Value::Seq(items) = &mut parent.value {
                    items.push(node);
                }
            }
            Some(Frame::Map {
                node: parent, key, ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Value::Map(entries) = &mut parent.value {
                        entries.push((k, node));
                    }
                }
            },
            None => root = Some(node),
        }
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_and_the_written_text() {
        let root = parse("a: 1.10\nb:\n  - yes\n  - 'x'\n").unwrap().unwrap();
        let Value::Map(entries) = &root.value else {
            panic!()
        };
        assert_eq!(entries[0].1.text(), Some("1.10"));
        assert_eq!((entries[0].1.line, entries[0].1.column), (1, 4));
        let Value::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(items[0].text(), Some("yes"));
        assert_eq!((items[1].line, items[1].column), (4, 5));
    }

    #[test]
    fn a_yaml_bomb_is_refused_at_the_alias_that_exceeds_the_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 9].join(", ")
            ));
        }
        let err = parse(&text).unwrap_err();
        assert_eq!(
            (err.line, err.column, err.message.as_str()),
            (
                5,
                10,
                "aliases expand to more than 10000 values; a request file never needs that many"
            )
        );
    }

    #[test]
    fn resolves_aliases_and_reports_syntax_errors() {
        let root = parse("a: &x {k: v}\nb: *x\n").unwrap().unwrap();
        let Value::Map(entries) = &root.value else {
            panic!()
        };
        assert_eq!(entries[1].1.kind(), "a mapping");
        let err = parse("a: [1, 2\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(parse("").unwrap().is_none());
    }
}
