//! The link set: every link the configuration and the manifest make for a release,
//! per map file and in all.

use super::config::{LoadedLinks, MapConfig};
use super::template::{self, AssetFields, Extra, TemplateRelease, render};
use super::{Link, LinksReport, manifest, maps};
use crate::Result;
use std::path::Path;
use toml::Spanned;

/// Renders the configured aliases (or pre-release aliases) for the release.
pub(super) fn aliases(loaded: &LoadedLinks, release: &TemplateRelease) -> Result<Vec<String>> {
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
    entry: &MapConfig,
    release: &TemplateRelease,
    aliases: &[String],
    assets: Option<&[manifest::ManifestAsset]>,
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
    fn with<'a>(alias: &'a str, asset: &'a manifest::ManifestAsset) -> Extra<'a> {
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
            let target = |a: &manifest::ManifestAsset| -> Result<String> {
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

/// The link set: per map file (with the status of new `_redirects` rules), and all
/// of it for the service.
pub(super) struct LinkSets {
    pub(super) per_file: Vec<MapFileLinks>,
    pub(super) all: Vec<Link>,
}

pub(super) struct MapFileLinks {
    pub(super) path: Spanned<String>,
    pub(super) links: Vec<Link>,
    pub(super) statuses: maps::Statuses,
}

pub(super) fn link_sets(
    loaded: &LoadedLinks,
    release: &TemplateRelease,
    aliases: &[String],
    assets: Option<&[manifest::ManifestAsset]>,
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
