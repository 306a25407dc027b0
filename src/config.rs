//! The optional configuration file `relay.toml` (or `--config FILE`): one typed,
//! strict struct with a section per tool. Unknown keys are errors with `file:line:col`;
//! defaults live in each section's `Default`; flags override the file.
//!
//! A tool that reads a section adds it as a field of [`RelayConfig`].

use crate::Location;
use crate::location::ConfigSource;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The name looked for in the working folder when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "relay.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayConfig {
    /// The file and text the configuration was read from, for positions in messages
    /// that a section finds after loading (an invalid `[[bump.files]]` key).
    #[serde(skip)]
    pub source: Option<ConfigSource>,
    /// `[bump]`: bump-versions.
    #[serde(default)]
    pub bump: Option<crate::bump::BumpConfig>,
    /// `[fixed-issues]`: comment-fixed-issues.
    #[serde(default, rename = "fixed-issues")]
    pub fixed_issues: Option<crate::fixed_issues::FixedIssuesConfig>,
    /// `[links]`: update-links.
    #[serde(default)]
    pub links: Option<crate::links::LinksConfig>,
    /// `[track]`: track-release.
    #[serde(default)]
    pub track: Option<crate::track::TrackConfig>,
}

impl RelayConfig {
    /// The `file:line:col` of a byte offset in the configuration file.
    pub fn location(&self, offset: usize) -> Option<Location> {
        self.source.as_ref().map(|s| s.location(offset))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
}

impl crate::Problem for ConfigError {
    fn is_bad_input(&self) -> bool {
        true
    }

    fn location(&self) -> Option<&Location> {
        match self {
            ConfigError::Invalid { location, .. } => Some(location),
            ConfigError::Read { .. } => None,
        }
    }
}

/// `relay.toml` in `dir` (plain `relay.toml`, not `./relay.toml`, for the working
/// folder, so that messages name it as a user would).
pub fn default_path(dir: &Path) -> PathBuf {
    if dir == Path::new(".") {
        PathBuf::from(DEFAULT_CONFIG)
    } else {
        dir.join(DEFAULT_CONFIG)
    }
}

/// Loads `path`, or `relay.toml` in `dir` when it exists, or the defaults.
pub fn load(path: Option<&Path>, dir: &Path) -> Result<RelayConfig, ConfigError> {
    load_with_source(path, dir).map(|(config, _)| config)
}

/// Like [`load`], and also returns the file read (none for the defaults), so that a
/// value found wrong later can be reported at its `file:line:col`.
pub fn load_with_source(
    path: Option<&Path>,
    dir: &Path,
) -> Result<(RelayConfig, Option<ConfigSource>), ConfigError> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => {
            let default = default_path(dir);
            if !default.exists() {
                return Ok((RelayConfig::default(), None));
            }
            default
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    let config = parse(&text, &path)?;
    let source = config.source.clone();
    Ok((config, source))
}

/// Parses the text of a configuration file named `path` (for messages).
pub fn parse(text: &str, path: &Path) -> Result<RelayConfig, ConfigError> {
    let mut config: RelayConfig = toml::from_str(text).map_err(|e| ConfigError::Invalid {
        location: Location::at_offset(path, text, e.span().map_or(0, |s| s.start)),
        message: e.message().to_string(),
    })?;
    config.source = Some(ConfigSource {
        path: path.to_path_buf(),
        text: text.to_string(),
    });
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_is_refused_with_its_position() {
        let err = parse(
            "[links]\naliases = []\n[[links.map]]\nname = \"x\"\nurls = \"y\"\n",
            Path::new("relay.toml"),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("relay.toml:5:1: unknown field `urls`"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_section_is_an_error_with_its_position() {
        let err = parse("\n[nope]\nx = 1\n", Path::new("relay.toml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("relay.toml:2:2: unknown field `nope`"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_default_file_gives_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(None, dir.path()).is_ok());
        let err = load(Some(&dir.path().join("x.toml")), dir.path()).unwrap_err();
        assert!(err.to_string().starts_with("cannot read"));
    }
}
