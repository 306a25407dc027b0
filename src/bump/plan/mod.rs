//! From targets to checked edits: expand paths and globs, read every file once, find
//! every value (or collect every reason why not), render the new values, encode and
//! apply the span edits in memory, re-parse and check the result, and only then, when
//! asked to, write the files.

mod cargo_lock;
mod edit;
mod expand;
mod files;
mod locate;
mod verify;
mod write;

use super::format::Format;
use super::node::Node;
use super::target::{KeyPath, TargetSpec, Template};
use super::{BumpError, BumpReport, BumpRequest, FileChange, FoundValue, Mode, ValueChange};
use crate::version::Version;
use edit::plan_file;
use expand::expand;
use files::Files;
use locate::{find, locate, locate_paths, locate_regex};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use write::write_all;

/// How a located value is found again and re-encoded.
#[derive(Clone)]
enum Address {
    Node { format: Format, node: Node },
    Regex(regex::Regex),
}

/// A value a target names, found in its file.
#[derive(Clone)]
struct Located {
    file: usize,
    key: String,
    address: Address,
    previous: String,
    span: Range<usize>,
    at: usize,
    template: Template,
    /// A value that follows the bump rather than one the target names (a workspace
    /// member's requirement on a bumped package): written, but not read as the version.
    follows: bool,
}

/// Reads the current values a target names (verify-release's `--expect-file`).
pub fn read_targets(spec: &TargetSpec, root: &Path) -> Result<Vec<FoundValue>, BumpError> {
    let mut files = Files::new(root);
    let mut located = Vec::new();
    let mut errors = Vec::new();
    locate(spec, &mut files, &mut located, &mut errors);
    if !errors.is_empty() {
        return Err(one_or_many(errors));
    }
    Ok(located
        .into_iter()
        .filter(|l| !l.follows)
        .map(|l| FoundValue {
            file: files.loaded[l.file].display.clone(),
            path: files.loaded[l.file].path.clone(),
            location: files.location(l.file, l.at),
            key: l.key,
            value: l.previous,
        })
        .collect())
}

/// Plans, checks and (in [`Mode::Write`]) applies a bump. Nothing is written unless
/// every target was found and every edited file checked out.
pub fn bump(request: &BumpRequest) -> Result<BumpReport, BumpError> {
    let version = request.version.as_str();
    let fail = |message: &str| BumpError::Version {
        version: version.to_string(),
        message: message.to_string(),
    };
    if version.is_empty() {
        return Err(fail("the value is empty"));
    }
    if version.contains(['\n', '\r']) {
        return Err(fail("the value must be one line"));
    }
    if version.trim() != version {
        return Err(fail("the value has surrounding blanks"));
    }
    if request.targets.is_empty() {
        return Err(BumpError::NoTargets);
    }
    let parsed = Version::parse(version).ok();
    // An absolute root spares a working-directory lookup per file written.
    let root = std::path::absolute(&request.root).unwrap_or_else(|_| request.root.clone());
    let mut files = Files::new(&root);
    let mut located = Vec::new();
    let mut errors = Vec::new();
    // Several targets often share a path (`Chart.yaml` and `Chart.yaml:appVersion`):
    // each glob is walked once.
    let mut walked: HashMap<&str, Vec<(PathBuf, String)>> = HashMap::new();
    let expanded: Vec<_> = request
        .targets
        .iter()
        .map(|spec| {
            if let Some(paths) = walked.get(spec.path.as_str()) {
                return Ok(paths.clone());
            }
            let paths = expand(spec, &files.root)?;
            walked.insert(&spec.path, paths.clone());
            Ok(paths)
        })
        .collect();
    files.preload(
        expanded
            .iter()
            .flatten()
            .flatten()
            .map(|(path, _)| path.as_path()),
    );
    for (spec, paths) in request.targets.iter().zip(expanded) {
        locate_paths(spec, paths, &mut files, &mut located, &mut errors);
    }
    let mut values: Vec<(Located, String)> = Vec::new();
    let mut template_errors: Vec<String> = Vec::new();
    for l in located {
        match l.template.render(version, parsed.as_ref()) {
            Ok(new) => values.push((l, new)),
            Err(message) if !template_errors.contains(&message) => template_errors.push(message),
            Err(_) => {}
        }
    }
    errors.extend(template_errors.iter().map(|m| fail(m)));
    if !errors.is_empty() {
        return Err(one_or_many(errors));
    }

    let mut changes = Vec::new();
    // The values of each file, files in the order targets first name them.
    let mut order: Vec<usize> = Vec::new();
    let mut by_file: Vec<Vec<&(Located, String)>> = vec![Vec::new(); files.loaded.len()];
    for item in &values {
        if by_file[item.0.file].is_empty() {
            order.push(item.0.file);
        }
        by_file[item.0.file].push(item);
    }
    for id in order {
        match plan_file(&mut files, id, &by_file[id]) {
            Ok(Some(after)) => changes.push(FileChange {
                file: files.loaded[id].display.clone(),
                path: files.loaded[id].path.clone(),
                before: files.loaded[id].text.clone(),
                after,
            }),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(one_or_many(errors));
    }

    if request.mode == Mode::Write {
        write_all(&changes, &files)?;
    }
    let mut reported: Vec<ValueChange> = Vec::with_capacity(values.len());
    let mut seen = std::collections::HashSet::new();
    for (l, new) in &values {
        // One value named by two targets (a default and its explicit key) is one value.
        if !seen.insert((l.file, l.at, l.key.as_str(), new.as_str())) {
            continue;
        }
        reported.push(ValueChange {
            file: files.loaded[l.file].display.clone(),
            key: l.key.clone(),
            location: files.location(l.file, l.at),
            previous: l.previous.clone(),
            new: new.clone(),
        });
    }
    Ok(BumpReport {
        mode: request.mode,
        version: version.to_string(),
        values: reported,
        files: changes,
    })
}

/// Replaces the value at `key` in `text` (a file of `format`), checked like a bump
/// checks it; the edit the property tests exercise.
pub fn edit_text(
    format: Format,
    text: &str,
    key: &KeyPath,
    value: &str,
) -> Result<String, BumpError> {
    let mut files = Files::new(Path::new("."));
    let id = files.insert(Path::new("document"), "document", text.to_string());
    let located = find(&mut files, id, format, key, &Template::default())?;
    let item = (located, value.to_string());
    Ok(plan_file(&mut files, id, &[&item])?.unwrap_or_else(|| text.to_string()))
}

/// Replaces every `version` group of `re` in `text` with `value`, checked like a bump
/// checks it; the regex edit the fuzz target exercises.
pub fn edit_text_regex(text: &str, re: &regex::Regex, value: &str) -> Result<String, BumpError> {
    let mut files = Files::new(Path::new("."));
    let id = files.insert(Path::new("document"), "document", text.to_string());
    let mut located = Vec::new();
    locate_regex(&files, id, re, &Template::default(), &mut located)?;
    let items: Vec<(Located, String)> = located
        .into_iter()
        .map(|l| (l, value.to_string()))
        .collect();
    let refs: Vec<&(Located, String)> = items.iter().collect();
    Ok(plan_file(&mut files, id, &refs)?.unwrap_or_else(|| text.to_string()))
}

fn one_or_many(mut errors: Vec<BumpError>) -> BumpError {
    if errors.len() == 1 {
        errors.remove(0)
    } else {
        BumpError::Many(errors)
    }
}
