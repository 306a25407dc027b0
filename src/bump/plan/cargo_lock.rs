//! Cargo.lock follows its manifests: a bump of a package's version (or of the
//! workspace's) also bumps the lock file's entries of the workspace's own packages.

use super::super::BumpError;
use super::super::format::Format;
use super::super::node::{Lookup, lookup};
use super::super::target::{KeyPath, Segment, Template};
use super::Located;
use super::files::Files;
use super::locate::{find, key};
use std::path::Path;

/// The Cargo.lock entries of the packages whose version the manifest at `manifest`
/// sets: its own package, or with `workspace.package.version` every member that
/// inherits it. The lock file is beside the manifest or in a folder above it (inside
/// the root); without one there is nothing to do.
pub(super) fn cargo_lock(
    files: &mut Files,
    id: usize,
    manifest: &Path,
    via_workspace: bool,
    template: &Template,
    out: &mut Vec<Located>,
) -> Result<(), BumpError> {
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let root = files.root.clone();
    let Some(lock) = dir
        .ancestors()
        .take_while(|d| d.starts_with(&root) || root == Path::new("."))
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())
    else {
        return Ok(());
    };
    let package_name = |files: &mut Files, id: usize| -> Result<Option<String>, BumpError> {
        let nodes = files.nodes(id, Format::Toml)?;
        Ok(match lookup(nodes, &key("package.name")) {
            Lookup::Found(n) => n.value().map(str::to_string),
            _ => None,
        })
    };
    let inherits = |files: &mut Files, id: usize| -> Result<bool, BumpError> {
        let nodes = files.nodes(id, Format::Toml)?;
        Ok(matches!(
            lookup(nodes, &key("package.version.workspace")),
            Lookup::Found(n) if n.value() == Some("true")
        ))
    };
    let mut names = Vec::new();
    if !via_workspace {
        names.extend(package_name(files, id)?);
    } else {
        if inherits(files, id)? {
            names.extend(package_name(files, id)?);
        }
        let members: Vec<String> = files
            .nodes(id, Format::Toml)?
            .iter()
            .filter(|n| {
                n.path.segments().len() == 3
                    && n.path.segments()[..2] == key("workspace.members").segments()[..]
            })
            .filter_map(|n| n.value().map(str::to_string))
            .collect();
        for member in members {
            let pattern = format!(
                "{}/{}/Cargo.toml",
                glob::Pattern::escape(&dir.display().to_string()),
                member
            );
            let Ok(paths) = glob::glob(&pattern) else {
                continue;
            };
            for path in paths.flatten() {
                let member_id = files.load(&path)?;
                if inherits(files, member_id)? {
                    names.extend(package_name(files, member_id)?);
                }
            }
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    let lock_id = files.load(&lock)?;
    let nodes = files.nodes(lock_id, Format::Toml)?;
    let mut entries = Vec::new();
    for node in nodes {
        let segments = node.path.segments();
        if let [Segment::Key(list), Segment::Index(i), Segment::Key(field)] = segments
            && list == "package"
            && field == "name"
            && node
                .value()
                .is_some_and(|n| names.iter().any(|name| name == n))
        {
            let entry = KeyPath::default().key("package").index(*i);
            // A package from a registry or git has a `source`; the workspace's own do not.
            let local = !nodes.iter().any(|n| n.path == entry.key("source"));
            if local {
                entries.push(entry.key("version"));
            }
        }
    }
    for entry in entries {
        out.push(find(files, lock_id, Format::Toml, &entry, template)?);
    }
    Ok(())
}
