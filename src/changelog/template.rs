//! The section is rendered from the [`RenderContext`] by a minijinja template: the
//! built-in one writes a Keep a Changelog section, `--template FILE` replaces it.
//!
//! Templates run with `trim_blocks` and `lstrip_blocks` (a line holding only a block
//! tag leaves nothing behind) and fail on printing an undefined value, so that a typo
//! in a field name is an error with its line instead of a silently empty changelog.
//! The `md` filter escapes raw text for a Markdown line.

use super::ChangelogError;
use super::context::RenderContext;
use crate::Location;
use crate::ci::summary::escape_inline;
use minijinja::{Environment, UndefinedBehavior};
use std::path::Path;

/// The built-in template (`src/changelog/keep-a-changelog.md.j2`, a starting point for
/// `--template`): a Keep a Changelog section with a compare link per
/// repository, commits grouped by kind, and the artifacts.
pub const DEFAULT_TEMPLATE: &str = include_str!("keep-a-changelog.md.j2");

/// A template to render with: the built-in one or a user's file.
pub struct SectionTemplate {
    source: String,
    /// The user's file; `None` for the built-in template.
    path: Option<std::path::PathBuf>,
}

impl SectionTemplate {
    pub fn builtin() -> SectionTemplate {
        SectionTemplate {
            source: DEFAULT_TEMPLATE.to_string(),
            path: None,
        }
    }

    /// Reads a user's template and checks its syntax.
    pub fn from_file(path: &Path) -> Result<SectionTemplate, ChangelogError> {
        let source = std::fs::read_to_string(path).map_err(|source| ChangelogError::ReadInput {
            flag: "--template",
            path: path.to_path_buf(),
            error: source,
        })?;
        let template = SectionTemplate {
            source,
            path: Some(path.to_path_buf()),
        };
        let env = template.environment();
        env.template_from_str(&template.source)
            .map_err(|e| template.error(&e))?;
        Ok(template)
    }

    fn environment(&self) -> Environment<'_> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_debug(true);
        env.add_filter("md", |text: Option<String>| {
            escape_inline(text.as_deref().unwrap_or_default())
        });
        env
    }

    /// Renders the section; the result ends with exactly one newline.
    pub fn render(&self, context: &RenderContext) -> Result<String, ChangelogError> {
        let env = self.environment();
        let template = env
            .template_from_str(&self.source)
            .map_err(|e| self.error(&e))?;
        let text = template
            .render(minijinja::Value::from(minijinja::value::Serde(context)))
            .map_err(|e| self.error(&e))?;
        Ok(format!("{}\n", text.trim_end()))
    }

    fn error(&self, error: &minijinja::Error) -> ChangelogError {
        let message = match error.detail() {
            Some(detail) => format!("{}: {detail}", error.kind()),
            None => error.kind().to_string(),
        };
        let Some(path) = &self.path else {
            return ChangelogError::DefaultTemplate(message);
        };
        let location = match (error.range(), error.line()) {
            (Some(range), _) => Location::at_offset(path, &self.source, range.start),
            (None, Some(line)) => Location::new(path, line, 1),
            (None, None) => Location::new(path, 1, 1),
        };
        ChangelogError::Template { location, message }
    }
}
