//! A position in a user's file, the one thing every error that points into a file
//! shares; a leaf, so that any module can name one.

use std::fmt;
use std::path::PathBuf;

/// A position in a user's file, printed as `file:line:col` (1-based).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn new(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Location {
            file: file.into(),
            line,
            column,
        }
    }

    /// The 1-based line and column of a byte offset in `text`.
    pub fn at_offset(file: impl Into<PathBuf>, text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Location::new(file, line, column)
    }
}

impl Location {
    /// Where a JSON parse of `file` failed, and why (without serde's own "at line …").
    pub fn of_json_error(
        file: impl Into<PathBuf>,
        error: &serde_json::Error,
    ) -> (Location, String) {
        let text = error.to_string();
        let at = format!(" at line {} column {}", error.line(), error.column());
        let cause = text.strip_suffix(&at).unwrap_or(&text).to_string();
        (
            Location::new(file, error.line().max(1), error.column().max(1)),
            cause,
        )
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// The file a configuration was read from, kept so that a tool can point at the
/// position of a value it finds wrong later (a `toml::Spanned` value's span).
#[derive(Debug, Clone)]
pub struct ConfigSource {
    pub path: PathBuf,
    pub text: String,
}

impl ConfigSource {
    /// `file:line:col` of a byte offset in the file.
    pub fn location(&self, offset: usize) -> Location {
        Location::at_offset(&self.path, &self.text, offset)
    }
}
