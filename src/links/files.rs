//! The repository files links live in, redirect maps and documents: each read and
//! planned before any is written, then written all or none.

use super::config::LoadedLinks;
use super::document;
use super::sets::MapFileLinks;
use super::template::TemplateRelease;
use super::{LinkChange, LinkStatus, LinksError, LinksReport, Place, UpdateRequest, maps};
use crate::fsio::{SpanEdit, apply_edits};
use crate::{Error, Location, Result};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

/// A map file with its planned text.
pub(super) struct PlannedFile {
    pub(super) path: String,
    pub(super) full: PathBuf,
    pub(super) old: String,
    pub(super) new: String,
}

/// Reads a file of the repository that the configuration names at `spanned`. A path
/// that leaves the repository — absolute, with `..`, or through a symbolic link that
/// leads elsewhere — is refused at its place in the configuration: update-links
/// writes only files of the repository.
fn read_repo_file(
    loaded: &LoadedLinks,
    repo_dir: &Path,
    spanned: &Spanned<String>,
) -> Result<(PathBuf, String)> {
    let path = spanned.get_ref();
    if path.is_empty()
        || Path::new(path)
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(loaded.bad(
            spanned,
            format!(
                "`{path}` leaves the repository (an absolute path or `..`); name a file inside it"
            ),
        ));
    }
    let full = repo_dir.join(path);
    let absolute = std::path::absolute(&full).unwrap_or_else(|_| full.clone());
    let base = std::path::absolute(repo_dir).unwrap_or_else(|_| repo_dir.to_path_buf());
    if !crate::fsio::stays_inside(&absolute, &base) {
        return Err(loaded.bad(
            spanned,
            format!(
                "`{path}` is a symbolic link, or lies under one, that leads outside the repository; name a file inside it"
            ),
        ));
    }
    let text = std::fs::read_to_string(&full).map_err(|error| LinksError::Read {
        path: full.clone(),
        error,
    })?;
    Ok((full, text))
}

/// Reads every map file and plans its upsert.
pub(super) fn plan_maps(
    loaded: &LoadedLinks,
    request: &UpdateRequest,
    release: &TemplateRelease,
    per_file: &[MapFileLinks],
    report: &mut LinksReport,
) -> Result<Vec<PlannedFile>> {
    let mut files = Vec::new();
    for file in per_file {
        let path = file.path.get_ref();
        let kind = maps::MapKind::of(Path::new(path)).ok_or_else(|| {
            loaded.bad(
                &file.path,
                format!(
                    "cannot tell the kind of redirect map `{path}`: name it *.json, *.yaml, *.yml, _redirects, *.map or *.conf"
                ),
            )
        })?;
        let (full, text) = read_repo_file(loaded, &request.repo_dir, &file.path)?;
        let plan = maps::plan_release(
            kind,
            &text,
            &file.links,
            &file.statuses,
            Some(&release.version),
        )
        .map_err(|e| match e.offset {
            Some(offset) => Error::from(LinksError::Map {
                location: Location::at_offset(&full, &text, offset),
                message: e.message,
            }),
            None => LinksError::MapFile {
                path: full.clone(),
                message: e.message,
            }
            .into(),
        })?;
        for (name, version) in &plan.newer {
            report.warnings.push(format!(
                "{path}: `{name}` names {version}, newer than {}; left as it is",
                release.version
            ));
        }
        for (link, (status, previous)) in file.links.iter().zip(plan.outcomes) {
            report.changes.push(LinkChange {
                place: Place::Map,
                location: path.clone(),
                name: link.name.clone(),
                target: link.target.clone(),
                previous,
                status,
            });
        }
        files.push(PlannedFile {
            path: path.clone(),
            full,
            old: text,
            new: plan.text,
        });
    }
    Ok(files)
}

/// Reads every document and plans the update of its versioned URLs.
pub(super) fn plan_documents(
    loaded: &LoadedLinks,
    request: &UpdateRequest,
    release: &TemplateRelease,
    report: &mut LinksReport,
) -> Result<Vec<PlannedFile>> {
    let mut documents: BTreeMap<String, (PathBuf, String, Vec<SpanEdit>)> = BTreeMap::new();
    for doc in &loaded.config.document {
        if release.prerelease && !doc.prereleases {
            continue;
        }
        let path = doc.path.get_ref().clone();
        if !documents.contains_key(&path) {
            let (full, text) = read_repo_file(loaded, &request.repo_dir, &doc.path)?;
            documents.insert(path.clone(), (full, text, Vec::new()));
        }
        let (full, text, edits) = documents.get_mut(&path).expect("inserted above");
        let plan = document::plan(text, doc.url.get_ref(), release)
            .map_err(|m| loaded.bad(&doc.url, m))?;
        if plan.occurrences.is_empty() {
            return Err(loaded.bad(
                &doc.url,
                format!(
                    "`{}` matches nothing in {}",
                    doc.url.get_ref(),
                    full.display()
                ),
            ));
        }
        for newer in &plan.newer {
            report.warnings.push(format!(
                "{}: names {}, newer than {}; left as it is",
                Location::at_offset(path.as_str(), text, newer.offset),
                newer.version,
                release.version
            ));
        }
        for o in plan.occurrences {
            report.changes.push(LinkChange {
                place: Place::Document,
                location: Location::at_offset(path.as_str(), text, o.offset).to_string(),
                status: if o.before == o.after {
                    LinkStatus::Unchanged
                } else {
                    LinkStatus::Updated
                },
                name: doc.url.get_ref().clone(),
                previous: Some(o.before),
                target: o.after,
            });
        }
        edits.extend(plan.edits);
    }
    let mut files = Vec::new();
    for (path, (full, text, mut edits)) in documents {
        // Two patterns may both cover one URL: the same edit once.
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        edits.dedup();
        let new = apply_edits(&text, &edits).map_err(|m| LinksError::MapFile {
            path: full.clone(),
            message: format!("two document patterns overlap ({m})"),
        })?;
        files.push(PlannedFile {
            path,
            full,
            old: text,
            new,
        });
    }
    Ok(files)
}

/// Writes every changed file, all staged before any is replaced; on an error, the
/// report keeps only what was written.
pub(super) fn write_files(
    files: &[PlannedFile],
    report: &mut LinksReport,
) -> std::result::Result<(), String> {
    let changed: Vec<&PlannedFile> = files.iter().filter(|f| f.new != f.old).collect();
    let contents: Vec<crate::fsio::NewContent> = changed
        .iter()
        .map(|file| crate::fsio::NewContent {
            path: &file.full,
            bytes: file.new.as_bytes(),
            existing: None,
        })
        .collect();
    let Err(failure) = crate::fsio::write_files(&contents, crate::fsio::Flush::BeforeRename) else {
        return Ok(());
    };
    let unwritten: Vec<&str> = changed
        .iter()
        .enumerate()
        .filter(|(i, _)| !failure.written.contains(i))
        .map(|(_, f)| f.path.as_str())
        .collect();
    report.changes.retain(|c| {
        let in_file = |p: &&str| c.location == *p || c.location.starts_with(&format!("{p}:"));
        matches!(c.place, Place::Map | Place::Document) && !unwritten.iter().any(in_file)
    });
    Err(format!(
        "{} (not written: {}; floating tags and the link service were left as they are)",
        LinksError::Write {
            path: changed[failure.index].full.clone(),
            error: failure.error,
        },
        unwritten.join(", ")
    ))
}
