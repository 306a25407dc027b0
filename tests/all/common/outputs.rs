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

/// GitLab refuses a dotenv report of this size or more.
pub const GITLAB_DOTENV_LIMIT: usize = 5120;

/// Parses a dotenv report the way GitLab does (`Ci::ParseDotenvArtifactService`: each
/// line `KEY=VALUE` split at the first `=`, both sides stripped, no blank lines or
/// comments, keys of ASCII letters, digits and `_`, the file under 5 KiB), then
/// expands each value the way the runner expands a variable that is not raw
/// (`os.Expand`: `$NAME`/`${NAME}` from the job's variables, `$$` is `$`).
pub fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    assert!(
        text.len() < GITLAB_DOTENV_LIMIT,
        "GitLab refuses a dotenv report of {} bytes",
        text.len()
    );
    let mut raw: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("GitLab refuses the line {line:?} (Invalid Format)"));
        let strip = |s: &str| {
            s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\0' || c == '\x0b')
                .to_string()
        };
        let (k, v) = (strip(k), strip(v));
        assert!(
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "GitLab rejects the key {k:?}"
        );
        assert!(
            raw.iter().all(|(seen, _)| *seen != k),
            "the key {k} is written twice"
        );
        raw.push((k, v));
    }
    let get = |name: &str| -> String {
        match name {
            "$" => "$".into(),
            _ => raw
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        }
    };
    raw.iter()
        .map(|(k, v)| (k.clone(), go_expand(v, &get)))
        .collect()
}

/// Go's `os.Expand`, which the runner applies to every variable that is not raw.
pub fn go_expand(s: &str, get: &dyn Fn(&str) -> String) -> String {
    let b = s.as_bytes();
    let mut buf = String::new();
    let mut i = 0;
    let mut j = 0;
    while j < b.len() {
        if b[j] == b'$' && j + 1 < b.len() {
            buf.push_str(&s[i..j]);
            let (name, w) = shell_name(&s[j + 1..]);
            if name.is_empty() && w > 0 {
                // Bad syntax: the characters are eaten.
            } else if name.is_empty() {
                buf.push('$');
            } else {
                buf.push_str(&get(name));
            }
            j += w;
            i = j + 1;
        }
        j += 1;
    }
    buf.push_str(&s[i.min(s.len())..]);
    buf
}

fn shell_name(s: &str) -> (&str, usize) {
    let b = s.as_bytes();
    let special = |c: u8| b"*#$@!?-0123456789".contains(&c);
    if b[0] == b'{' {
        if b.len() > 2 && special(b[1]) && b[2] == b'}' {
            return (&s[1..2], 3);
        }
        for i in 1..b.len() {
            if b[i] == b'}' {
                if i == 1 {
                    return ("", 2);
                }
                return (&s[1..i], i + 1);
            }
        }
        return ("", 1);
    }
    if special(b[0]) {
        return (&s[0..1], 1);
    }
    let n = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    (&s[..n], n)
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
