//! Link templates: the version's fields ([`Version::render`]'s `{version}`, `{major}`,
//! `{minor}`, `{patch}`, `{prerelease}`) plus the ones only links have: `{suffix}`
//! (the release suffix, such as `-fips`), `{alias}`, and for manifest assets
//! `{asset}` (the asset's name) and `{aliased-asset}` (the asset's name with the
//! release version in it replaced by the alias: `go1.22.3.linux-amd64.tar.gz` →
//! `go1.22.linux-amd64.tar.gz`).
//!
//! Which fields a template may use depends on where it is: an alias cannot use
//! `{alias}`, a tag name cannot use an asset. An unknown field is an error that names
//! it and lists the fields known there.

use crate::version::Version;

/// The release a template is rendered for.
#[derive(Debug, Clone)]
pub struct TemplateRelease {
    pub version: Version,
    /// The release suffix the version ends with (`-fips`), or "".
    pub suffix: String,
    /// A pre-release (not merely a version with a release suffix).
    pub prerelease: bool,
}

impl TemplateRelease {
    /// The release of `version`, given the configured release suffixes: a version that
    /// ends with one is a pre-release only if what comes before the suffix is one.
    pub fn new(version: Version, release_suffixes: &[String]) -> TemplateRelease {
        let text = version.as_str();
        let suffix = release_suffixes
            .iter()
            .filter(|s| !s.is_empty() && text.ends_with(s.as_str()))
            .max_by_key(|s| s.len())
            .cloned()
            .unwrap_or_default();
        let prerelease = if suffix.is_empty() {
            version.is_prerelease()
        } else {
            Version::parse(&text[..text.len() - suffix.len()])
                .map(|base| base.is_prerelease())
                .unwrap_or(true)
        };
        TemplateRelease {
            version,
            suffix,
            prerelease,
        }
    }
}

/// A manifest asset as a template sees it.
#[derive(Debug, Clone, Copy)]
pub struct AssetFields<'a> {
    pub name: &'a str,
}

/// What a template may use besides the version's fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extra<'a> {
    pub alias: Option<&'a str>,
    pub asset: Option<AssetFields<'a>>,
    /// Whether asset fields belong here at all (a map's name/url) even though no
    /// asset is at hand (no `--manifest`): then using one says that a manifest is needed.
    pub assets_allowed: bool,
}

const VERSION_FIELDS: &[&str] = &["version", "major", "minor", "patch", "prerelease", "suffix"];

/// The fields a template uses, in order (`{major}.{minor}` → major, minor).
pub fn fields(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    out
}

/// Renders `template` for `release` with the extra fields at hand.
pub fn render(
    template: &str,
    release: &TemplateRelease,
    extra: Extra<'_>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| format!("`{template}`: a `{{` is not closed"))?
            + start;
        let field = &rest[start + 1..end];
        let value = match field {
            "suffix" => release.suffix.clone(),
            "alias" => match extra.alias {
                Some(alias) => alias.to_string(),
                None => return Err(unknown(template, field, extra)),
            },
            "asset" | "aliased-asset" => match (extra.asset, extra.assets_allowed) {
                (Some(asset), _) if field == "asset" => asset.name.to_string(),
                (Some(asset), _) => match extra.alias {
                    Some(alias) => asset.name.replace(release.version.as_str(), alias),
                    None => return Err(unknown(template, field, extra)),
                },
                (None, true) => {
                    return Err(format!(
                        "`{template}`: `{{{field}}}` names a manifest asset; pass --manifest"
                    ));
                }
                (None, false) => return Err(unknown(template, field, extra)),
            },
            _ if VERSION_FIELDS.contains(&field) => release
                .version
                .render(&format!("{{{field}}}"))
                .map_err(|_| unknown(template, field, extra))?,
            _ => return Err(unknown(template, field, extra)),
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn unknown(template: &str, field: &str, extra: Extra<'_>) -> String {
    let mut known: Vec<&str> = VERSION_FIELDS.to_vec();
    if extra.alias.is_some() {
        known.push("alias");
    }
    if extra.asset.is_some() || extra.assets_allowed {
        known.push("asset");
        if extra.alias.is_some() {
            known.push("aliased-asset");
        }
    }
    let known: Vec<String> = known.iter().map(|f| format!("{{{f}}}")).collect();
    format!(
        "`{template}`: unknown field `{{{field}}}` (known here: {})",
        known.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(text: &str, suffixes: &[&str]) -> TemplateRelease {
        let suffixes: Vec<String> = suffixes.iter().map(|s| s.to_string()).collect();
        TemplateRelease::new(Version::parse(text).unwrap(), &suffixes)
    }

    #[test]
    fn a_release_suffix_is_no_pre_release() {
        let fips = release("1.22.3-fips", &["-fips"]);
        assert!(!fips.prerelease);
        assert_eq!(fips.suffix, "-fips");
        assert!(release("1.22.3-fips", &[]).prerelease);
        assert!(release("1.23.0-rc.1-fips", &["-fips"]).prerelease);
        assert!(!release("1.22.3", &["-fips"]).prerelease);
    }

    #[test]
    fn renders_alias_and_asset_fields() {
        let r = release("1.22.3-fips", &["-fips"]);
        let asset = AssetFields {
            name: "go1.22.3-fips.linux-amd64.tar.gz",
        };
        let extra = Extra {
            alias: Some("1.22-fips"),
            asset: Some(asset),
            assets_allowed: true,
        };
        assert_eq!(
            render("golang/release/latest/{aliased-asset}", &r, extra).unwrap(),
            "golang/release/latest/go1.22-fips.linux-amd64.tar.gz"
        );
        assert_eq!(
            render("{major}.{minor}{suffix}", &r, Extra::default()).unwrap(),
            "1.22-fips"
        );
        assert_eq!(
            render("x/{asset}", &r, extra).unwrap(),
            "x/go1.22.3-fips.linux-amd64.tar.gz"
        );
    }

    #[test]
    fn names_an_unknown_field_and_the_ones_known_there() {
        let r = release("1.4.2", &[]);
        assert_eq!(
            render("{major}/{alais}", &r, Extra::default()).unwrap_err(),
            "`{major}/{alais}`: unknown field `{alais}` (known here: {version}, {major}, {minor}, {patch}, {prerelease}, {suffix})"
        );
        let extra = Extra {
            alias: Some("1"),
            asset: None,
            assets_allowed: true,
        };
        assert_eq!(
            render("{asset}", &r, extra).unwrap_err(),
            "`{asset}`: `{asset}` names a manifest asset; pass --manifest"
        );
        assert_eq!(
            render("v{major", &r, extra).unwrap_err(),
            "`v{major`: a `{` is not closed"
        );
        assert_eq!(fields("{a}-{b}"), ["a", "b"]);
    }
}
