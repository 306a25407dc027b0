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
mod error;
mod files;
pub mod manifest;
pub mod maps;
mod report;
pub mod service;
mod sets;
pub mod tags;
pub mod template;

pub use config::{LinksConfig, LoadedLinks};
pub use error::LinksError;
pub use report::{Link, LinkChange, LinkStatus, LinksReport, Place};

use crate::Result;
use crate::ci::CiContext;
use crate::forge::{ForgeSettings, Secret};
use crate::version::Version;
use files::{plan_documents, plan_maps, write_files};
use sets::{aliases, link_sets};
use std::path::PathBuf;
use tags::{floating_tag_names, move_tags, plan_tags, tag_target};
use template::TemplateRelease;

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
    let release = TemplateRelease::new(version, &links.release_suffixes);
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
    let mut files = plan_maps(loaded, request, &release, &sets.per_file, &mut report)?;
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
            Some(
                plan_tags(
                    request,
                    config,
                    &target,
                    &release.version,
                    &tag_names,
                    ctx,
                    forge,
                )
                .await?,
            )
        }
        _ => None,
    };
    if let Some(plan) = &tag_plan {
        report.changes.extend(plan.changes());
        report
            .warnings
            .extend(plan.warnings(release.version.as_str()));
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
