//! update-links: when a release ships, every link people use moves to it.
//!
//! The link set is computed from the `[links]` section of `relay.toml` ([`config`])
//! and, with `--manifest`, from the release's assets ([`manifest`]): one link per
//! alias (and per asset), named and pointed by templates ([`template`]). It is then
//! upserted in every place it lives: redirect map files ([`maps`]), versioned URLs in
//! documents ([`document`]), floating git tags ([`tags`]) and a link service
//! ([`service`]). Everything is read and planned before anything is written, so bad
//! input (exit 2) changes nothing; a link that already points right is left alone.
//!
//! [`update_links`] takes an [`UpdateRequest`] and returns a [`LinksReport`] with one
//! [`LinkChange`] per link and place.

pub mod config;
pub mod document;
pub mod manifest;
pub mod maps;
pub mod service;
pub mod tags;
pub mod template;

pub use config::LinksConfig;

use crate::ci::{CiContext, Outputs, Platform};
use crate::config::ConfigSource;
use crate::forge::{ForgeError, ForgeSettings, Secret};
use crate::fsio::{SpanEdit, apply_edits};
use crate::git::{Git, GitError};
use crate::version::{Version, VersionError};
use crate::{Error, Location, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use template::{AssetFields, Extra, Release, render};
use toml::Spanned;

/// One link: a name and the URL it points at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    pub name: String,
    pub target: String,
}

/// What happened to a link in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkStatus {
    Created,
    Updated,
    Unchanged,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Created => "created",
            LinkStatus::Updated => "updated",
            LinkStatus::Unchanged => "unchanged",
        }
    }
}

/// The kind of place a link lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    Map,
    Document,
    Tag,
    Service,
}

impl Place {
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Map => "map",
            Place::Document => "document",
            Place::Tag => "tag",
            Place::Service => "service",
        }
    }
}

/// One link in one place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkChange {
    pub place: Place,
    /// The map file, `document:line:col`, the remote or repository, the service URL.
    #[serde(rename = "where")]
    pub location: String,
    /// The link's name; for a document, the URL as it was; for a tag, its name.
    pub name: String,
    /// Where it points now (a URL, or a tag's commit).
    pub target: String,
    /// Where it pointed before, when it existed.
    pub previous: Option<String>,
    pub status: LinkStatus,
}

/// What update-links did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default)]
pub struct LinksReport {
    pub version: String,
    pub prerelease: bool,
    pub dry_run: bool,
    pub changes: Vec<LinkChange>,
    pub warnings: Vec<String>,
    /// Set when the job failed after changing part of what it planned.
    pub failure: Option<String>,
}

impl LinksReport {
    pub fn count(&self, status: LinkStatus) -> usize {
        self.changes.iter().filter(|c| c.status == status).count()
    }

    /// `links` (JSON list of the changes), `created`, `updated`, `unchanged`.
    pub fn outputs(&self) -> Outputs {
        let mut outputs = Outputs::new();
        outputs.set(
            "links",
            serde_json::to_value(&self.changes).expect("changes serialize"),
        );
        for status in [
            LinkStatus::Created,
            LinkStatus::Updated,
            LinkStatus::Unchanged,
        ] {
            outputs.set(status.as_str(), self.count(status));
        }
        outputs
    }
}

/// What the caller asks for.
#[derive(Debug, Clone, Default)]
pub struct UpdateRequest {
    /// The release's version (`1.4.2`, `1.22.3-fips`).
    pub version: String,
    /// The repository the map files and documents are in (and tags are pushed from).
    pub repo_dir: PathBuf,
    pub manifest: Option<PathBuf>,
    /// Only these floating tags (each must be configured as floating); empty: all.
    pub tags: Vec<String>,
    pub dry_run: bool,
}

/// The `[links]` section with the file it came from.
#[derive(Debug)]
pub struct LoadedLinks {
    pub config: LinksConfig,
    pub source: Option<ConfigSource>,
}

/// Errors of update-links.
#[derive(Debug, thiserror::Error)]
pub enum LinksError {
    #[error("{0}")]
    NoSection(String),
    #[error("{}{message}", location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default())]
    Config {
        location: Option<Location>,
        message: String,
    },
    #[error("{location}: {message}")]
    Manifest { location: Location, message: String },
    // The io error is part of the message (not a `source`), printed once.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{location}: {message}")]
    Map { location: Location, message: String },
    #[error("{}: {message}", path.display())]
    MapFile { path: PathBuf, message: String },
    #[error("--version: {0}")]
    Version(VersionError),
    #[error("tag `{name}` is not configured as floating ({reason}); nothing was changed")]
    NotFloating { name: String, reason: String },
    #[error("{0}")]
    Token(String),
    #[error("{0}")]
    Repository(String),
    #[error("the release tag {tag} is not on {place}; push it before moving floating tags to it")]
    MissingReleaseTag { tag: String, place: String },
    #[error("the link service at {url}: {message}")]
    Service { url: String, message: String },
    #[error("cannot write {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Git(#[from] GitError),
    /// Reading the remote's tags failed: mostly a token the server refuses.
    #[error(
        "reading the tags of `{remote}` failed — the token needs `contents: read` (GitHub) or \
         `read_repository` (GitLab), and write access to move them: {error}"
    )]
    RemoteTags { remote: String, error: GitError },
    #[error(transparent)]
    Forge(#[from] ForgeError),
}

impl LinksError {
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            LinksError::MissingReleaseTag { .. }
                | LinksError::Service { .. }
                | LinksError::Write { .. }
                | LinksError::Git(_)
                | LinksError::RemoteTags { .. }
                | LinksError::Forge(_)
        )
    }

    pub fn location(&self) -> Option<&Location> {
        match self {
            LinksError::Config { location, .. } => location.as_ref(),
            LinksError::Manifest { location, .. } | LinksError::Map { location, .. } => {
                Some(location)
            }
            _ => None,
        }
    }
}

impl LoadedLinks {
    /// Loads `--config FILE`, or `relay.toml` in `dir`; a missing `[links]` section is
    /// bad input.
    pub fn load(path: Option<&Path>, dir: &Path) -> Result<LoadedLinks> {
        let (config, source) = crate::config::load_with_source(path, dir)?;
        let config = config.links.ok_or_else(|| {
            LinksError::NoSection(match &source {
                Some(s) => format!(
                    "{} has no [links] section; update-links needs one (see DESIGN.md)",
                    s.path.display()
                ),
                None => format!(
                    "no configuration: update-links needs a [links] section in {} (or --config FILE)",
                    crate::config::default_path(dir).display()
                ),
            })
        })?;
        Ok(LoadedLinks { config, source })
    }

    /// The link service's token, from the variable `token-env` names. Set but empty or
    /// missing is bad input: the service would refuse every call.
    pub fn service_token(&self) -> Result<Option<Secret>> {
        let Some(service) = &self.config.service else {
            return Ok(None);
        };
        let Some(name) = &service.token_env else {
            return Ok(None);
        };
        match std::env::var(name) {
            Ok(value) if !value.is_empty() => Ok(Some(Secret::new(value))),
            _ => Err(LinksError::Token(format!(
                "[links.service] token-env names {name}, which is not set (or empty)"
            ))
            .into()),
        }
    }

    fn location<T>(&self, spanned: &Spanned<T>) -> Option<Location> {
        // Point inside the quotes of a string value.
        self.source.as_ref().map(|s| {
            let start = spanned.span().start;
            let quoted = s.text[start..].starts_with(['"', '\'']);
            s.location(start + usize::from(quoted))
        })
    }

    fn bad<T>(&self, spanned: &Spanned<T>, message: impl Into<String>) -> Error {
        LinksError::Config {
            location: self.location(spanned),
            message: message.into(),
        }
        .into()
    }
}

/// Renders the configured aliases (or pre-release aliases) for the release.
fn aliases(loaded: &LoadedLinks, release: &Release) -> Result<Vec<String>> {
    let configured = if release.prerelease {
        &loaded.config.prerelease_aliases
    } else {
        &loaded.config.aliases
    };
    let mut out: Vec<String> = Vec::new();
    for alias in configured {
        let rendered = render(alias.get_ref(), release, Extra::default())
            .map_err(|m| loaded.bad(alias, format!("alias {m}")))?;
        if rendered.trim().is_empty() {
            return Err(loaded.bad(alias, "an alias renders empty"));
        }
        if !out.contains(&rendered) {
            out.push(rendered);
        }
    }
    Ok(out)
}

/// The links one `[[links.map]]` entry makes, in order.
fn map_links(
    loaded: &LoadedLinks,
    entry: &config::MapConfig,
    release: &Release,
    aliases: &[String],
    assets: Option<&[manifest::Asset]>,
) -> Result<Vec<Link>> {
    let name_fields = template::fields(entry.name.get_ref());
    if !name_fields
        .iter()
        .any(|f| *f == "alias" || *f == "aliased-asset")
    {
        return Err(loaded.bad(
            &entry.name,
            format!(
                "link name `{}` uses neither {{alias}} nor {{aliased-asset}}: every alias would write the same link",
                entry.name.get_ref()
            ),
        ));
    }
    let url_fields = entry
        .url
        .as_ref()
        .map(|u| template::fields(u.get_ref()))
        .unwrap_or_default();
    let per_asset = name_fields
        .iter()
        .chain(&url_fields)
        .any(|f| *f == "asset" || *f == "aliased-asset");
    let mut links = Vec::new();
    fn extra(alias: &str) -> Extra<'_> {
        Extra {
            alias: Some(alias),
            asset: None,
            assets_allowed: true,
        }
    }
    fn with<'a>(alias: &'a str, asset: &'a manifest::Asset) -> Extra<'a> {
        Extra {
            asset: Some(AssetFields { name: &asset.name }),
            ..extra(alias)
        }
    }
    // Check both templates once even when there is nothing to render them for.
    let probe_alias = aliases.first().map_or("latest", String::as_str);
    let probe_asset = assets
        .and_then(|a| a.first())
        .map(|a| AssetFields { name: &a.name });
    let probe = Extra {
        asset: probe_asset,
        ..extra(probe_alias)
    };
    render(entry.name.get_ref(), release, probe).map_err(|m| loaded.bad(&entry.name, m))?;
    match &entry.url {
        Some(url) => {
            render(url.get_ref(), release, probe).map_err(|m| loaded.bad(url, m))?;
        }
        None if !per_asset || assets.is_none() => {
            return Err(loaded.bad(
                &entry.name,
                format!(
                    "link `{}` has no url; only a link per manifest asset ({{asset}} or {{aliased-asset}} in the name, with --manifest) may leave it out",
                    entry.name.get_ref()
                ),
            ));
        }
        None => {}
    }
    for alias in aliases {
        if !per_asset {
            let url = entry.url.as_ref().expect("checked above");
            links.push(Link {
                name: render(entry.name.get_ref(), release, extra(alias))
                    .map_err(|m| loaded.bad(&entry.name, m))?,
                target: render(url.get_ref(), release, extra(alias))
                    .map_err(|m| loaded.bad(url, m))?,
            });
            continue;
        }
        for asset in assets.unwrap_or_default() {
            let name = render(entry.name.get_ref(), release, with(alias, asset))
                .map_err(|m| loaded.bad(&entry.name, m))?;
            let target = |a: &manifest::Asset| -> Result<String> {
                match &entry.url {
                    Some(url) => render(url.get_ref(), release, with(alias, a))
                        .map_err(|m| loaded.bad(url, m)),
                    None => Ok(a.url.clone()),
                }
            };
            links.push(Link {
                name: name.clone(),
                target: target(asset)?,
            });
            // Companions follow their asset's link name.
            for (suffix, companion) in &asset.companions {
                links.push(Link {
                    name: format!("{name}{suffix}"),
                    target: target(companion)?,
                });
            }
        }
    }
    Ok(links)
}

/// Adds `links` to `set`, refusing a name made twice with different targets.
fn merge(
    loaded: &LoadedLinks,
    set: &mut Vec<Link>,
    links: Vec<Link>,
    at: &Spanned<String>,
) -> Result<()> {
    for link in links {
        match set.iter().find(|l| l.name == link.name) {
            Some(existing) if existing.target == link.target => {}
            Some(existing) => {
                return Err(loaded.bad(
                    at,
                    format!(
                        "link `{}` would point at both {} and {}; put {{asset}} or {{aliased-asset}} in the name to tell the assets apart",
                        link.name, existing.target, link.target
                    ),
                ));
            }
            None => set.push(link),
        }
    }
    Ok(())
}

/// A map file with its planned text.
struct PlannedFile {
    path: String,
    full: PathBuf,
    old: String,
    new: String,
}

/// Reads a file of the repository that a configuration names.
fn read_repo_file(repo_dir: &Path, path: &str) -> Result<(PathBuf, String)> {
    let full = repo_dir.join(path);
    let text = std::fs::read_to_string(&full).map_err(|error| LinksError::Read {
        path: full.clone(),
        error,
    })?;
    Ok((full, text))
}

/// Computes every link, plans every edit, and (unless a dry run) applies them.
pub async fn update_links(
    request: &UpdateRequest,
    loaded: &LoadedLinks,
    service_token: Option<Secret>,
    ctx: &CiContext,
    forge: &ForgeSettings,
) -> Result<LinksReport> {
    let links = &loaded.config;
    let version = Version::parse(&request.version).map_err(LinksError::Version)?;
    let release = Release::new(version, &links.release_suffixes);
    let assets = match &request.manifest {
        Some(path) => Some(manifest::load(
            path,
            release.version.as_str(),
            links.version_prefix.as_deref(),
            &links.companions,
        )?),
        None => None,
    };
    let aliases = aliases(loaded, &release)?;
    let mut report = LinksReport {
        version: release.version.to_string(),
        prerelease: release.prerelease,
        dry_run: request.dry_run,
        ..LinksReport::default()
    };
    if aliases.is_empty() && !links.map.is_empty() {
        report.warnings.push(format!(
            "{} {} moves no alias ([links] {} is empty): the maps and the link service get no links",
            if release.prerelease { "the pre-release" } else { "the release" },
            release.version,
            if release.prerelease { "prerelease-aliases" } else { "aliases" },
        ));
    }

    // Read and plan everything before anything is written.
    let sets = link_sets(loaded, &release, &aliases, assets.as_deref(), &mut report)?;
    let mut files = plan_maps(loaded, request, &sets.per_file, &mut report)?;
    for document in plan_documents(loaded, request, &release, &mut report)? {
        if files.iter().any(|f| f.path == document.path) {
            return Err(LinksError::Config {
                location: None,
                message: format!(
                    "{} is both a redirect map and a document; keep it one of them",
                    document.path
                ),
            }
            .into());
        }
        files.push(document);
    }
    let tag_names = floating_tag_names(loaded, &release, &request.tags)?;
    let tag_plan = match &links.tags {
        Some(config) if !tag_names.is_empty() => {
            let target = tag_target(loaded, config, &release)?;
            Some(plan_tags(request, config, &target, &tag_names, ctx, forge).await?)
        }
        _ => None,
    };
    if let Some(plan) = &tag_plan {
        report.changes.extend(plan.changes());
    }
    let service = match &links.service {
        Some(config) if !sets.all.is_empty() => Some(service::LinkService::new(
            config.url.get_ref(),
            service_token,
        )?),
        _ => None,
    };
    let service_url = links
        .service
        .as_ref()
        .map(|s| s.url.get_ref().clone())
        .unwrap_or_default();
    if request.dry_run {
        if let Some(service) = &service {
            let outcomes = service.plan(&sets.all).await?;
            push_service(&mut report, &service_url, &sets.all, outcomes);
        }
        return Ok(report);
    }

    // Write: files first (each atomically), then tags, then the service.
    if let Err(failure) = write_files(&files, &mut report) {
        report.failure = Some(failure);
        return Ok(report);
    }
    if let Some(plan) = &tag_plan
        && let Err((moved, message)) = move_tags(plan).await
    {
        report.changes.retain(|c| {
            c.place != Place::Tag || c.status == LinkStatus::Unchanged || moved.contains(&c.name)
        });
        report.failure = Some(format!("{message}; the link service was left as it is"));
        return Ok(report);
    }
    if let Some(service) = &service {
        match service.upsert(&sets.all).await {
            Ok(outcomes) => push_service(&mut report, &service_url, &sets.all, outcomes),
            Err(e) => report.failure = Some(format!("{e:#}")),
        }
    }
    Ok(report)
}

/// The link set: per map file (with the status of new `_redirects` rules), and all
/// of it for the service.
struct LinkSets {
    per_file: Vec<MapFileLinks>,
    all: Vec<Link>,
}

struct MapFileLinks {
    path: Spanned<String>,
    links: Vec<Link>,
    statuses: maps::Statuses,
}

fn link_sets(
    loaded: &LoadedLinks,
    release: &Release,
    aliases: &[String],
    assets: Option<&[manifest::Asset]>,
    report: &mut LinksReport,
) -> Result<LinkSets> {
    let links = &loaded.config;
    let mut sets = LinkSets {
        per_file: Vec::new(),
        all: Vec::new(),
    };
    for entry in &links.map {
        let made = map_links(loaded, entry, release, aliases, assets)?;
        if links.service.is_some() {
            merge(loaded, &mut sets.all, made.clone(), &entry.name)?;
        }
        let Some(path) = &entry.path else {
            if links.service.is_none() {
                report.warnings.push(format!(
                    "{}link template `{}` has no path and there is no [links.service]: its links go nowhere",
                    loaded
                        .location(&entry.name)
                        .map(|l| format!("{l}: "))
                        .unwrap_or_default(),
                    entry.name.get_ref()
                ));
            }
            continue;
        };
        if let Some(status) = &entry.status
            && maps::MapKind::of(Path::new(path.get_ref())) != Some(maps::MapKind::Redirects)
        {
            return Err(loaded.bad(status, "`status` is only for _redirects maps"));
        }
        let index = match sets
            .per_file
            .iter()
            .position(|f| f.path.get_ref() == path.get_ref())
        {
            Some(i) => i,
            None => {
                sets.per_file.push(MapFileLinks {
                    path: path.clone(),
                    links: Vec::new(),
                    statuses: maps::Statuses::default(),
                });
                sets.per_file.len() - 1
            }
        };
        let file = &mut sets.per_file[index];
        if let Some(status) = &entry.status {
            for link in &made {
                file.statuses.0.insert(link.name.clone(), *status.get_ref());
            }
        }
        merge(loaded, &mut file.links, made, &entry.name)?;
    }
    Ok(sets)
}

/// Reads every map file and plans its upsert.
fn plan_maps(
    loaded: &LoadedLinks,
    request: &UpdateRequest,
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
        let (full, text) = read_repo_file(&request.repo_dir, path)?;
        let plan =
            maps::plan(kind, &text, &file.links, &file.statuses).map_err(|e| match e.offset {
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
fn plan_documents(
    loaded: &LoadedLinks,
    request: &UpdateRequest,
    release: &Release,
    report: &mut LinksReport,
) -> Result<Vec<PlannedFile>> {
    let mut documents: BTreeMap<String, (PathBuf, String, Vec<SpanEdit>)> = BTreeMap::new();
    for doc in &loaded.config.document {
        if release.prerelease && !doc.prereleases {
            continue;
        }
        let path = doc.path.get_ref().clone();
        if !documents.contains_key(&path) {
            let (full, text) = read_repo_file(&request.repo_dir, &path)?;
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
fn write_files(files: &[PlannedFile], report: &mut LinksReport) -> std::result::Result<(), String> {
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

/// The release tag floating tags move to (`target`, default `v{version}`).
fn tag_target(
    loaded: &LoadedLinks,
    config: &config::TagsConfig,
    release: &Release,
) -> Result<String> {
    match &config.target {
        Some(target) => {
            render(target.get_ref(), release, Extra::default()).map_err(|m| loaded.bad(target, m))
        }
        None => Ok(format!("v{}", release.version)),
    }
}

fn push_service(
    report: &mut LinksReport,
    url: &str,
    links: &[Link],
    outcomes: Vec<(LinkStatus, Option<String>)>,
) {
    for (link, (status, previous)) in links.iter().zip(outcomes) {
        report.changes.push(LinkChange {
            place: Place::Service,
            location: url.to_string(),
            name: link.name.clone(),
            target: link.target.clone(),
            previous,
            status,
        });
    }
}

/// The floating tag names for this release; refuses any that is not floating.
fn floating_tag_names(
    loaded: &LoadedLinks,
    release: &Release,
    asked: &[String],
) -> Result<Vec<String>> {
    let Some(config) = &loaded.config.tags else {
        if let Some(name) = asked.first() {
            return Err(LinksError::NotFloating {
                name: name.clone(),
                reason: "the configuration has no [links.tags] section".into(),
            }
            .into());
        }
        return Ok(Vec::new());
    };
    let target = tag_target(loaded, config, release)?;
    let configured = if release.prerelease {
        &config.prerelease_names
    } else {
        &config.names
    };
    let mut names: Vec<String> = Vec::new();
    for name in configured {
        let rendered = render(name.get_ref(), release, Extra::default())
            .map_err(|m| loaded.bad(name, format!("tag name {m}")))?;
        if template::fields(name.get_ref()).contains(&"version") {
            return Err(loaded.bad(
                name,
                format!(
                    "tag `{rendered}` is not floating: `{}` names one release (it uses {{version}}), and release tags never move",
                    name.get_ref()
                ),
            ));
        }
        if rendered == target {
            return Err(loaded.bad(
                name,
                format!("tag `{rendered}` is the release tag itself, which never moves"),
            ));
        }
        if rendered.is_empty() || rendered.contains(char::is_whitespace) {
            return Err(loaded.bad(name, format!("`{rendered}` is no tag name")));
        }
        if !names.contains(&rendered) {
            names.push(rendered);
        }
    }
    if asked.is_empty() {
        return Ok(names);
    }
    for name in asked {
        if !names.contains(name) {
            let floating = if names.is_empty() {
                "none for this release".to_string()
            } else {
                names.join(", ")
            };
            return Err(LinksError::NotFloating {
                name: name.clone(),
                reason: format!(
                    "the floating tags of [links.tags] {} are {floating}",
                    if release.prerelease {
                        "prerelease-names"
                    } else {
                        "names"
                    }
                ),
            }
            .into());
        }
    }
    Ok(names.into_iter().filter(|n| asked.contains(n)).collect())
}

/// The floating tags' current state, and how to move them.
struct TagPlan {
    place: String,
    target: String,
    moves: Vec<tags::TagMove>,
    via: TagsVia,
}

impl TagPlan {
    fn changes(&self) -> impl Iterator<Item = LinkChange> + '_ {
        self.moves.iter().map(|m| LinkChange {
            place: Place::Tag,
            location: self.place.clone(),
            name: m.name.clone(),
            target: m.commit.clone(),
            previous: m.previous.clone(),
            status: match &m.previous {
                None => LinkStatus::Created,
                Some(_) if m.is_unchanged() => LinkStatus::Unchanged,
                Some(_) => LinkStatus::Updated,
            },
        })
    }
}

enum TagsVia {
    Git {
        git: Git,
        remote: String,
    },
    Forge {
        settings: ForgeSettings,
        repo: String,
    },
}

async fn plan_tags(
    request: &UpdateRequest,
    config: &config::TagsConfig,
    target: &str,
    names: &[String],
    ctx: &CiContext,
    forge: &ForgeSettings,
) -> Result<TagPlan> {
    if forge.platform == Platform::Git {
        let git = Git::new(&request.repo_dir).with_credentials(forge.git_credentials());
        git.require_repository()?;
        let moves = tags::plan_git(&git, &config.remote, target, names)?;
        return Ok(TagPlan {
            place: config.remote.clone(),
            target: target.to_string(),
            moves,
            via: TagsVia::Git {
                git,
                remote: config.remote.clone(),
            },
        });
    }
    let repo = ctx
        .repository(forge.platform)
        .map(str::to_string)
        .or_else(|| {
            crate::metadata::read::repository_from_remote(
                &Git::new(&request.repo_dir),
                &config.remote,
            )
        })
        .ok_or_else(|| {
            LinksError::Repository(format!(
                "moving floating tags through the {} API needs the repository (GITHUB_REPOSITORY or CI_PROJECT_PATH, or a remote `{}` with an owner/name URL)",
                forge.platform, config.remote
            ))
        })?;
    let client = crate::forge::connect(forge).await?;
    let moves = tags::plan_forge(client.as_ref(), &repo, target, names).await?;
    Ok(TagPlan {
        place: format!("{} {repo}", forge.platform),
        target: target.to_string(),
        moves,
        via: TagsVia::Forge {
            settings: forge.clone(),
            repo,
        },
    })
}

/// Moves the tags that move; an error says which moved (returned) and which did not.
async fn move_tags(plan: &TagPlan) -> std::result::Result<(), (Vec<String>, String)> {
    let moving: Vec<&tags::TagMove> = plan.moves.iter().filter(|m| !m.is_unchanged()).collect();
    if moving.is_empty() {
        return Ok(());
    }
    let names = |ms: &[&tags::TagMove]| {
        ms.iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &plan.via {
        TagsVia::Git { git, remote } => {
            tags::move_git(git, remote, &plan.target, &moving).map_err(|e| {
                (
                    Vec::new(),
                    format!(
                        "moving floating tags {} on `{remote}` (one atomic push: none moved): {e}",
                        names(&moving)
                    ),
                )
            })
        }
        TagsVia::Forge { settings, repo } => {
            let client = crate::forge::connect(settings)
                .await
                .map_err(|e| (Vec::new(), format!("moving floating tags of {repo}: {e}")))?;
            tags::move_forge(client.as_ref(), repo, &moving)
                .await
                .map_err(|(done, e)| {
                    (
                        moving[..done].iter().map(|m| m.name.clone()).collect(),
                        format!(
                            "moving floating tags of {repo}: {e} (moved: {}; not moved: {})",
                            if done == 0 {
                                "none".into()
                            } else {
                                names(&moving[..done])
                            },
                            names(&moving[done..])
                        ),
                    )
                })
        }
    }
}
