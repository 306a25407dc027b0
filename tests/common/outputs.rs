//! Parsers for the three output forms, as GitHub and GitLab read them.

use std::collections::BTreeMap;
use std::path::Path;

/// Parses a `$GITHUB_OUTPUT` file the way the runner does: `name=value` lines and
/// `name<<DELIMITER` blocks.
pub fn parse_github_output(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            loop {
                let next = lines.next().expect("the block ends with its delimiter");
                if next == delimiter {
                    break;
                }
                value.push(next);
            }
            assert!(
                map.insert(name.to_string(), value.join("\n")).is_none(),
                "output {name} written twice"
            );
        } else if let Some((name, value)) = line.split_once('=') {
            map.insert(name.to_string(), value.to_string());
        } else {
            panic!("not an output line: {line:?}");
        }
    }
    map
}

/// Parses a dotenv report the way GitLab does (`KEY=VALUE` lines, values stripped).
pub fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("not a dotenv line: {l:?}"));
            assert!(
                k.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "GitLab rejects the key {k:?}"
            );
            (k.to_string(), v.trim().to_string())
        })
        .collect()
}

/// A dotenv value, following it to its side file when it names one.
pub fn dotenv_value(map: &BTreeMap<String, String>, key: &str) -> String {
    let value = map
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {map:?}"));
    let path = Path::new(value);
    if path.is_absolute() && path.exists() {
        std::fs::read_to_string(path).unwrap()
    } else {
        value.clone()
    }
}
