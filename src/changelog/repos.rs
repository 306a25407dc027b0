//! The repositories of a run: the ones listed (`--repo`, the request file), which of
//! them have a clone here, and which clone is the primary one (the one that tells the
//! previous version and the date).

use super::ChangelogError;
use super::ChangelogRequest;
use super::local::LocalRepo;
use super::request;
use super::spec::{ChangelogRepo, name_from_url, server_from_url};
use crate::Result;
use crate::ci::CiContext;
use crate::forge::ForgeSettings;
use crate::version::Version;
use std::path::{Path, PathBuf};

/// One repository on its way through the run.
pub(super) struct Entry {
    pub(super) spec: ChangelogRepo,
    /// Whether `spec.name` is a forge path (links can be built).
    pub(super) on_forge: bool,
    /// Index into the opened clones.
    pub(super) local: Option<usize>,
}

/// The repositories, and their clones.
pub(super) struct Repositories {
    pub(super) entries: Vec<Entry>,
    pub(super) clones: Vec<LocalRepo>,
    pub(super) primary: Option<usize>,
    /// The web server of the remote the one repository's name was read from.
    pub(super) remote_server: Option<String>,
}

/// Lists the repositories and opens every clone (the current folder's once).
pub(super) fn open(
    request: &ChangelogRequest,
    ci: &CiContext,
    settings: &ForgeSettings,
    version: &Version,
) -> Result<Repositories> {
    let credentials = settings.git_credentials();
    // The repositories: --repo entries, then the request's, one entry per name.
    let mut specs = request.repos.clone();
    if let Some(path) = &request.request_file {
        specs.extend(request::repos_of_request(path, version)?);
    }
    let specs = merge_duplicates(specs);

    let workdir_repo = LocalRepo::open(&request.workdir, "", &request.remote, credentials.clone())?;
    let ci_name = ci.repository(settings.platform).map(str::to_string);
    let mut clones: Vec<LocalRepo> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut primary: Option<usize> = None;
    let mut remote_server = None;
    if specs.is_empty() {
        // The one repository is the current folder.
        let Some(mut repo) = workdir_repo else {
            return Err(ChangelogError::NoRepository.into());
        };
        let remote_url = repo.git.remote_url_for_display(&request.remote);
        let derived = ci_name.clone().or_else(|| {
            let name = name_from_url(remote_url.as_deref()?)?;
            remote_server = remote_url.as_deref().and_then(server_from_url);
            Some(name)
        });
        let on_forge = derived.is_some();
        let name = derived.unwrap_or_else(|| folder_name(&request.workdir));
        repo.label = name.clone();
        clones.push(repo);
        primary = Some(0);
        entries.push(Entry {
            spec: ChangelogRepo {
                name,
                local_path: Some(request.workdir.clone()),
                tag: None,
            },
            on_forge,
            local: Some(0),
        });
    } else {
        let workdir = canonical(&request.workdir);
        let mut workdir_repo = workdir_repo;
        for mut spec in specs {
            // The repository the pipeline runs in is the current folder.
            if spec.local_path.is_none()
                && workdir_repo.is_some()
                && ci_name.as_deref() == Some(spec.name.as_str())
            {
                spec.local_path = Some(request.workdir.clone());
            }
            let local = match &spec.local_path {
                None => None,
                Some(path) => {
                    let is_workdir = canonical(path) == workdir;
                    let repo = match (is_workdir, workdir_repo.take()) {
                        (true, Some(repo)) => repo,
                        (_, taken) => {
                            workdir_repo = taken;
                            LocalRepo::open(path, &spec.name, &request.remote, credentials.clone())?
                                .ok_or_else(|| crate::git::GitError::NotARepository(path.clone()))?
                        }
                    };
                    let mut repo = repo;
                    repo.label = spec.name.clone();
                    clones.push(repo);
                    let index = clones.len() - 1;
                    if is_workdir || primary.is_none() {
                        primary = Some(index);
                    }
                    Some(index)
                }
            };
            entries.push(Entry {
                spec,
                on_forge: true,
                local,
            });
        }
        // When no listed repository has a clone, a current folder that is a
        // repository still tells the previous version and the date (the hub
        // repository of a release, listing only forge repositories).
        if let (None, Some(mut repo)) = (primary, workdir_repo) {
            repo.label = ci_name
                .clone()
                .unwrap_or_else(|| folder_name(&request.workdir));
            clones.push(repo);
            primary = Some(clones.len() - 1);
        }
    }
    Ok(Repositories {
        entries,
        clones,
        primary,
        remote_server,
    })
}

/// Later entries of the same repository fill what earlier ones left open.
fn merge_duplicates(specs: Vec<ChangelogRepo>) -> Vec<ChangelogRepo> {
    let mut merged: Vec<ChangelogRepo> = Vec::new();
    for spec in specs {
        match merged.iter_mut().find(|m| m.name == spec.name) {
            Some(m) => {
                if m.local_path.is_none() {
                    m.local_path = spec.local_path;
                }
                if m.tag.is_none() {
                    m.tag = spec.tag;
                }
            }
            None => merged.push(spec),
        }
    }
    merged
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

pub(super) fn folder_name(path: &Path) -> String {
    canonical(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repository".into())
}
