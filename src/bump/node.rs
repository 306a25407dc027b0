//! The one shape every structured file kind is read into: a flat list of [`Node`]s,
//! each with its key path, what it is (map, list, scalar, alias) and the byte span of
//! its value in the text. Lookups, error positions, the new value's encoding and the
//! self-check after an edit all work on this list, whatever the file kind.

use super::BumpError;
use super::target::{KeyPath, Segment};
use crate::Location;
use std::ops::Range;
use std::path::Path;

/// What type a scalar has for the file's readers (YAML resolves plain scalars).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    String,
    Number,
    Bool,
    Null,
    /// Dates and other typed values.
    Other,
}

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// TOML `"""…"""`.
    TripleDouble,
    /// TOML `'''…'''`.
    TripleSingle,
    /// YAML `|` and `>` block scalars.
    Block,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Map,
    List,
    Scalar {
        value: String,
        kind: ScalarKind,
        style: Style,
    },
    /// A YAML alias (`*name`) and the span of the anchored node, when known.
    Alias {
        anchor: Option<Range<usize>>,
    },
}

impl NodeKind {
    pub fn describe(&self) -> &'static str {
        match self {
            NodeKind::Map => "map",
            NodeKind::List => "list",
            NodeKind::Scalar { .. } => "value",
            NodeKind::Alias { .. } => "alias",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The YAML document the node is in; 0 for every other kind. Keys address
    /// document 0.
    pub doc: usize,
    pub path: KeyPath,
    pub kind: NodeKind,
    /// The bytes of the value: for a scalar exactly the token that is replaced
    /// (quotes included, YAML anchors and tags excluded).
    pub span: Range<usize>,
    /// Where messages point: the value, or its key when the value has no text of its
    /// own (TOML's implicit tables).
    pub at: usize,
    /// Inside a YAML flow collection (`{a: 1}`), where `,[]{}` end a plain scalar.
    pub flow: bool,
}

impl Node {
    pub fn value(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// The result of looking a key up.
pub enum Lookup<'a> {
    Found(&'a Node),
    /// Not there; the deepest node on the way and what is missing below it.
    Missing {
        at: usize,
        detail: String,
    },
    /// The key is there more than once (YAML and JSON allow duplicate keys to parse).
    Ambiguous(Vec<&'a Node>),
}

/// Finds `path` in document 0.
pub fn lookup<'a>(nodes: &'a [Node], path: &KeyPath) -> Lookup<'a> {
    let found: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.doc == 0 && n.path == *path)
        .collect();
    match found.len() {
        1 => return Lookup::Found(found[0]),
        0 => {}
        _ => return Lookup::Ambiguous(found),
    }
    // The deepest ancestor that exists says what is missing.
    let segments = path.segments();
    for depth in (0..segments.len()).rev() {
        let prefix = KeyPath(segments[..depth].to_vec());
        let Some(parent) = nodes.iter().find(|n| n.doc == 0 && n.path == prefix) else {
            continue;
        };
        let name = if depth == 0 {
            "the document".to_string()
        } else {
            format!("`{prefix}`")
        };
        let wanted = &segments[depth];
        let detail = match (&parent.kind, wanted) {
            (NodeKind::Map, Segment::Key(key)) => {
                format!(
                    "{name} has no key `{}`",
                    KeyPath(vec![Segment::Key(key.clone())])
                )
            }
            (NodeKind::List, Segment::Index(i)) => {
                let len = nodes
                    .iter()
                    .filter(|n| {
                        n.doc == 0
                            && n.path.segments().len() == depth + 1
                            && n.path.segments()[..depth] == segments[..depth]
                    })
                    .count();
                format!("{name} has {len} items, so no [{i}]")
            }
            (NodeKind::Map, Segment::Index(i)) => format!("{name} is a map, not a list ([{i}])"),
            (NodeKind::List, Segment::Key(k)) => {
                format!("{name} is a list, not a map (`{k}`); use [N] for its items")
            }
            (NodeKind::Alias { .. }, _) => {
                format!("{name} is an alias (*anchor); name the key of the anchored value")
            }
            (NodeKind::Scalar { .. }, _) => format!("{name} is a value, not a map or list"),
        };
        return Lookup::Missing {
            at: parent.at,
            detail,
        };
    }
    Lookup::Missing {
        at: 0,
        detail: "the file is empty".into(),
    }
}

/// The self-check after an edit: the new text has the same nodes as the old one,
/// except that each node in `changed` now holds its new value (its type may change,
/// e.g. a number that became a string).
pub fn verify_only_changed(
    before: &[Node],
    after: &[Node],
    changed: &[(usize, KeyPath, String)],
) -> Result<(), String> {
    if before.len() != after.len() {
        return Err(format!(
            "the file had {} nodes and would have {}",
            before.len(),
            after.len()
        ));
    }
    for (old, new) in before.iter().zip(after) {
        if old.doc != new.doc || old.path != new.path {
            return Err(format!(
                "`{}` would become `{}`",
                old.path.to_string_or_root(),
                new.path.to_string_or_root()
            ));
        }
        let target = changed
            .iter()
            .find(|(doc, path, _)| *doc == old.doc && *path == old.path);
        match (target, &old.kind, &new.kind) {
            (Some((_, _, expected)), _, NodeKind::Scalar { value, .. }) => {
                if value != expected {
                    return Err(format!(
                        "`{}` would read `{value}` instead of `{expected}`",
                        old.path.to_string_or_root()
                    ));
                }
            }
            (
                None,
                NodeKind::Scalar {
                    value: a, kind: ka, ..
                },
                NodeKind::Scalar {
                    value: b, kind: kb, ..
                },
            ) if a == b && ka == kb => {}
            (None, NodeKind::Map, NodeKind::Map)
            | (None, NodeKind::List, NodeKind::List)
            | (None, NodeKind::Alias { .. }, NodeKind::Alias { .. }) => {}
            _ => {
                return Err(format!(
                    "`{}` would change from {:?} to {:?}",
                    old.path.to_string_or_root(),
                    old.kind,
                    new.kind
                ));
            }
        }
    }
    Ok(())
}

impl KeyPath {
    /// The key, or `(the whole file)` for the empty path.
    pub fn to_string_or_root(&self) -> String {
        if self.is_empty() {
            "(the whole file)".into()
        } else {
            self.to_string()
        }
    }
}

/// Converts the character indices a parser reports into byte offsets.
pub struct CharOffsets<'a> {
    text: &'a str,
    /// Byte offset of every character, when the text is not ASCII.
    offsets: Option<Vec<usize>>,
}

impl<'a> CharOffsets<'a> {
    pub fn new(text: &'a str) -> Self {
        let offsets = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .collect()
        });
        CharOffsets { text, offsets }
    }

    pub fn byte(&self, char_index: usize) -> usize {
        match &self.offsets {
            None => char_index.min(self.text.len()),
            Some(o) => o.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }
}

/// A parse error at `offset` in a file of `format` (the reader's `NAME`).
pub fn parse_error(
    file: &Path,
    text: &str,
    offset: usize,
    format: &'static str,
    message: String,
) -> BumpError {
    BumpError::Parse {
        location: Location::at_offset(file, text, offset),
        format,
        message,
    }
}
