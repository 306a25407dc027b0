//! Versioned URLs inside documents (README install snippets, badges): the configured
//! URL with `{version}` is a pattern in which `{version}` matches any version, and a
//! match gets only its version bytes replaced by the release's; every other byte of
//! the document stays. `{major}`, `{minor}`, `{patch}`, `{prerelease}` and `{suffix}`
//! may appear too and are replaced the same way.
//!
//! A document that already names a newer version than the release (a patch release
//! of an older line) is left as it is, with a warning: the document should keep
//! pointing at the newest.

use super::template::TemplateRelease;
use crate::fsio::SpanEdit;
use crate::version::Version;
use regex::Regex;

/// A release version as it appears in a URL: numbers, then an optional pre-release or
/// suffix. Matching is leftmost-first, so the literal text after `{version}` in the
/// pattern decides where a version ends (`tool-{version}-linux`).
const VERSION_PATTERN: &str =
    r"[0-9]+(?:\.[0-9]+)+(?:[-.]?[0-9A-Za-z]+(?:[-.][0-9A-Za-z]+)*)?(?:\+[0-9A-Za-z.-]+)?";

/// One versioned URL found in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Byte offset of the match.
    pub offset: usize,
    /// The URL as it was, and as it becomes.
    pub before: String,
    pub after: String,
    /// The version the document had there.
    pub version: String,
}

/// The plan for one pattern in one document.
#[derive(Debug, Clone, Default)]
pub struct DocumentPlan {
    pub edits: Vec<SpanEdit>,
    /// Every match, changed or not.
    pub occurrences: Vec<Occurrence>,
    /// Matches left alone because they name a newer version.
    pub newer: Vec<Occurrence>,
}

/// The regex of a URL template, with a capture group per field.
fn pattern(template: &str) -> Result<(Regex, Vec<String>), String> {
    let mut regex = String::new();
    let mut fields = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        regex.push_str(&regex::escape(&rest[..start]));
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| format!("`{template}`: a `{{` is not closed"))?
            + start;
        let field = &rest[start + 1..end];
        let group = match field {
            "version" => VERSION_PATTERN,
            "major" | "minor" | "patch" => "[0-9]+",
            "prerelease" => "[0-9A-Za-z.-]*",
            "suffix" => "[0-9A-Za-z.-]*",
            other => {
                return Err(format!(
                    "`{template}`: unknown field `{{{other}}}` (known here: {{version}}, {{major}}, {{minor}}, {{patch}}, {{prerelease}}, {{suffix}})"
                ));
            }
        };
        regex.push_str(&format!("({group})"));
        fields.push(field.to_string());
        rest = &rest[end + 1..];
    }
    regex.push_str(&regex::escape(rest));
    if !fields.iter().any(|f| f == "version") {
        return Err(format!(
            "`{template}`: a document URL needs `{{version}}` where the version goes"
        ));
    }
    let regex = Regex::new(&regex).map_err(|e| format!("`{template}`: {e}"))?;
    Ok((regex, fields))
}

/// The version `existing` names where `rendered` (a link target or tag name made for
/// the release `version`) names `version`: `rendered` with each occurrence of the
/// version read as a pattern that matches any version. `None` when `existing` has
/// another shape, or names different versions in different places.
pub fn version_in_place_of(existing: &str, rendered: &str, version: &str) -> Option<Version> {
    if version.is_empty() || !rendered.contains(version) {
        return None;
    }
    let parts: Vec<String> = rendered.split(version).map(regex::escape).collect();
    let regex = Regex::new(&format!(
        "^{}$",
        parts.join(&format!("({VERSION_PATTERN})"))
    ))
    .ok()?;
    let captures = regex.captures(existing)?;
    let found: Vec<&str> = captures
        .iter()
        .skip(1)
        .filter_map(|group| group.map(|g| g.as_str()))
        .collect();
    if found.is_empty() || found.windows(2).any(|w| w[0] != w[1]) {
        return None;
    }
    Version::parse(found[0]).ok()
}

/// Finds `template`'s URLs in `text` and plans their update to `release`. An error
/// is a template that cannot be a pattern; no match at all is an empty plan.
pub fn plan(text: &str, template: &str, release: &TemplateRelease) -> Result<DocumentPlan, String> {
    let (regex, fields) = pattern(template)?;
    let mut plan = DocumentPlan::default();
    for captures in regex.captures_iter(text) {
        let whole = captures.get(0).expect("group 0 is the match");
        let versions: Vec<&str> = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| *f == "version")
            .filter_map(|(i, _)| captures.get(i + 1).map(|m| m.as_str()))
            .collect();
        // Every `{version}` of one URL names the same, valid version.
        if versions.windows(2).any(|w| w[0] != w[1]) {
            continue;
        }
        let Ok(found) = Version::parse(versions[0]) else {
            continue;
        };
        let mut edits = Vec::new();
        let mut after = String::new();
        let mut at = whole.start();
        for (i, field) in fields.iter().enumerate() {
            let Some(group) = captures.get(i + 1) else {
                continue;
            };
            let value = match field.as_str() {
                "suffix" => release.suffix.clone(),
                other => release
                    .version
                    .render(&format!("{{{other}}}"))
                    .map_err(|e| format!("`{template}`: {e}"))?,
            };
            after.push_str(&text[at..group.start()]);
            after.push_str(&value);
            at = group.end();
            if group.as_str() != value {
                edits.push(SpanEdit {
                    range: group.range(),
                    replacement: value,
                });
            }
        }
        after.push_str(&text[at..whole.end()]);
        let occurrence = Occurrence {
            offset: whole.start(),
            before: whole.as_str().to_string(),
            after,
            version: found.as_str().to_string(),
        };
        if found > release.version {
            plan.newer.push(occurrence.clone());
            plan.occurrences.push(Occurrence {
                after: occurrence.before.clone(),
                ..occurrence
            });
            continue;
        }
        plan.edits.extend(edits);
        plan.occurrences.push(occurrence);
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsio::apply_edits;

    fn release(text: &str) -> TemplateRelease {
        TemplateRelease::new(Version::parse(text).unwrap(), &[])
    }

    const URL: &str = "https://x/download/v{version}/tool-{version}-linux.tar.gz";

    #[test]
    fn replaces_only_the_version_bytes() {
        let text = "curl -L https://x/download/v1.3.0/tool-1.3.0-linux.tar.gz | tar xz\n\
                    old: https://x/download/v1.2.0-rc.1/tool-1.2.0-rc.1-linux.tar.gz\n\
                    mixed: https://x/download/v1.0.0/tool-1.0.1-linux.tar.gz\n";
        let plan = plan(text, URL, &release("1.4.2")).unwrap();
        assert_eq!(
            plan.occurrences.len(),
            2,
            "a URL with two versions is no match"
        );
        assert_eq!(plan.occurrences[0].version, "1.3.0");
        assert_eq!(plan.occurrences[1].version, "1.2.0-rc.1");
        assert_eq!(
            apply_edits(text, &plan.edits).unwrap(),
            "curl -L https://x/download/v1.4.2/tool-1.4.2-linux.tar.gz | tar xz\n\
             old: https://x/download/v1.4.2/tool-1.4.2-linux.tar.gz\n\
             mixed: https://x/download/v1.0.0/tool-1.0.1-linux.tar.gz\n"
        );
    }

    #[test]
    fn a_newer_version_in_the_document_stays() {
        let text = "https://x/download/v2.0.0/tool-2.0.0-linux.tar.gz";
        let plan = plan(text, URL, &release("1.4.2")).unwrap();
        assert!(plan.edits.is_empty());
        assert_eq!(plan.newer.len(), 1);
    }

    #[test]
    fn the_version_an_existing_target_names_is_read_in_the_shape_of_the_new_one() {
        let new = "https://x/v1.4.2/tool-1.4.2.tar.gz";
        let found = |existing| version_in_place_of(existing, new, "1.4.2").map(|v| v.to_string());
        assert_eq!(
            found("https://x/v2.0.0/tool-2.0.0.tar.gz").as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            found("https://x/v1.3.0-rc.1/tool-1.3.0-rc.1.tar.gz").as_deref(),
            Some("1.3.0-rc.1")
        );
        assert_eq!(found("https://x/v2.0.0/tool-1.0.0.tar.gz"), None);
        assert_eq!(found("https://elsewhere/tool.tar.gz"), None);
        assert_eq!(version_in_place_of("latest", "v1.2.1", "1.2.1"), None);
    }

    #[test]
    fn a_template_without_version_or_with_an_unknown_field_is_refused() {
        assert_eq!(
            plan("", "https://x/{major}", &release("1.0.0")).unwrap_err(),
            "`https://x/{major}`: a document URL needs `{version}` where the version goes"
        );
        assert_eq!(
            plan("", "https://x/{alias}", &release("1.0.0")).unwrap_err(),
            "`https://x/{alias}`: unknown field `{alias}` (known here: {version}, {major}, {minor}, {patch}, {prerelease}, {suffix})"
        );
    }
}
