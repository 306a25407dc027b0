//! GitHub Actions workflow commands (`::error::`, `::warning::`, `::add-mask::`), with
//! the escaping the runner expects so that untrusted text cannot end a command early
//! or start another one.
//!
//! Commands go to stderr: the runner reads commands from both streams, and stdout stays
//! clean for `--json`.
//!
//! The runner also reads commands out of everything else a step prints: a line that
//! starts with `::` (after blanks) or that holds the older `##[name]` form anywhere.
//! Tag messages, commit subjects and file contents reach the log, so [`inert`] wraps
//! such text in `::stop-commands::` and [`inert_json`] escapes it inside JSON strings.

use crate::Location;

/// Escapes the message part of a command (`%`, CR, LF).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`): also `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `::error file=..,line=..,col=..::message`
pub fn error_command(message: &str, location: Option<&Location>) -> String {
    let properties = location
        .map(|l| {
            format!(
                " file={},line={},col={}",
                escape_property(&l.file.display().to_string()),
                l.line,
                l.column
            )
        })
        .unwrap_or_default();
    format!("::error{properties}::{}", escape_data(message))
}

pub fn warning_command(message: &str) -> String {
    format!("::warning::{}", escape_data(message))
}

/// `::add-mask::secret` hides the value in every later log line. A multi-line secret
/// is masked line by line, since the runner masks what one command names.
pub fn mask_commands(secret: &str) -> Vec<String> {
    secret
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("::add-mask::{}", escape_data(l)))
        .collect()
}

/// Whether the runner would read some line of `text` as a workflow command. The runner
/// splits lines at CR as well as LF and trims leading blanks before looking for `::`.
pub fn holds_command(text: &str) -> bool {
    text.split(['\r', '\n'])
        .any(|line| line.trim_start().starts_with("::") || line.contains("##["))
}

/// `text` as it can be printed in a GitHub Actions log: when a line of it would be read
/// as a workflow command, the whole text goes between `::stop-commands::TOKEN` and
/// `::TOKEN::` with a fresh random token, so the runner shows it and runs none of it.
pub fn inert(text: &str) -> String {
    if !holds_command(text) {
        return text.to_string();
    }
    let token = loop {
        let token = format!("relay-{}", super::outputs::random_hex());
        if !text.contains(&token) {
            break token;
        }
    };
    // A text that ends its last line keeps doing so.
    match text.strip_suffix('\n') {
        Some(body) => format!("::stop-commands::{token}\n{body}\n::{token}::\n"),
        None => format!("::stop-commands::{token}\n{text}\n::{token}::"),
    }
}

/// JSON text (as serde_json prints it) that no runner reads a command from: `#[` only
/// occurs inside strings, where `\u005b` is the same `[`. A pretty-printed line never
/// starts with `::`.
pub fn inert_json(json: &str) -> String {
    json.replace("#[", "#\\u005b")
}

/// Control characters of untrusted text shown as escapes (`\u{1b}`, `\r`), so that it
/// cannot move the cursor, recolour or rewrite a log line; line feeds and tabs stay.
pub fn visible_controls(text: &str) -> String {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_command_escapes_message_and_properties() {
        let loc = Location::new("dir,a:b.yaml", 3, 7);
        assert_eq!(
            error_command("bad\nvalue 100%", Some(&loc)),
            "::error file=dir%2Ca%3Ab.yaml,line=3,col=7::bad%0Avalue 100%25"
        );
        assert_eq!(error_command("x", None), "::error::x");
    }

    #[test]
    fn masks_each_line_of_a_secret() {
        assert_eq!(
            mask_commands("abc\ndef\n"),
            ["::add-mask::abc", "::add-mask::def"]
        );
    }

    #[test]
    fn text_with_command_lines_is_wrapped_in_stop_commands() {
        assert_eq!(
            inert("plain text\nno commands: a::b"),
            "plain text\nno commands: a::b"
        );
        for hostile in [
            "x\n::set-output name=a::b",
            "x\r  ::add-mask::y",
            "a ##[set-output name=a]b",
        ] {
            let wrapped = inert(hostile);
            let lines: Vec<&str> = wrapped.split('\n').collect();
            let token = lines[0].strip_prefix("::stop-commands::").unwrap();
            assert!(token.starts_with("relay-") && token.len() == 38, "{token}");
            assert_eq!(lines.last().unwrap(), &format!("::{token}::"));
            assert_eq!(
                &wrapped[lines[0].len() + 1..wrapped.len() - token.len() - 5],
                hostile
            );
        }
    }

    #[test]
    fn json_loses_the_legacy_command_form_but_not_its_value() {
        let json = serde_json::json!({"a": "##[set-output name=x]y"}).to_string();
        let inert = inert_json(&json);
        assert_eq!(inert, r###"{"a":"##\u005bset-output name=x]y"}"###);
        let back: serde_json::Value = serde_json::from_str(&inert).unwrap();
        assert_eq!(back["a"], "##[set-output name=x]y");
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(
            visible_controls("a\u{1b}[2Kb\rc\td\n"),
            "a\\u{1b}[2Kb\\rc\td\n"
        );
    }
}
