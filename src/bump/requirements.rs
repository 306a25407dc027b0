//! pip requirements and constraints files (`requirements.txt`, `test-requirements.txt`,
//! `requirements-dev.txt`, OpenStack's `upper-constraints.txt`): one requirement per
//! line, `name[extras] ===1.2.3 ;marker  # comment`. The KEY of a target is the
//! package's name, matched as pip matches names (PEP 503: case, `-`, `_` and `.` are
//! one), so `upper-constraints.txt:oslo.i18n` finds `oslo-i18n===6.5.0`. A pinned
//! requirement (`==` or `===`, one clause) is a value; its version's bytes are the
//! only ones that change, the operator, extras, markers and comments stay.
//!
//! Option lines (`-r`, `-c`, `--index-url`, `-e`), URL and path requirements and
//! requirements with ranges (`>=1,<2`) are kept as they are and are no values.

use super::BumpError;
use super::node::{Node, NodeKind, ScalarKind, Style, parse_error};
use super::target::KeyPath;
use std::path::Path;

pub const NAME: &str = "pip requirements";

/// Whether a file name is a requirements or constraints file (`*.txt` naming either).
pub fn is_requirements_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".txt") && (lower.contains("requirements") || lower.contains("constraints"))
}

/// PEP 503's normalised name: lower case, every run of `-`, `_` and `.` one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The key a target's KEY names in a requirements file: the package's normalised name
/// (a KEY such as `oslo.i18n` is parsed as two segments; it is one name).
pub fn package_key(key: &KeyPath) -> KeyPath {
    KeyPath::default().key(&normalize(&key.to_string().replace('"', "")))
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// A character of a version pip reads (PEP 440 and the legacy forms `===` allows).
fn is_version_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '!' | '-' | '_' | '*')
}

pub fn nodes(text: &str, file: &Path) -> Result<Vec<Node>, BumpError> {
    let mut nodes = vec![Node {
        doc: 0,
        path: KeyPath::default(),
        kind: NodeKind::Map,
        span: 0..0,
        at: 0,
        flow: false,
    }];
    let mut at = 0;
    for raw in text.split_inclusive('\n') {
        let start = at;
        at += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let fail =
            |offset: usize, message: String| parse_error(file, text, start + offset, NAME, message);
        // A comment starts at a `#` at the line's start or after a blank.
        let content_end = line
            .char_indices()
            .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with([' ', '\t'])))
            .map_or(line.len(), |(i, _)| i);
        let content = &line[..content_end];
        let indent = content.len() - content.trim_start().len();
        let body = content.trim();
        if body.is_empty() || body.starts_with('-') {
            continue;
        }
        if body.ends_with('\\') {
            return Err(fail(
                indent + body.len() - 1,
                "a requirement continued on the next line (`\\`) is not supported; write it on one line".into(),
            ));
        }
        let name_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
        let name = &body[..name_len];
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            if body.contains("://") || body.starts_with(['.', '/']) {
                continue;
            }
            return Err(fail(
                indent,
                format!("expected a requirement `name==version`, found `{body}`"),
            ));
        }
        let mut rest = &body[name_len..];
        let mut offset = indent + name_len;
        if let Some(extras) = rest.strip_prefix('[') {
            let close = extras
                .find(']')
                .ok_or_else(|| fail(offset, "the extras `[` are not closed".into()))?;
            rest = &extras[close + 1..];
            offset += close + 2;
        }
        let blanks = rest.len() - rest.trim_start().len();
        rest = rest.trim_start();
        offset += blanks;
        // `name @ url`, a direct reference: no version to bump.
        if rest.starts_with('@') {
            continue;
        }
        if !rest.is_empty() && !rest.starts_with(['=', '<', '>', '!', '~', ';']) {
            return Err(fail(
                offset,
                format!(
                    "expected a version specifier (`==1.2.3`) or `;` after `{name}`, found `{rest}`"
                ),
            ));
        }
        let spec_end = rest.find(';').unwrap_or(rest.len());
        let spec = rest[..spec_end].trim_end();
        if spec.is_empty() || spec.contains(',') {
            continue;
        }
        let operator = if spec.starts_with("===") {
            "==="
        } else if spec.starts_with("==") {
            "=="
        } else {
            continue;
        };
        let after = &spec[operator.len()..];
        let version_offset = offset + operator.len() + (after.len() - after.trim_start().len());
        let version = after.trim();
        if version.is_empty() || !version.chars().all(is_version_char) {
            return Err(fail(
                version_offset,
                format!("`{spec}` pins no version pip can read"),
            ));
        }
        let span = start + version_offset..start + version_offset + version.len();
        nodes.push(Node {
            doc: 0,
            path: KeyPath::default().key(&normalize(name)),
            kind: NodeKind::Scalar {
                value: version.to_string(),
                kind: ScalarKind::String,
                style: Style::Plain,
            },
            at: span.start,
            span,
            flow: false,
        });
    }
    Ok(nodes)
}

/// Where a requirement of `package` (normalised) that pins no single version is, and
/// its specifier: the reason a target naming it finds no value.
pub fn unpinned(text: &str, package: &str) -> Option<(usize, String)> {
    let mut at = 0;
    for raw in text.split_inclusive('\n') {
        let start = at;
        at += raw.len();
        let line = raw.split(" #").next().unwrap_or_default().trim_end();
        let body = line.trim_start();
        let name_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
        if name_len == 0 || body.starts_with('-') || normalize(&body[..name_len]) != package {
            continue;
        }
        let spec = body[name_len..]
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        return Some((start + line.len() - body.len(), spec.to_string()));
    }
    None
}

pub fn encode(value: &str) -> Result<String, String> {
    if value.is_empty() || !value.chars().all(is_version_char) {
        return Err(format!(
            "`{value}` is no version a requirements file can pin (letters, digits and `.+!-_*` only)"
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, String, String)> {
        nodes(text, Path::new("upper-constraints.txt"))
            .unwrap()
            .into_iter()
            .skip(1)
            .map(|n| {
                (
                    n.path.to_string(),
                    n.value().unwrap().to_string(),
                    text[n.span.clone()].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn pinned_requirements_are_values_by_their_normalised_name() {
        let text = "# comment\n-c other.txt\noslo.i18n===6.5.0\nBackports_StrEnum===1.3.1;python_version=='3.10'\r\n\
                    requests[socks] == 2.32.3  # pinned\nalembic>=1.0,<2\nsix  # any\n\
                    pkg @ https://example.org/pkg.whl\n./local/path\n";
        assert_eq!(
            values(text),
            vec![
                ("oslo-i18n".into(), "6.5.0".into(), "6.5.0".into()),
                ("backports-strenum".into(), "1.3.1".into(), "1.3.1".into()),
                ("requests".into(), "2.32.3".into(), "2.32.3".into()),
            ]
        );
        assert_eq!(normalize("Oslo__I18n.-x"), "oslo-i18n-x");
        assert_eq!(
            package_key(&KeyPath::parse("oslo.i18n").unwrap()).to_string(),
            "oslo-i18n"
        );
    }

    #[test]
    fn a_line_that_is_no_requirement_is_located() {
        let err = nodes("ok==1\n  ===2\n", Path::new("requirements.txt")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "requirements.txt:2:3: does not parse as pip requirements: expected a requirement `name==version`, found `===2`"
        );
        let err = nodes("a==1;x\nb== \n", Path::new("requirements.txt")).unwrap_err();
        assert!(
            err.to_string().starts_with("requirements.txt:2:4: "),
            "{err}"
        );
        assert!(is_requirements_name("upper-constraints.txt"));
        assert!(is_requirements_name("requirements-dev.txt"));
        assert!(!is_requirements_name("notes.txt"));
        assert!(encode("6.6.0").is_ok() && encode("6.6.0; x").is_err());
    }
}
