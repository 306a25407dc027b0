//! The `[links]` section of `relay.toml`, as README's update-links section shows it,
//! plus the few keys a real release needs (release suffixes, the manifest's version
//! prefix, companions).
//!
//! Templates are kept with their byte span in the file, so that a template found wrong
//! when it is rendered (an unknown field, a document pattern that matches nothing) is
//! reported at its `file:line:col`.

use super::LinksError;
use crate::forge::Secret;
use crate::location::ConfigSource;
use crate::{Error, Location, Result};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// `[links]`: the floating names a release moves and the places they live.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LinksConfig {
    /// Floating names a release moves (`{major}.{minor}`, `latest`), rendered from the
    /// version; each link is made once per alias.
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    /// Used instead of `aliases` for a pre-release version.
    #[serde(default)]
    pub prerelease_aliases: Vec<Spanned<String>>,
    /// Version suffixes that mark a build variant, not a pre-release: with `["-fips"]`,
    /// `1.22.3-fips` moves `aliases`, and `{suffix}` renders `-fips`.
    #[serde(default)]
    pub release_suffixes: Vec<String>,
    /// A prefix the manifest's `version` carries (`go` in `"version": "go1.22.3"`); it
    /// is removed before the manifest's version is compared with `--version`.
    #[serde(default)]
    pub version_prefix: Option<String>,
    /// File-name suffixes of companion files (checksums, signatures): a manifest asset
    /// named like another asset plus one of them follows that asset's link name, and an
    /// assets.json arch gets one companion per suffix at its URL plus the suffix.
    #[serde(default = "default_companions")]
    pub companions: Vec<String>,
    /// Redirect maps kept in the repository, and link templates.
    #[serde(default)]
    pub map: Vec<MapConfig>,
    /// Versioned URLs inside documents.
    #[serde(default)]
    pub document: Vec<DocumentConfig>,
    /// Floating git tags.
    #[serde(default)]
    pub tags: Option<TagsConfig>,
    /// A link service with a bulk API.
    #[serde(default)]
    pub service: Option<ServiceConfig>,
}

fn default_companions() -> Vec<String> {
    vec![".sha256".into(), ".sig".into()]
}

/// `[[links.map]]`: a link template, and the redirect map file it is upserted into.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MapConfig {
    /// The redirect map file (kind by name: `.json`, `.yaml`/`.yml`, `_redirects`,
    /// `.map`/`.conf` nginx). Without it the entry only makes links for the service.
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    /// The link's name: must use `{alias}` (or `{aliased-asset}`).
    pub name: Spanned<String>,
    /// Where the link points; with `--manifest` and an asset field in `name`, the
    /// asset's own URL when left out.
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    /// The status code new `_redirects` rules get (default 302: a floating link must
    /// not be cached as permanent).
    #[serde(default)]
    pub status: Option<Spanned<u16>>,
}

/// `[[links.document]]`: versioned URLs inside a document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DocumentConfig {
    pub path: Spanned<String>,
    /// The URL with `{version}` (and optionally `{major}`, `{minor}`, `{patch}`,
    /// `{prerelease}`, `{suffix}`) where the document has a version.
    pub url: Spanned<String>,
    /// Whether a pre-release changes the document too (default: no).
    #[serde(default)]
    pub prereleases: bool,
}

/// `[links.tags]`: floating git tags, moved to the commit of the release tag.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TagsConfig {
    /// The release tag whose commit the floating tags move to (default `v{version}`).
    #[serde(default)]
    pub target: Option<Spanned<String>>,
    /// The floating tags (`v{major}`, `latest`): the only tags the toolkit moves.
    #[serde(default)]
    pub names: Vec<Spanned<String>>,
    /// Floating tags a pre-release moves instead (default: none).
    #[serde(default)]
    pub prerelease_names: Vec<Spanned<String>>,
    /// The remote to push to with `--forge git` (default `origin`).
    #[serde(default = "default_remote")]
    pub remote: String,
}

fn default_remote() -> String {
    "origin".into()
}

/// `[links.service]`: a link service with a bulk create / update API.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServiceConfig {
    /// The bulk endpoint (see the module docs of [`super::service`]).
    pub url: Spanned<String>,
    /// The environment variable holding the service's bearer token.
    #[serde(default)]
    pub token_env: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::LinksConfig;

    /// The section as a file holds it.
    #[derive(serde::Deserialize)]
    struct File {
        links: Option<LinksConfig>,
    }

    #[test]
    fn the_design_example_parses() {
        let text = r#"
[links]
aliases = ["{major}.{minor}", "latest"]
prerelease-aliases = ["next"]

[[links.map]]
path = "links.json"
name = "tool/{alias}-linux"
url  = "https://github.com/acme/tool/releases/download/v{version}/tool-{version}-linux.tar.gz"

[[links.document]]
path = "README.md"
url  = "https://github.com/acme/tool/releases/download/v{version}/tool-{version}-linux.tar.gz"

[links.tags]
target = "v{version}"
names = ["v{major}", "latest"]
remote = "origin"

[links.service]
url = "https://links.example.org/api/bulk"
token-env = "LINKS_TOKEN"
"#;
        let config: File = toml::from_str(text).unwrap();
        let links = config.links.unwrap();
        assert_eq!(links.aliases.len(), 2);
        assert_eq!(links.companions, [".sha256", ".sig"]);
        let name = &links.map[0].name;
        assert_eq!(&text[name.span()], "\"tool/{alias}-linux\"");
        assert_eq!(links.tags.unwrap().names[1].get_ref(), "latest");
        assert_eq!(
            links.service.unwrap().token_env.as_deref(),
            Some("LINKS_TOKEN")
        );
    }
}

/// The `[links]` section with the file it came from.
#[derive(Debug)]
pub struct LoadedLinks {
    pub config: LinksConfig,
    pub source: Option<ConfigSource>,
}

impl LoadedLinks {
    /// The `[links]` section the edge read from `source` (none: no file was found at
    /// `default_path`); a missing section is bad input.
    pub fn from_section(
        section: Option<LinksConfig>,
        source: Option<ConfigSource>,
        default_path: &Path,
    ) -> Result<LoadedLinks> {
        let config = section.ok_or_else(|| {
            LinksError::NoSection(match &source {
                Some(s) => format!(
                    "{} has no [links] section; update-links needs one (README's update-links section shows it)",
                    s.path.display()
                ),
                None => format!(
                    "no configuration: update-links needs a [links] section in {} (or --config FILE)",
                    default_path.display()
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

    pub(super) fn location<T>(&self, spanned: &Spanned<T>) -> Option<Location> {
        // Point inside the quotes of a string value.
        self.source.as_ref().map(|s| {
            let start = spanned.span().start;
            let quoted = s.text[start..].starts_with(['"', '\'']);
            s.location(start + usize::from(quoted))
        })
    }

    pub(super) fn bad<T>(&self, spanned: &Spanned<T>, message: impl Into<String>) -> Error {
        LinksError::Config {
            location: self.location(spanned),
            message: message.into(),
        }
        .into()
    }
}
