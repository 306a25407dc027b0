//! `metadata`: the keys a request adds to every tag message.

use super::Reader;
use super::keys::RESERVED_KEYS;
use crate::request::yaml::{Node, Value};

impl Reader<'_> {
    /// `metadata`: every key with its value and its key node (for later complaints).
    pub(super) fn metadata(&mut self, node: &Node) -> Option<Vec<(String, String, Node)>> {
        if node.is_null() {
            return Some(Vec::new());
        }
        let Value::Map(entries) = &node.value else {
            return self.fail(
                node,
                format!("`metadata` must be a mapping, found {}", node.kind()),
            );
        };
        let mut out: Vec<(String, String, Node)> = Vec::new();
        for (key, value) in entries {
            let Some(name) = self.text(key, "a metadata key") else {
                continue;
            };
            if name.contains(": ") || name.ends_with(':') || name.contains(char::is_whitespace) {
                self.fail::<()>(
                    key,
                    format!("metadata key `{name}` must not hold white space or end a key (`: `)"),
                );
                continue;
            }
            if RESERVED_KEYS.contains(&name.as_str()) {
                self.fail::<()>(
                    key,
                    format!(
                        "metadata key `{name}` is written by the tool itself; choose another name"
                    ),
                );
                continue;
            }
            if out.iter().any(|(k, _, _)| *k == name) {
                self.fail::<()>(key, format!("`{name}` is given twice in `metadata`"));
                continue;
            }
            let text = match &value.value {
                Value::Scalar { .. } if value.is_null() => String::new(),
                Value::Scalar { text, .. } if text.contains(['\n', '\r']) => {
                    self.fail::<()>(
                        value,
                        format!(
                            "metadata `{name}` must be a single line (tag metadata values are)"
                        ),
                    );
                    continue;
                }
                Value::Scalar { text, .. } => text.clone(),
                _ => {
                    self.fail::<()>(
                        value,
                        format!("metadata `{name}` must be a text, found {}", value.kind()),
                    );
                    continue;
                }
            };
            out.push((name, text, key.clone()));
        }
        Some(out)
    }
}
