//! The shapes every part of a request file is checked against: mappings with known
//! keys, single-line texts, lists and booleans.

use super::Reader;
use crate::request::yaml::{Node, Value};

impl Reader<'_> {
    /// The entries of a mapping; keys outside `known` and repeated keys are problems
    /// (and left out).
    pub(super) fn mapping<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        known: &[&[&str]],
    ) -> Option<Vec<(&'n str, &'n Node)>> {
        let Value::Map(entries) = &node.value else {
            return self.fail(
                node,
                format!("{what} must be a mapping, found {}", node.kind()),
            );
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for (key, value) in entries {
            let Some(name) = key.text() else {
                self.fail::<()>(key, format!("a key of {what} must be a text"));
                continue;
            };
            if !known.iter().any(|set| set.contains(&name)) {
                let expected: Vec<&str> = known.iter().flat_map(|s| s.iter().copied()).collect();
                self.fail::<()>(
                    key,
                    format!(
                        "unknown key `{name}` in {what} (expected one of: {})",
                        expected.join(", ")
                    ),
                );
                continue;
            }
            if seen.contains(&name) {
                self.fail::<()>(key, format!("`{name}` is given twice in {what}"));
                continue;
            }
            seen.push(name);
            out.push((name, value));
        }
        Some(out)
    }

    /// A single-line text value.
    pub(super) fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.text() {
            Some(text) if text.contains(['\n', '\r']) => {
                self.fail(node, format!("{what} must be a single line"))
            }
            Some(text) if text.trim().is_empty() => {
                self.fail(node, format!("{what} must not be empty"))
            }
            Some(text) => Some(text.to_string()),
            None => self.fail(
                node,
                format!("{what} must be a text, found {}", node.kind()),
            ),
        }
    }

    /// The items of a list; nothing (`key:` with no value) is an empty list.
    pub(super) fn list<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ if node.is_null() => Some(&[]),
            _ => self.fail(
                node,
                format!("{what} must be a list, found {}", node.kind()),
            ),
        }
    }

    pub(super) fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.text() {
            Some("true" | "True" | "TRUE" | "yes" | "Yes" | "on") => Some(true),
            Some("false" | "False" | "FALSE" | "no" | "No" | "off") => Some(false),
            _ => self.fail(node, format!("{what} must be true or false")),
        }
    }
}
