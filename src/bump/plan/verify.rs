//! The self-check of an edited file before anything is written.

use super::super::BumpError;
use super::super::node::{Lookup, lookup, verify_only_changed};
use super::super::target::{KeyPath, version_groups};
use super::files::Files;
use super::{Address, Located};
use std::path::Path;

/// The self-check: the new text parses, every target reads its new value, and (for
/// key targets) nothing else changed.
pub(super) fn verify(
    files: &mut Files,
    id: usize,
    after: &str,
    items: &[&(Located, String)],
) -> Result<(), BumpError> {
    let display = files.loaded[id].display.clone();
    let fail = |message: String| BumpError::Verify {
        file: display.clone(),
        message,
    };
    let has_regex = items
        .iter()
        .any(|i| matches!(i.0.address, Address::Regex(_)));
    let format = items.iter().find_map(|i| match &i.0.address {
        Address::Node { format, .. } => Some(*format),
        Address::Regex(_) => None,
    });
    if let Some(format) = format {
        let after_nodes = format
            .parse(after, Path::new(&display))
            .map_err(|e| fail(format!("the new text does not parse: {e}")))?;
        let expected: Vec<(usize, KeyPath, String)> = items
            .iter()
            .filter_map(|i| match &i.0.address {
                Address::Node { node, .. } => Some((node.doc, node.path.clone(), i.1.clone())),
                Address::Regex(_) => None,
            })
            .collect();
        if has_regex {
            for (_, path, new) in &expected {
                match lookup(&after_nodes, path) {
                    Lookup::Found(n) if n.value() == Some(new.as_str()) => {}
                    _ => {
                        return Err(fail(format!(
                            "`{path}` does not read `{new}` after the edit"
                        )));
                    }
                }
            }
        } else {
            let before_nodes = files.nodes(id, format)?;
            verify_only_changed(before_nodes, &after_nodes, &expected).map_err(fail)?;
        }
    }
    let mut checked: Vec<&str> = Vec::new();
    for item in items {
        let Address::Regex(re) = &item.0.address else {
            continue;
        };
        if checked.contains(&re.as_str()) {
            continue;
        }
        checked.push(re.as_str());
        let before = version_groups(re, &files.loaded[id].text).count();
        let groups: Vec<String> = version_groups(re, after)
            .map(|m| m.as_str().to_string())
            .collect();
        if groups.len() != before || groups.iter().any(|g| *g != item.1) {
            return Err(fail(format!(
                "/{}/ matched {before} times before and reads {groups:?} after, not `{}` each time",
                re.as_str(),
                item.1
            )));
        }
    }
    Ok(())
}
