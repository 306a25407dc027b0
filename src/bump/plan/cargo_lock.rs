//! Cargo.lock and the workspace follow a manifest: a bump of a package's version (or of
//! the workspace's) also bumps the lock file's entries of the workspace's own packages
//! and every requirement the workspace's manifests have on them (`b = { path = "../b",
//! version = "1.2" }`, in `[dependencies]`, `[dev-dependencies]`,
//! `[build-dependencies]`, `[target.*.…]` or `[workspace.dependencies]`), so that a
//! major bump leaves a workspace cargo can still resolve. A requirement keeps its
//! operator (`^`, `=`, `~`, `>=`) and takes the whole new version, as cargo-release
//! does; one of several clauses (`>=1, <2`) is left for its author.

use super::super::BumpError;
use super::super::format::Format;
use super::super::node::{Lookup, lookup};
use super::super::target::{KeyPath, Segment, Template};
use super::Located;
use super::files::Files;
use super::locate::{find, key};
use crate::pattern::{LeadingDot, PathPattern};
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
    let inside = |d: &&Path| d.starts_with(&root) || root == Path::new(".");
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
        for member_id in members(files, id, dir)? {
            if inherits(files, member_id)? {
                names.extend(package_name(files, member_id)?);
            }
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    // The workspace the package is in: the manifest itself, or the nearest one above
    // it (inside the root) with a `[workspace]`.
    let mut workspace = vec![id];
    for above in dir.ancestors().filter(inside) {
        let candidate = above.join("Cargo.toml");
        if !candidate.is_file() {
            continue;
        }
        let candidate_id = files.load(&candidate)?;
        let is_workspace = files
            .nodes(candidate_id, Format::Toml)?
            .iter()
            .any(|n| n.path.segments().first() == Some(&Segment::Key("workspace".into())));
        if is_workspace {
            workspace = vec![candidate_id];
            let workspace_dir = candidate.parent().unwrap_or(Path::new(".")).to_path_buf();
            workspace.extend(members(files, candidate_id, &workspace_dir)?);
            break;
        }
    }
    workspace.dedup();
    for manifest_id in workspace {
        requirements(files, manifest_id, &names, template, out)?;
    }
    let Some(lock) = dir
        .ancestors()
        .filter(inside)
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())
    else {
        return Ok(());
    };
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

/// The member manifests `workspace.members` of the manifest `id` (in `dir`) names.
fn members(files: &mut Files, id: usize, dir: &Path) -> Result<Vec<usize>, BumpError> {
    let patterns: Vec<String> = files
        .nodes(id, Format::Toml)?
        .iter()
        .filter(|n| {
            n.path.segments().len() == 3
                && n.path.segments()[..2] == key("workspace.members").segments()[..]
        })
        .filter_map(|n| n.value().map(str::to_string))
        .collect();
    let mut ids = Vec::new();
    for member in patterns {
        // Cargo reads `members` with glob's default options: `*` matches a leading dot.
        let Ok(pattern) =
            PathPattern::with_leading_dot(&format!("{member}/Cargo.toml"), LeadingDot::Wildcard)
        else {
            continue;
        };
        for path in pattern.find_under(dir) {
            ids.push(files.load(&path)?);
        }
    }
    Ok(ids)
}

/// The tables of a manifest that list dependencies.
const DEPENDENCY_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// Where a dependency's entry sits: `[dependencies] NAME`, `[target.CFG.dependencies]
/// NAME` (and the dev and build tables), `[workspace.dependencies] NAME`.
fn dependency_entry(segments: &[Segment]) -> Option<usize> {
    let key_at = |i: usize| match segments.get(i) {
        Some(Segment::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    match (key_at(0)?, key_at(1), key_at(2)) {
        (table, Some(_), _) if DEPENDENCY_TABLES.contains(&table) => Some(2),
        ("workspace", Some("dependencies"), Some(_)) => Some(3),
        ("target", Some(_), Some(table)) if DEPENDENCY_TABLES.contains(&table) => {
            key_at(3).map(|_| 4)
        }
        _ => None,
    }
}

/// Every requirement the manifest `id` has on a local package of `names` (an entry
/// with a `path`), as a value that follows the bump.
fn requirements(
    files: &mut Files,
    id: usize,
    names: &[String],
    template: &Template,
    out: &mut Vec<Located>,
) -> Result<(), BumpError> {
    let nodes = files.nodes(id, Format::Toml)?;
    let mut found = Vec::new();
    for node in nodes {
        let segments = node.path.segments();
        let Some(depth) = dependency_entry(segments) else {
            continue;
        };
        if segments.len() != depth + 1 || segments[depth] != Segment::Key("version".into()) {
            continue;
        }
        let entry = KeyPath(segments[..depth].to_vec());
        let field = |name: &str| nodes.iter().find(|n| n.path == entry.key(name));
        let Segment::Key(key_name) = &segments[depth - 1] else {
            continue;
        };
        let package = field("package").and_then(|n| n.value()).unwrap_or(key_name);
        if field("path").is_none() || !names.iter().any(|n| n == package) {
            continue;
        }
        let Some(requirement) = node.value() else {
            continue;
        };
        if requirement.contains(',') {
            continue;
        }
        let operator_len = requirement.len()
            - requirement
                .trim_start_matches(['^', '=', '~', '>', '<', ' '])
                .len();
        let operator = requirement[..operator_len].trim_end();
        let follows = Template::parse(&format!("{operator}{}", template.as_str()))
            .expect("an operator before a valid template is a valid template");
        found.push((node.path.clone(), follows));
    }
    for (path, follows) in found {
        let mut located = find(files, id, Format::Toml, &path, &follows)?;
        located.follows = true;
        out.push(located);
    }
    Ok(())
}
