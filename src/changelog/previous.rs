//! The previous version a release is compared with: `--previous`; else the highest
//! version heading of the changelog below the new version; else, with `--request`, the
//! highest earlier version the request lists; else the highest earlier version tag of
//! the local repository. Pre-releases of the new version's own numbers
//! are skipped either way (1.2.0 is compared with 1.1.0, not with 1.2.0-rc.2).

use crate::version::Version;

/// Where the previous version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PreviousSource {
    Flag,
    Changelog,
    /// An earlier release of the `--request` file.
    Request,
    Tag,
    /// A first release: nothing earlier exists.
    None,
}

/// Where the previous version was found, as the progress line says it.
impl std::fmt::Display for PreviousSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PreviousSource::Flag => "--previous",
            PreviousSource::Changelog => "the changelog",
            PreviousSource::Request => "the request",
            PreviousSource::Tag => "tag",
            PreviousSource::None => "first release",
        })
    }
}

/// Whether `candidate` can be the previous version of `version`.
pub fn is_candidate(candidate: &Version, version: &Version) -> bool {
    candidate < version && !(candidate.is_prerelease() && same_numbers(candidate, version))
}

/// `1.2` and `1.2.0` have the same numbers; pre-release and build parts are ignored.
fn same_numbers(a: &Version, b: &Version) -> bool {
    let len = a.release.len().max(b.release.len());
    (0..len).all(|i| a.release.get(i).unwrap_or(&0) == b.release.get(i).unwrap_or(&0))
}

/// The highest candidate of `versions` for `version`.
pub fn highest_before<'a>(
    versions: impl IntoIterator<Item = &'a Version>,
    version: &Version,
) -> Option<&'a Version> {
    versions
        .into_iter()
        .filter(|v| is_candidate(v, version))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn skips_pre_releases_of_the_same_version_and_later_versions() {
        let tags: Vec<Version> = [
            "1.0.0",
            "1.1.0",
            "1.2.0-rc.1",
            "1.2.0rc2",
            "1.3.0",
            "1.1.1-beta.1",
        ]
        .into_iter()
        .map(v)
        .collect();
        assert_eq!(highest_before(&tags, &v("1.2.0")), Some(&v("1.1.1-beta.1")));
        assert_eq!(
            highest_before(&tags, &v("1.2.0-rc.3")),
            Some(&v("1.1.1-beta.1"))
        );
        assert_eq!(highest_before(&tags, &v("1.1.0")), Some(&v("1.0.0")));
        assert_eq!(highest_before(&tags, &v("1.0.0")), None);
        assert_eq!(highest_before(&tags, &v("2.0")), Some(&v("1.3.0")));
    }
}
