//! The optional configuration file `relay.toml` (or `--config FILE`): one typed,
//! strict struct with a section per tool. Unknown keys are errors with `file:line:col`;
//! defaults live in each section's `Default`; flags override the file.
//!
//! A tool that reads a structured section (`[bump]`, `[links]`, …) adds it as a field
//! of [`RelayConfig`]. Besides, every tool has a section named after it
//! (`[verify-release]`) whose keys are the tool's long flags: [`tool_section`] reads it
//! with the position of every key and value, and the edge (`cli::file_flags`) turns it into
//! the flags it stands for.

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

/// Parses the text of a configuration file named `path` (for messages). The sections
/// named after a tool are left to [`tool_section`]; one that is no table is refused.
pub fn parse(text: &str, path: &Path) -> Result<RelayConfig, ConfigError> {
    let invalid = |e: toml::de::Error| ConfigError::Invalid {
        location: Location::at_offset(path, text, e.span().map_or(0, |s| s.start)),
        message: e.message().to_string(),
    };
    let mut document = toml::de::DeTable::parse(text).map_err(invalid)?;
    for tool in crate::cli::tool_names() {
        if let Some(value) = document.get_mut().remove(tool)
            && !value.get_ref().is_table()
        {
            return Err(ConfigError::Invalid {
                location: Location::at_offset(path, text, value.span().start),
                message: format!(
                    "`{tool}` is the section of the tool {tool}: a table of its flags \
                     ([{tool}]), not a {}",
                    value.get_ref().type_str()
                ),
            });
        }
    }
    let mut config: RelayConfig =
        serde::Deserialize::deserialize(toml::de::Deserializer::from(document)).map_err(invalid)?;
    config.source = Some(ConfigSource {
        path: path.to_path_buf(),
        text: text.to_string(),
    });
    Ok(config)
}

/// A key of a tool's section and its value, each with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionEntry {
    pub key: String,
    pub key_at: Location,
    pub value: SectionValue,
    pub value_at: Location,
}

/// A value of a tool's section, as a flag would take it.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionValue {
    /// A TOML boolean.
    Boolean(bool),
    /// A string, integer, float or date, as its text.
    Text(String),
    /// An array of such values.
    List(Vec<String>),
    /// A table (a tool's subcommand: `[track-release.open]`).
    Table(Vec<SectionEntry>),
}

/// The section `[tool]` of the configuration file `path` (its text `text`), or `None`
/// when the file has none. A value that is no flag's (an array of tables) is refused at
/// its position.
pub fn tool_section(
    text: &str,
    path: &Path,
    tool: &str,
) -> Result<Option<Vec<SectionEntry>>, ConfigError> {
    let at = |offset: usize| Location::at_offset(path, text, offset);
    let document = toml::de::DeTable::parse(text).map_err(|e| ConfigError::Invalid {
        location: at(e.span().map_or(0, |s| s.start)),
        message: e.message().to_string(),
    })?;
    let Some(section) = document.get_ref().get(tool) else {
        return Ok(None);
    };
    let Some(table) = section.get_ref().as_table() else {
        return Err(ConfigError::Invalid {
            location: at(section.span().start),
            message: format!("`{tool}` must be a table of the tool's flags ([{tool}])"),
        });
    };
    entries(table, &at).map(Some)
}

fn entries(
    table: &toml::de::DeTable<'_>,
    at: &dyn Fn(usize) -> Location,
) -> Result<Vec<SectionEntry>, ConfigError> {
    use toml::de::DeValue;
    let scalar = |value: &DeValue<'_>| -> Option<String> {
        match value {
            DeValue::String(text) => Some(text.to_string()),
            DeValue::Integer(number) => i128::from_str_radix(number.as_str(), number.radix())
                .ok()
                .map(|n| n.to_string()),
            DeValue::Float(number) => Some(number.as_str().to_string()),
            DeValue::Datetime(date) => Some(date.to_string()),
            DeValue::Boolean(b) => Some(b.to_string()),
            DeValue::Array(_) | DeValue::Table(_) => None,
        }
    };
    // In the file's order, so that the first mistake is the one reported.
    let mut pairs: Vec<_> = table.iter().collect();
    pairs.sort_by_key(|(key, _)| key.span().start);
    let mut out = Vec::new();
    for (key, value) in pairs {
        let key_name = key.get_ref().to_string();
        let value_at = at(value.span().start);
        let converted = match value.get_ref() {
            DeValue::Boolean(b) => SectionValue::Boolean(*b),
            DeValue::Table(inner) => SectionValue::Table(entries(inner, at)?),
            DeValue::Array(items) => {
                let mut list = Vec::new();
                for item in items.iter() {
                    list.push(scalar(item.get_ref()).ok_or_else(|| ConfigError::Invalid {
                        location: at(item.span().start),
                        message: format!(
                            "key `{key_name}`: a flag takes strings, numbers or booleans, \
                             not an array of {}s",
                            item.get_ref().type_str()
                        ),
                    })?);
                }
                SectionValue::List(list)
            }
            other => SectionValue::Text(scalar(other).unwrap_or_default()),
        };
        out.push(SectionEntry {
            key: key_name,
            key_at: at(key.span().start),
            value: converted,
            value_at,
        });
    }
    Ok(out)
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
    fn a_tool_section_is_no_unknown_field_and_gives_its_entries_with_positions() {
        let text = "[bump]\n\n[verify-release]\nexpect-release = true\nrepo = [\"a/b\", \"c/d\"]\n\
                    issue = 0x10\n[track-release.open]\nrelease = \"r\"\n";
        let path = Path::new("relay.toml");
        assert!(parse(text, path).is_ok());
        let section = tool_section(text, path, "verify-release").unwrap().unwrap();
        let keys: Vec<(&str, String)> = section
            .iter()
            .map(|e| (e.key.as_str(), e.key_at.to_string()))
            .collect();
        assert_eq!(
            keys,
            [
                ("expect-release", "relay.toml:4:1".to_string()),
                ("repo", "relay.toml:5:1".into()),
                ("issue", "relay.toml:6:1".into())
            ]
        );
        assert_eq!(section[0].value, SectionValue::Boolean(true));
        assert_eq!(
            section[1].value,
            SectionValue::List(vec!["a/b".into(), "c/d".into()])
        );
        assert_eq!(section[1].value_at.to_string(), "relay.toml:5:8");
        assert_eq!(section[2].value, SectionValue::Text("16".into()));
        let track = tool_section(text, path, "track-release").unwrap().unwrap();
        assert!(matches!(&track[0].value, SectionValue::Table(t) if t[0].key == "release"));
        assert_eq!(tool_section(text, path, "announce").unwrap(), None);
    }

    #[test]
    fn a_tool_section_that_is_no_table_is_refused_at_its_value() {
        let err = parse("announce = 1\n", Path::new("relay.toml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("relay.toml:1:12: `announce` is the section"),
            "{err}"
        );
        let err = tool_section(
            "[announce]\nto = [{a = 1}]\n",
            Path::new("relay.toml"),
            "announce",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("relay.toml:2:7: key `to`: a flag takes"),
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
