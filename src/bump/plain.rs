//! Plain version files (`VERSION`, `GITALY_SERVER_VERSION`, `.python-version`): the
//! whole content is the value. Surrounding blanks and the final line ending (`\n`,
//! `\r\n` or none) stay as they were.

use super::BumpError;
use super::node::{Node, NodeKind, ScalarKind, Style, parse_error};
use super::target::KeyPath;
use std::path::Path;

/// The name of the file kind in messages.
pub const NAME: &str = "a plain version file";

pub fn nodes(text: &str, file: &Path) -> Result<Vec<Node>, BumpError> {
    let value = text.trim();
    let start = text.len() - text.trim_start().len();
    if let Some(newline) = value.find(['\n', '\r']) {
        return Err(parse_error(
            file,
            text,
            start + newline + 1,
            NAME,
            "it holds more than one line; give a /REGEX/ for this file".into(),
        ));
    }
    Ok(vec![Node {
        doc: 0,
        path: KeyPath::default(),
        kind: NodeKind::Scalar {
            value: value.to_string(),
            kind: ScalarKind::String,
            style: Style::Plain,
        },
        span: start..start + value.len(),
        at: start,
        flow: false,
    }])
}

pub fn encode(value: &str) -> Result<String, String> {
    if value.contains(['\n', '\r']) || value.trim() != value {
        return Err("a plain version file holds one line without surrounding blanks".into());
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_the_content_without_its_line_ending() {
        for text in ["1.0.0", "1.0.0\n", "1.0.0\r\n", "  1.0.0  \n"] {
            let nodes = nodes(text, Path::new("VERSION")).unwrap();
            assert_eq!(nodes[0].value(), Some("1.0.0"));
            assert_eq!(&text[nodes[0].span.clone()], "1.0.0");
        }
        let err = nodes("1.0.0\n2.0.0\n", Path::new("VERSION")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "VERSION:2:1: does not parse as a plain version file: it holds more than one line; give a /REGEX/ for this file"
        );
    }
}
