//! The link-map readers and editors (JSON, YAML, `_redirects`, nginx): no panic; an
//! upsert either is refused or gives a text that, upserted again with the same links,
//! stays byte for byte the same with every link unchanged. The input is a byte that
//! picks the format, `name<TAB>target` lines, a NUL byte, and the map's text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relay::links::maps::{MapKind, Statuses, plan};
use relay::links::{Link, LinkStatus};

struct Input<'a> {
    kind: u8,
    links: Vec<(&'a str, &'a str)>,
    text: &'a str,
}

const KINDS: [MapKind; 4] = [
    MapKind::Json,
    MapKind::Yaml,
    MapKind::Redirects,
    MapKind::Nginx,
];

fuzz_target!(|data: &[u8]| {
    let [kind, rest @ ..] = data else {
        return;
    };
    let Some((links, text)) = std::str::from_utf8(rest)
        .ok()
        .and_then(|rest| rest.split_once('\0'))
    else {
        return;
    };
    let input = Input {
        kind: *kind,
        links: links
            .lines()
            .map(|line| line.split_once('\t').unwrap_or((line, "")))
            .collect(),
        text,
    };
    let kind = KINDS[usize::from(input.kind % 4)];
    let mut links: Vec<Link> = Vec::new();
    for (name, target) in input.links.iter().take(4) {
        if name.is_empty() || links.iter().any(|l| l.name == *name) {
            continue;
        }
        links.push(Link {
            name: name.to_string(),
            target: target.to_string(),
        });
    }
    let statuses = Statuses::default();
    let Ok(first) = plan(kind, input.text, &links, &statuses) else {
        return;
    };
    let again = plan(kind, &first.text, &links, &statuses)
        .unwrap_or_else(|e| panic!("the edited map does not read back: {e:?}\n{:?}", first.text));
    assert_eq!(again.text, first.text);
    assert!(
        again
            .outcomes
            .iter()
            .all(|(status, _)| *status == LinkStatus::Unchanged),
        "{:?}\n{:?}",
        again.outcomes,
        first.text
    );
});
