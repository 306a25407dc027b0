//! Release versions as release tools meet them: SemVer (`1.2.0-rc.1+build.5`) and the
//! PEP 440 forms Python projects and OpenStack use (`1.2.0rc1`, `2.0.0b3`, `1.0.0.dev2`).
//!
//! The text is kept as written (a request's `1.10` stays `1.10`); the parsed parts
//! serve ordering, templates (`{major}`, `{minor}`, `{patch}`, `{prerelease}`) and the
//! question "is this a pre-release?".

use std::cmp::Ordering;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version `{text}`: {reason}")]
pub struct VersionError {
    pub text: String,
    pub reason: String,
}

/// The kind of a pre-release, in release order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PreKind {
    Dev,
    Alpha,
    Beta,
    Rc,
    /// Any other SemVer pre-release label (`-nightly.3`).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prerelease {
    /// As written, without a leading `-` or `.` (`rc.1`, `rc1`, `beta`).
    pub text: String,
    /// The separator written before it: `-` (SemVer), `.` (`.dev3`) or nothing (`rc1`).
    pub separator: String,
    pub kind: PreKind,
    pub number: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    original: String,
    /// Numeric release parts (`1.2.0` → [1, 2, 0]); at least two.
    pub release: Vec<u64>,
    pub pre: Option<Prerelease>,
    /// PEP 440 `.postN`.
    pub post: Option<u64>,
    pub build: Option<String>,
}

impl Version {
    /// Parses a version. A leading `v` is refused: the tag prefix is separate from the
    /// version (`--tag-prefix v`). Numbers with leading zeros are refused (`01.2.3`).
    pub fn parse(text: &str) -> Result<Version, VersionError> {
        let fail = |reason: &str| VersionError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        if text.is_empty() {
            return Err(fail("it is empty"));
        }
        if text.trim() != text {
            return Err(fail("it has surrounding white space"));
        }
        if text.starts_with(['v', 'V']) {
            return Err(fail(
                "a version starts with a digit; put `v` in the tag prefix",
            ));
        }
        let (main, build) = match text.split_once('+') {
            Some((m, b)) => {
                if b.is_empty()
                    || !b.split('.').all(|p| {
                        !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    })
                {
                    return Err(fail(
                        "the build part after `+` must be dot-separated alphanumerics",
                    ));
                }
                (m, Some(b.to_string()))
            }
            None => (text, None),
        };
        let numeric_end = main
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_digit()
                    || (c == '.' && main[i + 1..].starts_with(|d: char| d.is_ascii_digit())))
            })
            .map_or(main.len(), |(i, _)| i);
        let mut release = Vec::new();
        for part in main[..numeric_end].split('.') {
            if part.is_empty() {
                return Err(fail("it must start with numbers such as 1.2.0"));
            }
            if part.len() > 1 && part.starts_with('0') {
                return Err(fail("a number has a leading zero"));
            }
            release.push(
                part.parse::<u64>()
                    .map_err(|_| fail("a number is too large"))?,
            );
        }
        if release.len() < 2 {
            return Err(fail("it needs at least major.minor, such as 1.2 or 1.2.0"));
        }
        let rest = &main[numeric_end..];
        let (pre, post) = parse_suffix(rest).ok_or_else(|| {
            fail("the part after the numbers is not a pre-release (`-rc.1`, `rc1`, `b2`, `.dev3`) or `.postN`")
        })?;
        Ok(Version {
            original: text.to_string(),
            release,
            pre,
            post,
            build,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.original
    }

    pub fn major(&self) -> u64 {
        self.release[0]
    }

    pub fn minor(&self) -> u64 {
        self.release[1]
    }

    pub fn patch(&self) -> u64 {
        self.release.get(2).copied().unwrap_or(0)
    }

    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some()
    }

    /// The pre-release text as written, or "".
    pub fn prerelease(&self) -> &str {
        self.pre.as_ref().map_or("", |p| p.text.as_str())
    }

    /// The pre-release with the separator it was written with (`-rc.1`, `rc1`,
    /// `.dev3`), or "": what `{prerelease}` renders, so that
    /// `{major}.{minor}.{patch}{prerelease}` gives back `1.4.0-rc.1`.
    pub fn prerelease_suffix(&self) -> String {
        self.pre
            .as_ref()
            .map_or(String::new(), |p| format!("{}{}", p.separator, p.text))
    }

    /// Renders a template with `{version}`, `{major}`, `{minor}`, `{patch}`,
    /// `{prerelease}`. Unknown fields are an error naming the field.
    pub fn render(&self, template: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| format!("`{template}`: a `{{` is not closed"))?
                + start;
            let field = &rest[start + 1..end];
            let value = match field {
                "version" => self.original.clone(),
                "major" => self.major().to_string(),
                "minor" => self.minor().to_string(),
                "patch" => self.patch().to_string(),
                "prerelease" => self.prerelease_suffix(),
                other => {
                    return Err(format!(
                        "`{template}`: unknown field `{{{other}}}` (known: {{version}}, {{major}}, {{minor}}, {{patch}}, {{prerelease}})"
                    ));
                }
            };
            out.push_str(&value);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The version named by `text`, which may be a tag name: with a tag prefix (`v`),
/// `v1.4.0` reads as `1.4.0`, as a pipeline's tag (`github.ref_name`) gives it. Text
/// without the prefix, or whose rest is no version, stays as given.
pub fn strip_tag_prefix<'a>(text: &'a str, prefix: &str) -> &'a str {
    if prefix.is_empty() {
        return text;
    }
    text.strip_prefix(prefix)
        .filter(|rest| Version::parse(rest).is_ok())
        .unwrap_or(text)
}

/// The prefix before a version that `text` starts with (`v` of `v1.4.0`, `release-` of
/// `release-2.0`), when the rest is a version: a tag name given where a version was
/// expected.
pub fn tag_prefix_of(text: &str) -> Option<&str> {
    let digit = text.find(|c: char| c.is_ascii_digit())?;
    (digit > 0 && Version::parse(&text[digit..]).is_ok()).then(|| &text[..digit])
}

/// `-rc.1`, `rc1`, `a1`, `b2`, `-beta`, `.dev3`, `.post1`, `rc1.post2`…
fn parse_suffix(rest: &str) -> Option<(Option<Prerelease>, Option<u64>)> {
    if rest.is_empty() {
        return Some((None, None));
    }
    let lower = rest.to_ascii_lowercase();
    if let Some(n) = lower
        .strip_prefix(".post")
        .or_else(|| lower.strip_prefix("-post"))
    {
        return Some((None, Some(number(n)?)));
    }
    let (pre_text, post) = match lower.find(".post") {
        Some(at) => (&rest[..at], Some(number(&lower[at + 5..])?)),
        None => (rest, None),
    };
    let text = pre_text.trim_start_matches(['-', '.']);
    if text.is_empty() {
        return None;
    }
    let semver_style = pre_text.starts_with('-');
    let separator = pre_text[..pre_text.len() - text.len()].to_string();
    if semver_style {
        // SemVer: dot-separated identifiers of alphanumerics and hyphens.
        if !text
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            return None;
        }
    } else if !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        return None;
    }
    let label: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let digits = text[label.len()..].trim_start_matches(['.', '-']);
    let kind = match label.to_ascii_lowercase().as_str() {
        "dev" => PreKind::Dev,
        "a" | "alpha" => PreKind::Alpha,
        "b" | "beta" => PreKind::Beta,
        "rc" | "c" | "pre" | "preview" => PreKind::Rc,
        _ if semver_style => PreKind::Other,
        _ => return None,
    };
    let number =
        if digits.is_empty() || (semver_style && !digits.chars().all(|c| c.is_ascii_digit())) {
            // SemVer allows any identifiers after the label (`-rc.1-fips`).
            None
        } else {
            Some(
                digits
                    .parse()
                    .ok()
                    .filter(|_| digits.chars().all(|c| c.is_ascii_digit()))?,
            )
        };
    if number.is_none() && !digits.is_empty() && !semver_style {
        return None;
    }
    Some((
        Some(Prerelease {
            text: text.to_string(),
            separator,
            kind,
            number,
        }),
        post,
    ))
}

fn number(text: &str) -> Option<u64> {
    (!text.is_empty() && text.chars().all(|c| c.is_ascii_digit())).then(|| text.parse().ok())?
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl Ord for Version {
    /// Release numbers (missing parts count as 0), then dev < alpha < beta < rc <
    /// release, then the pre-release number, then post releases. Build metadata does
    /// not order.
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.release.len().max(other.release.len());
        for i in 0..len {
            let a = self.release.get(i).copied().unwrap_or(0);
            let b = other.release.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        let pre_key = |v: &Version| {
            v.pre
                .as_ref()
                .map(|p| (0u8, p.kind, p.number.unwrap_or(0), p.text.clone()))
                .unwrap_or((1, PreKind::Other, 0, String::new()))
        };
        pre_key(self)
            .cmp(&pre_key(other))
            .then(self.post.unwrap_or(0).cmp(&other.post.unwrap_or(0)))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn parses_semver_and_pep440_forms() {
        assert_eq!(v("1.2.3").release, [1, 2, 3]);
        assert_eq!(v("1.10").release, [1, 10]);
        assert_eq!(v("1.2.0-rc.1").pre.unwrap().kind, PreKind::Rc);
        assert_eq!(v("1.2.0rc1").pre.unwrap().number, Some(1));
        assert_eq!(v("2.0.0b3").pre.unwrap().kind, PreKind::Beta);
        assert_eq!(v("2.0.0a1").pre.unwrap().kind, PreKind::Alpha);
        assert_eq!(v("1.0.0.dev2").pre.unwrap().kind, PreKind::Dev);
        assert_eq!(v("1.0.0-nightly.3").pre.unwrap().kind, PreKind::Other);
        assert_eq!(v("1.0.0.post1").post, Some(1));
        assert_eq!(v("1.0.0+build.5").build.as_deref(), Some("build.5"));
        assert!(!v("1.0.0+build.5").is_prerelease());
        assert_eq!(v("1.22.3-fips").prerelease(), "fips");
        assert_eq!(v("1.23.0-rc.1-fips").pre.unwrap().kind, PreKind::Rc);
    }

    #[test]
    fn refuses_what_is_not_a_version() {
        for (text, reason) in [
            ("v1", "put `v` in the tag prefix"),
            ("01.2.3", "leading zero"),
            ("1", "at least major.minor"),
            ("1.2.x", "not a pre-release"),
            ("1..2", "at least major.minor"),
            (".1.2", "must start with numbers"),
            ("", "empty"),
            ("1.2.0+", "build part"),
            ("1.2.0 ", "white space"),
            ("1.2.0rc1$(x)", "not a pre-release"),
        ] {
            let err = Version::parse(text).unwrap_err();
            assert!(err.to_string().contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn orders_pre_releases_before_the_release() {
        let mut list: Vec<Version> = [
            "1.0.0",
            "1.0.0rc2",
            "1.0.0rc1",
            "0.9.9",
            "1.0.0b1",
            "1.0.0.dev1",
            "1.0.1",
            "1.0.0.post1",
            "1.0.0a1",
        ]
        .into_iter()
        .map(v)
        .collect();
        list.sort();
        let sorted: Vec<&str> = list.iter().map(Version::as_str).collect();
        assert_eq!(
            sorted,
            [
                "0.9.9",
                "1.0.0.dev1",
                "1.0.0a1",
                "1.0.0b1",
                "1.0.0rc1",
                "1.0.0rc2",
                "1.0.0",
                "1.0.0.post1",
                "1.0.1"
            ]
        );
        assert!(v("1.10.0") > v("1.9.0"));
    }

    #[test]
    fn tag_names_read_as_versions_with_their_prefix() {
        assert_eq!(strip_tag_prefix("v1.4.0", "v"), "1.4.0");
        assert_eq!(strip_tag_prefix("1.4.0", "v"), "1.4.0");
        assert_eq!(strip_tag_prefix("v1.4.0", ""), "v1.4.0");
        assert_eq!(strip_tag_prefix("vnext", "v"), "vnext");
        assert_eq!(tag_prefix_of("v1.4.0"), Some("v"));
        assert_eq!(tag_prefix_of("release-2.0"), Some("release-"));
        assert_eq!(tag_prefix_of("1.4.0"), None);
        assert_eq!(tag_prefix_of("a4c9e1d2b3"), None);
    }

    #[test]
    fn renders_templates() {
        let version = v("1.4.2-rc.1");
        assert_eq!(version.render("v{major}.{minor}").unwrap(), "v1.4");
        assert_eq!(
            version.render("{version}|{patch}|{prerelease}").unwrap(),
            "1.4.2-rc.1|2|-rc.1"
        );
        for written in [
            "1.4.0-rc.1",
            "1.4.0rc1",
            "1.4.0.dev3",
            "1.4.0-beta",
            "1.4.0",
        ] {
            assert_eq!(
                v(written)
                    .render("{major}.{minor}.{patch}{prerelease}")
                    .unwrap(),
                written
            );
        }
        assert!(
            version
                .render("{nope}")
                .unwrap_err()
                .contains("unknown field `{nope}`")
        );
    }
}
