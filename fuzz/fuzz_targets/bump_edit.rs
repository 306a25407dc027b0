//! Every bump editor through its public API (YAML, JSON, TOML, dotenv, plain by key;
//! any file by `/REGEX/`). The first byte picks the editor, the second which value of
//! the parsed text is edited, then come the new value and the regex, each ended by a
//! NUL byte, and the rest is the file (a seed is easy to write by hand). Property: no panic; an edit either is refused or gives a
//! text whose value re-reads as the new one with every byte outside the value's span
//! unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relay::bump::node::{Lookup, NodeKind, lookup};
use relay::bump::{Format, edit_text, edit_text_regex};
use std::path::Path;


const FORMATS: [Format; 5] = [
    Format::Yaml,
    Format::Json,
    Format::Toml,
    Format::Dotenv,
    Format::Plain,
];

fuzz_target!(|data: &[u8]| {
    let [kind, pick, rest @ ..] = data else {
        return;
    };
    let (kind, pick) = (*kind, *pick);
    let mut parts = rest.splitn(3, |b| *b == 0);
    let (Some(value), Some(regex), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let (Ok(value), Ok(regex), Ok(text)) = (
        std::str::from_utf8(value),
        std::str::from_utf8(regex),
        std::str::from_utf8(text),
    ) else {
        return;
    };
    let Some(&format) = FORMATS.get(usize::from(kind % 6)) else {
        return regex_edit(text, regex, value);
    };
    let Ok(nodes) = format.parse(text, Path::new("document")) else {
        return;
    };
    let scalars: Vec<_> = nodes
        .iter()
        .filter(|n| n.doc == 0 && matches!(n.kind, NodeKind::Scalar { .. }))
        .collect();
    if scalars.is_empty() {
        return;
    }
    let key = scalars[usize::from(pick) % scalars.len()].path.clone();
    let Lookup::Found(node) = lookup(&nodes, &key) else {
        // Duplicate keys: the editor must refuse.
        assert!(edit_text(format, text, &key, value).is_err());
        return;
    };
    let span = node.span.clone();
    let Ok(new) = edit_text(format, text, &key, value) else {
        return;
    };
    if node.value() == Some(value) {
        assert_eq!(new, text);
        return;
    }
    let after = format
        .parse(&new, Path::new("document"))
        .expect("the edited text parses");
    match lookup(&after, &key) {
        Lookup::Found(n) => assert_eq!(n.value(), Some(value), "{new:?}"),
        _ => panic!("`{key}` is gone after the edit: {new:?}"),
    }
    let tail = text.len() - span.end;
    assert!(new.len() >= span.start + tail);
    assert_eq!(&new.as_bytes()[..span.start], &text.as_bytes()[..span.start]);
    assert_eq!(&new.as_bytes()[new.len() - tail..], &text.as_bytes()[span.end..]);
});

fn regex_edit(text: &str, regex: &str, value: &str) {
    let pattern = if regex.contains("(?P<version>") {
        regex
    } else {
        r"(?P<version>\d+\.\d+\.\d+)"
    };
    let Ok(re) = regex::RegexBuilder::new(pattern).size_limit(1 << 16).build() else {
        return;
    };
    let before = re
        .captures_iter(text)
        .filter(|c| c.name("version").is_some())
        .count();
    let Ok(new) = edit_text_regex(text, &re, value) else {
        return;
    };
    let groups: Vec<&str> = re
        .captures_iter(&new)
        .filter_map(|c| c.name("version").map(|m| m.as_str()))
        .collect();
    assert_eq!(groups.len(), before);
    assert!(groups.iter().all(|g| *g == value));
}
