//! The release's assets, read from `--manifest`. Three JSON shapes are read:
//!
//! - a list of assets: `[{"name": "tool-1.4.2-linux.tar.gz", "url": "https://…"}, …]`
//!   (other keys are ignored);
//! - the same list under `"assets"` — what `gh release view --json assets` prints;
//! - an assets.json as Microsoft's Go build writes it:
//!   `{"version": "go1.22.3", "arches": [{"url": "https://…", "sha256": "…"}, …]}`: an
//!   asset per arch, named by the last path segment of its URL. Its `version`, less the
//!   configured `version-prefix`, must be the release's version.
//!
//! Companions (checksums, signatures; suffixes from `companions`) are grouped with the
//! asset they belong to: in a list, the asset named like another plus a suffix; in an
//! assets.json, which lists only the archives, one per suffix at the archive's URL plus
//! the suffix.
//!
//! Parsed with `jsonc-parser` in strict JSON mode for its ranges, so that every error
//! names `file:line:col`.

use super::LinksError;
use crate::Location;
use jsonc_parser::ast::{Object, Value};
use jsonc_parser::common::Ranged;
use std::path::Path;

/// An asset of the release and the companions that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestAsset {
    pub name: String,
    pub url: String,
    /// Companion files: `(suffix, asset)`, e.g. `(".sha256", tool.tar.gz.sha256)`.
    pub companions: Vec<(String, ManifestAsset)>,
}

/// Reads and checks the manifest at `path` for the release `version`.
pub fn load(
    path: &Path,
    version: &str,
    version_prefix: Option<&str>,
    companions: &[String],
) -> Result<Vec<ManifestAsset>, LinksError> {
    let text = std::fs::read_to_string(path).map_err(|error| LinksError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    parse(&text, path, version, version_prefix, companions)
}

/// Parses the text of a manifest named `path` (for messages).
pub fn parse(
    text: &str,
    path: &Path,
    version: &str,
    version_prefix: Option<&str>,
    companions: &[String],
) -> Result<Vec<ManifestAsset>, LinksError> {
    let bad = |offset: usize, message: String| LinksError::Manifest {
        location: Location::at_offset(path, text, offset),
        message,
    };
    let strict = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &strict)
        .map_err(|e| bad(e.range().start, format!("not JSON: {}", e.kind())))?;
    let root = parsed
        .value
        .ok_or_else(|| bad(0, "the manifest is empty".into()))?;
    match &root {
        Value::Array(array) => list(&array.elements, &bad, companions),
        Value::Object(object) if object.get("arches").is_some() => {
            assets_json(object, &bad, version, version_prefix, companions)
        }
        Value::Object(object) => match object.get("assets") {
            Some(prop) => match &prop.value {
                Value::Array(array) => list(&array.elements, &bad, companions),
                other => Err(bad(other.range().start, "`assets` is not a list".into())),
            },
            None => Err(bad(
                object.range.start,
                "expected a list of {\"name\", \"url\"} objects, an object with `assets`, or an assets.json with `version` and `arches`".into(),
            )),
        },
        other => Err(bad(
            other.range().start,
            "expected a list of {\"name\", \"url\"} objects, an object with `assets`, or an assets.json with `version` and `arches`".into(),
        )),
    }
}

fn string_field(
    object: &Object<'_>,
    key: &str,
    bad: &impl Fn(usize, String) -> LinksError,
) -> Result<String, LinksError> {
    match object.get(key) {
        Some(prop) => match &prop.value {
            Value::StringLit(s) if !s.value.trim().is_empty() => Ok(s.value.to_string()),
            Value::StringLit(s) => Err(bad(s.range.start, format!("`{key}` is empty"))),
            other => Err(bad(other.range().start, format!("`{key}` is not a string"))),
        },
        None => Err(bad(object.range.start, format!("an asset without `{key}`"))),
    }
}

fn list(
    elements: &[Value<'_>],
    bad: &impl Fn(usize, String) -> LinksError,
    companions: &[String],
) -> Result<Vec<ManifestAsset>, LinksError> {
    let mut assets: Vec<(usize, ManifestAsset)> = Vec::new();
    for element in elements {
        let Value::Object(object) = element else {
            return Err(bad(
                element.range().start,
                "an asset is not an object with `name` and `url`".into(),
            ));
        };
        let name = string_field(object, "name", bad)?;
        let url = string_field(object, "url", bad)?;
        if assets.iter().any(|(_, a)| a.name == name) {
            return Err(bad(
                object.range.start,
                format!("asset `{name}` is listed twice"),
            ));
        }
        assets.push((
            object.range.start,
            ManifestAsset {
                name,
                url,
                companions: Vec::new(),
            },
        ));
    }
    // A companion is named like another asset plus a suffix; it follows that asset.
    let mut main: Vec<ManifestAsset> = Vec::new();
    let mut followers: Vec<(String, String, ManifestAsset)> = Vec::new();
    for (_, asset) in &assets {
        let parent = companions.iter().find_map(|suffix| {
            let base = asset.name.strip_suffix(suffix.as_str())?;
            assets
                .iter()
                .any(|(_, a)| a.name == base)
                .then(|| (base.to_string(), suffix.clone()))
        });
        match parent {
            Some((base, suffix)) => followers.push((base, suffix, asset.clone())),
            None => main.push(asset.clone()),
        }
    }
    for (base, suffix, companion) in followers {
        if let Some(parent) = main.iter_mut().find(|a| a.name == base) {
            parent.companions.push((suffix, companion));
        } else {
            main.push(companion);
        }
    }
    Ok(main)
}

fn assets_json(
    object: &Object<'_>,
    bad: &impl Fn(usize, String) -> LinksError,
    version: &str,
    version_prefix: Option<&str>,
    companions: &[String],
) -> Result<Vec<ManifestAsset>, LinksError> {
    let version_prop = object.get("version").ok_or_else(|| {
        bad(
            object.range.start,
            "an assets.json (with `arches`) without `version`".into(),
        )
    })?;
    let Value::StringLit(written) = &version_prop.value else {
        return Err(bad(
            version_prop.value.range().start,
            "`version` is not a string".into(),
        ));
    };
    let stripped = match version_prefix {
        Some(prefix) => written.value.strip_prefix(prefix).unwrap_or(&written.value),
        None => &written.value,
    };
    if stripped != version {
        let hint = match version_prefix {
            Some(prefix) => format!(" (after removing the version-prefix `{prefix}`)"),
            None if written.value.ends_with(version) => format!(
                "; if the manifest's versions carry a prefix, set version-prefix = \"{}\" in [links]",
                &written.value[..written.value.len() - version.len()]
            ),
            None => String::new(),
        };
        return Err(bad(
            written.range.start,
            format!(
                "the manifest is for version `{}`, not the release's `{version}`{hint}",
                written.value
            ),
        ));
    }
    let Some(arches) = object.get_array("arches") else {
        return Err(bad(object.range.start, "`arches` is not a list".into()));
    };
    let mut assets = Vec::new();
    for arch in &arches.elements {
        let Value::Object(arch) = arch else {
            return Err(bad(
                arch.range().start,
                "an arch is not an object with `url`".into(),
            ));
        };
        let url = string_field(arch, "url", bad)?;
        let name = url
            .split(['?', '#'])
            .next()
            .unwrap_or(&url)
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        if name.is_empty() {
            return Err(bad(
                arch.range.start,
                format!("the URL `{url}` names no file"),
            ));
        }
        let companions = companions
            .iter()
            .map(|suffix| {
                (
                    suffix.clone(),
                    ManifestAsset {
                        name: format!("{name}{suffix}"),
                        url: format!("{url}{suffix}"),
                        companions: Vec::new(),
                    },
                )
            })
            .collect();
        assets.push(ManifestAsset {
            name,
            url,
            companions,
        });
    }
    Ok(assets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn companions() -> Vec<String> {
        vec![".sha256".into(), ".sig".into()]
    }

    fn read(text: &str, version: &str, prefix: Option<&str>) -> Result<Vec<ManifestAsset>, String> {
        parse(text, Path::new("m.json"), version, prefix, &companions()).map_err(|e| e.to_string())
    }

    #[test]
    fn a_list_groups_companions_with_their_asset() {
        let assets = read(
            r#"[{"name": "t.tar.gz", "url": "u/t.tar.gz", "size": 3},
                {"name": "t.tar.gz.sha256", "url": "u/t.tar.gz.sha256"},
                {"name": "notes.txt.sig", "url": "u/notes.txt.sig"}]"#,
            "1.0.0",
            None,
        )
        .unwrap();
        assert_eq!(assets.len(), 2);
        assert_eq!(assets[0].companions[0].0, ".sha256");
        assert_eq!(assets[0].companions[0].1.url, "u/t.tar.gz.sha256");
        assert_eq!(
            assets[1].name, "notes.txt.sig",
            "no parent: an asset of its own"
        );
    }

    #[test]
    fn an_assets_json_names_assets_by_their_url() {
        let assets = read(
            r#"{"version": "go1.22.3-fips", "arches": [
                {"env": {"GOOS": "linux"}, "url": "https://x/go1.22.3-fips.linux-amd64.tar.gz", "sha256": "ab"}]}"#,
            "1.22.3-fips",
            Some("go"),
        )
        .unwrap();
        assert_eq!(assets[0].name, "go1.22.3-fips.linux-amd64.tar.gz");
        assert_eq!(
            assets[0].companions[1].1.url,
            "https://x/go1.22.3-fips.linux-amd64.tar.gz.sig"
        );
    }

    #[test]
    fn errors_name_their_position() {
        assert_eq!(
            read("[{\"name\": \"a\",}]", "1.0.0", None).unwrap_err(),
            "m.json:1:14: not JSON: Trailing commas are not allowed"
        );
        assert_eq!(
            read("[{\"name\": \"a\"}]", "1.0.0", None).unwrap_err(),
            "m.json:1:2: an asset without `url`"
        );
        assert_eq!(
            read(
                "{\"version\": \"go1.22.3\", \"arches\": []}",
                "1.22.3",
                None
            )
            .unwrap_err(),
            "m.json:1:13: the manifest is for version `go1.22.3`, not the release's `1.22.3`; \
             if the manifest's versions carry a prefix, set version-prefix = \"go\" in [links]"
        );
        assert_eq!(
            read(
                "{\"version\": \"go1.22.2\", \"arches\": []}",
                "1.22.3",
                Some("go")
            )
            .unwrap_err(),
            "m.json:1:13: the manifest is for version `go1.22.2`, not the release's `1.22.3` \
             (after removing the version-prefix `go`)"
        );
        assert_eq!(
            read("{\"files\": []}", "1.0.0", None).unwrap_err(),
            "m.json:1:1: expected a list of {\"name\", \"url\"} objects, an object with `assets`, \
             or an assets.json with `version` and `arches`"
        );
    }
}
