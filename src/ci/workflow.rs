//! GitHub Actions workflow commands (`::error::`, `::warning::`, `::add-mask::`), with
//! the escaping the runner expects so that untrusted text cannot end a command early
//! or start another one.
//!
//! Commands go to stderr: the runner reads commands from both streams, and stdout stays
//! clean for `--json`.

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
}
