//! The announcement is rendered from the [`AnnouncementContext`] by minijinja
//! templates: the e-mail's (its first line is the subject, the rest the text) and the
//! chat message's (it also sees `subject`). The built-in ones
//! (`src/announce/email.txt.j2`, `chat.txt.j2`) are the starting point for
//! `--template` and `--chat-template`.
//!
//! Templates run with `trim_blocks` and `lstrip_blocks` and fail on printing an
//! undefined value, so a misspelt field is an error at its line, not a silent gap.
//! Filters: `underline` (a line of `-` as long as the text, for plain-text headings)
//! and `chat` (escapes `&`, `<` and `>` as Slack's message format asks, so a commit
//! subject cannot become a `<!channel>` mention or a link).

use super::AnnounceError;
use super::context::AnnouncementContext;
use crate::Location;
use minijinja::{Environment, UndefinedBehavior};
use std::path::{Path, PathBuf};

pub const DEFAULT_EMAIL_TEMPLATE: &str = include_str!("email.txt.j2");
pub const DEFAULT_CHAT_TEMPLATE: &str = include_str!("chat.txt.j2");

/// A template to render with: a built-in one or a user's file.
#[derive(Debug, Clone)]
pub struct AnnouncementTemplate {
    source: String,
    /// The user's file; `None` for a built-in template.
    path: Option<PathBuf>,
    /// `e-mail` or `chat`, for messages about a built-in template.
    which: &'static str,
}

impl AnnouncementTemplate {
    pub fn builtin_email() -> AnnouncementTemplate {
        AnnouncementTemplate {
            source: DEFAULT_EMAIL_TEMPLATE.to_string(),
            path: None,
            which: "e-mail",
        }
    }

    pub fn builtin_chat() -> AnnouncementTemplate {
        AnnouncementTemplate {
            source: DEFAULT_CHAT_TEMPLATE.to_string(),
            path: None,
            which: "chat",
        }
    }

    /// Reads a user's template and checks its syntax.
    pub fn from_file(path: &Path) -> Result<AnnouncementTemplate, AnnounceError> {
        let source = std::fs::read_to_string(path).map_err(|error| AnnounceError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        let template = AnnouncementTemplate {
            source,
            path: Some(path.to_path_buf()),
            which: "user",
        };
        template
            .environment()
            .template_from_str(&template.source)
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
        env.add_filter("underline", |text: String| "-".repeat(text.chars().count()));
        env.add_filter("chat", |text: Option<String>| {
            chat_escape(text.as_deref().unwrap_or_default())
        });
        env
    }

    fn render(&self, value: minijinja::Value) -> Result<String, AnnounceError> {
        let env = self.environment();
        let template = env
            .template_from_str(&self.source)
            .map_err(|e| self.error(&e))?;
        template.render(value).map_err(|e| self.error(&e))
    }

    /// The subject (the first line, whitespace collapsed) and the text (LF line
    /// endings, no trailing spaces, ending in one newline).
    pub fn render_message(
        &self,
        context: &AnnouncementContext,
    ) -> Result<(String, String), AnnounceError> {
        let text = self.render(minijinja::Value::from(minijinja::value::Serde(context)))?;
        let text = text.replace("\r\n", "\n");
        let text = text.trim_start_matches('\n');
        let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
        let subject = first.split_whitespace().collect::<Vec<_>>().join(" ");
        if subject.is_empty() {
            return Err(match &self.path {
                Some(path) => AnnounceError::EmptySubject {
                    location: Location::new(path, 1, 1),
                },
                None => AnnounceError::DefaultTemplate {
                    which: self.which.into(),
                    message: "the subject is empty".into(),
                },
            });
        }
        Ok((subject, tidy(rest)))
    }

    /// The chat message: the context plus `subject`.
    pub fn render_text(
        &self,
        context: &AnnouncementContext,
        subject: &str,
    ) -> Result<String, AnnounceError> {
        let mut value = serde_json::to_value(context).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert("subject".into(), subject.into());
        }
        let text = self.render(minijinja::Value::from(minijinja::value::Serde(&value)))?;
        Ok(tidy(&text.replace("\r\n", "\n")).trim_end().to_string())
    }

    fn error(&self, error: &minijinja::Error) -> AnnounceError {
        let message = match error.detail() {
            Some(detail) => format!("{}: {detail}", error.kind()),
            None => error.kind().to_string(),
        };
        let Some(path) = &self.path else {
            return AnnounceError::DefaultTemplate {
                which: self.which.into(),
                message,
            };
        };
        let location = match (error.range(), error.line()) {
            (Some(range), _) => Location::at_offset(path, &self.source, range.start),
            (None, Some(line)) => Location::new(path, line, 1),
            (None, None) => Location::new(path, 1, 1),
        };
        AnnounceError::Template { location, message }
    }
}

/// Text without leading blank lines, trailing spaces, or more than one blank line in a
/// row, ending in one newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Slack's escaping of message text: `&`, `<` and `>` as entities.
pub fn chat_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_tidied_to_single_blank_lines() {
        assert_eq!(tidy("\n\na  \n\n\n\nb\n\n"), "a\n\nb\n");
        assert_eq!(
            chat_escape("<!channel> & <x|y>"),
            "&lt;!channel&gt; &amp; &lt;x|y&gt;"
        );
    }
}
