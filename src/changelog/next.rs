//! The next version from the conventional commits since the last release
//! (`--version auto`), as git-cliff's `--bump`, cocogitto and semantic-release compute
//! it: the highest version tag of the clone is the last release, and the commits
//! since it decide the step.
//!
//! - A breaking change (`type!:` or a `BREAKING CHANGE:` footer) bumps the major,
//!   a `feat` the minor, anything else the patch.
//! - Before 1.0.0 (SemVer: "anything may change"), a breaking change bumps the minor
//!   and everything else the patch, as Cargo and cocogitto read 0.x; 1.0.0 is a
//!   decision, never computed.
//! - After a pre-release (`1.3.0-rc.1`, `2.0.0b2`) the next is its next counter
//!   (`1.3.0-rc.2`, `2.0.0b3`) while the commits need no bigger step than the one to
//!   its numbers from the last release before it; otherwise the step is taken from
//!   that release.
//! - Without any version tag the first release is 0.1.0.

use super::ChangelogError;
use super::commits::{parse_message, read_range};
use super::local::{LocalRepo, Notes};
use crate::Result;
use crate::version::Version;

/// How far the commits move the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

impl Bump {
    /// The step the commit messages ask for.
    pub fn of_messages<'a>(messages: impl IntoIterator<Item = &'a str>) -> Bump {
        let mut bump = Bump::Patch;
        for message in messages {
            let parsed = parse_message(message);
            if parsed.breaking {
                return Bump::Major;
            }
            if parsed.kind.as_deref() == Some("feat") {
                bump = Bump::Minor;
            }
        }
        bump
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// The computed version and what it was computed from.
#[derive(Debug, Clone)]
pub struct NextVersion {
    pub version: Version,
    /// The last release's version and tag, when there is one.
    pub last: Option<(Version, String)>,
    pub bump: Bump,
    /// How many commits since the last release were read.
    pub commits: usize,
}

impl NextVersion {
    /// The progress line: `--version auto: 1.5.0 (minor since v1.4.0: 2 commits)`.
    pub fn describe(&self) -> String {
        format!(
            "--version auto: {} ({} since {}: {} commit{})",
            self.version,
            self.bump.as_str(),
            self.last
                .as_ref()
                .map_or("the first commit", |(_, tag)| tag.as_str()),
            self.commits,
            if self.commits == 1 { "" } else { "s" }
        )
    }
}

/// `last` moved by `bump`: the rules of the module.
pub fn bumped(last: Option<&Version>, stable_before: Option<&Version>, bump: Bump) -> Version {
    let Some(last) = last else {
        return parse("0.1.0");
    };
    if let Some(pre) = &last.pre {
        let base = stable_before.map_or(Bump::Major, |stable| step_between(stable, last));
        if bump <= base
            && let Some(number) = pre.number
        {
            let label = pre.text.trim_end_matches(|c: char| c.is_ascii_digit());
            let numbers = numbers(&last.release);
            return parse(&format!("{numbers}{}{label}{}", pre.separator, number + 1));
        }
        if let Some(stable) = stable_before {
            return bumped(Some(stable), None, bump);
        }
    }
    let (major, minor, patch) = (last.major(), last.minor(), last.patch());
    let (major, minor, patch) = match (major, bump) {
        (0, Bump::Major) => (0, minor + 1, 0),
        (0, _) => (0, minor, patch + 1),
        (_, Bump::Major) => (major + 1, 0, 0),
        (_, Bump::Minor) => (major, minor + 1, 0),
        (_, Bump::Patch) => (major, minor, patch + 1),
    };
    parse(&format!("{major}.{minor}.{patch}"))
}

/// The step from a release to a later pre-release's numbers (1.2.0 → 1.3.0-rc.1: minor).
fn step_between(stable: &Version, pre: &Version) -> Bump {
    if pre.major() > stable.major() && stable.major() > 0 {
        Bump::Major
    } else if pre.minor() > stable.minor() || pre.major() > stable.major() {
        if stable.major() == 0 {
            Bump::Major
        } else {
            Bump::Minor
        }
    } else {
        Bump::Patch
    }
}

fn numbers(release: &[u64]) -> String {
    release
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn parse(text: &str) -> Version {
    Version::parse(text).expect("a computed version parses")
}

/// The next version of the clone: its highest version tag (with `prefix`, or the
/// prefix detected: `v` or none), the commits from it to HEAD, the step they ask for.
/// A shallow clone is deepened from its remote when it lacks the tags or the history.
pub fn next_version(
    repo: &mut LocalRepo,
    prefix: Option<&str>,
    notes: &mut Notes,
) -> Result<NextVersion> {
    let placeholder = parse("0.0.0");
    let mut last = highest_tag(repo, prefix, &placeholder);
    if last.is_none() && repo.is_shallow() {
        repo.deepen("earlier version tags", notes)?;
        last = highest_tag(repo, prefix, &placeholder);
    }
    let head = repo.git.resolve("HEAD")?.ok_or_else(|| {
        crate::Error::Failed(format!("{}: the repository has no commits", repo.label))
    })?;
    let last_commit = match &last {
        Some((_, tag)) => repo.tag_commit(tag)?,
        None => None,
    };
    if repo.range_is_cut(last_commit.as_deref(), &head)? {
        repo.deepen("the history since the last release", notes)?;
    }
    let commits = read_range(&repo.git, last_commit.as_deref(), &head)?;
    if let Some((version, tag)) = &last
        && commits.is_empty()
    {
        return Err(ChangelogError::NothingToRelease {
            repo: repo.label.clone(),
            tag: tag.clone(),
            version: version.to_string(),
        }
        .into());
    }
    let bump = Bump::of_messages(commits.iter().map(|c| c.message.as_str()));
    let stable_before = last.as_ref().and_then(|(v, _)| {
        let prefix = tag_prefix_of(repo, prefix, &placeholder);
        repo.version_tags(&prefix)
            .into_iter()
            .map(|(v, _)| v)
            .filter(|s| !s.is_prerelease() && s < v)
            .max()
    });
    let version = bumped(last.as_ref().map(|(v, _)| v), stable_before.as_ref(), bump);
    Ok(NextVersion {
        version,
        last,
        bump,
        commits: commits.len(),
    })
}

fn tag_prefix_of(repo: &LocalRepo, prefix: Option<&str>, placeholder: &Version) -> String {
    prefix.map_or_else(|| repo.detect_prefix(placeholder, None), str::to_string)
}

/// The highest version tag, pre-releases included, with its name.
fn highest_tag(
    repo: &LocalRepo,
    prefix: Option<&str>,
    placeholder: &Version,
) -> Option<(Version, String)> {
    let prefix = tag_prefix_of(repo, prefix, placeholder);
    repo.version_tags(&prefix)
        .into_iter()
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(v, name)| (v, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(last: Option<&str>, stable: Option<&str>, bump: Bump) -> String {
        let last = last.map(parse);
        let stable = stable.map(parse);
        bumped(last.as_ref(), stable.as_ref(), bump).to_string()
    }

    #[test]
    fn commits_choose_the_step() {
        assert_eq!(Bump::of_messages(["fix: a", "docs: b"]), Bump::Patch);
        assert_eq!(Bump::of_messages(["fix: a", "feat(api): b"]), Bump::Minor);
        assert_eq!(Bump::of_messages(["feat: a", "refactor!: b"]), Bump::Major);
        assert_eq!(
            Bump::of_messages(["fix: a\n\nBREAKING CHANGE: gone"]),
            Bump::Major
        );
        assert_eq!(Bump::of_messages(["Update the README"]), Bump::Patch);
    }

    #[test]
    fn releases_move_by_semver_and_zero_x_by_one_place_less() {
        assert_eq!(next(Some("1.2.3"), None, Bump::Patch), "1.2.4");
        assert_eq!(next(Some("1.2.3"), None, Bump::Minor), "1.3.0");
        assert_eq!(next(Some("1.2.3"), None, Bump::Major), "2.0.0");
        assert_eq!(next(Some("0.4.2"), None, Bump::Major), "0.5.0");
        assert_eq!(next(Some("0.4.2"), None, Bump::Minor), "0.4.3");
        assert_eq!(next(Some("0.4.2"), None, Bump::Patch), "0.4.3");
        assert_eq!(next(Some("1.2"), None, Bump::Patch), "1.2.1");
        assert_eq!(next(None, None, Bump::Major), "0.1.0");
    }

    #[test]
    fn a_pre_release_counts_on_while_the_commits_fit_its_step() {
        assert_eq!(
            next(Some("1.3.0-rc.1"), Some("1.2.0"), Bump::Minor),
            "1.3.0-rc.2"
        );
        assert_eq!(
            next(Some("1.3.0-rc.1"), Some("1.2.0"), Bump::Patch),
            "1.3.0-rc.2"
        );
        assert_eq!(next(Some("2.0.0b2"), Some("1.4.0"), Bump::Major), "2.0.0b3");
        assert_eq!(
            next(Some("1.2.1rc1"), Some("1.2.0"), Bump::Patch),
            "1.2.1rc2"
        );
        // A breaking change after a minor's candidate: the major of the last release.
        assert_eq!(
            next(Some("1.3.0-rc.1"), Some("1.2.0"), Bump::Major),
            "2.0.0"
        );
        // No release before it: the counter goes on.
        assert_eq!(
            next(Some("1.0.0-beta.3"), None, Bump::Major),
            "1.0.0-beta.4"
        );
        // A label without a counter gets none to count.
        assert_eq!(
            next(Some("1.3.0-beta"), Some("1.2.0"), Bump::Patch),
            "1.2.1"
        );
    }
}
