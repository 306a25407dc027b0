//! Which file kind a name is, and the default keys of the well-known files.

use super::format::Format;
use std::path::Path;

/// The file kind by name (README, bump-versions): `.yaml`/`.yml`, `.toml`, `.json`, dotenv
/// (`.env`, `.env.*`, `*.env`), pip requirements (`*requirements*.txt`,
/// `*constraints*.txt`), and plain for a name without extension (`VERSION`,
/// `.python-version`). `None`: only a `/REGEX/` can address the file.
pub fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy();
    if name == ".env" || name.starts_with(".env.") || name.ends_with(".env") {
        return Some(Format::Dotenv);
    }
    if is_plain_name(&name) {
        return Some(Format::Plain);
    }
    if super::requirements::is_requirements_name(&name) {
        return Some(Format::Requirements);
    }
    match Path::new(name.as_ref())
        .extension()?
        .to_string_lossy()
        .to_ascii_lowercase()
        .as_str()
    {
        "yaml" | "yml" => Some(Format::Yaml),
        "toml" => Some(Format::Toml),
        "json" => Some(Format::Json),
        _ => None,
    }
}

/// A name without an extension (a leading dot does not start one).
pub fn is_plain_name(name: &str) -> bool {
    Path::new(name).extension().is_none()
}

/// The keys a target without KEY names in a well-known file.
pub enum Defaults {
    /// The first of these keys that the file has (at least one must exist).
    FirstOf(&'static [&'static str]),
    /// `version`, and `packages."".version` when the lockfile has it (v2, v3).
    NpmLock,
    /// `package.version`, else `workspace.package.version`, and the workspace's own
    /// entries of Cargo.lock.
    Cargo,
    /// The whole file.
    Whole,
}

pub fn defaults(path: &Path, format: Option<Format>) -> Option<Defaults> {
    let name = path.file_name()?.to_string_lossy();
    Some(match name.as_ref() {
        "Chart.yaml" | "package.json" => Defaults::FirstOf(&["version"]),
        "package-lock.json" | "npm-shrinkwrap.json" => Defaults::NpmLock,
        "pyproject.toml" => Defaults::FirstOf(&["project.version", "tool.poetry.version"]),
        "Cargo.toml" => Defaults::Cargo,
        _ if format == Some(Format::Plain) => Defaults::Whole,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_comes_from_the_name() {
        for (name, format) in [
            ("charts/a/Chart.yaml", Some(Format::Yaml)),
            ("values.yml", Some(Format::Yaml)),
            ("pyproject.toml", Some(Format::Toml)),
            ("package.json", Some(Format::Json)),
            (".env", Some(Format::Dotenv)),
            (".env.example", Some(Format::Dotenv)),
            ("deploy/prod.env", Some(Format::Dotenv)),
            ("VERSION", Some(Format::Plain)),
            ("GITALY_SERVER_VERSION", Some(Format::Plain)),
            (".python-version", Some(Format::Plain)),
            ("upper-constraints.txt", Some(Format::Requirements)),
            ("test-requirements.txt", Some(Format::Requirements)),
            ("notes.txt", None),
            ("README.md", None),
            ("Cargo.lock", None),
        ] {
            assert_eq!(format_of(Path::new(name)), format, "{name}");
        }
    }
}
