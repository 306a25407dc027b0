//! The new text of one file: the span edits of its values, encoded in the file's
//! own style, applied in memory and checked.

use super::super::BumpError;
use super::files::Files;
use super::verify::verify;
use super::{Address, Located};
use crate::fsio::{SpanEdit, apply_edits};
use std::ops::Range;

/// The new text of one file, checked; `None` when no byte changes.
pub(super) fn plan_file(
    files: &mut Files,
    id: usize,
    items: &[&(Located, String)],
) -> Result<Option<String>, BumpError> {
    let mut edits: Vec<SpanEdit> = Vec::new();
    let mut claimed: Vec<(Range<usize>, &str, &str, usize)> = Vec::new();
    for (l, new) in items.iter().map(|item| (&item.0, &item.1)) {
        if let Some((_, key, first, _)) = claimed.iter().find(|(span, ..)| *span == l.span) {
            if *first != new.as_str() {
                return Err(BumpError::Conflict {
                    location: files.location(id, l.at),
                    key: key.to_string(),
                    first: first.to_string(),
                    second: new.clone(),
                });
            }
            continue;
        }
        if let Some((_, key, ..)) = claimed
            .iter()
            .find(|(span, ..)| span.start < l.span.end && l.span.start < span.end)
        {
            return Err(BumpError::Unsupported {
                location: files.location(id, l.at),
                key: l.key.clone(),
                message: format!("overlaps the value of `{key}`"),
            });
        }
        claimed.push((l.span.clone(), &l.key, new, l.at));
        if l.previous == *new {
            continue;
        }
        let text = &files.loaded[id].text;
        let replacement = match &l.address {
            Address::Node { format, node } => {
                format
                    .encode(node, text, new)
                    .map_err(|message| BumpError::Unsupported {
                        location: files.location(id, l.at),
                        key: l.key.clone(),
                        message,
                    })?
            }
            Address::Regex(_) => new.clone(),
        };
        edits.push(SpanEdit {
            range: l.span.clone(),
            replacement,
        });
    }
    if edits.is_empty() {
        return Ok(None);
    }
    let before = files.loaded[id].text.clone();
    let display = files.loaded[id].display.clone();
    let after = apply_edits(&before, &edits).map_err(|message| BumpError::Verify {
        file: display.clone(),
        message,
    })?;
    verify(files, id, &after, items)?;
    Ok(Some(after))
}
