//! bump-versions: format-preserving version bumps by key path.
//!
//! A target (`Chart.yaml:appVersion=v{version}`, README's bump-versions "targets") names
//! files by path or glob and a value in each by KEY, `/REGEX/` or the file's default.
//! Every file kind is read by a parser that reports positions ([`yaml`], [`json`],
//! [`toml`](mod@toml), [`dotenv`], [`requirements`], [`plain`]); the value's byte span is replaced and
//! nothing else. Every target is located, every edit applied in memory and the result
//! re-parsed and checked (only the target values changed) before the first file is
//! written. [`read_targets`] is the reading half on its own, for verify-release.

pub mod dotenv;
mod format;
pub mod json;
mod kinds;
pub mod node;
pub mod plain;
mod plan;
pub mod requirements;
pub mod target;
pub mod toml;
pub mod yaml;

pub use format::Format;
pub use kinds::{format_of, is_plain_name};
pub use plan::{bump, edit_text, edit_text_regex, read_targets};
pub use target::{KeyPath, Segment, Selector, SpecOrigin, TargetSpec, Template};

use crate::Location;
use serde::Deserialize;
use std::path::PathBuf;

/// What bump-versions is asked.
#[derive(Debug, Clone)]
pub struct BumpRequest {
    /// Paths of targets are relative to this folder.
    pub root: PathBuf,
    /// The new version, or any one-line value (a commit id) when no template uses
    /// the version's parts.
    pub version: String,
    pub targets: Vec<TargetSpec>,
    pub mode: Mode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Write the changed files.
    Write,
    /// Change nothing; the report holds the diff.
    DryRun,
    /// Change nothing; the job fails when a value differs from the expected one.
    Check,
}

/// One value a target named, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueChange {
    /// The file as the target named it (relative to the root).
    pub file: String,
    /// The key (`image.tag`), `/REGEX/`, or "" for a plain file's whole content.
    pub key: String,
    pub location: Location,
    pub previous: String,
    pub new: String,
}

impl ValueChange {
    pub fn changes(&self) -> bool {
        self.previous != self.new
    }

    /// `file:key`, or `file` for a plain file (the name used in `previous-values`).
    pub fn name(&self) -> String {
        if self.key.is_empty() {
            self.file.clone()
        } else {
            format!("{}:{}", self.file, self.key)
        }
    }
}

/// A file whose bytes change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub file: String,
    pub path: PathBuf,
    pub before: String,
    pub after: String,
}

impl FileChange {
    /// A unified diff (`--- a/file`, `+++ b/file`) of the change.
    pub fn diff(&self) -> String {
        similar::TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", self.file), &format!("b/{}", self.file))
            .to_string()
    }
}

/// What bump-versions did, or with `--dry-run`/`--check` would do.
#[derive(Debug, Clone)]
pub struct BumpReport {
    pub mode: Mode,
    pub version: String,
    /// Every value the targets named, in target order.
    pub values: Vec<ValueChange>,
    /// The files whose bytes change (written unless dry-run or check).
    pub files: Vec<FileChange>,
}

impl BumpReport {
    pub fn changed_files(&self) -> Vec<String> {
        self.files.iter().map(|f| f.file.clone()).collect()
    }

    /// `file:key` → the value before the bump.
    pub fn previous_values(&self) -> serde_json::Map<String, serde_json::Value> {
        self.values
            .iter()
            .map(|v| (v.name(), serde_json::Value::String(v.previous.clone())))
            .collect()
    }

    /// The values that differ from the expected ones.
    pub fn differing(&self) -> Vec<&ValueChange> {
        self.values.iter().filter(|v| v.changes()).collect()
    }

    /// The unified diff of every changed file.
    pub fn diff(&self) -> String {
        self.files.iter().map(FileChange::diff).collect()
    }
}

/// A value read from a file (verify-release's `--expect-file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundValue {
    pub file: String,
    pub path: PathBuf,
    pub key: String,
    pub value: String,
    pub location: Location,
}

/// The `[bump]` section of relay.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BumpConfig {
    #[serde(default)]
    pub files: Vec<BumpFileEntry>,
}

/// One `[[bump.files]]` entry: the parts of a target SPEC.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BumpFileEntry {
    pub path: ::toml::Spanned<String>,
    pub key: Option<::toml::Spanned<String>>,
    pub regex: Option<::toml::Spanned<String>>,
    pub template: Option<::toml::Spanned<String>>,
}

impl BumpConfig {
    /// The targets of the `[[bump.files]]` entries; an invalid entry is an error at
    /// its position in `source`, the file the section was read from.
    pub fn targets(
        &self,
        source: Option<&crate::location::ConfigSource>,
    ) -> Result<Vec<TargetSpec>, BumpError> {
        self.files
            .iter()
            .map(|entry| {
                let spec = TargetSpec::from_parts(
                    entry.path.get_ref(),
                    entry.key.as_ref().map(|k| k.get_ref().as_str()),
                    entry.regex.as_ref().map(|r| r.get_ref().as_str()),
                    entry.template.as_ref().map(|t| t.get_ref().as_str()),
                );
                // Point at the field that is wrong where it is clear which.
                let span = entry
                    .key
                    .as_ref()
                    .or(entry.regex.as_ref())
                    .or(entry.template.as_ref())
                    .map_or(entry.path.span(), |s| s.span());
                let location = source.map(|s| s.location(span.start));
                match spec {
                    Ok(mut spec) => {
                        if let Some(location) = location {
                            spec.origin = SpecOrigin::Config(location);
                        }
                        Ok(spec)
                    }
                    Err(message) => Err(BumpError::Spec {
                        spec: entry.path.get_ref().clone(),
                        message,
                        location: location
                            .or_else(|| source.map(|s| s.location(entry.path.span().start))),
                    }),
                }
            })
            .collect()
    }
}

/// Errors of bump-versions. All but `Read`, `Write` and `Verify` are bad input
/// (exit 2); none leaves a file changed.
#[derive(Debug, thiserror::Error)]
pub enum BumpError {
    #[error("{}target `{spec}`: {message}", prefix(location))]
    Spec {
        spec: String,
        message: String,
        location: Option<Location>,
    },
    #[error("--version `{version}`: {message}")]
    Version { version: String, message: String },
    #[error("no targets: pass --file SPEC or add [[bump.files]] entries to relay.toml")]
    NoTargets,
    #[error("{file}: no such file (target `{spec}`)")]
    MissingFile { file: String, spec: String },
    #[error("target `{spec}`: the pattern matches no file")]
    NoMatch { spec: String },
    #[error("{location}: key `{key}` not found: {detail}")]
    KeyNotFound {
        location: Location,
        key: String,
        detail: String,
    },
    #[error("{location}: key `{key}` is a {kind}, not a value; name a key inside it")]
    NotAValue {
        location: Location,
        key: String,
        kind: &'static str,
    },
    #[error("{location}: key `{key}`: {message}")]
    Unsupported {
        location: Location,
        key: String,
        message: String,
    },
    #[error("{location}: does not parse as {format}: {message}")]
    Parse {
        location: Location,
        format: &'static str,
        message: String,
    },
    #[error("{location}: /{regex}/ matches nothing")]
    RegexNoMatch { location: Location, regex: String },
    #[error("{file}: {message} (target `{spec}`)")]
    NoKeySyntax {
        file: String,
        spec: String,
        message: String,
    },
    #[error("{location}: `{key}` is asked to become both `{first}` and `{second}`")]
    Conflict {
        location: Location,
        key: String,
        first: String,
        second: String,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}{}", path.display(), written_note(written))]
    Write {
        path: PathBuf,
        written: Vec<String>,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the edit did not check out ({message}); nothing was written")]
    Verify { file: String, message: String },
    #[error("{} targets failed, nothing was written:\n  {}", .0.len(), list(.0))]
    Many(Vec<BumpError>),
}

fn prefix(location: &Option<Location>) -> String {
    location
        .as_ref()
        .map_or(String::new(), |l| format!("{l}: "))
}

fn written_note(written: &[String]) -> String {
    if written.is_empty() {
        String::new()
    } else {
        format!(" (already written: {})", written.join(", "))
    }
}

fn list(errors: &[BumpError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}

impl crate::Problem for BumpError {
    fn is_bad_input(&self) -> bool {
        match self {
            BumpError::Read { .. } | BumpError::Write { .. } | BumpError::Verify { .. } => false,
            BumpError::Many(all) => all.iter().all(BumpError::is_bad_input),
            _ => true,
        }
    }

    fn location(&self) -> Option<&Location> {
        match self {
            BumpError::Spec { location, .. } => location.as_ref(),
            BumpError::KeyNotFound { location, .. }
            | BumpError::NotAValue { location, .. }
            | BumpError::Unsupported { location, .. }
            | BumpError::Parse { location, .. }
            | BumpError::RegexNoMatch { location, .. }
            | BumpError::Conflict { location, .. } => Some(location),
            BumpError::Many(all) => all.iter().find_map(BumpError::location),
            _ => None,
        }
    }
}
