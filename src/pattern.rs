//! One meaning for a file pattern in every tool (bump-versions' targets, publish-release's
//! assets): globset's syntax, matched one path component at a time.
//!
//! `*`, `?` and `[…]` stay inside one folder; `**` as a whole component is any number
//! of folders; `{a,b}` is either. A name that starts with a dot is only matched by a
//! component that starts with a dot too (`*` does not reach `.env`, and `**` does not
//! go into `.git`), unless the pattern is read the way Cargo reads workspace members.
//! Files found on disk come sorted.

use globset::{GlobBuilder, GlobMatcher};
use std::path::{Path, PathBuf};

/// Whether a wildcard may match the leading dot of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadingDot {
    /// Only a component that starts with `.` matches a name that does.
    Literal,
    /// Any component may (how Cargo reads `workspace.members`).
    Wildcard,
}

/// A compiled file pattern.
#[derive(Debug, Clone)]
pub struct PathPattern {
    text: String,
    parts: Vec<Part>,
    leading_dot: LeadingDot,
}

#[derive(Debug, Clone)]
enum Part {
    /// `**`: any number of folders, none included.
    AnyDepth,
    /// A name without wildcards, looked up rather than listed.
    Literal(String),
    Wildcard {
        matcher: GlobMatcher,
        dot: bool,
    },
}

/// Deeper than this, `**` stops: a folder that links to its parent is no endless walk.
const MAX_DEPTH: usize = 64;

impl PathPattern {
    /// The pattern `text`, or why it is not one (in globset's words).
    pub fn new(text: &str) -> Result<PathPattern, String> {
        PathPattern::with_leading_dot(text, LeadingDot::Literal)
    }

    pub fn with_leading_dot(text: &str, leading_dot: LeadingDot) -> Result<PathPattern, String> {
        let mut parts = Vec::new();
        for component in text.split('/').filter(|c| !c.is_empty() && *c != ".") {
            if component == "**" {
                if !matches!(parts.last(), Some(Part::AnyDepth)) {
                    parts.push(Part::AnyDepth);
                }
            } else if !component.contains(['*', '?', '[', '{', '\\']) {
                parts.push(Part::Literal(component.to_string()));
            } else {
                let glob = GlobBuilder::new(component)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| e.kind().to_string())?;
                parts.push(Part::Wildcard {
                    matcher: glob.compile_matcher(),
                    dot: component.starts_with('.'),
                });
            }
        }
        Ok(PathPattern {
            text: text.to_string(),
            parts,
            leading_dot,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the `/`-separated relative `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        let names: Vec<&str> = path
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        self.matches_from(&self.parts, &names)
    }

    fn matches_from(&self, parts: &[Part], names: &[&str]) -> bool {
        match parts.split_first() {
            None => names.is_empty(),
            Some((Part::AnyDepth, rest)) => (0..=names.len()).any(|skip| {
                names[..skip].iter().all(|n| self.may_descend(n))
                    && self.matches_from(rest, &names[skip..])
            }),
            Some((part, rest)) => names.split_first().is_some_and(|(name, others)| {
                self.part_matches(part, name) && self.matches_from(rest, others)
            }),
        }
    }

    fn part_matches(&self, part: &Part, name: &str) -> bool {
        match part {
            Part::AnyDepth => true,
            Part::Literal(literal) => literal == name,
            Part::Wildcard { matcher, dot } => {
                (*dot || !name.starts_with('.') || self.leading_dot == LeadingDot::Wildcard)
                    && matcher.is_match(name)
            }
        }
    }

    /// Whether `**` goes through the folder `name`.
    fn may_descend(&self, name: &str) -> bool {
        self.leading_dot == LeadingDot::Wildcard || !name.starts_with('.')
    }

    /// Every file and folder under `root` the pattern matches, sorted.
    pub fn find_under(&self, root: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        self.walk(root, &self.parts, 0, &mut found);
        found.sort();
        found.dedup();
        found
    }

    fn walk(&self, at: &Path, parts: &[Part], depth: usize, found: &mut Vec<PathBuf>) {
        let Some((part, rest)) = parts.split_first() else {
            found.push(at.to_path_buf());
            return;
        };
        match part {
            Part::Literal(name) => {
                let next = at.join(name);
                if rest.is_empty() && next.exists() || next.is_dir() {
                    self.walk(&next, rest, depth, found);
                }
            }
            Part::AnyDepth => {
                self.walk(at, rest, depth, found);
                if depth >= MAX_DEPTH {
                    return;
                }
                for (name, path) in entries(at) {
                    if path.is_dir() && self.may_descend(&name) {
                        self.walk(&path, parts, depth + 1, found);
                    }
                }
            }
            Part::Wildcard { .. } => {
                for (name, path) in entries(at) {
                    if self.part_matches(part, &name) && (rest.is_empty() || path.is_dir()) {
                        self.walk(&path, rest, depth, found);
                    }
                }
            }
        }
    }
}

/// The entries of folder `dir` with their names, sorted; none when it cannot be read.
fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut entries: Vec<(String, PathBuf)> = read
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .collect();
    entries.sort();
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "a.txt",
            ".env.txt",
            "sub/b.txt",
            "sub/deep/c.txt",
            "sub/.hidden.txt",
            ".git/d.txt",
            "notes.md",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        dir
    }

    fn found(pattern: &str, dir: &Path) -> Vec<String> {
        PathPattern::new(pattern)
            .unwrap()
            .find_under(dir)
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_wildcard_stays_in_its_folder_and_skips_a_leading_dot() {
        let dir = tree();
        assert_eq!(found("*.txt", dir.path()), ["a.txt"]);
        assert_eq!(found(".*.txt", dir.path()), [".env.txt"]);
        assert_eq!(found("sub/*.txt", dir.path()), ["sub/b.txt"]);
    }

    #[test]
    fn a_double_star_crosses_folders_but_not_hidden_ones_and_comes_sorted() {
        let dir = tree();
        assert_eq!(
            found("**/*.txt", dir.path()),
            ["a.txt", "sub/b.txt", "sub/deep/c.txt"]
        );
        assert_eq!(
            found("**/.*.txt", dir.path()),
            [".env.txt", "sub/.hidden.txt"]
        );
        assert_eq!(found(".git/*.txt", dir.path()), [".git/d.txt"]);
    }

    #[test]
    fn matching_a_path_agrees_with_finding_it() {
        let dir = tree();
        for pattern in ["*.txt", "**/*.txt", ".*.txt", "sub/{b,c}.txt", "**/deep/*"] {
            let compiled = PathPattern::new(pattern).unwrap();
            for path in found("**/*", dir.path())
                .into_iter()
                .chain(found("**/.*", dir.path()))
                .chain(found(".git/*", dir.path()))
            {
                let on_disk = found(pattern, dir.path()).contains(&path);
                assert_eq!(compiled.matches(&path), on_disk, "{pattern} on {path}");
            }
        }
    }

    #[test]
    fn cargo_s_reading_lets_a_wildcard_match_a_leading_dot() {
        let pattern = PathPattern::with_leading_dot("*/Cargo.toml", LeadingDot::Wildcard).unwrap();
        assert!(pattern.matches(".tools/Cargo.toml"));
        assert!(
            !PathPattern::new("*/Cargo.toml")
                .unwrap()
                .matches(".tools/Cargo.toml")
        );
    }

    #[test]
    fn a_bad_pattern_says_why_in_globset_s_words() {
        assert_eq!(
            PathPattern::new("dist/[a").unwrap_err(),
            "unclosed character class; missing ']'"
        );
    }
}
